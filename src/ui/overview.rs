//! The overview: one column per zone with its header, versions, system pods and namespaces;
//! on terminals too small for side-by-side columns, one zone at a time under a strip that
//! summarises every zone.

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use super::filter::Filter;
use super::list::{ListState, RowKey};
use super::status::{
    draw_zone_header, has_no_data, identity_lines, is_forbidden, state_lines, state_mark,
    state_role, state_word,
};
use super::theme::Role;
use super::widgets::{Part, draw_lines, squeeze};
use super::{Clock, Theme};
use crate::fleet::health::{
    NamespaceSummary, PinCheck, PodProblem, RolloutState, WorkloadSummary, ZoneSummary,
    rollout_state,
};
use crate::fleet::{Fleet, KindStatus, ResourceKind, WorkloadKey, WorkloadKind, ZoneModel};

/// Narrowest zone column drawn side by side.
pub const MIN_COLUMN_WIDTH: u16 = 34;
/// Lowest zone column drawn side by side (or in a grid row).
pub const MIN_COLUMN_HEIGHT: u16 = 16;

/// How the zones are arranged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverviewLayout {
    /// Side by side, in `rows` rows of `columns` columns.
    Grid {
        /// Zones per row.
        columns: usize,
        /// Rows of zones.
        rows: usize,
    },
    /// One zone at a time under a one-line strip summarising every zone.
    Tabs,
}

/// Picks the arrangement: the fewest grid rows whose cells are at least
/// [`MIN_COLUMN_WIDTH`]×[`MIN_COLUMN_HEIGHT`], else tabs.
pub fn choose_layout(area: Rect, zones: usize) -> OverviewLayout {
    let max_columns = usize::from(area.width / MIN_COLUMN_WIDTH);
    for rows in 1..=zones {
        let columns = zones.div_ceil(rows);
        if columns <= max_columns && usize::from(area.height) / rows >= MIN_COLUMN_HEIGHT.into() {
            return OverviewLayout::Grid { columns, rows };
        }
    }
    OverviewLayout::Tabs
}

fn workload_matches(
    filter: &Filter,
    kind: WorkloadKind,
    namespace: &str,
    name: &str,
    rollout: &str,
) -> bool {
    filter.is_empty() || filter.matches(&[kind.short(), &format!("{namespace}/{name}"), rollout])
}

fn pod_matches(filter: &Filter, namespace: &str, pod: &PodProblem) -> bool {
    filter.is_empty() || filter.matches(&["pod", &format!("{namespace}/{}", pod.name), &pod.reason])
}

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

pub(crate) fn grid_cell(area: Rect, columns: usize, rows: usize, i: usize) -> Rect {
    let (row, column) = (i / columns, i % columns);
    let split = |total: u16, parts: usize, index: usize| {
        let total = usize::from(total);
        let start = total * index / parts;
        let end = total * (index + 1) / parts;
        (start as u16, (end - start) as u16)
    };
    let (x, w) = split(area.width, columns, column);
    let (y, h) = split(area.height, rows, row);
    Rect::new(area.x + x, area.y + y, w, h)
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

/// One block of a column: a heading and its rows.
struct Section<'a> {
    title: Line<'a>,
    title_key: Option<RowKey>,
    items: Vec<Item<'a>>,
}

/// One row of a block.
struct Item<'a> {
    line: Line<'a>,
    /// Set for selectable rows.
    key: Option<RowKey>,
    /// Shows a failure, so a "… N more" that hides it says so.
    problem: bool,
}

impl<'a> Item<'a> {
    fn plain(line: Line<'a>) -> Item<'a> {
        Item {
            line,
            key: None,
            problem: false,
        }
    }

    fn problem(line: Line<'a>, problem: bool) -> Item<'a> {
        Item {
            line,
            key: None,
            problem,
        }
    }
}

/// How much of one section is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SectionFit {
    /// The section is on screen at all.
    pub visible: bool,
    /// First item shown.
    pub start: usize,
    /// Items shown; the rest are announced as "… N more".
    pub shown: usize,
}

/// How a column's sections share its height.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnFit {
    /// Per section.
    pub sections: Vec<SectionFit>,
    /// Whole sections left out, announced on the last line.
    pub hidden_sections: usize,
}

