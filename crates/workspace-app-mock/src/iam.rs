//! IAM's `GET /v3/projects?name=<region>` (Keystone's project list), signed like the API:
//! one project per region, the emulator's project in its region; and IdP federation's two
//! exchanges, which take no credentials: an ID token for an unscoped token
//! (`POST /v3.0/OS-AUTH/id-token/tokens`), and that token for temporary credentials
//! (`POST /v3.0/OS-CREDENTIAL/securitytokens`), which the API then accepts until they
//! expire.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::gate::{Refused, read_and_check, read_body};
use crate::issuer::Origin;
use crate::state::Shared;
use crate::times::rfc3339;
use crate::workload::TokenRefused;

/// What IAM lets temporary credentials last (`duration_seconds`): 15 minutes to a day, 15
/// minutes when not asked.
const SECURITY_TOKEN_SECONDS: std::ops::RangeInclusive<u64> = 900..=86_400;
const DEFAULT_SECURITY_TOKEN_SECONDS: u64 = 900;

/// IAM's error body: `{"error": {"code": .., "message": .., "title": ..}}`.
fn iam_error(status: StatusCode, message: String) -> Response {
    let body = json!({
        "error": {
            "code": status.as_u16(),
            "message": message,
            "title": status.canonical_reason().unwrap_or("Error"),
        }
    });
    (status, Json(body)).into_response()
}

pub(crate) async fn list_projects(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    if !shared.iam {
        return iam_error(
            StatusCode::NOT_FOUND,
            "IAM is not enabled in this emulator".into(),
        );
    }
    // IAM wants a signature (or token) even when the API is open.
    let parts = match read_and_check(&shared, request, true).await {
        Ok((parts, ..)) => parts,
        Err(Refused::Body(_)) => {
            return iam_error(
                StatusCode::BAD_REQUEST,
                "the request body is too large or too slow".into(),
            );
        }
        Err(Refused::Auth(failure)) => {
            return iam_error(
                StatusCode::UNAUTHORIZED,
                format!("The request you have made requires authentication: {failure}"),
            );
        }
    };
    let name = form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
        .find(|(key, _)| key == "name")
        .map(|(_, value)| value.into_owned());
    // One project: the emulator's, named after its region.
    let (region, id) = (&shared.region, &shared.project_id);
    let listed = name.as_deref().is_none_or(|name| name == region);
    let projects: Vec<_> = listed
        .then(|| {
            json!({
                "id": id,
                "name": region,
                "domain_id": "0970dd7a1300f5672ff2c003c60ae115",
                "enabled": true,
                "is_domain": false,
                "parent_id": "0970dd7a1300f5672ff2c003c60ae115",
                "description": "",
                "links": {"self": format!("https://iam.myhuaweicloud.com/v3/projects/{id}")},
            })
        })
        .into_iter()
        .collect();
    let body = json!({
        "links": {"self": "https://iam.myhuaweicloud.com/v3/projects", "next": null, "previous": null},
        "projects": projects,
    });
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert("x-iam-trace-id", HeaderValue::from_static("emulator-trace"));
    response
}

/// The error body of IAM's `v3.0` APIs: `{"error_msg": .., "error_code": ..}`.
fn iam3_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"error_msg": message, "error_code": code});
    (status, Json(body)).into_response()
}

fn federation_off() -> Response {
    iam3_error(
        StatusCode::NOT_FOUND,
        "IAM.0004",
        "IdP federation is not enabled in this emulator",
    )
}

fn body_invalid(why: &str) -> Response {
    iam3_error(
        StatusCode::BAD_REQUEST,
        "IAM.0011",
        &format!("Request body is invalid: {why}."),
    )
}

/// The text at `pointer` of a JSON body, when it is a string with something in it.
fn text<'a>(body: &'a Value, pointer: &str) -> Option<&'a str> {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

