//! Faults end in typed errors within the configured bounds: retries, backoff and
//! `Retry-After` (on paused tokio time), timeouts, error bodies of every shape, oversized
//! bodies, and no panic whatever the server sends.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod support;

use proptest::prelude::*;
use serde_json::json;
use support::paused_time_builder;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};
use workspace_app_client::types::JobTypeFilter;
use workspace_app_client::{
    Client, ClientBuilder, DisplayErrorChain, Error, GeneratedError, RetryPolicy,
};

const OK_BODY: &str = r#"{"count": 0, "items": []}"#;

async fn call(client: &Client) -> Result<workspace_app_client::types::ListSubJobsResponse, Error> {
    Ok(client
        .sub_jobs()
        .job_type(JobTypeFilter::CreateServer)
        .send()
        .await?
        .into_inner())
}

/// A client for tests on paused time (see `support::paused_time_builder`).
fn paused_time_client(url: &str, retry: RetryPolicy) -> Client {
    paused_time_builder(url).retry(retry).build().unwrap()
}

/// Answers `failures` times with `status` (and `extra` headers), then 200.
async fn failing_then_ok(failures: u64, status: u16, headers: &[(&str, &str)]) -> MockServer {
    let server = MockServer::start().await;
    let mut failure = ResponseTemplate::new(status)
        .set_body_json(json!({"error_code": "WKS.0001", "error_msg": "try later"}));
    for (name, value) in headers {
        failure = failure.insert_header(*name, *value);
    }
    Mock::given(method("GET"))
        .respond_with(failure)
        .up_to_n_times(failures)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(OK_BODY, "application/json"))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

async fn request_count(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test(start_paused = true)]
async fn retryable_statuses_are_retried_with_backoff_within_its_bounds() {
    let policy = RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(400))
        .max_backoff(Duration::from_secs(10));
    let (low1, high1) = policy.backoff_bounds(1);
    let (low2, high2) = policy.backoff_bounds(2);
    for status in [429, 500, 502, 503, 504] {
        let server = failing_then_ok(2, status, &[]).await;
        let client = paused_time_client(&server.uri(), policy.clone());
        let started = tokio::time::Instant::now();
        call(&client)
            .await
            .unwrap_or_else(|e| panic!("{status}: {e}"));
        let waited = started.elapsed();
        assert_eq!(
            request_count(&server).await,
            3,
            "{status}: 2 failures + 1 success"
        );
        assert!(
            low1 + low2 <= waited && waited <= high1 + high2 + Duration::from_millis(50),
            "{status}: waited {waited:?}, expected within [{:?}, {:?}]",
            low1 + low2,
            high1 + high2
        );
    }
}

#[tokio::test(start_paused = true)]
async fn attempts_are_bounded_and_the_last_error_is_typed() {
    let server = failing_then_ok(10, 503, &[("x-request-id", "req-503")]).await;
    let client = paused_time_client(&server.uri(), RetryPolicy::default().max_attempts(4));
    let error = call(&client).await.unwrap_err();
    assert_eq!(request_count(&server).await, 4);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(error.error_code(), Some("WKS.0001"));
    assert_eq!(error.request_id(), Some("req-503"));
    assert!(error.is_retryable());
}

