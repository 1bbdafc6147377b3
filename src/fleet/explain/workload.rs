//! Why a workload is red: its rollout state and conditions, then the pods that block it, each
//! with its own reason.

use jiff::Timestamp;

use super::{
    Finding, FindingKind, FindingSeverity, FindingTarget, LISTED_MAX, explain_pod, more, primary,
};
use crate::fleet::health::{RolloutState, pod_is_problem, rollout_state, workload_pods};
use crate::fleet::{WorkloadInfo, WorkloadKey, WorkloadKind, ZoneModel};

/// `desired 2 · updated 1 · ready 1 · available 1 · unavailable 1`.
fn counts(w: &WorkloadInfo) -> String {
    let mut line = format!(
        "desired {} · updated {} · ready {} · available {}",
        w.desired, w.updated, w.ready, w.available
    );
    let unavailable = w.desired.saturating_sub(w.available).max(0);
    if unavailable > 0 {
        line.push_str(&format!(" · unavailable {unavailable}"));
    }
    if w.current > w.updated && w.kind == WorkloadKind::Deployment {
        line.push_str(&format!(" · old {}", w.current - w.updated));
    }
    line
}

/// The conditions worth reading: any not True, and any whose reason says the rollout failed.
fn condition_lines(w: &WorkloadInfo) -> Vec<String> {
    w.conditions
        .iter()
        .filter(|c| {
            c.kind != "ReplicaFailure"
                && (c.status != "True" || c.reason == "ProgressDeadlineExceeded")
        })
        .map(|c| {
            let mut line = format!("{}={} {}", c.kind, c.status, c.reason);
            if !c.message.is_empty() {
                line.push_str(&format!(": {}", c.message));
            }
            line
        })
        .collect()
}

/// What the workload's rollout and conditions say, before its pods.
fn rollout_findings(w: &WorkloadInfo, target: &FindingTarget) -> Vec<Finding> {
    let mut out = Vec::new();
    let detail = || {
        let mut lines = condition_lines(w);
        lines.push(counts(w));
        lines
    };
    match rollout_state(w) {
        RolloutState::Failed(message) => out.push(
            Finding::new(
                FindingKind::RolloutFailed,
                FindingSeverity::Error,
                format!("the rollout failed: {message}"),
                target.clone(),
            )
            .with_detail(detail()),
        ),
        RolloutState::Paused => out.push(
            Finding::new(
                FindingKind::RolloutPaused,
                FindingSeverity::Warning,
                "the Deployment is paused (spec.paused): nothing rolls out until it is resumed \
                 (kubectl rollout resume)",
                target.clone(),
            )
            .with_detail(detail()),
        ),
        RolloutState::Progressing(message) => out.push(
            Finding::new(
                FindingKind::RolloutProgressing,
                FindingSeverity::Warning,
                format!("a rollout is in progress: {message}"),
                target.clone(),
            )
            .with_detail(detail()),
        ),
        RolloutState::Complete if w.ready < w.desired => out.push(
            Finding::new(
                FindingKind::Unavailable,
                FindingSeverity::Error,
                format!(
                    "{} of {} pods are not ready",
                    w.desired - w.ready,
                    w.desired
                ),
                target.clone(),
            )
            .with_detail(detail()),
        ),
        RolloutState::Complete => {}
    }
    if let Some(c) = w.condition("ReplicaFailure").filter(|c| c.status == "True") {
        out.push(
            Finding::new(
                FindingKind::ReplicaFailure,
                FindingSeverity::Error,
                format!("pods cannot be created: {}", c.reason),
                target.clone(),
            )
            .with_detail([c.message.clone()]),
        );
    }
    out
}

/// Explains a workload: its rollout and conditions, then each pod that is not ready (the first
/// [`LISTED_MAX`]) with its own main reason; one Ok finding when all is well.
pub fn explain_workload(zone: &ZoneModel, key: &WorkloadKey, now: Timestamp) -> Vec<Finding> {
    let target = FindingTarget::workload(key.clone());
    let Some(w) = zone.workloads.get(key) else {
        return vec![Finding::new(
            FindingKind::Gone,
            FindingSeverity::Info,
            format!(
                "{} is not in the zone any more: it was deleted, or the zone no longer lists it",
                target.describe()
            ),
            FindingTarget::Zone,
        )];
    };
    let mut out = rollout_findings(w, &target);
    let blocking: Vec<_> = workload_pods(zone, key)
        .into_iter()
        .filter(|p| pod_is_problem(p))
        .collect();
    for pod in blocking.iter().take(LISTED_MAX) {
        let findings = explain_pod(pod, now);
        if let Some(main) = primary(&findings) {
            let mut f = main.clone();
            f.headline = format!("pod {}: {}", pod.name, f.headline);
            out.push(f);
        }
    }
    out.extend(more(
        blocking.len().saturating_sub(LISTED_MAX),
        "pods not ready",
        target.clone(),
    ));
    if out.is_empty() {
        let what = if w.desired == 0 {
            "scaled to 0: nothing to run".to_string()
        } else {
            format!("rollout complete: {}", counts(w))
        };
        out.push(Finding::new(
            FindingKind::Healthy,
            FindingSeverity::Ok,
            what,
            target,
        ));
    }
    out
}
