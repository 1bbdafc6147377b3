//! `y` copies the selected object's `NAMESPACE/KIND/NAME` to the clipboard: the console's core
//! queues the exact OSC 52 sequence for the next frame (the event loop writes it through the
//! terminal writer) and says what it copied in the message line.

use std::path::Path;

use ge_console::actions::runner::Severity;
use ge_console::app::core::osc52;
use ge_console::config::{self, DEFAULT_ZONES_TOML};
use ge_console::fleet::{
    ConditionInfo, Fleet, KindStatus, LinkStatus, NamespaceInfo, NodeInfo, ObjectChange, ObjectKey,
    OwnerRef, PodInfo, ReplicaSetInfo, ResourceKind, StoreChange, WorkloadInfo, WorkloadKey,
    WorkloadKind, ZoneEvent,
};
use ge_console::ui::{Keymap, RowKey, UiOutcome, ViewKind};
use ratatui::crossterm::event::KeyCode;

mod common;
use common::{Console, ConsoleOptions, ago, ch, key};

const HASH: &str = "7f9c6b5d48";
const POD: &str = "ge-executor-7f9c6b5d48-x2k4q";

fn executor() -> WorkloadKey {
    WorkloadKey {
        kind: WorkloadKind::Deployment,
        namespace: "ge-agents".into(),
        name: "ge-executor".into(),
    }
}

fn executor_workload() -> WorkloadInfo {
    WorkloadInfo {
        kind: WorkloadKind::Deployment,
        namespace: "ge-agents".into(),
        name: "ge-executor".into(),
        generation: 3,
        observed_generation: 3,
        desired: 1,
        current: 1,
        updated: 1,
        ready: 1,
        available: 1,
        paused: false,
        images: vec!["registry.ge.internal/ge-executor:1.8.2".into()],
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

fn executor_replicaset() -> ReplicaSetInfo {
    ReplicaSetInfo {
        namespace: "ge-agents".into(),
        name: format!("ge-executor-{HASH}"),
        owner: Some(OwnerRef {
            kind: "Deployment".into(),
            name: "ge-executor".into(),
        }),
        desired: 1,
        current: 1,
        ready: 1,
        available: 1,
        revision: Some(1),
        template_hash: Some(HASH.into()),
        images: vec![],
        created: ago(86_400),
        change_cause: None,
    }
}

fn executor_pod() -> PodInfo {
    PodInfo {
        namespace: "ge-agents".into(),
        name: POD.into(),
        phase: "Running".into(),
        status: "Running".into(),
        message: None,
        ready_containers: 1,
        total_containers: 1,
        restarts: 0,
        node: Some("ge-dev-1".into()),
        images: vec!["registry.ge.internal/ge-executor:1.8.2".into()],
        owner: Some(OwnerRef {
            kind: "ReplicaSet".into(),
            name: format!("ge-executor-{HASH}"),
        }),
        template_hash: Some(HASH.into()),
        created: ago(3600),
        started: ago(3590),
        deleting: false,
        containers: vec![],
        conditions: vec![],
    }
}

fn dev_node() -> NodeInfo {
    NodeInfo {
        name: "ge-dev-1".into(),
        ready: true,
        unschedulable: false,
        roles: vec!["control-plane".into()],
        kubelet_version: "v1.34.2+k3s1".into(),
        container_runtime: "containerd://2.1.5-k3s1".into(),
        os_image: "Ubuntu 24.04.3 LTS".into(),
        kernel_version: "6.8.0-87-generic".into(),
        created: ago(41 * 86_400),
    }
}

/// The team's zones; the dev zone live with one node, ge-executor and its pod.
fn console_with(keymap: (Keymap, &str)) -> Console {
    let config = config::parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap();
    let mut fleet = Fleet::new(&config);
    let dev = &mut fleet.zones[0];
    dev.apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: "v1.34.2+k3s1".into(),
    }));
    let namespaces = ["ge-agents", "kube-system"]
        .map(|n| NamespaceInfo {
            name: n.into(),
            phase: "Active".into(),
        })
        .to_vec();
    for change in [
        ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Replace(vec![executor_workload()]),
        ),
        ObjectChange::Nodes(StoreChange::Replace(vec![dev_node()])),
        ObjectChange::Namespaces(StoreChange::Replace(namespaces)),
        ObjectChange::Pods(StoreChange::Replace(vec![executor_pod()])),
        ObjectChange::ReplicaSets(StoreChange::Replace(vec![executor_replicaset()])),
    ] {
        dev.apply(ZoneEvent::Objects(change));
    }
    for kind in ResourceKind::ALL {
        dev.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
    }
    let state = tempfile::tempdir().unwrap();
    let mut options = ConsoleOptions::offline(state.path());
    options.keymap = (keymap.0, keymap.1.into());
    Console::with(&config, fleet, options)
}

