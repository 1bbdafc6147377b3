//! Draws the fleet event timeline: what is filtered, how many events there are, which zones'
//! events cannot be shown and why, then the events newest first (LAST SEEN, ZONE, TYPE,
//! REASON, OBJECT, MESSAGE, COUNT), Warnings in the theme's warning colour.
//!
//! Only the rows on screen are laid out: a fleet holds thousands of events.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::events_section::span_text;
use super::list::{ListState, RowKey};
use super::status::{draw_zone_header, zone_label};
use super::theme::Role;
use super::views::TimelineFilter;
use super::widgets::{
    column_widths, draw_header_above_list, draw_lines, table_line, width, window,
};
use super::zone_view::age;
use super::{Clock, Theme};
use crate::fleet::events::{EventFilter, TimelineRow, timeline};
use crate::fleet::{Fleet, KindStatus, ResourceKind, ZoneModel};

/// The table's columns.
const HEADERS: [&str; 7] = [
    "LAST SEEN",
    "ZONE",
    "TYPE",
    "REASON",
    "OBJECT",
    "MESSAGE",
    "COUNT",
];
/// The narrowest each column gets; the message's is what the others leave (see
/// [`minimum_widths`]).
const MINIMUM: [usize; 7] = [9, 4, 7, 9, 12, 12, 5];
const GAP: usize = 2;

/// Draws the timeline into `area`; returns how many rows a page holds.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw(
    buf: &mut Buffer,
    area: Rect,
    fleet: &Fleet,
    filter: &EventFilter,
    shown: &TimelineFilter,
    list: &mut ListState,
    theme: &Theme,
    clock: &Clock,
) -> usize {
    if area.is_empty() {
        return 1;
    }
    let muted = theme.style(Role::Muted);
    match shown.zone.and_then(|i| fleet.zones.get(i)) {
        Some(zone) => draw_zone_header(buf, area, &zone.config, theme),
        None => {
            let row = Rect::new(area.x, area.y, area.width, 1);
            buf.set_style(row, theme.style(Role::HeaderOther));
            draw_lines(
                buf,
                row,
                [Line::styled(
                    " Events · all zones",
                    theme.style(Role::HeaderOther),
                )],
            );
        }
    }
    let rows = timeline(fleet, filter);
    let header = header_lines(fleet, shown, &rows, theme);
    let list_area = draw_header_above_list(buf, area, header, muted);
    let keys: Vec<RowKey> = rows
        .iter()
        .map(|row| {
            let (zone, key) = row.key();
            RowKey::Event(zone, key)
        })
        .collect();
    let selected = list.settle(&keys);
    if list_area.height == 0 {
        return 1;
    }
    let total = usize::from(list_area.width);
    let head = Rect::new(list_area.x, list_area.y, list_area.width, 1);
    let body = Rect::new(
        list_area.x,
        list_area.y + 1,
        list_area.width,
        list_area.height - 1,
    );
    if rows.is_empty() {
        let why = if *shown == TimelineFilter::default() && list.filter.is_empty() {
            "  no events in the window"
        } else {
            "  no events match the filters"
        };
        draw_lines(buf, head, [Line::styled(why, muted)]);
        return 1;
    }
    let natural = natural_widths(&rows);
    let widths = column_widths(&natural, &minimum_widths(&natural, total), total, GAP);
    let bold = muted.add_modifier(Modifier::BOLD);
    draw_lines(
        buf,
        head,
        [table_line(
            HEADERS.iter().map(|h| Span::styled(*h, bold)).collect(),
            &widths,
            GAP,
        )],
    );
    let view = window(rows.len(), usize::from(body.height), selected, list.offset);
    list.offset = view.offset;
    let mut y = body.y;
    let announce = body.height >= 3;
    if view.above > 0 && announce {
        let line = Line::styled(format!("  … {} newer above", view.above), muted);
        draw_lines(buf, Rect::new(body.x, y, body.width, 1), [line]);
        y += 1;
    }
    for (i, row) in rows.iter().enumerate().skip(view.offset).take(view.len) {
        let line = table_line(cells(row, theme, clock), &widths, GAP);
        let rect = Rect::new(body.x, y, body.width, 1);
        draw_lines(buf, rect, [line]);
        if Some(i) == selected {
            buf.set_style(rect, theme.style(Role::Selection));
        }
        y += 1;
    }
    if view.below > 0 && announce {
        let line = Line::styled(format!("  … {} older below", view.below), muted);
        draw_lines(buf, Rect::new(body.x, y, body.width, 1), [line]);
    }
    usize::from(body.height.saturating_sub(2)).max(1)
}

