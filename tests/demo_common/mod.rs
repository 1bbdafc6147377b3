//! Helpers shared by the tests that talk HTTP: a demo fleet with a chosen event TTL or extra
//! pods, kube-rs clients for its contexts, a small server of the test's own, polling with a
//! deadline, raw GETs and watch steps.
#![allow(dead_code)]

use std::time::Duration;

use futures::TryStreamExt;
use futures::stream::BoxStream;
use ge_console::demo::{DemoFleet, DemoOptions};
use kube::api::WatchEvent;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{Instant, sleep, timeout};

/// How long any awaited condition may take.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// A demo fleet (time scale 0.1) whose events live `event_ttl` after their last write.
pub async fn fleet_with_ttl(event_ttl: Duration) -> (DemoFleet, tempfile::TempDir) {
    let state = tempfile::tempdir().unwrap();
    let fleet = DemoFleet::start(DemoOptions {
        state_dir: state.path().to_path_buf(),
        time_scale: 0.1,
        event_ttl,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    (fleet, state)
}

/// A demo fleet (time scale 0.1) with `pods_per_zone` extra pods in `namespace`, `churn_per_sec`
/// of them written a second.
pub async fn fleet_with_load(
    pods_per_zone: usize,
    namespace: &str,
    churn_per_sec: f64,
) -> (DemoFleet, tempfile::TempDir) {
    let state = tempfile::tempdir().unwrap();
    let fleet = DemoFleet::start(DemoOptions {
        pods_per_zone,
        load_namespace: namespace.to_string(),
        churn_per_sec,
        state_dir: state.path().to_path_buf(),
        time_scale: 0.1,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    (fleet, state)
}

/// Serves `app` on a free local port: a client for it.
pub async fn serve(app: axum::Router) -> Client {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Client::try_from(Config::new(format!("http://{addr}").parse().unwrap())).unwrap()
}

/// The names of the objects `api` lists, sorted.
pub async fn sorted_names<K>(api: &kube::Api<K>) -> Vec<String>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut names: Vec<String> = api
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(kube::ResourceExt::name_any)
        .collect();
    names.sort();
    names
}

/// A demo fleet (time scale 0.1) with the real server's event TTL.
pub async fn fleet() -> (DemoFleet, tempfile::TempDir) {
    fleet_with_ttl(ge_console::demo::DEFAULT_EVENT_TTL).await
}

/// A kube-rs client for one of the fleet's contexts.
pub async fn client(fleet: &DemoFleet, context: &str) -> Client {
    let kubeconfig = Kubeconfig::read_from(fleet.kubeconfig_path()).unwrap();
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .unwrap();
    Client::try_from(config).unwrap()
}

/// Poll `check` until it returns Some, failing after DEADLINE.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for: {what}");
        sleep(Duration::from_millis(50)).await;
    }
}

/// A raw GET with the zone's token; returns (status code, body).
pub async fn raw_get(fleet: &DemoFleet, context: &str, path: &str, accept: &str) -> (u16, String) {
    let url = fleet.server_url(context).unwrap();
    let address = url.trim_start_matches("http://").to_string();
    let token = format!("Bearer demo-token-{}", context.trim_start_matches("ge-"));
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nAuthorization: {token}\r\nAccept: {accept}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let code = response
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (code, body)
}

/// A raw GET decoded as JSON (the body of a non-chunked response).
pub async fn raw_json(fleet: &DemoFleet, context: &str, path: &str) -> Value {
    let (code, body) = raw_get(fleet, context, path, "application/json").await;
    assert_eq!(code, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
}

/// The next event of a watch, failing after DEADLINE.
pub async fn next_event<K>(
    watch: &mut BoxStream<'static, kube::Result<WatchEvent<K>>>,
) -> WatchEvent<K> {
    timeout(DEADLINE, watch.try_next())
        .await
        .expect("a watch event in time")
        .unwrap()
        .expect("the watch to go on")
}
