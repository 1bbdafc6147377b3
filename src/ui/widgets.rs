//! Small drawing helpers: width-aware truncation and wrapping, durations, table columns and
//! a scrolling window that says how much it hides.

use std::borrow::Cow;
use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;
use unicode_width::UnicodeWidthStr;

/// The mark put where text was cut.
pub const ELLIPSIS: &str = "…";

/// How many terminal cells `text` takes.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` cut to at most `max` cells, ending in `…` when something was cut.
pub fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if width(text) <= max {
        return Cow::Borrowed(text);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::with_capacity(max + 2);
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push_str(ELLIPSIS);
    Cow::Owned(out)
}

/// `text` padded with spaces (or cut) to exactly `cells` cells.
pub fn pad(text: &str, cells: usize) -> String {
    let cut = truncate(text, cells);
    let w = width(&cut);
    let mut out = cut.into_owned();
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

/// A line cut to `max` cells; the last kept span ends in `…` when something was cut.
pub fn fit_line(line: Line<'_>, max: usize) -> Line<'_> {
    if line.width() <= max {
        return line;
    }
    let Line {
        spans,
        style,
        alignment,
        ..
    } = line;
    let mut kept = Vec::with_capacity(spans.len());
    let mut used = 0;
    for span in spans {
        let w = span.width();
        if used + w < max {
            used += w;
            kept.push(span);
            continue;
        }
        let room = max - used;
        let cut = truncate(&span.content, room).into_owned();
        let cut = if width(&cut) < room || cut.ends_with(ELLIPSIS) {
            cut
        } else {
            // The span fits exactly but more spans follow: make room for the mark.
            truncate(&format!("{cut}{ELLIPSIS}{ELLIPSIS}"), room).into_owned()
        };
        kept.push(Span::styled(cut, span.style));
        break;
    }
    let mut out = Line::from(kept).style(style);
    out.alignment = alignment;
    out
}

/// A part of a line for [`squeeze`]: text, style, and whether it may be shortened first.
pub struct Part<'a> {
    /// The text.
    pub text: Cow<'a, str>,
    /// Its style.
    pub style: Style,
    /// Shortened (with `…`) before anything else is cut.
    pub flexible: bool,
}

impl<'a> Part<'a> {
    /// A part that keeps its length as long as the flexible parts can give way.
    pub fn fixed(text: impl Into<Cow<'a, str>>, style: Style) -> Part<'a> {
        Part {
            text: text.into(),
            style,
            flexible: false,
        }
    }

    /// A part that gives way first (names, images).
    pub fn flexible(text: impl Into<Cow<'a, str>>, style: Style) -> Part<'a> {
        Part {
            text: text.into(),
            style,
            flexible: true,
        }
    }
}

/// Joins parts into a line of at most `max` cells, shortening the flexible parts (longest
/// first) before cutting the end, so that e.g. a pod's reason survives a long name.
pub fn squeeze<'a>(parts: Vec<Part<'a>>, max: usize) -> Line<'a> {
    let total: usize = parts.iter().map(|p| width(&p.text)).sum();
    let mut excess = total.saturating_sub(max);
    let mut widths: Vec<usize> = parts.iter().map(|p| width(&p.text)).collect();
    while excess > 0 {
        let widest = parts
            .iter()
            .enumerate()
            .filter(|(i, p)| p.flexible && widths[*i] > 4)
            .max_by_key(|(i, _)| widths[*i])
            .map(|(i, _)| i);
        let Some(i) = widest else { break };
        let second = parts
            .iter()
            .enumerate()
            .filter(|(j, p)| p.flexible && *j != i)
            .map(|(j, _)| widths[j])
            .max()
            .unwrap_or(0)
            .max(4);
        let take = excess.min(widths[i] - second.min(widths[i] - 1)).max(1);
        let take = take.min(widths[i] - 4);
        widths[i] -= take;
        excess -= take;
    }
    let spans: Vec<Span<'a>> = parts
        .into_iter()
        .zip(widths)
        .map(|(p, w)| {
            if width(&p.text) > w {
                Span::styled(truncate(&p.text, w).into_owned(), p.style)
            } else {
                Span::styled(p.text, p.style)
            }
        })
        .collect();
    fit_line(Line::from(spans), max)
}

/// Wraps `text` at word boundaries into lines of at most `max` cells, splitting words longer
/// than a line; at most `max_lines` lines, the last ending in `…` if text was left over.
pub fn wrap(text: &str, max: usize, max_lines: usize) -> Vec<String> {
    if max == 0 || max_lines == 0 {
        return Vec::new();
    }
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut current_width = 0;
    for word in text.split_whitespace() {
        let mut word = word;
        loop {
            let w = width(word);
            let gap = usize::from(current_width > 0);
            if current_width + gap + w <= max {
                if gap == 1 {
                    current.push(' ');
                }
                current.push_str(word);
                current_width += gap + w;
                break;
            }
            if current_width > 0 {
                lines.push(std::mem::take(&mut current));
                current_width = 0;
                continue;
            }
            // A word longer than a line: split it by width.
            let mut taken = 0;
            let mut split_at = word.len();
            for (i, c) in word.char_indices() {
                let cw = c.width().unwrap_or(0);
                if taken + cw > max {
                    split_at = i;
                    break;
                }
                taken += cw;
            }
            if split_at == 0 {
                // Not even one character fits.
                return lines;
            }
            lines.push(word[..split_at].to_string());
            word = &word[split_at..];
            if word.is_empty() {
                break;
            }
        }
        if lines.len() > max_lines {
            break;
        }
    }
    if current_width > 0 {
        lines.push(current);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            let shortened = truncate(last, max.saturating_sub(1)).into_owned();
            *last = format!("{}{ELLIPSIS}", shortened.trim_end_matches(ELLIPSIS));
        }
    }
    lines
}

