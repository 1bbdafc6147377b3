//! Themes: a style per named [`Role`], read from TOML. Four are shipped (`default`, `light`,
//! `high-contrast`, `basic16`); a user theme lists only the roles it changes over one of them.
//! [`Theme::for_depth`] maps a theme down to the terminal's colour depth, and to bold, reverse
//! and underline when `NO_COLOR` asks for no colour.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};
use toml::{Spanned, Value};

use super::color_depth::ColorDepth;
use crate::file_error::FileError;
use crate::suggest;

/// The built-in theme, also the reference for the file format.
pub const DEFAULT_THEME_TOML: &str = include_str!("../../themes/default.toml");
/// The theme used when none is chosen.
pub const DEFAULT_THEME_NAME: &str = "default";
/// The themes compiled into ge-console, by name; the first is the default.
pub const SHIPPED_THEMES: [(&str, &str); 4] = [
    (DEFAULT_THEME_NAME, DEFAULT_THEME_TOML),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("basic16", include_str!("../../themes/basic16.toml")),
];

/// The names of the shipped themes, default first.
pub fn shipped_theme_names() -> Vec<&'static str> {
    SHIPPED_THEMES.iter().map(|(name, _)| *name).collect()
}

/// What a piece of the screen means, which decides how it looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Ordinary text.
    Text,
    /// Secondary text: labels, hints, details.
    Muted,
    /// Borders of unfocused panels.
    Border,
    /// The border of the focused panel.
    BorderFocused,
    /// The selected row.
    Selection,
    /// Headings.
    Title,
    /// Healthy states.
    Ok,
    /// States that need a look (progressing, stale, reconnecting).
    Warning,
    /// Failures.
    Error,
    /// The READ-ONLY badge.
    BadgeReadOnly,
    /// The PROTECTED badge of a zone.
    BadgeProtected,
    /// Header of a development zone.
    HeaderDevelopment,
    /// Header of a staging zone.
    HeaderStaging,
    /// Header of a production zone (unmistakable).
    HeaderProduction,
    /// Header of any other environment.
    HeaderOther,
    /// The prefix of the first pod in a workload's interleaved log (then 2 to 6, round).
    LogSource1,
    /// The prefix of the second pod in a workload's log.
    LogSource2,
    /// The prefix of the third pod in a workload's log.
    LogSource3,
    /// The prefix of the fourth pod in a workload's log.
    LogSource4,
    /// The prefix of the fifth pod in a workload's log.
    LogSource5,
    /// The prefix of the sixth pod in a workload's log.
    LogSource6,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 21] = [
        Role::Text,
        Role::Muted,
        Role::Border,
        Role::BorderFocused,
        Role::Selection,
        Role::Title,
        Role::Ok,
        Role::Warning,
        Role::Error,
        Role::BadgeReadOnly,
        Role::BadgeProtected,
        Role::HeaderDevelopment,
        Role::HeaderStaging,
        Role::HeaderProduction,
        Role::HeaderOther,
        Role::LogSource1,
        Role::LogSource2,
        Role::LogSource3,
        Role::LogSource4,
        Role::LogSource5,
        Role::LogSource6,
    ];

    /// The pod prefix colours of an interleaved log, in the order pods get them.
    pub const LOG_SOURCES: [Role; 6] = [
        Role::LogSource1,
        Role::LogSource2,
        Role::LogSource3,
        Role::LogSource4,
        Role::LogSource5,
        Role::LogSource6,
    ];

    /// The name used in theme files.
    pub fn name(self) -> &'static str {
        match self {
            Role::Text => "text",
            Role::Muted => "muted",
            Role::Border => "border",
            Role::BorderFocused => "border_focused",
            Role::Selection => "selection",
            Role::Title => "title",
            Role::Ok => "ok",
            Role::Warning => "warning",
            Role::Error => "error",
            Role::BadgeReadOnly => "badge_read_only",
            Role::BadgeProtected => "badge_protected",
            Role::HeaderDevelopment => "header_development",
            Role::HeaderStaging => "header_staging",
            Role::HeaderProduction => "header_production",
            Role::HeaderOther => "header_other",
            Role::LogSource1 => "log_source_1",
            Role::LogSource2 => "log_source_2",
            Role::LogSource3 => "log_source_3",
            Role::LogSource4 => "log_source_4",
            Role::LogSource5 => "log_source_5",
            Role::LogSource6 => "log_source_6",
        }
    }

    fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }

    /// What carries the role on a monochrome screen (`NO_COLOR`), added to the theme's own
    /// modifiers: reverse for the selection, badges and production, bold for other headers,
    /// titles, the focused border and errors, underline for warnings.
    pub fn monochrome_cue(self) -> Modifier {
        match self {
            Role::Selection
            | Role::BadgeReadOnly
            | Role::BadgeProtected
            | Role::HeaderProduction => Modifier::REVERSED | Modifier::BOLD,
            Role::BorderFocused
            | Role::Title
            | Role::Error
            | Role::HeaderDevelopment
            | Role::HeaderStaging
            | Role::HeaderOther => Modifier::BOLD,
            Role::Warning => Modifier::UNDERLINED,
            Role::Text | Role::Muted | Role::Border | Role::Ok => Modifier::empty(),
            // Pod prefixes differ by their text without colour.
            Role::LogSource1
            | Role::LogSource2
            | Role::LogSource3
            | Role::LogSource4
            | Role::LogSource5
            | Role::LogSource6 => Modifier::empty(),
        }
    }

    /// The header role for a zone's environment.
    pub fn header_for(environment: &str) -> Role {
        match environment.to_ascii_lowercase().as_str() {
            "production" | "prod" => Role::HeaderProduction,
            "staging" | "stage" => Role::HeaderStaging,
            "development" | "dev" => Role::HeaderDevelopment,
            _ => Role::HeaderOther,
        }
    }
}

