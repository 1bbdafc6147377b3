//! Projects full Kubernetes objects into the fleet model's small structs.
//!
//! Every string taken from the cluster is sanitised here, once, so nothing downstream has to
//! worry about escape sequences in names, reasons or messages.

mod containers;
mod services;
mod slim_pod;
mod slim_pod_protobuf;

pub use services::{
    DEFAULT_INGRESS_CLASS_ANNOTATION, DEFAULT_STORAGE_CLASS_ANNOTATION, ingress_class, service,
    storage_class,
};
use slim_pod::SlimContainerStatus;
pub use slim_pod::SlimPod;
pub use slim_pod_protobuf::decode_pod_list;

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{Namespace, Node, Pod, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use kube::ResourceExt;

use crate::fleet::{
    ConditionInfo, NamespaceInfo, NodeInfo, ObjectKey, OwnerRef, PodInfo, ReplicaSetInfo,
    WorkloadInfo, WorkloadKind,
};
use crate::sanitize::{clean_owned as clean, clean_string};

/// The annotation `kubectl rollout restart` sets on a pod template.
pub const RESTARTED_AT_ANNOTATION: &str = "kubectl.kubernetes.io/restartedAt";

/// The annotation the Deployment controller numbers a ReplicaSet's revision with.
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";

/// The annotation that says why a revision was made (`kubectl rollout history`'s CHANGE-CAUSE).
pub const CHANGE_CAUSE_ANNOTATION: &str = "kubernetes.io/change-cause";

/// The key of any object, sanitised.
pub fn key_of<K: ResourceExt>(obj: &K) -> ObjectKey {
    ObjectKey::new(
        clean(&obj.namespace().unwrap_or_default()),
        clean(&obj.name_any()),
    )
}

fn created(meta: &ObjectMeta) -> Option<jiff::Timestamp> {
    meta.creation_timestamp.as_ref().map(|t: &Time| t.0)
}

fn controller_of(meta: &ObjectMeta) -> Option<OwnerRef> {
    let refs = meta.owner_references.as_ref()?;
    let owner = refs
        .iter()
        .find(|r| r.controller == Some(true))
        .or_else(|| refs.first())?;
    Some(OwnerRef {
        kind: clean(&owner.kind),
        name: clean(&owner.name),
    })
}

/// [`controller_of`], taking the owner's kind and name out of `meta`.
fn take_controller(meta: &mut ObjectMeta) -> Option<OwnerRef> {
    let refs = meta.owner_references.as_mut()?;
    let at = refs
        .iter()
        .position(|r| r.controller == Some(true))
        .unwrap_or(0);
    let owner = refs.get_mut(at)?;
    Some(OwnerRef {
        kind: clean_string(std::mem::take(&mut owner.kind)),
        name: clean_string(std::mem::take(&mut owner.name)),
    })
}

fn label<'a>(meta: &'a ObjectMeta, key: &str) -> Option<&'a String> {
    meta.labels.as_ref().and_then(|l| l.get(key))
}

/// The cleaned images of a spec's containers, those that name one.
fn images<'a>(images: impl Iterator<Item = Option<&'a str>>) -> Vec<String> {
    images.flatten().map(clean).collect()
}

fn spec_images(spec: Option<&PodSpec>) -> Vec<String> {
    spec.map(|s| images(s.containers.iter().map(|c| c.image.as_deref())))
        .unwrap_or_default()
}

fn template_images(t: &PodTemplateSpec) -> Vec<String> {
    spec_images(t.spec.as_ref())
}

fn restarted_at(t: &PodTemplateSpec) -> Option<String> {
    t.metadata
        .as_ref()
        .and_then(|m| m.annotations.as_ref())
        .and_then(|a| a.get(RESTARTED_AT_ANNOTATION))
        .map(|s| clean(s))
}

