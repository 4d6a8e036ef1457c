//! The project ID looked up in IAM (`GET /v3/projects?name=<region>`, signed) when AK/SK
//! credentials come without one: what is sent, what is cached, and what IAM's answers mean.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workspace_app_client::{BuildError, ClientBuilder, Credentials, ProjectLookupError};

fn projects(ids: &[&str]) -> ResponseTemplate {
    let projects: Vec<_> = ids
        .iter()
        .map(|id| json!({"id": id, "name": "cn-north-4", "enabled": true}))
        .collect();
    ResponseTemplate::new(200)
        .insert_header("X-IAM-Trace-Id", "trace-1")
        .set_body_json(json!({"projects": projects, "links": {}}))
}

/// A builder for region cn-north-4 whose IAM is `iam`, with its own AK (the cache is per AK).
fn builder(iam: &MockServer, ak: &str) -> ClientBuilder {
    ClientBuilder::new()
        .credentials(Credentials::ak_sk(ak, "SECRET-SK"))
        .region("cn-north-4")
        .endpoint("http://127.0.0.1:9")
        .iam_endpoint(iam.uri())
}

#[tokio::test]
async fn the_project_is_looked_up_once_signed_and_cached() {
    let iam = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/projects"))
        .and(query_param("name", "cn-north-4"))
        .respond_with(projects(&["p-found"]))
        .expect(1)
        .mount(&iam)
        .await;
    let client = builder(&iam, "AK-CACHED").build_async().await.unwrap();
    assert_eq!(client.project_id(), Some("p-found"));
    // `Debug` names the source, never the keys.
    let shown = format!("{client:?}");
    assert!(shown.contains("source: Explicit"), "{shown}");
    assert!(
        !shown.contains("SECRET-SK") && !shown.contains("AK-CACHED"),
        "{shown}"
    );
    // Same AK, region and IAM: from the cache, no second request (`expect(1)`).
    let again = builder(&iam, "AK-CACHED").build_async().await.unwrap();
    assert_eq!(again.project_id(), Some("p-found"));

    let requests = iam.received_requests().await.unwrap();
    let headers = &requests[0].headers;
    let authorization = headers.get("authorization").unwrap().to_str().unwrap();
    assert!(authorization.starts_with("SDK-HMAC-SHA256 Access=AK-CACHED"));
    assert!(headers.get("x-project-id").is_none());
}

#[tokio::test]
async fn a_given_project_id_or_a_token_needs_no_lookup() {
    let iam = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(projects(&["p"]))
        .expect(0)
        .mount(&iam)
        .await;
    let client = builder(&iam, "AK-GIVEN")
        .project_id("given")
        .build_async()
        .await
        .unwrap();
    assert_eq!(client.project_id(), Some("given"));
    let client = builder(&iam, "AK-GIVEN")
        .credentials(Credentials::token("TOKEN"))
        .build_async()
        .await
        .unwrap();
    assert_eq!(client.project_id(), None);
}

#[tokio::test]
async fn several_or_no_projects_are_clear_errors() {
    let iam = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(projects(&["p-1", "p-2"]))
        .mount(&iam)
        .await;
    let error = builder(&iam, "AK-SEVERAL").build_async().await.unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(&error, BuildError::ProjectLookup(ProjectLookupError::SeveralProjects { ids, .. }) if ids.len() == 2),
        "{error:?}"
    );
    assert!(
        message.contains("p-1, p-2") && message.contains("trace-1"),
        "{message}"
    );
    assert!(message.contains(".project_id(..)"), "{message}");

    iam.reset().await;
    Mock::given(method("GET"))
        .respond_with(projects(&[]))
        .mount(&iam)
        .await;
    let error = builder(&iam, "AK-NONE").build_async().await.unwrap_err();
    assert!(
        matches!(
            error,
            BuildError::ProjectLookup(ProjectLookupError::NoProject { .. })
        ),
        "{error:?}"
    );

    // Not a project list.
    iam.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>"))
        .mount(&iam)
        .await;
    let error = builder(&iam, "AK-HTML").build_async().await.unwrap_err();
    assert!(
        matches!(
            error,
            BuildError::ProjectLookup(ProjectLookupError::InvalidResponse { .. })
        ),
        "{error:?}"
    );
    assert!(!format!("{error} {error:?}").contains("SECRET"));
}

#[tokio::test]
async fn without_a_region_or_with_plain_build_the_error_says_what_to_do() {
    let iam = MockServer::start().await;
    let error = ClientBuilder::new()
        .credentials(Credentials::ak_sk("AK-NOREGION", "SECRET-SK"))
        .endpoint("http://127.0.0.1:9")
        .iam_endpoint(iam.uri())
        .build_async()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            BuildError::ProjectLookup(ProjectLookupError::NoRegion)
        ),
        "{error:?}"
    );
    let error = builder(&iam, "AK-SYNC").build().unwrap_err();
    assert!(matches!(error, BuildError::MissingProjectId), "{error:?}");
    assert!(error.to_string().contains("build_async"), "{error}");
}
