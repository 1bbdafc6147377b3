//! The console's one event loop: terminal input, model changes, the action runner's reports
//! and a tick are merged with `tokio::select!` and handed to the [`core::ConsoleCore`]; the
//! screen is drawn only when something changed, at most ~30 times a second. The tick is one
//! second while idle (an idle console uses next to no CPU) and [`core::BUSY_TICK`] while a
//! build or one of our rollouts runs.

pub mod checks;
pub mod core;
pub mod latency;
pub mod notify;
mod terminal;

use std::io;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::actions::ActionContext;
use crate::actions::guard::Guards;
use crate::clock::TimeSource;
use crate::cluster::{self, LoadedKubeconfig, ZoneClients};
use crate::config::FleetConfig;
use crate::fleet::Fleet;
use crate::ui::color_depth::ColorDepth;
use crate::ui::{Keymap, Theme, UiOptions, UiOutcome};
pub use core::BUSY_TICK;
use core::{ConsoleCore, CoreParts};
use terminal::TerminalGuard;

/// The shortest time between two frames (~30 frames per second).
const FRAME_INTERVAL: Duration = Duration::from_millis(33);
/// Model events applied in one go before the loop looks at input again.
const MAX_EVENTS_PER_BATCH: usize = 4096;
/// Action reports (log batches among them) applied in one go before the loop looks at input
/// again.
const MAX_ACTION_EVENTS_PER_BATCH: usize = 64;

/// Everything the console needs, checked before the terminal is touched.
pub struct ConsoleSetup {
    /// The zones, and what the action keys run (`[rebuild]`, `[redeploy]`).
    pub fleet: FleetConfig,
    /// The kubeconfig the zones connect through.
    pub kubeconfig: LoadedKubeconfig,
    /// Where the audit log and the build logs are written.
    pub state_dir: PathBuf,
    /// The keys.
    pub keymap: Keymap,
    /// The colours.
    pub theme: Theme,
    /// Start-up choices; `options.read_only` also makes the action runner refuse mutations.
    pub options: UiOptions,
    /// How colours are written (the theme is already mapped to it).
    pub color_depth: ColorDepth,
    /// Capture the mouse (`--mouse`); off, the terminal and tmux keep it.
    pub mouse: bool,
    /// The ports the Services are checked against (the team's ports file, or the built-in
    /// table).
    pub ports: crate::config::PortsSpec,
    /// Where `--trace-latency` writes the console's own event → frame and key → frame times.
    pub trace_latency: Option<PathBuf>,
}

