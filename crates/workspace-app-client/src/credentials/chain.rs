//! The default credential provider chain, in Huawei's order: explicit credentials (the
//! builder's), then OIDC through STS, then the environment (IdP federation, else AK/SK),
//! then the credentials file (likewise), then ECS instance metadata. The first source that
//! has credentials wins; each is named in `Debug` and in errors, never with a secret.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::env;
use super::exchange::{ExchangeHttp, checked_endpoint};
use super::federation::FederationClient;
use super::file::{self, Miss, ProfileAuth};
use super::id_token::IdToken;
use super::keys::Credentials;
use super::metadata::{DEFAULT_METADATA_ENDPOINT, DEFAULT_METADATA_TIMEOUT, MetadataClient};
use super::oidc::{DEFAULT_STS_ENDPOINT, OidcClient, OidcSettings};
use super::provider::{Fetcher, Provider};
use super::source::{CredentialSource, CredentialsError, FederationSource, OidcSource};
use crate::error::BuildError;
use crate::http::endpoint::{is_link_local_host, is_loopback_host, shown_url, without_userinfo};

/// Where [`ClientBuilder::default_chain`](crate::ClientBuilder::default_chain) looks for
/// credentials when none are given explicitly, in Huawei's order: OIDC through STS (the
/// `HUAWEICLOUD_OIDC_*` variables), the environment (IdP federation with
/// `HUAWEICLOUD_SDK_IDP_ID` and `HUAWEICLOUD_SDK_ID_TOKEN_FILE`, else
/// `HUAWEICLOUD_SDK_AK`/`_SK`), the credentials file (`idp_id` and `id_token_file`, else
/// `ak`/`sk`), the ECS metadata service. Each can be turned off or pointed elsewhere.
///
/// ```
/// use std::time::Duration;
/// use workspace_app_client::CredentialsChain;
///
/// let chain = CredentialsChain::default()
///     .credentials_file("/etc/workspace-app/credentials")
///     .metadata_endpoint("http://127.0.0.1:8080")
///     .metadata_timeout(Duration::from_secs(1));
/// ```
#[derive(Clone, Debug)]
pub struct CredentialsChain {
    oidc: bool,
    environment: bool,
    file: FileSetting,
    metadata: Option<MetadataSetting>,
    /// The variables read instead of the process environment's.
    variables: Option<Variables>,
}

#[derive(Clone, Debug)]
enum FileSetting {
    Off,
    /// `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else `~/.huaweicloud/credentials`.
    Default,
    Path(PathBuf),
}

#[derive(Clone)]
struct MetadataSetting {
    /// `None`: `HUAWEICLOUD_SDK_METADATA_ENDPOINT`, else the link-local address. Checked
    /// when the chain is resolved ([`checked_metadata_endpoint`]).
    endpoint: Option<String>,
    timeout: Option<Duration>,
}

/// The endpoint without a user name or password: it is shown before it is checked.
impl fmt::Debug for MetadataSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetadataSetting")
            .field("endpoint", &self.endpoint.as_deref().map(shown_url))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Variables given to the chain ([`CredentialsChain::variables`]). `Debug` shows their
/// names only: their values include keys and tokens.
#[derive(Clone)]
struct Variables(Arc<HashMap<String, String>>);

impl fmt::Debug for Variables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.0.keys().collect();
        names.sort();
        f.debug_tuple("Variables").field(&names).finish()
    }
}

impl Default for CredentialsChain {
    /// Every source, at the places Huawei's SDKs look.
    fn default() -> Self {
        CredentialsChain {
            oidc: true,
            environment: true,
            file: FileSetting::Default,
            metadata: Some(MetadataSetting {
                endpoint: None,
                timeout: Some(DEFAULT_METADATA_TIMEOUT),
            }),
            variables: None,
        }
    }
}

/// What a source gave.
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) provider: Provider,
    pub(crate) project_id: Option<String>,
    /// The IAM endpoint the variables or the credentials file name, if any.
    pub(crate) iam_endpoint: Option<String>,
}

