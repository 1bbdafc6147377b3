//! The DaemonSet controller: one pod per node, outdated pods replaced within
//! `maxUnavailable`, and the scheduled/ready/updated counts.

use serde_json::{Value, json};

use super::Controller;
use super::pods::ControlledPod;
use crate::demo::factory::{resolve_int_or_percent, template_hash};
use crate::demo::resources::ServedKind;
use crate::demo::store::StoreKey;

impl Controller {
    /// Put a pod on every node, replace outdated ones, and write the DaemonSet's status.
    pub(super) fn reconcile_daemon_set(&mut self, key: &StoreKey, daemonset: &Value) {
        let generation = daemonset["metadata"]["generation"].as_i64().unwrap_or(1);
        let hash = template_hash(&daemonset["spec"]["template"]);
        let nodes = self.zone.profile.nodes.clone();
        let desired = nodes.len() as i64;
        let max_unavailable = {
            let value = &daemonset["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"];
            let value = if value.is_null() {
                json!(1)
            } else {
                value.clone()
            };
            resolve_int_or_percent(&value, desired, false).max(1)
        };
        let pods = self.owned_pods(ServedKind::DaemonSet, key);
        for node in &nodes {
            let on_node = pods
                .iter()
                .any(|(_, p)| p.node.as_deref() == Some(node.name.as_str()));
            if !on_node {
                let name = self.unique_pod_name(&key.0, &key.1);
                let labels = [
                    ("controller-revision-hash", hash.clone()),
                    ("pod-template-generation", generation.to_string()),
                ];
                self.create_pod(daemonset, &name, &labels, Some(node.clone()));
            }
        }
        let active: Vec<&(String, ControlledPod)> =
            pods.iter().filter(|(_, p)| !p.terminating).collect();
        let ready = active.iter().filter(|(_, p)| p.ready).count() as i64;
        // Outdated pods that are not ready cost no availability: replace them right away.
        let broken: Vec<String> = active
            .iter()
            .filter(|(_, p)| p.revision != hash && !p.ready)
            .map(|(name, _)| name.clone())
            .collect();
        for name in broken {
            self.delete_owned_pod(daemonset, &name);
        }
        let unavailable_nodes = desired - ready;
        if unavailable_nodes < max_unavailable {
            let outdated: Vec<String> = active
                .iter()
                .filter(|(_, p)| p.revision != hash && p.ready)
                .take((max_unavailable - unavailable_nodes) as usize)
                .map(|(name, _)| name.clone())
                .collect();
            for name in outdated {
                self.delete_owned_pod(daemonset, &name);
            }
        }
        let scheduled = nodes
            .iter()
            .filter(|n| {
                active
                    .iter()
                    .any(|(_, p)| p.node.as_deref() == Some(n.name.as_str()))
            })
            .count() as i64;
        let updated = active.iter().filter(|(_, p)| p.revision == hash).count() as i64;
        let mut status = json!({
            "currentNumberScheduled": scheduled,
            "desiredNumberScheduled": desired,
            "numberMisscheduled": 0,
            "numberReady": ready,
            "numberAvailable": ready,
            "updatedNumberScheduled": updated,
            "observedGeneration": generation,
        });
        if desired - ready > 0 {
            status["numberUnavailable"] = json!(desired - ready);
        }
        self.write_status(ServedKind::DaemonSet, key, daemonset, status);
    }
}
