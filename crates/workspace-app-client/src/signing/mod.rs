//! Huawei Cloud AK/SK request signing, `SDK-HMAC-SHA256`, exactly as Huawei's SDKs compute it.
//!
//! ```text
//! canonical request = METHOD \n URI \n QUERY \n HEADERS \n SIGNED_HEADERS \n HEX(SHA256(body))
//! string to sign    = SDK-HMAC-SHA256 \n X-Sdk-Date \n HEX(SHA256(canonical request))
//! signature         = HEX(HMAC-SHA256(SK, string to sign))
//! Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b;c, Signature=...
//! ```
//!
//! - URI: the path, percent-decoded, split on `/`, each segment encoded with only
//!   `A-Z a-z 0-9 - _ . ~` left as they are, and always ending in `/`.
//! - QUERY: the decoded `key=value` pairs, sorted by key then value, encoded the same way
//!   (space is `%20`), joined by `&`.
//! - HEADERS: `lowercase-name:trimmed-value\n` for each signed header, sorted. Every header
//!   on the request is signed except names containing `_` (Huawei's gateways drop those).
//!
//! [`sign`] is all a client needs: the transport calls it for every attempt, and a caller
//! who builds requests by hand can call it too. The verifier's side (parsing the
//! `Authorization` header and `X-Sdk-Date`, rebuilding the canonical request over the signed
//! headers, comparing in constant time) is the `verify` module, behind the cargo feature of
//! the same name, which the local emulator enables. Both are checked against vectors written
//! by Huawei's own Python signer (`scripts/huawei-signing/make_fixtures.py`).
//!
//! ```
//! use std::time::SystemTime;
//! use workspace_app_client::{AkSk, signing};
//!
//! let http = workspace_app_client::http_client_builder()?.build()?;
//! let mut request = http
//!     .get("https://workspace.ap-southeast-1.myhuaweicloud.com/v1/p/app-server-sub-jobs?limit=1")
//!     .build()?;
//! signing::sign(&mut request, &AkSk::new("MY-AK", "MY-SK"), SystemTime::now())?;
//! assert!(request.headers().contains_key("authorization"));
//! assert!(request.headers().contains_key("x-sdk-date"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod canonical;
#[cfg(feature = "verify")]
pub mod verify;

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::header::{AUTHORIZATION, HOST, HeaderValue};
use secrecy::ExposeSecret;
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;

use crate::credentials::AkSk;
use canonical::SignableRequest;
pub(crate) use canonical::{PROJECT_ID_HEADER, SDK_DATE_HEADER, SECURITY_TOKEN_HEADER};

/// `YYYYMMDDTHHMMSSZ`, the format of `X-Sdk-Date`. Parsed once rather than by time's macro,
/// which is a proc-macro crate more for every downstream build.
static SDK_DATE_FORMAT: std::sync::LazyLock<Vec<BorrowedFormatItem<'static>>> =
    std::sync::LazyLock::new(|| {
        time::format_description::parse_borrowed::<2>("[year][month][day]T[hour][minute][second]Z")
            .unwrap_or_default()
    });

/// Why a request could not be signed. The messages never contain a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigningError {
    /// The request URL has no host, so there is no `Host` header to sign.
    #[error("the request URL has no host to sign")]
    NoHost,
    /// The request body is a stream: it cannot be hashed without consuming it.
    #[error("the request body is a stream, which cannot be hashed for the signature")]
    StreamingBody,
    /// A value (the AK in `Authorization`, the security token) has characters an HTTP header
    /// cannot carry.
    #[error("the {header} header cannot carry the value: it has characters a header cannot carry")]
    InvalidHeaderValue {
        /// The header, lowercase.
        header: &'static str,
    },
    /// The signing time cannot be written as `X-Sdk-Date` (before year 1 or after 9999).
    #[error("the signing time is outside the years X-Sdk-Date can express")]
    TimeOutOfRange,
    /// A header to sign is on the request more than once: the signature would cover the
    /// first value only, and a server may read the values joined.
    #[error("the {header} header is given more than once, so it cannot be signed as it is sent")]
    RepeatedHeader {
        /// The header, lowercase.
        header: String,
    },
    /// A header to sign has a value that is not UTF-8: the signature would cover other text
    /// (U+FFFD) than the bytes sent.
    #[error("the {header} header's value is not UTF-8, so it cannot be signed as it is sent")]
    HeaderValueNotUtf8 {
        /// The header, lowercase.
        header: String,
    },
}

