//! The team's runbook (`kubernetes-overview.md`) as live checks: pure functions over the fleet
//! model, the zones file's settings and a few facts from outside the clusters (the `kubectl` on
//! PATH, the console's own log of version changes). Each finding has a stable id, a severity,
//! the zone and object it is about, a message in the runbook's words, and where its data came
//! from, so the Checks view, the overview and `snapshot` say the same thing.
//!
//! A zone that is not live is never judged on what it showed before: its checks say
//! [`CheckSeverity::Unknown`].

pub mod drift;
pub mod placement;
pub mod platform;
pub mod ports;
pub mod promotion;
pub mod skew;

use jiff::Timestamp;
use serde::Serialize;

use super::{Fleet, FleetEvent, ObjectChange, ZoneEvent};
use crate::config::{FleetConfig, PortsSpec, ZoneId};

/// Every runbook check, by its stable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum CheckId {
    /// A zone on the promotion path never runs a newer Kubernetes than the zone before it.
    #[serde(rename = "promotion.order")]
    PromotionOrder,
    /// A zone takes a version only after the zone before it soaked on it.
    #[serde(rename = "promotion.soak")]
    PromotionSoak,
    /// Zones are not upgraded within the same soak window.
    #[serde(rename = "promotion.simultaneous")]
    PromotionSimultaneous,
    /// Every kubelet within the version skew policy of its API server.
    #[serde(rename = "skew.kubelet")]
    SkewKubelet,
    /// The `kubectl` on PATH within one minor version of each zone's server.
    #[serde(rename = "skew.kubectl")]
    SkewKubectl,
    /// GE workloads live in the zone's GE namespaces.
    #[serde(rename = "placement.namespace")]
    PlacementNamespace,
    /// Services use the ports of the team's ports file.
    #[serde(rename = "ports.mismatch")]
    PortsMismatch,
    /// A GE workload runs the same across the zones, or differs only by the promotion path.
    #[serde(rename = "drift.workload")]
    DriftWorkload,
    /// What each zone really uses for ingress, storage and networking.
    #[serde(rename = "zone.platform")]
    ZonePlatform,
}

impl CheckId {
    /// Every check, in the order the Checks view groups them.
    pub const ALL: [CheckId; 9] = [
        CheckId::PromotionOrder,
        CheckId::PromotionSoak,
        CheckId::PromotionSimultaneous,
        CheckId::SkewKubelet,
        CheckId::SkewKubectl,
        CheckId::PlacementNamespace,
        CheckId::PortsMismatch,
        CheckId::DriftWorkload,
        CheckId::ZonePlatform,
    ];

    /// The stable id: `promotion.order`, `skew.kubelet`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            CheckId::PromotionOrder => "promotion.order",
            CheckId::PromotionSoak => "promotion.soak",
            CheckId::PromotionSimultaneous => "promotion.simultaneous",
            CheckId::SkewKubelet => "skew.kubelet",
            CheckId::SkewKubectl => "skew.kubectl",
            CheckId::PlacementNamespace => "placement.namespace",
            CheckId::PortsMismatch => "ports.mismatch",
            CheckId::DriftWorkload => "drift.workload",
            CheckId::ZonePlatform => "zone.platform",
        }
    }

    /// The runbook line (or the policy) the check comes from, word for word.
    pub fn runbook_line(self) -> &'static str {
        match self {
            CheckId::PromotionOrder | CheckId::PromotionSoak => {
                "Upgrade Zone 1 first, soak for 1 week; promote to Zone 2, soak for 1 week; promote to Zone 3"
            }
            CheckId::PromotionSimultaneous => {
                "ANTI_PATTERN: upgrading all zones simultaneously; FIX: always follow the zone promotion path"
            }
            CheckId::SkewKubelet => {
                "Kubernetes version skew policy: a kubelet is never newer than its API server and at most three minor versions older"
            }
            CheckId::SkewKubectl => {
                "Kubernetes version skew policy: kubectl is supported within one minor version of the API server"
            }
            CheckId::PlacementNamespace => {
                "CHECK: every new resource goes into the correct namespace"
            }
            CheckId::PortsMismatch => "CHECK: ports match config/ports.yaml — never hardcode",
            CheckId::DriftWorkload => {
                "IF: Zone 1 behaviour differs from Zone 2/3 THEN: check k3s-specific pitfalls"
            }
            CheckId::ZonePlatform => {
                "k3s bundles Traefik, CoreDNS, local-path-provisioner and Flannel; UKS uses UpCloud's load balancer, block storage CSI and CNI"
            }
        }
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a finding counts: a `Fail` makes `snapshot` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckSeverity {
    /// Could not be judged (the zone is not live, the data is missing or forbidden).
    Unknown,
    /// Worth knowing: what comes next, what differs by design.
    Info,
    /// Not against the runbook yet, but close to it.
    Warn,
    /// Against the runbook.
    Fail,
}

