//! The embedded demo fleet: simulated zones served over real HTTP on loopback.
//!
//! Each zone is its own Kubernetes-compatible API server (own listener, store and controller
//! task), seeded from `assets/demo-fleet.toml`, good enough for `kubectl` and kube-rs watchers.

pub mod build;
mod controller;
mod event;
mod factory;
mod http;
mod kubeconfig;
mod lease;
mod logs;
mod patch;
mod protobuf;
mod registry;
mod resources;
mod seed;
mod selector;
mod status;
mod store;
mod table;
mod watch;

use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::file_error::FileError;

pub use controller::CHURN_LABEL;

/// Options for [`DemoFleet::start`].
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Extra pods per zone, in [`DemoOptions::load_namespace`].
    pub pods_per_zone: usize,
    /// The namespace the extra pods go into: `ge-load` (no zone watches it) by default, or one
    /// of the zones' GE namespaces to load what the console shows.
    pub load_namespace: String,
    /// Pod status/label updates per second across the fleet.
    pub churn_per_sec: f64,
    /// The share (0 to 1) of churn updates that also count a container restart, which the
    /// console shows; the others move only a label and a probe time, which it leaves out.
    pub churn_restart_share: f64,
    /// Where to write the kubeconfig; None = `<state_dir>/demo-kubeconfig.yaml`.
    pub kubeconfig_out: Option<PathBuf>,
    /// Directory for the demo's files.
    pub state_dir: PathBuf,
    /// 1.0 = realistic delays; smaller is faster.
    pub time_scale: f64,
    /// Log lines a second each pod of a busy workload writes (ge-executor, orchestrator,
    /// ge-load); quieter programs write a fraction of it. A benchmark raises it to make one
    /// workload stream thousands of lines a second.
    pub log_lines_per_sec: f64,
    /// The registry file the simulated build pushes to and the kubelets read image digests
    /// from; None = `<state_dir>/demo-registry.json`.
    pub registry_file: Option<PathBuf>,
    /// How long an Event lives after its last write (the API server's `--event-ttl`).
    pub event_ttl: Duration,
}

/// The default of [`DemoOptions::load_namespace`]: a namespace that is not one of the GE
/// namespaces, like another team's.
pub const DEFAULT_LOAD_NAMESPACE: &str = "ge-load";

/// The API server's default `--event-ttl`.
pub const DEFAULT_EVENT_TTL: Duration = Duration::from_secs(3600);

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            pods_per_zone: 0,
            load_namespace: DEFAULT_LOAD_NAMESPACE.to_string(),
            churn_per_sec: 0.0,
            churn_restart_share: 0.0,
            kubeconfig_out: None,
            state_dir: std::env::temp_dir().join("ge-console-demo"),
            time_scale: 1.0,
            log_lines_per_sec: DEFAULT_LOG_LINES_PER_SEC,
            registry_file: None,
            event_ttl: DEFAULT_EVENT_TTL,
        }
    }
}

/// The registry file's name in the state dir, unless [`DemoOptions::registry_file`] says
/// otherwise (`ge-console demo-build` pushes there by default too).
pub const REGISTRY_FILE: &str = "demo-registry.json";
/// The default of [`DemoOptions::log_lines_per_sec`]: a few lines a second per busy pod.
pub const DEFAULT_LOG_LINES_PER_SEC: f64 = 2.0;
/// The most [`DemoOptions::log_lines_per_sec`] may ask for.
pub const MAX_LOG_LINES_PER_SEC: f64 = 100_000.0;

/// Why the demo fleet could not start or change state.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The zone's port is taken by another process.
    #[error("port 127.0.0.1:{port} for zone {context} is already in use by another process")]
    PortInUse {
        /// Context of the zone.
        context: String,
        /// The port.
        port: u16,
    },
    /// Binding the zone's listener failed for another reason.
    #[error("cannot listen on 127.0.0.1:{port} for zone {context}: {source}")]
    Bind {
        /// Context of the zone.
        context: String,
        /// The port (0 = any).
        port: u16,
        /// The OS error.
        source: std::io::Error,
    },
    /// The kubeconfig could not be written.
    #[error("cannot write the demo kubeconfig to {}: {source}", path.display())]
    KubeconfigUnwritable {
        /// The path that could not be written.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The state directory could not be created.
    #[error("cannot create the demo state directory {}: {source}", path.display())]
    StateDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The seed file is invalid, at a known place (`file:line:column: message`).
    #[error("{0}")]
    Seed(FileError),
    /// An option is out of range.
    #[error("invalid demo option: {0}")]
    InvalidOption(String),
    /// No zone has this context name.
    #[error("unknown demo context {context:?} (known: {known})")]
    UnknownContext {
        /// The name asked for.
        context: String,
        /// The known contexts.
        known: String,
    },
}

