//! A client on a machine whose clock is hours off: the emulator's `Date` follows its own
//! (skewed) clock, the first request is refused for its `X-Sdk-Date` and signed again with
//! the measured offset, and the client keeps the offset for the next requests.
//!
//! The skew is set on a [`ManualClock`], so no test waits on the wall clock.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::time::{Duration, SystemTime};

use workspace_app_client::{Credentials, Error, RetryPolicy};
use workspace_app_mock::{Config, ManualClock, error_codes};
use workspace_app_test_support::logs::Captured;

mod support;

use support::{client, http, servers, start};

const AK: &str = "SKEWTESTAK00000000001";
const SK: &str = "skew-test-secret-key";

fn hours(h: u64) -> Duration {
    Duration::from_secs(h * 3600)
}

#[tokio::test]
async fn the_emulator_date_follows_its_clock() {
    let clock = ManualClock::new(SystemTime::now() + hours(5));
    let emulator = start(Config::default().clock(clock.clone())).await;
    let response = http()
        .get(format!("{}/nowhere", emulator.base_url()))
        .send()
        .await
        .unwrap();
    let date = response.headers()["date"].to_str().unwrap();
    let date = httpdate::parse_http_date(date).unwrap();
    let expected = clock.now();
    let off = date
        .duration_since(expected)
        .unwrap_or_else(|e| e.duration());
    assert!(
        off <= Duration::from_secs(1),
        "Date {date:?}, clock {expected:?}"
    );
}

#[tokio::test]
async fn a_skewed_clock_is_corrected_once_and_the_offset_kept() {
    let logs = Captured::default();
    let _guard = tracing::subscriber::set_default(logs.subscriber(tracing::Level::WARN));

    // The service's clock is 3 hours ahead of this machine's.
    let clock = ManualClock::new(SystemTime::now() + hours(3));
    let emulator = start(Config::default().ak_sk(AK, SK).clock(clock)).await;
    let client = client(&emulator);

    let first = servers(&client).send().await;
    assert!(first.is_ok(), "{:?}", first.map_err(Error::from));
    // Refused once for the date, then accepted.
    assert_eq!(emulator.requests_received(), 2);
    let offset = client.clock_offset();
    assert!(offset.server_is_ahead());
    let error = offset.magnitude().abs_diff(hours(3));
    assert!(error <= Duration::from_secs(2), "{offset}");
    let logged = logs.text();
    assert!(logged.contains("WARN"), "{logged}");
    assert!(logged.contains("ahead of this machine"), "{logged}");
    assert!(!logged.contains(SK) && !logged.contains(AK), "{logged}");

    // The next request is signed with the offset from the start: one request.
    let second = servers(&client).send().await;
    assert!(second.is_ok(), "{:?}", second.map_err(Error::from));
    assert_eq!(emulator.requests_received(), 3);
}

#[tokio::test]
async fn a_401_with_a_close_date_is_not_retried() {
    // Bad keys and the right time: the 401 is the answer, sent once.
    let emulator = start(Config::default().ak_sk(AK, SK)).await;
    let client = emulator
        .client_builder()
        .credentials(Credentials::ak_sk(AK, "not-the-secret-key"))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = Error::from(servers(&client).send().await.unwrap_err());
    assert_eq!(error.error_code(), Some(error_codes::UNAUTHORIZED));
    assert_eq!(emulator.requests_received(), 1);
    assert_eq!(client.clock_offset().magnitude(), Duration::ZERO);
}
