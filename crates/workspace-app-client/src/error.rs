//! The error every hand-written entry point returns, and the conversion from the generated
//! client's error.

use std::fmt;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::retry::is_retryable_status;
use crate::types;

/// The error of the generated operations (`client.list_sub_jobs()...send()`); convert it
/// with `?` or `Error::from` to get [`Error`]'s accessors.
pub type GeneratedError = progenitor_client::Error<types::ErrorResponse>;

/// Most bytes of a response body an error keeps.
pub const BODY_SNIPPET_LIMIT: usize = 512;
/// The response header Huawei Cloud uses to identify a request in support cases.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request parameter breaks the spec; nothing was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The service answered with an error status.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// No usable response: could not connect, timed out, or the connection broke.
    #[error("transport error: {}", DisplayChain(.0))]
    Transport(#[source] reqwest::Error),
    /// The server answered with a redirect (3xx). Redirects are never followed: the request
    /// carries credentials meant for the endpoint alone.
    #[error(
        "the server answered {status} with a redirect to {}; redirects are not followed, so the credentials stay with the endpoint they were meant for",
        location.as_deref().map_or_else(|| "nowhere (no Location header)".to_string(), |l| format!("{l:?}"))
    )]
    Redirect {
        /// The HTTP status (301, 302, 303, 307, 308...).
        status: StatusCode,
        /// The `Location` header as sent (its first bytes, lossy UTF-8), if there was one.
        location: Option<String>,
    },
    /// The response body was larger than the configured limit; it was not read further.
    #[error("the response body exceeds the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// A successful status with a body that is not the documented JSON.
    #[error("invalid response body: {source}; body starts with {snippet:?}")]
    InvalidResponse {
        /// Why the body does not parse.
        source: serde_json::Error,
        /// The first bytes of the body (lossy UTF-8).
        snippet: String,
    },
    /// The client could not be built from its settings.
    #[error(transparent)]
    Build(#[from] crate::BuildError),
    /// A waiting or paging helper gave up, or another error of the hand-written layers.
    #[error("{0}")]
    Other(String),
}

/// An error status from the service, with whatever the body and headers said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The service's `error_code`, e.g. `WKS.0001`, when the body carried one.
    pub error_code: Option<String>,
    /// The service's `error_msg`, when the body carried one.
    pub error_msg: Option<String>,
    /// The `X-Request-Id` response header.
    pub request_id: Option<String>,
    /// The first bytes of a body that was not the documented JSON (an HTML gateway page,
    /// an empty or truncated body); `None` when the body parsed.
    pub body_snippet: Option<String>,
}

impl ApiError {
    /// Whether trying again may succeed: 429, 500, 502, 503 and 504.
    pub fn is_retryable(&self) -> bool {
        is_retryable_status(self.status)
    }
}

impl std::error::Error for ApiError {}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the service answered {}", self.status)?;
        match (&self.error_code, &self.error_msg) {
            (Some(code), Some(msg)) => write!(f, ": {code}: {msg}")?,
            (Some(text), None) | (None, Some(text)) => write!(f, ": {text}")?,
            (None, None) => {}
        }
        if let Some(snippet) = &self.body_snippet {
            write!(f, "; body starts with {snippet:?}")?;
        }
        write!(f, "{}", RequestIdSuffix(self.request_id.as_deref()))
    }
}

impl Error {
    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Redirect { status, .. } => Some(*status),
            Error::Transport(e) => e.status(),
            _ => None,
        }
    }

    /// The `X-Request-Id` of the response, for a support case.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.request_id.as_deref(),
            _ => None,
        }
    }

    /// The service's `error_code`, when it sent one.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.error_code.as_deref(),
            _ => None,
        }
    }

    /// The service's `error_msg`, when it sent one.
    pub fn error_msg(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.error_msg.as_deref(),
            _ => None,
        }
    }

    /// Whether trying again may succeed: transport failures and 429, 500, 502, 503, 504.
    /// The client has already retried these as its `RetryPolicy` allows.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(api) => api.is_retryable(),
            Error::Transport(e) => crate::retry::is_retryable_transport(e),
            _ => false,
        }
    }

    /// Whether the call timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(e) if e.is_timeout())
    }
}

