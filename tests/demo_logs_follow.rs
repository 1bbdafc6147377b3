//! Followed pod logs from the demo fleet over real HTTP: chunked new lines until the pod is
//! deleted (its container's last words end the stream) or the byte limit is reached, the
//! crash-looping pod whose runs have ended, and a rate a benchmark can use.

mod demo_logs_http;

use demo_logs_http::*;
use jiff::Timestamp;
use tokio::time::{Instant, timeout};

#[tokio::test]
async fn follow_streams_chunked_new_lines_and_ends_when_the_pod_is_deleted() {
    let (fleet, _state) = fleet(20.0).await;
    let pod = executor_pod(&fleet).await;
    let mut reply = get(
        &fleet,
        "ge-dev",
        &log_path("ge-agents", &pod, "follow=true&tailLines=0&timestamps=true"),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/plain"));
    assert!(
        reply.chunked,
        "a followed log is chunked: {:?}",
        reply.headers
    );
    let opened = Timestamp::now();
    let mut received = Vec::new();
    while lines(&received).len() < 5 || !received.ends_with(b"\n") {
        let bytes = timeout(DEADLINE, reply.next_bytes())
            .await
            .expect("new lines while following")
            .expect("still open");
        received.extend_from_slice(&bytes);
    }
    let fresh = lines(&received);
    let early = opened
        .checked_sub(jiff::SignedDuration::from_millis(500))
        .unwrap();
    assert!(
        fresh.iter().all(|l| stamp(l) >= early),
        "tailLines=0: only lines written since"
    );

    let deleted = request(
        &fleet,
        "ge-dev",
        "DELETE",
        &format!("/api/v1/namespaces/ge-agents/pods/{pod}"),
    )
    .await;
    assert_eq!(deleted.status, 200);
    while let Some(bytes) = timeout(DEADLINE, reply.next_bytes())
        .await
        .expect("the stream ends when the pod goes")
    {
        received.extend_from_slice(&bytes);
    }
    let text = String::from_utf8_lossy(&received);
    let last = text.trim_end().lines().last().unwrap();
    assert!(
        last.ends_with("INFO ge_executor: stopped"),
        "the container's last words end it: {last}"
    );
    assert!(text.contains("received SIGTERM"), "{text}");
    fleet.shutdown().await;
}

#[tokio::test]
async fn follow_with_a_byte_limit_ends_at_the_limit() {
    let (fleet, _state) = fleet(50.0).await;
    let pod = executor_pod(&fleet).await;
    let reply = get(
        &fleet,
        "ge-dev",
        &log_path("ge-agents", &pod, "follow=1&tailLines=0&limitBytes=3000"),
    )
    .await;
    let body = reply.body().await;
    assert_eq!(body.len(), 3000);
    fleet.shutdown().await;
}

#[tokio::test]
async fn the_crash_looping_metrics_server_logs_its_crash_and_its_previous_run_ends_in_it() {
    let (fleet, _state) = fleet(2.0).await;
    let pod = pods(&fleet, "ge-staging", "kube-system", "metrics-server-")
        .await
        .remove(0);
    for query in ["", "previous=true", "follow=true"] {
        let reply = get(&fleet, "ge-staging", &log_path("kube-system", &pod, query)).await;
        assert_eq!(reply.status, 200, "{query}");
        let text = timeout(DEADLINE, reply.text())
            .await
            .expect("a crashed run's follow ends at once");
        let last = text.trim_end().lines().last().unwrap();
        assert!(last.contains("\"command failed\""), "{query}: {text}");
        assert!(
            last.contains("cannot get resource \\\"configmaps\\\""),
            "{query}: {last}"
        );
        assert!(text.starts_with("I"), "klog lines before the crash: {text}");
    }
    fleet.shutdown().await;
}

#[tokio::test]
async fn a_benchmark_rate_streams_thousands_of_lines_a_second_from_one_workload() {
    let (fleet, _state) = fleet(2_500.0).await;
    let mut readers = Vec::new();
    for pod in pods(&fleet, "ge-dev", "ge-agents", "ge-executor-").await {
        readers.push(
            get(
                &fleet,
                "ge-dev",
                &log_path("ge-agents", &pod, "follow=true&tailLines=0"),
            )
            .await,
        );
    }
    assert_eq!(readers.len(), 2, "ge-executor runs two pods");
    let started = Instant::now();
    let mut received = 0usize;
    for reader in &mut readers {
        let mut newlines = 0usize;
        while newlines < 2_000 {
            let bytes = timeout(DEADLINE, reader.next_bytes())
                .await
                .expect("lines keep coming")
                .expect("open");
            newlines += bytes.iter().filter(|b| **b == b'\n').count();
        }
        received += newlines;
    }
    let elapsed = started.elapsed();
    eprintln!("{received} lines in {elapsed:?}");
    assert!(received >= 4_000);
    fleet.shutdown().await;
}
