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
//!
//! Bottom up: what a change is (`change`: [`Bump`], [`Claim`], [`Change`], [`Sides`]), the
//! two comparisons, both together ([`compare()`]), then the acknowledgements, the versions,
//! the [`report`] and its [`render`]ing.

pub mod acknowledge;
mod change;
mod compare;
pub mod render;
pub mod report;
pub mod rust;
pub mod versions;
pub mod wire;

pub use self::change::{
    Bump, Change, Claim, DESCRIPTION_CHANGED, DOCUMENTATION_RULES, EXAMPLE_CHANGED, Sides,
};
pub use self::compare::compare;
