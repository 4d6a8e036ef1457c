//! The default credential provider chain: explicit credentials, then the environment, then
//! the credentials file, then ECS instance metadata. The first source that has credentials
//! wins; each is named in `Debug` and in errors, never with a secret.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::env;
use super::file::{self, Miss};
use super::keys::Credentials;
use super::metadata::{DEFAULT_METADATA_ENDPOINT, DEFAULT_METADATA_TIMEOUT, MetadataClient};
use super::provider::Provider;
use super::source::{CredentialSource, CredentialsError};
use crate::error::BuildError;
use crate::http::endpoint::{is_link_local_host, is_loopback_host, shown_url, without_userinfo};

/// Where [`ClientBuilder::default_chain`](crate::ClientBuilder::default_chain) looks for
/// credentials when none are given explicitly, in order: the environment, the credentials
/// file, the ECS metadata service. Each can be turned off or pointed elsewhere.
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
    environment: bool,
    file: FileSetting,
    metadata: Option<MetadataSetting>,
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

impl Default for CredentialsChain {
    /// Every source, at the places Huawei's SDKs look.
    fn default() -> Self {
        CredentialsChain {
            environment: true,
            file: FileSetting::Default,
            metadata: Some(MetadataSetting {
                endpoint: None,
                timeout: Some(DEFAULT_METADATA_TIMEOUT),
            }),
        }
    }
}

/// What a source gave.
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) provider: Provider,
    pub(crate) project_id: Option<String>,
    pub(crate) iam_endpoint: Option<String>,
}

impl CredentialsChain {
    /// Every source (the default).
    pub fn new() -> Self {
        CredentialsChain::default()
    }

    /// A chain with no source: add the ones wanted.
    pub fn empty() -> Self {
        CredentialsChain {
            environment: false,
            file: FileSetting::Off,
            metadata: None,
        }
    }

    /// Whether to read `HUAWEICLOUD_SDK_AK`, `_SK`, `_SECURITY_TOKEN` and `_PROJECT_ID`.
    pub fn environment(mut self, read: bool) -> Self {
        self.environment = read;
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

    /// The sources read without I/O beyond a local file: the environment, then the file.
    /// `Ok(None)` when neither has credentials (why is added to `tried`).
    /// The first source that has credentials: the local ones ([`resolve_local`](Self::resolve_local)),
    /// then the metadata service (asked later, by the first request, over `metadata_http()`).
    /// Finding none is [`CredentialsError::NotFound`], naming every source tried.
    pub(crate) fn resolve(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
        metadata_http: impl FnOnce() -> Result<reqwest::Client, BuildError>,
    ) -> Result<Found, BuildError> {
        let mut tried = Vec::new();
        if let Some(found) = self
            .resolve_local(lookup, &mut tried)
            .map_err(BuildError::Credentials)?
        {
            return Ok(found);
        }
        let metadata = self
            .metadata_client(lookup, metadata_http()?)
            .map_err(BuildError::Credentials)?;
        match metadata {
            Some(metadata) => Ok(Found {
                provider: Provider::metadata(metadata, tried),
                project_id: None,
                iam_endpoint: None,
            }),
            None => Err(BuildError::Credentials(CredentialsError::NotFound {
                tried,
            })),
        }
    }

    pub(crate) fn resolve_local(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
        tried: &mut Vec<(CredentialSource, String)>,
    ) -> Result<Option<Found>, CredentialsError> {
        if self.environment {
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
                        project_id: lookup(env::PROJECT_ID).filter(|p| !p.is_empty()),
                        iam_endpoint: None,
                    }));
                }
                None => tried.push((
                    CredentialSource::Environment,
                    format!("{} or {} not set", env::AK, env::SK),
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
                    return Ok(Some(Found {
                        provider: Provider::fixed(source, profile.credentials),
                        project_id: profile.project_id,
                        iam_endpoint: profile.iam_endpoint,
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
        let found = chain.resolve_local(&env, &mut Vec::new()).unwrap().unwrap();
        assert_eq!(found.provider.source, CredentialSource::Environment);
        assert_eq!(found.project_id.as_deref(), Some("pe"));

        let none = lookup(&[]);
        let found = chain
            .resolve_local(&none, &mut Vec::new())
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
        assert!(chain.resolve_local(&env, &mut tried).unwrap().is_none());
        let error = CredentialsError::NotFound { tried }.to_string();
        assert_eq!(
            error,
            "no credentials found; tried the environment (HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK): \
             HUAWEICLOUD_SDK_AK or HUAWEICLOUD_SDK_SK not set; the credentials file \
             /nonexistent/workspace-app/credentials: no such file"
        );
    }

    #[test]
    fn a_broken_file_stops_the_chain_naming_the_file() {
        let path = temp_file("broken", "[basic]\nak=SECRET-AK\n");
        let chain = CredentialsChain::empty().credentials_file(&path);
        let error = chain
            .resolve_local(&lookup(&[]), &mut Vec::new())
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
}
