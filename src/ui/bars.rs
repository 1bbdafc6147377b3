//! The frame's fixed parts: the top bar (where you are, what runs, read-only, the keymap), the
//! bottom bar (the active layer's keys, a pending prefix, the filter), the message line, and
//! the "terminal too small" screen.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::layer::{BarStyle, BottomBar};
use super::status::zone_label;
use super::theme::{Role, Theme};
use super::widgets::{self, Part, centered, squeeze, wrap};
use super::{Clock, KeyChord, Keymap, MIN_HEIGHT, MIN_WIDTH, Mode, UiOptions, panes};
use crate::actions::runner::{ActionsView, Severity};
use crate::fleet::ZoneModel;

/// What the top bar shows.
pub(super) struct TopBar<'a> {
    /// The zone in focus.
    pub zone: Option<&'a ZoneModel>,
    /// The overview is on screen.
    pub at_overview: bool,
    /// The view's place after the zone (` › Zone view`).
    pub place: Vec<Part<'static>>,
    /// The open layers' crumbs, bottom first (` › Build log`, ` › Help`).
    pub crumbs: Vec<&'static str>,
}

/// `ge-console │ Overview › Z1 dev` on the left, badges and the keymap on the right.
pub(super) fn draw_top_bar(
    buf: &mut Buffer,
    row: Rect,
    bar: TopBar<'_>,
    actions: ActionsView<'_>,
    options: &UiOptions,
    theme: &Theme,
    clock: &Clock,
) {
    let text = theme.style(Role::Text);
    let label = bar.zone.map(|z| zone_label(&z.config)).unwrap_or_default();
    let place = text.add_modifier(Modifier::BOLD);
    let mut parts = vec![
        Part::fixed(" ge-console ", theme.style(Role::Title)),
        Part::fixed("│ ", theme.style(Role::Border)),
    ];
    if bar.at_overview {
        parts.push(Part::fixed("Overview › ", place));
    }
    parts.push(Part::flexible(label, place));
    if bar.zone.is_some_and(|z| z.config.is_production()) {
        parts.push(Part::fixed(" ", text));
        parts.push(Part::fixed("[PROD]", theme.style(Role::HeaderProduction)));
    }
    parts.extend(bar.place.into_iter().map(|p| Part { style: place, ..p }));
    parts.extend(bar.crumbs.into_iter().map(|c| Part::fixed(c, place)));
    // Always say whether an action runs: whoever watches the shared screen sees it.
    let mut right = vec![match busy_text(actions, clock) {
        Some(busy) => Part::fixed(format!("{busy} "), theme.style(Role::Warning)),
        None => Part::fixed("no action running ", theme.style(Role::Muted)),
    }];
    if options.read_only {
        right.push(Part::fixed("[READ-ONLY]", theme.style(Role::BadgeReadOnly)));
        right.push(Part::fixed(" ", text));
    }
    let keymap = Part::fixed(
        format!("keymap {} ", options.keymap_name),
        theme.style(Role::Muted),
    );
    let total = usize::from(row.width);
    let fixed_left: usize = parts
        .iter()
        .map(|p| {
            if p.flexible {
                6
            } else {
                widgets::width(&p.text)
            }
        })
        .sum();
    let right_so_far: usize = right.iter().map(|p| widgets::width(&p.text)).sum();
    // The keymap's name is the first thing to give way.
    if fixed_left + right_so_far + widgets::width(&keymap.text) <= total {
        right.push(keymap);
    }
    let right_width: usize = right.iter().map(|p| widgets::width(&p.text)).sum();
    let left_width: usize = parts.iter().map(|p| widgets::width(&p.text)).sum();
    // The right side gets its room first; the place name gives way.
    let gap = total.saturating_sub(left_width + right_width);
    parts.push(Part::fixed(" ".repeat(gap.max(1)), text));
    parts.extend(right);
    let line = squeeze(parts, total);
    buf.set_line(row.x, row.y, &line, row.width);
}

/// What the bottom bar shows besides the active layer's keys.
pub(super) struct BottomBarState<'a> {
    /// The active layer's bar.
    pub bar: Option<BottomBar>,
    /// The modes that apply now (for the hints' keys).
    pub modes: &'a [Mode],
    /// A short warning until the next key.
    pub hint: Option<&'a str>,
    /// Keys typed so far of a longer sequence.
    pub pending: &'a [KeyChord],
    /// The current list's filter, and whether it is being typed.
    pub filter: (&'a str, bool),
}

