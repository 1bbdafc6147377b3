//! The `ge-console` binary: parses the command line, checks every input before the terminal is
//! touched, then runs the console, the demo fleet or a snapshot.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use std::io::Write;

use ge_console::actions::ActionContext;
use ge_console::actions::guard::Guards;
use ge_console::app::{ConsoleSetup, run_console};
use ge_console::cli::{
    self, Cli, Command, CompletionsArgs, DemoArgs, EventsArgs, GlobalArgs, KeysArgs, SnapshotArgs,
    SnapshotFormat,
};
use ge_console::clock::TimeSource;
use ge_console::cluster::{self, LoadedKubeconfig, ZoneClients};
use ge_console::commands::{self, RebuildRequest, RestartRequest};
use ge_console::config::{self, DEFAULT_ZONES_TOML, Dirs, FleetConfig};
use ge_console::demo::{DemoFleet, DemoOptions};
use ge_console::fleet::WorkloadKey;
use ge_console::fleet::events::EventFilter;
use ge_console::ui::color_depth::ColorDepth;
use ge_console::ui::key_table;
use ge_console::ui::user_files::{Chosen, load_keymap, load_theme};
use ge_console::ui::{Keymap, Theme, UiOptions};
use ge_console::{logging, snapshot};

/// Exit status for input errors found before anything started.
const EXIT_BAD_INPUT: u8 = 3;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not errors; a command line that does not parse is bad
            // input like any other (3), not clap's 2, which snapshot uses for an unreachable zone.
            let code = if e.use_stderr() { EXIT_BAD_INPUT } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ge-console: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ge-console: {e:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let dirs = Dirs::from_env();
    let global = cli.global;
    match cli.command {
        None => {
            let look = load_look(&global, &dirs)?;
            let fleet = load_fleet(&global, &dirs)?;
            let kubeconfig = cluster::load_kubeconfig(global.kubeconfig.as_deref())?;
            check_overrides_exist(&global, &kubeconfig)?;
            cluster::check_contexts(&fleet, &kubeconfig)?;
            let setup = console_setup(&global, &dirs, fleet, kubeconfig, look);
            let log = logging::init(&dirs.state, &global.log_level)?;
            tracing::info!(log = %log, depth = %setup.color_depth, "console starting");
            run_console(setup).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Snapshot(args)) => {
            let fleet = load_fleet(&global, &dirs)?;
            let kubeconfig = cluster::load_kubeconfig(global.kubeconfig.as_deref())?;
            check_overrides_exist(&global, &kubeconfig)?;
            cluster::check_contexts(&fleet, &kubeconfig)?;
            let _log = logging::init(&dirs.state, &global.log_level)?;
            run_snapshot(&fleet, &kubeconfig, &args).await
        }
        Some(Command::Events(args)) => {
            let fleet = events_fleet(load_fleet(&global, &dirs)?, &args)?;
            let kubeconfig = cluster::load_kubeconfig(global.kubeconfig.as_deref())?;
            check_overrides_exist(&global, &kubeconfig)?;
            cluster::check_contexts(&fleet, &kubeconfig)?;
            let _log = logging::init(&dirs.state, &global.log_level)?;
            run_events(&fleet, &kubeconfig, &args).await
        }
        Some(Command::Demo(args)) => run_demo(&global, &dirs, args).await,
        Some(Command::Keys(args)) => print_keys(&global, &dirs, &args),
        Some(Command::Completions(args)) => print_completions(&global, &dirs, &args),
        Some(Command::Restart(args)) => {
            let fleet = load_fleet(&global, &dirs)?;
            let zone = fleet.find(&args.zone).ok_or_else(|| {
                let names: Vec<_> = fleet.zones.iter().map(|z| z.name.as_str()).collect();
                anyhow::anyhow!(
                    "there is no zone {:?}; the zones are {}",
                    args.zone,
                    names.join(", ")
                )
            })?;
            let target = WorkloadKey::parse(&args.target).ok_or_else(|| {
                anyhow::anyhow!(
                    "{:?} is not NAMESPACE/KIND/NAME with KIND deployment, statefulset or daemonset",
                    args.target
                )
            })?;
            let kubeconfig = cluster::load_kubeconfig(global.kubeconfig.as_deref())?;
            check_overrides_exist(&global, &kubeconfig)?;
            let _log = logging::init(&dirs.state, &global.log_level)?;
            let zone = zone.clone();
            let ctx = action_context(&global, &dirs, fleet, kubeconfig);
            let request = RestartRequest {
                zone: &zone,
                target,
                confirm: args.confirm.as_deref(),
                wait: args.wait.then(|| Duration::from_secs(args.timeout)),
            };
            let outcome = commands::restart(&ctx, request, &TimeSource::System).await;
            Ok(ExitCode::from(outcome.exit_code()))
        }
        Some(Command::Rebuild(args)) => {
            let fleet = load_fleet(&global, &dirs)?;
            let kubeconfig = if args.then_restart {
                let k = cluster::load_kubeconfig(global.kubeconfig.as_deref())?;
                check_overrides_exist(&global, &k)?;
                k
            } else {
                // The build alone reaches no cluster: no kubeconfig is read.
                LoadedKubeconfig {
                    kubeconfig: Default::default(),
                    origin: "<not needed>".into(),
                }
            };
            let _log = logging::init(&dirs.state, &global.log_level)?;
            let ctx = action_context(&global, &dirs, fleet, kubeconfig);
            let request = RebuildRequest {
                then_restart: args.then_restart,
                confirm: args.confirm.as_deref(),
                timeout: args.timeout.map(Duration::from_secs),
            };
            let outcome = commands::rebuild(&ctx, request, &TimeSource::System).await?;
            Ok(ExitCode::from(outcome.exit_code()))
        }
    }
}

