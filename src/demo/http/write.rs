//! The write handlers: create, update, patch and delete, with the API server's rules for
//! immutable metadata, subresources, generations, preconditions and graceful pod deletion.

use std::sync::Arc;

use axum::body::Body;
use hyper::Response;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::request::{ApiRequest, Target, namespace_of, parse_body};
use super::response::{invalid, not_found, object_response, scale_of};
use crate::demo::Zone;
use crate::demo::event;
use crate::demo::factory::{self, Rng, timestamp};
use crate::demo::patch::{self, PatchError, PatchKind};
use crate::demo::resources::ServedKind;
use crate::demo::status::ApiError;
use crate::demo::store::{StoreError, StoredObject};

/// How often a write retries after losing an optimistic-concurrency race.
const WRITE_RETRIES: usize = 8;

/// Validate and normalise an object as the API server would before storing it.
fn validate(kind: ServedKind, name: &str, object: Value) -> Result<Value, ApiError> {
    if matches!(
        kind,
        ServedKind::Deployment | ServedKind::ReplicaSet | ServedKind::StatefulSet
    ) && let Some(replicas) = object["spec"]["replicas"].as_i64()
        && replicas < 0
    {
        return Err(invalid(
            kind,
            name,
            "spec.replicas",
            format!("Invalid value: {replicas}: must be greater than or equal to 0"),
        ));
    }
    kind.normalise(object)
        .map_err(|(field, message)| invalid(kind, name, &field, message))
}

/// Whether objects of `kind` carry a `metadata.generation` bumped on spec changes.
fn has_generation(kind: ServedKind) -> bool {
    matches!(
        kind,
        ServedKind::Deployment
            | ServedKind::ReplicaSet
            | ServedKind::StatefulSet
            | ServedKind::DaemonSet
            | ServedKind::Job
    )
}

/// Read-modify-write of an existing object through `change`, with the API server's rules:
/// immutable metadata kept, status/spec split by subresource, generation bumped on spec
/// changes, resourceVersion preconditions honoured (409), invalid results refused (422).
fn write_existing(
    zone: &Zone,
    target: &Target,
    name: &str,
    change: &dyn Fn(&Value) -> Result<Value, ApiError>,
) -> Result<Arc<StoredObject>, ApiError> {
    let kind = target.kind;
    let namespace = namespace_of(target);
    for _ in 0..WRITE_RETRIES {
        let current_stored = zone
            .store
            .get(kind.storage(), namespace, name)
            .ok_or_else(|| not_found(target, name))?;
        let current = kind.present_value(current_stored.to_value());
        let mut updated = change(&current)?;
        if !updated.is_object() {
            return Err(invalid(
                kind,
                name,
                "",
                "Invalid value: the result is not an object",
            ));
        }
        let current_rv = current_stored.resource_version.to_string();
        match updated["metadata"]["resourceVersion"].as_str() {
            Some(rv) if rv != current_rv => {
                return Err(ApiError::Conflict {
                    kind,
                    name: name.to_string(),
                });
            }
            _ => {}
        }
        let pinned = !updated["metadata"]["resourceVersion"].is_null();
        if updated["metadata"]["name"]
            .as_str()
            .is_some_and(|n| n != name)
        {
            return Err(ApiError::BadRequest(format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                updated["metadata"]["name"].as_str().unwrap_or_default()
            )));
        }
        if kind.info().namespaced
            && updated["metadata"]["namespace"]
                .as_str()
                .is_some_and(|n| n != namespace)
        {
            return Err(ApiError::BadRequest(
                "the namespace of the provided object does not match the namespace sent on the request".into(),
            ));
        }
        for field in ["apiVersion", "kind"] {
            if updated[field]
                .as_str()
                .is_some_and(|v| Some(v) != current[field].as_str())
            {
                return Err(ApiError::BadRequest(format!("{field} cannot be changed")));
            }
            updated[field] = current[field].clone();
        }
        for field in [
            "name",
            "namespace",
            "uid",
            "creationTimestamp",
            "generation",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            match current["metadata"].get(field) {
                Some(value) => updated["metadata"][field] = value.clone(),
                None => {
                    if let Some(metadata) = updated["metadata"].as_object_mut() {
                        metadata.remove(field);
                    }
                }
            }
        }
        updated["metadata"]["resourceVersion"] = json!(current_rv);
        if target.subresource.as_deref() == Some("status") {
            let status = updated["status"].clone();
            updated = current.clone();
            updated["status"] = status;
        } else if current.get("status").is_some() || updated.get("status").is_some() {
            updated["status"] = current["status"].clone();
        }
        let updated = validate(kind, name, updated)?;
        let before = kind
            .normalise(current.clone())
            .unwrap_or_else(|_| current.clone());
        if updated == before {
            return Ok(current_stored);
        }
        let mut updated = updated;
        if has_generation(kind) && updated["spec"] != before["spec"] {
            let generation = current["metadata"]["generation"].as_i64().unwrap_or(1);
            updated["metadata"]["generation"] = json!(generation + 1);
        }
        match zone.store.replace(
            kind.storage(),
            kind.to_storage(updated),
            Some(current_stored.resource_version),
        ) {
            Ok(stored) => return Ok(stored),
            Err(StoreError::Conflict) if !pinned => continue,
            Err(StoreError::Conflict) => {
                return Err(ApiError::Conflict {
                    kind,
                    name: name.to_string(),
                });
            }
            Err(StoreError::NotFound) => return Err(not_found(target, name)),
            Err(StoreError::AlreadyExists) => {
                return Err(ApiError::Internal("unexpected create".into()));
            }
        }
    }
    Err(ApiError::Conflict {
        kind,
        name: name.to_string(),
    })
}

