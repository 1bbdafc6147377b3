//! A zone, a node and a pin explained: nodes, pins, system pods and workloads, a zone that is
//! not live, forbidden kinds, and the dispatch on the subject.

use super::tests::*;
use super::*;
use crate::fleet::tests::dev_zone;
use crate::fleet::{
    FailureCause, Keyed, KindStatus, LinkStatus, NodeInfo, ResourceKind, WorkloadInfo, ZoneEvent,
    ZoneModel,
};

fn node(name: &str, ready: bool, kubelet: &str) -> NodeInfo {
    NodeInfo {
        name: name.into(),
        ready,
        unschedulable: false,
        roles: vec![],
        kubelet_version: kubelet.into(),
        container_runtime: "containerd://2.1.5-k3s1".into(),
        os_image: String::new(),
        kernel_version: String::new(),
        created: None,
    }
}

fn kube_system_deployment(name: &str, image: &str) -> WorkloadInfo {
    let mut w = deployment(name);
    w.namespace = "kube-system".into();
    w.images = vec![image.into()];
    w
}

/// A live dev zone: two nodes (one NotReady, cordoned, on a kubelet off the pin), traefik off
/// its pin, coredns on its, metrics-server crash-looping, ge-sandbox stuck.
fn troubled_dev() -> ZoneModel {
    let mut zone = dev_zone();
    live(&mut zone);
    let mut bad = node("ge-dev-2", false, "v1.35.0");
    bad.unschedulable = true;
    for n in [node("ge-dev-1", true, "v1.34.2+k3s1"), bad] {
        zone.nodes.insert(n.key(), n);
    }
    for w in [
        kube_system_deployment("traefik", "rancher/mirrored-library-traefik:3.5.1"),
        kube_system_deployment("coredns", "rancher/mirrored-coredns-coredns:1.14.1"),
    ] {
        zone.workloads.insert(w.workload_key(), w);
    }
    let p = crash_looping(exit("Error", 1, 2));
    zone.pods.insert(p.key(), p);
    let mut sandbox = deployment("ge-sandbox");
    sandbox.ready = 0;
    sandbox.available = 0;
    zone.workloads.insert(sandbox.workload_key(), sandbox);
    zone
}

#[test]
fn a_zone_lists_nodes_pins_system_pods_and_workloads_each_leading_to_its_object() {
    let zone = troubled_dev();
    let f = explain_zone(&zone, now());
    assert_eq!(
        kinds(&f),
        [
            FindingKind::NodeNotReady,
            FindingKind::NodeCordoned,
            FindingKind::PinOff,
            FindingKind::PinOff,
            FindingKind::SystemPod,
            FindingKind::Workload,
        ],
        "{}",
        text(&f)
    );
    assert_eq!(
        f[0].target,
        FindingTarget::Node {
            name: "ge-dev-2".into()
        }
    );
    assert_eq!(
        f[2].headline,
        "kubernetes is off its pin: v1.34.2+k3s1, v1.35.0 is not on v1.34.x"
    );
    assert_eq!(
        f[3].headline,
        "traefik is off its pin: 3.5.1 is not on v3.6.x"
    );
    assert_eq!(
        f[3].target,
        FindingTarget::Pin {
            component: "traefik".into()
        }
    );
    assert!(
        f[4].headline.starts_with(
            "system pod metrics-server-6d-x: container metrics-server is crash-looping"
        ),
        "{}",
        f[4].headline
    );
    assert_eq!(
        f[4].target,
        FindingTarget::pod(ObjectKey::new("kube-system", "metrics-server-6d-x"))
    );
    assert_eq!(
        f[5].headline,
        "deployment ge-agents/ge-sandbox: a rollout is in progress: Waiting for deployment \"ge-sandbox\" rollout to finish: 0 of 1 updated replicas are available..."
    );
}

