//! The platform rows of the zone comparison: what each zone runs beneath the GE workloads
//! (Kubernetes, containerd, Traefik, CoreDNS), read from what the model already holds (the
//! server's version, the nodes' runtimes, kube-system workloads' image tags). Rows from other
//! sources (ingress, storage, CNI) join through [`platform_rows_with`].

use std::collections::BTreeSet;

use super::health::image_tag;
use super::{Fleet, ZoneModel, ZoneState};
use crate::config::SYSTEM_NAMESPACE;

/// One platform component across the zones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformRow {
    /// `Kubernetes`, `containerd`, `Traefik`, ...
    pub component: String,
    /// One value per zone, in the comparison's zone order (`?` for a zone not live, `-` for
    /// a component the zone does not run).
    pub cells: Vec<String>,
}

impl PlatformRow {
    /// True when the live zones' values are not all the same.
    pub fn differs(&self) -> bool {
        let known: BTreeSet<&str> = self
            .cells
            .iter()
            .map(String::as_str)
            .filter(|c| *c != "?")
            .collect();
        known.len() > 1
    }
}

/// What a zone that is not live shows in a platform cell.
pub const NOT_LIVE: &str = "?";
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

/// The model's rows followed by `extra` rows from other sources (the ports file's ingress,
/// storage and networking rows); `extra` cells must follow the same zone order.
pub fn platform_rows_with(
    fleet: &Fleet,
    order: &[usize],
    extra: Vec<PlatformRow>,
) -> Vec<PlatformRow> {
    let mut rows = model_platform_rows(fleet, order);
    rows.extend(extra);
    rows
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
