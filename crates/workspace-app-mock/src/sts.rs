//! STS's `POST /v5/agencies/assume-with-oidc` (AssumeAgencyWithOIDC), which takes no
//! credentials: an agency assumed with an OIDC ID token, for temporary credentials the API
//! then accepts until they expire.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::gate::read_body;
use crate::issuer::Origin;
use crate::state::Shared;
use crate::times::rfc3339;
use crate::workload::TokenRefused;

/// What STS lets the credentials last (`duration_seconds`): 15 minutes to 12 hours, an hour
/// when not asked.
const DURATION_SECONDS: std::ops::RangeInclusive<u64> = 900..=43_200;
const DEFAULT_DURATION_SECONDS: u64 = 3600;

/// STS's error body: `{"error_msg": .., "error_code": ..}` (with IAM's codes, as its
/// documentation allows).
fn sts_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"error_msg": message, "error_code": code});
    (status, Json(body)).into_response()
}

fn invalid(why: &str) -> Response {
    sts_error(
        StatusCode::BAD_REQUEST,
        "IAM.0011",
        &format!("Request body is invalid: {why}."),
    )
}

/// Whether a session name is 2 to 128 of `A-Z a-z 0-9 _ + = , . @ -`, as STS wants it.
fn valid_session_name(name: &str) -> bool {
    (2..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// `{"provider_urn", "agency_urn", "agency_session_name", "id_token", "duration_seconds"
/// (900..43200, default 3600), "policy" (a JSON document as a string), "policy_ids"}`: 200
/// and `{"credentials": {"access_key_id", "secret_access_key", "security_token",
/// "expiration"}, "assumed_agency": {..}, ..}`. An ID token that is not one the emulator
/// accepts, or that has expired, gets 401; another provider or agency 404.
pub(crate) async fn assume_with_oidc(
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Response {
    let Some(trust) = &shared.workload.oidc else {
        return sts_error(
            StatusCode::NOT_FOUND,
            "IAM.0004",
            "OIDC through STS is not enabled in this emulator",
        );
    };
    let body = match read_body(&shared, request).await {
        Ok((_, body)) => body,
        Err(why) => return invalid(&why),
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let field = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let (Some(provider_urn), Some(agency_urn), Some(session_name), Some(id_token)) = (
        field("provider_urn"),
        field("agency_urn"),
        field("agency_session_name"),
        field("id_token"),
    ) else {
        return invalid(
            "provider_urn, agency_urn, agency_session_name and id_token are required strings",
        );
    };
    if !valid_session_name(session_name) {
        return invalid("agency_session_name must be 2 to 128 of A-Z a-z 0-9 _+=,.@-");
    }
    if !(4..=20_000).contains(&id_token.len()) {
        return invalid("id_token must be 4 to 20000 characters");
    }
    let seconds = match body.get("duration_seconds") {
        None => DEFAULT_DURATION_SECONDS,
        Some(value) => match value.as_u64().filter(|s| DURATION_SECONDS.contains(s)) {
            Some(seconds) => seconds,
            None => return invalid("duration_seconds must be 900 to 43200"),
        },
    };
    if let Some(policy) = body.get("policy")
        && !policy.as_str().is_some_and(|p| {
            (2..=4096).contains(&p.len()) && serde_json::from_str::<Value>(p).is_ok()
        })
    {
        return invalid("policy must be a JSON document of 2 to 4096 characters, as a string");
    }
    if let Some(ids) = body.get("policy_ids")
        && !ids
            .as_array()
            .is_some_and(|ids| ids.len() <= 20 && ids.iter().all(Value::is_string))
    {
        return invalid("policy_ids must be a list of at most 20 strings");
    }
    if provider_urn != trust.provider_urn {
        return sts_error(
            StatusCode::NOT_FOUND,
            "IAM.0004",
            "Could not find the identity provider of provider_urn.",
        );
    }
    if agency_urn != trust.agency_urn {
        return sts_error(
            StatusCode::NOT_FOUND,
            "IAM.0004",
            "Could not find an agency of agency_urn that trusts this identity provider.",
        );
    }
    let now = shared.clock.now();
    if let Err(refused) = shared.workload.check_id_token(id_token, now) {
        let message = match refused {
            TokenRefused::NotValid => "The ID token is not valid.",
            TokenRefused::Expired => "The ID token has expired.",
        };
        return sts_error(StatusCode::UNAUTHORIZED, "IAM.0007", message);
    }
    let key = shared
        .auth
        .metadata
        .issue(now, Duration::from_secs(seconds), Origin::Oidc);
    let body = json!({
        "credentials": {
            "access_key_id": key.ak.expose_secret(),
            "secret_access_key": key.sk.expose_secret(),
            "security_token": key.security_token.expose_secret(),
            "expiration": rfc3339(key.expires_at),
        },
        "assumed_agency": {
            "agency_id": "0f6d8a5a3e0a4c6e9d2b1c7f5e4a3b2c",
            "agency_session_urn": format!("{agency_urn}/{session_name}"),
        },
        "provider": provider_urn,
        "audience": "workspace-app-mock",
        "subject_from_id_token": "system:serviceaccount:default:workload",
    });
    (StatusCode::OK, Json(body)).into_response()
}
