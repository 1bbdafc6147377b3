//! Command-line interface: global flags and subcommands.

use std::io::Write;
use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::config::{FleetConfig, ZoneOverride};
use crate::ui::color_depth::ColorChoice;

/// `--version`: the package version and the git commit it was built from (`abc1234`,
/// `abc1234-dirty`, or `unknown commit` when built without a repository).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("GE_CONSOLE_GIT_COMMIT"),
    ")"
);

/// The end of `--help`: environment variables, files and exit statuses.
pub const AFTER_LONG_HELP: &str = "\
Environment:
  KUBECONFIG          kubeconfig files, ':'-separated, merged as kubectl does (--kubeconfig wins)
  GE_CONSOLE_CONFIG   the config dir (default: $XDG_CONFIG_HOME/ge-console, ~/.config/ge-console)
  GE_CONSOLE_STATE    the state dir (default: $XDG_STATE_HOME/ge-console, ~/.local/state/ge-console)
  XDG_CONFIG_HOME     base of the default config dir
  XDG_STATE_HOME      base of the default state dir
  GE_CONSOLE_KEYMAP   like --keymap
  GE_CONSOLE_THEME    like --theme
  GE_CONSOLE_LOG      log filter in RUST_LOG syntax (e.g. ge_console=debug,kube=info); wins over --log-level
  NO_COLOR            set and not empty: no colour (--color always still colours)
  CLICOLOR_FORCE      set and not empty: colour even without a terminal or with TERM=dumb
  FORCE_COLOR         the same as CLICOLOR_FORCE
  CLICOLOR            0: no colour
  TERM                dumb or unset: no colour; *256color*: 256 colours
  COLORTERM           truecolor or 24bit: 24-bit colour
  GE_DEMO_BUILD       the demo's simulated build: succeed (default), fail or hang
  GE_DEMO_BUILD_SECONDS
                      how long the demo's simulated build takes (default 6)

Files:
  <config dir>/zones.toml            the zones (else the built-in ones; see --config)
  <config dir>/keymaps/NAME.toml     your keymaps (--keymap NAME)
  <config dir>/themes/NAME.toml      your themes (--theme NAME)
  <state dir>/logs/ge-console.YYYY-MM-DD.log
                                     the log file, a new one each day, the last 7 kept;
                                     logs/ge-console.log links to today's
  <state dir>/audit.jsonl            every action, one JSON line each
  <state dir>/builds/                the image build logs
  <state dir>/saved-logs/            logs saved from the log pane
  <state dir>/demo-kubeconfig.yaml   the demo fleet's kubeconfig
  <state dir>/demo-registry.json     the demo's image registry: digests its simulated build pushed

Exit status:
  0  done; snapshot: every zone live and healthy
  1  snapshot: a zone live but a check failed; restart, rebuild, undo: failed or timed out;
     history: failed; logs: the server could not serve the log
  2  snapshot, events: a zone unreachable, unauthorised, not configured or lost
  3  bad input (command line, zones file, kubeconfig, keymap, theme), before anything started
  4  restart, rebuild, undo: refused by a guard (read-only, protected zone, paused deployment)
";

/// ge-console: GE's Kubernetes zones side by side, live.
#[derive(Debug, Parser)]
#[command(
    name = "ge-console",
    version = VERSION,
    about,
    long_about = None,
    after_help = "Environment variables, files and exit statuses: see --help.",
    after_long_help = AFTER_LONG_HELP
)]
pub struct Cli {
    /// Flags shared by every subcommand.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The subcommand; none runs the full-screen console.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags every subcommand accepts.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Kubeconfig file (default: $KUBECONFIG, which may list several files, else ~/.kube/config).
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// Zones file (default: zones.toml in the config dir, else the built-in zones).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Map a zone (name or id) to a kubeconfig context; repeatable.
    #[arg(long = "zone", global = true, value_name = "NAME=CONTEXT")]
    pub zones: Vec<ZoneOverride>,
    /// Observer mode: no mutations from this console.
    #[arg(long, global = true, visible_alias = "readonly")]
    pub read_only: bool,
    /// Log level for the log file in the state dir (error, warn, info, debug, trace).
    #[arg(long, global = true, value_name = "LEVEL", default_value = "info")]
    pub log_level: String,
    /// Keymap: shipped (default, vim), <config dir>/keymaps/NAME.toml, or a file.
    #[arg(
        long,
        global = true,
        value_name = "NAME|PATH",
        env = "GE_CONSOLE_KEYMAP"
    )]
    pub keymap: Option<String>,
    /// Theme: shipped (default, light, high-contrast, basic16), <config dir>/themes/NAME.toml,
    /// or a file.
    #[arg(
        long,
        global = true,
        value_name = "NAME|PATH",
        env = "GE_CONSOLE_THEME"
    )]
    pub theme: Option<String>,
    /// Mouse support: the wheel scrolls, a click focuses a zone (off: tmux keeps the mouse).
    #[arg(long, global = true)]
    pub mouse: bool,
    /// Colour: auto (NO_COLOR, CLICOLOR_FORCE/FORCE_COLOR, TERM and the terminal decide),
    /// always, never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// Write the console's own latency to FILE: per model change the time from reading its
    /// watch event to flushing the frame that shows it, per key from reading it to its frame
    /// (lines `model MICROS`, `key MICROS`; read by `cargo bench --bench scale -- latency`).
    #[arg(long, global = true, value_name = "FILE")]
    pub trace_latency: Option<PathBuf>,
}

