//! What the controllers know about pods: a cache read from each pod's JSON, indexed by
//! owner, and the pod writes every workload controller shares (create, delete gracefully).

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Controller, OwnerKey};
use crate::demo::Zone;
use crate::demo::factory::{self, Behaviour, NodeSlot, PodStage, new_pod, timestamp};
use crate::demo::resources::ServedKind;
use crate::demo::store::{EventType, StoreError, StoreKey, StoredObject};

/// The fields of a pod the controllers need, read without building a full JSON tree.
#[derive(Debug, Deserialize)]
struct PodView {
    metadata: MetaView,
    #[serde(default)]
    spec: PodSpecView,
    #[serde(default)]
    status: PodStatusView,
}

#[derive(Debug, Deserialize)]
struct MetaView {
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(rename = "ownerReferences", default)]
    owner_references: Vec<OwnerView>,
    #[serde(rename = "deletionTimestamp")]
    deletion_timestamp: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OwnerView {
    kind: String,
    name: String,
    #[serde(default)]
    controller: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct PodSpecView {
    #[serde(rename = "nodeName")]
    node_name: Option<String>,
    #[serde(default)]
    containers: Vec<ContainerView>,
}

#[derive(Debug, Deserialize)]
struct ContainerView {
    #[serde(default)]
    image: String,
}

#[derive(Debug, Default, Deserialize)]
struct PodStatusView {
    phase: Option<String>,
    #[serde(default)]
    conditions: Vec<ConditionView>,
    #[serde(rename = "containerStatuses", default)]
    container_statuses: Vec<ContainerStatusView>,
}

#[derive(Debug, Deserialize)]
struct ConditionView {
    #[serde(rename = "type")]
    kind: String,
    status: String,
}

#[derive(Debug, Deserialize)]
struct ContainerStatusView {
    #[serde(default)]
    ready: bool,
    #[serde(default)]
    state: StateView,
}

#[derive(Debug, Default, Deserialize)]
struct StateView {
    waiting: Option<WaitingView>,
}

#[derive(Debug, Deserialize)]
struct WaitingView {
    #[serde(default)]
    reason: String,
}

/// What the controllers remember about a pod.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ControlledPod {
    /// The workload controlling it, if any.
    pub(super) owner: Option<OwnerKey>,
    /// Its `pod-template-hash` or `controller-revision-hash` label.
    pub(super) revision: String,
    /// The node it is bound to.
    pub(super) node: Option<String>,
    /// Whether its Ready condition is true (never while terminating).
    pub(super) ready: bool,
    /// Whether it has a deletion timestamp.
    pub(super) terminating: bool,
    /// Where it is in its lifecycle.
    pub(super) stage: PodStage,
    /// How its images are set to behave in this zone.
    pub(super) behaviour: Behaviour,
}

impl ControlledPod {
    /// Read a stored pod of `namespace`, with its container images; None when its JSON is
    /// not a pod.
    fn read(
        zone: &Zone,
        namespace: &str,
        object: &StoredObject,
    ) -> Option<(ControlledPod, Vec<String>)> {
        let view: PodView = serde_json::from_slice(&object.json).ok()?;
        let owner = view
            .metadata
            .owner_references
            .iter()
            .find(|owner| owner.controller == Some(true))
            .and_then(|owner| {
                let kind = match owner.kind.as_str() {
                    "ReplicaSet" => ServedKind::ReplicaSet,
                    "StatefulSet" => ServedKind::StatefulSet,
                    "DaemonSet" => ServedKind::DaemonSet,
                    "Job" => ServedKind::Job,
                    _ => return None,
                };
                Some((kind, namespace.to_string(), owner.name.clone()))
            });
        let labels = &view.metadata.labels;
        let revision = labels
            .get("pod-template-hash")
            .or_else(|| labels.get("controller-revision-hash"))
            .cloned()
            .unwrap_or_default();
        let statuses = &view.status.container_statuses;
        let stage = match view.status.phase.as_deref() {
            Some("Succeeded" | "Failed") => PodStage::Succeeded,
            Some("Running") => {
                if statuses.iter().any(|s| {
                    s.state
                        .waiting
                        .as_ref()
                        .is_some_and(|w| w.reason == "CrashLoopBackOff")
                }) {
                    PodStage::CrashLoop
                } else if !statuses.is_empty() && statuses.iter().all(|s| s.ready) {
                    PodStage::Ready
                } else {
                    PodStage::Starting
                }
            }
            _ if statuses.is_empty() => PodStage::Pending,
            _ => PodStage::ContainerCreating,
        };
        let mut behaviour = Behaviour::Healthy;
        for container in &view.spec.containers {
            match zone.profile.behaviour(&container.image) {
                Behaviour::StuckCreating => behaviour = Behaviour::StuckCreating,
                Behaviour::CrashLoop if behaviour == Behaviour::Healthy => {
                    behaviour = Behaviour::CrashLoop
                }
                _ => {}
            }
        }
        let terminating = view.metadata.deletion_timestamp.is_some();
        let ready = !terminating
            && view
                .status
                .conditions
                .iter()
                .any(|c| c.kind == "Ready" && c.status == "True");
        let images = view.spec.containers.into_iter().map(|c| c.image).collect();
        let pod = ControlledPod {
            owner,
            revision,
            node: view.spec.node_name,
            ready,
            terminating,
            stage,
            behaviour,
        };
        Some((pod, images))
    }
}

