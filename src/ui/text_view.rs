//! A scrollable, searchable view of text lines, shared by the log pane and the YAML pane.
//!
//! The lines themselves live elsewhere (the action runner's bounded log buffer, a fetched
//! YAML document) and are read through a [`TextSource`], which numbers them absolutely: a
//! line keeps its number while older lines drop off the front, so a view scrolled up holds
//! still under a flood. [`TextView`] is the view's state: where it is scrolled (or that it
//! follows the end), wrapping, pause (the view freezes while lines keep arriving), and an
//! incremental `/` search with every match highlighted and `n`/`N` to step through them.
//!
//! Wrapping is by character, not by word (as `less` and terminal log viewers wrap), written
//! here because ratatui's `Paragraph` can neither say how many rows a wrapped line takes
//! (that API is unstable) nor draw a window of lines without laying out all before it.

use std::collections::VecDeque;
use std::ops::Range;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

use super::Action;
use super::theme::{Role, Theme};

/// Lines numbered absolutely: `first()..end()` are kept; numbers below `first()` fell off.
pub trait TextSource {
    /// The number of the oldest line kept.
    fn first(&self) -> u64;
    /// One past the number of the newest line.
    fn end(&self) -> u64;
    /// The line numbered `n`, as drawn (styled), when it is kept.
    fn line(&self, n: u64) -> Option<Line<'_>>;
}

/// A fixed list of lines numbered from 0: a fetched document, a test's text.
#[derive(Debug, Clone, Copy)]
pub struct SliceSource<'a>(pub &'a [Line<'static>]);

impl TextSource for SliceSource<'_> {
    fn first(&self) -> u64 {
        0
    }

    fn end(&self) -> u64 {
        self.0.len() as u64
    }

    fn line(&self, n: u64) -> Option<Line<'_>> {
        let line = self.0.get(usize::try_from(n).ok()?)?;
        Some(Line::from(
            line.spans
                .iter()
                .map(|s| Span::styled(s.content.as_ref(), s.style))
                .collect::<Vec<_>>(),
        ))
    }
}

/// The text of a line without its styles.
pub fn plain_text(line: &Line<'_>) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

/// What `/` looks for: smart case (an upper-case letter in the query makes it case-sensitive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    text: String,
    fold_case: bool,
}

impl Query {
    /// A query for `text`.
    pub fn new(text: &str) -> Query {
        Query {
            text: text.to_string(),
            fold_case: !text.chars().any(char::is_uppercase),
        }
    }

    /// The query as typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The byte ranges of `haystack` it matches, in order, not overlapping.
    pub fn find_in(&self, haystack: &str) -> Vec<Range<usize>> {
        if self.text.is_empty() {
            return Vec::new();
        }
        if !self.fold_case {
            return haystack
                .match_indices(&self.text)
                .map(|(i, m)| i..i + m.len())
                .collect();
        }
        if haystack.is_ascii() && self.text.is_ascii() {
            // Lower-casing ASCII keeps every byte where it was.
            let lower = haystack.to_ascii_lowercase();
            let needle = self.text.to_ascii_lowercase();
            return lower
                .match_indices(&needle)
                .map(|(i, m)| i..i + m.len())
                .collect();
        }
        fold_case_matches(haystack, &self.text)
    }

    /// True when `haystack` holds a match.
    pub fn matches(&self, haystack: &str) -> bool {
        !self.find_in(haystack).is_empty()
    }
}

/// Case-insensitive matches of `needle` in `haystack`, comparing character by character (so
/// byte offsets stay those of `haystack`, whatever lower-casing would do to lengths).
fn fold_case_matches(haystack: &str, needle: &str) -> Vec<Range<usize>> {
    let same = |a: char, b: char| a == b || a.to_lowercase().eq(b.to_lowercase());
    let needle: Vec<char> = needle.chars().collect();
    let chars: Vec<(usize, char)> = haystack.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + needle.len() <= chars.len() {
        if needle
            .iter()
            .zip(&chars[i..])
            .all(|(n, (_, h))| same(*h, *n))
        {
            let start = chars[i].0;
            let end = chars
                .get(i + needle.len())
                .map_or(haystack.len(), |(at, _)| *at);
            out.push(start..end);
            i += needle.len();
        } else {
            i += 1;
        }
    }
    out
}

