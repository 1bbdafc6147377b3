//! The key table of a keymap, generated like the help overlay: as Markdown for README.md (between
//! [`README_START`] and [`README_END`]) and as plain text for `ge-console keys`.

use super::keymap::{Binding, KeySequence, Keymap, Mode};

/// The line before the generated key table in README.md.
pub const README_START: &str = "<!-- keys:start -->";
/// The line after the generated key table in README.md.
pub const README_END: &str = "<!-- keys:end -->";

/// The keymap as a Markdown table: mode, keys, action name, description.
pub fn markdown_table(keymap: &Keymap) -> String {
    let mut out = String::from("| Mode | Keys | Action | What it does |\n|---|---|---|---|\n");
    for mode in Mode::ALL {
        for binding in keymap.bindings(mode) {
            let keys: Vec<String> = binding.keys.iter().map(markdown_key).collect();
            out.push_str(&format!(
                "| {} (`{}`) | {} | `{}` | {} |\n",
                mode.title(),
                mode.name(),
                keys.join(" "),
                binding.action,
                binding.description.replace('|', "\\|")
            ));
        }
    }
    out
}

/// The keymap as plain text, grouped by mode, as the help overlay shows it.
pub fn text_table(keymap: &Keymap) -> String {
    let key_width = Mode::ALL
        .iter()
        .flat_map(|m| keymap.bindings(*m))
        .map(|b| keys_text(b).chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for mode in Mode::ALL {
        let bindings = keymap.bindings(mode);
        if bindings.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("{} [{}]\n", mode.title(), mode.name()));
        for binding in bindings {
            out.push_str(&format!(
                "  {:key_width$}  {:16}  {}\n",
                keys_text(binding),
                binding.action.name(),
                binding.description
            ));
        }
    }
    out
}

/// The README's current key table: the text between the markers, or `None` without them.
pub fn readme_table(readme: &str) -> Option<&str> {
    let start = readme.find(README_START)? + README_START.len();
    let end = start + readme[start..].find(README_END)?;
    Some(readme[start..end].trim_matches('\n'))
}

fn keys_text(binding: &Binding) -> String {
    binding
        .keys
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A key as Markdown code, safe inside a table cell.
fn markdown_key(key: &KeySequence) -> String {
    let text = key.to_string().replace('|', "\\|");
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn tables_list_every_binding_with_safe_markdown() {
        let map = Keymap::parse(
            "[list]\nfirst = { keys = [\"g g\", \"home\"] }\n[filter]\nclear_filter = [\"|\", \"`\"]\n",
            Path::new("t"),
        )
        .unwrap();
        assert_eq!(
            markdown_table(&map),
            "| Mode | Keys | Action | What it does |\n|---|---|---|---|\n\
             | Lists (`list`) | `g g` `home` | `first` | Select the first row |\n\
             | Typing a filter or a command (`filter`) | `\\|` `` ` `` | `clear_filter` | Clear the filter |\n"
        );
        assert_eq!(
            text_table(&map),
            "Lists [list]\n  g g, home  first             Select the first row\n\n\
             Typing a filter or a command [filter]\n  |, `       clear_filter      Clear the filter\n"
        );
    }

    #[test]
    fn readme_table_is_found_between_the_markers() {
        let readme = format!("a\n{README_START}\n| x |\n{README_END}\nb");
        assert_eq!(readme_table(&readme), Some("| x |"));
        assert_eq!(readme_table("no markers"), None);
    }
}
