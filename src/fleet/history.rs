//! A Deployment's rollout history, derived from the ReplicaSets it owns: one revision per
//! ReplicaSet that carries a `deployment.kubernetes.io/revision`, newest first, the newest
//! marked as the current one (what `kubectl rollout history` lists, with images and pods).
//!
//! Pure: the console draws it from the model, `ge-console history` from a list of the same
//! projections.

use jiff::Timestamp;
use serde::Serialize;

use super::{ReplicaSetInfo, WorkloadKey, WorkloadKind, ZoneModel};

/// One revision of a Deployment: the ReplicaSet that holds its pod template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// `deployment.kubernetes.io/revision`.
    pub revision: i64,
    /// The ReplicaSet's name.
    pub replica_set: String,
    /// The pod template's images, in spec order.
    pub images: Vec<String>,
    /// When the ReplicaSet was created.
    pub created: Option<Timestamp>,
    /// `kubernetes.io/change-cause`, when someone recorded one.
    pub change_cause: Option<String>,
    /// Its ready pods.
    pub ready: i32,
    /// The pods it is asked to run (`spec.replicas`): 0 for an old revision.
    pub desired: i32,
    /// The newest revision: the Deployment's pod template now.
    pub current: bool,
}

/// Does this ReplicaSet belong to the Deployment `target` (its controller, by kind and name)?
fn owned_by(rs: &ReplicaSetInfo, target: &WorkloadKey) -> bool {
    target.kind == WorkloadKind::Deployment
        && rs.namespace == target.namespace
        && rs
            .owner
            .as_ref()
            .is_some_and(|o| o.kind == "Deployment" && o.name == target.name)
}

/// The history of `target` among `replica_sets`, newest revision first; empty for anything
/// but a Deployment. ReplicaSets without a revision are left out, as kubectl leaves them out.
pub fn history_of<'a>(
    replica_sets: impl IntoIterator<Item = &'a ReplicaSetInfo>,
    target: &WorkloadKey,
) -> Vec<Revision> {
    let mut revisions: Vec<Revision> = replica_sets
        .into_iter()
        .filter(|rs| owned_by(rs, target))
        .filter_map(|rs| {
            Some(Revision {
                revision: rs.revision?,
                replica_set: rs.name.clone(),
                images: rs.images.clone(),
                created: rs.created,
                change_cause: rs.change_cause.clone(),
                ready: rs.ready,
                desired: rs.desired,
                current: false,
            })
        })
        .collect();
    // Newest first; two ReplicaSets claiming one revision (a controller mid-update) keep a
    // stable order by name.
    revisions.sort_by(|a, b| {
        b.revision
            .cmp(&a.revision)
            .then_with(|| a.replica_set.cmp(&b.replica_set))
    });
    if let Some(newest) = revisions.first_mut() {
        newest.current = true;
    }
    revisions
}

/// The history of `target` in the zone's model.
pub fn deployment_history(zone: &ZoneModel, target: &WorkloadKey) -> Vec<Revision> {
    history_of(zone.replicasets.values(), target)
}

/// The revision `kubectl rollout undo` goes back to without `--to-revision`: the newest one
/// before the current.
pub fn previous(history: &[Revision]) -> Option<&Revision> {
    history.iter().find(|r| !r.current)
}

/// The revision numbered `revision`.
pub fn find(history: &[Revision], revision: i64) -> Option<&Revision> {
    history.iter().find(|r| r.revision == revision)
}

/// `kubectl rollout history`'s word for a revision without a change-cause.
pub const NO_CHANGE_CAUSE: &str = "<none>";

impl Revision {
    /// The change-cause, or `<none>` as kubectl prints it.
    pub fn change_cause_text(&self) -> &str {
        self.change_cause.as_deref().unwrap_or(NO_CHANGE_CAUSE)
    }

    /// `ready/desired` pods.
    pub fn pods_text(&self) -> String {
        format!("{}/{}", self.ready, self.desired)
    }
}

