//! Small projections of Kubernetes objects: only what the console shows or checks.
//!
//! The cluster layer builds these from full API objects (sanitising every string on the way),
//! so a zone with tens of thousands of pods stays light in memory.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

// The kinds are config vocabulary too (the redeploy target names one); the model uses them as is.
pub use crate::config::WorkloadKind;
use crate::config::WorkloadRef;

/// Identifies an object within one zone and kind: namespace (empty for cluster-scoped) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectKey {
    /// The namespace; empty for cluster-scoped objects.
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
    /// The Ready condition is True.
    pub ready: bool,
    /// Cordoned: `spec.unschedulable`.
    pub unschedulable: bool,
    /// Roles from the `node-role.kubernetes.io/*` labels.
    pub roles: Vec<String>,
    /// `status.nodeInfo.kubeletVersion`.
    pub kubelet_version: String,
    /// `status.nodeInfo.containerRuntimeVersion`, e.g. `containerd://2.1.4`.
    pub container_runtime: String,
    /// `status.nodeInfo.osImage`.
    pub os_image: String,
    /// `status.nodeInfo.kernelVersion`.
    pub kernel_version: String,
    /// `metadata.creationTimestamp`.
    pub created: Option<Timestamp>,
}

impl Keyed for NodeInfo {
    fn key(&self) -> ObjectKey {
        ObjectKey::cluster(&self.name)
    }
}

/// The controller that owns an object (from its controller ownerReference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Hash)]
pub struct OwnerRef {
    /// The owner's kind (ReplicaSet, StatefulSet, DaemonSet, Job, ...).
    pub kind: String,
    /// The owner's name.
    pub name: String,
}

/// A pod: its status as kubectl would summarise it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Hash)]
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
    /// Ready containers, native sidecars included, as kubectl's READY column counts them.
    pub ready_containers: u16,
    /// Containers, native sidecars included, as kubectl's READY column counts them.
    pub total_containers: u16,
    /// Restarts of all containers, init containers included.
    pub restarts: u32,
    /// The node it is scheduled on, once it is.
    pub node: Option<String>,
    /// The containers' images: as running once reported, else as the spec asks.
    pub images: Vec<String>,
    /// The controller that owns the pod.
    pub owner: Option<OwnerRef>,
    /// The revision a pod belongs to: its `pod-template-hash` label (ReplicaSet pods), else its
    /// `controller-revision-hash` label (StatefulSet and DaemonSet pods).
    pub template_hash: Option<String>,
    /// `metadata.creationTimestamp`.
    pub created: Option<Timestamp>,
    /// When the pod's containers started (`status.startTime`).
    pub started: Option<Timestamp>,
    /// `metadata.deletionTimestamp` is set: the pod is terminating.
    pub deleting: bool,
    /// Each container's state, init containers and native sidecars included, in spec order:
    /// what explains a pod that is not ready.
    pub containers: Vec<ContainerSummary>,
    /// The pod's conditions that are not True (PodScheduled, Initialized, ContainersReady,
    /// Ready), with the scheduler's or kubelet's reason and message; empty for a healthy pod.
    pub conditions: Vec<ConditionInfo>,
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

/// What part a container plays in its pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ContainerRole {
    /// An init container: runs to completion before the others start.
    Init,
    /// A native sidecar (an init container with `restartPolicy: Always`): runs beside them.
    Sidecar,
    /// One of the pod's containers.
    Main,
}

/// How a container ended: its last run's `terminated` state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Hash)]
pub struct Termination {
    /// `reason`: Error, OOMKilled, Completed, ContainerCannotRun, ...
    pub reason: String,
    /// `exitCode`.
    pub exit_code: i32,
    /// `signal`, when the container was ended by one.
    pub signal: Option<i32>,
    /// `finishedAt`.
    pub finished: Option<Timestamp>,
    /// `message` (the termination message), cut to [`CONTAINER_MESSAGE_MAX`] characters.
    pub message: Option<String>,
}

