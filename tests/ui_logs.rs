//! The log pane and the YAML pane from the keyboard, on the console's real core with a fixed
//! clock: open a pod's log and a workload's, the container chooser, search, pause, wrap, save;
//! YAML open and search. Streams' reports are handed to the core as the event loop would hand
//! them (`on_action_event`), so the panes' content is exact; snapshots at 80×24 and 200×50.

use std::path::Path;
use std::time::Duration;

use ge_console::actions::log_buffer::LogLine;
use ge_console::actions::log_follow::{LogReport, StreamReport};
use ge_console::actions::logs::LogSubject;
use ge_console::actions::object_yaml::{YamlReport, YamlState};
use ge_console::actions::runner::{ActionEvent, ActionRequest, Severity};
use ge_console::cluster::logs::{LogError, PodContainers, RawLine};
use ge_console::cluster::object_yaml::to_yaml_lines;
use ge_console::config::{self, DEFAULT_ZONES_TOML, FleetConfig};
use ge_console::fleet::{
    Fleet, KindStatus, LinkStatus, NamespaceInfo, ObjectChange, OwnerRef, PodInfo, ReplicaSetInfo,
    ResourceKind, StoreChange, WorkloadInfo, WorkloadKey, WorkloadKind, ZoneEvent, ZoneModel,
};
use ge_console::ui::{Pane, RowKey, UiOutcome};
use ratatui::crossterm::event::KeyCode;

mod common;
use common::{Console, ago, ch, clock, key};

const HASH: &str = "7f9c6b5d48";

fn executor_pod(suffix: &str) -> PodInfo {
    PodInfo {
        namespace: "ge-agents".into(),
        name: format!("ge-executor-{HASH}-{suffix}"),
        phase: "Running".into(),
        status: "Running".into(),
        message: None,
        ready_containers: 1,
        total_containers: 1,
        restarts: 0,
        node: Some("node-1".into()),
        images: vec!["registry.ge.internal/ge-executor:1.8.2".into()],
        owner: Some(OwnerRef {
            kind: "ReplicaSet".into(),
            name: format!("ge-executor-{HASH}"),
        }),
        template_hash: Some(HASH.into()),
        created: ago(3600),
        started: ago(3600),
        deleting: false,
        containers: vec![],
        conditions: vec![],
    }
}

fn executor() -> WorkloadInfo {
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
        images: vec!["registry.ge.internal/ge-executor:1.8.2".into()],
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
    let rs = ReplicaSetInfo {
        namespace: "ge-agents".into(),
        name: format!("ge-executor-{HASH}"),
        owner: Some(OwnerRef {
            kind: "Deployment".into(),
            name: "ge-executor".into(),
        }),
        desired: 2,
        current: 2,
        ready: 2,
        available: 2,
        revision: Some(1),
        template_hash: Some(HASH.into()),
        images: vec![],
        created: ago(86_400),
        change_cause: None,
    };
    let namespaces = ["ge-agents", "kube-system"]
        .map(|n| NamespaceInfo {
            name: n.into(),
            phase: "Active".into(),
        })
        .to_vec();
    for change in [
        ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Replace(vec![executor()]),
        ),
        ObjectChange::Workloads(WorkloadKind::StatefulSet, StoreChange::Replace(vec![])),
        ObjectChange::Workloads(WorkloadKind::DaemonSet, StoreChange::Replace(vec![])),
        ObjectChange::Namespaces(StoreChange::Replace(namespaces)),
        ObjectChange::Nodes(StoreChange::Replace(vec![])),
        ObjectChange::Pods(StoreChange::Replace(vec![
            executor_pod("abcde"),
            executor_pod("fghij"),
        ])),
        ObjectChange::ReplicaSets(StoreChange::Replace(vec![rs])),
    ] {
        zone.apply(ZoneEvent::Objects(change));
    }
    for kind in ResourceKind::ALL {
        zone.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
    }
    zone.set_state_since(clock().instant - Duration::from_secs(60));
}

