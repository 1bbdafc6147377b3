//! Talking to clusters: one kube `Client` per zone built from its kubeconfig context, one
//! supervisor task per zone and one watcher task per zone and kind, all reporting into the
//! event loop as [`FleetEvent`]s. A slow or broken zone only ever affects its own tasks.

mod classify;
mod clients;
pub mod event_project;
mod events;
pub mod exec_auth;
pub mod list_watch;
pub mod logs;
pub mod mutate;
pub mod object_yaml;
mod per_namespace;
pub mod project;
pub mod protobuf;
pub mod proxy;
pub mod rollback;
mod sent;
mod services;
mod watch;

pub use classify::{ErrorClass, classify_client_error, short_chain};
pub use clients::ZoneClients;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{Namespace, Node};
use k8s_openapi::api::networking::v1::IngressClass;
use k8s_openapi::api::storage::v1::StorageClass;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::watcher::DefaultBackoff;
use kube::{Api, Client, Config};
use tokio::sync::{mpsc, watch as signal};
use tokio::task::JoinSet;

use crate::config::{FleetConfig, ZoneConfig};
use crate::fleet::{
    FailureCause, FleetEvent, KindStatus, LinkStatus, ObjectChange, ResourceKind, StoreChange,
    WorkloadKind, ZoneEvent,
};
use watch::{KindWatch, ZoneSignals, run_kind_watch};

/// Where the kubeconfig came from, for error messages.
#[derive(Debug, Clone)]
pub struct LoadedKubeconfig {
    /// The parsed kubeconfig, possibly merged from several files listed in $KUBECONFIG.
    pub kubeconfig: Kubeconfig,
    /// The file(s) it was read from, as the user would name them.
    pub origin: String,
}

impl LoadedKubeconfig {
    /// The kubeconfig user name a context authenticates as, for the audit log.
    pub fn user_of(&self, context: &str) -> Option<String> {
        self.kubeconfig
            .contexts
            .iter()
            .find(|c| c.name == context)
            .and_then(|c| c.context.as_ref())
            .and_then(|c| c.user.clone())
    }

    /// The context names it defines.
    pub fn context_names(&self) -> Vec<String> {
        self.kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.clone())
            .collect()
    }
}

/// Reads the kubeconfig as kubectl does: `--kubeconfig PATH`, else `KUBECONFIG` (several
/// files merged, first wins, missing ones skipped: [`load_kubeconfig_list`]), else
/// `~/.kube/config`.
pub fn load_kubeconfig(explicit: Option<&Path>) -> anyhow::Result<LoadedKubeconfig> {
    if let Some(path) = explicit {
        let kubeconfig = Kubeconfig::read_from(path).map_err(|e| {
            anyhow::anyhow!(
                "cannot read the kubeconfig {}: {}",
                path.display(),
                short_chain(&e)
            )
        })?;
        return Ok(LoadedKubeconfig {
            kubeconfig,
            origin: path.display().to_string(),
        });
    }
    if let Some(value) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return load_kubeconfig_list(&value);
    }
    let path: PathBuf = directories::BaseDirs::new()
        .map(|b| b.home_dir().join(".kube").join("config"))
        .ok_or_else(|| anyhow::anyhow!("no home directory to find ~/.kube/config in"))?;
    let kubeconfig = Kubeconfig::read_from(&path).map_err(|e| {
        anyhow::anyhow!(
            "cannot read the kubeconfig {}: {}. Point --kubeconfig or KUBECONFIG at one, \
             or try the demo fleet with `ge-console demo`.",
            path.display(),
            short_chain(&e)
        )
    })?;
    Ok(LoadedKubeconfig {
        kubeconfig,
        origin: path.display().to_string(),
    })
}

