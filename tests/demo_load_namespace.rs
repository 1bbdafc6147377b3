//! `--load-namespace`: the demo's extra pods land in the namespace asked for, and the console's
//! cluster layer stores them only when that namespace is one of the zone's (the demo fleet
//! served in-process over real HTTP, watched through the same code as `ge-console snapshot`).

#[path = "demo_common/mod.rs"]
mod demo_common;

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use ge_console::cluster;
use ge_console::config::{DEFAULT_ZONES_TOML, FleetConfig, parse_zones};
use ge_console::demo::{CHURN_LABEL, DemoError, DemoFleet, DemoOptions};
use ge_console::fleet::{Fleet, ZoneState};
use ge_console::snapshot;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, ListParams, WatchEvent, WatchParams};

/// Extra pods per zone: enough to tell "all" from "some", small enough to start fast.
const LOAD: usize = 200;
/// How the generated load pods' names start.
const LOAD_PREFIX: &str = "load-generator-";
const DEADLINE: Duration = Duration::from_secs(60);

async fn start(load_namespace: &str, churn_per_sec: f64) -> (DemoFleet, tempfile::TempDir) {
    demo_common::fleet_with_load(LOAD, load_namespace, churn_per_sec).await
}

fn default_zones() -> FleetConfig {
    parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("<built-in>")).unwrap()
}

/// The load pods each zone serves in `namespace`, checked over HTTP: all of them there, in
/// Deployments' ReplicaSets like any other pod, and the namespace object exists.
async fn assert_served_in(fleet: &DemoFleet, namespace: &str) {
    for context in fleet.contexts() {
        let client = demo_common::client(fleet, &context).await;
        let namespaces: Api<Namespace> = Api::all(client.clone());
        let object = namespaces.get(namespace).await.unwrap();
        assert_eq!(
            object.status.and_then(|s| s.phase).as_deref(),
            Some("Active"),
            "{context}: namespace {namespace}"
        );
        let everywhere: Api<Pod> = Api::all(client.clone());
        let load: Vec<Pod> = everywhere
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .filter(|p| {
                p.metadata
                    .name
                    .as_deref()
                    .is_some_and(|n| n.starts_with(LOAD_PREFIX))
            })
            .collect();
        assert_eq!(load.len(), LOAD, "{context}: load pods in the whole zone");
        for pod in &load {
            assert_eq!(pod.metadata.namespace.as_deref(), Some(namespace));
            let owner = &pod.metadata.owner_references.as_ref().unwrap()[0];
            assert_eq!(owner.kind, "ReplicaSet");
            assert!(owner.name.starts_with(LOAD_PREFIX), "{}", owner.name);
        }
    }
}

/// The console's model of every zone once each has synced, through the cluster layer.
async fn collected(fleet: &DemoFleet) -> Fleet {
    let kubeconfig = cluster::load_kubeconfig(Some(fleet.kubeconfig_path())).unwrap();
    let collected = snapshot::collect(&default_zones(), &kubeconfig, DEADLINE).await;
    for zone in &collected.zones {
        assert_eq!(
            zone.state(),
            ZoneState::Live,
            "{}: {:?}",
            zone.config.name,
            zone.error()
        );
    }
    collected
}

fn stored_load_pods(fleet: &Fleet, zone: usize) -> Vec<(String, String)> {
    fleet.zones[zone]
        .pods
        .keys()
        .filter(|k| k.name.starts_with(LOAD_PREFIX))
        .map(|k| (k.namespace.clone(), k.name.clone()))
        .collect()
}

#[tokio::test]
async fn load_pods_outside_the_ge_namespaces_are_served_but_never_stored() {
    let (fleet, _state) = start("ge-load", 0.0).await;
    assert_served_in(&fleet, "ge-load").await;
    let model = collected(&fleet).await;
    for (index, zone) in model.zones.iter().enumerate() {
        assert!(
            !zone
                .config
                .event_namespaces()
                .iter()
                .any(|n| n == "ge-load"),
            "the test needs ge-load outside {}'s namespaces",
            zone.config.name
        );
        assert_eq!(stored_load_pods(&model, index), [], "{}", zone.config.name);
        assert!(
            zone.pods.keys().all(|k| k.namespace != "ge-load"),
            "{}",
            zone.config.name
        );
        // The zone's own pods are there: it is not empty for another reason.
        assert!(
            zone.pods.keys().any(|k| k.namespace == "ge-agents"),
            "{}",
            zone.config.name
        );
    }
    fleet.shutdown().await;
}

