//! The platform rows of the zone comparison: what each zone runs beneath the GE workloads
//! (Kubernetes, containerd, Traefik, CoreDNS), read from what the model already holds (the
//! server's version, the nodes' runtimes, kube-system workloads' image tags), and the rows the
//! `zone.platform` check reads (ingress, default StorageClass, CNI: [`runbook_platform_rows`]),
//! which join through [`platform_rows_with`].

use std::collections::BTreeSet;

use super::checks::platform::{PlatformSummary, platform_summaries};
use super::health::image_tag;
use super::{Fleet, ZoneModel, ZoneState};
use crate::config::SYSTEM_NAMESPACE;

/// One platform component across the zones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformRow {
    /// `Kubernetes`, `containerd`, `Traefik`, ...
    pub component: String,
    /// One value per zone, in the comparison's zone order ([`UNKNOWN`] for a zone not live
    /// or a kind it may not list, `-` for a component the zone does not run).
    pub cells: Vec<String>,
}

impl PlatformRow {
    /// True when the known values are not all the same (unknown cells do not count).
    pub fn differs(&self) -> bool {
        let known: BTreeSet<&str> = self
            .cells
            .iter()
            .map(String::as_str)
            .filter(|c| *c != UNKNOWN)
            .collect();
        known.len() > 1
    }
}

/// What a platform cell shows when it cannot be told: the zone is not live (it is never shown
/// on what it showed before), or the credential may not list the kind.
pub const UNKNOWN: &str = "unknown";
/// What a zone that is not live shows in a platform cell.
pub const NOT_LIVE: &str = UNKNOWN;
/// What a zone that does not run a component shows.
pub const ABSENT: &str = "-";

/// The rows the model gives, for the zones at `order` (indexes in the fleet).
pub fn model_platform_rows(fleet: &Fleet, order: &[usize]) -> Vec<PlatformRow> {
    let row = |component: &str, value: &dyn Fn(&ZoneModel) -> String| PlatformRow {
        component: component.to_string(),
        cells: order
            .iter()
            .filter_map(|&i| fleet.zones.get(i))
            .map(|z| {
                if z.state() == ZoneState::Live {
                    value(z)
                } else {
                    NOT_LIVE.to_string()
                }
            })
            .collect(),
    };
    vec![
        row("Kubernetes", &|z| {
            z.server_version.clone().unwrap_or_else(|| ABSENT.into())
        }),
        row("containerd", &|z| {
            joined(z.nodes.values().map(|n| {
                n.container_runtime
                    .strip_prefix("containerd://")
                    .unwrap_or(&n.container_runtime)
                    .to_string()
            }))
        }),
        row("Traefik", &|z| system_image_tags(z, "traefik")),
        row("CoreDNS", &|z| system_image_tags(z, "coredns")),
    ]
}

/// The model's rows followed by `extra` rows from other sources (the ingress, storage and
/// networking rows of [`runbook_platform_rows`]); `extra` cells must follow the same zone order.
pub fn platform_rows_with(
    fleet: &Fleet,
    order: &[usize],
    extra: Vec<PlatformRow>,
) -> Vec<PlatformRow> {
    let mut rows = model_platform_rows(fleet, order);
    rows.extend(extra);
    rows
}

/// The ingress, default StorageClass and CNI rows, as the `zone.platform` check reads each
/// zone, for the zones at `order` (indexes in the fleet).
pub fn runbook_platform_rows(fleet: &Fleet, order: &[usize]) -> Vec<PlatformRow> {
    let summaries = platform_summaries(fleet);
    let row = |component: &str, aspect: &dyn Fn(&PlatformSummary) -> &Option<String>| PlatformRow {
        component: component.to_string(),
        cells: order
            .iter()
            .map(|&i| {
                summaries
                    .get(i)
                    .and_then(|s| aspect(s).clone())
                    .unwrap_or_else(|| UNKNOWN.to_string())
            })
            .collect(),
    };
    vec![
        row("Ingress", &|s| &s.ingress),
        row("Storage (default)", &|s| &s.storage),
        row("CNI", &|s| &s.cni),
    ]
}

