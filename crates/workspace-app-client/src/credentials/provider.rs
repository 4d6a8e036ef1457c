//! The credentials a client signs with: fixed ones, or temporary ones (from the ECS metadata
//! service, or an ID token exchanged at IAM or STS), refreshed before they expire by one
//! request while the others go on.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::exchange::FetchError;
use super::federation::FederationClient;
use super::keys::Credentials;
use super::metadata::{Fetched, MetadataClient};
use super::oidc::OidcClient;
use super::source::{CredentialSource, CredentialsError};
use crate::escaped::Escaped;

/// Temporary credentials are refreshed when less than this is left of their lifetime.
/// Huawei's Python SDK refreshes 40 minutes ahead (`_DEFAULT_EXPIRATION_THRESHOLD_SECONDS`),
/// which makes every request fetch again when the metadata service hands out credentials
/// with less than 40 minutes left; 5 minutes covers a request's retries with room to spare.
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// After a refresh that failed, or that brought credentials already inside the refresh
/// window, the next try waits this long: meanwhile requests go on with the credentials in
/// hand while they are valid, and fail with the refresh's error when they are not (so that
/// callers queued behind a failed refresh do not each fetch again).
const RETRY_REFRESH_AFTER: Duration = Duration::from_secs(10);

/// Where a client's credentials come from, and the credentials. `Debug` names the source,
/// never a secret.
#[derive(Clone)]
pub(crate) struct Provider {
    pub(crate) source: CredentialSource,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Fixed(Arc<Credentials>),
    Refreshing(Arc<Refreshing>),
}

struct Refreshing {
    fetcher: Fetcher,
    /// The chain's sources before the metadata service, and why they had nothing: the
    /// error names them all should the service give nothing either.
    tried: Vec<(CredentialSource, String)>,
    cached: Mutex<Cached>,
    /// Held by the one request that refreshes (single flight).
    refresh: tokio::sync::Mutex<()>,
}

/// What the cached credentials allow ([`Refreshing::check`]).
enum Checked {
    /// This, without I/O: credentials that need no refresh, or the error of a refresh that
    /// failed less than [`RETRY_REFRESH_AFTER`] ago, with none valid.
    Answer(Result<Arc<Credentials>, CredentialsError>),
    /// A refresh is due; the credentials still valid meanwhile, if any.
    Refresh(Option<Arc<Credentials>>),
}

#[derive(Default)]
struct Cached {
    current: Option<(Arc<Credentials>, Instant)>,
    /// When the last refresh was tried, for [`RETRY_REFRESH_AFTER`].
    last_try: Option<Instant>,
    /// Why the last refresh failed, if it did.
    last_failure: Option<FetchError>,
}

/// Where temporary credentials are fetched from.
#[derive(Debug)]
pub(crate) enum Fetcher {
    /// The ECS metadata service.
    Metadata(MetadataClient),
    /// An identity provider's ID token exchanged at IAM.
    Federation(FederationClient),
    /// An agency assumed at STS with an ID token.
    Oidc(OidcClient),
}

impl Fetcher {
    async fn fetch(&self) -> Result<Fetched, FetchError> {
        match self {
            Fetcher::Metadata(metadata) => metadata.fetch().await.map_err(FetchError::Reason),
            Fetcher::Federation(federation) => federation.fetch().await,
            Fetcher::Oidc(oidc) => oidc.fetch().await,
        }
    }
}

impl Provider {
    pub(crate) fn fixed(source: CredentialSource, credentials: Credentials) -> Self {
        Provider {
            source,
            kind: Kind::Fixed(Arc::new(credentials)),
        }
    }

    /// Temporary credentials from `fetcher`, fetched on first use; `tried`, the chain's
    /// sources before it that had nothing (named by the error of a metadata service that
    /// gives nothing either).
    pub(crate) fn refreshing(
        source: CredentialSource,
        fetcher: Fetcher,
        tried: Vec<(CredentialSource, String)>,
    ) -> Self {
        Provider {
            source,
            kind: Kind::Refreshing(Arc::new(Refreshing {
                fetcher,
                tried,
                cached: Mutex::new(Cached::default()),
                refresh: tokio::sync::Mutex::new(()),
            })),
        }
    }

