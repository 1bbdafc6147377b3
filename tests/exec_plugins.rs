//! Exec credential plugins against the demo fleet over real HTTP: the console runs the plugin
//! itself, so what the plugin prints never reaches the screen (its stderr goes to the log), a
//! plugin that prompts is a zone that needs a login (with the command to run), a failing one
//! shows its message in the zone, a hanging one is given up on, a missing one names its install
//! hint — and the other zones stay live.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ge_console::cluster::{self, LoadedKubeconfig, ZoneClients};
use ge_console::config::{DEFAULT_ZONES_TOML, FleetConfig, parse_zones};
use ge_console::demo::{DemoFleet, DemoOptions};
use ge_console::fleet::{Fleet, LinkStatus, ZoneState};
use kube::config::{ExecConfig, ExecInteractiveMode};
use tokio::sync::mpsc;

const DEADLINE: Duration = Duration::from_secs(30);

/// Writes an executable shell script.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A plugin that says something on stderr and gives the demo zone's token.
const GOOD: &str = r#"echo "PLUGIN-STDERR: opening https://id.ge.internal/device in your browser" >&2
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"2099-01-01T00:00:00Z"}}' "$DEMO_TOKEN""#;

/// A plugin that asks for a password on the terminal.
const PROMPTS: &str = r#"printf 'Password: ' >&2
read -r password || { echo "error: no terminal to read the password from" >&2; exit 1; }
printf '{"status":{"token":"%s"}}' "$password""#;

/// The demo's kubeconfig with zone `context`'s user replaced by `plugin`.
fn with_plugin(demo: &DemoFleet, context: &str, plugin: ExecConfig) -> LoadedKubeconfig {
    let mut loaded = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
    let user = loaded.user_of(context).unwrap();
    let auth = loaded
        .kubeconfig
        .auth_infos
        .iter_mut()
        .find(|a| a.name == user)
        .and_then(|a| a.auth_info.as_mut())
        .unwrap();
    let token = auth.token.take().expect("the demo's users have tokens");
    let mut plugin = plugin;
    let mut env = plugin.env.take().unwrap_or_default();
    env.push(
        [
            ("name".to_string(), "DEMO_TOKEN".to_string()),
            (
                "value".to_string(),
                secrecy::ExposeSecret::expose_secret(&token).to_string(),
            ),
        ]
        .into(),
    );
    plugin.env = Some(env);
    auth.exec = Some(plugin);
    loaded
}

fn plugin(command: &Path, mode: Option<ExecInteractiveMode>) -> ExecConfig {
    ExecConfig {
        api_version: Some("client.authentication.k8s.io/v1".into()),
        command: Some(command.display().to_string()),
        args: Some(vec![
            "get-token".into(),
            "--cluster".into(),
            "ge dev".into(),
        ]),
        interactive_mode: mode,
        ..ExecConfig::default()
    }
}

fn zones() -> FleetConfig {
    parse_zones(DEFAULT_ZONES_TOML, Path::new("<test zones>")).unwrap()
}

async fn demo(state: &Path) -> DemoFleet {
    DemoFleet::start(DemoOptions {
        state_dir: state.to_path_buf(),
        time_scale: 0.1,
        ..DemoOptions::default()
    })
    .await
    .unwrap()
}

