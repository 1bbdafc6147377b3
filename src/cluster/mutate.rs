//! The changes ge-console makes to clusters, each with the effect of its kubectl twin:
//! `rollout restart` (a fresh `kubectl.kubernetes.io/restartedAt` on the pod template by
//! strategic merge patch, so kubectl and GitOps tools see the usual thing).

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use kube::api::{Patch, PatchParams};
use kube::{Api, Client};
use serde_json::json;

use super::project::RESTARTED_AT_ANNOTATION;
use crate::fleet::{WorkloadKey, WorkloadKind};

/// kubectl's refusal for a paused Deployment, word for word.
pub const PAUSED_MESSAGE: &str = "can't restart paused deployment (run rollout resume first)";

/// The field manager ge-console's patches are recorded under.
pub const FIELD_MANAGER: &str = "ge-console";

/// What a successful restart request returned: the annotation value and the generation the
/// rollout is judged against (observedGeneration must reach it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartReceipt {
    /// The `restartedAt` value written.
    pub restarted_at: String,
    /// The workload's generation after the patch.
    pub generation: i64,
}

/// Why a mutation did not happen.
#[derive(Debug)]
pub enum MutationError {
    /// Refused before the write, in kubectl's words (a paused Deployment).
    Refused(String),
    /// The API or the connection said no.
    Kube(kube::Error),
}

impl From<kube::Error> for MutationError {
    fn from(err: kube::Error) -> Self {
        MutationError::Kube(err)
    }
}

/// Restarts a Deployment, StatefulSet or DaemonSet as `kubectl rollout restart` does, with
/// `restarted_at` (RFC 3339, whole seconds) as the annotation; a paused Deployment is refused.
pub async fn restart_workload(
    client: &Client,
    target: &WorkloadKey,
    restarted_at: jiff::Timestamp,
) -> Result<RestartReceipt, MutationError> {
    // RFC 3339 to the second, truncated, as kubectl writes it.
    let restarted_at = restarted_at
        .round(
            jiff::TimestampRound::new()
                .smallest(jiff::Unit::Second)
                .mode(jiff::RoundMode::Trunc),
        )
        .unwrap_or(restarted_at)
        .to_string();
    let patch = json!({
        "spec": {"template": {"metadata": {"annotations": {
            RESTARTED_AT_ANNOTATION: restarted_at,
        }}}}
    });
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.into()),
        ..PatchParams::default()
    };
    let generation = match target.kind {
        WorkloadKind::Deployment => {
            let api: Api<Deployment> = Api::namespaced(client.clone(), &target.namespace);
            let current = api.get(&target.name).await?;
            if current.spec.as_ref().and_then(|s| s.paused) == Some(true) {
                return Err(MutationError::Refused(PAUSED_MESSAGE.into()));
            }
            api.patch(&target.name, &params, &Patch::Strategic(&patch))
                .await?
                .metadata
                .generation
        }
        WorkloadKind::StatefulSet => {
            let api: Api<StatefulSet> = Api::namespaced(client.clone(), &target.namespace);
            api.patch(&target.name, &params, &Patch::Strategic(&patch))
                .await?
                .metadata
                .generation
        }
        WorkloadKind::DaemonSet => {
            let api: Api<DaemonSet> = Api::namespaced(client.clone(), &target.namespace);
            api.patch(&target.name, &params, &Patch::Strategic(&patch))
                .await?
                .metadata
                .generation
        }
    };
    Ok(RestartReceipt {
        restarted_at,
        generation: generation.unwrap_or(0),
    })
}
