//! IAM's `GET /v3/projects?name=<region>` (Keystone's project list), signed like the API:
//! one project per region, the emulator's project in its region.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::gate::{Refused, read_and_check};
use crate::state::Shared;

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
