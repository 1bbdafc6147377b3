//! The log pane: one pod's log, or every pod of a workload interleaved with a short coloured
//! pod prefix (pods join as they start and are marked when they go). The lines live in the
//! action runner's log session; the pane is a [`TextView`] over them (scroll, follow, wrap,
//! search, pause) plus the stream's choices — container, follow, previous instance, tail,
//! since — each of which reopens the session, and save.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

use super::layer::{
    BarStyle, BottomBar, DrawContext, Effect, KeyContext, KeyModes, Layer, Placement, Reply,
    TextEntry,
};
use super::list::RowKey;
use super::panes::draw_title_row;
use super::text_view::{TextSource, TextView, ViewStatus};
use super::theme::{Role, Theme};
use super::widgets::{Part, centered, draw_lines, pad, squeeze};
use super::{Action, Keymap, Mode};
use crate::actions::log_buffer::{CUT_MARK, LineKind};
use crate::actions::logs::{
    LogOrder, LogRequest, LogSession, LogSettings, LogSubject, StreamState, seconds_text,
};
use crate::actions::runner::{ActionRequest, Severity};
use crate::fleet::{Fleet, WorkloadKey};

/// The session's lines as the pane draws them: a workload's with their pod's prefix.
struct PaneSource<'a> {
    session: &'a LogSession,
    theme: &'a Theme,
    label_width: usize,
}

impl<'a> PaneSource<'a> {
    fn new(session: &'a LogSession, theme: &'a Theme) -> PaneSource<'a> {
        PaneSource {
            session,
            theme,
            label_width: session.label_width(),
        }
    }
}

impl TextSource for PaneSource<'_> {
    fn first(&self) -> u64 {
        self.session.buffer.first()
    }

    fn end(&self) -> u64 {
        self.session.buffer.end()
    }

    fn line(&self, n: u64) -> Option<Line<'_>> {
        let line = self.session.buffer.get(n)?;
        let mut spans: Vec<Span<'_>> = Vec::with_capacity(line.text.spans.len() + 2);
        if self.session.prefixed() {
            let prefix = match line
                .source
                .and_then(|s| self.session.streams.get(s).map(|st| (s, st)))
            {
                Some((index, stream)) => Span::styled(
                    format!("{} ", pad(&stream.label, self.label_width)),
                    self.theme
                        .style(Role::LOG_SOURCES[index % Role::LOG_SOURCES.len()]),
                ),
                None => Span::raw(format!("{} ", " ".repeat(self.label_width))),
            };
            spans.push(prefix);
        }
        let base = match line.kind {
            LineKind::Output => None,
            LineKind::Note => Some(self.theme.style(Role::Muted)),
            LineKind::Problem => Some(self.theme.style(Role::Error)),
        };
        spans.extend(line.text.spans.iter().map(|s| {
            Span::styled(
                s.content.as_ref(),
                base.map_or(s.style, |b| b.patch(s.style)),
            )
        }));
        if line.cut {
            spans.push(Span::styled(CUT_MARK, self.theme.style(Role::Muted)));
        }
        Some(Line::from(spans))
    }
}

/// The container chooser: a small list over the pane.
#[derive(Debug, Clone)]
struct Chooser {
    names: Vec<(String, bool)>,
    selected: usize,
}

/// The log pane: the body while open, with the keys of modes `logs` and `text`.
#[derive(Debug)]
pub struct LogPane {
    order: LogOrder,
    view: TextView,
    /// The session the view was last drawn over (a new one starts a new numbering).
    session: Option<u64>,
    chooser: Option<Chooser>,
    /// The session whose "choose a container" was already offered.
    chooser_offered: Option<u64>,
}

impl LogPane {
    /// A pane for `order`, following the end.
    pub fn new(order: LogOrder) -> LogPane {
        LogPane {
            order,
            view: TextView::following(),
            session: None,
            chooser: None,
            chooser_offered: None,
        }
    }

    /// What the pane asked for.
    pub fn order(&self) -> &LogOrder {
        &self.order
    }

