//! The `workspace-app-mock` binary as scripts use it: the first stdout line names the URL,
//! the seed fixes the data, bad arguments fail, secrets can come from the environment, and
//! SIGTERM ends it within its grace period whatever clients do.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use workspace_app_client::{ClientBuilder, Credentials, Error, RetryPolicy};
use workspace_app_test_support::stalled::stalled_clients;

mod support;

use support::{http_timing_out, list_url, raw_get, servers};

const BINARY: &str = env!("CARGO_BIN_EXE_workspace-app-mock");

/// The environment variables the binary reads secrets from.
const SECRET_ENV: [&str; 4] = [
    "WORKSPACE_APP_MOCK_TOKEN",
    "WORKSPACE_APP_MOCK_AK",
    "WORKSPACE_APP_MOCK_SK",
    "WORKSPACE_APP_MOCK_SECURITY_TOKEN",
];

/// Kills the child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The binary with none of its secret variables inherited from the test's environment.
fn binary() -> Command {
    let mut command = Command::new(BINARY);
    for name in SECRET_ENV {
        command.env_remove(name);
    }
    command
}

/// Starts the binary and returns it with the URL from its first stdout line.
fn spawn(args: &[&str]) -> (Running, String) {
    let mut command = binary();
    command.args(args);
    spawn_command(command)
}

/// Starts the command (the binary, perhaps through a shell) and returns it with the URL
/// from its first stdout line.
fn spawn_command(mut command: Command) -> (Running, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap();
    let url = first
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|rest| rest.trim_end().parse::<u16>().ok())
        .map(|port| format!("http://127.0.0.1:{port}"))
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
    (running, url)
}

/// One page of up to 100 CREATE_SERVER sub-jobs of `project`, asked with `token`: its
/// status and body.
async fn list(url: &str, project: &str, token: &str) -> (u16, Value) {
    let query = "job_type=CREATE_SERVER&limit=100";
    let (status, _, body) =
        raw_get(&list_url(url, project), query, &[("X-Auth-Token", token)]).await;
    (status, body)
}

/// `127.0.0.1:PORT` of `http://127.0.0.1:PORT`.
fn address_of(url: &str) -> &str {
    url.strip_prefix("http://").unwrap()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn prints_its_url_first_and_serves_seeded_jobs_deterministically() {
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--jobs",
        "30",
        "--seed",
        "7",
        "--token",
        "T",
        "--project-id",
        "p1",
    ];
    let (_first, url) = spawn(&args);
    let (status, page) = list(&url, "p1", "T").await;
    assert_eq!(status, 200, "{page}");
    assert!(page["count"].as_u64().unwrap() > 0, "{page}");
    assert_eq!(list(&url, "p1", "wrong").await.0, 401);
    assert_eq!(
        list(&url, "p2", "T").await.1["count"],
        0,
        "jobs live in --project-id"
    );

    let (_second, other_url) = spawn(&args);
    assert_ne!(url, other_url, "port 0 picks a free port each time");
    assert_eq!(
        ids(&list(&other_url, "p1", "T").await.1),
        ids(&page),
        "same seed, same jobs"
    );

    let mut other_seed = args;
    other_seed[5] = "8";
    let (_third, third_url) = spawn(&other_seed);
    assert_ne!(ids(&list(&third_url, "p1", "T").await.1), ids(&page));
}

