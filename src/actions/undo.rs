//! The one undo pipeline, for the console's runner and `ge-console undo` alike, mirroring the
//! restart's: the guards admit the order, `cluster` rolls the Deployment back with
//! `kubectl rollout undo`'s semantics, and the audit log records how it ended.

use tokio::sync::mpsc;

use super::audit::{AuditAction, AuditRecord, AuditResult};
use super::runner::{ActionEvent, Severity};
use super::{ActionContext, ActionError};
use crate::clock::Clock;
use crate::cluster::ZoneClients;
pub use crate::cluster::rollback::RollbackReceipt;
use crate::cluster::rollback::{
    RollbackError, RollbackRefusal, rollback_deployment, skipped_message,
};
use crate::config::ZoneConfig;
use crate::fleet::{WorkloadKey, WorkloadKind};

/// An undo somebody asked for: where, which Deployment, to which revision, what they typed to
/// confirm, and when.
#[derive(Debug, Clone)]
pub struct UndoOrder {
    /// The zone.
    pub zone: ZoneConfig,
    /// The Deployment.
    pub target: WorkloadKey,
    /// The revision to go back to; `None` is the previous one.
    pub to_revision: Option<i64>,
    /// What the user typed for a protected zone.
    pub confirmation: Option<String>,
    /// When it was asked for.
    pub asked: jiff::Timestamp,
}

impl UndoOrder {
    /// The guards' verdict on this order (nothing is recorded; see [`Self::record`]). Only
    /// Deployments keep their revisions in ReplicaSets.
    pub fn admit(&self, ctx: &ActionContext) -> Result<(), ActionError> {
        ctx.guards.check(&self.zone, self.confirmation.as_deref())?;
        if self.target.kind != WorkloadKind::Deployment {
            return Err(ActionError::Refused(format!(
                "undo works on Deployments; {} is a {}",
                self.target,
                self.target.kind.as_str()
            )));
        }
        Ok(())
    }

    /// Sends the undo through the zone's shared client.
    pub async fn send(&self, clients: &ZoneClients) -> Result<RollbackReceipt, ActionError> {
        let client = clients
            .client(&self.zone)
            .await
            .map_err(ActionError::Failed)?;
        rollback_deployment(&client, &self.target, self.to_revision)
            .await
            .map_err(|e| match e {
                RollbackError::Refused(RollbackRefusal::Paused(message)) => {
                    ActionError::Refused(message)
                }
                RollbackError::Refused(RollbackRefusal::NotInHistory(message)) => {
                    ActionError::Failed(message)
                }
                RollbackError::Kube(e) => ActionError::from_kube(e),
            })
    }

    /// Sends the undo from a task of its own; the answer comes back on `events` as
    /// [`ActionEvent::Undone`].
    pub fn spawn(self, clients: ZoneClients, events: mpsc::Sender<ActionEvent>) {
        tokio::spawn(async move {
            let result = self.send(&clients).await;
            let order = Box::new(self);
            let _ = events.send(ActionEvent::Undone { order, result }).await;
        });
    }

    /// The message line while the server is asked.
    pub fn started_message(&self) -> String {
        format!(
            "undoing {} to {} in {} {}…",
            self.target,
            self.revision_text(),
            self.zone.id,
            self.zone.name
        )
    }

    /// What the console does with the server's answer: the audit record, the message line,
    /// and the generation whose rollout to follow (none when nothing changed).
    pub fn answered(
        &self,
        ctx: &ActionContext,
        result: &Result<RollbackReceipt, ActionError>,
        clock: &Clock,
    ) -> UndoAnswer {
        match result {
            Ok(receipt) => {
                let described = self.describe(receipt);
                UndoAnswer {
                    record: self.record(ctx, AuditResult::Succeeded, described.clone(), clock),
                    message: if receipt.skipped {
                        (Severity::Info, described)
                    } else {
                        (
                            Severity::Info,
                            format!("{described}; following the rollout"),
                        )
                    },
                    follow: (!receipt.skipped).then_some(receipt.generation),
                }
            }
            Err(e) => UndoAnswer {
                record: self.record_error(ctx, e, clock),
                message: (
                    Severity::Error,
                    format!("undo of {} to {}: {e}", self.target, self.revision_text()),
                ),
                follow: None,
            },
        }
    }

    /// What the receipt says, for the message line, the audit log and the headless output.
    pub fn describe(&self, receipt: &RollbackReceipt) -> String {
        if receipt.skipped {
            format!("{}: {}", self.target, skipped_message(receipt.revision))
        } else {
            format!(
                "{} rolled back to revision {} (ReplicaSet {}, generation {})",
                self.target, receipt.revision, receipt.replica_set, receipt.generation
            )
        }
    }

