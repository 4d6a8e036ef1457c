//! `paginate_sub_jobs`: every sub-job exactly once across pages, against stateful local
//! servers (an honest one, ones whose `count` moves, one that ignores `offset`, one that
//! fails on page 3).

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

mod support;

use futures_util::{StreamExt, TryStreamExt};
use wiremock::{MockServer, ResponseTemplate};
use workspace_app_client::types::{JobDetailInfo, JobTypeFilter, SubJobStatus};
use workspace_app_client::{Client, Error};

use support::client;
use workspace_app_test_support::samples::{PATH, PROJECT, sub_job};
use workspace_app_test_support::servers::{ok, page_of, pages_requested, query_int, serve};

/// A server holding `total` sub-jobs that reports `count` honestly.
async fn honest_server(total: usize) -> MockServer {
    serve(move |request, _| ok(Some(total as i64), page_of(request, total))).await
}

/// Every id, one page at a time: these tests check the exact requests of the sequential
/// listing (concurrent paging has its own tests in `paging_concurrent.rs`).
async fn all_ids(client: &Client, page_size: u32) -> Vec<String> {
    client
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .concurrency(1)
        .page_size(page_size)
        .items()
        .map_ok(|job: JobDetailInfo| job.id.expect("every sub-job has an id"))
        .try_collect()
        .await
        .expect("the listing succeeds")
}

fn ids(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("sub-{i}")).collect()
}

#[tokio::test]
async fn no_sub_jobs_is_an_empty_stream_after_one_request() {
    let server = honest_server(0).await;
    assert!(all_ids(&client(&server), 100).await.is_empty());
    assert_eq!(pages_requested(&server).await, [(0, 100)]);
}

#[tokio::test]
async fn exactly_one_full_page_stops_on_count_without_asking_again() {
    let server = honest_server(100).await;
    assert_eq!(all_ids(&client(&server), 100).await, ids(0..100));
    assert_eq!(pages_requested(&server).await, [(0, 100)]);
}

#[tokio::test]
async fn without_count_a_full_page_is_followed_by_an_empty_one() {
    let server = serve(|request, _| ok(None, page_of(request, 100))).await;
    assert_eq!(all_ids(&client(&server), 100).await, ids(0..100));
    assert_eq!(pages_requested(&server).await, [(0, 100), (100, 100)]);
}

#[tokio::test]
async fn a_count_that_is_not_a_multiple_of_the_page_size_ends_on_the_short_page() {
    let server = honest_server(250).await;
    assert_eq!(all_ids(&client(&server), 100).await, ids(0..250));
    assert_eq!(
        pages_requested(&server).await,
        [(0, 100), (100, 100), (200, 100)]
    );

    let server = honest_server(250).await;
    assert_eq!(all_ids(&client(&server), 7).await, ids(0..250));
    assert_eq!(pages_requested(&server).await.len(), 36); // 35 full pages and 5 items
}

#[tokio::test]
async fn a_count_that_grows_on_every_page_cannot_make_the_listing_endless() {
    // The server always has a full page more and says so; the first count bounds the listing.
    let server = serve(|request, n| {
        let offset = query_int(request, "offset").unwrap_or(0);
        let count = 250 + 100 * n;
        ok(Some(count as i64), page_of(request, offset + 100))
    })
    .await;
    assert_eq!(all_ids(&client(&server), 100).await, ids(0..300));
    assert_eq!(
        pages_requested(&server).await,
        [(0, 100), (100, 100), (200, 100)]
    );
}

#[tokio::test]
async fn a_count_that_shrinks_ends_the_listing_sooner_and_a_short_page_ends_it_too() {
    // Page 1 says 300, page 2 says 150: after 200 items the smaller count is reached.
    let server = serve(|request, n| {
        let count = if n == 0 { 300 } else { 150 };
        ok(Some(count), page_of(request, 300))
    })
    .await;
    assert_eq!(all_ids(&client(&server), 100).await, ids(0..200));
    assert_eq!(pages_requested(&server).await, [(0, 100), (100, 100)]);

    // A count far above what the server holds: the short page ends it.
    let server = serve(|request, _| ok(Some(1_000_000), page_of(request, 230))).await;
    assert_eq!(all_ids(&client(&server), 100).await, ids(0..230));
    assert_eq!(pages_requested(&server).await.len(), 3);

    // A nonsense negative count reads as "nothing more".
    let server = serve(|request, _| ok(Some(-5), page_of(request, 230))).await;
    assert_eq!(all_ids(&client(&server), 100).await, ids(0..100));
}

#[tokio::test]
async fn a_server_that_ignores_offset_is_reported_not_followed_forever() {
    let server = serve(|_, _| {
        ok(
            None,
            ids(0..100)
                .iter()
                .map(|id| sub_job(id, "RUNNING"))
                .collect(),
        )
    })
    .await;
    let results: Vec<_> = client(&server)
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .items()
        .collect()
        .await;
    assert_eq!(
        results.len(),
        101,
        "page 1, then the error instead of duplicates"
    );
    assert!(results[..100].iter().all(Result::is_ok));
    let error = results[100].as_ref().unwrap_err();
    assert!(
        matches!(error, Error::RepeatedPage { offset: 100 }),
        "{error:?}"
    );
    assert!(error.to_string().contains("ignore `offset`"), "{error}");
    assert_eq!(pages_requested(&server).await.len(), 2);
}

