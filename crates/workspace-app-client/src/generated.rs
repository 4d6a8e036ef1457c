//! The code generated from `openapi/workspace-app.yaml` at build time: progenitor's client,
//! and beside it the tables derived from the spec (public as [`crate::spec`]). Nothing
//! hand-written lives here; see `build.rs` and the `workspace-app-codegen` crate.

#![allow(
    missing_docs,
    missing_debug_implementations,
    unused_imports,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::expect_used
)]

include!(concat!(env!("OUT_DIR"), "/workspace_app_generated.rs"));
include!(concat!(env!("OUT_DIR"), "/workspace_app_spec_tables.rs"));
