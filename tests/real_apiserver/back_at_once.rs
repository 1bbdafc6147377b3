//! A zone is back at once after an outage: while its apiserver is down the console probes it
//! (at most one request per probe interval), and within two seconds of the apiserver being
//! ready again the zone is live, instead of when each watch's backoff next fires.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ge_console::cluster::{self, DOWN_PROBE_INTERVAL};
use ge_console::fleet::{LinkStatus, ZoneEvent, ZoneState};

use super::harness::{RunDir, WatchedFleet, fleet_for, run};
use super::{ApiserverGuard, all_live};

/// How long the apiserver stays down: long enough for the watches' backoff to have grown to
/// several seconds, so that only the probe can bring the zone back within two.
const OUTAGE: Duration = Duration::from_secs(20);

/// When the apiserver first answers `/readyz` (and `/version`) again, polled every 25 ms by a
/// client of its own.
async fn first_ready(client: kube::Client) -> (tokio::time::Instant, tokio::time::Instant) {
    let mut version_at = None;
    loop {
        if version_at.is_none() && client.apiserver_version().await.is_ok() {
            version_at = Some(tokio::time::Instant::now());
        }
        let request = http::Request::get("/readyz").body(Vec::new()).unwrap();
        if client.request_text(request).await.is_ok() {
            let ready_at = tokio::time::Instant::now();
            return (version_at.unwrap_or(ready_at), ready_at);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Starts plane `plane`'s apiserver without blocking the test's runtime.
async fn start_apiserver(run: &RunDir, plane: usize) {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real-apiserver/provision.sh");
    let status = tokio::process::Command::new("bash")
        .arg(&script)
        .args(["start-apiserver", &plane.to_string()])
        .env("GE_CONSOLE_RUN_DIR", &run.dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .expect("provision.sh runs");
    assert!(status.success(), "start-apiserver {plane}: {status}");
}

#[test]
#[ignore = "needs a real kube-apiserver: see tests/real-apiserver/README.md"]
fn a_zone_is_live_within_two_seconds_of_its_apiserver_answering_and_probes_it_gently_while_down() {
    run(|h| async move {
        let run = &h.run;
        let config = fleet_for(run, &[(1, "ge-real-1")]);
        let mut w = WatchedFleet::start(&config, &h.kubeconfig);
        w.until("the zone live", all_live).await;

        let mut apiserver = ApiserverGuard::stop(run, 1);
        let down_at = tokio::time::Instant::now();
        w.until("the zone reconnecting", |f| {
            f.zones[0].state() == ZoneState::Reconnecting
        })
        .await;
        let mark = w.events.len();
        let counting_from = tokio::time::Instant::now();
        w.drain_until(down_at + OUTAGE).await;
        // Each probe of the down server reports its failure on the zone's link, with the time
        // of the next probe: when it was made is that less the interval. (Not when the test
        // applied the event: events queued while the test waited arrive together.)
        let next_probes: Vec<std::time::SystemTime> = w.events[mark..]
            .iter()
            .filter_map(|(_, e)| match &e.event {
                ZoneEvent::Link(LinkStatus::Failed {
                    retry_at: Some(next),
                    ..
                }) => Some(*next),
                _ => None,
            })
            .collect();
        let window = counting_from.elapsed();
        let gaps: Vec<Duration> = next_probes
            .windows(2)
            .filter_map(|pair| pair[1].duration_since(pair[0]).ok())
            .collect();
        let closest = gaps.iter().min().copied();
        eprintln!(
            "{} probes of the down server in {window:?}, the closest two {closest:?} apart",
            next_probes.len()
        );
        assert!(
            next_probes.len() >= 2,
            "the down server was probed again and again: {}",
            w.describe()
        );
        assert_eq!(gaps.len() + 1, next_probes.len(), "probes in order");
        // One probe per interval at most: each waits the interval after the one before ends.
        assert!(
            closest.is_some_and(|gap| gap >= DOWN_PROBE_INTERVAL),
            "probes {closest:?} apart: more than one per {DOWN_PROBE_INTERVAL:?}"
        );
        assert_eq!(w.fleet.zones[0].state(), ZoneState::Reconnecting);

        // Start it again; a client of the test's own tells when it answers.
        let poller = cluster::zone_client(&config.zones[0], &h.kubeconfig)
            .await
            .unwrap();
        let answered: Arc<Mutex<Option<_>>> = Arc::default();
        let watch_answer = {
            let answered = answered.clone();
            tokio::spawn(async move {
                let at = first_ready(poller).await;
                *answered.lock().unwrap() = Some(at);
            })
        };
        let started = tokio::spawn({
            let run = run.clone();
            async move { start_apiserver(&run, 1).await }
        });
        w.until("the zone live again", all_live).await;
        let live_at = w.events.last().map(|(at, _)| *at).unwrap();
        started.await.unwrap();
        apiserver.mark_started();
        watch_answer.await.unwrap();
        let (version_at, ready_at) = answered.lock().unwrap().expect("the apiserver answered");
        let after_ready = live_at.saturating_duration_since(ready_at);
        let after_version = live_at.saturating_duration_since(version_at);
        eprintln!(
            "live again {after_ready:?} after /readyz first answered ok, {after_version:?} after \
             /version first answered, {:?} after the outage began",
            live_at.duration_since(down_at)
        );
        assert!(
            after_ready <= Duration::from_secs(2),
            "live {after_ready:?} after the apiserver was ready: the watches waited out their \
             backoff instead of the probe bringing them back"
        );
    });
}
