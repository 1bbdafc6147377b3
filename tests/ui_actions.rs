//! The redeploy workflow from the keyboard: dialogs, guards, the build log pane, the rollout
//! panel and stale-pod flags, rendered on a `TestBackend` with a fixed clock; then the same
//! keys and the real `ActionRunner` against the demo fleet (restart to "succeeded", a paused
//! Deployment refused, a rollout that fails its progress deadline, read-only, the audit log).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ge_console::actions::audit::AuditRecord;
use ge_console::actions::restart::PAUSED_MESSAGE;
use ge_console::actions::rollout::{RolloutPhase, RolloutTracker};
use ge_console::actions::runner::{ActionEvent, ActionRequest, ActionRunner, Severity};
use ge_console::cluster::{self, LoadedKubeconfig};
use ge_console::config::{self, DEFAULT_ZONES_TOML, FleetConfig, ZoneId};
use ge_console::demo::{DemoFleet, DemoOptions};
use ge_console::fleet::health::ZoneSummary;
use ge_console::fleet::{
    ConditionInfo, Fleet, FleetEvent, KindStatus, LinkStatus, NamespaceInfo, NodeInfo,
    ObjectChange, OwnerRef, PodInfo, ReplicaSetInfo, ResourceKind, StoreChange, WorkloadInfo,
    WorkloadKey, WorkloadKind, ZoneEvent, ZoneModel, ZoneState,
};
use ge_console::ui::panes::precise_duration;
use ge_console::ui::{
    ActionSettings, Clock, Keymap, Pane, RowKey, Theme, Ui, UiOptions, UiOutcome, ViewKind,
};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

mod common;
use common::{ago, clock, key, select_in_overview, text_of, wall};

// ---------------------------------------------------------------------------------------------
// Fixture: the team's three zones, each live, with ge-executor and a few neighbours.

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn executor() -> WorkloadKey {
    WorkloadKey::parse("ge-agents/deployment/ge-executor").unwrap()
}

const OLD_HASH: &str = "7f9c6b5d48";
const NEW_HASH: &str = "5c8d7e9f1a";

fn pod(ns: &str, name: &str, status: &str, owner: (&str, &str), hash: Option<&str>) -> PodInfo {
    let ready = status == "Running";
    PodInfo {
        namespace: ns.into(),
        name: name.into(),
        phase: match status {
            "Running" | "CrashLoopBackOff" => "Running",
            _ => "Pending",
        }
        .into(),
        status: status.into(),
        message: (status == "CrashLoopBackOff")
            .then(|| "back-off 40s restarting failed container=executor".to_string()),
        ready_containers: u16::from(ready),
        total_containers: 1,
        restarts: if status == "CrashLoopBackOff" { 3 } else { 0 },
        node: Some("node-1".into()),
        images: vec!["registry.ge.internal/ge-executor:1.8.2".into()],
        owner: Some(OwnerRef {
            kind: owner.0.into(),
            name: owner.1.into(),
        }),
        template_hash: hash.map(str::to_string),
        created: ago(3 * 3600 + 60),
        started: ago(3 * 3600),
        deleting: false,
    }
}

fn executor_pod(hash: &str, suffix: &str, status: &str) -> PodInfo {
    pod(
        "ge-agents",
        &format!("ge-executor-{hash}-{suffix}"),
        status,
        ("ReplicaSet", &format!("ge-executor-{hash}")),
        Some(hash),
    )
}

fn deployment(ns: &str, name: &str, replicas: i32) -> WorkloadInfo {
    WorkloadInfo {
        kind: WorkloadKind::Deployment,
        namespace: ns.into(),
        name: name.into(),
        generation: 3,
        observed_generation: 3,
        desired: replicas,
        current: replicas,
        updated: replicas,
        ready: replicas,
        available: replicas,
        paused: false,
        images: vec![format!("registry.ge.internal/{name}:1.8.2")],
        conditions: vec![ConditionInfo {
            kind: "Available".into(),
            status: "True".into(),
            reason: "MinimumReplicasAvailable".into(),
            message: "Deployment has minimum availability.".into(),
        }],
        current_revision: None,
        update_revision: None,
        rolling_update: true,
        partition: 0,
        restarted_at: None,
        created: ago(30 * 86_400),
    }
}

fn replicaset(deployment: &str, hash: &str, revision: i64) -> ReplicaSetInfo {
    ReplicaSetInfo {
        namespace: "ge-agents".into(),
        name: format!("{deployment}-{hash}"),
        owner: Some(OwnerRef {
            kind: "Deployment".into(),
            name: deployment.into(),
        }),
        desired: 2,
        current: 2,
        ready: 2,
        available: 2,
        revision: Some(revision),
        template_hash: Some(hash.into()),
        images: vec![],
        created: ago(86_400 * revision),
    }
}

/// Connects a zone, lists these objects and makes it live.
fn fill(zone: &mut ZoneModel, workloads: Vec<WorkloadInfo>, pods: Vec<PodInfo>) {
    zone.apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: "v1.34.2+k3s1".into(),
    }));
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
    let node = NodeInfo {
        name: "node-1".into(),
        ready: true,
        unschedulable: false,
        roles: vec!["control-plane".into()],
        kubelet_version: "v1.34.2+k3s1".into(),
        container_runtime: "containerd://2.1.5-k3s1".into(),
        os_image: "Ubuntu 24.04.2 LTS".into(),
        kernel_version: "6.8.0-60-generic".into(),
        created: ago(90 * 86_400),
    };
    for change in [
        ObjectChange::Nodes(StoreChange::Replace(vec![node])),
        ObjectChange::Namespaces(StoreChange::Replace(namespaces)),
        ObjectChange::Pods(StoreChange::Replace(pods)),
        ObjectChange::ReplicaSets(StoreChange::Replace(vec![replicaset(
            "ge-executor",
            OLD_HASH,
            1,
        )])),
    ] {
        zone.apply(ZoneEvent::Objects(change));
    }
    for kind in ResourceKind::ALL {
        zone.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
    }
}

fn zones_config() -> FleetConfig {
    config::parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap()
}

/// Dev, staging and production live; ge-executor (2 replicas) everywhere; in staging an
/// admin-ui rollout someone else started.
fn team_fleet(config: &FleetConfig) -> Fleet {
    let mut fleet = Fleet::new(config);
    for zone in &mut fleet.zones {
        let mut admin = deployment("ge-system", "admin-ui", 1);
        if zone.config.name == "staging" {
            admin.generation = 4;
            admin.observed_generation = 4;
            admin.desired = 2;
            admin.updated = 1;
            admin.current = 3;
        }
        fill(
            zone,
            vec![deployment("ge-agents", "ge-executor", 2), admin],
            vec![
                executor_pod(OLD_HASH, "abcde", "Running"),
                executor_pod(OLD_HASH, "fghij", "Running"),
            ],
        );
        zone.set_state_since(clock().instant - Duration::from_secs(192));
    }
    fleet
}

