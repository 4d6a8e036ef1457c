//! [`ApiError`]: an error status from the service, and how its body is read in every
//! shape Huawei's services write.

use std::error::Error as StdError;
use std::fmt;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::generated::types;
use crate::retry::is_retryable_status;

/// Most bytes of a response body an error keeps.
pub const BODY_SNIPPET_LIMIT: usize = 512;
/// The response header Huawei Cloud uses to identify a request in support cases.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// An error status from the service, with whatever the body and headers said.
///
/// The body is read in every shape Huawei's services write: `{error_code, error_msg}`, `{errorCode, errorMsg}`,
/// `{code, message}`, the same nested in an object (`{"error": {"code": .., "message": ..}}`),
/// and `encoded_authorization_message` beside any of them on a 403 policy denial.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The service's `error_code`, e.g. `WKS.0001`, when the body carried one (also read
    /// from `errorCode` or `code`, at the top level or in a nested object).
    pub error_code: Option<String>,
    /// The service's `error_msg`, when the body carried one (also read from `errorMsg` or
    /// `message`).
    pub error_msg: Option<String>,
    /// The `encoded_authorization_message` of a 403 policy denial: an opaque, encoded
    /// account of which policy refused the action, for the account's administrator to
    /// decode with IAM. `Display` shows only its first characters. (Boxed: it is rare, and
    /// keeps [`Error`](crate::Error) small.)
    pub encoded_authorization_message: Option<Box<str>>,
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

    /// The error a response stands for: the documented `{error_code, error_msg}` when the
    /// body is one that says something (whatever the status: an undocumented 429 or 502 may
    /// carry it too), the body's first bytes otherwise.
    pub(crate) fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let (said, body_snippet) = match ErrorBody::parse(body) {
            Some(said) => (said, None),
            None => (ErrorBody::default(), Some(snippet(body))),
        };
        ApiError {
            status,
            error_code: said.code,
            error_msg: said.message,
            encoded_authorization_message: said
                .encoded_authorization_message
                .map(String::into_boxed_str),
            request_id: request_id(headers),
            body_snippet,
        }
    }

    /// An error with this status and nothing else known (no body, no request ID), for
    /// tests and for callers that build their own; fill the public fields as needed.
    pub fn new(status: StatusCode) -> Self {
        ApiError {
            status,
            error_code: None,
            error_msg: None,
            encoded_authorization_message: None,
            request_id: None,
            body_snippet: None,
        }
    }
}