    /// `revision N`, or `the previous revision` when none was named.
    pub fn revision_text(&self) -> String {
        match self.to_revision.filter(|r| *r != 0) {
            Some(revision) => format!("revision {revision}"),
            None => "the previous revision".into(),
        }
    }

    /// The audit record of this order's end, at `clock`.
    pub fn record(
        &self,
        ctx: &ActionContext,
        result: AuditResult,
        detail: impl Into<String>,
        clock: &Clock,
    ) -> AuditRecord {
        AuditRecord::new(AuditAction::Undo, self.asked, clock.wall, result, detail).in_zone(
            &self.zone.name,
            ctx.clients.kube_user(&self.zone),
            Some(self.target.to_string()),
        )
    }

    /// The audit record of an undo refused or failed with `err`.
    pub fn record_error(
        &self,
        ctx: &ActionContext,
        err: &ActionError,
        clock: &Clock,
    ) -> AuditRecord {
        let detail = format!("to {}: {err}", self.revision_text());
        self.record(ctx, err.audit_result(), detail, clock)
    }
}

/// The console's part of an undo's answer (see [`UndoOrder::answered`]).
#[derive(Debug, Clone)]
pub struct UndoAnswer {
    /// What the audit log records.
    pub record: AuditRecord,
    /// What the message line says.
    pub message: (Severity, String),
    /// The generation whose rollout the panel follows, when the template changed.
    pub follow: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::guard::Guards;
    use crate::cluster::LoadedKubeconfig;
    use crate::config::{DEFAULT_ZONES_TOML, parse_zones};

    fn context(read_only: bool, dir: &std::path::Path) -> ActionContext {
        let config = parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap();
        ActionContext::new(
            config,
            ZoneClients::new(LoadedKubeconfig {
                kubeconfig: Default::default(),
                origin: "<none>".into(),
            }),
            Guards {
                console_read_only: read_only,
            },
            dir.to_path_buf(),
        )
    }

    fn order(ctx: &ActionContext, zone: usize, kind: WorkloadKind) -> UndoOrder {
        UndoOrder {
            zone: ctx.config.zones[zone].clone(),
            target: WorkloadKey {
                kind,
                namespace: "ge-agents".into(),
                name: "ge-executor".into(),
            },
            to_revision: Some(2),
            confirmation: None,
            asked: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn undo_passes_the_restart_guards_and_only_for_deployments() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(false, dir.path());
        assert_eq!(order(&ctx, 0, WorkloadKind::Deployment).admit(&ctx), Ok(()));
        let production = order(&ctx, 2, WorkloadKind::Deployment);
        assert!(matches!(
            production.admit(&ctx),
            Err(ActionError::Unconfirmed { .. })
        ));
        let typed = UndoOrder {
            confirmation: Some("production".into()),
            ..production
        };
        assert_eq!(typed.admit(&ctx), Ok(()));
        let refused = order(&ctx, 0, WorkloadKind::StatefulSet).admit(&ctx);
        assert!(
            matches!(refused, Err(ActionError::Refused(_))),
            "{refused:?}"
        );
        let read_only = context(true, dir.path());
        assert!(matches!(
            order(&read_only, 0, WorkloadKind::Deployment).admit(&read_only),
            Err(ActionError::ReadOnly(_))
        ));
    }

    #[test]
    fn the_audit_record_names_the_undo_and_the_revision() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(false, dir.path());
        let order = order(&ctx, 0, WorkloadKind::Deployment);
        let err = ActionError::Forbidden("deployments.apps \"ge-executor\" is forbidden".into());
        let record = order.record_error(&ctx, &err, &Clock::now());
        assert_eq!(record.action, AuditAction::Undo);
        assert_eq!(record.result, AuditResult::Failed);
        assert_eq!(record.zone.as_deref(), Some("dev"));
        assert_eq!(
            record.object.as_deref(),
            Some("ge-agents/deployment/ge-executor")
        );
        assert_eq!(
            record.detail.as_deref(),
            Some("to revision 2: forbidden: deployments.apps \"ge-executor\" is forbidden")
        );
        let receipt = RollbackReceipt {
            revision: 2,
            replica_set: "ge-executor-bbb".into(),
            generation: 7,
            skipped: false,
        };
        assert_eq!(
            order.describe(&receipt),
            "ge-agents/deployment/ge-executor rolled back to revision 2 (ReplicaSet ge-executor-bbb, generation 7)"
        );
        let skipped = RollbackReceipt {
            skipped: true,
            ..receipt
        };
        assert!(
            order
                .describe(&skipped)
                .ends_with("skipped rollback (current template already matches revision 2)")
        );
    }
}
