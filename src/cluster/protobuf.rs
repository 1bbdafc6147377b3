//! The Kubernetes protobuf envelope (`application/vnd.kubernetes.protobuf`): the magic bytes,
//! the `runtime.Unknown` around every object, and the `Status` an API error comes as.
//!
//! Written by hand over prost's wire primitives because prost decodes whole messages into
//! owned structs only: here the envelope's object, and each field of the messages read with
//! [`for_each_field`], is borrowed straight from the body, and only what is kept is copied.

use kube::core::Status;
use prost::Message;
use prost::bytes::Buf;
use prost::encoding::{DecodeContext, WireType, decode_key, decode_varint, skip_field};

/// The four bytes every Kubernetes protobuf body starts with.
pub const MAGIC: &[u8; 4] = b"k8s\0";

/// What a list request accepts when the console can read the kind as protobuf: protobuf first,
/// JSON for a server (or a kind, such as a custom resource) that does not speak it.
pub const PROTOBUF_OR_JSON: &str = "application/vnd.kubernetes.protobuf, application/json";

/// Why a protobuf body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProtobufError {
    /// The body does not start with [`MAGIC`].
    #[error("protobuf body does not start with the Kubernetes magic bytes")]
    NoMagic,
    /// The envelope holds no object.
    #[error("protobuf envelope holds no object")]
    Empty,
    /// The envelope's object is of another kind than expected.
    #[error("protobuf envelope holds a {found:?}, not a {expected}")]
    WrongKind {
        /// The kind expected.
        expected: &'static str,
        /// The kind the envelope names.
        found: String,
    },
    /// The bytes are not valid protobuf, or a field has the wrong type.
    #[error("protobuf does not decode: {0}")]
    Decode(#[from] prost::DecodeError),
    /// A length runs past the end of its message.
    #[error("protobuf field runs past the end of its message")]
    Truncated,
    /// A field has another wire type than its message declares.
    #[error("protobuf field {0} has the wrong wire type")]
    WrongType(u32),
    /// A string field is not UTF-8.
    #[error("protobuf string field {0} is not UTF-8")]
    NotUtf8(u32),
}

/// The object inside a protobuf body, checked to be of kind `expected` when the envelope names
/// a kind.
pub fn object_of<'a>(body: &'a [u8], expected: &'static str) -> Result<&'a [u8], ProtobufError> {
    let envelope = body.strip_prefix(MAGIC).ok_or(ProtobufError::NoMagic)?;
    let (mut kind, mut raw) = (None, None);
    for_each_field(envelope, |tag, value| {
        match tag {
            1 => kind = Some(TypeMeta::decode(value.bytes(tag)?)?.kind),
            2 => raw = Some(value.bytes(tag)?),
            _ => {}
        }
        Ok(())
    })?;
    if let Some(found) = kind.filter(|k| !k.is_empty() && k != expected) {
        return Err(ProtobufError::WrongKind { expected, found });
    }
    raw.ok_or(ProtobufError::Empty)
}

/// A field's value as it is on the wire: a varint, or the bytes of a length-delimited field (a
/// string, a message, a map entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// An integer, bool or enum.
    Varint(u64),
    /// A string, bytes, a nested message or a map entry.
    Bytes(&'a [u8]),
}

impl<'a> FieldValue<'a> {
    /// The bytes of a length-delimited field; any other is of the wrong type for `tag`.
    pub fn bytes(self, tag: u32) -> Result<&'a [u8], ProtobufError> {
        match self {
            FieldValue::Bytes(bytes) => Ok(bytes),
            FieldValue::Varint(_) => Err(ProtobufError::WrongType(tag)),
        }
    }

    /// The value of a varint field; any other is of the wrong type for `tag`.
    pub fn varint(self, tag: u32) -> Result<u64, ProtobufError> {
        match self {
            FieldValue::Varint(value) => Ok(value),
            FieldValue::Bytes(_) => Err(ProtobufError::WrongType(tag)),
        }
    }

    /// A string field's text, borrowed from the message.
    pub fn text(self, tag: u32) -> Result<&'a str, ProtobufError> {
        std::str::from_utf8(self.bytes(tag)?).map_err(|_| ProtobufError::NotUtf8(tag))
    }
}

/// Calls `each` with the tag and value of every varint and length-delimited field of a message,
/// in the order they come, and skips fixed-width ones (which the messages read here do not use).
pub fn for_each_field<'a>(
    mut buf: &'a [u8],
    mut each: impl FnMut(u32, FieldValue<'a>) -> Result<(), ProtobufError>,
) -> Result<(), ProtobufError> {
    while buf.has_remaining() {
        let (tag, wire_type) = decode_key(&mut buf)?;
        match wire_type {
            WireType::LengthDelimited => {
                let len = usize::try_from(decode_varint(&mut buf)?)
                    .map_err(|_| ProtobufError::Truncated)?;
                let (field, rest) = buf.split_at_checked(len).ok_or(ProtobufError::Truncated)?;
                buf = rest;
                each(tag, FieldValue::Bytes(field))?;
            }
            WireType::Varint => {
                let value = decode_varint(&mut buf)?;
                each(tag, FieldValue::Varint(value))?;
            }
            _ => skip_field(wire_type, tag, &mut buf, DecodeContext::default())?,
        }
    }
    Ok(())
}

