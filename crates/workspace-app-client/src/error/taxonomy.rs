//! The error types, in one place because they hold each other: [`Error`], why a call
//! failed (its variants hold a [`BuildError`] and a [`WaitError`]); [`BuildError`], why a
//! client could not be built (it holds a [`ProjectLookupError`]); and the errors of the
//! project lookup and of a wait, which hold the [`Error`] of the call behind them. How a
//! wait error reads for people is `wait::report`'s.

use std::error::Error as StdError;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;

use super::api::ApiError;
use crate::credentials::{CredentialsError, env};
use crate::dry_run::PreparedRequest;
use crate::generated::types::{self, JobDetailInfo};
use crate::intercept::Hook;
use crate::region::UnknownRegion;
use crate::signing::SigningError;
use crate::wait::target::WaitTarget;

/// The error of the generated operations (`client.list_sub_jobs()...send()`); convert it
/// with `?` or `Error::from` to get [`Error`]'s accessors.
pub type GeneratedError = progenitor_client::Error<types::ErrorResponse>;

/// Why a call failed.
///
/// `Display` says what went wrong here and `source()` gives the cause; show both with
/// [`DisplayErrorChain`](crate::DisplayErrorChain) (or `anyhow`'s `{:#}`).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A request parameter breaks the spec; nothing was sent.
    InvalidRequest(String),
    /// The service answered with an error status.
    Api(ApiError),
    /// No usable response: could not connect, timed out, or the connection broke. Shows as
    /// reqwest's own message (the request URL cut to 200 characters); its `source()` is
    /// reqwest's cause.
    Transport(reqwest::Error),
    /// None of the client's endpoints ([`ClientBuilder::endpoints`](crate::ClientBuilder::endpoints))
    /// could be connected to: each was tried once, in turn, in the last attempt (refused,
    /// its host not found, the TLS handshake failed, or the connection timed out). Nothing
    /// was sent. Shows every endpoint and why; a client with one endpoint gives
    /// [`Error::Transport`] instead.
    Unreachable {
        /// Each endpoint tried, in the order it was tried.
        tried: Vec<EndpointFailure>,
    },
    /// The server answered with a redirect (3xx). Redirects are never followed: the request
    /// carries credentials meant for the endpoint alone.
    Redirect {
        /// The HTTP status (301, 302, 303, 307, 308...).
        status: StatusCode,
        /// The `Location` header as sent (its first bytes, lossy UTF-8), if there was one.
        location: Option<String>,
    },
    /// The response body was larger than the configured limit; it was not read further.
    ResponseTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// A successful status with a body that is not the documented JSON.
    InvalidResponse {
        /// Why the body does not parse.
        source: serde_json::Error,
        /// The first bytes of the body (lossy UTF-8).
        snippet: String,
    },
    /// The request could not be signed (see [`signing::sign`](crate::signing::sign)); nothing
    /// was sent.
    Signing(SigningError),
    /// The client could not be built from its settings.
    Build(BuildError),
    /// No credentials to sign with: the ECS metadata service could not give (or refresh)
    /// them. Nothing was sent.
    Credentials(CredentialsError),
    /// A listing stopped: the server answered two offsets with the same full page, as if it
    /// ignored `offset`, which would otherwise repeat sub-jobs without end.
    RepeatedPage {
        /// The offset whose page repeated the previous one.
        offset: u64,
    },
    /// A listing stopped: the request for one of its pages ended without an outcome (its
    /// task panicked, or the runtime was shutting down).
    PageLost {
        /// The offset of the page.
        offset: u64,
        /// What became of the request (the panic's message).
        reason: String,
    },
    /// A wait did not end in success (a sub-job failed, or it timed out); converted from
    /// [`WaitError`] for callers whose functions return [`Error`]. A wait that could not poll
    /// converts to the poll's own error instead.
    Wait(Box<WaitError>),
    /// A dry run ([`ClientBuilder::dry_run`](crate::ClientBuilder::dry_run)): the request
    /// as it would have been sent, secrets masked; nothing was sent.
    DryRun(Box<PreparedRequest>),
    /// An [`Interceptor`](crate::Interceptor) stopped the call with an error: before or
    /// after signing, nothing of that attempt was sent; after an attempt, no further one
    /// was made. `source()` is the interceptor's error.
    Interceptor {
        /// The interceptor's [`name`](crate::Interceptor::name).
        name: &'static str,
        /// Where it stopped the call.
        hook: Hook,
        /// Its error.
        source: Arc<dyn StdError + Send + Sync + 'static>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest(message) => write!(f, "invalid request: {message}"),
            Error::Api(api) => fmt::Display::fmt(api, f),
            Error::Transport(error) => write!(f, "transport error: {}", ShortenedUrl(error)),
            Error::Unreachable { tried } => {
                write!(
                    f,
                    "could not connect to any of the {} endpoints, nothing was sent: ",
                    tried.len()
                )?;
                for (i, failure) in tried.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    fmt::Display::fmt(failure, f)?;
                }
                Ok(())
            }
            Error::Redirect { status, location } => {
                write!(f, "the server answered {status} with a redirect to ")?;
                match location {
                    Some(location) => write!(f, "{location:?}")?,
                    None => f.write_str("nowhere (no Location header)")?,
                }
                f.write_str(
                    "; redirects are not followed, so the credentials stay with the endpoint they were meant for",
                )
            }
            Error::ResponseTooLarge { limit } => {
                write!(f, "the response body exceeds the limit of {limit} bytes")
            }
            Error::InvalidResponse { snippet, .. } => write!(
                f,
                "the response body is not the documented JSON; body starts with {snippet:?}"
            ),
            Error::Signing(_) => f.write_str("cannot sign the request"),
            Error::Build(error) => fmt::Display::fmt(error, f),
            Error::Credentials(error) => fmt::Display::fmt(error, f),
            Error::RepeatedPage { offset } => write!(
                f,
                "the server sent the same page again for offset {offset}: it seems to ignore \
                 `offset`, so the listing stops here"
            ),
            Error::PageLost { offset, reason } => write!(
                f,
                "the request for the page at offset {offset} ended without an answer: {reason}"
            ),
            Error::Wait(error) => fmt::Display::fmt(error, f),
            Error::DryRun(prepared) => {
                write!(
                    f,
                    "dry run: {} {} was not sent",
                    prepared.method, prepared.url
                )
            }
            Error::Interceptor { name, hook, .. } => {
                write!(f, "interceptor `{name}` stopped the call {hook}")
            }
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            // Shown as reqwest's own message above, so its cause comes next.
            Error::Transport(error) => error.source(),
            Error::InvalidResponse { source, .. } => Some(source),
            Error::Signing(error) => Some(error),
            // Shown as the inner error's own message, so its cause comes next.
            Error::Build(error) => error.source(),
            Error::Credentials(error) => error.source(),
            Error::Wait(error) => error.source(),
            Error::Interceptor { source, .. } => Some(source.as_ref()),
            // Several causes, each shown in `Display` beside its endpoint.
            Error::Unreachable { .. }
            | Error::InvalidRequest(_)
            | Error::Api(_)
            | Error::Redirect { .. }
            | Error::ResponseTooLarge { .. }
            | Error::RepeatedPage { .. }
            | Error::PageLost { .. }
            | Error::DryRun(_) => None,
        }
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::Api(error)
    }
}

