//! Finding the keymap and theme a user chose (`--keymap`/`--theme NAME|PATH`, the config dir,
//! the shipped ones) and reading them, before the terminal is touched.
//!
//! A value with a `/` or ending in `.toml` is a file. Otherwise it is a name: the user's
//! `<config dir>/keymaps/NAME.toml` (`themes/NAME.toml`) if it exists, else the shipped map or
//! theme of that name. With no choice the name is `default`, so `<config dir>/keymaps/
//! default.toml` changes the default keymap for every start. A user file lists only its changes
//! over the shipped one it `extends`, else the shipped one of its own name, else `default`.

use std::path::{Path, PathBuf};

use super::keymap::{Keymap, KeymapError, shipped_keymap_names};
use super::theme::{Theme, ThemeError, shipped_theme_names};

/// A keymap or theme as chosen, with the name the top bar and help show.
#[derive(Debug, Clone)]
pub struct Chosen<T> {
    /// The keymap or theme.
    pub value: T,
    /// The name it was chosen by (a file's stem for a path).
    pub name: String,
}

/// Why the chosen keymap or theme cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum UserFileError {
    /// The file could not be read.
    #[error("cannot read {kind} {}: {source}", path.display())]
    Read {
        /// "keymap" or "theme".
        kind: &'static str,
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// No user file and no shipped one has that name.
    #[error(
        "unknown {kind} {name:?}: there is no {} and no shipped {kind} of that name (shipped: {})",
        user_file.display(),
        shipped.join(", ")
    )]
    Unknown {
        /// "keymap" or "theme".
        kind: &'static str,
        /// The name asked for.
        name: String,
        /// Where a user file of that name would be.
        user_file: PathBuf,
        /// The shipped names.
        shipped: Vec<&'static str>,
    },
    /// The keymap file is wrong at a known place.
    #[error(transparent)]
    Keymap(#[from] KeymapError),
    /// The theme file is wrong at a known place.
    #[error(transparent)]
    Theme(#[from] ThemeError),
}

/// Where a choice leads: a user file to read, or a shipped map or theme.
enum ChoiceOrigin {
    /// A user file, its text, and the shipped map or theme it changes unless it says otherwise.
    File {
        path: PathBuf,
        text: String,
        implicit_base: String,
    },
    /// A shipped map or theme.
    Shipped,
}

/// Finds what `choice` names: a file, a user file in `config_dir/subdir`, or a shipped one.
fn find(
    kind: &'static str,
    subdir: &str,
    choice: Option<&str>,
    config_dir: &Path,
    shipped: Vec<&'static str>,
) -> Result<(String, ChoiceOrigin), UserFileError> {
    let default_base = shipped.first().copied().unwrap_or_default().to_string();
    let base_for = |stem: &str| {
        if shipped.contains(&stem) {
            stem.to_string()
        } else {
            default_base.clone()
        }
    };
    let read = |path: PathBuf| {
        std::fs::read_to_string(&path).map_err(|source| UserFileError::Read { kind, path, source })
    };
    let choice = choice.unwrap_or(&default_base);
    if choice.contains('/') || choice.ends_with(".toml") {
        let path = PathBuf::from(choice);
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| choice.to_string());
        let text = read(path.clone())?;
        let implicit_base = base_for(&stem);
        return Ok((
            stem,
            ChoiceOrigin::File {
                path,
                text,
                implicit_base,
            },
        ));
    }
    let user_file = config_dir.join(subdir).join(format!("{choice}.toml"));
    if user_file.is_file() {
        let text = read(user_file.clone())?;
        let implicit_base = base_for(choice);
        return Ok((
            choice.to_string(),
            ChoiceOrigin::File {
                path: user_file,
                text,
                implicit_base,
            },
        ));
    }
    if shipped.contains(&choice) {
        return Ok((choice.to_string(), ChoiceOrigin::Shipped));
    }
    Err(UserFileError::Unknown {
        kind,
        name: choice.to_string(),
        user_file,
        shipped,
    })
}

