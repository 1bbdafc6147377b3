//! The real-apiserver tier: the console's watch, reconnect and rollout logic against real
//! Kubernetes 1.20 control planes (etcd, kube-apiserver, controller-manager, scheduler)
//! provisioned on loopback by `tests/real-apiserver/provision.sh`, with a simulated kubelet.
//!
//! Every test is `#[ignore]`d so that a plain `cargo test` lists it as ignored; CI runs
//! `provision.sh start 2` and then `cargo test --test real_apiserver -- --ignored` with
//! `GE_CONSOLE_REAL_APISERVER` set. With `--ignored` but no reachable server, the tests fail.

#[path = "real_apiserver/back_at_once.rs"]
mod back_at_once;
#[path = "real_apiserver/checks.rs"]
mod checks;
mod common;
#[path = "real_apiserver/harness.rs"]
mod harness;
#[path = "real_apiserver/node_agent.rs"]
mod node_agent;
mod pod_pages;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ge_console::actions::ActionError;
use ge_console::actions::undo::UndoOrder;
use ge_console::cluster::mutate::restart_workload;
use ge_console::cluster::rollback::templates_match;
use ge_console::cluster::{self, LoadedKubeconfig, ZoneClients};
use ge_console::fleet::events::workload_events;
use ge_console::fleet::health::{RolloutState, check_pins, rollout_state, workload_pods};
use ge_console::fleet::history::deployment_history;
use ge_console::fleet::report::FleetReport;
use ge_console::fleet::{
    FailureCause, Fleet, KindStatus, LinkStatus, ObjectKey, ResourceKind, WorkloadKey,
    WorkloadKind, ZoneEvent, ZoneModel, ZoneState,
};
use harness::{RunDir, VERSIONS, WatchedFleet, fleet_for, run};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Pod, Secret, ServiceAccount};
use k8s_openapi::api::rbac::v1::ClusterRoleBinding;
use kube::api::{Api, DeleteParams, PostParams};
use kube::config::{AuthInfo, Context, NamedAuthInfo, NamedContext};
use serde_json::json;

/// Every zone is live.
fn all_live(f: &Fleet) -> bool {
    f.zones.iter().all(|z| z.state() == ZoneState::Live)
}

fn key(kind: WorkloadKind, namespace: &str, name: &str) -> WorkloadKey {
    WorkloadKey {
        kind,
        namespace: namespace.into(),
        name: name.into(),
    }
}

/// The seeded fleet is fully there in a zone's model: 3 Ready nodes, kube-system's pods all
/// ready, and each seeded workload ready with its rollout complete.
fn zone_seeded(z: &ZoneModel) -> bool {
    let workloads = [
        (key(WorkloadKind::Deployment, "kube-system", "coredns"), 2),
        (key(WorkloadKind::Deployment, "kube-system", "traefik"), 1),
        (key(WorkloadKind::Deployment, "ge-agents", "ge-executor"), 2),
        (key(WorkloadKind::Deployment, "ge-system", "ge-api"), 1),
        (key(WorkloadKind::StatefulSet, "ge-data", "ge-store"), 2),
        (
            key(WorkloadKind::DaemonSet, "ge-monitoring", "node-exporter"),
            3,
        ),
    ];
    z.state() == ZoneState::Live
        && z.nodes.len() == 3
        && z.nodes.values().all(|n| n.ready)
        && workloads.iter().all(|(k, n)| {
            z.workloads
                .get(k)
                .is_some_and(|w| w.ready == *n && rollout_state(w) == RolloutState::Complete)
                && workload_pods(z, k).iter().filter(|p| p.is_ready()).count() == *n as usize
        })
        && z.pods
            .values()
            .filter(|p| p.namespace == "kube-system")
            .all(|p| p.is_ready())
}

/// What the console's model holds for a zone, as `Kind/namespace/name` lines.
fn model_objects(z: &ZoneModel) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let line = |kind: &str, k: &ObjectKey| format!("{kind}/{}/{}", k.namespace, k.name);
    out.extend(z.nodes.keys().map(|k| line("Node", k)));
    out.extend(z.namespaces.keys().map(|k| line("Namespace", k)));
    out.extend(z.pods.keys().map(|k| line("Pod", k)));
    out.extend(z.replicasets.keys().map(|k| line("ReplicaSet", k)));
    out.extend(
        z.workloads
            .keys()
            .map(|k| format!("{}/{}/{}", k.kind.as_str(), k.namespace, k.name)),
    );
    out
}

/// What `kubectl get` says a zone holds, as `Kind/namespace/name` lines.
fn kubectl_objects(run: &RunDir, context: &str) -> BTreeSet<String> {
    run.kubectl(
        context,
        &[
            "get",
            "nodes,namespaces,pods,replicasets,deployments,statefulsets,daemonsets",
            "--all-namespaces",
            "-o",
            "jsonpath={range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}{\"\\n\"}{end}",
        ],
    )
    .lines()
    .filter(|l| !l.is_empty())
    .map(str::to_string)
    .collect()
}

/// Waits until the model of zone `index` equals `kubectl get` of `context` (the server may
/// still be settling: each mismatch waits for the model's next events, within the deadline).
async fn until_model_equals_kubectl(
    w: &mut WatchedFleet,
    run: &RunDir,
    index: usize,
    context: &str,
) {
    let deadline = tokio::time::Instant::now() + harness::DEADLINE;
    loop {
        let server = kubectl_objects(run, context);
        let model = model_objects(&w.fleet.zones[index]);
        if server == model {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            let missing: Vec<_> = server.difference(&model).collect();
            let stale: Vec<_> = model.difference(&server).collect();
            panic!(
                "zone {index}: model differs from kubectl get: missing {missing:?}, stale {stale:?}"
            );
        }
        w.drain_until(tokio::time::Instant::now() + Duration::from_millis(500))
            .await;
    }
}

/// Restarts a plane's apiserver when dropped if a test stopped it and failed before restarting.
struct ApiserverGuard<'a> {
    run: &'a RunDir,
    plane: usize,
    down: bool,
}

impl ApiserverGuard<'_> {
    fn stop(run: &RunDir, plane: usize) -> ApiserverGuard<'_> {
        run.script(&["stop-apiserver", &plane.to_string()]);
        ApiserverGuard {
            run,
            plane,
            down: true,
        }
    }

    fn start(&mut self) {
        self.run
            .script(&["start-apiserver", &self.plane.to_string()]);
        self.down = false;
    }

    /// The test started the apiserver itself.
    fn mark_started(&mut self) {
        self.down = false;
    }
}

