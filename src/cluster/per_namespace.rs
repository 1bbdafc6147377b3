//! Watching one kind namespace by namespace: one [`run_kind_watch`] per namespace (the API
//! server filters, so other namespaces' objects never reach the console), their states combined
//! into the one state of the kind.
//!
//! Pods, ReplicaSets, Events and Services are watched this way in the zone's namespaces (the
//! console shows nothing else of them). The workload kinds are watched cluster-wide, for the
//! placement check, and fall back to this when the credential may not list them cluster-wide
//! (a Role in some namespaces rather than a ClusterRole).

use std::fmt::Debug;

use futures::future::BoxFuture;
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_stream::StreamMap;
use tokio_stream::wrappers::ReceiverStream;

use super::project;
use super::sent::FingerprintOf;
use super::watch::{KindWatch, WatchEnd, ZoneSignals, run_kind_watch};
use crate::config::ZoneId;
use crate::fleet::{FleetEvent, KindStatus, ObjectChange, ResourceKind, StoreChange, ZoneEvent};

/// A namespaced kind the watchers can list, watch and decode: the bounds kube's `Api` and
/// watcher need, named once.
pub trait NamespacedKind:
    Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
    + super::list_watch::ListPages
    + Clone
    + DeserializeOwned
    + Debug
    + Send
    + Sync
    + 'static
{
}

impl<K> NamespacedKind for K where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + super::list_watch::ListPages
        + Clone
        + DeserializeOwned
        + Debug
        + Send
        + Sync
        + 'static
{
}

/// How a kind's namespace watches ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The event loop went away.
    Closed,
    /// No namespace's watch is served.
    NotServed,
}

/// Starts the watch of one namespace, reporting on the given channel.
pub type StartWatch<'a> =
    dyn Fn(&str, mpsc::Sender<FleetEvent>) -> BoxFuture<'static, WatchEnd> + Send + Sync + 'a;

/// The namespace watches of one kind in one zone.
pub struct NamespaceWatches<'a> {
    /// The zone watched.
    pub zone: ZoneId,
    /// The kind watched.
    pub kind: ResourceKind,
    /// The namespaces, in the zone's order (the order refusals are named in).
    pub namespaces: &'a [String],
    /// Where changes and the combined state go.
    pub tx: &'a mpsc::Sender<FleetEvent>,
    /// The server's refusal of the cluster-wide watch, when this is the fallback from it.
    pub cluster_wide_refused: Option<String>,
    /// A combined "not served" is not forwarded: the caller tries another API group first.
    pub hold_not_served: bool,
}

impl NamespaceWatches<'_> {
    /// Runs one watch per namespace through `start`, forwarding their changes and their
    /// combined state, until the event loop goes away or every watch ended as not served.
    pub async fn run(&self, start: &StartWatch<'_>) -> Ended {
        let (zone, kind) = (self.zone, self.kind);
        if self.namespaces.is_empty() {
            // No namespace to look in: nothing to show, and nothing missing.
            let status = self.combined(&[]);
            let _ = self
                .tx
                .send(FleetEvent::new(zone, ZoneEvent::Kind(kind, status)))
                .await;
            return Ended::Closed;
        }
        // Each namespace's watch reports on its own channel, so its state is known by name.
        // The tasks end with this future (the set aborts them when dropped).
        let mut watchers = JoinSet::new();
        let mut reports = StreamMap::new();
        let mut statuses: Vec<(String, KindStatus)> = Vec::with_capacity(self.namespaces.len());
        for ns in self.namespaces {
            let (ns_tx, ns_rx) = mpsc::channel(256);
            reports.insert(ns.clone(), ReceiverStream::new(ns_rx));
            statuses.push((ns.clone(), KindStatus::Syncing));
            watchers.spawn(start(ns, ns_tx));
        }
        let mut shown: Option<KindStatus> = None;
        loop {
            let report = tokio::select! {
                report = futures::StreamExt::next(&mut reports) => report,
                _ = self.tx.closed() => return Ended::Closed,
            };
            // Every namespace's watch ended: only "not served" ends one for good.
            let Some((ns, report)) = report else {
                return Ended::NotServed;
            };
            let read_at = report.read_at;
            let forward = match report.event {
                ZoneEvent::Kind(_, status) => {
                    if let Some(slot) = statuses.iter_mut().find(|(n, _)| *n == ns) {
                        slot.1 = status;
                    }
                    let combined = self.combined(&statuses);
                    if shown.as_ref() == Some(&combined)
                        || combined == KindStatus::NotServed && self.hold_not_served
                    {
                        continue;
                    }
                    shown = Some(combined.clone());
                    ZoneEvent::Kind(kind, combined)
                }
                other => other,
            };
            if self
                .tx
                .send(FleetEvent {
                    zone,
                    event: forward,
                    read_at,
                })
                .await
                .is_err()
            {
                return Ended::Closed;
            }
        }
    }

    fn combined(&self, statuses: &[(String, KindStatus)]) -> KindStatus {
        combined_status(statuses, self.cluster_wide_refused.as_deref())
    }
}

