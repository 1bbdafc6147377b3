//! What the builders know about a zone: its nodes, pod network and misbehaving images.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

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
    /// Host the scheduler runs on (its events' `reportingInstance` is `default-scheduler-<host>`).
    pub scheduler_host: String,
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
