//! `workspace-app api <operation>`, the commands generated from the spec, run as a user would
//! run them against a local server: the body exactly as sent, the items as ndjson and as a
//! table, every flag on the wire, the spec's bounds checked before any request, the project
//! and credentials from the global options only, `--dry-run`, errors with their code and
//! hint, text that cannot drive the terminal, and one command per operation of the spec.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use workspace_app_test_support::cli::{code, shown, stderr, stdout};
use workspace_app_test_support::samples::{PATH, sub_job};
use workspace_app_test_support::scratch;

mod support;

use support::{requests, run, run_bare, spec, with_resource};

const LIST: &str = "api list-sub-jobs --job-type CREATE_SERVER";

/// A server answering every GET, whatever its path (the tests check the path themselves),
/// with `status` and `body` as `application/json`.
async fn serve(status: u16, body: impl Into<Vec<u8>>) -> MockServer {
    serve_with(ResponseTemplate::new(status).set_body_raw(body.into(), "application/json")).await
}

async fn serve_with(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// The query parameters of `request`, in order.
fn query(request: &Request) -> Vec<(String, String)> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A body of two sub-jobs, the second without `job_resource_info` and with a key the spec
/// does not know.
fn two_sub_jobs() -> Value {
    let mut second = sub_job("b", "RUNNING");
    second["extra"] = json!(7);
    json!({ "count": 2, "items": [with_resource(sub_job("a", "SUCCESS")), second] })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_json_output_is_the_body_exactly_as_sent() {
    let body = r#"{"items": [ {"id":"a","status":"SUCCESS","job_type":"CREATE_SERVER","extra":1} ],  "count" : 1, "x-new":"kept"}"#;
    let server = serve(200, body).await;
    let output = run(&server, &format!("{LIST} --output json"), &[]).await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    assert_eq!(
        stdout(&output),
        format!("{body}\n"),
        "the body as sent, plus a newline"
    );

    // A body that already ends with a newline gets no second one.
    let server = serve(200, format!("{body}\n")).await;
    let output = run(&server, &format!("{LIST} --output json"), &[]).await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    assert_eq!(stdout(&output), format!("{body}\n"), "no extra newline");
}

#[tokio::test(flavor = "multi_thread")]
async fn ndjson_is_one_item_per_line() {
    let body = two_sub_jobs();
    let server = serve(200, body.to_string()).await;
    let output = run(&server, &format!("{LIST} --output ndjson"), &[]).await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    let items = body["items"].as_array().unwrap();
    assert_eq!(lines.len(), items.len(), "one line per item:\n{text}");
    for (line, item) in lines.iter().zip(items) {
        let parsed: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("each line is one JSON item ({e}): {line:?}"));
        assert_eq!(&parsed, item, "the item as sent");
        // Compact, and the keys in the order the service sent them.
        assert_eq!(
            *line,
            item.to_string(),
            "the item's keys in the service's order"
        );
    }
    assert!(
        !text.contains("count"),
        "only the items, not the count:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn table_shows_the_items_as_columns_and_the_rest_as_lines() {
    let server = serve(200, two_sub_jobs().to_string()).await;
    let output = run(&server, &format!("{LIST} --output table"), &[]).await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    let text = stdout(&output);
    assert!(!text.contains('\u{1b}'), "no colour in a pipe: {text:?}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "a header, two rows, `count: 2`:\n{text}");

    // Every key of the items, in the order they first appear, upper-cased.
    let headers: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        headers,
        [
            "ID",
            "JOB_TYPE",
            "STATUS",
            "JOB_ID",
            "PROJECT_ID",
            "BEGIN_TIME",
            "JOB_RESOURCE_INFO",
            "EXTRA"
        ],
        "{text}"
    );
    // Rows line up under their headers.
    let column = |name: &str| lines[0].find(name).unwrap();
    assert_eq!(lines[1].find("SUCCESS"), Some(column("STATUS")), "{text}");
    assert_eq!(lines[2].find("RUNNING"), Some(column("STATUS")), "{text}");
    assert!(lines[1].starts_with("a "), "{text}");
    assert!(lines[2].starts_with("b "), "{text}");
    // Nested values as compact JSON; a missing key as `-`.
    let nested = r#"{"resource_id":"r-a","resource_name":"APS-a"}"#;
    assert_eq!(
        lines[1].find(nested),
        Some(column("JOB_RESOURCE_INFO")),
        "{text}"
    );
    assert_eq!(
        lines[2][column("JOB_RESOURCE_INFO")..]
            .split_whitespace()
            .next(),
        Some("-"),
        "{text}"
    );
    assert_eq!(lines[2].trim_end().rsplit(' ').next(), Some("7"), "{text}");
    assert_eq!(
        lines[3], "count: 2",
        "the other members after the list:\n{text}"
    );

    // The default format is the table.
    let output = run(&server, LIST, &[]).await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    assert_eq!(stdout(&output), text, "--output table is the default");
}

#[tokio::test(flavor = "multi_thread")]
async fn parameters_reach_the_request() {
    let server = serve(200, two_sub_jobs().to_string()).await;
    let token = "TOKEN-parameters-1";
    let output = run(
        &server,
        &format!(
            "--token {token} api list-sub-jobs --job-type REINSTALL_OS --status FAILED \
             --job-id job-77 --offset 20 --limit 5 --output json"
        ),
        &[],
    )
    .await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    let received = requests(&server).await;
    assert_eq!(received.len(), 1, "one request");
    let request = &received[0];
    assert_eq!(request.url.path(), PATH, "the project from --project-id");
    let mut got = query(request);
    got.sort();
    let mut expected: Vec<(String, String)> = [
        ("job_id", "job-77"),
        ("job_type", "REINSTALL_OS"),
        ("limit", "5"),
        ("offset", "20"),
        ("status", "FAILED"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    expected.sort();
    assert_eq!(got, expected, "the query of {}", request.url);
    assert_eq!(
        request
            .headers
            .get("x-auth-token")
            .map(|v| v.to_str().unwrap()),
        Some(token),
        "X-Auth-Token is --token"
    );

    // The global flags after the subcommand, and after the operation's flags.
    let server = serve(200, two_sub_jobs().to_string()).await;
    let uri = server.uri();
    let output = run_bare(
        &[
            "api",
            "list-sub-jobs",
            "--job-type",
            "DELETE_SERVER",
            "--endpoint",
            &uri,
            "--project-id",
            "project-after",
            "--token",
            token,
            "--limit",
            "3",
        ],
        &[],
    )
    .await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    let received = requests(&server).await;
    assert_eq!(received.len(), 1, "one request");
    let request = &received[0];
    assert_eq!(
        request.url.path(),
        "/v1/project-after/app-server-sub-jobs",
        "--project-id after the subcommand"
    );
    let got = query(request);
    assert!(
        got.contains(&("job_type".into(), "DELETE_SERVER".into()))
            && got.contains(&("limit".into(), "3".into())),
        "{}",
        request.url
    );
    assert_eq!(
        request
            .headers
            .get("x-auth-token")
            .map(|v| v.to_str().unwrap()),
        Some(token),
        "--token after the subcommand"
    );
    assert!(
        !stdout(&output).contains(token) && !stderr(&output).contains(token),
        "the token is never printed: {}",
        shown(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_values_are_usage_errors_before_any_request() {
    let server = serve(200, two_sub_jobs().to_string()).await;
    let cases = [
        (
            "--job-type CREATE_SERVER --limit 0",
            &["--limit", "1..=100"][..],
        ),
        (
            "--job-type CREATE_SERVER --limit 101",
            &["--limit", "1..=100"],
        ),
        (
            "--job-type CREATE_SERVER --offset -1",
            &["--offset", "0..=2147483647"],
        ),
        (
            "--job-type CREATE_SERVER --offset 2147483648",
            &["--offset", "0..=2147483647"],
        ),
        (
            "--job-type NOPE",
            &[
                "--job-type",
                "[possible values: CREATE_SERVER, DELETE_SERVER",
            ],
        ),
        (
            "--job-type CREATE_SERVER --status DONE",
            &["--status", "[possible values: WAITING, RUNNING"],
        ),
        (
            "--job-type CREATE_SERVER --output xml",
            &["--output", "[possible values: table, json, ndjson]"],
        ),
        ("--status FAILED", &["--job-type"]),
    ];
    for (args, expected) in cases {
        let output = run(&server, &format!("api list-sub-jobs {args}"), &[]).await;
        assert_eq!(code(&output), 2, "{args}: {}", shown(&output));
        let message = stderr(&output);
        for part in expected {
            assert!(
                message.contains(part),
                "{args}: {part:?} not in the message:\n{message}"
            );
        }
        assert!(
            stdout(&output).is_empty(),
            "{args}: nothing on stdout: {}",
            shown(&output)
        );
    }
    let sent = requests(&server).await;
    assert!(
        sent.is_empty(),
        "nothing was sent: {:?}",
        sent.iter().map(|r| r.url.to_string()).collect::<Vec<_>>()
    );

    // The bounds themselves are accepted, and sent as given.
    let server = serve(200, two_sub_jobs().to_string()).await;
    let bounds = [
        ("limit", "1"),
        ("limit", "100"),
        ("offset", "0"),
        ("offset", "2147483647"),
    ];
    for (flag, value) in bounds {
        let output = run(
            &server,
            &format!("{LIST} --{flag} {value} --output json"),
            &[],
        )
        .await;
        assert_eq!(code(&output), 0, "--{flag} {value}: {}", shown(&output));
    }
    let sent: Vec<(String, String)> = requests(&server)
        .await
        .iter()
        .flat_map(query)
        .filter(|(k, _)| k == "limit" || k == "offset")
        .collect();
    let expected: Vec<(String, String)> = bounds
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(sent, expected, "each bound sent as given");
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_and_the_project_are_not_flags() {
    let server = serve(200, two_sub_jobs().to_string()).await;
    for args in [
        format!("{LIST} --x-auth-token t"),
        format!("{LIST} --x-auth-token=t"),
        format!("--x-auth-token t {LIST}"),
    ] {
        let output = run(&server, &args, &[]).await;
        assert_eq!(code(&output), 2, "{args}: {}", shown(&output));
        let message = stderr(&output);
        assert!(
            message.contains("unexpected argument '--x-auth-token"),
            "{args}: {message}"
        );
        assert!(stdout(&output).is_empty(), "{args}: {}", shown(&output));
    }
    assert!(requests(&server).await.is_empty(), "nothing was sent");

    let output = run_bare(&["api", "list-sub-jobs", "--help"], &[]).await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    let help = stdout(&output);
    // X-Auth-Token is named only where the global --token says it is sent as that header:
    // no flag, and not the spec's description of the header parameter.
    assert!(
        !help.to_lowercase().contains("--x-auth-token"),
        "no credential flag in the help:\n{help}"
    );
    let mentions: Vec<&str> = help
        .lines()
        .filter(|line| line.to_lowercase().contains("x-auth-token"))
        .collect();
    assert_eq!(
        mentions.len(),
        1,
        "X-Auth-Token only in the help of --token:\n{help}"
    );
    assert!(
        mentions[0].contains("IAM user token, sent as X-Auth-Token"),
        "X-Auth-Token only in the help of --token: {mentions:?}"
    );
    assert_eq!(
        help.matches("--project-id").count(),
        1,
        "only the global --project-id:\n{help}"
    );
    assert!(
        help.contains("HUAWEICLOUD_SDK_PROJECT_ID"),
        "the global --project-id, read from the environment too:\n{help}"
    );
    assert!(help.contains("--token"), "the global --token:\n{help}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_project_id_comes_from_the_environment() {
    let server = serve(200, two_sub_jobs().to_string()).await;
    let uri = server.uri();
    let output = run_bare(
        &[
            "--endpoint",
            &uri,
            "api",
            "list-sub-jobs",
            "--job-type",
            "CREATE_SERVER",
            "--output",
            "json",
        ],
        &[("HUAWEICLOUD_SDK_PROJECT_ID", "project-from-env")],
    )
    .await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    let received = requests(&server).await;
    assert_eq!(received.len(), 1, "one request");
    assert_eq!(
        received[0].url.path(),
        "/v1/project-from-env/app-server-sub-jobs",
        "the project from HUAWEICLOUD_SDK_PROJECT_ID"
    );

    // Without it and without --project-id (and no AK/SK to look it up): a usage error
    // naming the flag, nothing sent.
    let output = run_bare(
        &[
            "--endpoint",
            &uri,
            "api",
            "list-sub-jobs",
            "--job-type",
            "CREATE_SERVER",
        ],
        &[],
    )
    .await;
    assert_eq!(code(&output), 2, "{}", shown(&output));
    assert!(
        stderr(&output).contains("--project-id"),
        "{}",
        shown(&output)
    );
    assert_eq!(requests(&server).await.len(), 1, "nothing more was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_sends_nothing() {
    let server = serve(200, two_sub_jobs().to_string()).await;
    let token = "SECRET-DRY-RUN-TOKEN-9c1e";
    let output = run(
        &server,
        &format!("--token {token} --dry-run {LIST} --limit 5"),
        &[],
    )
    .await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    let text = stdout(&output);
    assert!(text.contains("GET"), "the method:\n{text}");
    let url = text
        .split_whitespace()
        .find(|word| word.contains(PATH))
        .unwrap_or_else(|| panic!("the URL with {PATH}:\n{text}"));
    assert!(url.starts_with(&server.uri()), "{url}");
    assert!(
        url.contains("limit=5") && url.contains("job_type=CREATE_SERVER"),
        "{url}"
    );
    assert!(
        text.to_lowercase().contains("x-auth-token"),
        "the token's header, masked:\n{text}"
    );
    assert!(
        !text.contains(token) && !stderr(&output).contains(token),
        "the token is masked: {}",
        shown(&output)
    );
    assert!(requests(&server).await.is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_error_exits_3_with_the_code_and_a_hint() {
    let server = serve_with(
        ResponseTemplate::new(401)
            .set_body_raw(
                r#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}"#,
                "application/json",
            )
            .insert_header("X-Request-Id", "req-42"),
    )
    .await;
    let token = "SECRET-REFUSED-TOKEN-3b8d";
    for format in ["table", "json", "ndjson"] {
        let output = run(
            &server,
            &format!("--token {token} {LIST} --output {format}"),
            &[],
        )
        .await;
        assert_eq!(code(&output), 3, "{format}: {}", shown(&output));
        let message = stderr(&output);
        for part in ["APIGW.0301", "req-42", "hint:"] {
            assert!(
                message.contains(part),
                "{format}: {part:?} not in\n{message}"
            );
        }
        assert!(
            !message.contains(token) && !stdout(&output).contains(token),
            "{format}: the token is never printed: {}",
            shown(&output)
        );
        assert!(
            stdout(&output).is_empty(),
            "{format}: the error body is not output: {}",
            shown(&output)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn server_text_cannot_drive_the_terminal() {
    let id = "x\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}y";
    // A member's name becomes a column header: it is the server's text too.
    let key = "k\u{1b}[31m\u{202e}";
    let body =
        json!({ "count": 1, "items": [{ "id": id, "status": "SUCCESS", key: 1 }] }).to_string();
    assert!(
        body.contains('\u{9b}') && body.contains('\u{202e}'),
        "serde_json leaves C1 and bidi raw, so the server sends them raw"
    );
    let server = serve(200, body).await;

    let unsafe_bytes = |bytes: &[u8]| -> Vec<&'static str> {
        let text = String::from_utf8_lossy(bytes);
        let mut found = Vec::new();
        if bytes.contains(&0x1b) {
            found.push("ESC");
        }
        if bytes.contains(&0x07) {
            found.push("BEL");
        }
        if bytes.windows(2).any(|w| w == [0xc2, 0x9b]) {
            found.push("U+009B");
        }
        if text.contains('\u{202e}') {
            found.push("U+202E");
        }
        found
    };

    let output = run(&server, &format!("{LIST} --output json"), &[]).await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    assert_eq!(
        unsafe_bytes(&output.stdout),
        Vec::<&str>::new(),
        "raw terminal controls in --output json: {:?}",
        stdout(&output)
    );
    let text = stdout(&output);
    for escape in ["\\u001b", "\\u009b", "\\u202e"] {
        assert!(text.contains(escape), "{escape} in {text:?}");
    }
    let parsed: Value = serde_json::from_str(&text).expect("still JSON");
    assert_eq!(
        parsed["items"][0]["id"], id,
        "the same value, only spelt safely"
    );

    let output = run(&server, &format!("{LIST} --output ndjson"), &[]).await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    assert_eq!(
        unsafe_bytes(&output.stdout),
        Vec::<&str>::new(),
        "raw terminal controls in --output ndjson: {:?}",
        stdout(&output)
    );
    let parsed: Value = serde_json::from_str(stdout(&output).trim_end()).expect("one JSON item");
    assert_eq!(parsed["id"], id, "ndjson: the same value");

    let output = run(&server, &format!("{LIST} --output table"), &[]).await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    assert_eq!(
        unsafe_bytes(&output.stdout),
        Vec::<&str>::new(),
        "raw terminal controls in the table: {:?}",
        stdout(&output)
    );
    let text = stdout(&output);
    assert!(
        text.contains("x\\u{1b}]0;pwned\\u{7}\\u{9b}2J\\u{202e}y"),
        "the cell escaped:\n{text}"
    );
    assert!(
        text.contains("K\\u{1b}[31M\\u{202e}"),
        "the header escaped:\n{text}"
    );
}

/// `ListSubJobs` → `list-sub-jobs` (as heck's kebab case: a word starts at an upper-case
/// letter after a lower-case one or a digit, or before a lower-case one in a run of
/// capitals: `GetHTTPStatus` → `get-http-status`).
fn kebab(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' || c == ' ' {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            continue;
        }
        if c.is_uppercase() && i > 0 && !out.is_empty() && !out.ends_with('-') {
            let previous = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if previous.is_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_uppercase() && next_lower)
            {
                out.push('-');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[test]
fn kebab_case_is_as_heck_writes_it() {
    assert_eq!(kebab("ListSubJobs"), "list-sub-jobs");
    assert_eq!(kebab("listSubJobs"), "list-sub-jobs");
    assert_eq!(kebab("GetHTTPStatus"), "get-http-status");
    assert_eq!(kebab("list_sub_jobs"), "list-sub-jobs");
}

/// Every operation of the spec is a command, listed with its summary, except those the
/// build leaves out and names in a warning (a body without a JSON form); an operation with a
/// JSON body prints a template of every property of its schema with nothing else given, and
/// a list's flag says it is repeatable. (The spec of this repository has one operation; the
/// whole service's, derived into a scratch copy, has every shape.)
#[tokio::test(flavor = "multi_thread")]
async fn every_operation_of_the_spec_has_a_command() {
    let spec = spec();
    let document = &spec.document;
    let skipped: Vec<String> = workspace_app_codegen::skipped_operations(document)
        .into_iter()
        .map(|(_, id, _)| id)
        .collect();
    let mut operations = Vec::new();
    for site in workspace_app_codegen::operation_sites(document) {
        let Some(id) = site.operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let summary = site.operation["summary"].as_str().unwrap_or_default();
        let (_, body) = workspace_app_codegen::follow_refs(
            document,
            format!(
                "{}/requestBody/content/application~1json/schema",
                site.pointer()
            ),
        );
        let properties: Option<Vec<String>> = body
            .get("properties")
            .and_then(Value::as_object)
            .map(|properties| properties.keys().cloned().collect());
        let lists: Vec<String> = site
            .parameters(document)
            .iter()
            .filter(|parameter| {
                let (_, schema) = workspace_app_codegen::follow_refs(
                    document,
                    format!("{}/schema", parameter.pointer),
                );
                parameter.location() == "query" && schema["type"] == "array"
            })
            .map(|parameter| kebab(parameter.name()))
            .collect();
        operations.push((
            format!("{} {}", site.method, site.path),
            kebab(id),
            summary.to_string(),
            skipped.iter().any(|s| s == id),
            (!body.is_null()).then_some(properties),
            lists,
        ));
    }
    assert!(!operations.is_empty(), "the spec has operations");

    let output = run_bare(&["api", "--help"], &[]).await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    let list = stdout(&output);
    for (operation, name, summary, skipped, body, lists) in &operations {
        // Listed, with its summary.
        let line = list
            .lines()
            .find(|line| line.trim_start().starts_with(&format!("{name} ")));
        if *skipped {
            assert!(line.is_none(), "{operation} is not generated: {line:?}");
            continue;
        }
        let line =
            line.unwrap_or_else(|| panic!("{operation}: `{name}` not in `api --help`:\n{list}"));
        assert!(line.contains(summary.as_str()), "{operation}: {line:?}");

        let output = run_bare(&["api", name, "--help"], &[]).await;
        assert_eq!(code(&output), 0, "api {name} --help: {}", shown(&output));
        let help = stdout(&output);
        assert!(
            help.contains(summary.as_str()),
            "{operation}: the summary {summary:?} not in `api {name} --help`:\n{help}"
        );
        for list in lists {
            let flag = help
                .split(&format!("--{list} <"))
                .nth(1)
                .and_then(|rest| rest.split("\n\n").next());
            assert!(
                flag.is_some_and(|flag| flag.contains("[repeatable")),
                "{operation}: --{list} in {help}"
            );
        }
        let Some(properties) = body else {
            continue;
        };
        let output = run_bare(&["api", name, "--json-body-template"], &[]).await;
        assert_eq!(code(&output), 0, "{operation}: {}", shown(&output));
        let template: Value = serde_json::from_str(&stdout(&output)).unwrap_or_else(|e| {
            panic!(
                "{operation}: the template is not JSON ({e}): {}",
                shown(&output)
            )
        });
        if let Some(properties) = properties {
            let keys: Vec<String> = template
                .as_object()
                .map(|object| object.keys().cloned().collect())
                .unwrap_or_default();
            assert_eq!(&keys, properties, "{operation}: {template}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_include_the_api_commands() {
    let output = run_bare(&["completions", "bash"], &[]).await;
    assert_eq!(code(&output), 0, "{}", shown(&output));
    let script = stdout(&output);
    assert!(
        script.contains("list-sub-jobs"),
        "no list-sub-jobs in the bash completions"
    );
    // The command's own flags: the one list of options with --job-type and --limit that is
    // neither `sub-jobs list` (--all) nor `sub-jobs wait` (--sub-job-id). (Another operation
    // of the spec may take --job-type too, as CountSubJobs does, but not --limit.)
    let options: Vec<&str> = script
        .lines()
        .filter(|line| line.trim_start().starts_with("opts=") && line.contains("--job-type"))
        .filter(|line| line.contains(" --limit "))
        .filter(|line| !line.contains(" --all ") && !line.contains(" --sub-job-id "))
        .collect();
    assert_eq!(
        options.len(),
        1,
        "the options of api list-sub-jobs: {options:?}"
    );
    for flag in [
        "--job-type",
        "--status",
        "--job-id",
        "--offset",
        "--limit",
        "--output",
    ] {
        assert!(options[0].contains(flag), "{flag} in {}", options[0]);
    }
    assert!(!options[0].contains("--x-auth-token"), "{}", options[0]);
}

/// The completions as bash runs them: what `workspace-app <words><TAB>` offers.
#[tokio::test]
async fn bash_completes_the_api_commands_and_their_flags() {
    let output = run_bare(&["completions", "bash"], &[]).await;
    assert_eq!(
        code(&output),
        0,
        "completions bash fails: {}",
        shown(&output)
    );
    let script = stdout(&output);
    let function = script
        .split("complete -F ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a `complete -F FUNCTION` line")
        .to_string();
    let dir = scratch::dir();
    let file = dir.path().join("workspace-app.bash");
    std::fs::write(&file, &script).unwrap();

    // `words`: the command line so far, the last word being completed.
    let complete = |words: &[&str]| -> Option<Vec<String>> {
        let program = format!(
            "source \"$0\"\n\
             COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()\n\
             {function} workspace-app \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let output = std::process::Command::new("bash")
            .arg("-c")
            .arg(program)
            .arg(&file)
            .args(words)
            .output()
            .ok()?;
        assert!(
            output.status.success(),
            "{words:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Some(
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        )
    };
    let top = complete(&["workspace-app", "ap"]).expect("bash runs");
    assert_eq!(top, ["api"], "workspace-app ap<TAB>");
    let cases: [(&[&str], &str); 3] = [
        (&["workspace-app", "api", "li"], "list-sub-jobs"),
        (
            &["workspace-app", "api", "list-sub-jobs", "--job-t"],
            "--job-type",
        ),
        (
            &[
                "workspace-app",
                "api",
                "list-sub-jobs",
                "--job-type",
                "CREATE_S",
            ],
            "CREATE_SERVER",
        ),
    ];
    for (words, expected) in cases {
        let offered = complete(words).unwrap();
        assert!(
            offered.iter().any(|o| o == expected),
            "{}<TAB> offers {offered:?}, not {expected}",
            words.join(" ")
        );
    }
}
