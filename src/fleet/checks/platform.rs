//! `zone.platform`: what each zone really uses for ingress (IngressClasses and the ingress
//! controller in kube-system), storage (the default StorageClass) and networking (the CNI in
//! kube-system), next to what the wiki's k3s-vs-UKS table says its platform uses. What it uses
//! is `info`; a difference from the table is a `warn`, so a difference between zones is either
//! explained by the platform or is a finding.

use super::{CheckContext, CheckFinding, CheckId, CheckSeverity};
use crate::config::{SYSTEM_NAMESPACE, ZoneId};
use crate::fleet::{Fleet, KindStatus, ResourceKind, WorkloadKind, ZoneModel, ZoneState};

/// Where the expected values come from.
const SOURCE: &str = "wiki platform table (k3s vs UKS)";

/// Ingress controllers recognised by the name of their kube-system workload.
const INGRESS_CONTROLLERS: [&str; 5] = [
    "traefik",
    "ingress-nginx",
    "nginx-ingress",
    "haproxy-ingress",
    "contour",
];

/// CNI plugins recognised by the name prefix of their kube-system DaemonSet, with their name.
const CNI_DAEMONSETS: [(&str, &str); 8] = [
    ("cilium", "cilium"),
    ("calico-node", "calico"),
    ("kube-flannel", "flannel"),
    ("canal", "canal"),
    ("weave-net", "weave"),
    ("kube-router", "kube-router"),
    ("antrea-agent", "antrea"),
    ("upcloud-cni", "upcloud"),
];

/// What one zone uses, for the Compare view's platform rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformRow {
    /// The zone.
    pub zone: ZoneId,
    /// Ingress: `IngressClass traefik (traefik.io/ingress-controller) · kube-system/traefik`.
    pub ingress: String,
    /// The default StorageClass: `local-path (rancher.io/local-path)`.
    pub storage: String,
    /// The CNI: `flannel (built into k3s)`, `cilium`.
    pub cni: String,
}

/// Which column of the wiki's table a zone is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Platform {
    K3s,
    Uks,
    Other,
}

impl Platform {
    /// From the zone's configured platform, else from a `+k3s` server version.
    fn of(zone: &ZoneModel) -> Platform {
        let configured = zone.config.platform.to_ascii_lowercase();
        if configured.contains("k3s") {
            Platform::K3s
        } else if configured.contains("uks") || configured.contains("upcloud") {
            Platform::Uks
        } else if zone
            .server_version
            .as_deref()
            .is_some_and(|v| v.contains("k3s"))
        {
            Platform::K3s
        } else {
            Platform::Other
        }
    }
}

/// What a zone uses, read from its model, each aspect `None` when it could not be looked at.
struct Observed {
    ingress: Option<Ingress>,
    storage: Option<Vec<(String, String)>>,
    cni: Vec<String>,
    k3s_server: bool,
}

/// IngressClasses (name, controller) and ingress controller workloads of a zone.
struct Ingress {
    classes: Vec<(String, String)>,
    controllers: Vec<String>,
}

fn synced(zone: &ZoneModel, kind: ResourceKind) -> bool {
    zone.kinds.get(&kind) == Some(&KindStatus::Synced)
}

fn observe(zone: &ZoneModel) -> Observed {
    let controllers: Vec<String> = zone
        .workloads
        .keys()
        .filter(|k| k.namespace == SYSTEM_NAMESPACE && k.kind != WorkloadKind::DaemonSet)
        .filter(|k| INGRESS_CONTROLLERS.iter().any(|c| k.name.starts_with(c)))
        .map(|k| format!("{}/{}", k.namespace, k.name))
        .collect();
    let ingress = synced(zone, ResourceKind::IngressClasses).then(|| Ingress {
        classes: zone
            .ingress_classes
            .values()
            .map(|c| (c.name.clone(), c.controller.clone()))
            .collect(),
        controllers,
    });
    let storage = synced(zone, ResourceKind::StorageClasses).then(|| {
        zone.storage_classes
            .values()
            .filter(|c| c.is_default)
            .map(|c| (c.name.clone(), c.provisioner.clone()))
            .collect()
    });
    let mut cni: Vec<String> = Vec::new();
    for key in zone.workloads.keys() {
        if key.namespace != SYSTEM_NAMESPACE || key.kind != WorkloadKind::DaemonSet {
            continue;
        }
        if let Some((_, name)) = CNI_DAEMONSETS
            .iter()
            .find(|(prefix, _)| key.name.starts_with(prefix))
            && !cni.iter().any(|c| c == name)
        {
            cni.push((*name).to_string());
        }
    }
    Observed {
        ingress,
        storage,
        cni,
        k3s_server: zone
            .server_version
            .as_deref()
            .is_some_and(|v| v.contains("k3s")),
    }
}