    /// Reopens the session with changed settings.
    fn reopen(&mut self, change: impl FnOnce(&mut LogSettings)) -> Reply {
        change(&mut self.order.settings);
        self.view.follow_end();
        Reply::Do(Effect::Request(ActionRequest::Logs(LogRequest::Open(
            self.order.clone(),
        ))))
    }

    fn open_chooser(&mut self, session: Option<&LogSession>) -> Reply {
        let Some(containers) = session.and_then(|s| s.containers.as_ref()) else {
            return Reply::Do(Effect::Tell(
                Severity::Info,
                "the pod's containers are not known yet".into(),
            ));
        };
        let mut names: Vec<(String, bool)> = containers
            .containers
            .iter()
            .map(|c| (c.clone(), false))
            .collect();
        names.extend(containers.init_containers.iter().map(|c| (c.clone(), true)));
        if names.is_empty() {
            return Reply::Do(Effect::Tell(
                Severity::Info,
                "the pod has no containers".into(),
            ));
        }
        let current = self.order.settings.container.as_deref().or_else(|| {
            session
                .and_then(|s| s.streams.first())
                .and_then(|s| s.container.as_deref())
        });
        let selected = names
            .iter()
            .position(|(n, _)| Some(n.as_str()) == current)
            .unwrap_or(0);
        self.chooser = Some(Chooser { names, selected });
        Reply::REDRAW
    }

    fn chooser_key(&mut self, action: Action) -> Reply {
        let Some(chooser) = &mut self.chooser else {
            return Reply::Pass;
        };
        match action {
            Action::SelectUp => chooser.selected = chooser.selected.saturating_sub(1),
            Action::SelectDown => {
                chooser.selected = (chooser.selected + 1).min(chooser.names.len().saturating_sub(1))
            }
            Action::First => chooser.selected = 0,
            Action::Last => chooser.selected = chooser.names.len().saturating_sub(1),
            Action::Confirm | Action::Open => {
                let name = chooser.names.get(chooser.selected).map(|(n, _)| n.clone());
                self.chooser = None;
                return match name {
                    Some(name) => self.reopen(|s| s.container = Some(name)),
                    None => Reply::REDRAW,
                };
            }
            Action::Cancel | Action::Back => self.chooser = None,
            Action::Quit => return Reply::Pass,
            _ => return Reply::NOTHING,
        }
        Reply::REDRAW
    }
}

/// The log order `L` opens on the selected row (a pod, a workload) or, with nothing fitting
/// selected, on the workload the view shows.
pub fn logs_for(
    fleet: &Fleet,
    zone: usize,
    selected: Option<RowKey>,
    shown: Option<&WorkloadKey>,
) -> Effect {
    let Some(zone) = fleet.zones.get(zone) else {
        return Effect::Tell(Severity::Info, "logs: no zone is shown".into());
    };
    let subject = match (selected, shown) {
        (Some(RowKey::Pod(key)), _) => LogSubject::Pod(key),
        (Some(RowKey::Workload(key)), _) => LogSubject::Workload(key),
        (_, Some(shown)) => LogSubject::Workload(shown.clone()),
        _ => {
            return Effect::Tell(
                Severity::Info,
                "logs: select a pod or a workload first".into(),
            );
        }
    };
    Effect::OpenLogs(LogOrder {
        zone: zone.config.id,
        subject,
        settings: LogSettings::default(),
    })
}

/// `y` in a text pane: the line to copy (the search's current match, else the last line on
/// screen) goes to the clipboard through OSC 52.
pub fn copy_line(view: &TextView, source: &dyn TextSource) -> Reply {
    Reply::Do(match view.line_to_copy(source) {
        Some((_, text)) if !text.trim().is_empty() => Effect::Copy(text),
        _ => Effect::Tell(Severity::Info, "copy: no line to copy here".into()),
    })
}

impl Layer for LogPane {
    fn key_modes(&self, _fleet: &Fleet) -> KeyModes {
        if self.chooser.is_some() {
            KeyModes::only(&[Mode::Dialog, Mode::List])
        } else if self.view.editing_search() {
            KeyModes::only(&[Mode::Filter])
        } else {
            KeyModes::only(&[Mode::Logs, Mode::Text, Mode::Global])
        }
    }