/// What the chain needs from the builder to exchange an ID token at IAM or STS.
#[derive(Debug)]
pub(crate) struct ExchangeContext {
    /// The client's HTTP client and per-request timeout.
    pub(crate) http: ExchangeHttp,
    /// [`ClientBuilder::iam_endpoint`](crate::ClientBuilder::iam_endpoint), if set.
    pub(crate) iam_endpoint: Option<String>,
    /// The region's IAM endpoint (the global one without a region), when nothing else
    /// names one.
    pub(crate) region_iam_endpoint: String,
    /// Whether plain http may carry the token to a host other than this machine.
    pub(crate) allow_insecure_http: bool,
}

impl CredentialsChain {
    /// Every source (the default).
    pub fn new() -> Self {
        CredentialsChain::default()
    }

    /// A chain with no source: add the ones wanted.
    pub fn empty() -> Self {
        CredentialsChain {
            oidc: false,
            environment: false,
            file: FileSetting::Off,
            metadata: None,
            variables: None,
        }
    }

    /// Whether to read the `HUAWEICLOUD_OIDC_*` variables (OIDC through STS, first in
    /// the chain).
    pub fn oidc(mut self, read: bool) -> Self {
        self.oidc = read;
        self
    }

    /// Whether to read `HUAWEICLOUD_SDK_IDP_ID` and `_ID_TOKEN_FILE` (IdP federation), else
    /// `HUAWEICLOUD_SDK_AK`, `_SK`, `_SECURITY_TOKEN`, and `_PROJECT_ID`.
    pub fn environment(mut self, read: bool) -> Self {
        self.environment = read;
        self
    }

    /// Reads every variable of the chain (`HUAWEICLOUD_SDK_*`, `HUAWEICLOUD_OIDC_*`, `HOME`
    /// for the credentials file) from these pairs instead of the process environment: for
    /// settings kept elsewhere, or a test. The builder's own variables (region endpoint
    /// overrides, proxies) are still the process's.
    ///
    /// ```
    /// use workspace_app_client::CredentialsChain;
    ///
    /// let chain = CredentialsChain::default().variables([
    ///     ("HUAWEICLOUD_SDK_IDP_ID", "my-idp"),
    ///     ("HUAWEICLOUD_SDK_ID_TOKEN_FILE", "/var/run/secrets/tokens/oidc-token"),
    /// ]);
    /// assert!(!format!("{chain:?}").contains("/var/run"), "values are not shown");
    /// ```
    pub fn variables<K, V>(mut self, variables: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let variables = variables
            .into_iter()
            .map(|(name, value)| (name.into(), value.into()))
            .collect();
        self.variables = Some(Variables(Arc::new(variables)));
        self
    }

