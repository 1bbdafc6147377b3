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

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use toml::Spanned;

use super::action::Action;
use crate::config::line_column;

/// The built-in keymap, also the reference for the file format.
pub const DEFAULT_KEYMAP_TOML: &str = include_str!("../../keymaps/default.toml");

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
}

impl Mode {
    /// Every mode, in the order the help overlay lists them.
    pub const ALL: [Mode; 7] = [
        Mode::Global,
        Mode::Overview,
        Mode::Zone,
        Mode::List,
        Mode::Filter,
        Mode::Dialog,
        Mode::Log,
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
            Mode::Filter => "Typing a filter",
        }
    }

    fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// One key press with its modifiers, normalised so that a file and a terminal agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    /// The key itself (`BackTab` is stored as `Tab` with shift).
    pub code: KeyCode,
    /// Only control, alt and shift are kept; shift is dropped for characters.
    pub modifiers: KeyModifiers,
}

impl KeyChord {
    /// Builds a normalised chord.
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyChord {
        let mut modifiers =
            modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::BackTab => {
                modifiers |= KeyModifiers::SHIFT;
                KeyCode::Tab
            }
            KeyCode::Char(c) => {
                let shifted = modifiers.contains(KeyModifiers::SHIFT);
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::Char(if shifted { c.to_ascii_uppercase() } else { c })
            }
            other => other,
        };
        KeyChord { code, modifiers }
    }

    /// The chord of a terminal key event.
    pub fn from_event(event: &KeyEvent) -> KeyChord {
        KeyChord::new(event.code, event.modifiers)
    }

    /// Parses `q`, `?`, `enter`, `ctrl-c`, `shift-tab`, `alt-x`, `f5`.
    pub fn parse(text: &str) -> Result<KeyChord, String> {
        let mut rest = text;
        let mut modifiers = KeyModifiers::NONE;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (modifier, len) = if lower.starts_with("ctrl-") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            if rest.len() == len {
                break;
            }
            modifiers |= modifier;
            rest = &rest[len..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (None, _) => return Err("empty key".into()),
            (Some(c), None) if c.is_whitespace() || c.is_control() => {
                return Err(format!("write {:?} as a key name such as \"space\"", c));
            }
            (Some(c), None) => KeyCode::Char(c),
            _ => named_key(&rest.to_ascii_lowercase()).ok_or_else(|| {
                format!(
                    "unknown key {rest:?}; use one character or a name such as enter, esc, \
                     backspace, tab, space, up, down, left, right, home, end, pageup, pagedown, \
                     delete, insert, f1..f12, with optional ctrl-, alt-, shift- prefixes"
                )
            })?,
        };
        Ok(KeyChord::new(code, modifiers))
    }
}

fn named_key(name: &str) -> Option<KeyCode> {
    Some(match name {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "backspace" => KeyCode::Backspace,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" | "page-up" | "pgup" => KeyCode::PageUp,
        "pagedown" | "page-down" | "pgdn" => KeyCode::PageDown,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        f if f.starts_with('f') => {
            let n: u8 = f[1..].parse().ok()?;
            if (1..=12).contains(&n) {
                KeyCode::F(n)
            } else {
                return None;
            }
        }
        _ => return None,
    })
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pageup"),
            KeyCode::PageDown => f.write_str("pagedown"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One or more chords pressed in order (`g g`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeySequence(pub Vec<KeyChord>);

impl KeySequence {
    /// Parses chords separated by spaces.
    pub fn parse(text: &str) -> Result<KeySequence, String> {
        let chords = text
            .split_whitespace()
            .map(KeyChord::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if chords.is_empty() {
            return Err("empty key".into());
        }
        Ok(KeySequence(chords))
    }
}

impl fmt::Display for KeySequence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, chord) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{chord}")?;
        }
        Ok(())
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

/// A parsed keymap: bindings per mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    modes: BTreeMap<Mode, Vec<Binding>>,
}

/// A keymap file that cannot be used, located precisely enough to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}:{column}: {message}", path.display())]
pub struct KeymapError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    keys: Vec<Spanned<String>>,
    #[serde(default)]
    description: Option<String>,
}

type RawMode = BTreeMap<Spanned<String>, RawBinding>;

impl Keymap {
    /// The built-in keymap (`keymaps/default.toml`).
    pub fn default_map() -> Keymap {
        Keymap::parse(DEFAULT_KEYMAP_TOML, Path::new("<built-in keymap>"))
            .expect("the built-in keymap is checked by a unit test")
    }

