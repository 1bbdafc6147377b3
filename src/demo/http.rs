//! The HTTP side of a zone: accept loop, routing, authentication, discovery, and the
//! list/get/create/update/patch/delete handlers.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use super::Zone;
use super::factory::{Rng, timestamp};
use super::patch::{self, PatchError, PatchKind};
use super::resources::{self, ServedKind};
use super::selector::{FieldSelector, LabelSelector};
use super::status::ApiError;
use super::store::{StoreError, StoredObject};
use super::table::{self, IncludeObject};
use super::watch::{self, WatchRequest};

/// Largest request body accepted.
const MAX_BODY: usize = 8 * 1024 * 1024;
/// How often a write retries after losing an optimistic-concurrency race.
const WRITE_RETRIES: usize = 8;

/// Serve a zone on `listener` until `shutdown` fires; then close the listener and every open
/// connection (watches included) before returning.
pub async fn serve(listener: TcpListener, zone: Arc<Zone>, mut shutdown: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, zone.clone()));
                }
                Err(error) => {
                    tracing::warn!(zone = %zone.context, %error, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

async fn serve_connection(stream: TcpStream, zone: Arc<Zone>) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let zone = zone.clone();
        async move { Ok::<_, Infallible>(handle(zone, request).await) }
    });
    if let Err(error) = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::debug!(%error, "connection ended with an error");
    }
}

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

/// Decoded query parameters.
pub struct Query(HashMap<String, String>);

impl Query {
    fn parse(query: &str) -> Query {
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

/// A JSON response.
pub fn json_response(code: u16, body: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.into()))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn value_response(code: u16, value: &Value) -> Response<Body> {
    json_response(code, serde_json::to_vec(value).unwrap_or_default())
}

/// The Status response for an error.
pub fn error_response(error: &ApiError) -> Response<Body> {
    value_response(error.code(), &error.to_status())
}

/// Handle one request against a zone.
pub async fn handle(zone: Arc<Zone>, request: Request<Incoming>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().trim_end_matches('/').to_string();
    let query = Query::parse(parts.uri.query().unwrap_or_default());
    let header_text = |name: header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    match path.as_str() {
        "/version" if parts.method == Method::GET => return value_response(200, &zone.version),
        "/healthz" | "/livez" | "/readyz" => {
            return Response::builder()
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .body(Body::from("ok"))
                .unwrap_or_else(|_| Response::new(Body::empty()));
        }
        _ => {}
    }
    if !authorized(
        &zone,
        &header_text(header::AUTHORIZATION),
        &header_text(header::USER_AGENT),
    ) {
        return error_response(&ApiError::Unauthorized);
    }
    let body = match axum::body::to_bytes(Body::new(body), MAX_BODY).await {
        Ok(body) => body,
        Err(error) => {
            return error_response(&ApiError::BadRequest(format!(
                "unable to read request body: {error}"
            )));
        }
    };
    let request = ApiRequest {
        method: parts.method.clone(),
        path,
        query,
        representation: Representation::negotiate(&header_text(header::ACCEPT)),
        content_type: header_text(header::CONTENT_TYPE),
        body,
    };
    match route(&zone, &request) {
        Ok(response) => response,
        Err(error) => error_response(&error),
    }
}

/// Whether a request may proceed: it must carry `Authorization: Bearer <zone token>`.
///
/// One narrow exception: client-go (kubectl) never sends credentials over plain HTTP (it reads
/// a kubeconfig user only for TLS servers), so a request *without* an Authorization header
/// whose User-Agent is kubectl's is let through. A wrong token is refused for every client.
fn authorized(zone: &Zone, authorization: &str, user_agent: &str) -> bool {
    if authorization.is_empty() {
        return user_agent.starts_with("kubectl/");
    }
    authorization.strip_prefix("Bearer ").map(str::trim) == Some(zone.token.as_str())
}

/// One parsed request.
struct ApiRequest {
    method: Method,
    path: String,
    query: Query,
    representation: Representation,
    content_type: String,
    body: Bytes,
}

/// A request for a resource collection or object.
struct Target {
    kind: ServedKind,
    namespace: Option<String>,
    name: Option<String>,
    subresource: Option<String>,
}

fn route(zone: &Arc<Zone>, request: &ApiRequest) -> Result<Response<Body>, ApiError> {
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

fn discovery(request: &ApiRequest, value: Value) -> Result<Response<Body>, ApiError> {
    if request.method != Method::GET {
        return Err(ApiError::MethodNotAllowed);
    }
    Ok(value_response(200, &value))
}

fn api_versions(zone: &Zone) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": format!("127.0.0.1:{}", zone.port)}],
    })
}

fn parse_target(group: &str, version: &str, rest: &[&str]) -> Result<Target, ApiError> {
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
    Ok(Target {
        kind,
        namespace,
        name: rest.get(1).map(|s| s.to_string()),
        subresource,
    })
}

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