impl Drop for ApiserverGuard<'_> {
    fn drop(&mut self) {
        if self.down {
            self.run
                .script(&["start-apiserver", &self.plane.to_string()]);
        }
    }
}

/// Restores a plane's etcd link when dropped if a test cut it and failed before restoring.
struct EtcdLinkGuard<'a> {
    run: &'a RunDir,
    plane: usize,
    cut: bool,
}

impl EtcdLinkGuard<'_> {
    fn cut(run: &RunDir, plane: usize) -> EtcdLinkGuard<'_> {
        run.script(&["cut-etcd", &plane.to_string()]);
        EtcdLinkGuard {
            run,
            plane,
            cut: true,
        }
    }

    fn restore(&mut self) {
        self.run.script(&["restore-etcd", &self.plane.to_string()]);
        self.cut = false;
    }
}

impl Drop for EtcdLinkGuard<'_> {
    fn drop(&mut self) {
        if self.cut {
            self.run.script(&["restore-etcd", &self.plane.to_string()]);
        }
    }
}

/// Creates a bare pod (no controller) pinned to a node of the plane, and returns its key.
async fn bare_pod(client: &kube::Client, namespace: &str, name: &str, node: &str) -> ObjectKey {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let _ = pods
        .delete(name, &DeleteParams::default().grace_period(0))
        .await;
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "nodeName": node,
            "automountServiceAccountToken": false,
            "containers": [{"name": "probe", "image": "busybox:1.37"}],
        }
    }))
    .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match pods.create(&PostParams::default(), &pod).await {
            Ok(_) => break,
            // The previous run's pod may still be on its way out.
            Err(kube::Error::Api(s)) if s.code == 409 && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("creating pod {namespace}/{name}: {e}"),
        }
    }
    ObjectKey::new(namespace, name)
}

/// Statuses a kind went through in the events recorded from `from` on, for one zone.
fn kind_history(w: &WatchedFleet, from: usize, zone: u32, kind: ResourceKind) -> Vec<KindStatus> {
    w.events[from..]
        .iter()
        .filter(|(_, e)| e.zone.0 == zone)
        .filter_map(|(_, e)| match &e.event {
            ZoneEvent::Kind(k, s) if *k == kind => Some(s.clone()),
            _ => None,
        })
        .collect()
}

#[test]
#[ignore = "needs a real kube-apiserver: see tests/real-apiserver/README.md"]
fn two_real_zones_converge_and_snapshot_reports_them_live() {
    run(|h| async move {
        let run = &h.run;
        assert!(
            run.planes.len() >= 2,
            "this tier needs `provision.sh start 2`"
        );
        let config = fleet_for(run, &[(0, "ge-real-0"), (1, "ge-real-1")]);
        let mut w = WatchedFleet::start(&config, &h.kubeconfig);
        w.until("both zones live with the seeded fleet", |f| {
            f.zones.iter().all(zone_seeded)
        })
        .await;
        for (i, zone) in w.fleet.zones.iter().enumerate() {
            assert_eq!(zone.server_version.as_deref(), Some(VERSIONS[i % 2]));
            for kind in ResourceKind::ALL {
                assert_eq!(
                    zone.kinds.get(&kind),
                    Some(&KindStatus::Synced),
                    "{kind:?} served by 1.20"
                );
            }
            for node in zone.nodes.values() {
                assert_eq!(node.kubelet_version, VERSIONS[i % 2]);
                assert_eq!(node.container_runtime, node_agent::CONTAINER_RUNTIME);
                assert_eq!(node.os_image, node_agent::OS_IMAGE);
            }
            assert!(
                zone.nodes
                    .values()
                    .any(|n| n.roles.iter().any(|r| r == "control-plane")),
                "a control-plane node: {:?}",
                zone.nodes
            );
            let pins = check_pins(zone);
            assert!(pins.iter().all(|p| p.ok), "pins hold: {pins:?}");
            assert!(
                zone.pods
                    .keys()
                    .any(|k| k.namespace == "kube-system" && k.name.starts_with("coredns-")),
                "coredns pods"
            );
        }
        assert_ne!(
            w.fleet.zones[0].server_version,
            w.fleet.zones[1].server_version
        );
        until_model_equals_kubectl(&mut w, run, 0, "ge-real-0").await;
        until_model_equals_kubectl(&mut w, run, 1, "ge-real-1").await;

        // The binary's snapshot reports the same, live.
        let dir = tempfile::tempdir().unwrap();
        let zones_file = dir.path().join("zones.toml");
        std::fs::write(
            &zones_file,
            harness::zones_toml(&[
                ("ge-real-0".into(), run.planes[0].version.clone()),
                ("ge-real-1".into(), run.planes[1].version.clone()),
            ]),
        )
        .unwrap();
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ge-console"))
            .arg("--kubeconfig")
            .arg(&run.kubeconfig)
            .arg("--config")
            .arg(&zones_file)
            .args(["snapshot", "--format", "json", "--timeout", "60"])
            .env("GE_CONSOLE_CONFIG", dir.path().join("config"))
            .env("GE_CONSOLE_STATE", dir.path().join("state"))
            .output()
            .await
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let report: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("snapshot JSON parses ({e}): {stdout}"));
        assert_eq!(
            output.status.code(),
            Some(0),
            "snapshot exits 0 (all live and healthy): {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let zones = report["zones"].as_array().expect("zones");
        assert_eq!(zones.len(), 2);
        for (i, zone) in zones.iter().enumerate() {
            assert_eq!(zone["state"], "live", "{zone}");
            assert_eq!(zone["server_version"], VERSIONS[i % 2]);
            assert_eq!(zone["failed_checks"], json!([]), "{zone}");
            assert_eq!(zone["forbidden"], json!([]));
            let nodes = zone["nodes"].as_array().unwrap();
            assert_eq!(nodes.len(), 3);
            assert!(
                nodes
                    .iter()
                    .all(|n| n["ready"] == true && n["kubelet_version"] == VERSIONS[i % 2])
            );
            assert!(zone["system_pods"]["total"].as_u64().unwrap() >= 3);
            assert_eq!(zone["system_pods"]["total"], zone["system_pods"]["ready"]);
            let agents = zone["namespaces"]
                .as_array()
                .unwrap()
                .iter()
                .find(|n| n["name"] == "ge-agents")
                .expect("ge-agents namespace");
            let executor = agents["workloads"]
                .as_array()
                .unwrap()
                .iter()
                .find(|w| w["name"] == "ge-executor")
                .expect("ge-executor");
            assert_eq!(executor["ready"], 2);
            assert_eq!(executor["rollout"]["state"], "complete");
        }
    });
}

