//! Workload objects: owner references, a Deployment's ReplicaSets, and the rolling-update
//! bounds Kubernetes resolves from maxSurge and maxUnavailable.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::time::timestamp;

/// The controller owner reference of an object: (kind, name, uid).
pub fn controller_owner(object: &Value) -> Option<(String, String, String)> {
    object["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|owner| owner["controller"] == true)
        .map(|owner| {
            (
                owner["kind"].as_str().unwrap_or_default().to_string(),
                owner["name"].as_str().unwrap_or_default().to_string(),
                owner["uid"].as_str().unwrap_or_default().to_string(),
            )
        })
}

/// An owner reference pointing at `owner` (which must have apiVersion/kind/metadata).
pub(super) fn owner_reference(owner: &Value) -> Value {
    json!({
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

/// Deployment annotations the Deployment controller does not copy onto its ReplicaSets (it
/// keeps its own there), as kubectl's rollback does not copy them back.
pub const ANNOTATIONS_NOT_COPIED: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// Copy a Deployment's annotations (`kubernetes.io/change-cause` among them) onto one of its
/// ReplicaSets, as the Deployment controller does.
pub fn copy_deployment_annotations(deployment: &Value, replica_set: &mut Value) {
    for (key, value) in deployment["metadata"]["annotations"]
        .as_object()
        .into_iter()
        .flatten()
    {
        if !ANNOTATIONS_NOT_COPIED.contains(&key.as_str()) {
            replica_set["metadata"]["annotations"][key] = value.clone();
        }
    }
}

/// A ReplicaSet for a Deployment's current template.
pub fn new_replica_set(
    deployment: &Value,
    hash: &str,
    revision: i64,
    replicas: i64,
    created: Timestamp,
    uid: &str,
) -> Value {
    let name = format!(
        "{}-{hash}",
        deployment["metadata"]["name"].as_str().unwrap_or_default()
    );
    let mut template = deployment["spec"]["template"].clone();
    template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
    let mut selector = deployment["spec"]["selector"].clone();
    selector["matchLabels"]["pod-template-hash"] = json!(hash);
    let mut labels = template["metadata"]["labels"].clone();
    labels["pod-template-hash"] = json!(hash);
    let desired = deployment["spec"]["replicas"].as_i64().unwrap_or(1);
    let surge = rolling_bounds(deployment, desired).0;
    let mut replica_set = json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": deployment["metadata"]["namespace"],
            "uid": uid,
            "generation": 1,
            "creationTimestamp": timestamp(created),
            "labels": labels,
            "annotations": {
                "deployment.kubernetes.io/desired-replicas": desired.to_string(),
                "deployment.kubernetes.io/max-replicas": (desired + surge).to_string(),
                "deployment.kubernetes.io/revision": revision.to_string(),
            },
            "ownerReferences": [owner_reference(deployment)],
        },
        "spec": {"replicas": replicas, "selector": selector, "template": template},
        "status": {"replicas": 0, "observedGeneration": 1},
    });
    copy_deployment_annotations(deployment, &mut replica_set);
    replica_set
}

/// Resolve an int-or-percent against a total: percentages round up for surge, down otherwise.
pub fn resolve_int_or_percent(value: &Value, total: i64, round_up: bool) -> i64 {
    match value {
        Value::Number(number) => number.as_i64().unwrap_or(0),
        Value::String(text) => {
            let Some(percent) = text
                .strip_suffix('%')
                .and_then(|p| p.trim().parse::<i64>().ok())
            else {
                return text.parse().unwrap_or(0);
            };
            let scaled = percent * total;
            if round_up {
                (scaled + 99).div_euclid(100)
            } else {
                scaled.div_euclid(100)
            }
        }
        _ => 0,
    }
}

/// (maxSurge, maxUnavailable) of a Deployment's rolling update, as Kubernetes resolves them:
/// defaults 25%/25%, surge rounded up, unavailable down, and never both zero.
pub fn rolling_bounds(deployment: &Value, replicas: i64) -> (i64, i64) {
    let strategy = &deployment["spec"]["strategy"];
    if strategy["type"] == "Recreate" {
        return (0, replicas);
    }
    let rolling = &strategy["rollingUpdate"];
    let surge_value = if rolling["maxSurge"].is_null() {
        json!("25%")
    } else {
        rolling["maxSurge"].clone()
    };
    let unavailable_value = if rolling["maxUnavailable"].is_null() {
        json!("25%")
    } else {
        rolling["maxUnavailable"].clone()
    };
    let surge = resolve_int_or_percent(&surge_value, replicas, true).max(0);
    let mut unavailable = resolve_int_or_percent(&unavailable_value, replicas, false).max(0);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable.min(replicas.max(1)))
}