/// `--color WHEN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour when the environment and the terminal allow it.
    Auto,
    /// Colour, whatever the environment says.
    Always,
    /// No colour.
    Never,
}

impl From<ColorWhen> for ColorChoice {
    fn from(when: ColorWhen) -> ColorChoice {
        match when {
            ColorWhen::Auto => ColorChoice::Auto,
            ColorWhen::Always => ColorChoice::Always,
            ColorWhen::Never => ColorChoice::Never,
        }
    }
}

/// What to run; the full-screen console when none is given.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// The console on the embedded demo fleet (or, with --serve, only the fleet).
    Demo(DemoArgs),
    /// Connect, wait until every reachable zone has synced, print the fleet once and exit.
    ///
    /// Exit status: 0 all zones live and healthy, 1 a zone live but a check failed,
    /// 2 a zone unreachable, unauthorised, not configured or lost, 3 bad configuration.
    Snapshot(SnapshotArgs),
    /// Rollout-restart a workload, like `kubectl rollout restart`, and optionally follow it.
    ///
    /// Exit status: 0 restarted (and, with --wait, rolled out), 1 failed or timed out,
    /// 3 bad input, 4 refused by a guard (read-only, protected zone, paused deployment).
    Restart(RestartArgs),
    /// Run the configured image build; with --then-restart, redeploy on success.
    ///
    /// Exit status as for restart; a failed build exits 1 and restarts nothing.
    Rebuild(RebuildArgs),
    /// Print a Deployment's rollout history (its revisions, from its ReplicaSets), like
    /// `kubectl rollout history`, with images, creation time and pods.
    ///
    /// Exit status: 0 printed, 1 failed (not found, forbidden, unreachable), 3 bad input.
    History(HistoryArgs),
    /// Roll a Deployment back to its previous revision (or --to-revision N), like
    /// `kubectl rollout undo`, and optionally follow the rollout.
    ///
    /// Exit status: 0 rolled back (or already at that revision; with --wait, rolled out),
    /// 1 failed or timed out (a revision not in the history too), 3 bad input, 4 refused by a
    /// guard (read-only, protected zone, paused deployment).
    Undo(UndoArgs),
    /// Print the active keymap's keys (see --keymap), as the help overlay lists them.
    Keys(KeysArgs),
    /// The demo zones' simulated image build (run by the demo's rebuild key).
    #[command(hide = true)]
    DemoBuild(DemoBuildArgs),
    /// Print a pod's log, or every pod's of a workload (each line prefixed with its pod),
    /// like `kubectl logs`; with -f, a workload's new pods join as they start.
    ///
    /// Exit status: 0 read to the end (or stopped with Ctrl-C), 1 the server could not serve
    /// the log (no container runtime, forbidden, pod gone, unknown container) or the zone
    /// could not be reached, 3 bad input.
    Logs(LogsArgs),
    /// Print the zones' recent Kubernetes events, merged newest first, and exit.
    ///
    /// Exit status: 0 printed, 2 a zone unreachable, unauthorised, not configured, lost or not
    /// synced in time (its events are missing), 3 bad input.
    Events(EventsArgs),
    /// Print a shell completion script (subcommands, flags, and the zone names and redeploy
    /// target of the zones file at the time it is made).
    ///
    /// bash: `ge-console completions bash > ~/.local/share/bash-completion/completions/ge-console`;
    /// zsh: `ge-console completions zsh > ~/.zfunc/_ge-console` (with ~/.zfunc in $fpath);
    /// fish: `ge-console completions fish > ~/.config/fish/completions/ge-console.fish`.
    Completions(CompletionsArgs),
}

/// `completions` arguments.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `keys` flags.
#[derive(Debug, Clone, Args)]
pub struct KeysArgs {
    /// Print the Markdown table README.md carries between its keys markers.
    #[arg(long)]
    pub markdown: bool,
}