#[tokio::test(start_paused = true)]
async fn the_total_budget_stops_retries_early() {
    let server = failing_then_ok(10, 500, &[]).await;
    let policy = RetryPolicy::default()
        .max_attempts(100)
        .initial_backoff(Duration::from_secs(1))
        .max_backoff(Duration::from_secs(1))
        .total_budget(Duration::from_secs(3));
    let client = paused_time_client(&server.uri(), policy);
    let started = tokio::time::Instant::now();
    let error = call(&client).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert!(
        started.elapsed() <= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let attempts = request_count(&server).await;
    // Backoffs of 0.5–1 s each fit 3 to 6 times into 3 s.
    assert!((4..=7).contains(&attempts), "{attempts} attempts");
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_in_seconds_and_as_a_date() {
    let server = failing_then_ok(1, 429, &[("retry-after", "7")]).await;
    let client = paused_time_client(&server.uri(), RetryPolicy::default());
    let started = tokio::time::Instant::now();
    call(&client).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(7),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(request_count(&server).await, 2);

    // A Retry-After beyond the budget ends the retries at once with the throttling error.
    let server = failing_then_ok(1, 503, &[("retry-after", "3600")]).await;
    let client = paused_time_client(&server.uri(), RetryPolicy::default());
    let started = tokio::time::Instant::now();
    let error = call(&client).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test(start_paused = true)]
async fn other_client_errors_are_never_retried() {
    for status in [400, 401, 403, 404, 405, 408, 409, 422] {
        let server = failing_then_ok(5, status, &[]).await;
        let client = paused_time_client(&server.uri(), RetryPolicy::default().max_attempts(5));
        let error = call(&client).await.unwrap_err();
        assert_eq!(request_count(&server).await, 1, "{status} was retried");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert!(!error.is_retryable(), "{status}");
    }
}

#[tokio::test(start_paused = true)]
async fn retries_can_be_turned_off() {
    let server = failing_then_ok(1, 503, &[]).await;
    let client = paused_time_client(&server.uri(), RetryPolicy::disabled());
    assert!(call(&client).await.is_err());
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test(start_paused = true)]
async fn each_attempt_is_signed_afresh() {
    let server = failing_then_ok(2, 503, &[]).await;
    let client = paused_time_builder(&server.uri())
        .credentials(workspace_app_client::Credentials::ak_sk("AK", "SK"))
        .retry(RetryPolicy::default().initial_backoff(Duration::from_secs(2)))
        .build()
        .unwrap();
    call(&client).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        let authorization = request.headers["authorization"].to_str().unwrap();
        // One signature each: a request is never signed on top of an earlier signature.
        assert_eq!(authorization.matches("SDK-HMAC-SHA256").count(), 1);
        assert_eq!(request.headers.get_all("x-sdk-date").iter().count(), 1);
    }
}

/// A server that accepts connections and never answers; counts the connections.
async fn silent_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    (format!("http://{address}"), accepted)
}

#[tokio::test]
async fn a_server_that_never_answers_ends_in_a_timeout_error() {
    let (url, _) = silent_server().await;
    let client = ClientBuilder::new()
        .endpoint(url)
        .project_id("p")
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = call(&client).await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(error.is_retryable());
    assert!(
        error.to_string().starts_with("transport error: "),
        "{error}"
    );
}

#[tokio::test]
async fn timeouts_are_retried_within_the_attempt_bound() {
    let (url, accepted) = silent_server().await;
    let client = ClientBuilder::new()
        .endpoint(url)
        .project_id("p")
        .timeout(Duration::from_millis(100))
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    assert!(call(&client).await.unwrap_err().is_timeout());
    // A timed-out connection is dropped, so each attempt opened its own.
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    // Bind and drop a listener to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = ClientBuilder::new()
        .endpoint(format!("http://127.0.0.1:{port}"))
        .project_id("p")
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = call(&client).await.unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(error.is_retryable());
    // `Display` is reqwest's own message; its causes follow in the chain, each once.
    let shown = error.to_string();
    assert!(
        shown.starts_with("transport error: error sending request"),
        "{shown}"
    );
    let chain = DisplayErrorChain(&error).to_string();
    assert!(
        chain.starts_with(&shown) && chain.len() > shown.len(),
        "{chain}"
    );
    let mut seen = std::collections::HashSet::new();
    let mut cause = std::error::Error::source(&error);
    while let Some(e) = cause {
        assert!(seen.insert(e.to_string()), "{e} twice in {chain}");
        cause = e.source();
    }
}

