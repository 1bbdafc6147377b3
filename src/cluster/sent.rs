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
use std::hash::{DefaultHasher, Hash, Hasher};

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

fn hashed<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
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
    /// Forgets everything sent before, as a relist replaces it. The relisted objects are not
    /// fingerprinted (hashing 50,000 of them slowed the sync by a few percent): each one's
    /// first update after it is sent, and remembered from then on.
    pub fn forget_all(&mut self) {
        self.by_key = HashMap::new();
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
    fn a_deleted_pod_created_again_alike_is_sent_and_a_relist_forgets_the_rest() {
        let mut sent = SentProjections::default();
        sent.changed_by(pod_fingerprint(&pod("a", 0)));
        sent.delete(&ObjectKey::new("ge-agents", "a"));
        assert!(
            sent.changed_by(pod_fingerprint(&pod("a", 0))),
            "created again"
        );
        sent.forget_all();
        assert!(
            sent.changed_by(pod_fingerprint(&pod("a", 0))),
            "a relist forgot it"
        );
        assert!(!sent.changed_by(pod_fingerprint(&pod("a", 0))));
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