fn config() -> FleetConfig {
    config::parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap()
}

fn console() -> Console {
    let config = config();
    let mut fleet = Fleet::new(&config);
    for zone in &mut fleet.zones {
        fill(zone);
    }
    Console::new(&config, fleet, false)
}

fn pod_key(suffix: &str) -> RowKey {
    RowKey::Pod(ge_console::fleet::ObjectKey::new(
        "ge-agents",
        format!("ge-executor-{HASH}-{suffix}"),
    ))
}

/// From the overview to ge-executor's workload view in dev, with its first pod selected.
fn to_first_pod(c: &mut Console) {
    c.key(ch('e'));
    c.render(120, 40);
    for _ in 0..5 {
        if c.ui().selected() == Some(&pod_key("abcde")) {
            return;
        }
        c.key(key(KeyCode::Down));
    }
    panic!("pod not reached: {:?}", c.ui().selected());
}

/// Hands a stream's report to the core, as the event loop would.
fn report(c: &mut Console, source: usize, report: StreamReport) {
    let session = c.core.actions().logs().expect("a log session").id;
    let generation = 1;
    c.core.on_action_event(ActionEvent::Logs(LogReport {
        session,
        source,
        generation,
        report,
    }));
}

fn lines(source: usize, texts: &[&[u8]]) -> StreamReport {
    StreamReport::Lines {
        lines: texts
            .iter()
            .map(|t| LogLine::output(Some(source), RawLine::Whole(t.to_vec())))
            .collect(),
        dropped: 0,
    }
}

/// An executor's plausible log: 40 lines, every 7th an error, one in colour.
fn executor_log(source: usize) -> StreamReport {
    let texts: Vec<Vec<u8>> = (1..=40)
        .map(|i| {
            if i % 7 == 0 {
                format!(
                    "2026-03-26T11:59:{i:02}Z \x1b[31mERROR\x1b[0m job {i} failed: exit status 2"
                )
                .into_bytes()
            } else {
                format!("2026-03-26T11:59:{i:02}Z INFO job {i} done in 0.{i}s").into_bytes()
            }
        })
        .collect();
    let refs: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
    lines(source, &refs)
}

#[tokio::test]
async fn a_pods_log_opens_streams_and_reads_at_80x24_and_200x50() {
    let mut c = console();
    to_first_pod(&mut c);
    let outcome = c.key(ch('L'));
    assert!(
        matches!(&outcome, UiOutcome::Request(ActionRequest::Logs(_))),
        "{outcome:?}"
    );
    assert_eq!(c.ui().pane(), Some(Pane::Logs));
    let session = c.core.actions().logs().unwrap();
    assert_eq!(
        session.order.subject.to_string(),
        format!("ge-agents/pod/ge-executor-{HASH}-abcde")
    );
    assert!(c.render(80, 24).contains("connecting…"));
    report(
        &mut c,
        0,
        StreamReport::Streaming {
            container: "executor".into(),
        },
    );
    report(&mut c, 0, executor_log(0));
    insta::assert_snapshot!("pod_log_80x24", c.render(80, 24));
    insta::assert_snapshot!("pod_log_200x50", c.render(200, 50));
    // Closing the pane stops the streams.
    c.key(key(KeyCode::Esc));
    assert_eq!(c.ui().pane(), None);
    assert!(c.core.actions().logs().is_none());
}

