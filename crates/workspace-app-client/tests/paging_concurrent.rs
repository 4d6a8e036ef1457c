//! `paginate_sub_jobs(..).concurrency(n)`: pages fetched several at once, against a local
//! server that answers later pages sooner and counts the requests it holds at once: items
//! still come in offset order, at most `n` requests are out, the end rules hold, errors come
//! after the items before them, dropping the stream cancels what is in flight, pages asked
//! for ahead complete while the caller is busy, and a server that throttles gets fewer
//! requests at once, even on the first page of a burst.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::json;
use workspace_app_client::types::JobTypeFilter;
use workspace_app_client::{Client, ClientBuilder, Error, RetryPolicy};

use workspace_app_test_support::samples::PROJECT;

/// How the test server behaves, and what it saw.
#[derive(Default)]
struct Server {
    /// Sub-jobs it holds.
    total: usize,
    /// The `count` it reports, when not `total`.
    count: Option<usize>,
    /// Answer with a 500 at this offset.
    fail_at: Option<usize>,
    /// Answer 429 to a request that arrives while this many are already being served.
    throttle_above: Option<usize>,
    /// Answer 429 when, its answer ready, another request is still being served.
    throttle_when_busy: bool,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    requests: AtomicUsize,
    throttled: AtomicUsize,
    /// Requests that were answered (not abandoned by the client).
    completed: AtomicUsize,
}

impl Server {
    async fn start(self) -> (Arc<Server>, String) {
        let state = Arc::new(self);
        let app = Router::new()
            .route("/v1/{project}/app-server-sub-jobs", get(page))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (state, url)
    }
}

