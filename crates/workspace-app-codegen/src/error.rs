use std::fmt;

use crate::location::Location;

/// Characters of the offending line shown before and after the column: a one-line JSON spec
/// of megabytes is quoted as this much around the error, never whole.
const EXCERPT_CHARS_AROUND: usize = 100;
/// The longest message kept: one may quote a value of the spec (a `$ref`, an example).
const MESSAGE_CHARS: usize = 1_000;
/// The longest JSON pointer kept; a longer one keeps its start and its end.
const POINTER_CHARS: usize = 200;

/// One problem found in the OpenAPI document, with the place it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The spec file as the caller named it.
    pub file: String,
    /// Where in the file, when known.
    pub location: Option<Location>,
    /// JSON pointer of the offending node, when known (`/paths/~1v1~1.../get`), cut in the
    /// middle when very long.
    pub pointer: Option<String>,
    /// What is wrong, in one line, cut when very long.
    pub message: String,
    /// The offending source line, or of a long line its part around the column, for a
    /// caret under the column (boxed: most errors are passed along, few are shown).
    pub source_line: Option<Box<Excerpt>>,
}

/// The offending line, or of a long line at most 100 characters before the column and 100
/// from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// The characters shown.
    pub text: String,
    /// The column (1-based) of `text`'s first character: 1 unless the line's start is cut.
    pub first_column: u64,
    /// Whether the line goes on after `text`.
    pub cut_after: bool,
}

impl Excerpt {
    /// The part of `line` around byte `offset`, which is at `column` (1-based).
    pub(crate) fn around(line: &str, offset: usize, column: usize) -> Excerpt {
        let (before, after) = line.split_at(offset);
        let (shown_before, start) = before
            .char_indices()
            .rev()
            .take(EXCERPT_CHARS_AROUND)
            .enumerate()
            .last()
            .map_or((0, offset), |(i, (start, _))| (i + 1, start));
        let end = after
            .char_indices()
            .nth(EXCERPT_CHARS_AROUND)
            .map_or(line.len(), |(i, _)| offset + i);
        Excerpt {
            text: line[start..end].to_string(),
            first_column: u64::try_from(column.saturating_sub(shown_before).max(1))
                .unwrap_or(u64::MAX),
            cut_after: end < line.len(),
        }
    }
}

impl SpecError {
    /// The most characters [`Display`](fmt::Display) writes besides the file name, whatever
    /// the spec: the message, the pointer and the quoted line are each cut.
    pub const MAX_DISPLAY_CHARS: usize = 2_000;

    /// An error, its message and pointer cut to their bounds.
    pub(crate) fn new(
        file: &str,
        location: Option<Location>,
        pointer: Option<String>,
        message: String,
        source_line: Option<Excerpt>,
    ) -> SpecError {
        SpecError {
            file: file.to_string(),
            location,
            pointer: pointer.map(|p| cut_middle(p, POINTER_CHARS)),
            message: cut_end(message, MESSAGE_CHARS),
            source_line: source_line.map(Box::new),
        }
    }
}

/// `text` as its first `max` characters and `…` when longer.
fn cut_end(text: String, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// `text` as its first and last characters around `…` when longer than `max`: the start
/// of a pointer says where, its end what.
fn cut_middle(text: String, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text;
    }
    let head = max / 3;
    let tail = max - head - 1;
    let head_end = text.char_indices().nth(head).map_or(0, |(i, _)| i);
    let tail_start = text
        .char_indices()
        .nth(count - tail)
        .map_or(text.len(), |(i, _)| i);
    format!("{}…{}", &text[..head_end], &text[tail_start..])
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(loc) = self.location {
            write!(f, ":{}:{}", loc.line, loc.column)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(pointer) = &self.pointer {
            write!(
                f,
                " (at {})",
                if pointer.is_empty() { "/" } else { pointer }
            )?;
        }
        if let (Some(loc), Some(excerpt)) = (self.location, &self.source_line) {
            let gutter = loc.line.to_string().len();
            let cut_before = excerpt.first_column > 1;
            let (lead, trail) = (
                if cut_before { "…" } else { "" },
                if excerpt.cut_after { "…" } else { "" },
            );
            let text = &excerpt.text;
            write!(f, "\n{:>gutter$} |\n{} | {lead}{text}{trail}", "", loc.line)?;
            // Under the column, never past the end of what is shown.
            let shown = text.chars().count();
            let into = usize::try_from(loc.column.saturating_sub(excerpt.first_column))
                .map_or(shown, |into| into.min(shown));
            let caret_pad = into + usize::from(cut_before);
            write!(f, "\n{:>gutter$} | {:caret_pad$}^", "", "")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecError {}

/// Every problem found in one pass over the document; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecErrors(pub Vec<SpecError>);

impl SpecErrors {
    /// How many errors [`Display`](fmt::Display) shows; then how many more there are, so the
    /// output stays short however many a broken spec has.
    pub const SHOWN: usize = 20;
}

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().take(Self::SHOWN).enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {error}")?;
        }
        let more = self.0.len().saturating_sub(Self::SHOWN);
        if more > 0 {
            let noun = if more == 1 { "error" } else { "errors" };
            write!(f, "\nand {more} more {noun}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

impl From<SpecError> for SpecErrors {
    fn from(error: SpecError) -> Self {
        SpecErrors(vec![error])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worst case: every part at its bound, the location at the largest numbers.
    #[test]
    fn an_error_at_every_bound_stays_within_max_display_chars() {
        let location = Location {
            line: u64::MAX,
            column: u64::MAX,
        };
        let line = "é".repeat(10 * EXCERPT_CHARS_AROUND);
        let error = SpecError::new(
            "",
            Some(location),
            Some("/é".repeat(POINTER_CHARS)),
            "é".repeat(10 * MESSAGE_CHARS),
            Some(Excerpt::around(&line, line.len() / 2, usize::MAX)),
        );
        let shown = error.to_string().chars().count();
        assert!(shown <= SpecError::MAX_DISPLAY_CHARS, "{shown} characters");
        assert!(
            shown > SpecError::MAX_DISPLAY_CHARS / 2,
            "{shown} characters"
        );
    }

    #[test]
    fn an_excerpt_keeps_the_column_in_view() {
        let line = format!("{}^{}", "a".repeat(500), "b".repeat(500));
        let excerpt = Excerpt::around(&line, 500, 501);
        assert_eq!(excerpt.text.chars().count(), 2 * EXCERPT_CHARS_AROUND);
        assert_eq!(excerpt.first_column, 401);
        assert!(excerpt.cut_after);
        assert_eq!(excerpt.text.chars().nth(100), Some('^'));
        // A short line is shown whole.
        let short = Excerpt::around("key: value", 5, 6);
        assert_eq!((short.text.as_str(), short.first_column), ("key: value", 1));
        assert!(!short.cut_after);
    }

    #[test]
    fn a_long_pointer_keeps_its_start_and_end() {
        let pointer = format!("/paths{}/example/items/0", "/x".repeat(1000));
        let cut = cut_middle(pointer, POINTER_CHARS);
        assert_eq!(cut.chars().count(), POINTER_CHARS);
        assert!(cut.starts_with("/paths/x") && cut.ends_with("/example/items/0"));
    }
}
