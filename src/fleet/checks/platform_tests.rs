//! `zone.platform` on plain data: k3s with its bundled parts, UKS with UpCloud's, a zone that
//! differs from its platform's column, classes that may not be listed, and a zone down.

use std::path::Path;

use jiff::Timestamp;

use super::*;
use crate::config::{DEFAULT_ZONES_TOML, FleetConfig, PortsSpec, parse_zones};
use crate::fleet::checks::KubectlClient;
use crate::fleet::{
    Fleet, IngressClassInfo, LinkStatus, ObjectChange, StorageClassInfo, StoreChange, WorkloadInfo,
    ZoneEvent,
};

fn config() -> FleetConfig {
    parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap()
}

fn workload(kind: WorkloadKind, name: &str) -> WorkloadInfo {
    WorkloadInfo {
        kind,
        namespace: SYSTEM_NAMESPACE.into(),
        name: name.into(),
        generation: 1,
        observed_generation: 1,
        desired: 1,
        current: 1,
        updated: 1,
        ready: 1,
        available: 1,
        paused: false,
        images: vec![],
        conditions: vec![],
        current_revision: None,
        update_revision: None,
        rolling_update: true,
        partition: 0,
        restarted_at: None,
        created: None,
    }
}

fn storage(name: &str, provisioner: &str, is_default: bool) -> StorageClassInfo {
    StorageClassInfo {
        name: name.into(),
        provisioner: provisioner.into(),
        is_default,
    }
}

/// Live zones shaped as the demo's: dev on k3s, staging and production on UKS.
fn demo_like(config: &FleetConfig) -> Fleet {
    let mut fleet = Fleet::new(config);
    for (index, zone) in fleet.zones.iter_mut().enumerate() {
        let k3s = index == 0;
        zone.apply(ZoneEvent::Link(LinkStatus::Connected {
            server_version: if k3s { "v1.34.2+k3s1" } else { "v1.33.5" }.into(),
        }));
        for kind in ResourceKind::ALL {
            zone.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
        }
        let (workloads, classes, storage_classes) = if k3s {
            (
                vec![
                    workload(WorkloadKind::Deployment, "coredns"),
                    workload(WorkloadKind::Deployment, "traefik"),
                    workload(WorkloadKind::DaemonSet, "svclb-traefik"),
                ],
                vec![IngressClassInfo {
                    name: "traefik".into(),
                    controller: "traefik.io/ingress-controller".into(),
                    is_default: true,
                }],
                vec![storage("local-path", "rancher.io/local-path", true)],
            )
        } else {
            (
                vec![
                    workload(WorkloadKind::Deployment, "coredns"),
                    workload(WorkloadKind::DaemonSet, "cilium"),
                    workload(WorkloadKind::DaemonSet, "csi-upcloud-node"),
                ],
                vec![],
                vec![
                    storage("upcloud-block-storage", "storage.csi.upcloud.com", true),
                    storage(
                        "upcloud-block-storage-hdd",
                        "storage.csi.upcloud.com",
                        false,
                    ),
                ],
            )
        };
        for w in workloads {
            zone.apply(ZoneEvent::Objects(ObjectChange::Workloads(
                w.kind,
                StoreChange::Upsert(w),
            )));
        }
        zone.apply(ZoneEvent::Objects(ObjectChange::IngressClasses(
            StoreChange::Replace(classes),
        )));
        zone.apply(ZoneEvent::Objects(ObjectChange::StorageClasses(
            StoreChange::Replace(storage_classes),
        )));
    }
    fleet
}

fn context<'a>(
    fleet: &'a Fleet,
    config: &'a FleetConfig,
    ports: &'a PortsSpec,
) -> CheckContext<'a> {
    CheckContext {
        fleet,
        config,
        now: Timestamp::UNIX_EPOCH,
        kubectl: &KubectlClient::NotProbed,
        observations: &[],
        ports,
    }
}

fn summary(findings: &[CheckFinding], zone: u32) -> Vec<(CheckSeverity, &str, &str)> {
    findings
        .iter()
        .filter(|f| f.zone == ZoneId(zone))
        .map(|f| (f.severity, f.subject.as_str(), f.message.as_str()))
        .collect()
}

#[test]
fn each_platform_uses_what_the_wiki_says_and_that_is_info_only() {
    let config = config();
    let fleet = demo_like(&config);
    let ports = PortsSpec::default();
    let findings = check(&context(&fleet, &config, &ports));
    assert_eq!(
        summary(&findings, 1),
        [
            (
                CheckSeverity::Info,
                "ingress",
                "IngressClass traefik (traefik.io/ingress-controller) · kube-system/traefik"
            ),
            (
                CheckSeverity::Info,
                "storage",
                "local-path (rancher.io/local-path)"
            ),
            (CheckSeverity::Info, "cni", "flannel (built into k3s)"),
        ]
    );
    assert_eq!(
        summary(&findings, 2),
        [
            (
                CheckSeverity::Info,
                "ingress",
                "no IngressClass, no ingress controller in kube-system"
            ),
            (
                CheckSeverity::Info,
                "storage",
                "upcloud-block-storage (storage.csi.upcloud.com)"
            ),
            (CheckSeverity::Info, "cni", "cilium"),
        ]
    );
    assert!(findings.iter().all(|f| f.source == SOURCE));
    let rows = platform_rows(&context(&fleet, &config, &ports));
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].cni, "flannel (built into k3s)");
    assert_eq!(
        rows[2].storage,
        "upcloud-block-storage (storage.csi.upcloud.com)"
    );
}

