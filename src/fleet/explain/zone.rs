//! Why a zone is red: its connection, kinds it may not list, nodes, pins, system pods and the
//! workloads of its namespaces; and a node's or a pin's own explanation.

use jiff::Timestamp;

use super::{
    Finding, FindingKind, FindingSeverity, FindingTarget, LISTED_MAX, explain_pod,
    explain_workload, more, primary,
};
use crate::config::SYSTEM_NAMESPACE;
use crate::fleet::health::{
    PinStatus, RolloutState, check_pins, image_tag, never_reached, pod_is_problem, rollout_state,
    version_matches_line,
};
use crate::fleet::{Keyed, KindStatus, LinkStatus, NodeInfo, ObjectKey, ZoneModel, ZoneState};

/// `retry in 12s` when the zone waits for a retry.
fn retry_words(zone: &ZoneModel, now: Timestamp) -> Option<String> {
    let at = jiff::Timestamp::try_from(zone.retry_at()?).ok()?;
    let seconds = at.as_second() - now.as_second();
    Some(if seconds > 0 {
        format!("retry in {seconds}s")
    } else {
        "retrying now".into()
    })
}

/// The zone's connection, when it is not live.
fn connection(zone: &ZoneModel, now: Timestamp) -> Option<Finding> {
    let error = zone.error().unwrap_or_default();
    let link_error = matches!(
        zone.link,
        LinkStatus::Failed { .. } | LinkStatus::NotConfigured { .. }
    );
    let context = format!("kubeconfig context {}", zone.config.context);
    let attempts = match zone.failed_attempts {
        0 => String::new(),
        1 => "1 failed attempt".into(),
        n => format!("{n} failed attempts"),
    };
    let retry = retry_words(zone, now).unwrap_or_default();
    let (severity, headline, detail) = match zone.state() {
        ZoneState::Live => return None,
        ZoneState::Connecting => (
            FindingSeverity::Info,
            "connecting: waiting for the server's first answer".to_string(),
            vec![context],
        ),
        ZoneState::Syncing => {
            let waiting: Vec<&str> = crate::fleet::ResourceKind::ALL
                .iter()
                .filter(|k| !zone.kinds.get(k).is_some_and(KindStatus::is_settled))
                .map(|k| k.plural())
                .collect();
            (
                FindingSeverity::Info,
                format!("listing its objects: waiting for {}", waiting.join(", ")),
                vec![],
            )
        }
        ZoneState::Reconnecting => (
            FindingSeverity::Error,
            if link_error {
                format!("connection lost: {error}")
            } else {
                "connection lost: a watch failed (below)".to_string()
            },
            vec![
                "what is shown is what the zone last showed".into(),
                retry,
                attempts,
            ],
        ),
        ZoneState::Unreachable => (
            FindingSeverity::Error,
            format!("unreachable: {error}"),
            vec![context, attempts, retry],
        ),
        ZoneState::Unauthorized => (
            FindingSeverity::Error,
            format!("unauthorized: the server refused the credentials: {error}"),
            vec![
                format!("{context}: renew its token or certificate (kubectl fails the same way)"),
                retry,
            ],
        ),
        ZoneState::NotConfigured => (
            FindingSeverity::Error,
            format!("not configured: {error}"),
            vec![context],
        ),
    };
    Some(
        Finding::new(
            FindingKind::Connection,
            severity,
            headline,
            FindingTarget::Zone,
        )
        .with_detail(detail),
    )
}

/// Kinds the zone may not list, and watches that failed.
fn kinds(zone: &ZoneModel) -> Vec<Finding> {
    zone.kinds
        .iter()
        .filter_map(|(kind, status)| match status {
            KindStatus::Forbidden { message } => Some(
                Finding::new(
                    FindingKind::KindForbidden,
                    FindingSeverity::Warning,
                    format!("may not list {}: the rest is shown", kind.plural()),
                    FindingTarget::Zone,
                )
                .with_detail([message.clone()]),
            ),
            KindStatus::Failed { error, .. } => Some(
                Finding::new(
                    FindingKind::KindFailed,
                    FindingSeverity::Error,
                    format!("the watch of {} failed: {error}", kind.plural()),
                    FindingTarget::Zone,
                )
                .with_detail(["it is retried with backoff".to_string()]),
            ),
            _ => None,
        })
        .collect()
}

/// What is wrong with one node: not ready, cordoned.
fn node_findings(node: &NodeInfo) -> Vec<Finding> {
    let target = || FindingTarget::Node {
        name: node.name.clone(),
    };
    let mut out = Vec::new();
    if !node.ready {
        out.push(
            Finding::new(
                FindingKind::NodeNotReady,
                FindingSeverity::Error,
                format!("node {} is NotReady", node.name),
                target(),
            )
            .with_detail([format!(
                "its kubelet ({}) does not report Ready: its pods are not started or replaced",
                node.kubelet_version
            )]),
        );
    }
    if node.unschedulable {
        out.push(Finding::new(
            FindingKind::NodeCordoned,
            FindingSeverity::Warning,
            format!(
                "node {} is cordoned (SchedulingDisabled): no new pods go there",
                node.name
            ),
            target(),
        ));
    }
    out
}

