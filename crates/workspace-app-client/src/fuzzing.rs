//! Entry points for the fuzz targets (`fuzz/`, run with `cargo +nightly fuzz`): each parser
//! that meets what a server or a file hands the client, called as the client calls it.
//! Behind the `fuzzing` feature; not an API.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use secrecy::ExposeSecret;

use crate::credentials::{Credentials, file, metadata};
use crate::error::Error;
use crate::transport::{self, Failure};

/// A response as the transport takes it in: the status, the headers (those HTTP allows),
/// the body as it arrives in `chunks` (with its length known up front when `sized`), read
/// through the bounded reader and classified. `Ok` is a body the generated code reads (a
/// success, or the documented error body); `Err` the call's error. `None` for a status
/// HTTP does not allow.
pub async fn response(
    status: u16,
    headers: &[(Vec<u8>, Vec<u8>)],
    chunks: Vec<Vec<u8>>,
    sized: bool,
    limit: usize,
) -> Option<Result<Bytes, Error>> {
    let status = StatusCode::from_u16(status).ok()?;
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            map.append(name, value);
        }
    }
    let body = if sized {
        reqwest::Body::from(chunks.concat())
    } else {
        let stream = futures_util::stream::iter(
            chunks
                .into_iter()
                .map(|chunk| Ok::<_, std::io::Error>(Bytes::from(chunk))),
        );
        reqwest::Body::wrap_stream(stream)
    };
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = map;
    let outcome = crate::http::body::receive(reqwest::Response::from(response), limit).await;
    Some(match transport::finish(outcome, limit) {
        Ok(received) => Ok(received.into_body()),
        Err(Failure::Transport(error)) => Err(Error::Transport(error)),
        Err(Failure::Rejected(rejected)) => Err(Error::from(rejected.rejection)),
    })
}

/// `Retry-After` as the transport reads it.
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    crate::retry::parse_retry_after(value, now)
}

/// A response's `Date`, as the clock-skew measure and the metadata fetch read it.
pub fn server_date(value: &[u8]) -> Option<SystemTime> {
    let mut headers = HeaderMap::new();
    headers.insert(http::header::DATE, HeaderValue::from_bytes(value).ok()?);
    crate::clock_skew::server_date(&headers)
}

/// Credentials as a parser gave them, in the clear (for the target's checks), with what
/// `Debug` shows of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub ak: String,
    pub sk: String,
    pub security_token: Option<String>,
    /// `{:?}` of the credentials.
    pub debug: String,
}

impl Found {
    fn of(credentials: &Credentials) -> Option<Found> {
        let Credentials::AkSk(keys) = credentials else {
            return None;
        };
        Some(Found {
            ak: keys.ak.expose_secret().to_string(),
            sk: keys.sk.expose_secret().to_string(),
            security_token: keys
                .security_token
                .as_ref()
                .map(|token| token.expose_secret().to_string()),
            debug: format!("{credentials:?}"),
        })
    }
}

/// The ECS metadata service's answer: the temporary credentials and their lifetime.
pub fn metadata_answer(body: &[u8], now: SystemTime) -> Result<(Found, Duration), String> {
    let fetched = metadata::parse(body, now)?;
    let found = Found::of(&fetched.credentials).ok_or("not an access key pair")?;
    Ok((found, fetched.lifetime))
}

/// A credentials file's text: the credentials, project ID and IAM endpoint it gives, or why
/// not.
pub fn credentials_file(text: &str) -> Result<(Found, Option<String>, Option<String>), String> {
    match file::from_text(text) {
        Ok(profile) => {
            let file::ProfileAuth::Keys(credentials) = &profile.auth else {
                return Err("IdP federation, not an access key pair".into());
            };
            let found = Found::of(credentials).ok_or("not an access key pair")?;
            Ok((found, profile.project_id, profile.iam_endpoint))
        }
        Err(file::Miss::Skip(why) | file::Miss::Broken(why)) => Err(why),
    }
}

/// A regions file's text: the endpoints of `region` (at least one), if it names it.
pub fn regions_file(text: &str, region: &str) -> Result<Option<Vec<String>>, String> {
    crate::http::region_overrides::endpoints_in(text, region)
}