#[test]
#[ignore = "needs a real kube-apiserver: see tests/real-apiserver/README.md"]
fn rollout_restart_completes_and_a_killed_pod_is_replaced() {
    run(|h| async move {
        let run = &h.run;
        let config = fleet_for(run, &[(0, "ge-real-0")]);
        let mut w = WatchedFleet::start(&config, &h.kubeconfig);
        w.until("zone live with the seeded fleet", |f| {
            zone_seeded(&f.zones[0])
        })
        .await;
        let target = key(WorkloadKind::Deployment, "ge-agents", "ge-executor");
        let old_pods: BTreeSet<String> = workload_pods(&w.fleet.zones[0], &target)
            .iter()
            .map(|p| p.name.clone())
            .collect();
        assert_eq!(old_pods.len(), 2, "{old_pods:?}");

        let client = cluster::zone_client(&config.zones[0], &h.kubeconfig)
            .await
            .unwrap();
        let receipt = restart_workload(&client, &target, jiff::Timestamp::now())
            .await
            .expect("restart accepted");
        w.until(
            "the restart's rollout to complete on the new ReplicaSet",
            |f| {
                let z = &f.zones[0];
                let Some(d) = z.workloads.get(&target) else {
                    return false;
                };
                if d.restarted_at.as_deref() != Some(receipt.restarted_at.as_str())
                    || d.observed_generation < receipt.generation
                    || rollout_state(d) != RolloutState::Complete
                {
                    return false;
                }
                let newest = z
                    .replicasets
                    .values()
                    .filter(|rs| {
                        rs.namespace == target.namespace
                            && rs.owner.as_ref().is_some_and(|o| o.name == target.name)
                    })
                    .max_by_key(|rs| rs.revision);
                let Some(newest) = newest else { return false };
                let pods = workload_pods(z, &target);
                pods.len() == 2
                    && pods
                        .iter()
                        .all(|p| p.is_ready() && p.template_hash == newest.template_hash)
                    && pods.iter().all(|p| !old_pods.contains(&p.name))
            },
        )
        .await;
        let d = &w.fleet.zones[0].workloads[&target];
        assert_eq!((d.desired, d.updated, d.ready, d.available), (2, 2, 2, 2));

        // A pod killed on the server is replaced, and the model follows.
        let victim = workload_pods(&w.fleet.zones[0], &target)[0].name.clone();
        let pods: Api<Pod> = Api::namespaced(client.clone(), &target.namespace);
        pods.delete(&victim, &DeleteParams::default())
            .await
            .unwrap();
        w.until("the killed pod gone and a replacement ready", |f| {
            let z = &f.zones[0];
            let pods = workload_pods(z, &target);
            !z.pods
                .contains_key(&ObjectKey::new(&target.namespace, &victim))
                && pods.len() == 2
                && pods.iter().all(|p| p.is_ready())
        })
        .await;
        until_model_equals_kubectl(&mut w, run, 0, "ge-real-0").await;
    });
}

#[test]
#[ignore = "needs a real kube-apiserver: see tests/real-apiserver/README.md"]
fn a_stopped_apiserver_reconnects_and_nothing_stale_remains() {
    run(|h| async move {
        let run = &h.run;
        let config = fleet_for(run, &[(0, "ge-real-0"), (1, "ge-real-1")]);
        let client = cluster::zone_client(&config.zones[1], &h.kubeconfig)
            .await
            .unwrap();
        let probe = bare_pod(&client, "ge-data", "outage-probe", "z2-agent-0").await;
        let mut w = WatchedFleet::start(&config, &h.kubeconfig);
        w.until("both live, the probe pod running in staging", |f| {
            all_live(f) && f.zones[1].pods.get(&probe).is_some_and(|p| p.is_ready())
        })
        .await;
        let mark = w.events.len();

        let mut apiserver = ApiserverGuard::stop(run, 1);
        w.until("staging reconnecting", |f| {
            f.zones[1].state() == ZoneState::Reconnecting
        })
        .await;
        let staging = &w.fleet.zones[1];
        assert!(staging.error().is_some(), "the last error is shown");
        assert!(staging.retry_at().is_some(), "the next retry time is known");
        assert!(
            staging.pods.contains_key(&probe),
            "last known objects stay while reconnecting"
        );
        assert_eq!(w.fleet.zones[0].state(), ZoneState::Live);

        // While the apiserver is down, the pod goes away in the store itself: the console
        // cannot see a delete event for it, only a relist can drop it.
        let deleted = run.etcdctl(1, &["del", "/registry/pods/ge-data/outage-probe"]);
        assert_eq!(deleted.trim(), "1", "the probe pod's key was in etcd");
        apiserver.start();

        w.until("staging live again without the probe pod", |f| {
            f.zones[1].state() == ZoneState::Live && !f.zones[1].pods.contains_key(&probe)
        })
        .await;
        until_model_equals_kubectl(&mut w, run, 1, "ge-real-1").await;
        until_model_equals_kubectl(&mut w, run, 0, "ge-real-0").await;
        let dev_trouble: Vec<_> = w.events[mark..]
            .iter()
            .filter(|(_, e)| e.zone == config.zones[0].id)
            .filter(|(_, e)| {
                matches!(
                    e.event,
                    ZoneEvent::Kind(_, KindStatus::Failed { .. })
                        | ZoneEvent::Link(LinkStatus::Failed { .. })
                )
            })
            .collect();
        assert!(dev_trouble.is_empty(), "dev stayed live: {dev_trouble:?}");
        assert_eq!(w.fleet.zones[0].state(), ZoneState::Live);
    });
}

