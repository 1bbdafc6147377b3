//! `GET /api/v1/namespaces/{ns}/pods/{name}/log`: the pod log subresource, with the API
//! server's parameter decoding and validation and container choice, and the kubelet's choice
//! of run, its messages, and its plain-text body (chunked and kept open while following).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use hyper::{Response, StatusCode, header};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::request::{ApiRequest, Query, Target, namespace_of};
use super::response::{not_found, value_response};
use crate::demo::Zone;
use crate::demo::factory::parse_timestamp;
use crate::demo::logs::{self, Run, Selection};
use crate::demo::resources::ServedKind;
use crate::demo::status::ApiError;

/// Largest chunk a follow sends at once.
const CHUNK_BYTES: usize = 64 * 1024;
/// Chunks queued towards a slow client before the follow waits for it.
const QUEUED_CHUNKS: usize = 8;
/// Longest a follow sleeps: it notices a deleted or restarted pod within this.
const LONGEST_TICK: Duration = Duration::from_millis(250);
/// Shortest a follow sleeps: fast pods' lines are sent in batches this far apart.
const SHORTEST_TICK: Duration = Duration::from_millis(20);

/// The `PodLogOptions` of a request.
#[derive(Debug, Default)]
struct LogOptions {
    container: Option<String>,
    follow: bool,
    previous: bool,
    timestamps: bool,
    since_seconds: Option<i64>,
    since_time: Option<Timestamp>,
    tail_lines: Option<i64>,
    limit_bytes: Option<i64>,
}

/// A boolean query parameter as the API server converts it: absent is false; `0`, `f`,
/// `false`, `n` and `no` (any case) are false; anything else, even empty, is true.
fn flag(query: &Query, key: &str) -> bool {
    query.get(key).is_some_and(|value| {
        !(value == "0"
            || ["f", "false", "n", "no"]
                .iter()
                .any(|no| value.eq_ignore_ascii_case(no)))
    })
}

/// An integer query parameter; empty is absent, anything not an integer is a 400 with Go's
/// `strconv.ParseInt` message, as the API server answers.
fn integer(query: &Query, key: &str) -> Result<Option<i64>, ApiError> {
    match query.get(key).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| {
            ApiError::BadRequest(format!(
                "strconv.ParseInt: parsing {text:?}: invalid syntax"
            ))
        }),
    }
}

impl LogOptions {
    fn parse(query: &Query) -> Result<LogOptions, ApiError> {
        let since_time = match query.get("sinceTime").filter(|v| !v.is_empty()) {
            None => None,
            Some(text) => Some(parse_timestamp(text).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "parsing time {text:?} as \"2006-01-02T15:04:05Z07:00\": cannot parse {text:?} as RFC 3339"
                ))
            })?),
        };
        Ok(LogOptions {
            container: query
                .get("container")
                .filter(|c| !c.is_empty())
                .map(str::to_string),
            follow: flag(query, "follow"),
            previous: flag(query, "previous"),
            timestamps: flag(query, "timestamps"),
            since_seconds: integer(query, "sinceSeconds")?,
            since_time,
            tail_lines: integer(query, "tailLines")?,
            limit_bytes: integer(query, "limitBytes")?,
        })
    }

    /// The API server's validation: the 422 Status of `PodLogOptions` for pod `name`, if any.
    fn invalid(&self, name: &str) -> Option<Value> {
        let mut causes: Vec<(&str, &str, String)> = Vec::new();
        if let Some(tail) = self.tail_lines.filter(|t| *t < 0) {
            causes.push((
                "FieldValueInvalid",
                "tailLines",
                format!("Invalid value: {tail}: must be greater than or equal to 0"),
            ));
        }
        if let Some(limit) = self.limit_bytes.filter(|l| *l < 1) {
            causes.push((
                "FieldValueInvalid",
                "limitBytes",
                format!("Invalid value: {limit}: must be greater than 0"),
            ));
        }
        match (self.since_seconds, self.since_time) {
            (Some(_), Some(_)) => causes.push((
                "FieldValueForbidden",
                "",
                "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified".into(),
            )),
            (Some(seconds), None) if seconds < 1 => causes.push((
                "FieldValueInvalid",
                "sinceSeconds",
                format!("Invalid value: {seconds}: must be greater than 0"),
            )),
            _ => {}
        }
        if causes.is_empty() {
            return None;
        }
        let errors: Vec<String> = causes
            .iter()
            .map(|(_, field, message)| format!("{field}: {message}"))
            .collect();
        let summary = if errors.len() == 1 {
            errors[0].clone()
        } else {
            format!("[{}]", errors.join(", "))
        };
        let causes: Vec<Value> = causes
            .iter()
            .map(|(reason, field, message)| json!({"reason": reason, "message": message, "field": field}))
            .collect();
        Some(json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!("PodLogOptions {name:?} is invalid: {summary}"),
            "reason": "Invalid",
            "details": {"name": name, "kind": "PodLogOptions", "causes": causes},
            "code": 422,
        }))
    }

    /// Which lines the backlog holds.
    fn selection(&self, now: Timestamp) -> Selection {
        // The API server hands sinceTime on to the kubelet in RFC 3339 without fractions.
        let since_time = self
            .since_time
            .and_then(|t| Timestamp::from_second(t.as_second()).ok());
        let since = since_time.or_else(|| {
            let seconds = self.since_seconds?;
            now.checked_sub(SignedDuration::from_secs(seconds)).ok()
        });
        Selection {
            since,
            tail: self.tail_lines.and_then(|t| u64::try_from(t).ok()),
        }
    }
}

