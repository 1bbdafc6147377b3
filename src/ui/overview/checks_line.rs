//! A zone's runbook checks in its overview column: the counts of failed checks and warnings
//! at the right end of the zone's header bar (`✗ 2 ⚠ 1`, nothing when there are none), and
//! the zone's promotion line under its state (nothing when the zone has none).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::config::ZoneId;
use crate::fleet::checks::promotion::PromotionLine;
use crate::fleet::checks::{CheckFinding, zone_counts};
use crate::sanitize::clean;
use crate::ui::theme::{Role, Theme};
use crate::ui::views::severity_role;
use crate::ui::widgets::{truncate, width};

/// `✗ 2 ⚠ 1`: the zone's failed checks and warnings; `None` when it has neither.
pub fn counts_line(
    zone: ZoneId,
    findings: &[CheckFinding],
    theme: &Theme,
) -> Option<Line<'static>> {
    let (fail, warn) = zone_counts(findings, zone);
    if fail == 0 && warn == 0 {
        return None;
    }
    let mut spans = Vec::new();
    if fail > 0 {
        spans.push(Span::styled(format!("✗ {fail}"), theme.style(Role::Error)));
    }
    if warn > 0 {
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(
            format!("⚠ {warn}"),
            theme.style(Role::Warning),
        ));
    }
    spans.push(Span::raw(" "));
    Some(Line::from(spans))
}

/// Draws the counts at the right end of the header `row`, over its bar, when they fit beside
/// the zone's title (a third of the row at most).
pub fn draw_counts(
    buf: &mut Buffer,
    row: Rect,
    zone: ZoneId,
    findings: &[CheckFinding],
    theme: &Theme,
) {
    let Some(line) = counts_line(zone, findings, theme) else {
        return;
    };
    let cells = u16::try_from(line.width()).unwrap_or(u16::MAX);
    if row.height == 0 || cells > row.width / 3 {
        return;
    }
    buf.set_line(row.right() - cells, row.y, &line, cells);
}

/// The zone's promotion line, cut to `max` cells; `None` when the zone has none.
pub fn promotion_line(
    zone: ZoneId,
    lines: &[PromotionLine],
    max: usize,
    theme: &Theme,
) -> Option<Line<'static>> {
    let line = lines.iter().find(|l| l.zone == zone)?;
    if line.text.is_empty() {
        return None;
    }
    let text = clean(&line.text);
    let shown = if width(&text) > max {
        truncate(&text, max).into_owned()
    } else {
        text.into_owned()
    };
    Some(Line::styled(
        shown,
        theme.style(severity_role(line.severity)),
    ))
}
