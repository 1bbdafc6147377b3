//! `kubectl rollout undo` for a Deployment, with kubectl's semantics (its
//! `DeploymentRollbacker`): the ReplicaSets the Deployment controls are its revisions; the
//! chosen one (the previous, or `--to-revision N`) gives its pod template, minus the
//! `pod-template-hash` label, back to the Deployment, with the annotations kubectl copies. A
//! paused Deployment is refused and a template that already matches is skipped, in kubectl's
//! words.
//!
//! The decision ([`plan_rollback`]) is pure and works on the objects as the server sent them
//! (raw JSON templates, so no field a newer server knows is lost on the way back); the patch is a
//! JSON patch that first tests the Deployment's `resourceVersion`, so a Deployment changed
//! between the read and the write is read again rather than overwritten.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::api::{ApiResource, DynamicObject, ListParams, Patch, PatchParams};
use kube::{Api, Client, Resource, ResourceExt};
use serde_json::{Map, Value, json};

use super::mutate::FIELD_MANAGER;
use super::project::{self, REVISION_ANNOTATION};
use crate::fleet::{ReplicaSetInfo, WorkloadKey};

/// The label the Deployment controller adds to each ReplicaSet's template (never on the
/// Deployment's own template).
pub const POD_TEMPLATE_HASH_LABEL: &str = "pod-template-hash";

/// The Deployment's own annotations that a rollback keeps rather than copying them from the
/// ReplicaSet (kubectl's `annotationsToSkip`).
pub const ANNOTATIONS_KEPT: [&str; 6] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION_ANNOTATION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// How often a rollback is tried when the Deployment changes between its read and the write.
const ATTEMPTS: usize = 3;

/// kubectl's refusal for a paused Deployment.
pub fn paused_message(name: &str) -> String {
    format!(
        "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume \
         deployment/{name}' and try again"
    )
}

/// kubectl's answer when the asked-for revision is not among the ReplicaSets.
pub fn revision_not_found_message(revision: i64) -> String {
    format!("unable to find specified revision {revision} in history")
}

/// kubectl's answer when there is no revision before the current one.
pub fn no_history_message(name: &str) -> String {
    format!("no rollout history found for deployment {name:?}")
}

/// kubectl's answer when the template already is the chosen revision's.
pub fn skipped_message(revision: i64) -> String {
    format!("skipped rollback (current template already matches revision {revision})")
}

/// What a rollback will do, decided from the Deployment and its ReplicaSets.
#[derive(Debug, Clone, PartialEq)]
pub enum RollbackPlan {
    /// The Deployment's template already is this revision's: nothing is sent.
    Skip {
        /// The revision it matches.
        revision: i64,
    },
    /// Send `patch` (a JSON patch) to the Deployment.
    Patch {
        /// The revision whose template comes back.
        revision: i64,
        /// The ReplicaSet that holds it.
        replica_set: String,
        /// The JSON patch: test the resourceVersion, replace the template, set the annotations.
        patch: Value,
    },
}

/// Why a rollback is not sent, in kubectl's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RollbackRefusal {
    /// The Deployment is paused.
    #[error("{0}")]
    Paused(String),
    /// The revision asked for (or any previous one) is not in the history.
    #[error("{0}")]
    NotInHistory(String),
}

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

/// `deployment.kubernetes.io/revision` as kubectl reads it: 0 when absent, `None` when it is
/// not a number (kubectl leaves such a ReplicaSet out).
fn revision_of(rs: &DynamicObject) -> Option<i64> {
    match rs.annotations().get(REVISION_ANNOTATION) {
        None => Some(0),
        Some(value) => value.parse().ok(),
    }
}

/// The ReplicaSet of revision `to_revision` (`None` or 0: the one before the newest), chosen
/// as kubectl's `deploymentRevision` chooses it.
fn choose<'a>(
    name: &str,
    replica_sets: &'a [DynamicObject],
    to_revision: Option<i64>,
) -> Result<(i64, &'a DynamicObject), RollbackRefusal> {
    let numbered = replica_sets
        .iter()
        .filter_map(|rs| Some((revision_of(rs)?, rs)));
    match to_revision.filter(|r| *r != 0) {
        Some(wanted) if wanted < 0 => Err(RollbackRefusal::NotInHistory(
            revision_not_found_message(wanted),
        )),
        Some(wanted) => numbered
            .into_iter()
            .find(|(revision, _)| *revision == wanted)
            .ok_or_else(|| RollbackRefusal::NotInHistory(revision_not_found_message(wanted))),
        None => {
            let mut sorted: Vec<(i64, &DynamicObject)> = numbered.collect();
            sorted.sort_by_key(|(revision, _)| std::cmp::Reverse(*revision));
            sorted
                .get(1)
                .copied()
                .ok_or_else(|| RollbackRefusal::NotInHistory(no_history_message(name)))
        }
    }
}

