//! The CLI half of the hostile-server suite: the real `workspace-app` binary against
//! [`workspace_app_test_support::hostile`] servers that misbehave on purpose (the library half is
//! `crates/workspace-app-mock/tests/hostile.rs`). Redirects are not followed and leak no
//! token, the token never needs the command line, plain http to another machine needs
//! `--allow-insecure-http`, terminal escapes from the server are shown escaped (piped and
//! on a pseudo-terminal) and kept exact in json, `wait` is bounded whatever the server
//! does, every output format streams in bounded memory, and bad values are usage errors.
//! Every child runs under an outer timeout, so a regression fails instead of hanging.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::AsyncReadExt;
use workspace_app_client::LAST_POLL_ALLOWANCE;
use workspace_app_test_support::cli::{Run, code, stderr, stdout};
use workspace_app_test_support::hostile::{self, ENDLESS_COUNT, ESCAPES, Hostile, Mode};
use workspace_app_test_support::samples::PROJECT;
use workspace_app_test_support::scratch;

mod support;

use support::{BIN, at, run_bare};

const LIST: &[&str] = &["sub-jobs", "list", "--job-type", "CREATE_SERVER"];

/// Runs the binary against `server` for project [`PROJECT`] with `args` and `env` added.
async fn run(server: &Hostile, args: &[&str], env: &[(&str, &str)]) -> Output {
    at(&server.url())
        .args(args)
        .envs(env.iter().copied())
        .output()
        .await
}

fn args<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

const TOKEN: (&str, &str) = ("WORKSPACE_APP_TOKEN", "TOKEN-SECRET");

/// `text` with no character that could drive a terminal, but newlines.
fn assert_no_raw_controls(what: &str, text: &str) {
    let raw: Vec<char> = text
        .chars()
        .filter(|&c| c.is_control() && c != '\n')
        .collect();
    assert!(
        raw.is_empty(),
        "{what}: raw control characters {raw:?} in {text:?}"
    );
}

/// `text` as one word for `sh`.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

// 1. Redirects.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_reported_not_followed_and_the_token_stays_home() {
    let recorder = hostile::start_on(SocketAddr::from(([127, 0, 0, 2], 0)), Mode::Recorder)
        .await
        .unwrap();
    let location = format!(
        "{}/v1/{PROJECT}/app-server-sub-jobs?stolen=1",
        recorder.url()
    );
    let redirect = hostile::start(Mode::Redirect {
        location: location.clone(),
    })
    .await
    .unwrap();

    let output = run(&redirect, LIST, &[TOKEN]).await;
    let err = stderr(&output);
    assert_eq!(code(&output), 3, "{err}");
    assert!(err.contains("302"), "{err}");
    assert!(err.contains(&location), "{err}");
    assert!(!err.contains("TOKEN-SECRET"), "{err}");
    assert_eq!(stdout(&output), "", "nothing on stdout");
    assert_eq!(redirect.requests(), 1, "one request, not retried");
    assert_eq!(recorder.requests(), 0, "the redirect was followed");
}

// 2. The token off the command line.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_comes_from_the_environment_a_file_or_stdin() {
    let dir = scratch::dir();
    let file = dir.path().join("token");
    std::fs::write(&file, "tok-file\n").unwrap();
    let file = file.to_str().unwrap();

    /// The token expected, the flags, the environment and the standard input.
    type Case<'a> = (
        &'a str,
        Vec<&'a str>,
        Vec<(&'a str, &'a str)>,
        Option<&'a [u8]>,
    );
    let cases: [Case<'_>; 3] = [
        (
            "tok-env",
            vec![],
            vec![("WORKSPACE_APP_TOKEN", "tok-env")],
            None,
        ),
        ("tok-file", vec!["--token-file", file], vec![], None),
        (
            "tok-stdin",
            vec!["--token-file", "-"],
            vec![],
            Some(b"tok-stdin\n"),
        ),
    ];
    for (expected, extra, env, stdin) in cases {
        let recorder = hostile::start(Mode::Recorder).await.unwrap();
        let mut run = at(&recorder.url()).args(args(LIST, &extra)).envs(env);
        if let Some(input) = stdin {
            run = run.stdin(input);
        }
        let output = run.output().await;
        assert_eq!(code(&output), 0, "{expected}: {}", stderr(&output));
        let received = recorder.received();
        assert_eq!(received.len(), 1, "{expected}: {received:?}");
        assert_eq!(
            received[0].header("x-auth-token"),
            Some(expected),
            "{received:?}"
        );
    }

    let recorder = hostile::start(Mode::Recorder).await.unwrap();
    let output = run(
        &recorder,
        &args(LIST, &["--token-file", "/nonexistent"]),
        &[],
    )
    .await;
    let err = stderr(&output);
    assert_eq!(code(&output), 2, "{err}");
    assert!(err.contains("/nonexistent"), "{err}");
    assert_eq!(recorder.requests(), 0, "nothing is sent without the token");

    let output = run_bare(&["--help"], &[("WORKSPACE_APP_TOKEN", "VISIBLE-SECRET")]).await;
    let help = stdout(&output);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(!help.contains("VISIBLE-SECRET"), "{help}");
    assert!(help.contains("WORKSPACE_APP_TOKEN"), "{help}");
    assert!(help.contains("--token-file"), "{help}");
}

