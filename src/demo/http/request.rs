//! What a request asks for: its representation (Accept header), query parameters, the target
//! resource, and its body.

use std::collections::HashMap;

use bytes::Bytes;
use hyper::Method;
use serde_json::Value;

use crate::demo::resources::ServedKind;
use crate::demo::status::ApiError;

/// How the client wants objects represented (from the Accept header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    /// The objects themselves.
    Plain,
    /// A `meta.k8s.io` Table of the given apiVersion.
    Table(&'static str),
    /// `PartialObjectMetadata(List)`.
    Metadata,
}

impl Representation {
    /// Pick the first media range of an Accept header that the server can produce.
    pub fn negotiate(accept: &str) -> Representation {
        for range in accept.split(',') {
            let parameters: Vec<&str> = range.split(';').map(str::trim).collect();
            let media = parameters.first().copied().unwrap_or_default();
            if !matches!(media, "application/json" | "*/*" | "application/*") {
                continue;
            }
            let parameter = |name: &str| {
                parameters
                    .iter()
                    .skip(1)
                    .find_map(|p| p.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
            };
            match (parameter("as"), parameter("g"), parameter("v")) {
                (None, _, _) => return Representation::Plain,
                (Some("Table"), Some("meta.k8s.io"), Some("v1")) => {
                    return Representation::Table("meta.k8s.io/v1");
                }
                (Some("Table"), Some("meta.k8s.io"), Some("v1beta1")) => {
                    return Representation::Table("meta.k8s.io/v1beta1");
                }
                (
                    Some("PartialObjectMetadata" | "PartialObjectMetadataList"),
                    Some("meta.k8s.io"),
                    _,
                ) => {
                    return Representation::Metadata;
                }
                _ => continue,
            }
        }
        Representation::Plain
    }
}

/// Whether an Accept header names Kubernetes' plain protobuf encoding before any JSON
/// representation the server can produce: client-go's "protobuf, then JSON". Protobuf with
/// `as=` (a Table or metadata) is not served, so such a range is passed over, as the JSON
/// negotiation passes over what it cannot produce.
pub fn prefers_protobuf(accept: &str) -> bool {
    for range in accept.split(',') {
        let mut parameters = range.split(';').map(str::trim);
        let media = parameters.next().unwrap_or_default();
        let has_as = parameters.any(|p| p.starts_with("as="));
        match media {
            crate::demo::protobuf::MEDIA_TYPE if !has_as => return true,
            "application/json" | "*/*" | "application/*" => return false,
            _ => continue,
        }
    }
    false
}

/// Decoded query parameters.
pub struct Query(HashMap<String, String>);

impl Query {
    /// Decode a query string (`a=1&b=x%20y`).
    pub(super) fn parse(query: &str) -> Query {
        let mut map = HashMap::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            map.insert(percent_decode(key), percent_decode(value));
        }
        Query(map)
    }

    /// A parameter's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// A boolean parameter (`1` or `true`).
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("1" | "true" | "True"))
    }
}

/// Decode `%XX` escapes and `+` (as space).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' if index + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        index += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One parsed request.
pub(super) struct ApiRequest {
    /// The HTTP method.
    pub(super) method: Method,
    /// The path, without a trailing slash.
    pub(super) path: String,
    /// The query parameters.
    pub(super) query: Query,
    /// How objects are to be represented in the response.
    pub(super) representation: Representation,
    /// The client takes protobuf before JSON (see [`prefers_protobuf`]).
    pub(super) protobuf: bool,
    /// The Content-Type header.
    pub(super) content_type: String,
    /// The body.
    pub(super) body: Bytes,
}

/// A request for a resource collection or object.
pub(super) struct Target {
    /// The resource.
    pub(super) kind: ServedKind,
    /// The namespace in the path, if any.
    pub(super) namespace: Option<String>,
    /// The object's name; None for a collection.
    pub(super) name: Option<String>,
    /// `status`, `scale`, or a pod's `log`.
    pub(super) subresource: Option<String>,
}

/// The target's namespace, empty for cluster-scoped resources.
pub(super) fn namespace_of(target: &Target) -> &str {
    target.namespace.as_deref().unwrap_or_default()
}

/// The request body as a JSON object.
pub(super) fn parse_body(request: &ApiRequest) -> Result<Value, ApiError> {
    let value: Value = serde_json::from_slice(&request.body)
        .map_err(|error| ApiError::BadRequest(format!("error decoding request body: {error}")))?;
    if !value.is_object() {
        return Err(ApiError::BadRequest(
            "the request body must be a JSON object".into(),
        ));
    }
    Ok(value)
}