#[test]
#[ignore = "needs a real kube-apiserver: see tests/real-apiserver/README.md"]
fn compaction_past_the_watch_gives_410_and_the_console_relists() {
    run(|h| async move {
        let run = &h.run;
        let config = fleet_for(run, &[(1, "ge-real-1")]);
        let client = cluster::zone_client(&config.zones[0], &h.kubeconfig)
            .await
            .unwrap();
        let probe = bare_pod(&client, "ge-data", "compaction-probe", "z2-agent-1").await;
        let mut w = WatchedFleet::start(&config, &h.kubeconfig);
        w.until("zone live with the probe pod running", |f| {
            all_live(f) && f.zones[0].pods.get(&probe).is_some_and(|p| p.is_ready())
        })
        .await;
        let mark = w.events.len();

        // Cut the apiserver off etcd, delete the probe in etcd, write once more and compact
        // at the newest revision: every watch the apiserver had open on etcd is now older than
        // the compaction. When the link comes back, the apiserver's watch cache gets
        // ErrCompacted, relists from etcd and ends its client watches; the console's watcher
        // resumes at its last resourceVersion, which the cache no longer has: 410 Gone.
        let mut link = EtcdLinkGuard::cut(run, 1);
        let deleted = run.etcdctl(1, &["del", "/registry/pods/ge-data/compaction-probe"]);
        assert_eq!(deleted.trim(), "1", "the probe pod's key was in etcd");
        let put = run.etcdctl(
            1,
            &[
                "put",
                "/ge-console-test/compaction-marker",
                "x",
                "-w",
                "json",
            ],
        );
        let revision =
            serde_json::from_str::<serde_json::Value>(&put).unwrap()["header"]["revision"]
                .as_u64()
                .expect("etcd revision");
        let compacted = run.etcdctl(1, &["compact", &revision.to_string()]);
        assert!(compacted.contains("compacted revision"), "{compacted}");
        link.restore();

        w.until("the probe pod gone after the relist", |f| {
            f.zones[0].state() == ZoneState::Live && !f.zones[0].pods.contains_key(&probe)
        })
        .await;
        let pods = kind_history(&w, mark, config.zones[0].id.0, ResourceKind::Pods);
        assert!(
            pods.contains(&KindStatus::Syncing),
            "pods relisted after the 410: {pods:?}"
        );
        assert!(
            !pods.iter().any(|s| matches!(s, KindStatus::Failed { .. })),
            "a 410 is a relist, not a failure: {pods:?}"
        );
        until_model_equals_kubectl(&mut w, run, 0, "ge-real-1").await;
        let _ = run.etcdctl(1, &["del", "/ge-console-test/compaction-marker"]);
    });
}

#[test]
#[ignore = "needs a real kube-apiserver: see tests/real-apiserver/README.md"]
fn a_reader_with_view_in_one_namespace_sees_it_and_each_other_namespace_says_forbidden() {
    run(|h| async move {
        let run = &h.run;
        let config = fleet_for(run, &[(0, "ge-real-0-reader")]);
        let mut w = WatchedFleet::start(&config, &h.kubeconfig);
        let executor = key(WorkloadKind::Deployment, "ge-agents", "ge-executor");
        w.until(
            "the reader's zone live with ge-executor and its pods",
            |f| {
                let z = &f.zones[0];
                all_live(f)
                    && z.workloads.contains_key(&executor)
                    && z.pods.keys().filter(|k| k.namespace == "ge-agents").count() >= 2
            },
        )
        .await;
        let z = &w.fleet.zones[0];
        // What `view` in ge-agents gives: ge-executor, its pods and ReplicaSets, nothing else.
        assert!(
            z.workloads.keys().all(|k| k.namespace == "ge-agents"),
            "{:?}",
            z.workloads.keys().collect::<Vec<_>>()
        );
        assert!(z.pods.keys().all(|k| k.namespace == "ge-agents"));
        assert!(
            z.replicasets
                .values()
                .any(|rs| rs.namespace == "ge-agents" && rs.name.starts_with("ge-executor-")),
            "ge-executor's ReplicaSet is seen"
        );
        assert_eq!(z.kinds[&ResourceKind::Nodes], KindStatus::Synced);
        assert_eq!(z.kinds[&ResourceKind::Namespaces], KindStatus::Synced);
        assert_eq!(z.nodes.len(), 3);
        assert_eq!(z.server_version.as_deref(), Some(VERSIONS[0]));
        // Every other namespace of the zone says forbidden, per kind, in the zone's order.
        let others = ["ge-system", "ge-data", "ge-monitoring", "kube-system"];
        for kind in [
            ResourceKind::Pods,
            ResourceKind::ReplicaSets,
            ResourceKind::Deployments,
            ResourceKind::StatefulSets,
            ResourceKind::DaemonSets,
            ResourceKind::Events,
            ResourceKind::Services,
        ] {
            match &z.kinds[&kind] {
                KindStatus::ForbiddenIn {
                    namespaces,
                    cluster_wide,
                    message,
                } => {
                    assert_eq!(namespaces, &others, "{kind:?}");
                    assert!(message.contains("ge-reader"), "{kind:?}: {message}");
                    // Workloads are watched cluster-wide first (for the placement check).
                    let workload = matches!(
                        kind,
                        ResourceKind::Deployments
                            | ResourceKind::StatefulSets
                            | ResourceKind::DaemonSets
                    );
                    assert_eq!(*cluster_wide, workload, "{kind:?}");
                }
                other => panic!("{kind:?}: {other:?}"),
            }
        }
        // The classes are cluster-scoped: refused outright.
        let refused: BTreeSet<ResourceKind> =
            z.forbidden_kinds().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            refused,
            BTreeSet::from([ResourceKind::IngressClasses, ResourceKind::StorageClasses])
        );
        assert_eq!(z.state(), ZoneState::Live);

        let report = FleetReport::of(&w.fleet);
        let zone = &report.zones[0];
        let pods = zone
            .forbidden
            .iter()
            .find(|f| f.kind == "pods")
            .expect("pods in the report's forbidden list");
        assert_eq!(pods.namespaces, others);
        assert!(
            zone.failed_checks
                .iter()
                .any(|c| c == "pods cannot be checked in ge-system, ge-data, ge-monitoring, kube-system: forbidden"),
            "{:?}",
            zone.failed_checks
        );
        // Events, Services and the classes are optional: refusing them fails no check.
        assert!(
            !zone.failed_checks.iter().any(|c| {
                ["events", "services", "ingressclasses", "storageclasses"]
                    .iter()
                    .any(|kind| c.starts_with(kind))
            }),
            "{:?}",
            zone.failed_checks
        );
        // The placement check needs every namespace's workloads: it says it could not look.
        let checked = ge_console::snapshot::report_checked(
            &w.fleet,
            &config,
            jiff::Timestamp::now(),
            &ge_console::fleet::checks::KubectlClient::NotProbed,
            &[],
            &ge_console::config::built_in_ports(),
        );
        assert!(
            checked.checks.iter().any(|c| c.id
                == ge_console::fleet::checks::CheckId::PlacementNamespace
                && c.severity == ge_console::fleet::checks::CheckSeverity::Unknown
                && c.subject == "deployments"
                && c.message.contains("cluster-wide")),
            "{:?}",
            checked.checks
        );
    });
}

