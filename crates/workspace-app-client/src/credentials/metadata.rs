//! Temporary credentials from the ECS instance metadata service
//! (`GET {base}/openstack/latest/securitykey`), as Huawei's `MetadataAccessor` reads them.

use std::time::{Duration, SystemTime};

use reqwest::header::DATE;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Credentials;

/// Where Huawei's SDKs read instance metadata.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://169.254.169.254";
/// How long one metadata request may take (Huawei's SDKs: 3 s to connect, 3 s to read).
pub const DEFAULT_METADATA_TIMEOUT: Duration = Duration::from_secs(3);

const SECURITY_KEY_PATH: &str = "/openstack/latest/securitykey";
/// The document is a few hundred bytes.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// A metadata service client. Never through a proxy, never following redirects.
#[derive(Clone, Debug)]
pub(crate) struct MetadataClient {
    base: String,
    http: reqwest::Client,
    timeout: Option<Duration>,
}

/// Credentials and how long they have left, as the service counts it.
pub(crate) struct Fetched {
    pub(crate) credentials: Credentials,
    pub(crate) lifetime: Duration,
}

impl MetadataClient {
    pub(crate) fn new(base: &str, http: reqwest::Client, timeout: Option<Duration>) -> Self {
        MetadataClient {
            base: base.trim_end_matches('/').to_string(),
            http,
            timeout,
        }
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// Fetches the credentials. The error says why, never with a secret (the body is not
    /// quoted: it holds the keys).
    pub(crate) async fn fetch(&self) -> Result<Fetched, String> {
        let url = format!("{}{SECURITY_KEY_PATH}", self.base);
        let mut request = self.http.get(&url);
        if let Some(timeout) = self.timeout {
            request = request.timeout(timeout);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| format!("cannot reach {url}: {}", crate::DisplayErrorChain(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!(
                "{url} answered {status}{}",
                if status == reqwest::StatusCode::NOT_FOUND {
                    " (is an agency with temporary credentials attached to this instance?)"
                } else {
                    ""
                }
            ));
        }
        let date = response
            .headers()
            .get(DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok());
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("cannot read the answer of {url}: {e}"))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(format!(
                    "the answer of {url} is over {MAX_BODY_BYTES} bytes"
                ));
            }
            body.extend_from_slice(&chunk);
        }
        parse(&body, date.unwrap_or_else(SystemTime::now))
            .map_err(|reason| format!("the answer of {url} {reason}"))
    }
}

/// Reads the document. The lifetime counts from `now`: the service's `Date` when it sent
/// one, so that a local clock that is off does not shorten or stretch it.
pub(crate) fn parse(body: &[u8], now: SystemTime) -> Result<Fetched, String> {
    let document: Value = serde_json::from_slice(body).map_err(|_| "is not JSON".to_string())?;
    // Huawei's `_process_credential` accepts these wrappers and spellings.
    let map = document
        .get("credential")
        .or_else(|| document.get("credentials"))
        .unwrap_or(&document);
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| map.get(*name).and_then(Value::as_str))
            .filter(|v| !v.is_empty())
            .map(|v| SecretString::from(v.to_string()))
    };
    let missing = |what: &str| format!("has no {what}");
    let ak = field(&["access", "accessKeyId", "access_key_id"]).ok_or_else(|| missing("access"))?;
    let sk = field(&["secret", "secretAccessKey", "secret_access_key"])
        .ok_or_else(|| missing("secret"))?;
    let token = field(&["securitytoken", "securityToken", "security_token"])
        .ok_or_else(|| missing("securitytoken"))?;
    let expires_at = ["expires_at", "expiration"]
        .iter()
        .find_map(|name| map.get(*name).and_then(Value::as_str))
        .ok_or_else(|| missing("expires_at"))?;
    let expires_at = OffsetDateTime::parse(expires_at, &Rfc3339)
        .map_err(|_| format!("has an expires_at that is not an RFC 3339 time: {expires_at:?}"))?;
    let expires_at = SystemTime::from(expires_at);
    let lifetime = expires_at.duration_since(now).unwrap_or(Duration::ZERO);
    let credentials = Credentials::temporary(
        ak.expose_secret(),
        sk.expose_secret(),
        token.expose_secret(),
    );
    credentials
        .validate()
        .map_err(|reason| format!("has unusable credentials: {reason}"))?;
    Ok(Fetched {
        credentials,
        lifetime,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_shape_and_huaweis_other_spellings() {
        let now =
            SystemTime::from(OffsetDateTime::parse("2026-01-01T00:00:00Z", &Rfc3339).unwrap());
        let documented = br#"{"credential": {"access": "AK-SECRET", "secret": "SK-SECRET",
            "securitytoken": "ST-SECRET", "expires_at": "2026-01-01T01:00:00.000000Z"}}"#;
        let fetched = parse(documented, now).unwrap();
        assert_eq!(fetched.lifetime, Duration::from_secs(3600));
        assert!(!format!("{:?}", fetched.credentials).contains("SECRET"));
        let other = br#"{"credentials": {"accessKeyId": "a", "secretAccessKey": "s",
            "securityToken": "t", "expiration": "2026-01-01T00:10:00+00:00"}}"#;
        assert_eq!(
            parse(other, now).unwrap().lifetime,
            Duration::from_secs(600)
        );
        // Already expired: no lifetime left.
        let past = br#"{"credential": {"access": "a", "secret": "s", "securitytoken": "t",
            "expires_at": "2025-12-31T23:00:00Z"}}"#;
        assert_eq!(parse(past, now).unwrap().lifetime, Duration::ZERO);
    }

    #[test]
    fn a_bad_document_is_refused_without_quoting_it() {
        let now = SystemTime::now();
        for body in [
            &b"<html>SECRET"[..],
            br#"{"credential": {"access": "SECRET", "secret": "SECRET"}}"#,
            br#"{"credential": {"access": "SECRET", "secret": "SECRET", "securitytoken": "SECRET", "expires_at": "soon"}}"#,
        ] {
            let error = parse(body, now).err().unwrap();
            assert!(!error.contains("SECRET"), "{error}");
        }
    }
}
