//! How a downstream crate unit-tests its own code that calls the API: stub the call with the
//! typed helpers, run the code, check what it did with the answer and what it sent.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::num::NonZeroU32;

use httpmock::MockServer;
use workspace_app_client::types::{
    ErrorResponse, JobDetailInfo, JobType, JobTypeFilter, ListSubJobsProjectId,
    ListSubJobsResponse, SubJobStatus,
};
use workspace_app_client::{Client, ClientBuilder, Credentials, Error, Extensible, RetryPolicy};
use workspace_app_httpmock::MockServerExt;
use workspace_app_test_support::samples::PROJECT;

const TOKEN: &str = "unit-test-token";

/// Downstream code under test: how many sub-jobs of a job are still unfinished, from one
/// page of up to 100.
async fn unfinished_sub_jobs(client: &Client, job_id: &str) -> Result<usize, Error> {
    let page = client
        .sub_jobs()
        .job_type(JobTypeFilter::CreateServer)
        .job_id(job_id)
        .limit(100)
        .send()
        .await?;
    Ok(page
        .items
        .iter()
        .filter(|item| {
            !matches!(
                item.status.as_ref().and_then(Extensible::known),
                Some(SubJobStatus::Success | SubJobStatus::Failed)
            )
        })
        .count())
}

fn client(server: &MockServer) -> Client {
    ClientBuilder::new()
        .endpoint(server.base_url())
        .credentials(Credentials::token(TOKEN))
        .project_id(PROJECT)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

// The generated types are `#[non_exhaustive]`: built from `Default`, field by field.
fn sub_job(id: &str, status: Extensible<SubJobStatus>) -> JobDetailInfo {
    let mut sub_job = JobDetailInfo::default();
    sub_job.id = Some(id.into());
    sub_job.job_id = Some("job-1".into());
    sub_job.job_type = Some(JobType::CreateServer.into());
    sub_job.status = Some(status);
    sub_job.project_id = Some(PROJECT.into());
    sub_job
}

/// A page, through the generated builder.
fn page(count: i32, items: Vec<JobDetailInfo>) -> ListSubJobsResponse {
    ListSubJobsResponse::builder()
        .count(Some(count))
        .items(items)
        .try_into()
        .unwrap()
}

fn project() -> ListSubJobsProjectId {
    PROJECT.parse().unwrap()
}

#[tokio::test]
async fn counts_unfinished_sub_jobs_from_the_stubbed_page() {
    let server = MockServer::start_async().await;
    let mock = server.list_sub_jobs(|when, then| {
        when.project_id(&project())
            .job_type(JobTypeFilter::CreateServer)
            .job_id("job-1")
            .limit(NonZeroU32::new(100))
            .offset(None)
            .status(None)
            .x_auth_token(TOKEN);
        then.ok(&page(
            4,
            vec![
                sub_job("a", SubJobStatus::Success.into()),
                sub_job("b", SubJobStatus::Running.into()),
                sub_job("c", SubJobStatus::Failed.into()),
                // A status newer than the client still counts as unfinished.
                sub_job("d", Extensible::Unknown("PAUSED".into())),
            ],
        ));
    });

    let unfinished = unfinished_sub_jobs(&client(&server), "job-1")
        .await
        .unwrap();

    assert_eq!(unfinished, 2);
    mock.assert_async().await;
}

#[tokio::test]
async fn a_documented_error_reaches_the_caller_with_its_code() {
    let server = MockServer::start_async().await;
    let mock = server.list_sub_jobs(|when, then| {
        when.job_id("job-1");
        let mut body = ErrorResponse::default();
        body.error_code = Some("WKS.00129901".into());
        body.error_msg = Some("The service is now unavailable to process the request.".into());
        then.service_unavailable(&body);
    });

    let error = unfinished_sub_jobs(&client(&server), "job-1")
        .await
        .unwrap_err();

    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(error.error_code(), Some("WKS.00129901"));
    assert!(error.is_retryable());
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_stub_does_not_match_a_request_that_breaks_its_conditions() {
    let server = MockServer::start_async().await;
    // The code under test never sends `status`; a stub that requires it must stay unused.
    let mock = server.list_sub_jobs(|when, then| {
        when.status(SubJobStatus::Running);
        then.ok(&ListSubJobsResponse::default());
    });

    let error = unfinished_sub_jobs(&client(&server), "job-1")
        .await
        .unwrap_err();

    // httpmock answers 404 when no stub matches.
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    mock.assert_calls_async(0).await;
}
