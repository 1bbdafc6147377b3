//! The terminal UI: views drawn from the fleet model, keys mapped through a keymap to actions.
//!
//! The event loop owns a [`Ui`], feeds it key events with [`Ui::handle_key`] and draws it with
//! [`Ui::draw`]. Everything here is synchronous and deterministic: time comes in as a [`Clock`].
//!
//! Views: the overview (every zone), the zone view (one zone's nodes, system pods, workloads)
//! and the workload view (one workload's pods); the help overlay and the filter sit on top.
//! Below [`MIN_WIDTH`]×[`MIN_HEIGHT`] only a "terminal too small" message is drawn.

#![warn(missing_docs)]

pub mod action;
pub mod backend;
pub mod color_depth;
pub mod command_line;
pub mod filter;
pub mod help;
pub mod key_table;
pub mod keymap;
pub mod list;
pub mod mouse;
pub mod overview;
pub mod status;
pub mod theme;
pub mod user_files;
pub mod widgets;
pub mod workload_view;
pub mod zone_view;

use std::time::Instant;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

pub use action::Action;
pub use keymap::{KeyChord, KeyResolution, Keymap, KeymapError, Mode};
pub use list::RowKey;
pub use theme::{Role, Theme, ThemeError};

use crate::fleet::health::ZoneSummary;
use crate::fleet::{Fleet, WorkloadKey};
use filter::Filter;
use list::{ListState, Move};
use status::zone_label;
use widgets::{Part, centered, draw_lines, squeeze};

/// Narrowest terminal drawn; below it only "terminal too small" is shown.
pub const MIN_WIDTH: u16 = 60;
/// Lowest terminal drawn; below it only "terminal too small" is shown.
pub const MIN_HEIGHT: u16 = 15;

/// Wall and monotonic "now", passed in so renders are deterministic in tests.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Monotonic now, compared with zones' `state_since`.
    pub instant: Instant,
    /// Wall-clock now, compared with retry times and object ages.
    pub wall: jiff::Timestamp,
}

impl Clock {
    /// The current time.
    pub fn now() -> Clock {
        Clock {
            instant: Instant::now(),
            wall: jiff::Timestamp::now(),
        }
    }
}

/// Choices made at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiOptions {
    /// No mutations: shown as a READ-ONLY badge in the top bar.
    pub read_only: bool,
    /// The keymap's name, shown in the top bar and the help overlay.
    pub keymap_name: String,
}

/// What the loop must do after an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UiOutcome {
    /// Nothing changed.
    Nothing,
    /// Something changed: draw again.
    Redraw,
    /// The user asked to quit.
    Quit,
}

/// Which view is on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewKind {
    /// All zones.
    Overview,
    /// One zone's nodes, system pods and workloads.
    Zone,
    /// One workload's pods.
    Workload,
}

/// A view opened from the overview.
#[derive(Debug, Clone)]
enum SubView {
    Zone {
        zone: usize,
        list: ListState,
    },
    Workload {
        zone: usize,
        workload: WorkloadKey,
        list: ListState,
    },
}

impl SubView {
    fn zone(&self) -> usize {
        match self {
            SubView::Zone { zone, .. } | SubView::Workload { zone, .. } => *zone,
        }
    }

    fn list_mut(&mut self) -> &mut ListState {
        match self {
            SubView::Zone { list, .. } | SubView::Workload { list, .. } => list,
        }
    }

    fn list(&self) -> &ListState {
        match self {
            SubView::Zone { list, .. } | SubView::Workload { list, .. } => list,
        }
    }
}

/// The UI state: focus, open views, selections, filter, help, pending keys.
pub struct Ui {
    keymap: Keymap,
    theme: Theme,
    options: UiOptions,
    focus: usize,
    overview_lists: Vec<ListState>,
    overview_filter: Filter,
    stack: Vec<SubView>,
    help_scroll: Option<usize>,
    editing_filter: bool,
    pending: Vec<KeyChord>,
    page_rows: usize,
    command_line: Option<String>,
    notice: Option<String>,
    zone_hits: Vec<(Rect, usize)>,
}

impl Ui {
    /// A UI showing the overview with the first zone focused.
    pub fn new(keymap: Keymap, theme: Theme, options: UiOptions) -> Ui {
        Ui {
            keymap,
            theme,
            options,
            focus: 0,
            overview_lists: Vec::new(),
            overview_filter: Filter::default(),
            stack: Vec::new(),
            help_scroll: None,
            editing_filter: false,
            pending: Vec::new(),
            page_rows: 10,
            command_line: None,
            notice: None,
            zone_hits: Vec::new(),
        }
    }

