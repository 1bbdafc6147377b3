//! The non-interactive twins of the console's actions, for scripts: `restart`, `rebuild`,
//! `history`, `undo` and `logs` ([`logs`]).
//! They go through the same door as the console's runner ([`ActionContext`]: the guards, the
//! restart pipeline, the audit log), print progress lines, and say how they ended through
//! the exit status.

pub mod logs;

use std::time::Duration;

use tokio::sync::mpsc;

use crate::actions::audit::{AuditAction, AuditRecord, AuditResult};
use crate::actions::rebuild::{BuildEvent, BuildStatus, start_build};
use crate::actions::restart::RestartOrder;
use crate::actions::rollout::{RolloutPhase, RolloutProgress, RolloutTracker};
use crate::actions::undo::UndoOrder;
use crate::actions::{ActionContext, ActionError};
use crate::clock::{Clock, TimeSource};
use crate::cluster;
use crate::config::{FleetConfig, ZoneConfig};
use crate::fleet::{Fleet, WorkloadKey};

/// How a command ended, mapped to its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandOutcome {
    /// It did what was asked.
    Succeeded,
    /// The action ran and failed, or the rollout failed or timed out.
    Failed,
    /// A guard refused it (read-only, protected zone, paused deployment).
    Refused,
}

impl CommandOutcome {
    /// The process exit status.
    pub fn exit_code(self) -> u8 {
        match self {
            CommandOutcome::Succeeded => 0,
            CommandOutcome::Failed => 1,
            CommandOutcome::Refused => 4,
        }
    }

    fn of_error(err: &ActionError) -> Self {
        if err.is_refusal() {
            CommandOutcome::Refused
        } else {
            CommandOutcome::Failed
        }
    }
}

/// What a restart needs besides the shared context.
pub struct RestartRequest<'a> {
    /// The zone.
    pub zone: &'a ZoneConfig,
    /// The workload.
    pub target: WorkloadKey,
    /// `--confirm NAME`, for a protected zone.
    pub confirm: Option<&'a str>,
    /// `--wait`: follow the rollout for at most this long.
    pub wait: Option<Duration>,
}

/// Writes a record; a file that cannot be written is said on stderr and does not stop the
/// command.
fn audit(ctx: &ActionContext, record: &AuditRecord) {
    if let Err(message) = ctx.record(record) {
        eprintln!("ge-console: {message}");
    }
}

/// `ge-console restart`: guards, patch, and with `wait` the rollout followed to its end.
pub async fn restart(
    ctx: &ActionContext,
    req: RestartRequest<'_>,
    time: &TimeSource,
) -> CommandOutcome {
    let order = RestartOrder {
        zone: req.zone.clone(),
        target: req.target,
        confirmation: req.confirm.map(str::to_string),
        asked: time.now().wall,
    };
    if let Err(e) = order.admit(ctx) {
        let hint = if matches!(e, ActionError::Unconfirmed { .. }) {
            format!(" (pass --confirm {})", req.zone.name)
        } else {
            String::new()
        };
        println!("refused: {e}{hint}");
        audit(ctx, &order.record_error(ctx, &e, &time.now()));
        return CommandOutcome::of_error(&e);
    }
    let receipt = match order.send(&ctx.clients, &time.now()).await {
        Ok(r) => r,
        Err(e) => {
            let word = if e.is_refusal() { "refused" } else { "failed" };
            println!("{word}: {e}");
            audit(ctx, &order.record_error(ctx, &e, &time.now()));
            return CommandOutcome::of_error(&e);
        }
    };
    println!(
        "{} restarted in {} {} (restartedAt {}, generation {})",
        order.target, order.zone.id, order.zone.name, receipt.restarted_at, receipt.generation
    );
    let Some(timeout) = req.wait else {
        audit(
            ctx,
            &order.record(
                ctx,
                AuditResult::Succeeded,
                "restart requested",
                &time.now(),
            ),
        );
        return CommandOutcome::Succeeded;
    };
    let (phase, outcome, result) = follow_to_end(
        ctx,
        &order.zone,
        &order.target,
        receipt.generation,
        timeout,
        time,
    )
    .await;
    let detail = format!("rollout {}", phase.word());
    audit(ctx, &order.record(ctx, result, detail, &time.now()));
    outcome
}

