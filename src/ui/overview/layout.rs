//! Layout fitting: how zones share the screen, and how a column's sections share its height.

use ratatui::layout::Rect;

/// Narrowest zone column drawn side by side.
pub const MIN_COLUMN_WIDTH: u16 = 34;
/// Lowest zone column drawn side by side (or in a grid row).
pub const MIN_COLUMN_HEIGHT: u16 = 16;

/// How the zones are arranged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverviewLayout {
    /// Side by side, in `rows` rows of `columns` columns.
    Grid {
        /// Zones per row.
        columns: usize,
        /// Rows of zones.
        rows: usize,
    },
    /// One zone at a time under a one-line strip summarising every zone.
    Tabs,
}

/// Picks the arrangement: the fewest grid rows whose cells are at least
/// [`MIN_COLUMN_WIDTH`]×[`MIN_COLUMN_HEIGHT`], else tabs.
pub fn choose_layout(area: Rect, zones: usize) -> OverviewLayout {
    let max_columns = usize::from(area.width / MIN_COLUMN_WIDTH);
    for rows in 1..=zones {
        let columns = zones.div_ceil(rows);
        if columns <= max_columns && usize::from(area.height) / rows >= MIN_COLUMN_HEIGHT.into() {
            return OverviewLayout::Grid { columns, rows };
        }
    }
    OverviewLayout::Tabs
}

/// The cell of zone `i` in a grid of `columns`×`rows` over `area`, splitting leftover cells
/// evenly.
pub(crate) fn grid_cell(area: Rect, columns: usize, rows: usize, i: usize) -> Rect {
    let (row, column) = (i / columns, i % columns);
    let split = |total: u16, parts: usize, index: usize| {
        let total = usize::from(total);
        let start = total * index / parts;
        let end = total * (index + 1) / parts;
        (start as u16, (end - start) as u16)
    };
    let (x, w) = split(area.width, columns, column);
    let (y, h) = split(area.height, rows, row);
    Rect::new(area.x + x, area.y + y, w, h)
}

/// How much of one section is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SectionFit {
    /// The section is on screen at all.
    pub visible: bool,
    /// First item shown.
    pub start: usize,
    /// Items shown; the rest are announced as "… N more".
    pub shown: usize,
}

/// How a column's sections share its height.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnFit {
    /// Per section.
    pub sections: Vec<SectionFit>,
    /// Whole sections left out, announced on the last line.
    pub hidden_sections: usize,
}

