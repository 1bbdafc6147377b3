//! "Tell me when": which moments deserve a notification, and the bytes that carry one to the
//! terminal. The decision ([`NoticeWatch`]) is a pure function of the model, our rollouts and
//! the time; the encoding ([`terminal_bytes`]) a pure function of a notice and the settings.
//! The core writes the bytes between frames through the terminal's one writer and hands a
//! configured command to `actions::notify`.
//!
//! A zone counts as down only after it was live once (start-up's connecting and retrying is
//! not news) and only once it has stayed away for [`DOWN_GRACE`] (a watch that fails and
//! relists at once is not news either); it is back when it is live again after a notice said
//! it was down.
//!
//! A Warning is news when it is a new event (a new series, not one more repeat of a known one)
//! about a workload the zone watches, its ReplicaSets or its pods, and it arrives after the
//! zone's events were first listed: what that first list brings is history. A zone's new
//! Warnings of one moment are told as one notice.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

use crate::actions::rollout::{RolloutBoard, RolloutPhase};
use crate::config::{DesktopNotification, NotifyConfig, NotifyTrigger, ZoneId};
use crate::fleet::events::EventInfo;
use crate::fleet::explain::event_workload;
use crate::fleet::{Fleet, KindStatus, ObjectKey, ResourceKind, WorkloadKey, ZoneModel, ZoneState};
use crate::sanitize::clean;

/// How long a zone that was live must stay away before it counts as down.
pub const DOWN_GRACE: Duration = Duration::from_secs(10);

/// The longest title or body written (a terminal shows a line or two of it anyway).
pub const TEXT_MAX: usize = 200;

/// One thing to tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// What kind of moment this is (the `on` list filters by it).
    pub trigger: NotifyTrigger,
    /// A short title: `ge-console: rollout succeeded`.
    pub title: String,
    /// A sentence that makes sense alone (OSC 9 shows only this).
    pub body: String,
}

/// What the watch remembers of one zone.
#[derive(Debug, Clone, Default)]
struct ZoneWatch {
    id: Option<ZoneId>,
    was_live: bool,
    away_since: Option<Instant>,
    told_down: bool,
}

/// How far before the newest event already looked at a new one may be last seen and still
/// be looked at (events of one moment arrive in any order, and clocks differ a little).
const WARNING_SLACK: SignedDuration = SignedDuration::from_secs(300);

/// What the watch remembers of one zone's events.
#[derive(Debug, Clone, Default)]
struct WarningWatch {
    id: Option<ZoneId>,
    /// The events already seen; `None` until the zone's events were first listed.
    known: Option<HashSet<ObjectKey>>,
    /// The newest last-seen time looked at.
    looked_to: Option<Timestamp>,
}

/// Remembers what was already told, so each moment is told once.
#[derive(Debug, Default)]
pub struct NoticeWatch {
    zones: Vec<ZoneWatch>,
    told_rollouts: Vec<(ZoneId, WorkloadKey, Instant)>,
    warnings: Vec<WarningWatch>,
}

