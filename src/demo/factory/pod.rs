//! Pods: a new pod from its owner's template, and its status rewritten for each lifecycle
//! stage as a kubelet would report it.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::names::{Rng, image_digest};
use super::time::timestamp;
use super::workload::owner_reference;
use super::zone::NodeSlot;

/// Where a pod is in its life, as the simulated kubelet reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodStage {
    /// Scheduled, nothing started.
    Pending,
    /// Pulling images / creating containers.
    ContainerCreating,
    /// Containers running, not ready yet.
    Starting,
    /// Running and ready.
    Ready,
    /// Crashing and backing off.
    CrashLoop,
    /// Ran to completion.
    Succeeded,
}

/// Whether a pod is marked for deletion.
pub fn is_terminating(pod: &Value) -> bool {
    !pod["metadata"]["deletionTimestamp"].is_null()
}

/// The qosClass of a pod spec.
fn qos_class(spec: &Value) -> &'static str {
    let containers: Vec<&Value> = spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let has_any = containers.iter().any(|c| {
        c["resources"]["requests"]
            .as_object()
            .is_some_and(|m| !m.is_empty())
            || c["resources"]["limits"]
                .as_object()
                .is_some_and(|m| !m.is_empty())
    });
    if !has_any {
        return "BestEffort";
    }
    let guaranteed = containers.iter().all(|c| {
        let limits = &c["resources"]["limits"];
        let requests = &c["resources"]["requests"];
        ["cpu", "memory"].iter().all(|resource| {
            !limits[resource].is_null()
                && (requests[resource].is_null() || requests[resource] == limits[resource])
        })
    });
    if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

/// A new pod from a template, in stage Pending, owned by `owner` (and in its namespace).
pub fn new_pod(
    template: &Value,
    name: &str,
    owner: &Value,
    extra_labels: &[(&str, String)],
    node: &NodeSlot,
    created: Timestamp,
    uid: &str,
) -> Value {
    let mut metadata = json!({
        "name": name,
        "namespace": owner["metadata"]["namespace"],
        "uid": uid,
        "creationTimestamp": timestamp(created),
        "labels": template["metadata"]["labels"].clone(),
        "ownerReferences": [owner_reference(owner)],
    });
    if !metadata["labels"].is_object() {
        metadata["labels"] = json!({});
    }
    for (key, value) in extra_labels {
        metadata["labels"][*key] = Value::String(value.clone());
    }
    if let Some(annotations) = template["metadata"]["annotations"].as_object() {
        metadata["annotations"] = Value::Object(annotations.clone());
    }
    if owner["kind"] != "StatefulSet" {
        let owner_name = owner["metadata"]["name"].as_str().unwrap_or_default();
        metadata["generateName"] = Value::String(format!("{owner_name}-"));
    }
    let mut spec = template["spec"].clone();
    if !spec.is_object() {
        spec = json!({});
    }
    let defaults = json!({
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default",
        "serviceAccount": "default",
        "securityContext": {},
        "schedulerName": "default-scheduler",
        "enableServiceLinks": true,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "tolerations": [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        ],
    });
    if let (Some(spec_map), Some(default_map)) = (spec.as_object_mut(), defaults.as_object()) {
        for (key, value) in default_map {
            spec_map.entry(key.clone()).or_insert_with(|| value.clone());
        }
        spec_map.insert("nodeName".into(), Value::String(node.name.clone()));
    }
    let qos = qos_class(&spec);
    let created_text = timestamp(created);
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": spec,
        "status": {
            "phase": "Pending",
            "conditions": [condition("PodScheduled", true, &created_text, None)],
            "qosClass": qos,
        },
    })
}

fn condition(kind: &str, status: bool, at: &str, reason: Option<(&str, String)>) -> Value {
    let mut condition = json!({
        "type": kind,
        "status": if status { "True" } else { "False" },
        "lastProbeTime": null,
        "lastTransitionTime": at,
    });
    if let Some((reason, message)) = reason {
        condition["reason"] = json!(reason);
        if !message.is_empty() {
            condition["message"] = json!(message);
        }
    }
    condition
}

/// Details for moving a pod to a stage.
pub struct StageChange<'a> {
    /// The target stage.
    pub stage: PodStage,
    /// When the change happens.
    pub now: Timestamp,
    /// The node's IP.
    pub host_ip: &'a str,
    /// The pod IP (used from Starting on).
    pub pod_ip: &'a str,
    /// restartCount to report.
    pub restarts: i64,
    /// Random source for container ids.
    pub rng: &'a mut Rng,
}

