//! Unit tests of the log sessions: interleaving, joins, gone marks, restarts and save.

use super::*;
use crate::actions::guard::Guards;
use crate::cluster::logs::{LogError, RawLine};
use crate::cluster::{LoadedKubeconfig, ZoneClients};
use crate::config::{DEFAULT_ZONES_TOML, parse_zones};
use crate::fleet::{
    KindStatus, LinkStatus, ObjectChange, OwnerRef, ReplicaSetInfo, ResourceKind, StoreChange,
    WorkloadInfo, WorkloadKind, ZoneEvent,
};

fn executor() -> WorkloadKey {
    WorkloadKey::parse("ge-agents/deployment/ge-executor").unwrap()
}

fn pod(hash: &str, suffix: &str, phase: &str, restarts: u32) -> PodInfo {
    PodInfo {
        namespace: "ge-agents".into(),
        name: format!("ge-executor-{hash}-{suffix}"),
        phase: phase.into(),
        status: phase.into(),
        message: None,
        ready_containers: 1,
        total_containers: 1,
        restarts,
        node: Some("node-1".into()),
        images: vec![],
        owner: Some(OwnerRef {
            kind: "ReplicaSet".into(),
            name: format!("ge-executor-{hash}"),
        }),
        template_hash: Some(hash.into()),
        created: None,
        started: None,
        deleting: false,
        containers: vec![],
        conditions: vec![],
    }
}

fn replicaset(hash: &str) -> ReplicaSetInfo {
    ReplicaSetInfo {
        namespace: "ge-agents".into(),
        name: format!("ge-executor-{hash}"),
        owner: Some(OwnerRef {
            kind: "Deployment".into(),
            name: "ge-executor".into(),
        }),
        desired: 2,
        current: 2,
        ready: 2,
        available: 2,
        revision: Some(1),
        template_hash: Some(hash.into()),
        images: vec![],
        created: None,
        change_cause: None,
    }
}

fn deployment() -> WorkloadInfo {
    WorkloadInfo {
        kind: WorkloadKind::Deployment,
        namespace: "ge-agents".into(),
        name: "ge-executor".into(),
        generation: 1,
        observed_generation: 1,
        desired: 2,
        current: 2,
        updated: 2,
        ready: 2,
        available: 2,
        paused: false,
        images: vec![],
        conditions: vec![],
        current_revision: None,
        update_revision: None,
        rolling_update: true,
        partition: 0,
        restarted_at: None,
        created: None,
    }
}

/// The default zones, dev live with ge-executor, its ReplicaSets and `pods`.
fn live(pods: Vec<PodInfo>) -> (Fleet, ActionContext) {
    let config = parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap();
    let mut fleet = Fleet::new(&config);
    let zone = fleet.zone_mut(ZoneId(1)).unwrap();
    zone.apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: "v1.34.2".into(),
    }));
    for k in ResourceKind::ALL {
        zone.apply(ZoneEvent::Kind(k, KindStatus::Synced));
    }
    zone.apply(ZoneEvent::Objects(ObjectChange::Workloads(
        WorkloadKind::Deployment,
        StoreChange::Upsert(deployment()),
    )));
    zone.apply(ZoneEvent::Objects(ObjectChange::ReplicaSets(
        StoreChange::Replace(vec![replicaset("aaa"), replicaset("bbb")]),
    )));
    zone.apply(ZoneEvent::Objects(ObjectChange::Pods(
        StoreChange::Replace(pods),
    )));
    let offline = LoadedKubeconfig {
        kubeconfig: Default::default(),
        origin: "<none>".into(),
    };
    let state = std::env::temp_dir();
    let ctx = ActionContext::new(config, ZoneClients::new(offline), Guards::default(), state);
    (fleet, ctx)
}

fn set_pods(fleet: &mut Fleet, pods: Vec<PodInfo>) {
    let zone = fleet.zone_mut(ZoneId(1)).unwrap();
    zone.apply(ZoneEvent::Objects(ObjectChange::Pods(
        StoreChange::Replace(pods),
    )));
}

fn workload_order() -> LogOrder {
    LogOrder {
        zone: ZoneId(1),
        subject: LogSubject::Workload(executor()),
        settings: LogSettings::default(),
    }
}

fn report(session: u64, source: usize, generation: u32, report: StreamReport) -> LogReport {
    LogReport {
        session,
        source,
        generation,
        report,
    }
}

