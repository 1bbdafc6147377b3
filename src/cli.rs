//! Command-line interface: global flags and subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::ZoneOverride;

/// ge-console: GE's Kubernetes zones side by side, live.
#[derive(Debug, Parser)]
#[command(name = "ge-console", version, about, long_about = None)]
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
    #[arg(long, global = true)]
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
    /// Print the active keymap's keys (see --keymap), as the help overlay lists them.
    Keys(KeysArgs),
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
    /// Extra pods per zone, in a ge-load namespace.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub pods_per_zone: usize,
    /// Pod status/label updates per second across the fleet.
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub churn: f64,
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

/// `snapshot --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SnapshotFormat {
    /// Lines for people, one block per zone.
    Text,
    /// One JSON document for scripts (its fields are documented in README).
    Json,
}
