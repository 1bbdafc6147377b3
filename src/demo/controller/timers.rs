//! The controller's timers: pod lifecycle steps, deletions, crash restarts, rechecks and
//! churn, kept in one heap and fired when due.

use std::cmp::Reverse;
use std::time::Duration;

use tokio::time::Instant;

use super::Controller;
use crate::demo::resources::ServedKind;
use crate::demo::store::StoreKey;

/// Something to do later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Timer {
    /// Move a pod to its next lifecycle stage.
    Advance(StoreKey),
    /// Remove a terminating pod.
    FinishDeletion(StoreKey),
    /// Restart a crash-looping pod's container once more.
    CrashRestart(StoreKey),
    /// Reconcile a workload again (e.g. to check a progress deadline).
    Recheck(ServedKind, StoreKey),
    /// Apply churn updates.
    Churn,
    /// Delete the objects whose lease ran out (aged-out Events).
    ExpireLeases,
    /// Report once more on a pod whose image cannot be pulled.
    PullBackOff(StoreKey),
}

impl Controller {
    /// How often expired leases are looked for: a twentieth of the event TTL, between 20 ms
    /// and a second (etcd revokes an expired lease within about as long).
    pub(super) fn lease_check_period(&self) -> Duration {
        (self.zone.event_ttl / 20).clamp(Duration::from_millis(20), Duration::from_secs(1))
    }

    /// Run `timer` once `after` has passed.
    pub(super) fn schedule(&mut self, after: Duration, timer: Timer) {
        self.timer_sequence += 1;
        self.timers
            .push(Reverse((Instant::now() + after, self.timer_sequence)));
        self.timer_jobs.insert(self.timer_sequence, timer);
    }

    /// Schedule a per-pod timer unless one of the same type is pending.
    pub(super) fn schedule_once(&mut self, after: Duration, timer: Timer) {
        let tag = match &timer {
            Timer::Advance(key) => (0, key.clone()),
            Timer::FinishDeletion(key) => (1, key.clone()),
            Timer::CrashRestart(key) => (2, key.clone()),
            Timer::Recheck(_, key) => (3, key.clone()),
            Timer::Churn => (4, (String::new(), String::new())),
            Timer::ExpireLeases => (5, (String::new(), String::new())),
            Timer::PullBackOff(key) => (6, key.clone()),
        };
        if self.scheduled.insert(tag) {
            self.schedule(after, timer);
        }
    }

    /// Fire every timer whose time has come.
    pub(super) fn fire_due_timers(&mut self) {
        let now = Instant::now();
        while let Some(Reverse((at, sequence))) = self.timers.peek().copied() {
            if at > now {
                return;
            }
            self.timers.pop();
            let Some(timer) = self.timer_jobs.remove(&sequence) else {
                continue;
            };
            match timer {
                Timer::Advance(key) => {
                    self.scheduled.remove(&(0, key.clone()));
                    self.advance_pod(&key);
                }
                Timer::FinishDeletion(key) => {
                    self.scheduled.remove(&(1, key.clone()));
                    if self.pods.get(&key).is_some_and(|p| p.terminating) {
                        let _ = self
                            .zone
                            .store
                            .delete(ServedKind::Pod, &key.0, &key.1, None);
                    }
                }
                Timer::CrashRestart(key) => {
                    self.scheduled.remove(&(2, key.clone()));
                    self.crash_again(&key);
                }
                Timer::Recheck(kind, key) => {
                    self.scheduled.remove(&(3, key.clone()));
                    self.dirty.insert((kind, key));
                }
                Timer::Churn => {
                    self.churn();
                    let period = self.churn_period();
                    self.schedule(period, Timer::Churn);
                }
                Timer::PullBackOff(key) => {
                    self.scheduled.remove(&(6, key.clone()));
                    self.pull_backoff(&key);
                }
                Timer::ExpireLeases => {
                    self.zone.store.expire_due();
                    let period = self.lease_check_period();
                    self.schedule(period, Timer::ExpireLeases);
                }
            }
        }
    }
}
