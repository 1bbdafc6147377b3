//! Following a rollout on the live model until it ends, by kubectl's `rollout status` rules:
//! ours (started by this console) or someone else's (seen through the watch).

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::clock::Clock;
use crate::config::ZoneId;
use crate::fleet::health::{RolloutState, rollout_state, workload_pods};
use crate::fleet::touched::TouchedNamespaces;
use crate::fleet::{Fleet, PodInfo, WorkloadKey, WorkloadKind, ZoneModel};

/// How a followed rollout stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", content = "reason", rename_all = "snake_case")]
pub enum RolloutPhase {
    /// Still rolling: not all pods are new, ready and available yet.
    InProgress,
    /// Every pod is on the new revision and available, as `kubectl rollout status` would report.
    Succeeded,
    /// The rollout cannot finish (deadline exceeded, zone gone, OnDelete strategy); the reason.
    Failed(String),
    /// The workload was deleted while it was followed: the rollout did not complete, but
    /// nothing about it failed either.
    Deleted,
    /// Still in progress when its timeout ran out.
    TimedOut,
}

impl RolloutPhase {
    /// True once the rollout has ended, one way or another.
    pub fn is_final(&self) -> bool {
        !matches!(self, RolloutPhase::InProgress)
    }

    /// The word shown on screen and printed by `restart --wait`.
    pub fn word(&self) -> &'static str {
        match self {
            RolloutPhase::InProgress => "in progress",
            RolloutPhase::Succeeded => "succeeded",
            RolloutPhase::Failed(_) => "failed",
            RolloutPhase::Deleted => "deleted",
            RolloutPhase::TimedOut => "timed out",
        }
    }
}

/// A pod of the new revision and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewPodState {
    /// The pod's name.
    pub name: String,
    /// kubectl's status word (ContainerCreating, Running, CrashLoopBackOff, ...).
    pub status: String,
    /// Every container is ready and the pod is running.
    pub ready: bool,
    /// The longer explanation when the pod is unhealthy.
    pub message: Option<String>,
}

/// What the rollout panel shows at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolloutProgress {
    /// Pods wanted.
    pub desired: i32,
    /// Pods already on the new revision.
    pub updated: i32,
    /// Pods that are ready.
    pub ready: i32,
    /// Pods ready for at least minReadySeconds.
    pub available: i32,
    /// Pods of older revisions still present (terminating or waiting to be).
    pub old_pods: usize,
    /// The new revision's pods, for the per-pod lines in the panel.
    pub new_pods: Vec<NewPodState>,
    /// kubectl's message for the current step.
    pub message: String,
}

/// One followed rollout.
#[derive(Debug, Clone)]
pub struct RolloutTracker {
    /// The zone the workload is in.
    pub zone: ZoneId,
    /// The workload rolling out.
    pub target: WorkloadKey,
    /// Started by this console (false: seen through the watch).
    pub ours: bool,
    /// When following began, for the elapsed time and the timeout.
    pub started: Instant,
    /// The same moment as wall-clock time, which can be shown or recorded (an `Instant` cannot).
    pub started_wall: jiff::Timestamp,
    /// observedGeneration must reach this before "done" counts (the generation our patch made).
    pub min_generation: i64,
    /// How long the rollout may take before it counts as timed out.
    pub timeout: Duration,
    /// Where it stands; final once succeeded, failed or timed out.
    pub phase: RolloutPhase,
    /// When it reached a final phase, which freezes its elapsed time.
    pub ended: Option<Instant>,
    /// The latest progress read from the model, once the workload has been seen.
    pub progress: Option<RolloutProgress>,
}

impl RolloutTracker {
    /// Follows a rollout this console started.
    pub fn ours(
        zone: ZoneId,
        target: WorkloadKey,
        min_generation: i64,
        timeout: Duration,
        clock: &Clock,
    ) -> Self {
        RolloutTracker {
            zone,
            target,
            ours: true,
            started: clock.instant,
            started_wall: clock.wall,
            min_generation,
            timeout,
            phase: RolloutPhase::InProgress,
            ended: None,
            progress: None,
        }
    }

