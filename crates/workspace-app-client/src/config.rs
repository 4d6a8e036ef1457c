//! What the generated `Client` carries besides its base URL and `reqwest::Client`.

/// The hand-written configuration the generated [`Client`](crate::Client) carries as its
/// inner value, read by the request hooks.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ClientConfig {}