impl From<BuildError> for Error {
    fn from(error: BuildError) -> Self {
        Error::Build(error)
    }
}

impl Error {
    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Redirect { status, .. } => Some(*status),
            Error::Transport(e) => e.status(),
            _ => None,
        }
    }

    /// The `X-Request-Id` of the response, for a support case.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.request_id.as_deref(),
            _ => None,
        }
    }

    /// The service's `error_code`, when it sent one.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.error_code.as_deref(),
            _ => None,
        }
    }

    /// The service's `error_msg`, when it sent one.
    pub fn error_msg(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.error_msg.as_deref(),
            _ => None,
        }
    }

    /// The `encoded_authorization_message` of a 403 policy denial, whole.
    pub fn encoded_authorization_message(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.encoded_authorization_message.as_deref(),
            _ => None,
        }
    }

    /// Whether trying again may succeed: transport failures and 429, 500, 502, 503, 504.
    /// The client has already retried these as its `RetryPolicy` allows.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(api) => api.is_retryable(),
            Error::Transport(e) => crate::retry::may_retry_transport(e, true),
            Error::Unreachable { .. } => true,
            _ => false,
        }
    }

    /// Whether the call timed out (with several endpoints: connecting to each timed out).
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Transport(e) => e.is_timeout(),
            Error::Unreachable { tried } => {
                !tried.is_empty() && tried.iter().all(|failure| failure.error.is_timeout())
            }
            _ => false,
        }
    }
}

