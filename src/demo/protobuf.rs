//! Pods in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`), which real
//! API servers send clients that ask for it first, as client-go does for built-in kinds.
//!
//! The demo stores objects as JSON, so a pod is transcoded from its JSON, field by field, with
//! the field numbers of Kubernetes' `generated.proto` files written out below for the fields a
//! pod of this fleet can have. Written by hand because no crate maps Kubernetes JSON to
//! protobuf: k8s-openapi has no protobuf types, and the crates with prost types for Kubernetes
//! have no JSON side. A pod with any field the tables do not name is not transcoded: a list
//! holding one is sent as JSON, which the client accepted too; nothing is dropped.

use std::fmt;

use bytes::Bytes;
use prost::encoding::{WireType, encode_key, encode_varint};
use serde_json::Value;

/// The four bytes every Kubernetes protobuf body starts with.
pub const MAGIC: &[u8; 4] = b"k8s\0";

/// The media type of Kubernetes' protobuf encoding.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// A JSON field the tables do not name (or of a type they do not expect), by its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unencodable(pub String);

impl fmt::Display for Unencodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no protobuf encoding for field {}", self.0)
    }
}

/// How a field's JSON value is written.
#[derive(Clone, Copy)]
enum Wire {
    /// A string.
    Text,
    /// An int32 or int64 (varint).
    Integer,
    /// A bool (varint).
    Flag,
    /// `meta/v1.Time` from an RFC 3339 string: seconds (1) and nanoseconds (2).
    Time,
    /// `map<string, string>`: one entry message (key 1, value 2) per key.
    TextMap,
    /// `map<string, resource.Quantity>`: the value is a message holding the string (1).
    QuantityMap,
    /// A nested message.
    Message(&'static [Field]),
}

/// One field of a message: its JSON name, its field number, its type, and whether it repeats.
struct Field {
    name: &'static str,
    tag: u32,
    wire: Wire,
    repeated: bool,
}

const fn one(name: &'static str, tag: u32, wire: Wire) -> Field {
    Field {
        name,
        tag,
        wire,
        repeated: false,
    }
}

const fn many(name: &'static str, tag: u32, wire: Wire) -> Field {
    Field {
        name,
        tag,
        wire,
        repeated: true,
    }
}

use Wire::{Flag, Integer, Message, QuantityMap, Text, TextMap, Time};

// Field numbers from k8s.io/api/core/v1 and k8s.io/apimachinery/pkg/apis/meta/v1
// `generated.proto`, in field-number order.

const OBJECT_META: &[Field] = &[
    one("name", 1, Text),
    one("generateName", 2, Text),
    one("namespace", 3, Text),
    one("selfLink", 4, Text),
    one("uid", 5, Text),
    one("resourceVersion", 6, Text),
    one("generation", 7, Integer),
    one("creationTimestamp", 8, Time),
    one("deletionTimestamp", 9, Time),
    one("deletionGracePeriodSeconds", 10, Integer),
    one("labels", 11, TextMap),
    one("annotations", 12, TextMap),
    many("ownerReferences", 13, Message(OWNER_REFERENCE)),
    many("finalizers", 14, Text),
];

const OWNER_REFERENCE: &[Field] = &[
    one("kind", 1, Text),
    one("name", 3, Text),
    one("uid", 4, Text),
    one("apiVersion", 5, Text),
    one("controller", 6, Flag),
    one("blockOwnerDeletion", 7, Flag),
];

const POD: &[Field] = &[
    one("metadata", 1, Message(OBJECT_META)),
    one("spec", 2, Message(POD_SPEC)),
    one("status", 3, Message(POD_STATUS)),
];

const POD_SPEC: &[Field] = &[
    many("containers", 2, Message(CONTAINER)),
    one("restartPolicy", 3, Text),
    one("terminationGracePeriodSeconds", 4, Integer),
    one("activeDeadlineSeconds", 5, Integer),
    one("dnsPolicy", 6, Text),
    one("nodeSelector", 7, TextMap),
    one("serviceAccountName", 8, Text),
    one("serviceAccount", 9, Text),
    one("nodeName", 10, Text),
    one("hostNetwork", 11, Flag),
    one("securityContext", 14, Message(POD_SECURITY_CONTEXT)),
    one("hostname", 16, Text),
    one("subdomain", 17, Text),
    one("schedulerName", 19, Text),
    many("initContainers", 20, Message(CONTAINER)),
    one("automountServiceAccountToken", 21, Flag),
    many("tolerations", 22, Message(TOLERATION)),
    one("priorityClassName", 24, Text),
    one("priority", 25, Integer),
    one("enableServiceLinks", 30, Flag),
    one("preemptionPolicy", 31, Text),
];

const POD_SECURITY_CONTEXT: &[Field] = &[
    one("runAsUser", 2, Integer),
    one("runAsNonRoot", 3, Flag),
    one("fsGroup", 5, Integer),
    one("runAsGroup", 6, Integer),
];

const CONTAINER: &[Field] = &[
    one("name", 1, Text),
    one("image", 2, Text),
    many("command", 3, Text),
    many("args", 4, Text),
    one("workingDir", 5, Text),
    many("ports", 6, Message(CONTAINER_PORT)),
    many("env", 7, Message(ENV_VAR)),
    one("resources", 8, Message(RESOURCE_REQUIREMENTS)),
    one("terminationMessagePath", 13, Text),
    one("imagePullPolicy", 14, Text),
    one("terminationMessagePolicy", 20, Text),
    one("restartPolicy", 24, Text),
];

const CONTAINER_PORT: &[Field] = &[
    one("name", 1, Text),
    one("hostPort", 2, Integer),
    one("containerPort", 3, Integer),
    one("protocol", 4, Text),
    one("hostIP", 5, Text),
];

const ENV_VAR: &[Field] = &[one("name", 1, Text), one("value", 2, Text)];

const RESOURCE_REQUIREMENTS: &[Field] = &[
    one("limits", 1, QuantityMap),
    one("requests", 2, QuantityMap),
];

const TOLERATION: &[Field] = &[
    one("key", 1, Text),
    one("operator", 2, Text),
    one("value", 3, Text),
    one("effect", 4, Text),
    one("tolerationSeconds", 5, Integer),
];

const POD_STATUS: &[Field] = &[
    one("phase", 1, Text),
    many("conditions", 2, Message(POD_CONDITION)),
    one("message", 3, Text),
    one("reason", 4, Text),
    one("hostIP", 5, Text),
    one("podIP", 6, Text),
    one("startTime", 7, Time),
    many("containerStatuses", 8, Message(CONTAINER_STATUS)),
    one("qosClass", 9, Text),
    many("initContainerStatuses", 10, Message(CONTAINER_STATUS)),
    one("nominatedNodeName", 11, Text),
    many("podIPs", 12, Message(IP_ADDRESS)),
    many("hostIPs", 16, Message(IP_ADDRESS)),
];

/// `PodIP` and `HostIP`: the address alone.
const IP_ADDRESS: &[Field] = &[one("ip", 1, Text)];

const POD_CONDITION: &[Field] = &[
    one("type", 1, Text),
    one("status", 2, Text),
    one("lastProbeTime", 3, Time),
    one("lastTransitionTime", 4, Time),
    one("reason", 5, Text),
    one("message", 6, Text),
];

const CONTAINER_STATUS: &[Field] = &[
    one("name", 1, Text),
    one("state", 2, Message(CONTAINER_STATE)),
    one("lastState", 3, Message(CONTAINER_STATE)),
    one("ready", 4, Flag),
    one("restartCount", 5, Integer),
    one("image", 6, Text),
    one("imageID", 7, Text),
    one("containerID", 8, Text),
    one("started", 9, Flag),
];

const CONTAINER_STATE: &[Field] = &[
    one("waiting", 1, Message(STATE_WAITING)),
    one("running", 2, Message(STATE_RUNNING)),
    one("terminated", 3, Message(STATE_TERMINATED)),
];

const STATE_WAITING: &[Field] = &[one("reason", 1, Text), one("message", 2, Text)];

const STATE_RUNNING: &[Field] = &[one("startedAt", 1, Time)];

const STATE_TERMINATED: &[Field] = &[
    one("exitCode", 1, Integer),
    one("signal", 2, Integer),
    one("reason", 3, Text),
    one("message", 4, Text),
    one("startedAt", 5, Time),
    one("finishedAt", 6, Time),
    one("containerID", 7, Text),
];

/// A pod's `Pod` message (without the envelope: a list carries its items bare), or the first
/// field the tables cannot encode.
pub fn pod(object: &Value) -> Result<Bytes, Unencodable> {
    let mut out = Vec::with_capacity(1024);
    // apiVersion and kind are the envelope's, not the message's.
    message(POD, object, &["apiVersion", "kind"], "", &mut out)?;
    Ok(Bytes::from(out))
}

/// A `PodList` page in its envelope: magic, `runtime.Unknown` with the list's type, then the
/// list (its resourceVersion and continue token, and the pods' messages).
pub fn pod_list<'a>(
    resource_version: &str,
    continue_token: Option<&str>,
    pods: impl Iterator<Item = &'a [u8]> + Clone,
) -> Vec<u8> {
    let mut list_meta = Vec::new();
    length_delimited(2, resource_version.as_bytes(), &mut list_meta);
    if let Some(token) = continue_token {
        length_delimited(3, token.as_bytes(), &mut list_meta);
    }
    let items: usize = pods
        .clone()
        .map(|pod| 1 + prost::encoding::encoded_len_varint(pod.len() as u64) + pod.len())
        .sum();
    let mut list = Vec::with_capacity(list_meta.len() + 8 + items);
    length_delimited(1, &list_meta, &mut list);
    for pod in pods {
        length_delimited(2, pod, &mut list);
    }
    let mut type_meta = Vec::new();
    length_delimited(1, b"v1", &mut type_meta);
    length_delimited(2, b"PodList", &mut type_meta);
    let mut body = Vec::with_capacity(MAGIC.len() + type_meta.len() + list.len() + 16);
    body.extend_from_slice(MAGIC);
    length_delimited(1, &type_meta, &mut body);
    length_delimited(2, &list, &mut body);
    body
}

