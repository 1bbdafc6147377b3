//! The events a fresh demo shows for its recent past, as the cluster would have recorded
//! them: each recent Deployment rollout (scaling, pods created and deleted, scheduling, pulls,
//! containers started and stopped), a crash-looping pod's restarts and back-off, and a pod
//! stuck on an image it cannot pull. Each is stored as last written when it was last seen, so
//! older ones never appear and the rest age out on time. Legacy reporters write
//! `firstTimestamp`/`lastTimestamp`/`count`; the scheduler writes `eventTime` (and a series
//! when it repeats), so consumers meet both shapes.

use std::collections::HashSet;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::build::ZoneBuilder;
use crate::demo::event::{EventSpec, Reporter, event_name, messages, object_reference};
use crate::demo::factory::{Behaviour, parse_timestamp};
use crate::demo::resources::ServedKind;

/// Rollouts older than this (seconds) leave no events worth generating (the default TTL is
/// an hour).
const RECENT: i64 = 2 * 3600;

/// Seconds between the pods of a seeded rolling update.
const ROLL_STEP: i64 = 25;

/// When a seeded event was first and last seen, and how many times.
#[derive(Debug, Clone, Copy)]
struct Seen {
    first: Timestamp,
    last: Timestamp,
    count: i64,
}

impl Seen {
    /// Seen once, at `at`.
    fn once(at: Timestamp) -> Seen {
        Seen {
            first: at,
            last: at,
            count: 1,
        }
    }
}

/// A Deployment's current and previous ReplicaSet, as seeded.
struct Revisions {
    /// The ReplicaSet of the current template.
    current: Value,
    /// The one before it, if any.
    previous: Option<Value>,
}

/// `at` plus `seconds`.
fn after(at: Timestamp, seconds: i64) -> Timestamp {
    at.checked_add(SignedDuration::from_secs(seconds))
        .unwrap_or(at)
}

