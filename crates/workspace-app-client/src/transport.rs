//! What happens to each request on its way out: credentials and signing, the per-attempt
//! timeout, the move to the next endpoint when one cannot be connected to, retries with
//! backoff, and a bounded read of the response body. The result is a response with its body
//! in memory, or the error the call ends with.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use progenitor_client::OperationInfo;
use reqwest::StatusCode;
use reqwest::header::{HeaderName, LOCATION, RETRY_AFTER};
use secrecy::ExposeSecret;
use tracing::{Instrument, field};

use crate::clock_skew;
use crate::config::ClientConfig;
use crate::credentials::{Credentials, CredentialsError, Provider};
use crate::deadline;
use crate::dry_run::PreparedRequest;
use crate::error::{ApiError, EndpointFailure, Error, is_documented_error, request_id, snippet};
use crate::escaped::Escaped;
use crate::generated::operations;
use crate::http::body::{Attempt, Body, receive};
use crate::http::failover::Endpoints;
use crate::intercept::{AfterSigning, AttemptEnd, BeforeSigning, CallEnd, CallInfo, Hook, Stopped};
use crate::retry::{
    RetryContext, RetryDecision, TransportFailure, decide, is_idempotent_method, parse_retry_after,
};
use crate::signing::{self, SigningError};
use crate::telemetry::AccessLine;

/// A response the generated code can read as the operation documents it, its body read
/// whole: a success status, or an error status with the documented `{error_code, error_msg}`
/// body (which progenitor gives as `ErrorResponse` when the operation documents the status).
pub(crate) type Received = http::Response<Bytes>;

/// Why a call ends without a success response.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No usable response: could not connect, timed out, the connection broke.
    Transport(reqwest::Error),
    /// The call ends with this error.
    Rejected(Box<Rejected>),
}

/// An error decided by the transport, and the response it was decided from, if any.
#[derive(Debug)]
pub(crate) struct Rejected {
    pub(crate) head: Option<http::response::Parts>,
    pub(crate) rejection: Rejection,
}

impl Failure {
    fn rejected(head: Option<http::response::Parts>, rejection: Rejection) -> Self {
        Failure::Rejected(Box::new(Rejected { head, rejection }))
    }
}

/// An error the transport decided on, from a response or before sending. `Clone`, as it
/// travels through progenitor's hooks (see `hooks::HandOff`).
#[derive(Debug, Clone)]
pub(crate) enum Rejection {
    /// An error status (4xx, 5xx, or any other that is neither success nor redirect) whose
    /// body is not the documented error: an HTML gateway page, an empty or truncated body.
    Status(ApiError),
    /// A redirect, never followed.
    Redirect {
        status: StatusCode,
        location: Option<String>,
    },
    /// A body over the limit; reading stopped there.
    TooLarge { limit: usize },
    /// The request could not be signed; nothing was sent.
    Unsigned(SigningError),
    /// A dry run: the request as it would have been sent; nothing was sent.
    DryRun(Box<PreparedRequest>),
    /// No credentials to sign with (the metadata service failed); nothing was sent.
    Credentials(CredentialsError),
    /// An interceptor stopped the call.
    Interceptor(Stopped),
    /// None of the endpoints could be connected to; nothing was sent.
    Unreachable(Vec<EndpointFailure>),
}

impl From<Rejection> for Error {
    fn from(rejection: Rejection) -> Self {
        match rejection {
            Rejection::Status(api) => Error::Api(api),
            Rejection::Redirect { status, location } => Error::Redirect { status, location },
            Rejection::TooLarge { limit } => Error::ResponseTooLarge { limit },
            Rejection::Unsigned(error) => Error::Signing(error),
            Rejection::DryRun(prepared) => Error::DryRun(prepared),
            Rejection::Credentials(error) => Error::Credentials(error),
            Rejection::Interceptor(Stopped { name, hook, source }) => {
                Error::Interceptor { name, hook, source }
            }
            Rejection::Unreachable(tried) => Error::Unreachable { tried },
        }
    }
}