// 3. Plain http to another machine, and passwords in URLs.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_another_host_and_userinfo_endpoints_are_usage_errors() {
    let output = run_bare(
        &args(
            &[
                "--endpoint",
                "http://sub-jobs.example.invalid",
                "--project-id",
                "p",
            ],
            LIST,
        ),
        &[TOKEN],
    )
    .await;
    let err = stderr(&output);
    assert_eq!(code(&output), 2, "{err}");
    assert!(err.contains("--allow-insecure-http"), "{err}");
    assert!(!err.contains("TOKEN-SECRET"), "{err}");

    let output = run_bare(
        &args(
            &[
                "--endpoint",
                "https://u:PASS-SECRET@example.invalid",
                "--project-id",
                "p",
            ],
            LIST,
        ),
        &[TOKEN],
    )
    .await;
    let err = stderr(&output);
    assert_eq!(code(&output), 2, "{err}");
    assert!(!err.contains("PASS-SECRET"), "{err}");
    assert_eq!(stdout(&output), "");
}

// 4. Terminal escapes from the server.

/// [`ESCAPES`] as the CLI shows it.
const ESCAPED: &str = r"\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31m\u{9b}\u{7f}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escapes_in_items_are_shown_escaped_in_tables_and_exact_in_json() {
    let server = hostile::start(Mode::EscapeItems).await.unwrap();

    let output = run(&server, &args(LIST, &["--output", "table"]), &[TOKEN]).await;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    for byte in [0x1b, 0x07, 0x7f] {
        assert!(
            !output.stdout.contains(&byte),
            "raw {byte:#x} in {:?}",
            stdout(&output)
        );
    }
    let table = stdout(&output);
    assert!(!table.contains('\u{9b}'), "{table:?}");
    assert_no_raw_controls("table", &table);
    for cell in [
        format!("sub-1{ESCAPED}"),
        format!("PWNED{ESCAPED}"),
        format!("job{ESCAPED}"),
        format!("name{ESCAPED}"),
        format!("WKS.{ESCAPED}: failed{ESCAPED}"),
    ] {
        assert!(table.contains(&cell), "{cell} missing from {table}");
    }
    assert_eq!(table.lines().count(), 3, "header and 2 rows: {table}");

    let check = |item: &Value, n: usize| {
        assert_eq!(item["id"], format!("sub-{n}{ESCAPES}"));
        assert_eq!(item["status"], format!("PWNED{ESCAPES}"));
        assert_eq!(item["job_id"], format!("job{ESCAPES}"));
        assert_eq!(
            item["job_resource_info"]["resource_name"],
            format!("name{ESCAPES}")
        );
        assert_eq!(item["error_code"], format!("WKS.{ESCAPES}"));
        assert_eq!(item["error_message"], format!("failed{ESCAPES}"));
    };

    let output = run(&server, &args(LIST, &["--output", "ndjson"]), &[TOKEN]).await;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    // Exact values, spelt `\u009b` and `\u007f` where serde_json alone would leave them raw.
    assert_no_raw_controls("ndjson", &stdout(&output));
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for (n, item) in lines.iter().enumerate() {
        check(item, n + 1);
    }

    let output = run(&server, &args(LIST, &["--output", "json"]), &[TOKEN]).await;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_no_raw_controls("json", &stdout(&output));
    let document: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(document["count"], 2);
    let items = document["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for (n, item) in items.iter().enumerate() {
        check(item, n + 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escapes_in_an_error_are_shown_escaped() {
    let server = hostile::start(Mode::EscapeError).await.unwrap();
    let output = run(&server, LIST, &[TOKEN]).await;
    let err = stderr(&output);
    assert_eq!(code(&output), 3, "{err}");
    assert_no_raw_controls("stderr", &err);
    assert!(err.contains(r"\u{1b}"), "{err}");
    assert!(err.contains(&format!("WKS.{ESCAPED}")), "{err}");
    assert_eq!(stdout(&output), "");
}

/// Runs the binary under `script`, so that its stdout and stderr are a pseudo-terminal,
/// and returns what the terminal received and the exit code.
async fn on_a_terminal(server: &Hostile, args: &[&str]) -> (Vec<u8>, i32) {
    let script = Path::new("/usr/bin/script");
    assert!(
        script.exists(),
        "/usr/bin/script (util-linux) is needed to run the CLI on a pseudo-terminal: install util-linux"
    );
    let line: Vec<String> = [BIN, "--endpoint", &server.url(), "--project-id", PROJECT]
        .iter()
        .chain(args)
        .map(|word| sh_quote(word))
        .collect();
    let line = format!("{}; echo \"exit=$?\"", line.join(" "));
    let output = Run::new(script)
        .args(["-qec", &line, "/dev/null"])
        .envs([("SHELL", "/bin/sh"), ("TERM", "xterm-256color"), TOKEN])
        .output()
        .await;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let code = text
        .rsplit_once("exit=")
        .and_then(|(_, rest)| rest.trim().parse().ok())
        .unwrap_or_else(|| panic!("no exit code in {text:?}"));
    (output.stdout, code)
}

/// Every `ESC` in `bytes` is the start of an SGR sequence `ESC [ <digits and ;> m`; returns
/// how many there are.
fn only_sgr(bytes: &[u8]) -> usize {
    let text = String::from_utf8_lossy(bytes);
    assert!(!text.contains("\u{1b}]0;"), "{text:?}");
    assert!(!text.contains("\u{1b}[2J"), "{text:?}");
    assert!(!text.contains('\u{9b}'), "{text:?}");
    assert!(!bytes.contains(&0x07) && !bytes.contains(&0x7f), "{text:?}");
    let mut sgr = 0;
    for (at, _) in text.match_indices('\u{1b}') {
        let rest = &text[at + 1..];
        let ok = rest.strip_prefix('[').is_some_and(|rest| {
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == ';'))
                .unwrap_or(rest.len());
            rest[end..].starts_with('m')
        });
        assert!(ok, "an escape that is not SGR at {at}: {:?}", &text[at..]);
        sgr += 1;
    }
    sgr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_only_the_cli_s_own_colours_reach_it() {
    let items = hostile::start(Mode::EscapeItems).await.unwrap();
    let (bytes, code) = on_a_terminal(&items, &args(LIST, &["--output", "table"])).await;
    let text = String::from_utf8_lossy(&bytes);
    assert_eq!(code, 0, "{text}");
    let sgr = only_sgr(&bytes);
    assert!(text.contains(&format!("sub-1{ESCAPED}")), "{text}");
    // Bold headers at least: the colours are on, and are the only escapes.
    assert!(sgr >= 16, "{sgr} SGR sequences in {text:?}");
    println!("table on a pty: {} bytes, {sgr} SGR sequences", bytes.len());

    let error = hostile::start(Mode::EscapeError).await.unwrap();
    let (bytes, code) = on_a_terminal(&error, LIST).await;
    let text = String::from_utf8_lossy(&bytes);
    assert_eq!(code, 3, "{text}");
    only_sgr(&bytes);
    assert!(text.contains(&format!("WKS.{ESCAPED}")), "{text}");
}

// 5. `wait` is bounded whatever the server does.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_gives_up_on_time_against_endless_pages_and_a_trickled_body() {
    let wait = [
        "sub-jobs",
        "wait",
        "--job-type",
        "CREATE_SERVER",
        "--job-id",
        "j",
        "--timeout",
        "2s",
        "--interval",
        "100ms",
    ];
    let bound = Duration::from_secs(2) + LAST_POLL_ALLOWANCE + Duration::from_secs(2);
    // Endless pages end at the wait's sub-job limit (exit 3), long before the timeout; a
    // trickled body at the timeout (exit 4).
    for (mode, exit, says) in [
        (Mode::EndlessPages, 3, "more than 10000 sub-jobs"),
        (
            Mode::TrickledBody {
                interval: Duration::from_millis(200),
            },
            4,
            "gave up",
        ),
    ] {
        let server = hostile::start(mode.clone()).await.unwrap();
        let started = Instant::now();
        let output = tokio::time::timeout(Duration::from_secs(15), run(&server, &wait, &[TOKEN]))
            .await
            .unwrap_or_else(|_| panic!("{mode:?}: wait not done within 15 s"));
        let elapsed = started.elapsed();
        let err = stderr(&output);
        println!(
            "wait against {mode:?}: exit {:?} after {elapsed:?}",
            output.status.code()
        );
        assert_eq!(code(&output), exit, "{mode:?}: {err}");
        assert!(err.contains(says), "{mode:?}: {err}");
        assert!(elapsed < bound, "{mode:?}: {elapsed:?}, bound {bound:?}");
        assert!(server.requests() >= 1, "{mode:?}");
    }
}