/// One state for a kind from its namespaces' states (in the zone's order): a failure wins, then
/// a namespace still listing; not served only when no namespace is served; forbidden when every
/// served namespace refused; forbidden in the namespaces that refused when some did (or when
/// `cluster_wide_refused`, the cluster-wide list was); else synced.
pub fn combined_status(
    statuses: &[(String, KindStatus)],
    cluster_wide_refused: Option<&str>,
) -> KindStatus {
    if let Some((_, failed)) = statuses
        .iter()
        .find(|(_, s)| matches!(s, KindStatus::Failed { .. }))
    {
        return failed.clone();
    }
    if statuses.iter().any(|(_, s)| *s == KindStatus::Syncing) {
        return KindStatus::Syncing;
    }
    if !statuses.is_empty() && statuses.iter().all(|(_, s)| *s == KindStatus::NotServed) {
        return KindStatus::NotServed;
    }
    let refused: Vec<(&String, &str)> = statuses
        .iter()
        .filter_map(|(ns, s)| match s {
            KindStatus::Forbidden { message } => Some((ns, message.as_str())),
            _ => None,
        })
        .collect();
    let served = statuses
        .iter()
        .filter(|(_, s)| *s != KindStatus::NotServed)
        .count();
    if let Some((_, message)) = refused.first()
        && refused.len() == served
    {
        return KindStatus::Forbidden {
            message: message.to_string(),
        };
    }
    let message = refused.first().map(|(_, m)| *m).or(cluster_wide_refused);
    match message {
        Some(message) => KindStatus::ForbiddenIn {
            namespaces: refused.iter().map(|(ns, _)| ns.to_string()).collect(),
            cluster_wide: cluster_wide_refused.is_some(),
            message: message.to_string(),
        },
        None => KindStatus::Synced,
    }
}

/// Watches `kind` in each of `namespaces` through `api_for`, projecting with `project` and
/// wrapping changes with `wrap` (each marked with its namespace, so a relist replaces only
/// that namespace's objects).
#[allow(clippy::too_many_arguments)]
pub async fn run_typed<K, P>(
    zone: ZoneId,
    kind: ResourceKind,
    client: Client,
    namespaces: &[String],
    tx: &mpsc::Sender<FleetEvent>,
    signals: &ZoneSignals,
    cluster_wide_refused: Option<String>,
    project: fn(K) -> P,
    fingerprint: Option<FingerprintOf<P>>,
    wrap: fn(StoreChange<P>) -> ObjectChange,
) -> Ended
where
    K: NamespacedKind,
    P: Send + 'static,
{
    let start = |ns: &str, ns_tx: mpsc::Sender<FleetEvent>| -> BoxFuture<'static, WatchEnd> {
        let scope = ns.to_string();
        Box::pin(run_kind_watch(
            zone,
            KindWatch {
                kind,
                api: Api::<K>::namespaced(client.clone(), ns),
                project,
                key: project::key_of,
                fingerprint,
                wrap: Box::new(move |change| {
                    ObjectChange::InNamespace(scope.clone(), Box::new(wrap(change)))
                }),
                give_up_when_forbidden: false,
            },
            ns_tx,
            signals.clone(),
        ))
    };
    NamespaceWatches {
        zone,
        kind,
        namespaces,
        tx,
        cluster_wide_refused,
        hold_not_served: false,
    }
    .run(&start)
    .await
}

