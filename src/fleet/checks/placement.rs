//! `placement.namespace`: "every new resource goes into the correct namespace". A GE workload
//! (a Deployment, StatefulSet or DaemonSet named `ge-…`, or running an image from one of the
//! team's registries) outside the zone's GE namespaces fails, naming where it belongs when that
//! can be inferred: where another zone runs the same workload, else by its name from the wiki's
//! "GE Namespaces" table. Workloads are watched cluster-wide, so a stray one in `default` is seen;
//! where the credentials may not list a workload kind, the check says it could not look.

use super::{CheckContext, CheckFinding, CheckId, CheckSeverity};
use crate::config::SYSTEM_NAMESPACE;
use crate::fleet::{
    Fleet, KindStatus, ResourceKind, WorkloadInfo, WorkloadKind, ZoneModel, ZoneState,
};

/// Where a GE workload belongs by its name, from the wiki's "GE Namespaces" table: the first
/// entry whose word the name contains wins. A suggestion is made only when that namespace is
/// one of the zone's GE namespaces.
pub const NAMESPACE_BY_NAME: [(&str, &str); 8] = [
    // "ge-agents: Agent executor pods"
    ("ge-executor", "ge-agents"),
    // "ge-system: Admin UI, orchestrator, wiki"
    ("admin", "ge-system"),
    ("orchestrator", "ge-system"),
    ("wiki", "ge-system"),
    // "ge-data: PostgreSQL, Redis"
    ("postgres", "ge-data"),
    ("redis", "ge-data"),
    // "ge-monitoring: Metrics, health checks"
    ("metrics", "ge-monitoring"),
    ("monitoring", "ge-monitoring"),
];

/// The workload kinds the check looks at, with the resource kind whose watch lists them.
const WORKLOAD_KINDS: [(WorkloadKind, ResourceKind); 3] = [
    (WorkloadKind::Deployment, ResourceKind::Deployments),
    (WorkloadKind::StatefulSet, ResourceKind::StatefulSets),
    (WorkloadKind::DaemonSet, ResourceKind::DaemonSets),
];

/// The `placement.namespace` findings for every zone.
pub fn check(cx: &CheckContext<'_>) -> Vec<CheckFinding> {
    cx.fleet
        .zones
        .iter()
        .flat_map(|zone| zone_findings(cx.fleet, zone, &cx.config.checks.registries))
        .collect()
}

/// The zone's GE namespaces: its configured namespaces without kube-system.
pub fn ge_namespaces(zone: &ZoneModel) -> Vec<&str> {
    zone.config
        .namespaces
        .iter()
        .map(String::as_str)
        .filter(|ns| *ns != SYSTEM_NAMESPACE)
        .collect()
}

/// What makes a workload one of GE's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeBy<'a> {
    /// Its name starts with `ge-`.
    Name,
    /// It runs `image`, which comes from `registry`, one of the team's registries.
    Image {
        /// The image reference.
        image: &'a str,
        /// The registry prefix it matched.
        registry: &'a str,
    },
}

/// Whether (and why) a workload is GE's: its `ge-` name, else its first image from one of
/// `registries`.
pub fn ge_by<'a>(workload: &'a WorkloadInfo, registries: &'a [String]) -> Option<GeBy<'a>> {
    if workload.name.starts_with("ge-") {
        return Some(GeBy::Name);
    }
    workload.images.iter().find_map(|image| {
        registries
            .iter()
            .find(|registry| image.starts_with(registry.as_str()))
            .map(|registry| GeBy::Image { image, registry })
    })
}