impl StdError for ApiError {}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the service answered {}", self.status)?;
        match (&self.error_code, &self.error_msg) {
            (Some(code), Some(msg)) => write!(f, ": {code}: {msg}")?,
            (Some(text), None) | (None, Some(text)) => write!(f, ": {text}")?,
            (None, None) => {}
        }
        if let Some(encoded) = &self.encoded_authorization_message {
            write!(
                f,
                "; encoded authorization message {}",
                Shortened(encoded, ENCODED_MESSAGE_SHOWN_CHARS)
            )?;
        }
        if let Some(snippet) = &self.body_snippet {
            write!(f, "; body starts with {snippet:?}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// Whether `body` is the documented `{error_code, error_msg}` body, saying something, and
/// nothing the generated `ErrorResponse` would drop (an `encoded_authorization_message`):
/// such a body goes to progenitor as the operation's typed error; any other is read by
/// [`ErrorBody::parse`].
pub(crate) fn is_documented_error(body: &[u8]) -> bool {
    let Ok(serde_json::Value::Object(object)) = serde_json::from_slice(body) else {
        return false;
    };
    !object.contains_key(ENCODED_AUTHORIZATION_MESSAGE)
        && [ERROR_CODE_KEYS[0], ERROR_MSG_KEYS[0]]
            .iter()
            .any(|key| object.get(*key).is_some_and(serde_json::Value::is_string))
        && serde_json::from_value::<types::ErrorResponse>(serde_json::Value::Object(object)).is_ok()
}

const ENCODED_AUTHORIZATION_MESSAGE: &str = "encoded_authorization_message";
/// The code's keys, in the order Huawei's core SDK tries them (`exception_handler.py`), each
/// with the message key of the same position.
const ERROR_CODE_KEYS: [&str; 3] = ["error_code", "errorCode", "code"];
const ERROR_MSG_KEYS: [&str; 3] = ["error_msg", "errorMsg", "message"];
/// How deep nested objects are searched for an error (`{"error": {..}}` is depth 1).
const MAX_ERROR_NESTING: usize = 4;
/// Characters of an encoded authorization message `Display` shows.
const ENCODED_MESSAGE_SHOWN_CHARS: usize = 40;

/// What an error body said, in any shape Huawei's services write.
#[derive(Debug, Default, PartialEq, Eq)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    encoded_authorization_message: Option<String>,
}

impl ErrorBody {
    /// Reads a JSON object body: the first pair of `error_code`/`error_msg`,
    /// `errorCode`/`errorMsg`, `code`/`message` at the top level, else in nested objects
    /// (depth first, in the body's order, up to [`MAX_ERROR_NESTING`] deep), with
    /// `encoded_authorization_message` from wherever it is. Unlike Huawei's core SDK, which
    /// needs both keys of a pair, one of them is enough, and a numeric code is read as
    /// text. `None` when the body says none of it.
    fn parse(body: &[u8]) -> Option<ErrorBody> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let mut said = ErrorBody::default();
        said.read(&value, 0);
        (said != ErrorBody::default()).then_some(said)
    }

    fn read(&mut self, value: &serde_json::Value, depth: usize) {
        let serde_json::Value::Object(object) = value else {
            return;
        };
        if self.encoded_authorization_message.is_none() {
            self.encoded_authorization_message =
                object.get(ENCODED_AUTHORIZATION_MESSAGE).and_then(text);
        }
        if self.code.is_none() && self.message.is_none() {
            for (code_key, msg_key) in ERROR_CODE_KEYS.iter().zip(ERROR_MSG_KEYS) {
                let code = object.get(*code_key).and_then(text);
                let message = object.get(msg_key).and_then(text);
                if code.is_some() || message.is_some() {
                    (self.code, self.message) = (code, message);
                    break;
                }
            }
        }
        if depth < MAX_ERROR_NESTING {
            for nested in object.values() {
                if self.code.is_some() && self.encoded_authorization_message.is_some() {
                    return;
                }
                self.read(nested, depth + 1);
            }
        }
    }
}

/// A JSON string, or a number as text (some gateways send `"code": 403`).
fn text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) if !text.is_empty() => Some(text.clone()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Text cut to a number of characters, with how long it was when cut.
struct Shortened<'a>(&'a str, usize);

