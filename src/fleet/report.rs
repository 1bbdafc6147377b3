//! The fleet report printed by `ge-console snapshot`: stable JSON and a plain-text rendering.
//!
//! The JSON schema is documented in README.md ("Snapshot JSON"); fields are only ever added.

use serde::Serialize;

use super::checks::{CheckFinding, CheckId, CheckSeverity};
use super::health::{NamespaceSummary, PinCheck, PinStatus, SystemPodSummary, ZoneSummary};
use super::{Fleet, ZoneModel, ZoneState};

/// The whole report: one entry per configured zone.
#[derive(Debug, Clone, Serialize)]
pub struct FleetReport {
    /// One report per configured zone, in configured order.
    pub zones: Vec<ZoneReport>,
    /// The runbook checks' findings, ordered by zone, check and subject (a `fail` makes the
    /// snapshot exit 1).
    pub checks: Vec<CheckReport>,
}

/// One runbook check's finding in the report.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The check's stable id (`promotion.soak`, `drift.workload`, ...).
    pub id: CheckId,
    /// The zone's name.
    pub zone: String,
    /// `fail`, `warn`, `info` or `unknown`.
    pub severity: CheckSeverity,
    /// What it is about.
    pub subject: String,
    /// What is wrong or worth knowing.
    pub message: String,
    /// Where its data came from.
    pub source: String,
}

/// One zone in the report.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneReport {
    /// The zone's configured id.
    pub id: u32,
    /// The zone's configured name.
    pub name: String,
    /// The kubeconfig context the zone connects through.
    pub context: String,
    /// The environment label from the zones file (e.g. production, staging).
    pub environment: String,
    /// The platform label from the zones file.
    pub platform: String,
    /// The owning team or person, from the zones file.
    pub owner: String,
    /// Where the zone runs, from the zones file.
    pub location: String,
    /// The zone's state when the snapshot was taken.
    pub state: ZoneState,
    /// The error shown next to the state, if any (the link's, else the first failing kind's).
    pub error: Option<String>,
    /// The server's version, when the zone has been reached.
    pub server_version: Option<String>,
    /// Kinds the zone's credentials may not list (`{"kind": "nodes", "message": "..."}`).
    pub forbidden: Vec<ForbiddenKind>,
    /// The zone's nodes, with the versions they run.
    pub nodes: Vec<NodeReport>,
    /// Every configured version pin, checked.
    pub pins: Vec<PinCheck>,
    /// The kube-system pods block.
    pub system_pods: SystemPodSummary,
    /// One block per configured namespace.
    pub namespaces: Vec<NamespaceSummary>,
    /// Human-readable failed checks (empty when healthy).
    pub failed_checks: Vec<String>,
}

/// A kind the zone may not list.
#[derive(Debug, Clone, Serialize)]
pub struct ForbiddenKind {
    /// The kind's plural resource name (`nodes`, `pods`, ...).
    pub kind: String,
    /// The server's refusal message.
    pub message: String,
    /// The namespaces that refused, when the kind is watched namespace by namespace and the
    /// others answered; empty when the kind is refused wherever it was asked for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
}

/// A node in the report.
#[derive(Debug, Clone, Serialize)]
pub struct NodeReport {
    /// The node's name.
    pub name: String,
    /// The node's Ready condition is True.
    pub ready: bool,
    /// The kubelet version the node reports.
    pub kubelet_version: String,
    /// The container runtime and its version.
    pub container_runtime: String,
    /// The OS image the node reports.
    pub os_image: String,
}

/// How the snapshot ends, mapped to the process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotOutcome {
    /// Every zone live and every check passed (exit 0).
    Healthy,
    /// Every zone reachable, but a check failed (exit 1).
    ChecksFailed,
    /// A zone could not be reached, was unauthorised or not configured (exit 2).
    ZoneDown,
}

impl SnapshotOutcome {
    /// The process exit status.
    pub fn exit_code(self) -> u8 {
        match self {
            SnapshotOutcome::Healthy => 0,
            SnapshotOutcome::ChecksFailed => 1,
            SnapshotOutcome::ZoneDown => 2,
        }
    }
}

impl FleetReport {
    /// Builds the report; a zone still connecting when the report is taken is reported as
    /// unreachable, since it did not answer in time.
    pub fn of(fleet: &Fleet) -> Self {
        FleetReport {
            zones: fleet.zones.iter().map(zone_report).collect(),
            checks: Vec::new(),
        }
    }