#[test]
fn a_zone_that_is_not_live_says_why_with_its_error() {
    let refused = || LinkStatus::Failed {
        error: "connection refused (127.0.0.1:6443)".into(),
        cause: FailureCause::Unreachable,
        retry_at: None,
    };
    let mut zone = dev_zone();
    zone.apply(ZoneEvent::Link(refused()));
    zone.apply(ZoneEvent::Link(refused()));
    let f = explain_zone(&zone, now());
    assert_eq!(
        kinds(&f),
        [FindingKind::Connection, FindingKind::PinUnknown]
    );
    assert_eq!(
        f[0].headline,
        "unreachable: connection refused (127.0.0.1:6443)"
    );
    assert_eq!(
        f[0].detail,
        ["kubeconfig context ge-dev", "2 failed attempts"]
    );

    let mut zone = dev_zone();
    zone.apply(ZoneEvent::Link(LinkStatus::Failed {
        error: "401 Unauthorized".into(),
        cause: FailureCause::Unauthorized,
        retry_at: None,
    }));
    let f = explain_zone(&zone, now());
    assert!(
        f[0].headline
            .starts_with("unauthorized: the server refused the credentials")
    );

    let mut zone = dev_zone();
    zone.apply(ZoneEvent::Link(LinkStatus::NotConfigured {
        reason: "context ge-dev is not in the kubeconfig".into(),
    }));
    assert_eq!(
        explain_zone(&zone, now())[0].headline,
        "not configured: context ge-dev is not in the kubeconfig"
    );

    let mut zone = troubled_dev();
    zone.apply(ZoneEvent::Link(refused()));
    let f = explain_zone(&zone, now());
    assert_eq!(f[0].kind, FindingKind::Connection);
    assert!(
        f[0].headline
            .starts_with("connection lost: connection refused")
    );
    assert!(
        f.iter().any(|f| f.kind == FindingKind::PinOff),
        "a zone lost after being live still checks what it last showed"
    );

    let mut zone = dev_zone();
    zone.apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: "v1.34.2+k3s1".into(),
    }));
    let f = explain_zone(&zone, now());
    assert_eq!(f[0].severity, FindingSeverity::Info);
    assert!(
        f[0].headline
            .starts_with("listing its objects: waiting for nodes")
    );
}

#[test]
fn forbidden_and_failed_kinds_are_named_with_the_servers_words() {
    let mut zone = dev_zone();
    live(&mut zone);
    zone.apply(ZoneEvent::Kind(
        ResourceKind::Nodes,
        KindStatus::Forbidden {
            message: "nodes is forbidden: User \"dev\" cannot list resource \"nodes\"".into(),
        },
    ));
    zone.apply(ZoneEvent::Kind(
        ResourceKind::Pods,
        KindStatus::Failed {
            error: "stream ended".into(),
            cause: FailureCause::Other,
            retry_at: None,
        },
    ));
    let f = explain_zone(&zone, now());
    let forbidden = f
        .iter()
        .find(|f| f.kind == FindingKind::KindForbidden)
        .unwrap();
    assert_eq!(forbidden.headline, "may not list nodes: the rest is shown");
    assert!(forbidden.detail[0].contains("cannot list resource"));
    let failed = f
        .iter()
        .find(|f| f.kind == FindingKind::KindFailed)
        .unwrap();
    assert_eq!(failed.headline, "the watch of pods failed: stream ended");
}

#[test]
fn a_healthy_zone_says_so() {
    let mut zone = dev_zone();
    live(&mut zone);
    zone.config = std::sync::Arc::new(crate::config::ZoneConfig {
        pins: vec![],
        ..(*zone.config).clone()
    });
    let n = node("ge-dev-1", true, "v1.34.2+k3s1");
    zone.nodes.insert(n.key(), n);
    let f = explain_zone(&zone, now());
    assert_eq!(kinds(&f), [FindingKind::Healthy]);
    assert!(
        f[0].headline
            .starts_with("live, and every check passes: 1/1 nodes ready")
    );
}