/// Projects a Node.
pub fn node(n: &Node) -> NodeInfo {
    let status = n.status.as_ref();
    let info = status.and_then(|s| s.node_info.as_ref());
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready"))
        .is_some_and(|c| c.status == "True");
    let roles = n
        .metadata
        .labels
        .as_ref()
        .map(|labels: &BTreeMap<String, String>| {
            labels
                .keys()
                .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                .filter(|r| !r.is_empty())
                .map(clean)
                .collect()
        })
        .unwrap_or_default();
    NodeInfo {
        name: clean(&n.name_any()),
        ready,
        unschedulable: n
            .spec
            .as_ref()
            .and_then(|s| s.unschedulable)
            .unwrap_or(false),
        roles,
        kubelet_version: info.map(|i| clean(&i.kubelet_version)).unwrap_or_default(),
        container_runtime: info
            .map(|i| clean(&i.container_runtime_version))
            .unwrap_or_default(),
        os_image: info.map(|i| clean(&i.os_image)).unwrap_or_default(),
        kernel_version: info.map(|i| clean(&i.kernel_version)).unwrap_or_default(),
        created: created(&n.metadata),
    }
}

/// Projects a Namespace.
pub fn namespace(ns: &Namespace) -> NamespaceInfo {
    NamespaceInfo {
        name: clean(&ns.name_any()),
        phase: ns
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .map(clean)
            .unwrap_or_else(|| "Active".into()),
    }
}

/// kubectl's STATUS word and an optional message for a pod (the logic of `kubectl get pods`).
fn pod_status(pod: &SlimPod) -> (String, Option<String>) {
    let status = pod.status.as_ref();
    let phase = status
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Unknown".into());
    let mut reason = status
        .and_then(|s| s.reason.clone())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| phase.clone());
    let mut message = status
        .and_then(|s| s.message.clone())
        .filter(|m| !m.is_empty());

    let mut initializing = false;
    let init_statuses = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or_default();
    let init_count = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .map_or(init_statuses.len(), Vec::len);
    for (i, cs) in init_statuses.iter().enumerate() {
        // A native sidecar (restartable init container) that has started is not initialising.
        if is_sidecar(pod, &cs.name) && cs.started == Some(true) {
            continue;
        }
        let state = cs.state.as_ref();
        if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
            if t.exit_code == 0 {
                continue;
            }
            reason = match t.reason.as_deref() {
                Some(r) if !r.is_empty() => format!("Init:{r}"),
                _ if t.signal.unwrap_or(0) != 0 => format!("Init:Signal:{}", t.signal.unwrap_or(0)),
                _ => format!("Init:ExitCode:{}", t.exit_code),
            };
            message = t.message.clone().or(message);
        } else if let Some(w) = state
            .and_then(|s| s.waiting.as_ref())
            .filter(|w| w.reason.as_deref().is_some_and(|r| r != "PodInitializing"))
        {
            reason = format!("Init:{}", w.reason.as_deref().unwrap_or_default());
            message = w.message.clone().or(message);
        } else {
            reason = format!("Init:{i}/{init_count}");
        }
        initializing = true;
        break;
    }

    let initialized = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.kind() == Some("Initialized")))
        .is_some_and(|c| c.status == "True");
    if !initializing || initialized {
        let mut has_running = false;
        let statuses: &[SlimContainerStatus] = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or_default();
        for cs in statuses.iter().rev() {
            let state = cs.state.as_ref();
            if let Some(w) = state.and_then(|s| s.waiting.as_ref())
                && let Some(r) = w.reason.as_deref().filter(|r| !r.is_empty())
            {
                reason = r.to_string();
                message = w.message.clone().or(message);
            } else if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
                reason = match t.reason.as_deref() {
                    Some(r) if !r.is_empty() => r.to_string(),
                    _ if t.signal.unwrap_or(0) != 0 => format!("Signal:{}", t.signal.unwrap_or(0)),
                    _ => format!("ExitCode:{}", t.exit_code),
                };
                message = t.message.clone().or(message);
            } else if cs.ready && state.and_then(|s| s.running.as_ref()).is_some() {
                has_running = true;
            }
        }
        if reason == "Completed" && has_running {
            let ready_condition = status
                .and_then(|s| s.conditions.as_ref())
                .and_then(|cs| cs.iter().find(|c| c.kind() == Some("Ready")))
                .is_some_and(|c| c.status == "True");
            reason = if ready_condition {
                "Running"
            } else {
                "NotReady"
            }
            .into();
        }
    }

    if pod.metadata.deletion_timestamp.is_some() {
        reason = if status.and_then(|s| s.reason.as_deref()) == Some("NodeLost") {
            "Unknown".into()
        } else {
            "Terminating".into()
        };
    }
    if phase == "Pending" && message.is_none() {
        message = status
            .and_then(|s| s.conditions.as_ref())
            .and_then(|cs| {
                cs.iter()
                    .find(|c| c.kind() == Some("PodScheduled") && c.status == "False")
            })
            .and_then(|c| c.message.clone());
    }
    (clean(&reason), message.map(|m| clean(&m)))
}

