//! Where credentials come from, and why none could be had: named in `Debug` and in
//! errors, never with a secret.

use std::fmt;
use std::path::PathBuf;

use super::env;
use crate::escaped::Escaped;

/// Where credentials came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// Given to the builder (`.credentials(..)`, or `ClientBuilder::from_env`).
    Explicit,
    /// `HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK` (and `_SECURITY_TOKEN`, `_PROJECT_ID`).
    Environment,
    /// The credentials file at this path.
    File(PathBuf),
    /// The ECS instance metadata service at this base URL: temporary credentials,
    /// refreshed before they expire.
    Metadata(String),
    /// IdP federation: the OIDC ID token in a file exchanged at IAM for an unscoped token
    /// (`POST /v3.0/OS-AUTH/id-token/tokens`, the identity provider in `X-Idp-Id`), which
    /// buys temporary credentials (`POST /v3.0/OS-CREDENTIAL/securitytokens`), refreshed
    /// before they expire; the file is read again at every exchange, since the platform
    /// rotates it. Configured by `HUAWEICLOUD_SDK_IDP_ID` and
    /// `HUAWEICLOUD_SDK_ID_TOKEN_FILE`, or by a credentials file's `idp_id` and
    /// `id_token_file`.
    Federation(Box<FederationSource>),
    /// OIDC through STS (the `HUAWEICLOUD_OIDC_*` variables): an agency assumed with an
    /// OIDC ID token (`POST /v5/agencies/assume-with-oidc`) for temporary credentials,
    /// refreshed before they expire; a token file is read again at every exchange.
    Oidc(Box<OidcSource>),
}

/// Where [IdP federation](CredentialSource::Federation) is configured.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FederationSource {
    /// The identity provider's ID in IAM.
    pub idp_id: String,
    /// Where the ID token is read from.
    pub token_file: PathBuf,
    /// The credentials file that configured it; `None`: the environment.
    pub credentials_file: Option<PathBuf>,
    /// IAM's base URL.
    pub iam_endpoint: String,
}

/// Where [OIDC through STS](CredentialSource::Oidc) is configured.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OidcSource {
    /// The agency assumed (`HUAWEICLOUD_OIDC_AGENCY_URN`); `None` when that is not set (the
    /// chain's list of what it tried, or the error of a half-set configuration).
    pub agency_urn: Option<String>,
    /// The file the ID token is read from (`HUAWEICLOUD_OIDC_TOKEN_FILE`); `None`: the
    /// token is the value of `HUAWEICLOUD_OIDC_ID_TOKEN`, or neither is set.
    pub token_file: Option<PathBuf>,
    /// STS's base URL.
    pub sts_endpoint: String,
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Explicit => f.write_str("explicit credentials"),
            CredentialSource::Environment => {
                write!(f, "the environment ({}, {})", env::AK, env::SK)
            }
            CredentialSource::File(path) => write!(f, "the credentials file {}", path.display()),
            CredentialSource::Metadata(url) => write!(f, "ECS instance metadata at {url}"),
            CredentialSource::Federation(source) => {
                let FederationSource {
                    idp_id,
                    token_file,
                    credentials_file,
                    iam_endpoint,
                } = &**source;
                match credentials_file {
                    None => write!(
                        f,
                        "IdP federation ({} {idp_id}, {} {}",
                        env::IDP_ID,
                        env::ID_TOKEN_FILE,
                        token_file.display()
                    )?,
                    Some(file) => write!(
                        f,
                        "IdP federation of the credentials file {} (idp_id {idp_id}, id_token_file {}",
                        file.display(),
                        token_file.display()
                    )?,
                }
                write!(f, ") through IAM at {iam_endpoint}")
            }
            CredentialSource::Oidc(source) => match (&source.agency_urn, &source.token_file) {
                (None, None) => write!(
                    f,
                    "OIDC through STS ({}, {})",
                    env::OIDC_PROVIDER_URN,
                    env::OIDC_AGENCY_URN
                ),
                (agency, file) => {
                    f.write_str("OIDC (")?;
                    if let Some(agency) = agency {
                        write!(f, "agency {agency}, ")?;
                    }
                    match file {
                        Some(file) => write!(f, "{} {}", env::OIDC_TOKEN_FILE, file.display())?,
                        None => f.write_str(env::OIDC_ID_TOKEN)?,
                    }
                    write!(f, ") through STS at {}", source.sts_endpoint)
                }
            },
        }
    }
}

/// Why no credentials could be had. Names the sources, never a secret.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// No source of the chain had credentials; each one tried, and why it had none.
    #[error("no credentials found; tried {}", Tried(.tried))]
    NotFound {
        /// Each source, and why it gave nothing.
        tried: Vec<(CredentialSource, String)>,
    },
    /// A source has credentials that cannot be used, or could not give them (a broken
    /// credentials file, a metadata service that failed).
    #[error("cannot use the credentials from {from}: {reason}")]
    Unusable {
        /// The source.
        from: CredentialSource,
        /// What is wrong.
        reason: String,
    },
    /// IAM or STS answered the exchange of the source's ID token with an error status: a
    /// token that has expired or is not valid, an identity provider or agency that does not
    /// exist or does not trust it (4xx), or a service that failed (5xx). Nothing of the
    /// token is in it; the service's words are shown escaped.
    #[error("{0}")]
    Refused(Box<TokenRefusal>),
}

/// An error answer of IAM or STS to the exchange of an ID token
/// ([`CredentialsError::Refused`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenRefusal {
    /// The source.
    pub from: CredentialSource,
    /// The URL the token went to.
    pub url: String,
    /// The HTTP status.
    pub status: u16,
    /// The service's `error_code`, when it sent one.
    pub error_code: Option<String>,
    /// The service's `error_msg`, when it sent one (never with the token in it).
    pub error_msg: Option<String>,
    /// The `X-Request-Id` of the answer, for a support case.
    pub request_id: Option<String>,
}

impl fmt::Display for TokenRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} answered {} to the ID token of {}",
            self.url, self.status, self.from
        )?;
        for said in [&self.error_code, &self.error_msg].into_iter().flatten() {
            write!(f, ": {}", Escaped(said))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {})", Escaped(id))?;
        }
        Ok(())
    }
}

struct Tried<'a>(&'a [(CredentialSource, String)]);

impl fmt::Display for Tried<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (source, why)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{source}: {why}")?;
        }
        Ok(())
    }
}
