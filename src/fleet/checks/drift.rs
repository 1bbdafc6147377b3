//! `drift.workload`: each GE workload (same kind, namespace and name in every zone) compared
//! along the promotion path: image, replicas and rollout state per zone and which differ.
//! Missing in a zone while present in another warns (or is `info` when the zone simply is not
//! reached yet along the path); an image in a later zone that the zone before it does not run
//! and never ran is `fail` ("not via the promotion path"); an image not yet promoted is
//! `info`. A zone that is not live is `unknown`, never judged on what it showed before.
//!
//! The Compare view draws the same [`compare`] rows, so screen and check agree.

use std::collections::{BTreeMap, BTreeSet};

use super::{CheckContext, CheckFinding, CheckId, CheckSeverity};
use crate::config::{SYSTEM_NAMESPACE, ZoneId};
use crate::fleet::health::{image_tag, rollout_state};
use crate::fleet::{Fleet, WorkloadKey, WorkloadKind, ZoneModel, ZoneState};

/// Where the drift check's data comes from.
const SOURCE: &str = "workloads, ReplicaSet history";

/// One workload in one zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// The zone is not live: nothing is judged.
    NotLive,
    /// The zone is live and has no such workload.
    Missing,
    /// The workload as the zone runs it.
    Present {
        /// The pod template's images, in spec order.
        images: Vec<String>,
        /// Ready pods.
        ready: i32,
        /// Desired pods.
        desired: i32,
        /// `complete`, `progressing`, `paused`, `failed`.
        rollout: &'static str,
    },
}

/// One GE workload across the zones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadComparison {
    /// The workload.
    pub key: WorkloadKey,
    /// One cell per zone, in [`zone_order`].
    pub cells: Vec<(ZoneId, Cell)>,
    /// Per cell: differs from the zone before it that runs the workload, or is missing.
    pub differs: Vec<bool>,
    /// The check's findings about this workload.
    pub findings: Vec<CheckFinding>,
}

/// The fleet's zone indexes in promotion order: the path first, then the zones not on it.
pub fn zone_order(fleet: &Fleet, path: &[ZoneId]) -> Vec<usize> {
    let mut order: Vec<usize> = path
        .iter()
        .filter_map(|id| fleet.zones.iter().position(|z| z.config.id == *id))
        .collect();
    for i in 0..fleet.zones.len() {
        if !order.contains(&i) {
            order.push(i);
        }
    }
    order
}

/// Every GE workload (kube-system excluded) of any live zone, in key order.
pub fn workload_keys(fleet: &Fleet) -> BTreeSet<&WorkloadKey> {
    fleet
        .zones
        .iter()
        .filter(|z| z.state() == ZoneState::Live)
        .flat_map(|z| z.workloads.keys())
        .filter(|k| k.namespace != SYSTEM_NAMESPACE)
        .collect()
}

/// Every GE workload of [`workload_keys`], compared across the zones.
pub fn compare(fleet: &Fleet, path: &[ZoneId]) -> Vec<WorkloadComparison> {
    let order = zone_order(fleet, path);
    workload_keys(fleet)
        .into_iter()
        .map(|key| compare_one(fleet, &order, path, key))
        .collect()
}

fn cell_of(zone: &ZoneModel, key: &WorkloadKey) -> Cell {
    if zone.state() != ZoneState::Live {
        return Cell::NotLive;
    }
    match zone.workloads.get(key) {
        None => Cell::Missing,
        Some(w) => Cell::Present {
            images: w.images.clone(),
            ready: w.ready,
            desired: w.desired,
            rollout: rollout_state(w).word(),
        },
    }
}

