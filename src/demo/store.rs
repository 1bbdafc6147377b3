//! Per-zone object store: compact serialized objects, a global resourceVersion counter (like
//! etcd), a bounded event history and a broadcast channel for watchers.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::broadcast;

use super::lease::Leases;
use super::protobuf;
use super::resources::ServedKind;

/// How many past events a zone keeps for watches that resume from a resourceVersion.
pub const HISTORY_CAPACITY: usize = 5_000;
/// How many undelivered events a watcher may fall behind before it is disconnected.
pub const BROADCAST_CAPACITY: usize = 4_096;

/// The protobuf message of an object of `kind`, when the demo encodes that kind and every
/// field of the object; else the object is only ever sent as JSON.
fn protobuf_of(kind: ServedKind, json: &[u8]) -> Option<Bytes> {
    if kind != ServedKind::Pod {
        return None;
    }
    protobuf::pod(json)
        .inspect_err(|unencodable| tracing::debug!(%unencodable, "pod is sent as JSON only"))
        .ok()
}

/// A receiver of every store event.
pub type EventReceiver = broadcast::Receiver<Arc<WatchEvent>>;
/// Objects of several kinds, tagged with their kind.
pub type Snapshot = Vec<(ServedKind, Arc<StoredObject>)>;

/// Namespace and name of an object; the namespace is empty for cluster-scoped objects.
pub type StoreKey = (String, String);

