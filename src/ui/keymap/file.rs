//! Reading keymap files: `extends`, `unbind`, replacing an action's keys, and the located
//! errors for everything a file can get wrong, conflicts between keys included.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::chord::KeySequence;
use super::resolve::{Binding, Mode};
use super::{
    Action, DEFAULT_KEYMAP_NAME, Keymap, KeymapError, SHIPPED_KEYMAPS, shipped_keymap_names,
};
use crate::file_error::{FileError, line_column};
use crate::suggest;

/// A binding while a file is merged over its base: each key remembers where this file wrote
/// it (`None` for keys that come from the base keymap).
#[derive(Debug, Clone)]
struct MergedBinding {
    action: Action,
    keys: Vec<(KeySequence, Option<Range<usize>>)>,
    description: String,
}

/// The text of the keymap file being read and its path, for locating errors.
struct KeymapText<'a> {
    text: &'a str,
    path: &'a Path,
}

impl KeymapText<'_> {
    /// The error at the start of `span`.
    fn error_at(&self, span: Range<usize>, message: impl Into<String>) -> KeymapError {
        FileError::at(self.path, self.text, span.start, message)
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
        let source = KeymapText { text, path };
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
}

/// Applies one mode's table of a file to the merged bindings: first its `unbind` list, then
/// each action's new keys (which replace the base's keys for that action).
fn apply_mode_table(
    source: &KeymapText<'_>,
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
    source: &KeymapText<'_>,
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
    source: &KeymapText<'_>,
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
    source: &KeymapText<'_>,
    text: &str,
    span: &Range<usize>,
) -> Result<KeySequence, KeymapError> {
    KeySequence::parse(text)
        .map_err(|why| source.error_at(span.clone(), format!("cannot parse key {text:?}: {why}")))
}

/// `; did you mean "filter"?` when an action name is a small typo away from a real one.
fn suggestion(name: &str) -> String {
    match suggest::closest(name, Action::ALL.iter().map(|a| a.name()), 2) {
        Some(close) => format!("; did you mean {close:?}?"),
        None => String::new(),
    }
}

/// Reports a key bound twice in a mode, or a key that is also the start of a longer sequence
/// (which could never be reached), naming both actions. Keys from the base keymap are only
/// reported against keys of this file.
fn check_conflicts(
    source: &KeymapText<'_>,
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
    use crate::ui::keymap::KeyResolution;

    fn parse(text: &str) -> Result<Keymap, KeymapError> {
        Keymap::parse(text, Path::new("my.toml"))
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
        let err = changes("[overview]\nunbind = [\"z\"]\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "user.toml:2:11: cannot unbind \"z\" in mode overview: base keymap default does not bind it there"
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
