//! Interceptors: a downstream crate's own code at fixed points of every call of every
//! operation (listings and waits included: they call through the client). Register them on
//! the builder ([`ClientBuilder::interceptor`](crate::ClientBuilder::interceptor)) or for some
//! calls ([`CallSettings::interceptor`](crate::CallSettings::interceptor)); they run in that
//! order, the client's first, at each point:
//!
//! 1. [`before_signing`](Interceptor::before_signing), per attempt: may add or change
//!    headers and query parameters, which are then signed;
//! 2. [`after_signing`](Interceptor::after_signing), per attempt, read-only: what is about to
//!    be sent, every secret masked as a dry run masks it;
//! 3. [`after_attempt`](Interceptor::after_attempt), per attempt sent, read-only: the
//!    response's status and headers (or why there was none), how long it took, and whether
//!    the client tries again;
//! 4. [`on_result`](Interceptor::on_result), once per call.
//!
//! A hook that returns an error stops the call with
//! [`Error::Interceptor`](crate::Error::Interceptor) naming the interceptor and the hook:
//! before signing or after signing, nothing of that attempt is sent; after an attempt, no
//! further attempt is made. No hook is ever handed a secret unmasked: the views give masked
//! text, never the request, the response or the credentials themselves.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use workspace_app_client::intercept::{BeforeSigning, BoxError, CallEnd, Interceptor};
//!
//! /// Tags every request with the tenant (signed with the rest) and counts the calls.
//! struct Tenant {
//!     calls: Arc<AtomicU64>,
//! }
//!
//! impl Interceptor for Tenant {
//!     fn name(&self) -> &'static str {
//!         "tenant"
//!     }
//!     fn before_signing(&self, request: &mut BeforeSigning<'_>) -> Result<(), BoxError> {
//!         request.insert_header("x-app-tenant", "blue")?;
//!         Ok(())
//!     }
//!     fn on_result(&self, _call: &CallEnd<'_>) -> Result<(), BoxError> {
//!         self.calls.fetch_add(1, Ordering::Relaxed);
//!         Ok(())
//!     }
//! }
//!
//! let calls = Arc::new(AtomicU64::new(0));
//! let client = workspace_app_client::ClientBuilder::new()
//!     .endpoint("https://workspace.ap-southeast-1.myhuaweicloud.com")
//!     .interceptor(Tenant { calls: calls.clone() })
//!     .build()?;
//! # let _ = client;
//! # Ok::<(), workspace_app_client::BuildError>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::dry_run::PreparedRequest;
use crate::mask;

/// What a hook fails with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Code of a downstream crate run at fixed points of every call (see the [module](self)).
/// Every hook does nothing unless overridden. Hooks are synchronous: they run on the call's
/// own task, between its steps.
pub trait Interceptor: Send + Sync + 'static {
    /// The interceptor's name, in [`Error::Interceptor`](crate::Error::Interceptor) and in
    /// the client's `Debug`.
    fn name(&self) -> &'static str;

    /// Per attempt, before the request is signed: may add, replace or remove headers and
    /// query parameters. Whatever is there afterwards is signed. Nothing has been sent.
    fn before_signing(&self, _request: &mut BeforeSigning<'_>) -> Result<(), BoxError> {
        Ok(())
    }

    /// Per attempt, after signing, read-only: the request about to be sent, secrets masked
    /// (as [`PreparedRequest`] shows them). Runs in a dry run too.
    fn after_signing(&self, _request: &AfterSigning<'_>) -> Result<(), BoxError> {
        Ok(())
    }

    /// Per attempt sent, once its response head and body were read (or it failed without a
    /// response), read-only.
    fn after_attempt(&self, _attempt: &AttemptEnd<'_>) -> Result<(), BoxError> {
        Ok(())
    }

    /// Once per call, with how it ended. Every interceptor's `on_result` runs; the first
    /// error fails the call, even one that succeeded.
    fn on_result(&self, _call: &CallEnd<'_>) -> Result<(), BoxError> {
        Ok(())
    }
}

