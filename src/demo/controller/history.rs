//! A Deployment's revision history, kept as its controller keeps it: every old ReplicaSet
//! stays (at zero replicas) until there are more than `revisionHistoryLimit`, and a rollback
//! (`kubectl rollout undo` puts an old template back) promotes that old ReplicaSet to the
//! newest revision, remembering the revision it had.

use serde_json::{Value, json};

use super::deployment::{Rollout, revision_of};
use super::{Controller, int, key_of};
use crate::demo::factory::copy_deployment_annotations;
use crate::demo::resources::ServedKind;
use crate::demo::store::StoreKey;

/// `revisionHistoryLimit` when a Deployment does not say.
const DEFAULT_HISTORY_LIMIT: i64 = 10;

/// The revisions a ReplicaSet had before, with `previous` appended.
fn revision_history(replica_set: &Value, previous: i64) -> String {
    let annotations = &replica_set["metadata"]["annotations"];
    match annotations["deployment.kubernetes.io/revision-history"].as_str() {
        Some(history) if !history.is_empty() => format!("{history},{previous}"),
        _ => previous.to_string(),
    }
}

impl Controller {
    /// A rollback to an older template: that ReplicaSet becomes the newest `revision`, takes
    /// the Deployment's annotations (the change-cause kubectl copied back), and the Deployment
    /// records the revision.
    pub(super) fn promote_rollback(
        &self,
        key: &StoreKey,
        deployment: &Value,
        replica_set: &Value,
        revision: i64,
    ) {
        let rs_key = key_of(replica_set);
        let _ = self
            .zone
            .store
            .update(ServedKind::ReplicaSet, &rs_key.0, &rs_key.1, |mut rs| {
                let previous = revision_of(&rs);
                if previous >= revision {
                    return None;
                }
                copy_deployment_annotations(deployment, &mut rs);
                let annotations = &mut rs["metadata"]["annotations"];
                annotations["deployment.kubernetes.io/revision-history"] =
                    json!(revision_history(replica_set, previous));
                annotations["deployment.kubernetes.io/revision"] = json!(revision.to_string());
                Some(rs)
            });
        let _ = self
            .zone
            .store
            .update(ServedKind::Deployment, &key.0, &key.1, |mut d| {
                let revision = json!(revision.to_string());
                if d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == revision {
                    return None;
                }
                d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = revision;
                Some(d)
            });
    }

    /// Delete the oldest old ReplicaSets beyond `revisionHistoryLimit`, those with no
    /// replicas left, as the Deployment controller's cleanup does.
    pub(super) fn clean_up_history(&mut self, deployment: &Value, rollout: &Rollout) {
        let limit = deployment["spec"]["revisionHistoryLimit"]
            .as_i64()
            .unwrap_or(DEFAULT_HISTORY_LIMIT)
            .max(0);
        let olds: Vec<&Value> = rollout
            .replica_sets
            .iter()
            .enumerate()
            .filter(|(index, _)| Some(*index) != rollout.new_index)
            .map(|(_, rs)| rs)
            .collect();
        let mut excess = olds.len() as i64 - limit;
        // `replica_sets` is sorted oldest revision first.
        for old in olds {
            if excess <= 0 {
                return;
            }
            let key = key_of(old);
            let empty = int(&old["spec"]["replicas"]) == 0
                && int(&old["status"]["replicas"]) == 0
                && old["metadata"]["deletionTimestamp"].is_null()
                && self.owned_pods(ServedKind::ReplicaSet, &key).is_empty();
            if !empty {
                continue;
            }
            let _ = self
                .zone
                .store
                .delete(ServedKind::ReplicaSet, &key.0, &key.1, None);
            excess -= 1;
        }
    }
}
