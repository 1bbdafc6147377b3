//! Every kind of finding, from plain model values.

use jiff::Timestamp;

use super::*;
use crate::fleet::tests::dev_zone;
use crate::fleet::{
    ConditionInfo, ContainerRole, ContainerState, ContainerSummary, FailureCause, Keyed,
    KindStatus, LinkStatus, NodeInfo, OwnerRef, PodInfo, ReplicaSetInfo, ResourceKind, Termination,
    WorkloadInfo, WorkloadKind, ZoneEvent, ZoneModel,
};

fn now() -> Timestamp {
    "2026-03-26T12:00:00Z".parse().unwrap()
}

fn minutes_ago(m: i64) -> Option<Timestamp> {
    Some(now() - jiff::SignedDuration::from_mins(m))
}

fn live(zone: &mut ZoneModel) {
    zone.apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: "v1.34.2+k3s1".into(),
    }));
    for k in ResourceKind::ALL {
        zone.apply(ZoneEvent::Kind(k, KindStatus::Synced));
    }
}

fn container(name: &str, ready: bool, state: ContainerState) -> ContainerSummary {
    ContainerSummary {
        name: name.into(),
        role: ContainerRole::Main,
        ready,
        restarts: 0,
        state,
        last_termination: None,
    }
}

fn exit(reason: &str, code: i32, minutes: i64) -> Box<Termination> {
    Box::new(Termination {
        reason: reason.into(),
        exit_code: code,
        signal: None,
        finished: minutes_ago(minutes),
        message: None,
    })
}

fn pod(ns: &str, name: &str, status: &str, containers: Vec<ContainerSummary>) -> PodInfo {
    let ready = containers.iter().filter(|c| c.ready).count();
    PodInfo {
        namespace: ns.into(),
        name: name.into(),
        phase: if status == "Pending" || status == "ContainerCreating" {
            "Pending".into()
        } else {
            "Running".into()
        },
        status: status.into(),
        message: None,
        ready_containers: ready as u16,
        total_containers: containers.len().max(1) as u16,
        restarts: containers.iter().map(|c| c.restarts).sum(),
        node: Some("node-1".into()),
        images: vec![format!("registry.ge.internal/{name}:1")],
        owner: None,
        template_hash: None,
        created: minutes_ago(60),
        started: minutes_ago(60),
        deleting: false,
        containers,
        conditions: vec![],
    }
}

fn running(ns: &str, name: &str) -> PodInfo {
    pod(
        ns,
        name,
        "Running",
        vec![container("app", true, ContainerState::Running)],
    )
}

fn crash_looping(last: Box<Termination>) -> PodInfo {
    let mut c = container(
        "metrics-server",
        false,
        ContainerState::waiting(
            "CrashLoopBackOff",
            Some("back-off 5m0s restarting failed container".into()),
        ),
    );
    c.restarts = 14;
    c.last_termination = Some(last);
    pod(
        "kube-system",
        "metrics-server-6d-x",
        "CrashLoopBackOff",
        vec![c],
    )
}

fn kinds(findings: &[Finding]) -> Vec<FindingKind> {
    findings.iter().map(|f| f.kind).collect()
}

fn text(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("{}\n  {}\n", f.headline, f.detail.join("\n  ")))
        .collect()
}

#[test]
fn a_crash_loop_names_the_last_exit_code_reason_and_restarts() {
    let f = explain_pod(&crash_looping(exit("Error", 1, 2)), now());
    assert_eq!(kinds(&f), [FindingKind::CrashLoop]);
    assert_eq!(f[0].severity, FindingSeverity::Error);
    assert_eq!(
        f[0].headline,
        "container metrics-server is crash-looping (CrashLoopBackOff): last exit 1 (Error), 14 restarts"
    );
    assert_eq!(
        f[0].detail,
        [
            "back-off 5m0s restarting failed container",
            "last run: exit 1 (Error) 2m ago"
        ]
    );
    assert_eq!(
        f[0].target,
        FindingTarget::Pod {
            pod: ObjectKey::new("kube-system", "metrics-server-6d-x"),
            container: Some("metrics-server".into()),
        }
    );
}

#[test]
fn an_oom_killed_crash_loop_is_called_out() {
    let f = explain_pod(&crash_looping(exit("OOMKilled", 137, 1)), now());
    assert_eq!(kinds(&f), [FindingKind::CrashLoop]);
    assert!(
        f[0].headline
            .contains("killed for running out of memory (OOMKilled, exit 137)"),
        "{}",
        f[0].headline
    );
    assert!(f[0].detail[1].contains("ran out of memory: raise its memory limit"));
}