/// Dev's ge-executor half-way through a rollout whose first new pod crash-loops.
fn executor_rolling(fleet: &mut Fleet) {
    let zone = &mut fleet.zones[0];
    let mut w = deployment("ge-agents", "ge-executor", 2);
    w.generation = 4;
    w.observed_generation = 4;
    w.updated = 1;
    w.current = 3;
    w.restarted_at = Some("2026-03-26T11:59:48Z".into());
    zone.apply(ZoneEvent::Objects(ObjectChange::Workloads(
        WorkloadKind::Deployment,
        StoreChange::Upsert(w),
    )));
    zone.apply(ZoneEvent::Objects(ObjectChange::ReplicaSets(
        StoreChange::Upsert(replicaset("ge-executor", NEW_HASH, 2)),
    )));
    let mut new = executor_pod(NEW_HASH, "k2x9p", "CrashLoopBackOff");
    new.created = ago(12);
    new.started = ago(11);
    zone.apply(ZoneEvent::Objects(ObjectChange::Pods(StoreChange::Upsert(
        new,
    ))));
}

/// Dev's ge-executor after the rollout: two new pods, the old ones gone.
fn executor_rolled(fleet: &mut Fleet) {
    let zone = &mut fleet.zones[0];
    let mut w = deployment("ge-agents", "ge-executor", 2);
    w.generation = 4;
    w.observed_generation = 4;
    zone.apply(ZoneEvent::Objects(ObjectChange::Workloads(
        WorkloadKind::Deployment,
        StoreChange::Upsert(w),
    )));
    let mut pods = vec![
        executor_pod(NEW_HASH, "k2x9p", "Running"),
        executor_pod(NEW_HASH, "m7q4z", "Running"),
    ];
    for p in &mut pods {
        p.created = ago(40);
        p.started = ago(38);
    }
    zone.apply(ZoneEvent::Objects(ObjectChange::Pods(
        StoreChange::Replace(pods),
    )));
}

// ---------------------------------------------------------------------------------------------
// Rendering and key helpers.

fn new_ui(read_only: bool, config: &FleetConfig) -> Ui {
    let mut ui = Ui::new(
        Keymap::default_map(),
        Theme::default_theme(),
        UiOptions {
            read_only,
            keymap_name: "default".into(),
        },
    );
    ui.set_action_settings(ActionSettings::from_config(config));
    ui
}

/// A runner over `config` with an empty kubeconfig (for renders; nothing reaches a cluster).
fn offline_runner(
    config: &FleetConfig,
    state: &Path,
    read_only: bool,
) -> (ActionRunner, mpsc::Receiver<ActionEvent>) {
    let kubeconfig = LoadedKubeconfig {
        kubeconfig: Default::default(),
        origin: "<none>".into(),
    };
    ActionRunner::new(config.clone(), kubeconfig, state.to_path_buf(), read_only)
}

fn render(
    ui: &mut Ui,
    fleet: &Fleet,
    runner: &ActionRunner,
    size: (u16, u16),
    clock: &Clock,
) -> String {
    let summaries: Vec<ZoneSummary> = fleet.zones.iter().map(ZoneSummary::of).collect();
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
    terminal
        .draw(|frame| ui.draw_with_actions(frame, fleet, &summaries, runner, clock))
        .unwrap();
    text_of(terminal.backend().buffer())
}

fn ch(c: char) -> KeyEvent {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(KeyCode::Char(c), modifiers)
}

fn type_text(ui: &mut Ui, fleet: &Fleet, text: &str) {
    for c in text.chars() {
        ui.handle_key(ch(c), fleet);
    }
}

fn assert_facts(screen: &str, facts: &[&str]) {
    for fact in facts {
        assert!(screen.contains(fact), "{fact:?} missing from\n{screen}");
    }
}

/// Applies the runner's reports until `done` holds (or fails after a deadline).
async fn pump_until(
    runner: &mut ActionRunner,
    rx: &mut mpsc::Receiver<ActionEvent>,
    fleet: &Fleet,
    what: &str,
    done: impl Fn(&ActionRunner) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !done(runner) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(event)) => {
                runner.on_event(event, fleet);
            }
            Ok(None) => panic!("runner channel closed while waiting for {what}"),
            Err(_) => panic!("timed out waiting for {what}; message {:?}", runner.message),
        }
    }
}

fn build_ended(runner: &ActionRunner) -> bool {
    runner.build.as_ref().is_some_and(|b| b.outcome.is_some())
}

/// A config whose build runs a fixture script in `workdir`.
fn config_building_with(script: &str, workdir: &Path) -> FleetConfig {
    let mut config = zones_config();
    config.rebuild.argv = vec!["bash".into(), fixture(script).display().to_string()];
    config.rebuild.workdir = Some(workdir.to_path_buf());
    config
}

// ---------------------------------------------------------------------------------------------
// Dialogs and guards, from the keys.

#[test]
fn r_on_a_workload_asks_with_zone_namespace_kind_and_name_and_y_requests_the_restart() {
    let config = zones_config();
    let fleet = team_fleet(&config);
    let state = tempfile::tempdir().unwrap();
    let (runner, _rx) = offline_runner(&config, state.path(), false);
    let mut ui = new_ui(false, &config);
    assert_eq!(ui.handle_key(ch('e'), &fleet), UiOutcome::Redraw);
    assert_eq!(ui.view(), ViewKind::Workload);
    assert_eq!(ui.handle_key(ch('r'), &fleet), UiOutcome::Redraw);
    assert!(ui.dialog().is_some(), "r opens the dialog");
    let screen = render(&mut ui, &fleet, &runner, (100, 30), &clock());
    insta::assert_snapshot!("dialog_restart_dev", screen);
    assert_facts(
        &screen,
        &[
            "Restart ge-executor?",
            "Zone       Z1 dev (development)",
            "Namespace  ge-agents",
            "Kind       Deployment",
            "Name       ge-executor",
            "rollout restart: sets kubectl.kubernetes.io/restartedAt on the pod template",
            "y/enter confirm   n/esc cancel",
        ],
    );
    assert_eq!(
        ui.handle_key(ch('y'), &fleet),
        UiOutcome::Request(ActionRequest::Restart {
            zone: ZoneId(1),
            target: executor(),
            confirmation: None,
        })
    );
    assert!(ui.dialog().is_none());
}

#[test]
fn r_works_in_the_overview_and_the_zone_view_but_not_on_a_node() {
    let config = zones_config();
    let fleet = team_fleet(&config);
    let mut ui = new_ui(false, &config);
    // Staging, in the overview.
    ui.handle_key(key(KeyCode::Right), &fleet);
    let admin = WorkloadKey::parse("ge-system/deployment/admin-ui").unwrap();
    select_in_overview(&mut ui, &fleet, &RowKey::Workload(admin.clone()));
    ui.handle_key(ch('r'), &fleet);
    assert_eq!(
        ui.handle_key(key(KeyCode::Enter), &fleet),
        UiOutcome::Request(ActionRequest::Restart {
            zone: ZoneId(2),
            target: admin,
            confirmation: None,
        })
    );
    // The zone view opens on its first row, the node: r explains itself instead.
    ui.handle_key(key(KeyCode::Home), &fleet);
    ui.handle_key(key(KeyCode::Enter), &fleet);
    assert_eq!(ui.view(), ViewKind::Zone);
    ui.handle_key(key(KeyCode::Home), &fleet);
    assert_eq!(ui.selected(), Some(&RowKey::Node("node-1".into())));
    assert_eq!(ui.handle_key(ch('r'), &fleet), UiOutcome::Redraw);
    assert!(ui.dialog().is_none());
    let note = ui.note().unwrap();
    assert!(note.1.contains("select a Deployment"), "{note:?}");
    for _ in 0..20 {
        if matches!(ui.selected(), Some(RowKey::Workload(k)) if *k == executor()) {
            break;
        }
        ui.handle_key(key(KeyCode::Down), &fleet);
    }
    ui.handle_key(ch('r'), &fleet);
    assert_eq!(
        ui.handle_key(ch('y'), &fleet),
        UiOutcome::Request(ActionRequest::Restart {
            zone: ZoneId(2),
            target: executor(),
            confirmation: None,
        })
    );
}

