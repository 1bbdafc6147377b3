//! The terminal UI: layers drawn from the fleet model, keys mapped through a keymap to actions.
//!
//! The UI is a stack of [`Layer`]s, tried top first in one order ([`LayerStack::order`]):
//! the confirmation dialog, the `:` command line, the help overlay, a pane (build log,
//! recent actions), the rollout panel, the views (overview, zone, workload) and the global
//! keys. That order decides both which keymap modes apply and who handles a key; a layer asks
//! for what it cannot do itself with an [`Effect`]. Everything here is synchronous and
//! deterministic: the model, the action runner's view and the time come in through a
//! [`KeyContext`] or a [`Scene`]. The console's core (`app::core`) owns the [`Ui`].
//!
//! Below [`MIN_WIDTH`]×[`MIN_HEIGHT`] only a "terminal too small" message is drawn.

pub mod action;
pub mod backend;
mod bars;
pub mod color_depth;
pub mod command_line;
pub mod dialog;
pub mod events_section;
pub mod events_timeline;
pub mod explain_pane;
pub mod filter;
mod global_keys;
pub mod help;
pub mod history_section;
pub mod key_table;
pub mod keymap;
pub mod layer;
mod layer_stack;
pub mod list;
pub mod log_pane;
pub mod mouse;
pub mod overview;
pub mod panes;
pub mod rollout_panel;
pub mod status;
pub mod text_view;
pub mod theme;
pub mod user_files;
pub mod views;
pub mod widgets;
pub mod workload_view;
pub mod yaml_pane;
pub mod zone_view;

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::Line;

pub use crate::clock::Clock;
pub use action::Action;
pub use dialog::{ActionSettings, BuildCommand, Dialog, DialogAction};
pub use keymap::{KeyChord, KeyResolution, Keymap, KeymapError, Mode};
pub use layer::{DrawContext, Effect, KeyContext, Layer, Reply};
pub use list::RowKey;
pub use theme::{Role, Theme, ThemeError};
pub use views::ViewKind;

use crate::actions::guard::Admission;
use crate::actions::logs::LogRequest;
use crate::actions::runner::{ActionRequest, ActionsView, RequestAnswer, Severity};
use crate::fleet::health::ZoneSummary;
use crate::fleet::{Fleet, WorkloadKey};
use command_line::CommandLine;
use help::HelpOverlay;
use layer::{Placement, TextEntry};
use layer_stack::{LayerId, LayerStack};
use panes::{ActionsPane, BuildLogPane};
use theme::Role as ThemeRole;
use widgets::draw_lines;

/// Narrowest terminal drawn; below it only "terminal too small" is shown.
pub const MIN_WIDTH: u16 = 60;
/// Lowest terminal drawn; below it only "terminal too small" is shown.
pub const MIN_HEIGHT: u16 = 15;

/// Choices made at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiOptions {
    /// No mutations: shown as a READ-ONLY badge in the top bar.
    pub read_only: bool,
    /// The keymap's name, shown in the top bar and the help overlay.
    pub keymap_name: String,
}

/// What the console's core must do after an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiOutcome {
    /// Nothing changed.
    Nothing,
    /// Something changed: draw again.
    Redraw,
    /// The user asked to quit.
    Quit,
    /// The user confirmed an action: hand it to the action runner, then tell the UI its
    /// answer with [`Ui::answered`].
    Request(ActionRequest),
    /// The user copied this text: write it to the clipboard (OSC 52) with the next frame.
    Copy(String),
}

/// A pane below (or, for the build log, instead of) the current view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// The build's output; takes the keys (mode `log`) while open.
    BuildLog,
    /// The last actions from the audit log.
    Actions,
    /// A pod's or a workload's log; takes the keys (modes `logs`, `text`) while open.
    Logs,
    /// An object as YAML; takes the keys (mode `text`) while open.
    Yaml,
    /// Why an item is red; opened on its subject by [`Effect::Explain`].
    Explain,
}

impl Pane {
    /// A new layer for this pane; `None` for the panes that open on a subject (logs, YAML,
    /// explain: [`Effect::OpenLogs`], [`Effect::OpenYaml`], [`Effect::Explain`]).
    fn layer(self) -> Option<Box<dyn Layer>> {
        match self {
            Pane::BuildLog => Some(Box::new(BuildLogPane::default())),
            Pane::Actions => Some(Box::new(ActionsPane)),
            Pane::Logs | Pane::Yaml | Pane::Explain => None,
        }
    }
}

