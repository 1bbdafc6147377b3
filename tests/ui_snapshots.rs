//! Snapshot and behaviour tests of the UI: a fixed fleet rendered with a fixed clock on a
//! `TestBackend`, and key handling driven through the public `Ui` API.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ge_console::config::{self, DEFAULT_ZONES_TOML};
use ge_console::fleet::{
    ConditionInfo, FailureCause, Fleet, FleetEvent, KindStatus, LinkStatus, NamespaceInfo,
    NodeInfo, ObjectChange, ObjectKey, OwnerRef, PodInfo, ReplicaSetInfo, ResourceKind,
    StoreChange, WorkloadInfo, WorkloadKey, WorkloadKind, ZoneEvent, ZoneModel,
};
use ge_console::ui::{Keymap, MIN_HEIGHT, MIN_WIDTH, Mode, RowKey, Theme, UiOutcome, ViewKind};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

mod common;
use common::{Console, ConsoleOptions, ago, clock, key, text_of, wall};

// ---------------------------------------------------------------------------------------------
// Fixture: the team's three zones with plain objects.

fn node(name: &str, kubelet: &str, runtime: &str, roles: &[&str]) -> NodeInfo {
    NodeInfo {
        name: name.into(),
        ready: true,
        unschedulable: false,
        roles: roles.iter().map(|r| r.to_string()).collect(),
        kubelet_version: kubelet.into(),
        container_runtime: runtime.into(),
        os_image: "Ubuntu 24.04.2 LTS".into(),
        kernel_version: "6.8.0-60-generic".into(),
        created: ago(90 * 86_400),
    }
}

fn pod(ns: &str, name: &str, status: &str, owner: Option<(&str, &str)>, image: &str) -> PodInfo {
    let ready = status == "Running";
    PodInfo {
        namespace: ns.into(),
        name: name.into(),
        phase: match status {
            "Running" | "CrashLoopBackOff" => "Running",
            "Completed" => "Succeeded",
            _ => "Pending",
        }
        .into(),
        status: status.into(),
        message: (status == "CrashLoopBackOff")
            .then(|| "back-off 5m0s restarting failed container".to_string()),
        ready_containers: u16::from(ready),
        total_containers: 1,
        restarts: if status == "CrashLoopBackOff" { 14 } else { 0 },
        node: (status != "Pending").then(|| "node-1".to_string()),
        images: vec![image.into()],
        owner: owner.map(|(kind, name)| OwnerRef {
            kind: kind.into(),
            name: name.into(),
        }),
        template_hash: None,
        created: ago(3 * 3600 + 120),
        started: ago(3 * 3600),
        deleting: false,
        containers: vec![],
        conditions: vec![],
    }
}

fn workload(kind: WorkloadKind, ns: &str, name: &str, image: &str, replicas: i32) -> WorkloadInfo {
    WorkloadInfo {
        kind,
        namespace: ns.into(),
        name: name.into(),
        generation: 3,
        observed_generation: 3,
        desired: replicas,
        current: replicas,
        updated: replicas,
        ready: replicas,
        available: replicas,
        paused: false,
        images: vec![image.into()],
        conditions: vec![ConditionInfo {
            kind: "Available".into(),
            status: "True".into(),
            reason: "MinimumReplicasAvailable".into(),
            message: "Deployment has minimum availability.".into(),
        }],
        current_revision: None,
        update_revision: None,
        rolling_update: true,
        partition: 0,
        restarted_at: None,
        created: ago(30 * 86_400),
    }
}

fn replicaset(ns: &str, deployment: &str, hash: &str) -> ReplicaSetInfo {
    ReplicaSetInfo {
        namespace: ns.into(),
        name: format!("{deployment}-{hash}"),
        owner: Some(OwnerRef {
            kind: "Deployment".into(),
            name: deployment.into(),
        }),
        desired: 1,
        current: 1,
        ready: 1,
        available: 1,
        revision: Some(1),
        template_hash: Some(hash.into()),
        images: vec![],
        created: ago(86_400),
        change_cause: None,
    }
}

/// What one zone holds.
struct ZoneData {
    server: &'static str,
    nodes: Vec<NodeInfo>,
    pods: Vec<PodInfo>,
    workloads: Vec<WorkloadInfo>,
    replicasets: Vec<ReplicaSetInfo>,
}

fn namespaces() -> Vec<NamespaceInfo> {
    [
        "ge-system",
        "ge-agents",
        "ge-data",
        "ge-monitoring",
        "kube-system",
    ]
    .map(|n| NamespaceInfo {
        name: n.into(),
        phase: "Active".into(),
    })
    .to_vec()
}

/// Connects a zone, lists everything in it and makes it live.
fn fill(zone: &mut ZoneModel, data: ZoneData) {
    zone.apply(ZoneEvent::Link(LinkStatus::Connected {
        server_version: data.server.into(),
    }));
    let mut workloads = data.workloads;
    for kind in [
        WorkloadKind::Deployment,
        WorkloadKind::StatefulSet,
        WorkloadKind::DaemonSet,
    ] {
        let (mine, rest): (Vec<_>, Vec<_>) = workloads.into_iter().partition(|w| w.kind == kind);
        workloads = rest;
        zone.apply(ZoneEvent::Objects(ObjectChange::Workloads(
            kind,
            StoreChange::Replace(mine),
        )));
    }
    let changes = [
        ObjectChange::Nodes(StoreChange::Replace(data.nodes)),
        ObjectChange::Namespaces(StoreChange::Replace(namespaces())),
        ObjectChange::Pods(StoreChange::Replace(data.pods)),
        ObjectChange::ReplicaSets(StoreChange::Replace(data.replicasets)),
    ];
    for change in changes {
        zone.apply(ZoneEvent::Objects(change));
    }
    for kind in ResourceKind::ALL {
        zone.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
    }
}

