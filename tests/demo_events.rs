//! Events in the demo fleet, over real HTTP: one store served as core/v1 and
//! events.k8s.io/v1 (discovery, list, get, watch, field selectors, the Table kubectl prints),
//! events aging out after their time to live, and the events the simulated cluster records.

use std::time::Duration;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use ge_console::demo::{DemoFleet, DemoOptions};
use k8s_openapi::api::core::v1::Event as CoreEvent;
use k8s_openapi::api::events::v1::Event as EventV1;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{Instant, sleep, timeout};

const DEADLINE: Duration = Duration::from_secs(30);

async fn fleet_with_ttl(event_ttl: Duration) -> (DemoFleet, tempfile::TempDir) {
    let state = tempfile::tempdir().unwrap();
    let fleet = DemoFleet::start(DemoOptions {
        state_dir: state.path().to_path_buf(),
        time_scale: 0.1,
        event_ttl,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    (fleet, state)
}

async fn fleet() -> (DemoFleet, tempfile::TempDir) {
    fleet_with_ttl(ge_console::demo::DEFAULT_EVENT_TTL).await
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

/// A raw GET with the zone's token; returns (status code, body).
async fn raw_get(fleet: &DemoFleet, context: &str, path: &str, accept: &str) -> (u16, String) {
    let url = fleet.server_url(context).unwrap();
    let address = url.trim_start_matches("http://").to_string();
    let token = format!("Bearer demo-token-{}", context.trim_start_matches("ge-"));
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nAuthorization: {token}\r\nAccept: {accept}\r\n\r\n"
    );
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

/// A raw GET decoded as JSON (the body of a non-chunked response).
async fn raw_json(fleet: &DemoFleet, context: &str, path: &str) -> Value {
    let (code, body) = raw_get(fleet, context, path, "application/json").await;
    assert_eq!(code, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

/// The next event of a watch, failing after DEADLINE.
async fn next_event<K>(
    watch: &mut BoxStream<'static, kube::Result<WatchEvent<K>>>,
) -> WatchEvent<K> {
    timeout(DEADLINE, watch.try_next())
        .await
        .expect("a watch event in time")
        .unwrap()
        .expect("the watch to go on")
}

/// A legacy (core/v1) event about pod `pod` in ge-agents, as the kubelet writes one.
fn kubelet_event(name: &str, pod: &str, reason: &str, count: i32) -> CoreEvent {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "ge-agents"},
        "involvedObject": {"apiVersion": "v1", "kind": "Pod", "name": pod, "namespace": "ge-agents",
            "uid": "0b6c3e62-1111-4222-8333-444455556666", "fieldPath": "spec.containers{ge-executor}"},
        "reason": reason, "message": format!("{reason} happened to {pod}"), "type": "Warning",
        "source": {"component": "kubelet", "host": "ge-dev-1"},
        "firstTimestamp": "2026-03-25T10:00:00Z", "lastTimestamp": "2026-03-25T10:04:00Z",
        "count": count, "reportingComponent": "kubelet", "reportingInstance": "ge-dev-1",
    }))
    .unwrap()
}

/// An events.k8s.io/v1 event about deployment `name` in ge-agents, as a controller writes one.
fn structured_event(name: &str, deployment: &str) -> EventV1 {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "ge-agents"},
        "eventTime": "2026-03-25T10:00:00.250000Z",
        "reportingController": "ge.io/release-bot", "reportingInstance": "release-bot-1",
        "action": "Release", "reason": "Released", "type": "Normal",
        "regarding": {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment,
            "namespace": "ge-agents"},
        "note": format!("{deployment} released"),
    }))
    .unwrap()
}

