//! The Event resource (Kubernetes Events, not watch events): one stored shape (core/v1) served
//! through two API groups, as the real API server does. `core/v1` and `events.k8s.io/v1` are
//! field-for-field conversions of each other; this module converts between them, writes each
//! in the exact JSON shape Go's encoder gives (which empty fields are `null`, `{}` or left
//! out), names the fields each group can select on, and builds the objects recorders write.

mod build;
pub mod messages;

pub use build::{EventSpec, Reporter, event_name, object_reference, stored_aggregation};

use serde_json::{Map, Value, json};

/// Field-selector labels of core/v1 Events besides metadata.name/namespace (the real server's
/// `ToSelectableFields`).
pub const CORE_FIELDS: &[&str] = &[
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
];

/// Field-selector labels of events.k8s.io/v1 Events besides metadata.name/namespace (the real
/// server's label conversion: `regarding.*` and `reportingController` select the core fields,
/// and there is no `source`).
pub const EVENTS_V1_FIELDS: &[&str] = &[
    "regarding.kind",
    "regarding.namespace",
    "regarding.name",
    "regarding.uid",
    "regarding.apiVersion",
    "regarding.resourceVersion",
    "regarding.fieldPath",
    "reason",
    "reportingController",
    "type",
];

/// The core label an events.k8s.io/v1 field-selector label selects (others unchanged).
pub fn stored_field_label(label: &str) -> &str {
    if label == "reportingController" {
        return "reportingComponent";
    }
    label
        .strip_prefix("regarding.")
        .and_then(|part| {
            CORE_FIELDS
                .iter()
                .find(|field| field.strip_prefix("involvedObject.") == Some(part))
        })
        .copied()
        .unwrap_or(label)
}

/// The selectable field values of a stored (core/v1) Event. `source` falls back to the
/// reporting component, as the real server's does for events written through events.k8s.io.
pub fn field_values(event: &Value) -> Vec<(&'static str, String)> {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
    let reference = &event["involvedObject"];
    let source = match event["source"]["component"].as_str() {
        Some(component) if !component.is_empty() => component.to_string(),
        _ => text(&event["reportingComponent"]),
    };
    CORE_FIELDS
        .iter()
        .map(|field| {
            let value = match *field {
                "source" => source.clone(),
                "reason" | "reportingComponent" | "type" => text(&event[*field]),
                _ => field
                    .strip_prefix("involvedObject.")
                    .map(|part| text(&reference[part]))
                    .unwrap_or_default(),
            };
            (*field, value)
        })
        .collect()
}

/// Set `key` to `value` unless it holds something already.
fn default_field(object: &mut Map<String, Value>, key: &str, value: Value) {
    if object.get(key).is_none_or(Value::is_null) {
        object.insert(key.to_string(), value);
    }
}

/// Remove `key` when it holds the value Go's `omitempty` leaves out.
fn omit_empty(object: &mut Map<String, Value>, key: &str) {
    let empty = match object.get(key) {
        Some(Value::Number(number)) => number.as_i64() == Some(0),
        Some(Value::String(text)) => text.is_empty(),
        Some(Value::Null) => true,
        _ => false,
    };
    if empty {
        object.remove(key);
    }
}

/// A core/v1 Event in the real server's JSON shape: `eventTime`, `firstTimestamp` and
/// `lastTimestamp` are `null` when unset, `source` is `{}`, `reportingComponent` and
/// `reportingInstance` are always there, and a zero `count` is left out.
pub fn canonical_core(mut event: Value) -> Value {
    if let Some(object) = event.as_object_mut() {
        for key in ["eventTime", "firstTimestamp", "lastTimestamp"] {
            default_field(object, key, Value::Null);
        }
        default_field(object, "source", json!({}));
        default_field(object, "involvedObject", json!({}));
        default_field(object, "reportingComponent", json!(""));
        default_field(object, "reportingInstance", json!(""));
        for key in ["count", "reason", "message", "type", "action"] {
            omit_empty(object, key);
        }
        if object.get("series").is_some_and(Value::is_null) {
            object.remove("series");
        }
    }
    event
}