    /// Parses a keymap file; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Keymap, KeymapError> {
        let error_at = |span: Range<usize>, message: String| {
            let (line, column) = line_column(text, span.start);
            KeymapError {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let raw: BTreeMap<Spanned<String>, RawMode> = toml::from_str(text).map_err(|e| {
            error_at(
                e.span().unwrap_or(0..0),
                e.message().trim().replace('\n', " "),
            )
        })?;
        let mut modes = BTreeMap::new();
        for (mode_name, raw_mode) in raw {
            let mode = Mode::from_name(mode_name.get_ref()).ok_or_else(|| {
                error_at(
                    mode_name.span(),
                    format!(
                        "unknown mode {:?}; the modes are {}",
                        mode_name.get_ref(),
                        Mode::ALL.map(Mode::name).join(", ")
                    ),
                )
            })?;
            // Every key of this mode with where it was written and what it does.
            let mut seen: Vec<(KeySequence, Range<usize>, Action)> = Vec::new();
            let mut bindings = Vec::new();
            for (action_name, raw_binding) in raw_mode {
                let action = Action::from_name(action_name.get_ref()).ok_or_else(|| {
                    error_at(
                        action_name.span(),
                        format!(
                            "unknown action {:?} in mode {}; the actions are {}",
                            action_name.get_ref(),
                            mode.name(),
                            Action::ALL.map(Action::name).join(", ")
                        ),
                    )
                })?;
                let mut keys = Vec::new();
                for key_text in raw_binding.keys {
                    let sequence = KeySequence::parse(key_text.get_ref()).map_err(|why| {
                        error_at(
                            key_text.span(),
                            format!("cannot parse key {:?}: {why}", key_text.get_ref()),
                        )
                    })?;
                    seen.push((sequence.clone(), key_text.span(), action));
                    keys.push(sequence);
                }
                bindings.push(Binding {
                    action,
                    keys,
                    description: raw_binding
                        .description
                        .unwrap_or_else(|| action.default_description().to_string()),
                });
            }
            check_conflicts(mode, &mut seen, text).map_err(|(span, m)| error_at(span, m))?;
            bindings.sort_by_key(|b| Action::ALL.iter().position(|a| *a == b.action));
            modes.insert(mode, bindings);
        }
        Ok(Keymap { modes })
    }

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

/// Reports a key bound twice in a mode, or a key that is also the start of a longer sequence
/// (which could never be reached).
fn check_conflicts(
    mode: Mode,
    seen: &mut [(KeySequence, Range<usize>, Action)],
    text: &str,
) -> Result<(), (Range<usize>, String)> {
    seen.sort_by_key(|(_, span, _)| span.start);
    for (i, (later, span, action)) in seen.iter().enumerate() {
        for (earlier, earlier_span, earlier_action) in &seen[..i] {
            let (line, _) = line_column(text, earlier_span.start);
            if later == earlier {
                return Err((
                    span.clone(),
                    format!(
                        "key {:?} is bound twice in mode {} (to {earlier_action} on line {line}, \
                         and to {action})",
                        later.to_string(),
                        mode.name()
                    ),
                ));
            }
            let (short, long) = if later.0.len() < earlier.0.len() {
                (later, earlier)
            } else {
                (earlier, later)
            };
            if long.0.starts_with(&short.0) {
                return Err((
                    span.clone(),
                    format!(
                        "in mode {}, key {:?} (line {line}) is the start of {:?}, so one of \
                         them could never be used",
                        mode.name(),
                        short.to_string(),
                        long.to_string()
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Keymap, KeymapError> {
        Keymap::parse(text, Path::new("my.toml"))
    }

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
        assert_eq!(resolve("x"), KeyResolution::Unbound);
    }

    #[test]
    fn built_in_keymap_stays_clear_of_tmux_prefixes() {
        let map = Keymap::default_map();
        let prefixes = ["ctrl-b", "ctrl-a", "ctrl-space", "ctrl-s", "ctrl-q"].map(chord);
        for mode in Mode::ALL {
            for binding in map.bindings(mode) {
                for key in &binding.keys {
                    assert!(
                        !prefixes.contains(&key.0[0]),
                        "{key} in {} is a tmux prefix",
                        mode.name()
                    );
                }
            }
        }
    }

    #[test]
    fn chords_parse_and_normalise_like_terminal_events() {
        assert_eq!(
            chord("ctrl-c"),
            KeyChord::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
        );
        assert_eq!(
            chord("shift-tab"),
            KeyChord::new(KeyCode::BackTab, KeyModifiers::SHIFT)
        );
        assert_eq!(
            chord("shift-tab"),
            KeyChord::new(KeyCode::BackTab, KeyModifiers::NONE)
        );
        assert_eq!(
            chord("G"),
            KeyChord::new(KeyCode::Char('g'), KeyModifiers::SHIFT)
        );
        assert_eq!(chord("shift-g"), chord("G"));
        assert_eq!(
            chord("?"),
            KeyChord::new(KeyCode::Char('?'), KeyModifiers::SHIFT)
        );
        assert_eq!(
            chord("-"),
            KeyChord::new(KeyCode::Char('-'), KeyModifiers::NONE)
        );
        assert_eq!(
            chord("ctrl--"),
            KeyChord::new(KeyCode::Char('-'), KeyModifiers::CONTROL)
        );
        assert_eq!(
            chord("PageDown"),
            KeyChord::new(KeyCode::PageDown, KeyModifiers::NONE)
        );
        assert_eq!(chord("f12").code, KeyCode::F(12));
        assert_eq!(chord("space").code, KeyCode::Char(' '));
        for bad in ["", "ctl-c", "f13", "f0", "enterr", "shift-", " "] {
            assert!(KeyChord::parse(bad).is_err(), "{bad:?}");
        }
        for k in [
            "ctrl-c",
            "shift-tab",
            "g",
            "G",
            "space",
            "alt-enter",
            "f5",
            "pagedown",
        ] {
            assert_eq!(chord(k).to_string(), k);
        }
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

    #[test]
    fn unknown_action_names_file_line_and_column() {
        let err = parse("[overview]\nquit = { keys = [\"q\"] }\nexplode = { keys = [\"x\"] }\n")
            .unwrap_err();
        assert_eq!((err.line, err.column), (3, 1));
        let text = err.to_string();
        assert!(
            text.starts_with("my.toml:3:1: unknown action \"explode\" in mode overview"),
            "{text}"
        );
        assert!(text.contains("focus_next_zone"), "{text}");
    }

    #[test]
    fn unparsable_key_points_at_the_key() {
        let err = parse("[list]\nfirst = { keys = [\"home\", \"ctl-home\"] }\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("my.toml:2:27: cannot parse key \"ctl-home\""),
            "{text}"
        );
    }

    #[test]
    fn same_key_twice_in_one_mode_is_an_error() {
        let err =
            parse("[overview]\nquit = { keys = [\"q\"] }\nback = { keys = [\"esc\", \"q\"] }\n")
                .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("my.toml:3:25: key \"q\" is bound twice in mode overview"),
            "{text}"
        );
        assert!(text.contains("to quit on line 2, and to back"), "{text}");
        // Spelled differently, still the same key.
        let err = parse("[list]\nfirst = { keys = [\"G\"] }\nlast = { keys = [\"shift-g\"] }\n")
            .unwrap_err();
        assert!(err.to_string().contains("bound twice"), "{err}");
        // The same key in two modes is fine.
        parse("[overview]\nquit = { keys = [\"q\"] }\n[zone]\nback = { keys = [\"q\"] }\n")
            .unwrap();
    }

    #[test]
    fn a_key_that_starts_a_sequence_is_an_error() {
        let err =
            parse("[list]\nfirst = { keys = [\"g g\"] }\nlast = { keys = [\"g\"] }\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("my.toml:3:18:"), "{text}");
        assert!(
            text.contains("\"g\" (line 2) is the start of \"g g\""),
            "{text}"
        );
    }

    #[test]
    fn unknown_mode_and_field_and_syntax_errors_are_located() {
        let err = parse("[overveiw]\nquit = { keys = [\"q\"] }\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("my.toml:1:2: unknown mode \"overveiw\""),
            "{err}"
        );
        let err = parse("[overview]\nquit = { key = [\"q\"] }\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(err.to_string().contains("key"), "{err}");
        let err = parse("[overview]\nquit = { keys = [\"q\"\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        let err = parse("[overview]\nquit = { keys = [\"\"] }\n").unwrap_err();
        assert!(err.to_string().contains("empty key"), "{err}");
    }
}
