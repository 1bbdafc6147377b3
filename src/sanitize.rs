//! Neutralises strings from clusters and child processes before they reach the terminal.
//!
//! Names, reasons, messages and build output can carry escape sequences or control characters
//! that would move the cursor, change colours or retitle the terminal. Everything shown passes
//! through [`clean`] once, where it enters the program.

use std::borrow::Cow;

/// Returns `s` with control characters, escape sequences and bidi overrides made harmless:
/// tabs and newlines become spaces, other C0/C1 controls and DEL are dropped, and directional
/// overrides (which can make text read differently from what it is) are removed.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_cleaning) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            c if needs_cleaning(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`clean`] into an owned `String`.
pub fn clean_owned(s: &str) -> String {
    clean(s).into_owned()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(clean("ge-executor-7d9f"), Cow::Borrowed(_)));
        assert_eq!(clean("naïve 名前"), "naïve 名前");
    }

    #[test]
    fn escape_sequences_and_controls_are_neutralised() {
        assert_eq!(
            clean("evil\x1b[2J\x1b]0;title\x07name"),
            "evil[2J]0;titlename"
        );
        assert_eq!(clean("a\tb\nc\rd"), "a b c d");
        assert_eq!(clean("x\u{9b}31my\u{7f}"), "x31my");
        assert_eq!(clean("abc\u{202E}fed"), "abcfed");
    }

    #[test]
    fn invalid_utf8_is_shown_safely() {
        assert_eq!(
            clean_bytes(b"ok \xff\xfe done\x1b[0m"),
            "ok \u{fffd}\u{fffd} done[0m"
        );
    }
}
