//! The explain pane: why the item the user pressed `x` on is red, as the findings of
//! [`crate::fleet::explain`], recomputed from the model at every frame. `enter` leads to the
//! selected finding's object (its view and row); `x` explains that object here in turn (a pin
//! is always explained here: it has no view of its own), `L` opens its log, `Y` its YAML and
//! `E` its events, and `esc` goes back one explanation, then closes the pane.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::layer::{BottomBar, DrawContext, Effect, KeyContext, KeyModes, Layer, Placement, Reply};
use super::panes::draw_title_row;
use super::status::zone_label;
use super::theme::{Role, Theme};
use super::widgets::{ListLine, Part, draw_list, squeeze, wrap};
use super::{Action, Keymap, Mode};
use crate::actions::logs::{LogOrder, LogSettings, LogSubject};
use crate::actions::object_yaml::ObjectRef;
use crate::actions::runner::Severity;
use crate::fleet::Fleet;
use crate::fleet::events::EventObject;
use crate::fleet::explain::{Finding, FindingSeverity, FindingTarget, explain};

/// Lines a headline may wrap to.
const HEADLINE_LINES: usize = 3;
/// Lines each detail line may wrap to.
const DETAIL_LINES: usize = 4;

/// The pane's state: the zone, the explanations opened (the last is shown) and the selection.
#[derive(Debug)]
pub struct ExplainPane {
    zone: usize,
    trail: Vec<FindingTarget>,
    selected: usize,
    offset: usize,
    page_rows: usize,
}

impl ExplainPane {
    /// A pane explaining `subject` in the zone with index `zone` (in `fleet.zones`).
    pub fn new(zone: usize, subject: FindingTarget) -> ExplainPane {
        ExplainPane {
            zone,
            trail: vec![subject],
            selected: 0,
            offset: 0,
            page_rows: 1,
        }
    }

    /// What is explained now.
    pub fn subject(&self) -> &FindingTarget {
        // The trail starts with one subject and `back` never pops the last.
        &self.trail[self.trail.len() - 1]
    }

    /// The findings now, for keys. Their number, order and targets do not depend on the time
    /// (only words like "2m ago" do), so any reading of the clock gives the same answer here.
    fn findings(&self, fleet: &Fleet) -> Vec<Finding> {
        fleet
            .zones
            .get(self.zone)
            .map(|z| explain(z, self.subject(), jiff::Timestamp::UNIX_EPOCH))
            .unwrap_or_default()
    }

    fn selected_target(&self, fleet: &Fleet) -> Option<FindingTarget> {
        let findings = self.findings(fleet);
        findings
            .get(self.selected.min(findings.len().saturating_sub(1)))
            .map(|f| f.target.clone())
    }

    fn select(&mut self, fleet: &Fleet, to: impl FnOnce(usize, usize) -> usize) -> Reply {
        let count = self.findings(fleet).len();
        if count == 0 {
            return Reply::NOTHING;
        }
        let current = self.selected.min(count - 1);
        let next = to(current, count - 1).min(count - 1);
        let changed = next != self.selected;
        self.selected = next;
        Reply::Done(changed)
    }

    /// Shows `target`'s explanation on top of the current one.
    fn push(&mut self, target: FindingTarget) -> Reply {
        if &target == self.subject() {
            return Reply::Do(Effect::Hint("this is what is explained".into()));
        }
        self.trail.push(target);
        self.selected = 0;
        self.offset = 0;
        Reply::REDRAW
    }

    fn back(&mut self) -> Reply {
        if self.trail.len() > 1 {
            self.trail.pop();
            self.selected = 0;
            self.offset = 0;
            Reply::REDRAW
        } else {
            Reply::Do(Effect::Close)
        }
    }

    /// `enter`: a pin is explained here; anything else is shown in its view.
    fn open(&mut self, fleet: &Fleet) -> Reply {
        match self.selected_target(fleet) {
            Some(pin @ FindingTarget::Pin { .. }) => self.push(pin),
            Some(target) => Reply::CloseAnd(Effect::Reveal(self.zone, target)),
            None => Reply::NOTHING,
        }
    }

    /// `L`: the log of the selected finding's pod (its container, when the finding is about
    /// one) or workload.
    fn logs(&self, fleet: &Fleet) -> Reply {
        let Some(zone) = fleet.zones.get(self.zone) else {
            return Reply::NOTHING;
        };
        let (subject, container) = match self.selected_target(fleet) {
            Some(FindingTarget::Pod { pod, container }) => (LogSubject::Pod(pod), container),
            Some(FindingTarget::Workload { workload }) => (LogSubject::Workload(workload), None),
            Some(other) => {
                return Reply::Do(Effect::Tell(
                    Severity::Info,
                    format!("logs: {} has no log", other.describe()),
                ));
            }
            None => return Reply::NOTHING,
        };
        Reply::Do(Effect::OpenLogs(LogOrder {
            zone: zone.config.id,
            subject,
            settings: LogSettings {
                container,
                ..LogSettings::default()
            },
        }))
    }

