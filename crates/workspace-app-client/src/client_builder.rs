//! Building a configured client.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::call_settings::CallSettings;
use crate::config::{ClientConfig, DEFAULT_CONNECT_TIMEOUT};
use crate::credentials::metadata::metadata_http;
use crate::credentials::{
    CredentialSource, Credentials, CredentialsChain, ExchangeContext, ExchangeHttp, Found,
    Provider, env,
};
use crate::error::{BuildError, ProjectLookupError};
use crate::escaped::Escaped;
use crate::generated::{Client, builder};
use crate::http::base::{base_http, user_agent};
use crate::http::endpoint::{check_endpoint, is_loopback_http, refuse_insecure_http, shown_url};
use crate::http::failover::Endpoints;
use crate::http::network::{ProxyUrl, read_ca_file};
use crate::http::region_overrides;
use crate::intercept::Interceptor;
use crate::project_lookup::{default_iam_endpoint, lookup_project_id};
use crate::retry::{Classifier, RetryContext, RetryDecision, RetryPolicy};
use crate::signing::{Signer, SigningAlgorithm};
use crate::telemetry::Telemetry;
use progenitor_client::ClientInfo;

/// Configures a [`Client`]: where it sends requests, how it authenticates, and how it
/// copes with faults.
///
/// ```no_run
/// use std::time::Duration;
/// use workspace_app_client::{ClientBuilder, Credentials, RetryPolicy, types::JobTypeFilter};
///
/// # async fn run() -> Result<(), workspace_app_client::Error> {
/// let client = ClientBuilder::new()
///     .region("ap-southeast-1")
///     .credentials(Credentials::ak_sk("AK", "SK"))
///     .project_id("0605767a3300d5762fb7c0186d9e1779")
///     .timeout(Duration::from_secs(20))
///     .retry(RetryPolicy::default().max_attempts(5))
///     .build()?;
/// let page = client.sub_jobs().job_type(JobTypeFilter::CreateServer).send().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    region: Option<String>,
    /// Empty when none was given.
    endpoints: Vec<String>,
    credentials: Option<Credentials>,
    project_id: Option<String>,
    /// Where to look for credentials when none are given (`default_chain`).
    chain: Option<CredentialsChain>,
    iam_endpoint: Option<String>,
    connect_timeout: Option<Duration>,
    http_client: Option<reqwest::Client>,
    /// `Debug` shows it without its password.
    proxy: Option<ProxyUrl>,
    ca_file: Option<PathBuf>,
    app_name: Option<String>,
    config: ClientConfig,
}

/// Every setting, the URLs without a user name or password (the endpoint is checked only by
/// `build`) and the credentials and proxy as their own `Debug` shows them, redacted.
impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field(
                "endpoints",
                &self
                    .endpoints
                    .iter()
                    .map(|e| shown_url(e))
                    .collect::<Vec<_>>(),
            )
            .field("credentials", &self.credentials)
            .field("project_id", &self.project_id)
            .field("chain", &self.chain)
            .field("iam_endpoint", &self.iam_endpoint.as_deref().map(shown_url))
            .field("connect_timeout", &self.connect_timeout)
            .field("http_client", &self.http_client)
            .field("proxy", &self.proxy)
            .field("ca_file", &self.ca_file)
            .field("app_name", &self.app_name)
            .field("config", &self.config)
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            region: None,
            endpoints: Vec::new(),
            credentials: None,
            project_id: None,
            chain: None,
            iam_endpoint: None,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            http_client: None,
            proxy: None,
            ca_file: None,
            app_name: None,
            config: ClientConfig::default(),
        }
    }
}

impl ClientBuilder {
    /// A builder with nothing set and default timeouts, retries and body limit.
    pub fn new() -> Self {
        ClientBuilder::default()
    }

    /// A builder with credentials and project ID from the official SDK variables:
    /// `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`, `HUAWEICLOUD_SDK_SECURITY_TOKEN`,
    /// `HUAWEICLOUD_SDK_PROJECT_ID`. Later calls override them.
    pub fn from_env() -> Self {
        let builder = ClientBuilder::new();
        let builder = match Credentials::from_env() {
            Some(credentials) => builder.credentials(credentials),
            None => builder,
        };
        match std::env::var(env::PROJECT_ID) {
            Ok(project) if !project.is_empty() => builder.project_id(project),
            _ => builder,
        }
    }

