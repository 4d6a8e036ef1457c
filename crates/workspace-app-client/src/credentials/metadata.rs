//! Temporary credentials from the ECS instance metadata service
//! (`GET {base}/openstack/latest/securitykey`), as Huawei's `MetadataAccessor` reads them.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::keys::Credentials;
use crate::error::BuildError;
use crate::http::base::{USER_AGENT, base_http};
use crate::http::body;
use crate::http::tls;

/// Where Huawei's SDKs read instance metadata.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://169.254.169.254";
/// How long one metadata request may take (Huawei's SDKs: 3 s to connect, 3 s to read).
pub const DEFAULT_METADATA_TIMEOUT: Duration = Duration::from_secs(3);

const SECURITY_KEY_PATH: &str = "/openstack/latest/securitykey";
/// The session token of the metadata service (like AWS's IMDSv2): asked for with a `PUT`,
/// sent back with each `GET`. A service without it (404, 405, 503) is asked without.
const TOKEN_PATH: &str = "/meta-data/latest/api/token";
const TOKEN_HEADER: &str = "x-metadata-token";
const TOKEN_TTL_HEADER: &str = "x-metadata-token-ttl-seconds";
/// Huawei's SDKs ask for 6 hours; the token is asked for again well before.
const TOKEN_TTL: Duration = Duration::from_secs(6 * 60 * 60);
const TOKEN_REUSE: Duration = Duration::from_secs(5 * 60 * 60);
/// The document is a few hundred bytes.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The metadata service's client: link-local, so never through a proxy; no redirects; no
/// pooled connections (a request every few hours), hence no idle timer either.
pub(crate) fn metadata_http() -> Result<reqwest::Client, BuildError> {
    let http = base_http(USER_AGENT).no_proxy().pool_max_idle_per_host(0);
    Ok(tls::configure(http, &[])?.build()?)
}

/// A metadata service client. Never through a proxy, never following redirects.
#[derive(Clone, Debug)]
pub(crate) struct MetadataClient {
    base: String,
    http: reqwest::Client,
    timeout: Option<Duration>,
    session: Arc<Mutex<Session>>,
}

/// The session token in hand, or that the service has none.
#[derive(Debug, Default)]
enum Session {
    #[default]
    Unknown,
    Token(SecretString, tokio::time::Instant),
    Unsupported,
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
            session: Arc::default(),
        }
    }

    fn with_timeout(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.timeout {
            Some(timeout) => request.timeout(timeout),
            None => request,
        }
    }

    /// The session token to send: the one in hand, or a new one. `None` when the service
    /// has none (a 404, 405 or 503 to the `PUT`, as Huawei's SDK reads them).
    async fn session_token(&self, renew: bool) -> Result<Option<SecretString>, String> {
        {
            let session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
            match &*session {
                Session::Unsupported => return Ok(None),
                Session::Token(token, at) if !renew && at.elapsed() < TOKEN_REUSE => {
                    return Ok(Some(token.clone()));
                }
                _ => {}
            }
        }
        let url = format!("{}{TOKEN_PATH}", self.base);
        let request = self
            .http
            .put(&url)
            .header(TOKEN_TTL_HEADER, TOKEN_TTL.as_secs().to_string());
        let response = self
            .with_timeout(request)
            .send()
            .await
            .map_err(|e| format!("cannot reach {url}: {}", crate::DisplayErrorChain(&e)))?;
        let status = response.status().as_u16();
        let session = match status {
            200 => {
                let token = read_limited(response)
                    .await
                    .map_err(|e| format!("cannot read the answer of {url}: {e}"))?;
                let token = String::from_utf8(token.to_vec())
                    .map_err(|_| format!("the session token of {url} is not text"))?;
                Session::Token(
                    SecretString::from(token.trim().to_string()),
                    tokio::time::Instant::now(),
                )
            }
            404 | 405 | 503 => Session::Unsupported,
            _ => {
                return Err(format!(
                    "{url} answered {status} to the session token request"
                ));
            }
        };
        let token = match &session {
            Session::Token(token, _) => Some(token.clone()),
            _ => None,
        };
        *self.session.lock().unwrap_or_else(PoisonError::into_inner) = session;
        Ok(token)
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// Fetches the credentials. The error says why, never with a secret (the body is not
    /// quoted: it holds the keys).
    pub(crate) async fn fetch(&self) -> Result<Fetched, String> {
        let url = format!("{}{SECURITY_KEY_PATH}", self.base);
        let mut renew = false;
        let response = loop {
            let token = self.session_token(renew).await?;
            let mut request = self.http.get(&url);
            if let Some(token) = &token {
                request = request.header(TOKEN_HEADER, token.expose_secret());
            }
            let response = self
                .with_timeout(request)
                .send()
                .await
                .map_err(|e| format!("cannot reach {url}: {}", crate::DisplayErrorChain(&e)))?;
            // A session token that expired: ask for a new one, once.
            if response.status() == reqwest::StatusCode::UNAUTHORIZED && token.is_some() && !renew {
                renew = true;
                continue;
            }
            break response;
        };
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
        let date = crate::clock_skew::server_date(response.headers());
        let body = read_limited(response)
            .await
            .map_err(|e| format!("cannot read the answer of {url}: {e}"))?;
        parse(&body, date.unwrap_or_else(SystemTime::now))
            .map_err(|reason| format!("the answer of {url} {reason}"))
    }
}

/// The whole body, up to [`MAX_BODY_BYTES`].
async fn read_limited(response: reqwest::Response) -> Result<bytes::Bytes, String> {
    body::read_limited(response, MAX_BODY_BYTES)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("it is over {MAX_BODY_BYTES} bytes"))
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
