//! Generates the `api <operation>` commands from the OpenAPI document into `OUT_DIR`, with
//! the codegen crate `workspace-app-codegen` (a build-dependency).

use std::path::Path;

use workspace_app_codegen::CliPaths;

/// Every path the generated commands name outside themselves (the codegen writes none of
/// its own), and the flags this CLI gives every command.
const PATHS: CliPaths<'static> = CliPaths {
    client_crate: "workspace_app_client",
    client_module: "crate::operations::client",
    config: "crate::operations::Globals",
    bounded: "crate::operations::bounded",
    json_body: "crate::operations::json_body",
    // `GlobalArgs`, `--output` and `--help`; `operations.rs`' tests keep the list whole.
    taken_flags: &[
        "endpoint",
        "region",
        "project-id",
        "token",
        "token-file",
        "allow-insecure-http",
        "signing-algorithm",
        "proxy",
        "ca-file",
        "connect-timeout",
        "request-timeout",
        "max-attempts",
        "app-name",
        "debug",
        "dry-run",
        "output",
        "help",
    ],
};

fn main() -> Result<(), workspace_app_codegen::BuildError> {
    // Relative to this package's root, the build script's working directory, so that cargo
    // watches the spec of the tree it builds.
    workspace_app_codegen::cli_build_script(Path::new("../../openapi/workspace-app.yaml"), &PATHS)
}
