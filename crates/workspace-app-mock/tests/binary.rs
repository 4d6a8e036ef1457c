//! The `workspace-app-mock` binary as scripts use it: the first stdout line names the URL,
//! the seed fixes the data, bad arguments fail.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_workspace-app-mock");

/// Kills the child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary and returns it with the URL from its first stdout line.
fn spawn(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(BINARY)
        .args(args)
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

async fn list(url: &str, project: &str, token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!(
            "{url}/v1/{project}/app-server-sub-jobs?job_type=CREATE_SERVER&limit=100"
        ))
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
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
    ] {
        let output = Command::new(BINARY).args(args).output().unwrap();
        assert!(!output.status.success(), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
        assert!(!output.stderr.is_empty(), "{args:?}: a message on stderr");
    }
}