/// One simulated zone's shared state (used by its HTTP server and its controller).
pub(crate) struct Zone {
    /// kubeconfig context name.
    pub context: String,
    /// Accepted bearer token.
    pub token: String,
    /// The `/version` document.
    pub version: Value,
    /// The objects.
    pub store: store::Store,
    /// Nodes, network and faulty images.
    pub profile: factory::ZoneProfile,
    /// Delay multiplier.
    pub time_scale: f64,
    /// The port the zone listens on (kept across stop/start).
    pub port: u16,
    /// Log lines a second of a busy pod.
    pub log_rate: f64,
    /// Where pushed image digests are found.
    pub registry: Arc<registry::Registry>,
    /// How long an Event lives after its last write.
    pub event_ttl: Duration,
    /// The namespace of the generated load pods, which the churn updates first.
    pub load_namespace: String,
    /// The share of churn updates that also count a container restart.
    pub churn_restart_share: f64,
}

/// What every zone shares: its kubelets' log rate and image registry, its events' lifetime.
#[derive(Clone)]
struct SharedSettings {
    log_rate: f64,
    registry: Arc<registry::Registry>,
    event_ttl: Duration,
    churn_restart_share: f64,
}

/// A running server: its stop signal and task.
struct RunningServer {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// A zone plus its running tasks.
struct ZoneHandle {
    zone: Arc<Zone>,
    server: Mutex<Option<RunningServer>>,
    controller: Mutex<Option<RunningServer>>,
}

/// The running demo fleet.
pub struct DemoFleet {
    zones: Vec<ZoneHandle>,
    kubeconfig_path: PathBuf,
    registry: Arc<registry::Registry>,
}

fn bind(context: &str, port: u16) -> Result<TcpListener, DemoError> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let failed = |source: std::io::Error| {
        if source.kind() == ErrorKind::AddrInUse {
            DemoError::PortInUse {
                context: context.to_string(),
                port,
            }
        } else {
            DemoError::Bind {
                context: context.to_string(),
                port,
                source,
            }
        }
    };
    let socket = TcpSocket::new_v4().map_err(failed)?;
    socket.set_reuseaddr(true).map_err(failed)?;
    socket.bind(address).map_err(failed)?;
    socket.listen(1024).map_err(failed)
}

/// Build one zone from the seed: store contents, shared state and a settled controller.
fn prepare_zone(
    seed: &seed::Seed,
    index: usize,
    port: u16,
    load: &seed::LoadPods,
    time_scale: f64,
    churn_per_zone: f64,
    shared: SharedSettings,
) -> Result<(Arc<Zone>, controller::Controller), DemoError> {
    let zone_seed = &seed.zones[index];
    let store = store::Store::new();
    store.expire_after_write(resources::ServedKind::Event, shared.event_ttl);
    let build = seed::build_zone(seed, zone_seed, load, &store)?;
    let zone = Arc::new(Zone {
        context: zone_seed.context.clone(),
        token: zone_seed.token.clone(),
        version: zone_seed.version.to_json(),
        store,
        profile: build.profile,
        time_scale,
        port,
        log_rate: shared.log_rate,
        registry: shared.registry,
        event_ttl: shared.event_ttl,
        load_namespace: load.namespace.clone(),
        churn_restart_share: shared.churn_restart_share,
    });
    let mut controller = controller::Controller::new(zone.clone(), build.rng, churn_per_zone);
    controller.settle();
    zone.store.reset_history();
    Ok((zone, controller))
}

