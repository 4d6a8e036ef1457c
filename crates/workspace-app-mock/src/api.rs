//! The API's own routes: `ListSubJobs` with its behaviour (validation, the project in the
//! path, the page from the store), every other operation of the spec answered with its
//! documented example, as Prism does, and the API's error answers (Huawei's
//! `{"error_code", "error_msg"}`), injected faults' included.

use std::sync::{Arc, PoisonError};
use std::time::SystemTime;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use workspace_app_client::spec::operations::{self, LIST_SUB_JOBS, Operation};
use workspace_app_client::types::{ErrorResponse, ListSubJobsResponse};

use crate::error_codes;
use crate::faults::Injected;
use crate::gate::{Refused, read_and_check};
use crate::query;
use crate::state::Shared;

/// The path parameter of `ListSubJobs`'s path template.
const PROJECT_ID: &str = "{project_id}";

/// `GET` of `ListSubJobs`: one page of the sub-jobs of the project in the path; another
/// method of its path is answered as [`documented_example`] answers.
pub(crate) async fn list_sub_jobs(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    if request.method() != Method::GET {
        return documented_example(State(shared), request).await;
    }
    let (parts, now) = match read_and_authenticate(&shared, request).await {
        Ok(request) => request,
        Err(refused) => return refused,
    };

    let project_id = match project_id(parts.uri.path()) {
        Ok(project_id) => project_id,
        Err(message) => return invalid_parameter(message),
    };
    let filter = match query::parse(parts.uri.query()) {
        Ok(filter) => filter,
        Err(message) => return invalid_parameter(message),
    };
    let (count, items) = shared
        .store
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .list(&project_id, &filter, now, shared.speed);
    let mut page = ListSubJobsResponse::default();
    page.count = Some(i32::try_from(count).unwrap_or(i32::MAX));
    page.items = items;
    match serde_json::to_value(page) {
        Ok(mut body) => {
            // The generated type leaves out an empty list; the service sends `"items": []`.
            if let Some(object) = body.as_object_mut() {
                object
                    .entry("items")
                    .or_insert_with(|| serde_json::Value::Array(Vec::new()));
            }
            Json(body).into_response()
        }
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            error_codes::INTERNAL_ERROR,
            format!("Internal error: cannot serialize the page: {e}"),
        ),
    }
}

/// An operation of the spec the emulator has no behaviour for: 200 with the example the
/// spec documents for its 200 response, once the request is authenticated, as Prism
/// answers. A path of the spec with another method gets 405 and `Allow`; any other path
/// 404, as the gateway answers.
pub(crate) async fn documented_example(
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Response {
    let path = request.uri().path().to_owned();
    let at_path = operations_at(&path);
    let Some(operation) = at_path
        .iter()
        .find(|operation| operation.method == request.method().as_str())
    else {
        if at_path.is_empty() {
            return not_found();
        }
        return method_not_allowed(request.method(), &at_path);
    };
    if let Err(refused) = read_and_authenticate(&shared, request).await {
        return refused;
    }
    match operation.example("200") {
        Some(example) => (
            StatusCode::OK,
            [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            example,
        )
            .into_response(),
        None => error(
            StatusCode::NOT_IMPLEMENTED,
            error_codes::INTERNAL_ERROR,
            format!(
                "The emulator has no behaviour for {} and the spec documents no example of its 200 response",
                operation.operation_id
            ),
        ),
    }
}

/// The spec's operations whose path template `path` fits (`{name}` stands for one
/// non-empty segment), those with the most literal segments first (`/a/b` before `/a/{x}`),
/// so that each method maps to its most specific operation.
fn operations_at(path: &str) -> Vec<&'static Operation> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut found: Vec<(usize, &'static Operation)> = operations::ALL
        .iter()
        .filter_map(|operation| {
            let template: Vec<&str> = operation.path.split('/').collect();
            let fits = template.len() == segments.len()
                && template.iter().zip(&segments).all(|(want, have)| {
                    if want.starts_with('{') && want.ends_with('}') {
                        !have.is_empty()
                    } else {
                        want == have
                    }
                });
            let literal = template.iter().filter(|s| !s.starts_with('{')).count();
            fits.then_some((literal, operation))
        })
        .collect();
    found.sort_by_key(|(literal, _)| std::cmp::Reverse(*literal));
    // One operation per method: the most specific.
    let mut seen = Vec::new();
    found.retain(|(_, operation)| {
        let new = !seen.contains(&operation.method);
        seen.push(operation.method);
        new
    });
    found.into_iter().map(|(_, operation)| operation).collect()
}

