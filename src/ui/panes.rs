//! The build log pane (the build's output tail, status and log file, scrollable, following the
//! end by default) and the recent-actions pane (the audit log's last records).

use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::layer::{BottomBar, DrawContext, Effect, KeyContext, KeyModes, Layer, Placement, Reply};
use super::theme::{Role, Theme};
use super::widgets::{Part, draw_lines, human_duration, squeeze, width};
use super::{Action, Clock, Keymap, Mode};
use crate::actions::audit::{AuditRecord, AuditResult};
use crate::actions::rebuild::{BuildStatus, OutputStream};
use crate::actions::runner::{ActionsView, BuildView};
use crate::fleet::Fleet;

/// Braille spinner frames, one per [`SPINNER_STEP`].
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
/// How long one spinner frame shows.
const SPINNER_STEP: Duration = Duration::from_millis(125);

/// The spinner frame for something running for `elapsed`.
pub fn spinner(elapsed: Duration) -> &'static str {
    let step = elapsed.as_millis() / SPINNER_STEP.as_millis();
    SPINNER[usize::try_from(step % SPINNER.len() as u128).unwrap_or(0)]
}

/// Where the log pane is scrolled: following the end, or pinned at an absolute line number
/// (counted over the build's whole output, so the view holds still while old lines drop off).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogScroll {
    /// The first line shown, as a line number over all output; `None` follows the end.
    pub top: Option<u64>,
    /// Rows of output the pane showed last time.
    pub page: usize,
    /// Lines seen in all, at the last draw.
    pub total: u64,
    /// Lines kept in memory, at the last draw.
    pub kept: usize,
}

/// How to scroll the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scroll {
    /// One line towards the start.
    Up,
    /// One line towards the end.
    Down,
    /// One page towards the start.
    PageUp,
    /// One page towards the end.
    PageDown,
    /// The first kept line.
    Top,
    /// Follow the end.
    Follow,
}

impl LogScroll {
    /// The first kept line's number.
    fn first_kept(&self) -> u64 {
        self.total.saturating_sub(self.kept as u64)
    }

    /// The highest top that still fills the page.
    fn last_top(&self) -> u64 {
        self.total.saturating_sub(self.page as u64)
    }

    /// Moves the view; true when it changed.
    pub fn apply(&mut self, how: Scroll) -> bool {
        let before = self.top;
        let current = self
            .top
            .unwrap_or_else(|| self.last_top())
            .max(self.first_kept());
        let page = self.page.max(1) as u64;
        let next = match how {
            Scroll::Up => Some(current.saturating_sub(1)),
            Scroll::PageUp => Some(current.saturating_sub(page)),
            Scroll::Down => Some(current + 1),
            Scroll::PageDown => Some(current + page),
            Scroll::Top => Some(self.first_kept()),
            Scroll::Follow => None,
        };
        self.top = next
            .map(|t| t.max(self.first_kept()))
            .filter(|t| *t < self.last_top());
        self.top != before
    }
}

/// Short words for how a build stands: spinner and elapsed while running, status and
/// duration once ended.
pub fn build_status_text(build: &BuildView, clock: &Clock) -> (String, Role) {
    match &build.outcome {
        None => {
            let elapsed = clock.instant.saturating_duration_since(build.started);
            (
                format!("{} running {}", spinner(elapsed), human_duration(elapsed)),
                Role::Warning,
            )
        }
        Some(outcome) => {
            let (mark, role) = match outcome.status {
                BuildStatus::Succeeded => ("✓", Role::Ok),
                BuildStatus::Cancelled => ("✗", Role::Warning),
                _ => ("✗", Role::Error),
            };
            (
                format!(
                    "{mark} {} in {}",
                    outcome.status.describe(),
                    precise_duration(outcome.duration)
                ),
                role,
            )
        }
    }
}

/// `0.4s`, `12.3s`, then like [`human_duration`].
pub fn precise_duration(d: Duration) -> String {
    if d < Duration::from_secs(60) {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        human_duration(d)
    }
}

/// A title row: `─ Title · facts ──────`.
pub(crate) fn draw_title_row(buf: &mut Buffer, area: Rect, parts: Vec<Part<'_>>, theme: &Theme) {
    if area.is_empty() {
        return;
    }
    let total = usize::from(area.width);
    let used: usize = parts.iter().map(|p| width(&p.text)).sum();
    let mut parts = parts;
    parts.push(Part::fixed(
        format!(" {}", "─".repeat(total.saturating_sub(used + 1))),
        theme.style(Role::Border),
    ));
    let line = squeeze(parts, total);
    buf.set_line(area.x, area.y, &line, area.width);
}

