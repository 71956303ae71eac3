//! How a value the user gave appears in a one-line message: whole up to [`WHOLE`] bytes, else its
//! first [`KEPT`] characters and its size. A value pasted by mistake may run to megabytes; the
//! message stays one readable line. The loader's `QuotedValue`, report parameters and SQLite's
//! messages about a query all cut by this rule, each quoting in its own way.

/// Values up to this many bytes are shown whole.
pub const WHOLE: usize = 80;
/// How many characters of a longer value are shown.
pub const KEPT: usize = 40;

/// The part of `text` a message shows, or None when it is shown whole.
pub fn kept(text: &str) -> Option<&str> {
    (text.len() > WHOLE).then(|| {
        let end = text
            .char_indices()
            .nth(KEPT)
            .map_or(text.len(), |(at, _)| at);
        &text[..end]
    })
}

/// What follows a cut value: `… (120,000 bytes)` with `closing` (a quote) after the ellipsis.
pub fn cut_mark(closing: &str, bytes: usize) -> String {
    format!("\u{2026}{closing} ({} bytes)", thousands(bytes as u64))
}

/// `text` with its control characters (a line break, a tab, a carriage return) escaped as Rust
/// escapes them (`\n`), so that a message holding it stays one line.
pub fn escaped(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c.is_control() {
            true => out.extend(c.escape_debug()),
            false => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A value as a message shows it unquoted: cut by the rule above, its control characters
/// escaped.
pub fn shown(text: &str) -> String {
    shown_closed(text, "")
}

/// [`shown`], followed by `closing` (the quote the message opened it with), which goes before
/// the cut mark when it is cut: `"xxxx…" (120,000 bytes)`.
pub fn shown_closed(text: &str, closing: &str) -> String {
    match kept(text) {
        Some(kept) => format!("{}{}", escaped(kept), cut_mark(closing, text.len())),
        None => format!("{}{closing}", escaped(text)),
    }
}

/// `10000000` as `10,000,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_keeps_whole_characters_and_says_its_size() {
        assert_eq!(kept(&"x".repeat(WHOLE)), None);
        let long = "ğ".repeat(WHOLE);
        assert_eq!(kept(&long), Some("ğ".repeat(KEPT).as_str()));
        assert_eq!(cut_mark("\"", long.len()), "\u{2026}\" (160 bytes)");
        assert_eq!(thousands(10_000_000), "10,000,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(escaped("a\tb\r\nc"), "a\\tb\\r\\nc");
        assert_eq!(
            shown(&format!("{}\n", "ğ".repeat(WHOLE))),
            format!("{}\u{2026} (161 bytes)", "ğ".repeat(KEPT))
        );
        assert_eq!(shown("two\nlines"), "two\\nlines");
    }
}
