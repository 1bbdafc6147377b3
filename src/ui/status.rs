//! How a zone's identity and connection state are shown, shared by every view.

use std::time::SystemTime;

use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::Clock;
use super::theme::{Role, Theme};
use super::widgets::{Part, human_duration, squeeze, wrap};
use crate::config::ZoneConfig;
use crate::fleet::{ResourceKind, ZoneModel, ZoneState};

/// The words for a state as the user reads them (`not configured`, not `not_configured`).
pub fn state_word(state: ZoneState) -> &'static str {
    match state {
        ZoneState::NotConfigured => "not configured",
        other => other.as_str(),
    }
}

/// A mark that tells the state without colour.
pub fn state_mark(state: ZoneState) -> &'static str {
    match state {
        ZoneState::Live => "✓",
        ZoneState::Connecting | ZoneState::Syncing => "○",
        ZoneState::Reconnecting => "↻",
        ZoneState::Unauthorized | ZoneState::Unreachable | ZoneState::NotConfigured => "✗",
    }
}

/// The role a state is drawn in.
pub fn state_role(state: ZoneState) -> Role {
    match state {
        ZoneState::Live => Role::Ok,
        ZoneState::Connecting | ZoneState::Syncing => Role::Muted,
        ZoneState::Reconnecting => Role::Warning,
        ZoneState::Unauthorized | ZoneState::Unreachable | ZoneState::NotConfigured => Role::Error,
    }
}

/// `Z1 dev`.
pub fn zone_label(config: &ZoneConfig) -> String {
    format!("{} {}", config.id, config.name)
}

/// How long the zone has been in its state (`3m12s`).
pub fn time_in_state(zone: &ZoneModel, clock: &Clock) -> String {
    human_duration(clock.instant.saturating_duration_since(zone.state_since()))
}

/// `retry in 12s` (or `retrying now`) when the zone waits for a retry.
pub fn retry_text(zone: &ZoneModel, clock: &Clock) -> Option<String> {
    let retry_at = zone.retry_at()?;
    let at = timestamp(retry_at)?;
    let seconds = at.as_second() - clock.wall.as_second();
    Some(if seconds > 0 {
        format!("retry in {seconds}s")
    } else {
        "retrying now".to_string()
    })
}

fn timestamp(time: SystemTime) -> Option<Timestamp> {
    Timestamp::try_from(time).ok()
}

/// The data on screen is what the zone last showed, not what it shows now.
pub fn is_stale(zone: &ZoneModel) -> bool {
    zone.ever_live && zone.state() != ZoneState::Live
}

/// Nothing has been received from the zone, and nothing is coming soon.
pub fn has_no_data(zone: &ZoneModel) -> bool {
    !zone.ever_live
        && zone.server_version.is_none()
        && zone.nodes.is_empty()
        && zone.pods.is_empty()
        && zone.workloads.is_empty()
}

/// Is this kind's data missing because the credentials may not list it?
pub fn is_forbidden(zone: &ZoneModel, kind: ResourceKind) -> bool {
    matches!(
        zone.kinds.get(&kind),
        Some(crate::fleet::KindStatus::Forbidden { .. })
    )
}

/// Fills one row with the zone's environment header style and writes its title and badges:
/// `Z3 production [PROD] [PROTECTED]`. The `[PROD]` marker reads without colour.
pub fn draw_zone_header(buf: &mut Buffer, row: Rect, config: &ZoneConfig, theme: &Theme) {
    if row.width == 0 || row.height == 0 {
        return;
    }
    let style = theme.style(Role::header_for(&config.environment));
    let row = Rect::new(row.x, row.y, row.width, 1);
    buf.set_style(row, style);
    let mut parts = vec![
        Part::fixed(" ", style),
        Part::flexible(zone_label(config), style),
    ];
    if config.is_production() {
        parts.push(Part::fixed(" [PROD]", style.add_modifier(Modifier::BOLD)));
    }
    if config.protected {
        parts.push(Part::fixed(" ", style));
        parts.push(Part::fixed(
            "[PROTECTED]",
            theme.style(Role::BadgeProtected),
        ));
    }
    if config.read_only {
        parts.push(Part::fixed(" ", style));
        parts.push(Part::fixed("[READ-ONLY]", theme.style(Role::BadgeReadOnly)));
    }
    let line = squeeze(parts, usize::from(row.width));
    buf.set_line(row.x, row.y, &line, row.width);
}