/// Shares `height` lines among sections of `sizes` items (each section also has a heading):
/// every section shows as many items as the others where possible, a section that cannot show
/// all says "… N more" on one extra line, and the section with the `focus` (section, item) is
/// served first and scrolled so the item is shown.
pub fn fit_sections(
    sizes: &[usize],
    height: usize,
    focus: Option<(usize, Option<usize>)>,
) -> ColumnFit {
    let full: usize = sizes.iter().map(|n| 1 + n).sum();
    if full <= height {
        return ColumnFit {
            sections: sizes
                .iter()
                .map(|&n| SectionFit {
                    visible: true,
                    start: 0,
                    shown: n,
                })
                .collect(),
            hidden_sections: 0,
        };
    }
    let cost = |cap: usize| -> usize {
        sizes
            .iter()
            .map(|&n| 1 + n.min(cap) + usize::from(n > cap))
            .sum()
    };
    let focus_section = focus.map(|(s, _)| s).filter(|s| *s < sizes.len());
    if cost(0) <= height {
        let (mut fits, mut too_many) = (0, sizes.iter().copied().max().unwrap_or(0));
        while fits + 1 < too_many {
            let mid = (fits + too_many) / 2;
            if cost(mid) <= height {
                fits = mid;
            } else {
                too_many = mid;
            }
        }
        let mut shown: Vec<usize> = sizes.iter().map(|&n| n.min(fits)).collect();
        let mut spare = height - cost(fits);
        let order: Vec<usize> = focus_section
            .into_iter()
            .chain((0..sizes.len()).filter(|i| Some(*i) != focus_section))
            .collect();
        loop {
            let mut changed = false;
            for &i in &order {
                if shown[i] >= sizes[i] {
                    continue;
                }
                if sizes[i] - shown[i] == 1 {
                    // The "… 1 more" line becomes the item itself.
                    shown[i] += 1;
                    changed = true;
                } else if spare > 0 {
                    shown[i] += 1;
                    spare -= 1;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let sections = shown
            .iter()
            .enumerate()
            .map(|(i, &shown)| {
                let start = match focus {
                    Some((s, Some(item))) if s == i && shown > 0 && item >= shown => {
                        item + 1 - shown
                    }
                    _ => 0,
                };
                SectionFit {
                    visible: true,
                    start,
                    shown,
                }
            })
            .collect();
        return ColumnFit {
            sections,
            hidden_sections: 0,
        };
    }
    // Not even a heading and a "… more" line for every section: show whole sections, from the
    // focused one if it would not be reached from the top, and say how many are left out.
    let section_cost = |n: usize| 1 + usize::from(n > 0);
    let take_from = |first: usize| {
        let mut used = 0;
        let mut last = first;
        for (i, &n) in sizes.iter().enumerate().skip(first) {
            let reserve = usize::from(i + 1 < sizes.len() || first > 0);
            if used + section_cost(n) + reserve > height {
                break;
            }
            used += section_cost(n);
            last = i + 1;
        }
        last
    };
    let mut first = 0;
    let mut end = take_from(0);
    if let Some(f) = focus_section
        && f >= end
    {
        first = f;
        end = take_from(f);
    }
    let sections = (0..sizes.len())
        .map(|i| SectionFit {
            visible: (first..end).contains(&i),
            start: 0,
            shown: 0,
        })
        .collect();
    ColumnFit {
        sections,
        hidden_sections: sizes.len() - (end - first),
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
        draw_lines(
            buf,
            blocks,
            [Line::styled("no data yet", theme.style(Role::Muted))],
        );
        return usize::from(blocks.height);
    }
    let sections = build_sections(zone, summary, width, input.filter, theme);
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

/// `… N more`.
pub(crate) fn more_line(hidden: usize, theme: &Theme) -> Line<'static> {
    Line::styled(format!("  … {hidden} more"), theme.style(Role::Muted))
}

/// `… N more (M ✗)`: what a cut block hides, and how many of those are failures.
fn more_problems_line(hidden: usize, problems: usize, theme: &Theme) -> Line<'static> {
    let mut line = more_line(hidden, theme);
    if problems > 0 {
        line.spans.push(Span::styled(
            format!(" ({problems} ✗)"),
            theme.style(Role::Error).add_modifier(Modifier::BOLD),
        ));
    }
    line
}

fn build_sections<'a>(
    zone: &'a ZoneModel,
    summary: &'a ZoneSummary,
    width: usize,
    filter: &Filter,
    theme: &Theme,
) -> Vec<Section<'a>> {
    let mut sections = vec![
        versions_section(zone, summary, width, theme),
        system_pods_section(zone, summary, width, theme),
    ];
    let namespaces_known = matches!(
        zone.kinds.get(&ResourceKind::Namespaces),
        Some(KindStatus::Synced)
    );
    for ns in &summary.namespaces {
        if let Some(section) = namespace_section(ns, namespaces_known, width, filter, theme) {
            sections.push(section);
        }
    }
    sections
}

