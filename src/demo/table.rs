//! Server-side printing: `meta.k8s.io/v1` Tables with the columns `kubectl get` shows.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::factory::{human_duration, parse_timestamp};
use super::resources::ServedKind;

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

fn column(name: &str, kind: &str, format: &str, priority: i32, description: &str) -> Value {
    json!({"name": name, "type": kind, "format": format, "description": description, "priority": priority})
}

/// Column definitions for a kind, matching the real server's printers.
pub fn columns(kind: ServedKind) -> Vec<Value> {
    let name = column(
        "Name",
        "string",
        "name",
        0,
        "Name must be unique within a namespace.",
    );
    let age = column(
        "Age",
        "string",
        "",
        0,
        "CreationTimestamp is a timestamp representing the server time when this object was created.",
    );
    let containers = column(
        "Containers",
        "string",
        "",
        1,
        "Names of each container in the template.",
    );
    let images = column(
        "Images",
        "string",
        "",
        1,
        "Images referenced by each container in the template.",
    );
    let selector = column("Selector", "string", "", 1, "Label selector for pods.");
    match kind {
        ServedKind::Pod => vec![
            name,
            column(
                "Ready",
                "string",
                "",
                0,
                "The aggregate readiness state of this pod for accepting traffic.",
            ),
            column(
                "Status",
                "string",
                "",
                0,
                "The aggregate status of the containers in this pod.",
            ),
            column(
                "Restarts",
                "string",
                "",
                0,
                "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
            ),
            age,
            column("IP", "string", "", 1, "IP address allocated to the pod."),
            column(
                "Node",
                "string",
                "",
                1,
                "Name of the node this pod is running on.",
            ),
            column(
                "Nominated Node",
                "string",
                "",
                1,
                "Name of the node this pod is nominated to run on.",
            ),
            column(
                "Readiness Gates",
                "string",
                "",
                1,
                "Readiness gates of the pod.",
            ),
        ],
        ServedKind::Node => vec![
            name,
            column("Status", "string", "", 0, "The status of the node"),
            column("Roles", "string", "", 0, "The roles of the node"),
            age,
            column(
                "Version",
                "string",
                "",
                0,
                "Kubelet Version reported by the node.",
            ),
            column(
                "Internal-IP",
                "string",
                "",
                1,
                "List of internal IPs that are assigned to the node.",
            ),
            column(
                "External-IP",
                "string",
                "",
                1,
                "List of external IPs that are assigned to the node.",
            ),
            column(
                "OS-Image",
                "string",
                "",
                1,
                "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
            ),
            column(
                "Kernel-Version",
                "string",
                "",
                1,
                "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
            ),
            column(
                "Container-Runtime",
                "string",
                "",
                1,
                "Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
            ),
        ],
        ServedKind::Namespace => vec![
            name,
            column("Status", "string", "", 0, "The status of the namespace"),
            age,
        ],
        ServedKind::Service => vec![
            name,
            column("Type", "string", "", 0, "The type of the service."),
            column(
                "Cluster-IP",
                "string",
                "",
                0,
                "The cluster IP of the service.",
            ),
            column(
                "External-IP",
                "string",
                "",
                0,
                "The external IP of the service.",
            ),
            column("Port(s)", "string", "", 0, "The ports of the service."),
            age,
            column(
                "Selector",
                "string",
                "",
                1,
                "The label selector of the service.",
            ),
        ],
        ServedKind::Deployment => vec![
            name,
            column(
                "Ready",
                "string",
                "",
                0,
                "Number of the pod with ready state",
            ),
            column(
                "Up-to-date",
                "integer",
                "",
                0,
                "Total number of non-terminated pods targeted by this deployment that have the desired template spec.",
            ),
            column(
                "Available",
                "integer",
                "",
                0,
                "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.",
            ),
            age,
            containers,
            images,
            selector,
        ],
        ServedKind::ReplicaSet => vec![
            name,
            column(
                "Desired",
                "integer",
                "",
                0,
                "Replicas is the number of desired replicas.",
            ),
            column(
                "Current",
                "integer",
                "",
                0,
                "Replicas is the most recently observed number of replicas.",
            ),
            column(
                "Ready",
                "integer",
                "",
                0,
                "The number of ready replicas for this replica set.",
            ),
            age,
            containers,
            images,
            selector,
        ],
        ServedKind::StatefulSet => vec![
            name,
            column(
                "Ready",
                "string",
                "",
                0,
                "Number of the pod with ready state",
            ),
            age,
            containers,
            images,
        ],
        ServedKind::DaemonSet => vec![
            name,
            column(
                "Desired",
                "integer",
                "",
                0,
                "The total number of nodes that should be running the daemon pod.",
            ),
            column(
                "Current",
                "integer",
                "",
                0,
                "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.",
            ),
            column(
                "Ready",
                "integer",
                "",
                0,
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.",
            ),
            column(
                "Up-to-date",
                "integer",
                "",
                0,
                "The total number of nodes that are running updated daemon pod",
            ),
            column(
                "Available",
                "integer",
                "",
                0,
                "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)",
            ),
            column(
                "Node Selector",
                "string",
                "",
                0,
                "NodeSelector is a selector which must be true for the pod to fit on a node.",
            ),
            age,
            containers,
            images,
            selector,
        ],
        ServedKind::Job => vec![
            name,
            column("Status", "string", "", 0, "Status of the job."),
            column(
                "Completions",
                "string",
                "",
                0,
                "The completion status of the job.",
            ),
            column(
                "Duration",
                "string",
                "",
                0,
                "Time required to complete the job.",
            ),
            age,
            containers,
            images,
            selector,
        ],
    }
}

