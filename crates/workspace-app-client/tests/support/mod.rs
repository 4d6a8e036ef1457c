//! The clients the paging, waiting and fault tests share; the servers and samples are
//! the workspace's (`workspace_app_test_support`).

#![allow(dead_code)] // each test file uses its own part

use wiremock::MockServer;
use workspace_app_client::{Client, ClientBuilder, RetryPolicy};
use workspace_app_test_support::samples::PROJECT;

/// A builder for `url` with the test project that is safe on paused tokio time. Paused time
/// jumps to the next timer whenever the runtime waits, real loopback I/O included, so the
/// client sets none: no timeouts and no connection-pool idle timer. The only timers are then
/// the ones the code under test sets.
pub fn paused_time_builder(url: &str) -> ClientBuilder {
    let http = workspace_app_client::http_client_builder()
        .unwrap()
        .pool_idle_timeout(None)
        .build()
        .expect("a default HTTP client");
    ClientBuilder::new()
        .endpoint(url)
        .project_id(PROJECT)
        .timeout(None)
        .http_client(http)
}

/// A client of `server`, safe on paused time, without retries (each test sees every
/// attempt).
pub fn client(server: &MockServer) -> Client {
    paused_time_builder(&server.uri())
        .retry(RetryPolicy::disabled())
        .build()
        .expect("a valid configuration")
}
