//! The fleet model: what each zone looks like, as projected from its watch streams, and the
//! health and checks derived from it.
//!
//! The model is plain data owned by the event loop. The cluster layer sends [`ZoneEvent`]s; the
//! UI and the snapshot report read the model and its derived [`health`] summaries.

pub mod checks;
pub mod compare;
pub mod events;
pub mod explain;
pub mod health;
pub mod history;
pub mod objects;
pub mod report;
pub mod summaries;
pub mod touched;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use serde::Serialize;

use crate::config::{FleetConfig, ZoneConfig, ZoneId};
pub use objects::*;

/// The resource kinds each zone watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    /// Cluster nodes, for readiness counts and the node list.
    Nodes,
    /// Namespaces, which group a zone's workloads on screen.
    Namespaces,
    /// Pods, for readiness, restarts and problem reports.
    Pods,
    /// Deployments, the usual restart targets.
    Deployments,
    /// StatefulSets, watched as workloads like deployments.
    StatefulSets,
    /// DaemonSets, watched as workloads like deployments.
    DaemonSets,
    /// ReplicaSets, to tell a deployment's new pods from its old ones during a rollout.
    ReplicaSets,
    /// Events (`events.k8s.io/v1`, else `core/v1`), watched in the zone's namespaces: optional,
    /// so a credential that may not list them still sees a live zone.
    Events,
    /// Services in the zone's namespaces, for the ports check: optional like events.
    Services,
    /// IngressClasses (`networking.k8s.io/v1`), for the platform check: optional.
    IngressClasses,
    /// StorageClasses (`storage.k8s.io/v1`), for the platform check: optional.
    StorageClasses,
}

impl ResourceKind {
    /// Every watched kind, in display order.
    pub const ALL: [ResourceKind; 11] = [
        ResourceKind::Nodes,
        ResourceKind::Namespaces,
        ResourceKind::Pods,
        ResourceKind::Deployments,
        ResourceKind::StatefulSets,
        ResourceKind::DaemonSets,
        ResourceKind::ReplicaSets,
        ResourceKind::Events,
        ResourceKind::Services,
        ResourceKind::IngressClasses,
        ResourceKind::StorageClasses,
    ];

    /// The plural resource name used in the API path.
    pub fn plural(self) -> &'static str {
        match self {
            ResourceKind::Nodes => "nodes",
            ResourceKind::Namespaces => "namespaces",
            ResourceKind::Pods => "pods",
            ResourceKind::Deployments => "deployments",
            ResourceKind::StatefulSets => "statefulsets",
            ResourceKind::DaemonSets => "daemonsets",
            ResourceKind::ReplicaSets => "replicasets",
            ResourceKind::Events => "events",
            ResourceKind::Services => "services",
            ResourceKind::IngressClasses => "ingressclasses",
            ResourceKind::StorageClasses => "storageclasses",
        }
    }

    /// True for a kind the console can do without (events, and the kinds only the runbook
    /// checks read): that it may not be listed is shown, but is not a failed check.
    pub fn is_optional(self) -> bool {
        matches!(
            self,
            ResourceKind::Events
                | ResourceKind::Services
                | ResourceKind::IngressClasses
                | ResourceKind::StorageClasses
        )
    }
}

/// Why a request to a zone failed, as far as the console's state is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCause {
    /// 401: the credentials were refused.
    Unauthorized,
    /// Connection refused, DNS, TLS, timeouts: the server could not be reached.
    Unreachable,
    /// Any other error (5xx, a broken stream).
    Other,
}

/// Connection facts about a zone as a whole, reported by its supervisor task.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkStatus {
    /// Building the client or waiting for the first answer.
    Connecting,
    /// The server answered `/version`.
    Connected {
        /// The server's `gitVersion` (e.g. `v1.34.1`), shown with the zone, checked by pins.
        server_version: String,
    },
    /// The last attempt failed; another follows at `retry_at`.
    Failed {
        /// The error as shown to the user.
        error: String,
        /// How the failure affects the zone's state.
        cause: FailureCause,
        /// When the next attempt is due, if one is scheduled.
        retry_at: Option<SystemTime>,
    },
    /// The zone cannot be connected at all (its context is missing, its kubeconfig is broken).
    NotConfigured {
        /// Why, in words for the user (missing context, unreadable kubeconfig).
        reason: String,
    },
}

