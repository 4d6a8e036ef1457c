//! Typed async client for Huawei Cloud Workspace's **Querying Subtasks** API
//! (`GET /v1/{project_id}/app-server-sub-jobs`, operation `ListSubJobs`).
//!
//! The operations and types are generated at build time by [progenitor] from the
//! hand-written OpenAPI document `openapi/workspace-app.yaml` (module [`types`], the
//! [`Client`] and its operation builders); the rest of this crate is hand-written and plugs
//! into the generated client through its hooks: credentials and AK/SK signing, region
//! endpoints, timeouts, retries, a bounded response body and typed errors.
//!
//! ```no_run
//! use workspace_app_client::{ClientBuilder, Credentials, types::{JobTypeFilter, SubJobStatus}};
//!
//! # async fn run() -> Result<(), workspace_app_client::Error> {
//! let client = ClientBuilder::from_env() // HUAWEICLOUD_SDK_AK, _SK, _PROJECT_ID, ...
//!     .region("ap-southeast-1")
//!     .build()?;
//! let page = client
//!     .sub_jobs() // `list_sub_jobs()` with the configured project ID
//!     .job_type(JobTypeFilter::CreateServer)
//!     .status(SubJobStatus::Running)
//!     .limit(50)
//!     .send()
//!     .await?
//!     .into_inner();
//! println!("{} sub-jobs in all", page.count.unwrap_or_default());
//! for job in &page.items {
//!     // `status` and `job_type` keep values newer than this crate as raw strings.
//!     println!("{:?} {:?}", job.id, job.status.as_ref().map(ToString::to_string));
//! }
//! # Ok(())
//! # }
//! ```
//!
//! A request parameter outside the spec (`limit(0)`, `limit(101)`, an empty `project_id`)
//! fails before any network I/O. Every failure converts (`?`) into [`Error`], which carries
//! the HTTP status, the service's `error_code` and `error_msg`, the `X-Request-Id`, and
//! [`Error::is_retryable`]; no secret ever appears in its message or in `Debug` output.
//! Like every error of this crate, its `Display` says what went wrong at its own level and
//! `source()` gives the cause: show the whole chain on one line with [`DisplayErrorChain`].
//!
//! [progenitor]: https://github.com/oxidecomputer/progenitor

mod client_builder;
pub mod clock_skew;
mod config;
mod credentials;
mod deadline;
pub mod dry_run;
mod error;
pub mod escaped;
mod extensible;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod generated;
mod hooks;
mod network;
mod paging;
mod region;
mod region_overrides;
mod response_body;
mod retry;
pub mod signing;
#[cfg(test)]
mod test_support;
mod tls;
mod transport;
mod wait;

pub use client_builder::{BuildError, ClientBuilder};
pub use config::{
    ClientConfig, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
};
pub use credentials::{
    AkSk, CredentialSource, Credentials, CredentialsChain, CredentialsError,
    DEFAULT_METADATA_ENDPOINT, DEFAULT_METADATA_TIMEOUT, ProjectLookupError, REFRESH_BEFORE_EXPIRY,
    default_iam_endpoint, env,
};
pub use error::{
    ApiError, BODY_SNIPPET_LIMIT, DisplayErrorChain, Error, GeneratedError, REQUEST_ID_HEADER,
};
pub use escaped::Escaped;
pub use extensible::Extensible;
pub use generated::{ByteStream, Client, ClientInfo, ResponseValue, builder, prelude, types};
pub use paging::{
    DEFAULT_CONCURRENCY, DEFAULT_PAGE_SIZE, Listing, MAX_CONCURRENCY, SubJobPagesStream,
    SubJobsPage, SubJobsPaginator, SubJobsStream, page_size_bounds,
};
pub use region::{Region, UnknownRegion};
pub use region_overrides::{REGION_ENDPOINT_ENV_PREFIX, REGIONS_FILE_ENV, region_endpoint_env};
pub use response_body::with_response_body;
pub use retry::{RetryPolicy, is_retryable_status};
pub use wait::{
    DEFAULT_MAX_POLL_INTERVAL, DEFAULT_MAX_SUB_JOBS, DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT,
    JobOutcome, JobWaiter, LAST_POLL_ALLOWANCE, MIN_POLL_INTERVAL, StatusCounts, SubJobPhase,
    WaitError, WaitProgress, WaitReport, WaitTarget, error_text,
};

/// Tables generated from the spec, the one source of every bound, default, enum value,
/// path and example that the client, the CLI and the emulator use.
///
/// ```
/// use workspace_app_client::spec::{enums, operations, parameters::list_sub_jobs};
///
/// assert_eq!((list_sub_jobs::LIMIT.minimum, list_sub_jobs::LIMIT.maximum), (1, 100));
/// assert_eq!(list_sub_jobs::LIMIT.default, Some(10));
/// // `offset` has no `maximum` in the spec; its `int32` format bounds it.
/// assert_eq!(list_sub_jobs::OFFSET.maximum, i64::from(i32::MAX));
/// assert_eq!(list_sub_jobs::STATUS.values, enums::SUB_JOB_STATUS);
/// assert_eq!(operations::LIST_SUB_JOBS.path, "/v1/{project_id}/app-server-sub-jobs");
/// assert!(operations::LIST_SUB_JOBS.example("200").is_some());
/// ```
pub mod spec {
    pub use crate::generated::{enums, operations, parameters, regions};
}

/// The workspace README's Rust examples compile as doctests (only when testing in the
/// workspace: the README is not part of the packaged crate).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeExamples;

/// A `reqwest::ClientBuilder` with this crate's TLS set up (the backend its cargo features
/// select, trusting the platform's roots) and the rest left to you: for
/// [`ClientBuilder::http_client`] with settings of your own, or any other request of yours.
/// With the default `rustls-ring` feature reqwest has no crypto provider of its own, so
/// `reqwest::Client::new()` would panic; this needs no process-wide provider. Unlike the
/// clients [`ClientBuilder`] makes, it follows reqwest's default redirect policy: see
/// [`ClientBuilder::http_client`] before you send credentials with it.
///
/// ```
/// let http = workspace_app_client::http_client_builder()?
///     .pool_max_idle_per_host(4)
///     .redirect(reqwest::redirect::Policy::none())
///     .build()?;
/// let client = workspace_app_client::ClientBuilder::new()
///     .endpoint("https://workspace.ap-southeast-1.myhuaweicloud.com")
///     .http_client(http)
///     .build()?;
/// # let _ = client;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, BuildError> {
    tls::configure(reqwest::Client::builder(), &[])
}

/// A path parameter as it goes into the URL (the codegen puts this in place of
/// progenitor's `encode_path`): percent-encoded as progenitor does, and `\` too, which
/// progenitor leaves as it is and URL parsing then takes for `/`, resolving `.` and `..`
/// around it: a project ID `x\..` would otherwise send the request to another path.
pub(crate) fn encode_path(segment: &str) -> String {
    progenitor_client::encode_path(segment).replace('\\', "%5C")
}

/// The HTTP client progenitor's `Client::new` uses (the codegen puts this call there): the
/// client's redirect policy and TLS, never a panic (see `tls::default_http_client`).
pub(crate) fn default_http_client() -> reqwest::Client {
    tls::default_http_client(client_builder::USER_AGENT)
}
