//! The demo's simulated image build run by the real binary: headless `ge-console rebuild
//! --then-restart` against the demo fleet with the build succeeding (the new ge-executor pods
//! report its digest), failing (nothing restarted) and hanging until Ctrl-C cancels it (no
//! process left); and in a real terminal, `ge-console demo` without a config: the rebuild key
//! runs the simulated build, restarts ge-executor and the rollout succeeds.
//!
//! The terminal test needs tmux: without it it fails, unless `GE_CONSOLE_SKIP_TMUX=1` says to
//! skip it.

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use ge_console::demo::{DemoFleet, DemoOptions};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::time::timeout;

const DEADLINE: Duration = Duration::from_secs(90);
const EXECUTOR: &str = "registry.ge.internal/ge-executor";

async fn start_demo(state: &Path) -> DemoFleet {
    DemoFleet::start(DemoOptions {
        state_dir: state.join("demo"),
        time_scale: 0.1,
        ..DemoOptions::default()
    })
    .await
    .unwrap()
}

/// The built-in zones whose build is this binary's simulated one, pushing to the demo's
/// registry as `ge-console demo` wires it.
fn config_with_simulated_build(dir: &Path, demo: &DemoFleet) -> PathBuf {
    let default_argv =
        r#"argv = ["bash", "ge-ops/infrastructure/local/k3s/executor/build-executor.sh"]"#;
    assert!(ge_console::config::DEFAULT_ZONES_TOML.contains(default_argv));
    let text = ge_console::config::DEFAULT_ZONES_TOML.replace(
        default_argv,
        &format!(
            "argv = [{:?}, \"demo-build\", \"--seconds\", \"1\"]\nenv = {{ GE_DEMO_REGISTRY = {:?} }}",
            env!("CARGO_BIN_EXE_ge-console"),
            demo.registry_path().display().to_string()
        ),
    );
    let path = dir.join("zones.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn command(demo: &DemoFleet, state: &Path, config: &Path, outcome: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ge-console"));
    command
        .arg("--kubeconfig")
        .arg(demo.kubeconfig_path())
        .arg("--config")
        .arg(config)
        .args(["rebuild", "--then-restart", "--timeout", "60"])
        .env("GE_CONSOLE_STATE", state)
        .env("GE_DEMO_BUILD", outcome)
        .kill_on_drop(true);
    command
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn audit(state: &Path) -> Vec<String> {
    std::fs::read_to_string(state.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let record: serde_json::Value = serde_json::from_str(l).unwrap();
            format!(
                "{} {}",
                record["action"].as_str().unwrap(),
                record["result"].as_str().unwrap()
            )
        })
        .collect()
}

async fn client(kubeconfig: &Path, context: &str) -> Client {
    let kubeconfig = Kubeconfig::read_from(kubeconfig).unwrap();
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    Client::try_from(
        Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .unwrap(),
    )
    .unwrap()
}

/// Name and ge-executor imageID of each ge-executor pod in dev that is not being deleted.
async fn executor_pods(kubeconfig: &Path) -> Vec<(String, String)> {
    let pods: Api<Pod> = Api::namespaced(client(kubeconfig, "ge-dev").await, "ge-agents");
    let list = pods
        .list(&ListParams::default().labels("app.kubernetes.io/name=ge-executor"))
        .await
        .unwrap();
    list.items
        .into_iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .map(|p| {
            let id = p
                .status
                .and_then(|s| s.container_statuses)
                .and_then(|s| s.into_iter().next())
                .map(|s| s.image_id)
                .unwrap_or_default();
            (p.metadata.name.unwrap_or_default(), id)
        })
        .collect()
}