/// Removes nulls and empty objects and lists, recursively: the API treats a field that is
/// absent, null or empty alike (as kubectl's semantic comparison does).
fn pruned(value: &Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::Object(map) => {
            let kept: Map<String, Value> = map
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), pruned(v)?)))
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items
                .iter()
                .map(|v| pruned(v).unwrap_or(Value::Null))
                .collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        other => Some(other.clone()),
    }
}

/// The template without the `pod-template-hash` label.
fn without_hash(template: &Value) -> Value {
    let mut template = template.clone();
    if let Some(labels) = template
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove(POD_TEMPLATE_HASH_LABEL);
    }
    template
}

/// kubectl's `equalIgnoreHash`: equal once the hash label is gone and absent, null and empty
/// fields are taken as the same.
pub fn templates_match(a: &Value, b: &Value) -> bool {
    pruned(&without_hash(a)) == pruned(&without_hash(b))
}

/// The Deployment's annotations after the rollback: its own [`ANNOTATIONS_KEPT`], then every
/// other annotation of the ReplicaSet.
fn rollback_annotations(deployment: &DynamicObject, rs: &DynamicObject) -> Map<String, Value> {
    let mut annotations = Map::new();
    for key in ANNOTATIONS_KEPT {
        if let Some(value) = deployment.annotations().get(key) {
            annotations.insert(key.to_string(), Value::String(value.clone()));
        }
    }
    for (key, value) in rs.annotations() {
        if !ANNOTATIONS_KEPT.contains(&key.as_str()) {
            annotations.insert(key.clone(), Value::String(value.clone()));
        }
    }
    annotations
}