fn ingress_text(ingress: &Option<Ingress>) -> String {
    let Some(ingress) = ingress else {
        return "unknown (IngressClasses not listed)".into();
    };
    let mut parts: Vec<String> = ingress
        .classes
        .iter()
        .map(|(name, controller)| format!("IngressClass {name} ({controller})"))
        .collect();
    parts.extend(ingress.controllers.iter().cloned());
    if parts.is_empty() {
        "no IngressClass, no ingress controller in kube-system".into()
    } else {
        parts.join(" · ")
    }
}

fn storage_text(storage: &Option<Vec<(String, String)>>) -> String {
    match storage {
        None => "unknown (StorageClasses not listed)".into(),
        Some(defaults) if defaults.is_empty() => "no default StorageClass".into(),
        Some(defaults) => defaults
            .iter()
            .map(|(name, provisioner)| format!("{name} ({provisioner})"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn cni_text(observed: &Observed) -> String {
    if !observed.cni.is_empty() {
        observed.cni.join(", ")
    } else if observed.k3s_server {
        // k3s runs Flannel inside its own process: no pod or DaemonSet shows it.
        "flannel (built into k3s)".into()
    } else {
        "not found in kube-system".into()
    }
}

/// What the wiki's table says about each aspect the zone differs on, for its platform.
fn differences(platform: Platform, observed: &Observed) -> Vec<(&'static str, String)> {
    let mut found = Vec::new();
    let uses_traefik = observed.ingress.as_ref().map(|i| {
        i.classes.iter().any(|(_, c)| c.contains("traefik"))
            || i.controllers.iter().any(|c| c.contains("traefik"))
    });
    let default_provisioners: Option<Vec<&str>> = observed
        .storage
        .as_ref()
        .map(|d| d.iter().map(|(_, p)| p.as_str()).collect());
    let flannel = observed.cni.iter().any(|c| c == "flannel")
        || (observed.cni.is_empty() && observed.k3s_server);
    match platform {
        Platform::K3s => {
            if uses_traefik == Some(false) {
                found.push((
                    "ingress",
                    "no Traefik: the wiki's table says k3s uses Traefik (bundled)".into(),
                ));
            }
            if let Some(p) = &default_provisioners
                && p.as_slice() != ["rancher.io/local-path"]
            {
                found.push((
                    "storage",
                    "the default StorageClass is not local-path: the wiki's table says k3s uses local-path-provisioner".into(),
                ));
            }
            if !flannel {
                found.push((
                    "cni",
                    "not Flannel: the wiki's table says k3s uses Flannel".into(),
                ));
            }
        }
        Platform::Uks => {
            if uses_traefik == Some(true) {
                found.push((
                    "ingress",
                    "Traefik runs here: the wiki's table says UKS uses the UpCloud Managed Load Balancer".into(),
                ));
            }
            if let Some(p) = &default_provisioners
                && p.as_slice() != ["storage.csi.upcloud.com"]
            {
                found.push((
                    "storage",
                    "the default StorageClass is not UpCloud Block Storage (storage.csi.upcloud.com): the wiki's table says UKS uses the UpCloud Block Storage CSI".into(),
                ));
            }
            // UpCloud's CNI is Cilium-based.
            if flannel || !observed.cni.iter().any(|c| c == "cilium" || c == "upcloud") {
                found.push((
                    "cni",
                    "not UpCloud's CNI (Cilium): the wiki's table says UKS uses UpCloud CNI".into(),
                ));
            }
        }
        Platform::Other => {}
    }
    found
}

/// Why a zone's platform cannot be read now, if it cannot.
fn cannot_judge(zone: &ZoneModel) -> Option<String> {
    (zone.state() != ZoneState::Live).then(|| {
        format!(
            "the zone is {}: its platform is not judged on what it showed before",
            zone.state().as_str()
        )
    })
}

/// The platform check's findings, zone by zone.
pub fn check(cx: &CheckContext<'_>) -> Vec<CheckFinding> {
    let mut findings = Vec::new();
    for zone in &cx.fleet.zones {
        let finding = |severity, subject: &str, message: String| CheckFinding {
            id: CheckId::ZonePlatform,
            zone: zone.config.id,
            severity,
            subject: subject.to_string(),
            message,
            source: SOURCE.into(),
        };
        if let Some(reason) = cannot_judge(zone) {
            findings.push(finding(CheckSeverity::Unknown, "platform", reason));
            continue;
        }
        let observed = observe(zone);
        let row = row_of(zone, &observed);
        let differences = differences(Platform::of(zone), &observed);
        for (subject, text, unknown) in [
            ("ingress", row.ingress, observed.ingress.is_none()),
            ("storage", row.storage, observed.storage.is_none()),
            ("cni", row.cni, false),
        ] {
            let severity = if unknown {
                CheckSeverity::Unknown
            } else {
                CheckSeverity::Info
            };
            findings.push(finding(severity, subject, text));
        }
        for (subject, message) in differences {
            findings.push(finding(CheckSeverity::Warn, subject, message));
        }
    }
    findings
}

fn row_of(zone: &ZoneModel, observed: &Observed) -> PlatformRow {
    PlatformRow {
        zone: zone.config.id,
        ingress: ingress_text(&observed.ingress),
        storage: storage_text(&observed.storage),
        cni: cni_text(observed),
    }
}

/// Per zone, in the fleet's order, what it uses for ingress, storage and CNI (the Compare
/// view's platform rows); a zone that is not live says so in each cell.
pub fn platform_rows(cx: &CheckContext<'_>) -> Vec<PlatformRow> {
    cx.fleet
        .zones
        .iter()
        .map(|zone| {
            if zone.state() != ZoneState::Live {
                let text = format!("unknown ({})", zone.state().as_str());
                return PlatformRow {
                    zone: zone.config.id,
                    ingress: text.clone(),
                    storage: text.clone(),
                    cni: text,
                };
            }
            row_of(zone, &observe(zone))
        })
        .collect()
}

/// What one zone uses, a name or two per aspect, for the Compare view's ingress, storage and
/// CNI cells; `None` where it cannot be told (the zone is not live, or the kind could not be
/// listed), never what the zone showed before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformSummary {
    /// The zone.
    pub zone: ZoneId,
    /// The IngressClasses' names, else the ingress controller workloads' names, else `none`.
    pub ingress: Option<String>,
    /// The default StorageClasses' names, else `no default`.
    pub storage: Option<String>,
    /// The CNI: `cilium`, `flannel (k3s)`, else `not found`.
    pub cni: Option<String>,
}

fn ingress_summary(ingress: &Ingress) -> String {
    let names: Vec<&str> = if ingress.classes.is_empty() {
        ingress
            .controllers
            .iter()
            .map(|c| c.rsplit('/').next().unwrap_or(c))
            .collect()
    } else {
        ingress
            .classes
            .iter()
            .map(|(name, _)| name.as_str())
            .collect()
    };
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

fn storage_summary(defaults: &[(String, String)]) -> String {
    if defaults.is_empty() {
        "no default".into()
    } else {
        defaults
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn cni_summary(observed: &Observed) -> String {
    if !observed.cni.is_empty() {
        observed.cni.join(", ")
    } else if observed.k3s_server {
        "flannel (k3s)".into()
    } else {
        "not found".into()
    }
}

/// Per zone, in the fleet's order, what it uses for ingress, storage and CNI, read as the
/// `zone.platform` check reads it.
pub fn platform_summaries(fleet: &Fleet) -> Vec<PlatformSummary> {
    fleet
        .zones
        .iter()
        .map(|zone| {
            if zone.state() != ZoneState::Live {
                return PlatformSummary {
                    zone: zone.config.id,
                    ingress: None,
                    storage: None,
                    cni: None,
                };
            }
            let observed = observe(zone);
            PlatformSummary {
                zone: zone.config.id,
                ingress: observed.ingress.as_ref().map(ingress_summary),
                storage: observed.storage.as_deref().map(storage_summary),
                cni: Some(cni_summary(&observed)),
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "platform_tests.rs"]
mod tests;
