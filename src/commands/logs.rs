//! `ge-console logs`: the log pane's sessions without a screen. The same [`LogDesk`] and
//! followers as the console's log pane; for a workload (or a followed pod) a watch of the
//! zone feeds the desk the pods, so new pods join and gone ones are marked as on screen.
//! The log's lines go to stdout (a workload's prefixed `[pod] `), the notes (a pod joined, went
//! away, its stream ended) and failures to stderr.

use std::time::Duration;

use tokio::sync::mpsc;

use super::CommandOutcome;
use crate::actions::ActionContext;
use crate::actions::log_buffer::LineKind;
use crate::actions::logs::{LogDesk, LogOrder, LogSession, LogSubject, StreamState, saved_line};
use crate::cluster;
use crate::config::{FleetConfig, ZoneConfig};
use crate::fleet::{Fleet, ZoneState};

/// How long a workload's zone may take to list its pods before the command gives up.
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(20);

/// `ge-console logs`: prints the log of `order` until it ends (or Ctrl-C with `-f`).
pub async fn logs(ctx: &ActionContext, zone: &ZoneConfig, order: LogOrder) -> CommandOutcome {
    let (mut desk, mut reports) = LogDesk::new(ctx.config.logs.keep_lines);
    let workload = matches!(order.subject, LogSubject::Workload(_));
    let follow = order.settings.follow;
    let one_zone = FleetConfig {
        zones: vec![zone.clone()],
        ..ctx.config.clone()
    };
    let (tx, mut model) = mpsc::channel(4096);
    let _watch =
        (workload || follow).then(|| cluster::spawn_fleet_with(&one_zone, &ctx.clients, tx));
    let mut fleet = Fleet::new(&one_zone);
    desk.open(order, ctx);
    let mut synced = !workload;
    let sync_deadline = tokio::time::Instant::now() + SYNC_TIMEOUT;
    let mut printed = 0u64;
    let mut interrupted = Box::pin(tokio::signal::ctrl_c());
    loop {
        tokio::select! {
            Some(event) = model.recv() => {
                fleet.apply(event);
                while let Ok(event) = model.try_recv() {
                    fleet.apply(event);
                }
                desk.observe(&fleet, ctx);
                if fleet.zones.first().is_some_and(|z| z.state() == ZoneState::Live) {
                    synced = true;
                }
            }
            Some(report) = reports.recv() => {
                desk.on_report(report);
                while let Ok(report) = reports.try_recv() {
                    desk.on_report(report);
                }
            }
            _ = tokio::time::sleep_until(sync_deadline), if !synced => {
                let why = fleet.zones.first().and_then(|z| z.error()).unwrap_or_else(|| "no answer".into());
                eprintln!("ge-console: logs: zone {} did not list its pods within {} s: {why}", zone.name, SYNC_TIMEOUT.as_secs());
                return CommandOutcome::Failed;
            }
            _ = &mut interrupted => break,
        }
        let Some(session) = desk.session() else {
            break;
        };
        printed = print_new(session, printed);
        if synced && finished(session) {
            break;
        }
    }
    let Some(session) = desk.session() else {
        return CommandOutcome::Failed;
    };
    print_new(session, printed);
    outcome(session)
}

/// Prints the lines after `printed`; returns the next line to print.
fn print_new(session: &LogSession, printed: u64) -> u64 {
    let buffer = &session.buffer;
    if printed < buffer.first() {
        eprintln!(
            "ge-console: logs: {} lines dropped (the console could not keep up)",
            buffer.first() - printed
        );
    }
    let mut n = printed.max(buffer.first());
    while let Some(line) = buffer.get(n) {
        match line.kind {
            LineKind::Output => println!("{}", saved_line(session, line)),
            LineKind::Note => eprintln!("{}", saved_line(session, line)),
            // The problem names its pod already: `✗ POD: the server's words`.
            LineKind::Problem => {
                let text = line.plain();
                eprintln!("ge-console: logs: {}", text.trim_start_matches("✗ "));
            }
        }
        n += 1;
    }
    n
}

/// True when no stream can bring more lines: every pod's log read to its end or failed (a
/// followed workload never finishes: its next pod may come).
fn finished(session: &LogSession) -> bool {
    if session.problem.is_some() {
        return true;
    }
    if session.prefixed() && session.order.settings.follow {
        return false;
    }
    !session.streams.iter().any(|s| {
        matches!(s.state, StreamState::Connecting | StreamState::Streaming)
            || (s.state == StreamState::Waiting && !session.prefixed())
    })
}

/// 0 when every stream was read (or is still being followed), 1 when one could not be served
/// or a workload had no pod to read.
fn outcome(session: &LogSession) -> CommandOutcome {
    if session.problem.is_some() {
        // Said as a problem line when it was found.
        return CommandOutcome::Failed;
    }
    let mut failed = false;
    for stream in &session.streams {
        match &stream.state {
            // Said when it happened (a problem line).
            StreamState::Failed(_) => failed = true,
            StreamState::ChooseContainer => {
                let names = session
                    .containers
                    .as_ref()
                    .map(|c| c.all().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default();
                eprintln!(
                    "ge-console: logs: pod {} has several containers ({names}): choose one with -c",
                    stream.pod
                );
                failed = true;
            }
            _ => {}
        }
    }
    if session.prefixed()
        && !session
            .streams
            .iter()
            .any(|s| !matches!(s.state, StreamState::Waiting | StreamState::Failed(_)))
    {
        eprintln!(
            "ge-console: logs: {} has no started pod to read",
            session.order.subject
        );
        failed = true;
    }
    if failed {
        CommandOutcome::Failed
    } else {
        CommandOutcome::Succeeded
    }
}