/// An endpoint that could not be connected to, and why ([`Error::Unreachable`]). Shows as
/// `endpoint: why`, the why being reqwest's causes (never the request URL).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EndpointFailure {
    /// The endpoint (its base URL), without user name or password.
    pub endpoint: String,
    /// Why it could not be connected to (its `is_connect()` is true).
    pub error: Arc<reqwest::Error>,
}

impl EndpointFailure {
    pub(crate) fn new(endpoint: String, error: reqwest::Error) -> Self {
        EndpointFailure {
            endpoint,
            error: Arc::new(error),
        }
    }
}

impl fmt::Display for EndpointFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.endpoint)?;
        // reqwest's own message names the request URL; its causes say what failed.
        let mut cause = self.error.source();
        if cause.is_none() {
            f.write_str(": could not connect")?;
        }
        while let Some(error) = cause {
            write!(f, ": {error}")?;
            cause = error.source();
        }
        Ok(())
    }
}

/// Most characters of a request URL an error shows: a long query parameter would
/// otherwise be echoed whole.
const URL_SHOWN_CHARS: usize = 200;

/// reqwest's message for its error, with the request URL cut to [`URL_SHOWN_CHARS`].
struct ShortenedUrl<'a>(&'a reqwest::Error);

impl fmt::Display for ShortenedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string();
        match self.0.url().map(reqwest::Url::as_str) {
            Some(url) if url.chars().count() > URL_SHOWN_CHARS => {
                let cut: String = url.chars().take(URL_SHOWN_CHARS).collect();
                let short = format!("{cut}… ({} bytes in all)", url.len());
                f.write_str(&text.replace(url, &short))
            }
            _ => f.write_str(&text),
        }
    }
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Neither a region nor an endpoint was given.
    #[error("no endpoint: call `.region(..)` or `.endpoint(..)`")]
    NoEndpoint,
    /// The region is not one this crate knows.
    #[error(transparent)]
    UnknownRegion(#[from] UnknownRegion),
    /// The endpoint is not an absolute http(s) URL.
    #[error("invalid endpoint `{endpoint}`: {reason}")]
    InvalidEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The credentials cannot be used; the message never contains them.
    #[error("invalid credentials: {0}")]
    InvalidCredentials(&'static str),
    /// AK/SK signing needs a project ID (`.project_id(..)` or `HUAWEICLOUD_SDK_PROJECT_ID`),
    /// or `build_async`, which looks it up in IAM.
    #[error(
        "AK/SK credentials need a project ID: call `.project_id(..)`, set {}, or build with `build_async()` to look it up in IAM",
        env::PROJECT_ID
    )]
    MissingProjectId,
    /// The credential chain found no usable credentials; the message names each source
    /// tried and why it gave none.
    #[error(transparent)]
    Credentials(CredentialsError),
    /// The project ID could not be looked up in IAM.
    #[error(transparent)]
    ProjectLookup(ProjectLookupError),
    /// The project ID is empty, has control characters, or has whitespace around it (which
    /// HTTP would drop from `X-Project-Id`, so that header and path would disagree).
    #[error(
        "invalid project ID {0:?}: it must be non-empty, without control characters or whitespace around it"
    )]
    InvalidProjectId(String),
    /// Credentials would travel unencrypted to a host other than this machine.
    #[error(
        "refusing to send credentials over plain http to `{host}`, which is not this machine: use https, or opt in with `allow_insecure_http()` (CLI: --allow-insecure-http)"
    )]
    InsecureHttp {
        /// The endpoint's host.
        host: String,
    },
    /// The HTTP client could not be created.
    #[error("cannot create the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// TLS could not be set up (the ring configuration of the default `rustls-ring` feature).
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    /// The proxy URL cannot be used; `proxy` is shown without its password.
    #[error("invalid proxy `{proxy}`: {reason}")]
    InvalidProxy {
        /// The proxy URL, its password replaced by `***`.
        proxy: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The extra CA bundle cannot be read or holds no certificate.
    #[error("invalid CA file {}: {reason}", path.display())]
    CaFile {
        /// The file as given.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The regions file (`HUAWEICLOUD_SDK_REGIONS_FILE` or `~/.huaweicloud/regions.yaml`)
    /// cannot be read, or its entry for the region is unusable.
    #[error("invalid regions file {}: {reason}", path.display())]
    RegionsFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A setting of the HTTP client this builder makes (`proxy`, `ca_file`, `app_name`)
    /// was given together with [`ClientBuilder::http_client`](crate::ClientBuilder::http_client), which would ignore it.
    #[error(
        "`{0}` configures the HTTP client this builder makes, but `http_client(..)` gave one: configure it on that client instead"
    )]
    IgnoredWithHttpClient(&'static str),
    /// The application name for the `User-Agent` is empty or not printable ASCII.
    #[error(
        "invalid app name {0:?}: it must be printable ASCII (letters, digits, `-._/`), without spaces"
    )]
    InvalidAppName(String),
}

