//! IdP federation, as Huawei's `FederalAccessor` does it: the OIDC ID token in a file (read
//! again at every exchange: the platform rotates it) exchanged at IAM for an unscoped token
//! (`POST /v3.0/OS-AUTH/id-token/tokens`, the identity provider in `X-Idp-Id`, the token in
//! the answer's `X-Subject-Token`), which buys temporary credentials
//! (`POST /v3.0/OS-CREDENTIAL/securitytokens`). Neither request is signed.

use std::path::PathBuf;
use std::time::SystemTime;

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::exchange::{ExchangeHttp, FetchError, post_json, read_body};
use super::id_token::IdToken;
use super::metadata::{Fetched, parse};

const ID_TOKEN_PATH: &str = "/v3.0/OS-AUTH/id-token/tokens";
const SECURITY_TOKENS_PATH: &str = "/v3.0/OS-CREDENTIAL/securitytokens";
const IDP_HEADER: &str = "X-Idp-Id";
const SUBJECT_TOKEN_HEADER: &str = "x-subject-token";
/// What Huawei's SDKs ask for (`FederalAccessor._DEFAULT_DURATION_SECONDS`): 6 hours.
pub(crate) const DURATION_SECONDS: u64 = 6 * 60 * 60;

/// Exchanges an identity provider's ID token at IAM.
#[derive(Clone, Debug)]
pub(crate) struct FederationClient {
    iam: String,
    idp_id: String,
    token: IdToken,
    http: ExchangeHttp,
}

impl FederationClient {
    /// `iam`: a checked base URL ([`checked_endpoint`](super::exchange::checked_endpoint)).
    pub(crate) fn new(
        iam: String,
        idp_id: String,
        token_file: PathBuf,
        http: ExchangeHttp,
    ) -> Self {
        FederationClient {
            iam,
            idp_id,
            token: IdToken::File(token_file),
            http,
        }
    }

    /// Reads the token file, then exchanges it: two requests.
    pub(crate) async fn fetch(&self) -> Result<Fetched, FetchError> {
        let id_token = self.token.read()?;
        let url = format!("{}{ID_TOKEN_PATH}", self.iam);
        let body = json!({"auth": {"id_token": {"id": id_token.expose_secret()}}});
        let answer = post_json(
            &self.http,
            &url,
            &[(IDP_HEADER, &self.idp_id)],
            &body,
            &[&id_token],
        )
        .await?;
        let unscoped = answer
            .headers()
            .get(SUBJECT_TOKEN_HEADER)
            .and_then(|value| value.to_str().ok())
            .filter(|value| !value.is_empty())
            .map(|value| SecretString::from(value.to_string()))
            .ok_or_else(|| format!("the answer of {url} has no X-Subject-Token"))?;
        // Its body (the token's details) is of no use here.
        drop(answer);

        let url = format!("{}{SECURITY_TOKENS_PATH}", self.iam);
        let body = json!({"auth": {"identity": {
            "methods": ["token"],
            "token": {"id": unscoped.expose_secret(), "duration_seconds": DURATION_SECONDS},
        }}});
        let answer = post_json(&self.http, &url, &[], &body, &[&id_token, &unscoped]).await?;
        let date = crate::clock_skew::server_date(answer.headers());
        let body = read_body(answer, &url).await?;
        parse(&body, date.unwrap_or_else(SystemTime::now))
            .map_err(|reason| format!("the answer of {url} {reason}").into())
    }
}
