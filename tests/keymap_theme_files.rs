//! The shipped keymaps and themes, broken user files and their exact errors (in the library and
//! through the binary, before the terminal is touched), and README's generated key table.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ge_console::ui::color_depth::{ANSI_16, ColorDepth};
use ge_console::ui::key_table::{README_END, README_START, markdown_table, readme_table};
use ge_console::ui::keymap::{KeyChord, RESERVED_KEYS, SHIPPED_KEYMAPS, shipped_keymap_names};
use ge_console::ui::theme::{SHIPPED_THEMES, shipped_theme_names};
use ge_console::ui::{Keymap, Mode, Role, Theme};
use ratatui::style::Color;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(kind: &str, name: &str) -> PathBuf {
    root().join("tests/fixtures").join(kind).join(name)
}

/// The `.toml` files of a shipped directory, by stem.
fn shipped_files(dir: &str) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_keymap_file_is_shipped_parses_and_stays_clear_of_tmux_and_vim_prefixes() {
    let files = shipped_files("keymaps");
    let names: Vec<_> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["default", "vim"]);
    let reserved: Vec<KeyChord> = RESERVED_KEYS
        .iter()
        .map(|(k, _)| KeyChord::parse(k).unwrap())
        .collect();
    for (name, text) in &files {
        let compiled = SHIPPED_KEYMAPS.iter().find(|(n, _)| n == name).unwrap().1;
        assert_eq!(compiled, text, "{name} is compiled in as it is on disk");
        let map = Keymap::shipped(name).unwrap();
        let mut bound = 0;
        for mode in Mode::ALL {
            for binding in map.bindings(mode) {
                for key in &binding.keys {
                    bound += 1;
                    for chord in &key.0 {
                        assert!(
                            !reserved.contains(chord),
                            "{name}: {key} ({}) in mode {} is reserved for tmux, screen, vim or \
                             the terminal",
                            binding.action,
                            mode.name()
                        );
                    }
                }
            }
        }
        assert!(bound > 20, "{name} binds {bound} keys");
    }
    assert_eq!(shipped_keymap_names(), ["default", "vim"]);
}

#[test]
fn every_theme_file_is_shipped_and_parses() {
    let files = shipped_files("themes");
    let names: Vec<_> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["basic16", "default", "high-contrast", "light"]);
    for (name, text) in &files {
        let compiled = SHIPPED_THEMES.iter().find(|(n, _)| n == name).unwrap().1;
        assert_eq!(compiled, text, "{name} is compiled in as it is on disk");
        // A shipped theme sets every role itself (a user file may leave roles out).
        let theme = Theme::shipped(name).unwrap();
        let own = Theme::parse_changes(text, Path::new(name), "default").unwrap();
        assert_eq!(theme, own, "{name}");
    }
    assert_eq!(
        shipped_theme_names(),
        ["default", "light", "high-contrast", "basic16"]
    );
    for color in Theme::shipped("basic16").unwrap().colors() {
        assert!(
            color == Color::Reset || ANSI_16.contains(&color),
            "basic16: {color:?}"
        );
    }
    for name in shipped_theme_names() {
        let mono = Theme::shipped(name)
            .unwrap()
            .for_depth(ColorDepth::Monochrome);
        assert!(mono.colors().is_empty(), "{name}");
        assert_ne!(
            mono.style(Role::Selection),
            mono.style(Role::Text),
            "{name}"
        );
    }
}

