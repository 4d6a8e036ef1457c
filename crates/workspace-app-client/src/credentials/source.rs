//! Where credentials come from, and why none could be had: named in `Debug` and in
//! errors, never with a secret.

use std::fmt;
use std::path::PathBuf;

use super::env;

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
