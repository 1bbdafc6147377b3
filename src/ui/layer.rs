//! The one trait of the UI: a [`Layer`] takes keys and draws. The UI is a stack of layers
//! (dialog, command line, help, pane, rollout panel, views, global keys) tried top first, in
//! one order that decides both which keymap modes apply and who handles a key.
//!
//! A layer never reaches into another: what it cannot do itself it asks of the UI as an
//! [`Effect`] (open a dialog, hand a request to the action runner, close itself, …).

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use super::dialog::{ActionSettings, DialogAction};
use super::keymap::{Keymap, Mode};
use super::theme::Theme;
use super::{Action, Pane, UiOptions};
use crate::actions::logs::LogOrder;
use crate::actions::object_yaml::ObjectRef;
use crate::actions::runner::{ActionRequest, ActionsView, Severity};
use crate::clock::Clock;
use crate::config::ZoneId;
use crate::fleet::checks::CheckFinding;
use crate::fleet::checks::promotion::PromotionLine;
use crate::fleet::events::EventObject;
use crate::fleet::explain::FindingTarget;
use crate::fleet::health::ZoneSummary;
use crate::fleet::{Fleet, WorkloadKey};

/// Everything a layer may read while it draws.
#[derive(Clone, Copy)]
pub struct DrawContext<'a> {
    /// The model.
    pub fleet: &'a Fleet,
    /// `summaries[i]` belongs to `fleet.zones[i]`.
    pub summaries: &'a [ZoneSummary],
    /// What the action runner shows.
    pub actions: ActionsView<'a>,
    /// The colours.
    pub theme: &'a Theme,
    /// The keys (dialogs and help name them).
    pub keymap: &'a Keymap,
    /// Start-up choices.
    pub options: &'a UiOptions,
    /// Now.
    pub clock: &'a Clock,
    /// The runbook checks' findings, ordered by zone, check and subject.
    pub checks: &'a [CheckFinding],
    /// Each zone's promotion line (none for a zone without one).
    pub promotion: &'a [PromotionLine],
    /// The zones in promotion order (`[promotion] path`).
    pub promotion_path: &'a [ZoneId],
}

/// Everything a layer may read while it handles a key.
#[derive(Clone, Copy)]
pub struct KeyContext<'a> {
    /// The model.
    pub fleet: &'a Fleet,
    /// What the action runner shows (whether a build runs, the guards' admission).
    pub actions: ActionsView<'a>,
    /// What the action keys act on.
    pub settings: &'a ActionSettings,
    /// The runbook checks' findings, ordered by zone, check and subject.
    pub checks: &'a [CheckFinding],
}

/// The keymap modes a layer brings, and whether the layers below it bring theirs too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyModes {
    /// Its modes, first match wins.
    pub modes: &'static [Mode],
    /// True: the modes of the layers below do not apply while this layer is open.
    pub exclusive: bool,
}

impl KeyModes {
    /// A layer that brings no modes of its own.
    pub const NONE: KeyModes = KeyModes {
        modes: &[],
        exclusive: false,
    };

    /// Only these modes apply while the layer is open.
    pub const fn only(modes: &'static [Mode]) -> KeyModes {
        KeyModes {
            modes,
            exclusive: true,
        }
    }
}

/// How typed characters reach a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEntry {
    /// They do not.
    None,
    /// Before any binding is looked at (a protected zone's name holds letters that are keys).
    BeforeBindings,
    /// When they are bound to nothing (a filter, the command line).
    WhenUnbound,
}