#[tokio::test]
async fn a_workloads_log_interleaves_its_pods_with_prefixes() {
    let mut c = console();
    c.key(ch('e'));
    c.render(120, 40);
    // In the workload view with nothing but pods to select, the zone view's workload row
    // opens the workload's log: go back to it.
    c.key(key(KeyCode::Esc));
    c.render(120, 40);
    let workload =
        RowKey::Workload(WorkloadKey::parse("ge-agents/deployment/ge-executor").unwrap());
    for _ in 0..20 {
        if c.ui().selected() == Some(&workload) {
            break;
        }
        c.key(key(KeyCode::Down));
    }
    assert_eq!(c.ui().selected(), Some(&workload));
    c.key(ch('L'));
    let session = c.core.actions().logs().unwrap();
    assert!(matches!(session.order.subject, LogSubject::Workload(_)));
    let labels: Vec<&str> = session.streams.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["abcde", "fghij"], "both pods joined at once");
    report(
        &mut c,
        0,
        StreamReport::Streaming {
            container: "executor".into(),
        },
    );
    report(
        &mut c,
        1,
        StreamReport::Streaming {
            container: "executor".into(),
        },
    );
    report(&mut c, 0, lines(0, &[b"picked up job 17", b"job 17 done"]));
    report(&mut c, 1, lines(1, &[b"picked up job 18"]));
    report(&mut c, 0, lines(0, &[b"picked up job 19"]));
    let screen = c.render(80, 24);
    insta::assert_snapshot!("workload_log_80x24", screen);
    let order: Vec<&str> = screen.lines().filter(|l| l.contains("job 1")).collect();
    assert_eq!(
        order,
        [
            "abcde picked up job 17",
            "abcde job 17 done",
            "fghij picked up job 18",
            "abcde picked up job 19"
        ]
    );
    insta::assert_snapshot!("workload_log_200x50", c.render(200, 50));
}

#[tokio::test]
async fn search_highlights_and_steps_through_matches() {
    let mut c = console();
    to_first_pod(&mut c);
    c.key(ch('L'));
    report(&mut c, 0, executor_log(0));
    c.render(80, 24);
    c.key(key(KeyCode::Home));
    c.render(80, 24);
    c.key(ch('/'));
    c.type_text("error");
    // Incremental: the first match from where the view is (the top: job 7's line).
    let screen = c.render(80, 24);
    assert!(screen.contains("/error▏ 1 of 5"), "{screen}");
    c.key(key(KeyCode::Enter));
    let screen = c.render(80, 24);
    assert!(screen.contains("/error 1 of 5"), "{screen}");
    c.key(ch('n'));
    c.key(ch('n'));
    let screen = c.render(80, 24);
    assert!(screen.contains("/error 3 of 5"), "{screen}");
    assert!(
        screen.contains("job 21 failed"),
        "the view went to the third match:\n{screen}"
    );
    c.key(ch('N'));
    assert!(c.render(80, 24).contains("/error 2 of 5"));
    for _ in 0..4 {
        c.key(ch('n'));
    }
    assert!(
        c.render(80, 24).contains("/error 1 of 5"),
        "n wraps around from the last match to the first"
    );
    insta::assert_snapshot!("pod_log_search_80x24", c.render(80, 24));
}

#[tokio::test]
async fn pause_freezes_the_view_and_wrap_folds_long_lines() {
    let mut c = console();
    to_first_pod(&mut c);
    c.key(ch('L'));
    report(&mut c, 0, executor_log(0));
    c.render(80, 24);
    c.key(ch('p'));
    report(
        &mut c,
        0,
        lines(0, &[b"arrived while paused 1", b"arrived while paused 2"]),
    );
    let screen = c.render(80, 24);
    assert!(screen.contains("paused, 2 new"), "{screen}");
    assert!(!screen.contains("arrived while paused"), "{screen}");
    c.key(ch('p'));
    let screen = c.render(80, 24);
    assert!(screen.contains("arrived while paused 2"), "{screen}");
    assert!(screen.contains("following"), "{screen}");
    let long = format!("long line: {} THE END", "x".repeat(100));
    report(&mut c, 0, lines(0, &[long.as_bytes()]));
    let screen = c.render(80, 24);
    assert!(!screen.contains("THE END"), "cut at the edge: {screen}");
    c.key(ch('w'));
    let screen = c.render(80, 24);
    assert!(screen.contains("· wrap"), "{screen}");
    assert!(
        screen.contains("x THE END"),
        "the rest of the line wraps:\n{screen}"
    );
}

