//! The summaries kept from what changed equal [`ZoneSummary::of`] after every batch of a
//! random change sequence: pods, workloads, nodes and namespaces added, changed, deleted and
//! relisted (cluster-wide and per namespace), kinds and links going up and down.

use proptest::prelude::*;

use super::*;
use crate::config::{DEFAULT_ZONES_TOML, ZoneId, parse_zones};
use crate::fleet::health::tests::pod;
use crate::fleet::{
    FailureCause, KindStatus, LinkStatus, NamespaceInfo, NodeInfo, ObjectKey, ResourceKind,
    WorkloadInfo, WorkloadKind,
};

/// Namespaces the changes land in: configured ones, kube-system, and one no zone shows.
const NAMESPACES: [&str; 5] = [
    "ge-system",
    "ge-agents",
    "ge-data",
    "kube-system",
    "ge-load",
];
const STATUSES: [&str; 4] = ["Running", "CrashLoopBackOff", "Pending", "Completed"];

fn workload(namespace: &str, name: &str, desired: i32, ready: i32, image: &str) -> WorkloadInfo {
    WorkloadInfo {
        kind: WorkloadKind::Deployment,
        namespace: namespace.into(),
        name: name.into(),
        generation: 1,
        observed_generation: 1,
        desired,
        current: desired,
        updated: desired,
        ready,
        available: ready,
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

fn node(name: &str, ready: bool, kubelet: &str) -> NodeInfo {
    NodeInfo {
        name: name.into(),
        ready,
        unschedulable: false,
        roles: Vec::new(),
        kubelet_version: kubelet.into(),
        container_runtime: "containerd://2.1.4".into(),
        os_image: String::new(),
        kernel_version: String::new(),
        created: None,
    }
}

/// One random change, as indexes into small pools so that changes collide often.
#[derive(Debug, Clone)]
enum Change {
    Pod {
        ns: usize,
        name: usize,
        status: usize,
    },
    DeletePod {
        ns: usize,
        name: usize,
    },
    RelistPods {
        scope: Option<usize>,
        pods: Vec<(usize, usize, usize)>,
    },
    Workload {
        ns: usize,
        name: usize,
        ready: i32,
        tag: usize,
    },
    DeleteWorkload {
        ns: usize,
        name: usize,
    },
    RelistWorkloads {
        scope: Option<usize>,
        names: Vec<(usize, usize)>,
    },
    Node {
        name: usize,
        ready: bool,
        kubelet: usize,
    },
    DeleteNode {
        name: usize,
    },
    Namespaces {
        present: Vec<bool>,
    },
    Kind {
        kind: usize,
        status: usize,
    },
    Link {
        up: bool,
    },
}

fn change() -> impl Strategy<Value = Change> {
    let ns = 0..NAMESPACES.len();
    prop_oneof![
        4 => (ns.clone(), 0..4usize, 0..STATUSES.len())
            .prop_map(|(ns, name, status)| Change::Pod { ns, name, status }),
        2 => (ns.clone(), 0..4usize).prop_map(|(ns, name)| Change::DeletePod { ns, name }),
        1 => (
            proptest::option::of(ns.clone()),
            proptest::collection::vec((ns.clone(), 0..4usize, 0..STATUSES.len()), 0..5),
        )
            .prop_map(|(scope, pods)| Change::RelistPods { scope, pods }),
        2 => (ns.clone(), 0..3usize, 0..3i32, 0..2usize)
            .prop_map(|(ns, name, ready, tag)| Change::Workload { ns, name, ready, tag }),
        1 => (ns.clone(), 0..3usize).prop_map(|(ns, name)| Change::DeleteWorkload { ns, name }),
        1 => (
            proptest::option::of(ns.clone()),
            proptest::collection::vec((ns, 0..3usize), 0..4),
        )
            .prop_map(|(scope, names)| Change::RelistWorkloads { scope, names }),
        1 => (0..3usize, any::<bool>(), 0..2usize)
            .prop_map(|(name, ready, kubelet)| Change::Node { name, ready, kubelet }),
        1 => (0..3usize).prop_map(|name| Change::DeleteNode { name }),
        1 => proptest::collection::vec(any::<bool>(), NAMESPACES.len())
            .prop_map(|present| Change::Namespaces { present }),
        1 => (0..ResourceKind::ALL.len(), 0..4usize)
            .prop_map(|(kind, status)| Change::Kind { kind, status }),
        1 => any::<bool>().prop_map(|up| Change::Link { up }),
    ]
}

/// The model event a change makes, for zone `zone`.
fn event(zone: ZoneId, change: &Change) -> FleetEvent {
    let pod_of = |ns: usize, name: usize, status: usize| {
        let status = STATUSES[status];
        pod(
            NAMESPACES[ns],
            &format!("p{name}"),
            status,
            status == "Running",
        )
    };
    let workload_of = |ns: usize, name: usize, ready: i32, tag: usize| {
        let image = ["registry.ge.internal/app:1.0", "rancher/coredns:1.14.1"][tag];
        let name = ["coredns", "ge-executor", "traefik"][name];
        workload(NAMESPACES[ns], name, 2, ready, image)
    };
    let scoped = |scope: Option<usize>, inner: ObjectChange| match scope {
        Some(ns) => ObjectChange::InNamespace(NAMESPACES[ns].into(), Box::new(inner)),
        None => inner,
    };
    let event = match change.clone() {
        Change::Pod { ns, name, status } => ZoneEvent::Objects(ObjectChange::Pods(
            StoreChange::Upsert(pod_of(ns, name, status)),
        )),
        Change::DeletePod { ns, name } => ZoneEvent::Objects(ObjectChange::Pods(
            StoreChange::Delete(ObjectKey::new(NAMESPACES[ns], format!("p{name}"))),
        )),
        Change::RelistPods { scope, pods } => {
            // A namespace's relist holds only that namespace's pods.
            let pods = pods
                .into_iter()
                .map(|(ns, name, status)| pod_of(scope.unwrap_or(ns), name, status))
                .collect();
            ZoneEvent::Objects(scoped(
                scope,
                ObjectChange::Pods(StoreChange::Replace(pods)),
            ))
        }
        Change::Workload {
            ns,
            name,
            ready,
            tag,
        } => ZoneEvent::Objects(ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Upsert(workload_of(ns, name, ready, tag)),
        )),
        Change::DeleteWorkload { ns, name } => ZoneEvent::Objects(ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Delete(ObjectKey::new(
                NAMESPACES[ns],
                ["coredns", "ge-executor", "traefik"][name],
            )),
        )),
        Change::RelistWorkloads { scope, names } => {
            let items = names
                .into_iter()
                .map(|(ns, name)| workload_of(scope.unwrap_or(ns), name, 1, 0))
                .collect();
            ZoneEvent::Objects(scoped(
                scope,
                ObjectChange::Workloads(WorkloadKind::Deployment, StoreChange::Replace(items)),
            ))
        }
        Change::Node {
            name,
            ready,
            kubelet,
        } => ZoneEvent::Objects(ObjectChange::Nodes(StoreChange::Upsert(node(
            &format!("n{name}"),
            ready,
            ["v1.34.2+k3s1", "v1.33.5"][kubelet],
        )))),
        Change::DeleteNode { name } => ZoneEvent::Objects(ObjectChange::Nodes(
            StoreChange::Delete(ObjectKey::cluster(format!("n{name}"))),
        )),
        Change::Namespaces { present } => {
            let items = NAMESPACES
                .iter()
                .zip(present)
                .filter(|(_, p)| *p)
                .map(|(n, _)| NamespaceInfo {
                    name: n.to_string(),
                    phase: "Active".into(),
                })
                .collect();
            ZoneEvent::Objects(ObjectChange::Namespaces(StoreChange::Replace(items)))
        }
        Change::Kind { kind, status } => {
            let status = match status {
                0 => KindStatus::Synced,
                1 => KindStatus::Syncing,
                2 => KindStatus::Forbidden {
                    message: "forbidden".into(),
                },
                _ => KindStatus::Failed {
                    error: "boom".into(),
                    cause: FailureCause::Unreachable,
                    retry_at: None,
                },
            };
            ZoneEvent::Kind(ResourceKind::ALL[kind], status)
        }
        Change::Link { up: true } => ZoneEvent::Link(LinkStatus::Connected {
            server_version: "v1.34.2+k3s1".into(),
        }),
        Change::Link { up: false } => ZoneEvent::Link(LinkStatus::Failed {
            error: "refused".into(),
            cause: FailureCause::Unreachable,
            retry_at: None,
        }),
    };
    FleetEvent::new(zone, event)
}

