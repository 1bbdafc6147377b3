//! The demo fleet's pod logs over real HTTP, byte for byte as a client receives them: what a
//! pod's log holds, every selecting parameter of the `log` subresource, the API server's and
//! the kubelet's refusals word for word, and the subresource in discovery.

mod demo_logs_http;

use std::time::Duration;

use demo_logs_http::*;
use jiff::Timestamp;

#[tokio::test]
async fn a_pods_log_is_plain_text_the_executors_jobs_and_the_same_lines_each_time() {
    let (fleet, _state) = fleet(2.0).await;
    let pod = executor_pod(&fleet).await;
    let reply = get(&fleet, "ge-dev", &log_path("ge-agents", &pod, "")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("text/plain"));
    let body = reply.body().await;
    assert!(body.ends_with(b"\n"));
    let all = lines(&body);
    assert!(
        (1..10_000).contains(&all.len()),
        "dev's executor rolled out 18 minutes ago: every line it wrote, fewer than a rotated file holds ({})",
        all.len()
    );
    let old = pods(&fleet, "ge-production", "ge-agents", "ge-executor-")
        .await
        .remove(0);
    let reply = get(&fleet, "ge-production", &log_path("ge-agents", &old, "")).await;
    assert_eq!(
        lines(&reply.body().await).len(),
        10_000,
        "production's executor is days old: only the lines the rotated log file holds"
    );
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains("picked up job"),
        "the executor logs the jobs it runs"
    );
    assert!(text.contains(" done in "));
    assert!(
        body.windows(4).any(|w| w == b"\x1b[32"),
        "some lines carry ANSI colours"
    );
    assert!(
        body.windows(2).any(|w| w == b"\xff\xfe"),
        "one kind of line is not UTF-8"
    );
    assert!(
        body.windows(4).any(|w| w == b"\x1b]0;"),
        "and carries an OSC sequence"
    );

    let first = get(
        &fleet,
        "ge-dev",
        &log_path("ge-agents", &pod, "tailLines=20&timestamps=true"),
    )
    .await
    .body()
    .await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let second = get(
        &fleet,
        "ge-dev",
        &log_path("ge-agents", &pod, "tailLines=40&timestamps=true"),
    )
    .await
    .body()
    .await;
    let (first, second) = (lines(&first), lines(&second));
    let start = second
        .iter()
        .position(|l| *l == first[0])
        .expect("the earlier lines come back unchanged");
    assert_eq!(
        &second[start..start + first.len()],
        &first[..],
        "identical, in the same order"
    );
    fleet.shutdown().await;
}

#[tokio::test]
async fn tail_lines_timestamps_since_and_limit_bytes_select_as_the_kubelet_does() {
    let (fleet, _state) = fleet(10.0).await;
    let pod = executor_pod(&fleet).await;
    let path = |query: &str| log_path("ge-agents", &pod, query);

    let tail = get(&fleet, "ge-dev", &path("tailLines=3"))
        .await
        .body()
        .await;
    assert_eq!(lines(&tail).len(), 3);
    assert!(
        get(&fleet, "ge-dev", &path("tailLines=0"))
            .await
            .body()
            .await
            .is_empty()
    );

    let before = Timestamp::now();
    let stamped = get(&fleet, "ge-dev", &path("tailLines=50&timestamps=true"))
        .await
        .body()
        .await;
    let times: Vec<Timestamp> = lines(&stamped).iter().map(|l| stamp(l)).collect();
    assert_eq!(times.len(), 50);
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "in the order written"
    );
    assert!(
        *times.last().unwrap() <= Timestamp::now(),
        "nothing from the future"
    );
    let untimed = get(&fleet, "ge-dev", &path("tailLines=1"))
        .await
        .body()
        .await;
    let first_word = String::from_utf8_lossy(&untimed)
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    assert!(
        first_word.parse::<Timestamp>().is_err(),
        "no kubelet timestamp unless asked: {first_word}"
    );

    let since = get(&fleet, "ge-dev", &path("sinceSeconds=5&timestamps=true"))
        .await
        .body()
        .await;
    let since_lines = lines(&since);
    let cutoff = before
        .checked_sub(jiff::SignedDuration::from_secs(5))
        .unwrap();
    assert!(
        since_lines.iter().all(|l| stamp(l) >= cutoff),
        "only the last 5 seconds"
    );
    assert!(
        (30..=70).contains(&since_lines.len()),
        "about 10 lines a second: {}",
        since_lines.len()
    );

    // sinceTime reaches the kubelet in whole seconds: take a second boundary inside the tail.
    let from = Timestamp::from_second(times[0].as_second() + 1).unwrap();
    let since_time = get(
        &fleet,
        "ge-dev",
        &path(&format!("sinceTime={from}&timestamps=true")),
    )
    .await
    .body()
    .await;
    let since_time_lines = lines(&since_time);
    assert!(since_time_lines.iter().all(|l| stamp(l) >= from));
    let expected = lines(&stamped)
        .into_iter()
        .find(|l| stamp(l) >= from)
        .unwrap();
    assert_eq!(
        since_time_lines[0], expected,
        "from the first line at or after sinceTime"
    );
    let fraction = get(
        &fleet,
        "ge-dev",
        &path(&format!("sinceTime={}&timestamps=true", times[0])),
    )
    .await
    .body()
    .await;
    let truncated = Timestamp::from_second(times[0].as_second()).unwrap();
    assert!(
        stamp(lines(&fraction)[0]) >= truncated,
        "fractions are dropped, as the API server does"
    );

    let limited = get(&fleet, "ge-dev", &path("limitBytes=100"))
        .await
        .body()
        .await;
    assert_eq!(limited.len(), 100, "cut at the byte, even mid-line");
    fleet.shutdown().await;
}