// 6. Streaming and --max-items.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_items_caps_an_endless_listing_in_every_format() {
    let server = hostile::start(Mode::EndlessPages).await.unwrap();
    let all = args(LIST, &["--all", "--max-items", "250"]);

    let output = run(&server, &args(&all, &["--output", "json"]), &[TOKEN]).await;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document: Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    assert_eq!(document["count"], ENDLESS_COUNT, "the service's count");
    assert_eq!(document["items"].as_array().unwrap().len(), 250);
    assert!(
        !stderr(&output).contains("listing ended"),
        "a cap is no short listing: {}",
        stderr(&output)
    );

    let output = run(&server, &args(&all, &["--output", "ndjson"]), &[TOKEN]).await;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 250);

    let output = run(&server, &args(&all, &["--output", "table"]), &[TOKEN]).await;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let table = stdout(&output);
    let mut lines = table.lines();
    assert!(lines.next().unwrap().starts_with("ID"), "{table}");
    assert_eq!(lines.count(), 250, "rows");
}

/// A reader slower than the request timeout (`list --all | less`, paused): the pages asked
/// for ahead complete meanwhile instead of timing out while the CLI waits for the pipe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_pauses_longer_than_the_request_timeout_loses_nothing() {
    use workspace_app_client::types::JobType;
    use workspace_app_mock::{Config, Faults, JobPlan, SubJobPlan};

    let emulator = workspace_app_mock::start(Config::default().token(TOKEN.1).faults(Faults {
        latency: Duration::from_millis(100),
        ..Faults::default()
    }))
    .await
    .unwrap();
    let sub_job = SubJobPlan::succeeds(Duration::from_secs(1), Duration::from_secs(1));
    let job = emulator.add_job(JobPlan::new(JobType::CreateServer).sub_jobs(vec![sub_job; 2000]));
    let listing = args(
        LIST,
        &[
            "--job-id",
            &job.job_id,
            "--all",
            "--output",
            "ndjson",
            "--request-timeout",
            "1s",
            "--max-attempts",
            "1",
            "--project-id",
            emulator.project_id(),
        ],
    );
    let mut child = at(emulator.base_url())
        .args(&listing)
        .envs([TOKEN])
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = vec![0u8; 1024];
    out.read_exact(&mut first).await.unwrap();
    // The pipe fills (2,000 sub-jobs are far more than its 64 KB) and the CLI waits on it
    // with pages in flight, well past the request timeout (1 s, room for a loaded machine).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), out.read_to_end(&mut rest))
        .await
        .expect("the listing ends")
        .unwrap();
    let output = child.wait_with_output().await.unwrap();
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    first.extend_from_slice(&rest);
    assert_eq!(String::from_utf8(first).unwrap().lines().count(), 2000);
}

