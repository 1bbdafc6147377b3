//! The `:` command line (vim keymap): quit, open the help, or jump to a zone by name or id.
//!
//! While it is open the `filter` mode's keys apply: `apply_filter` (enter) runs the command,
//! `clear_filter` (esc) closes it, `delete_char` (backspace) deletes, and closes it when empty.

use super::list::ListState;
use super::{Action, SubView, Ui, UiOutcome};
use crate::fleet::{Fleet, ZoneModel};

/// What a typed command asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypedCommand {
    /// `q`, `quit`, `qa`, `q!`: leave ge-console.
    Quit,
    /// `h`, `help`: show the help overlay.
    Help,
    /// A zone's name (or a unique start of it), its id (`2`, `z2`): focus that zone.
    Zone(usize),
}

/// Parses a command line (without the `:`); `Ok(None)` for an empty line. The error says what
/// the command line accepts.
pub fn parse_command(text: &str, zones: &[ZoneModel]) -> Result<Option<TypedCommand>, String> {
    let word = text.trim();
    if word.is_empty() {
        return Ok(None);
    }
    let lower = word.to_ascii_lowercase();
    match lower.as_str() {
        "q" | "q!" | "qa" | "qa!" | "qall" | "quit" | "quit!" => {
            return Ok(Some(TypedCommand::Quit));
        }
        "h" | "help" => return Ok(Some(TypedCommand::Help)),
        _ => {}
    }
    let id = lower.strip_prefix('z').unwrap_or(&lower);
    if let Some(i) = zones
        .iter()
        .position(|z| z.config.name.eq_ignore_ascii_case(word) || z.config.id.0.to_string() == id)
    {
        return Ok(Some(TypedCommand::Zone(i)));
    }
    let starting: Vec<usize> = zones
        .iter()
        .enumerate()
        .filter(|(_, z)| z.config.name.to_ascii_lowercase().starts_with(&lower))
        .map(|(i, _)| i)
        .collect();
    if let [only] = starting.as_slice() {
        return Ok(Some(TypedCommand::Zone(*only)));
    }
    let names: Vec<&str> = zones.iter().map(|z| z.config.name.as_str()).collect();
    Err(format!(
        "unknown command :{word} (try :q, :help, or a zone: {})",
        names.join(", ")
    ))
}

impl Ui {
    /// Opens an empty command line.
    pub(super) fn open_command_line(&mut self) -> UiOutcome {
        self.help_scroll = None;
        self.editing_filter = false;
        self.command_line = Some(String::new());
        UiOutcome::Redraw
    }

    /// Handles an action while the command line is open.
    pub(super) fn command_line_action(&mut self, action: Action, fleet: &Fleet) -> UiOutcome {
        let Some(line) = &mut self.command_line else {
            return UiOutcome::Nothing;
        };
        match action {
            Action::DeleteChar => {
                if line.pop().is_none() {
                    self.command_line = None;
                }
                UiOutcome::Redraw
            }
            Action::ClearFilter => {
                self.command_line = None;
                UiOutcome::Redraw
            }
            Action::ApplyFilter => {
                let text = std::mem::take(line);
                self.command_line = None;
                match parse_command(&text, &fleet.zones) {
                    Ok(None) => UiOutcome::Redraw,
                    Ok(Some(TypedCommand::Quit)) => UiOutcome::Quit,
                    Ok(Some(TypedCommand::Help)) => {
                        self.help_scroll = Some(0);
                        UiOutcome::Redraw
                    }
                    Ok(Some(TypedCommand::Zone(zone))) => {
                        self.jump_to_zone(zone);
                        UiOutcome::Redraw
                    }
                    Err(message) => {
                        self.notice = Some(message);
                        UiOutcome::Redraw
                    }
                }
            }
            _ => UiOutcome::Nothing,
        }
    }

