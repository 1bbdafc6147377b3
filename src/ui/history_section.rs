//! A Deployment's revisions in its workload view (newest first, the current one marked), and
//! the undo keys: `undo` goes back to the previous revision, `undo_to_revision` to the revision
//! selected in this section. Both ask first, through the confirmation dialog and the guards,
//! like a restart.

use std::sync::Arc;

use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::Clock;
use super::dialog::DialogAction;
use super::filter::Filter;
use super::layer::{Effect, Reply};
use super::list::RowKey;
use super::theme::{Role, Theme};
use super::widgets::{ListLine, table};
use super::zone_view::age;
use crate::actions::runner::Severity;
use crate::fleet::history::{Revision, deployment_history, previous};
use crate::fleet::{Fleet, ObjectKey, WorkloadKey, WorkloadKind, ZoneModel};

/// Does a revision row match the filter (its number, change-cause, images)?
fn matches(filter: &Filter, r: &Revision) -> bool {
    filter.is_empty()
        || filter.matches(&[
            &r.revision.to_string(),
            r.change_cause_text(),
            &r.images.join(" "),
            &r.replica_set,
        ])
}

/// The workload's revisions that pass the filter, newest first (none for anything but a
/// Deployment).
pub fn revisions(zone: &ZoneModel, workload: &WorkloadKey, filter: &Filter) -> Vec<Revision> {
    let mut history = deployment_history(zone, workload);
    history.retain(|r| matches(filter, r));
    history
}

/// The row keys of `revisions` in `namespace`.
pub fn row_keys(namespace: &str, revisions: &[Revision]) -> Vec<RowKey> {
    revisions
        .iter()
        .map(|r| RowKey::Revision(ObjectKey::new(namespace, &r.replica_set)))
        .collect()
}

/// Appends the REVISIONS section to a list whose selectable rows so far number `first_index`.
pub(crate) fn push_lines<'a>(
    lines: &mut Vec<ListLine<'a>>,
    revisions: &'a [Revision],
    first_index: usize,
    width: usize,
    theme: &Theme,
    clock: &Clock,
) {
    if revisions.is_empty() {
        return;
    }
    let muted = theme.style(Role::Muted);
    let text = theme.style(Role::Text);
    lines.push((Line::raw(""), None));
    lines.push((
        Line::styled(
            format!("REVISIONS {}", revisions.len()),
            theme.style(Role::Title),
        ),
        None,
    ));
    let cells = revisions
        .iter()
        .map(|r| {
            vec![
                Span::styled(r.revision.to_string(), text),
                if r.current {
                    Span::styled("current", theme.style(Role::Ok))
                } else {
                    Span::raw("")
                },
                Span::styled(r.pods_text(), text),
                Span::styled(age(r.created, clock), text),
                Span::styled(r.change_cause_text(), text),
                Span::styled(r.images.join(", "), muted),
            ]
        })
        .collect();
    let (head, body) = table(
        &["REVISION", "", "PODS", "AGE", "CHANGE-CAUSE", "IMAGES"],
        &[8, 7, 4, 3, 12, 10],
        cells,
        width,
        muted.add_modifier(Modifier::BOLD),
    );
    lines.push((head, None));
    lines.extend(
        body.into_iter()
            .enumerate()
            .map(|(i, l)| (l, Some(first_index + i))),
    );
}

/// The undo keys: `target` is the Deployment shown or selected, `selected` the selected row;
/// `chosen` asks for the selected revision rather than the previous one. Asks through the
/// dialog, or says why there is nothing to undo.
pub(crate) fn undo(
    fleet: &Fleet,
    zone: usize,
    target: Option<WorkloadKey>,
    selected: Option<RowKey>,
    chosen: bool,
) -> Reply {
    let tell = |text: String| Reply::Do(Effect::Tell(Severity::Info, text));
    let Some(zone) = fleet.zones.get(zone) else {
        return Reply::NOTHING;
    };
    let Some(target) = target.filter(|t| t.kind == WorkloadKind::Deployment) else {
        return tell(
            "undo: select or open a Deployment first (only Deployments keep a revision history)"
                .into(),
        );
    };
    let history = deployment_history(zone, &target);
    let revision = if chosen {
        let Some(RowKey::Revision(replica_set)) = selected else {
            return tell(format!(
                "undo to a revision: select one of {}'s revisions first",
                target.name
            ));
        };
        match history.iter().find(|r| r.replica_set == replica_set.name) {
            None => return tell(format!("undo: {} is gone", replica_set.name)),
            Some(r) if r.current => {
                return tell(format!(
                    "undo: revision {} is {}'s current template; select an older revision",
                    r.revision, target.name
                ));
            }
            Some(r) => r,
        }
    } else {
        match previous(&history) {
            Some(r) => r,
            None => return tell(format!("undo: {target} has no previous revision")),
        }
    };
    Reply::Do(Effect::Ask(DialogAction::Undo {
        zone: Arc::clone(&zone.config),
        target,
        revision: revision.clone(),
    }))
}

/// What the undo dialog says will happen, each line with whether it is secondary (muted).
pub fn undo_effect(revision: &Revision) -> Vec<(String, bool)> {
    let created = revision
        .created
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "unknown".into());
    vec![
        (
            format!(
                "rollout undo: the pod template of revision {} (ReplicaSet {}) becomes the \
                 Deployment's again",
                revision.revision, revision.replica_set
            ),
            false,
        ),
        (format!("images: {}", revision.images.join(", ")), true),
        (
            format!("change-cause: {}", revision.change_cause_text()),
            true,
        ),
        (
            format!("created {created}; {} pods ready now", revision.pods_text()),
            true,
        ),
        (
            "The Deployment replaces its pods by its own update strategy; the revision comes \
             back as the newest."
                .into(),
            true,
        ),
    ]
}
