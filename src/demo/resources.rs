//! The resource types the demo API server knows: names, discovery data and validation.

use bytes::Bytes;
use serde_json::{Value, json};

use super::event;

/// One served resource type (e.g. `pods`, `deployments.apps`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServedKind {
    /// core/v1 Namespace (cluster-scoped).
    Namespace,
    /// core/v1 Node (cluster-scoped).
    Node,
    /// core/v1 Pod.
    Pod,
    /// core/v1 Service.
    Service,
    /// apps/v1 Deployment.
    Deployment,
    /// apps/v1 ReplicaSet.
    ReplicaSet,
    /// apps/v1 StatefulSet.
    StatefulSet,
    /// apps/v1 DaemonSet.
    DaemonSet,
    /// batch/v1 Job.
    Job,
    /// core/v1 Event: the storage of every Event, whichever group it is written through.
    Event,
    /// events.k8s.io/v1 Event: another view of the objects stored as [`ServedKind::Event`].
    EventV1,
    /// networking.k8s.io/v1 IngressClass (cluster-scoped).
    IngressClass,
    /// storage.k8s.io/v1 StorageClass (cluster-scoped).
    StorageClass,
}

/// Static description of a resource type, used for routing and discovery.
pub struct ResourceInfo {
    /// The URL segment, e.g. `pods`.
    pub plural: &'static str,
    /// The singular name, e.g. `pod`.
    pub singular: &'static str,
    /// The object kind, e.g. `Pod`.
    pub kind: &'static str,
    /// API group, empty for core.
    pub group: &'static str,
    /// API version within the group.
    pub version: &'static str,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// kubectl short names.
    pub short_names: &'static [&'static str],
    /// Categories (`all`).
    pub categories: &'static [&'static str],
    /// Field-selector labels the real server accepts besides metadata.name/namespace.
    pub extra_fields: &'static [&'static str],
    /// Whether the resource has a `/scale` subresource.
    pub has_scale: bool,
}

const POD_FIELDS: &[&str] = &[
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
];

impl ServedKind {
    /// Every served resource, in discovery order.
    pub const ALL: [ServedKind; 13] = [
        ServedKind::Namespace,
        ServedKind::Node,
        ServedKind::Pod,
        ServedKind::Service,
        ServedKind::Deployment,
        ServedKind::ReplicaSet,
        ServedKind::StatefulSet,
        ServedKind::DaemonSet,
        ServedKind::Job,
        ServedKind::Event,
        ServedKind::EventV1,
        ServedKind::IngressClass,
        ServedKind::StorageClass,
    ];

