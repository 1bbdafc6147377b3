//! The real-apiserver tier's harness: finds the control planes `provision.sh start` wrote,
//! seeds each zone once, runs a node agent per zone for the whole test binary, serialises the
//! tests (several of them disrupt a zone) and feeds the console's cluster layer into a model
//! that tests await conditions on.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use ge_console::cluster::{self, LoadedKubeconfig};
use ge_console::config::{FleetConfig, parse_zones};
use ge_console::fleet::{Fleet, FleetEvent};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, RoleBinding};
use kube::api::{Api, PostParams};
use kube::{Client, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::node_agent::NodeAgent;

/// The environment variable naming the run directory (or its kubeconfig) of `provision.sh`.
pub const ENV: &str = "GE_CONSOLE_REAL_APISERVER";
/// How long one test may take in all.
pub const TEST_DEADLINE: Duration = Duration::from_secs(300);
/// How long the model may take to reach an awaited condition.
pub const DEADLINE: Duration = Duration::from_secs(90);
/// The namespaces every zone is seeded with (besides kube-system).
pub const NAMESPACES: [&str; 4] = ["ge-system", "ge-agents", "ge-data", "ge-monitoring"];
/// The versions the provisioned planes report, by plane index parity (see provision.sh).
pub const VERSIONS: [&str; 2] = ["v1.34.2+k3s1", "v1.33.5"];

/// One control plane as `provision.sh` recorded it in `plane-I/plane.env`.
#[derive(Debug, Clone)]
pub struct Plane {
    pub index: usize,
    pub version: String,
    pub etcd_port: u16,
}

impl Plane {
    /// The admin context of this plane in the run's kubeconfig.
    pub fn context(&self) -> String {
        format!("ge-real-{}", self.index)
    }

    /// The node-name prefix of this plane's simulated nodes.
    pub fn node_prefix(&self) -> String {
        format!("z{}", self.index + 1)
    }
}

/// The run directory written by `provision.sh start N`.
#[derive(Debug, Clone)]
pub struct RunDir {
    pub dir: PathBuf,
    pub kubeconfig: PathBuf,
    pub planes: Vec<Plane>,
}

impl RunDir {
    /// Reads the run directory named by [`ENV`]; panics (fails the test) when it is unset or
    /// incomplete: a test run with `--ignored` must never skip silently.
    pub fn from_env() -> RunDir {
        let value = std::env::var_os(ENV).unwrap_or_else(|| {
            panic!(
                "{ENV} is not set: start control planes with `tests/real-apiserver/provision.sh start 2` \
                 and export {ENV}=<run dir> (see tests/real-apiserver/README.md)"
            )
        });
        let mut dir = PathBuf::from(value);
        if dir.is_file() {
            dir = dir.parent().map(Path::to_path_buf).unwrap_or_default();
        }
        let count: usize = std::fs::read_to_string(dir.join("planes"))
            .unwrap_or_else(|e| {
                panic!(
                    "{}/planes: {e}: is provision.sh start running?",
                    dir.display()
                )
            })
            .trim()
            .parse()
            .expect("planes holds a number");
        let planes = (0..count)
            .map(|index| {
                let pdir = dir.join(format!("plane-{index}"));
                let text = std::fs::read_to_string(pdir.join("plane.env"))
                    .unwrap_or_else(|e| panic!("{}/plane.env: {e}", pdir.display()));
                let get = |key: &str| {
                    text.lines()
                        .find_map(|l| l.strip_prefix(&format!("{key}=")))
                        .unwrap_or_else(|| panic!("{key} missing in {}/plane.env", pdir.display()))
                        .to_string()
                };
                Plane {
                    index,
                    version: get("VERSION"),
                    etcd_port: get("ETCD_PORT").parse().expect("ETCD_PORT"),
                }
            })
            .collect();
        RunDir {
            kubeconfig: dir.join("kubeconfig"),
            dir,
            planes,
        }
    }

    /// Runs `provision.sh ARGS` against this run directory; panics when it fails.
    pub fn script(&self, args: &[&str]) {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real-apiserver/provision.sh");
        let out = Command::new("bash")
            .arg(&script)
            .args(args)
            .env("GE_CONSOLE_RUN_DIR", &self.dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        assert!(
            out.status.success(),
            "provision.sh {args:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Runs `etcdctl ARGS` against a plane's etcd (directly, not through the cuttable proxy).
    pub fn etcdctl(&self, plane: usize, args: &[&str]) -> String {
        let endpoint = format!("http://127.0.0.1:{}", self.planes[plane].etcd_port);
        let out = Command::new("etcdctl")
            .env("ETCDCTL_API", "3")
            .arg(format!("--endpoints={endpoint}"))
            .args(args)
            .output()
            .expect("etcdctl runs");
        assert!(
            out.status.success(),
            "etcdctl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `kubectl --context CONTEXT ARGS` against the run's kubeconfig.
    pub fn kubectl(&self, context: &str, args: &[&str]) -> String {
        let out = Command::new("kubectl")
            .arg(format!("--kubeconfig={}", self.kubeconfig.display()))
            .arg(format!("--context={context}"))
            .args(args)
            .output()
            .expect("kubectl runs");
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// The shared state of the test binary: the runtime the node agents live on, the run dir and
/// the loaded kubeconfig.
pub struct Harness {
    pub rt: tokio::runtime::Runtime,
    pub run: RunDir,
    pub kubeconfig: LoadedKubeconfig,
}

static HARNESS: OnceLock<Harness> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs one test body: one at a time, on the shared runtime, within [`TEST_DEADLINE`].
pub fn run<F, Fut>(body: F)
where
    F: FnOnce(&'static Harness) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let started = std::time::Instant::now();
    let h = harness();
    let ready = started.elapsed();
    h.rt.block_on(async {
        tokio::time::timeout(TEST_DEADLINE, body(h))
            .await
            .expect("the test finished within its deadline");
    });
    eprintln!(
        "[real-apiserver] {} took {:.1?} (+{:.1?} harness setup)",
        std::thread::current().name().unwrap_or("test"),
        started.elapsed() - ready,
        ready
    );
}

fn harness() -> &'static Harness {
    if let Some(h) = HARNESS.get() {
        return h;
    }
    let run = RunDir::from_env();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let kubeconfig = cluster::load_kubeconfig(Some(&run.kubeconfig)).expect("the run's kubeconfig");
    rt.block_on(async {
        for plane in &run.planes {
            let client = admin_client(&kubeconfig, plane).await;
            let version = tokio::time::timeout(Duration::from_secs(30), client.apiserver_version())
                .await
                .unwrap_or_else(|_| panic!("plane {} did not answer /version in 30 s", plane.index))
                .unwrap_or_else(|e| panic!("plane {} is not reachable: {e}", plane.index));
            assert_eq!(
                version.git_version, plane.version,
                "plane {} version",
                plane.index
            );
            let agent = NodeAgent::new(
                client.clone(),
                plane.index as u8 + 1,
                &plane.node_prefix(),
                &version.git_version,
            );
            agent.register().await.expect("nodes register");
            tokio::spawn(agent.run());
            seed(&client).await;
        }
        for plane in &run.planes {
            let client = admin_client(&kubeconfig, plane).await;
            wait_seeded(&client, plane.index).await;
        }
    });
    let _ = HARNESS.set(Harness {
        rt,
        run,
        kubeconfig,
    });
    HARNESS.get().expect("harness set")
}

/// A kube client with the admin token of a plane.
pub async fn admin_client(kubeconfig: &LoadedKubeconfig, plane: &Plane) -> Client {
    let zones = zones_toml(&[(plane.context(), plane.version.clone())]);
    let config = parse_zones(&zones, Path::new("zones.toml")).expect("zones parse");
    cluster::zone_client(&config.zones[0], kubeconfig)
        .await
        .expect("admin client")
}

/// A zones file for the given (context, server version) pairs, with pins matching what the
/// seed and the node agent put there.
pub fn zones_toml(zones: &[(String, String)]) -> String {
    let names = ["dev", "staging", "production", "z4", "z5", "z6", "z7", "z8"];
    let mut out = String::from(
        "namespaces = [\"ge-system\", \"ge-agents\", \"ge-data\", \"ge-monitoring\", \"kube-system\"]\n",
    );
    for (i, (context, version)) in zones.iter().enumerate() {
        let line = kube_line(version);
        out.push_str(&format!(
            "\n[[zones]]\nid = {}\nname = \"{}\"\nenvironment = \"{}\"\nplatform = \"kube-apiserver 1.20\"\n\
             owner = \"ci\"\nlocation = \"loopback\"\ncontext = \"{context}\"\n\n\
             [[zones.pins]]\ncomponent = \"kubernetes\"\nline = \"{line}\"\n\n\
             [[zones.pins]]\ncomponent = \"coredns\"\nline = \"v1.14.x\"\n\n\
             [[zones.pins]]\ncomponent = \"containerd\"\nline = \"v2.1.x\"\n",
            i + 1,
            names[i],
            if i == 0 { "development" } else { "staging" },
        ));
    }
    out
}

/// `v1.34.2+k3s1` → `v1.34.x`.
pub fn kube_line(version: &str) -> String {
    let mut parts = version.trim_start_matches('v').split('.');
    let major = parts.next().unwrap_or("1");
    let minor = parts.next().unwrap_or("0");
    format!("v{major}.{minor}.x")
}

/// The fleet config for the planes at `indexes`, with `contexts` overriding their contexts.
pub fn fleet_for(run: &RunDir, contexts: &[(usize, &str)]) -> FleetConfig {
    let zones: Vec<(String, String)> = contexts
        .iter()
        .map(|(i, c)| (c.to_string(), run.planes[*i].version.clone()))
        .collect();
    parse_zones(&zones_toml(&zones), Path::new("zones.toml")).expect("zones parse")
}

/// The fleet config of [`fleet_for`] with `sections` (a `[promotion]` or `[checks]` section, as
/// the team would write it) appended to the zones file.
pub fn fleet_with(run: &RunDir, contexts: &[(usize, &str)], sections: &str) -> FleetConfig {
    let zones: Vec<(String, String)> = contexts
        .iter()
        .map(|(i, c)| (c.to_string(), run.planes[*i].version.clone()))
        .collect();
    let text = format!("{}\n{sections}", zones_toml(&zones));
    parse_zones(&text, Path::new("zones.toml")).expect("zones with sections parse")
}

async fn create<K>(api: &Api<K>, value: serde_json::Value)
where
    K: Resource + Clone + DeserializeOwned + Serialize + std::fmt::Debug,
{
    let obj: K = serde_json::from_value(value).expect("seed object deserialises");
    match api.create(&PostParams::default(), &obj).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 409 => {}
        Err(e) => panic!("seeding failed: {e}"),
    }
}

fn deployment(ns: &str, name: &str, replicas: i32, image: &str) -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": pod_template(name, image),
        }
    })
}

fn pod_template(name: &str, image: &str) -> serde_json::Value {
    json!({
        "metadata": {"labels": {"app": name}},
        "spec": {
            "automountServiceAccountToken": false,
            "terminationGracePeriodSeconds": 5,
            "containers": [{"name": name, "image": image}],
        }
    })
}

/// Seeds a zone (idempotently): namespaces, kube-system's coredns and traefik, ge-executor,
/// ge-api, a StatefulSet and a DaemonSet, and RBAC for the namespace-only reader token.
pub async fn seed(client: &Client) {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    for ns in NAMESPACES {
        create(
            &namespaces,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
        )
        .await;
    }
    let deploy = |ns: &str| Api::<Deployment>::namespaced(client.clone(), ns);
    create(
        &deploy("kube-system"),
        deployment(
            "kube-system",
            "coredns",
            2,
            "rancher/mirrored-coredns-coredns:1.14.1",
        ),
    )
    .await;
    create(
        &deploy("kube-system"),
        deployment(
            "kube-system",
            "traefik",
            1,
            "rancher/mirrored-library-traefik:3.6.2",
        ),
    )
    .await;
    create(
        &deploy("ge-agents"),
        deployment("ge-agents", "ge-executor", 2, "ghcr.io/ge/executor:1.8.0"),
    )
    .await;
    create(
        &deploy("ge-system"),
        deployment("ge-system", "ge-api", 1, "ghcr.io/ge/api:2.3.1"),
    )
    .await;
    let sts: Api<StatefulSet> = Api::namespaced(client.clone(), "ge-data");
    create(
        &sts,
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "ge-store", "namespace": "ge-data"},
            "spec": {
                "replicas": 2, "serviceName": "ge-store",
                "selector": {"matchLabels": {"app": "ge-store"}},
                "template": pod_template("ge-store", "postgres:17.2"),
            }
        }),
    )
    .await;
    let ds: Api<DaemonSet> = Api::namespaced(client.clone(), "ge-monitoring");
    create(&ds, json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "node-exporter", "namespace": "ge-monitoring"},
        "spec": {
            "selector": {"matchLabels": {"app": "node-exporter"}},
            "template": pod_template("node-exporter", "quay.io/prometheus/node-exporter:v1.9.1"),
        }
    })).await;
    // The reader token: cluster-wide list/watch of nodes and namespaces, everything else only
    // in ge-agents.
    let verbs = json!(["get", "list", "watch"]);
    create(
        &Api::<ClusterRole>::all(client.clone()),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "ge-reader-cluster"},
            "rules": [{"apiGroups": [""], "resources": ["nodes", "namespaces"], "verbs": verbs}],
        }),
    )
    .await;
    create(&Api::<ClusterRoleBinding>::all(client.clone()), json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "ge-reader-cluster"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "ge-reader-cluster"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "ge-reader"}],
    })).await;
    // In ge-agents the reader has the built-in `view` role, as a team member with a Role
    // rather than a ClusterRole would.
    create(&Api::<RoleBinding>::namespaced(client.clone(), "ge-agents"), json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "ge-reader-view", "namespace": "ge-agents"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "ge-reader"}],
    })).await;
    // Read-only access to the console's kinds, for the revocable ServiceAccount token.
    create(&Api::<ClusterRole>::all(client.clone()), json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "ge-console-read"},
        "rules": [
            {"apiGroups": [""], "resources": ["nodes", "namespaces", "pods"], "verbs": verbs},
            {"apiGroups": ["apps"], "resources": ["deployments", "statefulsets", "daemonsets", "replicasets"], "verbs": verbs},
        ],
    })).await;
}

