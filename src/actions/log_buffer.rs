//! The lines of a log pane: decoded, sanitised and styled where they arrive (in the follower
//! task, off the event loop), and kept in a bounded buffer that drops the oldest and counts
//! what it dropped. Lines are numbered absolutely, so a view scrolled up holds still while
//! the front of the buffer falls off.

use std::collections::VecDeque;

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use crate::cluster::logs::{MAX_LINE_BYTES, RawLine};
use crate::sanitize::{clean_bytes_keeping_sgr, clean_owned};

/// Lines a log pane keeps unless the config says otherwise.
pub const DEFAULT_KEEP_LINES: usize = 10_000;

/// What a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A line the container wrote.
    Output,
    /// A note of the console's own: a pod joined, went away, its stream ended.
    Note,
    /// Something failed: the server's refusal, a broken stream.
    Problem,
}

/// One line of a log pane.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// The stream (pod) it came from, as an index into the session's sources; `None` for the
    /// session's own notes.
    pub source: Option<usize>,
    /// Output, a note or a problem.
    pub kind: LineKind,
    /// The text, sanitised; output keeps the colours it was written with as styles.
    pub text: Line<'static>,
    /// The line was longer than [`MAX_LINE_BYTES`] and was cut.
    pub cut: bool,
}

impl LogLine {
    /// A line a container wrote, from its raw bytes: invalid UTF-8 replaced, escape sequences
    /// removed whole, colours (SGR) turned into styles.
    pub fn output(source: Option<usize>, raw: RawLine) -> LogLine {
        let (bytes, cut) = match raw {
            RawLine::Whole(bytes) => (bytes, false),
            RawLine::Cut(bytes) => (bytes, true),
        };
        LogLine {
            source,
            kind: LineKind::Output,
            text: styled_line(&bytes),
            cut,
        }
    }

    /// A note or problem line of the console's own.
    pub fn note(source: Option<usize>, kind: LineKind, text: impl AsRef<str>) -> LogLine {
        LogLine {
            source,
            kind,
            text: Line::raw(clean_owned(text.as_ref())),
            cut: false,
        }
    }

    /// The text without styles, with the cut mark: what is saved and printed.
    pub fn plain(&self) -> String {
        let mut text: String = self.text.spans.iter().map(|s| s.content.as_ref()).collect();
        if self.cut {
            text.push_str(CUT_MARK);
        }
        text
    }
}

/// Said after a line that was cut.
pub const CUT_MARK: &str = " … [line cut at 16 KiB]";

const _: () = assert!(MAX_LINE_BYTES == 16 * 1024, "CUT_MARK names the limit");

/// Raw log bytes as a styled line: decoded (invalid UTF-8 as U+FFFD), every escape sequence
/// removed except colours, and the colours parsed into styles by `ansi-to-tui`, so no escape
/// byte is left in the text. A colour reset goes back to the pane's own colours.
pub fn styled_line(bytes: &[u8]) -> Line<'static> {
    let text = clean_bytes_keeping_sgr(bytes);
    if !text.contains('\x1b') {
        return Line::raw(text);
    }
    use ansi_to_tui::IntoText;
    let Ok(parsed) = text.as_bytes().into_text() else {
        return Line::raw(clean_owned(&text));
    };
    let spans: Vec<Span<'static>> = parsed
        .lines
        .into_iter()
        .flat_map(|line| line.spans)
        .map(|span| {
            let mut style = Style::new().add_modifier(span.style.add_modifier);
            if let Some(fg) = span.style.fg.filter(|c| *c != Color::Reset) {
                style = style.fg(fg);
            }
            if let Some(bg) = span.style.bg.filter(|c| *c != Color::Reset) {
                style = style.bg(bg);
            }
            // The parser leaves no escape in the text; cleaning again keeps the promise if
            // that ever changes.
            Span::styled(clean_owned(&span.content), style)
        })
        .filter(|span| !span.content.is_empty())
        .collect();
    Line::from(spans)
}

/// The lines of a pane: at most `capacity`, the oldest dropped first and counted.
#[derive(Debug, Clone)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    /// The number of `lines[0]` over all lines ever kept.
    first: u64,
    capacity: usize,
    /// Lines lost: dropped off the front here, or dropped on the way when the console could
    /// not keep up.
    dropped: u64,
}

impl LogBuffer {
    /// An empty buffer keeping at most `capacity` lines.
    pub fn new(capacity: usize) -> LogBuffer {
        LogBuffer {
            lines: VecDeque::with_capacity(capacity.min(1024)),
            first: 0,
            capacity: capacity.max(1),
            dropped: 0,
        }
    }

