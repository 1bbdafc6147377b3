//! The overview: one column per zone with its header, versions, system pods and namespaces;
//! on terminals too small for side-by-side columns, one zone at a time under a strip that
//! summarises every zone.

mod checks_line;
mod layout;
mod sections;

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

pub(crate) use layout::grid_cell;
pub use layout::{
    ColumnFit, MIN_COLUMN_HEIGHT, MIN_COLUMN_WIDTH, OverviewLayout, SectionFit, choose_layout,
    fit_sections,
};
pub use sections::rollout_mark;

use super::filter::Filter;
use super::list::{ListState, RowKey};
use super::status::{
    draw_zone_header, has_no_data, identity_lines, state_lines, state_mark, state_role, state_word,
};
use super::theme::Role;
use super::widgets::draw_lines;
use super::{Clock, Theme};
use crate::fleet::health::{PinStatus, ZoneSummary, rollout_state};
use crate::fleet::{Fleet, ZoneModel};
use sections::{build_sections, more_line, more_problems_line, workload_matches};

/// The selectable rows of a zone's column (namespaces and their workloads) that pass the filter,
/// in screen order, computed from the model.
pub fn row_keys(zone: &ZoneModel, filter: &Filter) -> Vec<RowKey> {
    let mut rows = Vec::new();
    for namespace in &zone.config.namespaces {
        let children: Vec<RowKey> = zone
            .workloads
            .values()
            .filter(|w| &w.namespace == namespace)
            .filter(|w| {
                // The rollout is judged only when a filter needs its word.
                filter.is_empty()
                    || workload_matches(
                        filter,
                        w.kind,
                        &w.namespace,
                        &w.name,
                        rollout_state(w).word(),
                    )
            })
            .map(|w| RowKey::Workload(w.workload_key()))
            .collect();
        if filter.matches(&[namespace]) || !children.is_empty() {
            rows.push(RowKey::Namespace(namespace.clone()));
            rows.extend(children);
        }
    }
    rows
}

/// Everything the overview draws from.
pub(crate) struct OverviewInput<'a> {
    pub fleet: &'a Fleet,
    pub summaries: &'a [ZoneSummary],
    pub focus: usize,
    pub filter: &'a Filter,
    pub theme: &'a Theme,
    pub clock: &'a Clock,
    pub checks: &'a [crate::fleet::checks::CheckFinding],
    pub promotion: &'a [crate::fleet::checks::promotion::PromotionLine],
}

/// Draws the overview into `area`; returns how many rows a page holds in the focused column.
pub(crate) fn draw(
    buf: &mut Buffer,
    area: Rect,
    input: &OverviewInput<'_>,
    lists: &mut [ListState],
) -> usize {
    let zones = input.fleet.zones.len();
    if zones == 0 || area.is_empty() {
        return 1;
    }
    let mut page = 1;
    match choose_layout(area, zones) {
        OverviewLayout::Grid { columns, rows } => {
            for (i, zone) in input.fleet.zones.iter().enumerate() {
                let cell = grid_cell(area, columns, rows, i);
                let focused = i == input.focus;
                let list = lists.get_mut(i);
                let height = draw_column(
                    buf,
                    cell,
                    zone,
                    summary(input, i).as_ref(),
                    focused,
                    list,
                    input,
                );
                if focused {
                    page = height;
                }
            }
        }
        OverviewLayout::Tabs => {
            let strip = Rect::new(area.x, area.y, area.width, 1);
            draw_strip(buf, strip, input);
            let rest = Rect::new(
                area.x,
                area.y + 1,
                area.width,
                area.height.saturating_sub(1),
            );
            if let Some(zone) = input.fleet.zones.get(input.focus) {
                page = draw_column(
                    buf,
                    rest,
                    zone,
                    summary(input, input.focus).as_ref(),
                    true,
                    lists.get_mut(input.focus),
                    input,
                );
            }
        }
    }
    (page / 2).max(1)
}

/// The zone's summary from the loop, or derived now if the loop did not pass one.
fn summary<'a>(input: &OverviewInput<'a>, i: usize) -> Cow<'a, ZoneSummary> {
    match input.summaries.get(i) {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(ZoneSummary::of(&input.fleet.zones[i])),
    }
}

/// The one-line summary of every zone used with tabs: `▶Z1 dev ✓ live │ Z2 staging ✗ unauthorized`,
/// shortened step by step until it fits.
fn draw_strip(buf: &mut Buffer, row: Rect, input: &OverviewInput<'_>) {
    let theme = input.theme;
    let width = usize::from(row.width);
    for detail in [2, 1, 0] {
        let mut spans = Vec::new();
        for (i, zone) in input.fleet.zones.iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled(" │ ", theme.style(Role::Border)));
            }
            let state = zone.state();
            let focused = i == input.focus;
            let base = if focused {
                theme.style(Role::Selection)
            } else {
                Style::new()
            };
            let label = match detail {
                2 => format!(
                    "{}{} {}",
                    if focused { "▶" } else { "" },
                    zone.config.id,
                    zone.config.name
                ),
                _ => format!("{}{}", if focused { "▶" } else { "" }, zone.config.id),
            };
            spans.push(Span::styled(label, base.patch(theme.style(Role::Text))));
            if zone.config.is_production() {
                spans.push(Span::styled(" PROD", theme.style(Role::HeaderProduction)));
            }
            let word = if detail >= 1 {
                format!(" {} {}", state_mark(state), state_word(state))
            } else {
                format!(" {}", state_mark(state))
            };
            spans.push(Span::styled(word, theme.style(state_role(state))));
        }
        let line = Line::from(spans);
        if line.width() <= width || detail == 0 {
            draw_lines(buf, row, [line]);
            return;
        }
    }
}