/// Follows our rollout of `target` (at `generation`) to its end, as `restart --wait` and
/// `undo --wait` do: the phase it ended in, and how the command and its audit record end.
async fn follow_to_end(
    ctx: &ActionContext,
    zone: &ZoneConfig,
    target: &WorkloadKey,
    generation: i64,
    timeout: Duration,
    time: &TimeSource,
) -> (RolloutPhase, CommandOutcome, AuditResult) {
    let tracker = RolloutTracker::ours(zone.id, target.clone(), generation, timeout, &time.now());
    let phase = follow_rollout(ctx, zone, tracker, time).await;
    let (outcome, result) = match &phase {
        RolloutPhase::Succeeded => (CommandOutcome::Succeeded, AuditResult::Succeeded),
        RolloutPhase::TimedOut => (CommandOutcome::Failed, AuditResult::TimedOut),
        // Deleted too: the rollout did not complete.
        _ => (CommandOutcome::Failed, AuditResult::Failed),
    };
    (phase, outcome, result)
}

/// Follows one rollout on a watch of its zone alone (through the shared client), printing a
/// line whenever its progress changes; returns how it ended.
pub async fn follow_rollout(
    ctx: &ActionContext,
    zone: &ZoneConfig,
    mut tracker: RolloutTracker,
    time: &TimeSource,
) -> RolloutPhase {
    let one_zone = FleetConfig {
        zones: vec![zone.clone()],
        ..ctx.config.clone()
    };
    let (tx, mut rx) = mpsc::channel(4096);
    let _tasks = cluster::spawn_fleet_with(&one_zone, &ctx.clients, tx);
    let mut fleet = Fleet::new(&one_zone);
    let deadline = tokio::time::Instant::now() + tracker.timeout;
    let mut last: Option<RolloutProgress> = None;
    loop {
        tokio::select! {
            event = rx.recv() => {
                let Some(event) = event else { break };
                fleet.apply(event);
                while let Ok(event) = rx.try_recv() {
                    fleet.apply(event);
                }
            }
            _ = tokio::time::sleep_until(deadline) => {}
        }
        let now = time.now().instant;
        tracker.observe(&fleet, now);
        if let Some(p) = &tracker.progress
            && last.as_ref() != Some(p)
        {
            println!(
                "[{:>5.1}s] {}",
                tracker.elapsed(now).as_secs_f64(),
                progress_line(p)
            );
            last = tracker.progress.clone();
        }
        if tracker.phase.is_final() {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            tracker.phase = RolloutPhase::TimedOut;
            break;
        }
    }
    match &tracker.phase {
        RolloutPhase::Failed(reason) => println!("rollout failed: {reason}"),
        RolloutPhase::Deleted => println!(
            "rollout deleted: {} was deleted before its rollout completed",
            tracker.target
        ),
        phase => println!(
            "rollout {} after {:.1}s",
            phase.word(),
            tracker.elapsed(time.now().instant).as_secs_f64()
        ),
    }
    tracker.phase
}

/// `2 of 2 updated, 1 ready, 1 available, 1 old pods; message [new-pod status]`.
fn progress_line(p: &RolloutProgress) -> String {
    format!(
        "{} of {} updated, {} ready, {} available, {} old pods; {}{}",
        p.updated,
        p.desired,
        p.ready,
        p.available,
        p.old_pods,
        p.message,
        p.new_pods
            .iter()
            .filter(|pod| !pod.ready)
            .map(|pod| format!(" [{} {}]", pod.name, pod.status))
            .collect::<String>()
    )
}

/// What a rebuild needs besides the shared context.
pub struct RebuildRequest<'a> {
    /// `--then-restart`: restart the redeploy target after a good build.
    pub then_restart: bool,
    /// `--confirm NAME`, for a protected redeploy zone.
    pub confirm: Option<&'a str>,
    /// `--timeout`: how long the rollout may take.
    pub timeout: Option<Duration>,
}

