//! A local emulator of Huawei Cloud Workspace's **Querying Subtasks** API
//! (`GET /v1/{project_id}/app-server-sub-jobs`, operation `ListSubJobs`), so that code calling
//! it can be tested, and the whole thing seen working, without a cloud account.
//!
//! It behaves as the real service does, as far as the spec and Huawei's SDKs tell:
//!
//! - an in-memory store of jobs and their sub-jobs, each going `WAITING` → `RUNNING` →
//!   `SUCCESS` or `FAILED` (with `error_code`/`error_message`) over time, at a configurable
//!   [speed](Config::speed) and on an injectable [`Clock`];
//! - the `job_type`, `status` and `job_id` filters and `offset`/`limit` paging with a
//!   correct `count`, in an order that never depends on status (oldest first), so paging
//!   returns every sub-job once while statuses change;
//! - every request is scoped to the project in its path;
//! - authentication with a configured IAM token (`X-Auth-Token`), or AK/SK signatures
//!   verified with the client crate's own `SDK-HMAC-SHA256` functions (the signature must
//!   cover `host` and `x-sdk-date`, and `x-project-id` when the request has it, dated within
//!   [15 minutes](MAX_CLOCK_SKEW) of the emulator's clock), or
//!   [temporary](Config::temporary) AK/SK credentials, whose requests must also carry and
//!   sign their `X-Security-Token`;
//! - every answer carries `X-Request-Id`, and a `Date` read from the emulator's [`Clock`]
//!   (so a test that sets a [`ManualClock`] hours ahead shows a client a skewed server);
//! - [fault injection](Faults): 500, 503 and 429 at seeded rates, added latency, and
//!   scripted failures of the next requests, to exercise retry code;
//! - connections that no client can hold open: a request's head must arrive within the
//!   [header timeout](Config::header_timeout) (which also closes idle kept-alive
//!   connections), at most [`max_connections`](Config::max_connections) are served at once,
//!   and a [shutdown](Emulator::shutdown) ends within its
//!   [grace period](Config::shutdown_grace) whatever clients are doing.
//!
//! Responses are serialized with the client's generated types, so they match the spec, and
//! validation follows the tables the codegen derives from it
//! ([`workspace_app_client::spec`]). Any other operation of the spec is answered, once
//! authenticated, with 200 and the example the spec documents for it, as
//! [Prism](https://stoplight.io/open-source/prism) does, so a new operation works here
//! before the emulator learns its behaviour.
//!
//! ```
//! use std::time::Duration;
//! use workspace_app_client::types::{JobType, JobTypeFilter, SubJobStatus};
//! use workspace_app_mock::{Config, JobPlan, SubJobPlan};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = workspace_app_mock::start(Config::default().token("local-token")).await?;
//! let secs = Duration::from_secs;
//! let job = emulator.add_job(
//!     JobPlan::new(JobType::CreateServer)
//!         .sub_job(SubJobPlan::succeeds(secs(1), secs(2)))
//!         .sub_job(SubJobPlan::fails(secs(1), secs(3), "WKS.00129901", "Service unavailable.")),
//! );
//!
//! // A client configured for the emulator: its URL, project and credentials.
//! let client = emulator.client_builder().build()?;
//! let page = client
//!     .sub_jobs()
//!     .job_type(JobTypeFilter::CreateServer)
//!     .job_id(&job.job_id)
//!     .send()
//!     .await?;
//! assert_eq!(page.count, Some(2));
//! assert!(page.items.iter().all(|item| item.status == Some(SubJobStatus::Waiting.into())));
//! # Ok(())
//! # }
//! ```
//!
//! # Errors it answers with
//!
//! Gateway errors carry Huawei API Gateway codes, service errors `WKS.` codes (see
//! [`error_codes`]); every body is `{"error_code": "...", "error_msg": "..."}`:
//!
//! | status | `error_code` | when |
//! |---|---|---|
//! | 400 | `WKS.00010001` | `job_type` missing; a value not in the spec's enum; `offset`/`limit` not an integer in the spec's range (`limit` 1–100, `offset` 0–2147483647, the `int32` maximum); a parameter given twice; a request body over 64 KiB, or one that has not arrived within the [header timeout](Config::header_timeout) of its head |
//! | 401 | `APIGW.0301` | authentication failed, for one of the causes below |
//! | 404 | `APIGW.0101` | a path that is not in the spec |
//! | 405 | `WKS.00010002` | a method the spec does not have at the path, with `Allow` naming those it has (`GET`) |
//! | 501 | `WKS.00000001` | an operation of the spec the emulator has no behaviour for, whose 200 response has no example |
//! | 429 | `APIGW.0308` | injected throttling, with `Retry-After` |
//! | 500 | `WKS.00000001` | injected |
//! | 503 | `WKS.00129901` | injected, with `Retry-After` when configured |
//!
//! Requests for a project with no jobs get an empty page, as the service gives.
//!
//! ## Why a request gets 401
//!
//! With a token or keys configured (with neither, every request is let in), a request is
//! refused when any of these holds; `error_msg` says which, after "Incorrect IAM
//! authentication information: ", and never contains a secret.
//!
//! | cause | `error_msg` says |
//! |---|---|
//! | no `X-Auth-Token` and no `Authorization` | `neither an X-Auth-Token header nor an SDK-HMAC-SHA256 Authorization header` |
//! | a token other than the configured one | `the X-Auth-Token is not valid` |
//! | a token where only keys are configured | `this emulator accepts AK/SK signatures only` |
//! | an `Authorization` that is not `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…` | `the Authorization header is not …` |
//! | an AK other than the configured one (or none configured) | `the access key (AK) is unknown` |
//! | `host` or `x-sdk-date` not in `SignedHeaders` | `the signature must cover the host and x-sdk-date headers` |
//! | [temporary keys](Config::temporary) and no `X-Security-Token` | `the request has no X-Security-Token` |
//! | temporary keys and `x-security-token` not in `SignedHeaders` | `x-security-token must be among the signed headers` |
//! | temporary keys and another security token | `the X-Security-Token is not valid` |
//! | an `X-Project-Id` not in `SignedHeaders` | `x-project-id must be among the signed headers` |
//! | `X-Sdk-Date` missing or malformed | `the X-Sdk-Date header is missing or not of the form YYYYMMDDTHHMMSSZ` |
//! | `X-Sdk-Date` more than [15 minutes](MAX_CLOCK_SKEW) from the emulator's clock | `the X-Sdk-Date is more than 15 minutes away` |
//! | temporary keys from the [metadata endpoint](Config::metadata_credentials), past their expiry | `the temporary credentials have expired` |
//! | any other mismatch: wrong SK, the request changed after signing | `verify aksk signature fail` |
//!
//! Every credential a request presents must hold: a valid token next to a bad
//! `Authorization` is refused.