/// The actions' shared door for a headless command: its own client cache, the guards of
/// `--read-only`, the audit log in the state dir.
fn action_context(
    global: &GlobalArgs,
    dirs: &Dirs,
    fleet: FleetConfig,
    kubeconfig: LoadedKubeconfig,
) -> ActionContext {
    ActionContext::new(
        fleet,
        ZoneClients::new(kubeconfig),
        Guards {
            console_read_only: global.read_only,
        },
        dirs.state.clone(),
    )
}

fn load_fleet(global: &GlobalArgs, dirs: &Dirs) -> anyhow::Result<FleetConfig> {
    let mut fleet = config::load_fleet_config(global.config.as_deref(), dirs)?;
    fleet
        .apply_overrides(&global.zones)
        .map_err(anyhow::Error::msg)?;
    Ok(fleet)
}

/// A context named explicitly with `--zone NAME=CONTEXT` must exist: that is a typo to fix now,
/// not a zone to show as "not configured".
fn check_overrides_exist(global: &GlobalArgs, kubeconfig: &LoadedKubeconfig) -> anyhow::Result<()> {
    let names = kubeconfig.context_names();
    for o in &global.zones {
        if !names.contains(&o.context) {
            anyhow::bail!(
                "--zone {}={}: the kubeconfig ({}) has no context {:?}; contexts there: {}",
                o.zone,
                o.context,
                kubeconfig.origin,
                o.context,
                names.join(", ")
            );
        }
    }
    Ok(())
}

/// The keymap and theme chosen with `--keymap`/`--theme`, read and checked before anything
/// starts, so a broken file ends in a message naming file and line, not a half-drawn screen.
struct Look {
    keymap: Chosen<Keymap>,
    theme: Chosen<Theme>,
}

fn load_look(global: &GlobalArgs, dirs: &Dirs) -> anyhow::Result<Look> {
    Ok(Look {
        keymap: load_keymap(global.keymap.as_deref(), &dirs.config)?,
        theme: load_theme(global.theme.as_deref(), &dirs.config)?,
    })
}

fn console_setup(
    global: &GlobalArgs,
    dirs: &Dirs,
    fleet: FleetConfig,
    kubeconfig: LoadedKubeconfig,
    look: Look,
) -> ConsoleSetup {
    let color_depth = ColorDepth::from_env(global.color.into());
    ConsoleSetup {
        fleet,
        kubeconfig,
        state_dir: dirs.state.clone(),
        keymap: look.keymap.value,
        theme: look.theme.value.for_depth(color_depth),
        options: UiOptions {
            read_only: global.read_only,
            keymap_name: look.keymap.name,
        },
        color_depth,
        mouse: global.mouse,
    }
}

