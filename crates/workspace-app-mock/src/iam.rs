//! IAM's `GET /v3/projects?name=<region>` (Keystone's project list), signed like the API:
//! one project per region, the emulator's project in its region.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::auth;
use crate::server::Shared;

/// Most bytes of a request body read (a GET has none).
const MAX_BODY_BYTES: usize = 64 * 1024;

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
    let Some(iam) = &shared.iam else {
        return iam_error(
            StatusCode::NOT_FOUND,
            "IAM is not enabled in this emulator".into(),
        );
    };
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(
        shared.body_timeout,
        axum::body::to_bytes(body, MAX_BODY_BYTES),
    );
    let Ok(Ok(body)) = read.await else {
        return iam_error(
            StatusCode::BAD_REQUEST,
            "the request body is too large or too slow".into(),
        );
    };
    let now = shared.clock.now();
    let credentials = auth::Request {
        method: &parts.method,
        uri: &parts.uri,
        headers: &parts.headers,
        body: &body,
    };
    // IAM wants a signature (or token) even when the API is open.
    let failure = if shared.auth.is_open() {
        Some(auth::AuthFailure::Missing)
    } else {
        shared.auth.check(&credentials, now).err()
    };
    if let Some(failure) = failure {
        return iam_error(
            StatusCode::UNAUTHORIZED,
            format!("The request you have made requires authentication: {failure}"),
        );
    }
    let name = form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
        .find(|(key, _)| key == "name")
        .map(|(_, value)| value.into_owned());
    let projects: Vec<_> = iam
        .regions
        .iter()
        .filter(|(region, _)| name.as_deref().is_none_or(|name| name == region))
        .map(|(region, id)| {
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

/// The projects IAM knows: (region, project ID).
#[derive(Clone, Debug, Default)]
pub(crate) struct Iam {
    pub(crate) regions: Vec<(String, String)>,
}
