//! The emulator over HTTP on 127.0.0.1: filters, paging, validation, routing, project
//! scoping, authentication (token and AK/SK through the real client), the lifecycle under a
//! controlled clock, fault injection and request IDs.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use workspace_app_client::signing::verify::{self, SignableRequest};
use workspace_app_client::types::{
    JobDetailInfo, JobType, JobTypeFilter, ListSubJobsResponse, SubJobStatus,
};
use workspace_app_client::{AkSk, signing};
use workspace_app_client::{
    ApiError, Client, ClientBuilder, Credentials, Error, Extensible, RetryPolicy, builder, spec,
};
use workspace_app_mock::{
    Config, Emulator, Faults, JobPlan, ManualClock, StatusCode, SubJobPlan, error_codes,
};

mod support;

use support::{client, http, list_url, raw_get, servers, start};

const TOKEN: &str = "emulator-test-token";
const AK: &str = "EMULATORTESTAK0000001";
const SK: &str = "emulator-test-secret-key";

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Sends the call, which must succeed.
async fn served(call: builder::ListSubJobs<'_>) -> ListSubJobsResponse {
    match call.send().await {
        Ok(page) => page.into_inner(),
        Err(e) => panic!("the call failed: {}", Error::from(e)),
    }
}

/// Sends the call, which the emulator must refuse.
async fn refused(call: builder::ListSubJobs<'_>) -> ApiError {
    match call.send().await.map_err(Error::from) {
        Err(Error::Api(api)) => api,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// The `error_msg` of a raw error body.
fn said(body: &Value) -> &str {
    body["error_msg"].as_str().unwrap_or_default()
}

/// The `error_msg` of an API error.
fn message_of(error: &ApiError) -> &str {
    error.error_msg.as_deref().unwrap_or_default()
}

/// Lists every page of `job_type` in `project` with `limit`, advancing `clock` (when
/// given) between pages, and returns the pages' items and each page's count.
async fn all_pages(
    client: &Client,
    job_type: JobTypeFilter,
    limit: u32,
    clock: Option<&ManualClock>,
) -> (Vec<JobDetailInfo>, Vec<i32>) {
    let mut items = Vec::new();
    let mut counts = Vec::new();
    let mut offset = 0;
    loop {
        let page: ListSubJobsResponse = client
            .sub_jobs()
            .job_type(job_type)
            .offset(offset)
            .limit(limit)
            .send()
            .await
            .unwrap()
            .into_inner();
        counts.push(page.count.unwrap());
        let got = page.items.len();
        items.extend(page.items);
        if got < limit as usize {
            return (items, counts);
        }
        offset += i32::try_from(got).unwrap();
        if let Some(clock) = clock {
            clock.advance(secs(20));
        }
    }
}

fn status_of(item: &JobDetailInfo) -> Option<SubJobStatus> {
    item.status.as_ref().and_then(Extensible::known).copied()
}

#[tokio::test]
async fn filters_by_job_type_status_and_job_id_in_the_project() {
    let emulator = start(Config::default()).await;
    let created = SystemTime::now() - secs(3600);
    let done = emulator.add_job(
        JobPlan::new(JobType::CreateServer)
            .created_at(created)
            .sub_job(SubJobPlan::succeeds(secs(1), secs(1)))
            .sub_job(SubJobPlan::fails(secs(1), secs(1), "WKS.1", "broken")),
    );
    let running = emulator.add_job(
        JobPlan::new(JobType::CreateServer).sub_job(SubJobPlan::succeeds(secs(0), secs(3600))),
    );
    emulator.add_job(
        JobPlan::new(JobType::DeleteServer).sub_job(SubJobPlan::succeeds(secs(0), secs(1))),
    );
    // A type the request filter cannot ask for is never listed.
    emulator.add_job(
        JobPlan::new(JobType::CollectHdaLog).sub_job(SubJobPlan::succeeds(secs(0), secs(1))),
    );
    let client = client(&emulator);
    let list = |status: Option<SubJobStatus>, job_id: Option<&str>| {
        let mut call = client.sub_jobs().job_type(JobTypeFilter::CreateServer);
        if let Some(status) = status {
            call = call.status(status);
        }
        if let Some(job_id) = job_id {
            call = call.job_id(job_id);
        }
        async move { call.send().await.unwrap().into_inner() }
    };

    let all = list(None, None).await;
    assert_eq!(all.count, Some(3));
    assert!(
        all.items
            .iter()
            .all(|i| i.job_type == Some(JobType::CreateServer.into()))
    );

    let failed = list(Some(SubJobStatus::Failed), None).await;
    assert_eq!(failed.count, Some(1));
    assert_eq!(failed.items[0].error_code.as_deref(), Some("WKS.1"));
    assert_eq!(failed.items[0].error_message.as_deref(), Some("broken"));
    assert!(failed.items[0].end_time.is_some());

    let of_running_job = list(None, Some(&running.job_id)).await;
    assert_eq!(of_running_job.count, Some(1));
    assert_eq!(
        of_running_job.items[0].id.as_ref(),
        Some(&running.sub_job_ids[0])
    );
    assert_eq!(
        status_of(&of_running_job.items[0]),
        Some(SubJobStatus::Running)
    );
    assert_eq!(
        of_running_job.items[0].end_time, None,
        "no end time while running"
    );
    assert_eq!(of_running_job.items[0].error_code, None);

    let success_of_done = list(Some(SubJobStatus::Success), Some(&done.job_id)).await;
    assert_eq!(success_of_done.count, Some(1));
    assert_eq!(
        success_of_done.items[0].id.as_ref(),
        Some(&done.sub_job_ids[0])
    );

    let none = list(Some(SubJobStatus::Aborting), None).await;
    assert_eq!(none.count, Some(0));
    assert!(none.items.is_empty());

    let deletes = client
        .sub_jobs()
        .job_type(JobTypeFilter::DeleteServer)
        .send()
        .await
        .unwrap();
    assert_eq!(deletes.count, Some(1));
}

#[tokio::test]
async fn an_empty_page_still_has_an_items_array() {
    let emulator = start(Config::default()).await;
    let (status, _, body) = raw_get(
        &list_url(emulator.base_url(), "p"),
        "job_type=CREATE_SERVER",
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, serde_json::json!({"count": 0, "items": []}));
}

#[tokio::test]
async fn paging_returns_every_item_once_in_a_stable_order_while_statuses_change() {
    let clock = ManualClock::new(SystemTime::now());
    let emulator = start(Config::default().clock(clock.clone()).jobs(60).seed(5)).await;
    let client = client(&emulator);

    // All at once, as the reference.
    let (reference, counts) = all_pages(&client, JobTypeFilter::CreateServer, 100, None).await;
    let expected = counts[0];
    assert_eq!(reference.len(), usize::try_from(expected).unwrap());
    assert!(
        expected > 20,
        "the seeded store has enough CREATE_SERVER sub-jobs: {expected}"
    );

    // Then in pages of 7, with the clock moving 20 s between pages, so statuses change.
    let before: Vec<_> = reference.iter().map(status_of).collect();
    let (paged, counts) = all_pages(&client, JobTypeFilter::CreateServer, 7, Some(&clock)).await;
    assert!(counts.iter().all(|c| *c == expected), "{counts:?}");
    let ids = |items: &[JobDetailInfo]| -> Vec<String> {
        items.iter().map(|i| i.id.clone().unwrap()).collect()
    };
    assert_eq!(
        ids(&paged),
        ids(&reference),
        "same items, same order, each once"
    );
    let unique: HashSet<_> = ids(&paged).into_iter().collect();
    assert_eq!(unique.len(), paged.len());
    let after: Vec<_> = paged.iter().map(status_of).collect();
    assert_ne!(before, after, "some statuses changed while paging");

    // Past the end: an empty page with the full count.
    let beyond = served(servers(&client).offset(expected + 5)).await;
    assert_eq!(beyond.count, Some(expected));
    assert!(beyond.items.is_empty());

    // The default limit is 10.
    let first = served(servers(&client)).await;
    assert_eq!(first.items.len(), 10);
}

#[tokio::test]
async fn every_invalid_parameter_gets_400_with_a_huawei_style_body() {
    let emulator = start(Config::default()).await;
    let url = list_url(emulator.base_url(), "p");
    let cases = [
        ("", "job_type is required"),
        ("limit=5", "job_type is required"),
        (
            "job_type=COLLECT_HDA_LOG",
            "job_type must be CREATE_SERVER,",
        ),
        ("job_type=create_server", "got \"create_server\""),
        (
            "job_type=CREATE_SERVER&status=DONE",
            "status must be WAITING,",
        ),
        (
            "job_type=CREATE_SERVER&limit=0",
            "limit must be an integer from 1 to 100, got \"0\"",
        ),
        (
            "job_type=CREATE_SERVER&limit=101",
            "limit must be an integer from 1 to 100, got \"101\"",
        ),
        (
            "job_type=CREATE_SERVER&limit=abc",
            "limit must be an integer from 1 to 100",
        ),
        (
            "job_type=CREATE_SERVER&limit=",
            "limit must be an integer from 1 to 100",
        ),
        (
            "job_type=CREATE_SERVER&offset=-1",
            "offset must be an integer from 0 to 2147483647",
        ),
        (
            "job_type=CREATE_SERVER&offset=1.5",
            "offset must be an integer",
        ),
        (
            "job_type=CREATE_SERVER&limit=1&limit=2",
            "limit must be given at most once",
        ),
    ];
    for (query, expected) in cases {
        let (status, headers, body) = raw_get(&url, query, &[]).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(
            body["error_code"],
            error_codes::INVALID_PARAMETER,
            "{query}"
        );
        let message = said(&body);
        assert!(message.starts_with("Invalid parameter: "), "{message}");
        assert!(message.contains(expected), "{query}: {message}");
        assert_eq!(headers["content-type"], "application/json");
    }
    // The bounds themselves are fine.
    for query in [
        "job_type=CREATE_SERVER&limit=1",
        "job_type=CREATE_SERVER&limit=100&offset=0",
    ] {
        assert_eq!(raw_get(&url, query, &[]).await.0, 200, "{query}");
    }
}

#[tokio::test]
async fn unknown_paths_get_404_and_other_methods_405_with_allow() {
    let emulator = start(Config::default()).await;
    for path in [
        "/",
        "/v1/p/app-server-sub-job",
        "/v2/p/app-server-sub-jobs",
        "/v1/p/app-server-sub-jobs/x",
    ] {
        let (status, _, body) = raw_get(&format!("{}{path}", emulator.base_url()), "", &[]).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error_code"], error_codes::NOT_FOUND);
    }
    let url = list_url(emulator.base_url(), "p");
    let http = http();
    for method in [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
        reqwest::Method::HEAD,
        reqwest::Method::OPTIONS,
    ] {
        let response = http.request(method.clone(), &url).send().await.unwrap();
        assert_eq!(response.status(), 405, "{method}");
        assert_eq!(response.headers()["allow"], "GET", "{method}");
        if method != reqwest::Method::HEAD {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error_code"], error_codes::METHOD_NOT_ALLOWED);
            assert!(said(&body).contains(method.as_str()), "{body}");
        }
    }
}

/// A request for `operation` on the emulator that the spec allows: every path parameter
/// `p`, every required query parameter and header `x`, the body `{}` where JSON is
/// documented (`--b--` for another media type), with `headers`.
fn documented_request(
    http: &reqwest::Client,
    base_url: &str,
    operation: &spec::operations::Operation,
    headers: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    let path: Vec<&str> = operation
        .path
        .split('/')
        .map(|segment| if segment.contains('{') { "p" } else { segment })
        .collect();
    let method = reqwest::Method::from_bytes(operation.method.as_bytes()).unwrap();
    let mut request = http.request(method, format!("{base_url}{}", path.join("/")));
    for parameter in operation.parameters() {
        match parameter.location {
            "query" if parameter.required => request = request.query(&[(parameter.name, "x")]),
            "header" if parameter.required => request = request.header(parameter.name, "x"),
            _ => {}
        }
    }
    if let Some((media, _)) = operation.request_body() {
        let body = if media.contains("json") {
            "{}"
        } else {
            "--b--"
        };
        request = request.header("content-type", media).body(body);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
}

/// Every operation of the spec is served: those the emulator has no behaviour for answer
/// their documented success once authenticated, as Prism does (the example of a response
/// with content, no body for one without: 204, or 200 without `content`), instead of 404;
/// a body that is not JSON where JSON is documented is a 400.
#[tokio::test]
async fn every_operation_of_the_spec_is_served_and_one_without_behaviour_with_its_documented_success()
 {
    let emulator = start(Config::default().token(TOKEN)).await;
    let http = http();
    let base = emulator.base_url();
    for operation in spec::operations::ALL {
        let id = operation.operation_id;
        let response = documented_request(&http, base, operation, &[])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{id} without credentials");
        let token = [("X-Auth-Token", TOKEN)];
        let response = documented_request(&http, base, operation, &token)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(![404, 405].contains(&status.as_u16()), "{id}: {status}");
        if operation.name == "list_sub_jobs" {
            continue; // The emulator's own behaviour, tested throughout this file.
        }
        let body = response.bytes().await.unwrap();
        match operation.success_status() {
            Some((key, false)) => {
                assert_eq!(status.as_u16(), key.parse().unwrap_or(200), "{id}");
                assert!(body.is_empty(), "{id}: {body:?}");
            }
            Some((key, true)) => match operation.example(key) {
                Some(example) => {
                    assert_eq!(status.as_u16(), key.parse().unwrap_or(200), "{id}");
                    let body: Value = serde_json::from_slice(&body).unwrap();
                    assert_eq!(
                        body,
                        serde_json::from_str::<Value>(example).unwrap(),
                        "{id}"
                    );
                }
                None => assert_eq!(status, 501, "{id}: {body:?}"),
            },
            None => assert_eq!(status, 501, "{id}: {body:?}"),
        }
        if operation
            .request_body()
            .is_some_and(|(media, _)| media.contains("json"))
        {
            let response = documented_request(&http, base, operation, &token)
                .body("not json")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 400, "{id} with a body that is not JSON");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error_code"], error_codes::INVALID_PARAMETER, "{id}");
        }
    }
}

/// What the compiled spec tables say of `ListSubJobs`, which the emulator reads to route and
/// answer every operation: its success, no request body, its parameters.
#[test]
fn the_spec_tables_describe_list_sub_jobs_for_the_emulator() {
    let list = &spec::operations::LIST_SUB_JOBS;
    assert_eq!(list.success_status(), Some(("200", true)));
    assert!(list.example("200").is_some());
    assert_eq!(list.request_body(), None);
    assert!(
        list.responses().contains(&("400", true)),
        "{:?}",
        list.responses()
    );
    let parameters: Vec<_> = list
        .parameters()
        .iter()
        .map(|p| (p.name, p.location, p.required, p.explode))
        .collect();
    assert!(
        parameters.contains(&("project_id", "path", true, None)),
        "{parameters:?}"
    );
    assert!(
        parameters.contains(&("job_type", "query", true, None)),
        "{parameters:?}"
    );
    assert!(
        parameters.contains(&("limit", "query", false, None)),
        "{parameters:?}"
    );
}

/// The signature covers the body: a body sent with `ListSubJobs` (which documents none) is
/// served when signed, refused when it changed after signing.
#[tokio::test]
async fn a_signed_body_must_be_the_body_sent() {
    let emulator = start(Config::default().ak_sk(AK, SK)).await;
    let http = http();
    let url = format!(
        "{}?job_type=CREATE_SERVER",
        list_url(emulator.base_url(), emulator.project_id())
    );
    let keys = AkSk::new(AK, SK);
    let mut request = http.get(&url).body(r#"{"a":1}"#).build().unwrap();
    signing::sign(&mut request, &keys, SystemTime::now()).unwrap();
    assert_eq!(http.execute(request).await.unwrap().status(), 200);

    let mut request = http.get(&url).body(r#"{"a":1}"#).build().unwrap();
    signing::sign(&mut request, &keys, SystemTime::now()).unwrap();
    *request.body_mut() = Some(r#"{"a":2}"#.into());
    let response = http.execute(request).await.unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert!(said(&body).contains("signature does not match"), "{body}");
}

#[tokio::test]
async fn requests_see_only_the_project_in_their_path_even_with_awkward_ids() {
    let emulator = start(Config::default().project_id("home")).await;
    let secs0 = SubJobPlan::succeeds(secs(0), secs(1));
    emulator.add_job(JobPlan::new(JobType::CreateServer).sub_job(secs0.clone()));
    let awkward = "other project/with %2F, ü+&?#";
    let elsewhere = emulator.add_job(
        JobPlan::new(JobType::CreateServer)
            .project_id(awkward)
            .sub_job(secs0.clone())
            .sub_job(secs0),
    );
    assert_eq!(elsewhere.project_id, awkward);
    let client = client(&emulator);
    let count_in = |project: &'static str| {
        let call = client
            .list_sub_jobs()
            .project_id(project)
            .job_type(JobTypeFilter::CreateServer);
        async move { call.send().await.unwrap().into_inner() }
    };
    assert_eq!(count_in("home").await.count, Some(1));
    let other = count_in("other project/with %2F, ü+&?#").await;
    assert_eq!(other.count, Some(2));
    assert!(
        other
            .items
            .iter()
            .all(|i| i.project_id.as_deref() == Some(awkward))
    );
    assert_eq!(count_in("nobody").await.count, Some(0));
}

#[tokio::test]
async fn a_configured_token_is_required_and_checked() {
    let emulator = start(Config::default().token(TOKEN)).await;
    let url = list_url(emulator.base_url(), "p");
    let query = "job_type=CREATE_SERVER";
    assert_eq!(
        raw_get(&url, query, &[("X-Auth-Token", TOKEN)]).await.0,
        200
    );

    let (status, _, body) = raw_get(&url, query, &[]).await;
    assert_eq!(status, 401);
    assert_eq!(body["error_code"], error_codes::UNAUTHORIZED);
    assert!(said(&body).contains("neither an X-Auth-Token"), "{body}");

    let (status, _, body) = raw_get(&url, query, &[("X-Auth-Token", "wrong-token")]).await;
    assert_eq!(status, 401);
    assert!(said(&body).contains("X-Auth-Token is not valid"), "{body}");
    assert!(!body.to_string().contains("wrong-token"));
    assert!(!body.to_string().contains(TOKEN));

    // The client's own token credentials work, through `client_builder`.
    served(servers(&client(&emulator))).await;
    // Every credential presented must hold: a valid token does not excuse a bad signature.
    let (status, _, body) = raw_get(
        &url,
        query,
        &[
            ("X-Auth-Token", TOKEN),
            ("Authorization", "Basic Zm9vOmJhcg=="),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert!(
        said(&body).contains("Authorization header is not"),
        "{body}"
    );
    // Authentication comes before validation: a bad query without credentials is a 401.
    assert_eq!(raw_get(&url, "limit=0", &[]).await.0, 401);
}

/// A client of the emulator signing with these keys.
fn signing_client(emulator: &Emulator, ak: &str, sk: &str) -> Client {
    ClientBuilder::new()
        .endpoint(emulator.base_url())
        .credentials(Credentials::ak_sk(ak, sk))
        .project_id(emulator.project_id())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn ak_sk_signatures_are_verified_with_the_same_algorithm() {
    let emulator = start(Config::default().ak_sk(AK, SK).jobs(5)).await;

    // A correctly signed request is served, with every parameter.
    let signed = signing_client(&emulator, AK, SK);
    served(
        servers(&signed)
            .status(SubJobStatus::Success)
            .job_id("a job id with spaces & symbols")
            .limit(100),
    )
    .await;

    let wrong_sk = refused(servers(&signing_client(
        &emulator,
        AK,
        "not-the-secret-key",
    )))
    .await;
    assert_eq!(wrong_sk.status, 401);
    assert_eq!(
        wrong_sk.error_code.as_deref(),
        Some(error_codes::UNAUTHORIZED)
    );
    let message = message_of(&wrong_sk);
    assert!(
        message.contains("verify aksk signature fail") && message.contains("check the SK"),
        "{message}"
    );
    assert!(
        !message.contains("not-the-secret-key") && !message.contains(SK) && !message.contains(AK)
    );
    assert!(wrong_sk.request_id.is_some());

    let unknown_ak = refused(servers(&signing_client(&emulator, "SOMEONEELSE", SK))).await;
    assert_eq!(unknown_ak.status, 401);
    assert!(
        message_of(&unknown_ak).contains("access key (AK) is unknown"),
        "{unknown_ak:?}"
    );

    // With both configured, either credential is accepted.
    let both = start(Config::default().ak_sk(AK, SK).token(TOKEN)).await;
    served(servers(&signing_client(&both, AK, SK))).await;
    let (status, _, _) = raw_get(
        &list_url(both.base_url(), "p"),
        "job_type=CREATE_SERVER",
        &[("X-Auth-Token", TOKEN)],
    )
    .await;
    assert_eq!(status, 200);

    // A token is no use where only keys are configured.
    let token_client = ClientBuilder::new()
        .endpoint(emulator.base_url())
        .credentials(Credentials::token(TOKEN))
        .project_id(emulator.project_id())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let token_refused = refused(servers(&token_client)).await;
    assert!(
        message_of(&token_refused).contains("accepts AK/SK signatures only"),
        "{token_refused:?}"
    );
}

#[tokio::test]
async fn a_stale_sdk_date_is_refused_and_a_skew_within_15_minutes_is_not() {
    let clock = ManualClock::new(SystemTime::now() + secs(20 * 60));
    let emulator = start(Config::default().ak_sk(AK, SK).clock(clock.clone())).await;
    // Signed by hand at this machine's time: the client would correct the skew (see
    // tests/clock_skew.rs), the emulator's refusal is what this test is about.
    let http = http();
    let url = format!(
        "{}?job_type=CREATE_SERVER",
        list_url(emulator.base_url(), emulator.project_id())
    );
    let mut request = http.get(url).build().unwrap();
    signing::sign(&mut request, &AkSk::new(AK, SK), SystemTime::now()).unwrap();
    let stale = http.execute(request).await.unwrap();
    assert_eq!(stale.status(), 401);
    let body: Value = stale.json().await.unwrap();
    assert!(
        said(&body).contains("X-Sdk-Date is more than 15 minutes away"),
        "{body}"
    );

    // The client's clock 10 minutes behind the emulator's is still fine.
    let client = signing_client(&emulator, AK, SK);
    clock.set(SystemTime::now() + secs(10 * 60));
    served(servers(&client)).await;
    // And so is 10 minutes ahead.
    clock.set(SystemTime::now() - secs(10 * 60));
    served(servers(&client)).await;
    // Accepted at once: no correction was needed.
    assert_eq!(emulator.requests_received(), 3);
    assert_eq!(client.clock_offset().magnitude(), Duration::ZERO);
}

/// A raw request signed by hand over the given headers, then sent with `sent_query`.
async fn hand_signed(
    emulator: &Emulator,
    signed: &[&str],
    signed_query: &str,
    sent_query: &str,
) -> (u16, Value) {
    hand_signed_with(emulator, &[], signed, signed_query, sent_query).await
}

/// A raw request carrying `extra` headers besides `host` and `x-sdk-date`, signed by hand
/// over `signed`, then sent with `sent_query`.
async fn hand_signed_with(
    emulator: &Emulator,
    extra: &[(&str, &str)],
    signed: &[&str],
    signed_query: &str,
    sent_query: &str,
) -> (u16, Value) {
    let url = reqwest::Url::parse(&format!(
        "{}?{signed_query}",
        list_url(emulator.base_url(), emulator.project_id())
    ))
    .unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_str(url.authority()).unwrap());
    let date = verify::format_sdk_date(SystemTime::now()).unwrap();
    headers.insert("x-sdk-date", HeaderValue::from_str(&date).unwrap());
    for (name, value) in extra {
        headers.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    let request = SignableRequest {
        method: "GET",
        path: url.path(),
        query: url.query(),
        headers: &headers,
        body_sha256: verify::EMPTY_BODY_SHA256,
    };
    let canonical = verify::canonical_request(&request, signed);
    let signature = verify::signature(SK.as_bytes(), &verify::string_to_sign(&date, &canonical));
    headers.insert(
        HeaderName::from_static("authorization"),
        HeaderValue::from_str(&verify::authorization(AK, signed, &signature)).unwrap(),
    );
    let mut sent = url.clone();
    sent.set_query(Some(sent_query));
    let response = http().get(sent).headers(headers).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_signature_must_cover_host_and_date_and_the_request_as_sent() {
    let emulator = start(Config::default().ak_sk(AK, SK)).await;
    let query = "job_type=CREATE_SERVER&limit=1";
    let (status, _) = hand_signed(&emulator, &["host", "x-sdk-date"], query, query).await;
    assert_eq!(
        status, 200,
        "a request signed by hand as Huawei's SDKs do is served"
    );

    let (status, body) = hand_signed(&emulator, &["x-sdk-date"], query, query).await;
    assert_eq!(status, 401);
    assert!(
        said(&body).contains("must cover the host and x-sdk-date"),
        "{body}"
    );

    let (status, body) = hand_signed(
        &emulator,
        &["host", "x-sdk-date"],
        query,
        "job_type=CREATE_SERVER&limit=2",
    )
    .await;
    assert_eq!(status, 401, "a query changed after signing");
    assert!(said(&body).contains("signature does not match"), "{body}");

    let url = list_url(emulator.base_url(), "p");
    let (status, _, body) = raw_get(&url, query, &[("Authorization", "Bearer abc")]).await;
    assert_eq!(status, 401);
    assert!(
        said(&body).contains("Authorization header is not"),
        "{body}"
    );
}

const SECURITY_TOKEN: &str = "emulator-test-security-token";

#[tokio::test]
async fn temporary_credentials_need_the_security_token_and_it_signed() {
    let emulator = start(Config::default().temporary(AK, SK, SECURITY_TOKEN).jobs(3)).await;

    // The client's temporary credentials, through `client_builder`, and given by hand.
    served(servers(&client(&emulator))).await;
    let temporary = ClientBuilder::new()
        .endpoint(emulator.base_url())
        .credentials(Credentials::temporary(AK, SK, SECURITY_TOKEN))
        .project_id(emulator.project_id())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    served(servers(&temporary)).await;

    // The same keys without the security token.
    let permanent = refused(servers(&signing_client(&emulator, AK, SK))).await;
    assert_eq!(permanent.status, 401);
    assert_eq!(
        permanent.error_code.as_deref(),
        Some(error_codes::UNAUTHORIZED)
    );
    assert!(
        message_of(&permanent).contains("no X-Security-Token"),
        "{permanent:?}"
    );

    // Another security token.
    let other = ClientBuilder::new()
        .endpoint(emulator.base_url())
        .credentials(Credentials::temporary(AK, SK, "another-security-token"))
        .project_id(emulator.project_id())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let wrong = refused(servers(&other)).await;
    assert_eq!(wrong.status, 401);
    let message = message_of(&wrong);
    assert!(
        message.contains("X-Security-Token is not valid"),
        "{message}"
    );
    assert!(!message.contains("another-security-token") && !message.contains(SECURITY_TOKEN));

    // The right security token, sent but left out of the signature.
    let query = "job_type=CREATE_SERVER";
    let token = [("x-security-token", SECURITY_TOKEN)];
    let (status, body) =
        hand_signed_with(&emulator, &token, &["host", "x-sdk-date"], query, query).await;
    assert_eq!(status, 401);
    assert!(
        said(&body).contains("x-security-token must be among the signed headers"),
        "{body}"
    );
    assert!(!body.to_string().contains(SECURITY_TOKEN));
    // Signed, it is served.
    let signed = ["host", "x-sdk-date", "x-security-token"];
    let (status, body) = hand_signed_with(&emulator, &token, &signed, query, query).await;
    assert_eq!(status, 200, "{body}");

    // An IAM token needs no security token (it is not a signed request).
    let both = start(
        Config::default()
            .temporary(AK, SK, SECURITY_TOKEN)
            .token(TOKEN),
    )
    .await;
    let (status, _, _) = raw_get(
        &list_url(both.base_url(), "p"),
        query,
        &[("X-Auth-Token", TOKEN)],
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn x_project_id_must_be_signed_when_present() {
    let emulator = start(Config::default().ak_sk(AK, SK)).await;
    let query = "job_type=CREATE_SERVER";
    let project = [("x-project-id", emulator.project_id())];
    let (status, body) =
        hand_signed_with(&emulator, &project, &["host", "x-sdk-date"], query, query).await;
    assert_eq!(status, 401);
    assert_eq!(body["error_code"], error_codes::UNAUTHORIZED);
    assert!(
        said(&body).contains("x-project-id must be among the signed headers"),
        "{body}"
    );
    let signed = ["host", "x-project-id", "x-sdk-date"];
    let (status, body) = hand_signed_with(&emulator, &project, &signed, query, query).await;
    assert_eq!(status, 200, "{body}");
    // The client sends X-Project-Id and signs it.
    served(servers(&client(&emulator))).await;
}

#[tokio::test]
async fn sub_jobs_progress_with_the_clock_and_speed() {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + secs(1_700_000_000));
    let emulator = start(Config::default().clock(clock.clone()).speed(2.0)).await;
    // Nominal 2 s waiting + 4 s running; at speed 2, 1 s + 2 s of emulator time.
    let job = emulator.add_job(
        JobPlan::new(JobType::ReinstallOs)
            .sub_job(SubJobPlan::succeeds(secs(2), secs(4)))
            .sub_job(
                SubJobPlan::fails(secs(2), secs(2), "WKS.00129901", "unavailable")
                    .phase(SubJobStatus::Rollback, secs(4)),
            ),
    );
    let client = client(&emulator);
    let statuses = || {
        let call = client
            .sub_jobs()
            .job_type(JobTypeFilter::ReinstallOs)
            .job_id(job.job_id.clone());
        async move {
            let page = call.send().await.unwrap().into_inner();
            page.items.iter().map(status_of).collect::<Vec<_>>()
        }
    };
    use SubJobStatus::{Failed, Rollback, Running, Success, Waiting};
    assert_eq!(statuses().await, [Some(Waiting), Some(Waiting)]);
    clock.advance(Duration::from_millis(1000));
    assert_eq!(statuses().await, [Some(Running), Some(Running)]);
    clock.advance(Duration::from_millis(1000));
    assert_eq!(statuses().await, [Some(Running), Some(Rollback)]);
    clock.advance(Duration::from_millis(1000));
    assert_eq!(statuses().await, [Some(Success), Some(Rollback)]);
    clock.advance(Duration::from_millis(1000));
    assert_eq!(statuses().await, [Some(Success), Some(Failed)]);

    // The handle reads the same state, with times in the service's format.
    let state = emulator.job(&job.job_id);
    assert_eq!(
        state[0].begin_time.as_deref(),
        Some("2023-11-14T22:13:20.000Z")
    );
    assert_eq!(
        state[0].end_time.as_deref(),
        Some("2023-11-14T22:13:23.000Z")
    );
    assert_eq!(
        state[1].end_time.as_deref(),
        Some("2023-11-14T22:13:24.000Z")
    );
    assert_eq!(state[1].error_code.as_deref(), Some("WKS.00129901"));
    assert_eq!(state[0].error_code, None);
}

#[tokio::test(start_paused = true)]
async fn tokio_paused_time_drives_the_lifecycle() {
    let emulator = start(Config::default().clock(workspace_app_mock::Clock::tokio())).await;
    let job = emulator.add_job(
        JobPlan::new(JobType::CreateServer).sub_job(SubJobPlan::succeeds(secs(5), secs(10))),
    );
    let status = || status_of(&emulator.job(&job.job_id)[0]);
    assert_eq!(status(), Some(SubJobStatus::Waiting));
    tokio::time::advance(secs(5)).await;
    assert_eq!(status(), Some(SubJobStatus::Running));
    tokio::time::advance(secs(10)).await;
    assert_eq!(status(), Some(SubJobStatus::Success));
}

#[tokio::test]
async fn the_same_seed_gives_the_same_jobs_and_faults() {
    let faults = Faults {
        internal_error_rate: 0.2,
        unavailable_rate: 0.2,
        throttled_rate: 0.2,
        ..Faults::default()
    };
    let run = |seed: u64| {
        let faults = faults.clone();
        async move {
            let emulator = start(Config::default().seed(seed).jobs(10).faults(faults)).await;
            let url = list_url(emulator.base_url(), emulator.project_id());
            let mut statuses = Vec::new();
            for _ in 0..40 {
                let (status, headers, _) = raw_get(&url, "job_type=CREATE_SERVER", &[]).await;
                if status == 429 {
                    assert_eq!(headers["retry-after"], "1");
                }
                statuses.push(status);
            }
            let ids: Vec<_> = emulator.sub_jobs().into_iter().map(|s| s.id).collect();
            (statuses, ids)
        }
    };
    let (first, ids) = run(11).await;
    assert_eq!((first.clone(), ids.clone()), run(11).await);
    let (other, other_ids) = run(12).await;
    assert_ne!(first, other);
    assert_ne!(ids, other_ids);
    for status in [200, 429, 500, 503] {
        assert!(first.contains(&status), "{status} in {first:?}");
    }
}

#[tokio::test]
async fn scripted_failures_exercise_the_clients_retries() {
    let emulator = start(Config::default().token(TOKEN)).await;
    emulator.fail_next(2, StatusCode::SERVICE_UNAVAILABLE);
    let patient = emulator
        .client_builder()
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    // The third attempt succeeds.
    served(servers(&patient)).await;
    assert_eq!(emulator.requests_received(), 3);

    emulator.fail_next(1, StatusCode::INTERNAL_SERVER_ERROR);
    let error = refused(servers(&client(&emulator))).await;
    assert_eq!(error.status, 500);
    assert_eq!(
        error.error_code.as_deref(),
        Some(error_codes::INTERNAL_ERROR)
    );

    emulator.fail_next(1, StatusCode::BAD_GATEWAY);
    let (status, _, body) = raw_get(
        &list_url(emulator.base_url(), "p"),
        "job_type=CREATE_SERVER",
        &[],
    )
    .await;
    assert_eq!(status, 502);
    assert_eq!(body["error_code"], error_codes::INTERNAL_ERROR);
    assert_eq!(body["error_msg"], "Bad Gateway (injected by the emulator)");

    emulator
        .set_faults(Faults {
            unavailable_rate: 1.0,
            retry_after: Some(Duration::from_millis(1500)),
            ..Faults::default()
        })
        .unwrap();
    let (status, headers, body) = raw_get(
        &list_url(emulator.base_url(), "p"),
        "job_type=CREATE_SERVER",
        &[],
    )
    .await;
    assert_eq!(
        status, 503,
        "faults come before authentication, like a gateway's"
    );
    assert_eq!(headers["retry-after"], "2", "rounded up to whole seconds");
    assert_eq!(body["error_code"], error_codes::SERVICE_UNAVAILABLE);
    assert!(
        emulator
            .set_faults(Faults {
                throttled_rate: 2.0,
                ..Faults::default()
            })
            .is_err()
    );
}

#[tokio::test]
async fn every_response_carries_a_fresh_request_id() {
    let emulator = start(Config::default().token(TOKEN)).await;
    let url = list_url(emulator.base_url(), "p");
    let base = emulator.base_url().to_string();
    let mut ids = HashSet::new();
    let mut seen = |headers: &HeaderMap| {
        let id = headers["x-request-id"].to_str().unwrap().to_string();
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(ids.insert(id), "request IDs are unique");
    };
    seen(
        &raw_get(&url, "job_type=CREATE_SERVER", &[("X-Auth-Token", TOKEN)])
            .await
            .1,
    );
    seen(&raw_get(&url, "limit=0", &[("X-Auth-Token", TOKEN)]).await.1);
    seen(&raw_get(&url, "job_type=CREATE_SERVER", &[]).await.1);
    seen(&raw_get(&format!("{base}/nowhere"), "", &[]).await.1);
    seen(http().post(&url).send().await.unwrap().headers());
    emulator.fail_next(1, StatusCode::TOO_MANY_REQUESTS);
    seen(&raw_get(&url, "job_type=CREATE_SERVER", &[]).await.1);
    assert_eq!(ids.len(), 6);
    // The client reports it with errors.
    emulator.fail_next(1, StatusCode::SERVICE_UNAVAILABLE);
    let error = refused(servers(&client(&emulator))).await;
    assert_eq!(error.request_id.map(|id| id.len()), Some(32));
}

#[tokio::test]
async fn bad_settings_are_refused_and_secrets_stay_out_of_debug() {
    for config in [
        Config::default().speed(0.0),
        Config::default().speed(f64::NAN),
        Config::default().token(""),
        Config::default().ak_sk("ak", ""),
        Config::default().temporary("ak", "sk", ""),
        Config::default().project_id(""),
        Config::default().header_timeout(Duration::ZERO),
        Config::default().header_timeout(Duration::MAX),
        Config::default().max_connections(0),
        Config::default().faults(Faults {
            internal_error_rate: -0.1,
            ..Faults::default()
        }),
    ] {
        let error = workspace_app_mock::start(config).await.unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("invalid emulator configuration"),
            "{error}"
        );
    }
    let config = Config::default().token("TOKEN-SECRET").temporary(
        "AK-SECRET",
        "SK-SECRET",
        "SECURITY-TOKEN-SECRET",
    );
    let shown = format!("{config:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    let emulator = start(config).await;
    assert!(!format!("{emulator:?}").contains("SECRET"));
}
