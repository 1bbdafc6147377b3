//! The recent Warning events as findings: after the state, newest first, one per reason and
//! object, cut with a count, each leading to the object it is about.

use super::tests::{deployment, kinds, minutes_ago, now, running, zone_with};
use super::*;
use crate::fleet::events::{EventInfo, EventObject};

fn event(name: &str, kind: &str, object: (&str, &str), reason: &str, minutes: i64) -> EventInfo {
    EventInfo {
        namespace: "ge-agents".into(),
        name: name.into(),
        event_type: if kind == "Warning" {
            crate::fleet::events::EventType::Warning
        } else {
            crate::fleet::events::EventType::Normal
        },
        reason: reason.into(),
        object: EventObject::new(object.0, "ge-agents", object.1),
        message: format!("{reason} happened"),
        count: 3,
        first_seen: minutes_ago(minutes + 10),
        last_seen: minutes_ago(minutes),
        reporter: "kubelet".into(),
    }
}

#[test]
fn a_workloads_recent_warnings_follow_its_state_newest_first_one_per_reason_and_object() {
    let w = deployment("ge-sandbox");
    let mut zone = zone_with(w.clone(), vec![running("ge-agents", "ge-sandbox-abc-1")]);
    for e in [
        event("a", "Warning", ("Pod", "ge-sandbox-abc-1"), "BackOff", 9),
        // The same reason on the same pod again: the newer one speaks for both.
        event("b", "Warning", ("Pod", "ge-sandbox-abc-1"), "BackOff", 2),
        event("c", "Normal", ("Pod", "ge-sandbox-abc-1"), "Pulled", 1),
        event(
            "d",
            "Warning",
            ("ReplicaSet", "ge-sandbox-abc"),
            "FailedCreate",
            5,
        ),
        event("e", "Warning", ("Pod", "other-pod"), "BackOff", 1),
    ] {
        zone.events.insert(e);
    }
    let f = explain_workload(&zone, &w.workload_key(), now());
    assert_eq!(kinds(&f), [FindingKind::Healthy], "the state alone");
    let f = explain(&zone, &FindingTarget::workload(w.workload_key()), now());
    assert_eq!(
        kinds(&f),
        [
            FindingKind::Healthy,
            FindingKind::WarningEvent,
            FindingKind::WarningEvent
        ]
    );
    assert_eq!(
        f[1].headline,
        "event BackOff on pod/ge-sandbox-abc-1 ×3, 2m ago"
    );
    assert_eq!(f[1].detail, ["BackOff happened", "reported by kubelet"]);
    assert_eq!(f[1].severity, FindingSeverity::Warning);
    assert_eq!(
        f[1].target,
        FindingTarget::pod(ObjectKey::new("ge-agents", "ge-sandbox-abc-1"))
    );
    // A ReplicaSet's Warning leads to its Deployment.
    assert_eq!(
        f[2].headline,
        "event FailedCreate on replicaset/ge-sandbox-abc ×3, 5m ago"
    );
    assert_eq!(f[2].target, FindingTarget::workload(w.workload_key()));

    let pod = explain(
        &zone,
        &FindingTarget::pod(ObjectKey::new("ge-agents", "ge-sandbox-abc-1")),
        now(),
    );
    assert_eq!(kinds(&pod)[1..], [FindingKind::WarningEvent]);
}

#[test]
fn many_warnings_are_cut_with_a_count_and_a_node_has_its_own() {
    let w = deployment("ge-sandbox");
    let mut zone = zone_with(w.clone(), vec![]);
    for i in 0..8 {
        zone.events.insert(event(
            &format!("e{i}"),
            "Warning",
            ("Deployment", "ge-sandbox"),
            &format!("Reason{i}"),
            i,
        ));
    }
    let mut on_node = event("n", "Warning", ("Node", "node-1"), "NodeNotReady", 1);
    on_node.object.namespace = String::new();
    zone.events.insert(on_node);
    let f = warning_findings(&zone, &FindingTarget::workload(w.workload_key()), now());
    assert_eq!(f.len(), WARNINGS_LISTED + 1);
    assert!(
        f[0].headline.starts_with("event Reason0 "),
        "{}",
        f[0].headline
    );
    assert_eq!(f[WARNINGS_LISTED].kind, FindingKind::More);
    assert_eq!(
        f[WARNINGS_LISTED].headline,
        "… and 3 more Warning events (E shows them all)"
    );
    let node = warning_findings(
        &zone,
        &FindingTarget::Node {
            name: "node-1".into(),
        },
        now(),
    );
    assert_eq!(kinds(&node), [FindingKind::WarningEvent]);
    assert!(warning_findings(&zone, &FindingTarget::Zone, now()).is_empty());
}

#[test]
fn an_events_object_is_a_target_and_belongs_to_its_workload() {
    let w = deployment("ge-sandbox");
    let zone = zone_with(w.clone(), vec![running("ge-agents", "ge-sandbox-abc-1")]);
    let obj = |kind: &str, name: &str| EventObject::new(kind, "ge-agents", name);
    assert_eq!(
        event_workload(&zone, &obj("Pod", "ge-sandbox-abc-1")),
        Some(w.workload_key())
    );
    assert_eq!(
        event_workload(&zone, &obj("ReplicaSet", "ge-sandbox-abc")),
        Some(w.workload_key())
    );
    assert_eq!(
        event_workload(&zone, &obj("Deployment", "ge-sandbox")),
        Some(w.workload_key())
    );
    assert_eq!(event_workload(&zone, &obj("Pod", "unknown")), None);
    assert_eq!(event_workload(&zone, &obj("Deployment", "unknown")), None);
    assert_eq!(regarding(&zone, &obj("Service", "ge-sandbox")), None);
}
