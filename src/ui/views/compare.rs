//! The zones side by side: platform rows (Kubernetes, containerd, Traefik, CoreDNS, then the
//! ingress, default StorageClass and CNI the `zone.platform` check reads) above the GE
//! workloads (kube-system excluded); zones as columns in promotion order, each workload cell
//! its image tag and ready/desired, differing cells highlighted, and a PROMOTION column saying
//! how the workload stands along the path (the `drift.workload` check's own words). `enter`
//! opens the selected workload's view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::checks::severity_role;
use super::{DRILL_DOWN_MODES, View, ViewKind};
use crate::fleet::checks::drift::{Cell, WorkloadComparison, compare, workload_keys, zone_order};
use crate::fleet::checks::{CheckFinding, CheckId, CheckSeverity};
use crate::fleet::compare::{PlatformRow, platform_rows_with, runbook_platform_rows};
use crate::fleet::health::image_tag;
use crate::fleet::{Fleet, WorkloadKey};
use crate::sanitize::clean;
use crate::ui::Action;
use crate::ui::layer::{DrawContext, KeyContext, KeyModes, Layer, Reply};
use crate::ui::list::{ListState, RowKey};
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{ListLine, Part, column_widths, draw_lines, draw_list, table_line, width};

const GAP: usize = 2;

/// The compare view's state.
pub struct CompareView {
    /// The zone in focus when it was opened: `enter` opens a workload there when it runs it.
    focus: usize,
    list: ListState,
    page_rows: usize,
}

impl CompareView {
    /// The comparison; `focus` is the zone in focus where it was opened.
    pub fn new(focus: usize) -> CompareView {
        CompareView {
            focus,
            list: ListState::default(),
            page_rows: 10,
        }
    }

    /// The zone whose workload view `enter` opens: the focused zone when it runs the
    /// workload, else the first zone that does.
    fn zone_for(&self, fleet: &Fleet, key: &WorkloadKey) -> Option<usize> {
        let runs = |i: usize| {
            fleet
                .zones
                .get(i)
                .is_some_and(|z| z.workloads.contains_key(key))
        };
        if runs(self.focus) {
            return Some(self.focus);
        }
        (0..fleet.zones.len()).find(|&i| runs(i))
    }
}

impl View for CompareView {
    fn kind(&self) -> ViewKind {
        ViewKind::Compare
    }

    fn zone(&self) -> usize {
        self.focus
    }

    fn list(&self) -> &ListState {
        &self.list
    }

    fn list_mut(&mut self) -> &mut ListState {
        &mut self.list
    }

    fn rows(&self, fleet: &Fleet) -> Vec<RowKey> {
        workload_keys(fleet)
            .into_iter()
            .filter(|k| self.list.filter.matches(&[&k.to_string()]))
            .map(|k| RowKey::Workload(k.clone()))
            .collect()
    }

    /// `enter` is handled in [`Layer::handle`]: it leads to the workload's zone.
    fn open(&mut self, _selected: Option<RowKey>, _fleet: &Fleet) -> Option<Box<dyn View>> {
        None
    }

    fn place(&self) -> Vec<Part<'static>> {
        vec![Part::flexible(" › Compare zones", Style::default())]
    }

    fn page_rows(&self) -> usize {
        self.page_rows.max(1)
    }

    fn hints(&self) -> &'static [(Action, &'static str)] {
        &[
            (Action::Help, "help"),
            (Action::Back, "back"),
            (Action::Filter, "filter"),
            (Action::Open, "workload"),
        ]
    }
}

impl Layer for CompareView {
    fn key_modes(&self, _fleet: &Fleet) -> KeyModes {
        DRILL_DOWN_MODES
    }

    fn handle(&mut self, action: Action, cx: &KeyContext<'_>) -> Reply {
        if action != Action::Open {
            return Reply::Pass;
        }
        let rows = self.rows(cx.fleet);
        let selected = self.list.resolve(&rows).and_then(|i| rows.get(i));
        let Some(RowKey::Workload(key)) = selected else {
            return Reply::NOTHING;
        };
        match self.zone_for(cx.fleet, key) {
            Some(zone) => Reply::Do(crate::ui::layer::Effect::GoToWorkload(zone, key.clone())),
            None => Reply::NOTHING,
        }
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        if area.is_empty() {
            return;
        }
        let theme = cx.theme;
        let title = Rect::new(area.x, area.y, area.width, 1);
        buf.set_style(title, theme.style(Role::HeaderOther));
        draw_lines(
            buf,
            title,
            [Line::styled(
                " Compare zones · in promotion order",
                theme.style(Role::HeaderOther),
            )],
        );
        let order = zone_order(cx.fleet, cx.promotion_path);
        let platform =
            platform_rows_with(cx.fleet, &order, runbook_platform_rows(cx.fleet, &order));
        let workloads: Vec<WorkloadComparison> = compare(cx.fleet, cx.promotion_path)
            .into_iter()
            .filter(|w| self.list.filter.matches(&[&w.key.to_string()]))
            .collect();
        let keys: Vec<RowKey> = workloads
            .iter()
            .map(|w| RowKey::Workload(w.key.clone()))
            .collect();
        let selected = self.list.settle(&keys);
        let zone_names: Vec<String> = order
            .iter()
            .filter_map(|&i| cx.fleet.zones.get(i))
            .map(|z| clean(&z.config.name).into_owned())
            .collect();
        let table = comparison_table(&zone_names, &platform, &workloads, cx.checks, theme);
        let body = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
        if body.height == 0 {
            return;
        }
        let total = usize::from(body.width);
        let widths = column_widths(&table.natural, &table.minimum, total, GAP);
        let muted = theme.style(Role::Muted);
        let head = Rect::new(body.x, body.y, body.width, 1);
        draw_lines(buf, head, [table_line(table.header, &widths, GAP)]);
        let lines: Vec<ListLine<'_>> = table
            .rows
            .into_iter()
            .map(|(cells, index)| (table_line(cells, &widths, GAP), index))
            .collect();
        let list_area = Rect::new(body.x, body.y + 1, body.width, body.height - 1);
        draw_list(
            buf,
            list_area,
            lines,
            selected,
            &mut self.list.offset,
            theme.style(Role::Selection),
            muted,
        );
        self.page_rows = usize::from(list_area.height.saturating_sub(2)).max(1);
    }
}

