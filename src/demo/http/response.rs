//! Responses: JSON bodies, API errors as Status objects, and an object in the representation
//! (or Scale view) the request asked for.

use axum::body::Body;
use bytes::Bytes;
use hyper::{Response, StatusCode, header};
use serde_json::{Value, json};

use super::request::{ApiRequest, Representation, Target};
use crate::demo::resources::ServedKind;
use crate::demo::status::ApiError;
use crate::demo::store::StoredObject;
use crate::demo::table::{self, IncludeObject};

/// A JSON response.
pub(super) fn json_response(code: u16, body: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.into()))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// A 200 response of a body in Kubernetes' protobuf encoding.
pub(super) fn protobuf_response(body: Vec<u8>) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, crate::demo::protobuf::MEDIA_TYPE)
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// A JSON response of `value`.
pub(super) fn value_response(code: u16, value: &Value) -> Response<Body> {
    json_response(code, serde_json::to_vec(value).unwrap_or_default())
}

/// The Status response for an error.
pub(super) fn error_response(error: &ApiError) -> Response<Body> {
    value_response(error.code(), &error.to_status())
}

/// 404 for `name` of the target's resource.
pub(super) fn not_found(target: &Target, name: &str) -> ApiError {
    ApiError::NotFound {
        kind: target.kind,
        name: name.to_string(),
    }
}

/// The autoscaling/v1 Scale view of a scalable object.
pub(super) fn scale_of(object: &Value) -> Value {
    let selector = object["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let metadata = &object["metadata"];
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {"name": metadata["name"], "namespace": metadata["namespace"], "uid": metadata["uid"],
            "resourceVersion": metadata["resourceVersion"], "creationTimestamp": metadata["creationTimestamp"]},
        "spec": {"replicas": object["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {"replicas": object["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector},
    })
}

/// One object in the requested representation (its Scale view for the scale subresource).
pub(super) fn object_response(
    request: &ApiRequest,
    target: &Target,
    stored: &StoredObject,
    code: u16,
) -> Response<Body> {
    if target.subresource.as_deref() == Some("scale") {
        return value_response(code, &scale_of(&stored.to_value()));
    }
    match request.representation {
        Representation::Plain => json_response(code, target.kind.present(&stored.json)),
        Representation::Table(api_version) => {
            let metadata = json!({"resourceVersion": stored.resource_version.to_string()});
            let include = IncludeObject::parse(request.query.get("includeObject"));
            value_response(
                code,
                &table::table(
                    target.kind,
                    api_version,
                    &[stored.to_value()],
                    include,
                    metadata,
                ),
            )
        }
        Representation::Metadata => {
            value_response(code, &table::partial_metadata(&stored.to_value()))
        }
    }
}

/// 422 for `field` of `name`.
pub(super) fn invalid(
    kind: ServedKind,
    name: &str,
    field: &str,
    message: impl Into<String>,
) -> ApiError {
    ApiError::Invalid {
        kind,
        name: name.to_string(),
        field: field.to_string(),
        message: message.into(),
    }
}
