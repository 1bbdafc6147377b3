//! One object fetched on demand and rendered as YAML, as `kubectl get -o yaml` shows it but
//! without `metadata.managedFields` (pages of bookkeeping nobody reads). Any kind: the ones
//! the console watches are known; others (an event's object) are found through discovery from
//! their apiVersion. The text is sanitised and bounded before it reaches the screen.

use std::time::Duration;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Namespace, Node, Pod, Service};
use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use kube::discovery::Scope;
use kube::{Api, Client};

use super::classify::short_chain;
use super::logs::LogError;
use crate::sanitize::clean_owned;

/// How long a fetch may take before it is given up.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The most lines of YAML kept; a larger object (a ConfigMap holding a file) is cut, saying so.
pub const MAX_YAML_LINES: usize = 20_000;

/// An object to show: its kind (as Kubernetes spells it: `Deployment`, `Pod`, `Node`), its
/// apiVersion when known (needed for kinds the console does not watch), namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    /// `Deployment`, `Pod`, `Node`, … (any served kind).
    pub kind: String,
    /// `apps/v1`, `v1`, …; `None` for the kinds the console knows.
    pub api_version: Option<String>,
    /// The namespace; `None` for a cluster-scoped object.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{ns}/{}/{}", self.kind.to_ascii_lowercase(), self.name),
            None => write!(f, "{}/{}", self.kind.to_ascii_lowercase(), self.name),
        }
    }
}

/// The API resource of a kind the console knows, with whether it is namespaced.
fn known_resource(kind: &str) -> Option<(ApiResource, bool)> {
    Some(match kind.to_ascii_lowercase().as_str() {
        "pod" => (ApiResource::erase::<Pod>(&()), true),
        "node" => (ApiResource::erase::<Node>(&()), false),
        "namespace" => (ApiResource::erase::<Namespace>(&()), false),
        "deployment" => (ApiResource::erase::<Deployment>(&()), true),
        "statefulset" => (ApiResource::erase::<StatefulSet>(&()), true),
        "daemonset" => (ApiResource::erase::<DaemonSet>(&()), true),
        "replicaset" => (ApiResource::erase::<ReplicaSet>(&()), true),
        "service" => (ApiResource::erase::<Service>(&()), true),
        "configmap" => (ApiResource::erase::<ConfigMap>(&()), true),
        "event" => (ApiResource::erase::<Event>(&()), true),
        _ => return None,
    })
}

/// Finds the API resource of `object`: a known kind directly, another through discovery
/// from its apiVersion.
async fn resource_of(client: &Client, object: &ObjectRef) -> Result<(ApiResource, bool), LogError> {
    let known = known_resource(&object.kind).filter(|(ar, _)| {
        object
            .api_version
            .as_deref()
            .is_none_or(|v| v == ar.api_version)
    });
    if let Some(found) = known {
        return Ok(found);
    }
    let Some(api_version) = object.api_version.as_deref() else {
        return Err(LogError::Refused(format!(
            "kind {} needs an apiVersion to be found",
            object.kind
        )));
    };
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let gvk = GroupVersionKind::gvk(group, version, &object.kind);
    let (ar, caps) = kube::discovery::pinned_kind(client, &gvk)
        .await
        .map_err(|e| LogError::from_kube(&e))?;
    Ok((ar, caps.scope == Scope::Namespaced))
}

/// Fetches `object` and renders it as YAML lines (within [`FETCH_TIMEOUT`]).
pub async fn fetch_yaml(client: &Client, object: &ObjectRef) -> Result<Vec<String>, LogError> {
    let fetch = async {
        let (resource, namespaced) = resource_of(client, object).await?;
        let api: Api<DynamicObject> = match (&object.namespace, namespaced) {
            (Some(ns), true) => Api::namespaced_with(client.clone(), ns, &resource),
            (None, true) => {
                return Err(LogError::Refused(format!(
                    "{} is namespaced: name its namespace",
                    object.kind
                )));
            }
            (_, false) => Api::all_with(client.clone(), &resource),
        };
        api.get(&object.name)
            .await
            .map_err(|e| LogError::from_kube(&e))
    };
    let found = match tokio::time::timeout(FETCH_TIMEOUT, fetch).await {
        Err(_) => return Err(LogError::Timeout(FETCH_TIMEOUT.as_secs())),
        Ok(result) => result?,
    };
    let value = serde_json::to_value(&found)
        .map_err(|e| LogError::Failed(format!("cannot read the object: {e}")))?;
    to_yaml_lines(value)
}

