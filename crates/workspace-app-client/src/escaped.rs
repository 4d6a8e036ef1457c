//! Text from the server, shown so that it can never drive a terminal or end a line.
//!
//! A log subscriber such as `tracing_subscriber::fmt` writes a `%field` as its `Display`
//! gives it: an error message with a newline would start a line of its own (a forged log
//! line), and ESC `]0;…` BEL or ESC `[2J` would retitle or clear the terminal. Every field
//! of this crate's events that carries server text goes through [`Escaped`].

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// `Display` of the inner value with every character that could drive a terminal or break
/// a line (C0 controls with `\n`, `\r`, `\t` and ESC, DEL, C1, and the bidirectional
/// overrides that reorder what is shown) written as a `\u{..}` escape. Other text is left
/// as it is, so the value still reads the same.
///
/// ```
/// use workspace_app_client::Escaped;
///
/// let message = "busy\n2026-01-01T00:00:00Z INFO forged\u{1b}[2J";
/// assert_eq!(
///     Escaped(message).to_string(),
///     "busy\\u{a}2026-01-01T00:00:00Z INFO forged\\u{1b}[2J"
/// );
/// // For a log field: tracing::warn!(error = %Escaped(&error), "...");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Escaped<T>(pub T);

impl<T: fmt::Display> fmt::Display for Escaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(EscapingWriter(f), "{}", self.0)
    }
}

/// `text` escaped as [`Escaped`] shows it, borrowed when nothing needed escaping.
pub fn escape(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unsafe) {
        Cow::Owned(Escaped(text).to_string())
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether `c` could drive a terminal, break a line, or reorder what is shown.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Passes text on to a formatter, escaping what [`is_unsafe`] names on the way.
struct EscapingWriter<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for EscapingWriter<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut rest = text;
        while let Some(at) = rest.find(is_unsafe) {
            self.0.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            write!(self.0, "\\u{{{:x}}}", u32::from(c))?;
            rest = &rest[at + c.len_utf8()..];
        }
        self.0.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_that_drives_a_terminal_is_escaped() {
        assert_eq!(escape("plain id-1 é 中"), "plain id-1 é 中");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape("a\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}\u{7f}\n\r\t"),
            "a\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{9b}\\u{7f}\\u{a}\\u{d}\\u{9}"
        );
        assert_eq!(escape("x\u{202e}y\u{2066}"), "x\\u{202e}y\\u{2066}");
    }

    #[test]
    fn display_escapes_what_the_inner_value_writes() {
        let error = std::io::Error::other("busy\nINFO forged");
        assert_eq!(Escaped(&error).to_string(), "busy\\u{a}INFO forged");
        // Formatting options of the outer `{}` do not reach the inner value.
        assert_eq!(format!("{}", Escaped(7)), "7");
    }
}
