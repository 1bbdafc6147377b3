//! `skew.kubelet` and `skew.kubectl` on plain data: the built-in three zones made live by hand.

use std::path::Path;

use jiff::Timestamp;

use super::*;
use crate::config::{DEFAULT_ZONES_TOML, FleetConfig, ZoneId, parse_zones};
use crate::fleet::{Fleet, LinkStatus, NodeInfo, ObjectKey, ZoneEvent};

/// The team's three zones from the built-in zones file.
pub(crate) fn config() -> FleetConfig {
    parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap()
}

/// Connects `zone` to a server on `server` and settles every watched kind: the zone is live.
pub(crate) fn make_live(zone: &mut ZoneModel, server: &str) {
    zone.apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: server.into(),
    }));
    for kind in ResourceKind::ALL {
        zone.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
    }
    assert_eq!(zone.state(), ZoneState::Live);
}

/// A fleet of the built-in zones, each live on the server version at its index.
pub(crate) fn live_fleet(config: &FleetConfig, servers: &[&str]) -> Fleet {
    let mut fleet = Fleet::new(config);
    for (zone, server) in fleet.zones.iter_mut().zip(servers) {
        make_live(zone, server);
    }
    fleet
}

/// Adds a ready node with this kubelet to `zone`.
fn add_node(zone: &mut ZoneModel, name: &str, kubelet: &str) {
    zone.nodes.insert(
        ObjectKey::cluster(name),
        NodeInfo {
            name: name.into(),
            ready: true,
            unschedulable: false,
            roles: Vec::new(),
            kubelet_version: kubelet.into(),
            container_runtime: "containerd://2.1.4".into(),
            os_image: "Ubuntu 24.04".into(),
            kernel_version: "6.8.0".into(),
            created: None,
        },
    );
}

/// Runs the skew checks over `fleet` with this `kubectl`.
fn run(fleet: &Fleet, config: &FleetConfig, kubectl: &KubectlClient) -> Vec<CheckFinding> {
    check(&CheckContext {
        fleet,
        config,
        now: Timestamp::UNIX_EPOCH,
        kubectl,
        observations: &[],
        ports: &crate::config::built_in_ports(),
    })
}

/// (zone, id, severity, subject, message) of each finding, for whole-list assertions.
fn summary(findings: &[CheckFinding]) -> Vec<(u32, &str, &str, &str, &str)> {
    findings
        .iter()
        .map(|f| {
            (
                f.zone.0,
                f.id.as_str(),
                f.severity.as_str(),
                f.subject.as_str(),
                f.message.as_str(),
            )
        })
        .collect()
}

#[test]
fn minor_versions_ignore_distribution_builds_and_vendor_suffixes() {
    let v = |major, minor| Some(MinorVersion { major, minor });
    assert_eq!(MinorVersion::parse("v1.34.2+k3s1"), v(1, 34));
    assert_eq!(MinorVersion::parse("v1.31.4-eks-1234"), v(1, 31));
    assert_eq!(MinorVersion::parse("1.30"), v(1, 30));
    assert_eq!(MinorVersion::parse("v1"), None);
    assert_eq!(MinorVersion::parse(""), None);
    assert_eq!(MinorVersion::parse("latest"), None);
    assert_eq!(
        MinorVersion::parse("v1.34.2+k3s1")
            .unwrap()
            .next()
            .to_string(),
        "v1.35"
    );
}

#[test]
fn equal_versions_and_k3s_builds_pass() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2+k3s1", "v1.34.1", "v1.33.5"]);
    add_node(&mut fleet.zones[0], "dev-1", "v1.34.2+k3s1");
    add_node(&mut fleet.zones[0], "dev-2", "v1.34.1+k3s2");
    add_node(&mut fleet.zones[1], "staging-1", "v1.34.1");
    add_node(&mut fleet.zones[1], "staging-2", "v1.32.9");
    add_node(&mut fleet.zones[2], "prod-1", "v1.33.5");
    let findings = run(&fleet, &config, &KubectlClient::NotProbed);
    assert_eq!(summary(&findings), []);
}

