//! The client against Prism (`@stoplight/prism-cli`), a mock server that a tool nobody here
//! wrote builds from `openapi/workspace-app.yaml`. Prism checks every request against the
//! spec and answers one that breaks it with 400 and an `sl-violations` header, so a 200
//! here means the client sent exactly what the spec allows.
//!
//! `scripts/conformance.sh` installs and starts Prism and runs these with
//! `PRISM_URL=http://127.0.0.1:PORT cargo test -p workspace-app-client --test prism -- --ignored`.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::str::FromStr;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use workspace_app_client::spec::parameters::{StringEnum, list_sub_jobs};
use workspace_app_client::types::{JobType, JobTypeFilter, ListSubJobsResponse, SubJobStatus};
use workspace_app_client::{
    Client, ClientBuilder, ClientConfig, Credentials, Error, ResponseValue, RetryPolicy, builder,
};

use workspace_app_test_support::samples::PROJECT;

fn prism_url() -> String {
    std::env::var("PRISM_URL")
        .expect("PRISM_URL must name a running `prism mock openapi/workspace-app.yaml`")
}

/// A client of Prism whose every request carries these headers (a token, `Prefer`, ...).
fn client_with(headers: &[(&str, &str)]) -> Client {
    let headers: HeaderMap = headers
        .iter()
        .map(|(name, value)| {
            (
                HeaderName::from_str(name).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            )
        })
        .collect();
    let http = workspace_app_client::http_client_builder()
        .unwrap()
        .default_headers(headers)
        .build()
        .unwrap();
    Client::new_with_client(&prism_url(), http, ClientConfig::default())
}

fn with_token() -> Client {
    client_with(&[("X-Auth-Token", "prism-token")])
}

/// The error of a CREATE_SERVER listing that must fail.
async fn error_of(client: &Client) -> Error {
    let result = client
        .list_sub_jobs()
        .project_id(PROJECT)
        .job_type(JobTypeFilter::CreateServer)
        .send()
        .await;
    match result {
        Ok(response) => panic!("expected an error, got {}", response.status()),
        Err(e) => Error::from(e),
    }
}

/// Every value the spec allows for a query parameter, from the codegen's table.
fn all_values<T: FromStr>(parameter: &StringEnum) -> Vec<T> {
    parameter
        .values
        .iter()
        .map(|v| v.parse().ok().unwrap())
        .collect()
}

/// A 200 that Prism found nothing wrong with, and that the client parsed.
fn accepted(
    result: Result<ResponseValue<ListSubJobsResponse>, workspace_app_client::GeneratedError>,
    what: &str,
) -> ListSubJobsResponse {
    let response = match result {
        Ok(response) => response,
        Err(e) => panic!("{what}: {}", Error::from(e)),
    };
    assert_eq!(response.status(), 200, "{what}");
    assert!(
        response.headers().get("sl-violations").is_none(),
        "{what}: Prism saw violations: {:?}",
        response.headers().get("sl-violations")
    );
    response.into_inner()
}

#[tokio::test]
#[ignore = "needs Prism; scripts/conformance.sh runs it"]
async fn every_parameter_and_every_enum_value_is_sent_as_the_spec_says() {
    let client = client_with(&[]);
    let statuses = all_values::<SubJobStatus>(&list_sub_jobs::STATUS);
    let job_types = all_values::<JobTypeFilter>(&list_sub_jobs::JOB_TYPE);
    assert_eq!((statuses.len(), job_types.len()), (7, 10));
    for (i, job_type) in job_types.iter().enumerate() {
        let status = statuses[i % statuses.len()];
        let page = accepted(
            client
                .list_sub_jobs()
                .project_id(PROJECT)
                .status(status)
                .job_type(*job_type)
                .offset(i32::try_from(i).unwrap() * 10)
                .limit(u32::try_from(i).unwrap() + 1)
                .job_id("a job id with spaces, + & = ? # / and ü")
                .x_auth_token("prism-token")
                .send()
                .await,
            &format!("{job_type} {status}"),
        );
        // Prism answers with the spec's example, which the client reads in full.
        assert_eq!(page.count, Some(0));
        let item = &page.items[0];
        assert_eq!(item.job_type, Some(JobType::CreateServer.into()));
        assert_eq!(item.status, Some(SubJobStatus::Waiting.into()));
        assert_eq!(item.error_code.as_deref(), Some("WKS.00129901"));
        assert_eq!(
            item.job_resource_info
                .as_ref()
                .and_then(|r| r.resource_name.as_deref()),
            Some("APS-20220902093902-AYOASWQDEJ")
        );
    }
    // The remaining statuses, and only the required parameter.
    for status in &statuses[job_types.len() % statuses.len()..] {
        accepted(
            with_token()
                .list_sub_jobs()
                .project_id(PROJECT)
                .job_type(JobTypeFilter::CreateServer)
                .status(*status)
                .send()
                .await,
            &status.to_string(),
        );
    }
    accepted(
        with_token()
            .list_sub_jobs()
            .project_id(PROJECT)
            .job_type(JobTypeFilter::CreateServer)
            .send()
            .await,
        "only job_type",
    );
}

