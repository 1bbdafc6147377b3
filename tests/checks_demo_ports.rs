//! The ports and platform checks against the demo fleet, served in-process over real HTTP: the
//! console's real cluster layer watches the demo's Services, IngressClasses and StorageClasses
//! into the model, and `run_checks` fails staging's Redis Service on 6379.

use std::path::Path;
use std::time::Duration;

use ge_console::cluster;
use ge_console::config::{DEFAULT_ZONES_TOML, FleetConfig, PortsSpec, ZoneId, parse_zones};
use ge_console::demo::{DemoFleet, DemoOptions};
use ge_console::fleet::checks::platform::platform_rows;
use ge_console::fleet::checks::{CheckContext, CheckId, CheckSeverity, KubectlClient, run_checks};
use ge_console::fleet::{Fleet, KindStatus, ObjectKey, ResourceKind, ZoneState};
use jiff::Timestamp;
use tokio::sync::mpsc;

const DEADLINE: Duration = Duration::from_secs(60);

/// Applies the cluster layer's events to `fleet` until `done` holds (or the deadline passes).
async fn until(
    fleet: &mut Fleet,
    rx: &mut mpsc::Receiver<ge_console::fleet::FleetEvent>,
    what: &str,
    done: impl Fn(&Fleet) -> bool,
) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !done(fleet) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(event)) => fleet.apply(event),
            Ok(None) => panic!("the cluster layer stopped"),
            Err(_) => {
                let states: Vec<String> = fleet
                    .zones
                    .iter()
                    .map(|z| format!("{}={:?} {:?}", z.config.name, z.state(), z.error()))
                    .collect();
                panic!("timed out waiting for {what}; zones: {states:?}");
            }
        }
    }
}

fn zones() -> FleetConfig {
    parse_zones(DEFAULT_ZONES_TOML, Path::new("<test zones>")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demos_services_and_classes_reach_the_model_and_staging_redis_fails_ports_mismatch() {
    let state = tempfile::tempdir().unwrap();
    let demo = DemoFleet::start(DemoOptions {
        state_dir: state.path().to_path_buf(),
        time_scale: 0.1,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let kubeconfig = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
    let config = zones();
    let (tx, mut rx) = mpsc::channel(4096);
    let _tasks = cluster::spawn_fleet(&config, &kubeconfig, tx);
    let mut fleet = Fleet::new(&config);
    until(
        &mut fleet,
        &mut rx,
        "every zone live with its Services",
        |f| {
            f.zones.iter().all(|z| {
                z.state() == ZoneState::Live
                    && z.services.contains_key(&ObjectKey::new("ge-data", "redis"))
            })
        },
    )
    .await;

    for zone in &fleet.zones {
        for kind in [
            ResourceKind::Services,
            ResourceKind::IngressClasses,
            ResourceKind::StorageClasses,
        ] {
            assert_eq!(
                zone.kinds[&kind],
                KindStatus::Synced,
                "{} {kind:?}",
                zone.config.name
            );
        }
    }
    // Services of the watched namespaces, kube-system's included; the classes of each platform.
    let dev = &fleet.zones[0];
    let wiki = &dev.services[&ObjectKey::new("ge-system", "wiki")];
    assert_eq!(wiki.service_type, "NodePort");
    assert_eq!(
        (wiki.ports[0].port, wiki.ports[0].node_port),
        (8000, Some(30080))
    );
    assert!(wiki.has_selector);
    assert!(
        dev.services
            .contains_key(&ObjectKey::new("kube-system", "traefik"))
    );
    assert!(
        !dev.services
            .contains_key(&ObjectKey::new("default", "kubernetes"))
    );
    let traefik = &dev.ingress_classes[&ObjectKey::cluster("traefik")];
    assert_eq!(traefik.controller, "traefik.io/ingress-controller");
    let local_path = &dev.storage_classes[&ObjectKey::cluster("local-path")];
    assert!(local_path.is_default);
    assert_eq!(local_path.provisioner, "rancher.io/local-path");
    let staging = &fleet.zones[1];
    assert!(staging.ingress_classes.is_empty());
    assert_eq!(
        staging.storage_classes[&ObjectKey::cluster("upcloud-block-storage")].provisioner,
        "storage.csi.upcloud.com"
    );
    let redis = &staging.services[&ObjectKey::new("ge-data", "redis")];
    assert_eq!(redis.ports[0].port, 6379);
    assert_eq!(redis.ports[0].target_port.as_deref(), Some("6381"));

    let ports = PortsSpec::default();
    let cx = CheckContext {
        fleet: &fleet,
        config: &config,
        now: Timestamp::now(),
        kubectl: &KubectlClient::NotProbed,
        observations: &[],
        ports: &ports,
    };
    let findings = run_checks(&cx);
    let mismatches: Vec<_> = findings
        .iter()
        .filter(|f| f.id == CheckId::PortsMismatch && f.severity == CheckSeverity::Fail)
        .collect();
    assert_eq!(mismatches.len(), 1, "{mismatches:#?}");
    assert_eq!(mismatches[0].zone, ZoneId(2));
    assert_eq!(mismatches[0].subject, "ge-data/service/redis");
    assert_eq!(
        mismatches[0].message,
        "Redis listens on 6379: the runbook says 6381, NOT default 6379"
    );
    // The demo's platforms are as the wiki's table says: no platform warnings.
    let platform_warnings: Vec<_> = findings
        .iter()
        .filter(|f| f.id == CheckId::ZonePlatform && f.severity != CheckSeverity::Info)
        .collect();
    assert!(platform_warnings.is_empty(), "{platform_warnings:#?}");
    let rows = platform_rows(&cx);
    assert_eq!(rows[0].cni, "flannel (built into k3s)");
    assert_eq!(
        rows[0].ingress,
        "IngressClass traefik (traefik.io/ingress-controller) · kube-system/traefik"
    );
    assert_eq!(rows[1].cni, "cilium");
    assert_eq!(
        rows[2].storage,
        "upcloud-block-storage (storage.csi.upcloud.com)"
    );
    demo.shutdown().await;
}