    /// Static description of this resource.
    pub fn info(self) -> &'static ResourceInfo {
        match self {
            ServedKind::Namespace => &ResourceInfo {
                plural: "namespaces",
                singular: "namespace",
                kind: "Namespace",
                group: "",
                version: "v1",
                namespaced: false,
                short_names: &["ns"],
                categories: &[],
                extra_fields: &["status.phase"],
                has_scale: false,
            },
            ServedKind::Node => &ResourceInfo {
                plural: "nodes",
                singular: "node",
                kind: "Node",
                group: "",
                version: "v1",
                namespaced: false,
                short_names: &["no"],
                categories: &[],
                extra_fields: &["spec.unschedulable"],
                has_scale: false,
            },
            ServedKind::Pod => &ResourceInfo {
                plural: "pods",
                singular: "pod",
                kind: "Pod",
                group: "",
                version: "v1",
                namespaced: true,
                short_names: &["po"],
                categories: &["all"],
                extra_fields: POD_FIELDS,
                has_scale: false,
            },
            ServedKind::Service => &ResourceInfo {
                plural: "services",
                singular: "service",
                kind: "Service",
                group: "",
                version: "v1",
                namespaced: true,
                short_names: &["svc"],
                categories: &["all"],
                extra_fields: &["spec.clusterIP", "spec.type"],
                has_scale: false,
            },
            ServedKind::Deployment => &ResourceInfo {
                plural: "deployments",
                singular: "deployment",
                kind: "Deployment",
                group: "apps",
                version: "v1",
                namespaced: true,
                short_names: &["deploy"],
                categories: &["all"],
                extra_fields: &[],
                has_scale: true,
            },
            ServedKind::ReplicaSet => &ResourceInfo {
                plural: "replicasets",
                singular: "replicaset",
                kind: "ReplicaSet",
                group: "apps",
                version: "v1",
                namespaced: true,
                short_names: &["rs"],
                categories: &["all"],
                extra_fields: &["status.replicas"],
                has_scale: true,
            },
            ServedKind::StatefulSet => &ResourceInfo {
                plural: "statefulsets",
                singular: "statefulset",
                kind: "StatefulSet",
                group: "apps",
                version: "v1",
                namespaced: true,
                short_names: &["sts"],
                categories: &["all"],
                extra_fields: &[],
                has_scale: true,
            },
            ServedKind::DaemonSet => &ResourceInfo {
                plural: "daemonsets",
                singular: "daemonset",
                kind: "DaemonSet",
                group: "apps",
                version: "v1",
                namespaced: true,
                short_names: &["ds"],
                categories: &["all"],
                extra_fields: &[],
                has_scale: false,
            },
            ServedKind::Job => &ResourceInfo {
                plural: "jobs",
                singular: "job",
                kind: "Job",
                group: "batch",
                version: "v1",
                namespaced: true,
                short_names: &[],
                categories: &["all"],
                extra_fields: &["status.successful"],
                has_scale: false,
            },
            ServedKind::Event => &ResourceInfo {
                plural: "events",
                singular: "event",
                kind: "Event",
                group: "",
                version: "v1",
                namespaced: true,
                short_names: &["ev"],
                categories: &[],
                extra_fields: event::CORE_FIELDS,
                has_scale: false,
            },
            ServedKind::EventV1 => &ResourceInfo {
                plural: "events",
                singular: "event",
                kind: "Event",
                group: "events.k8s.io",
                version: "v1",
                namespaced: true,
                short_names: &["ev"],
                categories: &[],
                extra_fields: event::EVENTS_V1_FIELDS,
                has_scale: false,
            },
            ServedKind::IngressClass => &ResourceInfo {
                plural: "ingressclasses",
                singular: "ingressclass",
                kind: "IngressClass",
                group: "networking.k8s.io",
                version: "v1",
                namespaced: false,
                short_names: &[],
                categories: &[],
                extra_fields: &[],
                has_scale: false,
            },
            ServedKind::StorageClass => &ResourceInfo {
                plural: "storageclasses",
                singular: "storageclass",
                kind: "StorageClass",
                group: "storage.k8s.io",
                version: "v1",
                namespaced: false,
                short_names: &["sc"],
                categories: &[],
                extra_fields: &[],
                has_scale: false,
            },
        }
    }

    /// The kind whose objects hold this one's: an events.k8s.io Event is stored as a core
    /// Event (one store, two API shapes, as in the real API server).
    pub fn storage(self) -> ServedKind {
        match self {
            ServedKind::EventV1 => ServedKind::Event,
            other => other,
        }
    }

    /// Whether objects of this kind are stored under it (not a view of another kind).
    pub fn is_stored(self) -> bool {
        self.storage() == self
    }

    /// Whether the resource has a `/status` subresource (Events and the classes have none).
    pub fn has_status(self) -> bool {
        !matches!(
            self,
            ServedKind::Event
                | ServedKind::EventV1
                | ServedKind::IngressClass
                | ServedKind::StorageClass
        )
    }

    /// A stored object as this kind shows it (an events.k8s.io view of a stored Event).
    pub fn present(self, stored: &Bytes) -> Bytes {
        match self {
            ServedKind::EventV1 => serde_json::from_slice(stored).map_or_else(
                |_| stored.clone(),
                |value| {
                    Bytes::from(serde_json::to_vec(&self.present_value(value)).unwrap_or_default())
                },
            ),
            _ => stored.clone(),
        }
    }

    /// A stored object's JSON as this kind shows it.
    pub fn present_value(self, stored: Value) -> Value {
        match self {
            ServedKind::EventV1 => event::to_events_v1(stored),
            _ => stored,
        }
    }

    /// An object written through this kind, in the shape it is stored in.
    pub fn to_storage(self, object: Value) -> Value {
        match self {
            ServedKind::EventV1 => event::to_core(object),
            ServedKind::Event => event::canonical_core(object),
            _ => object,
        }
    }

    /// Find a resource by group, version and plural name.
    pub fn lookup(group: &str, version: &str, plural: &str) -> Option<ServedKind> {
        ServedKind::ALL.into_iter().find(|kind| {
            let info = kind.info();
            info.group == group && info.version == version && info.plural == plural
        })
    }

    /// `apiVersion` string of objects of this kind.
    pub fn api_version(self) -> String {
        let info = self.info();
        if info.group.is_empty() {
            info.version.to_string()
        } else {
            format!("{}/{}", info.group, info.version)
        }
    }

    /// Name used in error messages: `pods`, `deployments.apps`.
    pub fn qualified_plural(self) -> String {
        let info = self.info();
        if info.group.is_empty() {
            info.plural.to_string()
        } else {
            format!("{}.{}", info.plural, info.group)
        }
    }

    /// Kind used in Invalid messages: `Pod`, `Deployment.apps`.
    pub fn qualified_kind(self) -> String {
        let info = self.info();
        if info.group.is_empty() {
            info.kind.to_string()
        } else {
            format!("{}.{}", info.kind, info.group)
        }
    }

    /// Whether a field-selector label is supported for this resource.
    pub fn supports_field(self, field: &str) -> bool {
        field == "metadata.name"
            || (field == "metadata.namespace" && self.info().namespaced)
            || self.info().extra_fields.contains(&field)
    }

    /// The stored field a supported field-selector label selects (events.k8s.io's
    /// `regarding.name` selects the stored Event's `involvedObject.name`).
    pub fn stored_field(self, field: &str) -> String {
        match self {
            ServedKind::EventV1 => event::stored_field_label(field).to_string(),
            _ => field.to_string(),
        }
    }

    /// Values of the extra selectable fields, read from the object.
    pub fn field_values(self, object: &Value) -> Vec<(&'static str, String)> {
        if self == ServedKind::Event {
            return event::field_values(object);
        }
        self.info()
            .extra_fields
            .iter()
            .map(|field| {
                let mut current = object;
                for part in field.split('.') {
                    current = current.get(part).unwrap_or(&Value::Null);
                }
                let text = match current {
                    Value::String(text) => text.clone(),
                    Value::Bool(flag) => flag.to_string(),
                    Value::Number(number) => number.to_string(),
                    Value::Null
                        if *field == "spec.hostNetwork" || *field == "spec.unschedulable" =>
                    {
                        "false".to_string()
                    }
                    _ => String::new(),
                };
                (*field, text)
            })
            .collect()
    }

    /// Round-trip an object through its typed Kubernetes definition, as the real API server
    /// decodes and re-encodes it. Returns the normalised object or (field path, problem).
    pub fn normalise(self, object: Value) -> Result<Value, (String, String)> {
        fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(
            object: Value,
        ) -> Result<Value, (String, String)> {
            let typed: T = serde_path_to_error::deserialize(object).map_err(|error| {
                let path = error.path().to_string();
                (path, format!("Invalid value: {}", error.into_inner()))
            })?;
            serde_json::to_value(typed).map_err(|error| (String::new(), error.to_string()))
        }
        use k8s_openapi::api::{apps::v1 as apps, batch::v1 as batch, core::v1 as core};
        match self {
            ServedKind::Namespace => round_trip::<core::Namespace>(object),
            ServedKind::Node => round_trip::<core::Node>(object),
            ServedKind::Pod => round_trip::<core::Pod>(object),
            ServedKind::Service => round_trip::<core::Service>(object),
            ServedKind::Deployment => round_trip::<apps::Deployment>(object),
            ServedKind::ReplicaSet => round_trip::<apps::ReplicaSet>(object),
            ServedKind::StatefulSet => round_trip::<apps::StatefulSet>(object),
            ServedKind::DaemonSet => round_trip::<apps::DaemonSet>(object),
            ServedKind::Job => round_trip::<batch::Job>(object),
            ServedKind::Event => round_trip::<core::Event>(object).map(event::canonical_core),
            ServedKind::EventV1 => {
                round_trip::<k8s_openapi::api::events::v1::Event>(object).map(event::canonical_v1)
            }
            ServedKind::IngressClass => {
                round_trip::<k8s_openapi::api::networking::v1::IngressClass>(object)
            }
            ServedKind::StorageClass => {
                round_trip::<k8s_openapi::api::storage::v1::StorageClass>(object)
            }
        }
    }

    /// Verbs advertised in discovery.
    pub fn verbs(self) -> Vec<&'static str> {
        match self {
            ServedKind::Pod => vec![
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch",
            ],
            _ => vec![
                "create", "delete", "get", "list", "patch", "update", "watch",
            ],
        }
    }
}

