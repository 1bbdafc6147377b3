//! The ReplicaSet controller: keeps `spec.replicas` pods (deleting the least useful first)
//! and reports how many are ready, available and terminating.

use std::cmp::Reverse;

use serde_json::{Value, json};

use super::Controller;
use super::pods::ControlledPod;
use crate::demo::factory::PodStage;
use crate::demo::resources::ServedKind;
use crate::demo::store::StoreKey;

impl Controller {
    /// Create or delete pods towards `spec.replicas` and write the ReplicaSet's status.
    pub(super) fn reconcile_replica_set(&mut self, key: &StoreKey, replica_set: &Value) {
        let desired = replica_set["spec"]["replicas"].as_i64().unwrap_or(1).max(0) as usize;
        let pods = self.owned_pods(ServedKind::ReplicaSet, key);
        let mut active: Vec<&(String, ControlledPod)> =
            pods.iter().filter(|(_, p)| !p.terminating).collect();
        if active.len() < desired {
            for _ in active.len()..desired {
                let name = self.unique_pod_name(&key.0, &key.1);
                self.create_pod(replica_set, &name, &[], None);
            }
        } else if active.len() > desired {
            // Delete the least useful pods first: not ready before ready, then newest stage.
            active.sort_by_key(|(name, info)| {
                (
                    info.ready,
                    info.stage == PodStage::Ready,
                    Reverse(name.clone()),
                )
            });
            let victims: Vec<String> = active
                .iter()
                .take(active.len() - desired)
                .map(|(n, _)| n.clone())
                .collect();
            for name in victims {
                self.delete_owned_pod(replica_set, &name);
            }
        }
        let active: Vec<&ControlledPod> = pods
            .iter()
            .map(|(_, p)| p)
            .filter(|p| !p.terminating)
            .collect();
        let ready = active.iter().filter(|p| p.ready).count();
        let mut status = json!({
            "replicas": active.len(),
            "fullyLabeledReplicas": active.len(),
            "observedGeneration": replica_set["metadata"]["generation"].as_i64().unwrap_or(1),
        });
        if ready > 0 {
            status["readyReplicas"] = json!(ready);
            status["availableReplicas"] = json!(ready);
        }
        let terminating = pods.len() - active.len();
        if terminating > 0 {
            status["terminatingReplicas"] = json!(terminating);
        }
        if replica_set["spec"]["replicas"].as_i64().unwrap_or(1) == 0 && active.is_empty() {
            status = json!({"replicas": 0, "observedGeneration": replica_set["metadata"]["generation"].as_i64().unwrap_or(1)});
        }
        self.write_status(ServedKind::ReplicaSet, key, replica_set, status);
    }
}