/// kube-system of a k3s zone: coredns, traefik, metrics-server, local-path-provisioner.
fn k3s_system(
    coredns: &str,
    traefik: &str,
    metrics_status: &str,
) -> (Vec<WorkloadInfo>, Vec<PodInfo>, Vec<ReplicaSetInfo>) {
    let d = WorkloadKind::Deployment;
    let mut metrics = workload(
        d,
        "kube-system",
        "metrics-server",
        "rancher/mirrored-metrics-server:v0.8.0",
        1,
    );
    if metrics_status != "Running" {
        metrics.ready = 0;
        metrics.available = 0;
    }
    let workloads = vec![
        workload(
            d,
            "kube-system",
            "coredns",
            &format!("rancher/mirrored-coredns-coredns:{coredns}"),
            1,
        ),
        workload(
            d,
            "kube-system",
            "traefik",
            &format!("rancher/mirrored-library-traefik:{traefik}"),
            1,
        ),
        metrics,
        workload(
            d,
            "kube-system",
            "local-path-provisioner",
            "rancher/local-path-provisioner:v0.0.31",
            1,
        ),
    ];
    let pods = vec![
        pod(
            "kube-system",
            "coredns-6d668d687-x2kq9",
            "Running",
            Some(("ReplicaSet", "coredns-6d668d687")),
            "rancher/mirrored-coredns-coredns:1.14.1",
        ),
        pod(
            "kube-system",
            "helm-install-traefik-7kx2n",
            "Completed",
            None,
            "rancher/klipper-helm:v0.9.5",
        ),
        pod(
            "kube-system",
            "local-path-provisioner-5cf85fd84d-8hvz4",
            "Running",
            Some(("ReplicaSet", "local-path-provisioner-5cf85fd84d")),
            "rancher/local-path-provisioner:v0.0.31",
        ),
        pod(
            "kube-system",
            "metrics-server-5985cbc9d7-vb7qf",
            metrics_status,
            Some(("ReplicaSet", "metrics-server-5985cbc9d7")),
            "rancher/mirrored-metrics-server:v0.8.0",
        ),
        pod(
            "kube-system",
            "traefik-57b79cf995-4wq7t",
            "Running",
            Some(("ReplicaSet", "traefik-57b79cf995")),
            "rancher/mirrored-library-traefik:v3.6.2",
        ),
    ];
    let replicasets = vec![
        replicaset("kube-system", "coredns", "6d668d687"),
        replicaset("kube-system", "metrics-server", "5985cbc9d7"),
    ];
    (workloads, pods, replicasets)
}

/// GE's own workloads: an executor, an admin UI, postgres and redis.
fn ge_workloads(executor_ready: i32) -> (Vec<WorkloadInfo>, Vec<PodInfo>, Vec<ReplicaSetInfo>) {
    let mut executor = workload(
        WorkloadKind::Deployment,
        "ge-agents",
        "ge-executor",
        "registry.ge.internal/ge-executor:1.8.2",
        2,
    );
    executor.ready = executor_ready;
    executor.available = executor_ready;
    let workloads = vec![
        executor,
        workload(
            WorkloadKind::Deployment,
            "ge-system",
            "admin-ui",
            "registry.ge.internal/admin-ui:2.3.0",
            1,
        ),
        workload(
            WorkloadKind::Deployment,
            "ge-system",
            "wiki",
            "registry.ge.internal/wiki:1.0.4",
            1,
        ),
        workload(
            WorkloadKind::StatefulSet,
            "ge-data",
            "postgresql",
            "postgres:17.4",
            1,
        ),
        workload(
            WorkloadKind::StatefulSet,
            "ge-data",
            "redis",
            "redis:7.4.2",
            1,
        ),
    ];
    let mut pods = vec![
        pod(
            "ge-agents",
            "ge-executor-7f9c6b5d48-abcde",
            "Running",
            Some(("ReplicaSet", "ge-executor-7f9c6b5d48")),
            "registry.ge.internal/ge-executor:1.8.2",
        ),
        pod(
            "ge-system",
            "admin-ui-66bd9f8c7-qq2lm",
            "Running",
            Some(("ReplicaSet", "admin-ui-66bd9f8c7")),
            "registry.ge.internal/admin-ui:2.3.0",
        ),
        pod(
            "ge-data",
            "postgresql-0",
            "Running",
            Some(("StatefulSet", "postgresql")),
            "postgres:17.4",
        ),
        pod(
            "ge-data",
            "redis-0",
            "Running",
            Some(("StatefulSet", "redis")),
            "redis:7.4.2",
        ),
    ];
    pods.push(pod(
        "ge-agents",
        "ge-executor-7f9c6b5d48-fghij",
        if executor_ready == 2 {
            "Running"
        } else {
            "CrashLoopBackOff"
        },
        Some(("ReplicaSet", "ge-executor-7f9c6b5d48")),
        "registry.ge.internal/ge-executor:1.8.2",
    ));
    let replicasets = vec![replicaset("ge-agents", "ge-executor", "7f9c6b5d48")];
    (workloads, pods, replicasets)
}

fn zone_data(
    server: &str,
    nodes: Vec<NodeInfo>,
    parts: Vec<(Vec<WorkloadInfo>, Vec<PodInfo>, Vec<ReplicaSetInfo>)>,
) -> ZoneData {
    let server: &'static str = Box::leak(server.to_string().into_boxed_str());
    let mut data = ZoneData {
        server,
        nodes,
        pods: vec![],
        workloads: vec![],
        replicasets: vec![],
    };
    for (w, p, r) in parts {
        data.workloads.extend(w);
        data.pods.extend(p);
        data.replicasets.extend(r);
    }
    data
}

fn since(zone: &mut ZoneModel, seconds: u64) {
    zone.set_state_since(clock().instant - Duration::from_secs(seconds));
}