/// Is the named init container a native sidecar (`restartPolicy: Always`)?
fn is_sidecar(pod: &SlimPod, name: &str) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.name == name))
        .is_some_and(|c| c.restart_policy.as_deref() == Some("Always"))
}

/// Projects a pod decoded with only the fields [`pod`] reads (how the watches decode them),
/// taking its strings rather than copying them.
pub fn slim_pod(p: SlimPod) -> PodInfo {
    pod_owned(p)
}

/// Projects a full Pod, held by reference: the fields the watches decode are picked out of a
/// copy of it (the watches use [`slim_pod`]).
pub fn pod(p: &Pod) -> PodInfo {
    pod_owned(SlimPod::from(p.clone()))
}

/// Projects a decoded pod, moving its strings into the projection. Ready/total and restarts count
/// native sidecars as kubectl does.
///
/// What reads across fields (the STATUS word, the counts, the failing conditions) is worked
/// out first, by reference; then the strings the projection keeps are taken out of the pod
/// and only copied when they must be cleaned. A watch projects every pod it is sent, so a copy
/// of each string was an allocation per field per update, and garbage beside the kept ones.
fn pod_owned(mut p: SlimPod) -> PodInfo {
    let status = p.status.as_ref();
    let main: &[SlimContainerStatus] = status
        .and_then(|s| s.container_statuses.as_deref())
        .unwrap_or_default();
    let init: &[SlimContainerStatus] = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or_default();
    let sidecars = init.iter().filter(|c| is_sidecar(&p, &c.name));
    let counted = || main.iter().chain(sidecars.clone());
    let total = p.spec.as_ref().map_or(counted().count(), |s| {
        (s.containers.len() + sidecars.clone().count()).max(counted().count())
    });
    let ready_containers = counted().filter(|c| c.ready).count();
    let restarts = init
        .iter()
        .chain(main)
        .map(|c| u32::try_from(c.restart_count).unwrap_or(0))
        .fold(0u32, u32::saturating_add);
    let (status_word, message) = pod_status(&p);
    let conditions = containers::failing_conditions(&p);
    let created = created(&p.metadata);
    let started = status.and_then(|s| s.start_time.as_ref()).map(|t| t.0);
    let deleting = p.metadata.deletion_timestamp.is_some();

    let meta = &mut p.metadata;
    let namespace = clean_string(meta.namespace.take().unwrap_or_default());
    let name = clean_string(meta.name.take().unwrap_or_default());
    let owner = take_controller(meta);
    // ReplicaSet pods carry pod-template-hash; StatefulSet pods controller-revision-hash,
    // whose value is the StatefulSet's currentRevision/updateRevision.
    let template_hash = meta.labels.as_mut().and_then(|l| {
        l.remove("pod-template-hash")
            .or_else(|| l.remove("controller-revision-hash"))
            .map(clean_string)
    });
    let mut status = p.status.take().unwrap_or_default();
    let phase = clean_string(status.phase.take().unwrap_or_else(|| "Unknown".into()));
    let mut main = status.container_statuses.take().unwrap_or_default();
    let init = status.init_container_statuses.take().unwrap_or_default();
    let images = if main.is_empty() {
        p.spec.as_ref().map_or_else(Vec::new, |s| {
            images(s.containers.iter().map(|c| c.image.as_deref()))
        })
    } else {
        main.iter_mut()
            .map(|c| clean_string(std::mem::take(&mut c.image)))
            .collect()
    };
    let containers = containers::container_summaries(init, main, |name| is_sidecar(&p, name));
    PodInfo {
        namespace,
        name,
        phase,
        status: status_word,
        message,
        ready_containers: u16::try_from(ready_containers).unwrap_or(u16::MAX),
        total_containers: u16::try_from(total).unwrap_or(u16::MAX),
        restarts,
        node: p
            .spec
            .as_mut()
            .and_then(|s| s.node_name.take())
            .map(clean_string),
        images,
        owner,
        template_hash,
        created,
        started,
        deleting,
        containers,
        conditions,
    }
}

