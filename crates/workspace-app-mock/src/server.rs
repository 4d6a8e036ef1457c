//! The HTTP side: routing, the gateway in front of the API (request IDs, injected faults and
//! latency), authentication, validation and the answers. An operation of the spec the
//! emulator has no behaviour for is answered with its documented example, as Prism does.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{ALLOW, CONTENT_TYPE, DATE, RETRY_AFTER};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, put};
use fastrand::Rng;
use percent_encoding::percent_decode_str;
use workspace_app_client::REQUEST_ID_HEADER;
use workspace_app_client::spec::operations::{self, LIST_SUB_JOBS, Operation};
use workspace_app_client::types::{ErrorResponse, ListSubJobsResponse};

use crate::auth::{self, Auth};
use crate::clock::Clock;
use crate::error_codes;
use crate::faults::{FaultState, Injected};
use crate::jobs::Store;
use crate::query;

/// The path parameter of `ListSubJobs`'s path template.
const PROJECT_ID: &str = "{project_id}";
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
    /// Whether IAM answers (one project: `project_id`, named `region`).
    pub(crate) iam: bool,
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
            iam: false,
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
        // Every method reaches the handler, which answers all but GET with 405 and `Allow`
        // (or with the example of another operation the spec has at this path).
        // The template is the spec's, whose `{name}` syntax is axum's too.
        .route(LIST_SUB_JOBS.path, any(list_sub_jobs))
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
        // Other operations of the spec get their documented example; other paths 404.
        .fallback(documented_example)
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
    // `Date` from the emulator's clock (hyper would write the system's): a test that skews
    // the clock sees the client measure the skew from it.
    if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(shared.clock.now())) {
        response.headers_mut().insert(DATE, value);
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
async fn documented_example(State(shared): State<Arc<Shared>>, request: Request) -> Response {
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
) -> Result<(axum::http::request::Parts, SystemTime), Response> {
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

/// Why [`read_and_check`] refused a request; each service words its own answer.
pub(crate) enum Refused {
    /// The body was too large or too slow.
    Body(String),
    /// The credentials were missing or wrong.
    Auth(auth::AuthFailure),
}

/// Reads the (bounded) body and checks the request's credentials at the emulator's `now`,
/// which it returns with the request's head. `credentials_required`: refuse an unsigned
/// request even when the emulator's API is open (IAM always wants them).
pub(crate) async fn read_and_check(
    shared: &Shared,
    request: Request,
    credentials_required: bool,
) -> Result<(axum::http::request::Parts, SystemTime), Refused> {
    let (parts, body) = request.into_parts();
    // Bounded in time too, so a client trickling a body cannot hold a connection forever.
    let read = tokio::time::timeout(
        shared.body_timeout,
        axum::body::to_bytes(body, MAX_BODY_BYTES),
    );
    let body = match read.await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => {
            return Err(Refused::Body(format!(
                "the request body is larger than {MAX_BODY_BYTES} bytes"
            )));
        }
        Err(_) => {
            return Err(Refused::Body(format!(
                "the request body did not arrive within {} s of its head",
                shared.body_timeout.as_secs_f64()
            )));
        }
    };

    let now = shared.clock.now();
    let credentials = auth::Request {
        method: &parts.method,
        uri: &parts.uri,
        headers: &parts.headers,
        body: &body,
    };
    if credentials_required && shared.auth.is_open() {
        return Err(Refused::Auth(auth::AuthFailure::Missing));
    }
    shared
        .auth
        .check(&credentials, now)
        .map_err(Refused::Auth)?;
    Ok((parts, now))
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
