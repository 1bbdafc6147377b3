//! Rollout restart, with the same effect as `kubectl rollout restart`: the pod template gets a
//! fresh `kubectl.kubernetes.io/restartedAt` annotation by strategic merge patch, so kubectl
//! and GitOps tools see the usual thing.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use kube::api::{Patch, PatchParams};
use kube::{Api, Client};
use serde_json::json;

use super::ActionError;
use crate::cluster::project::RESTARTED_AT_ANNOTATION;
use crate::fleet::{WorkloadKey, WorkloadKind};

/// kubectl's refusal for a paused Deployment, word for word.
pub const PAUSED_MESSAGE: &str = "can't restart paused deployment (run rollout resume first)";

/// The field manager ge-console's patches are recorded under.
pub const FIELD_MANAGER: &str = "ge-console";

/// What a successful restart request returned: the annotation value and the generation the
/// rollout is judged against (observedGeneration must reach it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartReceipt {
    pub restarted_at: String,
    pub generation: i64,
}

/// Restarts a Deployment, StatefulSet or DaemonSet; a paused Deployment is refused.
pub async fn restart_workload(
    client: &Client,
    target: &WorkloadKey,
) -> Result<RestartReceipt, ActionError> {
    // RFC 3339 to the second, truncated, as kubectl writes it.
    let now = jiff::Timestamp::now();
    let restarted_at = now
        .round(
            jiff::TimestampRound::new()
                .smallest(jiff::Unit::Second)
                .mode(jiff::RoundMode::Trunc),
        )
        .unwrap_or(now)
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
            let current = api
                .get(&target.name)
                .await
                .map_err(ActionError::from_kube)?;
            if current.spec.as_ref().and_then(|s| s.paused) == Some(true) {
                return Err(ActionError::Refused(PAUSED_MESSAGE.into()));
            }
            api.patch(&target.name, &params, &Patch::Strategic(&patch))
                .await
                .map_err(ActionError::from_kube)?
                .metadata
                .generation
        }
        WorkloadKind::StatefulSet => {
            let api: Api<StatefulSet> = Api::namespaced(client.clone(), &target.namespace);
            api.patch(&target.name, &params, &Patch::Strategic(&patch))
                .await
                .map_err(ActionError::from_kube)?
                .metadata
                .generation
        }
        WorkloadKind::DaemonSet => {
            let api: Api<DaemonSet> = Api::namespaced(client.clone(), &target.namespace);
            api.patch(&target.name, &params, &Patch::Strategic(&patch))
                .await
                .map_err(ActionError::from_kube)?
                .metadata
                .generation
        }
    };
    Ok(RestartReceipt {
        restarted_at,
        generation: generation.unwrap_or(0),
    })
}
