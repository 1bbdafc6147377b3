//! The demo fleet's pod logs over real HTTP, byte for byte as a client receives them: every
//! parameter of the `log` subresource, the API server's and kubelet's errors, following (with
//! chunked encoding, ended by the pod's deletion), the crash-looping pod's previous run, and a
//! rate a benchmark can use.

use std::time::Duration;

use ge_console::demo::{DemoFleet, DemoOptions};
use jiff::Timestamp;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

const DEADLINE: Duration = Duration::from_secs(30);

async fn fleet(lines_per_sec: f64) -> (DemoFleet, tempfile::TempDir) {
    let state = tempfile::tempdir().unwrap();
    let fleet = DemoFleet::start(DemoOptions {
        state_dir: state.path().to_path_buf(),
        time_scale: 0.1,
        log_lines_per_sec: lines_per_sec,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    (fleet, state)
}

/// An HTTP/1.1 response whose body is read as it arrives (chunked or until close).
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    reader: BufReader<TcpStream>,
    chunked: bool,
    /// Bytes of the current chunk still to read.
    left_in_chunk: usize,
    ended: bool,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The next piece of the body; None at its end.
    async fn next_bytes(&mut self) -> Option<Vec<u8>> {
        if self.ended {
            return None;
        }
        if !self.chunked {
            let mut buffer = vec![0u8; 16 * 1024];
            let n = self.reader.read(&mut buffer).await.unwrap();
            if n == 0 {
                self.ended = true;
                return None;
            }
            buffer.truncate(n);
            return Some(buffer);
        }
        if self.left_in_chunk == 0 {
            let mut size = String::new();
            self.reader.read_line(&mut size).await.unwrap();
            let size = usize::from_str_radix(size.trim(), 16)
                .unwrap_or_else(|_| panic!("chunk size {size:?}"));
            if size == 0 {
                self.ended = true;
                return None;
            }
            self.left_in_chunk = size;
        }
        let mut buffer = vec![0u8; self.left_in_chunk.min(16 * 1024)];
        let n = self.reader.read(&mut buffer).await.unwrap();
        assert!(n > 0, "connection closed inside a chunk");
        buffer.truncate(n);
        self.left_in_chunk -= n;
        if self.left_in_chunk == 0 {
            let mut crlf = [0u8; 2];
            self.reader.read_exact(&mut crlf).await.unwrap();
        }
        Some(buffer)
    }

    /// The whole body.
    async fn body(mut self) -> Vec<u8> {
        let mut body = Vec::new();
        while let Some(bytes) = timeout(DEADLINE, self.next_bytes())
            .await
            .expect("body in time")
        {
            body.extend_from_slice(&bytes);
        }
        body
    }

    /// The body as text (lossy), for error Statuses and assertions.
    async fn text(self) -> String {
        String::from_utf8_lossy(&self.body().await).into_owned()
    }
}

/// GET `path` from a zone.
async fn request(fleet: &DemoFleet, context: &str, method: &str, path: &str) -> Reply {
    let url = fleet.server_url(context).unwrap();
    let address = url.trim_start_matches("http://");
    let stream = TcpStream::connect(address).await.unwrap();
    let mut reader = BufReader::new(stream);
    let zone = context.trim_start_matches("ge-");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer demo-token-{zone}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    reader
        .get_mut()
        .write_all(request.as_bytes())
        .await
        .unwrap();
    let mut status_line = String::new();
    timeout(DEADLINE, reader.read_line(&mut status_line))
        .await
        .unwrap()
        .unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    Reply {
        status,
        headers,
        reader,
        chunked,
        left_in_chunk: 0,
        ended: false,
    }
}

async fn get(fleet: &DemoFleet, context: &str, path: &str) -> Reply {
    request(fleet, context, "GET", path).await
}

async fn get_json(fleet: &DemoFleet, context: &str, path: &str) -> Value {
    let reply = get(fleet, context, path).await;
    assert_eq!(reply.status, 200, "{path}");
    serde_json::from_slice(&reply.body().await).unwrap()
}

/// Names of the pods in `namespace` whose names start with `prefix`.
async fn pods(fleet: &DemoFleet, context: &str, namespace: &str, prefix: &str) -> Vec<String> {
    let list = get_json(
        fleet,
        context,
        &format!("/api/v1/namespaces/{namespace}/pods"),
    )
    .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .filter(|n| n.starts_with(prefix))
        .collect()
}

async fn executor_pod(fleet: &DemoFleet) -> String {
    pods(fleet, "ge-dev", "ge-agents", "ge-executor-")
        .await
        .remove(0)
}

fn log_path(namespace: &str, pod: &str, query: &str) -> String {
    format!("/api/v1/namespaces/{namespace}/pods/{pod}/log?{query}")
}

fn lines(body: &[u8]) -> Vec<&[u8]> {
    let body = body.strip_suffix(b"\n").unwrap_or(body);
    if body.is_empty() {
        return Vec::new();
    }
    body.split(|b| *b == b'\n').collect()
}

/// The kubelet's timestamp at the start of a `timestamps=true` line.
fn stamp(line: &[u8]) -> Timestamp {
    let text = String::from_utf8_lossy(line);
    let (time, _) = text
        .split_once(' ')
        .unwrap_or_else(|| panic!("no timestamp in {text:?}"));
    time.parse().unwrap_or_else(|e| panic!("{time:?}: {e}"))
}

async fn error_message(reply: Reply) -> (u16, Value) {
    let status = reply.status;
    assert_eq!(reply.header("content-type"), Some("application/json"));
    (status, serde_json::from_slice(&reply.body().await).unwrap())
}

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
    assert_eq!(
        all.len(),
        10_000,
        "a weeks-old pod: only the lines the rotated log file holds"
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