/// Runs the full-screen console until the user quits or a termination signal arrives.
pub async fn run_console(setup: ConsoleSetup) -> anyhow::Result<()> {
    let (tx, mut model_events) = mpsc::channel(4096);
    let state_dir = setup.state_dir.clone();
    // One client per zone for the whole process: the watchers and the actions share it.
    let clients = ZoneClients::new(setup.kubeconfig);
    // A credential plugin that needs a person gets the terminal now, before the screen is ours.
    clients.log_in_where_needed(&setup.fleet.zones).await;
    let _zone_tasks = cluster::spawn_fleet_with(&setup.fleet, &clients, tx);
    let guards = Guards {
        console_read_only: setup.options.read_only,
    };
    let (mut core, mut action_events) = ConsoleCore::new(CoreParts {
        fleet: Fleet::new(&setup.fleet),
        actions: ActionContext::new(setup.fleet, clients, guards, setup.state_dir),
        keymap: setup.keymap,
        theme: setup.theme,
        options: setup.options,
        time: TimeSource::System,
    });

    // The runbook checks' inputs from outside the clusters, before the screen is ours.
    core.set_ports(setup.ports);
    match crate::actions::version_log::VersionLog::load(&state_dir) {
        Ok(log) => core.set_version_log(log),
        Err(error) => tracing::warn!(%error, "the version log could not be read"),
    }
    core.set_kubectl(crate::actions::kubectl_probe::probe_kubectl().await);

    // Inside tmux, escape sequences meant for the outer terminal (notifications) are wrapped.
    core.set_in_tmux(std::env::var_os("TMUX").is_some_and(|v| !v.is_empty()));

    let mut trace = match &setup.trace_latency {
        Some(path) => Some(latency::LatencyTrace::create(path).map_err(|e| {
            anyhow::anyhow!("cannot write the latency trace {}: {e}", path.display())
        })?),
        None => None,
    };
    let mut guard = TerminalGuard::enter(setup.color_depth, setup.mouse)?;
    let mut input = EventStream::new();
    let mut last_tick = Instant::now();
    let mut last_draw: Option<Instant> = None;
    let mut terminate = termination_signals()?;
    // A key's frame is drawn at once, not at the next frame interval: typing feels immediate,
    // and keys come at human speed, so the ~30 frames a second still hold for model changes.
    let mut key_waiting = false;

    loop {
        let next_frame_at = last_draw.map_or_else(Instant::now, |t| t + FRAME_INTERVAL);
        let next_tick_at = last_tick + core.tick_period();
        if core.needs_draw()
            && (key_waiting || core.frame_is_urgent() || Instant::now() >= next_frame_at)
        {
            let mut escapes = core.take_clipboard();
            escapes.extend(core.take_notifications());
            guard.draw(&escapes, |frame| {
                let area = frame.area();
                core.draw(frame.buffer_mut(), area);
            })?;
            let flushed = Instant::now();
            last_draw = Some(flushed);
            key_waiting = false;
            let written = trace.as_mut().map(|t| t.frame_flushed(flushed));
            if let Some(Err(error)) = written {
                // A full disk must not end the console: tracing stops, the console goes on.
                tracing::warn!(%error, "the latency trace cannot be written; tracing stops");
                trace = None;
            }
        }
        tokio::select! {
            // Input first: a key is handled before the next batch of model events, however
            // busy the zones are.
            biased;
            _ = terminate.recv() => break,
            event = input.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    if let Some(trace) = trace.as_mut() {
                        trace.key_read(Instant::now());
                    }
                    if core.on_key(key) == UiOutcome::Quit {
                        break;
                    }
                    key_waiting = true;
                }
                Some(Ok(Event::Mouse(mouse))) => {
                    core.on_mouse(mouse);
                }
                Some(Ok(Event::Resize(..))) => core.on_resize(),
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            // When every zone's tasks have ended (all not configured, say) the channel closes;
            // the console goes on showing them rather than quitting.
            Some(event) = model_events.recv() => {
                let mut batch = vec![event];
                while batch.len() < MAX_EVENTS_PER_BATCH {
                    match model_events.try_recv() {
                        Ok(event) => batch.push(event),
                        Err(_) => break,
                    }
                }
                let changed_read_at = core.on_fleet_events(batch);
                if let Some(trace) = trace.as_mut() {
                    for read_at in changed_read_at {
                        trace.model_read(read_at);
                    }
                }
            }
            // The runner keeps a sender, so this channel stays open while the loop runs.
            Some(event) = action_events.recv() => {
                core.on_action_event(event);
                // Bounded, so a flood of log batches never keeps the loop from a key or a frame.
                for _ in 1..MAX_ACTION_EVENTS_PER_BATCH {
                    match action_events.try_recv() {
                        Ok(event) => core.on_action_event(event),
                        Err(_) => break,
                    }
                }
            }
            _ = tokio::time::sleep_until(next_tick_at.into()) => {
                last_tick = Instant::now();
                core.on_tick();
            }
            _ = tokio::time::sleep_until(next_frame_at.into()), if core.needs_draw() => {}
        }
    }
    drop(guard);
    // The model is only data, and the process ends now: freeing 3 × 50,000 pods one string at a
    // time held the shell prompt back by a fifth of a second, so the OS takes it back instead.
    // Everything else the core runs ends as usual.
    std::mem::forget(core.into_fleet());
    Ok(())
}

/// SIGTERM, SIGHUP and SIGINT end the console cleanly (raw mode turns Ctrl-C into a key, so
/// SIGINT only comes from `kill`).
fn termination_signals() -> io::Result<mpsc::Receiver<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let (tx, rx) = mpsc::channel(1);
    for kind in [
        SignalKind::terminate(),
        SignalKind::hangup(),
        SignalKind::interrupt(),
    ] {
        let mut sig = signal(kind)?;
        let tx = tx.clone();
        tokio::spawn(async move {
            if sig.recv().await.is_some() {
                let _ = tx.send(()).await;
            }
        });
    }
    Ok(rx)
}
