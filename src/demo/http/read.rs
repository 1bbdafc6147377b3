//! The read handlers: list (with selectors, pages and continue tokens), get and watch, in
//! the representation the client asked for.

use std::sync::Arc;

use axum::body::Body;
use hyper::Response;
use serde_json::{Value, json};

use super::request::{ApiRequest, Representation, Target, namespace_of};
use super::response::{
    json_response, not_found, object_response, protobuf_response, value_response,
};
use crate::demo::Zone;
use crate::demo::protobuf;
use crate::demo::resources::ServedKind;
use crate::demo::selector::{FieldSelector, LabelSelector};
use crate::demo::status::ApiError;
use crate::demo::table::{self, IncludeObject};
use crate::demo::watch::{self, WatchRequest};

/// The request's label and field selectors.
fn selectors(
    request: &ApiRequest,
    kind: ServedKind,
) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let label = LabelSelector::parse(request.query.get("labelSelector").unwrap_or_default())
        .map_err(ApiError::BadRequest)?;
    let field = FieldSelector::parse(request.query.get("fieldSelector").unwrap_or_default(), kind)
        .map_err(ApiError::BadRequest)?;
    Ok((label, field))
}

/// The continue token of a page that ended at `namespace/name`, pinned to a resourceVersion.
pub(super) fn encode_continue(resource_version: u64, namespace: &str, name: &str) -> String {
    format!("{resource_version}\n{namespace}\n{name}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A continue token's resourceVersion, namespace and name; None when it is not one of ours.
pub(super) fn decode_continue(token: &str) -> Option<(u64, String, String)> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| {
            token
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let mut parts = text.splitn(3, '\n');
    let rv = parts.next()?.parse().ok()?;
    Some((rv, parts.next()?.to_string(), parts.next()?.to_string()))
}

/// GET a collection: one page of matching objects.
pub(super) fn list(
    zone: &Zone,
    request: &ApiRequest,
    target: &Target,
) -> Result<Response<Body>, ApiError> {
    let kind = target.kind;
    let (label, field) = selectors(request, kind)?;
    let limit = match request.query.get("limit") {
        None | Some("") | Some("0") => None,
        Some(text) => Some(
            text.parse::<usize>()
                .map_err(|_| ApiError::BadRequest(format!("invalid limit {text:?}")))?,
        ),
    };
    let (start_after, pinned_rv) = match request.query.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => {
            let (rv, namespace, name) = decode_continue(token).ok_or_else(|| {
                ApiError::BadRequest("continue key is not valid: illegal base64 data".into())
            })?;
            (Some((namespace, name)), Some(rv))
        }
        None => (None, None),
    };
    let page = zone.store.list(
        kind.storage(),
        target.namespace.as_deref(),
        start_after.as_ref(),
        limit,
        &|object| label.matches_object(object) && field.matches_object(object),
    );
    let resource_version = pinned_rv.unwrap_or(page.resource_version);
    let mut metadata = json!({"resourceVersion": resource_version.to_string()});
    if page.more
        && let Some(last) = page.items.last()
    {
        metadata["continue"] = json!(encode_continue(
            resource_version,
            &last.namespace,
            &last.name
        ));
    }
    // Pods, when the client takes protobuf first and every pod of the page has its message.
    if request.protobuf
        && request.representation == Representation::Plain
        && kind == ServedKind::Pod
        && let Some(messages) = page
            .items
            .iter()
            .map(|item| item.protobuf.as_deref())
            .collect::<Option<Vec<&[u8]>>>()
    {
        let continue_token = metadata["continue"].as_str();
        return Ok(protobuf_response(protobuf::pod_list(
            &resource_version.to_string(),
            continue_token,
            messages.iter().copied(),
        )));
    }
    match request.representation {
        Representation::Plain => {
            let info = kind.info();
            let head = format!(
                "{{\"kind\":\"{}List\",\"apiVersion\":\"{}\",\"metadata\":{},\"items\":[",
                info.kind,
                kind.api_version(),
                metadata
            );
            let size: usize = page.items.iter().map(|item| item.json.len() + 1).sum();
            let mut body = Vec::with_capacity(head.len() + size + 2);
            body.extend_from_slice(head.as_bytes());
            for (index, item) in page.items.iter().enumerate() {
                if index > 0 {
                    body.push(b',');
                }
                body.extend_from_slice(&kind.present(&item.json));
            }
            body.extend_from_slice(b"]}");
            Ok(json_response(200, body))
        }
        Representation::Table(api_version) => {
            let objects: Vec<Value> = page.items.iter().map(|item| item.to_value()).collect();
            let include = IncludeObject::parse(request.query.get("includeObject"));
            Ok(value_response(
                200,
                &table::table(kind, api_version, &objects, include, metadata),
            ))
        }
        Representation::Metadata => {
            let items: Vec<Value> = page
                .items
                .iter()
                .map(|item| table::partial_metadata(&item.to_value()))
                .collect();
            Ok(value_response(
                200,
                &json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                "metadata": metadata, "items": items}),
            ))
        }
    }
}

/// GET a collection with `watch=true`: a streamed watch.
pub(super) fn watch(
    zone: &Arc<Zone>,
    request: &ApiRequest,
    target: &Target,
) -> Result<Response<Body>, ApiError> {
    let (label, field) = selectors(request, target.kind)?;
    let timeout = match request.query.get("timeoutSeconds") {
        Some(text) => text
            .parse::<u64>()
            .map_err(|_| ApiError::BadRequest(format!("invalid timeoutSeconds {text:?}")))?,
        None => 1800,
    };
    let watch_request = WatchRequest {
        kind: target.kind,
        namespace: target.namespace.clone(),
        label,
        field,
        resource_version: request
            .query
            .get("resourceVersion")
            .filter(|rv| !rv.is_empty())
            .map(str::to_string),
        bookmarks: request.query.flag("allowWatchBookmarks"),
        send_initial_events: request.query.flag("sendInitialEvents"),
        timeout: std::time::Duration::from_secs(timeout),
        representation: request.representation,
        include: IncludeObject::parse(request.query.get("includeObject")),
    };
    watch::start(zone.clone(), watch_request)
}

/// GET one object.
pub(super) fn get(
    zone: &Zone,
    request: &ApiRequest,
    target: &Target,
    name: &str,
) -> Result<Response<Body>, ApiError> {
    let stored = zone
        .store
        .get(target.kind.storage(), namespace_of(target), name)
        .ok_or_else(|| not_found(target, name))?;
    Ok(object_response(request, target, &stored, 200))
}
