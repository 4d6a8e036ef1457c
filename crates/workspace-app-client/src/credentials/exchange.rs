//! What the exchanges of an ID token at IAM ([federation](super::federation)) and STS
//! ([OIDC](super::oidc)) share: the client's HTTP client and timeout, the check of their
//! endpoints (as the API endpoint's: no user name or password, https unless this machine),
//! a JSON `POST` whose error answer becomes a [`Refusal`] with nothing of the token in it,
//! and why a fetch of temporary credentials failed ([`FetchError`]).

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use secrecy::{ExposeSecret, SecretString};

use super::source::{CredentialSource, CredentialsError, TokenRefusal};
use crate::error::ApiError;
use crate::escaped::Escaped;
use crate::http::body;
use crate::http::endpoint::{remote_plain_http_host, without_userinfo};

/// Most bytes of an answer read: temporary credentials, or an error body.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// What Huawei's SDKs send the JSON of these exchanges as.
const JSON: &str = "application/json;charset=UTF-8";

/// The client's HTTP client (its proxy, CA and TLS settings, no redirects) and the time one
/// exchange request may take.
#[derive(Clone, Debug)]
pub(crate) struct ExchangeHttp {
    pub(crate) http: reqwest::Client,
    pub(crate) timeout: Option<Duration>,
}

/// Why temporary credentials could not be had.
#[derive(Clone, Debug)]
pub(crate) enum FetchError {
    /// Said in a sentence: a service out of reach, an answer that is not credentials, a
    /// token file that cannot be read.
    Reason(String),
    /// IAM or STS answered the token's exchange with an error status.
    Refused(ErrorAnswer),
}

/// An error answer to an exchange, as [`CredentialsError::Refused`] carries it.
#[derive(Clone, Debug)]
pub(crate) struct ErrorAnswer {
    url: String,
    status: u16,
    error_code: Option<String>,
    error_msg: Option<String>,
    request_id: Option<String>,
}

impl From<String> for FetchError {
    fn from(reason: String) -> Self {
        FetchError::Reason(reason)
    }
}

impl FetchError {
    /// The error, naming its source.
    pub(crate) fn into_error(self, from: CredentialSource) -> CredentialsError {
        match self {
            FetchError::Reason(reason) => CredentialsError::Unusable { from, reason },
            FetchError::Refused(answer) => CredentialsError::Refused(Box::new(TokenRefusal {
                from,
                url: answer.url,
                status: answer.status,
                error_code: answer.error_code,
                error_msg: answer.error_msg,
                request_id: answer.request_id,
            })),
        }
    }

    /// In a sentence, without the source (for a log line, or a list that names it).
    pub(crate) fn reason(&self) -> String {
        match self {
            FetchError::Reason(reason) => reason.clone(),
            FetchError::Refused(refusal) => {
                let mut text = format!("{} answered {}", refusal.url, refusal.status);
                for said in [&refusal.error_code, &refusal.error_msg]
                    .into_iter()
                    .flatten()
                {
                    text.push_str(&format!(": {}", Escaped(said)));
                }
                if let Some(id) = &refusal.request_id {
                    text.push_str(&format!(" (request id {})", Escaped(id)));
                }
                text
            }
        }
    }
}

/// An IAM or STS base URL, checked as the API endpoint is: it parses, holds no user name or
/// password, has no query, and is `https` unless it is this machine or plain http is
/// allowed (`allow_insecure_http`): the ID token and the credentials travel there. The URL
/// as parsed, without a trailing `/`; the error never shows a password.
pub(crate) fn checked_endpoint(given: &str, allow_insecure_http: bool) -> Result<String, String> {
    let url = reqwest::Url::parse(given)
        // Not echoed: an unparsable URL may still hold a password.
        .map_err(|e| format!("the endpoint is not a URL ({e})"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "the endpoint {} has a user name or password (`user:pass@`), which it never takes",
            without_userinfo(&url)
        ));
    }
    let shown = url.as_str().trim_end_matches('/').to_string();
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "the endpoint {shown}: a base URL has no query or fragment"
        ));
    }
    match url.scheme() {
        "https" => Ok(shown),
        "http" if allow_insecure_http || remote_plain_http_host(&url).is_none() => Ok(shown),
        "http" => Err(format!(
            "the endpoint {shown} is plain http to a host other than this machine: the ID token \
             and the credentials would travel in the clear; use https (or allow_insecure_http)"
        )),
        _ => Err(format!(
            "the endpoint {shown}: the scheme must be http or https"
        )),
    }
}

