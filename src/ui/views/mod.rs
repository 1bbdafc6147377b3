//! The view stack: full-body views (the overview at the bottom, then a zone's view, then a
//! workload's), each a [`View`] in a file of its own. The stack is one [`Layer`]: the top view
//! gets the keys first, then the stack does what every list view shares (moving the
//! selection, the filter, `enter`, `esc`, `r`, `y`).

mod checks;
mod compare;
mod overview;
mod reveal;
mod timeline;
mod workload;
mod zone;

pub use checks::{ChecksView, severity_role, subject_target};
pub use compare::CompareView;
pub use overview::OverviewView;
pub use timeline::{TimelineFilter, TimelineView};
pub use workload::WorkloadView;
pub use zone::ZoneView;

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use super::Action;
use super::dialog::DialogAction;
use super::filter::Filter;
use super::keymap::{Keymap, Mode};
use super::layer::{DrawContext, Effect, KeyContext, KeyModes, Layer, Reply, TextEntry};
use super::list::{ListState, Move, RowKey};
use super::widgets::Part;
use crate::actions::runner::Severity;
use crate::fleet::events::EventObject;
use crate::fleet::{Fleet, WorkloadKey};

/// The keymap modes of the views opened from the overview (a zone's, a workload's).
pub(super) const DRILL_DOWN_MODES: KeyModes = KeyModes {
    modes: &[Mode::Zone, Mode::List, Mode::Global],
    exclusive: false,
};

/// Which view is on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewKind {
    /// All zones.
    Overview,
    /// One zone's nodes, system pods and workloads.
    Zone,
    /// One workload's pods.
    Workload,
    /// The fleet's events, newest first (maybe filtered to a zone, namespace or object).
    Timeline,
    /// The runbook checks' findings of every zone.
    Checks,
    /// GE workloads and platform components side by side, zones as columns.
    Compare,
}

/// A full-body view with a selectable list: one entry of the [`ViewStack`].
pub trait View: Layer {
    /// Which view this is.
    fn kind(&self) -> ViewKind;
    /// The index (in `fleet.zones`) of the zone it shows, or the zone in focus.
    fn zone(&self) -> usize;
    /// Its list's selection.
    fn list(&self) -> &ListState;
    /// Its list's selection, to move.
    fn list_mut(&mut self) -> &mut ListState;
    /// Its list's filter.
    fn filter(&self) -> &Filter {
        &self.list().filter
    }
    /// Its list's filter, to edit.
    fn filter_mut(&mut self) -> &mut Filter {
        &mut self.list_mut().filter
    }
    /// The keys of its rows now, in screen order.
    fn rows(&self, fleet: &Fleet) -> Vec<RowKey>;
    /// The view `enter` opens on `selected`, if any.
    fn open(&mut self, selected: Option<RowKey>, fleet: &Fleet) -> Option<Box<dyn View>>;
    /// The one workload this view shows, if it shows one.
    fn workload(&self) -> Option<&WorkloadKey> {
        None
    }
    /// The event timeline's filters, when this view is the timeline.
    fn timeline(&self) -> Option<&TimelineFilter> {
        None
    }
    /// The workload `r` restarts: the one shown, else the selected one.
    fn restart_target(&self, selected: Option<RowKey>) -> Option<WorkloadKey> {
        match (self.workload(), selected) {
            (Some(shown), _) => Some(shown.clone()),
            (None, Some(RowKey::Workload(key))) => Some(key),
            _ => None,
        }
    }
    /// What the top bar says after the zone's name (` › Zone view`).
    fn place(&self) -> Vec<Part<'static>>;
    /// Rows in a page, as last drawn.
    fn page_rows(&self) -> usize;
    /// The bottom bar's hints.
    fn hints(&self) -> &'static [(Action, &'static str)];
}

/// The open views, the overview first; and whether a filter is being typed.
#[derive(Default)]
pub struct ViewStack {
    overview: OverviewView,
    opened: Vec<Box<dyn View>>,
    editing_filter: bool,
}

impl ViewStack {
    /// The view on screen.
    pub fn top(&self) -> &dyn View {
        match self.opened.last() {
            Some(view) => view.as_ref(),
            None => &self.overview,
        }
    }

    fn top_mut(&mut self) -> &mut dyn View {
        match self.opened.last_mut() {
            Some(view) => view.as_mut(),
            None => &mut self.overview,
        }
    }

    /// The overview (always at the bottom of the stack).
    pub fn overview(&self) -> &OverviewView {
        &self.overview
    }

    /// True while a filter is being typed.
    pub fn editing_filter(&self) -> bool {
        self.editing_filter
    }

