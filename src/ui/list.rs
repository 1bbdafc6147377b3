//! Selectable lists: row keys, and a selection that follows its object across model changes.

use crate::config::ZoneId;
use crate::fleet::checks::CheckId;
use crate::fleet::{ObjectKey, WorkloadKey};

use super::filter::Filter;

/// What a selectable row stands for, so the selection survives re-sorting and updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKey {
    /// A namespace heading in the overview.
    Namespace(String),
    /// A workload.
    Workload(WorkloadKey),
    /// A node.
    Node(String),
    /// A pod.
    Pod(ObjectKey),
    /// A Deployment's revision: the ReplicaSet that holds it (revision numbers change when
    /// an undo promotes an old one).
    Revision(ObjectKey),
    /// An event (its zone, and the Event object's key) in the event timeline.
    Event(ZoneId, ObjectKey),
    /// A runbook check's finding in the Checks view: its zone, check and subject, and which
    /// of that check's findings about the subject it is (a check may say two things of one).
    Finding(ZoneId, CheckId, String, usize),
}

impl RowKey {
    /// The object as `NAMESPACE/KIND/NAME` (`ge-agents/deployment/ge-executor`,
    /// `kube-system/pod/coredns-1`), or `KIND/NAME` for a cluster-scoped one (`node/ge-dev-1`,
    /// `namespace/ge-agents`): what `copy` puts on the clipboard.
    pub fn object_path(&self) -> String {
        match self {
            RowKey::Namespace(name) => format!("namespace/{name}"),
            RowKey::Workload(key) => key.to_string(),
            RowKey::Node(name) => format!("node/{name}"),
            RowKey::Pod(key) => format!("{}/pod/{}", key.namespace, key.name),
            RowKey::Revision(key) => format!("{}/replicaset/{}", key.namespace, key.name),
            RowKey::Event(_, key) => format!("{}/event/{}", key.namespace, key.name),
            RowKey::Finding(_, _, subject, _) => subject.clone(),
        }
    }
}

/// How to move a selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// One row up.
    Up,
    /// One row down.
    Down,
    /// This many rows up.
    PageUp(usize),
    /// This many rows down.
    PageDown(usize),
    /// To the first row.
    First,
    /// To the last row.
    Last,
}

/// A list's selection (by key, with the last index as a fallback), scroll offset and filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListState {
    /// The selected row's key; `None` selects the first row.
    pub selected: Option<RowKey>,
    /// Where the selection was last seen, used when its object disappears.
    pub index: usize,
    /// First row on screen.
    pub offset: usize,
    /// The list's filter.
    pub filter: Filter,
}

impl ListState {
    /// A list that starts on `selected`.
    pub fn starting_at(selected: Option<RowKey>) -> ListState {
        ListState {
            selected,
            ..ListState::default()
        }
    }

    /// The index of the selected row among `rows`: the selected object's, else the row now at
    /// the remembered index; `None` for an empty list.
    pub fn resolve<'k>(&self, rows: impl IntoIterator<Item = &'k RowKey>) -> Option<usize> {
        let mut len = 0;
        for (i, key) in rows.into_iter().enumerate() {
            if Some(key) == self.selected.as_ref() {
                return Some(i);
            }
            len = i + 1;
        }
        (len > 0).then(|| self.index.min(len - 1))
    }

    /// Resolves the selection and remembers the object now selected (which changes only when
    /// the old one disappeared).
    pub fn settle(&mut self, rows: &[RowKey]) -> Option<usize> {
        let index = self.resolve(rows);
        if let Some(i) = index {
            if self.selected.as_ref() != Some(&rows[i]) {
                self.selected = Some(rows[i].clone());
            }
            self.index = i;
        }
        index
    }

    /// Moves the selection; true when it changed.
    pub fn apply(&mut self, rows: &[RowKey], how: Move) -> bool {
        let Some(current) = self.resolve(rows) else {
            return false;
        };
        let last = rows.len() - 1;
        let next = match how {
            Move::Up => current.saturating_sub(1),
            Move::Down => (current + 1).min(last),
            Move::PageUp(n) => current.saturating_sub(n.max(1)),
            Move::PageDown(n) => (current + n.max(1)).min(last),
            Move::First => 0,
            Move::Last => last,
        };
        let changed = next != current || self.selected.as_ref() != Some(&rows[next]);
        self.selected = Some(rows[next].clone());
        self.index = next;
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str) -> RowKey {
        RowKey::Node(name.into())
    }

    #[test]
    fn selection_follows_its_object_and_falls_back_to_its_place() {
        let mut list = ListState::default();
        let rows = vec![node("a"), node("b"), node("c")];
        assert_eq!(list.resolve(&rows), Some(0));
        assert!(list.apply(&rows, Move::Down));
        assert_eq!(list.selected, Some(node("b")));
        // A row is inserted above: the selection stays on b.
        let rows = vec![node("0"), node("a"), node("b"), node("c")];
        assert_eq!(list.settle(&rows), Some(2));
        // b disappears: the row now in its place is selected, and followed from then on.
        let rows = vec![node("0"), node("a"), node("c")];
        assert_eq!(list.settle(&rows), Some(2));
        assert_eq!(list.selected, Some(node("c")));
        assert!(!list.apply(&rows, Move::Down), "already on the last row");
        assert!(list.apply(&rows, Move::First));
        assert!(list.apply(&rows, Move::PageDown(10)));
        assert_eq!(list.index, 2);
        assert!(list.apply(&rows, Move::PageUp(1)));
        assert_eq!(list.selected, Some(node("a")));
        assert_eq!(list.resolve(&[]), None);
        assert!(!list.apply(&[], Move::Down));
    }
}
