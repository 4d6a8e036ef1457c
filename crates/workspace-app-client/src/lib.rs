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

// The modules, bottom to top (`xtask/layers.txt` holds the list `cargo xtask layers`
// checks): a module imports only from its own layer and those below it.
//
// 1. vocabulary: the words everything else is written in.
pub mod clock_skew;
mod deadline;
pub mod dry_run;
pub mod escaped;
mod extensible;
mod generated;
pub mod intercept;
mod mask;
#[cfg(feature = "metrics")]
pub mod metrics;
mod region;
mod response_body;
mod retry;
mod settings_file;
pub mod signing;
mod telemetry;
// (and, inside their folders: credentials' keys, sources and variable names; what a wait
// is for, and what each status means to it)
// 2. errors: every error type, and how the service's error bodies and a wait read.
mod error;
// 3. http: the base client, TLS, proxies and CAs, endpoint checks, bounded reads, regions.
mod http;
// 4. credentials: the credentials file, the metadata service, ID tokens exchanged at IAM
// or STS, refresh, the chain.
mod credentials;
// 5. config: what the generated client carries, and the settings of a handle on it.
mod call_settings;
mod config;
// 6. transport: the request loop.
mod transport;
// 7. hooks: the generated client's hooks and the progenitor bridge; the IAM project lookup.
mod hooks;
mod project_lookup;
// 8. builder: `ClientBuilder` and `Client`'s accessors.
mod client_builder;
// 9. workflows: listings and waits.
mod paging;
mod wait;
// Entry points for the fuzz targets; the unit tests' helpers.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(test)]
mod test_support;

pub use call_settings::CallSettings;
pub use client_builder::ClientBuilder;
pub use config::{
    ClientConfig, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
};
pub use credentials::{
    AkSk, CredentialSource, Credentials, CredentialsChain, CredentialsError,
    DEFAULT_METADATA_ENDPOINT, DEFAULT_METADATA_TIMEOUT, FederationSource, OidcSource,
    REFRESH_BEFORE_EXPIRY, TokenRefusal, env,
};
pub use error::{
    ApiError, BODY_SNIPPET_LIMIT, BuildError, DisplayErrorChain, EndpointFailure, Error,
    GeneratedError, ProjectLookupError, REQUEST_ID_HEADER, WaitError,
};
pub use escaped::Escaped;
pub use extensible::Extensible;
pub use generated::{ByteStream, Client, ClientInfo, ResponseValue, builder, prelude, types};
pub use http::region_overrides::{
    REGION_ENDPOINT_ENV_PREFIX, REGIONS_FILE_ENV, region_endpoint_env,
};
pub use http::tls::http_client_builder;
pub use intercept::Interceptor;
pub use paging::{
    DEFAULT_CONCURRENCY, DEFAULT_PAGE_SIZE, Listing, MAX_CONCURRENCY, SubJobPagesStream,
    SubJobsPage, SubJobsPaginator, SubJobsStream, page_size_bounds,
};
pub use project_lookup::default_iam_endpoint;
pub use region::{Region, UnknownRegion};
pub use response_body::with_response_body;
pub use retry::{
    RetryContext, RetryDecision, RetryKind, RetryPolicy, TransportFailure, is_retryable_status,
};
pub use telemetry::{ACCESS_LOG_TARGET, Telemetry};
pub use wait::{
    DEFAULT_MAX_POLL_INTERVAL, DEFAULT_MAX_SUB_JOBS, DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT,
    JobOutcome, JobWaiter, LAST_POLL_ALLOWANCE, MIN_POLL_INTERVAL, StatusCounts, SubJobPhase,
    WaitProgress, WaitReport, WaitTarget, error_text,
};

// What the generated code calls by these paths (the codegen writes them there).
pub(crate) use http::base::encode_path;
#[allow(
    unused_imports,
    reason = "only a spec with a list sent unexploded calls it"
)]
pub(crate) use http::query::append_joined_query;
pub(crate) use http::tls::default_http_client;

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

/// The workspace's README and guide (`docs/`): their Rust examples compile as doctests.
#[cfg(doctest)]
mod doc_examples;