/// The filters, the counts, and each zone whose events are missing or cut, with the reason.
fn header_lines<'a>(
    fleet: &Fleet,
    shown: &TimelineFilter,
    rows: &[TimelineRow<'_>],
    theme: &Theme,
) -> Vec<Line<'a>> {
    let muted = theme.style(Role::Muted);
    let text = theme.style(Role::Text);
    let zone = shown
        .zone
        .and_then(|i| fleet.zones.get(i))
        .map_or("all".to_string(), |z| zone_label(&z.config));
    let mut filters = vec![
        Span::styled("zone ", muted),
        Span::styled(zone, text),
        Span::styled("  namespace ", muted),
        Span::styled(
            shown.namespace.clone().unwrap_or_else(|| "all".into()),
            text,
        ),
        Span::styled("  type ", muted),
        if shown.warnings_only {
            Span::styled("Warning only", theme.style(Role::Warning))
        } else {
            Span::styled("all", text)
        },
    ];
    if let Some(object) = &shown.object {
        filters.push(Span::styled("  object ", muted));
        filters.push(Span::styled(
            format!("{}/{}", object.namespace, object.short()),
            text,
        ));
    }
    let warnings = rows.iter().filter(|r| r.event.is_warning()).count();
    let window = fleet
        .zones
        .first()
        .map(|z| span_text(z.events.limits().window))
        .unwrap_or_default();
    let mut lines = vec![
        Line::from(filters),
        Line::from(vec![
            Span::styled(format!("{} events", rows.len()), text),
            Span::styled(
                format!(", {warnings} Warning"),
                if warnings > 0 {
                    theme.style(Role::Warning)
                } else {
                    text
                },
            ),
            Span::styled(
                format!(" · last seen in the last {window}, newest first"),
                muted,
            ),
        ]),
    ];
    for (i, zone) in fleet.zones.iter().enumerate() {
        if shown.zone.is_some_and(|z| z != i) {
            continue;
        }
        if let Some(line) = zone_events_line(zone, theme) {
            lines.push(line);
        }
    }
    lines
}

/// Why a zone's events are missing or incomplete, if they are.
fn zone_events_line<'a>(zone: &ZoneModel, theme: &Theme) -> Option<Line<'a>> {
    let label = zone_label(&zone.config);
    let (text, role) = match zone.kinds.get(&ResourceKind::Events) {
        Some(KindStatus::Synced) => {
            let dropped = zone.events.dropped_at_cap();
            if dropped == 0 {
                return None;
            }
            (
                format!(
                    "{label}: {dropped} older events dropped (at most {} kept)",
                    zone.events.limits().max_per_zone
                ),
                Role::Muted,
            )
        }
        Some(KindStatus::Forbidden { message }) => (
            format!("{label}: events forbidden: {message}"),
            Role::Warning,
        ),
        Some(status @ KindStatus::ForbiddenIn { .. }) => match status.refusal() {
            Some(refusal) => (format!("{label}: events {refusal}"), Role::Warning),
            None => return None,
        },
        Some(KindStatus::NotServed) => (
            format!("{label}: this server does not serve events"),
            Role::Muted,
        ),
        Some(KindStatus::Failed { error, .. }) => {
            (format!("{label}: events failed: {error}"), Role::Error)
        }
        Some(KindStatus::Syncing) | None => {
            (format!("{label}: events not listed yet"), Role::Muted)
        }
    };
    Some(Line::styled(text, theme.style(role)))
}

/// The columns' minimums for a table `total` cells wide: the message, which says the most,
/// keeps what the fixed columns and the reason's and object's minimums leave (at least 12
/// cells, at most 40), so on a narrow terminal the reason and the object give way first.
fn minimum_widths(natural: &[usize], total: usize) -> Vec<usize> {
    let mut minimum = MINIMUM.to_vec();
    let fixed: usize = [0, 1, 2, 6]
        .iter()
        .map(|&i| natural[i].max(MINIMUM[i]))
        .sum();
    let left = total.saturating_sub(fixed + GAP * (HEADERS.len() - 1) + MINIMUM[3] + MINIMUM[4]);
    minimum[5] = left.clamp(MINIMUM[5], 40);
    minimum
}

/// Each column's widest content (the header's at least), without laying out every row.
fn natural_widths(rows: &[TimelineRow<'_>]) -> Vec<usize> {
    let mut natural: Vec<usize> = HEADERS.iter().map(|h| width(h)).collect();
    for row in rows {
        let e = row.event;
        let object = width(&e.object.kind) + 1 + width(&e.object.name);
        let count = e.count.to_string().len();
        for (n, w) in natural.iter_mut().zip([
            0,
            width(&row.zone.config.name),
            e.event_type.as_str().len(),
            width(&e.reason),
            object,
            width(&e.message),
            count,
        ]) {
            *n = (*n).max(w);
        }
    }
    natural
}

fn cells<'a>(row: &TimelineRow<'a>, theme: &Theme, clock: &Clock) -> Vec<Span<'a>> {
    let e = row.event;
    let style = if e.is_warning() {
        theme.style(Role::Warning)
    } else {
        theme.style(Role::Text)
    };
    vec![
        Span::styled(age(e.last_seen, clock), style),
        Span::styled(row.zone.config.name.as_str(), style),
        Span::styled(e.event_type.as_str(), style),
        Span::styled(e.reason.as_str(), style),
        Span::styled(e.object.short(), style),
        Span::styled(e.message.as_str(), style),
        Span::styled(e.count.to_string(), style),
    ]
}