#[tokio::test]
async fn load_pods_in_a_ge_namespace_are_all_stored() {
    let (fleet, _state) = start("ge-agents", 0.0).await;
    assert_served_in(&fleet, "ge-agents").await;
    let model = collected(&fleet).await;
    for (index, zone) in model.zones.iter().enumerate() {
        let stored = stored_load_pods(&model, index);
        assert_eq!(stored.len(), LOAD, "{}", zone.config.name);
        assert!(stored.iter().all(|(ns, _)| ns == "ge-agents"));
        // The seeded workloads of the namespace are still there beside them.
        assert!(
            zone.pods
                .keys()
                .any(|k| k.namespace == "ge-agents" && k.name.starts_with("ge-executor-")),
            "{}",
            zone.config.name
        );
    }
    fleet.shutdown().await;
}

#[tokio::test]
async fn churn_updates_the_load_pods_in_the_namespace_asked_for() {
    let (fleet, _state) = start("ge-agents", 60.0).await;
    let pods: Api<Pod> = Api::all(demo_common::client(&fleet, "ge-dev").await);
    let params = WatchParams::default().labels(CHURN_LABEL).timeout(30);
    let mut stream = pods.watch(&params, "0").await.unwrap().boxed();
    let mut seen = 0;
    while seen < 20 {
        let event = tokio::time::timeout(DEADLINE, stream.try_next())
            .await
            .expect("a churned pod within the deadline")
            .unwrap()
            .expect("the watch stays open");
        let (WatchEvent::Added(pod) | WatchEvent::Modified(pod)) = event else {
            continue;
        };
        assert_eq!(pod.metadata.namespace.as_deref(), Some("ge-agents"));
        let name = pod.metadata.name.unwrap();
        assert!(name.starts_with(LOAD_PREFIX), "churned {name}");
        seen += 1;
    }
    fleet.shutdown().await;
}

#[tokio::test]
async fn churn_counts_restarts_in_the_share_asked_for() {
    let state = tempfile::tempdir().unwrap();
    let fleet = DemoFleet::start(DemoOptions {
        pods_per_zone: LOAD,
        load_namespace: "ge-agents".into(),
        churn_per_sec: 60.0,
        churn_restart_share: 0.5,
        state_dir: state.path().to_path_buf(),
        time_scale: 0.1,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let pods: Api<Pod> = Api::all(demo_common::client(&fleet, "ge-dev").await);
    let params = WatchParams::default().labels(CHURN_LABEL).timeout(30);
    let mut stream = pods.watch(&params, "0").await.unwrap().boxed();
    let (mut updates, mut restarted) = (0, 0);
    while updates < 40 {
        let event = tokio::time::timeout(DEADLINE, stream.try_next())
            .await
            .expect("a churned pod within the deadline")
            .unwrap()
            .expect("the watch stays open");
        let WatchEvent::Modified(pod) = event else {
            continue;
        };
        updates += 1;
        let restarts = pod
            .status
            .and_then(|s| s.container_statuses)
            .and_then(|c| c.first().map(|c| c.restart_count))
            .unwrap_or(0);
        if restarts > 0 {
            restarted += 1;
        }
    }
    // Half the updates count a restart, and a pod churned again keeps its count: at least
    // half of the 40 show one.
    assert!(
        restarted >= 20,
        "{restarted} of {updates} updates show a restart"
    );
    fleet.shutdown().await;
}

#[tokio::test]
async fn a_load_namespace_that_is_not_a_namespace_name_is_refused() {
    let state = tempfile::tempdir().unwrap();
    for bad in ["", "GE-Load", "ge_load", "-load", "load-", &"n".repeat(64)] {
        let error = DemoFleet::start(DemoOptions {
            pods_per_zone: 1,
            load_namespace: bad.to_string(),
            state_dir: state.path().to_path_buf(),
            ..DemoOptions::default()
        })
        .await
        .err()
        .unwrap_or_else(|| panic!("{bad:?} was accepted"));
        assert!(
            matches!(&error, DemoError::InvalidOption(m) if m.contains("load namespace")),
            "{bad:?}: {error}"
        );
    }
}