/// Where one kind's watch stands.
#[derive(Debug, Clone, PartialEq)]
pub enum KindStatus {
    /// Listing (first time or after a reconnect / 410).
    Syncing,
    /// Listed and watching.
    Synced,
    /// The watch failed; it is retried at `retry_at`.
    Failed {
        /// The error as shown to the user.
        error: String,
        /// How the failure affects the zone's state.
        cause: FailureCause,
        /// When the watch is retried, if a retry is scheduled.
        retry_at: Option<SystemTime>,
    },
    /// 403: this credential may not list this kind; the others still show.
    Forbidden {
        /// The server's refusal message, shown with the kind.
        message: String,
    },
    /// The server does not serve this kind.
    NotServed,
    /// Watched namespace by namespace (by design, or because the credential may not list it
    /// cluster-wide), and the namespaces in `namespaces` refused (403): the other namespaces'
    /// objects show. With `cluster_wide` the kind was refused cluster-wide too, so objects outside
    /// the zone's namespaces are not seen (checks that need the whole cluster cannot look).
    ForbiddenIn {
        /// The namespaces that refused, in the zone's order (may be empty when only the
        /// cluster-wide list was refused).
        namespaces: Vec<String>,
        /// The kind was refused cluster-wide.
        cluster_wide: bool,
        /// The server's refusal message (the first one).
        message: String,
    },
}

impl KindStatus {
    /// What the credential may not see of the kind, as shown next to it ("forbidden: …",
    /// "forbidden in ge-system, ge-data: …"); None when it sees all it looks at.
    pub fn refusal(&self) -> Option<String> {
        match self {
            KindStatus::Forbidden { message } => Some(format!("forbidden: {message}")),
            KindStatus::ForbiddenIn {
                namespaces,
                message,
                ..
            } if !namespaces.is_empty() => {
                Some(format!("forbidden in {}: {message}", namespaces.join(", ")))
            }
            _ => None,
        }
    }

    /// The kind has reached a steady state (data, or a definite "you will not get data").
    pub fn is_settled(&self) -> bool {
        matches!(
            self,
            KindStatus::Synced
                | KindStatus::Forbidden { .. }
                | KindStatus::ForbiddenIn { .. }
                | KindStatus::NotServed
        )
    }
}

/// A change to one kind's objects, with reflector semantics.
#[derive(Debug, Clone)]
pub enum StoreChange<T> {
    /// A full relist: these are now all the objects of the kind.
    Replace(Vec<T>),
    /// Added or modified.
    Upsert(T),
    /// Deleted.
    Delete(ObjectKey),
}

/// A change to a zone's objects.
#[derive(Debug, Clone)]
pub enum ObjectChange {
    /// Node objects changed.
    Nodes(StoreChange<NodeInfo>),
    /// Namespace objects changed.
    Namespaces(StoreChange<NamespaceInfo>),
    /// Pod objects changed.
    Pods(StoreChange<PodInfo>),
    /// Workloads of one kind changed (the three workload kinds share one map per zone).
    Workloads(WorkloadKind, StoreChange<WorkloadInfo>),
    /// ReplicaSet objects changed.
    ReplicaSets(StoreChange<ReplicaSetInfo>),
    /// Events of one namespace changed (each namespace is watched on its own, so a relist
    /// replaces only that namespace's events).
    Events(String, StoreChange<events::EventInfo>),
    /// Services of one namespace changed (watched per namespace, like events).
    Services(String, StoreChange<ServiceInfo>),
    /// IngressClass objects changed.
    IngressClasses(StoreChange<IngressClassInfo>),
    /// StorageClass objects changed.
    StorageClasses(StoreChange<StorageClassInfo>),
    /// A change from the watch of one namespace (a kind watched namespace by namespace): its
    /// relist replaces only that namespace's objects of the kind.
    InNamespace(String, Box<ObjectChange>),
}

/// Something the cluster layer learned about a zone.
// Object changes dominate the traffic and are moved once through a channel; boxing them would
// add an allocation per event to save a few bytes on the rare link/kind events.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum ZoneEvent {
    /// The zone's connection as a whole changed.
    Link(LinkStatus),
    /// One kind's watch changed state.
    Kind(ResourceKind, KindStatus),
    /// Objects of one kind were listed, added, modified or deleted.
    Objects(ObjectChange),
}

