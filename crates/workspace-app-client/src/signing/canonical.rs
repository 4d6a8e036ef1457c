//! The steps of the signature: canonical request, string to sign, HMAC, `Authorization`.
//! Public only through `signing::verify`; [`sign`](super::sign) strings them together.

use std::fmt::Write as _;

use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use reqwest::header::{HeaderMap, HeaderName};
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
    /// HEX(SHA256(body)) ([`body_sha256`]); [`EMPTY_BODY_SHA256`] for a GET.
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

/// HMAC-SHA256 keyed with the SK, fed the string to sign.
pub(crate) fn mac(sk: &[u8], string_to_sign: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length (longer ones are hashed, shorter ones padded), so this
    // cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(sk).unwrap_or_else(|_| unreachable!());
    mac.update(string_to_sign.as_bytes());
    mac
}

/// HEX(HMAC-SHA256(key = sk, data = string_to_sign)).
pub fn signature(sk: &[u8], string_to_sign: &str) -> String {
    hex::encode(mac(sk, string_to_sign).finalize().into_bytes())
}

/// The `Authorization` header value.
pub fn authorization(ak: &str, signed_headers: &[&str], signature: &str) -> String {
    format!(
        "{ALGORITHM} Access={ak}, SignedHeaders={}, Signature={signature}",
        signed_headers.join(";")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

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
        let signed = signed_header_names(&headers);
        let canonical = canonical_request(&request, &signed);
        let signature = signature(
            b"SecretKey",
            &string_to_sign("20060102T150405Z", &canonical),
        );
        assert_eq!(
            authorization("AccessKey", &signed, &signature),
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
    fn the_body_hash_of_an_empty_body_is_the_published_constant() {
        assert_eq!(body_sha256(b""), EMPTY_BODY_SHA256);
        assert_eq!(
            body_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn keys_of_any_length_sign() {
        let long = [7u8; 200];
        assert_eq!(signature(&long, "x").len(), 64);
        assert_eq!(signature(b"", "x").len(), 64);
    }
}
