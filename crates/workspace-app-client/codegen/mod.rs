//! Turns the OpenAPI document into Rust: load the YAML (errors carry file, line and column),
//! check its structure, and render the progenitor client.
//!
//! This is the one implementation of that step. The client's `build.rs` and the
//! `workspace-app-codegen` crate (used by the xtask and the tests) both compile this very
//! directory through `#[path]`, so they always produce identical code. It lives inside the
//! client package because `cargo package` only ships files inside the package, and the
//! packaged client must build on its own.

mod error;
mod generate;
mod lint;
mod load;

#[allow(unused_imports)] // each includer uses a different part
pub use self::{
    error::{SpecError, SpecErrors},
    generate::{GENERATED_FILE_NAME, client_settings, generate_client},
    lint::{SchemaSite, lint_structure, operations, schema_holders, schema_sites},
    load::{Location, Spec, escape_pointer_segment},
};