/// The API error for a patch that cannot be decoded or applied.
fn patch_error(error: PatchError, kind: ServedKind, name: &str) -> ApiError {
    match error {
        PatchError::Malformed(message) => ApiError::BadRequest(message),
        PatchError::Unapplicable(message) => invalid(kind, name, "", message),
    }
}

/// PATCH an object or its status/scale subresource.
pub(super) fn patch(
    zone: &Zone,
    request: &ApiRequest,
    target: &Target,
    name: &str,
) -> Result<Response<Body>, ApiError> {
    let patch_kind = PatchKind::from_content_type(&request.content_type)
        .ok_or_else(|| ApiError::UnsupportedMediaType(request.content_type.clone()))?;
    let kind = target.kind;
    let scale = target.subresource.as_deref() == Some("scale");
    let stored = write_existing(zone, target, name, &|current| {
        if scale {
            let patched = patch::apply(patch_kind, &scale_of(current), &request.body)
                .map_err(|error| patch_error(error, kind, name))?;
            let replicas = patched["spec"]["replicas"]
                .as_i64()
                .filter(|r| *r >= 0)
                .ok_or_else(|| {
                    invalid(
                        kind,
                        name,
                        "spec.replicas",
                        "Invalid value: must be a non-negative integer",
                    )
                })?;
            let mut updated = current.clone();
            updated["spec"]["replicas"] = json!(replicas);
            if let Some(rv) = patched["metadata"]["resourceVersion"].as_str() {
                updated["metadata"]["resourceVersion"] = json!(rv);
            }
            return Ok(updated);
        }
        patch::apply(patch_kind, current, &request.body)
            .map_err(|error| patch_error(error, kind, name))
    })?;
    Ok(object_response(request, target, &stored, 200))
}

/// PUT an object or its status/scale subresource.
pub(super) fn update(
    zone: &Zone,
    request: &ApiRequest,
    target: &Target,
    name: &str,
) -> Result<Response<Body>, ApiError> {
    let body = parse_body(request)?;
    let kind = target.kind;
    let scale = target.subresource.as_deref() == Some("scale");
    let stored = write_existing(zone, target, name, &|current| {
        if scale {
            let replicas = body["spec"]["replicas"]
                .as_i64()
                .filter(|r| *r >= 0)
                .ok_or_else(|| {
                    invalid(
                        kind,
                        name,
                        "spec.replicas",
                        "Invalid value: must be a non-negative integer",
                    )
                })?;
            let mut updated = current.clone();
            updated["spec"]["replicas"] = json!(replicas);
            return Ok(updated);
        }
        let mut updated = body.clone();
        if updated["metadata"]["resourceVersion"]
            .as_str()
            .is_none_or(str::is_empty)
            && let Some(metadata) = updated["metadata"].as_object_mut()
        {
            metadata.remove("resourceVersion");
        }
        Ok(updated)
    })?;
    Ok(object_response(request, target, &stored, 200))
}