/// `APIResourceList` for one group/version, or None if the group/version is unknown.
pub fn api_resource_list(group: &str, version: &str) -> Option<Value> {
    let kinds: Vec<ServedKind> = ServedKind::ALL
        .into_iter()
        .filter(|kind| kind.info().group == group && kind.info().version == version)
        .collect();
    if kinds.is_empty() {
        return None;
    }
    let mut resources = Vec::new();
    for kind in kinds {
        let info = kind.info();
        let mut entry = json!({
            "name": info.plural,
            "singularName": info.singular,
            "namespaced": info.namespaced,
            "kind": info.kind,
            "verbs": kind.verbs(),
        });
        if !info.short_names.is_empty() {
            entry["shortNames"] = json!(info.short_names);
        }
        if !info.categories.is_empty() {
            entry["categories"] = json!(info.categories);
        }
        resources.push(entry);
        if kind.has_status() {
            resources.push(json!({
                "name": format!("{}/status", info.plural),
                "singularName": "",
                "namespaced": info.namespaced,
                "kind": info.kind,
                "verbs": ["get", "patch", "update"],
            }));
        }
        if kind == ServedKind::Pod {
            resources.push(json!({
                "name": "pods/log",
                "singularName": "",
                "namespaced": true,
                "kind": "Pod",
                "verbs": ["get"],
            }));
        }
        if info.has_scale {
            resources.push(json!({
                "name": format!("{}/scale", info.plural),
                "singularName": "",
                "namespaced": info.namespaced,
                "group": "autoscaling",
                "version": "v1",
                "kind": "Scale",
                "verbs": ["get", "patch", "update"],
            }));
        }
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }))
}

