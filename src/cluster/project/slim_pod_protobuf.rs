//! Pod list pages read from the API server's protobuf encoding into the same [`SlimPod`]s the
//! JSON path decodes.
//!
//! Decoding JSON was half of the console's CPU while it synced 3 × 50,000 watched pods:
//! `serde_json` must scan every byte of every field it skips, and most of a pod is skipped. In
//! protobuf a skipped field is a length to jump over, so a page costs little more than the
//! fields kept. Real API servers send built-in kinds this way to a client that asks for it
//! first (`application/vnd.kubernetes.protobuf`), as client-go does by default.
//!
//! Each message is walked field by field ([`for_each_field`]) straight into the slim structs,
//! with the field numbers of Kubernetes' `generated.proto` files (`k8s.io/api/core/v1`,
//! `k8s.io/apimachinery/pkg/apis/meta/v1`). Written by hand, not with prost's derived
//! messages: those decode into structs of their own, every label and condition type allocated,
//! then converted and dropped; those short-lived allocations between the kept ones left the
//! console 41 MiB larger at 3 × 50,000 pods than the JSON path did. Here a string is copied only
//! when it is kept. Go writes a field that is not a pointer even when empty, where its JSON
//! omits it: an empty string, a zero signal or a zero time reads as absent, as in the JSON.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStateWaiting,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, ObjectMeta, OwnerReference, Time};
use kube::api::ObjectList;

use super::slim_pod::{
    KnownWords, OneOf, RevisionLabels, SlimCondition, SlimContainer, SlimContainerStatus, SlimPod,
    SlimSpec, SlimStatus,
};
use crate::cluster::list_watch::{ListPages, ProtobufPage};
use crate::cluster::protobuf::{FieldValue, ProtobufError, for_each_field, object_of};

/// Pods, most of what a zone sends, are asked for as protobuf.
impl ListPages for SlimPod {
    const PROTOBUF: Option<ProtobufPage<Self>> = Some(decode_pod_list);
}

/// Decodes one page of a pod list sent as `application/vnd.kubernetes.protobuf`: the envelope,
/// then a `PodList`'s metadata and pods.
pub fn decode_pod_list(body: &[u8]) -> Result<ObjectList<SlimPod>, ProtobufError> {
    let mut metadata = ListMeta::default();
    let mut items = Vec::new();
    for_each_field(object_of(body, "PodList")?, |tag, value| {
        match tag {
            1 => for_each_field(value.bytes(tag)?, |tag, value| {
                match tag {
                    2 => metadata.resource_version = optional_text(tag, value)?,
                    3 => metadata.continue_ = optional_text(tag, value)?,
                    _ => {}
                }
                Ok(())
            })?,
            2 => items.push(pod(value.bytes(tag)?)?),
            _ => {}
        }
        Ok(())
    })?;
    Ok(ObjectList {
        types: Default::default(),
        metadata,
        items,
    })
}

/// A string field's text, copied.
fn text(tag: u32, value: FieldValue<'_>) -> Result<String, ProtobufError> {
    value.text(tag).map(str::to_owned)
}