/// A container that is not running yet or any more: `waiting` with its reason and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Hash)]
pub struct Waiting {
    /// `reason`: ContainerCreating, ImagePullBackOff, CrashLoopBackOff, ...
    pub reason: String,
    /// `message`, cut to [`CONTAINER_MESSAGE_MAX`] characters.
    pub message: Option<String>,
}

/// The longest message kept per container (termination messages may be 4 KiB): the model
/// holds every pod, so what it keeps per pod stays small.
pub const CONTAINER_MESSAGE_MAX: usize = 512;

/// A container's current state. The rare states are boxed, so a running container costs no
/// more than its tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ContainerState {
    /// Running.
    Running,
    /// Waiting to run (again).
    Waiting(Box<Waiting>),
    /// Ended with exit code 0 and reason Completed (a finished init container or job).
    Completed,
    /// Ended otherwise.
    Terminated(Box<Termination>),
    /// No state reported yet.
    Unknown,
}

impl ContainerState {
    /// A waiting state with this reason and message.
    pub fn waiting(reason: impl Into<String>, message: Option<String>) -> ContainerState {
        ContainerState::Waiting(Box::new(Waiting {
            reason: reason.into(),
            message,
        }))
    }
}

/// One container of a pod, as much as explaining the pod needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Hash)]
pub struct ContainerSummary {
    /// The container's name.
    pub name: String,
    /// Init container, native sidecar or main container.
    pub role: ContainerRole,
    /// Its readiness probe passes (or it has none and runs).
    pub ready: bool,
    /// `restartCount`.
    pub restarts: u32,
    /// Its state now.
    pub state: ContainerState,
    /// How its previous run ended (`lastState.terminated`), when it restarted.
    pub last_termination: Option<Box<Termination>>,
}

impl PodInfo {
    /// The pod's condition of this type, when it is not True.
    pub fn failing_condition(&self, kind: &str) -> Option<&ConditionInfo> {
        self.conditions.iter().find(|c| c.kind == kind)
    }
}

impl Keyed for PodInfo {
    fn key(&self) -> ObjectKey {
        ObjectKey::new(&self.namespace, &self.name)
    }
}

/// A status condition kept from a workload (Progressing, Available).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Hash)]
pub struct ConditionInfo {
    /// The condition type (Progressing, Available, ...).
    pub kind: String,
    /// True, False or Unknown.
    pub status: String,
    /// The machine-readable reason.
    pub reason: String,
    /// The human-readable message.
    pub message: String,
}

/// A Deployment, StatefulSet or DaemonSet with the status fields rollouts are judged by.
///
/// For DaemonSets, `desired` is desiredNumberScheduled, `current` currentNumberScheduled,
/// `updated` updatedNumberScheduled, `ready` numberReady, `available` numberAvailable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkloadInfo {
    /// Deployment, StatefulSet or DaemonSet.
    pub kind: WorkloadKind,
    /// The workload's namespace.
    pub namespace: String,
    /// The workload's name.
    pub name: String,
    /// `metadata.generation`: bumped by every spec change.
    pub generation: i64,
    /// `status.observedGeneration`: the generation the controller has acted on.
    pub observed_generation: i64,
    /// spec.replicas (desiredNumberScheduled for DaemonSets).
    pub desired: i32,
    /// status.replicas: all pods, old and new.
    pub current: i32,
    /// Pods already on the current template.
    pub updated: i32,
    /// Ready pods.
    pub ready: i32,
    /// Pods ready for at least `minReadySeconds`.
    pub available: i32,
    /// A Deployment with `spec.paused`.
    pub paused: bool,
    /// The pod template's images, in spec order.
    pub images: Vec<String>,
    /// The status conditions kept (Progressing, Available).
    pub conditions: Vec<ConditionInfo>,
    /// StatefulSet currentRevision / updateRevision.
    pub current_revision: Option<String>,
    /// StatefulSet updateRevision: the revision pods are moving to.
    pub update_revision: Option<String>,
    /// Whether the StatefulSet/DaemonSet uses the RollingUpdate strategy (OnDelete does not roll).
    pub rolling_update: bool,
    /// StatefulSet RollingUpdate partition.
    pub partition: i32,
    /// The pod template's `kubectl.kubernetes.io/restartedAt` annotation.
    pub restarted_at: Option<String>,
    /// `metadata.creationTimestamp`.
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
        WorkloadRef::parse(s).map(WorkloadKey::from)
    }
}

