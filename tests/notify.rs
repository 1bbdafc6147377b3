//! "Tell me when", on the console's real core: which moments ring (the end of our rollout, a
//! zone that was live going down and coming back; nothing at start-up, nothing for a blip), the
//! a new Warning about a watched workload (not the history the first list brings), the
//! exact bytes handed to the terminal writer, and a configured command run with the title and
//! body as arguments, its output kept off the screen.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ge_console::actions::notify::CommandNotifier;
use ge_console::actions::restart::{RestartOrder, RestartReceipt};
use ge_console::actions::runner::ActionEvent;
use ge_console::config::{self, FleetConfig, ZoneId};
use ge_console::fleet::events::{EventInfo, EventObject, EventType};
use ge_console::fleet::{
    ConditionInfo, FailureCause, Fleet, FleetEvent, KindStatus, LinkStatus, ObjectChange,
    ResourceKind, StoreChange, WorkloadInfo, WorkloadKey, WorkloadKind, ZoneEvent,
};

mod common;
use common::{Console, ConsoleOptions, clock};

const ZONES: &str = "[[zones]]\nid = 1\nname = \"dev\"\ncontext = \"ge-dev\"\n\
                     [[zones]]\nid = 2\nname = \"staging\"\ncontext = \"ge-staging\"\n";

fn config_with(notify: &str) -> FleetConfig {
    config::parse_zones(&format!("{ZONES}{notify}"), Path::new("zones.toml")).unwrap()
}

fn executor() -> WorkloadKey {
    WorkloadKey::parse("ge-agents/deployment/ge-executor").unwrap()
}

fn executor_at(generation: i64, progress_deadline_exceeded: bool) -> WorkloadInfo {
    let mut conditions = vec![];
    if progress_deadline_exceeded {
        conditions.push(ConditionInfo {
            kind: "Progressing".into(),
            status: "False".into(),
            reason: "ProgressDeadlineExceeded".into(),
            message: "ReplicaSet has timed out progressing.".into(),
        });
    }
    WorkloadInfo {
        kind: WorkloadKind::Deployment,
        namespace: "ge-agents".into(),
        name: "ge-executor".into(),
        generation,
        observed_generation: generation,
        desired: 2,
        current: 2,
        updated: 2,
        ready: 2,
        available: 2,
        paused: false,
        images: vec![],
        conditions,
        current_revision: None,
        update_revision: None,
        rolling_update: true,
        partition: 0,
        restarted_at: None,
        created: None,
    }
}

fn to_zone(zone: u32, events: Vec<ZoneEvent>) -> Vec<FleetEvent> {
    events
        .into_iter()
        .map(|event| FleetEvent::new(ZoneId(zone), event))
        .collect()
}

/// What the watchers send when a zone connects and lists everything (dev with ge-executor).
fn connected(zone: u32) -> Vec<FleetEvent> {
    let mut events = vec![ZoneEvent::Link(LinkStatus::Connected {
        server_version: "v1.34.2+k3s1".into(),
    })];
    if zone == 1 {
        events.push(ZoneEvent::Objects(ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Replace(vec![executor_at(3, false)]),
        )));
    }
    events.extend(ResourceKind::ALL.map(|k| ZoneEvent::Kind(k, KindStatus::Synced)));
    to_zone(zone, events)
}

fn refused(zone: u32) -> Vec<FleetEvent> {
    to_zone(
        zone,
        vec![ZoneEvent::Link(LinkStatus::Failed {
            error: "connection refused".into(),
            cause: FailureCause::Unreachable,
            retry_at: None,
        })],
    )
}

/// Both zones live from the start.
fn live_fleet(config: &FleetConfig) -> Fleet {
    let mut fleet = Fleet::new(config);
    for event in connected(1).into_iter().chain(connected(2)) {
        fleet.apply(event);
    }
    fleet
}

/// Moves the console's manual clock `seconds` on from the fixed start and ticks.
fn tick_at(console: &mut Console, seconds: u64) {
    console
        .core
        .time()
        .set(clock().advanced(Duration::from_secs(seconds)));
    console.core.on_tick();
}