/// Each broken keymap fixture and its whole error (after `PATH:`).
const KEYMAP_ERRORS: &[(&str, &str)] = &[
    (
        "unknown-action.toml",
        "7:1: unknown action \"fly\" in mode overview",
    ),
    (
        "misspelt-action.toml",
        "3:1: unknown action \"select_dwn\" in mode list; did you mean \"select_down\"?",
    ),
    (
        "unparsable-key.toml",
        "3:21: cannot parse key \"ctl-n\": unknown key \"ctl-n\"; use one character or a name \
         such as enter, esc, backspace, tab, space, up, down, left, right, home, end, pageup, \
         pagedown, delete, insert, f1..f12, with optional ctrl-, alt-, shift- prefixes",
    ),
    (
        "bound-twice.toml",
        "4:16: key \"f\" is bound twice in mode list (to first on line 3, and to last)",
    ),
    (
        "taken-from-base.toml",
        "5:16: key \"j\" is bound twice in mode list (to select_down in base keymap vim, and to \
         filter); to take it over, add \"j\" to unbind in [list]",
    ),
    (
        "sequence-prefix.toml",
        "5:16: in mode list, key \"g\" (select_down) is the start of \"g g\" (first, in base \
         keymap vim), so one of them could never be used; to take it over, add \"g g\" to unbind \
         in [list]",
    ),
    (
        "unknown-mode.toml",
        "2:2: unknown mode \"overveiw\"; the modes are global, overview, zone, list, filter, \
         dialog, log, logs, text, explain, help, timeline, checks",
    ),
    (
        "unknown-base.toml",
        "2:11: unknown base keymap \"emacs\"; the shipped keymaps are default, vim",
    ),
    (
        "unbind-unbound.toml",
        "2:16: cannot unbind \"z\" in mode overview: base keymap default does not bind it there",
    ),
    ("not-toml.toml", "1:6: unclosed table, expected `]`"),
];

/// Each broken theme fixture and its whole error (after `PATH:`).
const THEME_ERRORS: &[(&str, &str)] = &[
    (
        "unknown-role.toml",
        "4:1: role headr_production: unknown role; did you mean \"header_production\"?",
    ),
    (
        "bad-colour.toml",
        "2:21: role header_production: unknown colour \"redd\"; use #rrggbb, indexed(N) or a \
         name such as red, light-blue, dark-gray, default",
    ),
    (
        "bad-modifier.toml",
        "1:11: role warning: unknown modifier \"blink\"; use bold, dim, italic, underlined, \
         reversed",
    ),
    (
        "unknown-base.toml",
        "1:11: unknown base theme \"solarized\"; the shipped themes are default, light, \
         high-contrast, basic16",
    ),
    ("not-toml.toml", "1:12: invalid basic string, expected `\"`"),
];

#[test]
fn broken_keymaps_give_their_exact_errors() {
    for (name, expected) in KEYMAP_ERRORS {
        let path = fixture("keymaps", name);
        let text = std::fs::read_to_string(&path).unwrap();
        let err = Keymap::parse_changes(&text, &path, "default").unwrap_err();
        assert_eq!(err.to_string(), format!("{}:{expected}", path.display()));
    }
}

#[test]
fn broken_themes_give_their_exact_errors() {
    for (name, expected) in THEME_ERRORS {
        let path = fixture("themes", name);
        let text = std::fs::read_to_string(&path).unwrap();
        let err = Theme::parse_changes(&text, &path, "default").unwrap_err();
        assert_eq!(err.to_string(), format!("{}:{expected}", path.display()));
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ge-console"))
        .args(args)
        .env("GE_CONSOLE_CONFIG", dir.join("config"))
        .env("GE_CONSOLE_STATE", dir.join("state"))
        .env_remove("GE_CONSOLE_KEYMAP")
        .env_remove("GE_CONSOLE_THEME")
        .env_remove("KUBECONFIG")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// Exit 3, the one message on stderr, nothing on stdout (no alternate screen, no escapes).
fn assert_refused(o: &Output, message: &str) {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "stderr: {stderr}");
    assert!(o.stdout.is_empty(), "stdout: {:?}", o.stdout);
    assert_eq!(stderr, format!("ge-console: {message}\n"));
}

#[test]
fn the_binary_refuses_broken_files_before_touching_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    for (name, expected) in KEYMAP_ERRORS {
        let path = fixture("keymaps", name);
        let o = run(dir.path(), &["--keymap", path.to_str().unwrap(), "demo"]);
        assert_refused(&o, &format!("{}:{expected}", path.display()));
    }
    for (name, expected) in THEME_ERRORS {
        let path = fixture("themes", name);
        let o = run(dir.path(), &["demo", "--theme", path.to_str().unwrap()]);
        assert_refused(&o, &format!("{}:{expected}", path.display()));
    }
    // The console on real zones checks them first too, before the zones file or kubeconfig.
    let path = fixture("keymaps", "unknown-action.toml");
    let o = run(dir.path(), &["--keymap", path.to_str().unwrap()]);
    assert_refused(
        &o,
        &format!(
            "{}:7:1: unknown action \"fly\" in mode overview",
            path.display()
        ),
    );
}

