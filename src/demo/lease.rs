//! Objects that expire, like the etcd leases the real API server attaches to Events: each
//! write of an object of a leased kind renews its lease for the kind's time to live
//! (`--event-ttl`, one hour by default), and an object whose lease runs out is deleted, so an
//! event that stops repeating ages out while a repeating one lives on.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use super::resources::ServedKind;
use super::store::StoreKey;

/// One object's place in the expiry order.
type Deadline = (Instant, ServedKind, StoreKey);

/// The leases of one store.
#[derive(Default)]
pub struct Leases {
    /// Time to live of each leased kind.
    ttl: HashMap<ServedKind, Duration>,
    /// When each leased object expires.
    deadlines: HashMap<(ServedKind, StoreKey), Instant>,
    /// The same deadlines, soonest first.
    queue: BTreeSet<Deadline>,
}

impl Leases {
    /// Objects of `kind` expire `ttl` after their last write.
    pub fn set_ttl(&mut self, kind: ServedKind, ttl: Duration) {
        self.ttl.insert(kind, ttl);
    }

    /// The time to live of `kind`, if its objects expire.
    pub fn ttl(&self, kind: ServedKind) -> Option<Duration> {
        self.ttl.get(&kind).copied()
    }

    /// Renew an object's lease after a write at `written` (no-op for kinds without one).
    pub fn renew(&mut self, kind: ServedKind, key: &StoreKey, written: Instant) {
        let Some(ttl) = self.ttl(kind) else {
            return;
        };
        let deadline = written.checked_add(ttl).unwrap_or(written);
        if let Some(previous) = self.deadlines.insert((kind, key.clone()), deadline) {
            self.queue.remove(&(previous, kind, key.clone()));
        }
        self.queue.insert((deadline, kind, key.clone()));
    }

    /// Forget a deleted object's lease.
    pub fn release(&mut self, kind: ServedKind, key: &StoreKey) {
        if let Some(previous) = self.deadlines.remove(&(kind, key.clone())) {
            self.queue.remove(&(previous, kind, key.clone()));
        }
    }

    /// Take the objects whose lease ran out by `now`, soonest first.
    pub fn take_due(&mut self, now: Instant) -> Vec<(ServedKind, StoreKey)> {
        let mut due = Vec::new();
        while let Some(first) = self.queue.first() {
            if first.0 > now {
                break;
            }
            if let Some((_, kind, key)) = self.queue.pop_first() {
                self.deadlines.remove(&(kind, key.clone()));
                due.push((kind, key));
            }
        }
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> StoreKey {
        ("ns".to_string(), name.to_string())
    }

    #[test]
    fn a_renewed_lease_outlives_one_left_alone() {
        let mut leases = Leases::default();
        leases.set_ttl(ServedKind::Event, Duration::from_secs(60));
        let start = Instant::now();
        leases.renew(ServedKind::Event, &key("a"), start);
        leases.renew(ServedKind::Event, &key("b"), start);
        leases.renew(ServedKind::Pod, &key("pod"), start);
        leases.renew(
            ServedKind::Event,
            &key("b"),
            start + Duration::from_secs(30),
        );
        assert!(leases.take_due(start + Duration::from_secs(59)).is_empty());
        assert_eq!(
            leases.take_due(start + Duration::from_secs(60)),
            vec![(ServedKind::Event, key("a"))]
        );
        leases.release(ServedKind::Event, &key("b"));
        assert!(
            leases
                .take_due(start + Duration::from_secs(3600))
                .is_empty(),
            "b was released and pods hold no lease"
        );
    }
}
