//! The confirmation dialog shown before an action runs: what will happen and where, and for a
//! protected zone a field where the zone's name must be typed before confirming counts.

use std::path::PathBuf;
use std::sync::Arc;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

use super::layer::{
    BarStyle, BottomBar, DrawContext, Effect, KeyContext, KeyModes, Layer, Reply, TextEntry,
};
use super::status::zone_label;
use super::theme::{Role, Theme};
use super::widgets::{centered, draw_lines, wrap};
use super::{Action, Keymap, Mode};
use crate::actions::runner::ActionRequest;
use crate::config::{FleetConfig, ZoneConfig, ZoneId};
use crate::fleet::Fleet;
use crate::fleet::WorkloadKey;
use crate::fleet::history::Revision;

/// What `rollout restart` does, in the dialog's words.
pub const RESTART_EFFECT: &str =
    "rollout restart: sets kubectl.kubernetes.io/restartedAt on the pod template";

/// The configured build command, as the dialogs and the log pane name it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildCommand {
    /// The argv, never a shell string.
    pub argv: Vec<String>,
    /// Where it runs; `None` is the directory the console was started in.
    pub workdir: Option<PathBuf>,
}

impl BuildCommand {
    /// The argv joined for reading.
    pub fn command_line(&self) -> String {
        self.argv.join(" ")
    }

    /// The working directory for reading.
    pub fn workdir_text(&self) -> String {
        match &self.workdir {
            Some(dir) => dir.display().to_string(),
            None => "the directory ge-console was started in".to_string(),
        }
    }
}

/// What the action keys act on, taken from the config once at start-up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionSettings {
    /// The zone and workload the redeploy key restarts after a successful build.
    pub redeploy_target: Option<(ZoneId, WorkloadKey)>,
    /// The build the rebuild and redeploy keys run.
    pub build: BuildCommand,
}

impl ActionSettings {
    /// The settings the fleet config describes (the same target the action runner uses).
    pub fn from_config(config: &FleetConfig) -> ActionSettings {
        let redeploy_target = crate::actions::redeploy_target(config);
        ActionSettings {
            redeploy_target,
            build: BuildCommand {
                argv: config.rebuild.argv.clone(),
                workdir: config.rebuild.workdir.clone(),
            },
        }
    }
}

/// The action a dialog asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialogAction {
    /// Rollout-restart one workload.
    Restart {
        /// The workload's zone.
        zone: Arc<ZoneConfig>,
        /// The workload.
        target: WorkloadKey,
    },
    /// Build, then on success restart the redeploy target.
    Redeploy {
        /// The target's zone.
        zone: Arc<ZoneConfig>,
        /// The redeploy target.
        target: WorkloadKey,
        /// The build that runs first.
        build: BuildCommand,
    },
    /// Run the build only.
    Rebuild {
        /// The build.
        build: BuildCommand,
    },
    /// Roll a Deployment back to an earlier revision (`kubectl rollout undo`).
    Undo {
        /// The Deployment's zone.
        zone: Arc<ZoneConfig>,
        /// The Deployment.
        target: WorkloadKey,
        /// The revision whose template comes back, as the model shows it.
        revision: Revision,
    },
}

/// An open confirmation dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    action: DialogAction,
    /// The zone name typed so far; `Some` only for a protected zone.
    typed: Option<String>,
    /// Why the last confirm was not accepted.
    hint: Option<String>,
}

impl Dialog {
    /// A dialog for `action`; with `zone_name_required` (the guards' word for a protected
    /// zone) it gets a field where the zone's name must be typed.
    pub fn new(action: DialogAction, zone_name_required: bool) -> Dialog {
        Dialog {
            action,
            typed: zone_name_required.then(String::new),
            hint: None,
        }
    }

    /// The action asked about.
    pub fn action(&self) -> &DialogAction {
        &self.action
    }

    /// The zone the action changes, if any.
    pub fn zone(&self) -> Option<&ZoneConfig> {
        match &self.action {
            DialogAction::Restart { zone, .. }
            | DialogAction::Redeploy { zone, .. }
            | DialogAction::Undo { zone, .. } => Some(zone),
            DialogAction::Rebuild { .. } => None,
        }
    }

    /// True when the zone's name must be typed (printable keys go into the field).
    pub fn wants_typed_name(&self) -> bool {
        self.typed.is_some()
    }

    /// What has been typed into the name field.
    pub fn typed(&self) -> Option<&str> {
        self.typed.as_deref()
    }

    /// Types one character into the name field; false when there is no field.
    pub fn type_char(&mut self, c: char) -> bool {
        let Some(typed) = &mut self.typed else {
            return false;
        };
        typed.push(c);
        self.hint = None;
        true
    }

