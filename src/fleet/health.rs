//! Derived health: version pins, system pods, workload rollouts, per-namespace summaries.
//!
//! Everything here is a pure function of a [`ZoneModel`], so it is unit-tested on plain data
//! and recomputed only when the model changed.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{PodInfo, WorkloadInfo, WorkloadKey, WorkloadKind, ZoneModel, ZoneState};
use crate::config::{PinConfig, SYSTEM_NAMESPACE};

/// Does `actual` (e.g. `v1.34.2+k3s1`, `containerd://2.1.5-k3s1`, `1.14.1`) lie on `line`
/// (e.g. `v1.34.x`)? The line's `x`/`*` segments match anything; a leading `v` is optional on
/// both sides; build metadata (`+k3s1`) and pre-release suffixes (`-k3s1`) are ignored.
pub fn version_matches_line(line: &str, actual: &str) -> bool {
    let Some(actual_parts) = version_core(actual) else {
        return false;
    };
    let line = line.trim().trim_start_matches(['v', 'V']);
    let line_parts: Vec<&str> = line.split('.').collect();
    if line_parts.is_empty() || line_parts.len() > actual_parts.len().max(3) {
        return false;
    }
    line_parts.iter().enumerate().all(|(i, want)| {
        matches!(*want, "x" | "X" | "*")
            || actual_parts
                .get(i)
                .is_some_and(|got| want.parse::<u64>().ok() == Some(*got))
    })
}

/// The numeric `major.minor.patch...` of a version string, after any `scheme://` prefix.
pub(crate) fn version_core(actual: &str) -> Option<Vec<u64>> {
    let s = actual.rsplit("://").next().unwrap_or(actual).trim();
    let s = s.trim_start_matches(['v', 'V']);
    let core = s.split(['+', '-']).next().unwrap_or("");
    let parts: Option<Vec<u64>> = core.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty())
}

/// The tag of an image reference (`repo/name:1.2.3@sha256:...` → `1.2.3`).
pub fn image_tag(image: &str) -> Option<&str> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last_segment = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last_segment.split_once(':').map(|(_, tag)| tag)
}

/// One pinned component checked against what the zone runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinCheck {
    /// The pinned component: `kubernetes`, `containerd`, or a kube-system workload's name.
    pub component: String,
    /// The version line it is pinned to (e.g. `v1.34.x`), from the zones file.
    pub pinned: String,
    /// What was found (distinct values joined with ", "), or None when nothing was found yet.
    pub actual: Option<String>,
    /// Something was found and every found version is on the pinned line.
    pub ok: bool,
    /// `ok`, `failed`, or `unknown` when the zone was never reached (nothing to check against).
    pub status: PinStatus,
}

/// The outcome of one pin check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PinStatus {
    /// Found, and on the pinned line.
    Ok,
    /// Off the pinned line, or not found in a zone that was reached.
    Failed,
    /// The zone's server (or its credentials) was never reached: nothing could be checked.
    Unknown,
}

/// True when nothing is known of the zone: it has never been live and is not connected now
/// (not configured, unauthorised, unreachable, or still connecting for the first time).
pub fn never_reached(zone: &ZoneModel) -> bool {
    !zone.ever_live
        && matches!(
            zone.state(),
            ZoneState::Connecting
                | ZoneState::Unreachable
                | ZoneState::Unauthorized
                | ZoneState::NotConfigured
        )
}

/// Checks every configured pin of a zone; a zone never reached has every pin unknown.
pub fn check_pins(zone: &ZoneModel) -> Vec<PinCheck> {
    let reached = !never_reached(zone);
    zone.config
        .pins
        .iter()
        .map(|pin| {
            if reached {
                check_pin(zone, pin)
            } else {
                PinCheck {
                    component: pin.component.clone(),
                    pinned: pin.line.clone(),
                    actual: None,
                    ok: false,
                    status: PinStatus::Unknown,
                }
            }
        })
        .collect()
}

