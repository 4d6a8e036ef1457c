//! What every HTTP client of ours starts from, and how a path parameter goes into a URL.

use crate::error::BuildError;

/// This client's `User-Agent`.
pub(crate) const USER_AGENT: &str = concat!("workspace-app-client/", env!("CARGO_PKG_VERSION"));

/// What every HTTP client of ours starts from: no redirects, since requests carry
/// credentials meant for this endpoint alone, and our `User-Agent`.
pub(crate) fn base_http(user_agent: &str) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent)
}

/// [`USER_AGENT`], then the application's name if there is one.
pub(crate) fn user_agent(app_name: Option<&str>) -> Result<String, BuildError> {
    let ours = USER_AGENT;
    match app_name {
        None => Ok(ours.to_string()),
        Some(name)
            if !name.is_empty()
                && name.len() <= 128
                && name.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(format!("{ours} {name}"))
        }
        Some(name) => Err(BuildError::InvalidAppName(name.chars().take(128).collect())),
    }
}

/// A path parameter as it goes into the URL (the codegen puts this in place of
/// progenitor's `encode_path`): percent-encoded as progenitor does, and `\` too, which
/// progenitor leaves as it is and URL parsing then takes for `/`, resolving `.` and `..`
/// around it: a project ID `x\..` would otherwise send the request to another path.
pub(crate) fn encode_path(segment: &str) -> String {
    progenitor_client::encode_path(segment).replace('\\', "%5C")
}