/// Dev live on k3s v1.34 with coredns/traefik on their lines; staging live on UKS v1.33 with a
/// CrashLoopBackOff pod; production on v1.33 too, reconnecting after a dropped connection.
fn team_fleet() -> Fleet {
    let config = config::parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap();
    let mut fleet = Fleet::new(&config);
    let runtime = "containerd://2.1.5-k3s1";
    fill(
        &mut fleet.zones[0],
        zone_data(
            "v1.34.2+k3s1",
            vec![node(
                "ge-dev-1",
                "v1.34.2+k3s1",
                runtime,
                &["control-plane", "master"],
            )],
            vec![k3s_system("1.14.1", "v3.6.2", "Running"), ge_workloads(2)],
        ),
    );
    since(&mut fleet.zones[0], 192);

    let uks = "containerd://1.7.27";
    fill(
        &mut fleet.zones[1],
        zone_data(
            "v1.33.5",
            vec![
                node("ge-staging-pool-a-1", "v1.33.5", uks, &[]),
                node("ge-staging-pool-a-2", "v1.33.5", uks, &[]),
            ],
            vec![
                k3s_system("1.12.0", "v3.5.1", "CrashLoopBackOff"),
                ge_workloads(1),
            ],
        ),
    );
    // A rollout under way in staging.
    let key = WorkloadKey {
        kind: WorkloadKind::Deployment,
        namespace: "ge-system".into(),
        name: "admin-ui".into(),
    };
    if let Some(mut admin) = fleet.zones[1].workloads.get(&key).cloned() {
        admin.generation = 4;
        admin.observed_generation = 4;
        admin.desired = 2;
        admin.updated = 1;
        admin.current = 3;
        fleet.zones[1].apply(ZoneEvent::Objects(ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Upsert(admin),
        )));
    }
    since(&mut fleet.zones[1], 3 * 3600 + 5 * 60);

    fill(
        &mut fleet.zones[2],
        zone_data(
            "v1.33.4",
            vec![
                node("ge-prod-pool-a-1", "v1.33.4", uks, &[]),
                node("ge-prod-pool-a-2", "v1.33.4", uks, &[]),
                node("ge-prod-pool-a-3", "v1.33.4", uks, &[]),
            ],
            vec![k3s_system("1.12.0", "v3.5.1", "Running"), ge_workloads(2)],
        ),
    );
    fleet.zones[2].apply(ZoneEvent::Link(LinkStatus::Failed {
        error: "connection refused (os error 111) connecting to https://prod.k8s.ge.internal:6443"
            .into(),
        cause: FailureCause::Unreachable,
        retry_at: Some(SystemTime::from(
            wall() + jiff::SignedDuration::from_secs(12),
        )),
    }));
    since(&mut fleet.zones[2], 47);
    fleet
}

/// Eight zones in every state the header can show.
fn eight_zone_fleet() -> Fleet {
    let mut text = String::new();
    let envs = [
        "development",
        "staging",
        "production",
        "qa",
        "staging",
        "development",
        "production",
        "lab",
    ];
    for (i, env) in envs.iter().enumerate() {
        let id = i + 1;
        text.push_str(&format!(
            "[[zones]]\nid = {id}\nname = \"zone-{id}\"\nenvironment = \"{env}\"\nplatform = \"k3s\"\nowner = \"owner{id}\"\ncontext = \"ctx-{id}\"\n[[zones.pins]]\ncomponent = \"kubernetes\"\nline = \"v1.34.x\"\n[[zones.pins]]\ncomponent = \"coredns\"\nline = \"v1.14.x\"\n"
        ));
    }
    let config = config::parse_zones(&text, Path::new("eight.toml")).unwrap();
    let mut fleet = Fleet::new(&config);
    for (i, zone) in fleet.zones.iter_mut().enumerate() {
        let server = if i == 2 { "v1.35.0" } else { "v1.34.2+k3s1" };
        let status = if i == 4 {
            "CrashLoopBackOff"
        } else {
            "Running"
        };
        fill(
            zone,
            zone_data(
                server,
                vec![node(
                    &format!("z{}-node-1", i + 1),
                    server,
                    "containerd://2.1.5-k3s1",
                    &[],
                )],
                vec![k3s_system("1.14.1", "v3.6.2", status), ge_workloads(2)],
            ),
        );
    }
    fleet.zones[3].apply(ZoneEvent::Kind(
        ResourceKind::Pods,
        KindStatus::Failed {
            error: "Unauthorized: the server has asked for the client to provide credentials"
                .into(),
            cause: FailureCause::Unauthorized,
            retry_at: Some(SystemTime::from(
                wall() + jiff::SignedDuration::from_secs(30),
            )),
        },
    ));
    fleet.zones[5].apply(ZoneEvent::Kind(
        ResourceKind::Nodes,
        KindStatus::Forbidden {
            message: "nodes is forbidden: User \"ge-viewer\" cannot list resource \"nodes\"".into(),
        },
    ));
    let mut not_configured = ZoneModel::new(Arc::clone(&fleet.zones[6].config));
    not_configured.apply(ZoneEvent::Link(LinkStatus::NotConfigured {
        reason: "context \"ctx-7\" is not in the kubeconfig; its contexts are ge-dev, ge-staging, kind-lab".into(),
    }));
    fleet.zones[6] = not_configured;
    fleet.zones[7] = ZoneModel::new(Arc::clone(&fleet.zones[7].config));
    for (i, zone) in fleet.zones.iter_mut().enumerate() {
        since(zone, 60 * (i as u64 + 1) + 7);
    }
    fleet
}

// ---------------------------------------------------------------------------------------------
// Rendering helpers.

/// The console's real core showing `fleet` (its zones' configuration is the fleet's own).
fn console(fleet: &Fleet, read_only: bool) -> Console {
    let mut config = config::parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap();
    config.zones = fleet.zones.iter().map(|z| (*z.config).clone()).collect();
    Console::new(&config, fleet.clone(), read_only)
}

/// Like [`console`], with `keymap` named `name`.
fn console_with_keymap(fleet: &Fleet, keymap: Keymap, name: &str) -> Console {
    let mut config = config::parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap();
    config.zones = fleet.zones.iter().map(|z| (*z.config).clone()).collect();
    let state = std::env::temp_dir();
    let mut options = ConsoleOptions::offline(&state);
    options.keymap = (keymap, name.into());
    Console::with(&config, fleet.clone(), options)
}

fn render(ui: &mut Console, width: u16, height: u16) -> String {
    ui.render(width, height)
}

fn press(ui: &mut Console, keys: &[KeyCode]) -> UiOutcome {
    ui.press(keys)
}

fn type_text(ui: &mut Console, text: &str) {
    ui.type_text(text)
}

