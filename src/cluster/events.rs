//! Watching a zone's Events: one watch per watched namespace (the zone's namespaces and
//! kube-system; the API server filters, so other teams' events never reach the console), through
//! the same watcher, backoff and classification as every other kind ([`run_kind_watch`]).
//!
//! `events.k8s.io/v1` is preferred; where the server does not serve it (discovery says so, or a
//! list of it answers 404) `core/v1` Events are watched instead. The namespaces' watch states are
//! combined into the one state of [`ResourceKind::Events`], so the zone sees one kind.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Event as CoreEvent;
use k8s_openapi::api::events::v1::Event as EventV1;
use kube::api::ListParams;
use kube::{Api, Client};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;
use tokio_stream::StreamMap;
use tokio_stream::wrappers::ReceiverStream;

use super::classify::{ErrorClass, classify_client_error};
use super::event_project;
use super::project;
use super::watch::{KindWatch, run_kind_watch};
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

/// One state for the kind from its namespaces' states: a failure wins, then a namespace still
/// listing, then a refusal (shown as forbidden, the other namespaces' events still shown); not
/// served only when no namespace is served; else synced.
pub fn combined_status<'a>(statuses: impl IntoIterator<Item = &'a KindStatus>) -> KindStatus {
    let statuses: Vec<&KindStatus> = statuses.into_iter().collect();
    if let Some(failed) = statuses
        .iter()
        .find(|s| matches!(s, KindStatus::Failed { .. }))
    {
        return (*failed).clone();
    }
    if statuses.iter().any(|s| **s == KindStatus::Syncing) || statuses.is_empty() {
        return KindStatus::Syncing;
    }
    if let Some(forbidden) = statuses
        .iter()
        .find(|s| matches!(s, KindStatus::Forbidden { .. }))
    {
        return (*forbidden).clone();
    }
    if statuses.iter().all(|s| **s == KindStatus::NotServed) {
        return KindStatus::NotServed;
    }
    KindStatus::Synced
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
    recovered: Arc<Notify>,
) {
    let kind = ResourceKind::Events;
    if tx
        .send(FleetEvent {
            zone,
            event: ZoneEvent::Kind(kind, KindStatus::Syncing),
        })
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
                .send(FleetEvent {
                    zone,
                    event: ZoneEvent::Kind(kind, KindStatus::NotServed),
                })
                .await;
            return;
        };
        tracing::debug!(%zone, group = ?chosen, "watching events");
        let watch = GroupWatch {
            zone,
            client: &client,
            namespaces: &namespaces,
            tx: &tx,
            recovered: &recovered,
        };
        match watch.run(chosen).await {
            Ended::NotServed if chosen == EventsGroup::EventsV1 => group = Some(EventsGroup::Core),
            Ended::NotServed => group = None,
            Ended::Closed => return,
        }
    }
}

/// How a group's watches ended.
enum Ended {
    /// The event loop went away.
    Closed,
    /// No namespace's events are served through this group.
    NotServed,
}

/// One group's watches of a zone's namespaces.
struct GroupWatch<'a> {
    zone: ZoneId,
    client: &'a Client,
    namespaces: &'a [String],
    tx: &'a mpsc::Sender<FleetEvent>,
    recovered: &'a Arc<Notify>,
}

impl GroupWatch<'_> {
    /// Runs one watch per namespace through `group`, forwarding their changes and their
    /// combined state, until the event loop goes away or every watch ended as not served.
    async fn run(&self, group: EventsGroup) -> Ended {
        let (zone, kind) = (self.zone, ResourceKind::Events);
        // Each namespace's watch reports on its own channel, so its state is known by name.
        let mut watchers = JoinSet::new();
        let mut reports = StreamMap::new();
        let mut statuses: BTreeMap<String, KindStatus> = BTreeMap::new();
        for ns in self.namespaces {
            let (ns_tx, ns_rx) = mpsc::channel(256);
            reports.insert(ns.clone(), ReceiverStream::new(ns_rx));
            statuses.insert(ns.clone(), KindStatus::Syncing);
            let scope = ns.clone();
            let wrap = Box::new(move |change| ObjectChange::Events(scope.clone(), change));
            let recovered = self.recovered.clone();
            let client = self.client.clone();
            match group {
                EventsGroup::EventsV1 => watchers.spawn(run_kind_watch(
                    zone,
                    KindWatch {
                        kind,
                        api: Api::<EventV1>::namespaced(client, ns),
                        project: event_project::event_v1,
                        key: project::key_of,
                        wrap,
                    },
                    ns_tx,
                    recovered,
                )),
                EventsGroup::Core => watchers.spawn(run_kind_watch(
                    zone,
                    KindWatch {
                        kind,
                        api: Api::<CoreEvent>::namespaced(client, ns),
                        project: event_project::core_event,
                        key: project::key_of,
                        wrap,
                    },
                    ns_tx,
                    recovered,
                )),
            };
        }
        let mut shown = KindStatus::Syncing;
        loop {
            let report = tokio::select! {
                report = futures::StreamExt::next(&mut reports) => report,
                _ = self.tx.closed() => return Ended::Closed,
            };
            // Every namespace's watch ended: only "not served" ends one for good.
            let Some((ns, report)) = report else {
                return Ended::NotServed;
            };
            let forward = match report.event {
                ZoneEvent::Kind(_, status) => {
                    statuses.insert(ns, status);
                    let combined = combined_status(statuses.values());
                    // Not served through events.k8s.io: core/v1 is tried before saying so.
                    if combined == shown
                        || combined == KindStatus::NotServed && group == EventsGroup::EventsV1
                    {
                        continue;
                    }
                    shown = combined.clone();
                    ZoneEvent::Kind(kind, combined)
                }
                other => other,
            };
            if self
                .tx
                .send(FleetEvent {
                    zone,
                    event: forward,
                })
                .await
                .is_err()
            {
                return Ended::Closed;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::FailureCause;

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
        assert_eq!(combined_status([&Synced, &Synced]), Synced);
        assert_eq!(combined_status([&Synced, &Syncing]), Syncing);
        assert_eq!(combined_status([&Synced, &forbidden]), forbidden);
        assert_eq!(combined_status([&forbidden, &Syncing]), Syncing);
        assert_eq!(combined_status([&Synced, &failed, &Syncing]), failed);
        assert_eq!(combined_status([&NotServed, &NotServed]), NotServed);
        assert_eq!(combined_status([&NotServed, &Synced]), Synced);
        assert_eq!(combined_status([]), Syncing);
    }
}