#[test]
fn the_binary_finds_user_files_in_the_config_dir_and_refuses_unknown_names() {
    let dir = tempfile::tempdir().unwrap();
    let keymaps = dir.path().join("config/keymaps");
    std::fs::create_dir_all(&keymaps).unwrap();
    std::fs::create_dir_all(dir.path().join("config/themes")).unwrap();
    std::fs::copy(
        fixture("keymaps", "bound-twice.toml"),
        keymaps.join("pair.toml"),
    )
    .unwrap();
    let o = run(dir.path(), &["--keymap", "pair", "demo"]);
    assert_refused(
        &o,
        &format!(
            "{}:4:16: key \"f\" is bound twice in mode list (to first on line 3, and to last)",
            keymaps.join("pair.toml").display()
        ),
    );
    let o = run(dir.path(), &["--theme", "solarized", "demo"]);
    assert_refused(
        &o,
        &format!(
            "unknown theme \"solarized\": there is no {} and no shipped theme of that name \
             (shipped: default, light, high-contrast, basic16)",
            dir.path().join("config/themes/solarized.toml").display()
        ),
    );
    // A user keymap that only lists changes, found by name.
    std::fs::write(
        keymaps.join("mine.toml"),
        "extends = \"vim\"\n[list]\nunbind = [\"g g\"]\nfirst = [\"g\"]\n",
    )
    .unwrap();
    let o = run(dir.path(), &["--keymap", "mine", "keys"]);
    assert_eq!(o.status.code(), Some(0));
    let keys = String::from_utf8(o.stdout).unwrap();
    let first: Vec<&str> = keys
        .lines()
        .find(|l| l.contains(" first "))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(first[..2], ["g", "first"], "{keys}");
    assert!(keys.contains("ctrl-d"), "inherited from vim: {keys}");
}

#[test]
fn readme_key_table_is_generated_from_the_default_keymap() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let expected = markdown_table(&Keymap::default_map());
    let Some(actual) = readme_table(&readme) else {
        panic!(
            "README.md has no key table between {README_START} and {README_END}; add:\n\n\
             {README_START}\n{expected}{README_END}\n"
        );
    };
    assert!(
        actual == expected.trim_end(),
        "README.md's key table differs from keymaps/default.toml. Replace the lines between \
         {README_START} and {README_END} with (or run `ge-console keys --markdown`):\n\n{expected}"
    );
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["keys", "--markdown"]);
    assert_eq!(String::from_utf8(o.stdout).unwrap(), expected);
}

#[test]
fn readme_examples_of_user_files_parse() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let blocks: Vec<&str> = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .collect();
    let keymap = blocks
        .iter()
        .find(|b| b.contains("keymaps/mine.toml"))
        .expect("README shows a user keymap");
    let map = Keymap::parse_changes(keymap, Path::new("mine.toml"), "default").unwrap();
    let overview = [Mode::Overview, Mode::List, Mode::Global];
    let q = KeyChord::parse("q").unwrap();
    assert_eq!(
        map.resolve(&overview, &[q]),
        ge_console::ui::KeyResolution::Action(ge_console::ui::Action::Help)
    );
    let theme = blocks
        .iter()
        .find(|b| b.contains("themes/pair.toml"))
        .expect("README shows a user theme");
    let theme = Theme::parse_changes(theme, Path::new("pair.toml"), "default").unwrap();
    assert_eq!(
        theme.style(Role::Error),
        Theme::shipped("light").unwrap().style(Role::Error)
    );
}
