//! The terminal UI: views drawn from the fleet model, keys mapped through a keymap to actions.
//!
//! The event loop owns a [`Ui`], feeds it key events with [`Ui::handle_key`] and draws it with
//! [`Ui::draw`]. Everything here is synchronous and deterministic: time comes in as a [`Clock`].
//!
//! Views: the overview (every zone), the zone view (one zone's nodes, system pods, workloads)
//! and the workload view (one workload's pods); the help overlay and the filter sit on top.
//! Below [`MIN_WIDTH`]×[`MIN_HEIGHT`] only a "terminal too small" message is drawn.
//!
//! Actions: keys that change a cluster or run the build open a confirmation [`Dialog`]; a
//! confirmed dialog comes back from [`Ui::handle_key`] as [`UiOutcome::Request`] for the event
//! loop to hand to the [`ActionRunner`]. [`Ui::draw_with_actions`] draws the runner's state: the
//! build log pane, the rollout panel, recent actions, stale pods, the busy badge and the last
//! message.

#![warn(missing_docs)]

pub mod action;
pub mod backend;
pub mod color_depth;
pub mod command_line;
pub mod dialog;
pub mod filter;
pub mod help;
pub mod key_table;
pub mod keymap;
pub mod list;
pub mod mouse;
pub mod overview;
pub mod panes;
pub mod rollout_panel;
pub mod status;
pub mod theme;
pub mod user_files;
pub mod widgets;
pub mod workload_view;
pub mod zone_view;

use std::sync::Arc;
use std::time::Instant;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

pub use action::Action;
pub use dialog::{ActionSettings, BuildCommand, Dialog, DialogAction};
pub use keymap::{KeyChord, KeyResolution, Keymap, KeymapError, Mode};
pub use list::RowKey;
pub use theme::{Role, Theme, ThemeError};

use crate::actions::runner::{ActionRequest, ActionRunner, Severity};
use crate::actions::{ActionError, check_guards};
use crate::fleet::health::ZoneSummary;
use crate::fleet::{Fleet, WorkloadKey};
use filter::Filter;
use list::{ListState, Move};
use panes::{LogScroll, Scroll};
use status::zone_label;
use widgets::{Part, centered, draw_lines, squeeze, wrap};

/// Narrowest terminal drawn; below it only "terminal too small" is shown.
pub const MIN_WIDTH: u16 = 60;
/// Lowest terminal drawn; below it only "terminal too small" is shown.
pub const MIN_HEIGHT: u16 = 15;

/// Wall and monotonic "now", passed in so renders are deterministic in tests.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Monotonic now, compared with zones' `state_since`.
    pub instant: Instant,
    /// Wall-clock now, compared with retry times and object ages.
    pub wall: jiff::Timestamp,
}

impl Clock {
    /// The current time.
    pub fn now() -> Clock {
        Clock {
            instant: Instant::now(),
            wall: jiff::Timestamp::now(),
        }
    }
}

/// Choices made at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiOptions {
    /// No mutations: shown as a READ-ONLY badge in the top bar.
    pub read_only: bool,
    /// The keymap's name, shown in the top bar and the help overlay.
    pub keymap_name: String,
}

/// What the loop must do after an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiOutcome {
    /// Nothing changed.
    Nothing,
    /// Something changed: draw again.
    Redraw,
    /// The user asked to quit.
    Quit,
    /// The user confirmed an action: hand it to the action runner (and draw again).
    Request(ActionRequest),
}

/// A pane below (or, for the build log, instead of) the current view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// The build's output; takes the keys (mode `log`) while open.
    BuildLog,
    /// The last actions from the audit log.
    Actions,
}

/// What the last frame showed of the runner, so keys act on what the user saw.
#[derive(Debug, Clone, Copy, Default)]
struct RunnerGlance {
    build_running: bool,
    ended_rollouts_shown: bool,
    drawn_at: Option<Instant>,
}

/// Which view is on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewKind {
    /// All zones.
    Overview,
    /// One zone's nodes, system pods and workloads.
    Zone,
    /// One workload's pods.
    Workload,
}

/// A view opened from the overview.
#[derive(Debug, Clone)]
enum SubView {
    Zone {
        zone: usize,
        list: ListState,
    },
    Workload {
        zone: usize,
        workload: WorkloadKey,
        list: ListState,
    },
}

impl SubView {
    fn zone(&self) -> usize {
        match self {
            SubView::Zone { zone, .. } | SubView::Workload { zone, .. } => *zone,
        }
    }

    fn list_mut(&mut self) -> &mut ListState {
        match self {
            SubView::Zone { list, .. } | SubView::Workload { list, .. } => list,
        }
    }

    fn list(&self) -> &ListState {
        match self {
            SubView::Zone { list, .. } | SubView::Workload { list, .. } => list,
        }
    }
}

/// The UI state: focus, open views, selections, filter, help, pending keys.
pub struct Ui {
    keymap: Keymap,
    theme: Theme,
    options: UiOptions,
    focus: usize,
    overview_lists: Vec<ListState>,
    overview_filter: Filter,
    stack: Vec<SubView>,
    help_scroll: Option<usize>,
    editing_filter: bool,
    pending: Vec<KeyChord>,
    page_rows: usize,
    command_line: Option<String>,
    notice: Option<String>,
    zone_hits: Vec<(Rect, usize)>,
    actions: ActionSettings,
    dialog: Option<Dialog>,
    pane: Option<Pane>,
    log_scroll: LogScroll,
    /// A message from the UI itself (a refusal, a hint); newer than the runner's last one.
    note: Option<(Severity, String)>,
    seen_runner_message: Option<(Severity, String)>,
    glance: RunnerGlance,
    rollouts_dismissed_at: Option<Instant>,
}

