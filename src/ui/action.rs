//! What a key can do: the [`Action`] enum, named in snake_case in keymap files.

use std::fmt;

/// Something the user asked for, independent of which key asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Leave ge-console.
    Quit,
    /// Show or hide the help overlay.
    Help,
    /// Close the open pane (or the ended rollouts), else clear an active filter, else close
    /// the current view or overlay.
    Back,
    /// Open the selected item (zone view from the overview, workload view from the zone view).
    Open,
    /// Focus the next zone (wraps around).
    FocusNextZone,
    /// Focus the previous zone (wraps around).
    FocusPrevZone,
    /// Move the selection one row up.
    SelectUp,
    /// Move the selection one row down.
    SelectDown,
    /// Move the selection one page up.
    PageUp,
    /// Move the selection one page down.
    PageDown,
    /// Select the first row.
    First,
    /// Select the last row.
    Last,
    /// Start typing a filter for the current list.
    Filter,
    /// Keep the typed filter and return to the list.
    ApplyFilter,
    /// Clear the filter and return to the list.
    ClearFilter,
    /// Delete the last character of the filter (or of the name typed in a dialog).
    DeleteChar,
    /// Move the selection half a page up (vim's ctrl-u).
    HalfPageUp,
    /// Move the selection half a page down (vim's ctrl-d).
    HalfPageDown,
    /// Open the `:` command line (quit, help, jump to a zone by name or id).
    CommandLine,
    /// Rollout-restart the selected Deployment, StatefulSet or DaemonSet (asks first).
    Restart,
    /// Rebuild the image, then restart the redeploy target (asks once).
    Redeploy,
    /// Run the build command only (asks first).
    Rebuild,
    /// Stop the running build and its whole process group.
    CancelBuild,
    /// Open the workload view of the redeploy target (ge-executor) in its zone.
    GoToRedeployTarget,
    /// Show or hide the build log pane.
    ToggleBuildLog,
    /// Show or hide the pane of recent actions (the audit log).
    ToggleActions,
    /// Accept the open dialog.
    Confirm,
    /// Close the open dialog without doing anything.
    Cancel,
    /// Copy the selected object's `NAMESPACE/KIND/NAME` to the clipboard (OSC 52).
    Copy,
    /// Roll the shown (or selected) Deployment back to its previous revision (asks first).
    Undo,
    /// Roll the shown Deployment back to the revision selected in its history (asks first).
    UndoToRevision,
    /// Open the log pane of the selected pod or workload (or of the workload shown).
    Logs,
    /// Show the selected object (workload, pod, node) as YAML, fetched from its zone.
    ObjectYaml,
    /// Follow the logs of the newest rollout's workload (its new pods join as they start).
    RolloutLogs,
    /// Start typing a search in a text pane (log, YAML).
    Search,
    /// Go to the next match of the search.
    SearchNext,
    /// Go to the previous match of the search.
    SearchPrev,
    /// Wrap long lines, or cut them at the pane's edge.
    ToggleWrap,
    /// Freeze the view while lines keep arriving, or go on.
    TogglePause,
    /// Follow the log stream live, or fetch what is there and stop.
    ToggleFollow,
    /// Show the previous (terminated) instance of the container, or the current one.
    TogglePrevious,
    /// Choose the container whose log is shown.
    ChooseContainer,
    /// Change how many lines the log starts with (tail).
    CycleTail,
    /// Change how far back the log starts (since).
    CycleSince,
    /// Save the log pane's lines to a file in the state dir.
    SaveLog,
    /// Open the fleet's event timeline (every zone's events, newest first).
    OpenEvents,
    /// In the event timeline: show only Warnings, or every event again.
    ToggleWarnings,
    /// In the event timeline: show the next zone's events only (after the last: all zones).
    CycleZoneFilter,
    /// In the event timeline: show the next namespace's events only (after the last: all).
    CycleNamespaceFilter,
    /// Explain why the selected item is red (in the explain pane: the selected finding's object).
    Explain,
    /// Explain why what the view shows is red: the zone, or the workload of a workload view.
    ExplainView,
    /// Open the runbook checks view (every zone's findings).
    OpenChecks,
    /// Open the zone comparison view (GE workloads and platform side by side).
    OpenCompare,
}

impl Action {
    /// Every action, in the order the help overlay lists them.
    pub const ALL: [Action; 53] = [
        Action::Help,
        Action::Quit,
        Action::Open,
        Action::Back,
        Action::FocusNextZone,
        Action::FocusPrevZone,
        Action::SelectUp,
        Action::SelectDown,
        Action::PageUp,
        Action::PageDown,
        Action::HalfPageUp,
        Action::HalfPageDown,
        Action::First,
        Action::Last,
        Action::Filter,
        Action::ApplyFilter,
        Action::ClearFilter,
        Action::DeleteChar,
        Action::CommandLine,
        Action::Restart,
        Action::Undo,
        Action::UndoToRevision,
        Action::Copy,
        Action::GoToRedeployTarget,
        Action::Redeploy,
        Action::Rebuild,
        Action::CancelBuild,
        Action::ToggleBuildLog,
        Action::ToggleActions,
        Action::Confirm,
        Action::Cancel,
        Action::Logs,
        Action::ObjectYaml,
        Action::RolloutLogs,
        Action::Search,
        Action::SearchNext,
        Action::SearchPrev,
        Action::ToggleWrap,
        Action::TogglePause,
        Action::ToggleFollow,
        Action::TogglePrevious,
        Action::ChooseContainer,
        Action::CycleTail,
        Action::CycleSince,
        Action::SaveLog,
        Action::OpenEvents,
        Action::ToggleWarnings,
        Action::CycleZoneFilter,
        Action::CycleNamespaceFilter,
        Action::Explain,
        Action::ExplainView,
        Action::OpenChecks,
        Action::OpenCompare,
    ];

