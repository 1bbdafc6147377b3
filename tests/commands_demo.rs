//! The scriptable twins `restart` and `rebuild`, run as the real binary against the demo fleet
//! served in-process: exit statuses, guards, kubectl's rules and the audit log.

use std::path::{Path, PathBuf};
use std::process::Output;

use ge_console::demo::{DemoFleet, DemoOptions};

async fn start_demo(state: &Path) -> DemoFleet {
    DemoFleet::start(DemoOptions {
        state_dir: state.to_path_buf(),
        time_scale: 0.1,
        ..DemoOptions::default()
    })
    .await
    .unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A zones file: the built-in zones plus a rebuild command running `script`.
fn config_with_build(dir: &Path, script: &str) -> PathBuf {
    let text = ge_console::config::DEFAULT_ZONES_TOML.replace(
        "argv = [\"bash\", \"ge-ops/infrastructure/local/k3s/executor/build-executor.sh\"]",
        &format!(
            "argv = [\"bash\", {:?}]",
            fixture(script).display().to_string()
        ),
    );
    assert!(
        text.contains(script),
        "the fixture replaced the default build command"
    );
    let path = dir.join("zones.toml");
    std::fs::write(&path, text).unwrap();
    path
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

fn audit_results(state: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(state.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn restart_wait_follows_ge_executor_to_success() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(state.path()).await;
    let o = run(
        &demo,
        state.path(),
        &[
            "restart",
            "dev",
            "ge-agents/deployment/ge-executor",
            "--wait",
            "--timeout",
            "60",
        ],
    )
    .await;
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("restarted in Z1 dev"), "{out}");
    assert!(
        out.contains("\"ge-executor\" rollout to finish")
            || out.contains("successfully rolled out"),
        "{out}"
    );
    assert!(out.contains("rollout succeeded"), "{out}");
    let audit = audit_results(state.path());
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["action"], "restart");
    assert_eq!(audit[0]["result"], "succeeded");
    assert_eq!(audit[0]["zone"], "dev");
    assert_eq!(audit[0]["object"], "ge-agents/deployment/ge-executor");
    assert!(audit[0]["kube_user"].is_string());
    demo.shutdown().await;
}

#[tokio::test]
async fn a_paused_deployment_is_refused_with_kubectls_message() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(state.path()).await;
    let o = run(
        &demo,
        state.path(),
        &["restart", "1", "ge-system/deploy/report-builder"],
    )
    .await;
    let out = text(&o);
    assert_eq!(o.status.code(), Some(4), "{out}");
    assert!(
        out.contains("can't restart paused deployment (run rollout resume first)"),
        "{out}"
    );
    assert_eq!(audit_results(state.path())[0]["result"], "refused");
    demo.shutdown().await;
}

#[tokio::test]
async fn a_rollout_that_cannot_become_available_ends_failed() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(state.path()).await;
    let o = run(
        &demo,
        state.path(),
        &[
            "restart",
            "dev",
            "ge-agents/deployment/ge-sandbox",
            "--wait",
            "--timeout",
            "60",
        ],
    )
    .await;
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("rollout failed"), "{out}");
    assert!(out.contains("exceeded its progress deadline"), "{out}");
    assert_eq!(audit_results(state.path())[0]["result"], "failed");
    demo.shutdown().await;
}

#[tokio::test]
async fn read_only_blocks_the_restart_subcommand() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(state.path()).await;
    let o = run(
        &demo,
        state.path(),
        &[
            "--read-only",
            "restart",
            "dev",
            "ge-agents/deployment/ge-executor",
        ],
    )
    .await;
    let out = text(&o);
    assert_eq!(o.status.code(), Some(4), "{out}");
    assert!(out.contains("read-only"), "{out}");
    demo.shutdown().await;
}

#[tokio::test]
async fn the_protected_zone_demands_its_name() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(state.path()).await;
    let target = "ge-agents/deployment/ge-executor";
    let refused = run(&demo, state.path(), &["restart", "production", target]).await;
    assert_eq!(refused.status.code(), Some(4), "{}", text(&refused));
    assert!(
        text(&refused).contains("--confirm production"),
        "{}",
        text(&refused)
    );
    let wrong = run(
        &demo,
        state.path(),
        &["restart", "production", target, "--confirm", "staging"],
    )
    .await;
    assert_eq!(wrong.status.code(), Some(4), "{}", text(&wrong));
    let ok = run(
        &demo,
        state.path(),
        &[
            "restart",
            "3",
            target,
            "--confirm",
            "production",
            "--wait",
            "--timeout",
            "60",
        ],
    )
    .await;
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    demo.shutdown().await;
}

#[tokio::test]
async fn rebuild_then_restart_redeploys_and_a_failed_build_restarts_nothing() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(state.path()).await;

    let failing = config_with_build(state.path(), "build-fail.sh");
    let o = run(
        &demo,
        state.path(),
        &[
            "--config",
            failing.to_str().unwrap(),
            "rebuild",
            "--then-restart",
        ],
    )
    .await;
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("rebuild failed (exit 3)"), "{out}");
    assert!(out.contains("nothing restarted"), "{out}");
    let audit = audit_results(state.path());
    assert_eq!(audit.len(), 1, "only the build is recorded: {audit:?}");
    assert_eq!(audit[0]["action"], "rebuild");

    let passing = config_with_build(state.path(), "build-ok.sh");
    let o = run(
        &demo,
        state.path(),
        &[
            "--config",
            passing.to_str().unwrap(),
            "rebuild",
            "--then-restart",
            "--timeout",
            "60",
        ],
    )
    .await;
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("rebuild succeeded (exit 0)"), "{out}");
    assert!(
        out.contains("  done"),
        "the script's output is printed: {out}"
    );
    assert!(out.contains("rollout succeeded"), "{out}");
    let actions: Vec<_> = audit_results(state.path())
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["action"].as_str().unwrap(),
                r["result"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        actions,
        ["rebuild failed", "rebuild succeeded", "restart succeeded"]
    );
    demo.shutdown().await;
}

#[tokio::test]
async fn read_only_does_not_run_the_build_script() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(state.path()).await;
    let passing = config_with_build(state.path(), "build-ok.sh");
    let o = run(
        &demo,
        state.path(),
        &[
            "--read-only",
            "--config",
            passing.to_str().unwrap(),
            "rebuild",
        ],
    )
    .await;
    let out = text(&o);
    assert_eq!(o.status.code(), Some(4), "{out}");
    assert!(out.contains("read-only"), "{out}");
    assert!(
        !out.contains("building ge-executor"),
        "the script did not run: {out}"
    );
    assert_eq!(audit_results(state.path())[0]["result"], "refused");
    demo.shutdown().await;
}