    /// `Y`: the selected finding's object as YAML.
    fn yaml(&self, fleet: &Fleet) -> Reply {
        let Some(zone) = fleet.zones.get(self.zone) else {
            return Reply::NOTHING;
        };
        let Some(target) = self.selected_target(fleet) else {
            return Reply::NOTHING;
        };
        let Some(object) = target.object() else {
            return Reply::Do(Effect::Tell(
                Severity::Info,
                format!("YAML: {} is not an object", target.describe()),
            ));
        };
        Reply::Do(Effect::OpenYaml(
            zone.config.id,
            ObjectRef {
                kind: object.kind.to_string(),
                api_version: None,
                namespace: (!object.namespace.is_empty()).then(|| object.namespace.to_string()),
                name: object.name.to_string(),
            },
        ))
    }

    /// `E`: the selected finding's events: a pod's or a node's in the timeline, a workload's
    /// in its view (with its ReplicaSets' and pods'), the zone's in the timeline.
    fn events(&self, fleet: &Fleet) -> Reply {
        match self.selected_target(fleet) {
            Some(target @ (FindingTarget::Pod { .. } | FindingTarget::Node { .. })) => {
                let Some(object) = target.object() else {
                    return Reply::NOTHING;
                };
                let object = EventObject::new(object.kind, object.namespace, object.name);
                Reply::CloseAnd(Effect::ObjectEvents(self.zone, object))
            }
            Some(workload @ FindingTarget::Workload { .. }) => {
                Reply::CloseAnd(Effect::Reveal(self.zone, workload))
            }
            Some(FindingTarget::Zone | FindingTarget::Pin { .. }) | None => {
                Reply::CloseAnd(Effect::OpenTimeline)
            }
        }
    }

    fn copy(&self, fleet: &Fleet) -> Reply {
        let path = self.selected_target(fleet).and_then(|t| object_path(&t));
        Reply::Do(match path {
            Some(path) => Effect::Copy(path),
            None => Effect::Tell(
                Severity::Info,
                "copy: this finding is about the zone or a pin, not an object".into(),
            ),
        })
    }
}

/// `kube-system/pod/NAME`, `ge-agents/deployment/NAME`, `node/NAME`: what `copy` puts on the
/// clipboard, as in the views.
fn object_path(target: &FindingTarget) -> Option<String> {
    let object = target.object()?;
    let kind = object.kind.to_ascii_lowercase();
    Some(if object.namespace.is_empty() {
        format!("{kind}/{}", object.name)
    } else {
        format!("{}/{kind}/{}", object.namespace, object.name)
    })
}

/// The mark and role of a severity; the mark reads without colour.
fn severity_mark(severity: FindingSeverity) -> (&'static str, Role) {
    match severity {
        FindingSeverity::Error => ("✗", Role::Error),
        FindingSeverity::Warning => ("⚠", Role::Warning),
        FindingSeverity::Info => ("•", Role::Muted),
        FindingSeverity::Ok => ("✓", Role::Ok),
    }
}

/// A finding as list lines, every line selectable as `index`.
fn finding_lines(
    finding: &Finding,
    index: usize,
    width: usize,
    theme: &Theme,
) -> Vec<ListLine<'static>> {
    let (mark, role) = severity_mark(finding.severity);
    let style = theme.style(role);
    let mut lines = Vec::new();
    for (i, text) in wrap(&finding.headline, width.saturating_sub(4), HEADLINE_LINES)
        .into_iter()
        .enumerate()
    {
        let lead = if i == 0 {
            Span::styled(format!(" {mark} "), style.add_modifier(Modifier::BOLD))
        } else {
            Span::raw("   ")
        };
        let text_style = if finding.severity >= FindingSeverity::Warning {
            style
        } else {
            theme.style(Role::Text)
        };
        lines.push((
            Line::from(vec![lead, Span::styled(text, text_style)]),
            Some(index),
        ));
    }
    let muted = theme.style(Role::Muted);
    for detail in &finding.detail {
        for text in wrap(detail, width.saturating_sub(6), DETAIL_LINES) {
            lines.push((Line::styled(format!("     {text}"), muted), Some(index)));
        }
    }
    lines
}

/// Where `enter` on a finding leads, in words for the pane's last row.
fn leads_to(target: &FindingTarget) -> String {
    match target {
        FindingTarget::Pin { .. } => format!("enter explains {}", target.describe()),
        FindingTarget::Zone => "enter opens the zone's view".into(),
        other => format!("enter goes to {}", other.describe()),
    }
}

