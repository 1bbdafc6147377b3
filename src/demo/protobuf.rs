//! Pods in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`), which real
//! API servers send clients that ask for it first, as client-go does for built-in kinds.
//!
//! The demo stores objects as JSON, so a pod is transcoded from its JSON text as it is parsed
//! (no `serde_json::Value` between), with the field numbers of Kubernetes' `generated.proto`
//! files written out below for the fields a pod of this fleet can have. Written by hand because no crate maps Kubernetes JSON to
//! protobuf: k8s-openapi has no protobuf types, and the crates with prost types for Kubernetes
//! have no JSON side. A pod with any field the tables do not name is not transcoded: a list
//! holding one is sent as JSON, which the client accepted too; nothing is dropped.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use bytes::Bytes;
use prost::encoding::{WireType, encode_key, encode_varint};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
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

/// A pod's `Pod` message (without the envelope: a list carries its items bare), transcoded
/// straight from the pod's JSON text, or the first field the tables cannot encode.
pub fn pod(json: &[u8]) -> Result<Bytes, Unencodable> {
    let mut out = Vec::with_capacity(json.len() / 2);
    let failed = RefCell::new(Vec::new());
    let seed = MessageSeed {
        fields: POD,
        // apiVersion and kind are the envelope's, not the message's.
        skip: &["apiVersion", "kind"],
        out: &mut out,
        failed: &failed,
    };
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    seed.deserialize(&mut deserializer)
        .and_then(|()| deserializer.end())
        .map_err(|error| {
            let mut path = failed.take();
            if path.is_empty() {
                return Unencodable(format!("(not JSON: {error})"));
            }
            path.reverse();
            path.retain(|name| !name.is_empty());
            Unencodable(path.join("."))
        })?;
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

/// The path of the field that could not be encoded, innermost name first, filled as the
/// error unwinds (so that the happy path builds no paths).
type FailedPath = RefCell<Vec<String>>;

/// Fails the transcoding at `name` (a field, or a map key) of the message being read.
fn unencodable<E: de::Error>(failed: &FailedPath, name: &str) -> E {
    failed.borrow_mut().push(name.to_string());
    E::custom("field without a protobuf encoding")
}

/// Adds `name` to the path of an error coming out of one of its values.
fn within<T, E>(failed: &FailedPath, name: &str, result: Result<T, E>) -> Result<T, E> {
    if result.is_err() && !failed.borrow().is_empty() {
        failed.borrow_mut().push(name.to_string());
    }
    result
}

/// Reads a JSON object as the message `fields` describe, writing its fields to `out` in the
/// order they come (protobuf does not mind the order); `skip` names keys that belong elsewhere.
struct MessageSeed<'a> {
    fields: &'static [Field],
    skip: &'static [&'static str],
    out: &'a mut Vec<u8>,
    failed: &'a FailedPath,
}

impl<'de> DeserializeSeed<'de> for MessageSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MessageSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if self.skip.contains(&key.as_ref()) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let Some(field) = self.fields.iter().find(|f| f.name == key) else {
                return Err(unencodable(self.failed, &key));
            };
            let seed = ValueSeed {
                field,
                repeated: field.repeated,
                out: &mut *self.out,
                failed: self.failed,
            };
            within(self.failed, field.name, map.next_value_seed(seed))?;
        }
        Ok(())
    }
}