impl Ui {
    /// A UI showing the overview with the first zone focused.
    pub fn new(keymap: Keymap, theme: Theme, options: UiOptions) -> Ui {
        Ui {
            keymap,
            theme,
            options,
            focus: 0,
            overview_lists: Vec::new(),
            overview_filter: Filter::default(),
            stack: Vec::new(),
            help_scroll: None,
            editing_filter: false,
            pending: Vec::new(),
            page_rows: 10,
            command_line: None,
            notice: None,
            zone_hits: Vec::new(),
            actions: ActionSettings::default(),
            dialog: None,
            pane: None,
            log_scroll: LogScroll::default(),
            note: None,
            seen_runner_message: None,
            glance: RunnerGlance::default(),
            rollouts_dismissed_at: None,
        }
    }

    /// Tells the UI what the action keys act on (the redeploy target, the build command).
    pub fn set_action_settings(&mut self, settings: ActionSettings) {
        self.actions = settings;
    }

    /// The open confirmation dialog.
    pub fn dialog(&self) -> Option<&Dialog> {
        self.dialog.as_ref()
    }

    /// The open pane.
    pub fn pane(&self) -> Option<Pane> {
        self.pane
    }

    /// The UI's own last message (a refusal or a hint), until the runner says something newer.
    pub fn note(&self) -> Option<&(Severity, String)> {
        self.note.as_ref()
    }

    /// The view on screen.
    pub fn view(&self) -> ViewKind {
        match self.stack.last() {
            None => ViewKind::Overview,
            Some(SubView::Zone { .. }) => ViewKind::Zone,
            Some(SubView::Workload { .. }) => ViewKind::Workload,
        }
    }

    /// The index (in `fleet.zones`) of the zone in focus.
    pub fn focused_zone(&self) -> usize {
        self.stack.last().map_or(self.focus, SubView::zone)
    }

    /// The help overlay is shown.
    pub fn help_visible(&self) -> bool {
        self.help_scroll.is_some()
    }

    /// A filter is being typed.
    pub fn editing_filter(&self) -> bool {
        self.editing_filter
    }

    /// The current list's filter text (empty when none).
    pub fn filter_text(&self) -> &str {
        match self.stack.last() {
            None => self.overview_filter.text(),
            Some(view) => view.list().filter.text(),
        }
    }

    /// The selected row of the current list, as last resolved.
    pub fn selected(&self) -> Option<&RowKey> {
        match self.stack.last() {
            None => self.overview_lists.get(self.focus)?.selected.as_ref(),
            Some(view) => view.list().selected.as_ref(),
        }
    }

    /// The workload shown in the workload view.
    pub fn open_workload(&self) -> Option<&WorkloadKey> {
        match self.stack.last() {
            Some(SubView::Workload { workload, .. }) => Some(workload),
            _ => None,
        }
    }