    /// Time since the rollout was seen to start, frozen once it ended.
    pub fn elapsed(&self, now: Instant) -> Duration {
        self.ended
            .unwrap_or(now)
            .saturating_duration_since(self.started)
    }

    /// Re-judges the rollout against the model; returns true when the phase changed.
    pub fn observe(&mut self, fleet: &Fleet, now: Instant) -> bool {
        if self.phase.is_final() {
            return false;
        }
        let Some(zone) = fleet.zone(self.zone) else {
            return self.finish(RolloutPhase::Failed("zone is gone".into()), now);
        };
        let Some(w) = zone.workloads.get(&self.target) else {
            // Only a live zone's model is complete enough to say the workload is gone.
            if zone.state() == crate::fleet::ZoneState::Live {
                return self.finish(RolloutPhase::Deleted, now);
            }
            return false;
        };
        if w.kind != WorkloadKind::Deployment && !w.rolling_update {
            // kubectl: rollout status is only available for the RollingUpdate strategy.
            return self.finish(
                RolloutPhase::Failed(
                    "the OnDelete strategy replaces pods only when they are deleted: nothing to follow"
                        .into(),
                ),
                now,
            );
        }
        let state = rollout_state(w);
        self.progress = Some(progress(zone, &self.target, w, &state));
        // Until the model holds the generation our patch made, what it says is about the
        // previous rollout (which may well have failed: that is why one restarts).
        let current = w.generation >= self.min_generation;
        let next = match state {
            RolloutState::Failed(reason) if current => RolloutPhase::Failed(reason),
            RolloutState::Complete if w.observed_generation >= self.min_generation => {
                RolloutPhase::Succeeded
            }
            _ if now.saturating_duration_since(self.started) > self.timeout => {
                RolloutPhase::TimedOut
            }
            _ => RolloutPhase::InProgress,
        };
        if next.is_final() {
            self.finish(next, now)
        } else {
            false
        }
    }

    fn finish(&mut self, phase: RolloutPhase, now: Instant) -> bool {
        self.phase = phase;
        self.ended = Some(now);
        true
    }
}

/// The pods that make up the newest revision of a workload, and how many older pods remain.
fn split_revisions<'a>(
    zone: &'a ZoneModel,
    target: &WorkloadKey,
    w: &crate::fleet::WorkloadInfo,
) -> (Vec<&'a PodInfo>, usize) {
    let pods = workload_pods(zone, target);
    let newest_hash: Option<String> = match target.kind {
        WorkloadKind::Deployment => zone
            .replicasets
            .values()
            .filter(|rs| {
                rs.namespace == target.namespace
                    && rs
                        .owner
                        .as_ref()
                        .is_some_and(|o| o.kind == "Deployment" && o.name == target.name)
            })
            .max_by_key(|rs| (rs.revision.unwrap_or(0), rs.created))
            .and_then(|rs| rs.template_hash.clone()),
        WorkloadKind::StatefulSet => w.update_revision.clone(),
        WorkloadKind::DaemonSet => None,
    };
    match newest_hash {
        Some(hash) => {
            let (new, old): (Vec<&PodInfo>, Vec<&PodInfo>) = pods
                .into_iter()
                .partition(|p| p.template_hash.as_deref() == Some(hash.as_str()));
            (new, old.len())
        }
        None => {
            // Without a revision label, the pods started since the template last changed are
            // the new ones; the template changes when restartedAt does.
            let since = w
                .restarted_at
                .as_deref()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok());
            let (new, old): (Vec<&PodInfo>, Vec<&PodInfo>) = pods
                .into_iter()
                .partition(|p| since.is_none_or(|s| p.created.is_some_and(|c| c >= s)));
            (new, old.len())
        }
    }
}

fn progress(
    zone: &ZoneModel,
    target: &WorkloadKey,
    w: &crate::fleet::WorkloadInfo,
    state: &RolloutState,
) -> RolloutProgress {
    let (new, old_pods) = split_revisions(zone, target, w);
    RolloutProgress {
        desired: w.desired,
        updated: w.updated,
        ready: w.ready,
        available: w.available,
        old_pods,
        new_pods: new
            .into_iter()
            .map(|p| NewPodState {
                name: p.name.clone(),
                status: p.status.clone(),
                ready: p.is_ready(),
                message: p.message.clone(),
            })
            .collect(),
        message: match state {
            RolloutState::Complete => format!("{} successfully rolled out", target.name),
            RolloutState::Progressing(m) | RolloutState::Failed(m) => m.clone(),
            RolloutState::Paused => "paused".into(),
        },
    }
}

