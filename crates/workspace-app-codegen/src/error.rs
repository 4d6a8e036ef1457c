use std::fmt;

use crate::load::Location;

/// One problem found in the OpenAPI document, with the place it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The spec file as the caller named it.
    pub file: String,
    /// Where in the file, when known.
    pub location: Option<Location>,
    /// JSON pointer of the offending node, when known (`/paths/~1v1~1.../get`).
    pub pointer: Option<String>,
    /// What is wrong, in one line.
    pub message: String,
    /// The offending source line, for a caret under the column.
    pub source_line: Option<String>,
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
        if let (Some(loc), Some(line)) = (self.location, &self.source_line) {
            let gutter = loc.line.to_string().len();
            write!(f, "\n{:>gutter$} |\n{} | {line}", "", loc.line)?;
            let caret_pad = loc.column.saturating_sub(1) as usize;
            write!(f, "\n{:>gutter$} | {:caret_pad$}^", "", "")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecError {}

/// Every problem found in one pass over the document; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {error}")?;
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
