//! A zone's HTTP server: the accept loop, one hyper connection per client, authentication,
//! and turning each hyper request into an [`ApiRequest`] for the router.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, header};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use super::request::{ApiRequest, Query, Representation, prefers_protobuf};
use super::response::{error_response, value_response};
use super::route::route;
use crate::demo::Zone;
use crate::demo::status::ApiError;

/// Largest request body accepted.
const MAX_BODY: usize = 8 * 1024 * 1024;

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

/// Serve one client connection (HTTP/1.1, keep-alive) until it closes.
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

/// Handle one request against a zone.
async fn handle(zone: Arc<Zone>, request: Request<Incoming>) -> Response<Body> {
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
        protobuf: prefers_protobuf(&header_text(header::ACCEPT)),
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
