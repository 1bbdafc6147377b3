//! The console's action runner: takes confirmed requests from the UI, runs them as tasks,
//! and keeps the state the UI draws (build output, rollouts, recent actions, last message).
//! It lives in the event loop; its tasks report back over a channel, never through shared
//! mutable state.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use kube::Client;
use tokio::sync::mpsc;

use super::audit::{AuditLog, AuditRecord, local_user};
use super::rebuild::{BuildEvent, BuildHandle, BuildOutcome, BuildStatus, OutputTail, start_build};
use super::restart::{RestartReceipt, restart_workload};
use super::rollout::{RolloutBoard, RolloutPhase, RolloutTracker};
use super::{ActionError, check_guards};
use crate::cluster::{self, LoadedKubeconfig};
use crate::config::{FleetConfig, ZoneId};
use crate::fleet::{Fleet, WorkloadKey};

/// Something the user asked for and confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionRequest {
    /// Rollout-restart a workload in a zone. `confirmation` is what the user typed for a
    /// protected zone.
    Restart {
        zone: ZoneId,
        target: WorkloadKey,
        confirmation: Option<String>,
    },
    /// Run the build script only.
    Rebuild,
    /// Build, then on success restart the redeploy target.
    Redeploy { confirmation: Option<String> },
    /// Stop the running build (its whole process group).
    CancelBuild,
}

/// Progress reported by the runner's tasks.
#[derive(Debug)]
pub enum ActionEvent {
    Build(BuildEvent),
    Restarted {
        zone: ZoneId,
        target: WorkloadKey,
        started: jiff::Timestamp,
        result: Result<RestartReceipt, ActionError>,
        /// The zone's client, built for this restart, kept for the next one.
        client: Option<ZoneClient>,
    },
}

/// A zone's kube client travelling back from a task to the runner's cache.
#[derive(Clone)]
pub struct ZoneClient(pub Client);

impl std::fmt::Debug for ZoneClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ZoneClient")
    }
}

/// How serious a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Info,
    Success,
    Error,
}

/// The build the console is running or last ran.
#[derive(Debug)]
pub struct BuildView {
    pub started: Instant,
    pub tail: OutputTail,
    pub log_path: PathBuf,
    /// Set when it ended.
    pub outcome: Option<BuildOutcome>,
    /// Restart the redeploy target if it succeeds.
    pub then_restart: bool,
    /// The confirmation typed for the redeploy, passed on to the restart.
    confirmation: Option<String>,
    started_wall: jiff::Timestamp,
}

/// After a successful rebuild: the target's pods started before this moment still run the
/// previous image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleImageMark {
    pub zone: ZoneId,
    pub target: WorkloadKey,
    pub build_finished: jiff::Timestamp,
}

/// How many recent actions the actions pane lists.
const RECENT_KEPT: usize = 20;

/// The runner and the state the UI draws from it.
pub struct ActionRunner {
    config: FleetConfig,
    kubeconfig: LoadedKubeconfig,
    state_dir: PathBuf,
    read_only: bool,
    audit: AuditLog,
    tx: mpsc::Sender<ActionEvent>,
    /// One client per zone, built on the first restart there (building one reads the
    /// kubeconfig and costs ~20 ms).
    clients: HashMap<ZoneId, Client>,
    handle: Option<BuildHandle>,
    pub build: Option<BuildView>,
    pub rollouts: RolloutBoard,
    pub recent: VecDeque<AuditRecord>,
    pub message: Option<(Severity, String)>,
    pub stale: Option<StaleImageMark>,
    pending_restarts: usize,
}

impl ActionRunner {
    /// A runner for the configured fleet; events come back on the returned receiver.
    pub fn new(
        config: FleetConfig,
        kubeconfig: LoadedKubeconfig,
        state_dir: PathBuf,
        read_only: bool,
    ) -> (ActionRunner, mpsc::Receiver<ActionEvent>) {
        let (tx, rx) = mpsc::channel(1024);
        let audit = AuditLog::in_state_dir(&state_dir);
        let recent = audit.recent(RECENT_KEPT).into();
        (
            ActionRunner {
                config,
                kubeconfig,
                state_dir,
                read_only,
                audit,
                tx,
                clients: HashMap::new(),
                handle: None,
                build: None,
                rollouts: RolloutBoard::default(),
                recent,
                message: None,
                stale: None,
                pending_restarts: 0,
            },
            rx,
        )
    }