/// The resident memory of process `pid`, in bytes, while it runs.
fn vm_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Lists an endless listing with `output` and no cap: proves the output arrives while the
/// listing goes on, and that memory stays bounded for about 3 s; returns (bytes read, max
/// RSS).
async fn stream_endless(output: &str, prefix: &str) -> (usize, u64) {
    const ITEMS_BYTES: usize = 5_000;
    const RSS_LIMIT: u64 = 100 * 1024 * 1024;
    let server = hostile::start(Mode::EndlessPages).await.unwrap();
    let mut child = at(&server.url())
        .args(args(LIST, &["--all", "--output", output]))
        .envs([TOKEN])
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    let mut out = child.stdout.take().unwrap();

    // Drains stdout all along, so the child is never held up by a full pipe; keeps the
    // first bytes to check the shape.
    let read = Arc::new(AtomicUsize::new(0));
    let head = Arc::new(std::sync::Mutex::new(Vec::new()));
    let reader = {
        let (read, head) = (read.clone(), head.clone());
        tokio::spawn(async move {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match out.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut head = head.lock().unwrap();
                        if head.len() < 64 * 1024 {
                            head.extend_from_slice(&buf[..n]);
                        }
                        read.fetch_add(n, Ordering::SeqCst);
                    }
                }
            }
        })
    };

    let started = Instant::now();
    let first_items = loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "{output}: the listing ended"
        );
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{output}: fewer than {ITEMS_BYTES} bytes of items after 15 s: {}",
            read.load(Ordering::SeqCst)
        );
        if read.load(Ordering::SeqCst) >= prefix.len() + ITEMS_BYTES {
            break started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // Still running: written before the listing ends (it never does).
    assert!(child.try_wait().unwrap().is_none());
    {
        let head = head.lock().unwrap();
        let text = String::from_utf8_lossy(&head);
        assert!(text.starts_with(prefix), "{output}: {text:?}");
    }

    let mut max_rss = 0;
    let sampling = Instant::now();
    while sampling.elapsed() < Duration::from_secs(3) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "{output}: the listing ended"
        );
        if let Some(rss) = vm_rss(pid) {
            max_rss = max_rss.max(rss);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), reader)
        .await
        .expect("stdout closes once the child is killed")
        .unwrap();
    let total = read.load(Ordering::SeqCst);
    println!(
        "{output}: first {ITEMS_BYTES} bytes of items after {first_items:?}; {total} bytes in ~3 s; max VmRSS {:.1} MB; {} requests",
        max_rss as f64 / 1e6,
        server.requests()
    );
    assert!(max_rss > 0, "{output}: no VmRSS sample");
    assert!(
        max_rss < RSS_LIMIT,
        "{output}: max VmRSS {max_rss} bytes, over {RSS_LIMIT}"
    );
    (total, max_rss)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_listing_streams_json_in_bounded_memory() {
    let prefix = format!("{{\n  \"count\": {ENDLESS_COUNT},\n  \"items\": [");
    stream_endless("json", &prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_listing_streams_a_table_in_bounded_memory() {
    stream_endless("table", "ID").await;
}

// 7. A listing short of its count.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_listing_is_reported_on_stderr() {
    let server = hostile::start(Mode::ShortPage { items: 50 }).await.unwrap();
    let expected = "listing ended after 50 of 2147483647 sub-jobs";

    let output = run(
        &server,
        &args(LIST, &["--all", "--output", "json"]),
        &[TOKEN],
    )
    .await;
    let err = stderr(&output);
    assert_eq!(code(&output), 0, "{err}");
    assert!(err.contains(expected), "{err}");
    let document: Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    assert_eq!(document["count"], ENDLESS_COUNT);
    assert_eq!(document["items"].as_array().unwrap().len(), 50);

    let output = run(&server, &args(LIST, &["--all"]), &[TOKEN]).await;
    let err = stderr(&output);
    assert_eq!(code(&output), 0, "{err}");
    assert!(err.contains(expected), "{err}");
    assert_eq!(stdout(&output).lines().count(), 1 + 50, "header and rows");
}

// 8. Usage errors.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_values_are_usage_errors_before_anything_is_sent() {
    let wait = [
        "sub-jobs",
        "wait",
        "--job-type",
        "CREATE_SERVER",
        "--job-id",
        "j",
    ];
    let cases: [Vec<&str>; 4] = [
        args(&wait, &["--timeout", "300000000000y"]),
        args(&wait, &["--interval", "584542046090y"]),
        args(LIST, &["--project-id", ".."]),
        args(LIST, &["--max-items", "5"]),
    ];
    for case in cases {
        let recorder = hostile::start(Mode::Recorder).await.unwrap();
        let output = run(&recorder, &case, &[TOKEN]).await;
        let err = stderr(&output);
        assert_eq!(code(&output), 2, "{case:?}: {err}");
        assert!(!err.contains("panicked"), "{case:?}: {err}");
        assert_eq!(recorder.requests(), 0, "{case:?}: a request was sent");
        assert_eq!(stdout(&output), "", "{case:?}");
    }

    let recorder = hostile::start(Mode::Recorder).await.unwrap();
    let long = "j".repeat(100 * 1024);
    let output = run(&recorder, &args(LIST, &["--job-id", &long]), &[TOKEN]).await;
    let err = stderr(&output);
    println!(
        "100 KB --job-id: exit {:?}, {} requests, stderr {} bytes",
        output.status.code(),
        recorder.requests(),
        err.len()
    );
    assert!(matches!(code(&output), 2 | 3), "{err}");
    assert!(err.len() < 2_000, "{} bytes of stderr", err.len());
    assert!(err.contains("bytes in all"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

// 9. Opt-in plain http to another machine, without leaving this one.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_another_host_works_with_allow_insecure_http() {
    // Skipped unless root with `unshare` and `ip`: the test makes its own network
    // namespace, in which 10.203.0.1 is a local address that no packet can leave.
    let root = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    let tool = |name: &str| {
        ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
            .iter()
            .map(|dir| Path::new(dir).join(name))
            .find(|path| path.exists())
    };
    let (Some(unshare), Some(ip)) = (tool("unshare"), tool("ip")) else {
        skip("needs root and unshare (and ip)");
        return;
    };
    if !root {
        skip("needs root and unshare");
        return;
    }
    // The emulator's binary is built next to the CLI's only when its package is built
    // too (e.g. `cargo test --workspace`).
    let mock = Path::new(BIN).with_file_name("workspace-app-mock");
    if !mock.exists() {
        skip(&format!("{} not built", mock.display()));
        return;
    }

    let scratch = scratch::dir();
    let dir = scratch.path();
    let q = |p: &Path| sh_quote(p.to_str().unwrap());
    let script = format!(
        r#"
ip={ip}
"$ip" link set lo up || exit 97
"$ip" addr add 10.203.0.1/32 dev lo || exit 97
{mock} --listen 10.203.0.1:0 --token t --jobs 0 --bulk CREATE_SERVER:3 > {dir}/mock.out 2> {dir}/mock.err &
mock=$!
i=0
while [ $i -lt 100 ] && ! grep -q '^listening on ' {dir}/mock.out; do sleep 0.1; i=$((i+1)); done
url=$(sed -n 's/^listening on //p' {dir}/mock.out | head -n 1)
echo "url=$url"
{cli} --endpoint "$url" --project-id {PROJECT} sub-jobs list --job-type CREATE_SERVER > {dir}/plain.out 2> {dir}/plain.err
echo "plain=$?"
{cli} --endpoint "$url" --project-id {PROJECT} --allow-insecure-http sub-jobs list --job-type CREATE_SERVER > {dir}/allowed.out 2> {dir}/allowed.err
echo "allowed=$?"
kill $mock
wait $mock
exit 0
"#,
        ip = q(&ip),
        mock = q(&mock),
        dir = q(dir),
        cli = sh_quote(BIN),
    );
    let output = Run::new(&unshare)
        .args(["-n", "sh", "-c", &script])
        .env("PATH", "/usr/bin:/bin:/usr/sbin:/sbin")
        .env("WORKSPACE_APP_TOKEN", "t")
        .timeout(Duration::from_secs(30))
        .output()
        .await;
    let log = stdout(&output);
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    if !output.status.success() {
        // unshare itself refused (no CAP_SYS_ADMIN in a container, say).
        skip(&format!(
            "unshare -n failed ({:?}): {}",
            output.status,
            stderr(&output)
        ));
        return;
    }
    let value = |key: &str| {
        log.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no {key}= in {log:?}; mock: {}", read("mock.err")))
    };
    let url = value("url");
    assert!(url.starts_with("http://10.203.0.1:"), "{log}");

    assert_eq!(value("plain"), "2", "{}", read("plain.err"));
    assert!(
        read("plain.err").contains("--allow-insecure-http"),
        "{}",
        read("plain.err")
    );
    assert_eq!(read("plain.out"), "");

    assert_eq!(value("allowed"), "0", "{}", read("allowed.err"));
    let table = read("allowed.out");
    let mut lines = table.lines();
    assert!(
        lines.next().unwrap_or_default().starts_with("ID"),
        "{table}"
    );
    assert_eq!(
        lines.filter(|l| l.contains("CREATE_SERVER")).count(),
        3,
        "{table}"
    );
    println!("namespace: {url}: plain exit 2, with --allow-insecure-http exit 0, 3 rows");
}

/// A test that cannot run here says so; under CI (`CI` set), which installs what the tests
/// need, that is a failure rather than a silent pass.
fn skip(reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "this test cannot run under CI: {reason}"
    );
    println!("skipped: {reason}");
}
