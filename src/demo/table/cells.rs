//! The cells of each kind's Table rows, computed as kubectl's printers do (ages, pod status
//! reasons, ready counts, images and selectors).

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::demo::factory::{human_duration, parse_timestamp};
use crate::demo::resources::ServedKind;

/// The AGE column: time since creation, as kubectl shows it.
pub(super) fn age(object: &Value, now: Timestamp) -> String {
    object["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(parse_timestamp)
        .map_or_else(
            || "<unknown>".to_string(),
            |created| human_duration((now - created).get_seconds()),
        )
}

/// A JSON integer, 0 when absent.
fn int(value: &Value) -> i64 {
    value.as_i64().unwrap_or(0)
}

/// The CONTAINERS and IMAGES columns of a pod template.
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

/// The SELECTOR column: a label selector as text (`app=web,tier in (a,b)`).
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
pub(super) fn pod_status_reason(pod: &Value) -> String {
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

/// The cells of a Pod row.
pub(super) fn pod_cells(pod: &Value, now: Timestamp) -> Vec<Value> {
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

/// The cells of a Node row.
pub(super) fn node_cells(node: &Value, now: Timestamp) -> Vec<Value> {
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

/// The cells of a Service row.
pub(super) fn service_cells(service: &Value, now: Timestamp) -> Vec<Value> {
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

/// The cells of a Deployment, ReplicaSet, StatefulSet, DaemonSet or Job row.
pub(super) fn workload_cells(kind: ServedKind, object: &Value, now: Timestamp) -> Vec<Value> {
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
