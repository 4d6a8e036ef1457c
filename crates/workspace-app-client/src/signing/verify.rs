//! The verifier's side of Huawei's AK/SK signatures (cargo feature `verify`): what a server
//! needs to check a signed request, as Huawei's API gateway does, with any algorithm this
//! build has ([`SigningAlgorithm::AVAILABLE`]). The local emulator (`workspace-app-mock`)
//! enables it; a client never needs it.
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
//! let payload_hash = verify::payload_hash(parsed.algorithm, headers, &parsed.signed_headers, b"");
//! let received = verify::SignableRequest {
//!     method: request.method().as_str(),
//!     path: request.url().path(),
//!     query: request.url().query(),
//!     headers,
//!     body_sha256: &payload_hash,
//! };
//! assert!(verify::secrets_match("AK", parsed.access));
//! assert!(verify::signature_matches(&received, &parsed, b"SK"));
//! assert!(!verify::signature_matches(&received, &parsed, b"another SK"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::SystemTime;

use subtle::ConstantTimeEq;

pub use super::algorithm::{ParseSigningAlgorithmError, SigningAlgorithm};
pub use super::canonical::{
    ALGORITHM, EMPTY_BODY_SHA256, PROJECT_ID_HEADER, SDK_DATE_HEADER, SECURITY_TOKEN_HEADER,
    SignableRequest, UNSIGNED_PAYLOAD, authorization, authorization_with, body_hash, body_sha256,
    canonical_request, payload_hash, signature, signed_header_names, string_to_sign,
    string_to_sign_with,
};

/// A parsed `Authorization: ALGORITHM Access=..., SignedHeaders=..., Signature=...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization<'a> {
    /// The algorithm named first.
    pub algorithm: SigningAlgorithm,
    /// The access key.
    pub access: &'a str,
    /// The signed header names, as listed.
    pub signed_headers: Vec<&'a str>,
    /// The hex signature.
    pub signature: &'a str,
}

/// Parses an `Authorization` header value; `None` when it is not one of this build's
/// algorithms' ([`authorization_algorithm`] tells an unknown algorithm from a malformed
/// header).
pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization<'_>> {
    let (name, rest) = value.split_once(' ')?;
    let algorithm = SigningAlgorithm::AVAILABLE
        .iter()
        .copied()
        .find(|algorithm| algorithm.name() == name)?;
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
        algorithm,
        access: access?,
        signed_headers: signed_headers?,
        signature: signature?,
    })
}

/// The algorithm an `Authorization` header value names first: an error for a name this
/// build does not have, saying when a cargo feature would add it (for a verifier's answer to
/// a header [`parse_authorization`] refused).
pub fn authorization_algorithm(
    value: &str,
) -> Result<SigningAlgorithm, ParseSigningAlgorithmError> {
    value.split(' ').next().unwrap_or_default().parse()
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

/// Whether `authorization` carries a signature that the key pair (`authorization.access`,
/// `sk`) gives `request` over the headers it lists, dated by the request's `X-Sdk-Date`, with
/// the algorithm it names. `request.body_sha256` must be the payload hash of that
/// algorithm ([`payload_hash`]).
///
/// HMAC signatures are compared in constant time (HMAC's own verification), and one that is
/// not lowercase hex never matches. ECDSA and SM2 signatures (DER, lowercase hex) are
/// verified with the public key of the key derived from the AK and SK, as Huawei's signer
/// derives it; that derivation is a scalar multiplication per call.
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
    let algorithm = authorization.algorithm;
    let canonical = canonical_request(request, &authorization.signed_headers);
    let string_to_sign = string_to_sign_with(algorithm, sdk_date, &canonical);
    if algorithm.is_hmac() {
        return algorithm
            .hash_function()
            .hmac_matches(sk, string_to_sign.as_bytes(), &given);
    }
    #[cfg(any(feature = "ecdsa", feature = "sm2"))]
    {
        super::derive::DerivedKey::derive(algorithm, authorization.access.as_bytes(), sk)
            .is_some_and(|key| key.verifies(string_to_sign.as_bytes(), &given))
    }
    #[cfg(not(any(feature = "ecdsa", feature = "sm2")))]
    {
        false
    }
}