/// `ge-console rebuild`: runs the build script, printing its output; with `then_restart`,
/// restarts the redeploy target on success and follows the rollout. Ctrl-C cancels the build.
pub async fn rebuild(
    ctx: &ActionContext,
    req: RebuildRequest<'_>,
    time: &TimeSource,
) -> anyhow::Result<CommandOutcome> {
    let redeploy = &ctx.config.redeploy;
    let zone_name = redeploy.zone.clone().unwrap_or_default();
    let zone = ctx
        .config
        .find(&zone_name)
        .ok_or_else(|| anyhow::anyhow!("redeploy zone {zone_name:?} is not configured"))?
        .clone();
    let target = WorkloadKey::parse(&redeploy.target)
        .ok_or_else(|| anyhow::anyhow!("bad redeploy target {:?}", redeploy.target))?;
    if req.then_restart
        && let Err(e) = ctx.guards.check(&zone, req.confirm)
    {
        // Refuse before building: a build whose restart is refused anyway is wasted time.
        println!("refused: {e} (pass --confirm {})", zone.name);
        let record = ctx.refusal_record(
            AuditAction::Redeploy,
            Some(&zone),
            Some(target.to_string()),
            &e,
            &time.now(),
        );
        audit(ctx, &record);
        return Ok(CommandOutcome::of_error(&e));
    }
    if let Err(e) = ctx.guards.build() {
        println!("refused: {e}");
        audit(
            ctx,
            &ctx.refusal_record(AuditAction::Rebuild, None, None, &e, &time.now()),
        );
        return Ok(CommandOutcome::Refused);
    }
    let started = time.now();
    let (tx, mut rx) = mpsc::channel(256);
    println!("rebuild: {}", ctx.config.rebuild.argv.join(" "));
    let mut handle = match start_build(&ctx.config.rebuild, &ctx.state_dir, tx) {
        Ok(h) => h,
        Err(status) => {
            println!("rebuild {}", status.describe());
            audit(ctx, &build_record(&started, &status, None, &time.now()));
            return Ok(CommandOutcome::Failed);
        }
    };
    println!("rebuild log: {}", handle.log_path.display());
    let mut interrupted = Box::pin(tokio::signal::ctrl_c());
    let mut cancelling = false;
    let outcome = loop {
        tokio::select! {
            event = rx.recv() => match event {
                Some(BuildEvent::Line { text, .. }) => {
                    println!("  {}", crate::sanitize::clean(&text))
                }
                Some(BuildEvent::Finished(outcome)) => break outcome,
                None => anyhow::bail!("the build runner stopped without a result"),
            },
            _ = &mut interrupted, if !cancelling => {
                cancelling = true;
                println!("cancelling the build (Ctrl-C)");
                handle.cancel();
            }
        }
    };
    println!(
        "rebuild {} in {:.1}s",
        outcome.status.describe(),
        outcome.duration.as_secs_f64()
    );
    audit(
        ctx,
        &build_record(
            &started,
            &outcome.status,
            Some(&outcome.log_path),
            &time.now(),
        ),
    );
    if outcome.status != BuildStatus::Succeeded {
        if req.then_restart {
            println!("nothing restarted: the build did not succeed");
        }
        return Ok(CommandOutcome::Failed);
    }
    if !req.then_restart {
        return Ok(CommandOutcome::Succeeded);
    }
    let wait = req
        .timeout
        .unwrap_or(Duration::from_secs(redeploy.rollout_timeout_secs));
    Ok(restart(
        ctx,
        RestartRequest {
            zone: &zone,
            target,
            confirm: req.confirm,
            wait: Some(wait),
        },
        time,
    )
    .await)
}

fn build_record(
    started: &Clock,
    status: &BuildStatus,
    log: Option<&std::path::Path>,
    now: &Clock,
) -> AuditRecord {
    let detail = match log {
        Some(path) => format!("{}; log {}", status.describe(), path.display()),
        None => status.describe(),
    };
    AuditRecord::new(
        AuditAction::Rebuild,
        started.wall,
        now.wall,
        status.audit_result(),
        detail,
    )
}

