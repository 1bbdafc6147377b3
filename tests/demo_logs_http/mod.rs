//! Shared by the demo log tests: a demo fleet at a given log rate, and a small HTTP/1.1 client
//! that reads a response's body as it arrives (chunked or to the end), so the tests see the
//! bytes exactly as a client of the log subresource receives them.

#![allow(dead_code)]

use std::time::Duration;

use ge_console::demo::{DemoFleet, DemoOptions};
use jiff::Timestamp;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::timeout;

pub const DEADLINE: Duration = Duration::from_secs(30);

pub async fn fleet(lines_per_sec: f64) -> (DemoFleet, tempfile::TempDir) {
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
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    reader: BufReader<TcpStream>,
    pub chunked: bool,
    /// Bytes of the current chunk still to read.
    left_in_chunk: usize,
    ended: bool,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The next piece of the body; None at its end.
    pub async fn next_bytes(&mut self) -> Option<Vec<u8>> {
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
    pub async fn body(mut self) -> Vec<u8> {
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
    pub async fn text(self) -> String {
        String::from_utf8_lossy(&self.body().await).into_owned()
    }
}

/// GET `path` from a zone.
pub async fn request(fleet: &DemoFleet, context: &str, method: &str, path: &str) -> Reply {
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

pub async fn get(fleet: &DemoFleet, context: &str, path: &str) -> Reply {
    request(fleet, context, "GET", path).await
}

pub async fn get_json(fleet: &DemoFleet, context: &str, path: &str) -> Value {
    let reply = get(fleet, context, path).await;
    assert_eq!(reply.status, 200, "{path}");
    serde_json::from_slice(&reply.body().await).unwrap()
}

/// Names of the pods in `namespace` whose names start with `prefix`.
pub async fn pods(fleet: &DemoFleet, context: &str, namespace: &str, prefix: &str) -> Vec<String> {
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

pub async fn executor_pod(fleet: &DemoFleet) -> String {
    pods(fleet, "ge-dev", "ge-agents", "ge-executor-")
        .await
        .remove(0)
}

pub fn log_path(namespace: &str, pod: &str, query: &str) -> String {
    format!("/api/v1/namespaces/{namespace}/pods/{pod}/log?{query}")
}

pub fn lines(body: &[u8]) -> Vec<&[u8]> {
    let body = body.strip_suffix(b"\n").unwrap_or(body);
    if body.is_empty() {
        return Vec::new();
    }
    body.split(|b| *b == b'\n').collect()
}

/// The kubelet's timestamp at the start of a `timestamps=true` line.
pub fn stamp(line: &[u8]) -> Timestamp {
    let text = String::from_utf8_lossy(line);
    let (time, _) = text
        .split_once(' ')
        .unwrap_or_else(|| panic!("no timestamp in {text:?}"));
    time.parse().unwrap_or_else(|e| panic!("{time:?}: {e}"))
}

pub async fn error_message(reply: Reply) -> (u16, Value) {
    let status = reply.status;
    assert_eq!(reply.header("content-type"), Some("application/json"));
    (status, serde_json::from_slice(&reply.body().await).unwrap())
}