/// A style for every role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    styles: BTreeMap<Role, Style>,
}

/// A theme file that cannot be used, located precisely enough to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{located}")]
pub struct ThemeError {
    /// Where and what; the message starts with `role NAME: ` when a role's entry is wrong.
    pub located: FileError,
    /// The role whose entry is wrong, when there is one.
    pub role: Option<String>,
}

impl Theme {
    /// The built-in theme (`themes/default.toml`).
    pub fn default_theme() -> Theme {
        Theme::shipped(DEFAULT_THEME_NAME).expect("the shipped themes are checked by a test")
    }

    /// A theme shipped with ge-console by name, or `None` for other names.
    pub fn shipped(name: &str) -> Option<Theme> {
        let (_, text) = SHIPPED_THEMES.iter().find(|(n, _)| *n == name)?;
        let path = PathBuf::from(format!("<built-in theme {name}>"));
        Some(
            Theme::parse_over(text, &path, None)
                .unwrap_or_else(|e| panic!("shipped theme {name} is broken: {e}")),
        )
    }

    /// A theme without any colour or modifier: what a monochrome terminal shows.
    pub fn plain() -> Theme {
        Theme {
            styles: Role::ALL.into_iter().map(|r| (r, Style::new())).collect(),
        }
    }

    /// Parses a theme file; roles it leaves out keep their style in the theme it `extends`, else
    /// in the default theme.
    pub fn parse(text: &str, path: &Path) -> Result<Theme, ThemeError> {
        Theme::parse_changes(text, path, DEFAULT_THEME_NAME)
    }

    /// Parses a user theme that lists only the roles it changes over a shipped theme: the one it
    /// names with `extends`, else `implicit_base`.
    pub fn parse_changes(
        text: &str,
        path: &Path,
        implicit_base: &str,
    ) -> Result<Theme, ThemeError> {
        let base = Theme::shipped(implicit_base).unwrap_or_else(Theme::default_theme);
        Theme::parse_over(text, path, Some(base))
    }