/// Applies a model change to zone `zone` (an index) as the event loop does.
fn change(ui: &mut Console, zone: usize, event: ZoneEvent) {
    let zone = ui.fleet().zones[zone].config.id;
    ui.core.on_fleet_events([FleetEvent::new(zone, event)]);
}

fn executor_key() -> WorkloadKey {
    WorkloadKey {
        kind: WorkloadKind::Deployment,
        namespace: "ge-agents".into(),
        name: "ge-executor".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Snapshots.

#[test]
fn overview_wide_shows_every_zone_side_by_side() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, true);
    let screen = render(&mut ui, 200, 50);
    insta::assert_snapshot!("overview_200x50", screen);
    for fact in [
        "Overview › Z1 dev",
        "[READ-ONLY]",
        "keymap default",
        "Z1 dev",
        "Z2 staging",
        "Z3 production [PROD] [PROTECTED]",
        "✓ live 3m12s",
        "↻ reconnecting 47s",
        "retry in 12s",
        "connection refused",
        "[STALE]",
        "✓ coredns 1.14.1 (v1.14.x)",
        "✓ traefik v3.6.2 (v3.6.x)",
        "✓ kubernetes v1.34.2+k3s1 (v1.34.x)",
        "✓ kubernetes v1.33.4 (v1.33.x)",
        "CrashLoopBackOff",
        "14 restarts",
        "ge-executor 1/2",
        "progressing",
        "SYSTEM PODS ✗ 3/5 ready, 1 completed",
    ] {
        assert!(screen.contains(fact), "{fact:?} missing from\n{screen}");
    }
}

#[test]
fn overview_at_80x24_switches_to_one_zone_with_a_strip() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    let screen = render(&mut ui, 80, 24);
    insta::assert_snapshot!("overview_80x24", screen);
    let strip = screen.lines().nth(1).unwrap();
    for fact in [
        "▶Z1 dev ✓ live",
        "Z2 staging ✓ live",
        "Z3 production PROD ↻ reconnecting",
    ] {
        assert!(
            strip.contains(fact),
            "{fact:?} missing from strip {strip:?}"
        );
    }
    assert!(!screen.contains("READ-ONLY"));
    assert!(
        screen.contains("… "),
        "a cut block says how much it hides:\n{screen}"
    );
    // Production, focused: its header says PROD without colour.
    press(&mut ui, &[KeyCode::Left]);
    let screen = render(&mut ui, 80, 24);
    insta::assert_snapshot!("overview_80x24_production", screen);
    assert!(
        screen.contains("Overview › Z3 production [PROD]"),
        "{screen}"
    );
    assert!(
        screen.contains(" Z3 production [PROD] [PROTECTED]"),
        "{screen}"
    );
}

#[test]
fn production_header_has_its_own_loud_style() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    terminal
        .draw(|frame| {
            let area = frame.area();
            ui.core.draw(frame.buffer_mut(), area);
        })
        .unwrap();
    let buffer = terminal.backend().buffer();
    let text = text_of(buffer);
    let (row, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("Z3 production [PROD]") && !l.contains("Overview"))
        .unwrap();
    let column = line.find("Z3 production").unwrap();
    let column = line[..column].chars().count() as u16;
    let cell = &buffer[(column, row as u16)];
    let prod = Theme::default_theme().style(ge_console::ui::Role::HeaderProduction);
    assert_eq!(cell.bg, prod.bg.unwrap());
    let dev_row = text.lines().position(|l| l.contains("│ Z1 dev")).unwrap();
    let dev_cell = &buffer[(2, dev_row as u16)];
    assert_ne!(dev_cell.bg, cell.bg, "dev and production headers differ");
}

#[test]
fn zone_view_lists_nodes_system_pods_and_workloads() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    press(&mut ui, &[KeyCode::Tab, KeyCode::Enter]);
    assert_eq!(ui.view(), ViewKind::Zone);
    let screen = render(&mut ui, 140, 40);
    insta::assert_snapshot!("zone_view_staging", screen);
    for fact in [
        "Z2 staging › Zone view",
        "NODES 2/2 ready",
        "ge-staging-pool-a-1",
        "containerd://1.7.27",
        "SYSTEM PODS 3/5 ready",
        "✗ CrashLoopBackOff",
        "○ Completed",
        "WORKLOADS",
        "UP-TO-DATE",
        "↻ progressing",
        "registry.ge.internal/ge-executor:1.8.2",
    ] {
        assert!(screen.contains(fact), "{fact:?} missing from\n{screen}");
    }
}

#[test]
fn a_credential_with_some_namespaces_shows_them_and_names_the_ones_that_refused() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    // A Role in ge-agents only: pods and deployments refused in the other namespaces.
    for kind in [ResourceKind::Pods, ResourceKind::Deployments] {
        change(
            &mut ui,
            1,
            ZoneEvent::Kind(
                kind,
                KindStatus::ForbiddenIn {
                    namespaces: vec!["ge-system".into(), "kube-system".into()],
                    cluster_wide: kind == ResourceKind::Deployments,
                    message: format!("{} is forbidden: User \"ge-reader\"", kind.plural()),
                },
            ),
        );
    }
    let overview = render(&mut ui, 200, 50);
    assert!(
        overview.contains("forbidden in ge-system, kube-system: pods, deployments"),
        "{overview}"
    );
    press(&mut ui, &[KeyCode::Tab, KeyCode::Enter]);
    assert_eq!(ui.view(), ViewKind::Zone);
    let zone = render(&mut ui, 140, 40);
    assert!(
        zone.contains("forbidden in ge-system, kube-system: pods, deployments"),
        "{zone}"
    );
    // What the namespaces that answered hold still shows.
    assert!(zone.contains("ge-executor"), "{zone}");
}

#[test]
fn zone_view_of_a_reconnecting_zone_is_marked_stale() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    press(&mut ui, &[KeyCode::Left, KeyCode::Enter]);
    let screen = render(&mut ui, 100, 30);
    insta::assert_snapshot!("zone_view_production_stale", screen);
    assert!(screen.contains("[STALE] last known data"), "{screen}");
    assert!(
        screen.contains("ge-prod-pool-a-3"),
        "last known data still shows:\n{screen}"
    );
    assert!(screen.contains("… "), "{screen}");
}

