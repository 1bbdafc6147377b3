//! The workload view: one workload's rollout, conditions and pods; after a successful rebuild,
//! the redeploy target's pods that still run the previous image are flagged.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::filter::Filter;
use super::history_section;
use super::list::{ListState, RowKey};
use super::overview::rollout_mark;
use super::status::{draw_zone_header, state_lines};
use super::theme::Role;
use super::widgets::{ListLine, draw_header_above_list, draw_lines, draw_list, table, wrap};
use super::zone_view::{age, pod_matches, pod_status};
use super::{Clock, Theme, events_section};
use crate::fleet::health::{RolloutState, rollout_state, workload_pods};
use crate::fleet::{ObjectKey, PodInfo, WorkloadKey, ZoneModel, ZoneState};

/// The workload's pods that pass the filter, in name order.
pub fn rows<'a>(
    zone: &'a ZoneModel,
    workload: &'a WorkloadKey,
    filter: &Filter,
) -> Vec<&'a PodInfo> {
    let mut pods = workload_pods(zone, workload);
    pods.retain(|p| pod_matches(filter, p));
    pods
}

/// The keys of [`rows`], then of the Deployment's revisions.
pub fn row_keys(zone: &ZoneModel, workload: &WorkloadKey, filter: &Filter) -> Vec<RowKey> {
    let mut keys: Vec<RowKey> = rows(zone, workload, filter)
        .iter()
        .map(|p| RowKey::Pod(ObjectKey::new(&p.namespace, &p.name)))
        .collect();
    let revisions = history_section::revisions(zone, workload, filter);
    keys.extend(history_section::row_keys(&workload.namespace, &revisions));
    keys
}

/// `ge-agents/ge-executor`.
pub fn workload_path(key: &WorkloadKey) -> String {
    format!("{}/{}", key.namespace, key.name)
}

/// What the pods started before the last successful build are doing.
pub const PREVIOUS_IMAGE: &str = "running the previous image";
/// The flag in such a pod's row.
pub const PREVIOUS_IMAGE_FLAG: &str = "⚠ previous image";

