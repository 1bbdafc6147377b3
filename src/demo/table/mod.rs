//! Server-side printing: `meta.k8s.io/v1` Tables with the columns `kubectl get` shows, and
//! the `PartialObjectMetadata` view.

mod cells;
mod classes;
mod columns;
mod events;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::demo::resources::ServedKind;
use cells::{age, node_cells, pod_cells, service_cells, workload_cells};
use columns::columns;

/// What each Table row carries in `object` (the `includeObject` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    /// No object.
    None,
    /// Only metadata (the default).
    Metadata,
    /// The whole object.
    Object,
}

impl IncludeObject {
    /// Parse the query parameter; unknown values fall back to the default.
    pub fn parse(value: Option<&str>) -> IncludeObject {
        match value {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

/// `PartialObjectMetadata` for an object.
pub fn partial_metadata(object: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": object["metadata"],
    })
}

/// The cells of one row.
pub fn cells(kind: ServedKind, object: &Value, now: Timestamp) -> Vec<Value> {
    match kind {
        ServedKind::Event | ServedKind::EventV1 => events::cells(object, now),
        ServedKind::Pod => pod_cells(object, now),
        ServedKind::Node => node_cells(object, now),
        ServedKind::Service => service_cells(object, now),
        ServedKind::IngressClass => classes::ingress_class_cells(object, now),
        ServedKind::StorageClass => classes::storage_class_cells(object, now),
        ServedKind::Namespace => vec![
            object["metadata"]["name"].clone(),
            json!(object["status"]["phase"].as_str().unwrap_or("Active")),
            json!(age(object, now)),
        ],
        _ => workload_cells(kind, object, now),
    }
}

/// One row for an object.
pub fn row(kind: ServedKind, object: &Value, include: IncludeObject, now: Timestamp) -> Value {
    let mut row = json!({"cells": cells(kind, object, now)});
    match include {
        IncludeObject::None => {}
        IncludeObject::Metadata => row["object"] = partial_metadata(object),
        IncludeObject::Object => row["object"] = kind.present_value(object.clone()),
    }
    row
}

/// A whole Table for a list of objects in their stored shape (Event rows print the same
/// whichever group they are read through, as the real server's printer works on one type).
pub fn table(
    kind: ServedKind,
    api_version: &str,
    objects: &[Value],
    include: IncludeObject,
    metadata: Value,
) -> Value {
    let now = Timestamp::now();
    json!({
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": metadata,
        "columnDefinitions": columns(kind),
        "rows": objects.iter().map(|object| row(kind, object, include, now)).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::cells::pod_status_reason;
    use super::*;

    #[test]
    fn every_row_has_as_many_cells_as_columns() {
        let now = Timestamp::now();
        for kind in ServedKind::ALL {
            assert_eq!(
                cells(kind, &json!({}), now).len(),
                columns(kind).len(),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn pod_status_prefers_waiting_reasons_and_terminating() {
        let pod = json!({"status": {"phase": "Running", "containerStatuses": [
            {"ready": false, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
        assert_eq!(pod_status_reason(&pod), "CrashLoopBackOff");
        let mut terminating = pod.clone();
        terminating["metadata"] = json!({"deletionTimestamp": "2026-01-01T00:00:00Z"});
        assert_eq!(pod_status_reason(&terminating), "Terminating");
        assert_eq!(
            pod_status_reason(&json!({"status": {"phase": "Pending"}})),
            "Pending"
        );
    }
}
