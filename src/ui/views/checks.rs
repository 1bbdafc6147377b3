//! The runbook checks as a view: every zone's findings in one table (ZONE, ID, SEVERITY,
//! SUBJECT, MESSAGE), the selected finding's runbook line and source underneath; filtered by
//! zone (`z` cycles), to fails and warnings (`w`) and by text (`/`); `enter` leads to the
//! finding's subject where a view shows it (a workload's view, a node in its zone's view).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::{View, ViewKind};
use crate::actions::runner::Severity;
use crate::fleet::checks::{CheckFinding, CheckSeverity};
use crate::fleet::explain::FindingTarget;
use crate::fleet::{Fleet, WorkloadKey};
use crate::sanitize::clean;
use crate::ui::Action;
use crate::ui::keymap::Mode;
use crate::ui::layer::{DrawContext, Effect, KeyContext, KeyModes, Layer, Reply};
use crate::ui::list::{ListState, RowKey};
use crate::ui::status::zone_label;
use crate::ui::theme::{Role, Theme};
use crate::ui::widgets::{Part, column_widths, draw_lines, table_line, width, window, wrap};

/// The checks view's modes: its filter keys first, then the drill-down views' (back), the
/// list's and the global keys.
const CHECKS_MODES: KeyModes = KeyModes {
    modes: &[Mode::Checks, Mode::Zone, Mode::List, Mode::Global],
    exclusive: false,
};

/// The table's columns.
const HEADERS: [&str; 5] = ["ZONE", "ID", "SEVERITY", "SUBJECT", "MESSAGE"];
/// The narrowest each column gets.
const MINIMUM: [usize; 5] = [4, 8, 8, 10, 16];
const GAP: usize = 2;
/// Rows under the table for the selected finding's runbook line and source.
const DETAIL_ROWS: u16 = 3;

/// The checks view's state.
pub struct ChecksView {
    /// The zone in focus when it was opened, named in the top bar while no zone is chosen.
    focus: usize,
    /// Only this zone's findings (its index in the fleet).
    zone: Option<usize>,
    /// Only fails and warnings.
    problems_only: bool,
    list: ListState,
    page_rows: usize,
    /// The findings as last handed to the view (on each key and each frame): the view's rows
    /// are read from the model alone, so it keeps the findings they come from.
    findings: Vec<CheckFinding>,
}

impl ChecksView {
    /// Every zone's findings; `focus` is the zone in focus where it was opened.
    pub fn new(focus: usize) -> ChecksView {
        ChecksView {
            focus,
            zone: None,
            problems_only: false,
            list: ListState::default(),
            page_rows: 10,
            findings: Vec::new(),
        }
    }

    /// The zone filter (an index in the fleet), if one is chosen.
    pub fn zone_filter(&self) -> Option<usize> {
        self.zone
    }

    /// True while only fails and warnings are shown.
    pub fn problems_only(&self) -> bool {
        self.problems_only
    }