fn compare_one(
    fleet: &Fleet,
    order: &[usize],
    path: &[ZoneId],
    key: &WorkloadKey,
) -> WorkloadComparison {
    let cells: Vec<(ZoneId, Cell)> = order
        .iter()
        .map(|&i| (fleet.zones[i].config.id, cell_of(&fleet.zones[i], key)))
        .collect();
    let name = |id: ZoneId| {
        fleet
            .zone(id)
            .map_or_else(|| id.to_string(), |z| z.config.name.clone())
    };
    let present: Vec<ZoneId> = cells
        .iter()
        .filter(|(_, c)| matches!(c, Cell::Present { .. }))
        .map(|(id, _)| *id)
        .collect();
    let finding = |zone: ZoneId, severity: CheckSeverity, message: String| CheckFinding {
        id: CheckId::DriftWorkload,
        zone,
        severity,
        subject: key.to_string(),
        message,
        source: SOURCE.to_string(),
    };
    let mut findings = Vec::new();
    let mut differs = Vec::with_capacity(cells.len());
    // The nearest zone before this one that runs the workload.
    let mut before: Option<(ZoneId, &Cell)> = None;
    // Every zone before this one that runs the workload, with its images.
    let mut earlier_cells: Vec<(ZoneId, &[String])> = Vec::new();
    for (zone, cell) in &cells {
        match cell {
            Cell::NotLive => differs.push(false),
            Cell::Missing => {
                differs.push(true);
                let on_path = path.iter().position(|z| z == zone);
                let only_earlier = on_path.is_some_and(|p| {
                    present
                        .iter()
                        .all(|z| path.iter().position(|q| q == z).is_some_and(|q| q < p))
                });
                let (severity, message) = if only_earlier {
                    (CheckSeverity::Info, format!("not yet in {}", name(*zone)))
                } else {
                    let names: Vec<String> = present.iter().map(|z| name(*z)).collect();
                    (
                        CheckSeverity::Warn,
                        format!(
                            "missing in {}, present in {}",
                            name(*zone),
                            names.join(", ")
                        ),
                    )
                };
                findings.push(finding(*zone, severity, message));
            }
            Cell::Present {
                images,
                desired,
                rollout,
                ..
            } => {
                let Some((
                    earlier,
                    Cell::Present {
                        images: earlier_images,
                        desired: earlier_desired,
                        rollout: earlier_rollout,
                        ..
                    },
                )) = before
                else {
                    differs.push(false);
                    before = Some((*zone, cell));
                    earlier_cells.push((*zone, images));
                    continue;
                };
                // Via the path: some zone before this one runs it, ran it, or runs a newer
                // version of it (this zone is then behind, not ahead).
                let not_via: Vec<&String> = images
                    .iter()
                    .filter(|image| {
                        !earlier_cells.iter().any(|(z, imgs)| {
                            imgs.contains(image)
                                || fleet.zone(*z).is_some_and(|m| ran_before(m, key, image))
                                || older_than_any(image, imgs)
                        })
                    })
                    .collect();
                let image_differs = images != earlier_images;
                let mut other = Vec::new();
                if desired != earlier_desired {
                    other.push(format!(
                        "replicas {} in {}, {} here",
                        earlier_desired,
                        name(earlier),
                        desired
                    ));
                }
                if rollout != earlier_rollout {
                    other.push(format!(
                        "rollout {} in {}, {} here",
                        earlier_rollout,
                        name(earlier),
                        rollout
                    ));
                }
                differs.push(image_differs || !other.is_empty());
                let tail = if other.is_empty() {
                    String::new()
                } else {
                    format!("; {}", other.join("; "))
                };
                if !not_via.is_empty() {
                    let shown: Vec<&str> = not_via.iter().map(|i| short_image(i)).collect();
                    findings.push(finding(
                        *zone,
                        CheckSeverity::Fail,
                        format!(
                            "{} ahead of {}: not via the promotion path ({} never ran in {}){tail}",
                            name(*zone),
                            name(earlier),
                            shown.join(", "),
                            name(earlier)
                        ),
                    ));
                } else if image_differs {
                    let newer: Vec<&str> = earlier_images
                        .iter()
                        .filter(|i| !images.contains(i))
                        .map(|i| short_image(i))
                        .collect();
                    findings.push(finding(
                        *zone,
                        CheckSeverity::Info,
                        format!(
                            "{} behind {}: {} not yet promoted{tail}",
                            name(*zone),
                            name(earlier),
                            newer.join(", ")
                        ),
                    ));
                } else if !other.is_empty() {
                    findings.push(finding(*zone, CheckSeverity::Info, other.join("; ")));
                }
                before = Some((*zone, cell));
                earlier_cells.push((*zone, images));
            }
        }
    }
    WorkloadComparison {
        key: key.clone(),
        cells,
        differs,
        findings,
    }
}

/// Did the zone run `image` for this Deployment before (an older ReplicaSet holds it)?
fn ran_before(zone: &ZoneModel, key: &WorkloadKey, image: &str) -> bool {
    key.kind == WorkloadKind::Deployment
        && zone.replicasets.values().any(|rs| {
            rs.namespace == key.namespace
                && rs.owner.as_ref().is_some_and(|o| o.name == key.name)
                && rs.images.iter().any(|i| i == image)
        })
}

/// Is `image` the same repository as one of `others` with an older version tag? Then the
/// later zone is merely behind, not ahead.
fn older_than_any(image: &str, others: &[String]) -> bool {
    let repo = |i: &str| {
        i.split('@')
            .next()
            .unwrap_or(i)
            .rsplit_once(':')
            .map(|(r, _)| r.to_string())
    };
    let Some(version) = image_tag(image).and_then(version_of) else {
        return false;
    };
    others.iter().any(|other| {
        repo(other) == repo(image)
            && image_tag(other)
                .and_then(version_of)
                .is_some_and(|v| v > version)
    })
}

/// A tag's numbers (`v1.4.2` → [1, 4, 2]), when it is a version.
fn version_of(tag: &str) -> Option<Vec<u64>> {
    let core = tag
        .trim_start_matches(['v', 'V'])
        .split(['-', '+'])
        .next()?;
    core.split('.').map(|p| p.parse().ok()).collect()
}

/// An image without its registry and digest: `ge-executor:1.4.0`.
pub fn short_image(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    without_digest.rsplit('/').next().unwrap_or(without_digest)
}

/// The `drift.workload` findings: each workload's, and one `unknown` per zone that is not live.
pub fn check(cx: &CheckContext<'_>) -> Vec<CheckFinding> {
    let mut findings: Vec<CheckFinding> = cx
        .fleet
        .zones
        .iter()
        .filter(|z| z.state() != ZoneState::Live)
        .map(|z| CheckFinding {
            id: CheckId::DriftWorkload,
            zone: z.config.id,
            severity: CheckSeverity::Unknown,
            subject: "workloads".into(),
            message: format!(
                "zone is {}: its GE workloads cannot be compared",
                z.state().as_str().replace('_', " ")
            ),
            source: SOURCE.into(),
        })
        .collect();
    for row in compare(cx.fleet, &cx.config.promotion.path) {
        findings.extend(row.findings);
    }
    findings
}

/// Per zone, how many GE workloads it runs: for the Compare view's header.
pub fn workload_counts(rows: &[WorkloadComparison]) -> BTreeMap<ZoneId, usize> {
    let mut counts = BTreeMap::new();
    for row in rows {
        for (zone, cell) in &row.cells {
            if matches!(cell, Cell::Present { .. }) {
                *counts.entry(*zone).or_insert(0) += 1;
            }
        }
    }
    counts
}

#[cfg(test)]
#[path = "drift_tests.rs"]
mod tests;
