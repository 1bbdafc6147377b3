//! The bottom layer: keys that work from anywhere no layer above took them (quit, help, the
//! command line, the build and redeploy keys, the panes, going to the redeploy target).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::sync::Arc;

use super::dialog::DialogAction;
use super::layer::{DrawContext, Effect, KeyContext, Layer, Reply};
use super::{Action, Pane};
use crate::actions::runner::{ActionRequest, Severity};

/// The keys of the whole console.
#[derive(Debug, Default)]
pub struct GlobalKeys;

impl GlobalKeys {
    /// `D`: build, then restart the redeploy target; one dialog for both.
    fn redeploy(cx: &KeyContext<'_>) -> Effect {
        let Some((zone_id, target)) = cx.settings.redeploy_target.clone() else {
            return Effect::Tell(
                Severity::Error,
                "redeploy: no redeploy target is configured ([redeploy] in the config file)".into(),
            );
        };
        let Some(zone) = cx.fleet.zone(zone_id) else {
            return Effect::Tell(
                Severity::Error,
                format!("redeploy: zone {zone_id} is not in the fleet"),
            );
        };
        Effect::Ask(DialogAction::Redeploy {
            zone: Arc::clone(&zone.config),
            target,
            build: cx.settings.build.clone(),
        })
    }

    /// `e`: the redeploy target's workload view in its zone.
    fn go_to_redeploy_target(cx: &KeyContext<'_>) -> Effect {
        let Some((zone_id, target)) = cx.settings.redeploy_target.clone() else {
            return Effect::Tell(Severity::Error, "no redeploy target is configured".into());
        };
        match cx.fleet.zones.iter().position(|z| z.config.id == zone_id) {
            Some(zone) => Effect::GoToWorkload(zone, target),
            None => Effect::Tell(
                Severity::Error,
                format!("zone {zone_id} of the redeploy target is not in the fleet"),
            ),
        }
    }
}

impl Layer for GlobalKeys {
    fn handle(&mut self, action: Action, cx: &KeyContext<'_>) -> Reply {
        Reply::Do(match action {
            Action::Quit => Effect::Quit,
            Action::Help => Effect::OpenHelp,
            Action::CommandLine => Effect::OpenCommandLine,
            Action::Redeploy => Self::redeploy(cx),
            Action::Rebuild => Effect::Ask(DialogAction::Rebuild {
                build: cx.settings.build.clone(),
            }),
            // Cancels at once, without a question: stopping a local build is always safe (it
            // restarts nothing and can be run again), and a runaway build should stop now.
            Action::CancelBuild if cx.actions.build_running() => {
                Effect::Request(ActionRequest::CancelBuild)
            }
            Action::CancelBuild => Effect::Tell(Severity::Info, "no build is running".into()),
            Action::GoToRedeployTarget => Self::go_to_redeploy_target(cx),
            Action::ToggleBuildLog => Effect::TogglePane(Pane::BuildLog),
            Action::ToggleActions => Effect::TogglePane(Pane::Actions),
            Action::OpenEvents => Effect::OpenTimeline,
            Action::OpenChecks => Effect::OpenChecks,
            Action::OpenCompare => Effect::OpenCompare,
            _ => return Reply::NOTHING,
        })
    }

    /// Draws nothing: it only takes keys.
    fn draw(&mut self, _buf: &mut Buffer, _area: Rect, _cx: &DrawContext<'_>) {}
}
