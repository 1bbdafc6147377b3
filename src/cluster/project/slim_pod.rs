//! Pods decoded with only the fields [`super::pod_owned`] reads, straight into small structs.
//!
//! A zone's pods are most of what the API server sends: a list of 50,000 pods is about 130 MB of
//! JSON, and decoding each into k8s-openapi's full `Pod` allocates every toleration, resource
//! quantity, volume, probe and managed-fields entry only to drop them after projection. Serde
//! skips a field a struct does not name without allocating, so these structs name only what the
//! projection needs, and the projection reads them; a full `Pod` (tests, tools) is projected by
//! first picking the same fields out of it (`From<Pod>`). They are decoded straight into,
//! with no `Pod` between: one of those is 2 KiB plus 2 KiB per container, allocated and moved
//! for each pod only to be taken apart again, which was a tenth of the CPU of a sync. Written by
//! hand because k8s-openapi has no partial types and kube's metadata-only watches drop the
//! status the console shows.

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStatus, Pod, PodCondition, PodSpec, PodStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use kube::Resource;
use serde::{Deserialize, Deserializer};

/// A Pod holding only the fields the console projects; decoded from the full object the API
/// server sends, everything else skipped unread.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SlimPod {
    /// Name, namespace, resource version, times, the revision labels and the owners.
    #[serde(default, deserialize_with = "slim_meta")]
    pub(super) metadata: ObjectMeta,
    pub(super) spec: Option<SlimSpec>,
    pub(super) status: Option<SlimStatus>,
}

impl Resource for SlimPod {
    type DynamicType = ();
    type Scope = k8s_openapi::NamespaceResourceScope;

    fn kind(dt: &()) -> Cow<'_, str> {
        Pod::kind(dt)
    }

    fn group(dt: &()) -> Cow<'_, str> {
        Pod::group(dt)
    }

    fn version(dt: &()) -> Cow<'_, str> {
        Pod::version(dt)
    }

    fn plural(dt: &()) -> Cow<'_, str> {
        Pod::plural(dt)
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

/// The spec's containers and node.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SlimSpec {
    #[serde(default)]
    pub(super) containers: Vec<SlimContainer>,
    pub(super) init_containers: Option<Vec<SlimContainer>>,
    pub(super) node_name: Option<String>,
}

/// A container of the spec: its name, image and (for a native sidecar) restart policy.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SlimContainer {
    #[serde(default)]
    pub(super) name: String,
    pub(super) image: Option<String>,
    pub(super) restart_policy: Option<String>,
}

/// The status the STATUS word, the counts and the container summaries are read from.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SlimStatus {
    pub(super) phase: Option<String>,
    pub(super) reason: Option<String>,
    pub(super) message: Option<String>,
    pub(super) start_time: Option<Time>,
    pub(super) conditions: Option<Vec<SlimCondition>>,
    pub(super) container_statuses: Option<Vec<SlimContainerStatus>>,
    pub(super) init_container_statuses: Option<Vec<SlimContainerStatus>>,
}

/// A condition without its times, which the projection does not read.
#[derive(Clone, Debug, Default, Deserialize)]
pub(super) struct SlimCondition {
    /// The condition's type when the projection reads that type, else `None`.
    #[serde(default, rename = "type")]
    pub(super) type_: OneOf<ReadConditions>,
    #[serde(default)]
    pub(super) status: String,
    pub(super) reason: Option<String>,
    pub(super) message: Option<String>,
}

impl SlimCondition {
    /// The condition's type, when it is one the projection reads.
    pub(super) fn kind(&self) -> Option<&'static str> {
        self.type_.0
    }
}

