//! Unit tests of `drift.workload` on plain data.

use super::*;
use crate::config::{DEFAULT_ZONES_TOML, FleetConfig, parse_zones};
use crate::fleet::checks::{KubectlClient, run_checks};
use crate::fleet::{
    KindStatus, LinkStatus, OwnerRef, ReplicaSetInfo, ResourceKind, WorkloadInfo, ZoneEvent,
};

fn config() -> FleetConfig {
    parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap()
}

/// The three default zones (dev, staging, production), all live.
fn fleet(config: &FleetConfig) -> Fleet {
    let mut fleet = Fleet::new(config);
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

fn executor(image_tag: &str, desired: i32) -> WorkloadInfo {
    WorkloadInfo {
        kind: WorkloadKind::Deployment,
        namespace: "ge-agents".into(),
        name: "ge-executor".into(),
        generation: 1,
        observed_generation: 1,
        desired,
        current: desired,
        updated: desired,
        ready: desired,
        available: desired,
        paused: false,
        images: vec![format!("registry.local/ge-executor:{image_tag}")],
        conditions: Vec::new(),
        current_revision: None,
        update_revision: None,
        rolling_update: true,
        partition: 0,
        restarted_at: None,
        created: None,
    }
}

fn put(fleet: &mut Fleet, zone: usize, w: WorkloadInfo) {
    fleet.zones[zone].workloads.insert(w.workload_key(), w);
}

fn findings(fleet: &Fleet, config: &FleetConfig) -> Vec<CheckFinding> {
    let ports = crate::config::built_in_ports();
    let cx = CheckContext {
        fleet,
        config,
        now: "2026-03-26T12:00:00Z".parse().unwrap(),
        kubectl: &KubectlClient::NotProbed,
        observations: &[],
        ports: &ports,
    };
    check(&cx)
}

fn only(findings: &[CheckFinding]) -> Vec<(u32, CheckSeverity, String)> {
    findings
        .iter()
        .map(|f| (f.zone.0, f.severity, f.message.clone()))
        .collect()
}

#[test]
fn the_same_everywhere_says_nothing() {
    let config = config();
    let mut fleet = fleet(&config);
    for z in 0..3 {
        put(&mut fleet, z, executor("1.4.0", 1));
    }
    assert_eq!(findings(&fleet, &config), Vec::new());
    let rows = compare(&fleet, &config.promotion.path);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].differs, vec![false, false, false]);
}

#[test]
fn a_later_zone_running_an_image_the_earlier_never_ran_fails() {
    let config = config();
    let mut fleet = fleet(&config);
    put(&mut fleet, 0, executor("1.4.0", 1));
    // Staging runs a build dev never ran: not via the promotion path.
    put(&mut fleet, 1, executor("hotfix", 1));
    put(&mut fleet, 2, executor("1.4.0", 1));
    let got = only(&findings(&fleet, &config));
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, 2);
    assert_eq!(got[0].1, CheckSeverity::Fail);
    assert!(
        got[0]
            .2
            .starts_with("staging ahead of dev: not via the promotion path"),
        "{got:?}"
    );
    // Production runs what dev runs: it came along the path, and is merely behind staging.
    assert_eq!(got[1].0, 3);
    assert_eq!(got[1].1, CheckSeverity::Info);
    assert!(got[1].2.starts_with("production behind staging"), "{got:?}");
}

#[test]
fn an_image_not_yet_promoted_is_info() {
    let config = config();
    let mut fleet = fleet(&config);
    put(&mut fleet, 0, executor("1.5.0", 1));
    put(&mut fleet, 1, executor("1.4.0", 1));
    put(&mut fleet, 2, executor("1.4.0", 3));
    let got = only(&findings(&fleet, &config));
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].1, CheckSeverity::Info);
    assert_eq!(
        got[0].2,
        "staging behind dev: ge-executor:1.5.0 not yet promoted"
    );
    // Replicas differ by design: worth knowing, never a failure.
    assert_eq!(
        got[1],
        (
            3,
            CheckSeverity::Info,
            "replicas 1 in staging, 3 here".to_string()
        )
    );
    let rows = compare(&fleet, &config.promotion.path);
    assert_eq!(rows[0].differs, vec![false, true, true]);
}

