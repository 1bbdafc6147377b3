//! Events end to end against the demo fleet, served in-process over real HTTP: the console's
//! real cluster layer watches them into its core (the production path: model batches, ticks on
//! the system clock), the timeline and the workload view show them, they age out of a short
//! window and go when the server expires them, and `ge-console events` prints them.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use ge_console::clock::TimeSource;
use ge_console::cluster::{self, LoadedKubeconfig};
use ge_console::config::{DEFAULT_ZONES_TOML, FleetConfig, parse_zones};
use ge_console::demo::{DemoFleet, DemoOptions};
use ge_console::fleet::events::{EventObject, EventType, workload_events};
use ge_console::fleet::{
    Fleet, FleetEvent, KindStatus, ResourceKind, WorkloadKey, WorkloadKind, ZoneState,
};
use ge_console::ui::ViewKind;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Event as CoreEvent;
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

mod common;
use common::{Console, ConsoleOptions, ch, key};
use ratatui::crossterm::event::KeyCode;

const DEADLINE: Duration = Duration::from_secs(30);

async fn start_demo(state: &Path, event_ttl: Option<Duration>) -> DemoFleet {
    let mut options = DemoOptions {
        state_dir: state.to_path_buf(),
        time_scale: 0.1,
        ..DemoOptions::default()
    };
    if let Some(ttl) = event_ttl {
        options.event_ttl = ttl;
    }
    DemoFleet::start(options).await.unwrap()
}

fn zones(extra: &str) -> FleetConfig {
    let text = format!("{DEFAULT_ZONES_TOML}{extra}");
    parse_zones(&text, Path::new("<test zones>")).unwrap()
}

/// The built-in zones with an `[events]` window of `window` (the section replaced).
fn zones_with_window(window: &str) -> FleetConfig {
    let text = DEFAULT_ZONES_TOML.replace("window = \"1h\"", &format!("window = \"{window}\""));
    assert!(text.contains(window));
    parse_zones(&text, Path::new("<test zones>")).unwrap()
}

/// The console's real core on the system clock, fed by the real cluster layer.
struct LiveConsole {
    console: Console,
    rx: mpsc::Receiver<FleetEvent>,
    _tasks: JoinSet<()>,
    _state: tempfile::TempDir,
}

impl LiveConsole {
    fn start(config: &FleetConfig, kubeconfig: &LoadedKubeconfig) -> LiveConsole {
        let state = tempfile::tempdir().unwrap();
        let mut options = ConsoleOptions::offline(state.path());
        options.kubeconfig = kubeconfig.clone();
        options.time = TimeSource::System;
        let console = Console::with(config, Fleet::new(config), options);
        let (tx, rx) = mpsc::channel(4096);
        let tasks = cluster::spawn_fleet(config, kubeconfig, tx);
        LiveConsole {
            console,
            rx,
            _tasks: tasks,
            _state: state,
        }
    }

    /// Hands model batches (and a tick a second, as the loop does) to the core until `done`.
    async fn until(&mut self, what: &str, done: impl Fn(&Fleet) -> bool) {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while !done(self.console.fleet()) {
            let tick = tokio::time::sleep(Duration::from_millis(200));
            tokio::select! {
                event = self.rx.recv() => {
                    let Some(event) = event else { panic!("the cluster layer stopped") };
                    let mut batch = vec![event];
                    while let Ok(more) = self.rx.try_recv() {
                        batch.push(more);
                    }
                    self.console.core.on_fleet_events(batch);
                }
                _ = tick => self.console.core.on_tick(),
            }
            if tokio::time::Instant::now() > deadline {
                let states: Vec<String> = self
                    .console
                    .fleet()
                    .zones
                    .iter()
                    .map(|z| {
                        format!(
                            "{}={:?} {:?} events={}",
                            z.config.name,
                            z.state(),
                            z.error(),
                            z.events.len()
                        )
                    })
                    .collect();
                panic!("timed out waiting for {what}; zones: {states:?}");
            }
        }
    }
}

fn all_live(f: &Fleet) -> bool {
    f.zones.iter().all(|z| z.state() == ZoneState::Live)
}

fn executor() -> WorkloadKey {
    WorkloadKey {
        kind: WorkloadKind::Deployment,
        namespace: "ge-agents".into(),
        name: "ge-executor".into(),
    }
}