    /// Where the audit log is written.
    pub fn audit_path(&self) -> &std::path::Path {
        self.audit.path()
    }

    /// True while a build runs, a restart request is in flight or one of our rollouts is
    /// being followed: the top bar says so.
    pub fn busy(&self) -> Option<String> {
        if self.handle.is_some() {
            return Some("rebuild running".into());
        }
        if self.pending_restarts > 0 {
            return Some("restart requested".into());
        }
        self.rollouts
            .active()
            .find(|t| t.ours)
            .map(|t| format!("rollout of {} running", t.target.name))
    }

    /// The zone and target the redeploy key acts on.
    pub fn redeploy_target(&self) -> Option<(ZoneId, WorkloadKey)> {
        let zone = self.config.find(self.config.redeploy.zone.as_deref()?)?;
        Some((zone.id, WorkloadKey::parse(&self.config.redeploy.target)?))
    }

    /// Handles a confirmed request from the UI.
    pub fn request(&mut self, request: ActionRequest) {
        match request {
            ActionRequest::Restart {
                zone,
                target,
                confirmation,
            } => self.start_restart(zone, target, confirmation),
            ActionRequest::Rebuild if self.read_only => {
                // The build script can push or import images: not for an observer either.
                let e = ActionError::ReadOnly(
                    "the console runs with --read-only; the build is not run".into(),
                );
                self.refuse("rebuild", None, None, &e);
            }
            ActionRequest::Rebuild => self.start_build(false, None),
            ActionRequest::Redeploy { confirmation } => {
                if let Some((zone, target)) = self.redeploy_target()
                    && let Some(zc) = self.config.zones.iter().find(|z| z.id == zone)
                    && let Err(e) = check_guards(zc, self.read_only, confirmation.as_deref())
                {
                    self.refuse("redeploy", Some(zone), Some(&target), &e);
                    return;
                }
                self.start_build(true, confirmation);
            }
            ActionRequest::CancelBuild => {
                if let Some(handle) = &mut self.handle {
                    handle.cancel();
                    self.message = Some((Severity::Info, "cancelling the build…".into()));
                }
            }
        }
    }

    fn refuse(
        &mut self,
        action: &str,
        zone: Option<ZoneId>,
        target: Option<&WorkloadKey>,
        err: &ActionError,
    ) {
        let zone_config = zone.and_then(|z| self.config.zones.iter().find(|c| c.id == z));
        let now = jiff::Timestamp::now();
        self.record(AuditRecord {
            action: action.into(),
            started: now,
            ended: now,
            local_user: local_user(),
            kube_user: zone_config.and_then(|z| self.kubeconfig.user_of(&z.context)),
            zone: zone_config.map(|z| z.name.clone()),
            object: target.map(ToString::to_string),
            result: err.audit_result().into(),
            detail: Some(err.to_string()),
        });
        self.message = Some((Severity::Error, err.to_string()));
    }

    fn record(&mut self, record: AuditRecord) {
        if let Err(e) = self.audit.append(&record) {
            tracing::error!(error = %e, path = %self.audit.path().display(), "cannot write the audit log");
            self.message = Some((
                Severity::Error,
                format!(
                    "cannot write the audit log {}: {e}",
                    self.audit.path().display()
                ),
            ));
        }
        self.recent.push_back(record);
        while self.recent.len() > RECENT_KEPT {
            self.recent.pop_front();
        }
    }

