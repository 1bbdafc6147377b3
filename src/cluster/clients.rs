//! One kube client per zone for the whole process: the watchers, the console's actions and
//! the headless commands share it, so a zone's kubeconfig is read and its TLS set up once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use std::time::Duration;

use kube::Client;

use super::exec_auth::{EXEC_TIMEOUT, ExecAuth, ExecFailure};
use super::proxy::ProxyEnv;
use super::{LoadedKubeconfig, exec_auth_for, zone_client_with};
use crate::config::{ZoneConfig, ZoneId};

/// The process's kube clients, built on first use per zone and shared by cheap clones.
#[derive(Clone)]
pub struct ZoneClients {
    kubeconfig: LoadedKubeconfig,
    proxy_env: ProxyEnv,
    built: Arc<Mutex<HashMap<ZoneId, Client>>>,
    /// Each zone's exec credential plugin (None: the zone's user has none), with its token.
    exec: Arc<Mutex<HashMap<ZoneId, Option<Arc<ExecAuth>>>>>,
    exec_timeout: Duration,
}

impl std::fmt::Debug for ZoneClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZoneClients")
            .field("kubeconfig", &self.kubeconfig.origin)
            .finish_non_exhaustive()
    }
}

impl ZoneClients {
    /// An empty cache over `kubeconfig`, with the proxy variables of the process environment.
    pub fn new(kubeconfig: LoadedKubeconfig) -> ZoneClients {
        ZoneClients::with_proxy_env(kubeconfig, ProxyEnv::from_process())
    }

    /// An empty cache over `kubeconfig`, with the proxy variables `proxy_env`.
    pub fn with_proxy_env(kubeconfig: LoadedKubeconfig, proxy_env: ProxyEnv) -> ZoneClients {
        ZoneClients {
            kubeconfig,
            proxy_env,
            built: Arc::default(),
            exec: Arc::default(),
            exec_timeout: EXEC_TIMEOUT,
        }
    }

    /// The same clients, giving credential plugins `timeout` to answer (tests use a short one).
    pub fn with_exec_timeout(mut self, timeout: Duration) -> ZoneClients {
        self.exec_timeout = timeout;
        self
    }

    /// The zone's exec credential plugin, if its user has one (one per zone for the process,
    /// so its token is shared by every client and request).
    pub fn exec_auth(&self, zone: &ZoneConfig) -> Option<Arc<ExecAuth>> {
        let mut exec = match self.exec.lock() {
            Ok(exec) => exec,
            Err(poisoned) => poisoned.into_inner(),
        };
        exec.entry(zone.id)
            .or_insert_with(|| exec_auth_for(zone, &self.kubeconfig, self.exec_timeout))
            .clone()
    }

    /// Before the full screen, with a terminal: every zone whose plugin cannot give a token
    /// without a person gets its login now, one zone after the other; what failed is said on
    /// stderr and again in the zone. Without a terminal nothing is run here.
    pub async fn log_in_where_needed(&self, zones: &[ZoneConfig]) {
        use std::io::IsTerminal;
        if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
            return;
        }
        for zone in zones {
            let Some(auth) = self.exec_auth(zone).filter(|a| a.may_prompt()) else {
                continue;
            };
            match auth.login_in_terminal().await {
                Ok(()) => {}
                Err(e @ ExecFailure::TimedOut { .. }) => {
                    tracing::warn!(zone = %zone.name, error = %e, "credential plugin before the screen");
                }
                Err(e) => eprintln!("ge-console: zone {}: {e}", zone.name),
            }
        }
    }

    /// The kubeconfig the clients are built from.
    pub fn kubeconfig(&self) -> &LoadedKubeconfig {
        &self.kubeconfig
    }

    /// The kubeconfig user the zone's context authenticates as, for the audit log.
    pub fn kube_user(&self, zone: &ZoneConfig) -> Option<String> {
        self.kubeconfig.user_of(&zone.context)
    }

    /// The zone's client: the one built before, else a new one (which is kept). The error
    /// names the context and what is wrong with it.
    pub async fn client(&self, zone: &ZoneConfig) -> Result<Client, String> {
        if let Some(client) = self.cached(zone.id) {
            return Ok(client);
        }
        let exec = self.exec_auth(zone);
        let client = zone_client_with(zone, &self.kubeconfig, &self.proxy_env, exec).await?;
        let mut built = match self.built.lock() {
            Ok(built) => built,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Two first uses may race; both clients work, the first one kept wins.
        Ok(built.entry(zone.id).or_insert(client).clone())
    }

    fn cached(&self, zone: ZoneId) -> Option<Client> {
        match self.built.lock() {
            Ok(built) => built.get(&zone).cloned(),
            Err(poisoned) => poisoned.into_inner().get(&zone).cloned(),
        }
    }
}
