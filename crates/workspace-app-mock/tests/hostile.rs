//! The client library against [`workspace_app_test_support::hostile`] servers that misbehave on
//! purpose: redirects to another host, plain http to a remote host, listings without end,
//! short pages with a huge `count`, trickled bodies, nonsense `Retry-After`, terminal
//! escapes in every string. Real time throughout; every test is bounded by an outer
//! timeout, so a regression fails instead of hanging.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use workspace_app_client::types::JobTypeFilter;
use workspace_app_client::{
    BuildError, ClientBuilder, ClientInfo, Credentials, Error, Extensible, LAST_POLL_ALLOWANCE,
    RetryPolicy, WaitError,
};
use workspace_app_mock::error_codes;
use workspace_app_test_support::hostile::{self, ESCAPES, Hostile, Mode};

mod support;

use support::servers;

const COUNT_MAX: i64 = 2_147_483_647;

fn token() -> Credentials {
    Credentials::token("TOKEN-SECRET")
}

fn temporary() -> Credentials {
    Credentials::temporary("AK-SECRET", "SK-SECRET", "ST-SECRET")
}

fn builder(server: &Hostile) -> ClientBuilder {
    ClientBuilder::new()
        .endpoint(server.url())
        .project_id("p")
        .credentials(token())
}

/// Fails the test rather than hanging when a regression makes `future` endless.
async fn bounded<F: std::future::Future>(limit: Duration, future: F) -> F::Output {
    tokio::time::timeout(limit, future)
        .await
        .unwrap_or_else(|_| panic!("not done within {limit:?}"))
}

/// The `offset` and `limit` of every request the server received, in order.
fn offsets_and_limits(server: &Hostile) -> Vec<(Option<String>, Option<String>)> {
    server
        .received()
        .iter()
        .map(|r| (r.query("offset"), r.query("limit")))
        .collect()
}

