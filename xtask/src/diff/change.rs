//! What a change of the spec is: its verdicts ([`Bump`]), the parts of the generated Rust API
//! it may touch ([`Claim`]), the [`Change`] itself, and the two documents compared
//! ([`Sides`]). Every other module of the diff builds on these.

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
    pub(super) fn specificity(&self) -> u8 {
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