/// A [`ZoneEvent`] addressed to its zone.
#[derive(Debug, Clone)]
pub struct FleetEvent {
    /// The zone the event is about.
    pub zone: ZoneId,
    /// What happened in that zone.
    pub event: ZoneEvent,
    /// When the cluster layer read it from a watch stream (a model change), for the
    /// console's own event → frame latency (`--trace-latency`); None for what it says itself.
    pub read_at: Option<std::time::Instant>,
}

impl FleetEvent {
    /// An event the cluster layer says about a zone (its link, a kind's state).
    pub fn new(zone: ZoneId, event: ZoneEvent) -> Self {
        FleetEvent {
            zone,
            event,
            read_at: None,
        }
    }
}

/// The state a zone is shown in; derived from its link and kind statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneState {
    /// No answer from the server yet, and the zone has never been live.
    Connecting,
    /// Connected; some watched kinds have not finished their first list.
    Syncing,
    /// Every watched kind has listed (or is settled as forbidden or not served).
    Live,
    /// Was live once and has lost its connection or a watch; retrying.
    Reconnecting,
    /// The server refused the credentials (401), for the link or any kind.
    Unauthorized,
    /// Never reached the server, or every watch failed before any settled.
    Unreachable,
    /// The zone has no usable context or kubeconfig, so it is never connected.
    NotConfigured,
}

impl ZoneState {
    /// The lower-case word used on screen and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneState::Connecting => "connecting",
            ZoneState::Syncing => "syncing",
            ZoneState::Live => "live",
            ZoneState::Reconnecting => "reconnecting",
            ZoneState::Unauthorized => "unauthorized",
            ZoneState::Unreachable => "unreachable",
            ZoneState::NotConfigured => "not_configured",
        }
    }
}

/// Everything known about one zone.
#[derive(Debug, Clone)]
pub struct ZoneModel {
    /// The zone's configuration (name, context, guards), shared with the rest of the app.
    pub config: Arc<ZoneConfig>,
    /// The connection as last reported by the supervisor task.
    pub link: LinkStatus,
    /// The server's version, remembered from the last successful connection.
    pub server_version: Option<String>,
    /// Where each watched kind's watch stands.
    pub kinds: BTreeMap<ResourceKind, KindStatus>,
    /// The zone's nodes by key.
    pub nodes: ObjectMap<NodeInfo>,
    /// The zone's namespaces by key.
    pub namespaces: ObjectMap<NamespaceInfo>,
    /// The zone's pods by key.
    pub pods: ObjectMap<PodInfo>,
    /// Deployments, statefulsets and daemonsets, keyed by kind as well as name.
    pub workloads: BTreeMap<WorkloadKey, WorkloadInfo>,
    /// The zone's replicasets by key, for rollout progress.
    pub replicasets: ObjectMap<ReplicaSetInfo>,
    /// The zone's recent events, bounded by the `[events]` window and cap.
    pub events: events::EventStore,
    /// The Services of the zone's namespaces, by key.
    pub services: ObjectMap<ServiceInfo>,
    /// The zone's IngressClasses by key.
    pub ingress_classes: ObjectMap<IngressClassInfo>,
    /// The zone's StorageClasses by key.
    pub storage_classes: ObjectMap<StorageClassInfo>,
    /// The zone has been live at least once (so a later failure is "reconnecting").
    pub ever_live: bool,
    /// Failed attempts since the zone was last live: one failure may be a blip, several make
    /// an unreachable zone a settled fact (for `snapshot`).
    pub failed_attempts: u32,
    state: ZoneState,
    state_since: Instant,
}

impl ZoneModel {
    /// An empty model for a configured zone, not yet connecting.
    pub fn new(config: Arc<ZoneConfig>) -> Self {
        ZoneModel {
            config,
            link: LinkStatus::Connecting,
            server_version: None,
            kinds: BTreeMap::new(),
            nodes: BTreeMap::new(),
            namespaces: BTreeMap::new(),
            pods: BTreeMap::new(),
            workloads: BTreeMap::new(),
            replicasets: BTreeMap::new(),
            events: events::EventStore::new(crate::config::EventsConfig::default()),
            services: BTreeMap::new(),
            ingress_classes: BTreeMap::new(),
            storage_classes: BTreeMap::new(),
            ever_live: false,
            failed_attempts: 0,
            state: ZoneState::Connecting,
            state_since: Instant::now(),
        }
    }

