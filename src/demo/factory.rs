//! Builders for the objects the seed and the simulated controllers create: names, hashes,
//! timestamps, ReplicaSets and Pods in each lifecycle stage.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// Characters Kubernetes uses for generated name suffixes and hashes (no vowels, no 0/1/3).
const SAFE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A small deterministic random source (SplitMix64), seeded per zone.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded from text (e.g. the zone name).
    pub fn from_text(text: &str) -> Rng {
        Rng(fnv64(text.as_bytes()))
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A 5-character generated-name suffix (like `-x7k2q`).
    pub fn name_suffix(&mut self) -> String {
        safe_encode(self.next_u64(), 5)
    }

    /// A random UUID-shaped uid.
    pub fn uid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// 64 lowercase hex characters (container ids, image digests).
    pub fn hex64(&mut self) -> String {
        (0..4)
            .map(|_| format!("{:016x}", self.next_u64()))
            .collect()
    }
}

/// FNV-1a 64-bit hash.
pub fn fnv64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn safe_encode(mut value: u64, length: usize) -> String {
    let mut text = String::with_capacity(length);
    for _ in 0..length {
        text.push(char::from(
            SAFE_ALPHABET[(value % SAFE_ALPHABET.len() as u64) as usize],
        ));
        value /= SAFE_ALPHABET.len() as u64;
    }
    text
}

/// The `pod-template-hash` of a pod template (stable: serde_json maps are sorted).
pub fn template_hash(template: &Value) -> String {
    safe_encode(fnv64(template.to_string().as_bytes()), 10)
}

/// A deterministic sha256-looking digest for an image reference.
pub fn image_digest(image: &str) -> String {
    let mut rng = Rng::from_text(image);
    rng.hex64()
}

/// RFC 3339 timestamp with second precision, as Kubernetes writes them.
pub fn timestamp(time: Timestamp) -> String {
    Timestamp::from_second(time.as_second())
        .unwrap_or(time)
        .to_string()
}

/// Parse an RFC 3339 timestamp.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

/// Parse an age like `41d`, `5h`, `12m`, `30s`.
pub fn parse_age(text: &str) -> Option<SignedDuration> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let number: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    let seconds = match unit {
        'd' => number.checked_mul(86_400)?,
        'h' => number.checked_mul(3_600)?,
        'm' => number.checked_mul(60)?,
        's' => number,
        _ => return None,
    };
    (seconds >= 0).then(|| SignedDuration::from_secs(seconds))
}

/// Kubernetes' short human duration (`5s`, `3m12s`, `41d`), as used in AGE columns.
pub fn human_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let rest = seconds % 60;
        return if rest == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{rest}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let rest = minutes % 60;
        return if rest == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{rest}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let rest = hours % 24;
        return if rest == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{rest}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = hours / 24;
        let rest = days % 365;
        return if rest == 0 {
            format!("{}y", days / 365)
        } else {
            format!("{}y{rest}d", days / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// How a container image behaves in a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Starts and becomes ready.
    Healthy,
    /// Starts, exits with code 1, restarts forever (CrashLoopBackOff).
    CrashLoop,
    /// Never gets past ContainerCreating.
    StuckCreating,
}

/// A node pods can be placed on.
#[derive(Debug, Clone)]
pub struct NodeSlot {
    /// Node name.
    pub name: String,
    /// The node's InternalIP (the pods' hostIP).
    pub internal_ip: String,
}

/// What the builders need to know about a zone.
#[derive(Debug)]
pub struct ZoneProfile {
    /// The zone's nodes.
    pub nodes: Vec<NodeSlot>,
    /// First two octets of the pod network, e.g. `10.42`.
    pub pod_network: String,
    /// Images that misbehave in this zone.
    pub faults: BTreeMap<String, Behaviour>,
    /// Next pod IP to hand out.
    pub next_pod_ip: AtomicU64,
}

impl ZoneProfile {
    /// How an image behaves in this zone.
    pub fn behaviour(&self, image: &str) -> Behaviour {
        self.faults
            .get(image)
            .copied()
            .unwrap_or(Behaviour::Healthy)
    }

    /// The worst behaviour among a pod's container images.
    pub fn pod_behaviour(&self, pod: &Value) -> Behaviour {
        let mut worst = Behaviour::Healthy;
        for container in pod["spec"]["containers"].as_array().into_iter().flatten() {
            match self.behaviour(container["image"].as_str().unwrap_or_default()) {
                Behaviour::Healthy => {}
                Behaviour::StuckCreating => worst = Behaviour::StuckCreating,
                Behaviour::CrashLoop => {
                    if worst == Behaviour::Healthy {
                        worst = Behaviour::CrashLoop;
                    }
                }
            }
        }
        worst
    }

    /// Allocate a pod IP.
    pub fn allocate_pod_ip(&self) -> String {
        let n = self.next_pod_ip.fetch_add(1, Ordering::Relaxed);
        format!("{}.{}.{}", self.pod_network, (n / 250) % 256, n % 250 + 2)
    }
}

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
pub fn owner_reference(owner: &Value) -> Value {
    json!({
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    })
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
        let image_id = format!(
            "{}@sha256:{}",
            image.split(':').next().unwrap_or(image),
            image_digest(image)
        );
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
    json!({
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
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_update_rounding_follows_kubernetes() {
        let deployment = json!({"spec": {"strategy": {"type": "RollingUpdate"}}});
        assert_eq!(rolling_bounds(&deployment, 2), (1, 0));
        assert_eq!(rolling_bounds(&deployment, 4), (1, 1));
        assert_eq!(rolling_bounds(&deployment, 10), (3, 2));
        assert_eq!(rolling_bounds(&deployment, 1), (1, 0));
        let explicit = json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}}});
        assert_eq!(rolling_bounds(&explicit, 3), (0, 1));
        let percent = json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": "50%", "maxUnavailable": "50%"}}}});
        assert_eq!(rolling_bounds(&percent, 3), (2, 1));
        assert_eq!(resolve_int_or_percent(&json!("33%"), 10, true), 4);
        assert_eq!(resolve_int_or_percent(&json!("33%"), 10, false), 3);
    }

    #[test]
    fn human_durations_match_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(192), "3m12s");
        assert_eq!(human_duration(3600 * 5 + 60 * 7), "5h7m");
        assert_eq!(human_duration(86_400 * 41), "41d");
        assert_eq!(human_duration(86_400 * 3 + 3600 * 2), "3d2h");
    }

    #[test]
    fn ages_parse() {
        assert_eq!(
            parse_age("41d"),
            Some(SignedDuration::from_secs(41 * 86_400))
        );
        assert_eq!(parse_age("12m"), Some(SignedDuration::from_secs(720)));
        assert_eq!(parse_age("x"), None);
        assert_eq!(parse_age("5w"), None);
    }

    #[test]
    fn generated_names_use_the_safe_alphabet() {
        let mut rng = Rng::from_text("dev");
        let suffix = rng.name_suffix();
        assert_eq!(suffix.len(), 5);
        assert!(suffix.bytes().all(|b| SAFE_ALPHABET.contains(&b)));
        assert_eq!(template_hash(&json!({"a": 1})).len(), 10);
    }
}
