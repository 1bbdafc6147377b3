//! One zone's events, bounded: a time window (events last seen before it are dropped on the
//! console's ticks) and a cap (the oldest go first). Indexed by key, for the watch's updates and
//! deletes, and by last-seen time, for the timeline, the window and the cap.

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};

use super::EventInfo;
use crate::config::EventsConfig;
use crate::fleet::{Keyed, ObjectKey, StoreChange};

/// A zone's events, at most `limits.max_per_zone`, none last seen before the window.
#[derive(Debug, Clone, Default)]
pub struct EventStore {
    limits: EventsConfig,
    events: BTreeMap<ObjectKey, EventInfo>,
    by_time: BTreeSet<(Timestamp, ObjectKey)>,
    /// Events last seen before this are not kept (the window's start at the last prune).
    cutoff: Option<Timestamp>,
    /// Events dropped at the cap since the store was made.
    dropped_at_cap: u64,
}

impl EventStore {
    /// An empty store with these bounds.
    pub fn new(limits: EventsConfig) -> EventStore {
        EventStore {
            limits,
            ..EventStore::default()
        }
    }

    /// The bounds it keeps to.
    pub fn limits(&self) -> EventsConfig {
        self.limits
    }

    /// How many events it holds.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// How many events the cap has pushed out so far.
    pub fn dropped_at_cap(&self) -> u64 {
        self.dropped_at_cap
    }

    /// The event with this key.
    pub fn get(&self, key: &ObjectKey) -> Option<&EventInfo> {
        self.events.get(key)
    }

    /// Every event, newest (by last-seen time) first; ties in key order.
    pub fn newest_first(&self) -> impl Iterator<Item = &EventInfo> {
        let mut ties: Vec<&EventInfo> = Vec::new();
        let mut at: Option<Timestamp> = None;
        // The index is ascending; walking it backwards reverses ties too, so each run of equal
        // times is collected and given back in key order.
        let mut out: Vec<&EventInfo> = Vec::with_capacity(self.events.len());
        for (time, key) in self.by_time.iter().rev() {
            if at != Some(*time) {
                out.extend(ties.drain(..).rev());
                at = Some(*time);
            }
            if let Some(event) = self.events.get(key) {
                ties.push(event);
            }
        }
        out.extend(ties.drain(..).rev());
        out.into_iter()
    }

    /// Events last seen at or after `since`, in ascending time order.
    pub fn seen_since(&self, since: Timestamp) -> impl Iterator<Item = &EventInfo> {
        self.by_time
            .range((since, ObjectKey::new("", ""))..)
            .filter_map(|(_, key)| self.events.get(key))
    }

    /// Applies a watch change of the events in `namespace` (each namespace is its own watch:
    /// a relist replaces only that namespace's events).
    pub fn apply(&mut self, namespace: &str, change: StoreChange<EventInfo>) {
        match change {
            StoreChange::Replace(items) => {
                let gone: Vec<ObjectKey> = self
                    .events
                    .range(ObjectKey::new(namespace, "")..)
                    .take_while(|(k, _)| k.namespace == namespace)
                    .map(|(k, _)| k.clone())
                    .collect();
                for key in gone {
                    self.remove(&key);
                }
                for event in items {
                    self.insert(event);
                }
            }
            StoreChange::Upsert(event) => self.insert(event),
            StoreChange::Delete(key) => {
                self.remove(&key);
            }
        }
    }

    /// Adds or replaces an event (a series' newer count replaces its row); an event with no
    /// time at all, or last seen before the window, is not kept. The oldest go at the cap.
    pub fn insert(&mut self, event: EventInfo) {
        let key = event.key();
        self.remove(&key);
        let Some(last_seen) = event.last_seen else {
            return;
        };
        if self.cutoff.is_some_and(|cutoff| last_seen < cutoff) {
            return;
        }
        self.by_time.insert((last_seen, key.clone()));
        self.events.insert(key, event);
        while self.events.len() > self.limits.max_per_zone.max(1) {
            let Some((_, oldest)) = self.by_time.pop_first() else {
                break;
            };
            self.events.remove(&oldest);
            self.dropped_at_cap += 1;
        }
    }

    /// Removes an event; true when it was there.
    pub fn remove(&mut self, key: &ObjectKey) -> bool {
        match self.events.remove(key) {
            Some(old) => {
                if let Some(t) = old.last_seen {
                    self.by_time.remove(&(t, key.clone()));
                }
                true
            }
            None => false,
        }
    }

