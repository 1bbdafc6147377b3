//! The explain pane from the keyboard, on the console's real core (`ConsoleCore`): `x` on a red
//! workload, pod or node, `X` on a zone, a pin explained from its zone, `enter` leading to each
//! finding's object, `x` drilling down and `esc` coming back; rendered at 80×24 and 200×50.

use std::path::Path;
use std::time::Duration;

use ge_console::actions::logs::LogRequest;
use ge_console::actions::runner::ActionRequest;
use ge_console::config::{self, DEFAULT_ZONES_TOML, FleetConfig};
use ge_console::fleet::events::{EventInfo, EventObject, EventType};
use ge_console::fleet::explain::FindingTarget;
use ge_console::fleet::{
    ConditionInfo, ContainerRole, ContainerState, ContainerSummary, FailureCause, Fleet,
    KindStatus, LinkStatus, NamespaceInfo, NodeInfo, ObjectChange, ObjectKey, OwnerRef, PodInfo,
    ReplicaSetInfo, ResourceKind, StoreChange, Termination, WorkloadInfo, WorkloadKey,
    WorkloadKind, ZoneEvent, ZoneModel,
};
use ge_console::ui::{Pane, RowKey, UiOutcome, ViewKind};
use ratatui::crossterm::event::KeyCode;

mod common;
use common::{Console, ago, ch, clock, key};

fn zones_config() -> FleetConfig {
    config::parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap()
}

fn main_container(name: &str, ready: bool, state: ContainerState) -> ContainerSummary {
    ContainerSummary {
        name: name.into(),
        role: ContainerRole::Main,
        ready,
        restarts: 0,
        state,
        last_termination: None,
    }
}

fn pod(ns: &str, name: &str, status: &str, rs: &str, c: ContainerSummary) -> PodInfo {
    PodInfo {
        namespace: ns.into(),
        name: name.into(),
        phase: if status == "ContainerCreating" {
            "Pending"
        } else {
            "Running"
        }
        .into(),
        status: status.into(),
        message: None,
        ready_containers: u16::from(c.ready),
        total_containers: 1,
        restarts: c.restarts,
        node: Some("ge-dev-1".into()),
        images: vec![format!("registry.ge.internal/{rs}:1")],
        owner: Some(OwnerRef {
            kind: "ReplicaSet".into(),
            name: rs.into(),
        }),
        template_hash: None,
        created: ago(2 * 3600),
        started: ago(2 * 3600),
        deleting: false,
        containers: vec![c],
        conditions: vec![],
    }
}

fn deployment(ns: &str, name: &str, image: &str, ready: i32) -> WorkloadInfo {
    WorkloadInfo {
        kind: WorkloadKind::Deployment,
        namespace: ns.into(),
        name: name.into(),
        generation: 1,
        observed_generation: 1,
        desired: 1,
        current: 1,
        updated: 1,
        ready,
        available: ready,
        paused: false,
        images: vec![image.into()],
        conditions: vec![],
        current_revision: None,
        update_revision: None,
        rolling_update: true,
        partition: 0,
        restarted_at: None,
        created: ago(40 * 86_400),
    }
}

fn replicaset(ns: &str, deployment: &str) -> ReplicaSetInfo {
    ReplicaSetInfo {
        namespace: ns.into(),
        name: format!("{deployment}-5d8f"),
        owner: Some(OwnerRef {
            kind: "Deployment".into(),
            name: deployment.into(),
        }),
        desired: 1,
        current: 1,
        ready: 1,
        available: 1,
        revision: Some(1),
        template_hash: Some("5d8f".into()),
        images: vec![],
        created: ago(86_400),
        change_cause: None,
    }
}

fn sandbox() -> WorkloadKey {
    WorkloadKey::parse("ge-agents/deployment/ge-sandbox").unwrap()
}

fn metrics_pod() -> ObjectKey {
    ObjectKey::new("kube-system", "metrics-server-5d8f-x2x9k")
}