/// An API error's `Status` sent as protobuf (a server answers in the format asked for), as kube
/// would have decoded it from JSON.
pub fn status(body: &[u8]) -> Result<Status, ProtobufError> {
    let wire = WireStatus::decode(object_of(body, "Status")?)?;
    let mut status = Status::failure(&wire.message, &wire.reason)
        .with_code(u16::try_from(wire.code).unwrap_or_default());
    if wire.status == "Success" {
        status.status = Some(kube::core::response::StatusSummary::Success);
    }
    Ok(status)
}

/// `runtime.TypeMeta`, of which the kind is read.
#[derive(Clone, PartialEq, Message)]
struct TypeMeta {
    #[prost(string, tag = "2")]
    kind: String,
}

/// `meta/v1.Status` without its details and list metadata.
#[derive(Clone, PartialEq, Message)]
struct WireStatus {
    #[prost(string, tag = "2")]
    status: String,
    #[prost(string, tag = "3")]
    message: String,
    #[prost(string, tag = "4")]
    reason: String,
    #[prost(int32, tag = "6")]
    code: i32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::encoding::{encode_key, encode_varint};

    fn field(tag: u32, bytes: &[u8], out: &mut Vec<u8>) {
        encode_key(tag, WireType::LengthDelimited, out);
        encode_varint(bytes.len() as u64, out);
        out.extend_from_slice(bytes);
    }

    fn envelope(kind: &str, object: &[u8]) -> Vec<u8> {
        let mut type_meta = Vec::new();
        field(1, b"v1", &mut type_meta);
        field(2, kind.as_bytes(), &mut type_meta);
        let mut body = MAGIC.to_vec();
        field(1, &type_meta, &mut body);
        field(2, object, &mut body);
        body
    }

    #[test]
    fn the_object_is_found_after_the_magic_and_its_kind_checked() {
        let body = envelope("PodList", b"\x0a\x00");
        assert_eq!(object_of(&body, "PodList").unwrap(), b"\x0a\x00");
        assert!(matches!(
            object_of(&body, "Status"),
            Err(ProtobufError::WrongKind { found, .. }) if found == "PodList"
        ));
        assert!(matches!(
            object_of(b"{\"kind\":\"PodList\"}", "PodList"),
            Err(ProtobufError::NoMagic)
        ));
        assert!(matches!(
            object_of(MAGIC, "PodList"),
            Err(ProtobufError::Empty)
        ));
    }

    #[test]
    fn a_length_past_the_end_is_an_error_not_a_panic() {
        let mut body = MAGIC.to_vec();
        encode_key(2, WireType::LengthDelimited, &mut body);
        encode_varint(1_000, &mut body);
        body.extend_from_slice(b"short");
        assert!(matches!(
            object_of(&body, "PodList"),
            Err(ProtobufError::Truncated)
        ));
        let mut huge = MAGIC.to_vec();
        encode_key(2, WireType::LengthDelimited, &mut huge);
        encode_varint(u64::MAX, &mut huge);
        assert!(object_of(&huge, "PodList").is_err());
    }

    #[test]
    fn fields_come_in_order_and_fixed_width_ones_are_skipped() {
        let mut message = Vec::new();
        encode_key(7, WireType::Varint, &mut message);
        encode_varint(300, &mut message);
        encode_key(9, WireType::SixtyFourBit, &mut message);
        message.extend_from_slice(&[0xff; 8]);
        field(3, b"kept", &mut message);
        let mut seen = Vec::new();
        for_each_field(&message, |tag, value| {
            seen.push((tag, value));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![
                (7, FieldValue::Varint(300)),
                (3, FieldValue::Bytes(b"kept"))
            ]
        );
        assert!(matches!(
            seen[0].1.bytes(7),
            Err(ProtobufError::WrongType(7))
        ));
        assert!(matches!(
            FieldValue::Bytes(b"\xff").text(3),
            Err(ProtobufError::NotUtf8(3))
        ));
    }

    #[test]
    fn a_protobuf_status_reads_as_kube_reads_a_json_one() {
        let wire = WireStatus {
            status: "Failure".into(),
            message: "pods is forbidden: User \"dev\" cannot list resource \"pods\"".into(),
            reason: "Forbidden".into(),
            code: 403,
        };
        let status = status(&envelope("Status", &wire.encode_to_vec())).unwrap();
        assert_eq!(status.code, 403);
        assert_eq!(status.reason, "Forbidden");
        assert!(status.message.starts_with("pods is forbidden"));
        assert!(status.is_failure());
    }
}