    /// Reads the credentials file at `path` (instead of `HUAWEICLOUD_SDK_CREDENTIALS_FILE`
    /// or `~/.huaweicloud/credentials`).
    pub fn credentials_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = FileSetting::Path(path.into());
        self
    }

    /// Reads no credentials file.
    pub fn no_credentials_file(mut self) -> Self {
        self.file = FileSetting::Off;
        self
    }

    /// Asks the metadata service at this base URL (instead of
    /// `HUAWEICLOUD_SDK_METADATA_ENDPOINT` or `http://169.254.169.254`).
    pub fn metadata_endpoint(mut self, url: impl Into<String>) -> Self {
        let timeout = self.metadata_setting_timeout();
        self.metadata = Some(MetadataSetting {
            endpoint: Some(url.into()),
            timeout,
        });
        self
    }

    /// How long one metadata request may take (default 3 s, as Huawei's SDKs); `None`
    /// waits as long as it takes.
    pub fn metadata_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        let timeout = timeout.into();
        match &mut self.metadata {
            Some(setting) => setting.timeout = timeout,
            None => {
                self.metadata = Some(MetadataSetting {
                    endpoint: None,
                    timeout,
                });
            }
        }
        self
    }

    /// Never asks the metadata service.
    pub fn no_metadata(mut self) -> Self {
        self.metadata = None;
        self
    }

    fn metadata_setting_timeout(&self) -> Option<Duration> {
        match &self.metadata {
            Some(setting) => setting.timeout,
            None => Some(DEFAULT_METADATA_TIMEOUT),
        }
    }

    /// The first source that has credentials: the local ones ([`resolve_local`](Self::resolve_local)),
    /// then the metadata service (asked later, by the first request, over `metadata_http()`).
    /// Finding none is [`CredentialsError::NotFound`], naming every source tried. `lookup`
    /// reads the process environment, unless the chain has [its own](Self::variables).
    pub(crate) fn resolve(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
        metadata_http: impl FnOnce() -> Result<reqwest::Client, BuildError>,
        exchange: &ExchangeContext,
    ) -> Result<Found, BuildError> {
        let own = self
            .variables
            .clone()
            .map(|Variables(variables)| move |name: &str| variables.get(name).cloned());
        let lookup: &dyn Fn(&str) -> Option<String> = match &own {
            Some(own) => own,
            None => lookup,
        };
        let mut tried = Vec::new();
        if let Some(found) = self
            .resolve_local(lookup, &mut tried, exchange)
            .map_err(BuildError::Credentials)?
        {
            return Ok(found);
        }
        let metadata = self
            .metadata_client(lookup, metadata_http()?)
            .map_err(BuildError::Credentials)?;
        match metadata {
            Some(metadata) => Ok(Found {
                provider: Provider::refreshing(
                    CredentialSource::Metadata(metadata.base().to_string()),
                    Fetcher::Metadata(metadata),
                    tried,
                ),
                project_id: None,
                iam_endpoint: None,
            }),
            None => Err(BuildError::Credentials(CredentialsError::NotFound {
                tried,
            })),
        }
    }

    /// The sources read without I/O beyond a local file (their exchanges wait for the
    /// first request): OIDC, the environment, the credentials file. `Ok(None)` when none of
    /// them has credentials (why is added to `tried`). A source configured in part, or
    /// with a token file that cannot be read, stops the chain with an error naming it.
    pub(crate) fn resolve_local(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
        tried: &mut Vec<(CredentialSource, String)>,
        exchange: &ExchangeContext,
    ) -> Result<Option<Found>, CredentialsError> {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let project_id = get(env::PROJECT_ID);
        let iam_variable = get(env::IAM_ENDPOINT);
        if self.oidc {
            let sts = get(env::STS_ENDPOINT).unwrap_or_else(|| DEFAULT_STS_ENDPOINT.to_string());
            let source = |agency_urn: Option<String>, token_file: Option<PathBuf>| {
                CredentialSource::Oidc(Box::new(OidcSource {
                    agency_urn,
                    token_file,
                    sts_endpoint: shown_url(&sts),
                }))
            };
            match OidcSettings::from_lookup(lookup) {
                Ok(Some(settings)) => {
                    let agency_urn = Some(settings.agency_urn.clone());
                    let token_file = settings.token.file().map(PathBuf::from);
                    let sts =
                        checked_endpoint(&sts, exchange.allow_insecure_http).map_err(|reason| {
                            CredentialsError::Unusable {
                                from: source(agency_urn.clone(), token_file.clone()),
                                reason: format!("STS: {reason}"),
                            }
                        })?;
                    let from = CredentialSource::Oidc(Box::new(OidcSource {
                        agency_urn,
                        token_file,
                        sts_endpoint: sts.clone(),
                    }));
                    let client = OidcClient::new(sts, settings, exchange.http.clone());
                    return Ok(Some(Found {
                        provider: Provider::refreshing(from, Fetcher::Oidc(client), Vec::new()),
                        project_id,
                        iam_endpoint: iam_variable,
                    }));
                }
                Ok(None) => tried.push((source(None, None), "not set".into())),
                Err(misconfigured) => {
                    return Err(CredentialsError::Unusable {
                        from: source(misconfigured.agency_urn, misconfigured.token_file),
                        reason: misconfigured.reason,
                    });
                }
            }
        }
        if self.environment {
            match (get(env::IDP_ID), get(env::ID_TOKEN_FILE)) {
                (Some(idp_id), Some(token_file)) => {
                    let provider = federation(
                        idp_id,
                        token_file.into(),
                        None,
                        iam_variable.clone(),
                        exchange,
                    )?;
                    return Ok(Some(Found {
                        provider,
                        project_id,
                        iam_endpoint: iam_variable,
                    }));
                }
                (None, None) => {}
                (idp, _) => {
                    let (set, unset) = match idp {
                        Some(_) => (env::IDP_ID, env::ID_TOKEN_FILE),
                        None => (env::ID_TOKEN_FILE, env::IDP_ID),
                    };
                    return Err(CredentialsError::Unusable {
                        from: CredentialSource::Environment,
                        reason: format!(
                            "{set} is set but {unset} is not: IdP federation needs both"
                        ),
                    });
                }
            }
            match Credentials::from_lookup(lookup) {
                Some(credentials) => {
                    credentials
                        .validate()
                        .map_err(|reason| CredentialsError::Unusable {
                            from: CredentialSource::Environment,
                            reason: reason.into(),
                        })?;
                    return Ok(Some(Found {
                        provider: Provider::fixed(CredentialSource::Environment, credentials),
                        project_id,
                        iam_endpoint: iam_variable,
                    }));
                }
                None => tried.push((
                    CredentialSource::Environment,
                    format!(
                        "{} or {} not set (nor {} and {})",
                        env::AK,
                        env::SK,
                        env::IDP_ID,
                        env::ID_TOKEN_FILE
                    ),
                )),
            }
        }
        let path = match &self.file {
            FileSetting::Off => None,
            FileSetting::Default => file::default_path(lookup),
            FileSetting::Path(path) => Some(path.clone()),
        };
        if let Some(path) = path {
            let source = CredentialSource::File(path.clone());
            match file::read(&path) {
                Ok(profile) => {
                    // The variable first, then the file, as for the project ID lookup.
                    let iam_endpoint = iam_variable.or(profile.iam_endpoint);
                    let provider = match profile.auth {
                        ProfileAuth::Keys(credentials) => Provider::fixed(source, credentials),
                        ProfileAuth::Federation { idp_id, token_file } => federation(
                            idp_id,
                            token_file,
                            Some(path),
                            iam_endpoint.clone(),
                            exchange,
                        )?,
                    };
                    return Ok(Some(Found {
                        provider,
                        project_id: profile.project_id,
                        iam_endpoint,
                    }));
                }
                Err(Miss::Skip(why)) => tried.push((source, why)),
                Err(Miss::Broken(reason)) => {
                    return Err(CredentialsError::Unusable {
                        from: source,
                        reason,
                    });
                }
            }
        }
        Ok(None)
    }

    /// The metadata client, when the chain asks the metadata service; an endpoint that
    /// cannot be trusted with the credentials it answers with is an error.
    pub(crate) fn metadata_client(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
        http: reqwest::Client,
    ) -> Result<Option<MetadataClient>, CredentialsError> {
        let Some(setting) = self.metadata.as_ref() else {
            return Ok(None);
        };
        let base = match &setting.endpoint {
            Some(url) => checked_metadata_endpoint(url)?,
            None => match lookup(env::METADATA_ENDPOINT).filter(|u| !u.is_empty()) {
                Some(url) => checked_metadata_endpoint(&url)?,
                None => DEFAULT_METADATA_ENDPOINT.to_string(),
            },
        };
        Ok(Some(MetadataClient::new(&base, http, setting.timeout)))
    }
}

