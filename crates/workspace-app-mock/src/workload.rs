//! Workload identity as IAM and STS see it: the identity provider IAM federates, the OIDC
//! provider and agency STS lets assume, the ID tokens both accept (each until a time on the
//! emulator's clock, as a platform issues and rotates them), and the unscoped tokens IAM has
//! issued for them. The temporary keys bought with them come from the
//! [key issuer](crate::issuer).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use fastrand::Rng;
use secrecy::{ExposeSecret, SecretString};
use workspace_app_client::signing::verify::secrets_match;

use crate::lock::lock;

/// Tokens kept (expired ones too, to answer "expired" rather than "not valid").
const MAX_KEPT: usize = 4096;
/// How long an unscoped token of IAM lives (IAM's tokens: 24 hours).
pub(crate) const UNSCOPED_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// What IAM's federation and STS's OIDC endpoints accept. Clones share what was issued.
#[derive(Clone, Default)]
pub(crate) struct Workload {
    /// The identity provider IAM federates (`X-Idp-Id`); `None`: IAM's federation
    /// endpoints are off.
    pub(crate) idp_id: Option<String>,
    /// The OIDC provider and agency STS lets assume; `None`: STS is off.
    pub(crate) oidc: Option<OidcTrust>,
    /// ID tokens configured before the start, and how long each lives from then.
    configured: Vec<(SecretString, Duration)>,
    state: Arc<Mutex<State>>,
}

/// STS's `assume-with-oidc` accepts this provider for this agency.
#[derive(Clone, Debug)]
pub(crate) struct OidcTrust {
    pub(crate) provider_urn: String,
    pub(crate) agency_urn: String,
}

#[derive(Default)]
struct State {
    /// ID tokens accepted, until when.
    id_tokens: Vec<(SecretString, SystemTime)>,
    /// Unscoped tokens IAM issued, until when.
    unscoped: Vec<(SecretString, SystemTime)>,
    exchanged: u64,
    rng: Option<Rng>,
}

/// Why a token was refused. Never with the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenRefused {
    /// Not one issued (or a broken one).
    NotValid,
    /// Issued, and past its expiry on the emulator's clock.
    Expired,
}

impl fmt::Debug for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Workload")
            .field("idp_id", &self.idp_id)
            .field("oidc", &self.oidc)
            .field("configured_id_tokens", &self.configured.len())
            .field("exchanged", &lock(&self.state).exchanged)
            .finish()
    }
}

impl Workload {
    /// An ID token accepted for `lifetime` from the emulator's start.
    pub(crate) fn configure_id_token(&mut self, token: String, lifetime: Duration) {
        self.configured.push((SecretString::from(token), lifetime));
    }

    /// The configured tokens, checked: `None` when they are all fine.
    pub(crate) fn invalid_setting(&self) -> Option<&'static str> {
        if self.idp_id.as_ref().is_some_and(String::is_empty) {
            return Some("the identity provider ID must not be empty");
        }
        if let Some(trust) = &self.oidc
            && (trust.provider_urn.is_empty() || trust.agency_urn.is_empty())
        {
            return Some("the OIDC provider and agency URNs must not be empty");
        }
        if self
            .configured
            .iter()
            .any(|(token, lifetime)| token.expose_secret().is_empty() || lifetime.is_zero())
        {
            return Some("an ID token must not be empty, and live longer than zero");
        }
        None
    }

    /// The same settings with nothing issued (each emulator starts afresh), the configured
    /// ID tokens accepted from `now`.
    pub(crate) fn fresh(&self, seed: u64, now: SystemTime) -> Self {
        let id_tokens = self
            .configured
            .iter()
            .map(|(token, lifetime)| (token.clone(), now.checked_add(*lifetime).unwrap_or(now)))
            .collect();
        Workload {
            state: Arc::new(Mutex::new(State {
                id_tokens,
                rng: Some(Rng::with_seed(seed ^ 0x6964_746f_6b65_6e73)),
                ..State::default()
            })),
            ..self.clone()
        }
    }

    /// Accepts `token` until `expires_at`, as a platform that issues a new one.
    pub(crate) fn accept_id_token(&self, token: String, expires_at: SystemTime) {
        let mut state = lock(&self.state);
        if state.id_tokens.len() >= MAX_KEPT {
            state.id_tokens.remove(0);
        }
        state
            .id_tokens
            .push((SecretString::from(token), expires_at));
    }

    pub(crate) fn check_id_token(&self, token: &str, now: SystemTime) -> Result<(), TokenRefused> {
        check(&lock(&self.state).id_tokens, token, now)
    }

    /// A new unscoped token, and when it expires.
    pub(crate) fn issue_unscoped(&self, now: SystemTime) -> (String, SystemTime) {
        let mut state = lock(&self.state);
        let rng = state.rng.get_or_insert_with(|| Rng::with_seed(0));
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let token: String = std::iter::once("MIIDunscoped".to_string())
            .chain((0..64).map(|_| char::from(ALPHABET[rng.usize(..ALPHABET.len())]).to_string()))
            .collect();
        let expires_at = now.checked_add(UNSCOPED_TOKEN_LIFETIME).unwrap_or(now);
        if state.unscoped.len() >= MAX_KEPT {
            state.unscoped.remove(0);
        }
        state
            .unscoped
            .push((SecretString::from(token.clone()), expires_at));
        state.exchanged += 1;
        (token, expires_at)
    }

    pub(crate) fn check_unscoped(&self, token: &str, now: SystemTime) -> Result<(), TokenRefused> {
        check(&lock(&self.state).unscoped, token, now)
    }

    /// How many ID tokens IAM has exchanged for unscoped tokens.
    pub(crate) fn exchanged(&self) -> u64 {
        lock(&self.state).exchanged
    }
}

/// Whether `token` is one of `known` and not expired at `now`.
fn check(
    known: &[(SecretString, SystemTime)],
    token: &str,
    now: SystemTime,
) -> Result<(), TokenRefused> {
    let mut matches = known
        .iter()
        .filter(|(known, _)| secrets_match(known.expose_secret(), token))
        .peekable();
    if matches.peek().is_none() {
        return Err(TokenRefused::NotValid);
    }
    if matches.any(|(_, expires_at)| *expires_at > now) {
        Ok(())
    } else {
        Err(TokenRefused::Expired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_accepted_until_they_expire() {
        let mut workload = Workload::default();
        workload.configure_id_token("T1".into(), Duration::from_secs(60));
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let workload = workload.fresh(1, start);
        assert_eq!(workload.check_id_token("T1", start), Ok(()));
        let later = start + Duration::from_secs(61);
        assert_eq!(
            workload.check_id_token("T1", later),
            Err(TokenRefused::Expired)
        );
        assert_eq!(
            workload.check_id_token("T2", later),
            Err(TokenRefused::NotValid)
        );
        workload.accept_id_token("T2".into(), later + Duration::from_secs(60));
        assert_eq!(workload.check_id_token("T2", later), Ok(()));
        let (unscoped, expires_at) = workload.issue_unscoped(start);
        assert_eq!(workload.check_unscoped(&unscoped, start), Ok(()));
        assert_eq!(
            workload.check_unscoped(&unscoped, expires_at),
            Err(TokenRefused::Expired)
        );
        assert_eq!(workload.exchanged(), 1);
        let shown = format!("{workload:?}");
        assert!(
            !shown.contains("T1") && !shown.contains(&unscoped),
            "{shown}"
        );
    }
}
