//! When each line of a container run was written. A run is a few sections in time order — its
//! startup lines close together, steady lines at a rate, closing lines when it ended — and a
//! line is found by its position alone, so a log of any length is computed, never stored.

use jiff::{SignedDuration, Timestamp};

use crate::demo::factory::fnv64;

/// What a section's lines say (the profile decides the words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// What a process prints while it starts.
    Startup,
    /// Its steady work, line after line.
    Steady,
    /// Its last words: shutdown, crash or completion.
    Closing,
}

/// How a section's lines are spread in time.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Timing {
    /// Line `i` at `first + i * gap`.
    Spaced {
        first: Timestamp,
        gap: SignedDuration,
    },
    /// About `rate` lines a second from `from`, each line jittered (deterministically).
    Rate {
        from: Timestamp,
        rate: f64,
        seed: u64,
    },
}

/// A run of lines of one part.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// What the lines say.
    pub part: Part,
    /// How many lines it holds.
    pub count: u64,
    timing: Timing,
}

/// The largest share of a line's slot its jitter may take, so rounding never reorders lines.
const JITTER: f64 = 0.9;

impl Section {
    /// `count` lines of `part` from `first`, `gap` apart.
    pub fn spaced(part: Part, count: u64, first: Timestamp, gap: SignedDuration) -> Section {
        Section {
            part,
            count,
            timing: Timing::Spaced { first, gap },
        }
    }

    /// The steady lines written from `from` up to and including `until`, at `rate` a second
    /// (none when the rate is zero).
    pub fn steady(from: Timestamp, rate: f64, seed: u64, until: Timestamp) -> Section {
        let mut section = Section {
            part: Part::Steady,
            count: 0,
            timing: Timing::Rate { from, rate, seed },
        };
        if rate > 0.0 && until >= from {
            let seconds = until.duration_since(from).as_secs_f64();
            // An upper bound: no line after this one can be due by `until`.
            let bound = (seconds * rate).floor() as u64 + 1;
            section.count = bound;
            section.count = section.count_at_or_before(until);
        }
        section
    }

    /// When line `index` was written.
    pub fn time_of(&self, index: u64) -> Timestamp {
        match self.timing {
            Timing::Spaced { first, gap } => {
                let offset = gap
                    .checked_mul(i32::try_from(index).unwrap_or(i32::MAX))
                    .unwrap_or(SignedDuration::MAX);
                first.checked_add(offset).unwrap_or(first)
            }
            Timing::Rate { from, rate, seed } => {
                let nanos = ((index as f64 + jitter(seed, index)) * 1e9 / rate) as i64;
                from.checked_add(SignedDuration::from_nanos(nanos))
                    .unwrap_or(from)
            }
        }
    }

    /// How many of its lines were written before `at` (the index of the first at or after).
    pub fn count_before(&self, at: Timestamp) -> u64 {
        self.partition(|time| time < at)
    }

    /// How many of its lines were written at or before `at`.
    pub fn count_at_or_before(&self, at: Timestamp) -> u64 {
        self.partition(|time| time <= at)
    }

    /// The number of leading lines whose time satisfies `early` (times only grow).
    fn partition(&self, early: impl Fn(Timestamp) -> bool) -> u64 {
        let (mut low, mut high) = (0u64, self.count);
        while low < high {
            let middle = low + (high - low) / 2;
            if early(self.time_of(middle)) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }
}

/// A line's jitter in [0, JITTER), from the run's seed and its index.
fn jitter(seed: u64, index: u64) -> f64 {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..].copy_from_slice(&index.to_le_bytes());
    (fnv64(&bytes) >> 11) as f64 / (1u64 << 53) as f64 * JITTER
}

/// The sections of one run, and positions across them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    /// In time order.
    pub sections: Vec<Section>,
    /// True when the run has ended and wrote its last line: nothing more will come.
    pub complete: bool,
}

impl Timeline {
    /// Lines in all.
    pub fn line_count(&self) -> u64 {
        self.sections.iter().map(|s| s.count).sum()
    }

    /// The section and index within it of the line at `position`.
    pub fn locate(&self, position: u64) -> Option<(&Section, u64)> {
        let mut rest = position;
        for section in &self.sections {
            if rest < section.count {
                return Some((section, rest));
            }
            rest -= section.count;
        }
        None
    }

    /// The position of the first line written at or after `at`.
    pub fn position_at(&self, at: Timestamp) -> u64 {
        self.sections.iter().map(|s| s.count_before(at)).sum()
    }

    /// Whether the line at `position` is one of the container's last words.
    pub fn is_closing(&self, position: u64) -> bool {
        self.locate(position)
            .is_some_and(|(section, _)| section.part == Part::Closing)
    }

    /// When the last line was written, if any.
    pub fn last_time(&self) -> Option<Timestamp> {
        self.sections
            .iter()
            .rev()
            .find(|s| s.count > 0)
            .map(|s| s.time_of(s.count - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_774_400_000 + seconds).unwrap()
    }

    #[test]
    fn steady_lines_come_at_the_rate_in_order_and_never_after_until() {
        let section = Section::steady(at(0), 4.0, 7, at(10));
        assert!((39..=41).contains(&section.count), "{}", section.count);
        let times: Vec<Timestamp> = (0..section.count).map(|i| section.time_of(i)).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]), "in order");
        assert!(times.iter().all(|t| *t >= at(0) && *t <= at(10)));
        assert!(
            section.time_of(section.count) > at(10),
            "the next is not due"
        );
        let again = Section::steady(at(0), 4.0, 7, at(10));
        assert_eq!(section, again, "deterministic");
    }

    #[test]
    fn a_high_rate_over_weeks_stays_exact_and_cheap() {
        let section = Section::steady(at(0), 5_000.0, 1, at(41 * 86_400));
        let last = section.time_of(section.count - 1);
        assert!(last <= at(41 * 86_400));
        assert!(section.time_of(section.count) > at(41 * 86_400));
        assert!(section.count > 17_000_000_000);
    }

    #[test]
    fn positions_run_across_sections_and_times_find_them() {
        let gap = SignedDuration::from_millis(40);
        let timeline = Timeline {
            sections: vec![
                Section::spaced(Part::Startup, 3, at(0), gap),
                Section::steady(at(1), 2.0, 3, at(11)),
                Section::spaced(Part::Closing, 2, at(12), gap),
            ],
            complete: true,
        };
        let steady = timeline.sections[1].count;
        assert_eq!(timeline.line_count(), 5 + steady);
        assert_eq!(timeline.locate(0).unwrap().0.part, Part::Startup);
        assert_eq!(timeline.locate(3).unwrap().0.part, Part::Steady);
        assert_eq!(timeline.locate(3 + steady).unwrap().0.part, Part::Closing);
        assert!(timeline.locate(5 + steady).is_none());
        assert_eq!(timeline.position_at(at(0)), 0);
        assert_eq!(timeline.position_at(at(1)), 3);
        assert_eq!(timeline.position_at(at(12)), 3 + steady);
        assert_eq!(timeline.position_at(at(13)), timeline.line_count());
        assert_eq!(timeline.last_time(), Some(at(12).checked_add(gap).unwrap()));
    }

    #[test]
    fn no_rate_no_steady_lines() {
        assert_eq!(Section::steady(at(0), 0.0, 1, at(100)).count, 0);
        assert_eq!(Section::steady(at(5), 3.0, 1, at(1)).count, 0);
    }
}