/// Dev: ge-sandbox stuck in ContainerCreating past its deadline, metrics-server crash-looping,
/// traefik off its pin, ge-executor fine.
fn dev(zone: &mut ZoneModel) {
    zone.apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: "v1.34.2+k3s1".into(),
    }));
    let mut stuck = deployment(
        "ge-agents",
        "ge-sandbox",
        "registry.ge.internal/ge-sandbox:broken-arm64-only",
        0,
    );
    stuck.conditions = vec![
        ConditionInfo {
            kind: "Progressing".into(),
            status: "False".into(),
            reason: "ProgressDeadlineExceeded".into(),
            message: "ReplicaSet \"ge-sandbox-5d8f\" has timed out progressing.".into(),
        },
        ConditionInfo {
            kind: "Available".into(),
            status: "False".into(),
            reason: "MinimumReplicasUnavailable".into(),
            message: "Deployment does not have minimum availability.".into(),
        },
    ];
    let mut metrics = deployment(
        "kube-system",
        "metrics-server",
        "rancher/mirrored-metrics-server:v0.8.0",
        0,
    );
    metrics.available = 0;
    let workloads = vec![
        deployment(
            "ge-agents",
            "ge-executor",
            "registry.ge.internal/ge-executor:1.8.2",
            1,
        ),
        stuck,
        metrics,
        deployment(
            "kube-system",
            "traefik",
            "rancher/mirrored-library-traefik:3.5.1",
            1,
        ),
        deployment(
            "kube-system",
            "coredns",
            "rancher/mirrored-coredns-coredns:1.14.1",
            1,
        ),
    ];
    let mut crash = main_container(
        "metrics-server",
        false,
        ContainerState::waiting(
            "CrashLoopBackOff",
            Some("back-off 5m0s restarting failed container=metrics-server".into()),
        ),
    );
    crash.restarts = 14;
    crash.last_termination = Some(Box::new(Termination {
        reason: "Error".into(),
        exit_code: 1,
        signal: None,
        finished: ago(90),
        message: Some("panic: unable to load configmap".into()),
    }));
    let pods = vec![
        pod(
            "ge-agents",
            "ge-executor-5d8f-abcde",
            "Running",
            "ge-executor-5d8f",
            main_container("executor", true, ContainerState::Running),
        ),
        pod(
            "ge-agents",
            "ge-sandbox-5d8f-q7x2p",
            "ContainerCreating",
            "ge-sandbox-5d8f",
            main_container(
                "sandbox",
                false,
                ContainerState::waiting("ContainerCreating", None),
            ),
        ),
        pod(
            "kube-system",
            "metrics-server-5d8f-x2x9k",
            "CrashLoopBackOff",
            "metrics-server-5d8f",
            crash,
        ),
    ];
    let replicasets = vec![
        replicaset("ge-agents", "ge-executor"),
        replicaset("ge-agents", "ge-sandbox"),
        replicaset("kube-system", "metrics-server"),
    ];
    let node = NodeInfo {
        name: "ge-dev-1".into(),
        ready: true,
        unschedulable: false,
        roles: vec!["control-plane".into()],
        kubelet_version: "v1.34.2+k3s1".into(),
        container_runtime: "containerd://2.1.5-k3s1".into(),
        os_image: "Ubuntu 24.04.3 LTS".into(),
        kernel_version: "6.8.0-87-generic".into(),
        created: ago(41 * 86_400),
    };
    let namespaces = [
        "ge-system",
        "ge-agents",
        "ge-data",
        "ge-monitoring",
        "kube-system",
    ]
    .map(|n| NamespaceInfo {
        name: n.into(),
        phase: "Active".into(),
    })
    .to_vec();
    zone.apply(ZoneEvent::Objects(ObjectChange::Workloads(
        WorkloadKind::Deployment,
        StoreChange::Replace(workloads),
    )));
    for kind in [WorkloadKind::StatefulSet, WorkloadKind::DaemonSet] {
        zone.apply(ZoneEvent::Objects(ObjectChange::Workloads(
            kind,
            StoreChange::Replace(vec![]),
        )));
    }
    for change in [
        ObjectChange::Nodes(StoreChange::Replace(vec![node])),
        ObjectChange::Namespaces(StoreChange::Replace(namespaces)),
        ObjectChange::Pods(StoreChange::Replace(pods)),
        ObjectChange::ReplicaSets(StoreChange::Replace(replicasets)),
    ] {
        zone.apply(ZoneEvent::Objects(change));
    }
    for kind in ResourceKind::ALL {
        zone.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
    }
}

/// Dev as above; staging live and empty; production unreachable from the start.
fn fleet(config: &FleetConfig) -> Fleet {
    let mut fleet = Fleet::new(config);
    dev(&mut fleet.zones[0]);
    fleet.zones[1].apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: "v1.33.5".into(),
    }));
    for kind in ResourceKind::ALL {
        fleet.zones[1].apply(ZoneEvent::Kind(kind, KindStatus::Synced));
    }
    for _ in 0..3 {
        fleet.zones[2].apply(ZoneEvent::Link(LinkStatus::Failed {
            error: "dial tcp 10.0.3.1:6443: connect: connection refused".into(),
            cause: FailureCause::Unreachable,
            retry_at: None,
        }));
    }
    for zone in &mut fleet.zones {
        zone.set_state_since(clock().instant - Duration::from_secs(300));
    }
    fleet
}

