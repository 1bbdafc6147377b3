//! The pure half of `kubectl rollout undo` for a Deployment (kubectl's `DeploymentRollbacker`):
//! which ReplicaSet is the revision to go back to, whether the Deployment is paused or already
//! there, and the JSON patch that gives it the revision's template, minus the
//! `pod-template-hash` label, with the annotations kubectl copies. Works on the objects as the
//! server sent them (raw JSON templates), so no field a newer server knows is lost.

use kube::ResourceExt;
use kube::api::DynamicObject;
use serde_json::{Map, Value, json};

use crate::cluster::project::REVISION_ANNOTATION;

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
    fn an_unnumbered_replica_set_is_revision_zero_and_a_garbled_one_is_left_out() {
        assert_eq!(revision_of(&replica_set(None, "x", "n")), Some(0));
        assert_eq!(revision_of(&replica_set(Some("x"), "x", "n")), None);
    }
}