fn conditions<'a>(
    items: impl Iterator<Item = (&'a str, &'a str, Option<&'a str>, Option<&'a str>)>,
) -> Vec<ConditionInfo> {
    items
        .filter(|(kind, ..)| matches!(*kind, "Progressing" | "Available" | "ReplicaFailure"))
        .map(|(kind, status, reason, message)| ConditionInfo {
            kind: clean(kind),
            status: clean(status),
            reason: clean(reason.unwrap_or_default()),
            message: clean(message.unwrap_or_default()),
        })
        .collect()
}

fn base_workload(kind: WorkloadKind, meta: &ObjectMeta) -> WorkloadInfo {
    WorkloadInfo {
        kind,
        namespace: clean(meta.namespace.as_deref().unwrap_or_default()),
        name: clean(meta.name.as_deref().unwrap_or_default()),
        generation: meta.generation.unwrap_or(0),
        observed_generation: 0,
        desired: 0,
        current: 0,
        updated: 0,
        ready: 0,
        available: 0,
        paused: false,
        images: Vec::new(),
        conditions: Vec::new(),
        current_revision: None,
        update_revision: None,
        rolling_update: true,
        partition: 0,
        restarted_at: None,
        created: created(meta),
    }
}

/// Projects a Deployment.
pub fn deployment(d: &Deployment) -> WorkloadInfo {
    let mut w = base_workload(WorkloadKind::Deployment, &d.metadata);
    if let Some(spec) = &d.spec {
        w.desired = spec.replicas.unwrap_or(1);
        w.paused = spec.paused.unwrap_or(false);
        w.images = template_images(&spec.template);
        w.restarted_at = restarted_at(&spec.template);
    }
    if let Some(s) = &d.status {
        w.observed_generation = s.observed_generation.unwrap_or(0);
        w.current = s.replicas.unwrap_or(0);
        w.updated = s.updated_replicas.unwrap_or(0);
        w.ready = s.ready_replicas.unwrap_or(0);
        w.available = s.available_replicas.unwrap_or(0);
        w.conditions = conditions(s.conditions.iter().flatten().map(|c| {
            (
                c.type_.as_str(),
                c.status.as_str(),
                c.reason.as_deref(),
                c.message.as_deref(),
            )
        }));
    }
    w
}

/// Projects a StatefulSet.
pub fn statefulset(s: &StatefulSet) -> WorkloadInfo {
    let mut w = base_workload(WorkloadKind::StatefulSet, &s.metadata);
    if let Some(spec) = &s.spec {
        w.desired = spec.replicas.unwrap_or(1);
        w.images = template_images(&spec.template);
        w.restarted_at = restarted_at(&spec.template);
        let strategy = spec.update_strategy.as_ref();
        w.rolling_update = strategy
            .and_then(|u| u.type_.as_deref())
            .is_none_or(|t| t == "RollingUpdate");
        w.partition = strategy
            .and_then(|u| u.rolling_update.as_ref())
            .and_then(|r| r.partition)
            .unwrap_or(0);
    }
    if let Some(st) = &s.status {
        w.observed_generation = st.observed_generation.unwrap_or(0);
        w.current = st.replicas;
        w.updated = st.updated_replicas.unwrap_or(0);
        w.ready = st.ready_replicas.unwrap_or(0);
        w.available = st.available_replicas.unwrap_or(0);
        w.current_revision = st.current_revision.as_deref().map(clean);
        w.update_revision = st.update_revision.as_deref().map(clean);
    }
    w
}

/// Projects a DaemonSet.
pub fn daemonset(d: &DaemonSet) -> WorkloadInfo {
    let mut w = base_workload(WorkloadKind::DaemonSet, &d.metadata);
    if let Some(spec) = &d.spec {
        w.images = template_images(&spec.template);
        w.restarted_at = restarted_at(&spec.template);
        w.rolling_update = spec
            .update_strategy
            .as_ref()
            .and_then(|u| u.type_.as_deref())
            .is_none_or(|t| t == "RollingUpdate");
    }
    if let Some(s) = &d.status {
        w.observed_generation = s.observed_generation.unwrap_or(0);
        w.desired = s.desired_number_scheduled;
        w.current = s.current_number_scheduled;
        w.updated = s.updated_number_scheduled.unwrap_or(0);
        w.ready = s.number_ready;
        w.available = s.number_available.unwrap_or(0);
    }
    w
}