fn console() -> Console {
    let config = zones_config();
    let fleet = fleet(&config);
    Console::new(&config, fleet, false)
}

/// Presses down in the explain pane until the selected finding's footer names `what`.
fn select_finding(console: &mut Console, what: &str) {
    for _ in 0..20 {
        if console.render(200, 50).contains(&format!("→ {what}")) {
            return;
        }
        console.key(key(KeyCode::Down));
    }
    panic!("no finding leads to {what}:\n{}", console.render(200, 50));
}

#[test]
fn x_on_a_red_workload_explains_its_rollout_and_enter_goes_to_the_blocking_pod() {
    let mut console = console();
    console.select_in_overview(&RowKey::Workload(sandbox()));
    assert_eq!(console.key(ch('x')), UiOutcome::Redraw);
    assert_eq!(console.pane(), Some(Pane::Explain));
    let screen = console.render(200, 50);
    assert!(
        screen.contains("Why · Z1 dev · deployment ge-agents/ge-sandbox"),
        "{screen}"
    );
    assert!(screen.contains(
        "✗ the rollout failed: deployment \"ge-sandbox\" exceeded its progress deadline"
    ));
    assert!(screen.contains("Progressing=False ProgressDeadlineExceeded"));
    assert!(
        screen.contains(
            "⚠ pod ge-sandbox-5d8f-q7x2p: container sandbox is waiting: ContainerCreating"
        )
    );
    select_finding(
        &mut console,
        "enter goes to pod ge-agents/ge-sandbox-5d8f-q7x2p",
    );
    console.key(key(KeyCode::Enter));
    assert_eq!(console.pane(), None, "enter closes the pane");
    assert_eq!(console.view(), ViewKind::Workload);
    assert_eq!(console.open_workload(), Some(&sandbox()));
    assert_eq!(
        console.selected(),
        Some(&RowKey::Pod(ObjectKey::new(
            "ge-agents",
            "ge-sandbox-5d8f-q7x2p"
        )))
    );
}

#[test]
fn x_on_a_crash_looping_system_pod_names_its_exit_and_enter_selects_it_in_the_zone_view() {
    let mut console = console();
    console.key(key(KeyCode::Enter));
    assert_eq!(console.view(), ViewKind::Zone);
    for _ in 0..10 {
        if console.selected() == Some(&RowKey::Pod(metrics_pod())) {
            break;
        }
        console.key(key(KeyCode::Down));
    }
    console.key(ch('x'));
    let screen = console.render(200, 50);
    assert!(
        screen.contains("pod kube-system/metrics-server-5d8f-x2x9k"),
        "{screen}"
    );
    assert!(screen.contains(
        "✗ container metrics-server is crash-looping (CrashLoopBackOff): last exit 1 (Error), 14 restarts"
    ));
    assert!(screen.contains("last run: exit 1 (Error) 1m ago"));
    assert!(screen.contains("termination message: panic: unable to load configmap"));
    console.key(key(KeyCode::Enter));
    assert_eq!(console.pane(), None);
    assert_eq!(console.view(), ViewKind::Zone);
    assert_eq!(console.selected(), Some(&RowKey::Pod(metrics_pod())));
}

#[test]
fn capital_x_explains_the_zone_and_a_pin_is_explained_in_place_then_esc_comes_back() {
    let mut console = console();
    console.key(ch('X'));
    let screen = console.render(200, 50);
    assert!(screen.contains("Why · Z1 dev · zone"), "{screen}");
    assert!(screen.contains("✗ traefik is off its pin: 3.5.1 is not on v3.6.x"));
    assert!(screen.contains("✗ system pod metrics-server-5d8f-x2x9k: container metrics-server"));
    assert!(screen.contains("✗ deployment ge-agents/ge-sandbox: the rollout failed"));
    select_finding(&mut console, "enter explains pin traefik");
    console.key(key(KeyCode::Enter));
    assert_eq!(
        console.pane(),
        Some(Pane::Explain),
        "a pin is explained in place"
    );
    let screen = console.render(200, 50);
    assert!(
        screen.contains("Why · Z1 dev · zone › pin traefik"),
        "{screen}"
    );
    assert!(screen.contains("✗ deployment kube-system/traefik runs 3.5.1: not on v3.6.x"));
    console.key(key(KeyCode::Enter));
    assert_eq!(console.pane(), None);
    assert_eq!(
        console.open_workload(),
        Some(&WorkloadKey::parse("kube-system/deployment/traefik").unwrap())
    );

    console.key(ch('X'));
    let screen = console.render(200, 50);
    assert!(
        screen.contains("Why · Z1 dev · deployment kube-system/traefik"),
        "X in a workload view explains that workload: {screen}"
    );
    console.key(key(KeyCode::Esc));
    assert_eq!(
        console.pane(),
        None,
        "esc closes the pane at its first explanation"
    );
}