/// The history as `ge-console history` prints it: one line naming the Deployment, then a
/// table (REVISION, CURRENT, PODS, CREATED, CHANGE-CAUSE, IMAGES), newest first.
pub fn history_text(title: &str, history: &[Revision]) -> String {
    let header = [
        "REVISION",
        "CURRENT",
        "PODS",
        "CREATED",
        "CHANGE-CAUSE",
        "IMAGES",
    ];
    let rows: Vec<[String; 6]> = history
        .iter()
        .map(|r| {
            [
                r.revision.to_string(),
                if r.current { "*".into() } else { String::new() },
                r.pods_text(),
                r.created
                    .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
                    .unwrap_or_else(|| "?".into()),
                r.change_cause_text().to_string(),
                r.images.join(","),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  "));
            }
        }
        out.trim_end().to_string()
    };
    let mut out = format!("{title}\n");
    out.push_str(&line(&header.map(String::from)));
    out.push('\n');
    for row in &rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::OwnerRef;
    use crate::fleet::tests::dev_zone;

    fn rs(name: &str, owner: &str, revision: Option<i64>, desired: i32) -> ReplicaSetInfo {
        ReplicaSetInfo {
            namespace: "ge-agents".into(),
            name: name.into(),
            owner: Some(OwnerRef {
                kind: "Deployment".into(),
                name: owner.into(),
            }),
            desired,
            current: desired,
            ready: desired,
            available: desired,
            revision,
            template_hash: None,
            images: vec![format!("registry.ge.internal/{name}:1")],
            created: Some(Timestamp::UNIX_EPOCH),
            change_cause: None,
        }
    }

    fn executor() -> WorkloadKey {
        WorkloadKey {
            kind: WorkloadKind::Deployment,
            namespace: "ge-agents".into(),
            name: "ge-executor".into(),
        }
    }

    #[test]
    fn revisions_come_newest_first_with_the_newest_current() {
        let mut second = rs("ge-executor-b", "ge-executor", Some(2), 0);
        second.change_cause = Some("kubectl set image deployment/ge-executor e=v2".into());
        let sets = [
            rs("ge-executor-a", "ge-executor", Some(1), 0),
            rs("ge-executor-c", "ge-executor", Some(10), 2),
            second,
            rs("ge-sandbox-x", "ge-sandbox", Some(7), 1),
            rs("ge-executor-unnumbered", "ge-executor", None, 0),
        ];
        let history = history_of(&sets, &executor());
        let numbers: Vec<i64> = history.iter().map(|r| r.revision).collect();
        assert_eq!(
            numbers,
            [10, 2, 1],
            "numeric order, other owners and unnumbered left out"
        );
        assert!(history[0].current);
        assert!(history[1..].iter().all(|r| !r.current));
        assert_eq!(history[0].pods_text(), "2/2");
        assert_eq!(
            history[1].change_cause_text(),
            "kubectl set image deployment/ge-executor e=v2"
        );
        assert_eq!(history[2].change_cause_text(), NO_CHANGE_CAUSE);
        assert_eq!(history[0].images, ["registry.ge.internal/ge-executor-c:1"]);
        assert_eq!(previous(&history).map(|r| r.revision), Some(2));
        assert_eq!(
            find(&history, 1).map(|r| r.replica_set.as_str()),
            Some("ge-executor-a")
        );
        assert_eq!(find(&history, 3), None);
    }

    #[test]
    fn the_text_table_lines_up_and_says_none_for_a_missing_cause() {
        let mut newest = rs("ge-executor-b", "ge-executor", Some(2), 2);
        newest.change_cause = Some("rebuild 7f3a".into());
        let history = history_of(
            &[rs("ge-executor-a", "ge-executor", Some(1), 0), newest],
            &executor(),
        );
        let text = history_text("ge-agents/deployment/ge-executor in 1 dev", &history);
        assert_eq!(
            text,
            "ge-agents/deployment/ge-executor in 1 dev\n\
             REVISION  CURRENT  PODS  CREATED               CHANGE-CAUSE  IMAGES\n\
             2         *        2/2   1970-01-01T00:00:00Z  rebuild 7f3a  registry.ge.internal/ge-executor-b:1\n\
             1                  0/0   1970-01-01T00:00:00Z  <none>        registry.ge.internal/ge-executor-a:1\n"
        );
    }

    #[test]
    fn a_single_revision_has_no_previous_and_other_kinds_no_history() {
        let sets = [rs("ge-executor-a", "ge-executor", Some(1), 2)];
        let history = history_of(&sets, &executor());
        assert_eq!(history.len(), 1);
        assert_eq!(previous(&history), None);
        let sts = WorkloadKey {
            kind: WorkloadKind::StatefulSet,
            ..executor()
        };
        assert!(history_of(&sets, &sts).is_empty());
        let elsewhere = WorkloadKey {
            namespace: "ge-system".into(),
            ..executor()
        };
        assert!(history_of(&sets, &elsewhere).is_empty());
    }

    #[test]
    fn the_zone_model_is_read_through_its_replicasets() {
        let mut zone = dev_zone();
        for set in [
            rs("ge-executor-a", "ge-executor", Some(1), 0),
            rs("ge-executor-b", "ge-executor", Some(2), 2),
        ] {
            zone.replicasets.insert(crate::fleet::Keyed::key(&set), set);
        }
        let history = deployment_history(&zone, &executor());
        assert_eq!(
            history
                .iter()
                .map(|r| (r.revision, r.current))
                .collect::<Vec<_>>(),
            [(2, true), (1, false)]
        );
    }
}
