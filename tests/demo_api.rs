//! The demo fleet seen through kube-rs (and raw HTTP where a client library would hide the
//! detail), the way the console uses it.

#[path = "demo_common/mod.rs"]
mod demo_common;

use std::collections::BTreeSet;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use ge_console::demo::{DEFAULT_LOAD_NAMESPACE, DemoError, DemoFleet, DemoOptions};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{Instant, sleep, timeout};

const DEADLINE: Duration = Duration::from_secs(30);

async fn fleet() -> (DemoFleet, tempfile::TempDir) {
    fleet_with(0, 0.0).await
}

async fn fleet_with(pods_per_zone: usize, churn_per_sec: f64) -> (DemoFleet, tempfile::TempDir) {
    demo_common::fleet_with_load(pods_per_zone, DEFAULT_LOAD_NAMESPACE, churn_per_sec).await
}

async fn client(fleet: &DemoFleet, context: &str) -> Client {
    let kubeconfig = Kubeconfig::read_from(fleet.kubeconfig_path()).unwrap();
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .unwrap();
    Client::try_from(config).unwrap()
}

/// Poll `check` until it returns Some, failing after DEADLINE.
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for: {what}");
        sleep(Duration::from_millis(50)).await;
    }
}

fn api_status(error: kube::Error) -> Box<kube::core::Status> {
    match error {
        kube::Error::Api(status) => status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// A raw HTTP/1.1 request; returns (status code, body).
async fn raw(
    url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let address = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let code = response
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (code, body)
}

/// kubectl's `rollout status` completion rule for Deployments.
fn rolled_out(deployment: &Deployment) -> bool {
    let status = deployment.status.clone().unwrap_or_default();
    let spec_replicas = deployment
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1);
    let generation = deployment.metadata.generation.unwrap_or(0);
    let progress_deadline_exceeded = status.conditions.iter().flatten().any(|c| {
        c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    });
    assert!(!progress_deadline_exceeded, "rollout exceeded its deadline");
    status.observed_generation.unwrap_or(0) >= generation
        && status.updated_replicas.unwrap_or(0) == spec_replicas
        && status.replicas.unwrap_or(0) == status.updated_replicas.unwrap_or(0)
        && status.available_replicas.unwrap_or(0) == status.updated_replicas.unwrap_or(0)
}

fn restart_patch() -> serde_json::Value {
    json!({"spec": {"template": {"metadata": {"annotations": {
        "kubectl.kubernetes.io/restartedAt": jiff::Timestamp::now().to_string()}}}}})
}

#[tokio::test]
async fn discovery_reports_versions_groups_and_resources() {
    let (fleet, _state) = fleet().await;
    assert_eq!(fleet.contexts(), ["ge-dev", "ge-staging", "ge-production"]);
    let dev = client(&fleet, "ge-dev").await;
    let version = dev.apiserver_version().await.unwrap();
    assert_eq!(version.git_version, "v1.34.2+k3s1");
    assert_eq!(
        (version.major.as_str(), version.minor.as_str()),
        ("1", "34")
    );
    assert!(!version.go_version.is_empty() && !version.build_date.is_empty());
    let core = dev.list_core_api_versions().await.unwrap();
    assert_eq!(core.versions, ["v1"]);
    let groups = dev.list_api_groups().await.unwrap();
    let names: Vec<&str> = groups.groups.iter().map(|g| g.name.as_str()).collect();
    assert!(
        names.contains(&"apps") && names.contains(&"batch"),
        "{names:?}"
    );
    let apps = dev.list_api_group_resources("apps/v1").await.unwrap();
    let deployments = apps
        .resources
        .iter()
        .find(|r| r.name == "deployments")
        .unwrap();
    assert!(deployments.namespaced);
    assert_eq!(deployments.kind, "Deployment");
    assert!(deployments.verbs.contains(&"watch".to_string()));
    assert_eq!(
        deployments.short_names.as_deref(),
        Some(&["deploy".to_string()][..])
    );
    let core_resources = dev.list_core_api_resources("v1").await.unwrap();
    let pods = core_resources
        .resources
        .iter()
        .find(|r| r.name == "pods")
        .unwrap();
    assert_eq!(pods.singular_name, "pod");
    let discovery = kube::Discovery::new(dev).run().await.unwrap();
    assert!(discovery.has_group("apps"));

    let staging = client(&fleet, "ge-staging")
        .await
        .apiserver_version()
        .await
        .unwrap();
    let production = client(&fleet, "ge-production")
        .await
        .apiserver_version()
        .await
        .unwrap();
    assert_eq!(staging.git_version, "v1.33.5");
    assert_eq!(production.git_version, "v1.33.3");
    fleet.shutdown().await;
}

#[tokio::test]
async fn nodes_look_like_the_zones_platforms() {
    let (fleet, _state) = fleet().await;
    let nodes: Api<Node> = Api::all(client(&fleet, "ge-dev").await);
    let list = nodes.list(&ListParams::default()).await.unwrap();
    assert_eq!(list.items.len(), 1);
    let info = list.items[0]
        .status
        .as_ref()
        .unwrap()
        .node_info
        .as_ref()
        .unwrap();
    assert_eq!(info.kubelet_version, "v1.34.2+k3s1");
    assert_eq!(info.container_runtime_version, "containerd://2.1.5-k3s1");
    let staging: Api<Node> = Api::all(client(&fleet, "ge-staging").await);
    assert_eq!(
        staging
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        3
    );
    fleet.shutdown().await;
}

#[tokio::test]
async fn lists_page_with_limit_and_continue() {
    let (fleet, _state) = fleet_with(120, 0.0).await;
    let pods: Api<Pod> = Api::all(client(&fleet, "ge-dev").await);
    let everything = pods.list(&ListParams::default()).await.unwrap();
    assert!(everything.items.len() > 120);
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut params = ListParams::default().limit(25);
        if let Some(token) = &token {
            params = params.continue_token(token);
        }
        let page = pods.list(&params).await.unwrap();
        assert!(page.items.len() <= 25);
        assert!(page.metadata.resource_version.is_some());
        names.extend(page.items.iter().map(|p| p.metadata.name.clone().unwrap()));
        pages += 1;
        token = page.metadata.continue_.filter(|t| !t.is_empty());
        if token.is_none() {
            break;
        }
    }
    assert!(pages > 4);
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "pages overlap");
    assert_eq!(names.len(), everything.items.len());
    let load: Api<Pod> = Api::namespaced(client(&fleet, "ge-dev").await, "ge-load");
    assert_eq!(
        load.list(&ListParams::default()).await.unwrap().items.len(),
        120
    );
    fleet.shutdown().await;
}