/// A string field as Go's JSON writes it (`omitempty`): `None` when empty.
fn optional_text(tag: u32, value: FieldValue<'_>) -> Result<Option<String>, ProtobufError> {
    let text = value.text(tag)?;
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// A bool field.
fn flag(tag: u32, value: FieldValue<'_>) -> Result<bool, ProtobufError> {
    value.varint(tag).map(|v| v != 0)
}

/// An int32 field (a negative one is sent as its 64-bit two's complement).
fn int32(tag: u32, value: FieldValue<'_>) -> Result<i32, ProtobufError> {
    value.varint(tag).map(|v| v as i64 as i32)
}

/// `meta/v1.Time` (seconds 1, nanoseconds 2), or `None` for Go's zero time (JSON `null`) or one
/// out of range.
fn time(tag: u32, value: FieldValue<'_>) -> Result<Option<Time>, ProtobufError> {
    let (mut seconds, mut nanos) = (0_i64, 0_i32);
    for_each_field(value.bytes(tag)?, |tag, value| {
        match tag {
            1 => seconds = value.varint(tag)? as i64,
            2 => nanos = int32(tag, value)?,
            _ => {}
        }
        Ok(())
    })?;
    if seconds == 0 && nanos == 0 {
        return Ok(None);
    }
    Ok(jiff::Timestamp::new(seconds, nanos).ok().map(Time))
}

/// `core/v1.Pod`: metadata 1, spec 2, status 3.
fn pod(bytes: &[u8]) -> Result<SlimPod, ProtobufError> {
    let mut pod = SlimPod::default();
    for_each_field(bytes, |tag, value| {
        match tag {
            1 => pod.metadata = object_meta(value.bytes(tag)?)?,
            2 => pod.spec = Some(pod_spec(value.bytes(tag)?)?),
            3 => pod.status = Some(pod_status(value.bytes(tag)?)?),
            _ => {}
        }
        Ok(())
    })?;
    Ok(pod)
}

/// `meta/v1.ObjectMeta`, with the labels a revision is read from and the owners' kind, name and
/// controller flag.
fn object_meta(bytes: &[u8]) -> Result<ObjectMeta, ProtobufError> {
    let mut meta = ObjectMeta::default();
    for_each_field(bytes, |tag, value| {
        match tag {
            1 => meta.name = optional_text(tag, value)?,
            3 => meta.namespace = optional_text(tag, value)?,
            6 => meta.resource_version = optional_text(tag, value)?,
            8 => meta.creation_timestamp = time(tag, value)?,
            9 => meta.deletion_timestamp = time(tag, value)?,
            11 => {
                // A map entry: key 1, value 2. Go's JSON writes `labels` when there are any;
                // the JSON path keeps the revision labels of them, possibly none.
                let labels = meta.labels.get_or_insert_with(BTreeMap::new);
                let (mut key, mut text) = ("", "");
                for_each_field(value.bytes(tag)?, |tag, value| {
                    match tag {
                        1 => key = value.text(tag)?,
                        2 => text = value.text(tag)?,
                        _ => {}
                    }
                    Ok(())
                })?;
                if let Some(kept) = RevisionLabels::find(key) {
                    labels.insert(kept.to_owned(), text.to_owned());
                }
            }
            13 => {
                let owner = owner_reference(value.bytes(tag)?)?;
                meta.owner_references
                    .get_or_insert_with(Vec::new)
                    .push(owner);
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(meta)
}

/// `meta/v1.OwnerReference`: kind 1, name 3, controller 6.
fn owner_reference(bytes: &[u8]) -> Result<OwnerReference, ProtobufError> {
    let mut owner = OwnerReference::default();
    for_each_field(bytes, |tag, value| {
        match tag {
            1 => owner.kind = text(tag, value)?,
            3 => owner.name = text(tag, value)?,
            6 => owner.controller = Some(flag(tag, value)?),
            _ => {}
        }
        Ok(())
    })?;
    Ok(owner)
}

/// `core/v1.PodSpec`: containers 2, nodeName 10, initContainers 20.
fn pod_spec(bytes: &[u8]) -> Result<SlimSpec, ProtobufError> {
    let mut spec = SlimSpec::default();
    for_each_field(bytes, |tag, value| {
        match tag {
            2 => spec.containers.push(container(value.bytes(tag)?)?),
            10 => spec.node_name = optional_text(tag, value)?,
            20 => spec
                .init_containers
                .get_or_insert_with(Vec::new)
                .push(container(value.bytes(tag)?)?),
            _ => {}
        }
        Ok(())
    })?;
    Ok(spec)
}

/// `core/v1.Container`: name 1, image 2, restartPolicy 24 (Kubernetes 1.28's native sidecars).
fn container(bytes: &[u8]) -> Result<SlimContainer, ProtobufError> {
    let mut container = SlimContainer::default();
    for_each_field(bytes, |tag, value| {
        match tag {
            1 => container.name = text(tag, value)?,
            2 => container.image = optional_text(tag, value)?,
            24 => container.restart_policy = optional_text(tag, value)?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(container)
}

/// `core/v1.PodStatus`: phase 1, conditions 2, message 3, reason 4, startTime 7,
/// containerStatuses 8, initContainerStatuses 10.
fn pod_status(bytes: &[u8]) -> Result<SlimStatus, ProtobufError> {
    let mut status = SlimStatus::default();
    for_each_field(bytes, |tag, value| {
        match tag {
            1 => status.phase = optional_text(tag, value)?,
            2 => status
                .conditions
                .get_or_insert_with(Vec::new)
                .push(pod_condition(value.bytes(tag)?)?),
            3 => status.message = optional_text(tag, value)?,
            4 => status.reason = optional_text(tag, value)?,
            7 => status.start_time = time(tag, value)?,
            8 => status
                .container_statuses
                .get_or_insert_with(Vec::new)
                .push(container_status(value.bytes(tag)?)?),
            10 => status
                .init_container_statuses
                .get_or_insert_with(Vec::new)
                .push(container_status(value.bytes(tag)?)?),
            _ => {}
        }
        Ok(())
    })?;
    Ok(status)
}

/// `core/v1.PodCondition`: type 1 (kept only when the projection reads it), status 2,
/// reason 5, message 6.
fn pod_condition(bytes: &[u8]) -> Result<SlimCondition, ProtobufError> {
    let mut condition = SlimCondition::default();
    for_each_field(bytes, |tag, value| {
        match tag {
            1 => condition.type_ = OneOf::of(value.text(tag)?),
            2 => condition.status = text(tag, value)?,
            5 => condition.reason = optional_text(tag, value)?,
            6 => condition.message = optional_text(tag, value)?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(condition)
}

/// `core/v1.ContainerStatus`: name 1, state 2, lastState 3, ready 4, restartCount 5, image 6,
/// started 9.
fn container_status(bytes: &[u8]) -> Result<SlimContainerStatus, ProtobufError> {
    let mut status = SlimContainerStatus::default();
    for_each_field(bytes, |tag, value| {
        match tag {
            1 => status.name = text(tag, value)?,
            2 => status.state = Some(container_state(value.bytes(tag)?)?),
            3 => status.last_state = Some(container_state(value.bytes(tag)?)?),
            4 => status.ready = flag(tag, value)?,
            5 => status.restart_count = int32(tag, value)?,
            6 => status.image = text(tag, value)?,
            9 => status.started = Some(flag(tag, value)?),
            _ => {}
        }
        Ok(())
    })?;
    Ok(status)
}

/// `core/v1.ContainerState`: waiting 1 (reason 1, message 2), running 2 (startedAt 1),
/// terminated 3.
fn container_state(bytes: &[u8]) -> Result<ContainerState, ProtobufError> {
    let mut state = ContainerState::default();
    for_each_field(bytes, |tag, value| {
        match tag {
            1 => {
                let mut waiting = ContainerStateWaiting::default();
                for_each_field(value.bytes(tag)?, |tag, value| {
                    match tag {
                        1 => waiting.reason = optional_text(tag, value)?,
                        2 => waiting.message = optional_text(tag, value)?,
                        _ => {}
                    }
                    Ok(())
                })?;
                state.waiting = Some(waiting);
            }
            2 => {
                let mut running = ContainerStateRunning::default();
                for_each_field(value.bytes(tag)?, |tag, value| {
                    if tag == 1 {
                        running.started_at = time(tag, value)?;
                    }
                    Ok(())
                })?;
                state.running = Some(running);
            }
            3 => state.terminated = Some(terminated(value.bytes(tag)?)?),
            _ => {}
        }
        Ok(())
    })?;
    Ok(state)
}

/// `core/v1.ContainerStateTerminated`: exitCode 1, signal 2, reason 3, message 4, startedAt 5,
/// finishedAt 6, containerID 7.
fn terminated(bytes: &[u8]) -> Result<ContainerStateTerminated, ProtobufError> {
    let mut terminated = ContainerStateTerminated::default();
    for_each_field(bytes, |tag, value| {
        match tag {
            1 => terminated.exit_code = int32(tag, value)?,
            2 => terminated.signal = Some(int32(tag, value)?).filter(|s| *s != 0),
            3 => terminated.reason = optional_text(tag, value)?,
            4 => terminated.message = optional_text(tag, value)?,
            5 => terminated.started_at = time(tag, value)?,
            6 => terminated.finished_at = time(tag, value)?,
            7 => terminated.container_id = optional_text(tag, value)?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(terminated)
}