    /// Stops typing a filter (another layer takes the keys).
    pub fn stop_editing(&mut self) {
        self.editing_filter = false;
    }

    /// True when only the overview is open.
    pub fn at_overview(&self) -> bool {
        self.opened.is_empty()
    }

    /// Keeps indexes valid if the fleet has fewer zones than the views remember.
    pub fn clamp_to(&mut self, fleet: &Fleet) {
        let zones = fleet.zones.len();
        self.overview.clamp_to(zones);
        self.opened.retain(|v| v.zone() < zones);
    }

    /// [`Self::clamp_to`], and the current selection re-found on an object that still exists
    /// (after a key, before the next one acts on it).
    pub fn settle(&mut self, fleet: &Fleet) {
        self.clamp_to(fleet);
        let rows = self.top().rows(fleet);
        self.top_mut().list_mut().settle(&rows);
    }

    /// The selected row of the current list, resolved against the model.
    pub fn selected_row(&self, fleet: &Fleet) -> Option<RowKey> {
        let rows = self.top().rows(fleet);
        self.top()
            .list()
            .resolve(&rows)
            .and_then(|i| rows.get(i).cloned())
    }

    /// Focuses `zone`: in the overview the focus moves; from a deeper view the zone's view
    /// opens instead.
    pub fn focus_zone(&mut self, zone: usize) {
        if self.opened.is_empty() {
            self.overview.focus = zone;
        } else {
            self.opened = vec![Box::new(ZoneView::new(zone, ListState::default()))];
        }
    }

    /// Opens the fleet event timeline over the current view (`esc` leads back to it).
    pub fn open_timeline(&mut self) {
        if self.top().kind() == ViewKind::Timeline
            && self.top().timeline() == Some(&TimelineFilter::default())
        {
            return;
        }
        let focus = self.top().zone();
        self.editing_filter = false;
        self.opened.push(Box::new(TimelineView::fleet(focus)));
    }

    /// Opens the runbook checks view over the current view (`esc` leads back to it); already
    /// on screen, it stays as it is.
    pub fn open_checks(&mut self) {
        if self.top().kind() == ViewKind::Checks {
            return;
        }
        let focus = self.top().zone();
        self.editing_filter = false;
        self.opened.push(Box::new(ChecksView::new(focus)));
    }

    /// Opens the zone comparison over the current view (`esc` leads back to it).
    pub fn open_compare(&mut self) {
        if self.top().kind() == ViewKind::Compare {
            return;
        }
        let focus = self.top().zone();
        self.editing_filter = false;
        self.opened.push(Box::new(CompareView::new(focus)));
    }

    /// Opens the events of `object` in zone `zone` over the current view (`esc` leads back).
    pub fn open_object_events(&mut self, zone: usize, object: EventObject) {
        self.editing_filter = false;
        self.opened
            .push(Box::new(TimelineView::of_object(zone, object)));
    }

    /// Opens `workload`'s view in zone `zone` over that zone's view, from anywhere (`esc` then
    /// leads back through the zone view to the overview).
    pub fn go_to_workload(&mut self, zone: usize, workload: WorkloadKey) {
        self.overview.focus = zone;
        let row = RowKey::Workload(workload.clone());
        self.overview.select_in(zone, row.clone());
        self.opened = vec![
            Box::new(ZoneView::new(zone, ListState::starting_at(Some(row)))),
            Box::new(WorkloadView::new(zone, workload)),
        ];
    }

    fn move_selection(&mut self, fleet: &Fleet, how: Move) -> bool {
        let rows = self.top().rows(fleet);
        self.top_mut().list_mut().apply(&rows, how)
    }

    fn back(&mut self) -> bool {
        if !self.top().filter().is_empty() {
            self.top_mut().filter_mut().clear();
            return true;
        }
        self.opened.pop().is_some()
    }

    fn open(&mut self, fleet: &Fleet) -> bool {
        let selected = self.selected_row(fleet);
        match self.top_mut().open(selected, fleet) {
            Some(view) => {
                self.opened.push(view);
                true
            }
            None => false,
        }
    }

    fn restart(&self, cx: &KeyContext<'_>) -> Reply {
        let Some(zone) = cx.fleet.zones.get(self.top().zone()) else {
            return Reply::NOTHING;
        };
        match self.top().restart_target(self.selected_row(cx.fleet)) {
            Some(target) => Reply::Do(Effect::Ask(DialogAction::Restart {
                zone: std::sync::Arc::clone(&zone.config),
                target,
            })),
            None => Reply::Do(Effect::Tell(
                Severity::Info,
                "restart: select a Deployment, StatefulSet or DaemonSet first".into(),
            )),
        }
    }

