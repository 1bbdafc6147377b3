//! Pod logs through kube-rs's log API (`Api<Pod>::log_stream` with `LogParams`): a pod's
//! containers, and a stream of its log lines, each bounded in length. The connection (up to
//! the server's answer) has a timeout, so a server that cannot serve logs is said within
//! seconds, never waited on; the server's own words explain why (no container runtime,
//! forbidden, pod gone, unknown container).

use std::pin::Pin;
use std::time::Duration;

use futures::io::{AsyncBufRead, AsyncBufReadExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::LogParams;
use kube::{Api, Client};

use super::classify::short_chain;
use crate::sanitize::clean_owned;

/// How long the server may take to answer a log request (or a pod's read) before the
/// request is given up: long enough for a slow apiserver, short enough to say so at once.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest log line kept whole; the rest of a longer line is dropped and the kept part
/// marked as cut, so one runaway line (a 1 MB JSON blob) cannot fill memory or the screen.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// The annotation naming a pod's default container, as kubectl reads it.
pub const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

/// What to ask the server for: kube's [`LogParams`] as the console uses them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// The container; `None` lets the server pick (it refuses when a pod has several).
    pub container: Option<String>,
    /// Keep the stream open and send lines as they are written.
    pub follow: bool,
    /// The previous, terminated instance of the container.
    pub previous: bool,
    /// Only the last N lines.
    pub tail_lines: Option<i64>,
    /// Only lines written in the last N seconds.
    pub since_seconds: Option<i64>,
    /// Each line starts with the time it was written (RFC 3339).
    pub timestamps: bool,
}

impl LogOptions {
    /// The parameters of the request.
    pub fn params(&self) -> LogParams {
        LogParams {
            container: self.container.clone(),
            follow: self.follow,
            previous: self.previous,
            tail_lines: self.tail_lines,
            since_seconds: self.since_seconds,
            timestamps: self.timestamps,
            ..LogParams::default()
        }
    }
}

/// Why logs could not be read, in the server's words where it gave any (sanitised).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    /// The server did not answer within [`CONNECT_TIMEOUT`].
    #[error("no answer from the server within {0} s")]
    Timeout(u64),
    /// 403: the credentials may not read this pod's logs.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: the pod (or its namespace) does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// 400: the request cannot be served as asked (unknown container, container not started,
    /// no previous instance), in the server's words.
    #[error("{0}")]
    Refused(String),
    /// Anything else: the server's status and words, or the connection's error.
    #[error("{0}")]
    Failed(String),
}

impl LogError {
    /// Maps a kube client error, keeping the server's message.
    pub fn from_kube(err: &kube::Error) -> LogError {
        match err {
            kube::Error::Api(status) => {
                let message = clean_owned(&status.message);
                match status.code {
                    403 => LogError::Forbidden(message),
                    404 => LogError::NotFound(message),
                    400 => LogError::Refused(message),
                    code => LogError::Failed(if status.reason.is_empty() {
                        format!("{code}: {message}")
                    } else {
                        format!("{code} {}: {message}", clean_owned(&status.reason))
                    }),
                }
            }
            other => LogError::Failed(clean_owned(&short_chain(other))),
        }
    }
}

/// A pod's containers, as its log requests may name them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodContainers {
    /// The app containers, in spec order.
    pub containers: Vec<String>,
    /// The init containers (their logs can be read too), in spec order.
    pub init_containers: Vec<String>,
    /// The container the pod's [`DEFAULT_CONTAINER_ANNOTATION`] names, if it names one.
    pub default: Option<String>,
}

impl PodContainers {
    /// What a pod object says about its containers (names sanitised).
    pub fn of(pod: &Pod) -> PodContainers {
        let spec = pod.spec.as_ref();
        let names = |list: Option<&Vec<k8s_openapi::api::core::v1::Container>>| {
            list.map(|l| l.iter().map(|c| clean_owned(&c.name)).collect())
                .unwrap_or_default()
        };
        let containers: Vec<String> = names(spec.map(|s| &s.containers));
        let default = pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION))
            .map(|n| clean_owned(n))
            .filter(|n| containers.contains(n));
        PodContainers {
            containers,
            init_containers: names(spec.and_then(|s| s.init_containers.as_ref())),
            default,
        }
    }

    /// The container to show when none was chosen, as kubectl picks it: the annotated default,
    /// else the only one; `None` when there are several and none is the default.
    pub fn preferred(&self) -> Option<&str> {
        match (&self.default, self.containers.as_slice()) {
            (Some(default), _) => Some(default),
            (None, [only]) => Some(only),
            _ => None,
        }
    }

    /// Every container, app containers first.
    pub fn all(&self) -> impl Iterator<Item = &String> {
        self.containers.iter().chain(&self.init_containers)
    }
}