#[tokio::test]
async fn label_and_field_selectors_filter_like_the_real_server() {
    let (fleet, _state) = fleet().await;
    let pods: Api<Pod> = Api::all(client(&fleet, "ge-dev").await);
    let count = |params: ListParams| {
        let pods = pods.clone();
        async move { pods.list(&params).await.unwrap().items.len() }
    };
    assert_eq!(
        count(ListParams::default().labels("app.kubernetes.io/name=ge-executor")).await,
        2
    );
    assert_eq!(
        count(ListParams::default().labels("app.kubernetes.io/name in (wiki,admin-ui)")).await,
        2
    );
    let all = count(ListParams::default()).await;
    let not_executor =
        count(ListParams::default().labels("app.kubernetes.io/name!=ge-executor")).await;
    assert_eq!(not_executor, all - 2);
    assert_eq!(count(ListParams::default().labels("k8s-app")).await, 6);
    assert_eq!(
        count(ListParams::default().labels("!k8s-app,app.kubernetes.io/name notin (ge-executor)"))
            .await,
        all - 6 - 2
    );
    assert_eq!(
        count(ListParams::default().fields("spec.nodeName=ge-dev-1")).await,
        all
    );
    assert_eq!(
        count(ListParams::default().fields("status.phase=Succeeded")).await,
        1
    );
    assert_eq!(
        count(ListParams::default().fields("metadata.namespace=ge-data")).await,
        2
    );
    assert_eq!(
        count(ListParams::default().fields("metadata.name=redis-0")).await,
        1
    );
    let error = pods
        .list(&ListParams::default().fields("spec.foo=bar"))
        .await
        .unwrap_err();
    let status = api_status(error);
    assert_eq!(status.code, 400);
    assert_eq!(status.reason, "BadRequest");
    assert_eq!(status.message, "field label not supported: spec.foo");
    fleet.shutdown().await;
}

