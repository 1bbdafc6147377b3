//! Kubernetes Events in the fleet model: the small projection of one event ([`EventInfo`]), the
//! bounded per-zone [`EventStore`], and the pure functions the timeline, the workload view, the
//! overview and `ge-console events` read it through ([`query`]).
//!
//! Events come from both API groups (`events.k8s.io/v1`, or `core/v1` where that is what is
//! served); the cluster layer projects either shape into the same [`EventInfo`]. A series of
//! repeats is one Event object on the server with a count, so one row here.

pub mod query;
pub mod report;
mod store;

use jiff::Timestamp;
use serde::Serialize;

pub use query::{
    EventFilter, RECENT_WARNINGS, TimelineRow, latest_warning_of, object_events, recent_warnings,
    timeline, workload_events,
};
pub use store::EventStore;

use super::{Keyed, ObjectKey};

/// Normal or Warning, as the event's `type` says (anything else reads as Normal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum EventType {
    /// Routine: scaled, pulled, started.
    Normal,
    /// Something may be wrong: back-off, failed mount, failed scheduling.
    Warning,
}

impl EventType {
    /// `Normal` or `Warning`, as kubectl prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }

    /// The type named by an event's `type` field.
    pub fn from_api(value: Option<&str>) -> EventType {
        match value {
            Some(t) if t.eq_ignore_ascii_case("Warning") => EventType::Warning,
            _ => EventType::Normal,
        }
    }
}

/// The object an event is about (`regarding` / `involvedObject`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct EventObject {
    /// Its kind: Pod, ReplicaSet, Deployment, Node, ...
    pub kind: String,
    /// Its namespace; empty for a cluster-scoped object.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

impl EventObject {
    /// An object reference.
    pub fn new(
        kind: impl Into<String>,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        EventObject {
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// `pod/ge-executor-7f9c-abcde`, as kubectl names objects.
    pub fn short(&self) -> String {
        format!("{}/{}", self.kind.to_ascii_lowercase(), self.name)
    }
}

/// One event, as small as the console needs it. Every string is sanitised by the cluster layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventInfo {
    /// The Event object's namespace.
    pub namespace: String,
    /// The Event object's name: with the namespace, the key a series of repeats shares.
    pub name: String,
    /// Normal or Warning.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The machine-readable reason: `BackOff`, `ScalingReplicaSet`, `FailedMount`, ...
    pub reason: String,
    /// The object it is about.
    pub object: EventObject,
    /// The human-readable message (`note` in events.k8s.io), cut to [`MAX_MESSAGE_CHARS`].
    pub message: String,
    /// How many times it was seen (the series' count, at least 1).
    pub count: u32,
    /// When it was first seen.
    pub first_seen: Option<Timestamp>,
    /// When it was last seen; the timeline's order and the window are by this time.
    pub last_seen: Option<Timestamp>,
    /// Who reported it: `deployment-controller`, `kubelet`, `default-scheduler`, ...
    pub reporter: String,
}

/// The longest message kept: the API server cuts `note` at 1 KiB; a core event written by an
/// old client may be longer, and nothing on screen shows more.
pub const MAX_MESSAGE_CHARS: usize = 1024;

impl EventInfo {
    /// True for a Warning.
    pub fn is_warning(&self) -> bool {
        self.event_type == EventType::Warning
    }
}

impl Keyed for EventInfo {
    fn key(&self) -> ObjectKey {
        ObjectKey::new(&self.namespace, &self.name)
    }
}