/// Reads a `KUBECONFIG`-style list of files as kubectl does: split by the OS path separator,
/// empty entries and files that do not exist skipped, the rest merged in order (the first to
/// set a value wins). An error when no listed file exists, naming the entries, or when a
/// listed file exists but cannot be read or parsed, naming that file.
pub fn load_kubeconfig_list(value: &OsStr) -> anyhow::Result<LoadedKubeconfig> {
    let listed = format!("KUBECONFIG={}", value.to_string_lossy());
    let mut paths: Vec<PathBuf> = Vec::new();
    // kubectl reads each file once, at its first place in the list.
    for path in std::env::split_paths(value) {
        if !path.as_os_str().is_empty() && !paths.contains(&path) {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        anyhow::bail!("{listed} lists no file. Point it or --kubeconfig at a kubeconfig.");
    }
    let mut merged: Option<Kubeconfig> = None;
    let mut missing: Vec<String> = Vec::new();
    for path in &paths {
        let config = match Kubeconfig::read_from(path) {
            Ok(config) => config,
            Err(kube::config::KubeconfigError::ReadConfig(e, _))
                if e.kind() == std::io::ErrorKind::NotFound =>
            {
                missing.push(path.display().to_string());
                continue;
            }
            Err(e) => anyhow::bail!(
                "cannot read the kubeconfig {} (listed in {listed}): {}",
                path.display(),
                short_chain(&e)
            ),
        };
        merged = Some(match merged {
            None => config,
            Some(before) => before.merge(config).map_err(|e| {
                anyhow::anyhow!(
                    "cannot merge the kubeconfig {} (listed in {listed}) with the files before \
                     it: {}",
                    path.display(),
                    short_chain(&e)
                )
            })?,
        });
    }
    let Some(kubeconfig) = merged else {
        anyhow::bail!(
            "{listed} names no kubeconfig file that exists (not found: {}). Point KUBECONFIG or \
             --kubeconfig at one, or try the demo fleet with `ge-console demo`.",
            missing.join(", ")
        );
    };
    let origin = if missing.is_empty() {
        listed
    } else {
        format!("{listed}; skipped, not found: {}", missing.join(", "))
    };
    Ok(LoadedKubeconfig { kubeconfig, origin })
}

/// Checks that at least one zone's context exists; zones whose context is missing will show
/// as "not configured", but if none exists there is nothing to show and that is an error.
pub fn check_contexts(fleet: &FleetConfig, kubeconfig: &LoadedKubeconfig) -> anyhow::Result<()> {
    let names = kubeconfig.context_names();
    if fleet.zones.iter().any(|z| names.contains(&z.context)) {
        return Ok(());
    }
    let wanted: Vec<String> = fleet
        .zones
        .iter()
        .map(|z| format!("{} → {}", z.name, z.context))
        .collect();
    anyhow::bail!(
        "none of the zones' contexts exist in the kubeconfig ({}). Zones want: {}. \
         Contexts there: {}. Map zones with --zone NAME=CONTEXT or a zones file, \
         or try the demo fleet with `ge-console demo`.",
        kubeconfig.origin,
        wanted.join(", "),
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    )
}

/// Starts a supervisor task per zone with a client cache of its own; events arrive on `tx`.
/// Dropping the returned set (or the receiver) stops them all.
pub fn spawn_fleet(
    fleet: &FleetConfig,
    kubeconfig: &LoadedKubeconfig,
    tx: mpsc::Sender<FleetEvent>,
) -> JoinSet<()> {
    spawn_fleet_with(fleet, &ZoneClients::new(kubeconfig.clone()), tx)
}

/// Starts a supervisor task per zone, taking each zone's client from `clients` (the cache the
/// whole process shares); events arrive on `tx`. Dropping the returned set (or the receiver)
/// stops them all.
pub fn spawn_fleet_with(
    fleet: &FleetConfig,
    clients: &ZoneClients,
    tx: mpsc::Sender<FleetEvent>,
) -> JoinSet<()> {
    let mut tasks = JoinSet::new();
    for zone in &fleet.zones {
        let zone = Arc::new(zone.clone());
        let clients = clients.clone();
        let tx = tx.clone();
        tasks.spawn(async move { supervise_zone(zone, clients, tx).await });
    }
    tasks
}

/// Builds the kube client of one zone from its context, with the proxy the process
/// environment and the context choose (see [`proxy`]).
pub async fn zone_client(
    zone: &ZoneConfig,
    kubeconfig: &LoadedKubeconfig,
) -> Result<Client, String> {
    let exec = exec_auth_for(zone, kubeconfig, exec_auth::EXEC_TIMEOUT);
    zone_client_with(zone, kubeconfig, &proxy::ProxyEnv::from_process(), exec).await
}

/// The zone's exec credential plugin, when its context's user has one: the console runs it
/// (see [`exec_auth`]), given `timeout` to answer.
pub fn exec_auth_for(
    zone: &ZoneConfig,
    kubeconfig: &LoadedKubeconfig,
    timeout: std::time::Duration,
) -> Option<Arc<exec_auth::ExecAuth>> {
    let user = kubeconfig.user_of(&zone.context)?;
    let plugin = kubeconfig
        .kubeconfig
        .auth_infos
        .iter()
        .find(|a| a.name == user)?
        .auth_info
        .as_ref()?
        .exec
        .clone()?;
    Some(Arc::new(exec_auth::ExecAuth::with_timeout(
        &zone.name, plugin, timeout,
    )))
}

/// The kubeconfig without the exec plugin of `context`'s user: kube-rs must not run it (it
/// would hand it the terminal); the console's [`exec_auth::ExecTokenLayer`] does.
fn without_exec_plugin(kubeconfig: &LoadedKubeconfig, context: &str) -> kube::config::Kubeconfig {
    let mut stripped = kubeconfig.kubeconfig.clone();
    if let Some(user) = kubeconfig.user_of(context) {
        for auth in stripped.auth_infos.iter_mut().filter(|a| a.name == user) {
            if let Some(info) = auth.auth_info.as_mut() {
                info.exec = None;
            }
        }
    }
    stripped
}

/// Builds the kube client of one zone from its context, taking the proxy variables from `env`
/// rather than from the process.
pub async fn zone_client_with(
    zone: &ZoneConfig,
    kubeconfig: &LoadedKubeconfig,
    env: &proxy::ProxyEnv,
    exec: Option<Arc<exec_auth::ExecAuth>>,
) -> Result<Client, String> {
    let names = kubeconfig.context_names();
    if !names.contains(&zone.context) {
        return Err(format!(
            "context {:?} is not in the kubeconfig ({}); contexts there: {}",
            zone.context,
            kubeconfig.origin,
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        ));
    }
    let options = KubeConfigOptions {
        context: Some(zone.context.clone()),
        ..KubeConfigOptions::default()
    };
    let source = match exec {
        Some(_) => without_exec_plugin(kubeconfig, &zone.context),
        None => kubeconfig.kubeconfig.clone(),
    };
    let mut config = Config::from_custom_kubeconfig(source, &options)
        .await
        .map_err(|e| format!("context {:?}: {}", zone.context, short_chain(&e)))?;
    // kube-rs reads only HTTPS_PROXY, for every server, and matches NO_PROXY against the proxy
    // rather than the server: the choice is made here, as kubectl makes it, and replaces kube's.
    let context_proxy = proxy::context_proxy_url(&kubeconfig.kubeconfig, &zone.context);
    let chosen = proxy::proxy_for(
        &config.cluster_url,
        env,
        context_proxy
            .as_ref()
            .map(|(c, u)| (c.as_str(), u.as_str())),
    )
    .map_err(|e| format!("context {:?}: {e}", zone.context))?;
    config.proxy_url = chosen.as_ref().map(|p| p.uri.clone());
    let failed = |e: kube::Error| format!("context {:?}: {}", zone.context, short_chain(&e));
    let builder = kube::client::ClientBuilder::try_from(config).map_err(failed)?;
    // Layers added later wrap the earlier ones: the plugin's token goes on outermost, so its
    // failures are not taken for the proxy's.
    Ok(match (chosen, exec) {
        (None, None) => builder.build(),
        (None, Some(exec)) => builder.with_layer(&exec_auth::ExecTokenLayer(exec)).build(),
        (Some(chosen), exec) => {
            tracing::info!(zone = %zone.name, proxy = %chosen.shown(), source = %chosen.source, "zone goes through a proxy");
            let builder = builder.with_layer(&proxy::naming_layer(&chosen));
            match exec {
                None => builder.build(),
                Some(exec) => builder.with_layer(&exec_auth::ExecTokenLayer(exec)).build(),
            }
        }
    })
}

async fn supervise_zone(zone: Arc<ZoneConfig>, clients: ZoneClients, tx: mpsc::Sender<FleetEvent>) {
    let id = zone.id;
    let send = |event: ZoneEvent| {
        let tx = tx.clone();
        async move { tx.send(FleetEvent::new(id, event)).await.is_ok() }
    };
    if !send(ZoneEvent::Link(LinkStatus::Connecting)).await {
        return;
    }
    let client = match clients.client(&zone).await {
        Ok(c) => c,
        Err(reason) => {
            let _ = send(ZoneEvent::Link(LinkStatus::NotConfigured { reason })).await;
            return;
        }
    };
    let mut version: Option<String> = None;
    let (signals, back) = ZoneSignals::new();
    if !read_version_until_ok(&client, &send, &mut version, &back).await {
        return;
    }
    let served = served_kinds(&client).await;
    let ctx = WatchContext {
        zone: id,
        tx: tx.clone(),
        signals: signals.clone(),
        namespaces: Arc::new(zone.event_namespaces()),
    };
    let mut watchers = JoinSet::new();
    let mut kinds_by_task = std::collections::HashMap::new();
    for kind in ResourceKind::ALL {
        // Events find their own group (events.k8s.io, else core) when their watch starts.
        if kind != ResourceKind::Events
            && kind != ResourceKind::Services
            && !served.as_ref().is_none_or(|s| s.contains(&kind))
        {
            if !send(ZoneEvent::Kind(kind, KindStatus::NotServed)).await {
                return;
            }
            continue;
        }
        let id = spawn_kind(&mut watchers, kind, &client, &ctx);
        kinds_by_task.insert(id, kind);
    }
    let mut reread = tokio::time::interval_at(
        tokio::time::Instant::now() + VERSION_REREAD_INTERVAL,
        VERSION_REREAD_INTERVAL,
    );
    reread.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = signals.recovered.notified() => {}
            // A watch failed: the server may be down. Probing it (below) brings every watch
            // back as soon as it answers, instead of when each one's backoff fires.
            _ = signals.failed.notified() => {}
            _ = reread.tick() => {}
            Some(Err(ended)) = watchers.join_next_with_id() => {
                // A watcher that panicked would leave its kind frozen as "synced": say so and
                // start it again (its relist brings the kind back).
                if ended.is_panic()
                    && let Some(kind) = kinds_by_task.remove(&ended.id())
                {
                    tracing::error!(zone = %id, kind = kind.plural(), "watcher panicked; restarting it");
                    let failed = KindStatus::Failed {
                        error: "the watcher crashed and was restarted (see the log)".into(),
                        cause: FailureCause::Other,
                        retry_at: None,
                    };
                    if !send(ZoneEvent::Kind(kind, failed)).await {
                        return;
                    }
                    let task = spawn_kind(&mut watchers, kind, &client, &ctx);
                    kinds_by_task.insert(task, kind);
                }
                continue;
            }
            _ = tx.closed() => return,
        }
        if !read_version_until_ok(&client, &send, &mut version, &back).await {
            return;
        }
    }
}

