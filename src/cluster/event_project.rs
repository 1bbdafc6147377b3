//! Projects Events of both API groups (`events.k8s.io/v1` and `core/v1`) into the fleet's
//! [`EventInfo`]: type, reason, the object it is about, message, count, first and last seen,
//! and who reported it. Every string is sanitised here, once.
//!
//! The times are the subtle part: which fields are set depends on who wrote the event and
//! through which API. An old-style recorder (through `core/v1`) sets `firstTimestamp`,
//! `lastTimestamp` and `count`; a new-style one (through `events.k8s.io/v1`) sets `eventTime`
//! and, for repeats, `series`; the server converts each into the other group's fields
//! (`deprecatedLastTimestamp`, ...). Last seen is the latest observation among the fields that
//! are set (the series' `lastObservedTime` is the newest once a series exists; `eventTime` is
//! the first of a series), and `creationTimestamp` only when no event time is set at all.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event as CoreEvent, EventSource, ObjectReference};
use k8s_openapi::api::events::v1::Event as EventV1;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::fleet::events::{EventInfo, EventObject, EventType, MAX_MESSAGE_CHARS};
use crate::sanitize::clean;

/// Projects an `events.k8s.io/v1` Event.
pub fn event_v1(e: &EventV1) -> EventInfo {
    let observed = [
        e.series.as_ref().map(|s| s.last_observed_time.0),
        e.event_time.as_ref().map(|t| t.0),
        e.deprecated_last_timestamp.as_ref().map(|t| t.0),
        e.deprecated_first_timestamp.as_ref().map(|t| t.0),
    ];
    let first = [
        e.deprecated_first_timestamp.as_ref().map(|t| t.0),
        e.event_time.as_ref().map(|t| t.0),
    ];
    let count = [e.series.as_ref().map(|s| s.count), e.deprecated_count];
    EventInfo {
        namespace: clean(e.metadata.namespace.as_deref().unwrap_or_default()).into_owned(),
        name: clean(e.metadata.name.as_deref().unwrap_or_default()).into_owned(),
        event_type: EventType::from_api(e.type_.as_deref()),
        reason: clean(e.reason.as_deref().unwrap_or_default()).into_owned(),
        object: object_of(e.regarding.as_ref(), &e.metadata),
        message: message(e.note.as_deref()),
        count: count_of(&count),
        first_seen: earliest(&first).or_else(|| created(&e.metadata)),
        last_seen: latest(&observed).or_else(|| created(&e.metadata)),
        reporter: reporter(
            e.reporting_controller.as_deref(),
            e.deprecated_source.as_ref(),
        ),
    }
}

/// Projects a `core/v1` Event (the fallback where `events.k8s.io/v1` is not served).
pub fn core_event(e: &CoreEvent) -> EventInfo {
    let observed = [
        e.last_timestamp.as_ref().map(|t| t.0),
        e.event_time.as_ref().map(|t| t.0),
        e.series
            .as_ref()
            .and_then(|s| s.last_observed_time.as_ref())
            .map(|t| t.0),
        e.first_timestamp.as_ref().map(|t| t.0),
    ];
    let first = [
        e.first_timestamp.as_ref().map(|t| t.0),
        e.event_time.as_ref().map(|t| t.0),
    ];
    let count = [e.count, e.series.as_ref().and_then(|s| s.count)];
    EventInfo {
        namespace: clean(e.metadata.namespace.as_deref().unwrap_or_default()).into_owned(),
        name: clean(e.metadata.name.as_deref().unwrap_or_default()).into_owned(),
        event_type: EventType::from_api(e.type_.as_deref()),
        reason: clean(e.reason.as_deref().unwrap_or_default()).into_owned(),
        object: object_of(Some(&e.involved_object), &e.metadata),
        message: message(e.message.as_deref()),
        count: count_of(&count),
        first_seen: earliest(&first).or_else(|| created(&e.metadata)),
        last_seen: latest(&observed).or_else(|| created(&e.metadata)),
        reporter: reporter(e.reporting_component.as_deref(), e.source.as_ref()),
    }
}

fn created(meta: &ObjectMeta) -> Option<Timestamp> {
    meta.creation_timestamp.as_ref().map(|t| t.0)
}