/// Draws the build log pane; updates `scroll` with what it showed.
fn draw_build_log(
    buf: &mut Buffer,
    area: Rect,
    actions: ActionsView<'_>,
    scroll: &mut LogScroll,
    theme: &Theme,
    clock: &Clock,
) {
    if area.is_empty() {
        return;
    }
    let muted = theme.style(Role::Muted);
    let title = theme.style(Role::Title);
    let Some(build) = actions.build() else {
        draw_title_row(buf, area, vec![Part::fixed("─ Build log ", title)], theme);
        draw_lines(
            buf,
            Rect::new(
                area.x,
                area.y.saturating_add(1),
                area.width,
                area.height.saturating_sub(1),
            ),
            [Line::styled(
                "  No build has run yet: b rebuilds, D rebuilds and restarts ge-executor.",
                muted,
            )],
        );
        *scroll = LogScroll::default();
        return;
    };
    let (status, role) = build_status_text(build, clock);
    let what = if build.then_restart {
        "─ Build log (redeploy) · "
    } else {
        "─ Build log · "
    };
    draw_title_row(
        buf,
        area,
        vec![
            Part::fixed(what, title),
            Part::fixed(status, theme.style(role).add_modifier(Modifier::BOLD)),
        ],
        theme,
    );
    let rows = usize::from(area.height.saturating_sub(2));
    let tail = &build.tail;
    scroll.page = rows;
    scroll.total = tail.total;
    scroll.kept = tail.len();
    if scroll.top.is_some_and(|t| t >= scroll.last_top()) {
        scroll.top = None;
    }
    let first_kept = scroll.first_kept();
    let skip = match scroll.top {
        Some(top) => usize::try_from(top.saturating_sub(first_kept)).unwrap_or(usize::MAX),
        None => tail.len().saturating_sub(rows),
    };
    let text = theme.style(Role::Text);
    let lines = tail.lines().skip(skip).take(rows).map(|(stream, line)| {
        let style = match stream {
            OutputStream::Stdout => text,
            OutputStream::Stderr => muted,
        };
        output_line(line, style)
    });
    let output = Rect::new(
        area.x,
        area.y.saturating_add(1),
        area.width,
        area.height.saturating_sub(2),
    );
    draw_lines(buf, output, lines);
    if area.height >= 2 {
        let dropped = tail.total.saturating_sub(tail.len() as u64);
        let mut parts = vec![Part::fixed("  log ", muted)];
        parts.push(Part::flexible(build.log_path.display().to_string(), text));
        let mut facts = format!(" · {} lines", tail.total);
        if dropped > 0 {
            facts.push_str(&format!(" (last {} kept here)", tail.len()));
        }
        match scroll.top {
            None => facts.push_str(" · following"),
            Some(top) => {
                let below = tail.total.saturating_sub(top + rows as u64);
                facts.push_str(&format!(" · {below} more below, end follows"));
            }
        }
        parts.push(Part::fixed(facts, muted));
        let footer = squeeze(parts, usize::from(area.width));
        buf.set_line(area.x, area.bottom() - 1, &footer, area.width);
    }
}

/// One line of build output as styled text: its SGR colours and attributes (kept by
/// [`crate::sanitize::clean_bytes_keeping_sgr`]) become styles over `base`, through
/// `ansi-to-tui`; no escape byte is left in the text. A reset returns to `base`, not to the
/// terminal's default colours.
fn output_line(text: &str, base: Style) -> Line<'static> {
    use ansi_to_tui::IntoText;
    let Ok(parsed) = text.into_text() else {
        return Line::styled(crate::sanitize::clean_owned(text), base);
    };
    let spans: Vec<Span<'static>> = parsed
        .lines
        .into_iter()
        .flat_map(|line| line.spans)
        .map(|span| {
            let mut style = base.add_modifier(span.style.add_modifier);
            if let Some(fg) = span.style.fg.filter(|c| *c != Color::Reset) {
                style = style.fg(fg);
            }
            if let Some(bg) = span.style.bg.filter(|c| *c != Color::Reset) {
                style = style.bg(bg);
            }
            // The parser leaves no escape in the text; cleaning again costs little and keeps
            // the promise if that ever changes.
            Span::styled(crate::sanitize::clean_owned(&span.content), style)
        })
        .collect();
    Line::from(spans)
}

/// One audit record as a pane line: age, result, action, zone, object, detail.
fn record_line(record: &AuditRecord, theme: &Theme, clock: &Clock, width: usize) -> Line<'static> {
    let (mark, role) = match record.result {
        AuditResult::Succeeded => ("✓", Role::Ok),
        AuditResult::Refused | AuditResult::Cancelled => ("•", Role::Warning),
        AuditResult::Failed | AuditResult::TimedOut => ("✗", Role::Error),
    };
    let ago = clock.wall.duration_since(record.ended).as_secs().max(0);
    let ago = human_duration(Duration::from_secs(ago.unsigned_abs()));
    let mut parts = vec![
        Part::fixed(format!("  {ago:>6} ago  "), theme.style(Role::Muted)),
        Part::fixed(
            format!("{mark} {} {}", record.action, record.result),
            theme.style(role),
        ),
    ];
    if let Some(zone) = &record.zone {
        parts.push(Part::fixed(format!(" · {zone}"), theme.style(Role::Text)));
    }
    if let Some(object) = &record.object {
        parts.push(Part::flexible(
            format!(" · {object}"),
            theme.style(Role::Text),
        ));
    }
    if let Some(detail) = &record.detail {
        parts.push(Part::flexible(
            format!(" · {detail}"),
            theme.style(Role::Muted),
        ));
    }
    parts.push(Part::fixed(
        format!(" · by {}", record.local_user),
        theme.style(Role::Muted),
    ));
    squeeze(parts, width)
}

