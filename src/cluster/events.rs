//! Watching a zone's Events: one watch per watched namespace (the zone's namespaces and
//! kube-system; the API server filters, so other teams' events never reach the console), through
//! the same watcher, backoff and classification as every other kind ([`run_kind_watch`]).
//!
//! `events.k8s.io/v1` is preferred; where the server does not serve it (discovery says so, or a
//! list of it answers 404) `core/v1` Events are watched instead. The namespaces' watch states are
//! combined into the one state of [`ResourceKind::Events`], so the zone sees one kind.

use std::sync::Arc;

use futures::future::BoxFuture;

use k8s_openapi::api::core::v1::Event as CoreEvent;
use k8s_openapi::api::events::v1::Event as EventV1;
use kube::api::ListParams;
use kube::{Api, Client};
use tokio::sync::mpsc;

use super::classify::{ErrorClass, classify_client_error};
use super::event_project;
use super::per_namespace::{Ended, NamespaceWatches};
use super::project;
use super::watch::{KindWatch, WatchEnd, Wrap, ZoneSignals, run_kind_watch};
use crate::config::{SYSTEM_NAMESPACE, ZoneId};
use crate::fleet::{FleetEvent, KindStatus, ObjectChange, ResourceKind, ZoneEvent};

/// The API group a zone's events are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventsGroup {
    /// `events.k8s.io/v1` (Kubernetes 1.19 and later).
    EventsV1,
    /// `core/v1`, where events.k8s.io is not served.
    Core,
}

/// Which group serves events: discovery first; when discovery cannot say, a one-item list of
/// `events.k8s.io` in `probe_namespace` (404: not served). None when neither group serves them.
async fn choose_group(client: &Client, probe_namespace: &str) -> Option<EventsGroup> {
    match client.list_api_group_resources("events.k8s.io/v1").await {
        Ok(list) if list.resources.iter().any(|r| r.name == "events") => {
            return Some(EventsGroup::EventsV1);
        }
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 404 => {}
        Err(_) => {
            let api: Api<EventV1> = Api::namespaced(client.clone(), probe_namespace);
            match api.list(&ListParams::default().limit(1)).await {
                Err(err) if classify_client_error(&err) == ErrorClass::NotServed => {}
                // Served, or failing for a reason the watch will show and retry.
                _ => return Some(EventsGroup::EventsV1),
            }
        }
    }
    match client.list_core_api_resources("v1").await {
        Ok(list) if !list.resources.iter().any(|r| r.name == "events") => None,
        _ => Some(EventsGroup::Core),
    }
}

/// Watches the events of `namespaces` until the event loop goes away; reports one combined
/// state for [`ResourceKind::Events`]. When `events.k8s.io` was chosen without discovery's word
/// and turns out not to be served (every namespace's list answers 404), `core/v1` is watched
/// instead.
pub async fn run_events_watch(
    zone: ZoneId,
    client: Client,
    namespaces: Arc<Vec<String>>,
    tx: mpsc::Sender<FleetEvent>,
    signals: ZoneSignals,
) {
    let kind = ResourceKind::Events;
    if tx
        .send(FleetEvent::new(
            zone,
            ZoneEvent::Kind(kind, KindStatus::Syncing),
        ))
        .await
        .is_err()
    {
        return;
    }
    let probe = namespaces.first().map_or(SYSTEM_NAMESPACE, String::as_str);
    let mut group = choose_group(&client, probe).await;
    loop {
        let Some(chosen) = group else {
            tracing::info!(%zone, "events are not served");
            let _ = tx
                .send(FleetEvent::new(
                    zone,
                    ZoneEvent::Kind(kind, KindStatus::NotServed),
                ))
                .await;
            return;
        };
        tracing::debug!(%zone, group = ?chosen, "watching events");
        let watch = GroupWatch {
            zone,
            client: &client,
            namespaces: &namespaces,
            tx: &tx,
            signals: &signals,
        };
        match watch.run(chosen).await {
            Ended::NotServed if chosen == EventsGroup::EventsV1 => group = Some(EventsGroup::Core),
            Ended::NotServed => group = None,
            Ended::Closed => return,
        }
    }
}

/// One group's watches of a zone's namespaces.
struct GroupWatch<'a> {
    zone: ZoneId,
    client: &'a Client,
    namespaces: &'a [String],
    tx: &'a mpsc::Sender<FleetEvent>,
    signals: &'a ZoneSignals,
}

impl GroupWatch<'_> {
    /// Runs one watch per namespace through `group`, forwarding their changes and their
    /// combined state, until the event loop goes away or every watch ended as not served
    /// (not said when it is events.k8s.io: core/v1 is tried before saying so).
    async fn run(&self, group: EventsGroup) -> Ended {
        let (zone, kind) = (self.zone, ResourceKind::Events);
        let start = |ns: &str, ns_tx: mpsc::Sender<FleetEvent>| -> BoxFuture<'static, WatchEnd> {
            let wrap = |scope: String| -> Wrap<_> {
                Box::new(move |change| ObjectChange::Events(scope.clone(), change))
            };
            let core = KindWatch {
                kind,
                api: Api::<CoreEvent>::namespaced(self.client.clone(), ns),
                project: |e| event_project::core_event(&e),
                key: project::key_of,
                fingerprint: None,
                wrap: wrap(ns.to_string()),
                give_up_when_forbidden: false,
            };
            let signals = self.signals.clone();
            match group {
                // The built-in `view` role grants core/v1 events but not events.k8s.io: a
                // namespace that refuses the one is asked for the other.
                EventsGroup::EventsV1 => {
                    let v1 = KindWatch {
                        kind,
                        api: Api::<EventV1>::namespaced(self.client.clone(), ns),
                        project: |e| event_project::event_v1(&e),
                        key: project::key_of,
                        fingerprint: None,
                        wrap: wrap(ns.to_string()),
                        give_up_when_forbidden: true,
                    };
                    Box::pin(async move {
                        match run_kind_watch(zone, v1, ns_tx.clone(), signals.clone()).await {
                            WatchEnd::Forbidden(message) => {
                                tracing::debug!(%zone, %message, "events.k8s.io refused; watching core/v1 events");
                                run_kind_watch(zone, core, ns_tx, signals).await
                            }
                            other => other,
                        }
                    })
                }
                EventsGroup::Core => Box::pin(run_kind_watch(zone, core, ns_tx, signals)),
            }
        };
        NamespaceWatches {
            zone,
            kind,
            namespaces: self.namespaces,
            tx: self.tx,
            cluster_wide_refused: None,
            hold_not_served: group == EventsGroup::EventsV1,
        }
        .run(&start)
        .await
    }
}
