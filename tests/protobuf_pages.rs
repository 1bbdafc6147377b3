//! Pods in Kubernetes' protobuf encoding over real HTTP: the demo fleet serves them to a client
//! that asks for protobuf first, and the console asks so and reads them into the same pods as
//! from JSON; errors and pages the server sends as JSON instead are read as well.

#[path = "demo_common/mod.rs"]
mod demo_common;
mod pod_pages;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::routing::get;
use demo_common::{DEADLINE, serve};
use futures::StreamExt;
use ge_console::cluster::list_watch::{PAGE_SIZE, list_watch};
use ge_console::cluster::project::{SlimPod, decode_pod_list};
use ge_console::cluster::protobuf::{MAGIC, PROTOBUF_OR_JSON};
use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt;
use kube::api::{Api, ObjectList, PostParams};
use kube::runtime::watcher::{Error, Event};
use pod_pages::{get_raw, projected};
use prost::encoding::{WireType, encode_key, encode_varint};
use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

#[tokio::test]
async fn every_demo_pod_reads_the_same_from_protobuf_as_from_json() {
    let (fleet, _state) = demo_common::fleet_with_load(300, "ge-agents", 0.0).await;
    for context in ["ge-dev", "ge-staging", "ge-production"] {
        let client = demo_common::client(&fleet, context).await;
        // The demo's controllers write pods now and then: compare two reads of one version.
        let deadline = Instant::now() + DEADLINE;
        loop {
            let protobuf = get_raw(&client, "/api/v1/pods", PROTOBUF_OR_JSON).await;
            assert_eq!(
                (protobuf.code, protobuf.content_type.as_str()),
                (200, "application/vnd.kubernetes.protobuf")
            );
            let body = protobuf.body;
            assert!(body.starts_with(MAGIC));
            let from_protobuf = decode_pod_list(&body).unwrap();
            let answer = get_raw(&client, "/api/v1/pods", "application/json").await;
            assert_eq!(
                (answer.code, answer.content_type.as_str()),
                (200, "application/json")
            );
            let json = answer.body;
            assert!(
                body.len() < json.len() * 2 / 3,
                "protobuf is the smaller encoding: {} against {} bytes",
                body.len(),
                json.len()
            );
            let from_json: ObjectList<SlimPod> = serde_json::from_slice(&json).unwrap();
            if from_protobuf.metadata.resource_version != from_json.metadata.resource_version {
                assert!(
                    Instant::now() < deadline,
                    "{context}'s pods never held still"
                );
                continue;
            }
            assert!(
                from_json.items.len() > 300,
                "{context}: the load pods and the fleet's"
            );
            assert_eq!(projected(from_protobuf), projected(from_json), "{context}");
            break;
        }
    }
}

#[tokio::test]
async fn the_console_lists_the_demo_pods_in_protobuf_pages_then_watches() {
    let (fleet, _state) =
        demo_common::fleet_with_load(2 * PAGE_SIZE as usize + 17, "ge-agents", 0.0).await;
    let client = demo_common::client(&fleet, "ge-staging").await;
    let first_page = get_raw(
        &client,
        &format!("/api/v1/namespaces/ge-agents/pods?limit={PAGE_SIZE}"),
        PROTOBUF_OR_JSON,
    )
    .await;
    assert_eq!(
        first_page.content_type,
        "application/vnd.kubernetes.protobuf"
    );
    let plain: Api<Pod> = Api::namespaced(client.clone(), "ge-agents");
    let expected = demo_common::sorted_names(&plain).await;
    assert!(
        expected.len() > 2 * PAGE_SIZE as usize,
        "three pages at least"
    );

    let mut stream = list_watch(Api::<SlimPod>::namespaced(client, "ge-agents")).boxed();
    let mut listed = listed_names(&mut stream).await;
    listed.sort();
    assert_eq!(listed, expected);

    let gone = expected[0].clone();
    plain.delete(&gone, &Default::default()).await.unwrap();
    loop {
        match timeout(DEADLINE, stream.next()).await.unwrap().unwrap() {
            Ok(Event::Delete(pod)) if pod.name_any() == gone => break,
            Ok(Event::Apply(_) | Event::Delete(_)) => {}
            other => panic!("unexpected while watching: {:?}", other.map(|_| ())),
        }
    }
}