fn heading(text: impl Into<Cow<'static, str>>, theme: &Theme) -> Line<'static> {
    Line::styled(text.into(), theme.style(Role::Title))
}

fn versions_section<'a>(
    zone: &'a ZoneModel,
    summary: &'a ZoneSummary,
    width: usize,
    theme: &Theme,
) -> Section<'a> {
    let text = theme.style(Role::Text);
    let muted = theme.style(Role::Muted);
    let mut items = Vec::new();
    // Pins first, failures first, so a cut block still shows what is wrong.
    let (failed, ok): (Vec<&PinCheck>, Vec<&PinCheck>) = summary.pins.iter().partition(|p| !p.ok);
    for pin in failed.into_iter().chain(ok) {
        items.push(Item::problem(pin_line(pin, width, theme), !pin.ok));
    }
    let server = zone.server_version.as_deref().unwrap_or("unknown");
    items.push(Item::plain(squeeze(
        vec![Part::fixed("server ", muted), Part::flexible(server, text)],
        width,
    )));
    if is_forbidden(zone, ResourceKind::Nodes) {
        items.push(Item::plain(Line::styled(
            "nodes: forbidden",
            theme.style(Role::Warning),
        )));
    }
    for node in zone.nodes.values() {
        let mut parts = vec![
            Part::flexible(node.name.as_str(), muted),
            Part::fixed(" ", text),
            Part::fixed(node.kubelet_version.as_str(), text),
            Part::fixed(" ", text),
            Part::flexible(node.container_runtime.as_str(), text),
        ];
        if !node.ready {
            parts.push(Part::fixed(" ✗ NotReady", theme.style(Role::Error)));
        }
        items.push(Item::problem(squeeze(parts, width), !node.ready));
    }
    Section {
        title: heading("VERSIONS", theme),
        title_key: None,
        items,
    }
}

/// `✓ coredns 1.14.1 (v1.14.x)` or `✗ traefik not found (v3.6.x)`.
fn pin_line<'a>(pin: &'a PinCheck, width: usize, theme: &Theme) -> Line<'a> {
    let (mark, role) = if pin.ok {
        ("✓ ", Role::Ok)
    } else {
        ("✗ ", Role::Error)
    };
    let style = theme.style(role);
    squeeze(
        vec![
            Part::fixed(mark, style.add_modifier(Modifier::BOLD)),
            Part::fixed(pin.component.as_str(), theme.style(Role::Text)),
            Part::fixed(" ", style),
            Part::flexible(pin.actual.as_deref().unwrap_or("not found"), style),
            Part::fixed(format!(" ({})", pin.pinned), theme.style(Role::Muted)),
        ],
        width,
    )
}