/// Signs `request` with `keys` at time `now`, as Huawei's SDKs do: adds `Host`,
/// `X-Sdk-Date`, `X-Security-Token` (temporary keys) and `Authorization`, the signature
/// covering every header the request carries by then (so add `X-Project-Id` and the like
/// first). The secret-bearing headers are marked sensitive, so `Debug` does not show them.
///
/// A request can be signed again (a retry): each call replaces what the previous one added.
pub fn sign(
    request: &mut reqwest::Request,
    keys: &AkSk,
    now: SystemTime,
) -> Result<(), SigningError> {
    let body_sha256 = match request.body() {
        None => canonical::EMPTY_BODY_SHA256.to_string(),
        Some(body) => canonical::body_sha256(body.as_bytes().ok_or(SigningError::StreamingBody)?),
    };
    let host = host_header(request.url()).ok_or(SigningError::NoHost)?;
    let date = format_sdk_date(now).ok_or(SigningError::TimeOutOfRange)?;
    let date = HeaderValue::from_str(&date).map_err(|_| SigningError::TimeOutOfRange)?;
    let headers = request.headers_mut();
    headers.insert(HOST, host);
    headers.insert(SDK_DATE_HEADER, date.clone());
    // A previous signature is not signed over.
    headers.remove(AUTHORIZATION);
    if let Some(token) = &keys.security_token {
        let token =
            secret_header(token.expose_secret()).ok_or(SigningError::InvalidHeaderValue {
                header: SECURITY_TOKEN_HEADER,
            })?;
        headers.insert(SECURITY_TOKEN_HEADER, token);
    }
    let signable = SignableRequest {
        method: request.method().as_str(),
        path: request.url().path(),
        query: request.url().query(),
        headers: request.headers(),
        body_sha256: &body_sha256,
    };
    let signed_headers = canonical::signed_header_names(signable.headers);
    // Each signed header is signed as it is sent: once, as the text the canonical request
    // holds.
    for name in &signed_headers {
        let values = signable.headers.get_all(*name);
        if values.iter().nth(1).is_some() {
            return Err(SigningError::RepeatedHeader {
                header: (*name).to_string(),
            });
        }
        if values
            .iter()
            .any(|value| std::str::from_utf8(value.as_bytes()).is_err())
        {
            return Err(SigningError::HeaderValueNotUtf8 {
                header: (*name).to_string(),
            });
        }
    }
    let canonical = canonical::canonical_request(&signable, &signed_headers);
    let sdk_date = date.to_str().unwrap_or_default();
    let signature = canonical::signature(
        keys.sk.expose_secret().as_bytes(),
        &canonical::string_to_sign(sdk_date, &canonical),
    );
    let authorization =
        canonical::authorization(keys.ak.expose_secret(), &signed_headers, &signature);
    let authorization = secret_header(&authorization).ok_or(SigningError::InvalidHeaderValue {
        header: "authorization",
    })?;
    request.headers_mut().insert(AUTHORIZATION, authorization);
    Ok(())
}

/// A header value that `Debug` shows as `Sensitive`; `None` when a header cannot carry it.
pub(crate) fn secret_header(value: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(value).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// `YYYYMMDDTHHMMSSZ` in UTC, the format of `X-Sdk-Date`; `None` outside years 1 to 9999.
pub(crate) fn format_sdk_date(time: SystemTime) -> Option<String> {
    let utc = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => OffsetDateTime::UNIX_EPOCH.checked_add(after.try_into().ok()?)?,
        Err(before) => {
            OffsetDateTime::UNIX_EPOCH.checked_sub(before.duration().try_into().ok()?)?
        }
    };
    utc.format(&SDK_DATE_FORMAT[..]).ok()
}

/// Parses `YYYYMMDDTHHMMSSZ`; `None` when malformed.
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
pub(crate) fn parse_sdk_date(value: &str) -> Option<SystemTime> {
    let parsed = time::PrimitiveDateTime::parse(value, &SDK_DATE_FORMAT[..]).ok()?;
    Some(parsed.assume_utc().into())
}