/// Draws the recent-actions pane, newest first.
fn draw_actions(
    buf: &mut Buffer,
    area: Rect,
    actions: ActionsView<'_>,
    theme: &Theme,
    clock: &Clock,
) {
    if area.is_empty() {
        return;
    }
    let muted = theme.style(Role::Muted);
    let mut title = vec![Part::fixed("─ Recent actions ", theme.style(Role::Title))];
    title.push(Part::fixed("· audit log ", muted));
    title.push(Part::flexible(
        actions.audit_path().display().to_string(),
        muted,
    ));
    draw_title_row(buf, area, title, theme);
    let body = Rect::new(
        area.x,
        area.y.saturating_add(1),
        area.width,
        area.height.saturating_sub(1),
    );
    let recent = actions.recent();
    let lines: Vec<Line> = match recent.is_empty() {
        false => recent
            .iter()
            .rev()
            .map(|rec| record_line(rec, theme, clock, usize::from(body.width)))
            .collect(),
        true => vec![Line::styled("  No actions yet.", muted)],
    };
    draw_lines(buf, body, lines);
}

/// The build log pane: takes the body while open and the keys of mode `log`.
#[derive(Debug, Default)]
pub struct BuildLogPane {
    scroll: LogScroll,
}

impl Layer for BuildLogPane {
    fn key_modes(&self, _fleet: &Fleet) -> KeyModes {
        KeyModes::only(&[Mode::Log, Mode::Global])
    }

    fn handle(&mut self, action: Action, _cx: &KeyContext<'_>) -> Reply {
        let how = match action {
            Action::Back => return Reply::Do(Effect::Close),
            Action::SelectUp => Scroll::Up,
            Action::SelectDown => Scroll::Down,
            Action::PageUp => Scroll::PageUp,
            Action::PageDown => Scroll::PageDown,
            Action::First => Scroll::Top,
            Action::Last => Scroll::Follow,
            _ => return Reply::Pass,
        };
        Reply::Done(self.scroll.apply(how))
    }

    fn bottom_bar(&self, _keymap: &Keymap) -> Option<BottomBar> {
        Some(BottomBar::Hints(&[
            (Action::Back, "close"),
            (Action::SelectUp, "scroll"),
            (Action::Last, "follow"),
            (Action::CancelBuild, "cancel build"),
            (Action::Help, "help"),
        ]))
    }

    fn crumb(&self) -> Option<&'static str> {
        Some(" › Build log")
    }

    fn placement(&mut self, _body: Rect, _cx: &DrawContext<'_>) -> Placement {
        Placement::Fill
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        draw_build_log(buf, area, cx.actions, &mut self.scroll, cx.theme, cx.clock);
    }
}

/// The recent-actions pane: the audit log's last records below the view; `esc` closes it.
#[derive(Debug, Default)]
pub struct ActionsPane;

impl Layer for ActionsPane {
    fn handle(&mut self, action: Action, _cx: &KeyContext<'_>) -> Reply {
        match action {
            Action::Back => Reply::Do(Effect::Close),
            _ => Reply::Pass,
        }
    }

    fn placement(&mut self, body: Rect, cx: &DrawContext<'_>) -> Placement {
        let recent = u16::try_from(cx.actions.recent().len()).unwrap_or(u16::MAX);
        Placement::Bottom(recent.max(1).saturating_add(1).min(body.height / 3).max(2))
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        draw_actions(buf, area, cx.actions, cx.theme, cx.clock);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrolling_pins_the_view_and_end_follows_again() {
        let mut s = LogScroll {
            top: None,
            page: 10,
            total: 100,
            kept: 50,
        };
        assert!(s.apply(Scroll::Up));
        assert_eq!(s.top, Some(89));
        assert!(s.apply(Scroll::PageUp));
        assert_eq!(s.top, Some(79));
        assert!(s.apply(Scroll::Top));
        assert_eq!(s.top, Some(50), "the first kept line, not line 0");
        assert!(!s.apply(Scroll::PageUp), "already at the top");
        assert!(s.apply(Scroll::PageDown));
        assert_eq!(s.top, Some(60));
        assert!(s.apply(Scroll::Follow));
        assert_eq!(s.top, None);
        s.top = Some(85);
        assert!(s.apply(Scroll::Down));
        assert_eq!(s.top, Some(86));
        s.top = Some(89);
        assert!(
            s.apply(Scroll::Down),
            "reaching the last page follows the end"
        );
        assert_eq!(s.top, None);
        let mut short = LogScroll {
            top: None,
            page: 10,
            total: 3,
            kept: 3,
        };
        assert!(
            !short.apply(Scroll::Up),
            "nothing to scroll when it all fits"
        );
    }

    #[test]
    fn the_spinner_turns_with_time() {
        assert_eq!(spinner(Duration::ZERO), "⠋");
        assert_eq!(spinner(Duration::from_millis(130)), "⠙");
        assert_eq!(spinner(SPINNER_STEP * 10), "⠋");
    }
}
