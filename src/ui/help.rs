//! The help overlay, generated from the active keymap: mode, keys and description.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

use ratatui::layout::Position;

use super::Action;
use super::keymap::{Keymap, Mode};
use super::layer::{BottomBar, DrawContext, Effect, KeyContext, KeyModes, Layer, Reply};
use super::theme::{Role, Theme};
use super::widgets::{ListLine, centered, draw_list, pad, width};
use crate::fleet::Fleet;

/// The overlay's lines: per mode with bindings, a heading and one line per action.
pub fn help_lines<'a>(keymap: &'a Keymap, theme: &Theme) -> Vec<Line<'a>> {
    let key_width = Mode::ALL
        .iter()
        .flat_map(|m| keymap.bindings(*m))
        .map(|b| width(&keys_text(b)))
        .max()
        .unwrap_or(0)
        .min(24);
    let mut lines = Vec::new();
    for mode in Mode::ALL {
        let bindings = keymap.bindings(mode);
        if bindings.iter().all(|b| b.keys.is_empty()) {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::from(vec![
            Span::styled(mode.title(), theme.style(Role::Title)),
            Span::styled(format!(" [{}]", mode.name()), theme.style(Role::Muted)),
        ]));
        for b in bindings.iter().filter(|b| !b.keys.is_empty()) {
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(
                    pad(&keys_text(b), key_width),
                    theme.style(Role::Text).add_modifier(Modifier::BOLD),
                ),
                Span::raw("  "),
                Span::styled(b.description.as_str(), theme.style(Role::Text)),
            ]));
        }
    }
    lines
}

fn keys_text(b: &super::keymap::Binding) -> String {
    b.keys
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The help overlay: the keymap's bindings, scrollable; while open only the keys of mode
/// `help` apply (quitting and the command line are passed on to the global keys).
#[derive(Debug, Default)]
pub struct HelpOverlay {
    scroll: usize,
    page: usize,
}

impl Layer for HelpOverlay {
    fn key_modes(&self, _fleet: &Fleet) -> KeyModes {
        KeyModes::only(&[Mode::Help])
    }

    fn handle(&mut self, action: Action, _cx: &KeyContext<'_>) -> Reply {
        let page = self.page.max(1);
        let scroll = self.scroll;
        self.scroll = match action {
            Action::Quit | Action::CommandLine => return Reply::Pass,
            Action::Help | Action::Back => return Reply::Do(Effect::Close),
            Action::SelectUp => scroll.saturating_sub(1),
            Action::SelectDown => scroll.saturating_add(1),
            Action::PageUp => scroll.saturating_sub(page),
            Action::PageDown => scroll.saturating_add(page),
            Action::HalfPageUp => scroll.saturating_sub(page.div_ceil(2)),
            Action::HalfPageDown => scroll.saturating_add(page.div_ceil(2)),
            Action::First => 0,
            Action::Last => usize::MAX / 2,
            _ => return Reply::NOTHING,
        };
        Reply::REDRAW
    }

    fn click(&mut self, _at: Position) -> Reply {
        Reply::NOTHING
    }

    fn bottom_bar(&self, _keymap: &Keymap) -> Option<BottomBar> {
        Some(BottomBar::Hints(&[
            (Action::Help, "close"),
            (Action::SelectDown, "scroll"),
            (Action::Quit, "quit"),
        ]))
    }

    fn crumb(&self) -> Option<&'static str> {
        Some(" › Help")
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        self.page = draw(
            buf,
            area,
            cx.keymap,
            &cx.options.keymap_name,
            &mut self.scroll,
            cx.theme,
        );
    }
}

/// Draws the overlay centred over `area`, scrolled to `scroll` (which is clamped); returns
/// how many rows it shows.
fn draw(
    buf: &mut Buffer,
    area: Rect,
    keymap: &Keymap,
    keymap_name: &str,
    scroll: &mut usize,
    theme: &Theme,
) -> usize {
    let lines = help_lines(keymap, theme);
    let content_width = lines.iter().map(Line::width).max().unwrap_or(0) as u16;
    let rect = centered(
        area,
        content_width.saturating_add(4).max(40),
        (lines.len() as u16).saturating_add(2),
    );
    Clear.render(rect, buf);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.style(Role::BorderFocused))
        .title(Line::styled(
            format!(" Help · keymap {keymap_name} "),
            theme.style(Role::Title),
        ));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let inner = Rect::new(
        inner.x.saturating_add(1).min(inner.right()),
        inner.y,
        inner.width.saturating_sub(1),
        inner.height,
    );
    let lines: Vec<ListLine> = lines.into_iter().map(|l| (l, None)).collect();
    let shown = usize::from(inner.height);
    draw_list(
        buf,
        inner,
        lines,
        None,
        scroll,
        theme.style(Role::Selection),
        theme.style(Role::Muted),
    );
    shown
}
