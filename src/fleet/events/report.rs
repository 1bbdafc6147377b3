//! What `ge-console events` prints: the merged timeline of the collected zones as stable JSON
//! or a plain-text table, each zone's state and whether its events could be read, and the exit
//! status (0, or 2 when a zone could not be reached in time).

use jiff::Timestamp;
use serde::Serialize;

use super::EventInfo;
use super::query::{EventFilter, timeline};
use crate::fleet::{Fleet, KindStatus, ResourceKind, ZoneModel, ZoneState};

/// The report: the zones asked for and their events, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct EventsReport {
    /// One entry per zone asked for, in configured order.
    pub zones: Vec<ZoneEvents>,
    /// The events that pass the filter, newest first by last-seen time.
    pub events: Vec<EventRow>,
    /// When the report was made (ages in the text form are counted from it).
    #[serde(skip)]
    pub now: Timestamp,
}

/// A zone's state and whether its events could be read.
#[derive(Debug, Clone, Serialize)]
pub struct ZoneEvents {
    /// The zone's id.
    pub id: u32,
    /// The zone's name.
    pub name: String,
    /// The zone's state when the report was made.
    pub state: ZoneState,
    /// The zone's error, if any.
    pub error: Option<String>,
    /// `synced`, `forbidden`, `not_served`, `failed` or `syncing`.
    pub events: &'static str,
    /// The server's refusal or the watch's error, for `forbidden` and `failed`.
    pub events_message: Option<String>,
    /// Events dropped at the per-zone cap (so the timeline is not complete).
    pub dropped_at_cap: u64,
}

/// One event with its zone.
#[derive(Debug, Clone, Serialize)]
pub struct EventRow {
    /// The zone's name.
    pub zone: String,
    /// The zone's id.
    pub zone_id: u32,
    /// The event.
    #[serde(flatten)]
    pub event: EventInfo,
}

impl EventsReport {
    /// The report of `fleet`'s events that pass `filter`, as of `now`.
    pub fn of(fleet: &Fleet, filter: &EventFilter, now: Timestamp) -> EventsReport {
        EventsReport {
            zones: fleet.zones.iter().map(zone_events).collect(),
            events: timeline(fleet, filter)
                .into_iter()
                .map(|row| EventRow {
                    zone: row.zone.config.name.clone(),
                    zone_id: row.zone.config.id.0,
                    event: row.event.clone(),
                })
                .collect(),
            now,
        }
    }

    /// 0 when every zone was live; 2 when one was unreachable, unauthorised, not configured,
    /// lost, or had not synced in time.
    pub fn exit_code(&self) -> u8 {
        if self.zones.iter().all(|z| z.state == ZoneState::Live) {
            0
        } else {
            2
        }
    }

    /// What to say on stderr about zones whose events are missing: one line each.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for z in &self.zones {
            let label = format!("Z{} {}", z.id, z.name);
            if z.state != ZoneState::Live {
                let error = z
                    .error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default();
                notes.push(format!("{label}: {}{error}", z.state.as_str()));
            } else if z.events != "synced" {
                let message = z
                    .events_message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default();
                notes.push(format!(
                    "{label}: events {}{message}",
                    z.events.replace('_', " ")
                ));
            }
            if z.dropped_at_cap > 0 {
                notes.push(format!(
                    "{label}: {} older events were dropped at the per-zone cap",
                    z.dropped_at_cap
                ));
            }
        }
        notes
    }

    /// A plain-text table, newest first: LAST SEEN (age), ZONE, NAMESPACE, TYPE, REASON,
    /// OBJECT, COUNT, MESSAGE (last, as kubectl puts it, so long messages need no padding).
    pub fn to_text(&self) -> String {
        if self.events.is_empty() {
            return "no events\n".to_string();
        }
        let rows: Vec<[String; 8]> = self
            .events
            .iter()
            .map(|r| {
                let e = &r.event;
                [
                    age(e.last_seen, self.now),
                    r.zone.clone(),
                    e.namespace.clone(),
                    e.event_type.as_str().to_string(),
                    e.reason.clone(),
                    e.object.short(),
                    e.count.to_string(),
                    e.message.clone(),
                ]
            })
            .collect();
        let headers = [
            "LAST SEEN",
            "ZONE",
            "NAMESPACE",
            "TYPE",
            "REASON",
            "OBJECT",
            "COUNT",
            "MESSAGE",
        ];
        let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |cells: &[&str]| {
            let last = cells.len() - 1;
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                if i == last {
                    out.push_str(cell);
                } else {
                    out.push_str(cell);
                    out.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 2));
                }
            }
            out.push('\n');
        };
        line(&headers);
        for row in &rows {
            let cells: Vec<&str> = row.iter().map(String::as_str).collect();
            line(&cells);
        }
        out
    }
}