/// The public key (SEC1 uncompressed, `04 ‖ X ‖ Y`) of the ECDSA or SM2 key Huawei's signer
/// derives from `ak` and `sk` for `algorithm`: what a gateway verifies that algorithm's
/// signatures with. `None` for the HMAC algorithms.
pub fn derived_public_key(algorithm: SigningAlgorithm, ak: &str, sk: &str) -> Option<Vec<u8>> {
    #[cfg(any(feature = "ecdsa", feature = "sm2"))]
    {
        super::derive::DerivedKey::derive(algorithm, ak.as_bytes(), sk.as_bytes())
            .map(|key| key.public_key())
    }
    #[cfg(not(any(feature = "ecdsa", feature = "sm2")))]
    {
        let _ = (algorithm, ak, sk);
        None
    }
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
                algorithm: SigningAlgorithm::HmacSha256,
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

    /// AK `AccessKey`, SK `SecretKey`, 2006-01-02T15:04:05Z: Huawei's Python signer
    /// (`huaweicloudsdkcore` 3.1.219) signs `GET https://example.huaweicloud.com/path?limit=1`
    /// and the same URL as a POST of `{"a":1}` (JSON) with these; the ECDSA and SM2
    /// signatures are one random sample each, to be verified.
    const VECTORS: [(&str, &str, &str); 8] = [
        (
            "GET",
            "SDK-HMAC-SHA256",
            "7eb88c06474c7197e670e0ae61651746453587eb5fad98074266578511cf3c01",
        ),
        (
            "POST",
            "SDK-HMAC-SHA256",
            "7d625378e4080b593c2d527a749dc593b33022a0b657339dbc4baae01ce2fc06",
        ),
        (
            "GET",
            "SDK-HMAC-SM3",
            "db1ca18a91ebef865537b9600f6e09e6ef14afade14f58360093ccc605d8bede",
        ),
        (
            "POST",
            "SDK-HMAC-SM3",
            "450bb1fe8ffa85a1b5d500a3da83701f575cede33bf40ea721fa833e04b52e59",
        ),
        (
            "GET",
            "SDK-ECDSA-P256-SHA256",
            "3045022058fdfa6031972a84ac7ebfe105bc4cc294ede8a3fbff5e111b2c4479c397bfdf022100ec09cb3e97df70c1ff2035e63b1f82c7779a800fa203d868b0218745606b0490",
        ),
        (
            "POST",
            "SDK-ECDSA-P256-SHA256",
            "3045022049985bd7be80ead99b7da001b528127953072bdbc68aa7148d9ecc3f6defd169022100d92ed0f3527fed4ace95e90d51347bb6f87a121a4e659025afe85f04f3895fbd",
        ),
        (
            "GET",
            "SDK-SM2-SM3",
            "304502200f7e41ce1aafc9762201152ac4215ae07779c403715cd626c019215c0ab7a448022100e3cd7d411e5580428a61a3b66ccabb3febc9b0f837fd94c8cafd8603328eab72",
        ),
        (
            "POST",
            "SDK-SM2-SM3",
            "304502206a29a6d95de9580e143c281db0b93a00995ab3306b9331f266e854cae839d63e022100a030573fc2381cc828db739b93324e0a3899691ac82e9b89c6c7c15db520046a",
        ),
    ];

    fn vector_request(method: &str) -> reqwest::Request {
        let mut request = reqwest::Request::new(
            method.parse().unwrap(),
            "https://example.huaweicloud.com/path?limit=1"
                .parse()
                .unwrap(),
        );
        if method == "POST" {
            request
                .headers_mut()
                .insert("content-type", "application/json".parse().unwrap());
            *request.body_mut() = Some(reqwest::Body::from(r#"{"a":1}"#));
        }
        request
    }

    /// The request as a verifier receives it, with its payload hash.
    fn check(request: &reqwest::Request, authorization: &str, sk: &[u8]) -> bool {
        let parsed = parse_authorization(authorization).unwrap();
        let body = request
            .body()
            .and_then(|b| b.as_bytes())
            .unwrap_or_default();
        let hash = payload_hash(
            parsed.algorithm,
            request.headers(),
            &parsed.signed_headers,
            body,
        );
        let received = SignableRequest {
            method: request.method().as_str(),
            path: request.url().path(),
            query: request.url().query(),
            headers: request.headers(),
            body_sha256: &hash,
        };
        signature_matches(&received, &parsed, sk)
    }

    #[test]
    fn every_algorithm_signs_and_verifies_as_huaweis_signer() {
        let keys = crate::AkSk::new("AccessKey", "SecretKey");
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_136_214_245);
        let mut seen = 0;
        for (method, name, huaweis) in VECTORS {
            let Ok(algorithm) = name.parse::<SigningAlgorithm>() else {
                continue; // a feature this build does not have
            };
            seen += 1;
            let mut request = vector_request(method);
            super::super::Signer::new(algorithm)
                .sign(&mut request, &keys, now)
                .unwrap();
            let ours = request.headers()["authorization"]
                .to_str()
                .unwrap()
                .to_string();
            let signed = if method == "POST" {
                "content-type;host;x-sdk-date"
            } else {
                "host;x-sdk-date"
            };
            let prefix = format!("{name} Access=AccessKey, SignedHeaders={signed}, Signature=");
            assert!(ours.starts_with(&prefix), "{ours}");
            let theirs = format!("{prefix}{huaweis}");
            if algorithm.is_hmac() {
                assert_eq!(ours, theirs, "{method} {name}");
            }
            // Huawei's signature and ours verify; with another SK, neither does.
            for authorization in [&ours, &theirs] {
                assert!(
                    check(&request, authorization, b"SecretKey"),
                    "{authorization}"
                );
                assert!(
                    !check(&request, authorization, b"SecretKey2"),
                    "{authorization}"
                );
            }
            // A signature of another request does not verify.
            let other = vector_request(if method == "GET" { "POST" } else { "GET" });
            let mut other = other;
            super::super::Signer::new(algorithm)
                .sign(&mut other, &keys, now)
                .unwrap();
            assert!(!check(&other, &theirs, b"SecretKey"), "{method} {name}");
        }
        assert_eq!(seen, 2 * SigningAlgorithm::AVAILABLE.len());
    }

    /// Huawei's derived keys (`P256SHA256Signer.get_signing_key()._public_key`), SEC1.
    #[test]
    fn the_derived_public_keys_are_huaweis() {
        let keys = [
            (
                "SDK-ECDSA-P256-SHA256",
                "AccessKey",
                "SecretKey",
                "0483b30289afebbd528dac225a0122bef136de34b03e3f227e11a8be6bdc3a40c46a0b57aba59b04eefa7003f7be4cc93cea57c673e36d22f20de2bf4014b87650",
            ),
            (
                "SDK-SM2-SM3",
                "AccessKey",
                "SecretKey",
                "04fd2c60aaeb7a6688e807f8708db9f9ddf7d3b0e35f694f7615e4878343e8c8e67af920da01a5818e3ad5fabf3585d1c44cae96b9b9cec7c61d975ff4b10f2a9e",
            ),
            // X starts with a zero byte: the key whose ZA Huawei's Python signer computes
            // differently (see `Signer`).
            (
                "SDK-SM2-SM3",
                "AccessKey",
                "SecretKey18",
                "040078ae3310385173b90122528e377a0a1655da46e4b5e62000f731851f1c0adf0662e4b9110933976d22e9eff8cf29976667c6fe075769562ac724dcee9f6145",
            ),
        ];
        for (name, ak, sk, public_key) in keys {
            if let Ok(algorithm) = name.parse::<SigningAlgorithm>() {
                assert_eq!(
                    derived_public_key(algorithm, ak, sk)
                        .map(hex::encode)
                        .as_deref(),
                    Some(public_key),
                    "{name} {sk}"
                );
            }
        }
        assert_eq!(
            derived_public_key(SigningAlgorithm::HmacSm3, "AccessKey", "SecretKey"),
            None
        );
    }

    /// Huawei's signer, for a body that is neither JSON nor BSON, signs
    /// `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` and that text in place of the body's hash.
    #[test]
    fn a_body_that_is_not_json_is_signed_as_unsigned_payload() {
        let keys = crate::AkSk::new("AccessKey", "SecretKey");
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_136_214_245);
        let mut request = vector_request("POST");
        request
            .headers_mut()
            .insert("content-type", "text/plain".parse().unwrap());
        *request.body_mut() = Some(reqwest::Body::from("hello"));
        super::super::sign(&mut request, &keys, now).unwrap();
        assert_eq!(request.headers()["x-sdk-content-sha256"], UNSIGNED_PAYLOAD);
        assert_eq!(
            request.headers()["authorization"],
            "SDK-HMAC-SHA256 Access=AccessKey, \
             SignedHeaders=content-type;host;x-sdk-content-sha256;x-sdk-date, \
             Signature=230fd7a159dc05379ee3119189184443cb2161639c42ddc49aa435a2114a44f9"
        );
        assert!(check(
            &request,
            request.headers()["authorization"].to_str().unwrap(),
            b"SecretKey"
        ));
        // With SM3, its own header; and such a body may be a stream.
        let mut streamed = vector_request("POST");
        streamed
            .headers_mut()
            .insert("content-type", "application/octet-stream".parse().unwrap());
        *streamed.body_mut() = Some(reqwest::Body::wrap_stream(futures_util::stream::empty::<
            Result<bytes::Bytes, std::io::Error>,
        >()));
        super::super::Signer::new(SigningAlgorithm::HmacSm3)
            .sign(&mut streamed, &keys, now)
            .unwrap();
        assert_eq!(streamed.headers()["x-sdk-content-sm3"], UNSIGNED_PAYLOAD);
        assert!(!streamed.headers().contains_key("x-sdk-content-sha256"));
    }
}