    /// `y`: the selected row's object, else the workload the view shows.
    fn copy(&self, fleet: &Fleet) -> Reply {
        let selected = self.selected_row(fleet).map(|row| row.object_path());
        match selected.or_else(|| self.top().workload().map(ToString::to_string)) {
            Some(path) => Reply::Do(Effect::Copy(path)),
            None => Reply::Do(Effect::Tell(
                Severity::Info,
                "copy: nothing is selected".into(),
            )),
        }
    }

    fn filter_action(&mut self, action: Action) -> Option<bool> {
        Some(match action {
            Action::ApplyFilter => std::mem::replace(&mut self.editing_filter, false),
            Action::ClearFilter => {
                self.top_mut().filter_mut().clear();
                self.editing_filter = false;
                true
            }
            Action::DeleteChar => self.top_mut().filter_mut().pop(),
            _ => return None,
        })
    }
}

impl Layer for ViewStack {
    fn key_modes(&self, fleet: &Fleet) -> KeyModes {
        if self.editing_filter {
            return KeyModes::only(&[Mode::Filter]);
        }
        self.top().key_modes(fleet)
    }

    fn text_entry(&self) -> TextEntry {
        if self.editing_filter {
            TextEntry::WhenUnbound
        } else {
            TextEntry::None
        }
    }

    fn type_char(&mut self, c: char) -> bool {
        self.editing_filter && {
            self.top_mut().filter_mut().push(c);
            true
        }
    }

    fn handle(&mut self, action: Action, cx: &KeyContext<'_>) -> Reply {
        if self.editing_filter {
            return match self.filter_action(action) {
                Some(changed) => Reply::Done(changed),
                None => Reply::Pass,
            };
        }
        match self.top_mut().handle(action, cx) {
            Reply::Pass => {}
            reply => return reply,
        }
        let page = self.top().page_rows();
        let changed = match action {
            Action::Back => self.back(),
            Action::Open => self.open(cx.fleet),
            Action::Restart => return self.restart(cx),
            Action::Undo | Action::UndoToRevision => {
                let selected = self.selected_row(cx.fleet);
                let target = self.top().restart_target(selected.clone());
                let chosen = action == Action::UndoToRevision;
                let zone = self.top().zone();
                return super::history_section::undo(cx.fleet, zone, target, selected, chosen);
            }
            Action::Copy => return self.copy(cx.fleet),
            Action::Logs | Action::ObjectYaml => {
                let (zone, selected) = (self.top().zone(), self.selected_row(cx.fleet));
                let shown = self.top().workload();
                return Reply::Do(match action {
                    Action::Logs => super::log_pane::logs_for(cx.fleet, zone, selected, shown),
                    _ => super::yaml_pane::yaml_for(cx.fleet, zone, selected, shown),
                });
            }
            Action::Explain => return self.explain(cx.fleet, false),
            Action::ExplainView => return self.explain(cx.fleet, true),
            Action::SelectUp => self.move_selection(cx.fleet, Move::Up),
            Action::SelectDown => self.move_selection(cx.fleet, Move::Down),
            Action::PageUp => self.move_selection(cx.fleet, Move::PageUp(page)),
            Action::PageDown => self.move_selection(cx.fleet, Move::PageDown(page)),
            Action::HalfPageUp => self.move_selection(cx.fleet, Move::PageUp(page.div_ceil(2))),
            Action::HalfPageDown => self.move_selection(cx.fleet, Move::PageDown(page.div_ceil(2))),
            Action::First => self.move_selection(cx.fleet, Move::First),
            Action::Last => self.move_selection(cx.fleet, Move::Last),
            Action::Filter => {
                self.editing_filter = true;
                true
            }
            Action::ClearFilter => {
                self.top_mut().filter_mut().clear();
                true
            }
            Action::ApplyFilter | Action::DeleteChar => false,
            _ => return Reply::Pass,
        };
        Reply::Done(changed)
    }

    fn click(&mut self, at: Position) -> Reply {
        self.top_mut().click(at)
    }

    fn bottom_bar(&self, _keymap: &Keymap) -> Option<super::layer::BottomBar> {
        use super::layer::BottomBar;
        Some(BottomBar::Hints(if self.editing_filter {
            &[
                (Action::ApplyFilter, "keep"),
                (Action::ClearFilter, "clear"),
            ]
        } else {
            self.top().hints()
        }))
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        self.top_mut().draw(buf, area, cx);
    }
}
