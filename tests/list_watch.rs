//! The console's list-then-watch (`cluster::list_watch`) through kube-rs over real HTTP: against
//! a small server that records each request and serves pages, watch streams and broken answers,
//! and against the demo fleet, where its list must match what kube-rs's plain list returns.

#[path = "demo_common/mod.rs"]
mod demo_common;

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use demo_common::{DEADLINE, serve};
use futures::{Stream, StreamExt};
use ge_console::cluster::list_watch::{PAGE_SIZE, list_watch};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DeleteParams};
use kube::runtime::watcher::{Error, Event};
use kube::{Client, Config, ResourceExt};
use serde_json::json;
use tokio::sync::mpsc;
use tokio::time::timeout;

fn pod(name: &str, resource_version: &str) -> serde_json::Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": resource_version},
        "spec": {"containers": [{"name": "app", "image": "app:1"}]}
    })
}

fn page(items: Vec<serde_json::Value>, resource_version: &str, next: &str) -> String {
    json!({
        "kind": "PodList", "apiVersion": "v1",
        "metadata": {"resourceVersion": resource_version, "continue": next},
        "items": items
    })
    .to_string()
}

/// The value of `key` in a request's query.
fn query_value(uri: &Uri, key: &str) -> Option<String> {
    uri.query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
        .map(str::to_string)
}

/// What the stream hands out next, within the deadline.
async fn next<S>(stream: &mut S) -> Result<Event<Pod>, Error>
where
    S: Stream<Item = Result<Event<Pod>, Error>> + Unpin,
{
    timeout(DEADLINE, stream.next())
        .await
        .expect("the list-then-watch answered within the deadline")
        .expect("the stream goes on")
}

/// Names what an event carries, to compare sequences.
fn describe(event: Result<Event<Pod>, Error>) -> String {
    match event {
        Ok(Event::Init) => "init".into(),
        Ok(Event::InitApply(pod)) => format!("list {}", pod.name_any()),
        Ok(Event::InitDone) => "listed".into(),
        Ok(Event::Apply(pod)) => format!("apply {}", pod.name_any()),
        Ok(Event::Delete(pod)) => format!("delete {}", pod.name_any()),
        Err(err) => format!("error {err}"),
    }
}

/// A watch stream that stays open and quiet.
fn quiet_watch() -> Body {
    Body::from_stream(futures::stream::pending::<Result<String, std::io::Error>>())
}

#[tokio::test]
async fn pages_are_followed_then_the_watch_resumes_from_the_last_version_seen() {
    let (requests, mut seen) = mpsc::unbounded_channel::<Uri>();
    let app = Router::new().route(
        "/api/v1/namespaces/ns/pods",
        get(move |uri: Uri| {
            let requests = requests.clone();
            async move {
                requests.send(uri.clone()).unwrap();
                if query_value(&uri, "watch").as_deref() == Some("true") {
                    return match query_value(&uri, "resourceVersion").as_deref() {
                        // The first watch: a change, a bookmark, a delete, then the server ends it.
                        Some("7") => Body::from(
                            [
                                json!({"type": "MODIFIED", "object": pod("a", "8")}),
                                json!({"type": "BOOKMARK", "object": {"kind": "Pod",
                                    "apiVersion": "v1", "metadata": {"resourceVersion": "9"}}}),
                                json!({"type": "DELETED", "object": pod("b", "10")}),
                            ]
                            .iter()
                            .map(|line| format!("{line}\n"))
                            .collect::<String>(),
                        ),
                        _ => quiet_watch(),
                    };
                }
                Body::from(match query_value(&uri, "continue").as_deref() {
                    None => page(vec![pod("a", "3"), pod("b", "4")], "6", "page-2"),
                    Some("page-2") => page(vec![pod("c", "5")], "7", ""),
                    Some(other) => panic!("unknown continue token {other}"),
                })
            }
        }),
    );
    let client = serve(app).await;
    let mut stream = list_watch(Api::<Pod>::namespaced(client, "ns")).boxed();
    let mut got = Vec::new();
    for _ in 0..7 {
        got.push(describe(next(&mut stream).await));
    }
    assert_eq!(
        got,
        [
            "init", "list a", "list b", "list c", "listed", "apply a", "delete b"
        ]
    );

    // The requests: two pages of PAGE_SIZE, a watch from the list's version, and, after the
    // server ended it, a watch from the last version seen (the delete's, after the bookmark).
    // The stream is polled for the re-watch to happen; the quiet watch hands out nothing.
    let quiet = stream.next();
    tokio::pin!(quiet);
    let mut requests = Vec::new();
    while requests.len() < 4 {
        tokio::select! {
            uri = seen.recv() => requests.push(uri.unwrap()),
            event = &mut quiet => panic!("the quiet watch handed out {:?}", event.map(describe)),
            _ = tokio::time::sleep(DEADLINE) => panic!("only {} requests: {requests:?}", requests.len()),
        }
    }
    let limit = PAGE_SIZE.to_string();
    assert_eq!(query_value(&requests[0], "limit").as_deref(), Some(&*limit));
    assert_eq!(query_value(&requests[0], "continue"), None);
    assert_eq!(
        query_value(&requests[1], "continue").as_deref(),
        Some("page-2")
    );
    for (watch, version) in [(&requests[2], "7"), (&requests[3], "10")] {
        assert_eq!(query_value(watch, "watch").as_deref(), Some("true"));
        assert_eq!(
            query_value(watch, "allowWatchBookmarks").as_deref(),
            Some("true")
        );
        assert_eq!(
            query_value(watch, "resourceVersion").as_deref(),
            Some(version)
        );
    }
}