/// A new revision is on its way (not merely an unhealthy pod in a steady workload): the spec
/// changed and is not observed yet, or pods of an older revision remain.
fn is_rolling(w: &crate::fleet::WorkloadInfo) -> bool {
    if w.generation > w.observed_generation {
        return true;
    }
    match w.kind {
        WorkloadKind::Deployment => !w.paused && (w.updated < w.desired || w.current > w.updated),
        WorkloadKind::StatefulSet => w.rolling_update && w.update_revision != w.current_revision,
        WorkloadKind::DaemonSet => w.rolling_update && w.updated < w.desired,
    }
}

/// All rollouts being followed: ours, and others' noticed in the watched namespaces.
#[derive(Debug, Default)]
pub struct RolloutBoard {
    /// Active rollouts and the last few finished ones, in the order they were first followed.
    pub trackers: Vec<RolloutTracker>,
    /// Every zone's workloads have been looked at for new rollouts, and no tracker has ended
    /// since. False at first (the model may already hold workloads) and after a tracker ended
    /// (a workload it covered may now count as a new rollout): the next look covers every
    /// zone, not only what the batch touched. (Finished trackers are dropped only when one
    /// ends, so dropping needs no flag of its own.)
    looked_everywhere: bool,
}

/// How many finished rollouts the board keeps for display.
const FINISHED_KEPT: usize = 8;

impl RolloutBoard {
    /// Starts following a rollout this console started (replacing an older tracker of it).
    pub fn follow(&mut self, tracker: RolloutTracker) {
        self.trackers
            .retain(|t| !(t.zone == tracker.zone && t.target == tracker.target));
        self.trackers.push(tracker);
    }

    /// Re-judges every rollout and picks up rollouts started by someone else.
    pub fn observe(&mut self, fleet: &Fleet, clock: &Clock, timeout: Duration) {
        self.observe_changes(fleet, clock, timeout, &TouchedNamespaces::everything());
    }

    /// [`Self::observe`] after a batch that touched only `touched`: a rollout is re-judged when
    /// its namespace was touched, and new rollouts are looked for where workloads changed. With
    /// the clock standing still the board ends as [`Self::observe`] would leave it; time
    /// passing (timeouts) is judged by a call with everything touched.
    pub fn observe_changes(
        &mut self,
        fleet: &Fleet,
        clock: &Clock,
        timeout: Duration,
        touched: &TouchedNamespaces,
    ) {
        let now = clock.instant;
        let rescan = !std::mem::replace(&mut self.looked_everywhere, true);
        for zone in &fleet.zones {
            if zone.state() != crate::fleet::ZoneState::Live
                || !(rescan || touched.workloads(zone.config.id))
            {
                continue;
            }
            for w in zone.workloads.values() {
                if !zone.config.namespaces.contains(&w.namespace) {
                    continue;
                }
                if !rescan && !touched.namespace(zone.config.id, &w.namespace) {
                    continue;
                }
                if !is_rolling(w) {
                    continue;
                }
                let key = w.workload_key();
                // A workload deleted and created again starts at generation 1: its rollout is
                // a new one, whatever the deleted one's generation was.
                let known = self.trackers.iter().any(|t| {
                    t.zone == zone.config.id
                        && t.target == key
                        && t.phase != RolloutPhase::Deleted
                        && (!t.phase.is_final() || t.min_generation >= w.generation)
                });
                if !known {
                    self.trackers.push(RolloutTracker {
                        zone: zone.config.id,
                        target: key,
                        ours: false,
                        started: now,
                        started_wall: clock.wall,
                        min_generation: w.generation,
                        timeout,
                        phase: RolloutPhase::InProgress,
                        ended: None,
                        progress: None,
                    });
                }
            }
        }
        for t in &mut self.trackers {
            // A tracker not yet judged (one just followed) is judged whatever was touched.
            if (t.progress.is_none() || touched.namespace(t.zone, &t.target.namespace))
                && t.observe(fleet, now)
            {
                self.looked_everywhere = false;
            }
        }
        let finished = self.trackers.iter().filter(|t| t.phase.is_final()).count();
        if finished > FINISHED_KEPT {
            let mut to_drop = finished - FINISHED_KEPT;
            self.trackers.retain(|t| {
                if to_drop > 0 && t.phase.is_final() {
                    to_drop -= 1;
                    false
                } else {
                    true
                }
            });
        }
    }

