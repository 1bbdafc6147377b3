//! Events in context, for the workload view: the recent events of the workload, its
//! ReplicaSets and its pods under its pod list; and under a pod that is not ready, the reason
//! without another key (the pod's own message, else its latest Warning event's).

use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::theme::Role;
use super::widgets::{ListLine, human_duration, table};
use super::zone_view::age;
use super::{Clock, Theme};
use crate::fleet::events::{latest_warning_of, workload_events};
use crate::fleet::{KindStatus, PodInfo, ResourceKind, WorkloadKey, ZoneModel};

/// The most events listed in the workload view; the timeline (`E`) shows the rest.
pub const MAX_WORKLOAD_EVENTS: usize = 20;

/// A configured span as written: `1h`, `15m`, `90s` (`1h30m` when it is not round).
pub fn span_text(span: std::time::Duration) -> String {
    match span.as_secs() {
        s if s >= 3600 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s >= 60 && s % 60 == 0 && s < 3600 => format!("{}m", s / 60),
        s if s >= 3600 && s % 60 == 0 => format!("{}h{}m", s / 3600, (s % 3600) / 60),
        s => human_duration(std::time::Duration::from_secs(s)),
    }
}

/// Why a pod that is not ready is stuck: its own message (a waiting container's, a scheduling
/// condition's), else its latest Warning event as `Reason: message`.
pub fn pod_reason(zone: &ZoneModel, pod: &PodInfo) -> Option<String> {
    if let Some(message) = &pod.message {
        return Some(message.clone());
    }
    if pod.is_ready() || pod.is_completed() {
        return None;
    }
    latest_warning_of(zone, &pod.namespace, &pod.name).map(|e| {
        if e.message.is_empty() {
            e.reason.clone()
        } else {
            format!("{}: {}", e.reason, e.message)
        }
    })
}

/// The line drawn under a pod's row when it has a reason to show.
pub fn pod_reason_line<'a>(zone: &ZoneModel, pod: &PodInfo, theme: &Theme) -> Option<Line<'a>> {
    let reason = pod_reason(zone, pod)?;
    let role = if pod.is_ready() {
        Role::Muted
    } else {
        Role::Error
    };
    Some(Line::styled(format!("  ↳ {reason}"), theme.style(role)))
}

/// The EVENTS block of the workload view: a heading, then the newest events of the workload,
/// its ReplicaSets and its pods (at most [`MAX_WORKLOAD_EVENTS`]), or why there are none.
pub fn workload_event_lines<'a>(
    zone: &'a ZoneModel,
    key: &WorkloadKey,
    width: usize,
    theme: &Theme,
    clock: &Clock,
) -> Vec<ListLine<'a>> {
    let muted = theme.style(Role::Muted);
    let events = workload_events(zone, key);
    let heading = |count: String, rest: String| -> ListLine<'a> {
        (
            Line::from(vec![
                Span::styled(format!("EVENTS{count}"), theme.style(Role::Title)),
                Span::styled(rest, muted),
            ]),
            None,
        )
    };
    let missing = match zone.kinds.get(&ResourceKind::Events) {
        Some(status @ (KindStatus::Forbidden { .. } | KindStatus::ForbiddenIn { .. })) => {
            status.refusal().map(|r| format!(" {r}"))
        }
        Some(KindStatus::NotServed) => Some(" this server does not serve events".into()),
        Some(KindStatus::Syncing) | None => Some(" not listed yet".into()),
        _ => None,
    };
    if events.is_empty() {
        let window = span_text(zone.events.limits().window);
        let why = missing.unwrap_or_else(|| {
            format!(" none of the workload, its ReplicaSets or pods in the last {window}")
        });
        return vec![heading(String::new(), why)];
    }
    let mut lines = vec![heading(
        format!(" {}", events.len()),
        " of the workload, its ReplicaSets and pods, newest first".into(),
    )];
    let cells = events
        .iter()
        .take(MAX_WORKLOAD_EVENTS)
        .map(|e| {
            let style = if e.is_warning() {
                theme.style(Role::Warning)
            } else {
                theme.style(Role::Text)
            };
            vec![
                Span::styled(age(e.last_seen, clock), style),
                Span::styled(e.event_type.as_str(), style),
                Span::styled(e.reason.as_str(), style),
                Span::styled(e.object.short(), style),
                Span::styled(e.message.as_str(), style),
                Span::styled(e.count.to_string(), style),
            ]
        })
        .collect();
    let (head, body) = table(
        &["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE", "COUNT"],
        &[9, 7, 8, 12, 12, 5],
        cells,
        width,
        muted.add_modifier(Modifier::BOLD),
    );
    lines.push((head, None));
    lines.extend(body.into_iter().map(|l| (l, None)));
    if events.len() > MAX_WORKLOAD_EVENTS {
        lines.push((
            Line::styled(
                format!(
                    "  … {} older in the event timeline",
                    events.len() - MAX_WORKLOAD_EVENTS
                ),
                muted,
            ),
            None,
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::span_text;

    #[test]
    fn spans_read_as_configured() {
        assert_eq!(span_text(Duration::from_secs(3600)), "1h");
        assert_eq!(span_text(Duration::from_secs(900)), "15m");
        assert_eq!(span_text(Duration::from_secs(5400)), "1h30m");
        assert_eq!(span_text(Duration::from_secs(90)), "1m30s");
        assert_eq!(span_text(Duration::from_secs(45)), "45s");
    }
}