/// Projects a ReplicaSet.
pub fn replicaset(rs: &ReplicaSet) -> ReplicaSetInfo {
    let meta = &rs.metadata;
    ReplicaSetInfo {
        namespace: clean(meta.namespace.as_deref().unwrap_or_default()),
        name: clean(meta.name.as_deref().unwrap_or_default()),
        owner: controller_of(meta),
        desired: rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
        current: rs.status.as_ref().map_or(0, |s| s.replicas),
        ready: rs
            .status
            .as_ref()
            .and_then(|s| s.ready_replicas)
            .unwrap_or(0),
        available: rs
            .status
            .as_ref()
            .and_then(|s| s.available_replicas)
            .unwrap_or(0),
        revision: meta
            .annotations
            .as_ref()
            .and_then(|a| a.get(REVISION_ANNOTATION))
            .and_then(|r| r.parse().ok()),
        template_hash: label(meta, "pod-template-hash").map(|s| clean(s)),
        images: rs
            .spec
            .as_ref()
            .and_then(|s| s.template.as_ref())
            .map(template_images)
            .unwrap_or_default(),
        created: created(meta),
        change_cause: meta
            .annotations
            .as_ref()
            .and_then(|a| a.get(CHANGE_CAUSE_ANNOTATION))
            .map(|c| clean(c))
            .filter(|c| !c.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Projects `v` decoded in full, and checks that decoding only the projected fields (as
    /// the watches do) projects the same.
    fn pod_from(v: serde_json::Value) -> PodInfo {
        let full = pod(&serde_json::from_value::<Pod>(v.clone()).unwrap());
        let slim = slim_pod(serde_json::from_value::<SlimPod>(v).unwrap());
        assert_eq!(full, slim, "the slim decoding projects as the full one");
        full
    }

    #[test]
    fn crash_looping_pod_reads_like_kubectl() {
        let p = pod_from(json!({
            "metadata": {"name": "metrics-server-1", "namespace": "kube-system",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "metrics-server-6d", "uid": "u", "controller": true}],
                "labels": {"pod-template-hash": "6d"}},
            "spec": {"containers": [{"name": "m", "image": "metrics-server:0.7"}], "nodeName": "n1"},
            "status": {"phase": "Running", "containerStatuses": [{
                "name": "m", "image": "metrics-server:0.7", "imageID": "", "ready": false, "restartCount": 12,
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container\x1b[31m"}}
            }]}
        }));
        assert_eq!(p.status, "CrashLoopBackOff");
        assert_eq!(p.restarts, 12);
        assert_eq!((p.ready_containers, p.total_containers), (0, 1));
        assert_eq!(p.template_hash.as_deref(), Some("6d"));
        assert_eq!(
            p.owner.as_ref().map(|o| o.name.as_str()),
            Some("metrics-server-6d")
        );
        assert_eq!(
            p.message.as_deref(),
            Some("back-off 5m0s restarting failed container"),
            "escape sequences are removed whole"
        );
        assert!(!p.is_ready());
    }

    #[test]
    fn completed_terminating_and_init_pods() {
        let done = pod_from(json!({
            "metadata": {"name": "helm-install-traefik-abc", "namespace": "kube-system"},
            "spec": {"containers": [{"name": "h"}]},
            "status": {"phase": "Succeeded", "containerStatuses": [{"name": "h", "image": "i", "imageID": "", "ready": false, "restartCount": 0,
                "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}
        }));
        assert_eq!(done.status, "Completed");
        assert!(done.is_completed());

        let terminating = pod_from(json!({
            "metadata": {"name": "x", "namespace": "a", "deletionTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Running"}
        }));
        assert_eq!(terminating.status, "Terminating");
        assert!(terminating.deleting && !terminating.is_ready());

        let init = pod_from(json!({
            "metadata": {"name": "y", "namespace": "a"},
            "spec": {"containers": [{"name": "c"}], "initContainers": [{"name": "i1"}, {"name": "i2"}]},
            "status": {"phase": "Pending", "initContainerStatuses": [
                {"name": "i1", "image": "i", "imageID": "", "ready": false, "restartCount": 0, "state": {"running": {}}}]}
        }));
        assert_eq!(init.status, "Init:0/2");

        let pending = pod_from(json!({
            "metadata": {"name": "z", "namespace": "a"},
            "spec": {"containers": [{"name": "c", "image": "img:1"}]},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "message": "0/1 nodes are available"}]}
        }));
        assert_eq!(pending.status, "Pending");
        assert_eq!(pending.message.as_deref(), Some("0/1 nodes are available"));
        assert_eq!(pending.images, ["img:1"]);
    }

    #[test]
    fn a_started_native_sidecar_is_not_initialising() {
        let p = pod_from(json!({
            "metadata": {"name": "ge-executor-1", "namespace": "ge-agents"},
            "spec": {"containers": [{"name": "app"}],
                     "initContainers": [{"name": "proxy", "restartPolicy": "Always"}]},
            "status": {"phase": "Running",
                "conditions": [{"type": "Initialized", "status": "True"}],
                "initContainerStatuses": [{"name": "proxy", "image": "proxy:1", "imageID": "", "ready": true,
                    "restartCount": 1, "started": true, "state": {"running": {}}}],
                "containerStatuses": [{"name": "app", "image": "app:1", "imageID": "", "ready": false,
                    "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}
        }));
        assert_eq!(p.status, "CrashLoopBackOff");
        assert_eq!((p.ready_containers, p.total_containers), (1, 2));
        assert_eq!(p.restarts, 5);
        assert_eq!(p.images, ["app:1"]);
    }

    #[test]
    fn containers_keep_waiting_reasons_last_exits_and_failing_conditions() {
        use crate::fleet::{ContainerRole, ContainerState};
        let p = pod_from(json!({
            "metadata": {"name": "app-1", "namespace": "ge-agents"},
            "spec": {"containers": [{"name": "app"}, {"name": "proxy"}],
                     "initContainers": [{"name": "migrate"}, {"name": "mesh", "restartPolicy": "Always"}]},
            "status": {"phase": "Running",
                "conditions": [
                    {"type": "PodScheduled", "status": "True"},
                    {"type": "Ready", "status": "False", "reason": "ContainersNotReady",
                     "message": "containers with unready status: [app]"},
                    {"type": "PodReadyToStartContainers", "status": "False"}],
                "initContainerStatuses": [
                    {"name": "migrate", "image": "m", "imageID": "", "ready": false, "restartCount": 0,
                     "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                    {"name": "mesh", "image": "s", "imageID": "", "ready": true, "restartCount": 0,
                     "started": true, "state": {"running": {}}}],
                "containerStatuses": [
                    {"name": "app", "image": "a", "imageID": "", "ready": false, "restartCount": 6,
                     "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 2m40s\x1b[2J"}},
                     "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                        "finishedAt": "2026-03-26T11:58:00Z", "message": "x".repeat(2000)}}},
                    {"name": "proxy", "image": "p", "imageID": "", "ready": true, "restartCount": 0,
                     "state": {"running": {}}}]}
        }));
        let roles: Vec<_> = p
            .containers
            .iter()
            .map(|c| (c.name.as_str(), c.role))
            .collect();
        assert_eq!(
            roles,
            [
                ("migrate", ContainerRole::Init),
                ("mesh", ContainerRole::Sidecar),
                ("app", ContainerRole::Main),
                ("proxy", ContainerRole::Main)
            ]
        );
        assert_eq!(p.containers[0].state, ContainerState::Completed);
        assert_eq!(p.containers[1].state, ContainerState::Running);
        let app = &p.containers[2];
        assert_eq!(
            app.state,
            ContainerState::waiting("CrashLoopBackOff", Some("back-off 2m40s".into())),
            "messages are sanitised"
        );
        assert_eq!(app.restarts, 6);
        let last = app.last_termination.as_deref().unwrap();
        assert_eq!((last.reason.as_str(), last.exit_code), ("OOMKilled", 137));
        assert_eq!(last.finished, Some("2026-03-26T11:58:00Z".parse().unwrap()));
        let kept = last.message.as_deref().unwrap();
        assert_eq!(
            kept.chars().count(),
            crate::fleet::CONTAINER_MESSAGE_MAX + 1,
            "a long termination message is cut, with an ellipsis"
        );
        let conditions: Vec<_> = p
            .conditions
            .iter()
            .map(|c| (c.kind.as_str(), c.reason.as_str()))
            .collect();
        assert_eq!(
            conditions,
            [("Ready", "ContainersNotReady")],
            "only the kept kinds, only when not True"
        );
    }

    #[test]
    fn an_unschedulable_pod_keeps_the_schedulers_message() {
        let p = pod_from(json!({
            "metadata": {"name": "big", "namespace": "a"},
            "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                "reason": "Unschedulable", "message": "0/3 nodes are available: 3 Insufficient memory."}]}
        }));
        let scheduled = p.failing_condition("PodScheduled").unwrap();
        assert_eq!(scheduled.reason, "Unschedulable");
        assert_eq!(
            scheduled.message,
            "0/3 nodes are available: 3 Insufficient memory."
        );
        assert!(p.containers.is_empty());
    }

    #[test]
    fn statefulset_pods_carry_their_controller_revision() {
        let p = pod_from(json!({
            "metadata": {"name": "postgresql-0", "namespace": "ge-data",
                "labels": {"controller-revision-hash": "postgresql-5d8f7c"}},
            "spec": {"containers": [{"name": "pg"}]},
            "status": {"phase": "Running"}
        }));
        assert_eq!(p.template_hash.as_deref(), Some("postgresql-5d8f7c"));
    }

    #[test]
    fn deployment_projection_keeps_rollout_fields() {
        let d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": "ge-executor", "namespace": "ge-agents", "generation": 4},
            "spec": {"replicas": 2, "selector": {}, "template": {
                "metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-24T10:00:00Z"}},
                "spec": {"containers": [{"name": "e", "image": "registry.ge.internal/ge-executor:abc"}]}}},
            "status": {"observedGeneration": 3, "replicas": 3, "updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 2,
                "conditions": [{"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"},
                               {"type": "Other", "status": "True"}]}
        }))
        .unwrap();
        let w = deployment(&d);
        assert_eq!((w.generation, w.observed_generation), (4, 3));
        assert_eq!(
            (w.desired, w.current, w.updated, w.ready, w.available),
            (2, 3, 1, 2, 2)
        );
        assert_eq!(w.restarted_at.as_deref(), Some("2026-11-24T10:00:00Z"));
        assert_eq!(w.conditions.len(), 1);
        assert_eq!(w.images, ["registry.ge.internal/ge-executor:abc"]);
    }

    #[test]
    fn replicaset_projection_reads_revision_and_change_cause() {
        let rs: ReplicaSet = serde_json::from_value(json!({
            "metadata": {"name": "ge-executor-7f9c", "namespace": "ge-agents",
                "labels": {"pod-template-hash": "7f9c"},
                "annotations": {"deployment.kubernetes.io/revision": "4",
                    "kubernetes.io/change-cause": "kubectl set image\x1b[2J deployment/ge-executor"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "ge-executor", "uid": "u", "controller": true}]},
            "spec": {"replicas": 2, "selector": {}, "template": {"spec": {"containers": [{"name": "e", "image": "executor:4"}]}}},
            "status": {"replicas": 2, "readyReplicas": 1}
        }))
        .unwrap();
        let info = replicaset(&rs);
        assert_eq!(info.revision, Some(4));
        assert_eq!(
            info.change_cause.as_deref(),
            Some("kubectl set image deployment/ge-executor"),
            "sanitised"
        );
        assert_eq!((info.desired, info.ready), (2, 1));
        assert_eq!(info.images, ["executor:4"]);
        let mut bare = rs.clone();
        bare.metadata.annotations = None;
        assert_eq!(replicaset(&bare).change_cause, None);
    }

    #[test]
    fn node_projection_reads_versions_and_roles() {
        let n: Node = serde_json::from_value(json!({
            "metadata": {"name": "ge-dev-1", "labels": {"node-role.kubernetes.io/control-plane": "true", "node-role.kubernetes.io/master": "true"}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}],
                "nodeInfo": {"kubeletVersion": "v1.34.2+k3s1", "containerRuntimeVersion": "containerd://2.1.5-k3s1",
                    "osImage": "Debian", "kernelVersion": "6.1", "architecture": "amd64", "bootID": "", "kubeProxyVersion": "",
                    "machineID": "", "operatingSystem": "linux", "systemUUID": ""}}
        }))
        .unwrap();
        let info = node(&n);
        assert!(info.ready);
        assert_eq!(info.roles, ["control-plane", "master"]);
        assert_eq!(info.kubelet_version, "v1.34.2+k3s1");
        assert_eq!(info.container_runtime, "containerd://2.1.5-k3s1");
    }
}
