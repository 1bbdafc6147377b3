//! The runbook checks on screen, driven through the console's real core on a fixed fleet and
//! clock: the Checks view (snapshots at 80×24 and 200×50, `w`, `z`, `/`, `enter` to the
//! subject, `esc` back), the Compare view (snapshots, `enter` to a workload, its ingress,
//! storage and CNI rows: a difference highlighted, a zone not live unknown) and the overview's
//! check counts.

use ge_console::config::{self, DEFAULT_ZONES_TOML, FleetConfig, ZoneId};
use ge_console::fleet::checks::{CheckId, CheckSeverity, zone_counts};
use ge_console::fleet::{
    FailureCause, Fleet, IngressClassInfo, KindStatus, LinkStatus, NodeInfo, ObjectChange,
    ResourceKind, StoreChange, WorkloadInfo, WorkloadKey, WorkloadKind, ZoneEvent, ZoneModel,
};
use ge_console::ui::theme::Role;
use ge_console::ui::{RowKey, Theme, ViewKind};
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;
use ratatui::style::Color;

mod common;
use common::{Console, ch, key};

// ---------------------------------------------------------------------------------------------
// Fixture: three live zones. ge-executor runs 1.5.0 in dev, a hotfix build in staging that dev
// never ran (not via the promotion path: fail) and 1.4.0 in production; ge-api runs in dev and
// production but not staging (a gap along the path: warn); ge-worker only in dev (not yet
// promoted: info).

fn config() -> FleetConfig {
    config::parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap()
}

fn deployment(ns: &str, name: &str, tag: &str, desired: i32) -> WorkloadInfo {
    WorkloadInfo {
        kind: WorkloadKind::Deployment,
        namespace: ns.into(),
        name: name.into(),
        generation: 1,
        observed_generation: 1,
        desired,
        current: desired,
        updated: desired,
        ready: desired,
        available: desired,
        paused: false,
        images: vec![format!("registry.local/{name}:{tag}")],
        conditions: Vec::new(),
        current_revision: None,
        update_revision: None,
        rolling_update: true,
        partition: 0,
        restarted_at: None,
        created: None,
    }
}

fn node(name: &str, runtime: &str) -> NodeInfo {
    NodeInfo {
        name: name.into(),
        ready: true,
        unschedulable: false,
        roles: vec!["control-plane".into()],
        kubelet_version: "v1.33.5".into(),
        container_runtime: runtime.into(),
        os_image: "Ubuntu 24.04".into(),
        kernel_version: "6.8.0".into(),
        created: None,
    }
}

fn live(zone: &mut ZoneModel, version: &str, nodes: Vec<NodeInfo>, workloads: Vec<WorkloadInfo>) {
    zone.apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: version.into(),
    }));
    for change in [
        ObjectChange::Nodes(StoreChange::Replace(nodes)),
        ObjectChange::Workloads(WorkloadKind::Deployment, StoreChange::Replace(workloads)),
    ] {
        zone.apply(ZoneEvent::Objects(change));
    }
    for kind in ResourceKind::ALL {
        zone.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
    }
}

fn fleet() -> Fleet {
    let mut fleet = Fleet::new(&config());
    live(
        &mut fleet.zones[0],
        "v1.34.2+k3s1",
        vec![node("ge-dev-1", "containerd://2.1.4-k3s1")],
        vec![
            deployment("ge-agents", "ge-executor", "1.5.0", 1),
            deployment("ge-system", "ge-api", "2.0.0", 1),
            deployment("ge-agents", "ge-worker", "0.3.0", 1),
            deployment("kube-system", "traefik", "3.3.6", 1),
            deployment("kube-system", "coredns", "1.12.1", 1),
        ],
    );
    live(
        &mut fleet.zones[1],
        "v1.33.5",
        vec![node("ge-staging-1", "containerd://1.7.27")],
        vec![
            deployment("ge-agents", "ge-executor", "hotfix", 2),
            deployment("kube-system", "coredns", "1.12.1", 2),
        ],
    );
    live(
        &mut fleet.zones[2],
        "v1.33.5",
        vec![node("ge-prod-1", "containerd://1.7.27")],
        vec![
            deployment("ge-agents", "ge-executor", "1.4.0", 3),
            deployment("ge-system", "ge-api", "2.0.0", 3),
            deployment("kube-system", "coredns", "1.12.1", 2),
        ],
    );
    fleet
}

