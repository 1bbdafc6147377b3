//! The recent Warning events of what is explained: the cluster's own word on why (a failed
//! pull, a back-off, a failed mount or probe, the scheduler's refusal), each leading to the
//! object it is about.

use std::collections::BTreeSet;

use jiff::Timestamp;

use super::{Finding, FindingKind, FindingSeverity, FindingTarget, ago, more, owning_workload};
use crate::fleet::events::{EventInfo, EventObject, object_events, workload_events};
use crate::fleet::{ObjectKey, WorkloadKey, WorkloadKind, ZoneModel};

/// How many Warnings one explanation lists before saying "N more".
pub const WARNINGS_LISTED: usize = 5;

/// What an event's object is as a finding's target, in `zone`: a pod, a node, a workload (a
/// Deployment's ReplicaSet is its Deployment); `None` for other kinds.
pub fn regarding(zone: &ZoneModel, object: &EventObject) -> Option<FindingTarget> {
    let workload = |kind: WorkloadKind, name: &str| {
        FindingTarget::workload(WorkloadKey {
            kind,
            namespace: object.namespace.clone(),
            name: name.to_string(),
        })
    };
    match object.kind.as_str() {
        "Pod" => Some(FindingTarget::pod(ObjectKey::new(
            &object.namespace,
            &object.name,
        ))),
        "Node" => Some(FindingTarget::Node {
            name: object.name.clone(),
        }),
        "Deployment" => Some(workload(WorkloadKind::Deployment, &object.name)),
        "StatefulSet" => Some(workload(WorkloadKind::StatefulSet, &object.name)),
        "DaemonSet" => Some(workload(WorkloadKind::DaemonSet, &object.name)),
        "ReplicaSet" => zone
            .replicasets
            .get(&ObjectKey::new(&object.namespace, &object.name))
            .and_then(|rs| rs.owner.as_ref())
            .filter(|owner| owner.kind == "Deployment")
            .map(|owner| workload(WorkloadKind::Deployment, &owner.name)),
        _ => None,
    }
}

/// The workload in `zone` an event's object belongs to: the workload itself, a Deployment's
/// ReplicaSet, or a pod the zone lists with its owner.
pub fn event_workload(zone: &ZoneModel, object: &EventObject) -> Option<WorkloadKey> {
    match regarding(zone, object)? {
        FindingTarget::Workload { workload } => {
            zone.workloads.contains_key(&workload).then_some(workload)
        }
        FindingTarget::Pod { pod, .. } => {
            zone.pods.get(&pod).and_then(|p| owning_workload(zone, p))
        }
        _ => None,
    }
}

/// The Warnings about `subject` (a workload with its ReplicaSets and pods, a pod, a node),
/// newest first, one per reason and object (the newest of a kind says it), at most
/// [`WARNINGS_LISTED`] and a "more" line.
pub fn warning_findings(zone: &ZoneModel, subject: &FindingTarget, now: Timestamp) -> Vec<Finding> {
    let events: Vec<&EventInfo> = match subject {
        FindingTarget::Workload { workload } => workload_events(zone, workload),
        FindingTarget::Pod { pod, .. } => {
            object_events(zone, &EventObject::new("Pod", &pod.namespace, &pod.name))
        }
        FindingTarget::Node { name } => object_events(zone, &EventObject::new("Node", "", name)),
        FindingTarget::Zone | FindingTarget::Pin { .. } => return Vec::new(),
    };
    let mut seen = BTreeSet::new();
    let warnings: Vec<&EventInfo> = events
        .into_iter()
        .filter(|e| e.is_warning() && seen.insert((&e.reason, &e.object)))
        .collect();
    let mut out: Vec<Finding> = warnings
        .iter()
        .take(WARNINGS_LISTED)
        .map(|e| warning_finding(zone, e, subject, now))
        .collect();
    out.extend(more(
        warnings.len().saturating_sub(WARNINGS_LISTED),
        "Warning events (E shows them all)",
        subject.clone(),
    ));
    out
}

/// One Warning as a finding: reason, object, how often and when, then its message.
fn warning_finding(
    zone: &ZoneModel,
    event: &EventInfo,
    subject: &FindingTarget,
    now: Timestamp,
) -> Finding {
    let times = if event.count > 1 {
        format!(" ×{}", event.count)
    } else {
        String::new()
    };
    let when = event
        .last_seen
        .map(|t| format!(", {} ago", ago(t, now)))
        .unwrap_or_default();
    let by = if event.reporter.is_empty() {
        String::new()
    } else {
        format!("reported by {}", event.reporter)
    };
    Finding::new(
        FindingKind::WarningEvent,
        FindingSeverity::Warning,
        format!(
            "event {} on {}{times}{when}",
            event.reason,
            event.object.short()
        ),
        regarding(zone, &event.object).unwrap_or_else(|| subject.clone()),
    )
    .with_detail([event.message.clone(), by])
}