#[test]
fn a_protected_zone_demands_its_exact_name() {
    let config = zones_config();
    let fleet = team_fleet(&config);
    let state = tempfile::tempdir().unwrap();
    let (runner, _rx) = offline_runner(&config, state.path(), false);
    let mut ui = new_ui(false, &config);
    ui.handle_key(key(KeyCode::Left), &fleet);
    assert_eq!(ui.focused_zone(), 2, "production");
    select_in_overview(&mut ui, &fleet, &RowKey::Workload(executor()));
    ui.handle_key(ch('r'), &fleet);
    let dialog = ui.dialog().expect("dialog");
    assert!(dialog.wants_typed_name());
    // y and n are letters of a name here, not answers.
    assert_eq!(ui.handle_key(ch('y'), &fleet), UiOutcome::Redraw);
    assert_eq!(ui.handle_key(ch('n'), &fleet), UiOutcome::Redraw);
    assert_eq!(ui.dialog().unwrap().typed(), Some("yn"));
    ui.handle_key(key(KeyCode::Backspace), &fleet);
    ui.handle_key(key(KeyCode::Backspace), &fleet);
    type_text(&mut ui, &fleet, "prod");
    assert_eq!(
        ui.handle_key(key(KeyCode::Enter), &fleet),
        UiOutcome::Redraw
    );
    assert!(ui.dialog().is_some(), "a wrong name keeps the dialog open");
    let screen = render(&mut ui, &fleet, &runner, (100, 30), &clock());
    insta::assert_snapshot!("dialog_restart_production_wrong_name", screen);
    assert_facts(
        &screen,
        &[
            "Zone       Z3 production (production)",
            "[PROTECTED] type the zone's name (production) to confirm",
            "zone name: prod▏",
            "✗ \"prod\" is not the zone's name: type production",
            "enter confirm the typed name   esc cancel",
        ],
    );
    type_text(&mut ui, &fleet, "uctio");
    assert_eq!(
        ui.handle_key(key(KeyCode::Enter), &fleet),
        UiOutcome::Redraw,
        "productio is not production"
    );
    type_text(&mut ui, &fleet, "n");
    assert_eq!(
        ui.handle_key(key(KeyCode::Enter), &fleet),
        UiOutcome::Request(ActionRequest::Restart {
            zone: ZoneId(3),
            target: executor(),
            confirmation: Some("production".into()),
        })
    );
    // esc still cancels a protected dialog.
    ui.handle_key(ch('r'), &fleet);
    type_text(&mut ui, &fleet, "production");
    assert_eq!(ui.handle_key(key(KeyCode::Esc), &fleet), UiOutcome::Redraw);
    assert!(ui.dialog().is_none());
}

#[test]
fn read_only_refuses_with_a_message_and_no_dialog() {
    let config = zones_config();
    let fleet = team_fleet(&config);
    let state = tempfile::tempdir().unwrap();
    let (runner, _rx) = offline_runner(&config, state.path(), true);
    let mut ui = new_ui(true, &config);
    select_in_overview(&mut ui, &fleet, &RowKey::Workload(executor()));
    ui.handle_key(ch('b'), &fleet);
    assert!(ui.dialog().is_none(), "b: no dialog");
    assert!(
        ui.note().unwrap().1.contains("the build is not run"),
        "{:?}",
        ui.note()
    );
    for k in ['r', 'D'] {
        let outcome = ui.handle_key(ch(k), &fleet);
        assert_eq!(outcome, UiOutcome::Redraw, "{k}: a message, no request");
        assert!(ui.dialog().is_none(), "{k}: no dialog");
    }
    let screen = render(&mut ui, &fleet, &runner, (100, 30), &clock());
    insta::assert_snapshot!("read_only_refusal", screen);
    assert_facts(
        &screen,
        &[
            "[READ-ONLY]",
            "no action running",
            "✗ read-only: the console runs with --read-only; no changes are made; nothing was built",
        ],
    );
    ui.handle_key(ch('r'), &fleet);
    assert!(
        ui.note()
            .unwrap()
            .1
            .starts_with("read-only: the console runs with --read-only"),
        "{:?}",
        ui.note()
    );

    // A zone configured read_only = true refuses the same way, the others still ask.
    let text = DEFAULT_ZONES_TOML.replace(
        "context = \"ge-staging\"",
        "context = \"ge-staging\"\nread_only = true",
    );
    let config = config::parse_zones(&text, Path::new("zones.toml")).unwrap();
    let fleet = team_fleet(&config);
    let mut ui = new_ui(false, &config);
    ui.handle_key(key(KeyCode::Right), &fleet);
    select_in_overview(&mut ui, &fleet, &RowKey::Workload(executor()));
    assert_eq!(ui.handle_key(ch('r'), &fleet), UiOutcome::Redraw);
    assert!(ui.dialog().is_none());
    assert!(
        ui.note()
            .unwrap()
            .1
            .starts_with("read-only: zone staging is configured read_only = true"),
        "{:?}",
        ui.note()
    );
    ui.handle_key(key(KeyCode::Left), &fleet);
    select_in_overview(&mut ui, &fleet, &RowKey::Workload(executor()));
    ui.handle_key(ch('r'), &fleet);
    assert!(ui.dialog().is_some(), "dev is not read-only");
}

#[test]
fn capital_d_asks_once_for_build_and_restart_and_yields_redeploy() {
    let config = zones_config();
    let fleet = team_fleet(&config);
    let state = tempfile::tempdir().unwrap();
    let (runner, _rx) = offline_runner(&config, state.path(), false);
    let mut ui = new_ui(false, &config);
    // From staging's zone view: the target is still dev's ge-executor.
    ui.handle_key(key(KeyCode::Right), &fleet);
    ui.handle_key(key(KeyCode::Enter), &fleet);
    assert_eq!(ui.handle_key(ch('D'), &fleet), UiOutcome::Redraw);
    let screen = render(&mut ui, &fleet, &runner, (100, 30), &clock());
    insta::assert_snapshot!("dialog_redeploy", screen);
    assert_facts(
        &screen,
        &[
            "Redeploy ge-executor?",
            "1. Rebuild:",
            "bash ge-ops/infrastructure/local/k3s/executor/build-executor.sh",
            "in the directory ge-console was started in",
            "2. If the build succeeds, restart:",
            "Zone       Z1 dev (development)",
            "Namespace  ge-agents",
            "A failed or cancelled build restarts nothing.",
        ],
    );
    assert_eq!(
        ui.handle_key(ch('y'), &fleet),
        UiOutcome::Request(ActionRequest::Redeploy { confirmation: None })
    );
    assert_eq!(ui.pane(), Some(Pane::BuildLog), "the build log opens");

    // b asks too, and yields a rebuild only.
    ui.handle_key(key(KeyCode::Esc), &fleet);
    ui.handle_key(ch('b'), &fleet);
    assert!(ui.dialog().is_some());
    assert_eq!(
        ui.handle_key(key(KeyCode::Enter), &fleet),
        UiOutcome::Request(ActionRequest::Rebuild)
    );
}

