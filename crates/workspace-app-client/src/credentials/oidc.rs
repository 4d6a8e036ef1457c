//! OIDC through STS, as Huawei's `OidcStsCredentialProvider` configures it from the
//! `HUAWEICLOUD_OIDC_*` variables and `OidcStsAccessor` exchanges it: an agency assumed with
//! an OIDC ID token (`POST {sts}/v5/agencies/assume-with-oidc`, not signed) for temporary
//! credentials. Unlike Huawei's SDK, which reads a token file once, the file is read again
//! at every exchange, so a token the platform rotates is picked up.

use std::path::PathBuf;
use std::time::SystemTime;

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::env;
use super::exchange::{ExchangeHttp, FetchError, post_json, read_body};
use super::id_token::IdToken;
use super::metadata::{Fetched, parse};

/// Where Huawei's SDKs assume agencies when `HUAWEICLOUD_SDK_STS_ENDPOINT` is not set,
/// whatever the client's region (`StsHelper.DEFAULT_STS_ENDPOINT`).
pub(crate) const DEFAULT_STS_ENDPOINT: &str = "https://sts.cn-north-4.myhuaweicloud.com";
const ASSUME_PATH: &str = "/v5/agencies/assume-with-oidc";
const DEFAULT_SESSION_NAME: &str = "oidc-sts-session";
const DEFAULT_DURATION_SECONDS: u64 = 3600;

/// What the variables configure.
#[derive(Clone, Debug)]
pub(crate) struct OidcSettings {
    provider_urn: String,
    pub(crate) agency_urn: String,
    pub(crate) token: IdToken,
    session_name: String,
    duration_seconds: u64,
    policy: Option<String>,
    policy_ids: Vec<String>,
}

/// Variables set that do not make a configuration: what is known of it, and what is wrong.
#[derive(Debug)]
pub(crate) struct Misconfigured {
    pub(crate) agency_urn: Option<String>,
    pub(crate) token_file: Option<PathBuf>,
    pub(crate) reason: String,
}

