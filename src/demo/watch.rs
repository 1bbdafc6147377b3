//! Watch streams: chunked JSON events, resumable from a resourceVersion, with bookmarks,
//! timeouts, selector transitions and slow-watcher disconnection.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use hyper::{Response, header};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;

use super::Zone;
use super::http::Representation;
use super::resources::ServedKind;
use super::selector::{FieldSelector, LabelSelector};
use super::status::ApiError;
use super::store::{EventType, StoredObject, WatchEvent};
use super::table::{self, IncludeObject};

/// Events buffered towards one HTTP response before the watch task waits for the client.
const OUTBOUND_CAPACITY: usize = 64;

/// A parsed watch request.
pub struct WatchRequest {
    /// Resource watched.
    pub kind: ServedKind,
    /// Namespace, or None for all.
    pub namespace: Option<String>,
    /// Label selector.
    pub label: LabelSelector,
    /// Field selector.
    pub field: FieldSelector,
    /// `resourceVersion` parameter, if given and non-empty.
    pub resource_version: Option<String>,
    /// `allowWatchBookmarks=true`.
    pub bookmarks: bool,
    /// `sendInitialEvents=true`.
    pub send_initial_events: bool,
    /// When the server ends the watch.
    pub timeout: Duration,
    /// Object representation.
    pub representation: Representation,
    /// Table rows' `object`.
    pub include: IncludeObject,
}

impl WatchRequest {
    fn matches(&self, object: &StoredObject) -> bool {
        self.namespace
            .as_deref()
            .is_none_or(|ns| ns == object.namespace)
            && self.label.matches_object(object)
            && self.field.matches_object(object)
    }

    /// Encode one event line.
    fn encode(&self, event_type: &str, object: &StoredObject) -> Bytes {
        if self.representation == Representation::Plain {
            let mut line = Vec::with_capacity(object.json.len() + 40);
            line.extend_from_slice(b"{\"type\":\"");
            line.extend_from_slice(event_type.as_bytes());
            line.extend_from_slice(b"\",\"object\":");
            line.extend_from_slice(&self.kind.present(&object.json));
            line.extend_from_slice(b"}\n");
            return Bytes::from(line);
        }
        self.encode_value(event_type, &object.to_value())
    }

    /// Encode one event line for an object in its stored shape.
    fn encode_value(&self, event_type: &str, object: &Value) -> Bytes {
        let converted = match self.representation {
            Representation::Plain => self.kind.present_value(object.clone()),
            Representation::Table(api_version) => {
                let metadata = json!({"resourceVersion": object["metadata"]["resourceVersion"]});
                table::table(
                    self.kind,
                    api_version,
                    std::slice::from_ref(object),
                    self.include,
                    metadata,
                )
            }
            Representation::Metadata => table::partial_metadata(object),
        };
        line(event_type, &converted)
    }

    fn bookmark(&self, resource_version: u64, initial_events_end: bool) -> Bytes {
        let (kind, api_version) = match self.representation {
            Representation::Metadata => (
                "PartialObjectMetadata".to_string(),
                "meta.k8s.io/v1".to_string(),
            ),
            _ => (self.kind.info().kind.to_string(), self.kind.api_version()),
        };
        let mut metadata =
            json!({"resourceVersion": resource_version.to_string(), "creationTimestamp": null});
        if initial_events_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        line(
            "BOOKMARK",
            &json!({"kind": kind, "apiVersion": api_version, "metadata": metadata}),
        )
    }

    /// The line(s) a store event turns into for this watcher, if any.
    fn translate(&self, event: &WatchEvent) -> Option<Bytes> {
        if event.kind != self.kind.storage() {
            return None;
        }
        let now_matches = self.matches(&event.object);
        let before_matched = event
            .previous
            .as_ref()
            .is_some_and(|previous| self.matches(previous));
        match event.event_type {
            EventType::Added | EventType::Deleted if now_matches => {
                Some(self.encode(event.event_type.as_str(), &event.object))
            }
            EventType::Modified => match (before_matched, now_matches) {
                (true, true) => Some(self.encode("MODIFIED", &event.object)),
                (false, true) => Some(self.encode("ADDED", &event.object)),
                (true, false) => {
                    // Like the watch cache: the previous state, stamped with this event's RV.
                    let previous = event.previous.as_ref()?;
                    let mut object = previous.to_value();
                    object["metadata"]["resourceVersion"] =
                        json!(event.resource_version.to_string());
                    Some(self.encode_value("DELETED", &object))
                }
                (false, false) => None,
            },
            _ => None,
        }
    }
}

