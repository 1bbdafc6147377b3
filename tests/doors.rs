//! The rooms of the crate only connect through one-way doors (see the crate docs in lib.rs):
//! `cluster` feeds `fleet`, which `ui` draws; `actions` act on the fleet; `demo` is a fleet of
//! its own; `config` is read before anything starts. This test reads every file under src/
//! and fails when a file reaches through a wall: a `use crate::…`/`use super::…` item or an
//! inline `crate::room::…` path into a room its rules keep it out of.
//!
//! It reads the sources as text (no new dependency): comments, strings and character literals
//! are skipped, `use` trees are expanded (`use crate::{a::b, c::{d}}`, over several lines), and
//! `super::` is resolved against the file's module path, inline `mod name { … }` included.

use std::path::{Path, PathBuf};

/// Which of the crate's other modules a room may use.
enum Doors {
    /// Only these (besides the room itself).
    Only(&'static [&'static str]),
    /// Any but these.
    Not(&'static [&'static str]),
}

/// The rules, by the room a file is in. Rooms not listed (`logging`, and the top: `app`,
/// `commands`, `snapshot`, `cli`, lib.rs and main.rs) may use any room.
const RULES: &[(&str, Doors, &str)] = &[
    (
        "fleet",
        Doors::Not(&["cluster", "actions", "ui", "app", "commands"]),
        "fleet is plain data: it may not use cluster, actions, ui, app or commands",
    ),
    (
        "cluster",
        Doors::Not(&["actions", "ui", "app", "commands"]),
        "cluster only feeds the fleet: it may not use actions, ui, app or commands",
    ),
    (
        "config",
        Doors::Only(&["file_error", "suggest"]),
        "config is loaded before anything else: it may use only itself, file_error and suggest",
    ),
    (
        "actions",
        Doors::Not(&["ui", "app", "commands"]),
        "actions run without a screen: they may not use ui, app or commands",
    ),
    (
        "ui",
        Doors::Not(&["app", "commands"]),
        "ui draws and maps keys for the console's core: it may not use app or commands",
    ),
    (
        "clock",
        Doors::Only(&[]),
        "clock is a leaf every room may use: it uses no room",
    ),
    (
        "file_error",
        Doors::Only(&[]),
        "file_error is a leaf every room may use: it uses no room",
    ),
    (
        "suggest",
        Doors::Only(&[]),
        "suggest is a leaf every room may use: it uses no room",
    ),
    (
        "sanitize",
        Doors::Only(&[]),
        "sanitize is a leaf every room may use: it uses no room",
    ),
    (
        "heap",
        Doors::Only(&[]),
        "heap is a leaf the binary uses: it uses no room",
    ),
    (
        "demo",
        Doors::Not(&[
            "cluster", "fleet", "ui", "actions", "config", "app", "commands",
        ]),
        "demo is a stand-alone fake API server: it may not use cluster, fleet, ui, actions, \
         config, app or commands",
    ),
];

/// One path from a file into a room its rules keep it out of.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    /// The file, relative to the crate root (`src/fleet/mod.rs`).
    file: String,
    /// 1-based line of the path's room segment.
    line: usize,
    /// The path as written, `use` groups expanded (`crate::ui::Theme`).
    path: String,
    /// The rule it breaks.
    rule: &'static str,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {} ({})",
            self.file, self.line, self.path, self.rule
        )
    }
}

/// The module path of a file under src/: `src/fleet/health.rs` → `[fleet, health]`,
/// `src/fleet/mod.rs` → `[fleet]`, lib.rs and main.rs → `[]` (a crate root).
fn module_path(file: &str) -> Vec<String> {
    let rel = file.strip_prefix("src/").unwrap_or(file);
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut parts: Vec<String> = rel.split('/').map(str::to_string).collect();
    if matches!(parts.as_slice(), [only] if only == "lib" || only == "main") {
        return Vec::new();
    }
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Open,
    Close,
    Comma,
    Semi,
    Star,
    Other,
}

