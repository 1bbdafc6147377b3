//! The version skew checks: `skew.kubelet` (every node's kubelet within the Kubernetes version
//! skew policy of its zone's API server) and `skew.kubectl` (the `kubectl` on PATH, the one the
//! runbook's RUN lines use, within one minor version of each zone's server).
//!
//! The policy counts in minor versions, so only `major.minor` is compared; distribution builds
//! (`+k3s1`) and vendor suffixes (`-eks-…`) are not versions of their own.

use std::fmt;

use super::{CheckContext, CheckFinding, CheckId, CheckSeverity, KubectlClient};
use crate::fleet::health::version_core;
use crate::fleet::{KindStatus, ResourceKind, ZoneModel, ZoneState};

/// How many minor versions a kubelet may trail its API server.
pub const KUBELET_MAX_MINORS_OLDER: u64 = 3;

/// How many minor versions `kubectl` may be away from an API server, either way.
pub const KUBECTL_MAX_MINORS_APART: u64 = 1;

/// Where `skew.kubelet` reads its versions from.
const KUBELET_SOURCE: &str = "nodes and the API server's /version";

/// Where `skew.kubectl` reads its versions from.
const KUBECTL_SOURCE: &str = "kubectl version --client and the API server's /version";

/// A Kubernetes version as the skew policy counts it: major and minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MinorVersion {
    /// `1` in `v1.34.2+k3s1`.
    pub major: u64,
    /// `34` in `v1.34.2+k3s1`.
    pub minor: u64,
}

impl MinorVersion {
    /// `v1.34.2+k3s1`, `1.31.4-eks-1234`, `v1.30` → major and minor; None for anything else.
    pub fn parse(text: &str) -> Option<MinorVersion> {
        match version_core(text)?.as_slice() {
            [major, minor, ..] => Some(MinorVersion {
                major: *major,
                minor: *minor,
            }),
            _ => None,
        }
    }

    /// The next minor version: what an upgrade of the API server moves to.
    pub fn next(self) -> MinorVersion {
        MinorVersion {
            minor: self.minor + 1,
            ..self
        }
    }
}

impl fmt::Display for MinorVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}", self.major, self.minor)
    }
}

/// The skew checks' findings for every zone.
pub fn check(cx: &CheckContext<'_>) -> Vec<CheckFinding> {
    cx.fleet
        .zones
        .iter()
        .flat_map(|zone| {
            let mut findings = kubelet_findings(zone);
            findings.extend(kubectl_findings(zone, cx.kubectl));
            findings
        })
        .collect()
}

/// The zone's API server version, or the `unknown` finding that says why it cannot be judged.
fn live_server_version(
    zone: &ZoneModel,
    finding: &impl Fn(CheckSeverity, &str, String) -> CheckFinding,
    subject: &str,
    what: &str,
) -> Result<(String, MinorVersion), CheckFinding> {
    let state = zone.state();
    if state != ZoneState::Live {
        return Err(finding(
            CheckSeverity::Unknown,
            subject,
            format!(
                "zone is {}: {what} not judged on what it showed before",
                state.as_str()
            ),
        ));
    }
    let Some(server) = zone.server_version.as_deref() else {
        return Err(finding(
            CheckSeverity::Unknown,
            subject,
            "the API server did not say its version".into(),
        ));
    };
    match MinorVersion::parse(server) {
        Some(version) => Ok((server.to_string(), version)),
        None => Err(finding(
            CheckSeverity::Unknown,
            subject,
            format!("the API server's version {server:?} is not a Kubernetes version"),
        )),
    }
}

/// `skew.kubelet` for one zone: a `fail` per node out of policy, an `info` per node that an
/// upgrade of the API server to the next minor would put out of policy.
pub fn kubelet_findings(zone: &ZoneModel) -> Vec<CheckFinding> {
    let finding = |severity, subject: &str, message| CheckFinding {
        id: CheckId::SkewKubelet,
        zone: zone.config.id,
        severity,
        subject: subject.to_string(),
        message,
        source: KUBELET_SOURCE.into(),
    };
    let (server_text, server) =
        match live_server_version(zone, &finding, "kubelets", "kubelet versions are") {
            Ok(found) => found,
            Err(unknown) => return vec![unknown],
        };
    match zone.kinds.get(&ResourceKind::Nodes) {
        Some(KindStatus::Forbidden { message }) => {
            return vec![finding(
                CheckSeverity::Unknown,
                "nodes",
                format!("could not look at the kubelets: {message}"),
            )];
        }
        Some(KindStatus::NotServed) => {
            return vec![finding(
                CheckSeverity::Unknown,
                "nodes",
                "could not look at the kubelets: the server does not serve nodes".into(),
            )];
        }
        _ => {}
    }
    let mut findings = Vec::new();
    for node in zone.nodes.values() {
        let subject = format!("node {}", node.name);
        let kubelet_text = node.kubelet_version.as_str();
        let Some(kubelet) = MinorVersion::parse(kubelet_text) else {
            findings.push(finding(
                CheckSeverity::Unknown,
                &subject,
                format!("kubelet version {kubelet_text:?} is not a Kubernetes version"),
            ));
            continue;
        };
        if let Some((severity, message)) =
            kubelet_verdict(kubelet_text, kubelet, &server_text, server)
        {
            findings.push(finding(severity, &subject, message));
        }
    }
    findings
}

