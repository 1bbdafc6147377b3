//! `ports.mismatch` on plain data: the built-in table and a team file, each way a Service can
//! differ, missing Services, and zones that cannot be judged.

use std::path::Path;

use jiff::Timestamp;

use super::*;
use crate::config::{DEFAULT_ZONES_TOML, FleetConfig, ZoneId, parse_ports, parse_zones};
use crate::fleet::checks::{KubectlClient, run_checks};
use crate::fleet::{Fleet, LinkStatus, ObjectChange, ServicePortInfo, StoreChange, ZoneEvent};

fn config() -> FleetConfig {
    parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap()
}

/// A fleet whose zones are all live with no Services.
fn live_fleet(config: &FleetConfig) -> Fleet {
    let mut fleet = Fleet::new(config);
    for zone in &mut fleet.zones {
        zone.apply(ZoneEvent::Link(LinkStatus::Connected {
            server_version: "v1.33.5".into(),
        }));
        for kind in ResourceKind::ALL {
            zone.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
        }
    }
    fleet
}

fn port(port: i32, node_port: Option<i32>) -> ServicePortInfo {
    ServicePortInfo {
        name: String::new(),
        port,
        protocol: "TCP".into(),
        node_port,
        target_port: None,
    }
}

fn service(namespace: &str, name: &str, kind: &str, ports: Vec<ServicePortInfo>) -> ServiceInfo {
    ServiceInfo {
        namespace: namespace.into(),
        name: name.into(),
        service_type: kind.into(),
        ports,
        has_selector: true,
    }
}

/// Every Service of the wiki's table, as the table says, in `zone`.
fn conforming(fleet: &mut Fleet, zone: usize) {
    let services = [
        service("ge-data", "redis", "ClusterIP", vec![port(6381, None)]),
        service(
            "ge-system",
            "wiki",
            "NodePort",
            vec![port(8000, Some(30080))],
        ),
        service("ge-system", "admin-ui", "ClusterIP", vec![port(3000, None)]),
        service("ge-data", "postgresql", "ClusterIP", vec![port(5432, None)]),
    ];
    for ns in ["ge-data", "ge-system"] {
        let items = services
            .iter()
            .filter(|s| s.namespace == ns)
            .cloned()
            .collect();
        fleet.zones[zone].apply(ZoneEvent::Objects(ObjectChange::Services(
            ns.into(),
            StoreChange::Replace(items),
        )));
    }
}

fn upsert(fleet: &mut Fleet, zone: usize, service: ServiceInfo) {
    fleet.zones[zone].apply(ZoneEvent::Objects(ObjectChange::Services(
        service.namespace.clone(),
        StoreChange::Upsert(service),
    )));
}

fn run(fleet: &Fleet, config: &FleetConfig, ports: &PortsSpec) -> Vec<CheckFinding> {
    let cx = CheckContext {
        fleet,
        config,
        now: Timestamp::UNIX_EPOCH,
        kubectl: &KubectlClient::NotProbed,
        observations: &[],
        ports,
    };
    check(&cx)
}

#[test]
fn services_as_the_table_says_give_no_findings() {
    let config = config();
    let mut fleet = live_fleet(&config);
    for zone in 0..3 {
        conforming(&mut fleet, zone);
    }
    assert_eq!(run(&fleet, &config, &PortsSpec::default()), vec![]);
}

#[test]
fn redis_on_6379_fails_in_the_runbooks_words() {
    let config = config();
    let mut fleet = live_fleet(&config);
    for zone in 0..3 {
        conforming(&mut fleet, zone);
    }
    upsert(
        &mut fleet,
        1,
        service("ge-data", "redis", "ClusterIP", vec![port(6379, None)]),
    );
    let findings = run(&fleet, &config, &PortsSpec::default());
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(
        (f.id, f.zone, f.severity),
        (CheckId::PortsMismatch, ZoneId(2), CheckSeverity::Fail)
    );
    assert_eq!(f.subject, "ge-data/service/redis");
    assert_eq!(
        f.message,
        "Redis listens on 6379: the runbook says 6381, NOT default 6379"
    );
    assert_eq!(f.source, "built-in table (wiki)");
}

