//! A ratatui backend that writes colours as the terminal's colour depth wants them.
//!
//! ratatui's crossterm backend writes even the 16 ANSI colours as 256-colour sequences
//! (`38;5;1`), which a 16-colour terminal does not understand. This backend does what that one
//! does with crossterm commands, but draws cells with one SGR sequence per change of style: ANSI colours as `30–37`/`90–97` (`40–47`/`100–107` behind), palette colours as
//! `38;5;N`, RGB as `38;2;R;G;B`, each first mapped down to the [`ColorDepth`]; when monochrome,
//! no colour at all, only bold, reverse, underline and the like.

use std::io::{self, Write};

use crossterm::cursor::{Hide, MoveTo, Show};
use crossterm::terminal::{self, Clear};
use crossterm::{execute, queue};
use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};

use super::color_depth::ColorDepth;

/// A crossterm backend with colours written for a [`ColorDepth`].
pub struct ColorDepthBackend<W: Write> {
    writer: W,
    depth: ColorDepth,
}

impl<W: Write> ColorDepthBackend<W> {
    /// A backend writing to `writer` for a terminal of `depth`.
    pub fn new(writer: W, depth: ColorDepth) -> Self {
        ColorDepthBackend { writer, depth }
    }

    /// The writer, for sequences of its own (synchronized updates, mouse capture).
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.writer
    }
}

/// The SGR parameters of one cell's look: reset, modifiers, then colours.
pub fn sgr_parameters(depth: ColorDepth, fg: Color, bg: Color, modifier: Modifier) -> String {
    let mut params = String::from("0");
    for (flag, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::SLOW_BLINK, "5"),
        (Modifier::RAPID_BLINK, "6"),
        (Modifier::REVERSED, "7"),
        (Modifier::HIDDEN, "8"),
        (Modifier::CROSSED_OUT, "9"),
    ] {
        if modifier.contains(flag) {
            params.push(';');
            params.push_str(code);
        }
    }
    for (color, background) in [(fg, false), (bg, true)] {
        if let Some(code) = color_parameter(depth.adapt(color), background) {
            params.push(';');
            params.push_str(&code);
        }
    }
    params
}

/// `31`, `101`, `38;5;214`, `48;2;1;2;3`; `None` for the terminal's own colour.
fn color_parameter(color: Color, background: bool) -> Option<String> {
    let offset = if background { 10 } else { 0 };
    let ansi = |index: u8| {
        let base = if index < 8 {
            30 + index
        } else {
            90 + index - 8
        };
        Some((base + offset).to_string())
    };
    let extended = if background { 48 } else { 38 };
    match color {
        Color::Reset => None,
        Color::Black => ansi(0),
        Color::Red => ansi(1),
        Color::Green => ansi(2),
        Color::Yellow => ansi(3),
        Color::Blue => ansi(4),
        Color::Magenta => ansi(5),
        Color::Cyan => ansi(6),
        Color::Gray => ansi(7),
        Color::DarkGray => ansi(8),
        Color::LightRed => ansi(9),
        Color::LightGreen => ansi(10),
        Color::LightYellow => ansi(11),
        Color::LightBlue => ansi(12),
        Color::LightMagenta => ansi(13),
        Color::LightCyan => ansi(14),
        Color::White => ansi(15),
        Color::Indexed(index) if index < 16 => ansi(index),
        Color::Indexed(index) => Some(format!("{extended};5;{index}")),
        Color::Rgb(r, g, b) => Some(format!("{extended};2;{r};{g};{b}")),
    }
}

