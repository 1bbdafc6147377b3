//! `ports.mismatch`: "ports match config/ports.yaml — never hardcode". Every Service of a live
//! zone that the team's ports file names (same name, same namespace) must listen on its port,
//! use its node port and have its type; a named Service the zone lacks is worth knowing.

use super::{CheckContext, CheckFinding, CheckId, CheckSeverity};
use crate::config::{BUILT_IN_PORTS_SOURCE, PortEntry, PortsSpec};
use crate::fleet::{KindStatus, ObjectKey, ResourceKind, ServiceInfo, ZoneModel, ZoneState};

/// The ports check's findings, zone by zone.
pub fn check(cx: &CheckContext<'_>) -> Vec<CheckFinding> {
    let mut findings = Vec::new();
    for zone in &cx.fleet.zones {
        let finding = |severity, subject: String, message: String| CheckFinding {
            id: CheckId::PortsMismatch,
            zone: zone.config.id,
            severity,
            subject,
            message,
            source: cx.ports.source.clone(),
        };
        if let Some(reason) = cannot_judge(zone) {
            findings.push(finding(CheckSeverity::Unknown, "services".into(), reason));
            continue;
        }
        let watched = zone.config.event_namespaces();
        let refused_in: &[String] = match zone.kinds.get(&ResourceKind::Services) {
            Some(KindStatus::ForbiddenIn { namespaces, .. }) => namespaces,
            _ => &[],
        };
        for entry in cx.ports.services.values() {
            let subject = format!("{}/service/{}", entry.namespace, entry.name);
            if refused_in.contains(&entry.namespace) {
                findings.push(finding(
                    CheckSeverity::Unknown,
                    subject,
                    format!(
                        "could not look: may not list Services in {}",
                        entry.namespace
                    ),
                ));
                continue;
            }
            if !watched.contains(&entry.namespace) {
                findings.push(finding(
                    CheckSeverity::Unknown,
                    subject,
                    format!(
                        "namespace {} is not one of the zone's namespaces: its Services are not watched",
                        entry.namespace
                    ),
                ));
                continue;
            }
            let key = ObjectKey::new(&entry.namespace, &entry.name);
            match zone.services.get(&key) {
                None => findings.push(finding(
                    CheckSeverity::Info,
                    subject,
                    format!(
                        "no Service {} in {}: {} expects one on port {}",
                        entry.name,
                        entry.namespace,
                        says(cx.ports),
                        entry.port
                    ),
                )),
                Some(service) => {
                    let differences = differences(service, entry, cx.ports);
                    if !differences.is_empty() {
                        findings.push(finding(
                            CheckSeverity::Fail,
                            subject,
                            differences.join("; "),
                        ));
                    }
                }
            }
        }
    }
    findings
}

/// Why a zone's Services cannot be judged now, if they cannot.
fn cannot_judge(zone: &ZoneModel) -> Option<String> {
    if zone.state() != ZoneState::Live {
        return Some(format!(
            "the zone is {}: its Services are not judged on what it showed before",
            zone.state().as_str()
        ));
    }
    match zone.kinds.get(&ResourceKind::Services) {
        Some(KindStatus::Synced | KindStatus::ForbiddenIn { .. }) => None,
        Some(KindStatus::Forbidden { message }) => {
            Some(format!("could not look: may not list Services ({message})"))
        }
        Some(KindStatus::NotServed) => Some("could not look: Services are not served".into()),
        _ => Some("could not look: the Services have not been listed yet".into()),
    }
}

/// Who says what the ports must be: the runbook's own table, or the team's file.
fn says(spec: &PortsSpec) -> String {
    if spec.source == BUILT_IN_PORTS_SOURCE {
        "the runbook".into()
    } else {
        let name = std::path::Path::new(&spec.source)
            .file_name()
            .map_or_else(|| spec.source.clone(), |n| n.to_string_lossy().into_owned());
        format!("the ports file ({name})")
    }
}

/// The name the runbook gives a Service (`Redis`, `Admin UI`), else its own name.
fn display_name(service: &str) -> String {
    match service {
        "redis" => "Redis".into(),
        "wiki" => "Wiki".into(),
        "admin-ui" => "Admin UI".into(),
        "postgresql" => "PostgreSQL".into(),
        other => other.to_string(),
    }
}

/// How `service` differs from its entry, each in the runbook's words.
fn differences(service: &ServiceInfo, entry: &PortEntry, spec: &PortsSpec) -> Vec<String> {
    let name = display_name(&entry.name);
    let says = says(spec);
    let note = entry
        .note
        .as_deref()
        .map(|n| format!(", {n}"))
        .unwrap_or_default();
    let mut found = Vec::new();
    let matching = service.ports.iter().find(|p| p.port == entry.port);
    if matching.is_none() {
        let listens: Vec<String> = service.ports.iter().map(|p| p.port.to_string()).collect();
        let listens = if listens.is_empty() {
            "no port".to_string()
        } else {
            listens.join(", ")
        };
        found.push(format!(
            "{name} listens on {listens}: {says} says {}{note}",
            entry.port
        ));
    }
    if let Some(wanted) = entry.node_port {
        // The node port of the port the file names, else of the Service's first port.
        let actual = matching.or(service.ports.first()).and_then(|p| p.node_port);
        if actual != Some(wanted) {
            let actual = actual.map_or_else(|| "none".to_string(), |p| p.to_string());
            found.push(format!(
                "{name}'s node port is {actual}: {says} says {wanted}{note}"
            ));
        }
    }
    if let Some(wanted) = &entry.service_type
        && &service.service_type != wanted
    {
        found.push(format!(
            "{name} is a {} Service: {says} says {wanted}",
            service.service_type
        ));
    }
    found
}

#[cfg(test)]
#[path = "ports_tests.rs"]
mod tests;
