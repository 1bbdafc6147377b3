//! The console's one event loop: terminal input, model changes, the action runner's reports
//! and a tick are merged with `tokio::select!`; the screen is drawn only when something changed,
//! at most ~30 times a second. The tick is one second while idle (an idle console uses next to
//! no CPU) and [`BUSY_TICK`] while a build or one of our rollouts runs, so the spinner and the
//! elapsed times move.

use std::io::{self, Stdout};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream, KeyEventKind};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::{cursor, execute, queue, terminal};
use futures::StreamExt;
use ratatui::{Frame, Terminal};
use tokio::sync::mpsc;

use crate::actions::rebuild::BuildEvent;
use crate::actions::runner::{ActionEvent, ActionRunner};
use crate::cluster::{self, LoadedKubeconfig};
use crate::config::{FleetConfig, ZoneId};
use crate::fleet::health::ZoneSummary;
use crate::fleet::{Fleet, WorkloadKey, ZoneState};
use crate::ui::backend::ColorDepthBackend;
use crate::ui::color_depth::ColorDepth;
use crate::ui::{ActionSettings, Clock, Keymap, Theme, Ui, UiOptions, UiOutcome};

/// The shortest time between two frames (~30 frames per second).
const FRAME_INTERVAL: Duration = Duration::from_millis(33);
/// Model events applied in one go before the loop looks at input again.
const MAX_EVENTS_PER_BATCH: usize = 4096;
/// The tick while nothing runs: ages and "retry in" counters move once a second.
const IDLE_TICK: Duration = Duration::from_secs(1);
/// The tick while a build, a restart request or one of our rollouts runs.
pub const BUSY_TICK: Duration = Duration::from_millis(125);

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
}

/// Owns the terminal while the console runs and gives it back on drop, whatever happened
/// (a panic hook restores it too). Each frame is one synchronized update, so a terminal (or
/// tmux, for every client watching) shows whole frames only; ratatui sends only the cells that
/// changed, and clears the screen only when the size changed.
struct TerminalGuard {
    terminal: Terminal<ColorDepthBackend<Stdout>>,
    mouse: bool,
}

impl TerminalGuard {
    fn enter(depth: ColorDepth, mouse: bool) -> io::Result<Self> {
        let hook = std::panic::take_hook();
        let loop_thread = std::thread::current().id();
        std::panic::set_hook(Box::new(move |info| {
            // A panic in a spawned task (a watcher, a restart) is caught by tokio and the
            // console goes on drawing: only a panic of the event loop's own thread gives the
            // terminal back. Every panic is logged.
            tracing::error!(%info, "panic");
            if std::thread::current().id() == loop_thread {
                restore_terminal(mouse);
                hook(info);
            }
        }));
        terminal::enable_raw_mode()?;
        let mut stdout = io::stdout();
        let entered = execute!(stdout, EnterAlternateScreen).and_then(|()| {
            if mouse {
                execute!(stdout, EnableMouseCapture)?;
            }
            Terminal::new(ColorDepthBackend::new(stdout, depth))
        });
        match entered {
            Ok(terminal) => Ok(TerminalGuard { terminal, mouse }),
            Err(e) => {
                restore_terminal(mouse);
                Err(e)
            }
        }
    }

    /// Draws one frame inside a synchronized update.
    fn draw(&mut self, render: impl FnOnce(&mut Frame)) -> io::Result<()> {
        queue!(
            self.terminal.backend_mut().writer_mut(),
            BeginSynchronizedUpdate
        )?;
        let drawn = self.terminal.draw(render).map(drop);
        let ended = execute!(
            self.terminal.backend_mut().writer_mut(),
            EndSynchronizedUpdate
        );
        drawn.and(ended)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore_terminal(self.mouse);
    }
}

/// Gives the terminal back: mouse released, cursor shown, main screen, cooked mode.
fn restore_terminal(mouse: bool) {
    let mut stdout = io::stdout();
    if mouse {
        let _ = execute!(stdout, DisableMouseCapture);
    }
    let _ = execute!(
        stdout,
        EndSynchronizedUpdate,
        cursor::Show,
        LeaveAlternateScreen
    );
    if let Err(e) = terminal::disable_raw_mode() {
        eprintln!("ge-console: cannot restore the terminal: {e}");
    }
}