impl From<GeneratedError> for Error {
    fn from(error: GeneratedError) -> Self {
        use progenitor_client::Error as E;
        match error {
            E::InvalidRequest(message) => Error::InvalidRequest(message),
            E::ErrorResponse(response) => {
                let (status, headers) = (response.status(), response.headers().clone());
                let body = response.into_inner();
                Error::Api(ApiError {
                    status,
                    error_code: body.error_code,
                    error_msg: body.error_msg,
                    request_id: request_id(&headers),
                    body_snippet: None,
                })
            }
            E::UnexpectedResponse(response) if response.status().is_redirection() => {
                Error::Redirect {
                    status: response.status(),
                    location: response
                        .headers()
                        .get(reqwest::header::LOCATION)
                        .map(|v| snippet(v.as_bytes())),
                }
            }
            E::UnexpectedResponse(response) => {
                if let Some(too_large) = response.extensions().get::<ResponseTooLarge>() {
                    return Error::ResponseTooLarge {
                        limit: too_large.limit,
                    };
                }
                let body = response
                    .extensions()
                    .get::<BufferedBody>()
                    .map(|b| b.0.clone())
                    .unwrap_or_default();
                // An undocumented status (429, 502, 504...) may still carry the usual body.
                let (error_code, error_msg, body_snippet) = match documented_error(&body) {
                    Some(e) => (e.error_code, e.error_msg, None),
                    None => (None, None, Some(snippet(&body))),
                };
                Error::Api(ApiError {
                    status: response.status(),
                    error_code,
                    error_msg,
                    request_id: request_id(response.headers()),
                    body_snippet,
                })
            }
            E::InvalidResponsePayload(body, source) => Error::InvalidResponse {
                source,
                snippet: snippet(&body),
            },
            E::CommunicationError(e) | E::InvalidUpgrade(e) => Error::Transport(e),
            E::ResponseBodyError(e) => match find_cause::<ResponseTooLarge>(&e) {
                Some(too_large) => Error::ResponseTooLarge {
                    limit: too_large.limit,
                },
                None => Error::Transport(e),
            },
            E::Custom(message) => Error::Other(message),
        }
    }
}

/// The body of a response, kept in its extensions by the transport so that errors built
/// without async access to the body can still show it.
#[derive(Debug, Clone)]
pub(crate) struct BufferedBody(pub(crate) Bytes);

/// Marks a response whose body went over the limit; also the error its body stream yields.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the response body exceeds the limit of {limit} bytes")]
pub(crate) struct ResponseTooLarge {
    pub(crate) limit: usize,
}

/// The documented `{error_code, error_msg}` body, if `body` is one that says something.
pub(crate) fn documented_error(body: &[u8]) -> Option<types::ErrorResponse> {
    serde_json::from_slice::<types::ErrorResponse>(body)
        .ok()
        .filter(|e| e.error_code.is_some() || e.error_msg.is_some())
}

pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID_HEADER)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// The first [`BODY_SNIPPET_LIMIT`] bytes, as lossy UTF-8, cut at a character boundary.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(BODY_SNIPPET_LIMIT)]);
    let mut text = text.into_owned();
    if body.len() > BODY_SNIPPET_LIMIT {
        // A cut multi-byte character shows as U+FFFD; mark the cut itself.
        text.push('…');
    }
    text
}

fn find_cause<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

struct RequestIdSuffix<'a>(Option<&'a str>);

impl fmt::Display for RequestIdSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " (request id {id})"),
            None => Ok(()),
        }
    }
}

/// An error and its causes on one line: reqwest's own message is often just "error
/// sending request".
struct DisplayChain<'a>(&'a reqwest::Error);

/// Most characters of a request URL an error shows: a long query parameter would
/// otherwise be echoed whole.
const URL_SHOWN_CHARS: usize = 200;

impl fmt::Display for DisplayChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string();
        match self.0.url().map(reqwest::Url::as_str) {
            Some(url) if url.chars().count() > URL_SHOWN_CHARS => {
                let cut: String = url.chars().take(URL_SHOWN_CHARS).collect();
                let short = format!("{cut}… ({} bytes in all)", url.len());
                write!(f, "{}", text.replace(url, &short))?;
            }
            _ => write!(f, "{text}")?,
        }
        let mut source = std::error::Error::source(self.0);
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_bounded_and_mark_the_cut() {
        assert_eq!(snippet(b"<html>"), "<html>");
        let long = vec![b'x'; 10_000];
        let cut = snippet(&long);
        assert_eq!(cut.chars().count(), BODY_SNIPPET_LIMIT + 1);
        assert!(cut.ends_with('…'));
        // A multi-byte character cut in half does not panic.
        let mut text = vec![b'a'; BODY_SNIPPET_LIMIT - 1];
        text.extend("é".as_bytes());
        assert!(snippet(&text).starts_with('a'));
    }

    #[test]
    fn api_errors_read_well() {
        let error = ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            error_code: Some("WKS.0001".into()),
            error_msg: Some("busy".into()),
            request_id: Some("req-1".into()),
            body_snippet: None,
        };
        assert_eq!(
            error.to_string(),
            "the service answered 503 Service Unavailable: WKS.0001: busy (request id req-1)"
        );
        assert!(error.is_retryable());
        let html = ApiError {
            status: StatusCode::BAD_GATEWAY,
            error_code: None,
            error_msg: None,
            request_id: None,
            body_snippet: Some("<html>bad gateway</html>".into()),
        };
        assert_eq!(
            html.to_string(),
            "the service answered 502 Bad Gateway; body starts with \"<html>bad gateway</html>\""
        );
    }
}
