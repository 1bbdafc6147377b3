//! `placement.namespace` on plain data: the built-in three zones made live by hand, with
//! workloads put where the cases need them.

use std::sync::Arc;

use jiff::Timestamp;

use super::*;
use crate::config::{FleetConfig, ZoneId};
use crate::fleet::checks::KubectlClient;
use crate::fleet::checks::skew::tests::{config, live_fleet};
use crate::fleet::{WorkloadKey, ZoneEvent};

/// A Deployment (or other `kind`) running `image`, all replicas ready.
fn workload(kind: WorkloadKind, namespace: &str, name: &str, image: &str) -> WorkloadInfo {
    WorkloadInfo {
        kind,
        namespace: namespace.into(),
        name: name.into(),
        generation: 1,
        observed_generation: 1,
        desired: 1,
        current: 1,
        updated: 1,
        ready: 1,
        available: 1,
        paused: false,
        images: vec![image.into()],
        conditions: Vec::new(),
        current_revision: None,
        update_revision: None,
        rolling_update: true,
        partition: 0,
        restarted_at: None,
        created: None,
    }
}

/// Puts a Deployment into `zone`.
fn deploy(zone: &mut ZoneModel, namespace: &str, name: &str, image: &str) {
    put(
        zone,
        workload(WorkloadKind::Deployment, namespace, name, image),
    );
}

/// Puts any workload into `zone`.
fn put(zone: &mut ZoneModel, workload: WorkloadInfo) {
    zone.workloads.insert(workload.workload_key(), workload);
}

/// Runs the placement check over `fleet`.
fn run(fleet: &Fleet, config: &FleetConfig) -> Vec<CheckFinding> {
    check(&CheckContext {
        fleet,
        config,
        now: Timestamp::UNIX_EPOCH,
        kubectl: &KubectlClient::NotProbed,
        observations: &[],
        ports: &crate::config::built_in_ports(),
    })
}

/// (zone, severity, subject, message, source) of each finding.
fn summary(findings: &[CheckFinding]) -> Vec<(u32, &str, &str, &str, &str)> {
    findings
        .iter()
        .inspect(|f| assert_eq!(f.id, CheckId::PlacementNamespace))
        .map(|f| {
            (
                f.zone.0,
                f.severity.as_str(),
                f.subject.as_str(),
                f.message.as_str(),
                f.source.as_str(),
            )
        })
        .collect()
}

const GE_NAMESPACES: &str = "ge-system, ge-agents, ge-data, ge-monitoring";

#[test]
fn workloads_in_their_namespaces_and_foreign_ones_anywhere_pass() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2", "v1.34.2", "v1.34.2"]);
    let dev = &mut fleet.zones[0];
    deploy(
        dev,
        "ge-agents",
        "ge-executor",
        "registry.ge.internal/ge-executor:1.4.0",
    );
    deploy(
        dev,
        "ge-data",
        "postgresql",
        "registry.local/ge/postgres:16",
    );
    deploy(dev, "default", "nginx", "docker.io/library/nginx:1.27");
    deploy(
        dev,
        "kube-system",
        "coredns",
        "rancher/mirrored-coredns-coredns:1.12.3",
    );
    deploy(dev, "tools", "ge", "docker.io/library/busybox:1");
    assert_eq!(summary(&run(&fleet, &config)), []);
}

#[test]
fn a_ge_executor_in_default_belongs_in_ge_agents_by_its_name() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2", "v1.34.2", "v1.34.2"]);
    deploy(
        &mut fleet.zones[0],
        "default",
        "ge-executor-debug",
        "registry.ge.internal/ge-executor:1.4.1-debug",
    );
    let findings = run(&fleet, &config);
    let message = format!(
        "GE workload ge-executor-debug is in namespace default, which is not one of the zone's \
         GE namespaces ({GE_NAMESPACES}): it belongs in ge-agents (by its name, as the wiki's GE \
         Namespaces table says)"
    );
    assert_eq!(
        summary(&findings),
        [(
            1,
            "fail",
            "default/deployment/ge-executor-debug",
            message.as_str(),
            "zones file namespaces, built-in namespace table"
        )]
    );
    // The subject is the workload's key, so the Checks view can lead to it.
    assert_eq!(
        WorkloadKey::parse(&findings[0].subject),
        Some(
            fleet.zones[0]
                .workloads
                .values()
                .next()
                .unwrap()
                .workload_key()
        )
    );
}

