//! The HTTP side: routing, the gateway in front of the API (request IDs, injected faults and
//! latency), authentication, validation and the answers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{ALLOW, RETRY_AFTER};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, put};
use fastrand::Rng;
use percent_encoding::percent_decode_str;
use workspace_app_client::REQUEST_ID_HEADER;
use workspace_app_client::types::{ErrorResponse, ListSubJobsResponse};

use crate::auth::{self, Auth};
use crate::clock::Clock;
use crate::error_codes;
use crate::faults::{FaultState, Injected};
use crate::jobs::Store;
use crate::query;

const PATH_PREFIX: &str = "/v1/";
const PATH_SUFFIX: &str = "/app-server-sub-jobs";
/// Most bytes of a request body read (a GET has none; this only bounds a misbehaving client).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Everything the handlers and the [`Emulator`](crate::Emulator) handle share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) store: RwLock<Store>,
    /// IDs and resource names of added jobs.
    pub(crate) ids: Mutex<Rng>,
    pub(crate) clock: Clock,
    pub(crate) speed: f64,
    pub(crate) auth: Auth,
    pub(crate) faults: Mutex<FaultState>,
    pub(crate) project_id: String,
    pub(crate) requests: AtomicU64,
    request_ids: Mutex<Rng>,
    /// How long a request's body may take to arrive after its head.
    pub(crate) body_timeout: Duration,
    /// IAM's project list, when enabled.
    pub(crate) iam: Option<crate::iam::Iam>,
    pub(crate) region: String,
}

impl Shared {
    pub(crate) fn new(
        clock: Clock,
        speed: f64,
        auth: Auth,
        faults: FaultState,
        project_id: String,
        seed: u64,
        body_timeout: Duration,
    ) -> Self {
        Shared {
            store: RwLock::new(Store::default()),
            ids: Mutex::new(Rng::with_seed(seed)),
            clock,
            speed,
            auth,
            faults: Mutex::new(faults),
            project_id,
            requests: AtomicU64::new(0),
            request_ids: Mutex::new(Rng::with_seed(seed ^ 0x7265_7175_6573_7473)),
            body_timeout,
            iam: None,
            region: String::new(),
        }
    }

    /// 32 hex digits, like the service's `X-Request-Id`.
    fn next_request_id(&self) -> String {
        let mut bytes = [0u8; 16];
        lock(&self.request_ids).fill(&mut bytes);
        hex::encode(bytes)
    }
}

/// A poisoned lock only means another request panicked; the data is still usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        // Every method reaches the handler, which answers all but GET with 405 and `Allow`.
        .route("/v1/{project_id}/app-server-sub-jobs", any(list_sub_jobs))
        // IAM and the ECS metadata service, when enabled (404 otherwise).
        .route("/v3/projects", get(crate::iam::list_projects))
        .route(
            "/openstack/latest/securitykey",
            get(crate::metadata::security_key),
        )
        .route(
            "/meta-data/latest/api/token",
            put(crate::metadata::session_token),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), gateway))
        .with_state(shared)
}

/// In front of every route, like Huawei's API gateway: counts the request, adds latency,
/// answers with an injected fault instead of the API when one is due, and stamps
/// `X-Request-Id` on whatever goes back.
async fn gateway(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let request_id = shared.next_request_id();
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let (latency, injected) = lock(&shared.faults).next();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut response = match injected {
        Some(injected) => injected_response(injected),
        None => next.run(request).await,
    };
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    // Path and status only: headers and query could carry credentials.
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        request_id,
        "request"
    );
    response
}

async fn list_sub_jobs(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    if request.method() != Method::GET {
        let mut response = error(
            StatusCode::METHOD_NOT_ALLOWED,
            error_codes::METHOD_NOT_ALLOWED,
            format!(
                "Method not allowed: {} is not supported by this API; use GET",
                request.method()
            ),
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET"));
        return response;
    }
    let (parts, body) = request.into_parts();
    // Bounded in time too, so a client trickling a body cannot hold a connection forever.
    let read = tokio::time::timeout(
        shared.body_timeout,
        axum::body::to_bytes(body, MAX_BODY_BYTES),
    );
    let body = match read.await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return invalid_parameter(format!(
                "the request body is larger than {MAX_BODY_BYTES} bytes"
            ));
        }
        Err(_) => {
            return invalid_parameter(format!(
                "the request body did not arrive within {} s of its head",
                shared.body_timeout.as_secs_f64()
            ));
        }
    };

    let now = shared.clock.now();
    let credentials = auth::Request {
        method: &parts.method,
        uri: &parts.uri,
        headers: &parts.headers,
        body: &body,
    };
    if let Err(failure) = shared.auth.check(&credentials, now) {
        return error(
            StatusCode::UNAUTHORIZED,
            error_codes::UNAUTHORIZED,
            format!("Incorrect IAM authentication information: {failure}"),
        );
    }

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
    let page = ListSubJobsResponse {
        count: Some(i32::try_from(count).unwrap_or(i32::MAX)),
        items,
    };
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

/// The project ID from the matched path, percent-decoded: the client encodes the segment.
fn project_id(path: &str) -> Result<String, String> {
    let raw = path
        .strip_prefix(PATH_PREFIX)
        .and_then(|rest| rest.strip_suffix(PATH_SUFFIX))
        .unwrap_or_default();
    let decoded = percent_decode_str(raw).decode_utf8().map_err(|_| {
        "Invalid parameter: project_id is not valid UTF-8 once percent-decoded".to_string()
    })?;
    if decoded.is_empty() {
        return Err("Invalid parameter: project_id must not be empty".into());
    }
    Ok(decoded.into_owned())
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        error_codes::NOT_FOUND,
        "The API does not exist or has not been published in the environment",
    )
}

fn injected_response(injected: Injected) -> Response {
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
    let body = ErrorResponse {
        error_code: Some(code.to_string()),
        error_msg: Some(message.into()),
    };
    (status, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

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
