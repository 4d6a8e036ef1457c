//! The request gate every service passes a request through before answering it: the body
//! read within bounds (of size and of time), then the credentials checked at the emulator's
//! now (but for the exchanges of an ID token, which take none). Each service words its own
//! refusal ([`Refused`]).

use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::request::Parts;

use crate::auth::{self, AuthFailure};
use crate::state::Shared;

/// Most bytes of a request body read (a GET has none; the JSON bodies of the service's other
/// operations are far smaller).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Why [`read_and_check`] refused a request; each service words its own answer.
pub(crate) enum Refused {
    /// The body was too large or too slow.
    Body(String),
    /// The credentials were missing or wrong.
    Auth(AuthFailure),
}

/// Reads the (bounded) body, and nothing more: for the endpoints that take no credentials
/// (IAM's and STS's exchanges of an ID token). The error says why, in a sentence.
pub(crate) async fn read_body(shared: &Shared, request: Request) -> Result<(Parts, Bytes), String> {
    let (parts, body) = request.into_parts();
    // Bounded in time too, so a client trickling a body cannot hold a connection forever.
    let read = tokio::time::timeout(
        shared.body_timeout,
        axum::body::to_bytes(body, MAX_BODY_BYTES),
    );
    match read.await {
        Ok(Ok(body)) => Ok((parts, body)),
        Ok(Err(_)) => Err(format!(
            "the request body is larger than {MAX_BODY_BYTES} bytes"
        )),
        Err(_) => Err(format!(
            "the request body did not arrive within {} s of its head",
            shared.body_timeout.as_secs_f64()
        )),
    }
}

/// Reads the (bounded) body and checks the request's credentials at the emulator's `now`
/// (a signature covers the body's hash), which it returns with the request's head and
/// body. `credentials_required`: refuse an unsigned request even when the emulator's API is
/// open (IAM always wants them).
pub(crate) async fn read_and_check(
    shared: &Shared,
    request: Request,
    credentials_required: bool,
) -> Result<(Parts, Bytes, SystemTime), Refused> {
    let (parts, body) = read_body(shared, request).await.map_err(Refused::Body)?;
    let now = shared.clock.now();
    let credentials = auth::Request {
        method: &parts.method,
        uri: &parts.uri,
        headers: &parts.headers,
        body: &body,
    };
    if credentials_required && shared.auth.is_open() {
        return Err(Refused::Auth(AuthFailure::Missing));
    }
    shared
        .auth
        .check(&credentials, now)
        .map_err(Refused::Auth)?;
    Ok((parts, body, now))
}