/// An events.k8s.io/v1 Event in the real server's JSON shape: `eventTime` and the deprecated
/// timestamps are `null` when unset, `regarding` and `deprecatedSource` are `{}`, empty
/// strings and a zero `deprecatedCount` are left out.
pub fn canonical_v1(mut event: Value) -> Value {
    if let Some(object) = event.as_object_mut() {
        for key in [
            "eventTime",
            "deprecatedFirstTimestamp",
            "deprecatedLastTimestamp",
        ] {
            default_field(object, key, Value::Null);
        }
        default_field(object, "regarding", json!({}));
        default_field(object, "deprecatedSource", json!({}));
        for key in [
            "deprecatedCount",
            "reportingController",
            "reportingInstance",
            "action",
            "reason",
            "note",
            "type",
        ] {
            omit_empty(object, key);
        }
        if object.get("series").is_some_and(Value::is_null) {
            object.remove("series");
        }
    }
    event
}

/// Check a new Event as the real server does: through core/v1 only that its object lives in
/// its namespace; through events.k8s.io/v1 also the fields that API requires. Returns the
/// offending field and the problem.
pub fn validate_create(through_events_v1: bool, event: &Value) -> Result<(), (String, String)> {
    let namespace = event["metadata"]["namespace"].as_str().unwrap_or_default();
    let reference = if through_events_v1 {
        "regarding"
    } else {
        "involvedObject"
    };
    if let Some(object_namespace) = event[reference]["namespace"].as_str()
        && !object_namespace.is_empty()
        && object_namespace != namespace
    {
        return Err((
            format!("{reference}.namespace"),
            format!("Invalid value: \"{object_namespace}\": does not match event.namespace"),
        ));
    }
    if !through_events_v1 {
        return Ok(());
    }
    let missing = |field: &str| event[field].as_str().is_none_or(str::is_empty);
    if let Some(field) = [
        "eventTime",
        "reportingController",
        "reportingInstance",
        "action",
        "reason",
    ]
    .into_iter()
    .find(|field| missing(field))
    {
        return Err((field.to_string(), "Required value".to_string()));
    }
    match event["type"].as_str().unwrap_or_default() {
        "Normal" | "Warning" => Ok(()),
        other => Err((
            "type".to_string(),
            format!("Invalid value: \"\": has invalid value: {other}"),
        )),
    }
}