/// Splits source into the tokens that matter for paths, each with its 1-based line; comments,
/// string, byte-string, raw-string and character literals produce no tokens.
fn lex(src: &str) -> Vec<(Tok, usize)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    // Skips a quoted literal starting after its opening quote; returns the index after it.
    let skip_quoted = |mut i: usize, quote: char, line: &mut usize| {
        while i < chars.len() && chars[i] != quote {
            if chars[i] == '\\' {
                i += 1;
            }
            if chars.get(i) == Some(&'\n') {
                *line += 1;
            }
            i += 1;
        }
        i + 1
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if c == '"' {
            i = skip_quoted(i + 1, '"', &mut line);
        } else if c == '\'' {
            if at(i + 1) == '\\' || (at(i + 1) != '\0' && at(i + 2) == '\'') {
                // A character literal ('a', '"', '\n', '\u{7f}'); else a lifetime or label.
                i = skip_quoted(i + 1, '\'', &mut line);
            } else {
                out.push((Tok::Other, line));
                i += 1;
            }
        } else if is_word(c) {
            let start = i;
            while i < chars.len() && is_word(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let hashes = chars[i..].iter().take_while(|&&h| h == '#').count();
            if matches!(word.as_str(), "r" | "br" | "cr") && at(i + hashes) == '"' {
                // A raw string: r"…", r#"…"#, br##"…"##.
                i += hashes + 1;
                while i < chars.len() {
                    if chars[i] == '"'
                        && chars[i + 1..].iter().take_while(|&&h| h == '#').count() >= hashes
                    {
                        i += 1 + hashes;
                        break;
                    }
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            } else if word == "r" && hashes == 1 && is_word(at(i + 1)) {
                // A raw identifier (r#type): the identifier itself is lexed next.
                i += 1;
            } else if matches!(word.as_str(), "b" | "c") && at(i) == '"' {
                i = skip_quoted(i + 1, '"', &mut line);
            } else if word == "b" && at(i) == '\'' {
                i = skip_quoted(i + 1, '\'', &mut line);
            } else if c.is_ascii_digit() {
                out.push((Tok::Other, line));
            } else {
                out.push((Tok::Ident(word), line));
            }
        } else if c == ':' && at(i + 1) == ':' {
            out.push((Tok::PathSep, line));
            i += 2;
        } else {
            out.push((
                match c {
                    '{' => Tok::Open,
                    '}' => Tok::Close,
                    ',' => Tok::Comma,
                    ';' => Tok::Semi,
                    '*' => Tok::Star,
                    _ => Tok::Other,
                },
                line,
            ));
            i += 1;
        }
    }
    out
}

/// A path as written: its segments, each with its line.
type SegPath = Vec<(String, usize)>;

/// Expands the use tree starting at `toks[i]` below `prefix`; returns the index after it.
fn use_tree(
    toks: &[(Tok, usize)],
    mut i: usize,
    mut prefix: SegPath,
    out: &mut Vec<SegPath>,
) -> usize {
    loop {
        match toks.get(i) {
            Some((Tok::PathSep, _)) => i += 1,
            Some((Tok::Ident(name), line)) => {
                prefix.push((name.clone(), *line));
                i += 1;
                match toks.get(i) {
                    Some((Tok::PathSep, _)) => i += 1,
                    Some((Tok::Ident(kw), _)) if kw == "as" => {
                        out.push(prefix);
                        return i + 2;
                    }
                    _ => {
                        out.push(prefix);
                        return i;
                    }
                }
            }
            Some((Tok::Open, _)) => {
                i += 1;
                loop {
                    match toks.get(i) {
                        None => return i,
                        Some((Tok::Close, _)) => return i + 1,
                        Some((Tok::Comma, _)) => i += 1,
                        Some(_) => {
                            let next = use_tree(toks, i, prefix.clone(), out);
                            // Never stall on a token the tree grammar does not expect.
                            i = next.max(i + 1);
                        }
                    }
                }
            }
            Some((Tok::Star, _)) => {
                out.push(prefix);
                return i + 1;
            }
            _ => {
                if !prefix.is_empty() {
                    out.push(prefix);
                }
                return i;
            }
        }
    }
}

/// The top-level module a path names, with the line of the segment that names it, or None
/// for paths outside the crate (`std::…`, another crate) or relative to the current module.
fn room_of(module: &[String], path: &SegPath) -> Option<(String, usize)> {
    let (first, first_line) = path.first()?;
    let mut rest = path.iter().skip(1);
    match first.as_str() {
        "crate" => rest.next().map(|(s, l)| (s.clone(), *l)),
        "super" | "self" => {
            let mut base: Vec<String> = module.to_vec();
            if first == "super" {
                base.pop()?;
            }
            let mut line = *first_line;
            let mut rest = rest.peekable();
            while let Some((seg, l)) = rest.next_if(|(s, _)| s == "super" || s == "self") {
                if seg == "super" {
                    base.pop()?;
                }
                line = *l;
            }
            match base.first() {
                Some(room) => Some((room.clone(), line)),
                None => rest.next().map(|(s, l)| (s.clone(), *l)),
            }
        }
        _ => None,
    }
}

/// Notes the room a path enters, if it names one of the crate's modules.
fn record(module: &[String], path: SegPath, found: &mut Vec<(String, usize, String)>) {
    if let Some((room, line)) = room_of(module, &path) {
        let text: Vec<&str> = path.iter().map(|(s, _)| s.as_str()).collect();
        found.push((room, line, text.join("::")));
    }
}

/// Every path in a source file that leaves the crate's current module for another room (or
/// the same one), with the room it enters.
fn crate_paths(module: &[String], src: &str) -> Vec<(String, usize, String)> {
    let toks = lex(src);
    let mut found = Vec::new();
    // Inline modules (`mod tests { … }`) and the brace depth each one closes at.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut pending_mod: Option<String> = None;
    let mut i = 0;
    let here = |inline: &[(String, usize)]| -> Vec<String> {
        module
            .iter()
            .cloned()
            .chain(inline.iter().map(|(m, _)| m.clone()))
            .collect()
    };
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Ident(kw) if kw == "mod" => {
                pending_mod = match toks.get(i + 1) {
                    Some((Tok::Ident(name), _))
                        if matches!(toks.get(i + 2), Some((Tok::Open, _))) =>
                    {
                        Some(name.clone())
                    }
                    _ => None,
                };
                i += 1;
            }
            Tok::Open => {
                depth += 1;
                if let Some(name) = pending_mod.take() {
                    inline.push((name, depth));
                }
                i += 1;
            }
            Tok::Close => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Tok::Ident(kw) if kw == "use" => {
                let mut paths = Vec::new();
                i = use_tree(&toks, i + 1, Vec::new(), &mut paths);
                let module = here(&inline);
                for path in paths {
                    record(&module, path, &mut found);
                }
            }
            Tok::Ident(start)
                if matches!(start.as_str(), "crate" | "super" | "self")
                    && matches!(toks.get(i + 1), Some((Tok::PathSep, _))) =>
            {
                // An inline path: `crate::fleet::WorkloadKey::parse(…)`, `super::super::ui::X`.
                let mut path = vec![(start.clone(), toks[i].1)];
                i += 1;
                while let (Some((Tok::PathSep, _)), Some((Tok::Ident(seg), line))) =
                    (toks.get(i), toks.get(i + 1))
                {
                    path.push((seg.clone(), *line));
                    i += 2;
                }
                record(&here(&inline), path, &mut found);
            }
            _ => i += 1,
        }
    }
    found
}