    /// Adds a line, dropping the oldest when full.
    pub fn push(&mut self, line: LogLine) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
            self.first += 1;
            self.dropped += 1;
        }
        self.lines.push_back(line);
    }

    /// Adds lines in order.
    pub fn extend(&mut self, lines: impl IntoIterator<Item = LogLine>) {
        for line in lines {
            self.push(line);
        }
    }

    /// Counts lines lost before they reached the buffer.
    pub fn lost_on_the_way(&mut self, count: u64) {
        self.dropped += count;
    }

    /// The number of the oldest line kept.
    pub fn first(&self) -> u64 {
        self.first
    }

    /// One past the number of the newest line.
    pub fn end(&self) -> u64 {
        self.first + self.lines.len() as u64
    }

    /// The line numbered `n`, if kept.
    pub fn get(&self, n: u64) -> Option<&LogLine> {
        let index = usize::try_from(n.checked_sub(self.first)?).ok()?;
        self.lines.get(index)
    }

    /// The kept lines, oldest first.
    pub fn lines(&self) -> impl Iterator<Item = &LogLine> {
        self.lines.iter()
    }

    /// Lines kept now.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True before the first line.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Lines lost in all: dropped off the front, or on the way.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The most lines kept.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// The short name a workload's pod goes by in the interleaved log: what is left of its name
/// once the workload's name and its revision hash are taken off (`ge-executor-5c8d7e9f1a-x7k2p`
/// → `x7k2p`, `ge-db-0` → `0`), else its whole name.
pub fn short_label(workload: &str, pod: &str, template_hash: Option<&str>) -> String {
    let Some(rest) = pod.strip_prefix(workload).and_then(|r| r.strip_prefix('-')) else {
        return pod.to_string();
    };
    let rest = template_hash
        .and_then(|h| rest.strip_prefix(h))
        .and_then(|r| r.strip_prefix('-'))
        .unwrap_or(rest);
    if rest.is_empty() {
        pod.to_string()
    } else {
        rest.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Modifier;

    fn out(text: &[u8]) -> LogLine {
        LogLine::output(Some(0), RawLine::Whole(text.to_vec()))
    }

    #[test]
    fn the_buffer_keeps_the_newest_lines_numbers_them_and_counts_the_dropped() {
        let mut buffer = LogBuffer::new(3);
        buffer.extend((0..10).map(|i| out(format!("line {i}").as_bytes())));
        assert_eq!((buffer.first(), buffer.end(), buffer.len()), (7, 10, 3));
        assert_eq!(buffer.dropped(), 7);
        assert_eq!(buffer.get(7).map(LogLine::plain).as_deref(), Some("line 7"));
        assert!(buffer.get(6).is_none());
        buffer.lost_on_the_way(5);
        assert_eq!(buffer.dropped(), 12);
    }

    #[test]
    fn colours_become_styles_and_other_escapes_vanish_whole() {
        let line = out(b"\x1b]0;title\x07\x1b[1;31mERROR\x1b[0m disk \x1b[2Jfull\x1b[?25l");
        assert_eq!(line.plain(), "ERROR disk full");
        assert_eq!(line.text.spans[0].content, "ERROR");
        assert_eq!(line.text.spans[0].style.fg, Some(Color::Red));
        assert!(
            line.text.spans[0]
                .style
                .add_modifier
                .contains(Modifier::BOLD)
        );
        assert_eq!(
            line.text.spans[1].style.fg, None,
            "a reset returns to the pane's colour"
        );
        for span in &line.text.spans {
            assert!(!span.content.chars().any(char::is_control), "{span:?}");
        }
    }

    #[test]
    fn invalid_utf8_and_controls_are_replaced() {
        let line = out(b"bad \xff\xfe bytes\x07 and \x1b[31");
        assert_eq!(line.plain(), "bad \u{fffd}\u{fffd} bytes and ");
    }

    #[test]
    fn a_cut_line_says_so() {
        let line = LogLine::output(None, RawLine::Cut(b"{\"huge\":".to_vec()));
        assert!(line.cut);
        assert_eq!(line.plain(), format!("{{\"huge\":{CUT_MARK}"));
    }

    #[test]
    fn pods_go_by_what_sets_them_apart() {
        assert_eq!(
            short_label(
                "ge-executor",
                "ge-executor-5c8d7e9f1a-x7k2p",
                Some("5c8d7e9f1a")
            ),
            "x7k2p"
        );
        assert_eq!(short_label("ge-db", "ge-db-0", None), "0");
        assert_eq!(
            short_label("agent", "node-agent-abcde", None),
            "node-agent-abcde"
        );
        assert_eq!(short_label("ge-db", "ge-db", None), "ge-db");
    }
}
