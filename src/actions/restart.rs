//! The one restart pipeline, for the console's runner and `ge-console restart` alike: the
//! guards admit the order, `cluster` sends the patch (`kubectl rollout restart`'s), and the
//! audit log records how it ended.

use super::audit::{AuditAction, AuditRecord, AuditResult};
use super::{ActionContext, ActionError};
use crate::clock::Clock;
use crate::cluster::ZoneClients;
use crate::cluster::mutate::restart_workload;
pub use crate::cluster::mutate::{FIELD_MANAGER, PAUSED_MESSAGE, RestartReceipt};
use crate::config::ZoneConfig;
use crate::fleet::WorkloadKey;

/// A restart somebody asked for: where, what, what they typed to confirm, and when.
#[derive(Debug, Clone)]
pub struct RestartOrder {
    /// The zone.
    pub zone: ZoneConfig,
    /// The workload.
    pub target: WorkloadKey,
    /// What the user typed for a protected zone.
    pub confirmation: Option<String>,
    /// When it was asked for.
    pub asked: jiff::Timestamp,
}

impl RestartOrder {
    /// The guards' verdict on this order (nothing is recorded; see [`Self::record`]).
    pub fn admit(&self, ctx: &ActionContext) -> Result<(), ActionError> {
        ctx.guards.check(&self.zone, self.confirmation.as_deref())
    }

    /// Sends the restart through the zone's shared client.
    pub async fn send(
        &self,
        clients: &ZoneClients,
        clock: &Clock,
    ) -> Result<RestartReceipt, ActionError> {
        let client = clients
            .client(&self.zone)
            .await
            .map_err(ActionError::Failed)?;
        Ok(restart_workload(&client, &self.target, clock.wall).await?)
    }

    /// The audit record of this order's end, at `clock`.
    pub fn record(
        &self,
        ctx: &ActionContext,
        result: AuditResult,
        detail: impl Into<String>,
        clock: &Clock,
    ) -> AuditRecord {
        AuditRecord::new(AuditAction::Restart, self.asked, clock.wall, result, detail).in_zone(
            &self.zone.name,
            ctx.clients.kube_user(&self.zone),
            Some(self.target.to_string()),
        )
    }

    /// The audit record of a restart refused or failed with `err`.
    pub fn record_error(
        &self,
        ctx: &ActionContext,
        err: &ActionError,
        clock: &Clock,
    ) -> AuditRecord {
        self.record(ctx, err.audit_result(), err.to_string(), clock)
    }
}
