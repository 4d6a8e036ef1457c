//! Each call is a `tracing` span with the operation, attempt, status and request id, and no
//! secret shows up in any log line or `Debug` output.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::time::Duration;

use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};
use workspace_app_client::types::JobTypeFilter;
use workspace_app_client::{ClientBuilder, Credentials, Error, RetryPolicy};
use workspace_app_test_support::logs::Captured;

const SECRETS: [&str; 4] = [
    "AK-SECRET-1",
    "SK-SECRET-2",
    "ST-SECRET-3",
    "TOKEN-SECRET-4",
];

#[tokio::test]
async fn calls_are_traced_with_their_attempts_and_never_a_secret() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    // Global, not thread-local: a thread-local subscriber races with the other test, whose
    // calls (with no subscriber) would cache the callsites as uninteresting. The other
    // test's lines land here too, and are checked for secrets alike.
    tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("x-request-id", "rid-first")
                .set_body_json(json!({"error_code": "WKS.0503", "error_msg": "busy"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-request-id", "rid-second")
                .set_body_json(json!({"count": 0, "items": []})),
        )
        .with_priority(2)
        .mount(&server)
        .await;

    let signed = ClientBuilder::new()
        .endpoint(server.uri())
        .credentials(Credentials::temporary(SECRETS[0], SECRETS[1], SECRETS[2]))
        .project_id("p")
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(10)))
        .build()
        .unwrap();
    signed
        .sub_jobs()
        .job_type(JobTypeFilter::CreateServer)
        .send()
        .await
        .unwrap();
    let with_token = ClientBuilder::new()
        .endpoint(server.uri())
        .credentials(Credentials::token(SECRETS[3]))
        .project_id("p")
        .build()
        .unwrap();
    with_token
        .sub_jobs()
        .job_type(JobTypeFilter::CreateServer)
        .send()
        .await
        .unwrap();

    let output = logs.text();
    assert!(output.contains("workspace_app.call"), "{output}");
    assert!(output.contains(r#"operation="list_sub_jobs""#), "{output}");
    assert!(
        output.contains("attempt=2"),
        "the retry is visible: {output}"
    );
    assert!(output.contains("status=200"), "{output}");
    assert!(output.contains(r#"request_id="rid-second""#), "{output}");
    assert!(output.contains("retrying"), "{output}");
    for secret in SECRETS {
        assert!(!output.contains(secret), "{secret} leaked into the logs");
    }
    // The signature is derived from the SK; it stays out of the logs too.
    assert!(!output.contains("Signature="), "{output}");

    // Nor do they appear in Debug output of the client or its configuration.
    for shown in [
        format!("{signed:?}"),
        format!("{with_token:?}"),
        format!("{signed:#?}"),
    ] {
        for secret in SECRETS {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
}

#[tokio::test]
async fn errors_never_show_a_secret() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_raw("<html>denied</html>", "text/html"))
        .mount(&server)
        .await;
    let client = ClientBuilder::new()
        .endpoint(server.uri())
        .credentials(Credentials::temporary(SECRETS[0], SECRETS[1], SECRETS[2]))
        .project_id("p")
        .build()
        .unwrap();
    let error: Error = client
        .sub_jobs()
        .job_type(JobTypeFilter::CreateServer)
        .send()
        .await
        .unwrap_err()
        .into();
    for shown in [
        error.to_string(),
        format!("{error:?}"),
        format!("{error:#?}"),
    ] {
        for secret in SECRETS {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
}
