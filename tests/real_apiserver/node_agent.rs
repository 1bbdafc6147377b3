//! A minimal kubelet stand-in for the real-apiserver tier: it registers Ready nodes with
//! realistic node info, keeps their heartbeat fresh, runs the pods bound to them (Running and
//! Ready through the status subresource) and finishes pods being deleted, so that controllers
//! complete rollouts against a control plane that has no real kubelet.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams, Preconditions};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event, watcher};
use kube::{Client, ResourceExt};
use serde_json::{Value, json};

/// The container runtime every simulated node reports.
pub const CONTAINER_RUNTIME: &str = "containerd://2.1.5-k3s1";
/// The OS image every simulated node reports.
pub const OS_IMAGE: &str = "Debian GNU/Linux 12 (bookworm)";
/// The kernel every simulated node reports.
pub const KERNEL: &str = "6.1.0-37-amd64";
/// How often node heartbeats are renewed (a kubelet's default node status update period).
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// How long an agent runs at most: longer than the whole test binary may take.
pub const LIFETIME: Duration = Duration::from_secs(60 * 60);

/// The simulated kubelets of one zone.
#[derive(Clone)]
pub struct NodeAgent {
    client: Client,
    zone: u8,
    nodes: Vec<String>,
    kubelet_version: String,
    started: jiff::Timestamp,
}

impl NodeAgent {
    /// An agent for zone number `zone` whose nodes are `<prefix>-server-0`, `<prefix>-agent-0`
    /// and `<prefix>-agent-1`, reporting `kubelet_version` (the zone's server version).
    pub fn new(client: Client, zone: u8, prefix: &str, kubelet_version: &str) -> Self {
        NodeAgent {
            client,
            zone,
            nodes: vec![
                format!("{prefix}-server-0"),
                format!("{prefix}-agent-0"),
                format!("{prefix}-agent-1"),
            ],
            kubelet_version: kubelet_version.to_string(),
            started: jiff::Timestamp::now(),
        }
    }

    /// Registers every node (idempotently) and posts a Ready status for it.
    pub async fn register(&self) -> anyhow::Result<()> {
        let api: Api<Node> = Api::all(self.client.clone());
        for (i, name) in self.nodes.iter().enumerate() {
            let mut labels = json!({
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "node.kubernetes.io/instance-type": "k3s",
            });
            if i == 0 {
                labels["node-role.kubernetes.io/control-plane"] = json!("true");
                labels["node-role.kubernetes.io/master"] = json!("true");
            }
            let node: Node = serde_json::from_value(json!({
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": name, "labels": labels},
                "spec": {"podCIDR": format!("10.42.{}.0/24", i)},
            }))?;
            match api.create(&PostParams::default(), &node).await {
                Ok(_) => {}
                Err(kube::Error::Api(s)) if s.code == 409 => {}
                Err(e) => return Err(e.into()),
            }
            self.post_node_status(&api, i, name).await?;
            // The TaintNodesByCondition admission plugin taints new nodes not-ready; the node
            // lifecycle controller (disabled here, so nodes never go NotReady between
            // heartbeats) would lift it once the node is Ready. Do its job.
            let untaint = json!({"spec": {"taints": null}});
            api.patch(name, &PatchParams::default(), &Patch::Merge(&untaint))
                .await?;
        }
        Ok(())
    }

    fn node_ip(&self, index: usize) -> String {
        format!("10.{}.0.{}", 100 + u16::from(self.zone), 10 + index)
    }