/// The `Host` header value a request to `url` carries: host, and port when not the default.
fn host_header(url: &reqwest::Url) -> Option<HeaderValue> {
    let host = url.host_str()?;
    let value = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    HeaderValue::from_str(&value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(url: &str) -> reqwest::Request {
        crate::test_support::http()
            .get(url)
            .header("x-project-id", "p")
            .build()
            .unwrap()
    }

    const NOW: u64 = 1_136_214_245; // 2006-01-02T15:04:05Z

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + std::time::Duration::from_secs(secs)
    }

    #[test]
    fn sdk_dates_format_and_parse_round_trip() {
        assert_eq!(
            format_sdk_date(at(NOW)).as_deref(),
            Some("20060102T150405Z")
        );
        assert_eq!(parse_sdk_date("20060102T150405Z"), Some(at(NOW)));
        assert_eq!(
            format_sdk_date(UNIX_EPOCH).as_deref(),
            Some("19700101T000000Z")
        );
        let before_1970 = UNIX_EPOCH - std::time::Duration::from_secs(86_400);
        assert_eq!(
            format_sdk_date(before_1970).as_deref(),
            Some("19691231T000000Z")
        );
        for bad in [
            "",
            "20060102T150405",
            "2006-01-02T15:04:05Z",
            "20061302T150405Z",
            "20060102T150405Zjunk",
            "+2006010T150405Z",
            "20060102t150405z",
        ] {
            assert_eq!(parse_sdk_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_time_beyond_year_9999_is_an_error_not_a_panic() {
        let far = UNIX_EPOCH + std::time::Duration::from_secs(400_000_000_000);
        assert_eq!(format_sdk_date(far), None);
        let mut request = request("https://h/v1/p/x");
        assert_eq!(
            sign(&mut request, &AkSk::new("ak", "sk"), far),
            Err(SigningError::TimeOutOfRange)
        );
    }

    #[test]
    fn sign_adds_the_dated_signature_and_hides_secrets_from_debug() {
        let mut request = request("http://127.0.0.1:8080/v1/p/x?b=2&a=1");
        sign(
            &mut request,
            &AkSk::temporary("AK-SECRET", "SK-SECRET", "ST-SECRET"),
            at(NOW),
        )
        .unwrap();
        let headers = request.headers();
        assert_eq!(headers["host"], "127.0.0.1:8080");
        assert_eq!(headers["x-sdk-date"], "20060102T150405Z");
        assert_eq!(headers["x-security-token"], "ST-SECRET");
        let authorization = headers["authorization"].to_str().unwrap();
        assert!(
            authorization.starts_with(
                "SDK-HMAC-SHA256 Access=AK-SECRET, SignedHeaders=host;x-project-id;x-sdk-date;x-security-token, Signature="
            ),
            "{authorization}"
        );
        let shown = format!("{request:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }

    #[test]
    fn signing_again_replaces_the_previous_signature() {
        let keys = AkSk::new("ak", "sk");
        let mut once = request("https://h/v1/p/x");
        sign(&mut once, &keys, at(NOW)).unwrap();
        let mut twice = request("https://h/v1/p/x");
        sign(&mut twice, &keys, at(NOW - 60)).unwrap();
        sign(&mut twice, &keys, at(NOW)).unwrap();
        assert_eq!(once.headers(), twice.headers());
    }

    #[test]
    fn what_cannot_be_signed_is_an_error() {
        let keys = AkSk::new("ak", "sk");
        let mut streaming = request("https://h/v1/p/x");
        *streaming.body_mut() = Some(reqwest::Body::wrap_stream(futures_util::stream::empty::<
            Result<bytes::Bytes, std::io::Error>,
        >()));
        assert_eq!(
            sign(&mut streaming, &keys, at(NOW)),
            Err(SigningError::StreamingBody)
        );
        let mut request = request("https://h/v1/p/x");
        let error = sign(&mut request, &AkSk::new("AK\nSECRET", "sk"), at(NOW)).unwrap_err();
        assert_eq!(
            error,
            SigningError::InvalidHeaderValue {
                header: "authorization"
            }
        );
        assert!(!error.to_string().contains("SECRET"));
    }

    #[test]
    fn a_body_is_hashed_into_the_signature() {
        let keys = AkSk::new("ak", "sk");
        let signed = |body: &'static str| {
            let mut request = request("https://h/v1/p/x");
            *request.body_mut() = Some(reqwest::Body::from(body));
            sign(&mut request, &keys, at(NOW)).unwrap();
            request.headers()["authorization"].clone()
        };
        assert_ne!(signed("a"), signed("b"));
    }
}