#[tokio::test]
async fn a_watch_from_a_list_resource_version_sees_a_pod_delete() {
    let (fleet, _state) = fleet().await;
    let pods: Api<Pod> = Api::namespaced(client(&fleet, "ge-dev").await, "ge-agents");
    let list = pods.list(&ListParams::default()).await.unwrap();
    let rv = list.metadata.resource_version.unwrap();
    let victim = list.items[0].metadata.name.clone().unwrap();
    let mut stream = pods
        .watch(&WatchParams::default().timeout(30), &rv)
        .await
        .unwrap()
        .boxed();
    pods.delete(&victim, &DeleteParams::default().grace_period(0))
        .await
        .unwrap();
    let deleted = timeout(DEADLINE, async {
        while let Some(event) = stream.try_next().await.unwrap() {
            if let WatchEvent::Deleted(pod) = event
                && pod.metadata.name.as_deref() == Some(victim.as_str())
            {
                return pod;
            }
        }
        panic!("watch ended before the delete");
    })
    .await
    .unwrap();
    let deleted_rv: u64 = deleted.metadata.resource_version.unwrap().parse().unwrap();
    assert!(deleted_rv > rv.parse::<u64>().unwrap());
    fleet.shutdown().await;
}

#[tokio::test]
async fn a_too_old_resource_version_gives_410_expired() {
    let (fleet, _state) = fleet().await;
    let pods: Api<Pod> = Api::all(client(&fleet, "ge-dev").await);
    let mut stream = pods
        .watch(&WatchParams::default(), "1")
        .await
        .unwrap()
        .boxed();
    let event = timeout(DEADLINE, stream.try_next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let WatchEvent::Error(status) = event else {
        panic!("expected an ERROR event, got {event:?}")
    };
    assert_eq!(status.code, 410);
    assert_eq!(status.reason, "Expired");
    assert!(
        status.message.starts_with("too old resource version: 1 ("),
        "{}",
        status.message
    );
    assert!(
        timeout(DEADLINE, stream.try_next())
            .await
            .unwrap()
            .unwrap()
            .is_none(),
        "stream should close"
    );
    fleet.shutdown().await;
}

#[tokio::test]
async fn bookmarks_arrive_when_asked_for() {
    let (fleet, _state) = fleet().await;
    let pods: Api<Pod> = Api::all(client(&fleet, "ge-dev").await);
    let rv = pods
        .list(&ListParams::default().limit(1))
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let mut stream = pods
        .watch(&WatchParams::default().timeout(30), &rv)
        .await
        .unwrap()
        .boxed();
    let bookmark = timeout(DEADLINE, async {
        loop {
            match stream.try_next().await.unwrap() {
                Some(WatchEvent::Bookmark(bookmark)) => return bookmark,
                Some(_) => continue,
                None => panic!("watch ended without a bookmark"),
            }
        }
    })
    .await
    .unwrap();
    assert!(
        bookmark.metadata.resource_version.parse::<u64>().unwrap() >= rv.parse::<u64>().unwrap()
    );
    fleet.shutdown().await;
}

#[tokio::test]
async fn errors_are_status_objects_shaped_like_the_real_servers() {
    let (fleet, _state) = fleet().await;
    let dev = client(&fleet, "ge-dev").await;
    let pods: Api<Pod> = Api::namespaced(dev.clone(), "ge-system");
    let not_found = api_status(pods.get("nope").await.unwrap_err());
    assert_eq!(
        (not_found.code, not_found.reason.as_str()),
        (404, "NotFound")
    );
    assert_eq!(not_found.message, "pods \"nope\" not found");
    let details = not_found.details.unwrap();
    assert_eq!(
        (details.name.as_str(), details.kind.as_str()),
        ("nope", "pods")
    );

    let bad_selector = api_status(
        pods.list(&ListParams::default().labels("app in wiki"))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (bad_selector.code, bad_selector.reason.as_str()),
        (400, "BadRequest")
    );

    let deployments: Api<Deployment> = Api::namespaced(dev.clone(), "ge-system");
    let stale = json!({"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 2}});
    let conflict = api_status(
        deployments
            .patch("wiki", &PatchParams::default(), &Patch::Merge(&stale))
            .await
            .unwrap_err(),
    );
    assert_eq!((conflict.code, conflict.reason.as_str()), (409, "Conflict"));
    assert!(
        conflict.message.contains("deployments.apps \"wiki\""),
        "{}",
        conflict.message
    );

    let invalid = json!({"spec": {"replicas": "three"}});
    let unprocessable = api_status(
        deployments
            .patch("wiki", &PatchParams::default(), &Patch::Merge(&invalid))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (unprocessable.code, unprocessable.reason.as_str()),
        (422, "Invalid")
    );
    assert!(
        unprocessable.message.contains("spec.replicas"),
        "{}",
        unprocessable.message
    );
    let negative = json!({"spec": {"replicas": -1}});
    let unprocessable = api_status(
        deployments
            .patch("wiki", &PatchParams::default(), &Patch::Merge(&negative))
            .await
            .unwrap_err(),
    );
    assert_eq!(unprocessable.code, 422);

    let url = fleet.server_url("ge-dev").unwrap();
    let auth = ("Authorization", "Bearer demo-token-dev");
    let path = "/apis/apps/v1/namespaces/ge-system/deployments/wiki";
    let (code, body) = raw(
        &url,
        "PATCH",
        path,
        &[auth, ("Content-Type", "text/plain")],
        "{}",
    )
    .await;
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (code, status["reason"].as_str()),
        (415, Some("UnsupportedMediaType"))
    );
    let (code, body) = raw(
        &url,
        "PATCH",
        path,
        &[auth, ("Content-Type", "application/merge-patch+json")],
        "{not json",
    )
    .await;
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (code, status["kind"].as_str(), status["reason"].as_str()),
        (400, Some("Status"), Some("BadRequest"))
    );
    let (code, body) = raw(&url, "GET", "/apis/apps/v1/widgets", &[auth], "").await;
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((code, status["reason"].as_str()), (404, Some("NotFound")));
    let (code, body) = raw(&url, "POST", "/version", &[auth], "").await;
    assert_eq!(code, 404, "{body}");
    let (code, _) = raw(
        &url,
        "DELETE",
        "/api/v1/namespaces/ge-system/pods",
        &[auth],
        "",
    )
    .await;
    assert_eq!(code, 405);

    // Creating an existing name: 409 AlreadyExists.
    let existing =
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ge-system"}});
    let (code, body) = raw(
        &url,
        "POST",
        "/api/v1/namespaces",
        &[auth, ("Content-Type", "application/json")],
        &existing.to_string(),
    )
    .await;
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (code, status["reason"].as_str()),
        (409, Some("AlreadyExists"))
    );
    fleet.shutdown().await;
}

