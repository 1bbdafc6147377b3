//! Which namespaces a batch of model events touched, per zone: what follows one workload
//! (rollout judgements, a log session, the stale-pod hint) is judged again only when its
//! namespace's workloads, ReplicaSets or pods changed, or its zone's state may have moved. A
//! batch of pod changes in `ge-data` then costs a rollout followed in `ge-agents` nothing.

use std::collections::{BTreeMap, BTreeSet};

use super::{FleetEvent, ObjectChange, StoreChange, ZoneEvent};
use crate::config::ZoneId;

/// The zones and namespaces whose workloads, ReplicaSets or pods a batch changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TouchedNamespaces {
    /// Every namespace of every zone counts as touched (a tick, or a first look).
    everything: bool,
    /// Zones whose state may have moved (link or kind events) or that relisted a kind
    /// cluster-wide: all their namespaces count as touched.
    zones: BTreeSet<ZoneId>,
    /// Zones whose workloads changed: rollouts may have started there.
    workloads: BTreeSet<ZoneId>,
    /// Single namespaces touched, by zone.
    namespaces: BTreeMap<ZoneId, BTreeSet<String>>,
}

impl TouchedNamespaces {
    /// Everything counts as touched: for time passing (timeouts) and for a first judgement.
    pub fn everything() -> Self {
        TouchedNamespaces {
            everything: true,
            ..TouchedNamespaces::default()
        }
    }