/// Waits until every seeded workload of a zone has all its replicas ready (by the API).
pub async fn wait_seeded(client: &Client, plane: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    loop {
        let mut pending = Vec::new();
        for d in Api::<Deployment>::all(client.clone())
            .list(&Default::default())
            .await
            .map(|l| l.items)
            .unwrap_or_default()
        {
            let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let ready = d
                .status
                .as_ref()
                .and_then(|s| s.ready_replicas)
                .unwrap_or(0);
            if ready < want {
                pending.push(format!(
                    "deploy/{} {ready}/{want}",
                    d.metadata.name.unwrap_or_default()
                ));
            }
        }
        for s in Api::<StatefulSet>::all(client.clone())
            .list(&Default::default())
            .await
            .map(|l| l.items)
            .unwrap_or_default()
        {
            let want = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let ready = s
                .status
                .as_ref()
                .and_then(|s| s.ready_replicas)
                .unwrap_or(0);
            if ready < want {
                pending.push(format!(
                    "sts/{} {ready}/{want}",
                    s.metadata.name.unwrap_or_default()
                ));
            }
        }
        let daemonsets = Api::<DaemonSet>::all(client.clone())
            .list(&Default::default())
            .await
            .map(|l| l.items)
            .unwrap_or_default();
        if daemonsets.is_empty() {
            pending.push("no daemonset yet".into());
        }
        for d in daemonsets {
            let st = d.status.unwrap_or_default();
            if st.desired_number_scheduled == 0 || st.number_ready < st.desired_number_scheduled {
                pending.push(format!(
                    "ds/{} {}/{}",
                    d.metadata.name.unwrap_or_default(),
                    st.number_ready,
                    st.desired_number_scheduled
                ));
            }
        }
        if pending.is_empty() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "plane {plane}: seeded workloads not ready after 180 s: {pending:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The console's model, fed by the real cluster layer, with every event kept for inspection.
pub struct WatchedFleet {
    pub fleet: Fleet,
    pub events: Vec<(tokio::time::Instant, FleetEvent)>,
    rx: mpsc::Receiver<FleetEvent>,
    _tasks: JoinSet<()>,
}

impl WatchedFleet {
    /// Starts the console's watchers for `config`.
    pub fn start(config: &FleetConfig, kubeconfig: &LoadedKubeconfig) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        let tasks = cluster::spawn_fleet(config, kubeconfig, tx);
        WatchedFleet {
            fleet: Fleet::new(config),
            events: Vec::new(),
            rx,
            _tasks: tasks,
        }
    }

    fn apply(&mut self, event: FleetEvent) {
        self.events
            .push((tokio::time::Instant::now(), event.clone()));
        self.fleet.apply(event);
    }

    /// Applies events until `done` holds; fails the test with the zones' states after
    /// [`DEADLINE`].
    pub async fn until(&mut self, what: &str, done: impl Fn(&Fleet) -> bool) {
        self.until_within(what, DEADLINE, done).await;
    }

    /// Applies events until `done` holds or `within` passes (then the test fails).
    pub async fn until_within(
        &mut self,
        what: &str,
        within: Duration,
        done: impl Fn(&Fleet) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + within;
        while !done(&self.fleet) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(event)) => self.apply(event),
                Ok(None) => panic!("event channel closed while waiting for {what}"),
                Err(_) => panic!("timed out waiting for {what}; zones: {}", self.describe()),
            }
        }
    }

    /// Applies every event that arrives until `until` (a time, not a condition: used to count
    /// what the console does in a window).
    pub async fn drain_until(&mut self, until: tokio::time::Instant) {
        while let Ok(Some(event)) = tokio::time::timeout_at(until, self.rx.recv()).await {
            self.apply(event);
        }
    }

    /// The zones' states, errors and kind statuses, for failure messages.
    pub fn describe(&self) -> String {
        self.fleet
            .zones
            .iter()
            .map(|z| {
                format!(
                    "{}={:?} err={:?} kinds={:?}",
                    z.config.name,
                    z.state(),
                    z.error(),
                    z.kinds
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}
