//! What the generated `Client` carries besides its base URL and `reqwest::Client`.

use std::time::Duration;

use crate::clock_skew::SharedOffset;
use crate::credentials::Provider;
use crate::retry::RetryPolicy;
use crate::signing::Signer;

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
    /// Signs AK/SK requests with the chosen algorithm, keeping the key it derives
    /// ([`crate::ClientBuilder::signing_algorithm`]).
    pub(crate) signer: Signer,
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
            signer: Signer::default(),
        }
    }
}