    /// The keymap in use.
    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    /// The modes whose bindings apply now, first match wins.
    pub fn active_modes(&self) -> &'static [Mode] {
        if self.dialog.is_some() {
            &[Mode::Dialog]
        } else if self.editing_filter || self.command_line.is_some() {
            &[Mode::Filter]
        } else if self.pane == Some(Pane::BuildLog) {
            &[Mode::Log, Mode::Global]
        } else if self.stack.is_empty() {
            &[Mode::Overview, Mode::List, Mode::Global]
        } else {
            &[Mode::Zone, Mode::List, Mode::Global]
        }
    }

    /// Handles one key event and says what the loop must do.
    pub fn handle_key(&mut self, key: KeyEvent, fleet: &Fleet) -> UiOutcome {
        if key.kind == KeyEventKind::Release {
            return UiOutcome::Nothing;
        }
        self.clamp_to(fleet);
        self.settle_selection(fleet);
        let had_notice = self.notice.take().is_some();
        let outcome = match self.resolve_key(KeyChord::from_event(&key), fleet) {
            UiOutcome::Nothing if had_notice => UiOutcome::Redraw,
            outcome => outcome,
        };
        if outcome == UiOutcome::Redraw {
            self.settle_selection(fleet);
        }
        outcome
    }

    /// Re-finds the current list's selection in the model (after a key or a model change).
    fn settle_selection(&mut self, fleet: &Fleet) {
        let rows = self.current_rows(fleet);
        if let Some(list) = self.current_list_mut() {
            list.settle(&rows);
        }
    }

    fn resolve_key(&mut self, chord: KeyChord, fleet: &Fleet) -> UiOutcome {
        // A protected zone's name is typed before any binding is looked at: "production"
        // holds an "n", which would otherwise cancel.
        if let Some(dialog) = &mut self.dialog
            && dialog.wants_typed_name()
            && let Some(c) = printable(chord)
        {
            self.pending.clear();
            dialog.type_char(c);
            return UiOutcome::Redraw;
        }
        let modes = self.active_modes();
        let had_pending = !self.pending.is_empty();
        self.pending.push(chord);
        let mut resolution = self.keymap.resolve(modes, &self.pending);
        if resolution == KeyResolution::Unbound && had_pending {
            // The sequence went nowhere: try the last key on its own.
            self.pending = vec![chord];
            resolution = self.keymap.resolve(modes, &self.pending);
        }
        match resolution {
            KeyResolution::Pending => UiOutcome::Redraw,
            KeyResolution::Action(action) => {
                self.pending.clear();
                match self.perform(action, fleet) {
                    UiOutcome::Nothing if had_pending => UiOutcome::Redraw,
                    outcome => outcome,
                }
            }
            KeyResolution::Unbound => {
                self.pending.clear();
                let typed = self.type_into_filter(chord);
                if typed || had_pending {
                    UiOutcome::Redraw
                } else {
                    UiOutcome::Nothing
                }
            }
        }
    }

    fn type_into_filter(&mut self, chord: KeyChord) -> bool {
        match printable(chord) {
            Some(c) => {
                if let Some(line) = &mut self.command_line {
                    line.push(c);
                } else if self.editing_filter {
                    self.filter_mut().push(c);
                } else {
                    return false;
                }
                true
            }
            None => false,
        }
    }

    fn filter_mut(&mut self) -> &mut Filter {
        match self.stack.last_mut() {
            None => &mut self.overview_filter,
            Some(view) => &mut view.list_mut().filter,
        }
    }

    /// Keeps indexes valid if the fleet has fewer zones than the UI remembers.
    fn clamp_to(&mut self, fleet: &Fleet) {
        let zones = fleet.zones.len();
        if self.overview_lists.len() < zones {
            self.overview_lists.resize_with(zones, ListState::default);
        }
        if self.focus >= zones {
            self.focus = zones.saturating_sub(1);
        }
        self.stack.retain(|v| v.zone() < zones);
    }

    fn current_rows(&self, fleet: &Fleet) -> Vec<RowKey> {
        match self.stack.last() {
            None => fleet
                .zones
                .get(self.focus)
                .map(|z| overview::row_keys(z, &self.overview_filter))
                .unwrap_or_default(),
            Some(SubView::Zone { zone, list }) => fleet
                .zones
                .get(*zone)
                .map(|z| zone_view::row_keys(z, &list.filter))
                .unwrap_or_default(),
            Some(SubView::Workload {
                zone,
                workload,
                list,
            }) => fleet
                .zones
                .get(*zone)
                .map(|z| workload_view::row_keys(z, workload, &list.filter))
                .unwrap_or_default(),
        }
    }

    fn current_list_mut(&mut self) -> Option<&mut ListState> {
        match self.stack.last_mut() {
            None => self.overview_lists.get_mut(self.focus),
            Some(view) => Some(view.list_mut()),
        }
    }

    fn perform(&mut self, action: Action, fleet: &Fleet) -> UiOutcome {
        if action == Action::Quit {
            return UiOutcome::Quit;
        }
        if self.command_line.is_some() {
            return self.command_line_action(action, fleet);
        }
        if action == Action::CommandLine {
            return self.open_command_line();
        }
        if action == Action::Help {
            self.help_scroll = match self.help_scroll {
                Some(_) => None,
                None => Some(0),
            };
            return UiOutcome::Redraw;
        }
        if let Some(scroll) = &mut self.help_scroll {
            let page = self.page_rows;
            *scroll = match action {
                Action::Back => {
                    self.help_scroll = None;
                    return UiOutcome::Redraw;
                }
                Action::SelectUp => scroll.saturating_sub(1),
                Action::SelectDown => scroll.saturating_add(1),
                Action::PageUp => scroll.saturating_sub(page),
                Action::PageDown => scroll.saturating_add(page),
                Action::HalfPageUp => scroll.saturating_sub(page.div_ceil(2)),
                Action::HalfPageDown => scroll.saturating_add(page.div_ceil(2)),
                Action::First => 0,
                Action::Last => usize::MAX / 2,
                _ => return UiOutcome::Nothing,
            };
            return UiOutcome::Redraw;
        }
        if self.dialog.is_some() {
            return self.perform_in_dialog(action);
        }
        match action {
            Action::Restart => return self.ask_restart(fleet),
            Action::Redeploy => return self.ask_redeploy(fleet),
            Action::Rebuild => return self.ask_rebuild(),
            Action::CancelBuild => return self.cancel_build(),
            Action::GoToRedeployTarget => return self.go_to_redeploy_target(fleet),
            Action::ToggleBuildLog => {
                self.pane = match self.pane {
                    Some(Pane::BuildLog) => None,
                    _ => Some(Pane::BuildLog),
                };
                return UiOutcome::Redraw;
            }
            Action::ToggleActions => {
                self.pane = match self.pane {
                    Some(Pane::Actions) => None,
                    _ => Some(Pane::Actions),
                };
                return UiOutcome::Redraw;
            }
            _ => {}
        }
        if self.pane == Some(Pane::BuildLog) {
            let how = match action {
                Action::Back => {
                    self.pane = None;
                    return UiOutcome::Redraw;
                }
                Action::SelectUp => Scroll::Up,
                Action::SelectDown => Scroll::Down,
                Action::PageUp => Scroll::PageUp,
                Action::PageDown => Scroll::PageDown,
                Action::First => Scroll::Top,
                Action::Last => Scroll::Follow,
                _ => return UiOutcome::Nothing,
            };
            return if self.log_scroll.apply(how) {
                UiOutcome::Redraw
            } else {
                UiOutcome::Nothing
            };
        }
        let changed = match action {
            Action::Quit | Action::Help | Action::CommandLine => false,
            Action::Back => self.back(),
            Action::Open => self.open(fleet),
            Action::FocusNextZone | Action::FocusPrevZone => {
                let zones = fleet.zones.len();
                if zones > 1 && self.stack.is_empty() {
                    self.focus = if action == Action::FocusNextZone {
                        (self.focus + 1) % zones
                    } else {
                        (self.focus + zones - 1) % zones
                    };
                    true
                } else {
                    false
                }
            }
            Action::SelectUp => self.move_selection(fleet, Move::Up),
            Action::SelectDown => self.move_selection(fleet, Move::Down),
            Action::PageUp => self.move_selection(fleet, Move::PageUp(self.page_rows)),
            Action::PageDown => self.move_selection(fleet, Move::PageDown(self.page_rows)),
            Action::HalfPageUp => {
                self.move_selection(fleet, Move::PageUp(self.page_rows.div_ceil(2)))
            }
            Action::HalfPageDown => {
                self.move_selection(fleet, Move::PageDown(self.page_rows.div_ceil(2)))
            }
            Action::First => self.move_selection(fleet, Move::First),
            Action::Last => self.move_selection(fleet, Move::Last),
            Action::Filter => {
                self.editing_filter = true;
                true
            }
            Action::ApplyFilter => std::mem::replace(&mut self.editing_filter, false),
            Action::ClearFilter => {
                self.filter_mut().clear();
                self.editing_filter = false;
                true
            }
            Action::DeleteChar => self.editing_filter && self.filter_mut().pop(),
            // Handled above.
            Action::Restart
            | Action::Redeploy
            | Action::Rebuild
            | Action::CancelBuild
            | Action::GoToRedeployTarget
            | Action::ToggleBuildLog
            | Action::ToggleActions
            | Action::Confirm
            | Action::Cancel => false,
        };
        if changed {
            UiOutcome::Redraw
        } else {
            UiOutcome::Nothing
        }
    }

    /// Keys while a dialog is open: confirm, cancel, edit the typed name.
    fn perform_in_dialog(&mut self, action: Action) -> UiOutcome {
        let read_only = self.options.read_only;
        let Some(dialog) = &mut self.dialog else {
            return UiOutcome::Nothing;
        };
        match action {
            Action::Confirm => match dialog.confirm(read_only) {
                // The guards refused what was typed: the dialog shows why and stays open.
                None => UiOutcome::Redraw,
                Some(request) => {
                    if matches!(
                        request,
                        ActionRequest::Rebuild | ActionRequest::Redeploy { .. }
                    ) {
                        self.pane = Some(Pane::BuildLog);
                        self.log_scroll = LogScroll::default();
                    }
                    self.dialog = None;
                    self.note = None;
                    UiOutcome::Request(request)
                }
            },
            Action::Cancel | Action::Back => {
                self.dialog = None;
                UiOutcome::Redraw
            }
            Action::DeleteChar if dialog.delete_char() => UiOutcome::Redraw,
            _ => UiOutcome::Nothing,
        }
    }

    /// Shows a message of the UI's own in the message line.
    fn tell(&mut self, severity: Severity, text: impl Into<String>) -> UiOutcome {
        self.note = Some((severity, text.into()));
        UiOutcome::Redraw
    }

    /// The selected row of the current list, resolved against the model.
    fn selected_row(&self, fleet: &Fleet) -> Option<RowKey> {
        let rows = self.current_rows(fleet);
        let list = match self.stack.last() {
            None => self.overview_lists.get(self.focus),
            Some(view) => Some(view.list()),
        };
        list.and_then(|l| l.resolve(&rows))
            .and_then(|i| rows.get(i).cloned())
    }

    /// The guards as seen before asking: a read-only console or zone refuses right away
    /// (no dialog); a protected zone gets its name field in the dialog.
    fn refused_before_asking(&self, zone: &crate::config::ZoneConfig) -> Option<ActionError> {
        match check_guards(zone, self.options.read_only, None) {
            Err(e @ ActionError::ReadOnly(_)) => Some(e),
            _ => None,
        }
    }

    /// `r`: the workload shown or selected, in the zone in focus.
    fn ask_restart(&mut self, fleet: &Fleet) -> UiOutcome {
        let Some(zone) = fleet.zones.get(self.focused_zone()) else {
            return UiOutcome::Nothing;
        };
        let target = match self.stack.last() {
            Some(SubView::Workload { workload, .. }) => Some(workload.clone()),
            _ => match self.selected_row(fleet) {
                Some(RowKey::Workload(key)) => Some(key),
                _ => None,
            },
        };
        let Some(target) = target else {
            return self.tell(
                Severity::Info,
                "restart: select a Deployment, StatefulSet or DaemonSet first",
            );
        };
        if let Some(refusal) = self.refused_before_asking(&zone.config) {
            return self.tell(
                Severity::Error,
                format!("{refusal}; {target} was not restarted"),
            );
        }
        self.dialog = Some(Dialog::new(DialogAction::Restart {
            zone: Arc::clone(&zone.config),
            target,
        }));
        UiOutcome::Redraw
    }

    /// `D`: build, then restart the redeploy target; one dialog for both.
    fn ask_redeploy(&mut self, fleet: &Fleet) -> UiOutcome {
        let Some((zone_id, target)) = self.actions.redeploy_target.clone() else {
            return self.tell(
                Severity::Error,
                "redeploy: no redeploy target is configured ([redeploy] in the config file)",
            );
        };
        let Some(zone) = fleet.zone(zone_id) else {
            return self.tell(
                Severity::Error,
                format!("redeploy: zone {zone_id} is not in the fleet"),
            );
        };
        if let Some(refusal) = self.refused_before_asking(&zone.config) {
            return self.tell(
                Severity::Error,
                format!("{refusal}; nothing was built or restarted"),
            );
        }
        if self.glance.build_running {
            return self.tell(Severity::Info, "a build is already running");
        }
        self.dialog = Some(Dialog::new(DialogAction::Redeploy {
            zone: Arc::clone(&zone.config),
            target,
            build: self.actions.build.clone(),
        }));
        UiOutcome::Redraw
    }

    /// `b`: the build alone. An observer (`--read-only`) does not run it either: the build
    /// script may push or import images.
    fn ask_rebuild(&mut self) -> UiOutcome {
        if self.options.read_only {
            return self.tell(
                Severity::Error,
                "read-only: the console runs with --read-only; the build is not run",
            );
        }
        if self.glance.build_running {
            return self.tell(Severity::Info, "a build is already running");
        }
        self.dialog = Some(Dialog::new(DialogAction::Rebuild {
            build: self.actions.build.clone(),
        }));
        UiOutcome::Redraw
    }

    /// `c`: cancels at once, without a question: stopping a local build is always safe (it
    /// restarts nothing and can be run again), and a runaway build should stop now.
    fn cancel_build(&mut self) -> UiOutcome {
        if !self.glance.build_running {
            return self.tell(Severity::Info, "no build is running");
        }
        self.note = None;
        UiOutcome::Request(ActionRequest::CancelBuild)
    }

    /// `e`: the redeploy target's workload view in its zone, from anywhere (`esc` then leads
    /// back through its zone view to the overview).
    fn go_to_redeploy_target(&mut self, fleet: &Fleet) -> UiOutcome {
        let Some((zone_id, target)) = self.actions.redeploy_target.clone() else {
            return self.tell(Severity::Error, "no redeploy target is configured");
        };
        let Some(zone) = fleet.zones.iter().position(|z| z.config.id == zone_id) else {
            return self.tell(
                Severity::Error,
                format!("zone {zone_id} of the redeploy target is not in the fleet"),
            );
        };
        if self.pane == Some(Pane::BuildLog) {
            self.pane = None;
        }
        self.focus = zone;
        let row = RowKey::Workload(target.clone());
        if let Some(list) = self.overview_lists.get_mut(zone) {
            list.selected = Some(row.clone());
        }
        self.stack = vec![
            SubView::Zone {
                zone,
                list: ListState::starting_at(Some(row)),
            },
            SubView::Workload {
                zone,
                workload: target,
                list: ListState::default(),
            },
        ];
        UiOutcome::Redraw
    }

    fn back(&mut self) -> bool {
        if self.pane.take().is_some() {
            return true;
        }
        if self.glance.ended_rollouts_shown {
            self.rollouts_dismissed_at = self.glance.drawn_at;
            self.glance.ended_rollouts_shown = false;
            return true;
        }
        if !self.filter_text().is_empty() {
            self.filter_mut().clear();
            return true;
        }
        self.stack.pop().is_some()
    }

    fn open(&mut self, fleet: &Fleet) -> bool {
        let rows = self.current_rows(fleet);
        let selected = self
            .stack
            .last()
            .map_or_else(
                || {
                    self.overview_lists
                        .get(self.focus)
                        .and_then(|l| l.resolve(&rows))
                },
                |v| v.list().resolve(&rows),
            )
            .map(|i| rows[i].clone());
        match self.stack.last() {
            None => {
                let Some(zone) = fleet.zones.get(self.focus) else {
                    return false;
                };
                // A namespace opens on its first workload.
                let start = match selected {
                    Some(RowKey::Namespace(ns)) => zone
                        .workloads
                        .values()
                        .find(|w| w.namespace == ns)
                        .map(|w| RowKey::Workload(w.workload_key())),
                    other => other,
                };
                let mut list = ListState::starting_at(start.clone());
                if start.is_some() {
                    let rows = zone_view::row_keys(zone, &list.filter);
                    list.settle(&rows);
                }
                self.stack.push(SubView::Zone {
                    zone: self.focus,
                    list,
                });
                true
            }
            Some(SubView::Zone { zone, .. }) => match selected {
                Some(RowKey::Workload(workload)) => {
                    let zone = *zone;
                    self.stack.push(SubView::Workload {
                        zone,
                        workload,
                        list: ListState::default(),
                    });
                    true
                }
                _ => false,
            },
            Some(SubView::Workload { .. }) => false,
        }
    }

    fn move_selection(&mut self, fleet: &Fleet, how: Move) -> bool {
        let rows = self.current_rows(fleet);
        self.current_list_mut()
            .is_some_and(|list| list.apply(&rows, how))
    }

    /// Draws the whole screen. `summaries[i]` belongs to `fleet.zones[i]`.
    pub fn draw(
        &mut self,
        frame: &mut Frame,
        fleet: &Fleet,
        summaries: &[ZoneSummary],
        clock: &Clock,
    ) {
        let area = frame.area();
        self.draw_into(frame.buffer_mut(), area, fleet, summaries, None, clock);
    }

    /// Draws the whole screen with the action runner's state: busy badge, message line,
    /// rollout panel, build log and recent actions, stale pods.
    pub fn draw_with_actions(
        &mut self,
        frame: &mut Frame,
        fleet: &Fleet,
        summaries: &[ZoneSummary],
        runner: &ActionRunner,
        clock: &Clock,
    ) {
        let area = frame.area();
        self.draw_into(
            frame.buffer_mut(),
            area,
            fleet,
            summaries,
            Some(runner),
            clock,
        );
    }

    /// Remembers what this frame shows of the runner; a new runner message replaces the UI's
    /// own note.
    fn glance_at(&mut self, runner: Option<&ActionRunner>, clock: &Clock) {
        let Some(runner) = runner else {
            return;
        };
        self.glance.build_running = runner.build.as_ref().is_some_and(|b| b.outcome.is_none());
        self.glance.drawn_at = Some(clock.instant);
        if runner.message != self.seen_runner_message {
            self.seen_runner_message = runner.message.clone();
            self.note = None;
        }
    }

    fn draw_into(
        &mut self,
        buf: &mut Buffer,
        area: Rect,
        fleet: &Fleet,
        summaries: &[ZoneSummary],
        runner: Option<&ActionRunner>,
        clock: &Clock,
    ) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            draw_too_small(buf, area, &self.theme);
            return;
        }
        self.clamp_to(fleet);
        self.glance_at(runner, clock);
        let top = Rect::new(area.x, area.y, area.width, 1);
        let bottom = Rect::new(area.x, area.bottom() - 1, area.width, 1);
        let full_body = Rect::new(area.x, area.y + 1, area.width, area.height - 2);
        self.draw_top_bar(buf, top, fleet, runner, clock);
        self.draw_bottom_bar(buf, bottom);
        let mut body = full_body;

        // The message line, then the rollout panel, take rows from the bottom of the body.
        let message = self
            .note
            .as_ref()
            .or_else(|| runner.and_then(|r| r.message.as_ref()));
        if let Some((severity, text)) = message {
            let lines = message_lines(*severity, text, usize::from(body.width), &self.theme);
            let height = (lines.len() as u16).min(body.height / 4).max(1);
            let rows = Rect::new(body.x, body.bottom() - height, body.width, height);
            draw_lines(buf, rows, lines);
            body.height -= height;
        }
        let trackers = runner
            .map(|r| rollout_panel::shown_trackers(r, clock.instant, self.rollouts_dismissed_at))
            .unwrap_or_default();
        self.glance.ended_rollouts_shown = false;
        if let Some(runner) = runner
            && !trackers.is_empty()
            && body.height >= 6
        {
            // esc dismisses ended rollouts only when they are on screen.
            self.glance.ended_rollouts_shown = trackers.iter().any(|t| t.phase.is_final());
            let lines = rollout_panel::panel_lines(
                &trackers,
                fleet,
                runner.stale.as_ref(),
                body.width,
                &self.theme,
                clock,
            );
            let most = (body.height * 2 / 5).max(3);
            let wanted = u16::try_from(lines.len() + 1).unwrap_or(u16::MAX);
            let height = wanted.min(most);
            let panel = Rect::new(body.x, body.bottom() - height, body.width, height);
            rollout_panel::draw(buf, panel, &trackers, lines, &self.theme);
            body.height -= height;
        }

        match self.pane {
            Some(Pane::BuildLog) => {
                panes::draw_build_log(buf, body, runner, &mut self.log_scroll, &self.theme, clock);
            }
            Some(Pane::Actions) => {
                let recent = runner.map_or(0, |r| r.recent.len()) as u16;
                let height = recent.max(1).saturating_add(1).min(body.height / 3).max(2);
                let pane = Rect::new(body.x, body.bottom() - height, body.width, height);
                panes::draw_actions(buf, pane, runner, &self.theme, clock);
                body.height = body.height.saturating_sub(height);
                self.draw_view(buf, body, fleet, summaries, runner, clock);
            }
            None => self.draw_view(buf, body, fleet, summaries, runner, clock),
        }

        if let Some(scroll) = &mut self.help_scroll {
            help::draw(
                buf,
                full_body,
                &self.keymap,
                &self.options.keymap_name,
                scroll,
                &self.theme,
            );
        }
        if let Some(dialog) = &self.dialog {
            let keys = self.dialog_keys(dialog);
            dialog.draw(buf, full_body, &keys, &self.theme);
        }
    }

    /// The dialog's footer: its confirm and cancel keys (only non-printable confirm keys when
    /// printable keys type the zone's name).
    fn dialog_keys(&self, dialog: &Dialog) -> String {
        let keys = |action: Action| -> Vec<String> {
            self.keymap
                .bindings(Mode::Dialog)
                .iter()
                .filter(|b| b.action == action)
                .flat_map(|b| b.keys.iter())
                .filter(|k| {
                    !dialog.wants_typed_name() || k.0.first().and_then(|c| printable(*c)).is_none()
                })
                .map(ToString::to_string)
                .collect()
        };
        let confirm = keys(Action::Confirm);
        let cancel = keys(Action::Cancel);
        let confirm_what = if dialog.wants_typed_name() {
            "confirm the typed name"
        } else {
            "confirm"
        };
        format!(
            "{} {confirm_what}   {} cancel",
            confirm.join("/"),
            cancel.join("/")
        )
    }

    /// The current view (overview, zone view or workload view) in `body`.
    fn draw_view(
        &mut self,
        buf: &mut Buffer,
        body: Rect,
        fleet: &Fleet,
        summaries: &[ZoneSummary],
        runner: Option<&ActionRunner>,
        clock: &Clock,
    ) {
        if fleet.zones.is_empty() {
            draw_lines(
                buf,
                body,
                [Line::styled(
                    "no zones are configured",
                    self.theme.style(Role::Muted),
                )],
            );
            return;
        }
        if body.is_empty() {
            return;
        }
        self.zone_hits.clear();
        let theme = &self.theme;
        self.page_rows = match self.stack.last_mut() {
            None => {
                let input = overview::OverviewInput {
                    fleet,
                    summaries,
                    focus: self.focus,
                    filter: &self.overview_filter,
                    theme,
                    clock,
                };
                let page = overview::draw(buf, body, &input, &mut self.overview_lists);
                self.zone_hits = mouse::zone_hit_areas(buf, body, fleet.zones.len());
                page
            }
            Some(SubView::Zone { zone, list }) => {
                zone_view::draw(buf, body, &fleet.zones[*zone], list, theme, clock)
            }
            Some(SubView::Workload {
                zone,
                workload,
                list,
            }) => {
                let zone = &fleet.zones[*zone];
                let stale: Vec<String> = runner
                    .and_then(|r| r.stale.as_ref())
                    .filter(|m| m.zone == zone.config.id && &m.target == workload)
                    .map(|m| rollout_panel::stale_pod_names(fleet, m))
                    .unwrap_or_default();
                workload_view::draw(buf, body, zone, workload, list, &stale, theme, clock)
            }
        };
    }

    /// `ge-console │ Overview › Z1 dev` on the left, badges and the keymap on the right.
    fn draw_top_bar(
        &self,
        buf: &mut Buffer,
        row: Rect,
        fleet: &Fleet,
        runner: Option<&ActionRunner>,
        clock: &Clock,
    ) {
        let theme = &self.theme;
        let text = theme.style(Role::Text);
        let zone = fleet.zones.get(self.focused_zone());
        let label = zone.map(|z| zone_label(&z.config)).unwrap_or_default();
        let place = text.add_modifier(Modifier::BOLD);
        let mut parts = vec![
            Part::fixed(" ge-console ", theme.style(Role::Title)),
            Part::fixed("│ ", theme.style(Role::Border)),
        ];
        if self.stack.is_empty() {
            parts.push(Part::fixed("Overview › ", place));
        }
        parts.push(Part::flexible(label, place));
        if zone.is_some_and(|z| z.config.is_production()) {
            parts.push(Part::fixed(" ", text));
            parts.push(Part::fixed("[PROD]", theme.style(Role::HeaderProduction)));
        }
        match self.stack.last() {
            None => {}
            Some(SubView::Zone { .. }) => parts.push(Part::fixed(" › Zone view", place)),
            Some(SubView::Workload { workload, .. }) => {
                parts.push(Part::fixed(" › ", place));
                parts.push(Part::flexible(
                    workload_view::workload_path(workload),
                    place,
                ));
            }
        }
        if self.pane == Some(Pane::BuildLog) {
            parts.push(Part::fixed(" › Build log", place));
        }
        if self.help_visible() {
            parts.push(Part::fixed(" › Help", place));
        }
        let mut right = Vec::new();
        if let Some(runner) = runner {
            // Always say whether an action runs: whoever watches the shared screen sees it.
            match busy_text(runner, clock) {
                Some(busy) => {
                    right.push(Part::fixed(format!("{busy} "), theme.style(Role::Warning)))
                }
                None => right.push(Part::fixed("no action running ", theme.style(Role::Muted))),
            }
        }
        if self.options.read_only {
            right.push(Part::fixed("[READ-ONLY]", theme.style(Role::BadgeReadOnly)));
            right.push(Part::fixed(" ", text));
        }
        let keymap = Part::fixed(
            format!("keymap {} ", self.options.keymap_name),
            theme.style(Role::Muted),
        );
        let total = usize::from(row.width);
        let fixed_left: usize = parts
            .iter()
            .map(|p| {
                if p.flexible {
                    6
                } else {
                    widgets::width(&p.text)
                }
            })
            .sum();
        let right_so_far: usize = right.iter().map(|p| widgets::width(&p.text)).sum();
        // The keymap's name is the first thing to give way.
        if fixed_left + right_so_far + widgets::width(&keymap.text) <= total {
            right.push(keymap);
        }
        let right_width: usize = right.iter().map(|p| widgets::width(&p.text)).sum();
        let left_width: usize = parts.iter().map(|p| widgets::width(&p.text)).sum();
        // The right side gets its room first; the place name gives way.
        let gap = total.saturating_sub(left_width + right_width);
        parts.push(Part::fixed(" ".repeat(gap.max(1)), text));
        parts.extend(right);
        let line = squeeze(parts, total);
        buf.set_line(row.x, row.y, &line, row.width);
    }

    /// The most useful keys of the active keymap, the filter, and any pending key prefix.
    fn draw_bottom_bar(&self, buf: &mut Buffer, row: Rect) {
        let theme = &self.theme;
        let key_style = theme.style(Role::Title);
        let label_style = theme.style(Role::Muted);
        let modes = self.active_modes();
        if let Some(dialog) = &self.dialog {
            // The dialog's own key line: in a protected zone's dialog y and n type letters.
            let text = format!(" {}", self.dialog_keys(dialog));
            let line = widgets::fit_line(Line::styled(text, key_style), usize::from(row.width));
            buf.set_line(row.x, row.y, &line, row.width);
            return;
        }
        if let Some(command) = &self.command_line {
            let prompt = Line::from(vec![
                Span::styled(":", key_style),
                Span::styled(format!("{command}▏"), theme.style(Role::Text)),
            ]);
            let line = widgets::fit_line(prompt, usize::from(row.width));
            buf.set_line(row.x, row.y, &line, row.width);
            return;
        }
        let hints: &[(Action, &str)] = if self.editing_filter {
            &[
                (Action::ApplyFilter, "keep"),
                (Action::ClearFilter, "clear"),
            ]
        } else if self.help_visible() {
            &[
                (Action::Help, "close"),
                (Action::SelectDown, "scroll"),
                (Action::Quit, "quit"),
            ]
        } else if self.pane == Some(Pane::BuildLog) {
            &[
                (Action::Back, "close"),
                (Action::SelectUp, "scroll"),
                (Action::Last, "follow"),
                (Action::CancelBuild, "cancel build"),
                (Action::Help, "help"),
            ]
        } else {
            match self.view() {
                ViewKind::Overview => &[
                    (Action::Help, "help"),
                    (Action::Open, "open"),
                    (Action::FocusNextZone, "next zone"),
                    (Action::SelectDown, "select"),
                    (Action::Filter, "filter"),
                    (Action::Quit, "quit"),
                ],
                ViewKind::Zone => &[
                    (Action::Help, "help"),
                    (Action::Open, "open"),
                    (Action::Back, "back"),
                    (Action::Filter, "filter"),
                    (Action::Quit, "quit"),
                ],
                ViewKind::Workload => &[
                    (Action::Help, "help"),
                    (Action::Back, "back"),
                    (Action::Filter, "filter"),
                    (Action::Quit, "quit"),
                ],
            }
        };
        let mut right: Vec<Span> = Vec::new();
        if let Some(notice) = &self.notice {
            right.push(Span::styled(
                format!("{notice} "),
                theme.style(Role::Warning),
            ));
        }
        if !self.pending.is_empty() {
            let keys: Vec<String> = self.pending.iter().map(ToString::to_string).collect();
            right.push(Span::styled(format!("{} … ", keys.join(" ")), key_style));
        }
        let filter = self.filter_text();
        if self.editing_filter {
            right.push(Span::styled("filter: ", label_style));
            right.push(Span::styled(
                format!("{filter}▏"),
                theme.style(Role::Warning),
            ));
        } else if !filter.is_empty() {
            right.push(Span::styled("filter: ", label_style));
            right.push(Span::styled(
                format!("\"{filter}\""),
                theme.style(Role::Warning),
            ));
        }
        right.push(Span::raw(" "));
        let total = usize::from(row.width);
        let right_width: usize = right.iter().map(Span::width).sum();
        let right_width = right_width.min(total * 2 / 3);
        let mut left: Vec<Span> = vec![Span::raw(" ")];
        let mut used = 1;
        for (action, label) in hints {
            let Some(key) = self.keymap.first_key(modes, *action) else {
                continue;
            };
            let key = key.to_string();
            let piece = widgets::width(&key) + 1 + widgets::width(label) + 2;
            if used + piece > total.saturating_sub(right_width) {
                break;
            }
            used += piece;
            left.push(Span::styled(key, key_style));
            left.push(Span::styled(format!(" {label}  "), label_style));
        }
        left.push(Span::raw(
            " ".repeat(total.saturating_sub(used + right_width)),
        ));
        let right_line = widgets::fit_line(Line::from(right), right_width);
        left.extend(right_line.spans);
        let line = widgets::fit_line(Line::from(left), total);
        buf.set_line(row.x, row.y, &line, row.width);
    }
}

