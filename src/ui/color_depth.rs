//! Colour depth: what the terminal can show, detected from the environment, and colours mapped
//! down to it (truecolor → nearest xterm-256 entry → nearest of the 16 ANSI colours).

use std::fmt;

use ratatui::style::Color;

/// How many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ColorDepth {
    /// No colour at all (`NO_COLOR`, `--color never`, not a terminal, `TERM=dumb`); state is carried by bold, reverse and underline.
    Monochrome,
    /// The 16 ANSI colours (SGR 30–37, 90–97 and their backgrounds).
    Ansi16,
    /// The xterm 256-colour palette (SGR 38;5;N).
    Indexed256,
    /// 24-bit colour (SGR 38;2;R;G;B).
    TrueColor,
}

/// `--color`: whether to colour at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// As the environment and the terminal say ([`ColorDepth::choose`]).
    #[default]
    Auto,
    /// Colour, whatever the environment says (the depth still comes from `TERM`/`COLORTERM`).
    Always,
    /// No colour.
    Never,
}

/// What the environment says about colour, each variable read by the conventions
/// `anstyle-query` implements (the crate clap and cargo use), so the decision in
/// [`ColorDepth::choose`] is a function of plain values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ColorEnv {
    /// `NO_COLOR` is set and not empty (<https://no-color.org>).
    pub no_color: bool,
    /// `CLICOLOR_FORCE` or `FORCE_COLOR` is set and not empty (<https://bixense.com/clicolors>,
    /// <https://force-color.org>).
    pub force: bool,
    /// `CLICOLOR`: `Some(false)` when `0`, `Some(true)` when set to anything else.
    pub clicolor: Option<bool>,
    /// `TERM` is set and not `dumb`.
    pub term_supports_color: bool,
    /// `TERM` names a 256-colour terminal (`xterm-256color`, `tmux-256color`).
    pub term_256: bool,
    /// `COLORTERM` is `truecolor` or `24bit`.
    pub truecolor: bool,
}

impl ColorEnv {
    /// Reads the process environment.
    pub fn from_process() -> ColorEnv {
        let force_color = std::env::var_os("FORCE_COLOR").is_some_and(|v| !v.is_empty());
        ColorEnv {
            no_color: anstyle_query::no_color(),
            force: anstyle_query::clicolor_force() || force_color,
            clicolor: anstyle_query::clicolor(),
            term_supports_color: anstyle_query::term_supports_color(),
            term_256: std::env::var("TERM").is_ok_and(|t| t.contains("256color")),
            truecolor: anstyle_query::truecolor(),
        }
    }
}

impl ColorDepth {
    /// The depth to draw with, from `--color`, the environment and whether the output is a
    /// terminal. In this order, the first rule that applies decides:
    ///
    /// 1. `--color never` → monochrome; `--color always` → colour (rule 5 for how much).
    /// 2. `NO_COLOR` → monochrome (it beats the variables that force colour, as anstream does).
    /// 3. `CLICOLOR_FORCE` or `FORCE_COLOR` → colour, even without a terminal or with `TERM=dumb`.
    /// 4. `CLICOLOR=0`, output not a terminal, or `TERM` unset or `dumb` (unless `CLICOLOR` is
    ///    set to anything but `0`) → monochrome.
    /// 5. Colour: `COLORTERM=truecolor|24bit` → truecolor; `TERM` with `256color` → 256;
    ///    else the 16 ANSI colours.
    pub fn choose(choice: ColorChoice, env: &ColorEnv, is_tty: bool) -> ColorDepth {
        let colour = match choice {
            ColorChoice::Never => false,
            ColorChoice::Always => true,
            ColorChoice::Auto => {
                if env.no_color {
                    false
                } else if env.force {
                    true
                } else {
                    env.clicolor != Some(false)
                        && is_tty
                        && (env.term_supports_color || env.clicolor == Some(true))
                }
            }
        };
        if !colour {
            ColorDepth::Monochrome
        } else if env.truecolor {
            ColorDepth::TrueColor
        } else if env.term_256 {
            ColorDepth::Indexed256
        } else {
            ColorDepth::Ansi16
        }
    }

    /// The depth of the terminal ge-console runs in, on standard output, with `--color`.
    pub fn from_env(choice: ColorChoice) -> ColorDepth {
        use std::io::IsTerminal;
        ColorDepth::choose(
            choice,
            &ColorEnv::from_process(),
            std::io::stdout().is_terminal(),
        )
    }