#[test]
fn workload_view_shows_pods_rollout_and_conditions() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    ui.key(key(KeyCode::Tab));
    ui.select_in_overview(&RowKey::Workload(executor_key()));
    press(&mut ui, &[KeyCode::Enter]);
    assert_eq!(ui.view(), ViewKind::Zone);
    assert_eq!(ui.selected(), Some(&RowKey::Workload(executor_key())));
    press(&mut ui, &[KeyCode::Enter]);
    assert_eq!(ui.view(), ViewKind::Workload);
    let screen = render(&mut ui, 120, 30);
    insta::assert_snapshot!("workload_view_executor", screen);
    for fact in [
        "Z2 staging › ge-agents/ge-executor",
        "Deployment ge-agents/ge-executor",
        "ready 1/2",
        "Available=True MinimumReplicasAvailable",
        "ge-executor-7f9c6b5d48-abcde",
        "✗ CrashLoopBackOff",
        "1/1",
        "3h02m",
        "node-1",
        "back-off 5m0s",
    ] {
        assert!(screen.contains(fact), "{fact:?} missing from\n{screen}");
    }
}

#[test]
fn help_overlay_is_generated_from_the_keymap() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    assert_eq!(press(&mut ui, &[KeyCode::Char('?')]), UiOutcome::Redraw);
    assert!(ui.help_visible());
    let screen = render(&mut ui, 100, 46);
    insta::assert_snapshot!("help_overlay", screen);
    for fact in [
        "Help · keymap default",
        "Overview [overview]",
        "right, tab",
        "Focus the next zone",
        "ctrl-c",
        "Lists [list]",
    ] {
        assert!(screen.contains(fact), "{fact:?} missing from\n{screen}");
    }
    // A keymap of its own shows its own keys.
    let custom = Keymap::parse(
        "[global]\nhelp = { keys = [\"f2\"], description = \"Explain the keys\" }\n[overview]\nquit = { keys = [\"x\"] }\n",
        Path::new("custom.toml"),
    )
    .unwrap();
    let mut ui = console_with_keymap(&fleet, custom, "custom");
    ui.key(key(KeyCode::F(2)));
    let screen = render(&mut ui, 80, 24);
    assert!(
        screen.contains("f2") && screen.contains("Explain the keys"),
        "{screen}"
    );
    assert!(
        screen.contains("Quit ge-console") && !screen.contains("Focus the next zone"),
        "{screen}"
    );
    assert!(screen.contains("keymap custom"), "{screen}");
}

#[test]
fn filter_narrows_the_overview_and_shows_in_the_bottom_bar() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    press(&mut ui, &[KeyCode::Char('/')]);
    type_text(&mut ui, "EXEC");
    assert!(ui.editing_filter());
    let typing = render(&mut ui, 200, 50);
    assert!(
        typing.lines().last().unwrap().contains("filter: EXEC▏"),
        "{typing}"
    );
    press(&mut ui, &[KeyCode::Enter]);
    assert!(!ui.editing_filter());
    let screen = render(&mut ui, 200, 50);
    insta::assert_snapshot!("overview_filter_exec", screen);
    assert!(
        screen.lines().last().unwrap().contains("filter: \"EXEC\""),
        "{screen}"
    );
    assert!(screen.contains("ge-executor"));
    assert!(!screen.contains("postgresql"), "filtered out:\n{screen}");
    assert!(screen.contains("VERSIONS"), "context blocks stay");
}

#[test]
fn too_small_terminal_shows_only_a_message() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    let screen = render(&mut ui, 40, 10);
    insta::assert_snapshot!("too_small_40x10", screen);
    assert!(screen.contains(&format!(
        "terminal too small (need ≥ {MIN_WIDTH}×{MIN_HEIGHT})"
    )));
    assert!(!screen.contains("Z1"));
}

