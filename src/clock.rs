//! Time as the console sees it: a [`Clock`] reading (monotonic and wall "now" together) and
//! the [`TimeSource`] that gives readings: the system's in the binary, a hand-moved one in
//! tests, so the event loop's core, the action runner and the rollout trackers all run on
//! the same time and tests never mix real and fixed time.
//!
//! A leaf module: it imports nothing of the crate, so every room may use it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One reading of the time: monotonic now (for elapsed times and deadlines) and wall-clock
/// now (for ages, audit records and annotations), taken together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Monotonic now, compared with zones' `state_since` and trackers' start.
    pub instant: Instant,
    /// Wall-clock now, compared with retry times and object ages.
    pub wall: jiff::Timestamp,
}

impl Clock {
    /// The system's current time.
    pub fn now() -> Clock {
        Clock {
            instant: Instant::now(),
            wall: jiff::Timestamp::now(),
        }
    }

    /// This reading moved on by `by` (both clocks).
    pub fn advanced(self, by: Duration) -> Clock {
        let wall = jiff::SignedDuration::try_from(by)
            .ok()
            .and_then(|d| self.wall.checked_add(d).ok())
            .unwrap_or(self.wall);
        Clock {
            instant: self.instant + by,
            wall,
        }
    }
}

/// Where readings come from: the system clock, or a manual clock that only moves when a test
/// moves it.
#[derive(Debug, Clone, Default)]
pub enum TimeSource {
    /// The real time.
    #[default]
    System,
    /// A reading shared by whoever holds a clone; [`TimeSource::set`] moves it.
    Manual(Arc<Mutex<Clock>>),
}

impl TimeSource {
    /// A manual source that starts at `start`.
    pub fn manual(start: Clock) -> TimeSource {
        TimeSource::Manual(Arc::new(Mutex::new(start)))
    }

    /// The current reading.
    pub fn now(&self) -> Clock {
        match self {
            TimeSource::System => Clock::now(),
            TimeSource::Manual(shared) => match shared.lock() {
                Ok(clock) => *clock,
                Err(poisoned) => *poisoned.into_inner(),
            },
        }
    }

    /// Sets a manual source to `at` (backwards too); the system clock ignores this.
    pub fn set(&self, at: Clock) {
        if let TimeSource::Manual(shared) = self {
            let mut clock = match shared.lock() {
                Ok(clock) => clock,
                Err(poisoned) => poisoned.into_inner(),
            };
            *clock = at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_source_moves_only_when_set_and_clones_share_it() {
        let start = Clock::now();
        let source = TimeSource::manual(start);
        let other = source.clone();
        assert_eq!(source.now(), start);
        other.set(start.advanced(Duration::from_secs(90)));
        let later = source.now();
        assert_eq!(later.instant - start.instant, Duration::from_secs(90));
        assert_eq!(
            later.wall.duration_since(start.wall),
            jiff::SignedDuration::from_secs(90)
        );
    }

    #[test]
    fn the_system_source_follows_real_time() {
        let source = TimeSource::System;
        let a = source.now();
        source.set(a.advanced(Duration::from_secs(3600)));
        let b = source.now();
        assert!(b.instant >= a.instant);
        assert!(b.instant - a.instant < Duration::from_secs(3600));
    }
}
