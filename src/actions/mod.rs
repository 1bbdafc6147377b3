//! Actions that change clusters or run the team's build: rollout restart, rebuild of the
//! ge-executor image, following a rollout, and the audit log that records each of them.
//!
//! One door: the console's [`runner::ActionRunner`] and the headless commands both go through
//! [`ActionContext`] — the guards ([`guard::Guards`]), the restart pipeline
//! ([`restart`]) and the audit log — and reach clusters only through `cluster` (its shared
//! [`ZoneClients`] and its mutations).

pub mod audit;
pub mod guard;
pub mod kubectl_probe;
pub mod log_buffer;
pub mod log_follow;
pub mod logs;
pub mod notify;
pub mod object_yaml;
pub mod rebuild;
pub mod restart;
pub mod rollout;
pub mod runner;
pub mod undo;
pub mod version_log;

use std::path::PathBuf;

use crate::clock::Clock;
use crate::cluster::mutate::MutationError;
use crate::cluster::{ErrorClass, ZoneClients, classify_client_error};
use crate::config::{FleetConfig, ZoneConfig};
use crate::fleet::WorkloadKey;
use audit::{AuditLog, AuditRecord, AuditResult};
use guard::Guards;

/// What every action needs, shared by the console's runner and the headless commands: the
/// fleet's configuration, the process's kube clients, the guard policy and the audit log.
#[derive(Debug, Clone)]
pub struct ActionContext {
    /// The zones, the rebuild and the redeploy settings.
    pub config: FleetConfig,
    /// One kube client per zone for the whole process.
    pub clients: ZoneClients,
    /// The guards every mutation passes.
    pub guards: Guards,
    /// Where every action is recorded.
    pub audit: AuditLog,
    /// Where build logs (and the audit log) are written.
    pub state_dir: PathBuf,
}

impl ActionContext {
    /// A context whose audit log lives in `state_dir`.
    pub fn new(
        config: FleetConfig,
        clients: ZoneClients,
        guards: Guards,
        state_dir: PathBuf,
    ) -> ActionContext {
        ActionContext {
            config,
            clients,
            guards,
            audit: AuditLog::in_state_dir(&state_dir),
            state_dir,
        }
    }

    /// The zone's configuration by id.
    pub fn zone(&self, id: crate::config::ZoneId) -> Option<&ZoneConfig> {
        self.config.zones.iter().find(|z| z.id == id)
    }

    /// Appends a record to the audit log; the error says which file could not be written.
    pub fn record(&self, record: &AuditRecord) -> Result<(), String> {
        self.audit.append(record).map_err(|e| {
            tracing::error!(error = %e, path = %self.audit.path().display(), "cannot write the audit log");
            format!(
                "cannot write the audit log {}: {e}",
                self.audit.path().display()
            )
        })
    }

    /// Records that `action` was refused or failed before it started, at `clock`.
    pub fn refusal_record(
        &self,
        action: audit::AuditAction,
        zone: Option<&ZoneConfig>,
        object: Option<String>,
        err: &ActionError,
        clock: &Clock,
    ) -> AuditRecord {
        let record = AuditRecord::new(
            action,
            clock.wall,
            clock.wall,
            err.audit_result(),
            err.to_string(),
        );
        match zone {
            Some(zone) => record.in_zone(&zone.name, self.clients.kube_user(zone), object),
            None => AuditRecord { object, ..record },
        }
    }
}

/// The zone and workload the redeploy restarts after a good build, as configured in
/// `[redeploy]`; `None` when it names no zone or a zone that is not configured.
pub fn redeploy_target(config: &FleetConfig) -> Option<(crate::config::ZoneId, WorkloadKey)> {
    let zone = config.find(config.redeploy.zone.as_deref()?)?;
    Some((zone.id, WorkloadKey::parse(&config.redeploy.target)?))
}

/// Why an action did not happen or did not succeed, in words fit for the screen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// The console, or this zone, is read-only.
    #[error("read-only: {0}")]
    ReadOnly(String),
    /// The zone is protected and its name was not typed.
    #[error("zone {zone} is protected: confirm by typing its name ({zone:?})")]
    Unconfirmed {
        /// The zone's name, which must be typed.
        zone: String,
    },
    /// The action was refused before reaching the server (e.g. a paused Deployment).
    #[error("{0}")]
    Refused(String),
    /// 403 from the API: the server's message.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The object does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// Anything else from the API or the connection.
    #[error("{0}")]
    Failed(String),
}

impl ActionError {
    /// How the audit log records this error.
    pub fn audit_result(&self) -> AuditResult {
        if self.is_refusal() {
            AuditResult::Refused
        } else {
            AuditResult::Failed
        }
    }

    /// True for a guard's or the server-independent refusal (nothing was tried).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            ActionError::ReadOnly(_) | ActionError::Unconfirmed { .. } | ActionError::Refused(_)
        )
    }

    /// Maps a kube client error, keeping the server's message.
    pub fn from_kube(err: kube::Error) -> Self {
        if let kube::Error::Api(status) = &err
            && status.code == 404
        {
            return ActionError::NotFound(crate::sanitize::clean_owned(&status.message));
        }
        match classify_client_error(&err) {
            ErrorClass::Forbidden(message) => ActionError::Forbidden(message),
            ErrorClass::Failed { message, .. } => ActionError::Failed(message),
            ErrorClass::NotServed => ActionError::NotFound(err.to_string()),
            ErrorClass::Gone | ErrorClass::GoneRestart => ActionError::Failed(err.to_string()),
        }
    }
}

impl From<MutationError> for ActionError {
    fn from(err: MutationError) -> Self {
        match err {
            MutationError::Refused(message) => ActionError::Refused(message),
            MutationError::Kube(err) => ActionError::from_kube(err),
        }
    }
}
