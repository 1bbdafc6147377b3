//! Rollout history and undo against the demo fleet served in-process over real HTTP: the
//! console's core driven by keys with the real cluster layer feeding its model, and the
//! headless `history` and `undo` run as the real binary (exit statuses, guards, the audit log),
//! with `kubectl rollout history` agreeing with `ge-console history`.

mod common;

mod kubectl_on_path;
use kubectl_on_path::kubectl_binary;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::{Console, ConsoleOptions, ch, key};
use ge_console::actions::rollout::RolloutPhase;
use ge_console::clock::TimeSource;
use ge_console::cluster::rollback::templates_match;
use ge_console::cluster::{self, LoadedKubeconfig};
use ge_console::config::{DEFAULT_ZONES_TOML, FleetConfig, parse_zones};
use ge_console::demo::{DemoFleet, DemoOptions};
use ge_console::fleet::history::deployment_history;
use ge_console::fleet::{Fleet, FleetEvent, WorkloadKey, ZoneState};
use ge_console::ui::{DialogAction, UiOutcome};
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use ratatui::crossterm::event::KeyCode;
use tokio::sync::mpsc;

const DEADLINE: Duration = Duration::from_secs(60);
const EXECUTOR: &str = "ge-agents/deployment/ge-executor";

async fn start_demo(state: &Path) -> DemoFleet {
    DemoFleet::start(DemoOptions {
        state_dir: state.to_path_buf(),
        time_scale: 0.1,
        ..DemoOptions::default()
    })
    .await
    .unwrap()
}

fn zones() -> FleetConfig {
    parse_zones(DEFAULT_ZONES_TOML, Path::new("<built-in>")).unwrap()
}

fn executor() -> WorkloadKey {
    WorkloadKey::parse(EXECUTOR).unwrap()
}

/// The Deployment's pod template as the server has it now.
async fn template_of(kubeconfig: &LoadedKubeconfig, config: &FleetConfig) -> serde_json::Value {
    let client = cluster::zone_client(config.find("dev").unwrap(), kubeconfig)
        .await
        .unwrap();
    let d = Api::<Deployment>::namespaced(client, "ge-agents")
        .get("ge-executor")
        .await
        .unwrap();
    serde_json::to_value(d.spec.unwrap().template).unwrap()
}

/// The console's core on the demo fleet: its model fed by the real cluster layer, its actions
/// going to the demo's servers, time from the system clock.
struct LiveConsole {
    console: Console,
    fleet_rx: mpsc::Receiver<FleetEvent>,
    _watchers: tokio::task::JoinSet<()>,
}

impl LiveConsole {
    fn start(config: &FleetConfig, kubeconfig: &LoadedKubeconfig, state: &Path) -> LiveConsole {
        let mut options = ConsoleOptions::offline(state);
        options.kubeconfig = kubeconfig.clone();
        options.time = TimeSource::System;
        let console = Console::with(config, Fleet::new(config), options);
        let (tx, fleet_rx) = mpsc::channel(4096);
        let watchers = cluster::spawn_fleet(config, kubeconfig, tx);
        LiveConsole {
            console,
            fleet_rx,
            _watchers: watchers,
        }
    }

    /// Feeds model batches and action reports to the core, as the event loop does, until
    /// `done` holds.
    async fn until(&mut self, what: &str, done: impl Fn(&Console) -> bool) {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while !done(&self.console) {
            tokio::select! {
                event = self.fleet_rx.recv() => {
                    let mut batch = vec![event.expect("the watchers stopped")];
                    while let Ok(more) = self.fleet_rx.try_recv() {
                        batch.push(more);
                    }
                    self.console.core.on_fleet_events(batch);
                }
                Some(event) = self.console.actions_rx.recv() => {
                    self.console.core.on_action_event(event);
                }
                _ = tokio::time::sleep_until(deadline) => panic!(
                    "timed out waiting for {what}; message {:?}",
                    self.console.core.shown_message()
                ),
            }
        }
    }
}

/// The rollout panel's tracker of our rollout of ge-executor.
fn our_tracker(c: &Console) -> ge_console::actions::rollout::RolloutTracker {
    let trackers = &c.core.actions().rollouts().trackers;
    let ours: Vec<_> = trackers
        .iter()
        .filter(|t| t.ours && t.target == executor())
        .collect();
    assert_eq!(ours.len(), 1, "one tracker of our rollout: {trackers:?}");
    ours[0].clone()
}

