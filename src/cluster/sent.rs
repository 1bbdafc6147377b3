//! What a watch has already sent of each object, as fingerprints of its projection, so that an
//! update which projects as before (only a label, a probe time or the resourceVersion moved)
//! never reaches the event loop: no channel send, no wake-up, no comparison there.
//!
//! A watch is the only writer of its objects in the model, so what it sent is what the model
//! holds. The model still compares each change it is sent with what it stores; this only saves
//! the trip for updates that would be dropped there. Fingerprints are 64-bit hashes: two
//! different projections of one object hashing alike would hide that change, a chance of about
//! one in 2^64 per update.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::LazyLock;

use crate::fleet::{ObjectKey, PodInfo};

/// An object's identity and its projection's content, each hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    /// The hash of the object's namespace and name.
    pub key: u64,
    /// The hash of the whole projection.
    pub content: u64,
}

/// How a kind's projections are fingerprinted.
pub type FingerprintOf<P> = fn(&P) -> Fingerprint;

/// The process's fingerprint hasher: foldhash's quality variant, randomly seeded once. A
/// relist fingerprints every object it brings, and std's SipHash took about 2 µs per pod
/// (a third of a second for 3 × 50,000); foldhash is several times faster at these many short
/// writes, and its 64 bits are as wide.
static HASHER: LazyLock<foldhash::quality::RandomState> = LazyLock::new(Default::default);

fn hashed<T: Hash + ?Sized>(value: &T) -> u64 {
    HASHER.hash_one(value)
}

fn key_hash(namespace: &str, name: &str) -> u64 {
    hashed(&(namespace, name))
}

/// A pod's fingerprint.
pub fn pod_fingerprint(pod: &PodInfo) -> Fingerprint {
    Fingerprint {
        key: key_hash(&pod.namespace, &pod.name),
        content: hashed(pod),
    }
}

/// The fingerprints of what a watch has sent, by object.
#[derive(Debug, Default)]
pub struct SentProjections {
    by_key: HashMap<u64, u64>,
}

impl SentProjections {
    /// Replaces everything sent before with a relist's objects, as the relist replaces them
    /// in the model.
    pub fn relisted(&mut self, objects: impl ExactSizeIterator<Item = Fingerprint>) {
        self.by_key = HashMap::with_capacity(objects.len());
        self.by_key
            .extend(objects.map(|sent| (sent.key, sent.content)));
    }

    /// Remembers an update; false when the object was last sent with this very projection,
    /// which need not be sent again.
    pub fn changed_by(&mut self, update: Fingerprint) -> bool {
        self.by_key.insert(update.key, update.content) != Some(update.content)
    }

    /// Forgets a deleted object, so that one created again under its name is sent.
    pub fn delete(&mut self, key: &ObjectKey) {
        self.by_key.remove(&key_hash(&key.namespace, &key.name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, restarts: u32) -> PodInfo {
        let mut pod = crate::fleet::health::tests::pod("ge-agents", name, "Running", true);
        pod.restarts = restarts;
        pod
    }

    #[test]
    fn an_update_that_projects_as_sent_is_not_sent_again_and_a_change_is() {
        let mut sent = SentProjections::default();
        assert!(
            sent.changed_by(pod_fingerprint(&pod("a", 0))),
            "a first update"
        );
        assert!(sent.changed_by(pod_fingerprint(&pod("b", 0))));
        assert!(!sent.changed_by(pod_fingerprint(&pod("a", 0))), "as sent");
        assert!(
            sent.changed_by(pod_fingerprint(&pod("a", 1))),
            "a restart is a change"
        );
        assert!(
            !sent.changed_by(pod_fingerprint(&pod("a", 1))),
            "and then as sent"
        );
        assert!(
            sent.changed_by(pod_fingerprint(&pod("a", 0))),
            "going back is a change too"
        );
        assert!(
            sent.changed_by(pod_fingerprint(&pod("c", 0))),
            "a new pod is sent"
        );
        assert!(!sent.changed_by(pod_fingerprint(&pod("b", 0))));
    }

    #[test]
    fn a_deleted_pod_created_again_alike_is_sent() {
        let mut sent = SentProjections::default();
        sent.changed_by(pod_fingerprint(&pod("a", 0)));
        sent.delete(&ObjectKey::new("ge-agents", "a"));
        assert!(
            sent.changed_by(pod_fingerprint(&pod("a", 0))),
            "created again"
        );
    }

    #[test]
    fn a_relist_is_what_was_sent_and_nothing_before_it() {
        let mut sent = SentProjections::default();
        sent.changed_by(pod_fingerprint(&pod("gone", 0)));
        let relist = [pod("a", 0), pod("b", 2)];
        sent.relisted(relist.iter().map(pod_fingerprint));
        assert!(
            !sent.changed_by(pod_fingerprint(&pod("a", 0))),
            "as relisted"
        );
        assert!(!sent.changed_by(pod_fingerprint(&pod("b", 2))));
        assert!(
            sent.changed_by(pod_fingerprint(&pod("b", 3))),
            "a change after the relist"
        );
        assert!(
            sent.changed_by(pod_fingerprint(&pod("gone", 0))),
            "what the relist did not bring is forgotten: it comes back as new"
        );
    }

    #[test]
    fn pods_of_one_name_in_two_namespaces_are_told_apart() {
        let mut sent = SentProjections::default();
        let mut other = pod("a", 0);
        other.namespace = "ge-data".into();
        sent.changed_by(pod_fingerprint(&pod("a", 0)));
        assert!(sent.changed_by(pod_fingerprint(&other)));
    }
}