/// A compact duration in the style of kubectl: `45s`, `3m12s`, `42m`, `5h07m`, `3d4h`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..600 => format!("{}m{:02}s", s / 60, s % 60),
        600..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// Widths for table columns: natural widths, shrunk (widest first, never below each column's
/// minimum) until the row fits `total` cells with `gap` cells between columns.
pub fn column_widths(natural: &[usize], minimum: &[usize], total: usize, gap: usize) -> Vec<usize> {
    let mut widths = natural.to_vec();
    let gaps = gap * natural.len().saturating_sub(1);
    let mut sum: usize = widths.iter().sum::<usize>() + gaps;
    while sum > total {
        let candidate = widths
            .iter()
            .enumerate()
            .filter(|(i, w)| **w > minimum.get(*i).copied().unwrap_or(1))
            .max_by_key(|(_, w)| **w)
            .map(|(i, _)| i);
        let Some(i) = candidate else { break };
        let floor = minimum.get(i).copied().unwrap_or(1);
        let next_widest = widths
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, w)| *w)
            .max()
            .unwrap_or(0);
        let step = (widths[i] - floor)
            .min(sum - total)
            .min(widths[i].saturating_sub(next_widest).max(1));
        widths[i] -= step;
        sum -= step;
    }
    widths
}

/// Lays out table cells as one line: each cell padded or cut to its column.
pub fn table_line<'a>(cells: Vec<Span<'a>>, widths: &[usize], gap: usize) -> Line<'a> {
    let last = cells.len().saturating_sub(1);
    let spans = cells
        .into_iter()
        .zip(widths)
        .enumerate()
        .flat_map(|(i, (cell, w))| {
            let text = if i == last {
                truncate(&cell.content, *w).into_owned()
            } else {
                pad(&cell.content, *w)
            };
            let sep = (i != last).then(|| Span::raw(" ".repeat(gap)));
            std::iter::once(Span::styled(text, cell.style)).chain(sep)
        })
        .collect::<Vec<_>>();
    Line::from(spans)
}

/// Which part of a long list is on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First row shown.
    pub offset: usize,
    /// Rows shown.
    pub len: usize,
    /// Rows hidden above (announced on the first line when non-zero).
    pub above: usize,
    /// Rows hidden below (announced on the last line when non-zero).
    pub below: usize,
}

/// Chooses the rows of an `n`-row list to show in `height` lines, keeping `selected` visible and
/// staying near `previous_offset`; a line is given to "… N more" above and below when needed.
pub fn window(n: usize, height: usize, selected: Option<usize>, previous_offset: usize) -> Window {
    if n <= height {
        return Window {
            offset: 0,
            len: n,
            above: 0,
            below: 0,
        };
    }
    if height < 3 {
        let offset = selected.unwrap_or(previous_offset).min(n - height);
        return Window {
            offset,
            len: height,
            above: offset,
            below: n - offset - height,
        };
    }
    let shape = |offset: usize| {
        let top = usize::from(offset > 0);
        let room = height - top;
        if n - offset <= room {
            n - offset
        } else {
            room - 1
        }
    };
    // The largest offset that still fills the screen.
    let last_offset = n - (height - 1);
    let mut offset = previous_offset.min(last_offset);
    if let Some(s) = selected.map(|s| s.min(n - 1)) {
        if s < offset {
            offset = s;
        }
        if s >= offset + shape(offset) {
            // Scrolling down: show the selection on the last line before "… more".
            offset = (s + 1).saturating_sub(height - 2).min(last_offset);
            while s >= offset + shape(offset) && offset < last_offset {
                offset += 1;
            }
        }
        if offset == 1 {
            // A "… 1 more" line above would hide as much as it shows.
            offset = if s < shape(0) { 0 } else { 2.min(last_offset) };
        }
    }
    let len = shape(offset);
    Window {
        offset,
        len,
        above: offset,
        below: n - offset - len,
    }
}

