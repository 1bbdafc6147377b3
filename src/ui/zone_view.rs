//! The zone view: a zone's nodes, system pods and the workloads of its watched namespaces.

use std::time::Duration;

use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::filter::Filter;
use super::list::{ListState, RowKey};
use super::overview::rollout_mark;
use super::status::{draw_zone_header, identity_lines, state_lines};
use super::theme::Role;
use super::widgets::{ListLine, draw_header_above_list, draw_list, human_duration, table};
use super::{Clock, Theme};
use crate::config::SYSTEM_NAMESPACE;
use crate::fleet::health::{pod_is_problem, rollout_state};
use crate::fleet::{
    KindStatus, NodeInfo, ObjectKey, PodInfo, ResourceKind, WorkloadInfo, ZoneModel,
};

/// One selectable row of the zone view.
#[derive(Debug, Clone, Copy)]
pub enum ZoneRow<'a> {
    /// A node.
    Node(&'a NodeInfo),
    /// A kube-system pod.
    Pod(&'a PodInfo),
    /// A workload in a watched namespace.
    Workload(&'a WorkloadInfo),
}

impl ZoneRow<'_> {
    /// The row's key.
    pub fn key(&self) -> RowKey {
        match self {
            ZoneRow::Node(n) => RowKey::Node(n.name.clone()),
            ZoneRow::Pod(p) => RowKey::Pod(ObjectKey::new(&p.namespace, &p.name)),
            ZoneRow::Workload(w) => RowKey::Workload(w.workload_key()),
        }
    }
}

/// The pods of one namespace, in name order.
pub fn pods_in<'a>(zone: &'a ZoneModel, namespace: &'a str) -> impl Iterator<Item = &'a PodInfo> {
    zone.pods
        .range(ObjectKey::new(namespace, "")..)
        .take_while(move |(k, _)| k.namespace == namespace)
        .map(|(_, p)| p)
}

fn node_matches(filter: &Filter, n: &NodeInfo) -> bool {
    filter.is_empty()
        || filter.matches(&[
            &n.name,
            if n.ready { "Ready" } else { "NotReady" },
            &n.roles.join(","),
            &n.kubelet_version,
            &n.container_runtime,
            &n.os_image,
        ])
}

/// Does a pod row match the filter (name, status, node)?
pub fn pod_matches(filter: &Filter, p: &PodInfo) -> bool {
    filter.is_empty() || filter.matches(&[&p.name, &p.status, p.node.as_deref().unwrap_or("")])
}

fn workload_matches(filter: &Filter, w: &WorkloadInfo) -> bool {
    filter.is_empty()
        || filter.matches(&[
            w.kind.short(),
            w.kind.as_str(),
            &format!("{}/{}", w.namespace, w.name),
            rollout_state(w).word(),
            &w.images.join(" "),
        ])
}

/// The zone view's rows that pass the filter, in screen order: nodes, system pods, workloads.
pub fn rows<'a>(zone: &'a ZoneModel, filter: &Filter) -> Vec<ZoneRow<'a>> {
    let nodes = zone
        .nodes
        .values()
        .filter(|n| node_matches(filter, n))
        .map(ZoneRow::Node);
    let pods = pods_in(zone, SYSTEM_NAMESPACE)
        .filter(|p| pod_matches(filter, p))
        .map(ZoneRow::Pod);
    let workloads = zone.config.namespaces.iter().flat_map(|ns| {
        zone.workloads
            .values()
            .filter(move |w| &w.namespace == ns && workload_matches(filter, w))
            .map(ZoneRow::Workload)
    });
    nodes.chain(pods).chain(workloads).collect()
}

/// The keys of [`rows`].
pub fn row_keys(zone: &ZoneModel, filter: &Filter) -> Vec<RowKey> {
    rows(zone, filter).iter().map(ZoneRow::key).collect()
}

/// A pod's age from its creation time (`?` when unknown).
pub fn age(created: Option<Timestamp>, clock: &Clock) -> String {
    match created {
        Some(t) => {
            let seconds = clock.wall.duration_since(t).as_secs().max(0);
            human_duration(Duration::from_secs(seconds.unsigned_abs()))
        }
        None => "?".to_string(),
    }
}

