//! The Event table, as the real server prints it for both API groups (its printer always runs
//! wide; kubectl hides the priority-1 columns unless `-o wide`): LAST SEEN from the series,
//! the last timestamp or the event time, whichever the event has.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::columns::column;
use crate::demo::factory::{human_duration, parse_timestamp};

/// The Event columns.
pub(super) fn columns() -> Vec<Value> {
    vec![
        column(
            "Last Seen",
            "string",
            "",
            0,
            "The time at which the most recent occurrence of this event was recorded.",
        ),
        column(
            "Type",
            "string",
            "",
            0,
            "Type of this event (Normal, Warning), new types could be added in the future",
        ),
        column(
            "Reason",
            "string",
            "",
            0,
            "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
        ),
        column(
            "Object",
            "string",
            "",
            0,
            "The object that this event is about.",
        ),
        column(
            "Subobject",
            "string",
            "",
            1,
            "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].",
        ),
        column(
            "Source",
            "string",
            "",
            1,
            "The component reporting this event. Should be a short machine understandable string.",
        ),
        column(
            "Message",
            "string",
            "",
            0,
            "A human-readable description of the status of this operation.",
        ),
        column(
            "First Seen",
            "string",
            "",
            1,
            "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
        ),
        column(
            "Count",
            "string",
            "",
            1,
            "The number of times this event has occurred.",
        ),
        column(
            "Name",
            "string",
            "",
            1,
            "Name must be unique within a namespace.",
        ),
    ]
}

/// Time since a timestamp, `<unknown>` when there is none.
fn since(value: &Value, now: Timestamp) -> String {
    value.as_str().and_then(parse_timestamp).map_or_else(
        || "<unknown>".to_string(),
        |at| human_duration((now - at).get_seconds()),
    )
}

/// Text of a string field, empty when absent.
fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// The first non-empty text.
fn first_non_empty<'a>(first: &'a str, second: &'a str) -> &'a str {
    if first.is_empty() { second } else { first }
}

/// The cells of an Event row (from its stored core/v1 shape), as `printEvent` makes them.
pub(super) fn cells(event: &Value, now: Timestamp) -> Vec<Value> {
    let first_seen = if event["firstTimestamp"].is_string() {
        since(&event["firstTimestamp"], now)
    } else {
        since(&event["eventTime"], now)
    };
    let mut last_seen = if event["lastTimestamp"].is_string() {
        since(&event["lastTimestamp"], now)
    } else {
        first_seen.clone()
    };
    let mut count = event["count"].as_i64().unwrap_or(0);
    if event["series"].is_object() {
        last_seen = since(&event["series"]["lastObservedTime"], now);
        count = event["series"]["count"].as_i64().unwrap_or(0);
    } else if count == 0 {
        count = 1;
    }
    let reference = &event["involvedObject"];
    let kind = text(&reference["kind"]).to_lowercase();
    let target = match text(&reference["name"]) {
        "" => kind,
        name => format!("{kind}/{name}"),
    };
    let component = first_non_empty(
        text(&event["source"]["component"]),
        text(&event["reportingComponent"]),
    );
    let instance = first_non_empty(
        text(&event["source"]["host"]),
        text(&event["reportingInstance"]),
    );
    let source = if instance.is_empty() {
        component.to_string()
    } else {
        format!("{component}, {instance}")
    };
    vec![
        json!(last_seen),
        json!(text(&event["type"])),
        json!(text(&event["reason"])),
        json!(target),
        json!(text(&reference["fieldPath"])),
        json!(source),
        json!(text(&event["message"]).trim()),
        json!(first_seen),
        json!(count),
        json!(text(&event["metadata"]["name"])),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_seen_comes_from_the_series_the_last_timestamp_or_the_event_time() {
        let now: Timestamp = "2026-03-25T10:10:00Z".parse().unwrap();
        let legacy = json!({"firstTimestamp": "2026-03-25T10:00:00Z",
            "lastTimestamp": "2026-03-25T10:09:00Z", "count": 4, "type": "Warning",
            "reason": "BackOff", "involvedObject": {"kind": "Pod", "name": "web-1"},
            "source": {"component": "kubelet", "host": "n1"}, "message": "boom\n",
            "metadata": {"name": "web-1.1"}});
        let row = cells(&legacy, now);
        assert_eq!(row[0], "60s");
        assert_eq!(row[3], "pod/web-1");
        assert_eq!(row[5], "kubelet, n1");
        assert_eq!(row[6], "boom");
        assert_eq!(row[7], "10m");
        assert_eq!(row[8], 4);
        let structured = json!({"eventTime": "2026-03-25T10:05:00.000000Z",
            "firstTimestamp": null, "lastTimestamp": null, "reportingComponent": "default-scheduler",
            "reportingInstance": "default-scheduler-cp", "source": {},
            "involvedObject": {"kind": "Pod", "name": "web-2"}});
        let row = cells(&structured, now);
        assert_eq!(row[0], "5m");
        assert_eq!(row[7], "5m");
        assert_eq!(row[8], 1);
        assert_eq!(row[5], "default-scheduler, default-scheduler-cp");
        let mut series = structured.clone();
        series["series"] = json!({"count": 3, "lastObservedTime": "2026-03-25T10:09:30.000000Z"});
        let row = cells(&series, now);
        assert_eq!(row[0], "30s");
        assert_eq!(row[8], 3);
        assert_eq!(cells(&json!({}), now)[0], "<unknown>");
    }
}