/// Most projects reported in an error about several.
const MAX_IDS_SHOWN: usize = 10;

/// Why the project ID could not be looked up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectLookupError {
    /// There is no region to look up (the client was given an endpoint only).
    #[error(
        "no project ID, and no region to look it up for: give `.project_id(..)` (CLI: --project-id), or `.region(..)` (CLI: --region)"
    )]
    NoRegion,
    /// Only AK/SK credentials are used for the lookup.
    #[error(
        "no project ID: with token credentials, give `.project_id(..)` (CLI: --project-id); only AK/SK credentials look it up"
    )]
    NotAkSk,
    /// The IAM request failed.
    #[error("cannot look up the project ID of region {region} at {iam_endpoint}")]
    Request {
        /// The region.
        region: String,
        /// The IAM endpoint asked.
        iam_endpoint: String,
        /// Why.
        source: Box<Error>,
    },
    /// IAM has no project of that name for these credentials.
    #[error(
        "IAM at {iam_endpoint} has no project named {region} for these credentials{}; check the region, or give the project ID (`.project_id(..)`, CLI: --project-id)",
        trace(.trace_id)
    )]
    NoProject {
        /// The region.
        region: String,
        /// The IAM endpoint asked.
        iam_endpoint: String,
        /// IAM's `X-IAM-Trace-Id`.
        trace_id: Option<String>,
    },
    /// IAM has several projects of that name (sub-projects): which one is meant is not
    /// for the client to guess.
    #[error(
        "IAM at {iam_endpoint} has {} projects named {region} ({}){}: choose one with `.project_id(..)` (CLI: --project-id)",
        ids.len(), shown_ids(.ids), trace(.trace_id)
    )]
    SeveralProjects {
        /// The region.
        region: String,
        /// The IAM endpoint asked.
        iam_endpoint: String,
        /// The projects' IDs.
        ids: Vec<String>,
        /// IAM's `X-IAM-Trace-Id`.
        trace_id: Option<String>,
    },
    /// IAM's answer is not the documented `{"projects": [{"id": ..}]}`.
    #[error("IAM at {iam_endpoint} answered with something other than a project list")]
    InvalidResponse {
        /// The IAM endpoint asked.
        iam_endpoint: String,
    },
}

fn trace(trace_id: &Option<String>) -> String {
    trace_id
        .as_deref()
        .map(|id| format!(" (X-IAM-Trace-Id {id})"))
        .unwrap_or_default()
}

fn shown_ids(ids: &[String]) -> String {
    let mut shown = ids
        .iter()
        .take(MAX_IDS_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > MAX_IDS_SHOWN {
        shown.push_str(", ...");
    }
    shown
}

/// Why a wait did not end in success. `Display` (in `wait::report`) is the
/// [`report`](Self::report) on one line;
/// `source()` is the error of the last poll (a timeout after a failed poll) or the poll's
/// error (a wait that could not poll).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// Sub-jobs finished in `FAILED` or `ABNORMAL`.
    Failed {
        /// What was waited for.
        target: WaitTarget,
        /// The failed sub-jobs, with their `error_code` and `error_message`.
        failed: Vec<JobDetailInfo>,
        /// Every sub-job waited for, as the last poll saw them.
        sub_jobs: Vec<JobDetailInfo>,
    },
    /// The timeout passed before the sub-jobs finished.
    TimedOut {
        /// What was waited for.
        target: WaitTarget,
        /// Time from the start of the wait to the end of the last poll.
        waited: Duration,
        /// Polls in all.
        polls: u32,
        /// The sub-jobs waited for, as the last successful poll saw them.
        last_seen: Vec<JobDetailInfo>,
        /// The error of the last poll, if it failed.
        #[source]
        last_error: Option<Error>,
    },
    /// The job has more sub-jobs than the wait follows ([`JobWaiter::max_sub_jobs`](crate::JobWaiter::max_sub_jobs)).
    TooManySubJobs {
        /// What was waited for.
        target: WaitTarget,
        /// The limit it went past.
        limit: u64,
    },
    /// A poll failed in a way that waiting cannot mend (bad credentials, a bad request,
    /// a missing project ID...).
    Api {
        /// What was waited for.
        target: WaitTarget,
        /// The error.
        source: Error,
    },
}