    /// The zone's current state.
    pub fn state(&self) -> ZoneState {
        self.state
    }

    /// When the zone entered its current state.
    pub fn state_since(&self) -> Instant {
        self.state_since
    }

    /// Moves the start of the current state (for deterministic renders in tests and demos).
    pub fn set_state_since(&mut self, since: Instant) {
        self.state_since = since;
    }

    /// The error to show next to the state, if any: the link's, else the first failing kind's.
    pub fn error(&self) -> Option<String> {
        match &self.link {
            LinkStatus::Failed { error, .. } => return Some(error.clone()),
            LinkStatus::NotConfigured { reason } => return Some(reason.clone()),
            _ => {}
        }
        self.kinds.iter().find_map(|(kind, status)| match status {
            KindStatus::Failed { error, .. } => Some(format!("{}: {error}", kind.plural())),
            _ => None,
        })
    }

    /// When the next retry is due, if the zone is waiting for one.
    pub fn retry_at(&self) -> Option<SystemTime> {
        match &self.link {
            LinkStatus::Failed { retry_at, .. } => *retry_at,
            _ => self.kinds.values().find_map(|s| match s {
                KindStatus::Failed { retry_at, .. } => *retry_at,
                _ => None,
            }),
        }
    }

    /// Kinds this zone's credentials may not list, with the server's message.
    pub fn forbidden_kinds(&self) -> Vec<(ResourceKind, &str)> {
        self.kinds
            .iter()
            .filter_map(|(k, s)| match s {
                KindStatus::Forbidden { message } => Some((*k, message.as_str())),
                _ => None,
            })
            .collect()
    }

    /// Kinds watched namespace by namespace that some of the zone's namespaces refused: the
    /// kind, those namespaces and the server's message.
    pub fn kinds_forbidden_in_namespaces(&self) -> Vec<(ResourceKind, &[String], &str)> {
        self.kinds
            .iter()
            .filter_map(|(k, s)| match s {
                KindStatus::ForbiddenIn {
                    namespaces,
                    message,
                    ..
                } if !namespaces.is_empty() => Some((*k, namespaces.as_slice(), message.as_str())),
                _ => None,
            })
            .collect()
    }

    /// Why `kind` cannot be seen across the whole cluster, when it cannot: the server's refusal
    /// (forbidden outright, or cluster-wide with the zone's namespaces watched instead). Checks
    /// that need every namespace say they could not look.
    pub fn cluster_wide_refusal(&self, kind: ResourceKind) -> Option<&str> {
        match self.kinds.get(&kind)? {
            KindStatus::Forbidden { message } => Some(message),
            KindStatus::ForbiddenIn {
                cluster_wide: true,
                message,
                ..
            } => Some(message),
            _ => None,
        }
    }

    /// True when `change` would leave the zone's objects as they are: an object written again
    /// as it is stored, because what moved (a label, an annotation, a probe time, the
    /// resourceVersion) is left out of its projection. Nothing shown or derived changes.
    pub fn unchanged_by(&self, change: &ObjectChange) -> bool {
        fn same<T: Keyed + PartialEq>(map: &ObjectMap<T>, change: &StoreChange<T>) -> bool {
            match change {
                StoreChange::Upsert(object) => map.get(&object.key()) == Some(object),
                StoreChange::Replace(_) | StoreChange::Delete(_) => false,
            }
        }
        match change {
            ObjectChange::InNamespace(_, inner) => self.unchanged_by(inner),
            ObjectChange::Pods(change) => same(&self.pods, change),
            ObjectChange::ReplicaSets(change) => same(&self.replicasets, change),
            ObjectChange::Nodes(change) => same(&self.nodes, change),
            ObjectChange::Workloads(_, StoreChange::Upsert(w)) => {
                self.workloads.get(&w.workload_key()) == Some(w)
            }
            _ => false,
        }
    }

    /// Applies one event and re-derives the state.
    pub fn apply(&mut self, event: ZoneEvent) {
        if matches!(
            event,
            ZoneEvent::Link(LinkStatus::Failed { .. })
                | ZoneEvent::Kind(_, KindStatus::Failed { .. })
        ) {
            self.failed_attempts = self.failed_attempts.saturating_add(1);
        }
        match event {
            ZoneEvent::Link(link) => {
                if let LinkStatus::Connected { server_version } = &link {
                    self.server_version = Some(server_version.clone());
                }
                self.link = link;
            }
            ZoneEvent::Kind(kind, status) => {
                self.kinds.insert(kind, status);
            }
            ZoneEvent::Objects(change) => self.apply_objects(change),
        }
        self.rederive_state();
    }

