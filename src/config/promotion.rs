//! The `[promotion]` section of the zones file: the runbook's promotion path (zone 1 first, then
//! 2, then 3), how long each zone soaks before the next may follow, and the team's own records
//! of when a zone reached a version (kept in git with the zones file, so everyone sees the same
//! clock).

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use toml::Spanned;

use super::{ZoneConfig, ZoneId};

/// The runbook's soak: "Upgrade Zone 1 first, soak for 1 week".
pub const DEFAULT_SOAK_DAYS: u32 = 7;
/// The longest soak accepted, so a typo cannot silence the soak check for years.
pub const MAX_SOAK_DAYS: u32 = 365;

/// The promotion path and its soak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionConfig {
    /// The zones in promotion order (default: every zone, by id).
    pub path: Vec<ZoneId>,
    /// Days a zone soaks on a version before the next zone may take it.
    pub soak_days: u32,
    /// When zones reached versions, as the team recorded it.
    pub records: Vec<PromotionRecord>,
}

/// "Zone 2 has run v1.33.5 since 2026-11-01", as written in the zones file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionRecord {
    /// The zone.
    pub zone: ZoneId,
    /// The Kubernetes version it reached (`v1.33.5`; a `+k3s1` build suffix may be written).
    pub version: String,
    /// From when (a date is read as midnight UTC).
    pub since: Timestamp,
}

impl PromotionConfig {
    /// The default for `zones`: every zone in id order, the runbook's week of soak, no records.
    pub fn default_for(zones: &[ZoneConfig]) -> PromotionConfig {
        let mut path: Vec<ZoneId> = zones.iter().map(|z| z.id).collect();
        path.sort();
        PromotionConfig {
            path,
            soak_days: DEFAULT_SOAK_DAYS,
            records: Vec::new(),
        }
    }

    /// The zone before `zone` on the path, if `zone` is on it and not first.
    pub fn previous(&self, zone: ZoneId) -> Option<ZoneId> {
        let at = self.path.iter().position(|z| *z == zone)?;
        at.checked_sub(1).map(|i| self.path[i])
    }

    /// The zone after `zone` on the path, if any.
    pub fn next(&self, zone: ZoneId) -> Option<ZoneId> {
        let at = self.path.iter().position(|z| *z == zone)?;
        self.path.get(at + 1).copied()
    }
}

/// A zone as the file names it: its id or its name.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawZoneRef {
    /// `2`
    Id(i64),
    /// `"staging"`
    Name(String),
}

/// The section as written in the file, with spans for error messages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPromotion {
    #[serde(default)]
    path: Option<Vec<Spanned<RawZoneRef>>>,
    #[serde(default)]
    soak_days: Option<Spanned<i64>>,
    #[serde(default)]
    record: Vec<Spanned<RawRecord>>,
}

/// One `[[promotion.record]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRecord {
    zone: Spanned<RawZoneRef>,
    version: Spanned<String>,
    since: Spanned<String>,
}

/// The zone `r` names among `zones`, or what is wrong.
fn resolve(r: &RawZoneRef, zones: &[ZoneConfig]) -> Result<ZoneId, String> {
    let found = match r {
        RawZoneRef::Id(id) => zones.iter().find(|z| i64::from(z.id.0) == *id),
        RawZoneRef::Name(name) => zones
            .iter()
            .find(|z| &z.name == name || z.id.0.to_string() == *name),
    };
    found.map(|z| z.id).ok_or_else(|| {
        let names: Vec<String> = zones
            .iter()
            .map(|z| format!("{} ({})", z.name, z.id.0))
            .collect();
        let wanted = match r {
            RawZoneRef::Id(id) => id.to_string(),
            RawZoneRef::Name(name) => format!("{name:?}"),
        };
        format!(
            "promotion names zone {wanted}, which is not configured; the zones are {}",
            names.join(", ")
        )
    })
}

/// `2026-11-01` (midnight UTC) or an RFC 3339 time.
fn parse_since(text: &str) -> Result<Timestamp, String> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    text.parse::<Date>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| {
            format!(
                "since {text:?} is not a date like 2026-11-01 or a time like 2026-11-01T09:30:00Z"
            )
        })
}

/// `v1.33.5`, `1.34.2+k3s1`: a Kubernetes version with major, minor and patch.
fn is_version(text: &str) -> bool {
    let core = text
        .trim_start_matches('v')
        .split(['+', '-'])
        .next()
        .unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.parse::<u64>().is_ok())
}

/// A checked `[promotion]` section for `zones`, or the byte offset and message of what is
/// wrong.
pub(super) fn check(
    raw: Option<RawPromotion>,
    zones: &[ZoneConfig],
) -> Result<PromotionConfig, (usize, String)> {
    let mut config = PromotionConfig::default_for(zones);
    let Some(raw) = raw else {
        return Ok(config);
    };
    if let Some(path) = raw.path {
        let mut ids = Vec::new();
        for entry in &path {
            let id = resolve(entry.get_ref(), zones).map_err(|e| (entry.span().start, e))?;
            if ids.contains(&id) {
                return Err((
                    entry.span().start,
                    format!("promotion path names zone {} twice", id.0),
                ));
            }
            ids.push(id);
        }
        if ids.len() < 2 {
            let at = path.first().map_or(0, |e| e.span().start);
            return Err((at, "promotion path needs at least two zones".into()));
        }
        config.path = ids;
    }
    if let Some(days) = raw.soak_days {
        let n = *days.get_ref();
        if !(1..=i64::from(MAX_SOAK_DAYS)).contains(&n) {
            return Err((
                days.span().start,
                format!("promotion soak_days {n} must be between 1 and {MAX_SOAK_DAYS}"),
            ));
        }
        config.soak_days = u32::try_from(n).unwrap_or(DEFAULT_SOAK_DAYS);
    }
    for record in raw.record {
        let record = record.into_inner();
        let zone =
            resolve(record.zone.get_ref(), zones).map_err(|e| (record.zone.span().start, e))?;
        let version = record.version.get_ref().trim().to_string();
        if !is_version(&version) {
            return Err((
                record.version.span().start,
                format!("promotion record version {version:?} is not a version like v1.33.5"),
            ));
        }
        let since = parse_since(record.since.get_ref().trim())
            .map_err(|e| (record.since.span().start, e))?;
        config.records.push(PromotionRecord {
            zone,
            version,
            since,
        });
    }
    Ok(config)
}
/// The demo's promotion story, as a team's zones file would record it (the demo uses it when
/// the zones file records none): dev took v1.34.2 three days ago and is soaking; staging took
/// v1.33.5 a fortnight after dev; production runs v1.33.3, taken well after staging soaked on
/// it. `assets/demo-fleet.toml` documents the findings this gives.
pub fn demo_promotion_records(now: Timestamp) -> Vec<PromotionRecord> {
    let days_ago = |days: i64| {
        now.checked_sub(jiff::SignedDuration::from_hours(24 * days))
            .unwrap_or(now)
    };
    [
        (1, "v1.33.5", 60),
        (1, "v1.34.2", 3),
        (2, "v1.33.3", 70),
        (2, "v1.33.5", 45),
        (3, "v1.33.3", 30),
    ]
    .into_iter()
    .map(|(zone, version, days)| PromotionRecord {
        zone: ZoneId(zone),
        version: version.into(),
        since: days_ago(days),
    })
    .collect()
}
