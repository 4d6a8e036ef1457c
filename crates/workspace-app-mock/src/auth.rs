//! Authentication as Huawei's API gateway does it: an IAM token in `X-Auth-Token`, or an
//! AK/SK signature verified with the client crate's own verifier (`signing::verify`, its
//! `verify` feature), with the `X-Security-Token` of temporary credentials. Every signing
//! algorithm the client crate is built with is accepted: `SDK-HMAC-SHA256` and
//! `SDK-HMAC-SM3` always, `SDK-ECDSA-P256-SHA256` and `SDK-SM2-SM3` with this crate's
//! `ecdsa` and `sm2` features (on by default), their keys derived from the SK of the AK,
//! configured or issued by the metadata endpoint.

use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, Method, Uri};
use secrecy::{ExposeSecret, SecretString};
use workspace_app_client::signing::verify::{self, SignableRequest};

use crate::issuer::Issuer;

/// How far `X-Sdk-Date` may be from the emulator's clock, either way.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

/// The headers a signature must cover.
const REQUIRED_SIGNED_HEADERS: [&str; 2] = ["host", verify::SDK_DATE_HEADER];

/// What the emulator accepts. With neither a token nor keys, every request is let in.
#[derive(Clone, Debug, Default)]
pub(crate) struct Auth {
    pub(crate) token: Option<SecretString>,
    pub(crate) keys: Option<(SecretString, SecretString)>,
    /// Set when the keys are temporary: signed requests must carry and sign it.
    pub(crate) security_token: Option<SecretString>,
    /// Temporary keys issued by the metadata endpoint, accepted until they expire.
    pub(crate) metadata: Issuer,
}

/// Why a request was not authenticated. The messages never contain a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AuthFailure {
    #[error(
        "the request has neither an X-Auth-Token header nor an AK/SK Authorization header \
         (SDK-HMAC-SHA256 or another of Huawei's signing algorithms)"
    )]
    Missing,
    #[error("the X-Auth-Token is not valid")]
    WrongToken,
    #[error("the X-Auth-Token is not valid: this emulator accepts AK/SK signatures only")]
    TokenNotAccepted,
    #[error(
        "the Authorization header is not `<algorithm> Access=<AK>, SignedHeaders=<h1;h2>, Signature=<hex>`"
    )]
    MalformedAuthorization,
    #[error("the signing algorithm is not one this emulator verifies: {0}")]
    UnsupportedAlgorithm(&'static str),
    #[error("the access key (AK) is unknown")]
    UnknownAccessKey,
    #[error("the signature must cover the host and x-sdk-date headers")]
    HeadersNotSigned,
    #[error(
        "the request has no X-Security-Token: the access key is temporary and needs its security token"
    )]
    MissingSecurityToken,
    #[error("x-security-token must be among the signed headers of temporary credentials")]
    SecurityTokenNotSigned,
    #[error("the X-Security-Token is not valid for this access key")]
    WrongSecurityToken,
    #[error("the temporary credentials have expired; get new ones from the metadata service")]
    ExpiredCredentials,
    #[error("x-project-id must be among the signed headers when X-Project-Id is sent")]
    ProjectIdNotSigned,
    #[error("the X-Sdk-Date header is missing or not of the form YYYYMMDDTHHMMSSZ")]
    BadSdkDate,
    #[error("the X-Sdk-Date is more than 15 minutes away from the server's time; check the clock")]
    StaleSdkDate,
    #[error("verify aksk signature fail: the signature does not match the request; check the SK")]
    WrongSignature,
}

/// The parts of a request authentication looks at.
pub(crate) struct Request<'a> {
    pub(crate) method: &'a Method,
    pub(crate) uri: &'a Uri,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

impl Auth {
    pub(crate) fn is_open(&self) -> bool {
        self.token.is_none() && self.keys.is_none() && self.metadata.ttl.is_none()
    }