/// `line` with the byte `ranges` of its text (as [`plain_text`] joins it) styled `mark` over
/// their own style.
pub fn highlight<'a>(line: Line<'a>, ranges: &[Range<usize>], mark: Style) -> Line<'a> {
    if ranges.is_empty() {
        return line;
    }
    let mut spans = Vec::with_capacity(line.spans.len() + ranges.len() * 2);
    let mut offset = 0;
    for span in line.spans {
        let text = span.content.as_ref();
        let (start, end) = (offset, offset + text.len());
        offset = end;
        let mut cuts = vec![0];
        for r in ranges.iter().filter(|r| r.start < end && r.end > start) {
            cuts.push(r.start.saturating_sub(start).min(text.len()));
            cuts.push(r.end.saturating_sub(start).min(text.len()));
        }
        cuts.push(text.len());
        cuts.dedup();
        for pair in cuts.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (Some(piece), true) = (text.get(a..b), a < b) else {
                continue;
            };
            let inside = ranges
                .iter()
                .any(|r| r.start <= start + a && start + b <= r.end);
            let style = if inside {
                span.style.patch(mark)
            } else {
                span.style
            };
            spans.push(Span::styled(piece.to_string(), style));
        }
    }
    let mut out = Line::from(spans).style(line.style);
    out.alignment = line.alignment;
    out
}

/// The rows `line` takes when wrapped by character at `cols` cells (at least one).
pub fn wrapped_rows(line: &Line<'_>, cols: usize) -> usize {
    let cols = cols.max(1);
    let mut rows = 1;
    let mut used = 0;
    for c in line.spans.iter().flat_map(|s| s.content.chars()) {
        let w = c.width().unwrap_or(0);
        if used + w > cols && used > 0 {
            rows += 1;
            used = 0;
        }
        used += w;
    }
    rows
}

/// `line` wrapped by character into rows of at most `cols` cells, styles kept.
pub fn wrap_line<'a>(line: &Line<'a>, cols: usize) -> Vec<Line<'a>> {
    let cols = cols.max(1);
    let mut rows: Vec<Vec<Span<'a>>> = vec![Vec::new()];
    let mut used = 0;
    for span in &line.spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > cols && used > 0 {
                if !piece.is_empty()
                    && let Some(row) = rows.last_mut()
                {
                    row.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                rows.push(Vec::new());
                used = 0;
            }
            used += w;
            piece.push(c);
        }
        if !piece.is_empty()
            && let Some(row) = rows.last_mut()
        {
            row.push(Span::styled(piece, span.style));
        }
    }
    rows.into_iter()
        .map(|spans| Line::from(spans).style(line.style))
        .collect()
}

/// The search of a [`TextView`]: the query, whether it is being typed, and the matching lines.
#[derive(Debug, Clone, Default)]
struct Search {
    query: Query,
    editing: bool,
    /// Numbers of the lines that match, ascending, up to `scanned`.
    matching: VecDeque<u64>,
    /// Lines below this number have been looked at.
    scanned: u64,
    /// The line of the match `n`/`N` last went to.
    current: Option<u64>,
    /// Where the view was when typing began, to go back to when the search is dropped.
    anchor: Option<Option<u64>>,
    /// The query changed since the matches were found.
    changed: bool,
}

/// Lines a newly found match is put below the top of the page, so it is seen with context.
const MATCH_CONTEXT: u64 = 2;

/// The state of one scrollable, searchable view over a [`TextSource`].
#[derive(Debug, Clone)]
pub struct TextView {
    /// The first line shown; `None` follows the end (the newest lines stay in view).
    top: Option<u64>,
    wrap: bool,
    /// Paused: the view shows the lines before this number, whatever arrives after.
    paused_at: Option<u64>,
    search: Search,
    /// Rows shown at the last draw (a page).
    page: usize,
    /// Columns of text at the last draw (for wrapped heights).
    cols: usize,
    /// The first line shown at the last draw.
    shown_top: u64,
    /// One past the last line shown at the last draw.
    shown_end: u64,
}

