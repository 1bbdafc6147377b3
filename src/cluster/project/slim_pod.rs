//! Pods decoded with only the fields [`super::pod`] reads.
//!
//! A zone's pods are most of what the API server sends: a list of 50,000 pods is about 130 MB of
//! JSON, and decoding each into k8s-openapi's full `Pod` allocates every toleration, resource
//! quantity, volume, probe and managed-fields entry only to drop them after projection. Serde
//! skips a field a struct does not name without allocating, so these mirror structs name only
//! what the projection needs and are then turned into a `Pod` holding just those fields; the
//! projection itself stays the one function over `Pod`. Written by hand because k8s-openapi
//! has no partial types and kube's metadata-only watches drop the status the console shows.

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStatus, Pod, PodCondition, PodSpec, PodStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference, Time};
use kube::Resource;
use serde::{Deserialize, Deserializer};

/// A Pod holding only the fields the console projects; decoded from the full object the API
/// server sends, everything else skipped unread. Boxed: a list page of them is moved about
/// (decoded into a Vec, handed to the watcher, yielded one by one), and `Pod` is a large struct.
#[derive(Clone, Debug, Default)]
pub struct SlimPod(pub Box<Pod>);

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
        &self.0.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.0.metadata
    }
}

impl<'de> Deserialize<'de> for SlimPod {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = WirePod::deserialize(deserializer)?;
        Ok(SlimPod(Box::new(wire.into_pod())))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePod {
    #[serde(default)]
    metadata: WireMeta,
    spec: Option<WireSpec>,
    status: Option<WireStatus>,
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

/// A set of words a decoded string is compared with, without copying it.
trait KnownWords {
    /// The words kept; any other string is known only as "other".
    const WORDS: &'static [&'static str];
}

/// The labels a pod's revision is read from; every other label is skipped unread.
struct RevisionLabels;

impl KnownWords for RevisionLabels {
    const WORDS: &'static [&'static str] = &["pod-template-hash", "controller-revision-hash"];
}

/// The condition types the projection reads; others are skipped.
struct ReadConditions;

impl KnownWords for ReadConditions {
    const WORDS: &'static [&'static str] = &super::containers::KEPT_CONDITIONS;
}

