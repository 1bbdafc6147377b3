//! The redeploy workflow from the keyboard: dialogs, guards, the build log pane, the rollout
//! panel and stale-pod flags, rendered on a `TestBackend` with a fixed clock; then the same
//! keys against the demo fleet (restart to "succeeded", a paused Deployment refused, a rollout
//! that fails its progress deadline, read-only, the audit log). Every test drives the
//! console's real core (`ConsoleCore`): keys, model batches, the action runner's reports and
//! ticks go in through its `on_…` methods, exactly as the event loop hands them over.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ge_console::actions::ActionContext;
use ge_console::actions::audit::{AuditAction, AuditRecord, AuditResult};
use ge_console::actions::guard::Guards;
use ge_console::actions::restart::{PAUSED_MESSAGE, RestartOrder, RestartReceipt};
use ge_console::actions::rollout::RolloutPhase;
use ge_console::actions::runner::{ActionEvent, ActionRequest, ActionsView, Severity};
use ge_console::clock::TimeSource;
use ge_console::cluster::{self, ZoneClients};
use ge_console::config::{self, DEFAULT_ZONES_TOML, FleetConfig, ZoneId};
use ge_console::demo::{DemoFleet, DemoOptions};
use ge_console::fleet::{
    ConditionInfo, Fleet, FleetEvent, KindStatus, LinkStatus, NamespaceInfo, NodeInfo,
    ObjectChange, OwnerRef, PodInfo, ReplicaSetInfo, ResourceKind, StoreChange, WorkloadInfo,
    WorkloadKey, WorkloadKind, ZoneEvent, ZoneModel, ZoneState,
};
use ge_console::ui::panes::precise_duration;
use ge_console::ui::{Clock, Keymap, Pane, RowKey, UiOutcome, ViewKind};
use jiff::Timestamp;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

mod common;
use common::{Console, ConsoleOptions, ago, ch, clock, key, wall};

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
        containers: vec![],
        conditions: vec![],
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
        change_cause: None,
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

/// Staging's admin-ui half-way through a rollout someone else started.
fn admin_rolling() -> WorkloadInfo {
    let mut admin = deployment("ge-system", "admin-ui", 1);
    admin.generation = 4;
    admin.observed_generation = 4;
    admin.desired = 2;
    admin.updated = 1;
    admin.current = 3;
    admin
}