/// `42s`, `3m05s`, `2h10m`.
fn duration_words(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

impl NoticeWatch {
    /// A watch that has seen nothing yet.
    pub fn new() -> NoticeWatch {
        NoticeWatch::default()
    }

    /// Zones that went down (after being live, for [`DOWN_GRACE`]) or came back, at `now`.
    pub fn zones(&mut self, fleet: &Fleet, now: Instant) -> Vec<Notice> {
        if self.zones.len() != fleet.zones.len() {
            self.zones
                .resize_with(fleet.zones.len(), ZoneWatch::default);
        }
        let mut notices = Vec::new();
        for (zone, watch) in fleet.zones.iter().zip(&mut self.zones) {
            if watch.id != Some(zone.config.id) {
                *watch = ZoneWatch {
                    id: Some(zone.config.id),
                    ..ZoneWatch::default()
                };
            }
            let name = format!("{} {}", zone.config.id, zone.config.name);
            if zone.state() == ZoneState::Live {
                if watch.told_down {
                    let away = watch
                        .away_since
                        .map(|since| now.saturating_duration_since(since))
                        .unwrap_or_default();
                    notices.push(Notice {
                        trigger: NotifyTrigger::Zone,
                        title: format!("ge-console: {name} is back"),
                        body: format!("{name} is live again after {}", duration_words(away)),
                    });
                }
                *watch = ZoneWatch {
                    id: watch.id,
                    was_live: true,
                    away_since: None,
                    told_down: false,
                };
                continue;
            }
            if !watch.was_live {
                continue;
            }
            let since = *watch.away_since.get_or_insert(now);
            if !watch.told_down && now.saturating_duration_since(since) >= DOWN_GRACE {
                watch.told_down = true;
                let state = zone.state().as_str().replace('_', " ");
                let error = zone.error().map(|e| format!(": {e}")).unwrap_or_default();
                notices.push(Notice {
                    trigger: NotifyTrigger::Zone,
                    title: format!("ge-console: {name} is down"),
                    body: format!("{name} is {state}{error}"),
                });
            }
        }
        notices
    }

    /// New Warning events about the zones' workloads since the last call: one notice per zone.
    pub fn warnings(&mut self, fleet: &Fleet) -> Vec<Notice> {
        if self.warnings.len() != fleet.zones.len() {
            self.warnings
                .resize_with(fleet.zones.len(), WarningWatch::default);
        }
        let mut notices = Vec::new();
        for (zone, watch) in fleet.zones.iter().zip(&mut self.warnings) {
            if watch.id != Some(zone.config.id) {
                *watch = WarningWatch {
                    id: Some(zone.config.id),
                    ..WarningWatch::default()
                };
            }
            if zone.kinds.get(&ResourceKind::Events) != Some(&KindStatus::Synced) {
                continue;
            }
            let news = watch.new_warnings(zone);
            if let Some(notice) = warning_notice(zone, &news) {
                notices.push(notice);
            }
        }
        notices
    }

    /// Our rollouts that ended since the last call (each told once).
    pub fn rollouts(&mut self, fleet: &Fleet, board: &RolloutBoard) -> Vec<Notice> {
        let mut notices = Vec::new();
        for t in board
            .trackers
            .iter()
            .filter(|t| t.ours && t.phase.is_final())
        {
            let id = (t.zone, t.target.clone(), t.started);
            if self.told_rollouts.contains(&id) {
                continue;
            }
            self.told_rollouts.push(id);
            let zone = fleet
                .zone(t.zone)
                .map(|z| format!("{} {}", z.config.id, z.config.name))
                .unwrap_or_else(|| t.zone.to_string());
            let took = t
                .ended
                .map(|end| {
                    format!(
                        " in {}",
                        duration_words(end.saturating_duration_since(t.started))
                    )
                })
                .unwrap_or_default();
            let why = match &t.phase {
                RolloutPhase::Failed(reason) => format!(": {reason}"),
                _ => String::new(),
            };
            notices.push(Notice {
                trigger: NotifyTrigger::Rollout,
                title: format!("ge-console: rollout {}", t.phase.word()),
                body: format!("{} in {zone} {}{took}{why}", t.target, t.phase.word()),
            });
        }
        // Only trackers still on the board can come up again.
        self.told_rollouts.retain(|(zone, target, started)| {
            board
                .trackers
                .iter()
                .any(|t| t.zone == *zone && &t.target == target && t.started == *started)
        });
        notices
    }
}

impl WarningWatch {
    /// The Warnings about the zone's workloads not seen before (none the first time: the first
    /// list is history), remembering every event seen.
    fn new_warnings<'a>(&mut self, zone: &'a ZoneModel) -> Vec<(&'a EventInfo, WorkloadKey)> {
        let store = &zone.events;
        let Some(known) = &mut self.known else {
            self.known = Some(
                store
                    .newest_first()
                    .map(|e| ObjectKey::new(&e.namespace, &e.name))
                    .collect(),
            );
            self.looked_to = store.newest_first().find_map(|e| e.last_seen);
            return Vec::new();
        };
        let from = self
            .looked_to
            .and_then(|t| t.checked_sub(WARNING_SLACK).ok())
            .unwrap_or(Timestamp::MIN);
        let mut news = Vec::new();
        for event in store.seen_since(from) {
            self.looked_to = self.looked_to.max(event.last_seen);
            if !known.insert(ObjectKey::new(&event.namespace, &event.name)) || !event.is_warning() {
                continue;
            }
            if let Some(workload) = event_workload(zone, &event.object) {
                news.push((event, workload));
            }
        }
        // Forget what the store no longer holds, now and then: memory stays bounded by it.
        if known.len() > 2 * store.len() + 64 {
            known.retain(|key| store.get(key).is_some());
        }
        news
    }
}

