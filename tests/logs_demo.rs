//! Logs against the demo fleet over real HTTP, through the console's real core (keys, model
//! events from the real cluster layer, the runner's streams) and through `ge-console logs`:
//! a workload's log follows a restart onto its new pods (joined, the old ones marked gone),
//! `F` follows the rollout's pods, a pod deleted mid-stream, a pod with two containers, an
//! unknown container and a container that has not started, each said in the server's words.

use std::time::Duration;

use ge_console::actions::log_buffer::LineKind;
use ge_console::actions::logs::{LogSession, LogSubject, StreamState, saved_line};
use ge_console::clock::TimeSource;
use ge_console::cluster::{self, LoadedKubeconfig};
use ge_console::config::{DEFAULT_ZONES_TOML, FleetConfig, ZoneId, parse_zones};
use ge_console::demo::{DemoFleet, DemoOptions};
use ge_console::fleet::{Fleet, FleetEvent, WorkloadKey, ZoneState};
use ge_console::ui::{Keymap, Pane, RowKey};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::DeleteParams;
use ratatui::crossterm::event::KeyCode;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

mod common;
use common::{Console, ConsoleOptions, ch, key};

const DEADLINE: Duration = Duration::from_secs(40);

fn zones() -> FleetConfig {
    parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("<built-in>")).unwrap()
}

fn executor() -> WorkloadKey {
    WorkloadKey::parse("ge-agents/deployment/ge-executor").unwrap()
}

/// The demo fleet (its clock ten times faster) and the console's real core on it, with the
/// real cluster layer feeding its model.
struct Demo {
    fleet: DemoFleet,
    kubeconfig: LoadedKubeconfig,
    console: Console,
    model: mpsc::Receiver<FleetEvent>,
    _watch: JoinSet<()>,
    state: tempfile::TempDir,
}

impl Demo {
    async fn start() -> Demo {
        let state = tempfile::tempdir().unwrap();
        let fleet = DemoFleet::start(DemoOptions {
            state_dir: state.path().to_path_buf(),
            time_scale: 0.1,
            ..DemoOptions::default()
        })
        .await
        .unwrap();
        let kubeconfig = cluster::load_kubeconfig(Some(fleet.kubeconfig_path())).unwrap();
        let config = zones();
        let (tx, model) = mpsc::channel(4096);
        let watch = cluster::spawn_fleet(&config, &kubeconfig, tx);
        let console = Console::with(
            &config,
            Fleet::new(&config),
            ConsoleOptions {
                read_only: false,
                keymap: (Keymap::default_map(), "default".into()),
                kubeconfig: kubeconfig.clone(),
                state_dir: state.path().to_path_buf(),
                time: TimeSource::System,
            },
        );
        let mut demo = Demo {
            fleet,
            kubeconfig,
            console,
            model,
            _watch: watch,
            state,
        };
        demo.until("every zone live", |c| {
            c.fleet().zones.iter().all(|z| z.state() == ZoneState::Live)
        })
        .await;
        demo
    }

    /// Hands model batches, the runner's reports and ticks to the core, as the event loop
    /// does, until `done` holds.
    async fn until(&mut self, what: &str, done: impl Fn(&Console) -> bool) {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while !done(&self.console) {
            tokio::select! {
                Some(event) = self.model.recv() => {
                    let mut batch = vec![event];
                    while let Ok(event) = self.model.try_recv() {
                        batch.push(event);
                    }
                    self.console.core.on_fleet_events(batch);
                }
                Some(event) = self.console.actions_rx.recv() => {
                    self.console.core.on_action_event(event);
                }
                _ = tokio::time::sleep(Duration::from_millis(200)) => self.console.core.on_tick(),
                _ = tokio::time::sleep_until(deadline) => {
                    let screen = self.console.render(120, 40);
                    panic!("timed out waiting for {what}:\n{screen}");
                }
            }
        }
    }

    async fn client(&self, zone: &str) -> kube::Client {
        cluster::zone_client(zones().find(zone).unwrap(), &self.kubeconfig)
            .await
            .unwrap()
    }
}

fn session(c: &Console) -> Option<&LogSession> {
    c.core.actions().logs()
}

/// The session's lines as saved (`[pod] text`), of one kind.
fn lines_of(c: &Console, kind: LineKind) -> Vec<String> {
    session(c).map_or_else(Vec::new, |s| {
        s.buffer
            .lines()
            .filter(|l| l.kind == kind)
            .map(|l| saved_line(s, l))
            .collect()
    })
}