/// How often a live zone's `/version` is read again: it notices an upgraded server (zones are
/// watched during staged upgrades) and a revoked credential, which open watches do not report.
const VERSION_REREAD_INTERVAL: Duration = Duration::from_secs(60);

/// How long a zone whose server does not answer waits between probes of `/version`: at most
/// one cheap request per interval against a down server, and the zone is live again within
/// about this long (plus one relist) of its server answering. The watches keep their own
/// exponential backoff (up to 30 s); a probe that gets an answer ends their wait.
pub const DOWN_PROBE_INTERVAL: Duration = Duration::from_millis(1500);

/// Reads `/version` until it answers, reporting failures with their retry time, and the
/// version when it is new or follows a failure. A server that could not be reached is probed
/// every [`DOWN_PROBE_INTERVAL`]; when it answers, `back` wakes the watches waiting out their
/// backoff. Refused credentials follow the exponential backoff instead (a token does not
/// come back by itself). Returns false when the event loop has gone.
async fn read_version_until_ok<F, Fut>(
    client: &Client,
    send: &F,
    last_reported: &mut Option<String>,
    back: &signal::Sender<u64>,
) -> bool
where
    F: Fn(ZoneEvent) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut backoff = DefaultBackoff::default();
    let mut was_down = false;
    loop {
        // A server that was down is asked whether it is ready (its storage and caches up, so
        // lists will work) before it is taken as back: one request per probe.
        let ready = if was_down {
            readyz(client).await
        } else {
            Ok(())
        };
        let answer = match ready {
            Ok(()) => client.apiserver_version().await,
            Err(err) => Err(err),
        };
        match answer {
            Ok(info) => {
                if was_down {
                    tracing::info!("server answers again; watches restart now");
                    back.send_modify(|generation| *generation = generation.wrapping_add(1));
                }
                let server_version = crate::sanitize::clean_owned(&info.git_version);
                if last_reported.as_deref() == Some(server_version.as_str()) {
                    return true;
                }
                *last_reported = Some(server_version.clone());
                return send(ZoneEvent::Link(LinkStatus::Connected { server_version })).await;
            }
            Err(err) => {
                *last_reported = None;
                let (error, cause) = match classify_client_error(&err) {
                    ErrorClass::Failed { message, cause } => (message, cause),
                    ErrorClass::Forbidden(m) => {
                        (format!("403 Forbidden: {m}"), FailureCause::Other)
                    }
                    ErrorClass::NotServed => ("/version not found".into(), FailureCause::Other),
                    ErrorClass::Gone | ErrorClass::GoneRestart => {
                        ("410 Gone".into(), FailureCause::Other)
                    }
                };
                let delay = if cause == FailureCause::Unauthorized {
                    backoff.next().unwrap_or(Duration::from_secs(30))
                } else {
                    was_down = true;
                    DOWN_PROBE_INTERVAL
                };
                tracing::warn!(error = %error, ?delay, "cannot read server version");
                let link = LinkStatus::Failed {
                    error,
                    cause,
                    retry_at: Some(SystemTime::now() + delay),
                };
                if !send(ZoneEvent::Link(link)).await {
                    return false;
                }
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// Asks `/readyz` whether the server is ready to serve; a server without `/readyz` (before
/// Kubernetes 1.16) counts as ready when it answers at all.
async fn readyz(client: &Client) -> Result<(), kube::Error> {
    let request = http::Request::get("/readyz")
        .body(Vec::new())
        .map_err(kube::Error::HttpError)?;
    match client.request_text(request).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(err) => Err(err),
    }
}

/// Asks discovery which of the watched kinds the server serves; None when discovery itself
/// failed (then every kind is tried and a 404 marks it as not served).
async fn served_kinds(client: &Client) -> Option<Vec<ResourceKind>> {
    let core = client.list_core_api_resources("v1").await.ok()?;
    let apps = match client.list_api_group_resources("apps/v1").await {
        Ok(apps) => apps,
        // Only a definite 404 means the group is not served; any other failure (a timeout)
        // must not hide the workloads for the whole session: try every kind instead.
        Err(kube::Error::Api(status)) if status.code == 404 => Default::default(),
        Err(_) => return None,
    };
    let mut names: Vec<String> = core.resources.into_iter().map(|r| r.name).collect();
    names.extend(apps.resources.into_iter().map(|r| r.name));
    let mut served: Vec<ResourceKind> = ResourceKind::ALL
        .into_iter()
        .filter(|k| names.iter().any(|n| n == k.plural()))
        .collect();
    // The optional cluster-scoped kinds of their own groups: a definite 404 (or a group list
    // without them) means not served; any other failure tries the watch, which says.
    for (group, kind) in [
        ("networking.k8s.io/v1", ResourceKind::IngressClasses),
        ("storage.k8s.io/v1", ResourceKind::StorageClasses),
    ] {
        match client.list_api_group_resources(group).await {
            Ok(list) if !list.resources.iter().any(|r| r.name == kind.plural()) => {}
            Err(kube::Error::Api(status)) if status.code == 404 => {}
            _ => served.push(kind),
        }
    }
    Some(served)
}

/// What every watcher task of a zone shares.
#[derive(Clone)]
struct WatchContext {
    zone: crate::config::ZoneId,
    tx: mpsc::Sender<FleetEvent>,
    signals: ZoneSignals,
    /// The zone's namespaces and kube-system: where the namespaced kinds are watched (always
    /// for pods, ReplicaSets, events and Services; for workloads when the credential may not
    /// list them cluster-wide).
    namespaces: Arc<Vec<String>>,
}

impl WatchContext {
    /// Spawns a cluster-wide watch of a cluster-scoped kind.
    fn spawn<K, P>(
        &self,
        set: &mut JoinSet<()>,
        kind: ResourceKind,
        api: Api<K>,
        project: fn(K) -> P,
        wrap: fn(StoreChange<P>) -> ObjectChange,
    ) -> tokio::task::Id
    where
        K: kube::Resource
            + list_watch::ListPages
            + Clone
            + serde::de::DeserializeOwned
            + std::fmt::Debug
            + Send
            + Sync
            + 'static,
        P: Send + 'static,
    {
        let spec = KindWatch {
            kind,
            api,
            project,
            key: project::key_of,
            fingerprint: None,
            wrap: Box::new(wrap),
            give_up_when_forbidden: false,
        };
        let (zone, tx, signals) = (self.zone, self.tx.clone(), self.signals.clone());
        set.spawn(async move {
            run_kind_watch(zone, spec, tx, signals).await;
        })
        .id()
    }

    /// Spawns the watches of a namespaced kind: in each of the zone's namespaces, or (with
    /// `cluster_wide_first`) cluster-wide, falling back to the zone's namespaces when the
    /// credential may not list it cluster-wide.
    #[allow(clippy::too_many_arguments)]
    fn spawn_namespaced<K: per_namespace::NamespacedKind, P: Send + 'static>(
        &self,
        set: &mut JoinSet<()>,
        kind: ResourceKind,
        client: Client,
        cluster_wide_first: bool,
        project: fn(K) -> P,
        fingerprint: Option<sent::FingerprintOf<P>>,
        wrap: fn(StoreChange<P>) -> ObjectChange,
    ) -> tokio::task::Id {
        let ctx = self.clone();
        set.spawn(async move {
            if cluster_wide_first {
                per_namespace::run_cluster_wide_or_per_namespace(
                    ctx.zone,
                    kind,
                    client,
                    ctx.namespaces.clone(),
                    ctx.tx.clone(),
                    ctx.signals.clone(),
                    project,
                    wrap,
                )
                .await;
            } else {
                per_namespace::run_typed(
                    ctx.zone,
                    kind,
                    client,
                    &ctx.namespaces,
                    &ctx.tx,
                    &ctx.signals,
                    None,
                    project,
                    fingerprint,
                    wrap,
                )
                .await;
            }
        })
        .id()
    }
}

fn spawn_kind(
    set: &mut JoinSet<()>,
    kind: ResourceKind,
    client: &Client,
    ctx: &WatchContext,
) -> tokio::task::Id {
    let c = client.clone();
    match kind {
        ResourceKind::Nodes => ctx.spawn(
            set,
            kind,
            Api::<Node>::all(c),
            |n| project::node(&n),
            ObjectChange::Nodes,
        ),
        ResourceKind::Namespaces => ctx.spawn(
            set,
            kind,
            Api::<Namespace>::all(c),
            |n| project::namespace(&n),
            ObjectChange::Namespaces,
        ),
        // The console shows pods and ReplicaSets of the zone's namespaces only: the API server
        // filters, so other teams' pods are never sent, decoded or stored.
        ResourceKind::Pods => ctx.spawn_namespaced::<project::SlimPod, _>(
            set,
            kind,
            c,
            false,
            project::slim_pod,
            // The demo's churn and real kubelets' status writes often change nothing shown.
            Some(sent::pod_fingerprint),
            ObjectChange::Pods,
        ),
        ResourceKind::ReplicaSets => ctx.spawn_namespaced::<ReplicaSet, _>(
            set,
            kind,
            c,
            false,
            |rs| project::replicaset(&rs),
            None,
            ObjectChange::ReplicaSets,
        ),
        // Workloads are few and the placement check needs every namespace's.
        ResourceKind::Deployments => ctx.spawn_namespaced::<Deployment, _>(
            set,
            kind,
            c,
            true,
            |w| project::deployment(&w),
            None,
            |c| ObjectChange::Workloads(WorkloadKind::Deployment, c),
        ),
        ResourceKind::StatefulSets => ctx.spawn_namespaced::<StatefulSet, _>(
            set,
            kind,
            c,
            true,
            |w| project::statefulset(&w),
            None,
            |c| ObjectChange::Workloads(WorkloadKind::StatefulSet, c),
        ),
        ResourceKind::DaemonSets => ctx.spawn_namespaced::<DaemonSet, _>(
            set,
            kind,
            c,
            true,
            |w| project::daemonset(&w),
            None,
            |c| ObjectChange::Workloads(WorkloadKind::DaemonSet, c),
        ),
        ResourceKind::IngressClasses => ctx.spawn(
            set,
            kind,
            Api::<IngressClass>::all(c),
            |c| project::ingress_class(&c),
            ObjectChange::IngressClasses,
        ),
        ResourceKind::StorageClasses => ctx.spawn(
            set,
            kind,
            Api::<StorageClass>::all(c),
            |c| project::storage_class(&c),
            ObjectChange::StorageClasses,
        ),
        ResourceKind::Services => set
            .spawn(services::run_services_watch(
                ctx.zone,
                c,
                ctx.namespaces.clone(),
                ctx.tx.clone(),
                ctx.signals.clone(),
            ))
            .id(),
        ResourceKind::Events => set
            .spawn(events::run_events_watch(
                ctx.zone,
                c,
                ctx.namespaces.clone(),
                ctx.tx.clone(),
                ctx.signals.clone(),
            ))
            .id(),
    }
}