/// Where a view stands, for a pane's footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewStatus {
    /// The first line on screen, counted from 1 over all lines ever seen.
    pub from: u64,
    /// The last line on screen, counted from 1.
    pub to: u64,
    /// Lines seen in all (kept or not).
    pub total: u64,
    /// The view sticks to the end.
    pub following: bool,
    /// Paused, with this many lines arrived since.
    pub paused: Option<u64>,
    /// Long lines wrap.
    pub wrap: bool,
    /// The search: its text, how many lines match, and which one `n`/`N` went to (1-based).
    pub search: Option<(String, usize, Option<usize>)>,
}

impl TextView {
    /// A view that follows the end (a log).
    pub fn following() -> TextView {
        TextView {
            top: None,
            wrap: false,
            paused_at: None,
            search: Search::default(),
            page: 10,
            cols: 80,
            shown_top: 0,
            shown_end: 0,
        }
    }

    /// A view that starts at the first line (a document).
    pub fn at_top() -> TextView {
        TextView {
            top: Some(0),
            ..TextView::following()
        }
    }

    /// True while the search is being typed (printable keys go into it).
    pub fn editing_search(&self) -> bool {
        self.search.editing
    }

    /// The search as typed, when there is one.
    pub fn query(&self) -> Option<&str> {
        (self.search.editing || !self.search.query.text().is_empty())
            .then(|| self.search.query.text())
    }

    /// True when long lines wrap.
    pub fn wraps(&self) -> bool {
        self.wrap
    }

    /// True while paused.
    pub fn paused(&self) -> bool {
        self.paused_at.is_some()
    }

    /// True when the view sticks to the end.
    pub fn following_end(&self) -> bool {
        self.top.is_none()
    }

    /// Types one character of the search; the view jumps to the first match from where the
    /// search began (incremental search) when it is next refreshed (a key or a frame).
    pub fn type_char(&mut self, c: char) -> bool {
        if !self.search.editing {
            return false;
        }
        let mut text = self.search.query.text().to_string();
        text.push(c);
        self.set_query(&text);
        true
    }

    /// Goes back to following the end, unpaused (a new stream began).
    pub fn follow_end(&mut self) {
        self.top = None;
        self.paused_at = None;
    }

    /// Pauses or resumes; paused, the view shows what it showed, and resuming follows again
    /// if it followed before.
    pub fn toggle_pause(&mut self, source: &dyn TextSource) {
        self.paused_at = match self.paused_at {
            Some(_) => None,
            None => Some(source.end()),
        };
    }

    /// Handles a scrolling, search, wrap or pause action; `None` when it is not one of those.
    /// `Some(changed)` otherwise.
    pub fn handle(&mut self, action: Action, source: &dyn TextSource) -> Option<bool> {
        self.refresh(source);
        if self.search.editing {
            return Some(match action {
                Action::ApplyFilter => {
                    self.search.editing = false;
                    self.search.anchor = None;
                    true
                }
                Action::ClearFilter => {
                    self.search.editing = false;
                    if let Some(anchor) = self.search.anchor.take() {
                        self.top = anchor;
                    }
                    self.set_query("");
                    self.refresh(source);
                    true
                }
                Action::DeleteChar => {
                    let mut text = self.search.query.text().to_string();
                    text.pop();
                    self.set_query(&text);
                    self.refresh(source);
                    true
                }
                _ => return None,
            });
        }
        let page = self.page.max(1) as u64;
        Some(match action {
            Action::SelectUp => self.scroll_up(1, source),
            Action::SelectDown => self.scroll_down(1, source),
            Action::PageUp => self.scroll_up(page, source),
            Action::PageDown => self.scroll_down(page, source),
            Action::HalfPageUp => self.scroll_up(page.div_ceil(2), source),
            Action::HalfPageDown => self.scroll_down(page.div_ceil(2), source),
            Action::First => {
                let before = self.top;
                self.top = Some(source.first());
                before != self.top
            }
            Action::Last => {
                let before = self.top;
                self.top = None;
                before.is_some()
            }
            Action::Search => {
                self.search.editing = true;
                self.search.anchor = Some(self.top);
                self.search.current = None;
                true
            }
            Action::SearchNext => self.step_match(true, source),
            Action::SearchPrev => self.step_match(false, source),
            Action::ToggleWrap => {
                self.wrap = !self.wrap;
                true
            }
            Action::TogglePause => {
                self.toggle_pause(source);
                true
            }
            _ => return None,
        })
    }

