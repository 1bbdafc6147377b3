//! Section builders: the blocks of a zone's column (versions, system pods, one per namespace)
//! and the lines they are made of.

use std::borrow::Cow;

use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use crate::fleet::events::{RECENT_WARNINGS, recent_warnings};
use crate::fleet::health::{
    NamespaceSummary, PinCheck, PinStatus, PodProblem, RolloutState, WorkloadSummary, ZoneSummary,
};
use crate::fleet::{KindStatus, ResourceKind, WorkloadKey, WorkloadKind, ZoneModel};
use crate::ui::events_section::span_text;
use crate::ui::filter::Filter;
use crate::ui::list::RowKey;
use crate::ui::status::is_forbidden;
use crate::ui::theme::Role;
use crate::ui::widgets::{Part, squeeze};
use crate::ui::{Clock, Theme};

pub(super) fn workload_matches(
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

/// One block of a column: a heading and its rows.
pub(super) struct Section<'a> {
    pub(super) title: Line<'a>,
    pub(super) title_key: Option<RowKey>,
    pub(super) items: Vec<Item<'a>>,
}

/// One row of a block.
pub(super) struct Item<'a> {
    pub(super) line: Line<'a>,
    /// Set for selectable rows.
    pub(super) key: Option<RowKey>,
    /// Shows a failure, so a "… N more" that hides it says so.
    pub(super) problem: bool,
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

/// `… N more`.
pub(super) fn more_line(hidden: usize, theme: &Theme) -> Line<'static> {
    Line::styled(format!("  … {hidden} more"), theme.style(Role::Muted))
}

/// `… N more (M ✗)`: what a cut block hides, and how many of those are failures.
pub(super) fn more_problems_line(hidden: usize, problems: usize, theme: &Theme) -> Line<'static> {
    let mut line = more_line(hidden, theme);
    if problems > 0 {
        line.spans.push(Span::styled(
            format!(" ({problems} ✗)"),
            theme.style(Role::Error).add_modifier(Modifier::BOLD),
        ));
    }
    line
}

pub(super) fn build_sections<'a>(
    zone: &'a ZoneModel,
    summary: &'a ZoneSummary,
    width: usize,
    filter: &Filter,
    theme: &Theme,
    clock: &Clock,
) -> Vec<Section<'a>> {
    let mut sections = vec![
        versions_section(zone, summary, width, theme),
        system_pods_section(zone, summary, width, theme),
    ];
    sections.extend(warnings_section(zone, theme, clock));
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
    let (failed, rest): (Vec<&PinCheck>, Vec<&PinCheck>) = summary
        .pins
        .iter()
        .partition(|p| p.status == PinStatus::Failed);
    for pin in failed.into_iter().chain(rest) {
        let failed = pin.status == PinStatus::Failed;
        items.push(Item::problem(pin_line(pin, width, theme), failed));
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

/// `✓ coredns 1.14.1 (v1.14.x)`, `✗ traefik not found (v3.6.x)`, or `? traefik unknown
/// (v3.6.x)` in a zone never reached.
pub(super) fn pin_line<'a>(pin: &'a PinCheck, width: usize, theme: &Theme) -> Line<'a> {
    let (mark, role, actual) = match pin.status {
        PinStatus::Ok => ("✓ ", Role::Ok, pin.actual.as_deref().unwrap_or("not found")),
        PinStatus::Failed => (
            "✗ ",
            Role::Error,
            pin.actual.as_deref().unwrap_or("not found"),
        ),
        PinStatus::Unknown => ("? ", Role::Muted, "unknown"),
    };
    let style = theme.style(role);
    squeeze(
        vec![
            Part::fixed(mark, style.add_modifier(Modifier::BOLD)),
            Part::fixed(pin.component.as_str(), theme.style(Role::Text)),
            Part::fixed(" ", style),
            Part::flexible(actual, style),
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

/// One line, when the zone saw Warning events in the last 15 minutes: `EVENTS ⚠ 3 Warning in
/// 15m`. Like "pods not ready", nothing is said when there is nothing to say, so a quiet zone's
/// column keeps its rows; events that may not be listed are named in the state lines.
fn warnings_section<'a>(zone: &ZoneModel, theme: &Theme, clock: &Clock) -> Option<Section<'a>> {
    let warnings = recent_warnings(zone, clock.wall);
    if warnings == 0 {
        return None;
    }
    Some(Section {
        title: Line::from(vec![
            Span::styled("EVENTS ", theme.style(Role::Title)),
            Span::styled(
                format!("⚠ {warnings} Warning in {}", span_text(RECENT_WARNINGS)),
                theme.style(Role::Warning),
            ),
        ]),
        title_key: None,
        items: Vec::new(),
    })
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