#[tokio::test]
async fn discovery_serves_events_in_both_groups_without_a_status_subresource() {
    let (fleet, _state) = fleet().await;
    let dev = client(&fleet, "ge-dev").await;
    let core = dev.list_core_api_resources("v1").await.unwrap();
    let events = core.resources.iter().find(|r| r.name == "events").unwrap();
    assert!(events.namespaced && events.kind == "Event");
    assert_eq!(events.short_names.as_deref(), Some(&["ev".to_string()][..]));
    assert!(events.verbs.contains(&"watch".to_string()));
    assert!(!core.resources.iter().any(|r| r.name == "events/status"));
    let groups = dev.list_api_groups().await.unwrap();
    let group = groups
        .groups
        .iter()
        .find(|g| g.name == "events.k8s.io")
        .expect("events.k8s.io is served");
    assert_eq!(
        group.preferred_version.as_ref().unwrap().group_version,
        "events.k8s.io/v1"
    );
    let v1 = dev
        .list_api_group_resources("events.k8s.io/v1")
        .await
        .unwrap();
    let names: Vec<&str> = v1.resources.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["events"]);
    let discovery = kube::Discovery::new(dev).run().await.unwrap();
    assert!(discovery.has_group("events.k8s.io"));
    let (code, _) = raw_get(
        &fleet,
        "ge-dev",
        "/api/v1/namespaces/ge-agents/events/x/status",
        "application/json",
    )
    .await;
    assert_eq!(code, 404);
    fleet.shutdown().await;
}

#[tokio::test]
async fn one_event_is_served_by_both_groups_in_each_groups_shape() {
    let (fleet, _state) = fleet().await;
    let dev = client(&fleet, "ge-dev").await;
    let core: Api<CoreEvent> = Api::namespaced(dev.clone(), "ge-agents");
    let v1: Api<EventV1> = Api::namespaced(dev.clone(), "ge-agents");

    let created = core
        .create(
            &PostParams::default(),
            &kubelet_event("pull.1", "ge-executor-x", "Failed", 3),
        )
        .await
        .unwrap();
    let seen = v1.get("pull.1").await.unwrap();
    assert_eq!(
        seen.metadata.resource_version,
        created.metadata.resource_version
    );
    assert_eq!(
        seen.regarding.as_ref().unwrap().name.as_deref(),
        Some("ge-executor-x")
    );
    assert_eq!(
        seen.note.as_deref(),
        Some("Failed happened to ge-executor-x")
    );
    assert_eq!(seen.deprecated_count, Some(3));
    assert_eq!(seen.reporting_controller.as_deref(), Some("kubelet"));
    assert!(seen.event_time.is_none() && seen.series.is_none());

    let written = v1
        .create(
            &PostParams::default(),
            &structured_event("release.1", "ge-executor"),
        )
        .await
        .unwrap();
    assert_eq!(written.note.as_deref(), Some("ge-executor released"));
    let legacy = core.get("release.1").await.unwrap();
    assert_eq!(legacy.involved_object.kind.as_deref(), Some("Deployment"));
    assert_eq!(legacy.message.as_deref(), Some("ge-executor released"));
    assert_eq!(
        legacy.reporting_component.as_deref(),
        Some("ge.io/release-bot")
    );
    assert!(legacy.first_timestamp.is_none() && legacy.count.is_none());

    // The raw shapes are the real server's: unset times are null, empty structs are {}.
    let raw_core = raw_json(
        &fleet,
        "ge-dev",
        "/api/v1/namespaces/ge-agents/events/release.1",
    )
    .await;
    assert_eq!(raw_core["apiVersion"], "v1");
    assert_eq!(raw_core["firstTimestamp"], Value::Null);
    assert_eq!(raw_core["lastTimestamp"], Value::Null);
    assert_eq!(raw_core["source"], json!({}));
    assert_eq!(raw_core["eventTime"], "2026-03-25T10:00:00.250000Z");
    assert!(raw_core.get("count").is_none());
    let raw_v1 = raw_json(
        &fleet,
        "ge-dev",
        "/apis/events.k8s.io/v1/namespaces/ge-agents/events/pull.1",
    )
    .await;
    assert_eq!(raw_v1["apiVersion"], "events.k8s.io/v1");
    assert_eq!(raw_v1["eventTime"], Value::Null);
    assert_eq!(raw_v1["deprecatedLastTimestamp"], "2026-03-25T10:04:00Z");
    assert_eq!(raw_v1["deprecatedSource"]["host"], "ge-dev-1");
    assert!(raw_v1.get("involvedObject").is_none());

    // Lists of both groups hold the same objects, each in its own shape.
    let core_list = raw_json(&fleet, "ge-dev", "/api/v1/namespaces/ge-agents/events").await;
    let v1_list = raw_json(
        &fleet,
        "ge-dev",
        "/apis/events.k8s.io/v1/namespaces/ge-agents/events",
    )
    .await;
    assert_eq!(core_list["kind"], "EventList");
    assert_eq!(v1_list["apiVersion"], "events.k8s.io/v1");
    let names = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&core_list), names(&v1_list));
    assert!(names(&core_list).contains(&"pull.1".to_string()));
    assert!(
        v1_list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e.get("regarding").is_some() && e.get("involvedObject").is_none())
    );

    // Writes through events.k8s.io must carry what that API requires.
    let mut incomplete = structured_event("release.2", "ge-executor");
    incomplete.reporting_instance = None;
    let error = v1
        .create(&PostParams::default(), &incomplete)
        .await
        .unwrap_err();
    let kube::Error::Api(status) = error else {
        panic!("expected an API error, got {error:?}")
    };
    assert_eq!(status.code, 422);
    assert!(
        status.message.contains("reportingInstance"),
        "{}",
        status.message
    );
    fleet.shutdown().await;
}

