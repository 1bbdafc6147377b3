//! Event objects as the two real recorders write them: the legacy one (kubelet and the
//! controller-manager: `source`, `firstTimestamp`/`lastTimestamp`, `count`) and the
//! events.k8s.io one (the scheduler: `eventTime` with microseconds, `action`, `series` for
//! repeats, no legacy timestamps), both stored in the core/v1 shape.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::canonical_core;
use crate::demo::factory::timestamp;

/// Who reports an event; decides the recorder and the `source`/`reporting*` fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reporter {
    /// The kubelet of a node (legacy recorder, `source.host` is the node).
    Kubelet(String),
    /// A kube-controller-manager controller such as `deployment-controller` (legacy recorder).
    Controller(&'static str),
    /// The scheduler, running on the given host (events.k8s.io recorder).
    Scheduler(String),
}

impl Reporter {
    /// `reportingComponent` / `source.component`.
    pub fn component(&self) -> &str {
        match self {
            Reporter::Kubelet(_) => "kubelet",
            Reporter::Controller(name) => name,
            Reporter::Scheduler(_) => "default-scheduler",
        }
    }

    /// `reportingInstance`: the node for kubelets, `default-scheduler-<host>` for the
    /// scheduler, empty for controllers.
    pub fn instance(&self) -> String {
        match self {
            Reporter::Kubelet(node) => node.clone(),
            Reporter::Controller(_) => String::new(),
            Reporter::Scheduler(host) => format!("default-scheduler-{host}"),
        }
    }

    /// Whether this reporter uses the events.k8s.io recorder (eventTime and series).
    pub fn is_structured(&self) -> bool {
        matches!(self, Reporter::Scheduler(_))
    }
}

/// What happened, to which object, according to whom.
#[derive(Debug, Clone)]
pub struct EventSpec {
    /// The reporter.
    pub reporter: Reporter,
    /// The object the event is about, as an ObjectReference.
    pub regarding: Value,
    /// `Warning` rather than `Normal`.
    pub warning: bool,
    /// Machine-readable reason (`BackOff`).
    pub reason: &'static str,
    /// Human-readable message.
    pub message: String,
    /// The events.k8s.io `action` (only the structured recorder writes it).
    pub action: &'static str,
}

impl EventSpec {
    /// The namespace the event lives in: the object's, or `default` for cluster objects.
    pub fn namespace(&self) -> String {
        match self.regarding["namespace"].as_str() {
            Some(namespace) if !namespace.is_empty() => namespace.to_string(),
            _ => "default".to_string(),
        }
    }

    /// The key under which repeats aggregate into one object (see [`aggregation_key`]).
    pub fn aggregation_key(&self) -> String {
        aggregation_key(&KeyParts {
            structured: self.reporter.is_structured(),
            component: self.reporter.component(),
            instance: &self.reporter.instance(),
            kind: self.kind(),
            reason: self.reason,
            message: &self.message,
            action: self.action,
            reference: &self.regarding,
        })
    }

    /// `Normal` or `Warning`.
    pub fn kind(&self) -> &'static str {
        if self.warning { "Warning" } else { "Normal" }
    }

    /// The stored (core/v1) object: first seen at `first`, seen `count` times, last at `last`.
    pub fn to_object(&self, name: &str, first: Timestamp, last: Timestamp, count: i64) -> Value {
        let metadata = json!({"name": name, "namespace": self.namespace(),
            "creationTimestamp": timestamp(first)});
        let mut event = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": metadata,
            "involvedObject": self.regarding,
            "reason": self.reason,
            "message": self.message,
            "type": self.kind(),
            "reportingComponent": self.reporter.component(),
            "reportingInstance": self.reporter.instance(),
        });
        if self.reporter.is_structured() {
            event["eventTime"] = json!(micro_timestamp(first));
            event["action"] = json!(self.action);
            if count > 1 {
                event["series"] =
                    json!({"count": count, "lastObservedTime": micro_timestamp(last)});
            }
        } else {
            let mut source = json!({"component": self.reporter.component()});
            let instance = self.reporter.instance();
            if !instance.is_empty() {
                source["host"] = json!(instance);
            }
            event["source"] = source;
            event["firstTimestamp"] = json!(timestamp(first));
            event["lastTimestamp"] = json!(timestamp(last));
            event["count"] = json!(count);
        }
        canonical_core(event)
    }
}

/// What an event's aggregation key is made of.
struct KeyParts<'a> {
    /// Written by the events.k8s.io recorder.
    structured: bool,
    /// Reporting component.
    component: &'a str,
    /// Reporting instance.
    instance: &'a str,
    /// `Normal` or `Warning`.
    kind: &'a str,
    /// Reason.
    reason: &'a str,
    /// Message.
    message: &'a str,
    /// events.k8s.io action.
    action: &'a str,
    /// The ObjectReference.
    reference: &'a Value,
}

/// The key under which repeats aggregate into one object. The legacy correlator keys on
/// source, object (with field path), type, reason and message; the events.k8s.io recorder on
/// action, reason, reporting controller and object.
fn aggregation_key(parts: &KeyParts<'_>) -> String {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
    let object = [
        "kind",
        "namespace",
        "name",
        "uid",
        "apiVersion",
        "fieldPath",
    ]
    .map(|field| text(&parts.reference[field]))
    .join("/");
    if parts.structured {
        format!(
            "{}\n{}\n{}\n{object}",
            parts.action, parts.reason, parts.component
        )
    } else {
        format!(
            "{}\n{}\n{object}\n{}\n{}\n{}",
            parts.component, parts.instance, parts.kind, parts.reason, parts.message
        )
    }
}