/// `✓ Running`, `✗ CrashLoopBackOff`, `○ Completed`, with the role to draw it in.
pub fn pod_status(p: &PodInfo) -> (String, Role) {
    if p.is_ready() {
        (format!("✓ {}", p.status), Role::Ok)
    } else if pod_is_problem(p) {
        (format!("✗ {}", p.status), Role::Error)
    } else {
        (format!("○ {}", p.status), Role::Muted)
    }
}

/// Draws the zone view; returns how many rows a page holds.
pub(crate) fn draw(
    buf: &mut Buffer,
    area: Rect,
    zone: &ZoneModel,
    list: &mut ListState,
    theme: &Theme,
    clock: &Clock,
) -> usize {
    if area.is_empty() {
        return 1;
    }
    let width = usize::from(area.width);
    draw_zone_header(buf, area, &zone.config, theme);
    let mut header = identity_lines(&zone.config, width, theme);
    header.extend(state_lines(zone, width, 4, theme, clock));
    let list_area = draw_header_above_list(buf, area, header, theme.style(Role::Muted));

    let rows = rows(zone, &list.filter);
    let keys: Vec<RowKey> = rows.iter().map(ZoneRow::key).collect();
    let selected = list.settle(&keys);
    let lines = list_lines(zone, &rows, &list.filter, width, theme, clock);
    draw_list(
        buf,
        list_area,
        lines,
        selected,
        &mut list.offset,
        theme.style(Role::Selection),
        theme.style(Role::Muted),
    );
    usize::from(list_area.height.saturating_sub(2)).max(1)
}

fn empty_line<'a>(
    zone: &ZoneModel,
    kind: ResourceKind,
    filtered: bool,
    theme: &Theme,
) -> ListLine<'a> {
    let text = match zone.kinds.get(&kind) {
        Some(status @ KindStatus::Forbidden { .. }) => {
            format!("  {}", status.refusal().unwrap_or_default())
        }
        Some(status @ KindStatus::ForbiddenIn { .. }) if status.refusal().is_some() => {
            format!("  {}", status.refusal().unwrap_or_default())
        }
        Some(KindStatus::Syncing) | None => "  not listed yet".to_string(),
        _ if filtered => "  none match the filter".to_string(),
        _ => "  none".to_string(),
    };
    (Line::styled(text, theme.style(Role::Muted)), None)
}