impl Controller {
    /// Fold a pod event into the cache, mark its owner dirty on a change that matters, and
    /// schedule the pod's next lifecycle step.
    pub(super) fn observe_pod(
        &mut self,
        key: StoreKey,
        event_type: EventType,
        object: &StoredObject,
    ) {
        let previous = self.pods.get(&key).cloned();
        if event_type == EventType::Deleted {
            if let Some(info) = previous
                && let Some(owner) = info.owner
            {
                if let Some(set) = self.pods_by_owner.get_mut(&owner) {
                    set.remove(&key.1);
                }
                self.dirty.insert((owner.0, (owner.1, owner.2)));
            }
            self.pods.remove(&key);
            return;
        }
        let Some((info, images)) = ControlledPod::read(&self.zone, &key.0, object) else {
            return;
        };
        if let Some(node) = &info.node
            && previous.is_none()
            && matches!(
                info.stage,
                PodStage::Ready | PodStage::CrashLoop | PodStage::Starting
            )
        {
            self.node_images
                .entry(node.clone())
                .or_default()
                .extend(images);
        }
        if info.terminating && previous.as_ref().is_some_and(|p| !p.terminating) {
            self.record_killing(object);
        }
        let changed = previous.as_ref().is_none_or(|p| {
            p.ready != info.ready
                || p.terminating != info.terminating
                || p.stage != info.stage
                || p.revision != info.revision
        });
        if let Some(owner) = &info.owner {
            self.pods_by_owner
                .entry(owner.clone())
                .or_default()
                .insert(key.1.clone());
            if changed {
                self.dirty
                    .insert((owner.0, (owner.1.clone(), owner.2.clone())));
            }
        }
        self.schedule_next_step(&key, &info);
        self.pods.insert(key, info);
    }

    /// The cached pods `kind`/`key` controls, by name.
    pub(super) fn owned_pods(
        &self,
        kind: ServedKind,
        key: &StoreKey,
    ) -> Vec<(String, ControlledPod)> {
        let owner = (kind, key.0.clone(), key.1.clone());
        self.pods_by_owner
            .get(&owner)
            .into_iter()
            .flatten()
            .filter_map(|name| {
                self.pods
                    .get(&(key.0.clone(), name.clone()))
                    .map(|info| (name.clone(), info.clone()))
            })
            .collect()
    }

    /// Create a pod of `owner`'s template on `node` (or a random node).
    pub(super) fn create_pod(
        &mut self,
        owner: &Value,
        name: &str,
        extra_labels: &[(&str, String)],
        node: Option<NodeSlot>,
    ) {
        let Some(node) = node.or_else(|| self.pick_node()) else {
            return;
        };
        let uid = self.rng.uid();
        let pod = new_pod(
            &owner["spec"]["template"],
            name,
            owner,
            extra_labels,
            &node,
            Timestamp::now(),
            &uid,
        );
        match self.zone.store.create(ServedKind::Pod, pod) {
            Ok(created) => {
                self.record_pod_change(owner, name, true);
                self.record_scheduled(&created.to_value(), &node.name);
            }
            Err(StoreError::AlreadyExists) => {}
            Err(error) => tracing::debug!(?error, "pod create failed"),
        }
    }

    /// A workload deletes one of its pods: its controller's event, then the graceful deletion.
    pub(super) fn delete_owned_pod(&mut self, owner: &Value, name: &str) {
        let namespace = owner["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.record_pod_change(owner, name, false);
        self.delete_pod_gracefully(&(namespace, name.to_string()));
    }

    /// `prefix-xxxxx`, not yet taken in `namespace`.
    pub(super) fn unique_pod_name(&mut self, namespace: &str, prefix: &str) -> String {
        loop {
            let name = format!("{prefix}-{}", self.rng.name_suffix());
            if !self
                .pods
                .contains_key(&(namespace.to_string(), name.clone()))
            {
                return name;
            }
        }
    }

    /// Start a pod's graceful deletion: deletion timestamp set, Ready condition false.
    pub(super) fn delete_pod_gracefully(&mut self, key: &StoreKey) {
        let now = Timestamp::now();
        let _ = self
            .zone
            .store
            .update(ServedKind::Pod, &key.0, &key.1, |mut pod| {
                if factory::is_terminating(&pod) {
                    return None;
                }
                let grace = pod["spec"]["terminationGracePeriodSeconds"]
                    .as_i64()
                    .unwrap_or(30);
                let deadline = now
                    .checked_add(SignedDuration::from_secs(grace))
                    .unwrap_or(now);
                pod["metadata"]["deletionTimestamp"] = json!(timestamp(deadline));
                pod["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
                factory::mark_unready(&mut pod, now);
                Some(pod)
            });
    }
}