/// Decides the rollback of `deployment` to `to_revision` (`None`: the previous revision) among
/// the ReplicaSets it controls, in kubectl's order: the revision must exist, the Deployment
/// must not be paused, and a template that already matches is skipped.
pub fn plan_rollback(
    deployment: &DynamicObject,
    replica_sets: &[DynamicObject],
    to_revision: Option<i64>,
) -> Result<RollbackPlan, RollbackRefusal> {
    let name = crate::sanitize::clean_owned(&deployment.name_any());
    let (revision, rs) = choose(&name, replica_sets, to_revision)?;
    if deployment.data.pointer("/spec/paused") == Some(&Value::Bool(true)) {
        return Err(RollbackRefusal::Paused(paused_message(&name)));
    }
    let wanted = rs
        .data
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(Value::Null);
    let current = deployment
        .data
        .pointer("/spec/template")
        .cloned()
        .unwrap_or(Value::Null);
    if templates_match(&wanted, &current) {
        return Ok(RollbackPlan::Skip { revision });
    }
    let patch = json!([
        {"op": "test", "path": "/metadata/resourceVersion",
         "value": deployment.metadata.resource_version.clone().unwrap_or_default()},
        {"op": "replace", "path": "/spec/template", "value": without_hash(&wanted)},
        // `add` sets the member whether or not the Deployment has annotations yet.
        {"op": "add", "path": "/metadata/annotations",
         "value": Value::Object(rollback_annotations(deployment, rs))},
    ]);
    Ok(RollbackPlan::Patch {
        revision,
        replica_set: rs.name_any(),
        patch,
    })
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

    const UID: &str = "d-uid";

    fn template(image: &str, hash: Option<&str>) -> Value {
        let mut labels = json!({"app": "ge-executor"});
        if let Some(hash) = hash {
            labels[POD_TEMPLATE_HASH_LABEL] = json!(hash);
        }
        json!({
            "metadata": {"labels": labels, "creationTimestamp": null},
            "spec": {"containers": [{"name": "executor", "image": image, "resources": {}}]},
        })
    }

    fn object(value: Value) -> DynamicObject {
        serde_json::from_value(value).unwrap()
    }

    fn deployment(image: &str, paused: bool) -> DynamicObject {
        object(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "ge-executor", "namespace": "ge-agents", "uid": UID,
                "resourceVersion": "41",
                "annotations": {
                    REVISION_ANNOTATION: "3",
                    "kubectl.kubernetes.io/last-applied-configuration": "{}",
                    "team": "ge"}},
            "spec": {"replicas": 2, "paused": paused, "selector": {"matchLabels": {"app": "ge-executor"}},
                     "template": {"metadata": {"labels": {"app": "ge-executor"}},
                                  "spec": {"containers": [{"name": "executor", "image": image}]}}},
        }))
    }

    fn replica_set(revision: Option<&str>, image: &str, hash: &str) -> DynamicObject {
        let mut annotations = json!({
            "deployment.kubernetes.io/desired-replicas": "2",
            "kubernetes.io/change-cause": format!("deploy {image}"),
        });
        if let Some(revision) = revision {
            annotations[REVISION_ANNOTATION] = json!(revision);
        }
        object(json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("ge-executor-{hash}"), "namespace": "ge-agents",
                "annotations": annotations,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                    "name": "ge-executor", "uid": UID, "controller": true}]},
            "spec": {"replicas": 0, "template": template(image, Some(hash))},
        }))
    }

    fn history() -> Vec<DynamicObject> {
        vec![
            replica_set(Some("1"), "executor:v1", "aaa"),
            replica_set(Some("3"), "executor:v3", "ccc"),
            replica_set(Some("2"), "executor:v2", "bbb"),
        ]
    }

    #[test]
    fn the_patch_restores_the_previous_template_without_its_hash_label() {
        let plan = plan_rollback(&deployment("executor:v3", false), &history(), None).unwrap();
        let RollbackPlan::Patch {
            revision,
            replica_set,
            patch,
        } = plan
        else {
            panic!("a patch: {plan:?}");
        };
        assert_eq!((revision, replica_set.as_str()), (2, "ge-executor-bbb"));
        assert_eq!(
            patch[0],
            json!({"op": "test", "path": "/metadata/resourceVersion", "value": "41"})
        );
        assert_eq!(patch[1]["op"], "replace");
        assert_eq!(patch[1]["path"], "/spec/template");
        assert_eq!(patch[1]["value"], template("executor:v2", None));
        assert_eq!(
            patch[2]["value"],
            json!({
                // kept from the Deployment
                REVISION_ANNOTATION: "3",
                "kubectl.kubernetes.io/last-applied-configuration": "{}",
                // copied from the ReplicaSet (desired-replicas is the Deployment's own)
                "kubernetes.io/change-cause": "deploy executor:v2",
            }),
            "kubectl's annotations: the Deployment's own `team` is not kept, as kubectl replaces them"
        );
        // The patch applies, and the template it leaves is revision 2's.
        let mut applied = serde_json::to_value(deployment("executor:v3", false)).unwrap();
        let ops: json_patch::Patch = serde_json::from_value(patch).unwrap();
        json_patch::patch(&mut applied, &ops).unwrap();
        assert!(templates_match(
            &applied["spec"]["template"],
            &template("executor:v2", Some("bbb"))
        ));
    }

    #[test]
    fn to_revision_picks_that_revision_or_says_it_is_not_in_history() {
        let plan = plan_rollback(&deployment("executor:v3", false), &history(), Some(1)).unwrap();
        assert!(
            matches!(plan, RollbackPlan::Patch { revision: 1, .. }),
            "{plan:?}"
        );
        for missing in [7, -1] {
            assert_eq!(
                plan_rollback(&deployment("executor:v3", false), &history(), Some(missing)),
                Err(RollbackRefusal::NotInHistory(format!(
                    "unable to find specified revision {missing} in history"
                )))
            );
        }
        let only = [replica_set(Some("1"), "executor:v3", "aaa")];
        assert_eq!(
            plan_rollback(&deployment("executor:v3", false), &only, None),
            Err(RollbackRefusal::NotInHistory(
                "no rollout history found for deployment \"ge-executor\"".into()
            ))
        );
    }

    #[test]
    fn a_paused_deployment_is_refused_after_the_revision_is_found() {
        let refused = plan_rollback(&deployment("executor:v3", true), &history(), None);
        assert_eq!(
            refused,
            Err(RollbackRefusal::Paused(
                "you cannot rollback a paused deployment; resume it first with 'kubectl rollout \
                 resume deployment/ge-executor' and try again"
                    .into()
            ))
        );
        // kubectl looks the revision up first.
        assert!(matches!(
            plan_rollback(&deployment("executor:v3", true), &history(), Some(9)),
            Err(RollbackRefusal::NotInHistory(_))
        ));
    }

    #[test]
    fn a_template_that_already_matches_is_skipped() {
        // Revision 2's template, with empty and null fields the Deployment does not carry.
        let plan = plan_rollback(&deployment("executor:v2", false), &history(), Some(2)).unwrap();
        assert_eq!(plan, RollbackPlan::Skip { revision: 2 });
        assert_eq!(
            skipped_message(2),
            "skipped rollback (current template already matches revision 2)"
        );
        assert!(!templates_match(
            &template("executor:v1", None),
            &template("executor:v2", None)
        ));
    }

    #[test]
    fn only_replica_sets_the_deployment_controls_count() {
        let stranger = object(json!({
            "metadata": {"name": "ge-executor-zzz", "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "name": "ge-executor",
                 "uid": "other-uid", "controller": true}]},
        }));
        let mine = &history()[0];
        assert!(controlled_by(mine, Some(UID)));
        assert!(!controlled_by(&stranger, Some(UID)));
        assert!(!controlled_by(mine, None));
        // An unnumbered ReplicaSet is revision 0 to kubectl; a garbled one is left out.
        assert_eq!(revision_of(&replica_set(None, "x", "n")), Some(0));
        assert_eq!(revision_of(&replica_set(Some("x"), "x", "n")), None);
    }
}
