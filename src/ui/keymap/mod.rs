//! Keymaps: which key (or key sequence) does which [`Action`] in which [`Mode`].
//!
//! A keymap file is TOML with one table per mode; each entry maps an action name to the keys
//! that trigger it and a short description shown in the help overlay:
//!
//! ```toml
//! [overview]
//! quit = { keys = ["q"], description = "Quit ge-console" }
//! ```
//!
//! Keys are written `q`, `?`, `enter`, `ctrl-c`, `shift-tab`, `f1`; a sequence is keys separated
//! by spaces (`g g`). Within one mode a key may be bound once, and a bound key may not also start
//! a longer sequence. When several modes are active (say `zone`, `list` and `global`), the first
//! mode that knows the keys pressed so far wins.
//!
//! A user keymap lists only its changes to a shipped map: `extends = "vim"` picks the base
//! (`default` otherwise); an action it names gets exactly the keys it lists (`keys = []` unbinds
//! the action); `unbind = ["q"]` in a mode takes keys away from whatever the base bound them to.
//! `select_down = ["j", "down"]` is short for `select_down = { keys = ["j", "down"] }`.

mod chord;
mod file;
mod resolve;

use std::collections::BTreeMap;

pub use chord::{KeyChord, KeySequence};
pub use resolve::{Binding, KeyResolution, Mode};

use super::action::Action;

/// The built-in keymap, also the reference for the file format.
pub const DEFAULT_KEYMAP_TOML: &str = include_str!("../../../keymaps/default.toml");
/// The shipped vim keymap: hjkl, `g g`/`G`, `/`, `:`, ctrl-d/ctrl-u over the default map.
pub const VIM_KEYMAP_TOML: &str = include_str!("../../../keymaps/vim.toml");
/// The keymap used when none is chosen.
pub const DEFAULT_KEYMAP_NAME: &str = "default";
/// The keymaps compiled into ge-console, by name; the first is the default.
pub const SHIPPED_KEYMAPS: [(&str, &str); 2] = [
    (DEFAULT_KEYMAP_NAME, DEFAULT_KEYMAP_TOML),
    ("vim", VIM_KEYMAP_TOML),
];

/// Keys no shipped keymap binds, with the reason: prefixes of tmux, screen and vim's
/// `:terminal`, terminal flow control and job control. Pressed inside tmux or vim they would
/// never reach ge-console, or would do something else first.
pub const RESERVED_KEYS: [(&str, &str); 8] = [
    ("ctrl-b", "the tmux prefix"),
    ("ctrl-a", "the GNU screen prefix, a common tmux prefix"),
    ("ctrl-space", "a common tmux prefix"),
    ("ctrl-w", "vim's window and :terminal prefix"),
    ("ctrl-\\", "vim's :terminal escape, SIGQUIT"),
    ("ctrl-s", "terminal flow control (XOFF)"),
    ("ctrl-q", "terminal flow control (XON)"),
    ("ctrl-z", "job control (suspend)"),
];

/// A parsed keymap: bindings per mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    modes: BTreeMap<Mode, Vec<Binding>>,
}

/// A keymap file that cannot be used, located precisely enough to fix it.
pub type KeymapError = crate::file_error::FileError;

/// The names of the shipped keymaps, default first.
pub fn shipped_keymap_names() -> Vec<&'static str> {
    SHIPPED_KEYMAPS.iter().map(|(name, _)| *name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chord(text: &str) -> KeyChord {
        KeyChord::parse(text).unwrap()
    }

    #[test]
    fn built_in_keymap_parses_and_binds_the_basics() {
        let map = Keymap::default_map();
        let overview = [Mode::Overview, Mode::List, Mode::Global];
        let resolve = |k: &str| map.resolve(&overview, &KeySequence::parse(k).unwrap().0);
        assert_eq!(resolve("q"), KeyResolution::Action(Action::Quit));
        assert_eq!(resolve("ctrl-c"), KeyResolution::Action(Action::Quit));
        assert_eq!(resolve("?"), KeyResolution::Action(Action::Help));
        assert_eq!(resolve("tab"), KeyResolution::Action(Action::FocusNextZone));
        assert_eq!(
            resolve("shift-tab"),
            KeyResolution::Action(Action::FocusPrevZone)
        );
        assert_eq!(resolve("enter"), KeyResolution::Action(Action::Open));
        assert_eq!(resolve("/"), KeyResolution::Action(Action::Filter));
        assert_eq!(resolve("x"), KeyResolution::Action(Action::Explain));
        assert_eq!(resolve("z"), KeyResolution::Unbound);
    }

    #[test]
    fn shipped_keymaps_stay_clear_of_tmux_and_vim_prefixes() {
        let reserved = RESERVED_KEYS.map(|(key, _)| chord(key));
        for name in shipped_keymap_names() {
            let map = Keymap::shipped(name).unwrap();
            for mode in Mode::ALL {
                for binding in map.bindings(mode) {
                    for key in &binding.keys {
                        assert!(
                            key.0.iter().all(|c| !reserved.contains(c)),
                            "{name}: {key} in {} is reserved",
                            mode.name()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn vim_keymap_adds_motions_to_the_default() {
        let map = Keymap::shipped("vim").unwrap();
        let list = [Mode::Zone, Mode::List, Mode::Global];
        let resolve =
            |modes: &[Mode], k: &str| map.resolve(modes, &KeySequence::parse(k).unwrap().0);
        assert_eq!(
            resolve(&list, "j"),
            KeyResolution::Action(Action::SelectDown)
        );
        assert_eq!(
            resolve(&list, "down"),
            KeyResolution::Action(Action::SelectDown)
        );
        assert_eq!(resolve(&list, "g"), KeyResolution::Pending);
        assert_eq!(resolve(&list, "g g"), KeyResolution::Action(Action::First));
        assert_eq!(resolve(&list, "G"), KeyResolution::Action(Action::Last));
        assert_eq!(
            resolve(&list, "ctrl-d"),
            KeyResolution::Action(Action::HalfPageDown)
        );
        assert_eq!(resolve(&list, "h"), KeyResolution::Action(Action::Back));
        assert_eq!(
            resolve(&list, ":"),
            KeyResolution::Action(Action::CommandLine)
        );
        let overview = [Mode::Overview, Mode::List, Mode::Global];
        assert_eq!(
            resolve(&overview, "l"),
            KeyResolution::Action(Action::FocusNextZone)
        );
        assert_eq!(resolve(&overview, "q"), KeyResolution::Action(Action::Quit));
        // Inherited from the default map untouched.
        assert_eq!(
            resolve(&overview, "/"),
            KeyResolution::Action(Action::Filter)
        );
        assert_eq!(
            resolve(&[Mode::Filter], "enter"),
            KeyResolution::Action(Action::ApplyFilter)
        );
    }

    #[test]
    fn vim_keymap_keeps_every_action_of_the_default_reachable() {
        let default = Keymap::default_map();
        let vim = Keymap::shipped("vim").unwrap();
        for mode in Mode::ALL {
            for binding in default.bindings(mode) {
                let reachable = [mode, Mode::Global]
                    .iter()
                    .any(|m| vim.bindings(*m).iter().any(|b| b.action == binding.action));
                assert!(reachable, "vim lost {} in {}", binding.action, mode.name());
            }
        }
    }
}