mod auth;
mod clock;
mod connections;
mod faults;
mod iam;
mod jobs;
mod metadata;
mod query;
mod seed;
mod server;
mod spec_enums;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use workspace_app_client::types::JobDetailInfo;
use workspace_app_client::{ClientBuilder, Credentials};

pub use auth::MAX_CLOCK_SKEW;
pub use axum::http::StatusCode;
pub use clock::{Clock, ManualClock};
pub use faults::Faults;
pub use jobs::{AddedJob, JobPlan, Outcome, SubJobPlan};

use crate::auth::Auth;
use crate::faults::FaultState;
use crate::server::{Shared, lock};

/// The project the emulator serves when none is configured (32 hex digits, like a real one).
pub const DEFAULT_PROJECT_ID: &str = "0605767a3300d5762fb7c0186d9e1779";

/// The region the emulator stands for when none is configured: its IAM lists
/// [its project](Config::project_id) under this name.
pub const DEFAULT_REGION: &str = "ap-southeast-1";

/// The default of [`Config::header_timeout`].
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest [`Config::header_timeout`] (a day): hyper adds it to the current instant,
/// which must not overflow.
const MAX_HEADER_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);
/// The default of [`Config::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// The default of [`Config::shutdown_grace`].
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The `error_code` of each error the emulator answers with.
pub mod error_codes {
    /// 400: a query parameter is missing, not an allowed value, or out of range.
    pub const INVALID_PARAMETER: &str = "WKS.00010001";
    /// 405: a method other than GET.
    pub const METHOD_NOT_ALLOWED: &str = "WKS.00010002";
    /// 401: authentication failed (API Gateway's "Incorrect IAM authentication information").
    pub const UNAUTHORIZED: &str = "APIGW.0301";
    /// 404: no API at this path (API Gateway's "The API does not exist").
    pub const NOT_FOUND: &str = "APIGW.0101";
    /// 429: throttled (API Gateway's "The throttling threshold has been reached").
    pub const THROTTLED: &str = "APIGW.0308";
    /// 500: an internal error.
    pub const INTERNAL_ERROR: &str = "WKS.00000001";
    /// 503: the service is unavailable (the code Huawei's document shows).
    pub const SERVICE_UNAVAILABLE: &str = "WKS.00129901";
}

