//! Why a pod is not ready: the scheduler's refusal, each container's waiting reason or last
//! exit, probes that do not pass, eviction and deletion.

use jiff::Timestamp;

use super::{Finding, FindingKind, FindingSeverity, FindingTarget, ago};
use crate::fleet::health::pod_is_problem;
use crate::fleet::{
    ContainerRole, ContainerState, ContainerSummary, Keyed, PodInfo, Termination, Waiting,
};

/// Waiting reasons that mean the image cannot be pulled.
const PULL_REASONS: [&str; 5] = [
    "ImagePullBackOff",
    "ErrImagePull",
    "ErrImageNeverPull",
    "InvalidImageName",
    "RegistryUnavailable",
];

/// Waiting reasons that mean the container cannot be created or started as specified.
const START_REASONS: [&str; 4] = [
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "PreCreateHookError",
];

/// Waiting reasons of a container that is still on its way up.
const CREATING_REASONS: [&str; 2] = ["ContainerCreating", "PodInitializing"];

/// What a well-known exit code usually means (`137` → killed with SIGKILL).
pub fn exit_meaning(code: i32) -> Option<&'static str> {
    Some(match code {
        126 => "the command cannot be executed",
        127 => "the command was not found",
        134 => "aborted (SIGABRT)",
        137 => "killed (SIGKILL): out of memory, or killed by the kubelet",
        139 => "segmentation fault (SIGSEGV)",
        143 => "terminated (SIGTERM)",
        _ => return None,
    })
}

/// `exit 1 (Error)`, `exit 137 (OOMKilled)`, `signal 9`.
fn exit_words(t: &Termination) -> String {
    let mut words = match t.signal {
        Some(signal) if t.exit_code == 0 => format!("signal {signal}"),
        _ => format!("exit {}", t.exit_code),
    };
    if !t.reason.is_empty() {
        words.push_str(&format!(" ({})", t.reason));
    }
    words
}

/// The detail lines of an ended run: when, what the exit code means, its message.
fn termination_detail(t: &Termination, now: Timestamp, what: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let when = t
        .finished
        .map(|f| format!(" {} ago", ago(f, now)))
        .unwrap_or_default();
    let mut line = format!("{what}: {}{when}", exit_words(t));
    if t.reason == "OOMKilled" {
        line.push_str(" — it ran out of memory: raise its memory limit or find the leak");
    } else if let Some(meaning) = exit_meaning(t.exit_code) {
        line.push_str(&format!(" — {meaning}"));
    }
    lines.push(line);
    if let Some(m) = &t.message {
        lines.push(format!("termination message: {m}"));
    }
    lines
}

fn container_words(c: &ContainerSummary) -> String {
    match c.role {
        ContainerRole::Init => format!("init container {}", c.name),
        ContainerRole::Sidecar => format!("sidecar {}", c.name),
        ContainerRole::Main => format!("container {}", c.name),
    }
}

fn restarts_words(n: u32) -> String {
    match n {
        1 => "1 restart".into(),
        n => format!("{n} restarts"),
    }
}

/// The image of the `index`-th main container, as the pod reports it.
fn image_of<'a>(pod: &'a PodInfo, c: &ContainerSummary) -> Option<&'a str> {
    if c.role != ContainerRole::Main {
        return None;
    }
    let index = pod
        .containers
        .iter()
        .filter(|x| x.role == ContainerRole::Main)
        .position(|x| x.name == c.name)?;
    pod.images.get(index).map(String::as_str)
}

/// Why a waiting container waits.
fn waiting(pod: &PodInfo, c: &ContainerSummary, w: &Waiting, now: Timestamp) -> Finding {
    let who = container_words(c);
    let target = FindingTarget::Pod {
        pod: pod.key(),
        container: Some(c.name.clone()),
    };
    let message = w.message.clone().unwrap_or_default();
    let reason = w.reason.as_str();
    if PULL_REASONS.contains(&reason) {
        let image = image_of(pod, c)
            .map(|i| format!("image {i}"))
            .unwrap_or_default();
        return Finding::new(
            FindingKind::ImagePull,
            FindingSeverity::Error,
            format!("{who} cannot pull its image: {reason}"),
            target,
        )
        .with_detail([image, message]);
    }
    if reason == "CrashLoopBackOff" {
        let last = c.last_termination.as_deref();
        let how = match last {
            Some(t) if t.reason == "OOMKilled" => format!(
                "killed for running out of memory (OOMKilled, exit {})",
                t.exit_code
            ),
            Some(t) => format!("last {}", exit_words(t)),
            None => "its last exit is not reported".into(),
        };
        let mut detail = vec![message];
        if let Some(t) = last {
            detail.extend(termination_detail(t, now, "last run"));
        }
        return Finding::new(
            FindingKind::CrashLoop,
            FindingSeverity::Error,
            format!(
                "{who} is crash-looping (CrashLoopBackOff): {how}, {}",
                restarts_words(c.restarts)
            ),
            target,
        )
        .with_detail(detail);
    }
    if START_REASONS.contains(&reason) {
        return Finding::new(
            FindingKind::ContainerError,
            FindingSeverity::Error,
            format!("{who} cannot start: {reason}"),
            target,
        )
        .with_detail([message]);
    }
    if CREATING_REASONS.contains(&reason) {
        let why = if message.is_empty() {
            "no message from the kubelet: the image may still be pulling, or a volume or the \
             network is not ready yet"
                .to_string()
        } else {
            message
        };
        return Finding::new(
            FindingKind::Creating,
            FindingSeverity::Warning,
            format!("{who} is waiting: {reason}"),
            target,
        )
        .with_detail([why]);
    }
    let reason = if reason.is_empty() {
        "no reason given"
    } else {
        reason
    };
    Finding::new(
        FindingKind::Waiting,
        FindingSeverity::Warning,
        format!("{who} is waiting: {reason}"),
        target,
    )
    .with_detail([message])
}

