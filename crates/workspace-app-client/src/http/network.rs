//! The networks users sit behind: an explicit proxy (with its password kept secret) and an
//! extra CA bundle for interception proxies and private clouds.
//!
//! Without [`ClientBuilder::proxy`](crate::ClientBuilder::proxy), reqwest honours the
//! system's proxy variables (`HTTPS_PROXY`/`https_proxy`, `HTTP_PROXY`, `ALL_PROXY`,
//! `NO_PROXY`), read when the client is built; `tests/network.rs` checks it through a local
//! CONNECT proxy.

use std::fmt;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};

use crate::error::BuildError;

/// A proxy URL as given, which may hold a password: `Debug` and errors show it without.
#[derive(Clone)]
pub(crate) struct ProxyUrl(SecretString);

impl ProxyUrl {
    pub(crate) fn new(url: &str) -> Self {
        ProxyUrl(SecretString::from(url))
    }

    /// The URL with its password replaced by `***` (or a placeholder when it does not
    /// parse: it may still hold one).
    pub(crate) fn redacted(&self) -> String {
        redact(self.0.expose_secret())
    }

    /// reqwest's proxy for every request, with the system's `NO_PROXY` list applied (as
    /// curl does with `--proxy`). The user name and password in the URL become the proxy's
    /// `Proxy-Authorization` (basic).
    pub(crate) fn to_reqwest(&self) -> Result<reqwest::Proxy, BuildError> {
        let invalid = |reason: String| BuildError::InvalidProxy {
            proxy: self.redacted(),
            reason,
        };
        let url = reqwest::Url::parse(self.0.expose_secret())
            .map_err(|e| invalid(format!("not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid(
                "the scheme must be http or https (the proxy's own scheme: an https endpoint goes through it in a CONNECT tunnel either way)".into(),
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("it has no host".into()));
        }
        let proxy = reqwest::Proxy::all(url).map_err(|e| invalid(e.to_string()))?;
        Ok(proxy.no_proxy(reqwest::NoProxy::from_env()))
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ProxyUrl").field(&self.redacted()).finish()
    }
}

fn redact(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => "(a proxy URL that does not parse, not shown)".into(),
    }
}

/// Reads a PEM bundle of extra root certificates: at least one certificate, or an error
/// naming the file.
pub(crate) fn read_ca_file(path: &Path) -> Result<Vec<Vec<u8>>, BuildError> {
    let error = |reason: String| BuildError::CaFile {
        path: path.to_path_buf(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| error(format!("cannot read it: {e}")))?;
    let certificates = pem_certificates(&pem).map_err(error)?;
    if certificates.is_empty() {
        return Err(error(
            "it holds no certificate (`-----BEGIN CERTIFICATE-----` in PEM)".into(),
        ));
    }
    Ok(certificates)
}

/// The DER of each `CERTIFICATE` block of a PEM text; other blocks (keys, CRLs) are skipped.
fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    use rustls_pki_types::pem::{PemObject, SectionKind};
    let mut certificates = Vec::new();
    for section in <(SectionKind, Vec<u8>)>::pem_slice_iter(pem) {
        match section {
            Ok((SectionKind::Certificate, der)) => certificates.push(der),
            Ok(_) => {}
            Err(e) => return Err(format!("it is not a valid PEM bundle ({e})")),
        }
    }
    Ok(certificates)
}
