//! What the promotion checks compare and when: a Kubernetes version's numbers, and the date a
//! zone reached one, from the zones file's records, the console's observation log or the
//! zone's nodes, in that order.

use jiff::Timestamp;

use crate::config::ZoneId;
use crate::fleet::checks::CheckContext;

/// A Kubernetes version's major, minor and patch: what the runbook compares.
///
/// Written by hand rather than with `semver`: Kubernetes distributions mark their builds with a
/// build (`+k3s1`) or pre-release (`-k3s1`) suffix, which semver would order as older than the
/// plain release; here both are the same version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeVersion {
    /// `1` in `v1.34.2`.
    pub major: u64,
    /// `34` in `v1.34.2`.
    pub minor: u64,
    /// `2` in `v1.34.2`.
    pub patch: u64,
}

impl KubeVersion {
    /// `v1.34.2`, `1.34.2+k3s1`, `v1.33.5-eks-1` → its numbers; anything else → None.
    pub fn parse(text: &str) -> Option<KubeVersion> {
        let core = text
            .trim()
            .trim_start_matches(['v', 'V'])
            .split(['+', '-'])
            .next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let version = KubeVersion {
            major: parts.next()??,
            minor: parts.next()??,
            patch: parts.next()??,
        };
        parts.next().is_none().then_some(version)
    }
}

impl std::fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Where the date a zone reached a version came from, in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSource {
    /// A `[[promotion.record]]` in the zones file.
    ZonesFile,
    /// The console's own log of the versions it saw.
    ObservationLog,
    /// The oldest node already running that kubelet version.
    Nodes,
}

impl DateSource {
    /// `zones file`, `observation log`, `nodes`: as a finding's `source` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            DateSource::ZonesFile => "zones file",
            DateSource::ObservationLog => "observation log",
            DateSource::Nodes => "nodes",
        }
    }
}

/// When a zone reached a version, and how the console knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reached {
    /// The moment.
    pub at: Timestamp,
    /// Where it came from.
    pub source: DateSource,
}

/// When `zone` last reached `version`: from the zones file's records, else the observation
/// log, else the zone's nodes; None when none of them says.
pub fn reached(cx: &CheckContext<'_>, zone: ZoneId, version: KubeVersion) -> Option<Reached> {
    reached_by(cx, zone, version, None)
}

/// When `zone` reached `version`, as [`reached`]; with `by`, the latest time at or before `by`
/// (the start of the soak a later zone followed), else the earliest after it.
pub(super) fn reached_by(
    cx: &CheckContext<'_>,
    zone: ZoneId,
    version: KubeVersion,
    by: Option<Timestamp>,
) -> Option<Reached> {
    let on_version = |text: &str| KubeVersion::parse(text) == Some(version);
    let recorded: Vec<Timestamp> = cx
        .config
        .promotion
        .records
        .iter()
        .filter(|r| r.zone == zone && on_version(&r.version))
        .map(|r| r.since)
        .collect();
    if let Some(at) = pick(&recorded, by) {
        return Some(Reached {
            at,
            source: DateSource::ZonesFile,
        });
    }
    // Each run of observations on this version starts a soak: a build change (`+k3s1` →
    // `+k3s2`) continues the run, another version ends it. The zone's first observation is
    // when the console first saw it, not when it changed: that run has no known start.
    let mut run_starts = Vec::new();
    let mut in_run = false;
    let mut seen_before = false;
    for seen in cx.observations.iter().filter(|o| o.zone == zone) {
        let on = on_version(&seen.version);
        if on && !in_run && seen_before {
            run_starts.push(seen.at);
        }
        in_run = on;
        seen_before = true;
    }
    if let Some(at) = pick(&run_starts, by) {
        return Some(Reached {
            at,
            source: DateSource::ObservationLog,
        });
    }
    let oldest_node = cx
        .fleet
        .zone(zone)?
        .nodes
        .values()
        .filter(|n| on_version(&n.kubelet_version))
        .filter_map(|n| n.created)
        .min()?;
    Some(Reached {
        at: oldest_node,
        source: DateSource::Nodes,
    })
}

/// The latest of `times` (at or before `by`, when given; else the earliest after it).
fn pick(times: &[Timestamp], by: Option<Timestamp>) -> Option<Timestamp> {
    match by {
        None => times.iter().max().copied(),
        Some(limit) => times
            .iter()
            .filter(|t| **t <= limit)
            .max()
            .or_else(|| times.iter().min())
            .copied(),
    }
}
