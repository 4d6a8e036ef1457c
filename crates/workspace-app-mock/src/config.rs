//! How to run an emulator ([`Config`]), its defaults, and why one cannot start
//! ([`Error`]).

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::auth::Auth;
use crate::clock::Clock;
use crate::faults::Faults;
use crate::workload::{OidcTrust, Workload};

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

/// How to run an emulator. `Config::default()`: 127.0.0.1 on a free port, no seeded jobs,
/// project [`DEFAULT_PROJECT_ID`], no authentication, real time, no faults.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) listen: SocketAddr,
    pub(crate) seed: u64,
    pub(crate) jobs: usize,
    pub(crate) project_id: String,
    pub(crate) region: String,
    pub(crate) iam: bool,
    pub(crate) auth: Auth,
    pub(crate) speed: f64,
    pub(crate) clock: Clock,
    pub(crate) faults: Faults,
    pub(crate) workload: Workload,
    pub(crate) header_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) shutdown_grace: Duration,
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
            workload: Workload::default(),
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
    /// `CredentialsChain::metadata_endpoint` at
    /// [`Emulator::base_url`](crate::emulator::Emulator::base_url).
    pub fn metadata_credentials(mut self, lifetime: Duration) -> Self {
        self.auth.metadata.ttl = Some(lifetime);
        self.auth.metadata.metadata = true;
        self
    }

    /// Serves IAM's IdP federation for the identity provider `idp_id`, as Huawei's SDKs use
    /// it (`HUAWEICLOUD_SDK_IDP_ID` and `HUAWEICLOUD_SDK_ID_TOKEN_FILE`), without
    /// credentials:
    ///
    /// - `POST /v3.0/OS-AUTH/id-token/tokens` with `X-Idp-Id: <idp_id>` and
    ///   `{"auth": {"id_token": {"id": "<ID token>"}}}`: 201 with an unscoped token in
    ///   `X-Subject-Token` (valid 24 hours) and its details in the body. The ID token must
    ///   be one the emulator accepts ([`Config::id_token`],
    ///   [`Emulator::accept_id_token`](crate::emulator::Emulator::accept_id_token)) and not
    ///   expired, else 401 (`The ID token is not valid.` or `... has expired.`); another
    ///   identity provider gets 404, a missing `X-Idp-Id` or ID token 400;
    /// - `POST /v3.0/OS-CREDENTIAL/securitytokens` with `{"auth": {"identity": {"methods":
    ///   ["token"], "token": {"id": "<unscoped token>", "duration_seconds": 900..86400}}}}`:
    ///   201 and `{"credential": {"access", "secret", "securitytoken", "expires_at"}}`,
    ///   valid for `duration_seconds` (default 900) on the emulator's clock; an unscoped
    ///   token it did not issue, or that has expired, gets 401.
    ///
    /// Errors are IAM's `{"error_msg", "error_code"}` (`IAM.0011` 400, `IAM.0007` 401,
    /// `IAM.0004` 404). The API and IAM's project list accept the credentials (signed,
    /// with their `X-Security-Token`) until they expire, then answer 401, as they do the
    /// [metadata endpoint's](Config::metadata_credentials); with federation on, every
    /// request to the API must authenticate. Point a client's IAM endpoint
    /// (`ClientBuilder::iam_endpoint`) at [`Emulator::base_url`](crate::emulator::Emulator::base_url).
    pub fn federation(mut self, idp_id: impl Into<String>) -> Self {
        self.workload.idp_id = Some(idp_id.into());
        self.issues_credentials();
        self
    }

    /// Serves STS's `POST /v5/agencies/assume-with-oidc` (AssumeAgencyWithOIDC), as
    /// Huawei's SDKs use it (the `HUAWEICLOUD_OIDC_*` variables), without credentials:
    /// `{"provider_urn", "agency_urn", "agency_session_name", "id_token",
    /// "duration_seconds" (900..43200, default 3600), "policy", "policy_ids"}` gets 200 and
    /// `{"credentials": {"access_key_id", "secret_access_key", "security_token",
    /// "expiration"}, "assumed_agency": {..}, ..}`, valid for `duration_seconds` on the
    /// emulator's clock, when the provider is `provider_urn`, the agency `agency_urn`, and
    /// the ID token one the emulator accepts ([`Config::id_token`]) and not expired (else
    /// 401; another provider or agency 404; a body out of STS's bounds 400). Errors are
    /// `{"error_msg", "error_code"}`. The API accepts the credentials as it does those of
    /// [`Config::federation`]. Point `HUAWEICLOUD_SDK_STS_ENDPOINT` at
    /// [`Emulator::base_url`](crate::emulator::Emulator::base_url).
    pub fn oidc(mut self, provider_urn: impl Into<String>, agency_urn: impl Into<String>) -> Self {
        self.workload.oidc = Some(OidcTrust {
            provider_urn: provider_urn.into(),
            agency_urn: agency_urn.into(),
        });
        self.issues_credentials();
        self
    }

    /// An ID token that IAM's federation and STS's OIDC endpoints accept, for `lifetime`
    /// from the emulator's start on its clock (then 401, `The ID token has expired.`). Any
    /// text will do: the emulator compares, as the real services check a JWT's signature
    /// and `exp`. More tokens can be accepted later, as a platform rotates them
    /// ([`Emulator::accept_id_token`](crate::emulator::Emulator::accept_id_token)).
    pub fn id_token(mut self, token: impl Into<String>, lifetime: Duration) -> Self {
        self.workload.configure_id_token(token.into(), lifetime);
        self
    }

    /// Authentication then requires credentials: issued ones at least.
    fn issues_credentials(&mut self) {
        // The metadata endpoint's lifetime when it serves; otherwise unused.
        self.auth
            .metadata
            .ttl
            .get_or_insert(Duration::from_secs(60 * 60));
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

    /// How long [`Emulator::shutdown`](crate::emulator::Emulator::shutdown) (and the binary,
    /// on SIGTERM or Ctrl-C) lets requests in flight finish (default
    /// [5 s](DEFAULT_SHUTDOWN_GRACE)); the connections still open then are dropped.
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

    /// Checks every setting; the error says which is wrong.
    pub(crate) fn validate(&self) -> Result<(), Error> {
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
        if let Some(invalid_setting) = self.workload.invalid_setting() {
            return invalid(invalid_setting);
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