async fn wait_for_rollout(
    deployments: &Api<Deployment>,
    name: &str,
    after_generation: i64,
) -> Deployment {
    eventually(&format!("rollout of {name}"), || async {
        let deployment = deployments.get(name).await.ok()?;
        (deployment.metadata.generation.unwrap_or(0) > after_generation && rolled_out(&deployment))
            .then_some(deployment)
    })
    .await
}

#[tokio::test]
async fn restart_patches_roll_deployments_to_completion() {
    let (fleet, _state) = fleet().await;
    // Merge patch in dev, strategic merge patch (what kubectl sends) in staging, concurrently.
    let dev: Api<Deployment> = Api::namespaced(client(&fleet, "ge-dev").await, "ge-agents");
    let staging: Api<Deployment> = Api::namespaced(client(&fleet, "ge-staging").await, "ge-agents");
    let dev_before = dev.get("ge-executor").await.unwrap();
    let staging_before = staging.get("ge-executor").await.unwrap();
    let old_pods: Api<Pod> = Api::namespaced(client(&fleet, "ge-dev").await, "ge-agents");
    let replica_sets: Api<ReplicaSet> =
        Api::namespaced(client(&fleet, "ge-dev").await, "ge-agents");
    let sets_before = replica_sets
        .list(&ListParams::default().labels("app.kubernetes.io/name=ge-executor"))
        .await
        .unwrap()
        .items
        .len();
    let old_names: BTreeSet<String> = old_pods
        .list(&ListParams::default().labels("app.kubernetes.io/name=ge-executor"))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.metadata.name.unwrap())
        .collect();
    let patched = dev
        .patch(
            "ge-executor",
            &PatchParams::default(),
            &Patch::Merge(&restart_patch()),
        )
        .await
        .unwrap();
    assert_eq!(
        patched.metadata.generation,
        dev_before.metadata.generation.map(|g| g + 1)
    );
    assert_ne!(
        patched.metadata.resource_version,
        dev_before.metadata.resource_version
    );
    staging
        .patch(
            "ge-executor",
            &PatchParams::default(),
            &Patch::Strategic(restart_patch()),
        )
        .await
        .unwrap();
    let (dev_done, staging_done) = tokio::join!(
        wait_for_rollout(&dev, "ge-executor", dev_before.metadata.generation.unwrap()),
        wait_for_rollout(
            &staging,
            "ge-executor",
            staging_before.metadata.generation.unwrap()
        ),
    );
    for done in [&dev_done, &staging_done] {
        let progressing = done
            .status
            .as_ref()
            .unwrap()
            .conditions
            .iter()
            .flatten()
            .find(|c| c.type_ == "Progressing")
            .unwrap();
        assert_eq!(
            progressing.reason.as_deref(),
            Some("NewReplicaSetAvailable")
        );
        let revision =
            &done.metadata.annotations.as_ref().unwrap()["deployment.kubernetes.io/revision"];
        assert_eq!(revision, "24");
    }
    // The old pods are gone (eventually) and a new ReplicaSet owns the new ones.
    let new_names: BTreeSet<String> = eventually("old pods to terminate", || async {
        let names: BTreeSet<String> = old_pods
            .list(&ListParams::default().labels("app.kubernetes.io/name=ge-executor"))
            .await
            .ok()?
            .items
            .into_iter()
            .map(|p| p.metadata.name.unwrap())
            .collect();
        (names.len() == 2).then_some(names)
    })
    .await;
    assert!(new_names.is_disjoint(&old_names));
    let executor_sets = replica_sets
        .list(&ListParams::default().labels("app.kubernetes.io/name=ge-executor"))
        .await
        .unwrap();
    assert_eq!(
        executor_sets.items.len(),
        sets_before + 1,
        "one new ReplicaSet; the old ones stay as history"
    );
    let running: Vec<&ReplicaSet> = executor_sets
        .items
        .iter()
        .filter(|rs| rs.spec.as_ref().and_then(|s| s.replicas) != Some(0))
        .collect();
    assert_eq!(running.len(), 1);
    assert_eq!(
        running[0].metadata.annotations.as_ref().unwrap()["deployment.kubernetes.io/revision"],
        "24"
    );
    fleet.shutdown().await;
}