#[test]
fn an_older_image_the_earlier_zone_ran_before_is_behind_not_ahead() {
    let config = config();
    let mut fleet = fleet(&config);
    put(&mut fleet, 0, executor("latest-build", 1));
    put(&mut fleet, 1, executor("previous-build", 1));
    fleet.zones[0].replicasets.insert(
        crate::fleet::ObjectKey::new("ge-agents", "ge-executor-abc"),
        ReplicaSetInfo {
            namespace: "ge-agents".into(),
            name: "ge-executor-abc".into(),
            owner: Some(OwnerRef {
                kind: "Deployment".into(),
                name: "ge-executor".into(),
            }),
            desired: 0,
            current: 0,
            ready: 0,
            available: 0,
            revision: Some(1),
            template_hash: Some("abc".into()),
            images: vec!["registry.local/ge-executor:previous-build".into()],
            created: None,
            change_cause: None,
        },
    );
    let got = only(&findings(&fleet, &config));
    assert_eq!(got[0].1, CheckSeverity::Info, "{got:?}");
    assert!(got[0].2.starts_with("staging behind dev"), "{got:?}");
}

#[test]
fn missing_is_info_when_not_yet_promoted_and_a_warning_otherwise() {
    let config = config();
    let mut fleet = fleet(&config);
    put(&mut fleet, 0, executor("1.4.0", 1));
    let got = only(&findings(&fleet, &config));
    assert_eq!(
        got,
        vec![
            (2, CheckSeverity::Info, "not yet in staging".to_string()),
            (3, CheckSeverity::Info, "not yet in production".to_string()),
        ]
    );
    // In production but not in staging: a gap along the path, not a step not taken yet.
    put(&mut fleet, 2, executor("1.4.0", 1));
    let got = only(&findings(&fleet, &config));
    assert_eq!(
        got,
        vec![(
            2,
            CheckSeverity::Warn,
            "missing in staging, present in dev, production".to_string()
        )]
    );
}

#[test]
fn a_zone_not_live_is_unknown_and_never_judged_on_stale_data() {
    let config = config();
    let mut fleet = fleet(&config);
    put(&mut fleet, 0, executor("1.4.0", 1));
    put(&mut fleet, 1, executor("hotfix", 1));
    put(&mut fleet, 2, executor("1.4.0", 1));
    // Staging's link drops: its stale workloads stay in the model but are not judged.
    fleet.zones[1].apply(ZoneEvent::Link(LinkStatus::Failed {
        error: "connection refused".into(),
        cause: crate::fleet::FailureCause::Unreachable,
        retry_at: None,
    }));
    assert_ne!(fleet.zones[1].state(), ZoneState::Live);
    let got = only(&findings(&fleet, &config));
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, 2);
    assert_eq!(got[0].1, CheckSeverity::Unknown);
    let rows = compare(&fleet, &config.promotion.path);
    assert_eq!(rows[0].cells[1].1, Cell::NotLive);
}

#[test]
fn kube_system_is_not_compared_and_run_checks_registers_drift() {
    let config = config();
    let mut fleet = fleet(&config);
    let mut traefik = executor("2.11", 1);
    traefik.namespace = "kube-system".into();
    traefik.name = "traefik".into();
    put(&mut fleet, 0, traefik);
    assert!(compare(&fleet, &config.promotion.path).is_empty());
    put(&mut fleet, 0, executor("1.4.0", 1));
    let ports = crate::config::built_in_ports();
    let cx = CheckContext {
        fleet: &fleet,
        config: &config,
        now: "2026-03-26T12:00:00Z".parse().unwrap(),
        kubectl: &KubectlClient::NotProbed,
        observations: &[],
        ports: &ports,
    };
    let all = run_checks(&cx);
    assert!(
        all.iter()
            .any(|f| f.id == CheckId::DriftWorkload
                && f.subject == "ge-agents/deployment/ge-executor"),
        "{all:?}"
    );
}

#[test]
fn promotion_order_follows_the_configured_path() {
    let mut config = config();
    config.promotion.path = vec![ZoneId(2), ZoneId(1), ZoneId(3)];
    let fleet = fleet(&config);
    assert_eq!(zone_order(&fleet, &config.promotion.path), vec![1, 0, 2]);
}
