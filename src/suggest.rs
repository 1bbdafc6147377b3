//! "Did you mean …?" for names typed in files: the closest known name by edit distance.
//!
//! A leaf module: it imports nothing of the crate, so every room may use it.

/// The candidate closest to `name`, if it is at most `max_distance` edits away.
pub fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max_distance: usize,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .min_by_key(|(distance, _)| *distance)
        .filter(|(distance, _)| *distance <= max_distance)
        .map(|(_, c)| c)
}

/// Levenshtein distance between two short names, in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(edit_distance("filter", "filter"), 0);
        assert_eq!(edit_distance("fliter", "filter"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("select_dwn", "select_down"), 1);
    }

    #[test]
    fn closest_respects_the_limit() {
        let names = ["select_down", "select_up", "quit"];
        assert_eq!(closest("select_dwn", names, 2), Some("select_down"));
        assert_eq!(closest("zzzzzz", names, 2), None);
    }
}
