//! When and how long to wait before trying a request again, and which failures allow it.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;

/// Retries of failed attempts: on connect, timeout and read errors and on 429, 500, 502, 503
/// and 504, with exponential backoff and jitter, honouring `Retry-After`, within a number of
/// attempts and a total time budget. Other statuses are never retried. A request that is
/// not idempotent (a POST or PATCH the spec does not mark `x-idempotent: true`) is retried
/// only when the service cannot have acted on it: after a failure to connect, a 429, or a
/// 503 with `Retry-After`; a timeout, a broken connection, 500, 502 and 504 may come after
/// the service acted, and a second POST would act twice.
///
/// ```
/// use std::time::Duration;
/// use workspace_app_client::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(500))
///     .total_budget(Duration::from_secs(60));
/// let once = RetryPolicy::disabled();
/// # let _ = (patient, once);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) total_budget: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, backoff from 200 ms doubling up to 5 s, within 30 s in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            total_budget: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn disabled() -> Self {
        RetryPolicy::default().max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before the first retry; it doubles for each further one.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest backoff between two attempts (a `Retry-After` may ask for longer).
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// No retry starts once this much time has passed since the first attempt, and no
    /// backoff would end after it.
    pub fn total_budget(mut self, budget: Duration) -> Self {
        self.total_budget = budget;
        self
    }

    /// The backoff range before attempt `failed + 1`: `[ceiling / 2, ceiling]`, where the
    /// ceiling doubles from `initial_backoff` and stops at `max_backoff` ("equal jitter":
    /// spread out, never shorter than half).
    pub fn backoff_bounds(&self, failed: u32) -> (Duration, Duration) {
        let factor = 2u32.saturating_pow(failed.saturating_sub(1));
        let ceiling = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        (ceiling / 2, ceiling)
    }

    /// How long to wait before the next attempt after `failed` attempts, or `None` when the
    /// attempts or the budget are spent. `retry_after` (from the server) is a floor.
    pub(crate) fn delay(
        &self,
        failed: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if failed >= self.max_attempts {
            return None;
        }
        let (low, high) = self.backoff_bounds(failed);
        let jittered = low + (high - low).mul_f64(fastrand::f64());
        let delay = retry_after.map_or(jittered, |floor| floor.max(jittered));
        (elapsed.saturating_add(delay) <= self.total_budget).then_some(delay)
    }
}

/// Whether the operation may be sent twice with the effect of once: GET, HEAD, PUT, DELETE
/// and OPTIONS are by HTTP's definition (RFC 9110 9.2.2); a POST or PATCH only when the spec
/// says so (`x-idempotent: true`, read into `spec::operations`).
pub(crate) fn is_idempotent_method(method: &reqwest::Method) -> bool {
    use reqwest::Method;
    [
        Method::GET,
        Method::HEAD,
        Method::PUT,
        Method::DELETE,
        Method::OPTIONS,
    ]
    .contains(method)
}

/// Whether an attempt that ended with `status` may be tried again: for an idempotent
/// request, any [retryable status](is_retryable_status); otherwise only the answers that
/// say the service did not act on it: 429 (throttled before it was looked at) and 503 with
/// `Retry-After` (the gateway turned it away). A 500, 502 or 504 may come after the
/// service acted, and a second POST would act twice.
pub(crate) fn may_retry_response(
    status: StatusCode,
    has_retry_after: bool,
    idempotent: bool,
) -> bool {
    match status.as_u16() {
        _ if idempotent => is_retryable_status(status),
        429 => true,
        503 => has_retry_after,
        _ => false,
    }
}

/// The statuses worth another attempt of an idempotent request.
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// Transport failures worth another attempt: no connection, a timeout, a broken read. For
/// a request that is not idempotent, only a failure to connect: then nothing was sent,
/// while after a timeout or a broken connection the service may have acted.
pub(crate) fn may_retry_transport(error: &reqwest::Error, idempotent: bool) -> bool {
    if idempotent {
        error.is_connect() || error.is_timeout() || error.is_request() || error.is_body()
    } else {
        error.is_connect()
    }
}

/// `Retry-After` as delay-seconds or an HTTP date; `None` when absent or malformed.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_initial_value_up_to_the_cap() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(350));
        let ms = Duration::from_millis;
        assert_eq!(policy.backoff_bounds(1), (ms(50), ms(100)));
        assert_eq!(policy.backoff_bounds(2), (ms(100), ms(200)));
        assert_eq!(policy.backoff_bounds(3), (ms(175), ms(350)));
        assert_eq!(policy.backoff_bounds(40), (ms(175), ms(350)));
    }

    #[test]
    fn every_delay_lies_within_its_bounds() {
        let policy = RetryPolicy::default().max_attempts(10);
        for failed in 1..10 {
            let (low, high) = policy.backoff_bounds(failed);
            for _ in 0..200 {
                let delay = policy.delay(failed, Duration::ZERO, None).unwrap();
                assert!(low <= delay && delay <= high, "{failed}: {delay:?}");
            }
        }
    }

    #[test]
    fn stops_when_attempts_or_budget_are_spent() {
        let policy = RetryPolicy::default()
            .max_attempts(3)
            .total_budget(Duration::from_secs(10));
        assert!(policy.delay(2, Duration::ZERO, None).is_some());
        assert_eq!(policy.delay(3, Duration::ZERO, None), None);
        assert_eq!(policy.delay(1, Duration::from_secs(10), None), None);
        assert_eq!(RetryPolicy::disabled().delay(1, Duration::ZERO, None), None);
    }

    #[test]
    fn retry_after_is_a_floor_and_may_exceed_the_budget_only_by_stopping() {
        let policy = RetryPolicy::default().total_budget(Duration::from_secs(10));
        let secs = Duration::from_secs;
        assert_eq!(
            policy.delay(1, Duration::ZERO, Some(secs(4))),
            Some(secs(4))
        );
        assert_eq!(policy.delay(1, secs(7), Some(secs(4))), None);
    }

    #[test]
    fn retry_after_parses_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn a_request_that_is_not_idempotent_is_retried_only_when_the_service_did_not_act() {
        let status = |code| StatusCode::from_u16(code).unwrap();
        for code in [429, 500, 502, 503, 504] {
            assert!(may_retry_response(status(code), false, true), "{code}");
        }
        assert!(may_retry_response(status(429), false, false));
        assert!(may_retry_response(status(503), true, false));
        for code in [500, 502, 503, 504, 400, 401] {
            assert!(!may_retry_response(status(code), false, false), "{code}");
        }
        for method in ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"] {
            assert!(is_idempotent_method(&method.parse().unwrap()), "{method}");
        }
        for method in ["POST", "PATCH"] {
            assert!(!is_idempotent_method(&method.parse().unwrap()), "{method}");
        }
    }

    #[test]
    fn only_throttling_and_server_faults_are_retryable() {
        for code in [429, 500, 502, 503, 504] {
            assert!(is_retryable_status(StatusCode::from_u16(code).unwrap()));
        }
        for code in [200, 400, 401, 403, 404, 405, 408, 409, 501] {
            assert!(!is_retryable_status(StatusCode::from_u16(code).unwrap()));
        }
    }
}