/// Kubeconfig = the run's, plus a context `name` on plane 0 whose token is read from `token`.
fn with_token_context(
    base: &LoadedKubeconfig,
    name: &str,
    token: &std::path::Path,
) -> LoadedKubeconfig {
    let mut k = base.clone();
    k.kubeconfig.auth_infos.push(NamedAuthInfo {
        name: name.into(),
        auth_info: Some(AuthInfo {
            token_file: Some(token.display().to_string()),
            ..AuthInfo::default()
        }),
        ..NamedAuthInfo::default()
    });
    k.kubeconfig.contexts.push(NamedContext {
        name: name.into(),
        context: Some(Context {
            cluster: "ge-real-0".into(),
            user: Some(name.into()),
            ..Context::default()
        }),
        ..NamedContext::default()
    });
    k
}

/// Failed events per kind (and the link) within `window` of each one's first failure.
fn failures_per_source(w: &WatchedFleet, from: usize, window: Duration) -> BTreeMap<String, usize> {
    let mut first: BTreeMap<String, tokio::time::Instant> = BTreeMap::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (at, e) in &w.events[from..] {
        let source = match &e.event {
            ZoneEvent::Kind(
                k,
                KindStatus::Failed {
                    cause: FailureCause::Unauthorized,
                    ..
                },
            ) => format!("{k:?}"),
            ZoneEvent::Link(LinkStatus::Failed {
                cause: FailureCause::Unauthorized,
                ..
            }) => "link".into(),
            _ => continue,
        };
        let start = *first.entry(source.clone()).or_insert(*at);
        if *at <= start + window {
            *counts.entry(source).or_default() += 1;
        }
    }
    counts
}

#[test]
#[ignore = "needs a real kube-apiserver: see tests/real-apiserver/README.md"]
fn a_revoked_token_is_unauthorized_without_a_busy_retry_loop() {
    run(|h| async move {
        let run = &h.run;
        let admin_config = fleet_for(run, &[(0, "ge-real-0")]);
        let admin = cluster::zone_client(&admin_config.zones[0], &h.kubeconfig)
            .await
            .unwrap();
        // A ServiceAccount whose token the console uses; deleting its token Secret revokes it
        // (the apiserver looks the Secret up on every request).
        let sa_name = "ge-console-revocable";
        let sas: Api<ServiceAccount> = Api::namespaced(admin.clone(), "ge-system");
        let crbs: Api<ClusterRoleBinding> = Api::all(admin.clone());
        let _ = sas.delete(sa_name, &DeleteParams::default()).await;
        let _ = crbs.delete(sa_name, &DeleteParams::default()).await;
        let sa: ServiceAccount = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": sa_name, "namespace": "ge-system"},
        }))
        .unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while let Err(e) = sas.create(&PostParams::default(), &sa).await {
            assert!(
                tokio::time::Instant::now() < deadline,
                "creating the ServiceAccount: {e}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let crb: ClusterRoleBinding = serde_json::from_value(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": sa_name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "ge-console-read"},
            "subjects": [{"kind": "ServiceAccount", "name": sa_name, "namespace": "ge-system"}],
        }))
        .unwrap();
        crbs.create(&PostParams::default(), &crb).await.unwrap();
        let secrets: Api<Secret> = Api::namespaced(admin.clone(), "ge-system");
        let (secret_name, token) = loop {
            let sa = sas.get(sa_name).await.unwrap();
            if let Some(name) = sa
                .secrets
                .unwrap_or_default()
                .into_iter()
                .find_map(|r| r.name)
            {
                let secret = secrets.get(&name).await.unwrap();
                if let Some(token) = secret.data.and_then(|d| d.get("token").cloned()) {
                    break (name, String::from_utf8(token.0).unwrap());
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the token controller made no token"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let dir = tempfile::tempdir().unwrap();
        let token_file = dir.path().join("token");
        std::fs::write(&token_file, &token).unwrap();
        let kubeconfig = with_token_context(&h.kubeconfig, "ge-real-0-revocable", &token_file);
        let config = fleet_for(run, &[(0, "ge-real-0-revocable")]);

        // Live with the token first.
        let mut w = WatchedFleet::start(&config, &kubeconfig);
        w.until("the zone live with the ServiceAccount token", all_live)
            .await;

        // Revoke, and wait until the server refuses the token.
        secrets
            .delete(&secret_name, &DeleteParams::default())
            .await
            .unwrap();
        let probe = cluster::zone_client(&config.zones[0], &kubeconfig)
            .await
            .unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            match Api::<k8s_openapi::api::core::v1::Namespace>::all(probe.clone())
                .list(&Default::default())
                .await
            {
                Err(kube::Error::Api(s)) if s.code == 401 => break,
                other => {
                    assert!(
                        tokio::time::Instant::now() < deadline,
                        "token still accepted: {other:?}"
                    );
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        // Open watches were authenticated when they started and live on until they end; a
        // restart of the apiserver ends them as a watch timeout or a dropped connection would.
        let mut apiserver = ApiserverGuard::stop(run, 0);
        apiserver.start();
        w.until("the live console's zone unauthorized", |f| {
            f.zones[0].state() == ZoneState::Unauthorized
        })
        .await;
        drop(w);

        // A console started with the revoked token: unauthorized at once, and its retries
        // follow the exponential backoff (800 ms doubling, jittered up to 2x, max 30 s): at most
        // 4 attempts per watcher in 10 s, where a busy loop would make hundreds.
        let mut w = WatchedFleet::start(&config, &kubeconfig);
        let started = tokio::time::Instant::now();
        let started_wall = jiff::Timestamp::now();
        w.until("a fresh console unauthorized", |f| {
            f.zones[0].state() == ZoneState::Unauthorized
        })
        .await;
        let window = Duration::from_secs(10);
        w.drain_until(started + window + Duration::from_secs(2))
            .await;
        assert_eq!(w.fleet.zones[0].state(), ZoneState::Unauthorized);
        let counts = failures_per_source(&w, 0, window);
        assert!(!counts.is_empty(), "401s were reported: {}", w.describe());
        for (source, n) in &counts {
            assert!(
                *n <= 4,
                "{source}: {n} attempts in {window:?}: a busy retry loop ({counts:?})"
            );
        }
        let total: usize = counts.values().sum();
        eprintln!("401 attempts per source in {window:?}: {counts:?} (total {total})");
        // The server's side of it: the 401s its audit log recorded in the same window.
        let audit = std::fs::read_to_string(run.dir.join("plane-0/audit.log")).unwrap();
        let window_end = started_wall + window;
        let refused = audit
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|e| e["responseStatus"]["code"] == 401)
            .filter_map(|e| {
                e["requestReceivedTimestamp"]
                    .as_str()?
                    .parse::<jiff::Timestamp>()
                    .ok()
            })
            .filter(|t| *t >= started_wall && *t <= window_end)
            .count();
        eprintln!("401s in the apiserver's audit log in that window: {refused}");
        assert!(
            (1..=total + 1).contains(&refused),
            "the apiserver refused {refused} requests in {window:?}, the console reported {total}"
        );
        let error = w.fleet.zones[0].error().unwrap_or_default();
        assert!(error.contains("401"), "the error names the 401: {error}");

        let _ = crbs.delete(sa_name, &DeleteParams::default()).await;
        let _ = sas.delete(sa_name, &DeleteParams::default()).await;
    });
}

/// A fresh Deployment `name` in ge-agents (one replica), deleted first with everything it owns
/// if an earlier run left it behind.
async fn fresh_deployment(client: &kube::Client, name: &str) {
    let api: Api<Deployment> = Api::namespaced(client.clone(), "ge-agents");
    let _ = api.delete(name, &DeleteParams::foreground()).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while api.get_opt(name).await.unwrap().is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name} left over from an earlier run is not gone"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let deployment: Deployment = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "ge-agents"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "automountServiceAccountToken": false,
                    "terminationGracePeriodSeconds": 5,
                    "containers": [{"name": "probe", "image": "busybox:1.37"}],
                },
            },
        }
    }))
    .unwrap();
    api.create(&PostParams::default(), &deployment)
        .await
        .unwrap();
}