async fn client(kubeconfig: &LoadedKubeconfig, config: &FleetConfig, zone: &str) -> Client {
    cluster::zone_client(config.find(zone).unwrap(), kubeconfig)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_demos_events_reach_the_timeline_and_a_restart_shows_in_the_workload_view() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(state.path(), None).await;
    let kubeconfig = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
    let config = zones("");
    let mut live = LiveConsole::start(&config, &kubeconfig);
    live.until("every zone live, dev and staging with their events", |f| {
        all_live(f) && !f.zones[0].events.is_empty() && !f.zones[1].events.is_empty()
    })
    .await;
    let fleet = live.console.fleet();
    for zone in &fleet.zones {
        assert_eq!(
            zone.kinds[&ResourceKind::Events],
            KindStatus::Synced,
            "{}",
            zone.config.name
        );
        for e in zone.events.newest_first() {
            assert!(
                zone.config.event_namespaces().contains(&e.namespace),
                "{} watches only its namespaces, got {}",
                zone.config.name,
                e.namespace
            );
        }
    }
    // The stuck ge-sandbox's pull failure in dev; metrics-server backing off in staging.
    let dev = &fleet.zones[0];
    let sandbox_pull = dev
        .events
        .newest_first()
        .find(|e| e.reason == "Failed" && e.object.name.starts_with("ge-sandbox-"))
        .expect("the sandbox's pull failure");
    assert_eq!(sandbox_pull.event_type, EventType::Warning);
    assert!(sandbox_pull.count > 1, "{sandbox_pull:?}");
    let staging = &fleet.zones[1];
    let backoff = staging
        .events
        .newest_first()
        .find(|e| e.reason == "BackOff" && e.object.name.starts_with("metrics-server-"))
        .expect("metrics-server backing off");
    assert_eq!(backoff.object.namespace, "kube-system");

    // The timeline shows both zones' warnings, newest first.
    let ui = &mut live.console;
    ui.key(ch('E'));
    assert_eq!(ui.view(), ViewKind::Timeline);
    ui.key(ch('w'));
    let screen = ui.render(200, 50);
    assert!(
        screen.contains("BackOff") && screen.contains("staging"),
        "{screen}"
    );
    assert!(
        screen.contains("ge-sandbox-") && screen.contains("Failed"),
        "{screen}"
    );
    assert!(!screen.contains(" Normal "), "Warning only:\n{screen}");
    ui.key(ch('w'));

    // A restart of ge-executor: the deployment controller's ScalingReplicaSet events arrive
    // and the workload view lists them.
    let before = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1);
    let deployments: Api<Deployment> =
        Api::namespaced(client(&kubeconfig, &config, "dev").await, "ge-agents");
    let patch = json!({"spec": {"template": {"metadata": {"annotations": {
        "kubectl.kubernetes.io/restartedAt": jiff::Timestamp::now().to_string()}}}}});
    deployments
        .patch(
            "ge-executor",
            &PatchParams::default(),
            &Patch::Merge(&patch),
        )
        .await
        .unwrap();
    let scaled = |f: &Fleet| {
        workload_events(&f.zones[0], &executor())
            .iter()
            .filter(|e| e.reason == "ScalingReplicaSet" && e.last_seen.is_some_and(|t| t >= before))
            .count()
    };
    live.until("the restart's ScalingReplicaSet events", |f| scaled(f) >= 2)
        .await;
    let ui = &mut live.console;
    ui.key(key(KeyCode::Esc));
    ui.key(ch('e'));
    assert_eq!(ui.open_workload(), Some(&executor()));
    let screen = ui.render(200, 60);
    assert!(screen.contains("ScalingReplicaSet"), "{screen}");
    assert!(screen.contains("deployment/ge-executor"), "{screen}");
    demo.shutdown().await;
}

