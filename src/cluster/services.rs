//! Watching a zone's Services: one watch per watched namespace (the zone's namespaces and
//! kube-system, as for events), through the same watcher, backoff and classification as every
//! other kind ([`run_kind_watch`]). Their states combine into the one state of
//! [`ResourceKind::Services`]; the kind is optional, so a credential that may not list
//! Services still sees a live zone (the ports check then says it could not look).

use std::sync::Arc;

use futures::future::BoxFuture;
use k8s_openapi::api::core::v1::Service;
use kube::{Api, Client};
use tokio::sync::mpsc;

use super::per_namespace::NamespaceWatches;
use super::project;
use super::watch::{KindWatch, WatchEnd, ZoneSignals, run_kind_watch};
use crate::config::ZoneId;
use crate::fleet::{FleetEvent, ObjectChange, ResourceKind};

/// Watches the Services of `namespaces` until the event loop goes away (or no namespace's
/// Services are served); reports one combined state for [`ResourceKind::Services`].
pub async fn run_services_watch(
    zone: ZoneId,
    client: Client,
    namespaces: Arc<Vec<String>>,
    tx: mpsc::Sender<FleetEvent>,
    signals: ZoneSignals,
) {
    let kind = ResourceKind::Services;
    let start = |ns: &str, ns_tx: mpsc::Sender<FleetEvent>| -> BoxFuture<'static, WatchEnd> {
        let scope = ns.to_string();
        Box::pin(run_kind_watch(
            zone,
            KindWatch {
                kind,
                api: Api::<Service>::namespaced(client.clone(), ns),
                project: |s| project::service(&s),
                key: project::key_of,
                fingerprint: None,
                wrap: Box::new(move |change| ObjectChange::Services(scope.clone(), change)),
                give_up_when_forbidden: false,
            },
            ns_tx,
            signals.clone(),
        ))
    };
    NamespaceWatches {
        zone,
        kind,
        namespaces: &namespaces,
        tx: &tx,
        cluster_wide_refused: None,
        hold_not_served: false,
    }
    .run(&start)
    .await;
}