/// Reads one field's JSON value (`null` writes nothing; a repeated field's array writes each
/// element as one occurrence of the field).
struct ValueSeed<'a> {
    field: &'static Field,
    repeated: bool,
    out: &'a mut Vec<u8>,
    failed: &'a FailedPath,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl ValueSeed<'_> {
    /// Fails the transcoding here: the enclosing messages add their field names to the path.
    fn wrong<E: de::Error>(&self) -> E {
        self.failed.borrow_mut().push(String::new());
        E::custom("value of the wrong type")
    }

    /// Writes a varint field, when the field is one.
    fn varint<E: de::Error>(self, value: u64) -> Result<(), E> {
        encode_key(self.field.tag, WireType::Varint, self.out);
        encode_varint(value, self.out);
        Ok(())
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "the value of {}", self.field.name)
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    /// Whatever the value is, the visitor sees it, so that a value of the wrong type fails
    /// with its path (not with the parser's own message).
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if !self.repeated {
            return Err(self.wrong());
        }
        while seq
            .next_element_seed(ValueSeed {
                field: self.field,
                repeated: false,
                out: &mut *self.out,
                failed: self.failed,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<(), E> {
        if self.repeated {
            return Err(self.wrong());
        }
        match self.field.wire {
            Text => {
                length_delimited(self.field.tag, text.as_bytes(), self.out);
                Ok(())
            }
            Time => {
                let time: jiff::Timestamp = text.parse().map_err(|_| self.wrong::<E>())?;
                let mut inner = Vec::with_capacity(12);
                if time.as_second() != 0 {
                    encode_key(1, WireType::Varint, &mut inner);
                    encode_varint(time.as_second() as u64, &mut inner);
                }
                if time.subsec_nanosecond() != 0 {
                    encode_key(2, WireType::Varint, &mut inner);
                    encode_varint(i64::from(time.subsec_nanosecond()) as u64, &mut inner);
                }
                length_delimited(self.field.tag, &inner, self.out);
                Ok(())
            }
            _ => Err(self.wrong()),
        }
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<(), E> {
        if self.repeated {
            return Err(self.wrong());
        }
        match self.field.wire {
            // Negative int32 and int64 are both written as their 64-bit two's complement.
            Integer => self.varint(value as u64),
            _ => Err(self.wrong()),
        }
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<(), E> {
        if self.repeated {
            return Err(self.wrong());
        }
        match self.field.wire {
            Integer => self.varint(value),
            _ => Err(self.wrong()),
        }
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(self.wrong())
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<(), E> {
        if self.repeated {
            return Err(self.wrong());
        }
        match self.field.wire {
            Flag => self.varint(u64::from(value)),
            _ => Err(self.wrong()),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if self.repeated {
            return Err(self.wrong());
        }
        match self.field.wire {
            Message(fields) => {
                let mut inner = Vec::new();
                MessageSeed {
                    fields,
                    skip: &[],
                    out: &mut inner,
                    failed: self.failed,
                }
                .visit_map(map)?;
                length_delimited(self.field.tag, &inner, self.out);
                Ok(())
            }
            TextMap | QuantityMap => {
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    let text = match map.next_value::<Value>()? {
                        Value::String(text) => text,
                        // A quantity may be written as a bare number; the server keeps its text.
                        Value::Number(number) if matches!(self.field.wire, QuantityMap) => {
                            number.to_string()
                        }
                        _ => return Err(unencodable(self.failed, &key)),
                    };
                    let mut pair = Vec::with_capacity(key.len() + text.len() + 8);
                    length_delimited(1, key.as_bytes(), &mut pair);
                    if matches!(self.field.wire, QuantityMap) {
                        let mut quantity = Vec::with_capacity(text.len() + 2);
                        length_delimited(1, text.as_bytes(), &mut quantity);
                        length_delimited(2, &quantity, &mut pair);
                    } else {
                        length_delimited(2, text.as_bytes(), &mut pair);
                    }
                    length_delimited(self.field.tag, &pair, self.out);
                }
                Ok(())
            }
            _ => Err(self.wrong()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_small_pod_is_written_byte_for_byte_in_the_order_its_fields_come() {
        let small = r#"{
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "a", "namespace": "n", "labels": {"k": "v"}},
            "spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": 1}}}],
                     "priority": -1},
            "status": {"conditions": [{"type": "Ready", "lastProbeTime": null,
                       "lastTransitionTime": "1970-01-01T00:00:01.5Z"}]}
        }"#;
        let bytes = pod(small.as_bytes()).unwrap();
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
        let of = |value: serde_json::Value| pod(&serde_json::to_vec(&value).unwrap());
        let with_volumes = json!({"metadata": {"name": "a"},
            "spec": {"containers": [{"name": "c", "volumeMounts": []}]}});
        assert_eq!(
            of(with_volumes),
            Err(Unencodable("spec.containers.volumeMounts".into()))
        );
        let wrong_type = json!({"metadata": {"name": 7}});
        assert_eq!(of(wrong_type), Err(Unencodable("metadata.name".into())));
        let bad_time = json!({"metadata": {"creationTimestamp": "yesterday"}});
        assert_eq!(
            of(bad_time),
            Err(Unencodable("metadata.creationTimestamp".into()))
        );
        let bad_label = json!({"metadata": {"labels": {"app": 7}}});
        assert_eq!(
            of(bad_label),
            Err(Unencodable("metadata.labels.app".into()))
        );
        let not_a_list = json!({"status": {"conditions": {"type": "Ready"}}});
        assert_eq!(of(not_a_list), Err(Unencodable("status.conditions".into())));
        assert!(pod(b"{\"metadata\": ").is_err(), "cut JSON is no pod");
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