/// Sends `request` as the configuration says: each attempt through the interceptors,
/// signed, timed out, moved to the next endpoint when it could not connect, retried as the
/// classifiers and the method rule allow; then what an operator sees of the call (the span's
/// OpenTelemetry fields, the access log) and the interceptors' `on_result`, whose error
/// fails the call.
pub(crate) async fn execute(
    client: &reqwest::Client,
    config: &ClientConfig,
    mut request: reqwest::Request,
    info: &OperationInfo,
) -> Result<Received, Failure> {
    let operation = operations::by_name(info.operation_id);
    let method = method_name(request.method());
    let mut call = CallInfo {
        operation: operation.map_or(info.operation_id, |op| op.operation_id),
        method,
        path_template: operation.map_or("", |op| op.path),
        attempt: 0,
    };
    let idempotent = operation.map_or_else(
        || is_idempotent_method(request.method()),
        operations::Operation::is_idempotent,
    );
    // With several endpoints, the call starts from the one last reached.
    let mut pass = config
        .endpoints
        .as_deref()
        .filter(|endpoints| endpoints.serves(request.url()))
        .map(|endpoints| Pass::start(endpoints, &mut request));
    let url = request.url();
    let server = url.host_str().unwrap_or_default().to_string();
    let span = tracing::info_span!(
        "workspace_app.call",
        "otel.name" = %format_args!("{method} {}", call.path_template),
        "otel.kind" = "client",
        "otel.status_code" = field::Empty,
        "http.request.method" = method,
        "url.template" = call.path_template,
        "url.scheme" = url.scheme(),
        "server.address" = url.host_str().unwrap_or_default(),
        "server.port" = url.port_or_known_default(),
        "http.response.status_code" = field::Empty,
        "error.type" = field::Empty,
        "http.request.resend_count" = field::Empty,
        "url.full" = field::Empty,
        operation = info.operation_id,
        attempt = field::Empty,
        status = field::Empty,
        request_id = field::Empty,
    );
    if config.telemetry.record_full_url {
        span.record("url.full", url.as_str());
    }
    let started = tokio::time::Instant::now();
    let result = attempts(client, config, request, idempotent, &mut call, &mut pass)
        .instrument(span.clone())
        .await;
    let server = pass.map_or(server, |pass| pass.host());
    let _entered = span.enter();
    ended(config, &span, call, &server, started.elapsed(), result)
}

/// The span's closing fields, the access log and `on_result`, for a call that ended so.
fn ended(
    config: &ClientConfig,
    span: &tracing::Span,
    call: CallInfo,
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))] server: &str,
    elapsed: Duration,
    result: Result<Received, Failure>,
) -> Result<Received, Failure> {
    let end = CallOutcome::of(&result);
    if let Some(status) = end.status {
        span.record("http.response.status_code", status.as_u16());
    }
    if let Some(kind) = &end.error_type {
        span.record("error.type", kind.as_ref());
        span.record("otel.status_code", "ERROR");
    }
    if call.attempt > 1 {
        span.record("http.request.resend_count", call.attempt - 1);
    }
    #[cfg(feature = "metrics")]
    config.instruments.call(
        &call,
        server,
        end.status.map(|s| s.as_u16()),
        end.error_type.as_deref(),
        elapsed,
    );
    if config.telemetry.access_log {
        AccessLine {
            call,
            status: end.status,
            body_bytes: end.body_bytes,
            elapsed,
            request_id: end.request_id.as_deref(),
            error_type: end.error_type.as_deref(),
            error_code: end.error_code.as_deref(),
        }
        .log();
    }
    if config.interceptors.is_empty() {
        return result;
    }
    let view = CallEnd {
        call,
        status: end.status,
        request_id: end.request_id.as_deref(),
        elapsed,
        error_type: end.error_type.as_deref(),
        error_code: end.error_code.as_deref(),
    };
    match config
        .interceptors
        .run_all(Hook::OnResult, |interceptor| interceptor.on_result(&view))
    {
        Ok(()) => result,
        Err(stopped) => Err(Failure::rejected(None, Rejection::Interceptor(stopped))),
    }
}

