//! Huawei Cloud AK/SK request signing, exactly as Huawei's SDKs compute it, with any of
//! their four algorithms ([`SigningAlgorithm`]; `SDK-HMAC-SHA256` by default).
//!
//! ```text
//! canonical request = METHOD \n URI \n QUERY \n HEADERS \n SIGNED_HEADERS \n HEX(HASH(body))
//! string to sign    = ALGORITHM \n X-Sdk-Date \n HEX(HASH(canonical request))
//! signature         = HEX(HMAC(SK, string to sign))             SDK-HMAC-SHA256, SDK-HMAC-SM3
//!                   | HEX(DER(SIGN(key(AK, SK), string to sign)))  SDK-ECDSA-P256-SHA256, SDK-SM2-SM3
//! Authorization: ALGORITHM Access=AK, SignedHeaders=a;b;c, Signature=...
//! ```
//!
//! - HASH: SHA-256, or SM3 for `SDK-HMAC-SM3` and `SDK-SM2-SM3`.
//! - URI: the path, percent-decoded, split on `/`, each segment encoded with only
//!   `A-Z a-z 0-9 - _ . ~` left as they are, and always ending in `/`.
//! - QUERY: the decoded `key=value` pairs, sorted by key then value, encoded the same way
//!   (space is `%20`), joined by `&`.
//! - HEADERS: `lowercase-name:trimmed-value\n` for each signed header, sorted. Every header
//!   on the request is signed except names containing `_` (Huawei's gateways drop those).
//! - The body: a request whose `Content-Type` is neither JSON nor BSON gets
//!   `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` (`X-Sdk-Content-Sm3` for the SM3 algorithms),
//!   and that text stands for the body's hash, as with Huawei's signer; so does any value a
//!   caller puts in that header (a precomputed hash). Such a body may be a stream.
//! - The ECDSA and SM2 keys are derived from the AK and SK as Huawei's signers derive them;
//!   a [`Signer`] keeps the derived key for as long as the credentials stay the same.
//!
//! [`sign`] (the default algorithm) and [`Signer::sign`] are all a client needs: the
//! transport signs every attempt with the client's [`Signer`], and a caller who builds
//! requests by hand can call either. The verifier's side (parsing the `Authorization` header
//! and `X-Sdk-Date`, rebuilding the canonical request over the signed headers, checking the
//! signature) is the `verify` module, behind the cargo feature of the same name, which the
//! local emulator enables. Both are checked against vectors written by Huawei's own Python
//! signer (`scripts/huawei-signing/make_fixtures.py`), and on random requests against it.
//!
//! ```
//! use std::time::SystemTime;
//! use workspace_app_client::{AkSk, signing::{self, Signer, SigningAlgorithm}};
//!
//! let http = workspace_app_client::http_client_builder()?.build()?;
//! let url = "https://workspace.ap-southeast-1.myhuaweicloud.com/v1/p/app-server-sub-jobs?limit=1";
//! let mut request = http.get(url).build()?;
//! signing::sign(&mut request, &AkSk::new("MY-AK", "MY-SK"), SystemTime::now())?;
//! assert!(request.headers()["authorization"].to_str()?.starts_with("SDK-HMAC-SHA256 "));
//! assert!(request.headers().contains_key("x-sdk-date"));
//!
//! // Another algorithm: keep the signer, which keeps the key it derives (ECDSA, SM2).
//! let signer = Signer::new(SigningAlgorithm::HmacSm3);
//! let mut request = http.get(url).build()?;
//! signer.sign(&mut request, &AkSk::new("MY-AK", "MY-SK"), SystemTime::now())?;
//! assert!(request.headers()["authorization"].to_str()?.starts_with("SDK-HMAC-SM3 "));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod algorithm;
mod canonical;
#[cfg(any(feature = "ecdsa", feature = "sm2"))]
mod derive;
mod error;
#[cfg(feature = "verify")]
pub mod verify;

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::header::{AUTHORIZATION, HOST, HeaderName, HeaderValue};
use secrecy::ExposeSecret;
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;

use crate::credentials::AkSk;
pub use algorithm::{ParseSigningAlgorithmError, SigningAlgorithm};
use canonical::SignableRequest;
pub(crate) use canonical::{PROJECT_ID_HEADER, SDK_DATE_HEADER, SECURITY_TOKEN_HEADER};
pub use error::SigningError;

/// `YYYYMMDDTHHMMSSZ`, the format of `X-Sdk-Date`. Parsed once rather than by time's macro,
/// which is a proc-macro crate more for every downstream build.
static SDK_DATE_FORMAT: std::sync::LazyLock<Vec<BorrowedFormatItem<'static>>> =
    std::sync::LazyLock::new(|| {
        time::format_description::parse_borrowed::<2>("[year][month][day]T[hour][minute][second]Z")
            .unwrap_or_default()
    });