/// What a frame is drawn from, besides the UI's own state.
#[derive(Clone, Copy)]
pub struct Scene<'a> {
    /// The model.
    pub fleet: &'a Fleet,
    /// `summaries[i]` belongs to `fleet.zones[i]`.
    pub summaries: &'a [ZoneSummary],
    /// What the action runner shows.
    pub actions: ActionsView<'a>,
    /// Now.
    pub clock: &'a Clock,
    /// The runbook checks' findings, ordered by zone, check and subject.
    pub checks: &'a [crate::fleet::checks::CheckFinding],
    /// Each zone's promotion line.
    pub promotion: &'a [crate::fleet::checks::promotion::PromotionLine],
    /// The zones in promotion order (`[promotion] path`).
    pub promotion_path: &'a [crate::config::ZoneId],
}

/// The UI state: the layer stack, pending keys, and the UI's own messages.
pub struct Ui {
    keymap: Keymap,
    theme: Theme,
    options: UiOptions,
    layers: LayerStack,
    pending: Vec<KeyChord>,
    /// The UI's own message (a refusal, a hint) in the message line, until the runner says
    /// something newer.
    own_message: Option<(Severity, String)>,
    /// A short warning in the bottom bar until the next key (a mistyped `:` command).
    hint: Option<String>,
    seen_runner_message: Option<(Severity, String)>,
}

impl Ui {
    /// A UI showing the overview with the first zone focused.
    pub fn new(keymap: Keymap, theme: Theme, options: UiOptions) -> Ui {
        Ui {
            keymap,
            theme,
            options,
            layers: LayerStack::default(),
            pending: Vec::new(),
            own_message: None,
            hint: None,
            seen_runner_message: None,
        }
    }

    /// The open confirmation dialog.
    pub fn dialog(&self) -> Option<&Dialog> {
        self.layers.dialog.as_ref()
    }

    /// The open pane.
    pub fn pane(&self) -> Option<Pane> {
        self.layers.pane.as_ref().map(|(pane, _)| *pane)
    }

    /// The UI's own last message (a refusal or a hint), until the runner says something newer.
    pub fn own_message(&self) -> Option<&(Severity, String)> {
        self.own_message.as_ref()
    }

    /// The view on screen.
    pub fn view(&self) -> ViewKind {
        self.layers.views.top().kind()
    }

    /// The index (in `fleet.zones`) of the zone in focus.
    pub fn focused_zone(&self) -> usize {
        self.layers.views.top().zone()
    }

    /// The help overlay is shown.
    pub fn help_visible(&self) -> bool {
        self.layers.help.is_some()
    }

    /// A filter is being typed.
    pub fn editing_filter(&self) -> bool {
        self.layers.views.editing_filter()
    }

    /// What is typed on the `:` command line, while it is open.
    pub fn command_line(&self) -> Option<&str> {
        self.layers.command_line.as_ref().map(CommandLine::text)
    }

    /// The current list's filter text (empty when none).
    pub fn filter_text(&self) -> &str {
        self.layers.views.top().filter().text()
    }

    /// The selected row of the current list, as last resolved.
    pub fn selected(&self) -> Option<&RowKey> {
        self.layers.views.top().list().selected.as_ref()
    }

    /// The workload shown in the workload view.
    pub fn open_workload(&self) -> Option<&WorkloadKey> {
        self.layers.views.top().workload()
    }

    /// The event timeline's filters, while the timeline is the view on screen.
    pub fn timeline_filter(&self) -> Option<&views::TimelineFilter> {
        self.layers.views.top().timeline()
    }

    /// The keymap in use.
    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    /// The modes whose bindings apply now, first match wins: the open layers' modes, top
    /// first, down to the first layer whose modes are exclusive.
    pub fn active_modes(&self, fleet: &Fleet) -> Vec<Mode> {
        let mut modes = Vec::new();
        for id in self.layers.order() {
            let Some(layer) = self.layers.get(id) else {
                continue;
            };
            let brought = layer.key_modes(fleet);
            for mode in brought.modes {
                if !modes.contains(mode) {
                    modes.push(*mode);
                }
            }
            if brought.exclusive {
                break;
            }
        }
        modes
    }