/// IdP federation's provider: `idp_id`'s token in `token_file` (read now, so that a file
/// that is not there fails here) exchanged at IAM: the builder's
/// [`iam_endpoint`](crate::ClientBuilder::iam_endpoint), else `named` (the variable, else
/// the credentials file's), else the region's.
fn federation(
    idp_id: String,
    token_file: PathBuf,
    credentials_file: Option<PathBuf>,
    named: Option<String>,
    exchange: &ExchangeContext,
) -> Result<Provider, CredentialsError> {
    let iam = exchange
        .iam_endpoint
        .clone()
        .or(named)
        .unwrap_or_else(|| exchange.region_iam_endpoint.clone());
    let source = |iam_endpoint: String| {
        CredentialSource::Federation(Box::new(FederationSource {
            idp_id: idp_id.clone(),
            token_file: token_file.clone(),
            credentials_file: credentials_file.clone(),
            iam_endpoint,
        }))
    };
    let iam = checked_endpoint(&iam, exchange.allow_insecure_http).map_err(|reason| {
        CredentialsError::Unusable {
            from: source(shown_url(&iam)),
            reason: format!("IAM: {reason}"),
        }
    })?;
    let from = source(iam.clone());
    IdToken::File(token_file.clone())
        .read()
        .map_err(|reason| CredentialsError::Unusable {
            from: from.clone(),
            reason,
        })?;
    let client = FederationClient::new(
        iam,
        idp_id.clone(),
        token_file.clone(),
        exchange.http.clone(),
    );
    Ok(Provider::refreshing(
        from,
        Fetcher::Federation(client),
        Vec::new(),
    ))
}