/// `e` goes to ge-executor in dev, `esc` back to the zone view with its row selected.
fn to_executor_row(c: &mut Console) {
    c.key(ch('e'));
    c.render(120, 40);
    c.key(key(KeyCode::Esc));
    c.render(120, 40);
    assert_eq!(c.ui().selected(), Some(&RowKey::Workload(executor())));
}

#[tokio::test]
async fn a_workloads_log_follows_a_restart_onto_the_new_pods() {
    let mut demo = Demo::start().await;
    to_executor_row(&mut demo.console);
    demo.console.key(ch('L'));
    assert_eq!(demo.console.ui().pane(), Some(Pane::Logs));
    demo.until("both pods streaming their jobs", |c| {
        session(c).is_some_and(|s| {
            s.streams.len() == 2
                && s.streams
                    .iter()
                    .all(|st| st.state == StreamState::Streaming)
                && s.streams.iter().enumerate().all(|(i, _)| {
                    s.buffer
                        .lines()
                        .any(|l| l.source == Some(i) && l.kind == LineKind::Output)
                })
        })
    })
    .await;
    let old: Vec<String> = session(&demo.console)
        .unwrap()
        .streams
        .iter()
        .map(|s| s.pod.clone())
        .collect();
    let screen = demo.console.render(120, 30);
    let labels: Vec<String> = session(&demo.console)
        .unwrap()
        .streams
        .iter()
        .map(|s| format!("{} ", s.label))
        .collect();
    let output: Vec<&str> = screen.lines().skip(3).take(20).collect();
    assert!(
        output
            .iter()
            .all(|l| labels.iter().any(|p| l.starts_with(p.as_str()))),
        "lines carry their pod's prefix:\n{screen}"
    );

    // Someone restarts ge-executor: the new pods join as they start, the old ones go.
    let client = demo.client("dev").await;
    cluster::mutate::restart_workload(&client, &executor(), jiff::Timestamp::now())
        .await
        .unwrap();
    demo.until(
        "the new pods joined and streaming, the old ones gone",
        |c| {
            let Some(s) = session(c) else { return false };
            let new: Vec<&_> = s
                .streams
                .iter()
                .filter(|st| !old.contains(&st.pod))
                .collect();
            new.len() == 2
                && old.iter().all(|pod| {
                    s.stream(pod)
                        .is_some_and(|st| st.state == StreamState::Gone)
                })
                && new.iter().all(|st| {
                    let index = s.streams.iter().position(|x| x.pod == st.pod).unwrap();
                    s.buffer
                        .lines()
                        .any(|l| l.source == Some(index) && l.kind == LineKind::Output)
                })
        },
    )
    .await;
    let notes = lines_of(&demo.console, LineKind::Note);
    for pod in &old {
        assert!(
            notes
                .iter()
                .any(|n| n.ends_with(&format!("— pod {pod} gone —"))),
            "{pod} marked gone: {notes:?}"
        );
    }
    let s = session(&demo.console).unwrap();
    for stream in s.streams.iter().filter(|st| !old.contains(&st.pod)) {
        assert!(
            notes
                .iter()
                .any(|n| n == &format!("[{}] — pod {} joined —", stream.label, stream.pod)),
            "{} joined: {notes:?}",
            stream.pod
        );
    }
    let screen = demo.console.render(120, 30);
    assert!(screen.contains("gone"), "{screen}");

    // `F` follows the rollout's workload from the rollout panel.
    demo.console.key(key(KeyCode::Esc));
    demo.until("the rollout followed", |c| {
        !c.core.actions().rollouts().trackers.is_empty()
    })
    .await;
    demo.console.key(ch('F'));
    let s = session(&demo.console).expect("F opened the log");
    assert_eq!(s.order.subject, LogSubject::Workload(executor()));
    assert_eq!(demo.console.ui().pane(), Some(Pane::Logs));
    demo.fleet.shutdown().await;
}

#[tokio::test]
async fn a_pod_deleted_mid_stream_ends_its_stream_and_is_marked_gone() {
    let mut demo = Demo::start().await;
    demo.console.key(ch('e'));
    demo.console.render(120, 40);
    let Some(RowKey::Pod(pod)) = demo.console.ui().selected().cloned() else {
        panic!("a pod row: {:?}", demo.console.ui().selected());
    };
    demo.console.key(ch('L'));
    demo.until("the pod's lines", |c| {
        !lines_of(c, LineKind::Output).is_empty()
    })
    .await;
    let client = demo.client("dev").await;
    Api::<Pod>::namespaced(client, &pod.namespace)
        .delete(&pod.name, &DeleteParams::default())
        .await
        .unwrap();
    demo.until("the stream ended and the pod gone", |c| {
        let notes = lines_of(c, LineKind::Note);
        notes.iter().any(|n| n.contains("log stream ended"))
            && notes
                .iter()
                .any(|n| n == &format!("— pod {} gone —", pod.name))
    })
    .await;
    assert!(lines_of(&demo.console, LineKind::Problem).is_empty());
    demo.fleet.shutdown().await;
}