/// Draws one zone's column; returns the height of its sections area.
fn draw_column(
    buf: &mut Buffer,
    area: Rect,
    zone: &ZoneModel,
    summary: &ZoneSummary,
    focused: bool,
    list: Option<&mut ListState>,
    input: &OverviewInput<'_>,
) -> usize {
    let theme = input.theme;
    let border = if focused {
        theme.style(Role::BorderFocused)
    } else {
        theme.style(Role::Border)
    };
    let block = Block::new().borders(Borders::ALL).border_style(border);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.is_empty() {
        return 1;
    }
    draw_zone_header(buf, inner, &zone.config, theme);
    checks_line::draw_counts(buf, inner, zone.config.id, input.checks, theme);
    // One cell of padding on the left, except for the header's coloured bar.
    let inner = Rect::new(
        inner.x + 1.min(inner.width),
        inner.y,
        inner.width.saturating_sub(1),
        inner.height,
    );
    let width = usize::from(inner.width);
    let mut header: Vec<Line> = identity_lines(&zone.config, width, theme);
    header.extend(state_lines(zone, width, 3, theme, input.clock));
    header.extend(checks_line::promotion_line(
        zone.config.id,
        input.promotion,
        width,
        theme,
    ));
    let room = usize::from(inner.height) - 1;
    let body = Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1);
    let header_used = if header.len() > room {
        let hidden = header.len() - room + 1;
        header.truncate(room.saturating_sub(1));
        header.push(more_line(hidden, theme));
        room
    } else {
        header.len()
    };
    draw_lines(buf, body, header);
    let blocks = Rect::new(
        body.x,
        body.y + header_used as u16,
        body.width,
        body.height - header_used as u16,
    );
    if blocks.is_empty() {
        return 1;
    }
    if has_no_data(zone) {
        // What it is pinned to, marked unknown: nothing was checked, nothing failed.
        let lines = std::iter::once(Line::styled("no data yet", theme.style(Role::Muted))).chain(
            summary
                .pins
                .iter()
                .filter(|p| p.status == PinStatus::Unknown)
                .map(|p| sections::pin_line(p, width, theme)),
        );
        draw_lines(buf, blocks, lines);
        return usize::from(blocks.height);
    }
    let sections = build_sections(zone, summary, width, input.filter, theme, input.clock);
    // The selection, by key, located in the sections.
    let keys: Vec<(RowKey, usize, Option<usize>)> = sections
        .iter()
        .enumerate()
        .flat_map(|(s, section)| {
            section
                .title_key
                .iter()
                .map(move |k| (k.clone(), s, None))
                .chain(
                    section
                        .items
                        .iter()
                        .enumerate()
                        .filter_map(move |(i, item)| {
                            item.key.as_ref().map(|k| (k.clone(), s, Some(i)))
                        }),
                )
        })
        .collect();
    let focus = match list {
        Some(list) if focused => {
            let row_keys: Vec<RowKey> = keys.iter().map(|(k, _, _)| k.clone()).collect();
            list.settle(&row_keys).map(|i| (keys[i].1, keys[i].2))
        }
        _ => None,
    };
    let sizes: Vec<usize> = sections.iter().map(|s| s.items.len()).collect();
    let fit = fit_sections(&sizes, usize::from(blocks.height), focus);
    let mut lines: Vec<(Line, bool)> = Vec::new();
    for (s, (section, plan)) in sections.into_iter().zip(&fit.sections).enumerate() {
        if !plan.visible {
            continue;
        }
        lines.push((section.title, focus == Some((s, None))));
        let shown = plan.start..plan.start + plan.shown;
        let mut hidden = 0;
        let mut hidden_problems = 0;
        for (i, item) in section.items.into_iter().enumerate() {
            if shown.contains(&i) {
                lines.push((item.line, focus == Some((s, Some(i)))));
            } else {
                hidden += 1;
                hidden_problems += usize::from(item.problem);
            }
        }
        if hidden > 0 {
            lines.push((more_problems_line(hidden, hidden_problems, theme), false));
        }
    }
    if fit.hidden_sections > 0 {
        let n = fit.hidden_sections;
        lines.push((
            Line::styled(
                format!("… {n} more block{}", if n == 1 { "" } else { "s" }),
                theme.style(Role::Muted),
            ),
            false,
        ));
    }
    let selection = theme.style(Role::Selection);
    for (y, (line, selected)) in (blocks.y..blocks.bottom()).zip(lines) {
        let row = Rect::new(blocks.x, y, blocks.width, 1);
        draw_lines(buf, row, [line]);
        if selected {
            buf.set_style(row, selection);
        }
    }
    usize::from(blocks.height)
}