#[tokio::test]
async fn a_paused_deployment_does_not_roll() {
    let (fleet, _state) = fleet().await;
    let dev = client(&fleet, "ge-dev").await;
    let deployments: Api<Deployment> = Api::namespaced(dev.clone(), "ge-system");
    let pods: Api<Pod> = Api::namespaced(dev.clone(), "ge-system");
    let selector = ListParams::default().labels("app.kubernetes.io/name=report-builder");
    let replica_sets: Api<ReplicaSet> = Api::namespaced(dev.clone(), "ge-system");
    let sets_before = replica_sets.list(&selector).await.unwrap().items.len();
    let pods_before: Vec<String> = pods
        .list(&selector)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.metadata.name.unwrap())
        .collect();
    let patched = deployments
        .patch(
            "report-builder",
            &PatchParams::default(),
            &Patch::Strategic(restart_patch()),
        )
        .await
        .unwrap();
    let generation = patched.metadata.generation.unwrap();
    let observed = eventually("the paused deployment to be observed", || async {
        let deployment = deployments.get("report-builder").await.ok()?;
        (deployment.status.as_ref()?.observed_generation? >= generation).then_some(deployment)
    })
    .await;
    let progressing = observed
        .status
        .unwrap()
        .conditions
        .unwrap()
        .into_iter()
        .find(|c| c.type_ == "Progressing")
        .unwrap();
    assert_eq!(progressing.reason.as_deref(), Some("DeploymentPaused"));
    let sets = replica_sets.list(&selector).await.unwrap();
    assert_eq!(
        sets.items.len(),
        sets_before,
        "a paused deployment must not create a ReplicaSet"
    );
    let pods_after: Vec<String> = pods
        .list(&selector)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.metadata.name.unwrap())
        .collect();
    assert_eq!(pods_before, pods_after);
    fleet.shutdown().await;
}