#[tokio::test]
async fn a_pod_with_two_containers_needs_one_named_and_names_are_checked() {
    let (fleet, _state) = fleet(2.0).await;
    let path = |query: &str| log_path("ge-data", "postgresql-0", query);
    let (code, status) = error_message(get(&fleet, "ge-dev", &path("")).await).await;
    assert_eq!(code, 400);
    assert_eq!(status["reason"], "BadRequest");
    assert_eq!(
        status["message"],
        "a container name must be specified for pod postgresql-0, choose one of: [postgresql metrics]"
    );
    let (code, status) = error_message(get(&fleet, "ge-dev", &path("container=nope")).await).await;
    assert_eq!(code, 400);
    assert_eq!(
        status["message"],
        "container nope is not valid for pod postgresql-0"
    );

    let exporter = get(&fleet, "ge-dev", &path("container=metrics"))
        .await
        .text()
        .await;
    assert!(
        exporter.contains("level=INFO source=server.go:74"),
        "the exporter's slog lines: {exporter}"
    );
    let postgres = get(&fleet, "ge-dev", &path("container=postgresql&tailLines=20"))
        .await
        .text()
        .await;
    assert!(
        postgres.contains(" UTC ["),
        "PostgreSQL's log prefix: {postgres}"
    );
    fleet.shutdown().await;
}

#[tokio::test]
async fn missing_pods_waiting_containers_and_absent_previous_runs_are_refused_like_a_cluster() {
    let (fleet, _state) = fleet(2.0).await;
    let (code, status) =
        error_message(get(&fleet, "ge-dev", &log_path("ge-agents", "nope", "")).await).await;
    assert_eq!(code, 404);
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["message"], "pods \"nope\" not found");

    let sandbox = pods(&fleet, "ge-dev", "ge-agents", "ge-sandbox-")
        .await
        .remove(0);
    let (code, status) =
        error_message(get(&fleet, "ge-dev", &log_path("ge-agents", &sandbox, "")).await).await;
    assert_eq!(code, 400);
    assert_eq!(
        status["message"],
        format!(
            "container \"ge-sandbox\" in pod \"{sandbox}\" is waiting to start: ContainerCreating"
        )
    );

    let pod = executor_pod(&fleet).await;
    let (code, status) = error_message(
        get(
            &fleet,
            "ge-dev",
            &log_path("ge-agents", &pod, "previous=true"),
        )
        .await,
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(
        status["message"],
        format!("previous terminated container \"ge-executor\" in pod \"{pod}\" not found")
    );

    let posted = request(&fleet, "ge-dev", "POST", &log_path("ge-agents", &pod, "")).await;
    assert_eq!(posted.status, 405);
    fleet.shutdown().await;
}

#[tokio::test]
async fn bad_parameters_get_the_api_servers_400_and_422() {
    let (fleet, _state) = fleet(2.0).await;
    let pod = executor_pod(&fleet).await;
    let cases = [
        (
            "tailLines=-1",
            422,
            format!(
                "PodLogOptions \"{pod}\" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0"
            ),
        ),
        (
            "limitBytes=0",
            422,
            format!(
                "PodLogOptions \"{pod}\" is invalid: limitBytes: Invalid value: 0: must be greater than 0"
            ),
        ),
        (
            "sinceSeconds=0",
            422,
            format!(
                "PodLogOptions \"{pod}\" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0"
            ),
        ),
        (
            "sinceSeconds=10&sinceTime=2026-03-25T10:00:00Z",
            422,
            format!(
                "PodLogOptions \"{pod}\" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"
            ),
        ),
        (
            "tailLines=ten",
            400,
            "strconv.ParseInt: parsing \"ten\": invalid syntax".to_string(),
        ),
    ];
    for (query, code, message) in cases {
        let (got, status) =
            error_message(get(&fleet, "ge-dev", &log_path("ge-agents", &pod, query)).await).await;
        assert_eq!(got, code, "{query}");
        assert_eq!(status["message"], message, "{query}");
    }
    let (_, invalid) = error_message(
        get(
            &fleet,
            "ge-dev",
            &log_path("ge-agents", &pod, "tailLines=-1"),
        )
        .await,
    )
    .await;
    assert_eq!(invalid["reason"], "Invalid");
    assert_eq!(invalid["details"]["kind"], "PodLogOptions");
    fleet.shutdown().await;
}

#[tokio::test]
async fn discovery_lists_the_log_subresource() {
    let (fleet, _state) = fleet(2.0).await;
    let list = get_json(&fleet, "ge-dev", "/api/v1").await;
    let log = list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "pods/log")
        .expect("pods/log");
    assert_eq!(log["verbs"], serde_json::json!(["get"]));
    fleet.shutdown().await;
}