fn encode_continue(resource_version: u64, namespace: &str, name: &str) -> String {
    format!("{resource_version}\n{namespace}\n{name}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_continue(token: &str) -> Option<(u64, String, String)> {
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

fn list(zone: &Zone, request: &ApiRequest, target: &Target) -> Result<Response<Body>, ApiError> {
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
        kind,
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
                body.extend_from_slice(&item.json);
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

fn watch(
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

fn not_found(target: &Target, name: &str) -> ApiError {
    ApiError::NotFound {
        kind: target.kind,
        name: name.to_string(),
    }
}

fn namespace_of(target: &Target) -> &str {
    target.namespace.as_deref().unwrap_or_default()
}

/// The autoscaling/v1 Scale view of a scalable object.
fn scale_of(object: &Value) -> Value {
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

fn object_response(
    request: &ApiRequest,
    target: &Target,
    stored: &StoredObject,
    code: u16,
) -> Response<Body> {
    if target.subresource.as_deref() == Some("scale") {
        return value_response(code, &scale_of(&stored.to_value()));
    }
    match request.representation {
        Representation::Plain => json_response(code, stored.json.clone()),
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

fn get(
    zone: &Zone,
    request: &ApiRequest,
    target: &Target,
    name: &str,
) -> Result<Response<Body>, ApiError> {
    let stored = zone
        .store
        .get(target.kind, namespace_of(target), name)
        .ok_or_else(|| not_found(target, name))?;
    Ok(object_response(request, target, &stored, 200))
}

fn parse_body(request: &ApiRequest) -> Result<Value, ApiError> {
    let value: Value = serde_json::from_slice(&request.body)
        .map_err(|error| ApiError::BadRequest(format!("error decoding request body: {error}")))?;
    if !value.is_object() {
        return Err(ApiError::BadRequest(
            "the request body must be a JSON object".into(),
        ));
    }
    Ok(value)
}

fn invalid(kind: ServedKind, name: &str, field: &str, message: impl Into<String>) -> ApiError {
    ApiError::Invalid {
        kind,
        name: name.to_string(),
        field: field.to_string(),
        message: message.into(),
    }
}

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
            .get(kind, namespace, name)
            .ok_or_else(|| not_found(target, name))?;
        let current = current_stored.to_value();
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
        match zone
            .store
            .replace(kind, updated, Some(current_stored.resource_version))
        {
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

fn patch_error(error: PatchError, kind: ServedKind, name: &str) -> ApiError {
    match error {
        PatchError::Malformed(message) => ApiError::BadRequest(message),
        PatchError::Unapplicable(message) => invalid(kind, name, "", message),
    }
}

fn patch(
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

fn update(
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

fn create(zone: &Zone, request: &ApiRequest, target: &Target) -> Result<Response<Body>, ApiError> {
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
    let stored = zone
        .store
        .create(kind, object)
        .map_err(|_| ApiError::AlreadyExists {
            kind,
            name: name.clone(),
        })?;
    Ok(object_response(request, target, &stored, 201))
}

fn delete(
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
            .get(kind, namespace, name)
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
            if super::factory::is_terminating(&value) {
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
        return match zone
            .store
            .delete(kind, namespace, name, Some(current.resource_version))
        {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_are_negotiated_in_order() {
        let kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(
            Representation::negotiate(kubectl),
            Representation::Table("meta.k8s.io/v1")
        );
        assert_eq!(
            Representation::negotiate("application/json"),
            Representation::Plain
        );
        assert_eq!(Representation::negotiate(""), Representation::Plain);
        let aggregated =
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
        assert_eq!(Representation::negotiate(aggregated), Representation::Plain);
        assert_eq!(
            Representation::negotiate("application/vnd.kubernetes.protobuf, */*"),
            Representation::Plain
        );
        assert_eq!(
            Representation::negotiate(
                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
            ),
            Representation::Metadata
        );
    }

    #[test]
    fn continue_tokens_round_trip_and_reject_garbage() {
        let token = encode_continue(42, "ge-system", "wiki-1");
        assert_eq!(
            decode_continue(&token),
            Some((42, "ge-system".into(), "wiki-1".into()))
        );
        assert_eq!(decode_continue("zz"), None);
        assert_eq!(decode_continue("abc"), None);
    }

    #[test]
    fn query_values_are_percent_decoded() {
        let query = Query::parse("labelSelector=app%3Dweb%2Ctier+in+%28a%29&watch=true");
        assert_eq!(query.get("labelSelector"), Some("app=web,tier in (a)"));
        assert!(query.flag("watch"));
    }

    #[test]
    fn paths_resolve_to_targets() {
        let target = parse_target(
            "",
            "v1",
            &["namespaces", "ge-system", "pods", "x", "status"],
        )
        .unwrap();
        assert_eq!(target.kind, ServedKind::Pod);
        assert_eq!(target.namespace.as_deref(), Some("ge-system"));
        assert_eq!(target.subresource.as_deref(), Some("status"));
        let namespace = parse_target("", "v1", &["namespaces", "ge-system"]).unwrap();
        assert_eq!(namespace.kind, ServedKind::Namespace);
        assert_eq!(namespace.name.as_deref(), Some("ge-system"));
        assert!(parse_target("", "v1", &["pods", "x"]).is_err());
        assert!(parse_target("", "v1", &["widgets"]).is_err());
        assert!(
            parse_target(
                "apps",
                "v1",
                &["namespaces", "a", "daemonsets", "x", "scale"]
            )
            .is_err()
        );
    }
}