#[test]
fn x_in_the_pane_drills_down_and_esc_goes_back_one_explanation() {
    let mut console = console();
    console.key(ch('X'));
    select_finding(
        &mut console,
        "enter goes to deployment ge-agents/ge-sandbox",
    );
    console.key(ch('x'));
    let screen = console.render(200, 50);
    assert!(
        screen.contains("zone › deployment ge-agents/ge-sandbox"),
        "{screen}"
    );
    assert!(screen.contains("Available=False MinimumReplicasUnavailable"));
    console.key(key(KeyCode::Esc));
    let screen = console.render(200, 50);
    assert!(screen.contains("Why · Z1 dev · zone"), "{screen}");
    assert!(!screen.contains("zone › deployment"));
    assert_eq!(console.pane(), Some(Pane::Explain));
    assert_eq!(
        console.view(),
        ViewKind::Overview,
        "nothing moved underneath"
    );
}

#[test]
fn an_unreachable_zone_says_so_with_its_error_and_enter_opens_its_view() {
    let mut console = console();
    console.key(key(KeyCode::Right));
    console.key(key(KeyCode::Right));
    console.key(ch('X'));
    let screen = console.render(200, 50);
    assert!(screen.contains("Why · Z3 production · zone"), "{screen}");
    assert!(screen.contains("✗ unreachable: dial tcp 10.0.3.1:6443: connect: connection refused"));
    assert!(screen.contains("3 failed attempts"));
    assert!(screen.contains("nothing could be checked"));
    console.key(key(KeyCode::Enter));
    assert_eq!(console.view(), ViewKind::Zone);
    assert_eq!(console.focused_zone(), 2);
}

#[test]
fn y_copies_the_selected_findings_object() {
    let mut console = console();
    console.select_in_overview(&RowKey::Workload(sandbox()));
    console.key(ch('x'));
    select_finding(
        &mut console,
        "enter goes to pod ge-agents/ge-sandbox-5d8f-q7x2p",
    );
    assert_eq!(
        console.key(ch('y')),
        UiOutcome::Copy("ge-agents/pod/ge-sandbox-5d8f-q7x2p".into())
    );
}

#[test]
fn a_green_item_is_explained_as_fine() {
    let mut console = console();
    console.select_in_overview(&RowKey::Workload(
        WorkloadKey::parse("ge-agents/deployment/ge-executor").unwrap(),
    ));
    console.key(ch('x'));
    let screen = console.render(200, 50);
    assert!(
        screen.contains("✓ rollout complete: desired 1 · updated 1 · ready 1 · available 1"),
        "{screen}"
    );
    let target =
        FindingTarget::workload(WorkloadKey::parse("ge-agents/deploy/ge-executor").unwrap());
    assert!(screen.contains(&format!("→ enter goes to {}", target.describe())));
}

#[test]
fn snapshots_of_the_pane_at_both_sizes() {
    let mut console = console();
    console.select_in_overview(&RowKey::Workload(sandbox()));
    console.key(ch('x'));
    insta::assert_snapshot!("explain_workload_80x24", console.render(80, 24));
    insta::assert_snapshot!("explain_workload_200x50", console.render(200, 50));
    console.key(key(KeyCode::Esc));
    console.key(ch('X'));
    insta::assert_snapshot!("explain_zone_80x24", console.render(80, 24));
    insta::assert_snapshot!("explain_zone_200x50", console.render(200, 50));
}

/// The console above, with the Warnings a stuck sandbox pod gets from the kubelet.
fn console_with_warnings() -> Console {
    let config = zones_config();
    let mut fleet = fleet(&config);
    let warning = |name: &str, reason: &str, message: &str, seconds: i64| EventInfo {
        namespace: "ge-agents".into(),
        name: name.into(),
        event_type: EventType::Warning,
        reason: reason.into(),
        object: EventObject::new("Pod", "ge-agents", "ge-sandbox-5d8f-q7x2p"),
        message: message.into(),
        count: 4,
        first_seen: ago(seconds + 600),
        last_seen: ago(seconds),
        reporter: "kubelet".into(),
    };
    fleet.zones[0].apply(ZoneEvent::Objects(ObjectChange::Events(
        "ge-agents".into(),
        StoreChange::Replace(vec![
            warning(
                "ge-sandbox-5d8f-q7x2p.mount",
                "FailedMount",
                "MountVolume.SetUp failed for volume \"sandbox-secrets\": secret \"sandbox-secrets\" not found",
                120,
            ),
            EventInfo {
                event_type: EventType::Normal,
                reason: "Scheduled".into(),
                ..warning("ge-sandbox-5d8f-q7x2p.scheduled", "", "assigned", 900)
            },
        ]),
    )));
    Console::new(&config, fleet, false)
}

