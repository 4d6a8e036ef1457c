//! Every command, every output format, with and without `--debug`, read stream by stream:
//!
//! - against [`Mode::Forged`] servers (a page, a 400, a 503 with retries), no raw control
//!   character that could move the cursor or start a terminal sequence (C0 but `\t` and a
//!   line-ending `\n`, DEL, C1, ESC, the bidirectional overrides) reaches stdout or stderr,
//!   and no line begins with text the server chose (`FORGED-LINE` after a line break);
//! - with every secret a unique marker (SK, security token, IAM token, the proxy's
//!   password, the metadata endpoint's password), no marker reaches any stream of any
//!   command, `doctor` and `--dry-run` included.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::process::Output;

use futures_util::future::join_all;
use workspace_app_mock::Config;
use workspace_app_test_support::cli::shown;
use workspace_app_test_support::hostile::{self, Mode};
use workspace_app_test_support::samples::PROJECT;

mod support;

use support::run_bare;

/// The commands, each as its arguments after the global flags (words split at spaces).
const COMMANDS: &[&str] = &[
    "sub-jobs list --job-type CREATE_SERVER --output table",
    "sub-jobs list --job-type CREATE_SERVER --output json",
    "sub-jobs list --job-type CREATE_SERVER --output ndjson",
    "sub-jobs list --job-type CREATE_SERVER --all --output table",
    "sub-jobs list --job-type CREATE_SERVER --all --output ndjson",
    "sub-jobs wait --job-type CREATE_SERVER --job-id J --timeout 3s",
    "sub-jobs wait --job-type CREATE_SERVER --job-id J --timeout 3s --fail-fast",
    "api list-sub-jobs --job-type CREATE_SERVER --output table",
    "api list-sub-jobs --job-type CREATE_SERVER --output json",
    "api list-sub-jobs --job-type CREATE_SERVER --output ndjson",
    "doctor",
];

/// Runs every command with and without `--debug` (and, with `extra`, each flag set of
/// `extra` added), all at once.
async fn every_command(
    endpoint: &str,
    extra: &[&[&str]],
    env: &[(&str, &str)],
) -> Vec<(String, Output)> {
    let runs = COMMANDS.iter().flat_map(|command| {
        extra.iter().map(move |flags| {
            let mut args = vec!["--endpoint", endpoint, "--project-id", PROJECT];
            args.extend_from_slice(flags);
            args.extend(command.split(' '));
            args
        })
    });
    join_all(runs.map(|args| async move {
        let output = run_bare(&args, env).await;
        (args.join(" "), output)
    }))
    .await
}

/// No character that drives a terminal, and no line of the server's choosing.
fn assert_terminal_safe(run: &str, stream: &str, text: &str) {
    for line in text.split('\n') {
        let raw: Vec<char> = line
            .chars()
            .filter(|&c| c != '\t' && workspace_app_client::escaped::is_unsafe(c))
            .collect();
        assert!(raw.is_empty(), "{run}: {stream}: raw {raw:?} in {line:?}");
        assert!(
            !line.trim_start().starts_with("FORGED-LINE"),
            "{run}: {stream}: a line of the server's: {line:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_server_text_drives_the_terminal_or_starts_a_line_in_any_command_format_or_log() {
    let token = [("WORKSPACE_APP_TOKEN", "t")];
    for status in [200, 400, 503] {
        let server = hostile::start(Mode::Forged { status }).await.unwrap();
        let runs = every_command(&server.url(), &[&[], &["--debug"]], &token).await;
        let mut reached = 0;
        for (run, output) in &runs {
            let code = output.status.code();
            assert!(
                matches!(code, Some(0 | 1 | 3 | 4)),
                "{run}: {}",
                shown(output)
            );
            let (out, err) = (
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
            );
            assert_terminal_safe(run, "stdout", &out);
            assert_terminal_safe(run, "stderr", &err);
            reached += usize::from(out.contains("FORGED-LINE") || err.contains("FORGED-LINE"));
        }
        // The server's text was shown (escaped), not lost: by every command (`doctor` shows
        // an error's body, not a page's), in both runs.
        assert!(
            reached >= 2 * (COMMANDS.len() - 1),
            "status {status}: {reached}"
        );
        // `--debug` logged the server's text too, on its own lines (retries, polls).
        if status == 503 {
            let logged =
                runs.iter()
                    .filter(|(run, _)| run.contains("--debug"))
                    .any(|(_, output)| {
                        let err = String::from_utf8_lossy(&output.stderr);
                        err.lines()
                            .any(|line| line.contains(" WARN ") && line.contains("FORGED-LINE"))
                    });
            assert!(logged, "no WARN line carried the server's text");
        }
    }
}

const SK: &str = "SK-MARKER-7f3a";
const SECURITY_TOKEN: &str = "ST-MARKER-91bc";
const TOKEN: &str = "TOKEN-MARKER-5d20";
const PROXY_PASSWORD: &str = "PROXY-PASS-MARKER-c4e8";
const METADATA_PASSWORD: &str = "META-PASS-MARKER-0a6f";
const MARKERS: [&str; 5] = [SK, SECURITY_TOKEN, TOKEN, PROXY_PASSWORD, METADATA_PASSWORD];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_any_stream_of_any_command() {
    const AK: &str = "AKMARKER000000000001";
    // Signs with the temporary keys, and its metadata endpoint issues others.
    let keys = Config::default()
        .project_id(PROJECT)
        .temporary(AK, SK, SECURITY_TOKEN)
        .metadata_credentials(std::time::Duration::from_secs(3600));
    let keys = workspace_app_mock::start(keys).await.unwrap();
    let token = workspace_app_mock::start(Config::default().project_id(PROJECT).token(TOKEN))
        .await
        .unwrap();
    let proxy = format!("http://proxy-user:{PROXY_PASSWORD}@127.0.0.1:9");
    let metadata = keys
        .base_url()
        .replace("http://", &format!("http://meta-user:{METADATA_PASSWORD}@"));
    let flags: &[&[&str]] = &[
        &["--proxy", &proxy],
        &["--proxy", &proxy, "--debug"],
        &["--proxy", &proxy, "--debug", "--dry-run"],
    ];
    let setups: [(&str, Vec<(&str, &str)>); 3] = [
        (
            keys.base_url(),
            vec![
                ("HUAWEICLOUD_SDK_AK", AK),
                ("HUAWEICLOUD_SDK_SK", SK),
                ("HUAWEICLOUD_SDK_SECURITY_TOKEN", SECURITY_TOKEN),
            ],
        ),
        (token.base_url(), vec![("WORKSPACE_APP_TOKEN", TOKEN)]),
        // The chain reaches the metadata service, whose URL holds a password.
        (
            keys.base_url(),
            vec![("HUAWEICLOUD_SDK_METADATA_ENDPOINT", metadata.as_str())],
        ),
    ];
    let mut succeeded = 0;
    for (endpoint, env) in &setups {
        for (run, output) in every_command(endpoint, flags, env).await {
            for stream in [&output.stdout, &output.stderr] {
                let text = String::from_utf8_lossy(stream);
                for marker in MARKERS {
                    assert!(
                        !text.contains(marker),
                        "{run}: {marker} shown: {}",
                        shown(&output)
                    );
                }
            }
            succeeded += usize::from(output.status.success());
        }
    }
    // Not a run of refusals: the signed and the token runs did their work.
    assert!(
        succeeded >= 2 * COMMANDS.len(),
        "{succeeded} runs succeeded"
    );
}