    /// The findings that pass the filters, each with its row key.
    fn shown<'a>(&'a self, fleet: &Fleet) -> Vec<(RowKey, &'a CheckFinding)> {
        let zone_id = self
            .zone
            .and_then(|i| fleet.zones.get(i))
            .map(|z| z.config.id);
        let mut out: Vec<(RowKey, &CheckFinding)> = Vec::new();
        for f in &self.findings {
            if zone_id.is_some_and(|id| id != f.zone)
                || (self.problems_only
                    && !matches!(f.severity, CheckSeverity::Fail | CheckSeverity::Warn))
            {
                continue;
            }
            let zone_name = fleet.zone(f.zone).map_or("", |z| z.config.name.as_str());
            let parts = [
                zone_name,
                f.id.as_str(),
                f.severity.as_str(),
                f.subject.as_str(),
                f.message.as_str(),
            ];
            if !self.list.filter.matches(&parts) {
                continue;
            }
            let nth = out
                .iter()
                .filter(|(_, g)| g.zone == f.zone && g.id == f.id && g.subject == f.subject)
                .count();
            let key = RowKey::Finding(f.zone, f.id, f.subject.clone(), nth);
            out.push((key, f));
        }
        out
    }

    /// The selected finding, if any.
    fn selected<'a>(&'a self, fleet: &Fleet) -> Option<&'a CheckFinding> {
        let rows = self.shown(fleet);
        let at = self.list.resolve(rows.iter().map(|(k, _)| k))?;
        rows.get(at).map(|(_, f)| *f)
    }

    /// `z`: all zones → the first → … → the last → all zones.
    fn cycle_zone(&mut self, fleet: &Fleet) {
        let zones = fleet.zones.len();
        self.zone = match self.zone {
            None if zones > 0 => Some(0),
            Some(i) if i + 1 < zones => Some(i + 1),
            _ => None,
        };
    }

    /// `enter`: the selected finding's subject in the view that shows it.
    fn go_to_subject(&self, fleet: &Fleet) -> Reply {
        let Some(finding) = self.selected(fleet) else {
            return Reply::NOTHING;
        };
        let Some(zone) = fleet.zones.iter().position(|z| z.config.id == finding.zone) else {
            return Reply::NOTHING;
        };
        match subject_target(&finding.subject) {
            Some(target) => Reply::Do(Effect::Reveal(zone, target)),
            None => Reply::Do(Effect::Tell(
                Severity::Info,
                format!("{} is not an object a view shows", clean(&finding.subject)),
            )),
        }
    }
}

/// The object a finding's subject names, where a view shows it: `node NAME`, or a workload as
/// `NAMESPACE/KIND/NAME`; `None` for a subject that is no object (`kubernetes`, `kubectl`).
pub fn subject_target(subject: &str) -> Option<FindingTarget> {
    if let Some(name) = subject.strip_prefix("node ") {
        return Some(FindingTarget::Node {
            name: name.trim().to_string(),
        });
    }
    WorkloadKey::parse(subject).map(FindingTarget::workload)
}

impl View for ChecksView {
    fn kind(&self) -> ViewKind {
        ViewKind::Checks
    }

    fn zone(&self) -> usize {
        self.zone.unwrap_or(self.focus)
    }

    fn list(&self) -> &ListState {
        &self.list
    }

    fn list_mut(&mut self) -> &mut ListState {
        &mut self.list
    }

    fn rows(&self, fleet: &Fleet) -> Vec<RowKey> {
        self.shown(fleet).into_iter().map(|(k, _)| k).collect()
    }

    /// `enter` is handled in [`Layer::handle`]: it leads out of this view, not over it.
    fn open(&mut self, _selected: Option<RowKey>, _fleet: &Fleet) -> Option<Box<dyn View>> {
        None
    }

    fn place(&self) -> Vec<Part<'static>> {
        let text = if self.zone.is_some() {
            " › Checks"
        } else {
            " › Checks (all zones)"
        };
        vec![Part::flexible(text, Style::default())]
    }

    fn page_rows(&self) -> usize {
        self.page_rows.max(1)
    }

    fn hints(&self) -> &'static [(Action, &'static str)] {
        &[
            (Action::Help, "help"),
            (Action::Back, "back"),
            (Action::ToggleWarnings, "fail+warn"),
            (Action::CycleZoneFilter, "zone"),
            (Action::Filter, "filter"),
            (Action::Open, "go to subject"),
        ]
    }
}

impl Layer for ChecksView {
    fn key_modes(&self, _fleet: &Fleet) -> KeyModes {
        CHECKS_MODES
    }