/// Loads the keymap chosen with `--keymap NAME|PATH` (or the default one).
pub fn load_keymap(
    choice: Option<&str>,
    config_dir: &Path,
) -> Result<Chosen<Keymap>, UserFileError> {
    let (name, source) = find(
        "keymap",
        "keymaps",
        choice,
        config_dir,
        shipped_keymap_names(),
    )?;
    let value = match source {
        ChoiceOrigin::File {
            path,
            text,
            implicit_base,
        } => Keymap::parse_changes(&text, &path, &implicit_base)?,
        ChoiceOrigin::Shipped => Keymap::shipped(&name).unwrap_or_else(Keymap::default_map),
    };
    Ok(Chosen { value, name })
}

/// Loads the theme chosen with `--theme NAME|PATH` (or the default one).
pub fn load_theme(choice: Option<&str>, config_dir: &Path) -> Result<Chosen<Theme>, UserFileError> {
    let (name, source) = find("theme", "themes", choice, config_dir, shipped_theme_names())?;
    let value = match source {
        ChoiceOrigin::File {
            path,
            text,
            implicit_base,
        } => Theme::parse_changes(&text, &path, &implicit_base)?,
        ChoiceOrigin::Shipped => Theme::shipped(&name).unwrap_or_else(Theme::default_theme),
    };
    Ok(Chosen { value, name })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::{Action, KeyResolution, Mode, Role};
    use ratatui::style::Color;

    #[test]
    fn names_find_user_files_before_shipped_ones() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path();
        let chosen = load_keymap(None, config).unwrap();
        assert_eq!(chosen.name, "default");
        assert_eq!(chosen.value, Keymap::default_map());
        assert_eq!(load_keymap(Some("vim"), config).unwrap().name, "vim");

        // A user file named after a shipped map changes that map.
        std::fs::create_dir_all(config.join("keymaps")).unwrap();
        std::fs::write(
            config.join("keymaps/vim.toml"),
            "[overview]\nunbind = [\"q\"]\n",
        )
        .unwrap();
        let vim = load_keymap(Some("vim"), config).unwrap().value;
        let modes = [Mode::Overview, Mode::List, Mode::Global];
        let press = |map: &Keymap, k: &str| {
            map.resolve(&modes, &crate::ui::keymap::KeySequence::parse(k).unwrap().0)
        };
        assert_eq!(press(&vim, "q"), KeyResolution::Unbound);
        assert_eq!(press(&vim, "j"), KeyResolution::Action(Action::SelectDown));
        // Any other name changes the default map.
        std::fs::write(
            config.join("keymaps/mine.toml"),
            "[list]\nfirst = [\"f\"]\n",
        )
        .unwrap();
        let mine = load_keymap(Some("mine"), config).unwrap().value;
        assert_eq!(press(&mine, "f"), KeyResolution::Action(Action::First));
        assert_eq!(press(&mine, "q"), KeyResolution::Action(Action::Quit));
        // A user default.toml is used with no choice at all.
        std::fs::write(
            config.join("keymaps/default.toml"),
            "[list]\nlast = [\"e\"]\n",
        )
        .unwrap();
        let default = load_keymap(None, config).unwrap().value;
        assert_eq!(press(&default, "e"), KeyResolution::Action(Action::Last));

        let err = load_keymap(Some("emacs"), config).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "unknown keymap \"emacs\": there is no {} and no shipped keymap of that name \
                 (shipped: default, vim)",
                config.join("keymaps/emacs.toml").display()
            )
        );
    }

    #[test]
    fn paths_are_read_as_user_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pair.toml");
        std::fs::write(&path, "extends = \"light\"\nok = \"blue\"\n").unwrap();
        let chosen = load_theme(Some(path.to_str().unwrap()), dir.path()).unwrap();
        assert_eq!(chosen.name, "pair");
        assert_eq!(chosen.value.style(Role::Ok).fg, Some(Color::Blue));
        let light = Theme::shipped("light").unwrap();
        assert_eq!(chosen.value.style(Role::Error), light.style(Role::Error));
        assert_eq!(
            load_theme(Some("basic16"), dir.path()).unwrap().name,
            "basic16"
        );
        let missing = dir.path().join("nope.toml");
        let err = load_theme(Some(missing.to_str().unwrap()), dir.path()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("cannot read theme {}: ", missing.display())),
            "{err}"
        );
    }
}
