//! Integration tests of the console's cluster layer and snapshot command against the demo
//! fleet, served in-process over real HTTP on loopback and reached through kube-rs.

use std::time::Duration;

use ge_console::cluster::{self, LoadedKubeconfig};
use ge_console::config::{DEFAULT_ZONES_TOML, FleetConfig, ZoneId, parse_zones};
use ge_console::demo::{DemoFleet, DemoOptions};
use ge_console::fleet::{Fleet, FleetEvent, ObjectKey, WorkloadKey, WorkloadKind, ZoneState};
use k8s_openapi::api::core::v1::Pod;
use kube::api::DeleteParams;
use kube::{Api, Client};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

const DEADLINE: Duration = Duration::from_secs(30);

/// The console's model, fed by the real cluster layer, with a way to await a condition.
struct WatchedFleet {
    fleet: Fleet,
    rx: mpsc::Receiver<FleetEvent>,
    _tasks: JoinSet<()>,
}

impl WatchedFleet {
    fn start(config: &FleetConfig, kubeconfig: &LoadedKubeconfig) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        let tasks = cluster::spawn_fleet(config, kubeconfig, tx);
        WatchedFleet {
            fleet: Fleet::new(config),
            rx,
            _tasks: tasks,
        }
    }

    /// Applies events until `done` holds; fails the test with the zones' states on timeout.
    async fn until(&mut self, what: &str, done: impl Fn(&Fleet) -> bool) {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while !done(&self.fleet) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(event)) => self.fleet.apply(event),
                Ok(None) => panic!("event channel closed while waiting for {what}"),
                Err(_) => {
                    let states: Vec<_> = self
                        .fleet
                        .zones
                        .iter()
                        .map(|z| format!("{}={:?} {:?}", z.config.name, z.state(), z.error()))
                        .collect();
                    panic!("timed out waiting for {what}; zones: {states:?}");
                }
            }
        }
    }
}

fn default_zones() -> FleetConfig {
    parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("<built-in>")).unwrap()
}

async fn start_demo(state: &tempfile::TempDir) -> DemoFleet {
    DemoFleet::start(DemoOptions {
        state_dir: state.path().to_path_buf(),
        time_scale: 0.1,
        ..DemoOptions::default()
    })
    .await
    .unwrap()
}

fn all_live(f: &Fleet) -> bool {
    f.zones.iter().all(|z| z.state() == ZoneState::Live)
}

async fn client_for(kubeconfig: &LoadedKubeconfig, config: &FleetConfig, zone: &str) -> Client {
    cluster::zone_client(config.find(zone).unwrap(), kubeconfig)
        .await
        .unwrap()
}

#[tokio::test]
async fn watchers_converge_on_the_served_fleet() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(&state).await;
    let kubeconfig = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
    let config = default_zones();
    let mut watched = WatchedFleet::start(&config, &kubeconfig);
    watched.until("every zone live", all_live).await;

    let dev = watched.fleet.zone(ZoneId(1)).unwrap();
    assert_eq!(dev.server_version.as_deref(), Some("v1.34.2+k3s1"));
    assert!(dev.nodes.contains_key(&ObjectKey::cluster("ge-dev-1")));
    assert!(
        dev.pods
            .keys()
            .any(|k| k.namespace == "kube-system" && k.name.starts_with("coredns-")),
        "coredns pod in kube-system"
    );
    let executor = dev
        .workloads
        .get(&WorkloadKey {
            kind: WorkloadKind::Deployment,
            namespace: "ge-agents".into(),
            name: "ge-executor".into(),
        })
        .expect("ge-executor deployment");
    assert_eq!(executor.desired, 2);
    for zone in &watched.fleet.zones {
        assert!(
            zone.server_version.is_some(),
            "{} has a server version",
            zone.config.name
        );
        for ns in &zone.config.namespaces {
            assert!(
                zone.namespaces
                    .contains_key(&ObjectKey::cluster(ns.as_str())),
                "{} has namespace {ns}",
                zone.config.name
            );
        }
    }
    demo.shutdown().await;
}

#[tokio::test]
async fn a_pod_deleted_on_the_server_disappears_from_the_model() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(&state).await;
    let kubeconfig = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
    let config = default_zones();
    let mut watched = WatchedFleet::start(&config, &kubeconfig);
    watched.until("every zone live", all_live).await;

    let victim = watched
        .fleet
        .zone(ZoneId(2))
        .unwrap()
        .pods
        .keys()
        .find(|k| k.namespace == "ge-system")
        .cloned()
        .expect("a pod in ge-system");
    let client = client_for(&kubeconfig, &config, "staging").await;
    let pods: Api<Pod> = Api::namespaced(client, &victim.namespace);
    pods.delete(&victim.name, &DeleteParams::default().grace_period(0))
        .await
        .unwrap();
    watched
        .until("the deleted pod to disappear", |f| {
            !f.zone(ZoneId(2)).unwrap().pods.contains_key(&victim)
        })
        .await;
    demo.shutdown().await;
}

