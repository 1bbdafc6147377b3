//! Every kind of finding, from plain model values.

use jiff::Timestamp;

use super::*;
use crate::fleet::tests::dev_zone;
use crate::fleet::{
    ConditionInfo, ContainerRole, ContainerState, ContainerSummary, Keyed, KindStatus, LinkStatus,
    OwnerRef, PodInfo, ReplicaSetInfo, ResourceKind, Termination, WorkloadInfo, WorkloadKind,
    ZoneEvent, ZoneModel,
};

pub(super) fn now() -> Timestamp {
    "2026-03-26T12:00:00Z".parse().unwrap()
}

pub(super) fn minutes_ago(m: i64) -> Option<Timestamp> {
    Some(now() - jiff::SignedDuration::from_mins(m))
}

pub(super) fn live(zone: &mut ZoneModel) {
    zone.apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: "v1.34.2+k3s1".into(),
    }));
    for k in ResourceKind::ALL {
        zone.apply(ZoneEvent::Kind(k, KindStatus::Synced));
    }
}

pub(super) fn container(name: &str, ready: bool, state: ContainerState) -> ContainerSummary {
    ContainerSummary {
        name: name.into(),
        role: ContainerRole::Main,
        ready,
        restarts: 0,
        state,
        last_termination: None,
    }
}

pub(super) fn exit(reason: &str, code: i32, minutes: i64) -> Box<Termination> {
    Box::new(Termination {
        reason: reason.into(),
        exit_code: code,
        signal: None,
        finished: minutes_ago(minutes),
        message: None,
    })
}

pub(super) fn pod(
    ns: &str,
    name: &str,
    status: &str,
    containers: Vec<ContainerSummary>,
) -> PodInfo {
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

pub(super) fn running(ns: &str, name: &str) -> PodInfo {
    pod(
        ns,
        name,
        "Running",
        vec![container("app", true, ContainerState::Running)],
    )
}

pub(super) fn crash_looping(last: Box<Termination>) -> PodInfo {
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

pub(super) fn kinds(findings: &[Finding]) -> Vec<FindingKind> {
    findings.iter().map(|f| f.kind).collect()
}

pub(super) fn text(findings: &[Finding]) -> String {
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

pub(super) fn deployment(name: &str) -> WorkloadInfo {
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

pub(super) fn condition(kind: &str, status: &str, reason: &str, message: &str) -> ConditionInfo {
    ConditionInfo {
        kind: kind.into(),
        status: status.into(),
        reason: reason.into(),
        message: message.into(),
    }
}

/// A live dev zone with `w`, one ReplicaSet of it and `pods` owned by that ReplicaSet.
pub(super) fn zone_with(w: WorkloadInfo, pods: Vec<PodInfo>) -> ZoneModel {
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