#[tokio::test]
async fn field_selectors_select_like_the_real_server_in_both_groups() {
    let (fleet, _state) = fleet().await;
    let dev = client(&fleet, "ge-dev").await;
    let core: Api<CoreEvent> = Api::namespaced(dev.clone(), "ge-agents");
    let v1: Api<EventV1> = Api::namespaced(dev.clone(), "ge-agents");
    for (name, pod, reason) in [
        ("a.1", "ge-executor-a", "BackOff"),
        ("a.2", "ge-executor-a", "Pulled"),
        ("b.1", "ge-executor-b", "BackOff"),
    ] {
        core.create(&PostParams::default(), &kubelet_event(name, pod, reason, 1))
            .await
            .unwrap();
    }
    v1.create(
        &PostParams::default(),
        &structured_event("release.1", "ge-executor"),
    )
    .await
    .unwrap();
    let core_names = |selector: &'static str| {
        let core = core.clone();
        async move {
            let mut names: Vec<String> = core
                .list(&ListParams::default().fields(selector))
                .await
                .unwrap()
                .items
                .into_iter()
                .filter_map(|e| e.metadata.name)
                .filter(|n| n.starts_with("a.") || n.starts_with("b.") || n.starts_with("release."))
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(
        core_names("involvedObject.name=ge-executor-a").await,
        ["a.1", "a.2"]
    );
    assert_eq!(
        core_names("involvedObject.kind=Pod,reason=BackOff").await,
        ["a.1", "b.1"]
    );
    assert_eq!(
        core_names("involvedObject.fieldPath=spec.containers{ge-executor},reason!=BackOff").await,
        ["a.2"]
    );
    assert_eq!(core_names("source=ge.io/release-bot").await, ["release.1"]);
    assert_eq!(
        core_names("reportingComponent=kubelet,type=Warning")
            .await
            .len(),
        3
    );
    assert_eq!(
        core_names(
            "involvedObject.uid=0b6c3e62-1111-4222-8333-444455556666,involvedObject.apiVersion=v1"
        )
        .await
        .len(),
        3
    );
    let v1_names = |selector: &'static str| {
        let v1 = v1.clone();
        async move {
            let mut names: Vec<String> = v1
                .list(&ListParams::default().fields(selector))
                .await
                .unwrap()
                .items
                .into_iter()
                .filter_map(|e| e.metadata.name)
                .filter(|n| n.starts_with("a.") || n.starts_with("b.") || n.starts_with("release."))
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(v1_names("regarding.name=ge-executor-b").await, ["b.1"]);
    assert_eq!(
        v1_names("regarding.kind=Deployment,reportingController=ge.io/release-bot").await,
        ["release.1"]
    );
    assert_eq!(v1_names("metadata.name=a.2").await, ["a.2"]);
    for (api, selector) in [
        ("/api/v1/events", "regarding.name%3Dx"),
        ("/apis/events.k8s.io/v1/events", "involvedObject.name%3Dx"),
        ("/apis/events.k8s.io/v1/events", "source%3Dkubelet"),
    ] {
        let (code, body) = raw_get(
            &fleet,
            "ge-dev",
            &format!("{api}?fieldSelector={selector}"),
            "application/json",
        )
        .await;
        assert_eq!(code, 400, "{api} {selector}: {body}");
        assert!(body.contains("field label not supported"), "{body}");
    }
    fleet.shutdown().await;
}

#[tokio::test]
async fn watches_of_both_groups_see_one_change_in_their_own_shape() {
    let (fleet, _state) = fleet().await;
    let dev = client(&fleet, "ge-dev").await;
    let core: Api<CoreEvent> = Api::namespaced(dev.clone(), "ge-agents");
    let v1: Api<EventV1> = Api::namespaced(dev.clone(), "ge-agents");
    let selector = "involvedObject.name=ge-executor-w";
    let v1_selector = "regarding.name=ge-executor-w";
    let from = core
        .list(&ListParams::default().fields(selector))
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let mut core_watch = core
        .watch(&WatchParams::default().fields(selector), &from)
        .await
        .unwrap()
        .boxed();
    let mut v1_watch = v1
        .watch(&WatchParams::default().fields(v1_selector), &from)
        .await
        .unwrap()
        .boxed();
    let created = core
        .create(
            &PostParams::default(),
            &kubelet_event("w.1", "ge-executor-w", "BackOff", 1),
        )
        .await
        .unwrap();
    let patched = core
        .patch(
            "w.1",
            &PatchParams::default(),
            &Patch::Merge(json!({"count": 2, "lastTimestamp": "2026-03-25T10:05:00Z"})),
        )
        .await
        .unwrap();
    assert_eq!(patched.count, Some(2));
    match next_event(&mut core_watch).await {
        WatchEvent::Added(event) => assert_eq!(event.count, Some(1)),
        other => panic!("expected ADDED, got {other:?}"),
    }
    match next_event(&mut core_watch).await {
        WatchEvent::Modified(event) => assert_eq!(event.count, Some(2)),
        other => panic!("expected MODIFIED, got {other:?}"),
    }
    match next_event(&mut v1_watch).await {
        WatchEvent::Added(event) => {
            assert_eq!(event.deprecated_count, Some(1));
            assert_eq!(
                event.regarding.unwrap().name.as_deref(),
                Some("ge-executor-w")
            );
        }
        other => panic!("expected ADDED, got {other:?}"),
    }
    match next_event(&mut v1_watch).await {
        WatchEvent::Modified(event) => {
            assert_eq!(event.deprecated_count, Some(2));
            assert_eq!(
                event.metadata.resource_version,
                patched.metadata.resource_version
            );
        }
        other => panic!("expected MODIFIED, got {other:?}"),
    }
    // Resuming from the create's resourceVersion replays only the patch.
    let created_rv = created.metadata.resource_version.unwrap();
    let mut resumed = v1
        .watch(&WatchParams::default().fields(v1_selector), &created_rv)
        .await
        .unwrap()
        .boxed();
    match next_event(&mut resumed).await {
        WatchEvent::Modified(event) => assert_eq!(event.deprecated_count, Some(2)),
        other => panic!("expected the replayed MODIFIED, got {other:?}"),
    }
    fleet.shutdown().await;
}

#[tokio::test]
async fn the_table_has_kubectls_event_columns() {
    let (fleet, _state) = fleet().await;
    let dev = client(&fleet, "ge-dev").await;
    let core: Api<CoreEvent> = Api::namespaced(dev, "ge-agents");
    core.create(
        &PostParams::default(),
        &kubelet_event("t.1", "ge-executor-t", "BackOff", 9),
    )
    .await
    .unwrap();
    for path in [
        "/api/v1/namespaces/ge-agents/events?fieldSelector=involvedObject.name%3Dge-executor-t",
        "/apis/events.k8s.io/v1/namespaces/ge-agents/events?fieldSelector=regarding.name%3Dge-executor-t",
    ] {
        let (code, body) = raw_get(
            &fleet,
            "ge-dev",
            path,
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
        )
        .await;
        assert_eq!(code, 200, "{body}");
        let table: Value = serde_json::from_str(&body).unwrap();
        let columns: Vec<&str> = table["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            columns,
            [
                "Last Seen",
                "Type",
                "Reason",
                "Object",
                "Subobject",
                "Source",
                "Message",
                "First Seen",
                "Count",
                "Name"
            ]
        );
        let rows = table["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{body}");
        let cells = &rows[0]["cells"];
        assert_eq!(cells[1], "Warning");
        assert_eq!(cells[3], "pod/ge-executor-t");
        assert_eq!(cells[5], "kubelet, ge-dev-1");
        assert_eq!(cells[8], 9);
        assert_eq!(rows[0]["object"]["metadata"]["name"], "t.1");
    }
    fleet.shutdown().await;
}

#[tokio::test]
async fn an_event_not_written_again_ages_out_and_watchers_see_it_go() {
    let ttl = Duration::from_millis(1_500);
    let (fleet, _state) = fleet_with_ttl(ttl).await;
    let dev = client(&fleet, "ge-dev").await;
    let core: Api<CoreEvent> = Api::namespaced(dev.clone(), "ge-agents");
    let v1: Api<EventV1> = Api::namespaced(dev, "ge-agents");
    let selector = "involvedObject.name=ge-executor-old";
    let from = core
        .list(&ListParams::default().fields(selector))
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let mut watch = v1
        .watch(
            &WatchParams::default().fields("regarding.name=ge-executor-old"),
            &from,
        )
        .await
        .unwrap()
        .boxed();
    let created_at = Instant::now();
    core.create(
        &PostParams::default(),
        &kubelet_event("old.1", "ge-executor-old", "BackOff", 1),
    )
    .await
    .unwrap();
    core.create(
        &PostParams::default(),
        &kubelet_event("kept.1", "ge-executor-old", "Pulled", 1),
    )
    .await
    .unwrap();
    // Renewing one event's lease (any write) keeps it past the other's expiry.
    let renew = async {
        for count in 2..6 {
            sleep(ttl / 3).await;
            core.patch(
                "kept.1",
                &PatchParams::default(),
                &Patch::Merge(json!({"count": count})),
            )
            .await
            .unwrap();
        }
    };
    let deleted = async {
        loop {
            match timeout(DEADLINE, watch.try_next()).await.unwrap().unwrap() {
                Some(WatchEvent::Deleted(event)) => return event,
                Some(_) => continue,
                None => panic!("the watch ended"),
            }
        }
    };
    let (_, deleted) = tokio::join!(renew, deleted);
    assert_eq!(deleted.metadata.name.as_deref(), Some("old.1"));
    assert!(
        created_at.elapsed() >= ttl,
        "expired after {:?}, before its ttl",
        created_at.elapsed()
    );
    let left: Vec<String> = core
        .list(&ListParams::default().fields(selector))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|e| e.metadata.name)
        .collect();
    assert_eq!(left, ["kept.1"]);
    eventually("the renewed event to age out too", || async {
        core.get_opt("kept.1")
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    fleet.shutdown().await;
}

#[tokio::test]
async fn a_zero_event_ttl_is_refused() {
    let state = tempfile::tempdir().unwrap();
    let result = DemoFleet::start(DemoOptions {
        state_dir: state.path().to_path_buf(),
        event_ttl: Duration::ZERO,
        ..DemoOptions::default()
    })
    .await;
    let Err(error) = result else {
        panic!("a zero ttl must be refused")
    };
    assert!(error.to_string().contains("event_ttl"), "{error}");
}

/// The events about one object, through core/v1, by field selector.
async fn events_about(events: &Api<CoreEvent>, kind: &str, name: &str) -> Vec<CoreEvent> {
    let selector = format!("involvedObject.kind={kind},involvedObject.name={name}");
    events
        .list(&ListParams::default().fields(&selector))
        .await
        .unwrap()
        .items
}

/// The messages of the events with `reason`.
fn messages(events: &[CoreEvent], reason: &str) -> Vec<String> {
    let mut messages: Vec<String> = events
        .iter()
        .filter(|e| e.reason.as_deref() == Some(reason))
        .filter_map(|e| e.message.clone())
        .collect();
    messages.sort();
    messages
}

#[tokio::test]
async fn a_restart_is_recorded_as_a_real_cluster_records_a_rollout() {
    use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
    use k8s_openapi::api::core::v1::Pod;
    let (fleet, _state) = fleet().await;
    let dev = client(&fleet, "ge-dev").await;
    let deployments: Api<Deployment> = Api::namespaced(dev.clone(), "ge-agents");
    let replica_sets: Api<ReplicaSet> = Api::namespaced(dev.clone(), "ge-agents");
    let pods: Api<Pod> = Api::namespaced(dev.clone(), "ge-agents");
    let core: Api<CoreEvent> = Api::namespaced(dev.clone(), "ge-agents");
    let v1: Api<EventV1> = Api::namespaced(dev.clone(), "ge-agents");
    let executor = ListParams::default().labels("app.kubernetes.io/name=ge-executor");
    let names = |items: Vec<Pod>| -> Vec<String> {
        items.into_iter().filter_map(|p| p.metadata.name).collect()
    };
    let old_pods = names(pods.list(&executor).await.unwrap().items);
    let old_sets: Vec<String> = replica_sets
        .list(&executor)
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|rs| rs.spec.as_ref().and_then(|s| s.replicas) == Some(2))
        .filter_map(|rs| rs.metadata.name)
        .collect();
    let [old_set] = &old_sets[..] else {
        panic!("one ReplicaSet runs ge-executor: {old_sets:?}")
    };
    let before = deployments.get("ge-executor").await.unwrap();
    deployments
        .patch(
            "ge-executor",
            &PatchParams::default(),
            &Patch::Strategic(json!({"spec": {"template": {"metadata": {"annotations": {
                "kubectl.kubernetes.io/restartedAt": "2026-03-25T10:00:00Z"}}}}})),
        )
        .await
        .unwrap();
    let new_pods = eventually("the restart to replace both pods", || async {
        let current = names(pods.list(&executor).await.ok()?.items);
        let done = current.len() == 2 && current.iter().all(|p| !old_pods.contains(p));
        let rolled = deployments
            .get("ge-executor")
            .await
            .ok()?
            .status?
            .updated_replicas
            == Some(2);
        (done && rolled).then_some(current)
    })
    .await;
    let new_set = eventually("the new ReplicaSet", || async {
        replica_sets
            .list(&executor)
            .await
            .ok()?
            .items
            .into_iter()
            .filter(|rs| rs.metadata.name.as_deref() != Some(old_set.as_str()))
            .find(|rs| {
                rs.metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|o| Some(&o.uid) == before.metadata.uid.as_ref())
                    && rs.spec.as_ref().and_then(|s| s.replicas) == Some(2)
            })
            .and_then(|rs| rs.metadata.name)
    })
    .await;

    let about_deployment = eventually("the deployment controller's events", || async {
        let events = events_about(&core, "Deployment", "ge-executor").await;
        (messages(&events, "ScalingReplicaSet").len() >= 4).then_some(events)
    })
    .await;
    let scaling = messages(&about_deployment, "ScalingReplicaSet");
    for expected in [
        format!("Scaled up replica set {new_set} from 0 to 1"),
        format!("Scaled up replica set {new_set} from 1 to 2"),
        format!("Scaled down replica set {old_set} from 2 to 1"),
        format!("Scaled down replica set {old_set} from 1 to 0"),
    ] {
        assert!(scaling.contains(&expected), "{expected} not in {scaling:?}");
    }
    let scaled = about_deployment
        .iter()
        .find(|e| e.reason.as_deref() == Some("ScalingReplicaSet"))
        .unwrap();
    assert_eq!(
        scaled.source.as_ref().unwrap().component.as_deref(),
        Some("deployment-controller")
    );
    assert_eq!(
        scaled.reporting_component.as_deref(),
        Some("deployment-controller")
    );
    assert_eq!(scaled.type_.as_deref(), Some("Normal"));
    assert_eq!(scaled.count, Some(1));
    assert!(scaled.first_timestamp.is_some() && scaled.event_time.is_none());
    assert_eq!(scaled.involved_object.uid, before.metadata.uid);

    let created = messages(
        &events_about(&core, "ReplicaSet", &new_set).await,
        "SuccessfulCreate",
    );
    let mut expected: Vec<String> = new_pods
        .iter()
        .map(|p| format!("Created pod: {p}"))
        .collect();
    expected.sort();
    assert_eq!(created, expected);
    let deleted = messages(
        &events_about(&core, "ReplicaSet", old_set).await,
        "SuccessfulDelete",
    );
    let mut expected: Vec<String> = old_pods
        .iter()
        .map(|p| format!("Deleted pod: {p}"))
        .collect();
    expected.sort();
    assert_eq!(deleted, expected);

    for pod in &new_pods {
        // The scheduler writes through events.k8s.io: eventTime, action, no legacy fields.
        let scheduled = v1
            .list(&ListParams::default().fields(&format!("regarding.name={pod},reason=Scheduled")))
            .await
            .unwrap()
            .items;
        let [scheduled] = &scheduled[..] else {
            panic!("one Scheduled event for {pod}: {scheduled:?}")
        };
        assert!(scheduled.event_time.is_some());
        assert_eq!(scheduled.action.as_deref(), Some("Binding"));
        assert_eq!(
            scheduled.reporting_controller.as_deref(),
            Some("default-scheduler")
        );
        assert_eq!(
            scheduled.reporting_instance.as_deref(),
            Some("default-scheduler-ge-dev-1")
        );
        assert_eq!(
            scheduled.note.as_deref(),
            Some(format!("Successfully assigned ge-agents/{pod} to ge-dev-1").as_str())
        );
        assert!(scheduled.deprecated_first_timestamp.is_none());
        let kubelet = eventually("the kubelet's events", || async {
            let events = events_about(&core, "Pod", pod).await;
            (!messages(&events, "Started").is_empty()).then_some(events)
        })
        .await;
        assert_eq!(
            messages(&kubelet, "Pulled"),
            [
                "Container image \"registry.ge.internal/ge-executor:2026.03.25-7c1e9a2\" already present on machine"
            ]
        );
        assert_eq!(
            messages(&kubelet, "Created"),
            ["Created container: ge-executor"]
        );
        assert_eq!(
            messages(&kubelet, "Started"),
            ["Started container ge-executor"]
        );
        let started = kubelet
            .iter()
            .find(|e| e.reason.as_deref() == Some("Started"))
            .unwrap();
        assert_eq!(
            started.involved_object.field_path.as_deref(),
            Some("spec.containers{ge-executor}")
        );
        assert_eq!(
            started.source.as_ref().unwrap().host.as_deref(),
            Some("ge-dev-1")
        );
    }
    for pod in &old_pods {
        let killing = eventually("the old pod's containers to be stopped", || async {
            let events = events_about(&core, "Pod", pod).await;
            let killing = messages(&events, "Killing");
            (!killing.is_empty()).then_some(killing)
        })
        .await;
        assert_eq!(killing, ["Stopping container ge-executor"]);
    }
    fleet.shutdown().await;
}

#[tokio::test]
async fn the_crash_looping_metrics_server_backs_off_with_a_climbing_count() {
    use k8s_openapi::api::core::v1::Pod;
    let (fleet, _state) = fleet().await;
    let staging = client(&fleet, "ge-staging").await;
    let pods: Api<Pod> = Api::namespaced(staging.clone(), "kube-system");
    let core: Api<CoreEvent> = Api::namespaced(staging.clone(), "kube-system");
    let pod = pods
        .list(&ListParams::default().labels("k8s-app=metrics-server"))
        .await
        .unwrap()
        .items
        .remove(0);
    let name = pod.metadata.name.clone().unwrap();
    let selector = format!("involvedObject.name={name},reason=BackOff,type=Warning");
    let backoff = |core: Api<CoreEvent>, selector: String| async move {
        let mut events = core
            .list(&ListParams::default().fields(&selector))
            .await
            .unwrap()
            .items;
        assert_eq!(events.len(), 1, "one aggregated BackOff event: {events:?}");
        events.remove(0)
    };
    let first = backoff(core.clone(), selector.clone()).await;
    assert_eq!(
        first.message.as_deref(),
        Some(
            format!(
                "Back-off restarting failed container metrics-server in pod {name}_kube-system({})",
                pod.metadata.uid.as_deref().unwrap()
            )
            .as_str()
        )
    );
    assert_eq!(
        first.source.as_ref().unwrap().component.as_deref(),
        Some("kubelet")
    );
    let seen = first.count.unwrap();
    assert!(seen > 1, "a crash loop has backed off before: {seen}");
    let later = eventually("the back-off count to climb", || {
        let (core, selector) = (core.clone(), selector.clone());
        async move {
            let event = backoff(core, selector).await;
            (event.count.unwrap_or(0) > seen).then_some(event)
        }
    })
    .await;
    assert_eq!(
        later.metadata.name, first.metadata.name,
        "one event, updated"
    );
    assert_eq!(later.first_timestamp, first.first_timestamp);
    assert!(later.last_timestamp.as_ref().unwrap().0 > first.last_timestamp.as_ref().unwrap().0);
    // The restarts are counted the same way.
    let restarts = events_about(&core, "Pod", &name).await;
    let started = restarts
        .iter()
        .find(|e| e.reason.as_deref() == Some("Started"))
        .unwrap();
    assert!(started.count.unwrap() > 1);
    fleet.shutdown().await;
}

#[tokio::test]
async fn the_stuck_sandbox_reports_its_failing_image_pull() {
    use k8s_openapi::api::core::v1::Pod;
    let (fleet, _state) = fleet().await;
    let dev = client(&fleet, "ge-dev").await;
    let pods: Api<Pod> = Api::namespaced(dev.clone(), "ge-agents");
    let core: Api<CoreEvent> = Api::namespaced(dev.clone(), "ge-agents");
    let pod = pods
        .list(&ListParams::default().labels("app.kubernetes.io/name=ge-sandbox"))
        .await
        .unwrap()
        .items
        .remove(0)
        .metadata
        .name
        .unwrap();
    let image = "registry.ge.internal/ge-sandbox:broken-arm64-only";
    let events = events_about(&core, "Pod", &pod).await;
    let failed = messages(&events, "Failed");
    assert!(
        failed.contains(&"Error: ErrImagePull".to_string()),
        "{failed:?}"
    );
    assert!(
        failed.contains(&"Error: ImagePullBackOff".to_string()),
        "{failed:?}"
    );
    assert!(
        failed.iter().any(
            |m| m.starts_with(&format!("Failed to pull image \"{image}\""))
                && m.ends_with("not found")
        ),
        "{failed:?}"
    );
    assert_eq!(
        messages(&events, "BackOff"),
        [format!("Back-off pulling image \"{image}\"")]
    );
    assert!(
        events
            .iter()
            .filter(|e| e.reason.as_deref() == Some("Failed"))
            .all(|e| e.type_.as_deref() == Some("Warning") && e.count.unwrap_or(0) > 1),
        "{events:?}"
    );
    let warnings = |events: &[CoreEvent]| -> i32 {
        events
            .iter()
            .filter(|e| e.type_.as_deref() == Some("Warning"))
            .map(|e| e.count.unwrap_or(0))
            .sum()
    };
    let before = warnings(&events);
    eventually("the kubelet to report the pull failing again", || async {
        (warnings(&events_about(&core, "Pod", &pod).await) > before).then_some(())
    })
    .await;
    fleet.shutdown().await;
}