#[tokio::test]
async fn lines_never_carry_control_characters_to_the_screen() {
    let mut demo = Demo::start().await;
    to_executor_row(&mut demo.console);
    demo.console.key(ch('L'));
    // All the lines a run keeps (t: tail 1000 → all): the executor now and then writes a
    // job's raw terminal output (escape sequences, bytes that are not UTF-8).
    demo.console.key(ch('t'));
    assert_eq!(session(&demo.console).unwrap().order.settings.tail, None);
    demo.until("a thousand lines", |c| {
        session(c).is_some_and(|s| s.buffer.len() >= 1000)
    })
    .await;
    let s = session(&demo.console).unwrap();
    for line in s.buffer.lines() {
        for span in &line.text.spans {
            assert!(
                !span.content.chars().any(|ch| ch.is_control()),
                "{:?}",
                span.content
            );
        }
    }
    let screen = demo.console.render(200, 50);
    assert!(!screen.contains('\x1b'));
    demo.fleet.shutdown().await;
}

/// Runs `ge-console logs ARGS` on the demo's kubeconfig; exit status, stdout, stderr.
async fn headless(demo: &Demo, args: &[&str]) -> (Option<i32>, String, String) {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ge-console"))
        .arg("logs")
        .args(args)
        .arg("--kubeconfig")
        .arg(demo.fleet.kubeconfig_path())
        .env("GE_CONSOLE_STATE", demo.state.path())
        .env("GE_CONSOLE_CONFIG", demo.state.path())
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(DEADLINE, output)
        .await
        .expect("ge-console logs ended")
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn headless_logs_print_a_pod_and_a_workload_and_say_why_not() {
    let demo = Demo::start().await;
    let pods: Vec<String> = demo
        .console
        .fleet()
        .zone(ZoneId(1))
        .unwrap()
        .pods
        .keys()
        .filter(|k| k.namespace == "ge-agents")
        .map(|k| k.name.clone())
        .collect();
    let executor_pod = pods.iter().find(|p| p.starts_with("ge-executor-")).unwrap();
    let sandbox = pods.iter().find(|p| p.starts_with("ge-sandbox-")).unwrap();

    let (code, out, err) = headless(
        &demo,
        &[
            "dev",
            &format!("ge-agents/pod/{executor_pod}"),
            "--tail",
            "5",
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), 5, "{out}");
    assert!(!out.contains('\x1b'));

    let (code, out, err) = headless(
        &demo,
        &["dev", "ge-agents/deploy/ge-executor", "--tail", "3"],
    )
    .await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out.lines().count(),
        6,
        "three lines from each of two pods: {out}"
    );
    assert!(out.lines().all(|l| l.starts_with('[')), "prefixed: {out}");

    let (code, _, err) = headless(&demo, &["dev", "ge-data/pod/postgresql-0", "-c", "nope"]).await;
    assert_eq!(code, Some(1));
    assert!(
        err.contains(
            "ge-console: logs: postgresql-0: container nope is not valid for pod postgresql-0"
        ),
        "{err}"
    );

    let (code, _, err) = headless(&demo, &["dev", "ge-data/pod/postgresql-0"]).await;
    assert_eq!(code, Some(1));
    assert!(
        err.contains(
            "pod postgresql-0 has several containers (postgresql, metrics): choose one with -c"
        ),
        "{err}"
    );
    let (code, out, err) = headless(
        &demo,
        &[
            "dev",
            "ge-data/pod/postgresql-0",
            "-c",
            "metrics",
            "--tail",
            "2",
        ],
    )
    .await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");

    let (code, _, err) = headless(&demo, &["dev", &format!("ge-agents/pod/{sandbox}")]).await;
    assert_eq!(code, Some(1));
    assert!(
        err.contains("is waiting to start: ContainerCreating"),
        "{err}"
    );

    let (code, _, err) = headless(&demo, &["dev", "ge-agents/pod/nope"]).await;
    assert_eq!(code, Some(1));
    assert!(err.contains("not found: pods \"nope\" not found"), "{err}");

    let (code, _, err) = headless(&demo, &["dev", "ge-agents/service/x"]).await;
    assert_eq!(code, Some(3), "{err}");
    demo.fleet.shutdown().await;
}