/// The `APIGroupList` served at `/apis`.
pub fn api_group_list() -> Value {
    let mut groups: Vec<&'static str> = ServedKind::ALL
        .iter()
        .map(|kind| kind.info().group)
        .filter(|group| !group.is_empty())
        .collect();
    groups.dedup();
    let groups: Vec<Value> = groups.into_iter().map(api_group).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// The `APIGroup` for one group name (served at `/apis/<group>`).
pub fn api_group(group: &str) -> Value {
    let version = json!({"groupVersion": format!("{group}/v1"), "version": "v1"});
    json!({
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": [version.clone()],
        "preferredVersion": version,
    })
}

/// Whether a group is served.
pub fn is_served_group(group: &str) -> bool {
    ServedKind::ALL
        .iter()
        .any(|kind| !group.is_empty() && kind.info().group == group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_finds_apps_resources_only_in_their_group() {
        assert_eq!(
            ServedKind::lookup("apps", "v1", "deployments"),
            Some(ServedKind::Deployment)
        );
        assert_eq!(ServedKind::lookup("", "v1", "deployments"), None);
        assert_eq!(ServedKind::lookup("", "v1", "pods"), Some(ServedKind::Pod));
    }

    #[test]
    fn normalise_rejects_replicas_that_are_not_numbers() {
        let object = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "x"}, "spec": {"replicas": "three",
            "selector": {}, "template": {}}});
        assert!(ServedKind::Deployment.normalise(object).is_err());
    }
}