#[test]
fn esc_and_n_cancel_dialogs_and_esc_closes_panes() {
    let config = zones_config();
    let fleet = team_fleet(&config);
    let mut ui = new_ui(false, &config);
    select_in_overview(&mut ui, &fleet, &RowKey::Workload(executor()));
    for cancel in [key(KeyCode::Esc), ch('n')] {
        ui.handle_key(ch('r'), &fleet);
        assert!(ui.dialog().is_some());
        assert_eq!(ui.handle_key(cancel, &fleet), UiOutcome::Redraw);
        assert!(ui.dialog().is_none());
    }
    ui.handle_key(ch('D'), &fleet);
    assert_eq!(ui.handle_key(key(KeyCode::Esc), &fleet), UiOutcome::Redraw);
    assert!(ui.dialog().is_none());
    for (open, pane) in [(ch('l'), Pane::BuildLog), (ch('a'), Pane::Actions)] {
        ui.handle_key(open, &fleet);
        assert_eq!(ui.pane(), Some(pane));
        ui.handle_key(key(KeyCode::Esc), &fleet);
        assert_eq!(ui.pane(), None, "esc closes {pane:?}");
        ui.handle_key(open, &fleet);
        ui.handle_key(open, &fleet);
        assert_eq!(ui.pane(), None, "the key toggles {pane:?}");
    }
    assert_eq!(
        ui.view(),
        ViewKind::Overview,
        "closing panes left the view alone"
    );
}

#[test]
fn e_reaches_ge_executor_from_anywhere_and_esc_walks_back() {
    let config = zones_config();
    let fleet = team_fleet(&config);
    let mut ui = new_ui(false, &config);
    let starts: [&[KeyEvent]; 3] = [
        &[key(KeyCode::Left)],
        &[key(KeyCode::Right), key(KeyCode::Enter)],
        &[ch('l')],
    ];
    for start in starts {
        let mut ui2 = new_ui(false, &config);
        for k in start {
            ui2.handle_key(*k, &fleet);
        }
        assert_eq!(ui2.handle_key(ch('e'), &fleet), UiOutcome::Redraw);
        assert_eq!(ui2.view(), ViewKind::Workload);
        assert_eq!(ui2.open_workload(), Some(&executor()));
        assert_eq!(ui2.focused_zone(), 0, "the redeploy zone, dev");
        assert_eq!(ui2.pane(), None);
    }
    ui.handle_key(ch('e'), &fleet);
    ui.handle_key(key(KeyCode::Esc), &fleet);
    assert_eq!(ui.view(), ViewKind::Zone);
    assert_eq!(ui.selected(), Some(&RowKey::Workload(executor())));
    ui.handle_key(key(KeyCode::Esc), &fleet);
    assert_eq!(ui.view(), ViewKind::Overview);
}

// ---------------------------------------------------------------------------------------------
// The build log pane, fed by real builds of the fixture scripts.

/// Replaces what differs between runs (temp dir, log file name, duration) with placeholders.
fn scrub(screen: &str, runner: &ActionRunner, state: &Path) -> String {
    let mut out = screen.to_string();
    if let Some(build) = &runner.build {
        if let Some(name) = build.log_path.file_name().and_then(|n| n.to_str()) {
            out = out.replace(name, "<build>.log");
        }
        if let Some(outcome) = &build.outcome {
            out = out.replace(
                &format!(" in {}", precise_duration(outcome.duration)),
                " in <duration>",
            );
        }
    }
    out.replace(&state.display().to_string(), "<state>")
}

#[tokio::test]
async fn log_pane_shows_a_real_builds_output_and_how_it_ended() {
    let state = tempfile::tempdir().unwrap();
    let config = config_building_with("build-ok.sh", state.path());
    let fleet = team_fleet(&config);
    let (mut runner, mut rx) = offline_runner(&config, state.path(), false);
    let mut ui = new_ui(false, &config);
    ui.handle_key(ch('b'), &fleet);
    let UiOutcome::Request(request) = ui.handle_key(ch('y'), &fleet) else {
        panic!("y confirms the rebuild");
    };
    assert_eq!(request, ActionRequest::Rebuild);
    runner.request(request);
    pump_until(&mut runner, &mut rx, &fleet, "the build's end", build_ended).await;
    let screen = render(&mut ui, &fleet, &runner, (120, 24), &clock());
    let screen = scrub(&screen, &runner, state.path());
    // stdout and stderr are read apart, so where the script's one stderr line lands among
    // the stdout lines varies from run to run: it is checked on its own.
    let stderr_line = "step 1/2: untagged";
    assert_eq!(
        screen.lines().filter(|l| *l == stderr_line).count(),
        1,
        "{screen}"
    );
    let stdout_only: Vec<&str> = screen.lines().filter(|l| *l != stderr_line).collect();
    insta::assert_snapshot!("log_pane_build_succeeded", stdout_only.join("\n"));
    assert_facts(
        &screen,
        &[
            "Overview › Z1 dev › Build log",
            "no action running",
            "─ Build log · ✓ succeeded (exit 0) in <duration>",
            "building ge-executor in <state>",
            "step 1/2: untagged",
            "colour",
            "red",
            "bytes",
            "log <state>/builds/<build>.log · 4 lines · following",
            "✓ rebuild succeeded (exit 0)",
        ],
    );
    assert!(!screen.contains('\x1b'), "escape sequences neutralised");
    // The runner marked the target's pods as stale, and recorded the build.
    let mark = runner
        .stale
        .as_ref()
        .expect("stale mark after a good build");
    assert_eq!((mark.zone, &mark.target), (ZoneId(1), &executor()));
    assert_eq!(
        runner.recent.back().map(|r| r.action.as_str()),
        Some("rebuild")
    );
}