#[tokio::test]
async fn a_stopped_zone_reconnects_while_the_others_stay_live() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(&state).await;
    let kubeconfig = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
    let config = default_zones();
    let mut watched = WatchedFleet::start(&config, &kubeconfig);
    watched.until("every zone live", all_live).await;

    demo.stop_zone("ge-staging").await.unwrap();
    watched
        .until("staging reconnecting", |f| {
            f.zone(ZoneId(2)).unwrap().state() == ZoneState::Reconnecting
        })
        .await;
    let staging = watched.fleet.zone(ZoneId(2)).unwrap();
    assert!(staging.error().is_some(), "the last error is kept");
    assert!(staging.retry_at().is_some(), "the next retry time is known");
    assert_eq!(
        watched.fleet.zone(ZoneId(1)).unwrap().state(),
        ZoneState::Live
    );
    assert_eq!(
        watched.fleet.zone(ZoneId(3)).unwrap().state(),
        ZoneState::Live
    );
    assert!(
        !staging.pods.is_empty(),
        "last known objects stay visible while reconnecting"
    );

    demo.start_zone("ge-staging").await.unwrap();
    watched.until("every zone live again", all_live).await;
    demo.shutdown().await;
}

#[tokio::test]
async fn a_missing_context_is_not_configured_and_names_the_contexts_there() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(&state).await;
    let kubeconfig = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
    let mut config = default_zones();
    config.zones[2].context = "nowhere".into();
    let mut watched = WatchedFleet::start(&config, &kubeconfig);
    watched
        .until("dev and staging live, production not configured", |f| {
            f.zones[0].state() == ZoneState::Live
                && f.zones[1].state() == ZoneState::Live
                && f.zones[2].state() == ZoneState::NotConfigured
        })
        .await;
    let error = watched.fleet.zones[2].error().unwrap();
    assert!(
        error.contains("\"nowhere\"") && error.contains("ge-dev"),
        "{error}"
    );
    demo.shutdown().await;
}

#[tokio::test]
async fn snapshot_json_reports_every_zone_with_the_documented_fields() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(&state).await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ge-console"))
        .arg("--kubeconfig")
        .arg(demo.kubeconfig_path())
        .args(["snapshot", "--format", "json", "--timeout", "30"])
        .env("GE_CONSOLE_CONFIG", state.path().join("no-config"))
        .env("GE_CONSOLE_STATE", state.path())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("snapshot JSON parses ({e}): {stdout}"));
    let zones = report["zones"].as_array().expect("zones array");
    assert_eq!(zones.len(), 3);
    for zone in zones {
        for field in [
            "name",
            "id",
            "context",
            "environment",
            "platform",
            "owner",
            "state",
            "error",
            "server_version",
            "nodes",
            "pins",
            "system_pods",
            "namespaces",
        ] {
            assert!(zone.get(field).is_some(), "zone has {field}: {zone}");
        }
        assert_eq!(zone["state"], "live", "{}", zone["name"]);
        let node = &zone["nodes"][0];
        for field in [
            "name",
            "ready",
            "kubelet_version",
            "container_runtime",
            "os_image",
        ] {
            assert!(node.get(field).is_some(), "node has {field}");
        }
        for field in ["total", "ready", "problems"] {
            assert!(zone["system_pods"].get(field).is_some());
        }
        let ns = &zone["namespaces"][0];
        assert!(ns.get("name").is_some() && ns.get("pods_not_ready").is_some());
        let workload = ns["workloads"]
            .as_array()
            .and_then(|w| w.first())
            .expect("a workload");
        for field in [
            "kind",
            "name",
            "desired",
            "ready",
            "updated",
            "available",
            "images",
            "rollout",
        ] {
            assert!(workload.get(field).is_some(), "workload has {field}");
        }
    }
    let dev = &zones[0];
    assert_eq!(dev["server_version"], "v1.34.2+k3s1");
    let pins = dev["pins"].as_array().unwrap();
    assert!(
        pins.iter()
            .any(|p| p["component"] == "kubernetes" && p["ok"] == true),
        "{pins:?}"
    );
    // The demo's runbook story reaches checks[]: staging's orchestrator hotfix, which dev never
    // ran, is not via the promotion path.
    let checks = report["checks"].as_array().expect("checks array");
    let drift = checks
        .iter()
        .find(|c| {
            c["id"] == "drift.workload"
                && c["zone"] == "staging"
                && c["subject"] == "ge-system/deployment/orchestrator"
        })
        .unwrap_or_else(|| panic!("no orchestrator drift finding: {checks:#?}"));
    assert_eq!(drift["severity"], "fail");
    assert!(
        drift["message"]
            .as_str()
            .unwrap()
            .contains("not via the promotion path"),
        "{drift}"
    );
    // The demo fleet carries a crash-looping system pod, so a check fails: exit status 1.
    assert_eq!(
        output.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    demo.shutdown().await;
}

#[tokio::test]
async fn snapshot_of_an_unreachable_zone_exits_2() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(&state).await;
    demo.stop_zone("ge-production").await.unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ge-console"))
        .arg("--kubeconfig")
        .arg(demo.kubeconfig_path())
        .args(["snapshot", "--format", "json", "--timeout", "30"])
        .env("GE_CONSOLE_CONFIG", state.path().join("no-config"))
        .env("GE_CONSOLE_STATE", state.path())
        .output()
        .await
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["zones"][2]["state"], "unreachable");
    assert!(report["zones"][2]["error"].is_string());
    assert_eq!(report["zones"][0]["state"], "live");
    assert_eq!(output.status.code(), Some(2));
    demo.shutdown().await;
}