fn check_pin(zone: &ZoneModel, pin: &PinConfig) -> PinCheck {
    let found: BTreeSet<String> = match pin.component.as_str() {
        "kubernetes" => zone
            .server_version
            .iter()
            .cloned()
            .chain(zone.nodes.values().map(|n| n.kubelet_version.clone()))
            .filter(|v| !v.is_empty())
            .collect(),
        "containerd" => zone
            .nodes
            .values()
            .map(|n| n.container_runtime.clone())
            .filter(|v| !v.is_empty())
            .collect(),
        component => {
            let workload = pin.workload.as_deref().unwrap_or(component);
            zone.workloads
                .values()
                .filter(|w| w.namespace == SYSTEM_NAMESPACE && w.name == workload)
                .flat_map(|w| w.images.iter())
                .filter_map(|image| image_tag(image).map(str::to_string))
                .collect()
        }
    };
    let ok = !found.is_empty() && found.iter().all(|v| version_matches_line(&pin.line, v));
    PinCheck {
        component: pin.component.clone(),
        pinned: pin.line.clone(),
        actual: (!found.is_empty()).then(|| found.into_iter().collect::<Vec<_>>().join(", ")),
        ok,
        status: if ok { PinStatus::Ok } else { PinStatus::Failed },
    }
}

/// A pod that needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodProblem {
    /// The pod's name.
    pub name: String,
    /// `status.phase`: Pending, Running, Failed, Unknown.
    pub phase: String,
    /// kubectl's status word: CrashLoopBackOff, ImagePullBackOff, Pending, ...
    pub reason: String,
    /// Restarts over all its containers, as kubectl counts them.
    pub restarts: u32,
    /// The longer explanation (container or condition message), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl PodProblem {
    fn of(pod: &PodInfo) -> Self {
        PodProblem {
            name: pod.name.clone(),
            phase: pod.phase.clone(),
            reason: pod.status.clone(),
            restarts: pod.restarts,
            message: pod.message.clone(),
        }
    }
}

/// A pod is a problem when it is neither ready nor completed.
pub fn pod_is_problem(pod: &PodInfo) -> bool {
    !pod.is_ready() && !pod.is_completed()
}

/// The system pods block: kube-system's pods.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SystemPodSummary {
    /// kube-system pods, completed ones included.
    pub total: usize,
    /// kube-system pods that are ready.
    pub ready: usize,
    /// kube-system pods that are neither ready nor completed.
    pub problems: Vec<PodProblem>,
}

/// Summarises kube-system's pods; completed pods count as total but are no problem.
pub fn system_pods(zone: &ZoneModel) -> SystemPodSummary {
    let mut summary = SystemPodSummary::default();
    for pod in pods_in(zone, SYSTEM_NAMESPACE) {
        summary.total += 1;
        if pod.is_ready() {
            summary.ready += 1;
        } else if pod_is_problem(pod) {
            summary.problems.push(PodProblem::of(pod));
        }
    }
    summary
}

fn pods_in<'a, 'b>(
    zone: &'a ZoneModel,
    namespace: &'b str,
) -> impl Iterator<Item = &'a PodInfo> + 'b
where
    'a: 'b,
{
    let start = super::ObjectKey::new(namespace, "");
    zone.pods
        .range(start..)
        .take_while(move |(k, _)| k.namespace == namespace)
        .map(|(_, p)| p)
}

/// Where a workload's rollout stands, by kubectl's `rollout status` rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "message", rename_all = "snake_case")]
pub enum RolloutState {
    /// Nothing in progress: the current revision is fully available.
    Complete,
    /// A rollout is under way; the message is kubectl's.
    Progressing(String),
    /// Deployment paused: no rollout happens until resumed.
    Paused,
    /// ProgressDeadlineExceeded.
    Failed(String),
}

impl RolloutState {
    /// The short word used in tables and JSON.
    pub fn word(&self) -> &'static str {
        match self {
            RolloutState::Complete => "complete",
            RolloutState::Progressing(_) => "progressing",
            RolloutState::Paused => "paused",
            RolloutState::Failed(_) => "failed",
        }
    }
}

