//! The steps of the signature: canonical request, string to sign, HMAC, `Authorization`.
//! Public only through `signing::verify`; [`Signer::sign`](super::Signer::sign) strings them
//! together.

use std::fmt::Write as _;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName};

use super::algorithm::{HashFunction, SigningAlgorithm};

#[cfg_attr(not(feature = "verify"), allow(dead_code))]
/// The default algorithm's name, first in the `Authorization` header and the string to sign
/// ([`SigningAlgorithm::name`] gives every algorithm's).
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
/// What the algorithm's content header ([`SigningAlgorithm::content_header`]) says, and the
/// canonical request holds in place of the body's hash, for a body that is neither JSON nor
/// BSON.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The header carrying the signing time, `YYYYMMDDTHHMMSSZ` in UTC.
pub const SDK_DATE_HEADER: &str = "x-sdk-date";
/// The header naming the project a signed request acts on.
pub const PROJECT_ID_HEADER: &str = "x-project-id";
/// The header carrying the session token of temporary credentials.
pub const SECURITY_TOKEN_HEADER: &str = "x-security-token";
#[cfg_attr(not(feature = "verify"), allow(dead_code))]
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
    /// The payload hash, the canonical request's last line: HEX(HASH(body)) with the
    /// algorithm's hash ([`body_hash`], [`body_sha256`]), the empty body's for a GET
    /// ([`EMPTY_BODY_SHA256`], [`SigningAlgorithm::empty_body_hash`]), or what the content
    /// header declares ([`payload_hash`]).
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

#[cfg_attr(not(feature = "verify"), allow(dead_code))]
/// HEX(SHA256(body)), the last line of the canonical request ([`EMPTY_BODY_SHA256`] for a
/// request without a body), for the SHA-256 algorithms.
pub fn body_sha256(body: &[u8]) -> String {
    body_hash(SigningAlgorithm::HmacSha256, body)
}

/// HEX(HASH(body)) with the algorithm's hash (SHA-256 or SM3); the empty body's hash for an
/// empty body.
pub fn body_hash(algorithm: SigningAlgorithm, body: &[u8]) -> String {
    if body.is_empty() {
        algorithm.empty_body_hash().to_string()
    } else {
        algorithm.hash_function().hex(body)
    }
}

/// Whether Huawei's signer signs this request's body as [`UNSIGNED_PAYLOAD`]: it has a
/// `Content-Type` that starts with neither `application/json` nor `application/bson`
/// (letter case counts, as in the SDK).
pub(crate) fn is_unsigned_payload(headers: &HeaderMap) -> bool {
    headers.get(CONTENT_TYPE).is_some_and(|value| {
        let value = value.as_bytes();
        !value.is_empty()
            && !value.starts_with(b"application/json")
            && !value.starts_with(b"application/bson")
    })
}

/// The payload hash the algorithm's content header (`X-Sdk-Content-Sha256`,
/// `X-Sdk-Content-Sm3`) declares, as Huawei's signer reads it: the value trimmed, each of its
/// UTF-8 bytes then taken as one character (the SDK's ISO-8859-1 step, which leaves ASCII as
/// it is); `None` without the header or with an empty value.
pub(crate) fn declared_payload_hash(
    algorithm: SigningAlgorithm,
    headers: &HeaderMap,
) -> Option<String> {
    let value = headers.get(algorithm.content_header())?;
    let text = String::from_utf8_lossy(value.as_bytes());
    let text = text.trim();
    (!text.is_empty()).then(|| text.bytes().map(char::from).collect())
}

#[cfg_attr(not(feature = "verify"), allow(dead_code))]
/// The payload hash of a received request, the canonical request's last line, as Huawei's
/// signer computes it: the empty body's hash for an empty body; else the value of the
/// algorithm's content header when it is signed and not empty (`UNSIGNED-PAYLOAD`, for a
/// body that is neither JSON nor BSON); else HEX(HASH(body)).
pub fn payload_hash(
    algorithm: SigningAlgorithm,
    headers: &HeaderMap,
    signed_headers: &[&str],
    body: &[u8],
) -> String {
    if body.is_empty() {
        return algorithm.empty_body_hash().to_string();
    }
    if signed_headers.contains(&algorithm.content_header())
        && let Some(declared) = declared_payload_hash(algorithm, headers)
    {
        return declared;
    }
    body_hash(algorithm, body)
}

#[cfg_attr(not(feature = "verify"), allow(dead_code))]
/// `SDK-HMAC-SHA256 \n sdk_date \n HEX(SHA256(canonical_request))`.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    string_to_sign_with(SigningAlgorithm::HmacSha256, sdk_date, canonical_request)
}

/// `ALGORITHM \n sdk_date \n HEX(HASH(canonical_request))` with the algorithm's name and
/// hash.
pub fn string_to_sign_with(
    algorithm: SigningAlgorithm,
    sdk_date: &str,
    canonical_request: &str,
) -> String {
    let digest = algorithm.hash_function().hex(canonical_request.as_bytes());
    format!("{}\n{sdk_date}\n{digest}", algorithm.name())
}

#[cfg_attr(not(feature = "verify"), allow(dead_code))]
/// HEX(HMAC-SHA256(key = sk, data = string_to_sign)).
pub fn signature(sk: &[u8], string_to_sign: &str) -> String {
    hmac_signature(HashFunction::Sha256, sk, string_to_sign)
}

/// HEX(HMAC(key = sk, data = string_to_sign)) with this hash.
pub(crate) fn hmac_signature(hash: HashFunction, sk: &[u8], string_to_sign: &str) -> String {
    hex::encode(hash.hmac(sk, string_to_sign.as_bytes()))
}

#[cfg_attr(not(feature = "verify"), allow(dead_code))]
/// The `Authorization` header value of `SDK-HMAC-SHA256`.
pub fn authorization(ak: &str, signed_headers: &[&str], signature: &str) -> String {
    authorization_with(SigningAlgorithm::HmacSha256, ak, signed_headers, signature)
}

/// The `Authorization` header value:
/// `ALGORITHM Access=AK, SignedHeaders=a;b, Signature=hex`.
pub fn authorization_with(
    algorithm: SigningAlgorithm,
    ak: &str,
    signed_headers: &[&str],
    signature: &str,
) -> String {
    format!(
        "{} Access={ak}, SignedHeaders={}, Signature={signature}",
        algorithm.name(),
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