/// Dev, staging and production live; ge-executor (2 replicas) everywhere; in staging an
/// admin-ui rollout someone else started.
fn team_fleet(config: &FleetConfig) -> Fleet {
    let mut fleet = Fleet::new(config);
    for zone in &mut fleet.zones {
        let admin = if zone.config.name == "staging" {
            admin_rolling()
        } else {
            deployment("ge-system", "admin-ui", 1)
        };
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

/// `changes` to zone `zone`, as the watchers send them.
fn in_zone(zone: u32, changes: Vec<ObjectChange>) -> Vec<FleetEvent> {
    changes
        .into_iter()
        .map(|change| FleetEvent::new(ZoneId(zone), ZoneEvent::Objects(change)))
        .collect()
}

/// Staging's admin-ui at rest (the team fleet has it rolling).
fn staging_admin_steady() -> Vec<FleetEvent> {
    in_zone(
        2,
        vec![ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Upsert(deployment("ge-system", "admin-ui", 1)),
        )],
    )
}

/// Applies `events` to a fleet not yet handed to a console.
fn apply(fleet: &mut Fleet, events: Vec<FleetEvent>) {
    for event in events {
        fleet.apply(event);
    }
}

/// Dev's ge-executor half-way through a rollout whose first new pod crash-loops.
fn executor_rolling() -> Vec<FleetEvent> {
    let mut w = deployment("ge-agents", "ge-executor", 2);
    w.generation = 4;
    w.observed_generation = 4;
    w.updated = 1;
    w.current = 3;
    w.restarted_at = Some("2026-03-26T11:59:48Z".into());
    let mut new = executor_pod(NEW_HASH, "k2x9p", "CrashLoopBackOff");
    new.created = ago(12);
    new.started = ago(11);
    in_zone(
        1,
        vec![
            ObjectChange::Workloads(WorkloadKind::Deployment, StoreChange::Upsert(w)),
            ObjectChange::ReplicaSets(StoreChange::Upsert(replicaset("ge-executor", NEW_HASH, 2))),
            ObjectChange::Pods(StoreChange::Upsert(new)),
        ],
    )
}

/// Dev's ge-executor after the rollout: two new pods, the old ones gone.
fn executor_rolled() -> Vec<FleetEvent> {
    let mut w = deployment("ge-agents", "ge-executor", 2);
    w.generation = 4;
    w.observed_generation = 4;
    let mut pods = vec![
        executor_pod(NEW_HASH, "k2x9p", "Running"),
        executor_pod(NEW_HASH, "m7q4z", "Running"),
    ];
    for p in &mut pods {
        p.created = ago(40);
        p.started = ago(38);
    }
    in_zone(
        1,
        vec![
            ObjectChange::Workloads(WorkloadKind::Deployment, StoreChange::Upsert(w)),
            ObjectChange::Pods(StoreChange::Replace(pods)),
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// Console, time and report helpers.

/// An offline console over `config` whose state (audit log, build logs) lives in `state`.
fn console_in(config: &FleetConfig, fleet: Fleet, state: &Path) -> Console {
    Console::with(config, fleet, ConsoleOptions::offline(state))
}

/// Sets the console's manual clock to `at` (backwards too: each frame of a fixture may be
/// drawn at its own moment).
fn set_time(console: &Console, at: Clock) {
    assert!(
        matches!(console.core.time(), TimeSource::Manual(_)),
        "the console runs on the system clock"
    );
    console.core.time().set(at);
}

/// [`clock`] moved by `seconds` (negative: earlier).
fn at(seconds: i64) -> Clock {
    let by = Duration::from_secs(seconds.unsigned_abs());
    let c = clock();
    if seconds >= 0 {
        c.advanced(by)
    } else {
        Clock {
            instant: c.instant - by,
            wall: c.wall - jiff::SignedDuration::from_secs(seconds.abs()),
        }
    }
}

/// The server accepted a restart of `target` in `zone`, its patch making `generation`: the
/// report the runner's restart task sends, handed to the core as the event loop does.
fn restart_accepted(console: &mut Console, zone: ZoneId, target: &WorkloadKey, generation: i64) {
    let now = console.core.time().now();
    let order = RestartOrder {
        zone: (*console.fleet().zone(zone).unwrap().config).clone(),
        target: target.clone(),
        confirmation: None,
        asked: now.wall,
    };
    let receipt = RestartReceipt {
        restarted_at: now.wall.to_string(),
        generation,
    };
    console.core.on_action_event(ActionEvent::Restarted {
        order: Box::new(order),
        result: Ok(receipt),
    });
}

fn assert_facts(screen: &str, facts: &[&str]) {
    for fact in facts {
        assert!(screen.contains(fact), "{fact:?} missing from\n{screen}");
    }
}

/// Hands the runner's reports to the core until `done` holds (or fails after a deadline).
async fn pump_until(console: &mut Console, what: &str, done: impl Fn(&ActionsView<'_>) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !done(&console.core.actions()) {
        match tokio::time::timeout_at(deadline, console.actions_rx.recv()).await {
            Ok(Some(event)) => console.core.on_action_event(event),
            Ok(None) => panic!("runner channel closed while waiting for {what}"),
            Err(_) => panic!(
                "timed out waiting for {what}; message {:?}",
                console.core.actions().message()
            ),
        }
    }
}

fn build_ended(actions: &ActionsView<'_>) -> bool {
    actions.build().is_some_and(|b| b.outcome.is_some())
}

/// A config whose build runs a fixture script in `workdir`.
fn config_building_with(script: &str, workdir: &Path) -> FleetConfig {
    let mut config = zones_config();
    config.rebuild.argv = vec!["bash".into(), fixture(script).display().to_string()];
    config.rebuild.workdir = Some(workdir.to_path_buf());
    config
}

/// `b` then `y`: the rebuild is confirmed and the runner accepts it.
fn confirm_rebuild(console: &mut Console) {
    console.key(ch('b'));
    assert_eq!(
        console.key(ch('y')),
        UiOutcome::Request(ActionRequest::Rebuild),
        "y confirms the rebuild"
    );
}

// ---------------------------------------------------------------------------------------------
// Dialogs and guards, from the keys.

#[tokio::test]
async fn r_on_a_workload_asks_with_zone_namespace_kind_and_name_and_y_requests_the_restart() {
    let config = zones_config();
    let mut c = Console::new(&config, team_fleet(&config), false);
    assert_eq!(c.key(ch('e')), UiOutcome::Redraw);
    assert_eq!(c.ui().view(), ViewKind::Workload);
    assert_eq!(c.key(ch('r')), UiOutcome::Redraw);
    assert!(c.ui().dialog().is_some(), "r opens the dialog");
    let screen = c.render(100, 30);
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
        c.key(ch('y')),
        UiOutcome::Request(ActionRequest::Restart {
            zone: ZoneId(1),
            target: executor(),
            confirmation: None,
        })
    );
    assert!(c.ui().dialog().is_none());
}

#[tokio::test]
async fn r_works_in_the_overview_and_the_zone_view_but_not_on_a_node() {
    let config = zones_config();
    let mut c = Console::new(&config, team_fleet(&config), false);
    // Staging, in the overview.
    c.key(key(KeyCode::Right));
    let admin = WorkloadKey::parse("ge-system/deployment/admin-ui").unwrap();
    c.select_in_overview(&RowKey::Workload(admin.clone()));
    c.key(ch('r'));
    assert_eq!(
        c.key(key(KeyCode::Enter)),
        UiOutcome::Request(ActionRequest::Restart {
            zone: ZoneId(2),
            target: admin,
            confirmation: None,
        })
    );
    // The zone view opens on its first row, the node: r explains itself instead.
    c.key(key(KeyCode::Home));
    c.key(key(KeyCode::Enter));
    assert_eq!(c.ui().view(), ViewKind::Zone);
    c.key(key(KeyCode::Home));
    assert_eq!(c.ui().selected(), Some(&RowKey::Node("node-1".into())));
    assert_eq!(c.key(ch('r')), UiOutcome::Redraw);
    assert!(c.ui().dialog().is_none());
    let note = c.ui().own_message().unwrap();
    assert!(note.1.contains("select a Deployment"), "{note:?}");
    for _ in 0..20 {
        if matches!(c.ui().selected(), Some(RowKey::Workload(k)) if *k == executor()) {
            break;
        }
        c.key(key(KeyCode::Down));
    }
    c.key(ch('r'));
    assert_eq!(
        c.key(ch('y')),
        UiOutcome::Request(ActionRequest::Restart {
            zone: ZoneId(2),
            target: executor(),
            confirmation: None,
        })
    );
}

#[tokio::test]
async fn a_protected_zone_demands_its_exact_name() {
    let config = zones_config();
    let mut c = Console::new(&config, team_fleet(&config), false);
    c.key(key(KeyCode::Left));
    assert_eq!(c.ui().focused_zone(), 2, "production");
    c.select_in_overview(&RowKey::Workload(executor()));
    c.key(ch('r'));
    let dialog = c.ui().dialog().expect("dialog");
    assert!(dialog.wants_typed_name());
    // y and n are letters of a name here, not answers.
    assert_eq!(c.key(ch('y')), UiOutcome::Redraw);
    assert_eq!(c.key(ch('n')), UiOutcome::Redraw);
    assert_eq!(c.ui().dialog().unwrap().typed(), Some("yn"));
    c.key(key(KeyCode::Backspace));
    c.key(key(KeyCode::Backspace));
    c.type_text("prod");
    assert_eq!(c.key(key(KeyCode::Enter)), UiOutcome::Redraw);
    assert!(
        c.ui().dialog().is_some(),
        "a wrong name keeps the dialog open"
    );
    let screen = c.render(100, 30);
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
    c.type_text("uctio");
    assert_eq!(
        c.key(key(KeyCode::Enter)),
        UiOutcome::Redraw,
        "productio is not production"
    );
    c.type_text("n");
    assert_eq!(
        c.key(key(KeyCode::Enter)),
        UiOutcome::Request(ActionRequest::Restart {
            zone: ZoneId(3),
            target: executor(),
            confirmation: Some("production".into()),
        })
    );
    // esc still cancels a protected dialog.
    c.key(ch('r'));
    c.type_text("production");
    assert_eq!(c.key(key(KeyCode::Esc)), UiOutcome::Redraw);
    assert!(c.ui().dialog().is_none());
}

#[test]
fn read_only_refuses_with_a_message_and_no_dialog() {
    let config = zones_config();
    let mut c = Console::new(&config, team_fleet(&config), true);
    c.select_in_overview(&RowKey::Workload(executor()));
    c.key(ch('b'));
    assert!(c.ui().dialog().is_none(), "b: no dialog");
    assert!(
        c.core
            .shown_message()
            .unwrap()
            .1
            .contains("the build is not run"),
        "{:?}",
        c.core.shown_message()
    );
    for k in ['r', 'D'] {
        let outcome = c.key(ch(k));
        assert_eq!(outcome, UiOutcome::Redraw, "{k}: a message, no request");
        assert!(c.ui().dialog().is_none(), "{k}: no dialog");
    }
    let screen = c.render(100, 30);
    insta::assert_snapshot!("read_only_refusal", screen);
    assert_facts(
        &screen,
        &[
            "[READ-ONLY]",
            "no action running",
            "✗ read-only: the console runs with --read-only; no changes are made; nothing was built",
        ],
    );
    c.key(ch('r'));
    assert!(
        c.core
            .shown_message()
            .unwrap()
            .1
            .starts_with("read-only: the console runs with --read-only"),
        "{:?}",
        c.core.shown_message()
    );

    // A zone configured read_only = true refuses the same way, the others still ask.
    let text = DEFAULT_ZONES_TOML.replace(
        "context = \"ge-staging\"",
        "context = \"ge-staging\"\nread_only = true",
    );
    let config = config::parse_zones(&text, Path::new("zones.toml")).unwrap();
    let mut c = Console::new(&config, team_fleet(&config), false);
    c.key(key(KeyCode::Right));
    c.select_in_overview(&RowKey::Workload(executor()));
    assert_eq!(c.key(ch('r')), UiOutcome::Redraw);
    assert!(c.ui().dialog().is_none());
    assert!(
        c.core
            .shown_message()
            .unwrap()
            .1
            .starts_with("read-only: zone staging is configured read_only = true"),
        "{:?}",
        c.core.shown_message()
    );
    c.key(key(KeyCode::Left));
    c.select_in_overview(&RowKey::Workload(executor()));
    c.key(ch('r'));
    assert!(c.ui().dialog().is_some(), "dev is not read-only");
}

#[tokio::test]
async fn capital_d_asks_once_for_build_and_restart_and_yields_redeploy() {
    let config = zones_config();
    let mut c = Console::new(&config, team_fleet(&config), false);
    // From staging's zone view: the target is still dev's ge-executor.
    c.key(key(KeyCode::Right));
    c.key(key(KeyCode::Enter));
    assert_eq!(c.key(ch('D')), UiOutcome::Redraw);
    let screen = c.render(100, 30);
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
        c.key(ch('y')),
        UiOutcome::Request(ActionRequest::Redeploy { confirmation: None })
    );
    assert_eq!(c.ui().pane(), Some(Pane::BuildLog), "the build log opens");
    // The runner really started that build (the default script is not here: it ends at
    // once); while it runs, b would only say so.
    pump_until(&mut c, "the redeploy's build to end", build_ended).await;

    // b asks too, and yields a rebuild only.
    c.key(key(KeyCode::Esc));
    c.key(ch('b'));
    assert!(c.ui().dialog().is_some());
    assert_eq!(
        c.key(key(KeyCode::Enter)),
        UiOutcome::Request(ActionRequest::Rebuild)
    );
}

#[test]
fn esc_and_n_cancel_dialogs_and_esc_closes_panes() {
    let config = zones_config();
    let mut c = Console::new(&config, team_fleet(&config), false);
    c.select_in_overview(&RowKey::Workload(executor()));
    for cancel in [key(KeyCode::Esc), ch('n')] {
        c.key(ch('r'));
        assert!(c.ui().dialog().is_some());
        assert_eq!(c.key(cancel), UiOutcome::Redraw);
        assert!(c.ui().dialog().is_none());
    }
    c.key(ch('D'));
    assert_eq!(c.key(key(KeyCode::Esc)), UiOutcome::Redraw);
    assert!(c.ui().dialog().is_none());
    for (open, pane) in [(ch('l'), Pane::BuildLog), (ch('a'), Pane::Actions)] {
        c.key(open);
        assert_eq!(c.ui().pane(), Some(pane));
        c.key(key(KeyCode::Esc));
        assert_eq!(c.ui().pane(), None, "esc closes {pane:?}");
        c.key(open);
        c.key(open);
        assert_eq!(c.ui().pane(), None, "the key toggles {pane:?}");
    }
    assert_eq!(
        c.ui().view(),
        ViewKind::Overview,
        "closing panes left the view alone"
    );
}

#[test]
fn e_reaches_ge_executor_from_anywhere_and_esc_walks_back() {
    let config = zones_config();
    let mut c = Console::new(&config, team_fleet(&config), false);
    let starts: [&[KeyEvent]; 3] = [
        &[key(KeyCode::Left)],
        &[key(KeyCode::Right), key(KeyCode::Enter)],
        &[ch('l')],
    ];
    for start in starts {
        let mut c2 = Console::new(&config, team_fleet(&config), false);
        for k in start {
            c2.key(*k);
        }
        assert_eq!(c2.key(ch('e')), UiOutcome::Redraw);
        assert_eq!(c2.ui().view(), ViewKind::Workload);
        assert_eq!(c2.ui().open_workload(), Some(&executor()));
        assert_eq!(c2.ui().focused_zone(), 0, "the redeploy zone, dev");
        assert_eq!(c2.ui().pane(), None);
    }
    c.key(ch('e'));
    c.key(key(KeyCode::Esc));
    assert_eq!(c.ui().view(), ViewKind::Zone);
    assert_eq!(c.ui().selected(), Some(&RowKey::Workload(executor())));
    c.key(key(KeyCode::Esc));
    assert_eq!(c.ui().view(), ViewKind::Overview);
}

// ---------------------------------------------------------------------------------------------
// The build log pane, fed by real builds of the fixture scripts.

/// Replaces what differs between runs (temp dir, log file name, duration) with placeholders.
fn scrub(screen: &str, actions: ActionsView<'_>, state: &Path) -> String {
    let mut out = screen.to_string();
    if let Some(build) = actions.build() {
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
    let mut c = console_in(&config, team_fleet(&config), state.path());
    confirm_rebuild(&mut c);
    pump_until(&mut c, "the build's end", build_ended).await;
    let screen = c.render(120, 24);
    let screen = scrub(&screen, c.core.actions(), state.path());
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
    let actions = c.core.actions();
    let mark = actions.stale().expect("stale mark after a good build");
    assert_eq!((mark.zone, &mark.target), (ZoneId(1), &executor()));
    assert_eq!(
        actions.recent().back().map(|r| r.action),
        Some(AuditAction::Rebuild)
    );
}

#[tokio::test]
async fn a_running_build_spins_with_its_time_and_c_cancels_it_without_asking() {
    let state = tempfile::tempdir().unwrap();
    let config = config_building_with("build-hang.sh", state.path());
    let mut c = console_in(&config, team_fleet(&config), state.path());
    assert_eq!(c.key(ch('c')), UiOutcome::Redraw);
    assert_eq!(
        c.ui().own_message().map(|n| n.1.as_str()),
        Some("no build is running")
    );
    confirm_rebuild(&mut c);
    pump_until(&mut c, "the hanging line", |a| {
        a.build()
            .is_some_and(|b| b.tail.lines().any(|(_, l)| l == "hanging"))
    })
    .await;
    // The accepted rebuild opened the build log (as `l` would).
    assert_eq!(c.ui().pane(), Some(Pane::BuildLog));
    let started = c.core.actions().build().unwrap().started;
    set_time(
        &c,
        Clock {
            instant: started + Duration::from_millis(3200),
            wall: wall(),
        },
    );
    let screen = c.render(100, 24);
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
    c.key(ch('D'));
    assert!(c.ui().dialog().is_none());
    assert_eq!(
        c.ui().own_message().map(|n| n.1.as_str()),
        Some("a build is already running")
    );
    let outcome = c.key(ch('c'));
    assert_eq!(outcome, UiOutcome::Request(ActionRequest::CancelBuild));
    pump_until(&mut c, "the cancelled end", build_ended).await;
    set_time(&c, clock());
    let screen = c.render(100, 24);
    assert_facts(
        &screen,
        &["─ Build log · ✗ cancelled in", "✗ rebuild cancelled"],
    );
    assert!(
        c.core.actions().stale().is_none(),
        "a cancelled build marks nothing stale"
    );
}

#[tokio::test]
async fn a_failed_redeploy_build_restarts_nothing() {
    let state = tempfile::tempdir().unwrap();
    let config = config_building_with("build-fail.sh", state.path());
    let mut c = console_in(&config, team_fleet(&config), state.path());
    c.key(ch('D'));
    assert_eq!(
        c.key(ch('y')),
        UiOutcome::Request(ActionRequest::Redeploy { confirmation: None })
    );
    pump_until(&mut c, "the failed end", build_ended).await;
    let actions = c.core.actions();
    assert_eq!(
        actions.message(),
        Some(&(
            Severity::Error,
            "rebuild failed (exit 3): nothing restarted".into()
        ))
    );
    assert!(actions.busy().is_none() && actions.rollouts().trackers.is_empty());
    // The accepted redeploy opened the build log (as `l` would).
    assert_eq!(c.ui().pane(), Some(Pane::BuildLog));
    let screen = c.render(100, 24);
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

/// Dev's ge-executor rolling (its first new pod crash-looping) and our tracker of it, from a
/// restart the server accepted 12 s before `clock()`; staging's admin-ui rollout, someone
/// else's, seen through the watch 5 s before `clock()`. The console's clock is at `clock()`.
fn console_following_ours(config: &FleetConfig) -> Console {
    let mut fleet = team_fleet(config);
    apply(&mut fleet, executor_rolling());
    // Staging's admin-ui is steady until the watch reports its rollout.
    apply(&mut fleet, staging_admin_steady());
    let mut c = Console::new(config, fleet, false);
    set_time(&c, at(-12));
    restart_accepted(&mut c, ZoneId(1), &executor(), 4);
    assert_eq!(
        c.core.actions().rollouts().trackers[0].phase,
        RolloutPhase::InProgress
    );
    set_time(&c, at(-5));
    c.core.on_fleet_events(in_zone(
        2,
        vec![ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Upsert(admin_rolling()),
        )],
    ));
    set_time(&c, clock());
    c
}

#[tokio::test]
async fn rollout_panel_follows_ours_with_a_crash_looping_new_pod() {
    let config = zones_config();
    let mut c = console_following_ours(&config);
    let screen = c.render(120, 32);
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
    let small = c.render(80, 24);
    insta::assert_snapshot!("rollout_panel_in_progress_80x24", small);
    assert_facts(&small, &["○ in progress Z1 dev", "CrashLoopBackOff"]);
    for w in (0..=130).step_by(7) {
        for h in 0..=40 {
            c.render(w, h);
        }
    }
}

/// Dev's ge-executor rolled out: our restart accepted 50 s before `clock()`, the rollout done
/// 8 s before it. Staging's admin-ui rollout (someone else's) was noticed long before and
/// timed out more than two minutes ago, so the panel no longer shows it.
fn console_after_our_rollout(config: &FleetConfig) -> Console {
    let mut fleet = team_fleet(config);
    apply(&mut fleet, executor_rolling());
    let mut c = Console::new(config, fleet, false);
    let timeout = i64::try_from(config.redeploy.rollout_timeout_secs).unwrap();
    set_time(&c, at(-50 - 120 - timeout));
    c.core.on_tick();
    set_time(&c, at(-50 - 119));
    c.core.on_tick();
    assert!(
        c.core
            .actions()
            .rollouts()
            .trackers
            .iter()
            .all(|t| t.phase == RolloutPhase::TimedOut),
        "admin-ui's rollout timed out"
    );
    set_time(&c, at(-50));
    restart_accepted(&mut c, ZoneId(1), &executor(), 4);
    set_time(&c, at(-8));
    c.core.on_fleet_events(executor_rolled());
    let ours: Vec<_> = c
        .core
        .actions()
        .rollouts()
        .trackers
        .iter()
        .filter(|t| t.ours)
        .map(|t| t.phase.clone())
        .collect();
    assert_eq!(ours, [RolloutPhase::Succeeded]);
    set_time(&c, clock());
    c
}

#[tokio::test]
async fn rollout_panel_says_succeeded_clearly_and_lets_esc_dismiss_it() {
    let config = zones_config();
    let mut c = console_after_our_rollout(&config);
    let screen = c.render(120, 30);
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
    c.key(key(KeyCode::Esc));
    let screen = c.render(120, 30);
    assert!(!screen.contains("Rollouts"), "dismissed:\n{screen}");
    // And it leaves on its own two minutes after the end.
    let mut c = console_after_our_rollout(&config);
    set_time(&c, at(120));
    let screen = c.render(120, 30);
    assert!(
        !screen.contains("Rollouts"),
        "gone after a while:\n{screen}"
    );
}

#[test]
fn a_rollout_started_elsewhere_is_shown_as_not_ours_and_ends_failed() {
    let config = zones_config();
    let mut c = Console::new(&config, team_fleet(&config), false);
    // Seen through the watch: staging's admin-ui is progressing.
    c.core.on_tick();
    let actions = c.core.actions();
    let theirs = &actions.rollouts().trackers;
    assert_eq!(theirs.len(), 1);
    assert!(!theirs[0].ours);
    let screen = c.render(120, 30);
    insta::assert_snapshot!("rollout_panel_not_ours", screen);
    assert_facts(
        &screen,
        &[
            "no action running",
            "○ in progress Z2 staging · ge-system/deployment/admin-ui · not ours (seen through the watch)",
        ],
    );
    // It then exceeds its progress deadline.
    let key = WorkloadKey::parse("ge-system/deployment/admin-ui").unwrap();
    let mut admin = c.fleet().zones[1].workloads.get(&key).cloned().unwrap();
    admin.conditions.push(ConditionInfo {
        kind: "Progressing".into(),
        status: "False".into(),
        reason: "ProgressDeadlineExceeded".into(),
        message: "ReplicaSet \"admin-ui-66bd9f8c7\" has timed out progressing.".into(),
    });
    c.core.on_fleet_events(in_zone(
        2,
        vec![ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Upsert(admin),
        )],
    ));
    let screen = c.render(120, 30);
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
    // Staging's admin-ui is at rest here: every model batch re-judges rollouts, and this test
    // is about dev's pods, not someone else's rollout on the panel.
    let mut fleet = team_fleet(&config);
    apply(&mut fleet, staging_admin_steady());
    let mut c = console_in(&config, fleet, state.path());
    confirm_rebuild(&mut c);
    pump_until(&mut c, "the build's end", build_ended).await;
    let finished = c.core.actions().stale().expect("stale mark").build_finished;
    let at_second = |s: i64| {
        let whole = finished.as_second() + s;
        Some(Timestamp::from_second(whole).unwrap())
    };
    // One pod is from three hours before the build; the other was replaced right after the
    // build, in the same second (Kubernetes timestamps are whole seconds): it is not stale.
    let mut old = executor_pod(OLD_HASH, "abcde", "Running");
    old.created = at_second(-3 * 3600 - 60);
    old.started = at_second(-3 * 3600);
    let mut fresh = executor_pod(OLD_HASH, "n3w00", "Running");
    fresh.created = at_second(0);
    fresh.started = at_second(0);
    // The revision's age is read against the build's (real) time too.
    let mut revision = replicaset("ge-executor", OLD_HASH, 1);
    revision.created = at_second(-2 * 86_400);
    c.core.on_fleet_events(in_zone(
        1,
        vec![
            ObjectChange::ReplicaSets(StoreChange::Upsert(revision)),
            ObjectChange::Pods(StoreChange::Upsert(old)),
            ObjectChange::Pods(StoreChange::Delete(ge_console::fleet::ObjectKey::new(
                "ge-agents",
                format!("ge-executor-{OLD_HASH}-fghij"),
            ))),
            ObjectChange::Pods(StoreChange::Upsert(fresh)),
        ],
    ));
    set_time(
        &c,
        Clock {
            instant: clock().instant,
            wall: at_second(60).unwrap(),
        },
    );
    c.key(ch('e'));
    let screen = c.render(120, 30);
    let screen = scrub(&screen, c.core.actions(), state.path());
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
    restart_accepted(&mut c, ZoneId(1), &executor(), 4);
    let screen = c.render(120, 36);
    assert_facts(
        &screen,
        &["⚠ running the previous image: ge-executor-7f9c6b5d48-abcde"],
    );

    // Once replaced, the flags go.
    c.core.on_fleet_events(in_zone(
        1,
        vec![ObjectChange::Pods(StoreChange::Delete(
            ge_console::fleet::ObjectKey::new("ge-agents", format!("ge-executor-{OLD_HASH}-abcde")),
        ))],
    ));
    let screen = c.render(120, 36);
    assert!(!screen.contains("previous image"), "{screen}");
}

#[test]
fn actions_pane_lists_recent_audit_records_newest_first() {
    let config = zones_config();
    let state = tempfile::tempdir().unwrap();
    // Two restarts refused earlier by a read-only console (`ge-console restart` goes through
    // the same door): the guards judge each order and the audit log records the refusal.
    let ctx = ActionContext::new(
        config.clone(),
        ZoneClients::new(common::offline_kubeconfig()),
        Guards {
            console_read_only: true,
        },
        state.path().to_path_buf(),
    );
    for zone in [ZoneId(1), ZoneId(3)] {
        let order = RestartOrder {
            zone: ctx.zone(zone).unwrap().clone(),
            target: executor(),
            confirmation: None,
            asked: wall(),
        };
        let refusal = order.admit(&ctx).expect_err("read-only refuses");
        ctx.record(&order.record_error(&ctx, &refusal, &clock()))
            .unwrap();
    }
    let mut options = ConsoleOptions::offline(state.path());
    options.read_only = true;
    let mut c = Console::with(&config, team_fleet(&config), options);
    c.key(ch('a'));
    let screen = c.render(120, 30);
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

/// A console after a good build (its log pane closed again), with our rollout of dev's
/// ge-executor in progress.
async fn console_built_and_rolling(config: &FleetConfig, state: &Path) -> Console {
    let mut c = console_in(config, team_fleet(config), state);
    confirm_rebuild(&mut c);
    pump_until(&mut c, "the build's end", build_ended).await;
    c.key(key(KeyCode::Esc));
    assert_eq!(c.ui().pane(), None);
    c.core.on_fleet_events(executor_rolling());
    set_time(&c, at(-12));
    restart_accepted(&mut c, ZoneId(1), &executor(), 4);
    set_time(&c, clock());
    c.core.on_tick();
    c
}

#[tokio::test]
async fn never_panics_at_any_size_with_dialogs_panes_and_rollouts() {
    let state = tempfile::tempdir().unwrap();
    let config = config_building_with("build-ok.sh", state.path());
    let setups: [&[KeyEvent]; 6] = [
        &[ch('e'), ch('r')],
        &[key(KeyCode::Left), ch('r'), ch('p')],
        &[ch('D')],
        &[ch('l'), key(KeyCode::Up), key(KeyCode::PageUp)],
        &[ch('a'), ch('e')],
        &[ch('l'), ch('?')],
    ];
    for setup in setups {
        let mut c = console_built_and_rolling(&config, state.path()).await;
        for k in setup {
            c.key(*k);
        }
        // Steps of 3 pass through the 60×15 minimum and the sizes around it.
        for w in (0..=132).step_by(3) {
            for h in (0..=45).step_by(3) {
                c.render(w, h);
            }
        }
        let screen = c.render(80, 24);
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
    let mut c = Console::with(
        &config,
        team_fleet(&config),
        ConsoleOptions {
            kubeconfig,
            ..ConsoleOptions::offline(state.path())
        },
    );
    c.key(ch('e'));
    c.key(ch('r'));
    let UiOutcome::Request(_) = c.key(ch('y')) else {
        panic!("y confirms");
    };
    pump_until(&mut c, "the restart's answer", |a| a.busy().is_none()).await;
    let expected = format!(
        "restart of ge-agents/deployment/ge-executor: forbidden: {}",
        FORBIDDEN_MESSAGE
    );
    assert_eq!(
        c.core.actions().message(),
        Some(&(Severity::Error, expected))
    );
    let screen = c.render(160, 30);
    assert_facts(
        &screen,
        &[
            "✗ restart of ge-agents/deployment/ge-executor: forbidden: deployments.apps \"ge-executor\" is forbidden: User \"ge-viewer\"",
            "in the namespace \"ge-agents\"",
            "no action running",
        ],
    );
    assert_eq!(
        c.core.actions().recent().back().map(|r| r.result),
        Some(AuditResult::Failed)
    );
    server.abort();
}

// ---------------------------------------------------------------------------------------------
// Against the demo fleet: the real core, the real cluster layer, the real keys.

const DEMO_DEADLINE: Duration = Duration::from_secs(60);

/// The demo fleet and a console watching it, driven like the event loop drives it.
struct Live {
    demo: DemoFleet,
    console: Console,
    fleet_rx: mpsc::Receiver<FleetEvent>,
    _watchers: JoinSet<()>,
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
        let console = Console::with(
            &config,
            Fleet::new(&config),
            ConsoleOptions {
                kubeconfig,
                time: TimeSource::System,
                read_only,
                state_dir: state.path().to_path_buf(),
                keymap: (Keymap::default_map(), "default".into()),
            },
        );
        let mut live = Live {
            demo,
            console,
            fleet_rx,
            _watchers: watchers,
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

    /// Hands model batches, runner reports and ticks to the core, as the event loop does,
    /// until `done` holds; fails with the runner's state after the deadline.
    async fn until(&mut self, what: &str, done: impl Fn(&Fleet, &ActionsView<'_>) -> bool) {
        let deadline = tokio::time::Instant::now() + DEMO_DEADLINE;
        while !done(self.console.fleet(), &self.console.core.actions()) {
            if tokio::time::Instant::now() > deadline {
                let actions = self.console.core.actions();
                let trackers: Vec<_> = actions
                    .rollouts()
                    .trackers
                    .iter()
                    .map(|t| (t.target.to_string(), t.ours, t.phase.clone()))
                    .collect();
                panic!(
                    "timed out waiting for {what}; message {:?}; rollouts {trackers:?}",
                    actions.message()
                );
            }
            tokio::select! {
                Some(event) = self.fleet_rx.recv() => {
                    let mut batch = vec![event];
                    while let Ok(event) = self.fleet_rx.try_recv() {
                        batch.push(event);
                    }
                    self.console.core.on_fleet_events(batch);
                }
                Some(event) = self.console.actions_rx.recv() => {
                    self.console.core.on_action_event(event);
                }
                _ = tokio::time::sleep(ge_console::app::BUSY_TICK) => {
                    self.console.core.on_tick();
                }
            }
        }
    }

    /// Selects `target` in dev's overview, presses r and confirms with y.
    fn confirm_restart(&mut self, target: &WorkloadKey) {
        self.console
            .select_in_overview(&RowKey::Workload(target.clone()));
        self.console.key(ch('r'));
        assert_eq!(
            self.console.key(ch('y')),
            UiOutcome::Request(ActionRequest::Restart {
                zone: ZoneId(1),
                target: target.clone(),
                confirmation: None,
            }),
            "y confirms the restart of {target}"
        );
    }

    fn audit(&self) -> Vec<AuditRecord> {
        let path = self.console.core.actions().audit_path().to_path_buf();
        let text = std::fs::read_to_string(path).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("each audit line is one JSON record"))
            .collect()
    }
}

fn ours_ended(target: &WorkloadKey) -> impl Fn(&Fleet, &ActionsView<'_>) -> bool + '_ {
    move |_, a| {
        a.rollouts()
            .trackers
            .iter()
            .any(|t| t.ours && &t.target == target && t.phase.is_final())
    }
}

fn phase_of(actions: ActionsView<'_>, target: &WorkloadKey) -> RolloutPhase {
    actions
        .rollouts()
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
    live.console.key(ch('e'));
    live.console.key(ch('r'));
    let UiOutcome::Request(_) = live.console.key(ch('y')) else {
        panic!("y confirms");
    };
    assert!(
        live.console.core.actions().busy().is_some(),
        "busy right after the request"
    );
    live.until("the rollout's end", ours_ended(&executor()))
        .await;
    assert_eq!(
        phase_of(live.console.core.actions(), &executor()),
        RolloutPhase::Succeeded
    );
    let screen = live.console.render(120, 40);
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
        (audit[0].action, audit[0].result),
        (AuditAction::Restart, AuditResult::Succeeded)
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
    live.confirm_restart(&paused);
    live.until("the refusal", |_, a| {
        a.busy().is_none() && !a.recent().is_empty()
    })
    .await;
    let actions = live.console.core.actions();
    let (severity, message) = actions.message().cloned().unwrap();
    assert_eq!(severity, Severity::Error);
    assert_eq!(
        message,
        format!("restart of ge-system/deployment/report-builder: {PAUSED_MESSAGE}")
    );
    assert!(actions.rollouts().trackers.iter().all(|t| !t.ours));
    let audit = live.audit();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].result, AuditResult::Refused);
    assert_eq!(audit[0].detail.as_deref(), Some(PAUSED_MESSAGE));
    live.demo.shutdown().await;
}

#[tokio::test]
async fn a_rollout_that_cannot_become_available_ends_failed() {
    let mut live = Live::start(false, zones_config(), tempfile::tempdir().unwrap()).await;
    let sandbox = WorkloadKey::parse("ge-agents/deployment/ge-sandbox").unwrap();
    live.confirm_restart(&sandbox);
    live.until("the rollout's end", ours_ended(&sandbox)).await;
    match phase_of(live.console.core.actions(), &sandbox) {
        RolloutPhase::Failed(reason) => {
            assert!(
                reason.contains("exceeded its progress deadline"),
                "{reason}"
            );
        }
        other => panic!("expected failed, got {other:?}"),
    }
    assert_eq!(
        live.console.core.actions().message(),
        Some(&(
            Severity::Error,
            "rollout of ge-agents/deployment/ge-sandbox failed".into()
        ))
    );
    let screen = live.console.render(120, 40);
    assert_facts(
        &screen,
        &["✗ failed: deployment \"ge-sandbox\" exceeded its progress deadline Z1 dev"],
    );
    live.demo.shutdown().await;
}

#[tokio::test]
async fn a_read_only_runner_refuses_and_nothing_reaches_the_server() {
    let mut live = Live::start(true, zones_config(), tempfile::tempdir().unwrap()).await;
    let before = live.console.fleet().zone(ZoneId(1)).unwrap().workloads[&executor()].clone();
    live.console
        .select_in_overview(&RowKey::Workload(executor()));
    for k in ['r', 'D'] {
        assert_eq!(live.console.key(ch(k)), UiOutcome::Redraw, "{k}: refused");
        assert!(live.console.ui().dialog().is_none(), "{k}: no dialog");
    }
    let actions = live.console.core.actions();
    assert!(actions.busy().is_none(), "nothing started");
    assert!(actions.build().is_none(), "no build ran");
    let (severity, message) = live.console.core.shown_message().cloned().unwrap();
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
            (AuditAction::Restart, AuditResult::Refused),
            (AuditAction::Redeploy, AuditResult::Refused)
        ]
    );
    live.demo.shutdown().await;
}

#[tokio::test]
async fn redeploy_builds_restarts_and_clears_the_stale_mark_once_pods_are_replaced() {
    let state = tempfile::tempdir().unwrap();
    let config = config_building_with("build-ok.sh", state.path());
    let mut live = Live::start(false, config, state).await;
    live.console.key(ch('D'));
    assert_eq!(
        live.console.key(ch('y')),
        UiOutcome::Request(ActionRequest::Redeploy { confirmation: None })
    );
    live.until("the rollout's end", ours_ended(&executor()))
        .await;
    assert_eq!(
        phase_of(live.console.core.actions(), &executor()),
        RolloutPhase::Succeeded
    );
    // Every pod now is from after the build: nothing is flagged. (The runner's own mark may
    // linger: `stale_pods` compares whole-second pod times with the build's exact end.)
    live.console.key(ch('e'));
    live.until("the old pods to go", |f, _| {
        f.zone(ZoneId(1))
            .is_some_and(|z| ge_console::fleet::health::workload_pods(z, &executor()).len() == 2)
    })
    .await;
    let screen = live.console.render(120, 40);
    assert!(!screen.contains("previous image"), "{screen}");
    let actions: Vec<_> = live
        .audit()
        .into_iter()
        .map(|r| (r.action, r.result))
        .collect();
    assert_eq!(
        actions,
        [
            (AuditAction::Rebuild, AuditResult::Succeeded),
            (AuditAction::Restart, AuditResult::Succeeded)
        ],
        "one JSON line per action"
    );
    assert!(
        live.state.path().join("builds").is_dir(),
        "the full log is on disk"
    );
    live.demo.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// The core's frame and tick decisions, which the event loop follows.

#[tokio::test]
async fn an_object_written_again_as_stored_is_no_change_and_draws_no_frame() {
    let config = zones_config();
    let mut fleet = team_fleet(&config);
    apply(&mut fleet, executor_rolling());
    let mut c = Console::new(&config, fleet, false);
    c.render(100, 30);
    let read_at = |events: Vec<FleetEvent>| {
        let now = std::time::Instant::now();
        events
            .into_iter()
            .map(|mut e| {
                e.read_at = Some(now);
                e
            })
            .collect::<Vec<_>>()
    };

    // The watch sends the same pod, workload and ReplicaSet again (a label, a probe time or
    // the resourceVersion moved, none of which is projected).
    let again = c.core.on_fleet_events(read_at(executor_rolling()));
    assert!(again.is_empty(), "no change to trace: {again:?}");
    assert!(!c.core.needs_draw(), "nothing to draw");

    // One of them really changed: it is applied, traced and drawn.
    let mut events = read_at(executor_rolling());
    let ZoneEvent::Objects(ObjectChange::Pods(StoreChange::Upsert(pod))) = &mut events[2].event
    else {
        panic!("executor_rolling's third event is its new pod");
    };
    pod.restarts += 1;
    let expected_restarts = pod.restarts;
    let changed = c.core.on_fleet_events(events);
    assert_eq!(changed.len(), 1, "only the pod changed");
    assert!(c.core.needs_draw());
    let restarts = c
        .fleet()
        .zone(ZoneId(1))
        .and_then(|z| z.pods.values().find(|p| p.name.ends_with("k2x9p")))
        .map(|p| p.restarts);
    assert_eq!(restarts, Some(expected_restarts));
}

#[tokio::test]
async fn the_core_draws_only_after_changes_and_at_once_when_our_rollout_ends() {
    use ge_console::app::core::{BUSY_TICK, IDLE_TICK};
    let config = zones_config();
    let mut fleet = team_fleet(&config);
    apply(&mut fleet, executor_rolling());
    let mut c = Console::new(&config, fleet, false);
    assert!(c.core.needs_draw(), "the first frame is due");
    c.render(100, 30);
    assert!(!c.core.needs_draw(), "nothing changed since the frame");
    assert_eq!(c.key(key(KeyCode::F(12))), UiOutcome::Nothing);
    assert!(!c.core.needs_draw(), "an unbound key draws nothing");
    assert_eq!(c.key(key(KeyCode::Down)), UiOutcome::Redraw);
    assert!(c.core.needs_draw(), "a key that moved the selection");
    c.render(100, 30);
    assert_eq!(c.core.tick_period(), IDLE_TICK, "nothing of ours runs");

    restart_accepted(&mut c, ZoneId(1), &executor(), 4);
    assert!(c.core.needs_draw(), "the runner's report");
    assert_eq!(
        c.core.tick_period(),
        BUSY_TICK,
        "our rollout runs: the spinner moves"
    );
    assert!(!c.core.frame_is_urgent());
    c.render(100, 30);
    c.core.on_fleet_events(executor_rolled());
    assert!(
        c.core.frame_is_urgent(),
        "the end of our rollout is drawn without waiting for the frame interval"
    );
    c.render(100, 30);
    assert!(
        !c.core.frame_is_urgent(),
        "once drawn, it is not urgent any more"
    );
    assert_eq!(c.core.tick_period(), IDLE_TICK);
}
