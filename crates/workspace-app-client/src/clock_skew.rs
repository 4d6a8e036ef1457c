//! Clock skew: how far the local clock is from the service's, measured from the `Date` of a
//! refused response, and the signing time corrected by it.
//!
//! Huawei's API gateway refuses (`401`, `APIGW.0301`) a signature whose `X-Sdk-Date` is more
//! than 15 minutes from its own clock. A machine whose clock is that far off would fail every
//! call. As aws-sdk-rust does for SigV4, the transport reads the server's `Date` on a `401`;
//! when it is more than [`SKEW_THRESHOLD`] from the time the request was signed at, it keeps
//! the offset for the client (shared by its clones), logs a warning, and signs the request
//! again once, at `now + offset`. Every later request of the client is signed at
//! `now + offset` from the start. Huawei's own SDKs do not correct skew: they fail with
//! the gateway's `401`.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

use http::HeaderMap;
use http::header::DATE;

/// How far the server's `Date` may be from the signing time before the client corrects for
/// it: 5 minutes, well inside the gateway's 15-minute window, and well beyond the 1-second
/// resolution of `Date` and the time a response takes to arrive.
pub const SKEW_THRESHOLD: Duration = Duration::from_secs(5 * 60);

/// How far the service's clock is from this machine's: positive when the service is ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClockOffset {
    millis: i64,
}

impl ClockOffset {
    /// No offset.
    pub const ZERO: ClockOffset = ClockOffset { millis: 0 };

    /// The offset of a server whose clock reads `server` when this machine's reads `local`.
    pub fn between(server: SystemTime, local: SystemTime) -> Self {
        let millis = match server.duration_since(local) {
            Ok(ahead) => i64::try_from(ahead.as_millis()).unwrap_or(i64::MAX),
            Err(behind) => i64::try_from(behind.duration().as_millis())
                .map(|m| -m)
                .unwrap_or(i64::MIN + 1),
        };
        ClockOffset { millis }
    }

    /// The offset measured from a response's `Date` header, read at `local`; `None`
    /// without a `Date` the HTTP date format can read.
    pub fn from_date_header(headers: &HeaderMap, local: SystemTime) -> Option<Self> {
        Some(Self::between(server_date(headers)?, local))
    }

    /// The offset in milliseconds, positive when the service is ahead.
    pub fn signed_millis(self) -> i64 {
        self.millis
    }

    /// The size of the offset, whichever way.
    pub fn magnitude(self) -> Duration {
        Duration::from_millis(self.millis.unsigned_abs())
    }

    /// Whether the server's clock is ahead of this machine's.
    pub fn server_is_ahead(self) -> bool {
        self.millis > 0
    }

    /// `local` moved by the offset: the server's time when this machine's is `local`.
    pub fn apply(self, local: SystemTime) -> SystemTime {
        let by = self.magnitude();
        let moved = if self.millis >= 0 {
            local.checked_add(by)
        } else {
            local.checked_sub(by)
        };
        moved.unwrap_or(local)
    }
}

impl fmt::Display for ClockOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.magnitude().as_secs();
        let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
        let side = if self.millis >= 0 {
            "ahead of"
        } else {
            "behind"
        };
        if h > 0 {
            write!(f, "{h}h{m:02}m{s:02}s {side} this machine")
        } else if m > 0 {
            write!(f, "{m}m{s:02}s {side} this machine")
        } else {
            let ms = self.magnitude().as_millis();
            write!(f, "{ms} ms {side} this machine")
        }
    }
}

/// The offset a client signs with, shared by its clones and updated by the transport.
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedOffset(Arc<AtomicI64>);

impl SharedOffset {
    pub(crate) fn get(&self) -> ClockOffset {
        ClockOffset {
            millis: self.0.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn set(&self, offset: ClockOffset) {
        self.0.store(offset.millis, Ordering::Relaxed);
    }
}

/// The offset to re-sign with when a `401` arrived at `local` with these headers, for a
/// request signed at `signed_at`: `Some` when the server's `Date` is more than
/// [`SKEW_THRESHOLD`] from `signed_at`.
pub(crate) fn correction(
    headers: &HeaderMap,
    signed_at: SystemTime,
    local: SystemTime,
) -> Option<ClockOffset> {
    let server = server_date(headers)?;
    if ClockOffset::between(server, signed_at).magnitude() <= SKEW_THRESHOLD {
        return None;
    }
    Some(ClockOffset::between(server, local))
}

/// The time a response's `Date` header gives; `None` without one the HTTP date format reads.
pub(crate) fn server_date(headers: &HeaderMap) -> Option<SystemTime> {
    httpdate::parse_http_date(headers.get(DATE)?.to_str().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn date(time: SystemTime) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(DATE, httpdate::fmt_http_date(time).parse().unwrap());
        headers
    }

    #[test]
    fn a_date_within_the_threshold_is_no_correction() {
        let now = SystemTime::now();
        let server = now + Duration::from_secs(4 * 60);
        assert_eq!(correction(&date(server), now, now), None);
        assert_eq!(correction(&HeaderMap::new(), now, now), None);
    }

    #[test]
    fn a_date_hours_away_is_corrected_either_way() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let ahead = correction(&date(now + Duration::from_secs(3 * 3600)), now, now).unwrap();
        assert!(ahead.server_is_ahead());
        assert_eq!(ahead.magnitude(), Duration::from_secs(3 * 3600));
        assert_eq!(ahead.apply(now), now + Duration::from_secs(3 * 3600));
        assert_eq!(ahead.to_string(), "3h00m00s ahead of this machine");
        let behind = correction(&date(now - Duration::from_secs(7200)), now, now).unwrap();
        assert!(!behind.server_is_ahead());
        assert_eq!(behind.apply(now), now - Duration::from_secs(7200));
        assert_eq!(behind.to_string(), "2h00m00s behind this machine");
    }

    #[test]
    fn a_request_already_signed_with_the_offset_is_not_corrected_again() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let server = now + Duration::from_secs(3 * 3600);
        assert_eq!(correction(&date(server), server, now), None);
    }
}