fn pair(offset: &str, limit: &str) -> (Option<String>, Option<String>) {
    (Some(offset.to_string()), Some(limit.to_string()))
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_nor_retried_with_either_credentials() {
    for (kind, credentials) in [("token", token()), ("temporary AK/SK", temporary())] {
        let other_host: SocketAddr = "127.0.0.2:0".parse().unwrap();
        let recorder = hostile::start_on(other_host, Mode::Recorder).await.unwrap();
        let location = format!(
            "{}/v1/p/app-server-sub-jobs?job_type=CREATE_SERVER",
            recorder.url()
        );
        let redirect = hostile::start(Mode::Redirect {
            location: location.clone(),
        })
        .await
        .unwrap();
        let client = builder(&redirect).credentials(credentials).build().unwrap();

        let sent = bounded(Duration::from_secs(20), servers(&client).send()).await;
        let error = Error::from(sent.expect_err("a redirect is an error"));

        match &error {
            Error::Redirect {
                status,
                location: got,
            } => {
                assert_eq!(status.as_u16(), 302, "{kind}");
                assert_eq!(got.as_deref(), Some(location.as_str()), "{kind}");
            }
            other => panic!("{kind}: expected Error::Redirect, got {other:?}"),
        }
        assert_eq!(error.status().map(|s| s.as_u16()), Some(302), "{kind}");
        assert!(!error.is_retryable(), "{kind}");
        assert_eq!(redirect.requests(), 1, "{kind}: no retry of a redirect");
        assert_eq!(recorder.requests(), 0, "{kind}: the other host got nothing");
        assert!(recorder.received().is_empty(), "{kind}");

        // The request was authenticated, for the endpoint alone.
        let sent = &redirect.received()[0];
        assert_eq!(sent.method, "GET");
        assert!(
            sent.target
                .starts_with("/v1/p/app-server-sub-jobs?job_type=CREATE_SERVER"),
            "{kind}: {}",
            sent.target
        );
        match kind {
            "token" => assert_eq!(sent.header("x-auth-token"), Some("TOKEN-SECRET")),
            _ => {
                assert_eq!(sent.header("x-security-token"), Some("ST-SECRET"));
                let authorization = sent.header("authorization").unwrap();
                assert!(
                    authorization.starts_with("SDK-HMAC-SHA256 Access=AK-SECRET"),
                    "{authorization}"
                );
            }
        }

        let message = error.to_string();
        assert!(message.contains("redirect"), "{message}");
        assert!(message.contains(&location), "{message}");
        assert!(!message.contains("SECRET"), "{kind}: {message}");
        let debug = format!("{error:?}");
        assert!(!debug.contains("SECRET"), "{kind}: {debug}");
    }
}

#[test]
fn plain_http_to_a_remote_host_is_refused_before_any_io() {
    let remote = || {
        ClientBuilder::new()
            .endpoint("http://sub-jobs.example.invalid")
            .project_id("p")
    };
    for credentials in [token(), temporary()] {
        let error = remote()
            .credentials(credentials.clone())
            .build()
            .unwrap_err();
        match &error {
            BuildError::InsecureHttp { host } => assert_eq!(host, "sub-jobs.example.invalid"),
            other => panic!("expected BuildError::InsecureHttp, got {other:?}"),
        }
        let message = error.to_string();
        assert!(message.contains("allow_insecure_http"), "{message}");
        assert!(!message.contains("SECRET"), "{message}");
        // Opting in builds it (nothing is sent: the host does not exist).
        let client = remote()
            .credentials(credentials)
            .allow_insecure_http()
            .build()
            .unwrap();
        assert_eq!(client.baseurl(), "http://sub-jobs.example.invalid");
    }
}

/// A token given to one call, on a client without credentials of its own, is held to the
/// same rule as the client's credentials.
#[tokio::test]
async fn a_token_given_to_one_call_is_refused_over_plain_http_to_a_remote_host() {
    let client = ClientBuilder::new()
        .endpoint("http://sub-jobs.example.invalid")
        .project_id("p")
        .build()
        .unwrap();
    let sent = servers(&client).x_auth_token("TOKEN-SECRET").send().await;
    let error = Error::from(sent.expect_err("refused"));
    let Error::InvalidRequest(message) = &error else {
        panic!("expected Error::InvalidRequest, got {error:?}");
    };
    assert!(message.contains("sub-jobs.example.invalid"), "{message}");
    assert!(message.contains("allow_insecure_http"), "{message}");
    assert!(!format!("{error:?}").contains("SECRET"), "{error:?}");
}

/// A proxy elsewhere could not reach this machine's loopback, and credentials over plain
/// http must not leave it: such an endpoint is reached directly, whatever the proxy
/// settings (an explicit proxy here; `HTTP_PROXY` and the like are cleared the same way).
#[tokio::test]
async fn credentials_over_plain_http_to_this_machine_never_go_through_a_proxy() {
    let other_host: SocketAddr = "127.0.0.2:0".parse().unwrap();
    let proxy = hostile::start_on(other_host, Mode::Recorder).await.unwrap();
    let endpoint = hostile::start(Mode::Recorder).await.unwrap();
    let client = builder(&endpoint).proxy(proxy.url()).build().unwrap();
    bounded(Duration::from_secs(20), servers(&client).send())
        .await
        .unwrap();
    assert!(proxy.received().is_empty(), "{:?}", proxy.received());
    let received = endpoint.received();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].header("x-auth-token"), Some("TOKEN-SECRET"));
}

/// Waits 2 s for `job-1` on real time with the default client timeouts; the wait must time
/// out within its bound, whatever the server does.
async fn wait_times_out_in_bounds(mode: Mode) -> Hostile {
    let server = hostile::start(mode.clone()).await.unwrap();
    let client = builder(&server).build().unwrap();
    let timeout = Duration::from_secs(2);
    let bound = timeout + LAST_POLL_ALLOWANCE + Duration::from_millis(1500);

    let started = Instant::now();
    let result = bounded(
        Duration::from_secs(20),
        client
            .wait_for_job(JobTypeFilter::CreateServer, "job-1")
            .timeout(timeout)
            .poll_interval(Duration::from_millis(100))
            // The bound under test is time, not the number of sub-jobs.
            .max_sub_jobs(u64::MAX)
            .into_future(),
    )
    .await;
    let elapsed = started.elapsed();
    println!(
        "{mode:?}: timed out after {elapsed:?}, {} requests",
        server.requests()
    );

    match result {
        Err(WaitError::TimedOut { polls, waited, .. }) => {
            assert!(polls >= 1, "{polls}");
            assert!(waited >= timeout, "{waited:?}");
        }
        other => panic!("{mode:?}: expected WaitError::TimedOut, got {other:?}"),
    }
    assert!(elapsed >= timeout, "{mode:?}: gave up early, {elapsed:?}");
    assert!(elapsed < bound, "{mode:?}: {elapsed:?} is past {bound:?}");
    assert!(server.requests() >= 1);
    server
}