/// A container's status: what its summary and the pod's STATUS word are read from.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SlimContainerStatus {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) image: String,
    #[serde(default)]
    pub(super) ready: bool,
    #[serde(default)]
    pub(super) restart_count: i32,
    pub(super) started: Option<bool>,
    pub(super) state: Option<ContainerState>,
    pub(super) last_state: Option<ContainerState>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct WireMeta {
    name: Option<String>,
    namespace: Option<String>,
    resource_version: Option<String>,
    #[serde(default, deserialize_with = "revision_labels")]
    labels: Option<BTreeMap<String, String>>,
    owner_references: Option<Vec<WireOwnerReference>>,
    creation_timestamp: Option<Time>,
    deletion_timestamp: Option<Time>,
}

/// An owner reference without its API version and uid, which the projection does not read.
#[derive(Deserialize)]
struct WireOwnerReference {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    controller: Option<bool>,
}

/// `metadata`, decoded with only the fields the projection reads.
fn slim_meta<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ObjectMeta, D::Error> {
    WireMeta::deserialize(deserializer).map(WireMeta::into_meta)
}

impl WireMeta {
    /// The metadata as a k8s-openapi `ObjectMeta` (what kube's `Resource` hands out).
    fn into_meta(self) -> ObjectMeta {
        let m = self;
        ObjectMeta {
            name: m.name,
            namespace: m.namespace,
            resource_version: m.resource_version,
            labels: m.labels,
            owner_references: m.owner_references.map(|refs| {
                refs.into_iter()
                    .map(|r| OwnerReference {
                        kind: r.kind,
                        name: r.name,
                        controller: r.controller,
                        ..OwnerReference::default()
                    })
                    .collect()
            }),
            creation_timestamp: m.creation_timestamp,
            deletion_timestamp: m.deletion_timestamp,
            ..ObjectMeta::default()
        }
    }
}

/// A set of words a decoded string is compared with, without copying it.
pub(super) trait KnownWords {
    /// The words kept; any other string is known only as "other".
    const WORDS: &'static [&'static str];

    /// The word equal to `word`, if it is one of these.
    fn find(word: &str) -> Option<&'static str> {
        Self::WORDS.iter().copied().find(|w| *w == word)
    }
}

/// The labels a pod's revision is read from; every other label is skipped unread.
pub(super) struct RevisionLabels;

impl KnownWords for RevisionLabels {
    const WORDS: &'static [&'static str] = &["pod-template-hash", "controller-revision-hash"];
}

/// The condition types the projection reads; others are skipped.
#[derive(Clone, Debug, Default)]
pub(super) struct ReadConditions;

impl KnownWords for ReadConditions {
    const WORDS: &'static [&'static str] = &super::containers::KEPT_CONDITIONS;
}

/// A string decoded as one of `W`'s words, or `None` for any other (never allocated).
#[derive(Clone, Debug)]
pub(super) struct OneOf<W>(Option<&'static str>, std::marker::PhantomData<W>);

impl<W> Default for OneOf<W> {
    fn default() -> Self {
        OneOf(None, std::marker::PhantomData)
    }
}

impl<W: KnownWords> OneOf<W> {
    /// The word of `W` equal to `word`, if any.
    pub(super) fn of(word: &str) -> Self {
        OneOf(W::find(word), std::marker::PhantomData)
    }
}

impl<'de, W: KnownWords> Deserialize<'de> for OneOf<W> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WordVisitor<W>(std::marker::PhantomData<W>);
        impl<W: KnownWords> serde::de::Visitor<'_> for WordVisitor<W> {
            type Value = OneOf<W>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, word: &str) -> Result<OneOf<W>, E> {
                Ok(OneOf::of(word))
            }
        }
        deserializer.deserialize_str(WordVisitor(std::marker::PhantomData))
    }
}

/// `metadata.labels`, keeping only [`RevisionLabels`]: a pod's other labels (often a dozen)
/// would each be two allocations, dropped as soon as the pod is projected.
fn revision_labels<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    struct LabelsVisitor;
    impl<'de> serde::de::Visitor<'de> for LabelsVisitor {
        type Value = Option<BTreeMap<String, String>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of labels")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut kept = BTreeMap::new();
            while let Some(OneOf(key, _)) = map.next_key::<OneOf<RevisionLabels>>()? {
                match key {
                    Some(key) => {
                        kept.insert(key.to_string(), map.next_value::<String>()?);
                    }
                    None => {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
            }
            Ok(Some(kept))
        }
    }
    deserializer.deserialize_option(LabelsVisitor)
}

