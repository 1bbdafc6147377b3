//! A board judged only where each batch touched ends every batch as one judged in full
//! ([`RolloutBoard::observe`]): from a model that may already hold rollouts, random workloads
//! rolling, their ReplicaSets and pods changing, deleted and relisted, zones going down and
//! up, and rollouts of ours followed.

use proptest::prelude::*;

use super::*;
use crate::config::{DEFAULT_ZONES_TOML, parse_zones};
use crate::fleet::health::tests::pod;
use crate::fleet::{
    ConditionInfo, FleetEvent, KindStatus, LinkStatus, ObjectChange, ObjectKey, OwnerRef,
    ReplicaSetInfo, ResourceKind, StoreChange, WorkloadInfo, ZoneEvent,
};

/// Two configured namespaces and one no zone shows.
const NAMESPACES: [&str; 3] = ["ge-agents", "ge-data", "ge-load"];
const WORKLOADS: [&str; 2] = ["ge-executor", "api"];
const HASHES: [&str; 2] = ["aaa", "bbb"];
const ZONES: [ZoneId; 2] = [ZoneId(1), ZoneId(2)];

/// One random change, as indexes into small pools so that changes collide often.
#[derive(Debug, Clone)]
enum Change {
    Workload {
        zone: usize,
        ns: usize,
        name: usize,
        generation: i64,
        observed: i64,
        updated: i32,
        available: i32,
        stuck: bool,
    },
    DeleteWorkload {
        zone: usize,
        ns: usize,
        name: usize,
    },
    ReplicaSet {
        zone: usize,
        ns: usize,
        name: usize,
        hash: usize,
        revision: i64,
    },
    Pod {
        zone: usize,
        ns: usize,
        name: usize,
        hash: usize,
        pod: usize,
        ready: bool,
    },
    DeletePod {
        zone: usize,
        ns: usize,
        name: usize,
        hash: usize,
        pod: usize,
    },
    RelistPods {
        zone: usize,
        scope: Option<usize>,
        pods: Vec<(usize, usize, usize, usize)>,
    },
    Link {
        zone: usize,
        up: bool,
    },
    PodsKind {
        zone: usize,
        synced: bool,
    },
    Follow {
        zone: usize,
        ns: usize,
        name: usize,
        generation: i64,
    },
}

fn change() -> impl Strategy<Value = Change> {
    let zone = 0..ZONES.len();
    let ns = 0..NAMESPACES.len();
    let name = 0..WORKLOADS.len();
    let hash = 0..HASHES.len();
    prop_oneof![
        4 => (zone.clone(), ns.clone(), name.clone(), 1..4i64, 1..4i64, 0..3i32, 0..3i32, any::<bool>())
            .prop_map(|(zone, ns, name, generation, observed, updated, available, stuck)| {
                Change::Workload { zone, ns, name, generation, observed, updated, available, stuck }
            }),
        1 => (zone.clone(), ns.clone(), name.clone())
            .prop_map(|(zone, ns, name)| Change::DeleteWorkload { zone, ns, name }),
        2 => (zone.clone(), ns.clone(), name.clone(), hash.clone(), 1..3i64)
            .prop_map(|(zone, ns, name, hash, revision)| {
                Change::ReplicaSet { zone, ns, name, hash, revision }
            }),
        5 => (zone.clone(), ns.clone(), name.clone(), hash.clone(), 0..3usize, any::<bool>())
            .prop_map(|(zone, ns, name, hash, pod, ready)| {
                Change::Pod { zone, ns, name, hash, pod, ready }
            }),
        2 => (zone.clone(), ns.clone(), name.clone(), hash.clone(), 0..3usize)
            .prop_map(|(zone, ns, name, hash, pod)| Change::DeletePod { zone, ns, name, hash, pod }),
        1 => (
            zone.clone(),
            proptest::option::of(ns.clone()),
            proptest::collection::vec((ns.clone(), name.clone(), hash, 0..3usize), 0..4),
        )
            .prop_map(|(zone, scope, pods)| Change::RelistPods { zone, scope, pods }),
        1 => (zone.clone(), any::<bool>()).prop_map(|(zone, up)| Change::Link { zone, up }),
        1 => (zone.clone(), any::<bool>())
            .prop_map(|(zone, synced)| Change::PodsKind { zone, synced }),
        1 => (zone, ns, name, 1..5i64)
            .prop_map(|(zone, ns, name, generation)| Change::Follow { zone, ns, name, generation }),
    ]
}