impl Layer for ExplainPane {
    fn key_modes(&self, _fleet: &Fleet) -> KeyModes {
        KeyModes::only(&[Mode::Explain, Mode::Global])
    }

    fn handle(&mut self, action: Action, cx: &KeyContext<'_>) -> Reply {
        let page = self.page_rows.max(1);
        match action {
            Action::Back => self.back(),
            Action::Open => self.open(cx.fleet),
            Action::Explain => match self.selected_target(cx.fleet) {
                Some(target) => self.push(target),
                None => Reply::NOTHING,
            },
            Action::Copy => self.copy(cx.fleet),
            Action::Logs => self.logs(cx.fleet),
            Action::ObjectYaml => self.yaml(cx.fleet),
            Action::OpenEvents => self.events(cx.fleet),
            Action::SelectUp => self.select(cx.fleet, |i, _| i.saturating_sub(1)),
            Action::SelectDown => self.select(cx.fleet, |i, _| i + 1),
            Action::PageUp => self.select(cx.fleet, |i, _| i.saturating_sub(page)),
            Action::PageDown => self.select(cx.fleet, |i, _| i + page),
            Action::HalfPageUp => self.select(cx.fleet, |i, _| i.saturating_sub(page.div_ceil(2))),
            Action::HalfPageDown => self.select(cx.fleet, |i, _| i + page.div_ceil(2)),
            Action::First => self.select(cx.fleet, |_, _| 0),
            Action::Last => self.select(cx.fleet, |_, last| last),
            _ => Reply::Pass,
        }
    }

    fn bottom_bar(&self, _keymap: &Keymap) -> Option<BottomBar> {
        Some(BottomBar::Hints(&[
            (Action::Back, "back"),
            (Action::SelectDown, "select"),
            (Action::Open, "go to"),
            (Action::Explain, "explain it"),
            (Action::Logs, "logs"),
            (Action::OpenEvents, "events"),
            (Action::Help, "help"),
        ]))
    }

    fn crumb(&self) -> Option<&'static str> {
        Some(" › Why")
    }

    fn placement(&mut self, _body: Rect, _cx: &DrawContext<'_>) -> Placement {
        Placement::Fill
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        if area.is_empty() {
            return;
        }
        let theme = cx.theme;
        let muted = theme.style(Role::Muted);
        let title = theme.style(Role::Title);
        let Some(zone) = cx.fleet.zones.get(self.zone) else {
            draw_title_row(buf, area, vec![Part::fixed("─ Why ", title)], theme);
            return;
        };
        let trail: Vec<String> = self.trail.iter().map(FindingTarget::describe).collect();
        draw_title_row(
            buf,
            area,
            vec![
                Part::fixed("─ Why · ", title),
                Part::fixed(format!("{} · ", zone_label(&zone.config)), title),
                Part::flexible(trail.join(" › "), title),
            ],
            theme,
        );
        let findings = explain(zone, self.subject(), cx.clock.wall);
        self.selected = self.selected.min(findings.len().saturating_sub(1));
        let width = usize::from(area.width);
        let lines: Vec<ListLine> = findings
            .iter()
            .enumerate()
            .flat_map(|(i, f)| finding_lines(f, i, width, theme))
            .collect();
        let list = Rect::new(
            area.x,
            area.y.saturating_add(1),
            area.width,
            area.height.saturating_sub(2),
        );
        self.page_rows = usize::from(list.height).max(1);
        draw_list(
            buf,
            list,
            lines,
            Some(self.selected),
            &mut self.offset,
            theme.style(Role::Selection),
            muted,
        );
        if area.height >= 3
            && let Some(f) = findings.get(self.selected)
        {
            let footer = squeeze(
                vec![
                    Part::fixed("  → ", muted),
                    Part::flexible(leads_to(&f.target), muted),
                ],
                width,
            );
            buf.set_line(area.x, area.bottom() - 1, &footer, area.width);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{ObjectKey, WorkloadKey};

    #[test]
    fn copy_paths_read_as_in_the_views() {
        let pod = FindingTarget::pod(ObjectKey::new("kube-system", "coredns-1"));
        assert_eq!(
            object_path(&pod).as_deref(),
            Some("kube-system/pod/coredns-1")
        );
        let node = FindingTarget::Node {
            name: "ge-dev-1".into(),
        };
        assert_eq!(object_path(&node).as_deref(), Some("node/ge-dev-1"));
        let w = FindingTarget::workload(WorkloadKey::parse("ge-agents/sts/postgresql").unwrap());
        assert_eq!(
            object_path(&w).as_deref(),
            Some("ge-agents/statefulset/postgresql")
        );
        assert_eq!(object_path(&FindingTarget::Zone), None);
    }
}
