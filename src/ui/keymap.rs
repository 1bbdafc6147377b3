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

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::action::Action;
use crate::config::line_column;

/// The built-in keymap, also the reference for the file format.
pub const DEFAULT_KEYMAP_TOML: &str = include_str!("../../keymaps/default.toml");
/// The shipped vim keymap: hjkl, `g g`/`G`, `/`, `:`, ctrl-d/ctrl-u over the default map.
pub const VIM_KEYMAP_TOML: &str = include_str!("../../keymaps/vim.toml");
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
            Mode::Filter => "Typing a filter or a command",
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

/// A binding while a file is merged over its base: each key remembers where this file wrote
/// it (`None` for keys that come from the base keymap).
#[derive(Debug, Clone)]
struct MergedBinding {
    action: Action,
    keys: Vec<(KeySequence, Option<Range<usize>>)>,
    description: String,
}

/// The keymap file being read, for locating errors.
struct Source<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Source<'_> {
    fn error_at(&self, span: Range<usize>, message: impl Into<String>) -> KeymapError {
        let (line, column) = line_column(self.text, span.start);
        KeymapError {
            path: self.path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }
}

/// How many `extends` a shipped keymap may chain before it is taken for a loop.
const MAX_EXTENDS_DEPTH: usize = 4;

impl Keymap {
    /// The built-in keymap (`keymaps/default.toml`).
    pub fn default_map() -> Keymap {
        Keymap::shipped(DEFAULT_KEYMAP_NAME).expect("the shipped keymaps are checked by a test")
    }

    /// A keymap shipped with ge-console by name (`default`, `vim`), or `None` for other names.
    pub fn shipped(name: &str) -> Option<Keymap> {
        Keymap::shipped_at_depth(name, 0)
            .map(|result| result.unwrap_or_else(|e| panic!("shipped keymap {name} is broken: {e}")))
    }

    fn shipped_at_depth(name: &str, depth: usize) -> Option<Result<Keymap, KeymapError>> {
        let (_, text) = SHIPPED_KEYMAPS.iter().find(|(n, _)| *n == name)?;
        let path = PathBuf::from(format!("<built-in keymap {name}>"));
        Some(Keymap::parse_file(text, &path, None, depth))
    }

    /// Parses a complete keymap file; `path` is only used in error messages. The file may still
    /// start from a shipped map with `extends = "NAME"`.
    pub fn parse(text: &str, path: &Path) -> Result<Keymap, KeymapError> {
        Keymap::parse_file(text, path, None, 0)
    }

    /// Parses a user keymap that lists only its changes to a shipped map: the one it names with
    /// `extends`, else `implicit_base`.
    pub fn parse_changes(
        text: &str,
        path: &Path,
        implicit_base: &str,
    ) -> Result<Keymap, KeymapError> {
        Keymap::parse_file(text, path, Some(implicit_base), 0)
    }

    fn parse_file(
        text: &str,
        path: &Path,
        implicit_base: Option<&str>,
        depth: usize,
    ) -> Result<Keymap, KeymapError> {
        let source = Source { text, path };
        let document = DeTable::parse(text).map_err(|e| {
            source.error_at(
                e.span().unwrap_or(0..0),
                e.message().trim().replace('\n', " "),
            )
        })?;
        let mut entries: Vec<_> = document.get_ref().iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);

