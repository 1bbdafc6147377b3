//! The demo fleet driven by the real `kubectl` binary, as a newcomer would use it.
//!
//! kubectl must be on PATH; set `GE_CONSOLE_SKIP_KUBECTL=1` to skip these tests instead of
//! failing when it is not installed.

mod kubectl_on_path;
use kubectl_on_path::kubectl_binary;
use std::path::{Path, PathBuf};
use std::process::Stdio;
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
    fn new(binary: PathBuf, kubeconfig: &Path) -> Kubectl {
        Kubectl {
            binary,
            kubeconfig: kubeconfig.to_path_buf(),
            cache: tempfile::tempdir().unwrap(),
        }
    }

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

    /// Run to completion; panics with kubectl's output when it fails.
    async fn run(&self, context: &str, args: &[&str]) -> String {
        let output = timeout(DEADLINE, self.command(context, args).output())
            .await
            .unwrap_or_else(|_| panic!("kubectl {args:?} timed out"))
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "kubectl {args:?} failed: {stderr}\n{stdout}"
        );
        stdout
    }
}

async fn start() -> Option<(DemoFleet, Kubectl, tempfile::TempDir)> {
    let binary = kubectl_binary()?;
    let state = tempfile::tempdir().unwrap();
    let fleet = DemoFleet::start(DemoOptions {
        churn_per_sec: 6.0,
        state_dir: state.path().to_path_buf(),
        time_scale: 0.1,
        ..Default::default()
    })
    .await
    .unwrap();
    let kubectl = Kubectl::new(binary, fleet.kubeconfig_path());
    Some((fleet, kubectl, state))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_version_shows_the_server_version() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let output = kubectl.run("ge-dev", &["version"]).await;
    // kubectl >= 1.28 prints "Server Version: v1.34.2+k3s1"; 1.20 prints a version.Info struct.
    let server = output
        .lines()
        .find(|l| l.starts_with("Server Version"))
        .unwrap_or_else(|| panic!("{output}"));
    assert!(server.contains("v1.34.2+k3s1"), "{output}");
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_nodes_wide_prints_the_node_columns() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let output = kubectl.run("ge-dev", &["get", "nodes", "-o", "wide"]).await;
    let header = output.lines().next().unwrap();
    for column in [
        "NAME",
        "STATUS",
        "ROLES",
        "AGE",
        "VERSION",
        "INTERNAL-IP",
        "OS-IMAGE",
        "KERNEL-VERSION",
        "CONTAINER-RUNTIME",
    ] {
        assert!(header.contains(column), "missing {column}: {output}");
    }
    let row = output
        .lines()
        .find(|l| l.starts_with("ge-dev-1"))
        .unwrap_or_else(|| panic!("{output}"));
    for cell in [
        "Ready",
        "control-plane",
        "v1.34.2+k3s1",
        "192.168.1.40",
        "containerd://2.1.5-k3s1",
    ] {
        assert!(row.contains(cell), "missing {cell}: {row}");
    }
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_pods_all_namespaces() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let output = kubectl.run("ge-dev", &["get", "pods", "-A"]).await;
    assert!(
        output.lines().next().unwrap().starts_with("NAMESPACE"),
        "{output}"
    );
    let executors: Vec<&str> = output
        .lines()
        .filter(|l| l.starts_with("ge-agents") && l.contains("ge-executor-"))
        .collect();
    assert_eq!(executors.len(), 2, "{output}");
    assert!(
        executors
            .iter()
            .all(|l| l.contains("1/1") && l.contains("Running")),
        "{output}"
    );
    assert!(
        output
            .lines()
            .any(|l| l.contains("helm-install-traefik-") && l.contains("Completed")),
        "{output}"
    );
    assert!(
        output
            .lines()
            .any(|l| l.contains("ge-sandbox-") && l.contains("ContainerCreating")),
        "{output}"
    );
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_workloads_across_namespaces() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let output = kubectl.run("ge-dev", &["get", "deploy,sts,ds", "-A"]).await;
    assert!(output.contains("deployment.apps/ge-executor"), "{output}");
    let executor = output
        .lines()
        .find(|l| l.contains("deployment.apps/ge-executor "))
        .unwrap();
    assert!(executor.contains("2/2"), "{executor}");
    assert!(output.contains("statefulset.apps/postgresql"), "{output}");
    assert!(output.contains("statefulset.apps/redis"), "{output}");
    assert!(output.contains("daemonset.apps/health-checks"), "{output}");
    assert!(output.contains("daemonset.apps/svclb-traefik"), "{output}");
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_rollout_restart_then_status_succeeds() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let restarted = kubectl
        .run(
            "ge-dev",
            &[
                "-n",
                "ge-agents",
                "rollout",
                "restart",
                "deployment/ge-executor",
            ],
        )
        .await;
    assert!(restarted.contains("restarted"), "{restarted}");
    let status = kubectl
        .run(
            "ge-dev",
            &[
                "-n",
                "ge-agents",
                "rollout",
                "status",
                "deployment/ge-executor",
                "--timeout=60s",
            ],
        )
        .await;
    assert!(status.contains("successfully rolled out"), "{status}");
    let sts = kubectl
        .run(
            "ge-staging",
            &["-n", "ge-data", "rollout", "restart", "statefulset/redis"],
        )
        .await;
    assert!(sts.contains("restarted"), "{sts}");
    let status = kubectl
        .run(
            "ge-staging",
            &[
                "-n",
                "ge-data",
                "rollout",
                "status",
                "statefulset/redis",
                "--timeout=60s",
            ],
        )
        .await;
    assert!(
        status.contains("roll out complete") || status.contains("rolling update complete"),
        "{status}"
    );
    kubectl
        .run(
            "ge-production",
            &[
                "-n",
                "ge-monitoring",
                "rollout",
                "restart",
                "daemonset/health-checks",
            ],
        )
        .await;
    let status = kubectl
        .run(
            "ge-production",
            &[
                "-n",
                "ge-monitoring",
                "rollout",
                "status",
                "daemonset/health-checks",
                "--timeout=60s",
            ],
        )
        .await;
    assert!(status.contains("successfully rolled out"), "{status}");
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_watch_prints_churn_changes() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let listed = kubectl
        .run("ge-dev", &["get", "pods", "-A", "--no-headers"])
        .await;
    let initial_rows = listed.lines().count();
    let mut child = kubectl
        .command("ge-dev", &["get", "pods", "-A", "-w"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Header + the initial rows, then every further row is a watch event (churn relabels pods).
    let change = timeout(DEADLINE, async {
        let mut seen = 0;
        while let Some(line) = lines.next_line().await.unwrap() {
            seen += 1;
            if seen > initial_rows + 1 {
                return line;
            }
        }
        panic!("kubectl get -w ended after {seen} lines");
    })
    .await
    .expect("no watch event printed");
    assert!(change.starts_with("ge-"), "churn changes GE pods: {change}");
    child.kill().await.unwrap();
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_reaches_all_three_contexts() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let contexts = kubectl
        .run("ge-dev", &["config", "get-contexts", "-o", "name"])
        .await;
    assert_eq!(
        contexts.lines().collect::<Vec<_>>(),
        ["ge-dev", "ge-production", "ge-staging"]
    );
    for (context, node, version) in [
        ("ge-dev", "ge-dev-1", "v1.34.2+k3s1"),
        ("ge-staging", "ge-staging-default-", "v1.33.5"),
        ("ge-production", "ge-prod-default-", "v1.33.3"),
    ] {
        let nodes = kubectl.run(context, &["get", "nodes"]).await;
        assert!(
            nodes.contains(node) && nodes.contains(version),
            "{context}: {nodes}"
        );
        let pods = kubectl
            .run(context, &["-n", "ge-agents", "get", "pods"])
            .await;
        assert!(pods.contains("ge-executor-"), "{context}: {pods}");
    }
    let crash = kubectl
        .run(
            "ge-staging",
            &[
                "-n",
                "kube-system",
                "get",
                "pods",
                "-l",
                "k8s-app=metrics-server",
            ],
        )
        .await;
    assert!(crash.contains("CrashLoopBackOff"), "{crash}");
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_events_lists_both_zones_troubles() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let staging = kubectl.run("ge-staging", &["get", "events", "-A"]).await;
    let header = staging.lines().next().unwrap();
    for column in [
        "NAMESPACE",
        "LAST SEEN",
        "TYPE",
        "REASON",
        "OBJECT",
        "MESSAGE",
    ] {
        assert!(header.contains(column), "missing {column}: {staging}");
    }
    assert!(
        staging.lines().any(|l| l.starts_with("kube-system")
            && l.contains("Warning")
            && l.contains("BackOff")
            && l.contains("pod/metrics-server-")
            && l.contains("Back-off restarting failed container metrics-server")),
        "{staging}"
    );
    let dev = kubectl
        .run("ge-dev", &["get", "events", "-A", "-o", "wide"])
        .await;
    let wide_header = dev.lines().next().unwrap();
    for column in ["SUBOBJECT", "SOURCE", "FIRST SEEN", "COUNT", "NAME"] {
        assert!(wide_header.contains(column), "missing {column}: {dev}");
    }
    let pull = dev
        .lines()
        .find(|l| l.contains("Error: ErrImagePull"))
        .unwrap_or_else(|| panic!("{dev}"));
    assert!(
        pull.contains("pod/ge-sandbox-") && pull.contains("kubelet, ge-dev-1"),
        "{pull}"
    );
    // The same objects through events.k8s.io.
    let v1 = kubectl
        .run(
            "ge-dev",
            &["get", "events.v1.events.k8s.io", "-A", "-o", "name"],
        )
        .await;
    assert!(
        v1.lines()
            .any(|l| l.starts_with("event.events.k8s.io/ge-sandbox-")),
        "{v1}"
    );
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_events_by_involved_object_shows_only_that_objects_events() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let pods = kubectl
        .run(
            "ge-staging",
            &[
                "-n",
                "kube-system",
                "get",
                "pods",
                "-l",
                "k8s-app=metrics-server",
                "-o",
                "name",
            ],
        )
        .await;
    let pod = pods.trim().trim_start_matches("pod/").to_string();
    let events = kubectl
        .run(
            "ge-staging",
            &[
                "-n",
                "kube-system",
                "get",
                "events",
                "--field-selector",
                &format!("involvedObject.name={pod}"),
            ],
        )
        .await;
    let rows: Vec<&str> = events.lines().skip(1).collect();
    assert!(rows.len() >= 3, "{events}");
    assert!(
        rows.iter().all(|r| r.contains(&format!("pod/{pod}"))),
        "{events}"
    );
    for reason in ["BackOff", "Started", "Created"] {
        assert!(
            rows.iter().any(|r| r.contains(reason)),
            "{reason}: {events}"
        );
    }
    let none = kubectl
        .run(
            "ge-staging",
            &[
                "-n",
                "kube-system",
                "get",
                "events",
                "--field-selector",
                "involvedObject.name=nothing-here",
            ],
        )
        .await;
    assert!(!none.contains("pod/"), "{none}");
    fleet.shutdown().await;
}

/// The rows of `kubectl rollout history`: (revision, change-cause).
fn history_rows(output: &str) -> Vec<(u32, String)> {
    output
        .lines()
        .skip_while(|l| !l.starts_with("REVISION"))
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (revision, cause) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (revision.parse().unwrap(), cause.trim().to_string())
        })
        .collect()
}

