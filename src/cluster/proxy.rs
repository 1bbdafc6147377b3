//! Which proxy a zone's client goes through, decided as kubectl decides it, and the errors
//! that name that proxy.
//!
//! The rules (Go's `http.ProxyFromEnvironment`, which kubectl uses, plus `ALL_PROXY`):
//!
//! - A `proxy-url` on the context's cluster entry wins and applies to that server always
//!   (kubectl ignores `NO_PROXY` for it too).
//! - Otherwise an `https://` server uses `HTTPS_PROXY`, an `http://` server `HTTP_PROXY`, and
//!   either falls back to `ALL_PROXY` (as curl does); each upper-case name first, then its
//!   lower-case one; an empty value counts as unset.
//! - `localhost` and loopback addresses (`127.0.0.0/8`, `::1`) never go through an environment
//!   proxy, exactly like kubectl: a tunnel or local k3s at 127.0.0.1 keeps working on a laptop
//!   with `HTTPS_PROXY` set.
//! - `NO_PROXY` (else `no_proxy`) is a comma-separated list: `*` (no proxy at all), an IP
//!   (`10.1.2.3`, `::1`, optionally with `:port` or `[v6]:port`), a CIDR (`10.0.0.0/8`), or a
//!   domain, which matches the name and its subdomains (`corp.example`), or with a leading `.`
//!   or `*.` only the subdomains (`.corp.example`); a domain may carry `:port`. Matching
//!   ignores case; empty entries are skipped. Domains never match IP servers, and IPs never
//!   match names.
//! - A proxy value without `scheme://` is `http://`; `http`, `https`, `socks5` and `socks5h`
//!   are understood (SOCKS always resolves names at the proxy).

use std::net::IpAddr;
use std::sync::Arc;

use hyper::Uri;

/// The proxy environment variables, as values rather than read from the process, so tests
/// can pass their own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    /// `HTTPS_PROXY`, else `https_proxy`.
    pub https_proxy: Option<String>,
    /// `HTTP_PROXY`, else `http_proxy`.
    pub http_proxy: Option<String>,
    /// `ALL_PROXY`, else `all_proxy`.
    pub all_proxy: Option<String>,
    /// `NO_PROXY`, else `no_proxy`.
    pub no_proxy: Option<String>,
}

impl ProxyEnv {
    /// Reads the process environment (upper-case name first; empty values are unset).
    pub fn from_process() -> ProxyEnv {
        ProxyEnv::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `lookup` (upper-case name first; empty values are unset).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> ProxyEnv {
        let either = |upper: &str, lower: &str| {
            lookup(upper)
                .filter(|v| !v.trim().is_empty())
                .or_else(|| lookup(lower).filter(|v| !v.trim().is_empty()))
        };
        ProxyEnv {
            https_proxy: either("HTTPS_PROXY", "https_proxy"),
            http_proxy: either("HTTP_PROXY", "http_proxy"),
            all_proxy: either("ALL_PROXY", "all_proxy"),
            no_proxy: either("NO_PROXY", "no_proxy"),
        }
    }
}

/// The proxy chosen for one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    /// The URL handed to kube (scheme `http`, `https` or `socks5`).
    pub uri: Uri,
    /// Where it came from: `HTTPS_PROXY`, `proxy-url of cluster "x"`, …
    pub source: String,
}

impl Proxy {
    /// The proxy as shown to people: scheme, host and port, never credentials.
    pub fn shown(&self) -> String {
        let scheme = self.uri.scheme_str().unwrap_or("http");
        let host = self.uri.host().unwrap_or("?");
        match self.uri.port_u16() {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        }
    }
}

/// The proxy a client for `server` uses: the context's `proxy-url` if given, else the
/// environment's choice (see the module documentation); `Err` says which value is unusable.
pub fn proxy_for(
    server: &Uri,
    env: &ProxyEnv,
    context_proxy_url: Option<(&str, &str)>,
) -> Result<Option<Proxy>, String> {
    if let Some((cluster, url)) = context_proxy_url.filter(|(_, url)| !url.trim().is_empty()) {
        let source = format!("proxy-url of cluster {cluster:?}");
        return parse_proxy(url, &source).map(Some);
    }
    let https = server.scheme_str() == Some("https");
    let (value, name) = match (https, &env.https_proxy, &env.http_proxy, &env.all_proxy) {
        (true, Some(v), _, _) => (v, "HTTPS_PROXY"),
        (false, _, Some(v), _) => (v, "HTTP_PROXY"),
        (_, _, _, Some(v)) => (v, "ALL_PROXY"),
        _ => return Ok(None),
    };
    let Some(host) = server.host().map(unbracket) else {
        return Ok(None);
    };
    let port = server.port_u16().unwrap_or(if https { 443 } else { 80 });
    if !uses_proxy(host, port, env.no_proxy.as_deref().unwrap_or("")) {
        return Ok(None);
    }
    parse_proxy(value, name).map(Some)
}

