//! Time as Kubernetes writes and shows it: RFC 3339 timestamps, seed ages (`41d`) and the
//! short human durations of AGE columns.

use jiff::{SignedDuration, Timestamp};

/// RFC 3339 timestamp with second precision, as Kubernetes writes them.
pub fn timestamp(time: Timestamp) -> String {
    Timestamp::from_second(time.as_second())
        .unwrap_or(time)
        .to_string()
}

/// Parse an RFC 3339 timestamp.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

/// Parse an age like `41d`, `5h`, `12m`, `30s`.
pub fn parse_age(text: &str) -> Option<SignedDuration> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let number: i64 = text[..text.len() - unit.len_utf8()].parse().ok()?;
    let seconds = match unit {
        'd' => number.checked_mul(86_400)?,
        'h' => number.checked_mul(3_600)?,
        'm' => number.checked_mul(60)?,
        's' => number,
        _ => return None,
    };
    (seconds >= 0).then(|| SignedDuration::from_secs(seconds))
}

/// Kubernetes' short human duration (`5s`, `3m12s`, `41d`), as used in AGE columns.
pub fn human_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let rest = seconds % 60;
        return if rest == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{rest}s")
        };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        let rest = minutes % 60;
        return if rest == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{rest}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let rest = hours % 24;
        return if rest == 0 {
            format!("{}d", hours / 24)
        } else {
            format!("{}d{rest}h", hours / 24)
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = hours / 24;
        let rest = days % 365;
        return if rest == 0 {
            format!("{}y", days / 365)
        } else {
            format!("{}y{rest}d", days / 365)
        };
    }
    format!("{}y", hours / 24 / 365)
}