/// Whether `name` is a valid namespace name: an RFC 1123 label, as the API server requires.
fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    bytes.len() <= 63
        && edge(bytes.first())
        && edge(bytes.last())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl DemoFleet {
    /// Start every zone on its own 127.0.0.1 port and write the kubeconfig.
    pub async fn start(opts: DemoOptions) -> Result<DemoFleet, DemoError> {
        if !(opts.time_scale.is_finite() && opts.time_scale > 0.0) {
            return Err(DemoError::InvalidOption(format!(
                "time_scale must be > 0, got {}",
                opts.time_scale
            )));
        }
        if opts.event_ttl.is_zero() {
            return Err(DemoError::InvalidOption(
                "event_ttl must be longer than zero".into(),
            ));
        }
        if !(opts.churn_per_sec.is_finite() && opts.churn_per_sec >= 0.0) {
            return Err(DemoError::InvalidOption(format!(
                "churn_per_sec must be >= 0, got {}",
                opts.churn_per_sec
            )));
        }
        if !(0.0..=1.0).contains(&opts.churn_restart_share) {
            return Err(DemoError::InvalidOption(format!(
                "churn_restart_share must be between 0 and 1, got {}",
                opts.churn_restart_share
            )));
        }
        if !(opts.log_lines_per_sec.is_finite()
            && (0.0..=MAX_LOG_LINES_PER_SEC).contains(&opts.log_lines_per_sec))
        {
            return Err(DemoError::InvalidOption(format!(
                "log_lines_per_sec must be between 0 and {MAX_LOG_LINES_PER_SEC}, got {}",
                opts.log_lines_per_sec
            )));
        }
        if !is_dns_label(&opts.load_namespace) {
            return Err(DemoError::InvalidOption(format!(
                "load namespace {:?} is not a valid namespace name (lower-case letters, digits \
                 and '-', starting and ending with a letter or digit, at most 63 characters)",
                opts.load_namespace
            )));
        }
        let load = seed::LoadPods {
            count: opts.pods_per_zone,
            namespace: opts.load_namespace.clone(),
        };
        let started = Instant::now();
        let seed = Arc::new(seed::parse(seed::SEED_FILE, seed::SEED_TEXT)?);
        let registry_path = opts
            .registry_file
            .clone()
            .unwrap_or_else(|| opts.state_dir.join(REGISTRY_FILE));
        let shared = SharedSettings {
            log_rate: opts.log_lines_per_sec,
            registry: Arc::new(registry::Registry::new(registry_path)),
            event_ttl: opts.event_ttl,
            churn_restart_share: opts.churn_restart_share,
        };
        let churn_per_zone = opts.churn_per_sec / seed.zones.len().max(1) as f64;
        // Bind first (ports go into the kubeconfig), then build the zones in parallel: seeding
        // thousands of pods is CPU work that must not stall the async runtime.
        let mut listeners = Vec::new();
        for zone_seed in &seed.zones {
            let listener = bind(&zone_seed.context, 0)?;
            let port = listener
                .local_addr()
                .map_err(|source| DemoError::Bind {
                    context: zone_seed.context.clone(),
                    port: 0,
                    source,
                })?
                .port();
            listeners.push((listener, port));
        }
        let mut builds = Vec::new();
        for (index, (_, port)) in listeners.iter().enumerate() {
            let (seed, port, load, time_scale) =
                (seed.clone(), *port, load.clone(), opts.time_scale);
            let shared = shared.clone();
            builds.push(tokio::task::spawn_blocking(move || {
                prepare_zone(
                    &seed,
                    index,
                    port,
                    &load,
                    time_scale,
                    churn_per_zone,
                    shared,
                )
            }));
        }
        let mut prepared = Vec::new();
        for ((listener, _), build) in listeners.into_iter().zip(builds) {
            let (zone, controller) = build.await.map_err(|error| {
                DemoError::InvalidOption(format!("zone preparation failed: {error}"))
            })??;
            prepared.push((zone, listener, controller));
        }

        let kubeconfig_path = match &opts.kubeconfig_out {
            Some(path) => path.clone(),
            None => {
                std::fs::create_dir_all(&opts.state_dir).map_err(|source| DemoError::StateDir {
                    path: opts.state_dir.clone(),
                    source,
                })?;
                opts.state_dir.join("demo-kubeconfig.yaml")
            }
        };
        let entries: Vec<kubeconfig::KubeconfigZone<'_>> = prepared
            .iter()
            .map(|(zone, _, _)| kubeconfig::KubeconfigZone {
                context: &zone.context,
                server: format!("http://127.0.0.1:{}", zone.port),
                token: &zone.token,
            })
            .collect();
        kubeconfig::write_atomically(&kubeconfig_path, &kubeconfig::render(&entries))?;

        let mut zones = Vec::new();
        for (zone, listener, controller) in prepared {
            let (stop, stopped) = oneshot::channel();
            let task = tokio::spawn(controller.run(stopped));
            let controller = RunningServer { stop, task };
            let (stop, stopped) = oneshot::channel();
            let task = tokio::spawn(http::serve(listener, zone.clone(), stopped));
            zones.push(ZoneHandle {
                zone,
                server: Mutex::new(Some(RunningServer { stop, task })),
                controller: Mutex::new(Some(controller)),
            });
        }
        tracing::info!(elapsed = ?started.elapsed(), path = %kubeconfig_path.display(), "demo fleet started");
        Ok(DemoFleet {
            zones,
            kubeconfig_path,
            registry: shared.registry,
        })
    }

    /// The registry file the simulated build pushes to (pass it in `GE_DEMO_REGISTRY`).
    pub fn registry_path(&self) -> &Path {
        self.registry.path()
    }

    /// The image of the first container in the pod template of a workload (`kind` as in its
    /// manifest: `Deployment`, `StatefulSet`, `DaemonSet`), if the zone has it: what the
    /// simulated build of that workload names.
    pub fn workload_image(
        &self,
        context: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Option<String> {
        let handle = self.handle(context).ok()?;
        let kind = resources::ServedKind::ALL
            .into_iter()
            .find(|k| k.info().kind == kind)?;
        let object = handle.zone.store.get(kind, namespace, name)?.to_value();
        object["spec"]["template"]["spec"]["containers"][0]["image"]
            .as_str()
            .map(str::to_string)
    }

    /// Path of the kubeconfig written at start.
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig_path
    }

    /// Context names in seed order.
    pub fn contexts(&self) -> Vec<String> {
        self.zones
            .iter()
            .map(|handle| handle.zone.context.clone())
            .collect()
    }

    /// `http://127.0.0.1:PORT` of a context.
    pub fn server_url(&self, context: &str) -> Option<String> {
        self.zones
            .iter()
            .find(|handle| handle.zone.context == context)
            .map(|handle| format!("http://127.0.0.1:{}", handle.zone.port))
    }

    fn handle(&self, context: &str) -> Result<&ZoneHandle, DemoError> {
        self.zones
            .iter()
            .find(|handle| handle.zone.context == context)
            .ok_or_else(|| DemoError::UnknownContext {
                context: context.to_string(),
                known: self.contexts().join(", "),
            })
    }

    /// Take a zone's API server down: the listener closes and every open connection (watches
    /// included) is dropped. The zone's objects and simulation keep going. Idempotent.
    pub async fn stop_zone(&self, context: &str) -> Result<(), DemoError> {
        let handle = self.handle(context)?;
        let running = lock(&handle.server).take();
        if let Some(running) = running {
            let _ = running.stop.send(());
            let _ = running.task.await;
        }
        Ok(())
    }

    /// Bring a stopped zone's API server back on the same port, with the same objects.
    /// Idempotent.
    pub async fn start_zone(&self, context: &str) -> Result<(), DemoError> {
        let handle = self.handle(context)?;
        if lock(&handle.server).is_some() {
            return Ok(());
        }
        let listener = bind(context, handle.zone.port)?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(http::serve(listener, handle.zone.clone(), stopped));
        let mut server = lock(&handle.server);
        if server.is_some() {
            // Another start won the race; let this listener go.
            let _ = stop.send(());
        } else {
            *server = Some(RunningServer { stop, task });
        }
        Ok(())
    }

    /// Stop every zone and its simulation.
    pub async fn shutdown(self) {
        for handle in &self.zones {
            for slot in [&handle.server, &handle.controller] {
                let running = lock(slot).take();
                if let Some(running) = running {
                    let _ = running.stop.send(());
                    let _ = running.task.await;
                }
            }
        }
    }
}

