//! The simulated control plane and kubelets of a zone: Deployment, ReplicaSet, StatefulSet and
//! DaemonSet controllers, pod lifecycles (scaled by `time_scale`), graceful deletion, garbage
//! collection, the crash-looping pod and churn. One tokio task per zone; it keeps caches fed
//! by the store's event stream and writes through the store like any other client.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{broadcast, oneshot};
use tokio::time::Instant;

use super::Zone;
use super::factory::{
    self, Behaviour, NodeSlot, PodStage, Rng, StageChange, new_pod, new_replica_set,
    resolve_int_or_percent, rolling_bounds, set_pod_stage, template_hash, timestamp,
};
use super::resources::ServedKind;
use super::store::{EventType, StoreError, StoreKey, StoredObject, WatchEvent};

/// Base delay of one pod lifecycle step (Pending → ContainerCreating → Running → Ready).
const STEP: Duration = Duration::from_millis(1_000);
/// Time a terminating pod lingers before it is removed.
const TERMINATION: Duration = Duration::from_millis(1_500);
/// Time between restarts of a crash-looping container.
const CRASH_INTERVAL: Duration = Duration::from_secs(20);
/// Label the churn simulation toggles on pods.
pub const CHURN_LABEL: &str = "ge.io/churn";

/// Identifies a workload that owns pods.
type OwnerKey = (ServedKind, String, String);

/// The fields of a pod the controllers need, read without building a full JSON tree.
#[derive(Debug, Deserialize)]
struct PodView {
    metadata: MetaView,
    #[serde(default)]
    spec: PodSpecView,
    #[serde(default)]
    status: PodStatusView,
}

#[derive(Debug, Deserialize)]
struct MetaView {
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(rename = "ownerReferences", default)]
    owner_references: Vec<OwnerView>,
    #[serde(rename = "deletionTimestamp")]
    deletion_timestamp: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OwnerView {
    kind: String,
    name: String,
    #[serde(default)]
    controller: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct PodSpecView {
    #[serde(rename = "nodeName")]
    node_name: Option<String>,
    #[serde(default)]
    containers: Vec<ContainerView>,
}

#[derive(Debug, Deserialize)]
struct ContainerView {
    #[serde(default)]
    image: String,
}

#[derive(Debug, Default, Deserialize)]
struct PodStatusView {
    phase: Option<String>,
    #[serde(default)]
    conditions: Vec<ConditionView>,
    #[serde(rename = "containerStatuses", default)]
    container_statuses: Vec<ContainerStatusView>,
}

#[derive(Debug, Deserialize)]
struct ConditionView {
    #[serde(rename = "type")]
    kind: String,
    status: String,
}

#[derive(Debug, Deserialize)]
struct ContainerStatusView {
    #[serde(default)]
    ready: bool,
    #[serde(default)]
    state: StateView,
}

#[derive(Debug, Default, Deserialize)]
struct StateView {
    waiting: Option<WaitingView>,
}

#[derive(Debug, Deserialize)]
struct WaitingView {
    #[serde(default)]
    reason: String,
}

/// What the controllers remember about a pod.
#[derive(Debug, Clone, PartialEq)]
struct ControlledPod {
    owner: Option<OwnerKey>,
    revision: String,
    node: Option<String>,
    ready: bool,
    terminating: bool,
    stage: PodStage,
    behaviour: Behaviour,
}

impl ControlledPod {
    fn read(zone: &Zone, namespace: &str, object: &StoredObject) -> Option<ControlledPod> {
        let view: PodView = serde_json::from_slice(&object.json).ok()?;
        let owner = view
            .metadata
            .owner_references
            .iter()
            .find(|owner| owner.controller == Some(true))
            .and_then(|owner| {
                let kind = match owner.kind.as_str() {
                    "ReplicaSet" => ServedKind::ReplicaSet,
                    "StatefulSet" => ServedKind::StatefulSet,
                    "DaemonSet" => ServedKind::DaemonSet,
                    "Job" => ServedKind::Job,
                    _ => return None,
                };
                Some((kind, namespace.to_string(), owner.name.clone()))
            });
        let labels = &view.metadata.labels;
        let revision = labels
            .get("pod-template-hash")
            .or_else(|| labels.get("controller-revision-hash"))
            .cloned()
            .unwrap_or_default();
        let statuses = &view.status.container_statuses;
        let stage = match view.status.phase.as_deref() {
            Some("Succeeded" | "Failed") => PodStage::Succeeded,
            Some("Running") => {
                if statuses.iter().any(|s| {
                    s.state
                        .waiting
                        .as_ref()
                        .is_some_and(|w| w.reason == "CrashLoopBackOff")
                }) {
                    PodStage::CrashLoop
                } else if !statuses.is_empty() && statuses.iter().all(|s| s.ready) {
                    PodStage::Ready
                } else {
                    PodStage::Starting
                }
            }
            _ if statuses.is_empty() => PodStage::Pending,
            _ => PodStage::ContainerCreating,
        };
        let mut behaviour = Behaviour::Healthy;
        for container in &view.spec.containers {
            match zone.profile.behaviour(&container.image) {
                Behaviour::StuckCreating => behaviour = Behaviour::StuckCreating,
                Behaviour::CrashLoop if behaviour == Behaviour::Healthy => {
                    behaviour = Behaviour::CrashLoop
                }
                _ => {}
            }
        }
        let terminating = view.metadata.deletion_timestamp.is_some();
        Some(ControlledPod {
            owner,
            revision,
            node: view.spec.node_name,
            ready: !terminating
                && view
                    .status
                    .conditions
                    .iter()
                    .any(|c| c.kind == "Ready" && c.status == "True"),
            terminating,
            stage,
            behaviour,
        })
    }
}

/// Something to do later.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Timer {
    /// Move a pod to its next lifecycle stage.
    Advance(StoreKey),
    /// Remove a terminating pod.
    FinishDeletion(StoreKey),
    /// Restart a crash-looping pod's container once more.
    CrashRestart(StoreKey),
    /// Reconcile a workload again (e.g. to check a progress deadline).
    Recheck(ServedKind, StoreKey),
    /// Apply churn updates.
    Churn,
}

