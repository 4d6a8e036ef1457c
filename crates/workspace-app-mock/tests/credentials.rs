//! The client's credential chain, refresh and project ID lookup against the emulator's ECS
//! metadata and IAM endpoints. Everything talks to 127.0.0.1 only.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::time::Duration;

use futures_util::future::join_all;
use workspace_app_client::types::{JobType, JobTypeFilter};
use workspace_app_client::{
    BuildError, ClientBuilder, CredentialSource, CredentialsChain, CredentialsError,
    DisplayErrorChain, Error, ProjectLookupError,
};
use workspace_app_mock::{Config, DEFAULT_REGION, Emulator, JobPlan, ManualClock, SubJobPlan};
use workspace_app_test_support::logs::capture as capture_logs;
use workspace_app_test_support::scratch;

mod support;

use support::{http_without_timers, servers, start, start_on_paused_time};

const MINUTE: Duration = Duration::from_secs(60);

/// Credentials from the emulator's metadata endpoint only (no environment, no file), and
/// the project ID from its IAM, with no timers (safe on paused time).
fn chain_builder(emulator: &Emulator) -> ClientBuilder {
    ClientBuilder::new()
        .credentials_chain(
            CredentialsChain::empty()
                .metadata_endpoint(emulator.base_url())
                .metadata_timeout(None),
        )
        .region(emulator.region())
        .endpoint(emulator.base_url())
        .iam_endpoint(emulator.base_url())
        .timeout(None)
        .http_client(http_without_timers())
}

#[tokio::test(start_paused = true)]
async fn a_long_wait_keeps_working_across_credential_rotations() {
    // Credentials live 6 minutes; the job takes 12: the client must refresh mid-wait (with
    // less than 5 minutes left), and the emulator refuses credentials once expired.
    let emulator =
        start_on_paused_time(Config::default().metadata_credentials(6 * MINUTE).iam()).await;
    let job = emulator.add_job(
        JobPlan::new(JobType::CreateServer).sub_job(SubJobPlan::succeeds(MINUTE, 11 * MINUTE)),
    );
    let client = chain_builder(&emulator)
        .build_async()
        .await
        .expect("credentials from metadata, project ID from IAM");
    assert_eq!(client.project_id(), Some(emulator.project_id()));
    assert!(matches!(
        client.credential_source(),
        Some(CredentialSource::Metadata(url)) if url == emulator.base_url()
    ));
    assert_eq!(emulator.metadata_credentials_issued(), 1);
    // The metadata session token was asked for, and accepted with the GET.
    assert_eq!(emulator.metadata_session_tokens_issued(), 1);
    let shown = format!("{client:?}");
    assert!(shown.contains("source: Metadata("), "{shown}");
    assert!(
        !shown.contains("securitytoken") && !shown.contains("secret"),
        "{shown}"
    );

    let started = tokio::time::Instant::now();
    let outcome = client
        .wait_for_job(JobTypeFilter::CreateServer, &job.job_id)
        .poll_interval(30 * Duration::from_secs(1))
        .max_poll_interval(30 * Duration::from_secs(1))
        .timeout(2 * 60 * MINUTE)
        .await
        .unwrap_or_else(|e| panic!("the wait succeeds: {}", DisplayErrorChain(&e)));
    assert!(started.elapsed() >= 12 * MINUTE, "{:?}", started.elapsed());
    assert!(outcome.polls > 20, "{}", outcome.polls);
    // Fresh for the first minute of each 6, then refreshed once: 1 + about 12 / 1.
    let issued = emulator.metadata_credentials_issued();
    // (9 when measured: every 1.5 minutes, the first poll after the credentials' first
    // minute.)
    assert!((6..=13).contains(&issued), "{issued} credentials issued");
    // One session token (reused for 5 hours) served every refresh.
    assert_eq!(emulator.metadata_session_tokens_issued(), 1);
}