    /// Handles one key event and says what the core must do.
    pub fn handle_key(&mut self, key: KeyEvent, cx: &KeyContext<'_>) -> UiOutcome {
        if key.kind == KeyEventKind::Release {
            return UiOutcome::Nothing;
        }
        self.layers.views.settle(cx.fleet);
        let had_hint = self.hint.take().is_some();
        let outcome = match self.resolve_key(KeyChord::from_event(&key), cx) {
            UiOutcome::Nothing if had_hint => UiOutcome::Redraw,
            outcome => outcome,
        };
        if outcome == UiOutcome::Redraw {
            self.layers.views.settle(cx.fleet);
        }
        outcome
    }

    fn resolve_key(&mut self, chord: KeyChord, cx: &KeyContext<'_>) -> UiOutcome {
        // A protected zone's name is typed before any binding is looked at: "production"
        // holds an "n", which would otherwise cancel.
        if let Some(c) = printable(chord)
            && let Some(layer) = self.layers.typing(TextEntry::BeforeBindings)
        {
            self.pending.clear();
            layer.type_char(c);
            return UiOutcome::Redraw;
        }
        let modes = self.active_modes(cx.fleet);
        let had_pending = !self.pending.is_empty();
        self.pending.push(chord);
        let mut resolution = self.keymap.resolve(&modes, &self.pending);
        if resolution == KeyResolution::Unbound && had_pending {
            // The sequence went nowhere: try the last key on its own.
            self.pending = vec![chord];
            resolution = self.keymap.resolve(&modes, &self.pending);
        }
        match resolution {
            KeyResolution::Pending => UiOutcome::Redraw,
            KeyResolution::Action(action) => {
                self.pending.clear();
                match self.perform(action, cx) {
                    UiOutcome::Nothing if had_pending => UiOutcome::Redraw,
                    outcome => outcome,
                }
            }
            KeyResolution::Unbound => {
                self.pending.clear();
                let typed = printable(chord).is_some_and(|c| {
                    self.layers
                        .typing(TextEntry::WhenUnbound)
                        .is_some_and(|layer| layer.type_char(c))
                });
                if typed || had_pending {
                    UiOutcome::Redraw
                } else {
                    UiOutcome::Nothing
                }
            }
        }
    }

    /// Offers `action` to the layers, top first, until one takes it.
    fn perform(&mut self, action: Action, cx: &KeyContext<'_>) -> UiOutcome {
        for id in self.layers.order() {
            let Some(layer) = self.layers.get_mut(id) else {
                continue;
            };
            match layer.handle(action, cx) {
                Reply::Pass => continue,
                Reply::Done(true) => return UiOutcome::Redraw,
                Reply::Done(false) => return UiOutcome::Nothing,
                Reply::Do(effect) => return self.apply(effect, id, cx),
                Reply::CloseAnd(effect) => {
                    self.layers.close(id);
                    return match self.apply(effect, id, cx) {
                        UiOutcome::Nothing => UiOutcome::Redraw,
                        outcome => outcome,
                    };
                }
            }
        }
        UiOutcome::Nothing
    }

