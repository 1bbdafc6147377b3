//! The deterministic answer to "why is this red?": pure functions over a zone's model that
//! return [`Finding`]s — a severity, a one-line headline, detail lines and the object the
//! finding is about ([`FindingTarget`]), so the explain pane can lead to it.
//!
//! What counts as red is [`super::health`]'s judgement (zone state and failed checks, rollout
//! states, pods neither ready nor completed); this module says why, from the same model:
//! rollout state and conditions, the pods that block a rollout with their containers' reasons
//! (image pulls, crash loops with the last exit, the scheduler's message, probes), a zone's
//! connection, forbidden kinds, nodes, pins and system pods, and the recent Warning events of
//! the object and what it owns. Nothing here does I/O, and the
//! same model and time always give the same findings in the same order.

mod pod;
mod warnings;
mod workload;
mod zone;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod warnings_tests;
#[cfg(test)]
mod zone_tests;

use jiff::Timestamp;
use serde::Serialize;

use super::{ObjectKey, WorkloadKey, ZoneModel};

pub use pod::{exit_meaning, explain_pod};
pub use warnings::{WARNINGS_LISTED, event_workload, regarding, warning_findings};
pub use workload::explain_workload;
pub use zone::{explain_node, explain_pin, explain_zone};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingSeverity {
    /// Nothing wrong: said so the pane is never empty.
    Ok,
    /// Worth knowing (still connecting, more of the same).
    Info,
    /// Not failed, not done either (a rollout in progress, a container being created).
    Warning,
    /// Why it is red.
    Error,
}

/// What a finding is about, within its zone: something the explain pane can lead to (its view
/// and row), explain in turn, and, through [`FindingTarget::object`], name as a Kubernetes
/// object (for its events or logs).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FindingTarget {
    /// The zone as a whole (its connection, its checks).
    Zone,
    /// A node, by name.
    Node {
        /// The node's name.
        name: String,
    },
    /// A pinned component, by its name in the zones file (`kubernetes`, `traefik`, ...).
    Pin {
        /// The pin's component.
        component: String,
    },
    /// A Deployment, StatefulSet or DaemonSet.
    Workload {
        /// The workload.
        workload: WorkloadKey,
    },
    /// A pod, and the container the finding is about when it is about one.
    Pod {
        /// The pod.
        pod: ObjectKey,
        /// The container, when the finding is about one of the pod's containers.
        container: Option<String>,
    },
}

/// A Kubernetes object a finding is about: what events are regarding and logs come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef<'a> {
    /// The kind as the API names it (`Pod`, `Node`, `Deployment`).
    pub kind: &'a str,
    /// The namespace; empty for a node.
    pub namespace: &'a str,
    /// The object's name.
    pub name: &'a str,
}

impl FindingTarget {
    /// A target for a whole pod.
    pub fn pod(pod: ObjectKey) -> FindingTarget {
        FindingTarget::Pod {
            pod,
            container: None,
        }
    }

    /// A target for a workload.
    pub fn workload(workload: WorkloadKey) -> FindingTarget {
        FindingTarget::Workload { workload }
    }

    /// The Kubernetes object this target is, if it is one (a zone or a pin is not).
    pub fn object(&self) -> Option<ObjectRef<'_>> {
        match self {
            FindingTarget::Zone | FindingTarget::Pin { .. } => None,
            FindingTarget::Node { name } => Some(ObjectRef {
                kind: "Node",
                namespace: "",
                name,
            }),
            FindingTarget::Workload { workload } => Some(ObjectRef {
                kind: workload.kind.as_str(),
                namespace: &workload.namespace,
                name: &workload.name,
            }),
            FindingTarget::Pod { pod, .. } => Some(ObjectRef {
                kind: "Pod",
                namespace: &pod.namespace,
                name: &pod.name,
            }),
        }
    }

    /// The target in words, as the explain pane titles an explanation: `zone`,
    /// `pin traefik`, `node ge-dev-1`, `deployment ge-agents/ge-executor`,
    /// `pod kube-system/metrics-server-1`.
    pub fn describe(&self) -> String {
        match self {
            FindingTarget::Zone => "zone".into(),
            FindingTarget::Pin { component } => format!("pin {component}"),
            FindingTarget::Node { name } => format!("node {name}"),
            FindingTarget::Workload { workload } => format!(
                "{} {}/{}",
                workload.kind.as_str().to_ascii_lowercase(),
                workload.namespace,
                workload.name
            ),
            FindingTarget::Pod { pod, container } => match container {
                Some(c) => format!("pod {}/{} (container {c})", pod.namespace, pod.name),
                None => format!("pod {}/{}", pod.namespace, pod.name),
            },
        }
    }
}