fn taken(console: &mut Console) -> Vec<String> {
    console
        .core
        .take_notifications()
        .into_iter()
        .map(|b| String::from_utf8(b).unwrap())
        .collect()
}

const BELL_AND_777: &str = "[notify]\nbell = true\ndesktop = \"osc777\"\n";

#[test]
fn a_live_zone_that_goes_down_is_told_after_the_grace_then_once_more_when_it_is_back() {
    let config = config_with(BELL_AND_777);
    let mut console = Console::new(&config, live_fleet(&config), false);
    console.core.on_fleet_events(refused(2));
    assert_eq!(
        taken(&mut console),
        Vec::<String>::new(),
        "not before the grace"
    );
    tick_at(&mut console, 5);
    assert_eq!(taken(&mut console), Vec::<String>::new());
    tick_at(&mut console, 10);
    assert_eq!(
        taken(&mut console),
        [
            "\x07\x1b]777;notify;ge-console: Z2 staging is down;Z2 staging is reconnecting: connection refused\x07"
        ]
    );
    tick_at(&mut console, 40);
    assert_eq!(taken(&mut console), Vec::<String>::new(), "told once");
    console
        .core
        .time()
        .set(clock().advanced(Duration::from_secs(75)));
    console.core.on_fleet_events(connected(2));
    assert_eq!(
        taken(&mut console),
        [
            "\x07\x1b]777;notify;ge-console: Z2 staging is back;Z2 staging is live again after 1m15s\x07"
        ]
    );
    assert!(
        console.core.needs_draw(),
        "the bytes go out with the next frame"
    );
}

#[test]
fn nothing_is_told_at_start_up_or_for_a_blip_shorter_than_the_grace() {
    let config = config_with(BELL_AND_777);
    // Start-up: staging refuses for a long while, then comes up for the first time.
    let mut fleet = Fleet::new(&config);
    for event in connected(1) {
        fleet.apply(event);
    }
    let mut console = Console::new(&config, fleet, false);
    for seconds in [0, 5, 20, 60] {
        console.core.on_fleet_events(refused(2));
        tick_at(&mut console, seconds);
    }
    console.core.on_fleet_events(connected(2));
    tick_at(&mut console, 61);
    assert_eq!(
        taken(&mut console),
        Vec::<String>::new(),
        "start-up is not news"
    );
    // A blip: dev fails and is back within the grace.
    console.core.on_fleet_events(refused(1));
    tick_at(&mut console, 65);
    console.core.on_fleet_events(connected(1));
    tick_at(&mut console, 90);
    assert_eq!(
        taken(&mut console),
        Vec::<String>::new(),
        "a blip is not news"
    );
}

fn restart_accepted(console: &mut Console, generation: i64) {
    let now = console.core.time().now();
    let order = RestartOrder {
        zone: (*console.fleet().zone(ZoneId(1)).unwrap().config).clone(),
        target: executor(),
        confirmation: None,
        asked: now.wall,
    };
    console.core.on_action_event(ActionEvent::Restarted {
        order: Box::new(order),
        result: Ok(RestartReceipt {
            restarted_at: now.wall.to_string(),
            generation,
        }),
    });
}

fn executor_now(workload: WorkloadInfo) -> Vec<FleetEvent> {
    to_zone(
        1,
        vec![ZoneEvent::Objects(ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Upsert(workload),
        ))],
    )
}

#[test]
fn the_end_of_our_rollout_is_told_with_how_it_ended() {
    let config = config_with("[notify]\ndesktop = \"osc9\"\n");
    let mut console = Console::new(&config, live_fleet(&config), false);
    restart_accepted(&mut console, 4);
    assert_eq!(taken(&mut console), Vec::<String>::new(), "still rolling");
    console
        .core
        .time()
        .set(clock().advanced(Duration::from_secs(42)));
    console
        .core
        .on_fleet_events(executor_now(executor_at(4, false)));
    assert_eq!(
        taken(&mut console),
        ["\x1b]9;ge-agents/deployment/ge-executor in Z1 dev succeeded in 42s\x07"]
    );
    console.core.on_tick();
    assert_eq!(taken(&mut console), Vec::<String>::new(), "told once");

    restart_accepted(&mut console, 5);
    console
        .core
        .on_fleet_events(executor_now(executor_at(5, true)));
    assert_eq!(
        taken(&mut console),
        [
            "\x1b]9;ge-agents/deployment/ge-executor in Z1 dev failed in 0s: deployment \"ge-executor\" exceeded its progress deadline\x07"
        ]
    );
}