/// Our rollout of ge-executor has ended as succeeded.
fn our_rollout_succeeded(c: &Console) -> bool {
    c.core
        .actions()
        .rollouts()
        .trackers
        .iter()
        .any(|t| t.ours && t.target == executor() && t.phase == RolloutPhase::Succeeded)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_in_the_console_restores_the_previous_template_and_follows_its_rollout() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(state.path()).await;
    let kubeconfig = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
    let config = zones();
    let mut live = LiveConsole::start(&config, &kubeconfig, state.path());
    live.until("dev live with ge-executor's history", |c| {
        let dev = &c.fleet().zones[0];
        dev.state() == ZoneState::Live && !deployment_history(dev, &executor()).is_empty()
    })
    .await;
    let before = template_of(&kubeconfig, &config).await;

    // History is made by a restart, through the console's keys.
    live.console.key(ch('e'));
    assert_eq!(live.console.open_workload(), Some(&executor()));
    live.console.key(ch('r'));
    assert!(matches!(live.console.key(ch('y')), UiOutcome::Request(_)));
    live.until("the restart's rollout to succeed", our_rollout_succeeded)
        .await;
    let restarted = deployment_history(&live.console.fleet().zones[0], &executor());
    assert!(restarted.len() >= 2, "{restarted:?}");
    let previous = restarted[1].clone();
    assert!(!templates_match(
        &before,
        &template_of(&kubeconfig, &config).await
    ));
    let restart_generation = our_tracker(&live.console).min_generation;

    // u asks about the previous revision; y sends it.
    live.console.key(ch('u'));
    let Some(DialogAction::Undo { revision, .. }) = live.console.dialog().map(|d| d.action())
    else {
        panic!("the undo dialog: {:?}", live.console.dialog());
    };
    assert_eq!(revision.revision, previous.revision);
    assert!(matches!(live.console.key(ch('y')), UiOutcome::Request(_)));
    assert!(live.console.dialog().is_none());
    let rolled_back = format!("rolled back to revision {}", previous.revision);
    live.until("the undo's answer", |c| {
        c.core
            .shown_message()
            .is_some_and(|(_, m)| m.contains(&rolled_back))
    })
    .await;
    // The rollout panel follows the undo's rollout: the restart's tracker was replaced by one
    // judged against the undo's generation.
    assert!(our_tracker(&live.console).min_generation > restart_generation);
    live.until("the undo's rollout to succeed", our_rollout_succeeded)
        .await;

    let after = template_of(&kubeconfig, &config).await;
    assert!(
        templates_match(&after, &before),
        "the template before the restart is back:\n{after}\n{before}"
    );
    live.until("the promoted revision in the model", |c| {
        let history = deployment_history(&c.fleet().zones[0], &executor());
        history.first().is_some_and(|r| {
            r.replica_set == previous.replica_set && r.revision > restarted[0].revision
        })
    })
    .await;
    let audit = std::fs::read_to_string(state.path().join("audit.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(last["action"], "undo");
    assert_eq!(last["result"], "succeeded");
    assert_eq!(last["object"], EXECUTOR);
    // Esc leaves the workload view as usual.
    live.console.key(key(KeyCode::Esc));
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

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `ge-console history --format json`'s revisions.
async fn history_json(demo: &DemoFleet, state: &Path, target: &str) -> Vec<serde_json::Value> {
    let o = run(demo, state, &["history", "dev", target, "--format", "json"]).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["zone"], "dev");
    assert_eq!(report["deployment"], target);
    report["revisions"].as_array().unwrap().clone()
}

fn audit(state: &Path) -> Vec<String> {
    std::fs::read_to_string(state.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let r: serde_json::Value = serde_json::from_str(l).unwrap();
            format!(
                "{} {}",
                r["action"].as_str().unwrap(),
                r["result"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_history_and_undo_with_their_exit_statuses() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(state.path()).await;
    let s = state.path();

    let first = history_json(&demo, s, EXECUTOR).await;
    let o = run(
        &demo,
        s,
        &["restart", "dev", EXECUTOR, "--wait", "--timeout", "60"],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let restarted = history_json(&demo, s, EXECUTOR).await;
    assert_eq!(restarted.len(), first.len() + 1, "{restarted:?}");
    assert_eq!(restarted[0]["current"], true);
    let previous = restarted[1].clone();

    let text_history = run(&demo, s, &["history", "dev", EXECUTOR]).await;
    let shown = text(&text_history);
    assert_eq!(text_history.status.code(), Some(0), "{shown}");
    assert!(
        shown.starts_with("ge-agents/deployment/ge-executor in Z1 dev\nREVISION  CURRENT"),
        "{shown}"
    );

    // Bad input, before anything starts.
    let o = run(&demo, s, &["undo", "dev", "ge-data/statefulset/postgresql"]).await;
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let o = run(&demo, s, &["undo", "nowhere", EXECUTOR]).await;
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    // Guards.
    let o = run(&demo, s, &["undo", "production", EXECUTOR]).await;
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("--confirm production"), "{}", text(&o));
    let o = run(&demo, s, &["--read-only", "undo", "dev", EXECUTOR]).await;
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(text(&o).contains("read-only"), "{}", text(&o));
    // A revision not in the history: kubectl's words, exit 1.
    let o = run(
        &demo,
        s,
        &["undo", "dev", EXECUTOR, "--to-revision", "9999"],
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("unable to find specified revision 9999 in history"),
        "{}",
        text(&o)
    );
    // A paused Deployment, at a revision it has: refused in kubectl's words.
    let paused = "ge-system/deployment/report-builder";
    let current = history_json(&demo, s, paused).await[0]["revision"].to_string();
    let o = run(
        &demo,
        s,
        &["undo", "dev", paused, "--to-revision", &current],
    )
    .await;
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(
        text(&o).contains(
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout \
             resume deployment/report-builder' and try again"
        ),
        "{}",
        text(&o)
    );
    // The undo itself, followed to the end.
    let o = run(
        &demo,
        s,
        &["undo", "dev", EXECUTOR, "--wait", "--timeout", "60"],
    )
    .await;
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains(&format!("rolled back to revision {}", previous["revision"])),
        "{out}"
    );
    assert!(out.contains("rollout succeeded"), "{out}");
    let undone = history_json(&demo, s, EXECUTOR).await;
    assert_eq!(
        undone[0]["replica_set"], previous["replica_set"],
        "{undone:?}"
    );
    assert_eq!(
        undone[0]["revision"].as_i64(),
        restarted[0]["revision"].as_i64().map(|r| r + 1),
        "the old revision comes back as the newest"
    );
    // Undoing to the revision that is current already is skipped, as kubectl skips it.
    let now = undone[0]["revision"].to_string();
    let o = run(&demo, s, &["undo", "dev", EXECUTOR, "--to-revision", &now]).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(&format!(
            "skipped rollback (current template already matches revision {now})"
        )),
        "{}",
        text(&o)
    );
    assert_eq!(
        audit(s),
        [
            "restart succeeded",
            "undo refused",
            "undo refused",
            "undo failed",
            "undo refused",
            "undo succeeded",
            "undo succeeded",
        ]
    );
    demo.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_rollout_history_agrees_with_ge_console_history() {
    let Some(kubectl) = kubectl_binary() else {
        return;
    };
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(state.path()).await;
    let s = state.path();
    let o = run(
        &demo,
        s,
        &["restart", "dev", EXECUTOR, "--wait", "--timeout", "60"],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let cache = tempfile::tempdir().unwrap();
    let kubectl_history = tokio::process::Command::new(kubectl)
        .arg("--kubeconfig")
        .arg(demo.kubeconfig_path())
        .arg("--cache-dir")
        .arg(cache.path())
        .args([
            "--context",
            "ge-dev",
            "-n",
            "ge-agents",
            "rollout",
            "history",
            "deployment/ge-executor",
        ])
        .env_remove("KUBECONFIG")
        .output()
        .await
        .unwrap();
    assert!(
        kubectl_history.status.success(),
        "{}",
        text(&kubectl_history)
    );
    // REVISION  CHANGE-CAUSE, oldest first.
    let mut from_kubectl: Vec<(i64, String)> = String::from_utf8_lossy(&kubectl_history.stdout)
        .lines()
        .filter_map(|l| {
            let (revision, cause) = l.trim().split_once(char::is_whitespace)?;
            Some((revision.parse().ok()?, cause.trim().to_string()))
        })
        .collect();
    from_kubectl.reverse();
    let ours: Vec<(i64, String)> = history_json(&demo, s, EXECUTOR)
        .await
        .iter()
        .map(|r| {
            (
                r["revision"].as_i64().unwrap(),
                r["change_cause"].as_str().unwrap_or("<none>").to_string(),
            )
        })
        .collect();
    assert!(ours.len() >= 2, "{ours:?}");
    assert_eq!(ours, from_kubectl);
    demo.shutdown().await;
}
