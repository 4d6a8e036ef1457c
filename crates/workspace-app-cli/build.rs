//! Generates the `api <operation>` commands from the OpenAPI document into `OUT_DIR`, with
//! the codegen crate `workspace-app-codegen` (a build-dependency).

use std::path::PathBuf;

fn main() -> Result<(), workspace_app_codegen::BuildError> {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    workspace_app_codegen::cli_build_script(&manifest_dir.join("../../openapi/workspace-app.yaml"))
}