    /// The credentials known now without I/O: fixed ones, or the cached temporary ones.
    pub(crate) fn known(&self) -> Option<Arc<Credentials>> {
        match &self.kind {
            Kind::Fixed(credentials) => Some(credentials.clone()),
            Kind::Refreshing(r) => r.lock().current.as_ref().map(|(c, _)| c.clone()),
        }
    }

    /// Whether the credentials can be fetched again ([`refresh_refused`](Self::refresh_refused)).
    pub(crate) fn is_refreshable(&self) -> bool {
        matches!(self.kind, Kind::Refreshing(_))
    }

    /// New credentials in place of `refused`, which the service refused (401) before they
    /// expired: revoked, or rotated early. `None` for fixed credentials. When another request
    /// has already replaced them, those are the answer without I/O (single flight).
    pub(crate) async fn refresh_refused(
        &self,
        refused: &Arc<Credentials>,
    ) -> Option<Result<Arc<Credentials>, CredentialsError>> {
        match &self.kind {
            Kind::Fixed(_) => None,
            Kind::Refreshing(refreshing) => {
                Some(refreshing.refresh_refused(refused, &self.source).await)
            }
        }
    }

    /// The credentials to sign the next request with, refreshed first when they expire in
    /// less than [`REFRESH_BEFORE_EXPIRY`].
    pub(crate) async fn current(&self) -> Result<Arc<Credentials>, CredentialsError> {
        match &self.kind {
            Kind::Fixed(credentials) => Ok(credentials.clone()),
            Kind::Refreshing(refreshing) => refreshing.current(&self.source).await,
        }
    }
}

impl Refreshing {
    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        self.cached.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What the cache answers now: the credentials when they need no refresh, or else a
    /// refresh is due (with the credentials still valid meanwhile, if any). Without valid
    /// ones, a refresh that failed lately is its error, not a reason to fetch again.
    fn check(&self, now: Instant, source: &CredentialSource) -> Checked {
        let cached = self.lock();
        let tried_lately = cached
            .last_try
            .is_some_and(|at| now.saturating_duration_since(at) < RETRY_REFRESH_AFTER);
        match &cached.current {
            Some((credentials, expires)) if *expires > now => {
                let fresh = expires.saturating_duration_since(now) > REFRESH_BEFORE_EXPIRY;
                if fresh || tried_lately {
                    Checked::Answer(Ok(credentials.clone()))
                } else {
                    Checked::Refresh(Some(credentials.clone()))
                }
            }
            _ => match &cached.last_failure {
                Some(failure) if tried_lately => Checked::Answer(Err(self.failure(
                    cached.current.is_none(),
                    source,
                    failure.clone(),
                ))),
                _ => Checked::Refresh(None),
            },
        }
    }

    /// The source's credentials, within the deadline in force (a wait's): a slow service
    /// cannot stretch it. Credentials that have already expired are a failure.
    async fn fetch(&self) -> Result<Fetched, FetchError> {
        let fetch = self.fetcher.fetch();
        let fetched = match crate::deadline::current() {
            Some(deadline) => tokio::time::timeout_at(deadline, fetch)
                .await
                .unwrap_or_else(|_| {
                    Err(FetchError::Reason(
                        "no answer before the deadline in force".to_string(),
                    ))
                }),
            None => fetch.await,
        }?;
        if fetched.lifetime.is_zero() {
            return Err(FetchError::Reason(
                "the credentials it gave have already expired".to_string(),
            ));
        }
        Ok(fetched)
    }

