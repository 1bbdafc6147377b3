//! The `[events]` section of the zones file: how much of each zone's Kubernetes Events the
//! console keeps (a time window and a per-zone cap), and the duration syntax it shares with
//! `ge-console events --since`.

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

/// How much of each zone's event stream is kept in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventsConfig {
    /// Events last seen longer ago than this are dropped (default one hour, as long as the API
    /// server keeps them by default).
    pub window: Duration,
    /// At most this many events per zone; the oldest go first.
    pub max_per_zone: usize,
}

/// The default window: the API server's own default event TTL.
pub const DEFAULT_EVENT_WINDOW: Duration = Duration::from_secs(3600);
/// The default per-zone cap.
pub const DEFAULT_MAX_EVENTS_PER_ZONE: usize = 3000;
/// The largest window accepted: a day (the server rarely keeps events that long).
pub const MAX_EVENT_WINDOW: Duration = Duration::from_secs(86_400);
/// The largest per-zone cap accepted, so a typo cannot make the console hold millions.
pub const MAX_EVENTS_PER_ZONE_LIMIT: usize = 100_000;

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            window: DEFAULT_EVENT_WINDOW,
            max_per_zone: DEFAULT_MAX_EVENTS_PER_ZONE,
        }
    }
}

/// The section as written in the file, with spans for error messages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEvents {
    #[serde(default)]
    window: Option<Spanned<String>>,
    #[serde(default)]
    max_per_zone: Option<Spanned<i64>>,
}

/// A checked `[events]` section, or the byte offset and message of what is wrong.
pub(super) fn check(raw: Option<RawEvents>) -> Result<EventsConfig, (usize, String)> {
    let mut config = EventsConfig::default();
    let Some(raw) = raw else {
        return Ok(config);
    };
    if let Some(window) = raw.window {
        let text = window.get_ref();
        let parsed = parse_duration(text).map_err(|e| (window.span().start, e))?;
        if parsed > MAX_EVENT_WINDOW {
            return Err((
                window.span().start,
                format!("events window {text:?} is longer than the longest accepted, 24h"),
            ));
        }
        config.window = parsed;
    }
    if let Some(max) = raw.max_per_zone {
        let n = *max.get_ref();
        let limit = MAX_EVENTS_PER_ZONE_LIMIT as i64;
        if !(1..=limit).contains(&n) {
            return Err((
                max.span().start,
                format!("events max_per_zone {n} must be between 1 and {limit}"),
            ));
        }
        config.max_per_zone = usize::try_from(n).unwrap_or(DEFAULT_MAX_EVENTS_PER_ZONE);
    }
    Ok(config)
}

/// Parses a positive duration as people write it: `90s`, `30m`, `1h`, `1h30m`, `2 hours` (jiff's
/// friendly format, which also takes ISO 8601 such as `PT1H`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let parsed: jiff::SignedDuration = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a duration; write it like 90s, 30m, 1h or 1h30m"))?;
    if parsed.is_negative() || parsed.is_zero() {
        return Err(format!("{text:?} must be a duration longer than zero"));
    }
    Duration::try_from(parsed).map_err(|_| format!("{text:?} is not a usable duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration(" 2 hours "), Ok(Duration::from_secs(7200)));
        assert!(
            parse_duration("0s")
                .unwrap_err()
                .contains("longer than zero")
        );
        assert!(parse_duration("-5m").is_err());
        assert!(
            parse_duration("soon")
                .unwrap_err()
                .contains("not a duration")
        );
        assert!(parse_duration("").is_err());
    }
}