#[test]
fn eight_zones_fit_at_200x50() {
    let fleet = eight_zone_fleet();
    let mut ui = console(&fleet, false);
    let screen = render(&mut ui, 200, 50);
    insta::assert_snapshot!("overview_8_zones_200x50", screen);
    for fact in [
        "Z8 zone-8",
        "✗ unauthorized",
        "✗ not configured",
        "contexts are ge-dev",
        "forbidden: nodes",
        "○ connecting",
        "✗ kubernetes v1.35.0 (v1.34.x)",
        "no data yet",
        "retry in 30s",
    ] {
        assert!(screen.contains(fact), "{fact:?} missing from\n{screen}");
    }
    assert_eq!(screen.matches("[PROD]").count(), 2, "{screen}");
    // And at 80×24 the strip still names all eight.
    let narrow = render(&mut ui, 80, 24);
    let strip = narrow.lines().nth(1).unwrap();
    for id in 1..=8 {
        assert!(
            strip.contains(&format!("Z{id}")),
            "Z{id} missing from {strip:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Robustness.

#[test]
fn never_panics_at_any_size_in_any_view() {
    let mut fleet = team_fleet();
    // Long and wide names in every kind of row.
    let long = "very-long-name-".repeat(12);
    let wide = "日本語のワークロード名前-とても長い";
    let mut w = workload(
        WorkloadKind::Deployment,
        "ge-agents",
        &format!("{wide}-{long}"),
        &format!("registry/{long}:{wide}"),
        3,
    );
    w.ready = 1;
    fleet.zones[0].apply(ZoneEvent::Objects(ObjectChange::Workloads(
        WorkloadKind::Deployment,
        StoreChange::Upsert(w),
    )));
    fleet.zones[0].apply(ZoneEvent::Objects(ObjectChange::Pods(StoreChange::Upsert(
        pod(
            "kube-system",
            &format!("{wide}{long}"),
            "ImagePullBackOff",
            None,
            wide,
        ),
    ))));
    let sizes = [
        (0, 0),
        (1, 1),
        (2, 1),
        (1, 30),
        (59, 15),
        (60, 14),
        (60, 15),
        (61, 16),
        (70, 20),
        (80, 24),
        (99, 17),
        (120, 40),
        (200, 50),
        (250, 12),
    ];
    let setups: [&[KeyCode]; 5] = [
        &[],
        &[KeyCode::Char('?')],
        &[KeyCode::Enter],
        &[KeyCode::Enter, KeyCode::End, KeyCode::Enter],
        &[
            KeyCode::Enter,
            KeyCode::Down,
            KeyCode::Down,
            KeyCode::Down,
            KeyCode::Down,
            KeyCode::Down,
            KeyCode::Down,
            KeyCode::Enter,
        ],
    ];
    for setup in setups {
        let mut ui = console(&fleet, true);
        press(&mut ui, setup);
        for (w, h) in sizes {
            render(&mut ui, w, h);
        }
    }
    let wide_screen = render(&mut console(&fleet, false), 200, 50);
    assert!(wide_screen.contains('…'));
}

// ---------------------------------------------------------------------------------------------
// Key handling.

#[test]
fn left_right_and_tab_move_between_zones_and_wrap() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    assert_eq!(ui.focused_zone(), 0);
    assert_eq!(press(&mut ui, &[KeyCode::Right]), UiOutcome::Redraw);
    assert_eq!(ui.focused_zone(), 1);
    press(&mut ui, &[KeyCode::Tab, KeyCode::Tab]);
    assert_eq!(ui.focused_zone(), 0, "wraps around");
    ui.key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    assert_eq!(ui.focused_zone(), 2);
    press(&mut ui, &[KeyCode::Left]);
    assert_eq!(ui.focused_zone(), 1);
    assert_eq!(press(&mut ui, &[KeyCode::Char('z')]), UiOutcome::Nothing);
}

#[test]
fn up_down_walk_namespaces_and_workloads() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    assert_eq!(
        ui.selected(),
        None,
        "nothing resolved before the first key or draw"
    );
    render(&mut ui, 200, 50);
    assert_eq!(
        ui.selected(),
        Some(&RowKey::Namespace("ge-system".into())),
        "starts on the first row"
    );
    press(&mut ui, &[KeyCode::Down]);
    assert!(matches!(ui.selected(), Some(RowKey::Workload(k)) if k.name == "admin-ui"));
    press(&mut ui, &[KeyCode::End]);
    assert!(matches!(ui.selected(), Some(RowKey::Workload(k)) if k.namespace == "kube-system"));
    press(&mut ui, &[KeyCode::Home]);
    assert_eq!(ui.selected(), Some(&RowKey::Namespace("ge-system".into())));
    press(&mut ui, &[KeyCode::PageDown]);
    assert!(ui.selected() != Some(&RowKey::Namespace("ge-system".into())));
    press(&mut ui, &[KeyCode::PageUp, KeyCode::Up]);
    assert_eq!(ui.selected(), Some(&RowKey::Namespace("ge-system".into())));
    // Each zone keeps its own selection.
    press(&mut ui, &[KeyCode::Right, KeyCode::End, KeyCode::Left]);
    assert_eq!(ui.selected(), Some(&RowKey::Namespace("ge-system".into())));
}

#[test]
fn enter_opens_views_and_esc_backspace_go_back() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    ui.select_in_overview(&RowKey::Namespace("ge-agents".into()));
    press(&mut ui, &[KeyCode::Enter]);
    assert_eq!(ui.view(), ViewKind::Zone);
    assert_eq!(
        ui.selected(),
        Some(&RowKey::Workload(executor_key())),
        "starts on the namespace's first workload"
    );
    press(&mut ui, &[KeyCode::Enter]);
    assert_eq!(ui.view(), ViewKind::Workload);
    assert_eq!(ui.open_workload(), Some(&executor_key()));
    press(&mut ui, &[KeyCode::Backspace]);
    assert_eq!(ui.view(), ViewKind::Zone);
    // Enter on a node does nothing.
    press(&mut ui, &[KeyCode::Home]);
    assert!(matches!(ui.selected(), Some(RowKey::Node(_))));
    assert_eq!(press(&mut ui, &[KeyCode::Enter]), UiOutcome::Nothing);
    // q backs out of sub-views; in the overview it quits.
    assert_eq!(press(&mut ui, &[KeyCode::Char('q')]), UiOutcome::Redraw);
    assert_eq!(ui.view(), ViewKind::Overview);
    assert_eq!(press(&mut ui, &[KeyCode::Esc]), UiOutcome::Nothing);
    assert_eq!(press(&mut ui, &[KeyCode::Char('q')]), UiOutcome::Quit);
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    let fleet = team_fleet();
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    for setup in [
        &[][..],
        &[KeyCode::Enter, KeyCode::End, KeyCode::Enter][..],
        &[KeyCode::Char('/')][..],
        &[KeyCode::Char('?')][..],
    ] {
        let mut ui = console(&fleet, false);
        press(&mut ui, setup);
        assert_eq!(ui.key(ctrl_c), UiOutcome::Quit, "{setup:?}");
    }
}

#[test]
fn filter_typing_enter_keeps_esc_clears() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    press(&mut ui, &[KeyCode::Enter]);
    press(&mut ui, &[KeyCode::Char('/')]);
    assert!(ui.editing_filter());
    type_text(&mut ui, "q?x");
    assert_eq!(
        ui.filter_text(),
        "q?x",
        "bound keys are typed while filtering"
    );
    press(
        &mut ui,
        &[KeyCode::Backspace, KeyCode::Backspace, KeyCode::Backspace],
    );
    type_text(&mut ui, "Redis");
    press(&mut ui, &[KeyCode::Enter]);
    assert!(!ui.editing_filter());
    assert_eq!(ui.filter_text(), "Redis");
    assert!(
        matches!(ui.selected(), Some(RowKey::Workload(k)) if k.name == "redis"),
        "{:?}",
        ui.selected()
    );
    // Esc in the list clears the filter first, then goes back.
    press(&mut ui, &[KeyCode::Esc]);
    assert_eq!(ui.filter_text(), "");
    assert_eq!(ui.view(), ViewKind::Zone);
    // Esc while typing clears the filter.
    press(&mut ui, &[KeyCode::Char('/')]);
    type_text(&mut ui, "node");
    press(&mut ui, &[KeyCode::Esc]);
    assert!(!ui.editing_filter());
    assert_eq!(ui.filter_text(), "");
    press(&mut ui, &[KeyCode::Esc]);
    assert_eq!(ui.view(), ViewKind::Overview);
}