#[tokio::test]
async fn ge_sandbox_exceeds_its_progress_deadline() {
    let (fleet, _state) = fleet().await;
    let deployments: Api<Deployment> = Api::namespaced(client(&fleet, "ge-dev").await, "ge-agents");
    let condition = eventually("ProgressDeadlineExceeded", || async {
        let deployment = deployments.get("ge-sandbox").await.ok()?;
        deployment.status?.conditions?.into_iter().find(|c| {
            c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
        })
    })
    .await;
    assert_eq!(condition.status, "False");
    let available = deployments
        .get("ge-sandbox")
        .await
        .unwrap()
        .status
        .unwrap()
        .available_replicas
        .unwrap_or(0);
    assert_eq!(available, 0);
    fleet.shutdown().await;
}

#[tokio::test]
async fn staging_metrics_server_is_crash_looping_with_climbing_restarts() {
    let (fleet, _state) = fleet().await;
    let pods: Api<Pod> = Api::namespaced(client(&fleet, "ge-staging").await, "kube-system");
    let selector = ListParams::default().labels("k8s-app=metrics-server");
    let restarts = |pod: &Pod| {
        pod.status
            .as_ref()
            .unwrap()
            .container_statuses
            .as_ref()
            .unwrap()[0]
            .restart_count
    };
    let first = pods.list(&selector).await.unwrap().items.remove(0);
    let status = first
        .status
        .as_ref()
        .unwrap()
        .container_statuses
        .as_ref()
        .unwrap()[0]
        .clone();
    assert_eq!(
        status.state.unwrap().waiting.unwrap().reason.as_deref(),
        Some("CrashLoopBackOff")
    );
    assert_eq!(status.last_state.unwrap().terminated.unwrap().exit_code, 1);
    assert!(!status.ready);
    let initial = restarts(&first);
    eventually("restartCount to climb", || async {
        let pod = pods.list(&selector).await.ok()?.items.into_iter().next()?;
        (restarts(&pod) > initial).then_some(())
    })
    .await;
    fleet.shutdown().await;
}