#[tokio::test]
async fn a_pod_the_demo_cannot_encode_sends_its_page_as_json_whole() {
    let (fleet, _state) = demo_common::fleet_with_load(0, "ge-load", 0.0).await;
    let client = demo_common::client(&fleet, "ge-dev").await;
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "with-volume", "namespace": "ge-data"},
        "spec": {
            "containers": [{"name": "app", "image": "app:1",
                "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}]}],
            "volumes": [{"name": "scratch", "emptyDir": {}}]
        }
    }))
    .unwrap();
    Api::<Pod>::namespaced(client.clone(), "ge-data")
        .create(&PostParams::default(), &pod)
        .await
        .unwrap();

    let answer = get_raw(&client, "/api/v1/namespaces/ge-data/pods", PROTOBUF_OR_JSON).await;
    assert_eq!(
        (answer.code, answer.content_type.as_str()),
        (200, "application/json")
    );
    let list: ObjectList<Pod> = serde_json::from_slice(&answer.body).unwrap();
    let sent = list
        .items
        .iter()
        .find(|p| p.name_any() == "with-volume")
        .expect("the pod is in the page");
    let volumes = sent.spec.as_ref().and_then(|s| s.volumes.as_ref());
    assert_eq!(volumes.map(Vec::len), Some(1), "nothing of it dropped");

    let other_namespace = get_raw(
        &client,
        "/api/v1/namespaces/ge-system/pods",
        PROTOBUF_OR_JSON,
    )
    .await;
    assert_eq!(
        other_namespace.content_type,
        "application/vnd.kubernetes.protobuf"
    );
    let json_first = get_raw(
        &client,
        "/api/v1/namespaces/ge-system/pods",
        "application/json, application/vnd.kubernetes.protobuf",
    )
    .await;
    assert_eq!(
        json_first.content_type, "application/json",
        "the client's order is kept"
    );
}

/// The names of the pods a list-then-watch lists, up to its end of the list, in list order.
async fn listed_names<S>(stream: &mut S) -> Vec<String>
where
    S: futures::Stream<Item = Result<Event<SlimPod>, Error>> + Unpin,
{
    let mut listed = Vec::new();
    loop {
        match timeout(DEADLINE, stream.next()).await.unwrap().unwrap() {
            Ok(Event::Init) => {}
            Ok(Event::InitApply(pod)) => listed.push(pod.name_any()),
            Ok(Event::InitDone) => return listed,
            Ok(_) => panic!("a watch event during the list"),
            Err(err) => panic!("the list failed: {err}"),
        }
    }
}

