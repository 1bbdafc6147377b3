//! `ge-console snapshot` and `ge-console events`: connect, wait until every reachable zone has
//! synced, report once.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::cluster::{self, LoadedKubeconfig};
use crate::config::FleetConfig;
use crate::fleet::Fleet;
use crate::fleet::checks::{CheckContext, KubectlClient, VersionObservation, run_checks};
use crate::fleet::events::EventFilter;
use crate::fleet::events::report::EventsReport;
use crate::fleet::report::FleetReport;

/// Watches the fleet until every zone has settled (live, or definitely down) or `timeout`
/// passes, and returns the model as it then stands.
pub async fn collect(
    config: &FleetConfig,
    kubeconfig: &LoadedKubeconfig,
    timeout: Duration,
) -> Fleet {
    let (tx, mut rx) = mpsc::channel(4096);
    let tasks = cluster::spawn_fleet(config, kubeconfig, tx);
    let mut fleet = Fleet::new(config);
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            event = rx.recv() => match event {
                Some(event) => {
                    fleet.apply(event);
                    while let Ok(event) = rx.try_recv() {
                        fleet.apply(event);
                    }
                    if fleet.all_settled() {
                        break;
                    }
                }
                None => break,
            },
            _ = &mut deadline => {
                tracing::info!("snapshot timeout reached before every zone settled");
                break;
            }
        }
    }
    drop(tasks);
    fleet
}

/// Builds the report of a collected fleet.
pub fn report(fleet: &Fleet) -> FleetReport {
    FleetReport::of(fleet)
}

/// Builds the report of a collected fleet with the runbook checks' findings, judged by the
/// same [`run_checks`] the console runs, at `now`.
pub fn report_checked(
    fleet: &Fleet,
    config: &FleetConfig,
    now: jiff::Timestamp,
    kubectl: &KubectlClient,
    observations: &[VersionObservation],
    ports: &crate::config::PortsSpec,
) -> FleetReport {
    let cx = CheckContext {
        fleet,
        config,
        now,
        kubectl,
        observations,
        ports,
    };
    FleetReport::of(fleet).with_checks(fleet, &run_checks(&cx))
}

/// `ge-console events`: collects the zones as [`collect`] does, drops the events that aged out
/// of the window (as the console's ticks do), and reports those that pass `filter` and, with
/// `since`, were last seen that recently, newest first.
pub async fn events(
    config: &FleetConfig,
    kubeconfig: &LoadedKubeconfig,
    timeout: Duration,
    mut filter: EventFilter,
    since: Option<Duration>,
) -> EventsReport {
    let mut fleet = collect(config, kubeconfig, timeout).await;
    let now = jiff::Timestamp::now();
    fleet.prune_events(now);
    filter.since = since
        .and_then(|s| jiff::SignedDuration::try_from(s).ok())
        .and_then(|s| now.checked_sub(s).ok());
    EventsReport::of(&fleet, &filter, now)
}