/// Runs the full-screen console until the user quits or a termination signal arrives.
pub async fn run_console(setup: ConsoleSetup) -> anyhow::Result<()> {
    let started = Instant::now();
    let (tx, mut rx) = mpsc::channel(4096);
    let _zone_tasks = cluster::spawn_fleet(&setup.fleet, &setup.kubeconfig, tx);
    let mut fleet = Fleet::new(&setup.fleet);
    let mut summaries: Vec<ZoneSummary> = fleet.zones.iter().map(ZoneSummary::of).collect();
    let (mut runner, mut action_events) = ActionRunner::new(
        setup.fleet.clone(),
        setup.kubeconfig.clone(),
        setup.state_dir,
        setup.options.read_only,
    );
    let mut ui = Ui::new(setup.keymap, setup.theme, setup.options);
    ui.set_action_settings(ActionSettings::from_config(&setup.fleet));

    let mut guard = TerminalGuard::enter(setup.color_depth, setup.mouse)?;
    let mut input = EventStream::new();
    let mut last_tick = Instant::now();
    let mut terminate = termination_signals()?;

    let mut screen_dirty = true;
    let mut model_dirty = false;
    let mut last_draw: Option<Instant> = None;
    let mut first_complete_frame_logged = false;
    // Our rollouts that ended since the last frame, logged once the frame shows them.
    let mut ended_unseen: Vec<(ZoneId, WorkloadKey)> = Vec::new();

    loop {
        let next_frame_at = last_draw.map_or_else(Instant::now, |t| t + FRAME_INTERVAL);
        let tick_period = if runner.busy().is_some() {
            BUSY_TICK
        } else {
            IDLE_TICK
        };
        let next_tick_at = last_tick + tick_period;
        // A rollout of ours that just ended is shown at once, not a frame interval later.
        let urgent = !ended_unseen.is_empty();
        if screen_dirty && (urgent || Instant::now() >= next_frame_at) {
            if model_dirty {
                summaries = fleet.zones.iter().map(ZoneSummary::of).collect();
                model_dirty = false;
            }
            let clock = Clock {
                instant: Instant::now(),
                wall: jiff::Timestamp::now(),
            };
            guard.draw(|frame| ui.draw_with_actions(frame, &fleet, &summaries, &runner, &clock))?;
            last_draw = Some(Instant::now());
            screen_dirty = false;
            for (zone, target) in ended_unseen.drain(..) {
                tracing::info!(%zone, %target, "rollout end on screen");
            }
            if !first_complete_frame_logged
                && fleet.zones.iter().all(|z| z.state() == ZoneState::Live)
            {
                first_complete_frame_logged = true;
                tracing::info!(
                    elapsed_ms = started.elapsed().as_millis(),
                    "first complete frame: every zone live"
                );
            }
        }
        tokio::select! {
            event = input.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    match ui.handle_key(key, &fleet) {
                        UiOutcome::Quit => break,
                        UiOutcome::Redraw => screen_dirty = true,
                        UiOutcome::Nothing => {}
                        UiOutcome::Request(request) => {
                            tracing::info!(?request, "action confirmed");
                            runner.request(request);
                            screen_dirty = true;
                        }
                    }
                }
                Some(Ok(Event::Mouse(mouse))) => {
                    if ui.handle_mouse(mouse, &fleet) == UiOutcome::Redraw {
                        screen_dirty = true;
                    }
                }
                Some(Ok(Event::Resize(..))) => screen_dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            // When every zone's tasks have ended (all not configured, say) the channel closes;
            // the console goes on showing them rather than quitting.
            Some(event) = rx.recv() => {
                fleet.apply(event);
                let mut applied = 1;
                while applied < MAX_EVENTS_PER_BATCH {
                    match rx.try_recv() {
                        Ok(event) => {
                            fleet.apply(event);
                            applied += 1;
                        }
                        Err(_) => break,
                    }
                }
                model_dirty = true;
                screen_dirty = true;
                ended_unseen.extend(runner.on_model_change(&fleet));
            }
            // The runner keeps a sender, so this channel stays open while the loop runs.
            Some(event) = action_events.recv() => {
                log_action_event(&event);
                let mut changed = runner.on_event(event, &fleet);
                while let Ok(event) = action_events.try_recv() {
                    log_action_event(&event);
                    changed |= runner.on_event(event, &fleet);
                }
                screen_dirty |= changed;
            }
            _ = tokio::time::sleep_until(next_tick_at.into()) => {
                last_tick = Instant::now();
                // Also judges rollouts that stopped sending events (their timeout).
                ended_unseen.extend(runner.on_model_change(&fleet));
                screen_dirty = true;
            }
            _ = tokio::time::sleep_until(next_frame_at.into()), if screen_dirty => {}
            _ = terminate.recv() => break,
        }
    }
    drop(guard);
    Ok(())
}

/// Logs the runner's reports that mark a step of an action.
fn log_action_event(event: &ActionEvent) {
    match event {
        ActionEvent::Build(BuildEvent::Finished(outcome)) => tracing::info!(
            status = %outcome.status.describe(),
            duration_ms = outcome.duration.as_millis(),
            lines = outcome.lines,
            "build finished"
        ),
        ActionEvent::Restarted { target, result, .. } => match result {
            Ok(receipt) => {
                tracing::info!(%target, generation = receipt.generation, "restart accepted")
            }
            Err(error) => tracing::info!(%target, %error, "restart not done"),
        },
        ActionEvent::Build(BuildEvent::Line { .. }) => {}
    }
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
