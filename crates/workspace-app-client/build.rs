//! Generates the client from the OpenAPI document into `OUT_DIR`, with the codegen crate
//! `workspace-app-codegen` (a build-dependency).

use std::path::Path;

fn main() -> Result<(), workspace_app_codegen::BuildError> {
    // In the workspace, the hand-written spec at the top is the source of truth, so an edit
    // shows up on the next build; a packaged crate carries its own copy (`openapi/`). Both
    // relative to this package's root, the build script's working directory, so that cargo
    // watches the spec of the tree it builds.
    let workspace_spec = Path::new("../../openapi/workspace-app.yaml");
    let spec = if workspace_spec.is_file() {
        workspace_spec
    } else {
        Path::new("openapi/workspace-app.yaml")
    };
    workspace_app_codegen::build_script(spec)
}
