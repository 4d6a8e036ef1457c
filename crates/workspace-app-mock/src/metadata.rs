//! The ECS instance metadata service's `GET /openstack/latest/securitykey`: short-lived
//! temporary credentials, which the emulator then accepts until they expire (then 401).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::extract::State;
use axum::http::header::DATE;
use axum::http::{HeaderValue, StatusCode};
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
    rng: Option<Rng>,
}

pub(crate) struct Key {
    pub(crate) ak: SecretString,
    pub(crate) sk: SecretString,
    pub(crate) security_token: SecretString,
    pub(crate) expires_at: SystemTime,
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
        let rng = issued.rng.get_or_insert_with(|| Rng::with_seed(0));
        let mut text = |len: usize, alphabet: &[u8]| -> String {
            (0..len)
                .map(|_| char::from(alphabet[rng.usize(..alphabet.len())]))
                .collect()
        };
        const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        const MIXED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let ak = text(20, UPPER);
        let sk = text(40, MIXED);
        let token = format!("gQpjbi1ub3J0aC00{}", text(120, MIXED));
        let expires_at = now.checked_add(ttl).unwrap_or(now);
        if issued.keys.len() >= MAX_KEPT {
            issued.keys.remove(0);
        }
        issued.count += 1;
        issued.keys.push(Key {
            ak: SecretString::from(ak.clone()),
            sk: SecretString::from(sk.clone()),
            security_token: SecretString::from(token.clone()),
            expires_at,
        });
        Key {
            ak: SecretString::from(ak),
            sk: SecretString::from(sk),
            security_token: SecretString::from(token),
            expires_at,
        }
    }
}

/// `GET /openstack/latest/securitykey`: new temporary credentials each time, with the
/// emulator's time in `Date` (a client counts their lifetime from it).
pub(crate) async fn security_key(State(shared): State<Arc<Shared>>) -> Response {
    let issuer = &shared.auth.metadata;
    let Some(ttl) = issuer.ttl else {
        return (
            StatusCode::NOT_FOUND,
            "metadata credentials are not enabled",
        )
            .into_response();
    };
    let now = shared.clock.now();
    let key = issuer.issue(now, ttl);
    let body = serde_json::json!({
        "credential": {
            "access": key.ak.expose_secret(),
            "secret": key.sk.expose_secret(),
            "securitytoken": key.security_token.expose_secret(),
            "expires_at": rfc3339(key.expires_at),
        }
    });
    let mut response = Json(body).into_response();
    if let Ok(date) = HeaderValue::from_str(&http_date(now)) {
        response.headers_mut().insert(DATE, date);
    }
    response
}

fn rfc3339(time: SystemTime) -> String {
    OffsetDateTime::from(time)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        ))
        .unwrap_or_default()
}

pub(crate) fn http_date(time: SystemTime) -> String {
    OffsetDateTime::from(time)
        .format(format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_formatted_as_http_and_rfc3339() {
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(http_date(time), "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_eq!(rfc3339(time), "2023-11-14T22:13:20.000000Z");
    }
}
