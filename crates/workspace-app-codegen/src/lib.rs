//! Turns `openapi/workspace-app.yaml` into Rust: load the YAML (errors carry file, line and
//! column), check its structure, render the progenitor client and, beside it, the tables
//! derived from the spec (parameter bounds and defaults, enum values, operations with their
//! paths and examples, regions) and the lists the client's snapshot tests iterate
//! ([`generate`]).
//!
//! This is the one implementation of that step. The client's build script calls
//! [`build_script`] (the `prost-build` pattern: this crate is a build-dependency of
//! `workspace-app-client`), and the xtask and the tests call the same functions, so they
//! always produce identical code.
//!
//! The check too costly for every build, that each example validates against its schema
//! ([`lint_examples`], and [`lint`], which runs every check), needs the `lint-examples`
//! feature; the xtask and the tests enable it, the client's build does not.

mod build;
#[cfg(feature = "cli")]
mod cli;
mod error;
#[cfg(feature = "lint-examples")]
mod examples;
mod generate;
#[cfg(feature = "pretty")]
mod httpmock;
mod lint;
mod load;
mod location;
mod tables;
#[cfg(all(test, any(feature = "cli", feature = "pretty")))]
mod test_documents;

#[cfg(feature = "cli")]
pub use self::build::cli_build_script;
pub use self::build::{BuildError, build_script};
#[cfg(feature = "cli")]
pub use self::cli::{CLI_FILE_NAME, CliPaths, GLOBAL_PATH_PARAMETERS, generate_cli};
pub use self::error::{Excerpt, SpecError, SpecErrors};
#[cfg(feature = "lint-examples")]
pub use self::examples::lint_examples;
pub use self::generate::{
    GENERATED_FILE_NAME, Generated, SPEC_TABLES_FILE_NAME, TEST_LISTS_FILE_NAME, client_settings,
    generate, generate_client, skipped_operations,
};
#[cfg(feature = "pretty")]
pub use self::httpmock::{HTTPMOCK_FILE, generate_httpmock};
pub use self::lint::{
    OperationSite, ParameterSite, SchemaSite, follow_refs, lint_structure, operation_sites,
    operations, schema_holders, schema_sites,
};
pub use self::load::{Spec, escape_pointer_segment};
pub use self::location::Location;

/// Every check on the spec: structure, then examples. All problems are reported together.
#[cfg(feature = "lint-examples")]
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
