//! Zones behind proxies: the console's cluster layer reaches the demo fleet through a small
//! HTTP CONNECT proxy written here, honours NO_PROXY and a context's `proxy-url`, and shows a
//! zone whose proxy refuses as unreachable, naming the proxy. Everything stays on 127.0.0.1:
//! servers "behind" the proxy have names under `.invalid` that only the proxy resolves (to
//! 127.0.0.1), so no name is ever looked up.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ge_console::cluster::proxy::ProxyEnv;
use ge_console::cluster::{self, LoadedKubeconfig, ZoneClients};
use ge_console::config::{DEFAULT_ZONES_TOML, FleetConfig, parse_zones};
use ge_console::demo::{DemoFleet, DemoOptions};
use ge_console::fleet::{Fleet, FleetEvent, ZoneState};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

const DEADLINE: Duration = Duration::from_secs(30);

/// A proxy on 127.0.0.1 that records each request line (CONNECT or absolute-form) and
/// forwards to the same port on 127.0.0.1, or answers every request with `refuse`.
struct RecordingProxy {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl RecordingProxy {
    async fn start(refuse: Option<u16>) -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let record = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let record = record.clone();
                tokio::spawn(async move {
                    let _ = serve(client, record, refuse).await;
                });
            }
        });
        RecordingProxy {
            url: format!("http://{addr}"),
            seen,
            _task: task,
        }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

async fn serve(
    mut client: TcpStream,
    record: Arc<Mutex<Vec<String>>>,
    refuse: Option<u16>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).await? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let line = text.lines().next().unwrap_or("").to_string();
    record.lock().unwrap().push(line.clone());
    if let Some(code) = refuse {
        let answer = format!("HTTP/1.1 {code} Refused\r\ncontent-length: 0\r\n\r\n");
        return client.write_all(answer.as_bytes()).await;
    }
    let mut words = line.split(' ');
    let method = words.next().unwrap_or("");
    let target = words.next().unwrap_or("");
    let authority = match method {
        "CONNECT" => target,
        _ => target
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or(""),
    };
    let port: u16 = authority
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(80);
    let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", port)).await else {
        return client
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
            .await;
    };
    if method == "CONNECT" {
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
    } else {
        upstream.write_all(&head).await?;
    }
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

/// A SOCKS5 proxy on 127.0.0.1 (no authentication, CONNECT only) that records each target
/// and connects to the same port on 127.0.0.1.
struct Socks5Proxy {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Socks5Proxy {
    async fn start() -> Socks5Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let record = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let record = record.clone();
                tokio::spawn(async move {
                    let _ = serve_socks5(client, record).await;
                });
            }
        });
        Socks5Proxy {
            url: format!("socks5://{addr}"),
            seen,
            _task: task,
        }
    }
}

/// RFC 1928, the parts a CONNECT without authentication uses.
async fn serve_socks5(
    mut client: TcpStream,
    record: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let mut greeting = [0u8; 2];
    client.read_exact(&mut greeting).await?;
    let mut methods = vec![0u8; usize::from(greeting[1])];
    client.read_exact(&mut methods).await?;
    client.write_all(&[5, 0]).await?;
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len).await?;
            let mut name = vec![0u8; usize::from(len[0])];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).to_string()
        }
        _ => return Ok(()),
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port).await?;
    let port = u16::from_be_bytes(port);
    record.lock().unwrap().push(format!("{host}:{port}"));
    let mut upstream = TcpStream::connect(("127.0.0.1", port)).await?;
    client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

/// A port on 127.0.0.1 where nothing listens: bound, then let go.
fn refusing_address() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn default_zones() -> FleetConfig {
    parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("<built-in>")).unwrap()
}

async fn start_demo(state: &tempfile::TempDir) -> DemoFleet {
    DemoFleet::start(DemoOptions {
        state_dir: state.path().to_path_buf(),
        time_scale: 0.1,
        ..DemoOptions::default()
    })
    .await
    .unwrap()
}