#[test]
fn off_by_default_and_on_chooses_the_triggers() {
    let config = config_with("");
    let mut console = Console::new(&config, live_fleet(&config), false);
    console.core.on_fleet_events(refused(2));
    tick_at(&mut console, 30);
    assert_eq!(taken(&mut console), Vec::<String>::new(), "off by default");

    let config = config_with("[notify]\nbell = true\non = [\"rollout\"]\n");
    let mut console = Console::new(&config, live_fleet(&config), false);
    console.core.on_fleet_events(refused(2));
    tick_at(&mut console, 30);
    assert_eq!(
        taken(&mut console),
        Vec::<String>::new(),
        "zones were not asked for"
    );
    restart_accepted(&mut console, 4);
    console
        .core
        .on_fleet_events(executor_now(executor_at(4, false)));
    assert_eq!(taken(&mut console), ["\x07"]);
}

#[test]
fn inside_tmux_the_desktop_notification_is_wrapped_for_passthrough() {
    let config = config_with("[notify]\ndesktop = \"osc9\"\non = [\"zone\"]\n");
    let mut console = Console::new(&config, live_fleet(&config), false);
    console.core.set_in_tmux(true);
    console.core.on_fleet_events(refused(1));
    tick_at(&mut console, 10);
    assert_eq!(
        taken(&mut console),
        ["\x1bPtmux;\x1b\x1b]9;Z1 dev is reconnecting: connection refused\x07\x1b\\"]
    );
}

fn recorder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notify-record.sh")
}

/// Waits (polling, with a deadline: a file has no event to await) until `path` exists.
async fn wait_for_file(path: &Path) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} was never written",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_configured_command_gets_title_and_body_as_arguments_and_its_output_stays_off_screen() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("args.txt");
    let notify = format!(
        "[notify]\ncommand = [\"sh\", {:?}, {:?}]\non = [\"zone\"]\n",
        recorder().display().to_string(),
        out.display().to_string()
    );
    let config = config_with(&notify);
    let mut console = Console::with(
        &config,
        live_fleet(&config),
        ConsoleOptions::offline(dir.path()),
    );
    console.core.on_fleet_events(refused(2));
    tick_at(&mut console, 10);
    assert_eq!(
        taken(&mut console),
        Vec::<String>::new(),
        "a command alone writes nothing to the terminal"
    );
    let args = wait_for_file(&out).await;
    assert_eq!(
        args,
        "ge-console: Z2 staging is down\nZ2 staging is reconnecting: connection refused\n"
    );
    let screen = console.render(120, 30);
    assert!(!screen.contains("notify-record printed"), "{screen}");
}

#[tokio::test]
async fn the_command_runs_without_a_shell_and_its_output_is_captured_for_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("args.txt");
    let argv = vec![
        "sh".to_string(),
        recorder().display().to_string(),
        out.display().to_string(),
    ];
    let notifier = CommandNotifier::default();
    let handle = notifier
        .notify(&argv, "title; $(touch pwned)", "body `id` | x")
        .expect("started");
    let outcome = handle.await.unwrap();
    assert_eq!(outcome.status, "exit 0");
    assert_eq!(outcome.stdout, "notify-record printed this on stdout");
    assert_eq!(outcome.stderr, "notify-record printed this on stderr");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "title; $(touch pwned)\nbody `id` | x\n",
        "passed as arguments, never interpreted"
    );
    assert!(!Path::new("pwned").exists() && !dir.path().join("pwned").exists());
    assert_eq!(notifier.running(), 0);

    let missing = notifier
        .notify(&["/nonexistent/notify".to_string()], "t", "b")
        .unwrap()
        .await
        .unwrap();
    assert!(
        missing
            .status
            .starts_with("cannot start /nonexistent/notify"),
        "{missing:?}"
    );
}