    /// Focuses `zone`: in the overview the focus moves; from a zone or workload view the
    /// zone's view opens instead.
    fn jump_to_zone(&mut self, zone: usize) {
        if self.stack.is_empty() {
            self.focus = zone;
        } else {
            self.stack = vec![SubView::Zone {
                zone,
                list: ListState::default(),
            }];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_ZONES_TOML, parse_zones};
    use std::path::Path;

    fn zones() -> Vec<ZoneModel> {
        let config = parse_zones(DEFAULT_ZONES_TOML, Path::new("zones")).unwrap();
        Fleet::new(&config).zones
    }

    #[test]
    fn commands_quit_help_and_jump_to_zones() {
        let zones = zones();
        let parse = |t: &str| parse_command(t, &zones);
        for quit in ["q", "quit", "qa!", " q "] {
            assert_eq!(parse(quit), Ok(Some(TypedCommand::Quit)), "{quit}");
        }
        assert_eq!(parse("help"), Ok(Some(TypedCommand::Help)));
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("staging"), Ok(Some(TypedCommand::Zone(1))));
        assert_eq!(parse("Production"), Ok(Some(TypedCommand::Zone(2))));
        assert_eq!(
            parse("prod"),
            Ok(Some(TypedCommand::Zone(2))),
            "a unique start"
        );
        assert_eq!(parse("3"), Ok(Some(TypedCommand::Zone(2))));
        assert_eq!(parse("z1"), Ok(Some(TypedCommand::Zone(0))));
        assert_eq!(
            parse("wq"),
            Err("unknown command :wq (try :q, :help, or a zone: dev, staging, production)".into())
        );
    }
}

#[cfg(test)]
mod ui_tests {
    use std::path::Path;

    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::config::{DEFAULT_ZONES_TOML, parse_zones};
    use crate::ui::{Clock, Keymap, Theme, UiOptions, ViewKind};

    fn vim_ui() -> (Ui, Fleet) {
        let fleet = Fleet::new(&parse_zones(DEFAULT_ZONES_TOML, Path::new("zones")).unwrap());
        let options = UiOptions {
            read_only: false,
            keymap_name: "vim".into(),
        };
        let keymap = Keymap::shipped("vim").unwrap();
        (Ui::new(keymap, Theme::default_theme(), options), fleet)
    }

    fn type_keys(ui: &mut Ui, fleet: &Fleet, keys: &str) -> UiOutcome {
        let mut outcome = UiOutcome::Nothing;
        for c in keys.chars() {
            let code = if c == '\n' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            outcome = ui.handle_key(KeyEvent::new(code, KeyModifiers::NONE), fleet);
        }
        outcome
    }

    fn bottom_line(ui: &mut Ui, fleet: &Fleet) -> String {
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
        terminal
            .draw(|frame| ui.draw(frame, fleet, &[], &Clock::now()))
            .unwrap();
        let buffer = terminal.backend().buffer();
        (0..100).map(|x| buffer[(x, 29)].symbol()).collect()
    }

    #[test]
    fn the_command_line_jumps_to_zones_and_quits() {
        let (mut ui, fleet) = vim_ui();
        type_keys(&mut ui, &fleet, ":pro");
        assert_eq!(ui.command_line.as_deref(), Some("pro"));
        assert!(bottom_line(&mut ui, &fleet).starts_with(":pro▏"));
        type_keys(&mut ui, &fleet, "d\n");
        assert_eq!((ui.view(), ui.focused_zone()), (ViewKind::Overview, 2));
        // From the zone view, a zone's name opens that zone's view.
        type_keys(&mut ui, &fleet, "\n:dev\n");
        assert_eq!((ui.view(), ui.focused_zone()), (ViewKind::Zone, 0));
        // A wrong command is said in the bottom bar until the next key.
        type_keys(&mut ui, &fleet, ":wq\n");
        let line = bottom_line(&mut ui, &fleet);
        assert!(line.contains("unknown command :wq"), "{line}");
        assert_eq!(type_keys(&mut ui, &fleet, "x"), UiOutcome::Redraw);
        assert!(!bottom_line(&mut ui, &fleet).contains("unknown command"));
        // Backspace on an empty line closes it, esc too.
        type_keys(&mut ui, &fleet, ":");
        ui.handle_key(
            KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE),
            &fleet,
        );
        assert!(ui.command_line.is_none());
        type_keys(&mut ui, &fleet, ":help\n");
        assert!(ui.help_visible());
        assert_eq!(type_keys(&mut ui, &fleet, ":q\n"), UiOutcome::Quit);
    }
}