#[test]
fn bad_arguments_fail_with_a_message() {
    for args in [
        &["--ak", "AK"][..],
        &["--token", "T", "--ak", "AK", "--sk", "SK"][..],
        &["--speed", "0"][..],
        &["--fail-503-rate", "1.5"][..],
        &["--listen", "not-an-address"][..],
        &["--security-token", "ST"][..],
        &["--header-timeout", "soon"][..],
    ] {
        let output = binary().args(args).output().unwrap();
        assert!(!output.status.success(), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
        assert!(!output.stderr.is_empty(), "{args:?}: a message on stderr");
    }
}

#[tokio::test]
async fn slow_clients_beyond_the_file_descriptor_limit_do_not_keep_a_fresh_request_out() {
    // 256 descriptors for the emulator and 300 clients that never finish their head: it
    // must close them (header timeout) and keep accepting (no dead loop on EMFILE).
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(r#"ulimit -n 256 && exec "$0" "$@""#)
        .arg(BINARY)
        .args(["--jobs", "3", "--token", "T", "--header-timeout", "1"]);
    for name in SECRET_ENV {
        command.env_remove(name);
    }
    let (_running, url) = spawn_command(command);
    let _stalled = stalled_clients(address_of(&url), 300).await;

    let fresh = http_timing_out(Duration::from_secs(20))
        .get(format!("{}?job_type=CREATE_SERVER", list_url(&url, "p")))
        .header("X-Auth-Token", "T")
        .send()
        .await;
    match fresh {
        Ok(response) => assert_eq!(response.status(), 200),
        Err(e) => panic!("a fresh request with 300 slow clients open failed: {e}"),
    }
}

#[tokio::test]
async fn sigterm_ends_the_process_within_the_grace_period_despite_stalled_requests() {
    let grace = Duration::from_secs(1);
    // A header timeout far beyond the grace period, so only the shutdown can end them.
    let (mut running, url) = spawn(&[
        "--jobs",
        "1",
        "--shutdown-grace",
        "1",
        "--header-timeout",
        "60",
    ]);
    let _stalled = stalled_clients(address_of(&url), 50).await;

    let pid = running.0.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let bound = grace + Duration::from_secs(5);
    let sent = Instant::now();
    let status = loop {
        if let Some(status) = running.0.try_wait().unwrap() {
            break Some(status);
        }
        if sent.elapsed() > bound {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    match status {
        Some(status) => assert!(status.success(), "exited with {status}"),
        None => panic!("still running {bound:?} after SIGTERM with 50 stalled requests open"),
    }
}

#[tokio::test]
async fn secrets_can_come_from_the_environment() {
    // A token from WORKSPACE_APP_MOCK_TOKEN, with no secret on the command line.
    let mut command = binary();
    command
        .args(["--jobs", "3", "--project-id", "p1"])
        .env("WORKSPACE_APP_MOCK_TOKEN", "token-from-env");
    let (_token, url) = spawn_command(command);
    assert_eq!(list(&url, "p1", "token-from-env").await.0, 200);
    assert_eq!(
        list(&url, "p1", "another-token").await.0,
        401,
        "the token from the environment is the one required"
    );

    // Temporary AK/SK credentials from the other three.
    let mut command = binary();
    command
        .args(["--jobs", "3"])
        .env("WORKSPACE_APP_MOCK_AK", "ENVAK0000000000000001")
        .env("WORKSPACE_APP_MOCK_SK", "env-secret-key")
        .env("WORKSPACE_APP_MOCK_SECURITY_TOKEN", "env-security-token");
    let (_keys, url) = spawn_command(command);
    let status = |credentials: Credentials| {
        let url = url.clone();
        async move {
            let client = ClientBuilder::new()
                .endpoint(url)
                .credentials(credentials)
                .project_id("p1")
                .retry(RetryPolicy::disabled())
                .build()
                .unwrap();
            match servers(&client).send().await.map_err(Error::from) {
                Ok(page) => page.status().as_u16(),
                Err(Error::Api(api)) => api.status.as_u16(),
                Err(other) => panic!("not an answer: {other}"),
            }
        }
    };
    let (ak, sk) = ("ENVAK0000000000000001", "env-secret-key");
    assert_eq!(
        status(Credentials::temporary(ak, sk, "env-security-token")).await,
        200
    );
    assert_eq!(
        status(Credentials::ak_sk(ak, sk)).await,
        401,
        "the security token from the environment is required"
    );
}

#[test]
fn help_names_the_secret_variables_but_never_shows_their_values() {
    let mut command = binary();
    for name in SECRET_ENV {
        command.env(name, format!("value-of-{name}"));
    }
    let output = command.arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for name in SECRET_ENV {
        assert!(
            help.contains(&format!("[env: {name}]")),
            "--help does not name {name} as the variable of its option:\n{help}"
        );
        assert!(
            !help.contains("value-of-"),
            "--help shows a secret:\n{help}"
        );
    }
}