fn console() -> Console {
    Console::new(&config(), fleet(), false)
}

fn executor() -> WorkloadKey {
    WorkloadKey {
        kind: WorkloadKind::Deployment,
        namespace: "ge-agents".into(),
        name: "ge-executor".into(),
    }
}

#[test]
fn the_core_holds_the_drift_findings_of_the_fixture() {
    let ui = console();
    let drift: Vec<(u32, CheckSeverity, &str)> = ui
        .core
        .checks()
        .iter()
        .filter(|f| f.id == CheckId::DriftWorkload)
        .map(|f| (f.zone.0, f.severity, f.subject.as_str()))
        .collect();
    assert!(
        drift.contains(&(2, CheckSeverity::Fail, "ge-agents/deployment/ge-executor")),
        "{drift:?}"
    );
    assert!(
        drift.contains(&(2, CheckSeverity::Warn, "ge-system/deployment/ge-api")),
        "{drift:?}"
    );
    assert!(
        drift.contains(&(2, CheckSeverity::Info, "ge-agents/deployment/ge-worker")),
        "{drift:?}"
    );
}

#[test]
fn the_checks_view_at_200x50_lists_every_zones_findings() {
    let mut ui = console();
    ui.key(ch('!'));
    assert_eq!(ui.view(), ViewKind::Checks);
    let screen = ui.render(200, 50);
    for id in ["promotion.soak", "ports.mismatch", "zone.platform"] {
        assert!(screen.contains(id), "{id}:\n{screen}");
    }
    insta::assert_snapshot!("checks_200x50", screen);
    // The drift finding, found by its text; its runbook line shows under the table.
    ui.key(ch('/'));
    ui.type_text("not via the promotion path");
    ui.key(key(KeyCode::Enter));
    let screen = ui.render(200, 50);
    assert!(screen.contains("drift.workload"), "{screen}");
    assert!(
        screen.contains("staging ahead of dev: not via the promotion path"),
        "{screen}"
    );
    assert!(
        screen.contains("runbook: IF: Zone 1 behaviour differs"),
        "{screen}"
    );
}

#[test]
fn the_checks_view_at_80x24_keeps_its_columns() {
    let mut ui = console();
    ui.key(ch('!'));
    let screen = ui.render(80, 24);
    assert!(screen.contains("SEVERITY"), "{screen}");
    insta::assert_snapshot!("checks_80x24", screen);
}

#[test]
fn w_z_and_the_text_filter_narrow_the_findings_and_esc_goes_back() {
    let mut ui = console();
    ui.key(ch('!'));
    ui.render(200, 50);
    let all = ui.core.checks().len();
    assert!(all >= 4, "{:?}", ui.core.checks());
    // w: fails and warnings only; the info finding about ge-worker goes.
    ui.key(ch('w'));
    let screen = ui.render(200, 50);
    assert!(screen.contains("severity fail+warn"), "{screen}");
    assert!(!screen.contains("ge-worker"), "{screen}");
    assert!(screen.contains("ge-executor"), "{screen}");
    ui.key(ch('w'));
    // z: dev only, which has no findings of its own; then staging.
    ui.key(ch('z'));
    let screen = ui.render(200, 50);
    assert!(screen.contains("zone Z1 dev"), "{screen}");
    assert!(
        !screen.lines().any(|l| l.starts_with("staging ")),
        "only dev's findings:\n{screen}"
    );
    ui.key(ch('z'));
    ui.key(ch('/'));
    ui.type_text("ge-executor");
    ui.key(key(KeyCode::Enter));
    let screen = ui.render(200, 50);
    assert!(screen.contains("zone Z2 staging"), "{screen}");
    assert!(screen.contains("ge-executor"), "{screen}");
    ui.key(key(KeyCode::Esc));
    ui.key(ch('z'));
    ui.key(ch('z'));
    let screen = ui.render(200, 50);
    assert!(screen.contains("zone all"), "{screen}");
    // /: text.
    ui.key(ch('/'));
    ui.type_text("ge-api");
    ui.key(key(KeyCode::Enter));
    let screen = ui.render(200, 50);
    assert!(screen.contains("missing in staging"), "{screen}");
    assert!(!screen.contains("ge-executor"), "{screen}");
    // esc clears the filter, then goes back to the overview.
    ui.key(key(KeyCode::Esc));
    assert_eq!(ui.filter_text(), "");
    assert_eq!(ui.view(), ViewKind::Checks);
    ui.key(key(KeyCode::Esc));
    assert_eq!(ui.view(), ViewKind::Overview);
}

