//! The promotion checks: `promotion.order`, `promotion.soak`, `promotion.simultaneous`, and
//! each zone's promotion line for the overview.
//!
//! The runbook: "Upgrade Zone 1 first, soak for 1 week; promote to Zone 2, soak for 1 week;
//! promote to Zone 3". Versions come from each zone's API server; the dates a zone reached its
//! version come, in this order, from the zones file's records, the console's observation log,
//! or the oldest node already running that kubelet version. Without one of them a date is
//! "since unknown", never a guess.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::{CheckContext, CheckFinding, CheckId, CheckSeverity};
use crate::config::ZoneId;
use crate::fleet::{ZoneModel, ZoneState};

#[path = "promotion_dates.rs"]
mod dates;
use dates::reached_by;
pub use dates::{DateSource, KubeVersion, Reached, reached};

/// What every promotion finding is about.
const SUBJECT: &str = "kubernetes";
/// The source of findings that compare server versions only.
const SOURCE_SERVER: &str = "server version";
/// The source of findings that could not be judged because a zone is not live.
const SOURCE_STATE: &str = "zone state";
/// The source of findings that could not be judged for want of a date.
const SOURCE_UNKNOWN: &str = "since unknown";
/// Seconds in the soak's day.
const DAY_SECS: i64 = 24 * 60 * 60;

/// One zone's promotion state in a line: its version, since when and from where, its soak and
/// the next step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionLine {
    /// The zone.
    pub zone: ZoneId,
    /// `v1.34.2 since 2026-11-20 (zones file) · soaking 3d of 7d · staging may follow from 2026-11-27`.
    pub text: String,
    /// How it reads: `Fail` when one of the zone's promotion checks fails.
    pub severity: CheckSeverity,
}

/// A zone on the promotion path as the checks see it.
struct PathZone<'a> {
    id: ZoneId,
    name: &'a str,
    /// Its version, or why it is not judged.
    standing: Result<KubeVersion, String>,
}

/// The version a zone may be judged on: only a live zone's, never a stale one.
fn standing(name: &str, zone: Option<&ZoneModel>) -> Result<KubeVersion, String> {
    let Some(zone) = zone else {
        return Err(format!("{name} is not in the fleet"));
    };
    if zone.state() != ZoneState::Live {
        return Err(format!(
            "{name} is {}",
            zone.state().as_str().replace('_', " ")
        ));
    }
    match zone.server_version.as_deref() {
        None => Err(format!("{name}'s server version is unknown")),
        Some(text) => KubeVersion::parse(text)
            .ok_or_else(|| format!("{name}'s server version is not a Kubernetes version")),
    }
}

/// The zones on the promotion path, in its order.
fn path_zones<'a>(cx: &CheckContext<'a>) -> Vec<PathZone<'a>> {
    cx.config
        .promotion
        .path
        .iter()
        .map(|id| {
            let model = cx.fleet.zone(*id);
            let name: &'a str = match (model, cx.config.zones.iter().find(|z| z.id == *id)) {
                (_, Some(config)) => config.name.as_str(),
                (Some(model), None) => model.config.name.as_str(),
                (None, None) => "",
            };
            PathZone {
                id: *id,
                name,
                standing: standing(name, model),
            }
        })
        .collect()
}

fn finding(
    id: CheckId,
    zone: ZoneId,
    severity: CheckSeverity,
    message: String,
    source: impl Into<String>,
) -> CheckFinding {
    CheckFinding {
        id,
        zone,
        severity,
        subject: SUBJECT.into(),
        message,
        source: source.into(),
    }
}