/// Draws `lines` from the top of `area`, each cut to its width.
pub fn draw_lines<'a>(buf: &mut Buffer, area: Rect, lines: impl IntoIterator<Item = Line<'a>>) {
    for (y, line) in (area.y..area.bottom()).zip(lines) {
        let line = fit_line(line, usize::from(area.width));
        buf.set_line(area.x, y, &line, area.width);
    }
}

/// A rectangle of at most `width`×`height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Lays out a table: a header line and one line per row, columns sized to their content and
/// shrunk to fit `total` cells.
pub fn table<'a>(
    headers: &[&'static str],
    minimum: &[usize],
    rows: Vec<Vec<Span<'a>>>,
    total: usize,
    header_style: Style,
) -> (Line<'a>, Vec<Line<'a>>) {
    const GAP: usize = 2;
    let mut natural: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(n) = natural.get_mut(i) {
                *n = (*n).max(cell.width());
            }
        }
    }
    let widths = column_widths(&natural, minimum, total, GAP);
    let header = table_line(
        headers
            .iter()
            .map(|h| Span::styled(*h, header_style))
            .collect(),
        &widths,
        GAP,
    );
    let lines = rows
        .into_iter()
        .map(|row| table_line(row, &widths, GAP))
        .collect();
    (header, lines)
}

/// A list line: its text and, for a selectable row, its index among the selectable rows.
pub type ListLine<'a> = (Line<'a>, Option<usize>);

/// Draws a list of lines in `area`, scrolled so the selected row shows, with "… N more"
/// lines above and below when rows are hidden; updates `offset`.
pub fn draw_list(
    buf: &mut Buffer,
    area: Rect,
    lines: Vec<ListLine<'_>>,
    selected: Option<usize>,
    offset: &mut usize,
    selection: Style,
    muted: Style,
) {
    if area.is_empty() {
        return;
    }
    let selected_line = selected.and_then(|s| lines.iter().position(|(_, i)| *i == Some(s)));
    let view = window(
        lines.len(),
        usize::from(area.height),
        selected_line,
        *offset,
    );
    *offset = view.offset;
    let mut y = area.y;
    let announce = area.height >= 3;
    if view.above > 0 && announce {
        draw_lines(
            buf,
            Rect::new(area.x, y, area.width, 1),
            [Line::styled(
                format!("  … {} more above", view.above),
                muted,
            )],
        );
        y += 1;
    }
    for (line, index) in lines.into_iter().skip(view.offset).take(view.len) {
        let row = Rect::new(area.x, y, area.width, 1);
        draw_lines(buf, row, [line]);
        if index.is_some() && index == selected {
            buf.set_style(row, selection);
        }
        y += 1;
    }
    if view.below > 0 && announce {
        draw_lines(
            buf,
            Rect::new(area.x, y, area.width, 1),
            [Line::styled(
                format!("  … {} more below", view.below),
                muted,
            )],
        );
    }
}

/// Draws a view's header lines below its title row, taking at most half of `area`, and
/// returns the area left below them for the view's list.
pub fn draw_header_above_list(
    buf: &mut Buffer,
    area: Rect,
    header: Vec<Line<'_>>,
    muted: Style,
) -> Rect {
    let header = cap_lines(
        header,
        usize::from(area.height.saturating_sub(1) / 2),
        muted,
    );
    let header_height = u16::try_from(header.len()).unwrap_or(u16::MAX);
    draw_lines(
        buf,
        Rect::new(area.x, area.y + 1, area.width, header_height),
        header,
    );
    let top = 1 + header_height;
    Rect::new(
        area.x,
        area.y.saturating_add(top),
        area.width,
        area.height.saturating_sub(top),
    )
}

