//! What the generated client puts on the wire and how it reads the answers, against a local
//! HTTP server on 127.0.0.1.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use serde_json::json;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workspace_app_client::types::{JobType, JobTypeFilter, SubJobStatus};
use workspace_app_client::{Client, ClientBuilder, Error, Extensible, GeneratedError, RetryPolicy};

use workspace_app_test_support::samples::PROJECT;

async fn server_answering(status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("^/v1/.+/app-server-sub-jobs$"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

/// A client of the local server, without retries so that each test sees one attempt.
fn client(server: &MockServer) -> Client {
    ClientBuilder::new()
        .endpoint(server.uri())
        .retry(RetryPolicy::disabled())
        .build()
        .expect("a valid configuration")
}

fn one_item_page() -> serde_json::Value {
    json!({
        "count": 1,
        "items": [{
            "id": "sub-1",
            "job_type": "CREATE_SERVER",
            "job_resource_info": { "resource_id": "r-1", "resource_name": "APS-1" },
            "begin_time": "2022-03-07T10:40:43.858Z",
            "end_time": null,
            "status": "RUNNING",
            "project_id": PROJECT,
            "job_id": "job-1"
        }]
    })
}

#[tokio::test]
async fn sends_method_path_every_query_parameter_and_the_token() {
    let server = server_answering(200, one_item_page()).await;
    client(&server)
        .list_sub_jobs()
        .project_id(PROJECT)
        .status(SubJobStatus::Running)
        .job_type(JobTypeFilter::UpgradeAccessAgent)
        .offset(20)
        .limit(100)
        .job_id("job-1")
        .x_auth_token("token-value")
        .send()
        .await
        .expect("the request succeeds");

    let requests = server.received_requests().await.expect("recording is on");
    let [request] = requests.as_slice() else {
        panic!("expected exactly one request, got {}", requests.len());
    };
    assert_eq!(request.method.as_str(), "GET");
    assert_eq!(
        request.url.path(),
        format!("/v1/{PROJECT}/app-server-sub-jobs")
    );
    let mut query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    query.sort();
    assert_eq!(
        query,
        [
            ("job_id", "job-1"),
            ("job_type", "UPGRADE_ACCESS_AGENT"),
            ("limit", "100"),
            ("offset", "20"),
            ("status", "RUNNING"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    assert_eq!(
        request.headers.get("x-auth-token").map(|v| v.to_str().ok()),
        Some(Some("token-value"))
    );
}

#[tokio::test]
async fn optional_parameters_left_out_are_not_sent() {
    let server = server_answering(200, one_item_page()).await;
    client(&server)
        .list_sub_jobs()
        .project_id(PROJECT)
        .job_type(JobTypeFilter::CreateServer)
        .send()
        .await
        .expect("the request succeeds");
    let requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests[0].url.query(), Some("job_type=CREATE_SERVER"));
    assert!(requests[0].headers.get("x-auth-token").is_none());
}

#[tokio::test]
async fn a_project_id_with_reserved_characters_stays_one_path_segment() {
    for project_id in ["a/b", "a?b=c", "a#b", "a b", "projet-é-中", "100%", "../x"] {
        let server = server_answering(200, one_item_page()).await;
        client(&server)
            .list_sub_jobs()
            .project_id(project_id)
            .job_type(JobTypeFilter::CreateServer)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{project_id:?}: {e}"));

        let requests = server.received_requests().await.expect("recording is on");
        let url = &requests[0].url;
        let segments: Vec<&str> = url.path_segments().expect("a base URL").collect();
        assert_eq!(segments.len(), 3, "{project_id:?} became {}", url.path());
        assert_eq!(segments[0], "v1");
        assert_eq!(segments[2], "app-server-sub-jobs");
        let decoded = percent_encoding::percent_decode_str(segments[1]).decode_utf8_lossy();
        assert_eq!(decoded, project_id, "raw segment {}", segments[1]);
        assert_eq!(
            url.query(),
            Some("job_type=CREATE_SERVER"),
            "{project_id:?}"
        );
    }
}

#[tokio::test]
async fn a_200_body_parses_into_typed_items() {
    let server = server_answering(200, one_item_page()).await;
    let response = client(&server)
        .list_sub_jobs()
        .project_id(PROJECT)
        .job_type(JobTypeFilter::CreateServer)
        .send()
        .await
        .expect("the request succeeds");
    assert_eq!(response.status().as_u16(), 200);
    let page = response.into_inner();
    assert_eq!(page.count, Some(1));
    let item = &page.items[0];
    assert_eq!(item.id.as_deref(), Some("sub-1"));
    assert_eq!(
        item.job_type,
        Some(Extensible::Known(JobType::CreateServer))
    );
    assert_eq!(item.status, Some(Extensible::Known(SubJobStatus::Running)));
    assert_eq!(item.end_time, None);
    let resource = item.job_resource_info.as_ref().expect("resource info");
    assert_eq!(resource.resource_name.as_deref(), Some("APS-1"));
}

#[tokio::test]
async fn values_newer_than_the_spec_parse_and_keep_their_raw_string() {
    let body = json!({
        "count": 2,
        "items": [
            { "id": "a", "job_type": "INSTALL_CES_AGENT", "status": "PAUSED" },
            { "id": "b", "job_type": "SOMETHING_FROM_2030", "status": "SUCCESS",
              "job_resource_info": { "resource_id": "r", "new_field": 1 }, "brand_new": true }
        ]
    });
    let server = server_answering(200, body).await;
    let page = client(&server)
        .list_sub_jobs()
        .project_id(PROJECT)
        .job_type(JobTypeFilter::CreateServer)
        .send()
        .await
        .expect("unknown values and fields parse")
        .into_inner();
    assert_eq!(
        page.items[0].job_type,
        Some(Extensible::Known(JobType::InstallCesAgent))
    );
    assert_eq!(
        page.items[0].status,
        Some(Extensible::Unknown("PAUSED".into()))
    );
    assert_eq!(
        page.items[1].job_type,
        Some(Extensible::Unknown("SOMETHING_FROM_2030".into()))
    );
    assert_eq!(
        page.items[1].status,
        Some(Extensible::Known(SubJobStatus::Success))
    );
    let reserialized = serde_json::to_value(&page.items[0]).expect("serializes");
    assert_eq!(reserialized["status"], "PAUSED");
}

#[tokio::test]
async fn each_documented_error_status_is_a_typed_error_with_code_and_message() {
    for status in [400u16, 401, 403, 404, 405, 500, 503] {
        let code = format!("WKS.{status}01");
        let body = json!({ "error_code": code, "error_msg": format!("failure {status}") });
        let server = server_answering(status, body).await;
        let error = client(&server)
            .list_sub_jobs()
            .project_id(PROJECT)
            .job_type(JobTypeFilter::CreateServer)
            .send()
            .await
            .expect_err("an error status is an error");
        // The generated client's own typed variant...
        let GeneratedError::ErrorResponse(response) = &error else {
            panic!("{status}: expected ErrorResponse, got {error:?}");
        };
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(response.error_code.as_deref(), Some(code.as_str()));
        // ...and the crate's error, which `?` converts it into.
        let error = Error::from(error);
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(error.error_code(), Some(code.as_str()));
        assert_eq!(
            error.error_msg(),
            Some(format!("failure {status}").as_str())
        );
    }
}

#[tokio::test]
async fn out_of_range_parameters_fail_before_any_request() {
    let server = server_answering(200, one_item_page()).await;
    let client = client(&server);
    let in_project = |project_id: &str| {
        client
            .list_sub_jobs()
            .project_id(project_id)
            .job_type(JobTypeFilter::CreateServer)
    };
    let cases = [
        ("limit 0", in_project(PROJECT).limit(0u32).send().await),
        ("limit 101", in_project(PROJECT).limit(101u32).send().await),
        ("offset -1", in_project(PROJECT).offset(-1).send().await),
        ("empty project_id", in_project("").send().await),
        // URL parsing would resolve these path segments away.
        ("project_id `..`", in_project("..").send().await),
        ("project_id `.`", in_project(".").send().await),
        (
            "missing job_type",
            client.list_sub_jobs().project_id(PROJECT).send().await,
        ),
    ];
    for (case, result) in cases {
        match result.map_err(Error::from) {
            Err(Error::InvalidRequest(message)) => assert!(!message.is_empty(), "{case}"),
            other => panic!("{case}: expected InvalidRequest, got {other:?}"),
        }
    }
    let requests = server.received_requests().await.expect("recording is on");
    assert!(
        requests.is_empty(),
        "{} requests reached the server",
        requests.len()
    );
}

#[tokio::test]
async fn the_bounds_message_names_the_parameter_and_the_allowed_range() {
    let server = server_answering(200, one_item_page()).await;
    let error = client(&server)
        .list_sub_jobs()
        .project_id(PROJECT)
        .job_type(JobTypeFilter::CreateServer)
        .limit(101u32)
        .send()
        .await
        .expect_err("limit 101 is out of range");
    assert_eq!(
        Error::from(error).to_string(),
        "invalid request: `limit` must be an integer from 1 to 100, got 101"
    );
}

#[test]
fn a_misspelt_request_enum_value_does_not_convert() {
    assert!("CREATE_SERVERS".parse::<JobTypeFilter>().is_err());
    assert!("running".parse::<SubJobStatus>().is_err());
    // A response-only job type is not a valid filter.
    assert!("INSTALL_CES_AGENT".parse::<JobTypeFilter>().is_err());
}
