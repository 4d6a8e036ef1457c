//! What an endpoint may be: an absolute http(s) URL without a password, query or
//! fragment, and plain http only to this machine (or, for the metadata service, its
//! link-local address) when credentials travel. URLs are shown without their user name and
//! password.

use std::net::IpAddr;

use crate::error::BuildError;

/// The base URL the generated client appends paths to, checked as the module says.
pub(crate) fn check_endpoint(url: String) -> Result<String, BuildError> {
    let parsed = reqwest::Url::parse(&url).map_err(|e| BuildError::InvalidEndpoint {
        // Not echoed: an unparsable URL may still hold a password.
        endpoint: "(as given)".into(),
        reason: e.to_string(),
    })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(BuildError::InvalidEndpoint {
            endpoint: without_userinfo(&parsed),
            reason: "it has a user name or password (`user:pass@`); credentials go in `.credentials(..)`, never in the URL".into(),
        });
    }
    let invalid = |reason: String| BuildError::InvalidEndpoint {
        endpoint: url.clone(),
        reason,
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https".into()));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment".into()));
    }
    // The generated client appends `/v1/...` to the base URL as a string.
    Ok(url.trim_end_matches('/').to_string())
}

/// Plain http is for this machine only when credentials are sent.
pub(crate) fn refuse_insecure_http(base_url: &str) -> Result<(), BuildError> {
    match reqwest::Url::parse(base_url) {
        Ok(url) => match remote_plain_http_host(&url) {
            Some(host) => Err(BuildError::InsecureHttp {
                host: host.to_string(),
            }),
            None => Ok(()),
        },
        Err(_) => Ok(()),
    }
}

/// The host of a plain `http://` URL that is not this machine (127.0.0.0/8, `::1`,
/// `localhost`): anyone on the path could read what is sent there.
pub(crate) fn remote_plain_http_host(url: &reqwest::Url) -> Option<&str> {
    (url.scheme() == "http" && !is_loopback_host(url)).then(|| url.host_str().unwrap_or_default())
}

/// A plain `http://` URL on this machine.
pub(crate) fn is_loopback_http(base_url: &str) -> bool {
    reqwest::Url::parse(base_url).is_ok_and(|url| url.scheme() == "http" && is_loopback_host(&url))
}

/// A URL's host is this machine: 127.0.0.0/8, `::1` or `localhost`.
pub(crate) fn is_loopback_host(url: &reqwest::Url) -> bool {
    match host_ip(url) {
        Some(ip) => ip.is_loopback(),
        None => url
            .host_str()
            .unwrap_or_default()
            .trim_end_matches('.')
            .eq_ignore_ascii_case("localhost"),
    }
}

/// A URL's host is a link-local address (169.254.0.0/16, `fe80::/10`), where an instance's
/// metadata service answers: never routed beyond the machine's own link.
pub(crate) fn is_link_local_host(url: &reqwest::Url) -> bool {
    match host_ip(url) {
        Some(IpAddr::V4(ip)) => ip.is_link_local(),
        Some(IpAddr::V6(ip)) => ip.is_unicast_link_local(),
        None => false,
    }
}

/// The URL without its user name and password, for messages: the rest is what it names.
pub(crate) fn without_userinfo(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.as_str().trim_end_matches('/').to_string()
}

/// A URL as given, for `Debug`: without user name and password, or not at all when it does
/// not parse (it may still hold a password).
pub(crate) fn shown_url(given: &str) -> String {
    match reqwest::Url::parse(given) {
        Ok(url) => without_userinfo(&url),
        Err(_) => "(a URL that does not parse, not shown)".into(),
    }
}

/// The URL's host when it is an IP address.
fn host_ip(url: &reqwest::Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}
