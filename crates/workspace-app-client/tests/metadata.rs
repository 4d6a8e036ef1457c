//! Temporary credentials from ECS metadata services the emulator does not play: one without
//! session tokens (as older ones), one that hands out credentials already expired.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workspace_app_client::types::JobTypeFilter;
use workspace_app_client::{
    ClientBuilder, CredentialSource, CredentialsChain, DisplayErrorChain, Error,
};

/// A metadata service with no session tokens (`PUT` answers 405) that hands out one set of
/// temporary credentials expiring at `expires_at`, and expects to be asked for it once.
async fn metadata_without_session_tokens(expires_at: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/meta-data/latest/api/token"))
        .respond_with(ResponseTemplate::new(405))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/openstack/latest/securitykey"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "credential": {
                "access": "TEMP-AK",
                "secret": "TEMP-SECRET-SK",
                "securitytoken": "TEMP-SECRET-TOKEN",
                "expires_at": expires_at,
            }
        })))
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_service_without_session_tokens_is_asked_without() {
    let server = metadata_without_session_tokens("2999-01-01T00:00:00.000000Z").await;
    let client = ClientBuilder::new()
        .credentials_chain(CredentialsChain::empty().metadata_endpoint(server.uri()))
        .endpoint(server.uri())
        .project_id("p")
        .build_async()
        .await
        .unwrap();
    assert_eq!(
        client.credential_source(),
        Some(&CredentialSource::Metadata(server.uri()))
    );
    let requests = server.received_requests().await.unwrap();
    let get = requests
        .iter()
        .find(|r| r.method.as_str() == "GET")
        .unwrap();
    assert!(get.headers.get("x-metadata-token").is_none());
    assert!(!format!("{client:?}").contains("TEMP-SECRET"));
}

#[tokio::test]
async fn credentials_that_arrive_expired_are_an_error_not_fetched_for_every_request() {
    let server = metadata_without_session_tokens("2001-01-01T00:00:00.000000Z").await;
    let client = ClientBuilder::new()
        .credentials_chain(CredentialsChain::empty().metadata_endpoint(server.uri()))
        .endpoint(server.uri())
        .project_id("p")
        .build()
        .unwrap();
    for _ in 0..3 {
        let sent = client
            .sub_jobs()
            .job_type(JobTypeFilter::CreateServer)
            .send()
            .await;
        let error = Error::from(sent.expect_err("no usable credentials"));
        let message = DisplayErrorChain(&error).to_string();
        assert!(message.contains("already expired"), "{message}");
        assert!(!message.contains("TEMP-SECRET"), "{message}");
    }
    // One fetch (without a session token: a GET), then its error for 10 seconds; nothing
    // was sent to the API with the expired keys.
    let requests = server.received_requests().await.unwrap();
    let gets: Vec<&str> = requests
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .map(|r| r.url.path())
        .collect();
    assert_eq!(gets, ["/openstack/latest/securitykey"]);
}

#[tokio::test]
async fn an_answer_over_the_limit_is_an_error_not_read_whole() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/meta-data/latest/api/token"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(100 * 1024)))
        .mount(&server)
        .await;
    let error = ClientBuilder::new()
        .credentials_chain(CredentialsChain::empty().metadata_endpoint(server.uri()))
        .endpoint(server.uri())
        .project_id("p")
        .build_async()
        .await
        .expect_err("no credentials from an oversized answer");
    let message = error.to_string();
    assert!(message.contains("over 65536 bytes"), "{message}");
}
