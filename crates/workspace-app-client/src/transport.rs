//! What happens to each request on its way out: credentials and signing, the per-attempt
//! timeout, retries with backoff, and a bounded read of the response body.

use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use progenitor_client::OperationInfo;
use reqwest::ResponseBuilderExt;
use reqwest::header::{AUTHORIZATION, HOST, HeaderName, HeaderValue, RETRY_AFTER};
use secrecy::ExposeSecret;
use tracing::{Instrument, field};

use crate::ClientConfig;
use crate::credentials::Credentials;
use crate::deadline;
use crate::error::{BufferedBody, ResponseTooLarge, request_id};
use crate::retry::{is_retryable_status, is_retryable_transport, parse_retry_after};
use crate::signing::{self, SignableRequest};

/// Sends `request` as the configuration says, retrying what may be retried. The body of the
/// returned response is already in memory (or, over the limit, replaced by an error).
pub(crate) async fn execute(
    client: &reqwest::Client,
    config: &ClientConfig,
    request: reqwest::Request,
    info: &OperationInfo,
) -> reqwest::Result<reqwest::Response> {
    let span = tracing::info_span!(
        "workspace_app.call",
        operation = info.operation_id,
        attempt = field::Empty,
        status = field::Empty,
        request_id = field::Empty,
    );
    attempts(client, config, request).instrument(span).await
}

async fn attempts(
    client: &reqwest::Client,
    config: &ClientConfig,
    request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    let span = tracing::Span::current();
    let started = tokio::time::Instant::now();
    let mut failed = 0;
    // Each attempt is signed afresh from a copy of the unsigned request.
    let mut next = Some(request);
    while let Some(mut attempt) = next.take() {
        // `None` for a streaming body, which cannot be replayed: then this is the last try.
        let replay = attempt.try_clone();
        span.record("attempt", failed + 1);
        authenticate(config, &mut attempt, SystemTime::now());
        if let Some(timeout) = config.attempt_timeout {
            // Within a wait, an attempt ends by the wait's deadline.
            let timeout = deadline::remaining().map_or(timeout, |left| timeout.min(left));
            *attempt.timeout_mut() = Some(timeout);
        }
        let outcome = send_buffered(client, attempt, config.max_response_bytes).await;
        failed += 1;

        let retry_after = match &outcome {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                if let Some(id) = request_id(response.headers()) {
                    span.record("request_id", id);
                }
                if !is_retryable_status(response.status()) {
                    return outcome;
                }
                response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, SystemTime::now()))
            }
            Err(error) if is_retryable_transport(error) => None,
            Err(_) => return outcome,
        };
        let Some(delay) = config.retry.delay(failed, started.elapsed(), retry_after) else {
            return outcome;
        };
        // A retry that would start after the deadline in force is not worth waiting for.
        if deadline::remaining().is_some_and(|left| delay >= left) {
            return outcome;
        }
        if replay.is_none() {
            return outcome;
        }
        log_retry(&outcome, failed, delay);
        tokio::time::sleep(delay).await;
        next = replay;
    }
    unreachable!("the loop returns the outcome of its last attempt")
}

fn log_retry(outcome: &reqwest::Result<reqwest::Response>, failed: u32, delay: Duration) {
    let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
    match outcome {
        Ok(response) => tracing::warn!(
            status = response.status().as_u16(),
            delay_ms,
            "attempt {failed} failed; retrying"
        ),
        Err(error) => tracing::warn!(%error, delay_ms, "attempt {failed} failed; retrying"),
    }
}