#[tokio::test]
async fn a_running_build_spins_with_its_time_and_c_cancels_it_without_asking() {
    let state = tempfile::tempdir().unwrap();
    let config = config_building_with("build-hang.sh", state.path());
    let fleet = team_fleet(&config);
    let (mut runner, mut rx) = offline_runner(&config, state.path(), false);
    let mut ui = new_ui(false, &config);
    assert_eq!(ui.handle_key(ch('c'), &fleet), UiOutcome::Redraw);
    assert_eq!(ui.note().map(|n| n.1.as_str()), Some("no build is running"));
    runner.request(ActionRequest::Rebuild);
    pump_until(&mut runner, &mut rx, &fleet, "the hanging line", |r| {
        r.build
            .as_ref()
            .is_some_and(|b| b.tail.lines().any(|(_, l)| l == "hanging"))
    })
    .await;
    ui.handle_key(ch('l'), &fleet);
    let started = runner.build.as_ref().unwrap().started;
    let at = Clock {
        instant: started + Duration::from_millis(3200),
        wall: wall(),
    };
    let screen = render(&mut ui, &fleet, &runner, (100, 24), &at);
    assert_facts(
        &screen,
        &[
            "⠴ rebuild running 3s",
            "─ Build log · ⠴ running 3s",
            "hanging",
            "started background child",
        ],
    );
    // Redeploy and rebuild say a build runs instead of asking.
    ui.handle_key(ch('D'), &fleet);
    assert!(ui.dialog().is_none());
    assert_eq!(
        ui.note().map(|n| n.1.as_str()),
        Some("a build is already running")
    );
    let outcome = ui.handle_key(ch('c'), &fleet);
    assert_eq!(outcome, UiOutcome::Request(ActionRequest::CancelBuild));
    runner.request(ActionRequest::CancelBuild);
    pump_until(
        &mut runner,
        &mut rx,
        &fleet,
        "the cancelled end",
        build_ended,
    )
    .await;
    let screen = render(&mut ui, &fleet, &runner, (100, 24), &clock());
    assert_facts(
        &screen,
        &["─ Build log · ✗ cancelled in", "✗ rebuild cancelled"],
    );
    assert!(
        runner.stale.is_none(),
        "a cancelled build marks nothing stale"
    );
}

