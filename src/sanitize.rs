//! Neutralises strings from clusters and child processes before they reach the terminal.
//!
//! Names, reasons, messages and build output can carry escape sequences or control characters
//! that would move the cursor, change colours or retitle the terminal. Everything shown passes
//! through [`clean`] (or [`clean_bytes`]) once, where it enters the program: escape sequences
//! are removed whole, then the remaining control characters and bidi overrides are dropped.
//! Build output may keep its colours through [`clean_bytes_keeping_sgr`], for the build log
//! pane to turn into styles.

use std::borrow::Cow;

/// Returns `s` with control characters, escape sequences and bidi overrides made harmless:
/// escape sequences (CSI, OSC ended by BEL or ST, DCS, a lone ESC, ...) are removed whole,
/// tabs and newlines become spaces, other C0/C1 controls and DEL are dropped, and directional
/// overrides (which can make text read differently from what it is) are removed.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_cleaning) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(filter(s, false))
}

/// [`clean`] into an owned `String`.
pub fn clean_owned(s: &str) -> String {
    clean(s).into_owned()
}

/// [`clean`] of a string already owned: kept as it is (no copy) when there is nothing to remove.
pub fn clean_string(s: String) -> String {
    if !s.chars().any(needs_cleaning) {
        return s;
    }
    filter(&s, false)
}