#[tokio::test]
#[ignore = "needs Prism; scripts/conformance.sh runs it"]
async fn awkward_project_ids_stay_one_path_segment() {
    let long = "p".repeat(300);
    let ids = [
        PROJECT,
        "a b",
        "a/b",
        "a%2Fb",
        "a+b&c=d",
        "?x=1",
        "#fragment",
        "semi;colon",
        "ü-ñ-中文",
        "..a",
        "~tilde",
        long.as_str(),
    ];
    let client = with_token();
    for id in ids {
        accepted(
            client
                .list_sub_jobs()
                .project_id(id)
                .job_type(JobTypeFilter::CreateServer)
                .send()
                .await,
            &format!("project_id {id:?}"),
        );
    }
}

/// A CREATE_SERVER listing of one page.
fn paged(client: &Client, offset: i32, limit: u32) -> builder::ListSubJobs<'_> {
    client
        .list_sub_jobs()
        .project_id(PROJECT)
        .job_type(JobTypeFilter::CreateServer)
        .offset(offset)
        .limit(limit)
}

#[tokio::test]
#[ignore = "needs Prism; scripts/conformance.sh runs it"]
async fn limits_and_offsets_at_the_bounds_are_accepted_and_beyond_them_never_sent() {
    let client = with_token();
    // The spec's bounds, from the codegen's table: today offset 0 to i32::MAX (its int32
    // format), limit 1 to 100.
    let (offset, limit) = (list_sub_jobs::OFFSET, list_sub_jobs::LIMIT);
    let offset_min = i32::try_from(offset.minimum).unwrap();
    let offset_max = i32::try_from(offset.maximum).unwrap();
    let limit_min = u32::try_from(limit.minimum).unwrap();
    let limit_max = u32::try_from(limit.maximum).unwrap();
    assert_eq!(
        (offset_min, offset_max, limit_min, limit_max),
        (0, i32::MAX, 1, 100)
    );
    for (offset, limit) in [
        (offset_min, limit_min),
        (offset_min, limit_max),
        (offset_max, limit_min),
        (offset_max, limit_max),
    ] {
        accepted(
            paged(&client, offset, limit).send().await,
            &format!("offset {offset}, limit {limit}"),
        );
    }
    for (offset, limit) in [
        (offset_min, limit_max + 1),
        (offset_min - 1, limit_min),
        (offset_min, u32::MAX),
    ] {
        let result = paged(&client, offset, limit).send().await;
        assert!(
            matches!(result.map_err(Error::from), Err(Error::InvalidRequest(_))),
            "offset {offset}, limit {limit} is refused before any I/O"
        );
    }
    // The harness itself: Prism does refuse what the spec forbids.
    let response = workspace_app_client::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .get(format!(
            "{}/v1/{PROJECT}/app-server-sub-jobs?job_type=CREATE_SERVER&limit=101",
            prism_url()
        ))
        .header("X-Auth-Token", "prism-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().contains_key("sl-violations"));
}

#[tokio::test]
#[ignore = "needs Prism; scripts/conformance.sh runs it"]
async fn every_documented_error_status_reaches_the_caller_as_an_api_error() {
    for code in [400u16, 401, 403, 404, 405, 500, 503] {
        let client = client_with(&[
            ("X-Auth-Token", "prism-token"),
            ("Prefer", &format!("code={code}")),
        ]);
        let error = error_of(&client).await;
        let Error::Api(api) = &error else {
            panic!("{code}: expected an API error, got {error:?}");
        };
        assert_eq!(api.status.as_u16(), code);
        // Prism fills the documented `{error_code, error_msg}` body from the schema.
        assert!(
            api.error_code.is_some() && api.error_msg.is_some(),
            "{code}: {api:?}"
        );
        assert_eq!(api.body_snippet, None, "{code}: the body parsed");
        assert_eq!(error.is_retryable(), matches!(code, 500 | 503), "{code}");
    }
}

#[tokio::test]
#[ignore = "needs Prism; scripts/conformance.sh runs it"]
async fn credentials_satisfy_the_specs_security_schemes() {
    // Without credentials, Prism enforces the spec's security: 401.
    let error = error_of(&client_with(&[])).await;
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));

    // The token of `ClientBuilder` and a signed AK/SK request both pass.
    for credentials in [
        Credentials::token("prism-token"),
        Credentials::ak_sk("PRISMTESTAK", "prism-test-sk"),
        Credentials::temporary("PRISMTESTAK", "prism-test-sk", "security-token"),
    ] {
        let client = ClientBuilder::new()
            .endpoint(prism_url())
            .credentials(credentials.clone())
            .project_id(PROJECT)
            .retry(RetryPolicy::disabled())
            .build()
            .unwrap();
        accepted(
            client
                .sub_jobs()
                .job_type(JobTypeFilter::ReinstallOs)
                .limit(50)
                .send()
                .await,
            &format!("{credentials:?}"),
        );
    }
}
