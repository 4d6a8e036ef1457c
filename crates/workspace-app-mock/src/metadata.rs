//! The ECS instance metadata service's `GET /openstack/latest/securitykey`: short-lived
//! temporary credentials, which the emulator then accepts until they expire (then 401).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use fastrand::Rng;
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::server::{Shared, lock};

/// Issued credentials kept (expired ones too, to answer "expired" rather than "unknown").
const MAX_KEPT: usize = 4096;

/// What the metadata endpoint has issued. Clones share it.
#[derive(Clone, Default)]
pub(crate) struct Issuer {
    /// The lifetime of issued credentials; `None`: the endpoint is off.
    pub(crate) ttl: Option<Duration>,
    issued: Arc<Mutex<Issued>>,
}

#[derive(Default)]
struct Issued {
    keys: Vec<Key>,
    count: u64,
    /// Session tokens (`PUT /meta-data/latest/api/token`) and when they expire.
    sessions: Vec<(SecretString, SystemTime)>,
    sessions_issued: u64,
    rng: Option<Rng>,
}

#[derive(Clone)]
pub(crate) struct Key {
    pub(crate) ak: SecretString,
    pub(crate) sk: SecretString,
    pub(crate) security_token: SecretString,
    pub(crate) expires_at: SystemTime,
}

impl Issued {
    /// `len` characters drawn from `alphabet`, from the emulator's seeded generator.
    fn text(&mut self, len: usize, alphabet: &[u8]) -> String {
        let rng = self.rng.get_or_insert_with(|| Rng::with_seed(0));
        (0..len)
            .map(|_| char::from(alphabet[rng.usize(..alphabet.len())]))
            .collect()
    }
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issuer")
            .field("ttl", &self.ttl)
            .field("issued", &lock(&self.issued).count)
            .finish()
    }
}

impl Issuer {
    /// The same settings with nothing issued (each emulator starts afresh).
    pub(crate) fn fresh(&self, seed: u64) -> Self {
        Issuer {
            ttl: self.ttl,
            issued: Arc::new(Mutex::new(Issued {
                rng: Some(Rng::with_seed(seed ^ 0x6d65_7461_6461_7461)),
                ..Issued::default()
            })),
        }
    }

    pub(crate) fn count(&self) -> u64 {
        lock(&self.issued).count
    }

    /// Forgets every key issued so far, as when they are revoked or rotated early: requests
    /// signed with them are refused from now on.
    pub(crate) fn revoke_all(&self) {
        lock(&self.issued).keys.clear();
    }

    pub(crate) fn sessions_issued(&self) -> u64 {
        lock(&self.issued).sessions_issued
    }

    fn new_session(&self, now: SystemTime, ttl: Duration) -> String {
        let mut issued = lock(&self.issued);
        let token = issued.text(32, b"0123456789abcdef");
        if issued.sessions.len() >= MAX_KEPT {
            issued.sessions.remove(0);
        }
        issued.sessions_issued += 1;
        let expires_at = now.checked_add(ttl).unwrap_or(now);
        issued
            .sessions
            .push((SecretString::from(token.clone()), expires_at));
        token
    }

    fn session_valid(&self, token: &str, now: SystemTime) -> bool {
        lock(&self.issued)
            .sessions
            .iter()
            .any(|(known, expires_at)| {
                workspace_app_client::signing::verify::secrets_match(known.expose_secret(), token)
                    && *expires_at > now
            })
    }

    /// The secret key, security token and expiry of an issued access key.
    pub(crate) fn find(&self, ak: &str) -> Option<(SecretString, SecretString, SystemTime)> {
        let issued = lock(&self.issued);
        issued
            .keys
            .iter()
            .find(|key| {
                workspace_app_client::signing::verify::secrets_match(key.ak.expose_secret(), ak)
            })
            .map(|key| (key.sk.clone(), key.security_token.clone(), key.expires_at))
    }

    fn issue(&self, now: SystemTime, ttl: Duration) -> Key {
        let mut issued = lock(&self.issued);
        const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        const MIXED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let key = Key {
            ak: SecretString::from(issued.text(20, UPPER)),
            sk: SecretString::from(issued.text(40, MIXED)),
            security_token: SecretString::from(format!(
                "gQpjbi1ub3J0aC00{}",
                issued.text(120, MIXED)
            )),
            expires_at: now.checked_add(ttl).unwrap_or(now),
        };
        if issued.keys.len() >= MAX_KEPT {
            issued.keys.remove(0);
        }
        issued.count += 1;
        issued.keys.push(key.clone());
        key
    }
}

/// Most seconds a session token may live (Huawei's SDKs ask for 6 hours).
const MAX_SESSION_SECONDS: u64 = 6 * 60 * 60;

/// `PUT /meta-data/latest/api/token` with `X-Metadata-Token-Ttl-Seconds` (1 to 21600): a
/// session token to send back in `X-Metadata-Token`.
pub(crate) async fn session_token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    let issuer = &shared.auth.metadata;
    if issuer.ttl.is_none() {
        return (
            StatusCode::NOT_FOUND,
            "metadata credentials are not enabled",
        )
            .into_response();
    }
    let seconds = headers
        .get("x-metadata-token-ttl-seconds")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| (1..=MAX_SESSION_SECONDS).contains(s));
    let Some(seconds) = seconds else {
        return (
            StatusCode::BAD_REQUEST,
            "X-Metadata-Token-Ttl-Seconds must be a number of seconds from 1 to 21600",
        )
            .into_response();
    };
    issuer
        .new_session(shared.clock.now(), Duration::from_secs(seconds))
        .into_response()
}

/// `GET /openstack/latest/securitykey`: new temporary credentials each time, with the
/// emulator's time in `Date` (a client counts their lifetime from it). A request with an
/// `X-Metadata-Token` gets 401 unless the token is one issued and not expired.
pub(crate) async fn security_key(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    let issuer = &shared.auth.metadata;
    let Some(ttl) = issuer.ttl else {
        return (
            StatusCode::NOT_FOUND,
            "metadata credentials are not enabled",
        )
            .into_response();
    };
    let now = shared.clock.now();
    if let Some(token) = headers.get("x-metadata-token")
        && !issuer.session_valid(token.to_str().unwrap_or_default(), now)
    {
        return (
            StatusCode::UNAUTHORIZED,
            "the metadata session token is not valid",
        )
            .into_response();
    }
    let key = issuer.issue(now, ttl);
    let body = serde_json::json!({
        "credential": {
            "access": key.ak.expose_secret(),
            "secret": key.sk.expose_secret(),
            "securitytoken": key.security_token.expose_secret(),
            "expires_at": rfc3339(key.expires_at),
        }
    });
    // `Date`, which the client counts the lifetime from, is the gateway's, on the same clock.
    Json(body).into_response()
}

fn rfc3339(time: SystemTime) -> String {
    OffsetDateTime::from(time)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        ))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_formatted_as_rfc3339() {
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(rfc3339(time), "2023-11-14T22:13:20.000000Z");
    }
}
