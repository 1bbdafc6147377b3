//! The runbook checks on real objects: the console's cluster layer watches a real
//! kube-apiserver into the model, and `run_checks` (what the console and `snapshot` run) judges
//! a GE workload placed in `default`, Services on ports the runbook does not allow, and zones
//! whose servers report versions against the promotion path.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use ge_console::actions::kubectl_probe::probe_kubectl;
use ge_console::cluster;
use ge_console::config::{BUILT_IN_PORTS_SOURCE, FleetConfig, PortsSpec, ZoneId, load_ports};
use ge_console::fleet::checks::{
    CheckContext, CheckFinding, CheckId, CheckSeverity, KubectlClient, run_checks,
};
use ge_console::fleet::{Fleet, KindStatus, ObjectKey, ResourceKind, ZoneModel, ZoneState};
use ge_console::snapshot;
use jiff::civil::Date;
use jiff::{Span, Timestamp};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

use super::harness::{self, RunDir, VERSIONS, WatchedFleet, fleet_for, fleet_with, run};
use super::zone_seeded;

/// How long a headless snapshot may wait for the zones to settle.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(60);

/// Objects a test created on a plane, deleted again when dropped, passed or failed: the tests
/// share the planes, and the others compare the model with `kubectl get`.
struct Created<'a> {
    run: &'a RunDir,
    context: &'a str,
    /// `(namespace, kind/name)`.
    objects: Vec<(&'static str, &'static str)>,
}

