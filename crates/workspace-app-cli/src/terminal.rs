//! Text made safe for a terminal: whatever the server sends (ids, statuses, error codes and
//! messages, body snippets) and whatever the user typed is shown, never obeyed.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Most characters of one line of an error report.
pub const LINE_CHARS: usize = 1000;

/// `text` with every character that could drive a terminal written as a `\u{..}` escape:
/// control characters (C0 with ESC, DEL, C1) and the bidirectional overrides that reorder
/// what is shown (the client's rule, [`workspace_app_client::escaped`]). Without this,
/// `ESC]0;…BEL` retitles the terminal and `ESC[2J` clears it; when stdout is a pipe,
/// anstream would silently drop such bytes and change the text.
pub use workspace_app_client::escaped::escape;
use workspace_app_client::escaped::is_unsafe;

/// JSON text with what [`escape`] escapes written as JSON's `\uXXXX`, but a raw `\n` or
/// `\t`, and with no raw `\r`: serde_json escapes only C0 controls, `"` and `\`, and leaves
/// DEL, C1 (U+009B introduces a control sequence, as ESC `[` does) and the bidirectional
/// overrides raw; a server's own JSON may hold `\r` (which moves the cursor back over the
/// line) as whitespace between tokens. The values are the same: a raw control character is
/// only valid JSON as whitespace between tokens (`\r` is dropped there: the other
/// whitespace is kept) and the rest only inside strings, where `\uXXXX` means the same.
pub fn json(text: String) -> String {
    let unsafe_here = |c: char| is_unsafe(c) && !matches!(c, '\n' | '\t');
    if !text.chars().any(unsafe_here) {
        return text;
    }
    let mut safe = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\r' => {}
            // Every such character is in the Basic Multilingual Plane: one `\uXXXX`.
            c if unsafe_here(c) => {
                let _ = write!(safe, "\\u{:04x}", u32::from(c));
            }
            c => safe.push(c),
        }
    }
    safe
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
        // A server's raw JSON: its `\r` between tokens goes, its other whitespace stays.
        let raw = "{\"count\":1,\r\n\t\"items\":[]}\r".to_string();
        assert_eq!(json(raw), "{\"count\":1,\n\t\"items\":[]}");
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
