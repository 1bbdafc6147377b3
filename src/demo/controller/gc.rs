//! The garbage collector: what a deleted Deployment, workload or namespace leaves behind is
//! deleted too.

use serde_json::Value;

use super::{Controller, owner_uid_matches};
use crate::demo::resources::ServedKind;
use crate::demo::store::StoreKey;

impl Controller {
    /// Remove what a deleted owner leaves behind (the garbage collector's job).
    pub(super) fn collect_children(&mut self, kind: ServedKind, key: &StoreKey, owner: &Value) {
        if kind == ServedKind::Deployment {
            let children: Vec<StoreKey> = self
                .workloads
                .get(&ServedKind::ReplicaSet)
                .into_iter()
                .flatten()
                .filter(|(child_key, child)| {
                    child_key.0 == key.0 && owner_uid_matches(child, owner)
                })
                .map(|(child_key, _)| child_key.clone())
                .collect();
            for child in children {
                let _ = self
                    .zone
                    .store
                    .delete(ServedKind::ReplicaSet, &child.0, &child.1, None);
            }
            return;
        }
        let owner_key = (kind, key.0.clone(), key.1.clone());
        let pods: Vec<String> = self
            .pods_by_owner
            .remove(&owner_key)
            .into_iter()
            .flatten()
            .collect();
        for name in pods {
            self.delete_pod_gracefully(&(key.0.clone(), name));
        }
    }

    /// Delete every namespaced object of a deleted namespace.
    pub(super) fn collect_namespace(&mut self, namespace: &str) {
        for kind in ServedKind::ALL {
            if !kind.info().namespaced || !kind.is_stored() {
                continue;
            }
            let page = self
                .zone
                .store
                .list(kind, Some(namespace), None, None, &|_| true);
            for object in page.items {
                let _ = self.zone.store.delete(kind, namespace, &object.name, None);
            }
        }
    }
}