/// 405 with `Allow`: the methods the spec has at this path.
fn method_not_allowed(method: &Method, allowed: &[&'static Operation]) -> Response {
    let mut methods: Vec<&str> = allowed.iter().map(|operation| operation.method).collect();
    methods.sort_unstable();
    let mut response = error(
        StatusCode::METHOD_NOT_ALLOWED,
        error_codes::METHOD_NOT_ALLOWED,
        format!(
            "Method not allowed: {method} is not supported by this API; use {}",
            methods.join(" or ")
        ),
    );
    if let Ok(allow) = HeaderValue::from_str(&methods.join(", ")) {
        response.headers_mut().insert(ALLOW, allow);
    }
    response
}

/// Reads the (bounded) body and checks the request's credentials at the emulator's `now`,
/// which it returns with the request's head; the error is the answer.
async fn read_and_authenticate(
    shared: &Shared,
    request: Request,
) -> Result<(Parts, SystemTime), Response> {
    read_and_check(shared, request, false)
        .await
        .map_err(|refused| match refused {
            Refused::Body(reason) => invalid_parameter(reason),
            Refused::Auth(failure) => error(
                StatusCode::UNAUTHORIZED,
                error_codes::UNAUTHORIZED,
                format!("Incorrect IAM authentication information: {failure}"),
            ),
        })
}

/// The project ID from the matched path, percent-decoded: the client encodes the segment.
fn project_id(path: &str) -> Result<String, String> {
    let (prefix, suffix) = LIST_SUB_JOBS
        .path
        .split_once(PROJECT_ID)
        .unwrap_or_default();
    let raw = path
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .unwrap_or_default();
    let decoded = percent_decode_str(raw).decode_utf8().map_err(|_| {
        "Invalid parameter: project_id is not valid UTF-8 once percent-decoded".to_string()
    })?;
    if decoded.is_empty() {
        return Err("Invalid parameter: project_id must not be empty".into());
    }
    Ok(decoded.into_owned())
}

fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        error_codes::NOT_FOUND,
        "The API does not exist or has not been published in the environment",
    )
}

/// The answer to a request the gateway fails on purpose ([`Injected`]): the status, the
/// matching `error_code`, and `Retry-After` when the fault has one.
pub(crate) fn injected_response(injected: Injected) -> Response {
    let status = injected.status;
    let code = match status {
        StatusCode::TOO_MANY_REQUESTS => error_codes::THROTTLED,
        StatusCode::SERVICE_UNAVAILABLE => error_codes::SERVICE_UNAVAILABLE,
        StatusCode::BAD_REQUEST => error_codes::INVALID_PARAMETER,
        StatusCode::UNAUTHORIZED => error_codes::UNAUTHORIZED,
        StatusCode::NOT_FOUND => error_codes::NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED => error_codes::METHOD_NOT_ALLOWED,
        _ => error_codes::INTERNAL_ERROR,
    };
    let reason = match status {
        StatusCode::TOO_MANY_REQUESTS => "The throttling threshold has been reached",
        StatusCode::SERVICE_UNAVAILABLE => "The service is now unavailable to process the request",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    let message = format!("{reason} (injected by the emulator)");
    let mut response = error(injected.status, code, message);
    if let Some(retry_after) = injected.retry_after {
        // Whole seconds, rounded up, so a client never retries too early.
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

fn invalid_parameter(message: String) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        error_codes::INVALID_PARAMETER,
        message,
    )
}

/// The Huawei-style error body, `{"error_code": ..., "error_msg": ...}`.
fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let mut body = ErrorResponse::default();
    body.error_code = Some(code.to_string());
    body.error_msg = Some(message.into());
    (status, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_found_by_their_path_template() {
        let list = [&LIST_SUB_JOBS];
        assert_eq!(operations_at("/v1/p/app-server-sub-jobs"), list);
        assert_eq!(operations_at("/v1/a%2Fb/app-server-sub-jobs"), list);
        for path in [
            "/v1//app-server-sub-jobs",
            "/v1/p/app-server-sub-jobs/",
            "/v1/p/q/app-server-sub-jobs",
            "/v1/p/app-server-sub-jobs/x",
            "/",
            "",
        ] {
            assert!(operations_at(path).is_empty(), "{path}");
        }
    }

    #[test]
    fn the_project_id_is_percent_decoded() {
        assert_eq!(project_id("/v1/abc/app-server-sub-jobs"), Ok("abc".into()));
        assert_eq!(
            project_id("/v1/a%2Fb%20c+d/app-server-sub-jobs"),
            Ok("a/b c+d".into())
        );
        assert_eq!(
            project_id("/v1/%C3%A9/app-server-sub-jobs"),
            Ok("\u{e9}".into())
        );
        assert!(project_id("/v1/%FF/app-server-sub-jobs").is_err());
        assert!(project_id("/v1//app-server-sub-jobs").is_err());
    }
}