    /// The report with the runbook checks' `findings` about `fleet`.
    pub fn with_checks(mut self, fleet: &Fleet, findings: &[CheckFinding]) -> Self {
        self.checks = findings
            .iter()
            .map(|f| CheckReport {
                id: f.id,
                zone: fleet
                    .zone(f.zone)
                    .map_or_else(|| f.zone.to_string(), |z| z.config.name.clone()),
                severity: f.severity,
                subject: f.subject.clone(),
                message: f.message.clone(),
                source: f.source.clone(),
            })
            .collect();
        self
    }

    /// The worst outcome over all zones.
    pub fn outcome(&self) -> SnapshotOutcome {
        let mut outcome = SnapshotOutcome::Healthy;
        for z in &self.zones {
            let this = match z.state {
                ZoneState::Live if z.failed_checks.is_empty() => SnapshotOutcome::Healthy,
                ZoneState::Live | ZoneState::Syncing => SnapshotOutcome::ChecksFailed,
                // Reconnecting at the end of the wait: the zone was reached, then lost.
                _ => SnapshotOutcome::ZoneDown,
            };
            if this.exit_code() > outcome.exit_code() {
                outcome = this;
            }
        }
        if outcome == SnapshotOutcome::Healthy
            && self
                .checks
                .iter()
                .any(|c| c.severity == CheckSeverity::Fail)
        {
            outcome = SnapshotOutcome::ChecksFailed;
        }
        outcome
    }

    /// A plain-text rendering for terminals and logs.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for z in &self.zones {
            out.push_str(&format!(
                "Z{} {} ({}, {}, owner {}, context {}): {}",
                z.id,
                z.name,
                z.environment,
                z.platform,
                z.owner,
                z.context,
                z.state.as_str()
            ));
            if let Some(e) = &z.error {
                out.push_str(&format!(" ({e})"));
            }
            out.push('\n');
            if let Some(v) = &z.server_version {
                out.push_str(&format!("  server {v}\n"));
            }
            for f in &z.forbidden {
                if f.namespaces.is_empty() {
                    out.push_str(&format!("  forbidden: {} ({})\n", f.kind, f.message));
                } else {
                    out.push_str(&format!(
                        "  forbidden: {} in {} ({})\n",
                        f.kind,
                        f.namespaces.join(", "),
                        f.message
                    ));
                }
            }
            for n in &z.nodes {
                out.push_str(&format!(
                    "  node {} {} kubelet {} runtime {}\n",
                    n.name,
                    if n.ready { "Ready" } else { "NotReady" },
                    n.kubelet_version,
                    n.container_runtime
                ));
            }
            for p in &z.pins {
                let (mark, actual) = match p.status {
                    PinStatus::Ok => ("✓", p.actual.as_deref().unwrap_or("not found")),
                    PinStatus::Failed => ("✗", p.actual.as_deref().unwrap_or("not found")),
                    PinStatus::Unknown => ("?", "unknown"),
                };
                out.push_str(&format!(
                    "  {} {} {} (pinned {})\n",
                    mark, p.component, actual, p.pinned
                ));
            }
            out.push_str(&format!(
                "  system pods {}/{} ready\n",
                z.system_pods.ready, z.system_pods.total
            ));
            for p in &z.system_pods.problems {
                out.push_str(&format!(
                    "    {} {} restarts {}\n",
                    p.name, p.reason, p.restarts
                ));
            }
            for ns in &z.namespaces {
                out.push_str(&format!(
                    "  {}{}\n",
                    ns.name,
                    if ns.exists { "" } else { " (missing)" }
                ));
                for w in &ns.workloads {
                    out.push_str(&format!(
                        "    {} {} {}/{} {}\n",
                        w.kind.short(),
                        w.name,
                        w.ready,
                        w.desired,
                        w.rollout.word()
                    ));
                }
                for p in &ns.pods_not_ready {
                    out.push_str(&format!("    pod {} {}\n", p.name, p.reason));
                }
            }
            let checks: Vec<&CheckReport> =
                self.checks.iter().filter(|c| c.zone == z.name).collect();
            if !checks.is_empty() {
                out.push_str("  checks\n");
            }
            for c in checks {
                out.push_str(&format!(
                    "    {} {} {}: {} (source: {})\n",
                    c.severity.as_str(),
                    c.id,
                    c.subject,
                    c.message,
                    c.source
                ));
            }
        }
        out
    }
}