/// The first error a list-then-watch of `app`'s pods hands out, after its `Init`.
async fn list_error(app: Router) -> Error {
    let client = serve(app).await;
    let mut stream = list_watch(Api::<Pod>::namespaced(client, "ns")).boxed();
    assert_eq!(describe(next(&mut stream).await), "init");
    match next(&mut stream).await {
        Err(err) => err,
        Ok(event) => panic!("expected an error, got {}", describe(Ok(event))),
    }
}

#[tokio::test]
async fn a_refused_list_is_the_servers_status_as_kube_makes_it() {
    let forbidden = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
        "message": "pods is forbidden: User \"dev\" cannot list resource \"pods\"",
        "reason": "Forbidden", "code": 403});
    let app = Router::new().route(
        "/api/v1/namespaces/ns/pods",
        get(move || async move { (StatusCode::FORBIDDEN, forbidden.to_string()) }),
    );
    let Error::InitialListFailed(kube::Error::Api(status)) = list_error(app).await else {
        panic!("expected the list's API error")
    };
    assert_eq!(status.code, 403);
    assert_eq!(status.reason, "Forbidden");

    // A proxy's plain-text answer is not a Status: kube makes one with its code.
    let app = Router::new().route(
        "/api/v1/namespaces/ns/pods",
        get(|| async { (StatusCode::BAD_GATEWAY, "upstream went away").into_response() }),
    );
    let Error::InitialListFailed(kube::Error::Api(status)) = list_error(app).await else {
        panic!("expected the list's API error")
    };
    assert_eq!(status.code, 502);
    assert_eq!(status.message, "upstream went away");
}

#[tokio::test]
async fn a_page_that_is_not_a_list_is_a_decoding_error() {
    let app = Router::new().route(
        "/api/v1/namespaces/ns/pods",
        get(|| async { r#"{"kind": "PodList", "items": [{"metadata": 7}]}"# }),
    );
    let err = list_error(app).await;
    assert!(
        matches!(err, Error::InitialListFailed(kube::Error::SerdeError(_))),
        "{err:?}"
    );

    // Bytes that are not UTF-8 inside a string: the page is checked once, as a whole.
    let app = Router::new().route(
        "/api/v1/namespaces/ns/pods",
        get(|| async {
            let mut body = br#"{"kind": "PodList", "items": [{"metadata": {"name": ""#.to_vec();
            body.extend_from_slice(b"\xff\xfe\"}}]}");
            Body::from(body)
        }),
    );
    let err = list_error(app).await;
    assert!(
        matches!(&err, Error::InitialListFailed(kube::Error::SerdeError(e)) if e.to_string().contains("utf-8")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_body_cut_off_midway_is_the_connections_error_not_a_decoding_one() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A server that promises a long page, sends its start and closes the connection.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = vec![0u8; 4096];
        let _ = socket.read(&mut request).await.unwrap();
        let start = r#"{"kind": "PodList", "metadata": {"resourceVersion": "1"}, "items": ["#;
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(start.as_bytes()).await.unwrap();
        socket.shutdown().await.unwrap();
    });
    let client = Client::try_from(Config::new(format!("http://{addr}").parse().unwrap())).unwrap();
    let mut stream = list_watch(Api::<Pod>::namespaced(client, "ns")).boxed();
    assert_eq!(describe(next(&mut stream).await), "init");
    let err = next(&mut stream).await.expect_err("the cut list fails");
    // kube's own body error (the transport's), as kube-runtime's watcher would hand it out:
    // the console then counts the zone as unreachable, not as sending what it cannot decode.
    assert!(
        matches!(err, Error::InitialListFailed(kube::Error::Service(_))),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_demo_fleets_pods_list_in_pages_as_one_plain_list_and_a_delete_is_seen() {
    let (fleet, _state) =
        demo_common::fleet_with_load(2 * PAGE_SIZE as usize + 17, "ge-agents", 0.0).await;
    let client = demo_common::client(&fleet, "ge-staging").await;
    let pods: Api<Pod> = Api::namespaced(client, "ge-agents");
    let expected = demo_common::sorted_names(&pods).await;
    assert!(
        expected.len() > 2 * PAGE_SIZE as usize,
        "three pages at least"
    );

    let mut stream = list_watch(pods.clone()).boxed();
    assert_eq!(describe(next(&mut stream).await), "init");
    let mut listed = Vec::new();
    loop {
        match next(&mut stream).await {
            Ok(Event::InitApply(pod)) => listed.push(pod.name_any()),
            Ok(Event::InitDone) => break,
            other => panic!("unexpected during the list: {}", describe(other)),
        }
    }
    listed.sort();
    assert_eq!(listed, expected);

    let gone = &expected[0];
    pods.delete(gone, &DeleteParams::default()).await.unwrap();
    loop {
        match next(&mut stream).await {
            Ok(Event::Delete(pod)) if &pod.name_any() == gone => break,
            // The demo's controllers change other pods meanwhile.
            Ok(Event::Apply(_) | Event::Delete(_)) => {}
            other => panic!("unexpected while watching: {}", describe(other)),
        }
    }
}
