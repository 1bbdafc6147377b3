//! The Deployment controller's rollout: one ReplicaSet per pod template, the newest scaled up
//! and the older ones down (rolling within maxSurge/maxUnavailable, or recreate), a rollback
//! promoted to the newest revision, and a paused Deployment still following `spec.replicas`.

use jiff::Timestamp;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{Controller, int, key_of, owner_uid_matches};
use crate::demo::factory::{new_replica_set, rolling_bounds, template_hash};
use crate::demo::resources::ServedKind;
use crate::demo::store::StoreKey;

/// A Deployment's spec and its ReplicaSets as last observed, read once per reconcile.
pub(super) struct Rollout {
    /// Desired pods (`spec.replicas`, at least 0).
    pub(super) replicas: i64,
    /// `metadata.generation`.
    pub(super) generation: i64,
    /// `spec.paused`.
    pub(super) paused: bool,
    /// Pods allowed above `replicas` during a rolling update.
    pub(super) surge: i64,
    /// Pods allowed to be unavailable during a rolling update.
    pub(super) max_unavailable: i64,
    /// The ReplicaSets the Deployment controls, oldest revision first.
    pub(super) replica_sets: Vec<Value>,
    /// Index in `replica_sets` of the one running the current pod template.
    pub(super) new_index: Option<usize>,
    /// The pod-template hash of the current template.
    hash: String,
    /// The highest revision among `replica_sets` (0 without any).
    max_revision: i64,
}

