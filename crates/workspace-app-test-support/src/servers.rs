//! `ListSubJobs` servers on wiremock (127.0.0.1), answering [`PATH`]: numbered
//! ([`serve`]), scripted per poll ([`scripted`]), and an honest paged one ([`paged`]),
//! with the readers of what they were asked ([`query_int`], [`pages_requested`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::samples::{PATH, page, sub_job};

/// A server answering every `ListSubJobs` request with `respond`, which gets the request
/// and its 0-based number.
pub async fn serve<F>(respond: F) -> MockServer
where
    F: Fn(&Request, usize) -> ResponseTemplate + Send + Sync + 'static,
{
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(PATH))
        .respond_with(Numbered {
            served: Arc::new(AtomicUsize::new(0)),
            respond,
        })
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

/// A server whose answer to request `n` is the page of `script[n]` (its `count`, the
/// number of items), the last one repeated: a job's sub-jobs, poll by poll.
pub async fn scripted(script: Vec<Vec<Value>>) -> MockServer {
    let script = Arc::new(script);
    serve(move |_, n| {
        let items = script.get(n).or(script.last()).cloned().unwrap_or_default();
        ok(Some(items.len() as i64), items)
    })
    .await
}

/// A server holding `total` sub-jobs `sub-0`, `sub-1`, ... in `SUCCESS`, paging them by
/// `offset` and `limit` and reporting `count` as the service does.
pub async fn paged(total: usize) -> MockServer {
    serve(move |request, _| ok(Some(total as i64), page_of(request, total))).await
}

/// A 200 with the page body ([`page`]).
pub fn ok(count: Option<i64>, items: Vec<Value>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(page(count, items))
}

/// The slice of `0..total` that `offset` and `limit` (default 10, as the spec says) select,
/// as sub-jobs `sub-<i>` in `SUCCESS`.
pub fn page_of(request: &Request, total: usize) -> Vec<Value> {
    let offset = query_int(request, "offset").unwrap_or(0);
    let limit = query_int(request, "limit").unwrap_or(10);
    (offset..total.min(offset.saturating_add(limit)))
        .map(|i| sub_job(&format!("sub-{i}"), "SUCCESS"))
        .collect()
}

/// An integer query parameter of a recorded request.
pub fn query_int(request: &Request, name: &str) -> Option<usize> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
}

/// The `(offset, limit)` of every request the server got, in order.
pub async fn pages_requested(server: &MockServer) -> Vec<(usize, usize)> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| {
            (
                query_int(r, "offset").unwrap_or(0),
                query_int(r, "limit").unwrap_or(10),
            )
        })
        .collect()
}
