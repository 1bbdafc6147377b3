//! The Deployment controller's report: replica counts summed from its ReplicaSets, progress
//! measured against `progressDeadlineSeconds`, and the Available and Progressing conditions.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::deployment::Rollout;
use super::timers::Timer;
use super::{Controller, int, scaled};
use crate::demo::factory::timestamp;
use crate::demo::resources::ServedKind;
use crate::demo::store::StoreKey;

/// How a Deployment's rollout is going, remembered between reconciles.
#[derive(Debug, Clone)]
pub(super) struct Progress {
    /// When progress was last made.
    last: Instant,
    /// The generation the rollout belongs to.
    generation: i64,
}

/// A Deployment's replica counts, from its ReplicaSets as last observed, and what they say
/// about the rollout.
struct Counts {
    /// Pods of every ReplicaSet (`status.replicas`).
    total: i64,
    /// Pods of the ReplicaSet for the current template.
    updated: i64,
    /// Ready pods.
    ready: i64,
    /// Available pods.
    available: i64,
    /// Desired pods of every ReplicaSet that are not available.
    unavailable: i64,
    /// Name of the ReplicaSet for the current template (empty before it exists).
    new_rs_name: String,
    /// Every desired pod runs the current template and is available.
    complete: bool,
    /// The counts moved on since the status being replaced (or a ReplicaSet was created).
    progressed: bool,
}

impl Counts {
    /// Sum the ReplicaSets' counts; `created_new` names a ReplicaSet created in this reconcile.
    fn observe(deployment: &Value, rollout: &Rollout, created_new: Option<&str>) -> Counts {
        let replica_sets = &rollout.replica_sets;
        let replicas = rollout.replicas;
        let new_rs = rollout.new_index.map(|i| &replica_sets[i]);
        let sum = |field: &str| -> i64 {
            replica_sets
                .iter()
                .map(|rs| int(&rs["status"][field]))
                .sum()
        };
        let total = sum("replicas");
        let updated = new_rs.map_or(0, |rs| int(&rs["status"]["replicas"]));
        let ready = sum("readyReplicas");
        let available = sum("availableReplicas");
        let spec_total: i64 = replica_sets
            .iter()
            .map(|rs| int(&rs["spec"]["replicas"]))
            .sum();
        let old_status = &deployment["status"];
        let new_rs_name = created_new
            .map(str::to_string)
            .or_else(|| new_rs.and_then(|rs| rs["metadata"]["name"].as_str().map(str::to_string)))
            .unwrap_or_default();
        let complete = new_rs.is_some()
            && updated == replicas
            && total == replicas
            && available == replicas
            && int(&new_rs.map_or(Value::Null, |rs| rs["spec"]["replicas"].clone())) == replicas;
        let progressed = created_new.is_some()
            || updated > int(&old_status["updatedReplicas"])
            || ready > int(&old_status["readyReplicas"])
            || available > int(&old_status["availableReplicas"])
            || total - updated < int(&old_status["replicas"]) - int(&old_status["updatedReplicas"]);
        Counts {
            total,
            updated,
            ready,
            available,
            unavailable: (spec_total - available).max(0),
            new_rs_name,
            complete,
            progressed,
        }
    }
}

/// Time since the rollout last progressed, against its deadline.
struct ProgressClock {
    /// Time since progress was last made.
    since_progress: Duration,
    /// `progressDeadlineSeconds`, scaled by the zone's time scale.
    deadline: Option<Duration>,
}

impl ProgressClock {
    /// Whether the deadline has passed without progress.
    fn exceeded(&self) -> bool {
        self.deadline.is_some_and(|d| self.since_progress >= d)
    }
}

/// Builds Deployment conditions, keeping the previous condition's times where the API server
/// does.
struct Conditions {
    /// The conditions of the status being replaced.
    before: Vec<Value>,
    /// The time given to a condition that changes.
    at: String,
}