fn fleet() -> Fleet {
    let config = parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap();
    Fleet::new(&config)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn kept_summaries_equal_the_full_derivation_after_every_batch(
        batches in proptest::collection::vec(
            proptest::collection::vec((0..2usize, change()), 1..6),
            1..25,
        )
    ) {
        let mut fleet = fleet();
        let mut kept = ZoneSummaries::of(&fleet);
        for batch in batches {
            for (zone, change) in &batch {
                let event = event(fleet.zones[*zone].config.id, change);
                kept.note(&fleet, &event);
                fleet.apply(event);
            }
            let full: Vec<ZoneSummary> = fleet.zones.iter().map(ZoneSummary::of).collect();
            prop_assert_eq!(kept.refresh(&fleet), full.as_slice());
        }
    }
}

#[test]
fn a_pod_change_derives_only_its_namespaces_block_again() {
    let mut fleet = fleet();
    let zone = fleet.zones[0].config.id;
    let mut kept = ZoneSummaries::of(&fleet);
    let crash = FleetEvent {
        zone,
        read_at: None,
        event: ZoneEvent::Objects(ObjectChange::Pods(StoreChange::Upsert(pod(
            "ge-agents",
            "ge-executor-1",
            "CrashLoopBackOff",
            false,
        )))),
    };
    kept.note(&fleet, &crash);
    fleet.apply(crash);
    // A pod of ge-data changed behind the cache's back: only marked parts are derived
    // again, so its block keeps what it said before.
    fleet.zones[0].pods.insert(
        ObjectKey::new("ge-data", "redis-0"),
        pod("ge-data", "redis-0", "CrashLoopBackOff", false),
    );
    let summaries = kept.refresh(&fleet).to_vec();
    let block = |name: &str| {
        summaries[0]
            .namespaces
            .iter()
            .find(|b| b.name == name)
            .unwrap()
            .pods_not_ready
            .len()
    };
    assert_eq!(
        block("ge-agents"),
        1,
        "the marked namespace is derived again"
    );
    assert_eq!(block("ge-data"), 0, "an unmarked namespace is not");
}