    /// The last line the view may show, plus one: the end, or where it was paused.
    fn visible_end(&self, source: &dyn TextSource) -> u64 {
        let end = source.end();
        self.paused_at.map_or(end, |p| p.min(end))
    }

    fn rows_of(&self, source: &dyn TextSource, n: u64) -> usize {
        if !self.wrap {
            return 1;
        }
        source
            .line(n)
            .map_or(1, |line| wrapped_rows(&line, self.cols))
    }

    /// The top line that shows the last page up to `end`.
    fn follow_top(&self, source: &dyn TextSource, end: u64) -> u64 {
        let first = source.first();
        let mut rows = 0;
        let mut top = end;
        while top > first {
            let height = self.rows_of(source, top - 1);
            if rows + height > self.page.max(1) {
                break;
            }
            rows += height;
            top -= 1;
        }
        top.max(first)
    }

    /// True when the lines from `top` to the visible end fit on one page.
    fn fits_from(&self, source: &dyn TextSource, top: u64) -> bool {
        let end = self.visible_end(source);
        let mut rows = 0;
        let mut n = top;
        while n < end {
            rows += self.rows_of(source, n);
            if rows > self.page.max(1) {
                return false;
            }
            n += 1;
        }
        true
    }

    /// The line `y` copies, as plain text with its number: the current search match (the
    /// one `n`/`N` went to), else the last line on screen (the newest while following).
    pub fn line_to_copy(&self, source: &dyn TextSource) -> Option<(u64, String)> {
        let n = self
            .search
            .current
            .filter(|n| (source.first()..source.end()).contains(n))
            .or_else(|| {
                let last = self.shown_end.checked_sub(1)?;
                (last >= self.shown_top && last >= source.first() && last < source.end())
                    .then_some(last)
            })?;
        source.line(n).map(|line| (n, plain_text(&line)))
    }

    /// The first line to show now.
    fn current_top(&self, source: &dyn TextSource) -> u64 {
        let end = self.visible_end(source);
        match self.top {
            Some(top) => top.clamp(source.first(), end.max(source.first())),
            None => self.follow_top(source, end),
        }
    }

    fn scroll_up(&mut self, lines: u64, source: &dyn TextSource) -> bool {
        let current = self.current_top(source);
        let next = current.saturating_sub(lines).max(source.first());
        let changed = Some(next) != self.top;
        self.top = Some(next);
        changed && (next != current || self.top.is_some())
    }

    fn scroll_down(&mut self, lines: u64, source: &dyn TextSource) -> bool {
        if self.top.is_none() {
            return false;
        }
        let next = self.current_top(source) + lines;
        // Reaching the last page follows the end again.
        self.top = if self.fits_from(source, next) {
            None
        } else {
            Some(next)
        };
        true
    }

    /// Replaces the query; the matches are found again (and the view jumps to the first one
    /// from where the search began) at the next [`Self::refresh`].
    fn set_query(&mut self, text: &str) {
        self.search.query = Query::new(text);
        self.search.changed = true;
    }

    /// Finds the matches of a changed query from the start and jumps to the first one at or
    /// after where the search began (else the first one; else back to where it began).
    fn apply_changed_query(&mut self, source: &dyn TextSource) {
        self.search.changed = false;
        self.search.matching.clear();
        self.search.scanned = source.first();
        self.search.current = None;
        self.scan(source);
        if self.search.query.text().is_empty() {
            return;
        }
        let from = match self.search.anchor {
            Some(Some(top)) => top,
            _ => self.shown_top,
        };
        let found = self
            .search
            .matching
            .iter()
            .copied()
            .find(|n| *n >= from)
            .or_else(|| self.search.matching.front().copied());
        match found {
            Some(n) => self.go_to_match(n),
            None => {
                if let Some(anchor) = self.search.anchor {
                    self.top = anchor;
                }
            }
        }
    }

    fn go_to_match(&mut self, n: u64) {
        self.search.current = Some(n);
        self.top = Some(n.saturating_sub(MATCH_CONTEXT));
    }

    /// Brings the list of matching lines up to date with the source: lines that fell off
    /// are forgotten, new lines are looked at (only those: a flood costs one look per line).
    fn refresh(&mut self, source: &dyn TextSource) {
        if self.search.changed {
            self.apply_changed_query(source);
            return;
        }
        self.scan(source);
    }