    /// Checks the request's credentials against the configured ones at time `now`.
    pub(crate) fn check(&self, request: &Request<'_>, now: SystemTime) -> Result<(), AuthFailure> {
        if self.is_open() {
            return Ok(());
        }
        // Every credential the request presents must hold, like a gateway that refuses a
        // request with any bad credential rather than pick the one that works.
        let token = request.headers.get("x-auth-token");
        let authorization = request.headers.get(axum::http::header::AUTHORIZATION);
        if token.is_none() && authorization.is_none() {
            return Err(AuthFailure::Missing);
        }
        if let Some(authorization) = authorization {
            let authorization = authorization
                .to_str()
                .map_err(|_| AuthFailure::MalformedAuthorization)?;
            self.check_signature(authorization, request, now)?;
        }
        if let Some(token) = token {
            let expected = self.token.as_ref().ok_or(AuthFailure::TokenNotAccepted)?;
            let given = token.to_str().unwrap_or_default();
            if !verify::secrets_match(expected.expose_secret(), given) {
                return Err(AuthFailure::WrongToken);
            }
        }
        Ok(())
    }

    fn check_signature(
        &self,
        authorization: &str,
        request: &Request<'_>,
        now: SystemTime,
    ) -> Result<(), AuthFailure> {
        let parsed = verify::parse_authorization(authorization).ok_or_else(|| {
            // `SDK-...` names a signing algorithm, which may be one this build lacks.
            match verify::authorization_algorithm(authorization) {
                Err(error) if authorization.starts_with("SDK-") => {
                    AuthFailure::UnsupportedAlgorithm(match error.needs_feature() {
                        Some("ecdsa") => "SDK-ECDSA-P256-SHA256 needs the emulator's ecdsa feature",
                        Some("sm2") => "SDK-SM2-SM3 needs the emulator's sm2 feature",
                        _ => "it is none of Huawei's",
                    })
                }
                _ => AuthFailure::MalformedAuthorization,
            }
        })?;
        // The configured keys, or temporary ones the metadata endpoint issued.
        let configured = self
            .keys
            .as_ref()
            .filter(|(ak, _)| verify::secrets_match(ak.expose_secret(), parsed.access))
            .map(|(_, sk)| (sk.clone(), self.security_token.clone(), None));
        let (sk, security_token, expires_at) = configured
            .or_else(|| {
                self.metadata
                    .find(parsed.access)
                    .map(|(sk, token, expires_at)| (sk, Some(token), Some(expires_at)))
            })
            .ok_or(AuthFailure::UnknownAccessKey)?;
        if !REQUIRED_SIGNED_HEADERS
            .iter()
            .all(|required| parsed.signed_headers.contains(required))
        {
            return Err(AuthFailure::HeadersNotSigned);
        }
        let signed = |name: &str| parsed.signed_headers.contains(&name);
        if let Some(expected) = &security_token {
            let given = request
                .headers
                .get(verify::SECURITY_TOKEN_HEADER)
                .ok_or(AuthFailure::MissingSecurityToken)?;
            if !signed(verify::SECURITY_TOKEN_HEADER) {
                return Err(AuthFailure::SecurityTokenNotSigned);
            }
            let given = given.to_str().unwrap_or_default();
            if !verify::secrets_match(expected.expose_secret(), given) {
                return Err(AuthFailure::WrongSecurityToken);
            }
        }
        if request.headers.contains_key(verify::PROJECT_ID_HEADER)
            && !signed(verify::PROJECT_ID_HEADER)
        {
            return Err(AuthFailure::ProjectIdNotSigned);
        }
        let sdk_date = request
            .headers
            .get(verify::SDK_DATE_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or(AuthFailure::BadSdkDate)?;
        let signed_at = verify::parse_sdk_date(sdk_date).ok_or(AuthFailure::BadSdkDate)?;
        let skew = now
            .duration_since(signed_at)
            .unwrap_or_else(|e| e.duration());
        if skew > MAX_CLOCK_SKEW {
            return Err(AuthFailure::StaleSdkDate);
        }

        // The algorithm's hash of the body, or what its content header declares
        // (`UNSIGNED-PAYLOAD` for a body that is neither JSON nor BSON).
        let payload_hash = verify::payload_hash(
            parsed.algorithm,
            request.headers,
            &parsed.signed_headers,
            request.body,
        );
        let received = SignableRequest {
            method: request.method.as_str(),
            path: request.uri.path(),
            query: request.uri.query(),
            headers: request.headers,
            body_sha256: &payload_hash,
        };
        if !verify::signature_matches(&received, &parsed, sk.expose_secret().as_bytes()) {
            return Err(AuthFailure::WrongSignature);
        }
        if expires_at.is_some_and(|expires_at| expires_at <= now) {
            return Err(AuthFailure::ExpiredCredentials);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workspace_app_client::AkSk;
    use workspace_app_client::signing::{Signer, SigningAlgorithm};

    const AK: &str = "EMULATOR-AK";
    const SK: &str = "emulator-sk";

    fn auth() -> Auth {
        Auth {
            keys: Some((AK.into(), SK.into())),
            ..Auth::default()
        }
    }

    /// Signs a request with `algorithm` and checks it as the emulator would, the body
    /// possibly swapped after signing.
    fn check(
        algorithm: SigningAlgorithm,
        content_type: &str,
        body: &str,
        sent_body: &str,
    ) -> Result<(), AuthFailure> {
        let mut request = reqwest::Request::new(
            reqwest::Method::POST,
            "http://127.0.0.1:8080/v1/p/app-server-sub-jobs?limit=1"
                .parse()
                .unwrap(),
        );
        request
            .headers_mut()
            .insert("content-type", content_type.parse().unwrap());
        *request.body_mut() = Some(body.to_string().into());
        let now = SystemTime::now();
        Signer::new(algorithm)
            .sign(&mut request, &AkSk::new(AK, SK), now)
            .unwrap();
        let uri: Uri = request.url().as_str().parse().unwrap();
        auth().check(
            &Request {
                method: request.method(),
                uri: &uri,
                headers: request.headers(),
                body: sent_body.as_bytes(),
            },
            now,
        )
    }

    #[test]
    fn every_algorithm_is_verified() {
        assert_eq!(
            SigningAlgorithm::AVAILABLE.len(),
            4,
            "the emulator's features"
        );
        for &algorithm in SigningAlgorithm::AVAILABLE {
            let json = "application/json";
            assert_eq!(check(algorithm, json, "{}", "{}"), Ok(()), "{algorithm}");
            assert_eq!(
                check(algorithm, json, "{}", "{\"a\":1}"),
                Err(AuthFailure::WrongSignature),
                "{algorithm}: the body is signed"
            );
            // A body that is neither JSON nor BSON is `UNSIGNED-PAYLOAD`, as Huawei's signer
            // sends it: another body verifies too.
            let text = "text/plain";
            assert_eq!(check(algorithm, text, "a", "a"), Ok(()), "{algorithm}");
            assert_eq!(check(algorithm, text, "a", "b"), Ok(()), "{algorithm}");
        }
    }

    #[test]
    fn another_algorithm_is_refused_as_such() {
        let uri: Uri = "/v1/p/app-server-sub-jobs".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            "SDK-HMAC-MD5 Access=EMULATOR-AK, SignedHeaders=host;x-sdk-date, Signature=00"
                .parse()
                .unwrap(),
        );
        let failure = auth()
            .check(
                &Request {
                    method: &Method::GET,
                    uri: &uri,
                    headers: &headers,
                    body: b"",
                },
                SystemTime::now(),
            )
            .unwrap_err();
        assert!(matches!(failure, AuthFailure::UnsupportedAlgorithm(_)));
        assert!(
            failure.to_string().contains("none of Huawei's"),
            "{failure}"
        );
    }
}
