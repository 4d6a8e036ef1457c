//! The verifier's side of `SDK-HMAC-SHA256` (cargo feature `verify`): what a server needs to
//! check a signed request, as Huawei's API gateway does. The local emulator
//! (`workspace-app-mock`) enables it; a client never needs it.
//!
//! ```
//! use std::time::SystemTime;
//! use workspace_app_client::{AkSk, signing::{self, verify}};
//!
//! let http = workspace_app_client::http_client_builder()?.build()?;
//! let mut request = http.get("https://h/v1/p/x?limit=1").build()?;
//! signing::sign(&mut request, &AkSk::new("AK", "SK"), SystemTime::now())?;
//!
//! let headers = request.headers();
//! let parsed = verify::parse_authorization(headers["authorization"].to_str()?).unwrap();
//! let received = verify::SignableRequest {
//!     method: request.method().as_str(),
//!     path: request.url().path(),
//!     query: request.url().query(),
//!     headers,
//!     body_sha256: verify::EMPTY_BODY_SHA256,
//! };
//! assert!(verify::secrets_match("AK", parsed.access));
//! assert!(verify::signature_matches(&received, &parsed, b"SK"));
//! assert!(!verify::signature_matches(&received, &parsed, b"another SK"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::SystemTime;

use hmac::Mac;
use subtle::ConstantTimeEq;

pub use super::canonical::{
    ALGORITHM, EMPTY_BODY_SHA256, PROJECT_ID_HEADER, SDK_DATE_HEADER, SECURITY_TOKEN_HEADER,
    SignableRequest, authorization, body_sha256, canonical_request, signature, signed_header_names,
    string_to_sign,
};

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

/// Parses an `X-Sdk-Date` (`YYYYMMDDTHHMMSSZ`); `None` when malformed.
pub fn parse_sdk_date(value: &str) -> Option<SystemTime> {
    super::parse_sdk_date(value)
}

/// Writes `time` as an `X-Sdk-Date`, for signing by hand (a test that signs only some of
/// the headers); `None` outside years 1 to 9999.
pub fn format_sdk_date(time: SystemTime) -> Option<String> {
    super::format_sdk_date(time)
}

/// Whether `authorization` carries the signature that `sk` gives `request` over the headers
/// it lists, dated by the request's `X-Sdk-Date`. The signatures are compared in constant
/// time (HMAC's own verification); a signature that is not lowercase hex never matches.
pub fn signature_matches(
    request: &SignableRequest<'_>,
    authorization: &ParsedAuthorization<'_>,
    sk: &[u8],
) -> bool {
    let Some(sdk_date) = request
        .headers
        .get(SDK_DATE_HEADER)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let lowercase_hex = authorization
        .signature
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let Some(given) = lowercase_hex
        .then(|| hex::decode(authorization.signature).ok())
        .flatten()
    else {
        return false;
    };
    let canonical = canonical_request(request, &authorization.signed_headers);
    super::canonical::mac(sk, &string_to_sign(sdk_date, &canonical))
        .verify_slice(&given)
        .is_ok()
}

/// Compares two secrets (a token, an access key) in constant time for equal lengths.
pub fn secrets_match(expected: &str, given: &str) -> bool {
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            parse_authorization("SDK-HMAC-SHA256 Access=AK, Other=1, Signature=s"),
            None
        );
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(secrets_match("abc", "abc"));
        assert!(!secrets_match("abc", "abd"));
        assert!(!secrets_match("abc", "ab"));
        assert!(!secrets_match("", "a"));
    }

    #[test]
    fn only_the_exact_lowercase_signature_matches() {
        let mut request = crate::test_support::http()
            .get("https://h/v1/p/x?limit=1")
            .header(PROJECT_ID_HEADER, "p")
            .build()
            .unwrap();
        super::super::sign(
            &mut request,
            &crate::AkSk::new("AK", "SK"),
            SystemTime::now(),
        )
        .unwrap();
        let headers = request.headers();
        let value = headers["authorization"].to_str().unwrap().to_string();
        let parsed = parse_authorization(&value).unwrap();
        let received = SignableRequest {
            method: "GET",
            path: request.url().path(),
            query: request.url().query(),
            headers,
            body_sha256: EMPTY_BODY_SHA256,
        };
        assert!(signature_matches(&received, &parsed, b"SK"));
        let upper = parsed.signature.to_ascii_uppercase();
        let truncated = &parsed.signature[..10];
        for signature in [upper.as_str(), truncated, "zz", ""] {
            let forged = ParsedAuthorization {
                signature,
                ..parsed.clone()
            };
            assert!(!signature_matches(&received, &forged, b"SK"), "{signature}");
        }
        // The listed headers are what is checked: dropping one changes the signature.
        let fewer = ParsedAuthorization {
            signed_headers: vec!["host", "x-sdk-date"],
            ..parsed.clone()
        };
        assert!(!signature_matches(&received, &fewer, b"SK"));
        // No date, no match.
        let mut undated = headers.clone();
        undated.remove(SDK_DATE_HEADER);
        let received = SignableRequest {
            headers: &undated,
            ..received
        };
        assert!(!signature_matches(&received, &parsed, b"SK"));
    }
}
