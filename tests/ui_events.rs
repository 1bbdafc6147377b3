//! The console's events, driven through its real core on a fixed fleet and clock: the fleet
//! timeline (snapshots at 80×24 and 200×50, its keys and filters), a pod's events from the
//! workload view, a stuck pod's reason under its row, the overview's Warning count, and events
//! ageing out of the window as the console's clock moves.

use std::time::Duration;

use ge_console::config::{self, DEFAULT_ZONES_TOML, FleetConfig};
use ge_console::fleet::events::{EventInfo, EventObject, EventType};
use ge_console::fleet::{
    Fleet, KindStatus, LinkStatus, ObjectChange, OwnerRef, PodInfo, ReplicaSetInfo, ResourceKind,
    StoreChange, WorkloadInfo, WorkloadKey, WorkloadKind, ZoneEvent, ZoneModel,
};
use ge_console::ui::views::TimelineFilter;
use ge_console::ui::{RowKey, ViewKind};
use ratatui::crossterm::event::KeyCode;

mod common;
use common::{Console, ago, ch, clock, key};

// ---------------------------------------------------------------------------------------------
// Fixture: three zones; dev has ge-executor (one ScalingReplicaSet, its pods' events) and a
// ge-sandbox stuck in ContainerCreating (a FailedMount warning, no message of its own) and
// ImagePullBackOff; staging a crash-looping metrics-server; production may not list events.

fn config() -> FleetConfig {
    config::parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap()
}

fn owner(kind: &str, name: &str) -> Option<OwnerRef> {
    Some(OwnerRef {
        kind: kind.into(),
        name: name.into(),
    })
}

fn pod(ns: &str, name: &str, rs: &str, status: &str, message: Option<&str>) -> PodInfo {
    let ready = status == "Running";
    PodInfo {
        namespace: ns.into(),
        name: name.into(),
        phase: if ready { "Running" } else { "Pending" }.into(),
        status: status.into(),
        message: message.map(str::to_string),
        ready_containers: u16::from(ready),
        total_containers: 1,
        restarts: 0,
        node: Some("node-1".into()),
        images: vec!["registry.ge.internal/ge-executor:1.8.2".into()],
        owner: owner("ReplicaSet", rs),
        template_hash: rs.rsplit('-').next().map(str::to_string),
        created: ago(600),
        started: ago(590),
        deleting: false,
        containers: vec![],
        conditions: vec![],
    }
}

fn deployment(ns: &str, name: &str, desired: i32, ready: i32) -> WorkloadInfo {
    WorkloadInfo {
        kind: WorkloadKind::Deployment,
        namespace: ns.into(),
        name: name.into(),
        generation: 2,
        observed_generation: 2,
        desired,
        current: desired,
        updated: desired,
        ready,
        available: ready,
        paused: false,
        images: vec!["registry.ge.internal/ge-executor:1.8.2".into()],
        conditions: vec![],
        current_revision: None,
        update_revision: None,
        rolling_update: true,
        partition: 0,
        restarted_at: None,
        created: ago(86_400),
    }
}

fn replicaset(ns: &str, deployment: &str, hash: &str) -> ReplicaSetInfo {
    ReplicaSetInfo {
        namespace: ns.into(),
        name: format!("{deployment}-{hash}"),
        owner: owner("Deployment", deployment),
        desired: 1,
        current: 1,
        ready: 1,
        available: 1,
        revision: Some(2),
        template_hash: Some(hash.into()),
        images: vec![],
        created: ago(700),
        change_cause: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn event(
    ns: &str,
    name: &str,
    warning: bool,
    reason: &str,
    (kind, object): (&str, &str),
    message: &str,
    count: u32,
    seconds_ago: i64,
) -> EventInfo {
    EventInfo {
        namespace: ns.into(),
        name: name.into(),
        event_type: if warning {
            EventType::Warning
        } else {
            EventType::Normal
        },
        reason: reason.into(),
        object: EventObject::new(kind, ns, object),
        message: message.into(),
        count,
        first_seen: ago(seconds_ago + 60 * i64::from(count - 1)),
        last_seen: ago(seconds_ago),
        reporter: if kind == "Pod" {
            "kubelet"
        } else {
            "deployment-controller"
        }
        .into(),
    }
}

fn live(
    zone: &mut ZoneModel,
    pods: Vec<PodInfo>,
    workloads: Vec<WorkloadInfo>,
    rs: Vec<ReplicaSetInfo>,
) {
    zone.apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: "v1.34.2+k3s1".into(),
    }));
    for change in [
        ObjectChange::Pods(StoreChange::Replace(pods)),
        ObjectChange::Workloads(WorkloadKind::Deployment, StoreChange::Replace(workloads)),
        ObjectChange::ReplicaSets(StoreChange::Replace(rs)),
    ] {
        zone.apply(ZoneEvent::Objects(change));
    }
    for kind in ResourceKind::ALL {
        zone.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
    }
}