/// The image tags of the kube-system workloads named `name`, distinct, joined.
fn system_image_tags(zone: &ZoneModel, name: &str) -> String {
    joined(
        zone.workloads
            .values()
            .filter(|w| w.namespace == SYSTEM_NAMESPACE && w.name == name)
            .flat_map(|w| w.images.iter())
            .map(|i| image_tag(i).unwrap_or("latest").to_string()),
    )
}

/// Distinct values joined with `, `; [`ABSENT`] when there are none.
fn joined(values: impl Iterator<Item = String>) -> String {
    let distinct: BTreeSet<String> = values.filter(|v| !v.is_empty()).collect();
    if distinct.is_empty() {
        ABSENT.to_string()
    } else {
        distinct.into_iter().collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::{DEFAULT_ZONES_TOML, parse_zones};
    use crate::fleet::{
        FailureCause, IngressClassInfo, KindStatus, LinkStatus, ObjectChange, ResourceKind,
        StoreChange, ZoneEvent,
    };

    /// Three live zones with no objects; `ingress[i]` is zone i's one IngressClass.
    fn fleet(ingress: [&str; 3]) -> Fleet {
        let config = parse_zones(DEFAULT_ZONES_TOML, Path::new("zones.toml")).unwrap();
        let mut fleet = Fleet::new(&config);
        for (zone, class) in fleet.zones.iter_mut().zip(ingress) {
            zone.apply(ZoneEvent::Link(LinkStatus::Connected {
                server_version: "v1.33.5".into(),
            }));
            for kind in ResourceKind::ALL {
                zone.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
            }
            zone.apply(ZoneEvent::Objects(ObjectChange::IngressClasses(
                StoreChange::Replace(vec![IngressClassInfo {
                    name: class.into(),
                    controller: format!("example.com/{class}"),
                    is_default: true,
                }]),
            )));
        }
        fleet
    }

    fn row<'a>(rows: &'a [PlatformRow], component: &str) -> &'a PlatformRow {
        rows.iter().find(|r| r.component == component).unwrap()
    }

    #[test]
    fn runbook_rows_follow_the_zone_order_and_differ_on_a_different_ingress() {
        let fleet = fleet(["nginx", "nginx", "traefik"]);
        let rows = runbook_platform_rows(&fleet, &[2, 0, 1]);
        let components: Vec<&str> = rows.iter().map(|r| r.component.as_str()).collect();
        assert_eq!(components, ["Ingress", "Storage (default)", "CNI"]);
        let ingress = row(&rows, "Ingress");
        assert_eq!(ingress.cells, ["traefik", "nginx", "nginx"]);
        assert!(ingress.differs());
        let cni = row(&rows, "CNI");
        assert_eq!(cni.cells, ["not found", "not found", "not found"]);
        assert!(!cni.differs());
        let all = platform_rows_with(
            &fleet,
            &[0, 1, 2],
            runbook_platform_rows(&fleet, &[0, 1, 2]),
        );
        assert_eq!(all.len(), 7);
        assert_eq!(all[0].component, "Kubernetes");
        assert_eq!(all[6].component, "CNI");
    }

    #[test]
    fn a_zone_not_live_is_unknown_and_does_not_count_as_a_difference() {
        let mut fleet = fleet(["nginx", "nginx", "traefik"]);
        fleet.zones[2].apply(ZoneEvent::Link(LinkStatus::Failed {
            error: "timeout".into(),
            cause: FailureCause::Unreachable,
            retry_at: None,
        }));
        let rows = platform_rows_with(
            &fleet,
            &[0, 1, 2],
            runbook_platform_rows(&fleet, &[0, 1, 2]),
        );
        for row in &rows {
            assert_eq!(row.cells[2], UNKNOWN, "{}", row.component);
        }
        let ingress = row(&rows, "Ingress");
        assert_eq!(ingress.cells, ["nginx", "nginx", "unknown"]);
        assert!(!ingress.differs(), "the down zone's traefik is not shown");
        assert_eq!(row(&rows, "Kubernetes").cells[2], UNKNOWN);
    }
}