/// A failed pin, as the zone lists it.
fn pin_finding(component: &str, pinned: &str, actual: Option<&str>) -> Finding {
    let target = FindingTarget::Pin {
        component: component.to_string(),
    };
    match actual {
        Some(seen) => Finding::new(
            FindingKind::PinOff,
            FindingSeverity::Error,
            format!("{component} is off its pin: {seen} is not on {pinned}"),
            target,
        ),
        None => Finding::new(
            FindingKind::PinMissing,
            FindingSeverity::Error,
            format!("{component} is pinned to {pinned} but was not found"),
            target,
        ),
    }
}

/// Explains a zone: its connection and kinds, then (once reached) its nodes, failed pins, system
/// pods and unhealthy workloads, each leading to its own explanation.
pub fn explain_zone(zone: &ZoneModel, now: Timestamp) -> Vec<Finding> {
    let mut out: Vec<Finding> = connection(zone, now).into_iter().collect();
    out.extend(kinds(zone));
    if never_reached(zone) {
        if !zone.config.pins.is_empty() {
            out.push(Finding::new(
                FindingKind::PinUnknown,
                FindingSeverity::Info,
                "nothing could be checked: the zone was never reached, so its pins are unknown",
                FindingTarget::Zone,
            ));
        }
        return out;
    }
    out.extend(zone.nodes.values().flat_map(node_findings));
    for pin in check_pins(zone)
        .iter()
        .filter(|p| p.status == PinStatus::Failed)
    {
        out.push(pin_finding(
            &pin.component,
            &pin.pinned,
            pin.actual.as_deref(),
        ));
    }
    let system: Vec<_> = zone
        .pods
        .range(ObjectKey::new(SYSTEM_NAMESPACE, "")..)
        .take_while(|(k, _)| k.namespace == SYSTEM_NAMESPACE)
        .map(|(_, p)| p)
        .filter(|p| pod_is_problem(p))
        .collect();
    let mut listed_pods = Vec::new();
    for pod in system.iter().take(LISTED_MAX) {
        listed_pods.push(FindingTarget::pod(pod.key()));
        if let Some(main) = primary(&explain_pod(pod, now)) {
            let mut f = main.clone();
            f.kind = FindingKind::SystemPod;
            f.headline = format!("system pod {}: {}", pod.name, f.headline);
            f.target = FindingTarget::pod(pod.key());
            out.push(f);
        }
    }
    out.extend(more(
        system.len().saturating_sub(LISTED_MAX),
        "system pods not running",
        FindingTarget::Zone,
    ));
    // Workloads the overview does not mark ✓ (a rollout under way, paused or failed, or pods
    // missing), by their worst finding; a kube-system workload whose worst is a system pod
    // listed above is not listed again.
    let unhealthy: Vec<Finding> = zone
        .workloads
        .values()
        .filter(|w| zone.config.namespaces.contains(&w.namespace))
        .filter(|w| rollout_state(w) != RolloutState::Complete || w.ready < w.desired)
        .filter_map(|w| {
            let key = w.workload_key();
            let main = primary(&explain_workload(zone, &key, now))?.clone();
            if let FindingTarget::Pod { pod, .. } = &main.target
                && listed_pods.contains(&FindingTarget::pod(pod.clone()))
            {
                return None;
            }
            let target = FindingTarget::workload(key);
            Some(Finding {
                kind: FindingKind::Workload,
                headline: format!("{}: {}", target.describe(), main.headline),
                target,
                ..main
            })
        })
        .collect();
    let hidden = unhealthy.len().saturating_sub(LISTED_MAX);
    out.extend(unhealthy.into_iter().take(LISTED_MAX));
    out.extend(more(hidden, "workloads not healthy", FindingTarget::Zone));
    if out.iter().all(|f| f.severity < FindingSeverity::Warning) {
        let nodes = zone.nodes.values().filter(|n| n.ready).count();
        out.insert(
            0,
            Finding::new(
                FindingKind::Healthy,
                FindingSeverity::Ok,
                format!(
                    "live, and every check passes: {nodes}/{} nodes ready, pins on their lines, \
                     system pods running",
                    zone.nodes.len()
                ),
                FindingTarget::Zone,
            ),
        );
    }
    out
}