/// The demo's kubeconfig with each server renamed from 127.0.0.1 to `<context>.proxied.invalid`,
/// a name only the recording proxy resolves.
fn behind_a_proxy(demo: &DemoFleet) -> LoadedKubeconfig {
    let mut loaded = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
    for named in &mut loaded.kubeconfig.clusters {
        let cluster = named.cluster.as_mut().unwrap();
        let server = cluster.server.take().unwrap();
        let host = format!("{}.proxied.invalid", named.name);
        cluster.server = Some(server.replace("127.0.0.1", &host));
    }
    loaded
}

fn http_proxy(url: &str) -> ProxyEnv {
    ProxyEnv {
        http_proxy: Some(url.to_string()),
        https_proxy: Some(url.to_string()),
        ..ProxyEnv::default()
    }
}

/// The console's model fed by the real cluster layer with the given proxy variables.
struct WatchedFleet {
    fleet: Fleet,
    rx: mpsc::Receiver<FleetEvent>,
    _tasks: JoinSet<()>,
}

impl WatchedFleet {
    fn start(kubeconfig: LoadedKubeconfig, env: ProxyEnv) -> Self {
        let config = default_zones();
        let (tx, rx) = mpsc::channel(4096);
        let clients = ZoneClients::with_proxy_env(kubeconfig, env);
        let tasks = cluster::spawn_fleet_with(&config, &clients, tx);
        WatchedFleet {
            fleet: Fleet::new(&config),
            rx,
            _tasks: tasks,
        }
    }

    async fn until(&mut self, what: &str, done: impl Fn(&Fleet) -> bool) {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        while !done(&self.fleet) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(event)) => self.fleet.apply(event),
                Ok(None) => panic!("event channel closed while waiting for {what}"),
                Err(_) => panic!("timed out waiting for {what}; zones: {:?}", self.states()),
            }
        }
    }

    fn states(&self) -> Vec<(ZoneState, Option<String>)> {
        self.fleet
            .zones
            .iter()
            .map(|z| (z.state(), z.error()))
            .collect()
    }
}

fn all(state: ZoneState) -> impl Fn(&Fleet) -> bool {
    move |f| f.zones.iter().all(|z| z.state() == state)
}

#[tokio::test]
async fn an_environment_proxy_carries_every_zone() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(&state).await;
    let proxy = RecordingProxy::start(None).await;
    let mut watched = WatchedFleet::start(behind_a_proxy(&demo), http_proxy(&proxy.url));
    watched.until("every zone live", all(ZoneState::Live)).await;
    let seen = proxy.seen();
    for context in demo.contexts() {
        let port = demo
            .server_url(&context)
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap()
            .to_string();
        let connect = format!("CONNECT {context}.proxied.invalid:{port} HTTP/1.1");
        assert!(seen.contains(&connect), "{connect} in {seen:?}");
    }
    demo.shutdown().await;
}

#[tokio::test]
async fn no_proxy_and_loopback_servers_bypass_the_environment_proxy() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(&state).await;
    let proxy = RecordingProxy::start(None).await;
    let direct = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
    // As kubectl: 127.0.0.1 is never proxied, NO_PROXY or not.
    for no_proxy in [Some("127.0.0.1"), None] {
        let env = ProxyEnv {
            no_proxy: no_proxy.map(str::to_string),
            ..http_proxy(&proxy.url)
        };
        let mut watched = WatchedFleet::start(direct.clone(), env);
        watched.until("every zone live", all(ZoneState::Live)).await;
    }
    assert_eq!(proxy.seen(), Vec::<String>::new(), "the proxy saw nothing");
    demo.shutdown().await;
}

#[tokio::test]
async fn a_proxy_refusing_connections_leaves_the_zones_unreachable_naming_it() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(&state).await;
    let dead = refusing_address();
    let env = http_proxy(&format!("http://{dead}"));
    let mut watched = WatchedFleet::start(behind_a_proxy(&demo), env);
    watched
        .until("every zone unreachable", all(ZoneState::Unreachable))
        .await;
    for (state, error) in watched.states() {
        let error = error.unwrap_or_default();
        assert_eq!(state, ZoneState::Unreachable, "{error}");
        assert!(
            error.contains(&format!("proxy http://{dead}")) && error.contains("HTTP_PROXY"),
            "the error names the proxy: {error}"
        );
    }
    demo.shutdown().await;
}