#[tokio::test]
async fn a_body_cut_short_is_a_transport_error_whose_causes_show_once() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"count\"";
            let _ = socket.write_all(head.as_bytes()).await;
            // Closed 990 bytes early.
        }
    });
    let client = ClientBuilder::new()
        .endpoint(format!("http://{address}"))
        .project_id("p")
        .retry(
            RetryPolicy::default()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let error = call(&client).await.unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    let chain = DisplayErrorChain(&error).to_string();
    let mut seen = std::collections::HashSet::new();
    let mut cause = std::error::Error::source(&error);
    while let Some(e) = cause {
        assert!(seen.insert(e.to_string()), "{e} twice in {chain}");
        cause = e.source();
    }
    assert!(chain.contains("end of file"), "{chain}");
    assert!(accepted.load(Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn a_transport_error_cuts_a_long_url_but_keeps_it_whole_in_the_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = ClientBuilder::new()
        .endpoint(format!("http://127.0.0.1:{port}"))
        .project_id("p")
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let long = "j".repeat(5_000);
    let error = client
        .sub_jobs()
        .job_type(JobTypeFilter::CreateServer)
        .job_id(long.as_str())
        .send()
        .await
        .map_err(Error::from)
        .unwrap_err();
    let chain = DisplayErrorChain(&error).to_string();
    assert!(chain.contains("bytes in all)"), "{chain}");
    assert!(!chain.contains(&long) && chain.len() < 1_000, "{chain}");
    let Error::Transport(inner) = &error else {
        panic!("expected a transport error, got {error:?}");
    };
    assert!(inner.url().is_some_and(|url| url.as_str().contains(&long)));
}

async fn answering(template: ResponseTemplate) -> Client {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(template)
        .mount(&server)
        .await;
    let client = ClientBuilder::new()
        .endpoint(server.uri())
        .project_id("p")
        .retry(RetryPolicy::disabled())
        .max_response_bytes(64 * 1024)
        .build()
        .unwrap();
    // The server lives as long as the test: leak it rather than thread it through.
    std::mem::forget(server);
    client
}

#[tokio::test]
async fn error_bodies_of_every_shape_become_typed_errors() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let cases: Vec<(&str, ResponseTemplate, u16, Option<&str>)> = vec![
        (
            "HTML gateway page",
            ResponseTemplate::new(502).set_body_raw(html, "text/html"),
            502,
            Some(html),
        ),
        ("empty 503", ResponseTemplate::new(503), 503, Some("")),
        (
            "truncated JSON 500",
            ResponseTemplate::new(500)
                .set_body_raw(r#"{"error_code": "WKS.00"#, "application/json"),
            500,
            Some(r#"{"error_code": "WKS.00"#),
        ),
        // Read like Huawei's core SDK reads it (see tests/error_bodies.rs for every shape).
        (
            "gateway-style JSON 401",
            ResponseTemplate::new(401).set_body_raw(
                r#"{"error": {"code": "APIGW.0301", "message": "bad"}}"#,
                "application/json",
            ),
            401,
            None,
        ),
        (
            "undocumented 429 with the usual body",
            ResponseTemplate::new(429)
                .set_body_json(json!({"error_code": "APIGW.0308", "error_msg": "throttled"})),
            429,
            None,
        ),
        (
            "documented JSON 404",
            ResponseTemplate::new(404)
                .set_body_json(json!({"error_code": "WKS.0404", "error_msg": "no such project"})),
            404,
            None,
        ),
    ];
    for (case, template, status, snippet) in cases {
        let client = answering(template.insert_header("x-request-id", "rid-1")).await;
        let error = call(&client).await.unwrap_err();
        let Error::Api(api) = &error else {
            panic!("{case}: expected Error::Api, got {error:?}");
        };
        assert_eq!(api.status.as_u16(), status, "{case}");
        assert_eq!(api.request_id.as_deref(), Some("rid-1"), "{case}");
        assert_eq!(api.body_snippet.as_deref(), snippet, "{case}");
        // Either the body said what went wrong, or its first bytes are kept.
        assert_eq!(api.error_code.is_some(), snippet.is_none(), "{case}");
        let shown = error.to_string();
        assert!(shown.contains(&status.to_string()), "{case}: {shown}");
        assert!(shown.contains("rid-1"), "{case}: {shown}");
    }
}

#[tokio::test]
async fn a_success_status_with_a_bad_body_is_an_invalid_response() {
    let client = answering(
        ResponseTemplate::new(200).set_body_raw("{\"count\": 1, \"items\": [", "application/json"),
    )
    .await;
    let error = call(&client).await.unwrap_err();
    assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
    assert!(error.to_string().contains("body starts with"), "{error}");
    // The parse error is the cause, not part of the message.
    let cause = std::error::Error::source(&error)
        .expect("the JSON error")
        .to_string();
    assert!(!error.to_string().contains(&cause), "{error}");
    assert!(DisplayErrorChain(&error).to_string().ends_with(&cause));
}

#[tokio::test]
async fn a_body_over_the_limit_is_an_error_whatever_the_status() {
    let huge = vec![b' '; 200 * 1024];
    for status in [200, 400, 502] {
        let client =
            answering(ResponseTemplate::new(status).set_body_raw(huge.clone(), "application/json"))
                .await;
        let error = call(&client).await.unwrap_err();
        assert!(
            matches!(error, Error::ResponseTooLarge { limit: 65536 }),
            "{status}: {error:?}"
        );
        assert_eq!(
            error.to_string(),
            "the response body exceeds the limit of 65536 bytes"
        );
    }
}

#[tokio::test]
async fn a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_not() {
    let page = br#"{"count": 0, "items": []}"#;
    for (length, chunked) in [(1024, false), (1025, false), (1024, true), (1025, true)] {
        let mut body = page.to_vec();
        body.resize(length, b' ');
        let url = raw_server(body, chunked).await;
        let client = ClientBuilder::new()
            .endpoint(url)
            .project_id("p")
            .retry(RetryPolicy::disabled())
            .max_response_bytes(1024)
            .build()
            .unwrap();
        let result = call(&client).await;
        match length {
            1024 => assert!(result.is_ok(), "{length} {chunked}: {result:?}"),
            _ => assert!(
                matches!(result, Err(Error::ResponseTooLarge { limit: 1024 })),
                "{length} {chunked}: {result:?}"
            ),
        }
    }
}

/// A server that answers one request with 200 and `body`, with a `Content-Length` or in
/// chunks of 100 bytes.
async fn raw_server(body: Vec<u8>, chunked: bool) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let mut response = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n".to_vec();
        if chunked {
            response.extend(b"transfer-encoding: chunked\r\n\r\n");
            for chunk in body.chunks(100) {
                response.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
                response.extend(chunk);
                response.extend(b"\r\n");
            }
            response.extend(b"0\r\n\r\n");
        } else {
            response.extend(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
            response.extend(&body);
        }
        let _ = socket.write_all(&response).await;
        let _ = socket.read(&mut request).await;
    });
    format!("http://{address}")
}

#[tokio::test]
async fn an_undocumented_status_keeps_its_status_and_body_through_the_generated_error() {
    // 201 is a success the operation does not document; 429 with the documented body and
    // 502 with an HTML page are errors it does not document; 404 with HTML is documented
    // but its body is not.
    let cases: Vec<(ResponseTemplate, u16, Option<&str>, Option<&str>)> = vec![
        (
            ResponseTemplate::new(201).set_body_raw("created", "text/plain"),
            201,
            None,
            Some("created"),
        ),
        (
            ResponseTemplate::new(429)
                .set_body_json(json!({"error_code": "APIGW.0308", "error_msg": "throttled"})),
            429,
            Some("APIGW.0308"),
            None,
        ),
        (
            ResponseTemplate::new(502).set_body_raw("<html>bad</html>", "text/html"),
            502,
            None,
            Some("<html>bad</html>"),
        ),
        (
            ResponseTemplate::new(404).set_body_raw("<html>gone</html>", "text/html"),
            404,
            None,
            Some("<html>gone</html>"),
        ),
    ];
    for (template, status, code, snippet) in cases {
        let client = answering(template.insert_header("x-request-id", "rid-9")).await;
        let generated = client
            .sub_jobs()
            .job_type(JobTypeFilter::CreateServer)
            .send()
            .await
            .unwrap_err();
        // The generated error itself still says what the server answered...
        assert_eq!(generated.status().map(|s| s.as_u16()), Some(status));
        let GeneratedError::UnexpectedResponse(response) = &generated else {
            panic!("{status}: expected UnexpectedResponse, got {generated:?}");
        };
        assert_eq!(response.headers()["x-request-id"], "rid-9");
        // ...and the crate's error has the rest.
        let Error::Api(api) = Error::from(generated) else {
            panic!("{status}: expected Error::Api");
        };
        assert_eq!(api.status.as_u16(), status);
        assert_eq!(api.error_code.as_deref(), code);
        assert_eq!(api.body_snippet.as_deref(), snippet);
        assert_eq!(api.request_id.as_deref(), Some("rid-9"));
    }
}

#[tokio::test]
async fn a_chunked_body_without_length_is_bounded_too() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        let chunk = format!("{:x}\r\n{}\r\n", 16 * 1024, " ".repeat(16 * 1024));
        // Endless: the client must stop reading on its own.
        while socket.write_all(chunk.as_bytes()).await.is_ok() {}
    });
    let client = ClientBuilder::new()
        .endpoint(format!("http://{address}"))
        .project_id("p")
        .retry(RetryPolicy::disabled())
        .max_response_bytes(100_000)
        .build()
        .unwrap();
    let error = call(&client).await.unwrap_err();
    assert!(
        matches!(error, Error::ResponseTooLarge { limit: 100_000 }),
        "{error:?}"
    );
}

