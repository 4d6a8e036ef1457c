//! Generates the client from the OpenAPI document into `OUT_DIR`, with the codegen crate
//! `workspace-app-codegen` (a build-dependency).

use std::path::PathBuf;

fn main() -> Result<(), workspace_app_codegen::BuildError> {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    // In the workspace, the hand-written spec at the top is the source of truth, so an edit
    // shows up on the next build; a packaged crate carries its own copy (`openapi/`).
    let spec = manifest_dir
        .join("../../openapi/workspace-app.yaml")
        .canonicalize()
        .unwrap_or_else(|_| manifest_dir.join("openapi/workspace-app.yaml"));
    workspace_app_codegen::build_script(&spec)
}