    /// The view on screen.
    pub fn view(&self) -> ViewKind {
        match self.stack.last() {
            None => ViewKind::Overview,
            Some(SubView::Zone { .. }) => ViewKind::Zone,
            Some(SubView::Workload { .. }) => ViewKind::Workload,
        }
    }

    /// The index (in `fleet.zones`) of the zone in focus.
    pub fn focused_zone(&self) -> usize {
        self.stack.last().map_or(self.focus, SubView::zone)
    }

    /// The help overlay is shown.
    pub fn help_visible(&self) -> bool {
        self.help_scroll.is_some()
    }

    /// A filter is being typed.
    pub fn editing_filter(&self) -> bool {
        self.editing_filter
    }

    /// The current list's filter text (empty when none).
    pub fn filter_text(&self) -> &str {
        match self.stack.last() {
            None => self.overview_filter.text(),
            Some(view) => view.list().filter.text(),
        }
    }

    /// The selected row of the current list, as last resolved.
    pub fn selected(&self) -> Option<&RowKey> {
        match self.stack.last() {
            None => self.overview_lists.get(self.focus)?.selected.as_ref(),
            Some(view) => view.list().selected.as_ref(),
        }
    }

    /// The workload shown in the workload view.
    pub fn open_workload(&self) -> Option<&WorkloadKey> {
        match self.stack.last() {
            Some(SubView::Workload { workload, .. }) => Some(workload),
            _ => None,
        }
    }