    fn handle(&mut self, action: Action, cx: &KeyContext<'_>) -> Reply {
        if self.findings.as_slice() != cx.checks {
            self.findings = cx.checks.to_vec();
        }
        match action {
            Action::ToggleWarnings => self.problems_only = !self.problems_only,
            Action::CycleZoneFilter => self.cycle_zone(cx.fleet),
            Action::Open => return self.go_to_subject(cx.fleet),
            // A finding is no object: these act on objects, which `enter` leads to.
            Action::Restart
            | Action::Undo
            | Action::UndoToRevision
            | Action::Logs
            | Action::ObjectYaml
            | Action::Explain
            | Action::ExplainView => {
                return Reply::Do(Effect::Tell(
                    Severity::Info,
                    "a finding is not an object: enter leads to its subject".into(),
                ));
            }
            _ => return Reply::Pass,
        }
        Reply::REDRAW
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        if self.findings.as_slice() != cx.checks {
            self.findings = cx.checks.to_vec();
        }
        self.page_rows = self.draw_table(buf, area, cx);
    }
}

impl ChecksView {
    /// Draws the title, the filters and counts, the table and the selected finding's detail;
    /// returns how many rows a page holds.
    fn draw_table(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) -> usize {
        if area.is_empty() {
            return 1;
        }
        let theme = cx.theme;
        let muted = theme.style(Role::Muted);
        let title = Rect::new(area.x, area.y, area.width, 1);
        buf.set_style(title, theme.style(Role::HeaderOther));
        draw_lines(
            buf,
            title,
            [Line::styled(
                " Runbook checks",
                theme.style(Role::HeaderOther),
            )],
        );
        let rows: Vec<(RowKey, CheckFinding)> = self
            .shown(cx.fleet)
            .into_iter()
            .map(|(k, f)| (k, f.clone()))
            .collect();
        let keys: Vec<RowKey> = rows.iter().map(|(k, _)| k.clone()).collect();
        let selected = self.list.settle(&keys);
        let header = self.header_line(cx, &rows);
        let mut y = area.y + 1;
        if area.height > 1 {
            draw_lines(buf, Rect::new(area.x, y, area.width, 1), [header]);
            y += 1;
        }
        let left = area.bottom().saturating_sub(y);
        let detail_rows = if left > DETAIL_ROWS + 2 {
            DETAIL_ROWS
        } else {
            0
        };
        let table = Rect::new(area.x, y, area.width, left - detail_rows);
        if table.height == 0 {
            return 1;
        }
        let head = Rect::new(table.x, table.y, table.width, 1);
        if rows.is_empty() {
            let why = if self.findings.is_empty() {
                "  no findings: every check passed or none has run yet"
            } else {
                "  no findings match the filters"
            };
            draw_lines(buf, head, [Line::styled(why, muted)]);
            return 1;
        }
        let total = usize::from(table.width);
        let zone_names: Vec<String> = rows
            .iter()
            .map(|(_, f)| {
                cx.fleet.zone(f.zone).map_or_else(
                    || f.zone.to_string(),
                    |z| clean(&z.config.name).into_owned(),
                )
            })
            .collect();
        let mut natural: Vec<usize> = HEADERS.iter().map(|h| width(h)).collect();
        for ((_, f), zone) in rows.iter().zip(&zone_names) {
            for (n, w) in natural.iter_mut().zip([
                width(zone),
                f.id.as_str().len(),
                f.severity.as_str().len(),
                width(&f.subject),
                width(&f.message),
            ]) {
                *n = (*n).max(w);
            }
        }
        let widths = column_widths(&natural, &MINIMUM, total, GAP);
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
        let body = Rect::new(table.x, table.y + 1, table.width, table.height - 1);
        let view = window(
            rows.len(),
            usize::from(body.height),
            selected,
            self.list.offset,
        );
        self.list.offset = view.offset;
        let mut y = body.y;
        let announce = body.height >= 3;
        if view.above > 0 && announce {
            let line = Line::styled(format!("  … {} more above", view.above), muted);
            draw_lines(buf, Rect::new(body.x, y, body.width, 1), [line]);
            y += 1;
        }
        for (i, ((_, f), zone)) in rows
            .iter()
            .zip(&zone_names)
            .enumerate()
            .skip(view.offset)
            .take(view.len)
        {
            let style = theme.style(Role::Text);
            let cells = vec![
                Span::styled(zone.clone(), style),
                Span::styled(f.id.as_str(), style),
                Span::styled(f.severity.as_str(), severity_style(f.severity, theme)),
                Span::styled(clean(&f.subject).into_owned(), style),
                Span::styled(clean(&f.message).into_owned(), style),
            ];
            let rect = Rect::new(body.x, y, body.width, 1);
            draw_lines(buf, rect, [table_line(cells, &widths, GAP)]);
            if Some(i) == selected {
                buf.set_style(rect, theme.style(Role::Selection));
            }
            y += 1;
        }
        if view.below > 0 && announce {
            let line = Line::styled(format!("  … {} more below", view.below), muted);
            draw_lines(buf, Rect::new(body.x, y, body.width, 1), [line]);
        }
        if detail_rows > 0
            && let Some((_, f)) = selected.and_then(|i| rows.get(i))
        {
            let detail = Rect::new(area.x, table.bottom(), area.width, detail_rows);
            draw_lines(buf, detail, detail_lines(f, usize::from(area.width), theme));
        }
        usize::from(body.height.saturating_sub(2)).max(1)
    }

