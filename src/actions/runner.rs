//! The console's action runner: takes confirmed requests, runs them as tasks, and keeps the
//! state the UI draws through a read-only [`ActionsView`] (build output, rollouts, recent
//! actions, last message, stale pods). It lives in the event loop; its tasks report back over
//! a channel, never through shared mutable state. Time comes in as a [`Clock`] reading.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::audit::{AuditAction, AuditRecord, AuditResult};
use super::guard::Admission;
use super::log_follow::LogReport;
use super::logs::{LogDesk, LogRequest, LogSession};
use super::object_yaml::{ObjectRef, YamlDesk, YamlDoc, YamlReport};
use super::rebuild::{BuildEvent, BuildHandle, BuildOutcome, BuildStatus, OutputTail, start_build};
use super::restart::{RestartOrder, RestartReceipt};
use super::rollout::{RolloutBoard, RolloutPhase, RolloutTracker};
use super::undo::{RollbackReceipt, UndoOrder};
use super::{ActionContext, ActionError};
use crate::clock::Clock;
use crate::config::ZoneId;
use crate::fleet::touched::TouchedNamespaces;
use crate::fleet::{Fleet, WorkloadKey};

/// Something the user asked for and confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionRequest {
    /// Rollout-restart a workload in a zone.
    Restart {
        /// The zone.
        zone: ZoneId,
        /// The workload.
        target: WorkloadKey,
        /// What the user typed for a protected zone.
        confirmation: Option<String>,
    },
    /// Run the build script only.
    Rebuild,
    /// Build, then on success restart the redeploy target.
    Redeploy {
        /// What the user typed for a protected zone.
        confirmation: Option<String>,
    },
    /// Stop the running build (its whole process group).
    CancelBuild,
    /// Roll a Deployment back to an earlier revision (`kubectl rollout undo`).
    Undo {
        /// The zone.
        zone: ZoneId,
        /// The Deployment.
        target: WorkloadKey,
        /// The revision to go back to; `None` is the previous one.
        to_revision: Option<i64>,
        /// What the user typed for a protected zone.
        confirmation: Option<String>,
    },
    /// Open, reopen, close or save the log session (no guard: reading is always allowed).
    Logs(LogRequest),
    /// Fetch an object as YAML for the YAML pane.
    ObjectYaml {
        /// The object's zone.
        zone: ZoneId,
        /// The object.
        object: ObjectRef,
    },
}

/// The runner's answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestAnswer {
    /// Started (or, for a cancel, passed on).
    Accepted,
    /// Refused by a guard: recorded, and said in the message line.
    Refused(ActionError),
    /// A protected zone's name was not typed: nothing was done or recorded; ask again.
    Unconfirmed {
        /// The zone's name, which must be typed.
        zone: String,
    },
}

/// Progress reported by the runner's tasks.
#[derive(Debug)]
pub enum ActionEvent {
    /// A line of the build's output, or its end.
    Build(BuildEvent),
    /// The server's answer to a restart.
    Restarted {
        /// The order that was sent.
        order: Box<RestartOrder>,
        /// The receipt, or why it failed.
        result: Result<RestartReceipt, ActionError>,
    },
    /// The server's answer to an undo.
    Undone {
        /// The order that was sent.
        order: Box<UndoOrder>,
        /// The receipt, or why it failed.
        result: Result<RollbackReceipt, ActionError>,
    },
    /// A log stream's lines or state.
    Logs(LogReport),
    /// An object's YAML, or why it could not be fetched.
    Yaml(YamlReport),
}

/// How serious a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Something is happening.
    Info,
    /// Something ended well.
    Success,
    /// Something was refused or failed.
    Error,
}

/// The build the console is running or last ran.
#[derive(Debug)]
pub struct BuildView {
    /// When it started (monotonic).
    pub started: Instant,
    /// The last lines of its output.
    pub tail: OutputTail,
    /// Its whole output, on disk.
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
    /// The redeploy target's zone.
    pub zone: ZoneId,
    /// The redeploy target.
    pub target: WorkloadKey,
    /// When the good build finished.
    pub build_finished: jiff::Timestamp,
}

/// How many recent actions the actions pane lists.
const RECENT_KEPT: usize = 20;