/// Shares `height` lines among sections of `sizes` items (each section also has a heading):
/// every section shows as many items as the others where possible, a section that cannot show
/// all says "… N more" on one extra line, and the section with the `focus` (section, item) is
/// served first and scrolled so the item is shown.
pub fn fit_sections(
    sizes: &[usize],
    height: usize,
    focus: Option<(usize, Option<usize>)>,
) -> ColumnFit {
    let full: usize = sizes.iter().map(|n| 1 + n).sum();
    if full <= height {
        return ColumnFit {
            sections: sizes
                .iter()
                .map(|&n| SectionFit {
                    visible: true,
                    start: 0,
                    shown: n,
                })
                .collect(),
            hidden_sections: 0,
        };
    }
    let cost = |cap: usize| -> usize {
        sizes
            .iter()
            .map(|&n| 1 + n.min(cap) + usize::from(n > cap))
            .sum()
    };
    let focus_section = focus.map(|(s, _)| s).filter(|s| *s < sizes.len());
    if cost(0) <= height {
        let (mut fits, mut too_many) = (0, sizes.iter().copied().max().unwrap_or(0));
        while fits + 1 < too_many {
            let mid = (fits + too_many) / 2;
            if cost(mid) <= height {
                fits = mid;
            } else {
                too_many = mid;
            }
        }
        let mut shown: Vec<usize> = sizes.iter().map(|&n| n.min(fits)).collect();
        let mut spare = height - cost(fits);
        let order: Vec<usize> = focus_section
            .into_iter()
            .chain((0..sizes.len()).filter(|i| Some(*i) != focus_section))
            .collect();
        loop {
            let mut changed = false;
            for &i in &order {
                if shown[i] >= sizes[i] {
                    continue;
                }
                if sizes[i] - shown[i] == 1 {
                    // The "… 1 more" line becomes the item itself.
                    shown[i] += 1;
                    changed = true;
                } else if spare > 0 {
                    shown[i] += 1;
                    spare -= 1;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let sections = shown
            .iter()
            .enumerate()
            .map(|(i, &shown)| {
                let start = match focus {
                    Some((s, Some(item))) if s == i && shown > 0 && item >= shown => {
                        item + 1 - shown
                    }
                    _ => 0,
                };
                SectionFit {
                    visible: true,
                    start,
                    shown,
                }
            })
            .collect();
        return ColumnFit {
            sections,
            hidden_sections: 0,
        };
    }
    // Not even a heading and a "… more" line for every section: show whole sections, from the
    // focused one if it would not be reached from the top, and say how many are left out.
    let section_cost = |n: usize| 1 + usize::from(n > 0);
    let take_from = |first: usize| {
        let mut used = 0;
        let mut last = first;
        for (i, &n) in sizes.iter().enumerate().skip(first) {
            let reserve = usize::from(i + 1 < sizes.len() || first > 0);
            if used + section_cost(n) + reserve > height {
                break;
            }
            used += section_cost(n);
            last = i + 1;
        }
        last
    };
    let mut first = 0;
    let mut end = take_from(0);
    if let Some(f) = focus_section
        && f >= end
    {
        first = f;
        end = take_from(f);
    }
    let sections = (0..sizes.len())
        .map(|i| SectionFit {
            visible: (first..end).contains(&i),
            start: 0,
            shown: 0,
        })
        .collect();
    ColumnFit {
        sections,
        hidden_sections: sizes.len() - (end - first),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_goes_to_tabs_when_columns_would_be_cramped() {
        let r = |w, h| Rect::new(0, 0, w, h);
        assert_eq!(
            choose_layout(r(200, 48), 3),
            OverviewLayout::Grid {
                columns: 3,
                rows: 1
            }
        );
        assert_eq!(choose_layout(r(78, 22), 3), OverviewLayout::Tabs);
        assert_eq!(
            choose_layout(r(80, 22), 1),
            OverviewLayout::Grid {
                columns: 1,
                rows: 1
            }
        );
        assert_eq!(
            choose_layout(r(200, 48), 8),
            OverviewLayout::Grid {
                columns: 4,
                rows: 2
            }
        );
        assert_eq!(choose_layout(r(120, 30), 8), OverviewLayout::Tabs);
        assert_eq!(choose_layout(r(0, 0), 3), OverviewLayout::Tabs);
    }

    fn lines_used(fit: &ColumnFit, sizes: &[usize]) -> usize {
        let sections: usize = fit
            .sections
            .iter()
            .zip(sizes)
            .filter(|(f, _)| f.visible)
            .map(|(f, &n)| 1 + f.shown + usize::from(f.shown < n))
            .sum();
        sections + usize::from(fit.hidden_sections > 0)
    }

    #[test]
    fn sections_share_the_height_and_say_what_they_hide() {
        let sizes = [6, 2, 10, 0];
        let fit = fit_sections(&sizes, 100, None);
        assert!(
            fit.sections
                .iter()
                .zip(sizes)
                .all(|(f, n)| f.visible && f.shown == n)
        );
        let fit = fit_sections(&sizes, 14, None);
        assert_eq!(lines_used(&fit, &sizes), 14);
        let shown: Vec<usize> = fit.sections.iter().map(|f| f.shown).collect();
        assert_eq!(shown, [3, 2, 3, 0]);
        // The focused section is served first and scrolled to its item.
        let fit = fit_sections(&sizes, 14, Some((2, Some(9))));
        let focus = fit.sections[2];
        assert!(
            (focus.start..focus.start + focus.shown).contains(&9),
            "{fit:?}"
        );
        // Too low for every heading: whole sections, and a count of the rest.
        let fit = fit_sections(&sizes, 4, Some((2, None)));
        assert!(fit.sections[2].visible);
        assert!(fit.hidden_sections > 0);
        assert!(lines_used(&fit, &sizes) <= 4);
    }

    #[test]
    fn fitting_never_overflows() {
        let shapes: [&[usize]; 5] = [
            &[0],
            &[3, 0, 0, 7],
            &[1, 1, 1, 1, 1, 1, 1],
            &[40, 2],
            &[0, 0, 0],
        ];
        for sizes in shapes {
            for height in 0..60 {
                for focus in [None, Some((0, None)), Some((sizes.len() - 1, Some(0)))] {
                    let fit = fit_sections(sizes, height, focus);
                    assert!(
                        lines_used(&fit, sizes) <= height.max(1),
                        "{sizes:?} {height} {fit:?}"
                    );
                }
            }
        }
    }
}