fn system_pods_section<'a>(
    zone: &'a ZoneModel,
    summary: &'a ZoneSummary,
    width: usize,
    theme: &Theme,
) -> Section<'a> {
    let pods = &summary.system_pods;
    let title = if is_forbidden(zone, ResourceKind::Pods) {
        Line::from(vec![
            Span::styled("SYSTEM PODS ", theme.style(Role::Title)),
            Span::styled("forbidden", theme.style(Role::Warning)),
        ])
    } else {
        let (mark, role) = if pods.problems.is_empty() {
            ("✓", Role::Ok)
        } else {
            ("✗", Role::Error)
        };
        let completed = pods.total - pods.ready - pods.problems.len();
        let mut spans = vec![
            Span::styled("SYSTEM PODS ", theme.style(Role::Title)),
            Span::styled(
                format!("{mark} {}/{} ready", pods.ready, pods.total),
                theme.style(role),
            ),
        ];
        if completed > 0 {
            spans.push(Span::styled(
                format!(", {completed} completed"),
                theme.style(Role::Muted),
            ));
        }
        Line::from(spans)
    };
    let items = pods
        .problems
        .iter()
        .map(|p| Item::problem(problem_line(p, "", "", width, theme), true))
        .collect();
    Section {
        title,
        title_key: None,
        items,
    }
}

/// `✗ metrics-server-… CrashLoopBackOff 7 restarts` (`label` goes before the name); the name
/// gives way first.
fn problem_line<'a>(
    pod: &'a PodProblem,
    indent: &'static str,
    label: &'static str,
    width: usize,
    theme: &Theme,
) -> Line<'a> {
    let error = theme.style(Role::Error);
    let mut parts = vec![
        Part::fixed(indent, error),
        Part::fixed("✗ ", error),
        Part::fixed(label, theme.style(Role::Muted)),
        Part::flexible(pod.name.as_str(), theme.style(Role::Text)),
        Part::fixed(" ", error),
        Part::fixed(pod.reason.as_str(), error.add_modifier(Modifier::BOLD)),
    ];
    if pod.restarts > 0 {
        let plural = if pod.restarts == 1 { "" } else { "s" };
        parts.push(Part::fixed(
            format!(" {} restart{plural}", pod.restarts),
            theme.style(Role::Muted),
        ));
    }
    squeeze(parts, width)
}

/// A workload's mark and role: ✓ healthy, ↻ rolling out, ‖ paused, ✗ failed or short of ready.
pub fn rollout_mark(rollout: &RolloutState, ready: i32, desired: i32) -> (&'static str, Role) {
    match rollout {
        RolloutState::Complete if ready >= desired => ("✓", Role::Ok),
        RolloutState::Complete => ("✗", Role::Error),
        RolloutState::Progressing(_) => ("↻", Role::Warning),
        RolloutState::Paused => ("‖", Role::Warning),
        RolloutState::Failed(_) => ("✗", Role::Error),
    }
}

fn workload_line<'a>(w: &'a WorkloadSummary, width: usize, theme: &Theme) -> Line<'a> {
    let (mark, role) = rollout_mark(&w.rollout, w.ready, w.desired);
    let style = theme.style(role);
    let mut parts = vec![
        Part::fixed("  ", style),
        Part::fixed(mark, style.add_modifier(Modifier::BOLD)),
        Part::fixed(format!(" {:<6} ", w.kind.short()), theme.style(Role::Muted)),
        Part::flexible(w.name.as_str(), theme.style(Role::Text)),
        Part::fixed(format!(" {}/{}", w.ready, w.desired), style),
    ];
    match &w.rollout {
        RolloutState::Complete => {}
        other => parts.push(Part::fixed(
            format!(" {}", other.word()),
            style.add_modifier(Modifier::BOLD),
        )),
    }
    squeeze(parts, width)
}

fn namespace_section<'a>(
    ns: &'a NamespaceSummary,
    namespaces_known: bool,
    width: usize,
    filter: &Filter,
    theme: &Theme,
) -> Option<Section<'a>> {
    let mut items: Vec<Item<'a>> = ns
        .workloads
        .iter()
        .filter(|w| workload_matches(filter, w.kind, &ns.name, &w.name, w.rollout.word()))
        .map(|w| {
            let key = WorkloadKey {
                kind: w.kind,
                namespace: ns.name.clone(),
                name: w.name.clone(),
            };
            let (mark, _) = rollout_mark(&w.rollout, w.ready, w.desired);
            Item {
                line: workload_line(w, width, theme),
                key: Some(key.into()),
                problem: mark == "✗",
            }
        })
        .collect();
    let name_matches = filter.matches(&[&ns.name]);
    if !name_matches && items.is_empty() {
        return None;
    }
    items.extend(
        ns.pods_not_ready
            .iter()
            .filter(|p| pod_matches(filter, &ns.name, p))
            .map(|p| Item::problem(problem_line(p, "    ", "pod ", width, theme), true)),
    );
    if items.is_empty() && filter.is_empty() {
        items.push(Item::plain(Line::styled(
            "  no workloads",
            theme.style(Role::Muted),
        )));
    }
    let mut title = vec![Span::styled(
        ns.name.clone(),
        theme.style(Role::Text).add_modifier(Modifier::BOLD),
    )];
    if !ns.exists && namespaces_known {
        title.push(Span::styled(" (missing)", theme.style(Role::Warning)));
    }
    if !ns.pods_not_ready.is_empty() {
        title.push(Span::styled(
            format!(" ✗ {} pods not ready", ns.pods_not_ready.len()),
            theme.style(Role::Error),
        ));
    }
    Some(Section {
        title: Line::from(title),
        title_key: Some(RowKey::Namespace(ns.name.clone())),
        items,
    })
}

