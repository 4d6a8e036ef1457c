//! When and how long to wait before trying a request again, and which failures allow it.

use std::sync::Arc;
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

/// What kind of failure another attempt answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryKind {
    /// The service asked for fewer requests (429, a 503 with `Retry-After`, or a service
    /// error code a classifier reads as throttling): it did not act on the request.
    Throttled,
    /// The service failed (500, 502, 503, 504): it may have acted.
    ServerError,
    /// No usable response: could not connect, timed out, the connection broke.
    Transient,
}

/// Whether to try a failed attempt again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// The attempt's outcome stands.
    DontRetry,
    /// Try again, after at least `after` if given (else the policy's backoff), as far as
    /// the [`RetryPolicy`]'s attempts and budget allow.
    Retry {
        /// What kind of failure it is.
        kind: RetryKind,
        /// The least pause before the next attempt (a `Retry-After`).
        after: Option<Duration>,
    },
}

/// Why an attempt got no usable response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportFailure {
    /// The connection could not be made (nothing was sent).
    Connect,
    /// The attempt timed out.
    Timeout,
    /// The response body broke off.
    Body,
    /// The request could not be sent whole, or the connection broke.
    Request,
    /// Any other failure.
    Other,
}

impl TransportFailure {
    pub(crate) fn of(error: &reqwest::Error) -> TransportFailure {
        if error.is_connect() {
            TransportFailure::Connect
        } else if error.is_timeout() {
            TransportFailure::Timeout
        } else if error.is_body() || error.is_decode() {
            TransportFailure::Body
        } else if error.is_request() {
            TransportFailure::Request
        } else {
            TransportFailure::Other
        }
    }
}

/// What a retry classifier sees of a failed attempt.
#[derive(Debug, Clone, Copy)]
pub struct RetryContext<'a> {
    pub(crate) operation: &'static str,
    pub(crate) attempt: u32,
    pub(crate) status: Option<StatusCode>,
    pub(crate) error_code: Option<&'a str>,
    pub(crate) transport: Option<TransportFailure>,
    pub(crate) retry_after: Option<Duration>,
}

impl RetryContext<'_> {
    /// The spec's `operationId` of the call.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The attempt that failed, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The response's status; `None` without a response.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The service's `error_code` of an error response (read in every shape Huawei's
    /// services write), when it sent one.
    pub fn error_code(&self) -> Option<&str> {
        self.error_code
    }

    /// Why there was no usable response, when there was none.
    pub fn transport_failure(&self) -> Option<TransportFailure> {
        self.transport
    }

    /// The response's `Retry-After`, when it had a valid one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// [`RetryDecision::Retry`] as throttling, after the response's `Retry-After`: for a
    /// classifier that reads a service error code as "slow down".
    pub fn throttled(&self) -> RetryDecision {
        RetryDecision::Retry {
            kind: RetryKind::Throttled,
            after: self.retry_after,
        }
    }
}

/// A retry classifier of the user's: the context of a failed attempt and the decision so
/// far (the default's, or the previous classifier's), to the decision.
pub(crate) type Classifier =
    Arc<dyn Fn(&RetryContext<'_>, RetryDecision) -> RetryDecision + Send + Sync>;

/// The retry classifiers of a client or a call, in the order they run; cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Classifiers(pub(crate) Arc<[Classifier]>);

impl Classifiers {
    /// `self`'s classifiers, then `more`.
    pub(crate) fn then(&self, more: &[Classifier]) -> Classifiers {
        if more.is_empty() {
            return self.clone();
        }
        Classifiers(self.0.iter().chain(more).cloned().collect())
    }
}

/// Only how many: a classifier is a closure.
impl std::fmt::Debug for Classifiers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} retry classifier(s)", self.0.len())
    }
}