/// What a finding says, as a closed set (the headline is for people; this is for tests and for
/// anything that wants to act on a finding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The zone is not live: connecting, syncing, reconnecting, unreachable, unauthorised, not
    /// configured.
    Connection,
    /// The credentials may not list a kind (403).
    KindForbidden,
    /// A kind's watch failed and is retried.
    KindFailed,
    /// A node's Ready condition is not True.
    NodeNotReady,
    /// A node is cordoned (`spec.unschedulable`).
    NodeCordoned,
    /// A pinned component runs a version off its line.
    PinOff,
    /// A pinned component was not found in a zone that was reached.
    PinMissing,
    /// A pin checked and on its line.
    PinOn,
    /// Nothing could be checked: the zone was never reached.
    PinUnknown,
    /// A kube-system pod that is neither ready nor completed (the zone's summary of it).
    SystemPod,
    /// A workload that is not healthy (the zone's summary of it).
    Workload,
    /// The workload's rollout failed (ProgressDeadlineExceeded).
    RolloutFailed,
    /// A rollout is still in progress.
    RolloutProgressing,
    /// The Deployment is paused.
    RolloutPaused,
    /// The rollout is complete but not every pod is ready.
    Unavailable,
    /// The controller cannot create pods (ReplicaFailure, e.g. a quota).
    ReplicaFailure,
    /// The workload is gone from the zone.
    Gone,
    /// The scheduler cannot place the pod (PodScheduled=False).
    Unschedulable,
    /// A container's image cannot be pulled (ImagePullBackOff, ErrImagePull, ...).
    ImagePull,
    /// A container keeps crashing (CrashLoopBackOff), with its last exit.
    CrashLoop,
    /// A container cannot be created or started (CreateContainerConfigError, ...).
    ContainerError,
    /// A container is still being created (ContainerCreating, PodInitializing).
    Creating,
    /// A container waits for another reason.
    Waiting,
    /// A container exited with a failure and is not restarted.
    Exited,
    /// A container runs but is not ready: its readiness probe does not pass.
    NotReady,
    /// A running container restarted before; its last run ended badly (OOMKilled called out).
    Restarted,
    /// The pod is being deleted.
    Terminating,
    /// The pod failed as a whole (phase Failed: evicted, deadline exceeded).
    PodFailed,
    /// The pod is not ready, and nothing more specific is known.
    PodNotRunning,
    /// Nothing is wrong.
    Healthy,
    /// A recent Warning event about the object or what it owns (its reason and message).
    WarningEvent,
    /// More findings like the ones above, left out to keep the answer short.
    More,
}

/// One reason (or the absence of any): what the explain pane lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What it says, as a closed set.
    pub kind: FindingKind,
    /// How bad it is.
    pub severity: FindingSeverity,
    /// One line: what is wrong.
    pub headline: String,
    /// Further lines: messages, conditions, counts.
    pub detail: Vec<String>,
    /// What it is about (where `enter` leads).
    pub target: FindingTarget,
}

impl Finding {
    fn new(
        kind: FindingKind,
        severity: FindingSeverity,
        headline: impl Into<String>,
        target: FindingTarget,
    ) -> Finding {
        Finding {
            kind,
            severity,
            headline: headline.into(),
            detail: Vec::new(),
            target,
        }
    }

    fn with_detail(mut self, lines: impl IntoIterator<Item = String>) -> Finding {
        self.detail
            .extend(lines.into_iter().filter(|l| !l.is_empty()));
        self
    }
}

/// How many pods (or workloads) one explanation lists before saying "N more".
pub const LISTED_MAX: usize = 10;

/// Explains `subject` in `zone` at `now` (for "2m ago"): what its state says, then its recent
/// Warning events. Never empty — when nothing is wrong, one [`FindingSeverity::Ok`] finding
/// says so.
pub fn explain(zone: &ZoneModel, subject: &FindingTarget, now: Timestamp) -> Vec<Finding> {
    let mut findings = explain_state(zone, subject, now);
    findings.extend(warning_findings(zone, subject, now));
    findings
}

/// What the model's state says about `subject`, before its events.
fn explain_state(zone: &ZoneModel, subject: &FindingTarget, now: Timestamp) -> Vec<Finding> {
    match subject {
        FindingTarget::Zone => explain_zone(zone, now),
        FindingTarget::Node { name } => explain_node(zone, name),
        FindingTarget::Pin { component } => explain_pin(zone, component),
        FindingTarget::Workload { workload } => explain_workload(zone, workload, now),
        FindingTarget::Pod { pod, .. } => match zone.pods.get(pod) {
            Some(p) => explain_pod(p, now),
            None => vec![Finding::new(
                FindingKind::Gone,
                FindingSeverity::Info,
                format!("pod {}/{} is gone from the zone", pod.namespace, pod.name),
                FindingTarget::Zone,
            )],
        },
    }
}

/// The finding that best sums up a list: the first of the most severe.
pub fn primary(findings: &[Finding]) -> Option<&Finding> {
    let most = findings.iter().map(|f| f.severity).max()?;
    findings.iter().find(|f| f.severity == most)
}

/// "N more …" after a list cut at [`LISTED_MAX`].
fn more(hidden: usize, what: &str, target: FindingTarget) -> Option<Finding> {
    (hidden > 0).then(|| {
        Finding::new(
            FindingKind::More,
            FindingSeverity::Info,
            format!("… and {hidden} more {what}"),
            target,
        )
    })
}

/// `45s`, `3m`, `2h`, `4d` since `then` (`0s` for a time in the future).
pub(crate) fn ago(then: Timestamp, now: Timestamp) -> String {
    let seconds = now.duration_since(then).as_secs().max(0);
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// The workload a pod belongs to, through its ReplicaSet for a Deployment: where leading to
/// the pod goes.
pub fn owning_workload(zone: &ZoneModel, pod: &super::PodInfo) -> Option<WorkloadKey> {
    use super::WorkloadKind;
    let owner = pod.owner.as_ref()?;
    let (kind, name) = match owner.kind.as_str() {
        "ReplicaSet" => {
            let rs = zone
                .replicasets
                .get(&ObjectKey::new(&pod.namespace, &owner.name))?;
            let deployment = rs.owner.as_ref().filter(|o| o.kind == "Deployment")?;
            (WorkloadKind::Deployment, deployment.name.clone())
        }
        "StatefulSet" => (WorkloadKind::StatefulSet, owner.name.clone()),
        "DaemonSet" => (WorkloadKind::DaemonSet, owner.name.clone()),
        _ => return None,
    };
    let key = WorkloadKey {
        kind,
        namespace: pod.namespace.clone(),
        name,
    };
    zone.workloads.contains_key(&key).then_some(key)
}
