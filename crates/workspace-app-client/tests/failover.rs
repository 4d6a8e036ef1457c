//! Several endpoints (`ClientBuilder::endpoints`): a call moves to the next endpoint when it
//! cannot connect (refused, a failed TLS handshake), signed again for the new host, and later
//! calls start from the endpoint that worked; an answer, a 500 included, never moves it; when
//! none can be connected to, the error names every endpoint. Every server is on 127.0.0.1.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use workspace_app_client::signing::{SigningAlgorithm, verify};
use workspace_app_client::types::JobTypeFilter;
use workspace_app_client::{
    BuildError, Client, ClientBuilder, ClientInfo, Credentials, DisplayErrorChain, Error,
    RetryPolicy,
};
use workspace_app_test_support::logs::capture;
use workspace_app_test_support::samples::{PROJECT, page, sub_job};
use workspace_app_test_support::stub::{Received, Reply, Stub};

const SK: &str = "SK-SECRET";
const CREATE_SERVER: JobTypeFilter = JobTypeFilter::CreateServer;

/// `http://127.0.0.1:PORT` where nothing listens: a port bound, then closed.
fn refusing() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// `https://127.0.0.1:PORT` whose server accepts the connection, answers the TLS client
/// hello with plain-HTTP garbage and closes: the handshake fails. Counts the connections.
async fn failing_handshake() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
                .await;
            let _ = stream.shutdown().await;
        }
    });
    (url, connections)
}

fn ok_page() -> Reply {
    Reply::json(
        200,
        &page(Some(1), vec![sub_job("s-1", "SUCCESS")]).to_string(),
    )
}

/// A signed client of these endpoints, with this retry policy.
fn client(endpoints: &[&str], retry: RetryPolicy) -> Client {
    ClientBuilder::new()
        .endpoints(endpoints.iter().copied())
        .credentials(Credentials::ak_sk("AK-1", SK))
        .project_id(PROJECT)
        .connect_timeout(Duration::from_secs(5))
        .retry(retry)
        .build()
        .expect("a valid configuration")
}

/// Whether the request as received carries a signature of itself (its `Host` included).
fn signed_as_received(received: &Received) -> bool {
    let mut lines = received.head.lines();
    let request_line = lines.next().unwrap();
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next().unwrap(), parts.next().unwrap());
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    let headers: HeaderMap = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| {
            (
                HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
                HeaderValue::from_str(value.trim()).unwrap(),
            )
        })
        .collect();
    let authorization = headers["authorization"].to_str().unwrap();
    let parsed = verify::parse_authorization(authorization).unwrap();
    assert!(parsed.signed_headers.contains(&"host"), "{parsed:?}");
    let payload_hash = verify::payload_hash(
        SigningAlgorithm::HmacSha256,
        &headers,
        &parsed.signed_headers,
        &received.body,
    );
    let request = verify::SignableRequest {
        method,
        path,
        query,
        headers: &headers,
        body_sha256: &payload_hash,
    };
    verify::signature_matches(&request, &parsed, SK.as_bytes())
}

/// The error of a listing that must fail.
async fn failed_call(client: &Client) -> Error {
    Error::from(
        client
            .sub_jobs()
            .job_type(CREATE_SERVER)
            .send()
            .await
            .unwrap_err(),
    )
}

fn host_of(received: &Received) -> String {
    received
        .head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("host")
                .then(|| value.trim().to_string())
        })
        .unwrap()
}

