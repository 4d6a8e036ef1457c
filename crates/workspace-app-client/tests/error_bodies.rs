//! Error bodies as Huawei's services write them, through the whole client: each shape
//! reaches `Error` with its code and message, and a policy denial keeps its encoded message.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};
use workspace_app_client::{ClientBuilder, Error, types::JobTypeFilter};

async fn refused(status: u16, body: &str) -> Error {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("content-type", "application/json")
                .insert_header("x-request-id", "req-9")
                .set_body_string(body),
        )
        .mount(&server)
        .await;
    let client = ClientBuilder::new()
        .endpoint(server.uri())
        .project_id("p")
        .build()
        .unwrap();
    let error = client
        .sub_jobs()
        .job_type(JobTypeFilter::CreateServer)
        .send()
        .await
        .unwrap_err();
    Error::from(error)
}

#[tokio::test]
async fn every_shape_reaches_the_error() {
    for (status, body, code, message) in [
        (
            400,
            r#"{"error_code":"WKS.0001","error_msg":"bad"}"#,
            "WKS.0001",
            "bad",
        ),
        (
            401,
            r#"{"errorCode":"APIGW.0301","errorMsg":"Incorrect IAM authentication information"}"#,
            "APIGW.0301",
            "Incorrect IAM authentication information",
        ),
        (
            404,
            r#"{"code":"APIGW.0101","message":"The API does not exist or has not been published"}"#,
            "APIGW.0101",
            "The API does not exist or has not been published",
        ),
        (
            403,
            r#"{"error":{"code":"IAM.0003","message":"Policy doesn't allow","title":"Forbidden"}}"#,
            "IAM.0003",
            "Policy doesn't allow",
        ),
    ] {
        let error = refused(status, body).await;
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status), "{body}");
        assert_eq!(error.error_code(), Some(code), "{body}");
        assert_eq!(error.error_msg(), Some(message), "{body}");
        assert_eq!(error.request_id(), Some("req-9"), "{body}");
    }
}

#[tokio::test]
async fn a_policy_denial_keeps_its_encoded_authorization_message() {
    let encoded = "vJ3Qk".repeat(100);
    let body = format!(
        r#"{{"error_code":"WKS.0403","error_msg":"Policy doesn't allow workspace:jobs:listSubJobs to be performed.","encoded_authorization_message":"{encoded}"}}"#
    );
    let error = refused(403, &body).await;
    assert_eq!(error.error_code(), Some("WKS.0403"));
    assert_eq!(
        error.encoded_authorization_message(),
        Some(encoded.as_str())
    );
    let shown = error.to_string();
    assert!(
        shown.contains("encoded authorization message \"vJ3Qk"),
        "{shown}"
    );
    assert!(shown.contains("(500 characters in all)"), "{shown}");
    assert!(shown.ends_with("(request id req-9)"), "{shown}");
}