/// What a call came to, as telemetry and `on_result` show it.
struct CallOutcome {
    status: Option<StatusCode>,
    body_bytes: Option<usize>,
    request_id: Option<String>,
    /// OpenTelemetry's `error.type`: the status code, or what failed.
    error_type: Option<Cow<'static, str>>,
    error_code: Option<String>,
}

impl CallOutcome {
    fn of(result: &Result<Received, Failure>) -> Self {
        let status_error = |status: StatusCode| {
            (!status.is_success()).then(|| Cow::Owned(status.as_str().to_string()))
        };
        match result {
            Ok(received) => {
                let status = received.status();
                let error_code = (!status.is_success())
                    .then(|| {
                        ApiError::from_response(status, received.headers(), received.body())
                            .error_code
                    })
                    .flatten();
                CallOutcome {
                    status: Some(status),
                    body_bytes: Some(received.body().len()),
                    request_id: request_id(received.headers()),
                    error_type: status_error(status),
                    error_code,
                }
            }
            Err(Failure::Transport(error)) => CallOutcome {
                status: error.status(),
                body_bytes: None,
                request_id: None,
                error_type: Some(Cow::Borrowed(transport_error_type(error))),
                error_code: None,
            },
            Err(Failure::Rejected(rejected)) => {
                let head = rejected.head.as_ref();
                let (error_type, error_code) = match &rejected.rejection {
                    Rejection::Status(api) => (
                        Cow::Owned(api.status.as_str().to_string()),
                        api.error_code.clone(),
                    ),
                    Rejection::Redirect { .. } => (Cow::Borrowed("redirect"), None),
                    Rejection::TooLarge { .. } => (Cow::Borrowed("response_too_large"), None),
                    Rejection::Unsigned(_) => (Cow::Borrowed("signing"), None),
                    Rejection::DryRun(_) => (Cow::Borrowed("dry_run"), None),
                    Rejection::Credentials(_) => (Cow::Borrowed("credentials"), None),
                    Rejection::Interceptor(_) => (Cow::Borrowed("interceptor"), None),
                    Rejection::Unreachable(_) => (Cow::Borrowed("connect"), None),
                };
                CallOutcome {
                    status: head.map(|head| head.status),
                    body_bytes: None,
                    request_id: head.and_then(|head| request_id(&head.headers)),
                    error_type: Some(error_type),
                    error_code,
                }
            }
        }
    }
}

/// OpenTelemetry's `error.type` of a transport failure.
fn transport_error_type(error: &reqwest::Error) -> &'static str {
    match TransportFailure::of(error) {
        TransportFailure::Connect => "connect",
        TransportFailure::Timeout => "timeout",
        TransportFailure::Body => "body",
        TransportFailure::Request => "request",
        _ => "transport",
    }
}

/// The method's name, for the span and the views (every method the spec can have).
fn method_name(method: &reqwest::Method) -> &'static str {
    use reqwest::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        _ => "_OTHER",
    }
}

/// What comes after an attempt: the request sent again after a pause, the same attempt
/// sent to the next endpoint, or the end.
enum Next {
    Again(reqwest::Request, Duration),
    Failover(reqwest::Request),
    Finish,
}

/// An attempt's pass over the client's endpoints (when it has several): it starts from the
/// endpoint last reached and moves to the next, each at most once, while it cannot connect.
/// A move is not a retry: nothing was sent, and it spends none of the retry policy's
/// attempts.
struct Pass<'a> {
    endpoints: &'a Endpoints,
    /// The endpoint the request's URL is on.
    at: usize,
    /// The endpoints of this attempt that could not be connected to, in order.
    failed: Vec<EndpointFailure>,
}

