//! The network flags of the real binary, against local servers only: --proxy, --ca-file,
//! --connect-timeout, --request-timeout, --max-attempts, --app-name, regions the build does
//! not know (--region with --endpoint, the per-region variable, the regions file), several
//! endpoints (--endpoint repeated) and --signing-algorithm.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::process::Output;
use std::time::Duration;

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};
use workspace_app_test_support::cli::{Run, code, stderr};
use workspace_app_test_support::samples::PROJECT;
use workspace_app_test_support::scratch;
use workspace_app_test_support::servers::{ok, serve};

mod support;

use support::{BIN, requests};

const LIST: &str = "sub-jobs list --job-type CREATE_SERVER --output json";

/// Runs the binary for project [`PROJECT`] with `args` and `env` only: no credentials,
/// proxy or region settings from whoever runs the tests.
async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    Run::new(BIN)
        .args(["--project-id", PROJECT])
        .args(args)
        .envs(env.iter().copied())
        .output()
        .await
}

fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}

/// A `ListSubJobs` server with nothing to list.
async fn server() -> MockServer {
    serve(|_, _| ok(Some(0), Vec::new())).await
}

#[tokio::test]
async fn an_unknown_region_lists_the_known_ones_and_says_how_to_name_it() {
    let output = run(&[&["--region", "moon-1"][..], &words(LIST)].concat(), &[]).await;
    assert_eq!(code(&output), 2);
    let error = stderr(&output);
    assert!(
        error.contains("unknown region `moon-1`; known regions: cn-north-4"),
        "{error}"
    );
    assert!(error.contains("--endpoint"), "{error}");
    assert!(
        error.contains("HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_MOON_1"),
        "{error}"
    );
}