/// `development · k3s · gerco · ctx ge-dev`, on one line when it fits, else two.
pub fn identity_lines(config: &ZoneConfig, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let muted = theme.style(Role::Muted);
    let facts: Vec<&str> = [
        config.environment.as_str(),
        config.platform.as_str(),
        config.owner.as_str(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect();
    let facts = facts.join(" · ");
    let context = format!("ctx {}", config.context);
    let one = format!("{facts} · {context}");
    if super::widgets::width(&one) <= width {
        vec![Line::styled(one, muted)]
    } else {
        vec![Line::styled(facts, muted), Line::styled(context, muted)]
    }
}

/// The state line (`✓ live 3m12s`) and what explains it: the last error and the retry, the
/// not-configured reason, forbidden kinds, and a stale-data warning.
pub fn state_lines(
    zone: &ZoneModel,
    width: usize,
    max_error_lines: usize,
    theme: &Theme,
    clock: &Clock,
) -> Vec<Line<'static>> {
    let state = zone.state();
    let role = theme.style(state_role(state));
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{} {}", state_mark(state), state_word(state)),
            role.add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!(" {}", time_in_state(zone, clock)), role),
    ])];
    let error = theme.style(Role::Error);
    match state {
        ZoneState::Reconnecting | ZoneState::Unreachable | ZoneState::Unauthorized => {
            if let Some(message) = zone.error() {
                lines.extend(
                    wrap(&format!("error: {message}"), width, max_error_lines)
                        .into_iter()
                        .map(|l| Line::styled(l, error)),
                );
            }
            if let Some(retry) = retry_text(zone, clock) {
                lines.push(Line::styled(retry, theme.style(Role::Muted)));
            }
        }
        ZoneState::NotConfigured => {
            if let Some(reason) = zone.error() {
                lines.extend(
                    wrap(&reason, width, max_error_lines + 1)
                        .into_iter()
                        .map(|l| Line::styled(l, error)),
                );
            }
        }
        _ => {}
    }
    let forbidden = zone.forbidden_kinds();
    if !forbidden.is_empty() {
        let kinds: Vec<&str> = forbidden.iter().map(|(k, _)| k.plural()).collect();
        lines.extend(
            wrap(
                &format!("forbidden: {} (rest shown)", kinds.join(", ")),
                width,
                2,
            )
            .into_iter()
            .map(|l| Line::styled(l, theme.style(Role::Warning))),
        );
    }
    // Kinds watched namespace by namespace that some namespaces refused, grouped by those
    // namespaces: one line for a Role that covers some namespaces and not the others.
    let mut partly: Vec<(&[String], Vec<&str>)> = Vec::new();
    for (kind, namespaces, _) in zone.kinds_forbidden_in_namespaces() {
        match partly.iter_mut().find(|(n, _)| *n == namespaces) {
            Some((_, kinds)) => kinds.push(kind.plural()),
            None => partly.push((namespaces, vec![kind.plural()])),
        }
    }
    for (namespaces, kinds) in partly {
        lines.extend(
            wrap(
                &format!(
                    "forbidden in {}: {}",
                    namespaces.join(", "),
                    kinds.join(", ")
                ),
                width,
                2,
            )
            .into_iter()
            .map(|l| Line::styled(l, theme.style(Role::Warning))),
        );
    }
    if is_stale(zone) {
        lines.push(Line::styled(
            "[STALE] last known data".to_string(),
            theme.style(Role::Warning),
        ));
    }
    lines
}

/// A style with the selection role laid over it.
pub fn selected(style: Style, theme: &Theme) -> Style {
    style.patch(theme.style(Role::Selection))
}