/// Picks out of a full `Pod` what the slim decoding keeps, so that a `Pod` from anywhere
/// projects as one the watches decode.
impl From<Pod> for SlimPod {
    fn from(pod: Pod) -> SlimPod {
        let m = pod.metadata;
        let metadata = WireMeta {
            name: m.name,
            namespace: m.namespace,
            resource_version: m.resource_version,
            labels: m.labels.map(|labels| {
                labels
                    .into_iter()
                    .filter(|(key, _)| RevisionLabels::find(key).is_some())
                    .collect()
            }),
            owner_references: m.owner_references.map(|refs| {
                refs.into_iter()
                    .map(|r| WireOwnerReference {
                        kind: r.kind,
                        name: r.name,
                        controller: r.controller,
                    })
                    .collect()
            }),
            creation_timestamp: m.creation_timestamp,
            deletion_timestamp: m.deletion_timestamp,
        };
        SlimPod {
            metadata: metadata.into_meta(),
            spec: pod.spec.map(slim_spec),
            status: pod.status.map(slim_status),
        }
    }
}

fn slim_spec(spec: PodSpec) -> SlimSpec {
    let containers = |list: Vec<Container>| {
        list.into_iter()
            .map(|c| SlimContainer {
                name: c.name,
                image: c.image,
                restart_policy: c.restart_policy,
            })
            .collect()
    };
    SlimSpec {
        containers: containers(spec.containers),
        init_containers: spec.init_containers.map(containers),
        node_name: spec.node_name,
    }
}

