//! The events the demo fleet's simulated cluster records, seen over real HTTP: a rollout's
//! (deployment-controller, replicaset-controller, scheduler, kubelet), a crash loop's and a
//! failing pull's repeats aggregated with climbing counts, and a fresh demo's last hour in
//! both timestamp shapes.

mod demo_common;

use k8s_openapi::api::core::v1::Event as CoreEvent;
use k8s_openapi::api::events::v1::Event as EventV1;
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::{Value, json};

use demo_common::{client, eventually, fleet, raw_get};

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

#[tokio::test]
async fn a_fresh_demo_shows_its_last_hour_in_both_timestamp_shapes() {
    let (fleet, _state) = fleet().await;
    let dev = client(&fleet, "ge-dev").await;
    let all: Api<CoreEvent> = Api::all(dev.clone());
    let events = all.list(&ListParams::default()).await.unwrap().items;
    let now = jiff::Timestamp::now();
    let last_seen = |e: &CoreEvent| {
        e.series
            .as_ref()
            .and_then(|s| s.last_observed_time.as_ref().map(|t| t.0))
            .or(e.last_timestamp.as_ref().map(|t| t.0))
            .or(e.event_time.as_ref().map(|t| t.0))
            .expect("every event has a time")
    };
    assert!(
        events
            .iter()
            .all(|e| (now - last_seen(e)).get_seconds() <= 3600 + 5),
        "nothing older than the event TTL"
    );
    let legacy = events
        .iter()
        .filter(|e| e.first_timestamp.is_some() && e.event_time.is_none())
        .count();
    let structured: Vec<&CoreEvent> = events
        .iter()
        .filter(|e| e.first_timestamp.is_none() && e.last_timestamp.is_none())
        .collect();
    assert!(legacy >= 10, "{legacy} legacy events");
    assert!(!structured.is_empty(), "events.k8s.io-style events");
    assert!(
        structured
            .iter()
            .all(|e| e.event_time.is_some() && e.reason.as_deref() == Some("Scheduled")),
        "{structured:?}"
    );
    // The release of the zone's tag 18 minutes ago rolled ge-executor.
    let rollout = messages(
        &events_about(&all, "Deployment", "ge-executor").await,
        "ScalingReplicaSet",
    );
    assert_eq!(rollout.len(), 4, "{rollout:?}");
    assert!(
        rollout
            .iter()
            .any(|m| m.starts_with("Scaled up replica set ge-executor-")
                && m.ends_with("from 0 to 1"))
    );
    assert!(rollout.iter().any(
        |m| m.starts_with("Scaled down replica set ge-executor-") && m.ends_with("from 1 to 0")
    ));
    let warnings = events
        .iter()
        .filter(|e| e.type_.as_deref() == Some("Warning"))
        .count();
    assert!(warnings >= 3, "the stuck ge-sandbox warns: {warnings}");
    // Production's last release was days ago: nothing left from it.
    let production: Api<CoreEvent> = Api::all(client(&fleet, "ge-production").await);
    assert!(
        production
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .iter()
            .all(|e| e.reason.as_deref() != Some("ScalingReplicaSet"))
    );
    fleet.shutdown().await;
}

#[tokio::test]
async fn the_schedulers_repeated_failure_is_one_event_with_a_series() {
    let (fleet, _state) = fleet().await;
    let staging = client(&fleet, "ge-staging").await;
    let v1: Api<EventV1> = Api::namespaced(staging.clone(), "ge-agents");
    let failed = v1
        .list(&ListParams::default().fields("reason=FailedScheduling,regarding.kind=Pod"))
        .await
        .unwrap()
        .items;
    let [failed] = &failed[..] else {
        panic!("ge-executor's surge pod waited for CPU once: {failed:?}")
    };
    let series = failed.series.as_ref().expect("repeats are a series");
    assert_eq!(series.count, 3);
    assert!(series.last_observed_time.0 > failed.event_time.as_ref().unwrap().0);
    assert_eq!(failed.type_.as_deref(), Some("Warning"));
    assert_eq!(failed.action.as_deref(), Some("Scheduling"));
    assert!(failed.deprecated_count.is_none() && failed.deprecated_last_timestamp.is_none());
    assert!(
        failed
            .note
            .as_deref()
            .unwrap()
            .starts_with("0/3 nodes are available: 3 Insufficient cpu."),
        "{:?}",
        failed.note
    );
    // kubectl's table counts the series and shows when it was last observed.
    let pod = failed.regarding.as_ref().unwrap().name.clone().unwrap();
    let (_, body) = raw_get(
        &fleet,
        "ge-staging",
        &format!("/api/v1/namespaces/ge-agents/events?fieldSelector=reason%3DFailedScheduling,involvedObject.name%3D{pod}"),
        "application/json;as=Table;v=v1;g=meta.k8s.io",
    )
    .await;
    let table: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(table["rows"][0]["cells"][8], 3, "{body}");
    // The pod was scheduled after it.
    let scheduled = v1
        .list(&ListParams::default().fields(&format!("reason=Scheduled,regarding.name={pod}")))
        .await
        .unwrap()
        .items;
    assert_eq!(scheduled.len(), 1);
    assert!(scheduled[0].event_time.as_ref().unwrap().0 > series.last_observed_time.0);
    fleet.shutdown().await;
}