impl<'a> Created<'a> {
    /// Tracks `objects` on `context`, deleting what an earlier failed run may have left.
    fn new(
        run: &'a RunDir,
        context: &'a str,
        objects: &[(&'static str, &'static str)],
    ) -> Created<'a> {
        let created = Created {
            run,
            context,
            objects: objects.to_vec(),
        };
        created
            .delete()
            .expect("leftovers of an earlier run deleted");
        created
    }

    /// Deletes every tracked object and waits until it and its dependents (ReplicaSets, pods)
    /// are gone from the server.
    fn delete(&self) -> Result<(), String> {
        for (namespace, object) in &self.objects {
            let out = Command::new("kubectl")
                .arg(format!("--kubeconfig={}", self.run.kubeconfig.display()))
                .arg(format!("--context={}", self.context))
                .args(["-n", namespace, "delete", object, "--ignore-not-found"])
                .args(["--cascade=foreground", "--wait=true", "--timeout=60s"])
                .output()
                .map_err(|e| format!("kubectl: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "kubectl delete {namespace}/{object}: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        Ok(())
    }
}

impl Drop for Created<'_> {
    fn drop(&mut self) {
        if let Err(error) = self.delete() {
            eprintln!("[real-apiserver] cleanup failed: {error}");
        }
    }
}

/// The runbook checks over `fleet` now, as the console runs them (no observation log: the
/// dates come from the zones file or the nodes).
fn checks(
    fleet: &Fleet,
    config: &FleetConfig,
    kubectl: &KubectlClient,
    ports: &PortsSpec,
) -> Vec<CheckFinding> {
    run_checks(&CheckContext {
        fleet,
        config,
        now: Timestamp::now(),
        kubectl,
        observations: &[],
        ports,
    })
}

/// The findings of check `id` about zone `zone` with `severity`.
fn of(
    findings: &[CheckFinding],
    id: CheckId,
    zone: u32,
    severity: CheckSeverity,
) -> Vec<&CheckFinding> {
    findings
        .iter()
        .filter(|f| f.id == id && f.zone == ZoneId(zone) && f.severity == severity)
        .collect()
}

/// Every failing finding as `(id, zone name, subject)`, as `snapshot`'s `checks[]` names them.
fn fails_by_name(findings: &[CheckFinding], fleet: &Fleet) -> BTreeSet<(String, String, String)> {
    findings
        .iter()
        .filter(|f| f.severity == CheckSeverity::Fail)
        .map(|f| {
            let zone = fleet
                .zone(f.zone)
                .map_or_else(String::new, |z| z.config.name.clone());
            (f.id.as_str().to_string(), zone, f.subject.clone())
        })
        .collect()
}

/// The failing entries of a snapshot report's `checks[]` as `(id, zone, subject)`.
fn json_fails(report: &Value) -> BTreeSet<(String, String, String)> {
    report["checks"]
        .as_array()
        .expect("checks[] in the snapshot")
        .iter()
        .filter(|c| c["severity"] == "fail")
        .map(|c| {
            let text = |field: &str| c[field].as_str().unwrap_or_default().to_string();
            (text("id"), text("zone"), text("subject"))
        })
        .collect()
}

/// A zone is live and has listed its Services.
fn services_listed(z: &ZoneModel) -> bool {
    z.state() == ZoneState::Live
        && z.kinds.get(&ResourceKind::Services) == Some(&KindStatus::Synced)
}

/// The ports a zone's model holds for a Service.
fn service_ports(z: &ZoneModel, namespace: &str, name: &str) -> Option<Vec<i32>> {
    z.services
        .get(&ObjectKey::new(namespace, name))
        .map(|s| s.ports.iter().map(|p| p.port).collect())
}

/// Nothing named `prefix…` left in `namespace` of a zone's model: no workload, ReplicaSet or
/// pod.
fn none_named(z: &ZoneModel, namespace: &str, prefix: &str) -> bool {
    let stray = |ns: &str, name: &str| ns == namespace && name.starts_with(prefix);
    !z.workloads.keys().any(|k| stray(&k.namespace, &k.name))
        && !z.replicasets.keys().any(|k| stray(&k.namespace, &k.name))
        && !z.pods.keys().any(|k| stray(&k.namespace, &k.name))
}

/// `v1.34.2+k3s1` → `v1.34.2`: the version as the promotion checks name it.
fn plain(version: &str) -> &str {
    version.split(['+', '-']).next().unwrap_or(version)
}

/// Runs `ge-console snapshot --format json` on `zones` (a zones file's text) against the run's
/// kubeconfig; returns its exit status and report.
async fn snapshot_binary(run: &RunDir, zones: &str) -> (Option<i32>, Value) {
    let dir = tempfile::tempdir().unwrap();
    let zones_file = dir.path().join("zones.toml");
    std::fs::write(&zones_file, zones).unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ge-console"))
        .arg("--kubeconfig")
        .arg(&run.kubeconfig)
        .arg("--config")
        .arg(&zones_file)
        .args(["snapshot", "--format", "json", "--timeout", "60"])
        .env("GE_CONSOLE_CONFIG", dir.path().join("config"))
        .env("GE_CONSOLE_STATE", dir.path().join("state"))
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "snapshot JSON parses ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code(), report)
}

/// A Deployment of one replica running `image`, in `namespace`.
fn deployment(namespace: &str, name: &str, image: &str) -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "automountServiceAccountToken": false,
                    "terminationGracePeriodSeconds": 5,
                    "containers": [{"name": name, "image": image}],
                }
            },
        }
    }))
    .unwrap()
}

/// A Service `name` in `namespace` of `type_` listening on `port` (with `node_port`).
fn service(namespace: &str, name: &str, type_: &str, port: i32, node_port: Option<i32>) -> Service {
    let mut port = json!({"port": port, "targetPort": port, "protocol": "TCP"});
    if let Some(node_port) = node_port {
        port["nodePort"] = json!(node_port);
    }
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"type": type_, "selector": {"app": name}, "ports": [port]},
    }))
    .unwrap()
}