    /// A builder that finds its credentials the way Huawei's SDKs do, first hit wins:
    /// credentials given with [`credentials`](Self::credentials), else OIDC through STS
    /// (the `HUAWEICLOUD_OIDC_*` variables), else the environment (IdP federation with
    /// `HUAWEICLOUD_SDK_IDP_ID` and `_ID_TOKEN_FILE`, else `HUAWEICLOUD_SDK_AK`, `_SK`,
    /// `_SECURITY_TOKEN`; `_PROJECT_ID`), else the credentials file
    /// (`~/.huaweicloud/credentials`, section `basic`; path from
    /// `HUAWEICLOUD_SDK_CREDENTIALS_FILE`), else the ECS metadata service. Temporary
    /// credentials (an ID token's, the metadata service's) are refreshed before they
    /// expire. With AK/SK and no project ID, [`build_async`](Self::build_async) looks the
    /// project ID up in IAM. See [`CredentialsChain`].
    ///
    /// Shorthand for `ClientBuilder::new().credentials_chain(CredentialsChain::default())`.
    pub fn default_chain() -> Self {
        ClientBuilder::new().credentials_chain(CredentialsChain::default())
    }

    /// Where to look for credentials when none are given with
    /// [`credentials`](Self::credentials).
    pub fn credentials_chain(mut self, chain: CredentialsChain) -> Self {
        self.chain = Some(chain);
        self
    }

    /// The IAM endpoint [`build_async`](Self::build_async) looks the project ID up at
    /// (default: `HUAWEICLOUD_SDK_IAM_ENDPOINT`, else the credentials file's
    /// `iam_endpoint`, else [the region's](crate::default_iam_endpoint)).
    pub fn iam_endpoint(mut self, url: impl Into<String>) -> Self {
        self.iam_endpoint = Some(url.into());
        self
    }

    /// Sends requests to this region's endpoint. As in Huawei's SDKs, the endpoint is, in
    /// order: the variable `HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_<REGION_ID>` (e.g.
    /// `..._AP_SOUTHEAST_1`; several comma-separated), the regions file
    /// (`HUAWEICLOUD_SDK_REGIONS_FILE`, else `~/.huaweicloud/regions.yaml`; `endpoints` then
    /// `endpoint`), the spec's table; with several, see [`endpoints`](Self::endpoints). A
    /// region none of them knows fails `build`, listing the known ones; with
    /// [`endpoint`](Self::endpoint) any region ID is accepted.
    pub fn region(mut self, region: impl AsRef<str>) -> Self {
        self.region = Some(region.as_ref().to_string());
        self
    }