    /// Deletes the last typed character; false when nothing changed.
    pub fn delete_char(&mut self) -> bool {
        let deleted = self.typed.as_mut().is_some_and(|t| t.pop().is_some());
        if deleted {
            self.hint = None;
        }
        deleted
    }

    /// The request this dialog asks the runner for, with what was typed.
    pub fn request(&self) -> ActionRequest {
        let confirmation = self.typed.as_ref().map(|t| t.trim().to_string());
        match &self.action {
            DialogAction::Restart { zone, target } => ActionRequest::Restart {
                zone: zone.id,
                target: target.clone(),
                confirmation,
            },
            DialogAction::Redeploy { .. } => ActionRequest::Redeploy { confirmation },
            DialogAction::Rebuild { .. } => ActionRequest::Rebuild,
            DialogAction::Undo {
                zone,
                target,
                revision,
            } => ActionRequest::Undo {
                zone: zone.id,
                target: target.clone(),
                to_revision: Some(revision.revision),
                confirmation,
            },
        }
    }

    /// The runner's guards did not take what was typed as the zone's name: say what to type.
    pub fn unconfirmed(&mut self, zone_name: &str) {
        let typed = self.typed.as_deref().unwrap_or("").trim();
        self.hint = Some(if typed.is_empty() {
            format!("type {zone_name} first, then confirm")
        } else {
            format!("{typed:?} is not the zone's name: type {zone_name}")
        });
    }

    /// The footer naming its confirm and cancel keys (only non-printable confirm keys when
    /// printable keys type the zone's name).
    pub fn keys_text(&self, keymap: &Keymap) -> String {
        let keys = |action: Action| -> Vec<String> {
            keymap
                .bindings(Mode::Dialog)
                .iter()
                .filter(|b| b.action == action)
                .flat_map(|b| b.keys.iter())
                .filter(|k| {
                    !self.wants_typed_name()
                        || k.0.first().and_then(|c| super::printable(*c)).is_none()
                })
                .map(ToString::to_string)
                .collect()
        };
        let confirm = keys(Action::Confirm);
        let cancel = keys(Action::Cancel);
        let confirm_what = if self.wants_typed_name() {
            "confirm the typed name"
        } else {
            "confirm"
        };
        format!(
            "{} {confirm_what}   {} cancel",
            confirm.join("/"),
            cancel.join("/")
        )
    }

    fn title(&self) -> String {
        match &self.action {
            DialogAction::Restart { target, .. } => format!(" Restart {}? ", target.name),
            DialogAction::Redeploy { target, .. } => format!(" Redeploy {}? ", target.name),
            DialogAction::Rebuild { .. } => " Rebuild? ".to_string(),
            DialogAction::Undo {
                target, revision, ..
            } => format!(" Undo {} to revision {}? ", target.name, revision.revision),
        }
    }

