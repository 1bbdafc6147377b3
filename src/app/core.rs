//! The console's core: everything the event loop does except reading the terminal and
//! drawing to it. Model batches, action reports, ticks, keys and mouse events come in through
//! its `on_…` methods; it applies them to the model, the action runner and the UI, and says
//! whether a frame is due. The binary's loop and the tests drive this same type, so a test of
//! a key press runs exactly the production path.

use std::time::{Duration, Instant};

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;
use tokio::sync::mpsc;

use super::checks::CheckState;
use super::notify::Notifier;
use crate::actions::ActionContext;
use crate::actions::logs::LogRequest;
use crate::actions::notify::CommandNotifier;
use crate::actions::rebuild::BuildEvent;
use crate::actions::runner::{
    ActionEvent, ActionRequest, ActionRunner, ActionsView, RequestAnswer, Severity,
};
use crate::clock::{Clock, TimeSource};
use crate::config::ZoneId;
use crate::fleet::checks::promotion::PromotionLine;
use crate::fleet::checks::{CheckFinding, KubectlClient, VersionObservation};
use crate::fleet::summaries::ZoneSummaries;
use crate::fleet::touched::TouchedNamespaces;
use crate::fleet::{Fleet, FleetEvent, WorkloadKey, ZoneState};
use crate::ui::{ActionSettings, KeyContext, Keymap, Scene, Theme, Ui, UiOptions, UiOutcome};

/// The tick while nothing runs: ages and "retry in" counters move once a second.
pub const IDLE_TICK: Duration = Duration::from_secs(1);
/// The tick while a build, a restart request or one of our rollouts runs, so the spinner and
/// the elapsed times move.
pub const BUSY_TICK: Duration = Duration::from_millis(125);

/// What the core is built from.
pub struct CoreParts {
    /// The model to start from (empty zones for the binary; a fixture in tests).
    pub fleet: Fleet,
    /// The actions' door: config, clients, guards, audit log.
    pub actions: ActionContext,
    /// The keys.
    pub keymap: Keymap,
    /// The colours.
    pub theme: Theme,
    /// Start-up choices.
    pub options: UiOptions,
    /// Where "now" comes from.
    pub time: TimeSource,
}

/// The console without a terminal: model, action runner and UI, and what the next frame needs.
pub struct ConsoleCore {
    fleet: Fleet,
    /// Every zone's summary, derived again only where the model changed.
    summaries: ZoneSummaries,
    runner: ActionRunner,
    ui: Ui,
    /// What the action keys act on (the redeploy target, the build command).
    settings: ActionSettings,
    time: TimeSource,
    started: Instant,
    screen_dirty: bool,
    /// Our rollouts that ended since the last frame, logged once a frame shows them.
    ended_unseen: Vec<(ZoneId, WorkloadKey)>,
    first_complete_frame_logged: bool,
    /// OSC 52 sequences to write with the next frame (what `copy` put on the clipboard).
    clipboard: Vec<Vec<u8>>,
    /// What deserves a notification, and how it is written.
    notifier: Notifier,
    /// Runs the `[notify]` command.
    notify_command: CommandNotifier,
    /// Bells and desktop notifications to write with the next frame.
    notifications: Vec<Vec<u8>>,
    /// The runbook checks' inputs and findings.
    checks: CheckState,
}

impl ConsoleCore {
    /// A core over `parts`; the action runner's reports come back on the returned receiver,
    /// to be handed to [`ConsoleCore::on_action_event`].
    pub fn new(parts: CoreParts) -> (ConsoleCore, mpsc::Receiver<ActionEvent>) {
        let settings = ActionSettings::from_config(&parts.actions.config);
        let checks = CheckState::new(parts.actions.config.clone());
        let notifier = Notifier::new(parts.actions.config.notify.clone());
        let (runner, action_events) = ActionRunner::new(parts.actions);
        let ui = Ui::new(parts.keymap, parts.theme, parts.options);
        let summaries = ZoneSummaries::of(&parts.fleet);
        let started = parts.time.now().instant;
        let mut core = ConsoleCore {
            fleet: parts.fleet,
            summaries,
            runner,
            ui,
            settings,
            time: parts.time,
            started,
            screen_dirty: true,
            ended_unseen: Vec::new(),
            first_complete_frame_logged: false,
            clipboard: Vec::new(),
            notifier,
            notify_command: CommandNotifier::default(),
            notifications: Vec::new(),
            checks,
        };
        let clock = core.time.now();
        core.checks.recompute(&core.fleet, &clock);
        // The model to start from is what the watch first sees: a zone live in it was live.
        core.notify();
        (core, action_events)
    }

