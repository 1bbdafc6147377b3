//! What the simulated kubelets report as events: image pulls (an image already on the node is
//! not pulled again; an image the zone cannot pull fails and backs off, over and over),
//! containers created and started, crash-loop back-off, and containers stopped when their pod
//! is deleted. Messages are the kubelet's own.

use serde_json::Value;

use super::kubelet::PULL_BACKOFF;
use super::timers::Timer;
use super::{Controller, scaled};
use crate::demo::event::Reporter;
use crate::demo::event::messages;
use crate::demo::factory::{Behaviour, PodStage};
use crate::demo::resources::ServedKind;
use crate::demo::store::{StoreKey, StoredObject};

/// A pod's containers as (name, image).
fn containers(pod: &Value) -> Vec<(String, String)> {
    pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let text = |field: &str| c[field].as_str().unwrap_or_default().to_string();
            (text("name"), text("image"))
        })
        .collect()
}

/// The node a pod is bound to.
fn node_of(pod: &Value) -> Option<String> {
    pod["spec"]["nodeName"].as_str().map(str::to_string)
}

impl Controller {
    /// Whether `node` has `image` already.
    fn image_present(&self, node: &str, image: &str) -> bool {
        self.node_images
            .get(node)
            .is_some_and(|images| images.contains(image))
    }

    /// One kubelet event about a container of `pod`.
    fn kubelet_event(
        &mut self,
        pod: &Value,
        container: &str,
        warning: bool,
        reason: &'static str,
        message: String,
    ) {
        let Some(node) = node_of(pod) else {
            return;
        };
        self.record_about(
            pod,
            Some(container),
            Reporter::Kubelet(node),
            warning,
            reason,
            message,
        );
    }

    /// A pull attempt of an image the node cannot get.
    fn record_pull_failure(&mut self, pod: &Value, container: &str, image: &str) {
        self.kubelet_event(pod, container, false, "Pulling", messages::pulling(image));
        self.kubelet_event(pod, container, true, "Failed", messages::pull_failed(image));
        let error = messages::ERR_IMAGE_PULL.to_string();
        self.kubelet_event(pod, container, true, "Failed", error);
    }

    /// What the kubelet reports as a pod moves from one stage to the next.
    pub(super) fn record_stage_change(&mut self, pod: &Value, from: PodStage, to: PodStage) {
        let Some(node) = node_of(pod) else {
            return;
        };
        for (name, image) in containers(pod) {
            match (from, to) {
                (PodStage::Pending, PodStage::ContainerCreating) => {
                    if self.zone.profile.behaviour(&image) == Behaviour::StuckCreating {
                        self.record_pull_failure(pod, &name, &image);
                    } else if self.image_present(&node, &image) {
                        let message = messages::already_present(&image);
                        self.kubelet_event(pod, &name, false, "Pulled", message);
                    } else {
                        let message = messages::pulling(&image);
                        self.kubelet_event(pod, &name, false, "Pulling", message);
                    }
                }
                (PodStage::ContainerCreating, PodStage::Starting) => {
                    if !self.image_present(&node, &image) {
                        let message = messages::pulled(&image);
                        self.kubelet_event(pod, &name, false, "Pulled", message);
                        self.node_images
                            .entry(node.clone())
                            .or_default()
                            .insert(image.clone());
                    }
                    self.kubelet_event(pod, &name, false, "Created", messages::created(&name));
                    self.kubelet_event(pod, &name, false, "Started", messages::started(&name));
                }
                (PodStage::Starting, PodStage::CrashLoop) => {
                    let message = messages::crash_back_off(pod, &name);
                    self.kubelet_event(pod, &name, true, "BackOff", message);
                }
                _ => {}
            }
        }
    }

    /// A crash-looping container started once more, crashed and backs off again.
    pub(super) fn record_restart(&mut self, pod: &Value) {
        for (name, image) in containers(pod) {
            let present = messages::already_present(&image);
            self.kubelet_event(pod, &name, false, "Pulled", present);
            self.kubelet_event(pod, &name, false, "Created", messages::created(&name));
            self.kubelet_event(pod, &name, false, "Started", messages::started(&name));
            let message = messages::crash_back_off(pod, &name);
            self.kubelet_event(pod, &name, true, "BackOff", message);
        }
    }

    /// A pod's deletion began: its kubelet stops every container.
    pub(super) fn record_killing(&mut self, object: &StoredObject) {
        let pod = object.to_value();
        for (name, _) in containers(&pod) {
            self.kubelet_event(&pod, &name, false, "Killing", messages::stopping(&name));
        }
    }

    /// The kubelet's periodic report on a pod whose image it cannot pull: mostly back-off,
    /// now and then another failed attempt.
    pub(super) fn pull_backoff(&mut self, key: &StoreKey) {
        let stuck = self.pods.get(key).is_some_and(|info| {
            !info.terminating
                && info.stage == PodStage::ContainerCreating
                && info.behaviour == Behaviour::StuckCreating
        });
        let Some(stored) = self.zone.store.get(ServedKind::Pod, &key.0, &key.1) else {
            return;
        };
        if !stuck {
            return;
        }
        let pod = stored.to_value();
        let retry = self.rng.next_u64().is_multiple_of(4);
        for (name, image) in containers(&pod) {
            if self.zone.profile.behaviour(&image) != Behaviour::StuckCreating {
                continue;
            }
            if retry {
                self.record_pull_failure(&pod, &name, &image);
            } else {
                let backoff = messages::back_off_pulling(&image);
                self.kubelet_event(&pod, &name, false, "BackOff", backoff);
                let failed = messages::IMAGE_PULL_BACK_OFF.to_string();
                self.kubelet_event(&pod, &name, true, "Failed", failed);
            }
        }
        self.schedule_once(
            scaled(PULL_BACKOFF, self.zone.time_scale),
            Timer::PullBackOff(key.clone()),
        );
    }
}
