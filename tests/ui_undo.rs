//! Rollout history and undo from the keyboard, on the console's real core with a fixed clock:
//! the workload view's revisions (snapshots at 80×24 and 200×50), `u` back to the previous
//! revision, `U` to the selected one, a protected zone's name typed, read-only refused, and the
//! runner's answer followed in the rollout panel.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Console, ago, ch, clock, key};
use ge_console::actions::rollout::RolloutPhase;
use ge_console::actions::runner::{ActionEvent, ActionRequest, Severity};
use ge_console::actions::undo::{RollbackReceipt, UndoOrder};
use ge_console::config::{self, DEFAULT_ZONES_TOML, FleetConfig, ZoneId};
use ge_console::fleet::{
    Fleet, KindStatus, LinkStatus, NamespaceInfo, ObjectChange, ObjectKey, OwnerRef, PodInfo,
    ReplicaSetInfo, ResourceKind, StoreChange, WorkloadInfo, WorkloadKey, WorkloadKind, ZoneEvent,
    ZoneModel,
};
use ge_console::ui::{DialogAction, RowKey, UiOutcome, ViewKind};
use ratatui::crossterm::event::KeyCode;

const IMAGE: &str = "registry.ge.internal/ge-executor";

fn executor() -> WorkloadKey {
    WorkloadKey::parse("ge-agents/deployment/ge-executor").unwrap()
}

/// ge-executor's revisions: 1 and 2 old (2 with a change-cause), 3 current.
fn revisions() -> Vec<ReplicaSetInfo> {
    [
        (1, "6d5f8b7c9a", None),
        (2, "7f9c6b5d48", Some("rebuild 1.8.1")),
        (3, "5c8d7e9f1a", None),
    ]
    .into_iter()
    .map(
        |(revision, hash, cause): (i64, &str, Option<&str>)| ReplicaSetInfo {
            namespace: "ge-agents".into(),
            name: format!("ge-executor-{hash}"),
            owner: Some(OwnerRef {
                kind: "Deployment".into(),
                name: "ge-executor".into(),
            }),
            desired: if revision == 3 { 2 } else { 0 },
            current: if revision == 3 { 2 } else { 0 },
            ready: if revision == 3 { 2 } else { 0 },
            available: if revision == 3 { 2 } else { 0 },
            revision: Some(revision),
            template_hash: Some(hash.into()),
            images: vec![format!("{IMAGE}:1.8.{}", revision - 1)],
            created: ago(86_400 * (4 - revision)),
            change_cause: cause.map(str::to_string),
        },
    )
    .collect()
}

fn executor_pod(suffix: &str) -> PodInfo {
    PodInfo {
        namespace: "ge-agents".into(),
        name: format!("ge-executor-5c8d7e9f1a-{suffix}"),
        phase: "Running".into(),
        status: "Running".into(),
        message: None,
        ready_containers: 1,
        total_containers: 1,
        restarts: 0,
        node: Some("node-1".into()),
        images: vec![format!("{IMAGE}:1.8.2")],
        owner: Some(OwnerRef {
            kind: "ReplicaSet".into(),
            name: "ge-executor-5c8d7e9f1a".into(),
        }),
        template_hash: Some("5c8d7e9f1a".into()),
        created: ago(3600),
        started: ago(3590),
        deleting: false,
        containers: vec![],
        conditions: vec![],
    }
}

fn deployment() -> WorkloadInfo {
    WorkloadInfo {
        kind: WorkloadKind::Deployment,
        namespace: "ge-agents".into(),
        name: "ge-executor".into(),
        generation: 3,
        observed_generation: 3,
        desired: 2,
        current: 2,
        updated: 2,
        ready: 2,
        available: 2,
        paused: false,
        images: vec![format!("{IMAGE}:1.8.2")],
        conditions: vec![],
        current_revision: None,
        update_revision: None,
        rolling_update: true,
        partition: 0,
        restarted_at: None,
        created: ago(30 * 86_400),
    }
}

fn fill(zone: &mut ZoneModel) {
    zone.apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: "v1.34.2+k3s1".into(),
    }));
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
    for change in [
        ObjectChange::Namespaces(StoreChange::Replace(namespaces)),
        ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Replace(vec![deployment()]),
        ),
        ObjectChange::Workloads(WorkloadKind::StatefulSet, StoreChange::Replace(vec![])),
        ObjectChange::Workloads(WorkloadKind::DaemonSet, StoreChange::Replace(vec![])),
        ObjectChange::Pods(StoreChange::Replace(vec![
            executor_pod("abcde"),
            executor_pod("fghij"),
        ])),
        ObjectChange::ReplicaSets(StoreChange::Replace(revisions())),
        ObjectChange::Nodes(StoreChange::Replace(vec![])),
    ] {
        zone.apply(ZoneEvent::Objects(change));
    }
    for kind in ResourceKind::ALL {
        zone.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
    }
    zone.set_state_since(clock().instant - Duration::from_secs(60));
}

fn zones() -> FleetConfig {
    config::parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap()
}

