//! The non-interactive twins of the console's actions, for scripts: `restart` and `rebuild`.
//! They print progress lines, record the audit log, obey the same guards, and say how they
//! ended through the exit status.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::actions::audit::{AuditLog, AuditRecord, local_user};
use crate::actions::rebuild::{BuildEvent, BuildStatus, start_build};
use crate::actions::restart::restart_workload;
use crate::actions::rollout::{RolloutPhase, RolloutProgress, RolloutTracker};
use crate::actions::{ActionError, check_guards};
use crate::cluster::{self, LoadedKubeconfig};
use crate::config::{FleetConfig, ZoneConfig};
use crate::fleet::{Fleet, WorkloadKey};

/// How a command ended, mapped to its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandOutcome {
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
        match err {
            ActionError::ReadOnly(_) | ActionError::Refused(_) => CommandOutcome::Refused,
            _ => CommandOutcome::Failed,
        }
    }
}

/// What a restart needs besides its target.
pub struct RestartRequest<'a> {
    pub fleet: &'a FleetConfig,
    pub kubeconfig: &'a LoadedKubeconfig,
    pub zone: &'a ZoneConfig,
    pub target: WorkloadKey,
    pub read_only: bool,
    pub confirm: Option<&'a str>,
    pub wait: Option<Duration>,
    pub audit: &'a AuditLog,
}

/// `ge-console restart`: guards, patch, and with `wait` the rollout followed to its end.
pub async fn restart(req: RestartRequest<'_>) -> CommandOutcome {
    let started = jiff::Timestamp::now();
    let record = |result: &str, detail: Option<String>| AuditRecord {
        action: "restart".into(),
        started,
        ended: jiff::Timestamp::now(),
        local_user: local_user(),
        kube_user: req.kubeconfig.user_of(&req.zone.context),
        zone: Some(req.zone.name.clone()),
        object: Some(req.target.to_string()),
        result: result.into(),
        detail,
    };
    let audit = |r: AuditRecord| {
        if let Err(e) = req.audit.append(&r) {
            eprintln!(
                "ge-console: cannot write the audit log {}: {e}",
                req.audit.path().display()
            );
        }
    };
    if let Err(e) = check_guards(req.zone, req.read_only, req.confirm) {
        let hint = if matches!(e, ActionError::Refused(_)) {
            format!(" (pass --confirm {})", req.zone.name)
        } else {
            String::new()
        };
        println!("refused: {e}{hint}");
        audit(record(e.audit_result(), Some(e.to_string())));
        return CommandOutcome::of_error(&e);
    }
    let client = match cluster::zone_client(req.zone, req.kubeconfig).await {
        Ok(c) => c,
        Err(e) => {
            println!("failed: {e}");
            audit(record("failed", Some(e)));
            return CommandOutcome::Failed;
        }
    };
    let receipt = match restart_workload(&client, &req.target).await {
        Ok(r) => r,
        Err(e) => {
            println!(
                "{}: {e}",
                if e.audit_result() == "refused" {
                    "refused"
                } else {
                    "failed"
                }
            );
            audit(record(e.audit_result(), Some(e.to_string())));
            return CommandOutcome::of_error(&e);
        }
    };
    println!(
        "{} restarted in {} {} (restartedAt {}, generation {})",
        req.target, req.zone.id, req.zone.name, receipt.restarted_at, receipt.generation
    );
    let Some(timeout) = req.wait else {
        audit(record("succeeded", Some("restart requested".into())));
        return CommandOutcome::Succeeded;
    };
    let tracker =
        RolloutTracker::ours(req.zone.id, req.target.clone(), receipt.generation, timeout);
    let phase = follow_rollout(req.fleet, req.kubeconfig, req.zone, tracker).await;
    let (outcome, result) = match &phase {
        RolloutPhase::Succeeded => (CommandOutcome::Succeeded, "succeeded"),
        RolloutPhase::TimedOut => (CommandOutcome::Failed, "timed_out"),
        _ => (CommandOutcome::Failed, "failed"),
    };
    audit(record(result, Some(format!("rollout {}", phase.word()))));
    outcome
}

/// Follows one rollout on a watch of its zone alone, printing a line whenever its progress
/// changes; returns how it ended.
pub async fn follow_rollout(
    fleet_config: &FleetConfig,
    kubeconfig: &LoadedKubeconfig,
    zone: &ZoneConfig,
    mut tracker: RolloutTracker,
) -> RolloutPhase {
    let one_zone = FleetConfig {
        zones: vec![zone.clone()],
        ..fleet_config.clone()
    };
    let (tx, mut rx) = mpsc::channel(4096);
    let _tasks = cluster::spawn_fleet(&one_zone, kubeconfig, tx);
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
        let now = Instant::now();
        tracker.observe(&fleet, now);
        if let Some(p) = &tracker.progress
            && last.as_ref() != Some(p)
        {
            println!(
                "[{:>5.1}s] {} of {} updated, {} ready, {} available, {} old pods; {}{}",
                tracker.elapsed(now).as_secs_f64(),
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
        phase => println!(
            "rollout {} after {:.1}s",
            phase.word(),
            tracker.elapsed(Instant::now()).as_secs_f64()
        ),
    }
    tracker.phase
}

/// What a rebuild needs.
pub struct RebuildRequest<'a> {
    pub fleet: &'a FleetConfig,
    pub kubeconfig: Option<&'a LoadedKubeconfig>,
    pub state_dir: &'a std::path::Path,
    pub then_restart: bool,
    pub read_only: bool,
    pub confirm: Option<&'a str>,
    pub timeout: Option<Duration>,
    pub audit: &'a AuditLog,
}

