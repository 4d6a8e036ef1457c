//! The binary finds its credentials (and project ID) where Huawei's SDKs look, with no
//! `--token` and no `--project-id`: the credentials file, the ECS metadata service. Against
//! the emulator on 127.0.0.1.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::process::Output;
use std::time::Duration;

use workspace_app_client::types::JobType;
use workspace_app_mock::{Config, Emulator, JobPlan, SubJobPlan};
use workspace_app_test_support::cli::{Run, code, shown, stderr};
use workspace_app_test_support::scratch;

mod support;

use support::BIN;

const LIST: [&str; 4] = ["sub-jobs", "list", "--job-type", "CREATE_SERVER"];

async fn emulator(config: Config) -> Emulator {
    let emulator = workspace_app_mock::start(config).await.unwrap();
    emulator.add_job(
        JobPlan::new(JobType::CreateServer)
            .sub_job(SubJobPlan::succeeds(Duration::ZERO, Duration::ZERO)),
    );
    emulator
}

/// The binary with `--endpoint` the emulator and `args`, in the scrubbed environment: no
/// project ID, no credentials but those the test adds.
fn against(emulator: &Emulator, args: &[&str]) -> Run {
    Run::new(BIN)
        .args(["--endpoint", emulator.base_url()])
        .args(args)
}

/// `sub-jobs list` against the emulator, with `env` added.
async fn run(emulator: &Emulator, env: &[(&str, &str)]) -> Output {
    against(emulator, &LIST)
        .envs(env.iter().copied())
        .output()
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_and_project_id_from_the_credentials_file() {
    let emulator = emulator(Config::default().ak_sk("FILE-AK", "FILE-SECRET-SK")).await;
    let home = scratch::dir();
    let dir = home.path();
    std::fs::create_dir_all(dir.join(".huaweicloud")).unwrap();
    std::fs::write(
        dir.join(".huaweicloud/credentials"),
        format!(
            "[basic]\nak = FILE-AK\nsk = FILE-SECRET-SK\nproject_id = {}\n",
            emulator.project_id()
        ),
    )
    .unwrap();
    // Found at ~/.huaweicloud/credentials, where no variable points the chain elsewhere.
    let output = against(&emulator, &LIST)
        .env("HOME", dir)
        .env_remove("HUAWEICLOUD_SDK_CREDENTIALS_FILE")
        .output()
        .await;
    assert!(output.status.success(), "{}", shown(&output));
    assert!(shown(&output).contains("SUCCESS"), "{}", shown(&output));
    assert!(!shown(&output).contains("FILE-SECRET-SK"));

    // A file with ak and no sk is an error naming the file, not a fall-through.
    let broken = dir.join("broken");
    std::fs::write(&broken, "[basic]\nak = FILE-AK\n").unwrap();
    let output = run(
        &emulator,
        &[("HUAWEICLOUD_SDK_CREDENTIALS_FILE", broken.to_str().unwrap())],
    )
    .await;
    assert_eq!(code(&output), 2, "{}", shown(&output));
    assert!(
        shown(&output).contains("has ak but no sk"),
        "{}",
        shown(&output)
    );
    assert!(
        shown(&output).contains(broken.to_str().unwrap()),
        "{}",
        shown(&output)
    );
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
    assert!(output.status.success(), "{}", shown(&output));
    assert!(shown(&output).contains("SUCCESS"), "{}", shown(&output));
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
    let err = stderr(&output);
    assert_eq!(code(&output), 3, "{}", shown(&output));
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
    let output = against(&emulator, &["--region", emulator.region(), "doctor"])
        .envs([
            ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", emulator.base_url()),
            ("HUAWEICLOUD_SDK_IAM_ENDPOINT", emulator.base_url()),
        ])
        .output()
        .await;
    let out = shown(&output);
    assert_eq!(code(&output), 0, "{out}");
    let credentials = format!(
        "ok    credentials  from ECS instance metadata at {}",
        emulator.base_url()
    );
    assert!(out.contains(&credentials), "{out}");
    let project = format!("ok    project      project ID {}", emulator.project_id());
    assert!(out.contains(&project), "{out}");
    assert!(out.contains("looked up"), "{out}");
}

/// Workload identity with no keys on disk: an ID token in a file, exchanged at IAM for
/// temporary keys. A token IAM refuses is the service's answer (exit 3, as a refused
/// request is), naming the token file and never the token.
#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_file_is_exchanged_and_a_refused_one_is_the_services_answer() {
    let emulator = emulator(
        Config::default()
            .federation("ci-idp")
            .id_token("GOOD-ID-TOKEN-SECRET", Duration::from_secs(3600)),
    )
    .await;
    let project = emulator.project_id().to_string();
    let dir = scratch::dir();
    let token_file = dir.path().join("token");
    let token_path = token_file.to_str().unwrap().to_string();
    let variables = [
        ("HUAWEICLOUD_SDK_IDP_ID", "ci-idp"),
        ("HUAWEICLOUD_SDK_ID_TOKEN_FILE", token_path.as_str()),
        ("HUAWEICLOUD_SDK_IAM_ENDPOINT", emulator.base_url()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", project.as_str()),
    ];

    std::fs::write(&token_file, "GOOD-ID-TOKEN-SECRET\n").unwrap();
    let output = run(&emulator, &variables).await;
    assert!(output.status.success(), "{}", shown(&output));
    assert!(shown(&output).contains("SUCCESS"), "{}", shown(&output));
    assert!(!shown(&output).contains("SECRET"), "{}", shown(&output));

    std::fs::write(&token_file, "BROKEN-ID-TOKEN-SECRET\n").unwrap();
    let output = run(&emulator, &variables).await;
    assert_eq!(code(&output), 3, "{}", shown(&output));
    let err = stderr(&output);
    assert!(err.contains("answered 401"), "{err}");
    assert!(err.contains(&token_path), "{err}");
    assert!(!shown(&output).contains("SECRET"), "{}", shown(&output));
}
