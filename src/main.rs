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
    self, Cli, Command, CompletionsArgs, DemoArgs, EventsArgs, GlobalArgs, KeysArgs, LogsArgs,
    SnapshotArgs, SnapshotFormat,
};
use ge_console::clock::TimeSource;
use ge_console::cluster::{self, LoadedKubeconfig, ZoneClients};
use ge_console::commands::{self, RebuildRequest, RestartRequest, UndoRequest};
use ge_console::config::{self, DEFAULT_ZONES_TOML, Dirs, FleetConfig, RebuildConfig};
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
    ge_console::heap::tune_allocator();
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
            let ports = config::load_ports(&fleet.checks, fleet.rebuild.workdir.as_deref())?;
            let setup = console_setup(&global, &dirs, fleet, kubeconfig, look, ports);
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
            let ports = config::load_ports(&fleet.checks, fleet.rebuild.workdir.as_deref())?;
            let _log = logging::init(&dirs.state, &global.log_level)?;
            run_snapshot(&fleet, &kubeconfig, &args, &ports, &dirs.state).await
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
        Some(Command::DemoBuild(args)) => {
            let options = ge_console::demo::build::BuildOptions {
                image: args.image,
                seconds: args.seconds,
                outcome: args.outcome,
                registry: args
                    .registry
                    .unwrap_or_else(|| dirs.state.join(ge_console::demo::REGISTRY_FILE)),
            };
            Ok(ExitCode::from(ge_console::demo::build::run(options).await))
        }
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
        Some(Command::History(args)) => {
            let fleet = load_fleet(&global, &dirs)?;
            let (zone, target) = zone_and_deployment(&fleet, &args.zone, &args.target)?;
            let kubeconfig = cluster::load_kubeconfig(global.kubeconfig.as_deref())?;
            check_overrides_exist(&global, &kubeconfig)?;
            let _log = logging::init(&dirs.state, &global.log_level)?;
            let ctx = action_context(&global, &dirs, fleet, kubeconfig);
            let outcome = commands::history(&ctx, &zone, &target, args.format).await;
            Ok(ExitCode::from(outcome.exit_code()))
        }
        Some(Command::Undo(args)) => {
            let fleet = load_fleet(&global, &dirs)?;
            let (zone, target) = zone_and_deployment(&fleet, &args.zone, &args.target)?;
            let kubeconfig = cluster::load_kubeconfig(global.kubeconfig.as_deref())?;
            check_overrides_exist(&global, &kubeconfig)?;
            let _log = logging::init(&dirs.state, &global.log_level)?;
            let ctx = action_context(&global, &dirs, fleet, kubeconfig);
            let request = UndoRequest {
                zone: &zone,
                target,
                to_revision: args.to_revision,
                confirm: args.confirm.as_deref(),
                wait: args.wait.then(|| Duration::from_secs(args.timeout)),
            };
            let outcome = commands::undo(&ctx, request, &TimeSource::System).await;
            Ok(ExitCode::from(outcome.exit_code()))
        }
        Some(Command::Logs(args)) => run_logs(&global, &dirs, args).await,
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

/// The zone named `zone` and the Deployment `target` (`NAMESPACE/deployment/NAME`) of
/// `history` and `undo`; anything else is bad input, said before anything starts.
fn zone_and_deployment(
    fleet: &FleetConfig,
    zone: &str,
    target: &str,
) -> anyhow::Result<(config::ZoneConfig, WorkloadKey)> {
    let found = fleet.find(zone).ok_or_else(|| {
        let names: Vec<_> = fleet.zones.iter().map(|z| z.name.as_str()).collect();
        anyhow::anyhow!(
            "there is no zone {zone:?}; the zones are {}",
            names.join(", ")
        )
    })?;
    let key = WorkloadKey::parse(target)
        .filter(|k| k.kind == ge_console::fleet::WorkloadKind::Deployment)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{target:?} is not NAMESPACE/deployment/NAME: only Deployments keep a rollout history"
            )
        })?;
    Ok((found.clone(), key))
}