/// How to run an emulator. `Config::default()`: 127.0.0.1 on a free port, no seeded jobs,
/// project [`DEFAULT_PROJECT_ID`], no authentication, real time, no faults.
#[derive(Clone, Debug)]
pub struct Config {
    listen: SocketAddr,
    seed: u64,
    jobs: usize,
    project_id: String,
    region: String,
    iam: bool,
    auth: Auth,
    speed: f64,
    clock: Clock,
    faults: Faults,
    header_timeout: Duration,
    max_connections: usize,
    shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            seed: 0,
            jobs: 0,
            project_id: DEFAULT_PROJECT_ID.to_string(),
            region: DEFAULT_REGION.to_string(),
            iam: false,
            auth: Auth::default(),
            speed: 1.0,
            clock: Clock::system(),
            faults: Faults::default(),
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
        }
    }
}

impl Config {
    /// The address to listen on (default `127.0.0.1:0`, a free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// The seed of every generated ID, seeded job, request ID and injected fault.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How many jobs to generate at start, in the configured project: most long finished,
    /// some in progress, some just started, a few failed (default 0).
    pub fn jobs(mut self, count: usize) -> Self {
        self.jobs = count;
        self
    }

    /// The project of seeded jobs and the default of added ones.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = project_id.into();
        self
    }

    /// Accept this IAM token in `X-Auth-Token`. With a token or keys configured, a request
    /// gets 401 unless it presents credentials and every one it presents is valid (a good
    /// token next to a bad `Authorization` is refused); with neither, anything goes.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.auth.token = Some(SecretString::from(token.into()));
        self
    }

    /// Accept requests signed with this permanent AK/SK pair (`SDK-HMAC-SHA256`). Replaces
    /// any keys set before, [temporary](Config::temporary) ones included.
    pub fn ak_sk(mut self, ak: impl Into<String>, sk: impl Into<String>) -> Self {
        self.auth.keys = Some((SecretString::from(ak.into()), SecretString::from(sk.into())));
        self.auth.security_token = None;
        self
    }

    /// Accept requests signed with this temporary AK/SK pair, as IAM issues them with a
    /// security token: a signed request must also carry `X-Security-Token` with this value
    /// and list `x-security-token` in its `SignedHeaders`. Replaces any keys set before.
    pub fn temporary(
        mut self,
        ak: impl Into<String>,
        sk: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Self {
        self = self.ak_sk(ak, sk);
        self.auth.security_token = Some(SecretString::from(security_token.into()));
        self
    }

    /// The region the emulator stands for (default [`DEFAULT_REGION`]): IAM lists the
    /// configured project under its name.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Serves IAM's `GET /v3/projects?name=<region>` (signed, as the API is: with the
    /// configured keys, or temporary ones from the metadata endpoint), listing one project,
    /// the configured one, under the [region](Config::region)'s name, so that a client
    /// with no project ID can look it up. Answers in IAM's shape: `{"projects": [{"id",
    /// "name", ...}]}`, with `X-IAM-Trace-Id`; a request that fails authentication gets 401
    /// with IAM's `{"error": {"code", "message", "title"}}`.
    pub fn iam(mut self) -> Self {
        self.iam = true;
        self
    }

    /// Serves the ECS metadata service's `GET /openstack/latest/securitykey` (and the
    /// session token of `PUT /meta-data/latest/api/token`, which a `GET` carrying
    /// `X-Metadata-Token` must present valid): each call
    /// issues new temporary credentials (`{"credential": {"access", "secret",
    /// "securitytoken", "expires_at"}}`, with the emulator's time in `Date`), valid for
    /// `lifetime` on the emulator's [clock](Config::clock). The API and IAM accept them
    /// (signed, with their `X-Security-Token`) until they expire, then answer 401
    /// (`the temporary credentials have expired`). Point a client's
    /// `CredentialsChain::metadata_endpoint` at [`Emulator::base_url`].
    pub fn metadata_credentials(mut self, lifetime: Duration) -> Self {
        self.auth.metadata.ttl = Some(lifetime);
        self
    }

    /// How long a client has to send a request's head, counted from the moment the emulator
    /// starts waiting for it: the connection opened, or the previous answer went out
    /// (default [10 s](DEFAULT_HEADER_TIMEOUT)). A connection that misses it is closed, so
    /// this is also how long an idle kept-alive connection stays open. A request's body gets
    /// as long again after its head (then 400). Longer than zero, at most a day.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// Most connections served at once (default [512](DEFAULT_MAX_CONNECTIONS)); more wait,
    /// unaccepted, in the listen backlog until one ends, so slow clients cannot use up the
    /// process's file descriptors. At least 1.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// How long [`Emulator::shutdown`] (and the binary, on SIGTERM or Ctrl-C) lets requests
    /// in flight finish (default [5 s](DEFAULT_SHUTDOWN_GRACE)); the connections still open
    /// then are dropped.
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// How much faster than real time sub-jobs progress (default 1.0; 10.0 makes a
    /// 30-second job take 3 seconds).
    pub fn speed(mut self, speed: f64) -> Self {
        self.speed = speed;
        self
    }

    /// Where the time comes from (default the system clock).
    pub fn clock(mut self, clock: impl Into<Clock>) -> Self {
        self.clock = clock.into();
        self
    }

    /// Faults to inject from the start.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    fn validate(&self) -> Result<(), Error> {
        let invalid = |message: &str| Err(Error::InvalidConfig(message.to_string()));
        if !(self.speed.is_finite() && self.speed > 0.0) {
            return invalid("the speed must be a positive number");
        }
        if self.project_id.is_empty() {
            return invalid("the project ID must not be empty");
        }
        if self.region.is_empty() {
            return invalid("the region must not be empty");
        }
        if self.auth.metadata.ttl.is_some_and(|ttl| ttl.is_zero()) {
            return invalid("the lifetime of metadata credentials must be longer than zero");
        }
        if self.header_timeout.is_zero() || self.header_timeout > MAX_HEADER_TIMEOUT {
            return invalid("the header timeout must be longer than zero and at most a day");
        }
        if self.max_connections == 0 {
            return invalid("the connection limit must be at least 1");
        }
        if self
            .auth
            .token
            .as_ref()
            .is_some_and(|t| t.expose_secret().is_empty())
        {
            return invalid("the token must not be empty");
        }
        if let Some((ak, sk)) = &self.auth.keys
            && (ak.expose_secret().is_empty() || sk.expose_secret().is_empty())
        {
            return invalid("the AK and the SK must not be empty");
        }
        if self
            .auth
            .security_token
            .as_ref()
            .is_some_and(|t| t.expose_secret().is_empty())
        {
            return invalid("the security token must not be empty");
        }
        self.faults.validate().map_err(Error::InvalidConfig)
    }
}

