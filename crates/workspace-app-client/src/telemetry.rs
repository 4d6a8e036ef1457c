//! What the client tells an operator about each call: a `tracing` span that follows
//! OpenTelemetry's HTTP client conventions (so `tracing-opentelemetry` users get client
//! spans with no glue), an INFO access-log line like Huawei's SDKs write, and, with the
//! `metrics` feature, OpenTelemetry metrics ([`crate::metrics`]).
//!
//! The span, `workspace_app.call`, has:
//!
//! | field | value |
//! |---|---|
//! | `otel.name` | `{method} {url.template}`, e.g. `GET /v1/{project_id}/app-server-sub-jobs` |
//! | `otel.kind` | `client` |
//! | `otel.status_code` | `ERROR` when the call failed |
//! | `http.request.method`, `url.template`, `url.scheme`, `server.address`, `server.port` | the request's |
//! | `http.response.status_code` | the last response's |
//! | `error.type` | the status code, or `timeout`, `connect`, `body`, `redirect`, `response_too_large`, `signing`, `credentials`, `interceptor`, `dry_run` |
//! | `http.request.resend_count` | attempts after the first, when there were any |
//! | `url.full` | only with [`Telemetry::record_full_url`]: the filled path holds the project ID |
//! | `operation`, `attempt`, `status`, `request_id` | the spec's operation name, the attempt, the status, the `X-Request-Id` |
//!
//! The access log's target is `workspace_app_client::access`; its line reads
//! `"GET /v1/{project_id}/app-server-sub-jobs" 200 51234B 0.543s attempts=1 list_sub_jobs request_id=…`,
//! the server's text escaped. Turn it off with a filter on the target, or
//! [`Telemetry::access_log`].

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::escaped::Escaped;
use crate::intercept::CallInfo;

/// The target of the access-log events.
pub const ACCESS_LOG_TARGET: &str = "workspace_app_client::access";

/// What the client records of each call beyond its span.
///
/// ```
/// use workspace_app_client::{ClientBuilder, Telemetry};
///
/// let client = ClientBuilder::new()
///     .endpoint("https://workspace.ap-southeast-1.myhuaweicloud.com")
///     .telemetry(Telemetry::default().access_log(false))
///     .build()?;
/// # let _ = client;
/// # Ok::<(), workspace_app_client::BuildError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Telemetry {
    pub(crate) access_log: bool,
    pub(crate) record_full_url: bool,
}

impl Default for Telemetry {
    /// The access log on; the full URL (which holds the project ID) not recorded.
    fn default() -> Self {
        Telemetry {
            access_log: true,
            record_full_url: false,
        }
    }
}

impl Telemetry {
    /// Whether each call writes an access-log event (default on).
    pub fn access_log(mut self, on: bool) -> Self {
        self.access_log = on;
        self
    }

    /// Whether the span records the filled URL (`url.full`), which holds the project ID
    /// (default off: `url.template` says which operation it was).
    pub fn record_full_url(mut self, on: bool) -> Self {
        self.record_full_url = on;
        self
    }
}

/// What the access log says of a call.
pub(crate) struct AccessLine<'a> {
    pub(crate) call: CallInfo,
    pub(crate) status: Option<StatusCode>,
    pub(crate) body_bytes: Option<usize>,
    pub(crate) elapsed: Duration,
    pub(crate) request_id: Option<&'a str>,
    pub(crate) error_type: Option<&'a str>,
    pub(crate) error_code: Option<&'a str>,
}

impl AccessLine<'_> {
    /// Writes the line (when the target is enabled), with its parts as fields too.
    pub(crate) fn log(&self) {
        tracing::info!(
            target: ACCESS_LOG_TARGET,
            operation = self.call.operation,
            "http.request.method" = self.call.method,
            "url.template" = self.call.path_template,
            "http.response.status_code" = self.status.map(|s| s.as_u16()),
            duration_ms = u64::try_from(self.elapsed.as_millis()).unwrap_or(u64::MAX),
            attempts = self.call.attempt,
            "error.type" = self.error_type,
            "{self}"
        );
    }
}

/// `"GET /v1/{project_id}/app-server-sub-jobs" 200 51234B 0.543s attempts=1 ListSubJobs
/// request_id=… error.type=… error_code=…`, the server's text escaped.
impl fmt::Display for AccessLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let call = &self.call;
        write!(f, "\"{} {}\" ", call.method, call.path_template)?;
        match self.status {
            Some(status) => write!(f, "{}", status.as_u16())?,
            None => f.write_str("-")?,
        }
        match self.body_bytes {
            Some(bytes) => write!(f, " {bytes}B")?,
            None => f.write_str(" -")?,
        }
        write!(
            f,
            " {:.3}s attempts={} {}",
            self.elapsed.as_secs_f64(),
            call.attempt,
            call.operation
        )?;
        if let Some(id) = self.request_id {
            write!(f, " request_id={}", Escaped(id))?;
        }
        if let Some(kind) = self.error_type {
            write!(f, " error.type={kind}")?;
        }
        if let Some(code) = self.error_code {
            write!(f, " error_code={}", Escaped(code))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_line_reads_like_huaweis_and_escapes_the_server() {
        let line = AccessLine {
            call: CallInfo {
                operation: "ListSubJobs",
                method: "GET",
                path_template: "/v1/{project_id}/app-server-sub-jobs",
                attempt: 3,
            },
            status: Some(StatusCode::SERVICE_UNAVAILABLE),
            body_bytes: Some(94),
            elapsed: Duration::from_millis(1210),
            request_id: Some("7a68\n2026 INFO forged"),
            error_type: Some("503"),
            error_code: Some("WKS.0503\u{1b}[2J"),
        };
        assert_eq!(
            line.to_string(),
            "\"GET /v1/{project_id}/app-server-sub-jobs\" 503 94B 1.210s attempts=3 ListSubJobs \
             request_id=7a68\\u{a}2026 INFO forged error.type=503 error_code=WKS.0503\\u{1b}[2J"
        );
    }
}
