//! The simulated scheduler and kubelets: pods step Pending → ContainerCreating → Running →
//! Ready on timers scaled by the zone's `time_scale`, crash-looping containers restart, and
//! terminating pods are removed once their time is up.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::json;

use super::pods::ControlledPod;
use super::timers::Timer;
use super::{Controller, scaled};
use crate::demo::factory::{
    self, Behaviour, NodeSlot, PodStage, StageChange, set_pod_stage, timestamp,
};
use crate::demo::resources::ServedKind;
use crate::demo::store::StoreKey;

/// Base delay of one pod lifecycle step (Pending → ContainerCreating → Running → Ready).
const STEP: Duration = Duration::from_millis(1_000);
/// Time a terminating pod lingers before it is removed.
const TERMINATION: Duration = Duration::from_millis(1_500);
/// Time between restarts of a crash-looping container.
const CRASH_INTERVAL: Duration = Duration::from_secs(20);
/// Time between the kubelet's reports on an image it cannot pull.
pub(super) const PULL_BACKOFF: Duration = Duration::from_secs(15);

impl Controller {
    /// Schedule what happens next to a pod, given its stage and behaviour (at most one pending
    /// timer of each type per pod).
    pub(super) fn schedule_next_step(&mut self, key: &StoreKey, info: &ControlledPod) {
        let time_scale = self.zone.time_scale;
        if info.terminating {
            self.schedule_once(
                scaled(TERMINATION, time_scale),
                Timer::FinishDeletion(key.clone()),
            );
        } else {
            match (info.stage, info.behaviour) {
                (PodStage::ContainerCreating, Behaviour::StuckCreating) => {
                    self.schedule_once(
                        scaled(PULL_BACKOFF, time_scale),
                        Timer::PullBackOff(key.clone()),
                    );
                }
                (PodStage::Ready | PodStage::Succeeded, _) => {}
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
    }

    /// The zone's node called `name`.
    fn node(&self, name: &str) -> Option<NodeSlot> {
        self.zone
            .profile
            .nodes
            .iter()
            .find(|n| n.name == name)
            .cloned()
    }

    /// A node at random.
    pub(super) fn pick_node(&mut self) -> Option<NodeSlot> {
        let nodes = &self.zone.profile.nodes;
        if nodes.is_empty() {
            return None;
        }
        let index = (self.rng.next_u64() % nodes.len() as u64) as usize;
        nodes.get(index).cloned()
    }

    /// Move a pod one lifecycle step on, as scheduler and kubelet would.
    pub(super) fn advance_pod(&mut self, key: &StoreKey) {
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
        let updated = self.zone.store.update(ServedKind::Pod, &key.0, &key.1, |mut pod| {
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
            let next = next_stage(info.stage, info.behaviour)?;
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
        let Ok(Some(stored)) = updated else {
            return;
        };
        let pod = stored.to_value();
        match (&info.node, next_stage(info.stage, info.behaviour)) {
            (None, _) => {
                let node = pod["spec"]["nodeName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                self.record_scheduled(&pod, &node);
            }
            (Some(_), Some(next)) => self.record_stage_change(&pod, info.stage, next),
            (Some(_), None) => {}
        }
    }

    /// Restart a crash-looping pod's container once more (one more restart counted).
    pub(super) fn crash_again(&mut self, key: &StoreKey) {
        let Some(info) = self.pods.get(key) else {
            return;
        };
        if info.terminating || info.stage != PodStage::CrashLoop {
            return;
        }
        let node = info.node.as_deref().and_then(|n| self.node(n));
        let mut rng = self.rng.clone();
        self.rng.next_u64();
        let updated = self
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
        if let Ok(Some(stored)) = updated {
            self.record_restart(&stored.to_value());
        }
    }
}

/// The stage a pod steps to from `stage`, given how its images behave (None: it stays).
fn next_stage(stage: PodStage, behaviour: Behaviour) -> Option<PodStage> {
    match (stage, behaviour) {
        (PodStage::Pending, _) => Some(PodStage::ContainerCreating),
        (PodStage::ContainerCreating, Behaviour::StuckCreating) => None,
        (PodStage::ContainerCreating, _) => Some(PodStage::Starting),
        (PodStage::Starting, Behaviour::CrashLoop) => Some(PodStage::CrashLoop),
        (PodStage::Starting, _) => Some(PodStage::Ready),
        _ => None,
    }
}