/// `restart` arguments.
#[derive(Debug, Clone, Args)]
pub struct RestartArgs {
    /// The zone's name or id.
    pub zone: String,
    /// The workload, as NAMESPACE/KIND/NAME (e.g. ge-agents/deployment/ge-executor).
    pub target: String,
    /// Follow the rollout until it succeeds, fails or times out.
    #[arg(long)]
    pub wait: bool,
    /// Seconds the rollout may take with --wait.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub timeout: u64,
    /// The zone's name, required for a protected zone (instead of the typed prompt).
    #[arg(long, value_name = "ZONE_NAME")]
    pub confirm: Option<String>,
}

/// `history` arguments.
#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// The zone's name or id.
    pub zone: String,
    /// The Deployment, as NAMESPACE/deployment/NAME (e.g. ge-agents/deployment/ge-executor).
    pub target: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
}

/// `history --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// A table for people, newest revision first.
    Text,
    /// One JSON document for scripts: zone, deployment and revisions.
    Json,
}

/// `undo` arguments.
#[derive(Debug, Clone, Args)]
pub struct UndoArgs {
    /// The zone's name or id.
    pub zone: String,
    /// The Deployment, as NAMESPACE/deployment/NAME (e.g. ge-agents/deployment/ge-executor).
    pub target: String,
    /// The revision to go back to (default: the previous one), as `history` numbers them.
    #[arg(long, value_name = "N")]
    pub to_revision: Option<i64>,
    /// Follow the rollout until it succeeds, fails or times out.
    #[arg(long)]
    pub wait: bool,
    /// Seconds the rollout may take with --wait.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub timeout: u64,
    /// The zone's name, required for a protected zone (instead of the typed prompt).
    #[arg(long, value_name = "ZONE_NAME")]
    pub confirm: Option<String>,
}

/// `logs` arguments.
#[derive(Debug, Clone, Args)]
pub struct LogsArgs {
    /// The zone's name or id.
    pub zone: String,
    /// NAMESPACE/pod/NAME, or a workload as NAMESPACE/KIND/NAME (all its pods).
    pub target: String,
    /// The container (default: the pod's default container, or its only one).
    #[arg(short = 'c', long, value_name = "CONTAINER")]
    pub container: Option<String>,
    /// Only the last N lines of each pod.
    #[arg(long, value_name = "N")]
    pub tail: Option<i64>,
    /// Only lines written in this last stretch of time (10m, 1h30m, 45s).
    #[arg(long, value_name = "DURATION", value_parser = parse_since)]
    pub since: Option<std::time::Duration>,
    /// The previous, terminated instance of the container.
    #[arg(short = 'p', long)]
    pub previous: bool,
    /// Keep following (a workload's new pods join; Ctrl-C stops).
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Start each line with the time it was written.
    #[arg(long)]
    pub timestamps: bool,
}

/// `rebuild` arguments.
#[derive(Debug, Clone, Args)]
pub struct RebuildArgs {
    /// After a successful build, restart the redeploy target and follow its rollout.
    #[arg(long)]
    pub then_restart: bool,
    /// Seconds the rollout may take.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// The zone's name, required when the redeploy zone is protected.
    #[arg(long, value_name = "ZONE_NAME")]
    pub confirm: Option<String>,
}

/// `demo` flags.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Serve the fleet without the console, until Ctrl-C, for kubectl and other clients.
    #[arg(long)]
    pub serve: bool,
    /// Where to write the demo kubeconfig (default: demo-kubeconfig.yaml in the state dir).
    #[arg(long, value_name = "PATH")]
    pub kubeconfig_out: Option<PathBuf>,
    /// Extra pods per zone, in the --load-namespace namespace.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub pods_per_zone: usize,
    /// The namespace of the --pods-per-zone pods: ge-load is watched by no zone; a GE
    /// namespace such as ge-agents puts them in front of the console.
    #[arg(long, value_name = "NS", default_value = crate::demo::DEFAULT_LOAD_NAMESPACE)]
    pub load_namespace: String,
    /// Pod status/label updates per second across the fleet.
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub churn: f64,
    /// The share (0 to 1) of --churn updates that also count a container restart, which the
    /// console shows; the others move only a label and a probe time.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    pub churn_restarts: f64,
    /// Log lines per second of each pod of a busy workload (ge-executor, orchestrator);
    /// quieter pods write a fraction of it.
    #[arg(long, value_name = "LINES", default_value_t = crate::demo::DEFAULT_LOG_LINES_PER_SEC)]
    pub log_rate: f64,
}

/// `demo-build` flags: what the simulated build makes and how it goes.
#[derive(Debug, Clone, Args)]
pub struct DemoBuildArgs {
    /// The image to build and push.
    #[arg(long, value_name = "IMAGE", default_value = crate::demo::build::DEFAULT_IMAGE)]
    pub image: String,
    /// Roughly how long the build takes.
    #[arg(
        long,
        value_name = "SECS",
        env = "GE_DEMO_BUILD_SECONDS",
        default_value_t = 6.0
    )]
    pub seconds: f64,
    /// How it ends: succeed, fail (a broken step), hang (until cancelled).
    #[arg(long, value_enum, env = "GE_DEMO_BUILD", default_value = "succeed")]
    pub outcome: crate::demo::build::Outcome,
    /// The demo registry file to push to (default: demo-registry.json in the state dir).
    #[arg(long, value_name = "PATH", env = "GE_DEMO_REGISTRY")]
    pub registry: Option<PathBuf>,
}

