//! Settings for some calls only: a handle on the same client ([`Client::with`](crate::Client::with))
//! whose calls, listings and waits run with their own attempt timeout, retries, headers,
//! interceptors and retry classifiers. The handle shares the client's connection pool,
//! credentials (and their refresh) and measured clock offset; nothing of it reaches calls
//! made without it, concurrent ones included.
//!
//! Within a wait, the wait's own timeout stays the outer bound: each attempt of each poll
//! ends by the smaller of the handle's attempt timeout and the time left, and no retry
//! starts after the wait's deadline. `max_attempts(1)` makes a failed poll fail fast; the
//! wait's polling is then its only retry (a poll that fails in a way that may pass lets the
//! wait go on).
//!
//! ```no_run
//! use std::time::Duration;
//! use workspace_app_client::{CallSettings, ClientBuilder, types::JobTypeFilter};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = ClientBuilder::from_env().region("ap-southeast-1").build()?;
//! let quick = client.with(
//!     CallSettings::new()
//!         .timeout(Duration::from_secs(2))
//!         .max_attempts(1)
//!         .header("x-trace-tag", "once"),
//! );
//! let page = quick.sub_jobs().job_type(JobTypeFilter::CreateServer).send().await?;
//! # let _ = page;
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::intercept::{BeforeSigning, BoxError, Interceptor};
use crate::retry::{Classifier, RetryContext, RetryDecision, RetryPolicy};

/// Settings for the calls of a [`Client::with`](crate::Client::with) handle, which shares
/// the client's connection pool, credentials and clock offset. Every setting left out is the
/// client's.
#[derive(Clone, Default)]
pub struct CallSettings {
    pub(crate) attempt_timeout: Option<Option<Duration>>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) max_attempts: Option<u32>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) interceptors: Vec<Arc<dyn Interceptor>>,
    pub(crate) classifiers: Vec<Classifier>,
}

impl CallSettings {
    /// No setting: the client's.
    pub fn new() -> Self {
        CallSettings::default()
    }

    /// The time one attempt may take, response body included; `None` waits as long as it
    /// takes (a wait's deadline still holds).
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.attempt_timeout = Some(timeout.into());
        self
    }

    /// The retry policy, in place of the client's.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Attempts in all, the first included, over whichever policy is in force; `1`: no
    /// retries.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// A header on every request, signed with the rest. Checked when a call is made, as an
    /// interceptor's headers are: a name or value that would not be signed as sent, or a
    /// header the client alone sets, fails the call before anything is sent.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// An interceptor, run after the client's own.
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }

    /// A retry classifier, run after the client's own (see
    /// [`ClientBuilder::retry_classifier`](crate::ClientBuilder::retry_classifier)).
    pub fn retry_classifier<F>(mut self, classify: F) -> Self
    where
        F: Fn(&RetryContext<'_>, RetryDecision) -> RetryDecision + Send + Sync + 'static,
    {
        self.classifiers.push(Arc::new(classify));
        self
    }

    /// The interceptors the handle adds: its headers first, then its own interceptors.
    pub(crate) fn interceptors(&self) -> Vec<Arc<dyn Interceptor>> {
        let headers: Option<Arc<dyn Interceptor>> = (!self.headers.is_empty())
            .then(|| Arc::new(Headers(self.headers.clone())) as Arc<dyn Interceptor>);
        headers
            .into_iter()
            .chain(self.interceptors.iter().cloned())
            .collect()
    }
}

/// What the settings change, never the interceptors' own state.
impl fmt::Debug for CallSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallSettings")
            .field("attempt_timeout", &self.attempt_timeout)
            .field("retry", &self.retry)
            .field("max_attempts", &self.max_attempts)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field(
                "interceptors",
                &self
                    .interceptors
                    .iter()
                    .map(|interceptor| interceptor.name())
                    .collect::<Vec<_>>(),
            )
            .field("classifiers", &self.classifiers.len())
            .finish()
    }
}

/// The settings' headers, set before signing as an interceptor sets them.
struct Headers(Vec<(String, String)>);

impl Interceptor for Headers {
    fn name(&self) -> &'static str {
        "CallSettings::header"
    }

    fn before_signing(&self, request: &mut BeforeSigning<'_>) -> Result<(), BoxError> {
        for (name, value) in &self.0 {
            request.insert_header(name, value)?;
        }
        Ok(())
    }
}