/// `2026-11-20`: the UTC day of a moment.
fn day(at: Timestamp) -> String {
    at.to_zoned(TimeZone::UTC).date().to_string()
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
fn whole_days(from: Timestamp, to: Timestamp) -> i64 {
    to.duration_since(from).as_secs() / DAY_SECS
}

/// The soak as a duration.
fn soak(cx: &CheckContext<'_>) -> SignedDuration {
    SignedDuration::from_secs(i64::from(cx.config.promotion.soak_days) * DAY_SECS)
}

/// The moment a zone that reached its version at `at` has soaked.
fn soak_end(cx: &CheckContext<'_>, at: Timestamp) -> Timestamp {
    at.checked_add(soak(cx)).unwrap_or(Timestamp::MAX)
}

/// One source when every date came from it, else each zone's: `dev: zones file; staging: nodes`.
fn sources(dates: &[(&str, Reached)]) -> String {
    let first = dates.first().map(|(_, r)| r.source);
    if dates.iter().all(|(_, r)| Some(r.source) == first) {
        return first.map_or(SOURCE_UNKNOWN, DateSource::as_str).into();
    }
    dates
        .iter()
        .map(|(name, r)| format!("{name}: {}", r.source.as_str()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The promotion checks' findings.
pub fn check(cx: &CheckContext<'_>) -> Vec<CheckFinding> {
    let path = path_zones(cx);
    let mut findings = Vec::new();
    for (at, zone) in path.iter().enumerate() {
        let previous = at.checked_sub(1).and_then(|i| path.get(i));
        findings.extend(order(zone, previous));
        findings.extend(soak_behind(cx, zone, previous));
        findings.extend(soak_ahead(cx, zone, path.get(at + 1)));
    }
    findings.extend(simultaneous(cx, &path));
    findings
}

/// `promotion.order`: never newer than the zone before.
fn order(zone: &PathZone<'_>, previous: Option<&PathZone<'_>>) -> Option<CheckFinding> {
    let previous = previous?;
    let unknown = |message| {
        finding(
            CheckId::PromotionOrder,
            zone.id,
            CheckSeverity::Unknown,
            message,
            SOURCE_STATE,
        )
    };
    let version = match &zone.standing {
        Ok(v) => *v,
        Err(why) => {
            return Some(unknown(format!(
                "{why}: its place on the promotion path is not judged"
            )));
        }
    };
    let before = match &previous.standing {
        Ok(v) => *v,
        Err(why) => {
            return Some(unknown(format!(
                "{why}: {}'s {version} is not compared with it",
                zone.name
            )));
        }
    };
    (version > before).then(|| {
        finding(
            CheckId::PromotionOrder,
            zone.id,
            CheckSeverity::Fail,
            format!(
                "{} runs {version}, newer than {}'s {before}: promote through {} first",
                zone.name, previous.name, previous.name
            ),
            SOURCE_SERVER,
        )
    })
}

/// `promotion.soak`, looking back: did the zone wait for the soak in the zone before it?
fn soak_behind(
    cx: &CheckContext<'_>,
    zone: &PathZone<'_>,
    previous: Option<&PathZone<'_>>,
) -> Option<CheckFinding> {
    let make = |severity, message, source: &str| {
        finding(CheckId::PromotionSoak, zone.id, severity, message, source)
    };
    let version = match &zone.standing {
        Ok(v) => *v,
        Err(why) => {
            return Some(make(
                CheckSeverity::Unknown,
                format!("{why}: its soak is not judged"),
                SOURCE_STATE,
            ));
        }
    };
    let previous = previous?;
    let before = match &previous.standing {
        Ok(v) => *v,
        Err(why) => {
            return Some(make(
                CheckSeverity::Unknown,
                format!(
                    "{why}: whether {} waited for its soak is not judged",
                    zone.name
                ),
                SOURCE_STATE,
            ));
        }
    };
    if version > before {
        // The previous zone does not run it yet: `promotion.order` fails, the soak has no start.
        return None;
    }
    let Some(here) = reached(cx, zone.id, version) else {
        return Some(make(
            CheckSeverity::Unknown,
            format!(
                "{} runs {version} since unknown: its soak in {} is not judged",
                zone.name, previous.name
            ),
            SOURCE_UNKNOWN,
        ));
    };
    let Some(there) = reached_by(cx, previous.id, version, Some(here.at)) else {
        return Some(make(
            CheckSeverity::Unknown,
            format!(
                "when {} reached {version} is unknown: whether {} waited for its soak is not judged",
                previous.name, zone.name
            ),
            SOURCE_UNKNOWN,
        ));
    };
    if here.at.duration_since(there.at) >= soak(cx) {
        return None;
    }
    let soak_days = cx.config.promotion.soak_days;
    let waited = whole_days(there.at, here.at);
    let message = if here.at < there.at {
        format!(
            "{} moved to {version} {}d before {} did, skipping the {soak_days}d soak in {}",
            zone.name,
            whole_days(here.at, there.at),
            previous.name,
            previous.name
        )
    } else {
        format!(
            "{} moved to {version} after {waited}d of the {soak_days}d soak in {}",
            zone.name, previous.name
        )
    };
    Some(make(
        CheckSeverity::Fail,
        message,
        &sources(&[(zone.name, here), (previous.name, there)]),
    ))
}

/// `promotion.soak`, looking ahead: while the zone soaks on a version the next zone does not
/// run yet, when the next may follow.
fn soak_ahead(
    cx: &CheckContext<'_>,
    zone: &PathZone<'_>,
    next: Option<&PathZone<'_>>,
) -> Option<CheckFinding> {
    let next = next?;
    let version = match &zone.standing {
        Ok(v) => *v,
        // `soak_behind` already says the zone's soak is not judged.
        Err(_) => return None,
    };
    // The next zone's own findings say when it is not judged; one that runs the version (or a
    // newer one) is not waiting for this soak.
    let next_version = next.standing.as_ref().ok()?;
    if *next_version >= version {
        return None;
    }
    let Some(here) = reached(cx, zone.id, version) else {
        return Some(finding(
            CheckId::PromotionSoak,
            zone.id,
            CheckSeverity::Unknown,
            format!(
                "{} runs {version} since unknown: when {} may follow is unknown",
                zone.name, next.name
            ),
            SOURCE_UNKNOWN,
        ));
    };
    let soak_days = cx.config.promotion.soak_days;
    let soaked = whole_days(here.at, cx.now).max(0);
    let message = if cx.now < soak_end(cx, here.at) {
        format!(
            "{} may follow from {}; {} soaking {soaked}d of {soak_days}d",
            next.name,
            day(soak_end(cx, here.at)),
            zone.name
        )
    } else {
        format!(
            "{} may follow: {} has run {version} for {soaked}d, past the {soak_days}d soak",
            next.name, zone.name
        )
    };
    Some(finding(
        CheckId::PromotionSoak,
        zone.id,
        CheckSeverity::Info,
        message,
        here.source.as_str(),
    ))
}

/// `promotion.simultaneous`: zones that took the same minor version within one soak window of
/// each other (one upgrade rolled out everywhere at once), one finding per zone naming the
/// others. Zones moving to different versions close together are the promotion path at work
/// (dev starts on the next minor while staging takes the last one).
fn simultaneous(cx: &CheckContext<'_>, path: &[PathZone<'_>]) -> Vec<CheckFinding> {
    let make = |zone: ZoneId, severity, message, source: &str| {
        finding(
            CheckId::PromotionSimultaneous,
            zone,
            severity,
            message,
            source,
        )
    };
    let mut findings = Vec::new();
    let mut dated: Vec<(&PathZone<'_>, KubeVersion, Reached)> = Vec::new();
    for zone in path {
        match &zone.standing {
            Err(why) => findings.push(make(
                zone.id,
                CheckSeverity::Unknown,
                format!("{why}: whether it was upgraded with other zones is not judged"),
                SOURCE_STATE,
            )),
            Ok(version) => match reached(cx, zone.id, *version) {
                Some(r) => dated.push((zone, *version, r)),
                None => findings.push(make(
                    zone.id,
                    CheckSeverity::Unknown,
                    format!(
                        "{} runs {version} since unknown: whether it was upgraded with other zones is not judged",
                        zone.name
                    ),
                    SOURCE_UNKNOWN,
                )),
            },
        }
    }
    let window = soak(cx);
    for (zone, version, here) in &dated {
        let others: Vec<&(&PathZone<'_>, KubeVersion, Reached)> = dated
            .iter()
            .filter(|(other, v, there)| {
                other.id != zone.id
                    && (v.major, v.minor) == (version.major, version.minor)
                    && here.at.duration_since(there.at).abs() < window
            })
            .collect();
        if others.is_empty() {
            continue;
        }
        let named: Vec<String> = others
            .iter()
            .map(|(other, v, there)| format!("{} ({v} on {})", other.name, day(there.at)))
            .collect();
        let mut dates = vec![(zone.name, *here)];
        dates.extend(others.iter().map(|(other, _, there)| (other.name, *there)));
        findings.push(make(
            zone.id,
            CheckSeverity::Fail,
            format!(
                "{} moved to {version} on {}, within one {}d soak window of {}: upgrading zones simultaneously; follow the zone promotion path",
                zone.name,
                day(here.at),
                cx.config.promotion.soak_days,
                join_names(&named)
            ),
            &sources(&dates),
        ));
    }
    findings
}

/// `a`, `a and b`, `a, b and c`.
fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// How bad a severity reads on a line: a failure, then a warning, then "not judged", then
/// plain information.
fn line_rank(severity: CheckSeverity) -> u8 {
    match severity {
        CheckSeverity::Info => 0,
        CheckSeverity::Unknown => 1,
        CheckSeverity::Warn => 2,
        CheckSeverity::Fail => 3,
    }
}

/// Every zone's promotion line, in the fleet's zone order.
pub fn promotion_lines(cx: &CheckContext<'_>) -> Vec<PromotionLine> {
    let findings = check(cx);
    let path = path_zones(cx);
    cx.fleet
        .zones
        .iter()
        .map(|model| {
            let id = model.config.id;
            let severity = findings
                .iter()
                .filter(|f| f.zone == id)
                .map(|f| f.severity)
                .max_by_key(|s| line_rank(*s))
                .unwrap_or(CheckSeverity::Info);
            PromotionLine {
                zone: id,
                text: line_text(cx, &path, model),
                severity,
            }
        })
        .collect()
}

/// `v1.34.2 since 2026-11-20 (zones file) · soaking 3d of 7d · staging may follow from 2026-11-27`.
fn line_text(cx: &CheckContext<'_>, path: &[PathZone<'_>], model: &ZoneModel) -> String {
    let id = model.config.id;
    let version = match standing(&model.config.name, Some(model)) {
        Ok(v) => v,
        Err(why) => return format!("version unknown · {why}"),
    };
    let since = reached(cx, id, version);
    let mut text = match since {
        Some(r) => format!("{version} since {} ({})", day(r.at), r.source.as_str()),
        None => format!("{version} · since unknown"),
    };
    let Some(at) = path.iter().position(|z| z.id == id) else {
        text.push_str(" · not on the promotion path");
        return text;
    };
    let waiting_next = path
        .get(at + 1)
        .filter(|next| next.standing.as_ref().is_ok_and(|v| *v < version));
    if let (Some(next), Some(r)) = (waiting_next, since) {
        let end = soak_end(cx, r.at);
        if cx.now < end {
            text.push_str(&format!(
                " · soaking {}d of {}d · {} may follow from {}",
                whole_days(r.at, cx.now).max(0),
                cx.config.promotion.soak_days,
                next.name,
                day(end)
            ));
        } else {
            text.push_str(&format!(" · soaked: {} may follow", next.name));
        }
    }
    text
}

#[cfg(test)]
#[path = "promotion_tests.rs"]
mod tests;