/// The `deployment.kubernetes.io/revision` of a ReplicaSet (0 without one).
fn revision_of(replica_set: &Value) -> i64 {
    replica_set["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

impl Controller {
    /// Reconcile a Deployment: one rollout step (unless paused), then its status.
    pub(super) fn reconcile_deployment(&mut self, key: &StoreKey, deployment: &Value) {
        let now = Instant::now();
        let rollout = self.read_rollout(key, deployment);
        let created_new = if rollout.paused {
            self.follow_replicas_while_paused(deployment, &rollout);
            None
        } else {
            self.step_rollout(key, deployment, &rollout)
        };
        self.report_deployment(key, deployment, &rollout, created_new.as_deref(), now);
    }

    /// The Deployment's spec and the cached ReplicaSets it controls.
    fn read_rollout(&self, key: &StoreKey, deployment: &Value) -> Rollout {
        let replicas = deployment["spec"]["replicas"].as_i64().unwrap_or(1).max(0);
        let (surge, max_unavailable) = rolling_bounds(deployment, replicas);
        let mut replica_sets: Vec<Value> = self
            .workloads
            .get(&ServedKind::ReplicaSet)
            .into_iter()
            .flatten()
            .filter(|(rs_key, rs)| rs_key.0 == key.0 && owner_uid_matches(rs, deployment))
            .map(|(_, rs)| rs.clone())
            .collect();
        replica_sets.sort_by_key(revision_of);
        let hash = template_hash(&deployment["spec"]["template"]);
        let new_index = replica_sets.iter().position(|rs| {
            rs["metadata"]["labels"]["pod-template-hash"].as_str() == Some(hash.as_str())
        });
        let max_revision = replica_sets.iter().map(revision_of).max().unwrap_or(0);
        Rollout {
            replicas,
            generation: deployment["metadata"]["generation"].as_i64().unwrap_or(1),
            paused: deployment["spec"]["paused"] == true,
            surge,
            max_unavailable,
            replica_sets,
            new_index,
            hash,
            max_revision,
        }
    }

    /// One step of an unpaused rollout: create the ReplicaSet for a new template, or move pods
    /// towards the existing one. Returns the name of a ReplicaSet it created.
    fn step_rollout(
        &mut self,
        key: &StoreKey,
        deployment: &Value,
        rollout: &Rollout,
    ) -> Option<String> {
        let Some(index) = rollout.new_index else {
            return self.create_new_replica_set(key, deployment, rollout);
        };
        if revision_of(&rollout.replica_sets[index]) < rollout.max_revision {
            self.promote_rollback(&rollout.replica_sets[index], rollout.max_revision + 1);
        }
        self.roll(deployment, rollout, index);
        None
    }

    /// Create the ReplicaSet for the current template at the next revision and record that
    /// revision on the Deployment. It starts with every replica when nothing else runs (or
    /// under Recreate once the old ones are at zero), else with what the surge allows.
    fn create_new_replica_set(
        &mut self,
        key: &StoreKey,
        deployment: &Value,
        rollout: &Rollout,
    ) -> Option<String> {
        let (replicas, surge, replica_sets) =
            (rollout.replicas, rollout.surge, &rollout.replica_sets);
        let spec_total: i64 = replica_sets
            .iter()
            .map(|rs| int(&rs["spec"]["replicas"]))
            .sum();
        let revision = rollout.max_revision + 1;
        let initial =
            if replica_sets.is_empty() || deployment["spec"]["strategy"]["type"] == "Recreate" {
                if replica_sets
                    .iter()
                    .all(|rs| int(&rs["spec"]["replicas"]) == 0)
                {
                    replicas
                } else {
                    0
                }
            } else {
                (replicas + surge - spec_total).clamp(0, replicas)
            };
        let uid = self.rng.uid();
        let replica_set = new_replica_set(
            deployment,
            &rollout.hash,
            revision,
            initial,
            Timestamp::now(),
            &uid,
        );
        let name = replica_set["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if self
            .zone
            .store
            .create(ServedKind::ReplicaSet, replica_set)
            .is_err()
        {
            return None;
        }
        if initial > 0 {
            self.record_scaling(deployment, &name, 0, initial);
        }
        let _ = self
            .zone
            .store
            .update(ServedKind::Deployment, &key.0, &key.1, |mut d| {
                d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
                    json!(revision.to_string());
                Some(d)
            });
        Some(name)
    }

    /// A rollback to an older template: that ReplicaSet becomes the newest `revision`.
    fn promote_rollback(&self, replica_set: &Value, revision: i64) {
        let rs_key = key_of(replica_set);
        let _ = self
            .zone
            .store
            .update(ServedKind::ReplicaSet, &rs_key.0, &rs_key.1, |mut rs| {
                rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
                    json!(revision.to_string());
                Some(rs)
            });
    }

    /// Paused: no rollout, but the current ReplicaSet still follows `spec.replicas` when it is
    /// the only one with replicas.
    fn follow_replicas_while_paused(&mut self, deployment: &Value, rollout: &Rollout) {
        let Some(index) = rollout
            .new_index
            .or_else(|| rollout.replica_sets.len().checked_sub(1))
        else {
            return;
        };
        let others_empty = rollout
            .replica_sets
            .iter()
            .enumerate()
            .all(|(i, rs)| i == index || int(&rs["spec"]["replicas"]) == 0);
        if others_empty {
            self.set_replica_set_replicas(
                deployment,
                &rollout.replica_sets[index],
                rollout.replicas,
                rollout.replicas,
                rollout.surge,
            );
        }
    }

    /// One step of a rolling (or recreate) update towards the new ReplicaSet at `new_index`.
    fn roll(&mut self, deployment: &Value, rollout: &Rollout, new_index: usize) {
        let (replica_sets, replicas, surge, max_unavailable) = (
            &rollout.replica_sets,
            rollout.replicas,
            rollout.surge,
            rollout.max_unavailable,
        );
        let new_rs = &replica_sets[new_index];
        let olds: Vec<&Value> = replica_sets
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != new_index)
            .map(|(_, rs)| rs)
            .collect();
        let spec = |rs: &Value| int(&rs["spec"]["replicas"]);
        let available = |rs: &Value| int(&rs["status"]["availableReplicas"]);
        let old_total: i64 = olds.iter().map(|rs| spec(rs)).sum();
        if deployment["spec"]["strategy"]["type"] == "Recreate" {
            for old in &olds {
                if spec(old) > 0 {
                    self.set_replica_set_replicas(deployment, old, 0, replicas, surge);
                }
            }
            let old_pods_left = olds.iter().any(|rs| {
                let key = key_of(rs);
                !self.owned_pods(ServedKind::ReplicaSet, &key).is_empty()
            });
            if !old_pods_left {
                self.set_replica_set_replicas(deployment, new_rs, replicas, replicas, surge);
            }
            return;
        }
        let mut new_spec = spec(new_rs);
        let mut total = old_total + new_spec;
        if new_spec > replicas {
            new_spec = replicas;
        } else if new_spec < replicas && total < replicas + surge {
            new_spec += (replicas + surge - total).min(replicas - new_spec);
        }
        total = old_total + new_spec;
        self.set_replica_set_replicas(deployment, new_rs, new_spec, replicas, surge);
        if old_total == 0 {
            return;
        }
        let min_available = replicas - max_unavailable;
        let new_unavailable = (spec(new_rs) - available(new_rs)).max(0);
        let max_scaled_down = total - min_available - new_unavailable;
        if max_scaled_down <= 0 {
            return;
        }
        let mut old_specs: Vec<i64> = olds.iter().map(|rs| spec(rs)).collect();
        // First drop old replicas that are not available anyway.
        let mut cleaned = 0;
        for (index, old) in olds.iter().enumerate() {
            let unhealthy = (old_specs[index] - available(old)).max(0);
            let cut = unhealthy.min(max_scaled_down - cleaned);
            old_specs[index] -= cut;
            cleaned += cut;
        }
        // Then scale down available old replicas while keeping minAvailable.
        let all_available: i64 = replica_sets.iter().map(available).sum();
        let mut allowed = (all_available - min_available)
            .max(0)
            .min(max_scaled_down - cleaned);
        for (index, _) in olds.iter().enumerate() {
            let cut = old_specs[index].min(allowed);
            old_specs[index] -= cut;
            allowed -= cut;
        }
        for (index, old) in olds.iter().enumerate() {
            if old_specs[index] != spec(old) {
                self.set_replica_set_replicas(deployment, old, old_specs[index], replicas, surge);
            }
        }
    }

    /// Scale a ReplicaSet to `replicas` (bumping its generation), record the Deployment's
    /// desired and maximum replicas on it, and report the scaling as the Deployment's event.
    fn set_replica_set_replicas(
        &mut self,
        deployment: &Value,
        replica_set: &Value,
        replicas: i64,
        deployment_replicas: i64,
        surge: i64,
    ) {
        let key = key_of(replica_set);
        let mut scaled_from = None;
        let updated = self.zone.store.update(ServedKind::ReplicaSet, &key.0, &key.1, |mut rs| {
            scaled_from = None;
            let annotations = json!({
                "deployment.kubernetes.io/desired-replicas": deployment_replicas.to_string(),
                "deployment.kubernetes.io/max-replicas": (deployment_replicas + surge).to_string(),
            });
            let same_annotations = annotations
                .as_object()
                .into_iter()
                .flatten()
                .all(|(k, v)| rs["metadata"]["annotations"][k] == *v);
            if rs["spec"]["replicas"].as_i64() == Some(replicas) && same_annotations {
                return None;
            }
            if rs["spec"]["replicas"].as_i64() != Some(replicas) {
                scaled_from = Some(int(&rs["spec"]["replicas"]));
                rs["spec"]["replicas"] = json!(replicas);
                let generation = rs["metadata"]["generation"].as_i64().unwrap_or(1);
                rs["metadata"]["generation"] = json!(generation + 1);
            }
            for (k, v) in annotations.as_object().into_iter().flatten() {
                rs["metadata"]["annotations"][k] = v.clone();
            }
            Some(rs)
        });
        if let (Ok(Some(_)), Some(from)) = (updated, scaled_from) {
            self.record_scaling(deployment, &key.1, from, replicas);
        }
    }
}
