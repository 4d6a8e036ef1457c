//! The CLI shows its work: `--debug` traces to stderr without a secret, `--dry-run` prints
//! the request with its secrets masked and sends nothing, `doctor` checks each step, and
//! error hints follow the service's `error_code`.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::process::Output;
use std::time::{Duration, SystemTime};

use workspace_app_mock::{Config, Emulator, ManualClock};
use workspace_app_test_support::cli::{code, stderr, stdout};
use workspace_app_test_support::samples::PROJECT;

mod support;

use support::{at, run_at};

const AK: &str = "AKSECRET0000000000001";
const SK: &str = "SK-SECRET-shows-its-work";
const ST: &str = "ST-SECRET-security-token";
const TOKEN: &str = "TOKEN-SECRET-iam";
const SECRETS: [&str; 4] = [AK, SK, ST, TOKEN];

fn assert_no_secret(output: &Output) {
    let (out, err) = (stdout(output), stderr(output));
    for secret in SECRETS {
        assert!(!out.contains(secret), "{secret} on stdout:\n{out}");
        assert!(!err.contains(secret), "{secret} on stderr:\n{err}");
    }
}

const TEMPORARY: [(&str, &str); 3] = [
    ("HUAWEICLOUD_SDK_AK", AK),
    ("HUAWEICLOUD_SDK_SK", SK),
    ("HUAWEICLOUD_SDK_SECURITY_TOKEN", ST),
];

async fn emulator(config: Config) -> Emulator {
    workspace_app_mock::start(config.project_id(PROJECT))
        .await
        .expect("the emulator starts")
}

#[tokio::test]
async fn debug_traces_each_call_to_stderr_without_a_secret() {
    let emulator = emulator(Config::default().temporary(AK, SK, ST)).await;
    let output = run_at(
        emulator.base_url(),
        "--debug sub-jobs list --job-type CREATE_SERVER",
        &TEMPORARY,
    )
    .await;
    let err = stderr(&output);
    assert_eq!(code(&output), 0, "{err}");
    assert!(err.contains("workspace_app.call"), "{err}");
    assert!(err.contains("list_sub_jobs"), "{err}");
    assert_no_secret(&output);

    let emulator = emulator_with_token().await;
    let output = run_at(
        emulator.base_url(),
        "sub-jobs list --job-type CREATE_SERVER --debug",
        &[("WORKSPACE_APP_TOKEN", TOKEN)],
    )
    .await;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).contains("workspace_app.call"));
    assert_no_secret(&output);
}

async fn emulator_with_token() -> Emulator {
    emulator(Config::default().token(TOKEN)).await
}

#[tokio::test]
async fn without_debug_nothing_is_traced() {
    let emulator = emulator(Config::default().temporary(AK, SK, ST)).await;
    let output = run_at(
        emulator.base_url(),
        "sub-jobs list --job-type CREATE_SERVER",
        &TEMPORARY,
    )
    .await;
    assert_eq!(code(&output), 0);
    assert!(!stderr(&output).contains("workspace_app.call"));
}

#[tokio::test]
async fn dry_run_prints_the_signed_request_masked_and_sends_nothing() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());

    let output = run_at(
        &endpoint,
        "--dry-run sub-jobs list --job-type CREATE_SERVER --status RUNNING --limit 5",
        &TEMPORARY,
    )
    .await;
    let out = stdout(&output);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let first = out.lines().next().unwrap();
    assert!(first.starts_with(&format!("GET {endpoint}/v1/{PROJECT}/app-server-sub-jobs?")));
    assert!(first.contains("status=RUNNING") && first.contains("job_type=CREATE_SERVER"));
    assert!(first.contains("limit=5"), "{first}");
    assert!(out.contains("\nx-sdk-date: "), "{out}");
    assert!(out.contains(&format!("\nx-project-id: {PROJECT}")), "{out}");
    assert!(out.contains("\nx-security-token: ****"), "{out}");
    assert!(
        out.contains("\nauthorization: SDK-HMAC-SHA256 Access=****, SignedHeaders=accept;"),
        "{out}"
    );
    assert!(out.contains("Signature=****"), "{out}");
    assert_no_secret(&output);

    // A token, and `wait`: the first poll is shown, nothing sent.
    let output = run_at(
        &endpoint,
        "sub-jobs wait --job-type CREATE_SERVER --job-id j-1 --dry-run",
        &[("WORKSPACE_APP_TOKEN", TOKEN)],
    )
    .await;
    let out = stdout(&output);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(out.starts_with("GET "), "{out}");
    assert!(out.contains("job_id=j-1"), "{out}");
    assert!(out.contains("\nx-auth-token: ****"), "{out}");
    assert_no_secret(&output);

    // Not one connection reached the server.
    let accepted = listener.accept();
    assert!(
        matches!(&accepted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "a connection was made: {accepted:?}"
    );
}

