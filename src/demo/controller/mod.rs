//! The simulated control plane and kubelets of a zone: one tokio task per zone that keeps
//! caches fed by the store's event stream, reconciles the workloads marked dirty and fires
//! timers, writing through the store like any other client. Each workload kind, the pod
//! lifecycle, garbage collection and churn live in their own file below.

mod churn;
mod daemon_set;
mod deployment;
mod deployment_status;
mod gc;
mod history;
mod kubelet;
mod pods;
mod pulls;
mod recorder;
mod replica_set;
mod stateful_set;
mod timers;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{broadcast, oneshot};
use tokio::time::Instant;

use super::Zone;
use super::factory::{self, Rng};
use super::resources::ServedKind;
use super::store::{EventType, StoreKey, StoredObject, WatchEvent};
use deployment_status::Progress;
use pods::ControlledPod;
use timers::Timer;

pub use churn::CHURN_LABEL;

/// Identifies a workload that owns pods: its kind, namespace and name.
type OwnerKey = (ServedKind, String, String);

/// The simulated control plane of one zone.
pub struct Controller {
    zone: Arc<Zone>,
    rng: Rng,
    workloads: HashMap<ServedKind, BTreeMap<StoreKey, Value>>,
    pods: HashMap<StoreKey, ControlledPod>,
    pods_by_owner: HashMap<OwnerKey, BTreeSet<String>>,
    timers: BinaryHeap<Reverse<(Instant, u64)>>,
    timer_jobs: HashMap<u64, Timer>,
    timer_sequence: u64,
    scheduled: HashSet<(u8, StoreKey)>,
    dirty: BTreeSet<(ServedKind, StoreKey)>,
    progress: HashMap<StoreKey, Progress>,
    churn_rate: f64,
    churn_budget: f64,
    churn_last: Instant,
    churn_counter: u64,
    receiver: broadcast::Receiver<Arc<WatchEvent>>,
    /// The event recorder's aggregation cache.
    recorder: recorder::Recorder,
    /// Images each node has pulled (the kubelet's image cache), by node.
    node_images: HashMap<String, HashSet<String>>,
}

/// `duration` stretched by the zone's time scale, never quite zero.
fn scaled(duration: Duration, time_scale: f64) -> Duration {
    Duration::from_secs_f64((duration.as_secs_f64() * time_scale).max(0.005))
}

/// A JSON integer, 0 when absent.
fn int(value: &Value) -> i64 {
    value.as_i64().unwrap_or(0)
}

