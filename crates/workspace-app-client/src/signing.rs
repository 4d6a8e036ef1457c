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
//! The same functions serve the client (signing) and the local emulator (verifying), and are
//! checked against vectors written by Huawei's own Python signer
//! (`scripts/huawei-signing/make_fixtures.py`).

use std::fmt::Write as _;
use std::time::SystemTime;

use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use sha2::{Digest, Sha256};

/// The algorithm name, first in the `Authorization` header and the string to sign.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// The header carrying the signing time, `YYYYMMDDTHHMMSSZ` in UTC.
pub const SDK_DATE_HEADER: &str = "x-sdk-date";
/// The header naming the project a signed request acts on.
pub const PROJECT_ID_HEADER: &str = "x-project-id";
/// The header carrying the session token of temporary credentials.
pub const SECURITY_TOKEN_HEADER: &str = "x-security-token";
/// HEX(SHA256("")): the payload hash of a request without a body.
pub const EMPTY_BODY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Everything but the unreserved characters `A-Z a-z 0-9 - _ . ~` is percent-encoded.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The parts of a request that the signature covers.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// The HTTP method, e.g. `GET`.
    pub method: &'a str,
    /// The path as sent on the wire (percent-encoded).
    pub path: &'a str,
    /// The query string as sent on the wire, without `?`.
    pub query: Option<&'a str>,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// HEX(SHA256(body)); [`EMPTY_BODY_SHA256`] for a GET.
    pub body_sha256: &'a str,
}

/// The signed header names of a request: every header name without `_`, lowercase, sorted.
pub fn signed_header_names(headers: &HeaderMap) -> Vec<&str> {
    // `HeaderName`s are already lowercase.
    let mut names: Vec<&str> = headers
        .keys()
        .map(HeaderName::as_str)
        .filter(|name| !name.contains('_'))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The canonical request for the given signed headers (lowercase, sorted).
pub fn canonical_request(request: &SignableRequest<'_>, signed_headers: &[&str]) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(&request.method.to_ascii_uppercase());
    out.push('\n');
    push_canonical_uri(&mut out, request.path);
    out.push('\n');
    push_canonical_query(&mut out, request.query.unwrap_or(""));
    out.push('\n');
    for name in signed_headers {
        let value = request
            .headers
            .get(*name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()))
            .unwrap_or_default();
        let _ = writeln!(out, "{name}:{}", value.trim());
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(request.body_sha256);
    out
}

fn push_canonical_uri(out: &mut String, path: &str) {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    for (i, segment) in decoded.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.extend(utf8_percent_encode(segment, ENCODE));
    }
    if !out.ends_with('/') {
        out.push('/');
    }
}

fn push_canonical_query(out: &mut String, query: &str) {
    let mut pairs: Vec<(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)> =
        form_urlencoded::parse(query.as_bytes()).collect();
    pairs.sort_unstable();
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.extend(utf8_percent_encode(key, ENCODE));
        out.push('=');
        out.extend(utf8_percent_encode(value, ENCODE));
    }
}

/// HEX(SHA256(body)), the last line of the canonical request ([`EMPTY_BODY_SHA256`] for a
/// request without a body).
pub fn body_sha256(body: &[u8]) -> String {
    if body.is_empty() {
        EMPTY_BODY_SHA256.to_string()
    } else {
        hex::encode(Sha256::digest(body))
    }
}

/// `SDK-HMAC-SHA256 \n sdk_date \n HEX(SHA256(canonical_request))`.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    let digest = Sha256::digest(canonical_request.as_bytes());
    format!("{ALGORITHM}\n{sdk_date}\n{}", hex::encode(digest))
}

/// HEX(HMAC-SHA256(key = sk, data = string_to_sign)).
pub fn signature(sk: &[u8], string_to_sign: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(sk).unwrap_or_else(|_| unreachable!());
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Authorization` header value.
pub fn authorization(ak: &str, signed_headers: &[&str], signature: &str) -> String {
    format!(
        "{ALGORITHM} Access={ak}, SignedHeaders={}, Signature={signature}",
        signed_headers.join(";")
    )
}

/// Signs the request for the headers it carries now: computes the signature over every
/// header without `_` and returns the `Authorization` value. The request must already carry
/// `Host` and `X-Sdk-Date`.
pub fn authorization_for(request: &SignableRequest<'_>, ak: &str, sk: &[u8]) -> String {
    let signed_headers = signed_header_names(request.headers);
    let sdk_date = request
        .headers
        .get(SDK_DATE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let canonical = canonical_request(request, &signed_headers);
    let signature = signature(sk, &string_to_sign(sdk_date, &canonical));
    authorization(ak, &signed_headers, &signature)
}

/// `YYYYMMDDTHHMMSSZ` in UTC, the format of `X-Sdk-Date`.
pub fn format_sdk_date(time: SystemTime) -> String {
    let time = time::OffsetDateTime::from(time);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// Parses `YYYYMMDDTHHMMSSZ`; `None` when malformed.
pub fn parse_sdk_date(value: &str) -> Option<SystemTime> {
    let bytes = value.as_bytes();
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| value.get(range)?.parse::<u16>().ok();
    let date = time::Date::from_calendar_date(
        i32::from(number(0..4)?),
        time::Month::try_from(u8::try_from(number(4..6)?).ok()?).ok()?,
        u8::try_from(number(6..8)?).ok()?,
    )
    .ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(number(9..11)?).ok()?,
        u8::try_from(number(11..13)?).ok()?,
        u8::try_from(number(13..15)?).ok()?,
    )
    .ok()?;
    Some(
        time::PrimitiveDateTime::new(date, clock)
            .assume_utc()
            .into(),
    )
}

/// The `Host` header value a request to `url` carries: host, and port when not the default.
pub fn host_header(url: &reqwest::Url) -> Option<HeaderValue> {
    let host = url.host_str()?;
    let value = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    HeaderValue::from_str(&value).ok()
}

/// A parsed `Authorization: SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization<'a> {
    /// The access key.
    pub access: &'a str,
    /// The signed header names, as listed.
    pub signed_headers: Vec<&'a str>,
    /// The hex signature.
    pub signature: &'a str,
}