/// Judges a workload's rollout exactly as `kubectl rollout status` does.
pub fn rollout_state(w: &WorkloadInfo) -> RolloutState {
    if w.generation > w.observed_generation {
        let what = match w.kind {
            WorkloadKind::Deployment => "deployment",
            WorkloadKind::StatefulSet => "statefulset",
            WorkloadKind::DaemonSet => "daemon set",
        };
        return RolloutState::Progressing(format!(
            "Waiting for {what} spec update to be observed..."
        ));
    }
    match w.kind {
        WorkloadKind::Deployment => {
            if let Some(c) = w.condition("Progressing")
                && c.reason == "ProgressDeadlineExceeded"
            {
                return RolloutState::Failed(format!(
                    "deployment {:?} exceeded its progress deadline",
                    w.name
                ));
            }
            if w.paused {
                return RolloutState::Paused;
            }
            if w.updated < w.desired {
                return RolloutState::Progressing(format!(
                    "Waiting for deployment {:?} rollout to finish: {} out of {} new replicas have been updated...",
                    w.name, w.updated, w.desired
                ));
            }
            if w.current > w.updated {
                return RolloutState::Progressing(format!(
                    "Waiting for deployment {:?} rollout to finish: {} old replicas are pending termination...",
                    w.name,
                    w.current - w.updated
                ));
            }
            if w.available < w.updated {
                return RolloutState::Progressing(format!(
                    "Waiting for deployment {:?} rollout to finish: {} of {} updated replicas are available...",
                    w.name, w.available, w.updated
                ));
            }
            RolloutState::Complete
        }
        WorkloadKind::StatefulSet => {
            if !w.rolling_update {
                return RolloutState::Complete;
            }
            if w.ready < w.desired {
                return RolloutState::Progressing(format!(
                    "Waiting for {} pods to be ready...",
                    w.desired - w.ready
                ));
            }
            if w.partition > 0 {
                let expected = w.desired - w.partition;
                if w.updated < expected {
                    return RolloutState::Progressing(format!(
                        "Waiting for partitioned roll out to finish: {} out of {} new pods have been updated...",
                        w.updated, expected
                    ));
                }
                return RolloutState::Complete;
            }
            if w.update_revision != w.current_revision {
                return RolloutState::Progressing(format!(
                    "waiting for statefulset rolling update to complete {} pods at revision {}...",
                    w.updated,
                    w.update_revision.as_deref().unwrap_or("?")
                ));
            }
            RolloutState::Complete
        }
        WorkloadKind::DaemonSet => {
            if !w.rolling_update {
                return RolloutState::Complete;
            }
            if w.updated < w.desired {
                return RolloutState::Progressing(format!(
                    "Waiting for daemon set {:?} rollout to finish: {} out of {} new pods have been updated...",
                    w.name, w.updated, w.desired
                ));
            }
            if w.available < w.desired {
                return RolloutState::Progressing(format!(
                    "Waiting for daemon set {:?} rollout to finish: {} of {} updated pods are available...",
                    w.name, w.available, w.desired
                ));
            }
            RolloutState::Complete
        }
    }
}

/// The pods that belong to a workload: directly owned (StatefulSet, DaemonSet) or owned by
/// one of its ReplicaSets (Deployment).
pub fn workload_pods<'a>(zone: &'a ZoneModel, w: &WorkloadKey) -> Vec<&'a PodInfo> {
    let replicasets: BTreeSet<&str> = if w.kind == WorkloadKind::Deployment {
        zone.replicasets
            .values()
            .filter(|rs| {
                rs.namespace == w.namespace
                    && rs
                        .owner
                        .as_ref()
                        .is_some_and(|o| o.kind == "Deployment" && o.name == w.name)
            })
            .map(|rs| rs.name.as_str())
            .collect()
    } else {
        BTreeSet::new()
    };
    pods_in(zone, &w.namespace)
        .filter(|p| match &p.owner {
            Some(o) if w.kind == WorkloadKind::Deployment => {
                o.kind == "ReplicaSet" && replicasets.contains(o.name.as_str())
            }
            Some(o) => o.kind == w.kind.as_str() && o.name == w.name,
            None => false,
        })
        .collect()
}

/// One workload line in a namespace block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkloadSummary {
    /// Deployment, StatefulSet or DaemonSet.
    pub kind: WorkloadKind,
    /// The workload's name (its namespace is the block's).
    pub name: String,
    /// Pods wanted.
    pub desired: i32,
    /// Pods that are ready.
    pub ready: i32,
    /// Pods on the newest template.
    pub updated: i32,
    /// Pods ready for at least minReadySeconds.
    pub available: i32,
    /// The pod template's container images.
    pub images: Vec<String>,
    /// How its latest rollout is going.
    pub rollout: RolloutState,
}