    fn start_build(&mut self, then_restart: bool, confirmation: Option<String>) {
        if self.handle.is_some() {
            self.message = Some((Severity::Info, "a build is already running".into()));
            return;
        }
        let (tx, mut rx) = mpsc::channel(256);
        let started_wall = jiff::Timestamp::now();
        match start_build(&self.config.rebuild, &self.state_dir, tx) {
            Ok(handle) => {
                self.build = Some(BuildView {
                    started: handle.started,
                    tail: OutputTail::new(self.config.rebuild.keep_lines),
                    log_path: handle.log_path.clone(),
                    outcome: None,
                    then_restart,
                    confirmation,
                    started_wall,
                });
                self.handle = Some(handle);
                self.message = Some((
                    Severity::Info,
                    format!("rebuild started: {}", self.config.rebuild.argv.join(" ")),
                ));
                let events = self.tx.clone();
                tokio::spawn(async move {
                    while let Some(ev) = rx.recv().await {
                        if events.send(ActionEvent::Build(ev)).await.is_err() {
                            break;
                        }
                    }
                });
            }
            Err(status) => {
                let now = jiff::Timestamp::now();
                self.record(AuditRecord {
                    action: if then_restart { "redeploy" } else { "rebuild" }.into(),
                    started: now,
                    ended: now,
                    local_user: local_user(),
                    kube_user: None,
                    zone: None,
                    object: None,
                    result: "failed".into(),
                    detail: Some(status.describe()),
                });
                self.message = Some((Severity::Error, format!("rebuild {}", status.describe())));
            }
        }
    }

    fn start_restart(&mut self, zone: ZoneId, target: WorkloadKey, confirmation: Option<String>) {
        let Some(zone_config) = self.config.zones.iter().find(|z| z.id == zone).cloned() else {
            return;
        };
        if let Err(e) = check_guards(&zone_config, self.read_only, confirmation.as_deref()) {
            self.refuse("restart", Some(zone), Some(&target), &e);
            return;
        }
        self.pending_restarts += 1;
        self.message = Some((
            Severity::Info,
            format!(
                "restarting {target} in {} {}…",
                zone_config.id, zone_config.name
            ),
        ));
        let kubeconfig = self.kubeconfig.clone();
        let cached = self.clients.get(&zone).cloned();
        let events = self.tx.clone();
        tokio::spawn(async move {
            let started = jiff::Timestamp::now();
            let client = match cached {
                Some(client) => Ok(client),
                None => cluster::zone_client(&zone_config, &kubeconfig).await,
            };
            let (result, client) = match client {
                Ok(client) => (
                    restart_workload(&client, &target).await,
                    Some(ZoneClient(client)),
                ),
                Err(e) => (Err(ActionError::Failed(e)), None),
            };
            let _ = events
                .send(ActionEvent::Restarted {
                    zone,
                    target,
                    started,
                    result,
                    client,
                })
                .await;
        });
    }

    /// Applies a task's report; returns true when the screen should be redrawn.
    pub fn on_event(&mut self, event: ActionEvent, fleet: &Fleet) -> bool {
        match event {
            ActionEvent::Build(BuildEvent::Line { stream, text }) => {
                if let Some(b) = &mut self.build {
                    b.tail.push(stream, text);
                }
            }
            ActionEvent::Build(BuildEvent::Finished(outcome)) => self.build_finished(outcome),
            ActionEvent::Restarted {
                zone,
                target,
                started,
                result,
                client,
            } => {
                self.pending_restarts = self.pending_restarts.saturating_sub(1);
                if let Some(ZoneClient(client)) = client {
                    self.clients.entry(zone).or_insert(client);
                }
                let zone_config = self.config.zones.iter().find(|z| z.id == zone).cloned();
                let record = |result: &str, detail: String| AuditRecord {
                    action: "restart".into(),
                    started,
                    ended: jiff::Timestamp::now(),
                    local_user: local_user(),
                    kube_user: zone_config
                        .as_ref()
                        .and_then(|z| self.kubeconfig.user_of(&z.context)),
                    zone: zone_config.as_ref().map(|z| z.name.clone()),
                    object: Some(target.to_string()),
                    result: result.into(),
                    detail: Some(detail),
                };
                match result {
                    Ok(receipt) => {
                        let rec =
                            record("succeeded", format!("restartedAt {}", receipt.restarted_at));
                        self.record(rec);
                        self.message = Some((
                            Severity::Info,
                            format!("{target} restarted; following the rollout"),
                        ));
                        let timeout =
                            Duration::from_secs(self.config.redeploy.rollout_timeout_secs);
                        self.rollouts.follow(RolloutTracker::ours(
                            zone,
                            target,
                            receipt.generation,
                            timeout,
                        ));
                        self.rollouts.observe(fleet, Instant::now(), timeout);
                    }
                    Err(e) => {
                        let rec = record(e.audit_result(), e.to_string());
                        self.record(rec);
                        self.message = Some((Severity::Error, format!("restart of {target}: {e}")));
                    }
                }
            }
        }
        true
    }

