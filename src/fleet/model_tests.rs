//! The zone model's own behaviour: states from links and kinds, relists and per-namespace
//! changes applied to the stores.

use super::*;
use crate::config::{DEFAULT_ZONES_TOML, parse_zones};

pub(crate) fn dev_zone() -> ZoneModel {
    let fleet = parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap();
    ZoneModel::new(Arc::new(fleet.zones[0].clone()))
}

fn connect_and_sync(zone: &mut ZoneModel) {
    zone.apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: "v1.34.2+k3s1".into(),
    }));
    for k in ResourceKind::ALL {
        zone.apply(ZoneEvent::Kind(k, KindStatus::Synced));
    }
}

fn failed(cause: FailureCause) -> KindStatus {
    KindStatus::Failed {
        error: "boom".into(),
        cause,
        retry_at: None,
    }
}

#[test]
fn zone_goes_connecting_syncing_live() {
    let mut zone = dev_zone();
    assert_eq!(zone.state(), ZoneState::Connecting);
    zone.apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: "v1.34.2+k3s1".into(),
    }));
    assert_eq!(zone.state(), ZoneState::Syncing);
    connect_and_sync(&mut zone);
    assert_eq!(zone.state(), ZoneState::Live);
    assert_eq!(zone.server_version.as_deref(), Some("v1.34.2+k3s1"));
}

#[test]
fn a_forbidden_kind_still_lets_the_zone_be_live() {
    let mut zone = dev_zone();
    connect_and_sync(&mut zone);
    zone.apply(ZoneEvent::Kind(
        ResourceKind::Nodes,
        KindStatus::Forbidden {
            message: "nodes is forbidden".into(),
        },
    ));
    assert_eq!(zone.state(), ZoneState::Live);
    assert_eq!(zone.forbidden_kinds().len(), 1);
}

#[test]
fn failure_after_live_is_reconnecting_before_is_unreachable() {
    let mut zone = dev_zone();
    zone.apply(ZoneEvent::Link(LinkStatus::Failed {
        error: "connection refused".into(),
        cause: FailureCause::Unreachable,
        retry_at: None,
    }));
    assert_eq!(zone.state(), ZoneState::Unreachable);
    connect_and_sync(&mut zone);
    zone.apply(ZoneEvent::Kind(
        ResourceKind::Pods,
        failed(FailureCause::Unreachable),
    ));
    assert_eq!(zone.state(), ZoneState::Reconnecting);
    assert_eq!(zone.error().as_deref(), Some("pods: boom"));
    zone.apply(ZoneEvent::Kind(ResourceKind::Pods, KindStatus::Synced));
    assert_eq!(zone.state(), ZoneState::Live);
}

#[test]
fn one_failed_attempt_does_not_settle_an_unreachable_zone() {
    let config = parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap();
    let mut fleet = Fleet::new(&config);
    fleet.zones.truncate(1);
    let fail = || {
        ZoneEvent::Link(LinkStatus::Failed {
            error: "connection refused".into(),
            cause: FailureCause::Unreachable,
            retry_at: None,
        })
    };
    fleet.zones[0].apply(fail());
    assert_eq!(fleet.zones[0].state(), ZoneState::Unreachable);
    assert!(!fleet.all_settled(), "a blip is retried");
    fleet.zones[0].apply(fail());
    fleet.zones[0].apply(fail());
    assert!(fleet.all_settled(), "three failures in a row settle it");
    connect_and_sync(&mut fleet.zones[0]);
    assert_eq!(fleet.zones[0].failed_attempts, 0);
}

#[test]
fn unauthorized_wins_over_other_failures() {
    let mut zone = dev_zone();
    connect_and_sync(&mut zone);
    zone.apply(ZoneEvent::Kind(
        ResourceKind::Pods,
        failed(FailureCause::Unauthorized),
    ));
    assert_eq!(zone.state(), ZoneState::Unauthorized);
}

#[test]
fn replace_removes_objects_missing_from_the_relist() {
    let mut zone = dev_zone();
    let ns = |n: &str| NamespaceInfo {
        name: n.into(),
        phase: "Active".into(),
    };
    zone.apply(ZoneEvent::Objects(ObjectChange::Namespaces(
        StoreChange::Replace(vec![ns("a"), ns("b")]),
    )));
    zone.apply(ZoneEvent::Objects(ObjectChange::Namespaces(
        StoreChange::Upsert(ns("c")),
    )));
    zone.apply(ZoneEvent::Objects(ObjectChange::Namespaces(
        StoreChange::Replace(vec![ns("b")]),
    )));
    let names: Vec<_> = zone.namespaces.keys().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["b"]);
}

#[test]
fn a_relist_naming_an_object_twice_keeps_the_later_one_as_upserts_would() {
    use crate::fleet::health::tests::pod;
    let mut zone = dev_zone();
    let relist = |scope: Option<&str>| {
        let change = ObjectChange::Pods(StoreChange::Replace(vec![
            pod("ge-data", "d1", "Pending", false),
            pod("ge-data", "d0", "Running", true),
            pod("ge-data", "d1", "Running", true),
        ]));
        match scope {
            Some(ns) => ObjectChange::InNamespace(ns.into(), Box::new(change)),
            None => change,
        }
    };
    for scope in [None, Some("ge-data")] {
        zone.apply(ZoneEvent::Objects(relist(scope)));
        let statuses: Vec<_> = zone
            .pods
            .iter()
            .map(|(k, p)| (k.name.as_str(), p.status.as_str()))
            .collect();
        assert_eq!(
            statuses,
            [("d0", "Running"), ("d1", "Running")],
            "{scope:?}"
        );
    }
}