fn latest(times: &[Option<Timestamp>]) -> Option<Timestamp> {
    times.iter().flatten().max().copied()
}

fn earliest(times: &[Option<Timestamp>]) -> Option<Timestamp> {
    times.iter().flatten().min().copied()
}

/// The largest count given, at least 1 (an event seen once has no count at all).
fn count_of(counts: &[Option<i32>]) -> u32 {
    counts
        .iter()
        .flatten()
        .filter_map(|c| u32::try_from(*c).ok())
        .max()
        .unwrap_or(1)
        .max(1)
}

/// The object an event is about; an event without one is about its own namespace's nothing,
/// shown under the event's namespace with an empty name.
fn object_of(reference: Option<&ObjectReference>, meta: &ObjectMeta) -> EventObject {
    let text = |v: Option<&String>| clean(v.map_or("", String::as_str)).into_owned();
    match reference {
        Some(r) => EventObject {
            kind: text(r.kind.as_ref()),
            namespace: text(r.namespace.as_ref()),
            name: text(r.name.as_ref()),
        },
        None => EventObject::new("", text(meta.namespace.as_ref()), ""),
    }
}

/// The message, sanitised and cut to [`MAX_MESSAGE_CHARS`] characters.
fn message(text: Option<&str>) -> String {
    let cleaned = clean(text.unwrap_or_default());
    let trimmed = cleaned.trim();
    match trimmed.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &trimmed[..cut]),
        None => trimmed.to_string(),
    }
}

