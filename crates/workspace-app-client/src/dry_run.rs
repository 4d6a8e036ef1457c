//! Dry runs: a client built with [`ClientBuilder::dry_run`](crate::ClientBuilder::dry_run)
//! prepares each request exactly as it would send it (parameters checked, credentials added,
//! signed) and then, instead of sending it, fails the call with
//! [`Error::DryRun`](crate::Error::DryRun) carrying a [`PreparedRequest`]: the method, URL
//! and headers, with every secret masked.

use std::fmt;

use crate::mask;

/// What replaces a secret in a [`PreparedRequest`].
pub use crate::mask::MASK;

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
        let headers = mask::headers(request.headers());
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
        let mut odd = reqwest::header::HeaderValue::from_static("odd-SECRET");
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
    }
}