    fn text_entry(&self) -> TextEntry {
        if self.view.editing_search() && self.chooser.is_none() {
            TextEntry::WhenUnbound
        } else {
            TextEntry::None
        }
    }

    fn type_char(&mut self, c: char) -> bool {
        self.view.type_char(c)
    }

    fn handle(&mut self, action: Action, cx: &KeyContext<'_>) -> Reply {
        if self.chooser.is_some() {
            return self.chooser_key(action);
        }
        let session = cx.actions.logs();
        if let Some(s) = session
            && self.session != Some(s.id)
        {
            self.session = Some(s.id);
            self.view.follow_end();
        }
        if !self.view.editing_search() {
            match action {
                Action::Back => return Reply::Do(Effect::Close),
                Action::ToggleFollow => return self.reopen(|s| s.follow = !s.follow),
                Action::TogglePrevious => return self.reopen(|s| s.previous = !s.previous),
                Action::CycleTail => return self.reopen(|s| s.tail = s.next_tail()),
                Action::CycleSince => return self.reopen(|s| s.since_seconds = s.next_since()),
                Action::ChooseContainer => return self.open_chooser(session),
                Action::SaveLog => {
                    return Reply::Do(Effect::Request(ActionRequest::Logs(LogRequest::Save)));
                }
                _ => {}
            }
        }
        let Some(session) = session else {
            return match action {
                Action::Quit | Action::Help => Reply::Pass,
                _ if self.view.editing_search() => Reply::NOTHING,
                _ => Reply::Pass,
            };
        };
        // Styles do not matter to scrolling and search.
        let plain = Theme::plain();
        let source = PaneSource::new(session, &plain);
        if action == Action::Copy {
            return copy_line(&self.view, &source);
        }
        match self.view.handle(action, &source) {
            Some(changed) => Reply::Done(changed),
            None => Reply::Pass,
        }
    }

    fn bottom_bar(&self, keymap: &Keymap) -> Option<BottomBar> {
        if self.chooser.is_some() {
            return Some(BottomBar::Hints(&[
                (Action::SelectUp, "move"),
                (Action::Confirm, "show this container"),
                (Action::Cancel, "cancel"),
            ]));
        }
        if self.view.editing_search() {
            let key = |action: Action| {
                keymap
                    .bindings(Mode::Filter)
                    .iter()
                    .find(|b| b.action == action)
                    .and_then(|b| b.keys.first())
                    .map(ToString::to_string)
                    .unwrap_or_default()
            };
            return Some(BottomBar::Text(vec![
                (
                    format!("/{}", self.view.query().unwrap_or_default()),
                    BarStyle::Typed,
                ),
                ("  ".into(), BarStyle::Typed),
                (key(Action::ApplyFilter), BarStyle::Key),
                (" keep  ".into(), BarStyle::Typed),
                (key(Action::ClearFilter), BarStyle::Key),
                (" drop".into(), BarStyle::Typed),
            ]));
        }
        Some(BottomBar::Hints(&[
            (Action::Back, "close"),
            (Action::Search, "search"),
            (Action::TogglePause, "pause"),
            (Action::ToggleWrap, "wrap"),
            (Action::ToggleFollow, "follow"),
            (Action::ChooseContainer, "container"),
            (Action::SaveLog, "save"),
            (Action::Help, "help"),
        ]))
    }