/// The `proxy-url` of a context's cluster entry in the kubeconfig, with the cluster's name.
pub fn context_proxy_url(
    kubeconfig: &kube::config::Kubeconfig,
    context: &str,
) -> Option<(String, String)> {
    let cluster = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)?
        .context
        .as_ref()?
        .cluster
        .clone();
    let url = kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == cluster)?
        .cluster
        .as_ref()?
        .proxy_url
        .clone()?;
    Some((cluster, url))
}

fn unbracket(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

fn parse_proxy(value: &str, source: &str) -> Result<Proxy, String> {
    let value = value.trim();
    let with_scheme = if value.contains("://") {
        value.to_string()
    } else {
        format!("http://{value}")
    };
    let unusable = |why: String| format!("{source}={value:?} is not a usable proxy: {why}");
    let uri: Uri = with_scheme.parse().map_err(|e| unusable(format!("{e}")))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(unusable("no host".into()));
    }
    let uri = match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("http" | "https" | "socks5") => uri,
        // hyper-util's SOCKS5 connector resolves names at the proxy, which is what socks5h means.
        Some("socks5h") => {
            let mut parts = uri.into_parts();
            parts.scheme = Some("socks5".parse().map_err(|e| unusable(format!("{e}")))?);
            Uri::from_parts(parts).map_err(|e| unusable(format!("{e}")))?
        }
        other => {
            return Err(unusable(format!(
                "scheme {:?} is not one of http, https, socks5, socks5h",
                other.unwrap_or("")
            )));
        }
    };
    Ok(Proxy {
        uri,
        source: source.to_string(),
    })
}

/// Whether a server at `host:port` goes through an environment proxy, given `NO_PROXY`.
pub fn uses_proxy(host: &str, port: u16, no_proxy: &str) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let ip: Option<IpAddr> = unbracket(&host).parse().ok();
    if host == "localhost" || ip.is_some_and(|ip| ip.is_loopback()) {
        return false;
    }
    let port = port.to_string();
    for entry in no_proxy.split(',') {
        let entry = entry.trim().to_ascii_lowercase();
        if entry.is_empty() {
            continue;
        }
        if entry == "*" {
            return false;
        }
        if let Ok(net) = entry.parse::<ipnet::IpNet>() {
            if ip.is_some_and(|ip| net.contains(&ip)) {
                return false;
            }
            continue;
        }
        let (name, wanted_port) = split_port(&entry);
        if wanted_port.is_some_and(|p| p != port) {
            continue;
        }
        if let Ok(entry_ip) = name.parse::<IpAddr>() {
            if ip == Some(entry_ip) {
                return false;
            }
            continue;
        }
        if ip.is_some() || name.is_empty() {
            continue;
        }
        let name = name.strip_prefix('*').unwrap_or(name);
        let matched = match name.strip_prefix('.') {
            Some(suffix) => host.ends_with(&format!(".{suffix}")),
            None => host == name || host.ends_with(&format!(".{name}")),
        };
        if matched {
            return false;
        }
    }
    true
}

/// `host:port`, `[v6]:port`, `[v6]`, a bare IPv6 address or a bare name, split into the name
/// (without brackets) and the port if there is one.
fn split_port(entry: &str) -> (&str, Option<&str>) {
    if let Some(rest) = entry.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((name, tail)) => (name, tail.strip_prefix(':').filter(|p| !p.is_empty())),
            None => (entry, None),
        };
    }
    match entry.split_once(':') {
        Some((name, port)) if !port.contains(':') => (name, Some(port)),
        _ => (entry, None),
    }
}

/// A transport failure on a zone whose client goes through a proxy: the zone is unreachable,
/// and the message says through which proxy.
#[derive(Debug)]
pub struct ThroughProxy {
    /// The proxy as shown ([`Proxy::shown`]).
    pub proxy: Arc<str>,
    /// Where the proxy setting came from.
    pub source: Arc<str>,
    error: tower::BoxError,
}

impl std::fmt::Display for ThroughProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot reach the API server through the proxy {} (from {})",
            self.proxy, self.source
        )
    }
}

impl std::error::Error for ThroughProxy {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.error)
    }
}

