//! Resolution: what the keys pressed so far mean in the active modes.

use super::chord::{KeyChord, KeySequence};
use super::{Action, Keymap};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// Everywhere except while typing a filter or answering a dialog.
    Global,
    /// The side-by-side overview of all zones.
    Overview,
    /// The zone view and the workload view.
    Zone,
    /// Any view with a selectable list (overview, zone view, workload view, help).
    List,
    /// A confirmation dialog; in a protected zone's dialog, printable keys type the zone's name.
    Dialog,
    /// The build log pane, which takes the keys while it is open.
    Log,
    /// Typing a filter; printable keys that are not bound are typed into the filter.
    Filter,
    /// The help overlay, which takes the keys while it is open.
    Help,
    /// A text pane (a log, an object's YAML): scrolling, search, wrap.
    Text,
    /// The log pane of a pod or a workload: its stream's choices, pause and save.
    Logs,
    /// The fleet event timeline (its filters), before the zone, list and global modes.
    Timeline,
    /// The explain pane, which takes the keys while it is open.
    Explain,
    /// The runbook checks view (its filters), before the zone, list and global modes.
    Checks,
}

impl Mode {
    /// Every mode, in the order the help overlay lists them.
    pub const ALL: [Mode; 13] = [
        Mode::Global,
        Mode::Overview,
        Mode::Zone,
        Mode::List,
        Mode::Filter,
        Mode::Dialog,
        Mode::Log,
        Mode::Logs,
        Mode::Text,
        Mode::Explain,
        Mode::Help,
        Mode::Timeline,
        Mode::Checks,
    ];

    /// The table name used in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Global => "global",
            Mode::Overview => "overview",
            Mode::Zone => "zone",
            Mode::List => "list",
            Mode::Dialog => "dialog",
            Mode::Log => "log",
            Mode::Filter => "filter",
            Mode::Help => "help",
            Mode::Text => "text",
            Mode::Logs => "logs",
            Mode::Timeline => "timeline",
            Mode::Explain => "explain",
            Mode::Checks => "checks",
        }
    }

    /// The heading used in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Mode::Global => "Everywhere",
            Mode::Overview => "Overview",
            Mode::Zone => "Zone and workload views",
            Mode::List => "Lists",
            Mode::Dialog => "Dialogs",
            Mode::Log => "Build log pane",
            Mode::Filter => "Typing a filter or a command",
            Mode::Help => "This help",
            Mode::Text => "Log and YAML panes",
            Mode::Logs => "Log pane",
            Mode::Timeline => "Event timeline",
            Mode::Explain => "Explain pane",
            Mode::Checks => "Checks view",
        }
    }

    /// The mode a keymap file's table name stands for.
    pub(super) fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// One action in one mode and the keys that trigger it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// What the keys do.
    pub action: Action,
    /// The keys, in the order the file lists them (the first is shown in the bottom bar).
    pub keys: Vec<KeySequence>,
    /// Shown in the help overlay.
    pub description: String,
}

/// What the keys pressed so far mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyResolution {
    /// A binding matched.
    Action(Action),
    /// The keys start a longer sequence: wait for the next key.
    Pending,
    /// Nothing is bound to these keys.
    Unbound,
}

impl Keymap {
    /// The bindings of one mode, in help order.
    pub fn bindings(&self, mode: Mode) -> &[Binding] {
        self.modes.get(&mode).map_or(&[], Vec::as_slice)
    }

    /// What `keys` (the pending prefix plus the key just pressed) mean in the active `modes`,
    /// tried in order.
    pub fn resolve(&self, modes: &[Mode], keys: &[KeyChord]) -> KeyResolution {
        for mode in modes {
            let sequences = self
                .bindings(*mode)
                .iter()
                .flat_map(|b| b.keys.iter().map(move |k| (b.action, k.0.as_slice())));
            let mut pending = false;
            for (action, sequence) in sequences {
                if sequence == keys {
                    return KeyResolution::Action(action);
                }
                pending |= sequence.len() > keys.len() && sequence.starts_with(keys);
            }
            if pending {
                return KeyResolution::Pending;
            }
        }
        KeyResolution::Unbound
    }

    /// The first key bound to `action` in the active `modes`, for hints.
    pub fn first_key(&self, modes: &[Mode], action: Action) -> Option<&KeySequence> {
        modes.iter().find_map(|m| {
            self.bindings(*m)
                .iter()
                .find(|b| b.action == action)
                .and_then(|b| b.keys.first())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    use crate::ui::keymap::KeymapError;

    fn parse(text: &str) -> Result<Keymap, KeymapError> {
        Keymap::parse(text, Path::new("my.toml"))
    }

    fn chord(text: &str) -> KeyChord {
        KeyChord::parse(text).unwrap()
    }

    #[test]
    fn sequences_wait_for_their_next_key() {
        let map =
            parse("[list]\nfirst = { keys = [\"g g\", \"home\"] }\nlast = { keys = [\"G\"] }\n")
                .unwrap();
        let modes = [Mode::List];
        assert_eq!(map.resolve(&modes, &[chord("g")]), KeyResolution::Pending);
        assert_eq!(
            map.resolve(&modes, &[chord("g"), chord("g")]),
            KeyResolution::Action(Action::First)
        );
        assert_eq!(
            map.resolve(&modes, &[chord("g"), chord("x")]),
            KeyResolution::Unbound
        );
        assert_eq!(
            map.resolve(&modes, &[chord("shift-g")]),
            KeyResolution::Action(Action::Last)
        );
        assert_eq!(
            map.bindings(Mode::List)[0].description,
            Action::First.default_description()
        );
    }

    #[test]
    fn earlier_modes_win() {
        let map = parse("[zone]\nback = { keys = [\"q\"] }\n[global]\nquit = { keys = [\"q\"] }\n")
            .unwrap();
        assert_eq!(
            map.resolve(&[Mode::Zone, Mode::Global], &[chord("q")]),
            KeyResolution::Action(Action::Back)
        );
        assert_eq!(
            map.resolve(&[Mode::Overview, Mode::Global], &[chord("q")]),
            KeyResolution::Action(Action::Quit)
        );
        assert_eq!(
            map.first_key(&[Mode::Overview, Mode::Global], Action::Quit)
                .map(ToString::to_string)
                .as_deref(),
            Some("q")
        );
    }
}