/// The door rules broken by one file, given its path relative to the crate root.
fn check_source(file: &str, src: &str) -> Vec<Violation> {
    let module = module_path(file);
    let Some(own) = module.first() else {
        return Vec::new();
    };
    let Some((_, doors, rule)) = RULES.iter().find(|(room, _, _)| room == own) else {
        return Vec::new();
    };
    let mut out: Vec<Violation> = crate_paths(&module, src)
        .into_iter()
        .filter(|(room, _, _)| {
            room != own
                && match doors {
                    Doors::Only(allowed) => !allowed.contains(&room.as_str()),
                    Doors::Not(denied) => denied.contains(&room.as_str()),
                }
        })
        .map(|(_, line, path)| Violation {
            file: file.to_string(),
            line,
            path,
            rule,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The door rules broken anywhere under the crate's src/.
fn check_tree(root: &Path) -> Vec<Violation> {
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 10, "found only {files:?} under src/");
    files
        .iter()
        .flat_map(|path| {
            let rel = path.strip_prefix(root).unwrap();
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let src = std::fs::read_to_string(path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            check_source(&rel, &src)
        })
        .collect()
}

#[test]
fn rooms_only_use_the_doors_they_have() {
    let violations = check_tree(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(
        violations.is_empty(),
        "{} path(s) go through a wall between rooms:\n{}",
        violations.len(),
        violations
            .iter()
            .map(|v| format!("  {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The paths (as written) that `check_source` flags in `src`, read as `file`.
fn flagged(file: &str, src: &str) -> Vec<(usize, String)> {
    check_source(file, src)
        .into_iter()
        .map(|v| (v.line, v.path))
        .collect()
}

#[test]
fn checker_catches_a_plain_use_into_a_forbidden_room() {
    let src = "use std::fmt;\nuse crate::config::ZoneId;\nuse crate::cluster::X;\n";
    assert_eq!(
        flagged("src/fleet/health.rs", src),
        [(3, "crate::cluster::X".to_string())]
    );
    // The same line is fine in a room allowed to use cluster.
    assert!(flagged("src/ui/overview.rs", src).is_empty());
    assert!(flagged("src/app.rs", src).is_empty());
}

#[test]
fn checker_expands_grouped_and_multi_line_uses() {
    assert_eq!(
        flagged("src/actions/rollout.rs", "use crate::{fleet::A, ui::B};\n"),
        [(1, "crate::ui::B".to_string())]
    );
    let src = "pub use crate::{\n    fleet::{A, health::{B, C}},\n    config::ZoneId as Id,\n    \
               ui::{self, theme::{Role, Theme}},\n};\nfn f() {}\n";
    assert_eq!(
        flagged("src/actions/runner.rs", src),
        [
            (4, "crate::ui::self".to_string()),
            (4, "crate::ui::theme::Role".to_string()),
            (4, "crate::ui::theme::Theme".to_string()),
        ]
    );
    // config may use only the leaves: the group's other members are caught too.
    let src = "use crate::{file_error::FileError, suggest, sanitize::clean};\n";
    assert_eq!(
        flagged("src/config/zones.rs", src),
        [(1, "crate::sanitize::clean".to_string())]
    );
}

#[test]
fn checker_resolves_super_against_the_module_path() {
    // fleet::health → super::super is the crate root, so this is crate::ui.
    assert_eq!(
        flagged("src/fleet/health.rs", "use super::super::ui::Theme;\n"),
        [(1, "super::super::ui::Theme".to_string())]
    );
    // fleet (mod.rs) → super is already the crate root.
    assert_eq!(
        flagged(
            "src/fleet/mod.rs",
            "use super::{ui::Theme, config::ZoneId};\n"
        ),
        [(1, "super::ui::Theme".to_string())]
    );
    // Inside an inline module, super::super only climbs back to fleet: no wall crossed.
    let src = "mod tests {\n    use super::super::objects::PodInfo;\n    use super::*;\n}\n\
               fn f() { super::super::ui::draw(); }\n";
    assert_eq!(
        flagged("src/fleet/health.rs", src),
        [(5, "super::super::ui::draw".to_string())]
    );
}

#[test]
fn checker_catches_inline_paths() {
    let src = "fn f(z: &Zone) -> bool {\n    crate::actions::check_guards(z, &cfg).is_ok()\n}\n";
    assert_eq!(
        flagged("src/cluster/watch.rs", src),
        [(2, "crate::actions::check_guards".to_string())]
    );
    let src = "let key = crate::fleet::WorkloadKey::parse(s)?;\n";
    assert_eq!(
        flagged("src/config/zones.rs", src),
        [(1, "crate::fleet::WorkloadKey::parse".to_string())]
    );
    let src = "let s = <crate::config::ZoneId as Default>::default();\n";
    assert_eq!(
        flagged("src/demo/seed.rs", src),
        [(1, "crate::config::ZoneId".to_string())]
    );
}

#[test]
fn checker_ignores_comments_strings_and_its_own_room() {
    let src = r####"
// use crate::ui::Theme;
/// Drawn by [`crate::ui::Theme`].
//! crate::ui
/* crate::ui::draw() /* nested crate::ui */ still a comment crate::ui */
const A: &str = "use crate::ui::Theme;";
const B: &str = "escaped \" crate::ui::x \\";
const C: &str = r#"crate::ui "quoted" crate::ui"#;
const D: &[u8] = b"crate::ui";
const E: char = '"';
const F: char = '\'';
fn g<'a>(x: &'a str) -> &'a str { x }
pub(crate) fn h() { crate::fleet::health::check_pins(); }
pub(super) struct S;
use crate::fleet::{self, ZoneModel};
fn last() { crate::ui::draw(); }
"####;
    // Only the last line crosses the wall, and it is counted on its own line (the literals
    // and comments above did not throw the line count off).
    assert_eq!(
        flagged("src/fleet/report.rs", src),
        [(16, "crate::ui::draw".to_string())]
    );
}

#[test]
fn module_paths_follow_the_file_layout() {
    assert_eq!(module_path("src/fleet/health.rs"), ["fleet", "health"]);
    assert_eq!(module_path("src/fleet/mod.rs"), ["fleet"]);
    assert_eq!(module_path("src/app.rs"), ["app"]);
    assert!(module_path("src/lib.rs").is_empty());
    assert!(module_path("src/main.rs").is_empty());
}

#[test]
fn the_top_and_the_leaves_may_use_anything() {
    let src = "use crate::{cluster::A, fleet::B, ui::C, actions::D, config::E, demo::F};\n";
    for file in [
        "src/app.rs",
        "src/commands.rs",
        "src/snapshot.rs",
        "src/cli.rs",
        "src/main.rs",
        "src/lib.rs",
        "src/ui/mod.rs",
    ] {
        assert!(flagged(file, src).is_empty(), "{file}");
    }
}

#[test]
fn the_tree_scan_reads_real_paths() {
    // Guards against a scan that silently finds nothing: fleet/mod.rs does use config.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(root.join("src/fleet/mod.rs")).unwrap();
    let rooms: Vec<String> = crate_paths(&module_path("src/fleet/mod.rs"), &src)
        .into_iter()
        .map(|(room, _, _)| room)
        .collect();
    assert!(rooms.iter().any(|r| r == "config"), "{rooms:?}");
}