#[tokio::test]
async fn doctor_passes_every_check_against_the_emulator() {
    let emulator = emulator(Config::default().temporary(AK, SK, ST)).await;
    let output = run_at(emulator.base_url(), "doctor", &TEMPORARY).await;
    let out = stdout(&output);
    assert_eq!(code(&output), 0, "{out}\n{}", stderr(&output));
    let names: Vec<&str> = out
        .lines()
        .filter_map(|line| line.split_whitespace().nth(1))
        .collect();
    assert_eq!(
        names,
        [
            "credentials",
            "project",
            "dns",
            "tcp",
            "tls",
            "clock",
            "request"
        ],
        "{out}"
    );
    assert!(
        out.contains("ok    credentials  temporary AK/SK from HUAWEICLOUD_SDK_AK"),
        "{out}"
    );
    assert!(out.contains("ok    request"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
    assert_no_secret(&output);
}

#[tokio::test]
async fn doctor_reads_a_token_from_standard_input_once() {
    let emulator = emulator_with_token().await;
    let output = at(emulator.base_url())
        .args(["--token-file", "-", "doctor"])
        .stdin(TOKEN)
        .output()
        .await;
    let out = stdout(&output);
    assert_eq!(code(&output), 0, "{out}\n{}", stderr(&output));
    assert!(
        out.contains("ok    credentials  IAM token from --token-file -"),
        "{out}"
    );
    assert!(out.contains("ok    request"), "{out}");
    assert_no_secret(&output);
}

#[tokio::test]
async fn doctor_fails_at_the_tcp_line_on_a_dead_port() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let output = run_at(&format!("http://127.0.0.1:{port}"), "doctor", &TEMPORARY).await;
    let out = stdout(&output);
    assert_eq!(code(&output), 3, "{out}");
    assert!(out.contains("ok    credentials"), "{out}");
    assert!(out.contains("ok    dns"), "{out}");
    assert!(out.contains("FAIL  tcp"), "{out}");
    assert!(out.contains("fix: check that the endpoint is up"), "{out}");
    assert!(out.contains("skip  request"), "{out}");
    assert!(stderr(&output).contains("1 of 5 checks failed"));
}

#[tokio::test]
async fn doctor_names_a_missing_credential_and_a_skewed_clock() {
    let clock = ManualClock::new(SystemTime::now() + Duration::from_secs(2 * 3600));
    let emulator = emulator(Config::default().temporary(AK, SK, ST).clock(clock)).await;
    let output = run_at(emulator.base_url(), "doctor", &[]).await;
    let out = stdout(&output);
    assert_eq!(code(&output), 3, "{out}");
    assert!(
        out.contains("FAIL  credentials  no credentials found"),
        "{out}"
    );
    assert!(out.contains("fix: set HUAWEICLOUD_SDK_AK"), "{out}");
    assert!(out.contains("FAIL  clock"), "{out}");
    assert!(out.contains("ahead of this machine"), "{out}");
    assert!(out.contains("FAIL  request"), "{out}");
}

#[tokio::test]
async fn hints_follow_the_service_error_code() {
    let emulator = emulator(Config::default().ak_sk(AK, SK)).await;
    let output = run_at(
        emulator.base_url(),
        "sub-jobs list --job-type CREATE_SERVER",
        &[("HUAWEICLOUD_SDK_AK", AK), ("HUAWEICLOUD_SDK_SK", "wrong")],
    )
    .await;
    let err = stderr(&output);
    assert_eq!(code(&output), 3, "{err}");
    assert!(
        err.contains("hint: the gateway refused the credentials (APIGW.0301)"),
        "{err}"
    );
    assert!(err.contains("clock"), "{err}");
    assert_no_secret(&output);

    // A 404 from the gateway: APIGW.0101 names the endpoint.
    let output = run_at(
        &format!("{}/elsewhere", emulator.base_url()),
        "sub-jobs list --job-type CREATE_SERVER",
        &[("HUAWEICLOUD_SDK_AK", AK), ("HUAWEICLOUD_SDK_SK", SK)],
    )
    .await;
    let err = stderr(&output);
    assert_eq!(code(&output), 3, "{err}");
    assert!(
        err.contains("(APIGW.0101): check --endpoint or --region"),
        "{err}"
    );
}

#[tokio::test]
async fn doctor_with_dry_run_is_a_usage_error_and_sends_nothing() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let output = run_at(&endpoint, "--dry-run doctor", &TEMPORARY).await;
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("leave out --dry-run"));
    assert!(listener.accept().is_err());
}