#[test]
fn the_name_table_covers_the_wikis_namespaces() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2", "v1.34.2", "v1.34.2"]);
    for name in [
        "ge-admin-ui",
        "ge-orchestrator",
        "ge-wiki",
        "ge-postgres",
        "ge-redis",
        "ge-metrics",
        "ge-monitoring-agent",
    ] {
        deploy(
            &mut fleet.zones[0],
            "apps",
            name,
            "registry.ge.internal/x:1",
        );
    }
    let belongs: Vec<(String, String)> = run(&fleet, &config)
        .iter()
        .map(|f| {
            let name = f.subject.rsplit('/').next().unwrap_or_default().to_string();
            let target = f
                .message
                .split("it belongs in ")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .unwrap_or("-")
                .to_string();
            (name, target)
        })
        .collect();
    let expected = [
        ("ge-admin-ui", "ge-system"),
        ("ge-metrics", "ge-monitoring"),
        ("ge-monitoring-agent", "ge-monitoring"),
        ("ge-orchestrator", "ge-system"),
        ("ge-postgres", "ge-data"),
        ("ge-redis", "ge-data"),
        ("ge-wiki", "ge-system"),
    ]
    .map(|(n, t)| (n.to_string(), t.to_string()));
    assert_eq!(belongs, expected);
}

#[test]
fn another_zones_placement_wins_over_the_name_table() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2", "v1.34.2", "v1.34.2"]);
    deploy(
        &mut fleet.zones[0],
        "default",
        "ge-redis-cache",
        "registry.ge.internal/redis:7",
    );
    // Staging runs it outside the GE namespaces too: that is no evidence.
    deploy(
        &mut fleet.zones[1],
        "sandbox",
        "ge-redis-cache",
        "registry.ge.internal/redis:7",
    );
    deploy(
        &mut fleet.zones[2],
        "ge-system",
        "ge-redis-cache",
        "registry.ge.internal/redis:7",
    );
    let findings = run(&fleet, &config);
    let dev: Vec<_> = findings.iter().filter(|f| f.zone == ZoneId(1)).collect();
    assert_eq!(dev.len(), 1);
    assert!(
        dev[0]
            .message
            .ends_with(": it belongs in ge-system (where production runs it)"),
        "{}",
        dev[0].message
    );
    assert_eq!(
        dev[0].source,
        "zones file namespaces, workloads of production"
    );
    // Staging's copy is misplaced as well, and is told the same.
    let staging: Vec<_> = findings.iter().filter(|f| f.zone == ZoneId(2)).collect();
    assert_eq!(staging.len(), 1);
    assert_eq!(staging[0].subject, "sandbox/deployment/ge-redis-cache");
    assert!(staging[0].message.contains("(where production runs it)"));
}

#[test]
fn another_zones_workload_of_another_kind_is_no_evidence() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2", "v1.34.2", "v1.34.2"]);
    deploy(
        &mut fleet.zones[0],
        "default",
        "ge-scheduler",
        "registry.ge.internal/s:1",
    );
    put(
        &mut fleet.zones[1],
        workload(
            WorkloadKind::StatefulSet,
            "ge-data",
            "ge-scheduler",
            "registry.ge.internal/s:1",
        ),
    );
    let findings = run(&fleet, &config);
    assert_eq!(findings.len(), 1);
    assert!(
        findings[0]
            .message
            .ends_with(": ask the zone owner which namespace it belongs in"),
        "{}",
        findings[0].message
    );
    assert_eq!(findings[0].source, "zones file namespaces");
}

#[test]
fn ge_by_registry_names_the_image_and_asks_the_owner_when_nothing_says_where() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2", "v1.34.2", "v1.34.2"]);
    put(
        &mut fleet.zones[2],
        workload(
            WorkloadKind::DaemonSet,
            "default",
            "log-shipper",
            "registry.local/ge/log-shipper:0.3",
        ),
    );
    let message = format!(
        "GE workload log-shipper (its image registry.local/ge/log-shipper:0.3 comes from \
         registry.local/ge/) is in namespace default, which is not one of the zone's GE \
         namespaces ({GE_NAMESPACES}): ask the zone owner which namespace it belongs in"
    );
    assert_eq!(
        summary(&run(&fleet, &config)),
        [(
            3,
            "fail",
            "default/daemonset/log-shipper",
            message.as_str(),
            "zones file namespaces"
        )]
    );
}

#[test]
fn the_registries_come_from_the_zones_file() {
    let mut config = config();
    config.checks.registries = vec!["ghcr.io/ge-team/".into()];
    let mut fleet = live_fleet(&config, &["v1.34.2", "v1.34.2", "v1.34.2"]);
    deploy(
        &mut fleet.zones[0],
        "default",
        "worker",
        "registry.ge.internal/worker:1",
    );
    deploy(
        &mut fleet.zones[0],
        "default",
        "builder",
        "ghcr.io/ge-team/builder:2",
    );
    let findings = run(&fleet, &config);
    let subjects: Vec<&str> = findings.iter().map(|f| f.subject.as_str()).collect();
    assert_eq!(subjects, ["default/deployment/builder"]);
}