/// What a layer asks of the UI.
#[derive(Debug)]
pub enum Effect {
    /// Leave ge-console.
    Quit,
    /// Hand a confirmed request to the action runner (the dialog stays until it answers).
    Request(ActionRequest),
    /// Ask before running this (the guards decide whether and how to ask).
    Ask(DialogAction),
    /// Close the layer that replied.
    Close,
    /// Open the help overlay.
    OpenHelp,
    /// Open the `:` command line.
    OpenCommandLine,
    /// Open this pane, or close it when it is open.
    TogglePane(Pane),
    /// Show a message of the UI's own in the message line.
    Tell(Severity, String),
    /// Show a short warning in the bottom bar until the next key.
    Hint(String),
    /// Focus the zone with this index (or open its view from a deeper view).
    FocusZone(usize),
    /// Open this workload's view in its zone (index), from anywhere.
    GoToWorkload(usize, WorkloadKey),
    /// Put this text on the clipboard (the console writes it as OSC 52) and say so.
    Copy(String),
    /// Open the log pane on this order, and start its streams.
    OpenLogs(LogOrder),
    /// Open the YAML pane on this object of this zone, and fetch it.
    OpenYaml(ZoneId, ObjectRef),
    /// Open the fleet event timeline over the current view.
    OpenTimeline,
    /// Open one object's events (in the zone with this index) over the current view.
    ObjectEvents(usize, EventObject),
    /// Open the explain pane on this object of the zone with this index.
    Explain(usize, FindingTarget),
    /// Show this object of the zone with this index in its view, selected.
    Reveal(usize, FindingTarget),
    /// Open the runbook checks view over the current view.
    OpenChecks,
    /// Open the zone comparison view over the current view.
    OpenCompare,
}

/// A layer's answer to an action.
#[derive(Debug)]
pub enum Reply {
    /// Not mine: offer it to the layer below.
    Pass,
    /// Handled; `true` when the screen changed.
    Done(bool),
    /// Handled by asking the UI for something.
    Do(Effect),
    /// Handled: close the layer that replied, then do this.
    CloseAnd(Effect),
}

impl Reply {
    /// Handled, and the screen changed.
    pub const REDRAW: Reply = Reply::Done(true);
    /// Handled (swallowed), nothing changed.
    pub const NOTHING: Reply = Reply::Done(false);
}

/// What the bottom bar shows while a layer is the topmost one that says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BottomBar {
    /// The first key of each action, with a label.
    Hints(&'static [(Action, &'static str)]),
    /// A line of the layer's own (a prompt, a dialog's keys).
    Text(Vec<(String, BarStyle)>),
}

/// How a piece of a [`BottomBar::Text`] is styled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarStyle {
    /// A key.
    Key,
    /// Text the user typed.
    Typed,
}

/// Where a layer goes on the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Not drawn now.
    Hidden,
    /// This many rows at the bottom of what is left of the body.
    Bottom(u16),
    /// All that is left of the body.
    Fill,
}

/// A thing that takes keys and draws: a view, a pane, an overlay.
pub trait Layer {
    /// The keymap modes this layer brings.
    fn key_modes(&self, _fleet: &Fleet) -> KeyModes {
        KeyModes::NONE
    }

    /// How typed characters reach it.
    fn text_entry(&self) -> TextEntry {
        TextEntry::None
    }

    /// Types one character (see [`Layer::text_entry`]); true when something changed.
    fn type_char(&mut self, _c: char) -> bool {
        false
    }

    /// Handles an action or passes it down (by default: a layer with no keys of its own).
    fn handle(&mut self, _action: Action, _cx: &KeyContext<'_>) -> Reply {
        Reply::Pass
    }

    /// Handles a left click at `at`, or passes it down.
    fn click(&mut self, _at: Position) -> Reply {
        Reply::Pass
    }

    /// What the bottom bar shows while this layer is the topmost with something to say.
    fn bottom_bar(&self, _keymap: &Keymap) -> Option<BottomBar> {
        None
    }

    /// The breadcrumb this layer adds to the top bar (` › Help`).
    fn crumb(&self) -> Option<&'static str> {
        None
    }

    /// Where it goes on the screen, given the body that is left (it may lay itself out here
    /// for the [`Layer::draw`] that follows).
    fn placement(&mut self, _body: Rect, _cx: &DrawContext<'_>) -> Placement {
        Placement::Fill
    }

    /// Draws into `area`, the part of the screen the UI gave it.
    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>);
}