#[test]
fn enter_on_a_workload_finding_opens_that_workload_in_its_zone() {
    let mut ui = console();
    ui.key(ch('!'));
    ui.render(200, 50);
    ui.key(ch('/'));
    ui.type_text("ahead of");
    ui.key(key(KeyCode::Enter));
    ui.render(200, 50);
    assert!(
        matches!(ui.selected(), Some(RowKey::Finding(..))),
        "{:?}",
        ui.selected()
    );
    ui.key(key(KeyCode::Enter));
    assert_eq!(ui.view(), ViewKind::Workload);
    assert_eq!(ui.open_workload(), Some(&executor()));
    assert_eq!(ui.focused_zone(), 1, "staging's executor");
}

#[test]
fn the_compare_view_shows_zones_in_promotion_order_and_enter_opens_a_workload() {
    let mut ui = console();
    ui.key(ch('='));
    assert_eq!(ui.view(), ViewKind::Compare);
    let screen = ui.render(200, 50);
    for expected in [
        "Kubernetes",
        "containerd",
        "CoreDNS",
        "Traefik",
        "1.5.0 1/1",
        "hotfix 2/2",
        "staging ahead of dev: not via the promotion path",
        "not yet in production",
    ] {
        assert!(screen.contains(expected), "{expected}: {screen}");
    }
    assert!(!screen.contains("deploy kube-system/coredns"), "{screen}");
    insta::assert_snapshot!("compare_200x50", screen);
    let narrow = ui.render(80, 24);
    insta::assert_snapshot!("compare_80x24", narrow);
    // The first workload row is ge-executor (rows in key order): enter opens it in dev.
    ui.key(key(KeyCode::Home));
    ui.key(key(KeyCode::Enter));
    assert_eq!(ui.view(), ViewKind::Workload);
    assert_eq!(ui.open_workload(), Some(&executor()));
}

#[test]
fn the_overview_header_counts_each_zones_failed_checks_and_warnings() {
    let mut ui = console();
    let screen = ui.render(200, 50);
    let staging_header = screen
        .lines()
        .find(|l| l.contains("Z2 staging"))
        .unwrap_or_default()
        .to_string();
    let (fail, warn) = zone_counts(ui.core.checks(), ZoneId(2));
    assert!(fail >= 1, "{:?}", ui.core.checks());
    assert!(
        staging_header.contains(&format!("✗ {fail} ⚠ {warn}")),
        "{staging_header}"
    );
    assert_eq!(zone_counts(ui.core.checks(), ZoneId(1)).0, 0);
    let dev_header = screen
        .lines()
        .find(|l| l.contains("Z1 dev"))
        .unwrap_or_default()
        .to_string();
    assert!(!dev_header.contains('✗'), "{dev_header}");
}