fn deployment(change: &Change) -> Option<WorkloadInfo> {
    let Change::Workload {
        ns,
        name,
        generation,
        observed,
        updated,
        available,
        stuck,
        ..
    } = *change
    else {
        return None;
    };
    Some(WorkloadInfo {
        kind: WorkloadKind::Deployment,
        namespace: NAMESPACES[ns].into(),
        name: WORKLOADS[name].into(),
        generation,
        observed_generation: observed.min(generation),
        desired: 2,
        current: 2,
        updated,
        ready: available,
        available,
        paused: false,
        images: Vec::new(),
        conditions: stuck
            .then(|| ConditionInfo {
                kind: "Progressing".into(),
                status: "False".into(),
                reason: "ProgressDeadlineExceeded".into(),
                message: String::new(),
            })
            .into_iter()
            .collect(),
        current_revision: None,
        update_revision: None,
        rolling_update: true,
        partition: 0,
        restarted_at: None,
        created: None,
    })
}

fn rs_name(name: usize, hash: usize) -> String {
    format!("{}-{}", WORKLOADS[name], HASHES[hash])
}

fn owned_pod(ns: usize, name: usize, hash: usize, index: usize, ready: bool) -> PodInfo {
    let mut pod = pod(
        NAMESPACES[ns],
        &format!("{}-{index}", rs_name(name, hash)),
        if ready {
            "Running"
        } else {
            "ContainerCreating"
        },
        ready,
    );
    pod.owner = Some(OwnerRef {
        kind: "ReplicaSet".into(),
        name: rs_name(name, hash),
    });
    pod.template_hash = Some(HASHES[hash].into());
    pod
}

/// The model event a change makes, and the zone it is for (None for a followed rollout).
fn event(change: &Change) -> Option<FleetEvent> {
    let objects = |zone: usize, change: ObjectChange| {
        Some(FleetEvent::new(ZONES[zone], ZoneEvent::Objects(change)))
    };
    match change.clone() {
        Change::Workload { zone, .. } => objects(
            zone,
            ObjectChange::Workloads(
                WorkloadKind::Deployment,
                StoreChange::Upsert(deployment(change)?),
            ),
        ),
        Change::DeleteWorkload { zone, ns, name } => objects(
            zone,
            ObjectChange::Workloads(
                WorkloadKind::Deployment,
                StoreChange::Delete(ObjectKey::new(NAMESPACES[ns], WORKLOADS[name])),
            ),
        ),
        Change::ReplicaSet {
            zone,
            ns,
            name,
            hash,
            revision,
        } => objects(
            zone,
            ObjectChange::ReplicaSets(StoreChange::Upsert(ReplicaSetInfo {
                namespace: NAMESPACES[ns].into(),
                name: rs_name(name, hash),
                owner: Some(OwnerRef {
                    kind: "Deployment".into(),
                    name: WORKLOADS[name].into(),
                }),
                desired: 2,
                current: 2,
                ready: 1,
                available: 1,
                revision: Some(revision),
                template_hash: Some(HASHES[hash].into()),
                images: Vec::new(),
                created: None,
                change_cause: None,
            })),
        ),
        Change::Pod {
            zone,
            ns,
            name,
            hash,
            pod,
            ready,
        } => objects(
            zone,
            ObjectChange::Pods(StoreChange::Upsert(owned_pod(ns, name, hash, pod, ready))),
        ),
        Change::DeletePod {
            zone,
            ns,
            name,
            hash,
            pod,
        } => objects(
            zone,
            ObjectChange::Pods(StoreChange::Delete(ObjectKey::new(
                NAMESPACES[ns],
                format!("{}-{pod}", rs_name(name, hash)),
            ))),
        ),
        Change::RelistPods { zone, scope, pods } => {
            // A namespace's relist holds only that namespace's pods.
            let pods = pods
                .into_iter()
                .map(|(ns, name, hash, index)| {
                    owned_pod(scope.unwrap_or(ns), name, hash, index, true)
                })
                .collect();
            let relist = ObjectChange::Pods(StoreChange::Replace(pods));
            match scope {
                Some(ns) => objects(
                    zone,
                    ObjectChange::InNamespace(NAMESPACES[ns].into(), Box::new(relist)),
                ),
                None => objects(zone, relist),
            }
        }
        Change::Link { zone, up } => Some(FleetEvent::new(
            ZONES[zone],
            ZoneEvent::Link(if up {
                LinkStatus::Connected {
                    server_version: "v1.34.2".into(),
                }
            } else {
                LinkStatus::Connecting
            }),
        )),
        Change::PodsKind { zone, synced } => Some(FleetEvent::new(
            ZONES[zone],
            ZoneEvent::Kind(
                ResourceKind::Pods,
                if synced {
                    KindStatus::Synced
                } else {
                    KindStatus::Syncing
                },
            ),
        )),
        Change::Follow { .. } => None,
    }
}