#[tokio::test]
async fn a_region_the_build_does_not_know_is_served_where_the_user_says() {
    let server = server().await;
    let uri = server.uri();
    // --region with --endpoint (they conflicted before).
    let args = [
        &["--region", "moon-1", "--endpoint", &uri][..],
        &words(LIST),
    ]
    .concat();
    let output = run(&args, &[]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    // The per-region variable of Huawei's SDKs.
    let args = [&["--region", "moon-1"][..], &words(LIST)].concat();
    let output = run(
        &args,
        &[("HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_MOON_1", uri.as_str())],
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    // The regions file named by its variable (its default place: unit tests).
    let dir = scratch::dir();
    let file = dir.path().join("regions.yaml");
    std::fs::write(
        &file,
        format!("WorkspaceApp:\n  - id: moon-1\n    endpoint: {uri}\n"),
    )
    .unwrap();
    let output = run(
        &args,
        &[("HUAWEICLOUD_SDK_REGIONS_FILE", file.to_str().unwrap())],
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn the_app_name_reaches_the_server_in_the_user_agent() {
    let server = server().await;
    let uri = server.uri();
    let args = [
        &["--endpoint", &uri, "--app-name", "nightly-report/1.2"][..],
        &words(LIST),
    ]
    .concat();
    let output = run(&args, &[]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run(&[&["--endpoint", &uri][..], &words(LIST)].concat(), &[]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let agents: Vec<String> = requests(&server)
        .await
        .iter()
        .map(|r| r.headers["user-agent"].to_str().unwrap().to_string())
        .collect();
    let ours = format!("workspace-app-client/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(agents, [format!("{ours} nightly-report/1.2"), ours]);
}

#[tokio::test]
async fn max_attempts_and_the_request_timeout_bound_each_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let uri = server.uri();
    let args = [
        &["--endpoint", &uri, "--max-attempts", "1"][..],
        &words(LIST),
    ]
    .concat();
    let output = run(&args, &[]).await;
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert_eq!(requests(&server).await.len(), 1);

    let slow = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&slow)
        .await;
    let slow_uri = slow.uri();
    let args = [
        &[
            "--endpoint",
            &slow_uri,
            "--request-timeout",
            "300ms",
            "--max-attempts",
            "2",
            "--connect-timeout",
            "2s",
        ][..],
        &words(LIST),
    ]
    .concat();
    let output = run(&args, &[]).await;
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(stderr(&output).contains("timed out"), "{}", stderr(&output));
    assert_eq!(requests(&slow).await.len(), 2);
    for bad in [&["--max-attempts", "0"][..], &["--request-timeout", "0s"]] {
        let output = run(
            &[bad, &["--endpoint", &slow_uri], &words(LIST)].concat(),
            &[],
        )
        .await;
        assert_eq!(code(&output), 2, "{bad:?}");
    }
}

/// A plain-http endpoint through --proxy is sent to the proxy in absolute form: the
/// endpoint's host does not exist (`.invalid`), so only the proxy (a local wiremock) can
/// answer. (An endpoint on this machine is never proxied: see the mock's hostile tests.)
#[tokio::test]
async fn requests_go_through_the_proxy_with_its_credentials_which_never_show() {
    let proxy = server().await;
    let endpoint = "http://workspace.test.invalid";
    let with_password = proxy
        .uri()
        .replacen("http://", "http://ops:PROXY-SECRET@", 1);
    let args = [
        &[
            "--endpoint",
            endpoint,
            "--allow-insecure-http",
            "--proxy",
            &with_password,
        ][..],
        &words(LIST),
    ]
    .concat();
    let output = run(&args, &[]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let received = requests(&proxy).await;
    assert_eq!(received.len(), 1);
    // ops:PROXY-SECRET
    assert_eq!(
        received[0].headers["proxy-authorization"],
        "Basic b3BzOlBST1hZLVNFQ1JFVA=="
    );
    // A bad proxy is a usage error that does not echo the password.
    let args = [
        &[
            "--endpoint",
            endpoint,
            "--proxy",
            "ftp://ops:PROXY-SECRET@h:21",
        ][..],
        &words(LIST),
    ]
    .concat();
    let output = run(&args, &[]).await;
    assert_eq!(code(&output), 2);
    let error = stderr(&output);
    assert!(
        error.contains("invalid proxy") && !error.contains("PROXY-SECRET"),
        "{error}"
    );
}

#[tokio::test]
async fn a_ca_file_that_cannot_be_used_is_a_usage_error_naming_it() {
    let dir = scratch::dir();
    let file = dir.path().join("corp-ca.pem");
    std::fs::write(&file, "not a certificate\n").unwrap();
    let args = [
        &[
            "--endpoint",
            "https://127.0.0.1:1",
            "--ca-file",
            file.to_str().unwrap(),
        ][..],
        &words(LIST),
    ]
    .concat();
    let output = run(&args, &[]).await;
    assert_eq!(code(&output), 2);
    let error = stderr(&output);
    assert!(
        error.contains("corp-ca.pem") && error.contains("no certificate"),
        "{error}"
    );
}

/// NO_PROXY applies to --proxy too, as with curl: the endpoint is reached directly, here a
/// host that does not exist (`.invalid`), so the command fails without the proxy.
#[tokio::test]
async fn no_proxy_applies_to_an_explicit_proxy_too() {
    let proxy = server().await;
    let proxy_uri = proxy.uri();
    let args = [
        &[
            "--endpoint",
            "http://workspace.test.invalid",
            "--allow-insecure-http",
            "--proxy",
            &proxy_uri,
        ][..],
        &words(LIST),
    ]
    .concat();
    let output = run(&args, &[("NO_PROXY", "workspace.test.invalid")]).await;
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(requests(&proxy).await.is_empty());
}

/// `http://127.0.0.1:PORT` where nothing listens: a port bound, then closed.
fn refusing() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

#[tokio::test]
async fn endpoints_repeated_are_tried_in_order_past_one_that_refuses() {
    let server = server().await;
    let (refused, uri) = (refusing(), server.uri());
    let args = [
        &["--endpoint", &refused, "--endpoint", &uri, "--debug"][..],
        &words(LIST),
    ]
    .concat();
    let output = run(&args, &[]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(requests(&server).await.len(), 1);
    // --debug shows the move.
    let error = stderr(&output);
    assert!(
        error.contains(&format!(
            "could not connect to {refused}; trying the next endpoint, {uri}"
        )),
        "{error}"
    );
    assert!(error.contains("endpoint 2 of 2 reached"), "{error}");

    // None can be connected to: each is named, with why, and what to check.
    let other = refusing();
    let args = [
        &[
            "--endpoint",
            &refused,
            "--endpoint",
            &other,
            "--max-attempts",
            "1",
        ][..],
        &words(LIST),
    ]
    .concat();
    let output = run(&args, &[]).await;
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let error = stderr(&output);
    assert!(
        error.contains("could not connect to any of the 2 endpoints")
            && error.contains(&format!("{refused}: "))
            && error.contains(&format!("{other}: "))
            && error.contains("hint: check --endpoint"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signing_algorithm_by_huaweis_name_signs_what_the_emulator_verifies() {
    use workspace_app_mock::Config;
    let emulator = workspace_app_mock::start(Config::default().ak_sk("AK-1", "SK-SECRET-1"))
        .await
        .unwrap();
    let keys = [
        ("HUAWEICLOUD_SDK_AK", "AK-1"),
        ("HUAWEICLOUD_SDK_SK", "SK-SECRET-1"),
    ];
    let cli = |algorithm: &str, more: &[&str]| {
        Run::new(BIN)
            .args([
                "--endpoint",
                emulator.base_url(),
                "--project-id",
                emulator.project_id(),
                "--signing-algorithm",
                algorithm,
            ])
            .args(more.iter().copied())
            .args(words(LIST))
            .envs(keys)
    };
    // Every algorithm of Huawei's, in every build of the binary.
    let algorithms = ["SDK-HMAC-SM3", "SDK-ECDSA-P256-SHA256", "SDK-SM2-SM3"];
    for algorithm in algorithms {
        let output = cli(algorithm, &[]).output().await;
        assert!(output.status.success(), "{algorithm}: {}", stderr(&output));
    }
    assert_eq!(emulator.requests_received(), 3);
    // The emulator checks each signature: another SK's is refused.
    let output = cli("SDK-HMAC-SM3", &[])
        .env("HUAWEICLOUD_SDK_SK", "ANOTHER-SK")
        .output()
        .await;
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(stderr(&output).contains("401"), "{}", stderr(&output));
    // Signed with it: the dry run shows the scheme (its secrets masked).
    let output = cli("sdk-hmac-sm3", &["--dry-run"]).output().await;
    assert!(output.status.success(), "{}", stderr(&output));
    let shown = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(shown.contains("SDK-HMAC-SM3 Access=****"), "{shown}");
    assert!(!shown.contains("SK-SECRET-1"), "{shown}");
    // A name Huawei's signer does not know is a usage error naming it.
    let output = cli("SDK-HMAC-MD5", &[]).output().await;
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("SDK-HMAC-MD5"),
        "{}",
        stderr(&output)
    );
    assert_eq!(emulator.requests_received(), 4, "nothing sent");
}