    /// The model.
    pub fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    /// Ends the core: what it runs (log sessions, builds, notifiers) ends as it does when the core
    /// is dropped, and the model is handed back.
    pub fn into_fleet(self) -> Fleet {
        let ConsoleCore { fleet, .. } = self;
        fleet
    }

    /// The runbook checks' findings, as last computed.
    pub fn checks(&self) -> &[CheckFinding] {
        self.checks.findings()
    }

    /// Each zone's promotion line, as last computed.
    pub fn promotion_lines(&self) -> &[PromotionLine] {
        self.checks.promotion_lines()
    }

    /// Says what the `kubectl` probe found; the checks are recomputed with it.
    pub fn set_kubectl(&mut self, kubectl: KubectlClient) {
        self.checks.set_kubectl(kubectl);
        self.recompute_checks();
    }

    /// Sets the ports the Services are checked against; the checks are recomputed with them.
    pub fn set_ports(&mut self, ports: crate::config::PortsSpec) {
        self.checks.set_ports(ports);
        self.recompute_checks();
    }

    /// Keeps the log of version changes in the state dir: read now, appended to as zones
    /// change versions; the checks are recomputed with it.
    pub fn set_version_log(&mut self, log: crate::actions::version_log::VersionLog) {
        self.checks.set_version_log(log);
        self.recompute_checks();
    }

    /// Replaces the log of version changes (oldest first); the checks are recomputed with it.
    pub fn set_observations(&mut self, observations: Vec<VersionObservation>) {
        self.checks.set_observations(observations);
        self.recompute_checks();
    }

    fn recompute_checks(&mut self) {
        let clock = self.time.now();
        self.screen_dirty |= self.checks.recompute(&self.fleet, &clock);
    }

    /// The UI's state (what is open and selected).
    pub fn ui(&self) -> &Ui {
        &self.ui
    }