    fn crumb(&self) -> Option<&'static str> {
        Some(" › Logs")
    }

    fn placement(&mut self, _body: Rect, _cx: &DrawContext<'_>) -> Placement {
        Placement::Fill
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        if area.height < 3 {
            return;
        }
        let theme = cx.theme;
        let session = cx.actions.logs();
        if let Some(s) = session
            && self.session != Some(s.id)
        {
            self.session = Some(s.id);
            self.view.follow_end();
        }
        if let Some(s) = session
            && self.chooser_offered != Some(s.id)
            && s.containers.is_some()
            && s.streams
                .iter()
                .any(|st| st.state == StreamState::ChooseContainer)
        {
            self.chooser_offered = Some(s.id);
            let _ = self.open_chooser(Some(s));
        }
        draw_title_row(buf, area, self.title(cx), theme);
        let mut body = Rect::new(area.x, area.y + 1, area.width, area.height - 2);
        let Some(session) = session else {
            draw_lines(
                buf,
                body,
                [Line::styled(
                    "  the log is not open",
                    theme.style(Role::Muted),
                )],
            );
            return;
        };
        if session.prefixed() && body.height > 3 {
            let pods = Rect::new(body.x, body.y, body.width, 1);
            buf.set_line(
                pods.x,
                pods.y,
                &pods_line(session, theme, usize::from(pods.width)),
                pods.width,
            );
            body.y += 1;
            body.height -= 1;
        }
        let source = PaneSource::new(session, theme);
        if session.buffer.is_empty() {
            draw_lines(
                buf,
                body,
                [Line::styled(
                    format!("  {}", waiting_text(session)),
                    theme.style(Role::Muted),
                )],
            );
        }
        self.view.draw(buf, body, &source, theme);
        let status = self.view.status(&source);
        let footer = footer_line(
            session,
            &status,
            self.view.editing_search(),
            theme,
            usize::from(area.width),
        );
        buf.set_line(area.x, area.bottom() - 1, &footer, area.width);
        if let Some(chooser) = &self.chooser {
            draw_chooser(buf, body, chooser, theme);
        }
    }
}

impl LogPane {
    fn title(&self, cx: &DrawContext<'_>) -> Vec<Part<'static>> {
        let theme = cx.theme;
        let zone = cx
            .fleet
            .zone(self.order.zone)
            .map_or_else(|| self.order.zone.to_string(), |z| z.config.name.clone());
        let mut settings = self.order.settings.clone();
        if let Some(session) = cx.actions.logs() {
            settings = session.order.settings.clone();
        }
        let container = settings
            .container
            .clone()
            .or_else(|| {
                cx.actions
                    .logs()
                    .and_then(|s| s.streams.first())
                    .and_then(|s| s.container.clone())
            })
            .map(|c| format!(" · container {c}"))
            .unwrap_or_default();
        vec![
            Part::fixed("─ Logs · ", theme.style(Role::Title)),
            Part::fixed(format!("{zone} · "), theme.style(Role::Text)),
            Part::flexible(self.order.subject.to_string(), theme.style(Role::Title)),
            Part::fixed(container, theme.style(Role::Text)),
            Part::fixed(
                format!(" · {}", settings.describe()),
                theme.style(Role::Muted),
            ),
        ]
    }
}

/// What the pane says before the first line: connecting, waiting for pods, or why not.
fn waiting_text(session: &LogSession) -> String {
    if let Some(problem) = &session.problem {
        return problem.clone();
    }
    if let Some(failed) = session.streams.iter().find_map(|s| match &s.state {
        StreamState::Failed(e) => Some(e.clone()),
        _ => None,
    }) {
        return failed;
    }
    if session
        .streams
        .iter()
        .any(|s| s.state == StreamState::ChooseContainer)
    {
        return "the pod has several containers: choose one".into();
    }
    match &session.order.subject {
        LogSubject::Workload(_) if session.streams.is_empty() => {
            "waiting for the workload's pods…".into()
        }
        LogSubject::Workload(_)
            if session
                .streams
                .iter()
                .all(|s| s.state == StreamState::Waiting) =>
        {
            "waiting for the workload's pods to start…".into()
        }
        _ if session
            .streams
            .iter()
            .any(|s| s.state == StreamState::Connecting) =>
        {
            "connecting…".into()
        }
        _ if session.order.settings.since_seconds.is_some() => format!(
            "no lines in the last {}",
            seconds_text(session.order.settings.since_seconds.unwrap_or_default())
        ),
        _ => "no lines yet".into(),
    }
}

/// The row naming a workload's pods in their prefix colours, with each one's state.
fn pods_line(session: &LogSession, theme: &Theme, width: usize) -> Line<'static> {
    let mut parts = vec![Part::fixed("  pods:", theme.style(Role::Muted))];
    for (i, stream) in session.streams.iter().enumerate() {
        let (mark, role) = match &stream.state {
            StreamState::Streaming => ("●", Role::Ok),
            StreamState::Waiting | StreamState::Connecting => ("○", Role::Warning),
            StreamState::ChooseContainer => ("?", Role::Warning),
            StreamState::Ended => ("■", Role::Muted),
            StreamState::Failed(_) => ("✗", Role::Error),
            StreamState::Gone => ("⊘", Role::Muted),
        };
        let word = match &stream.state {
            StreamState::Streaming => "",
            StreamState::Waiting => " waiting",
            StreamState::Connecting => " connecting",
            StreamState::ChooseContainer => " choose a container",
            StreamState::Ended => " ended",
            StreamState::Failed(_) => " failed",
            StreamState::Gone => " gone",
        };
        parts.push(Part::fixed(
            format!("  {}", stream.label),
            theme.style(Role::LOG_SOURCES[i % Role::LOG_SOURCES.len()]),
        ));
        parts.push(Part::fixed(format!(" {mark}{word}"), theme.style(role)));
    }
    if session.streams.is_empty() {
        parts.push(Part::fixed(" none yet", theme.style(Role::Muted)));
    }
    squeeze(parts, width)
}

