//! The binary finds its credentials (and project ID) where Huawei's SDKs look, with no
//! `--token` and no `--project-id`: the credentials file, the ECS metadata service. Against
//! the emulator on 127.0.0.1.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::process::Output;
use std::time::Duration;

use workspace_app_client::types::JobType;
use workspace_app_mock::{Config, Emulator, JobPlan, SubJobPlan};

const LIST: [&str; 4] = ["sub-jobs", "list", "--job-type", "CREATE_SERVER"];

async fn emulator(config: Config) -> Emulator {
    let emulator = workspace_app_mock::start(config).await.unwrap();
    emulator.add_job(
        JobPlan::new(JobType::CreateServer)
            .sub_job(SubJobPlan::succeeds(Duration::ZERO, Duration::ZERO)),
    );
    emulator
}

/// The binary with `--endpoint` the emulator, an environment holding only `env`.
async fn run(emulator: &Emulator, env: &[(&str, &str)]) -> Output {
    run_args(emulator, &LIST, env).await
}

async fn run_args(emulator: &Emulator, args: &[&str], env: &[(&str, &str)]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_workspace-app"))
        .args(["--endpoint", emulator.base_url()])
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        // Never the real metadata address, whatever the test does not set.
        .env("HUAWEICLOUD_SDK_METADATA_ENDPOINT", "http://127.0.0.1:9")
        .envs(env.iter().copied())
        .output()
        .await
        .unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_and_project_id_from_the_credentials_file() {
    let emulator = emulator(Config::default().ak_sk("FILE-AK", "FILE-SECRET-SK")).await;
    let dir = std::env::temp_dir().join(format!("workspace-app-cli-chain-{}", std::process::id()));
    std::fs::create_dir_all(dir.join(".huaweicloud")).unwrap();
    std::fs::write(
        dir.join(".huaweicloud/credentials"),
        format!(
            "[basic]\nak = FILE-AK\nsk = FILE-SECRET-SK\nproject_id = {}\n",
            emulator.project_id()
        ),
    )
    .unwrap();
    // Found at ~/.huaweicloud/credentials.
    let output = run(&emulator, &[("HOME", dir.to_str().unwrap())]).await;
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("SUCCESS"), "{}", text(&output));
    assert!(!text(&output).contains("FILE-SECRET-SK"));

    // A file with ak and no sk is an error naming the file, not a fall-through.
    let broken = dir.join("broken");
    std::fs::write(&broken, "[basic]\nak = FILE-AK\n").unwrap();
    let output = run(
        &emulator,
        &[("HUAWEICLOUD_SDK_CREDENTIALS_FILE", broken.to_str().unwrap())],
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("has ak but no sk"),
        "{}",
        text(&output)
    );
    assert!(
        text(&output).contains(broken.to_str().unwrap()),
        "{}",
        text(&output)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn temporary_keys_from_the_metadata_service() {
    let emulator =
        emulator(Config::default().metadata_credentials(Duration::from_secs(3600))).await;
    let project = emulator.project_id().to_string();
    let output = run(
        &emulator,
        &[
            ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", emulator.base_url()),
            ("HUAWEICLOUD_SDK_PROJECT_ID", &project),
        ],
    )
    .await;
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("SUCCESS"), "{}", text(&output));
    assert_eq!(emulator.metadata_credentials_issued(), 1);
}

/// A metadata service that fails when asked leaves the commands unsigned; the user is told
/// which source failed and why before the 401 comes back.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_metadata_service_is_named_before_requests_go_unsigned() {
    let emulator = emulator(
        Config::default()
            .metadata_credentials(Duration::from_secs(3600))
            .token("a-token"),
    )
    .await;
    // Every request fails: the metadata service's first, then the listing's.
    emulator.fail_next(100, workspace_app_mock::StatusCode::INTERNAL_SERVER_ERROR);
    let project = emulator.project_id().to_string();
    let output = run(
        &emulator,
        &[
            ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", emulator.base_url()),
            ("HUAWEICLOUD_SDK_PROJECT_ID", &project),
        ],
    )
    .await;
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    let warning = err
        .lines()
        .find(|line| line.starts_with("warning: no credentials found"))
        .unwrap_or_else(|| panic!("no warning before the unsigned requests: {err}"));
    assert!(
        warning.contains(&format!("ECS instance metadata at {}", emulator.base_url())),
        "{warning}"
    );
    assert!(warning.contains("500"), "{warning}");
    assert!(warning.ends_with("sending requests unsigned"), "{warning}");
}

/// `doctor` reports the project ID the commands will use, looked up in IAM when not given,
/// instead of failing for want of `--project-id`.
#[tokio::test(flavor = "multi_thread")]
async fn doctor_finds_the_project_id_as_the_commands_do() {
    let emulator = emulator(
        Config::default()
            .metadata_credentials(Duration::from_secs(3600))
            .iam(),
    )
    .await;
    let output = run_args(
        &emulator,
        &["--region", emulator.region(), "doctor"],
        &[
            ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", emulator.base_url()),
            ("HUAWEICLOUD_SDK_IAM_ENDPOINT", emulator.base_url()),
        ],
    )
    .await;
    let out = text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    let credentials = format!(
        "ok    credentials  from ECS instance metadata at {}",
        emulator.base_url()
    );
    assert!(out.contains(&credentials), "{out}");
    let project = format!("ok    project      project ID {}", emulator.project_id());
    assert!(out.contains(&project), "{out}");
    assert!(out.contains("looked up"), "{out}");
}