/// `placement.namespace` on real objects: GE workloads created in `default` (one by its `ge-`
/// name, one by its image's registry) fail, naming where each belongs; `snapshot` carries the
/// same failures and exits 1; once deleted, the findings go and `snapshot` exits 0.
#[test]
#[ignore = "needs a real kube-apiserver: see tests/real-apiserver/README.md"]
fn ge_workloads_in_default_fail_placement_naming_their_namespace_until_deleted() {
    run(|h| async move {
        let run = &h.run;
        let config = fleet_for(run, &[(0, "ge-real-0")]);
        let ports = load_ports(&config.checks, None).expect("the built-in ports");
        let kubectl = probe_kubectl().await;
        let by_name = "ge-executor-stray";
        let by_image = "checks-redis-cache";
        let created = Created::new(
            run,
            "ge-real-0",
            &[
                ("default", "deployment/ge-executor-stray"),
                ("default", "deployment/checks-redis-cache"),
            ],
        );
        let mut w = WatchedFleet::start(&config, &h.kubeconfig);
        w.until("the zone live with the seeded fleet", |f| {
            zone_seeded(&f.zones[0])
        })
        .await;
        let before = checks(&w.fleet, &config, &kubectl, &ports);
        assert_eq!(
            of(&before, CheckId::PlacementNamespace, 1, CheckSeverity::Fail),
            Vec::<&CheckFinding>::new(),
            "the seeded workloads are where they belong"
        );

        let client = cluster::zone_client(&config.zones[0], &h.kubeconfig)
            .await
            .unwrap();
        let deployments: Api<Deployment> = Api::namespaced(client, "default");
        for (name, image) in [
            (by_name, "ghcr.io/ge/executor:1.8.0"),
            (by_image, "registry.ge.internal/cache:7.2"),
        ] {
            deployments
                .create(&PostParams::default(), &deployment("default", name, image))
                .await
                .unwrap_or_else(|e| panic!("creating default/{name}: {e}"));
        }
        w.until("both Deployments in default in the model", |f| {
            let names: Vec<&str> = f.zones[0]
                .workloads
                .keys()
                .filter(|k| k.namespace == "default")
                .map(|k| k.name.as_str())
                .collect();
            names.contains(&by_name) && names.contains(&by_image)
        })
        .await;

        let findings = checks(&w.fleet, &config, &kubectl, &ports);
        let fails = of(
            &findings,
            CheckId::PlacementNamespace,
            1,
            CheckSeverity::Fail,
        );
        let subjects: Vec<&str> = fails.iter().map(|f| f.subject.as_str()).collect();
        assert_eq!(
            subjects,
            [
                "default/deployment/checks-redis-cache",
                "default/deployment/ge-executor-stray"
            ],
            "{fails:#?}"
        );
        // By its name: an executor belongs in ge-agents (the wiki's GE Namespaces table).
        let executor = fails[1];
        assert!(
            executor.message.contains("is in namespace default")
                && executor.message.contains("belongs in ge-agents"),
            "{executor:?}"
        );
        // By its image from one of the team's registries; a Redis cache belongs in ge-data.
        let cache = fails[0];
        assert!(
            cache.message.contains("registry.ge.internal/")
                && cache.message.contains("belongs in ge-data"),
            "{cache:?}"
        );

        // `snapshot` (collected afresh through the headless path) says the same and exits 1.
        let collected = snapshot::collect(&config, &h.kubeconfig, SNAPSHOT_TIMEOUT).await;
        let report =
            snapshot::report_checked(&collected, &config, Timestamp::now(), &kubectl, &[], &ports);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json_fails(&json),
            fails_by_name(&findings, &w.fleet),
            "{json:#}"
        );
        assert!(
            json_fails(&json).contains(&(
                "placement.namespace".into(),
                "dev".into(),
                "default/deployment/ge-executor-stray".into()
            )),
            "{json:#}"
        );
        assert_eq!(report.outcome().exit_code(), 1, "{json:#}");

        // Deleted: the model follows the server and the findings go.
        created.delete().expect("the Deployments deleted");
        w.until("nothing of them left in the model", |f| {
            none_named(&f.zones[0], "default", by_name)
                && none_named(&f.zones[0], "default", by_image)
        })
        .await;
        let after = checks(&w.fleet, &config, &kubectl, &ports);
        assert_eq!(
            of(&after, CheckId::PlacementNamespace, 1, CheckSeverity::Fail),
            Vec::<&CheckFinding>::new()
        );
        let collected = snapshot::collect(&config, &h.kubeconfig, SNAPSHOT_TIMEOUT).await;
        let report =
            snapshot::report_checked(&collected, &config, Timestamp::now(), &kubectl, &[], &ports);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json_fails(&json), BTreeSet::new(), "{json:#}");
        assert_eq!(report.outcome().exit_code(), 0, "{json:#}");
    });
}

