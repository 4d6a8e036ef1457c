//! Secrets masked wherever a request or a response is shown: a dry run's
//! [`PreparedRequest`](crate::dry_run::PreparedRequest) and every view an
//! [`Interceptor`](crate::Interceptor) is handed read from here, so they cannot drift apart.

use std::borrow::Cow;

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue, PROXY_AUTHORIZATION};

/// What replaces a secret.
pub const MASK: &str = "****";

/// Headers whose values are secrets, whatever their sensitivity flag says: the credentials
/// of a request, and what a response may hand back (an IAM token, a cookie).
const SECRET_HEADERS: [&str; 7] = [
    "x-auth-token",
    "x-security-token",
    "cookie",
    "set-cookie",
    "x-metadata-token",
    "x-subject-token",
    "proxy-authorization",
];

/// The value of a header as it may be shown: [`MASK`] for a secret, `Authorization` with
/// only its scheme and signed headers, anything else as it is (lossy UTF-8).
pub(crate) fn header_value<'v>(name: &HeaderName, value: &'v HeaderValue) -> Cow<'v, str> {
    if name == AUTHORIZATION {
        return Cow::Owned(authorization(&String::from_utf8_lossy(value.as_bytes())));
    }
    if name == PROXY_AUTHORIZATION
        || value.is_sensitive()
        || SECRET_HEADERS.contains(&name.as_str())
    {
        return Cow::Borrowed(MASK);
    }
    String::from_utf8_lossy(value.as_bytes())
}

/// `SDK-HMAC-SHA256 Access=****, SignedHeaders=host;x-sdk-date, Signature=****`: the
/// signed headers stay, as they explain a refused signature; anything else is masked whole.
pub(crate) fn authorization(value: &str) -> String {
    let Some((scheme, params)) = value.split_once(' ') else {
        return MASK.to_string();
    };
    if !scheme.starts_with("SDK-") {
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

/// Every header of `headers`, masked, in order: `(lowercase name, value)`.
pub(crate) fn headers(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_string(),
                header_value(name, value).into_owned(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_the_signed_headers_kept() {
        let value = |text: &'static str| HeaderValue::from_static(text);
        let name = |text: &'static str| HeaderName::from_static(text);
        assert_eq!(
            header_value(&name("x-auth-token"), &value("T-SECRET")),
            MASK
        );
        assert_eq!(header_value(&name("set-cookie"), &value("s=SECRET")), MASK);
        assert_eq!(
            header_value(&name("x-subject-token"), &value("SECRET")),
            MASK
        );
        let mut odd = value("odd-SECRET");
        odd.set_sensitive(true);
        assert_eq!(header_value(&name("x-odd"), &odd), MASK);
        assert_eq!(header_value(&name("x-project-id"), &value("p")), "p");
        assert_eq!(
            authorization(
                "SDK-HMAC-SM3 Access=AK-SECRET, SignedHeaders=host;x-sdk-date, Signature=ab"
            ),
            "SDK-HMAC-SM3 Access=****, SignedHeaders=host;x-sdk-date, Signature=****"
        );
        assert_eq!(authorization("Bearer xyz"), MASK);
    }
}