/// `ge-console history`: the Deployment's revisions, from the ReplicaSets it controls, derived
/// as the console's workload view derives them.
pub async fn history(
    ctx: &ActionContext,
    zone: &ZoneConfig,
    target: &WorkloadKey,
    format: crate::cli::HistoryFormat,
) -> CommandOutcome {
    let listed = match ctx.clients.client(zone).await {
        Ok(client) => crate::cluster::rollback::deployment_replica_sets(&client, target)
            .await
            .map_err(ActionError::from_kube),
        Err(message) => Err(ActionError::Failed(message)),
    };
    let replica_sets = match listed {
        Ok(sets) => sets,
        Err(e) => {
            println!("failed: {e}");
            return CommandOutcome::Failed;
        }
    };
    let revisions = crate::fleet::history::history_of(&replica_sets, target);
    match format {
        crate::cli::HistoryFormat::Json => {
            let report = serde_json::json!({
                "zone": zone.name,
                "deployment": target.to_string(),
                "revisions": revisions,
            });
            match serde_json::to_string_pretty(&report) {
                Ok(text) => println!("{text}"),
                Err(e) => {
                    println!("failed: {e}");
                    return CommandOutcome::Failed;
                }
            }
        }
        crate::cli::HistoryFormat::Text => print!(
            "{}",
            crate::fleet::history::history_text(
                &format!("{target} in {} {}", zone.id, zone.name),
                &revisions
            )
        ),
    }
    CommandOutcome::Succeeded
}

/// What an undo needs besides the shared context.
pub struct UndoRequest<'a> {
    /// The zone.
    pub zone: &'a ZoneConfig,
    /// The Deployment.
    pub target: WorkloadKey,
    /// `--to-revision N`; `None` is the previous revision.
    pub to_revision: Option<i64>,
    /// `--confirm NAME`, for a protected zone.
    pub confirm: Option<&'a str>,
    /// `--wait`: follow the rollout for at most this long.
    pub wait: Option<Duration>,
}

/// `ge-console undo`: guards, the rollback (kubectl's), and with `wait` the rollout followed
/// to its end — the console's undo pipeline, printed.
pub async fn undo(ctx: &ActionContext, req: UndoRequest<'_>, time: &TimeSource) -> CommandOutcome {
    let order = UndoOrder {
        zone: req.zone.clone(),
        target: req.target,
        to_revision: req.to_revision,
        confirmation: req.confirm.map(str::to_string),
        asked: time.now().wall,
    };
    if let Err(e) = order.admit(ctx) {
        let hint = if matches!(e, ActionError::Unconfirmed { .. }) {
            format!(" (pass --confirm {})", req.zone.name)
        } else {
            String::new()
        };
        println!("refused: {e}{hint}");
        audit(ctx, &order.record_error(ctx, &e, &time.now()));
        return CommandOutcome::of_error(&e);
    }
    let receipt = match order.send(&ctx.clients).await {
        Ok(r) => r,
        Err(e) => {
            let word = if e.is_refusal() { "refused" } else { "failed" };
            println!("{word}: {e}");
            audit(ctx, &order.record_error(ctx, &e, &time.now()));
            return CommandOutcome::of_error(&e);
        }
    };
    let described = order.describe(&receipt);
    println!("{described} in {} {}", order.zone.id, order.zone.name);
    let timeout = match req.wait {
        Some(timeout) if !receipt.skipped => timeout,
        _ => {
            audit(
                ctx,
                &order.record(ctx, AuditResult::Succeeded, described, &time.now()),
            );
            return CommandOutcome::Succeeded;
        }
    };
    let (phase, outcome, result) = follow_to_end(
        ctx,
        &order.zone,
        &order.target,
        receipt.generation,
        timeout,
        time,
    )
    .await;
    let detail = format!("{described}; rollout {}", phase.word());
    audit(ctx, &order.record(ctx, result, detail, &time.now()));
    outcome
}
