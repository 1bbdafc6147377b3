//! The `/` filter: a case-insensitive substring over each row's text.

/// A filter as typed; empty matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    text: String,
    needle: String,
}

impl Filter {
    /// A filter for `text`.
    pub fn new(text: &str) -> Filter {
        Filter {
            text: text.to_string(),
            needle: text.to_lowercase(),
        }
    }

    /// What the user typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Adds a typed character.
    pub fn push(&mut self, c: char) {
        self.text.push(c);
        self.needle = self.text.to_lowercase();
    }

    /// Removes the last character; false when there was none.
    pub fn pop(&mut self) -> bool {
        let popped = self.text.pop().is_some();
        self.needle = self.text.to_lowercase();
        popped
    }

    /// Clears the filter.
    pub fn clear(&mut self) {
        self.text.clear();
        self.needle.clear();
    }

    /// Does a row whose text is made of `parts` match?
    pub fn matches(&self, parts: &[&str]) -> bool {
        if self.needle.is_empty() {
            return true;
        }
        let mut haystack = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
        for p in parts {
            haystack.push_str(&p.to_lowercase());
            haystack.push(' ');
        }
        haystack.contains(&self.needle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_case_insensitively_across_parts() {
        let mut f = Filter::new("EXEC");
        assert!(f.matches(&["deploy", "ge-agents", "ge-executor"]));
        assert!(!f.matches(&["sts", "ge-data", "postgresql"]));
        f.clear();
        assert!(f.is_empty() && f.matches(&["anything"]));
        f.push('s');
        f.push(' ');
        f.push('g');
        assert!(
            f.matches(&["sts", "ge-data"]),
            "a space matches between parts"
        );
        assert!(f.pop());
        assert_eq!(f.text(), "s ");
    }
}
