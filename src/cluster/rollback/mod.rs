//! `kubectl rollout undo` for a Deployment, with kubectl's semantics: the ReplicaSets the
//! Deployment controls (by controller reference) are its revisions, [`plan_rollback`] decides
//! what to do (pure, in [`plan`]), and the JSON patch it makes is sent here, testing the
//! Deployment's `resourceVersion` first so a Deployment changed between the read and the write
//! is read and decided again rather than overwritten. All the undo's kube I/O is here.

pub mod plan;

pub use plan::{
    ANNOTATIONS_KEPT, POD_TEMPLATE_HASH_LABEL, RollbackPlan, RollbackRefusal, no_history_message,
    paused_message, plan_rollback, revision_not_found_message, skipped_message, templates_match,
};

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::api::{ApiResource, DynamicObject, ListParams, Patch, PatchParams};
use kube::{Api, Client, Resource};
use serde_json::Value;

use super::mutate::FIELD_MANAGER;
use super::project;
use crate::fleet::{ReplicaSetInfo, WorkloadKey};

/// How often a rollback is tried when the Deployment changes between its read and the write.
const ATTEMPTS: usize = 3;

/// Why a rollback did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RollbackError {
    /// Refused before the write.
    #[error(transparent)]
    Refused(#[from] RollbackRefusal),
    /// The API or the connection said no.
    #[error(transparent)]
    Kube(#[from] kube::Error),
}

/// What a rollback did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackReceipt {
    /// The revision whose template the Deployment has now.
    pub revision: i64,
    /// The ReplicaSet holding it.
    pub replica_set: String,
    /// The Deployment's generation after the patch (observedGeneration must reach it).
    pub generation: i64,
    /// Nothing was sent: the template already matched.
    pub skipped: bool,
}

/// Is `object` controlled by the object with `uid` (its controller ownerReference)?
fn controlled_by(object: &impl Resource, uid: Option<&str>) -> bool {
    uid.is_some_and(|uid| {
        object
            .meta()
            .owner_references
            .iter()
            .flatten()
            .any(|r| r.controller == Some(true) && r.uid == uid)
    })
}

/// Lists the ReplicaSets matching `selector` (all in the namespace when it cannot be read as
/// a label selector) and keeps those the object with `uid` controls.
async fn controlled<K>(
    api: Api<K>,
    selector: Option<Value>,
    uid: Option<&str>,
) -> kube::Result<Vec<K>>
where
    K: Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let selector = selector
        .and_then(|s| serde_json::from_value::<LabelSelector>(s).ok())
        .and_then(|s| kube::core::Selector::try_from(s).ok());
    let params = match &selector {
        Some(selector) => ListParams::default().labels_from(selector),
        None => ListParams::default(),
    };
    Ok(api
        .list(&params)
        .await?
        .items
        .into_iter()
        .filter(|rs| controlled_by(rs, uid))
        .collect())
}

/// Rolls `target` (a Deployment) back to `to_revision` (`None`: the previous revision) as
/// `kubectl rollout undo` does.
pub async fn rollback_deployment(
    client: &Client,
    target: &WorkloadKey,
    to_revision: Option<i64>,
) -> Result<RollbackReceipt, RollbackError> {
    let deployments: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        &target.namespace,
        &ApiResource::erase::<Deployment>(&()),
    );
    let replica_sets: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        &target.namespace,
        &ApiResource::erase::<ReplicaSet>(&()),
    );
    let params = PatchParams {
        field_manager: Some(FIELD_MANAGER.into()),
        ..PatchParams::default()
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let deployment = deployments.get(&target.name).await?;
        let owned = controlled(
            replica_sets.clone(),
            deployment.data.pointer("/spec/selector").cloned(),
            deployment.metadata.uid.as_deref(),
        )
        .await?;
        let (revision, replica_set, patch) = match plan_rollback(&deployment, &owned, to_revision)?
        {
            RollbackPlan::Skip { revision } => {
                return Ok(RollbackReceipt {
                    revision,
                    replica_set: String::new(),
                    generation: deployment.metadata.generation.unwrap_or(0),
                    skipped: true,
                });
            }
            RollbackPlan::Patch {
                revision,
                replica_set,
                patch,
            } => (revision, replica_set, patch),
        };
        let patch: json_patch::Patch =
            serde_json::from_value(patch).map_err(kube::Error::SerdeError)?;
        match deployments
            .patch(&target.name, &params, &Patch::Json::<()>(patch))
            .await
        {
            Ok(patched) => {
                return Ok(RollbackReceipt {
                    revision,
                    replica_set: crate::sanitize::clean_owned(&replica_set),
                    generation: patched.metadata.generation.unwrap_or(0),
                    skipped: false,
                });
            }
            // The resourceVersion test failed (or the write conflicted): when the Deployment
            // did change meanwhile, decide again on what it is now.
            Err(kube::Error::Api(status))
                if matches!(status.code, 409 | 422) && attempt < ATTEMPTS =>
            {
                let now = deployments.get(&target.name).await?;
                if now.metadata.resource_version == deployment.metadata.resource_version {
                    return Err(kube::Error::Api(status).into());
                }
                tracing::info!(target = %target, attempt, "deployment changed during undo; deciding again");
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The ReplicaSets the Deployment `target` controls, projected as the watch projects them
/// (what `ge-console history` lists, without watching the whole zone).
pub async fn deployment_replica_sets(
    client: &Client,
    target: &WorkloadKey,
) -> kube::Result<Vec<ReplicaSetInfo>> {
    let deployment = Api::<Deployment>::namespaced(client.clone(), &target.namespace)
        .get(&target.name)
        .await?;
    let selector = deployment
        .spec
        .as_ref()
        .and_then(|s| serde_json::to_value(&s.selector).ok());
    let owned = controlled(
        Api::<ReplicaSet>::namespaced(client.clone(), &target.namespace),
        selector,
        deployment.metadata.uid.as_deref(),
    )
    .await?;
    Ok(owned.iter().map(project::replicaset).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_replica_sets_the_deployment_controls_count() {
        let owned_by = |uid: &str, controller: bool| -> DynamicObject {
            serde_json::from_value(json!({
                "metadata": {"name": "ge-executor-abc", "ownerReferences": [
                    {"apiVersion": "apps/v1", "kind": "Deployment", "name": "ge-executor",
                     "uid": uid, "controller": controller}]},
            }))
            .unwrap()
        };
        assert!(controlled_by(&owned_by("d-uid", true), Some("d-uid")));
        assert!(!controlled_by(&owned_by("other-uid", true), Some("d-uid")));
        assert!(
            !controlled_by(&owned_by("d-uid", false), Some("d-uid")),
            "an owner, not the controller"
        );
        assert!(!controlled_by(&owned_by("d-uid", true), None));
    }
}
