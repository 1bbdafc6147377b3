//! Unit tests of the scrollable, searchable text view.

use super::*;
use ratatui::style::Color;

/// Lines numbered from `first`, as a bounded buffer that dropped the ones before.
struct Numbered {
    first: u64,
    lines: Vec<Line<'static>>,
}

impl Numbered {
    fn new(first: u64, count: usize) -> Numbered {
        Numbered {
            first,
            lines: (0..count)
                .map(|i| Line::raw(format!("line {}", first + i as u64)))
                .collect(),
        }
    }
}

impl TextSource for Numbered {
    fn first(&self) -> u64 {
        self.first
    }
    fn end(&self) -> u64 {
        self.first + self.lines.len() as u64
    }
    fn line(&self, n: u64) -> Option<Line<'_>> {
        let i = usize::try_from(n.checked_sub(self.first)?).ok()?;
        self.lines.get(i).cloned()
    }
}

fn shown(view: &mut TextView, source: &dyn TextSource, w: u16, h: u16) -> Vec<String> {
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    let area = buf.area;
    view.draw(&mut buf, area, source, &Theme::default_theme());
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

#[test]
fn a_following_view_shows_the_end_and_holds_still_when_scrolled_up() {
    let mut source = Numbered::new(0, 100);
    let mut view = TextView::following();
    assert_eq!(
        shown(&mut view, &source, 20, 3),
        ["line 97", "line 98", "line 99"]
    );
    assert_eq!(view.handle(Action::SelectUp, &source), Some(true));
    assert_eq!(
        shown(&mut view, &source, 20, 3),
        ["line 96", "line 97", "line 98"]
    );
    // More lines arrive and old ones drop off: the view stays on its lines.
    source = Numbered::new(50, 100);
    assert_eq!(shown(&mut view, &source, 20, 3)[0], "line 96");
    assert!(!view.following_end());
    // Scrolling down to the last page follows the end again.
    view.handle(Action::PageDown, &source);
    view.handle(Action::PageDown, &source);
    for _ in 0..20 {
        view.handle(Action::PageDown, &source);
    }
    assert!(view.following_end());
    assert_eq!(shown(&mut view, &source, 20, 3)[2], "line 149");
}

#[test]
fn top_end_and_pages_move_over_kept_lines_only() {
    let source = Numbered::new(10, 30);
    let mut view = TextView::following();
    shown(&mut view, &source, 20, 5);
    view.handle(Action::First, &source);
    assert_eq!(
        shown(&mut view, &source, 20, 5)[0],
        "line 10",
        "the first kept line"
    );
    assert_eq!(view.handle(Action::PageUp, &source), Some(false));
    view.handle(Action::PageDown, &source);
    assert_eq!(shown(&mut view, &source, 20, 5)[0], "line 15");
    view.handle(Action::HalfPageDown, &source);
    assert_eq!(shown(&mut view, &source, 20, 5)[0], "line 18");
    view.handle(Action::Last, &source);
    assert!(view.following_end());
    shown(&mut view, &source, 20, 5);
    let status = view.status(&source);
    assert_eq!((status.from, status.to, status.total), (36, 40, 40));
}

#[test]
fn a_document_view_starts_at_the_top() {
    let lines: Vec<Line<'static>> = (0..50).map(|i| Line::raw(format!("key{i}: v"))).collect();
    let source = SliceSource(&lines);
    let mut view = TextView::at_top();
    assert_eq!(shown(&mut view, &source, 20, 2), ["key0: v", "key1: v"]);
    let short = &lines[..1];
    let mut view = TextView::at_top();
    assert_eq!(
        shown(&mut view, &SliceSource(short), 20, 2),
        ["key0: v", ""]
    );
}

#[test]
fn pause_freezes_the_view_while_lines_arrive_and_resume_follows_again() {
    let mut source = Numbered::new(0, 10);
    let mut view = TextView::following();
    shown(&mut view, &source, 20, 2);
    view.handle(Action::TogglePause, &source);
    source = Numbered::new(0, 25);
    assert_eq!(shown(&mut view, &source, 20, 2), ["line 8", "line 9"]);
    assert_eq!(view.status(&source).paused, Some(15), "lines arrived since");
    view.handle(Action::TogglePause, &source);
    assert_eq!(shown(&mut view, &source, 20, 2), ["line 23", "line 24"]);
}

#[test]
fn wrapping_splits_long_lines_by_character_and_keeps_the_end_in_view() {
    let lines = vec![
        Line::raw("short"),
        Line::from(vec![
            Span::styled("abcdef", Style::new().fg(Color::Red)),
            Span::raw("ghij"),
        ]),
    ];
    let mut view = TextView::following();
    assert_eq!(
        shown(&mut view, &SliceSource(&lines), 4, 3),
        ["shor", "abcd", ""],
        "without wrapping, long lines are cut"
    );
    view.handle(Action::ToggleWrap, &SliceSource(&lines));
    assert_eq!(
        shown(&mut view, &SliceSource(&lines), 4, 3),
        ["abcd", "efgh", "ij"],
        "the last line's three rows fill the page"
    );
    let rows = wrap_line(&lines[1], 4);
    assert_eq!(rows[1].spans[0].content, "ef");
    assert_eq!(
        rows[1].spans[0].style.fg,
        Some(Color::Red),
        "styles survive the wrap"
    );
    assert_eq!(wrapped_rows(&lines[1], 4), 3);
    assert_eq!(
        wrapped_rows(&Line::raw("名前名前"), 3),
        4,
        "wide characters never split"
    );
}

#[test]
fn search_is_smart_case_and_finds_every_match() {
    assert_eq!(Query::new("err").find_in("ERR: error"), vec![0..3, 5..8]);
    assert_eq!(Query::new("Err").find_in("ERR: Error"), vec![5..8]);
    assert_eq!(Query::new("é").find_in("CAFÉ café"), vec![3..5, 9..11]);
    assert!(Query::new("").find_in("anything").is_empty());
}

#[test]
fn highlight_splits_spans_at_match_edges_and_keeps_their_styles() {
    let red = Style::new().fg(Color::Red);
    let line = Line::from(vec![Span::styled("hello ", red), Span::raw("world")]);
    let mark = Style::new().add_modifier(Modifier::REVERSED);
    let ranges: Vec<Range<usize>> = std::iter::once(4..8).collect();
    let out = highlight(line, &ranges, mark);
    let pieces: Vec<(&str, bool)> = out
        .spans
        .iter()
        .map(|s| {
            (
                s.content.as_ref(),
                s.style.add_modifier.contains(Modifier::REVERSED),
            )
        })
        .collect();
    assert_eq!(
        pieces,
        [("hell", false), ("o ", true), ("wo", true), ("rld", false)]
    );
    assert_eq!(out.spans[1].style.fg, Some(Color::Red));
}

#[test]
fn incremental_search_jumps_and_n_and_shift_n_step_through_matches() {
    let source = Numbered::new(0, 200);
    let mut view = TextView::at_top();
    shown(&mut view, &source, 20, 5);
    view.handle(Action::Search, &source);
    assert!(view.editing_search());
    for c in "line 1".chars() {
        view.type_char(c);
    }
    shown(&mut view, &source, 20, 5);
    // line 1, 10..19, 100..199: 111 matching lines; the first is line 1.
    let status = view.status(&source);
    assert_eq!(status.search, Some(("line 1".into(), 111, Some(1))));
    view.type_char('5');
    assert_eq!(
        shown(&mut view, &source, 20, 5)[2],
        "line 15",
        "two lines of context"
    );
    assert_eq!(view.status(&source).search.map(|s| s.1), Some(11));
    view.handle(Action::ApplyFilter, &source);
    assert!(!view.editing_search());
    view.handle(Action::SearchNext, &source);
    assert_eq!(shown(&mut view, &source, 20, 5)[2], "line 150");
    view.handle(Action::SearchPrev, &source);
    view.handle(Action::SearchPrev, &source);
    assert_eq!(
        shown(&mut view, &source, 20, 5)[2],
        "line 159",
        "N wraps around to the last match"
    );
    // The matches are highlighted: the current one differently from the others.
    let mut buf = Buffer::empty(Rect::new(0, 0, 20, 5));
    let theme = Theme::default_theme();
    let area = buf.area;
    view.draw(&mut buf, area, &source, &theme);
    let current = buf[(0, 2)].modifier;
    let other = buf[(0, 1)].modifier;
    assert!(current.contains(Modifier::REVERSED | Modifier::BOLD));
    assert!(other.contains(Modifier::REVERSED) && !other.contains(Modifier::BOLD));
    assert!(
        !buf[(0, 3)].modifier.contains(Modifier::REVERSED),
        "line 160 does not match"
    );
}

#[test]
fn dropping_the_search_goes_back_to_where_it_began() {
    let source = Numbered::new(0, 100);
    let mut view = TextView::following();
    shown(&mut view, &source, 20, 5);
    view.handle(Action::Search, &source);
    view.type_char('3');
    shown(&mut view, &source, 20, 5);
    assert!(!view.following_end());
    view.handle(Action::ClearFilter, &source);
    assert!(view.following_end());
    assert_eq!(view.query(), None);
    assert_eq!(view.status(&source).search, None);
}

#[test]
fn matches_of_lines_that_dropped_off_are_forgotten_and_new_lines_are_searched() {
    let mut source = Numbered::new(0, 10);
    let mut view = TextView::following();
    view.handle(Action::Search, &source);
    view.type_char('7');
    view.handle(Action::ApplyFilter, &source);
    assert_eq!(view.status(&source).search.map(|s| s.1), Some(1));
    source = Numbered::new(8, 20);
    shown(&mut view, &source, 20, 5);
    // line 7 dropped; line 17 and 27 arrived.
    assert_eq!(view.status(&source).search.map(|s| s.1), Some(2));
}