/// Adds what the credentials require. Header values were checked when the client was built.
fn authenticate(config: &ClientConfig, request: &mut reqwest::Request, now: SystemTime) {
    let Some(credentials) = &config.credentials else {
        return;
    };
    let headers = request.headers_mut();
    match credentials {
        Credentials::Token(token) => {
            // A token given to the operation itself (`.x_auth_token(...)`) wins.
            if !headers.contains_key(TOKEN_HEADER)
                && let Some(value) = secret_header(token.expose_secret())
            {
                headers.insert(TOKEN_HEADER, value);
            }
        }
        Credentials::AkSk(keys) => {
            if let Some(host) = signing::host_header(request.url()) {
                request.headers_mut().insert(HOST, host);
            }
            let headers = request.headers_mut();
            if let Ok(date) = HeaderValue::from_str(&signing::format_sdk_date(now)) {
                headers.insert(signing::SDK_DATE_HEADER, date);
            }
            if let Some(project) = config.project_id.as_deref()
                && let Ok(value) = HeaderValue::from_bytes(project.as_bytes())
            {
                headers.insert(signing::PROJECT_ID_HEADER, value);
            }
            if let Some(token) = &keys.security_token
                && let Some(value) = secret_header(token.expose_secret())
            {
                headers.insert(signing::SECURITY_TOKEN_HEADER, value);
            }
            let body = request.body().and_then(reqwest::Body::as_bytes);
            let body_sha256 = signing::body_sha256(body.unwrap_or_default());
            let authorization = signing::authorization_for(
                &SignableRequest {
                    method: request.method().as_str(),
                    path: request.url().path(),
                    query: request.url().query(),
                    headers: request.headers(),
                    body_sha256: &body_sha256,
                },
                keys.ak.expose_secret(),
                keys.sk.expose_secret().as_bytes(),
            );
            if let Some(value) = secret_header(&authorization) {
                request.headers_mut().insert(AUTHORIZATION, value);
            }
        }
    }
}

const TOKEN_HEADER: HeaderName = HeaderName::from_static("x-auth-token");

/// A header value that `Debug` shows as `Sensitive`.
fn secret_header(value: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(value).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// Sends one attempt and reads the whole body, up to `limit` bytes.
async fn send_buffered(
    client: &reqwest::Client,
    request: reqwest::Request,
    limit: usize,
) -> reqwest::Result<reqwest::Response> {
    let mut response = client.execute(request).await?;
    let head = head_of(&response);

    let too_large = |head: http::response::Builder| {
        let error = ResponseTooLarge { limit };
        // Whoever reads this body gets the error; the marker lets errors built from the
        // response's head say the same.
        let body = reqwest::Body::wrap_stream(futures_util::stream::once(async move {
            Err::<Bytes, _>(error)
        }));
        into_response(head.extension(error), body)
    };
    let length = response.content_length();
    if length.is_some_and(|length| length > limit as u64) {
        return Ok(too_large(head));
    }
    // One allocation when the length is announced (it is within the limit here).
    let mut body = BytesMut::with_capacity(length.map_or(0, |n| n as usize));
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(too_large(head));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    Ok(into_response(
        head.extension(BufferedBody(body.clone())),
        reqwest::Body::from(body),
    ))
}

fn into_response(head: http::response::Builder, body: reqwest::Body) -> reqwest::Response {
    // Every part was taken from a valid response, so building cannot fail.
    match head.body(body) {
        Ok(response) => reqwest::Response::from(response),
        Err(_) => unreachable!("status, version and headers come from a valid response"),
    }
}

/// A copy of a buffered response (see [`send_buffered`]), for errors that take ownership.
pub(crate) fn copy_buffered(response: &reqwest::Response) -> Option<reqwest::Response> {
    let BufferedBody(body) = response.extensions().get::<BufferedBody>()?.clone();
    let head = head_of(response).extension(BufferedBody(body.clone()));
    Some(into_response(head, reqwest::Body::from(body)))
}

/// Status, version, URL and headers of `response`, ready for a new body.
fn head_of(response: &reqwest::Response) -> http::response::Builder {
    let head = http::Response::builder()
        .status(response.status())
        .version(response.version())
        .url(response.url().clone());
    response
        .headers()
        .iter()
        .fold(head, |head, (name, value)| head.header(name, value))
}