/// Rewrite a pod's status for a stage, as the kubelet would report it.
pub fn set_pod_stage(pod: &mut Value, change: StageChange<'_>) {
    let StageChange {
        stage,
        now,
        host_ip,
        pod_ip,
        restarts,
        rng,
    } = change;
    let now_text = timestamp(now);
    let pod_name = pod["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let created = pod["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap_or(&now_text)
        .to_string();
    let start_time = pod["status"]["startTime"]
        .as_str()
        .unwrap_or(&now_text)
        .to_string();
    let qos = pod["status"]["qosClass"].clone();
    let containers: Vec<Value> = pod["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<String> = containers
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_string())
        .collect();
    let unready = format!("containers with unready status: [{}]", names.join(" "));
    let old_statuses = pod["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let container_status = |container: &Value, rng: &mut Rng| -> Value {
        let name = container["name"].as_str().unwrap_or_default();
        let image = container["image"].as_str().unwrap_or_default();
        let previous = old_statuses.iter().find(|s| s["name"] == name);
        let container_id = previous
            .and_then(|s| s["containerID"].as_str())
            .map(str::to_string)
            .unwrap_or_else(|| format!("containerd://{}", rng.hex64()));
        // A container keeps the image it was started from: its imageID never changes.
        let image_id = previous
            .filter(|s| s["image"] == image)
            .and_then(|s| s["imageID"].as_str())
            .filter(|id| !id.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| {
                format!(
                    "{}@sha256:{}",
                    image.split(':').next().unwrap_or(image),
                    image_digest(image)
                )
            });
        let mut status = json!({
            "name": name,
            "image": image,
            "imageID": image_id,
            "containerID": container_id,
            "restartCount": restarts,
            "lastState": {},
        });
        match stage {
            PodStage::Pending => {}
            PodStage::ContainerCreating => {
                status["imageID"] = json!("");
                if let Some(map) = status.as_object_mut() {
                    map.remove("containerID");
                }
                status["ready"] = json!(false);
                status["started"] = json!(false);
                status["state"] = json!({"waiting": {"reason": "ContainerCreating"}});
            }
            PodStage::Starting | PodStage::Ready => {
                status["ready"] = json!(stage == PodStage::Ready);
                status["started"] = json!(true);
                let started_at = previous
                    .and_then(|s| s["state"]["running"]["startedAt"].as_str())
                    .unwrap_or(&now_text)
                    .to_string();
                status["state"] = json!({"running": {"startedAt": started_at}});
                if restarts > 0 {
                    status["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error",
                        "startedAt": created, "finishedAt": created, "containerID": container_id}});
                }
            }
            PodStage::CrashLoop => {
                status["ready"] = json!(false);
                status["started"] = json!(false);
                status["state"] = json!({"waiting": {"reason": "CrashLoopBackOff",
                    "message": format!("back-off 5m0s restarting failed container={name} pod={pod_name}")}});
                status["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error",
                    "startedAt": now_text, "finishedAt": now_text, "containerID": container_id}});
            }
            PodStage::Succeeded => {
                status["ready"] = json!(false);
                status["started"] = json!(false);
                status["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed",
                    "startedAt": start_time, "finishedAt": now_text, "containerID": container_id}});
            }
        }
        status
    };
    let statuses: Vec<Value> = containers
        .iter()
        .map(|c| container_status(c, rng))
        .collect();
    let scheduled = condition("PodScheduled", true, &created, None);
    let status = match stage {
        PodStage::Pending => json!({
            "phase": "Pending",
            "conditions": [scheduled],
            "qosClass": qos,
        }),
        PodStage::ContainerCreating => json!({
            "phase": "Pending",
            "conditions": [
                condition("PodReadyToStartContainers", false, &now_text, None),
                condition("Initialized", true, &now_text, None),
                condition("Ready", false, &now_text, Some(("ContainersNotReady", unready.clone()))),
                condition("ContainersReady", false, &now_text, Some(("ContainersNotReady", unready))),
                scheduled,
            ],
            "hostIP": host_ip,
            "hostIPs": [{"ip": host_ip}],
            "startTime": start_time,
            "containerStatuses": statuses,
            "qosClass": qos,
        }),
        PodStage::Starting | PodStage::Ready | PodStage::CrashLoop | PodStage::Succeeded => {
            let ready = stage == PodStage::Ready;
            let (ready_reason, phase) = match stage {
                PodStage::Succeeded => (Some(("PodCompleted", String::new())), "Succeeded"),
                PodStage::Ready => (None, "Running"),
                _ => (Some(("ContainersNotReady", unready)), "Running"),
            };
            json!({
                "phase": phase,
                "conditions": [
                    condition("PodReadyToStartContainers", stage != PodStage::Succeeded, &start_time, None),
                    condition("Initialized", true, &start_time, None),
                    condition("Ready", ready, &now_text, ready_reason.clone()),
                    condition("ContainersReady", ready, &now_text, ready_reason),
                    scheduled,
                ],
                "hostIP": host_ip,
                "hostIPs": [{"ip": host_ip}],
                "podIP": pod_ip,
                "podIPs": [{"ip": pod_ip}],
                "startTime": start_time,
                "containerStatuses": statuses,
                "qosClass": qos,
            })
        }
    };
    pod["status"] = status;
}

/// Mark a terminating pod's containers and Ready condition as not ready.
pub fn mark_unready(pod: &mut Value, now: Timestamp) {
    let now_text = timestamp(now);
    if let Some(conditions) = pod["status"]["conditions"].as_array_mut() {
        for condition in conditions {
            if (condition["type"] == "Ready" || condition["type"] == "ContainersReady")
                && condition["status"] == "True"
            {
                condition["status"] = json!("False");
                condition["lastTransitionTime"] = json!(now_text);
            }
        }
    }
    if let Some(statuses) = pod["status"]["containerStatuses"].as_array_mut() {
        for status in statuses {
            status["ready"] = json!(false);
        }
    }
}

/// Total restartCount of a pod's containers.
pub fn restart_count(pod: &Value) -> i64 {
    pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["restartCount"].as_i64())
        .max()
        .unwrap_or(0)
}