/// `snapshot` flags.
#[derive(Debug, Clone, Args)]
pub struct SnapshotArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = SnapshotFormat::Text)]
    pub format: SnapshotFormat,
    /// Seconds to wait for zones to sync.
    #[arg(long, value_name = "SECS", default_value_t = 20)]
    pub timeout: u64,
}

/// `events` arguments.
#[derive(Debug, Clone, Args)]
pub struct EventsArgs {
    /// Zones (names or ids) whose events to print; all zones when none is named.
    #[arg(value_name = "ZONE")]
    pub zone_names: Vec<String>,
    /// Only events in this namespace.
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Only Warning events.
    #[arg(long)]
    pub warnings: bool,
    /// Only events last seen this recently: 90s, 30m, 1h (default: the [events] window).
    #[arg(long, value_name = "DURATION", value_parser = parse_since)]
    pub since: Option<std::time::Duration>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SnapshotFormat::Text)]
    pub format: SnapshotFormat,
    /// Seconds to wait for zones to sync.
    #[arg(long, value_name = "SECS", default_value_t = 20)]
    pub timeout: u64,
}

/// `--since` of `logs` and `events`: a duration as people write it (`45s`, `10m`, `1h30m`).
fn parse_since(text: &str) -> Result<std::time::Duration, String> {
    crate::config::parse_duration(text)
}

/// `snapshot --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SnapshotFormat {
    /// Lines for people, one block per zone.
    Text,
    /// One JSON document for scripts (its fields are documented in README).
    Json,
}

/// The command line as the completion scripts see it: [`Cli`], with the zone names of `fleet`
/// offered for `--zone`, `restart ZONE` and `--confirm`, and its redeploy target for
/// `restart`'s `NAMESPACE/KIND/NAME`. Shell scripts are static, so these are the zones of the
/// zones file when the script is made.
pub fn completion_command(fleet: &FleetConfig) -> clap::Command {
    let zone_names = || {
        fleet.zones.iter().map(|z| {
            PossibleValue::new(z.name.clone()).help(format!(
                "{}, {}, context {}",
                z.id, z.environment, z.context
            ))
        })
    };
    let zone_mappings = fleet.zones.iter().map(|z| {
        PossibleValue::new(format!("{}={}", z.name, z.context))
            .help(format!("{} ({}) to a context", z.id, z.environment))
    });
    let zones_parser = PossibleValuesParser::new(zone_names());
    let mut targets: Vec<PossibleValue> = Vec::new();
    if !fleet.redeploy.target.is_empty() {
        targets.push(PossibleValue::new(fleet.redeploy.target.clone()).help("the redeploy target"));
    }
    let targets = PossibleValuesParser::new(targets);
    Cli::command()
        .mut_arg("zones", |a| {
            a.value_parser(PossibleValuesParser::new(zone_mappings))
        })
        .mut_subcommand("restart", |c| {
            c.mut_arg("zone", |a| a.value_parser(zones_parser.clone()))
                .mut_arg("target", |a| a.value_parser(targets))
                .mut_arg("confirm", |a| a.value_parser(zones_parser.clone()))
        })
        .mut_subcommand("logs", |c| {
            c.mut_arg("zone", |a| a.value_parser(zones_parser.clone()))
        })
        .mut_subcommand("events", |c| {
            c.mut_arg("zone_names", |a| a.value_parser(zones_parser.clone()))
        })
        .mut_subcommand("rebuild", |c| {
            c.mut_arg("confirm", |a| {
                a.value_parser(PossibleValuesParser::new(zone_names()))
            })
        })
        .mut_subcommand("history", |c| {
            c.mut_arg("zone", |a| {
                a.value_parser(PossibleValuesParser::new(zone_names()))
            })
        })
        .mut_subcommand("undo", |c| {
            c.mut_arg("zone", |a| {
                a.value_parser(PossibleValuesParser::new(zone_names()))
            })
            .mut_arg("confirm", |a| {
                a.value_parser(PossibleValuesParser::new(zone_names()))
            })
        })
}

/// Writes the completion script for `shell` to `out`.
pub fn write_completions(shell: clap_complete::Shell, fleet: &FleetConfig, out: &mut dyn Write) {
    let mut cmd = completion_command(fleet);
    clap_complete::generate(shell, &mut cmd, "ge-console", out);
}