#[test]
fn help_toggles_and_closes_with_back() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    press(&mut ui, &[KeyCode::Enter, KeyCode::Char('?')]);
    assert!(ui.help_visible());
    assert_eq!(press(&mut ui, &[KeyCode::Char('?')]), UiOutcome::Redraw);
    assert!(!ui.help_visible());
    press(&mut ui, &[KeyCode::F(1), KeyCode::Down, KeyCode::Esc]);
    assert!(!ui.help_visible());
    assert_eq!(
        ui.view(),
        ViewKind::Zone,
        "esc closed the help, not the view"
    );
    // Keys that mean nothing in the help do nothing.
    press(&mut ui, &[KeyCode::Char('?')]);
    assert_eq!(press(&mut ui, &[KeyCode::Enter]), UiOutcome::Nothing);
    assert_eq!(ui.view(), ViewKind::Zone);
}

#[test]
fn key_sequences_wait_for_the_next_key() {
    let fleet = team_fleet();
    let map = Keymap::parse(
        "[list]\nfirst = { keys = [\"g g\"] }\nlast = { keys = [\"G\"] }\nselect_down = { keys = [\"j\"] }\n[overview]\nquit = { keys = [\"q\"] }\n",
        Path::new("vim.toml"),
    )
    .unwrap();
    let mut ui = console_with_keymap(&fleet, map, "vim");
    ui.key(KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT));
    assert!(matches!(ui.selected(), Some(RowKey::Workload(k)) if k.namespace == "kube-system"));
    assert_eq!(
        press(&mut ui, &[KeyCode::Char('g')]),
        UiOutcome::Redraw,
        "waits"
    );
    let pending = render(&mut ui, 100, 30);
    assert!(pending.lines().last().unwrap().contains("g …"), "{pending}");
    press(&mut ui, &[KeyCode::Char('g')]);
    assert_eq!(ui.selected(), Some(&RowKey::Namespace("ge-system".into())));
    // A sequence that goes nowhere falls back to the last key alone.
    press(&mut ui, &[KeyCode::Char('g'), KeyCode::Char('j')]);
    assert!(matches!(ui.selected(), Some(RowKey::Workload(k)) if k.name == "admin-ui"));
    assert_eq!(
        press(&mut ui, &[KeyCode::Char('g'), KeyCode::Char('q')]),
        UiOutcome::Quit
    );
}

#[test]
fn selection_stays_on_its_object_when_the_model_changes() {
    let mut fleet = team_fleet();
    let mut ui = console(&fleet, false);
    press(&mut ui, &[KeyCode::Enter]);
    // Select redis in the zone view.
    for _ in 0..40 {
        if matches!(ui.selected(), Some(RowKey::Workload(k)) if k.name == "redis") {
            break;
        }
        press(&mut ui, &[KeyCode::Down]);
    }
    let redis = ui.selected().cloned().unwrap();
    // New rows appear above it: a node and a system pod.
    let new_rows = [
        ZoneEvent::Objects(ObjectChange::Nodes(StoreChange::Upsert(node(
            "ge-dev-0",
            "v1.34.2+k3s1",
            "containerd://2.1.5-k3s1",
            &[],
        )))),
        ZoneEvent::Objects(ObjectChange::Pods(StoreChange::Upsert(pod(
            "kube-system",
            "aaa-new",
            "Pending",
            None,
            "x:1",
        )))),
    ];
    for event in new_rows {
        fleet.zones[0].apply(event.clone());
        change(&mut ui, 0, event);
    }
    let screen = render(&mut ui, 120, 40);
    assert_eq!(ui.selected(), Some(&redis));
    press(&mut ui, &[KeyCode::Up]);
    assert!(
        matches!(ui.selected(), Some(RowKey::Workload(k)) if k.name == "postgresql"),
        "moved from redis:\n{screen}"
    );

    // In the workload view, the selected pod is followed too, and a vanished workload is said.
    let mut ui = console(&fleet, false);
    ui.select_in_overview(&RowKey::Workload(executor_key()));
    press(&mut ui, &[KeyCode::Enter, KeyCode::Enter, KeyCode::Down]);
    let pod_key = ui.selected().cloned().unwrap();
    assert!(matches!(&pod_key, RowKey::Pod(k) if k.name.ends_with("fghij")));
    let mut newer = pod(
        "ge-agents",
        "ge-executor-7f9c6b5d48-0first",
        "Pending",
        Some(("ReplicaSet", "ge-executor-7f9c6b5d48")),
        "x:1",
    );
    newer.created = ago(5);
    change(
        &mut ui,
        0,
        ZoneEvent::Objects(ObjectChange::Pods(StoreChange::Upsert(newer))),
    );
    render(&mut ui, 120, 30);
    assert_eq!(ui.selected(), Some(&pod_key));
    change(
        &mut ui,
        0,
        ZoneEvent::Objects(ObjectChange::Workloads(
            WorkloadKind::Deployment,
            StoreChange::Delete(ObjectKey::new("ge-agents", "ge-executor")),
        )),
    );
    let screen = render(&mut ui, 120, 30);
    insta::assert_snapshot!("workload_view_gone", screen);
    assert!(
        screen.contains("no such workload any more: Deployment ge-agents/ge-executor"),
        "{screen}"
    );
    press(&mut ui, &[KeyCode::Esc]);
    assert_eq!(ui.view(), ViewKind::Zone);
}

