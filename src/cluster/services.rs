//! Watching a zone's Services: one watch per watched namespace (the zone's namespaces and
//! kube-system, as for events), through the same watcher, backoff and classification as every
//! other kind ([`run_kind_watch`]). Their states combine into the one state of
//! [`ResourceKind::Services`]; the kind is optional, so a credential that may not list
//! Services still sees a live zone (the ports check then says it could not look).

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Service;
use kube::{Api, Client};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;
use tokio_stream::StreamMap;
use tokio_stream::wrappers::ReceiverStream;

use super::events::combined_status;
use super::project;
use super::watch::{KindWatch, run_kind_watch};
use crate::config::ZoneId;
use crate::fleet::{FleetEvent, KindStatus, ObjectChange, ResourceKind, ZoneEvent};

/// Watches the Services of `namespaces` until the event loop goes away (or no namespace's
/// Services are served); reports one combined state for [`ResourceKind::Services`].
pub async fn run_services_watch(
    zone: ZoneId,
    client: Client,
    namespaces: Arc<Vec<String>>,
    tx: mpsc::Sender<FleetEvent>,
    recovered: Arc<Notify>,
) {
    let kind = ResourceKind::Services;
    if namespaces.is_empty() {
        // No namespace to look in: nothing to show, and nothing missing.
        let _ = tx
            .send(FleetEvent {
                zone,
                event: ZoneEvent::Kind(kind, KindStatus::Synced),
            })
            .await;
        return;
    }
    // The tasks end with this future (the set aborts them when dropped).
    let mut watchers = JoinSet::new();
    let mut reports = StreamMap::new();
    let mut statuses: BTreeMap<String, KindStatus> = BTreeMap::new();
    for ns in namespaces.iter() {
        let (ns_tx, ns_rx) = mpsc::channel(256);
        reports.insert(ns.clone(), ReceiverStream::new(ns_rx));
        statuses.insert(ns.clone(), KindStatus::Syncing);
        let scope = ns.clone();
        watchers.spawn(run_kind_watch(
            zone,
            KindWatch {
                kind,
                api: Api::<Service>::namespaced(client.clone(), ns),
                project: project::service,
                key: project::key_of,
                wrap: Box::new(move |change| ObjectChange::Services(scope.clone(), change)),
            },
            ns_tx,
            recovered.clone(),
        ));
    }
    let mut shown: Option<KindStatus> = None;
    loop {
        let report = tokio::select! {
            report = futures::StreamExt::next(&mut reports) => report,
            _ = tx.closed() => return,
        };
        // Every namespace's watch ended: only "not served" ends one for good, and the
        // combined state said so already.
        let Some((ns, report)) = report else {
            return;
        };
        let forward = match report.event {
            ZoneEvent::Kind(_, status) => {
                statuses.insert(ns, status);
                let combined = combined_status(statuses.values());
                if shown.as_ref() == Some(&combined) {
                    continue;
                }
                shown = Some(combined.clone());
                ZoneEvent::Kind(kind, combined)
            }
            other => other,
        };
        if tx
            .send(FleetEvent {
                zone,
                event: forward,
            })
            .await
            .is_err()
        {
            return;
        }
    }
}