/// Namespace and name of an object.
fn key_of(value: &Value) -> StoreKey {
    (
        value["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        value["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

/// Whether `owner` is the controlling owner of `child` (by uid).
fn owner_uid_matches(child: &Value, owner: &Value) -> bool {
    child["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|r| r["controller"] == true && r["uid"] == owner["metadata"]["uid"])
}

impl Controller {
    /// A controller for `zone`, with caches filled from the store's current contents.
    pub fn new(zone: Arc<Zone>, rng: Rng, churn_rate: f64) -> Controller {
        let (objects, _, receiver) = zone.store.snapshot_and_subscribe(&ServedKind::ALL);
        let mut controller = Controller {
            zone,
            rng,
            workloads: HashMap::new(),
            pods: HashMap::new(),
            pods_by_owner: HashMap::new(),
            timers: BinaryHeap::new(),
            timer_jobs: HashMap::new(),
            timer_sequence: 0,
            scheduled: HashSet::new(),
            dirty: BTreeSet::new(),
            progress: HashMap::new(),
            churn_rate,
            churn_budget: 0.0,
            churn_last: Instant::now(),
            churn_counter: 0,
            receiver,
            recorder: recorder::Recorder::default(),
            node_images: HashMap::new(),
        };
        for (kind, object) in objects {
            if kind == ServedKind::Event {
                controller.recorder.remember_stored(&object.to_value());
            }
            controller.observe(kind, EventType::Added, &object);
        }
        if churn_rate > 0.0 {
            controller.schedule(controller.churn_period(), Timer::Churn);
        }
        controller.schedule(controller.lease_check_period(), Timer::ExpireLeases);
        controller
    }

    /// Reconcile until nothing is left to do right now (used before serving starts).
    pub fn settle(&mut self) {
        for _ in 0..32 {
            self.drain_events();
            if self.dirty.is_empty() {
                return;
            }
            self.reconcile_dirty();
        }
    }

    /// Run until `shutdown` fires.
    pub async fn run(mut self, mut shutdown: oneshot::Receiver<()>) {
        loop {
            let next_timer = self.timers.peek().map(|Reverse((at, _))| *at);
            tokio::select! {
                received = self.receiver.recv() => match received {
                    Ok(event) => self.observe(event.kind, event.event_type, &event.object),
                    Err(broadcast::error::RecvError::Lagged(_)) => self.resync(),
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tokio::time::sleep_until(next_timer.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600))) => {}
                _ = &mut shutdown => return,
            }
            self.drain_events();
            self.fire_due_timers();
            self.reconcile_dirty();
        }
    }

    /// Observe every event already queued, without waiting.
    fn drain_events(&mut self) {
        loop {
            match self.receiver.try_recv() {
                Ok(event) => self.observe(event.kind, event.event_type, &event.object),
                Err(broadcast::error::TryRecvError::Lagged(_)) => self.resync(),
                Err(_) => return,
            }
        }
    }

    /// Rebuild every cache from a fresh snapshot (after falling behind the event stream).
    fn resync(&mut self) {
        let (objects, _, receiver) = self.zone.store.snapshot_and_subscribe(&ServedKind::ALL);
        self.receiver = receiver;
        self.workloads.clear();
        self.pods.clear();
        self.pods_by_owner.clear();
        for (kind, object) in objects {
            self.observe(kind, EventType::Added, &object);
        }
    }
    /// Fold one store event into the caches and mark what must be reconciled.
    fn observe(&mut self, kind: ServedKind, event_type: EventType, object: &Arc<StoredObject>) {
        let key = object.key();
        match kind {
            ServedKind::Pod => self.observe_pod(key, event_type, object),
            ServedKind::Namespace if event_type == EventType::Deleted => {
                self.collect_namespace(&object.name)
            }
            ServedKind::Node
            | ServedKind::Namespace
            | ServedKind::Service
            | ServedKind::Event
            | ServedKind::EventV1
            | ServedKind::IngressClass
            | ServedKind::StorageClass => {}
            _ => {
                let value = object.to_value();
                if kind == ServedKind::ReplicaSet
                    && let Some((owner_kind, owner_name, _)) = factory::controller_owner(&value)
                    && owner_kind == "Deployment"
                {
                    self.dirty
                        .insert((ServedKind::Deployment, (key.0.clone(), owner_name)));
                }
                let map = self.workloads.entry(kind).or_default();
                if event_type == EventType::Deleted {
                    map.remove(&key);
                    self.collect_children(kind, &key, &value);
                } else {
                    map.insert(key.clone(), value);
                    self.dirty.insert((kind, key));
                }
            }
        }
    }
    /// Reconcile every workload marked dirty since the last pass.
    fn reconcile_dirty(&mut self) {
        let dirty = std::mem::take(&mut self.dirty);
        // Deployments first so their ReplicaSet changes are seen in the same pass.
        for (kind, key) in dirty.iter().filter(|(k, _)| *k == ServedKind::Deployment) {
            self.reconcile(*kind, key);
        }
        for (kind, key) in dirty.iter().filter(|(k, _)| *k != ServedKind::Deployment) {
            self.reconcile(*kind, key);
        }
    }

    /// Run the controller of `kind` for one workload, if it is still cached.
    fn reconcile(&mut self, kind: ServedKind, key: &StoreKey) {
        let Some(object) = self.workloads.get(&kind).and_then(|m| m.get(key)).cloned() else {
            return;
        };
        match kind {
            ServedKind::Deployment => self.reconcile_deployment(key, &object),
            ServedKind::ReplicaSet => self.reconcile_replica_set(key, &object),
            ServedKind::StatefulSet => self.reconcile_stateful_set(key, &object),
            ServedKind::DaemonSet => self.reconcile_daemon_set(key, &object),
            _ => {}
        }
    }
    /// Replace a workload's status unless it is already `status`.
    fn write_status(&self, kind: ServedKind, key: &StoreKey, current: &Value, status: Value) {
        if current["status"] == status {
            return;
        }
        let _ = self.zone.store.update(kind, &key.0, &key.1, |mut object| {
            if object["status"] == status {
                return None;
            }
            object["status"] = status.clone();
            Some(object)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_durations_never_reach_zero() {
        assert_eq!(scaled(Duration::from_secs(10), 0.1), Duration::from_secs(1));
        assert!(scaled(Duration::from_secs(1), 0.0) > Duration::ZERO);
    }
}