impl CheckSeverity {
    /// `fail`, `warn`, `info`, `unknown`, as the Checks view and `snapshot` write it.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckSeverity::Unknown => "unknown",
            CheckSeverity::Info => "info",
            CheckSeverity::Warn => "warn",
            CheckSeverity::Fail => "fail",
        }
    }
}

/// One finding of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckFinding {
    /// The check.
    pub id: CheckId,
    /// The zone it is about.
    pub zone: ZoneId,
    /// How it counts.
    pub severity: CheckSeverity,
    /// What it is about: `node ge-prod-3`, `ge-agents/deployment/ge-executor`, `kubernetes`.
    pub subject: String,
    /// What is wrong (or worth knowing), in the runbook's words where it has them.
    pub message: String,
    /// Where the dates or the expected values came from: `zones file`, `observation log`,
    /// `nodes`, `ports file /srv/ge/config/ports.yaml`, `built-in table`, ...
    pub source: String,
}

/// The `kubectl` on PATH, as far as the console found out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KubectlClient {
    /// Not looked for yet.
    #[default]
    NotProbed,
    /// No `kubectl` on PATH (or it did not say its version).
    Missing,
    /// Its client version, e.g. `v1.32.3`.
    Found(String),
}

/// A version change the console saw, as its observation log in the state dir keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct VersionObservation {
    /// The zone.
    pub zone: ZoneId,
    /// The API server version it reported.
    pub version: String,
    /// When the console first saw the zone on it.
    pub at: Timestamp,
}

/// Everything the checks read.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    /// The model.
    pub fleet: &'a Fleet,
    /// The zones file: the promotion path, soak and records, the `[checks]` settings.
    pub config: &'a FleetConfig,
    /// Now, for soak clocks.
    pub now: Timestamp,
    /// The `kubectl` on PATH.
    pub kubectl: &'a KubectlClient,
    /// The console's own log of version changes, oldest first.
    pub observations: &'a [VersionObservation],
    /// The team's ports file (or the built-in table), for `ports.mismatch`.
    pub ports: &'a PortsSpec,
}

/// Every check's findings, ordered by zone, then check, then subject.
pub fn run_checks(cx: &CheckContext<'_>) -> Vec<CheckFinding> {
    let mut findings: Vec<CheckFinding> = Vec::new();
    findings.extend(promotion::check(cx));
    findings.extend(skew::check(cx));
    findings.extend(placement::check(cx));
    findings.extend(ports::check(cx));
    findings.extend(platform::check(cx));
    findings.extend(drift::check(cx));
    findings.sort_by(|a, b| {
        (a.zone, a.id, &a.subject, &a.message).cmp(&(b.zone, b.id, &b.subject, &b.message))
    });
    findings
}

/// Whether `event` can change any check's findings. Pods and Kubernetes events feed none (the
/// checks read workloads, ReplicaSets, nodes, namespaces, Services, classes and the zones'
/// links and kinds), so a batch of only those, most of a busy fleet's traffic, runs no check.
pub fn feeds_checks(event: &FleetEvent) -> bool {
    fn change_feeds(change: &ObjectChange) -> bool {
        match change {
            ObjectChange::InNamespace(_, inner) => change_feeds(inner),
            ObjectChange::Pods(_) | ObjectChange::Events(..) => false,
            ObjectChange::Nodes(_)
            | ObjectChange::Namespaces(_)
            | ObjectChange::Workloads(..)
            | ObjectChange::ReplicaSets(_)
            | ObjectChange::Services(..)
            | ObjectChange::IngressClasses(_)
            | ObjectChange::StorageClasses(_) => true,
        }
    }
    match &event.event {
        ZoneEvent::Link(_) | ZoneEvent::Kind(..) => true,
        ZoneEvent::Objects(change) => change_feeds(change),
    }
}