/// The metadata service's base URL, checked as the API endpoint and the proxy are: it
/// parses, holds no user name or password (never shown), has no query, and is `https`
/// unless it is the link-local address the service lives at or this machine (its answer is
/// a secret key, which plain http would hand to anyone on the path). The URL as parsed:
/// `http://169.254.169.254@evil.example` is a user name and the host `evil.example`.
fn checked_metadata_endpoint(given: &str) -> Result<String, CredentialsError> {
    let unusable = |shown: String, reason: String| CredentialsError::Unusable {
        from: CredentialSource::Metadata(shown),
        reason,
    };
    let url = reqwest::Url::parse(given).map_err(|e| {
        // Not echoed: an unparsable URL may still hold a password.
        unusable(
            "(as given)".into(),
            format!("the endpoint is not a URL ({e})"),
        )
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(unusable(
            without_userinfo(&url),
            "the endpoint has a user name or password (`user:pass@`), which the metadata service never takes".into(),
        ));
    }
    let shown = url.as_str().trim_end_matches('/').to_string();
    let reason = match url.scheme() {
        _ if url.query().is_some() || url.fragment().is_some() => {
            "a base URL has no query or fragment"
        }
        "https" => return Ok(shown),
        "http" if is_link_local_host(&url) || is_loopback_host(&url) => return Ok(shown),
        "http" => {
            "plain http is only for the link-local metadata address or this machine: the answer is a secret key; use https"
        }
        _ => "the scheme must be http or https",
    };
    Err(unusable(shown, reason.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::lookup;

    /// What the builder hands the chain: the region `ap-southeast-1`, no IAM endpoint set.
    fn exchange() -> ExchangeContext {
        ExchangeContext {
            http: ExchangeHttp {
                http: crate::test_support::http(),
                timeout: None,
            },
            iam_endpoint: None,
            region_iam_endpoint: "https://iam.ap-southeast-1.myhuaweicloud.com".into(),
            allow_insecure_http: false,
        }
    }

    fn temp_file(name: &str, text: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("workspace-app-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn the_environment_comes_before_the_file() {
        let path = temp_file(
            "env-first",
            "[basic]\nak=file-ak\nsk=file-sk\nproject_id=pf\n",
        );
        let chain = CredentialsChain::empty()
            .environment(true)
            .credentials_file(&path);
        let env = lookup(&[(env::AK, "a"), (env::SK, "s"), (env::PROJECT_ID, "pe")]);
        let found = chain
            .resolve_local(&env, &mut Vec::new(), &exchange())
            .unwrap()
            .unwrap();
        assert_eq!(found.provider.source, CredentialSource::Environment);
        assert_eq!(found.project_id.as_deref(), Some("pe"));

        let none = lookup(&[]);
        let found = chain
            .resolve_local(&none, &mut Vec::new(), &exchange())
            .unwrap()
            .unwrap();
        assert_eq!(found.provider.source, CredentialSource::File(path.clone()));
        assert_eq!(found.project_id.as_deref(), Some("pf"));
        let shown = format!("{found:?}");
        assert!(
            !shown.contains("file-ak") && !shown.contains("file-sk"),
            "{shown}"
        );
        assert!(shown.contains("File("), "{shown}");
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn the_file_path_comes_from_the_variable_and_every_miss_is_named() {
        let chain = CredentialsChain::default().no_metadata();
        let env = lookup(&[(
            env::CREDENTIALS_FILE,
            "/nonexistent/workspace-app/credentials",
        )]);
        let mut tried = Vec::new();
        assert!(
            chain
                .resolve_local(&env, &mut tried, &exchange())
                .unwrap()
                .is_none()
        );
        let error = CredentialsError::NotFound { tried }.to_string();
        assert_eq!(
            error,
            "no credentials found; tried OIDC through STS (HUAWEICLOUD_OIDC_PROVIDER_URN, \
             HUAWEICLOUD_OIDC_AGENCY_URN): not set; the environment (HUAWEICLOUD_SDK_AK, \
             HUAWEICLOUD_SDK_SK): HUAWEICLOUD_SDK_AK or HUAWEICLOUD_SDK_SK not set (nor \
             HUAWEICLOUD_SDK_IDP_ID and HUAWEICLOUD_SDK_ID_TOKEN_FILE); the credentials file \
             /nonexistent/workspace-app/credentials: no such file"
        );
    }

    #[test]
    fn a_broken_file_stops_the_chain_naming_the_file() {
        let path = temp_file("broken", "[basic]\nak=SECRET-AK\n");
        let chain = CredentialsChain::empty().credentials_file(&path);
        let error = chain
            .resolve_local(&lookup(&[]), &mut Vec::new(), &exchange())
            .unwrap_err()
            .to_string();
        assert!(error.contains(&path.display().to_string()), "{error}");
        assert!(
            error.contains("has ak but no sk") && !error.contains("SECRET"),
            "{error}"
        );
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn the_metadata_address_is_overridable() {
        let http = crate::test_support::http();
        let chain = CredentialsChain::default();
        let env = lookup(&[(env::METADATA_ENDPOINT, "http://127.0.0.1:9/")]);
        assert_eq!(
            chain
                .metadata_client(&env, http.clone())
                .unwrap()
                .unwrap()
                .base(),
            "http://127.0.0.1:9"
        );
        assert_eq!(
            chain
                .metadata_client(&lookup(&[]), http.clone())
                .unwrap()
                .unwrap()
                .base(),
            DEFAULT_METADATA_ENDPOINT
        );
        let explicit = chain.metadata_endpoint("http://127.0.0.1:8");
        assert_eq!(
            explicit
                .metadata_client(&env, http.clone())
                .unwrap()
                .unwrap()
                .base(),
            "http://127.0.0.1:8"
        );
        assert!(
            CredentialsChain::default()
                .no_metadata()
                .metadata_client(&env, http)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_metadata_endpoint_is_checked_like_the_api_endpoint_and_never_shows_a_password() {
        let check = |url: &str| {
            let env = lookup(&[(env::METADATA_ENDPOINT, url)]);
            CredentialsChain::default()
                .metadata_client(&env, crate::test_support::http())
                .map(|client| client.unwrap().base().to_string())
                .map_err(|error| error.to_string())
        };
        for fine in [
            "http://169.254.169.254",
            "http://127.0.0.1:8080/",
            "http://[::1]:80",
            "http://[fe80::a9fe:a9fe]",
            "http://localhost:1",
            "https://metadata.example.invalid",
        ] {
            assert!(check(fine).is_ok(), "{fine}: {:?}", check(fine));
        }
        let refused = [
            ("http://admin:S3cretPW@127.0.0.1:9", "user name or password"),
            (
                "http://169.254.169.254@evil.example.invalid",
                "user name or password",
            ),
            ("http://metadata.example.invalid", "plain http is only for"),
            ("http://10.0.0.1", "plain http is only for"),
            ("ftp://169.254.169.254", "the scheme must be"),
            ("http://169.254.169.254/?x=1", "no query"),
            ("not a url S3cretPW", "not a URL"),
        ];
        for (url, why) in refused {
            let error = check(url).unwrap_err();
            assert!(error.contains(why), "{url}: {error}");
            for secret in ["S3cretPW", "admin"] {
                assert!(!error.contains(secret), "{url}: {error}");
            }
        }
        // The host is the one after `@`, and the error names it.
        let error = check("http://169.254.169.254@evil.example.invalid").unwrap_err();
        assert!(error.contains("http://evil.example.invalid"), "{error}");
    }

    const OIDC: [(&str, &str); 3] = [
        (env::OIDC_PROVIDER_URN, "iam::1:identity-provider:ci"),
        (env::OIDC_AGENCY_URN, "iam::1:agency:ci"),
        (env::OIDC_ID_TOKEN, "OIDC-TOKEN-SECRET"),
    ];

    /// Huawei's order: OIDC, the environment (federation before AK/SK), the file
    /// (federation before keys). Each source is found where Huawei's chain finds it.
    #[test]
    fn sources_are_found_in_huaweis_order() {
        let token = temp_file("order-token", "ID-TOKEN-SECRET");
        let token_path = token.display().to_string();
        let file = temp_file(
            "order-file",
            &format!(
                "[basic]\nak=file-ak\nsk=file-sk\nidp_id=file-idp\nid_token_file={token_path}\n"
            ),
        );
        let keys_file = temp_file("order-keys", "[basic]\nak=file-ak\nsk=file-sk\n");
        let keys = [(env::AK, "env-ak"), (env::SK, "env-sk")];
        let federation = [
            (env::IDP_ID, "env-idp"),
            (env::ID_TOKEN_FILE, token_path.as_str()),
        ];
        let chain = |file: &PathBuf| {
            CredentialsChain::default()
                .credentials_file(file)
                .no_metadata()
        };
        let found = |chain: CredentialsChain, vars: &[(&str, &str)]| {
            chain
                .resolve_local(&lookup(vars), &mut Vec::new(), &exchange())
                .unwrap()
                .unwrap()
                .provider
                .source
        };
        let all: Vec<_> = OIDC
            .iter()
            .chain(&federation)
            .chain(&keys)
            .copied()
            .collect();
        assert!(matches!(
            found(chain(&file), &all),
            CredentialSource::Oidc(oidc) if oidc.agency_urn.as_deref() == Some("iam::1:agency:ci")
                && oidc.token_file.is_none()
                && oidc.sts_endpoint == "https://sts.cn-north-4.myhuaweicloud.com"
        ));
        let env_only: Vec<_> = federation.iter().chain(&keys).copied().collect();
        assert_eq!(
            found(chain(&file), &env_only),
            CredentialSource::Federation(Box::new(FederationSource {
                idp_id: "env-idp".into(),
                token_file: token.clone(),
                credentials_file: None,
                iam_endpoint: "https://iam.ap-southeast-1.myhuaweicloud.com".into(),
            }))
        );
        assert_eq!(found(chain(&file), &keys), CredentialSource::Environment);
        assert_eq!(
            found(chain(&file), &[]),
            CredentialSource::Federation(Box::new(FederationSource {
                idp_id: "file-idp".into(),
                token_file: token.clone(),
                credentials_file: Some(file.clone()),
                iam_endpoint: "https://iam.ap-southeast-1.myhuaweicloud.com".into(),
            }))
        );
        assert_eq!(
            found(chain(&keys_file), &[]),
            CredentialSource::File(keys_file.clone())
        );
        // Turned off, OIDC is not read.
        assert_eq!(
            found(chain(&file).oidc(false), &all),
            found(chain(&file), &env_only)
        );
        for path in [token, file, keys_file] {
            let _ = std::fs::remove_file(path);
        }
    }

    #[test]
    fn the_iam_and_sts_endpoints_are_huaweis_and_checked() {
        let token = temp_file("endpoints-token", "ID-TOKEN-SECRET");
        let token_path = token.display().to_string();
        let iam = |vars: &[(&str, &str)], exchange: &ExchangeContext| {
            let mut all = vec![
                (env::IDP_ID, "idp"),
                (env::ID_TOKEN_FILE, token_path.as_str()),
            ];
            all.extend_from_slice(vars);
            CredentialsChain::empty()
                .environment(true)
                .resolve_local(&lookup(&all), &mut Vec::new(), exchange)
                .map(|found| found.unwrap().provider.source.to_string())
                .map_err(|e| e.to_string())
        };
        let variable = [(env::IAM_ENDPOINT, "https://iam.example.invalid")];
        assert!(
            iam(&variable, &exchange())
                .unwrap()
                .ends_with("through IAM at https://iam.example.invalid")
        );
        let mut given = exchange();
        given.iam_endpoint = Some("http://127.0.0.1:8080/".into());
        assert!(
            iam(&variable, &given)
                .unwrap()
                .ends_with("through IAM at http://127.0.0.1:8080")
        );
        let error = iam(
            &[(
                env::IAM_ENDPOINT,
                "http://user:PW-SECRET@iam.example.invalid",
            )],
            &exchange(),
        )
        .unwrap_err();
        assert!(
            error.contains("user name or password") && !error.contains("PW-SECRET"),
            "{error}"
        );
        let error = iam(
            &[(env::IAM_ENDPOINT, "http://iam.example.invalid")],
            &exchange(),
        )
        .unwrap_err();
        assert!(
            error.contains("plain http") && error.contains("IdP federation"),
            "{error}"
        );

        let sts = |vars: &[(&str, &str)]| {
            let mut all = OIDC.to_vec();
            all.extend_from_slice(vars);
            CredentialsChain::empty()
                .oidc(true)
                .resolve_local(&lookup(&all), &mut Vec::new(), &exchange())
                .map(|found| found.unwrap().provider.source.to_string())
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            sts(&[(env::STS_ENDPOINT, "http://127.0.0.1:9")]).unwrap(),
            "OIDC (agency iam::1:agency:ci, HUAWEICLOUD_OIDC_ID_TOKEN) through STS at http://127.0.0.1:9"
        );
        let error = sts(&[(env::STS_ENDPOINT, "http://sts.example.invalid")]).unwrap_err();
        assert!(
            error.contains("OIDC") && error.contains("plain http"),
            "{error}"
        );
        assert!(!error.contains("OIDC-TOKEN-SECRET"), "{error}");
        let _ = std::fs::remove_file(token);
    }

    #[test]
    fn half_a_configuration_or_a_missing_token_file_stops_the_chain_naming_it() {
        let chain = CredentialsChain::default()
            .no_credentials_file()
            .no_metadata();
        let error = |vars: &[(&str, &str)]| {
            let with_keys: Vec<_> = vars
                .iter()
                .copied()
                .chain([(env::AK, "ak"), (env::SK, "sk")])
                .collect();
            chain
                .resolve_local(&lookup(&with_keys), &mut Vec::new(), &exchange())
                .unwrap_err()
        };
        let half = error(&[(env::IDP_ID, "idp")]);
        assert!(matches!(
            half,
            CredentialsError::Unusable {
                from: CredentialSource::Environment,
                ..
            }
        ));
        assert!(
            half.to_string()
                .contains("HUAWEICLOUD_SDK_ID_TOKEN_FILE is not"),
            "{half}"
        );
        let missing = error(&[
            (env::IDP_ID, "idp"),
            (env::ID_TOKEN_FILE, "/nonexistent/workspace-app/token"),
        ]);
        assert!(matches!(
            missing,
            CredentialsError::Unusable {
                from: CredentialSource::Federation(_),
                ..
            }
        ));
        assert!(
            missing
                .to_string()
                .contains("/nonexistent/workspace-app/token: no such file"),
            "{missing}"
        );
        let oidc = error(&OIDC[..2]);
        assert!(
            matches!(
                &oidc,
                CredentialsError::Unusable {
                    from: CredentialSource::Oidc(oidc),
                    ..
                } if oidc.agency_urn.is_some()
            ),
            "{oidc:?}"
        );
        assert!(
            oidc.to_string()
                .contains("HUAWEICLOUD_OIDC_ID_TOKEN or HUAWEICLOUD_OIDC_TOKEN_FILE not set"),
            "{oidc}"
        );
    }

    #[test]
    fn variables_given_to_the_chain_replace_the_processs_and_are_not_shown() {
        let chain = CredentialsChain::empty()
            .environment(true)
            .variables([(env::AK, "AK-SECRET"), (env::SK, "SK-SECRET")]);
        let shown = format!("{chain:?}");
        assert!(
            shown.contains("HUAWEICLOUD_SDK_AK") && !shown.contains("SECRET"),
            "{shown}"
        );
        let found = chain
            .resolve(
                &lookup(&[]),
                || Ok(crate::test_support::http()),
                &exchange(),
            )
            .unwrap();
        assert_eq!(found.provider.source, CredentialSource::Environment);
    }
}
