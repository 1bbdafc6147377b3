//! Table columns and cells of IngressClasses and StorageClasses, as the real server's printers
//! make them (a default StorageClass's name gets ` (default)`, as `kubectl get sc` shows).

use jiff::Timestamp;
use serde_json::{Value, json};

use super::cells::age;
use super::columns::column;

/// The annotation that makes a StorageClass the default.
const DEFAULT_STORAGE_CLASS: &str = "storageclass.kubernetes.io/is-default-class";

fn name_column() -> Value {
    column(
        "Name",
        "string",
        "name",
        0,
        "Name must be unique within a namespace.",
    )
}

fn age_column() -> Value {
    column(
        "Age",
        "string",
        "",
        0,
        "CreationTimestamp is a timestamp representing the server time when this object was created.",
    )
}

/// IngressClass columns: NAME, CONTROLLER, PARAMETERS, AGE.
pub(super) fn ingress_class_columns() -> Vec<Value> {
    vec![
        name_column(),
        column(
            "Controller",
            "string",
            "",
            0,
            "Controller that is responsible for handling this class",
        ),
        column(
            "Parameters",
            "string",
            "",
            0,
            "A reference to a resource with additional parameters",
        ),
        age_column(),
    ]
}

/// IngressClass cells.
pub(super) fn ingress_class_cells(object: &Value, now: Timestamp) -> Vec<Value> {
    let parameters = &object["spec"]["parameters"];
    let parameters = match parameters["kind"].as_str() {
        Some(kind) => {
            let group = parameters["apiGroup"].as_str().unwrap_or_default();
            let name = parameters["name"].as_str().unwrap_or_default();
            if group.is_empty() {
                format!("{kind}/{name}")
            } else {
                format!("{kind}.{group}/{name}")
            }
        }
        None => "<none>".to_string(),
    };
    vec![
        object["metadata"]["name"].clone(),
        json!(object["spec"]["controller"].as_str().unwrap_or_default()),
        json!(parameters),
        json!(age(object, now)),
    ]
}

/// StorageClass columns: NAME, PROVISIONER, RECLAIMPOLICY, VOLUMEBINDINGMODE,
/// ALLOWVOLUMEEXPANSION, AGE.
pub(super) fn storage_class_columns() -> Vec<Value> {
    vec![
        name_column(),
        column(
            "Provisioner",
            "string",
            "",
            0,
            "Indicates the type of the provisioner.",
        ),
        column(
            "ReclaimPolicy",
            "string",
            "",
            0,
            "Indicates the type of the reclaim policy.",
        ),
        column(
            "VolumeBindingMode",
            "string",
            "",
            0,
            "Indicates the mode of the volume binding.",
        ),
        column(
            "AllowVolumeExpansion",
            "string",
            "",
            0,
            "Indicates whether the storage class allow volume expand.",
        ),
        age_column(),
    ]
}

/// StorageClass cells.
pub(super) fn storage_class_cells(object: &Value, now: Timestamp) -> Vec<Value> {
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let is_default =
        object["metadata"]["annotations"][DEFAULT_STORAGE_CLASS].as_str() == Some("true");
    vec![
        json!(if is_default {
            format!("{name} (default)")
        } else {
            name.to_string()
        }),
        json!(object["provisioner"].as_str().unwrap_or_default()),
        json!(object["reclaimPolicy"].as_str().unwrap_or("Delete")),
        json!(object["volumeBindingMode"].as_str().unwrap_or("Immediate")),
        json!(object["allowVolumeExpansion"].as_bool().unwrap_or(false)),
        json!(age(object, now)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_storage_class_is_named_so_and_defaults_are_filled_in() {
        let now = Timestamp::now();
        let sc = json!({"metadata": {"name": "local-path",
            "annotations": {DEFAULT_STORAGE_CLASS: "true"}}, "provisioner": "rancher.io/local-path",
            "volumeBindingMode": "WaitForFirstConsumer"});
        let cells = storage_class_cells(&sc, now);
        assert_eq!(cells[0], json!("local-path (default)"));
        assert_eq!(cells[2], json!("Delete"));
        assert_eq!(cells[3], json!("WaitForFirstConsumer"));
        assert_eq!(cells[4], json!(false));
        assert_eq!(cells.len(), storage_class_columns().len());
        let ic = json!({"metadata": {"name": "traefik"}, "spec": {"controller": "traefik.io/ingress-controller"}});
        let cells = ingress_class_cells(&ic, now);
        assert_eq!(cells[2], json!("<none>"));
        assert_eq!(cells.len(), ingress_class_columns().len());
    }
}
