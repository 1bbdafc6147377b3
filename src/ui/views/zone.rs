//! One zone's view as a view: its nodes, system pods and workloads; `enter` opens a workload.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{View, ViewKind, WorkloadView};
use crate::fleet::Fleet;
use crate::ui::Action;
use crate::ui::layer::{DrawContext, KeyModes, Layer};
use crate::ui::list::{ListState, RowKey};
use crate::ui::widgets::Part;
use crate::ui::zone_view;

/// The zone view's state: which zone, and its list.
pub struct ZoneView {
    zone: usize,
    list: ListState,
    page_rows: usize,
}

impl ZoneView {
    /// Zone `zone`'s view, its selection starting as `list` says.
    pub fn new(zone: usize, list: ListState) -> ZoneView {
        ZoneView {
            zone,
            list,
            page_rows: 10,
        }
    }
}

impl View for ZoneView {
    fn kind(&self) -> ViewKind {
        ViewKind::Zone
    }

    fn zone(&self) -> usize {
        self.zone
    }

    fn list(&self) -> &ListState {
        &self.list
    }

    fn list_mut(&mut self) -> &mut ListState {
        &mut self.list
    }

    fn rows(&self, fleet: &Fleet) -> Vec<RowKey> {
        fleet
            .zones
            .get(self.zone)
            .map(|z| zone_view::row_keys(z, &self.list.filter))
            .unwrap_or_default()
    }

    fn open(&mut self, selected: Option<RowKey>, _fleet: &Fleet) -> Option<Box<dyn View>> {
        match selected {
            Some(RowKey::Workload(workload)) => {
                Some(Box::new(WorkloadView::new(self.zone, workload)))
            }
            // A system pod's events.
            Some(pod @ RowKey::Pod(_)) => super::TimelineView::of_pod(self.zone, pod),
            _ => None,
        }
    }

    fn place(&self) -> Vec<Part<'static>> {
        vec![Part::fixed(
            " › Zone view",
            ratatui::style::Style::default(),
        )]
    }

    fn page_rows(&self) -> usize {
        self.page_rows.max(1)
    }

    fn hints(&self) -> &'static [(Action, &'static str)] {
        &[
            (Action::Help, "help"),
            (Action::Open, "open"),
            (Action::Back, "back"),
            (Action::Filter, "filter"),
            (Action::Quit, "quit"),
        ]
    }
}

impl Layer for ZoneView {
    fn key_modes(&self, _fleet: &Fleet) -> KeyModes {
        super::DRILL_DOWN_MODES
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        if let Some(zone) = cx.fleet.zones.get(self.zone) {
            self.page_rows = zone_view::draw(buf, area, zone, &mut self.list, cx.theme, cx.clock);
        }
    }
}