/// The image a `kubectl rollout history --revision=N` template runs.
fn template_image(output: &str) -> String {
    output
        .lines()
        .find_map(|l| l.trim().strip_prefix("Image:"))
        .unwrap_or_else(|| panic!("no image in {output}"))
        .trim()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_rollout_history_shows_the_seeded_revisions() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let args = [
        "-n",
        "ge-agents",
        "rollout",
        "history",
        "deployment/ge-executor",
    ];
    let history = kubectl.run("ge-dev", &args).await;
    let rows = history_rows(&history);
    let revisions: Vec<u32> = rows.iter().map(|(r, _)| *r).collect();
    assert_eq!(revisions, [18, 19, 20, 21, 22, 23], "{history}");
    assert!(
        rows.iter().any(|(_, cause)| cause == "<none>")
            && rows.iter().any(|(_, cause)| cause.starts_with("release ")),
        "some revisions record a change-cause: {history}"
    );
    let current = kubectl
        .run("ge-dev", &[&args[..], &["--revision=23"]].concat())
        .await;
    assert_eq!(
        template_image(&current),
        "registry.ge.internal/ge-executor:2026.03.25-7c1e9a2"
    );
    let previous = kubectl
        .run("ge-dev", &[&args[..], &["--revision=22"]].concat())
        .await;
    let image = template_image(&previous);
    assert!(
        image.starts_with("registry.ge.internal/ge-executor:2026.03.")
            && image != template_image(&current),
        "{previous}"
    );
    // Third-party images have the history the seed gives them.
    let staging = kubectl
        .run(
            "ge-staging",
            &[
                "-n",
                "kube-system",
                "rollout",
                "history",
                "deployment/metrics-server",
                "--revision=4",
            ],
        )
        .await;
    assert_eq!(
        template_image(&staging),
        "registry.k8s.io/metrics-server/metrics-server:v0.7.2"
    );
    fleet.shutdown().await;
}