/// `POST url` with this JSON body and headers. A 2xx answer is returned; any other status
/// is a [`Refusal`], its message with every occurrence of a `secret` (the ID token, the
/// unscoped token) taken out. Errors say why, never with a secret.
pub(crate) async fn post_json(
    http: &ExchangeHttp,
    url: &str,
    headers: &[(&str, &str)],
    body: &serde_json::Value,
    secrets: &[&SecretString],
) -> Result<reqwest::Response, FetchError> {
    let mut request = http
        .http
        .post(url)
        .header(CONTENT_TYPE, JSON)
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(timeout) = http.timeout {
        request = request.timeout(timeout);
    }
    let response = request
        .send()
        .await
        // Without the URL of the request reqwest would add: it is said once, here.
        .map_err(|e| {
            format!(
                "cannot reach {url}: {}",
                crate::DisplayErrorChain(&e.without_url())
            )
        })?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let headers = response.headers().clone();
    // An error body that cannot be read whole says nothing more than its status.
    let body = body::read_limited(response, MAX_BODY_BYTES)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let said = ApiError::from_response(status, &headers, &body);
    let redact = |text: String| redacted(text, secrets);
    Err(FetchError::Refused(ErrorAnswer {
        url: url.to_string(),
        status: status.as_u16(),
        error_code: said.error_code.map(redact),
        error_msg: said.error_msg.map(redact),
        request_id: said.request_id,
    }))
}

/// The whole body of a 2xx answer, up to [`MAX_BODY_BYTES`].
pub(crate) async fn read_body(
    response: reqwest::Response,
    url: &str,
) -> Result<bytes::Bytes, FetchError> {
    body::read_limited(response, MAX_BODY_BYTES)
        .await
        .map_err(|e| format!("cannot read the answer of {url}: {e}"))?
        .ok_or_else(|| format!("the answer of {url} is over {MAX_BODY_BYTES} bytes").into())
}

/// `text` with every occurrence of a secret replaced: a service that echoes the token it
/// refused must not put it in an error.
fn redacted(text: String, secrets: &[&SecretString]) -> String {
    secrets
        .iter()
        .map(|secret| secret.expose_secret())
        .filter(|secret| !secret.is_empty())
        .fold(text, |text, secret| text.replace(secret, "<redacted>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_checked_like_the_api_endpoint() {
        for fine in [
            "https://iam.ap-southeast-1.myhuaweicloud.com",
            "https://sts.cn-north-4.myhuaweicloud.com/",
            "http://127.0.0.1:8080",
            "http://[::1]:1",
            "http://localhost:9",
        ] {
            assert!(checked_endpoint(fine, false).is_ok(), "{fine}");
        }
        assert_eq!(
            checked_endpoint("https://sts.example/", false).unwrap(),
            "https://sts.example"
        );
        let refused = [
            ("http://iam.example.invalid", "plain http"),
            (
                "https://admin:S3cretPW@iam.example.invalid",
                "user name or password",
            ),
            ("https://iam.example.invalid/?a=1", "no query"),
            ("ftp://iam.example.invalid", "scheme"),
            ("not a URL S3cretPW", "not a URL"),
        ];
        for (url, why) in refused {
            let error = checked_endpoint(url, false).unwrap_err();
            assert!(error.contains(why), "{url}: {error}");
            assert!(
                !error.contains("S3cretPW") && !error.contains("admin"),
                "{error}"
            );
        }
        assert!(checked_endpoint("http://iam.example.invalid", true).is_ok());
    }

    #[test]
    fn secrets_echoed_by_a_service_are_taken_out() {
        let token = SecretString::from("eyJ-SECRET");
        let text = redacted("token eyJ-SECRET is expired".into(), &[&token]);
        assert_eq!(text, "token <redacted> is expired");
        let empty = SecretString::from("");
        assert_eq!(redacted("as is".into(), &[&empty]), "as is");
    }

    #[test]
    fn a_refusal_reads_without_its_source_in_a_list() {
        let refused = FetchError::Refused(ErrorAnswer {
            url: "https://iam.example/v3.0/OS-AUTH/id-token/tokens".into(),
            status: 401,
            error_code: Some("IAM.0007".into()),
            error_msg: Some("expired\n".into()),
            request_id: Some("r1".into()),
        });
        assert_eq!(
            refused.reason(),
            "https://iam.example/v3.0/OS-AUTH/id-token/tokens answered 401: IAM.0007: expired\\u{a} (request id r1)"
        );
    }
}