#[tokio::test]
async fn a_call_moves_past_a_refused_port_and_a_failed_handshake_and_later_calls_start_where_it_worked()
 {
    let refused = refusing();
    let (handshake, handshakes) = failing_handshake().await;
    let working = Stub::scripted(vec![ok_page()]).await;
    // A base path on the working one: the request's path moves with it.
    let working_base = format!("{}/gw", working.url());
    // No retries: moving to another endpoint spends none.
    let client = client(
        &[&refused, &handshake, &working_base],
        RetryPolicy::disabled(),
    );

    let (logs, page) = capture(client.sub_jobs().job_type(CREATE_SERVER).send()).await;
    let page = page.unwrap_or_else(|e| panic!("{}", DisplayErrorChain(&e)));
    assert_eq!(page.items.len(), 1);
    assert_eq!(working.requests(), 1);
    assert_eq!(handshakes.load(Ordering::SeqCst), 1);
    let received = &working.received()[0];
    assert!(
        received
            .head
            .starts_with(&format!("GET /gw/v1/{PROJECT}/app-server-sub-jobs")),
        "{}",
        received.head
    );
    // Signed for the host it reached.
    assert_eq!(
        host_of(received),
        working.url().trim_start_matches("http://")
    );
    assert!(signed_as_received(received), "{}", received.head);
    // `--debug` shows each move, and where later calls start.
    for expected in [
        format!("could not connect to {refused}; trying the next endpoint, {handshake}"),
        format!("could not connect to {handshake}; trying the next endpoint, {working_base}"),
        "endpoint 3 of 3 reached: later calls start from it".to_string(),
    ] {
        assert!(logs.contains(&expected), "{expected:?} in:\n{logs}");
    }
    assert!(logs.contains(" WARN "), "{logs}");
    assert!(!logs.contains(SK), "{logs}");

    // The next call, of a clone too, starts at the endpoint that worked.
    let (logs, page) = capture(client.clone().sub_jobs().job_type(CREATE_SERVER).send()).await;
    page.unwrap();
    assert_eq!(working.requests(), 2);
    assert_eq!(handshakes.load(Ordering::SeqCst), 1);
    assert!(!logs.contains("could not connect"), "{logs}");
    assert!(signed_as_received(&working.received()[1]));
}

#[tokio::test]
async fn an_answer_never_moves_a_call_a_500_is_retried_where_it_came_from() {
    let error = r#"{"error_code": "WKS.0500", "error_msg": "busy"}"#;
    let first = Stub::scripted(vec![Reply::json(500, error)]).await;
    let second = Stub::scripted(vec![ok_page()]).await;
    let two = client(
        &[&first.url(), &second.url()],
        RetryPolicy::default()
            .max_attempts(3)
            .initial_backoff(Duration::from_millis(1)),
    );
    let error = Error::from(
        two.sub_jobs()
            .job_type(CREATE_SERVER)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500), "{error}");
    assert_eq!(error.error_code(), Some("WKS.0500"));
    assert_eq!(
        first.requests(),
        3,
        "the retries stay on the endpoint that answered"
    );
    assert_eq!(second.requests(), 0, "an answer stands: no failover");

    // A connection that broke after the request was sent never moves either.
    let reset = Stub::scripted(vec![Reply::Reset]).await;
    let client = client(&[&reset.url(), &second.url()], RetryPolicy::disabled());
    let error = failed_call(&client).await;
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert_eq!(reset.requests(), 1);
    assert_eq!(second.requests(), 0);
}

#[tokio::test]
async fn when_no_endpoint_can_be_connected_to_the_error_names_each() {
    let (first, second) = (refusing(), refusing());
    let (handshake, handshakes) = failing_handshake().await;
    let client = client(
        &[&first, &handshake, &second],
        RetryPolicy::default()
            .max_attempts(2)
            .initial_backoff(Duration::from_millis(1)),
    );
    let error = failed_call(&client).await;
    let Error::Unreachable { tried } = &error else {
        panic!("expected Unreachable, got {error:?}");
    };
    let endpoints: Vec<&str> = tried.iter().map(|t| t.endpoint.as_str()).collect();
    assert_eq!(endpoints, [&first, &handshake, &second]);
    assert!(tried.iter().all(|t| t.error.is_connect()));
    // Each endpoint once per attempt: two attempts.
    assert_eq!(handshakes.load(Ordering::SeqCst), 2);
    assert!(error.is_retryable());
    assert_eq!(error.status(), None);
    let message = DisplayErrorChain(&error).to_string();
    assert!(
        message.starts_with("could not connect to any of the 3 endpoints, nothing was sent: "),
        "{message}"
    );
    for endpoint in [&first, &handshake, &second] {
        assert!(message.contains(&format!("{endpoint}: ")), "{message}");
    }
    // Why, per endpoint, from reqwest's causes; never the request URL.
    assert!(message.to_lowercase().contains("refused"), "{message}");
    assert!(!message.contains("app-server-sub-jobs"), "{message}");
}