        let mut base_name = implicit_base.map(str::to_string);
        let mut base_span = None;
        if let Some((_, value)) = entries.iter().find(|(key, _)| key.get_ref() == "extends") {
            let DeValue::String(name) = value.get_ref() else {
                return Err(source.error_at(
                    value.span(),
                    format!(
                        "extends must name a shipped keymap ({})",
                        shipped_keymap_names().join(", ")
                    ),
                ));
            };
            base_name = Some(name.to_string());
            base_span = Some(value.span());
        }
        let base = match &base_name {
            None => None,
            Some(name) => {
                let span = base_span.clone().unwrap_or(0..0);
                if depth >= MAX_EXTENDS_DEPTH {
                    return Err(source.error_at(span, "keymaps extend each other in a loop"));
                }
                match Keymap::shipped_at_depth(name, depth + 1) {
                    Some(result) => Some(result?),
                    None => {
                        return Err(source.error_at(
                            span,
                            format!(
                                "unknown base keymap {name:?}; the shipped keymaps are {}",
                                shipped_keymap_names().join(", ")
                            ),
                        ));
                    }
                }
            }
        };
        let mut modes: BTreeMap<Mode, Vec<MergedBinding>> = BTreeMap::new();
        if let Some(base) = &base {
            for (mode, bindings) in &base.modes {
                let merged = bindings
                    .iter()
                    .map(|b| MergedBinding {
                        action: b.action,
                        keys: b.keys.iter().map(|k| (k.clone(), None)).collect(),
                        description: b.description.clone(),
                    })
                    .collect();
                modes.insert(*mode, merged);
            }
        }
        let base_label = base_name.as_deref().map(|n| format!("base keymap {n}"));
        for (mode_name, table) in entries {
            if mode_name.get_ref() == "extends" {
                continue;
            }
            let mode = Mode::from_name(mode_name.get_ref()).ok_or_else(|| {
                source.error_at(
                    mode_name.span(),
                    format!(
                        "unknown mode {:?}; the modes are {}",
                        mode_name.get_ref(),
                        Mode::ALL.map(Mode::name).join(", ")
                    ),
                )
            })?;
            let DeValue::Table(table) = table.get_ref() else {
                return Err(source.error_at(
                    table.span(),
                    format!(
                        "mode {} must be a table of actions, like [{}]",
                        mode.name(),
                        mode.name()
                    ),
                ));
            };
            let merged = modes.entry(mode).or_default();
            apply_mode_table(&source, mode, table, merged, base_label.as_deref())?;
            check_conflicts(&source, mode, merged, base_label.as_deref())?;
        }
        let modes = modes
            .into_iter()
            .map(|(mode, merged)| {
                let mut bindings: Vec<Binding> = merged
                    .into_iter()
                    .filter(|b| !b.keys.is_empty())
                    .map(|b| Binding {
                        action: b.action,
                        keys: b.keys.into_iter().map(|(k, _)| k).collect(),
                        description: b.description,
                    })
                    .collect();
                bindings.sort_by_key(|b| Action::ALL.iter().position(|a| *a == b.action));
                (mode, bindings)
            })
            .collect();
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

/// The names of the shipped keymaps, default first.
pub fn shipped_keymap_names() -> Vec<&'static str> {
    SHIPPED_KEYMAPS.iter().map(|(name, _)| *name).collect()
}

/// Applies one mode's table of a file to the merged bindings: first its `unbind` list, then
/// each action's new keys (which replace the base's keys for that action).
fn apply_mode_table(
    source: &Source<'_>,
    mode: Mode,
    table: &DeTable<'_>,
    merged: &mut Vec<MergedBinding>,
    base_label: Option<&str>,
) -> Result<(), KeymapError> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    if let Some((_, list)) = entries.iter().find(|(key, _)| key.get_ref() == UNBIND) {
        for (key_text, span) in string_list(source, list, "unbind")? {
            let sequence = parse_key(source, &key_text, &span)?;
            let owner = merged
                .iter_mut()
                .find(|b| b.keys.iter().any(|(k, _)| *k == sequence));
            let Some(owner) = owner else {
                return Err(source.error_at(
                    span,
                    format!(
                        "cannot unbind {:?} in mode {}: {} does not bind it there",
                        sequence.to_string(),
                        mode.name(),
                        base_label.unwrap_or("this keymap")
                    ),
                ));
            };
            owner.keys.retain(|(k, _)| *k != sequence);
        }
    }
    for (action_name, value) in entries {
        if action_name.get_ref() == UNBIND {
            continue;
        }
        let action = Action::from_name(action_name.get_ref()).ok_or_else(|| {
            source.error_at(
                action_name.span(),
                format!(
                    "unknown action {:?} in mode {}{}",
                    action_name.get_ref(),
                    mode.name(),
                    suggestion(action_name.get_ref())
                ),
            )
        })?;
        let (keys_value, description) = match value.get_ref() {
            DeValue::Array(_) => (value, None),
            DeValue::Table(binding) => binding_fields(source, action, value.span(), binding)?,
            _ => {
                return Err(source.error_at(
                    value.span(),
                    format!(
                        "{action} must be {{ keys = [...], description = \"...\" }} or a list of \
                         keys"
                    ),
                ));
            }
        };
        let mut keys = Vec::new();
        for (key_text, span) in string_list(source, keys_value, "keys")? {
            let sequence = parse_key(source, &key_text, &span)?;
            keys.push((sequence, Some(span)));
        }
        let replaced = merged
            .iter()
            .position(|b| b.action == action)
            .map(|i| merged.remove(i));
        let description = description
            .or(replaced.map(|b| b.description))
            .unwrap_or_else(|| action.default_description().to_string());
        merged.push(MergedBinding {
            action,
            keys,
            description,
        });
    }
    Ok(())
}

/// The name of the per-mode list of keys to take away from the base keymap.
const UNBIND: &str = "unbind";

