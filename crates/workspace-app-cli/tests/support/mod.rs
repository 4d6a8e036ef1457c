//! Running the real `workspace-app` binary as a user would, for the CLI's test files: no
//! credentials or project ID from the environment of whoever runs the tests, and a
//! credential chain that finds nothing.

#![allow(dead_code, clippy::expect_used)] // each test file uses its share; one that cannot go on fails

use std::process::Output;

use wiremock::{MockServer, Request};

pub const PROJECT: &str = "0605767a3300d5762fb7c0186d9e1779";
/// The credential chain finds nothing: no credentials file, and a metadata service on a
/// local port nothing listens on (never the real 169.254.169.254).
pub const NO_CHAIN: [(&str, &str); 2] = [
    (
        "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
        "/nonexistent/workspace-app/credentials",
    ),
    ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", "http://127.0.0.1:9"),
];
pub const PATH: &str = "/v1/0605767a3300d5762fb7c0186d9e1779/app-server-sub-jobs";

/// Runs the binary with exactly `args` and `env` added.
pub async fn run_bare(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_workspace-app"));
    command
        .args(args)
        .env_remove("HUAWEICLOUD_SDK_AK")
        .env_remove("HUAWEICLOUD_SDK_SK")
        .env_remove("HUAWEICLOUD_SDK_SECURITY_TOKEN")
        .env_remove("HUAWEICLOUD_SDK_PROJECT_ID")
        .env_remove("WORKSPACE_APP_TOKEN")
        .envs(NO_CHAIN.iter().copied())
        .envs(env.iter().copied());
    command.output().await.expect("the binary runs")
}

/// Runs the binary against `server` for project [`PROJECT`] with `args` (words separated
/// by spaces).
pub async fn run(server: &MockServer, args: &str, env: &[(&str, &str)]) -> Output {
    let uri = server.uri();
    let mut all = vec!["--endpoint", &uri, "--project-id", PROJECT];
    all.extend(args.split_whitespace());
    run_bare(&all, env).await
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 stdout")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 stderr")
}

pub fn code(output: &Output) -> i32 {
    output.status.code().expect("an exit code, not a signal")
}

/// The whole outcome, for failure messages.
pub fn shown(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

pub async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recording is on")
}
