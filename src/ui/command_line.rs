//! The `:` command line (vim keymap): quit, open the help, or jump to a zone by name or id.
//!
//! While it is open the `filter` mode's keys apply: `apply_filter` (enter) runs the command,
//! `clear_filter` (esc) closes it, `delete_char` (backspace) deletes, and closes it when empty.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::layer::{
    BarStyle, BottomBar, DrawContext, Effect, KeyContext, KeyModes, Layer, Reply, TextEntry,
};
use super::{Action, Keymap, Mode};
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

/// The open command line: what has been typed after the `:`.
#[derive(Debug, Default)]
pub struct CommandLine {
    text: String,
}

impl CommandLine {
    /// What has been typed so far.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl Layer for CommandLine {
    fn key_modes(&self, _fleet: &Fleet) -> KeyModes {
        KeyModes::only(&[Mode::Filter])
    }

    fn text_entry(&self) -> TextEntry {
        TextEntry::WhenUnbound
    }

    fn type_char(&mut self, c: char) -> bool {
        self.text.push(c);
        true
    }

    fn handle(&mut self, action: Action, cx: &KeyContext<'_>) -> Reply {
        match action {
            Action::Quit => Reply::Pass,
            Action::DeleteChar => {
                if self.text.pop().is_none() {
                    return Reply::Do(Effect::Close);
                }
                Reply::REDRAW
            }
            Action::ClearFilter => Reply::Do(Effect::Close),
            Action::ApplyFilter => {
                Reply::CloseAnd(match parse_command(&self.text, &cx.fleet.zones) {
                    Ok(None) => Effect::Close,
                    Ok(Some(TypedCommand::Quit)) => Effect::Quit,
                    Ok(Some(TypedCommand::Help)) => Effect::OpenHelp,
                    Ok(Some(TypedCommand::Zone(zone))) => Effect::FocusZone(zone),
                    Err(message) => Effect::Hint(message),
                })
            }
            _ => Reply::NOTHING,
        }
    }

    fn bottom_bar(&self, _keymap: &Keymap) -> Option<BottomBar> {
        Some(BottomBar::Text(vec![
            (":".into(), BarStyle::Key),
            (format!("{}▏", self.text), BarStyle::Typed),
        ]))
    }

    /// Drawn in the bottom bar only.
    fn draw(&mut self, _buf: &mut Buffer, _area: Rect, _cx: &DrawContext<'_>) {}
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
