//! The rollout panel: every rollout the runner follows (ours and others' seen through the
//! watch), newest first, with counts, new pods, elapsed time and a clear end.

use std::time::{Duration, Instant};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::layer::{DrawContext, Effect, KeyContext, Layer, Placement, Reply};
use super::theme::{Role, Theme};
use super::widgets::{Part, cap_lines, draw_lines, human_duration, squeeze, width};
use super::{Action, Clock, status::zone_label};
use crate::actions::logs::{LogOrder, LogSettings, LogSubject};
use crate::actions::rollout::{RolloutPhase, RolloutTracker, stale_pods};
use crate::actions::runner::Severity;
use crate::actions::runner::{ActionsView, StaleImageMark};
use crate::fleet::Fleet;

/// How long an ended rollout stays on the panel.
pub const ENDED_ROLLOUT_SHOWN_FOR: Duration = Duration::from_secs(120);

/// The trackers the panel shows, newest first: those in progress, and those that ended less
/// than [`ENDED_ROLLOUT_SHOWN_FOR`] ago and after `dismissed_at`.
pub fn shown_trackers<'a>(
    actions: ActionsView<'a>,
    now: Instant,
    dismissed_at: Option<Instant>,
) -> Vec<&'a RolloutTracker> {
    let mut shown: Vec<&RolloutTracker> = actions
        .rollouts()
        .trackers
        .iter()
        .filter(|t| match t.ended {
            None => true,
            Some(ended) => {
                now.saturating_duration_since(ended) < ENDED_ROLLOUT_SHOWN_FOR
                    && dismissed_at.is_none_or(|d| ended > d)
            }
        })
        .collect();
    shown.sort_by_key(|t| std::cmp::Reverse(t.started));
    shown
}

/// `✓ succeeded`, `○ in progress`, `✗ failed: reason`, `✗ timed out`, `⊘ deleted`, with its
/// role: a deleted workload is neither a success nor a failure of its rollout.
pub fn phase_text(phase: &RolloutPhase) -> (String, Role) {
    match phase {
        RolloutPhase::InProgress => ("○ in progress".into(), Role::Warning),
        RolloutPhase::Succeeded => ("✓ succeeded".into(), Role::Ok),
        RolloutPhase::Failed(reason) => (format!("✗ failed: {reason}"), Role::Error),
        RolloutPhase::TimedOut => ("✗ timed out".into(), Role::Error),
        RolloutPhase::Deleted => ("⊘ deleted".into(), Role::Warning),
    }
}

