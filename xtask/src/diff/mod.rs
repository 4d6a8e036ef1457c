//! `cargo xtask diff`: what an edit of the spec changes, judged twice: on the wire (does a
//! client written against the old document still work against a service that implements
//! the new one?) and for Rust (does a crate written against the old generated client still
//! build and behave?), with the version bump each needs.
//!
//! - [`wire`] walks both documents, operation by operation, following `$ref`s, and names
//!   each change with a rule (oasdiff's name where one fits) and its wire verdict.
//! - [`rust`] generates the client from both documents with today's codegen and compares
//!   their public API item by item, so the Rust verdict is what the generated code really
//!   does (`T` → `Option<T>`, a type renamed, a `Default` lost), not a guess about it.
//! - Each Rust API change is attributed to the spec change that caused it; one that no spec
//!   change explains is reported on its own (`rust-item-*`).
//! - [`acknowledge`] matches the spec's `x-acknowledged-changes` against the result.

pub mod acknowledge;
pub mod render;
pub mod report;
pub mod rust;
pub mod versions;
pub mod wire;

use serde::Serialize;
use workspace_app_codegen::Spec;

/// A description, summary or title changed.
pub const DESCRIPTION_CHANGED: &str = "description-changed";
/// An example changed.
pub const EXAMPLE_CHANGED: &str = "example-changed";
/// The rules of changes to documentation alone.
pub const DOCUMENTATION_RULES: [&str; 2] = [DESCRIPTION_CHANGED, EXAMPLE_CHANGED];

/// How much a change needs the version to move: on the wire (`info.version`) or for the
/// Rust crate. On the wire, [`Bump::Major`] is a breaking change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// Nothing that worked before stops working, and nothing was added: documentation
    /// ([`DOCUMENTATION_RULES`]), or a response that promises more (an enum value it no
    /// longer sends, a tighter bound on what it sends), which callers may observe.
    Patch,
    /// Something was added; what worked before still works.
    Minor,
    /// What worked before may not any more.
    Major,
}

impl Bump {
    /// The wire verdict's word: `breaking` or `compatible`.
    pub fn wire_word(self) -> &'static str {
        if self == Bump::Major {
            "breaking"
        } else {
            "compatible"
        }
    }

    /// The Rust verdict's word: `major`, `minor` or `patch`.
    pub fn word(self) -> &'static str {
        match self {
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// Which part of the generated Rust API a spec change may touch, so that the Rust API
/// changes it caused can be attributed to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// A member of a generated type: a struct field (by its JSON name) or an enum variant
    /// (by its JSON value), with the type's builder setter and trait impls.
    Member { type_name: String, json: String },
    /// A parameter's setter on an operation's builder, and the operation's inline types
    /// named after the parameter.
    Setter {
        operation: String,
        parameter: String,
    },
    /// A generated type as a whole.
    Type(String),
    /// An item whose signature named `from` and now names `to` (a type renamed).
    Renamed { from: String, to: String },
    /// An operation: its `Client` method, its builder and the inline types named after it.
    Operation(String),
}

impl Claim {
    /// Higher claims win when several changes could explain one Rust API change.
    fn specificity(&self) -> u8 {
        match self {
            Claim::Member { .. } | Claim::Setter { .. } => 3,
            Claim::Type(_) | Claim::Renamed { .. } => 2,
            Claim::Operation(_) => 1,
        }
    }
}

/// One change of the spec, judged.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The rule's name, e.g. `response-optional-property-removed`.
    pub rule: String,
    /// JSON pointer of the changed node: in the new document, or in the old one when the
    /// node is gone.
    pub pointer: String,
    /// What changed, in words.
    pub message: String,
    /// The wire verdict as a bump of `info.version` (`major`: breaking).
    #[serde(rename = "wire_bump")]
    pub wire: Bump,
    /// The Rust verdict: the larger of what the rule implies for the client's behaviour
    /// (e.g. a new required parameter fails calls that do not set it) and the Rust API
    /// changes attributed to this change.
    pub rust: Bump,
    /// The Rust API changes attributed to this change, e.g.
    /// `removed types::JobDetailInfo::error_message`.
    pub rust_items: Vec<String>,
    #[serde(skip)]
    pub claims: Vec<Claim>,
    /// The pointer is in the base document: what it points at is gone from the head.
    #[serde(skip)]
    pub in_base: bool,
}

impl Change {
    /// The pointer as people read and write it (the output, acknowledgements): the
    /// document's root, where an unclaimed Rust change of an inline type or of `Client` is
    /// placed, is `/` rather than nothing.
    pub fn shown_pointer(&self) -> &str {
        if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        }
    }
}

/// Both documents, as the comparison needs them.
#[derive(Debug)]
pub struct Sides<'a> {
    pub base: &'a Spec,
    pub head: &'a Spec,
}

/// Every change from `base` to `head`, each with both verdicts, in document order.
pub fn compare(base: &Spec, head: &Spec) -> Result<Vec<Change>, String> {
    let sides = Sides { base, head };
    let mut changes = wire::changes(&sides);
    let base_api = rust::api(base)?;
    let head_api = rust::api(head)?;
    let rust_changes = rust::compare(&base_api, &head_api);
    attribute(&mut changes, rust_changes, &sides);
    Ok(changes)
}

/// Gives each Rust API change to the spec change with the most specific claim on it, and
/// reports the ones no spec change claims on their own.
fn attribute(changes: &mut Vec<Change>, rust_changes: Vec<rust::ApiChange>, sides: &Sides<'_>) {
    let mut unclaimed = Vec::new();
    for api_change in rust_changes {
        let best = changes
            .iter()
            .enumerate()
            .filter_map(|(i, change)| {
                let claim = change
                    .claims
                    .iter()
                    .filter(|claim| api_change.claimed_by(claim))
                    .max_by_key(|claim| claim.specificity())?;
                Some((claim.specificity(), i))
            })
            // The most specific claim; among equals, the first change.
            .max_by_key(|&(specificity, i)| (specificity, std::cmp::Reverse(i)));
        match best {
            Some((_, i)) => {
                let change = &mut changes[i];
                change.rust = change.rust.max(api_change.bump());
                change.rust_items.push(api_change.to_string());
            }
            None => unclaimed.push(api_change),
        }
    }
    for api_change in unclaimed {
        changes.push(Change {
            rule: format!("rust-item-{}", api_change.verb()),
            pointer: rust::pointer_of(&api_change, sides),
            message: format!(
                "the generated Rust API {}, with no spec change that explains it",
                api_change.describe()
            ),
            wire: Bump::Patch,
            rust: api_change.bump(),
            rust_items: vec![api_change.to_string()],
            claims: Vec::new(),
            in_base: matches!(api_change, rust::ApiChange::Removed(..)),
        });
    }
}