#[test]
fn a_kubelet_newer_than_its_api_server_fails() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.33.5+k3s1"]);
    add_node(&mut fleet.zones[0], "dev-1", "v1.34.0+k3s1");
    let findings = kubelet_findings(&fleet.zones[0]);
    assert_eq!(
        summary(&findings),
        [(
            1,
            "skew.kubelet",
            "fail",
            "node dev-1",
            "kubelet v1.34.0+k3s1 is newer than its API server v1.33.5+k3s1: a kubelet is never \
             newer than its API server"
        )]
    );
    assert_eq!(findings[0].source, "nodes and the API server's /version");
}

#[test]
fn a_newer_patch_of_the_same_minor_is_within_policy() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.1"]);
    add_node(&mut fleet.zones[0], "dev-1", "v1.34.3");
    assert_eq!(kubelet_findings(&fleet.zones[0]), []);
}

#[test]
fn four_minors_older_fails_three_is_named_before_the_next_minor() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2"]);
    add_node(&mut fleet.zones[0], "old", "v1.30.14");
    add_node(&mut fleet.zones[0], "edge", "v1.31.4+k3s1");
    add_node(&mut fleet.zones[0], "fine", "v1.32.0");
    let findings = kubelet_findings(&fleet.zones[0]);
    assert_eq!(
        summary(&findings),
        [
            (
                1,
                "skew.kubelet",
                "info",
                "node edge",
                "kubelet v1.31.4+k3s1 is three minor versions older than its API server v1.34.2: \
                 upgrade it before the API server moves to v1.35, or it falls out of the skew \
                 policy"
            ),
            (
                1,
                "skew.kubelet",
                "fail",
                "node old",
                "kubelet v1.30.14 is 4 minor versions older than its API server v1.34.2: at most \
                 three are allowed"
            ),
        ]
    );
}

#[test]
fn another_major_version_fails() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v2.0.0"]);
    add_node(&mut fleet.zones[0], "dev-1", "v1.34.0");
    let findings = kubelet_findings(&fleet.zones[0]);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].severity, CheckSeverity::Fail);
    assert!(
        findings[0].message.contains("different major versions"),
        "{}",
        findings[0].message
    );
}

#[test]
fn a_zone_not_live_is_unknown_never_judged_on_stale_nodes() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2"]);
    add_node(&mut fleet.zones[0], "dev-1", "v1.29.0");
    fleet.zones[0].apply(ZoneEvent::Link(LinkStatus::Failed {
        error: "connection refused".into(),
        cause: crate::fleet::FailureCause::Unreachable,
        retry_at: None,
    }));
    assert_eq!(fleet.zones[0].state(), ZoneState::Reconnecting);
    let findings = run(&fleet, &config, &KubectlClient::Found("v1.30.0".into()));
    let dev: Vec<_> = findings.iter().filter(|f| f.zone == ZoneId(1)).collect();
    assert_eq!(dev.len(), 2, "{dev:#?}");
    assert!(dev.iter().all(|f| f.severity == CheckSeverity::Unknown));
    assert_eq!(
        dev[0].message,
        "zone is reconnecting: kubelet versions are not judged on what it showed before"
    );
    assert_eq!(
        dev[1].message,
        "zone is reconnecting: kubectl's version is not judged on what it showed before"
    );
    // The zones never connected are unknown too, not passed.
    let never: Vec<_> = findings.iter().filter(|f| f.zone != ZoneId(1)).collect();
    assert_eq!(never.len(), 4);
    assert!(
        never.iter().all(|f| f.severity == CheckSeverity::Unknown
            && f.message.starts_with("zone is connecting:"))
    );
}