/// An object's creation time.
fn created(object: &Value) -> Option<Timestamp> {
    object["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(parse_timestamp)
}

/// A text field.
fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// A pod's first container as (name, image).
fn first_container(pod: &Value) -> (String, String) {
    let container = &pod["spec"]["containers"][0];
    (
        text(&container["name"]).to_string(),
        text(&container["image"]).to_string(),
    )
}

impl ZoneBuilder<'_> {
    /// Seed the recent events of every Deployment rollout and every troubled pod.
    pub(super) fn events(&mut self) {
        let deployments = self
            .store
            .list(ServedKind::Deployment, None, None, None, &|_| true)
            .items;
        for deployment in deployments {
            let deployment = deployment.to_value();
            if let Some(revisions) = self.revisions(&deployment) {
                self.rollout(&deployment, &revisions);
            }
        }
        for pod in self.troubled_pods() {
            match self.profile.pod_behaviour(&pod) {
                Behaviour::CrashLoop => self.crash_loop(&pod),
                Behaviour::StuckCreating => self.failing_pull(&pod),
                Behaviour::Healthy => {}
            }
        }
    }

    /// Store one event as it was last seen (skipped if aged out since).
    fn seed_event(&mut self, spec: &EventSpec, seen: Seen) {
        let Seen { first, last, count } = seen;
        let jitter = SignedDuration::from_nanos((self.rng.next_u64() % 1_000_000_000) as i64);
        let named_at = first.checked_add(jitter).unwrap_or(first);
        let name = event_name(text(&spec.regarding["name"]), named_at);
        let shown_first = if spec.reporter.is_structured() {
            named_at
        } else {
            first
        };
        let mut object = spec.to_object(&name, shown_first, last, count);
        object["metadata"]["uid"] = json!(self.rng.uid());
        let ago = (self.now - last).get_seconds().max(0);
        self.store.seed_written(
            ServedKind::Event,
            object,
            Duration::from_secs(ago.unsigned_abs()),
        );
    }

    /// One occurrence of an event about `object`.
    fn seed_once(
        &mut self,
        object: &Value,
        container: Option<&str>,
        reporter: Reporter,
        (reason, message): (&'static str, String),
        at: Timestamp,
    ) {
        let field_path = container.map(|name| format!("spec.containers{{{name}}}"));
        let spec = EventSpec {
            reporter,
            regarding: object_reference(object, field_path.as_deref()),
            warning: false,
            reason,
            message,
            action: "",
        };
        self.seed_event(&spec, Seen::once(at));
    }

    /// A kubelet event about a container of `pod`.
    fn seed_kubelet(
        &mut self,
        pod: &Value,
        warning: bool,
        reason: &'static str,
        message: String,
        seen: Seen,
    ) {
        let (container, _) = first_container(pod);
        let spec = EventSpec {
            reporter: Reporter::Kubelet(text(&pod["spec"]["nodeName"]).to_string()),
            regarding: object_reference(pod, Some(&format!("spec.containers{{{container}}}"))),
            warning,
            reason,
            message,
            action: "",
        };
        self.seed_event(&spec, seen);
    }

    /// The scheduler binding `pod` to its node at `at`.
    fn seed_scheduled(&mut self, pod: &Value, at: Timestamp) {
        let spec = EventSpec {
            reporter: Reporter::Scheduler(self.profile.scheduler_host.clone()),
            regarding: object_reference(pod, None),
            warning: false,
            reason: "Scheduled",
            message: messages::assigned(pod, text(&pod["spec"]["nodeName"])),
            action: "Binding",
        };
        self.seed_event(&spec, Seen::once(at));
    }

    /// A Deployment's current and previous ReplicaSet, when the current one is recent.
    fn revisions(&self, deployment: &Value) -> Option<Revisions> {
        let uid = deployment["metadata"]["uid"].clone();
        let namespace = text(&deployment["metadata"]["namespace"]);
        let mut owned: Vec<Value> = self
            .store
            .list(ServedKind::ReplicaSet, Some(namespace), None, None, &|_| {
                true
            })
            .items
            .iter()
            .map(|rs| rs.to_value())
            .filter(|rs| rs["metadata"]["ownerReferences"][0]["uid"] == uid)
            .collect();
        let revision = |rs: &Value| {
            text(&rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
                .parse::<i64>()
                .unwrap_or(0)
        };
        owned.sort_by_key(|rs| std::cmp::Reverse(revision(rs)));
        let mut owned = owned.into_iter();
        let current = owned.next()?;
        if (self.now - created(&current)?).get_seconds() > RECENT {
            return None;
        }
        Some(Revisions {
            current,
            previous: owned.next(),
        })
    }

    /// A Deployment's pods of the ReplicaSet with `hash`, by name.
    fn pods_of(&self, namespace: &str, hash: &str) -> Vec<Value> {
        self.store
            .list(ServedKind::Pod, Some(namespace), None, None, &|pod| {
                pod.label("pod-template-hash") == Some(hash)
            })
            .items
            .iter()
            .map(|pod| pod.to_value())
            .collect()
    }

    /// A rolling update one pod at a time: the new ReplicaSet scaled up, its pod created,
    /// scheduled, pulled and started, then one old pod scaled down, deleted and stopped. A
    /// troubled new pod stops the rollout (its own events tell the rest).
    fn rollout(&mut self, deployment: &Value, revisions: &Revisions) {
        let Some(start) = created(&revisions.current) else {
            return;
        };
        let namespace = text(&deployment["metadata"]["namespace"]).to_string();
        let current_name = text(&revisions.current["metadata"]["name"]).to_string();
        let hash = text(&revisions.current["metadata"]["labels"]["pod-template-hash"]);
        let pods = self.pods_of(&namespace, hash);
        let mut old_left = pods.len() as i64;
        let mut pulled: HashSet<String> = HashSet::new();
        let controller = |name: &'static str| Reporter::Controller(name);
        for (index, pod) in pods.iter().enumerate() {
            let at = after(start, index as i64 * ROLL_STEP);
            let pod_name = text(&pod["metadata"]["name"]).to_string();
            let step = index as i64;
            let scaled = messages::scaled(&current_name, step, step + 1);
            let reporter = controller("deployment-controller");
            self.seed_once(
                deployment,
                None,
                reporter,
                ("ScalingReplicaSet", scaled),
                at,
            );
            if let Some((component, message)) =
                messages::pod_change(&revisions.current, &pod_name, true)
            {
                let reporter = controller(component);
                let event = ("SuccessfulCreate", message);
                self.seed_once(&revisions.current, None, reporter, event, at);
            }
            self.seed_scheduled(pod, at);
            if self.profile.pod_behaviour(pod) != Behaviour::Healthy {
                return;
            }
            let (container, image) = first_container(pod);
            let node = text(&pod["spec"]["nodeName"]).to_string();
            let mut ready_at = after(at, 2);
            if pulled.insert(node) {
                let pulling = messages::pulling(&image);
                self.seed_kubelet(pod, false, "Pulling", pulling, Seen::once(after(at, 1)));
                ready_at = after(at, 1 + messages::pull_seconds(&image));
                let done = messages::pulled(&image);
                self.seed_kubelet(pod, false, "Pulled", done, Seen::once(ready_at));
            } else {
                let present = messages::already_present(&image);
                self.seed_kubelet(pod, false, "Pulled", present, Seen::once(ready_at));
            }
            let created_message = messages::created(&container);
            self.seed_kubelet(pod, false, "Created", created_message, Seen::once(ready_at));
            let started = messages::started(&container);
            self.seed_kubelet(pod, false, "Started", started, Seen::once(ready_at));
            if let Some(previous) = &revisions.previous {
                self.scale_down_one(deployment, previous, old_left, after(ready_at, 10));
                old_left -= 1;
            }
        }
    }

    /// The old ReplicaSet of a rollout loses one (made-up, since gone) pod at `at`.
    fn scale_down_one(&mut self, deployment: &Value, previous: &Value, from: i64, at: Timestamp) {
        let namespace = text(&previous["metadata"]["namespace"]).to_string();
        let previous_name = text(&previous["metadata"]["name"]).to_string();
        let pod_name = format!("{previous_name}-{}", self.rng.name_suffix());
        let node = self
            .profile
            .nodes
            .get((self.rng.next_u64() % self.profile.nodes.len().max(1) as u64) as usize)
            .map(|n| n.name.clone())
            .unwrap_or_default();
        let (container, _) = first_container(&previous["spec"]["template"]);
        let old_pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": pod_name, "namespace": namespace, "uid": self.rng.uid()},
            "spec": {"nodeName": node, "containers": [{"name": container}]}});
        let scaled = messages::scaled(&previous_name, from, from - 1);
        let reporter = Reporter::Controller("deployment-controller");
        self.seed_once(
            deployment,
            None,
            reporter,
            ("ScalingReplicaSet", scaled),
            at,
        );
        if let Some((component, message)) = messages::pod_change(previous, &pod_name, false) {
            let reporter = Reporter::Controller(component);
            self.seed_once(previous, None, reporter, ("SuccessfulDelete", message), at);
        }
        let stopping = messages::stopping(&container);
        self.seed_kubelet(&old_pod, false, "Killing", stopping, Seen::once(at));
    }

    /// The pods of workloads whose image misbehaves in this zone.
    fn troubled_pods(&self) -> Vec<Value> {
        let mut pods = Vec::new();
        for kind in [
            ServedKind::Deployment,
            ServedKind::StatefulSet,
            ServedKind::DaemonSet,
        ] {
            for workload in self.store.list(kind, None, None, None, &|_| true).items {
                let workload = workload.to_value();
                let template = json!({"spec": workload["spec"]["template"]["spec"]});
                if self.profile.pod_behaviour(&template) == Behaviour::Healthy {
                    continue;
                }
                let labels = workload["spec"]["selector"]["matchLabels"].clone();
                let namespace = text(&workload["metadata"]["namespace"]);
                let selected = |pod: &crate::demo::store::StoredObject| {
                    labels
                        .as_object()
                        .into_iter()
                        .flatten()
                        .all(|(key, value)| pod.label(key) == value.as_str())
                };
                let page = self
                    .store
                    .list(ServedKind::Pod, Some(namespace), None, None, &selected);
                pods.extend(page.items.iter().map(|pod| pod.to_value()));
            }
        }
        pods
    }

    /// A crash-looping pod since its start: pulled and started once, then restarted
    /// `restartCount` times, backing off in between until now.
    fn crash_loop(&mut self, pod: &Value) {
        let Some(start) = created(pod) else {
            return;
        };
        let (container, image) = first_container(pod);
        let restarts = pod["status"]["containerStatuses"][0]["restartCount"]
            .as_i64()
            .unwrap_or(0);
        let last_restart = after(self.now, -40);
        self.seed_scheduled(pod, start);
        let pulling = messages::pulling(&image);
        self.seed_kubelet(pod, false, "Pulling", pulling, Seen::once(after(start, 1)));
        let first_start = after(start, 1 + messages::pull_seconds(&image));
        let done = messages::pulled(&image);
        self.seed_kubelet(pod, false, "Pulled", done, Seen::once(first_start));
        let runs = restarts + 1;
        let created_message = messages::created(&container);
        self.seed_kubelet(
            pod,
            false,
            "Created",
            created_message,
            Seen {
                first: first_start,
                last: last_restart,
                count: runs,
            },
        );
        let started = messages::started(&container);
        self.seed_kubelet(
            pod,
            false,
            "Started",
            started,
            Seen {
                first: first_start,
                last: last_restart,
                count: runs,
            },
        );
        if restarts > 0 {
            let present = messages::already_present(&image);
            let first_restart = after(first_start, 12);
            self.seed_kubelet(
                pod,
                false,
                "Pulled",
                present,
                Seen {
                    first: first_restart,
                    last: last_restart,
                    count: restarts,
                },
            );
        }
        let age = (self.now - first_start).get_seconds().max(0);
        let backoffs = (age / 12).max(restarts * 4).max(1);
        let message = messages::crash_back_off(pod, &container);
        let last_backoff = after(self.now, -3);
        self.seed_kubelet(
            pod,
            true,
            "BackOff",
            message,
            Seen {
                first: after(first_start, 10),
                last: last_backoff,
                count: backoffs,
            },
        );
    }

    /// A pod whose image cannot be pulled: an attempt every five minutes since its start, each
    /// failing, and back-off reports in between until now.
    fn failing_pull(&mut self, pod: &Value) {
        let Some(start) = created(pod) else {
            return;
        };
        let (_, image) = first_container(pod);
        let age = (self.now - start).get_seconds().max(0);
        let attempts = age / 300 + 1;
        let first = after(start, 1);
        let last_attempt = after(first, (attempts - 1) * 300).min(after(self.now, -30));
        self.seed_scheduled(pod, start);
        for (warning, reason, message) in [
            (false, "Pulling", messages::pulling(&image)),
            (true, "Failed", messages::pull_failed(&image)),
            (true, "Failed", messages::ERR_IMAGE_PULL.to_string()),
        ] {
            self.seed_kubelet(
                pod,
                warning,
                reason,
                message,
                Seen {
                    first,
                    last: last_attempt,
                    count: attempts,
                },
            );
        }
        let backoffs = (age / 15).max(1);
        let last_backoff = after(self.now, -5);
        for (warning, reason, message) in [
            (false, "BackOff", messages::back_off_pulling(&image)),
            (true, "Failed", messages::IMAGE_PULL_BACK_OFF.to_string()),
        ] {
            self.seed_kubelet(
                pod,
                warning,
                reason,
                message,
                Seen {
                    first: after(first, 15),
                    last: last_backoff,
                    count: backoffs,
                },
            );
        }
    }
}