/// Why an emulator could not start or take a setting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is out of range; the message says which (and never contains a secret).
    #[error("invalid emulator configuration: {0}")]
    InvalidConfig(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Starts an emulator on the current tokio runtime and returns once it accepts connections.
/// It runs until [`Emulator::shutdown`] or until the handle is dropped.
///
/// Connections are HTTP/1.1 with keep-alive, under the limits of
/// [`Config::header_timeout`], [`Config::max_connections`] and [`Config::shutdown_grace`].
pub async fn start(config: Config) -> Result<Emulator, Error> {
    config.validate()?;
    let bind_error = |source| Error::Bind {
        addr: config.listen,
        source,
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;

    let mut auth = config.auth.clone();
    auth.metadata = auth.metadata.fresh(config.seed);
    let mut shared = Shared::new(
        config.clock.clone(),
        config.speed,
        auth,
        FaultState::new(config.faults.clone(), config.seed),
        config.project_id.clone(),
        config.seed,
        config.header_timeout,
    );
    shared.iam = config.iam;
    shared.region = config.region.clone();
    let shared = Arc::new(shared);
    let plans = seed::jobs(&mut lock(&shared.ids), config.jobs, shared.clock.now());
    for plan in plans {
        add_job(&shared, plan);
    }

    let (shutdown, signal) = oneshot::channel::<()>();
    let app = server::router(shared.clone());
    let limits = connections::Limits {
        header_timeout: config.header_timeout,
        max_connections: config.max_connections,
        shutdown_grace: config.shutdown_grace,
    };
    // A dropped sender (the handle is gone) stops the server too.
    let task = tokio::spawn(connections::serve(listener, app, limits, signal));
    Ok(Emulator {
        base_url: format!("http://{addr}"),
        addr,
        shared,
        shutdown: Some(shutdown),
        task: Some(task),
    })
}

fn add_job(shared: &Shared, plan: JobPlan) -> AddedJob {
    let created_at = plan.created_at.unwrap_or_else(|| shared.clock.now());
    let project_id = plan
        .project_id
        .clone()
        .unwrap_or_else(|| shared.project_id.clone());
    let mut rng = lock(&shared.ids);
    let job_id = plan.job_id.clone().unwrap_or_else(|| seed::uuid(&mut rng));
    shared
        .store
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(plan, job_id, project_id, created_at, &mut rng)
}

/// A running emulator: its address, and the handle tests use to add jobs, read their state
/// and inject faults. Dropping it stops the server as [`Emulator::shutdown`] does, in the
/// background.
#[derive(Debug)]
pub struct Emulator {
    base_url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// `http://127.0.0.1:PORT`, the base URL to give a client.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configured project: that of seeded jobs and the default of added ones.
    pub fn project_id(&self) -> &str {
        &self.shared.project_id
    }

    /// The region the emulator stands for ([`Config::region`]).
    pub fn region(&self) -> &str {
        &self.shared.region
    }

    /// How many temporary credentials the metadata endpoint has issued.
    pub fn metadata_credentials_issued(&self) -> u64 {
        self.shared.auth.metadata.count()
    }

    /// Revokes every temporary credential the metadata endpoint has issued, before it
    /// expires: requests signed with one are refused (401) from now on, and the endpoint
    /// issues new ones.
    pub fn revoke_metadata_credentials(&self) {
        self.shared.auth.metadata.revoke_all();
    }

    /// How many session tokens (`PUT /meta-data/latest/api/token`) the metadata endpoint
    /// has issued.
    pub fn metadata_session_tokens_issued(&self) -> u64 {
        self.shared.auth.metadata.sessions_issued()
    }

    /// The clock the emulator reads.
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// A client builder aimed at this emulator, with its project and credentials (AK/SK
    /// when configured, temporary ones with their security token, else the token). Add
    /// retries, timeouts etc. and `build()`.
    pub fn client_builder(&self) -> ClientBuilder {
        let builder = ClientBuilder::new()
            .endpoint(self.base_url.clone())
            .project_id(self.shared.project_id.clone());
        let auth = &self.shared.auth;
        match (&auth.keys, &auth.token) {
            (Some((ak, sk)), _) => {
                let (ak, sk) = (ak.expose_secret(), sk.expose_secret());
                builder.credentials(match &auth.security_token {
                    Some(token) => Credentials::temporary(ak, sk, token.expose_secret()),
                    None => Credentials::ak_sk(ak, sk),
                })
            }
            (None, Some(token)) => builder.credentials(Credentials::token(token.expose_secret())),
            (None, None) => builder,
        }
    }

    /// Adds a job; its sub-jobs start their lives at the plan's creation time (default:
    /// now on the emulator's clock).
    pub fn add_job(&self, plan: JobPlan) -> AddedJob {
        add_job(&self.shared, plan)
    }

    /// Every sub-job of every project as the API would show it now, in list order.
    pub fn sub_jobs(&self) -> Vec<JobDetailInfo> {
        self.snapshot(None)
    }

    /// The sub-jobs of one job as the API would show them now.
    pub fn job(&self, job_id: &str) -> Vec<JobDetailInfo> {
        self.snapshot(Some(job_id))
    }

    fn snapshot(&self, job_id: Option<&str>) -> Vec<JobDetailInfo> {
        let shared = &self.shared;
        shared
            .store
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .snapshot(job_id, shared.clock.now(), shared.speed)
    }

    /// How many sub-jobs are stored, in every project.
    pub fn sub_job_count(&self) -> usize {
        self.shared
            .store
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Answers the next `count` requests with `status`, an error status (before any
    /// rate-based fault), with `Retry-After` as [`Faults::retry_after`] says for 429 and 503
    /// and the matching `error_code` of [`error_codes`].
    pub fn fail_next(&self, count: usize, status: StatusCode) {
        lock(&self.shared.faults).script(count, status);
    }

    /// Replaces the rate-based faults and latency from the next request on.
    pub fn set_faults(&self, faults: Faults) -> Result<(), Error> {
        faults.validate().map_err(Error::InvalidConfig)?;
        lock(&self.shared.faults).set(faults);
        Ok(())
    }

    /// How many requests reached the emulator, answered or failed, since it started.
    pub fn requests_received(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Stops accepting connections, lets the requests in flight finish for at most the
    /// [shutdown grace period](Config::shutdown_grace), then drops every connection still
    /// open (a client that sent half a request, say). Returns within about that period.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
