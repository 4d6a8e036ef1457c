//! The ECS instance metadata service's `GET /openstack/latest/securitykey` and the session
//! token of `PUT /meta-data/latest/api/token`: short-lived temporary credentials from the
//! [key issuer](crate::issuer), which the emulator then accepts until they expire (then 401).

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;

use crate::issuer::Origin;
use crate::state::Shared;
use crate::times::rfc3339;

/// Most seconds a session token may live (Huawei's SDKs ask for 6 hours).
const MAX_SESSION_SECONDS: u64 = 6 * 60 * 60;

/// `PUT /meta-data/latest/api/token` with `X-Metadata-Token-Ttl-Seconds` (1 to 21600): a
/// session token to send back in `X-Metadata-Token`.
pub(crate) async fn session_token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    let issuer = &shared.auth.metadata;
    if !issuer.metadata {
        return (
            StatusCode::NOT_FOUND,
            "metadata credentials are not enabled",
        )
            .into_response();
    }
    let seconds = headers
        .get("x-metadata-token-ttl-seconds")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| (1..=MAX_SESSION_SECONDS).contains(s));
    let Some(seconds) = seconds else {
        return (
            StatusCode::BAD_REQUEST,
            "X-Metadata-Token-Ttl-Seconds must be a number of seconds from 1 to 21600",
        )
            .into_response();
    };
    issuer
        .new_session(shared.clock.now(), Duration::from_secs(seconds))
        .into_response()
}

/// `GET /openstack/latest/securitykey`: new temporary credentials each time, with the
/// emulator's time in `Date` (a client counts their lifetime from it). A request with an
/// `X-Metadata-Token` gets 401 unless the token is one issued and not expired.
pub(crate) async fn security_key(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    let issuer = &shared.auth.metadata;
    let (true, Some(ttl)) = (issuer.metadata, issuer.ttl) else {
        return (
            StatusCode::NOT_FOUND,
            "metadata credentials are not enabled",
        )
            .into_response();
    };
    let now = shared.clock.now();
    if let Some(token) = headers.get("x-metadata-token")
        && !issuer.session_valid(token.to_str().unwrap_or_default(), now)
    {
        return (
            StatusCode::UNAUTHORIZED,
            "the metadata session token is not valid",
        )
            .into_response();
    }
    let key = issuer.issue(now, ttl, Origin::Metadata);
    let body = serde_json::json!({
        "credential": {
            "access": key.ak.expose_secret(),
            "secret": key.sk.expose_secret(),
            "securitytoken": key.security_token.expose_secret(),
            "expires_at": rfc3339(key.expires_at),
        }
    });
    // `Date`, which the client counts the lifetime from, is the gateway's, on the same clock.
    Json(body).into_response()
}