fn lines(source: usize, texts: &[&str]) -> StreamReport {
    StreamReport::Lines {
        lines: texts
            .iter()
            .map(|t| LogLine::output(Some(source), RawLine::Whole(t.as_bytes().to_vec())))
            .collect(),
        dropped: 0,
    }
}

fn texts(desk: &LogDesk) -> Vec<String> {
    let session = desk.session().unwrap();
    session
        .buffer
        .lines()
        .map(|l| saved_line(session, l))
        .collect()
}

#[tokio::test]
async fn a_workloads_started_pods_join_interleaved_with_their_prefix() {
    let (fleet, ctx) = live(vec![
        pod("aaa", "x1", "Running", 0),
        pod("aaa", "x2", "Running", 0),
    ]);
    let (mut desk, _reports) = LogDesk::new(100);
    desk.open(workload_order(), &ctx);
    desk.observe(&fleet, &ctx);
    let session = desk.session().unwrap();
    let labels: Vec<&str> = session.streams.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["x1", "x2"]);
    assert!(
        session
            .streams
            .iter()
            .all(|s| s.state == StreamState::Connecting)
    );
    assert!(
        session.buffer.is_empty(),
        "the pods there at the start are not announced"
    );
    let id = session.id;
    assert!(desk.on_report(report(id, 1, 1, lines(1, &["b says hi"]))));
    assert!(desk.on_report(report(id, 0, 1, lines(0, &["a says hi", "a again"]))));
    assert!(desk.on_report(report(id, 1, 1, lines(1, &["b again"]))));
    assert_eq!(
        texts(&desk),
        [
            "[x2] b says hi",
            "[x1] a says hi",
            "[x1] a again",
            "[x2] b again"
        ]
    );
}

#[tokio::test]
async fn new_pods_join_when_they_start_and_gone_ones_are_marked() {
    let (mut fleet, ctx) = live(vec![pod("aaa", "x1", "Running", 0)]);
    let (mut desk, _reports) = LogDesk::new(100);
    desk.open(workload_order(), &ctx);
    desk.observe(&fleet, &ctx);
    // A rollout: a new pod appears, still pending.
    set_pods(
        &mut fleet,
        vec![
            pod("aaa", "x1", "Running", 0),
            pod("bbb", "y1", "Pending", 0),
        ],
    );
    desk.observe(&fleet, &ctx);
    let session = desk.session().unwrap();
    assert_eq!(
        session.stream("ge-executor-bbb-y1").map(|s| &s.state),
        Some(&StreamState::Waiting)
    );
    assert!(texts(&desk).is_empty());
    // It starts; the old pod goes.
    set_pods(&mut fleet, vec![pod("bbb", "y1", "Running", 0)]);
    desk.observe(&fleet, &ctx);
    assert_eq!(
        texts(&desk),
        [
            "[x1] — pod ge-executor-aaa-x1 gone —",
            "[y1] — pod ge-executor-bbb-y1 joined —"
        ]
    );
    let session = desk.session().unwrap();
    assert_eq!(session.streams[0].state, StreamState::Gone);
    assert_eq!(session.streams[1].state, StreamState::Connecting);
    // Seeing the same model again changes nothing.
    desk.observe(&fleet, &ctx);
    assert_eq!(texts(&desk).len(), 2);
}

#[tokio::test]
async fn a_restarted_container_is_followed_into_its_new_instance() {
    let (mut fleet, ctx) = live(vec![pod("aaa", "x1", "Running", 0)]);
    let (mut desk, _reports) = LogDesk::new(100);
    desk.open(workload_order(), &ctx);
    desk.observe(&fleet, &ctx);
    let id = desk.session().unwrap().id;
    desk.on_report(report(id, 0, 1, StreamReport::Ended(Ok(()))));
    assert_eq!(desk.session().unwrap().streams[0].state, StreamState::Ended);
    set_pods(&mut fleet, vec![pod("aaa", "x1", "Running", 1)]);
    desk.observe(&fleet, &ctx);
    let stream = &desk.session().unwrap().streams[0];
    assert_eq!(stream.state, StreamState::Connecting);
    assert_eq!(stream.generation, 2);
    assert_eq!(
        texts(&desk).last().map(String::as_str),
        Some("[x1] — ge-executor-aaa-x1 restarted (restart 1) —")
    );
    // A report of the stream's first start is stale now.
    assert!(!desk.on_report(report(id, 0, 1, lines(0, &["old"]))));
}

