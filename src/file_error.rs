//! One located error for every file the console reads (zones file, keymaps, themes, the demo
//! seed): `path:line:column: message`, so each names the place to fix in the same words.
//!
//! A leaf module: it imports nothing of the crate, so every room may use it.

use std::fmt;
use std::path::{Path, PathBuf};

/// A mistake at a known place in a file, printed as `path:line:column: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl FileError {
    /// The error at byte `offset` of `text`, the content of the file at `path`.
    pub fn at(path: &Path, text: &str, offset: usize, message: impl Into<String>) -> FileError {
        let (line, column) = line_column(text, offset);
        FileError {
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }

    /// The error a TOML parser or deserialiser reported, at its span (or 1:1 without one).
    pub fn from_toml(path: &Path, text: &str, err: &toml::de::Error) -> FileError {
        let offset = err.span().map_or(0, |span| span.start);
        FileError::at(path, text, offset, err.message().trim())
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

impl std::error::Error for FileError {}

/// Converts a byte offset in `text` into a 1-based (line, column) pair; the column counts
/// characters, as editors do.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.chars().count(), |nl| {
        before[nl + 1..].chars().count()
    }) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 9), (2, 4));
        assert_eq!(line_column(text, 999), (3, 1));
    }

    #[test]
    fn columns_count_characters_and_offsets_inside_a_character_do_not_panic() {
        let text = "ä = 1\n";
        // `=` is at byte 3 but is the third character ("ä" takes two bytes).
        assert_eq!(line_column(text, 3), (1, 3));
        assert_eq!(line_column(text, 1), (1, 1));
    }

    #[test]
    fn toml_errors_point_at_their_span() {
        let text = "a = 1\nb = \n";
        let err = toml::from_str::<toml::Table>(text).unwrap_err();
        let located = FileError::from_toml(Path::new("x.toml"), text, &err);
        assert_eq!(located.line, 2, "{located}");
        assert!(located.to_string().starts_with("x.toml:2:"), "{located}");
    }
}