#[test]
fn kube_system_is_not_a_ge_namespace() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2", "v1.34.2", "v1.34.2"]);
    deploy(
        &mut fleet.zones[0],
        "kube-system",
        "ge-metrics-exporter",
        "registry.ge.internal/m:1",
    );
    let findings = run(&fleet, &config);
    assert_eq!(findings.len(), 1);
    assert!(
        findings[0].message.starts_with(
            "GE workload ge-metrics-exporter is in namespace kube-system, which is not one of"
        ),
        "{}",
        findings[0].message
    );
    assert!(findings[0].message.ends_with(
        "it belongs in ge-monitoring (by its name, as the wiki's GE Namespaces table says)"
    ));
}

#[test]
fn the_name_table_suggests_only_namespaces_the_zone_has() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2", "v1.34.2", "v1.34.2"]);
    Arc::make_mut(&mut fleet.zones[0].config).namespaces =
        vec!["ge-system".into(), "kube-system".into()];
    deploy(
        &mut fleet.zones[0],
        "ge-agents",
        "ge-executor",
        "registry.ge.internal/e:1",
    );
    let findings = run(&fleet, &config);
    assert_eq!(findings.len(), 1);
    assert_eq!(
        findings[0].message,
        "GE workload ge-executor is in namespace ge-agents, which is not one of the zone's GE \
         namespaces (ge-system): ask the zone owner which namespace it belongs in"
    );
}

#[test]
fn forbidden_workload_kinds_say_the_check_could_not_look() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2", "v1.34.2", "v1.34.2"]);
    let dev = &mut fleet.zones[0];
    dev.apply(ZoneEvent::Kind(
        ResourceKind::Deployments,
        KindStatus::Forbidden {
            message: "deployments.apps is forbidden: User \"viewer\" cannot list resource \
                      \"deployments\" in API group \"apps\" at the cluster scope"
                .into(),
        },
    ));
    put(
        dev,
        workload(
            WorkloadKind::StatefulSet,
            "default",
            "ge-postgres",
            "registry.ge.internal/p:16",
        ),
    );
    let findings = run(&fleet, &config);
    let dev: Vec<_> = summary(&findings)
        .into_iter()
        .filter(|f| f.0 == 1)
        .map(|(_, severity, subject, message, _)| (severity, subject, message))
        .collect();
    assert_eq!(dev.len(), 2, "{dev:#?}");
    assert_eq!(
        dev[0],
        (
            "unknown",
            "deployments",
            "could not look: deployments.apps is forbidden: User \"viewer\" cannot list resource \
             \"deployments\" in API group \"apps\" at the cluster scope"
        )
    );
    // The kinds it may list are still checked.
    assert_eq!(dev[1].0, "fail");
    assert_eq!(dev[1].1, "default/statefulset/ge-postgres");
}

#[test]
fn a_zone_not_live_is_unknown_never_judged_on_stale_workloads() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2", "v1.34.2"]);
    deploy(
        &mut fleet.zones[0],
        "default",
        "ge-executor-debug",
        "registry.ge.internal/e:1",
    );
    fleet.zones[0].apply(ZoneEvent::Kind(
        ResourceKind::Pods,
        KindStatus::Failed {
            error: "connection reset".into(),
            cause: crate::fleet::FailureCause::Unreachable,
            retry_at: None,
        },
    ));
    let findings = run(&fleet, &config);
    assert_eq!(
        summary(&findings),
        [
            (
                1,
                "unknown",
                "workloads",
                "zone is reconnecting: placement not judged on what it showed before",
                "workloads"
            ),
            (
                3,
                "unknown",
                "workloads",
                "zone is connecting: placement not judged on what it showed before",
                "workloads"
            ),
        ]
    );
}

#[test]
fn workloads_seen_only_in_the_zones_namespaces_could_not_be_looked_at_cluster_wide() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2", "v1.34.2", "v1.34.2"]);
    let dev = &mut fleet.zones[0];
    // A Role in ge-agents only: the cluster-wide list was refused, the zone's namespaces
    // were watched instead and all but ge-agents refused too.
    dev.apply(ZoneEvent::Kind(
        ResourceKind::Deployments,
        KindStatus::ForbiddenIn {
            namespaces: vec!["ge-system".into(), "ge-data".into()],
            cluster_wide: true,
            message: "deployments.apps is forbidden".into(),
        },
    ));
    deploy(dev, "ge-agents", "ge-executor", "registry.ge.internal/e:1");
    let findings = run(&fleet, &config);
    let dev: Vec<_> = summary(&findings)
        .into_iter()
        .filter(|f| f.0 == 1)
        .map(|(_, severity, subject, message, _)| (severity, subject, message))
        .collect();
    assert_eq!(
        dev,
        [(
            "unknown",
            "deployments",
            "could not look: may not list deployments cluster-wide, only the zone's namespaces \
             are seen (deployments.apps is forbidden)"
        )]
    );
}