/// The `keys` value and the description of `{ keys = [...], description = "..." }`.
fn binding_fields<'v>(
    source: &Source<'_>,
    action: Action,
    span: Range<usize>,
    binding: &'v DeTable<'_>,
) -> Result<(&'v Spanned<DeValue<'v>>, Option<String>), KeymapError> {
    let mut keys = None;
    let mut description = None;
    let mut fields: Vec<_> = binding.iter().collect();
    fields.sort_by_key(|(key, _)| key.span().start);
    for (field, value) in fields {
        match (field.get_ref().as_ref(), value.get_ref()) {
            ("keys", _) => keys = Some(value),
            ("description", DeValue::String(text)) => description = Some(text.to_string()),
            ("description", _) => {
                return Err(source.error_at(value.span(), "description must be a string"));
            }
            (other, _) => {
                return Err(source.error_at(
                    field.span(),
                    format!(
                        "unknown field {other:?} of {action}; a binding has keys and description"
                    ),
                ));
            }
        }
    }
    let keys = keys.ok_or_else(|| {
        source.error_at(
            span,
            format!("{action} has no keys; write keys = [\"...\"] (or keys = [] to unbind it)"),
        )
    })?;
    Ok((keys, description))
}

/// The strings of a TOML array, each with its place in the file.
fn string_list(
    source: &Source<'_>,
    value: &Spanned<DeValue<'_>>,
    what: &str,
) -> Result<Vec<(String, Range<usize>)>, KeymapError> {
    let DeValue::Array(items) = value.get_ref() else {
        return Err(source.error_at(
            value.span(),
            format!("{what} must be a list of keys, like [\"q\", \"ctrl-c\"]"),
        ));
    };
    items
        .iter()
        .map(|item| match item.get_ref() {
            DeValue::String(text) => Ok((text.to_string(), item.span())),
            _ => Err(source.error_at(
                item.span(),
                format!("{what} must be a list of keys written as strings, like \"q\""),
            )),
        })
        .collect()
}

fn parse_key(
    source: &Source<'_>,
    text: &str,
    span: &Range<usize>,
) -> Result<KeySequence, KeymapError> {
    KeySequence::parse(text)
        .map_err(|why| source.error_at(span.clone(), format!("cannot parse key {text:?}: {why}")))
}

/// `; did you mean "filter"?` when an action name is a small typo away from a real one.
fn suggestion(name: &str) -> String {
    let best = Action::ALL
        .into_iter()
        .map(|a| (edit_distance(name, a.name()), a))
        .min_by_key(|(distance, _)| *distance);
    match best {
        Some((distance, action)) if distance <= 2 => format!("; did you mean {:?}?", action.name()),
        _ => String::new(),
    }
}

