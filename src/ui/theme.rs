//! Themes: a style per named [`Role`], read from TOML (`themes/default.toml` is built in).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};
use toml::{Spanned, Value};

use crate::config::line_column;

/// The built-in theme, also the reference for the file format.
pub const DEFAULT_THEME_TOML: &str = include_str!("../../themes/default.toml");

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
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 15] = [
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
        }
    }

    fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
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
#[error("{}:{line}:{column}: {}{message}", path.display(), role.as_ref().map(|r| format!("role {r}: ")).unwrap_or_default())]
pub struct ThemeError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The role whose entry is wrong, when there is one.
    pub role: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl Theme {
    /// The built-in theme (`themes/default.toml`).
    pub fn default_theme() -> Theme {
        Theme::parse_over(DEFAULT_THEME_TOML, Path::new("<built-in theme>"), None)
            .expect("the built-in theme is checked by a unit test")
    }

    /// A theme without any colour or modifier: what a monochrome terminal shows.
    pub fn plain() -> Theme {
        Theme {
            styles: Role::ALL.into_iter().map(|r| (r, Style::new())).collect(),
        }
    }

    /// Parses a theme file; roles it leaves out keep their default style.
    pub fn parse(text: &str, path: &Path) -> Result<Theme, ThemeError> {
        Theme::parse_over(text, path, Some(Theme::default_theme()))
    }

    fn parse_over(text: &str, path: &Path, base: Option<Theme>) -> Result<Theme, ThemeError> {
        let error_at = |span: Range<usize>, role: Option<&str>, message: String| {
            let (line, column) = line_column(text, span.start);
            ThemeError {
                path: path.to_path_buf(),
                line,
                column,
                role: role.map(str::to_string),
                message,
            }
        };
        let raw: BTreeMap<Spanned<String>, Spanned<Value>> = toml::from_str(text).map_err(|e| {
            error_at(
                e.span().unwrap_or(0..0),
                None,
                e.message().trim().replace('\n', " "),
            )
        })?;
        let mut styles = base.map(|t| t.styles).unwrap_or_default();
        for (name, value) in raw {
            let role = Role::from_name(name.get_ref()).ok_or_else(|| {
                error_at(
                    name.span(),
                    Some(name.get_ref()),
                    format!(
                        "unknown role; the roles are {}",
                        Role::ALL.map(Role::name).join(", ")
                    ),
                )
            })?;
            let style = parse_style(value.get_ref())
                .map_err(|m| error_at(value.span(), Some(role.name()), m))?;
            styles.insert(role, style);
        }
        if let Some(missing) = Role::ALL.into_iter().find(|r| !styles.contains_key(r)) {
            return Err(error_at(0..0, Some(missing.name()), "missing".into()));
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
    fn built_in_theme_sets_every_role_and_production_is_loud() {
        let text = DEFAULT_THEME_TOML;
        let theme = Theme::parse_over(text, Path::new("x"), None).unwrap();
        let prod = theme.style(Role::HeaderProduction);
        assert_eq!(prod.bg, Some(Color::Red));
        assert!(prod.add_modifier.contains(Modifier::BOLD));
        assert_ne!(prod, theme.style(Role::HeaderStaging));
        assert_ne!(prod, theme.style(Role::HeaderDevelopment));
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
