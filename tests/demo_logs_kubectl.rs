//! `kubectl logs` against the demo fleet, as a newcomer would run it: a workload's tail, a
//! followed pod read for a few lines then stopped, the crash-looping pod's previous run, a
//! named container of a two-container pod, and the refusals kubectl prints.
//!
//! kubectl must be on PATH; set `GE_CONSOLE_SKIP_KUBECTL=1` to skip these tests instead of
//! failing when it is not installed.

mod kubectl_on_path;
use kubectl_on_path::kubectl_binary;
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::Duration;

use ge_console::demo::{DemoFleet, DemoOptions};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::time::timeout;

const DEADLINE: Duration = Duration::from_secs(60);

struct Kubectl {
    binary: PathBuf,
    kubeconfig: PathBuf,
    cache: tempfile::TempDir,
}

impl Kubectl {
    fn command(&self, context: &str, args: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.cache.path())
            .arg("--context")
            .arg(context)
            .args(args)
            .env_remove("KUBECONFIG")
            .kill_on_drop(true);
        command
    }

    async fn output(&self, context: &str, args: &[&str]) -> Output {
        timeout(DEADLINE, self.command(context, args).output())
            .await
            .unwrap_or_else(|_| panic!("kubectl {args:?} timed out"))
            .unwrap()
    }

    /// Run to completion; panics with kubectl's output when it fails.
    async fn run(&self, context: &str, args: &[&str]) -> String {
        let output = self.output(context, args).await;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "kubectl {args:?} failed: {}\n{stdout}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    /// The first pod of `namespace` matching `selector`.
    async fn pod(&self, context: &str, namespace: &str, selector: &str) -> String {
        let name = self
            .run(
                context,
                &[
                    "get",
                    "pods",
                    "-n",
                    namespace,
                    "-l",
                    selector,
                    "-o",
                    "jsonpath={.items[0].metadata.name}",
                ],
            )
            .await;
        assert!(!name.is_empty(), "no pod for {selector}");
        name
    }
}

async fn start() -> Option<(DemoFleet, Kubectl, tempfile::TempDir)> {
    let binary = kubectl_binary()?;
    let state = tempfile::tempdir().unwrap();
    let fleet = DemoFleet::start(DemoOptions {
        state_dir: state.path().to_path_buf(),
        time_scale: 0.1,
        log_lines_per_sec: 10.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let kubectl = Kubectl {
        binary,
        kubeconfig: fleet.kubeconfig_path().to_path_buf(),
        cache: tempfile::tempdir().unwrap(),
    };
    Some((fleet, kubectl, state))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_logs_of_a_deployment_tails_one_of_its_pods() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let output = kubectl
        .output(
            "ge-dev",
            &[
                "logs",
                "-n",
                "ge-agents",
                "deployment/ge-executor",
                "--tail=5",
            ],
        )
        .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(
        text.lines().all(|l| l.contains(" ge_executor")),
        "executor lines: {text}"
    );
    let stamped = kubectl
        .run(
            "ge-dev",
            &[
                "logs",
                "-n",
                "ge-agents",
                "deployment/ge-executor",
                "--since=5s",
                "--timestamps",
            ],
        )
        .await;
    assert!(
        stamped.lines().count() >= 10,
        "about 10 lines a second: {stamped}"
    );
    for line in stamped.lines() {
        let time = line.split(' ').next().unwrap();
        assert!(time.parse::<jiff::Timestamp>().is_ok(), "{line}");
    }
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_logs_follow_streams_new_lines_until_stopped() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let pod = kubectl
        .pod("ge-dev", "ge-agents", "app.kubernetes.io/name=ge-executor")
        .await;
    let mut child = kubectl
        .command(
            "ge-dev",
            &["logs", "-f", "--tail=1", "-n", "ge-agents", &pod],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    while seen.len() < 5 {
        // Raw terminal output in the executor's log is not UTF-8; take the text lines only.
        match timeout(DEADLINE, out.next_line())
            .await
            .expect("followed lines keep coming")
        {
            Ok(Some(line)) => seen.push(line),
            Ok(None) => panic!("kubectl stopped following: {seen:?}"),
            Err(_) => continue,
        }
    }
    assert!(seen.iter().all(|l| l.contains("ge_executor")), "{seen:?}");
    child.start_kill().unwrap();
    let status = timeout(DEADLINE, child.wait()).await.unwrap().unwrap();
    assert!(!status.success(), "stopped by us, not finished on its own");
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_logs_previous_shows_the_crash_of_the_crash_looping_pod() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let pod = kubectl
        .pod("ge-staging", "kube-system", "k8s-app=metrics-server")
        .await;
    let previous = kubectl
        .run(
            "ge-staging",
            &["logs", "--previous", "-n", "kube-system", &pod],
        )
        .await;
    let last = previous.trim_end().lines().last().unwrap();
    assert!(last.contains("\"command failed\""), "{previous}");
    assert!(
        last.contains("extension-apiserver-authentication"),
        "{previous}"
    );
    let current = kubectl
        .run("ge-staging", &["logs", "-n", "kube-system", &pod])
        .await;
    assert!(
        current.contains("\"command failed\""),
        "a crash-looping pod shows its last run: {current}"
    );

    let healthy = kubectl
        .pod("ge-dev", "ge-agents", "app.kubernetes.io/name=ge-executor")
        .await;
    let output = kubectl
        .output(
            "ge-dev",
            &["logs", "--previous", "-n", "ge-agents", &healthy],
        )
        .await;
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains(&format!(
            "previous terminated container \"ge-executor\" in pod \"{healthy}\" not found"
        )),
        "{}",
        stderr(&output)
    );
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_logs_names_containers_of_a_two_container_pod() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let exporter = kubectl
        .run(
            "ge-dev",
            &[
                "logs",
                "-n",
                "ge-data",
                "postgresql-0",
                "-c",
                "metrics",
                "--tail=3",
            ],
        )
        .await;
    assert_eq!(exporter.lines().count(), 3);
    assert!(
        exporter.lines().all(|l| l.starts_with("time=")),
        "{exporter}"
    );

    let defaulted = kubectl
        .output(
            "ge-dev",
            &["logs", "-n", "ge-data", "postgresql-0", "--tail=2"],
        )
        .await;
    assert!(defaulted.status.success(), "{}", stderr(&defaulted));
    assert!(
        stderr(&defaulted)
            .contains("Defaulted container \"postgresql\" out of: postgresql, metrics"),
        "{}",
        stderr(&defaulted)
    );
    assert!(String::from_utf8_lossy(&defaulted.stdout).contains(" UTC ["));

    let wrong = kubectl
        .output(
            "ge-dev",
            &["logs", "-n", "ge-data", "postgresql-0", "-c", "nope"],
        )
        .await;
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("container nope is not valid for pod postgresql-0"),
        "{}",
        stderr(&wrong)
    );
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_logs_of_a_pod_stuck_creating_says_why() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let pod = kubectl
        .pod("ge-dev", "ge-agents", "app.kubernetes.io/name=ge-sandbox")
        .await;
    let output = kubectl
        .output("ge-dev", &["logs", "-n", "ge-agents", &pod])
        .await;
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains(&format!(
            "container \"ge-sandbox\" in pod \"{pod}\" is waiting to start: ContainerCreating"
        )),
        "{}",
        stderr(&output)
    );
    fleet.shutdown().await;
}