/// The character a key types, if it is a printable key without ctrl or alt.
fn printable(chord: KeyChord) -> Option<char> {
    match chord.code {
        KeyCode::Char(c)
            if !chord
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// What the runner is busy with, with a spinner and how long it has run: `⠹ rebuild running
/// 12s`; `None` when idle.
fn busy_text(runner: &ActionRunner, clock: &Clock) -> Option<String> {
    let busy = runner.busy()?;
    let since = runner
        .build
        .as_ref()
        .filter(|b| b.outcome.is_none())
        .map(|b| b.started)
        .or_else(|| runner.rollouts.active().find(|t| t.ours).map(|t| t.started));
    Some(match since {
        Some(started) => {
            let elapsed = clock.instant.saturating_duration_since(started);
            format!(
                "{} {busy} {}",
                panes::spinner(elapsed),
                widgets::human_duration(elapsed)
            )
        }
        None => format!("… {busy}"),
    })
}

/// The message line: a mark that reads without colour, the text in its severity's role; an
/// error may take two lines.
fn message_lines(
    severity: Severity,
    text: &str,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let (mark, role) = match severity {
        Severity::Info => ("•", Role::Text),
        Severity::Success => ("✓", Role::Ok),
        Severity::Error => ("✗", Role::Error),
    };
    let max_lines = if severity == Severity::Error { 2 } else { 1 };
    wrap(
        &format!("{mark} {text}"),
        width.saturating_sub(1),
        max_lines,
    )
    .into_iter()
    .map(|l| Line::styled(format!(" {l}"), theme.style(role)))
    .collect()
}

/// Draws only a centred "terminal too small" message (safe at any size, including 0×0).
fn draw_too_small(buf: &mut Buffer, area: Rect, theme: &Theme) {
    if area.is_empty() {
        return;
    }
    let lines = [
        Line::styled(
            format!("terminal too small (need ≥ {MIN_WIDTH}×{MIN_HEIGHT})"),
            theme.style(Role::Warning),
        ),
        Line::styled(
            format!("now {}×{}", area.width, area.height),
            theme.style(Role::Muted),
        ),
    ];
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16;
    let rect = centered(area, width, 2);
    for (y, line) in (rect.y..rect.bottom()).zip(lines) {
        let line = widgets::fit_line(line, usize::from(rect.width));
        let x = rect.x + (rect.width.saturating_sub(line.width() as u16)) / 2;
        buf.set_line(x, y, &line, rect.width);
    }
}