    /// Drops the events last seen before the window that ends at `now`; returns how many went.
    pub fn prune(&mut self, now: Timestamp) -> usize {
        let window = SignedDuration::try_from(self.limits.window).unwrap_or(SignedDuration::MAX);
        let cutoff = now.checked_sub(window).unwrap_or(Timestamp::MIN);
        self.cutoff = Some(cutoff);
        let mut removed = 0;
        while let Some((time, _)) = self.by_time.first() {
            if *time >= cutoff {
                break;
            }
            if let Some((_, key)) = self.by_time.pop_first() {
                self.events.remove(&key);
                removed += 1;
            }
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::fleet::events::{EventObject, EventType};

    fn at(minutes_after_noon: i64) -> Timestamp {
        let noon: Timestamp = "2026-03-26T12:00:00Z".parse().unwrap();
        noon + SignedDuration::from_mins(minutes_after_noon)
    }

    fn event(ns: &str, name: &str, minute: i64) -> EventInfo {
        EventInfo {
            namespace: ns.into(),
            name: name.into(),
            event_type: EventType::Normal,
            reason: "Pulled".into(),
            object: EventObject::new("Pod", ns, "p"),
            message: String::new(),
            count: 1,
            first_seen: Some(at(minute)),
            last_seen: Some(at(minute)),
            reporter: "kubelet".into(),
        }
    }

    fn limits(window_minutes: u64, max: usize) -> EventsConfig {
        EventsConfig {
            window: Duration::from_secs(window_minutes * 60),
            max_per_zone: max,
        }
    }

    fn names(store: &EventStore) -> Vec<&str> {
        store.newest_first().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn a_repeat_replaces_its_row_and_moves_it_to_its_new_time() {
        let mut store = EventStore::new(limits(60, 10));
        store.insert(event("a", "x", 0));
        store.insert(event("a", "y", 5));
        let mut again = event("a", "x", 10);
        again.count = 4;
        store.insert(again);
        assert_eq!(store.len(), 2);
        assert_eq!(names(&store), ["x", "y"]);
        assert_eq!(store.get(&ObjectKey::new("a", "x")).unwrap().count, 4);
    }

    #[test]
    fn the_oldest_go_first_at_the_cap() {
        let mut store = EventStore::new(limits(60, 3));
        for (name, minute) in [("m2", 2), ("m0", 0), ("m3", 3), ("m1", 1)] {
            store.insert(event("a", name, minute));
        }
        assert_eq!(names(&store), ["m3", "m2", "m1"]);
        assert_eq!(store.dropped_at_cap(), 1);
        // An event older than all kept ones is the oldest itself: it goes at once.
        store.insert(event("a", "old", -5));
        assert_eq!(names(&store), ["m3", "m2", "m1"]);
        assert_eq!(store.dropped_at_cap(), 2);
    }

    #[test]
    fn events_age_out_of_the_window_and_late_old_ones_are_not_kept() {
        let mut store = EventStore::new(limits(10, 100));
        store.insert(event("a", "early", 0));
        store.insert(event("a", "later", 8));
        assert_eq!(store.prune(at(9)), 0);
        assert_eq!(store.prune(at(11)), 1);
        assert_eq!(names(&store), ["later"]);
        store.insert(event("a", "stale", 0));
        assert_eq!(names(&store), ["later"], "before the window's start");
        assert_eq!(store.prune(at(30)), 1);
        assert!(store.is_empty());
    }

    #[test]
    fn a_relist_replaces_only_its_namespace_and_deletes_remove() {
        let mut store = EventStore::new(limits(60, 100));
        store.insert(event("a", "a1", 1));
        store.insert(event("b", "b1", 2));
        store.apply("a", StoreChange::Replace(vec![event("a", "a2", 3)]));
        assert_eq!(names(&store), ["a2", "b1"]);
        store.apply("b", StoreChange::Delete(ObjectKey::new("b", "b1")));
        assert_eq!(names(&store), ["a2"]);
        store.apply("a", StoreChange::Upsert(event("a", "a3", 4)));
        assert_eq!(names(&store), ["a3", "a2"]);
    }

    #[test]
    fn an_event_without_any_time_is_not_kept_and_ties_keep_key_order() {
        let mut store = EventStore::new(limits(60, 100));
        let mut timeless = event("a", "t", 0);
        timeless.last_seen = None;
        store.insert(timeless);
        assert!(store.is_empty());
        for name in ["c", "a", "b"] {
            store.insert(event("n", name, 7));
        }
        assert_eq!(names(&store), ["a", "b", "c"]);
        let since: Vec<&str> = store.seen_since(at(7)).map(|e| e.name.as_str()).collect();
        assert_eq!(since, ["a", "b", "c"]);
        assert_eq!(store.seen_since(at(8)).count(), 0);
    }
}
