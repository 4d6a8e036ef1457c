//! Starting an emulator ([`start`]) and the handle to a running one ([`Emulator`]).

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use axum::http::StatusCode;
use secrecy::ExposeSecret;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use workspace_app_client::types::JobDetailInfo;
use workspace_app_client::{ClientBuilder, Credentials};

use crate::clock::Clock;
use crate::config::{Config, Error};
use crate::connections;
use crate::faults::{FaultState, Faults};
use crate::issuer::Origin;
use crate::lock::lock;
use crate::plan::{AddedJob, JobPlan};
use crate::seed;
use crate::server;
use crate::state::Shared;

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
    let workload = config.workload.fresh(config.seed, config.clock.now());
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
    shared.workload = workload;
    let shared = Arc::new(shared);
    let plans = seed::jobs(&mut lock(&shared.ids), config.jobs, shared.clock.now());
    for plan in plans {
        shared.add_job(plan);
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
        self.shared.auth.metadata.count(Origin::Metadata)
    }

    /// How many ID tokens IAM has exchanged for unscoped tokens
    /// ([`Config::federation`]).
    pub fn id_tokens_exchanged(&self) -> u64 {
        self.shared.workload.exchanged()
    }

    /// How many temporary credentials IAM's `OS-CREDENTIAL/securitytokens` has issued
    /// ([`Config::federation`]).
    pub fn federation_credentials_issued(&self) -> u64 {
        self.shared.auth.metadata.count(Origin::Federation)
    }

    /// How many temporary credentials STS's `assume-with-oidc` has issued
    /// ([`Config::oidc`]).
    pub fn oidc_credentials_issued(&self) -> u64 {
        self.shared.auth.metadata.count(Origin::Oidc)
    }

    /// Accepts a new ID token for `lifetime` from now on the emulator's clock, as a
    /// platform issues one when it rotates a projected token: IAM's federation and STS's
    /// OIDC endpoints take it from now. Tokens accepted before stay accepted until they
    /// expire.
    pub fn accept_id_token(&self, token: impl Into<String>, lifetime: Duration) {
        let now = self.shared.clock.now();
        self.shared
            .workload
            .accept_id_token(token.into(), now.checked_add(lifetime).unwrap_or(now));
    }

    /// Revokes every temporary credential the emulator has issued (its metadata endpoint,
    /// IAM, STS), before it expires: requests signed with one are refused (401) from now
    /// on, and the endpoints issue new ones.
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
        self.shared.add_job(plan)
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
    /// and the matching `error_code` of [`error_codes`](crate::error_codes).
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