/// Parses an `Authorization` header value; `None` when it is not `SDK-HMAC-SHA256`.
pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization<'_>> {
    let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut access, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        match key {
            "Access" => access = Some(value),
            "SignedHeaders" => signed_headers = Some(value.split(';').collect()),
            "Signature" => signature = Some(value),
            _ => return None,
        }
    }
    Some(ParsedAuthorization {
        access: access?,
        signed_headers: signed_headers?,
        signature: signature?,
    })
}

/// Compares two signatures in constant time, for verifiers.
pub fn signatures_match(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_str(v).unwrap(),
                )
            })
            .collect()
    }

    /// The published vector of Huawei's Go SDK signer tests.
    #[test]
    fn matches_the_published_go_sdk_vector() {
        let headers = headers(&[
            ("X-Sdk-Date", "20060102T150405Z"),
            ("TEST_UNDERSCORE", "TEST_VALUE"),
        ]);
        let request = SignableRequest {
            method: "GET",
            path: "/path",
            query: Some("limit=1"),
            headers: &headers,
            body_sha256: EMPTY_BODY_SHA256,
        };
        assert_eq!(
            authorization_for(&request, "AccessKey", b"SecretKey"),
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, \
             Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"
        );
    }

    /// The canonical query example of the same tests.
    #[test]
    fn canonical_query_matches_the_published_example() {
        let mut out = String::new();
        let query = "limit=1&enable=true&test=%E4%B8%80+%28%26%3D%3F%21%23%25.*%29\
                     &path=%2Ftmp%2F123&multi=3&multi=1&multi=2";
        push_canonical_query(&mut out, query);
        assert_eq!(
            out,
            "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123\
             &test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29"
        );
    }

    #[test]
    fn canonical_uri_is_decoded_then_reencoded_and_ends_with_a_slash() {
        let cases = [
            ("/v1/p/app-server-sub-jobs", "/v1/p/app-server-sub-jobs/"),
            ("/v1/a%2Fb/x", "/v1/a/b/x/"),
            ("/v1/a%20b+c~d/x/", "/v1/a%20b%2Bc~d/x/"),
            ("/v1/%C3%A9/x", "/v1/%C3%A9/x/"),
            ("/", "/"),
        ];
        for (path, expected) in cases {
            let mut out = String::new();
            push_canonical_uri(&mut out, path);
            assert_eq!(out, expected, "{path}");
        }
    }

    #[test]
    fn sdk_dates_format_and_parse_round_trip() {
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_136_214_245);
        assert_eq!(format_sdk_date(time), "20060102T150405Z");
        assert_eq!(parse_sdk_date("20060102T150405Z"), Some(time));
        for bad in [
            "",
            "20060102T150405",
            "2006-01-02T15:04:05Z",
            "20061302T150405Z",
        ] {
            assert_eq!(parse_sdk_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn authorization_round_trips_through_the_parser() {
        let value = authorization("AK", &["host", "x-sdk-date"], "abc");
        assert_eq!(
            parse_authorization(&value),
            Some(ParsedAuthorization {
                access: "AK",
                signed_headers: vec!["host", "x-sdk-date"],
                signature: "abc",
            })
        );
        assert_eq!(parse_authorization("Bearer x"), None);
        assert_eq!(parse_authorization("SDK-HMAC-SHA256 Access=AK"), None);
    }

    #[test]
    fn the_body_hash_of_an_empty_body_is_the_published_constant() {
        assert_eq!(body_sha256(b""), EMPTY_BODY_SHA256);
        assert_eq!(
            body_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn signature_comparison_needs_equal_strings() {
        assert!(signatures_match("abc", "abc"));
        assert!(!signatures_match("abc", "abd"));
        assert!(!signatures_match("abc", "ab"));
    }
}