/// A watched namespace: its workloads and its pods that are not ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamespaceSummary {
    /// The namespace's name, as configured for the zone.
    pub name: String,
    /// False when the zone has no such namespace (or cannot list namespaces).
    pub exists: bool,
    /// The namespace's Deployments, StatefulSets and DaemonSets.
    pub workloads: Vec<WorkloadSummary>,
    /// Its pods that are neither ready nor completed.
    pub pods_not_ready: Vec<PodProblem>,
}

/// Summarises one watched namespace.
pub fn namespace_summary(zone: &ZoneModel, namespace: &str) -> NamespaceSummary {
    let workloads = zone
        .workloads
        .values()
        .filter(|w| w.namespace == namespace)
        .map(|w| WorkloadSummary {
            kind: w.kind,
            name: w.name.clone(),
            desired: w.desired,
            ready: w.ready,
            updated: w.updated,
            available: w.available,
            images: w.images.clone(),
            rollout: rollout_state(w),
        })
        .collect();
    let pods_not_ready = pods_in(zone, namespace)
        .filter(|p| pod_is_problem(p))
        .map(PodProblem::of)
        .collect();
    NamespaceSummary {
        name: namespace.to_string(),
        // Only a synced namespace list can say a namespace is missing (not a forbidden one).
        exists: zone
            .namespaces
            .contains_key(&super::ObjectKey::cluster(namespace))
            || zone.kinds.get(&super::ResourceKind::Namespaces) != Some(&super::KindStatus::Synced),
        workloads,
        pods_not_ready,
    }
}

/// Brings `block.pods_not_ready` up to date for the pods `names` of its namespace, one lookup
/// each: what [`namespace_summary`] derives, without reading the namespace's other pods. The
/// list is kept in name order, as the namespace's pods are stored.
pub fn patch_pods_not_ready<'a>(
    block: &mut NamespaceSummary,
    zone: &ZoneModel,
    names: impl IntoIterator<Item = &'a str>,
) {
    for name in names {
        let key = super::ObjectKey::new(block.name.as_str(), name);
        let now = zone
            .pods
            .get(&key)
            .filter(|p| pod_is_problem(p))
            .map(PodProblem::of);
        let list = &mut block.pods_not_ready;
        match (list.binary_search_by(|p| p.name.as_str().cmp(name)), now) {
            (Ok(at), Some(problem)) => list[at] = problem,
            (Ok(at), None) => {
                list.remove(at);
            }
            (Err(at), Some(problem)) => list.insert(at, problem),
            (Err(_), None) => {}
        }
    }
}

/// Everything derived about a zone, for the overview and the snapshot report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneSummary {
    /// The zone's state when the summary was derived.
    pub state: ZoneState,
    /// Every configured version pin, checked.
    pub pins: Vec<PinCheck>,
    /// The kube-system pods block.
    pub system_pods: SystemPodSummary,
    /// One block per configured namespace, in configured order.
    pub namespaces: Vec<NamespaceSummary>,
    /// Nodes whose Ready condition is True.
    pub nodes_ready: usize,
    /// All nodes in the zone.
    pub nodes_total: usize,
    /// False when the zone was never reached (see [`never_reached`]): nothing was checked.
    pub reached: bool,
}

impl ZoneSummary {
    /// Derives the summary of a zone.
    pub fn of(zone: &ZoneModel) -> Self {
        ZoneSummary {
            state: zone.state(),
            pins: check_pins(zone),
            system_pods: system_pods(zone),
            namespaces: zone
                .config
                .namespaces
                .iter()
                .map(|ns| namespace_summary(zone, ns))
                .collect(),
            nodes_ready: zone.nodes.values().filter(|n| n.ready).count(),
            nodes_total: zone.nodes.len(),
            reached: !never_reached(zone),
        }
    }

