//! The StatefulSet controller: ordinal pods created in order once the ones before are ready,
//! scaled down and rolled from the highest ordinal, with current and update revisions.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Controller;
use super::pods::ControlledPod;
use crate::demo::factory::template_hash;
use crate::demo::resources::ServedKind;
use crate::demo::store::StoreKey;

impl Controller {
    /// One OrderedReady step (create, scale down or roll one pod) and the StatefulSet's status.
    pub(super) fn reconcile_stateful_set(&mut self, key: &StoreKey, statefulset: &Value) {
        let replicas = statefulset["spec"]["replicas"].as_i64().unwrap_or(1).max(0);
        let generation = statefulset["metadata"]["generation"].as_i64().unwrap_or(1);
        let update_revision = format!(
            "{}-{}",
            key.1,
            template_hash(&statefulset["spec"]["template"])
        );
        let current_revision = statefulset["status"]["currentRevision"]
            .as_str()
            .map_or_else(|| update_revision.clone(), str::to_string);
        let pods = self.owned_pods(ServedKind::StatefulSet, key);
        let by_ordinal: BTreeMap<i64, &ControlledPod> = pods
            .iter()
            .filter_map(|(name, info)| {
                name.rsplit_once('-')
                    .and_then(|(_, o)| o.parse::<i64>().ok())
                    .map(|o| (o, info))
            })
            .collect();
        let all_settled = by_ordinal.values().all(|p| p.ready && !p.terminating);
        // OrderedReady creation: the lowest missing ordinal, once all before it are ready.
        let mut acted = false;
        for ordinal in 0..replicas {
            match by_ordinal.get(&ordinal) {
                None => {
                    let name = format!("{}-{ordinal}", key.1);
                    let labels = [
                        ("controller-revision-hash", update_revision.clone()),
                        ("statefulset.kubernetes.io/pod-name", name.clone()),
                        ("apps.kubernetes.io/pod-index", ordinal.to_string()),
                    ];
                    self.create_pod(statefulset, &name, &labels, None);
                    acted = true;
                    break;
                }
                Some(info) if !info.ready || info.terminating => {
                    acted = true;
                    break;
                }
                Some(_) => {}
            }
        }
        if !acted && all_settled {
            // Scale down from the highest ordinal, then roll from the highest ordinal.
            if let Some((ordinal, _)) = by_ordinal.iter().rev().find(|(o, _)| **o >= replicas) {
                self.delete_owned_pod(statefulset, &format!("{}-{ordinal}", key.1));
            } else if let Some((ordinal, _)) = by_ordinal
                .iter()
                .rev()
                .find(|(_, p)| p.revision != update_revision)
            {
                self.delete_owned_pod(statefulset, &format!("{}-{ordinal}", key.1));
            }
        }
        let active: Vec<&ControlledPod> = pods
            .iter()
            .map(|(_, p)| p)
            .filter(|p| !p.terminating)
            .collect();
        let ready = active.iter().filter(|p| p.ready).count() as i64;
        let updated = active
            .iter()
            .filter(|p| p.revision == update_revision)
            .count() as i64;
        let current = active
            .iter()
            .filter(|p| p.revision == current_revision)
            .count() as i64;
        let done = updated == replicas && ready == replicas && active.len() as i64 == replicas;
        let (current_revision, current) = if done {
            (update_revision.clone(), updated)
        } else {
            (current_revision, current)
        };
        let mut status = json!({
            "observedGeneration": generation,
            "replicas": active.len(),
            "readyReplicas": ready,
            "currentReplicas": current,
            "updatedReplicas": updated,
            "availableReplicas": ready,
            "currentRevision": current_revision,
            "updateRevision": update_revision,
            "collisionCount": 0,
        });
        if ready == 0
            && let Some(map) = status.as_object_mut()
        {
            map.remove("readyReplicas");
        }
        self.write_status(ServedKind::StatefulSet, key, statefulset, status);
    }
}