    /// This theme as a terminal of `depth` can show it: colours mapped down to the nearest it
    /// has; with [`ColorDepth::Monochrome`] no colour at all, each role keeping its modifiers
    /// plus its [`Role::monochrome_cue`].
    pub fn for_depth(&self, depth: ColorDepth) -> Theme {
        let styles = self
            .styles
            .iter()
            .map(|(role, style)| {
                let mut adapted = *style;
                if depth == ColorDepth::Monochrome {
                    adapted.fg = None;
                    adapted.bg = None;
                    adapted.underline_color = None;
                    adapted = adapted.add_modifier(role.monochrome_cue());
                } else {
                    adapted.fg = style.fg.map(|c| depth.adapt(c));
                    adapted.bg = style.bg.map(|c| depth.adapt(c));
                    adapted.underline_color = style.underline_color.map(|c| depth.adapt(c));
                }
                (*role, adapted)
            })
            .collect();
        Theme { styles }
    }

    /// Every colour the theme uses, foreground and background, for checks.
    pub fn colors(&self) -> Vec<Color> {
        self.styles
            .values()
            .flat_map(|s| [s.fg, s.bg])
            .flatten()
            .collect()
    }

    fn parse_over(text: &str, path: &Path, base: Option<Theme>) -> Result<Theme, ThemeError> {
        let error_at = |span: Range<usize>, role: Option<&str>, message: String| {
            let message = match role {
                Some(role) => format!("role {role}: {message}"),
                None => message,
            };
            ThemeError {
                located: FileError::at(path, text, span.start, message),
                role: role.map(str::to_string),
            }
        };
        let raw: BTreeMap<Spanned<String>, Spanned<Value>> = toml::from_str(text).map_err(|e| {
            error_at(
                e.span().unwrap_or(0..0),
                None,
                e.message().trim().replace('\n', " "),
            )
        })?;
        let mut base = base;
        if let Some((_, value)) = raw.iter().find(|(name, _)| name.get_ref() == "extends") {
            let Value::String(name) = value.get_ref() else {
                return Err(error_at(
                    value.span(),
                    None,
                    format!(
                        "extends must name a shipped theme ({})",
                        shipped_theme_names().join(", ")
                    ),
                ));
            };
            base = Some(Theme::shipped(name).ok_or_else(|| {
                error_at(
                    value.span(),
                    None,
                    format!(
                        "unknown base theme {name:?}; the shipped themes are {}",
                        shipped_theme_names().join(", ")
                    ),
                )
            })?);
        }
        let mut styles = base.map(|t| t.styles).unwrap_or_default();
        let mut entries: Vec<_> = raw.into_iter().collect();
        entries.sort_by_key(|(name, _)| name.span().start);
        for (name, value) in entries {
            if name.get_ref() == "extends" {
                continue;
            }
            let role = Role::from_name(name.get_ref()).ok_or_else(|| {
                error_at(
                    name.span(),
                    Some(name.get_ref()),
                    match suggest::closest(name.get_ref(), Role::ALL.map(Role::name), 3) {
                        Some(close) => format!("unknown role; did you mean {close:?}?"),
                        None => format!(
                            "unknown role; the roles are {}",
                            Role::ALL.map(Role::name).join(", ")
                        ),
                    },
                )
            })?;
            let style = parse_style(value.get_ref())
                .map_err(|m| error_at(value.span(), Some(role.name()), m))?;
            styles.insert(role, style);
        }
        if let Some(missing) = Role::ALL.into_iter().find(|r| !styles.contains_key(r)) {
            return Err(error_at(
                0..0,
                Some(missing.name()),
                "missing; a complete theme sets every role".into(),
            ));
        }
        Ok(Theme { styles })
    }

    /// The style of a role.
    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }
}

fn parse_style(value: &Value) -> Result<Style, String> {
    match value {
        Value::String(colour) => Ok(Style::new().fg(parse_colour(colour)?)),
        Value::Table(table) => {
            let mut style = Style::new();
            for (key, v) in table {
                match (key.as_str(), v) {
                    ("fg", Value::String(c)) => style = style.fg(parse_colour(c)?),
                    ("bg", Value::String(c)) => style = style.bg(parse_colour(c)?),
                    ("modifiers", Value::Array(items)) => {
                        for item in items {
                            let Value::String(m) = item else {
                                return Err(format!("modifiers must be strings, not {item}"));
                            };
                            style = style.add_modifier(parse_modifier(m)?);
                        }
                    }
                    ("fg" | "bg" | "modifiers", other) => {
                        return Err(format!("{key} has the wrong type: {other}"));
                    }
                    _ => {
                        return Err(format!(
                            "unknown key {key:?}; a style has fg, bg and modifiers"
                        ));
                    }
                }
            }
            Ok(style)
        }
        other => Err(format!(
            "expected a colour or {{ fg, bg, modifiers }}, found {other}"
        )),
    }
}