    fn scan(&mut self, source: &dyn TextSource) {
        let first = source.first();
        let end = source.end();
        if self.search.scanned > end {
            // A new source (the stream was reopened): look again from its start.
            self.search.matching.clear();
            self.search.scanned = first;
            self.search.current = None;
        }
        while self.search.matching.front().is_some_and(|n| *n < first) {
            self.search.matching.pop_front();
        }
        if self.search.query.text().is_empty() {
            self.search.scanned = end;
            return;
        }
        let mut n = self.search.scanned.max(first);
        while n < end {
            if let Some(line) = source.line(n)
                && self.search.query.matches(&plain_text(&line))
            {
                self.search.matching.push_back(n);
            }
            n += 1;
        }
        self.search.scanned = end;
    }

    fn step_match(&mut self, forward: bool, source: &dyn TextSource) -> bool {
        if self.search.matching.is_empty() {
            return false;
        }
        let end = self.visible_end(source);
        let from = self.search.current.unwrap_or(self.shown_top);
        let visible = self.search.matching.iter().copied().filter(|n| *n < end);
        let next = if forward {
            let mut all = visible;
            let first = all.next();
            let mut after = first.into_iter().chain(all).filter(|n| {
                if self.search.current.is_some() {
                    *n > from
                } else {
                    *n >= from
                }
            });
            after.next().or(first)
        } else {
            let all: Vec<u64> = visible.collect();
            all.iter()
                .rev()
                .copied()
                .find(|n| *n < from)
                .or_else(|| all.last().copied())
        };
        match next {
            Some(n) => {
                self.go_to_match(n);
                true
            }
            None => false,
        }
    }

    /// Draws the lines into `area` (no title or footer: the pane draws those).
    pub fn draw(&mut self, buf: &mut Buffer, area: Rect, source: &dyn TextSource, theme: &Theme) {
        self.page = usize::from(area.height).max(1);
        self.cols = usize::from(area.width).max(1);
        self.refresh(source);
        let end = self.visible_end(source);
        if let Some(top) = self.top
            && top > source.first()
            && self.fits_from(source, top)
            && self.paused_at.is_none()
            && self.search.current.is_none()
        {
            // Everything below fits: stick to the end from here on.
            self.top = None;
        }
        let top = self.current_top(source);
        self.shown_top = top;
        let mark = theme.style(Role::Selection);
        let current_mark = theme
            .style(Role::Warning)
            .add_modifier(Modifier::REVERSED | Modifier::BOLD);
        let mut y = area.y;
        let mut n = top;
        while y < area.bottom() && n < end {
            let Some(line) = source.line(n) else {
                n += 1;
                continue;
            };
            let ranges = if self.search.query.text().is_empty() {
                Vec::new()
            } else {
                self.search.query.find_in(&plain_text(&line))
            };
            let style = if self.search.current == Some(n) {
                current_mark
            } else {
                mark
            };
            let line = highlight(line, &ranges, style);
            if self.wrap {
                for row in wrap_line(&line, self.cols) {
                    if y >= area.bottom() {
                        break;
                    }
                    buf.set_line(area.x, y, &row, area.width);
                    y += 1;
                }
            } else {
                buf.set_line(area.x, y, &line, area.width);
                y += 1;
            }
            n += 1;
        }
        self.shown_end = n;
    }

    /// Where the view stands, as of its last draw.
    pub fn status(&self, source: &dyn TextSource) -> ViewStatus {
        let end = source.end();
        let search = (!self.search.query.text().is_empty() || self.search.editing).then(|| {
            let count = self.search.matching.len();
            let at = self.search.current.and_then(|c| {
                self.search
                    .matching
                    .iter()
                    .position(|n| *n == c)
                    .map(|i| i + 1)
            });
            (self.search.query.text().to_string(), count, at)
        });
        ViewStatus {
            from: (self.shown_top + 1).min(end),
            to: self.shown_end.min(end),
            total: end,
            following: self.top.is_none(),
            paused: self.paused_at.map(|p| end.saturating_sub(p)),
            wrap: self.wrap,
            search,
        }
    }
}

#[cfg(test)]
#[path = "text_view_tests.rs"]
mod tests;
