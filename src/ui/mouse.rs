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