/// `POST /v3.0/OS-AUTH/id-token/tokens`, `X-Idp-Id: <idp>`,
/// `{"auth": {"id_token": {"id": "<ID token>"}}}`: 201, the unscoped token in
/// `X-Subject-Token`, its details in the body. An ID token that is not one the emulator
/// accepts, or that has expired, gets 401; another identity provider 404.
pub(crate) async fn id_token_tokens(
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Response {
    let Some(idp_id) = &shared.workload.idp_id else {
        return federation_off();
    };
    let (parts, body) = match read_body(&shared, request).await {
        Ok(read) => read,
        Err(why) => return body_invalid(&why),
    };
    let Some(given) = parts.headers.get("x-idp-id").and_then(|v| v.to_str().ok()) else {
        return iam3_error(
            StatusCode::BAD_REQUEST,
            "IAM.0011",
            "The X-Idp-Id header is missing.",
        );
    };
    if given != idp_id {
        return iam3_error(
            StatusCode::NOT_FOUND,
            "IAM.0004",
            "Could not find the identity provider of X-Idp-Id.",
        );
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let Some(id_token) = text(&body, "/auth/id_token/id") else {
        return body_invalid("auth.id_token.id is missing");
    };
    let now = shared.clock.now();
    match shared.workload.check_id_token(id_token, now) {
        Ok(()) => {}
        Err(TokenRefused::NotValid) => {
            return iam3_error(
                StatusCode::UNAUTHORIZED,
                "IAM.0007",
                "The ID token is not valid.",
            );
        }
        Err(TokenRefused::Expired) => {
            return iam3_error(
                StatusCode::UNAUTHORIZED,
                "IAM.0007",
                "The ID token has expired.",
            );
        }
    }
    let (unscoped, expires_at) = shared.workload.issue_unscoped(now);
    let body = json!({
        "token": {
            "expires_at": rfc3339(expires_at),
            "issued_at": rfc3339(now),
            "methods": ["mapped"],
            "user": {
                "name": "FederationUser",
                "OS-FEDERATION": {
                    "identity_provider": {"id": idp_id},
                    "protocol": {"id": "oidc"},
                    "groups": [],
                },
            },
        }
    });
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&unscoped) {
        response.headers_mut().insert("x-subject-token", value);
    }
    response
}

/// `POST /v3.0/OS-CREDENTIAL/securitytokens`, `{"auth": {"identity": {"methods":
/// ["token"], "token": {"id": "<token>", "duration_seconds": 900..86400}}}}` (the token may
/// come in `X-Auth-Token` instead): 201 and `{"credential": {"access", "secret",
/// "securitytoken", "expires_at"}}`, valid for `duration_seconds` on the emulator's clock.
/// A token IAM did not issue, or that has expired, gets 401.
pub(crate) async fn security_tokens(
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Response {
    if shared.workload.idp_id.is_none() {
        return federation_off();
    }
    let (parts, body) = match read_body(&shared, request).await {
        Ok(read) => read,
        Err(why) => return body_invalid(&why),
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let methods = body
        .pointer("/auth/identity/methods")
        .and_then(Value::as_array);
    if !methods.is_some_and(|methods| methods.iter().any(|m| m == "token")) {
        return body_invalid("auth.identity.methods must hold \"token\"");
    }
    let header = parts
        .headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok());
    let Some(token) = text(&body, "/auth/identity/token/id").or(header) else {
        return body_invalid("auth.identity.token.id is missing, and so is X-Auth-Token");
    };
    let seconds = match body.pointer("/auth/identity/token/duration_seconds") {
        None => DEFAULT_SECURITY_TOKEN_SECONDS,
        Some(value) => match value
            .as_u64()
            .filter(|s| SECURITY_TOKEN_SECONDS.contains(s))
        {
            Some(seconds) => seconds,
            None => return body_invalid("duration_seconds must be 900 to 86400"),
        },
    };
    let now = shared.clock.now();
    if let Err(refused) = shared.workload.check_unscoped(token, now) {
        let message = match refused {
            TokenRefused::NotValid => "The token is not valid.",
            TokenRefused::Expired => "The token has expired.",
        };
        return iam3_error(StatusCode::UNAUTHORIZED, "IAM.0007", message);
    }
    let key = shared
        .auth
        .metadata
        .issue(now, Duration::from_secs(seconds), Origin::Federation);
    let body = json!({
        "credential": {
            "access": key.ak.expose_secret(),
            "secret": key.sk.expose_secret(),
            "securitytoken": key.security_token.expose_secret(),
            "expires_at": rfc3339(key.expires_at),
        }
    });
    (StatusCode::CREATED, Json(body)).into_response()
}