/// The runner; its state is private and read through [`ActionRunner::view`].
pub struct ActionRunner {
    ctx: ActionContext,
    tx: mpsc::Sender<ActionEvent>,
    handle: Option<BuildHandle>,
    build: Option<BuildView>,
    rollouts: RolloutBoard,
    recent: VecDeque<AuditRecord>,
    message: Option<(Severity, String)>,
    stale: Option<StaleImageMark>,
    pending_restarts: usize,
    pending_undos: usize,
    logs: LogDesk,
    /// The log desk's reports, until a task forwards them into the runner's channel.
    log_reports: Option<mpsc::Receiver<LogReport>>,
    yaml: YamlDesk,
}

/// What the UI may read of the runner: nothing here changes it.
#[derive(Clone, Copy)]
pub struct ActionsView<'a> {
    runner: &'a ActionRunner,
}

impl<'a> ActionsView<'a> {
    /// The build running or last run.
    pub fn build(&self) -> Option<&'a BuildView> {
        self.runner.build.as_ref()
    }

    /// True while a build runs.
    pub fn build_running(&self) -> bool {
        self.runner.handle.is_some()
    }

    /// Where the audit log is written.
    pub fn audit_path(&self) -> &'a std::path::Path {
        self.runner.ctx.audit.path()
    }

    /// The rollouts followed, ours and others'.
    pub fn rollouts(&self) -> &'a RolloutBoard {
        &self.runner.rollouts
    }

    /// The last actions recorded, oldest first.
    pub fn recent(&self) -> &'a VecDeque<AuditRecord> {
        &self.runner.recent
    }

    /// The runner's last message.
    pub fn message(&self) -> Option<&'a (Severity, String)> {
        self.runner.message.as_ref()
    }

    /// The redeploy target's pods that still run the previous image, if a good build marked them.
    pub fn stale(&self) -> Option<&'a StaleImageMark> {
        self.runner.stale.as_ref()
    }

    /// What runs now (a build, a restart request, one of our rollouts), for the top bar.
    pub fn busy(&self) -> Option<String> {
        self.runner.busy()
    }

    /// Since when the thing named by [`Self::busy`] runs, when that is known.
    pub fn busy_since(&self) -> Option<Instant> {
        self.runner
            .build
            .as_ref()
            .filter(|b| b.outcome.is_none())
            .map(|b| b.started)
            .or_else(|| {
                self.runner
                    .rollouts
                    .active()
                    .find(|t| t.ours)
                    .map(|t| t.started)
            })
    }

    /// Whether an action on `zone` may be asked about, and how.
    pub fn admission(&self, zone: &crate::config::ZoneConfig) -> Admission {
        self.runner.ctx.guards.admission(zone)
    }

    /// Whether the build may run.
    pub fn build_allowed(&self) -> Result<(), ActionError> {
        self.runner.ctx.guards.build()
    }

    /// The open log session.
    pub fn logs(&self) -> Option<&'a LogSession> {
        self.runner.logs.session()
    }

    /// The object shown (or being fetched) for the YAML pane.
    pub fn yaml(&self) -> Option<&'a YamlDoc> {
        self.runner.yaml.doc()
    }
}

impl ActionRunner {
    /// A runner acting through `ctx`; its tasks' reports come back on the returned receiver.
    pub fn new(ctx: ActionContext) -> (ActionRunner, mpsc::Receiver<ActionEvent>) {
        let (tx, rx) = mpsc::channel(1024);
        let recent = ctx.audit.recent(RECENT_KEPT).into();
        let (logs, log_reports) = LogDesk::new(ctx.config.logs.keep_lines);
        (
            ActionRunner {
                ctx,
                tx,
                handle: None,
                build: None,
                rollouts: RolloutBoard::default(),
                recent,
                message: None,
                stale: None,
                pending_restarts: 0,
                pending_undos: 0,
                logs,
                log_reports: Some(log_reports),
                yaml: YamlDesk::default(),
            },
            rx,
        )
    }

