//! Acknowledged changes, kept in the spec itself (as Smithy keeps suppressions in the
//! model), each with its reason:
//!
//! ```yaml
//! x-acknowledged-changes:
//!   - rule: response-optional-property-removed
//!     at: /components/schemas/JobDetailInfo/properties/error_message
//!     reason: The service stopped sending it in 2026-11.
//! ```
//!
//! An acknowledgement covers the changes with its rule at its pointer; one that covers no
//! change is stale and fails the check, so none outlive what they were written for. A
//! release (`cargo xtask release`) removes them all.

use serde_json::Value;
use workspace_app_codegen::{Spec, SpecError};

use super::change::Change;

/// The top-level extension holding the acknowledgements.
pub const EXTENSION: &str = "x-acknowledged-changes";

/// One acknowledged change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Acknowledgement {
    pub rule: String,
    /// The change's JSON pointer, as `cargo xtask diff` prints it.
    pub at: String,
    pub reason: String,
    /// Where it is written, `file:line`.
    #[serde(skip)]
    pub written: String,
}

impl Acknowledgement {
    pub fn covers(&self, change: &Change) -> bool {
        self.rule == change.rule && self.at == change.shown_pointer()
    }
}

/// The spec's acknowledgements; a malformed one is an error at its place.
pub fn read(spec: &Spec) -> Result<Vec<Acknowledgement>, SpecError> {
    let root = format!("/{EXTENSION}");
    let Some(list) = spec.document.get(EXTENSION) else {
        return Ok(Vec::new());
    };
    let Some(list) = list.as_array() else {
        return Err(spec.error_at(
            &root,
            format!("`{EXTENSION}` must be a list of {{rule, at, reason}}"),
        ));
    };
    let mut found = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let pointer = format!("{root}/{i}");
        let text = |key: &str| {
            entry
                .get(key)
                .and_then(Value::as_str)
                .filter(|text| !text.trim().is_empty())
                .map(str::to_string)
                .ok_or_else(|| {
                    spec.error_at(
                        &pointer,
                        format!("an acknowledged change needs a non-empty `{key}`"),
                    )
                })
        };
        let location = spec
            .locate(&pointer)
            .map_or(String::new(), |l| format!(":{}", l.line));
        found.push(Acknowledgement {
            rule: text("rule")?,
            at: text("at")?,
            reason: text("reason")?,
            written: format!("{}{location}", spec.file),
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::Acknowledgement;
    use crate::diff::change::{Bump, Change};

    /// A Rust change no spec change explains, of a type with no schema of its own, is placed
    /// at the document's root: the acknowledgement `cargo xtask diff` suggests for it
    /// (`at: /`) covers it.
    #[test]
    fn a_change_at_the_root_is_acknowledged_at_slash() {
        let change = Change {
            rule: "rust-item-removed".to_string(),
            pointer: String::new(),
            message: "removed Client::gone".to_string(),
            wire: Bump::Patch,
            rust: Bump::Major,
            rust_items: vec!["removed Client::gone".to_string()],
            claims: Vec::new(),
            in_base: false,
        };
        let acknowledgement = Acknowledgement {
            rule: change.rule.clone(),
            at: "/".to_string(),
            reason: "Renamed upstream.".to_string(),
            written: String::new(),
        };
        assert!(acknowledgement.covers(&change));
        assert_eq!(change.shown_pointer(), "/");
    }
}