/// The fixture with every zone's IngressClass `nginx` (the same everywhere) and Cilium in
/// staging and production, while dev (k3s) runs its built-in Flannel: the CNI differs.
fn fleet_with_platforms() -> Fleet {
    let mut fleet = fleet();
    for (index, zone) in fleet.zones.iter_mut().enumerate() {
        zone.apply(ZoneEvent::Objects(ObjectChange::IngressClasses(
            StoreChange::Replace(vec![IngressClassInfo {
                name: "nginx".into(),
                controller: "k8s.io/ingress-nginx".into(),
                is_default: true,
            }]),
        )));
        if index > 0 {
            let mut cilium = deployment("kube-system", "cilium", "v1.17.8", 3);
            cilium.kind = WorkloadKind::DaemonSet;
            zone.apply(ZoneEvent::Objects(ObjectChange::Workloads(
                WorkloadKind::DaemonSet,
                StoreChange::Replace(vec![cilium]),
            )));
        }
    }
    fleet
}

/// The compare view drawn at 200×50: its text and the buffer, for styles.
fn draw_compare(ui: &mut Console) -> (Vec<String>, Buffer) {
    if ui.view() != ViewKind::Compare {
        ui.key(ch('='));
    }
    let area = Rect::new(0, 0, 200, 50);
    let mut buffer = Buffer::empty(area);
    ui.core.draw(&mut buffer, area);
    let lines = common::text_of(&buffer)
        .lines()
        .map(str::to_string)
        .collect();
    (lines, buffer)
}

/// The foreground colour of the cell where `needle` starts on the line starting with `row`.
fn fg_of(lines: &[String], buffer: &Buffer, row: &str, needle: &str) -> Color {
    let (y, line) = lines
        .iter()
        .enumerate()
        .find(|(_, l)| l.starts_with(row))
        .unwrap_or_else(|| panic!("no {row:?} row:\n{}", lines.join("\n")));
    let byte = line
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {line:?}"));
    let x = line[..byte].chars().count();
    buffer[(x as u16, y as u16)].fg
}

/// The foreground colour a theme role draws with.
fn fg(role: Role) -> Color {
    Theme::default_theme()
        .style(role)
        .fg
        .unwrap_or(Color::Reset)
}

#[test]
fn the_compare_view_highlights_a_differing_cni_but_not_an_ingress_that_is_the_same() {
    let mut ui = Console::new(&config(), fleet_with_platforms(), false);
    let (lines, buffer) = draw_compare(&mut ui);
    let screen = lines.join("\n");
    let cni = lines.iter().find(|l| l.starts_with("CNI")).unwrap();
    for expected in ["flannel (k3s)", "cilium", "differs"] {
        assert!(cni.contains(expected), "{expected}: {cni}");
    }
    let ingress = lines.iter().find(|l| l.starts_with("Ingress")).unwrap();
    assert!(
        ingress.contains("nginx") && ingress.contains("same"),
        "{ingress}"
    );
    assert!(screen.contains("Storage (default)"), "{screen}");
    let (warning, text) = (fg(Role::Warning), fg(Role::Text));
    assert_ne!(warning, text);
    assert_eq!(fg_of(&lines, &buffer, "CNI", "flannel"), warning);
    assert_eq!(fg_of(&lines, &buffer, "CNI", "cilium"), warning);
    assert_eq!(fg_of(&lines, &buffer, "Ingress", "nginx"), text);
}

#[test]
fn the_compare_view_shows_a_zone_that_is_not_live_as_unknown_in_the_platform_rows() {
    let mut fleet = fleet_with_platforms();
    fleet.zones[2].apply(ZoneEvent::Link(LinkStatus::Failed {
        error: "connection refused".into(),
        cause: FailureCause::Unreachable,
        retry_at: None,
    }));
    let mut ui = Console::new(&config(), fleet, false);
    let (lines, buffer) = draw_compare(&mut ui);
    for row in ["Kubernetes", "Ingress", "Storage (default)", "CNI"] {
        let line = lines.iter().find(|l| l.starts_with(row)).unwrap();
        assert!(line.contains("unknown"), "{row}: {line}");
    }
    // Ingress is nginx in both live zones: the unknown production is no difference.
    let ingress = lines.iter().find(|l| l.starts_with("Ingress")).unwrap();
    assert!(ingress.trim_end().ends_with("same"), "{ingress}");
    assert_eq!(fg_of(&lines, &buffer, "Ingress", "nginx"), fg(Role::Text));
}