impl<'a> Pass<'a> {
    /// A pass from the endpoint calls start from, `request` (on the first endpoint, where
    /// the generated client puts it) moved there.
    fn start(endpoints: &'a Endpoints, request: &mut reqwest::Request) -> Self {
        let mut pass = Pass {
            endpoints,
            at: 0,
            failed: Vec::new(),
        };
        pass.move_to(request, endpoints.current());
        pass
    }

    /// A new attempt's pass: from the endpoint calls start from now (another call may have
    /// moved it), every endpoint to be tried again.
    fn again(&mut self, request: &mut reqwest::Request) {
        if self.move_to(request, self.endpoints.current()) {
            record_server(request.url());
        }
        self.failed.clear();
    }

    /// Whether an endpoint of this pass is left after the one just tried.
    fn has_next(&self) -> bool {
        self.failed.len() + 1 < self.endpoints.len()
    }

    /// The endpoint just tried could not be connected to: `request` (the same attempt,
    /// unsigned) moves to the next.
    fn advance(&mut self, request: &mut reqwest::Request, error: reqwest::Error) {
        let to = (self.at + 1) % self.endpoints.len();
        let from = self.endpoints.shown(self.at);
        tracing::warn!(
            error = %Escaped(DisplayCauses(&error)),
            "could not connect to {}; trying the next endpoint, {} (nothing was sent)",
            Escaped(from),
            Escaped(self.endpoints.shown(to)),
        );
        self.failed
            .push(EndpointFailure::new(from.to_string(), error));
        self.move_to(request, to);
        record_server(request.url());
    }

    /// The endpoint just tried was connected to: later calls start from it.
    fn reached(&self) {
        if self.endpoints.reached(self.at) {
            tracing::info!(
                endpoint = %Escaped(self.endpoints.shown(self.at)),
                "endpoint {} of {} reached: later calls start from it",
                self.at + 1,
                self.endpoints.len(),
            );
        }
    }

    /// The call's error when the last endpoint of the pass could not be connected to either:
    /// every endpoint tried, with why.
    fn unreachable(&mut self, error: reqwest::Error) -> Failure {
        let last = self.endpoints.shown(self.at).to_string();
        let mut tried = std::mem::take(&mut self.failed);
        tried.push(EndpointFailure::new(last, error));
        Failure::rejected(None, Rejection::Unreachable(tried))
    }

    /// The host of the endpoint in use, for the metrics.
    fn host(&self) -> String {
        self.endpoints.host(self.at).to_string()
    }

    /// `request` moved to endpoint `to`; whether it moved.
    fn move_to(&mut self, request: &mut reqwest::Request, to: usize) -> bool {
        if to == self.at {
            return false;
        }
        self.endpoints.move_url(request.url_mut(), self.at, to);
        self.at = to;
        true
    }
}

/// The call span's server fields, for a request moved to another endpoint.
fn record_server(url: &reqwest::Url) {
    let span = tracing::Span::current();
    span.record("url.scheme", url.scheme());
    span.record("server.address", url.host_str().unwrap_or_default());
    if let Some(port) = url.port_or_known_default() {
        span.record("server.port", port);
    }
}

/// An error's causes, without its own message (reqwest's names the request URL).
struct DisplayCauses<'a>(&'a reqwest::Error);

impl std::fmt::Display for DisplayCauses<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::error::Error as _;
        let mut cause = self.0.source();
        let mut first = true;
        while let Some(error) = cause {
            if !first {
                f.write_str(": ")?;
            }
            first = false;
            write!(f, "{error}")?;
            cause = error.source();
        }
        if first {
            write!(f, "{}", self.0)?;
        }
        Ok(())
    }
}