/// `ports.mismatch` on real Services: Redis on 6379 fails in the runbook's words against the
/// built-in table, a team ports file written to disk may allow it (and names itself as the
/// source), and Redis moved to 6381 passes.
#[test]
#[ignore = "needs a real kube-apiserver: see tests/real-apiserver/README.md"]
fn services_off_the_ports_file_fail_and_matching_ones_pass() {
    run(|h| async move {
        let run = &h.run;
        let contexts = [(1, "ge-real-1")];
        let config = fleet_for(run, &contexts);
        let built_in = load_ports(&config.checks, None).expect("the built-in ports");
        assert_eq!(built_in.source, BUILT_IN_PORTS_SOURCE);
        // The team's own file: Redis keeps the default port, the wiki has another node port.
        let dir = tempfile::tempdir().unwrap();
        let ports_file = dir.path().join("ports.yaml");
        std::fs::write(
            &ports_file,
            "services:\n  redis: {namespace: ge-data, port: 6379}\n  \
             wiki:  {namespace: ge-system, port: 8000, nodePort: 30081, type: NodePort}\n",
        )
        .unwrap();
        let team_config = fleet_with(
            run,
            &contexts,
            &format!(
                "[checks]\nports_file = {:?}\n",
                ports_file.display().to_string()
            ),
        );
        let team = load_ports(&team_config.checks, None).expect("the team's ports file");
        assert_eq!(team.source, ports_file.display().to_string());
        let kubectl = probe_kubectl().await;

        let created = Created::new(
            run,
            "ge-real-1",
            &[("ge-data", "service/redis"), ("ge-system", "service/wiki")],
        );
        let mut w = WatchedFleet::start(&config, &h.kubeconfig);
        w.until("the zone live with its Services listed", |f| {
            services_listed(&f.zones[0])
        })
        .await;
        let client = cluster::zone_client(&config.zones[0], &h.kubeconfig)
            .await
            .unwrap();
        let data: Api<Service> = Api::namespaced(client.clone(), "ge-data");
        let system: Api<Service> = Api::namespaced(client, "ge-system");
        data.create(
            &PostParams::default(),
            &service("ge-data", "redis", "ClusterIP", 6379, None),
        )
        .await
        .expect("redis on 6379 created");
        system
            .create(
                &PostParams::default(),
                &service("ge-system", "wiki", "NodePort", 8000, Some(30080)),
            )
            .await
            .expect("wiki on 8000/30080 created");
        w.until("both Services in the model", |f| {
            service_ports(&f.zones[0], "ge-data", "redis") == Some(vec![6379])
                && service_ports(&f.zones[0], "ge-system", "wiki") == Some(vec![8000])
        })
        .await;

        // The runbook's table: Redis on 6379 fails, in its words; the wiki matches it.
        let findings = checks(&w.fleet, &config, &kubectl, &built_in);
        let fails = of(&findings, CheckId::PortsMismatch, 1, CheckSeverity::Fail);
        assert_eq!(fails.len(), 1, "{findings:#?}");
        let redis = fails[0];
        assert_eq!(redis.subject, "ge-data/service/redis");
        assert_eq!(redis.source, BUILT_IN_PORTS_SOURCE);
        assert!(
            redis.message.contains("Redis listens on 6379")
                && redis.message.contains("6381")
                && redis.message.contains("NOT default 6379"),
            "{redis:?}"
        );
        assert!(
            !findings
                .iter()
                .any(|f| f.id == CheckId::PortsMismatch && f.subject == "ge-system/service/wiki"),
            "the wiki matches the table: {findings:#?}"
        );
        // What the table names and the zone lacks is worth knowing, not a failure.
        let missing = of(&findings, CheckId::PortsMismatch, 1, CheckSeverity::Info);
        assert!(
            missing
                .iter()
                .any(|f| f.subject == "ge-system/service/admin-ui"),
            "{missing:#?}"
        );
        // `snapshot`'s report of the same model carries it and exits 1.
        let report = snapshot::report_checked(
            &w.fleet,
            &config,
            Timestamp::now(),
            &kubectl,
            &[],
            &built_in,
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json_fails(&json),
            BTreeSet::from([(
                "ports.mismatch".to_string(),
                "dev".to_string(),
                "ge-data/service/redis".to_string()
            )]),
            "{json:#}"
        );
        assert_eq!(report.outcome().exit_code(), 1);

        // The team's file allows Redis on 6379 but wants the wiki on node port 30081: the
        // same Services, judged by the file, which the finding names.
        let by_file = checks(&w.fleet, &team_config, &kubectl, &team);
        let fails = of(&by_file, CheckId::PortsMismatch, 1, CheckSeverity::Fail);
        assert_eq!(fails.len(), 1, "{by_file:#?}");
        let wiki = fails[0];
        assert_eq!(wiki.subject, "ge-system/service/wiki");
        assert_eq!(wiki.source, ports_file.display().to_string());
        assert!(
            wiki.message.contains("30080") && wiki.message.contains("30081"),
            "{wiki:?}"
        );

        // Redis moved to the runbook's port: no failure left.
        data.patch(
            "redis",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"ports": [
                {"port": 6381, "targetPort": 6381, "protocol": "TCP"}
            ]}})),
        )
        .await
        .expect("redis moved to 6381");
        w.until("redis on 6381 in the model", |f| {
            service_ports(&f.zones[0], "ge-data", "redis") == Some(vec![6381])
        })
        .await;
        let moved = checks(&w.fleet, &config, &kubectl, &built_in);
        assert_eq!(
            of(&moved, CheckId::PortsMismatch, 1, CheckSeverity::Fail),
            Vec::<&CheckFinding>::new()
        );

        created.delete().expect("the Services deleted");
        w.until("the Services gone from the model", |f| {
            service_ports(&f.zones[0], "ge-data", "redis").is_none()
                && service_ports(&f.zones[0], "ge-system", "wiki").is_none()
        })
        .await;
    });
}

