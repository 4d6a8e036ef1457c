//! Clock skew on paused time: a server whose clock is hours away refuses the first
//! signature (401 `APIGW.0301`, with its `Date`); the client signs again at once (no
//! backoff), keeps the offset, and signs the next request right.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::time::{Duration, SystemTime};

mod support;

use serde_json::json;
use support::paused_time_builder;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use workspace_app_client::types::JobTypeFilter;
use workspace_app_client::{Client, Credentials, Error, RetryPolicy};

/// A gateway whose clock is `offset_secs` away from this machine's: it accepts an
/// `X-Sdk-Date` within 15 minutes of its own time and sends its time as `Date`.
struct SkewedGateway {
    offset_secs: i64,
}

impl SkewedGateway {
    fn now(&self) -> SystemTime {
        let by = Duration::from_secs(self.offset_secs.unsigned_abs());
        if self.offset_secs >= 0 {
            SystemTime::now() + by
        } else {
            SystemTime::now() - by
        }
    }
}

impl Respond for SkewedGateway {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let now = self.now();
        let signed = request
            .headers
            .get("x-sdk-date")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                time::PrimitiveDateTime::parse(
                    v,
                    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
                )
                .ok()
            })
            .map(|t| SystemTime::from(t.assume_utc()));
        let fresh = signed.is_some_and(|signed| {
            let off = now.duration_since(signed).unwrap_or_else(|e| e.duration());
            off <= Duration::from_secs(15 * 60)
        });
        let date = httpdate::fmt_http_date(now);
        if fresh {
            ResponseTemplate::new(200)
                .insert_header("date", date.as_str())
                .set_body_json(json!({"count": 0, "items": []}))
        } else {
            ResponseTemplate::new(401)
                .insert_header("date", date.as_str())
                .set_body_json(json!({
                    "error_code": "APIGW.0301",
                    "error_msg": "Incorrect IAM authentication information: the X-Sdk-Date is too far"
                }))
        }
    }
}

async fn gateway(offset_secs: i64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::method("GET"))
        .respond_with(SkewedGateway { offset_secs })
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    paused_time_builder(&server.uri())
        .credentials(Credentials::ak_sk("SKEW-AK", "SKEW-SK"))
        // Backoff long enough to see on the clock if the re-signing waited for it.
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::from_secs(30))
                .max_backoff(Duration::from_secs(30)),
        )
        .build()
        .unwrap()
}

async fn call(client: &Client) -> Result<(), Error> {
    client
        .sub_jobs()
        .job_type(JobTypeFilter::CreateServer)
        .send()
        .await?;
    Ok(())
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test(start_paused = true)]
async fn the_request_is_signed_again_at_once_and_the_offset_kept_either_way() {
    for (offset_secs, ahead) in [(3 * 3600, true), (-2 * 3600, false)] {
        let server = gateway(offset_secs).await;
        let client = client(&server);
        let started = tokio::time::Instant::now();
        call(&client).await.unwrap();
        assert_eq!(
            started.elapsed(),
            Duration::ZERO,
            "no backoff before re-signing"
        );
        assert_eq!(requests(&server).await, 2);
        let offset = client.clock_offset();
        assert_eq!(offset.server_is_ahead(), ahead);
        let error = offset
            .magnitude()
            .abs_diff(Duration::from_secs(offset_secs.unsigned_abs()));
        assert!(error <= Duration::from_secs(2), "{offset}");

        // Kept, by the client and its clones: one request each from now on.
        call(&client).await.unwrap();
        call(&client.clone()).await.unwrap();
        assert_eq!(requests(&server).await, 4);
    }
}

#[tokio::test(start_paused = true)]
async fn a_token_is_not_signed_so_its_401_is_final() {
    let server = gateway(3 * 3600).await;
    let client = paused_time_builder(&server.uri())
        .credentials(Credentials::token("SKEW-TOKEN"))
        .build()
        .unwrap();
    let error = call(&client).await.unwrap_err();
    assert_eq!(error.error_code(), Some("APIGW.0301"));
    assert_eq!(requests(&server).await, 1);
    assert_eq!(client.clock_offset().magnitude(), Duration::ZERO);
}