fn zone_report(zone: &ZoneModel) -> ZoneReport {
    let summary = ZoneSummary::of(zone);
    let state = match summary.state {
        ZoneState::Connecting => ZoneState::Unreachable,
        s => s,
    };
    let error = zone.error().or_else(|| {
        (zone.state() == ZoneState::Connecting).then(|| "no answer before the timeout".into())
    });
    let c = &zone.config;
    ZoneReport {
        id: c.id.0,
        name: c.name.clone(),
        context: c.context.clone(),
        environment: c.environment.clone(),
        platform: c.platform.clone(),
        owner: c.owner.clone(),
        location: c.location.clone(),
        state,
        error,
        server_version: zone.server_version.clone(),
        forbidden: zone
            .forbidden_kinds()
            .into_iter()
            .map(|(k, m)| ForbiddenKind {
                kind: k.plural().to_string(),
                message: m.to_string(),
                namespaces: Vec::new(),
            })
            .chain(
                zone.kinds_forbidden_in_namespaces()
                    .into_iter()
                    .map(|(k, namespaces, m)| ForbiddenKind {
                        kind: k.plural().to_string(),
                        message: m.to_string(),
                        namespaces: namespaces.to_vec(),
                    }),
            )
            .collect(),
        nodes: zone
            .nodes
            .values()
            .map(|n| NodeReport {
                name: n.name.clone(),
                ready: n.ready,
                kubelet_version: n.kubelet_version.clone(),
                container_runtime: n.container_runtime.clone(),
                os_image: n.os_image.clone(),
            })
            .collect(),
        failed_checks: {
            let mut failed = summary.failed_checks();
            // What may not be listed cannot be checked: not healthy without evidence. Events
            // are checked by nothing, so a credential without them is still healthy.
            failed.extend(
                zone.forbidden_kinds()
                    .into_iter()
                    .filter(|(k, _)| !k.is_optional())
                    .map(|(k, _)| format!("{} cannot be checked: forbidden", k.plural())),
            );
            failed.extend(
                zone.kinds_forbidden_in_namespaces()
                    .into_iter()
                    .filter(|(k, _, _)| !k.is_optional())
                    .map(|(k, namespaces, _)| {
                        format!(
                            "{} cannot be checked in {}: forbidden",
                            k.plural(),
                            namespaces.join(", ")
                        )
                    }),
            );
            if summary.state == ZoneState::Syncing {
                failed.push("not every kind had synced when the snapshot was taken".into());
            }
            failed
        },
        pins: summary.pins,
        system_pods: summary.system_pods,
        namespaces: summary.namespaces,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_ZONES_TOML, parse_zones};
    use crate::fleet::{FailureCause, KindStatus, LinkStatus, ResourceKind, ZoneEvent};

    fn all_live() -> Fleet {
        let config = parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap();
        let mut fleet = Fleet::new(&config);
        for zone in &mut fleet.zones {
            zone.apply(ZoneEvent::Link(LinkStatus::Connected {
                server_version: "v1.33.5".into(),
            }));
            for k in ResourceKind::ALL {
                zone.apply(ZoneEvent::Kind(k, KindStatus::Synced));
            }
        }
        fleet
    }

    #[test]
    fn a_failed_runbook_check_is_in_checks_and_makes_the_snapshot_exit_1() {
        use crate::config::ZoneId;
        use crate::fleet::checks::{CheckFinding, CheckId, CheckSeverity};
        let fleet = all_live();
        let healthy = FleetReport::of(&fleet);
        // Staging is pinned to v1.33.x, which its server runs: healthy before the checks.
        assert!(healthy.zones[1].failed_checks.is_empty());
        let finding = |severity| CheckFinding {
            id: CheckId::DriftWorkload,
            zone: ZoneId(2),
            severity,
            subject: "ge-agents/deployment/ge-executor".into(),
            message: "staging ahead of dev: not via the promotion path".into(),
            source: "workloads".into(),
        };
        let warned = FleetReport::of(&fleet).with_checks(&fleet, &[finding(CheckSeverity::Warn)]);
        let warned_outcome = warned.outcome();
        let failed = FleetReport::of(&fleet).with_checks(&fleet, &[finding(CheckSeverity::Fail)]);
        assert_eq!(failed.outcome(), SnapshotOutcome::ChecksFailed);
        assert_eq!(failed.outcome().exit_code(), 1);
        assert_eq!(warned_outcome, healthy.outcome(), "a warning does not fail");
        let json = serde_json::to_value(&failed).unwrap();
        assert_eq!(
            json["checks"][0],
            serde_json::json!({
                "id": "drift.workload",
                "zone": "staging",
                "severity": "fail",
                "subject": "ge-agents/deployment/ge-executor",
                "message": "staging ahead of dev: not via the promotion path",
                "source": "workloads",
            })
        );
        let text = failed.to_text();
        let staging = text.find("Z2 staging").unwrap();
        let production = text.find("Z3 production").unwrap();
        let line = text
            .find("    fail drift.workload ge-agents/deployment/ge-executor: staging ahead of dev")
            .unwrap_or_else(|| panic!("{text}"));
        assert!(
            staging < line && line < production,
            "listed under its zone: {text}"
        );
    }

    #[test]
    fn a_zone_lost_after_being_live_is_down_not_merely_failing_a_check() {
        let mut fleet = all_live();
        fleet.zones[1].apply(ZoneEvent::Kind(
            ResourceKind::Pods,
            KindStatus::Failed {
                error: "connection refused".into(),
                cause: FailureCause::Unreachable,
                retry_at: None,
            },
        ));
        let report = FleetReport::of(&fleet);
        assert_eq!(report.zones[1].state, ZoneState::Reconnecting);
        assert_eq!(report.outcome(), SnapshotOutcome::ZoneDown);
    }

    #[test]
    fn zones_never_reached_report_unknown_pins_and_count_once() {
        // Zone 1 live; zone 2 without a context; zone 3 refused before it ever connected.
        let config = parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap();
        let mut fresh = Fleet::new(&config);
        fresh.zones[0] = all_live().zones[0].clone();
        fresh.zones[1].apply(ZoneEvent::Link(LinkStatus::NotConfigured {
            reason: "context ge-staging not in kubeconfig".into(),
        }));
        fresh.zones[2].apply(ZoneEvent::Link(LinkStatus::Failed {
            error: "dial tcp: connection refused".into(),
            cause: FailureCause::Unreachable,
            retry_at: None,
        }));
        let report = FleetReport::of(&fresh);
        assert_eq!(report.outcome(), SnapshotOutcome::ZoneDown);
        let json = serde_json::to_value(&report).unwrap();
        for (i, state) in [(1, "not_configured"), (2, "unreachable")] {
            let zone = &json["zones"][i];
            assert_eq!(zone["state"], state);
            let pins = zone["pins"].as_array().unwrap();
            assert!(!pins.is_empty());
            for pin in pins {
                assert_eq!(pin["status"], "unknown", "{pin}");
                assert_eq!(pin["actual"], serde_json::Value::Null);
            }
            assert_eq!(zone["failed_checks"].as_array().unwrap().len(), 1, "{zone}");
        }
        assert_ne!(
            json["zones"][0]["pins"][0]["status"], "unknown",
            "a live zone's pins are still checked"
        );
        let text = report.to_text();
        assert!(
            text.contains("  ? kubernetes unknown (pinned v1.33.x)"),
            "{text}"
        );
        assert!(!text.contains("✗ kubernetes not found"), "{text}");
    }

    #[test]
    fn what_may_not_be_listed_is_a_failed_check_not_a_healthy_zone() {
        let mut fleet = all_live();
        fleet.zones[0].apply(ZoneEvent::Kind(
            ResourceKind::Pods,
            KindStatus::Forbidden {
                message: "pods is forbidden".into(),
            },
        ));
        let report = FleetReport::of(&fleet);
        assert_eq!(report.zones[0].state, ZoneState::Live);
        assert!(
            report.zones[0]
                .failed_checks
                .contains(&"pods cannot be checked: forbidden".to_string()),
            "{:?}",
            report.zones[0].failed_checks
        );
        assert_eq!(report.zones[0].forbidden[0].kind, "pods");
        assert_eq!(report.outcome(), SnapshotOutcome::ChecksFailed);
    }

    #[test]
    fn events_that_may_not_be_listed_are_shown_but_fail_no_check() {
        let mut fleet = all_live();
        let before = FleetReport::of(&fleet);
        // Staging (pinned to v1.33.x, which its server runs) is healthy to begin with.
        assert!(before.zones[1].failed_checks.is_empty());
        fleet.zones[1].apply(ZoneEvent::Kind(
            ResourceKind::Events,
            KindStatus::Forbidden {
                message: "events is forbidden".into(),
            },
        ));
        fleet.zones[0].apply(ZoneEvent::Kind(ResourceKind::Events, KindStatus::NotServed));
        let report = FleetReport::of(&fleet);
        for (zone, was) in report.zones.iter().zip(&before.zones) {
            assert_eq!(zone.state, ZoneState::Live, "{}", zone.name);
            assert_eq!(zone.failed_checks, was.failed_checks, "{}", zone.name);
        }
        assert_eq!(report.zones[1].forbidden[0].kind, "events");
        assert_eq!(report.outcome(), before.outcome());
    }
}