#[tokio::test]
async fn a_deleted_replica_set_pod_is_replaced() {
    let (fleet, _state) = fleet().await;
    let pods: Api<Pod> = Api::namespaced(client(&fleet, "ge-dev").await, "ge-system");
    let selector = ListParams::default().labels("app.kubernetes.io/name=admin-ui");
    let original = pods
        .list(&selector)
        .await
        .unwrap()
        .items
        .remove(0)
        .metadata
        .name
        .unwrap();
    let deleted = pods
        .delete(&original, &DeleteParams::default())
        .await
        .unwrap();
    let terminating = deleted.left().expect("graceful delete returns the pod");
    assert!(terminating.metadata.deletion_timestamp.is_some());
    let replacement = eventually("a ready replacement pod", || async {
        let list = pods.list(&selector).await.ok()?;
        list.items.into_iter().find(|p| {
            p.metadata.name.as_deref() != Some(original.as_str())
                && p.status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
        })
    })
    .await;
    assert!(replacement.metadata.name.unwrap().starts_with("admin-ui-"));
    eventually("the original pod to disappear", || async {
        pods.get_opt(&original).await.ok()?.is_none().then_some(())
    })
    .await;
    fleet.shutdown().await;
}

#[tokio::test]
async fn requests_without_the_token_are_unauthorized() {
    let (fleet, _state) = fleet().await;
    let url = fleet.server_url("ge-staging").unwrap();
    let (code, body) = raw(&url, "GET", "/api/v1/pods", &[], "").await;
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (code, status["reason"].as_str(), status["kind"].as_str()),
        (401, Some("Unauthorized"), Some("Status"))
    );
    let (code, _) = raw(
        &url,
        "GET",
        "/api/v1/pods",
        &[("Authorization", "Bearer demo-token-dev")],
        "",
    )
    .await;
    assert_eq!(code, 401, "another zone's token must not work");
    let mut config = Config::new(url.parse().unwrap());
    config.auth_info.token = Some("wrong".to_string().into());
    let pods: Api<Pod> = Api::all(Client::try_from(config).unwrap());
    let status = api_status(pods.list(&ListParams::default()).await.unwrap_err());
    assert_eq!(status.code, 401);
    fleet.shutdown().await;
}

