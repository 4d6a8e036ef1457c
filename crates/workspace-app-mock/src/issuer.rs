//! The key issuer behind the endpoints that hand out temporary credentials (the ECS
//! metadata endpoint, IAM's security tokens, STS's assumed agencies): the credentials and
//! metadata session tokens issued, which authentication then accepts until they expire
//! (expired ones are kept a while, to answer "expired" rather than "unknown").

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use fastrand::Rng;
use secrecy::{ExposeSecret, SecretString};
use workspace_app_client::signing::verify::secrets_match;

use crate::lock::lock;

/// Issued credentials kept (expired ones too, to answer "expired" rather than "unknown").
const MAX_KEPT: usize = 4096;

/// What the endpoints have issued. Clones share it.
#[derive(Clone, Default)]
pub(crate) struct Issuer {
    /// `Some` when an endpoint issues credentials, which authentication then checks (a
    /// request must present some: `Auth::is_open`): the lifetime of the metadata endpoint's
    /// when it [serves](Issuer::metadata) (IAM and STS issue them for as long as each
    /// request asks).
    pub(crate) ttl: Option<Duration>,
    /// Whether the ECS metadata endpoint issues credentials (for `ttl`).
    pub(crate) metadata: bool,
    issued: Arc<Mutex<Issued>>,
}

/// Which endpoint issued a key, for the counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The ECS metadata endpoint.
    Metadata,
    /// IAM's `OS-CREDENTIAL/securitytokens` (IdP federation).
    Federation,
    /// STS's `assume-with-oidc`.
    Oidc,
}

#[derive(Default)]
struct Issued {
    keys: Vec<Key>,
    /// Keys issued by the metadata endpoint, IAM, STS.
    counts: [u64; 3],
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
            .field("metadata", &self.metadata)
            .field("issued", &lock(&self.issued).counts)
            .finish()
    }
}

impl Issuer {
    /// The same settings with nothing issued (each emulator starts afresh).
    pub(crate) fn fresh(&self, seed: u64) -> Self {
        Issuer {
            ttl: self.ttl,
            metadata: self.metadata,
            issued: Arc::new(Mutex::new(Issued {
                rng: Some(Rng::with_seed(seed ^ 0x6d65_7461_6461_7461)),
                ..Issued::default()
            })),
        }
    }

    /// How many keys `origin` has issued.
    pub(crate) fn count(&self, origin: Origin) -> u64 {
        lock(&self.issued).counts[origin as usize]
    }

    /// Forgets every key issued so far, as when they are revoked or rotated early: requests
    /// signed with them are refused from now on.
    pub(crate) fn revoke_all(&self) {
        lock(&self.issued).keys.clear();
    }

    pub(crate) fn sessions_issued(&self) -> u64 {
        lock(&self.issued).sessions_issued
    }

    pub(crate) fn new_session(&self, now: SystemTime, ttl: Duration) -> String {
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

    pub(crate) fn session_valid(&self, token: &str, now: SystemTime) -> bool {
        lock(&self.issued)
            .sessions
            .iter()
            .any(|(known, expires_at)| {
                secrets_match(known.expose_secret(), token) && *expires_at > now
            })
    }

    /// The secret key, security token and expiry of an issued access key.
    pub(crate) fn find(&self, ak: &str) -> Option<(SecretString, SecretString, SystemTime)> {
        let issued = lock(&self.issued);
        issued
            .keys
            .iter()
            .find(|key| secrets_match(key.ak.expose_secret(), ak))
            .map(|key| (key.sk.clone(), key.security_token.clone(), key.expires_at))
    }

    pub(crate) fn issue(&self, now: SystemTime, ttl: Duration, origin: Origin) -> Key {
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
        issued.counts[origin as usize] += 1;
        issued.keys.push(key.clone());
        key
    }
}