#[tokio::test]
async fn a_failed_redeploy_build_restarts_nothing() {
    let state = tempfile::tempdir().unwrap();
    let config = config_building_with("build-fail.sh", state.path());
    let fleet = team_fleet(&config);
    let (mut runner, mut rx) = offline_runner(&config, state.path(), false);
    runner.request(ActionRequest::Redeploy { confirmation: None });
    pump_until(&mut runner, &mut rx, &fleet, "the failed end", build_ended).await;
    assert_eq!(
        runner.message,
        Some((
            Severity::Error,
            "rebuild failed (exit 3): nothing restarted".into()
        ))
    );
    assert!(runner.busy().is_none() && runner.rollouts.trackers.is_empty());
    let mut ui = new_ui(false, &config);
    ui.handle_key(ch('l'), &fleet);
    let screen = render(&mut ui, &fleet, &runner, (100, 24), &clock());
    assert_facts(
        &screen,
        &[
            "Build log (redeploy) · ✗ failed (exit 3)",
            "error: something broke",
            "✗ rebuild failed (exit 3): nothing restarted",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// The rollout panel and stale pods.

/// Our tracker of dev's ge-executor, judged on `fleet`, started 12 s before `clock()`.
fn our_executor_tracker(fleet: &Fleet) -> RolloutTracker {
    let mut t = RolloutTracker::ours(ZoneId(1), executor(), 4, Duration::from_secs(600));
    t.started = clock().instant - Duration::from_secs(12);
    t.observe(fleet, clock().instant);
    t
}

#[test]
fn rollout_panel_follows_ours_with_a_crash_looping_new_pod() {
    let config = zones_config();
    let mut fleet = team_fleet(&config);
    executor_rolling(&mut fleet);
    let state = tempfile::tempdir().unwrap();
    let (mut runner, _rx) = offline_runner(&config, state.path(), false);
    runner.rollouts.follow(our_executor_tracker(&fleet));
    assert_eq!(runner.rollouts.trackers[0].phase, RolloutPhase::InProgress);
    // Staging's admin-ui rollout, seen through the watch 5 s ago.
    let seen = clock().instant - Duration::from_secs(5);
    runner
        .rollouts
        .observe(&fleet, seen, Duration::from_secs(600));
    let mut ui = new_ui(false, &config);
    let screen = render(&mut ui, &fleet, &runner, (120, 32), &clock());
    insta::assert_snapshot!("rollout_panel_in_progress", screen);
    assert_facts(
        &screen,
        &[
            "⠦ rollout of ge-executor running 12s",
            "─ Rollouts · 2 in progress",
            "○ in progress Z1 dev · ge-agents/deployment/ge-executor · ours · 12s",
            "updated 1/2  ready 2/2  available 2/2  old pods 2 (terminating)",
            "new ge-executor-5c8d7e9f1a-k2x9p  ✗ CrashLoopBackOff: back-off 40s restarting failed container=executor",
            "Waiting for deployment \"ge-executor\" rollout to finish: 1 out of 2 new replicas have been updated...",
            "Z2 staging · ge-system/deployment/admin-ui · not ours (seen through the watch) · 5s",
        ],
    );
    // Readable at 80×24, and drawn without panicking at every size.
    let small = render(&mut ui, &fleet, &runner, (80, 24), &clock());
    insta::assert_snapshot!("rollout_panel_in_progress_80x24", small);
    assert_facts(&small, &["○ in progress Z1 dev", "CrashLoopBackOff"]);
    for w in (0..=130).step_by(7) {
        for h in 0..=40 {
            render(&mut ui, &fleet, &runner, (w, h), &clock());
        }
    }
}

#[test]
fn rollout_panel_says_succeeded_clearly_and_lets_esc_dismiss_it() {
    let config = zones_config();
    let mut fleet = team_fleet(&config);
    executor_rolling(&mut fleet);
    let state = tempfile::tempdir().unwrap();
    let (mut runner, _rx) = offline_runner(&config, state.path(), false);
    let mut tracker = our_executor_tracker(&fleet);
    executor_rolled(&mut fleet);
    assert!(tracker.observe(&fleet, clock().instant));
    assert_eq!(tracker.phase, RolloutPhase::Succeeded);
    tracker.started = clock().instant - Duration::from_secs(50);
    tracker.ended = Some(clock().instant - Duration::from_secs(8));
    runner.rollouts.trackers = vec![tracker];
    let mut ui = new_ui(false, &config);
    let screen = render(&mut ui, &fleet, &runner, (120, 30), &clock());
    insta::assert_snapshot!("rollout_panel_succeeded", screen);
    assert_facts(
        &screen,
        &[
            "no action running",
            "─ Rollouts · ended",
            "✓ succeeded Z1 dev · ge-agents/deployment/ge-executor · ours · 42s",
            "updated 2/2  ready 2/2  available 2/2  old pods 0",
            "new ge-executor-5c8d7e9f1a-k2x9p  ✓ Running",
            "new ge-executor-5c8d7e9f1a-m7q4z  ✓ Running",
        ],
    );
    ui.handle_key(key(KeyCode::Esc), &fleet);
    let screen = render(&mut ui, &fleet, &runner, (120, 30), &clock());
    assert!(!screen.contains("Rollouts"), "dismissed:\n{screen}");
    // And it leaves on its own two minutes after the end.
    let mut ui = new_ui(false, &config);
    let later = Clock {
        instant: clock().instant + Duration::from_secs(120),
        wall: wall(),
    };
    let screen = render(&mut ui, &fleet, &runner, (120, 30), &later);
    assert!(
        !screen.contains("Rollouts"),
        "gone after a while:\n{screen}"
    );
}

#[test]
fn a_rollout_started_elsewhere_is_shown_as_not_ours_and_ends_failed() {
    let config = zones_config();
    let mut fleet = team_fleet(&config);
    let state = tempfile::tempdir().unwrap();
    let (mut runner, _rx) = offline_runner(&config, state.path(), false);
    // Seen through the watch: staging's admin-ui is progressing.
    runner
        .rollouts
        .observe(&fleet, clock().instant, Duration::from_secs(600));
    let theirs = &runner.rollouts.trackers;
    assert_eq!(theirs.len(), 1);
    assert!(!theirs[0].ours);
    let mut ui = new_ui(false, &config);
    let screen = render(&mut ui, &fleet, &runner, (120, 30), &clock());
    insta::assert_snapshot!("rollout_panel_not_ours", screen);
    assert_facts(
        &screen,
        &[
            "no action running",
            "○ in progress Z2 staging · ge-system/deployment/admin-ui · not ours (seen through the watch)",
        ],
    );
    // It then exceeds its progress deadline.
    let zone = &mut fleet.zones[1];
    let key = WorkloadKey::parse("ge-system/deployment/admin-ui").unwrap();
    let mut admin = zone.workloads.get(&key).cloned().unwrap();
    admin.conditions.push(ConditionInfo {
        kind: "Progressing".into(),
        status: "False".into(),
        reason: "ProgressDeadlineExceeded".into(),
        message: "ReplicaSet \"admin-ui-66bd9f8c7\" has timed out progressing.".into(),
    });
    zone.apply(ZoneEvent::Objects(ObjectChange::Workloads(
        WorkloadKind::Deployment,
        StoreChange::Upsert(admin),
    )));
    runner.on_model_change(&fleet);
    // on_model_change judges at the real now; so does this frame.
    let now = Clock {
        instant: Instant::now(),
        wall: wall(),
    };
    let screen = render(&mut ui, &fleet, &runner, (120, 30), &now);
    assert_facts(
        &screen,
        &[
            "─ Rollouts · ended",
            "✗ failed: deployment \"admin-ui\" exceeded its progress deadline Z2 staging",
            "not ours",
        ],
    );
}

#[tokio::test]
async fn pods_from_before_a_good_build_are_flagged_until_replaced() {
    let state = tempfile::tempdir().unwrap();
    let config = config_building_with("build-ok.sh", state.path());
    let mut fleet = team_fleet(&config);
    let (mut runner, mut rx) = offline_runner(&config, state.path(), false);
    runner.request(ActionRequest::Rebuild);
    pump_until(&mut runner, &mut rx, &fleet, "the build's end", build_ended).await;
    let finished = runner.stale.as_ref().expect("stale mark").build_finished;
    let at_second = |s: i64| {
        let whole = finished.as_second() + s;
        Some(Timestamp::from_second(whole).unwrap())
    };
    // One pod is from three hours before the build; the other was replaced right after the
    // build, in the same second (Kubernetes timestamps are whole seconds): it is not stale.
    let zone = &mut fleet.zones[0];
    let mut old = executor_pod(OLD_HASH, "abcde", "Running");
    old.created = at_second(-3 * 3600 - 60);
    old.started = at_second(-3 * 3600);
    zone.apply(ZoneEvent::Objects(ObjectChange::Pods(StoreChange::Upsert(
        old,
    ))));
    let mut fresh = executor_pod(OLD_HASH, "n3w00", "Running");
    fresh.created = at_second(0);
    fresh.started = at_second(0);
    zone.apply(ZoneEvent::Objects(ObjectChange::Pods(StoreChange::Delete(
        ge_console::fleet::ObjectKey::new("ge-agents", format!("ge-executor-{OLD_HASH}-fghij")),
    ))));
    zone.apply(ZoneEvent::Objects(ObjectChange::Pods(StoreChange::Upsert(
        fresh,
    ))));
    let at = Clock {
        instant: clock().instant,
        wall: at_second(60).unwrap(),
    };
    let mut ui = new_ui(false, &config);
    ui.handle_key(ch('e'), &fleet);
    let screen = render(&mut ui, &fleet, &runner, (120, 30), &at);
    let screen = scrub(&screen, &runner, state.path());
    assert_facts(
        &screen,
        &[
            "⚠ 1 pod is running the previous image (started before the rebuild finished)",
            "NOTE",
        ],
    );
    let flagged: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("⚠ previous image"))
        .collect();
    assert_eq!(flagged.len(), 1, "{screen}");
    assert!(
        flagged[0].contains("ge-executor-7f9c6b5d48-abcde"),
        "{screen}"
    );
    insta::assert_snapshot!("workload_view_stale_pods", screen);

    // The rollout panel flags them too.
    runner.rollouts.follow(our_executor_tracker(&fleet));
    let screen = render(&mut ui, &fleet, &runner, (120, 36), &at);
    assert_facts(
        &screen,
        &["⚠ running the previous image: ge-executor-7f9c6b5d48-abcde"],
    );

    // Once replaced, the flags go. (The runner's mark stays while the same-second pod looks
    // older to `stale_pods`; the screen does not depend on it.)
    fleet.zones[0].apply(ZoneEvent::Objects(ObjectChange::Pods(StoreChange::Delete(
        ge_console::fleet::ObjectKey::new("ge-agents", format!("ge-executor-{OLD_HASH}-abcde")),
    ))));
    runner.on_model_change(&fleet);
    let screen = render(&mut ui, &fleet, &runner, (120, 36), &at);
    assert!(!screen.contains("previous image"), "{screen}");
}

#[test]
fn actions_pane_lists_recent_audit_records_newest_first() {
    let config = zones_config();
    let fleet = team_fleet(&config);
    let state = tempfile::tempdir().unwrap();
    let (mut runner, _rx) = offline_runner(&config, state.path(), true);
    // A refusal is recorded by the runner itself.
    runner.request(ActionRequest::Restart {
        zone: ZoneId(1),
        target: executor(),
        confirmation: None,
    });
    runner.request(ActionRequest::Restart {
        zone: ZoneId(3),
        target: executor(),
        confirmation: None,
    });
    let mut ui = new_ui(true, &config);
    ui.handle_key(ch('a'), &fleet);
    let now = Clock::now();
    let screen = render(&mut ui, &fleet, &runner, (120, 30), &now);
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("restart refused"))
        .collect();
    assert_eq!(rows.len(), 2, "{screen}");
    assert!(
        rows[0].contains("production") && rows[1].contains("dev"),
        "{rows:?}"
    );
    assert_facts(
        &screen,
        &[
            "─ Recent actions · audit log",
            "audit.jsonl",
            "ge-agents/deployment/ge-executor",
        ],
    );
}

#[tokio::test]
async fn never_panics_at_any_size_with_dialogs_panes_and_rollouts() {
    let state = tempfile::tempdir().unwrap();
    let config = config_building_with("build-ok.sh", state.path());
    let mut fleet = team_fleet(&config);
    let (mut runner, mut rx) = offline_runner(&config, state.path(), false);
    runner.request(ActionRequest::Rebuild);
    pump_until(&mut runner, &mut rx, &fleet, "the build's end", build_ended).await;
    executor_rolling(&mut fleet);
    runner.rollouts.follow(our_executor_tracker(&fleet));
    runner
        .rollouts
        .observe(&fleet, clock().instant, Duration::from_secs(600));
    let setups: [&[KeyEvent]; 6] = [
        &[ch('e'), ch('r')],
        &[key(KeyCode::Left), ch('r'), ch('p')],
        &[ch('D')],
        &[ch('l'), key(KeyCode::Up), key(KeyCode::PageUp)],
        &[ch('a'), ch('e')],
        &[ch('l'), ch('?')],
    ];
    for setup in setups {
        let mut ui = new_ui(false, &config);
        for k in setup {
            ui.handle_key(*k, &fleet);
        }
        // Steps of 3 pass through the 60×15 minimum and the sizes around it.
        for w in (0..=132).step_by(3) {
            for h in (0..=45).step_by(3) {
                render(&mut ui, &fleet, &runner, (w, h), &clock());
            }
        }
        let screen = render(&mut ui, &fleet, &runner, (80, 24), &clock());
        assert!(screen.contains("ge-console"), "{screen}");
    }
}

/// The server's words for a restart this user may not make.
const FORBIDDEN_MESSAGE: &str = "deployments.apps \"ge-executor\" is forbidden: User \"ge-viewer\" \
    cannot get resource \"deployments\" in API group \"apps\" in the namespace \"ge-agents\"";

#[tokio::test]
async fn a_403_from_a_restart_shows_the_servers_message() {
    // An API server that forbids everything, as RBAC would for a view-only user.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|| async {
        (
            axum::http::StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": FORBIDDEN_MESSAGE, "reason": "Forbidden", "code": 403
            })),
        )
    });
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let state = tempfile::tempdir().unwrap();
    let kubeconfig_path = state.path().join("kubeconfig.yaml");
    std::fs::write(
        &kubeconfig_path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: ge-dev\n\
             clusters:\n- name: dev\n  cluster:\n    server: http://{address}\n\
             users:\n- name: ge-viewer\n  user:\n    token: viewer-token\n\
             contexts:\n- name: ge-dev\n  context:\n    cluster: dev\n    user: ge-viewer\n"
        ),
    )
    .unwrap();
    let kubeconfig = cluster::load_kubeconfig(Some(&kubeconfig_path)).unwrap();
    let config = zones_config();
    let fleet = team_fleet(&config);
    let (mut runner, mut rx) = ActionRunner::new(
        config.clone(),
        kubeconfig,
        state.path().to_path_buf(),
        false,
    );
    let mut ui = new_ui(false, &config);
    ui.handle_key(ch('e'), &fleet);
    ui.handle_key(ch('r'), &fleet);
    let UiOutcome::Request(request) = ui.handle_key(ch('y'), &fleet) else {
        panic!("y confirms");
    };
    runner.request(request);
    pump_until(&mut runner, &mut rx, &fleet, "the restart's answer", |r| {
        r.busy().is_none()
    })
    .await;
    let expected = format!(
        "restart of ge-agents/deployment/ge-executor: forbidden: {}",
        FORBIDDEN_MESSAGE
    );
    assert_eq!(runner.message, Some((Severity::Error, expected)));
    let screen = render(&mut ui, &fleet, &runner, (160, 30), &clock());
    assert_facts(
        &screen,
        &[
            "✗ restart of ge-agents/deployment/ge-executor: forbidden: deployments.apps \"ge-executor\" is forbidden: User \"ge-viewer\"",
            "in the namespace \"ge-agents\"",
            "no action running",
        ],
    );
    assert_eq!(
        runner.recent.back().map(|r| r.result.as_str()),
        Some("failed")
    );
    server.abort();
}