#[tokio::test]
async fn a_stopped_zone_refuses_connections_and_comes_back_with_the_same_objects() {
    let (fleet, _state) = fleet().await;
    let dev_url = fleet.server_url("ge-dev").unwrap();
    let dev_pods: Api<Pod> = Api::all(client(&fleet, "ge-dev").await);
    let staging_pods: Api<Pod> = Api::all(client(&fleet, "ge-staging").await);
    let before: BTreeSet<String> = dev_pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.metadata.name.unwrap())
        .collect();
    let rv = dev_pods
        .list(&ListParams::default().limit(1))
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let mut watch = dev_pods
        .watch(&WatchParams::default().timeout(60), &rv)
        .await
        .unwrap()
        .boxed();

    fleet.stop_zone("ge-dev").await.unwrap();
    let ended = timeout(DEADLINE, async {
        loop {
            match watch.next().await {
                None | Some(Err(_)) => return,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the open watch must be dropped");
    let error = dev_pods.list(&ListParams::default()).await.unwrap_err();
    assert!(
        !matches!(error, kube::Error::Api(_)),
        "expected a connection error, got {error:?}"
    );
    let address = dev_url.trim_start_matches("http://");
    let refused = tokio::net::TcpStream::connect(address).await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(
        !staging_pods
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty(),
        "other zones keep answering"
    );

    fleet.start_zone("ge-dev").await.unwrap();
    assert_eq!(fleet.server_url("ge-dev").unwrap(), dev_url);
    let after: BTreeSet<String> = dev_pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.metadata.name.unwrap())
        .collect();
    assert_eq!(before, after);
    fleet.shutdown().await;
}

#[tokio::test]
async fn three_zones_answer_concurrently() {
    let (fleet, _state) = fleet_with(50, 5.0).await;
    let mut tasks = Vec::new();
    for context in fleet.contexts() {
        let client = client(&fleet, &context).await;
        tasks.push(tokio::spawn(async move {
            let pods: Api<Pod> = Api::all(client.clone());
            let mut total = 0;
            for _ in 0..10 {
                total = pods.list(&ListParams::default()).await.unwrap().items.len();
            }
            (
                context,
                total,
                client.apiserver_version().await.unwrap().git_version,
            )
        }));
    }
    let mut versions = BTreeSet::new();
    for task in tasks {
        let (context, total, version) = task.await.unwrap();
        assert!(total > 50, "{context}: {total}");
        versions.insert(version);
    }
    assert_eq!(versions.len(), 3);
    fleet.shutdown().await;
}

#[tokio::test]
async fn a_taken_port_gives_a_clear_error() {
    let (fleet, _state) = fleet().await;
    let url = fleet.server_url("ge-production").unwrap();
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    fleet.stop_zone("ge-production").await.unwrap();
    let squatter = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let error = fleet.start_zone("ge-production").await.unwrap_err();
    assert!(
        matches!(error, DemoError::PortInUse { port: p, .. } if p == port),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(&port.to_string()) && error.to_string().contains("in use"),
        "{error}"
    );
    drop(squatter);
    fleet.start_zone("ge-production").await.unwrap();
    let nodes: Api<Node> = Api::all(client(&fleet, "ge-production").await);
    assert_eq!(
        nodes
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        3
    );
    assert!(matches!(
        fleet.stop_zone("ge-nowhere").await,
        Err(DemoError::UnknownContext { .. })
    ));
    fleet.shutdown().await;
}

#[tokio::test]
async fn an_unwritable_kubeconfig_path_is_named_in_the_error() {
    let state = tempfile::tempdir().unwrap();
    let blocker = state.path().join("not-a-directory");
    std::fs::write(&blocker, "x").unwrap();
    let path = blocker.join("kubeconfig.yaml");
    let result = DemoFleet::start(DemoOptions {
        kubeconfig_out: Some(path.clone()),
        state_dir: state.path().to_path_buf(),
        time_scale: 0.1,
        ..Default::default()
    })
    .await;
    let Err(error) = result else {
        panic!("start should fail")
    };
    assert!(
        matches!(&error, DemoError::KubeconfigUnwritable { path: p, .. } if *p == path),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
}

#[tokio::test]
async fn the_kubeconfig_is_private_and_points_at_every_zone() {
    let (fleet, _state) = fleet().await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(fleet.kubeconfig_path())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    let kubeconfig = Kubeconfig::read_from(fleet.kubeconfig_path()).unwrap();
    assert_eq!(kubeconfig.current_context.as_deref(), Some("ge-dev"));
    for context in fleet.contexts() {
        let named = kubeconfig
            .clusters
            .iter()
            .find(|c| c.name == context)
            .unwrap();
        assert_eq!(
            named.cluster.as_ref().unwrap().server,
            fleet.server_url(&context)
        );
    }
    fleet.shutdown().await;
}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Start-up time and memory figures. Run alone:
/// `cargo test --test demo_api -- --ignored --exact measure_start_up_and_memory --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "prints measurements; run explicitly"]
async fn measure_start_up_and_memory() {
    for pods_per_zone in [0, 10_000] {
        let state = tempfile::tempdir().unwrap();
        let before = resident_kib();
        let started = Instant::now();
        let fleet = DemoFleet::start(DemoOptions {
            pods_per_zone,
            state_dir: state.path().to_path_buf(),
            ..Default::default()
        })
        .await
        .unwrap();
        let elapsed = started.elapsed();
        let after = resident_kib();
        let pods: Api<Pod> = Api::all(client(&fleet, "ge-production").await);
        let listed = Instant::now();
        let mut total = 0;
        let mut token: Option<String> = None;
        loop {
            let mut params = ListParams::default().limit(500);
            if let Some(token) = &token {
                params = params.continue_token(token);
            }
            let page = pods.list(&params).await.unwrap();
            total += page.items.len();
            token = page.metadata.continue_.filter(|t| !t.is_empty());
            if token.is_none() {
                break;
            }
        }
        println!(
            "pods_per_zone={pods_per_zone}: start {elapsed:?}, RSS {before} KiB -> {after} KiB (+{} KiB); \
             paged list of {total} pods in one zone took {:?}",
            after.saturating_sub(before),
            listed.elapsed()
        );
        assert!(total >= pods_per_zone);
        fleet.shutdown().await;
    }
}