/// How many findings of each counting severity a zone has: (fail, warn).
pub fn zone_counts(findings: &[CheckFinding], zone: ZoneId) -> (usize, usize) {
    findings
        .iter()
        .filter(|f| f.zone == zone)
        .fold((0, 0), |(fail, warn), f| match f.severity {
            CheckSeverity::Fail => (fail + 1, warn),
            CheckSeverity::Warn => (fail, warn + 1),
            _ => (fail, warn),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_strings_and_serialise_as_them() {
        let ids: Vec<&str> = CheckId::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            ids,
            [
                "promotion.order",
                "promotion.soak",
                "promotion.simultaneous",
                "skew.kubelet",
                "skew.kubectl",
                "placement.namespace",
                "ports.mismatch",
                "drift.workload",
                "zone.platform",
            ]
        );
        for id in CheckId::ALL {
            assert_eq!(
                serde_json::to_value(id).unwrap(),
                serde_json::Value::String(id.as_str().into())
            );
        }
        assert_eq!(
            serde_json::to_value(CheckSeverity::Fail).unwrap(),
            serde_json::json!("fail")
        );
    }

    /// A pod of `namespace` in trouble or not.
    fn pod(namespace: &str, name: &str, ready: bool) -> crate::fleet::PodInfo {
        let mut pod = crate::fleet::health::tests::pod(
            namespace,
            name,
            if ready { "Running" } else { "CrashLoopBackOff" },
            ready,
        );
        pod.images = vec!["registry.ge.internal/ge-executor:hotfix".into()];
        pod
    }

    #[test]
    fn pods_and_events_feed_no_check_and_change_no_finding() {
        use crate::fleet::{KindStatus, ObjectKey, ResourceKind, StoreChange};
        let config = skew::tests::config();
        // Zones on different servers, so the promotion and skew checks have findings to lose.
        let mut fleet = skew::tests::live_fleet(&config, &["v1.33.5", "v1.34.2", "v1.32.1"]);
        let ports = crate::config::built_in_ports();
        let findings = |fleet: &Fleet| {
            run_checks(&CheckContext {
                fleet,
                config: &config,
                now: Timestamp::UNIX_EPOCH,
                kubectl: &KubectlClient::NotProbed,
                observations: &[],
                ports: &ports,
            })
        };
        let before = findings(&fleet);
        assert!(!before.is_empty(), "the fleet has findings to compare");
        let zone = config.zones[0].id;
        let changes = [
            ObjectChange::Pods(StoreChange::Upsert(pod(
                "ge-agents",
                "ge-executor-1",
                false,
            ))),
            ObjectChange::Pods(StoreChange::Upsert(pod("default", "ge-executor-x", true))),
            ObjectChange::Pods(StoreChange::Upsert(pod("kube-system", "traefik-1", false))),
            ObjectChange::InNamespace(
                "ge-data".into(),
                Box::new(ObjectChange::Pods(StoreChange::Replace(vec![pod(
                    "ge-data", "redis-0", false,
                )]))),
            ),
            ObjectChange::Pods(StoreChange::Delete(ObjectKey::new(
                "ge-agents",
                "ge-executor-1",
            ))),
            ObjectChange::Events("ge-agents".into(), StoreChange::Replace(Vec::new())),
        ];
        for change in changes {
            let event = FleetEvent::new(zone, ZoneEvent::Objects(change));
            assert!(!feeds_checks(&event), "{event:?} feeds no check");
            fleet.apply(event);
            assert_eq!(findings(&fleet), before);
        }
        let feeding = [
            ZoneEvent::Kind(ResourceKind::Pods, KindStatus::Syncing),
            ZoneEvent::Objects(ObjectChange::Nodes(StoreChange::Replace(Vec::new()))),
            ZoneEvent::Objects(ObjectChange::ReplicaSets(StoreChange::Replace(Vec::new()))),
            ZoneEvent::Objects(ObjectChange::InNamespace(
                "ge-data".into(),
                Box::new(ObjectChange::Services(
                    "ge-data".into(),
                    StoreChange::Replace(Vec::new()),
                )),
            )),
        ];
        for event in feeding {
            assert!(feeds_checks(&FleetEvent::new(zone, event)));
        }
    }

    #[test]
    fn zone_counts_count_fails_and_warnings_of_that_zone_only() {
        let finding = |zone: u32, severity| CheckFinding {
            id: CheckId::PromotionOrder,
            zone: ZoneId(zone),
            severity,
            subject: "kubernetes".into(),
            message: String::new(),
            source: String::new(),
        };
        let findings = [
            finding(1, CheckSeverity::Fail),
            finding(1, CheckSeverity::Warn),
            finding(1, CheckSeverity::Info),
            finding(1, CheckSeverity::Unknown),
            finding(2, CheckSeverity::Fail),
        ];
        assert_eq!(zone_counts(&findings, ZoneId(1)), (1, 1));
        assert_eq!(zone_counts(&findings, ZoneId(3)), (0, 0));
    }
}
