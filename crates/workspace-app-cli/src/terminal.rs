//! Text made safe for a terminal: whatever the server sends (ids, statuses, error codes and
//! messages, body snippets) and whatever the user typed is shown, never obeyed.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Most characters of one line of an error report.
pub const LINE_CHARS: usize = 1000;

/// `text` with every character that could drive a terminal written as a `\u{..}` escape:
/// control characters (C0 with ESC, DEL, C1) and the bidirectional overrides that reorder
/// what is shown. Without this, `ESC]0;…BEL` retitles the terminal and `ESC[2J` clears it;
/// when stdout is a pipe, anstream would silently drop such bytes and change the text.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(safe, "\\u{{{:x}}}", u32::from(c));
        } else {
            safe.push(c);
        }
    }
    Cow::Owned(safe)
}

fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// [`escape`]d, and cut to `max_chars` characters with its length when longer: a 100 KB
/// value gives a line, not 100 KB of echo.
pub fn shorten(text: &str, max_chars: usize) -> Cow<'_, str> {
    let escaped = escape(text);
    match escaped.char_indices().nth(max_chars) {
        None => escaped,
        Some((cut, _)) => Cow::Owned(format!(
            "{}… ({} bytes in all)",
            &escaped[..cut],
            text.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(escape("plain id-1 é 中"), "plain id-1 é 中");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape("a\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}\u{7f}\n\t"),
            "a\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{9b}\\u{7f}\\u{a}\\u{9}"
        );
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
    }

    #[test]
    fn long_values_are_cut_with_their_length() {
        let long = "a".repeat(100 * 1024);
        let shown = shorten(&long, 200);
        assert!(shown.len() < 300, "{shown}");
        assert!(shown.ends_with("… (102400 bytes in all)"), "{shown}");
        assert_eq!(shorten("short", 200), "short");
        // Cut after escaping, at a character boundary.
        assert!(!shorten(&"\u{1b}é".repeat(500), 200).contains('\u{1b}'));
    }
}