/// Writes a length-delimited field: key, length, bytes.
fn length_delimited(tag: u32, bytes: &[u8], out: &mut Vec<u8>) {
    encode_key(tag, WireType::LengthDelimited, out);
    encode_varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// Writes `value`, a JSON object, as the message `fields` describe; `skip` names keys that
/// belong elsewhere.
fn message(
    fields: &[Field],
    value: &Value,
    skip: &[&str],
    path: &str,
    out: &mut Vec<u8>,
) -> Result<(), Unencodable> {
    let object = value
        .as_object()
        .ok_or_else(|| Unencodable(path.to_string()))?;
    if let Some(unknown) = object
        .keys()
        .find(|key| !skip.contains(&key.as_str()) && !fields.iter().any(|f| f.name == *key))
    {
        return Err(Unencodable(format!("{path}{unknown}")));
    }
    for field in fields {
        let Some(value) = object.get(field.name).filter(|v| !v.is_null()) else {
            continue;
        };
        let at = || format!("{path}{}", field.name);
        if field.repeated {
            let list = value.as_array().ok_or_else(|| Unencodable(at()))?;
            for element in list {
                one_value(field, element, &at(), out)?;
            }
        } else {
            one_value(field, value, &at(), out)?;
        }
    }
    Ok(())
}

/// Writes one value of a field (one element, for a repeated field).
fn one_value(field: &Field, value: &Value, at: &str, out: &mut Vec<u8>) -> Result<(), Unencodable> {
    let wrong = || Unencodable(at.to_string());
    match field.wire {
        Text => length_delimited(field.tag, value.as_str().ok_or_else(wrong)?.as_bytes(), out),
        Integer => {
            encode_key(field.tag, WireType::Varint, out);
            // Negative int32 and int64 are both written as their 64-bit two's complement.
            encode_varint(value.as_i64().ok_or_else(wrong)? as u64, out);
        }
        Flag => {
            encode_key(field.tag, WireType::Varint, out);
            encode_varint(u64::from(value.as_bool().ok_or_else(wrong)?), out);
        }
        Time => {
            let time: jiff::Timestamp = value
                .as_str()
                .and_then(|text| text.parse().ok())
                .ok_or_else(wrong)?;
            let mut inner = Vec::with_capacity(12);
            if time.as_second() != 0 {
                encode_key(1, WireType::Varint, &mut inner);
                encode_varint(time.as_second() as u64, &mut inner);
            }
            if time.subsec_nanosecond() != 0 {
                encode_key(2, WireType::Varint, &mut inner);
                encode_varint(i64::from(time.subsec_nanosecond()) as u64, &mut inner);
            }
            length_delimited(field.tag, &inner, out);
        }
        TextMap | QuantityMap => {
            let map = value.as_object().ok_or_else(wrong)?;
            for (key, entry) in map {
                let text = match (field.wire, entry) {
                    (_, Value::String(text)) => text.clone(),
                    // A quantity may be written as a bare number; the server keeps its text.
                    (QuantityMap, Value::Number(number)) => number.to_string(),
                    _ => return Err(Unencodable(format!("{at}.{key}"))),
                };
                let mut pair = Vec::with_capacity(key.len() + text.len() + 8);
                length_delimited(1, key.as_bytes(), &mut pair);
                if matches!(field.wire, QuantityMap) {
                    let mut quantity = Vec::with_capacity(text.len() + 2);
                    length_delimited(1, text.as_bytes(), &mut quantity);
                    length_delimited(2, &quantity, &mut pair);
                } else {
                    length_delimited(2, text.as_bytes(), &mut pair);
                }
                length_delimited(field.tag, &pair, out);
            }
        }
        Message(fields) => {
            let mut inner = Vec::new();
            message(fields, value, &[], &format!("{at}."), &mut inner)?;
            length_delimited(field.tag, &inner, out);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_small_pod_is_written_byte_for_byte_in_field_order() {
        let small = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"namespace": "n", "name": "a", "labels": {"k": "v"}},
            "spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": 1}}}],
                     "priority": -1},
            "status": {"conditions": [{"type": "Ready", "lastProbeTime": null,
                       "lastTransitionTime": "1970-01-01T00:00:01.5Z"}]},
        });
        let bytes = pod(&small).unwrap();
        #[rustfmt::skip]
        let expected: &[u8] = &[
            // metadata (1): name (1) "a", namespace (3) "n", labels (11) {k: v}
            0x0a, 14, 0x0a, 1, b'a', 0x1a, 1, b'n', 0x5a, 6, 0x0a, 1, b'k', 0x12, 1, b'v',
            // spec (2): containers (2) [{name "c", resources (8) {limits (1) {cpu: {"1"}}}}],
            // then priority (25) -1 as a ten-byte varint
            0x12, 31,
            0x12, 17, 0x0a, 1, b'c', 0x42, 12, 0x0a, 10, 0x0a, 3, b'c', b'p', b'u', 0x12, 3, 0x0a, 1, b'1',
            0xc8, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            // status (3): conditions (2) [{type (1) "Ready", lastTransitionTime (4) {1 s, 0.5e9 ns}}]
            0x1a, 19, 0x12, 17, 0x0a, 5, b'R', b'e', b'a', b'd', b'y',
            0x22, 8, 0x08, 0x01, 0x10, 0x80, 0xca, 0xb5, 0xee, 0x01,
        ];
        assert_eq!(bytes.as_ref(), expected);
    }

    #[test]
    fn a_field_the_tables_do_not_name_is_reported_by_its_path() {
        let with_volumes = json!({"metadata": {"name": "a"},
            "spec": {"containers": [{"name": "c", "volumeMounts": []}]}});
        assert_eq!(
            pod(&with_volumes),
            Err(Unencodable("spec.containers.volumeMounts".into()))
        );
        let wrong_type = json!({"metadata": {"name": 7}});
        assert_eq!(pod(&wrong_type), Err(Unencodable("metadata.name".into())));
        let bad_time = json!({"metadata": {"creationTimestamp": "yesterday"}});
        assert_eq!(
            pod(&bad_time),
            Err(Unencodable("metadata.creationTimestamp".into()))
        );
    }

    #[test]
    fn a_page_is_the_envelope_around_the_list() {
        let body = pod_list("42", Some("next"), [&b"\x0a\x00"[..]].into_iter());
        #[rustfmt::skip]
        let expected: &[u8] = &[
            b'k', b'8', b's', 0,
            // typeMeta (1): apiVersion "v1", kind "PodList"
            0x0a, 13, 0x0a, 2, b'v', b'1', 0x12, 7, b'P', b'o', b'd', b'L', b'i', b's', b't',
            // raw (2): metadata (1) {resourceVersion "42", continue "next"}, items (2) [pod]
            0x12, 16, 0x0a, 10, 0x12, 2, b'4', b'2', 0x1a, 4, b'n', b'e', b'x', b't',
            0x12, 2, 0x0a, 0x00,
        ];
        assert_eq!(body, expected);
    }
}