#[tokio::test]
async fn concurrent_requests_fetch_credentials_once() {
    let emulator = start(Config::default().metadata_credentials(60 * MINUTE)).await;
    // `build` fetches nothing: the first requests do, and only one of them.
    let client = chain_builder(&emulator)
        .project_id(emulator.project_id())
        .build()
        .expect("built");
    assert_eq!(emulator.metadata_credentials_issued(), 0);
    let calls = (0..8).map(|_| servers(&client).send());
    for result in join_all(calls).await {
        result.expect("signed with the metadata credentials");
    }
    assert_eq!(emulator.metadata_credentials_issued(), 1);
}

#[tokio::test(start_paused = true)]
async fn concurrent_requests_near_expiry_refresh_once() {
    let emulator = start_on_paused_time(Config::default().metadata_credentials(6 * MINUTE)).await;
    let client = chain_builder(&emulator)
        .project_id(emulator.project_id())
        .build_async()
        .await
        .expect("built");
    assert_eq!(emulator.metadata_credentials_issued(), 1);
    // 4.5 minutes left: inside the refresh window, still valid.
    tokio::time::advance(MINUTE + MINUTE / 2).await;
    let calls = (0..8).map(|_| servers(&client).send());
    for result in join_all(calls).await {
        result.expect("signed with valid credentials");
    }
    assert_eq!(emulator.metadata_credentials_issued(), 2);
    // Fresh again: no more fetches.
    servers(&client).send().await.expect("signed");
    assert_eq!(emulator.metadata_credentials_issued(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_failed_refresh_keeps_the_valid_credentials_and_is_tried_again_later() {
    let emulator = start_on_paused_time(Config::default().metadata_credentials(6 * MINUTE)).await;
    let client = chain_builder(&emulator)
        .project_id(emulator.project_id())
        .retry(workspace_app_client::RetryPolicy::disabled())
        .build_async()
        .await
        .expect("built");
    let send = || servers(&client).send();
    tokio::time::advance(MINUTE + MINUTE / 2).await;
    // The refresh gets a 500; the request goes on with the keys in hand, still valid.
    emulator.fail_next(1, workspace_app_mock::StatusCode::INTERNAL_SERVER_ERROR);
    send().await.expect("signed with the current keys");
    assert_eq!(emulator.metadata_credentials_issued(), 1);
    // Not tried again at once...
    send().await.expect("signed");
    assert_eq!(emulator.metadata_credentials_issued(), 1);
    // ...but 10 seconds later.
    tokio::time::advance(Duration::from_secs(10)).await;
    send().await.expect("signed with new keys");
    assert_eq!(emulator.metadata_credentials_issued(), 2);
}

/// Temporary credentials revoked or rotated early are refused (401) for as long as the
/// provider would serve them from its cache: a 401 fetches new ones and tries once more,
/// once per call, and concurrent calls refused together fetch once.
#[tokio::test]
async fn a_401_fetches_new_temporary_credentials_and_tries_once_more() {
    let emulator = start(Config::default().metadata_credentials(60 * MINUTE)).await;
    let client = chain_builder(&emulator)
        .project_id(emulator.project_id())
        .retry(workspace_app_client::RetryPolicy::disabled())
        .build_async()
        .await
        .expect("built, with credentials fetched");
    let send = || servers(&client).send();
    send().await.expect("signed with the first credentials");
    assert_eq!(emulator.metadata_credentials_issued(), 1);

    emulator.revoke_metadata_credentials();
    let (logs, outcome) = capture_logs(send()).await;
    outcome.expect("signed again with new credentials, within the same call");
    assert_eq!(emulator.metadata_credentials_issued(), 2);
    assert!(
        logs.contains("refused the temporary credentials (401): fetching new ones"),
        "{logs}"
    );
    send().await.expect("the new credentials are kept");
    assert_eq!(emulator.metadata_credentials_issued(), 2);

    // Several calls refused at once: one fetch serves them all.
    emulator.revoke_metadata_credentials();
    for result in join_all((0..6).map(|_| send())).await {
        result.expect("signed again");
    }
    assert_eq!(emulator.metadata_credentials_issued(), 3);
}

/// Once per call: a service that refuses whatever credentials are sent (here, keys from
/// another emulator's metadata endpoint, which it never issued) gets two requests of the
/// call, and the 401 stands.
#[tokio::test]
async fn a_401_that_new_credentials_do_not_cure_stands() {
    let metadata = start(Config::default().metadata_credentials(60 * MINUTE)).await;
    let service = start(Config::default().metadata_credentials(60 * MINUTE)).await;
    let client = chain_builder(&metadata)
        .endpoint(service.base_url())
        .project_id(service.project_id())
        .retry(workspace_app_client::RetryPolicy::disabled())
        .build_async()
        .await
        .expect("built");
    let error = Error::from(servers(&client).send().await.expect_err("refused twice"));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401), "{error:?}");
    assert_eq!(service.requests_received(), 2);
    assert_eq!(metadata.metadata_credentials_issued(), 2);
}

#[tokio::test(start_paused = true)]
async fn callers_queued_behind_a_failed_fetch_take_its_error_instead_of_fetching_again() {
    let emulator = start_on_paused_time(Config::default().metadata_credentials(60 * MINUTE)).await;
    let client = chain_builder(&emulator)
        .project_id(emulator.project_id())
        .retry(workspace_app_client::RetryPolicy::disabled())
        .build()
        .expect("built: nothing fetched yet");
    let send = || servers(&client).send();
    // The metadata service fails every request for now.
    emulator.fail_next(1000, workspace_app_mock::StatusCode::INTERNAL_SERVER_ERROR);
    for result in join_all((0..8).map(|_| send())).await {
        let error = Error::from(result.expect_err("no credentials"));
        assert!(matches!(error, Error::Credentials(_)), "{error:?}");
    }
    let after_eight = emulator.requests_received();
    // One fetch, 10 seconds later, costs as many requests as the eight callers made.
    tokio::time::advance(Duration::from_secs(10)).await;
    send().await.expect_err("still failing");
    let one_fetch = emulator.requests_received() - after_eight;
    assert!(one_fetch >= 1);
    assert_eq!(
        after_eight, one_fetch,
        "eight callers fetched more than once"
    );
}

/// A metadata service that never answers cannot stretch a wait past its timeout, even with
/// no timeout of the metadata client's own.
#[tokio::test]
async fn a_silent_metadata_service_cannot_stretch_a_wait() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metadata = format!("http://{}", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut connections = Vec::new();
        while let Ok((connection, _)) = silent.accept().await {
            connections.push(connection);
        }
    });
    let emulator = start(Config::default()).await;
    let client = ClientBuilder::new()
        .credentials_chain(
            CredentialsChain::empty()
                .metadata_endpoint(metadata)
                .metadata_timeout(None),
        )
        .endpoint(emulator.base_url())
        .project_id(emulator.project_id())
        .build()
        .expect("built");
    let started = std::time::Instant::now();
    let result = tokio::time::timeout(
        Duration::from_secs(20),
        client
            .wait_for_job(JobTypeFilter::CreateServer, "job-1")
            .timeout(Duration::from_secs(1))
            .into_future(),
    )
    .await
    .expect("the wait ends within 20 s");
    let elapsed = started.elapsed();
    assert!(
        matches!(
            result,
            Err(workspace_app_client::WaitError::TimedOut { .. })
        ),
        "{result:?}"
    );
    let bound =
        Duration::from_secs(1) + workspace_app_client::LAST_POLL_ALLOWANCE + Duration::from_secs(2);
    assert!(elapsed < bound, "{elapsed:?} is past {bound:?}");
    held.abort();
}