fn add_events(zone: &mut ZoneModel, events: Vec<EventInfo>) {
    for e in events {
        let ns = e.namespace.clone();
        zone.apply(ZoneEvent::Objects(ObjectChange::Events(
            ns,
            StoreChange::Upsert(e),
        )));
    }
}

const SANDBOX_POD: &str = "ge-sandbox-5d4c3b2a19-qwert";
const PULL_POD: &str = "ge-sandbox-5d4c3b2a19-zxcvb";
const MOUNT_MESSAGE: &str =
    "MountVolume.SetUp failed for volume \"workspace\" : secret \"ge-sandbox-token\" not found";

fn fleet() -> Fleet {
    let mut fleet = Fleet::new(&config());
    let dev = &mut fleet.zones[0];
    live(
        dev,
        vec![
            pod(
                "ge-agents",
                "ge-executor-7f9c6b5d48-abcde",
                "ge-executor-7f9c6b5d48",
                "Running",
                None,
            ),
            pod(
                "ge-agents",
                SANDBOX_POD,
                "ge-sandbox-5d4c3b2a19",
                "ContainerCreating",
                None,
            ),
            pod(
                "ge-agents",
                PULL_POD,
                "ge-sandbox-5d4c3b2a19",
                "ImagePullBackOff",
                Some("Back-off pulling image \"registry.ge.internal/ge-sandbox:broken\""),
            ),
        ],
        vec![
            deployment("ge-agents", "ge-executor", 1, 1),
            deployment("ge-agents", "ge-sandbox", 2, 0),
        ],
        vec![
            replicaset("ge-agents", "ge-executor", "7f9c6b5d48"),
            replicaset("ge-agents", "ge-sandbox", "5d4c3b2a19"),
        ],
    );
    add_events(
        dev,
        vec![
            event(
                "ge-agents",
                "ge-executor.1",
                false,
                "ScalingReplicaSet",
                ("Deployment", "ge-executor"),
                "Scaled up replica set ge-executor-7f9c6b5d48 to 1",
                1,
                300,
            ),
            event(
                "ge-agents",
                "ge-executor-7f9c6b5d48.1",
                false,
                "SuccessfulCreate",
                ("ReplicaSet", "ge-executor-7f9c6b5d48"),
                "Created pod: ge-executor-7f9c6b5d48-abcde",
                1,
                299,
            ),
            event(
                "ge-agents",
                "ge-executor-7f9c6b5d48-abcde.1",
                false,
                "Started",
                ("Pod", "ge-executor-7f9c6b5d48-abcde"),
                "Started container executor",
                1,
                290,
            ),
            event(
                "ge-agents",
                "ge-sandbox.mount",
                true,
                "FailedMount",
                ("Pod", SANDBOX_POD),
                MOUNT_MESSAGE,
                6,
                40,
            ),
            event(
                "ge-agents",
                "ge-sandbox.pull",
                true,
                "Failed",
                ("Pod", PULL_POD),
                "Failed to pull image \"registry.ge.internal/ge-sandbox:broken\": not found",
                3,
                20,
            ),
            event(
                "kube-system",
                "coredns.1",
                false,
                "Pulled",
                ("Pod", "coredns-6d668d687-x2kq9"),
                "Container image already present on machine",
                1,
                3000,
            ),
        ],
    );
    let staging = &mut fleet.zones[1];
    live(
        staging,
        vec![pod(
            "kube-system",
            "metrics-server-5985cbc9d7-vb7qf",
            "metrics-server-5985cbc9d7",
            "CrashLoopBackOff",
            Some("back-off 5m0s restarting failed container"),
        )],
        vec![deployment("kube-system", "metrics-server", 1, 0)],
        vec![replicaset("kube-system", "metrics-server", "5985cbc9d7")],
    );
    add_events(
        staging,
        vec![event(
            "kube-system",
            "metrics-server.backoff",
            true,
            "BackOff",
            ("Pod", "metrics-server-5985cbc9d7-vb7qf"),
            "Back-off restarting failed container metrics-server",
            14,
            30,
        )],
    );
    let production = &mut fleet.zones[2];
    live(production, vec![], vec![], vec![]);
    production.apply(ZoneEvent::Kind(
        ResourceKind::Events,
        KindStatus::Forbidden {
            message: "events.events.k8s.io is forbidden: User \"ge-reader\" cannot list resource \"events\" in the namespace \"kube-system\"".into(),
        },
    ));
    for zone in &mut fleet.zones {
        zone.set_state_since(clock().instant - Duration::from_secs(192));
    }
    fleet
}