    /// Does what a layer asked for.
    fn apply(&mut self, effect: Effect, from: LayerId, cx: &KeyContext<'_>) -> UiOutcome {
        match effect {
            Effect::Quit => return UiOutcome::Quit,
            Effect::Request(request) => {
                self.own_message = None;
                return UiOutcome::Request(request);
            }
            Effect::Ask(action) => return self.ask(action, cx),
            Effect::Close => self.layers.close(from),
            Effect::OpenHelp => {
                self.layers.command_line = None;
                self.layers.help = Some(HelpOverlay::default());
            }
            Effect::OpenCommandLine => {
                self.layers.help = None;
                self.layers.views.stop_editing();
                self.layers.command_line = Some(CommandLine::default());
            }
            Effect::TogglePane(pane) => {
                self.layers.pane = match self.pane() {
                    Some(open) if open == pane => None,
                    _ => pane.layer().map(|layer| (pane, layer)),
                };
            }
            Effect::OpenLogs(order) => {
                let layer = log_pane::LogPane::new(order.clone());
                self.layers.pane = Some((Pane::Logs, Box::new(layer)));
                self.own_message = None;
                return UiOutcome::Request(ActionRequest::Logs(LogRequest::Open(order)));
            }
            Effect::OpenYaml(zone, object) => {
                let layer = yaml_pane::YamlPane::new(zone, object.clone());
                self.layers.pane = Some((Pane::Yaml, Box::new(layer)));
                self.own_message = None;
                return UiOutcome::Request(ActionRequest::ObjectYaml { zone, object });
            }
            Effect::Tell(severity, text) => self.own_message = Some((severity, text)),
            Effect::Hint(text) => self.hint = Some(text),
            Effect::FocusZone(zone) => self.layers.views.focus_zone(zone),
            Effect::OpenTimeline => {
                if self.pane() == Some(Pane::BuildLog) {
                    self.layers.pane = None;
                }
                self.layers.views.open_timeline();
            }
            Effect::OpenChecks => {
                if self.pane() == Some(Pane::BuildLog) {
                    self.layers.pane = None;
                }
                self.layers.views.open_checks();
            }
            Effect::OpenCompare => {
                if self.pane() == Some(Pane::BuildLog) {
                    self.layers.pane = None;
                }
                self.layers.views.open_compare();
            }
            Effect::ObjectEvents(zone, object) => {
                self.layers.views.open_object_events(zone, object);
            }
            Effect::GoToWorkload(zone, workload) => {
                if self.pane() == Some(Pane::BuildLog) {
                    self.layers.pane = None;
                }
                self.layers.views.go_to_workload(zone, workload);
            }
            Effect::Explain(zone, subject) => {
                let pane = explain_pane::ExplainPane::new(zone, subject);
                self.layers.pane = Some((Pane::Explain, Box::new(pane)));
            }
            Effect::Reveal(zone, target) => {
                if self.pane() == Some(Pane::BuildLog) {
                    self.layers.pane = None;
                }
                self.layers.views.reveal(zone, &target, cx.fleet);
            }
            Effect::Copy(text) => {
                self.own_message = Some((Severity::Info, format!("copied {text}")));
                return UiOutcome::Copy(text);
            }
        }
        UiOutcome::Redraw
    }

    /// Opens the dialog for `action` as the guards' admission says: a protected zone's dialog
    /// asks for its name; an action the guards refuse outright goes to the runner without a
    /// question, which refuses it, records it and says why.
    fn ask(&mut self, action: DialogAction, cx: &KeyContext<'_>) -> UiOutcome {
        let admission = match &action {
            DialogAction::Restart { zone, .. }
            | DialogAction::Redeploy { zone, .. }
            | DialogAction::Undo { zone, .. } => cx.actions.admission(zone),
            DialogAction::Rebuild { .. } => match cx.actions.build_allowed() {
                Ok(()) => Admission::Ask,
                Err(refusal) => Admission::Refused(refusal),
            },
        };
        let builds = !matches!(
            action,
            DialogAction::Restart { .. } | DialogAction::Undo { .. }
        );
        if builds && cx.actions.build_running() {
            self.own_message = Some((Severity::Info, "a build is already running".into()));
            return UiOutcome::Redraw;
        }
        let zone_name_required = matches!(admission, Admission::TypeZoneName(_));
        let dialog = Dialog::new(action, zone_name_required);
        if let Admission::Refused(_) = admission {
            self.own_message = None;
            return UiOutcome::Request(dialog.request());
        }
        self.layers.dialog = Some(dialog);
        UiOutcome::Redraw
    }

    /// The runner's answer to a request this UI made: an accepted one closes its dialog (and a
    /// build opens the build log); an unconfirmed one keeps the dialog open with a hint.
    pub fn answered(&mut self, request: &ActionRequest, answer: &RequestAnswer) {
        match answer {
            RequestAnswer::Unconfirmed { zone } => {
                if let Some(dialog) = &mut self.layers.dialog {
                    dialog.unconfirmed(zone);
                }
            }
            RequestAnswer::Accepted => {
                self.layers.dialog = None;
                if matches!(
                    request,
                    ActionRequest::Rebuild | ActionRequest::Redeploy { .. }
                ) {
                    self.layers.pane = Pane::BuildLog.layer().map(|layer| (Pane::BuildLog, layer));
                }
            }
            RequestAnswer::Refused(_) => self.layers.dialog = None,
        }
    }

