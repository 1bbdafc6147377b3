//! A workload deleted while its rollout is followed ends on the rollout panel as *deleted*:
//! not as succeeded, and not as a red failure of the rollout. Ours (restarted by this console)
//! and someone else's (seen through the watch) alike.

use std::path::Path;

use ge_console::actions::restart::{RestartOrder, RestartReceipt};
use ge_console::actions::rollout::RolloutPhase;
use ge_console::actions::runner::{ActionEvent, Severity};
use ge_console::config::{DEFAULT_ZONES_TOML, FleetConfig, ZoneId, parse_zones};
use ge_console::fleet::{
    Fleet, FleetEvent, KindStatus, LinkStatus, ObjectChange, ObjectKey, ResourceKind, StoreChange,
    WorkloadInfo, WorkloadKey, WorkloadKind, ZoneEvent,
};

mod common;
use common::Console;

fn config() -> FleetConfig {
    parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap()
}

fn executor() -> WorkloadKey {
    WorkloadKey::parse("ge-agents/deployment/ge-executor").unwrap()
}

/// ge-executor with 2 replicas at `generation`, `updated` of them on the newest revision.
fn executor_at(generation: i64, updated: i32) -> WorkloadInfo {
    WorkloadInfo {
        kind: WorkloadKind::Deployment,
        namespace: "ge-agents".into(),
        name: "ge-executor".into(),
        generation,
        observed_generation: generation,
        desired: 2,
        current: 2 + (2 - updated),
        updated,
        ready: 2,
        available: 2,
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

/// Every zone live, holding only `executor` (no pods, no other objects).
fn live_fleet(config: &FleetConfig, executor: WorkloadInfo) -> Fleet {
    let mut fleet = Fleet::new(config);
    for zone in &mut fleet.zones {
        zone.apply(ZoneEvent::Link(LinkStatus::Connected {
            server_version: "v1.34.2+k3s1".into(),
        }));
        for kind in [WorkloadKind::StatefulSet, WorkloadKind::DaemonSet] {
            zone.apply(ZoneEvent::Objects(ObjectChange::Workloads(
                kind,
                StoreChange::Replace(vec![]),
            )));
        }
        zone.apply(ZoneEvent::Objects(ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Replace(vec![executor.clone()]),
        )));
        for kind in ResourceKind::ALL {
            zone.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
        }
    }
    fleet
}

/// The watch of dev (zone 1) reports ge-executor deleted.
fn executor_deleted() -> Vec<FleetEvent> {
    vec![FleetEvent::new(
        ZoneId(1),
        ZoneEvent::Objects(ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Delete(ObjectKey::new("ge-agents", "ge-executor")),
        )),
    )]
}

fn phases(console: &Console) -> Vec<(bool, RolloutPhase)> {
    console
        .core
        .actions()
        .rollouts()
        .trackers
        .iter()
        .filter(|t| t.zone == ZoneId(1) && t.target == executor())
        .map(|t| (t.ours, t.phase.clone()))
        .collect()
}

/// The panel's line for dev's ge-executor.
fn panel_line(screen: &str) -> &str {
    screen
        .lines()
        .find(|l| l.contains("ge-agents/deployment/ge-executor") && l.contains("Z1"))
        .unwrap_or_else(|| panic!("no rollout line for ge-executor in\n{screen}"))
}

fn assert_shown_as_deleted(screen: &str) {
    let line = panel_line(screen);
    assert!(line.contains("⊘ deleted"), "{line:?} in\n{screen}");
    for wrong in ["succeeded", "failed", "✓", "✗"] {
        assert!(!line.contains(wrong), "{wrong:?} in {line:?}");
    }
}

#[test]
fn someone_elses_rollout_of_a_workload_deleted_meanwhile_shows_as_deleted() {
    let config = config();
    let mut console = Console::new(&config, live_fleet(&config, executor_at(4, 1)), false);
    console.core.on_tick();
    assert_eq!(phases(&console), [(false, RolloutPhase::InProgress)]);
    let screen = console.render(140, 30);
    assert!(panel_line(&screen).contains("○ in progress"), "{screen}");

    console.core.on_fleet_events(executor_deleted());

    assert_eq!(phases(&console), [(false, RolloutPhase::Deleted)]);
    let screen = console.render(140, 30);
    assert_shown_as_deleted(&screen);
}

#[test]
fn our_restart_of_a_workload_deleted_before_it_rolled_out_shows_as_deleted() {
    let config = config();
    let mut console = Console::new(&config, live_fleet(&config, executor_at(3, 2)), false);
    let now = console.core.time().now();
    let order = RestartOrder {
        zone: (*console.fleet().zone(ZoneId(1)).unwrap().config).clone(),
        target: executor(),
        confirmation: None,
        asked: now.wall,
    };
    console.core.on_action_event(ActionEvent::Restarted {
        order: Box::new(order),
        result: Ok(RestartReceipt {
            restarted_at: now.wall.to_string(),
            generation: 4,
        }),
    });
    console.core.on_tick();
    assert_eq!(phases(&console), [(true, RolloutPhase::InProgress)]);

    console.core.on_fleet_events(executor_deleted());

    assert_eq!(phases(&console), [(true, RolloutPhase::Deleted)]);
    let screen = console.render(140, 30);
    assert_shown_as_deleted(&screen);
    assert!(panel_line(&screen).contains("· ours"), "{screen}");
    let (severity, message) = console.core.actions().message().cloned().unwrap();
    assert_eq!(severity, Severity::Info, "not shown as an error: {message}");
    assert_eq!(
        message,
        "rollout of ge-agents/deployment/ge-executor deleted"
    );
}
