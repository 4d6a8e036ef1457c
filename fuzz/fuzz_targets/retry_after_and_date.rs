//! `Retry-After` and `Date` as a server writes them.
//!
//! Properties: no panic (no overflow, whatever the number or date); delay-seconds is read
//! exactly; a `Date` that is read round-trips through HTTP's date format.
#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use workspace_app_client::fuzzing;

fuzz_target!(|value: &[u8]| {
    let now = UNIX_EPOCH + Duration::from_secs(1_764_000_000);
    if let Ok(text) = std::str::from_utf8(value) {
        let delay = fuzzing::retry_after(text, now);
        if let Ok(seconds) = text.trim().parse::<u64>() {
            assert_eq!(delay, Some(Duration::from_secs(seconds)), "{text:?}");
        }
    }
    if let Some(date) = fuzzing::server_date(value) {
        let written = httpdate::fmt_http_date(date);
        let read: SystemTime = httpdate::parse_http_date(&written).expect("our own date reads");
        assert_eq!(read, date, "{:?}", String::from_utf8_lossy(value));
    }
});
