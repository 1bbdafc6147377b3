//! The demo's runbook story, as the Checks view (`!`) of `ge-console demo` shows it: the demo
//! fleet served in-process over real HTTP, the console's real cluster layer watching it into
//! the model, and every check run with the promotion records the demo uses. The findings must
//! be exactly the ones `assets/demo-fleet.toml` documents (zone, id, severity, subject), so the
//! documented story and the fleet cannot drift apart.

use std::path::Path;
use std::time::Duration;

use ge_console::cluster;
use ge_console::config::{
    DEFAULT_ZONES_TOML, FleetConfig, PortsSpec, ZoneId, demo_promotion_records, parse_zones,
};
use ge_console::demo::{DemoFleet, DemoOptions};
use ge_console::fleet::checks::{
    CheckContext, CheckFinding, CheckId, CheckSeverity, KubectlClient, run_checks,
};
use ge_console::fleet::{Fleet, FleetEvent, KindStatus, ResourceKind, ZoneState};
use jiff::Timestamp;
use tokio::sync::mpsc;

const DEADLINE: Duration = Duration::from_secs(60);

/// Applies the cluster layer's events to `fleet` until `done` holds (or the deadline passes).
async fn until(
    fleet: &mut Fleet,
    rx: &mut mpsc::Receiver<FleetEvent>,
    what: &str,
    done: impl Fn(&Fleet) -> bool,
) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !done(fleet) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(event)) => fleet.apply(event),
            Ok(None) => panic!("the cluster layer stopped"),
            Err(_) => {
                let states: Vec<String> = fleet
                    .zones
                    .iter()
                    .map(|z| format!("{}={:?} {:?}", z.config.name, z.state(), z.kinds))
                    .collect();
                panic!("timed out waiting for {what}; zones: {states:?}");
            }
        }
    }
}

/// The findings the demo documents, as (zone, id, severity, subject), in `run_checks` order
/// (zone, check, subject, message). `skew.kubectl` is left out: it depends on the machine's
/// kubectl, and this test runs the checks as if there were none.
const DOCUMENTED: &[(&str, &str, &str, &str)] = &[
    // dev (Zone 1)
    ("dev", "promotion.soak", "info", "kubernetes"),
    (
        "dev",
        "placement.namespace",
        "fail",
        "default/deployment/ge-executor-debug",
    ),
    ("dev", "zone.platform", "info", "cni"),
    ("dev", "zone.platform", "info", "ingress"),
    ("dev", "zone.platform", "info", "storage"),
    // staging (Zone 2)
    ("staging", "promotion.soak", "info", "kubernetes"),
    ("staging", "ports.mismatch", "fail", "ge-data/service/redis"),
    (
        "staging",
        "drift.workload",
        "info",
        "default/deployment/ge-executor-debug",
    ),
    (
        "staging",
        "drift.workload",
        "info",
        "ge-agents/deployment/ge-executor",
    ),
    (
        "staging",
        "drift.workload",
        "info",
        "ge-agents/deployment/ge-sandbox",
    ),
    (
        "staging",
        "drift.workload",
        "info",
        "ge-monitoring/daemonset/health-checks",
    ),
    (
        "staging",
        "drift.workload",
        "info",
        "ge-monitoring/deployment/metrics",
    ),
    (
        "staging",
        "drift.workload",
        "info",
        "ge-system/deployment/admin-ui",
    ),
    (
        "staging",
        "drift.workload",
        "fail",
        "ge-system/deployment/orchestrator",
    ),
    (
        "staging",
        "drift.workload",
        "info",
        "ge-system/deployment/report-builder",
    ),
    (
        "staging",
        "drift.workload",
        "info",
        "ge-system/deployment/wiki",
    ),
    ("staging", "zone.platform", "info", "cni"),
    ("staging", "zone.platform", "info", "ingress"),
    ("staging", "zone.platform", "info", "storage"),
    // production (Zone 3)
    (
        "production",
        "drift.workload",
        "info",
        "default/deployment/ge-executor-debug",
    ),
    (
        "production",
        "drift.workload",
        "info",
        "ge-agents/deployment/ge-executor",
    ),
    (
        "production",
        "drift.workload",
        "info",
        "ge-agents/deployment/ge-sandbox",
    ),
    (
        "production",
        "drift.workload",
        "info",
        "ge-monitoring/daemonset/health-checks",
    ),
    (
        "production",
        "drift.workload",
        "info",
        "ge-monitoring/deployment/metrics",
    ),
    (
        "production",
        "drift.workload",
        "info",
        "ge-system/deployment/admin-ui",
    ),
    (
        "production",
        "drift.workload",
        "info",
        "ge-system/deployment/orchestrator",
    ),
    (
        "production",
        "drift.workload",
        "info",
        "ge-system/deployment/report-builder",
    ),
    (
        "production",
        "drift.workload",
        "info",
        "ge-system/deployment/wiki",
    ),
    ("production", "zone.platform", "info", "cni"),
    ("production", "zone.platform", "info", "ingress"),
    ("production", "zone.platform", "info", "storage"),
];