#[test]
fn a_running_container_that_was_oom_killed_before_is_a_warning() {
    let mut c = container("app", true, ContainerState::Running);
    c.restarts = 3;
    c.last_termination = Some(exit("OOMKilled", 137, 30));
    let f = explain_pod(&pod("a", "p", "Running", vec![c]), now());
    assert_eq!(kinds(&f), [FindingKind::Restarted]);
    assert_eq!(f[0].severity, FindingSeverity::Warning);
    assert_eq!(
        f[0].headline,
        "container app restarted (3 restarts): last exit 137 (OOMKilled)"
    );
}

#[test]
fn image_pull_failures_name_the_image_and_message() {
    for reason in ["ImagePullBackOff", "ErrImagePull"] {
        let c = container(
            "sandbox",
            false,
            ContainerState::waiting(
                reason,
                Some("Back-off pulling image \"registry.ge.internal/ge-sandbox:broken\"".into()),
            ),
        );
        let f = explain_pod(&pod("ge-agents", "ge-sandbox-1", reason, vec![c]), now());
        assert_eq!(kinds(&f), [FindingKind::ImagePull]);
        assert_eq!(
            f[0].headline,
            format!("container sandbox cannot pull its image: {reason}")
        );
        assert_eq!(
            f[0].detail,
            [
                "image registry.ge.internal/ge-sandbox-1:1",
                "Back-off pulling image \"registry.ge.internal/ge-sandbox:broken\""
            ]
        );
    }
}

#[test]
fn an_unschedulable_pod_quotes_the_scheduler() {
    let mut p = pod("ge-data", "big-0", "Pending", vec![]);
    p.conditions.push(ConditionInfo {
        kind: "PodScheduled".into(),
        status: "False".into(),
        reason: "Unschedulable".into(),
        message: "0/1 nodes are available: 1 Insufficient memory.".into(),
    });
    let f = explain_pod(&p, now());
    assert_eq!(kinds(&f), [FindingKind::Unschedulable]);
    assert_eq!(
        f[0].headline,
        "the scheduler cannot place it: Unschedulable"
    );
    assert_eq!(
        f[0].detail,
        ["0/1 nodes are available: 1 Insufficient memory."]
    );
}

#[test]
fn a_failing_readiness_probe_shows_the_ready_condition_and_the_liveness_restarts() {
    let mut c = container("app", false, ContainerState::Running);
    c.restarts = 2;
    c.last_termination = Some(exit("Error", 137, 5));
    let mut p = pod("ge-agents", "api-1", "Running", vec![c]);
    p.conditions.push(ConditionInfo {
        kind: "Ready".into(),
        status: "False".into(),
        reason: "ContainersNotReady".into(),
        message: "containers with unready status: [app]".into(),
    });
    let f = explain_pod(&p, now());
    assert_eq!(kinds(&f), [FindingKind::NotReady]);
    assert_eq!(f[0].headline, "container app is running but not ready");
    let detail = f[0].detail.join("\n");
    assert!(detail.contains("readiness probe does not pass"), "{detail}");
    assert!(detail.contains("2 restarts; a failing liveness probe restarts it"));
    assert!(detail.contains("exit 137 (Error) 5m ago — killed (SIGKILL)"));
    assert!(
        detail.contains("Ready=False ContainersNotReady: containers with unready status: [app]")
    );
}

#[test]
fn container_creating_gives_the_waiting_message_or_says_there_is_none() {
    let with = container(
        "c",
        false,
        ContainerState::waiting(
            "ContainerCreating",
            Some("MountVolume.SetUp failed for volume \"certs\"".into()),
        ),
    );
    let f = explain_pod(&pod("a", "p", "ContainerCreating", vec![with]), now());
    assert_eq!(kinds(&f), [FindingKind::Creating]);
    assert_eq!(f[0].severity, FindingSeverity::Warning);
    assert_eq!(f[0].headline, "container c is waiting: ContainerCreating");
    assert_eq!(
        f[0].detail,
        ["MountVolume.SetUp failed for volume \"certs\""]
    );
    let without = container(
        "c",
        false,
        ContainerState::waiting("ContainerCreating", None),
    );
    let f = explain_pod(&pod("a", "p", "ContainerCreating", vec![without]), now());
    assert!(f[0].detail[0].starts_with("no message from the kubelet"));
}