async fn attempts(
    client: &reqwest::Client,
    config: &ClientConfig,
    request: reqwest::Request,
    idempotent: bool,
    call: &mut CallInfo,
    pass: &mut Option<Pass<'_>>,
) -> Result<Received, Failure> {
    let span = tracing::Span::current();
    let started = tokio::time::Instant::now();
    let limit = config.max_response_bytes;
    let mut failed = 0;
    // A 401 for a clock far from the server's is signed again once, at the corrected time.
    let mut skew_corrected = false;
    // A 401 with temporary credentials fetches new ones and tries once more.
    let mut refreshed = false;
    let stopped = |stopped| Failure::rejected(None, Rejection::Interceptor(stopped));
    // Each attempt is signed afresh from a copy of the unsigned request.
    let mut next = request;
    loop {
        // `None` for a streaming body, which cannot be replayed: then this is the last try.
        let mut replay = next.try_clone();
        let mut attempt = next;
        call.attempt = failed + 1;
        span.record("attempt", call.attempt);
        if !config.interceptors.is_empty() {
            let mut view = BeforeSigning {
                call: *call,
                request: &mut attempt,
            };
            config
                .interceptors
                .run(Hook::BeforeSigning, |i| i.before_signing(&mut view))
                .map_err(stopped)?;
        }
        // Temporary credentials are refreshed here when they are about to expire.
        let credentials = match &config.credentials {
            Some(provider) => Some(
                provider
                    .current()
                    .await
                    .map_err(|error| Failure::rejected(None, Rejection::Credentials(error)))?,
            ),
            None => None,
        };
        let signed_at = config.clock_offset.get().apply(SystemTime::now());
        authenticate(config, credentials.as_deref(), &mut attempt, signed_at)
            .map_err(|error| Failure::rejected(None, Rejection::Unsigned(error)))?;
        if !config.interceptors.is_empty() {
            let view = AfterSigning {
                call: *call,
                request: &attempt,
            };
            config
                .interceptors
                .run(Hook::AfterSigning, |i| i.after_signing(&view))
                .map_err(stopped)?;
        }
        if config.dry_run {
            let prepared = PreparedRequest::from_request(&attempt);
            return Err(Failure::rejected(
                None,
                Rejection::DryRun(Box::new(prepared)),
            ));
        }
        if let Some(timeout) = config.attempt_timeout {
            // Within a wait, an attempt ends by the wait's deadline.
            let timeout = deadline::remaining().map_or(timeout, |left| timeout.min(left));
            *attempt.timeout_mut() = Some(timeout);
        }
        let sent = tokio::time::Instant::now();
        let outcome = send(client, attempt, limit).await;
        let attempt_took = sent.elapsed();
        let connected = !matches!(&outcome, Err(error) if error.is_connect());
        // Could not connect: nothing of the request was sent, so the next endpoint may
        // always have it, as the same attempt.
        let failover = match pass {
            Some(pass) if connected => {
                pass.reached();
                None
            }
            Some(pass) if pass.has_next() => replay.take(),
            _ => None,
        };
        if failover.is_none() {
            failed += 1;
        }

        let next_step = match (&outcome, failover) {
            (_, Some(again)) => Next::Failover(again),
            (Ok((head, body)), None) => {
                span.record("status", head.status.as_u16());
                if let Some(id) = request_id(&head.headers) {
                    span.record("request_id", id);
                }
                if head.status == StatusCode::UNAUTHORIZED {
                    // A 401 never acted on the request: signing again is always safe.
                    if !skew_corrected
                        && matches!(credentials.as_deref(), Some(Credentials::AkSk(_)))
                        && let Some(offset) =
                            clock_skew::correction(&head.headers, signed_at, SystemTime::now())
                        && let Some(again) = replay.take()
                    {
                        skew_corrected = true;
                        config.clock_offset.set(offset);
                        tracing::warn!(
                            offset_ms = offset.signed_millis(),
                            "the service refused the request and its clock is {offset}: \
                             signing again with the service's time, for this request and \
                             the next; correct this machine's clock (NTP)"
                        );
                        Next::Again(again, Duration::ZERO)
                    } else if !refreshed
                        && let (Some(provider), Some(refused)) = (&config.credentials, &credentials)
                        && provider.is_refreshable()
                        && let Some(again) = replay.take()
                    {
                        refreshed = true;
                        if renew(provider, refused).await {
                            Next::Again(again, Duration::ZERO)
                        } else {
                            Next::Finish
                        }
                    } else {
                        Next::Finish
                    }
                } else {
                    let retry_after = head
                        .headers
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    let error_code = match body {
                        Body::Whole(body)
                            if !head.status.is_success() && !config.classifiers.0.is_empty() =>
                        {
                            ApiError::from_response(head.status, &head.headers, body).error_code
                        }
                        _ => None,
                    };
                    let context = RetryContext {
                        operation: call.operation,
                        attempt: call.attempt,
                        status: Some(head.status),
                        error_code: error_code.as_deref(),
                        transport: None,
                        retry_after,
                    };
                    let decision = if head.status.is_success() {
                        RetryDecision::DontRetry
                    } else {
                        decide(&context, &config.classifiers.0, idempotent)
                    };
                    retry(config, call, decision, failed, started, &mut replay)
                }
            }
            (Err(error), None) => {
                let context = RetryContext {
                    operation: call.operation,
                    attempt: call.attempt,
                    status: None,
                    error_code: None,
                    transport: Some(TransportFailure::of(error)),
                    retry_after: None,
                };
                let decision = decide(&context, &config.classifiers.0, idempotent);
                retry(config, call, decision, failed, started, &mut replay)
            }
        };
        if !config.interceptors.is_empty() {
            let (status, headers) = match &outcome {
                Ok((head, _)) => (Some(head.status), Some(&head.headers)),
                Err(_) => (None, None),
            };
            let error_type = match &outcome {
                Ok((head, _)) if !head.status.is_success() => {
                    Some(Cow::Owned(head.status.as_str().to_string()))
                }
                Ok(_) => None,
                Err(error) => Some(Cow::Borrowed(transport_error_type(error))),
            };
            let view = AttemptEnd {
                call: *call,
                status,
                headers,
                elapsed: attempt_took,
                error_type: error_type.as_deref(),
                retry_in: match &next_step {
                    Next::Again(_, delay) => Some(*delay),
                    Next::Failover(_) => Some(Duration::ZERO),
                    Next::Finish => None,
                },
            };
            config
                .interceptors
                .run(Hook::AfterAttempt, |i| i.after_attempt(&view))
                .map_err(stopped)?;
        }
        match next_step {
            Next::Finish => {
                // Every endpoint of the pass was tried, and none could be connected to.
                if !connected
                    && let Some(pass) = pass.as_mut()
                    && !pass.failed.is_empty()
                    && let Err(error) = outcome
                {
                    return Err(pass.unreachable(error));
                }
                return finish(outcome, limit);
            }
            Next::Failover(mut again) => {
                if let (Some(pass), Err(error)) = (pass.as_mut(), outcome) {
                    pass.advance(&mut again, error);
                }
                next = again;
            }
            Next::Again(mut again, delay) => {
                if !delay.is_zero() {
                    log_retry(&outcome, failed, delay);
                    tokio::time::sleep(delay).await;
                }
                if let Some(pass) = pass.as_mut() {
                    pass.again(&mut again);
                }
                next = again;
            }
        }
    }
}

