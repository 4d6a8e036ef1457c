//! The HTTP side put together: the routes of the API, IAM, STS and the metadata service, behind
//! a gateway that, like Huawei's, counts each request, adds latency, answers with an injected
//! fault when one is due, and stamps `X-Request-Id` and `Date` on whatever goes back.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::DATE;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get, post, put};
use workspace_app_client::REQUEST_ID_HEADER;
use workspace_app_client::spec::operations::LIST_SUB_JOBS;

use crate::api::{documented_example, injected_response, list_sub_jobs};
use crate::iam::{id_token_tokens, list_projects, security_tokens};
use crate::lock::lock;
use crate::metadata::{security_key, session_token};
use crate::state::Shared;
use crate::sts::assume_with_oidc;

/// Every route, behind the gateway.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        // Every method reaches the handler, which answers all but GET with 405 and `Allow`
        // (or as another operation the spec has at this path is answered).
        // The template is the spec's, whose `{name}` syntax is axum's too.
        .route(LIST_SUB_JOBS.path, any(list_sub_jobs))
        // IAM, STS and the ECS metadata service, when enabled (404 otherwise).
        .route("/v3/projects", get(list_projects))
        .route("/v3.0/OS-AUTH/id-token/tokens", post(id_token_tokens))
        .route("/v3.0/OS-CREDENTIAL/securitytokens", post(security_tokens))
        .route("/v5/agencies/assume-with-oidc", post(assume_with_oidc))
        .route("/openstack/latest/securitykey", get(security_key))
        .route("/meta-data/latest/api/token", put(session_token))
        // Other operations of the spec get their documented success; other paths 404.
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