#[tokio::test]
async fn expired_credentials_are_refused_by_the_emulator_and_replaced() {
    let clock = ManualClock::new(std::time::SystemTime::now());
    let emulator = start(
        Config::default()
            .clock(clock.clone())
            .metadata_credentials(10 * MINUTE),
    )
    .await;
    let client = chain_builder(&emulator)
        .project_id(emulator.project_id())
        .build_async()
        .await
        .expect("built");
    let send = || servers(&client).send();
    send().await.expect("accepted while valid");
    // The emulator's clock runs ahead of the client's: the credentials it still holds for
    // valid have expired there. The 401 fetches new ones.
    clock.advance(11 * MINUTE);
    let before = emulator.requests_received();
    let (logs, outcome) = capture_logs(send()).await;
    outcome.expect("refused once expired, then signed with new credentials");
    assert!(
        logs.contains("refused the temporary credentials (401)"),
        "{logs}"
    );
    assert_eq!(emulator.metadata_credentials_issued(), 2);
    // The refused call, the metadata endpoint (a session token and the keys), the call.
    assert!(emulator.requests_received() - before >= 3);
}

#[tokio::test]
async fn no_project_in_the_region_is_a_clear_error() {
    let emulator = start(Config::default().metadata_credentials(60 * MINUTE).iam()).await;
    let error = chain_builder(&emulator)
        .region("cn-north-4")
        .endpoint(emulator.base_url())
        .build_async()
        .await
        .expect_err("IAM has no project named cn-north-4");
    let BuildError::ProjectLookup(ProjectLookupError::NoProject {
        region, trace_id, ..
    }) = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(region, "cn-north-4");
    assert_eq!(trace_id.as_deref(), Some("emulator-trace"));
    let message = error.to_string();
    assert!(
        message.contains("--project-id") && message.contains("cn-north-4"),
        "{message}"
    );
    assert_ne!(DEFAULT_REGION, "cn-north-4");
}