/// The digest on the build's last line, `==> Built <repository>@sha256:…`.
fn built_digest(output: &str) -> String {
    let line = output
        .lines()
        .find(|l| l.contains("Built ") && l.contains(EXECUTOR))
        .unwrap_or_else(|| panic!("no 'Built' line: {output}"));
    let digest = line.split('@').nth(1).unwrap().trim().to_string();
    assert!(
        digest.starts_with("sha256:") && digest.len() == 71,
        "{digest}"
    );
    digest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_build_then_restart_gives_new_executor_pods_its_digest() {
    let dir = tempfile::tempdir().unwrap();
    let demo = start_demo(dir.path()).await;
    let config = config_with_simulated_build(dir.path(), &demo);
    let before = executor_pods(demo.kubeconfig_path()).await;
    assert!(
        before
            .iter()
            .all(|(_, id)| id.starts_with(EXECUTOR) && id.contains("@sha256:"))
    );

    let output = timeout(
        DEADLINE,
        command(&demo, dir.path(), &config, "succeed").output(),
    )
    .await
    .unwrap()
    .unwrap();
    let out = text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(
        out.contains("#0 building with \"default\" instance using docker driver"),
        "BuildKit's progress: {out}"
    );
    assert!(out.contains("rebuild succeeded (exit 0)"), "{out}");
    assert!(out.contains("rollout succeeded"), "{out}");
    let digest = built_digest(&out);
    assert!(
        out.contains(&format!("digest: {digest} size:")),
        "docker push names it too: {out}"
    );

    let after = executor_pods(demo.kubeconfig_path()).await;
    assert_eq!(after.len(), 2, "{after:?}");
    for (name, id) in &after {
        assert!(
            !before.iter().any(|(old, _)| old == name),
            "{name} is a new pod"
        );
        assert_eq!(
            id,
            &format!("{EXECUTOR}@{digest}"),
            "{name} runs the image just built"
        );
    }
    assert!(
        before.iter().all(|(_, id)| !id.ends_with(&digest)),
        "the old pods ran another image"
    );
    assert_eq!(
        audit(dir.path()),
        ["rebuild succeeded", "restart succeeded"]
    );
    demo.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_simulated_build_restarts_nothing_and_pushes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let demo = start_demo(dir.path()).await;
    let config = config_with_simulated_build(dir.path(), &demo);
    let before = executor_pods(demo.kubeconfig_path()).await;

    let output = timeout(
        DEADLINE,
        command(&demo, dir.path(), &config, "fail").output(),
    )
    .await
    .unwrap()
    .unwrap();
    let out = text(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("ERROR: failed to solve: process"), "{out}");
    assert!(out.contains("SyntaxError: '{' was never closed"), "{out}");
    assert!(out.contains("rebuild failed (exit 1)"), "{out}");
    assert!(out.contains("nothing restarted"), "{out}");
    assert!(!demo.registry_path().exists(), "no push recorded");
    assert_eq!(
        executor_pods(demo.kubeconfig_path()).await,
        before,
        "the same pods, untouched"
    );
    assert_eq!(audit(dir.path()), ["rebuild failed"]);
    demo.shutdown().await;
}

/// Processes whose environment carries `marker` (the build's registry path is unique per test).
fn processes_with(marker: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let zombie = stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
            !zombie && environ.split(|b| *b == 0).any(|v| v == marker.as_bytes())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_simulated_build_is_cancelled_by_ctrl_c_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let demo = start_demo(dir.path()).await;
    let config = config_with_simulated_build(dir.path(), &demo);
    let marker = format!("GE_DEMO_REGISTRY={}", demo.registry_path().display());
    let mut child = command(&demo, dir.path(), &config, "hang")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    loop {
        let line = timeout(DEADLINE, lines.next_line())
            .await
            .expect("the build's output")
            .unwrap();
        let line = line.unwrap_or_else(|| panic!("ended before it hung: {seen:?}"));
        let stalled = line.contains("Collecting fastapi");
        seen.push(line);
        if stalled {
            break;
        }
    }
    assert_eq!(processes_with(&marker).len(), 1, "the build is running");
    let pid = i32::try_from(child.id().unwrap()).unwrap();
    // SAFETY: kill only sends SIGINT to the child this test started.
    unsafe {
        libc::kill(pid, libc::SIGINT);
    }
    while let Some(line) = timeout(DEADLINE, lines.next_line())
        .await
        .expect("it ends")
        .unwrap()
    {
        seen.push(line);
    }
    let status = timeout(DEADLINE, child.wait()).await.unwrap().unwrap();
    let out = seen.join("\n");
    assert_eq!(status.code(), Some(1), "{out}");
    assert!(out.contains("cancelling the build (Ctrl-C)"), "{out}");
    assert!(out.contains("rebuild cancelled"), "{out}");
    assert!(
        processes_with(&marker).is_empty(),
        "no build process left behind"
    );
    assert!(!demo.registry_path().exists(), "nothing pushed");
    assert_eq!(audit(dir.path()), ["rebuild cancelled"]);
    demo.shutdown().await;
}

/// A tmux server of our own (its own socket, no user config) holding one session.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(width: u16, height: u16, home: &Path) -> Tmux {
        let tmux = Tmux {
            socket: format!("ge-console-demo-build-{}", std::process::id()),
        };
        let shell = format!(
            "env HOME='{}' PS1='ready$ ' bash --norc --noprofile",
            home.display()
        );
        tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "ge",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &shell,
        ]);
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        let output = StdCommand::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("run tmux");
        assert!(
            output.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "ge"]).stdout).into_owned()
    }

    /// Waits for one screen showing every one of `texts`.
    fn wait_for_all(&self, texts: &[&str]) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let screen = self.screen();
            if texts.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {texts:?}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = StdCommand::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn tmux_available() -> bool {
    if StdCommand::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return true;
    }
    if std::env::var("GE_CONSOLE_SKIP_TMUX").as_deref() == Ok("1") {
        eprintln!("tmux is not installed; skipped because GE_CONSOLE_SKIP_TMUX=1");
        return false;
    }
    panic!("tmux is not installed: install it, or set GE_CONSOLE_SKIP_TMUX=1 to skip this test");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demos_rebuild_key_runs_the_simulated_build_and_redeploys_its_image() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let tmux = Tmux::start(160, 45, dir.path());
    tmux.wait_for_all(&["ready$"]);
    let command = format!(
        "GE_CONSOLE_STATE='{}' GE_DEMO_BUILD_SECONDS=1 '{}' demo; echo \"console exited $?\"",
        state.display(),
        env!("CARGO_BIN_EXE_ge-console")
    );
    tmux.run(&["send-keys", "-t", "ge", "-l", &command]);
    tmux.run(&["send-keys", "-t", "ge", "Enter"]);
    tmux.wait_for_all(&["Z1 dev", "✓ live", "no action running"]);

    tmux.run(&["send-keys", "-t", "ge", "D"]);
    tmux.wait_for_all(&["Redeploy ge-executor?", "demo-build", "y/enter confirm"]);
    tmux.run(&["send-keys", "-t", "ge", "y"]);
    let screen = tmux.wait_for_all(&[
        "Build log (redeploy) · ✓ succeeded (exit 0)",
        "Built registry.ge.internal/ge-executor@sha256:",
    ]);
    assert!(screen.contains("digest: sha256:"), "{screen}");
    tmux.wait_for_all(&["✓ rollout of ge-agents/deployment/ge-executor succeeded"]);

    let registry: serde_json::Value = serde_json::from_slice(
        &std::fs::read(state.join("demo-registry.json")).expect("the demo's registry"),
    )
    .unwrap();
    let digest = registry["images"][EXECUTOR]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let pods = executor_pods(&state.join("demo-kubeconfig.yaml")).await;
    assert_eq!(pods.len(), 2, "{pods:?}");
    assert!(
        pods.iter()
            .all(|(_, id)| *id == format!("{EXECUTOR}@{digest}")),
        "{pods:?}"
    );

    tmux.run(&["send-keys", "-t", "ge", "Escape"]);
    let deadline = Instant::now() + DEADLINE;
    while tmux.screen().contains("Build log") {
        assert!(Instant::now() < deadline, "the build log stays open");
        std::thread::sleep(Duration::from_millis(100));
    }
    tmux.run(&["send-keys", "-t", "ge", "q"]);
    tmux.wait_for_all(&["console exited 0"]);
}
