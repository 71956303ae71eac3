//! "Did you mean ...?"

/// The candidate closest to `word`, if any is close enough to be a likely typo.
pub fn closest(word: &str, candidates: impl IntoIterator<Item = String>) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, &c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggests_a_close_key_and_nothing_for_a_distant_one() {
        let keys = || ["lavrov".to_string(), "pashinyan".to_string()];
        assert_eq!(super::closest("lavorv", keys()), Some("lavrov".into()));
        assert_eq!(super::closest("stoltenberg", keys()), None);
    }
}