/// The container a request reads: the one named (it must exist), else the only one, else a
/// 400 naming the choices, as the API server answers.
fn choose_container(pod: &Value, name: &str, asked: Option<&str>) -> Result<String, ApiError> {
    let names = |field: &str| -> Vec<String> {
        pod["spec"][field]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str().map(str::to_string))
            .collect()
    };
    let (init, main, ephemeral) = (
        names("initContainers"),
        names("containers"),
        names("ephemeralContainers"),
    );
    match asked {
        Some(container) => {
            if init
                .iter()
                .chain(&main)
                .chain(&ephemeral)
                .any(|c| c == container)
            {
                Ok(container.to_string())
            } else {
                Err(ApiError::BadRequest(format!(
                    "container {container} is not valid for pod {name}"
                )))
            }
        }
        None => match main.as_slice() {
            [only] => Ok(only.clone()),
            [] => Err(ApiError::BadRequest(format!(
                "a container name must be specified for pod {name}"
            ))),
            _ => {
                let all: Vec<String> = init.into_iter().chain(main).chain(ephemeral).collect();
                Err(ApiError::BadRequest(format!(
                    "a container name must be specified for pod {name}, choose one of: [{}]",
                    all.join(" ")
                )))
            }
        },
    }
}

/// A plain-text response (the API server labels logs `text/plain`).
fn text_response(body: Body) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// Lines `from..to` of `run`, at most `budget` bytes (`limitBytes`); returns the bytes and the
/// time of the last line written.
fn render(
    run: &Run,
    timeline: &logs::Timeline,
    from: u64,
    to: u64,
    timestamps: bool,
    budget: Option<usize>,
) -> (Vec<u8>, Option<Timestamp>) {
    let mut out = Vec::new();
    let mut last = None;
    for position in from..to {
        let Some((at, line)) = run.line(timeline, position) else {
            break;
        };
        logs::write_line(&mut out, at, &line, timestamps);
        last = Some(at);
        if budget.is_some_and(|b| out.len() >= b) {
            break;
        }
    }
    if let Some(budget) = budget {
        out.truncate(budget);
    }
    (out, last)
}

/// GET a pod's log.
pub(super) fn get(
    zone: &Arc<Zone>,
    request: &ApiRequest,
    target: &Target,
    name: &str,
) -> Result<Response<Body>, ApiError> {
    let options = LogOptions::parse(&request.query)?;
    if let Some(status) = options.invalid(name) {
        return Ok(value_response(422, &status));
    }
    let namespace = namespace_of(target).to_string();
    let stored = zone
        .store
        .get(ServedKind::Pod, &namespace, name)
        .ok_or_else(|| not_found(target, name))?;
    let pod = stored.to_value();
    let container = choose_container(&pod, name, options.container.as_deref())?;
    if pod["spec"]["nodeName"].as_str().is_none_or(str::is_empty) {
        // Not scheduled: no kubelet to ask, and the API server answers with nothing.
        return Ok(text_response(Body::empty()));
    }
    let run = logs::resolve(&pod, &container, options.previous, zone.log_rate)
        .map_err(ApiError::BadRequest)?;
    let now = Timestamp::now();
    let timeline = run.timeline(now, None);
    let first = logs::first_position(&timeline, options.selection(now));
    let budget = options.limit_bytes.and_then(|l| usize::try_from(l).ok());
    let (backlog, last) = render(
        &run,
        &timeline,
        first,
        timeline.line_count(),
        options.timestamps,
        budget,
    );
    if !options.follow || timeline.complete || budget.is_some_and(|b| backlog.len() >= b) {
        return Ok(text_response(Body::from(backlog)));
    }
    let (sender, receiver) = mpsc::channel::<Bytes>(QUEUED_CHUNKS);
    let follow = Follow {
        zone: zone.clone(),
        namespace,
        name: name.to_string(),
        container,
        previous: options.previous,
        timestamps: options.timestamps,
        budget: budget.map(|b| b - backlog.len()),
        identity: run.identity.clone(),
        seen_version: stored.resource_version,
        next: timeline.line_count(),
        floor: last.or_else(|| timeline.last_time()),
        gone: false,
        run,
    };
    tokio::spawn(follow.run(Bytes::from(backlog), sender));
    let stream = futures::StreamExt::map(ReceiverStream::new(receiver), Ok::<_, Infallible>);
    Ok(text_response(Body::from_stream(stream)))
}

