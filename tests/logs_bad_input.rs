//! Bad input on the log path, through kube-rs over real HTTP from a small server that serves
//! what no well-behaved kubelet would: a 1 MB line, escape sequences that would retitle the
//! terminal or clear it, bytes that are not UTF-8, and a server that never answers.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
#[path = "demo_common/mod.rs"]
mod demo_common;

use demo_common::serve;
use ge_console::actions::log_buffer::{CUT_MARK, LogLine};
use ge_console::cluster::logs::{
    CONNECT_TIMEOUT, LogError, LogOptions, MAX_LINE_BYTES, open_log, pod_containers,
};

/// What the log endpoint serves: a terminal attack, broken bytes, a 1 MB line, then more.
fn hostile_log() -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(b"\x1b]0;owned\x07\x1b[2J\x1b[H\x1b[1;31mERROR\x1b[0m disk full\r\n");
    body.extend_from_slice(b"bytes \xff\xfe\xc3 not utf-8\x1b[?1049h\n");
    body.extend(std::iter::repeat_n(b'{', 1024 * 1024));
    body.push(b'\n');
    body.extend_from_slice("after the flood: ça va\n".as_bytes());
    body
}

#[tokio::test]
async fn escapes_broken_bytes_and_a_one_megabyte_line_arrive_harmless() {
    let app = Router::new().route(
        "/api/v1/namespaces/ge-agents/pods/p/log",
        get(|| async { Body::from(hostile_log()) }),
    );
    let client = serve(app).await;
    let mut lines = open_log(&client, "ge-agents", "p", &LogOptions::default())
        .await
        .unwrap();
    let mut got = Vec::new();
    while let Some(raw) = lines.next_line().await.unwrap() {
        got.push(LogLine::output(Some(0), raw));
    }
    assert_eq!(got.len(), 4);
    assert_eq!(got[0].plain(), "ERROR disk full");
    assert_eq!(
        got[0].text.spans[0].style.fg,
        Some(ratatui::style::Color::Red),
        "the colour became a style"
    );
    assert_eq!(got[1].plain(), "bytes \u{fffd}\u{fffd}\u{fffd} not utf-8");
    assert!(got[2].cut);
    assert_eq!(got[2].plain().len(), MAX_LINE_BYTES + CUT_MARK.len());
    assert_eq!(got[3].plain(), "after the flood: ça va");
    for line in &got {
        for span in &line.text.spans {
            assert!(!span.content.chars().any(char::is_control), "{span:?}");
        }
    }
}

#[tokio::test]
async fn refusals_keep_the_servers_words() {
    let status = |code: u16, reason: &str, message: &str| {
        let body = serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "status": "Failure",
            "message": message, "reason": reason, "code": code,
        });
        (StatusCode::from_u16(code).unwrap(), body.to_string()).into_response()
    };
    let app = Router::new()
        .route(
            "/api/v1/namespaces/ns/pods/gone/log",
            get(move || async move { status(404, "NotFound", "pods \"gone\" not found") }),
        )
        .route(
            "/api/v1/namespaces/ns/pods/secret/log",
            get(move || async move {
                status(
                    403,
                    "Forbidden",
                    "pods \"secret\" is forbidden: User \"dev\" cannot get resource \"pods/log\"",
                )
            }),
        )
        .route(
            "/api/v1/namespaces/ns/pods/two",
            get(|| async {
                serde_json::json!({
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": "two", "namespace": "ns"},
                    "spec": {"containers": [{"name": "app"}, {"name": "side\u{1b}[2Jcar"}]}
                })
                .to_string()
            }),
        );
    let client = serve(app).await;
    let err = |r: Result<_, LogError>| r.err().unwrap().to_string();
    assert_eq!(
        err(open_log(&client, "ns", "gone", &LogOptions::default()).await),
        "not found: pods \"gone\" not found"
    );
    assert_eq!(
        err(open_log(&client, "ns", "secret", &LogOptions::default()).await),
        "forbidden: pods \"secret\" is forbidden: User \"dev\" cannot get resource \"pods/log\""
    );
    let containers = pod_containers(&client, "ns", "two").await.unwrap();
    assert_eq!(containers.containers, ["app", "sidecar"], "names sanitised");
    assert_eq!(containers.preferred(), None, "two and no default: ask");
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up_on_within_the_timeout() {
    let app = Router::new().route(
        "/api/v1/namespaces/ns/pods/p/log",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            "never"
        }),
    );
    let client = serve(app).await;
    let started = Instant::now();
    let result = open_log(&client, "ns", "p", &LogOptions::default()).await;
    assert_eq!(
        result.err().map(|e| e.to_string()).as_deref(),
        Some("no answer from the server within 5 s")
    );
    assert!(started.elapsed() < CONNECT_TIMEOUT + Duration::from_secs(2));
}