impl From<WorkloadRef> for WorkloadKey {
    fn from(target: WorkloadRef) -> WorkloadKey {
        WorkloadKey {
            kind: target.kind,
            namespace: target.namespace,
            name: target.name,
        }
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
    /// The Deployment that owns it.
    pub owner: Option<OwnerRef>,
    /// spec.replicas.
    pub desired: i32,
    /// status.replicas.
    pub current: i32,
    /// status.readyReplicas.
    pub ready: i32,
    /// status.availableReplicas.
    pub available: i32,
    /// `deployment.kubernetes.io/revision`.
    pub revision: Option<i64>,
    /// Its `pod-template-hash` label, shared with its pods.
    pub template_hash: Option<String>,
    /// The pod template's images, in spec order.
    pub images: Vec<String>,
    /// `metadata.creationTimestamp`.
    pub created: Option<Timestamp>,
    /// The `kubernetes.io/change-cause` annotation: why this revision was made, as
    /// `kubectl rollout history` shows it.
    pub change_cause: Option<String>,
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
    /// Active or Terminating.
    pub phase: String,
}

impl Keyed for NamespaceInfo {
    fn key(&self) -> ObjectKey {
        ObjectKey::cluster(&self.name)
    }
}

/// A keyed, sorted collection of one kind's objects in one zone.
pub type ObjectMap<T> = BTreeMap<ObjectKey, T>;

/// One port of a Service, as its spec lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServicePortInfo {
    /// The port's name (empty when the Service has a single unnamed port).
    pub name: String,
    /// The port the Service listens on.
    pub port: i32,
    /// TCP, UDP or SCTP.
    pub protocol: String,
    /// The node port, for NodePort and LoadBalancer Services.
    pub node_port: Option<i32>,
    /// Where traffic goes on the pods: a number or a container port's name.
    pub target_port: Option<String>,
}

/// A Service: its type and ports, what the ports check compares with the team's ports file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceInfo {
    /// The Service's namespace.
    pub namespace: String,
    /// The Service's name.
    pub name: String,
    /// `spec.type`: ClusterIP (the default), NodePort, LoadBalancer, ExternalName.
    pub service_type: String,
    /// Its ports, in spec order.
    pub ports: Vec<ServicePortInfo>,
    /// It selects pods (a Service without a selector has its endpoints managed by hand).
    pub has_selector: bool,
}

impl Keyed for ServiceInfo {
    fn key(&self) -> ObjectKey {
        ObjectKey::new(&self.namespace, &self.name)
    }
}

/// An IngressClass: which controller serves Ingresses of that class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IngressClassInfo {
    /// The class's name (`traefik`).
    pub name: String,
    /// `spec.controller` (`traefik.io/ingress-controller`).
    pub controller: String,
    /// The `ingressclass.kubernetes.io/is-default-class` annotation is `"true"`.
    pub is_default: bool,
}

impl Keyed for IngressClassInfo {
    fn key(&self) -> ObjectKey {
        ObjectKey::cluster(&self.name)
    }
}

/// A StorageClass: which provisioner makes the volumes of claims of that class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StorageClassInfo {
    /// The class's name (`local-path`).
    pub name: String,
    /// `provisioner` (`rancher.io/local-path`).
    pub provisioner: String,
    /// The `storageclass.kubernetes.io/is-default-class` annotation is `"true"`.
    pub is_default: bool,
}

impl Keyed for StorageClassInfo {
    fn key(&self) -> ObjectKey {
        ObjectKey::cluster(&self.name)
    }
}