/// `value` without `metadata.managedFields`, as sanitised YAML lines (at most
/// [`MAX_YAML_LINES`], the last one saying how many more there were).
pub fn to_yaml_lines(mut value: serde_json::Value) -> Result<Vec<String>, LogError> {
    if let Some(metadata) = value.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        metadata.remove("managedFields");
    }
    let text = serde_saphyr::to_string(&value).map_err(|e| {
        LogError::Failed(format!(
            "cannot write the object as YAML: {}",
            short_chain(&e)
        ))
    })?;
    let mut lines: Vec<String> = text
        .lines()
        .take(MAX_YAML_LINES + 1)
        .map(clean_owned)
        .collect();
    if lines.len() > MAX_YAML_LINES {
        let total = text.lines().count();
        lines.truncate(MAX_YAML_LINES);
        lines.push(format!(
            "# … {} more lines not shown",
            total - MAX_YAML_LINES
        ));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_fields_are_removed_and_the_rest_is_yaml() {
        let value = serde_json::json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "ge-executor",
                "namespace": "ge-agents",
                "managedFields": [{"manager": "kubectl", "operation": "Update"}],
                "labels": {"app": "ge-executor"}
            },
            "spec": {"replicas": 2, "template": {"spec": {"containers": [
                {"name": "executor", "image": "registry/ge-executor:1.8.2"}
            ]}}}
        });
        let lines = to_yaml_lines(value).unwrap();
        let text = lines.join("\n");
        assert!(!text.contains("managedFields"), "{text}");
        assert!(!text.contains("kubectl"), "{text}");
        assert!(lines.iter().any(|l| l == "kind: Deployment"), "{text}");
        assert!(lines.iter().any(|l| l.trim() == "replicas: 2"), "{text}");
        assert!(text.contains("image: registry/ge-executor:1.8.2"), "{text}");
    }

    #[test]
    fn escape_sequences_in_values_never_reach_the_screen() {
        let value = serde_json::json!({
            "metadata": {"annotations": {"note": "evil\u{1b}[2J\u{1b}]0;title\u{7}text\u{202e}"}}
        });
        let lines = to_yaml_lines(value).unwrap();
        for line in &lines {
            assert!(
                !line.chars().any(|c| c.is_control() || c == '\u{202e}'),
                "{line:?}"
            );
        }
    }

    #[test]
    fn a_huge_object_is_cut_and_says_how_much() {
        let items: Vec<serde_json::Value> = (0..MAX_YAML_LINES + 50)
            .map(|i| serde_json::json!(i))
            .collect();
        let lines = to_yaml_lines(serde_json::json!({ "data": items })).unwrap();
        assert_eq!(lines.len(), MAX_YAML_LINES + 1);
        assert!(lines[MAX_YAML_LINES].contains("more lines not shown"));
    }

    #[test]
    fn objects_name_themselves_as_kubectl_paths() {
        let pod = ObjectRef {
            kind: "Pod".into(),
            api_version: None,
            namespace: Some("ge-agents".into()),
            name: "ge-executor-1".into(),
        };
        assert_eq!(pod.to_string(), "ge-agents/pod/ge-executor-1");
        assert!(known_resource("StatefulSet").is_some_and(|(_, namespaced)| namespaced));
        assert!(known_resource("Node").is_some_and(|(_, namespaced)| !namespaced));
    }
}