    fn build_finished(&mut self, outcome: BuildOutcome) {
        self.handle = None;
        let Some(build) = &mut self.build else {
            return;
        };
        let then_restart = build.then_restart;
        let confirmation = build.confirmation.take();
        let started_wall = build.started_wall;
        let succeeded = outcome.status == BuildStatus::Succeeded;
        let describe = outcome.status.describe();
        let log_path = outcome.log_path.clone();
        let finished_at = outcome.finished_at;
        build.outcome = Some(outcome);
        self.record(AuditRecord {
            action: "rebuild".into(),
            started: started_wall,
            ended: jiff::Timestamp::now(),
            local_user: local_user(),
            kube_user: None,
            zone: None,
            object: None,
            result: match () {
                _ if succeeded => "succeeded",
                _ if describe == "cancelled" => "cancelled",
                _ => "failed",
            }
            .into(),
            detail: Some(format!("{describe}; log {}", log_path.display())),
        });
        if !succeeded {
            self.message = Some((
                Severity::Error,
                if then_restart {
                    format!("rebuild {describe}: nothing restarted")
                } else {
                    format!("rebuild {describe}")
                },
            ));
            return;
        }
        if let Some((zone, target)) = self.redeploy_target() {
            self.stale = Some(StaleImageMark {
                zone,
                target: target.clone(),
                build_finished: finished_at,
            });
            if then_restart {
                self.start_restart(zone, target, confirmation);
                return;
            }
        }
        self.message = Some((Severity::Success, format!("rebuild {describe}")));
    }

    /// Re-judges rollouts after a model change (or a tick); returns our rollouts that just
    /// ended, so the loop can draw their end at once.
    pub fn on_model_change(&mut self, fleet: &Fleet) -> Vec<(ZoneId, WorkloadKey)> {
        let timeout = Duration::from_secs(self.config.redeploy.rollout_timeout_secs);
        let running: Vec<(ZoneId, WorkloadKey)> = self
            .rollouts
            .active()
            .filter(|t| t.ours)
            .map(|t| (t.zone, t.target.clone()))
            .collect();
        let now = Instant::now();
        self.rollouts.observe(fleet, now, timeout);
        let mut ended = Vec::new();
        for t in &self.rollouts.trackers {
            if t.ours
                && t.phase.is_final()
                && running.iter().any(|(z, k)| *z == t.zone && *k == t.target)
            {
                let severity = if t.phase == RolloutPhase::Succeeded {
                    Severity::Success
                } else {
                    Severity::Error
                };
                self.message = Some((
                    severity,
                    format!("rollout of {} {}", t.target, t.phase.word()),
                ));
                tracing::info!(
                    zone = %t.zone,
                    target = %t.target,
                    phase = t.phase.word(),
                    elapsed_ms = t.elapsed(now).as_millis(),
                    "rollout ended"
                );
                ended.push((t.zone, t.target.clone()));
            }
        }
        if let Some(mark) = &self.stale
            && let Some(zone) = fleet.zone(mark.zone)
            && zone.state() == crate::fleet::ZoneState::Live
            && super::rollout::stale_pods(zone, &mark.target, mark.build_finished).is_empty()
        {
            self.stale = None;
        }
        ended
    }
}