impl WaitError {
    /// The sub-jobs as last seen, whatever the error.
    pub fn sub_jobs(&self) -> &[JobDetailInfo] {
        match self {
            WaitError::Failed { sub_jobs, .. } => sub_jobs,
            WaitError::TimedOut { last_seen, .. } => last_seen,
            WaitError::TooManySubJobs { .. } | WaitError::Api { .. } => &[],
        }
    }
}

/// For callers whose functions return [`Error`]: a wait that could not poll gives the poll's
/// own error (an API error stays one), any other the wait error itself, as
/// [`Error::Wait`].
impl From<WaitError> for Error {
    fn from(error: WaitError) -> Self {
        match error {
            WaitError::Api { source, .. } => source,
            other => Error::Wait(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DisplayErrorChain;

    /// Each error's own message, then its causes: no message repeats one before it.
    fn chain_of(error: &Error) -> Vec<String> {
        let mut messages = vec![error.to_string()];
        let mut cause = error.source();
        while let Some(e) = cause {
            messages.push(e.to_string());
            cause = e.source();
        }
        messages
    }

    #[test]
    fn display_says_this_error_and_source_gives_the_cause() {
        let json = serde_json::from_slice::<serde_json::Value>(b"{").unwrap_err();
        let json_text = json.to_string();
        let invalid = Error::InvalidResponse {
            source: json,
            snippet: "{".into(),
        };
        assert_eq!(
            chain_of(&invalid),
            [
                "the response body is not the documented JSON; body starts with \"{\"".to_string(),
                json_text
            ]
        );
        let signing = Error::Signing(SigningError::StreamingBody);
        assert_eq!(
            DisplayErrorChain(&signing).to_string(),
            "cannot sign the request: the request body is a stream, which cannot be hashed for the signature"
        );
        let repeated = Error::RepeatedPage { offset: 200 };
        assert_eq!(chain_of(&repeated).len(), 1);
        assert!(repeated.to_string().contains("offset 200"));
        let redirect = Error::Redirect {
            status: StatusCode::FOUND,
            location: None,
        };
        assert!(
            redirect
                .to_string()
                .starts_with("the server answered 302 Found with a redirect to nowhere")
        );
        for error in [invalid, signing, repeated, redirect] {
            let messages = chain_of(&error);
            for (i, message) in messages.iter().enumerate().skip(1) {
                assert!(
                    !messages[..i]
                        .iter()
                        .any(|before| before.contains(message.as_str())),
                    "{messages:?}"
                );
            }
        }
    }

    #[test]
    fn a_wait_error_converts_whole_and_a_poll_error_as_itself() {
        use crate::types::JobTypeFilter;
        use crate::{WaitError, WaitTarget};
        let target = WaitTarget {
            job_type: JobTypeFilter::CreateServer,
            job_id: "J".into(),
            sub_job_id: None,
        };
        let timed_out = WaitError::TimedOut {
            target: target.clone(),
            waited: std::time::Duration::from_secs(60),
            polls: 2,
            last_seen: Vec::new(),
            last_error: Some(Error::RepeatedPage { offset: 0 }),
        };
        let expected = DisplayErrorChain(&timed_out).to_string();
        let error = Error::from(timed_out);
        assert!(matches!(&error, Error::Wait(_)), "{error:?}");
        assert_eq!(DisplayErrorChain(&error).to_string(), expected);
        assert!(
            expected.ends_with("; the last poll failed: the server sent the same page again for offset 0: it seems to ignore `offset`, so the listing stops here"),
            "{expected}"
        );
        let cannot_poll = WaitError::Api {
            target,
            source: Error::InvalidRequest("bad".into()),
        };
        assert_eq!(
            DisplayErrorChain(&cannot_poll).to_string(),
            "cannot poll CREATE_SERVER job J: invalid request: bad"
        );
        assert!(matches!(Error::from(cannot_poll), Error::InvalidRequest(_)));
    }
}