    /// Draws the whole screen into `buf`.
    pub fn draw(&mut self, buf: &mut Buffer, area: Rect, scene: &Scene<'_>) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            bars::draw_too_small(buf, area, &self.theme);
            return;
        }
        self.layers.views.clamp_to(scene.fleet);
        // A new runner message replaces the UI's own.
        if scene.actions.message() != self.seen_runner_message.as_ref() {
            self.seen_runner_message = scene.actions.message().cloned();
            self.own_message = None;
        }
        let cx = DrawContext {
            fleet: scene.fleet,
            summaries: scene.summaries,
            actions: scene.actions,
            theme: &self.theme,
            keymap: &self.keymap,
            options: &self.options,
            clock: scene.clock,
            checks: scene.checks,
            promotion: scene.promotion,
            promotion_path: scene.promotion_path,
        };
        let top = Rect::new(area.x, area.y, area.width, 1);
        let bottom = Rect::new(area.x, area.bottom() - 1, area.width, 1);
        let full_body = Rect::new(area.x, area.y + 1, area.width, area.height - 2);
        self.draw_bars(buf, top, bottom, &cx);
        let mut body = full_body;

        // The message line, then the rollout panel and a pane, take rows from the bottom.
        let message = self.own_message.as_ref().or(scene.actions.message());
        if let Some((severity, text)) = message {
            let lines = bars::message_lines(*severity, text, usize::from(body.width), cx.theme);
            let height = (lines.len() as u16).min(body.height / 4).max(1);
            let rows = Rect::new(body.x, body.bottom() - height, body.width, height);
            draw_lines(buf, rows, lines);
            body.height -= height;
        }
        let mut view_covered = false;
        for id in [LayerId::Rollouts, LayerId::Pane] {
            let Some(layer) = self.layers.get_mut(id) else {
                continue;
            };
            match layer.placement(body, &cx) {
                Placement::Hidden => self.layers.rollouts.not_drawn(scene.clock),
                Placement::Bottom(height) => {
                    let height = height.min(body.height);
                    let rows = Rect::new(body.x, body.bottom() - height, body.width, height);
                    layer.draw(buf, rows, &cx);
                    body.height -= height;
                }
                Placement::Fill => {
                    layer.draw(buf, body, &cx);
                    view_covered = true;
                }
            }
        }
        if !view_covered {
            if scene.fleet.zones.is_empty() {
                let text =
                    Line::styled("no zones are configured", cx.theme.style(ThemeRole::Muted));
                draw_lines(buf, body, [text]);
            } else if !body.is_empty() {
                self.layers.views.draw(buf, body, &cx);
            }
        }
        for id in [LayerId::Help, LayerId::Dialog] {
            if let Some(layer) = self.layers.get_mut(id) {
                layer.draw(buf, full_body, &cx);
            }
        }
    }

    fn draw_bars(&self, buf: &mut Buffer, top: Rect, bottom: Rect, cx: &DrawContext<'_>) {
        let views = &self.layers.views;
        let order = self.layers.order();
        let crumbs = order
            .iter()
            .rev()
            .filter_map(|id| self.layers.get(*id).and_then(Layer::crumb))
            .collect();
        let bar = bars::TopBar {
            zone: cx.fleet.zones.get(views.top().zone()),
            at_overview: views.at_overview(),
            place: views.top().place(),
            crumbs,
        };
        bars::draw_top_bar(buf, top, bar, cx.actions, cx.options, cx.theme, cx.clock);
        let modes = self.active_modes(cx.fleet);
        let state = bars::BottomBarState {
            bar: order.iter().find_map(|id| {
                self.layers
                    .get(*id)
                    .and_then(|l| l.bottom_bar(&self.keymap))
            }),
            modes: &modes,
            hint: self.hint.as_deref(),
            pending: &self.pending,
            filter: (self.filter_text(), self.editing_filter()),
        };
        bars::draw_bottom_bar(buf, bottom, state, &self.keymap, cx.theme);
    }
}

/// The character a key types, if it is a printable key without ctrl or alt.
pub(crate) fn printable(chord: KeyChord) -> Option<char> {
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