fn age(object: &Value, now: Timestamp) -> String {
    object["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(parse_timestamp)
        .map_or_else(
            || "<unknown>".to_string(),
            |created| human_duration((now - created).get_seconds()),
        )
}

fn int(value: &Value) -> i64 {
    value.as_i64().unwrap_or(0)
}

fn template_columns(template: &Value) -> (String, String) {
    let containers: Vec<&Value> = template["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let names: Vec<&str> = containers
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    let images: Vec<&str> = containers
        .iter()
        .filter_map(|c| c["image"].as_str())
        .collect();
    (names.join(","), images.join(","))
}

fn selector_text(selector: &Value) -> String {
    let mut parts: Vec<String> = selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
        .collect();
    for expression in selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let key = expression["key"].as_str().unwrap_or_default();
        let values: Vec<&str> = expression["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        match expression["operator"].as_str().unwrap_or_default() {
            "In" => parts.push(format!("{key} in ({})", values.join(","))),
            "NotIn" => parts.push(format!("{key} notin ({})", values.join(","))),
            "Exists" => parts.push(key.to_string()),
            _ => parts.push(format!("!{key}")),
        }
    }
    if parts.is_empty() {
        "<none>".into()
    } else {
        parts.join(",")
    }
}

/// The STATUS column of a pod, following kubectl's printer.
pub fn pod_status_reason(pod: &Value) -> String {
    let status = &pod["status"];
    let mut reason = status["reason"]
        .as_str()
        .or_else(|| status["phase"].as_str())
        .unwrap_or("Unknown")
        .to_string();
    let mut has_running = false;
    for container in status["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .rev()
    {
        if let Some(waiting) = container["state"]["waiting"]["reason"].as_str() {
            reason = waiting.to_string();
        } else if let Some(terminated) = container["state"]["terminated"].as_object() {
            reason = terminated
                .get("reason")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| {
                    format!(
                        "ExitCode:{}",
                        terminated
                            .get("exitCode")
                            .and_then(Value::as_i64)
                            .unwrap_or(0)
                    )
                });
        } else if container["ready"] == true && !container["state"]["running"].is_null() {
            has_running = true;
        }
    }
    if reason == "Completed" && has_running {
        reason = if pod["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
        {
            "Running".into()
        } else {
            "NotReady".into()
        };
    }
    if !pod["metadata"]["deletionTimestamp"].is_null() {
        reason = if status["reason"] == "NodeLost" {
            "Unknown".into()
        } else {
            "Terminating".into()
        };
    }
    reason
}

fn pod_cells(pod: &Value, now: Timestamp) -> Vec<Value> {
    let statuses: Vec<&Value> = pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let total = pod["spec"]["containers"].as_array().map_or(0, Vec::len);
    let ready = statuses.iter().filter(|s| s["ready"] == true).count();
    let restarts: i64 = statuses.iter().map(|s| int(&s["restartCount"])).sum();
    let last_restart = statuses
        .iter()
        .filter_map(|s| s["lastState"]["terminated"]["finishedAt"].as_str())
        .filter_map(parse_timestamp)
        .max();
    let restarts_cell = match last_restart {
        Some(at) if restarts > 0 => format!(
            "{restarts} ({} ago)",
            human_duration((now - at).get_seconds())
        ),
        _ => restarts.to_string(),
    };
    let text = |value: &Value| {
        value
            .as_str()
            .filter(|s| !s.is_empty())
            .unwrap_or("<none>")
            .to_string()
    };
    vec![
        pod["metadata"]["name"].clone(),
        json!(format!("{ready}/{total}")),
        json!(pod_status_reason(pod)),
        json!(restarts_cell),
        json!(age(pod, now)),
        json!(text(&pod["status"]["podIP"])),
        json!(text(&pod["spec"]["nodeName"])),
        json!(text(&pod["status"]["nominatedNodeName"])),
        json!("<none>"),
    ]
}

fn node_cells(node: &Value, now: Timestamp) -> Vec<Value> {
    let ready = node["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Ready")
        .map_or("Unknown", |c| {
            if c["status"] == "True" {
                "Ready"
            } else {
                "NotReady"
            }
        });
    let mut status = ready.to_string();
    if node["spec"]["unschedulable"] == true {
        status.push_str(",SchedulingDisabled");
    }
    let mut roles: Vec<&str> = node["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(key, _)| key.strip_prefix("node-role.kubernetes.io/"))
        .filter(|role| !role.is_empty())
        .collect();
    roles.sort_unstable();
    let address = |kind: &str| {
        node["status"]["addresses"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["type"] == kind)
            .and_then(|a| a["address"].as_str())
            .unwrap_or("<none>")
            .to_string()
    };
    let info = &node["status"]["nodeInfo"];
    vec![
        node["metadata"]["name"].clone(),
        json!(status),
        json!(if roles.is_empty() {
            "<none>".to_string()
        } else {
            roles.join(",")
        }),
        json!(age(node, now)),
        info["kubeletVersion"].clone(),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        info["osImage"].clone(),
        info["kernelVersion"].clone(),
        info["containerRuntimeVersion"].clone(),
    ]
}

fn service_cells(service: &Value, now: Timestamp) -> Vec<Value> {
    let spec = &service["spec"];
    let service_type = spec["type"].as_str().unwrap_or("ClusterIP");
    let external = match service_type {
        "LoadBalancer" => {
            let ips: Vec<&str> = service["status"]["loadBalancer"]["ingress"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["ip"].as_str().or_else(|| i["hostname"].as_str()))
                .collect();
            if ips.is_empty() {
                "<pending>".to_string()
            } else {
                ips.join(",")
            }
        }
        "ExternalName" => spec["externalName"]
            .as_str()
            .unwrap_or("<none>")
            .to_string(),
        _ => "<none>".to_string(),
    };
    let ports: Vec<String> = spec["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let protocol = p["protocol"].as_str().unwrap_or("TCP");
            match p["nodePort"].as_i64() {
                Some(node_port) => format!("{}:{node_port}/{protocol}", int(&p["port"])),
                None => format!("{}/{protocol}", int(&p["port"])),
            }
        })
        .collect();
    let selector: Vec<String> = spec["selector"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
        .collect();
    vec![
        service["metadata"]["name"].clone(),
        json!(service_type),
        json!(spec["clusterIP"].as_str().unwrap_or("<none>")),
        json!(external),
        json!(if ports.is_empty() {
            "<none>".to_string()
        } else {
            ports.join(",")
        }),
        json!(age(service, now)),
        json!(if selector.is_empty() {
            "<none>".to_string()
        } else {
            selector.join(",")
        }),
    ]
}

fn workload_cells(kind: ServedKind, object: &Value, now: Timestamp) -> Vec<Value> {
    let spec = &object["spec"];
    let status = &object["status"];
    let (containers, images) = template_columns(&spec["template"]);
    let name = object["metadata"]["name"].clone();
    let age = age(object, now);
    let selector = selector_text(&spec["selector"]);
    match kind {
        ServedKind::Deployment => vec![
            name,
            json!(format!(
                "{}/{}",
                int(&status["readyReplicas"]),
                spec["replicas"].as_i64().unwrap_or(1)
            )),
            json!(int(&status["updatedReplicas"])),
            json!(int(&status["availableReplicas"])),
            json!(age),
            json!(containers),
            json!(images),
            json!(selector),
        ],
        ServedKind::ReplicaSet => vec![
            name,
            json!(spec["replicas"].as_i64().unwrap_or(1)),
            json!(int(&status["replicas"])),
            json!(int(&status["readyReplicas"])),
            json!(age),
            json!(containers),
            json!(images),
            json!(selector),
        ],
        ServedKind::StatefulSet => vec![
            name,
            json!(format!(
                "{}/{}",
                int(&status["readyReplicas"]),
                spec["replicas"].as_i64().unwrap_or(1)
            )),
            json!(age),
            json!(containers),
            json!(images),
        ],
        ServedKind::DaemonSet => {
            let node_selector: Vec<String> = spec["template"]["spec"]["nodeSelector"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
                .collect();
            vec![
                name,
                json!(int(&status["desiredNumberScheduled"])),
                json!(int(&status["currentNumberScheduled"])),
                json!(int(&status["numberReady"])),
                json!(int(&status["updatedNumberScheduled"])),
                json!(int(&status["numberAvailable"])),
                json!(if node_selector.is_empty() {
                    "<none>".to_string()
                } else {
                    node_selector.join(",")
                }),
                json!(age),
                json!(containers),
                json!(images),
                json!(selector),
            ]
        }
        _ => {
            let completions = spec["completions"].as_i64().unwrap_or(1);
            let succeeded = int(&status["succeeded"]);
            let complete = status["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Complete" && c["status"] == "True");
            let start = status["startTime"].as_str().and_then(parse_timestamp);
            let end = status["completionTime"]
                .as_str()
                .and_then(parse_timestamp)
                .unwrap_or(now);
            let duration = start.map_or_else(String::new, |start| {
                human_duration((end - start).get_seconds())
            });
            vec![
                name,
                json!(if complete { "Complete" } else { "Running" }),
                json!(format!("{succeeded}/{completions}")),
                json!(duration),
                json!(age),
                json!(containers),
                json!(images),
                json!(selector),
            ]
        }
    }
}

/// The cells of one row.
pub fn cells(kind: ServedKind, object: &Value, now: Timestamp) -> Vec<Value> {
    match kind {
        ServedKind::Pod => pod_cells(object, now),
        ServedKind::Node => node_cells(object, now),
        ServedKind::Service => service_cells(object, now),
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
        IncludeObject::Object => row["object"] = object.clone(),
    }
    row
}

/// A whole Table for a list of objects.
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