/// Watches a namespaced `kind` cluster-wide (checks need the whole cluster); when the
/// credential may not, watches it in each of `namespaces` instead ([`run_typed`]) and says so
/// in the kind's state.
#[allow(clippy::too_many_arguments)]
pub async fn run_cluster_wide_or_per_namespace<K, P>(
    zone: ZoneId,
    kind: ResourceKind,
    client: Client,
    namespaces: std::sync::Arc<Vec<String>>,
    tx: mpsc::Sender<FleetEvent>,
    signals: ZoneSignals,
    project: fn(K) -> P,
    wrap: fn(StoreChange<P>) -> ObjectChange,
) where
    K: NamespacedKind,
    P: Send + 'static,
{
    let cluster_wide = KindWatch {
        kind,
        api: Api::<K>::all(client.clone()),
        project,
        key: project::key_of,
        fingerprint: None,
        wrap: Box::new(wrap),
        give_up_when_forbidden: true,
    };
    let WatchEnd::Forbidden(message) =
        run_kind_watch(zone, cluster_wide, tx.clone(), signals.clone()).await
    else {
        return;
    };
    tracing::info!(%zone, kind = kind.plural(), %message, "may not list cluster-wide; watching the zone's namespaces");
    run_typed(
        zone,
        kind,
        client,
        &namespaces,
        &tx,
        &signals,
        Some(message),
        project,
        None,
        wrap,
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::FailureCause;

    fn named(statuses: &[&KindStatus]) -> Vec<(String, KindStatus)> {
        statuses
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("ns{i}"), (*s).clone()))
            .collect()
    }

    #[test]
    fn namespace_states_combine_into_one() {
        let forbidden = KindStatus::Forbidden {
            message: "events is forbidden".into(),
        };
        let failed = KindStatus::Failed {
            error: "boom".into(),
            cause: FailureCause::Unreachable,
            retry_at: None,
        };
        use KindStatus::{NotServed, Synced, Syncing};
        let combined = |s: &[&KindStatus]| combined_status(&named(s), None);
        assert_eq!(combined(&[&Synced, &Synced]), Synced);
        assert_eq!(combined(&[&Synced, &Syncing]), Syncing);
        assert_eq!(combined(&[&forbidden, &Syncing]), Syncing);
        assert_eq!(combined(&[&Synced, &failed, &Syncing]), failed);
        assert_eq!(combined(&[&NotServed, &NotServed]), NotServed);
        assert_eq!(combined(&[&NotServed, &Synced]), Synced);
        assert_eq!(combined(&[&forbidden, &forbidden]), forbidden);
        assert_eq!(combined(&[&forbidden, &NotServed]), forbidden);
        assert_eq!(combined(&[]), Synced, "no namespace: nothing missing");
    }

    #[test]
    fn some_namespaces_refusing_are_named_in_order_and_the_rest_live() {
        let forbidden = KindStatus::Forbidden {
            message: "pods is forbidden: User \"ge-reader\"".into(),
        };
        let statuses = named(&[&forbidden, &KindStatus::Synced, &forbidden]);
        assert_eq!(
            combined_status(&statuses, None),
            KindStatus::ForbiddenIn {
                namespaces: vec!["ns0".into(), "ns2".into()],
                cluster_wide: false,
                message: "pods is forbidden: User \"ge-reader\"".into(),
            }
        );
    }

    #[test]
    fn a_fallback_from_a_refused_cluster_wide_watch_says_so_even_when_every_namespace_answers() {
        let statuses = named(&[&KindStatus::Synced, &KindStatus::Synced]);
        assert_eq!(
            combined_status(&statuses, Some("deployments.apps is forbidden")),
            KindStatus::ForbiddenIn {
                namespaces: vec![],
                cluster_wide: true,
                message: "deployments.apps is forbidden".into(),
            }
        );
        let forbidden = KindStatus::Forbidden {
            message: "in ns1".into(),
        };
        let statuses = named(&[&KindStatus::Synced, &forbidden]);
        assert_eq!(
            combined_status(&statuses, Some("cluster-wide")),
            KindStatus::ForbiddenIn {
                namespaces: vec!["ns1".into()],
                cluster_wide: true,
                message: "in ns1".into(),
            }
        );
    }
}