/// The next attempt, when `decision` retries and the policy's attempts and budget, the
/// deadline in force and a replayable request allow it.
fn retry(
    config: &ClientConfig,
    #[cfg_attr(not(feature = "metrics"), allow(unused_variables))] call: &CallInfo,
    decision: RetryDecision,
    failed: u32,
    started: tokio::time::Instant,
    replay: &mut Option<reqwest::Request>,
) -> Next {
    let RetryDecision::Retry {
        after,
        #[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
        kind,
    } = decision
    else {
        return Next::Finish;
    };
    let Some(delay) = config.retry.delay(failed, started.elapsed(), after) else {
        return Next::Finish;
    };
    // A retry that would start after the deadline in force is not worth waiting for.
    if deadline::remaining().is_some_and(|left| delay >= left) {
        return Next::Finish;
    }
    match replay.take() {
        Some(again) => {
            #[cfg(feature = "metrics")]
            config.instruments.retry(call, kind);
            Next::Again(again, delay)
        }
        None => Next::Finish,
    }
}

/// What the last attempt means for the call.
pub(crate) fn finish(outcome: Attempt, limit: usize) -> Result<Received, Failure> {
    let (head, body) = outcome.map_err(Failure::Transport)?;
    let status = head.status;
    let rejection = match body {
        Body::Whole(body) if status.is_success() => return Ok(Received::from_parts(head, body)),
        // A redirect is one whatever its body.
        _ if status.is_redirection() => Rejection::Redirect {
            status,
            location: head.headers.get(LOCATION).map(|v| snippet(v.as_bytes())),
        },
        Body::TooLarge => Rejection::TooLarge { limit },
        Body::Whole(body) if is_documented_error(&body) => {
            return Ok(Received::from_parts(head, body));
        }
        // Progenitor would fail to parse it and drop the status: the error is decided here.
        Body::Whole(body) => {
            Rejection::Status(ApiError::from_response(status, &head.headers, &body))
        }
    };
    Err(Failure::rejected(Some(head), rejection))
}

