//! The overview as a view: every zone side by side, one in focus, each with its own
//! selection and one filter for all.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use super::{View, ViewKind, ZoneView};
use crate::fleet::Fleet;
use crate::ui::Action;
use crate::ui::filter::Filter;
use crate::ui::keymap::Mode;
use crate::ui::layer::{DrawContext, KeyContext, KeyModes, Layer, Reply};
use crate::ui::list::{ListState, RowKey};
use crate::ui::widgets::Part;
use crate::ui::{mouse, overview, zone_view};

/// The overview's state: the zone in focus, a selection per zone, the shared filter, and
/// where each zone was drawn (for clicks).
#[derive(Default)]
pub struct OverviewView {
    /// The index of the zone in focus.
    pub(super) focus: usize,
    lists: Vec<ListState>,
    filter: Filter,
    zone_hits: Vec<(Rect, usize)>,
    page_rows: usize,
}

impl OverviewView {
    /// Keeps the focus and the per-zone selections valid for `zones` zones.
    pub(super) fn clamp_to(&mut self, zones: usize) {
        if self.lists.len() < zones {
            self.lists.resize_with(zones, ListState::default);
        }
        if self.focus >= zones {
            self.focus = zones.saturating_sub(1);
        }
    }

    /// Selects `row` in zone `zone`'s column.
    pub(super) fn select_in(&mut self, zone: usize, row: RowKey) {
        self.clamp_to(zone + 1);
        if let Some(list) = self.lists.get_mut(zone) {
            list.selected = Some(row);
        }
    }
}

/// The focused column's list when there are no zones yet.
static NO_LIST: std::sync::LazyLock<ListState> = std::sync::LazyLock::new(ListState::default);

impl View for OverviewView {
    fn kind(&self) -> ViewKind {
        ViewKind::Overview
    }

    fn zone(&self) -> usize {
        self.focus
    }

    fn list(&self) -> &ListState {
        self.lists.get(self.focus).unwrap_or(&NO_LIST)
    }

    fn list_mut(&mut self) -> &mut ListState {
        self.clamp_to(self.focus + 1);
        &mut self.lists[self.focus]
    }

    fn filter(&self) -> &Filter {
        &self.filter
    }

    fn filter_mut(&mut self) -> &mut Filter {
        &mut self.filter
    }

    fn rows(&self, fleet: &Fleet) -> Vec<RowKey> {
        fleet
            .zones
            .get(self.focus)
            .map(|z| overview::row_keys(z, &self.filter))
            .unwrap_or_default()
    }

    /// A zone opens on its selected workload; a namespace on its first workload.
    fn open(&mut self, selected: Option<RowKey>, fleet: &Fleet) -> Option<Box<dyn View>> {
        let zone = fleet.zones.get(self.focus)?;
        let start = match selected {
            Some(RowKey::Namespace(ns)) => zone
                .workloads
                .values()
                .find(|w| w.namespace == ns)
                .map(|w| RowKey::Workload(w.workload_key())),
            other => other,
        };
        let mut list = ListState::starting_at(start.clone());
        if start.is_some() {
            let rows = zone_view::row_keys(zone, &list.filter);
            list.settle(&rows);
        }
        Some(Box::new(ZoneView::new(self.focus, list)))
    }

    fn place(&self) -> Vec<Part<'static>> {
        Vec::new()
    }

    fn page_rows(&self) -> usize {
        self.page_rows.max(1)
    }

    fn hints(&self) -> &'static [(Action, &'static str)] {
        &[
            (Action::Help, "help"),
            (Action::Open, "open"),
            (Action::FocusNextZone, "next zone"),
            (Action::SelectDown, "select"),
            (Action::Filter, "filter"),
            (Action::Quit, "quit"),
        ]
    }
}

impl Layer for OverviewView {
    fn key_modes(&self, _fleet: &Fleet) -> KeyModes {
        KeyModes {
            modes: &[Mode::Overview, Mode::List, Mode::Global],
            exclusive: false,
        }
    }

    fn handle(&mut self, action: Action, cx: &KeyContext<'_>) -> Reply {
        let zones = cx.fleet.zones.len();
        match action {
            Action::FocusNextZone | Action::FocusPrevZone => {
                if zones < 2 {
                    return Reply::NOTHING;
                }
                self.focus = if action == Action::FocusNextZone {
                    (self.focus + 1) % zones
                } else {
                    (self.focus + zones - 1) % zones
                };
                Reply::REDRAW
            }
            _ => Reply::Pass,
        }
    }

    fn click(&mut self, at: Position) -> Reply {
        match self.zone_hits.iter().find(|(area, _)| area.contains(at)) {
            Some((_, zone)) if *zone != self.focus => {
                self.focus = *zone;
                Reply::REDRAW
            }
            _ => Reply::NOTHING,
        }
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        self.clamp_to(cx.fleet.zones.len());
        let input = overview::OverviewInput {
            fleet: cx.fleet,
            summaries: cx.summaries,
            focus: self.focus,
            filter: &self.filter,
            theme: cx.theme,
            clock: cx.clock,
            checks: cx.checks,
            promotion: cx.promotion,
        };
        self.page_rows = overview::draw(buf, area, &input, &mut self.lists);
        self.zone_hits = mouse::zone_hit_areas(buf, area, cx.fleet.zones.len());
    }
}