/// The default decision: a transport failure is [`Transient`](RetryKind::Transient); 429
/// and a 503 with `Retry-After` are [`Throttled`](RetryKind::Throttled); 500, 502, 503 and
/// 504 are [`ServerError`](RetryKind::ServerError); nothing else is retried.
pub(crate) fn default_decision(context: &RetryContext<'_>) -> RetryDecision {
    let retry = |kind| RetryDecision::Retry {
        kind,
        after: context.retry_after,
    };
    match (context.status.map(|s| s.as_u16()), context.transport) {
        (_, Some(_)) => retry(RetryKind::Transient),
        (Some(429), _) => retry(RetryKind::Throttled),
        (Some(503), _) if context.retry_after.is_some() => retry(RetryKind::Throttled),
        (Some(500 | 502 | 503 | 504), _) => retry(RetryKind::ServerError),
        _ => RetryDecision::DontRetry,
    }
}

/// The decision for a failed attempt: the default's, then each classifier's in order, then
/// the method rule, which no classifier can lift: a request that is not idempotent is tried
/// again only when the service cannot have acted on it (it could not be sent: a failure to
/// connect; or it was turned away: throttling).
pub(crate) fn decide(
    context: &RetryContext<'_>,
    classifiers: &[Classifier],
    idempotent: bool,
) -> RetryDecision {
    let decision = classifiers
        .iter()
        .fold(default_decision(context), |decision, classify| {
            classify(context, decision)
        });
    match decision {
        RetryDecision::Retry { kind, .. }
            if !idempotent
                && kind != RetryKind::Throttled
                && context.transport != Some(TransportFailure::Connect) =>
        {
            RetryDecision::DontRetry
        }
        decision => decision,
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
        let retried = |status: u16, retry_after: bool, idempotent: bool| {
            let mut context = context(Some(status), None);
            context.retry_after = retry_after.then_some(Duration::ZERO);
            matches!(
                decide(&context, &[], idempotent),
                RetryDecision::Retry { .. }
            )
        };
        for code in [429, 500, 502, 503, 504] {
            assert!(retried(code, false, true), "{code}");
        }
        assert!(retried(429, false, false));
        assert!(retried(503, true, false));
        for code in [500, 502, 503, 504, 400, 401] {
            assert!(!retried(code, false, false), "{code}");
        }
        for method in ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"] {
            assert!(is_idempotent_method(&method.parse().unwrap()), "{method}");
        }
        for method in ["POST", "PATCH"] {
            assert!(!is_idempotent_method(&method.parse().unwrap()), "{method}");
        }
    }

    fn context(status: Option<u16>, transport: Option<TransportFailure>) -> RetryContext<'static> {
        RetryContext {
            operation: "X",
            attempt: 1,
            status: status.map(|s| StatusCode::from_u16(s).unwrap()),
            error_code: None,
            transport,
            retry_after: None,
        }
    }

    #[test]
    fn classifiers_extend_the_default_and_the_method_rule_holds() {
        let is_retry = |d: RetryDecision| matches!(d, RetryDecision::Retry { .. });
        assert!(is_retry(decide(&context(Some(502), None), &[], true)));
        assert!(!is_retry(decide(&context(Some(400), None), &[], true)));
        let throttling: Classifier = Arc::new(|c: &RetryContext<'_>, d| match c.error_code() {
            Some("WKS.0503") => c.throttled(),
            Some("APIGW.0301") => RetryDecision::DontRetry,
            _ => d,
        });
        let mut wks = context(Some(400), None);
        wks.error_code = Some("WKS.0503");
        assert!(is_retry(decide(
            &wks,
            std::slice::from_ref(&throttling),
            true
        )));
        // Throttling: not acted on, so a POST too.
        assert!(is_retry(decide(
            &wks,
            std::slice::from_ref(&throttling),
            false
        )));
        let mut refused = context(Some(503), None);
        refused.error_code = Some("APIGW.0301");
        assert!(!is_retry(decide(&refused, &[throttling], true)));
        // The method rule: a classifier's retry of a 500 does not reach a POST.
        let always: Classifier = Arc::new(|_: &RetryContext<'_>, _| RetryDecision::Retry {
            kind: RetryKind::ServerError,
            after: None,
        });
        assert!(!is_retry(decide(
            &context(Some(500), None),
            std::slice::from_ref(&always),
            false
        )));
        assert!(is_retry(decide(
            &context(None, Some(TransportFailure::Connect)),
            &[always],
            false
        )));
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