/// The Deployment's history in the model is `revisions` (newest first) and its rollout is
/// complete at `generation` or later.
fn settled_at(z: &ZoneModel, target: &WorkloadKey, revisions: &[i64], generation: i64) -> bool {
    let history: Vec<i64> = deployment_history(z, target)
        .iter()
        .map(|r| r.revision)
        .collect();
    history == revisions
        && z.workloads.get(target).is_some_and(|d| {
            d.observed_generation >= generation && rollout_state(d) == RolloutState::Complete
        })
}

#[test]
#[ignore = "needs a real kube-apiserver: see tests/real-apiserver/README.md"]
fn undo_brings_revision_one_back_as_revision_three_and_a_reader_gets_the_servers_403() {
    run(|h| async move {
        let run = &h.run;
        let config = fleet_for(run, &[(0, "ge-real-0")]);
        let reader_config = fleet_for(run, &[(0, "ge-real-0-reader")]);
        let client = cluster::zone_client(&config.zones[0], &h.kubeconfig)
            .await
            .unwrap();
        let target = key(WorkloadKind::Deployment, "ge-agents", "undo-probe");
        fresh_deployment(&client, &target.name).await;
        let mut w = WatchedFleet::start(&config, &h.kubeconfig);
        w.until("revision 1 rolled out", |f| {
            settled_at(&f.zones[0], &target, &[1], 1)
        })
        .await;
        let receipt = restart_workload(&client, &target, jiff::Timestamp::now())
            .await
            .expect("restart accepted");
        w.until("revision 2 rolled out", |f| {
            settled_at(&f.zones[0], &target, &[2, 1], receipt.generation)
        })
        .await;
        let history = deployment_history(&w.fleet.zones[0], &target);
        let first = history[1].replica_set.clone();
        let replica_sets: Api<ReplicaSet> = Api::namespaced(client.clone(), "ge-agents");
        let first_template = serde_json::to_value(
            replica_sets
                .get(&first)
                .await
                .unwrap()
                .spec
                .unwrap()
                .template,
        )
        .unwrap();
        let deployments: Api<Deployment> = Api::namespaced(client.clone(), "ge-agents");
        let template_now = || async {
            serde_json::to_value(
                deployments
                    .get(&target.name)
                    .await
                    .unwrap()
                    .spec
                    .unwrap()
                    .template,
            )
            .unwrap()
        };
        let restarted_template = template_now().await;
        assert!(!templates_match(&restarted_template, &first_template));

        // A reader may read the history but not patch: the server's 403, word for word.
        let order = |zone: &ge_console::config::ZoneConfig| UndoOrder {
            zone: zone.clone(),
            target: target.clone(),
            to_revision: None,
            confirmation: None,
            asked: jiff::Timestamp::now(),
        };
        // Clients are cached per zone: the reader's zone gets a cache of its own.
        let reader_clients = ZoneClients::new(h.kubeconfig.clone());
        let refused = order(&reader_config.zones[0]).send(&reader_clients).await;
        let Err(ActionError::Forbidden(message)) = refused else {
            panic!("a 403: {refused:?}");
        };
        assert!(
            message.contains("User \"ge-reader\" cannot patch resource \"deployments\""),
            "{message}"
        );
        assert_eq!(template_now().await, restarted_template, "nothing changed");

        // The admin's undo: revision 1's template is the Deployment's again, as revision 3.
        let clients = ZoneClients::new(h.kubeconfig.clone());
        let undone = order(&config.zones[0]).send(&clients).await.unwrap();
        assert_eq!((undone.revision, undone.skipped), (1, false));
        assert_eq!(undone.replica_set, first);
        w.until(
            "revision 1's ReplicaSet rolled out again as revision 3",
            |f| {
                settled_at(&f.zones[0], &target, &[3, 2], undone.generation)
                    && deployment_history(&f.zones[0], &target)[0].replica_set == first
            },
        )
        .await;
        assert!(
            templates_match(&template_now().await, &first_template),
            "the Deployment's template is revision 1's"
        );
        let first_hash = w.fleet.zones[0].replicasets[&ObjectKey::new("ge-agents", &first)]
            .template_hash
            .clone();
        w.until(
            "only revision 1's pods left (the old ones terminated)",
            |f| {
                let pods = workload_pods(&f.zones[0], &target);
                !pods.is_empty() && pods.iter().all(|p| p.template_hash == first_hash)
            },
        )
        .await;
        // kubectl reads the same history.
        let kubectl = run.kubectl(
            "ge-real-0",
            &[
                "-n",
                "ge-agents",
                "rollout",
                "history",
                "deployment/undo-probe",
            ],
        );
        let revisions: Vec<&str> = kubectl
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|r| r.parse::<i64>().is_ok())
            .collect();
        assert_eq!(revisions, ["2", "3"], "{kubectl}");
        deployments
            .delete(&target.name, &DeleteParams::foreground())
            .await
            .unwrap();
    });
}

