//! Small projections of Kubernetes objects: only what the console shows or checks.
//!
//! The cluster layer builds these from full API objects (sanitising every string on the way),
//! so a zone with tens of thousands of pods stays light in memory.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

/// Identifies an object within one zone and kind: namespace (empty for cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectKey {
    /// The namespace; empty for cluster-scoped objects (nodes, namespaces).
    pub namespace: String,
    /// The object's name.
    pub name: String,
}

impl ObjectKey {
    /// A key for a namespaced object.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        ObjectKey {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// A key for a cluster-scoped object.
    pub fn cluster(name: impl Into<String>) -> Self {
        ObjectKey::new("", name)
    }
}

/// Something the store can key.
pub trait Keyed {
    /// The object's key within its kind.
    fn key(&self) -> ObjectKey;
}

/// A node: readiness and the versions it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeInfo {
    /// The node's name.
    pub name: String,
    /// The node's Ready condition is True.
    pub ready: bool,
    /// Cordoned (`spec.unschedulable`): no new pods are placed here.
    pub unschedulable: bool,
    /// Roles from the `node-role.kubernetes.io/<role>` labels (control-plane, worker, ...).
    pub roles: Vec<String>,
    /// The kubelet version from `status.nodeInfo`, compared against the zone's pins.
    pub kubelet_version: String,
    /// The container runtime and its version (e.g. `containerd://1.7.2`).
    pub container_runtime: String,
    /// The OS image the node reports (e.g. its distribution and release).
    pub os_image: String,
    /// The node's kernel version.
    pub kernel_version: String,
    /// When the node object was created.
    pub created: Option<Timestamp>,
}

impl Keyed for NodeInfo {
    fn key(&self) -> ObjectKey {
        ObjectKey::cluster(&self.name)
    }
}

/// The controller that owns an object (from its controller ownerReference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnerRef {
    /// The owner's kind (ReplicaSet, StatefulSet, DaemonSet, Job, ...).
    pub kind: String,
    /// The owner's name, in the same namespace as the owned object.
    pub name: String,
}

/// A pod: its status as kubectl would summarise it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodInfo {
    /// The pod's namespace.
    pub namespace: String,
    /// The pod's name.
    pub name: String,
    /// `status.phase`: Pending, Running, Succeeded, Failed, Unknown.
    pub phase: String,
    /// kubectl's STATUS column: Running, Completed, CrashLoopBackOff, ContainerCreating,
    /// Terminating, ...
    pub status: String,
    /// A longer explanation when the pod is unhealthy (container message or condition message).
    pub message: Option<String>,
    /// Ready containers, counting native sidecars as kubectl does.
    pub ready_containers: u16,
    /// All containers, counting native sidecars, as in kubectl's READY column.
    pub total_containers: u16,
    /// Restarts summed over all containers (init containers included), as kubectl counts them.
    pub restarts: u32,
    /// The node the pod is scheduled on (`spec.nodeName`), if any yet.
    pub node: Option<String>,
    /// The main containers' images, to check a rollout picked up the new image.
    pub images: Vec<String>,
    /// The controller that owns the pod, linking it to its ReplicaSet or workload.
    pub owner: Option<OwnerRef>,
    /// The revision a pod belongs to: its `pod-template-hash` label (ReplicaSet pods), else its
    /// `controller-revision-hash` label (StatefulSet and DaemonSet pods).
    pub template_hash: Option<String>,
    /// When the pod object was created.
    pub created: Option<Timestamp>,
    /// When the pod's containers started (`status.startTime`).
    pub started: Option<Timestamp>,
    /// The pod has a deletion timestamp: it is terminating and no longer counts as ready.
    pub deleting: bool,
}

impl PodInfo {
    /// Every container is ready and the pod is running.
    pub fn is_ready(&self) -> bool {
        self.phase == "Running" && !self.deleting && self.ready_containers == self.total_containers
    }

    /// Finished successfully (a completed job pod), which is not a problem.
    pub fn is_completed(&self) -> bool {
        self.phase == "Succeeded"
    }
}

impl Keyed for PodInfo {
    fn key(&self) -> ObjectKey {
        ObjectKey::new(&self.namespace, &self.name)
    }
}

/// The three kinds of workload the console tracks and can restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum WorkloadKind {
    /// A Deployment (rolls out through a new ReplicaSet per revision).
    Deployment,
    /// A StatefulSet (pods replaced one by one by revision).
    StatefulSet,
    /// A DaemonSet (one pod per eligible node).
    DaemonSet,
}

impl WorkloadKind {
    /// The kind name as Kubernetes spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
        }
    }

    /// The short name kubectl accepts (deploy, sts, ds).
    pub fn short(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deploy",
            WorkloadKind::StatefulSet => "sts",
            WorkloadKind::DaemonSet => "ds",
        }
    }

    /// Parses `deployment`, `deploy`, `Deployment`, `sts`, `statefulset`, `ds`, `daemonset`.
    pub fn parse(s: &str) -> Option<WorkloadKind> {
        match s.to_ascii_lowercase().as_str() {
            "deployment" | "deployments" | "deploy" => Some(WorkloadKind::Deployment),
            "statefulset" | "statefulsets" | "sts" => Some(WorkloadKind::StatefulSet),
            "daemonset" | "daemonsets" | "ds" => Some(WorkloadKind::DaemonSet),
            _ => None,
        }
    }
}