fn warning(name: &str, object: (&str, &str), reason: &str, count: u32) -> EventInfo {
    EventInfo {
        namespace: "ge-agents".into(),
        name: name.into(),
        event_type: EventType::Warning,
        reason: reason.into(),
        object: EventObject::new(object.0, "ge-agents", object.1),
        message: format!("{reason}: it went wrong"),
        count,
        first_seen: common::ago(30),
        last_seen: common::ago(10),
        reporter: "deployment-controller".into(),
    }
}

fn dev_events(change: StoreChange<EventInfo>) -> Vec<FleetEvent> {
    to_zone(
        1,
        vec![ZoneEvent::Objects(ObjectChange::Events(
            "ge-agents".into(),
            change,
        ))],
    )
}

#[test]
fn a_new_warning_about_a_watched_workload_is_told_once_and_history_is_not() {
    let config = config_with(BELL_AND_777);
    let mut fleet = live_fleet(&config);
    // What the first list of events brings is history, Warning or not.
    for event in dev_events(StoreChange::Replace(vec![warning(
        "old",
        ("Deployment", "ge-executor"),
        "FailedCreate",
        9,
    )])) {
        fleet.apply(event);
    }
    let mut console = Console::new(&config, fleet, false);
    assert_eq!(taken(&mut console), Vec::<String>::new(), "history");

    console
        .core
        .on_fleet_events(dev_events(StoreChange::Upsert(warning(
            "new",
            ("Deployment", "ge-executor"),
            "ProgressDeadlineExceeded",
            1,
        ))));
    assert_eq!(
        taken(&mut console),
        [
            "\x07\x1b]777;notify;ge-console: Warning ProgressDeadlineExceeded in Z1 dev;ge-agents/deployment/ge-executor in Z1 dev: ProgressDeadlineExceeded on deployment/ge-executor: ProgressDeadlineExceeded: it went wrong\x07"
        ]
    );
    // One more of the same series, a Normal event, a Warning about something the zone does
    // not watch, the old series repeating: none is news.
    let mut normal = warning(
        "scaled",
        ("Deployment", "ge-executor"),
        "ScalingReplicaSet",
        1,
    );
    normal.event_type = EventType::Normal;
    for change in [
        StoreChange::Upsert(warning(
            "new",
            ("Deployment", "ge-executor"),
            "ProgressDeadlineExceeded",
            2,
        )),
        StoreChange::Upsert(normal),
        StoreChange::Upsert(warning("stray", ("Pod", "not-ours-1"), "BackOff", 1)),
        StoreChange::Upsert(warning(
            "old",
            ("Deployment", "ge-executor"),
            "FailedCreate",
            10,
        )),
    ] {
        console.core.on_fleet_events(dev_events(change));
    }
    assert_eq!(taken(&mut console), Vec::<String>::new());

    // Several at once are one notice.
    console.core.on_fleet_events(
        [
            dev_events(StoreChange::Upsert(warning(
                "a",
                ("Deployment", "ge-executor"),
                "FailedCreate",
                1,
            ))),
            dev_events(StoreChange::Upsert(warning(
                "b",
                ("Deployment", "ge-executor"),
                "FailedScheduling",
                1,
            ))),
        ]
        .concat(),
    );
    let told = taken(&mut console);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].ends_with("(and 1 more)\x07"), "{told:?}");
}

#[test]
fn warnings_are_told_only_when_asked_for() {
    let config = config_with("[notify]\nbell = true\non = [\"zone\", \"rollout\"]\n");
    let mut console = Console::new(&config, live_fleet(&config), false);
    console
        .core
        .on_fleet_events(dev_events(StoreChange::Upsert(warning(
            "new",
            ("Deployment", "ge-executor"),
            "FailedCreate",
            1,
        ))));
    assert_eq!(taken(&mut console), Vec::<String>::new());
}
