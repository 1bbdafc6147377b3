//! The views' side of explaining: what `x` and `X` explain (the selected row, the zone, the
//! shown workload), and leading from a finding back to its object's view and row.

use super::{ViewStack, WorkloadView, ZoneView};
use crate::config::SYSTEM_NAMESPACE;
use crate::fleet::Fleet;
use crate::fleet::explain::{FindingTarget, owning_workload, regarding};
use crate::ui::layer::{Effect, Reply};
use crate::ui::list::{ListState, RowKey};

impl ViewStack {
    /// `x` (`whole_view` false): the selected node, pod or workload, else what the view shows;
    /// `X` (`whole_view` true): the workload a workload view shows, else the zone.
    pub(super) fn explain(&self, fleet: &Fleet, whole_view: bool) -> Reply {
        let mut zone = self.top().zone();
        let shown = self.top().workload().cloned().map(FindingTarget::workload);
        let selected = if whole_view {
            None
        } else {
            match self.selected_row(fleet) {
                Some(RowKey::Workload(key)) => Some(FindingTarget::workload(key)),
                Some(RowKey::Pod(key)) => Some(FindingTarget::pod(key)),
                Some(RowKey::Node(name)) => Some(FindingTarget::Node { name }),
                Some(RowKey::Event(event_zone, key)) => {
                    let Some(index) = fleet.zones.iter().position(|z| z.config.id == event_zone)
                    else {
                        return Reply::NOTHING;
                    };
                    zone = index;
                    let model = &fleet.zones[index];
                    model
                        .events
                        .get(&key)
                        .and_then(|event| regarding(model, &event.object))
                }
                // A revision explains as its Deployment, which the view shows.
                Some(RowKey::Revision(_) | RowKey::Namespace(_) | RowKey::Finding(..)) | None => {
                    None
                }
            }
        };
        if fleet.zones.get(zone).is_none() {
            return Reply::NOTHING;
        }
        let subject = selected.or(shown).unwrap_or(FindingTarget::Zone);
        Reply::Do(Effect::Explain(zone, subject))
    }

    /// Shows `target` of zone `zone` where it is listed, selected: a node or a system pod in
    /// the zone's view, another pod in its workload's view, a workload in its own view; the
    /// zone (or a pin, which has no row) as the zone's view.
    pub fn reveal(&mut self, zone: usize, target: &FindingTarget, fleet: &Fleet) {
        let Some(model) = fleet.zones.get(zone) else {
            return;
        };
        let in_zone_view = |row: Option<RowKey>| -> Vec<Box<dyn super::View>> {
            vec![Box::new(ZoneView::new(zone, ListState::starting_at(row)))]
        };
        self.overview.focus = zone;
        self.editing_filter = false;
        self.opened = match target {
            FindingTarget::Zone | FindingTarget::Pin { .. } => in_zone_view(None),
            FindingTarget::Node { name } => in_zone_view(Some(RowKey::Node(name.clone()))),
            FindingTarget::Workload { workload } => {
                self.go_to_workload(zone, workload.clone());
                return;
            }
            FindingTarget::Pod { pod, .. } => {
                let row = RowKey::Pod(pod.clone());
                let workload = model
                    .pods
                    .get(pod)
                    .filter(|p| p.namespace != SYSTEM_NAMESPACE)
                    .and_then(|p| owning_workload(model, p));
                match workload {
                    Some(workload) => {
                        self.go_to_workload(zone, workload.clone());
                        let mut view = WorkloadView::new(zone, workload);
                        super::View::list_mut(&mut view).selected = Some(row);
                        self.opened.pop();
                        self.opened.push(Box::new(view));
                        return;
                    }
                    None => in_zone_view(Some(row)),
                }
            }
        };
    }
}