    /// Failed checks: pins off their line, system pods not ready, nodes not ready; a zone
    /// never reached is one failed check, not one per pin.
    pub fn failed_checks(&self) -> Vec<String> {
        if !self.reached {
            return vec![format!(
                "zone {}: nothing could be checked",
                self.state.as_str().replace('_', " ")
            )];
        }
        let mut failed = Vec::new();
        for pin in self.pins.iter().filter(|p| p.status == PinStatus::Failed) {
            failed.push(format!(
                "{} {} is not on {}",
                pin.component,
                pin.actual.as_deref().unwrap_or("(not found)"),
                pin.pinned
            ));
        }
        for p in &self.system_pods.problems {
            failed.push(format!("system pod {} is {}", p.name, p.reason));
        }
        if self.nodes_ready < self.nodes_total {
            failed.push(format!(
                "{} of {} nodes not ready",
                self.nodes_total - self.nodes_ready,
                self.nodes_total
            ));
        }
        failed
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::fleet::tests::dev_zone;
    use crate::fleet::{
        ConditionInfo, FailureCause, KindStatus, LinkStatus, NodeInfo, ObjectKey, OwnerRef,
        ReplicaSetInfo, ResourceKind, ZoneEvent,
    };

    #[test]
    fn pin_lines_match_like_the_team_means_them() {
        assert!(version_matches_line("v1.34.x", "v1.34.2+k3s1"));
        assert!(version_matches_line("v1.34.x", "v1.34.0"));
        assert!(!version_matches_line("v1.34.x", "v1.35.0"));
        assert!(!version_matches_line("v1.34.x", "v1.3.4"));
        assert!(version_matches_line("v2.1.x", "containerd://2.1.5-k3s1"));
        assert!(!version_matches_line("v2.1.x", "containerd://1.7.27"));
        assert!(version_matches_line("v1.14.x", "1.14.1"));
        assert!(version_matches_line("v3.6.x", "v3.6.2"));
        assert!(!version_matches_line("v3.6.x", "latest"));
        assert!(version_matches_line("1.x", "1.33.5"));
        assert!(version_matches_line("v1.34.2", "v1.34.2+k3s1"));
        assert!(!version_matches_line("v1.34.2", "v1.34.3"));
    }

    #[test]
    fn image_tags() {
        assert_eq!(
            image_tag("rancher/mirrored-coredns-coredns:1.14.1"),
            Some("1.14.1")
        );
        assert_eq!(
            image_tag("registry:5000/traefik:v3.6.2@sha256:abc"),
            Some("v3.6.2")
        );
        assert_eq!(image_tag("registry:5000/traefik"), None);
    }

    pub(crate) fn pod(ns: &str, name: &str, status: &str, ready: bool) -> PodInfo {
        PodInfo {
            namespace: ns.into(),
            name: name.into(),
            phase: if status == "Completed" {
                "Succeeded".into()
            } else if status == "Pending" {
                "Pending".into()
            } else {
                "Running".into()
            },
            status: status.into(),
            message: None,
            ready_containers: u16::from(ready),
            total_containers: 1,
            restarts: if status == "CrashLoopBackOff" { 7 } else { 0 },
            node: Some("n1".into()),
            images: vec!["img:1".into()],
            owner: None,
            template_hash: None,
            created: None,
            started: None,
            deleting: false,
            containers: vec![],
            conditions: vec![],
        }
    }

    fn deployment(name: &str) -> WorkloadInfo {
        WorkloadInfo {
            kind: WorkloadKind::Deployment,
            namespace: "ge-agents".into(),
            name: name.into(),
            generation: 2,
            observed_generation: 2,
            desired: 2,
            current: 2,
            updated: 2,
            ready: 2,
            available: 2,
            paused: false,
            images: vec!["registry.ge.internal/ge-executor:1".into()],
            conditions: vec![],
            current_revision: None,
            update_revision: None,
            rolling_update: true,
            partition: 0,
            restarted_at: None,
            created: None,
        }
    }

    #[test]
    fn system_pod_summary_counts_and_names_problems() {
        let mut zone = dev_zone();
        for p in [
            pod("kube-system", "coredns-1", "Running", true),
            pod("kube-system", "metrics-server-1", "CrashLoopBackOff", false),
            pod("kube-system", "helm-install-traefik-x", "Completed", false),
            pod("kube-system", "pending-1", "Pending", false),
            pod("ge-data", "redis-0", "Running", false),
        ] {
            zone.pods.insert(p.key_for_test(), p);
        }
        let s = system_pods(&zone);
        assert_eq!((s.total, s.ready), (4, 1));
        let reasons: Vec<_> = s.problems.iter().map(|p| p.reason.as_str()).collect();
        assert_eq!(reasons, ["CrashLoopBackOff", "Pending"]);
        assert_eq!(s.problems[0].restarts, 7);
    }

    impl PodInfo {
        fn key_for_test(&self) -> ObjectKey {
            ObjectKey::new(&self.namespace, &self.name)
        }
    }

    #[test]
    fn deployment_rollout_follows_kubectl_rules() {
        let mut w = deployment("ge-executor");
        assert_eq!(rollout_state(&w), RolloutState::Complete);
        w.generation = 3;
        assert!(
            matches!(rollout_state(&w), RolloutState::Progressing(m) if m.contains("spec update"))
        );
        w.observed_generation = 3;
        w.updated = 1;
        w.current = 3;
        assert!(
            matches!(rollout_state(&w), RolloutState::Progressing(m) if m.contains("1 out of 2 new replicas"))
        );
        w.updated = 2;
        assert!(
            matches!(rollout_state(&w), RolloutState::Progressing(m) if m.contains("1 old replicas are pending termination"))
        );
        w.current = 2;
        w.available = 1;
        assert!(
            matches!(rollout_state(&w), RolloutState::Progressing(m) if m.contains("1 of 2 updated replicas are available"))
        );
        w.available = 2;
        assert_eq!(rollout_state(&w), RolloutState::Complete);
        w.conditions.push(ConditionInfo {
            kind: "Progressing".into(),
            status: "False".into(),
            reason: "ProgressDeadlineExceeded".into(),
            message: "".into(),
        });
        assert!(matches!(rollout_state(&w), RolloutState::Failed(_)));
        w.conditions.clear();
        w.paused = true;
        assert_eq!(rollout_state(&w), RolloutState::Paused);
    }

    #[test]
    fn statefulset_and_daemonset_rollouts_use_their_own_fields() {
        let mut s = deployment("postgresql");
        s.kind = WorkloadKind::StatefulSet;
        s.current_revision = Some("postgresql-a".into());
        s.update_revision = Some("postgresql-b".into());
        assert!(
            matches!(rollout_state(&s), RolloutState::Progressing(m) if m.contains("revision postgresql-b"))
        );
        s.current_revision = s.update_revision.clone();
        assert_eq!(rollout_state(&s), RolloutState::Complete);
        s.ready = 1;
        assert!(
            matches!(rollout_state(&s), RolloutState::Progressing(m) if m.contains("1 pods to be ready"))
        );

        let mut d = deployment("cilium");
        d.kind = WorkloadKind::DaemonSet;
        d.desired = 3;
        d.updated = 2;
        assert!(
            matches!(rollout_state(&d), RolloutState::Progressing(m) if m.contains("2 out of 3 new pods"))
        );
        d.updated = 3;
        d.available = 3;
        assert_eq!(rollout_state(&d), RolloutState::Complete);
    }

    #[test]
    fn pins_check_server_kubelets_runtime_and_images() {
        let mut zone = dev_zone();
        zone.apply(ZoneEvent::Link(LinkStatus::Connected {
            server_version: "v1.34.2+k3s1".into(),
        }));
        zone.nodes.insert(
            ObjectKey::cluster("n1"),
            NodeInfo {
                name: "n1".into(),
                ready: true,
                unschedulable: false,
                roles: vec![],
                kubelet_version: "v1.35.0".into(),
                container_runtime: "containerd://2.1.5-k3s1".into(),
                os_image: "".into(),
                kernel_version: "".into(),
                created: None,
            },
        );
        let mut coredns = deployment("coredns");
        coredns.namespace = "kube-system".into();
        coredns.images = vec!["rancher/mirrored-coredns-coredns:1.14.1".into()];
        zone.workloads.insert(coredns.workload_key(), coredns);
        let pins = check_pins(&zone);
        let by = |c: &str| pins.iter().find(|p| p.component == c).unwrap().clone();
        let k8s = by("kubernetes");
        assert!(!k8s.ok, "a kubelet off the line fails the pin");
        assert_eq!(k8s.actual.as_deref(), Some("v1.34.2+k3s1, v1.35.0"));
        assert!(by("containerd").ok);
        assert!(by("coredns").ok);
        let traefik = by("traefik");
        assert!(!traefik.ok && traefik.actual.is_none());
        let summary = ZoneSummary::of(&zone);
        let failed = summary.failed_checks();
        assert!(
            failed.iter().any(|f| f.contains("traefik (not found)")),
            "{failed:?}"
        );
    }

    #[test]
    fn a_zone_never_reached_has_unknown_pins_and_one_failed_check() {
        let not_configured = LinkStatus::NotConfigured {
            reason: "context ge-dev not in kubeconfig".into(),
        };
        let refused = LinkStatus::Failed {
            error: "connection refused".into(),
            cause: FailureCause::Unreachable,
            retry_at: None,
        };
        // Credentials refused before the zone was ever live (a failed exec plugin, a
        // revoked token at start-up).
        let unauthorized = LinkStatus::Failed {
            error: "login needed: run `kubelogin` in a terminal".into(),
            cause: FailureCause::Unauthorized,
            retry_at: None,
        };
        for (link, state) in [
            (not_configured, ZoneState::NotConfigured),
            (refused, ZoneState::Unreachable),
            (unauthorized, ZoneState::Unauthorized),
        ] {
            let mut zone = dev_zone();
            zone.apply(ZoneEvent::Link(link));
            assert_eq!(zone.state(), state);
            let summary = ZoneSummary::of(&zone);
            assert!(!summary.pins.is_empty());
            for pin in &summary.pins {
                assert_eq!(pin.status, PinStatus::Unknown, "{pin:?}");
                assert_eq!(pin.actual, None);
                assert!(!pin.ok);
            }
            assert_eq!(summary.failed_checks().len(), 1, "{state:?}");
        }
    }

    #[test]
    fn a_zone_lost_after_being_live_still_checks_its_pins() {
        let mut zone = dev_zone();
        zone.apply(ZoneEvent::Link(LinkStatus::Connected {
            server_version: "v1.34.2+k3s1".into(),
        }));
        for k in ResourceKind::ALL {
            zone.apply(ZoneEvent::Kind(k, KindStatus::Synced));
        }
        zone.apply(ZoneEvent::Link(LinkStatus::Failed {
            error: "connection refused".into(),
            cause: FailureCause::Unreachable,
            retry_at: None,
        }));
        assert_eq!(zone.state(), ZoneState::Reconnecting);
        let pins = check_pins(&zone);
        let k8s = pins.iter().find(|p| p.component == "kubernetes");
        assert_eq!(k8s.map(|p| p.status), Some(PinStatus::Ok));
        let traefik = pins.iter().find(|p| p.component == "traefik");
        assert_eq!(traefik.map(|p| p.status), Some(PinStatus::Failed));
    }

    #[test]
    fn deployment_pods_are_found_through_their_replicasets() {
        let mut zone = dev_zone();
        let w = deployment("ge-executor");
        zone.replicasets.insert(
            ObjectKey::new("ge-agents", "ge-executor-abc"),
            ReplicaSetInfo {
                namespace: "ge-agents".into(),
                name: "ge-executor-abc".into(),
                owner: Some(OwnerRef {
                    kind: "Deployment".into(),
                    name: "ge-executor".into(),
                }),
                desired: 2,
                current: 2,
                ready: 2,
                available: 2,
                revision: Some(1),
                template_hash: Some("abc".into()),
                images: vec![],
                created: None,
                change_cause: None,
            },
        );
        let mut mine = pod("ge-agents", "ge-executor-abc-1", "Running", true);
        mine.owner = Some(OwnerRef {
            kind: "ReplicaSet".into(),
            name: "ge-executor-abc".into(),
        });
        let mut other = pod("ge-agents", "ge-sandbox-1", "Running", true);
        other.owner = Some(OwnerRef {
            kind: "ReplicaSet".into(),
            name: "ge-sandbox-x".into(),
        });
        zone.pods.insert(mine.key(), mine);
        zone.pods.insert(other.key(), other);
        let key = w.workload_key();
        let pods = workload_pods(&zone, &key);
        let names: Vec<_> = pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["ge-executor-abc-1"]);
    }

    use crate::fleet::Keyed;
}