#[test]
fn config_errors_other_waits_exits_and_init_containers() {
    let config_error = container(
        "c",
        false,
        ContainerState::waiting(
            "CreateContainerConfigError",
            Some("secret \"db\" not found".into()),
        ),
    );
    let f = explain_pod(
        &pod("a", "p", "CreateContainerConfigError", vec![config_error]),
        now(),
    );
    assert_eq!(kinds(&f), [FindingKind::ContainerError]);
    assert_eq!(f[0].detail, ["secret \"db\" not found"]);

    let other = container("c", false, ContainerState::waiting("Blocked", None));
    let f = explain_pod(&pod("a", "p", "Blocked", vec![other]), now());
    assert_eq!(kinds(&f), [FindingKind::Waiting]);

    let mut init = container(
        "migrate",
        false,
        ContainerState::Terminated(exit("Error", 127, 1)),
    );
    init.role = ContainerRole::Init;
    let f = explain_pod(&pod("a", "p", "Init:Error", vec![init]), now());
    assert_eq!(kinds(&f), [FindingKind::Exited]);
    assert_eq!(
        f[0].headline,
        "init container migrate exited: exit 127 (Error)"
    );
    assert!(f[0].detail[0].contains("the command was not found"));
}

#[test]
fn terminating_failed_and_unexplained_pods() {
    let mut p = running("a", "p");
    p.deleting = true;
    p.status = "Terminating".into();
    assert_eq!(kinds(&explain_pod(&p, now())), [FindingKind::Terminating]);

    let mut evicted = pod("a", "e", "Evicted", vec![]);
    evicted.phase = "Failed".into();
    evicted.message = Some("The node was low on resource: memory.".into());
    let f = explain_pod(&evicted, now());
    assert_eq!(kinds(&f), [FindingKind::PodFailed]);
    assert_eq!(f[0].detail, ["The node was low on resource: memory."]);

    let mut unknown = pod("a", "u", "Init:0/2", vec![]);
    unknown.phase = "Pending".into();
    let f = explain_pod(&unknown, now());
    assert_eq!(kinds(&f), [FindingKind::PodNotRunning]);
    assert_eq!(f[0].headline, "the pod is Init:0/2 (0/1 containers ready)");
}

#[test]
fn a_healthy_or_completed_pod_says_nothing_is_wrong() {
    let f = explain_pod(&running("a", "p"), now());
    assert_eq!(kinds(&f), [FindingKind::Healthy]);
    assert_eq!(f[0].severity, FindingSeverity::Ok);
    assert_eq!(
        f[0].headline,
        "the pod is Running: 1/1 containers ready, 0 restarts"
    );
    let mut done = pod(
        "kube-system",
        "helm-install",
        "Completed",
        vec![container("h", false, ContainerState::Completed)],
    );
    done.phase = "Succeeded".into();
    assert_eq!(explain_pod(&done, now())[0].headline, "the pod completed");
}

fn deployment(name: &str) -> WorkloadInfo {
    WorkloadInfo {
        kind: WorkloadKind::Deployment,
        namespace: "ge-agents".into(),
        name: name.into(),
        generation: 2,
        observed_generation: 2,
        desired: 1,
        current: 1,
        updated: 1,
        ready: 1,
        available: 1,
        paused: false,
        images: vec![],
        conditions: vec![],
        current_revision: None,
        update_revision: None,
        rolling_update: true,
        partition: 0,
        restarted_at: None,
        created: None,
    }
}

fn condition(kind: &str, status: &str, reason: &str, message: &str) -> ConditionInfo {
    ConditionInfo {
        kind: kind.into(),
        status: status.into(),
        reason: reason.into(),
        message: message.into(),
    }
}

/// A live dev zone with `w`, one ReplicaSet of it and `pods` owned by that ReplicaSet.
fn zone_with(w: WorkloadInfo, pods: Vec<PodInfo>) -> ZoneModel {
    let mut zone = dev_zone();
    live(&mut zone);
    let rs = format!("{}-abc", w.name);
    zone.replicasets.insert(
        ObjectKey::new(&w.namespace, &rs),
        ReplicaSetInfo {
            namespace: w.namespace.clone(),
            name: rs.clone(),
            owner: Some(OwnerRef {
                kind: "Deployment".into(),
                name: w.name.clone(),
            }),
            desired: w.desired,
            current: w.current,
            ready: w.ready,
            available: w.available,
            revision: Some(1),
            template_hash: Some("abc".into()),
            images: vec![],
            created: None,
            change_cause: None,
        },
    );
    for mut p in pods {
        p.owner = Some(OwnerRef {
            kind: "ReplicaSet".into(),
            name: rs.clone(),
        });
        zone.pods.insert(p.key(), p);
    }
    zone.workloads.insert(w.workload_key(), w);
    zone
}