/// A followed log: new lines as they are written, until the container stops, the pod goes,
/// the byte limit is reached or the client leaves.
struct Follow {
    zone: Arc<Zone>,
    namespace: String,
    name: String,
    container: String,
    previous: bool,
    timestamps: bool,
    budget: Option<usize>,
    run: Run,
    identity: String,
    seen_version: u64,
    next: u64,
    floor: Option<Timestamp>,
    gone: bool,
}

impl Follow {
    async fn run(mut self, backlog: Bytes, sender: mpsc::Sender<Bytes>) {
        if !backlog.is_empty() && sender.send(backlog).await.is_err() {
            return;
        }
        let tick = Duration::from_secs_f64(1.0 / self.run.rate().max(0.001))
            .clamp(SHORTEST_TICK, LONGEST_TICK);
        loop {
            tokio::select! {
                _ = tokio::time::sleep(tick) => {}
                _ = sender.closed() => return,
            }
            if !self.still_the_same_run() {
                return;
            }
            let timeline = self.run.timeline(Timestamp::now(), self.floor);
            while self.next < timeline.line_count() {
                let mut chunk = Vec::new();
                while self.next < timeline.line_count() && chunk.len() < CHUNK_BYTES {
                    let Some((at, line)) = self.run.line(&timeline, self.next) else {
                        break;
                    };
                    logs::write_line(&mut chunk, at, &line, self.timestamps);
                    // The floor keeps a late stop after the lines already sent; the last
                    // words come after the stop, so they must not move it (the stop would
                    // follow them, and the last words with it, for ever).
                    if !timeline.is_closing(self.next) {
                        self.floor = Some(at);
                    }
                    self.next += 1;
                }
                let mut done = false;
                if let Some(budget) = self.budget.as_mut() {
                    if chunk.len() >= *budget {
                        chunk.truncate(*budget);
                        done = true;
                    }
                    *budget -= chunk.len();
                }
                if chunk.is_empty() || sender.send(Bytes::from(chunk)).await.is_err() || done {
                    return;
                }
            }
            if timeline.complete {
                return;
            }
        }
    }

    /// Re-read the pod when it changed: false when its container restarted or the pod was
    /// replaced (the kubelet ends a follow when the container it reads stops). A pod that is
    /// gone stops its container: the run writes its last words, then the follow ends.
    fn still_the_same_run(&mut self) -> bool {
        if self.gone {
            return true;
        }
        let Some(stored) = self
            .zone
            .store
            .get(ServedKind::Pod, &self.namespace, &self.name)
        else {
            self.gone = true;
            self.run.stop_at(self.floor.unwrap_or_else(Timestamp::now));
            return true;
        };
        if stored.resource_version == self.seen_version {
            return true;
        }
        self.seen_version = stored.resource_version;
        match logs::resolve(
            &stored.to_value(),
            &self.container,
            self.previous,
            self.zone.log_rate,
        ) {
            Ok(run) if run.identity == self.identity => {
                self.run = run;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_decode_as_the_api_server_decodes_them() {
        let query = Query::parse("follow&previous=false&timestamps=1&a=no&b=True&c=F");
        assert!(flag(&query, "follow"), "empty is true");
        assert!(!flag(&query, "previous"));
        assert!(flag(&query, "timestamps"));
        assert!(!flag(&query, "a"));
        assert!(flag(&query, "b"));
        assert!(!flag(&query, "c"));
        assert!(!flag(&query, "missing"));
    }

    #[test]
    fn validation_names_every_bad_field_like_the_api_server() {
        let options = LogOptions::parse(&Query::parse("tailLines=-1&limitBytes=0")).unwrap();
        let status = options.invalid("p").unwrap();
        assert_eq!(
            status["message"],
            "PodLogOptions \"p\" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, limitBytes: Invalid value: 0: must be greater than 0]"
        );
        assert_eq!(status["details"]["causes"][1]["field"], "limitBytes");
        let both = LogOptions::parse(&Query::parse(
            "sinceSeconds=5&sinceTime=2026-03-25T10:00:00Z",
        ))
        .unwrap();
        assert_eq!(
            both.invalid("p").unwrap()["message"],
            "PodLogOptions \"p\" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"
        );
        assert!(
            LogOptions::parse(&Query::parse("tailLines=0&sinceSeconds=1"))
                .unwrap()
                .invalid("p")
                .is_none()
        );
    }

    #[test]
    fn containers_are_chosen_as_the_api_server_chooses() {
        let pod = json!({"spec": {"initContainers": [{"name": "init"}], "containers": [{"name": "a"}, {"name": "b"}]}});
        let error = choose_container(&pod, "p", None).unwrap_err();
        assert_eq!(
            error,
            ApiError::BadRequest(
                "a container name must be specified for pod p, choose one of: [init a b]".into()
            )
        );
        assert_eq!(choose_container(&pod, "p", Some("init")).unwrap(), "init");
        assert_eq!(
            choose_container(&pod, "p", Some("x")).unwrap_err(),
            ApiError::BadRequest("container x is not valid for pod p".into())
        );
        let single = json!({"spec": {"containers": [{"name": "only"}]}});
        assert_eq!(choose_container(&single, "p", None).unwrap(), "only");
    }
}