    /// The snake_case name used in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Back => "back",
            Action::Open => "open",
            Action::FocusNextZone => "focus_next_zone",
            Action::FocusPrevZone => "focus_prev_zone",
            Action::SelectUp => "select_up",
            Action::SelectDown => "select_down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::First => "first",
            Action::Last => "last",
            Action::Filter => "filter",
            Action::ApplyFilter => "apply_filter",
            Action::ClearFilter => "clear_filter",
            Action::DeleteChar => "delete_char",
            Action::HalfPageUp => "half_page_up",
            Action::HalfPageDown => "half_page_down",
            Action::CommandLine => "command_line",
            Action::Restart => "restart",
            Action::Redeploy => "redeploy",
            Action::Rebuild => "rebuild",
            Action::CancelBuild => "cancel_build",
            Action::GoToRedeployTarget => "go_to_redeploy_target",
            Action::ToggleBuildLog => "toggle_build_log",
            Action::ToggleActions => "toggle_actions",
            Action::Confirm => "confirm",
            Action::Cancel => "cancel",
            Action::Copy => "copy",
            Action::Undo => "undo",
            Action::UndoToRevision => "undo_to_revision",
            Action::Logs => "logs",
            Action::ObjectYaml => "object_yaml",
            Action::RolloutLogs => "rollout_logs",
            Action::Search => "search",
            Action::SearchNext => "search_next",
            Action::SearchPrev => "search_prev",
            Action::ToggleWrap => "toggle_wrap",
            Action::TogglePause => "toggle_pause",
            Action::ToggleFollow => "toggle_follow",
            Action::TogglePrevious => "toggle_previous",
            Action::ChooseContainer => "choose_container",
            Action::CycleTail => "cycle_tail",
            Action::CycleSince => "cycle_since",
            Action::SaveLog => "save_log",
            Action::OpenEvents => "open_events",
            Action::ToggleWarnings => "toggle_warnings",
            Action::CycleZoneFilter => "cycle_zone_filter",
            Action::CycleNamespaceFilter => "cycle_namespace_filter",
            Action::Explain => "explain",
            Action::ExplainView => "explain_view",
            Action::OpenChecks => "open_checks",
            Action::OpenCompare => "open_compare",
        }
    }

    /// The action with this snake_case name.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// A short description, used when a keymap entry gives none.
    pub fn default_description(self) -> &'static str {
        match self {
            Action::Quit => "Quit ge-console",
            Action::Help => "Show or hide this help",
            Action::Back => "Close a pane, else clear the filter, else go back",
            Action::Open => "Open the selected item",
            Action::FocusNextZone => "Focus the next zone",
            Action::FocusPrevZone => "Focus the previous zone",
            Action::SelectUp => "Move the selection up",
            Action::SelectDown => "Move the selection down",
            Action::PageUp => "Move one page up",
            Action::PageDown => "Move one page down",
            Action::First => "Select the first row",
            Action::Last => "Select the last row",
            Action::Filter => "Filter the current list",
            Action::ApplyFilter => "Keep the filter",
            Action::ClearFilter => "Clear the filter",
            Action::DeleteChar => "Delete the last character",
            Action::HalfPageUp => "Move half a page up",
            Action::HalfPageDown => "Move half a page down",
            Action::CommandLine => "Command line: q, help, or a zone's name or id",
            Action::Restart => "Restart the selected workload (rollout restart)",
            Action::Redeploy => "Rebuild, then restart the redeploy target",
            Action::Rebuild => "Run the build command",
            Action::CancelBuild => "Cancel the running build",
            Action::GoToRedeployTarget => "Go to the redeploy target (ge-executor)",
            Action::ToggleBuildLog => "Show or hide the build log",
            Action::ToggleActions => "Show or hide recent actions",
            Action::Confirm => "Confirm",
            Action::Cancel => "Cancel",
            Action::Copy => "Copy the selected object's NAMESPACE/KIND/NAME",
            Action::Undo => "Undo a Deployment's rollout: back to its previous revision",
            Action::UndoToRevision => "Undo a Deployment's rollout to the selected revision",
            Action::Logs => "Logs of the selected pod or workload",
            Action::ObjectYaml => "The selected object as YAML",
            Action::RolloutLogs => "Logs of the newest rollout's pods",
            Action::Search => "Search",
            Action::SearchNext => "Next match",
            Action::SearchPrev => "Previous match",
            Action::ToggleWrap => "Wrap long lines or cut them",
            Action::TogglePause => "Pause or resume",
            Action::ToggleFollow => "Follow the stream or stop",
            Action::TogglePrevious => "Previous container instance or current",
            Action::ChooseContainer => "Choose the container",
            Action::CycleTail => "Start with fewer or more lines",
            Action::CycleSince => "Start from further back",
            Action::SaveLog => "Save the lines to a file",
            Action::OpenEvents => "Open the fleet event timeline",
            Action::ToggleWarnings => "Show only Warning events, or all",
            Action::CycleZoneFilter => "Show the next zone's events, or all zones",
            Action::CycleNamespaceFilter => "Show the next namespace's events, or all",
            Action::Explain => "Explain why the selected item is red",
            Action::ExplainView => "Explain why the zone (or the shown workload) is red",
            Action::OpenChecks => "Open the runbook checks of every zone",
            Action::OpenCompare => "Compare the zones side by side",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
        }
        let mut names: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
        assert_eq!(Action::from_name("Quit"), None);
    }
}