impl OidcSettings {
    /// The configuration of the variables; `Ok(None)` when none of the provider, agency
    /// and token variables is set (Huawei's chain then goes on). One set without the
    /// others, a token file that cannot be read, or a duration that is not a number is an
    /// error rather than a reason to go on (Huawei's chain goes on, or fails with Python's
    /// own error for the duration).
    pub(crate) fn from_lookup(
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<OidcSettings>, Misconfigured> {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let provider_urn = get(env::OIDC_PROVIDER_URN);
        let agency_urn = get(env::OIDC_AGENCY_URN);
        let token = match (get(env::OIDC_ID_TOKEN), get(env::OIDC_TOKEN_FILE)) {
            (Some(value), _) => Some(IdToken::Value(SecretString::from(value))),
            (None, Some(file)) => Some(IdToken::File(PathBuf::from(file))),
            (None, None) => None,
        };
        if provider_urn.is_none() && agency_urn.is_none() && token.is_none() {
            return Ok(None);
        }
        let misconfigured = |reason: String| Misconfigured {
            agency_urn: agency_urn.clone(),
            token_file: token.as_ref().and_then(|t| t.file()).map(PathBuf::from),
            reason,
        };
        let missing = [
            (env::OIDC_PROVIDER_URN, provider_urn.is_none()),
            (env::OIDC_AGENCY_URN, agency_urn.is_none()),
            (
                "HUAWEICLOUD_OIDC_ID_TOKEN or HUAWEICLOUD_OIDC_TOKEN_FILE",
                token.is_none(),
            ),
        ]
        .into_iter()
        .filter(|(_, missing)| *missing)
        .map(|(name, _)| name)
        .collect::<Vec<_>>();
        let (Some(provider_urn), Some(agency_urn), Some(token)) =
            (provider_urn.clone(), agency_urn.clone(), token.clone())
        else {
            return Err(misconfigured(format!(
                "{} not set: OIDC needs {}, {} and {} or {}",
                missing.join(" and "),
                env::OIDC_PROVIDER_URN,
                env::OIDC_AGENCY_URN,
                env::OIDC_ID_TOKEN,
                env::OIDC_TOKEN_FILE
            )));
        };
        // Read now too, so that a token file that is not there fails here, naming it.
        token.read().map_err(&misconfigured)?;
        let duration_seconds = match get(env::OIDC_DURATION_SECONDS) {
            None => DEFAULT_DURATION_SECONDS,
            Some(text) => match text.trim().parse::<u64>() {
                Ok(seconds) if seconds > 0 => seconds,
                _ => {
                    return Err(misconfigured(format!(
                        "{} is not a number of seconds: {:?}",
                        env::OIDC_DURATION_SECONDS,
                        crate::escaped::escape(&text)
                    )));
                }
            },
        };
        Ok(Some(OidcSettings {
            provider_urn,
            agency_urn,
            token,
            session_name: get(env::OIDC_SESSION_NAME)
                .unwrap_or_else(|| DEFAULT_SESSION_NAME.to_string()),
            duration_seconds,
            policy: get(env::OIDC_POLICY),
            policy_ids: get(env::OIDC_POLICY_IDS)
                .map(|ids| {
                    ids.split(',')
                        .map(str::trim)
                        .filter(|id| !id.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        }))
    }
}

/// Assumes an agency at STS with an ID token.
#[derive(Clone, Debug)]
pub(crate) struct OidcClient {
    sts: String,
    settings: OidcSettings,
    http: ExchangeHttp,
}

impl OidcClient {
    /// `sts`: a checked base URL ([`checked_endpoint`](super::exchange::checked_endpoint)).
    pub(crate) fn new(sts: String, settings: OidcSettings, http: ExchangeHttp) -> Self {
        OidcClient {
            sts,
            settings,
            http,
        }
    }

    /// Reads the token (the file's current one), then exchanges it: one request.
    pub(crate) async fn fetch(&self) -> Result<Fetched, FetchError> {
        let settings = &self.settings;
        let id_token = settings.token.read()?;
        let url = format!("{}{ASSUME_PATH}", self.sts);
        let mut body = json!({
            "provider_urn": settings.provider_urn,
            "agency_urn": settings.agency_urn,
            "agency_session_name": settings.session_name,
            "id_token": id_token.expose_secret(),
            "duration_seconds": settings.duration_seconds,
        });
        if let Some(policy) = &settings.policy {
            body["policy"] = json!(policy);
        }
        if !settings.policy_ids.is_empty() {
            body["policy_ids"] = json!(settings.policy_ids);
        }
        let answer = post_json(&self.http, &url, &[], &body, &[&id_token]).await?;
        let date = crate::clock_skew::server_date(answer.headers());
        let body = read_body(answer, &url).await?;
        parse(&body, date.unwrap_or_else(SystemTime::now))
            .map_err(|reason| format!("the answer of {url} {reason}").into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::lookup;

    #[test]
    fn nothing_set_is_no_configuration_and_a_half_set_one_says_what_is_missing() {
        assert!(OidcSettings::from_lookup(&lookup(&[])).unwrap().is_none());
        // The optional variables alone configure nothing.
        let extras = lookup(&[(env::OIDC_SESSION_NAME, "s"), (env::OIDC_POLICY, "{}")]);
        assert!(OidcSettings::from_lookup(&extras).unwrap().is_none());
        let half = lookup(&[
            (env::OIDC_PROVIDER_URN, "iam::1:identity-provider:ci"),
            (env::OIDC_ID_TOKEN, "TOKEN-SECRET"),
        ]);
        let error = OidcSettings::from_lookup(&half).unwrap_err();
        assert!(
            error
                .reason
                .starts_with("HUAWEICLOUD_OIDC_AGENCY_URN not set"),
            "{}",
            error.reason
        );
        assert!(!format!("{error:?}").contains("TOKEN-SECRET"));
        let no_file = lookup(&[
            (env::OIDC_PROVIDER_URN, "p"),
            (env::OIDC_AGENCY_URN, "a"),
            (env::OIDC_TOKEN_FILE, "/nonexistent/workspace-app/token"),
        ]);
        let error = OidcSettings::from_lookup(&no_file).unwrap_err();
        assert!(
            error
                .reason
                .contains("/nonexistent/workspace-app/token: no such file")
        );
        assert_eq!(error.agency_urn.as_deref(), Some("a"));
    }

    #[test]
    fn the_value_wins_over_the_file_and_the_defaults_are_huaweis() {
        let env = lookup(&[
            (env::OIDC_PROVIDER_URN, "p"),
            (env::OIDC_AGENCY_URN, "a"),
            (env::OIDC_ID_TOKEN, "TOKEN-SECRET"),
            (env::OIDC_TOKEN_FILE, "/nonexistent/workspace-app/token"),
            (env::OIDC_POLICY_IDS, " id1, ,id2 "),
        ]);
        let settings = OidcSettings::from_lookup(&env).unwrap().unwrap();
        assert!(matches!(settings.token, IdToken::Value(_)));
        assert_eq!(settings.session_name, "oidc-sts-session");
        assert_eq!(settings.duration_seconds, 3600);
        assert_eq!(settings.policy_ids, ["id1", "id2"]);
        assert!(!format!("{settings:?}").contains("TOKEN-SECRET"));
        let bad = lookup(&[
            (env::OIDC_PROVIDER_URN, "p"),
            (env::OIDC_AGENCY_URN, "a"),
            (env::OIDC_ID_TOKEN, "t"),
            (env::OIDC_DURATION_SECONDS, "an hour"),
        ]);
        let error = OidcSettings::from_lookup(&bad).unwrap_err();
        assert!(
            error.reason.contains("not a number of seconds"),
            "{}",
            error.reason
        );
    }
}
