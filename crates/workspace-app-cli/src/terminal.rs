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

/// JSON text with what [`escape`] escapes written as JSON's `\uXXXX`: serde_json escapes
/// only C0 controls, `"` and `\`, and leaves DEL, C1 (U+009B introduces a control
/// sequence, as ESC `[` does) and the bidirectional overrides raw. The values are the same;
/// only their spelling changes. Those characters occur only inside strings, so the text
/// stays valid JSON.
pub fn json(text: String) -> String {
    // A raw C0 character in serde_json's output is whitespace between tokens: leave it.
    let left_raw = |c: char| c == '\u{7f}' || (!c.is_ascii() && is_unsafe(c));
    if !text.chars().any(left_raw) {
        return text;
    }
    let mut safe = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if left_raw(c) {
            // Every such character is in the Basic Multilingual Plane: one `\uXXXX`.
            let _ = write!(safe, "\\u{:04x}", u32::from(c));
        } else {
            safe.push(c);
        }
    }
    safe
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
    fn json_keeps_its_values_and_shows_no_raw_control() {
        let value = "a\u{1b}[2J\u{9b}\u{7f}\u{202e}\n é 中";
        let text = json(serde_json::to_string_pretty(&serde_json::json!({ "id": value })).unwrap());
        assert_eq!(
            text,
            "{\n  \"id\": \"a\\u001b[2J\\u009b\\u007f\\u202e\\n é 中\"\n}"
        );
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["id"], value);
        assert_eq!(json("{\"id\":\"plain é\"}".into()), "{\"id\":\"plain é\"}");
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