/// Memory too is bounded: a job that claims more sub-jobs than a wait follows ends the wait
/// as soon as a poll has read one more, long before the timeout.
#[tokio::test]
async fn a_wait_on_a_listing_without_end_stops_at_its_sub_job_limit() {
    let server = hostile::start(Mode::EndlessPages).await.unwrap();
    let client = builder(&server).build().unwrap();
    let result = bounded(
        Duration::from_secs(60),
        client
            .wait_for_job(JobTypeFilter::CreateServer, "job-1")
            .timeout(Duration::from_secs(30))
            .into_future(),
    )
    .await;
    match &result {
        Err(WaitError::TooManySubJobs { limit, .. }) => {
            assert_eq!(*limit, workspace_app_client::DEFAULT_MAX_SUB_JOBS);
        }
        other => panic!("expected WaitError::TooManySubJobs, got {other:?}"),
    }
    let message = result.unwrap_err().to_string();
    assert!(message.contains("more than 10000 sub-jobs"), "{message}");
    // 10,001 sub-jobs in pages of 100: 101 requests, the last asking for 1.
    let received = offsets_and_limits(&server);
    assert_eq!(received.len(), 101, "{received:?}");
    assert_eq!(received.last(), Some(&pair("10000", "1")));
}

#[tokio::test]
async fn a_wait_on_a_listing_without_end_times_out_in_bounds() {
    let server = wait_times_out_in_bounds(Mode::EndlessPages).await;
    // Every request asked for a full page of the job's sub-jobs, at successive offsets.
    let received = server.received();
    assert!(
        received
            .iter()
            .all(|r| r.query("job_id").as_deref() == Some("job-1"))
    );
    assert!(
        received
            .iter()
            .all(|r| r.query("limit").as_deref() == Some("100"))
    );
}