impl Conditions {
    /// The conditions of `deployment`'s current status; a Deployment already complete at its
    /// first report has been so since its creation.
    fn new(deployment: &Value, complete: bool) -> Conditions {
        let before: Vec<Value> = deployment["status"]["conditions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let at = if before.is_empty() && complete {
            deployment["metadata"]["creationTimestamp"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        } else {
            timestamp(Timestamp::now())
        };
        Conditions { before, at }
    }

    /// The previous condition of type `kind`.
    fn existing(&self, kind: &str) -> Option<Value> {
        self.before.iter().find(|c| c["type"] == kind).cloned()
    }

    /// A condition; its transition time is kept while the status stays, its update time while
    /// nothing changes and `touch` is false.
    fn condition(
        &self,
        kind: &str,
        status: &str,
        reason: &str,
        message: String,
        touch: bool,
    ) -> Value {
        let old = self.existing(kind);
        let same = old.as_ref().is_some_and(|o| {
            o["status"] == status && o["reason"] == reason && o["message"] == message
        });
        let transition = match &old {
            Some(o) if o["status"] == status => o["lastTransitionTime"].clone(),
            _ => json!(self.at),
        };
        let update = match &old {
            Some(o) if same && !touch => o["lastUpdateTime"].clone(),
            _ => json!(self.at),
        };
        json!({"type": kind, "status": status, "lastUpdateTime": update, "lastTransitionTime": transition,
            "reason": reason, "message": message})
    }

    /// Available: at least `replicas - maxUnavailable` pods are available.
    fn available(&self, counts: &Counts, rollout: &Rollout) -> Value {
        if counts.available >= rollout.replicas - rollout.max_unavailable {
            self.condition(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.".into(),
                false,
            )
        } else {
            self.condition(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.".into(),
                false,
            )
        }
    }
}

/// The status written back, with zero counts left out as the API server does.
fn deployment_status(
    generation: i64,
    counts: &Counts,
    available: Value,
    progressing: Value,
) -> Value {
    let mut status = json!({
        "observedGeneration": generation,
        "replicas": counts.total,
        "updatedReplicas": counts.updated,
        "readyReplicas": counts.ready,
        "availableReplicas": counts.available,
        "conditions": [available, progressing],
    });
    if counts.unavailable > 0 {
        status["unavailableReplicas"] = json!(counts.unavailable);
    }
    for field in [
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
    ] {
        if status[field] == 0
            && let Some(map) = status.as_object_mut()
        {
            map.remove(field);
        }
    }
    status
}

impl Controller {
    /// Write how the rollout stands (counts and conditions) and, while it is unfinished,
    /// schedule a recheck for when its progress deadline runs out.
    pub(super) fn report_deployment(
        &mut self,
        key: &StoreKey,
        deployment: &Value,
        rollout: &Rollout,
        created_new: Option<&str>,
        now: Instant,
    ) {
        let counts = Counts::observe(deployment, rollout, created_new);
        let clock = ProgressClock {
            since_progress: self.time_since_progress(
                key,
                rollout.generation,
                counts.progressed,
                now,
            ),
            deadline: deployment["spec"]["progressDeadlineSeconds"]
                .as_i64()
                .map(|s| scaled(Duration::from_secs(s.max(0) as u64), self.zone.time_scale)),
        };
        let conditions = Conditions::new(deployment, counts.complete);
        let available = conditions.available(&counts, rollout);
        let progressing = self.progressing_condition(
            key,
            &conditions,
            &counts,
            rollout.paused,
            created_new,
            &clock,
        );
        if !rollout.paused
            && !counts.complete
            && let Some(deadline) = clock.deadline
        {
            self.schedule_once(
                deadline.saturating_sub(clock.since_progress),
                Timer::Recheck(ServedKind::Deployment, key.clone()),
            );
        }
        let status = deployment_status(rollout.generation, &counts, available, progressing);
        self.write_status(ServedKind::Deployment, key, deployment, status);
    }

    /// Time since the rollout of `key` last progressed; progress or a new generation restarts
    /// the clock.
    fn time_since_progress(
        &mut self,
        key: &StoreKey,
        generation: i64,
        progressed: bool,
        now: Instant,
    ) -> Duration {
        let progress = self.progress.entry(key.clone()).or_insert(Progress {
            last: now,
            generation,
        });
        if progressed || progress.generation != generation {
            *progress = Progress {
                last: now,
                generation,
            };
        }
        now.duration_since(progress.last)
    }

    /// The Progressing condition. A rollout that neither progressed nor ran out of time keeps
    /// its condition and gets a recheck at its deadline.
    fn progressing_condition(
        &mut self,
        key: &StoreKey,
        conditions: &Conditions,
        counts: &Counts,
        paused: bool,
        created_new: Option<&str>,
        clock: &ProgressClock,
    ) -> Value {
        let new_rs_name = &counts.new_rs_name;
        let previous = conditions.existing("Progressing");
        if paused {
            return conditions.condition(
                "Progressing",
                "Unknown",
                "DeploymentPaused",
                "Deployment is paused".into(),
                false,
            );
        }
        if let Some(name) = created_new {
            return conditions.condition(
                "Progressing",
                "True",
                "NewReplicaSetCreated",
                format!("Created new replica set \"{name}\""),
                true,
            );
        }
        if counts.complete {
            return conditions.condition(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                format!("ReplicaSet \"{new_rs_name}\" has successfully progressed."),
                false,
            );
        }
        if counts.progressed {
            return conditions.condition(
                "Progressing",
                "True",
                "ReplicaSetUpdated",
                format!("ReplicaSet \"{new_rs_name}\" is progressing."),
                true,
            );
        }
        if previous
            .as_ref()
            .is_some_and(|c| c["reason"] == "ProgressDeadlineExceeded")
            || clock.exceeded()
        {
            return conditions.condition(
                "Progressing",
                "False",
                "ProgressDeadlineExceeded",
                format!("ReplicaSet \"{new_rs_name}\" has timed out progressing."),
                false,
            );
        }
        if let Some(deadline) = clock.deadline {
            self.schedule_once(
                deadline.saturating_sub(clock.since_progress),
                Timer::Recheck(ServedKind::Deployment, key.clone()),
            );
        }
        match previous {
            Some(c)
                if c["reason"] == "ReplicaSetUpdated" || c["reason"] == "NewReplicaSetCreated" =>
            {
                c
            }
            _ => conditions.condition(
                "Progressing",
                "True",
                "ReplicaSetUpdated",
                format!("ReplicaSet \"{new_rs_name}\" is progressing."),
                true,
            ),
        }
    }
}
