//! One watcher task per zone and kind: a list-then-watch ([`super::list_watch`]) with
//! kube-runtime's default backoff policy, projected into the fleet model's structs, with
//! reflector semantics (a relist replaces).

use std::fmt::Debug;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use kube::runtime::utils::Backoff;
use kube::runtime::watcher::{DefaultBackoff, Event};
use kube::{Api, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::{Notify, mpsc, watch};

use super::classify::{ErrorClass, classify_watcher_error};
use super::list_watch::{PAGE_SIZE, list_watch};
use super::sent::{FingerprintOf, SentProjections};
use crate::config::ZoneId;
use crate::fleet::{
    FailureCause, FleetEvent, KindStatus, ObjectChange, ObjectKey, ResourceKind, StoreChange,
    ZoneEvent,
};

/// How changes of one watch become model changes (a closure: a namespace's watch names its
/// namespace in them).
pub type Wrap<P> = Box<dyn Fn(StoreChange<P>) -> ObjectChange + Send + Sync>;

/// How one kind is watched: which API, how objects are projected, how changes are wrapped.
pub struct KindWatch<K, P> {
    pub kind: ResourceKind,
    pub api: Api<K>,
    /// Takes the object, so that a projection can move its strings instead of copying them.
    pub project: fn(K) -> P,
    pub key: fn(&K) -> ObjectKey,
    /// Fingerprints projections, for a kind whose updates often project as before: such an
    /// update is then not sent (see [`SentProjections`]).
    pub fingerprint: Option<FingerprintOf<P>>,
    pub wrap: Wrap<P>,
    /// A 403 ends the watch (the caller watches namespace by namespace instead) rather than
    /// showing the kind as forbidden and retrying.
    pub give_up_when_forbidden: bool,
}

/// Why a kind's watch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEnd {
    /// The event loop went away.
    Closed,
    /// The server does not serve the kind.
    NotServed,
    /// The credential may not list it (only with [`KindWatch::give_up_when_forbidden`]): the
    /// server's message.
    Forbidden(String),
}

/// How a zone's watchers and its supervisor signal each other.
#[derive(Clone)]
pub struct ZoneSignals {
    /// Notified when a kind syncs again after a failure: the supervisor re-reads `/version`.
    pub recovered: Arc<Notify>,
    /// Notified when a watch fails for a reason other than its credentials: the supervisor
    /// probes the server, cheaply, until it answers.
    pub failed: Arc<Notify>,
    /// Bumped by the supervisor when a probe finds the server answering after it did not: a
    /// watcher waiting out its backoff starts again at once.
    pub back: watch::Receiver<u64>,
}

impl ZoneSignals {
    /// Fresh signals, with the sender of [`ZoneSignals::back`] for the supervisor.
    pub fn new() -> (ZoneSignals, watch::Sender<u64>) {
        let (back_tx, back) = watch::channel(0);
        let signals = ZoneSignals {
            recovered: Arc::new(Notify::new()),
            failed: Arc::new(Notify::new()),
            back,
        };
        (signals, back_tx)
    }
}