fn zone_name(zone: ZoneId) -> &'static str {
    match zone.0 {
        1 => "dev",
        2 => "staging",
        3 => "production",
        _ => "?",
    }
}

fn message_of<'a>(findings: &'a [CheckFinding], zone: u32, id: CheckId, subject: &str) -> &'a str {
    findings
        .iter()
        .find(|f| f.zone == ZoneId(zone) && f.id == id && f.subject == subject)
        .map(|f| f.message.as_str())
        .unwrap_or_else(|| panic!("no {id} finding about {subject} in zone {zone}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demos_checks_find_exactly_what_its_seed_documents() {
    let state = tempfile::tempdir().unwrap();
    let demo = DemoFleet::start(DemoOptions {
        state_dir: state.path().to_path_buf(),
        time_scale: 0.1,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let kubeconfig = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
    let now = Timestamp::now();
    let mut config: FleetConfig =
        parse_zones(DEFAULT_ZONES_TOML, Path::new("<test zones>")).unwrap();
    config.promotion.records = demo_promotion_records(now);
    let (tx, mut rx) = mpsc::channel(4096);
    let _tasks = cluster::spawn_fleet(&config, &kubeconfig, tx);
    let mut fleet = Fleet::new(&config);
    until(
        &mut fleet,
        &mut rx,
        "every zone live, every kind listed",
        |f| {
            f.zones.iter().all(|z| {
                z.state() == ZoneState::Live
                    && ResourceKind::ALL
                        .iter()
                        .all(|k| z.kinds.get(k) == Some(&KindStatus::Synced))
            })
        },
    )
    .await;
    let ports = PortsSpec::default();
    let findings = run_checks(&CheckContext {
        fleet: &fleet,
        config: &config,
        now,
        kubectl: &KubectlClient::Missing,
        observations: &[],
        ports: &ports,
    });
    let found: Vec<(&str, &str, &str, &str)> = findings
        .iter()
        .filter(|f| f.id != CheckId::SkewKubectl)
        .map(|f| {
            (
                zone_name(f.zone),
                f.id.as_str(),
                f.severity.as_str(),
                f.subject.as_str(),
            )
        })
        .collect();
    let listing: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}: {}",
                zone_name(f.zone),
                f.id,
                f.severity.as_str(),
                f.subject,
                f.message
            )
        })
        .collect();
    assert_eq!(found, DOCUMENTED, "\n{}", listing.join("\n"));

    // The story behind the fails, in the checks' words.
    assert_eq!(
        message_of(
            &findings,
            2,
            CheckId::DriftWorkload,
            "ge-system/deployment/orchestrator"
        ),
        "staging ahead of dev: not via the promotion path \
         (ge-orchestrator:2026.03.25-hotfix-3f9e2c1 never ran in dev)"
    );
    assert_eq!(
        message_of(
            &findings,
            3,
            CheckId::DriftWorkload,
            "ge-system/deployment/orchestrator"
        ),
        "production behind staging: ge-orchestrator:2026.03.25-hotfix-3f9e2c1 not yet promoted"
    );
    assert!(
        message_of(
            &findings,
            1,
            CheckId::PlacementNamespace,
            "default/deployment/ge-executor-debug"
        )
        .contains("ge-agents")
    );
    assert_eq!(
        message_of(
            &findings,
            2,
            CheckId::PortsMismatch,
            "ge-data/service/redis"
        ),
        "Redis listens on 6379: the runbook says 6381, NOT default 6379"
    );
    let soak = message_of(&findings, 1, CheckId::PromotionSoak, "kubernetes");
    assert!(soak.contains("dev soaking 3d of 7d"), "{soak}");
    let soaked = message_of(&findings, 2, CheckId::PromotionSoak, "kubernetes");
    assert!(soaked.contains("past the 7d soak"), "{soaked}");
    // Each kubectl finding is about the missing client, one per zone, never a failure.
    let kubectl: Vec<&CheckFinding> = findings
        .iter()
        .filter(|f| f.id == CheckId::SkewKubectl)
        .collect();
    assert_eq!(kubectl.len(), 3, "{kubectl:#?}");
    assert!(kubectl.iter().all(|f| f.severity == CheckSeverity::Info));
    demo.shutdown().await;
}