/// kubectl in ge-dev's ge-agents namespace.
async fn in_agents(kubectl: &Kubectl, args: &[&str]) -> String {
    kubectl
        .run("ge-dev", &[&["-n", "ge-agents"][..], args].concat())
        .await
}

/// The image ge-executor's revision `revision` runs.
async fn executor_revision_image(kubectl: &Kubectl, revision: u32) -> String {
    let flag = format!("--revision={revision}");
    template_image(
        &in_agents(
            kubectl,
            &["rollout", "history", "deployment/ge-executor", &flag],
        )
        .await,
    )
}

/// ge-executor's revisions, oldest first.
async fn executor_revisions(kubectl: &Kubectl) -> Vec<u32> {
    history_rows(&in_agents(kubectl, &["rollout", "history", "deployment/ge-executor"]).await)
        .into_iter()
        .map(|(revision, _)| revision)
        .collect()
}

/// Undo ge-executor (to a revision when given) and wait for the rollout to complete; returns
/// the image the Deployment runs then.
async fn undo_executor(kubectl: &Kubectl, to_revision: Option<u32>) -> String {
    let flag = to_revision.map(|r| format!("--to-revision={r}"));
    let mut args = vec!["rollout", "undo", "deployment/ge-executor"];
    args.extend(flag.as_deref());
    let undone = in_agents(kubectl, &args).await;
    assert!(undone.contains("rolled back"), "{undone}");
    let status = in_agents(
        kubectl,
        &[
            "rollout",
            "status",
            "deployment/ge-executor",
            "--timeout=60s",
        ],
    )
    .await;
    assert!(status.contains("successfully rolled out"), "{status}");
    in_agents(
        kubectl,
        &[
            "get",
            "deployment/ge-executor",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_rollout_undo_restores_a_revision_and_the_rollout_completes() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let previous = executor_revision_image(&kubectl, 22).await;
    assert_eq!(undo_executor(&kubectl, None).await, previous);
    assert_eq!(
        executor_revisions(&kubectl).await,
        [18, 19, 20, 21, 23, 24],
        "revision 22 became 24"
    );
    assert_eq!(executor_revision_image(&kubectl, 24).await, previous);

    let chosen = executor_revision_image(&kubectl, 19).await;
    assert_eq!(undo_executor(&kubectl, Some(19)).await, chosen);
    assert_eq!(executor_revisions(&kubectl).await, [18, 20, 21, 23, 24, 25]);
    // Both pods run the restored image.
    let pods = in_agents(
        &kubectl,
        &[
            "get",
            "pods",
            "-l",
            "app.kubernetes.io/name=ge-executor",
            "-o",
            "jsonpath={range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}",
        ],
    )
    .await;
    let images: Vec<&str> = pods.lines().collect();
    assert_eq!(images, [chosen.as_str(), chosen.as_str()], "{pods}");
    fleet.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_ingressclass_storageclass_shows_each_platforms_classes() {
    let Some((fleet, kubectl, _state)) = start().await else {
        return;
    };
    let dev = kubectl
        .run("ge-dev", &["get", "ingressclass,storageclass"])
        .await;
    let row = |output: &str, name: &str| -> Vec<String> {
        output
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} row in:\n{output}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    let traefik = row(&dev, "ingressclass.networking.k8s.io/traefik");
    assert_eq!(traefik[1], "traefik.io/ingress-controller", "{dev}");
    let local_path = row(&dev, "storageclass.storage.k8s.io/local-path");
    assert_eq!(local_path[1], "(default)", "{dev}");
    assert_eq!(local_path[2], "rancher.io/local-path", "{dev}");
    assert_eq!(local_path[4], "WaitForFirstConsumer", "{dev}");

    let staging = kubectl.run("ge-staging", &["get", "storageclass"]).await;
    let block = row(&staging, "upcloud-block-storage");
    assert_eq!(
        block[1..5],
        [
            "(default)",
            "storage.csi.upcloud.com",
            "Delete",
            "WaitForFirstConsumer"
        ],
        "{staging}"
    );
    let output = kubectl
        .command("ge-staging", &["get", "ingressclass"])
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("No resources found"),
        "{output:?}"
    );
    // The short name and the Service off the ports file in staging's ge-data.
    let sc = kubectl
        .run("ge-production", &["get", "sc", "-o", "name"])
        .await;
    assert_eq!(
        sc.trim(),
        "storageclass.storage.k8s.io/upcloud-block-storage"
    );
    let redis = kubectl
        .run(
            "ge-staging",
            &[
                "get",
                "svc",
                "redis",
                "-n",
                "ge-data",
                "-o",
                "jsonpath={.spec.ports[0].port}/{.spec.ports[0].targetPort}",
            ],
        )
        .await;
    assert_eq!(redis, "6379/6381");
    let redis_dev = kubectl
        .run(
            "ge-dev",
            &[
                "get",
                "svc",
                "redis",
                "-n",
                "ge-data",
                "-o",
                "jsonpath={.spec.ports[0].port}",
            ],
        )
        .await;
    assert_eq!(redis_dev, "6381");
    fleet.shutdown().await;
}