    /// The keymap in use.
    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    /// The modes whose bindings apply now, first match wins.
    pub fn active_modes(&self) -> &'static [Mode] {
        if self.editing_filter || self.command_line.is_some() {
            &[Mode::Filter]
        } else if self.stack.is_empty() {
            &[Mode::Overview, Mode::List, Mode::Global]
        } else {
            &[Mode::Zone, Mode::List, Mode::Global]
        }
    }

    /// Handles one key event and says what the loop must do.
    pub fn handle_key(&mut self, key: KeyEvent, fleet: &Fleet) -> UiOutcome {
        if key.kind == KeyEventKind::Release {
            return UiOutcome::Nothing;
        }
        self.clamp_to(fleet);
        self.settle_selection(fleet);
        let had_notice = self.notice.take().is_some();
        let outcome = match self.resolve_key(KeyChord::from_event(&key), fleet) {
            UiOutcome::Nothing if had_notice => UiOutcome::Redraw,
            outcome => outcome,
        };
        if outcome == UiOutcome::Redraw {
            self.settle_selection(fleet);
        }
        outcome
    }

    /// Re-finds the current list's selection in the model (after a key or a model change).
    fn settle_selection(&mut self, fleet: &Fleet) {
        let rows = self.current_rows(fleet);
        if let Some(list) = self.current_list_mut() {
            list.settle(&rows);
        }
    }

    fn resolve_key(&mut self, chord: KeyChord, fleet: &Fleet) -> UiOutcome {
        let modes = self.active_modes();
        let had_pending = !self.pending.is_empty();
        self.pending.push(chord);
        let mut resolution = self.keymap.resolve(modes, &self.pending);
        if resolution == KeyResolution::Unbound && had_pending {
            // The sequence went nowhere: try the last key on its own.
            self.pending = vec![chord];
            resolution = self.keymap.resolve(modes, &self.pending);
        }
        match resolution {
            KeyResolution::Pending => UiOutcome::Redraw,
            KeyResolution::Action(action) => {
                self.pending.clear();
                match self.perform(action, fleet) {
                    UiOutcome::Nothing if had_pending => UiOutcome::Redraw,
                    outcome => outcome,
                }
            }
            KeyResolution::Unbound => {
                self.pending.clear();
                let typed = self.type_into_filter(chord);
                if typed || had_pending {
                    UiOutcome::Redraw
                } else {
                    UiOutcome::Nothing
                }
            }
        }
    }

    fn type_into_filter(&mut self, chord: KeyChord) -> bool {
        match chord.code {
            KeyCode::Char(c)
                if !chord
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                if let Some(line) = &mut self.command_line {
                    line.push(c);
                } else if self.editing_filter {
                    self.filter_mut().push(c);
                } else {
                    return false;
                }
                true
            }
            _ => false,
        }
    }

    fn filter_mut(&mut self) -> &mut Filter {
        match self.stack.last_mut() {
            None => &mut self.overview_filter,
            Some(view) => &mut view.list_mut().filter,
        }
    }

    /// Keeps indexes valid if the fleet has fewer zones than the UI remembers.
    fn clamp_to(&mut self, fleet: &Fleet) {
        let zones = fleet.zones.len();
        if self.overview_lists.len() < zones {
            self.overview_lists.resize_with(zones, ListState::default);
        }
        if self.focus >= zones {
            self.focus = zones.saturating_sub(1);
        }
        self.stack.retain(|v| v.zone() < zones);
    }

    fn current_rows(&self, fleet: &Fleet) -> Vec<RowKey> {
        match self.stack.last() {
            None => fleet
                .zones
                .get(self.focus)
                .map(|z| overview::row_keys(z, &self.overview_filter))
                .unwrap_or_default(),
            Some(SubView::Zone { zone, list }) => fleet
                .zones
                .get(*zone)
                .map(|z| zone_view::row_keys(z, &list.filter))
                .unwrap_or_default(),
            Some(SubView::Workload {
                zone,
                workload,
                list,
            }) => fleet
                .zones
                .get(*zone)
                .map(|z| workload_view::row_keys(z, workload, &list.filter))
                .unwrap_or_default(),
        }
    }

    fn current_list_mut(&mut self) -> Option<&mut ListState> {
        match self.stack.last_mut() {
            None => self.overview_lists.get_mut(self.focus),
            Some(view) => Some(view.list_mut()),
        }
    }

    fn perform(&mut self, action: Action, fleet: &Fleet) -> UiOutcome {
        if action == Action::Quit {
            return UiOutcome::Quit;
        }
        if self.command_line.is_some() {
            return self.command_line_action(action, fleet);
        }
        if action == Action::CommandLine {
            return self.open_command_line();
        }
        if action == Action::Help {
            self.help_scroll = match self.help_scroll {
                Some(_) => None,
                None => Some(0),
            };
            return UiOutcome::Redraw;
        }
        if let Some(scroll) = &mut self.help_scroll {
            let page = self.page_rows;
            *scroll = match action {
                Action::Back => {
                    self.help_scroll = None;
                    return UiOutcome::Redraw;
                }
                Action::SelectUp => scroll.saturating_sub(1),
                Action::SelectDown => scroll.saturating_add(1),
                Action::PageUp => scroll.saturating_sub(page),
                Action::PageDown => scroll.saturating_add(page),
                Action::HalfPageUp => scroll.saturating_sub(page.div_ceil(2)),
                Action::HalfPageDown => scroll.saturating_add(page.div_ceil(2)),
                Action::First => 0,
                Action::Last => usize::MAX / 2,
                _ => return UiOutcome::Nothing,
            };
            return UiOutcome::Redraw;
        }
        let changed = match action {
            Action::Quit | Action::Help | Action::CommandLine => false,
            Action::Back => self.back(),
            Action::Open => self.open(fleet),
            Action::FocusNextZone | Action::FocusPrevZone => {
                let zones = fleet.zones.len();
                if zones > 1 && self.stack.is_empty() {
                    self.focus = if action == Action::FocusNextZone {
                        (self.focus + 1) % zones
                    } else {
                        (self.focus + zones - 1) % zones
                    };
                    true
                } else {
                    false
                }
            }
            Action::SelectUp => self.move_selection(fleet, Move::Up),
            Action::SelectDown => self.move_selection(fleet, Move::Down),
            Action::PageUp => self.move_selection(fleet, Move::PageUp(self.page_rows)),
            Action::PageDown => self.move_selection(fleet, Move::PageDown(self.page_rows)),
            Action::HalfPageUp => {
                self.move_selection(fleet, Move::PageUp(self.page_rows.div_ceil(2)))
            }
            Action::HalfPageDown => {
                self.move_selection(fleet, Move::PageDown(self.page_rows.div_ceil(2)))
            }
            Action::First => self.move_selection(fleet, Move::First),
            Action::Last => self.move_selection(fleet, Move::Last),
            Action::Filter => {
                self.editing_filter = true;
                true
            }
            Action::ApplyFilter => std::mem::replace(&mut self.editing_filter, false),
            Action::ClearFilter => {
                self.filter_mut().clear();
                self.editing_filter = false;
                true
            }
            Action::DeleteChar => self.editing_filter && self.filter_mut().pop(),
        };
        if changed {
            UiOutcome::Redraw
        } else {
            UiOutcome::Nothing
        }
    }

    fn back(&mut self) -> bool {
        if !self.filter_text().is_empty() {
            self.filter_mut().clear();
            return true;
        }
        self.stack.pop().is_some()
    }

    fn open(&mut self, fleet: &Fleet) -> bool {
        let rows = self.current_rows(fleet);
        let selected = self
            .stack
            .last()
            .map_or_else(
                || {
                    self.overview_lists
                        .get(self.focus)
                        .and_then(|l| l.resolve(&rows))
                },
                |v| v.list().resolve(&rows),
            )
            .map(|i| rows[i].clone());
        match self.stack.last() {
            None => {
                let Some(zone) = fleet.zones.get(self.focus) else {
                    return false;
                };
                // A namespace opens on its first workload.
                let start = match selected {
                    Some(RowKey::Namespace(ns)) => zone
                        .workloads
                        .values()
                        .find(|w| w.namespace == ns)
                        .map(|w| RowKey::Workload(w.workload_key())),
                    other => other,
                };
                let mut list = ListState::starting_at(start.clone());
                if start.is_some() {
                    let rows = zone_view::row_keys(zone, &list.filter);
                    list.settle(&rows);
                }
                self.stack.push(SubView::Zone {
                    zone: self.focus,
                    list,
                });
                true
            }
            Some(SubView::Zone { zone, .. }) => match selected {
                Some(RowKey::Workload(workload)) => {
                    let zone = *zone;
                    self.stack.push(SubView::Workload {
                        zone,
                        workload,
                        list: ListState::default(),
                    });
                    true
                }
                _ => false,
            },
            Some(SubView::Workload { .. }) => false,
        }
    }

    fn move_selection(&mut self, fleet: &Fleet, how: Move) -> bool {
        let rows = self.current_rows(fleet);
        self.current_list_mut()
            .is_some_and(|list| list.apply(&rows, how))
    }

    /// Draws the whole screen. `summaries[i]` belongs to `fleet.zones[i]`.
    pub fn draw(
        &mut self,
        frame: &mut Frame,
        fleet: &Fleet,
        summaries: &[ZoneSummary],
        clock: &Clock,
    ) {
        let area = frame.area();
        self.draw_into(frame.buffer_mut(), area, fleet, summaries, clock);
    }

    fn draw_into(
        &mut self,
        buf: &mut Buffer,
        area: Rect,
        fleet: &Fleet,
        summaries: &[ZoneSummary],
        clock: &Clock,
    ) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            draw_too_small(buf, area, &self.theme);
            return;
        }
        self.clamp_to(fleet);
        let top = Rect::new(area.x, area.y, area.width, 1);
        let bottom = Rect::new(area.x, area.bottom() - 1, area.width, 1);
        let body = Rect::new(area.x, area.y + 1, area.width, area.height - 2);
        self.draw_top_bar(buf, top, fleet);
        self.draw_bottom_bar(buf, bottom);
        if fleet.zones.is_empty() {
            draw_lines(
                buf,
                body,
                [Line::styled(
                    "no zones are configured",
                    self.theme.style(Role::Muted),
                )],
            );
            return;
        }
        self.zone_hits.clear();
        let theme = &self.theme;
        self.page_rows = match self.stack.last_mut() {
            None => {
                let input = overview::OverviewInput {
                    fleet,
                    summaries,
                    focus: self.focus,
                    filter: &self.overview_filter,
                    theme,
                    clock,
                };
                let page = overview::draw(buf, body, &input, &mut self.overview_lists);
                self.zone_hits = mouse::zone_hit_areas(buf, body, fleet.zones.len());
                page
            }
            Some(SubView::Zone { zone, list }) => {
                zone_view::draw(buf, body, &fleet.zones[*zone], list, theme, clock)
            }
            Some(SubView::Workload {
                zone,
                workload,
                list,
            }) => workload_view::draw(buf, body, &fleet.zones[*zone], workload, list, theme, clock),
        };
        if let Some(scroll) = &mut self.help_scroll {
            help::draw(
                buf,
                body,
                &self.keymap,
                &self.options.keymap_name,
                scroll,
                theme,
            );
        }
    }

    /// `ge-console │ Overview › Z1 dev` on the left, badges and the keymap on the right.
    fn draw_top_bar(&self, buf: &mut Buffer, row: Rect, fleet: &Fleet) {
        let theme = &self.theme;
        let text = theme.style(Role::Text);
        let zone = fleet.zones.get(self.focused_zone());
        let label = zone.map(|z| zone_label(&z.config)).unwrap_or_default();
        let place = text.add_modifier(Modifier::BOLD);
        let mut parts = vec![
            Part::fixed(" ge-console ", theme.style(Role::Title)),
            Part::fixed("│ ", theme.style(Role::Border)),
        ];
        if self.stack.is_empty() {
            parts.push(Part::fixed("Overview › ", place));
        }
        parts.push(Part::flexible(label, place));
        if zone.is_some_and(|z| z.config.is_production()) {
            parts.push(Part::fixed(" ", text));
            parts.push(Part::fixed("[PROD]", theme.style(Role::HeaderProduction)));
        }
        match self.stack.last() {
            None => {}
            Some(SubView::Zone { .. }) => parts.push(Part::fixed(" › Zone view", place)),
            Some(SubView::Workload { workload, .. }) => {
                parts.push(Part::fixed(" › ", place));
                parts.push(Part::flexible(
                    workload_view::workload_path(workload),
                    place,
                ));
            }
        }
        if self.help_visible() {
            parts.push(Part::fixed(" › Help", place));
        }
        let mut right = Vec::new();
        if self.options.read_only {
            right.push(Part::fixed("[READ-ONLY]", theme.style(Role::BadgeReadOnly)));
            right.push(Part::fixed(" ", text));
        }
        right.push(Part::fixed(
            format!("keymap {} ", self.options.keymap_name),
            theme.style(Role::Muted),
        ));
        let right_width: usize = right.iter().map(|p| widgets::width(&p.text)).sum();
        let left_width: usize = parts.iter().map(|p| widgets::width(&p.text)).sum();
        let total = usize::from(row.width);
        // The right side gets its room first; the place name gives way.
        let gap = total.saturating_sub(left_width + right_width);
        parts.push(Part::fixed(" ".repeat(gap.max(1)), text));
        parts.extend(right);
        let line = squeeze(parts, total);
        buf.set_line(row.x, row.y, &line, row.width);
    }

    /// The most useful keys of the active keymap, the filter, and any pending key prefix.
    fn draw_bottom_bar(&self, buf: &mut Buffer, row: Rect) {
        let theme = &self.theme;
        let key_style = theme.style(Role::Title);
        let label_style = theme.style(Role::Muted);
        let modes = self.active_modes();
        if let Some(command) = &self.command_line {
            let prompt = Line::from(vec![
                Span::styled(":", key_style),
                Span::styled(format!("{command}▏"), theme.style(Role::Text)),
            ]);
            let line = widgets::fit_line(prompt, usize::from(row.width));
            buf.set_line(row.x, row.y, &line, row.width);
            return;
        }
        let hints: &[(Action, &str)] = if self.editing_filter {
            &[
                (Action::ApplyFilter, "keep"),
                (Action::ClearFilter, "clear"),
            ]
        } else if self.help_visible() {
            &[
                (Action::Help, "close"),
                (Action::SelectDown, "scroll"),
                (Action::Quit, "quit"),
            ]
        } else {
            match self.view() {
                ViewKind::Overview => &[
                    (Action::Help, "help"),
                    (Action::Open, "open"),
                    (Action::FocusNextZone, "next zone"),
                    (Action::SelectDown, "select"),
                    (Action::Filter, "filter"),
                    (Action::Quit, "quit"),
                ],
                ViewKind::Zone => &[
                    (Action::Help, "help"),
                    (Action::Open, "open"),
                    (Action::Back, "back"),
                    (Action::Filter, "filter"),
                    (Action::Quit, "quit"),
                ],
                ViewKind::Workload => &[
                    (Action::Help, "help"),
                    (Action::Back, "back"),
                    (Action::Filter, "filter"),
                    (Action::Quit, "quit"),
                ],
            }
        };
        let mut right: Vec<Span> = Vec::new();
        if let Some(notice) = &self.notice {
            right.push(Span::styled(
                format!("{notice} "),
                theme.style(Role::Warning),
            ));
        }
        if !self.pending.is_empty() {
            let keys: Vec<String> = self.pending.iter().map(ToString::to_string).collect();
            right.push(Span::styled(format!("{} … ", keys.join(" ")), key_style));
        }
        let filter = self.filter_text();
        if self.editing_filter {
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
            let Some(key) = self.keymap.first_key(modes, *action) else {
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
}

/// Draws only a centred "terminal too small" message (safe at any size, including 0×0).
fn draw_too_small(buf: &mut Buffer, area: Rect, theme: &Theme) {
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
