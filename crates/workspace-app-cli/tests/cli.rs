//! The real `workspace-app` binary against a local server, as a user would run it: every
//! item exactly once with `--all`, parseable JSON, the exit codes of `wait`, usage errors
//! before any request, and no secret in any output.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::collections::HashSet;

use serde_json::{Value, json};
use wiremock::ResponseTemplate;
use workspace_app_test_support::cli::{code, stderr, stdout};
use workspace_app_test_support::samples::{PROJECT, failed, sub_job};
use workspace_app_test_support::servers::{ok, page_of, paged, scripted, serve};

mod support;

use support::{requests, run, run_bare, spec, with_resource};

/// A sub-job that failed as the service fails them when it is overloaded.
fn unavailable(id: &str) -> Value {
    failed(
        id,
        "WKS.00129901",
        "The service is now unavailable to process the request.",
    )
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|item| item["id"].as_str().expect("an id").to_string())
        .collect()
}

fn expected_ids(total: usize) -> Vec<String> {
    (0..total).map(|i| format!("sub-{i}")).collect()
}

const LIST: &str = "sub-jobs list --job-type CREATE_SERVER";

#[tokio::test(flavor = "multi_thread")]
async fn all_returns_every_item_exactly_once_in_ndjson_and_json() {
    for total in [0, 1, 100, 101, 10_000] {
        let server = paged(total).await;

        let output = run(
            &server,
            &format!("{LIST} --all --limit 100 --output ndjson"),
            &[],
        )
        .await;
        assert_eq!(code(&output), 0, "{total}: {}", stderr(&output));
        let lines: Vec<Value> = stdout(&output)
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is one JSON sub-job"))
            .collect();
        let got = ids(&lines);
        assert_eq!(got, expected_ids(total), "ndjson, total {total}");
        assert_eq!(
            got.iter().collect::<HashSet<_>>().len(),
            total,
            "no duplicates"
        );
        // Pages of 100, ending on the count: no request beyond the last item.
        assert_eq!(
            requests(&server).await.len(),
            total.div_ceil(100).max(1),
            "{total}"
        );

        let output = run(&server, &format!("{LIST} --all --output json"), &[]).await;
        assert_eq!(code(&output), 0, "{total}: {}", stderr(&output));
        let document: Value = serde_json::from_str(&stdout(&output)).expect("one JSON document");
        assert_eq!(document["count"], json!(total), "json, total {total}");
        let items = document["items"]
            .as_array()
            .expect("items is an array, even empty");
        assert_eq!(ids(items), expected_ids(total), "json, total {total}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn json_of_one_page_is_shaped_like_the_api_response() {
    // Sub-jobs with the server each made: a nested object, passed through.
    let server = serve(|request, _| {
        let items = page_of(request, 250).into_iter().map(with_resource);
        ok(Some(250), items.collect())
    })
    .await;
    let output = run(
        &server,
        &format!("{LIST} --offset 20 --limit 5 --output json"),
        &[],
    )
    .await;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(document["count"], json!(250));
    let items = document["items"].as_array().unwrap();
    assert_eq!(
        ids(items),
        ["sub-20", "sub-21", "sub-22", "sub-23", "sub-24"]
    );
    assert_eq!(items[0]["status"], "SUCCESS");
    assert_eq!(items[0]["job_resource_info"]["resource_name"], "APS-sub-20");
    let query = requests(&server).await[0].url.query().unwrap().to_string();
    assert!(
        query.contains("offset=20") && query.contains("limit=5"),
        "{query}"
    );

    // jq reads it too, when it is installed.
    if let Ok(mut jq) = std::process::Command::new("jq")
        .args(["-e", ".items | length == 5"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
    {
        use std::io::Write;
        jq.stdin.take().unwrap().write_all(&output.stdout).unwrap();
        assert!(jq.wait().unwrap().success(), "jq accepts the document");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_table_lines_up_without_colour_when_not_a_terminal_and_says_what_is_left() {
    let server = paged(250).await;
    let output = run(&server, &format!("{LIST} --limit 3"), &[]).await;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        !text.contains('\u{1b}'),
        "no escape codes in a pipe: {text:?}"
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("ID "), "{text}");
    let status_at = lines[0].find("STATUS").unwrap();
    for line in &lines[1..] {
        assert_eq!(line.find("SUCCESS"), Some(status_at), "{text}");
    }
    let notice = stderr(&output);
    assert!(
        notice.contains("showing sub-jobs 1 to 3 of 250"),
        "{notice}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_values_fail_with_the_valid_ones_before_any_request() {
    let server = paged(10).await;
    let cases = [
        ("--job-type CREATE_SERVER --limit 500", "1..=100"),
        ("--job-type CREATE_SERVER --limit 0", "1..=100"),
        (
            "--job-type NOPE",
            "[possible values: CREATE_SERVER, DELETE_SERVER",
        ),
        (
            "--job-type CREATE_SERVER --status DONE",
            "[possible values: WAITING, RUNNING",
        ),
        (
            "--job-type CREATE_SERVER --output xml",
            "[possible values: table, json, ndjson]",
        ),
        (
            "--job-type CREATE_SERVER --offset=-1",
            "invalid value '-1' for '--offset",
        ),
    ];
    for (args, expected) in cases {
        let output = run(&server, &format!("sub-jobs list {args}"), &[]).await;
        assert_eq!(code(&output), 2, "{args}");
        let message = stderr(&output);
        assert!(message.contains(expected), "{args}: {message}");
        assert!(stdout(&output).is_empty());
    }
    let output = run(
        &server,
        "sub-jobs wait --job-type CREATE_SERVER --job-id j --interval 5",
        &[],
    )
    .await;
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("such as 30s"),
        "{}",
        stderr(&output)
    );
    assert!(requests(&server).await.is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_job_type_and_status_flags_accept_exactly_the_spec_values() {
    let spec = spec();
    let server = paged(0).await;
    let cases = [
        ("JobTypeFilter", "sub-jobs list --job-type NOT_A_VALUE"),
        (
            "SubJobStatus",
            "sub-jobs list --job-type CREATE_SERVER --status NOT_A_VALUE",
        ),
    ];
    for (schema, args) in cases {
        let values: Vec<&str> = spec.document["components"]["schemas"][schema]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let message = stderr(&run(&server, args, &[]).await);
        let listed = message
            .split("[possible values: ")
            .nth(1)
            .and_then(|rest| rest.split(']').next())
            .unwrap_or_else(|| panic!("{schema}: no list in {message}"));
        assert_eq!(listed.split(", ").collect::<Vec<_>>(), values, "{schema}");
    }
    assert!(requests(&server).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_settings_name_the_flag_to_add() {
    let server = paged(0).await;
    let list: Vec<&str> = LIST.split_whitespace().collect();
    let output = run_bare(&list, &[]).await;
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("pass --region REGION"),
        "{}",
        stderr(&output)
    );

    let uri = server.uri();
    let output = run_bare(&[&list[..], &["--endpoint", &uri]].concat(), &[]).await;
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).contains("pass --project-id ID or set HUAWEICLOUD_SDK_PROJECT_ID"));
    assert!(requests(&server).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_is_sent_as_x_auth_token_and_never_printed() {
    let server = paged(3).await;
    let token = "SECRET-TOKEN-4f7a";
    let output = run(&server, &format!("{LIST} --token {token}"), &[]).await;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let request = &requests(&server).await[0];
    assert_eq!(request.headers.get("x-auth-token").unwrap(), token);
    assert!(!stdout(&output).contains(token) && !stderr(&output).contains(token));

    // Refused, the error names what to check and still not the token.
    let denied = serve(|_, _| {
        ResponseTemplate::new(401).set_body_json(json!({
            "error_code": "APIGW.0301",
            "error_msg": "Incorrect IAM authentication information"
        }))
    })
    .await;
    let output = run(&denied, &format!("{LIST} --token {token}"), &[]).await;
    assert_eq!(code(&output), 3);
    let message = stderr(&output);
    assert!(
        message.contains("APIGW.0301") && message.contains("--token"),
        "{message}"
    );
    assert!(!message.contains(token) && !stdout(&output).contains(token));
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_from_the_environment_sign_requests_and_stay_secret() {
    let server = paged(3).await;
    let env = [
        ("HUAWEICLOUD_SDK_AK", "AK-SECRET-1"),
        ("HUAWEICLOUD_SDK_SK", "SK-SECRET-2"),
    ];
    let output = run(&server, &format!("{LIST} --output ndjson"), &env).await;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let request = &requests(&server).await[0];
    let authorization = request
        .headers
        .get("authorization")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        authorization.starts_with("SDK-HMAC-SHA256 Access=AK-SECRET-1, "),
        "{authorization}"
    );
    assert_eq!(request.headers.get("x-project-id").unwrap(), PROJECT);
    let printed = stdout(&output) + &stderr(&output);
    assert!(!printed.contains("SECRET"), "{printed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_on_a_later_page_keeps_the_ndjson_already_written_and_exits_3() {
    let server = serve(|request, n| {
        // From page 3 on, and for each of the client's retries of it.
        if n >= 2 {
            return ResponseTemplate::new(500)
                .set_body_json(json!({"error_code": "WKS.0500", "error_msg": "internal error"}));
        }
        let offset = if n == 0 { 0 } else { 10 };
        assert!(
            request
                .url
                .query()
                .unwrap()
                .contains(&format!("offset={offset}"))
        );
        let items: Vec<Value> = (offset..offset + 10)
            .map(|i| sub_job(&format!("sub-{i}"), "RUNNING"))
            .collect();
        ok(Some(1000), items)
    })
    .await;
    let output = run(
        &server,
        &format!("{LIST} --all --limit 10 --output ndjson"),
        &[],
    )
    .await;
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert!(stderr(&output).contains("WKS.0500"), "{}", stderr(&output));
    let written: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(ids(&written), expected_ids(20));
}

const WAIT: &str =
    "sub-jobs wait --job-type CREATE_SERVER --job-id job-1 --interval 10ms --max-interval 20ms";

#[tokio::test(flavor = "multi_thread")]
async fn wait_exits_0_when_every_sub_job_succeeds() {
    let server = scripted(vec![
        vec![sub_job("a", "RUNNING"), sub_job("b", "WAITING")],
        vec![sub_job("a", "SUCCESS"), sub_job("b", "RUNNING")],
        vec![sub_job("a", "SUCCESS"), sub_job("b", "SUCCESS")],
    ])
    .await;
    let output = run(&server, WAIT, &[]).await;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stdout(&output).contains("2 sub-jobs succeeded"),
        "{}",
        stdout(&output)
    );
    // Not a terminal: one plain progress line per poll on stderr.
    let progress = stderr(&output);
    assert_eq!(
        progress.lines().filter(|l| l.contains("poll ")).count(),
        3,
        "{progress}"
    );
    assert!(progress.contains("1 RUNNING, 1 SUCCESS"), "{progress}");
    let query = requests(&server).await[0].url.query().unwrap().to_string();
    assert!(
        query.contains("job_id=job-1") && query.contains("job_type=CREATE_SERVER"),
        "{query}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_exits_1_when_a_sub_job_fails_and_shows_its_error() {
    let server = scripted(vec![vec![unavailable("a"), sub_job("b", "SUCCESS")]]).await;
    let output = run(&server, WAIT, &[]).await;
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let message = stderr(&output);
    let headline = "error: CREATE_SERVER job job-1 failed: 1 of 2 sub-jobs failed";
    assert!(message.contains(headline), "{message}");
    let detail = "sub-job a FAILED WKS.00129901: The service is now unavailable";
    assert!(message.contains(detail), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_exits_4_on_timeout_with_the_last_seen_state() {
    let server = scripted(vec![vec![sub_job("a", "RUNNING"), sub_job("b", "SUCCESS")]]).await;
    let output = run(&server, &format!("{WAIT} --timeout 150ms"), &[]).await;
    assert_eq!(code(&output), 4, "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains("last seen: 1 RUNNING, 1 SUCCESS"),
        "{message}"
    );
    assert!(message.contains("--timeout"), "{message}");
    assert!(
        requests(&server).await.len() >= 2,
        "it polled more than once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_exits_3_when_the_service_refuses() {
    let server = serve(|_, _| {
        ResponseTemplate::new(403)
            .set_body_json(json!({"error_code": "WKS.0403", "error_msg": "no permission"}))
    })
    .await;
    let output = run(&server, WAIT, &[]).await;
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("WKS.0403"), "{message}");
    assert!(message.contains("workspace:jobs:listSubJobs"), "{message}");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn wait_for_one_sub_job_ignores_the_others() {
    let server = scripted(vec![vec![unavailable("a"), sub_job("b", "SUCCESS")]]).await;
    let output = run(&server, &format!("{WAIT} --sub-job-id b"), &[]).await;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let result = stdout(&output);
    assert!(
        result.contains("sub-job b of CREATE_SERVER job job-1: 1 sub-job succeeded"),
        "{result}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_are_printed_for_each_shell() {
    let server = paged(0).await;
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = run(&server, &format!("completions {shell}"), &[]).await;
        assert_eq!(code(&output), 0, "{shell}: {}", stderr(&output));
        let script = stdout(&output);
        assert!(
            script.contains("workspace-app") && script.contains("job-type"),
            "{shell}"
        );
        // The spec's regions are offered, though --region takes others too.
        for region in ["ap-southeast-1", "cn-north-4"] {
            assert!(script.contains(region), "{shell}: no {region}");
        }
    }
    assert!(requests(&server).await.is_empty());
}