/// One zone's new Warnings as one notice: the first in full, the rest counted.
fn warning_notice(zone: &ZoneModel, news: &[(&EventInfo, WorkloadKey)]) -> Option<Notice> {
    let (first, workload) = news.first()?;
    let name = format!("{} {}", zone.config.id, zone.config.name);
    let more = match news.len() - 1 {
        0 => String::new(),
        n => format!(" (and {n} more)"),
    };
    Some(Notice {
        trigger: NotifyTrigger::Warning,
        title: format!("ge-console: Warning {} in {name}", first.reason),
        body: format!(
            "{workload} in {name}: {} on {}: {}{more}",
            first.reason,
            first.object.short(),
            first.message
        ),
    })
}

/// Text safe inside an OSC string: cleaned of escape sequences and controls, `;` (the field
/// separator) replaced, cut to [`TEXT_MAX`] characters.
pub fn osc_text(text: &str) -> String {
    let cleaned = clean(text).replace(';', ",");
    match cleaned.char_indices().nth(TEXT_MAX) {
        Some((cut, _)) => format!("{}…", &cleaned[..cut]),
        None => cleaned,
    }
}

/// Wraps an escape sequence for tmux's passthrough: `ESC P tmux; <sequence, each ESC doubled>
/// ESC \`, so tmux hands it to the outer terminal (with `allow-passthrough on`).
pub fn tmux_passthrough(sequence: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(sequence.len() + 16);
    out.extend_from_slice(b"\x1bPtmux;");
    for &byte in sequence {
        if byte == 0x1b {
            out.push(0x1b);
        }
        out.push(byte);
    }
    out.extend_from_slice(b"\x1b\\");
    out
}

/// The bytes that tell `notice` in the terminal as `config` says: BEL for the bell, then the
/// desktop notification's OSC (wrapped for tmux when `in_tmux`). Empty when neither is set.
pub fn terminal_bytes(notice: &Notice, config: &NotifyConfig, in_tmux: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if config.bell {
        out.push(0x07);
    }
    let osc = match config.desktop {
        DesktopNotification::None => return out,
        DesktopNotification::Osc777 => format!(
            "\x1b]777;notify;{};{}\x07",
            osc_text(&notice.title),
            osc_text(&notice.body)
        ),
        DesktopNotification::Osc9 => format!("\x1b]9;{}\x07", osc_text(&notice.body)),
    };
    if in_tmux {
        out.extend(tmux_passthrough(osc.as_bytes()));
    } else {
        out.extend_from_slice(osc.as_bytes());
    }
    out
}

/// The console's notifier: the settings, whether the terminal is tmux, and the watch.
#[derive(Debug)]
pub struct Notifier {
    config: NotifyConfig,
    in_tmux: bool,
    watch: NoticeWatch,
}

impl Notifier {
    /// A notifier with these settings, for a terminal that is not tmux.
    pub fn new(config: NotifyConfig) -> Notifier {
        Notifier {
            config,
            in_tmux: false,
            watch: NoticeWatch::new(),
        }
    }

    /// Says whether the console runs inside tmux (its escape sequences then need wrapping).
    pub fn set_in_tmux(&mut self, in_tmux: bool) {
        self.in_tmux = in_tmux;
    }