#[test]
fn a_namespaces_relist_replaces_only_that_namespaces_objects() {
    use crate::fleet::health::tests::pod;
    let mut zone = dev_zone();
    let in_ns = |ns: &str, change| {
        ZoneEvent::Objects(ObjectChange::InNamespace(
            ns.into(),
            Box::new(ObjectChange::Pods(change)),
        ))
    };
    zone.apply(in_ns(
        "ge-agents",
        StoreChange::Replace(vec![pod("ge-agents", "a1", "Running", true)]),
    ));
    zone.apply(in_ns(
        "ge-data",
        StoreChange::Replace(vec![
            pod("ge-data", "d1", "Running", true),
            pod("ge-data", "d2", "Running", true),
        ]),
    ));
    zone.apply(in_ns(
        "ge-agents",
        StoreChange::Upsert(pod("ge-agents", "a2", "Running", true)),
    ));
    // ge-data relists without d2: ge-agents' pods stay.
    zone.apply(in_ns(
        "ge-data",
        StoreChange::Replace(vec![pod("ge-data", "d1", "Running", true)]),
    ));
    zone.apply(in_ns(
        "ge-agents",
        StoreChange::Delete(ObjectKey::new("ge-agents", "a1")),
    ));
    let names: Vec<_> = zone
        .pods
        .keys()
        .map(|k| format!("{}/{}", k.namespace, k.name))
        .collect();
    assert_eq!(names, ["ge-agents/a2", "ge-data/d1"]);
}

#[test]
fn a_kind_forbidden_in_some_namespaces_is_settled_and_named() {
    let mut zone = dev_zone();
    connect_and_sync(&mut zone);
    zone.apply(ZoneEvent::Kind(
        ResourceKind::Pods,
        KindStatus::ForbiddenIn {
            namespaces: vec!["ge-system".into(), "kube-system".into()],
            cluster_wide: false,
            message: "pods is forbidden".into(),
        },
    ));
    zone.apply(ZoneEvent::Kind(
        ResourceKind::Deployments,
        KindStatus::ForbiddenIn {
            namespaces: vec![],
            cluster_wide: true,
            message: "deployments.apps is forbidden".into(),
        },
    ));
    assert_eq!(zone.state(), ZoneState::Live);
    assert!(
        zone.forbidden_kinds().is_empty(),
        "nothing refused outright"
    );
    let partly = zone.kinds_forbidden_in_namespaces();
    assert_eq!(partly.len(), 1, "{partly:?}");
    assert_eq!(partly[0].0, ResourceKind::Pods);
    assert_eq!(partly[0].1, ["ge-system", "kube-system"]);
    assert_eq!(
        zone.cluster_wide_refusal(ResourceKind::Deployments),
        Some("deployments.apps is forbidden")
    );
    assert_eq!(zone.cluster_wide_refusal(ResourceKind::Pods), None);
    assert_eq!(
        zone.kinds[&ResourceKind::Pods].refusal().as_deref(),
        Some("forbidden in ge-system, kube-system: pods is forbidden")
    );
}

#[test]
fn only_an_object_written_again_as_stored_leaves_the_zone_unchanged() {
    use crate::fleet::health::tests::pod;
    let mut zone = dev_zone();
    let stored = pod("ge-data", "d1", "Running", true);
    let upsert = |p: PodInfo| {
        ObjectChange::InNamespace(
            "ge-data".into(),
            Box::new(ObjectChange::Pods(StoreChange::Upsert(p))),
        )
    };
    assert!(
        !zone.unchanged_by(&upsert(stored.clone())),
        "not stored yet"
    );
    zone.apply(ZoneEvent::Objects(upsert(stored.clone())));
    assert!(zone.unchanged_by(&upsert(stored.clone())));
    let mut restarted = stored.clone();
    restarted.restarts += 1;
    assert!(!zone.unchanged_by(&upsert(restarted)));
    assert!(!zone.unchanged_by(&ObjectChange::Pods(StoreChange::Replace(vec![stored]))));
    assert!(
        !zone.unchanged_by(&ObjectChange::Pods(StoreChange::Delete(ObjectKey::new(
            "ge-data", "gone"
        ))))
    );

    let node = NodeInfo {
        name: "n1".into(),
        ready: true,
        unschedulable: false,
        roles: Vec::new(),
        kubelet_version: "v1.34.2+k3s1".into(),
        container_runtime: "containerd://2.1.4".into(),
        os_image: String::new(),
        kernel_version: String::new(),
        created: None,
    };
    let nodes = |n: NodeInfo| ObjectChange::Nodes(StoreChange::Upsert(n));
    zone.apply(ZoneEvent::Objects(nodes(node.clone())));
    assert!(zone.unchanged_by(&nodes(node.clone())));
    let cordoned = NodeInfo {
        unschedulable: true,
        ..node
    };
    assert!(!zone.unchanged_by(&nodes(cordoned)));
}