/// Where an interceptor stopped a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hook {
    /// [`Interceptor::before_signing`].
    BeforeSigning,
    /// [`Interceptor::after_signing`].
    AfterSigning,
    /// [`Interceptor::after_attempt`].
    AfterAttempt,
    /// [`Interceptor::on_result`].
    OnResult,
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Hook::BeforeSigning => "before signing",
            Hook::AfterSigning => "after signing",
            Hook::AfterAttempt => "after an attempt",
            Hook::OnResult => "on the result",
        })
    }
}

/// The interceptors of a client or a call, in the order they run; cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Chain(pub(crate) Arc<[Arc<dyn Interceptor>]>);

impl Chain {
    /// `self`'s interceptors, then `more`.
    pub(crate) fn then(&self, more: &[Arc<dyn Interceptor>]) -> Chain {
        if more.is_empty() {
            return self.clone();
        }
        Chain(self.0.iter().chain(more).cloned().collect())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Runs `hook` of each interceptor in order; the first error stops the rest.
    pub(crate) fn run(
        &self,
        point: Hook,
        mut hook: impl FnMut(&dyn Interceptor) -> Result<(), BoxError>,
    ) -> Result<(), Stopped> {
        for interceptor in self.0.iter() {
            hook(interceptor.as_ref()).map_err(|source| Stopped {
                name: interceptor.name(),
                hook: point,
                source: source.into(),
            })?;
        }
        Ok(())
    }

    /// Runs `hook` of every interceptor, whatever each returns; the first error, if any.
    pub(crate) fn run_all(
        &self,
        point: Hook,
        mut hook: impl FnMut(&dyn Interceptor) -> Result<(), BoxError>,
    ) -> Result<(), Stopped> {
        let mut first = None;
        for interceptor in self.0.iter() {
            if let Err(source) = hook(interceptor.as_ref())
                && first.is_none()
            {
                first = Some(Stopped {
                    name: interceptor.name(),
                    hook: point,
                    source: source.into(),
                });
            }
        }
        first.map_or(Ok(()), Err)
    }
}

/// Only the names: an interceptor's own state is its own.
impl fmt::Debug for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|interceptor| interceptor.name()))
            .finish()
    }
}

/// An interceptor's error, where it stopped the call. `Clone`, as the transport's verdicts
/// are: the source is shared.
#[derive(Debug, Clone)]
pub(crate) struct Stopped {
    pub(crate) name: &'static str,
    pub(crate) hook: Hook,
    pub(crate) source: Arc<dyn std::error::Error + Send + Sync + 'static>,
}

/// What every view says of the call it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct CallInfo {
    /// The spec's `operationId`, e.g. `ListSubJobs`; for a request that is not an operation
    /// of the spec (the IAM project lookup), the name the client gives it.
    pub operation: &'static str,
    /// `GET`, ...
    pub method: &'static str,
    /// The path template, e.g. `/v1/{project_id}/app-server-sub-jobs`: never the filled
    /// path, which holds the project ID.
    pub path_template: &'static str,
    /// This attempt, from 1 (at `on_result`: the attempts made in all).
    pub attempt: u32,
}

/// Why a change of [`BeforeSigning`] was refused: it would not be signed as it is sent, or
/// it touches what the client alone sets (credentials, the signing date, the host).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot set `{name}` before signing: {reason}")]
pub struct Refused {
    name: String,
    reason: &'static str,
}

/// Headers only the client sets: the credentials and what the signature depends on.
const CLIENT_ONLY: [&str; 9] = [
    "authorization",
    "proxy-authorization",
    "x-auth-token",
    "x-security-token",
    "x-sdk-date",
    "host",
    "x-project-id",
    "cookie",
    "x-sdk-content-sha256",
];