    async fn current(
        &self,
        source: &CredentialSource,
    ) -> Result<Arc<Credentials>, CredentialsError> {
        let still_valid = match self.check(Instant::now(), source) {
            Checked::Answer(answer) => return answer,
            Checked::Refresh(still_valid) => still_valid,
        };
        // One request refreshes; while the credentials in hand are valid the others go on
        // with them, otherwise they wait for the refresh and take its result.
        let _flight = match (&still_valid, self.refresh.try_lock()) {
            (_, Ok(guard)) => guard,
            (Some(valid), Err(_)) => return Ok(valid.clone()),
            (None, Err(_)) => self.refresh.lock().await,
        };
        // Someone else may have refreshed, or failed to, while this one waited.
        let still_valid = match self.check(Instant::now(), source) {
            Checked::Answer(answer) => return answer,
            Checked::Refresh(still_valid) => still_valid,
        };
        match (self.fetch_and_keep(source).await, still_valid) {
            (Ok(credentials), _) => Ok(credentials),
            (Err(failure), Some(valid)) => {
                tracing::warn!(
                    source = %Escaped(source),
                    reason = %Escaped(failure.reason()),
                    "cannot refresh the temporary credentials; using the current ones until they expire"
                );
                Ok(valid)
            }
            (Err(failure), None) => {
                let never_had = self.lock().current.is_none();
                Err(self.failure(never_had, source, failure))
            }
        }
    }

    /// Fetches credentials and keeps them (or why that failed) in the cache.
    async fn fetch_and_keep(
        &self,
        source: &CredentialSource,
    ) -> Result<Arc<Credentials>, FetchError> {
        let started = Instant::now();
        self.lock().last_try = Some(started);
        match self.fetch().await {
            Ok(fetched) => {
                let credentials = Arc::new(fetched.credentials);
                let expires = started + fetched.lifetime;
                tracing::debug!(
                    source = %Escaped(source),
                    lifetime_s = fetched.lifetime.as_secs(),
                    "temporary credentials fetched"
                );
                let mut cached = self.lock();
                cached.current = Some((credentials.clone(), expires));
                cached.last_failure = None;
                Ok(credentials)
            }
            Err(failure) => {
                self.lock().last_failure = Some(failure.clone());
                Err(failure)
            }
        }
    }

    async fn refresh_refused(
        &self,
        refused: &Arc<Credentials>,
        source: &CredentialSource,
    ) -> Result<Arc<Credentials>, CredentialsError> {
        let _flight = self.refresh.lock().await;
        // Replaced while this request waited for the lock: no need to ask again.
        let replaced = self
            .lock()
            .current
            .as_ref()
            .filter(|(current, _)| !Arc::ptr_eq(current, refused))
            .map(|(current, _)| current.clone());
        if let Some(current) = replaced {
            return Ok(current);
        }
        // What was refused is no use to anyone: forget it, whatever the fetch brings.
        self.lock().current = None;
        self.fetch_and_keep(source)
            .await
            .map_err(|failure| match failure {
                FetchError::Reason(reason) => CredentialsError::Unusable {
                    from: source.clone(),
                    reason: format!(
                        "the service refused the credentials it gave, and fetching new ones failed: {reason}"
                    ),
                },
                refused @ FetchError::Refused(_) => refused.into_error(source.clone()),
            })
    }

    /// The error for a refresh that failed, with no valid credentials in hand
    /// (`never_had`: none were ever fetched).
    fn failure(
        &self,
        never_had: bool,
        source: &CredentialSource,
        failure: FetchError,
    ) -> CredentialsError {
        match (&self.fetcher, never_had) {
            // A metadata service that never gave any: the chain found nothing, and says
            // where it looked. (An ID token that was configured was found: its exchange
            // failed, and the error names it.)
            (Fetcher::Metadata(_), true) => {
                let mut tried = self.tried.clone();
                tried.push((source.clone(), failure.reason()));
                CredentialsError::NotFound { tried }
            }
            _ => failure.into_error(source.clone()),
        }
    }
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = f.debug_struct("Provider");
        shown.field("source", &self.source);
        match &self.kind {
            // `Credentials`' own `Debug` redacts every secret.
            Kind::Fixed(credentials) => shown.field("credentials", credentials),
            Kind::Refreshing(_) => shown.field("credentials", &"<temporary, refreshed>"),
        };
        shown.finish()
    }
}