fn zone_events(zone: &ZoneModel) -> ZoneEvents {
    let (events, message) = match zone.kinds.get(&ResourceKind::Events) {
        Some(KindStatus::Synced) => ("synced", None),
        Some(KindStatus::Forbidden { message }) => ("forbidden", Some(message.clone())),
        Some(status @ KindStatus::ForbiddenIn { .. }) => ("partly_forbidden", status.refusal()),
        Some(KindStatus::NotServed) => ("not_served", None),
        Some(KindStatus::Failed { error, .. }) => ("failed", Some(error.clone())),
        Some(KindStatus::Syncing) | None => ("syncing", None),
    };
    ZoneEvents {
        id: zone.config.id.0,
        name: zone.config.name.clone(),
        state: zone.state(),
        error: zone.error(),
        events,
        events_message: message,
        dropped_at_cap: zone.events.dropped_at_cap(),
    }
}

/// `45s`, `3m12s`, `5h07m` (kubectl's style), or `?` without a time.
fn age(t: Option<Timestamp>, now: Timestamp) -> String {
    let Some(t) = t else {
        return "?".into();
    };
    let s = now.duration_since(t).as_secs().max(0).unsigned_abs();
    match s {
        0..60 => format!("{s}s"),
        60..600 => format!("{}m{:02}s", s / 60, s % 60),
        600..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{}h", s / 86_400, (s % 86_400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use jiff::SignedDuration;

    use super::*;
    use crate::config::{DEFAULT_ZONES_TOML, parse_zones};
    use crate::fleet::events::{EventObject, EventType};
    use crate::fleet::{LinkStatus, ObjectChange, StoreChange, ZoneEvent};

    fn now() -> Timestamp {
        "2026-03-26T12:00:00Z".parse().unwrap()
    }

    fn fleet() -> Fleet {
        let config = parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap();
        let mut fleet = Fleet::new(&config);
        for zone in &mut fleet.zones {
            zone.apply(ZoneEvent::Link(LinkStatus::Connected {
                server_version: "v1.33.5".into(),
            }));
            for k in ResourceKind::ALL {
                zone.apply(ZoneEvent::Kind(k, KindStatus::Synced));
            }
        }
        let event = EventInfo {
            namespace: "kube-system".into(),
            name: "metrics-server.1".into(),
            event_type: EventType::Warning,
            reason: "BackOff".into(),
            object: EventObject::new("Pod", "kube-system", "metrics-server-1"),
            message: "Back-off restarting failed container".into(),
            count: 14,
            first_seen: Some(now() - SignedDuration::from_mins(30)),
            last_seen: Some(now() - SignedDuration::from_secs(42)),
            reporter: "kubelet".into(),
        };
        fleet.zones[1].apply(ZoneEvent::Objects(ObjectChange::Events(
            "kube-system".into(),
            StoreChange::Upsert(event),
        )));
        fleet
    }

    #[test]
    fn text_json_and_exit_status() {
        let mut fleet = fleet();
        fleet.zones[2].apply(ZoneEvent::Kind(
            ResourceKind::Events,
            KindStatus::Forbidden {
                message: "events is forbidden".into(),
            },
        ));
        let report = EventsReport::of(&fleet, &EventFilter::default(), now());
        assert_eq!(
            report.exit_code(),
            0,
            "forbidden events leave the zone live"
        );
        let text = report.to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].starts_with("LAST SEEN  ZONE     NAMESPACE    TYPE     REASON"),
            "{text}"
        );
        assert!(
            lines[1].starts_with("42s        staging  kube-system  Warning  BackOff  pod/metrics-server-1  14     Back-off"),
            "{text}"
        );
        assert_eq!(
            report.notes(),
            ["Z3 production: events forbidden: events is forbidden"]
        );
        let json = serde_json::to_value(&report).unwrap();
        let event = &json["events"][0];
        assert_eq!(event["zone"], "staging");
        assert_eq!(event["zone_id"], 2);
        assert_eq!(event["type"], "Warning");
        assert_eq!(event["object"]["kind"], "Pod");
        assert_eq!(event["count"], 14);
        assert_eq!(event["last_seen"], "2026-03-26T11:59:18Z");
        assert_eq!(json["zones"][2]["events"], "forbidden");
        assert_eq!(json["zones"][0]["state"], "live");

        fleet.zones[0].apply(ZoneEvent::Link(LinkStatus::Failed {
            error: "connection refused".into(),
            cause: crate::fleet::FailureCause::Unreachable,
            retry_at: None,
        }));
        let report = EventsReport::of(&fleet, &EventFilter::default(), now());
        assert_eq!(report.exit_code(), 2);
        assert!(report.notes()[0].starts_with("Z1 dev: reconnecting (connection refused)"));
        let filter = EventFilter {
            warnings_only: true,
            namespace: Some("ge-agents".into()),
            ..EventFilter::default()
        };
        let none = EventsReport::of(&fleet, &filter, now());
        assert_eq!(none.to_text(), "no events\n");
    }
}