/// Reads a pod's containers (within [`CONNECT_TIMEOUT`]).
pub async fn pod_containers(
    client: &Client,
    namespace: &str,
    pod: &str,
) -> Result<PodContainers, LogError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    match tokio::time::timeout(CONNECT_TIMEOUT, api.get(pod)).await {
        Err(_) => Err(LogError::Timeout(CONNECT_TIMEOUT.as_secs())),
        Ok(Err(e)) => Err(LogError::from_kube(&e)),
        Ok(Ok(pod)) => Ok(PodContainers::of(&pod)),
    }
}

/// Opens a pod's log; the server must answer within [`CONNECT_TIMEOUT`] (a followed log may
/// then stay quiet as long as the container is).
pub async fn open_log(
    client: &Client,
    namespace: &str,
    pod: &str,
    options: &LogOptions,
) -> Result<LogLines, LogError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let params = options.params();
    match tokio::time::timeout(CONNECT_TIMEOUT, api.log_stream(pod, &params)).await {
        Err(_) => Err(LogError::Timeout(CONNECT_TIMEOUT.as_secs())),
        Ok(Err(e)) => Err(LogError::from_kube(&e)),
        Ok(Ok(reader)) => Ok(LogLines::new(Box::pin(reader))),
    }
}

/// One line of a log, raw (not yet decoded or sanitised), without its line end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawLine {
    /// A whole line.
    Whole(Vec<u8>),
    /// The first [`MAX_LINE_BYTES`] (or fewer, at a character boundary) of a longer line;
    /// the rest of it was dropped.
    Cut(Vec<u8>),
}

/// A log stream split into lines of at most [`MAX_LINE_BYTES`].
pub struct LogLines {
    reader: Pin<Box<dyn AsyncBufRead + Send>>,
    /// The line being read.
    partial: Vec<u8>,
    /// The start of an over-long line was handed out: drop bytes up to its end.
    skipping: bool,
}

impl LogLines {
    /// Lines of `reader` (any byte stream: a log response, a test's bytes).
    pub fn new(reader: Pin<Box<dyn AsyncBufRead + Send>>) -> LogLines {
        LogLines {
            reader,
            partial: Vec::new(),
            skipping: false,
        }
    }