#[tokio::test]
async fn events_age_out_of_a_short_window_and_go_when_the_server_expires_them() {
    let state = tempfile::tempdir().unwrap();
    // The server keeps events 8 s after their last write; the console's window is 2 s.
    let demo = start_demo(state.path(), Some(Duration::from_secs(8))).await;
    let kubeconfig = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
    let config = zones_with_window("2s");
    let mut live = LiveConsole::start(&config, &kubeconfig);
    live.until("every zone live", all_live).await;
    let events: Api<CoreEvent> =
        Api::namespaced(client(&kubeconfig, &config, "dev").await, "ge-data");
    let now = jiff::Timestamp::now();
    let event: CoreEvent = serde_json::from_value(json!({
        "metadata": {"name": "redis-0.probe", "namespace": "ge-data"},
        "involvedObject": {"kind": "Pod", "namespace": "ge-data", "name": "redis-0"},
        "reason": "Unhealthy", "type": "Warning",
        "message": "Readiness probe failed: connection refused",
        "firstTimestamp": now.to_string(), "lastTimestamp": now.to_string(), "count": 1,
        "source": {"component": "kubelet"}
    }))
    .unwrap();
    events.create(&PostParams::default(), &event).await.unwrap();
    let probe = EventObject::new("Pod", "ge-data", "redis-0");
    let shown = |f: &Fleet| {
        f.zones[0]
            .events
            .newest_first()
            .any(|e| e.object == probe && e.reason == "Unhealthy")
    };
    live.until("the new event in the console", shown).await;
    // Still on the server (its TTL is longer), gone from the console once its 2 s are up.
    live.until("the event to age out of the window", |f| !shown(f))
        .await;
    assert!(events.get_opt("redis-0.probe").await.unwrap().is_some());

    // With a window longer than the server's TTL, the server's delete removes it.
    let config = zones("");
    let mut live = LiveConsole::start(&config, &kubeconfig);
    live.until("every zone live", all_live).await;
    let again = jiff::Timestamp::now().to_string();
    events
        .patch(
            "redis-0.probe",
            &PatchParams::default(),
            &Patch::Merge(json!({"lastTimestamp": again, "count": 2})),
        )
        .await
        .unwrap();
    live.until("the renewed event in the console", shown).await;
    live.until("the server to expire it", |f| !shown(f)).await;
    assert!(events.get_opt("redis-0.probe").await.unwrap().is_none());
    demo.shutdown().await;
}

async fn run(demo: &DemoFleet, state: &Path, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_ge-console"))
        .arg("--kubeconfig")
        .arg(demo.kubeconfig_path())
        .args(args)
        .env("GE_CONSOLE_CONFIG", state.join("no-config"))
        .env("GE_CONSOLE_STATE", state)
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_events_command_prints_the_merged_timeline_and_says_when_a_zone_is_down() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(state.path(), None).await;
    let o = run(
        &demo,
        state.path(),
        &["events", "--warnings", "--format", "json"],
    )
    .await;
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let events = report["events"].as_array().unwrap();
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["type"] == "Warning"), "{report}");
    let zones: Vec<&str> = events.iter().filter_map(|e| e["zone"].as_str()).collect();
    assert!(
        zones.contains(&"dev") && zones.contains(&"staging"),
        "{zones:?}"
    );
    let times: Vec<&str> = events
        .iter()
        .filter_map(|e| e["last_seen"].as_str())
        .collect();
    let parsed: Vec<jiff::Timestamp> = times.iter().map(|t| t.parse().unwrap()).collect();
    assert!(
        parsed.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    assert!(
        report["zones"]
            .as_array()
            .unwrap()
            .iter()
            .all(|z| z["events"] == "synced")
    );

    // One zone, one namespace, as text.
    let o = run(
        &demo,
        state.path(),
        &[
            "events",
            "staging",
            "--namespace",
            "kube-system",
            "--since",
            "30m",
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("LAST SEEN  ZONE     NAMESPACE"),
        "{text}"
    );
    let rows: Vec<&str> = lines.collect();
    assert!(rows.iter().any(|l| l.contains("BackOff")), "{text}");
    assert!(
        rows.iter().all(|l| l.contains(" staging  kube-system ")),
        "{text}"
    );

    // A zone that does not answer: its events are missing, said on stderr, exit 2.
    demo.stop_zone("ge-production").await.unwrap();
    let o = run(&demo, state.path(), &["events", "--timeout", "8"]).await;
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("Z3 production: unreachable"), "{stderr}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("BackOff"));

    let o = run(&demo, state.path(), &["events", "qa"]).await;
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("there is no zone \"qa\""));
    demo.shutdown().await;
}