/// `ge-console rebuild`: runs the build script, printing its output; with `then_restart`,
/// restarts the redeploy target on success and follows the rollout. Ctrl-C cancels the build.
pub async fn rebuild(req: RebuildRequest<'_>) -> anyhow::Result<CommandOutcome> {
    let redeploy = &req.fleet.redeploy;
    let zone_name = redeploy.zone.clone().unwrap_or_default();
    let zone = req
        .fleet
        .find(&zone_name)
        .ok_or_else(|| anyhow::anyhow!("redeploy zone {zone_name:?} is not configured"))?;
    let target = WorkloadKey::parse(&redeploy.target)
        .ok_or_else(|| anyhow::anyhow!("bad redeploy target {:?}", redeploy.target))?;
    if req.then_restart
        && let Err(e) = check_guards(zone, req.read_only, req.confirm)
    {
        // Refuse before building: a build whose restart is refused anyway is wasted time.
        println!("refused: {e} (pass --confirm {})", zone.name);
        let _ = req.audit.append(&AuditRecord {
            action: "redeploy".into(),
            started: jiff::Timestamp::now(),
            ended: jiff::Timestamp::now(),
            local_user: local_user(),
            kube_user: req.kubeconfig.and_then(|k| k.user_of(&zone.context)),
            zone: Some(zone.name.clone()),
            object: Some(target.to_string()),
            result: e.audit_result().into(),
            detail: Some(e.to_string()),
        });
        return Ok(CommandOutcome::of_error(&e));
    }

    if req.read_only {
        // The build script can push or import images: an observer does not run it.
        println!("refused: read-only: --read-only is set; the build is not run");
        let _ = req.audit.append(&AuditRecord {
            action: "rebuild".into(),
            started: jiff::Timestamp::now(),
            ended: jiff::Timestamp::now(),
            local_user: local_user(),
            kube_user: None,
            zone: None,
            object: None,
            result: "refused".into(),
            detail: Some("--read-only".into()),
        });
        return Ok(CommandOutcome::Refused);
    }
    let started = jiff::Timestamp::now();
    let (tx, mut rx) = mpsc::channel(256);
    println!("rebuild: {}", req.fleet.rebuild.argv.join(" "));
    let mut handle = match start_build(&req.fleet.rebuild, req.state_dir, tx) {
        Ok(h) => h,
        Err(status) => {
            println!("rebuild {}", status.describe());
            let _ = req.audit.append(&build_record(started, &status, None));
            return Ok(CommandOutcome::Failed);
        }
    };
    println!("rebuild log: {}", handle.log_path.display());
    let mut interrupted = Box::pin(tokio::signal::ctrl_c());
    let mut cancelling = false;
    let outcome = loop {
        tokio::select! {
            event = rx.recv() => match event {
                Some(BuildEvent::Line { text, .. }) => println!("  {text}"),
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
    let _ = req.audit.append(&build_record(
        started,
        &outcome.status,
        Some(&outcome.log_path),
    ));
    if outcome.status != BuildStatus::Succeeded {
        if req.then_restart {
            println!("nothing restarted: the build did not succeed");
        }
        return Ok(CommandOutcome::Failed);
    }
    if !req.then_restart {
        return Ok(CommandOutcome::Succeeded);
    }
    let Some(kubeconfig) = req.kubeconfig else {
        anyhow::bail!("--then-restart needs a kubeconfig");
    };
    Ok(restart(RestartRequest {
        fleet: req.fleet,
        kubeconfig,
        zone,
        target,
        read_only: req.read_only,
        confirm: req.confirm,
        wait: Some(
            req.timeout
                .unwrap_or(Duration::from_secs(redeploy.rollout_timeout_secs)),
        ),
        audit: req.audit,
    })
    .await)
}

fn build_record(
    started: jiff::Timestamp,
    status: &BuildStatus,
    log: Option<&std::path::Path>,
) -> AuditRecord {
    AuditRecord {
        action: "rebuild".into(),
        started,
        ended: jiff::Timestamp::now(),
        local_user: local_user(),
        kube_user: None,
        zone: None,
        object: None,
        result: match status {
            BuildStatus::Succeeded => "succeeded",
            BuildStatus::Cancelled => "cancelled",
            _ => "failed",
        }
        .into(),
        detail: Some(match log {
            Some(path) => format!("{}; log {}", status.describe(), path.display()),
            None => status.describe(),
        }),
    }
}