#[tokio::test]
async fn iam_refuses_an_unsigned_or_badly_signed_lookup() {
    let emulator = start(
        Config::default()
            .ak_sk("PERMANENT-AK", "PERMANENT-SK")
            .iam(),
    )
    .await;
    // A client of the emulator's API and IAM, in its region, with no project ID.
    let looking_up = |sk: &str| {
        ClientBuilder::new()
            .credentials(workspace_app_client::Credentials::ak_sk("PERMANENT-AK", sk))
            .region(DEFAULT_REGION)
            .endpoint(emulator.base_url())
            .iam_endpoint(emulator.base_url())
            .build_async()
    };
    let error = looking_up("WRONG-SK")
        .await
        .expect_err("a wrong SK is refused by IAM");
    let shown = DisplayErrorChain(&error).to_string();
    assert!(shown.contains("401"), "{shown}");
    assert!(!shown.contains("WRONG-SK"), "{shown}");
    // With the right keys, the project is found: permanent keys look it up too.
    let client = looking_up("PERMANENT-SK").await.expect("found");
    assert_eq!(client.project_id(), Some(emulator.project_id()));
}

#[tokio::test]
async fn a_chain_that_finds_nothing_names_every_source() {
    // A port nothing listens on: the metadata request fails at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let metadata = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let scratch = scratch::dir();
    let missing = scratch.path().join("no-credentials-file");
    let error = ClientBuilder::new()
        .credentials_chain(
            CredentialsChain::empty()
                .credentials_file(&missing)
                .metadata_endpoint(&metadata),
        )
        .endpoint("http://127.0.0.1:1")
        .project_id("p")
        .build_async()
        .await
        .expect_err("no credentials anywhere");
    let BuildError::Credentials(CredentialsError::NotFound { tried }) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(tried.len(), 2, "{tried:?}");
    let message = error.to_string();
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
    assert!(message.contains(&metadata), "{message}");

    // Built without I/O (`build`), the first request finds nothing and says the same.
    let client = ClientBuilder::new()
        .credentials_chain(
            CredentialsChain::empty()
                .credentials_file(&missing)
                .metadata_endpoint(&metadata),
        )
        .endpoint("http://127.0.0.1:1")
        .project_id("p")
        .build()
        .expect("nothing fetched yet");
    let error = Error::from(
        servers(&client)
            .send()
            .await
            .expect_err("no credentials anywhere"),
    );
    let Error::Credentials(CredentialsError::NotFound { tried }) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(tried.len(), 2, "{tried:?}");
}