#[test]
fn the_command_line_jumps_to_zones_and_quits() {
    let fleet = team_fleet();
    let mut ui = console_with_keymap(&fleet, Keymap::shipped("vim").unwrap(), "vim");
    let bottom_line =
        |ui: &mut Console| ui.render(100, 30).lines().nth(29).unwrap_or("").to_string();
    ui.type_text(":pro");
    assert_eq!(ui.command_line(), Some("pro"));
    assert!(bottom_line(&mut ui).starts_with(":pro▏"));
    ui.type_text("d");
    ui.press(&[KeyCode::Enter]);
    assert_eq!((ui.view(), ui.focused_zone()), (ViewKind::Overview, 2));
    // From the zone view, a zone's name opens that zone's view.
    ui.press(&[KeyCode::Enter]);
    ui.type_text(":dev");
    ui.press(&[KeyCode::Enter]);
    assert_eq!((ui.view(), ui.focused_zone()), (ViewKind::Zone, 0));
    // A wrong command is said in the bottom bar until the next key.
    ui.type_text(":wq");
    ui.press(&[KeyCode::Enter]);
    let line = bottom_line(&mut ui);
    assert!(line.contains("unknown command :wq"), "{line}");
    assert_eq!(ui.press(&[KeyCode::Char('x')]), UiOutcome::Redraw);
    assert!(!bottom_line(&mut ui).contains("unknown command"));
    // Backspace on an empty line closes it, esc too.
    ui.type_text(":");
    ui.press(&[KeyCode::Backspace]);
    assert!(ui.command_line().is_none());
    ui.type_text(":");
    ui.press(&[KeyCode::Esc]);
    assert!(ui.command_line().is_none());
    ui.type_text(":help");
    ui.press(&[KeyCode::Enter]);
    assert!(ui.help_visible());
    ui.type_text(":q");
    assert_eq!(ui.press(&[KeyCode::Enter]), UiOutcome::Quit);
}

// ---------------------------------------------------------------------------------------------
// The mouse (`--mouse`), through the core as the event loop hands it over.

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> MouseEvent {
    MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }
}

fn click(column: u16, row: u16) -> MouseEvent {
    mouse(MouseEventKind::Down(MouseButton::Left), column, row)
}

fn empty_fleet() -> Fleet {
    Fleet::new(&config::parse_zones(DEFAULT_ZONES_TOML, Path::new("zones")).unwrap())
}

#[test]
fn a_click_on_a_zone_column_focuses_it() {
    let mut ui = console(&empty_fleet(), false);
    ui.render(200, 50);
    assert_eq!(ui.core.on_mouse(click(150, 20)), UiOutcome::Redraw);
    assert_eq!(ui.focused_zone(), 2);
    assert_eq!(ui.core.on_mouse(click(150, 21)), UiOutcome::Nothing);
    assert_eq!(ui.core.on_mouse(click(80, 10)), UiOutcome::Redraw);
    assert_eq!(ui.focused_zone(), 1);
    // Other buttons and the bars do nothing.
    let right = mouse(MouseEventKind::Down(MouseButton::Right), 10, 10);
    assert_eq!(ui.core.on_mouse(right), UiOutcome::Nothing);
    assert_eq!(ui.core.on_mouse(click(10, 0)), UiOutcome::Nothing);
    assert_eq!(ui.focused_zone(), 1);
}

#[test]
fn a_click_on_a_tab_focuses_its_zone() {
    let mut ui = console(&empty_fleet(), false);
    let screen = ui.render(100, 30);
    let strip = screen.lines().nth(1).unwrap();
    let z3 = strip.find("Z3").expect("a tab strip");
    let x = strip[..z3].chars().count() as u16;
    assert_eq!(ui.core.on_mouse(click(x + 1, 1)), UiOutcome::Redraw);
    assert_eq!(ui.focused_zone(), 2);
    assert_eq!(ui.core.on_mouse(click(1, 1)), UiOutcome::Redraw);
    assert_eq!(ui.focused_zone(), 0);
}

#[test]
fn the_wheel_scrolls_the_help_and_clicks_wait_for_the_overview() {
    let mut ui = console(&empty_fleet(), false);
    ui.render(100, 30);
    ui.press(&[KeyCode::Char('?')]);
    let top = ui.render(100, 30);
    let down = mouse(MouseEventKind::ScrollDown, 50, 15);
    assert_eq!(ui.core.on_mouse(down), UiOutcome::Redraw);
    let scrolled = ui.render(100, 30);
    assert_ne!(scrolled, top, "the wheel scrolls the help");
    assert_eq!(ui.core.on_mouse(click(80, 1)), UiOutcome::Nothing);
    assert!(ui.help_visible());
    let up = mouse(MouseEventKind::ScrollUp, 50, 15);
    assert_eq!(ui.core.on_mouse(up), UiOutcome::Redraw);
    assert_eq!(ui.render(100, 30), top, "and back");
}

#[test]
fn help_is_a_mode_of_its_own_that_takes_the_keys() {
    let fleet = team_fleet();
    let mut ui = console(&fleet, false);
    press(&mut ui, &[KeyCode::Char('?')]);
    let before = ui.selected().cloned();
    assert!(before.is_some());
    assert_eq!(
        ui.active_modes(ui.fleet()),
        [Mode::Help],
        "only help's keys apply"
    );
    // Keys of the views underneath neither act nor leak: enter opens nothing, down scrolls
    // the help instead of moving the selection.
    assert_eq!(press(&mut ui, &[KeyCode::Enter]), UiOutcome::Nothing);
    press(&mut ui, &[KeyCode::Down]);
    assert_eq!(ui.view(), ViewKind::Overview);
    assert_eq!(ui.selected().cloned(), before);
    // q closes the help (as in less and k9s) rather than quitting the console.
    assert_eq!(press(&mut ui, &[KeyCode::Char('q')]), UiOutcome::Redraw);
    assert!(!ui.help_visible());
    assert_eq!(press(&mut ui, &[KeyCode::Char('q')]), UiOutcome::Quit);
}

#[test]
fn a_zone_never_reached_shows_its_pins_as_unknown() {
    let mut fleet = team_fleet();
    let config = config::parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap();
    let mut staging = ZoneModel::new(std::sync::Arc::new(config.zones[1].clone()));
    staging.apply(ZoneEvent::Link(LinkStatus::NotConfigured {
        reason: "context ge-staging not in kubeconfig".into(),
    }));
    fleet.zones[1] = staging;
    let mut ui = console(&fleet, false);
    let screen = render(&mut ui, 200, 50);
    assert!(screen.contains("? kubernetes unknown"), "{screen}");
    assert!(!screen.contains("✗ kubernetes not found"), "{screen}");
}
