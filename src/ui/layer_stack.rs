//! The layer stack: which layers are open, and the one order in which they see keys and
//! bring their keymap modes.

use super::Pane;
use super::command_line::CommandLine;
use super::dialog::Dialog;
use super::global_keys::GlobalKeys;
use super::help::HelpOverlay;
use super::layer::{Layer, TextEntry};
use super::rollout_panel::RolloutPanel;
use super::views::ViewStack;

/// One layer of the stack, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LayerId {
    Dialog,
    CommandLine,
    Help,
    Pane,
    Rollouts,
    Views,
    Global,
}

/// The layers; [`LayerStack::order`] is the one place their precedence is written.
#[derive(Default)]
pub(super) struct LayerStack {
    pub(super) dialog: Option<Dialog>,
    pub(super) command_line: Option<CommandLine>,
    pub(super) help: Option<HelpOverlay>,
    pub(super) pane: Option<(Pane, Box<dyn Layer>)>,
    pub(super) rollouts: RolloutPanel,
    pub(super) views: ViewStack,
    pub(super) global: GlobalKeys,
}

impl LayerStack {
    /// The open layers, top first: who sees a key first, and whose keymap modes apply.
    pub(super) fn order(&self) -> Vec<LayerId> {
        let open = [
            (LayerId::Dialog, self.dialog.is_some()),
            (LayerId::CommandLine, self.command_line.is_some()),
            (LayerId::Help, self.help.is_some()),
            (LayerId::Pane, self.pane.is_some()),
            (LayerId::Rollouts, true),
            (LayerId::Views, true),
            (LayerId::Global, true),
        ];
        open.into_iter()
            .filter_map(|(id, is_open)| is_open.then_some(id))
            .collect()
    }

    pub(super) fn get(&self, id: LayerId) -> Option<&dyn Layer> {
        match id {
            LayerId::Dialog => self.dialog.as_ref().map(|l| l as &dyn Layer),
            LayerId::CommandLine => self.command_line.as_ref().map(|l| l as &dyn Layer),
            LayerId::Help => self.help.as_ref().map(|l| l as &dyn Layer),
            LayerId::Pane => self.pane.as_ref().map(|(_, l)| l.as_ref()),
            LayerId::Rollouts => Some(&self.rollouts),
            LayerId::Views => Some(&self.views),
            LayerId::Global => Some(&self.global),
        }
    }

    pub(super) fn get_mut(&mut self, id: LayerId) -> Option<&mut (dyn Layer + 'static)> {
        match id {
            LayerId::Dialog => self.dialog.as_mut().map(|l| l as &mut dyn Layer),
            LayerId::CommandLine => self.command_line.as_mut().map(|l| l as &mut dyn Layer),
            LayerId::Help => self.help.as_mut().map(|l| l as &mut dyn Layer),
            LayerId::Pane => self.pane.as_mut().map(|(_, l)| l.as_mut()),
            LayerId::Rollouts => Some(&mut self.rollouts),
            LayerId::Views => Some(&mut self.views),
            LayerId::Global => Some(&mut self.global),
        }
    }

    /// Closes an overlay or pane; the always-open layers stay.
    pub(super) fn close(&mut self, id: LayerId) {
        match id {
            LayerId::Dialog => self.dialog = None,
            LayerId::CommandLine => self.command_line = None,
            LayerId::Help => self.help = None,
            LayerId::Pane => self.pane = None,
            LayerId::Rollouts | LayerId::Views | LayerId::Global => {}
        }
    }

    /// The topmost layer that takes typed text the way `entry` says.
    pub(super) fn typing(&mut self, entry: TextEntry) -> Option<&mut (dyn Layer + 'static)> {
        let id = self
            .order()
            .into_iter()
            .find(|id| self.get(*id).is_some_and(|l| l.text_entry() == entry))?;
        self.get_mut(id)
    }
}