    async fn post_node_status(
        &self,
        api: &Api<Node>,
        index: usize,
        name: &str,
    ) -> kube::Result<()> {
        let now = jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .unwrap_or(self.started);
        let since = self
            .started
            .round(jiff::Unit::Second)
            .unwrap_or(self.started);
        let condition = |kind: &str, status: &str, reason: &str, message: &str| {
            json!({
                "type": kind, "status": status, "reason": reason, "message": message,
                "lastHeartbeatTime": now.to_string(), "lastTransitionTime": since.to_string(),
            })
        };
        let resources = json!({
            "cpu": "4", "memory": "16393180Ki", "pods": "110", "ephemeral-storage": "101430960Ki",
        });
        let status = json!({"status": {
            "capacity": resources,
            "allocatable": resources,
            "conditions": [
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [
                {"type": "InternalIP", "address": self.node_ip(index)},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": hex_id(name, 32),
                "systemUUID": hex_id(&format!("uuid-{name}"), 32),
                "bootID": hex_id(&format!("boot-{name}-{since}"), 32),
                "kernelVersion": KERNEL,
                "osImage": OS_IMAGE,
                "containerRuntimeVersion": CONTAINER_RUNTIME,
                "kubeletVersion": self.kubelet_version,
                "kubeProxyVersion": self.kubelet_version,
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        }});
        api.patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
            .await
            .map(|_| ())
    }

    /// Runs the agent until [`LIFETIME`] has passed: heartbeats and pods, surviving any outage
    /// of the apiserver (errors are retried with kube-runtime's default backoff).
    pub async fn run(self) {
        let deadline = tokio::time::Instant::now() + LIFETIME;
        let heartbeat = self.clone();
        let beats = async move {
            let api: Api<Node> = Api::all(heartbeat.client.clone());
            let mut tick = tokio::time::interval(HEARTBEAT);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tick.tick().await;
                for (i, name) in heartbeat.nodes.iter().enumerate() {
                    match heartbeat.post_node_status(&api, i, name).await {
                        Err(kube::Error::Api(s)) if s.code == 404 => {
                            let _ = heartbeat.register().await;
                        }
                        _ => {}
                    }
                }
            }
        };
        let pods = self.run_pods();
        tokio::select! {
            _ = beats => {}
            _ = pods => {}
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }

    async fn run_pods(&self) {
        let api: Api<Pod> = Api::all(self.client.clone());
        let mut events = watcher(api, watcher::Config::default())
            .default_backoff()
            .boxed();
        while let Some(event) = events.next().await {
            if let Ok(Event::Apply(pod) | Event::InitApply(pod)) = event {
                self.handle_pod(&pod).await;
            }
        }
    }

    async fn handle_pod(&self, pod: &Pod) {
        let Some(spec) = &pod.spec else { return };
        let Some(node) = spec.node_name.as_deref() else {
            return;
        };
        let Some(index) = self.nodes.iter().position(|n| n == node) else {
            return;
        };
        let namespace = pod.namespace().unwrap_or_default();
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &namespace);
        let name = pod.name_any();
        if pod.metadata.deletion_timestamp.is_some() {
            // The containers "stopped": finish the deletion as a kubelet does.
            let params = DeleteParams {
                grace_period_seconds: Some(0),
                preconditions: Some(Preconditions {
                    uid: pod.metadata.uid.clone(),
                    resource_version: None,
                }),
                ..DeleteParams::default()
            };
            let _ = api.delete(&name, &params).await;
            return;
        }
        if is_running_and_ready(pod) {
            return;
        }
        let now = jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .unwrap_or_else(|_| jiff::Timestamp::now())
            .to_string();
        let created = pod
            .metadata
            .creation_timestamp
            .as_ref()
            .map(|t| t.0.to_string())
            .unwrap_or_else(|| now.clone());
        let condition = |kind: &str, at: &str| json!({"type": kind, "status": "True", "lastProbeTime": Value::Null, "lastTransitionTime": at});
        let containers: Vec<Value> = spec
            .containers
            .iter()
            .map(|c| {
                let image = c.image.clone().unwrap_or_default();
                json!({
                    "name": c.name,
                    "image": image,
                    "imageID": format!("{}@sha256:{}", image.split(':').next().unwrap_or(""), hex_id(&image, 64)),
                    "containerID": format!("containerd://{}", hex_id(&format!("{}/{}/{}", pod.metadata.uid.as_deref().unwrap_or(""), name, c.name), 64)),
                    "ready": true,
                    "started": true,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": now}},
                    "lastState": {},
                })
            })
            .collect();
        let pod_ip = format!(
            "10.42.{}.{}",
            self.zone * 4 + index as u8,
            2 + hash(&name) % 250
        );
        let status = json!({"status": {
            "phase": "Running",
            "conditions": [
                condition("Initialized", &created),
                condition("Ready", &now),
                condition("ContainersReady", &now),
                condition("PodScheduled", &created),
            ],
            "hostIP": self.node_ip(index),
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}],
            "startTime": created,
            "qosClass": "BestEffort",
            "containerStatuses": containers,
        }});
        let _ = api
            .patch_status(&name, &PatchParams::default(), &Patch::Merge(&status))
            .await;
    }
}

/// The pod is Running with every container ready (nothing for the agent to do).
fn is_running_and_ready(pod: &Pod) -> bool {
    let Some(status) = &pod.status else {
        return false;
    };
    let want = pod.spec.as_ref().map_or(0, |s| s.containers.len());
    status.phase.as_deref() == Some("Running")
        && status
            .container_statuses
            .as_ref()
            .is_some_and(|cs| cs.len() == want && cs.iter().all(|c| c.ready))
}

fn hash(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

/// A stable pseudo-random hex string of `len` characters derived from `seed`.
fn hex_id(seed: &str, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut n = 0u64;
    while out.len() < len {
        out.push_str(&format!("{:016x}", hash(&format!("{seed}/{n}"))));
        n += 1;
    }
    out.truncate(len);
    out
}