/// Levenshtein distance between two short names.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Reports a key bound twice in a mode, or a key that is also the start of a longer sequence
/// (which could never be reached), naming both actions. Keys from the base keymap are only
/// reported against keys of this file.
fn check_conflicts(
    source: &Source<'_>,
    mode: Mode,
    merged: &[MergedBinding],
    base_label: Option<&str>,
) -> Result<(), KeymapError> {
    let mut keys: Vec<(&KeySequence, Option<&Range<usize>>, Action)> = merged
        .iter()
        .flat_map(|b| {
            b.keys
                .iter()
                .map(move |(k, span)| (k, span.as_ref(), b.action))
        })
        .collect();
    // Base keys first, then this file's keys in the order they are written.
    keys.sort_by_key(|(_, span, _)| span.map_or(0, |s| s.start + 1));
    let base = base_label.unwrap_or("the base keymap");
    for (i, (later, span, action)) in keys.iter().enumerate() {
        let Some(span) = span else { continue };
        for (earlier, earlier_span, earlier_action) in &keys[..i] {
            let (short, long) = if later.0.len() < earlier.0.len() {
                (later, earlier)
            } else {
                (earlier, later)
            };
            let clash = later == earlier;
            if !clash && !long.0.starts_with(&short.0) {
                continue;
            }
            let where_earlier = match earlier_span {
                Some(s) => format!("on line {}", line_column(source.text, s.start).0),
                None => format!("in {base}"),
            };
            let fix = if earlier_span.is_none() {
                format!(
                    "; to take it over, add {:?} to unbind in [{}]",
                    earlier.to_string(),
                    mode.name()
                )
            } else {
                String::new()
            };
            let message = if clash {
                format!(
                    "key {:?} is bound twice in mode {} (to {earlier_action} {where_earlier}, \
                     and to {action}){fix}",
                    later.to_string(),
                    mode.name()
                )
            } else {
                let (short_action, long_action) = if short == later {
                    (*action, *earlier_action)
                } else {
                    (*earlier_action, *action)
                };
                format!(
                    "in mode {}, key {:?} ({short_action}) is the start of {:?} \
                     ({long_action}, {where_earlier}), so one of them could never be used{fix}",
                    mode.name(),
                    short.to_string(),
                    long.to_string()
                )
            };
            return Err(source.error_at((*span).clone(), message));
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

    fn changes(text: &str) -> Result<Keymap, KeymapError> {
        Keymap::parse_changes(text, Path::new("user.toml"), DEFAULT_KEYMAP_NAME)
    }

    #[test]
    fn user_files_list_only_their_changes() {
        let overview = [Mode::Overview, Mode::List, Mode::Global];
        // Rebinding an action replaces its keys; everything else stays.
        let map = changes("[list]\nselect_down = [\"n\"]\n").unwrap();
        let resolve =
            |map: &Keymap, k: &str| map.resolve(&overview, &KeySequence::parse(k).unwrap().0);
        assert_eq!(
            resolve(&map, "n"),
            KeyResolution::Action(Action::SelectDown)
        );
        assert_eq!(resolve(&map, "down"), KeyResolution::Unbound);
        assert_eq!(resolve(&map, "up"), KeyResolution::Action(Action::SelectUp));
        let down = map
            .bindings(Mode::List)
            .iter()
            .find(|b| b.action == Action::SelectDown);
        assert_eq!(
            down.unwrap().description,
            "Move the selection down",
            "kept from the base"
        );
        // Unbinding a key, then giving it to another action.
        let map = changes("[overview]\nunbind = [\"q\"]\nhelp = [\"q\"]\n").unwrap();
        assert_eq!(resolve(&map, "q"), KeyResolution::Action(Action::Help));
        assert_eq!(resolve(&map, "ctrl-c"), KeyResolution::Action(Action::Quit));
        // An empty key list unbinds the action in that mode.
        let map = changes("[overview]\nquit = { keys = [] }\n").unwrap();
        assert_eq!(resolve(&map, "q"), KeyResolution::Unbound);
        assert!(
            map.bindings(Mode::Overview)
                .iter()
                .all(|b| b.action != Action::Quit)
        );
        // Starting from vim.
        let map =
            changes("extends = \"vim\"\n[list]\nunbind = [\"g g\"]\nfirst = [\"g\"]\n").unwrap();
        assert_eq!(resolve(&map, "g"), KeyResolution::Action(Action::First));
        assert_eq!(
            resolve(&map, "j"),
            KeyResolution::Action(Action::SelectDown)
        );
        // Swapping two keys needs no unbind: both actions are rebound.
        changes("[list]\nselect_up = [\"down\"]\nselect_down = [\"up\"]\n").unwrap();
    }

    #[test]
    fn user_file_conflicts_with_the_base_name_both_actions_and_the_fix() {
        let err = changes("[overview]\nhelp = [\"q\"]\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "user.toml:2:9: key \"q\" is bound twice in mode overview (to quit in base keymap \
             default, and to help); to take it over, add \"q\" to unbind in [overview]"
        );
        let err = changes("extends = \"vim\"\n[list]\nselect_down = [\"g\"]\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "user.toml:3:16: in mode list, key \"g\" (select_down) is the start of \"g g\" \
             (first, in base keymap vim), so one of them could never be used; to take it over, add \
             \"g g\" to unbind in [list]"
        );
        let err = changes("[overview]\nunbind = [\"x\"]\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "user.toml:2:11: cannot unbind \"x\" in mode overview: base keymap default does not bind it there"
        );
        let err = changes("extends = \"emacs\"\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "user.toml:1:11: unknown base keymap \"emacs\"; the shipped keymaps are default, vim"
        );
        let err = changes("[overview]\nquit = { description = \"x\" }\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("user.toml:2:8: quit has no keys"), "{err}");
        let err = changes("[overview]\nquit = \"q\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("user.toml:2:8: quit must be"), "{err}");
        let err = changes("overview = 3\n").unwrap_err().to_string();
        assert!(
            err.starts_with("user.toml:1:12: mode overview must be a table"),
            "{err}"
        );
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
        assert_eq!(
            text,
            "my.toml:3:1: unknown action \"explode\" in mode overview"
        );
        let err = parse("[list]\nselect_dwn = [\"j\"]\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "my.toml:2:1: unknown action \"select_dwn\" in mode list; did you mean \"select_down\"?"
        );
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
        assert_eq!(
            text,
            "my.toml:3:18: in mode list, key \"g\" (last) is the start of \"g g\" (first, on line 2), \
             so one of them could never be used"
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