/// Pairs of (core/v1 field, events.k8s.io/v1 field) that hold the same data.
const RENAMED: &[(&str, &str)] = &[
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("reportingComponent", "reportingController"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
];

/// Fields both shapes share under the same name.
const SHARED: &[&str] = &[
    "metadata",
    "eventTime",
    "series",
    "reportingInstance",
    "action",
    "reason",
    "related",
    "type",
];

/// Move the fields of `from` into a new object of `api_version`, renaming as `rename` says.
fn convert(from: Value, api_version: &str, rename: impl Fn(&str) -> Option<&'static str>) -> Value {
    let mut converted = Map::new();
    converted.insert("kind".into(), json!("Event"));
    converted.insert("apiVersion".into(), json!(api_version));
    if let Value::Object(fields) = from {
        for (key, value) in fields {
            if SHARED.contains(&key.as_str()) {
                converted.insert(key, value);
            } else if let Some(target) = rename(&key) {
                converted.insert(target.to_string(), value);
            }
        }
    }
    Value::Object(converted)
}

/// The events.k8s.io/v1 view of a stored core/v1 Event.
pub fn to_events_v1(core: Value) -> Value {
    canonical_v1(convert(core, "events.k8s.io/v1", |key| {
        RENAMED
            .iter()
            .find(|(core, _)| *core == key)
            .map(|(_, v1)| *v1)
    }))
}

/// The stored core/v1 shape of an Event written through events.k8s.io/v1.
pub fn to_core(v1: Value) -> Value {
    canonical_core(convert(v1, "v1", |key| {
        RENAMED
            .iter()
            .find(|(_, v1)| *v1 == key)
            .map(|(core, _)| *core)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn legacy() -> Value {
        json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "web-1.17a", "namespace": "ns"},
            "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "ns", "uid": "u1",
                "apiVersion": "v1", "fieldPath": "spec.containers{web}"},
            "reason": "BackOff", "message": "Back-off restarting failed container web",
            "source": {"component": "kubelet", "host": "n1"},
            "firstTimestamp": "2026-03-25T10:00:00Z", "lastTimestamp": "2026-03-25T10:05:00Z",
            "count": 7, "type": "Warning", "reportingComponent": "kubelet",
            "reportingInstance": "n1"})
    }

    #[test]
    fn a_legacy_event_converts_both_ways_without_loss() {
        let stored = canonical_core(legacy());
        assert_eq!(stored["eventTime"], Value::Null);
        let v1 = to_events_v1(stored.clone());
        assert_eq!(v1["apiVersion"], "events.k8s.io/v1");
        assert_eq!(v1["regarding"]["name"], "web-1");
        assert_eq!(v1["note"], "Back-off restarting failed container web");
        assert_eq!(v1["deprecatedCount"], 7);
        assert_eq!(v1["deprecatedSource"]["host"], "n1");
        assert_eq!(v1["reportingController"], "kubelet");
        assert_eq!(v1["eventTime"], Value::Null);
        assert!(v1.get("involvedObject").is_none() && v1.get("message").is_none());
        assert_eq!(to_core(v1), stored);
    }

    #[test]
    fn an_events_v1_event_has_the_legacy_fields_empty_in_core() {
        let v1 = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "web-1.17b", "namespace": "ns"},
            "eventTime": "2026-03-25T10:00:00.123456Z", "reportingController": "default-scheduler",
            "reportingInstance": "default-scheduler-n1", "action": "Binding", "reason": "Scheduled",
            "regarding": {"kind": "Pod", "name": "web-1"}, "note": "Successfully assigned ns/web-1 to n1",
            "type": "Normal", "series": {"count": 2, "lastObservedTime": "2026-03-25T10:01:00.000001Z"}});
        let core = to_core(v1);
        assert_eq!(core["firstTimestamp"], Value::Null);
        assert_eq!(core["lastTimestamp"], Value::Null);
        assert_eq!(core["source"], json!({}));
        assert!(core.get("count").is_none());
        assert_eq!(core["series"]["count"], 2);
        assert_eq!(core["reportingComponent"], "default-scheduler");
        let back = to_events_v1(core);
        assert_eq!(back["deprecatedSource"], json!({}));
        assert_eq!(back["deprecatedFirstTimestamp"], Value::Null);
        assert!(back.get("deprecatedCount").is_none());
    }

    #[test]
    fn selectable_fields_follow_the_real_server() {
        let values = field_values(&canonical_core(legacy()));
        let get = |label: &str| {
            values
                .iter()
                .find(|(field, _)| *field == label)
                .map(|(_, value)| value.as_str())
        };
        assert_eq!(get("involvedObject.name"), Some("web-1"));
        assert_eq!(
            get("involvedObject.fieldPath"),
            Some("spec.containers{web}")
        );
        assert_eq!(get("source"), Some("kubelet"));
        assert_eq!(get("type"), Some("Warning"));
        let scheduled = json!({"reportingComponent": "default-scheduler", "source": {}});
        let values = field_values(&scheduled);
        assert!(values.contains(&("source", "default-scheduler".to_string())));
        assert_eq!(stored_field_label("regarding.uid"), "involvedObject.uid");
        assert_eq!(
            stored_field_label("reportingController"),
            "reportingComponent"
        );
        assert_eq!(stored_field_label("reason"), "reason");
    }
}
