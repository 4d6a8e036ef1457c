//! TLS, by cargo feature: rustls with ring (the default), rustls with aws-lc-rs
//! (`rustls-aws-lc`) or the platform's library (`native-tls`); with several, the platform's
//! wins, then aws-lc-rs. The ring set-up is handed to reqwest as it is, so that no
//! process-wide rustls provider is installed or needed: none is missing (reqwest's panic
//! without one), and none clashes with another crate's.

use super::base::{USER_AGENT, base_http};
use crate::error::BuildError;

#[cfg(not(any(
    feature = "rustls-ring",
    feature = "rustls-aws-lc",
    feature = "native-tls"
)))]
compile_error!(
    "workspace-app-client needs a TLS feature: rustls-ring (the default), rustls-aws-lc or native-tls"
);

/// `http` with TLS set up by the chosen backend, trusting the platform's roots and the
/// extra ones (DER, from `ClientBuilder::ca_file`).
pub(crate) fn configure(
    http: reqwest::ClientBuilder,
    extra_roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, BuildError> {
    #[cfg(feature = "native-tls")]
    return merge_roots(http.tls_backend_native(), extra_roots);
    #[cfg(all(feature = "rustls-aws-lc", not(feature = "native-tls")))]
    return merge_roots(http.tls_backend_rustls(), extra_roots);
    #[cfg(all(
        feature = "rustls-ring",
        not(any(feature = "rustls-aws-lc", feature = "native-tls"))
    ))]
    return Ok(http.tls_backend_preconfigured(ring_config(extra_roots)?));
}

/// A reqwest client as [`ClientBuilder`](crate::ClientBuilder) makes one by default, for
/// progenitor's `Client::new` (the codegen puts this call there), which cannot fail: our
/// redirect policy and TLS, or, if TLS cannot be set up (the platform's roots cannot be
/// read), a client whose TLS trusts no one, so that every https request fails with a typed
/// error instead of a panic here.
pub(crate) fn default_http_client() -> reqwest::Client {
    let builder = || base_http(USER_AGENT);
    #[allow(clippy::expect_used, reason = "see the message")]
    configure(builder(), &[])
        .and_then(|http| Ok(http.build()?))
        .or_else(|_| closed(builder().no_proxy()))
        .expect("a client with no roots and no proxy has nothing that can fail to set up")
}

/// A client that trusts no certificate: every https request fails.
#[allow(clippy::unnecessary_wraps, reason = "the same shape for every backend")]
fn closed(http: reqwest::ClientBuilder) -> Result<reqwest::Client, BuildError> {
    #[cfg(all(
        feature = "rustls-ring",
        not(any(feature = "rustls-aws-lc", feature = "native-tls"))
    ))]
    {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| BuildError::Tls(e.to_string()))?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        Ok(http.tls_backend_preconfigured(config).build()?)
    }
    #[cfg(any(feature = "rustls-aws-lc", feature = "native-tls"))]
    Ok(http.tls_certs_only([]).build()?)
}

/// Adds the extra roots to reqwest's own set-up, which keeps the platform's roots too.
#[cfg(any(feature = "rustls-aws-lc", feature = "native-tls"))]
fn merge_roots(
    http: reqwest::ClientBuilder,
    roots: &[Vec<u8>],
) -> Result<reqwest::ClientBuilder, BuildError> {
    let certificates = roots
        .iter()
        .map(|der| reqwest::Certificate::from_der(der))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(http.tls_certs_merge(certificates))
}

/// rustls with the ring provider and the platform's certificate verifier (with the extra
/// roots, if any).
#[cfg(all(
    feature = "rustls-ring",
    not(any(feature = "rustls-aws-lc", feature = "native-tls"))
))]
fn ring_config(extra_roots: &[Vec<u8>]) -> Result<rustls::ClientConfig, BuildError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let tls = |e: rustls::Error| BuildError::Tls(e.to_string());
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls)?;
    let config = if extra_roots.is_empty() {
        builder.with_platform_verifier().map_err(tls)?
    } else {
        let roots = extra_roots
            .iter()
            .map(|der| rustls::pki_types::CertificateDer::from(der.clone()));
        let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider)
            .map_err(tls)?;
        // "dangerous" is rustls' name for any custom verifier; this one verifies fully.
        builder
            .dangerous()
            .with_custom_certificate_verifier(std::sync::Arc::new(verifier))
    };
    Ok(config.with_no_client_auth())
}

/// A `reqwest::ClientBuilder` with this crate's TLS set up (the backend its cargo features
/// select, trusting the platform's roots) and the rest left to you: for
/// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client) with settings of your own, or any other request of yours.
/// With the default `rustls-ring` feature reqwest has no crypto provider of its own, so
/// `reqwest::Client::new()` would panic; this needs no process-wide provider. Unlike the
/// clients [`ClientBuilder`](crate::ClientBuilder) makes, it follows reqwest's default redirect policy: see
/// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client) before you send credentials with it.
///
/// ```
/// let http = workspace_app_client::http_client_builder()?
///     .pool_max_idle_per_host(4)
///     .redirect(reqwest::redirect::Policy::none())
///     .build()?;
/// let client = workspace_app_client::ClientBuilder::new()
///     .endpoint("https://workspace.ap-southeast-1.myhuaweicloud.com")
///     .http_client(http)
///     .build()?;
/// # let _ = client;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, BuildError> {
    configure(reqwest::Client::builder(), &[])
}