/// The pane's last row: lines, dropped, where the view is, and the search.
fn footer_line(
    session: &LogSession,
    status: &ViewStatus,
    editing: bool,
    theme: &Theme,
    width: usize,
) -> Line<'static> {
    let muted = theme.style(Role::Muted);
    let mut parts = vec![Part::fixed(
        format!("  {} lines", group(status.total)),
        muted,
    )];
    if session.buffer.dropped() > 0 {
        parts.push(Part::fixed(
            format!(
                " · {} dropped (last {} kept)",
                group(session.buffer.dropped()),
                group(session.buffer.len() as u64)
            ),
            theme.style(Role::Warning),
        ));
    }
    let place = match (status.paused, status.following) {
        (Some(new), _) => format!(" · paused, {} new", group(new)),
        (None, true) => " · following".into(),
        (None, false) => format!(" · {}–{}", group(status.from), group(status.to)),
    };
    parts.push(Part::fixed(
        place,
        if status.paused.is_some() {
            theme.style(Role::Warning)
        } else {
            muted
        },
    ));
    if status.wrap {
        parts.push(Part::fixed(" · wrap", muted));
    }
    if let Some((query, count, at)) = &status.search {
        let found = match (count, at) {
            (0, _) => "no match".to_string(),
            (n, Some(at)) => format!("{at} of {n}"),
            (n, None) => format!("{n} lines match"),
        };
        let cursor = if editing { "▏" } else { "" };
        parts.push(Part::fixed(" · ", muted));
        parts.push(Part::flexible(
            format!("/{query}{cursor}"),
            theme.style(Role::Text).add_modifier(Modifier::BOLD),
        ));
        parts.push(Part::fixed(format!(" {found}"), muted));
    }
    squeeze(parts, width)
}

/// `12345` → `12,345`.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The container chooser, a small box in the middle of the pane.
fn draw_chooser(buf: &mut Buffer, area: Rect, chooser: &Chooser, theme: &Theme) {
    let longest = chooser
        .names
        .iter()
        .map(|(n, init)| n.chars().count() + if *init { 7 } else { 0 })
        .max()
        .unwrap_or(0);
    let width = u16::try_from(longest + 6).unwrap_or(u16::MAX).max(24);
    let height = u16::try_from(chooser.names.len() + 2).unwrap_or(u16::MAX);
    let rect = centered(area, width, height);
    Clear.render(rect, buf);
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Role::BorderFocused))
        .title(Span::styled(" Container ", theme.style(Role::Title)))
        .render(rect, buf);
    let inner = Rect::new(
        rect.x + 1,
        rect.y + 1,
        rect.width.saturating_sub(2),
        rect.height.saturating_sub(2),
    );
    let lines = chooser.names.iter().enumerate().map(|(i, (name, init))| {
        let text = if *init {
            format!(" {name} (init)")
        } else {
            format!(" {name}")
        };
        let style = if i == chooser.selected {
            theme.style(Role::Selection)
        } else {
            theme.style(Role::Text)
        };
        Line::styled(pad(&text, usize::from(inner.width)), style)
    });
    draw_lines(buf, inner, lines);
}
