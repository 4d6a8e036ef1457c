//! The judgement of a spec against an earlier one: every change with both verdicts, where it
//! is, whether it is acknowledged, and the versions the crate and `info.version` need.

use serde::Serialize;
use workspace_app_codegen::Spec;

use super::acknowledge::{self, Acknowledgement};
use super::change::{Bump, Change};
use super::versions::{Need, Version};

/// One side of the comparison.
#[derive(Debug)]
pub struct Side {
    /// How to name it in the output: a file, or `REV:file`.
    pub name: String,
    pub spec: Spec,
    /// The crate's version on this side.
    pub crate_version: Option<Version>,
}

impl Side {
    fn info_version(&self) -> Option<Version> {
        self.spec
            .document
            .pointer("/info/version")
            .and_then(serde_json::Value::as_str)
            .and_then(Version::parse)
    }
}

/// A change, where it is and whether it is acknowledged.
#[derive(Debug, Clone, Serialize)]
pub struct Judged {
    #[serde(flatten)]
    pub change: Change,
    /// The wire verdict: `breaking` or `compatible`.
    pub wire: &'static str,
    /// The spec file and line: the changed node in the new document, or where it was (its
    /// nearest ancestor there, never a list's item: see `where_it_was`) when it is gone.
    pub file: String,
    pub line: Option<u64>,
    /// The acknowledgement's reason, if the change is acknowledged.
    pub acknowledged: Option<String>,
}

impl Judged {
    /// Breaking on the wire or major for Rust: it needs an acknowledgement.
    pub fn needs_acknowledgement(&self) -> bool {
        self.change.wire == Bump::Major || self.change.rust == Bump::Major
    }

    pub fn is_unacknowledged(&self) -> bool {
        self.needs_acknowledgement() && self.acknowledged.is_none()
    }

    /// `file:line`.
    pub fn place(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        }
    }
}

/// The whole judgement.
#[derive(Debug, Serialize)]
pub struct Report {
    pub base: String,
    pub head: String,
    pub changes: Vec<Judged>,
    /// Acknowledgements that match no change.
    pub stale_acknowledgements: Vec<Acknowledgement>,
    /// The crate's version (by the Rust verdicts).
    #[serde(rename = "crate")]
    pub crate_version: Need,
    /// `info.version` (by the wire verdicts).
    pub info_version: Need,
}

impl Report {
    /// Compares `head` with `base` and judges every change.
    pub fn judge(base: &Side, head: &Side) -> Result<Report, String> {
        let acknowledgements = acknowledge::read(&head.spec).map_err(|e| e.to_string())?;
        let changes = super::compare::compare(&base.spec, &head.spec)?;
        let judged: Vec<Judged> = changes
            .into_iter()
            .map(|change| {
                let at = if change.in_base {
                    where_it_was(&base.spec.document, &change.pointer)
                } else {
                    change.pointer.clone()
                };
                let line = head.spec.locate(&at).map(|l| l.line);
                let acknowledged = acknowledgements
                    .iter()
                    .find(|a| a.covers(&change))
                    .map(|a| a.reason.clone());
                Judged {
                    wire: change.wire.wire_word(),
                    change,
                    file: head.spec.file.clone(),
                    line,
                    acknowledged,
                }
            })
            .collect();
        let stale_acknowledgements = acknowledgements
            .into_iter()
            .filter(|a| !judged.iter().any(|j| a.covers(&j.change)))
            .collect();
        let rust = judged.iter().map(|j| j.change.rust).max();
        let wire = judged.iter().map(|j| j.change.wire).max();
        Ok(Report {
            base: base.name.clone(),
            head: head.name.clone(),
            crate_version: Need::new(rust, base.crate_version, head.crate_version),
            info_version: Need::new(wire, base.info_version(), head.info_version()),
            changes: judged,
            stale_acknowledgements,
        })
    }

    /// Changes that are breaking or major and not acknowledged.
    pub fn unacknowledged(&self) -> impl Iterator<Item = &Judged> {
        self.changes.iter().filter(|j| j.is_unacknowledged())
    }

    /// No unacknowledged break and no stale acknowledgement.
    pub fn passes(&self) -> bool {
        self.unacknowledged().next().is_none() && self.stale_acknowledgements.is_empty()
    }
}

/// Where in the new document to show a node that is gone: its parent, cut before the first
/// list index, since the same index in the new document may hold another item (the next
/// parameter, once one is removed). `locate` then finds the nearest ancestor there.
fn where_it_was(base: &serde_json::Value, pointer: &str) -> String {
    let parent = pointer.rsplit_once('/').map_or("", |(parent, _)| parent);
    let mut node = base;
    let mut kept = String::new();
    for segment in parent.split('/').skip(1) {
        if node.is_array() {
            break;
        }
        let Some(child) = node.get(super::wire::unescape(segment)) else {
            break;
        };
        node = child;
        kept.push('/');
        kept.push_str(segment);
    }
    kept
}