/// Opens the explain pane on the stuck sandbox and selects its Warning's finding (the last:
/// events follow the state).
fn explain_the_sandboxs_warning(console: &mut Console) {
    console.select_in_overview(&RowKey::Workload(sandbox()));
    console.key(ch('x'));
    console.key(key(KeyCode::End));
    let screen = console.render(200, 50);
    assert!(
        screen.contains("→ enter goes to pod ge-agents/ge-sandbox-5d8f-q7x2p"),
        "{screen}"
    );
}

#[test]
fn a_workloads_warning_events_are_findings_after_its_state() {
    let mut console = console_with_warnings();
    console.select_in_overview(&RowKey::Workload(sandbox()));
    console.key(ch('x'));
    let screen = console.render(200, 50);
    let failed = screen
        .find("✗ the rollout failed")
        .expect("the state first");
    let warning = screen
        .find("⚠ event FailedMount on pod/ge-sandbox-5d8f-q7x2p ×4, 2m ago")
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(failed < warning, "{screen}");
    assert!(screen.contains("secret \"sandbox-secrets\" not found"));
    assert!(screen.contains("reported by kubelet"));
    assert!(
        !screen.contains("Scheduled"),
        "Normal events are not findings"
    );
}

#[tokio::test]
async fn from_a_finding_l_opens_its_pods_log_y_its_yaml_and_e_its_events() {
    let mut console = console_with_warnings();
    explain_the_sandboxs_warning(&mut console);
    let outcome = console.key(ch('L'));
    let UiOutcome::Request(ActionRequest::Logs(LogRequest::Open(order))) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(
        order.subject.to_string(),
        "ge-agents/pod/ge-sandbox-5d8f-q7x2p"
    );
    assert_eq!(console.pane(), Some(Pane::Logs));
    console.key(key(KeyCode::Esc));

    explain_the_sandboxs_warning(&mut console);
    let outcome = console.key(ch('Y'));
    let UiOutcome::Request(ActionRequest::ObjectYaml { object, .. }) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(object.to_string(), "ge-agents/pod/ge-sandbox-5d8f-q7x2p");
    assert_eq!(console.pane(), Some(Pane::Yaml));
    console.key(key(KeyCode::Esc));

    explain_the_sandboxs_warning(&mut console);
    console.key(ch('E'));
    assert_eq!(console.pane(), None, "E closes the pane");
    assert_eq!(console.view(), ViewKind::Timeline);
    let screen = console.render(200, 50);
    assert!(screen.contains("FailedMount"), "{screen}");
    assert!(
        screen.contains("Scheduled"),
        "the pod's events, not only its Warnings"
    );
    console.key(key(KeyCode::Esc));
    assert_eq!(
        console.view(),
        ViewKind::Overview,
        "esc leads back to where x was pressed"
    );
}

#[tokio::test]
async fn on_an_event_in_the_timeline_y_shows_its_object_and_x_explains_it() {
    let mut console = console_with_warnings();
    console.key(ch('E'));
    assert_eq!(console.view(), ViewKind::Timeline);
    let mount = RowKey::Event(
        console.fleet().zones[0].config.id,
        ObjectKey::new("ge-agents", "ge-sandbox-5d8f-q7x2p.mount"),
    );
    for _ in 0..20 {
        if console.selected() == Some(&mount) {
            break;
        }
        console.key(key(KeyCode::Down));
    }
    assert_eq!(console.selected(), Some(&mount));
    let outcome = console.key(ch('Y'));
    let UiOutcome::Request(ActionRequest::ObjectYaml { object, .. }) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(object.to_string(), "ge-agents/pod/ge-sandbox-5d8f-q7x2p");
    console.key(key(KeyCode::Esc));
    console.key(ch('x'));
    assert_eq!(console.pane(), Some(Pane::Explain));
    let screen = console.render(200, 50);
    assert!(
        screen.contains("Why · Z1 dev · pod ge-agents/ge-sandbox-5d8f-q7x2p"),
        "{screen}"
    );
}