#[tokio::test]
async fn reports_of_a_closed_session_are_ignored_and_failures_are_said() {
    let (fleet, ctx) = live(vec![pod("aaa", "x1", "Running", 0)]);
    let (mut desk, _reports) = LogDesk::new(100);
    desk.open(workload_order(), &ctx);
    desk.observe(&fleet, &ctx);
    let old = desk.session().unwrap().id;
    desk.open(workload_order(), &ctx);
    desk.observe(&fleet, &ctx);
    assert!(!desk.on_report(report(old, 0, 1, lines(0, &["stale"]))));
    let id = desk.session().unwrap().id;
    let refusal = LogError::Refused("container \"nope\" is not valid for pod \"x1\"".into());
    desk.on_report(report(id, 0, 1, StreamReport::Ended(Err(refusal))));
    assert_eq!(
        texts(&desk),
        ["[x1] ✗ x1: container \"nope\" is not valid for pod \"x1\""]
    );
    assert!(matches!(
        desk.session().unwrap().streams[0].state,
        StreamState::Failed(_)
    ));
}

#[tokio::test]
async fn a_single_pod_streams_at_once_and_is_marked_when_it_goes() {
    let (mut fleet, ctx) = live(vec![pod("aaa", "x1", "Running", 0)]);
    let (mut desk, _reports) = LogDesk::new(100);
    desk.open(
        LogOrder {
            zone: ZoneId(1),
            subject: LogSubject::Pod(ObjectKey::new("ge-agents", "ge-executor-aaa-x1")),
            settings: LogSettings::default(),
        },
        &ctx,
    );
    let session = desk.session().unwrap();
    assert!(!session.prefixed());
    assert_eq!(session.streams[0].state, StreamState::Connecting);
    let id = session.id;
    desk.on_report(report(id, 0, 1, lines(0, &["hello"])));
    desk.on_report(report(id, 0, 1, StreamReport::Ended(Ok(()))));
    set_pods(&mut fleet, vec![]);
    desk.observe(&fleet, &ctx);
    assert_eq!(
        texts(&desk),
        [
            "hello",
            "— ge-executor-aaa-x1: log stream ended —",
            "— pod ge-executor-aaa-x1 gone —"
        ]
    );
}

#[tokio::test]
async fn saving_writes_the_lines_with_their_prefixes() {
    let (fleet, mut ctx) = live(vec![pod("aaa", "x1", "Running", 0)]);
    let dir = tempfile::tempdir().unwrap();
    ctx.state_dir = dir.path().to_path_buf();
    let (mut desk, _reports) = LogDesk::new(100);
    desk.open(workload_order(), &ctx);
    desk.observe(&fleet, &ctx);
    let id = desk.session().unwrap().id;
    desk.on_report(report(id, 0, 1, lines(0, &["\x1b[31mred\x1b[0m line"])));
    let now: jiff::Timestamp = "2026-03-26T12:00:00Z".parse().unwrap();
    let (path, count) = desk.save(dir.path(), "dev", now).unwrap();
    assert_eq!(count, 1);
    assert_eq!(
        path.file_name().unwrap().to_str().unwrap(),
        "dev-ge-agents-ge-executor-20260326T120000Z.log"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "[x1] red line\n");
}

#[test]
fn settings_step_through_tail_and_since_and_describe_themselves() {
    let mut s = LogSettings::default();
    assert_eq!(s.describe(), "follow · tail 1000");
    s.tail = s.next_tail();
    assert_eq!(s.tail, None);
    s.tail = s.next_tail();
    assert_eq!(s.tail, Some(100));
    s.since_seconds = s.next_since();
    s.previous = true;
    assert_eq!(s.describe(), "no follow · tail 100 · since 1m · previous");
    assert!(
        !s.options().follow,
        "a terminated instance cannot be followed"
    );
    assert_eq!(seconds_text(5400), "1h30m");
    assert_eq!(
        LogSubject::parse("ge-agents/po/x"),
        Some(LogSubject::Pod(ObjectKey::new("ge-agents", "x")))
    );
    assert_eq!(
        LogSubject::parse("ge-agents/deploy/ge-executor"),
        Some(LogSubject::Workload(executor()))
    );
    assert_eq!(LogSubject::parse("ge-agents/service/x"), None);
    assert_eq!(LogSubject::parse("x/pod"), None);
}