/// How a Deployment's rollout is going, remembered between reconciles.
#[derive(Debug, Clone)]
struct Progress {
    /// When progress was last made.
    last: Instant,
    /// The generation the rollout belongs to.
    generation: i64,
}

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
}

fn scaled(duration: Duration, time_scale: f64) -> Duration {
    Duration::from_secs_f64((duration.as_secs_f64() * time_scale).max(0.005))
}

fn int(value: &Value) -> i64 {
    value.as_i64().unwrap_or(0)
}

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

fn owner_uid_matches(child: &Value, owner: &Value) -> bool {
    child["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|r| r["controller"] == true && r["uid"] == owner["metadata"]["uid"])
}

fn revision_of(replica_set: &Value) -> i64 {
    replica_set["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
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
        };
        for (kind, object) in objects {
            controller.observe(kind, EventType::Added, &object);
        }
        if churn_rate > 0.0 {
            controller.schedule(controller.churn_period(), Timer::Churn);
        }
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

    fn churn_period(&self) -> Duration {
        Duration::from_secs_f64((1.0 / self.churn_rate).clamp(0.05, 60.0))
    }

    fn schedule(&mut self, after: Duration, timer: Timer) {
        self.timer_sequence += 1;
        self.timers
            .push(Reverse((Instant::now() + after, self.timer_sequence)));
        self.timer_jobs.insert(self.timer_sequence, timer);
    }

    /// Schedule a per-pod timer unless one of the same type is pending.
    fn schedule_once(&mut self, after: Duration, timer: Timer) {
        let tag = match &timer {
            Timer::Advance(key) => (0, key.clone()),
            Timer::FinishDeletion(key) => (1, key.clone()),
            Timer::CrashRestart(key) => (2, key.clone()),
            Timer::Recheck(_, key) => (3, key.clone()),
            Timer::Churn => (4, (String::new(), String::new())),
        };
        if self.scheduled.insert(tag) {
            self.schedule(after, timer);
        }
    }

    fn observe(&mut self, kind: ServedKind, event_type: EventType, object: &Arc<StoredObject>) {
        let key = object.key();
        match kind {
            ServedKind::Pod => self.observe_pod(key, event_type, object),
            ServedKind::Namespace if event_type == EventType::Deleted => {
                self.collect_namespace(&object.name)
            }
            ServedKind::Node | ServedKind::Namespace | ServedKind::Service => {}
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

    fn observe_pod(&mut self, key: StoreKey, event_type: EventType, object: &StoredObject) {
        let previous = self.pods.get(&key).cloned();
        if event_type == EventType::Deleted {
            if let Some(info) = previous
                && let Some(owner) = info.owner
            {
                if let Some(set) = self.pods_by_owner.get_mut(&owner) {
                    set.remove(&key.1);
                }
                self.dirty.insert((owner.0, (owner.1, owner.2)));
            }
            self.pods.remove(&key);
            return;
        }
        let Some(info) = ControlledPod::read(&self.zone, &key.0, object) else {
            return;
        };
        let changed = previous.as_ref().is_none_or(|p| {
            p.ready != info.ready
                || p.terminating != info.terminating
                || p.stage != info.stage
                || p.revision != info.revision
        });
        if let Some(owner) = &info.owner {
            self.pods_by_owner
                .entry(owner.clone())
                .or_default()
                .insert(key.1.clone());
            if changed {
                self.dirty
                    .insert((owner.0, (owner.1.clone(), owner.2.clone())));
            }
        }
        let time_scale = self.zone.time_scale;
        if info.terminating {
            self.schedule_once(
                scaled(TERMINATION, time_scale),
                Timer::FinishDeletion(key.clone()),
            );
        } else {
            match (info.stage, info.behaviour) {
                (PodStage::ContainerCreating, Behaviour::StuckCreating)
                | (PodStage::Ready | PodStage::Succeeded, _) => {}
                (PodStage::CrashLoop, _) => {
                    self.schedule_once(
                        scaled(CRASH_INTERVAL, time_scale),
                        Timer::CrashRestart(key.clone()),
                    );
                }
                (PodStage::Pending, _) if info.node.is_none() => {
                    self.schedule_once(scaled(STEP, time_scale) / 4, Timer::Advance(key.clone()));
                }
                _ => {
                    let step = if info.stage == PodStage::Pending {
                        scaled(STEP, time_scale) / 2
                    } else {
                        scaled(STEP, time_scale)
                    };
                    self.schedule_once(step, Timer::Advance(key.clone()));
                }
            }
        }
        self.pods.insert(key, info);
    }

    fn fire_due_timers(&mut self) {
        let now = Instant::now();
        while let Some(Reverse((at, sequence))) = self.timers.peek().copied() {
            if at > now {
                return;
            }
            self.timers.pop();
            let Some(timer) = self.timer_jobs.remove(&sequence) else {
                continue;
            };
            match timer {
                Timer::Advance(key) => {
                    self.scheduled.remove(&(0, key.clone()));
                    self.advance_pod(&key);
                }
                Timer::FinishDeletion(key) => {
                    self.scheduled.remove(&(1, key.clone()));
                    if self.pods.get(&key).is_some_and(|p| p.terminating) {
                        let _ = self
                            .zone
                            .store
                            .delete(ServedKind::Pod, &key.0, &key.1, None);
                    }
                }
                Timer::CrashRestart(key) => {
                    self.scheduled.remove(&(2, key.clone()));
                    self.crash_again(&key);
                }
                Timer::Recheck(kind, key) => {
                    self.scheduled.remove(&(3, key.clone()));
                    self.dirty.insert((kind, key));
                }
                Timer::Churn => {
                    self.churn();
                    let period = self.churn_period();
                    self.schedule(period, Timer::Churn);
                }
            }
        }
    }

    fn node(&self, name: &str) -> Option<NodeSlot> {
        self.zone
            .profile
            .nodes
            .iter()
            .find(|n| n.name == name)
            .cloned()
    }

    fn pick_node(&mut self) -> Option<NodeSlot> {
        let nodes = &self.zone.profile.nodes;
        if nodes.is_empty() {
            return None;
        }
        let index = (self.rng.next_u64() % nodes.len() as u64) as usize;
        nodes.get(index).cloned()
    }

    /// Move a pod one lifecycle step on, as scheduler and kubelet would.
    fn advance_pod(&mut self, key: &StoreKey) {
        let Some(info) = self.pods.get(key).cloned() else {
            return;
        };
        if info.terminating {
            return;
        }
        let fallback = self.pick_node();
        let mut rng = self.rng.clone();
        self.rng.next_u64();
        let zone = self.zone.clone();
        let _ = self.zone.store.update(ServedKind::Pod, &key.0, &key.1, |mut pod| {
            if factory::is_terminating(&pod) {
                return None;
            }
            let node = match pod["spec"]["nodeName"].as_str() {
                Some(name) => zone.profile.nodes.iter().find(|n| n.name == name).cloned(),
                None => {
                    let node = fallback.clone()?;
                    pod["spec"]["nodeName"] = json!(node.name);
                    if pod["status"]["phase"].is_null() {
                        pod["status"] = json!({"phase": "Pending", "qosClass": "BestEffort", "conditions": [
                            {"type": "PodScheduled", "status": "True", "lastProbeTime": null,
                             "lastTransitionTime": timestamp(Timestamp::now())}]});
                    }
                    return Some(pod);
                }
            }?;
            let next = match (info.stage, info.behaviour) {
                (PodStage::Pending, _) => PodStage::ContainerCreating,
                (PodStage::ContainerCreating, Behaviour::StuckCreating) => return None,
                (PodStage::ContainerCreating, _) => PodStage::Starting,
                (PodStage::Starting, Behaviour::CrashLoop) => PodStage::CrashLoop,
                (PodStage::Starting, _) => PodStage::Ready,
                _ => return None,
            };
            let restarts = factory::restart_count(&pod) + i64::from(next == PodStage::CrashLoop);
            let pod_ip = match pod["status"]["podIP"].as_str() {
                Some(ip) => ip.to_string(),
                None => zone.profile.allocate_pod_ip(),
            };
            set_pod_stage(
                &mut pod,
                StageChange { stage: next, now: Timestamp::now(), host_ip: &node.internal_ip, pod_ip: &pod_ip, restarts, rng: &mut rng },
            );
            Some(pod)
        });
    }

    fn crash_again(&mut self, key: &StoreKey) {
        let Some(info) = self.pods.get(key) else {
            return;
        };
        if info.terminating || info.stage != PodStage::CrashLoop {
            return;
        }
        let node = info.node.as_deref().and_then(|n| self.node(n));
        let mut rng = self.rng.clone();
        self.rng.next_u64();
        let _ = self
            .zone
            .store
            .update(ServedKind::Pod, &key.0, &key.1, |mut pod| {
                let node = node.clone()?;
                let pod_ip = pod["status"]["podIP"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let restarts = factory::restart_count(&pod) + 1;
                set_pod_stage(
                    &mut pod,
                    StageChange {
                        stage: PodStage::CrashLoop,
                        now: Timestamp::now(),
                        host_ip: &node.internal_ip,
                        pod_ip: &pod_ip,
                        restarts,
                        rng: &mut rng,
                    },
                );
                Some(pod)
            });
    }

    /// Toggle the churn label on a few pods (ge-load ones when present, else GE pods).
    fn churn(&mut self) {
        let now = Instant::now();
        self.churn_budget += self.churn_rate * now.duration_since(self.churn_last).as_secs_f64();
        self.churn_last = now;
        let updates = self.churn_budget.floor() as usize;
        if updates == 0 {
            return;
        }
        self.churn_budget -= updates as f64;
        let has_load = self.pods.keys().any(|(ns, _)| ns == "ge-load");
        let candidates: Vec<StoreKey> = self
            .pods
            .iter()
            .filter(|(key, info)| {
                !info.terminating
                    && if has_load {
                        key.0 == "ge-load"
                    } else {
                        key.0.starts_with("ge-")
                    }
            })
            .map(|(key, _)| key.clone())
            .collect();
        if candidates.is_empty() {
            return;
        }
        for _ in 0..updates.min(1_000) {
            let index = (self.rng.next_u64() % candidates.len() as u64) as usize;
            let Some(key) = candidates.get(index) else {
                continue;
            };
            self.churn_counter += 1;
            let value = self.churn_counter.to_string();
            let probe = timestamp(Timestamp::now());
            let _ = self
                .zone
                .store
                .update(ServedKind::Pod, &key.0, &key.1, |mut pod| {
                    if !pod["metadata"]["labels"].is_object() {
                        pod["metadata"]["labels"] = json!({});
                    }
                    pod["metadata"]["labels"][CHURN_LABEL] = json!(value);
                    if let Some(conditions) = pod["status"]["conditions"].as_array_mut() {
                        for condition in conditions.iter_mut().filter(|c| c["type"] == "Ready") {
                            condition["lastProbeTime"] = json!(probe);
                        }
                    }
                    Some(pod)
                });
        }
    }

    /// Remove what a deleted owner leaves behind (the garbage collector's job).
    fn collect_children(&mut self, kind: ServedKind, key: &StoreKey, owner: &Value) {
        if kind == ServedKind::Deployment {
            let children: Vec<StoreKey> = self
                .workloads
                .get(&ServedKind::ReplicaSet)
                .into_iter()
                .flatten()
                .filter(|(child_key, child)| {
                    child_key.0 == key.0 && owner_uid_matches(child, owner)
                })
                .map(|(child_key, _)| child_key.clone())
                .collect();
            for child in children {
                let _ = self
                    .zone
                    .store
                    .delete(ServedKind::ReplicaSet, &child.0, &child.1, None);
            }
            return;
        }
        let owner_key = (kind, key.0.clone(), key.1.clone());
        let pods: Vec<String> = self
            .pods_by_owner
            .remove(&owner_key)
            .into_iter()
            .flatten()
            .collect();
        for name in pods {
            self.delete_pod_gracefully(&(key.0.clone(), name));
        }
    }

    fn collect_namespace(&mut self, namespace: &str) {
        for kind in ServedKind::ALL {
            if !kind.info().namespaced {
                continue;
            }
            let page = self
                .zone
                .store
                .list(kind, Some(namespace), None, None, &|_| true);
            for object in page.items {
                let _ = self.zone.store.delete(kind, namespace, &object.name, None);
            }
        }
    }

    fn delete_pod_gracefully(&mut self, key: &StoreKey) {
        let now = Timestamp::now();
        let _ = self
            .zone
            .store
            .update(ServedKind::Pod, &key.0, &key.1, |mut pod| {
                if factory::is_terminating(&pod) {
                    return None;
                }
                let grace = pod["spec"]["terminationGracePeriodSeconds"]
                    .as_i64()
                    .unwrap_or(30);
                let deadline = now
                    .checked_add(SignedDuration::from_secs(grace))
                    .unwrap_or(now);
                pod["metadata"]["deletionTimestamp"] = json!(timestamp(deadline));
                pod["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
                factory::mark_unready(&mut pod, now);
                Some(pod)
            });
    }

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

    fn owned_pods(&self, kind: ServedKind, key: &StoreKey) -> Vec<(String, ControlledPod)> {
        let owner = (kind, key.0.clone(), key.1.clone());
        self.pods_by_owner
            .get(&owner)
            .into_iter()
            .flatten()
            .filter_map(|name| {
                self.pods
                    .get(&(key.0.clone(), name.clone()))
                    .map(|info| (name.clone(), info.clone()))
            })
            .collect()
    }

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

    fn create_pod(
        &mut self,
        owner: &Value,
        name: &str,
        extra_labels: &[(&str, String)],
        node: Option<NodeSlot>,
    ) {
        let Some(node) = node.or_else(|| self.pick_node()) else {
            return;
        };
        let uid = self.rng.uid();
        let pod = new_pod(
            &owner["spec"]["template"],
            name,
            owner,
            extra_labels,
            &node,
            Timestamp::now(),
            &uid,
        );
        match self.zone.store.create(ServedKind::Pod, pod) {
            Ok(_) | Err(StoreError::AlreadyExists) => {}
            Err(error) => tracing::debug!(?error, "pod create failed"),
        }
    }

    fn unique_pod_name(&mut self, namespace: &str, prefix: &str) -> String {
        loop {
            let name = format!("{prefix}-{}", self.rng.name_suffix());
            if !self
                .pods
                .contains_key(&(namespace.to_string(), name.clone()))
            {
                return name;
            }
        }
    }

    fn reconcile_replica_set(&mut self, key: &StoreKey, replica_set: &Value) {
        let desired = replica_set["spec"]["replicas"].as_i64().unwrap_or(1).max(0) as usize;
        let pods = self.owned_pods(ServedKind::ReplicaSet, key);
        let mut active: Vec<&(String, ControlledPod)> =
            pods.iter().filter(|(_, p)| !p.terminating).collect();
        if active.len() < desired {
            for _ in active.len()..desired {
                let name = self.unique_pod_name(&key.0, &key.1);
                self.create_pod(replica_set, &name, &[], None);
            }
        } else if active.len() > desired {
            // Delete the least useful pods first: not ready before ready, then newest stage.
            active.sort_by_key(|(name, info)| {
                (
                    info.ready,
                    info.stage == PodStage::Ready,
                    Reverse(name.clone()),
                )
            });
            let victims: Vec<String> = active
                .iter()
                .take(active.len() - desired)
                .map(|(n, _)| n.clone())
                .collect();
            for name in victims {
                self.delete_pod_gracefully(&(key.0.clone(), name));
            }
        }
        let active: Vec<&ControlledPod> = pods
            .iter()
            .map(|(_, p)| p)
            .filter(|p| !p.terminating)
            .collect();
        let ready = active.iter().filter(|p| p.ready).count();
        let mut status = json!({
            "replicas": active.len(),
            "fullyLabeledReplicas": active.len(),
            "observedGeneration": replica_set["metadata"]["generation"].as_i64().unwrap_or(1),
        });
        if ready > 0 {
            status["readyReplicas"] = json!(ready);
            status["availableReplicas"] = json!(ready);
        }
        let terminating = pods.len() - active.len();
        if terminating > 0 {
            status["terminatingReplicas"] = json!(terminating);
        }
        if replica_set["spec"]["replicas"].as_i64().unwrap_or(1) == 0 && active.is_empty() {
            status = json!({"replicas": 0, "observedGeneration": replica_set["metadata"]["generation"].as_i64().unwrap_or(1)});
        }
        self.write_status(ServedKind::ReplicaSet, key, replica_set, status);
    }

    fn set_replica_set_replicas(
        &self,
        replica_set: &Value,
        replicas: i64,
        deployment_replicas: i64,
        surge: i64,
    ) {
        let key = key_of(replica_set);
        let _ = self.zone.store.update(ServedKind::ReplicaSet, &key.0, &key.1, |mut rs| {
            let annotations = json!({
                "deployment.kubernetes.io/desired-replicas": deployment_replicas.to_string(),
                "deployment.kubernetes.io/max-replicas": (deployment_replicas + surge).to_string(),
            });
            let same_annotations = annotations
                .as_object()
                .into_iter()
                .flatten()
                .all(|(k, v)| rs["metadata"]["annotations"][k] == *v);
            if rs["spec"]["replicas"].as_i64() == Some(replicas) && same_annotations {
                return None;
            }
            if rs["spec"]["replicas"].as_i64() != Some(replicas) {
                rs["spec"]["replicas"] = json!(replicas);
                let generation = rs["metadata"]["generation"].as_i64().unwrap_or(1);
                rs["metadata"]["generation"] = json!(generation + 1);
            }
            for (k, v) in annotations.as_object().into_iter().flatten() {
                rs["metadata"]["annotations"][k] = v.clone();
            }
            Some(rs)
        });
    }

    fn reconcile_deployment(&mut self, key: &StoreKey, deployment: &Value) {
        let now = Instant::now();
        let replicas = deployment["spec"]["replicas"].as_i64().unwrap_or(1).max(0);
        let generation = deployment["metadata"]["generation"].as_i64().unwrap_or(1);
        let paused = deployment["spec"]["paused"] == true;
        let (surge, max_unavailable) = rolling_bounds(deployment, replicas);
        let mut replica_sets: Vec<Value> = self
            .workloads
            .get(&ServedKind::ReplicaSet)
            .into_iter()
            .flatten()
            .filter(|(rs_key, rs)| rs_key.0 == key.0 && owner_uid_matches(rs, deployment))
            .map(|(_, rs)| rs.clone())
            .collect();
        replica_sets.sort_by_key(revision_of);
        let hash = template_hash(&deployment["spec"]["template"]);
        let new_index = replica_sets.iter().position(|rs| {
            rs["metadata"]["labels"]["pod-template-hash"].as_str() == Some(hash.as_str())
        });
        let max_revision = replica_sets.iter().map(revision_of).max().unwrap_or(0);
        let mut created_new = None;

        if !paused {
            let spec_total: i64 = replica_sets
                .iter()
                .map(|rs| int(&rs["spec"]["replicas"]))
                .sum();
            match new_index {
                None => {
                    let revision = max_revision + 1;
                    let initial = if replica_sets.is_empty()
                        || deployment["spec"]["strategy"]["type"] == "Recreate"
                    {
                        if replica_sets
                            .iter()
                            .all(|rs| int(&rs["spec"]["replicas"]) == 0)
                        {
                            replicas
                        } else {
                            0
                        }
                    } else {
                        (replicas + surge - spec_total).clamp(0, replicas)
                    };
                    let uid = self.rng.uid();
                    let replica_set = new_replica_set(
                        deployment,
                        &hash,
                        revision,
                        initial,
                        Timestamp::now(),
                        &uid,
                    );
                    let name = replica_set["metadata"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                    if self
                        .zone
                        .store
                        .create(ServedKind::ReplicaSet, replica_set)
                        .is_ok()
                    {
                        created_new = Some(name);
                        let _ = self.zone.store.update(
                            ServedKind::Deployment,
                            &key.0,
                            &key.1,
                            |mut d| {
                                d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
                                    json!(revision.to_string());
                                Some(d)
                            },
                        );
                    }
                }
                Some(index) => {
                    if revision_of(&replica_sets[index]) < max_revision {
                        // A rollback to an older template: that ReplicaSet becomes the newest revision.
                        let rs_key = key_of(&replica_sets[index]);
                        let revision = max_revision + 1;
                        let _ = self.zone.store.update(
                            ServedKind::ReplicaSet,
                            &rs_key.0,
                            &rs_key.1,
                            |mut rs| {
                                rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
                                    json!(revision.to_string());
                                Some(rs)
                            },
                        );
                    }
                    self.roll(
                        deployment,
                        &replica_sets,
                        index,
                        replicas,
                        surge,
                        max_unavailable,
                    );
                }
            }
        } else if let Some(index) = new_index.or_else(|| replica_sets.len().checked_sub(1)) {
            // Paused: no rollout, but the current ReplicaSet still follows spec.replicas.
            let others_empty = replica_sets
                .iter()
                .enumerate()
                .all(|(i, rs)| i == index || int(&rs["spec"]["replicas"]) == 0);
            if others_empty {
                self.set_replica_set_replicas(&replica_sets[index], replicas, replicas, surge);
            }
        }

        // Status, from the ReplicaSets as last observed.
        let new_rs = new_index.map(|i| &replica_sets[i]);
        let sum = |field: &str| -> i64 {
            replica_sets
                .iter()
                .map(|rs| int(&rs["status"][field]))
                .sum()
        };
        let status_replicas = sum("replicas");
        let updated = new_rs.map_or(0, |rs| int(&rs["status"]["replicas"]));
        let ready = sum("readyReplicas");
        let available = sum("availableReplicas");
        let spec_total: i64 = replica_sets
            .iter()
            .map(|rs| int(&rs["spec"]["replicas"]))
            .sum();
        let unavailable = (spec_total - available).max(0);
        let old_status = &deployment["status"];
        let new_rs_name = created_new
            .clone()
            .or_else(|| new_rs.and_then(|rs| rs["metadata"]["name"].as_str().map(str::to_string)))
            .unwrap_or_default();
        let complete = new_rs.is_some()
            && updated == replicas
            && status_replicas == replicas
            && available == replicas
            && int(&new_rs.map_or(Value::Null, |rs| rs["spec"]["replicas"].clone())) == replicas;
        let progressed = created_new.is_some()
            || updated > int(&old_status["updatedReplicas"])
            || ready > int(&old_status["readyReplicas"])
            || available > int(&old_status["availableReplicas"])
            || status_replicas - updated
                < int(&old_status["replicas"]) - int(&old_status["updatedReplicas"]);
        let progress = self.progress.entry(key.clone()).or_insert(Progress {
            last: now,
            generation,
        });
        if progressed || progress.generation != generation {
            *progress = Progress {
                last: now,
                generation,
            };
        }
        let since_progress = now.duration_since(progress.last);
        let deadline = deployment["spec"]["progressDeadlineSeconds"]
            .as_i64()
            .map(|s| scaled(Duration::from_secs(s.max(0) as u64), self.zone.time_scale));

        let conditions_before: Vec<Value> = old_status["conditions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let existing = |kind: &str| {
            conditions_before
                .iter()
                .find(|c| c["type"] == kind)
                .cloned()
        };
        let created_text = deployment["metadata"]["creationTimestamp"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let now_text = timestamp(Timestamp::now());
        let first = conditions_before.is_empty();
        let condition = |kind: &str,
                         status: &str,
                         reason: &str,
                         message: String,
                         touch: bool|
         -> Value {
            let old = existing(kind);
            let at = if first && complete {
                created_text.clone()
            } else {
                now_text.clone()
            };
            let same = old.as_ref().is_some_and(|o| {
                o["status"] == status && o["reason"] == reason && o["message"] == message
            });
            let transition = match &old {
                Some(o) if o["status"] == status => o["lastTransitionTime"].clone(),
                _ => json!(at),
            };
            let update = match &old {
                Some(o) if same && !touch => o["lastUpdateTime"].clone(),
                _ => json!(at),
            };
            json!({"type": kind, "status": status, "lastUpdateTime": update, "lastTransitionTime": transition,
                "reason": reason, "message": message})
        };
        let available_condition = if available >= replicas - max_unavailable {
            condition(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.".into(),
                false,
            )
        } else {
            condition(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.".into(),
                false,
            )
        };
        let previous_progressing = existing("Progressing");
        let progressing = if paused {
            condition(
                "Progressing",
                "Unknown",
                "DeploymentPaused",
                "Deployment is paused".into(),
                false,
            )
        } else if let Some(name) = &created_new {
            condition(
                "Progressing",
                "True",
                "NewReplicaSetCreated",
                format!("Created new replica set \"{name}\""),
                true,
            )
        } else if complete {
            condition(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                format!("ReplicaSet \"{new_rs_name}\" has successfully progressed."),
                false,
            )
        } else if progressed {
            condition(
                "Progressing",
                "True",
                "ReplicaSetUpdated",
                format!("ReplicaSet \"{new_rs_name}\" is progressing."),
                true,
            )
        } else if previous_progressing
            .as_ref()
            .is_some_and(|c| c["reason"] == "ProgressDeadlineExceeded")
            || deadline.is_some_and(|d| since_progress >= d)
        {
            condition(
                "Progressing",
                "False",
                "ProgressDeadlineExceeded",
                format!("ReplicaSet \"{new_rs_name}\" has timed out progressing."),
                false,
            )
        } else {
            if let Some(deadline) = deadline {
                self.schedule_once(
                    deadline.saturating_sub(since_progress),
                    Timer::Recheck(ServedKind::Deployment, key.clone()),
                );
            }
            match previous_progressing {
                Some(c)
                    if c["reason"] == "ReplicaSetUpdated"
                        || c["reason"] == "NewReplicaSetCreated" =>
                {
                    c
                }
                _ => condition(
                    "Progressing",
                    "True",
                    "ReplicaSetUpdated",
                    format!("ReplicaSet \"{new_rs_name}\" is progressing."),
                    true,
                ),
            }
        };
        if !paused
            && !complete
            && let Some(deadline) = deadline
        {
            self.schedule_once(
                deadline.saturating_sub(since_progress),
                Timer::Recheck(ServedKind::Deployment, key.clone()),
            );
        }
        let mut status = json!({
            "observedGeneration": generation,
            "replicas": status_replicas,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "conditions": [available_condition, progressing],
        });
        if unavailable > 0 {
            status["unavailableReplicas"] = json!(unavailable);
        }
        for field in [
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
        ] {
            if status[field] == 0
                && let Some(map) = status.as_object_mut()
            {
                map.remove(field);
            }
        }
        self.write_status(ServedKind::Deployment, key, deployment, status);
    }

    /// One step of a rolling (or recreate) update towards the new ReplicaSet at `new_index`.
    fn roll(
        &mut self,
        deployment: &Value,
        replica_sets: &[Value],
        new_index: usize,
        replicas: i64,
        surge: i64,
        max_unavailable: i64,
    ) {
        let new_rs = &replica_sets[new_index];
        let olds: Vec<&Value> = replica_sets
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != new_index)
            .map(|(_, rs)| rs)
            .collect();
        let spec = |rs: &Value| int(&rs["spec"]["replicas"]);
        let available = |rs: &Value| int(&rs["status"]["availableReplicas"]);
        let old_total: i64 = olds.iter().map(|rs| spec(rs)).sum();
        if deployment["spec"]["strategy"]["type"] == "Recreate" {
            for old in &olds {
                if spec(old) > 0 {
                    self.set_replica_set_replicas(old, 0, replicas, surge);
                }
            }
            let old_pods_left = olds.iter().any(|rs| {
                let key = key_of(rs);
                !self.owned_pods(ServedKind::ReplicaSet, &key).is_empty()
            });
            if !old_pods_left {
                self.set_replica_set_replicas(new_rs, replicas, replicas, surge);
            }
            return;
        }
        let mut new_spec = spec(new_rs);
        let mut total = old_total + new_spec;
        if new_spec > replicas {
            new_spec = replicas;
        } else if new_spec < replicas && total < replicas + surge {
            new_spec += (replicas + surge - total).min(replicas - new_spec);
        }
        total = old_total + new_spec;
        self.set_replica_set_replicas(new_rs, new_spec, replicas, surge);
        if old_total == 0 {
            return;
        }
        let min_available = replicas - max_unavailable;
        let new_unavailable = (spec(new_rs) - available(new_rs)).max(0);
        let max_scaled_down = total - min_available - new_unavailable;
        if max_scaled_down <= 0 {
            return;
        }
        let mut old_specs: Vec<i64> = olds.iter().map(|rs| spec(rs)).collect();
        // First drop old replicas that are not available anyway.
        let mut cleaned = 0;
        for (index, old) in olds.iter().enumerate() {
            let unhealthy = (old_specs[index] - available(old)).max(0);
            let cut = unhealthy.min(max_scaled_down - cleaned);
            old_specs[index] -= cut;
            cleaned += cut;
        }
        // Then scale down available old replicas while keeping minAvailable.
        let all_available: i64 = replica_sets.iter().map(available).sum();
        let mut allowed = (all_available - min_available)
            .max(0)
            .min(max_scaled_down - cleaned);
        for (index, _) in olds.iter().enumerate() {
            let cut = old_specs[index].min(allowed);
            old_specs[index] -= cut;
            allowed -= cut;
        }
        for (index, old) in olds.iter().enumerate() {
            if old_specs[index] != spec(old) {
                self.set_replica_set_replicas(old, old_specs[index], replicas, surge);
            }
        }
    }

    fn reconcile_stateful_set(&mut self, key: &StoreKey, statefulset: &Value) {
        let replicas = statefulset["spec"]["replicas"].as_i64().unwrap_or(1).max(0);
        let generation = statefulset["metadata"]["generation"].as_i64().unwrap_or(1);
        let update_revision = format!(
            "{}-{}",
            key.1,
            template_hash(&statefulset["spec"]["template"])
        );
        let current_revision = statefulset["status"]["currentRevision"]
            .as_str()
            .map_or_else(|| update_revision.clone(), str::to_string);
        let pods = self.owned_pods(ServedKind::StatefulSet, key);
        let by_ordinal: BTreeMap<i64, &ControlledPod> = pods
            .iter()
            .filter_map(|(name, info)| {
                name.rsplit_once('-')
                    .and_then(|(_, o)| o.parse::<i64>().ok())
                    .map(|o| (o, info))
            })
            .collect();
        let all_settled = by_ordinal.values().all(|p| p.ready && !p.terminating);
        // OrderedReady creation: the lowest missing ordinal, once all before it are ready.
        let mut acted = false;
        for ordinal in 0..replicas {
            match by_ordinal.get(&ordinal) {
                None => {
                    let name = format!("{}-{ordinal}", key.1);
                    let labels = [
                        ("controller-revision-hash", update_revision.clone()),
                        ("statefulset.kubernetes.io/pod-name", name.clone()),
                        ("apps.kubernetes.io/pod-index", ordinal.to_string()),
                    ];
                    self.create_pod(statefulset, &name, &labels, None);
                    acted = true;
                    break;
                }
                Some(info) if !info.ready || info.terminating => {
                    acted = true;
                    break;
                }
                Some(_) => {}
            }
        }
        if !acted && all_settled {
            // Scale down from the highest ordinal, then roll from the highest ordinal.
            if let Some((ordinal, _)) = by_ordinal.iter().rev().find(|(o, _)| **o >= replicas) {
                self.delete_pod_gracefully(&(key.0.clone(), format!("{}-{ordinal}", key.1)));
            } else if let Some((ordinal, _)) = by_ordinal
                .iter()
                .rev()
                .find(|(_, p)| p.revision != update_revision)
            {
                self.delete_pod_gracefully(&(key.0.clone(), format!("{}-{ordinal}", key.1)));
            }
        }
        let active: Vec<&ControlledPod> = pods
            .iter()
            .map(|(_, p)| p)
            .filter(|p| !p.terminating)
            .collect();
        let ready = active.iter().filter(|p| p.ready).count() as i64;
        let updated = active
            .iter()
            .filter(|p| p.revision == update_revision)
            .count() as i64;
        let current = active
            .iter()
            .filter(|p| p.revision == current_revision)
            .count() as i64;
        let done = updated == replicas && ready == replicas && active.len() as i64 == replicas;
        let (current_revision, current) = if done {
            (update_revision.clone(), updated)
        } else {
            (current_revision, current)
        };
        let mut status = json!({
            "observedGeneration": generation,
            "replicas": active.len(),
            "readyReplicas": ready,
            "currentReplicas": current,
            "updatedReplicas": updated,
            "availableReplicas": ready,
            "currentRevision": current_revision,
            "updateRevision": update_revision,
            "collisionCount": 0,
        });
        if ready == 0
            && let Some(map) = status.as_object_mut()
        {
            map.remove("readyReplicas");
        }
        self.write_status(ServedKind::StatefulSet, key, statefulset, status);
    }

    fn reconcile_daemon_set(&mut self, key: &StoreKey, daemonset: &Value) {
        let generation = daemonset["metadata"]["generation"].as_i64().unwrap_or(1);
        let hash = template_hash(&daemonset["spec"]["template"]);
        let nodes = self.zone.profile.nodes.clone();
        let desired = nodes.len() as i64;
        let max_unavailable = {
            let value = &daemonset["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"];
            let value = if value.is_null() {
                json!(1)
            } else {
                value.clone()
            };
            resolve_int_or_percent(&value, desired, false).max(1)
        };
        let pods = self.owned_pods(ServedKind::DaemonSet, key);
        for node in &nodes {
            let on_node = pods
                .iter()
                .any(|(_, p)| p.node.as_deref() == Some(node.name.as_str()));
            if !on_node {
                let name = self.unique_pod_name(&key.0, &key.1);
                let labels = [
                    ("controller-revision-hash", hash.clone()),
                    ("pod-template-generation", generation.to_string()),
                ];
                self.create_pod(daemonset, &name, &labels, Some(node.clone()));
            }
        }
        let active: Vec<&(String, ControlledPod)> =
            pods.iter().filter(|(_, p)| !p.terminating).collect();
        let ready = active.iter().filter(|(_, p)| p.ready).count() as i64;
        // Outdated pods that are not ready cost no availability: replace them right away.
        let broken: Vec<String> = active
            .iter()
            .filter(|(_, p)| p.revision != hash && !p.ready)
            .map(|(name, _)| name.clone())
            .collect();
        for name in broken {
            self.delete_pod_gracefully(&(key.0.clone(), name));
        }
        let unavailable_nodes = desired - ready;
        if unavailable_nodes < max_unavailable {
            let outdated: Vec<String> = active
                .iter()
                .filter(|(_, p)| p.revision != hash && p.ready)
                .take((max_unavailable - unavailable_nodes) as usize)
                .map(|(name, _)| name.clone())
                .collect();
            for name in outdated {
                self.delete_pod_gracefully(&(key.0.clone(), name));
            }
        }
        let scheduled = nodes
            .iter()
            .filter(|n| {
                active
                    .iter()
                    .any(|(_, p)| p.node.as_deref() == Some(n.name.as_str()))
            })
            .count() as i64;
        let updated = active.iter().filter(|(_, p)| p.revision == hash).count() as i64;
        let mut status = json!({
            "currentNumberScheduled": scheduled,
            "desiredNumberScheduled": desired,
            "numberMisscheduled": 0,
            "numberReady": ready,
            "numberAvailable": ready,
            "updatedNumberScheduled": updated,
            "observedGeneration": generation,
        });
        if desired - ready > 0 {
            status["numberUnavailable"] = json!(desired - ready);
        }
        self.write_status(ServedKind::DaemonSet, key, daemonset, status);
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