#[test]
fn a_stuck_rollout_gives_its_conditions_counts_and_the_pod_that_blocks_it() {
    let mut w = deployment("ge-sandbox");
    w.ready = 0;
    w.available = 0;
    w.conditions = vec![
        condition(
            "Progressing",
            "False",
            "ProgressDeadlineExceeded",
            "ReplicaSet \"ge-sandbox-abc\" has timed out progressing.",
        ),
        condition(
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        ),
    ];
    let stuck = pod(
        "ge-agents",
        "ge-sandbox-abc-1",
        "ContainerCreating",
        vec![container(
            "sandbox",
            false,
            ContainerState::waiting("ContainerCreating", None),
        )],
    );
    let zone = zone_with(
        w.clone(),
        vec![stuck, running("ge-agents", "ge-sandbox-abc-2")],
    );
    let f = explain_workload(&zone, &w.workload_key(), now());
    assert_eq!(
        kinds(&f),
        [FindingKind::RolloutFailed, FindingKind::Creating]
    );
    assert_eq!(
        f[0].headline,
        "the rollout failed: deployment \"ge-sandbox\" exceeded its progress deadline"
    );
    assert_eq!(
        f[0].detail,
        [
            "Progressing=False ProgressDeadlineExceeded: ReplicaSet \"ge-sandbox-abc\" has timed out progressing.",
            "Available=False MinimumReplicasUnavailable: Deployment does not have minimum availability.",
            "desired 1 · updated 1 · ready 0 · available 0 · unavailable 1",
        ]
    );
    assert_eq!(
        f[1].headline,
        "pod ge-sandbox-abc-1: container sandbox is waiting: ContainerCreating"
    );
    assert!(
        matches!(&f[1].target, FindingTarget::Pod { pod, .. } if pod.name == "ge-sandbox-abc-1")
    );
}

#[test]
fn paused_progressing_unavailable_replica_failure_and_healthy_workloads() {
    let mut paused = deployment("paused");
    paused.paused = true;
    let zone = zone_with(paused.clone(), vec![]);
    assert_eq!(
        kinds(&explain_workload(&zone, &paused.workload_key(), now())),
        [FindingKind::RolloutPaused]
    );

    let mut rolling = deployment("rolling");
    rolling.desired = 2;
    rolling.updated = 1;
    rolling.current = 3;
    let zone = zone_with(rolling.clone(), vec![]);
    let f = explain_workload(&zone, &rolling.workload_key(), now());
    assert_eq!(kinds(&f), [FindingKind::RolloutProgressing]);
    assert!(
        f[0].headline
            .contains("1 out of 2 new replicas have been updated")
    );
    assert!(f[0].detail.last().unwrap().ends_with("· old 2"));

    let mut short = deployment("short");
    short.desired = 2;
    short.updated = 2;
    short.current = 2;
    short.ready = 1;
    short.available = 2;
    short.conditions = vec![condition(
        "ReplicaFailure",
        "True",
        "FailedCreate",
        "pods \"short-x\" is forbidden: exceeded quota",
    )];
    let zone = zone_with(short.clone(), vec![]);
    let f = explain_workload(&zone, &short.workload_key(), now());
    assert_eq!(
        kinds(&f),
        [FindingKind::Unavailable, FindingKind::ReplicaFailure]
    );
    assert_eq!(f[0].headline, "1 of 2 pods are not ready");
    assert_eq!(
        f[1].detail,
        ["pods \"short-x\" is forbidden: exceeded quota"]
    );

    let fine = deployment("fine");
    let zone = zone_with(fine.clone(), vec![running("ge-agents", "fine-abc-1")]);
    let f = explain_workload(&zone, &fine.workload_key(), now());
    assert_eq!(kinds(&f), [FindingKind::Healthy]);
    assert_eq!(
        f[0].headline,
        "rollout complete: desired 1 · updated 1 · ready 1 · available 1"
    );

    let gone = WorkloadKey::parse("ge-agents/deployment/nope").unwrap();
    let f = explain_workload(&zone, &gone, now());
    assert_eq!(kinds(&f), [FindingKind::Gone]);
}

#[test]
fn many_blocking_pods_are_cut_with_a_count() {
    let mut w = deployment("wide");
    w.desired = 15;
    w.updated = 15;
    w.current = 15;
    w.ready = 0;
    w.available = 0;
    let pods = (0..15)
        .map(|i| {
            pod(
                "ge-agents",
                &format!("wide-abc-{i:02}"),
                "ContainerCreating",
                vec![container(
                    "c",
                    false,
                    ContainerState::waiting("ContainerCreating", None),
                )],
            )
        })
        .collect();
    let zone = zone_with(w.clone(), pods);
    let f = explain_workload(&zone, &w.workload_key(), now());
    assert_eq!(f.len(), 1 + LISTED_MAX + 1);
    assert_eq!(f.last().unwrap().kind, FindingKind::More);
    assert_eq!(f.last().unwrap().headline, "… and 5 more pods not ready");
}

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

use crate::fleet::events::{EventInfo, EventObject};

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