    fn apply_objects(&mut self, change: ObjectChange) {
        match change {
            ObjectChange::InNamespace(namespace, inner) => {
                self.apply_in_namespace(&namespace, *inner)
            }
            ObjectChange::Nodes(c) => apply_change(&mut self.nodes, c),
            ObjectChange::Namespaces(c) => apply_change(&mut self.namespaces, c),
            ObjectChange::Pods(c) => apply_change(&mut self.pods, c),
            ObjectChange::ReplicaSets(c) => apply_change(&mut self.replicasets, c),
            ObjectChange::Events(namespace, c) => self.events.apply(&namespace, c),
            // A namespace's relist replaces only that namespace's Services.
            ObjectChange::Services(namespace, c) => match c {
                StoreChange::Replace(items) => {
                    self.services.retain(|k, _| k.namespace != namespace);
                    self.services
                        .extend(items.into_iter().map(|s| (s.key(), s)));
                }
                other => apply_change(&mut self.services, other),
            },
            ObjectChange::IngressClasses(c) => apply_change(&mut self.ingress_classes, c),
            ObjectChange::StorageClasses(c) => apply_change(&mut self.storage_classes, c),
            ObjectChange::Workloads(kind, c) => match c {
                StoreChange::Replace(items) => {
                    self.workloads.retain(|k, _| k.kind != kind);
                    for w in items {
                        self.workloads.insert(w.workload_key(), w);
                    }
                }
                StoreChange::Upsert(w) => {
                    self.workloads.insert(w.workload_key(), w);
                }
                StoreChange::Delete(key) => {
                    self.workloads.remove(&WorkloadKey {
                        kind,
                        namespace: key.namespace,
                        name: key.name,
                    });
                }
            },
        }
    }

    /// Applies a change from one namespace's watch: a relist replaces that namespace's objects
    /// of the kind and keeps every other namespace's.
    fn apply_in_namespace(&mut self, namespace: &str, change: ObjectChange) {
        match change {
            ObjectChange::Pods(c) => apply_change_in(&mut self.pods, namespace, c),
            ObjectChange::ReplicaSets(c) => apply_change_in(&mut self.replicasets, namespace, c),
            ObjectChange::Workloads(kind, StoreChange::Replace(items)) => {
                self.workloads
                    .retain(|k, _| k.kind != kind || k.namespace != namespace);
                for w in items {
                    self.workloads.insert(w.workload_key(), w);
                }
            }
            // The rest carry their namespace already or are replaced per namespace anyway.
            other => self.apply_objects(other),
        }
    }

    fn rederive_state(&mut self) {
        let any_unauthorized = matches!(
            self.link,
            LinkStatus::Failed {
                cause: FailureCause::Unauthorized,
                ..
            }
        ) || self.kinds.values().any(|s| {
            matches!(
                s,
                KindStatus::Failed {
                    cause: FailureCause::Unauthorized,
                    ..
                }
            )
        });
        let state = match &self.link {
            LinkStatus::NotConfigured { .. } => ZoneState::NotConfigured,
            _ if any_unauthorized => ZoneState::Unauthorized,
            LinkStatus::Connecting if self.ever_live => ZoneState::Reconnecting,
            LinkStatus::Connecting => ZoneState::Connecting,
            LinkStatus::Failed { .. } if self.ever_live => ZoneState::Reconnecting,
            LinkStatus::Failed { .. } => ZoneState::Unreachable,
            LinkStatus::Connected { .. } => {
                let failing = self
                    .kinds
                    .values()
                    .any(|s| matches!(s, KindStatus::Failed { .. }));
                let settled = ResourceKind::ALL
                    .iter()
                    .all(|k| self.kinds.get(k).is_some_and(KindStatus::is_settled));
                if failing && self.ever_live {
                    ZoneState::Reconnecting
                } else if failing && self.kinds.values().all(|s| !s.is_settled()) {
                    ZoneState::Unreachable
                } else if settled {
                    ZoneState::Live
                } else {
                    ZoneState::Syncing
                }
            }
        };
        if state == ZoneState::Live {
            self.ever_live = true;
            self.failed_attempts = 0;
        }
        if state != self.state {
            self.state = state;
            self.state_since = Instant::now();
        }
    }
}

