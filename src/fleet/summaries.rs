//! The zones' summaries kept up to date from what changed, rather than derived again from
//! every object after each batch: a model event marks the parts of its zone's summary it can
//! affect, and only those are brought up to date before the next frame. A pod changed or
//! deleted is one lookup in its namespace's block (a namespace of 50,000 pods costs what one of
//! 50 does); a relist or a workload derives the block again. [`ZoneSummary::of`] stays the
//! reference; the property test below holds the two equal on random change sequences.

use std::collections::{BTreeMap, BTreeSet};

use super::health::{
    ZoneSummary, check_pins, namespace_summary, never_reached, patch_pods_not_ready, system_pods,
};
use super::{Fleet, FleetEvent, ObjectChange, StoreChange, ZoneEvent, ZoneModel};
use crate::config::SYSTEM_NAMESPACE;

/// What of one zone's summary is out of date.
#[derive(Debug, Clone, Default)]
struct Stale {
    /// The zone as a whole (its state, pins and nodes: cheap, no pod is read).
    zone: bool,
    /// Every namespace block and the system pods.
    all_namespaces: bool,
    /// These namespaces' blocks, derived again (kube-system: the system pods).
    namespaces: BTreeSet<String>,
    /// Pods changed or deleted one by one, by namespace: their blocks are patched.
    pods: BTreeMap<String, BTreeSet<String>>,
}

/// Every zone's [`ZoneSummary`], derived again only where the model changed.
#[derive(Debug, Clone)]
pub struct ZoneSummaries {
    summaries: Vec<ZoneSummary>,
    stale: Vec<Stale>,
}

impl ZoneSummaries {
    /// Every zone's summary, derived in full.
    pub fn of(fleet: &Fleet) -> Self {
        ZoneSummaries {
            summaries: fleet.zones.iter().map(ZoneSummary::of).collect(),
            stale: vec![Stale::default(); fleet.zones.len()],
        }
    }

    /// Marks what `event` may change; call it for each event the fleet applies.
    pub fn note(&mut self, fleet: &Fleet, event: &FleetEvent) {
        let Some(index) = fleet.zones.iter().position(|z| z.config.id == event.zone) else {
            return;
        };
        let Some(stale) = self.stale.get_mut(index) else {
            return;
        };
        match &event.event {
            // Rare, and they move the zone's state (which every block's "exists" may read).
            ZoneEvent::Link(_) | ZoneEvent::Kind(..) => {
                stale.zone = true;
                stale.all_namespaces = true;
            }
            ZoneEvent::Objects(change) => mark_objects(stale, change, None),
        }
    }

    /// Derives again what was marked, and returns every zone's summary.
    pub fn refresh(&mut self, fleet: &Fleet) -> &[ZoneSummary] {
        if self.summaries.len() != fleet.zones.len() {
            *self = ZoneSummaries::of(fleet);
            return &self.summaries;
        }
        for ((summary, stale), zone) in self
            .summaries
            .iter_mut()
            .zip(self.stale.iter_mut())
            .zip(&fleet.zones)
        {
            refresh_zone(summary, stale, zone);
            *stale = Stale::default();
        }
        &self.summaries
    }

    /// The summaries as last refreshed.
    pub fn summaries(&self) -> &[ZoneSummary] {
        &self.summaries
    }
}

/// Marks what a change of objects may affect; `scope` is the namespace of a per-namespace
/// watch's change.
fn mark_objects(stale: &mut Stale, change: &ObjectChange, scope: Option<&str>) {
    // A relist: its namespace (or every namespace, for a cluster-wide one).
    let replaced = |stale: &mut Stale| match scope {
        Some(ns) => {
            stale.namespaces.insert(ns.to_string());
        }
        None => stale.all_namespaces = true,
    };
    match change {
        ObjectChange::InNamespace(ns, inner) => mark_objects(stale, inner, Some(ns)),
        // Kubelet and runtime versions feed the pins, readiness the node counts.
        ObjectChange::Nodes(_) => stale.zone = true,
        // Whether a configured namespace exists.
        ObjectChange::Namespaces(_) => stale.all_namespaces = true,
        ObjectChange::Pods(change) => {
            let (namespace, name) = match change {
                StoreChange::Replace(_) => return replaced(stale),
                StoreChange::Upsert(pod) => (&pod.namespace, &pod.name),
                StoreChange::Delete(key) => (&key.namespace, &key.name),
            };
            if let Some(names) = stale.pods.get_mut(namespace) {
                names.insert(name.clone());
            } else {
                stale
                    .pods
                    .insert(namespace.clone(), BTreeSet::from([name.clone()]));
            }
        }
        // Workloads feed their namespace's block, and kube-system's the pins.
        ObjectChange::Workloads(_, change) => {
            stale.zone = true;
            match change {
                StoreChange::Replace(_) => replaced(stale),
                StoreChange::Upsert(w) => {
                    stale.namespaces.insert(w.namespace.clone());
                }
                StoreChange::Delete(key) => {
                    stale.namespaces.insert(key.namespace.clone());
                }
            }
        }
        // Not part of a summary.
        ObjectChange::ReplicaSets(_)
        | ObjectChange::Events(..)
        | ObjectChange::Services(..)
        | ObjectChange::IngressClasses(_)
        | ObjectChange::StorageClasses(_) => {}
    }
}

fn refresh_zone(summary: &mut ZoneSummary, stale: &Stale, zone: &ZoneModel) {
    // Read on every refresh: it is one field, cheaper than tracking which events move it.
    summary.state = zone.state();
    let reached = !never_reached(zone);
    if stale.zone || stale.all_namespaces || reached != summary.reached {
        summary.pins = check_pins(zone);
        summary.nodes_ready = zone.nodes.values().filter(|n| n.ready).count();
        summary.nodes_total = zone.nodes.len();
        summary.reached = reached;
    }
    // kube-system holds a few dozen pods: its block is counted again whenever one changes.
    if stale.all_namespaces
        || stale.namespaces.contains(SYSTEM_NAMESPACE)
        || stale.pods.contains_key(SYSTEM_NAMESPACE)
    {
        summary.system_pods = system_pods(zone);
    }
    for (block, ns) in summary.namespaces.iter_mut().zip(&zone.config.namespaces) {
        if stale.all_namespaces || stale.namespaces.contains(ns) {
            *block = namespace_summary(zone, ns);
        } else if let Some(names) = stale.pods.get(ns) {
            patch_pods_not_ready(block, zone, names.iter().map(String::as_str));
        }
    }
}

#[cfg(test)]
#[path = "summaries_tests.rs"]
mod tests;