#[test]
fn a_pin_shows_what_is_pinned_and_what_each_thing_runs() {
    let zone = troubled_dev();
    let f = explain_pin(&zone, "kubernetes");
    assert_eq!(
        kinds(&f),
        [FindingKind::PinOn, FindingKind::PinOn, FindingKind::PinOff]
    );
    assert_eq!(
        f[0].headline,
        "the API server runs v1.34.2+k3s1: on v1.34.x"
    );
    assert_eq!(
        f[2].headline,
        "the kubelet of node ge-dev-2 runs v1.35.0: not on v1.34.x"
    );
    assert_eq!(
        f[2].target,
        FindingTarget::Node {
            name: "ge-dev-2".into()
        }
    );

    let f = explain_pin(&zone, "traefik");
    assert_eq!(kinds(&f), [FindingKind::PinOff]);
    assert_eq!(
        f[0].headline,
        "deployment kube-system/traefik runs 3.5.1: not on v3.6.x"
    );
    assert_eq!(
        f[0].target,
        FindingTarget::workload(WorkloadKey::parse("kube-system/deployment/traefik").unwrap())
    );
    assert_eq!(kinds(&explain_pin(&zone, "coredns")), [FindingKind::PinOn]);
    assert_eq!(
        kinds(&explain_pin(&zone, "containerd")),
        [FindingKind::PinOn; 2]
    );

    let mut empty = dev_zone();
    live(&mut empty);
    let f = explain_pin(&empty, "traefik");
    assert_eq!(kinds(&f), [FindingKind::PinMissing]);
    assert_eq!(
        f[0].detail,
        ["the pin checks the image tag of the kube-system workload traefik; none was seen"]
    );
    let never = dev_zone();
    assert_eq!(
        kinds(&explain_pin(&never, "traefik")),
        [FindingKind::PinUnknown]
    );
}

#[test]
fn a_node_explains_readiness_cordon_and_its_versions() {
    let zone = troubled_dev();
    let f = explain_node(&zone, "ge-dev-2");
    assert_eq!(
        kinds(&f),
        [
            FindingKind::NodeNotReady,
            FindingKind::NodeCordoned,
            FindingKind::PinOff
        ]
    );
    assert_eq!(
        kinds(&explain_node(&zone, "ge-dev-1")),
        [FindingKind::Healthy]
    );
    assert_eq!(kinds(&explain_node(&zone, "nope")), [FindingKind::Gone]);
}

#[test]
fn explain_dispatches_on_the_subject_and_targets_name_their_objects() {
    let zone = troubled_dev();
    let pod = FindingTarget::pod(ObjectKey::new("kube-system", "metrics-server-6d-x"));
    assert_eq!(
        kinds(&explain(&zone, &pod, now())),
        [FindingKind::CrashLoop]
    );
    assert_eq!(
        pod.object(),
        Some(ObjectRef {
            kind: "Pod",
            namespace: "kube-system",
            name: "metrics-server-6d-x"
        })
    );
    let missing = FindingTarget::pod(ObjectKey::new("a", "gone"));
    assert_eq!(kinds(&explain(&zone, &missing, now())), [FindingKind::Gone]);
    let w = FindingTarget::workload(WorkloadKey::parse("ge-agents/deploy/ge-sandbox").unwrap());
    assert_eq!(w.describe(), "deployment ge-agents/ge-sandbox");
    assert_eq!(w.object().map(|o| o.kind), Some("Deployment"));
    assert_eq!(FindingTarget::Zone.object(), None);
    assert_eq!(
        FindingTarget::Node { name: "n".into() }
            .object()
            .map(|o| o.kind),
        Some("Node")
    );
}

#[test]
fn ages_read_in_the_largest_whole_unit() {
    let at = |s: i64| now() - jiff::SignedDuration::from_secs(s);
    assert_eq!(ago(at(45), now()), "45s");
    assert_eq!(ago(at(150), now()), "2m");
    assert_eq!(ago(at(7200), now()), "2h");
    assert_eq!(ago(at(3 * 86_400), now()), "3d");
    assert_eq!(ago(now() + jiff::SignedDuration::from_secs(5), now()), "0s");
}

#[test]
fn a_kube_system_workload_is_not_listed_again_for_a_system_pod_already_listed() {
    let mut metrics = deployment("metrics-server");
    metrics.namespace = "kube-system".into();
    metrics.ready = 0;
    metrics.available = 0;
    let mut zone = zone_with(metrics, vec![crash_looping(exit("Error", 1, 2))]);
    let n = node("ge-dev-1", true, "v1.34.2+k3s1");
    zone.nodes.insert(n.key(), n);
    let f = explain_zone(&zone, now());
    let about_metrics: Vec<_> = f
        .iter()
        .filter(|f| f.headline.contains("metrics-server"))
        .map(|f| f.kind)
        .collect();
    assert_eq!(about_metrics, [FindingKind::SystemPod], "{}", text(&f));
}
