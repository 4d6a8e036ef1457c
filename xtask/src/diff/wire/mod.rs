//! The spec-level comparison: operation by operation, parameter by parameter, schema by
//! schema (following `$ref`s, so a schema moved into `components` unchanged is no change),
//! each difference named by a rule with its wire verdict and the least it means for Rust.
//!
//! Rule names are oasdiff's where one fits (`checker/rules.go`), and so are the wire
//! verdicts, with its warnings (`WARN`: "may break clients") counted as breaking: a gate
//! should ask. Where oasdiff has no rule, the name follows its pattern.
//!
//! One file per part compared, each using only those listed before it:
//!
//! - `json`: reading the documents' JSON, and JSON pointers;
//! - `context`: where the walk is, and the words that name it;
//! - `claims`: the Rust API items a change may touch;
//! - `walk`: the walk's state, recording a change, documentation changes;
//! - `schemas`: schema by schema;
//! - `operations`: operation by operation, their parameters, bodies and responses;
//! - `document`: the whole document, [`changes`].

mod claims;
mod context;
mod document;
mod json;
mod operations;
mod schemas;
mod walk;

pub use self::document::changes;
pub(super) use self::json::unescape;
