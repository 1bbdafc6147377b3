//! The fleet event timeline as a view: every zone's events merged newest first, filtered by
//! zone (`z` cycles), namespace (`n` cycles), Warning only (`w`), text (`/`), or pre-filtered
//! to one object (a pod's events from the workload view); `enter` on an event shows its
//! object's events.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{View, ViewKind};
use crate::fleet::events::{EventFilter, EventObject, timeline};
use crate::fleet::{Fleet, ObjectKey};
use crate::ui::Action;
use crate::ui::events_timeline;
use crate::ui::keymap::Mode;
use crate::ui::layer::{DrawContext, KeyContext, KeyModes, Layer, Reply};
use crate::ui::list::{ListState, RowKey};
use crate::ui::widgets::Part;

/// The timeline's modes: its filter keys first, then the drill-down views' (back, open), the
/// list's and the global keys.
const TIMELINE_MODES: KeyModes = KeyModes {
    modes: &[Mode::Timeline, Mode::Zone, Mode::List, Mode::Global],
    exclusive: false,
};

/// What the timeline shows, besides the `/` text filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimelineFilter {
    /// Only this zone's events (its index in the fleet).
    pub zone: Option<usize>,
    /// Only this namespace's events.
    pub namespace: Option<String>,
    /// Only Warnings.
    pub warnings_only: bool,
    /// Only this object's events (set when opened for a pod or an event's object).
    pub object: Option<EventObject>,
}

/// The event timeline's state.
pub struct TimelineView {
    /// The zone in focus when it was opened, named in the top bar while no zone is chosen.
    focus: usize,
    filter: TimelineFilter,
    list: ListState,
    page_rows: usize,
}

impl TimelineView {
    /// Every zone's events; `focus` is the zone in focus where it was opened.
    pub fn fleet(focus: usize) -> TimelineView {
        TimelineView {
            focus,
            filter: TimelineFilter::default(),
            list: ListState::default(),
            page_rows: 10,
        }
    }

    /// One object's events in zone `zone` (its index).
    pub fn of_object(zone: usize, object: EventObject) -> TimelineView {
        TimelineView {
            focus: zone,
            filter: TimelineFilter {
                zone: Some(zone),
                object: Some(object),
                ..TimelineFilter::default()
            },
            list: ListState::default(),
            page_rows: 10,
        }
    }

    /// A pod row's events (`enter` on a pod in the zone or workload view); None for another row.
    pub fn of_pod(zone: usize, row: RowKey) -> Option<Box<dyn View>> {
        match row {
            RowKey::Pod(key) => Some(Box::new(TimelineView::of_object(
                zone,
                EventObject::new("Pod", key.namespace, key.name),
            ))),
            _ => None,
        }
    }

    /// The fleet model's filter for what this view shows now.
    pub fn event_filter(&self, fleet: &Fleet) -> EventFilter {
        EventFilter {
            zone: self
                .filter
                .zone
                .and_then(|i| fleet.zones.get(i))
                .map(|z| z.config.id),
            namespace: self.filter.namespace.clone(),
            warnings_only: self.filter.warnings_only,
            object: self.filter.object.clone(),
            since: None,
            text: self.list.filter.text().to_string(),
        }
    }

    /// `z`: all zones → the first → … → the last → all zones.
    fn cycle_zone(&mut self, fleet: &Fleet) {
        let zones = fleet.zones.len();
        self.filter.zone = match self.filter.zone {
            None if zones > 0 => Some(0),
            Some(i) if i + 1 < zones => Some(i + 1),
            _ => None,
        };
        // A namespace the new zone does not watch would show nothing.
        if let Some(ns) = &self.filter.namespace
            && !self.namespaces(fleet).contains(ns)
        {
            self.filter.namespace = None;
        }
    }

    /// The namespaces whose events the chosen zone (or any zone) watches, in configured order.
    fn namespaces(&self, fleet: &Fleet) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (i, zone) in fleet.zones.iter().enumerate() {
            if self.filter.zone.is_some_and(|z| z != i) {
                continue;
            }
            for ns in zone.config.event_namespaces() {
                if !out.contains(&ns) {
                    out.push(ns);
                }
            }
        }
        out
    }

    /// `n`: all namespaces → the first → … → the last → all namespaces.
    fn cycle_namespace(&mut self, fleet: &Fleet) {
        let namespaces = self.namespaces(fleet);
        let next = match &self.filter.namespace {
            None => 0,
            Some(ns) => namespaces.iter().position(|n| n == ns).map_or(0, |i| i + 1),
        };
        self.filter.namespace = namespaces.get(next).cloned();
    }
}

impl View for TimelineView {
    fn kind(&self) -> ViewKind {
        ViewKind::Timeline
    }

    fn zone(&self) -> usize {
        self.filter.zone.unwrap_or(self.focus)
    }

    fn list(&self) -> &ListState {
        &self.list
    }

    fn list_mut(&mut self) -> &mut ListState {
        &mut self.list
    }

    fn rows(&self, fleet: &Fleet) -> Vec<RowKey> {
        timeline(fleet, &self.event_filter(fleet))
            .iter()
            .map(|row| {
                let (zone, key) = row.key();
                RowKey::Event(zone, key)
            })
            .collect()
    }

    /// `enter` on an event: that event's object's events (unless they are what is shown).
    fn open(&mut self, selected: Option<RowKey>, fleet: &Fleet) -> Option<Box<dyn View>> {
        let Some(RowKey::Event(zone_id, key)) = selected else {
            return None;
        };
        let zone = fleet.zones.iter().position(|z| z.config.id == zone_id)?;
        let event = fleet.zones[zone]
            .events
            .get(&ObjectKey::new(&key.namespace, &key.name))?;
        if self.filter.object.as_ref() == Some(&event.object) {
            return None;
        }
        Some(Box::new(TimelineView::of_object(
            zone,
            event.object.clone(),
        )))
    }

    fn timeline(&self) -> Option<&TimelineFilter> {
        Some(&self.filter)
    }

    fn place(&self) -> Vec<Part<'static>> {
        let text = match (&self.filter.object, self.filter.zone) {
            (Some(object), _) => format!(" › Events of {}", object.short()),
            (None, Some(_)) => " › Events".to_string(),
            (None, None) => " › Events (all zones)".to_string(),
        };
        vec![Part::flexible(text, Style::default())]
    }

    fn page_rows(&self) -> usize {
        self.page_rows.max(1)
    }

    fn hints(&self) -> &'static [(Action, &'static str)] {
        &[
            (Action::Help, "help"),
            (Action::Back, "back"),
            (Action::ToggleWarnings, "warnings"),
            (Action::CycleZoneFilter, "zone"),
            (Action::CycleNamespaceFilter, "namespace"),
            (Action::Filter, "filter"),
            (Action::Open, "object's events"),
        ]
    }
}

impl Layer for TimelineView {
    fn key_modes(&self, _fleet: &Fleet) -> KeyModes {
        TIMELINE_MODES
    }

    fn handle(&mut self, action: Action, cx: &KeyContext<'_>) -> Reply {
        match action {
            Action::ToggleWarnings => self.filter.warnings_only = !self.filter.warnings_only,
            Action::CycleZoneFilter => self.cycle_zone(cx.fleet),
            Action::CycleNamespaceFilter => self.cycle_namespace(cx.fleet),
            _ => return Reply::Pass,
        }
        Reply::REDRAW
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        let filter = self.event_filter(cx.fleet);
        self.page_rows = events_timeline::draw(
            buf,
            area,
            cx.fleet,
            &filter,
            &self.filter,
            &mut self.list,
            cx.theme,
            cx.clock,
        );
    }
}
