//! `workspace-app demo`, the README's main command, works with no account and shows jobs
//! reaching their final states.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use workspace_app_test_support::cli::{code, shown, stderr, stdout};

mod support;

use support::run_bare;

#[tokio::test]
async fn the_demo_lists_and_waits_on_an_embedded_emulator() {
    let output = run_bare(&["demo"], &[]).await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    let (stdout, stderr) = (stdout(&output), stderr(&output));
    assert!(stdout.contains("listens on http://127.0.0.1:"), "{stdout}");

    // Table rows as (status, type): the two columns after the sub-job ID.
    let rows: Vec<(&str, &str)> = stdout
        .lines()
        .filter_map(|line| {
            let mut columns = line.split_whitespace().skip(1);
            Some((columns.next()?, columns.next()?))
        })
        .collect();
    let count = |row: (&str, &str)| rows.iter().filter(|r| **r == row).count();

    // The first job's six sub-jobs are listed while queued, then all succeed.
    assert_eq!(count(("WAITING", "CREATE_SERVER")), 6, "{stdout}");
    assert!(stdout.contains("6 sub-jobs succeeded"), "{stdout}");
    // The second job ends with one failure, reported with its code and message.
    assert!(stderr.contains("1 of 3 sub-jobs failed"), "{stderr}");
    assert!(
        stderr.contains("WKS.00129901: The service is now unavailable"),
        "{stderr}"
    );
    assert_eq!(count(("FAILED", "REINSTALL_OS")), 1, "{stdout}");
    assert_eq!(count(("SUCCESS", "REINSTALL_OS")), 2, "{stdout}");
    // The demo's keys never show.
    assert!(!stdout.contains("demo-secret-key") && !stderr.contains("demo-secret-key"));
}
