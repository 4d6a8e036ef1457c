//! What the emulator's test files share: starting it, clients of it, raw requests. The
//! generic helpers (log capture, stalled clients, scratch directories, hostile servers) are
//! the workspace's (`workspace_app_test_support`).

#![allow(dead_code)] // each test file uses its own part
#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;
use workspace_app_client::types::JobTypeFilter;
use workspace_app_client::{Client, RetryPolicy, builder};
use workspace_app_mock::{Clock, Config, Emulator};

/// An emulator, which must start.
pub async fn start(config: Config) -> Emulator {
    workspace_app_mock::start(config)
        .await
        .expect("the emulator starts")
}

/// An emulator on tokio's clock, for tests on paused time: credentials and ID tokens expire
/// as that clock advances, and its connections never time out while time jumps.
pub async fn start_on_paused_time(config: Config) -> Emulator {
    start(
        config
            .clock(Clock::tokio())
            .header_timeout(Duration::from_secs(24 * 60 * 60)),
    )
    .await
}

/// An HTTP client with no timers (no idle timeout for pooled connections), safe on paused
/// time.
pub fn http_without_timers() -> reqwest::Client {
    workspace_app_client::http_client_builder()
        .unwrap()
        .pool_idle_timeout(None)
        .build()
        .expect("an HTTP client")
}

/// A client of `emulator` (its URL, project and credentials) without retries, so each call
/// is one request.
pub fn client(emulator: &Emulator) -> Client {
    emulator
        .client_builder()
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

/// CREATE_SERVER sub-jobs in the client's project: the call most tests make.
pub fn servers(client: &Client) -> builder::ListSubJobs<'_> {
    client.sub_jobs().job_type(JobTypeFilter::CreateServer)
}

/// A plain HTTP client (the workspace's defaults), for requests the client library would
/// not send.
pub fn http() -> reqwest::Client {
    workspace_app_client::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
}

/// A plain HTTP client whose requests give up after `timeout`.
pub fn http_timing_out(timeout: Duration) -> reqwest::Client {
    workspace_app_client::http_client_builder()
        .unwrap()
        .timeout(timeout)
        .build()
        .unwrap()
}

/// `ListSubJobs`'s URL for `project` on the emulator at `base_url`.
pub fn list_url(base_url: &str, project: &str) -> String {
    format!("{base_url}/v1/{project}/app-server-sub-jobs")
}

/// A raw GET with the given query and headers; returns status, headers and JSON body.
pub async fn raw_get(url: &str, query: &str, headers: &[(&str, &str)]) -> (u16, HeaderMap, Value) {
    let url = if query.is_empty() {
        url.to_string()
    } else {
        format!("{url}?{query}")
    };
    let mut request = http().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, headers, body)
}