// ---------------------------------------------------------------------------------------------
// Against the demo fleet: the real runner, the real cluster layer, the real keys.

const DEMO_DEADLINE: Duration = Duration::from_secs(60);

/// The demo fleet, the console's model of it, and an action runner, driven like the event
/// loop drives them.
struct Live {
    demo: DemoFleet,
    fleet: Fleet,
    fleet_rx: mpsc::Receiver<FleetEvent>,
    _watchers: JoinSet<()>,
    runner: ActionRunner,
    actions_rx: mpsc::Receiver<ActionEvent>,
    state: tempfile::TempDir,
    config: FleetConfig,
}

impl Live {
    async fn start(read_only: bool, config: FleetConfig, state: tempfile::TempDir) -> Live {
        let demo = DemoFleet::start(DemoOptions {
            state_dir: state.path().join("demo"),
            time_scale: 0.1,
            ..DemoOptions::default()
        })
        .await
        .unwrap();
        let kubeconfig = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
        let (tx, fleet_rx) = mpsc::channel(4096);
        let watchers = cluster::spawn_fleet(&config, &kubeconfig, tx);
        let (runner, actions_rx) = ActionRunner::new(
            config.clone(),
            kubeconfig,
            state.path().to_path_buf(),
            read_only,
        );
        let mut live = Live {
            demo,
            fleet: Fleet::new(&config),
            fleet_rx,
            _watchers: watchers,
            runner,
            actions_rx,
            state,
            config,
        };
        live.until("dev live with ge-executor", |f, _| {
            f.zone(ZoneId(1)).is_some_and(|z| {
                z.state() == ZoneState::Live && z.workloads.contains_key(&executor())
            })
        })
        .await;
        live
    }

    /// Applies model events and runner reports (and re-judges rollouts on a tick, as the
    /// console does) until `done` holds; fails with the runner's state after the deadline.
    async fn until(&mut self, what: &str, done: impl Fn(&Fleet, &ActionRunner) -> bool) {
        let deadline = tokio::time::Instant::now() + DEMO_DEADLINE;
        while !done(&self.fleet, &self.runner) {
            if tokio::time::Instant::now() > deadline {
                let trackers: Vec<_> = self
                    .runner
                    .rollouts
                    .trackers
                    .iter()
                    .map(|t| (t.target.to_string(), t.ours, t.phase.clone()))
                    .collect();
                panic!(
                    "timed out waiting for {what}; message {:?}; rollouts {trackers:?}",
                    self.runner.message
                );
            }
            tokio::select! {
                Some(event) = self.fleet_rx.recv() => {
                    self.fleet.apply(event);
                    while let Ok(event) = self.fleet_rx.try_recv() {
                        self.fleet.apply(event);
                    }
                    self.runner.on_model_change(&self.fleet);
                }
                Some(event) = self.actions_rx.recv() => {
                    self.runner.on_event(event, &self.fleet);
                }
                _ = tokio::time::sleep(ge_console::app::BUSY_TICK) => {
                    self.runner.on_model_change(&self.fleet);
                }
            }
        }
    }

    fn audit(&self) -> Vec<AuditRecord> {
        let text = std::fs::read_to_string(self.runner.audit_path()).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("each audit line is one JSON record"))
            .collect()
    }
}

fn ours_ended(target: &WorkloadKey) -> impl Fn(&Fleet, &ActionRunner) -> bool + '_ {
    move |_, r| {
        r.rollouts
            .trackers
            .iter()
            .any(|t| t.ours && &t.target == target && t.phase.is_final())
    }
}

fn phase_of(runner: &ActionRunner, target: &WorkloadKey) -> RolloutPhase {
    runner
        .rollouts
        .trackers
        .iter()
        .find(|t| t.ours && &t.target == target)
        .map(|t| t.phase.clone())
        .unwrap()
}