/// New credentials in place of `refused`, which the service refused with a 401 before they
/// expired (revoked, or rotated early: the provider would serve them until 5 minutes before
/// their expiry). Whether there are new ones to sign with.
async fn renew(provider: &Provider, refused: &std::sync::Arc<Credentials>) -> bool {
    tracing::info!(
        source = %Escaped(&provider.source),
        "the service refused the temporary credentials (401): fetching new ones and trying once more"
    );
    match provider.refresh_refused(refused).await {
        Some(Ok(_)) => true,
        Some(Err(error)) => {
            tracing::warn!(error = %Escaped(&error), "no new credentials: the 401 stands");
            false
        }
        None => false,
    }
}

fn log_retry(outcome: &Attempt, failed: u32, delay: Duration) {
    let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
    match outcome {
        Ok((head, _)) => tracing::warn!(
            status = head.status.as_u16(),
            delay_ms,
            "attempt {failed} failed; retrying"
        ),
        Err(error) => tracing::warn!(
            error = %Escaped(error),
            delay_ms,
            "attempt {failed} failed; retrying"
        ),
    }
}

/// Adds what the credentials require. Header values were checked when the client was built.
fn authenticate(
    config: &ClientConfig,
    credentials: Option<&Credentials>,
    request: &mut reqwest::Request,
    now: SystemTime,
) -> Result<(), SigningError> {
    match credentials {
        None => Ok(()),
        Some(Credentials::Token(token)) => {
            let headers = request.headers_mut();
            // A token given to the operation itself (`.x_auth_token(...)`) wins.
            if !headers.contains_key(TOKEN_HEADER)
                && let Some(value) = signing::secret_header(token.expose_secret())
            {
                headers.insert(TOKEN_HEADER, value);
            }
            Ok(())
        }
        Some(Credentials::AkSk(keys)) => {
            if let Some(project) = config.project_id.as_deref()
                && let Ok(value) = http::HeaderValue::from_bytes(project.as_bytes())
            {
                request
                    .headers_mut()
                    .insert(signing::PROJECT_ID_HEADER, value);
            }
            config.signer.sign(request, keys, now)
        }
    }
}

const TOKEN_HEADER: HeaderName = HeaderName::from_static("x-auth-token");