/// A status condition kept from a workload (Progressing, Available).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConditionInfo {
    /// The condition type (`Progressing`, `Available`, ...).
    pub kind: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// The machine-readable reason (e.g. `ProgressDeadlineExceeded`).
    pub reason: String,
    /// The human-readable message, shown when a rollout stalls.
    pub message: String,
}

/// A Deployment, StatefulSet or DaemonSet with the status fields rollouts are judged by.
///
/// For DaemonSets, `desired` is desiredNumberScheduled, `current` currentNumberScheduled,
/// `updated` updatedNumberScheduled, `ready` numberReady, `available` numberAvailable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkloadInfo {
    /// Which of the three workload kinds this is.
    pub kind: WorkloadKind,
    /// The workload's namespace.
    pub namespace: String,
    /// The workload's name.
    pub name: String,
    /// `metadata.generation`: bumped by every spec change (a restart included).
    pub generation: i64,
    /// `status.observedGeneration`: the controller has seen the spec up to this generation.
    pub observed_generation: i64,
    /// spec.replicas (desiredNumberScheduled for DaemonSets).
    pub desired: i32,
    /// status.replicas: all pods, old and new.
    pub current: i32,
    /// Pods already on the newest template.
    pub updated: i32,
    /// Pods that are ready.
    pub ready: i32,
    /// Pods ready for at least minReadySeconds.
    pub available: i32,
    /// A paused Deployment does not roll out, so a restart is refused.
    pub paused: bool,
    /// The pod template's container images.
    pub images: Vec<String>,
    /// Conditions kept for judging rollouts (Progressing, Available).
    pub conditions: Vec<ConditionInfo>,
    /// StatefulSet currentRevision / updateRevision.
    pub current_revision: Option<String>,
    /// The revision new pods are created from; done when `current_revision` reaches it.
    pub update_revision: Option<String>,
    /// Whether the StatefulSet/DaemonSet uses the RollingUpdate strategy (OnDelete does not roll).
    pub rolling_update: bool,
    /// StatefulSet RollingUpdate partition.
    pub partition: i32,
    /// The pod template's `kubectl.kubernetes.io/restartedAt` annotation.
    pub restarted_at: Option<String>,
    /// When the workload object was created.
    pub created: Option<Timestamp>,
}

impl WorkloadInfo {
    /// Finds a condition by type.
    pub fn condition(&self, kind: &str) -> Option<&ConditionInfo> {
        self.conditions.iter().find(|c| c.kind == kind)
    }
}

/// Key of a workload: kind plus namespace/name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct WorkloadKey {
    /// Deployment, StatefulSet or DaemonSet.
    pub kind: WorkloadKind,
    /// The workload's namespace.
    pub namespace: String,
    /// The workload's name.
    pub name: String,
}

impl WorkloadKey {
    /// Parses `NAMESPACE/KIND/NAME` (KIND as kubectl accepts it: deployment, deploy, sts, ...).
    pub fn parse(s: &str) -> Option<WorkloadKey> {
        let mut parts = s.split('/');
        let (namespace, kind, name) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || namespace.is_empty() || name.is_empty() {
            return None;
        }
        Some(WorkloadKey {
            kind: WorkloadKind::parse(kind)?,
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
    }
}

impl std::fmt::Display for WorkloadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.namespace,
            self.kind.as_str().to_ascii_lowercase(),
            self.name
        )
    }
}

impl WorkloadInfo {
    /// This workload's key.
    pub fn workload_key(&self) -> WorkloadKey {
        WorkloadKey {
            kind: self.kind,
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }
}

impl Keyed for WorkloadInfo {
    fn key(&self) -> ObjectKey {
        ObjectKey::new(&self.namespace, &self.name)
    }
}

/// A ReplicaSet: links a Deployment's revisions to their pods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplicaSetInfo {
    /// The ReplicaSet's namespace.
    pub namespace: String,
    /// The ReplicaSet's name.
    pub name: String,
    /// Its controlling Deployment, if any.
    pub owner: Option<OwnerRef>,
    /// Pods wanted (`spec.replicas`).
    pub desired: i32,
    /// Pods that exist (`status.replicas`).
    pub current: i32,
    /// Pods that are ready.
    pub ready: i32,
    /// Pods ready for at least minReadySeconds.
    pub available: i32,
    /// `deployment.kubernetes.io/revision`.
    pub revision: Option<i64>,
    /// The `pod-template-hash` label, matching the pods of this revision.
    pub template_hash: Option<String>,
    /// The pod template's container images.
    pub images: Vec<String>,
    /// When the ReplicaSet was created; breaks ties when picking the newest revision.
    pub created: Option<Timestamp>,
}

impl Keyed for ReplicaSetInfo {
    fn key(&self) -> ObjectKey {
        ObjectKey::new(&self.namespace, &self.name)
    }
}

/// A namespace and its phase (Active, Terminating).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamespaceInfo {
    /// The namespace's name.
    pub name: String,
    /// `status.phase`: Active, or Terminating while it is being deleted.
    pub phase: String,
}

impl Keyed for NamespaceInfo {
    fn key(&self) -> ObjectKey {
        ObjectKey::cluster(&self.name)
    }
}

/// A keyed, sorted collection of one kind's objects in one zone.
pub type ObjectMap<T> = BTreeMap<ObjectKey, T>;
