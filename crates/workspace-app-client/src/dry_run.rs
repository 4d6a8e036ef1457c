//! Dry runs: a client built with [`ClientBuilder::dry_run`](crate::ClientBuilder::dry_run)
//! prepares each request exactly as it would send it (parameters checked, credentials added,
//! signed) and then, instead of sending it, fails the call with
//! [`Error::DryRun`](crate::Error::DryRun) carrying a [`PreparedRequest`]: the method, URL
//! and headers, with every secret masked.

use std::fmt;

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue, PROXY_AUTHORIZATION};

/// What replaces a secret in a [`PreparedRequest`].
pub const MASK: &str = "****";

/// Headers whose values are secrets, whatever their sensitivity flag says.
const SECRET_HEADERS: [&str; 4] = [
    "x-auth-token",
    "x-security-token",
    "cookie",
    "x-metadata-token",
];

/// A request as it would have been sent, with its secrets masked: the signature and the
/// access key in `Authorization`, `X-Auth-Token`, `X-Security-Token`, and any header marked
/// sensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreparedRequest {
    /// `GET`.
    pub method: String,
    /// The whole URL, query included.
    pub url: String,
    /// Name (lowercase) and value of each header, in the order they would be sent; values
    /// that are not UTF-8 are shown lossily.
    pub headers: Vec<(String, String)>,
}

impl PreparedRequest {
    pub(crate) fn from_request(request: &reqwest::Request) -> Self {
        let headers = request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_string(), masked(name, value)))
            .collect();
        PreparedRequest {
            method: request.method().as_str().to_string(),
            url: request.url().as_str().to_string(),
            headers,
        }
    }
}

/// `METHOD URL`, then one `name: value` line per header.
impl fmt::Display for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.url)?;
        for (name, value) in &self.headers {
            write!(f, "\n{name}: {value}")?;
        }
        Ok(())
    }
}

fn masked(name: &HeaderName, value: &HeaderValue) -> String {
    if name == AUTHORIZATION {
        return masked_authorization(&String::from_utf8_lossy(value.as_bytes()));
    }
    if name == PROXY_AUTHORIZATION
        || value.is_sensitive()
        || SECRET_HEADERS.contains(&name.as_str())
    {
        return MASK.to_string();
    }
    String::from_utf8_lossy(value.as_bytes()).into_owned()
}

/// `SDK-HMAC-SHA256 Access=****, SignedHeaders=host;x-sdk-date, Signature=****`: the
/// signed headers stay, as they explain a refused signature; anything else is masked whole.
fn masked_authorization(value: &str) -> String {
    let Some((scheme, params)) = value.split_once(' ') else {
        return MASK.to_string();
    };
    if scheme != "SDK-HMAC-SHA256" {
        return MASK.to_string();
    }
    let params: Vec<String> = params
        .split(',')
        .map(|param| {
            let param = param.trim();
            match param.split_once('=') {
                Some(("SignedHeaders", headers)) => format!("SignedHeaders={headers}"),
                Some((key, _)) => format!("{key}={MASK}"),
                None => MASK.to_string(),
            }
        })
        .collect();
    format!("{scheme} {}", params.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_the_rest_shown() {
        let mut request = crate::test_support::http()
            .get("https://example.com/v1/p/app-server-sub-jobs?limit=1")
            .header("x-project-id", "p")
            .header("x-security-token", "ST-SECRET")
            .header("x-auth-token", "TOKEN-SECRET")
            .header(
                "authorization",
                "SDK-HMAC-SHA256 Access=AK-SECRET, SignedHeaders=host;x-sdk-date, Signature=abcdef",
            )
            .build()
            .unwrap();
        let mut odd = HeaderValue::from_static("odd-SECRET");
        odd.set_sensitive(true);
        request.headers_mut().insert("x-odd", odd);
        let shown = PreparedRequest::from_request(&request).to_string();
        for secret in [
            "ST-SECRET",
            "TOKEN-SECRET",
            "AK-SECRET",
            "abcdef",
            "odd-SECRET",
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.starts_with("GET https://example.com/v1/p/app-server-sub-jobs?limit=1\n"));
        assert!(shown.contains(
            "authorization: SDK-HMAC-SHA256 Access=****, SignedHeaders=host;x-sdk-date, Signature=****"
        ));
        assert!(shown.contains("x-project-id: p"));
        assert_eq!(masked_authorization("Bearer xyz"), MASK);
    }
}