/// [`apply_change`] for a change from one namespace's watch: a relist replaces only the
/// objects of `namespace`.
fn apply_change_in<T: Keyed>(map: &mut ObjectMap<T>, namespace: &str, change: StoreChange<T>) {
    match change {
        StoreChange::Replace(items) => {
            let kept = std::mem::take(map)
                .into_iter()
                .filter(|(k, _)| k.namespace != namespace);
            // Collected, not extended: see `rebuilt`.
            *map = rebuilt(kept.chain(items.into_iter().map(|o| (o.key(), o))));
        }
        other => apply_change(map, other),
    }
}

/// A map built from `entries` in one go. `BTreeMap::from_iter` sorts them and fills every node
/// of the tree; inserting them one by one in key order (as a relist arrives) splits each full
/// node in two and leaves the tree about half full: for 10,000 pods a zone, megabytes of empty
/// slots. Later entries win over earlier ones of the same key, as with `insert`.
fn rebuilt<T>(entries: impl Iterator<Item = (ObjectKey, T)>) -> ObjectMap<T> {
    entries.collect()
}

fn apply_change<T: Keyed>(map: &mut ObjectMap<T>, change: StoreChange<T>) {
    match change {
        StoreChange::Replace(items) => {
            *map = rebuilt(items.into_iter().map(|o| (o.key(), o)));
        }
        StoreChange::Upsert(o) => {
            map.insert(o.key(), o);
        }
        StoreChange::Delete(key) => {
            map.remove(&key);
        }
    }
}

/// Failed attempts (with the watchers' backoff: about 3–5 s) before an unreachable zone is
/// taken as down rather than as a passing blip.
pub const UNREACHABLE_AFTER_ATTEMPTS: u32 = 3;

/// All zones, in configured order.
#[derive(Debug, Clone)]
pub struct Fleet {
    /// One model per configured zone, in configured order.
    pub zones: Vec<ZoneModel>,
}

impl Fleet {
    /// An empty model with one zone per configured zone.
    pub fn new(config: &FleetConfig) -> Self {
        Fleet {
            zones: config
                .zones
                .iter()
                .map(|z| {
                    let mut zone = ZoneModel::new(Arc::new(z.clone()));
                    zone.events = events::EventStore::new(config.events);
                    zone
                })
                .collect(),
        }
    }

    /// Drops every zone's events that aged out of the window ending at `now`; true when any
    /// went (the screen changed).
    pub fn prune_events(&mut self, now: jiff::Timestamp) -> bool {
        let mut removed = 0;
        for zone in &mut self.zones {
            removed += zone.events.prune(now);
        }
        removed > 0
    }

    /// True when `event` would change nothing in its zone's model (see
    /// [`ZoneModel::unchanged_by`]); link and kind events always count as changes.
    pub fn unchanged_by(&self, event: &FleetEvent) -> bool {
        match (&event.event, self.zone(event.zone)) {
            (ZoneEvent::Objects(change), Some(zone)) => zone.unchanged_by(change),
            _ => false,
        }
    }

    /// Applies an event to its zone; events for unknown zones are ignored.
    pub fn apply(&mut self, event: FleetEvent) {
        if let Some(zone) = self.zone_mut(event.zone) {
            zone.apply(event.event);
        }
    }

    /// The zone with this id.
    pub fn zone(&self, id: ZoneId) -> Option<&ZoneModel> {
        self.zones.iter().find(|z| z.config.id == id)
    }

    /// The zone with this id, mutably.
    pub fn zone_mut(&mut self, id: ZoneId) -> Option<&mut ZoneModel> {
        self.zones.iter_mut().find(|z| z.config.id == id)
    }

    /// True when no zone is still on its way to a steady state: each is live, unauthorised,
    /// not configured, or unreachable after [`UNREACHABLE_AFTER_ATTEMPTS`] failed attempts.
    pub fn all_settled(&self) -> bool {
        self.zones.iter().all(|z| match z.state() {
            ZoneState::Connecting | ZoneState::Syncing | ZoneState::Reconnecting => false,
            ZoneState::Unreachable => z.failed_attempts >= UNREACHABLE_AFTER_ATTEMPTS,
            ZoneState::Live | ZoneState::Unauthorized | ZoneState::NotConfigured => true,
        })
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
pub(crate) mod tests;