/// Serves whatever the current case says.
#[derive(Clone, Default)]
struct Scripted(Arc<Mutex<(u16, Vec<u8>)>>);

impl Respond for Scripted {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let (status, body) = self.0.lock().unwrap().clone();
        ResponseTemplate::new(status).set_body_raw(body, "application/json")
    }
}

fn body_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        // JSON-ish bodies reach deeper into the parsers.
        "[{}\\[\\]\":,a-z0-9 ]{0,200}".prop_map(String::into_bytes),
        Just(br#"{"count": -1, "items": [{"status": 7}]}"#.to_vec()),
        Just(br#"{"count": 99999999999, "items": null}"#.to_vec()),
        Just(br#"{"error_code": null, "error_msg": ["x"]}"#.to_vec()),
    ]
}

#[test]
fn no_status_or_body_makes_the_client_panic() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let script = Scripted::default();
    let (server, client) = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(script.clone())
            .mount(&server)
            .await;
        let client = ClientBuilder::new()
            .endpoint(server.uri())
            .project_id("p")
            .retry(RetryPolicy::disabled())
            .max_response_bytes(256)
            .build()
            .unwrap();
        (server, client)
    });
    let config = ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(status in 200u16..600, body in body_strategy())| {
        *script.0.lock().unwrap() = (status, body.clone());
        let result = runtime.block_on(call(&client));
        match result {
            Ok(page) => prop_assert!(status == 200, "{status} parsed as a page: {page:?}"),
            Err(error) => {
                // Every failure is typed and printable.
                let _ = error.to_string();
                if let Some(seen) = error.status() {
                    prop_assert_eq!(seen.as_u16(), status);
                }
            }
        }
    });
    drop(server);
}