/// The sub-jobs a server holds after `inserted` new ones were added in front of `total`,
/// as the page `request` asks for, with an honest `count`.
fn shifted_page(request: &wiremock::Request, total: usize, inserted: usize) -> ResponseTemplate {
    let all: Vec<String> = (0..inserted)
        .map(|i| format!("new-{i}"))
        .chain(ids(0..total))
        .collect();
    let offset = query_int(request, "offset").unwrap_or(0);
    let limit = query_int(request, "limit").unwrap_or(10);
    let page = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|id| sub_job(id, "RUNNING"))
        .collect();
    ok(Some(all.len() as i64), page)
}

#[tokio::test]
async fn a_sub_job_added_in_front_between_two_pages_shifts_the_listing_without_ending_it() {
    // Three sub-jobs, one page each; after the first page a new one comes in front, so the
    // second request repeats the first page, with a count that grew.
    let server = serve(|request, n| shifted_page(request, 3, usize::from(n >= 1))).await;
    assert_eq!(all_ids(&client(&server), 1).await, ids(0..3));
    assert_eq!(
        pages_requested(&server).await,
        [(0, 1), (1, 1), (2, 1), (3, 1)]
    );
}

#[tokio::test]
async fn a_second_repeat_is_an_error_even_with_a_count_that_grew() {
    // A new sub-job in front before every request: each page repeats the previous one.
    let server = serve(|request, n| shifted_page(request, 3, n)).await;
    let results: Vec<_> = client(&server)
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .concurrency(1)
        .page_size(1)
        .items()
        .collect()
        .await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results[0].is_ok());
    let error = results[1].as_ref().unwrap_err();
    assert!(
        matches!(error, Error::RepeatedPage { offset: 2 }),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_error_on_page_3_comes_after_the_items_of_pages_1_and_2() {
    let server = serve(|request, n| {
        if n == 2 {
            ResponseTemplate::new(500).set_body_json(serde_json::json!({
                "error_code": "WKS.0500",
                "error_msg": "internal error"
            }))
        } else {
            ok(Some(1_000), page_of(request, 1_000))
        }
    })
    .await;
    let mut stream = client(&server)
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .concurrency(1)
        .items();
    let mut received = Vec::new();
    let error = loop {
        match stream.next().await.expect("the stream ends with the error") {
            Ok(job) => received.push(job.id.unwrap()),
            Err(error) => break error,
        }
    };
    assert_eq!(received, ids(0..200));
    assert_eq!(error.error_code(), Some("WKS.0500"));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert!(stream.next().await.is_none(), "nothing after the error");
    assert_eq!(pages_requested(&server).await.len(), 3);
}

#[tokio::test]
async fn max_items_caps_the_listing_and_trims_the_last_request() {
    let server = honest_server(250).await;
    let got: Vec<_> = client(&server)
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .max_items(150)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got.len(), 150);
    assert_eq!(pages_requested(&server).await, [(0, 100), (100, 50)]);

    let server = honest_server(250).await;
    let none: Vec<_> = client(&server)
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .max_items(0)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    assert!(pages_requested(&server).await.is_empty());
}

#[tokio::test]
async fn pages_are_requested_only_as_the_stream_is_read() {
    let server = honest_server(1_000).await;
    let client = client(&server);
    let mut stream = client
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .concurrency(1)
        .items();
    for _ in 0..101 {
        stream.next().await.unwrap().unwrap();
    }
    assert_eq!(pages_requested(&server).await, [(0, 100), (100, 100)]);
}

#[tokio::test]
async fn a_page_size_outside_the_spec_fails_before_any_request() {
    let server = honest_server(10).await;
    for page_size in [0, 101, 500] {
        let mut stream = client(&server)
            .paginate_sub_jobs(JobTypeFilter::CreateServer)
            .page_size(page_size)
            .items();
        let error = stream.next().await.unwrap().unwrap_err();
        assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
        assert!(
            error.to_string().contains("from 1 to 100"),
            "{page_size}: {error}"
        );
        assert!(stream.next().await.is_none());
    }
    assert!(pages_requested(&server).await.is_empty());
}

#[tokio::test]
async fn every_page_carries_the_filters_the_project_and_the_credentials() {
    let server = honest_server(30).await;
    let client = workspace_app_client::ClientBuilder::new()
        .endpoint(server.uri())
        .project_id(PROJECT)
        .credentials(workspace_app_client::Credentials::token("a-token"))
        .build()
        .unwrap();
    let got: Vec<_> = client
        .paginate_sub_jobs(JobTypeFilter::MigrateServer)
        .status(SubJobStatus::Running)
        .job_id("job-9")
        .offset(5)
        .page_size(10)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got.len(), 25);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    for (request, offset) in requests.iter().zip([5, 15, 25]) {
        assert_eq!(request.url.path(), PATH);
        let mut query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        query.sort();
        let expected = [
            ("job_id", "job-9".to_string()),
            ("job_type", "MIGRATE_SERVER".to_string()),
            ("limit", "10".to_string()),
            ("offset", offset.to_string()),
            ("status", "RUNNING".to_string()),
        ]
        .map(|(k, v)| (k.to_string(), v));
        assert_eq!(query, expected);
        assert_eq!(request.headers.get("x-auth-token").unwrap(), "a-token");
    }
}

#[tokio::test]
async fn without_a_project_id_the_stream_fails_before_any_request() {
    let server = honest_server(10).await;
    let client = workspace_app_client::ClientBuilder::new()
        .endpoint(server.uri())
        .build()
        .unwrap();
    let mut stream = client
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .items();
    let error = stream.next().await.unwrap().unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert!(stream.next().await.is_none());
    assert!(pages_requested(&server).await.is_empty());
}