fn slim_status(status: PodStatus) -> SlimStatus {
    let statuses = |list: Vec<ContainerStatus>| {
        list.into_iter()
            .map(|c| SlimContainerStatus {
                name: c.name,
                image: c.image,
                ready: c.ready,
                restart_count: c.restart_count,
                started: c.started,
                state: c.state,
                last_state: c.last_state,
            })
            .collect()
    };
    let condition = |c: PodCondition| SlimCondition {
        type_: OneOf::of(&c.type_),
        status: c.status,
        reason: c.reason,
        message: c.message,
    };
    SlimStatus {
        phase: status.phase,
        reason: status.reason,
        message: status.message,
        start_time: status.start_time,
        conditions: status
            .conditions
            .map(|list| list.into_iter().map(condition).collect()),
        container_statuses: status.container_statuses.map(statuses),
        init_container_statuses: status.init_container_statuses.map(statuses),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A pod as a real API server sends it: managed fields, annotations, volumes, probes,
    /// tolerations and resources the console never shows.
    fn served_pod() -> serde_json::Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": "ge-executor-6d9f-abcde", "namespace": "ge-agents", "uid": "u-1",
                "resourceVersion": "42", "creationTimestamp": "2026-11-30T10:00:00Z",
                "labels": {"app": "ge-executor", "pod-template-hash": "6d9f"},
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"big\": true}"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "name": "ge-executor-6d9f", "uid": "rs-1", "controller": true}],
                "managedFields": [{"manager": "kube-controller-manager", "operation": "Update",
                    "apiVersion": "v1", "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:metadata": {"f:labels": {".": {}}}}}]
            },
            "spec": {
                "nodeName": "ge-prod-2",
                "containers": [{"name": "app", "image": "registry.ge.internal/ge-executor:1",
                    "resources": {"requests": {"cpu": "250m"}},
                    "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                "initContainers": [{"name": "proxy", "image": "envoy:1", "restartPolicy": "Always"}],
                "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                    "effect": "NoExecute", "tolerationSeconds": 300}],
                "volumes": [{"name": "data", "emptyDir": {}}]
            },
            "status": {
                "phase": "Running", "startTime": "2026-11-30T10:00:02Z", "podIP": "10.0.0.7",
                "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady",
                    "message": "containers with unready status: [app]", "lastProbeTime": null},
                    {"type": "PodReadyToStartContainers", "status": "True"}],
                "containerStatuses": [{"name": "app", "image": "registry.ge.internal/ge-executor:1",
                    "imageID": "sha256:1", "ready": false, "restartCount": 3, "started": false,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}},
                    "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}},
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                "initContainerStatuses": [{"name": "proxy", "image": "envoy:1", "imageID": "",
                    "ready": true, "restartCount": 0, "started": true,
                    "state": {"running": {"startedAt": "2026-11-30T10:00:01Z"}}}]
            }
        })
    }

    #[test]
    fn keeps_what_the_projection_reads_and_nothing_else() {
        let full: Pod = serde_json::from_value(served_pod()).unwrap();
        let slim: SlimPod = serde_json::from_value(served_pod()).unwrap();
        assert_eq!(
            super::super::pod(&full),
            super::super::slim_pod(slim.clone())
        );
        assert!(full.metadata.managed_fields.is_some() && slim.metadata.managed_fields.is_none());
        assert!(full.metadata.annotations.is_some() && slim.metadata.annotations.is_none());
        // The spec's tolerations, volumes and resources have no field to be decoded into.
        let spec = slim.spec.as_ref().unwrap();
        assert_eq!(
            (
                spec.containers.len(),
                spec.init_containers.as_ref().map(Vec::len)
            ),
            (1, Some(1))
        );
        assert_eq!(slim.metadata.resource_version.as_deref(), Some("42"));
        assert!(slim.metadata.uid.is_none());
        let labels = slim.metadata.labels.as_ref().unwrap();
        assert_eq!(
            labels.iter().collect::<Vec<_>>(),
            [(&"pod-template-hash".to_string(), &"6d9f".to_string())],
            "only the revision label is kept"
        );
        let owner = &slim.metadata.owner_references.as_ref().unwrap()[0];
        assert_eq!(
            (owner.kind.as_str(), owner.name.as_str(), owner.controller),
            ("ReplicaSet", "ge-executor-6d9f", Some(true))
        );
        assert!(owner.uid.is_empty() && owner.api_version.is_empty());
        let conditions = slim.status.as_ref().unwrap().conditions.iter().flatten();
        let kinds: Vec<Option<&str>> = conditions.map(SlimCondition::kind).collect();
        assert_eq!(
            kinds,
            [Some("Ready"), None],
            "a condition type the projection never reads is not kept"
        );
    }

    #[test]
    fn a_pod_with_no_labels_null_labels_or_a_condition_without_type_decodes() {
        for labels in [json!(null), json!({}), json!({"app": "x"})] {
            let mut v = served_pod();
            v["metadata"]["labels"] = labels.clone();
            v["status"]["conditions"] = json!([{"status": "True"}]);
            let slim: SlimPod = serde_json::from_value(v.clone()).unwrap();
            let full: Pod = serde_json::from_value(v).unwrap();
            assert_eq!(
                super::super::pod(&full),
                super::super::slim_pod(slim),
                "labels {labels}"
            );
        }
    }

    #[test]
    fn a_watch_event_of_slim_pods_decodes_like_the_server_sent_it() {
        let event = json!({"type": "MODIFIED", "object": served_pod()});
        let decoded: kube::core::WatchEvent<SlimPod> = serde_json::from_value(event).unwrap();
        let kube::core::WatchEvent::Modified(pod) = decoded else {
            panic!("a MODIFIED event");
        };
        assert_eq!(pod.metadata.name.as_deref(), Some("ge-executor-6d9f-abcde"));
        assert_eq!(SlimPod::plural(&()), "pods");
        assert_eq!(
            SlimPod::url_path(&(), Some("ge-agents")),
            "/api/v1/namespaces/ge-agents/pods"
        );
    }
}