/// The reporting controller or component, else the deprecated source's component.
fn reporter(reporting: Option<&str>, source: Option<&EventSource>) -> String {
    let chosen = reporting
        .filter(|r| !r.is_empty())
        .or_else(|| source.and_then(|s| s.component.as_deref()))
        .unwrap_or_default();
    clean(chosen).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn v1(extra: Value) -> EventInfo {
        let mut e = json!({
            "metadata": {"name": "ge-executor.18a2", "namespace": "ge-agents",
                         "creationTimestamp": "2026-03-26T11:00:00Z"},
            "regarding": {"kind": "Deployment", "namespace": "ge-agents", "name": "ge-executor"},
            "reason": "ScalingReplicaSet", "type": "Normal",
            "note": "Scaled up replica set ge-executor-7f9c to 1",
            "reportingController": "deployment-controller", "reportingInstance": "kcm-1",
            "action": "Scaling"
        });
        merge(&mut e, extra);
        event_v1(&serde_json::from_value(e).unwrap())
    }

    fn core(extra: Value) -> EventInfo {
        let mut e = json!({
            "metadata": {"name": "metrics-server-1.18a3", "namespace": "kube-system",
                         "creationTimestamp": "2026-03-26T11:00:00Z"},
            "involvedObject": {"kind": "Pod", "namespace": "kube-system", "name": "metrics-server-1"},
            "reason": "BackOff", "type": "Warning",
            "message": "Back-off restarting failed container",
            "source": {"component": "kubelet", "host": "node-1"}
        });
        merge(&mut e, extra);
        core_event(&serde_json::from_value(e).unwrap())
    }

    fn merge(base: &mut Value, extra: Value) {
        if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
            base.extend(extra);
        }
    }

    fn t(s: &str) -> Option<Timestamp> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn events_v1_last_seen_for_every_shape() {
        // A series: its last observation is newer than its eventTime.
        let series = v1(json!({"eventTime": "2026-03-26T11:10:00.000000Z",
            "series": {"count": 5, "lastObservedTime": "2026-03-26T11:40:00.123456Z"}}));
        assert_eq!(series.last_seen, t("2026-03-26T11:40:00.123456Z"));
        assert_eq!(series.first_seen, t("2026-03-26T11:10:00Z"));
        assert_eq!(series.count, 5);
        // A single new-style event: only eventTime.
        let single = v1(json!({"eventTime": "2026-03-26T11:20:00.500000Z"}));
        assert_eq!(single.last_seen, t("2026-03-26T11:20:00.5Z"));
        assert_eq!(single.count, 1);
        // An old-style event read through events.k8s.io: only the deprecated fields.
        let converted = v1(json!({"deprecatedFirstTimestamp": "2026-03-26T11:05:00Z",
            "deprecatedLastTimestamp": "2026-03-26T11:30:00Z", "deprecatedCount": 7}));
        assert_eq!(converted.last_seen, t("2026-03-26T11:30:00Z"));
        assert_eq!(converted.first_seen, t("2026-03-26T11:05:00Z"));
        assert_eq!(converted.count, 7);
        // Nothing but the object's creation.
        let bare = v1(json!({}));
        assert_eq!(bare.last_seen, t("2026-03-26T11:00:00Z"));
        assert_eq!(bare.first_seen, t("2026-03-26T11:00:00Z"));
        assert_eq!(bare.event_type, EventType::Normal);
        assert_eq!(bare.reporter, "deployment-controller");
        assert_eq!(
            bare.object,
            EventObject::new("Deployment", "ge-agents", "ge-executor")
        );
        assert_eq!(bare.message, "Scaled up replica set ge-executor-7f9c to 1");
    }

    #[test]
    fn core_last_seen_for_every_shape() {
        let old_style = core(json!({"firstTimestamp": "2026-03-26T11:01:00Z",
            "lastTimestamp": "2026-03-26T11:45:00Z", "count": 14}));
        assert_eq!(old_style.last_seen, t("2026-03-26T11:45:00Z"));
        assert_eq!(old_style.first_seen, t("2026-03-26T11:01:00Z"));
        assert_eq!(old_style.count, 14);
        assert!(old_style.is_warning());
        assert_eq!(
            old_style.reporter, "kubelet",
            "the deprecated source's component"
        );
        // Written through events.k8s.io, read through core: eventTime, no lastTimestamp.
        let event_time_only = core(json!({"eventTime": "2026-03-26T11:15:00.250000Z",
            "reportingComponent": "default-scheduler"}));
        assert_eq!(event_time_only.last_seen, t("2026-03-26T11:15:00.25Z"));
        assert_eq!(event_time_only.reporter, "default-scheduler");
        // A series read through core: the series' last observation wins over eventTime.
        let series = core(json!({"eventTime": "2026-03-26T11:15:00.000000Z",
            "series": {"count": 3, "lastObservedTime": "2026-03-26T11:50:00.000000Z"}}));
        assert_eq!(series.last_seen, t("2026-03-26T11:50:00Z"));
        assert_eq!(series.first_seen, t("2026-03-26T11:15:00Z"));
        assert_eq!(series.count, 3);
        // Only firstTimestamp (a recorder that never repeated).
        let first_only = core(json!({"firstTimestamp": "2026-03-26T11:02:00Z"}));
        assert_eq!(first_only.last_seen, t("2026-03-26T11:02:00Z"));
        // No time of the event at all: the object's creation, as a last resort.
        let bare = core(json!({}));
        assert_eq!(bare.last_seen, t("2026-03-26T11:00:00Z"));
        assert_eq!(bare.count, 1);
        // Neither: no time, which the store does not keep.
        let mut timeless: CoreEvent = serde_json::from_value(json!({
            "metadata": {"name": "x", "namespace": "a"}, "involvedObject": {}}))
        .unwrap();
        timeless.metadata.creation_timestamp = None;
        assert_eq!(core_event(&timeless).last_seen, None);
    }

    #[test]
    fn strings_are_sanitised_and_long_messages_cut() {
        let hostile = core(json!({
            "reason": "Back\u{1b}[31mOff",
            "message": format!("pull \u{1b}]0;pwned\u{7}failed\u{202e}: {}", "x".repeat(5000)),
            "involvedObject": {"kind": "Pod", "namespace": "kube-system", "name": "m\u{1b}[2Jx"}
        }));
        assert_eq!(hostile.reason, "BackOff");
        assert_eq!(hostile.object.name, "mx");
        assert!(
            hostile.message.starts_with("pull failed: xxx"),
            "{}",
            hostile.message
        );
        assert!(
            !hostile
                .message
                .chars()
                .any(|c| c.is_control() || c == '\u{202e}')
        );
        assert_eq!(hostile.message.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(hostile.message.ends_with('…'));
        let replaced =
            v1(json!({"note": "bad byte \u{fffd} kept as the replacement character\nnext line"}));
        assert_eq!(
            replaced.message,
            "bad byte \u{fffd} kept as the replacement character next line"
        );
    }
}
