//! The `[notify]` section of the zones file: how the console tells you that something you are
//! waiting for happened while you look elsewhere — the terminal bell, a desktop notification
//! written as an escape sequence (OSC 777 or OSC 9), or a command of your own. Off by default.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// Which escape sequence carries a desktop notification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DesktopNotification {
    /// No desktop notification.
    #[default]
    None,
    /// `ESC ] 777 ; notify ; TITLE ; BODY BEL`: title and body (urxvt, foot, Ghostty, WezTerm,
    /// VTE terminals).
    Osc777,
    /// `ESC ] 9 ; BODY BEL`: the body only (iTerm2, Windows Terminal, kitty, WezTerm).
    Osc9,
}

/// What to be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyTrigger {
    /// One of our rollouts ended: succeeded, failed, timed out.
    Rollout,
    /// A zone that was live went down, or came back.
    Zone,
    /// A new Warning event in a watched workload.
    Warning,
}

impl NotifyTrigger {
    /// Every trigger: what `on` means when it is left out.
    pub const ALL: [NotifyTrigger; 3] = [
        NotifyTrigger::Rollout,
        NotifyTrigger::Zone,
        NotifyTrigger::Warning,
    ];
}

/// The `[notify]` section, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotifyConfig {
    /// Ring the terminal bell (BEL).
    pub bell: bool,
    /// Write a desktop notification as this escape sequence.
    pub desktop: DesktopNotification,
    /// Run this argv (never through a shell) with the title and the body as two more
    /// arguments; its output goes to the log. Empty: no command.
    pub command: Vec<String>,
    /// What to be told about.
    pub on: Vec<NotifyTrigger>,
}

impl Default for NotifyConfig {
    /// Off: no bell, no desktop notification, no command (every trigger, once one is set).
    fn default() -> Self {
        NotifyConfig {
            bell: false,
            desktop: DesktopNotification::None,
            command: Vec::new(),
            on: NotifyTrigger::ALL.to_vec(),
        }
    }
}

impl NotifyConfig {
    /// Nothing would be delivered: no bell, no desktop notification, no command.
    pub fn is_off(&self) -> bool {
        !self.bell && self.desktop == DesktopNotification::None && self.command.is_empty()
    }

    /// Whether `trigger` is delivered at all.
    pub fn wants(&self, trigger: NotifyTrigger) -> bool {
        !self.is_off() && self.on.contains(&trigger)
    }
}

/// The section as written, with the places the checks point at.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotify {
    #[serde(default)]
    bell: bool,
    #[serde(default)]
    desktop: DesktopNotification,
    #[serde(default)]
    command: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    on: Option<Spanned<Vec<Spanned<NotifyTrigger>>>>,
}

/// A check that failed: where (a byte range of the file) and what.
pub(super) type Invalid = (Range<usize>, String);

impl RawNotify {
    /// Checks what the types cannot: a command's program is not empty, no argument holds a NUL
    /// byte, no trigger is listed twice.
    pub(super) fn validate(self) -> Result<NotifyConfig, Invalid> {
        let mut command = Vec::new();
        if let Some(argv) = self.command {
            for (i, arg) in argv.into_inner().into_iter().enumerate() {
                let span = arg.span();
                let arg = arg.into_inner();
                if i == 0 && arg.trim().is_empty() {
                    return Err((
                        span,
                        "notify command: the program (first item) is empty".into(),
                    ));
                }
                if arg.contains('\0') {
                    return Err((span, "notify command: an argument holds a NUL byte".into()));
                }
                command.push(arg);
            }
        }
        let on = match self.on {
            None => NotifyTrigger::ALL.to_vec(),
            Some(list) => {
                let mut on: Vec<NotifyTrigger> = Vec::new();
                for trigger in list.into_inner() {
                    let span = trigger.span();
                    let trigger = trigger.into_inner();
                    if on.contains(&trigger) {
                        return Err((span, "notify on: this trigger is listed twice".into()));
                    }
                    on.push(trigger);
                }
                on
            }
        };
        Ok(NotifyConfig {
            bell: self.bell,
            desktop: self.desktop,
            command,
            on,
        })
    }
}