/// POST a new object into a collection.
pub(super) fn create(
    zone: &Zone,
    request: &ApiRequest,
    target: &Target,
) -> Result<Response<Body>, ApiError> {
    if target.subresource.is_some() {
        return Err(ApiError::MethodNotAllowed);
    }
    let kind = target.kind;
    let mut object = parse_body(request)?;
    let info = kind.info();
    if object["kind"].as_str().is_some_and(|k| k != info.kind) {
        return Err(ApiError::BadRequest(format!(
            "the kind of the object ({}) does not match the URL ({})",
            object["kind"].as_str().unwrap_or_default(),
            info.kind
        )));
    }
    object["kind"] = json!(info.kind);
    object["apiVersion"] = json!(kind.api_version());
    if !object["metadata"].is_object() {
        object["metadata"] = json!({});
    }
    let mut rng = Rng::from_text(&format!(
        "{}{}",
        zone.context,
        zone.store.resource_version()
    ));
    let name = match (
        object["metadata"]["name"].as_str(),
        object["metadata"]["generateName"].as_str(),
    ) {
        (Some(name), _) if !name.is_empty() => name.to_string(),
        (_, Some(prefix)) if !prefix.is_empty() => format!("{prefix}{}", rng.name_suffix()),
        _ => {
            return Err(invalid(
                kind,
                "",
                "metadata.name",
                "Required value: name or generateName is required",
            ));
        }
    };
    if info.namespaced {
        let namespace = namespace_of(target).to_string();
        if object["metadata"]["namespace"]
            .as_str()
            .is_some_and(|n| n != namespace)
        {
            return Err(ApiError::BadRequest(
                "the namespace of the provided object does not match the namespace sent on the request".into(),
            ));
        }
        if zone
            .store
            .get(ServedKind::Namespace, "", &namespace)
            .is_none()
        {
            return Err(ApiError::NotFound {
                kind: ServedKind::Namespace,
                name: namespace,
            });
        }
        object["metadata"]["namespace"] = json!(namespace);
    }
    object["metadata"]["name"] = json!(name);
    object["metadata"]["uid"] = json!(rng.uid());
    object["metadata"]["creationTimestamp"] = json!(timestamp(Timestamp::now()));
    if let Some(metadata) = object["metadata"].as_object_mut() {
        for field in [
            "resourceVersion",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "managedFields",
        ] {
            metadata.remove(field);
        }
    }
    if has_generation(kind) {
        object["metadata"]["generation"] = json!(1);
    }
    if kind == ServedKind::Namespace {
        object["metadata"]["labels"]["kubernetes.io/metadata.name"] = json!(name);
        object["spec"] = json!({"finalizers": ["kubernetes"]});
        object["status"] = json!({"phase": "Active"});
    }
    let object = validate(kind, &name, object)?;
    if let Err((field, message)) = event::validate_create(kind == ServedKind::EventV1, &object) {
        return Err(invalid(kind, &name, &field, message));
    }
    let stored = zone
        .store
        .create(kind.storage(), kind.to_storage(object))
        .map_err(|_| ApiError::AlreadyExists {
            kind,
            name: name.clone(),
        })?;
    Ok(object_response(request, target, &stored, 201))
}

/// DELETE an object: pods on a node terminate gracefully, everything else goes at once.
pub(super) fn delete(
    zone: &Zone,
    request: &ApiRequest,
    target: &Target,
    name: &str,
) -> Result<Response<Body>, ApiError> {
    let kind = target.kind;
    let namespace = namespace_of(target);
    let options: Value = if request.body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&request.body).map_err(|error| {
            ApiError::BadRequest(format!("error decoding DeleteOptions: {error}"))
        })?
    };
    let grace =
        match request.query.get("gracePeriodSeconds") {
            Some(text) => Some(text.parse::<i64>().map_err(|_| {
                ApiError::BadRequest(format!("invalid gracePeriodSeconds {text:?}"))
            })?),
            None => options["gracePeriodSeconds"].as_i64(),
        };
    for _ in 0..WRITE_RETRIES {
        let current = zone
            .store
            .get(kind.storage(), namespace, name)
            .ok_or_else(|| not_found(target, name))?;
        let value = current.to_value();
        let preconditions = &options["preconditions"];
        if preconditions["uid"]
            .as_str()
            .is_some_and(|uid| Some(uid) != value["metadata"]["uid"].as_str())
            || preconditions["resourceVersion"]
                .as_str()
                .is_some_and(|rv| rv != current.resource_version.to_string())
        {
            return Err(ApiError::Conflict {
                kind,
                name: name.to_string(),
            });
        }
        let grace = grace
            .or_else(|| value["spec"]["terminationGracePeriodSeconds"].as_i64())
            .unwrap_or(30)
            .max(0);
        if kind == ServedKind::Pod && grace > 0 && !value["spec"]["nodeName"].is_null() {
            if factory::is_terminating(&value) {
                return Ok(object_response(request, target, &current, 200));
            }
            let now = Timestamp::now();
            let deadline = now
                .checked_add(SignedDuration::from_secs(grace))
                .unwrap_or(now);
            let mut updated = value;
            updated["metadata"]["deletionTimestamp"] = json!(timestamp(deadline));
            updated["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
            match zone
                .store
                .replace(kind, updated, Some(current.resource_version))
            {
                Ok(stored) => return Ok(object_response(request, target, &stored, 200)),
                Err(StoreError::Conflict) => continue,
                Err(_) => return Err(not_found(target, name)),
            }
        }
        return match zone.store.delete(
            kind.storage(),
            namespace,
            name,
            Some(current.resource_version),
        ) {
            Ok(stored) => Ok(object_response(request, target, &stored, 200)),
            Err(StoreError::Conflict) => continue,
            Err(_) => Err(not_found(target, name)),
        };
    }
    Err(ApiError::Conflict {
        kind,
        name: name.to_string(),
    })
}
