//! Local servers and clients shared by the paging, waiting and fault tests.

#![allow(dead_code)] // each test file uses its own part

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use workspace_app_client::{Client, ClientBuilder, RetryPolicy};

pub const PROJECT: &str = "0605767a3300d5762fb7c0186d9e1779";
pub const PATH: &str = "/v1/0605767a3300d5762fb7c0186d9e1779/app-server-sub-jobs";

/// A builder for `url` with the test project that is safe on paused tokio time. Paused time
/// jumps to the next timer whenever the runtime waits, real loopback I/O included, so the
/// client sets none: no timeouts and no connection-pool idle timer. The only timers are then
/// the ones the code under test sets.
pub fn paused_time_builder(url: &str) -> ClientBuilder {
    let http = workspace_app_client::http_client_builder()
        .unwrap()
        .pool_idle_timeout(None)
        .build()
        .expect("a default HTTP client");
    ClientBuilder::new()
        .endpoint(url)
        .project_id(PROJECT)
        .timeout(None)
        .http_client(http)
}

/// A client of `server`, safe on paused time, without retries (each test sees every
/// attempt).
pub fn client(server: &MockServer) -> Client {
    paused_time_builder(&server.uri())
        .retry(RetryPolicy::disabled())
        .build()
        .expect("a valid configuration")
}

/// An integer query parameter of a recorded request.
pub fn query_int(request: &Request, name: &str) -> Option<usize> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
}

/// One sub-job as the service sends it.
pub fn sub_job(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "job_type": "CREATE_SERVER",
        "status": status,
        "job_id": "job-1",
        "project_id": PROJECT,
        "begin_time": "2022-03-07T10:40:43.858Z",
    })
}

/// A server answering every `ListSubJobs` request with `respond`, which gets the request
/// and its 0-based number.
pub async fn serve<F>(respond: F) -> MockServer
where
    F: Fn(&Request, usize) -> ResponseTemplate + Send + Sync + 'static,
{
    let server = MockServer::start().await;
    let served = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path(PATH))
        .respond_with(Numbered { served, respond })
        .mount(&server)
        .await;
    server
}

struct Numbered<F> {
    served: Arc<AtomicUsize>,
    respond: F,
}

impl<F> Respond for Numbered<F>
where
    F: Fn(&Request, usize) -> ResponseTemplate + Send + Sync + 'static,
{
    fn respond(&self, request: &Request) -> ResponseTemplate {
        (self.respond)(request, self.served.fetch_add(1, Ordering::SeqCst))
    }
}

/// The slice of `0..total` that `offset` and `limit` (default 10, as the spec says) select,
/// as sub-jobs `sub-<i>`.
pub fn page_of(request: &Request, total: usize) -> Vec<Value> {
    let offset = query_int(request, "offset").unwrap_or(0);
    let limit = query_int(request, "limit").unwrap_or(10);
    (offset..total.min(offset.saturating_add(limit)))
        .map(|i| sub_job(&format!("sub-{i}"), "SUCCESS"))
        .collect()
}

pub fn ok(count: Option<i64>, items: Vec<Value>) -> ResponseTemplate {
    let mut body = json!({ "items": items });
    if let Some(count) = count {
        body["count"] = json!(count);
    }
    ResponseTemplate::new(200).set_body_json(body)
}

/// The `(offset, limit)` of every request the server got, in order.
pub async fn pages_requested(server: &MockServer) -> Vec<(usize, usize)> {
    server
        .received_requests()
        .await
        .expect("recording is on")
        .iter()
        .map(|r| {
            (
                query_int(r, "offset").unwrap_or(0),
                query_int(r, "limit").unwrap_or(10),
            )
        })
        .collect()
}