fn console() -> Console {
    console_with((Keymap::default_map(), "default"))
}

/// Moves the current list's selection down until it rests on `target`.
fn select(ui: &mut Console, target: &RowKey) {
    ui.key(key(KeyCode::Home));
    for _ in 0..50 {
        if ui.selected() == Some(target) {
            return;
        }
        ui.key(key(KeyCode::Down));
    }
    panic!("{target:?} not reached; at {:?}", ui.selected());
}

fn message(ui: &Console) -> Option<(Severity, String)> {
    ui.core.shown_message().cloned()
}

#[test]
fn y_on_a_workload_queues_its_osc52_and_says_so() {
    let mut ui = console();
    select(&mut ui, &RowKey::Workload(executor()));
    let outcome = ui.key(ch('y'));
    assert_eq!(
        outcome,
        UiOutcome::Copy("ge-agents/deployment/ge-executor".into())
    );
    assert_eq!(
        ui.core.pending_clipboard(),
        [b"\x1b]52;c;Z2UtYWdlbnRzL2RlcGxveW1lbnQvZ2UtZXhlY3V0b3I=\x07".to_vec()]
    );
    assert_eq!(
        message(&ui),
        Some((
            Severity::Info,
            "copied ge-agents/deployment/ge-executor".into()
        ))
    );
    assert!(ui.core.needs_draw(), "the message must reach the screen");
    let screen = ui.render(160, 45);
    assert!(
        screen.contains("copied ge-agents/deployment/ge-executor"),
        "{screen}"
    );
    // The event loop takes them for the frame; they are written once.
    assert_eq!(ui.core.take_clipboard().len(), 1);
    assert!(ui.core.pending_clipboard().is_empty());
}

#[test]
fn y_on_a_pod_in_the_workload_view_copies_namespace_pod_name() {
    let mut ui = console();
    select(&mut ui, &RowKey::Workload(executor()));
    ui.press(&[KeyCode::Enter, KeyCode::Enter]);
    assert_eq!(ui.view(), ViewKind::Workload);
    select(&mut ui, &RowKey::Pod(ObjectKey::new("ge-agents", POD)));
    ui.key(ch('y'));
    assert_eq!(
        ui.core.pending_clipboard(),
        [b"\x1b]52;c;Z2UtYWdlbnRzL3BvZC9nZS1leGVjdXRvci03ZjljNmI1ZDQ4LXgyazRx\x07".to_vec()]
    );
    assert_eq!(
        message(&ui).map(|(_, text)| text).as_deref(),
        Some("copied ge-agents/pod/ge-executor-7f9c6b5d48-x2k4q")
    );
}

#[test]
fn y_on_a_node_and_on_a_namespace_heading_copies_kind_slash_name() {
    let mut ui = console();
    select(&mut ui, &RowKey::Namespace("ge-agents".into()));
    ui.key(ch('y'));
    ui.key(key(KeyCode::Enter));
    assert_eq!(ui.view(), ViewKind::Zone);
    select(&mut ui, &RowKey::Node("ge-dev-1".into()));
    ui.key(ch('y'));
    assert_eq!(
        ui.core.take_clipboard(),
        [osc52("namespace/ge-agents"), osc52("node/ge-dev-1")]
    );
    assert_eq!(
        message(&ui).map(|(_, text)| text).as_deref(),
        Some("copied node/ge-dev-1")
    );
}

#[test]
fn osc52_is_esc_bracket_52_c_base64_bel() {
    assert_eq!(
        osc52("node/ge-dev-1"),
        b"\x1b]52;c;bm9kZS9nZS1kZXYtMQ==\x07"
    );
}

#[test]
fn the_vim_keymap_yanks_with_y_too() {
    let vim = Keymap::shipped("vim").unwrap();
    let mut ui = console_with((vim, "vim"));
    select(&mut ui, &RowKey::Workload(executor()));
    ui.key(ch('y'));
    assert_eq!(
        ui.core.pending_clipboard(),
        [osc52("ge-agents/deployment/ge-executor")]
    );
}

#[test]
fn nothing_to_copy_when_the_filter_hides_every_row_says_so_and_writes_nothing() {
    let mut ui = console();
    ui.key(ch('/'));
    ui.type_text("no-such-object");
    ui.key(key(KeyCode::Enter));
    ui.key(ch('y'));
    assert!(ui.core.pending_clipboard().is_empty());
    assert_eq!(
        message(&ui).map(|(_, text)| text).as_deref(),
        Some("copy: nothing is selected")
    );
}