/// One zone's findings.
fn zone_findings(fleet: &Fleet, zone: &ZoneModel, registries: &[String]) -> Vec<CheckFinding> {
    let finding = |severity, subject: String, message, source: &str| CheckFinding {
        id: CheckId::PlacementNamespace,
        zone: zone.config.id,
        severity,
        subject,
        message,
        source: source.to_string(),
    };
    let state = zone.state();
    if state != ZoneState::Live {
        return vec![finding(
            CheckSeverity::Unknown,
            "workloads".into(),
            format!(
                "zone is {}: placement not judged on what it showed before",
                state.as_str()
            ),
            "workloads",
        )];
    }
    let mut findings = Vec::new();
    for (_, resource) in WORKLOAD_KINDS {
        let refusal = match zone.kinds.get(&resource) {
            Some(KindStatus::Forbidden { message }) => message.clone(),
            // Watched in the zone's namespaces only: a workload elsewhere is not seen.
            Some(KindStatus::ForbiddenIn {
                cluster_wide: true,
                message,
                ..
            }) => format!(
                "may not list {} cluster-wide, only the zone's namespaces are seen ({message})",
                resource.plural()
            ),
            Some(KindStatus::NotServed) => {
                format!("the server does not serve {}", resource.plural())
            }
            _ => continue,
        };
        findings.push(finding(
            CheckSeverity::Unknown,
            resource.plural().to_string(),
            format!("could not look: {refusal}"),
            "workloads",
        ));
    }
    let ge = ge_namespaces(zone);
    for workload in zone.workloads.values() {
        if ge.contains(&workload.namespace.as_str()) {
            continue;
        }
        let why_ge = match ge_by(workload, registries) {
            None => continue,
            Some(GeBy::Name) => String::new(),
            Some(GeBy::Image { image, registry }) => {
                format!(" (its image {image} comes from {registry})")
            }
        };
        let placed = format!(
            "GE workload {}{why_ge} is in namespace {}, which is not one of the zone's GE \
             namespaces ({})",
            workload.name,
            workload.namespace,
            ge.join(", ")
        );
        let (advice, source) = match belongs_in(fleet, zone, workload) {
            Some(Belongs {
                namespace,
                reason,
                source,
            }) => (format!("it belongs in {namespace} ({reason})"), source),
            None => (
                "ask the zone owner which namespace it belongs in".to_string(),
                "zones file namespaces".to_string(),
            ),
        };
        findings.push(finding(
            CheckSeverity::Fail,
            workload.workload_key().to_string(),
            format!("{placed}: {advice}"),
            &source,
        ));
    }
    findings
}

/// Where a misplaced workload belongs, why, and where that came from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Belongs {
    /// The namespace it belongs in.
    namespace: String,
    /// `where staging runs it`, `by its name`.
    reason: String,
    /// The finding's source.
    source: String,
}

/// The namespace `workload` belongs in: where the first other zone (in the fleet's order) runs
/// a workload of the same kind and name in one of its GE namespaces, else by the name table
/// when the zone has that namespace.
fn belongs_in(fleet: &Fleet, zone: &ZoneModel, workload: &WorkloadInfo) -> Option<Belongs> {
    let elsewhere = fleet
        .zones
        .iter()
        .filter(|other| other.config.id != zone.config.id)
        .find_map(|other| {
            let ge = ge_namespaces(other);
            other
                .workloads
                .values()
                .find(|w| {
                    w.kind == workload.kind
                        && w.name == workload.name
                        && ge.contains(&w.namespace.as_str())
                })
                .map(|w| Belongs {
                    namespace: w.namespace.clone(),
                    reason: format!("where {} runs it", other.config.name),
                    source: format!("zones file namespaces, workloads of {}", other.config.name),
                })
        });
    elsewhere.or_else(|| {
        let ge = ge_namespaces(zone);
        NAMESPACE_BY_NAME
            .iter()
            .find(|(word, _)| workload.name.contains(word))
            .filter(|(_, namespace)| ge.contains(namespace))
            .map(|(_, namespace)| Belongs {
                namespace: namespace.to_string(),
                reason: "by its name, as the wiki's GE Namespaces table says".into(),
                source: "zones file namespaces, built-in namespace table".into(),
            })
    })
}

#[cfg(test)]
#[path = "placement_tests.rs"]
mod tests;