    /// `color` as this depth can show it: unchanged if it can, else the nearest colour it has;
    /// [`Color::Reset`] (the terminal's own colour) when monochrome.
    pub fn adapt(self, color: Color) -> Color {
        match (self, color) {
            (_, Color::Reset) => Color::Reset,
            (ColorDepth::Monochrome, _) => Color::Reset,
            (ColorDepth::TrueColor, c) => c,
            (ColorDepth::Indexed256, Color::Rgb(r, g, b)) => Color::Indexed(nearest_256(r, g, b)),
            (ColorDepth::Indexed256, c) => c,
            (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => nearest_16(r, g, b),
            (ColorDepth::Ansi16, Color::Indexed(n)) if n < 16 => ANSI_16[usize::from(n)],
            (ColorDepth::Ansi16, Color::Indexed(n)) => {
                let (r, g, b) = indexed_rgb(n);
                nearest_16(r, g, b)
            }
            (ColorDepth::Ansi16, c) => c,
        }
    }
}

impl fmt::Display for ColorDepth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColorDepth::Monochrome => "monochrome",
            ColorDepth::Ansi16 => "16 colours",
            ColorDepth::Indexed256 => "256 colours",
            ColorDepth::TrueColor => "truecolor",
        })
    }
}

/// The 16 ANSI colours in palette order (index 0–15).
pub const ANSI_16: [Color; 16] = [
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

/// xterm's default RGB values of the 16 ANSI colours (terminals differ; these are typical).
const ANSI_16_RGB: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

/// The six levels of each channel in the xterm 6×6×6 colour cube (indexes 16–231).
const CUBE_LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The RGB value of an xterm-256 palette entry.
pub fn indexed_rgb(index: u8) -> (u8, u8, u8) {
    match index {
        0..=15 => ANSI_16_RGB[usize::from(index)],
        16..=231 => {
            let i = index - 16;
            (
                CUBE_LEVELS[usize::from(i / 36)],
                CUBE_LEVELS[usize::from(i / 6 % 6)],
                CUBE_LEVELS[usize::from(i % 6)],
            )
        }
        _ => {
            let level = 8 + 10 * (index - 232);
            (level, level, level)
        }
    }
}

/// The nearest entry of the xterm-256 palette's fixed part (the colour cube and the grey ramp,
/// 16–255; 0–15 are left out because terminals recolour them).
pub fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    let cube_index = |v: u8| {
        CUBE_LEVELS
            .iter()
            .enumerate()
            .min_by_key(|(_, level)| (i32::from(**level) - i32::from(v)).abs())
            .map_or(0, |(i, _)| i as u8)
    };
    let cube = 16 + 36 * cube_index(r) + 6 * cube_index(g) + cube_index(b);
    let average = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    let grey = 232 + (average.saturating_sub(3) / 10).min(23) as u8;
    let target = (r, g, b);
    if distance(indexed_rgb(grey), target) < distance(indexed_rgb(cube), target) {
        grey
    } else {
        cube
    }
}

/// Chroma (max − min channel) below which a colour counts as a grey.
const GREY_CHROMA: u8 = 48;
/// Lightness ((max + min) / 2) from which a colour takes the bright ANSI variant.
const BRIGHT_LIGHTNESS: u16 = 150;

/// The closest of the 16 ANSI colours that keeps the colour's meaning: greys go to black,
/// dark gray, gray or white by lightness; other colours keep their hue (red, yellow, green,
/// cyan, blue, magenta), bright when light. Nearest by distance would turn a soft red into grey.
pub fn nearest_16(r: u8, g: u8, b: u8) -> Color {
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let lightness = (u16::from(max) + u16::from(min)) / 2;
    if max - min < GREY_CHROMA {
        return match lightness {
            0..48 => Color::Black,
            48..160 => Color::DarkGray,
            160..224 => Color::Gray,
            _ => Color::White,
        };
    }
    let (rf, gf, bf) = (f32::from(r), f32::from(g), f32::from(b));
    let chroma = f32::from(max - min);
    let hue = if max == r {
        60.0 * ((gf - bf) / chroma).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((bf - rf) / chroma + 2.0)
    } else {
        60.0 * ((rf - gf) / chroma + 4.0)
    };
    let sector = ((hue / 60.0).round() as usize) % 6;
    let bright = lightness >= BRIGHT_LIGHTNESS;
    let (normal, light) = [
        (Color::Red, Color::LightRed),
        (Color::Yellow, Color::LightYellow),
        (Color::Green, Color::LightGreen),
        (Color::Cyan, Color::LightCyan),
        (Color::Blue, Color::LightBlue),
        (Color::Magenta, Color::LightMagenta),
    ][sector];
    if bright { light } else { normal }
}