fn list_lines<'a>(
    zone: &'a ZoneModel,
    rows: &[ZoneRow<'a>],
    filter: &Filter,
    width: usize,
    theme: &Theme,
    clock: &Clock,
) -> Vec<ListLine<'a>> {
    let title = theme.style(Role::Title);
    let header = theme.style(Role::Muted).add_modifier(Modifier::BOLD);
    let text = theme.style(Role::Text);
    let mut lines: Vec<ListLine<'a>> = Vec::new();
    let filtered = !filter.is_empty();

    // Nodes.
    let ready = zone.nodes.values().filter(|n| n.ready).count();
    lines.push((
        Line::styled(format!("NODES {ready}/{} ready", zone.nodes.len()), title),
        None,
    ));
    let nodes: Vec<(usize, &NodeInfo)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match r {
            ZoneRow::Node(n) => Some((i, *n)),
            _ => None,
        })
        .collect();
    if nodes.is_empty() {
        lines.push(empty_line(zone, ResourceKind::Nodes, filtered, theme));
    } else {
        let cells = nodes
            .iter()
            .map(|(_, n)| {
                let (ready, role) = if n.ready {
                    ("✓ Ready", Role::Ok)
                } else {
                    ("✗ NotReady", Role::Error)
                };
                let ready = if n.unschedulable {
                    format!("{ready},SchedulingDisabled")
                } else {
                    ready.to_string()
                };
                let roles = if n.roles.is_empty() {
                    "<none>".to_string()
                } else {
                    n.roles.join(",")
                };
                vec![
                    Span::styled(n.name.as_str(), text),
                    Span::styled(ready, theme.style(role)),
                    Span::styled(roles, text),
                    Span::styled(n.kubelet_version.as_str(), text),
                    Span::styled(n.container_runtime.as_str(), text),
                    Span::styled(n.os_image.as_str(), text),
                ]
            })
            .collect();
        let (head, body) = table(
            &["NAME", "READY", "ROLES", "KUBELET", "RUNTIME", "OS"],
            &[8, 7, 5, 8, 8, 4],
            cells,
            width,
            header,
        );
        lines.push((head, None));
        lines.extend(
            body.into_iter()
                .zip(&nodes)
                .map(|(l, (i, _))| (l, Some(*i))),
        );
    }

    // System pods.
    let (mut total, mut ready) = (0, 0);
    for p in pods_in(zone, SYSTEM_NAMESPACE) {
        total += 1;
        ready += usize::from(p.is_ready());
    }
    lines.push((
        Line::styled(format!("SYSTEM PODS {ready}/{total} ready"), title),
        None,
    ));
    let pods: Vec<(usize, &PodInfo)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match r {
            ZoneRow::Pod(p) => Some((i, *p)),
            _ => None,
        })
        .collect();
    if pods.is_empty() {
        lines.push(empty_line(zone, ResourceKind::Pods, filtered, theme));
    } else {
        let cells = pods
            .iter()
            .map(|(_, p)| {
                let (status, role) = pod_status(p);
                vec![
                    Span::styled(p.name.as_str(), text),
                    Span::styled(status, theme.style(role)),
                    Span::styled(
                        format!("{}/{}", p.ready_containers, p.total_containers),
                        text,
                    ),
                    Span::styled(p.restarts.to_string(), text),
                    Span::styled(age(p.created, clock), text),
                    Span::styled(p.node.as_deref().unwrap_or("-"), text),
                ]
            })
            .collect();
        let (head, body) = table(
            &["NAME", "STATUS", "READY", "RESTARTS", "AGE", "NODE"],
            &[10, 9, 5, 8, 3, 6],
            cells,
            width,
            header,
        );
        lines.push((head, None));
        lines.extend(body.into_iter().zip(&pods).map(|(l, (i, _))| (l, Some(*i))));
    }

    // Workloads.
    lines.push((
        Line::styled(
            format!("WORKLOADS in {}", zone.config.namespaces.join(", ")),
            title,
        ),
        None,
    ));
    let workloads: Vec<(usize, &WorkloadInfo)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match r {
            ZoneRow::Workload(w) => Some((i, *w)),
            _ => None,
        })
        .collect();
    if workloads.is_empty() {
        lines.push(empty_line(zone, ResourceKind::Deployments, filtered, theme));
    } else {
        let cells = workloads
            .iter()
            .map(|(_, w)| {
                let rollout = rollout_state(w);
                let (mark, role) = rollout_mark(&rollout, w.ready, w.desired);
                vec![
                    Span::styled(w.kind.short(), text),
                    Span::styled(w.namespace.as_str(), text),
                    Span::styled(w.name.as_str(), text),
                    Span::styled(format!("{}/{}", w.ready, w.desired), theme.style(role)),
                    Span::styled(w.updated.to_string(), text),
                    Span::styled(w.available.to_string(), text),
                    Span::styled(format!("{mark} {}", rollout.word()), theme.style(role)),
                    Span::styled(w.images.join(", "), theme.style(Role::Muted)),
                ]
            })
            .collect();
        let (head, body) = table(
            &[
                "KIND",
                "NAMESPACE",
                "NAME",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "ROLLOUT",
                "IMAGES",
            ],
            &[4, 9, 10, 5, 4, 4, 10, 10],
            cells,
            width,
            header,
        );
        lines.push((head, None));
        lines.extend(
            body.into_iter()
                .zip(&workloads)
                .map(|(l, (i, _))| (l, Some(*i))),
        );
    }
    lines
}