fn needs_cleaning(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// Decodes bytes that may not be UTF-8 (a child process's output) and cleans them; invalid
/// sequences show as U+FFFD.
pub fn clean_bytes(bytes: &[u8]) -> String {
    clean_owned(&String::from_utf8_lossy(bytes))
}

/// Like [`clean_bytes`], but SGR sequences (colours and text attributes, `ESC[…m`) are kept,
/// rewritten in a plain `ESC[n;n;…m` form, for the build log pane to turn into styles. The
/// result still holds escape bytes: it must never be written to a terminal as it is.
pub fn clean_bytes_keeping_sgr(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if !text.chars().any(needs_cleaning) {
        return text.into_owned();
    }
    filter(&text, true)
}

/// Runs `s` through a terminal parser and keeps only what a terminal would print, without
/// controls and bidi overrides (and, with `keep_sgr`, the SGR sequences).
///
/// The parsing is vte's (Alacritty's ECMA-48 state machine), so every kind of sequence ends
/// where a terminal would end it; only the choice of what to keep is ours. (The
/// `strip-ansi-escapes` crate does the same over an older vte, but cannot keep SGR.)
fn filter(s: &str, keep_sgr: bool) -> String {
    let mut keep = Keep {
        out: String::with_capacity(s.len()),
        keep_sgr,
    };
    vte::Parser::new().advance(&mut keep, s.as_bytes());
    keep.out
}

/// What [`filter`] keeps of the parser's actions.
struct Keep {
    out: String,
    keep_sgr: bool,
}

impl vte::Perform for Keep {
    fn print(&mut self, c: char) {
        if !needs_cleaning(c) {
            self.out.push(c);
        }
    }

    fn execute(&mut self, byte: u8) {
        if matches!(byte, b'\t' | b'\n' | b'\r') {
            self.out.push(' ');
        }
    }

    fn csi_dispatch(
        &mut self,
        params: &vte::Params,
        intermediates: &[u8],
        ignore: bool,
        action: char,
    ) {
        if !self.keep_sgr || action != 'm' || ignore || !intermediates.is_empty() {
            return;
        }
        let mut codes: Vec<String> = Vec::new();
        for param in params.iter() {
            match param {
                // `38:5:n` and `38:2:r:g:b` (colon form) as the `;` form the style parser reads.
                [38 | 48 | 58, 5, _] | [38 | 48 | 58, 2, _, _, _] => {
                    codes.extend(param.iter().map(u16::to_string));
                }
                // `38:2::r:g:b`, with the (empty) colour space id.
                [code @ (38 | 48 | 58), 2, _, r, g, b] => {
                    codes.extend([*code, 2, *r, *g, *b].iter().map(u16::to_string));
                }
                // Other sub-parameters (`4:3`, curly underline) keep only their main code.
                [first, ..] => codes.push(first.to_string()),
                [] => {}
            }
        }
        self.out.push_str("\x1b[");
        self.out.push_str(&codes.join(";"));
        self.out.push('m');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owned_string_is_kept_when_clean_and_cleaned_otherwise() {
        let plain = String::from("ge-executor-7d9f");
        let at = plain.as_ptr();
        let kept = clean_string(plain);
        assert_eq!(kept.as_ptr(), at, "no copy of a clean string");
        assert_eq!(
            clean_string("a\x1b[31mb\u{202E}c".into()),
            clean("a\x1b[31mb\u{202E}c")
        );
        assert_eq!(clean_string("a\x1b[31mb".into()), "ab");
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(clean("ge-executor-7d9f"), Cow::Borrowed(_)));
        assert_eq!(clean("naïve 名前"), "naïve 名前");
    }

    #[test]
    fn csi_colours_are_removed_whole() {
        assert_eq!(
            clean("\x1b[31merror\x1b[0m: image pull"),
            "error: image pull"
        );
        assert_eq!(clean("\x1b[1;38;5;196mred\x1b[m"), "red");
        assert_eq!(clean("\x1b[38:2::255:0:0mrgb"), "rgb");
    }

    #[test]
    fn osc_titles_are_removed_whole_whether_ended_by_bel_or_st() {
        assert_eq!(clean("a\x1b]0;pwned\x07b"), "ab");
        assert_eq!(clean("a\x1b]0;pwned\x1b\\b"), "ab");
        assert_eq!(
            clean("see \x1b]8;;http://x.example/\x1b\\link\x1b]8;;\x1b\\ here"),
            "see link here"
        );
    }

    #[test]
    fn cursor_movement_and_screen_control_are_removed_whole() {
        assert_eq!(clean("evil\x1b[2J\x1b[H\x1b[10;20Hname"), "evilname");
        assert_eq!(clean("a\x1b[?25l\x1b[?1049hb"), "ab");
        assert_eq!(clean("a\x1b7\x1b8b"), "ab", "save and restore cursor");
        assert_eq!(clean("a\x1bP1$r\x1b\\b"), "ab", "DCS");
    }

    #[test]
    fn a_lone_escape_takes_nothing_visible_with_it() {
        assert_eq!(clean("end\x1b"), "end");
        assert_eq!(
            clean("a\x1b b"),
            "a",
            "ESC SP b is one sequence, as a terminal reads it"
        );
        assert_eq!(clean("\x1b\x1b[31mred"), "red");
    }

    #[test]
    fn remaining_controls_and_bidi_overrides_are_neutralised() {
        assert_eq!(clean("a\tb\nc\rd"), "a b c d");
        assert_eq!(clean("x\u{9b}31my\u{7f}"), "x31my");
        assert_eq!(clean("abc\u{202E}fed"), "abcfed");
        assert_eq!(clean("back\x08space\x00"), "backspace");
    }

    #[test]
    fn invalid_utf8_is_shown_safely() {
        assert_eq!(
            clean_bytes(b"ok \xff\xfe done\x1b[0m"),
            "ok \u{fffd}\u{fffd} done"
        );
        assert_eq!(clean_bytes(b"\x1b[31mcut \xe2\x82"), "cut \u{fffd}");
    }

    #[test]
    fn build_output_keeps_only_sgr_in_a_plain_form() {
        assert_eq!(
            clean_bytes_keeping_sgr(b"\x1b]0;t\x07\x1b[2K\x1b[1;31mERROR\x1b[0m \x1b[?25lx\r"),
            "\x1b[1;31mERROR\x1b[0m x "
        );
        assert_eq!(
            clean_bytes_keeping_sgr(b"\x1b[38:2::1:2:3mrgb\x1b[4:3mcurly"),
            "\x1b[38;2;1;2;3mrgb\x1b[4mcurly"
        );
        assert_eq!(clean_bytes_keeping_sgr(b"plain \xff"), "plain \u{fffd}");
    }
}