/// Squared colour distance weighted for the eye ("redmean"), scaled to integers.
fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> i64 {
    let mean_red = (i64::from(a.0) + i64::from(b.0)) / 2;
    let dr = i64::from(a.0) - i64::from(b.0);
    let dg = i64::from(a.1) - i64::from(b.1);
    let db = i64::from(a.2) - i64::from(b.2);
    (((512 + mean_red) * dr * dr) >> 8) + 4 * dg * dg + (((767 - mean_red) * db * db) >> 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A colour terminal's environment: `TERM=xterm`, nothing else set.
    fn xterm() -> ColorEnv {
        ColorEnv {
            term_supports_color: true,
            ..ColorEnv::default()
        }
    }

    fn auto(env: ColorEnv, tty: bool) -> ColorDepth {
        ColorDepth::choose(ColorChoice::Auto, &env, tty)
    }

    #[test]
    fn depth_comes_from_colorterm_and_term() {
        assert_eq!(auto(xterm(), true), ColorDepth::Ansi16);
        let term_256 = ColorEnv {
            term_256: true,
            ..xterm()
        };
        assert_eq!(auto(term_256, true), ColorDepth::Indexed256);
        let truecolor = ColorEnv {
            truecolor: true,
            ..term_256
        };
        assert_eq!(auto(truecolor, true), ColorDepth::TrueColor);
    }

    #[test]
    fn no_color_dumb_terminals_and_pipes_get_no_colour() {
        let no_color = ColorEnv {
            no_color: true,
            truecolor: true,
            ..xterm()
        };
        assert_eq!(auto(no_color, true), ColorDepth::Monochrome);
        assert_eq!(
            auto(ColorEnv::default(), true),
            ColorDepth::Monochrome,
            "TERM=dumb or unset"
        );
        assert_eq!(auto(xterm(), false), ColorDepth::Monochrome, "not a tty");
        let clicolor_0 = ColorEnv {
            clicolor: Some(false),
            ..xterm()
        };
        assert_eq!(auto(clicolor_0, true), ColorDepth::Monochrome);
        let clicolor_1 = ColorEnv {
            clicolor: Some(true),
            ..ColorEnv::default()
        };
        assert_eq!(
            auto(clicolor_1, true),
            ColorDepth::Ansi16,
            "CLICOLOR=1 colours a terminal without TERM"
        );
        assert_eq!(auto(clicolor_1, false), ColorDepth::Monochrome);
    }

    #[test]
    fn forcing_colours_dumb_terminals_and_pipes_but_not_over_no_color() {
        let forced = ColorEnv {
            force: true,
            clicolor: Some(false),
            ..ColorEnv::default()
        };
        assert_eq!(auto(forced, false), ColorDepth::Ansi16);
        let forced_256 = ColorEnv {
            term_256: true,
            ..forced
        };
        assert_eq!(auto(forced_256, false), ColorDepth::Indexed256);
        let both = ColorEnv {
            no_color: true,
            ..forced
        };
        assert_eq!(auto(both, true), ColorDepth::Monochrome, "NO_COLOR wins");
    }

    #[test]
    fn the_color_flag_wins_over_the_environment() {
        let no_color = ColorEnv {
            no_color: true,
            term_256: true,
            ..xterm()
        };
        assert_eq!(
            ColorDepth::choose(ColorChoice::Always, &no_color, false),
            ColorDepth::Indexed256
        );
        assert_eq!(
            ColorDepth::choose(ColorChoice::Always, &ColorEnv::default(), false),
            ColorDepth::Ansi16,
            "always on a dumb terminal: the 16 colours"
        );
        let forced = ColorEnv {
            force: true,
            truecolor: true,
            ..xterm()
        };
        assert_eq!(
            ColorDepth::choose(ColorChoice::Never, &forced, true),
            ColorDepth::Monochrome
        );
    }

    #[test]
    fn palette_entries_have_their_xterm_values() {
        assert_eq!(indexed_rgb(16), (0, 0, 0));
        assert_eq!(indexed_rgb(196), (255, 0, 0));
        assert_eq!(indexed_rgb(231), (255, 255, 255));
        assert_eq!(indexed_rgb(232), (8, 8, 8));
        assert_eq!(indexed_rgb(255), (238, 238, 238));
        assert_eq!(indexed_rgb(9), (255, 0, 0));
    }

    #[test]
    fn truecolor_maps_to_the_nearest_256_entry() {
        assert_eq!(nearest_256(255, 0, 0), 196);
        assert_eq!(nearest_256(0, 0, 0), 16);
        assert_eq!(nearest_256(255, 255, 255), 231);
        assert_eq!(nearest_256(0x5f, 0x87, 0xaf), 67, "an exact cube colour");
        assert_eq!(
            nearest_256(0x80, 0x80, 0x80),
            244,
            "greys go to the grey ramp"
        );
        assert_eq!(
            nearest_256(0x1e, 0x1e, 0x2e),
            235,
            "a dark background stays dark"
        );
        assert_eq!(nearest_256(0xff, 0xaf, 0x00), 214);
        // Every palette entry of the cube and ramp maps to itself.
        for index in 16..=255u8 {
            let (r, g, b) = indexed_rgb(index);
            assert_eq!(indexed_rgb(nearest_256(r, g, b)), (r, g, b), "{index}");
        }
    }

    #[test]
    fn truecolor_and_256_map_to_the_nearest_ansi_colour() {
        // Hues survive: a soft red stays red (nearest by distance would make it grey).
        assert_eq!(nearest_16(0xe0, 0x6c, 0x75), Color::LightRed);
        assert_eq!(nearest_16(0xda, 0x36, 0x33), Color::Red);
        assert_eq!(nearest_16(0xff, 0x00, 0x00), Color::Red);
        assert_eq!(nearest_16(0xd2, 0x99, 0x22), Color::Yellow, "amber");
        assert_eq!(nearest_16(0x3f, 0xb9, 0x50), Color::Green);
        assert_eq!(nearest_16(0x39, 0xc5, 0xcf), Color::Cyan);
        assert_eq!(nearest_16(0x58, 0xa6, 0xff), Color::LightBlue);
        assert_eq!(nearest_16(0x09, 0x69, 0xda), Color::Blue);
        assert_eq!(nearest_16(0xc0, 0x30, 0xc0), Color::Magenta);
        // Greys go by lightness.
        assert_eq!(nearest_16(0x0d, 0x11, 0x17), Color::Black);
        assert_eq!(nearest_16(0x8b, 0x94, 0x9e), Color::DarkGray);
        assert_eq!(nearest_16(0xc0, 0xc0, 0xc0), Color::Gray);
        assert_eq!(nearest_16(0xf0, 0xf0, 0xf0), Color::White);
        let depth = ColorDepth::Ansi16;
        assert_eq!(depth.adapt(Color::Indexed(1)), Color::Red);
        assert_eq!(depth.adapt(Color::Indexed(9)), Color::LightRed);
        assert_eq!(depth.adapt(Color::Indexed(196)), Color::Red);
        assert_eq!(depth.adapt(Color::Indexed(244)), Color::DarkGray);
        assert_eq!(depth.adapt(Color::Cyan), Color::Cyan);
        assert_eq!(depth.adapt(Color::Reset), Color::Reset);
    }

    #[test]
    fn each_depth_keeps_what_it_can_show() {
        let rgb = Color::Rgb(0xff, 0xaf, 0x00);
        assert_eq!(ColorDepth::TrueColor.adapt(rgb), rgb);
        assert_eq!(ColorDepth::Indexed256.adapt(rgb), Color::Indexed(214));
        assert_eq!(
            ColorDepth::Indexed256.adapt(Color::Indexed(100)),
            Color::Indexed(100)
        );
        assert_eq!(ColorDepth::Indexed256.adapt(Color::Red), Color::Red);
        assert_eq!(ColorDepth::Ansi16.adapt(rgb), Color::Yellow);
        for c in [rgb, Color::Red, Color::Indexed(100)] {
            assert_eq!(ColorDepth::Monochrome.adapt(c), Color::Reset);
        }
    }
}