#[tokio::test]
async fn save_writes_the_lines_to_the_state_dir_and_says_where() {
    let mut c = console();
    to_first_pod(&mut c);
    c.key(ch('L'));
    report(&mut c, 0, executor_log(0));
    c.key(ch('s'));
    let (severity, message) = c.core.shown_message().cloned().unwrap();
    assert_eq!(severity, Severity::Success);
    let path = message
        .strip_prefix("saved 40 lines to ")
        .unwrap_or_else(|| panic!("{message}"));
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(text.lines().count(), 40);
    assert!(
        text.contains("ERROR job 7 failed"),
        "colours saved as plain text"
    );
    assert!(!text.contains('\x1b'));
    assert!(
        path.contains("/saved-logs/dev-ge-agents-ge-executor-"),
        "{path}"
    );
}

#[tokio::test]
async fn a_pod_with_several_containers_offers_a_chooser() {
    let mut c = console();
    to_first_pod(&mut c);
    c.key(ch('L'));
    report(
        &mut c,
        0,
        StreamReport::Containers(PodContainers {
            containers: vec!["executor".into(), "sidecar".into()],
            init_containers: vec!["migrate".into()],
            default: None,
        }),
    );
    report(&mut c, 0, StreamReport::ChooseContainer);
    let screen = c.render(80, 24);
    insta::assert_snapshot!("container_chooser_80x24", screen);
    c.key(key(KeyCode::Down));
    let outcome = c.key(key(KeyCode::Enter));
    let UiOutcome::Request(ActionRequest::Logs(_)) = outcome else {
        panic!("{outcome:?}");
    };
    let session = c.core.actions().logs().unwrap();
    assert_eq!(session.order.settings.container.as_deref(), Some("sidecar"));
    assert!(c.render(80, 24).contains("container sidecar"));
    // C opens the chooser again; esc leaves it.
    report(
        &mut c,
        0,
        StreamReport::Containers(PodContainers {
            containers: vec!["executor".into(), "sidecar".into()],
            init_containers: vec![],
            default: None,
        }),
    );
    c.key(ch('C'));
    assert!(c.render(80, 24).contains(" Container "));
    c.key(key(KeyCode::Esc));
    assert!(!c.render(80, 24).contains(" Container "));
    assert_eq!(
        c.ui().pane(),
        Some(Pane::Logs),
        "esc closed the chooser, not the pane"
    );
}

#[tokio::test]
async fn follow_previous_tail_and_since_reopen_the_stream() {
    let mut c = console();
    to_first_pod(&mut c);
    c.key(ch('L'));
    let first = c.core.actions().logs().unwrap().id;
    c.key(ch('P'));
    let session = c.core.actions().logs().unwrap();
    assert_ne!(session.id, first, "a new session");
    assert!(session.order.settings.previous);
    c.key(ch('t'));
    c.key(ch('T'));
    c.key(ch('f'));
    let settings = &c.core.actions().logs().unwrap().order.settings;
    assert_eq!(
        (settings.tail, settings.since_seconds, settings.follow),
        (None, Some(60), false)
    );
    let screen = c.render(80, 24);
    assert!(
        screen.contains("no follow · all lines · since 1m · previous"),
        "{screen}"
    );
}

#[tokio::test]
async fn a_server_that_cannot_serve_logs_is_said_in_the_pane() {
    let mut c = console();
    to_first_pod(&mut c);
    c.key(ch('L'));
    report(
        &mut c,
        0,
        StreamReport::Ended(Err(LogError::Failed(
            "500 InternalError: dial tcp 10.0.0.1:10250: connect: connection refused".into(),
        ))),
    );
    let screen = c.render(80, 24);
    assert!(
        screen.contains("✗ ge-executor-7f9c6b5d48-abcde: 500 InternalError: dial tcp"),
        "{screen}"
    );
}

