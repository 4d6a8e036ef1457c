//! Temporary credentials from an ECS metadata service that has no session tokens (as older
//! ones): asked without, and used to sign.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workspace_app_client::{ClientBuilder, CredentialSource, CredentialsChain};

#[tokio::test]
async fn a_service_without_session_tokens_is_asked_without() {
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
                "expires_at": "2999-01-01T00:00:00.000000Z",
            }
        })))
        .expect(1)
        .mount(&server)
        .await;
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