#[tokio::test]
async fn a_wait_on_a_trickled_body_times_out_in_bounds() {
    let server = wait_times_out_in_bounds(Mode::TrickledBody {
        interval: Duration::from_millis(200),
    })
    .await;
    // The one attempt was cut at the deadline plus the allowance, with no retry after it.
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_short_page_ends_the_listing_whatever_the_count() {
    let server = hostile::start(Mode::ShortPage { items: 50 }).await.unwrap();
    let client = builder(&server).build().unwrap();

    let mut pages = client
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .pages();
    let first = bounded(Duration::from_secs(20), pages.try_next())
        .await
        .unwrap()
        .expect("one page");
    assert_eq!(first.offset, 0);
    assert_eq!(first.items.len(), 50);
    assert_eq!(first.count, Some(COUNT_MAX));
    let next = bounded(Duration::from_secs(20), pages.try_next())
        .await
        .unwrap();
    assert!(next.is_none(), "a short page is the last: {next:?}");
    assert_eq!(server.requests(), 1);
    assert_eq!(offsets_and_limits(&server), vec![pair("0", "100")]);

    let mut items = client
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .items();
    let mut received = 0;
    while let Some(_item) = bounded(Duration::from_secs(20), items.try_next())
        .await
        .unwrap()
    {
        received += 1;
        assert!(received <= 50, "more items than the short page had");
    }
    assert_eq!(received, 50);
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn max_items_caps_a_listing_without_end_exactly() {
    let server = hostile::start(Mode::EndlessPages).await.unwrap();
    let client = builder(&server).build().unwrap();

    let mut items = client
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .page_size(100)
        .max_items(250)
        .items();
    let mut ids = Vec::new();
    while let Some(item) = bounded(Duration::from_secs(20), items.try_next())
        .await
        .unwrap()
    {
        ids.push(item.id.unwrap());
        assert!(ids.len() <= 250, "past max_items");
    }
    assert_eq!(ids.len(), 250);
    let expected: Vec<String> = (0..250).map(|n| format!("endless-{n}")).collect();
    assert_eq!(ids, expected);
    assert_eq!(server.requests(), 3);
    assert_eq!(
        offsets_and_limits(&server),
        vec![pair("0", "100"), pair("100", "100"), pair("200", "50")]
    );
}

#[tokio::test]
async fn a_nonsense_retry_after_neither_panics_nor_stalls() {
    // (value, attempts): an unparsable value is ignored, one past the retry budget (30 s)
    // stops the retries at once, 0 retries after the usual backoff.
    let cases = [
        ("-1", 3),
        ("99999999999999999999", 3),
        ("soon", 3),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 1),
        ("0", 3),
    ];
    for (value, attempts) in cases {
        let server = hostile::start(Mode::BadRetryAfter {
            value: value.to_string(),
        })
        .await
        .unwrap();
        let client = builder(&server)
            .retry(RetryPolicy::default())
            .build()
            .unwrap();
        let started = Instant::now();
        let sent = bounded(Duration::from_secs(40), servers(&client).send()).await;
        let elapsed = started.elapsed();
        println!(
            "Retry-After {value:?}: {elapsed:?}, {} requests",
            server.requests()
        );
        let error = Error::from(sent.expect_err("503"));
        match &error {
            Error::Api(api) => {
                assert_eq!(api.status.as_u16(), 503, "{value}");
                assert_eq!(
                    api.error_code.as_deref(),
                    Some(error_codes::SERVICE_UNAVAILABLE),
                    "{value}"
                );
            }
            other => panic!("{value}: expected Error::Api, got {other:?}"),
        }
        assert_eq!(server.requests(), attempts, "{value}");
        assert!(elapsed < Duration::from_secs(30), "{value}: {elapsed:?}");
    }
}

#[tokio::test]
async fn escapes_in_items_are_kept_verbatim() {
    let server = hostile::start(Mode::EscapeItems).await.unwrap();
    let client = builder(&server).build().unwrap();
    let page = bounded(Duration::from_secs(20), servers(&client).send())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.count, Some(2));
    assert_eq!(page.items.len(), 2);
    for item in &page.items {
        let contains = |field: Option<&str>| field.is_some_and(|f| f.contains(ESCAPES));
        assert!(contains(item.id.as_deref()), "{:?}", item.id);
        assert!(contains(item.job_id.as_deref()), "{:?}", item.job_id);
        let resource = item.job_resource_info.as_ref().unwrap();
        assert!(contains(resource.resource_name.as_deref()));
        assert!(contains(item.error_code.as_deref()));
        assert!(contains(item.error_message.as_deref()));
        match &item.status {
            Some(Extensible::Unknown(status)) => {
                assert_eq!(status, &format!("PWNED{ESCAPES}"));
            }
            other => panic!("expected an unknown status, got {other:?}"),
        }
    }
    assert_eq!(
        page.items[0].id.as_deref(),
        Some(&*format!("sub-1{ESCAPES}"))
    );
}

#[tokio::test]
async fn escapes_in_an_error_are_kept_verbatim() {
    let server = hostile::start(Mode::EscapeError).await.unwrap();
    let client = builder(&server).build().unwrap();
    let sent = bounded(Duration::from_secs(20), servers(&client).send()).await;
    let error = Error::from(sent.expect_err("400"));
    assert!(
        matches!(&error, Error::Api(api) if api.status.as_u16() == 400),
        "{error:?}"
    );
    assert_eq!(error.error_code(), Some(&*format!("WKS.{ESCAPES}")));
    assert_eq!(error.error_msg(), Some(&*format!("bad{ESCAPES}")));
    assert!(!error.is_retryable());
    assert_eq!(server.requests(), 1);
}