#[test]
fn node_port_and_type_differences_are_each_said() {
    let config = config();
    let mut fleet = live_fleet(&config);
    conforming(&mut fleet, 0);
    // The wiki behind a ClusterIP Service: no node port, wrong type.
    upsert(
        &mut fleet,
        0,
        service("ge-system", "wiki", "ClusterIP", vec![port(8000, None)]),
    );
    // The Admin UI exposed as a NodePort on its right port.
    upsert(
        &mut fleet,
        0,
        service(
            "ge-system",
            "admin-ui",
            "NodePort",
            vec![port(3000, Some(31555))],
        ),
    );
    let findings: Vec<CheckFinding> = run(&fleet, &config, &PortsSpec::default())
        .into_iter()
        .filter(|f| f.zone == ZoneId(1))
        .collect();
    let messages: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| (f.subject.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                "ge-system/service/admin-ui",
                "Admin UI is a NodePort Service: the runbook says ClusterIP"
            ),
            (
                "ge-system/service/wiki",
                "Wiki's node port is none: the runbook says 30080; Wiki is a ClusterIP Service: the runbook says NodePort"
            ),
        ]
    );
    assert!(findings.iter().all(|f| f.severity == CheckSeverity::Fail));
}

#[test]
fn a_node_port_on_another_number_and_a_service_in_another_namespace() {
    let config = config();
    let mut fleet = live_fleet(&config);
    conforming(&mut fleet, 0);
    upsert(
        &mut fleet,
        0,
        service(
            "ge-system",
            "wiki",
            "NodePort",
            vec![port(80, Some(30081)), port(8000, Some(30080))],
        ),
    );
    // A second "redis" elsewhere is not the ports file's redis.
    upsert(
        &mut fleet,
        0,
        service("ge-agents", "redis", "ClusterIP", vec![port(6379, None)]),
    );
    let zone1: Vec<CheckFinding> = run(&fleet, &config, &PortsSpec::default())
        .into_iter()
        .filter(|f| f.zone == ZoneId(1))
        .collect();
    // The wiki also listens on 8000 with node port 30080: as the table says.
    assert_eq!(zone1, vec![]);
}

#[test]
fn a_missing_service_is_info_and_a_teams_file_is_named() {
    let config = config();
    let mut fleet = live_fleet(&config);
    let ports = parse_ports(
        "services:\n  redis: {namespace: ge-data, port: 6390, note: \"see the sentinel setup\"}\n  report-db: {namespace: ge-data, port: 5433}\n",
        Path::new("/srv/ge-ops/config/ports.yaml"),
    )
    .unwrap();
    upsert(
        &mut fleet,
        2,
        service("ge-data", "redis", "ClusterIP", vec![port(6381, None)]),
    );
    let findings: Vec<CheckFinding> = run(&fleet, &config, &ports)
        .into_iter()
        .filter(|f| f.zone == ZoneId(3))
        .collect();
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert_eq!(findings[0].severity, CheckSeverity::Fail);
    assert_eq!(
        findings[0].message,
        "Redis listens on 6381: the ports file (ports.yaml) says 6390, see the sentinel setup"
    );
    assert_eq!(findings[1].severity, CheckSeverity::Info);
    assert_eq!(findings[1].subject, "ge-data/service/report-db");
    assert_eq!(
        findings[1].message,
        "no Service report-db in ge-data: the ports file (ports.yaml) expects one on port 5433"
    );
    assert!(
        findings
            .iter()
            .all(|f| f.source == "/srv/ge-ops/config/ports.yaml")
    );
}

