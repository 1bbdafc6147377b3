//! PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and Kubernetes strategic
//! merge patch (lists of named things merged by key, `$patch` directives).

use serde_json::{Map, Value};

/// The supported patch content types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    /// `application/merge-patch+json`
    Merge,
    /// `application/strategic-merge-patch+json`
    Strategic,
    /// `application/json-patch+json`
    Json,
}

impl PatchKind {
    /// Recognise a Content-Type header (parameters ignored).
    pub fn from_content_type(content_type: &str) -> Option<PatchKind> {
        let media = content_type.split(';').next().unwrap_or_default().trim();
        match media.to_ascii_lowercase().as_str() {
            "application/merge-patch+json" => Some(PatchKind::Merge),
            "application/strategic-merge-patch+json" => Some(PatchKind::Strategic),
            "application/json-patch+json" => Some(PatchKind::Json),
            _ => None,
        }
    }
}

/// Why a patch could not be applied.
#[derive(Debug, PartialEq, Eq)]
pub enum PatchError {
    /// The body is not valid JSON of the right shape (HTTP 400).
    Malformed(String),
    /// The body is well-formed but cannot be applied to this object (HTTP 422).
    Unapplicable(String),
}

/// Apply a patch body to an object.
pub fn apply(kind: PatchKind, target: &Value, body: &[u8]) -> Result<Value, PatchError> {
    let patch: Value = serde_json::from_slice(body)
        .map_err(|error| PatchError::Malformed(format!("error decoding patch: {error}")))?;
    match kind {
        PatchKind::Merge => {
            if !patch.is_object() {
                return Err(PatchError::Malformed(
                    "error decoding patch: a merge patch must be a JSON object".into(),
                ));
            }
            let mut result = target.clone();
            json_patch::merge(&mut result, &patch);
            Ok(result)
        }
        PatchKind::Json => {
            let operations: json_patch::Patch = serde_json::from_value(patch)
                .map_err(|error| PatchError::Malformed(format!("error decoding patch: {error}")))?;
            let mut result = target.clone();
            json_patch::patch(&mut result, &operations)
                .map_err(|error| PatchError::Unapplicable(error.to_string()))?;
            Ok(result)
        }
        PatchKind::Strategic => {
            let Value::Object(patch) = patch else {
                return Err(PatchError::Malformed(
                    "error decoding patch: a strategic merge patch must be a JSON object".into(),
                ));
            };
            let mut result = target.clone();
            let mut path = Vec::new();
            strategic_merge_map(&mut result, &patch, &mut path)?;
            Ok(result)
        }
    }
}

/// The key that identifies list elements for a list field, given the enclosing fields.
fn merge_key(field: &str, path: &[String]) -> Option<&'static str> {
    let in_container = path.iter().any(|segment| {
        matches!(
            segment.as_str(),
            "containers" | "initContainers" | "ephemeralContainers"
        )
    });
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims" => Some("name"),
        "ports" if in_container => Some("containerPort"),
        "ports" => Some("port"),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "hostAliases" => Some("ip"),
        "topologySpreadConstraints" => Some("topologyKey"),
        _ => None,
    }
}

/// Lists of strings merged as sets rather than replaced.
fn is_primitive_set(field: &str) -> bool {
    field == "finalizers"
}

fn directive(map: &Map<String, Value>) -> Option<&str> {
    map.get("$patch").and_then(Value::as_str)
}