/// Logs on a server without a container runtime: the node agent makes pods Running, but no
/// kubelet serves their logs. The log pane (the console's real core) says the server's words
/// within seconds, and `ge-console logs` exits 1 with them: neither hangs.
#[test]
#[ignore = "needs a real kube-apiserver: see tests/real-apiserver/README.md"]
fn logs_without_a_container_runtime_fail_fast_with_the_servers_message() {
    use ge_console::actions::guard::Guards;
    use ge_console::cluster::logs::CONNECT_TIMEOUT;
    use ge_console::ui::UiOutcome;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    run(|h| async move {
        let run = &h.run;
        let config = fleet_for(run, &[(0, "ge-real-0")]);
        let mut w = WatchedFleet::start(&config, &h.kubeconfig);
        w.until("zone live with the seeded fleet", |f| {
            zone_seeded(&f.zones[0])
        })
        .await;
        let target = key(WorkloadKind::Deployment, "ge-agents", "ge-executor");
        let pod = workload_pods(&w.fleet.zones[0], &target)[0].name.clone();

        // The pane: the console's core over the live model, `e` then `L` on the first pod.
        let state = tempfile::tempdir().unwrap();
        let (mut core, mut events) =
            ge_console::app::core::ConsoleCore::new(ge_console::app::core::CoreParts {
                fleet: w.fleet.clone(),
                actions: ge_console::actions::ActionContext::new(
                    config.clone(),
                    cluster::ZoneClients::new(h.kubeconfig.clone()),
                    Guards::default(),
                    state.path().to_path_buf(),
                ),
                keymap: ge_console::ui::Keymap::default_map(),
                theme: ge_console::ui::Theme::default_theme(),
                options: ge_console::ui::UiOptions {
                    read_only: false,
                    keymap_name: "default".into(),
                },
                time: ge_console::clock::TimeSource::System,
            });
        let press = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let render = |core: &mut ge_console::app::core::ConsoleCore| {
            let area = ratatui::layout::Rect::new(0, 0, 160, 30);
            let mut buf = ratatui::buffer::Buffer::empty(area);
            core.draw(&mut buf, area);
            let width = usize::from(buf.area.width);
            buf.content
                .chunks(width)
                .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
                .collect::<Vec<_>>()
                .join("\n")
        };
        core.on_key(press('e'));
        render(&mut core);
        let selected = core.ui().selected().cloned();
        assert!(
            matches!(&selected, Some(ge_console::ui::RowKey::Pod(k)) if k.name.starts_with("ge-executor-")),
            "{selected:?}"
        );
        let started = tokio::time::Instant::now();
        let outcome = core.on_key(KeyEvent::new(KeyCode::Char('L'), KeyModifiers::SHIFT));
        assert!(matches!(outcome, UiOutcome::Request(_)), "{outcome:?}");
        let failed = loop {
            let screen = render(&mut core);
            if let Some(line) = screen.lines().find(|l| l.contains('✗')) {
                break line.trim().to_string();
            }
            let left = (CONNECT_TIMEOUT + Duration::from_secs(3)).saturating_sub(started.elapsed());
            match tokio::time::timeout(left, events.recv()).await {
                Ok(Some(event)) => core.on_action_event(event),
                _ => panic!("no message in the pane within {left:?}:\n{screen}"),
            }
        };
        eprintln!("[real-apiserver] the pane says: {failed}");
        assert!(
            started.elapsed() < CONNECT_TIMEOUT + Duration::from_secs(3),
            "fast: {:?}",
            started.elapsed()
        );
        // The server's own words (it could not reach a kubelet for the pod's node), not a
        // timeout of ours.
        assert!(!failed.contains("no answer from the server"), "{failed}");
        assert!(failed.contains(&pod) || failed.contains("✗"), "{failed}");

        // Headless: the binary exits 1 with the same words, within seconds.
        let zones_file = state.path().join("zones.toml");
        std::fs::write(
            &zones_file,
            harness::zones_toml(&[("ge-real-0".to_string(), run.planes[0].version.clone())]),
        )
        .unwrap();
        let started = std::time::Instant::now();
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ge-console"))
            .arg("logs")
            .arg("dev")
            .arg(format!("ge-agents/pod/{pod}"))
            .arg("--kubeconfig")
            .arg(&run.kubeconfig)
            .arg("--config")
            .arg(&zones_file)
            .env("GE_CONSOLE_STATE", state.path())
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(Duration::from_secs(30), output)
            .await
            .expect("ge-console logs returned")
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        eprintln!("[real-apiserver] ge-console logs said: {stderr}");
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!("ge-console: logs: {pod}: ")),
            "{stderr}"
        );
        assert!(!stderr.contains("no answer from the server"), "{stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{:?}",
            started.elapsed()
        );
    });
}

