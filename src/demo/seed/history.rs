//! A Deployment's revision history as seeded, so `kubectl rollout history` and `undo` have
//! something to show: the current revision rolled out at the zone's release (or when the seed
//! says), and up to [`HISTORY_DEPTH`] older ReplicaSets at zero replicas running older images,
//! each with its revision, creation time between the Deployment's creation and the current
//! rollout, and on most of them a `kubernetes.io/change-cause`.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::build::ZoneBuilder;
use super::schema::WorkloadSeed;
use crate::demo::DemoError;
use crate::demo::factory::{new_replica_set, template_hash};
use crate::demo::resources::ServedKind;

/// How many older revisions a Deployment is seeded with at most.
const HISTORY_DEPTH: i64 = 5;

/// Seconds between the pods of a seeded rolling update.
pub(super) const ROLL_STEP_SECONDS: i64 = 25;

/// The annotation `kubectl rollout history` shows as CHANGE-CAUSE.
const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

/// One older revision of a Deployment.
pub(super) struct OldRevision {
    /// Its revision number.
    revision: i64,
    /// The image it ran.
    image: String,
    /// When its ReplicaSet was created.
    created: Timestamp,
    /// Its change-cause, if one was recorded.
    cause: Option<String>,
}

/// The seeded revisions of a Deployment.
pub(super) struct History {
    /// When the current revision rolled out (its ReplicaSet's creation).
    pub(super) current_at: Timestamp,
    /// The current revision's change-cause, if one was recorded.
    pub(super) current_cause: Option<String>,
    /// The older revisions, newest first.
    older: Vec<OldRevision>,
}

/// `at` moved by `seconds`.
fn shifted(at: Timestamp, seconds: i64) -> Timestamp {
    at.checked_add(SignedDuration::from_secs(seconds))
        .unwrap_or(at)
}

impl ZoneBuilder<'_> {
    /// When `workload`'s current revision rolled out: as the seed says, else at the zone's
    /// release for a `{ge_tag}` image, else its revisions spread evenly over its age.
    fn current_rollout(
        &self,
        workload: &WorkloadSeed,
        created_at: Timestamp,
    ) -> Result<Timestamp, DemoError> {
        let revision = workload.revision.max(1);
        let released = self
            .zone
            .released
            .as_ref()
            .filter(|_| revision > 1 && workload.image.contains("{ge_tag}"));
        let at = match (&workload.rolled_out, released) {
            (Some(rolled_out), _) => self.ago(rolled_out)?,
            (None, Some(released)) => self.ago(released)?,
            (None, None) => {
                let age = (self.now - created_at).get_seconds().max(0);
                shifted(created_at, age * (revision - 1) / revision)
            }
        };
        Ok(at.max(created_at))
    }

    /// A tag of the zone's `ge_tag` form (`YYYY.MM.DD-sha`) dated `days` before it.
    fn older_ge_tag(&mut self, days: i64) -> String {
        let sha = &self.rng.hex64()[..7];
        let date = self
            .zone
            .ge_tag
            .split_once('-')
            .and_then(|(date, _)| Date::strptime("%Y.%m.%d", date).ok());
        let Some(date) = date else {
            return format!("{}-{sha}", self.zone.ge_tag);
        };
        let older = date
            .checked_sub(SignedDuration::from_hours(24 * days))
            .unwrap_or(date);
        format!("{}-{sha}", older.strftime("%Y.%m.%d"))
    }

    /// The change-cause recorded for a revision, on two revisions out of three: the release
    /// pipeline's for GE images, kubectl's `--record` for others.
    fn change_cause(&self, workload: &WorkloadSeed, image: &str, revision: i64) -> Option<String> {
        if revision % 3 == 0 {
            return None;
        }
        if workload.image.contains("{ge_tag}") {
            let tag = image.rsplit_once(':').map_or(image, |(_, tag)| tag);
            Some(format!("release {tag} via ge-deploy"))
        } else {
            Some(format!(
                "kubectl set image deployment/{0} {0}={image} --record=true",
                workload.name
            ))
        }
    }

    /// `workload`'s revisions: when the current one rolled out and the older ones.
    pub(super) fn history(
        &mut self,
        workload: &WorkloadSeed,
        image: &str,
        created_at: Timestamp,
    ) -> Result<History, DemoError> {
        let revision = workload.revision.max(1);
        let current_at = self.current_rollout(workload, created_at)?;
        let depth = (revision - 1).min(HISTORY_DEPTH) as usize;
        // Revisions spread evenly from the Deployment's creation to the current rollout.
        let gap = (current_at - created_at).get_seconds().max(0) / (revision - 1).max(1);
        let mut images: Vec<String> = if !workload.history.is_empty() {
            workload
                .history
                .iter()
                .map(|old| old.replace("{ge_tag}", &self.zone.ge_tag))
                .collect()
        } else if workload.image.contains("{ge_tag}") {
            (1..=depth as i64)
                .map(|steps| {
                    let tag = self.older_ge_tag((gap * steps + 86_399) / 86_400);
                    workload.image.replace("{ge_tag}", &tag)
                })
                .collect()
        } else {
            Vec::new()
        };
        images.retain(|old| old != image);
        images.dedup();
        images.truncate(depth);
        let older = images
            .into_iter()
            .enumerate()
            .map(|(index, image)| {
                let steps = index as i64 + 1;
                let revision = revision - steps;
                OldRevision {
                    revision,
                    created: shifted(current_at, -gap * steps),
                    cause: self.change_cause(workload, &image, revision),
                    image,
                }
            })
            .collect();
        Ok(History {
            current_at,
            current_cause: self.change_cause(workload, image, revision),
            older,
        })
    }

    /// The older ReplicaSets of `deployment`: its template with the older image, scaled up
    /// once and down to zero since.
    pub(super) fn seed_older_replica_sets(&mut self, deployment: &Value, history: &History) {
        for old in &history.older {
            let mut at_revision = deployment.clone();
            for container in at_revision["spec"]["template"]["spec"]["containers"]
                .as_array_mut()
                .into_iter()
                .flatten()
            {
                container["image"] = json!(old.image);
            }
            let mut annotations =
                json!({"deployment.kubernetes.io/revision": old.revision.to_string()});
            if let Some(cause) = &old.cause {
                annotations[CHANGE_CAUSE] = json!(cause);
            }
            at_revision["metadata"]["annotations"] = annotations;
            let hash = template_hash(&at_revision["spec"]["template"]);
            let uid = self.rng.uid();
            let mut replica_set =
                new_replica_set(&at_revision, &hash, old.revision, 0, old.created, &uid);
            replica_set["metadata"]["generation"] = json!(3);
            replica_set["status"] = json!({"replicas": 0, "observedGeneration": 3});
            self.store.seed(ServedKind::ReplicaSet, replica_set);
        }
    }

    /// The change-cause annotation for the current revision, if one was recorded.
    pub(super) fn annotate_current(deployment: &mut Value, history: &History) {
        if let Some(cause) = &history.current_cause {
            deployment["metadata"]["annotations"][CHANGE_CAUSE] = json!(cause);
        }
    }

    /// When the `index`-th pod of the current revision was created (one every
    /// [`ROLL_STEP_SECONDS`] from the rollout, never after now).
    pub(super) fn pod_created(&self, history: &History, index: i64) -> Timestamp {
        shifted(history.current_at, index * ROLL_STEP_SECONDS).min(self.now)
    }
}
