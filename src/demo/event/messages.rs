//! The messages real components write into events, shared by the live simulation and the
//! seeded history so that a seeded event and its live repeats aggregate into one.

use serde_json::Value;

use crate::demo::factory::fnv64;

/// kubelet, `Pulling`.
pub fn pulling(image: &str) -> String {
    format!("Pulling image \"{image}\"")
}

/// kubelet, `Pulled`, for an image the node had.
pub fn already_present(image: &str) -> String {
    format!("Container image \"{image}\" already present on machine")
}

/// kubelet, `Pulled`, after a pull; its duration and the image size vary with the image.
pub fn pulled(image: &str) -> String {
    let hash = fnv64(image.as_bytes());
    let millis = 800 + hash % 5_200;
    let size = 20_000_000 + (hash >> 16) % 180_000_000;
    let took = format!("{}.{:03}s", millis / 1000, millis % 1000);
    format!(
        "Successfully pulled image \"{image}\" in {took} ({took} including waiting). Image size: {size} bytes."
    )
}

/// How long [`pulled`] says the pull of `image` took, in whole seconds (at least one).
pub fn pull_seconds(image: &str) -> i64 {
    (800 + fnv64(image.as_bytes()) % 5_200).div_ceil(1000) as i64
}

/// kubelet, `Failed`, for an image whose manifest lacks the node's platform.
pub fn pull_failed(image: &str) -> String {
    format!(
        "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and \
         unpack image \"{image}\": no match for platform in manifest: not found"
    )
}

/// kubelet, `Failed`, right after a failed pull.
pub const ERR_IMAGE_PULL: &str = "Error: ErrImagePull";

/// kubelet, `Failed`, while backing off a failing pull.
pub const IMAGE_PULL_BACK_OFF: &str = "Error: ImagePullBackOff";

/// kubelet, `BackOff` (Normal), while backing off a failing pull.
pub fn back_off_pulling(image: &str) -> String {
    format!("Back-off pulling image \"{image}\"")
}

/// kubelet, `Created`.
pub fn created(container: &str) -> String {
    format!("Created container: {container}")
}

/// kubelet, `Started`.
pub fn started(container: &str) -> String {
    format!("Started container {container}")
}

/// kubelet, `Killing`.
pub fn stopping(container: &str) -> String {
    format!("Stopping container {container}")
}

/// kubelet, `BackOff` (Warning), for a crash-looping container of `pod`.
pub fn crash_back_off(pod: &Value, container: &str) -> String {
    let metadata = &pod["metadata"];
    let text = |field: &str| metadata[field].as_str().unwrap_or_default();
    format!(
        "Back-off restarting failed container {container} in pod {}_{}({})",
        text("name"),
        text("namespace"),
        text("uid")
    )
}

/// deployment-controller, `ScalingReplicaSet`.
pub fn scaled(replica_set: &str, from: i64, to: i64) -> String {
    let direction = if to > from { "up" } else { "down" };
    format!("Scaled {direction} replica set {replica_set} from {from} to {to}")
}

/// default-scheduler, `Scheduled`.
pub fn assigned(pod: &Value, node: &str) -> String {
    let metadata = &pod["metadata"];
    format!(
        "Successfully assigned {}/{} to {node}",
        metadata["namespace"].as_str().unwrap_or_default(),
        metadata["name"].as_str().unwrap_or_default()
    )
}

/// The controller and message of a workload's `SuccessfulCreate` (`created`) or
/// `SuccessfulDelete` event for one of its pods; None for kinds that report neither.
pub fn pod_change(owner: &Value, pod: &str, created: bool) -> Option<(&'static str, String)> {
    let owner_name = owner["metadata"]["name"].as_str().unwrap_or_default();
    let (verb, past) = if created {
        ("create", "Created")
    } else {
        ("delete", "Deleted")
    };
    match owner["kind"].as_str().unwrap_or_default() {
        "ReplicaSet" => Some(("replicaset-controller", format!("{past} pod: {pod}"))),
        "DaemonSet" => Some(("daemonset-controller", format!("{past} pod: {pod}"))),
        "StatefulSet" => Some((
            "statefulset-controller",
            format!("{verb} Pod {pod} in StatefulSet {owner_name} successful"),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_read_as_the_components_write_them() {
        let pod = json!({"metadata": {"name": "web-1", "namespace": "ns", "uid": "u1"}});
        assert_eq!(
            crash_back_off(&pod, "web"),
            "Back-off restarting failed container web in pod web-1_ns(u1)"
        );
        assert_eq!(
            scaled("web-abc", 0, 1),
            "Scaled up replica set web-abc from 0 to 1"
        );
        assert_eq!(
            scaled("web-old", 2, 1),
            "Scaled down replica set web-old from 2 to 1"
        );
        let pulled = pulled("img:1");
        assert!(
            pulled.starts_with("Successfully pulled image \"img:1\" in "),
            "{pulled}"
        );
        assert!(pulled.ends_with(" bytes."), "{pulled}");
        assert!((1..=6).contains(&pull_seconds("img:1")));
        let sts = json!({"kind": "StatefulSet", "metadata": {"name": "redis"}});
        assert_eq!(
            pod_change(&sts, "redis-0", true),
            Some((
                "statefulset-controller",
                "create Pod redis-0 in StatefulSet redis successful".to_string()
            ))
        );
        let rs = json!({"kind": "ReplicaSet", "metadata": {"name": "web-abc"}});
        assert_eq!(
            pod_change(&rs, "web-abc-x", false)
                .map(|(_, m)| m)
                .as_deref(),
            Some("Deleted pod: web-abc-x")
        );
        assert_eq!(pod_change(&json!({"kind": "Job"}), "x", true), None);
    }
}