/// Runs one kind's watch until the receiver goes away or the kind turns out not to be served.
///
/// Errors that the list-then-watch recovers from by itself (410 Gone: it relists) are let
/// through. Any other failure ends that watcher: the task waits for the delay of kube-runtime's
/// [`DefaultBackoff`] policy and starts a fresh watcher, which relists. The relist is what
/// tells us the zone is healthy again (the watcher gives no signal when a re-established watch
/// is quiet) and guarantees that objects deleted during an outage do not linger.
///
/// The zone's supervisor hears of failures and recoveries through `signals`; when its probe
/// finds a down server answering again, the wait for the next attempt ends at once.
pub async fn run_kind_watch<K, P>(
    zone: ZoneId,
    spec: KindWatch<K, P>,
    tx: mpsc::Sender<FleetEvent>,
    signals: ZoneSignals,
) -> WatchEnd
where
    K: Resource + super::list_watch::ListPages + Clone + DeserializeOwned + Debug + Send + 'static,
    P: Send + 'static,
{
    let kind = spec.kind;
    let send = |event: ZoneEvent| {
        let tx = tx.clone();
        async move { tx.send(FleetEvent::new(zone, event)).await.is_ok() }
    };
    // A model change carries when it was read from the stream (see `FleetEvent::read_at`).
    let send_read = |event: ZoneEvent, read_at: std::time::Instant| {
        let tx = tx.clone();
        async move {
            tx.send(FleetEvent {
                zone,
                event,
                read_at: Some(read_at),
            })
            .await
            .is_ok()
        }
    };
    let mut backoff = DefaultBackoff::default();
    let mut status = KindStatus::Syncing;
    let mut had_failure = false;
    let mut back = signals.back.clone();
    if !send(ZoneEvent::Kind(kind, status.clone())).await {
        return WatchEnd::Closed;
    }
    loop {
        let mut stream = list_watch(spec.api.clone()).boxed();
        let mut buffer: Vec<P> = Vec::new();
        // What this watcher last relisted or sent of each object, when the kind is fingerprinted.
        let mut sent = SentProjections::default();
        let mut failure: Option<Duration> = None;
        let mut restart_now = false;
        while let Some(item) = stream.next().await {
            let read_at = std::time::Instant::now();
            let (change, next_status) = match item {
                Ok(Event::Init) => {
                    buffer.clear();
                    // A relist of a synced kind shows as syncing; a retry after a failure keeps
                    // showing the failure until the list has actually come through.
                    let next = (status == KindStatus::Synced).then_some(KindStatus::Syncing);
                    (None, next)
                }
                Ok(Event::InitApply(obj)) => {
                    buffer.push((spec.project)(obj));
                    (None, None)
                }
                Ok(Event::InitDone) => {
                    backoff.reset();
                    if let Some(fingerprint) = spec.fingerprint {
                        sent.relisted(buffer.iter().map(fingerprint));
                    }
                    // A relist longer than a page left page buffers free in the heap (see
                    // `crate::heap`).
                    if buffer.len() > PAGE_SIZE as usize {
                        crate::heap::release_free_memory();
                    }
                    (
                        Some(StoreChange::Replace(std::mem::take(&mut buffer))),
                        Some(KindStatus::Synced),
                    )
                }
                Ok(Event::Apply(obj)) => {
                    let projected = (spec.project)(obj);
                    let changed = spec
                        .fingerprint
                        .is_none_or(|fingerprint| sent.changed_by(fingerprint(&projected)));
                    (changed.then_some(StoreChange::Upsert(projected)), None)
                }
                Ok(Event::Delete(obj)) => {
                    let key = (spec.key)(&obj);
                    sent.delete(&key);
                    (Some(StoreChange::Delete(key)), None)
                }
                Err(err) => {
                    let class = classify_watcher_error(&err);
                    if class == ErrorClass::Gone {
                        tracing::debug!(%zone, kind = kind.plural(), "resourceVersion expired; relisting");
                        (None, Some(KindStatus::Syncing))
                    } else if class == ErrorClass::GoneRestart {
                        tracing::debug!(%zone, kind = kind.plural(), "watch refused with 410; restarting the watcher");
                        restart_now = true;
                        (None, Some(KindStatus::Syncing))
                    } else {
                        let delay = backoff.next().unwrap_or(Duration::from_secs(30));
                        tracing::warn!(%zone, kind = kind.plural(), error = %err, ?delay, "watch failed");
                        let next = match class {
                            ErrorClass::NotServed => {
                                tracing::info!(%zone, kind = kind.plural(), "kind not served");
                                // Nothing listed before may be shown as if it were current.
                                let _ = send(ZoneEvent::Objects((spec.wrap)(
                                    StoreChange::Replace(Vec::new()),
                                )))
                                .await;
                                let _ = send(ZoneEvent::Kind(kind, KindStatus::NotServed)).await;
                                return WatchEnd::NotServed;
                            }
                            ErrorClass::Forbidden(message) => {
                                if !send(ZoneEvent::Objects((spec.wrap)(StoreChange::Replace(
                                    Vec::new(),
                                ))))
                                .await
                                {
                                    return WatchEnd::Closed;
                                }
                                if spec.give_up_when_forbidden {
                                    return WatchEnd::Forbidden(message);
                                }
                                KindStatus::Forbidden { message }
                            }
                            ErrorClass::Failed { message, cause } => {
                                // Only a probe that follows this failure may cut its wait.
                                back.borrow_and_update();
                                if cause != FailureCause::Unauthorized {
                                    signals.failed.notify_one();
                                }
                                KindStatus::Failed {
                                    error: message,
                                    cause,
                                    retry_at: Some(SystemTime::now() + delay),
                                }
                            }
                            // Both handled above; kept total for the compiler.
                            ErrorClass::Gone | ErrorClass::GoneRestart => KindStatus::Syncing,
                        };
                        failure = Some(delay);
                        (None, Some(next))
                    }
                }
            };
            if let Some(change) = change
                && !send_read(ZoneEvent::Objects((spec.wrap)(change)), read_at).await
            {
                return WatchEnd::Closed;
            }
            if let Some(next) = next_status {
                if next == KindStatus::Synced && had_failure {
                    had_failure = false;
                    signals.recovered.notify_one();
                }
                if failure.is_some() {
                    had_failure = true;
                }
                if next != status {
                    status = next;
                    if !send(ZoneEvent::Kind(kind, status.clone())).await {
                        return WatchEnd::Closed;
                    }
                }
            }
            if failure.is_some() || restart_now {
                break;
            }
        }
        drop(stream);
        // A restart after a refused watch waits too (quietly, still "syncing"), so a server
        // that keeps refusing cannot make this loop spin.
        let delay = failure.unwrap_or_else(|| backoff.next().unwrap_or(Duration::from_secs(30)));
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            // The supervisor's probe found the server answering: no reason to wait longer.
            Ok(()) = back.changed(), if failure.is_some() => {
                tracing::debug!(%zone, kind = kind.plural(), "server answers again; watching at once");
                // The outage is over: a failure right after it starts a fresh backoff rather
                // than waiting as long as the outage's last retries did.
                backoff.reset();
            }
            _ = tx.closed() => return WatchEnd::Closed,
        }
    }
}