#[tokio::test]
async fn an_objects_yaml_opens_scrolls_and_searches() {
    let mut c = console();
    to_first_pod(&mut c);
    c.key(key(KeyCode::Esc));
    c.render(120, 40);
    let workload =
        RowKey::Workload(WorkloadKey::parse("ge-agents/deployment/ge-executor").unwrap());
    for _ in 0..20 {
        if c.ui().selected() == Some(&workload) {
            break;
        }
        c.key(key(KeyCode::Down));
    }
    let outcome = c.key(ch('Y'));
    let UiOutcome::Request(ActionRequest::ObjectYaml { object, .. }) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(object.to_string(), "ge-agents/deployment/ge-executor");
    assert_eq!(c.ui().pane(), Some(Pane::Yaml));
    assert!(
        c.render(80, 24)
            .contains("fetching ge-agents/deployment/ge-executor…")
    );
    let value = serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "ge-executor",
            "namespace": "ge-agents",
            "generation": 3,
            "labels": {"app": "ge-executor"},
            "managedFields": [{"manager": "kube-controller-manager"}],
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "ge-executor"}},
            "template": {
                "metadata": {"labels": {"app": "ge-executor"}},
                "spec": {"containers": [{
                    "name": "executor",
                    "image": "registry.ge.internal/ge-executor:1.8.2",
                    "args": ["--queue", "jobs"],
                }]},
            },
        },
        "status": {"replicas": 2, "readyReplicas": 2, "availableReplicas": 2},
    });
    let id = c.core.actions().yaml().unwrap().id;
    c.core.on_action_event(ActionEvent::Yaml(YamlReport {
        id,
        result: to_yaml_lines(value),
    }));
    assert!(matches!(
        c.core.actions().yaml().unwrap().state,
        YamlState::Loaded(_)
    ));
    insta::assert_snapshot!("yaml_80x24", c.render(80, 24));
    insta::assert_snapshot!("yaml_200x50", c.render(200, 50));
    c.key(ch('/'));
    c.type_text("replicas");
    c.key(key(KeyCode::Enter));
    let screen = c.render(80, 24);
    // Smart case: lower-case finds availableReplicas and readyReplicas too.
    assert!(screen.contains("/replicas 1 of 4"), "{screen}");
    assert!(screen.contains("  replicas: 2"), "{screen}");
    c.key(ch('n'));
    assert!(c.render(80, 24).contains("/replicas 2 of 4"));
    c.key(ch('q'));
    assert_eq!(c.ui().pane(), None);
}

#[tokio::test]
async fn an_objects_yaml_that_cannot_be_fetched_says_why() {
    let mut c = console();
    to_first_pod(&mut c);
    c.key(ch('Y'));
    let id = c.core.actions().yaml().unwrap().id;
    c.core.on_action_event(ActionEvent::Yaml(YamlReport {
        id,
        result: Err(LogError::Forbidden(
            "pods \"x\" is forbidden: User \"dev\" cannot get resource \"pods\"".into(),
        )),
    }));
    let screen = c.render(80, 24);
    assert!(
        screen.contains("✗ forbidden: pods \"x\" is forbidden"),
        "{screen}"
    );
}

#[tokio::test]
async fn y_copies_the_newest_line_or_the_search_match_for_the_pair() {
    let mut c = console();
    to_first_pod(&mut c);
    c.key(ch('L'));
    report(
        &mut c,
        0,
        StreamReport::Streaming {
            container: "executor".into(),
        },
    );
    report(&mut c, 0, executor_log(0));
    c.render(80, 24);
    assert_eq!(
        c.key(ch('y')),
        UiOutcome::Copy("2026-03-26T11:59:40Z INFO job 40 done in 0.40s".into()),
        "following: the newest line"
    );
    c.key(ch('/'));
    c.type_text("job 14 failed");
    c.key(key(KeyCode::Enter));
    c.render(80, 24);
    assert_eq!(
        c.key(ch('y')),
        UiOutcome::Copy("2026-03-26T11:59:14Z ERROR job 14 failed: exit status 2".into()),
        "the search's match, without its colour codes"
    );
    assert!(
        c.render(80, 24)
            .contains("copied 2026-03-26T11:59:14Z ERROR job 14")
    );
}
