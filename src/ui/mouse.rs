//! Optional mouse support (`--mouse`): the wheel scrolls the current list or the help, a left
//! click on a zone's column (or its entry in the tab strip) focuses that zone.

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::layer::{KeyContext, Reply};
use super::overview::{OverviewLayout, choose_layout, grid_cell};
use super::{Action, Ui, UiOutcome};

/// Rows one wheel notch moves.
const WHEEL_ROWS: usize = 3;

impl Ui {
    /// Handles one mouse event and says what the core must do: the wheel moves what the
    /// arrow keys move, a click is offered to the layers top first.
    pub fn handle_mouse(&mut self, event: MouseEvent, cx: &KeyContext<'_>) -> UiOutcome {
        let action = match event.kind {
            MouseEventKind::ScrollDown => Action::SelectDown,
            MouseEventKind::ScrollUp => Action::SelectUp,
            MouseEventKind::Down(MouseButton::Left) => {
                return self.click(Position::new(event.column, event.row));
            }
            _ => return UiOutcome::Nothing,
        };
        if self.editing_filter() || self.command_line().is_some() {
            return UiOutcome::Nothing;
        }
        let mut outcome = UiOutcome::Nothing;
        for _ in 0..WHEEL_ROWS {
            if self.perform(action, cx) == UiOutcome::Redraw {
                outcome = UiOutcome::Redraw;
            }
        }
        outcome
    }

    fn click(&mut self, at: Position) -> UiOutcome {
        for id in self.layers.order() {
            let Some(layer) = self.layers.get_mut(id) else {
                continue;
            };
            match layer.click(at) {
                Reply::Pass => continue,
                Reply::Done(true) => return UiOutcome::Redraw,
                _ => return UiOutcome::Nothing,
            }
        }
        UiOutcome::Nothing
    }
}

/// Where each zone was drawn in the overview `body`, for clicks: its grid cell, or with tabs
/// its entry in the one-line strip (entries are separated by `│`).
pub(super) fn zone_hit_areas(buf: &Buffer, body: Rect, zones: usize) -> Vec<(Rect, usize)> {
    match choose_layout(body, zones) {
        OverviewLayout::Grid { columns, rows } => (0..zones)
            .map(|i| (grid_cell(body, columns, rows, i), i))
            .collect(),
        OverviewLayout::Tabs => {
            let mut hits = Vec::new();
            let mut start = body.x;
            for x in body.x..body.right() {
                let is_separator = buf
                    .cell(Position::new(x, body.y))
                    .is_some_and(|c| c.symbol() == "│");
                if is_separator || x + 1 == body.right() {
                    let end = if is_separator { x } else { x + 1 };
                    if hits.len() < zones && end > start {
                        hits.push((Rect::new(start, body.y, end - start, 1), hits.len()));
                    }
                    start = x + 1;
                }
            }
            hits
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::KeyModifiers;

    use super::*;
    use crate::config::{DEFAULT_ZONES_TOML, parse_zones};
    use crate::ui::{Clock, Keymap, Theme, UiOptions};

    fn fleet() -> Fleet {
        Fleet::new(&parse_zones(DEFAULT_ZONES_TOML, Path::new("zones")).unwrap())
    }

    fn ui() -> Ui {
        let options = UiOptions {
            read_only: false,
            keymap_name: "default".into(),
        };
        Ui::new(Keymap::default_map(), Theme::default_theme(), options)
    }

    /// Draws a frame (which records where the zones are) and returns its text rows.
    fn draw(ui: &mut Ui, fleet: &Fleet, width: u16, height: u16) -> Vec<String> {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|frame| ui.draw(frame, fleet, &[], &Clock::now()))
            .unwrap();
        let buffer = terminal.backend().buffer();
        (0..height)
            .map(|y| (0..width).map(|x| buffer[(x, y)].symbol()).collect())
            .collect()
    }

    fn event(kind: MouseEventKind, column: u16, row: u16) -> MouseEvent {
        MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }
    }

    fn click(column: u16, row: u16) -> MouseEvent {
        event(MouseEventKind::Down(MouseButton::Left), column, row)
    }

    #[test]
    fn a_click_on_a_zone_column_focuses_it() {
        let fleet = fleet();
        let mut ui = ui();
        draw(&mut ui, &fleet, 200, 50);
        assert_eq!(ui.handle_mouse(click(150, 20), &fleet), UiOutcome::Redraw);
        assert_eq!(ui.focused_zone(), 2);
        assert_eq!(ui.handle_mouse(click(150, 21), &fleet), UiOutcome::Nothing);
        assert_eq!(ui.handle_mouse(click(80, 10), &fleet), UiOutcome::Redraw);
        assert_eq!(ui.focused_zone(), 1);
        // Other buttons and the bars do nothing.
        let right = event(MouseEventKind::Down(MouseButton::Right), 10, 10);
        assert_eq!(ui.handle_mouse(right, &fleet), UiOutcome::Nothing);
        assert_eq!(ui.handle_mouse(click(10, 0), &fleet), UiOutcome::Nothing);
        assert_eq!(ui.focused_zone(), 1);
    }

    #[test]
    fn a_click_on_a_tab_focuses_its_zone() {
        let fleet = fleet();
        let mut ui = ui();
        let rows = draw(&mut ui, &fleet, 100, 30);
        let strip = &rows[1];
        let z3 = strip.find("Z3").expect("a tab strip");
        let x = strip[..z3].chars().count() as u16;
        assert_eq!(ui.handle_mouse(click(x + 1, 1), &fleet), UiOutcome::Redraw);
        assert_eq!(ui.focused_zone(), 2);
        assert_eq!(ui.handle_mouse(click(1, 1), &fleet), UiOutcome::Redraw);
        assert_eq!(ui.focused_zone(), 0);
    }

    #[test]
    fn the_wheel_scrolls_the_help_and_clicks_wait_for_the_overview() {
        let fleet = fleet();
        let mut ui = ui();
        draw(&mut ui, &fleet, 100, 30);
        ui.perform(Action::Help, &fleet);
        draw(&mut ui, &fleet, 100, 30);
        let down = event(MouseEventKind::ScrollDown, 50, 15);
        assert_eq!(ui.handle_mouse(down, &fleet), UiOutcome::Redraw);
        assert_eq!(ui.help_scroll, Some(WHEEL_ROWS));
        assert_eq!(ui.handle_mouse(click(80, 1), &fleet), UiOutcome::Nothing);
        let up = event(MouseEventKind::ScrollUp, 50, 15);
        assert_eq!(ui.handle_mouse(up, &fleet), UiOutcome::Redraw);
        assert_eq!(ui.help_scroll, Some(0));
    }
}