fn line(event_type: &str, object: &Value) -> Bytes {
    let mut bytes =
        serde_json::to_vec(&json!({"type": event_type, "object": object})).unwrap_or_default();
    bytes.push(b'\n');
    Bytes::from(bytes)
}

/// How often bookmarks are sent to watchers that allow them.
pub fn bookmark_interval(time_scale: f64) -> Duration {
    Duration::from_secs_f64((10.0 * time_scale).clamp(0.1, 60.0))
}

/// How a watch begins.
enum Start {
    /// Synthetic ADDED events for these objects (then, optionally, the initial-events bookmark).
    Snapshot(Vec<Arc<StoredObject>>, u64),
    /// Replay of these history events.
    Replay(Vec<Arc<WatchEvent>>, u64),
    /// The resourceVersion is too old: one ERROR event and close.
    Expired(String),
}

/// Begin a watch: subscribe now (so nothing is missed) and stream from a task.
pub fn start(zone: Arc<Zone>, request: WatchRequest) -> Result<Response<Body>, ApiError> {
    let requested_rv = match request.resource_version.as_deref() {
        None | Some("0") => None,
        Some(text) => Some(
            text.parse::<u64>()
                .map_err(|_| ApiError::BadRequest(format!("invalid resource version: {text}")))?,
        ),
    };
    let (start, receiver) = match requested_rv {
        Some(rv) if !request.send_initial_events => match zone.store.watch_from(rv) {
            Ok((backlog, receiver)) => (Start::Replay(backlog, rv), Some(receiver)),
            Err(too_old) => (
                Start::Expired(format!(
                    "too old resource version: {} ({})",
                    too_old.requested, too_old.oldest
                )),
                None,
            ),
        },
        _ => {
            let (objects, rv, receiver) =
                zone.store.snapshot_and_subscribe(&[request.kind.storage()]);
            let objects = objects
                .into_iter()
                .map(|(_, object)| object)
                .filter(|o| request.matches(o))
                .collect();
            (Start::Snapshot(objects, rv), Some(receiver))
        }
    };
    let (sender, outbound) = mpsc::channel::<Bytes>(OUTBOUND_CAPACITY);
    let interval = bookmark_interval(zone.time_scale);
    tokio::spawn(async move {
        run(request, start, receiver, sender, interval).await;
    });
    let stream = futures::StreamExt::map(ReceiverStream::new(outbound), Ok::<_, Infallible>);
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CACHE_CONTROL, "no-cache, private")
        .body(Body::from_stream(stream))
        .map_err(|error| ApiError::Internal(error.to_string()))
}

async fn run(
    request: WatchRequest,
    start: Start,
    receiver: Option<broadcast::Receiver<Arc<WatchEvent>>>,
    sender: mpsc::Sender<Bytes>,
    bookmark_every: Duration,
) {
    let deadline = tokio::time::Instant::now() + request.timeout;
    let mut last_rv = match start {
        Start::Expired(message) => {
            let status = ApiError::Expired(message).to_status();
            let _ = sender.send(line("ERROR", &status)).await;
            return;
        }
        Start::Snapshot(objects, rv) => {
            for object in objects {
                if sender.send(request.encode("ADDED", &object)).await.is_err() {
                    return;
                }
            }
            if request.send_initial_events && sender.send(request.bookmark(rv, true)).await.is_err()
            {
                return;
            }
            rv
        }
        Start::Replay(events, rv) => {
            let mut last = rv;
            for event in events {
                last = event.resource_version;
                if let Some(bytes) = request.translate(&event)
                    && sender.send(bytes).await.is_err()
                {
                    return;
                }
            }
            last
        }
    };
    let Some(mut receiver) = receiver else { return };
    let mut bookmarks =
        tokio::time::interval_at(tokio::time::Instant::now() + bookmark_every, bookmark_every);
    let send_bookmarks =
        request.bookmarks && !matches!(request.representation, Representation::Table(_));
    loop {
        tokio::select! {
            received = receiver.recv() => match received {
                Ok(event) => {
                    if event.resource_version <= last_rv {
                        continue;
                    }
                    last_rv = event.resource_version;
                    if let Some(bytes) = request.translate(&event)
                        && sender.send(bytes).await.is_err()
                    {
                        return;
                    }
                }
                // Fell too far behind (or the zone is gone): end the watch; the client
                // resumes from its last resourceVersion or relists, as with a real server.
                Err(_) => return,
            },
            _ = bookmarks.tick(), if send_bookmarks => {
                if sender.send(request.bookmark(last_rv, false)).await.is_err() {
                    return;
                }
            }
            _ = tokio::time::sleep_until(deadline) => return,
            _ = sender.closed() => return,
        }
    }
}