/// The most useful keys of the active layer, the filter, and any pending key prefix.
pub(super) fn draw_bottom_bar(
    buf: &mut Buffer,
    row: Rect,
    state: BottomBarState<'_>,
    keymap: &Keymap,
    theme: &Theme,
) {
    let key_style = theme.style(Role::Title);
    let label_style = theme.style(Role::Muted);
    let hints = match state.bar {
        Some(BottomBar::Text(pieces)) => {
            let spans: Vec<Span> = pieces
                .into_iter()
                .map(|(text, style)| match style {
                    BarStyle::Key => Span::styled(text, key_style),
                    BarStyle::Typed => Span::styled(text, theme.style(Role::Text)),
                })
                .collect();
            let line = widgets::fit_line(Line::from(spans), usize::from(row.width));
            buf.set_line(row.x, row.y, &line, row.width);
            return;
        }
        Some(BottomBar::Hints(hints)) => hints,
        None => &[],
    };
    let mut right: Vec<Span> = Vec::new();
    if let Some(hint) = state.hint {
        right.push(Span::styled(format!("{hint} "), theme.style(Role::Warning)));
    }
    if !state.pending.is_empty() {
        let keys: Vec<String> = state.pending.iter().map(ToString::to_string).collect();
        right.push(Span::styled(format!("{} … ", keys.join(" ")), key_style));
    }
    let (filter, editing) = state.filter;
    if editing {
        right.push(Span::styled("filter: ", label_style));
        right.push(Span::styled(
            format!("{filter}▏"),
            theme.style(Role::Warning),
        ));
    } else if !filter.is_empty() {
        right.push(Span::styled("filter: ", label_style));
        right.push(Span::styled(
            format!("\"{filter}\""),
            theme.style(Role::Warning),
        ));
    }
    right.push(Span::raw(" "));
    let total = usize::from(row.width);
    let right_width: usize = right.iter().map(Span::width).sum();
    let right_width = right_width.min(total * 2 / 3);
    let mut left: Vec<Span> = vec![Span::raw(" ")];
    let mut used = 1;
    for (action, label) in hints {
        let Some(key) = keymap.first_key(state.modes, *action) else {
            continue;
        };
        let key = key.to_string();
        let piece = widgets::width(&key) + 1 + widgets::width(label) + 2;
        if used + piece > total.saturating_sub(right_width) {
            break;
        }
        used += piece;
        left.push(Span::styled(key, key_style));
        left.push(Span::styled(format!(" {label}  "), label_style));
    }
    left.push(Span::raw(
        " ".repeat(total.saturating_sub(used + right_width)),
    ));
    let right_line = widgets::fit_line(Line::from(right), right_width);
    left.extend(right_line.spans);
    let line = widgets::fit_line(Line::from(left), total);
    buf.set_line(row.x, row.y, &line, row.width);
}

/// What the runner is busy with, with a spinner and how long it has run: `⠹ rebuild running
/// 12s`; `None` when idle.
fn busy_text(actions: ActionsView<'_>, clock: &Clock) -> Option<String> {
    let busy = actions.busy()?;
    Some(match actions.busy_since() {
        Some(started) => {
            let elapsed = clock.instant.saturating_duration_since(started);
            format!(
                "{} {busy} {}",
                panes::spinner(elapsed),
                widgets::human_duration(elapsed)
            )
        }
        None => format!("… {busy}"),
    })
}

/// The message line: a mark that reads without colour, the text in its severity's role; an
/// error may take two lines.
pub(super) fn message_lines(
    severity: Severity,
    text: &str,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let (mark, role) = match severity {
        Severity::Info => ("•", Role::Text),
        Severity::Success => ("✓", Role::Ok),
        Severity::Error => ("✗", Role::Error),
    };
    let max_lines = if severity == Severity::Error { 2 } else { 1 };
    wrap(
        &format!("{mark} {text}"),
        width.saturating_sub(1),
        max_lines,
    )
    .into_iter()
    .map(|l| Line::styled(format!(" {l}"), theme.style(role)))
    .collect()
}

/// Draws only a centred "terminal too small" message (safe at any size, including 0×0).
pub(super) fn draw_too_small(buf: &mut Buffer, area: Rect, theme: &Theme) {
    if area.is_empty() {
        return;
    }
    let lines = [
        Line::styled(
            format!("terminal too small (need ≥ {MIN_WIDTH}×{MIN_HEIGHT})"),
            theme.style(Role::Warning),
        ),
        Line::styled(
            format!("now {}×{}", area.width, area.height),
            theme.style(Role::Muted),
        ),
    ];
    let width = lines.iter().map(Line::width).max().unwrap_or(0) as u16;
    let rect = centered(area, width, 2);
    for (y, line) in (rect.y..rect.bottom()).zip(lines) {
        let line = widgets::fit_line(line, usize::from(rect.width));
        let x = rect.x + (rect.width.saturating_sub(line.width() as u16)) / 2;
        buf.set_line(x, y, &line, rect.width);
    }
}