/// The request of an attempt before it is signed, for [`Interceptor::before_signing`].
pub struct BeforeSigning<'a> {
    pub(crate) call: CallInfo,
    pub(crate) request: &'a mut reqwest::Request,
}

impl BeforeSigning<'_> {
    /// The call this attempt belongs to.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }

    /// The headers so far, masked.
    pub fn headers(&self) -> Vec<(String, String)> {
        mask::headers(self.request.headers())
    }

    /// The query's pairs so far, decoded.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.request
            .url()
            .query_pairs()
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect()
    }

    /// Sets header `name` to `value`, replacing any value it had: it is signed with the
    /// request. Refused: a name with `_` (which the signature leaves out), a value with
    /// characters a header cannot carry or spaces around it, and the headers the client
    /// alone sets (credentials, `X-Sdk-Date`, `Host`, `X-Project-Id`).
    pub fn insert_header(&mut self, name: &str, value: &str) -> Result<(), Refused> {
        let refused = |reason| Refused {
            name: name.to_string(),
            reason,
        };
        let header =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| refused("not a header name"))?;
        if CLIENT_ONLY.contains(&header.as_str()) {
            return Err(refused("the client sets it"));
        }
        if name.contains('_') {
            return Err(refused("a name with `_` is not signed"));
        }
        let padded = value.starts_with([' ', '\t']) || value.ends_with([' ', '\t']);
        let value = HeaderValue::from_str(value)
            .ok()
            .filter(|_| {
                !padded
                    && value
                        .bytes()
                        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
            })
            .ok_or_else(|| {
                refused("the value must be printable ASCII, without spaces around it")
            })?;
        self.request.headers_mut().insert(header, value);
        Ok(())
    }

    /// Removes header `name`, unless the client alone sets it.
    pub fn remove_header(&mut self, name: &str) -> Result<(), Refused> {
        if CLIENT_ONLY.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(Refused {
                name: name.to_string(),
                reason: "the client sets it",
            });
        }
        self.request.headers_mut().remove(name);
        Ok(())
    }

    /// Appends `name=value` to the query (percent-encoded): it is signed with the request.
    /// The spec's bounds are checked again after every interceptor ran.
    pub fn append_query(&mut self, name: &str, value: &str) {
        self.request
            .url_mut()
            .query_pairs_mut()
            .append_pair(name, value);
    }
}

impl fmt::Debug for BeforeSigning<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BeforeSigning")
            .field("call", &self.call)
            .field("headers", &self.headers())
            .finish_non_exhaustive()
    }
}

/// The signed request of an attempt, read-only, for [`Interceptor::after_signing`].
pub struct AfterSigning<'a> {
    pub(crate) call: CallInfo,
    pub(crate) request: &'a reqwest::Request,
}

impl AfterSigning<'_> {
    /// The call this attempt belongs to.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }

    /// The request as it goes out, secrets masked: what a dry run shows.
    pub fn prepared(&self) -> PreparedRequest {
        PreparedRequest::from_request(self.request)
    }

    /// The headers the signature covers (`SignedHeaders` of `Authorization`), lowercase;
    /// empty for a request that is not signed (a token, or no credentials).
    pub fn signed_headers(&self) -> Vec<String> {
        let authorization = self
            .request
            .headers()
            .get(reqwest::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        authorization
            .split([',', ' '])
            .find_map(|part| part.trim().strip_prefix("SignedHeaders="))
            .map(|names| names.split(';').map(str::to_string).collect())
            .unwrap_or_default()
    }
}

impl fmt::Debug for AfterSigning<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AfterSigning")
            .field("call", &self.call)
            .field("prepared", &self.prepared())
            .finish()
    }
}

/// How an attempt ended, read-only, for [`Interceptor::after_attempt`].
pub struct AttemptEnd<'a> {
    pub(crate) call: CallInfo,
    pub(crate) status: Option<StatusCode>,
    pub(crate) headers: Option<&'a HeaderMap>,
    pub(crate) elapsed: Duration,
    pub(crate) error_type: Option<&'a str>,
    pub(crate) retry_in: Option<Duration>,
}

