//! The event recorder the simulated components share: a new occurrence becomes an Event
//! object, a repeat of one it remembers updates that object's count (legacy) or series
//! (events.k8s.io) and last-seen time, as client-go's correlator does. A repeat whose event
//! has aged out is written again under the same name with the count carried on. What it
//! remembers is bounded, like the real recorder's LRU cache.

use std::collections::{HashMap, VecDeque};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::Controller;
use crate::demo::event::{
    EventSpec, Reporter, event_name, messages, object_reference, stored_aggregation,
};
use crate::demo::factory::timestamp;
use crate::demo::resources::ServedKind;
use crate::demo::store::StoreError;

/// How many distinct events the recorder remembers (client-go's cache holds 4096).
const REMEMBERED: usize = 4_096;

/// An event the recorder wrote (or found), to aggregate repeats into.
#[derive(Debug, Clone)]
struct Recorded {
    /// Namespace of the Event object.
    namespace: String,
    /// Name of the Event object.
    name: String,
    /// When it was first seen.
    first: Timestamp,
    /// How many times it was seen.
    count: i64,
}

/// The aggregation cache: events by key, oldest remembered first.
#[derive(Debug, Default)]
pub(super) struct Recorder {
    seen: HashMap<String, Recorded>,
    order: VecDeque<String>,
}

impl Recorder {
    /// Remember an event already in the store (seeded ones), so its repeats aggregate into it.
    pub(super) fn remember_stored(&mut self, event: &Value) {
        let Some((key, first, count)) = stored_aggregation(event) else {
            return;
        };
        let metadata = &event["metadata"];
        let recorded = Recorded {
            namespace: metadata["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            name: metadata["name"].as_str().unwrap_or_default().to_string(),
            first,
            count,
        };
        self.remember(key, recorded);
    }

    fn remember(&mut self, key: String, recorded: Recorded) {
        if self.seen.insert(key.clone(), recorded).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > REMEMBERED {
            if let Some(oldest) = self.order.pop_front() {
                self.seen.remove(&oldest);
            }
        }
    }
}

impl Controller {
    /// Record an occurrence now: a new Event, or one more of a remembered one.
    pub(super) fn record(&mut self, spec: EventSpec) {
        let now = Timestamp::now();
        let key = spec.aggregation_key();
        let Some(mut recorded) = self.recorder.seen.get(&key).cloned() else {
            self.record_new(spec, key, now);
            return;
        };
        recorded.count += 1;
        let object = spec.to_object(&recorded.name, recorded.first, now, recorded.count);
        let updated = self.zone.store.update(
            ServedKind::Event,
            &recorded.namespace,
            &recorded.name,
            |current| {
                // As the correlator's patch: counts, times and message; the same object.
                let mut next = object.clone();
                next["metadata"] = current["metadata"].clone();
                next["involvedObject"] = current["involvedObject"].clone();
                Some(next)
            },
        );
        if let Err(StoreError::NotFound) = updated {
            // Aged out since: written again under its name, the count carried on.
            let mut object = object;
            object["metadata"]["uid"] = json!(self.rng.uid());
            object["metadata"]["creationTimestamp"] = json!(timestamp(now));
            if self.zone.store.create(ServedKind::Event, object).is_err() {
                return;
            }
        }
        self.recorder.seen.insert(key, recorded);
    }

    /// Write a first occurrence under a fresh `<object>.<hex nanoseconds>` name.
    fn record_new(&mut self, spec: EventSpec, key: String, now: Timestamp) {
        let object_name = spec.regarding["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        for attempt in 0..8 {
            let at = now
                .checked_add(SignedDuration::from_nanos(attempt))
                .unwrap_or(now);
            let name = event_name(&object_name, at);
            let mut object = spec.to_object(&name, now, now, 1);
            object["metadata"]["uid"] = json!(self.rng.uid());
            match self.zone.store.create(ServedKind::Event, object) {
                Ok(_) => {
                    let recorded = Recorded {
                        namespace: spec.namespace(),
                        name,
                        first: now,
                        count: 1,
                    };
                    self.recorder.remember(key, recorded);
                    return;
                }
                Err(StoreError::AlreadyExists) => continue,
                Err(_) => return,
            }
        }
    }

    /// Record an occurrence about `object` (a container of it when `container` is given).
    pub(super) fn record_about(
        &mut self,
        object: &Value,
        container: Option<&str>,
        reporter: Reporter,
        warning: bool,
        reason: &'static str,
        message: String,
    ) {
        let field_path = container.map(|name| format!("spec.containers{{{name}}}"));
        self.record(EventSpec {
            reporter,
            regarding: object_reference(object, field_path.as_deref()),
            warning,
            reason,
            message,
            action: "",
        });
    }

    /// The controller-manager's event for a pod a workload created or deleted.
    pub(super) fn record_pod_change(&mut self, owner: &Value, pod: &str, created: bool) {
        let Some((controller, message)) = messages::pod_change(owner, pod, created) else {
            return;
        };
        let reason = if created {
            "SuccessfulCreate"
        } else {
            "SuccessfulDelete"
        };
        let reporter = Reporter::Controller(controller);
        self.record_about(owner, None, reporter, false, reason, message);
    }

    /// The scheduler's event for a pod it bound to `node`.
    pub(super) fn record_scheduled(&mut self, pod: &Value, node: &str) {
        self.record(EventSpec {
            reporter: Reporter::Scheduler(self.zone.profile.scheduler_host.clone()),
            regarding: object_reference(pod, None),
            warning: false,
            reason: "Scheduled",
            message: messages::assigned(pod, node),
            action: "Binding",
        });
    }

    /// The Deployment controller's event for scaling one of its ReplicaSets.
    pub(super) fn record_scaling(
        &mut self,
        deployment: &Value,
        replica_set: &str,
        from: i64,
        to: i64,
    ) {
        self.record_about(
            deployment,
            None,
            Reporter::Controller("deployment-controller"),
            false,
            "ScalingReplicaSet",
            messages::scaled(replica_set, from, to),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_forgets_the_oldest_beyond_its_bound() {
        let mut recorder = Recorder::default();
        for index in 0..REMEMBERED + 3 {
            let recorded = Recorded {
                namespace: "ns".into(),
                name: format!("e{index}"),
                first: Timestamp::UNIX_EPOCH,
                count: 1,
            };
            recorder.remember(format!("k{index}"), recorded);
        }
        assert_eq!(recorder.seen.len(), REMEMBERED);
        assert!(!recorder.seen.contains_key("k0") && recorder.seen.contains_key("k3"));
        assert_eq!(recorder.order.front().map(String::as_str), Some("k3"));
    }
}