    /// The read-only view the UI draws from.
    pub fn view(&self) -> ActionsView<'_> {
        ActionsView { runner: self }
    }

    /// Where the audit log is written.
    pub fn audit_path(&self) -> &std::path::Path {
        self.ctx.audit.path()
    }

    /// What runs now: a build, a restart request in flight, or one of our rollouts.
    pub fn busy(&self) -> Option<String> {
        if self.handle.is_some() {
            return Some("rebuild running".into());
        }
        if self.pending_restarts > 0 {
            return Some("restart requested".into());
        }
        if self.pending_undos > 0 {
            return Some("undo requested".into());
        }
        self.rollouts
            .active()
            .find(|t| t.ours)
            .map(|t| format!("rollout of {} running", t.target.name))
    }

    /// The zone and target the redeploy key acts on.
    pub fn redeploy_target(&self) -> Option<(ZoneId, WorkloadKey)> {
        super::redeploy_target(&self.ctx.config)
    }

    /// Handles a confirmed request: the guards judge it once, here.
    pub fn request(&mut self, request: ActionRequest, clock: &Clock) -> RequestAnswer {
        match request {
            ActionRequest::Restart {
                zone,
                target,
                confirmation,
            } => {
                let Some(zone) = self.ctx.zone(zone).cloned() else {
                    return RequestAnswer::Refused(ActionError::Refused(format!(
                        "zone {zone} is not configured"
                    )));
                };
                let order = RestartOrder {
                    zone,
                    target,
                    confirmation,
                    asked: clock.wall,
                };
                if let Err(e) = order.admit(&self.ctx) {
                    return self.refuse_order(&order, e, clock);
                }
                self.start_restart(order, clock);
                RequestAnswer::Accepted
            }
            ActionRequest::Rebuild => {
                if let Err(e) = self.ctx.guards.build() {
                    let record =
                        self.ctx
                            .refusal_record(AuditAction::Rebuild, None, None, &e, clock);
                    let message = e.to_string();
                    return self.refuse(record, e, message);
                }
                self.start_build(false, None, clock);
                RequestAnswer::Accepted
            }
            ActionRequest::Redeploy { confirmation } => {
                if let Some((zone, target)) = self.redeploy_target()
                    && let Some(zc) = self.ctx.zone(zone)
                    && let Err(e) = self.ctx.guards.check(zc, confirmation.as_deref())
                {
                    if let ActionError::Unconfirmed { zone } = e {
                        return RequestAnswer::Unconfirmed { zone };
                    }
                    let record = self.ctx.refusal_record(
                        AuditAction::Redeploy,
                        Some(zc),
                        Some(target.to_string()),
                        &e,
                        clock,
                    );
                    let message = format!("{e}; nothing was built or restarted");
                    return self.refuse(record, e, message);
                }
                self.start_build(true, confirmation, clock);
                RequestAnswer::Accepted
            }
            ActionRequest::CancelBuild => {
                if let Some(handle) = &mut self.handle {
                    handle.cancel();
                    self.message = Some((Severity::Info, "cancelling the build…".into()));
                }
                RequestAnswer::Accepted
            }
            ActionRequest::Undo {
                zone,
                target,
                to_revision,
                confirmation,
            } => {
                let Some(zone) = self.ctx.zone(zone).cloned() else {
                    return RequestAnswer::Refused(ActionError::Refused(format!(
                        "zone {zone} is not configured"
                    )));
                };
                let order = UndoOrder {
                    zone,
                    target,
                    to_revision,
                    confirmation,
                    asked: clock.wall,
                };
                match order.admit(&self.ctx) {
                    Err(ActionError::Unconfirmed { zone }) => RequestAnswer::Unconfirmed { zone },
                    Err(e) => {
                        let record = order.record_error(&self.ctx, &e, clock);
                        let message = format!("{e}; {} was not rolled back", order.target);
                        self.refuse(record, e, message)
                    }
                    Ok(()) => {
                        self.pending_undos += 1;
                        self.message = Some((Severity::Info, order.started_message()));
                        order.spawn(self.ctx.clients.clone(), self.tx.clone());
                        RequestAnswer::Accepted
                    }
                }
            }
            ActionRequest::Logs(request) => {
                self.logs_request(request, clock);
                RequestAnswer::Accepted
            }
            ActionRequest::ObjectYaml { zone, object } => {
                self.yaml.fetch(zone, object, &self.ctx, &self.tx);
                RequestAnswer::Accepted
            }
        }
    }

    fn logs_request(&mut self, request: LogRequest, clock: &Clock) {
        match request {
            LogRequest::Open(order) => {
                if let Some(mut reports) = self.log_reports.take() {
                    let events = self.tx.clone();
                    tokio::spawn(async move {
                        while let Some(report) = reports.recv().await {
                            if events.send(ActionEvent::Logs(report)).await.is_err() {
                                break;
                            }
                        }
                    });
                }
                self.logs.open(order, &self.ctx);
            }
            LogRequest::Close => self.logs.close(),
            LogRequest::Save => {
                let zone = self
                    .logs
                    .session()
                    .and_then(|s| self.ctx.zone(s.order.zone))
                    .map_or_else(String::new, |z| z.name.clone());
                self.message = Some(
                    match self.logs.save(&self.ctx.state_dir, &zone, clock.wall) {
                        Ok((path, lines)) => (
                            Severity::Success,
                            format!("saved {lines} lines to {}", path.display()),
                        ),
                        Err(e) => (Severity::Error, format!("save: {e}")),
                    },
                );
            }
        }
    }

    /// Joins a workload's started pods to the log session (and marks those gone) now.
    pub fn observe_logs(&mut self, fleet: &Fleet) {
        self.logs.observe(fleet, &self.ctx);
    }

    /// Stops the log session's streams (the log pane is no longer shown).
    pub fn close_logs(&mut self) {
        if self.logs.session().is_some() {
            self.logs.close();
        }
    }

    /// A restart order the guards refused: an unconfirmed one goes back to be asked again,
    /// any other refusal is recorded and shown.
    fn refuse_order(
        &mut self,
        order: &RestartOrder,
        e: ActionError,
        clock: &Clock,
    ) -> RequestAnswer {
        if let ActionError::Unconfirmed { zone } = e {
            return RequestAnswer::Unconfirmed { zone };
        }
        let record = order.record_error(&self.ctx, &e, clock);
        let message = format!("{e}; {} was not restarted", order.target);
        self.refuse(record, e, message)
    }

    /// Records a refusal and says it in the message line, with what did not happen.
    fn refuse(&mut self, record: AuditRecord, e: ActionError, message: String) -> RequestAnswer {
        self.record(record);
        self.message = Some((Severity::Error, message));
        RequestAnswer::Refused(e)
    }

    fn record(&mut self, record: AuditRecord) {
        if let Err(message) = self.ctx.record(&record) {
            self.message = Some((Severity::Error, message));
        }
        self.recent.push_back(record);
        while self.recent.len() > RECENT_KEPT {
            self.recent.pop_front();
        }
    }

    fn start_build(&mut self, then_restart: bool, confirmation: Option<String>, clock: &Clock) {
        if self.handle.is_some() {
            self.message = Some((Severity::Info, "a build is already running".into()));
            return;
        }
        let (tx, mut rx) = mpsc::channel(256);
        match start_build(&self.ctx.config.rebuild, &self.ctx.state_dir, tx) {
            Ok(handle) => {
                self.build = Some(BuildView {
                    started: handle.started,
                    tail: OutputTail::new(self.ctx.config.rebuild.keep_lines),
                    log_path: handle.log_path.clone(),
                    outcome: None,
                    then_restart,
                    confirmation,
                    started_wall: clock.wall,
                });
                self.handle = Some(handle);
                self.message = Some((
                    Severity::Info,
                    format!(
                        "rebuild started: {}",
                        self.ctx.config.rebuild.argv.join(" ")
                    ),
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
                let action = if then_restart {
                    AuditAction::Redeploy
                } else {
                    AuditAction::Rebuild
                };
                let record = AuditRecord::new(
                    action,
                    clock.wall,
                    clock.wall,
                    AuditResult::Failed,
                    status.describe(),
                );
                self.record(record);
                self.message = Some((Severity::Error, format!("rebuild {}", status.describe())));
            }
        }
    }

    fn start_restart(&mut self, order: RestartOrder, clock: &Clock) {
        self.pending_restarts += 1;
        self.message = Some((
            Severity::Info,
            format!(
                "restarting {} in {} {}…",
                order.target, order.zone.id, order.zone.name
            ),
        ));
        let clients = self.ctx.clients.clone();
        let events = self.tx.clone();
        let clock = *clock;
        tokio::spawn(async move {
            let result = order.send(&clients, &clock).await;
            let order = Box::new(order);
            let _ = events.send(ActionEvent::Restarted { order, result }).await;
        });
    }

    /// Applies a task's report; returns true when the screen should be redrawn.
    pub fn on_event(&mut self, event: ActionEvent, fleet: &Fleet, clock: &Clock) -> bool {
        match event {
            ActionEvent::Build(BuildEvent::Line { stream, text }) => {
                if let Some(b) = &mut self.build {
                    b.tail.push(stream, text);
                }
            }
            ActionEvent::Build(BuildEvent::Finished(outcome)) => {
                self.build_finished(outcome, clock)
            }
            ActionEvent::Restarted { order, result } => {
                self.pending_restarts = self.pending_restarts.saturating_sub(1);
                match result {
                    Ok(receipt) => {
                        let record = order.record(
                            &self.ctx,
                            AuditResult::Succeeded,
                            format!("restartedAt {}", receipt.restarted_at),
                            clock,
                        );
                        self.record(record);
                        self.message = Some((
                            Severity::Info,
                            format!("{} restarted; following the rollout", order.target),
                        ));
                        let timeout = self.rollout_timeout();
                        self.rollouts.follow(RolloutTracker::ours(
                            order.zone.id,
                            order.target,
                            receipt.generation,
                            timeout,
                            clock,
                        ));
                        self.rollouts.observe(fleet, clock, timeout);
                    }
                    Err(e) => {
                        let record = order.record_error(&self.ctx, &e, clock);
                        self.record(record);
                        self.message =
                            Some((Severity::Error, format!("restart of {}: {e}", order.target)));
                    }
                }
            }
            ActionEvent::Undone { order, result } => {
                self.pending_undos = self.pending_undos.saturating_sub(1);
                let answer = order.answered(&self.ctx, &result, clock);
                self.record(answer.record);
                self.message = Some(answer.message);
                if let Some(generation) = answer.follow {
                    let timeout = self.rollout_timeout();
                    self.rollouts.follow(RolloutTracker::ours(
                        order.zone.id,
                        order.target,
                        generation,
                        timeout,
                        clock,
                    ));
                    self.rollouts.observe(fleet, clock, timeout);
                }
            }
            ActionEvent::Logs(report) => return self.logs.on_report(report),
            ActionEvent::Yaml(report) => return self.yaml.on_report(report),
        }
        true
    }

    fn rollout_timeout(&self) -> Duration {
        Duration::from_secs(self.ctx.config.redeploy.rollout_timeout_secs)
    }

    fn build_finished(&mut self, outcome: BuildOutcome, clock: &Clock) {
        self.handle = None;
        let Some(build) = &mut self.build else {
            return;
        };
        let then_restart = build.then_restart;
        let confirmation = build.confirmation.take();
        let started_wall = build.started_wall;
        let succeeded = outcome.status == BuildStatus::Succeeded;
        let describe = outcome.status.describe();
        let finished_at = outcome.finished_at;
        let record = AuditRecord::new(
            AuditAction::Rebuild,
            started_wall,
            clock.wall,
            outcome.status.audit_result(),
            format!("{describe}; log {}", outcome.log_path.display()),
        );
        build.outcome = Some(outcome);
        self.record(record);
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
                let request = ActionRequest::Restart {
                    zone,
                    target,
                    confirmation,
                };
                self.request(request, clock);
                return;
            }
        }
        self.message = Some((Severity::Success, format!("rebuild {describe}")));
    }

    /// Re-judges rollouts after a model change (or, with everything touched, a tick); returns
    /// our rollouts that just ended, so the loop can draw their end at once. What follows one
    /// workload is looked at again only when its namespace was touched.
    pub fn on_model_change(
        &mut self,
        fleet: &Fleet,
        clock: &Clock,
        touched: &TouchedNamespaces,
    ) -> Vec<(ZoneId, WorkloadKey)> {
        if self.logs.session().is_some_and(|session| {
            touched.namespace(session.order.zone, session.order.subject.namespace())
        }) {
            self.logs.observe(fleet, &self.ctx);
        }
        let timeout = self.rollout_timeout();
        let running: Vec<(ZoneId, WorkloadKey)> = self
            .rollouts
            .active()
            .filter(|t| t.ours)
            .map(|t| (t.zone, t.target.clone()))
            .collect();
        self.rollouts
            .observe_changes(fleet, clock, timeout, touched);
        let mut ended = Vec::new();
        for t in &self.rollouts.trackers {
            if t.ours
                && t.phase.is_final()
                && running.iter().any(|(z, k)| *z == t.zone && *k == t.target)
            {
                let severity = match t.phase {
                    RolloutPhase::Succeeded => Severity::Success,
                    // Someone deleted the workload: said plainly, not as a failure.
                    RolloutPhase::Deleted => Severity::Info,
                    _ => Severity::Error,
                };
                self.message = Some((
                    severity,
                    format!("rollout of {} {}", t.target, t.phase.word()),
                ));
                tracing::info!(
                    zone = %t.zone,
                    target = %t.target,
                    phase = t.phase.word(),
                    elapsed_ms = t.elapsed(clock.instant).as_millis(),
                    "rollout ended"
                );
                ended.push((t.zone, t.target.clone()));
            }
        }
        if let Some(mark) = &self.stale
            && touched.namespace(mark.zone, &mark.target.namespace)
            && let Some(zone) = fleet.zone(mark.zone)
            && zone.state() == crate::fleet::ZoneState::Live
            && super::rollout::stale_pods(zone, &mark.target, mark.build_finished).is_empty()
        {
            self.stale = None;
        }
        ended
    }
}