/// One kubelet against its API server: nothing when well within policy.
fn kubelet_verdict(
    kubelet_text: &str,
    kubelet: MinorVersion,
    server_text: &str,
    server: MinorVersion,
) -> Option<(CheckSeverity, String)> {
    if kubelet.major != server.major {
        return Some((
            CheckSeverity::Fail,
            format!(
                "kubelet {kubelet_text} and its API server {server_text} are on different major \
                 versions: a kubelet is never newer than its API server and at most three minor \
                 versions older"
            ),
        ));
    }
    if kubelet.minor > server.minor {
        return Some((
            CheckSeverity::Fail,
            format!(
                "kubelet {kubelet_text} is newer than its API server {server_text}: a kubelet is \
                 never newer than its API server"
            ),
        ));
    }
    let behind = server.minor - kubelet.minor;
    if behind > KUBELET_MAX_MINORS_OLDER {
        return Some((
            CheckSeverity::Fail,
            format!(
                "kubelet {kubelet_text} is {behind} minor versions older than its API server \
                 {server_text}: at most three are allowed"
            ),
        ));
    }
    if behind == KUBELET_MAX_MINORS_OLDER {
        return Some((
            CheckSeverity::Info,
            format!(
                "kubelet {kubelet_text} is three minor versions older than its API server \
                 {server_text}: upgrade it before the API server moves to {}, or it falls out \
                 of the skew policy",
                server.next()
            ),
        ));
    }
    None
}

/// `skew.kubectl` for one zone: `warn` when the `kubectl` on PATH is more than one minor
/// version away from the zone's server, `info` when there is none, nothing when not probed.
pub fn kubectl_findings(zone: &ZoneModel, kubectl: &KubectlClient) -> Vec<CheckFinding> {
    let finding = |severity, subject: &str, message| CheckFinding {
        id: CheckId::SkewKubectl,
        zone: zone.config.id,
        severity,
        subject: subject.to_string(),
        message,
        source: KUBECTL_SOURCE.into(),
    };
    let client_text = match kubectl {
        KubectlClient::NotProbed => return Vec::new(),
        KubectlClient::Missing => {
            return vec![finding(
                CheckSeverity::Info,
                "kubectl",
                "no kubectl on PATH: the runbook's RUN lines need it".into(),
            )];
        }
        KubectlClient::Found(version) => version.as_str(),
    };
    let (server_text, server) =
        match live_server_version(zone, &finding, "kubectl", "kubectl's version is") {
            Ok(found) => found,
            Err(unknown) => return vec![unknown],
        };
    let Some(client) = MinorVersion::parse(client_text) else {
        return vec![finding(
            CheckSeverity::Unknown,
            "kubectl",
            format!(
                "kubectl says its version is {client_text:?}, which is not a Kubernetes version"
            ),
        )];
    };
    let message = if client.major != server.major {
        format!(
            "kubectl {client_text} and the API server {server_text} are on different major \
             versions: kubectl is supported within one minor version of the API server"
        )
    } else {
        let apart = client.minor.abs_diff(server.minor);
        if apart <= KUBECTL_MAX_MINORS_APART {
            return Vec::new();
        }
        let direction = if client.minor > server.minor {
            "newer"
        } else {
            "older"
        };
        format!(
            "kubectl {client_text} is {apart} minor versions {direction} than the API server \
             {server_text}: kubectl is supported within one minor version of the API server"
        )
    };
    vec![finding(CheckSeverity::Warn, "kubectl", message)]
}

#[cfg(test)]
#[path = "skew_tests.rs"]
pub(super) mod tests;
