//! One kube client per zone for the whole process: the watchers, the console's actions and
//! the headless commands share it, so a zone's kubeconfig is read and its TLS set up once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kube::Client;

use super::proxy::ProxyEnv;
use super::{LoadedKubeconfig, zone_client_with};
use crate::config::{ZoneConfig, ZoneId};

/// The process's kube clients, built on first use per zone and shared by cheap clones.
#[derive(Clone)]
pub struct ZoneClients {
    kubeconfig: LoadedKubeconfig,
    proxy_env: ProxyEnv,
    built: Arc<Mutex<HashMap<ZoneId, Client>>>,
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
        let client = zone_client_with(zone, &self.kubeconfig, &self.proxy_env).await?;
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