/// One object as stored: its serialized JSON plus the few fields selectors need.
#[derive(Debug)]
pub struct StoredObject {
    /// Namespace, empty when cluster-scoped.
    pub namespace: String,
    /// Object name.
    pub name: String,
    /// The resourceVersion written into `json`.
    pub resource_version: u64,
    /// Labels, for label selectors.
    pub labels: Vec<(String, String)>,
    /// Extra selectable fields (see `ServedKind::field_values`).
    pub fields: Vec<(&'static str, String)>,
    /// The complete object, serialized.
    pub json: Bytes,
    /// The object's protobuf message, for a pod the demo can encode (see [`protobuf`]); made
    /// when it is written, as a real server's watch cache keeps objects ready to send.
    pub protobuf: Option<Bytes>,
}

impl StoredObject {
    /// Build a stored object from JSON, stamping `resourceVersion`.
    fn build(kind: ServedKind, mut object: Value, resource_version: u64) -> Self {
        if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.insert(
                "resourceVersion".into(),
                Value::String(resource_version.to_string()),
            );
        }
        let metadata = &object["metadata"];
        let namespace = metadata["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = metadata["name"].as_str().unwrap_or_default().to_string();
        let labels = metadata["labels"]
            .as_object()
            .map(|labels| {
                labels
                    .iter()
                    .map(|(key, value)| {
                        (key.clone(), value.as_str().unwrap_or_default().to_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let fields = kind.field_values(&object);
        let json = Bytes::from(serde_json::to_vec(&object).unwrap_or_default());
        let protobuf = protobuf_of(kind, &json);
        StoredObject {
            namespace,
            name,
            resource_version,
            labels,
            fields,
            json,
            protobuf,
        }
    }

    /// The object as a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::from_slice(&self.json).unwrap_or(Value::Null)
    }

    /// Value of a label, if set.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(label, _)| label == key)
            .map(|(_, value)| value.as_str())
    }

    /// Value of a selectable field (metadata.name, metadata.namespace or a kind-specific one).
    pub fn field(&self, field: &str) -> Option<&str> {
        match field {
            "metadata.name" => Some(&self.name),
            "metadata.namespace" => Some(&self.namespace),
            _ => self
                .fields
                .iter()
                .find(|(name, _)| *name == field)
                .map(|(_, value)| value.as_str()),
        }
    }

    /// The object's key in its kind's map.
    pub fn key(&self) -> StoreKey {
        (self.namespace.clone(), self.name.clone())
    }
}

/// Type of a watch event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Object created.
    Added,
    /// Object changed.
    Modified,
    /// Object removed.
    Deleted,
}

impl EventType {
    /// The wire name (`ADDED`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change to the store, as kept in history and broadcast to watchers.
#[derive(Debug)]
pub struct WatchEvent {
    /// The resourceVersion this change produced.
    pub resource_version: u64,
    /// The resource type changed.
    pub kind: ServedKind,
    /// What happened.
    pub event_type: EventType,
    /// The object after the change (for deletes: the last state, with the delete's RV).
    pub object: Arc<StoredObject>,
    /// The object before the change (modify and delete).
    pub previous: Option<Arc<StoredObject>>,
}

/// Errors from store writes.
#[derive(Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The object does not exist.
    NotFound,
    /// An object with that name already exists.
    AlreadyExists,
    /// The stored resourceVersion differs from the expected one.
    Conflict,
}

/// A watch that resumes from a resourceVersion older than the kept history.
#[derive(Debug)]
pub struct TooOld {
    /// The requested resourceVersion.
    pub requested: u64,
    /// The oldest resourceVersion a watch can still resume from.
    pub oldest: u64,
}

#[derive(Default)]
struct Inner {
    objects: HashMap<ServedKind, BTreeMap<StoreKey, Arc<StoredObject>>>,
    resource_version: u64,
    history: VecDeque<Arc<WatchEvent>>,
    /// Watches may resume from any resourceVersion >= this one.
    history_floor: u64,
    /// Expiry of the kinds whose objects live for a limited time (Events).
    leases: Leases,
}

/// The object store of one zone.
pub struct Store {
    inner: Mutex<Inner>,
    events: broadcast::Sender<Arc<WatchEvent>>,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        let (events, _) = broadcast::channel(BROADCAST_CAPACITY);
        Store {
            inner: Mutex::new(Inner::default()),
            events,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters more than stopping the zone would, so recover the guard.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current (latest) resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.lock().resource_version
    }

    /// Forget the event history: watches can resume only from now on (used after seeding).
    pub fn reset_history(&self) {
        let mut inner = self.lock();
        inner.history.clear();
        inner.history_floor = inner.resource_version;
    }

    fn commit(
        &self,
        inner: &mut Inner,
        kind: ServedKind,
        event_type: EventType,
        object: Value,
        previous: Option<Arc<StoredObject>>,
    ) -> Arc<StoredObject> {
        inner.resource_version += 1;
        let stored = Arc::new(StoredObject::build(kind, object, inner.resource_version));
        let objects = inner.objects.entry(kind).or_default();
        let key = stored.key();
        if event_type == EventType::Deleted {
            objects.remove(&key);
            inner.leases.release(kind, &key);
        } else {
            objects.insert(key.clone(), stored.clone());
            inner.leases.renew(kind, &key, Instant::now());
        }
        let event = Arc::new(WatchEvent {
            resource_version: inner.resource_version,
            kind,
            event_type,
            object: stored.clone(),
            previous,
        });
        inner.history.push_back(event.clone());
        while inner.history.len() > HISTORY_CAPACITY {
            if let Some(dropped) = inner.history.pop_front() {
                inner.history_floor = dropped.resource_version;
            }
        }
        // No receivers is fine: nobody is watching.
        let _ = self.events.send(event);
        stored
    }

    /// Create an object; fails if one with the same namespace/name exists.
    pub fn create(&self, kind: ServedKind, object: Value) -> Result<Arc<StoredObject>, StoreError> {
        let mut inner = self.lock();
        let key = key_of(&object);
        if inner
            .objects
            .get(&kind)
            .is_some_and(|objects| objects.contains_key(&key))
        {
            return Err(StoreError::AlreadyExists);
        }
        Ok(self.commit(&mut inner, kind, EventType::Added, object, None))
    }

    /// Replace an existing object. With `expected`, fails with Conflict if the stored
    /// resourceVersion differs (optimistic concurrency).
    pub fn replace(
        &self,
        kind: ServedKind,
        object: Value,
        expected: Option<u64>,
    ) -> Result<Arc<StoredObject>, StoreError> {
        let mut inner = self.lock();
        let key = key_of(&object);
        let previous = inner
            .objects
            .get(&kind)
            .and_then(|objects| objects.get(&key))
            .cloned()
            .ok_or(StoreError::NotFound)?;
        if expected.is_some_and(|rv| rv != previous.resource_version) {
            return Err(StoreError::Conflict);
        }
        Ok(self.commit(
            &mut inner,
            kind,
            EventType::Modified,
            object,
            Some(previous),
        ))
    }

    /// Delete an object, returning its final state (stamped with the delete's resourceVersion).
    pub fn delete(
        &self,
        kind: ServedKind,
        namespace: &str,
        name: &str,
        expected: Option<u64>,
    ) -> Result<Arc<StoredObject>, StoreError> {
        let mut inner = self.lock();
        let key = (namespace.to_string(), name.to_string());
        let previous = inner
            .objects
            .get(&kind)
            .and_then(|objects| objects.get(&key))
            .cloned()
            .ok_or(StoreError::NotFound)?;
        if expected.is_some_and(|rv| rv != previous.resource_version) {
            return Err(StoreError::Conflict);
        }
        let object = previous.to_value();
        Ok(self.commit(&mut inner, kind, EventType::Deleted, object, Some(previous)))
    }

    /// Read-modify-write with retries: `change` gets the current object and returns the new
    /// one (or None to leave it alone). Returns the stored result, if anything was written.
    pub fn update<F>(
        &self,
        kind: ServedKind,
        namespace: &str,
        name: &str,
        mut change: F,
    ) -> Result<Option<Arc<StoredObject>>, StoreError>
    where
        F: FnMut(Value) -> Option<Value>,
    {
        loop {
            let current = self
                .get(kind, namespace, name)
                .ok_or(StoreError::NotFound)?;
            let Some(updated) = change(current.to_value()) else {
                return Ok(None);
            };
            match self.replace(kind, updated, Some(current.resource_version)) {
                Err(StoreError::Conflict) => continue,
                other => return other.map(Some),
            }
        }
    }

    /// One object.
    pub fn get(&self, kind: ServedKind, namespace: &str, name: &str) -> Option<Arc<StoredObject>> {
        let inner = self.lock();
        inner
            .objects
            .get(&kind)?
            .get(&(namespace.to_string(), name.to_string()))
            .cloned()
    }

    /// A page of objects of one kind: those in `namespace` (all if None) after `start_after`,
    /// matching `filter`, at most `limit`. Returns (items, whether more match, count of the
    /// remaining objects in range when `count_remaining`, current resourceVersion).
    pub fn list(
        &self,
        kind: ServedKind,
        namespace: Option<&str>,
        start_after: Option<&StoreKey>,
        limit: Option<usize>,
        filter: &dyn Fn(&StoredObject) -> bool,
    ) -> ListPage {
        let inner = self.lock();
        let mut page = ListPage {
            items: Vec::new(),
            more: false,
            resource_version: inner.resource_version,
        };
        let Some(objects) = inner.objects.get(&kind) else {
            return page;
        };
        let lower = match (start_after, namespace) {
            (Some(key), _) => std::ops::Bound::Excluded(key.clone()),
            (None, Some(ns)) => std::ops::Bound::Included((ns.to_string(), String::new())),
            (None, None) => std::ops::Bound::Unbounded,
        };
        for (key, object) in objects.range((lower, std::ops::Bound::Unbounded)) {
            if let Some(ns) = namespace
                && key.0 != ns
            {
                break;
            }
            if !filter(object) {
                continue;
            }
            if limit.is_some_and(|limit| page.items.len() >= limit) {
                page.more = true;
                break;
            }
            page.items.push(object.clone());
        }
        page
    }

    /// All objects of the given kinds plus a receiver for every later event, atomically.
    pub fn snapshot_and_subscribe(&self, kinds: &[ServedKind]) -> (Snapshot, u64, EventReceiver) {
        let inner = self.lock();
        let mut objects = Vec::new();
        for kind in kinds {
            if let Some(map) = inner.objects.get(kind) {
                objects.extend(map.values().map(|object| (*kind, object.clone())));
            }
        }
        (objects, inner.resource_version, self.events.subscribe())
    }

    /// Events after `resource_version` from history plus a receiver for later ones, atomically.
    pub fn watch_from(
        &self,
        resource_version: u64,
    ) -> Result<(Vec<Arc<WatchEvent>>, EventReceiver), TooOld> {
        let inner = self.lock();
        if resource_version < inner.history_floor {
            return Err(TooOld {
                requested: resource_version,
                oldest: inner.history_floor + 1,
            });
        }
        let backlog = inner
            .history
            .iter()
            .filter(|event| event.resource_version > resource_version)
            .cloned()
            .collect();
        Ok((backlog, self.events.subscribe()))
    }

    /// Insert a pre-rendered object while seeding (no event): `render` gets the object's
    /// resourceVersion and returns its JSON, which must match the given name and labels.
    pub fn seed_stamped(
        &self,
        kind: ServedKind,
        namespace: &str,
        name: &str,
        labels: Vec<(String, String)>,
        fields: Vec<(&'static str, String)>,
        render: impl FnOnce(u64) -> Vec<u8>,
    ) {
        let mut inner = self.lock();
        inner.resource_version += 1;
        let resource_version = inner.resource_version;
        let json = render(resource_version);
        let protobuf = protobuf_of(kind, &json);
        let stored = Arc::new(StoredObject {
            namespace: namespace.to_string(),
            name: name.to_string(),
            resource_version,
            labels,
            fields,
            json: Bytes::from(json),
            protobuf,
        });
        inner
            .objects
            .entry(kind)
            .or_default()
            .insert(stored.key(), stored);
    }

    /// Insert an object while seeding: no event, no history.
    pub fn seed(&self, kind: ServedKind, object: Value) {
        self.seed_written(kind, object, Duration::ZERO);
    }

    /// Insert an object while seeding as if last written `ago`: its lease (if its kind has
    /// one) runs from then. Returns false, storing nothing, when that lease has already run out.
    pub fn seed_written(&self, kind: ServedKind, object: Value, ago: Duration) -> bool {
        let mut inner = self.lock();
        let now = Instant::now();
        let written = now.checked_sub(ago).unwrap_or(now);
        if inner
            .leases
            .ttl(kind)
            .is_some_and(|ttl| written.checked_add(ttl).is_none_or(|end| end <= now))
        {
            return false;
        }
        inner.resource_version += 1;
        let stored = Arc::new(StoredObject::build(kind, object, inner.resource_version));
        let key = stored.key();
        inner.leases.renew(kind, &key, written);
        inner.objects.entry(kind).or_default().insert(key, stored);
        true
    }

    /// Objects of `kind` expire `ttl` after their last write, as Events do in etcd.
    pub fn expire_after_write(&self, kind: ServedKind, ttl: Duration) {
        self.lock().leases.set_ttl(kind, ttl);
    }

    /// Delete every object whose lease has run out (watchers see DELETED, as when etcd
    /// revokes a lease). Returns how many went.
    pub fn expire_due(&self) -> usize {
        let mut inner = self.lock();
        let due = inner.leases.take_due(Instant::now());
        let mut expired = 0;
        for (kind, key) in due {
            let Some(previous) = inner
                .objects
                .get(&kind)
                .and_then(|objects| objects.get(&key))
                .cloned()
            else {
                continue;
            };
            let object = previous.to_value();
            self.commit(&mut inner, kind, EventType::Deleted, object, Some(previous));
            expired += 1;
        }
        expired
    }
}

/// One page of a list.
pub struct ListPage {
    /// The matching objects.
    pub items: Vec<Arc<StoredObject>>,
    /// Whether more matching objects follow.
    pub more: bool,
    /// The store's resourceVersion when the page was read.
    pub resource_version: u64,
}

fn key_of(object: &Value) -> StoreKey {
    let metadata = &object["metadata"];
    (
        metadata["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        metadata["name"].as_str().unwrap_or_default().to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "a", "labels": {"app": "x"}}})
    }

    #[test]
    fn every_write_bumps_the_global_resource_version() {
        let store = Store::new();
        let first = store.create(ServedKind::Pod, pod("p1")).unwrap();
        let second = store.create(ServedKind::Pod, pod("p2")).unwrap();
        assert_eq!(first.resource_version + 1, second.resource_version);
        assert_eq!(
            store.create(ServedKind::Pod, pod("p1")).unwrap_err(),
            StoreError::AlreadyExists
        );
        assert_eq!(
            store
                .replace(ServedKind::Pod, pod("p1"), Some(99))
                .unwrap_err(),
            StoreError::Conflict
        );
        assert_eq!(first.label("app"), Some("x"));
    }

    #[test]
    fn history_is_bounded_and_old_versions_are_expired() {
        let store = Store::new();
        store.create(ServedKind::Pod, pod("p")).unwrap();
        for _ in 0..HISTORY_CAPACITY + 10 {
            store.replace(ServedKind::Pod, pod("p"), None).unwrap();
        }
        let error = store.watch_from(1).err().unwrap();
        assert_eq!(error.requested, 1);
        assert!(error.oldest > 10);
        let (backlog, _) = store.watch_from(store.resource_version() - 3).unwrap();
        assert_eq!(backlog.len(), 3);
    }

    #[test]
    fn list_pages_within_a_namespace() {
        let store = Store::new();
        for name in ["a1", "a2", "a3"] {
            store.create(ServedKind::Pod, pod(name)).unwrap();
        }
        let page = store.list(ServedKind::Pod, Some("a"), None, Some(2), &|_| true);
        assert_eq!(page.items.len(), 2);
        assert!(page.more);
        let key = page.items[1].key();
        let rest = store.list(ServedKind::Pod, Some("a"), Some(&key), Some(2), &|_| true);
        assert_eq!(rest.items.len(), 1);
        assert!(!rest.more);
        assert!(
            store
                .list(ServedKind::Pod, Some("b"), None, None, &|_| true)
                .items
                .is_empty()
        );
    }
}