/// Writes a length-delimited protobuf field.
fn field(tag: u32, bytes: &[u8], out: &mut Vec<u8>) {
    encode_key(tag, WireType::LengthDelimited, out);
    encode_varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// A body in the envelope: magic, then `runtime.Unknown` naming `kind` around `object`.
fn envelope(kind: &str, object: &[u8]) -> Vec<u8> {
    let mut type_meta = Vec::new();
    field(1, b"v1", &mut type_meta);
    field(2, kind.as_bytes(), &mut type_meta);
    let mut body = MAGIC.to_vec();
    field(1, &type_meta, &mut body);
    field(2, object, &mut body);
    body
}

/// A protobuf `PodList` page of pods named `names` in namespace `ns`.
fn protobuf_page(names: &[&str], resource_version: &str, next: &str) -> Vec<u8> {
    let mut list_meta = Vec::new();
    field(2, resource_version.as_bytes(), &mut list_meta);
    field(3, next.as_bytes(), &mut list_meta);
    let mut list = Vec::new();
    field(1, &list_meta, &mut list);
    for name in names {
        let mut meta = Vec::new();
        field(1, name.as_bytes(), &mut meta);
        field(3, b"ns", &mut meta);
        field(6, b"5", &mut meta);
        let mut container = Vec::new();
        field(1, b"app", &mut container);
        field(2, b"app:1", &mut container);
        let mut spec = Vec::new();
        field(2, &container, &mut spec);
        let mut pod = Vec::new();
        field(1, &meta, &mut pod);
        field(2, &spec, &mut pod);
        field(2, &pod, &mut list);
    }
    envelope("PodList", &list)
}

fn query_value(uri: &Uri, key: &str) -> Option<String> {
    uri.query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
        .map(str::to_string)
}

/// How a test server answers a pod list, by its continue token: status, content type, body.
type Answer = fn(Option<&str>) -> (StatusCode, &'static str, Vec<u8>);

/// A server answering pod lists with `answer` (by continue token), recording each Accept header;
/// watches stay open and quiet.
fn pod_server(answer: Answer) -> (Router, mpsc::UnboundedReceiver<String>) {
    let (accepts, seen) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/api/v1/namespaces/ns/pods",
        get(move |uri: Uri, headers: HeaderMap| {
            let accepts = accepts.clone();
            async move {
                if query_value(&uri, "watch").as_deref() == Some("true") {
                    return Body::from_stream(futures::stream::pending::<
                        Result<String, std::io::Error>,
                    >())
                    .into_response();
                }
                let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
                accepts
                    .send(accept.unwrap_or_default().to_string())
                    .unwrap();
                let (code, content_type, body) = answer(query_value(&uri, "continue").as_deref());
                (code, [(header::CONTENT_TYPE, content_type)], body).into_response()
            }
        }),
    );
    (app, seen)
}

#[tokio::test]
async fn pages_are_read_in_whichever_format_the_server_chose() {
    let (app, mut accepts) = pod_server(|token| match token {
        None => (
            StatusCode::OK,
            "application/vnd.kubernetes.protobuf",
            protobuf_page(&["a", "b"], "6", "page-2"),
        ),
        // Another server behind the same address (an aggregated API, a proxy) may answer JSON.
        Some(_) => (
            StatusCode::OK,
            "application/json",
            json!({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "7"},
                "items": [{"metadata": {"name": "c", "namespace": "ns", "resourceVersion": "7"}}]})
            .to_string()
            .into_bytes(),
        ),
    });
    let client = serve(app).await;
    let mut stream = list_watch(Api::<SlimPod>::namespaced(client, "ns")).boxed();
    assert_eq!(listed_names(&mut stream).await, ["a", "b", "c"]);
    for _ in 0..2 {
        assert_eq!(accepts.recv().await.unwrap(), PROTOBUF_OR_JSON);
    }
}

/// The first answer of a list-then-watch of pods from a server answering `answer`.
async fn first_list_error(answer: Answer) -> Error {
    let (app, _accepts) = pod_server(answer);
    let client = serve(app).await;
    let mut stream = list_watch(Api::<SlimPod>::namespaced(client, "ns")).boxed();
    loop {
        match timeout(DEADLINE, stream.next()).await.unwrap().unwrap() {
            Ok(Event::Init) => {}
            Ok(_) => panic!("the list succeeded"),
            Err(err) => return err,
        }
    }
}

#[tokio::test]
async fn a_protobuf_status_is_kubes_api_error_and_a_broken_page_a_decoding_error() {
    let forbidden = first_list_error(|_| {
        let mut status = Vec::new();
        field(2, b"Failure", &mut status);
        field(
            3,
            b"pods is forbidden: User \"dev\" cannot list resource \"pods\"",
            &mut status,
        );
        field(4, b"Forbidden", &mut status);
        encode_key(6, WireType::Varint, &mut status);
        encode_varint(403, &mut status);
        (
            StatusCode::FORBIDDEN,
            "application/vnd.kubernetes.protobuf",
            envelope("Status", &status),
        )
    })
    .await;
    match forbidden {
        Error::InitialListFailed(kube::Error::Api(status)) => {
            assert_eq!(status.code, 403);
            assert_eq!(status.reason, "Forbidden");
            assert!(
                status.message.starts_with("pods is forbidden"),
                "{}",
                status.message
            );
        }
        other => panic!("expected kube's API error, got {other:?}"),
    }

    let broken = first_list_error(|_| {
        let mut body = protobuf_page(&["a"], "6", "");
        body.truncate(body.len() - 3);
        (StatusCode::OK, "application/vnd.kubernetes.protobuf", body)
    })
    .await;
    assert!(
        matches!(broken, Error::InitialListFailed(kube::Error::SerdeError(_))),
        "{broken:?}"
    );

    let plain_text = first_list_error(|_| {
        (
            StatusCode::BAD_GATEWAY,
            "text/plain",
            b"upstream connect error".to_vec(),
        )
    })
    .await;
    match plain_text {
        Error::InitialListFailed(kube::Error::Api(status)) => {
            assert_eq!(status.code, 502);
            assert_eq!(status.message, "upstream connect error");
        }
        other => panic!("expected kube's API error, got {other:?}"),
    }
}