impl AttemptEnd<'_> {
    /// The call this attempt belongs to.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }

    /// The response's status; `None` when there was no response.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The response's headers, masked (`Set-Cookie`, a token handed back); empty without a
    /// response.
    pub fn headers(&self) -> Vec<(String, String)> {
        self.headers.map(mask::headers).unwrap_or_default()
    }

    /// From sending the attempt to the end of reading its response.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Why the attempt failed, in OpenTelemetry's words (`error.type`): the status code, or
    /// `timeout`, `connect`, `body` ...; `None` for a success.
    pub fn error_type(&self) -> Option<&str> {
        self.error_type
    }

    /// The pause before the next attempt, when the client tries again.
    pub fn retry_in(&self) -> Option<Duration> {
        self.retry_in
    }
}

/// The response's headers masked, as [`AttemptEnd::headers`] gives them.
impl fmt::Debug for AttemptEnd<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttemptEnd")
            .field("call", &self.call)
            .field("status", &self.status)
            .field("headers", &self.headers())
            .field("elapsed", &self.elapsed)
            .field("error_type", &self.error_type)
            .field("retry_in", &self.retry_in)
            .finish()
    }
}

/// How a call ended, read-only, for [`Interceptor::on_result`].
#[derive(Debug)]
pub struct CallEnd<'a> {
    pub(crate) call: CallInfo,
    pub(crate) status: Option<StatusCode>,
    pub(crate) request_id: Option<&'a str>,
    pub(crate) elapsed: Duration,
    pub(crate) error_type: Option<&'a str>,
    pub(crate) error_code: Option<&'a str>,
}

impl CallEnd<'_> {
    /// The call; its [`attempt`](CallInfo::attempt) is the number of attempts made.
    pub fn call(&self) -> &CallInfo {
        &self.call
    }

    /// The last response's status; `None` when there was none.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The last response's `X-Request-Id`, as the server sent it: escape it before a
    /// terminal shows it ([`Escaped`](crate::Escaped)).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id
    }

    /// From the first attempt to the end of the call.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Why the call failed, in OpenTelemetry's words (`error.type`); `None` for a success.
    /// A body progenitor cannot read as the operation documents it fails after this hook
    /// (as [`Error::InvalidResponse`](crate::Error::InvalidResponse)).
    pub fn error_type(&self) -> Option<&str> {
        self.error_type
    }

    /// The service's `error_code` of an error response, as it sent it.
    pub fn error_code(&self) -> Option<&str> {
        self.error_code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> CallInfo {
        CallInfo {
            operation: "ListSubJobs",
            method: "GET",
            path_template: "/v1/{project_id}/app-server-sub-jobs",
            attempt: 1,
        }
    }

    #[test]
    fn before_signing_refuses_what_would_not_be_signed_as_sent() {
        let mut request = crate::test_support::http()
            .get("http://127.0.0.1:9/v1/p/x?limit=1")
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let mut view = BeforeSigning {
            call: call(),
            request: &mut request,
        };
        view.insert_header("x-app-tenant", "blue")
            .unwrap_or_else(|e| panic!("{e}"));
        view.append_query("tag", "a b");
        for (name, value) in [
            ("authorization", "x"),
            ("X-Auth-Token", "t"),
            ("x-sdk-date", "20240101T000000Z"),
            ("host", "elsewhere"),
            ("x_tenant", "blue"),
            ("x-ok", " padded"),
            ("x-ok", "line\nbreak"),
            ("x-ok", "é"),
        ] {
            assert!(
                view.insert_header(name, value).is_err(),
                "{name}: {value:?}"
            );
        }
        assert!(view.remove_header("Authorization").is_err());
        assert_eq!(request.headers()["x-app-tenant"], "blue");
        assert_eq!(request.url().query(), Some("limit=1&tag=a+b"));
    }
}