    /// Sends requests to this base URL instead of the region's (a private cloud, or
    /// `http://127.0.0.1:PORT` in tests); a region given too is kept as the region's name.
    /// The one-endpoint case of [`endpoints`](Self::endpoints), which it replaces.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoints = vec![url.into()];
        self
    }

    /// Sends requests to these base URLs instead of the region's, moving to the next when
    /// one cannot be connected to, as Huawei's SDKs do (`with_endpoints`): refused, its host
    /// not found, the TLS handshake failed, or the connection timed out (each endpoint is
    /// checked as [`endpoint`](Self::endpoint)'s is). Only then, before any byte of the
    /// request was sent, so it is safe for any request; never after an answer (a 500 stands
    /// and is retried where it came from) or a connection that broke. A move is not a retry:
    /// the [`RetryPolicy`]'s attempts are not spent, and each endpoint is tried at most once
    /// per attempt. The endpoint reached is remembered and later calls (of the client's
    /// clones too) start there. When none could be connected to, the call fails with
    /// [`Error::Unreachable`](crate::Error::Unreachable), naming each endpoint and why.
    /// A move sends the same attempt again, signed for the new host: the interceptors'
    /// per-attempt hooks run again, with the same attempt number. Replaces the endpoints
    /// given before; an empty list is as none given.
    ///
    /// ```
    /// use workspace_app_client::ClientBuilder;
    ///
    /// let client = ClientBuilder::new()
    ///     .endpoints(["https://workspace-a.example.com", "https://workspace-b.example.com"])
    ///     .build()?;
    /// # Ok::<(), workspace_app_client::BuildError>(())
    /// ```
    pub fn endpoints<I>(mut self, urls: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.endpoints = urls.into_iter().map(Into::into).collect();
        self
    }

    /// Sends every request through this proxy, e.g. `http://proxy.example.com:3128` or
    /// `http://user:password@proxy:3128` (basic proxy authentication; percent-encode
    /// special characters). An https endpoint goes through it in a CONNECT tunnel, so the
    /// proxy sees only the host name. Hosts in the `NO_PROXY` variable bypass it.
    ///
    /// Without it, the `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` variables
    /// (or their lower-case forms) apply. The password never appears in `Debug` or errors.
    pub fn proxy(mut self, url: impl AsRef<str>) -> Self {
        self.proxy = Some(ProxyUrl::new(url.as_ref()));
        self
    }

    /// Trusts the certificates of this PEM file as roots too, besides the platform's: for a
    /// corporate TLS-intercepting proxy or a private cloud's own CA. Certificate and host
    /// name verification stay on; there is no way to turn them off.
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// Appends this name to the `User-Agent` header
    /// (`workspace-app-client/0.1.0 my-tool/1.2`), so that operators can tell callers apart
    /// in gateway logs.
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = Some(name.into());
        self
    }

    /// How requests authenticate.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// How AK/SK requests are signed: [`SigningAlgorithm::HmacSha256`] (`SDK-HMAC-SHA256`,
    /// Huawei's default) unless set, as Huawei's SDKs choose it per client
    /// (`HttpConfig.signing_algorithm`). The IAM project lookup of
    /// [`build_async`](Self::build_async) is signed with it too; token credentials ignore it.
    /// `SDK-HMAC-SM3` is always built; `SDK-ECDSA-P256-SHA256` needs the `ecdsa` cargo
    /// feature, `SDK-SM2-SM3` the `sm2` one. The algorithm parses from Huawei's name:
    ///
    /// ```
    /// use workspace_app_client::{ClientBuilder, signing::SigningAlgorithm};
    ///
    /// let algorithm: SigningAlgorithm = "SDK-HMAC-SM3".parse()?;
    /// let builder = ClientBuilder::new().signing_algorithm(algorithm);
    /// # Ok::<(), workspace_app_client::signing::ParseSigningAlgorithmError>(())
    /// ```
    ///
    /// With ECDSA and SM2 the client derives its key from the AK and SK once, and again
    /// only when the credentials change (temporary ones are refreshed).
    pub fn signing_algorithm(mut self, algorithm: SigningAlgorithm) -> Self {
        self.config.signer = Signer::new(algorithm);
        self
    }

    /// The project requests act on: filled into [`Client::sub_jobs`] and sent as
    /// `X-Project-Id` on signed requests.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// Time to establish a connection (default 10 s); `None` waits as long as it takes.
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    /// Time one attempt may take, reading the body included (default 30 s); `None` waits
    /// as long as it takes. Retries get a fresh timeout each.
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.config.attempt_timeout = timeout.into();
        self
    }

    /// How failed attempts are retried; [`RetryPolicy::disabled`] turns retries off.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.config.retry = retry;
        self
    }

    /// Sends through this `reqwest::Client` (connection pool settings, client
    /// certificates...); [`connect_timeout`](Self::connect_timeout) and the user agent are
    /// then its own, and [`proxy`](Self::proxy), [`ca_file`](Self::ca_file) and
    /// [`app_name`](Self::app_name) are refused by `build` (set them on that client). Per-attempt timeouts, retries and signing still apply. With the default `rustls-ring`
    /// feature, configure its TLS yourself (`tls_backend_preconfigured`, or a process-wide
    /// rustls provider): reqwest has no crypto provider of its own then.
    ///
    /// **Its redirect policy is its own, too.** The clients this builder makes follow no
    /// redirect (a 3xx is [`Error::Redirect`](crate::Error::Redirect)); reqwest's default
    /// policy follows up to 10 and strips only `Authorization` and `Cookie`, so
    /// `X-Auth-Token`, `X-Security-Token` and `X-Project-Id` would go to whatever host a
    /// redirect names. Build yours with `.redirect(reqwest::redirect::Policy::none())`.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Allows credentials over plain `http://` to a host other than this machine. Without
    /// it, `build` refuses such an endpoint: anyone on the path could read the token or
    /// replay the signed request. Loopback (`127.0.0.0/8`, `::1`, `localhost`) is always
    /// allowed, for local emulators.
    pub fn allow_insecure_http(mut self) -> Self {
        self.config.allow_insecure_http = true;
        self
    }

    /// Most bytes of a response body to read (default 8 MiB); a larger body is an error.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.config.max_response_bytes = limit;
        self
    }

    /// Runs `interceptor` at fixed points of every call (see [`intercept`](crate::intercept));
    /// several run in the order they were added.
    pub fn interceptor(mut self, interceptor: impl Interceptor) -> Self {
        self.config.interceptors = self.config.interceptors.then(&[Arc::new(interceptor)]);
        self
    }

    /// Reads each failed attempt after the default classifier (statuses, `Retry-After`,
    /// transport failures), to retry what it would not, or not what it would: `classify`
    /// gets the attempt ([`RetryContext`]: status, the service's `error_code`, transport
    /// failure) and the decision so far, and returns the decision. Several run in the order
    /// they were added. The method rule holds whatever they say: a POST or PATCH that is not
    /// `x-idempotent` is tried again only when the service cannot have acted on it (it could
    /// not connect, or it was throttled). The retry policy's attempts and budget apply.
    ///
    /// ```
    /// use workspace_app_client::{ClientBuilder, RetryDecision};
    ///
    /// let builder = ClientBuilder::new().retry_classifier(|attempt, default| {
    ///     match attempt.error_code() {
    ///         Some(code) if code.starts_with("WKS.0503") => attempt.throttled(),
    ///         Some("APIGW.0301") => RetryDecision::DontRetry, // bad credentials: never
    ///         _ => default,
    ///     }
    /// });
    /// # let _ = builder;
    /// ```
    pub fn retry_classifier<F>(mut self, classify: F) -> Self
    where
        F: Fn(&RetryContext<'_>, RetryDecision) -> RetryDecision + Send + Sync + 'static,
    {
        let classify: Classifier = Arc::new(classify);
        self.config.classifiers = self.config.classifiers.then(&[classify]);
        self
    }

    /// What is recorded of each call beyond its span (see [`Telemetry`]).
    pub fn telemetry(mut self, telemetry: Telemetry) -> Self {
        self.config.telemetry = telemetry;
        self
    }

    /// Prepare every request (checked, signed) and send none: each call fails with
    /// [`Error::DryRun`](crate::Error::DryRun), which shows the request with its secrets
    /// masked (see [`dry_run`](crate::dry_run)).
    pub fn dry_run(mut self) -> Self {
        self.config.dry_run = true;
        self
    }

    /// Checks the settings and returns the generated client, configured. Credentials from
    /// the [chain](Self::default_chain) are found here, except temporary ones (the metadata
    /// service's, an ID token's exchange), fetched by the first request; a missing project
    /// ID is an error (use [`build_async`](Self::build_async) to look it up).
    pub fn build(self) -> Result<Client, BuildError> {
        let parts = self.into_parts()?;
        if parts.needs_project_id() {
            return Err(BuildError::MissingProjectId);
        }
        parts.refuse_insecure_http()?;
        Ok(parts.client())
    }

    /// [`build`](Self::build), then what needs the network: temporary credentials (the
    /// metadata service's, an ID token's exchange) are fetched now (so that a chain that
    /// finds none, or a token that is refused, fails here, naming the sources), and with
    /// AK/SK and no project ID, the project ID is looked up in IAM (signed
    /// `GET /v3/projects?name=<region>`; cached per AK, region and IAM endpoint for the
    /// life of the process).
    pub async fn build_async(self) -> Result<Client, BuildError> {
        let mut parts = self.into_parts()?;
        parts.refuse_insecure_http()?;
        if let Some(provider) = &parts.config.credentials
            && provider.is_refreshable()
        {
            provider.current().await.map_err(BuildError::Credentials)?;
        }
        if parts.needs_project_id() {
            let region = parts
                .region_id
                .clone()
                .ok_or(BuildError::ProjectLookup(ProjectLookupError::NoRegion))?;
            let iam = parts
                .iam_endpoint
                .clone()
                .unwrap_or_else(|| default_iam_endpoint(&region));
            let iam = check_endpoint(iam)?;
            if !parts.config.allow_insecure_http {
                refuse_insecure_http(&iam)?;
            }
            let project = lookup_project_id(&parts.http, &parts.config, &iam, &region)
                .await
                .map_err(BuildError::ProjectLookup)?;
            parts.config.project_id = Some(project);
        }
        Ok(parts.client())
    }

    fn into_parts(self) -> Result<Parts, BuildError> {
        // The process environment, as the region overrides and the chain read it.
        let lookup = |name: &str| std::env::var(name).ok();
        let endpoints = match (self.endpoints, &self.region) {
            (given, _) if !given.is_empty() => checked(given)?,
            (_, Some(id)) => {
                let (urls, source) = region_overrides::endpoints(id, &lookup)?;
                match source {
                    region_overrides::Source::Spec => urls,
                    other => {
                        // Checked first: the URLs are logged only once known to hold no password.
                        let urls = checked(urls)?;
                        tracing::debug!(region = %Escaped(id), source = ?other, endpoints = %Escaped(urls.join(", ")), "region endpoint overridden");
                        urls
                    }
                }
            }
            (_, None) => return Err(BuildError::NoEndpoint),
        };

        if self.http_client.is_some() {
            let ignored = [
                ("proxy", self.proxy.is_some()),
                ("ca_file", self.ca_file.is_some()),
                ("app_name", self.app_name.is_some()),
            ];
            if let Some((name, _)) = ignored.into_iter().find(|(_, set)| *set) {
                return Err(BuildError::IgnoredWithHttpClient(name));
            }
        }
        let http = match self.http_client {
            Some(client) => client,
            None => {
                let mut http = base_http(&user_agent(self.app_name.as_deref())?);
                if let Some(timeout) = self.connect_timeout {
                    http = http.connect_timeout(timeout);
                }
                if endpoints.iter().all(|url| is_loopback_http(url)) {
                    // An endpoint on this machine (an emulator) is reached directly: a proxy
                    // elsewhere could not reach it, and its requests may carry credentials
                    // in the clear.
                    http = http.no_proxy();
                } else if let Some(proxy) = &self.proxy {
                    http = http.proxy(proxy.to_reqwest()?);
                }
                let extra_roots = match &self.ca_file {
                    Some(path) => read_ca_file(path)?,
                    None => Vec::new(),
                };
                crate::http::tls::configure(http, &extra_roots)?.build()?
            }
        };

        let found = match (self.credentials, &self.chain) {
            (Some(credentials), _) => {
                credentials
                    .validate()
                    .map_err(BuildError::InvalidCredentials)?;
                Some(Found {
                    provider: Provider::fixed(CredentialSource::Explicit, credentials),
                    project_id: None,
                    iam_endpoint: None,
                })
            }
            (None, Some(chain)) => {
                // An ID token is exchanged at IAM or STS through the client's HTTP client.
                let exchange = ExchangeContext {
                    http: ExchangeHttp {
                        http: http.clone(),
                        timeout: self.config.attempt_timeout,
                    },
                    iam_endpoint: self.iam_endpoint.clone(),
                    region_iam_endpoint: default_iam_endpoint(
                        self.region.as_deref().unwrap_or_default(),
                    ),
                    allow_insecure_http: self.config.allow_insecure_http,
                };
                Some(chain.resolve(&lookup, metadata_http, &exchange)?)
            }
            (None, None) => None,
        };
        let (provider, found_project, found_iam) = match found {
            Some(found) => (Some(found.provider), found.project_id, found.iam_endpoint),
            None => (None, None, None),
        };
        let project_id = self.project_id.or(found_project);
        if let Some(project) = &project_id
            && (project.is_empty()
                || project.chars().any(char::is_control)
                || project.trim() != project)
        {
            return Err(BuildError::InvalidProjectId(project.clone()));
        }
        let iam_endpoint = self
            .iam_endpoint
            .or_else(|| lookup(env::IAM_ENDPOINT).filter(|u| !u.is_empty()))
            .or(found_iam);

        let config = ClientConfig {
            credentials: provider,
            project_id,
            ..self.config
        };
        Ok(Parts {
            endpoints,
            http,
            config,
            region_id: self.region,
            iam_endpoint,
        })
    }
}