fn console() -> Console {
    Console::new(&config(), fleet(), false)
}

fn timeline(ui: &Console) -> &TimelineFilter {
    ui.timeline_filter().expect("the timeline is on screen")
}

fn sandbox_key() -> WorkloadKey {
    WorkloadKey {
        kind: WorkloadKind::Deployment,
        namespace: "ge-agents".into(),
        name: "ge-sandbox".into(),
    }
}

// ---------------------------------------------------------------------------------------------

#[test]
fn the_timeline_at_200x50_merges_every_zone_newest_first() {
    let mut ui = console();
    ui.key(ch('E'));
    assert_eq!(ui.view(), ViewKind::Timeline);
    let screen = ui.render(200, 50);
    insta::assert_snapshot!("timeline_200x50", screen);
    let order: Vec<usize> = [
        "Failed ",
        "BackOff",
        "FailedMount",
        "ScalingReplicaSet",
        "Pulled",
    ]
    .iter()
    .map(|reason| {
        screen
            .find(reason)
            .unwrap_or_else(|| panic!("{reason} missing:\n{screen}"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "newest first:\n{screen}"
    );
    for fact in [
        "Events (all zones)",
        "7 events, 3 Warning",
        "Z3 production: events forbidden",
        "staging",
        "14",
    ] {
        assert!(screen.contains(fact), "{fact:?} missing from\n{screen}");
    }
}

#[test]
fn the_timeline_at_80x24_keeps_its_columns() {
    let mut ui = console();
    ui.key(ch('E'));
    let screen = ui.render(80, 24);
    insta::assert_snapshot!("timeline_80x24", screen);
    for column in [
        "LAST SEEN",
        "ZONE",
        "TYPE",
        "REASON",
        "OBJECT",
        "MESSAGE",
        "COUNT",
    ] {
        assert!(screen.contains(column), "{column} missing from\n{screen}");
    }
}

#[test]
fn warning_only_zone_namespace_and_text_filters_narrow_the_timeline() {
    let mut ui = console();
    ui.key(ch('E'));
    assert_eq!(
        ui.selected().map(|k| matches!(k, RowKey::Event(..))),
        Some(true)
    );
    ui.key(ch('w'));
    assert!(timeline(&ui).warnings_only);
    let screen = ui.render(200, 50);
    assert!(screen.contains("3 events, 3 Warning"), "{screen}");
    assert!(!screen.contains("ScalingReplicaSet"), "{screen}");
    ui.key(ch('w'));
    assert!(!timeline(&ui).warnings_only);

    // z: dev, staging, production, then all zones again.
    ui.key(ch('z'));
    assert_eq!(timeline(&ui).zone, Some(0));
    let screen = ui.render(200, 50);
    assert!(
        screen.contains("6 events, 2 Warning") && !screen.contains("BackOff"),
        "{screen}"
    );
    ui.key(ch('z'));
    ui.key(ch('z'));
    assert_eq!(timeline(&ui).zone, Some(2));
    let screen = ui.render(200, 50);
    assert!(
        screen.contains("events forbidden") && screen.contains("0 events"),
        "{screen}"
    );
    ui.key(ch('z'));
    assert_eq!(timeline(&ui).zone, None);

    // n: the watched namespaces in order (kube-system is the last of the defaults).
    for _ in 0..5 {
        ui.key(ch('n'));
    }
    assert_eq!(timeline(&ui).namespace.as_deref(), Some("kube-system"));
    let screen = ui.render(200, 50);
    assert!(
        screen.contains("BackOff") && !screen.contains("FailedMount"),
        "{screen}"
    );
    ui.key(ch('n'));
    assert_eq!(timeline(&ui).namespace, None);

    ui.key(ch('/'));
    for c in "mount".chars() {
        ui.key(ch(c));
    }
    ui.key(key(KeyCode::Enter));
    let screen = ui.render(200, 50);
    assert!(
        screen.contains("1 events, 1 Warning") && screen.contains("FailedMount"),
        "{screen}"
    );
    assert_eq!(ui.filter_text(), "mount");
    // esc clears the filter first, then leaves the timeline for the overview.
    ui.key(key(KeyCode::Esc));
    assert_eq!(ui.view(), ViewKind::Timeline);
    ui.key(key(KeyCode::Esc));
    assert_eq!(ui.view(), ViewKind::Overview);
}

#[test]
fn enter_on_a_pod_in_the_workload_view_opens_that_pods_events() {
    let mut ui = console();
    ui.key(ch('e')); // ge-executor's view in dev, the redeploy target
    ui.key(key(KeyCode::Esc));
    assert_eq!(ui.view(), ViewKind::Zone);
    // Into ge-sandbox's view from the zone view.
    for _ in 0..40 {
        if ui.selected() == Some(&RowKey::Workload(sandbox_key())) {
            break;
        }
        ui.key(key(KeyCode::Down));
    }
    ui.key(key(KeyCode::Enter));
    assert_eq!(ui.open_workload(), Some(&sandbox_key()));
    let screen = ui.render(160, 40);
    // The stuck pods' reasons are under their rows, without another key.
    let lines: Vec<&str> = screen.lines().collect();
    let row = lines
        .iter()
        .position(|l| l.starts_with(SANDBOX_POD))
        .expect(&screen);
    assert!(
        lines[row + 1].contains(&format!("↳ FailedMount: {MOUNT_MESSAGE}")),
        "{screen}"
    );
    let row = lines
        .iter()
        .position(|l| l.starts_with(PULL_POD))
        .expect(&screen);
    assert!(
        lines[row + 1].contains("↳ Back-off pulling image"),
        "{screen}"
    );
    assert!(screen.contains("EVENTS 2 of the workload"), "{screen}");
    assert!(
        !screen.contains("ScalingReplicaSet"),
        "ge-executor's events are not ge-sandbox's:\n{screen}"
    );

    // The first pod row is the ContainerCreating one (name order): enter opens its events.
    assert_eq!(
        ui.selected(),
        Some(&RowKey::Pod(ge_console::fleet::ObjectKey::new(
            "ge-agents",
            SANDBOX_POD
        )))
    );
    ui.key(key(KeyCode::Enter));
    assert_eq!(ui.view(), ViewKind::Timeline);
    assert_eq!(
        timeline(&ui).object,
        Some(EventObject::new("Pod", "ge-agents", SANDBOX_POD))
    );
    let screen = ui.render(160, 40);
    assert!(
        screen.contains("1 events, 1 Warning") && screen.contains("FailedMount"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("Events of pod/{SANDBOX_POD}")),
        "{screen}"
    );
    ui.key(key(KeyCode::Esc));
    assert_eq!(ui.view(), ViewKind::Workload);
}

#[test]
fn enter_on_an_event_shows_its_objects_events() {
    let mut ui = console();
    ui.key(ch('E'));
    // The newest is the image pull failure of PULL_POD.
    ui.key(key(KeyCode::Enter));
    assert_eq!(
        timeline(&ui).object,
        Some(EventObject::new("Pod", "ge-agents", PULL_POD))
    );
    assert_eq!(timeline(&ui).zone, Some(0));
}

#[test]
fn the_overview_counts_each_zones_recent_warnings() {
    let mut ui = console();
    let screen = ui.render(200, 50);
    assert!(
        screen.contains("EVENTS ⚠ 2 Warning in 15m"),
        "dev:\n{screen}"
    );
    assert!(
        screen.contains("EVENTS ⚠ 1 Warning in 15m"),
        "staging:\n{screen}"
    );
    assert_eq!(
        screen.matches("EVENTS ⚠").count(),
        2,
        "production has none it may list:\n{screen}"
    );
    assert!(screen.contains("forbidden: events"), "{screen}");
}

#[test]
fn events_age_out_of_the_window_as_the_clock_moves() {
    let mut ui = console();
    ui.key(ch('E'));
    assert!(ui.render(200, 50).contains("7 events"));
    // 1000 s on: the 50-minute-old coredns event is past the hour, and every Warning is
    // older than the overview's 15 minutes.
    ui.core
        .time()
        .set(clock().advanced(Duration::from_secs(1000)));
    ui.core.on_tick();
    let screen = ui.render(200, 50);
    assert!(
        screen.contains("6 events") && !screen.contains("Pulled"),
        "{screen}"
    );
    assert_eq!(ui.fleet().zones[0].events.len(), 5);
    // The overview's count moves with time too.
    ui.key(key(KeyCode::Esc));
    let screen = ui.render(200, 50);
    assert!(
        !screen.contains("EVENTS ⚠"),
        "older than 15 minutes now:\n{screen}"
    );
}
