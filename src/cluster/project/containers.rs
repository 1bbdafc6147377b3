//! The small per-container summary and the failing conditions kept with each pod, so the
//! console can say why a pod is not ready (a pull that fails, a crash loop and its last exit,
//! the scheduler's refusal) without another request to the server.

use k8s_openapi::api::core::v1::{ContainerState as ApiState, ContainerStateTerminated};

use super::SlimPod;
use super::slim_pod::SlimContainerStatus;

use crate::fleet::{
    CONTAINER_MESSAGE_MAX, ConditionInfo, ContainerRole, ContainerState, ContainerSummary,
    Termination, Waiting,
};
use crate::sanitize::{clean, clean_string};

/// The pod conditions worth keeping when they are not True (the STATUS word reads only these).
pub(super) const KEPT_CONDITIONS: [&str; 4] =
    ["PodScheduled", "Initialized", "ContainersReady", "Ready"];

/// A cleaned message, cut to [`CONTAINER_MESSAGE_MAX`] characters; `None` when empty.
fn message(text: Option<&str>) -> Option<String> {
    let text = text.filter(|m| !m.trim().is_empty())?;
    let cleaned = clean(text);
    Some(match cleaned.char_indices().nth(CONTAINER_MESSAGE_MAX) {
        Some((cut, _)) => format!("{}…", &cleaned[..cut]),
        None => cleaned.into_owned(),
    })
}

fn termination(t: &ContainerStateTerminated) -> Termination {
    Termination {
        reason: clean(t.reason.as_deref().unwrap_or_default()).into_owned(),
        exit_code: t.exit_code,
        signal: t.signal.filter(|s| *s != 0),
        finished: t.finished_at.as_ref().map(|f| f.0),
        message: message(t.message.as_deref()),
    }
}

fn state(s: Option<&ApiState>) -> ContainerState {
    let Some(s) = s else {
        return ContainerState::Unknown;
    };
    if let Some(w) = &s.waiting {
        return ContainerState::Waiting(Box::new(Waiting {
            reason: clean(w.reason.as_deref().unwrap_or_default()).into_owned(),
            message: message(w.message.as_deref()),
        }));
    }
    if let Some(t) = &s.terminated {
        let completed = t.exit_code == 0
            && t.signal.unwrap_or(0) == 0
            && t.reason.as_deref().is_none_or(|r| r == "Completed");
        return if completed {
            ContainerState::Completed
        } else {
            ContainerState::Terminated(Box::new(termination(t)))
        };
    }
    if s.running.is_some() {
        ContainerState::Running
    } else {
        ContainerState::Unknown
    }
}

fn summary(cs: SlimContainerStatus, role: ContainerRole) -> ContainerSummary {
    ContainerSummary {
        name: clean_string(cs.name),
        role,
        ready: cs.ready,
        restarts: u32::try_from(cs.restart_count).unwrap_or(0),
        state: state(cs.state.as_ref()),
        last_termination: cs
            .last_state
            .as_ref()
            .and_then(|s| s.terminated.as_ref())
            .map(|t| Box::new(termination(t))),
    }
}

/// Every container's summary: init containers (and native sidecars) first, then the main
/// containers, each in the order the status lists them; their names are taken, not copied.
pub(super) fn container_summaries(
    init: Vec<SlimContainerStatus>,
    main: Vec<SlimContainerStatus>,
    is_sidecar: impl Fn(&str) -> bool,
) -> Vec<ContainerSummary> {
    let init = init.into_iter().map(|cs| {
        let role = if is_sidecar(&cs.name) {
            ContainerRole::Sidecar
        } else {
            ContainerRole::Init
        };
        summary(cs, role)
    });
    let main = main.into_iter().map(|cs| summary(cs, ContainerRole::Main));
    init.chain(main).collect()
}

/// The pod's kept conditions whose status is not True.
pub(super) fn failing_conditions(pod: &SlimPod) -> Vec<ConditionInfo> {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default()
        .iter()
        .filter(|c| c.status != "True")
        .filter_map(|c| Some((c.kind()?, c)))
        .map(|(kind, c)| ConditionInfo {
            kind: kind.to_string(),
            status: clean(&c.status).into_owned(),
            reason: clean(c.reason.as_deref().unwrap_or_default()).into_owned(),
            message: message(c.message.as_deref()).unwrap_or_default(),
        })
        .collect()
}
