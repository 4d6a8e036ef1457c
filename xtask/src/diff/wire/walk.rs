//! The walk over both documents: what it compares, the changes found so far, the schemas
//! already compared; recording a change, and the documentation changes (description,
//! summary, title, examples) found wherever the walk goes.

use std::collections::HashSet;

use serde_json::Value;

use crate::diff::change::{Bump, Change, Claim, DESCRIPTION_CHANGED, EXAMPLE_CHANGED};

use super::context::{Direction, Place};
use super::json::describe_pointer;

/// Both documents, the changes found so far and the schemas already compared. Its methods
/// live with what they compare: recording here, then `schemas`, `operations`, `document`.
pub(super) struct Walk<'a> {
    pub(super) base: &'a Value,
    pub(super) head: &'a Value,
    pub(super) changes: Vec<Change>,
    /// Schema pairs already compared, so a shared schema is judged once per direction and
    /// place (a parameter's rules are not a property's) and a recursive one ends.
    pub(super) seen: HashSet<(String, String, Direction, Place, bool)>,
}

/// A node of one of the documents and where it is.
#[derive(Debug, Clone)]
pub(super) struct Node<'a> {
    pub(super) pointer: String,
    pub(super) value: &'a Value,
}

impl<'a> Walk<'a> {
    pub(super) fn push(
        &mut self,
        rule: impl Into<String>,
        pointer: &str,
        wire: Bump,
        rust: Bump,
        message: String,
        claims: Vec<Claim>,
    ) {
        self.changes.push(Change {
            rule: rule.into(),
            pointer: pointer.to_string(),
            message,
            wire,
            rust,
            rust_items: Vec::new(),
            claims,
            in_base: false,
        });
    }

    /// The change just pushed points into the base document: what it names is gone.
    pub(super) fn gone(&mut self) {
        if let Some(change) = self.changes.last_mut() {
            change.in_base = true;
        }
    }

    /// Description, summary, title and examples: documentation, a patch wherever it is.
    pub(super) fn documentation(
        &mut self,
        base: &Value,
        head: &Value,
        pointer: &str,
        claims: &[Claim],
    ) {
        for key in ["summary", "description", "title"] {
            if base.get(key) != head.get(key) {
                self.push(
                    DESCRIPTION_CHANGED,
                    &format!("{pointer}/{key}"),
                    Bump::Patch,
                    Bump::Patch,
                    format!("the {key} of {} changed", describe_pointer(pointer)),
                    claims.to_vec(),
                );
            }
        }
        for key in ["example", "examples"] {
            if base.get(key) != head.get(key) {
                self.push(
                    EXAMPLE_CHANGED,
                    &format!("{pointer}/{key}"),
                    Bump::Patch,
                    Bump::Patch,
                    format!("the {key} of {} changed", describe_pointer(pointer)),
                    claims.to_vec(),
                );
            }
        }
    }
}