impl From<WorkloadKey> for RowKey {
    fn from(key: WorkloadKey) -> RowKey {
        RowKey::Workload(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_goes_to_tabs_when_columns_would_be_cramped() {
        let r = |w, h| Rect::new(0, 0, w, h);
        assert_eq!(
            choose_layout(r(200, 48), 3),
            OverviewLayout::Grid {
                columns: 3,
                rows: 1
            }
        );
        assert_eq!(choose_layout(r(78, 22), 3), OverviewLayout::Tabs);
        assert_eq!(
            choose_layout(r(80, 22), 1),
            OverviewLayout::Grid {
                columns: 1,
                rows: 1
            }
        );
        assert_eq!(
            choose_layout(r(200, 48), 8),
            OverviewLayout::Grid {
                columns: 4,
                rows: 2
            }
        );
        assert_eq!(choose_layout(r(120, 30), 8), OverviewLayout::Tabs);
        assert_eq!(choose_layout(r(0, 0), 3), OverviewLayout::Tabs);
    }

    fn lines_used(fit: &ColumnFit, sizes: &[usize]) -> usize {
        let sections: usize = fit
            .sections
            .iter()
            .zip(sizes)
            .filter(|(f, _)| f.visible)
            .map(|(f, &n)| 1 + f.shown + usize::from(f.shown < n))
            .sum();
        sections + usize::from(fit.hidden_sections > 0)
    }

    #[test]
    fn sections_share_the_height_and_say_what_they_hide() {
        let sizes = [6, 2, 10, 0];
        let fit = fit_sections(&sizes, 100, None);
        assert!(
            fit.sections
                .iter()
                .zip(sizes)
                .all(|(f, n)| f.visible && f.shown == n)
        );
        let fit = fit_sections(&sizes, 14, None);
        assert_eq!(lines_used(&fit, &sizes), 14);
        let shown: Vec<usize> = fit.sections.iter().map(|f| f.shown).collect();
        assert_eq!(shown, [3, 2, 3, 0]);
        // The focused section is served first and scrolled to its item.
        let fit = fit_sections(&sizes, 14, Some((2, Some(9))));
        let focus = fit.sections[2];
        assert!(
            (focus.start..focus.start + focus.shown).contains(&9),
            "{fit:?}"
        );
        // Too low for every heading: whole sections, and a count of the rest.
        let fit = fit_sections(&sizes, 4, Some((2, None)));
        assert!(fit.sections[2].visible);
        assert!(fit.hidden_sections > 0);
        assert!(lines_used(&fit, &sizes) <= 4);
    }

    #[test]
    fn fitting_never_overflows() {
        let shapes: [&[usize]; 5] = [
            &[0],
            &[3, 0, 0, 7],
            &[1, 1, 1, 1, 1, 1, 1],
            &[40, 2],
            &[0, 0, 0],
        ];
        for sizes in shapes {
            for height in 0..60 {
                for focus in [None, Some((0, None)), Some((sizes.len() - 1, Some(0)))] {
                    let fit = fit_sections(sizes, height, focus);
                    assert!(
                        lines_used(&fit, sizes) <= height.max(1),
                        "{sizes:?} {height} {fit:?}"
                    );
                }
            }
        }
    }
}