/// At most `max` of `lines`; when some are left out the last kept line says how many.
pub fn cap_lines<'a>(mut lines: Vec<Line<'a>>, max: usize, muted: Style) -> Vec<Line<'a>> {
    if lines.len() > max {
        let hidden = lines.len() - max + 1;
        lines.truncate(max.saturating_sub(1));
        if max > 0 {
            lines.push(Line::styled(format!("  … {hidden} more"), muted));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_counts_cells_not_bytes() {
        assert_eq!(truncate("coredns", 10), "coredns");
        assert_eq!(truncate("coredns", 7), "coredns");
        assert_eq!(truncate("coredns", 6), "cored…");
        assert_eq!(truncate("coredns", 1), "…");
        assert_eq!(truncate("coredns", 0), "");
        // Wide characters take two cells each and are never split.
        assert_eq!(truncate("日本語のポッド", 6), "日本…");
        assert_eq!(width(&truncate("日本語のポッド", 5)), 5);
        assert_eq!(truncate("日本語", 2), "…");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("abcdef", 4), "abc…");
    }

    #[test]
    fn fit_line_marks_the_cut() {
        let line = Line::from(vec![Span::raw("abc"), Span::raw("def")]);
        assert_eq!(fit_line(line.clone(), 6).to_string(), "abcdef");
        assert_eq!(fit_line(line.clone(), 5).to_string(), "abcd…");
        assert_eq!(fit_line(line.clone(), 3).to_string(), "ab…");
        assert_eq!(fit_line(line.clone(), 4).to_string(), "abc…");
        assert_eq!(fit_line(line, 0).to_string(), "");
    }

    #[test]
    fn squeeze_shortens_names_before_reasons() {
        let line = squeeze(
            vec![
                Part::fixed("✗ ", Style::new()),
                Part::flexible("metrics-server-5985cbc9d7-abcde", Style::new()),
                Part::fixed(" CrashLoopBackOff", Style::new()),
            ],
            30,
        );
        let text = line.to_string();
        assert!(text.ends_with(" CrashLoopBackOff"), "{text}");
        assert_eq!(width(&text), 30);
        assert!(text.contains('…'), "{text}");
        let tiny = squeeze(vec![Part::flexible("abcdefgh", Style::new())], 2);
        assert_eq!(tiny.to_string(), "a…");
    }

    #[test]
    fn wrap_breaks_words_and_marks_leftovers() {
        assert_eq!(wrap("a bb ccc dddd", 6, 5), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefghij", 4, 5), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("one two three four", 9, 1), ["one two…"]);
        assert!(wrap("anything", 0, 3).is_empty());
        assert_eq!(wrap("日本語", 1, 3), Vec::<String>::new());
    }

    #[test]
    fn durations_read_like_kubectl() {
        let d = Duration::from_secs;
        assert_eq!(human_duration(d(0)), "0s");
        assert_eq!(human_duration(d(192)), "3m12s");
        assert_eq!(human_duration(d(2520)), "42m");
        assert_eq!(human_duration(d(5 * 3600 + 7 * 60)), "5h07m");
        assert_eq!(human_duration(d(3 * 86_400 + 4 * 3600)), "3d4h");
    }

    #[test]
    fn columns_shrink_widest_first_but_not_below_minimum() {
        assert_eq!(column_widths(&[5, 10, 40], &[3, 3, 3], 80, 2), [5, 10, 40]);
        assert_eq!(column_widths(&[5, 10, 40], &[3, 3, 3], 39, 2), [5, 10, 20]);
        assert_eq!(column_widths(&[5, 30, 30], &[5, 8, 8], 37, 2), [5, 14, 14]);
        assert_eq!(column_widths(&[5, 10], &[5, 10], 3, 2), [5, 10]);
    }

    #[test]
    fn window_keeps_selection_visible_and_accounts_for_every_row() {
        for n in 0..40 {
            for height in 0..15 {
                for selected in 0..n.max(1) {
                    for previous in [0, 3, 39] {
                        let w = window(n, height, (n > 0).then_some(selected), previous);
                        assert_eq!(w.above + w.len + w.below, n, "{n} {height} {selected}");
                        let used = w.len
                            + usize::from(w.above > 0 && height >= 3)
                            + usize::from(w.below > 0 && height >= 3);
                        assert!(used <= height, "{n} {height} {selected} {w:?}");
                        if n > 0 && height > 0 {
                            assert!(
                                (w.offset..w.offset + w.len).contains(&selected),
                                "{n} {height} {selected} {previous} {w:?}"
                            );
                        }
                    }
                }
            }
        }
    }
}