/// `ge-console completions SHELL`: the completion script, with the zones of the zones file.
fn print_completions(
    global: &GlobalArgs,
    dirs: &Dirs,
    args: &CompletionsArgs,
) -> anyhow::Result<ExitCode> {
    let fleet = load_fleet(global, dirs)?;
    let mut out = std::io::stdout().lock();
    cli::write_completions(args.shell, &fleet, &mut out);
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `ge-console keys`: the active keymap as text, or as README's Markdown table.
fn print_keys(global: &GlobalArgs, dirs: &Dirs, args: &KeysArgs) -> anyhow::Result<ExitCode> {
    let keymap = load_keymap(global.keymap.as_deref(), &dirs.config)?.value;
    if args.markdown {
        print!("{}", key_table::markdown_table(&keymap));
    } else {
        print!("{}", key_table::text_table(&keymap));
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_snapshot(
    fleet: &FleetConfig,
    kubeconfig: &LoadedKubeconfig,
    args: &SnapshotArgs,
) -> anyhow::Result<ExitCode> {
    let model = snapshot::collect(fleet, kubeconfig, Duration::from_secs(args.timeout)).await;
    let report = snapshot::report(&model);
    match args.format {
        SnapshotFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        SnapshotFormat::Text => print!("{}", report.to_text()),
    }
    Ok(ExitCode::from(report.outcome().exit_code()))
}

/// The zones `events` names (all when none), with a window long enough for `--since`.
fn events_fleet(mut fleet: FleetConfig, args: &EventsArgs) -> anyhow::Result<FleetConfig> {
    if !args.zone_names.is_empty() {
        let mut chosen = Vec::new();
        for name in &args.zone_names {
            let zone = fleet.find(name).ok_or_else(|| {
                let names: Vec<_> = fleet.zones.iter().map(|z| z.name.as_str()).collect();
                anyhow::anyhow!(
                    "there is no zone {name:?}; the zones are {}",
                    names.join(", ")
                )
            })?;
            if !chosen.contains(zone) {
                chosen.push(zone.clone());
            }
        }
        fleet.zones = chosen;
    }
    if let Some(since) = args.since {
        fleet.events.window = fleet.events.window.max(since);
    }
    Ok(fleet)
}

async fn run_events(
    fleet: &FleetConfig,
    kubeconfig: &LoadedKubeconfig,
    args: &EventsArgs,
) -> anyhow::Result<ExitCode> {
    let filter = EventFilter {
        namespace: args.namespace.clone(),
        warnings_only: args.warnings,
        ..EventFilter::default()
    };
    let timeout = Duration::from_secs(args.timeout);
    let report = snapshot::events(fleet, kubeconfig, timeout, filter, args.since).await;
    for note in report.notes() {
        eprintln!("ge-console: {note}");
    }
    match args.format {
        SnapshotFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        SnapshotFormat::Text => print!("{}", report.to_text()),
    }
    Ok(ExitCode::from(report.exit_code()))
}

async fn run_demo(global: &GlobalArgs, dirs: &Dirs, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let look = if args.serve {
        None
    } else {
        Some(load_look(global, dirs)?)
    };
    let options = DemoOptions {
        pods_per_zone: args.pods_per_zone,
        churn_per_sec: args.churn,
        kubeconfig_out: args.kubeconfig_out,
        state_dir: dirs.state.clone(),
        ..DemoOptions::default()
    };
    let Some(look) = look else {
        let _log = logging::init(&dirs.state, &global.log_level)?;
        ge_console::demo::serve(options).await?;
        return Ok(ExitCode::SUCCESS);
    };
    // The demo always uses the built-in zones: their contexts are the ones the demo serves.
    let mut fleet =
        config::parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("<built-in zones>"))?;
    // An explicit --config still decides what the action keys run (its [rebuild] and
    // [redeploy] sections), so the redeploy flow can be tried on the demo with a real script.
    if let Some(path) = &global.config {
        let file = config::load_fleet_config(Some(path), dirs)?;
        let zone = file.redeploy.zone.as_deref().unwrap_or_default();
        if fleet.find(zone).is_none() {
            anyhow::bail!(
                "{}: redeploy zone {zone:?} is not one of the demo's zones (dev, staging, production)",
                path.display()
            );
        }
        fleet.rebuild = file.rebuild;
        fleet.redeploy = file.redeploy;
    }
    fleet
        .apply_overrides(&global.zones)
        .map_err(anyhow::Error::msg)?;
    let log = logging::init(&dirs.state, &global.log_level)?;
    let demo = DemoFleet::start(options).await?;
    let kubeconfig = cluster::load_kubeconfig(Some(demo.kubeconfig_path()))?;
    let setup = console_setup(global, dirs, fleet, kubeconfig, look);
    tracing::info!(log = %log, depth = %setup.color_depth, "demo console starting");
    let result = run_console(setup).await;
    demo.shutdown().await;
    result?;
    Ok(ExitCode::SUCCESS)
}