/// A string decoded as one of `W`'s words, or `None` for any other (never allocated).
struct OneOf<W>(Option<&'static str>, std::marker::PhantomData<W>);

impl<W> Default for OneOf<W> {
    fn default() -> Self {
        OneOf(None, std::marker::PhantomData)
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
                let known = W::WORDS.iter().copied().find(|w| *w == word);
                Ok(OneOf(known, std::marker::PhantomData))
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSpec {
    containers: Option<Vec<WireContainer>>,
    init_containers: Option<Vec<WireContainer>>,
    node_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireContainer {
    #[serde(default)]
    name: String,
    image: Option<String>,
    restart_policy: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireStatus {
    phase: Option<String>,
    reason: Option<String>,
    message: Option<String>,
    start_time: Option<Time>,
    conditions: Option<Vec<WireCondition>>,
    container_statuses: Option<Vec<WireContainerStatus>>,
    init_container_statuses: Option<Vec<WireContainerStatus>>,
}

/// A condition without its times, which the projection does not read; its type is `None`
/// when the projection does not read that type either.
#[derive(Deserialize)]
struct WireCondition {
    #[serde(default, rename = "type")]
    type_: OneOf<ReadConditions>,
    #[serde(default)]
    status: String,
    reason: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireContainerStatus {
    #[serde(default)]
    name: String,
    #[serde(default)]
    image: String,
    #[serde(default)]
    ready: bool,
    #[serde(default)]
    restart_count: i32,
    started: Option<bool>,
    state: Option<ContainerState>,
    last_state: Option<ContainerState>,
}

impl WirePod {
    fn into_pod(self) -> Pod {
        let m = self.metadata;
        Pod {
            metadata: ObjectMeta {
                name: m.name,
                namespace: m.namespace,
                resource_version: m.resource_version,
                labels: m.labels,
                owner_references: m.owner_references.map(owner_references),
                creation_timestamp: m.creation_timestamp,
                deletion_timestamp: m.deletion_timestamp,
                ..ObjectMeta::default()
            },
            spec: self.spec.map(|s| PodSpec {
                containers: containers(s.containers),
                init_containers: s.init_containers.map(|c| containers(Some(c))),
                node_name: s.node_name,
                ..PodSpec::default()
            }),
            status: self.status.map(|s| PodStatus {
                phase: s.phase,
                reason: s.reason,
                message: s.message,
                start_time: s.start_time,
                conditions: s.conditions.map(conditions),
                container_statuses: s.container_statuses.map(statuses),
                init_container_statuses: s.init_container_statuses.map(statuses),
                ..PodStatus::default()
            }),
        }
    }
}

fn owner_references(wire: Vec<WireOwnerReference>) -> Vec<OwnerReference> {
    wire.into_iter()
        .map(|r| OwnerReference {
            kind: r.kind,
            name: r.name,
            controller: r.controller,
            ..OwnerReference::default()
        })
        .collect()
}

fn containers(wire: Option<Vec<WireContainer>>) -> Vec<Container> {
    wire.unwrap_or_default()
        .into_iter()
        .map(|c| Container {
            name: c.name,
            image: c.image,
            restart_policy: c.restart_policy,
            ..Container::default()
        })
        .collect()
}

fn conditions(wire: Vec<WireCondition>) -> Vec<PodCondition> {
    wire.into_iter()
        .filter_map(|c| Some((c.type_.0?, c)))
        .map(|(type_, c)| PodCondition {
            type_: type_.to_string(),
            status: c.status,
            reason: c.reason,
            message: c.message,
            ..PodCondition::default()
        })
        .collect()
}

fn statuses(wire: Vec<WireContainerStatus>) -> Vec<ContainerStatus> {
    wire.into_iter()
        .map(|c| ContainerStatus {
            name: c.name,
            image: c.image,
            ready: c.ready,
            restart_count: c.restart_count,
            started: c.started,
            state: c.state,
            last_state: c.last_state,
            ..ContainerStatus::default()
        })
        .collect()
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
        assert_eq!(super::super::pod(&full), super::super::pod(&slim.0));
        assert!(full.metadata.managed_fields.is_some() && slim.0.metadata.managed_fields.is_none());
        assert!(full.metadata.annotations.is_some() && slim.0.metadata.annotations.is_none());
        let spec = slim.0.spec.as_ref().unwrap();
        assert!(spec.tolerations.is_none() && spec.volumes.is_none());
        assert!(spec.containers[0].resources.is_none());
        assert_eq!(slim.0.metadata.resource_version.as_deref(), Some("42"));
        assert!(slim.0.metadata.uid.is_none());
        let labels = slim.0.metadata.labels.as_ref().unwrap();
        assert_eq!(
            labels.iter().collect::<Vec<_>>(),
            [(&"pod-template-hash".to_string(), &"6d9f".to_string())],
            "only the revision label is kept"
        );
        let owner = &slim.0.metadata.owner_references.as_ref().unwrap()[0];
        assert_eq!(
            (owner.kind.as_str(), owner.name.as_str(), owner.controller),
            ("ReplicaSet", "ge-executor-6d9f", Some(true))
        );
        assert!(owner.uid.is_empty() && owner.api_version.is_empty());
        let conditions = slim.0.status.as_ref().unwrap().conditions.iter().flatten();
        let kinds: Vec<&str> = conditions.map(|c| c.type_.as_str()).collect();
        assert_eq!(
            kinds,
            ["Ready"],
            "a condition type the projection never reads is skipped"
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
        assert_eq!(
            pod.0.metadata.name.as_deref(),
            Some("ge-executor-6d9f-abcde")
        );
        assert_eq!(SlimPod::plural(&()), "pods");
        assert_eq!(
            SlimPod::url_path(&(), Some("ge-agents")),
            "/api/v1/namespaces/ge-agents/pods"
        );
    }
}
