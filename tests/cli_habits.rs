//! Habits kubectl and k9s users bring: shell completions, `--version` with the commit,
//! `--help` naming environment variables, files and exit statuses, and `--readonly`.
//! These go through the library's command line (the binary's `main` only parses it), so they
//! do not depend on which binary sits in the target dir.

use std::path::Path;

use clap::{CommandFactory, Parser};
use clap_complete::Shell;

use ge_console::cli::{self, Cli};
use ge_console::config::{self, DEFAULT_ZONES_TOML, FleetConfig};

fn built_in_zones() -> FleetConfig {
    config::parse_zones(DEFAULT_ZONES_TOML, Path::new("<built-in zones>"))
        .expect("the built-in zones parse")
}

fn script(shell: Shell, fleet: &FleetConfig) -> String {
    let mut out = Vec::new();
    cli::write_completions(shell, fleet, &mut out);
    String::from_utf8(out).expect("completion scripts are UTF-8")
}

#[test]
fn every_shell_completes_subcommands_and_flags() {
    let fleet = built_in_zones();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let text = script(shell, &fleet);
        for word in [
            "snapshot",
            "restart",
            "rebuild",
            "demo",
            "keys",
            "completions",
            "read-only",
            "readonly",
            "color",
            "zone",
        ] {
            assert!(text.contains(word), "{shell}: {word:?} missing in:\n{text}");
        }
    }
}

/// clap_complete's elvish and PowerShell scripts complete subcommands and flags only, never
/// values; bash, zsh and fish also complete the zones (fish only as option values).
#[test]
fn bash_zsh_and_fish_complete_the_zone_names() {
    let fleet = built_in_zones();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let text = script(shell, &fleet);
        for word in [
            "dev",
            "staging",
            "production",
            "staging=ge-staging",
            "auto",
            "never",
        ] {
            assert!(text.contains(word), "{shell}: {word:?} missing in:\n{text}");
        }
    }
    // fish's script completes option values only, not positional arguments.
    for shell in [Shell::Bash, Shell::Zsh] {
        let text = script(shell, &fleet);
        assert!(
            text.contains("ge-agents/deployment/ge-executor"),
            "{shell}: the redeploy target is offered for restart:\n{text}"
        );
    }
}

#[test]
fn completion_offers_the_zones_files_zones_and_redeploy_target() {
    let toml = r#"
[[zones]]
id = 1
name = "lab"
environment = "development"
platform = "k3s"
owner = "me"
location = "desk"
context = "lab-ctx"
namespaces = ["ge-agents"]

[redeploy]
zone = "lab"
target = "ge-agents/deployment/ge-worker"
"#;
    let fleet = config::parse_zones(toml, Path::new("zones.toml")).expect("test zones parse");
    let cmd = cli::completion_command(&fleet);
    let restart = cmd
        .get_subcommands()
        .find(|c| c.get_name() == "restart")
        .expect("restart exists");
    let values = |name: &str| -> Vec<String> {
        restart
            .get_arguments()
            .find(|a| a.get_id() == name)
            .map(|a| {
                a.get_possible_values()
                    .iter()
                    .map(|v| v.get_name().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(values("zone"), ["lab"]);
    assert_eq!(values("target"), ["ge-agents/deployment/ge-worker"]);
    assert_eq!(values("confirm"), ["lab"]);
    let fish = script(Shell::Fish, &fleet);
    assert!(fish.contains("lab=lab-ctx"), "{fish}");
    assert!(!fish.contains("staging"), "only the file's zones: {fish}");
    // The parser itself stays open: any zone name still parses (and is checked later).
    let cli = Cli::try_parse_from(["ge-console", "restart", "other", "a/deployment/b"]);
    assert!(cli.is_ok());
}

#[test]
fn version_names_the_package_version_and_the_commit() {
    let version = Cli::command().render_version();
    let rest = version
        .strip_prefix(&format!("ge-console {} (", env!("CARGO_PKG_VERSION")))
        .unwrap_or_else(|| panic!("package version first: {version:?}"));
    let commit = rest
        .trim_end()
        .strip_suffix(')')
        .unwrap_or_else(|| panic!("commit in parentheses: {version:?}"));
    let hash = commit.strip_suffix("-dirty").unwrap_or(commit);
    assert!(
        commit == "unknown commit"
            || (hash.len() >= 7 && hash.bytes().all(|b| b.is_ascii_hexdigit())),
        "a short hash, maybe -dirty, or the fallback: {version:?}"
    );
}

#[test]
fn long_help_lists_environment_files_and_exit_statuses() {
    let help = Cli::command().render_long_help().to_string();
    for word in [
        "KUBECONFIG",
        "GE_CONSOLE_CONFIG",
        "GE_CONSOLE_STATE",
        "GE_CONSOLE_LOG",
        "XDG_CONFIG_HOME",
        "XDG_STATE_HOME",
        "NO_COLOR",
        "CLICOLOR_FORCE",
        "FORCE_COLOR",
        "TERM",
        "zones.toml",
        "keymaps/",
        "themes/",
        "audit.jsonl",
        "logs/ge-console.YYYY-MM-DD.log",
        "Exit status:",
    ] {
        assert!(help.contains(word), "{word:?} missing in --help:\n{help}");
    }
    for code in ["0  ", "1  ", "2  ", "3  ", "4  "] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(code)),
            "exit status {code:?} missing in --help:\n{help}"
        );
    }
    let short = Cli::command().render_help().to_string();
    assert!(short.contains("see --help"), "-h points to --help: {short}");
}

#[test]
fn readonly_is_read_only() {
    for flag in ["--readonly", "--read-only"] {
        let cli = Cli::try_parse_from(["ge-console", flag]).expect("parses");
        assert!(cli.global.read_only, "{flag}");
        let cli = Cli::try_parse_from(["ge-console", "snapshot", flag]).expect("parses");
        assert!(cli.global.read_only, "{flag} after a subcommand");
    }
    let cli = Cli::try_parse_from(["ge-console"]).expect("parses");
    assert!(!cli.global.read_only);
}

#[test]
fn color_flag_takes_auto_always_never() {
    use ge_console::cli::ColorWhen;
    let parse = |args: &[&str]| Cli::try_parse_from(args).map(|c| c.global.color);
    assert_eq!(parse(&["ge-console"]).ok(), Some(ColorWhen::Auto));
    assert_eq!(
        parse(&["ge-console", "--color", "never"]).ok(),
        Some(ColorWhen::Never)
    );
    assert_eq!(
        parse(&["ge-console", "demo", "--color=always"]).ok(),
        Some(ColorWhen::Always)
    );
    assert!(parse(&["ge-console", "--color", "sometimes"]).is_err());
}