/// Watches the fleet through `clients` until dev is live or failed for good; gives dev's
/// state and error, and whether the other zones are live.
async fn dev_after(config: &FleetConfig, clients: &ZoneClients) -> (ZoneState, String, bool) {
    let (tx, mut rx) = mpsc::channel(4096);
    let _tasks = cluster::spawn_fleet_with(config, clients, tx);
    let mut fleet = Fleet::new(config);
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let event = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("dev never settled: {:?}", fleet.zones[0].link))
            .expect("the watchers went away");
        fleet.apply(event);
        let dev = &fleet.zones[0];
        let others_live = fleet.zones[1..]
            .iter()
            .all(|z| z.state() == ZoneState::Live);
        let settled =
            dev.state() == ZoneState::Live || matches!(dev.link, LinkStatus::Failed { .. });
        if settled && others_live {
            let error = dev.error().unwrap_or_default();
            return (dev.state(), error, others_live);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_that_prints_and_gives_a_token_makes_the_zone_live() {
    let state = tempfile::tempdir().unwrap();
    let demo = demo(state.path()).await;
    let good = script(state.path(), "good-plugin", GOOD);
    let kubeconfig = with_plugin(&demo, "ge-dev", plugin(&good, None));
    let clients = ZoneClients::new(kubeconfig);
    let (dev, error, others) = dev_after(&zones(), &clients).await;
    assert_eq!(dev, ZoneState::Live, "{error}");
    assert!(others);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_that_prompts_is_a_zone_that_needs_a_login_with_the_command_to_run() {
    let state = tempfile::tempdir().unwrap();
    let demo = demo(state.path()).await;
    let prompts = script(state.path(), "prompting-plugin", PROMPTS);
    let kubeconfig = with_plugin(&demo, "ge-dev", plugin(&prompts, None));
    let clients = ZoneClients::new(kubeconfig);
    let (dev, error, others) = dev_after(&zones(), &clients).await;
    assert_eq!(dev, ZoneState::Unauthorized, "{error}");
    assert_eq!(
        error,
        format!(
            "login needed: run `{} get-token --cluster 'ge dev'` in a terminal (the plugin said: Password: error: no terminal to read the password from)",
            prompts.display()
        )
    );
    assert!(others, "one zone's plugin never stops the others");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_hanging_or_missing_plugin_says_so_in_the_zone() {
    let state = tempfile::tempdir().unwrap();
    let demo = demo(state.path()).await;
    let config = zones();

    let fails = script(
        state.path(),
        "failing-plugin",
        r#"echo "error: the refresh token has expired" >&2; exit 1"#,
    );
    let kubeconfig = with_plugin(
        &demo,
        "ge-dev",
        plugin(&fails, Some(ExecInteractiveMode::Never)),
    );
    let (dev, error, _) = dev_after(&config, &ZoneClients::new(kubeconfig)).await;
    assert_eq!(dev, ZoneState::Unauthorized, "{error}");
    assert!(
        error.ends_with("failed: error: the refresh token has expired"),
        "{error}"
    );

    let hangs = script(state.path(), "hanging-plugin", "sleep 600");
    let kubeconfig = with_plugin(
        &demo,
        "ge-dev",
        plugin(&hangs, Some(ExecInteractiveMode::Never)),
    );
    let clients = ZoneClients::new(kubeconfig).with_exec_timeout(Duration::from_millis(300));
    let (dev, error, others) = dev_after(&config, &clients).await;
    assert_eq!(dev, ZoneState::Unauthorized, "{error}");
    assert!(error.ends_with("did not answer within 300ms"), "{error}");
    assert!(others);

    let mut missing = plugin(
        &state.path().join("no-such-plugin"),
        Some(ExecInteractiveMode::Never),
    );
    missing.install_hint = Some("install it with: apt install ge-login".into());
    let kubeconfig = with_plugin(&demo, "ge-dev", missing);
    let (dev, error, _) = dev_after(&config, &ZoneClients::new(kubeconfig)).await;
    assert_eq!(dev, ZoneState::Unauthorized, "{error}");
    assert!(
        error.ends_with("is not installed: install it with: apt install ge-login"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_plugin_prints_goes_to_the_log_never_to_the_terminal() {
    let state = tempfile::tempdir().unwrap();
    let demo = demo(state.path()).await;
    let good = script(state.path(), "good-plugin", GOOD);
    let kubeconfig = with_plugin(&demo, "ge-dev", plugin(&good, None));
    let path = state.path().join("plugin-kubeconfig.yaml");
    std::fs::write(
        &path,
        serde_json::to_string(&kubeconfig.kubeconfig).unwrap(),
    )
    .unwrap();
    let console_state = state.path().join("console-state");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ge-console"))
        .arg("--kubeconfig")
        .arg(&path)
        .args(["snapshot", "--format", "json", "--timeout", "20"])
        .env("GE_CONSOLE_STATE", &console_state)
        .env("GE_CONSOLE_CONFIG", state.path().join("no-config"))
        .env("HOME", state.path())
        .env_remove("KUBECONFIG")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(!stdout.contains("PLUGIN-STDERR"), "{stdout}");
    assert!(!stderr.contains("PLUGIN-STDERR"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(report["zones"][0]["state"], "live", "{stdout}");
    let log = std::fs::read_to_string(console_state.join("logs/ge-console.log")).unwrap();
    assert!(
        log.contains("credential plugin: PLUGIN-STDERR: opening https://id.ge.internal/device"),
        "{log}"
    );
}