    /// The namespaces touched by these events.
    pub fn of<'a>(events: impl IntoIterator<Item = &'a FleetEvent>) -> Self {
        let mut touched = TouchedNamespaces::default();
        for event in events {
            touched.note(event);
        }
        touched
    }

    /// Adds what one event touches.
    pub fn note(&mut self, event: &FleetEvent) {
        match &event.event {
            ZoneEvent::Link(_) | ZoneEvent::Kind(..) => {
                self.zones.insert(event.zone);
            }
            ZoneEvent::Objects(change) => self.note_change(event.zone, change, None),
        }
    }

    fn note_change(&mut self, zone: ZoneId, change: &ObjectChange, scope: Option<&str>) {
        match change {
            ObjectChange::InNamespace(ns, inner) => self.note_change(zone, inner, Some(ns)),
            ObjectChange::Pods(change) => self.note_store(zone, change, scope, |p| &p.namespace),
            ObjectChange::ReplicaSets(change) => {
                self.note_store(zone, change, scope, |rs| &rs.namespace)
            }
            ObjectChange::Workloads(_, change) => {
                self.workloads.insert(zone);
                self.note_store(zone, change, scope, |w| &w.namespace);
            }
            // Nothing that follows a workload reads these.
            ObjectChange::Nodes(_)
            | ObjectChange::Namespaces(_)
            | ObjectChange::Events(..)
            | ObjectChange::Services(..)
            | ObjectChange::IngressClasses(_)
            | ObjectChange::StorageClasses(_) => {}
        }
    }

    fn note_store<T>(
        &mut self,
        zone: ZoneId,
        change: &StoreChange<T>,
        scope: Option<&str>,
        namespace_of: impl Fn(&T) -> &String,
    ) {
        let namespace = match (change, scope) {
            (StoreChange::Upsert(object), _) => namespace_of(object).as_str(),
            (StoreChange::Delete(key), _) => key.namespace.as_str(),
            (StoreChange::Replace(_), Some(ns)) => ns,
            (StoreChange::Replace(_), None) => {
                self.zones.insert(zone);
                return;
            }
        };
        let names = self.namespaces.entry(zone).or_default();
        if !names.contains(namespace) {
            names.insert(namespace.to_string());
        }
    }

    /// True when something in `namespace` of `zone` (or the zone as a whole) may have changed.
    pub fn namespace(&self, zone: ZoneId, namespace: &str) -> bool {
        self.everything
            || self.zones.contains(&zone)
            || self
                .namespaces
                .get(&zone)
                .is_some_and(|names| names.contains(namespace))
    }

    /// True when a workload of `zone` may have started rolling.
    pub fn workloads(&self, zone: ZoneId) -> bool {
        self.everything || self.zones.contains(&zone) || self.workloads.contains(&zone)
    }

    /// True when nothing was touched.
    pub fn is_empty(&self) -> bool {
        !self.everything
            && self.zones.is_empty()
            && self.workloads.is_empty()
            && self.namespaces.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::health::tests::pod;
    use crate::fleet::{KindStatus, LinkStatus, ObjectKey, ResourceKind};

    fn objects(zone: u32, change: ObjectChange) -> FleetEvent {
        FleetEvent::new(ZoneId(zone), ZoneEvent::Objects(change))
    }

    #[test]
    fn a_pod_touches_its_namespace_in_its_zone_only() {
        let touched = TouchedNamespaces::of(&[objects(
            1,
            ObjectChange::Pods(StoreChange::Upsert(pod("ge-load", "p", "Running", true))),
        )]);
        assert!(touched.namespace(ZoneId(1), "ge-load"));
        assert!(!touched.namespace(ZoneId(1), "ge-agents"));
        assert!(!touched.namespace(ZoneId(2), "ge-load"));
        assert!(!touched.workloads(ZoneId(1)), "a pod starts no rollout");
    }

    #[test]
    fn a_deletion_and_a_namespace_relist_touch_their_namespace() {
        let touched = TouchedNamespaces::of(&[
            objects(
                2,
                ObjectChange::ReplicaSets(StoreChange::Delete(ObjectKey::new("ge-data", "rs"))),
            ),
            objects(
                2,
                ObjectChange::InNamespace(
                    "ge-agents".into(),
                    Box::new(ObjectChange::Pods(StoreChange::Replace(Vec::new()))),
                ),
            ),
        ]);
        assert!(touched.namespace(ZoneId(2), "ge-data"));
        assert!(touched.namespace(ZoneId(2), "ge-agents"));
        assert!(!touched.namespace(ZoneId(2), "ge-system"));
    }

    #[test]
    fn a_cluster_wide_relist_or_a_state_change_touches_the_whole_zone() {
        for event in [
            objects(3, ObjectChange::Pods(StoreChange::Replace(Vec::new()))),
            FleetEvent::new(ZoneId(3), ZoneEvent::Link(LinkStatus::Connecting)),
            FleetEvent::new(
                ZoneId(3),
                ZoneEvent::Kind(ResourceKind::Pods, KindStatus::Synced),
            ),
        ] {
            let touched = TouchedNamespaces::of([&event]);
            assert!(touched.namespace(ZoneId(3), "ge-agents"), "{event:?}");
            assert!(touched.workloads(ZoneId(3)), "{event:?}");
            assert!(!touched.namespace(ZoneId(1), "ge-agents"), "{event:?}");
        }
    }

    #[test]
    fn a_workload_change_may_start_a_rollout_and_events_touch_nothing() {
        let workload_deleted = objects(
            1,
            ObjectChange::Workloads(
                crate::fleet::WorkloadKind::Deployment,
                StoreChange::Delete(ObjectKey::new("ge-agents", "ge-executor")),
            ),
        );
        let touched = TouchedNamespaces::of([&workload_deleted]);
        assert!(touched.workloads(ZoneId(1)));
        assert!(touched.namespace(ZoneId(1), "ge-agents"));

        let quiet = TouchedNamespaces::of(&[
            objects(1, ObjectChange::Nodes(StoreChange::Replace(Vec::new()))),
            objects(
                1,
                ObjectChange::Events("ge-agents".into(), StoreChange::Replace(Vec::new())),
            ),
        ]);
        assert!(quiet.is_empty());
        assert!(TouchedNamespaces::everything().namespace(ZoneId(2), "anything"));
    }
}