/// The names of the target's pods that still run the image from before the last good build.
pub fn stale_pod_names(fleet: &Fleet, mark: &StaleImageMark) -> Vec<String> {
    fleet
        .zone(mark.zone)
        .map(|zone| {
            stale_pods(zone, &mark.target, mark.build_finished)
                .into_iter()
                .map(|p| p.name.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The panel's lines for one tracker.
fn tracker_lines(
    t: &RolloutTracker,
    fleet: &Fleet,
    stale: Option<&StaleImageMark>,
    width: usize,
    theme: &Theme,
    clock: &Clock,
) -> Vec<Line<'static>> {
    let muted = theme.style(Role::Muted);
    let text = theme.style(Role::Text);
    let (phase, role) = phase_text(&t.phase);
    let zone = fleet
        .zone(t.zone)
        .map_or_else(|| t.zone.to_string(), |z| zone_label(&z.config));
    let whose = if t.ours {
        "ours"
    } else {
        "not ours (seen through the watch)"
    };
    let mut lines = vec![squeeze(
        vec![
            Part::fixed(
                format!("{phase} "),
                theme.style(role).add_modifier(Modifier::BOLD),
            ),
            Part::fixed(format!("{zone} · "), text),
            Part::flexible(t.target.to_string(), theme.style(Role::Title)),
            Part::fixed(format!(" · {whose}"), if t.ours { text } else { muted }),
            Part::fixed(
                format!(" · {}", human_duration(t.elapsed(clock.instant))),
                text,
            ),
        ],
        width,
    )];
    if let Some(p) = &t.progress {
        let count = |label: &str, n: i32| {
            let role = if n >= p.desired {
                Role::Ok
            } else {
                Role::Warning
            };
            vec![
                Span::styled(format!("{label} "), muted),
                Span::styled(format!("{n}/{}", p.desired), theme.style(role)),
                Span::styled("  ", muted),
            ]
        };
        let mut spans = vec![Span::raw("  ")];
        spans.extend(count("updated", p.updated));
        spans.extend(count("ready", p.ready));
        spans.extend(count("available", p.available));
        spans.push(Span::styled("old pods ", muted));
        spans.push(Span::styled(
            p.old_pods.to_string(),
            theme.style(if p.old_pods == 0 {
                Role::Ok
            } else {
                Role::Warning
            }),
        ));
        if p.old_pods > 0 {
            spans.push(Span::styled(" (terminating)", muted));
        }
        lines.push(Line::from(spans));
        for pod in &p.new_pods {
            let (mark, role) = new_pod_mark(&pod.status, pod.ready);
            let mark = format!("{mark} {}", pod.status);
            let mut parts = vec![
                Part::fixed("  new ", muted),
                Part::flexible(pod.name.clone(), text),
                Part::fixed(format!("  {mark}"), theme.style(role)),
            ];
            if let Some(m) = &pod.message {
                parts.push(Part::flexible(format!(": {m}"), theme.style(role)));
            }
            lines.push(squeeze(parts, width));
        }
        if !t.phase.is_final() && !p.message.is_empty() {
            lines.push(Line::styled(format!("  {}", p.message), muted));
        }
    } else if !t.phase.is_final() {
        lines.push(Line::styled("  waiting for the zone's watch…", muted));
    }
    if let Some(mark) = stale.filter(|m| m.zone == t.zone && m.target == t.target) {
        let names = stale_pod_names(fleet, mark);
        if !names.is_empty() {
            lines.push(squeeze(
                vec![
                    Part::fixed(
                        "  ⚠ running the previous image: ",
                        theme.style(Role::Warning),
                    ),
                    Part::flexible(names.join(", "), theme.style(Role::Warning)),
                ],
                width,
            ));
        }
    }
    lines
}

/// How a new pod's state reads: `✓` ready, `○` on its way (ContainerCreating, Pending,
/// Running but not ready yet), `✗` stuck or failing (CrashLoopBackOff, ImagePullBackOff, ...).
pub fn new_pod_mark(status: &str, ready: bool) -> (&'static str, Role) {
    let on_its_way = matches!(
        status,
        "ContainerCreating" | "Pending" | "PodInitializing" | "Running" | "Terminating"
    ) || (status.starts_with("Init:")
        && !status.contains("Err")
        && !status.contains("BackOff"));
    if ready {
        ("✓", Role::Ok)
    } else if on_its_way {
        ("○", Role::Warning)
    } else {
        ("✗", Role::Error)
    }
}

/// The panel's lines (without its title row), `width` cells wide.
pub(crate) fn panel_lines(
    trackers: &[&RolloutTracker],
    fleet: &Fleet,
    stale: Option<&StaleImageMark>,
    width: u16,
    theme: &Theme,
    clock: &Clock,
) -> Vec<Line<'static>> {
    trackers
        .iter()
        .flat_map(|t| tracker_lines(t, fleet, stale, usize::from(width), theme, clock))
        .collect()
}

/// The rollout panel below the view: every rollout followed; once ours have ended, `esc`
/// dismisses the ended ones (only while they are on screen).
#[derive(Debug, Default)]
pub struct RolloutPanel {
    dismissed_at: Option<Instant>,
    ended_shown: bool,
    drawn_at: Option<Instant>,
    /// What [`Layer::placement`] laid out for this frame, drawn by [`Layer::draw`].
    prepared: Option<PreparedPanel>,
}

/// The panel as laid out for one frame: its lines and how its rollouts stand.
#[derive(Debug)]
struct PreparedPanel {
    lines: Vec<Line<'static>>,
    active: usize,
    any_ended: bool,
}

impl RolloutPanel {
    /// Remembers that this frame did not show the panel (so `esc` does not dismiss what is
    /// not on screen).
    pub fn not_drawn(&mut self, clock: &Clock) {
        self.ended_shown = false;
        self.drawn_at = Some(clock.instant);
    }

    /// Lays the panel out for this frame (`None` when no rollout is shown).
    fn prepare(&self, width: u16, cx: &DrawContext<'_>) -> Option<PreparedPanel> {
        let trackers = shown_trackers(cx.actions, cx.clock.instant, self.dismissed_at);
        if trackers.is_empty() {
            return None;
        }
        let lines = panel_lines(
            &trackers,
            cx.fleet,
            cx.actions.stale(),
            width,
            cx.theme,
            cx.clock,
        );
        Some(PreparedPanel {
            lines,
            active: trackers.iter().filter(|t| !t.phase.is_final()).count(),
            any_ended: trackers.iter().any(|t| t.phase.is_final()),
        })
    }
}

impl Layer for RolloutPanel {
    fn handle(&mut self, action: Action, cx: &KeyContext<'_>) -> Reply {
        if action == Action::RolloutLogs {
            return Reply::Do(rollout_logs(cx));
        }
        if action == Action::Back && self.ended_shown {
            self.dismissed_at = self.drawn_at;
            self.ended_shown = false;
            return Reply::REDRAW;
        }
        Reply::Pass
    }

    fn placement(&mut self, body: Rect, cx: &DrawContext<'_>) -> Placement {
        self.prepared = None;
        if body.height < 6 {
            return Placement::Hidden;
        }
        let Some(prepared) = self.prepare(body.width, cx) else {
            return Placement::Hidden;
        };
        let most = (body.height * 2 / 5).max(3);
        let wanted = u16::try_from(prepared.lines.len() + 1).unwrap_or(u16::MAX);
        self.prepared = Some(prepared);
        Placement::Bottom(wanted.min(most))
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        let Some(prepared) = self
            .prepared
            .take()
            .or_else(|| self.prepare(area.width, cx))
        else {
            return self.not_drawn(cx.clock);
        };
        // esc dismisses ended rollouts only when they are on screen.
        self.ended_shown = !area.is_empty() && prepared.any_ended;
        self.drawn_at = Some(cx.clock.instant);
        draw_panel(buf, area, prepared, cx.theme);
    }
}

/// `F`: the log pane on the newest rollout's workload (ours in progress first), whose new
/// pods join as they start while the old ones are marked gone.
fn rollout_logs(cx: &KeyContext<'_>) -> Effect {
    let trackers = &cx.actions.rollouts().trackers;
    let newest = trackers
        .iter()
        .filter(|t| t.ours && !t.phase.is_final())
        .max_by_key(|t| t.started)
        .or_else(|| trackers.iter().max_by_key(|t| t.started));
    match newest {
        Some(t) => Effect::OpenLogs(LogOrder {
            zone: t.zone,
            subject: LogSubject::Workload(t.target.clone()),
            settings: LogSettings::default(),
        }),
        None => Effect::Tell(
            Severity::Info,
            "no rollout to follow: restart a workload (r) or redeploy (D) first".into(),
        ),
    }
}

/// Draws the panel: a title row, then `lines`, cut with "… N more" when short of rows.
fn draw_panel(buf: &mut Buffer, area: Rect, prepared: PreparedPanel, theme: &Theme) {
    if area.is_empty() {
        return;
    }
    let PreparedPanel { lines, active, .. } = prepared;
    let title = if active > 0 {
        format!("─ Rollouts · {active} in progress ")
    } else {
        "─ Rollouts · ended ".to_string()
    };
    let rule = "─".repeat(usize::from(area.width).saturating_sub(width(&title)));
    draw_lines(
        buf,
        Rect::new(area.x, area.y, area.width, 1),
        [Line::from(vec![
            Span::styled(title, theme.style(Role::Title)),
            Span::styled(rule, theme.style(Role::Border)),
        ])],
    );
    let body = Rect::new(
        area.x,
        area.y.saturating_add(1),
        area.width,
        area.height.saturating_sub(1),
    );
    let lines = cap_lines(lines, usize::from(body.height), theme.style(Role::Muted));
    draw_lines(buf, body, lines);
}
