//! Authentication as Huawei's API gateway does it: an IAM token in `X-Auth-Token`, or an
//! `SDK-HMAC-SHA256` signature verified with the client crate's own verifier
//! (`verify::verify`, its `verify` feature), with the `X-Security-Token` of temporary
//! credentials.

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
        "the request has neither an X-Auth-Token header nor an SDK-HMAC-SHA256 Authorization header"
    )]
    Missing,
    #[error("the X-Auth-Token is not valid")]
    WrongToken,
    #[error("the X-Auth-Token is not valid: this emulator accepts AK/SK signatures only")]
    TokenNotAccepted,
    #[error(
        "the Authorization header is not `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=<hex>`"
    )]
    MalformedAuthorization,
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
        let parsed = verify::parse_authorization(authorization)
            .ok_or(AuthFailure::MalformedAuthorization)?;
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

        let body_sha256 = verify::body_sha256(request.body);
        let received = SignableRequest {
            method: request.method.as_str(),
            path: request.uri.path(),
            query: request.uri.query(),
            headers: request.headers,
            body_sha256: &body_sha256,
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
