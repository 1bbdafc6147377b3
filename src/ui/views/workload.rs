//! One workload's view as a view: its rollout, conditions and pods, with the pods that still
//! run the image from before the last good build flagged.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{View, ViewKind};
use crate::fleet::{Fleet, WorkloadKey};
use crate::ui::Action;
use crate::ui::layer::{DrawContext, KeyModes, Layer};
use crate::ui::list::{ListState, RowKey};
use crate::ui::widgets::Part;
use crate::ui::{rollout_panel, workload_view};

/// The workload view's state: which workload in which zone, and its list of pods.
pub struct WorkloadView {
    zone: usize,
    workload: WorkloadKey,
    list: ListState,
    page_rows: usize,
}

impl WorkloadView {
    /// `workload`'s view in zone `zone`.
    pub fn new(zone: usize, workload: WorkloadKey) -> WorkloadView {
        WorkloadView {
            zone,
            workload,
            list: ListState::default(),
            page_rows: 10,
        }
    }
}

impl View for WorkloadView {
    fn kind(&self) -> ViewKind {
        ViewKind::Workload
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
            .map(|z| workload_view::row_keys(z, &self.workload, &self.list.filter))
            .unwrap_or_default()
    }

    /// `enter` on a pod: that pod's events.
    fn open(&mut self, selected: Option<RowKey>, _fleet: &Fleet) -> Option<Box<dyn View>> {
        super::TimelineView::of_pod(self.zone, selected?)
    }

    fn workload(&self) -> Option<&WorkloadKey> {
        Some(&self.workload)
    }

    fn place(&self) -> Vec<Part<'static>> {
        vec![
            Part::fixed(" › ", ratatui::style::Style::default()),
            Part::flexible(
                workload_view::workload_path(&self.workload),
                ratatui::style::Style::default(),
            ),
        ]
    }

    fn page_rows(&self) -> usize {
        self.page_rows.max(1)
    }

    fn hints(&self) -> &'static [(Action, &'static str)] {
        &[
            (Action::Help, "help"),
            (Action::Back, "back"),
            (Action::Undo, "undo"),
            (Action::Open, "pod events"),
            (Action::Filter, "filter"),
            (Action::Quit, "quit"),
        ]
    }
}

impl Layer for WorkloadView {
    fn key_modes(&self, _fleet: &Fleet) -> KeyModes {
        super::DRILL_DOWN_MODES
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        let Some(zone) = cx.fleet.zones.get(self.zone) else {
            return;
        };
        let stale: Vec<String> = cx
            .actions
            .stale()
            .filter(|m| m.zone == zone.config.id && m.target == self.workload)
            .map(|m| rollout_panel::stale_pod_names(cx.fleet, m))
            .unwrap_or_default();
        self.page_rows = workload_view::draw(
            buf,
            area,
            zone,
            &self.workload,
            &mut self.list,
            &stale,
            cx.theme,
            cx.clock,
        );
    }
}