    /// The dialog's text, wrapped to `width`; `keys` is the footer naming the keys.
    fn lines(&self, width: usize, keys: &str, theme: &Theme) -> Vec<Line<'static>> {
        let muted = theme.style(Role::Muted);
        let text = theme.style(Role::Text);
        let strong = text.add_modifier(Modifier::BOLD);
        let mut lines: Vec<Line<'static>> = Vec::new();
        let wrapped = |lines: &mut Vec<Line<'static>>, s: &str, style, indent: &str| {
            for l in wrap(s, width.saturating_sub(indent.len()), 4) {
                lines.push(Line::styled(format!("{indent}{l}"), style));
            }
        };
        let target_facts = |lines: &mut Vec<Line<'static>>, zone: &ZoneConfig, t: &WorkloadKey| {
            let field = |name: &str, value: String, style| {
                Line::from(vec![
                    Span::styled(format!("{name:<11}"), muted),
                    Span::styled(value, style),
                ])
            };
            let zone_role = theme.style(Role::header_for(&zone.environment));
            lines.push(field(
                "Zone",
                format!("{} ({})", zone_label(zone), zone.environment),
                zone_role,
            ));
            lines.push(field("Namespace", t.namespace.clone(), strong));
            lines.push(field("Kind", t.kind.as_str().to_string(), strong));
            lines.push(field("Name", t.name.clone(), strong));
        };
        match &self.action {
            DialogAction::Restart { zone, target } => {
                target_facts(&mut lines, zone, target);
                lines.push(Line::raw(""));
                wrapped(&mut lines, RESTART_EFFECT, text, "");
                wrapped(
                    &mut lines,
                    "The workload replaces its pods by its own update strategy.",
                    muted,
                    "",
                );
            }
            DialogAction::Redeploy {
                zone,
                target,
                build,
            } => {
                lines.push(Line::styled("1. Rebuild:", strong));
                wrapped(&mut lines, &build.command_line(), text, "   ");
                wrapped(
                    &mut lines,
                    &format!("in {}", build.workdir_text()),
                    muted,
                    "   ",
                );
                lines.push(Line::styled("2. If the build succeeds, restart:", strong));
                target_facts(&mut lines, zone, target);
                wrapped(&mut lines, RESTART_EFFECT, text, "");
                wrapped(
                    &mut lines,
                    "A failed or cancelled build restarts nothing.",
                    muted,
                    "",
                );
            }
            DialogAction::Rebuild { build } => {
                lines.push(Line::styled("Run the build command:", strong));
                wrapped(&mut lines, &build.command_line(), text, "   ");
                wrapped(
                    &mut lines,
                    &format!("in {}", build.workdir_text()),
                    muted,
                    "   ",
                );
                wrapped(
                    &mut lines,
                    "Nothing is restarted. Output goes to the build log pane.",
                    muted,
                    "",
                );
            }
            DialogAction::Undo {
                zone,
                target,
                revision,
            } => {
                target_facts(&mut lines, zone, target);
                lines.push(Line::raw(""));
                for (line, secondary) in super::history_section::undo_effect(revision) {
                    wrapped(&mut lines, &line, if secondary { muted } else { text }, "");
                }
            }
        }
        if let (Some(zone), Some(typed)) = (self.zone(), &self.typed) {
            lines.push(Line::raw(""));
            lines.push(Line::from(vec![
                Span::styled("[PROTECTED]", theme.style(Role::BadgeProtected)),
                Span::styled(
                    format!(" type the zone's name ({}) to confirm", zone.name),
                    theme.style(Role::Warning),
                ),
            ]));
            lines.push(Line::from(vec![
                Span::styled("zone name: ", muted),
                Span::styled(format!("{typed}▏"), strong),
            ]));
        }
        if let Some(hint) = &self.hint {
            wrapped(
                &mut lines,
                &format!("✗ {hint}"),
                theme.style(Role::Error),
                "",
            );
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(keys.to_string(), theme.style(Role::Title)));
        lines
    }

    /// Draws the dialog centred over `area`.
    fn draw_centred(&self, buf: &mut Buffer, area: Rect, keys: &str, theme: &Theme) {
        if area.width < 4 || area.height < 3 {
            return;
        }
        let width = area.width.saturating_sub(4).min(88);
        let lines = self.lines(usize::from(width.saturating_sub(4)), keys, theme);
        let height = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_add(2);
        let rect = centered(area, width, height);
        Clear.render(rect, buf);
        let border = match self.zone() {
            Some(z) if z.is_production() || z.protected => Role::Error,
            _ => Role::BorderFocused,
        };
        let block = Block::new()
            .borders(Borders::ALL)
            .border_style(theme.style(border))
            .title(Line::styled(self.title(), theme.style(Role::Title)));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let inner = Rect::new(
            inner.x.saturating_add(1).min(inner.right()),
            inner.y,
            inner.width.saturating_sub(2),
            inner.height,
        );
        draw_lines(buf, inner, lines);
    }
}

impl Layer for Dialog {
    fn key_modes(&self, _fleet: &Fleet) -> KeyModes {
        KeyModes::only(&[Mode::Dialog])
    }

    fn text_entry(&self) -> TextEntry {
        if self.wants_typed_name() {
            TextEntry::BeforeBindings
        } else {
            TextEntry::None
        }
    }

    fn type_char(&mut self, c: char) -> bool {
        Dialog::type_char(self, c)
    }

    fn handle(&mut self, action: Action, _cx: &KeyContext<'_>) -> Reply {
        match action {
            Action::Quit => Reply::Pass,
            // The runner's guards judge the confirmation; the dialog stays until they answer.
            Action::Confirm => Reply::Do(Effect::Request(self.request())),
            Action::Cancel | Action::Back => Reply::Do(Effect::Close),
            Action::DeleteChar => Reply::Done(self.delete_char()),
            _ => Reply::NOTHING,
        }
    }

    fn bottom_bar(&self, keymap: &Keymap) -> Option<BottomBar> {
        // The dialog's own key line: in a protected zone's dialog y and n type letters.
        Some(BottomBar::Text(vec![(
            format!(" {}", self.keys_text(keymap)),
            BarStyle::Key,
        )]))
    }

    fn draw(&mut self, buf: &mut Buffer, area: Rect, cx: &DrawContext<'_>) {
        let keys = self.keys_text(cx.keymap);
        self.draw_centred(buf, area, &keys, cx.theme);
    }
}