/// Signs `request` with `keys` at time `now` with `SDK-HMAC-SHA256`, as Huawei's SDKs do by
/// default: adds `Host`, `X-Sdk-Date`, `X-Security-Token` (temporary keys) and
/// `Authorization`, the signature covering every header the request carries by then (so add
/// `X-Project-Id` and the like first). The secret-bearing headers are marked sensitive, so
/// `Debug` does not show them.
///
/// A request can be signed again (a retry): each call replaces what the previous one added.
/// [`Signer::sign`] does the same with any algorithm.
pub fn sign(
    request: &mut reqwest::Request,
    keys: &AkSk,
    now: SystemTime,
) -> Result<(), SigningError> {
    Signer::default().sign(request, keys, now)
}

/// Signs requests with one [`SigningAlgorithm`], keeping the ECDSA or SM2 key it derives
/// from the credentials until they change (a derivation is a scalar multiplication, more
/// than the rest of a signature). Clones share that key: the client's clones sign with one
/// `Signer`. `Signer::default()` signs with `SDK-HMAC-SHA256`.
#[derive(Clone, Default)]
pub struct Signer {
    algorithm: SigningAlgorithm,
    #[cfg(any(feature = "ecdsa", feature = "sm2"))]
    keys: derive::KeyCache,
}

/// The algorithm only: the derived key is never shown.
impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for `algorithm`.
    pub fn new(algorithm: SigningAlgorithm) -> Self {
        Signer {
            algorithm,
            #[cfg(any(feature = "ecdsa", feature = "sm2"))]
            keys: derive::KeyCache::default(),
        }
    }

    /// The algorithm it signs with.
    pub fn algorithm(&self) -> SigningAlgorithm {
        self.algorithm
    }

    /// Signs `request` with `keys` at time `now`, as [`sign`] does, with this signer's
    /// algorithm: its hash for the body and the canonical request, its name in the string to
    /// sign and in `Authorization`, its content header (`X-Sdk-Content-Sha256`,
    /// `X-Sdk-Content-Sm3`) for a body that is neither JSON nor BSON, and its signature.
    pub fn sign(
        &self,
        request: &mut reqwest::Request,
        keys: &AkSk,
        now: SystemTime,
    ) -> Result<(), SigningError> {
        let algorithm = self.algorithm;
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
        // Huawei's signer signs the body of JSON and BSON only; another one is
        // `UNSIGNED-PAYLOAD`, said in a signed header.
        if canonical::is_unsigned_payload(headers) {
            headers.insert(
                HeaderName::from_static(algorithm.content_header()),
                HeaderValue::from_static(canonical::UNSIGNED_PAYLOAD),
            );
        }
        let signed_headers = canonical::signed_header_names(request.headers());
        // Each signed header is signed as it is sent: once, as the text the canonical request
        // holds.
        for name in &signed_headers {
            let values = request.headers().get_all(*name);
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
        let payload_hash = payload_hash(algorithm, request)?;
        let signable = SignableRequest {
            method: request.method().as_str(),
            path: request.url().path(),
            query: request.url().query(),
            headers: request.headers(),
            body_sha256: &payload_hash,
        };
        let canonical = canonical::canonical_request(&signable, &signed_headers);
        let sdk_date = date.to_str().unwrap_or_default();
        let string_to_sign = canonical::string_to_sign_with(algorithm, sdk_date, &canonical);
        let signature = self.signature(keys, &string_to_sign)?;
        let authorization = canonical::authorization_with(
            algorithm,
            keys.ak.expose_secret(),
            &signed_headers,
            &signature,
        );
        let authorization =
            secret_header(&authorization).ok_or(SigningError::InvalidHeaderValue {
                header: "authorization",
            })?;
        request.headers_mut().insert(AUTHORIZATION, authorization);
        Ok(())
    }

    /// The hex signature of `string_to_sign`.
    fn signature(&self, keys: &AkSk, string_to_sign: &str) -> Result<String, SigningError> {
        if self.algorithm.is_hmac() {
            return Ok(canonical::hmac_signature(
                self.algorithm.hash_function(),
                keys.sk.expose_secret().as_bytes(),
                string_to_sign,
            ));
        }
        #[cfg(any(feature = "ecdsa", feature = "sm2"))]
        {
            self.keys.key(self.algorithm, keys)?.sign(string_to_sign)
        }
        #[cfg(not(any(feature = "ecdsa", feature = "sm2")))]
        {
            Err(SigningError::KeyDerivation)
        }
    }
}

/// The canonical request's last line for this request: the empty body's hash without a
/// body, what the algorithm's content header declares when it is there, else the body's
/// hash.
fn payload_hash(
    algorithm: SigningAlgorithm,
    request: &reqwest::Request,
) -> Result<String, SigningError> {
    let body = match request.body() {
        None => return Ok(algorithm.empty_body_hash().to_string()),
        Some(body) => body.as_bytes(),
    };
    if body.is_some_and(<[u8]>::is_empty) {
        return Ok(algorithm.empty_body_hash().to_string());
    }
    if let Some(declared) = canonical::declared_payload_hash(algorithm, request.headers()) {
        return Ok(declared);
    }
    let body = body.ok_or(SigningError::StreamingBody)?;
    Ok(canonical::body_hash(algorithm, body))
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