    /// What the action runner shows.
    pub fn actions(&self) -> ActionsView<'_> {
        self.runner.view()
    }

    /// The message line's text: the UI's own message, else the action runner's.
    pub fn shown_message(&self) -> Option<&(Severity, String)> {
        self.ui.own_message().or(self.runner.view().message())
    }

    /// Where the core's "now" comes from.
    pub fn time(&self) -> &TimeSource {
        &self.time
    }

    /// The OSC 52 sequences waiting for the next frame, oldest first.
    pub fn pending_clipboard(&self) -> &[Vec<u8>] {
        &self.clipboard
    }

    /// Takes the OSC 52 sequences waiting for the next frame, for the terminal writer.
    pub fn take_clipboard(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.clipboard)
    }

    /// Says whether the console runs inside tmux: notifications' escape sequences are then
    /// wrapped for its passthrough.
    pub fn set_in_tmux(&mut self, in_tmux: bool) {
        self.notifier.set_in_tmux(in_tmux);
    }

    /// The bells and desktop notifications waiting for the next frame, oldest first.
    pub fn pending_notifications(&self) -> &[Vec<u8>] {
        &self.notifications
    }

    /// Takes the bells and desktop notifications waiting for the next frame, for the terminal
    /// writer (they go out between frames, through the one writer).
    pub fn take_notifications(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.notifications)
    }

    /// Notify commands still running.
    pub fn notify_commands_running(&self) -> usize {
        self.notify_command.running()
    }

    /// Tells what deserves telling now: our rollouts that ended, zones that went down or came
    /// back. Bytes wait for the next frame; a configured command starts at once.
    fn notify(&mut self) {
        let now = self.time.now().instant;
        let due = self
            .notifier
            .due(&self.fleet, self.runner.view().rollouts(), now);
        for notice in due {
            tracing::info!(title = %notice.title, body = %notice.body, "notification");
            let bytes = self.notifier.bytes(&notice);
            if !bytes.is_empty() {
                self.notifications.push(bytes);
                self.screen_dirty = true;
            }
            self.notify_command.notify(
                &self.notifier.config().command,
                &notice.title,
                &notice.body,
            );
        }
    }

    /// True when something changed since the last frame.
    pub fn needs_draw(&self) -> bool {
        self.screen_dirty
    }

    /// True when the next frame should not wait for the frame interval (one of our rollouts
    /// just ended).
    pub fn frame_is_urgent(&self) -> bool {
        !self.ended_unseen.is_empty()
    }

    /// How often [`ConsoleCore::on_tick`] should be called now.
    pub fn tick_period(&self) -> Duration {
        if self.runner.busy().is_some() {
            BUSY_TICK
        } else {
            IDLE_TICK
        }
    }

    /// Applies a batch of model events. An object written again as it is stored (only what
    /// its projection leaves out moved) changes nothing: it is dropped, and a batch of only
    /// such events neither re-judges anything nor draws a frame. Returns when each event that
    /// did change the model was read from its watch (for `--trace-latency`: the next frame
    /// shows them).
    pub fn on_fleet_events(
        &mut self,
        events: impl IntoIterator<Item = FleetEvent>,
    ) -> Vec<Instant> {
        let mut feeds_checks = false;
        let mut touched = TouchedNamespaces::default();
        let mut applied = 0usize;
        let mut read_at = Vec::new();
        for event in events {
            if self.fleet.unchanged_by(&event) {
                continue;
            }
            applied += 1;
            read_at.extend(event.read_at);
            feeds_checks |= crate::fleet::checks::feeds_checks(&event);
            touched.note(&event);
            self.summaries.note(&self.fleet, &event);
            self.fleet.apply(event);
        }
        if applied == 0 {
            return read_at;
        }
        self.screen_dirty = true;
        let clock = self.time.now();
        self.fleet.prune_events(clock.wall);
        self.ended_unseen
            .extend(self.runner.on_model_change(&self.fleet, &clock, &touched));
        if feeds_checks {
            self.checks.recompute(&self.fleet, &clock);
        }
        self.notify();
        read_at
    }

    /// Applies one report of the action runner's tasks.
    pub fn on_action_event(&mut self, event: ActionEvent) {
        log_action_event(&event);
        let clock = self.time.now();
        self.screen_dirty |= self.runner.on_event(event, &self.fleet, &clock);
        self.notify();
    }

    /// Time passed: ages move, events older than their window are dropped, and rollouts that
    /// stopped sending events are judged (their timeout).
    pub fn on_tick(&mut self) {
        let clock = self.time.now();
        // Events age out of their window as time passes, not only when new ones arrive.
        self.fleet.prune_events(clock.wall);
        // Rollout timeouts move with time: every rollout is judged again.
        self.ended_unseen.extend(self.runner.on_model_change(
            &self.fleet,
            &clock,
            &TouchedNamespaces::everything(),
        ));
        // Soak clocks move with time: the checks are judged again every few seconds.
        self.checks.on_tick(&self.fleet, &clock);
        self.screen_dirty = true;
        self.notify();
    }

    /// The terminal changed size.
    pub fn on_resize(&mut self) {
        self.screen_dirty = true;
    }

    /// Handles a key: the UI maps it through the keymap and its layers; a confirmed request
    /// goes to the action runner, whose answer goes back to the UI. Returns what happened:
    /// [`UiOutcome::Request`] only for a request the runner accepted.
    pub fn on_key(&mut self, key: KeyEvent) -> UiOutcome {
        let cx = KeyContext {
            fleet: &self.fleet,
            actions: self.runner.view(),
            settings: &self.settings,
            checks: self.checks.findings(),
        };
        let outcome = self.ui.handle_key(key, &cx);
        self.after_input(outcome)
    }

    /// Handles a mouse event (`--mouse`).
    pub fn on_mouse(&mut self, event: MouseEvent) -> UiOutcome {
        let cx = KeyContext {
            fleet: &self.fleet,
            actions: self.runner.view(),
            settings: &self.settings,
            checks: self.checks.findings(),
        };
        let outcome = self.ui.handle_mouse(event, &cx);
        self.after_input(outcome)
    }

    /// Hands a request to the runner and its answer back to the UI; marks the screen dirty.
    fn after_input(&mut self, outcome: UiOutcome) -> UiOutcome {
        let outcome = match outcome {
            UiOutcome::Request(request) => {
                tracing::info!(?request, "action confirmed");
                let answer = self.runner.request(request.clone(), &self.time.now());
                self.ui.answered(&request, &answer);
                if matches!(request, ActionRequest::Logs(LogRequest::Open(_))) {
                    // A workload's pods join now, not at the next model change.
                    self.runner.observe_logs(&self.fleet);
                }
                match answer {
                    RequestAnswer::Accepted => UiOutcome::Request(request),
                    _ => UiOutcome::Redraw,
                }
            }
            UiOutcome::Copy(text) => {
                self.clipboard.push(osc52(&text));
                UiOutcome::Copy(text)
            }
            other => other,
        };
        if outcome != UiOutcome::Nothing {
            self.screen_dirty = true;
        }
        // However the log pane went away (closed, replaced by another pane), its streams stop.
        if self.ui.pane() != Some(crate::ui::Pane::Logs) {
            self.runner.close_logs();
        }
        outcome
    }

    /// Draws a frame into `buf` (the whole `area`).
    pub fn draw(&mut self, buf: &mut Buffer, area: Rect) {
        self.summaries.refresh(&self.fleet);
        let clock: Clock = self.time.now();
        let scene = Scene {
            fleet: &self.fleet,
            summaries: self.summaries.summaries(),
            actions: self.runner.view(),
            clock: &clock,
            checks: self.checks.findings(),
            promotion: self.checks.promotion_lines(),
            promotion_path: self.checks.promotion_path(),
        };
        self.ui.draw(buf, area, &scene);
        self.screen_dirty = false;
        for (zone, target) in self.ended_unseen.drain(..) {
            tracing::info!(%zone, %target, "rollout end on screen");
        }
        if !self.first_complete_frame_logged
            && self
                .fleet
                .zones
                .iter()
                .all(|z| z.state() == ZoneState::Live)
        {
            self.first_complete_frame_logged = true;
            tracing::info!(
                elapsed_ms = clock
                    .instant
                    .saturating_duration_since(self.started)
                    .as_millis(),
                "first complete frame: every zone live"
            );
        }
    }
}