    /// The rollouts still in progress.
    pub fn active(&self) -> impl Iterator<Item = &RolloutTracker> {
        self.trackers.iter().filter(|t| !t.phase.is_final())
    }
}

/// Pods of a workload that started before `build_finished`: after a successful rebuild they
/// still run the previous image until the rollout replaces them.
///
/// Kubernetes timestamps are whole seconds, so the cut-off is the build's end truncated to its
/// second: a pod created in the same second the build finished (the redeploy's own restart
/// does that) is not stale.
pub fn stale_pods<'a>(
    zone: &'a ZoneModel,
    target: &WorkloadKey,
    build_finished: jiff::Timestamp,
) -> Vec<&'a PodInfo> {
    let cutoff = build_finished
        .round(
            jiff::TimestampRound::new()
                .smallest(jiff::Unit::Second)
                .mode(jiff::RoundMode::Trunc),
        )
        .unwrap_or(build_finished);
    workload_pods(zone, target)
        .into_iter()
        .filter(|p| {
            p.started
                .or(p.created)
                .is_some_and(|started| started < cutoff)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_ZONES_TOML, parse_zones};
    use crate::fleet::tests::dev_zone;
    use crate::fleet::{
        ConditionInfo, KindStatus, LinkStatus, ObjectChange, OwnerRef, ResourceKind, StoreChange,
        WorkloadInfo, WorkloadKind, ZoneEvent,
    };

    fn executor(generation: i64) -> WorkloadInfo {
        WorkloadInfo {
            kind: WorkloadKind::Deployment,
            namespace: "ge-agents".into(),
            name: "ge-executor".into(),
            generation,
            observed_generation: generation,
            desired: 2,
            current: 2,
            updated: 2,
            ready: 2,
            available: 2,
            paused: false,
            images: vec![],
            conditions: vec![],
            current_revision: None,
            update_revision: None,
            rolling_update: true,
            partition: 0,
            restarted_at: None,
            created: None,
        }
    }

    fn live_fleet(workload: WorkloadInfo) -> Fleet {
        let config = parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap();
        let mut fleet = Fleet::new(&config);
        let zone = fleet.zone_mut(ZoneId(1)).unwrap();
        zone.apply(ZoneEvent::Link(LinkStatus::Connected {
            server_version: "v1.34.2+k3s1".into(),
        }));
        for k in ResourceKind::ALL {
            zone.apply(ZoneEvent::Kind(k, KindStatus::Synced));
        }
        zone.apply(ZoneEvent::Objects(ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Upsert(workload),
        )));
        fleet
    }

    #[test]
    fn a_failed_previous_rollout_does_not_fail_our_restart_before_its_generation_is_seen() {
        let mut stuck = executor(5);
        stuck.available = 0;
        stuck.conditions.push(ConditionInfo {
            kind: "Progressing".into(),
            status: "False".into(),
            reason: "ProgressDeadlineExceeded".into(),
            message: String::new(),
        });
        let mut fleet = live_fleet(stuck.clone());
        let key = stuck.workload_key();
        let mut tracker =
            RolloutTracker::ours(ZoneId(1), key, 6, Duration::from_secs(60), &Clock::now());
        tracker.observe(&fleet, Instant::now());
        assert_eq!(
            tracker.phase,
            RolloutPhase::InProgress,
            "generation 6 not seen yet"
        );

        let mut rolled = executor(6);
        rolled.available = 2;
        fleet
            .zone_mut(ZoneId(1))
            .unwrap()
            .apply(ZoneEvent::Objects(ObjectChange::Workloads(
                WorkloadKind::Deployment,
                StoreChange::Upsert(rolled),
            )));
        tracker.observe(&fleet, Instant::now());
        assert_eq!(tracker.phase, RolloutPhase::Succeeded);
    }

    #[test]
    fn a_workload_deleted_while_followed_ends_as_deleted_not_failed_or_succeeded() {
        let mut rolling = executor(4);
        rolling.observed_generation = 3;
        rolling.updated = 1;
        let mut fleet = live_fleet(rolling.clone());
        let key = rolling.workload_key();
        let clock = Clock::now();
        let mut ours =
            RolloutTracker::ours(ZoneId(1), key.clone(), 4, Duration::from_secs(60), &clock);
        let mut board = RolloutBoard::default();
        board.observe(&fleet, &clock, Duration::from_secs(60));
        assert_eq!(
            board.trackers.len(),
            1,
            "someone else's rollout is followed"
        );
        ours.observe(&fleet, clock.instant);
        assert_eq!(ours.phase, RolloutPhase::InProgress);

        let zone = fleet.zone_mut(ZoneId(1)).unwrap();
        zone.apply(ZoneEvent::Objects(ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Delete(crate::fleet::ObjectKey::new(&key.namespace, &key.name)),
        )));
        assert!(ours.observe(&fleet, clock.instant), "the phase changed");
        assert_eq!(ours.phase, RolloutPhase::Deleted);
        assert_eq!(ours.phase.word(), "deleted");
        assert!(ours.phase.is_final());
        board.observe(&fleet, &clock, Duration::from_secs(60));
        assert_eq!(
            board.trackers[0].phase,
            RolloutPhase::Deleted,
            "not ours either"
        );

        // Created again (generation 1) and rolling: a new rollout, followed anew.
        let mut again = executor(1);
        again.observed_generation = 0;
        fleet
            .zone_mut(ZoneId(1))
            .unwrap()
            .apply(ZoneEvent::Objects(ObjectChange::Workloads(
                WorkloadKind::Deployment,
                StoreChange::Upsert(again),
            )));
        board.observe(&fleet, &clock, Duration::from_secs(60));
        let phases: Vec<_> = board.trackers.iter().map(|t| t.phase.clone()).collect();
        assert_eq!(phases, [RolloutPhase::Deleted, RolloutPhase::InProgress]);
    }

    #[test]
    fn an_unhealthy_pod_in_a_steady_workload_is_not_someone_elses_rollout() {
        let mut unhealthy = executor(3);
        unhealthy.available = 1;
        let fleet = live_fleet(unhealthy);
        let mut board = RolloutBoard::default();
        board.observe(&fleet, &Clock::now(), Duration::from_secs(60));
        assert!(board.trackers.is_empty());

        let mut rolling = executor(4);
        rolling.observed_generation = 3;
        let fleet = live_fleet(rolling);
        board.observe(&fleet, &Clock::now(), Duration::from_secs(60));
        assert_eq!(board.trackers.len(), 1);
        assert!(!board.trackers[0].ours, "marked as not ours");
    }

    #[test]
    fn a_pod_started_in_the_builds_last_second_is_not_stale() {
        let mut zone = dev_zone();
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        for (name, started) in [
            ("old", "2026-11-24T10:00:04Z"),
            ("new", "2026-11-24T10:00:05Z"),
        ] {
            let pod = PodInfo {
                namespace: "ge-system".into(),
                name: name.into(),
                phase: "Running".into(),
                status: "Running".into(),
                message: None,
                ready_containers: 1,
                total_containers: 1,
                restarts: 0,
                node: None,
                images: vec![],
                owner: Some(OwnerRef {
                    kind: "DaemonSet".into(),
                    name: "agent".into(),
                }),
                template_hash: None,
                created: Some(at(started)),
                started: Some(at(started)),
                deleting: false,
                containers: vec![],
                conditions: vec![],
            };
            zone.pods.insert(crate::fleet::Keyed::key(&pod), pod);
        }
        let target = WorkloadKey {
            kind: WorkloadKind::DaemonSet,
            namespace: "ge-system".into(),
            name: "agent".into(),
        };
        let stale = stale_pods(&zone, &target, at("2026-11-24T10:00:05.730Z"));
        let names: Vec<_> = stale.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["old"]);
    }
}

#[cfg(test)]
#[path = "rollout_changes_tests.rs"]
mod changes_tests;