    /// The next line; `None` at the end of the stream. Cancel-safe: every byte taken from the
    /// stream is kept here before the next wait, so a `select!` may drop this future.
    pub async fn next_line(&mut self) -> Result<Option<RawLine>, LogError> {
        loop {
            let buf = match self.reader.fill_buf().await {
                Ok(buf) => buf,
                Err(e) => {
                    return Err(LogError::Failed(format!(
                        "the log stream broke: {}",
                        clean_owned(&short_chain(&e))
                    )));
                }
            };
            if buf.is_empty() {
                let last = std::mem::take(&mut self.partial);
                let skipped = std::mem::replace(&mut self.skipping, false);
                return Ok((!last.is_empty() && !skipped).then(|| RawLine::Whole(trim_cr(last))));
            }
            let newline = buf.iter().position(|b| *b == b'\n');
            let chunk = &buf[..newline.unwrap_or(buf.len())];
            if !self.skipping {
                let room = MAX_LINE_BYTES.saturating_sub(self.partial.len());
                self.partial
                    .extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            let consumed = newline.map_or(buf.len(), |i| i + 1);
            self.reader.consume_unpin(consumed);
            if newline.is_some() {
                let line = std::mem::take(&mut self.partial);
                if std::mem::replace(&mut self.skipping, false) {
                    continue;
                }
                return Ok(Some(RawLine::Whole(trim_cr(line))));
            }
            if !self.skipping && self.partial.len() >= MAX_LINE_BYTES {
                self.skipping = true;
                let mut kept = std::mem::take(&mut self.partial);
                kept.truncate(char_boundary(&kept));
                return Ok(Some(RawLine::Cut(kept)));
            }
        }
    }
}

/// `line` without a trailing carriage return (CRLF line ends).
fn trim_cr(mut line: Vec<u8>) -> Vec<u8> {
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    line
}

/// The length of `bytes` without an incomplete UTF-8 sequence at its end (a cut through a
/// character); bytes that are not UTF-8 at all are left for the decoder to replace.
fn char_boundary(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => {
            // Invalid bytes earlier on; only look at the last few for a cut character.
            let tail_start = bytes.len().saturating_sub(3);
            (tail_start..bytes.len())
                .find(|i| {
                    let b = bytes[*i];
                    // A lead byte whose sequence would run past the end.
                    let need = match b {
                        0xC0..=0xDF => 2,
                        0xE0..=0xEF => 3,
                        0xF0..=0xF7 => 4,
                        _ => 0,
                    };
                    need > 0 && i + need > bytes.len()
                })
                .unwrap_or(bytes.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(bytes: Vec<u8>) -> Vec<RawLine> {
        let reader = futures::io::BufReader::with_capacity(1000, futures::io::Cursor::new(bytes));
        let mut lines = LogLines::new(Box::pin(reader));
        futures::executor::block_on(async {
            let mut out = Vec::new();
            while let Some(line) = lines.next_line().await.unwrap() {
                out.push(line);
            }
            out
        })
    }

    #[test]
    fn lines_are_split_on_newlines_with_crlf_trimmed_and_a_last_line_without_newline_kept() {
        assert_eq!(
            lines_of(b"one\r\ntwo\n\nthree".to_vec()),
            [
                RawLine::Whole(b"one".to_vec()),
                RawLine::Whole(b"two".to_vec()),
                RawLine::Whole(Vec::new()),
                RawLine::Whole(b"three".to_vec()),
            ]
        );
        assert!(lines_of(Vec::new()).is_empty());
    }

    #[test]
    fn a_one_megabyte_line_is_cut_and_the_next_line_comes_whole() {
        let mut data = vec![b'x'; 1024 * 1024];
        data.extend_from_slice(b"\nafter\n");
        let lines = lines_of(data);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], RawLine::Cut(vec![b'x'; MAX_LINE_BYTES]));
        assert_eq!(lines[1], RawLine::Whole(b"after".to_vec()));
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        let mut data = vec![b'a'; MAX_LINE_BYTES - 1];
        data.extend_from_slice("é and more".as_bytes());
        let lines = lines_of(data);
        let RawLine::Cut(kept) = &lines[0] else {
            panic!("expected a cut line, got {lines:?}");
        };
        assert_eq!(kept.len(), MAX_LINE_BYTES - 1);
        assert!(std::str::from_utf8(kept).is_ok());
        assert_eq!(char_boundary(b"\xff\xfeok\xe2\x82"), 4);
    }

    #[test]
    fn server_refusals_keep_their_words() {
        use kube::core::Status;
        let status = |code: u16, message: &str| {
            kube::Error::Api(
                Status::failure(message, "BadRequest")
                    .with_code(code)
                    .boxed(),
            )
        };
        assert_eq!(
            LogError::from_kube(&status(400, "container \"x\" is not valid for pod \"p\""))
                .to_string(),
            "container \"x\" is not valid for pod \"p\""
        );
        assert_eq!(
            LogError::from_kube(&status(403, "pods \"p\" is forbidden\x1b[2J")).to_string(),
            "forbidden: pods \"p\" is forbidden"
        );
        assert!(matches!(
            LogError::from_kube(&status(404, "pods \"p\" not found")),
            LogError::NotFound(_)
        ));
        assert_eq!(
            LogError::from_kube(&status(500, "dial tcp 10.0.0.1:10250: connect: refused"))
                .to_string(),
            "500 BadRequest: dial tcp 10.0.0.1:10250: connect: refused"
        );
    }

    #[test]
    fn the_default_container_is_the_annotated_one_else_the_only_one() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "annotations": {DEFAULT_CONTAINER_ANNOTATION: "b"}},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}], "initContainers": [{"name": "init"}]}
        }))
        .unwrap();
        let c = PodContainers::of(&pod);
        assert_eq!(c.preferred(), Some("b"));
        assert_eq!(c.all().cloned().collect::<Vec<_>>(), ["a", "b", "init"]);
        let two = PodContainers {
            containers: vec!["a".into(), "b".into()],
            ..Default::default()
        };
        assert_eq!(two.preferred(), None);
    }
}
