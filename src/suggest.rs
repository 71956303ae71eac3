//! "Did you mean ...?"

/// The candidate closest to `word`, if any is close enough to be a likely typo.
///
/// Only candidates of about the word's length are compared (see [`lengths`]): a typo adds or
/// drops a few characters, and a value far longer than every candidate (a field pasted by
/// mistake, megabytes long) then costs one pass over the candidates' lengths instead of a
/// comparison with each that grows with its length.
pub fn closest(word: &str, candidates: impl IntoIterator<Item = String>) -> Option<String> {
    let range = lengths(word);
    candidates
        .into_iter()
        .filter(|c| range.contains(&c.chars().count()))
        .map(|c| (strsim::jaro_winkler(word, &c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The lengths, in characters, of the candidates worth comparing with `word`: within a quarter
/// of its length, and at least two characters, either way.
pub fn lengths(word: &str) -> std::ops::RangeInclusive<usize> {
    let length = word.chars().count();
    let slack = (length / 4).max(2);
    length.saturating_sub(slack)..=length + slack
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggests_a_close_key_and_nothing_for_a_distant_one() {
        let keys = || ["lavrov".to_string(), "pashinyan".to_string()];
        assert_eq!(super::closest("lavorv", keys()), Some("lavrov".into()));
        assert_eq!(super::closest("stoltenberg", keys()), None);
    }

    #[test]
    fn a_value_far_longer_than_every_candidate_is_compared_with_none() {
        let keys = || ["lavrov".to_string()];
        // Jaro-Winkler alone rates this above 0.8, for its prefix.
        let long = format!("lavrov{}", "x".repeat(25));
        assert!(strsim::jaro_winkler(&long, "lavrov") > 0.8);
        assert_eq!(super::closest(&long, keys()), None);
        assert_eq!(super::lengths("lavrov"), 4..=8);
        assert_eq!(super::lengths(&"a".repeat(240_000)), 180_000..=300_000);
    }
}