#[test]
#[ignore = "needs a real kube-apiserver: see tests/real-apiserver/README.md"]
fn a_restart_shows_the_controller_managers_events_in_the_console_and_headless() {
    run(|h| async move {
        let run = &h.run;
        let config = fleet_for(run, &[(0, "ge-real-0")]);
        let mut w = WatchedFleet::start(&config, &h.kubeconfig);
        w.until("the zone live with the seeded fleet", |f| {
            zone_seeded(&f.zones[0])
        })
        .await;
        assert_eq!(
            w.fleet.zones[0].kinds[&ResourceKind::Events],
            KindStatus::Synced,
            "events.k8s.io/v1 is served by 1.20"
        );
        let target = key(WorkloadKind::Deployment, "ge-agents", "ge-executor");
        // The controller-manager's recorder writes whole seconds (lastTimestamp).
        let before = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(2);
        let client = cluster::zone_client(&config.zones[0], &h.kubeconfig)
            .await
            .unwrap();
        restart_workload(&client, &target, jiff::Timestamp::now())
            .await
            .expect("restart accepted");
        // Scaling the new ReplicaSet up and the old one down: two ScalingReplicaSet events of
        // the deployment controller, about the Deployment, seen after the restart.
        let scaled = |f: &Fleet| {
            workload_events(&f.zones[0], &target)
                .into_iter()
                .filter(|e| {
                    e.reason == "ScalingReplicaSet"
                        && e.reporter == "deployment-controller"
                        && e.object.kind == "Deployment"
                        && e.last_seen.is_some_and(|t| t >= before)
                })
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
        };
        w.until("the restart's ScalingReplicaSet events", |f| {
            let messages = scaled(f);
            messages.iter().any(|m| m.starts_with("Scaled up"))
                && messages.iter().any(|m| m.starts_with("Scaled down"))
        })
        .await;
        let messages = scaled(&w.fleet);
        assert!(
            messages
                .iter()
                .all(|m| m.contains("replica set ge-executor-")),
            "{messages:?}"
        );

        // The console's timeline shows them, newest first, in the zone's row.
        let mut options = common::ConsoleOptions::offline(tempfile::tempdir().unwrap().path());
        options.time = ge_console::clock::TimeSource::System;
        let mut ui = common::Console::with(&config, w.fleet.clone(), options);
        ui.key(common::ch('E'));
        ui.key(common::ch('/'));
        ui.type_text("ScalingReplicaSet");
        ui.key(common::key(ratatui::crossterm::event::KeyCode::Enter));
        let screen = ui.render(200, 50);
        assert!(
            screen.contains("deployment/ge-executor") && screen.contains("Scaled up replica set"),
            "{screen}"
        );

        // `ge-console events` prints them too.
        let dir = tempfile::tempdir().unwrap();
        let zones_file = dir.path().join("zones.toml");
        std::fs::write(
            &zones_file,
            harness::zones_toml(&[("ge-real-0".into(), run.planes[0].version.clone())]),
        )
        .unwrap();
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ge-console"))
            .arg("--kubeconfig")
            .arg(&run.kubeconfig)
            .arg("--config")
            .arg(&zones_file)
            .args([
                "events",
                "dev",
                "--namespace",
                "ge-agents",
                "--since",
                "10m",
                "--format",
                "json",
                "--timeout",
                "60",
            ])
            .env("GE_CONSOLE_CONFIG", dir.path().join("config"))
            .env("GE_CONSOLE_STATE", dir.path().join("state"))
            .output()
            .await
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let events = report["events"].as_array().unwrap();
        assert!(
            events.iter().any(|e| e["reason"] == "ScalingReplicaSet"
                && e["object"]["name"] == "ge-executor"
                && e["reporter"] == "deployment-controller"
                && e["zone"] == "dev"),
            "{stdout}"
        );
        assert!(
            events.iter().all(|e| e["namespace"] == "ge-agents"),
            "{stdout}"
        );
    });
}

#[test]
#[ignore = "needs a real kube-apiserver: see tests/real-apiserver/README.md"]
fn pods_read_the_same_from_the_real_servers_protobuf_as_from_its_json() {
    use ge_console::cluster::project::{SlimPod, decode_pod_list};
    use ge_console::cluster::protobuf::{MAGIC, PROTOBUF_OR_JSON};
    use kube::api::{ObjectList, Patch, PatchParams};
    use pod_pages::{get_raw, projected};

    run(|h| async move {
        let config = fleet_for(&h.run, &[(1, "ge-real-1")]);
        let client = cluster::zone_client(&config.zones[0], &h.kubeconfig)
            .await
            .unwrap();
        // A pod on a node no agent runs, with a status written as a kubelet writes one: every
        // field the console reads, set, from waiting and terminated states to a zero signal.
        let probe = bare_pod(&client, "ge-data", "protobuf-probe", "z2-no-agent").await;
        let pods: Api<Pod> = Api::namespaced(client.clone(), "ge-data");
        let status = json!({"status": {
            "phase": "Running", "reason": "Evicting", "message": "the node is short of memory",
            "startTime": "2026-11-30T10:00:00Z",
            "conditions": [
                {"type": "Ready", "status": "False", "reason": "ContainersNotReady",
                 "message": "containers with unready status: [probe]",
                 "lastTransitionTime": "2026-11-30T10:00:05Z"},
                {"type": "PodScheduled", "status": "True",
                 "lastTransitionTime": "2026-11-30T10:00:00Z"}],
            "initContainerStatuses": [{"name": "init", "image": "busybox:1.37", "imageID": "",
                "ready": true, "restartCount": 0,
                "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                    "startedAt": "2026-11-30T10:00:01Z", "finishedAt": "2026-11-30T10:00:02Z",
                    "containerID": "containerd://init"}}}],
            "containerStatuses": [{"name": "probe", "image": "busybox:1.37", "imageID": "",
                "ready": false, "started": false, "restartCount": 3,
                "state": {"waiting": {"reason": "CrashLoopBackOff",
                    "message": "back-off 40s restarting failed container"}},
                "lastState": {"terminated": {"exitCode": 137, "signal": 9, "reason": "Error",
                    "startedAt": "2026-11-30T10:00:03Z", "finishedAt": "2026-11-30T10:00:04Z",
                    "containerID": "containerd://probe"}}}],
        }});
        pods.patch_status(&probe.name, &PatchParams::default(), &Patch::Merge(&status))
            .await
            .unwrap();

        // Other pods (the agents' deployments) change now and then: compare one version.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let protobuf = get_raw(&client, "/api/v1/pods", PROTOBUF_OR_JSON).await;
            assert_eq!(protobuf.code, 200);
            assert_eq!(protobuf.content_type, "application/vnd.kubernetes.protobuf");
            assert!(protobuf.body.starts_with(MAGIC));
            let from_protobuf = decode_pod_list(&protobuf.body).unwrap();
            let json = get_raw(&client, "/api/v1/pods", "application/json").await;
            let from_json: ObjectList<SlimPod> = serde_json::from_slice(&json.body).unwrap();
            if from_protobuf.metadata.resource_version != from_json.metadata.resource_version {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the pods never held still"
                );
                continue;
            }
            let (from_protobuf, from_json) = (projected(from_protobuf), projected(from_json));
            let probed = from_json
                .iter()
                .find(|(meta, _)| meta.name.as_deref() == Some("protobuf-probe"))
                .expect("the probe pod is listed");
            assert_eq!(probed.1.restarts, 3, "{:?}", probed.1);
            assert_eq!(from_protobuf, from_json);
            break;
        }
        let _ = pods
            .delete(&probe.name, &DeleteParams::default().grace_period(0))
            .await;
    });
}