fn live_fleet() -> Fleet {
    let config =
        parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).expect("built-in zones");
    let mut fleet = Fleet::new(&config);
    for zone in ZONES {
        let model = fleet.zone_mut(zone).expect("configured zone");
        model.apply(ZoneEvent::Link(LinkStatus::Connected {
            server_version: "v1.34.2".into(),
        }));
        for kind in ResourceKind::ALL {
            model.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
        }
    }
    fleet
}

/// What the board shows of a tracker.
type Seen = (
    ZoneId,
    WorkloadKey,
    bool,
    i64,
    RolloutPhase,
    Option<Instant>,
    Option<RolloutProgress>,
);

fn seen(board: &RolloutBoard) -> Vec<Seen> {
    board
        .trackers
        .iter()
        .map(|t| {
            (
                t.zone,
                t.target.clone(),
                t.ours,
                t.min_generation,
                t.phase.clone(),
                t.ended,
                t.progress.clone(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_board_judged_where_touched_equals_one_judged_in_full(
        before in proptest::collection::vec(change(), 0..6),
        batches in proptest::collection::vec(proptest::collection::vec(change(), 1..5), 1..40)
    ) {
        let clock = Clock::now();
        let timeout = Duration::from_secs(3600);
        let mut fleet = live_fleet();
        // What the model held before the boards were made: the first look must find it.
        for event in before.iter().filter_map(event) {
            fleet.apply(event);
        }
        let mut touched_board = RolloutBoard::default();
        let mut full_board = RolloutBoard::default();
        for batch in &batches {
            let mut events = Vec::new();
            for change in batch {
                if let Change::Follow { zone, ns, name, generation } = *change {
                    let target = WorkloadKey {
                        kind: WorkloadKind::Deployment,
                        namespace: NAMESPACES[ns].into(),
                        name: WORKLOADS[name].into(),
                    };
                    let ours = RolloutTracker::ours(ZONES[zone], target, generation, timeout, &clock);
                    touched_board.follow(ours.clone());
                    full_board.follow(ours);
                }
                events.extend(event(change));
            }
            let touched = TouchedNamespaces::of(&events);
            for event in events {
                fleet.apply(event);
            }
            touched_board.observe_changes(&fleet, &clock, timeout, &touched);
            full_board.observe(&fleet, &clock, timeout);
            prop_assert_eq!(seen(&touched_board), seen(&full_board));
        }
    }
}
