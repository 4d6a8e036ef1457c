//! What the generated `Client` carries besides its base URL and `reqwest::Client`.

use std::sync::Arc;
use std::time::Duration;

use crate::call_settings::CallSettings;
use crate::clock_skew::SharedOffset;
use crate::credentials::Provider;
use crate::http::failover::Endpoints;
use crate::intercept::Chain;
use crate::retry::{Classifiers, RetryPolicy};
use crate::signing::Signer;
use crate::telemetry::Telemetry;

/// Default most bytes of a response body the client reads: 8 MiB. A page of 100 sub-jobs
/// is about 50 KiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;
/// Default time one attempt may take, response body included.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The hand-written configuration the generated [`Client`](crate::Client) carries as its
/// inner value, read by the request hooks. Build it with
/// [`ClientBuilder`](crate::ClientBuilder); `ClientConfig::default()` has no credentials and
/// the default retries, timeout and body limit.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub(crate) credentials: Option<Provider>,
    pub(crate) project_id: Option<String>,
    pub(crate) retry: RetryPolicy,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) max_response_bytes: usize,
    /// The measured offset of the service's clock, shared by the client's clones.
    pub(crate) clock_offset: SharedOffset,
    /// Prepare requests and send none (see [`crate::dry_run`]).
    pub(crate) dry_run: bool,
    /// Credentials may go over plain http to another host ([`crate::ClientBuilder::allow_insecure_http`]).
    pub(crate) allow_insecure_http: bool,
    /// The endpoints, when there are several ([`crate::ClientBuilder::endpoints`]): a request
    /// that cannot connect to one moves to the next. Shared by the client's clones, which
    /// start from the same endpoint.
    pub(crate) endpoints: Option<Arc<Endpoints>>,
    /// Signs AK/SK requests with the chosen algorithm, keeping the key it derives
    /// ([`crate::ClientBuilder::signing_algorithm`]).
    pub(crate) signer: Signer,
    /// The interceptors, in the order they run.
    pub(crate) interceptors: Chain,
    /// The retry classifiers, after the default.
    pub(crate) classifiers: Classifiers,
    /// What is recorded of each call beyond its span.
    pub(crate) telemetry: Telemetry,
    /// The OpenTelemetry instruments (feature `metrics`).
    #[cfg(feature = "metrics")]
    pub(crate) instruments: std::sync::Arc<crate::metrics::Instruments>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            credentials: None,
            project_id: None,
            retry: RetryPolicy::default(),
            attempt_timeout: Some(DEFAULT_ATTEMPT_TIMEOUT),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            clock_offset: SharedOffset::default(),
            dry_run: false,
            allow_insecure_http: false,
            endpoints: None,
            signer: Signer::default(),
            interceptors: Chain::default(),
            classifiers: Classifiers::default(),
            telemetry: Telemetry::default(),
            #[cfg(feature = "metrics")]
            instruments: crate::metrics::Instruments::new(),
        }
    }
}

impl ClientConfig {
    /// This configuration with `settings` over it, for a [`Client::with`](crate::Client::with)
    /// handle: resolved once here, so that a call merges nothing. What it shares with `self`
    /// (the credentials and their refresh, the clock offset, the signer's derived key) is
    /// shared, not copied.
    pub(crate) fn with(&self, settings: &CallSettings) -> ClientConfig {
        let mut retry = settings.retry.clone().unwrap_or_else(|| self.retry.clone());
        if let Some(attempts) = settings.max_attempts {
            retry = retry.max_attempts(attempts);
        }
        ClientConfig {
            retry,
            attempt_timeout: settings.attempt_timeout.unwrap_or(self.attempt_timeout),
            interceptors: self.interceptors.then(&settings.interceptors()),
            classifiers: self.classifiers.then(&settings.classifiers),
            ..self.clone()
        }
    }
}