/// The laid-out comparison before it is fitted to the screen.
struct ComparisonTable<'a> {
    header: Vec<Span<'a>>,
    /// Each line's cells and, for a workload, its index among the selectable rows.
    rows: Vec<(Vec<Span<'a>>, Option<usize>)>,
    natural: Vec<usize>,
    minimum: Vec<usize>,
}

/// The header, the platform rows, a blank line, then one row per workload.
fn comparison_table<'a>(
    zone_names: &[String],
    platform: &[PlatformRow],
    workloads: &[WorkloadComparison],
    checks: &[CheckFinding],
    theme: &Theme,
) -> ComparisonTable<'a> {
    let text = theme.style(Role::Text);
    let differs = theme.style(Role::Warning);
    let muted = theme.style(Role::Muted);
    let bold = muted.add_modifier(Modifier::BOLD);
    let mut header = vec![Span::styled("COMPONENT / WORKLOAD", bold)];
    header.extend(
        zone_names
            .iter()
            .map(|n| Span::styled(n.to_uppercase(), bold)),
    );
    header.push(Span::styled("PROMOTION", bold));
    let mut rows: Vec<(Vec<Span<'a>>, Option<usize>)> = Vec::new();
    for row in platform {
        let style = if row.differs() { differs } else { text };
        let mut cells = vec![Span::styled(row.component.clone(), text)];
        cells.extend(
            row.cells
                .iter()
                .map(|c| Span::styled(clean(c).into_owned(), style)),
        );
        cells.push(Span::styled(
            if row.differs() { "differs" } else { "same" },
            muted,
        ));
        rows.push((cells, None));
    }
    rows.push((vec![Span::raw("")], None));
    for (index, w) in workloads.iter().enumerate() {
        let mut cells = vec![Span::styled(
            format!("{} {}/{}", w.key.kind.short(), w.key.namespace, w.key.name),
            text,
        )];
        for ((_, cell), differs_here) in w.cells.iter().zip(&w.differs) {
            let style = if *differs_here { differs } else { text };
            cells.push(Span::styled(cell_text(cell), style));
        }
        let (promotion, severity) = promotion_text(w, checks);
        cells.push(Span::styled(
            promotion,
            theme.style(severity_role(severity)),
        ));
        rows.push((cells, Some(index)));
    }
    let mut natural: Vec<usize> = header.iter().map(|s| s.width()).collect();
    for (cells, _) in &rows {
        for (n, c) in natural.iter_mut().zip(cells) {
            *n = (*n).max(c.width());
        }
    }
    let mut minimum = vec![12];
    minimum.extend(zone_names.iter().map(|n| width(n).clamp(4, 10)));
    minimum.push(12);
    ComparisonTable {
        header,
        rows,
        natural,
        minimum,
    }
}

/// A workload cell: `1.4.0 2/2`, `missing`, `?` for a zone not live.
fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::NotLive => "?".into(),
        Cell::Missing => "missing".into(),
        Cell::Present {
            images,
            ready,
            desired,
            ..
        } => {
            let tags: Vec<&str> = images
                .iter()
                .map(|i| image_tag(i).unwrap_or("latest"))
                .collect();
            clean(&format!("{} {ready}/{desired}", tags.join(","))).into_owned()
        }
    }
}

/// The PROMOTION column: the worst `drift.workload` finding about the workload (as the check
/// computed it), else that it runs the same everywhere.
fn promotion_text(w: &WorkloadComparison, checks: &[CheckFinding]) -> (String, CheckSeverity) {
    let subject = w.key.to_string();
    let worst = checks
        .iter()
        .filter(|f| f.id == CheckId::DriftWorkload && f.subject == subject)
        .max_by_key(|f| f.severity);
    match worst {
        Some(f) => (clean(&f.message).into_owned(), f.severity),
        None if w.cells.iter().any(|(_, c)| *c == Cell::NotLive) => {
            ("unknown: a zone is not live".into(), CheckSeverity::Unknown)
        }
        None => ("same everywhere".into(), CheckSeverity::Info),
    }
}