    /// The filters and the counts of what is shown.
    fn header_line<'a>(&self, cx: &DrawContext<'_>, rows: &[(RowKey, CheckFinding)]) -> Line<'a> {
        let theme = cx.theme;
        let muted = theme.style(Role::Muted);
        let text = theme.style(Role::Text);
        let zone = self
            .zone
            .and_then(|i| cx.fleet.zones.get(i))
            .map_or("all".to_string(), |z| zone_label(&z.config));
        let count = |s: CheckSeverity| rows.iter().filter(|(_, f)| f.severity == s).count();
        let (fail, warn) = (count(CheckSeverity::Fail), count(CheckSeverity::Warn));
        Line::from(vec![
            Span::styled("zone ", muted),
            Span::styled(zone, text),
            Span::styled("  severity ", muted),
            Span::styled(
                if self.problems_only {
                    "fail+warn"
                } else {
                    "all"
                },
                text,
            ),
            Span::styled("  · ", muted),
            Span::styled(
                format!("{fail} fail"),
                if fail > 0 {
                    theme.style(Role::Error)
                } else {
                    text
                },
            ),
            Span::styled(", ", muted),
            Span::styled(
                format!("{warn} warn"),
                if warn > 0 {
                    theme.style(Role::Warning)
                } else {
                    text
                },
            ),
            Span::styled(
                format!(
                    ", {} info, {} unknown",
                    count(CheckSeverity::Info),
                    count(CheckSeverity::Unknown)
                ),
                text,
            ),
        ])
    }
}

/// The theme role a severity is drawn in.
pub fn severity_role(severity: CheckSeverity) -> Role {
    match severity {
        CheckSeverity::Fail => Role::Error,
        CheckSeverity::Warn => Role::Warning,
        CheckSeverity::Info => Role::Text,
        CheckSeverity::Unknown => Role::Muted,
    }
}

fn severity_style(severity: CheckSeverity, theme: &Theme) -> Style {
    theme.style(severity_role(severity))
}

/// The selected finding's runbook line (wrapped to two lines) and its source.
fn detail_lines<'a>(finding: &CheckFinding, max: usize, theme: &Theme) -> Vec<Line<'a>> {
    let muted = theme.style(Role::Muted);
    let text = theme.style(Role::Text);
    let mut lines: Vec<Line<'a>> = wrap(
        &format!("runbook: {}", finding.id.runbook_line()),
        max.saturating_sub(2),
        2,
    )
    .into_iter()
    .map(|l| Line::styled(format!(" {l}"), text))
    .collect();
    lines.push(Line::from(vec![
        Span::styled(" source: ", muted),
        Span::styled(clean(&finding.source).into_owned(), muted),
    ]));
    lines
}
