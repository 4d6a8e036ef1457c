//! Helpers the unit tests of several modules share.

use std::collections::HashMap;

use crate::types::JobDetailInfo;

/// An environment of `vars` only, as the code reads variables (`lookup(name)`).
pub(crate) fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| vars.get(name).cloned()
}

/// A sub-job with an id and a status, nothing else.
pub(crate) fn sub_job(id: &str, status: &str) -> JobDetailInfo {
    JobDetailInfo {
        id: Some(id.to_string()),
        status: Some(status.parse().unwrap_or_else(|e| panic!("{status}: {e}"))),
        ..JobDetailInfo::default()
    }
}

/// An HTTP client for tests, with the crate's TLS (reqwest has no crypto provider of its own
/// with the default `rustls-ring` feature).
pub(crate) fn http() -> reqwest::Client {
    crate::http_client_builder()
        .and_then(|builder| Ok(builder.build()?))
        .unwrap_or_else(|e| panic!("an HTTP client: {e}"))
}
