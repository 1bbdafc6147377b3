//! Routing: discovery documents, and the mapping from a path and method to a handler.

use std::sync::Arc;

use axum::body::Body;
use hyper::{Method, Response};
use serde_json::{Value, json};

use super::read::{get, list, watch};
use super::request::{ApiRequest, Target};
use super::response::value_response;
use super::write::{create, delete, patch, update};
use crate::demo::Zone;
use crate::demo::resources::{self, ServedKind};
use crate::demo::status::ApiError;

/// Answer a discovery request, or hand a resource request to its handler.
pub(super) fn route(zone: &Arc<Zone>, request: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let segments: Vec<&str> = request.path.split('/').filter(|s| !s.is_empty()).collect();
    let (group, version, rest) = match segments.as_slice() {
        ["api"] => return discovery(request, api_versions(zone)),
        ["apis"] => return discovery(request, resources::api_group_list()),
        ["apis", group] if resources::is_served_group(group) => {
            return discovery(request, resources::api_group(group));
        }
        ["api", "v1", rest @ ..] => ("", "v1", rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return Err(ApiError::NoRoute),
    };
    if rest.is_empty() {
        let list = resources::api_resource_list(group, version).ok_or(ApiError::NoRoute)?;
        return discovery(request, list);
    }
    let target = parse_target(group, version, rest)?;
    match (&request.method, &target.name) {
        (&Method::GET, None) if request.query.flag("watch") => watch(zone, request, &target),
        (&Method::GET, None) => list(zone, request, &target),
        (&Method::POST, None) => create(zone, request, &target),
        (&Method::GET, Some(name)) => get(zone, request, &target, name),
        (&Method::PATCH, Some(name)) => patch(zone, request, &target, name),
        (&Method::PUT, Some(name)) => update(zone, request, &target, name),
        (&Method::DELETE, Some(name)) if target.subresource.is_none() => {
            delete(zone, request, &target, name)
        }
        _ => Err(ApiError::MethodNotAllowed),
    }
}

/// A discovery document; only GET is allowed.
fn discovery(request: &ApiRequest, value: Value) -> Result<Response<Body>, ApiError> {
    if request.method != Method::GET {
        return Err(ApiError::MethodNotAllowed);
    }
    Ok(value_response(200, &value))
}

/// The `/api` document.
fn api_versions(zone: &Zone) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": format!("127.0.0.1:{}", zone.port)}],
    })
}

/// The resource, namespace, name and subresource a path (after `group/version`) names.
pub(super) fn parse_target(group: &str, version: &str, rest: &[&str]) -> Result<Target, ApiError> {
    let namespaced = rest.len() >= 3
        && rest[0] == "namespaces"
        && ServedKind::lookup(group, version, rest[2]).is_some_and(|kind| kind.info().namespaced);
    let (namespace, rest) = if namespaced {
        (Some(rest[1].to_string()), &rest[2..])
    } else {
        (None, rest)
    };
    let plural = rest.first().ok_or(ApiError::NoRoute)?;
    let kind = ServedKind::lookup(group, version, plural).ok_or(ApiError::NoRoute)?;
    if rest.len() > 3 || (kind.info().namespaced && namespace.is_none() && rest.len() > 1) {
        return Err(ApiError::NoRoute);
    }
    let subresource = rest.get(2).map(|s| s.to_string());
    if let Some(sub) = &subresource
        && !(sub == "status" || (sub == "scale" && kind.info().has_scale))
    {
        return Err(ApiError::NoRoute);
    }
    if subresource.as_deref() == Some("status") && !kind.has_status() {
        return Err(ApiError::NoRoute);
    }
    Ok(Target {
        kind,
        namespace,
        name: rest.get(1).map(|s| s.to_string()),
        subresource,
    })
}
