//! Explain against the demo fleet, served in-process over real HTTP and watched through the
//! real cluster layer: the crash-looping metrics-server in staging is explained with
//! CrashLoopBackOff and its last exit code, dev's stuck ge-sandbox with its container's waiting
//! reason — from the keys, as the console shows them.

use std::path::Path;
use std::time::Duration;

use ge_console::clock::TimeSource;
use ge_console::cluster;
use ge_console::config::{self, DEFAULT_ZONES_TOML, FleetConfig, ZoneId};
use ge_console::demo::{DemoFleet, DemoOptions};
use ge_console::fleet::{
    ContainerState, Fleet, FleetEvent, PodInfo, WorkloadKey, ZoneModel, ZoneState,
};
use ge_console::ui::{Keymap, Pane, RowKey};
use ratatui::crossterm::event::KeyCode;
use tokio::sync::mpsc;

mod common;
use common::{Console, ConsoleOptions, ch, key};

const DEADLINE: Duration = Duration::from_secs(60);

struct Live {
    _demo: DemoFleet,
    console: Console,
    rx: mpsc::Receiver<FleetEvent>,
    _watchers: tokio::task::JoinSet<()>,
    _state: tempfile::TempDir,
}

impl Live {
    async fn start() -> Live {
        let state = tempfile::tempdir().unwrap();
        let demo = DemoFleet::start(DemoOptions {
            state_dir: state.path().join("demo"),
            time_scale: 0.1,
            ..DemoOptions::default()
        })
        .await
        .unwrap();
        let config: FleetConfig =
            config::parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap();
        let kubeconfig = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
        let (tx, rx) = mpsc::channel(4096);
        let watchers = cluster::spawn_fleet(&config, &kubeconfig, tx);
        let console = Console::with(
            &config,
            Fleet::new(&config),
            ConsoleOptions {
                kubeconfig,
                time: TimeSource::System,
                read_only: true,
                state_dir: state.path().to_path_buf(),
                keymap: (Keymap::default_map(), "default".into()),
            },
        );
        Live {
            _demo: demo,
            console,
            rx,
            _watchers: watchers,
            _state: state,
        }
    }

    /// Hands model batches to the core until `done` holds; fails after the deadline.
    async fn until(&mut self, what: &str, done: impl Fn(&Fleet) -> bool) {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while !done(self.console.fleet()) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(event)) => {
                    let mut batch = vec![event];
                    while let Ok(event) = self.rx.try_recv() {
                        batch.push(event);
                    }
                    self.console.core.on_fleet_events(batch);
                }
                Ok(None) => panic!("the watchers stopped while waiting for {what}"),
                Err(_) => panic!("timed out waiting for {what}"),
            }
        }
    }
}

fn zone(fleet: &Fleet, id: u32) -> &ZoneModel {
    fleet.zone(ZoneId(id)).unwrap()
}

/// The pod of `zone` whose name starts with `prefix`, in `namespace`.
fn pod_of<'a>(zone: &'a ZoneModel, namespace: &str, prefix: &str) -> Option<&'a PodInfo> {
    zone.pods
        .values()
        .find(|p| p.namespace == namespace && p.name.starts_with(prefix))
}

fn crash_looping_with_last_exit(fleet: &Fleet) -> bool {
    let staging = zone(fleet, 2);
    staging.state() == ZoneState::Live
        && pod_of(staging, "kube-system", "metrics-server").is_some_and(|p| {
            p.containers.iter().any(|c| {
                matches!(&c.state, ContainerState::Waiting(w) if w.reason == "CrashLoopBackOff")
                    && c.last_termination.is_some()
            })
        })
}

#[tokio::test]
async fn explain_names_the_crash_loop_of_stagings_metrics_server_with_its_exit_code() {
    let mut live = Live::start().await;
    live.until(
        "staging's metrics-server crash-looping",
        crash_looping_with_last_exit,
    )
    .await;
    let pod = pod_of(
        zone(live.console.fleet(), 2),
        "kube-system",
        "metrics-server",
    )
    .unwrap()
    .clone();
    let container = pod
        .containers
        .iter()
        .find(|c| c.last_termination.is_some())
        .unwrap();
    let last = container.last_termination.as_deref().unwrap();

    // Staging's zone view, the metrics-server pod selected, x.
    let console = &mut live.console;
    console.key(key(KeyCode::Right));
    console.key(key(KeyCode::Enter));
    console.key(key(KeyCode::Home));
    for _ in 0..40 {
        if console.selected() == Some(&RowKey::Pod(ge_console::fleet::Keyed::key(&pod))) {
            break;
        }
        console.key(key(KeyCode::Down));
    }
    console.key(ch('x'));
    assert_eq!(console.pane(), Some(Pane::Explain));
    let screen = console.render(200, 50);
    let expected = format!(
        "✗ container {} is crash-looping (CrashLoopBackOff): last exit {} ({})",
        container.name, last.exit_code, last.reason
    );
    assert!(
        screen.contains(&expected),
        "{expected:?} missing from\n{screen}"
    );
    assert!(
        screen.contains(&format!("pod kube-system/{}", pod.name)),
        "{screen}"
    );
}

#[tokio::test]
async fn explain_names_the_waiting_reason_of_devs_stuck_ge_sandbox() {
    let mut live = Live::start().await;
    let sandbox = WorkloadKey::parse("ge-agents/deployment/ge-sandbox").unwrap();
    let waiting = |fleet: &Fleet| {
        let dev = zone(fleet, 1);
        dev.state() == ZoneState::Live
            && dev
                .workloads
                .contains_key(&WorkloadKey::parse("ge-agents/deployment/ge-sandbox").unwrap())
            && pod_of(dev, "ge-agents", "ge-sandbox").is_some_and(|p| {
                p.containers
                    .iter()
                    .any(|c| matches!(&c.state, ContainerState::Waiting(w) if !w.reason.is_empty()))
            })
    };
    live.until("dev's ge-sandbox pod waiting", waiting).await;
    let pod = pod_of(zone(live.console.fleet(), 1), "ge-agents", "ge-sandbox")
        .unwrap()
        .clone();
    let reason = pod
        .containers
        .iter()
        .find_map(|c| match &c.state {
            ContainerState::Waiting(w) => Some(w.reason.clone()),
            _ => None,
        })
        .unwrap();

    let console = &mut live.console;
    console.select_in_overview(&RowKey::Workload(sandbox));
    console.key(ch('x'));
    let screen = console.render(200, 50);
    assert!(
        screen.contains("Why · Z1 dev · deployment ge-agents/ge-sandbox"),
        "{screen}"
    );
    let expected = format!("pod {}: container", pod.name);
    assert!(
        screen.contains(&expected),
        "{expected:?} missing from\n{screen}"
    );
    assert!(
        screen.contains(&format!("is waiting: {reason}"))
            || screen.contains(&format!("cannot pull its image: {reason}")),
        "the waiting reason {reason:?} is named:\n{screen}"
    );
}