#[tokio::test]
async fn a_proxy_refusing_the_tunnel_leaves_the_zones_unreachable_naming_it() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(&state).await;
    let proxy = RecordingProxy::start(Some(403)).await;
    let mut watched = WatchedFleet::start(behind_a_proxy(&demo), http_proxy(&proxy.url));
    watched
        .until("every zone unreachable", all(ZoneState::Unreachable))
        .await;
    for (_, error) in watched.states() {
        let error = error.unwrap_or_default();
        assert!(
            error.contains(&format!("proxy {}", proxy.url)),
            "the error names the proxy: {error}"
        );
    }
    assert!(!proxy.seen().is_empty());
    demo.shutdown().await;
}

#[tokio::test]
async fn a_contexts_proxy_url_wins_over_the_environment() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(&state).await;
    let chosen = RecordingProxy::start(None).await;
    let ignored = RecordingProxy::start(None).await;
    // Loopback servers: a context's proxy-url applies to them too, as in kubectl.
    let mut kubeconfig = cluster::load_kubeconfig(Some(demo.kubeconfig_path())).unwrap();
    for named in &mut kubeconfig.kubeconfig.clusters {
        named.cluster.as_mut().unwrap().proxy_url = Some(chosen.url.clone());
    }
    let env = ProxyEnv {
        no_proxy: Some("127.0.0.1".into()),
        ..http_proxy(&ignored.url)
    };
    let mut watched = WatchedFleet::start(kubeconfig, env);
    watched.until("every zone live", all(ZoneState::Live)).await;
    let seen = chosen.seen();
    for context in demo.contexts() {
        let authority = demo.server_url(&context).unwrap().replace("http://", "");
        let connect = format!("CONNECT {authority} HTTP/1.1");
        assert!(seen.contains(&connect), "{connect} in {seen:?}");
    }
    assert_eq!(ignored.seen(), Vec::<String>::new());
    demo.shutdown().await;
}

/// The binary on the demo fleet with proxies set in the user's environment (pointing nowhere):
/// the demo is on loopback, which is never proxied, so every zone is live.
#[tokio::test]
async fn the_demo_works_with_proxies_in_the_environment() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(&state).await;
    let dead = format!("http://{}", refusing_address());
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ge-console"))
        .arg("--kubeconfig")
        .arg(demo.kubeconfig_path())
        .args(["snapshot", "--format", "json", "--timeout", "30"])
        .env("GE_CONSOLE_CONFIG", state.path().join("no-config"))
        .env("GE_CONSOLE_STATE", state.path())
        .env("HTTPS_PROXY", &dead)
        .env("HTTP_PROXY", &dead)
        .env("ALL_PROXY", &dead)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "snapshot JSON parses ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let zones = report["zones"].as_array().expect("zones array");
    assert_eq!(zones.len(), 3);
    for zone in zones {
        assert_eq!(zone["state"], "live", "{zone}");
    }
    // The demo fleet carries a crash-looping system pod, so a check fails: exit status 1.
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    demo.shutdown().await;
}

#[tokio::test]
async fn a_socks5_proxy_in_all_proxy_carries_every_zone() {
    let state = tempfile::tempdir().unwrap();
    let demo = start_demo(&state).await;
    let proxy = Socks5Proxy::start().await;
    let env = ProxyEnv {
        all_proxy: Some(proxy.url.clone()),
        ..ProxyEnv::default()
    };
    let mut watched = WatchedFleet::start(behind_a_proxy(&demo), env);
    watched.until("every zone live", all(ZoneState::Live)).await;
    let seen = proxy.seen.lock().unwrap().clone();
    for context in demo.contexts() {
        let port = demo
            .server_url(&context)
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap()
            .to_string();
        // The name goes to the proxy: only it can resolve `.invalid`.
        let target = format!("{context}.proxied.invalid:{port}");
        assert!(seen.contains(&target), "{target} in {seen:?}");
    }
    demo.shutdown().await;
}