impl<W: Write> Backend for ColorDepthBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let depth = self.depth;
        let writer = &mut self.writer;
        let mut look: Option<(Color, Color, Modifier)> = None;
        let mut last: Option<Position> = None;
        for (x, y, cell) in content {
            if !matches!(last, Some(p) if x == p.x + 1 && y == p.y) {
                queue!(writer, MoveTo(x, y))?;
            }
            last = Some(Position { x, y });
            let cell_look = (cell.fg, cell.bg, cell.modifier);
            if look != Some(cell_look) {
                let params = sgr_parameters(depth, cell.fg, cell.bg, cell.modifier);
                write!(writer, "\x1b[{params}m")?;
                look = Some(cell_look);
            }
            writer.write_all(cell.symbol().as_bytes())?;
        }
        if look.is_some() {
            writer.write_all(b"\x1b[0m")?;
        }
        Ok(())
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        for _ in 0..n {
            self.writer.write_all(b"\n")?;
        }
        self.writer.flush()
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        execute!(self.writer, Hide)
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        execute!(self.writer, Show)
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        let (x, y) = crossterm::cursor::position()?;
        Ok(Position { x, y })
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let Position { x, y } = position.into();
        execute!(self.writer, MoveTo(x, y))
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        let what = match clear_type {
            ClearType::All => terminal::ClearType::All,
            ClearType::AfterCursor => terminal::ClearType::FromCursorDown,
            ClearType::BeforeCursor => terminal::ClearType::FromCursorUp,
            ClearType::CurrentLine => terminal::ClearType::CurrentLine,
            ClearType::UntilNewLine => terminal::ClearType::UntilNewLine,
        };
        execute!(self.writer, Clear(what))
    }

    fn size(&self) -> io::Result<Size> {
        let (width, height) = terminal::size()?;
        Ok(Size { width, height })
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        let size = terminal::window_size()?;
        Ok(WindowSize {
            columns_rows: Size {
                width: size.columns,
                height: size.rows,
            },
            pixels: Size {
                width: size.width,
                height: size.height,
            },
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    fn drawn(depth: ColorDepth, style: Style) -> String {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 3, 1));
        buffer.set_string(0, 0, "ab", style);
        let mut backend = ColorDepthBackend::new(Vec::new(), depth);
        let cells = buffer
            .content
            .iter()
            .enumerate()
            .map(|(i, c)| (i as u16, 0, c));
        backend.draw(cells).unwrap();
        String::from_utf8(backend.writer).unwrap()
    }

    #[test]
    fn ansi_colours_use_the_16_colour_codes() {
        let style = Style::new()
            .fg(Color::Red)
            .bg(Color::LightBlue)
            .add_modifier(Modifier::BOLD);
        assert_eq!(
            drawn(ColorDepth::Indexed256, style),
            "\x1b[1;1H\x1b[0;1;31;104mab\x1b[0m \x1b[0m"
        );
        assert_eq!(
            sgr_parameters(
                ColorDepth::Ansi16,
                Color::Gray,
                Color::Black,
                Modifier::empty()
            ),
            "0;37;40"
        );
        assert_eq!(
            sgr_parameters(
                ColorDepth::Ansi16,
                Color::White,
                Color::DarkGray,
                Modifier::empty()
            ),
            "0;97;100"
        );
    }

    #[test]
    fn deeper_colours_are_mapped_to_the_depth() {
        let style = Style::new().fg(Color::Rgb(0xff, 0xaf, 0x00));
        let params =
            |depth| sgr_parameters(depth, style.fg.unwrap(), Color::Reset, Modifier::empty());
        assert_eq!(params(ColorDepth::TrueColor), "0;38;2;255;175;0");
        assert_eq!(params(ColorDepth::Indexed256), "0;38;5;214");
        assert_eq!(params(ColorDepth::Ansi16), "0;33");
        assert_eq!(params(ColorDepth::Monochrome), "0");
    }

    #[test]
    fn monochrome_writes_modifiers_only() {
        let style = Style::new()
            .fg(Color::White)
            .bg(Color::Red)
            .add_modifier(Modifier::REVERSED | Modifier::UNDERLINED);
        assert_eq!(
            drawn(ColorDepth::Monochrome, style),
            "\x1b[1;1H\x1b[0;4;7mab\x1b[0m \x1b[0m"
        );
    }
}