/// The OSC 52 sequence that puts `text` on the system clipboard:
/// `ESC ] 52 ; c ; <base64> BEL`. Terminals (and tmux with `set-clipboard on`) honour it over
/// ssh too; the text is base64, so nothing in it reaches the terminal as a control sequence.
pub fn osc52(text: &str) -> Vec<u8> {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = Vec::with_capacity(encoded.len() + 8);
    out.extend_from_slice(b"\x1b]52;c;");
    out.extend_from_slice(encoded.as_bytes());
    out.push(0x07);
    out
}

/// Logs the runner's reports that mark a step of an action.
fn log_action_event(event: &ActionEvent) {
    match event {
        ActionEvent::Build(BuildEvent::Finished(outcome)) => tracing::info!(
            status = %outcome.status.describe(),
            duration_ms = outcome.duration.as_millis(),
            lines = outcome.lines,
            "build finished"
        ),
        ActionEvent::Restarted { order, result } => match result {
            Ok(receipt) => {
                tracing::info!(target = %order.target, generation = receipt.generation, "restart accepted")
            }
            Err(error) => tracing::info!(target = %order.target, %error, "restart not done"),
        },
        ActionEvent::Undone { order, result } => match result {
            Ok(receipt) => {
                tracing::info!(target = %order.target, revision = receipt.revision, skipped = receipt.skipped, generation = receipt.generation, "undo accepted")
            }
            Err(error) => tracing::info!(target = %order.target, %error, "undo not done"),
        },
        ActionEvent::Logs(report) => {
            if let crate::actions::log_follow::StreamReport::Ended(Err(error)) = &report.report {
                tracing::info!(session = report.session, stream = report.source, %error, "log stream failed");
            }
        }
        ActionEvent::Build(BuildEvent::Line { .. }) | ActionEvent::Yaml(_) => {}
    }
}