/// A checked configuration, before the project ID is settled.
struct Parts {
    /// At least one; the generated client's base URL is the first.
    endpoints: Vec<String>,
    http: reqwest::Client,
    config: ClientConfig,
    region_id: Option<String>,
    iam_endpoint: Option<String>,
}

impl Parts {
    fn refuse_insecure_http(&self) -> Result<(), BuildError> {
        if self.config.credentials.is_some() && !self.config.allow_insecure_http {
            for url in &self.endpoints {
                refuse_insecure_http(url)?;
            }
        }
        Ok(())
    }

    /// AK/SK signing sends the project ID; a token needs none from the builder.
    fn needs_project_id(&self) -> bool {
        let ak_sk = self.config.credentials.as_ref().is_some_and(|provider| {
            !matches!(provider.known().as_deref(), Some(Credentials::Token(_)))
        });
        ak_sk && self.config.project_id.is_none()
    }

    fn client(self) -> Client {
        let config = ClientConfig {
            endpoints: Endpoints::new(&self.endpoints).map(Arc::new),
            ..self.config
        };
        let base_url = self.endpoints.first().map_or("", String::as_str);
        Client::new_with_client(base_url, self.http, config)
    }
}

/// Each endpoint checked ([`check_endpoint`]), in order.
fn checked(urls: Vec<String>) -> Result<Vec<String>, BuildError> {
    urls.into_iter().map(check_endpoint).collect()
}