fn parse_colour(text: &str) -> Result<Color, String> {
    let lower = text.trim().to_ascii_lowercase().replace('_', "-");
    if let Some(hex) = lower.strip_prefix('#') {
        if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            let n = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
            return Ok(Color::from_u32(n));
        }
        return Err(format!("colour {text:?} is not #rrggbb"));
    }
    if let Some(inner) = lower
        .strip_prefix("indexed(")
        .and_then(|s| s.strip_suffix(')'))
    {
        return inner
            .trim()
            .parse::<u8>()
            .map(Color::Indexed)
            .map_err(|_| format!("colour {text:?}: the index must be 0..=255"));
    }
    Ok(match lower.as_str() {
        "default" | "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "dark-gray" | "dark-grey" => Color::DarkGray,
        "light-red" => Color::LightRed,
        "light-green" => Color::LightGreen,
        "light-yellow" => Color::LightYellow,
        "light-blue" => Color::LightBlue,
        "light-magenta" => Color::LightMagenta,
        "light-cyan" => Color::LightCyan,
        "white" => Color::White,
        _ => {
            return Err(format!(
                "unknown colour {text:?}; use #rrggbb, indexed(N) or a name such as red, \
                 light-blue, dark-gray, default"
            ));
        }
    })
}

fn parse_modifier(text: &str) -> Result<Modifier, String> {
    Ok(match text.to_ascii_lowercase().as_str() {
        "bold" => Modifier::BOLD,
        "dim" => Modifier::DIM,
        "italic" => Modifier::ITALIC,
        "underlined" | "underline" => Modifier::UNDERLINED,
        "reversed" | "reverse" => Modifier::REVERSED,
        _ => {
            return Err(format!(
                "unknown modifier {text:?}; use bold, dim, italic, underlined, reversed"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Theme, ThemeError> {
        Theme::parse(text, Path::new("t.toml"))
    }

    #[test]
    fn shipped_themes_set_every_role_and_production_is_loud_at_every_depth() {
        let depths = [
            ColorDepth::TrueColor,
            ColorDepth::Indexed256,
            ColorDepth::Ansi16,
            ColorDepth::Monochrome,
        ];
        for (name, text) in SHIPPED_THEMES {
            let full = Theme::parse_over(text, Path::new(name), None).unwrap();
            for depth in depths {
                let theme = full.for_depth(depth);
                let prod = theme.style(Role::HeaderProduction);
                let others = [
                    Role::HeaderStaging,
                    Role::HeaderDevelopment,
                    Role::HeaderOther,
                ];
                for other in others {
                    assert_ne!(prod, theme.style(other), "{name} {depth}: {other:?}");
                }
                assert!(prod.add_modifier.contains(Modifier::BOLD), "{name} {depth}");
                if depth == ColorDepth::Monochrome {
                    assert!(theme.colors().is_empty(), "{name}");
                    assert!(prod.add_modifier.contains(Modifier::REVERSED), "{name}");
                } else {
                    let red = [Color::Red, Color::LightRed];
                    let bg = prod.bg.unwrap();
                    if depth == ColorDepth::Ansi16 {
                        assert!(red.contains(&bg), "{name}: production on {bg:?}");
                    }
                }
                assert!(
                    theme.style(Role::Selection) != theme.style(Role::Text),
                    "{name} {depth}: selection must show"
                );
            }
        }
    }

    #[test]
    fn basic16_uses_only_the_16_ansi_colours_and_default_is_truecolor() {
        let basic = Theme::shipped("basic16").unwrap();
        for color in basic.colors() {
            assert!(
                color == Color::Reset || crate::ui::color_depth::ANSI_16.contains(&color),
                "{color:?}"
            );
        }
        assert_eq!(basic.for_depth(ColorDepth::Ansi16), basic);
        let default = Theme::default_theme();
        assert!(default.colors().iter().any(|c| matches!(c, Color::Rgb(..))));
        let mapped = default.for_depth(ColorDepth::Indexed256);
        assert!(mapped.colors().iter().all(|c| !matches!(c, Color::Rgb(..))));
        let mapped = default.for_depth(ColorDepth::Ansi16);
        assert!(
            mapped
                .colors()
                .iter()
                .all(|c| !matches!(c, Color::Rgb(..) | Color::Indexed(_)))
        );
        assert_eq!(mapped.style(Role::Ok).fg, Some(Color::Green));
        assert_eq!(mapped.style(Role::HeaderStaging).bg, Some(Color::Yellow));
        assert_eq!(mapped.style(Role::HeaderProduction).bg, Some(Color::Red));
    }

    #[test]
    fn user_themes_extend_a_shipped_theme() {
        let theme = parse("extends = \"light\"\nok = \"blue\"\n").unwrap();
        assert_eq!(theme.style(Role::Ok).fg, Some(Color::Blue));
        let light = Theme::shipped("light").unwrap();
        assert_eq!(theme.style(Role::Error), light.style(Role::Error));
        let theme = Theme::parse_changes("ok = \"blue\"\n", Path::new("t"), "basic16").unwrap();
        assert_eq!(
            theme.style(Role::Title),
            Theme::shipped("basic16").unwrap().style(Role::Title)
        );
        let err = parse("extends = \"solarized\"\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "t.toml:1:11: unknown base theme \"solarized\"; the shipped themes are default, light, \
             high-contrast, basic16"
        );
    }

    #[test]
    fn colours_in_every_spelling() {
        let theme = parse(
            "ok = \"#00ff7f\"\nwarning = \"indexed(214)\"\nerror = { fg = \"light-red\", bg = \"black\", modifiers = [\"bold\", \"reversed\"] }\ntext = \"Dark_Gray\"\n",
        )
        .unwrap();
        assert_eq!(theme.style(Role::Ok).fg, Some(Color::Rgb(0, 0xff, 0x7f)));
        assert_eq!(theme.style(Role::Warning).fg, Some(Color::Indexed(214)));
        let error = theme.style(Role::Error);
        assert_eq!(
            (error.fg, error.bg),
            (Some(Color::LightRed), Some(Color::Black))
        );
        assert!(
            error
                .add_modifier
                .contains(Modifier::BOLD | Modifier::REVERSED)
        );
        assert_eq!(theme.style(Role::Text).fg, Some(Color::DarkGray));
        // Roles left out keep the default.
        assert_eq!(
            theme.style(Role::HeaderProduction),
            Theme::default_theme().style(Role::HeaderProduction)
        );
    }

    #[test]
    fn errors_name_file_line_and_role() {
        let err = parse("ok = \"green\"\nheader_production = \"redd\"\n").unwrap_err();
        assert_eq!(err.role.as_deref(), Some("header_production"));
        let text = err.to_string();
        assert!(
            text.starts_with("t.toml:2:21: role header_production: unknown colour \"redd\""),
            "{text}"
        );
        let err = parse("\n\nheadr = \"red\"\n").unwrap_err().to_string();
        assert!(
            err.starts_with("t.toml:3:1: role headr: unknown role"),
            "{err}"
        );
        let err = parse("ok = { fg = \"green\", modifiers = [\"blink\"] }\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("role ok: unknown modifier \"blink\""), "{err}");
        let err = parse("ok = { colour = \"green\" }\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown key \"colour\""), "{err}");
        let err = parse("ok = \"indexed(300)\"\n").unwrap_err().to_string();
        assert!(err.contains("0..=255"), "{err}");
        let err = parse("ok = \"#12345\"\n").unwrap_err().to_string();
        assert!(err.contains("#rrggbb"), "{err}");
        let err = parse("ok = 3\n").unwrap_err().to_string();
        assert!(err.contains("role ok: expected a colour"), "{err}");
        let err = parse("ok = \n").unwrap_err().to_string();
        assert!(err.starts_with("t.toml:1:"), "{err}");
    }
}