/// How a stored event aggregates: its key (as [`EventSpec::aggregation_key`] gives it for the
/// same occurrence), when it was first seen and how many times. None when it has no time.
pub fn stored_aggregation(event: &Value) -> Option<(String, Timestamp, i64)> {
    fn text(value: &Value) -> &str {
        value.as_str().unwrap_or_default()
    }
    let structured = event["firstTimestamp"].is_null() && event["eventTime"].is_string();
    let component = match text(&event["source"]["component"]) {
        "" => text(&event["reportingComponent"]),
        component => component,
    };
    let instance = match text(&event["source"]["host"]) {
        "" => text(&event["reportingInstance"]),
        host => host,
    };
    let key = aggregation_key(&KeyParts {
        structured,
        component,
        instance,
        kind: text(&event["type"]),
        reason: text(&event["reason"]),
        message: text(&event["message"]),
        action: text(&event["action"]),
        reference: &event["involvedObject"],
    });
    let (first, count) = if structured {
        (
            event["eventTime"].as_str()?,
            event["series"]["count"].as_i64().unwrap_or(1),
        )
    } else {
        (
            event["firstTimestamp"].as_str()?,
            event["count"].as_i64().unwrap_or(1),
        )
    };
    Some((key, first.parse().ok()?, count))
}

/// RFC 3339 with microseconds, as `metav1.MicroTime` is written.
fn micro_timestamp(time: Timestamp) -> String {
    jiff::fmt::strtime::format("%Y-%m-%dT%H:%M:%S%.6fZ", time).unwrap_or_else(|_| timestamp(time))
}

/// `<object name>.<hex nanoseconds>`, the name both recorders give a new event.
pub fn event_name(object_name: &str, at: Timestamp) -> String {
    format!("{object_name}.{:x}", at.as_nanosecond())
}

/// An ObjectReference to `object` (as `ref.GetReference` builds it), pointing at a container
/// when `field_path` is given.
pub fn object_reference(object: &Value, field_path: Option<&str>) -> Value {
    let metadata = &object["metadata"];
    let mut reference = json!({
        "apiVersion": object["apiVersion"],
        "kind": object["kind"],
        "name": metadata["name"],
    });
    for (field, value) in [
        ("namespace", &metadata["namespace"]),
        ("uid", &metadata["uid"]),
        ("resourceVersion", &metadata["resourceVersion"]),
    ] {
        if value.as_str().is_some_and(|text| !text.is_empty()) {
            reference[field] = value.clone();
        }
    }
    if let Some(path) = field_path {
        reference["fieldPath"] = json!(path);
    }
    reference
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod() -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "ns",
            "uid": "u1", "resourceVersion": "42"}})
    }

    #[test]
    fn the_kubelet_writes_legacy_events_with_a_count() {
        let spec = EventSpec {
            reporter: Reporter::Kubelet("node-1".into()),
            regarding: object_reference(&pod(), Some("spec.containers{web}")),
            warning: true,
            reason: "BackOff",
            message: "Back-off restarting failed container web".into(),
            action: "",
        };
        let first = Timestamp::from_second(1_700_000_000).unwrap();
        let last = Timestamp::from_second(1_700_000_300).unwrap();
        let event = spec.to_object("web-1.1", first, last, 5);
        assert_eq!(event["count"], 5);
        assert_eq!(
            event["source"],
            json!({"component": "kubelet", "host": "node-1"})
        );
        assert_eq!(event["reportingInstance"], "node-1");
        assert_eq!(event["eventTime"], Value::Null);
        assert_eq!(event["lastTimestamp"], "2023-11-14T22:18:20Z");
        assert_eq!(event["involvedObject"]["resourceVersion"], "42");
        assert!(event.get("action").is_none());
    }

    #[test]
    fn the_scheduler_writes_event_time_and_series() {
        let spec = EventSpec {
            reporter: Reporter::Scheduler("cp-1".into()),
            regarding: object_reference(&pod(), None),
            warning: false,
            reason: "Scheduled",
            message: "Successfully assigned ns/web-1 to node-1".into(),
            action: "Binding",
        };
        let at = Timestamp::from_second(1_700_000_000).unwrap();
        let once = spec.to_object("web-1.2", at, at, 1);
        assert_eq!(once["eventTime"], "2023-11-14T22:13:20.000000Z");
        assert_eq!(once["firstTimestamp"], Value::Null);
        assert_eq!(once["source"], json!({}));
        assert!(once.get("count").is_none() && once.get("series").is_none());
        assert_eq!(once["reportingInstance"], "default-scheduler-cp-1");
        let repeated = spec.to_object("web-1.2", at, at, 3);
        assert_eq!(repeated["series"]["count"], 3);
        assert_eq!(event_name("web-1", at), "web-1.17979cfe362a0000");
        let (key, first, count) = stored_aggregation(&repeated).unwrap();
        assert_eq!((key, first, count), (spec.aggregation_key(), at, 3));
    }

    #[test]
    fn a_stored_legacy_event_aggregates_under_its_recorders_key() {
        let spec = EventSpec {
            reporter: Reporter::Controller("replicaset-controller"),
            regarding: object_reference(&pod(), None),
            warning: false,
            reason: "SuccessfulCreate",
            message: "Created pod: web-1".into(),
            action: "",
        };
        let first = Timestamp::from_second(1_700_000_000).unwrap();
        let stored = spec.to_object("x.1", first, first, 2);
        assert_eq!(
            stored_aggregation(&stored),
            Some((spec.aggregation_key(), first, 2))
        );
        let mut other = spec.clone();
        other.message = "Created pod: web-2".into();
        assert_ne!(other.aggregation_key(), spec.aggregation_key());
    }
}