impl fmt::Display for Shortened<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Shortened(text, shown) = *self;
        let count = text.chars().count();
        if count <= shown {
            return write!(f, "{text:?}");
        }
        let cut: String = text.chars().take(shown).collect();
        write!(f, "{cut:?}… ({count} characters in all)")
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

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
            error_code: Some("WKS.0001".into()),
            error_msg: Some("busy".into()),
            request_id: Some("req-1".into()),
            ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE)
        };
        assert_eq!(
            error.to_string(),
            "the service answered 503 Service Unavailable: WKS.0001: busy (request id req-1)"
        );
        assert!(error.is_retryable());
        let html = ApiError {
            body_snippet: Some("<html>bad gateway</html>".into()),
            ..ApiError::new(StatusCode::BAD_GATEWAY)
        };
        assert_eq!(
            html.to_string(),
            "the service answered 502 Bad Gateway; body starts with \"<html>bad gateway</html>\""
        );
    }

    fn api(body: &str) -> ApiError {
        ApiError::from_response(StatusCode::FORBIDDEN, &HeaderMap::new(), body.as_bytes())
    }

    fn said(error: &ApiError) -> (Option<&str>, Option<&str>) {
        (error.error_code.as_deref(), error.error_msg.as_deref())
    }

    #[test]
    fn every_error_body_shape_huawei_writes_is_read() {
        let cases = [
            (
                r#"{"error_code":"WKS.0001","error_msg":"busy"}"#,
                "WKS.0001",
                "busy",
            ),
            (
                r#"{"errorCode":"APIGW.0301","errorMsg":"Incorrect IAM authentication information"}"#,
                "APIGW.0301",
                "Incorrect IAM authentication information",
            ),
            (
                r#"{"code":"IAM.0011","message":"Request parameter error"}"#,
                "IAM.0011",
                "Request parameter error",
            ),
            (
                r#"{"error":{"code":"APIGW.0101","message":"The API does not exist"}}"#,
                "APIGW.0101",
                "The API does not exist",
            ),
            (
                r#"{"error":{"error_code":"WKS.0002","error_msg":"nested"},"request_id":"r"}"#,
                "WKS.0002",
                "nested",
            ),
            // A numeric code, as some gateways send it.
            (r#"{"code":403,"message":"forbidden"}"#, "403", "forbidden"),
        ];
        for (body, code, message) in cases {
            let error = api(body);
            assert_eq!(said(&error), (Some(code), Some(message)), "{body}");
            assert_eq!(error.body_snippet, None, "{body}");
            assert!(
                error.to_string().contains(&format!(": {code}: {message}")),
                "{error}"
            );
        }
        // The documented keys win over the others, as in Huawei's core SDK.
        let both = api(r#"{"code":"X","message":"x","error_code":"WKS.1","error_msg":"y"}"#);
        assert_eq!(said(&both), (Some("WKS.1"), Some("y")));
        // One key of a pair is enough.
        assert_eq!(said(&api(r#"{"message":"only"}"#)), (None, Some("only")));
        // Bodies that say nothing are kept as a snippet.
        for body in [
            "{}",
            "[]",
            r#"{"error":{}}"#,
            "<html>denied</html>",
            r#"{"error":"x"}"#,
        ] {
            let error = api(body);
            assert_eq!(said(&error), (None, None), "{body}");
            assert_eq!(error.body_snippet.as_deref(), Some(body));
        }
    }

    #[test]
    fn a_policy_denial_keeps_its_encoded_message_and_shows_it_short() {
        let encoded = format!("ENC{}", "A".repeat(300));
        let body = format!(
            r#"{{"error_code":"WKS.0403","error_msg":"Policy doesn't allow workspace:jobs:listSubJobs to be performed.","encoded_authorization_message":"{encoded}"}}"#
        );
        // Not the plain documented body: the transport reads it here, keeping the message.
        assert!(!is_documented_error(body.as_bytes()));
        assert!(is_documented_error(
            br#"{"error_code":"WKS.1","error_msg":"m"}"#
        ));
        let error = api(&body);
        assert_eq!(error.error_code.as_deref(), Some("WKS.0403"));
        assert_eq!(
            error.encoded_authorization_message.as_deref(),
            Some(encoded.as_str())
        );
        let shown = error.to_string();
        assert!(
            shown.contains("; encoded authorization message \"ENCAAAA"),
            "{shown}"
        );
        assert!(shown.contains("… (303 characters in all)"), "{shown}");
        assert!(!shown.contains(&encoded), "{shown}");
        let error = Error::Api(error);
        assert_eq!(
            error.encoded_authorization_message(),
            Some(encoded.as_str())
        );
        // Nested beside a nested error, too.
        let nested = api(
            r#"{"error":{"code":"IAM.1","message":"denied","encoded_authorization_message":"E1"}}"#,
        );
        assert_eq!(nested.encoded_authorization_message.as_deref(), Some("E1"));
        assert_eq!(said(&nested), (Some("IAM.1"), Some("denied")));
    }
}