#[tokio::test]
async fn keys_restart_ge_executor_on_the_demo_and_the_panel_says_succeeded() {
    let config = zones_config();
    let mut live = Live::start(false, config.clone(), tempfile::tempdir().unwrap()).await;
    let mut ui = new_ui(false, &config);
    ui.handle_key(ch('e'), &live.fleet);
    ui.handle_key(ch('r'), &live.fleet);
    let UiOutcome::Request(request) = ui.handle_key(ch('y'), &live.fleet) else {
        panic!("y confirms");
    };
    live.runner.request(request);
    assert!(live.runner.busy().is_some(), "busy right after the request");
    live.until("the rollout's end", ours_ended(&executor()))
        .await;
    assert_eq!(phase_of(&live.runner, &executor()), RolloutPhase::Succeeded);
    let screen = render(&mut ui, &live.fleet, &live.runner, (120, 40), &Clock::now());
    assert_facts(
        &screen,
        &[
            "✓ succeeded Z1 dev · ge-agents/deployment/ge-executor · ours",
            "updated 2/2  ready 2/2  available 2/2  old pods 0",
            "✓ rollout of ge-agents/deployment/ge-executor succeeded",
            "no action running",
        ],
    );
    let audit = live.audit();
    assert_eq!(
        audit.len(),
        1,
        "one JSON line for the one action: {audit:?}"
    );
    assert_eq!(
        (audit[0].action.as_str(), audit[0].result.as_str()),
        ("restart", "succeeded")
    );
    assert_eq!(audit[0].zone.as_deref(), Some("dev"));
    assert_eq!(
        audit[0].object.as_deref(),
        Some("ge-agents/deployment/ge-executor")
    );
    live.demo.shutdown().await;
}

#[tokio::test]
async fn a_paused_deployment_is_refused_with_kubectls_message() {
    let mut live = Live::start(false, zones_config(), tempfile::tempdir().unwrap()).await;
    let paused = WorkloadKey::parse("ge-system/deployment/report-builder").unwrap();
    live.runner.request(ActionRequest::Restart {
        zone: ZoneId(1),
        target: paused.clone(),
        confirmation: None,
    });
    live.until("the refusal", |_, r| {
        r.busy().is_none() && !r.recent.is_empty()
    })
    .await;
    let (severity, message) = live.runner.message.clone().unwrap();
    assert_eq!(severity, Severity::Error);
    assert_eq!(
        message,
        format!("restart of ge-system/deployment/report-builder: {PAUSED_MESSAGE}")
    );
    assert!(live.runner.rollouts.trackers.iter().all(|t| !t.ours));
    let audit = live.audit();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].result, "refused");
    assert_eq!(audit[0].detail.as_deref(), Some(PAUSED_MESSAGE));
    live.demo.shutdown().await;
}

#[tokio::test]
async fn a_rollout_that_cannot_become_available_ends_failed() {
    let mut live = Live::start(false, zones_config(), tempfile::tempdir().unwrap()).await;
    let sandbox = WorkloadKey::parse("ge-agents/deployment/ge-sandbox").unwrap();
    live.runner.request(ActionRequest::Restart {
        zone: ZoneId(1),
        target: sandbox.clone(),
        confirmation: None,
    });
    live.until("the rollout's end", ours_ended(&sandbox)).await;
    match phase_of(&live.runner, &sandbox) {
        RolloutPhase::Failed(reason) => {
            assert!(
                reason.contains("exceeded its progress deadline"),
                "{reason}"
            );
        }
        other => panic!("expected failed, got {other:?}"),
    }
    assert_eq!(
        live.runner.message,
        Some((
            Severity::Error,
            "rollout of ge-agents/deployment/ge-sandbox failed".into()
        ))
    );
    let mut ui = new_ui(false, &live.config);
    let screen = render(&mut ui, &live.fleet, &live.runner, (120, 40), &Clock::now());
    assert_facts(
        &screen,
        &["✗ failed: deployment \"ge-sandbox\" exceeded its progress deadline Z1 dev"],
    );
    live.demo.shutdown().await;
}

#[tokio::test]
async fn a_read_only_runner_refuses_and_nothing_reaches_the_server() {
    let mut live = Live::start(true, zones_config(), tempfile::tempdir().unwrap()).await;
    let before = live.fleet.zone(ZoneId(1)).unwrap().workloads[&executor()].clone();
    live.runner.request(ActionRequest::Restart {
        zone: ZoneId(1),
        target: executor(),
        confirmation: None,
    });
    live.runner
        .request(ActionRequest::Redeploy { confirmation: None });
    assert!(live.runner.busy().is_none(), "nothing started");
    assert!(live.runner.build.is_none(), "no build ran");
    let (severity, message) = live.runner.message.clone().unwrap();
    assert_eq!(severity, Severity::Error);
    assert!(message.starts_with("read-only: "), "{message}");
    // The server still has the old template.
    let client = cluster::zone_client(
        live.config.find("dev").unwrap(),
        &cluster::load_kubeconfig(Some(live.demo.kubeconfig_path())).unwrap(),
    )
    .await
    .unwrap();
    let api: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
        kube::Api::namespaced(client, "ge-agents");
    let server = api.get("ge-executor").await.unwrap();
    assert_eq!(server.metadata.generation, Some(before.generation));
    let results: Vec<_> = live
        .audit()
        .into_iter()
        .map(|r| (r.action, r.result))
        .collect();
    assert_eq!(
        results,
        [
            ("restart".to_string(), "refused".to_string()),
            ("redeploy".to_string(), "refused".to_string())
        ]
    );
    live.demo.shutdown().await;
}

#[tokio::test]
async fn redeploy_builds_restarts_and_clears_the_stale_mark_once_pods_are_replaced() {
    let state = tempfile::tempdir().unwrap();
    let config = config_building_with("build-ok.sh", state.path());
    let mut live = Live::start(false, config, state).await;
    live.runner
        .request(ActionRequest::Redeploy { confirmation: None });
    live.until("the rollout's end", ours_ended(&executor()))
        .await;
    assert_eq!(phase_of(&live.runner, &executor()), RolloutPhase::Succeeded);
    // Every pod now is from after the build: nothing is flagged. (The runner's own mark may
    // linger: `stale_pods` compares whole-second pod times with the build's exact end.)
    let mut ui = new_ui(false, &live.config);
    ui.handle_key(ch('e'), &live.fleet);
    live.until("the old pods to go", |f, _| {
        f.zone(ZoneId(1))
            .is_some_and(|z| ge_console::fleet::health::workload_pods(z, &executor()).len() == 2)
    })
    .await;
    let screen = render(&mut ui, &live.fleet, &live.runner, (120, 40), &Clock::now());
    assert!(!screen.contains("previous image"), "{screen}");
    let actions: Vec<_> = live
        .audit()
        .into_iter()
        .map(|r| (r.action, r.result))
        .collect();
    assert_eq!(
        actions,
        [
            ("rebuild".to_string(), "succeeded".to_string()),
            ("restart".to_string(), "succeeded".to_string())
        ],
        "one JSON line per action"
    );
    assert!(
        live.state.path().join("builds").is_dir(),
        "the full log is on disk"
    );
    live.demo.shutdown().await;
}