#[test]
fn forbidden_nodes_and_odd_versions_are_unknown() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2", "nightly"]);
    add_node(&mut fleet.zones[0], "dev-1", "v1.29.0");
    fleet.zones[0].apply(ZoneEvent::Kind(
        ResourceKind::Nodes,
        KindStatus::Forbidden {
            message: "nodes is forbidden: User \"ci\" cannot list resource \"nodes\"".into(),
        },
    ));
    assert_eq!(
        summary(&kubelet_findings(&fleet.zones[0])),
        [(
            1,
            "skew.kubelet",
            "unknown",
            "nodes",
            "could not look at the kubelets: nodes is forbidden: User \"ci\" cannot list \
             resource \"nodes\""
        )]
    );
    assert_eq!(
        summary(&kubelet_findings(&fleet.zones[1])),
        [(
            2,
            "skew.kubelet",
            "unknown",
            "kubelets",
            "the API server's version \"nightly\" is not a Kubernetes version"
        )]
    );
    let mut fleet = live_fleet(&config, &["v1.34.2"]);
    add_node(&mut fleet.zones[0], "dev-1", "");
    assert_eq!(
        summary(&kubelet_findings(&fleet.zones[0])),
        [(
            1,
            "skew.kubelet",
            "unknown",
            "node dev-1",
            "kubelet version \"\" is not a Kubernetes version"
        )]
    );
}

#[test]
fn kubectl_within_one_minor_passes_off_by_two_warns_per_zone() {
    let config = config();
    let fleet = live_fleet(&config, &["v1.34.2+k3s1", "v1.33.5", "v1.31.9"]);
    let findings = run(&fleet, &config, &KubectlClient::Found("v1.33.1".into()));
    assert_eq!(
        summary(&findings),
        [(
            3,
            "skew.kubectl",
            "warn",
            "kubectl",
            "kubectl v1.33.1 is 2 minor versions newer than the API server v1.31.9: kubectl is \
             supported within one minor version of the API server"
        )]
    );
    let findings = run(&fleet, &config, &KubectlClient::Found("v1.31.0".into()));
    assert_eq!(
        summary(&findings),
        [
            (
                1,
                "skew.kubectl",
                "warn",
                "kubectl",
                "kubectl v1.31.0 is 3 minor versions older than the API server v1.34.2+k3s1: kubectl \
             is supported within one minor version of the API server"
            ),
            (
                2,
                "skew.kubectl",
                "warn",
                "kubectl",
                "kubectl v1.31.0 is 2 minor versions older than the API server v1.33.5: kubectl is \
             supported within one minor version of the API server"
            )
        ]
    );
    assert_eq!(
        findings[0].source,
        "kubectl version --client and the API server's /version"
    );
}

#[test]
fn no_kubectl_is_one_info_per_zone_and_not_probed_says_nothing() {
    let config = config();
    let mut fleet = live_fleet(&config, &["v1.34.2", "v1.34.2", "v1.33.0"]);
    let findings = run(&fleet, &config, &KubectlClient::Missing);
    let expected = "no kubectl on PATH: the runbook's RUN lines need it";
    assert_eq!(
        summary(&findings),
        [
            (1, "skew.kubectl", "info", "kubectl", expected),
            (2, "skew.kubectl", "info", "kubectl", expected),
            (3, "skew.kubectl", "info", "kubectl", expected),
        ]
    );
    add_node(&mut fleet.zones[0], "dev-1", "v1.34.2");
    let findings = run(&fleet, &config, &KubectlClient::NotProbed);
    assert_eq!(
        summary(&findings),
        [],
        "not probed: no kubectl finding at all"
    );
}

#[test]
fn a_kubectl_version_that_is_no_version_is_unknown() {
    let config = config();
    let fleet = live_fleet(&config, &["v1.34.2"]);
    let findings = kubectl_findings(&fleet.zones[0], &KubectlClient::Found("dev".into()));
    assert_eq!(
        summary(&findings),
        [(
            1,
            "skew.kubectl",
            "unknown",
            "kubectl",
            "kubectl says its version is \"dev\", which is not a Kubernetes version"
        )]
    );
}