    /// The settings.
    pub fn config(&self) -> &NotifyConfig {
        &self.config
    }

    /// The notices due now that the settings want delivered.
    pub fn due(&mut self, fleet: &Fleet, board: &RolloutBoard, now: Instant) -> Vec<Notice> {
        if self.config.is_off() {
            return Vec::new();
        }
        let mut notices = self.watch.rollouts(fleet, board);
        notices.extend(self.watch.zones(fleet, now));
        notices.extend(self.watch.warnings(fleet));
        notices.retain(|n| self.config.wants(n.trigger));
        notices
    }

    /// The terminal's bytes for `notice`.
    pub fn bytes(&self, notice: &Notice) -> Vec<u8> {
        terminal_bytes(notice, &self.config, self.in_tmux)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice() -> Notice {
        Notice {
            trigger: NotifyTrigger::Rollout,
            title: "ge-console: rollout succeeded".into(),
            body: "ge-agents/deployment/ge-executor in Z1 dev succeeded in 42s".into(),
        }
    }

    fn config(bell: bool, desktop: DesktopNotification) -> NotifyConfig {
        NotifyConfig {
            bell,
            desktop,
            ..NotifyConfig::default()
        }
    }

    #[test]
    fn osc777_and_osc9_bytes_are_exact() {
        assert_eq!(
            terminal_bytes(&notice(), &config(false, DesktopNotification::Osc777), false),
            b"\x1b]777;notify;ge-console: rollout succeeded;ge-agents/deployment/ge-executor in Z1 dev succeeded in 42s\x07"
        );
        assert_eq!(
            terminal_bytes(&notice(), &config(false, DesktopNotification::Osc9), false),
            b"\x1b]9;ge-agents/deployment/ge-executor in Z1 dev succeeded in 42s\x07"
        );
        assert_eq!(
            terminal_bytes(&notice(), &config(true, DesktopNotification::None), false),
            b"\x07"
        );
        assert!(
            terminal_bytes(&notice(), &config(false, DesktopNotification::None), true).is_empty()
        );
    }

    #[test]
    fn inside_tmux_the_osc_is_passed_through_with_its_escapes_doubled_and_the_bell_is_not() {
        let mut n = notice();
        n.body = "done".into();
        assert_eq!(
            terminal_bytes(&n, &config(true, DesktopNotification::Osc9), true),
            b"\x07\x1bPtmux;\x1b\x1b]9;done\x07\x1b\\"
        );
        assert_eq!(
            terminal_bytes(&n, &config(false, DesktopNotification::Osc777), true),
            b"\x1bPtmux;\x1b\x1b]777;notify;ge-console: rollout succeeded;done\x07\x1b\\"
        );
    }

    #[test]
    fn titles_and_bodies_cannot_break_out_of_the_sequence() {
        let n = Notice {
            trigger: NotifyTrigger::Zone,
            title: "a;b\x07c\x1b]0;pwned\x07".into(),
            body: format!("x\x1b\\y\nz;{}", "w".repeat(500)),
        };
        let bytes = terminal_bytes(&n, &config(false, DesktopNotification::Osc777), false);
        let text = String::from_utf8(bytes).unwrap();
        let inner = &text["\x1b]777;notify;".len()..text.len() - 1];
        assert!(
            !inner.chars().any(|c| c.is_control()),
            "no control character inside: {inner:?}"
        );
        assert_eq!(
            inner.matches(';').count(),
            1,
            "only the separator: {inner:?}"
        );
        assert!(inner.starts_with("a,bc;x"), "{inner:?}");
        assert_eq!(osc_text(&"w".repeat(500)).chars().count(), TEXT_MAX + 1);
    }

    #[test]
    fn durations_read_short() {
        assert_eq!(duration_words(Duration::from_secs(42)), "42s");
        assert_eq!(duration_words(Duration::from_secs(185)), "3m05s");
        assert_eq!(duration_words(Duration::from_secs(7800)), "2h10m");
    }
}