/// `ge-console demo --serve`: start the fleet, print how to use it, run until Ctrl-C.
pub async fn serve(opts: DemoOptions) -> anyhow::Result<()> {
    use std::io::Write;
    let started = Instant::now();
    let fleet = DemoFleet::start(opts).await?;
    let path = fleet.kubeconfig_path().display().to_string();
    let mut banner = format!(
        "GE demo fleet is running (started in {:.0?}).\nkubeconfig: {path}\ncontexts:\n",
        started.elapsed()
    );
    for context in fleet.contexts() {
        banner.push_str(&format!(
            "  {context:<15} {}\n",
            fleet.server_url(&context).unwrap_or_default()
        ));
    }
    banner.push_str(&format!(
        "try:\n  kubectl --kubeconfig {path} --context ge-dev get pods -A\n  \
         kubectl --kubeconfig {path} --context ge-staging get nodes -o wide\n  \
         kubectl --kubeconfig {path} --context ge-dev logs -n ge-agents -f deployment/ge-executor\n\
         Press Ctrl-C to stop.\n"
    ));
    // A closed stdout (piped into `head`, a reader that went away) must not stop the fleet.
    let _ = std::io::stdout().write_all(banner.as_bytes());
    let _ = std::io::stdout().flush();
    tokio::signal::ctrl_c().await?;
    let _ = writeln!(std::io::stdout(), "stopping the demo fleet");
    fleet.shutdown().await;
    Ok(())
}