#[test]
fn a_zone_down_forbidden_or_a_namespace_not_watched_is_unknown() {
    let config = config();
    let mut fleet = live_fleet(&config);
    for zone in 0..3 {
        // Redis on the wrong port everywhere: none of it may count where it cannot be judged.
        upsert(
            &mut fleet,
            zone,
            service("ge-data", "redis", "ClusterIP", vec![port(6379, None)]),
        );
    }
    // Zone 1 lost its connection: what it showed is stale.
    fleet.zones[0].apply(ZoneEvent::Link(LinkStatus::Failed {
        error: "connection refused".into(),
        cause: crate::fleet::FailureCause::Unreachable,
        retry_at: None,
    }));
    // Zone 2's credential may not list Services.
    fleet.zones[1].apply(ZoneEvent::Kind(
        ResourceKind::Services,
        KindStatus::Forbidden {
            message: "services is forbidden".into(),
        },
    ));
    // Zone 3 is judged, but the file names a namespace it does not watch.
    let ports = parse_ports(
        "services:\n  redis: {namespace: ge-data, port: 6381}\n  vault: {namespace: security, port: 8200}\n",
        Path::new("ports.yaml"),
    )
    .unwrap();
    let findings = run(&fleet, &config, &ports);
    let by_zone = |z: u32| -> Vec<&CheckFinding> {
        findings.iter().filter(|f| f.zone == ZoneId(z)).collect()
    };
    let zone1 = by_zone(1);
    assert_eq!(zone1.len(), 1);
    assert_eq!(zone1[0].severity, CheckSeverity::Unknown);
    assert!(
        zone1[0].message.starts_with("the zone is reconnecting"),
        "{}",
        zone1[0].message
    );
    let zone2 = by_zone(2);
    assert_eq!(zone2.len(), 1);
    assert_eq!(zone2[0].severity, CheckSeverity::Unknown);
    assert!(
        zone2[0].message.contains("may not list Services"),
        "{}",
        zone2[0].message
    );
    let zone3 = by_zone(3);
    let severities: Vec<(&str, CheckSeverity)> = zone3
        .iter()
        .map(|f| (f.subject.as_str(), f.severity))
        .collect();
    assert_eq!(
        severities,
        [
            ("ge-data/service/redis", CheckSeverity::Fail),
            ("security/service/vault", CheckSeverity::Unknown),
        ]
    );
    // Forbidden Services keep the zone live: the kind is optional.
    assert_eq!(fleet.zones[1].state(), ZoneState::Live);
}

#[test]
fn run_checks_includes_the_ports_findings() {
    let config = config();
    let mut fleet = live_fleet(&config);
    upsert(
        &mut fleet,
        1,
        service("ge-data", "redis", "ClusterIP", vec![port(6379, None)]),
    );
    let ports = PortsSpec::default();
    let cx = CheckContext {
        fleet: &fleet,
        config: &config,
        now: Timestamp::UNIX_EPOCH,
        kubectl: &KubectlClient::NotProbed,
        observations: &[],
        ports: &ports,
    };
    assert!(
        run_checks(&cx)
            .iter()
            .any(|f| f.id == CheckId::PortsMismatch
                && f.severity == CheckSeverity::Fail
                && f.zone == ZoneId(2))
    );
}

#[test]
fn services_refused_in_one_namespace_are_unknown_there_and_judged_elsewhere() {
    let config = config();
    let mut fleet = live_fleet(&config);
    // Redis on 6379 in ge-data, which answered; the wiki's Admin UI lives in ge-system, which
    // refused.
    upsert(
        &mut fleet,
        0,
        service("ge-data", "redis", "ClusterIP", vec![port(6379, None)]),
    );
    fleet.zones[0].apply(ZoneEvent::Kind(
        ResourceKind::Services,
        KindStatus::ForbiddenIn {
            namespaces: vec!["ge-system".into()],
            cluster_wide: false,
            message: "services is forbidden".into(),
        },
    ));
    let ports = parse_ports(
        "services:\n  redis: {namespace: ge-data, port: 6381}\n  admin-ui: {namespace: ge-system, port: 3000, type: ClusterIP}\n",
        Path::new("ports.yaml"),
    )
    .unwrap();
    let findings = run(&fleet, &config, &ports);
    let zone1: Vec<(&str, CheckSeverity, &str)> = findings
        .iter()
        .filter(|f| f.zone == ZoneId(1))
        .map(|f| (f.subject.as_str(), f.severity, f.message.as_str()))
        .collect();
    assert_eq!(zone1.len(), 2, "{zone1:#?}");
    assert_eq!(zone1[1].0, "ge-data/service/redis");
    assert_eq!(zone1[1].1, CheckSeverity::Fail);
    assert_eq!(
        zone1[0],
        (
            "ge-system/service/admin-ui",
            CheckSeverity::Unknown,
            "could not look: may not list Services in ge-system"
        )
    );
    assert_eq!(fleet.zones[0].state(), ZoneState::Live);
}