#[test]
fn a_zone_that_differs_from_its_platform_warns() {
    let config = config();
    let mut fleet = demo_like(&config);
    // Staging (UKS) runs the k3s parts: Traefik, local-path as default, Flannel.
    let staging = &mut fleet.zones[1];
    staging.apply(ZoneEvent::Objects(ObjectChange::Workloads(
        WorkloadKind::Deployment,
        StoreChange::Upsert(workload(WorkloadKind::Deployment, "traefik")),
    )));
    staging.apply(ZoneEvent::Objects(ObjectChange::StorageClasses(
        StoreChange::Replace(vec![storage("local-path", "rancher.io/local-path", true)]),
    )));
    staging.apply(ZoneEvent::Objects(ObjectChange::Workloads(
        WorkloadKind::DaemonSet,
        StoreChange::Replace(vec![workload(WorkloadKind::DaemonSet, "kube-flannel-ds")]),
    )));
    // Dev (k3s) without a default StorageClass.
    fleet.zones[0].apply(ZoneEvent::Objects(ObjectChange::StorageClasses(
        StoreChange::Replace(vec![storage("local-path", "rancher.io/local-path", false)]),
    )));
    let ports = PortsSpec::default();
    let findings = check(&context(&fleet, &config, &ports));
    let warns = |zone: u32| -> Vec<&str> {
        summary(&findings, zone)
            .into_iter()
            .filter(|(s, _, _)| *s == CheckSeverity::Warn)
            .map(|(_, subject, _)| subject)
            .collect()
    };
    assert_eq!(warns(2), ["ingress", "storage", "cni"]);
    assert_eq!(warns(1), ["storage"]);
    assert_eq!(warns(3), Vec::<&str>::new());
    let dev_storage = summary(&findings, 1)
        .into_iter()
        .find(|(s, subject, _)| *s == CheckSeverity::Info && *subject == "storage")
        .unwrap();
    assert_eq!(dev_storage.2, "no default StorageClass");
    assert!(
        summary(&findings, 2)
            .iter()
            .any(|(_, _, m)| m.contains("the wiki's table says UKS uses UpCloud CNI"))
    );
}

#[test]
fn classes_not_listed_are_unknown_and_a_zone_down_is_unknown() {
    let config = config();
    let mut fleet = demo_like(&config);
    fleet.zones[0].apply(ZoneEvent::Kind(
        ResourceKind::IngressClasses,
        KindStatus::Forbidden {
            message: "ingressclasses is forbidden".into(),
        },
    ));
    fleet.zones[2].apply(ZoneEvent::Link(LinkStatus::Failed {
        error: "timeout".into(),
        cause: crate::fleet::FailureCause::Unreachable,
        retry_at: None,
    }));
    let ports = PortsSpec::default();
    let findings = check(&context(&fleet, &config, &ports));
    let dev = summary(&findings, 1);
    assert_eq!(
        dev[0],
        (
            CheckSeverity::Unknown,
            "ingress",
            "unknown (IngressClasses not listed)"
        )
    );
    // Not judged on what could not be listed: no ingress warning.
    assert!(!dev.iter().any(|(s, _, _)| *s == CheckSeverity::Warn));
    assert_eq!(fleet.zones[0].state(), ZoneState::Live);
    let production = summary(&findings, 3);
    assert_eq!(production.len(), 1);
    assert_eq!(production[0].0, CheckSeverity::Unknown);
    assert!(production[0].2.starts_with("the zone is reconnecting"));
    let rows = platform_rows(&context(&fleet, &config, &ports));
    assert_eq!(rows[2].cni, "unknown (reconnecting)");
    // The Compare view's cells: what could not be listed or a zone down is unknown (None).
    let summaries = platform_summaries(&fleet);
    assert_eq!(summaries[0].ingress, None);
    assert_eq!(summaries[0].storage.as_deref(), Some("local-path"));
    assert_eq!(summaries[0].cni.as_deref(), Some("flannel (k3s)"));
    assert_eq!(
        (
            &summaries[2].ingress,
            &summaries[2].storage,
            &summaries[2].cni
        ),
        (&None, &None, &None)
    );
}

#[test]
fn summaries_name_what_each_zone_uses_in_a_word() {
    let config = config();
    let mut fleet = demo_like(&config);
    // Staging: an ingress controller in kube-system but no IngressClass, no default class.
    let staging = &mut fleet.zones[1];
    staging.apply(ZoneEvent::Objects(ObjectChange::Workloads(
        WorkloadKind::Deployment,
        StoreChange::Upsert(workload(
            WorkloadKind::Deployment,
            "ingress-nginx-controller",
        )),
    )));
    staging.apply(ZoneEvent::Objects(ObjectChange::StorageClasses(
        StoreChange::Replace(vec![storage("standard", "example.com/disk", false)]),
    )));
    let summaries = platform_summaries(&fleet);
    let cells = |i: usize| {
        let s = &summaries[i];
        (s.ingress.as_deref(), s.storage.as_deref(), s.cni.as_deref())
    };
    assert_eq!(
        cells(0),
        (Some("traefik"), Some("local-path"), Some("flannel (k3s)"))
    );
    assert_eq!(
        cells(1),
        (
            Some("ingress-nginx-controller"),
            Some("no default"),
            Some("cilium")
        )
    );
    assert_eq!(
        cells(2),
        (Some("none"), Some("upcloud-block-storage"), Some("cilium"))
    );
    assert_eq!(
        summaries.iter().map(|s| s.zone.0).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}