fn fleet(config: &FleetConfig) -> Fleet {
    let mut fleet = Fleet::new(config);
    for zone in &mut fleet.zones {
        fill(zone);
    }
    fleet
}

/// The ReplicaSet row of `revision` in the workload view.
fn revision_row(revision: i64) -> RowKey {
    let rs = revisions()
        .into_iter()
        .find(|r| r.revision == Some(revision))
        .unwrap();
    RowKey::Revision(ObjectKey::new("ge-agents", rs.name))
}

/// Moves the selection down until it rests on `row`.
fn select(c: &mut Console, row: &RowKey) {
    for _ in 0..20 {
        if c.selected() == Some(row) {
            return;
        }
        c.key(key(KeyCode::Down));
    }
    panic!("{row:?} not reached; at {:?}", c.selected());
}

/// The revision the open undo dialog asks about.
fn dialog_revision(c: &Console) -> i64 {
    match c.dialog().map(|d| d.action()) {
        Some(DialogAction::Undo {
            revision, target, ..
        }) => {
            assert_eq!(target, &executor());
            revision.revision
        }
        other => panic!("an undo dialog: {other:?}"),
    }
}

fn undo_request(zone: u32, to_revision: i64, confirmation: Option<&str>) -> UiOutcome {
    UiOutcome::Request(ActionRequest::Undo {
        zone: ZoneId(zone),
        target: executor(),
        to_revision: Some(to_revision),
        confirmation: confirmation.map(str::to_string),
    })
}

fn audit_lines(state: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(state.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_workload_view_lists_the_revisions_newest_first() {
    let config = zones();
    let mut c = Console::new(&config, fleet(&config), false);
    c.key(ch('e'));
    assert_eq!(c.view(), ViewKind::Workload);
    let small = c.render(80, 24);
    insta::assert_snapshot!("workload_view_revisions_80x24", small);
    select(&mut c, &revision_row(2));
    let large = c.render(200, 50);
    insta::assert_snapshot!("workload_view_revisions_200x50", large);
    let rows: Vec<&str> = large
        .lines()
        .skip_while(|l| !l.starts_with("REVISIONS 3"))
        .skip(2)
        .take(3)
        .collect();
    assert!(
        rows[0].starts_with("3 ") && rows[0].contains("current"),
        "{large}"
    );
    assert!(
        rows[1].starts_with("2 ") && rows[1].contains("rebuild 1.8.1"),
        "{large}"
    );
    assert!(
        rows[2].starts_with("1 ") && rows[2].contains("<none>"),
        "{large}"
    );
    assert!(rows[2].contains(&format!("{IMAGE}:1.8.0")), "{large}");
    // y copies the selected revision's ReplicaSet.
    assert_eq!(
        c.key(ch('y')),
        UiOutcome::Copy("ge-agents/replicaset/ge-executor-7f9c6b5d48".into())
    );
}

#[tokio::test]
async fn u_asks_about_the_previous_revision_and_y_sends_the_undo() {
    let state = tempfile::tempdir().unwrap();
    let config = zones();
    let options = common::ConsoleOptions::offline(state.path());
    let mut c = Console::with(&config, fleet(&config), options);
    c.key(ch('e'));
    assert_eq!(c.key(ch('u')), UiOutcome::Redraw);
    assert_eq!(dialog_revision(&c), 2, "the newest before the current");
    let screen = c.render(100, 30);
    insta::assert_snapshot!("dialog_undo_dev", screen);
    assert!(
        !c.dialog().unwrap().wants_typed_name(),
        "dev is not protected"
    );
    assert_eq!(c.key(ch('y')), undo_request(1, 2, None));
    assert!(c.dialog().is_none());
    assert_eq!(c.core.actions().busy().as_deref(), Some("undo requested"));
    // Offline: the zone's context is not in the kubeconfig, and the failure is said and recorded.
    let event = tokio::time::timeout(Duration::from_secs(10), c.actions_rx.recv())
        .await
        .unwrap()
        .unwrap();
    c.core.on_action_event(event);
    let (severity, message) = c.core.shown_message().cloned().unwrap();
    assert_eq!(severity, Severity::Error);
    assert!(
        message.starts_with("undo of ge-agents/deployment/ge-executor to revision 2: "),
        "{message}"
    );
    assert!(message.contains("ge-dev"), "{message}");
    assert_eq!(c.core.actions().busy(), None);
    let audit = audit_lines(state.path());
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["action"], "undo");
    assert_eq!(audit[0]["result"], "failed");
}

#[tokio::test]
async fn shift_u_undoes_to_the_selected_revision_only() {
    let config = zones();
    let mut c = Console::new(&config, fleet(&config), false);
    c.key(ch('e'));
    // On a pod row there is no revision to choose.
    assert_eq!(c.key(ch('U')), UiOutcome::Redraw);
    assert!(c.dialog().is_none());
    assert!(
        c.shown_message_text()
            .contains("select one of ge-executor's revisions first"),
        "{}",
        c.shown_message_text()
    );
    // The current revision is not undone to.
    select(&mut c, &revision_row(3));
    c.key(ch('U'));
    assert!(c.dialog().is_none());
    assert!(
        c.shown_message_text()
            .contains("revision 3 is ge-executor's current template"),
        "{}",
        c.shown_message_text()
    );
    select(&mut c, &revision_row(1));
    c.key(ch('U'));
    assert_eq!(dialog_revision(&c), 1);
    assert!(
        c.render(100, 30)
            .contains("Undo ge-executor to revision 1?")
    );
    // n cancels; U and enter send it.
    c.key(ch('n'));
    assert!(c.dialog().is_none());
    c.key(ch('U'));
    assert_eq!(c.key(key(KeyCode::Enter)), undo_request(1, 1, None));
}

#[tokio::test]
async fn a_protected_zone_wants_its_name_typed_before_the_undo() {
    let config = zones();
    let mut c = Console::new(&config, fleet(&config), false);
    // Production's zone view, ge-executor selected: u works on the selected Deployment too.
    c.press(&[KeyCode::Right, KeyCode::Right, KeyCode::Enter]);
    assert_eq!(c.view(), ViewKind::Zone);
    select(&mut c, &RowKey::Workload(executor()));
    c.key(ch('u'));
    assert_eq!(dialog_revision(&c), 2);
    assert!(c.dialog().unwrap().wants_typed_name());
    // y and n are letters of the name here, not answers.
    c.key(ch('y'));
    assert_eq!(c.dialog().and_then(|d| d.typed()), Some("y"));
    assert_eq!(c.key(key(KeyCode::Enter)), UiOutcome::Redraw);
    let screen = c.render(100, 30);
    assert!(
        screen.contains("\"y\" is not the zone's name: type production"),
        "{screen}"
    );
    c.key(key(KeyCode::Backspace));
    c.type_text("production");
    assert_eq!(
        c.key(key(KeyCode::Enter)),
        undo_request(3, 2, Some("production"))
    );
    assert!(c.dialog().is_none());
}

#[test]
fn read_only_refuses_the_undo_and_records_it() {
    let state = tempfile::tempdir().unwrap();
    let config = zones();
    let mut options = common::ConsoleOptions::offline(state.path());
    options.read_only = true;
    let mut c = Console::with(&config, fleet(&config), options);
    c.key(ch('e'));
    assert_eq!(c.key(ch('u')), UiOutcome::Redraw);
    assert!(c.dialog().is_none(), "nothing to confirm");
    let message = c.shown_message_text();
    assert!(message.contains("read-only"), "{message}");
    assert!(
        message.contains("ge-agents/deployment/ge-executor was not rolled back"),
        "{message}"
    );
    let audit = audit_lines(state.path());
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["action"], "undo");
    assert_eq!(audit[0]["result"], "refused");
}