/// Remove every `$`-directive from a patch value so it can be stored as plain data.
fn strip_directives(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| !key.starts_with('$'))
                .map(|(key, value)| (key.clone(), strip_directives(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

fn strategic_merge_map(
    target: &mut Value,
    patch: &Map<String, Value>,
    path: &mut Vec<String>,
) -> Result<(), PatchError> {
    match directive(patch) {
        Some("replace") => {
            *target = strip_directives(&Value::Object(patch.clone()));
            return Ok(());
        }
        Some("delete") => {
            *target = Value::Object(Map::new());
            return Ok(());
        }
        Some("merge") | None => {}
        Some(other) => {
            return Err(PatchError::Unapplicable(format!(
                "unknown patch type: {other} in map"
            )));
        }
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    for (key, value) in patch {
        if key == "$patch" || key == "$retainKeys" || key.starts_with("$setElementOrder/") {
            continue;
        }
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            let removals = value.as_array().cloned().unwrap_or_default();
            if let Some(Value::Array(items)) = target.get_mut(field) {
                items.retain(|item| !removals.contains(item));
            }
            continue;
        }
        let Some(target_map) = target.as_object_mut() else {
            continue;
        };
        match value {
            Value::Null => {
                target_map.remove(key);
            }
            Value::Object(child_patch) => {
                if directive(child_patch) == Some("delete") {
                    target_map.remove(key);
                    continue;
                }
                let child = target_map.entry(key.clone()).or_insert(Value::Null);
                path.push(key.clone());
                let result = strategic_merge_map(child, child_patch, path);
                path.pop();
                result?;
            }
            Value::Array(items) => {
                let merged = merge_list(target_map.get(key), key, items, path)?;
                target_map.insert(key.clone(), merged);
            }
            primitive => {
                target_map.insert(key.clone(), primitive.clone());
            }
        }
    }
    if let Some(Value::Array(retain)) = patch.get("$retainKeys")
        && let Some(target_map) = target.as_object_mut()
    {
        let keep: Vec<&str> = retain.iter().filter_map(Value::as_str).collect();
        target_map.retain(|key, _| keep.contains(&key.as_str()));
    }
    Ok(())
}

fn merge_list(
    current: Option<&Value>,
    field: &str,
    patch_items: &[Value],
    path: &mut Vec<String>,
) -> Result<Value, PatchError> {
    let replace_all = patch_items.iter().any(|item| {
        item.as_object()
            .is_some_and(|map| map.len() == 1 && directive(map) == Some("replace"))
    });
    let current_items = current
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if replace_all {
        let kept: Vec<Value> = patch_items
            .iter()
            .filter(|item| {
                item.as_object()
                    .is_none_or(|map| directive(map) != Some("replace"))
            })
            .map(strip_directives)
            .collect();
        return Ok(Value::Array(kept));
    }
    if is_primitive_set(field) {
        let mut merged = current_items;
        for item in patch_items {
            if !merged.contains(item) {
                merged.push(item.clone());
            }
        }
        return Ok(Value::Array(merged));
    }
    let Some(key) = merge_key(field, path) else {
        return Ok(Value::Array(
            patch_items.iter().map(strip_directives).collect(),
        ));
    };
    let mut merged = current_items;
    path.push(field.to_string());
    for item in patch_items {
        let Some(item_map) = item.as_object() else {
            path.pop();
            return Err(PatchError::Unapplicable(format!(
                "list {field} has merge key {key} but an element is not an object"
            )));
        };
        let Some(identity) = item_map.get(key) else {
            path.pop();
            return Err(PatchError::Unapplicable(format!(
                "map: {item} does not contain declared merge key: {key}"
            )));
        };
        let position = merged
            .iter()
            .position(|existing| existing.get(key) == Some(identity));
        if directive(item_map) == Some("delete") {
            if let Some(position) = position {
                merged.remove(position);
            }
            continue;
        }
        match position {
            Some(position) => {
                if let Err(error) = strategic_merge_map(&mut merged[position], item_map, path) {
                    path.pop();
                    return Err(error);
                }
            }
            None => merged.push(strip_directives(item)),
        }
    }
    path.pop();
    Ok(Value::Array(merged))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({"metadata": {"name": "d", "labels": {"app": "d", "tier": "x"}},
            "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "d"}},
            "spec": {"containers": [
                {"name": "main", "image": "main:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                 "ports": [{"containerPort": 80}]},
                {"name": "side", "image": "side:1"}],
                "tolerations": [{"key": "a"}]}}}})
    }

    fn strategic(target: &Value, patch: Value) -> Value {
        apply(PatchKind::Strategic, target, patch.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn restart_annotation_is_added_to_the_template() {
        let patched = strategic(
            &deployment(),
            json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "now"}}}}}),
        );
        assert_eq!(
            patched["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"],
            "now"
        );
        assert_eq!(
            patched["spec"]["template"]["metadata"]["labels"]["app"],
            "d"
        );
    }

    #[test]
    fn containers_merge_by_name_and_env_by_name() {
        let patched = strategic(
            &deployment(),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "side", "image": "side:2"},
                {"name": "main", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]}]}}}}),
        );
        let containers = patched["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap();
        assert_eq!(containers.len(), 2);
        assert_eq!(containers[0]["image"], "main:1");
        assert_eq!(containers[1]["image"], "side:2");
        let env = containers[0]["env"].as_array().unwrap();
        assert_eq!(env.len(), 3);
        assert_eq!(env[1]["value"], "3");
        assert_eq!(containers[0]["ports"][0]["containerPort"], 80);
    }

    #[test]
    fn delete_and_replace_directives() {
        let patched = strategic(
            &deployment(),
            json!({"metadata": {"labels": {"$patch": "replace", "only": "this"}},
                "spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}],
                "tolerations": [{"key": "b"}]}}}}),
        );
        assert_eq!(patched["metadata"]["labels"], json!({"only": "this"}));
        let containers = patched["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap();
        assert_eq!(containers.len(), 1);
        assert_eq!(
            patched["spec"]["template"]["spec"]["tolerations"],
            json!([{"key": "b"}])
        );
        let removed = strategic(
            &deployment(),
            json!({"metadata": {"labels": {"$patch": "delete"}}}),
        );
        assert!(removed["metadata"].get("labels").is_none());
        let nulled = strategic(
            &deployment(),
            json!({"metadata": {"labels": {"tier": null}}}),
        );
        assert_eq!(nulled["metadata"]["labels"], json!({"app": "d"}));
    }

    #[test]
    fn set_element_order_directives_are_ignored_not_stored() {
        let patched = strategic(
            &deployment(),
            json!({"spec": {"template": {"spec": {"$setElementOrder/containers": [{"name": "main"}, {"name": "side"}],
                "containers": [{"name": "main", "image": "main:2"}]}}}}),
        );
        assert!(
            patched["spec"]["template"]["spec"]
                .get("$setElementOrder/containers")
                .is_none()
        );
        assert_eq!(
            patched["spec"]["template"]["spec"]["containers"][0]["image"],
            "main:2"
        );
    }

    #[test]
    fn merge_and_json_patches() {
        let merged = apply(
            PatchKind::Merge,
            &deployment(),
            br#"{"spec":{"replicas":5}}"#,
        )
        .unwrap();
        assert_eq!(merged["spec"]["replicas"], 5);
        let patched = apply(
            PatchKind::Json,
            &deployment(),
            br#"[{"op":"replace","path":"/spec/replicas","value":3}]"#,
        )
        .unwrap();
        assert_eq!(patched["spec"]["replicas"], 3);
        assert!(matches!(
            apply(PatchKind::Json, &deployment(), b"{"),
            Err(PatchError::Malformed(_))
        ));
        assert!(matches!(
            apply(
                PatchKind::Json,
                &deployment(),
                br#"[{"op":"remove","path":"/nope"}]"#
            ),
            Err(PatchError::Unapplicable(_))
        ));
        assert_eq!(
            PatchKind::from_content_type("application/merge-patch+json; charset=utf-8"),
            Some(PatchKind::Merge)
        );
        assert_eq!(
            PatchKind::from_content_type("application/apply-patch+yaml"),
            None
        );
    }
}
