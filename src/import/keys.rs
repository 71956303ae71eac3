//! Keys made from a dataset's own values: stable across imports of the same data, and within
//! what a key may hold (letters, digits and `-_.:`).

/// `text` in lower case with every run of other characters one `-`, at most `max` bytes.
pub fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= max {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The namespace of a dataset's keys: its name, with every character a key may not hold (or a
/// `:`, which ends the namespace) as `-`, starting with a letter or digit.
pub fn namespace(dataset: &str) -> String {
    let name: String = dataset
        .chars()
        .map(|c| match c.is_ascii_alphanumeric() || "-_.".contains(c) {
            true => c,
            false => '-',
        })
        .collect();
    match name.trim_start_matches(|c: char| !c.is_ascii_alphanumeric()) {
        "" => "dataset".to_string(),
        trimmed => trimmed.to_string(),
    }
}

/// A 64-bit FNV-1a hash of the parts, as 16 hex digits: the same on every machine and in every
/// version, which a hasher seeded per process is not.
pub fn hash(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            // A separator no text holds, so ("a", "bc") and ("ab", "c") differ.
            hash ^= 0xff;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        for byte in part.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_hashes() {
        assert_eq!(slug("Line of Contact", 80), "line-of-contact");
        assert_eq!(
            slug("  Ariha (district), Idlib ", 80),
            "ariha-district-idlib"
        );
        assert_eq!(slug("Şuşa", 80), "u-a");
        assert_eq!(hash(&["a", "bc"]).len(), 16);
        assert_ne!(hash(&["a", "bc"]), hash(&["ab", "c"]));
        // Fixed, so that keys made from it never change between versions.
        assert_eq!(hash(&[""]), "cbf29ce484222325");
        assert_eq!(namespace("acled-2023"), "acled-2023");
        assert_eq!(namespace("ACLED: Armenia 2024"), "ACLED--Armenia-2024");
        assert_eq!(namespace("_ucdp.v24"), "ucdp.v24");
        assert_eq!(namespace("::"), "dataset");
    }
}