/// Explains a node: not ready, cordoned, and its kubelet and runtime against the zone's pins.
pub fn explain_node(zone: &ZoneModel, name: &str) -> Vec<Finding> {
    let Some(node) = zone.nodes.get(&ObjectKey::cluster(name)) else {
        return vec![Finding::new(
            FindingKind::Gone,
            FindingSeverity::Info,
            format!("node {name} is gone from the zone"),
            FindingTarget::Zone,
        )];
    };
    let mut out = node_findings(node);
    for pin in &zone.config.pins {
        let seen = match pin.component.as_str() {
            "kubernetes" => &node.kubelet_version,
            "containerd" => &node.container_runtime,
            _ => continue,
        };
        if !version_matches_line(&pin.line, seen) {
            let mut f = pin_finding(&pin.component, &pin.line, Some(seen));
            f.headline = format!("node {}: {}", node.name, f.headline);
            out.push(f);
        }
    }
    if out.is_empty() {
        out.push(Finding::new(
            FindingKind::Healthy,
            FindingSeverity::Ok,
            format!(
                "node {} is Ready: kubelet {}, {}",
                node.name, node.kubelet_version, node.container_runtime
            ),
            FindingTarget::Node {
                name: node.name.clone(),
            },
        ));
    }
    out
}

/// One thing a pin checks, on its line or not.
fn checked(
    what: String,
    seen: &str,
    line: &str,
    component: &str,
    target: FindingTarget,
) -> Finding {
    if version_matches_line(line, seen) {
        Finding::new(
            FindingKind::PinOn,
            FindingSeverity::Ok,
            format!("{what} runs {seen}: on {line}"),
            target,
        )
    } else {
        Finding::new(
            FindingKind::PinOff,
            FindingSeverity::Error,
            format!("{what} runs {seen}: not on {line}"),
            target,
        )
        .with_detail([format!(
            "{component} is pinned to {line} in the zones file; upgrade or downgrade it, or move the pin"
        )])
    }
}

/// Explains a pin: what is pinned, and each thing it checks with what it runs.
pub fn explain_pin(zone: &ZoneModel, component: &str) -> Vec<Finding> {
    let target = FindingTarget::Pin {
        component: component.to_string(),
    };
    let Some(pin) = zone.config.pins.iter().find(|p| p.component == component) else {
        return vec![Finding::new(
            FindingKind::Gone,
            FindingSeverity::Info,
            format!("{component} is not pinned in this zone"),
            FindingTarget::Zone,
        )];
    };
    let line = pin.line.as_str();
    if never_reached(zone) {
        return vec![Finding::new(
            FindingKind::PinUnknown,
            FindingSeverity::Info,
            format!(
                "{component} is pinned to {line}; the zone was never reached, so it is unknown"
            ),
            target,
        )];
    }
    let node = |n: &NodeInfo| FindingTarget::Node {
        name: n.name.clone(),
    };
    let mut out = Vec::new();
    match component {
        "kubernetes" => {
            if let Some(server) = &zone.server_version {
                out.push(checked(
                    "the API server".into(),
                    server,
                    line,
                    component,
                    FindingTarget::Zone,
                ));
            }
            for n in zone
                .nodes
                .values()
                .filter(|n| !n.kubelet_version.is_empty())
            {
                let what = format!("the kubelet of node {}", n.name);
                out.push(checked(what, &n.kubelet_version, line, component, node(n)));
            }
        }
        "containerd" => {
            for n in zone
                .nodes
                .values()
                .filter(|n| !n.container_runtime.is_empty())
            {
                let what = format!("node {}", n.name);
                out.push(checked(
                    what,
                    &n.container_runtime,
                    line,
                    component,
                    node(n),
                ));
            }
        }
        _ => {
            let name = pin.workload.as_deref().unwrap_or(component);
            for w in zone
                .workloads
                .values()
                .filter(|w| w.namespace == SYSTEM_NAMESPACE && w.name == name)
            {
                let what = FindingTarget::workload(w.workload_key());
                for image in &w.images {
                    let Some(tag) = image_tag(image) else {
                        out.push(
                            Finding::new(
                                FindingKind::PinOff,
                                FindingSeverity::Error,
                                format!("{} runs {image}, which has no tag", what.describe()),
                                what.clone(),
                            )
                            .with_detail([format!("{component} is pinned to {line}")]),
                        );
                        continue;
                    };
                    out.push(checked(what.describe(), tag, line, component, what.clone()));
                }
            }
        }
    }
    if out.is_empty() {
        let checks = match component {
            "kubernetes" => "the API server's version and every kubelet".to_string(),
            "containerd" => "every node's container runtime".to_string(),
            _ => format!(
                "the image tag of the {SYSTEM_NAMESPACE} workload {}",
                pin.workload.as_deref().unwrap_or(component)
            ),
        };
        out.push(
            Finding::new(
                FindingKind::PinMissing,
                FindingSeverity::Error,
                format!("{component} is pinned to {line} but was not found"),
                target,
            )
            .with_detail([format!("the pin checks {checks}; none was seen")]),
        );
    }
    out
}