/// Decrements the in-flight count however the handler ends (a cancelled request too).
struct Serving<'a>(&'a Server);

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn page(
    State(server): State<Arc<Server>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    server.requests.fetch_add(1, Ordering::SeqCst);
    let before = server.in_flight.fetch_add(1, Ordering::SeqCst);
    let _serving = Serving(&server);
    server.peak.fetch_max(before + 1, Ordering::SeqCst);
    let int = |name: &str| query.get(name).and_then(|v| v.parse::<usize>().ok());
    let offset = int("offset").unwrap_or(0);
    let limit = int("limit").unwrap_or(10);
    if server.throttle_above.is_some_and(|most| before >= most) {
        server.throttled.fetch_add(1, Ordering::SeqCst);
        let body = json!({"error_code": "APIGW.0308", "error_msg": "throttled"});
        return (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    }
    // Later pages answer sooner, so they arrive out of order.
    let page_number = offset / limit.max(1);
    tokio::time::sleep(Duration::from_millis(
        5 + 20 * (3 - (page_number % 4)) as u64,
    ))
    .await;
    if server.throttle_when_busy && server.in_flight.load(Ordering::SeqCst) > 1 {
        server.throttled.fetch_add(1, Ordering::SeqCst);
        let body = json!({"error_code": "APIGW.0308", "error_msg": "throttled"});
        return (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    }
    if server.fail_at == Some(offset) {
        let body = json!({"error_code": "WKS.0500", "error_msg": "internal error"});
        return (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response();
    }
    let items: Vec<_> = (offset..server.total.min(offset + limit))
        .map(|i| json!({"id": format!("sub-{i}"), "status": "SUCCESS"}))
        .collect();
    server.completed.fetch_add(1, Ordering::SeqCst);
    let count = server.count.unwrap_or(server.total);
    axum::Json(json!({"count": count, "items": items})).into_response()
}

fn client(url: &str) -> Client {
    ClientBuilder::new()
        .endpoint(url)
        .project_id(PROJECT)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

async fn ids(client: &Client, concurrency: usize) -> Result<Vec<String>, Error> {
    client
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .page_size(10)
        .concurrency(concurrency)
        .items()
        .map_ok(|job| job.id.unwrap())
        .try_collect()
        .await
}

fn expected(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("sub-{i}")).collect()
}

#[tokio::test]
async fn items_come_in_offset_order_with_at_most_n_requests_out() {
    for concurrency in [1, 3, 8] {
        let (server, url) = Server {
            total: 205,
            ..Server::default()
        }
        .start()
        .await;
        let got = ids(&client(&url), concurrency).await.unwrap();
        assert_eq!(got, expected(0..205), "concurrency {concurrency}");
        let peak = server.peak.load(Ordering::SeqCst);
        assert!(
            peak <= concurrency,
            "{peak} requests out at once, at most {concurrency} allowed"
        );
        if concurrency > 1 {
            assert!(
                peak > 1,
                "concurrency {concurrency} never had two requests out"
            );
        }
        // 21 pages; no page asked for twice, none beyond `count`.
        assert_eq!(
            server.requests.load(Ordering::SeqCst),
            21,
            "concurrency {concurrency}"
        );
    }
}

#[tokio::test]
async fn max_items_is_exact_and_a_smaller_count_ends_the_listing() {
    let (server, url) = Server {
        total: 1_000,
        ..Server::default()
    }
    .start()
    .await;
    let got: Vec<_> = client(&url)
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .page_size(10)
        .concurrency(4)
        .max_items(95)
        .items()
        .map_ok(|job| job.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got, expected(0..95));
    assert_eq!(server.requests.load(Ordering::SeqCst), 10);

    // The server holds 1,000 but says 55: the listing stops at the page that reaches 55.
    let (server, url) = Server {
        total: 1_000,
        count: Some(55),
        ..Server::default()
    }
    .start()
    .await;
    assert_eq!(ids(&client(&url), 4).await.unwrap(), expected(0..60));
    assert!(server.requests.load(Ordering::SeqCst) <= 6);

    // A short page ends it even though `count` says more.
    let (_, url) = Server {
        total: 42,
        count: Some(1_000),
        ..Server::default()
    }
    .start()
    .await;
    assert_eq!(ids(&client(&url), 4).await.unwrap(), expected(0..42));
}

#[tokio::test]
async fn an_error_comes_after_every_item_before_it_and_ends_the_stream() {
    let (_, url) = Server {
        total: 200,
        fail_at: Some(50),
        ..Server::default()
    }
    .start()
    .await;
    let mut stream = client(&url)
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .page_size(10)
        .concurrency(4)
        .items();
    let mut received = Vec::new();
    let error = loop {
        match stream.next().await.expect("the stream ends with the error") {
            Ok(job) => received.push(job.id.unwrap()),
            Err(error) => break error,
        }
    };
    assert_eq!(received, expected(0..50));
    assert_eq!(error.error_code(), Some("WKS.0500"));
    assert!(stream.next().await.is_none(), "nothing after the error");
}

#[tokio::test]
async fn dropping_the_stream_cancels_the_requests_in_flight() {
    let (server, url) = Server {
        total: 1_000,
        ..Server::default()
    }
    .start()
    .await;
    let client = client(&url);
    let mut stream = client
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .page_size(10)
        .concurrency(4)
        .items();
    for _ in 0..11 {
        stream.next().await.unwrap().unwrap();
    }
    let requested = server.requests.load(Ordering::SeqCst);
    assert!(requested > 2, "pages were requested ahead: {requested}");
    drop(stream);
    // The server sees each abandoned request end (its handler is dropped with the
    // connection); bounded wait, then nothing is served for the dropped stream.
    for _ in 0..200 {
        if server.in_flight.load(Ordering::SeqCst) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(server.in_flight.load(Ordering::SeqCst), 0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        server.requests.load(Ordering::SeqCst),
        requested,
        "no request after the stream was dropped"
    );
    assert!(server.completed.load(Ordering::SeqCst) < requested);
}

#[tokio::test]
async fn a_throttling_server_gets_fewer_requests_at_once_and_the_listing_completes() {
    let (server, url) = Server {
        total: 500,
        throttle_above: Some(2),
        ..Server::default()
    }
    .start()
    .await;
    let got = ids(&client(&url), 8).await.unwrap();
    assert_eq!(got, expected(0..500));
    let throttled = server.throttled.load(Ordering::SeqCst);
    let requests = server.requests.load(Ordering::SeqCst);
    println!("50 pages: {requests} requests, {throttled} throttled");
    assert!(
        throttled > 0,
        "the window never went over the server's limit"
    );
    // Halving on each 429 and growing back one at a time keeps throttling to a fraction
    // of the pages instead of a storm.
    assert!(
        throttled <= 25,
        "{throttled} throttled requests for 50 pages"
    );
}

#[tokio::test]
async fn throttling_with_one_request_at_a_time_is_an_error() {
    let (_, url) = Server {
        total: 500,
        throttle_above: Some(0),
        ..Server::default()
    }
    .start()
    .await;
    let error = ids(&client(&url), 4).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
}

#[tokio::test]
async fn a_page_sent_first_of_several_is_not_alone_when_throttled() {
    // After page 1, pages 2 to 5 go out together; page 2 is sent while nothing else is out,
    // but answers while page 5 is: its 429 is this listing's doing, not a final answer.
    let (server, url) = Server {
        total: 100,
        throttle_when_busy: true,
        ..Server::default()
    }
    .start()
    .await;
    let client = client(&url);
    let listing = tokio::time::timeout(Duration::from_secs(60), ids(&client, 4));
    let got = listing.await.expect("the listing ends");
    assert_eq!(got.unwrap(), expected(0..100));
    let throttled = server.throttled.load(Ordering::SeqCst);
    let requests = server.requests.load(Ordering::SeqCst);
    println!("10 pages: {requests} requests, {throttled} throttled");
    assert!(throttled > 0, "the server never throttled");
    assert!(requests <= 40, "{requests} requests for 10 pages");
}

#[tokio::test]
async fn pages_requested_ahead_complete_while_the_caller_is_busy() {
    let (_, url) = Server {
        total: 100,
        ..Server::default()
    }
    .start()
    .await;
    let client = ClientBuilder::new()
        .endpoint(&url)
        .project_id(PROJECT)
        .retry(RetryPolicy::disabled())
        // Room for a loaded machine; the caller's pause below is well past it.
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let mut pages = client
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .page_size(10)
        .concurrency(4)
        .pages();
    let mut offsets = Vec::new();
    let mut received = Vec::new();
    for _ in 0..2 {
        let page = pages.next().await.unwrap().unwrap();
        offsets.push(page.offset);
        received.extend(page.items.into_iter().map(|job| job.id.unwrap()));
    }
    // The caller takes longer than an attempt may: pages already requested must not time
    // out meanwhile.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let rest: Vec<_> = tokio::time::timeout(Duration::from_secs(60), pages.try_collect::<Vec<_>>())
        .await
        .expect("the listing ends")
        .unwrap();
    for page in rest {
        offsets.push(page.offset);
        received.extend(page.items.into_iter().map(|job| job.id.unwrap()));
    }
    assert_eq!(offsets, (0..100).step_by(10).collect::<Vec<u64>>());
    assert_eq!(received, expected(0..100));
}
