//! Turns `openapi/workspace-app.yaml` into Rust, for the xtask and the tests.
//!
//! The spec-to-Rust step itself ([`Spec::load`], [`lint_structure`], [`generate_client`]) is
//! compiled from `crates/workspace-app-client/codegen/`, the same files the client's
//! `build.rs` compiles, so the xtask and the build always agree. This crate adds the checks
//! too costly for every build: each example must validate against its schema.

#[path = "../../workspace-app-client/codegen/mod.rs"]
mod core;
mod examples;
mod httpmock;

pub use self::core::*;
pub use self::examples::lint_examples;
pub use self::httpmock::{HTTPMOCK_FILE, generate_httpmock};

/// Every check on the spec: structure, then examples. All problems are reported together.
pub fn lint(spec: &Spec) -> Result<(), SpecErrors> {
    let mut errors = Vec::new();
    if let Err(SpecErrors(found)) = lint_structure(spec) {
        errors.extend(found);
    }
    if let Err(SpecErrors(found)) = lint_examples(spec) {
        errors.extend(found);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(SpecErrors(errors))
    }
}