/// Draws the workload view; `stale` names the pods running the previous image. Returns how
/// many rows a page holds.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw(
    buf: &mut Buffer,
    area: Rect,
    zone: &ZoneModel,
    key: &WorkloadKey,
    list: &mut ListState,
    stale: &[String],
    theme: &Theme,
    clock: &Clock,
) -> usize {
    if area.is_empty() {
        return 1;
    }
    let width = usize::from(area.width);
    let muted = theme.style(Role::Muted);
    let text = theme.style(Role::Text);
    draw_zone_header(buf, area, &zone.config, theme);
    let mut header: Vec<Line> = Vec::new();
    if zone.state() != ZoneState::Live {
        header.extend(state_lines(zone, width, 2, theme, clock));
    }
    let Some(w) = zone.workloads.get(key) else {
        header.push(Line::styled(
            format!(
                "✗ no such workload any more: {} {}",
                key.kind.as_str(),
                workload_path(key)
            ),
            theme.style(Role::Error).add_modifier(Modifier::BOLD),
        ));
        header.push(Line::styled(
            "It was deleted, or the zone no longer lists it. Go back to choose another.",
            muted,
        ));
        draw_lines(
            buf,
            Rect::new(
                area.x,
                area.y + 1,
                area.width,
                area.height.saturating_sub(1),
            ),
            header,
        );
        return 1;
    };
    let rollout = rollout_state(w);
    let (mark, role) = rollout_mark(&rollout, w.ready, w.desired);
    let role = theme.style(role);
    header.push(Line::from(vec![
        Span::styled(format!("{} ", w.kind.as_str()), muted),
        Span::styled(workload_path(key), theme.style(Role::Title)),
    ]));
    header.push(Line::from(vec![
        Span::styled("ready ", muted),
        Span::styled(
            format!("{}/{}", w.ready, w.desired),
            role.add_modifier(Modifier::BOLD),
        ),
        Span::styled("  up-to-date ", muted),
        Span::styled(w.updated.to_string(), text),
        Span::styled("  available ", muted),
        Span::styled(w.available.to_string(), text),
        Span::styled("  current ", muted),
        Span::styled(w.current.to_string(), text),
        Span::styled("  generation ", muted),
        Span::styled(format!("{}/{}", w.observed_generation, w.generation), text),
    ]));
    let rollout_text = match &rollout {
        RolloutState::Complete => format!("{mark} rollout complete"),
        RolloutState::Paused => format!("{mark} rollout paused (resume to continue)"),
        RolloutState::Progressing(m) => format!("{mark} rollout progressing: {m}"),
        RolloutState::Failed(m) => format!("{mark} rollout failed: {m}"),
    };
    header.extend(
        wrap(&rollout_text, width, 3)
            .into_iter()
            .map(|l| Line::styled(l, role)),
    );
    for c in &w.conditions {
        let role = if c.status == "True" {
            Role::Ok
        } else {
            Role::Warning
        };
        let mut spans = vec![
            Span::styled(format!("{}={}", c.kind, c.status), theme.style(role)),
            Span::styled(format!(" {}", c.reason), text),
        ];
        if !c.message.is_empty() {
            spans.push(Span::styled(format!(": {}", c.message), muted));
        }
        header.push(Line::from(spans));
    }
    if !w.images.is_empty() {
        header.push(Line::from(vec![
            Span::styled("images ", muted),
            Span::styled(w.images.join(", "), text),
        ]));
    }
    if !stale.is_empty() {
        let pods = if stale.len() == 1 {
            "pod is"
        } else {
            "pods are"
        };
        header.push(Line::styled(
            format!(
                "⚠ {} {pods} {PREVIOUS_IMAGE} (started before the rebuild finished)",
                stale.len()
            ),
            theme.style(Role::Warning),
        ));
    }
    let list_area = draw_header_above_list(buf, area, header, muted);

    let pods = rows(zone, key, &list.filter);
    let mut keys: Vec<RowKey> = pods
        .iter()
        .map(|p| RowKey::Pod(ObjectKey::new(&p.namespace, &p.name)))
        .collect();
    let revisions = history_section::revisions(zone, key, &list.filter);
    keys.extend(history_section::row_keys(&key.namespace, &revisions));
    let selected = list.settle(&keys);
    let mut lines: Vec<ListLine> = vec![(
        Line::styled(format!("PODS {}", pods.len()), theme.style(Role::Title)),
        None,
    )];
    if pods.is_empty() {
        let why = if list.filter.is_empty() {
            "  no pods"
        } else {
            "  none match the filter"
        };
        lines.push((Line::styled(why, muted), None));
    } else {
        let warning = theme.style(Role::Warning);
        let cells = pods
            .iter()
            .map(|p| {
                let (status, role) = pod_status(p);
                let mut row = vec![
                    Span::styled(p.name.as_str(), text),
                    Span::styled(status, theme.style(role)),
                ];
                if !stale.is_empty() {
                    row.push(if stale.contains(&p.name) {
                        Span::styled(PREVIOUS_IMAGE_FLAG, warning)
                    } else {
                        Span::raw("")
                    });
                }
                row.extend([
                    Span::styled(
                        format!("{}/{}", p.ready_containers, p.total_containers),
                        text,
                    ),
                    Span::styled(p.restarts.to_string(), text),
                    Span::styled(age(p.created, clock), text),
                    Span::styled(p.node.as_deref().unwrap_or("-"), text),
                    Span::styled(p.images.join(", "), muted),
                ]);
                row
            })
            .collect();
        let (head, body) = if stale.is_empty() {
            table(
                &[
                    "NAME", "STATUS", "READY", "RESTARTS", "AGE", "NODE", "IMAGE",
                ],
                &[10, 9, 5, 8, 3, 6, 10],
                cells,
                width,
                muted.add_modifier(Modifier::BOLD),
            )
        } else {
            // The flag comes right after the status and is never cut; names keep their
            // length where they can, so the flagged pods can be told apart.
            let longest_name = pods.iter().map(|p| super::widgets::width(&p.name)).max();
            let name_min = longest_name.unwrap_or(10).clamp(10, 32);
            table(
                &[
                    "NAME", "STATUS", "NOTE", "READY", "RESTARTS", "AGE", "NODE", "IMAGE",
                ],
                &[
                    name_min,
                    9,
                    super::widgets::width(PREVIOUS_IMAGE_FLAG),
                    5,
                    8,
                    3,
                    4,
                    6,
                ],
                cells,
                width,
                muted.add_modifier(Modifier::BOLD),
            )
        };
        lines.push((head, None));
        // A stuck pod's reason goes right under its row.
        for (i, (line, pod)) in body.into_iter().zip(&pods).enumerate() {
            lines.push((line, Some(i)));
            if let Some(reason) = events_section::pod_reason_line(zone, pod, theme) {
                lines.push((reason, None));
            }
        }
    }
    history_section::push_lines(&mut lines, &revisions, pods.len(), width, theme, clock);
    lines.push((Line::raw(""), None));
    lines.extend(events_section::workload_event_lines(
        zone, key, width, theme, clock,
    ));
    draw_list(
        buf,
        list_area,
        lines,
        selected,
        &mut list.offset,
        theme.style(Role::Selection),
        muted,
    );
    usize::from(list_area.height.saturating_sub(2)).max(1)
}
