//! The code progenitor generates from `openapi/workspace-app.yaml` at build time. Nothing
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
