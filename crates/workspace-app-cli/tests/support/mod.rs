//! What the CLI's test files share beyond the workspace's test support: the binary, run by
//! its scrubbed-environment runner ([`workspace_app_test_support::cli`]) against a local
//! server for project [`PROJECT`], and a sub-job as the service sends it for a created
//! server.

#![allow(dead_code)] // each test file uses its share
#![allow(clippy::expect_used)] // a test that cannot go on fails

use std::process::Output;

use serde_json::{Value, json};
use wiremock::{MockServer, Request};
use workspace_app_test_support::cli::Run;
use workspace_app_test_support::samples::PROJECT;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_workspace-app");

/// The binary aimed at `endpoint` for project [`PROJECT`].
pub fn at(endpoint: &str) -> Run {
    Run::new(BIN).args(["--endpoint", endpoint, "--project-id", PROJECT])
}

/// Runs the binary against `server` for project [`PROJECT`] with `args` (words separated
/// by spaces) and `env` added.
pub async fn run(server: &MockServer, args: &str, env: &[(&str, &str)]) -> Output {
    run_at(&server.uri(), args, env).await
}

/// [`run`] against any `endpoint`.
pub async fn run_at(endpoint: &str, args: &str, env: &[(&str, &str)]) -> Output {
    at(endpoint)
        .args(args.split_whitespace())
        .envs(env.iter().copied())
        .output()
        .await
}

/// Runs the binary with exactly `args` and `env` added.
pub async fn run_bare(args: &[&str], env: &[(&str, &str)]) -> Output {
    Run::new(BIN)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .await
}

/// What `server` was asked.
pub async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recording is on")
}

/// `item` (a sub-job, [`workspace_app_test_support::samples::sub_job`]) with the server it
/// made: a nested object, as the service sends it.
pub fn with_resource(mut item: Value) -> Value {
    let id = item["id"].as_str().unwrap_or_default().to_string();
    item["job_resource_info"] = json!({
        "resource_id": format!("r-{id}"),
        "resource_name": format!("APS-{id}"),
    });
    item
}

/// The spec, as the codegen loads it.
pub fn spec() -> workspace_app_codegen::Spec {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/workspace-app.yaml"
    );
    workspace_app_codegen::Spec::load(path.as_ref()).expect("the spec loads")
}