#[tokio::test]
async fn one_endpoint_that_cannot_be_connected_to_is_a_transport_error_as_before() {
    let client = client(&[&refusing()], RetryPolicy::disabled());
    let error = failed_call(&client).await;
    assert!(
        matches!(&error, Error::Transport(e) if e.is_connect()),
        "{error:?}"
    );
}

#[test]
fn every_endpoint_is_checked_as_one_is() {
    let keys = || Credentials::ak_sk("AK", "SK");
    let build = |endpoints: &[&str]| {
        ClientBuilder::new()
            .endpoints(endpoints.iter().copied())
            .credentials(keys())
            .project_id(PROJECT)
            .build()
    };
    let error = build(&["http://127.0.0.1:1", "http://sub-jobs.example.invalid"]).unwrap_err();
    assert!(
        matches!(&error, BuildError::InsecureHttp { host } if host == "sub-jobs.example.invalid"),
        "{error}"
    );
    let error = build(&["https://a.example.invalid", "ftp://b.example.invalid"]).unwrap_err();
    assert!(error.to_string().contains("http or https"), "{error}");
    let error = build(&[
        "https://a.example.invalid",
        "https://u:PASS-SECRET@b.example.invalid",
    ])
    .unwrap_err();
    assert!(
        matches!(error, BuildError::InvalidEndpoint { .. }),
        "{error}"
    );
    assert!(!error.to_string().contains("PASS-SECRET"), "{error}");
    // `Debug` shows them without password, as `build` would.
    let builder = ClientBuilder::new().endpoints([
        "https://a.example.invalid",
        "https://u:PASS-SECRET@b.example.invalid",
    ]);
    let debug = format!("{builder:?}");
    assert!(debug.contains("https://b.example.invalid"), "{debug}");
    assert!(!debug.contains("PASS-SECRET"), "{debug}");
    // The first is the generated client's base URL; `endpoint` is the one-endpoint case.
    let client = build(&["https://a.example.invalid/", "https://b.example.invalid"]).unwrap();
    assert_eq!(client.baseurl(), "https://a.example.invalid");
    let client = ClientBuilder::new()
        .endpoints(["https://a.example.invalid"])
        .endpoint("https://c.example.invalid")
        .build()
        .unwrap();
    assert_eq!(client.baseurl(), "https://c.example.invalid");
    // An empty list is as none.
    let error = ClientBuilder::new()
        .endpoints(Vec::<String>::new())
        .build()
        .unwrap_err();
    assert!(matches!(error, BuildError::NoEndpoint), "{error}");
}

#[tokio::test]
async fn a_token_given_to_the_call_is_refused_when_any_endpoint_is_remote_plain_http() {
    let working = Stub::scripted(vec![ok_page()]).await;
    let client = ClientBuilder::new()
        .endpoints([working.url().as_str(), "http://sub-jobs.example.invalid"])
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = Error::from(
        client
            .list_sub_jobs()
            .project_id(PROJECT)
            .job_type(CREATE_SERVER)
            .x_auth_token("TOKEN-SECRET")
            .send()
            .await
            .unwrap_err(),
    );
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert!(
        error.to_string().contains("sub-jobs.example.invalid"),
        "{error}"
    );
    assert_eq!(working.requests(), 0);
}