#[test]
fn the_servers_answer_is_followed_in_the_rollout_panel() {
    let config = zones();
    let mut c = Console::new(&config, fleet(&config), false);
    c.key(ch('e'));
    let order = |to_revision| UndoOrder {
        zone: config.zones[0].clone(),
        target: executor(),
        to_revision: Some(to_revision),
        confirmation: None,
        asked: clock().wall,
    };
    c.core.on_action_event(ActionEvent::Undone {
        order: Box::new(order(2)),
        result: Ok(RollbackReceipt {
            revision: 2,
            replica_set: "ge-executor-7f9c6b5d48".into(),
            generation: 4,
            skipped: false,
        }),
    });
    let trackers = &c.core.actions().rollouts().trackers;
    assert_eq!(trackers.len(), 1);
    assert!(trackers[0].ours && trackers[0].target == executor());
    assert_eq!(trackers[0].min_generation, 4);
    assert_eq!(
        trackers[0].phase,
        RolloutPhase::InProgress,
        "generation 4 not seen yet"
    );
    let message = c.shown_message_text();
    assert_eq!(
        message,
        "ge-agents/deployment/ge-executor rolled back to revision 2 (ReplicaSet \
         ge-executor-7f9c6b5d48, generation 4); following the rollout"
    );
    let screen = c.render(120, 36);
    assert!(
        screen.contains("─ Rollouts · 1 in progress")
            && screen.contains("○ in progress Z1 dev · ge-agents/deployment/ge-executor · ours"),
        "the rollout panel follows it: {screen}"
    );

    // A skipped undo changes nothing: nothing new to follow.
    let mut c = Console::new(&config, fleet(&config), false);
    c.core.on_action_event(ActionEvent::Undone {
        order: Box::new(order(3)),
        result: Ok(RollbackReceipt {
            revision: 3,
            replica_set: String::new(),
            generation: 3,
            skipped: true,
        }),
    });
    assert!(c.core.actions().rollouts().trackers.is_empty());
    assert!(
        c.shown_message_text()
            .contains("skipped rollback (current template already matches revision 3)")
    );
}

/// The message line's text.
trait ShownMessage {
    fn shown_message_text(&self) -> String;
}

impl ShownMessage for Console {
    fn shown_message_text(&self) -> String {
        self.core
            .shown_message()
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }
}