/// The day `days` before today (UTC).
fn days_ago(days: i64) -> Date {
    Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .checked_sub(Span::new().days(days))
        .unwrap()
}

/// The promotion checks with servers that really report different versions: a later zone on a
/// newer server fails `promotion.order` naming both versions (and `snapshot` exits 1); in the
/// natural order it does not, the soak's dates come from the nodes, and with the team's
/// `[[promotion.record]]`s the soak says when the next zone may follow and fails a zone that
/// followed too soon.
#[test]
#[ignore = "needs a real kube-apiserver: see tests/real-apiserver/README.md"]
fn a_later_zone_on_a_newer_server_fails_promotion_and_records_date_the_soak() {
    run(|h| async move {
        let run = &h.run;
        assert!(
            run.planes.len() >= 2,
            "this test needs `provision.sh start 2`"
        );
        let (newer, older) = (plain(VERSIONS[0]), plain(VERSIONS[1]));
        let kubectl = probe_kubectl().await;
        let both_live = |f: &Fleet| {
            f.zones.iter().all(|z| {
                z.state() == ZoneState::Live && z.server_version.is_some() && z.nodes.len() == 3
            })
        };

        // Swapped: dev on the plane that reports v1.33.5, staging on v1.34.2+k3s1.
        let swapped_zones = [(1, "ge-real-1"), (0, "ge-real-0")];
        let swapped = fleet_for(run, &swapped_zones);
        let ports = load_ports(&swapped.checks, None).expect("the built-in ports");
        let mut w = WatchedFleet::start(&swapped, &h.kubeconfig);
        w.until("both zones live with their versions", both_live)
            .await;
        assert_eq!(
            w.fleet.zones[0].server_version.as_deref(),
            Some(VERSIONS[1])
        );
        assert_eq!(
            w.fleet.zones[1].server_version.as_deref(),
            Some(VERSIONS[0])
        );
        let findings = checks(&w.fleet, &swapped, &kubectl, &ports);
        let order = of(&findings, CheckId::PromotionOrder, 2, CheckSeverity::Fail);
        assert_eq!(order.len(), 1, "{findings:#?}");
        let order = order[0];
        assert_eq!(order.subject, "kubernetes");
        assert!(
            order.message.contains(newer)
                && order.message.contains(older)
                && order.message.contains("dev"),
            "names both versions and the zone before: {order:?}"
        );
        assert!(
            !findings
                .iter()
                .any(|f| f.id == CheckId::PromotionOrder && f.zone == ZoneId(1)),
            "the first zone has no zone before it: {findings:#?}"
        );
        // The binary's snapshot of the same zones: the same failures, exit 1.
        let text = harness::zones_toml(
            &swapped_zones
                .iter()
                .map(|(i, c)| (c.to_string(), run.planes[*i].version.clone()))
                .collect::<Vec<_>>(),
        );
        let (status, report) = snapshot_binary(run, &text).await;
        assert_eq!(status, Some(1), "{report:#}");
        assert_eq!(
            json_fails(&report),
            fails_by_name(&findings, &w.fleet),
            "{report:#}"
        );
        let entry = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "promotion.order" && c["severity"] == "fail")
            .expect("promotion.order in checks[]");
        assert_eq!(entry["zone"], "staging");
        let message = entry["message"].as_str().unwrap();
        assert!(
            message.contains(newer) && message.contains(older),
            "{message}"
        );
        drop(w);

        // The natural order: dev on v1.34.2+k3s1 ahead of staging on v1.33.5.
        let natural_zones = [(0, "ge-real-0"), (1, "ge-real-1")];
        let natural = fleet_for(run, &natural_zones);
        let mut w = WatchedFleet::start(&natural, &h.kubeconfig);
        w.until("both zones live with their versions", both_live)
            .await;
        let findings = checks(&w.fleet, &natural, &kubectl, &ports);
        assert!(
            !findings
                .iter()
                .any(|f| f.id.as_str().starts_with("promotion.")
                    && f.severity == CheckSeverity::Fail),
            "{findings:#?}"
        );
        // No records, no log: dev's soak is dated by its nodes' creation.
        let soaking = of(&findings, CheckId::PromotionSoak, 1, CheckSeverity::Info);
        assert_eq!(soaking.len(), 1, "{findings:#?}");
        assert_eq!(soaking[0].source, "nodes");
        assert!(
            soaking[0].message.contains("staging may follow from"),
            "{soaking:?}"
        );

        // The team's records: dev took v1.33.5 five days ago and v1.34.2 three days ago;
        // staging followed onto v1.33.5 three days ago, after two days of dev's soak.
        let records = format!(
            "[promotion]\npath = [\"dev\", \"staging\"]\nsoak_days = 7\n\n\
             [[promotion.record]]\nzone = \"dev\"\nversion = \"{older}\"\nsince = \"{}\"\n\n\
             [[promotion.record]]\nzone = \"dev\"\nversion = \"{newer}\"\nsince = \"{}\"\n\n\
             [[promotion.record]]\nzone = \"staging\"\nversion = \"{older}\"\nsince = \"{}\"\n",
            days_ago(5),
            days_ago(3),
            days_ago(3),
        );
        let recorded = fleet_with(run, &natural_zones, &records);
        let findings = checks(&w.fleet, &recorded, &kubectl, &ports);
        let ahead = of(&findings, CheckId::PromotionSoak, 1, CheckSeverity::Info);
        assert_eq!(ahead.len(), 1, "{findings:#?}");
        let may_follow = days_ago(3).checked_add(Span::new().days(7)).unwrap();
        assert_eq!(ahead[0].source, "zones file");
        assert!(
            ahead[0]
                .message
                .contains(&format!("staging may follow from {may_follow}"))
                && ahead[0].message.contains("soaking 3d of 7d"),
            "{ahead:?}"
        );
        let behind = of(&findings, CheckId::PromotionSoak, 2, CheckSeverity::Fail);
        assert_eq!(behind.len(), 1, "{findings:#?}");
        assert_eq!(behind[0].source, "zones file");
        assert!(
            behind[0].message.contains(older) && behind[0].message.contains("2d of the 7d soak"),
            "{behind:?}"
        );
        assert_eq!(
            of(&findings, CheckId::PromotionOrder, 2, CheckSeverity::Fail),
            Vec::<&CheckFinding>::new()
        );
        // The binary reads the same records from the zones file: the soak failure, exit 1.
        let text = format!(
            "{}\n{records}",
            harness::zones_toml(
                &natural_zones
                    .iter()
                    .map(|(i, c)| (c.to_string(), run.planes[*i].version.clone()))
                    .collect::<Vec<_>>(),
            )
        );
        let (status, report) = snapshot_binary(run, &text).await;
        assert_eq!(status, Some(1), "{report:#}");
        assert!(
            json_fails(&report).contains(&(
                "promotion.soak".into(),
                "staging".into(),
                "kubernetes".into()
            )),
            "{report:#}"
        );
    });
}
