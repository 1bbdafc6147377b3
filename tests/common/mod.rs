//! Helpers shared by the UI test files: a fixed clock, buffer-to-text, key presses.

use std::time::{Duration, Instant};

use ge_console::fleet::Fleet;
use ge_console::ui::{Clock, RowKey, Ui};
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The wall-clock "now" of every rendered fixture.
pub fn wall() -> Timestamp {
    "2026-03-26T12:00:00Z".parse().unwrap()
}

/// A timestamp `seconds` before [`wall`].
pub fn ago(seconds: i64) -> Option<Timestamp> {
    Some(wall() - jiff::SignedDuration::from_secs(seconds))
}

/// A clock fixed for the whole test binary, so durations on screen are deterministic.
pub fn clock() -> Clock {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let instant = *START.get_or_init(|| Instant::now() + Duration::from_secs(30 * 86_400));
    Clock {
        instant,
        wall: wall(),
    }
}

/// The buffer as text, one line per row, wide characters counted once, trailing spaces cut.
pub fn text_of(buffer: &Buffer) -> String {
    let width = usize::from(buffer.area.width);
    let mut out = String::new();
    for row in buffer.content.chunks(width.max(1)) {
        let mut line = String::new();
        let mut skip = 0;
        for cell in row {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            line.push_str(cell.symbol());
            skip = unicode_width::UnicodeWidthStr::width(cell.symbol()).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A key press without modifiers.
pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// Moves the overview's selection down until it rests on `target`.
pub fn select_in_overview(ui: &mut Ui, fleet: &Fleet, target: &RowKey) {
    for _ in 0..100 {
        if ui.selected() == Some(target) {
            return;
        }
        ui.handle_key(key(KeyCode::Down), fleet);
    }
    panic!("{target:?} not reached; at {:?}", ui.selected());
}