/// A layer for the client's service stack that wraps transport errors in [`ThroughProxy`];
/// kube's own errors (credentials, a request it could not build) pass unchanged.
pub fn naming_layer(
    proxy: &Proxy,
) -> tower::util::MapErrLayer<impl Fn(tower::BoxError) -> tower::BoxError + Clone + use<>> {
    let shown: Arc<str> = proxy.shown().into();
    let source: Arc<str> = proxy.source.as_str().into();
    tower::util::MapErrLayer::new(move |error: tower::BoxError| -> tower::BoxError {
        if error.is::<kube::Error>() || error.is::<ThroughProxy>() {
            return error;
        }
        Box::new(ThroughProxy {
            proxy: shown.clone(),
            source: source.clone(),
            error,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> Uri {
        text.parse().unwrap()
    }

    fn env(https: Option<&str>, http: Option<&str>, no_proxy: Option<&str>) -> ProxyEnv {
        ProxyEnv {
            https_proxy: https.map(str::to_string),
            http_proxy: http.map(str::to_string),
            all_proxy: None,
            no_proxy: no_proxy.map(str::to_string),
        }
    }

    fn chosen(server: &str, env: &ProxyEnv) -> Option<String> {
        proxy_for(&uri(server), env, None)
            .unwrap()
            .map(|p| format!("{} {}", p.uri, p.source))
    }

    #[test]
    fn https_servers_use_https_proxy_and_http_servers_http_proxy() {
        let e = env(Some("http://sec:3128"), Some("plain:8080"), None);
        assert_eq!(
            chosen("https://k8s.example:6443", &e).as_deref(),
            Some("http://sec:3128/ HTTPS_PROXY")
        );
        assert_eq!(
            chosen("http://k8s.example:8080", &e).as_deref(),
            Some("http://plain:8080/ HTTP_PROXY")
        );
        assert_eq!(
            chosen("http://k8s.example", &env(Some("x:1"), None, None)),
            None
        );
    }

    #[test]
    fn all_proxy_is_the_fallback_and_socks5h_becomes_socks5() {
        let e = ProxyEnv {
            all_proxy: Some("socks5h://127.0.0.1:1080".into()),
            ..ProxyEnv::default()
        };
        assert_eq!(
            chosen("https://k8s.example", &e).as_deref(),
            Some("socks5://127.0.0.1:1080/ ALL_PROXY")
        );
    }

    #[test]
    fn upper_case_wins_and_empty_is_unset() {
        let vars = [
            ("HTTPS_PROXY", ""),
            ("https_proxy", "http://lower:1"),
            ("NO_PROXY", "a"),
            ("no_proxy", "b"),
        ];
        let e = ProxyEnv::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        });
        assert_eq!(e.https_proxy.as_deref(), Some("http://lower:1"));
        assert_eq!(e.no_proxy.as_deref(), Some("a"));
        assert_eq!(e.http_proxy, None);
    }

    #[test]
    fn loopback_and_localhost_never_use_an_environment_proxy() {
        let e = env(Some("http://p:1"), Some("http://p:1"), None);
        for server in [
            "https://127.0.0.1:6443",
            "http://127.0.0.5:80",
            "https://[::1]:6443",
            "https://localhost:6443",
            "https://LOCALHOST",
        ] {
            assert_eq!(chosen(server, &e), None, "{server}");
        }
    }

    #[test]
    fn no_proxy_rules() {
        let list = " *.svc.example , .corp.example,example.org:8443,10.0.0.0/8,192.168.1.7,[fd00::1]:6443,,other.test";
        let cases = [
            ("api.svc.example", 443, false),
            ("svc.example", 443, true),
            ("a.corp.example", 443, false),
            ("corp.example", 443, true),
            ("example.org", 8443, false),
            ("k.example.org", 8443, false),
            ("example.org", 443, true),
            ("10.20.30.40", 6443, false),
            ("11.0.0.1", 6443, true),
            ("192.168.1.7", 6443, false),
            ("192.168.1.8", 6443, true),
            ("fd00::1", 6443, false),
            ("fd00::1", 443, true),
            ("OTHER.test", 443, false),
            ("x.other.test", 443, false),
            ("notother.test", 443, true),
        ];
        for (host, port, proxied) in cases {
            assert_eq!(uses_proxy(host, port, list), proxied, "{host}:{port}");
        }
        assert!(!uses_proxy("anything.example", 443, "*"));
        assert!(uses_proxy("anything.example", 443, ""));
        // Domains never match IPs and IPs never match names.
        assert!(uses_proxy("10.0.0.1", 443, "10.0.0.1.example"));
        assert!(uses_proxy("a.example", 443, "10.0.0.0/8"));
    }

    #[test]
    fn no_proxy_applies_to_environment_proxies_not_to_a_context_proxy_url() {
        let e = env(Some("http://p:1"), None, Some("k8s.example"));
        assert_eq!(chosen("https://k8s.example", &e), None);
        let context = proxy_for(
            &uri("https://k8s.example"),
            &e,
            Some(("zone", "socks5://127.0.0.1:9")),
        )
        .unwrap()
        .unwrap();
        assert_eq!(context.uri, uri("socks5://127.0.0.1:9"));
        assert_eq!(context.source, "proxy-url of cluster \"zone\"");
        let loopback = proxy_for(
            &uri("http://127.0.0.1:1"),
            &ProxyEnv::default(),
            Some(("zone", "http://127.0.0.1:9")),
        )
        .unwrap();
        assert!(
            loopback.is_some(),
            "a context's proxy-url applies to loopback too"
        );
    }

    #[test]
    fn unusable_proxies_name_their_variable_and_shown_hides_credentials() {
        let e = env(Some("ftp://p:1"), None, None);
        let err = proxy_for(&uri("https://k8s.example"), &e, None).unwrap_err();
        assert!(err.starts_with("HTTPS_PROXY=\"ftp://p:1\""), "{err}");
        let p = proxy_for(
            &uri("https://k8s.example"),
            &env(Some("http://me:secret@proxy.corp:3128"), None, None),
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.shown(), "http://proxy.corp:3128");
    }
}