/// Sends one attempt and reads the whole body, up to `limit` bytes.
async fn send(client: &reqwest::Client, request: reqwest::Request, limit: usize) -> Attempt {
    receive(client.execute(request).await?, limit).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use workspace_app_test_support::stub::{Reply, Stub};

    /// How many requests a call with `method` makes to a server that answers with `reply`
    /// (an operation the spec does not name: its method decides), up to 3 attempts.
    async fn attempts_made(method: reqwest::Method, reply: Reply) -> usize {
        let stub = Stub::scripted(vec![reply]).await;
        let config = ClientConfig {
            retry: crate::RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(1)),
            ..ClientConfig::default()
        };
        let client = crate::test_support::http();
        let request = client
            .request(method, format!("{}/v1/p/x", stub.url()))
            .body("{}")
            .build()
            .unwrap();
        let info = OperationInfo {
            operation_id: "not_in_the_spec",
        };
        let _ = execute(&client, &config, request, &info).await;
        stub.requests()
    }

    #[tokio::test]
    async fn a_post_is_retried_only_when_the_service_cannot_have_acted() {
        use reqwest::Method;
        let error = r#"{"error_code": "WKS.0500", "error_msg": "x"}"#;
        // After the body was sent and the service may have acted: once for a POST or PATCH.
        for reply in [
            Reply::json(500, error),
            Reply::json(502, error),
            Reply::json(503, error),
            Reply::json(504, error),
            Reply::Reset,
        ] {
            for method in [Method::POST, Method::PATCH] {
                assert_eq!(
                    attempts_made(method.clone(), reply.clone()).await,
                    1,
                    "{method} {reply:?}"
                );
            }
            assert_eq!(
                attempts_made(Method::GET, reply.clone()).await,
                3,
                "GET {reply:?}"
            );
            assert_eq!(
                attempts_made(Method::DELETE, reply.clone()).await,
                3,
                "DELETE {reply:?}"
            );
        }
        // Turned away before it was looked at: retried whatever the method.
        for reply in [
            Reply::json(429, error),
            Reply::json(503, error).header("retry-after", "0"),
        ] {
            assert_eq!(
                attempts_made(Method::POST, reply.clone()).await,
                3,
                "POST {reply:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_post_that_could_not_connect_may_be_sent_again() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/x", listener.local_addr().unwrap());
        drop(listener);
        let error = crate::test_support::http()
            .post(url)
            .send()
            .await
            .expect_err("nothing listens");
        assert!(
            crate::retry::may_retry_transport(&error, false),
            "{error:?}"
        );
    }

    #[tokio::test]
    async fn a_request_that_cannot_be_signed_is_not_sent() {
        // The builder refuses such keys; the transport still never sends unsigned.
        let config = ClientConfig {
            credentials: Some(crate::credentials::Provider::fixed(
                crate::CredentialSource::Explicit,
                Credentials::ak_sk("AK\nSECRET", "sk"),
            )),
            project_id: Some("p".into()),
            ..ClientConfig::default()
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v1/p/x", listener.local_addr().unwrap());
        let client = crate::test_support::http();
        let request = client.get(url).build().unwrap();
        let info = OperationInfo {
            operation_id: "list_sub_jobs",
        };
        let outcome = execute(&client, &config, request, &info).await;
        let Err(Failure::Rejected(rejected)) = &outcome else {
            panic!("expected a rejection, got {outcome:?}");
        };
        assert!(rejected.head.is_none());
        assert!(
            matches!(
                rejected.rejection,
                Rejection::Unsigned(SigningError::InvalidHeaderValue {
                    header: "authorization"
                })
            ),
            "{rejected:?}"
        );
        // Nothing reached the server.
        let accepted = tokio::time::timeout(Duration::from_millis(50), listener.accept()).await;
        assert!(accepted.is_err(), "a connection was made");
    }
}