impl Client {
    /// A handle on this client whose calls, listings and waits run with `settings` (see
    /// [`CallSettings`]): the same connection pool, credentials and clock offset, nothing of
    /// the settings in calls made without it. Cheap: no new connection pool.
    pub fn with(&self, settings: CallSettings) -> Client {
        Client::new_with_client(
            self.baseurl(),
            self.client().clone(),
            self.inner().with(&settings),
        )
    }

    /// Where the client's credentials came from (`None` without credentials). Never the
    /// credentials themselves.
    pub fn credential_source(&self) -> Option<&CredentialSource> {
        self.inner
            .credentials
            .as_ref()
            .map(|provider| &provider.source)
    }

    /// The project ID the client was built with, if any.
    pub fn project_id(&self) -> Option<&str> {
        self.inner.project_id.as_deref()
    }

    /// How far the service's clock is from this machine's, as the client measured it from
    /// a refused request's `Date` ([`ClockOffset::ZERO`](crate::clock_skew::ClockOffset::ZERO)
    /// until then); requests are signed at the local time moved by it. Shared by the clones.
    pub fn clock_offset(&self) -> crate::clock_skew::ClockOffset {
        self.inner.clock_offset.get()
    }

    /// [`Client::list_sub_jobs`] with `project_id` filled in from the configuration (when
    /// there is one; otherwise `send` reports the missing project ID before any I/O).
    pub fn sub_jobs(&self) -> builder::ListSubJobs<'_> {
        let operation = self.list_sub_jobs();
        match self.project_id() {
            Some(project) => operation.project_id(project),
            None => operation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use progenitor_client::ClientInfo;

    #[test]
    fn a_region_picks_its_endpoint_and_an_endpoint_overrides() {
        let client = ClientBuilder::new().region("cn-north-4").build().unwrap();
        assert_eq!(
            client.baseurl(),
            "https://appstream.cn-north-4.myhuaweicloud.com"
        );
        let client = ClientBuilder::new()
            .region("cn-north-4")
            .endpoint("http://127.0.0.1:8080/")
            .build()
            .unwrap();
        assert_eq!(client.baseurl(), "http://127.0.0.1:8080");
    }

    #[test]
    fn bad_settings_are_clear_errors() {
        let error = ClientBuilder::new().region("moon-1").build().unwrap_err();
        assert!(
            error.to_string().contains("known regions: cn-north-4"),
            "{error}"
        );
        let error = ClientBuilder::new().build().unwrap_err();
        assert!(matches!(error, BuildError::NoEndpoint));
        let error = ClientBuilder::new()
            .endpoint("ftp://x")
            .build()
            .unwrap_err();
        assert!(error.to_string().contains("http or https"), "{error}");
        let error = ClientBuilder::new()
            .endpoint("http://x")
            .credentials(Credentials::ak_sk("ak", "SECRET-SK"))
            .build()
            .unwrap_err();
        assert!(matches!(error, BuildError::MissingProjectId));
        let error = ClientBuilder::new()
            .endpoint("http://x")
            .credentials(Credentials::token("bad\ntoken-SECRET"))
            .build()
            .unwrap_err();
        assert!(!error.to_string().contains("SECRET"), "{error}");
    }

    /// HTTP drops the spaces and tabs around a header value: such an ID or token would
    /// reach the service altered (`X-Project-Id` then disagrees with the path).
    #[test]
    fn values_sent_in_a_header_with_whitespace_around_them_are_refused() {
        let build = |project: &str, credentials: Credentials| {
            ClientBuilder::new()
                .endpoint("http://127.0.0.1:9")
                .project_id(project)
                .credentials(credentials)
                .build()
        };
        let keys = || Credentials::ak_sk("ak", "sk");
        for project in [" p", "p ", "\tp", "p\u{3000}", "\u{a0}p"] {
            let error = build(project, keys()).unwrap_err();
            assert!(
                matches!(error, BuildError::InvalidProjectId(_)),
                "{project:?}: {error}"
            );
        }
        assert!(build("p q", keys()).is_ok(), "inside is fine");
        // The AK travels inside `Authorization`, never at the edge of a header value.
        assert!(build("p", Credentials::ak_sk(" ak", "sk")).is_ok());
        for credentials in [
            Credentials::token(" TOKEN"),
            Credentials::token("TOKEN\t"),
            Credentials::temporary("ak", "sk", "ST "),
        ] {
            let error = build("p", credentials).unwrap_err();
            assert!(
                matches!(error, BuildError::InvalidCredentials(_)),
                "{error}"
            );
            assert!(!error.to_string().contains("TOKEN"), "{error}");
        }
    }

    #[test]
    fn credentials_never_go_over_plain_http_to_another_host_unless_allowed() {
        let with = |endpoint: &str, credentials: Option<Credentials>| {
            let mut builder = ClientBuilder::new().endpoint(endpoint).project_id("p");
            if let Some(credentials) = credentials {
                builder = builder.credentials(credentials);
            }
            builder
        };
        let keys = || Some(Credentials::ak_sk("AK-SECRET", "SK-SECRET"));
        let token = || Some(Credentials::token("TOKEN-SECRET"));
        for remote in [
            "http://sub-jobs.example.invalid",
            "http://10.203.0.1:8080",
            "http://[fe80::1]",
            "http://localhost.example.invalid",
        ] {
            for credentials in [keys(), token()] {
                let error = with(remote, credentials).build().unwrap_err();
                assert!(matches!(error, BuildError::InsecureHttp { .. }), "{error}");
                let message = error.to_string();
                assert!(message.contains("allow_insecure_http"), "{message}");
                assert!(!message.contains("SECRET"), "{message}");
            }
            // Opting in, https, or nothing to leak: built.
            with(remote, keys()).allow_insecure_http().build().unwrap();
            with(remote, None).build().unwrap();
            let https = remote.replacen("http:", "https:", 1);
            with(&https, keys()).build().unwrap();
        }
        for local in [
            "http://127.0.0.1:1",
            "http://127.8.9.10",
            "http://[::1]:8080",
            "http://localhost:9",
            "http://LOCALHOST.",
        ] {
            with(local, keys()).build().unwrap();
        }
    }

    #[test]
    fn a_password_in_the_endpoint_is_refused_and_not_echoed() {
        for endpoint in [
            "https://user:PASS-SECRET@example.invalid",
            "https://user@example.invalid",
            "https://:PASS-SECRET@example.invalid/api",
        ] {
            let error = ClientBuilder::new().endpoint(endpoint).build().unwrap_err();
            let message = error.to_string();
            assert!(
                matches!(error, BuildError::InvalidEndpoint { .. }),
                "{message}"
            );
            assert!(message.contains("user name or password"), "{message}");
            assert!(!message.contains("PASS-SECRET"), "{message}");
            assert!(!format!("{error:?}").contains("PASS-SECRET"));
        }
    }

    #[test]
    fn the_configured_project_id_fills_the_operation() {
        let client = ClientBuilder::new()
            .endpoint("http://x")
            .project_id("p1")
            .build()
            .unwrap();
        assert_eq!(client.project_id(), Some("p1"));
    }
}