/// `ge-console logs`: checks the zone and the target, then prints the log.
async fn run_logs(global: &GlobalArgs, dirs: &Dirs, args: LogsArgs) -> anyhow::Result<ExitCode> {
    use ge_console::actions::logs::{LogOrder, LogSettings, LogSubject};
    let fleet = load_fleet(global, dirs)?;
    let zone = fleet
        .find(&args.zone)
        .ok_or_else(|| {
            let names: Vec<_> = fleet.zones.iter().map(|z| z.name.as_str()).collect();
            anyhow::anyhow!(
                "there is no zone {:?}; the zones are {}",
                args.zone,
                names.join(", ")
            )
        })?
        .clone();
    let subject = LogSubject::parse(&args.target).ok_or_else(|| {
        anyhow::anyhow!(
            "{:?} is not NAMESPACE/KIND/NAME with KIND pod, deployment, statefulset or daemonset",
            args.target
        )
    })?;
    if args.tail.is_some_and(|n| n < 0) {
        anyhow::bail!("--tail must be 0 or more");
    }
    let kubeconfig = cluster::load_kubeconfig(global.kubeconfig.as_deref())?;
    check_overrides_exist(global, &kubeconfig)?;
    let _log = logging::init(&dirs.state, &global.log_level)?;
    let ctx = action_context(global, dirs, fleet, kubeconfig);
    let order = LogOrder {
        zone: zone.id,
        subject,
        settings: LogSettings {
            container: args.container,
            follow: args.follow,
            previous: args.previous,
            tail: args.tail,
            since_seconds: args
                .since
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX).max(1)),
            timestamps: args.timestamps,
        },
    };
    let outcome = commands::logs::logs(&ctx, &zone, order).await;
    Ok(ExitCode::from(outcome.exit_code()))
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
    ports: config::PortsSpec,
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
        ports,
        trace_latency: global.trace_latency.clone(),
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
    ports: &config::PortsSpec,
    state_dir: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let (model, kubectl) = tokio::join!(
        snapshot::collect(fleet, kubeconfig, Duration::from_secs(args.timeout)),
        ge_console::actions::kubectl_probe::probe_kubectl(),
    );
    let now = jiff::Timestamp::now();
    // What this run saw joins the log of version changes, as the console's would.
    let observations = match ge_console::actions::version_log::VersionLog::load(state_dir) {
        Ok(mut log) => {
            if let Err(error) = log.observe(&model, now) {
                tracing::warn!(%error, "the version log could not be written");
            }
            log.observations().to_vec()
        }
        Err(error) => {
            tracing::warn!(%error, "the version log could not be read");
            Vec::new()
        }
    };
    let report = snapshot::report_checked(&model, fleet, now, &kubectl, &observations, ports);
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
        load_namespace: args.load_namespace,
        churn_per_sec: args.churn,
        churn_restart_share: args.churn_restarts,
        log_lines_per_sec: args.log_rate,
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
    // Without a [rebuild] section of its own, the demo builds with the simulated build.
    let own_rebuild = match &global.config {
        Some(path) => has_rebuild_section(path)?,
        None => false,
    };
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
    if fleet.promotion.records.is_empty() {
        fleet.promotion.records = config::demo_promotion_records(jiff::Timestamp::now());
    }
    let log = logging::init(&dirs.state, &global.log_level)?;
    let demo = DemoFleet::start(options).await?;
    if !own_rebuild {
        fleet.rebuild = simulated_rebuild(&fleet, &demo);
    }
    let kubeconfig = cluster::load_kubeconfig(Some(demo.kubeconfig_path()))?;
    let ports = config::load_ports(&fleet.checks, fleet.rebuild.workdir.as_deref())?;
    let setup = console_setup(global, dirs, fleet, kubeconfig, look, ports);
    tracing::info!(log = %log, depth = %setup.color_depth, "demo console starting");
    let result = run_console(setup).await;
    demo.shutdown().await;
    result?;
    Ok(ExitCode::SUCCESS)
}

/// Whether a zones file has a `[rebuild]` section of its own (the file was checked already).
fn has_rebuild_section(path: &std::path::Path) -> anyhow::Result<bool> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(table.contains_key("rebuild"))
}

/// The demo's build: this binary's hidden `demo-build`, naming the image the redeploy target
/// runs in its zone and pushing to the demo's registry file (`GE_DEMO_REGISTRY`), where the
/// demo's kubelets find the new digest for the pods the restart creates.
fn simulated_rebuild(fleet: &FleetConfig, demo: &DemoFleet) -> RebuildConfig {
    let program = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "ge-console".into());
    let mut argv = vec![program, "demo-build".to_string()];
    let zone = fleet.find(fleet.redeploy.zone.as_deref().unwrap_or_default());
    let image = zone
        .zip(WorkloadKey::parse(&fleet.redeploy.target))
        .and_then(|(zone, key)| {
            demo.workload_image(&zone.context, key.kind.as_str(), &key.namespace, &key.name)
        });
    if let Some(image) = image {
        argv.extend(["--image".to_string(), image]);
    }
    RebuildConfig {
        argv,
        workdir: None,
        env: [(
            "GE_DEMO_REGISTRY".to_string(),
            demo.registry_path().display().to_string(),
        )]
        .into(),
        ..RebuildConfig::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_rebuild_section_of_its_own_keeps_the_demo_from_the_simulated_build() {
        let dir = tempfile::tempdir().unwrap();
        let with = dir.path().join("with.toml");
        std::fs::write(&with, "[rebuild]\nargv = [\"make\"]\n").unwrap();
        let without = dir.path().join("without.toml");
        std::fs::write(&without, "[redeploy]\nzone = \"dev\"\n").unwrap();
        assert!(has_rebuild_section(&with).unwrap());
        assert!(!has_rebuild_section(&without).unwrap());
        assert!(has_rebuild_section(&dir.path().join("missing.toml")).is_err());
    }
}