/// What one container contributes to the pod's explanation, if anything.
fn container_finding(pod: &PodInfo, c: &ContainerSummary, now: Timestamp) -> Option<Finding> {
    let target = || FindingTarget::Pod {
        pod: pod.key(),
        container: Some(c.name.clone()),
    };
    let who = container_words(c);
    match &c.state {
        ContainerState::Waiting(w) => Some(waiting(pod, c, w, now)),
        ContainerState::Terminated(t) if pod.phase != "Succeeded" => Some(
            Finding::new(
                FindingKind::Exited,
                FindingSeverity::Error,
                format!("{who} exited: {}", exit_words(t)),
                target(),
            )
            .with_detail(termination_detail(t, now, "run")),
        ),
        ContainerState::Running if !c.ready && c.role != ContainerRole::Init => {
            let mut detail = vec![
                "it runs, but its readiness probe does not pass (or it is still starting)".into(),
            ];
            if let Some(t) = c.last_termination.as_deref() {
                detail.push(format!(
                    "{}; a failing liveness probe restarts it",
                    restarts_words(c.restarts)
                ));
                detail.extend(termination_detail(t, now, "last run"));
            }
            Some(
                Finding::new(
                    FindingKind::NotReady,
                    FindingSeverity::Warning,
                    format!("{who} is running but not ready"),
                    target(),
                )
                .with_detail(detail),
            )
        }
        ContainerState::Running if c.restarts > 0 => {
            let t = c.last_termination.as_deref()?;
            let severity = if t.reason == "OOMKilled" {
                FindingSeverity::Warning
            } else {
                FindingSeverity::Info
            };
            Some(
                Finding::new(
                    FindingKind::Restarted,
                    severity,
                    format!(
                        "{who} restarted ({}): last {}",
                        restarts_words(c.restarts),
                        exit_words(t)
                    ),
                    target(),
                )
                .with_detail(termination_detail(t, now, "last run")),
            )
        }
        _ => None,
    }
}

/// Explains one pod: why it is not ready, or that nothing is wrong with it.
pub fn explain_pod(pod: &PodInfo, now: Timestamp) -> Vec<Finding> {
    let target = || FindingTarget::pod(pod.key());
    let mut out = Vec::new();
    if pod.deleting {
        out.push(Finding::new(
            FindingKind::Terminating,
            FindingSeverity::Warning,
            "the pod is being deleted (Terminating)",
            target(),
        ));
    }
    if pod.phase == "Failed" {
        out.push(
            Finding::new(
                FindingKind::PodFailed,
                FindingSeverity::Error,
                format!("the pod failed: {}", pod.status),
                target(),
            )
            .with_detail(pod.message.clone()),
        );
    }
    if let Some(c) = pod.failing_condition("PodScheduled") {
        let reason = if c.reason.is_empty() {
            "not scheduled".to_string()
        } else {
            c.reason.clone()
        };
        out.push(
            Finding::new(
                FindingKind::Unschedulable,
                FindingSeverity::Error,
                format!("the scheduler cannot place it: {reason}"),
                target(),
            )
            .with_detail([c.message.clone()]),
        );
    }
    out.extend(
        pod.containers
            .iter()
            .filter_map(|c| container_finding(pod, c, now)),
    );
    let not_ready = pod
        .failing_condition("Ready")
        .filter(|c| c.reason != "PodCompleted");
    let explained = out.iter().any(|f| f.severity >= FindingSeverity::Warning);
    if !explained && pod_is_problem(pod) {
        let mut detail = vec![pod.message.clone().unwrap_or_default()];
        if let Some(c) = not_ready {
            detail.push(format!("Ready={} {}: {}", c.status, c.reason, c.message));
        }
        out.push(
            Finding::new(
                FindingKind::PodNotRunning,
                FindingSeverity::Warning,
                format!(
                    "the pod is {} ({}/{} containers ready)",
                    pod.status, pod.ready_containers, pod.total_containers
                ),
                target(),
            )
            .with_detail(detail),
        );
    } else if explained && let Some(c) = not_ready {
        // The kubelet's own summary, under the first reason it is not ready.
        if let Some(first) = out
            .iter_mut()
            .find(|f| f.severity >= FindingSeverity::Warning)
        {
            first
                .detail
                .push(format!("Ready={} {}: {}", c.status, c.reason, c.message));
        }
    }
    if !out.iter().any(|f| f.severity >= FindingSeverity::Warning) {
        let what = if pod.is_completed() {
            "the pod completed".to_string()
        } else {
            format!(
                "the pod is {}: {}/{} containers ready, {}",
                pod.status,
                pod.ready_containers,
                pod.total_containers,
                restarts_words(pod.restarts)
            )
        };
        out.insert(
            0,
            Finding::new(FindingKind::Healthy, FindingSeverity::Ok, what, target()),
        );
    }
    out
}
