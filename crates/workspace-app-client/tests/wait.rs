//! `wait_for_job` on paused tokio time: when it polls, what ends it, what it reports.
//! Elapsed times are virtual: they count the poll pauses, never wall-clock speed.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio::time::Instant;
use wiremock::{MockServer, ResponseTemplate};
use workspace_app_client::types::JobTypeFilter;
use workspace_app_client::{DisplayErrorChain, Error, StatusCounts, SubJobPhase, WaitError};

use support::client;
use workspace_app_test_support::samples::{failed, sub_job};
use workspace_app_test_support::servers::{ok, query_int, serve};

const SECOND: Duration = Duration::from_secs(1);

/// A server whose answer to poll `n` (0-based) is `script[n]`, the last one repeated.
async fn scripted(script: Vec<Vec<Value>>) -> MockServer {
    serve(move |_, n| {
        let items = script[n.min(script.len() - 1)].clone();
        ok(Some(items.len() as i64), items)
    })
    .await
}

async fn polls(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test(start_paused = true)]
async fn polls_at_once_then_backs_off_until_every_sub_job_succeeds() {
    let server = scripted(vec![
        vec![sub_job("a", "WAITING"), sub_job("b", "RUNNING")],
        vec![sub_job("a", "RUNNING"), sub_job("b", "SUCCESS")],
        vec![sub_job("a", "SUCCESS"), sub_job("b", "SUCCESS")],
    ])
    .await;
    let started = Instant::now();
    let outcome = client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .poll_interval(5 * SECOND)
        .await
        .expect("the job succeeds");
    // Polls at 0 s, 5 s and 5 + 10 s.
    assert_eq!(started.elapsed(), 15 * SECOND);
    assert_eq!(outcome.elapsed, 15 * SECOND);
    assert_eq!(outcome.polls, 3);
    assert_eq!(outcome.sub_jobs.len(), 2);
    assert_eq!(polls(&server).await, 3);
    let request = &server.received_requests().await.unwrap()[0];
    let query = request.url.query().unwrap();
    assert!(query.contains("job_id=job-1") && query.contains("job_type=CREATE_SERVER"));
}

#[tokio::test(start_paused = true)]
async fn the_pause_doubles_up_to_the_maximum() {
    let running = vec![sub_job("a", "RUNNING")];
    let server = scripted(vec![
        running.clone(),
        running.clone(),
        running.clone(),
        running.clone(),
        vec![sub_job("a", "SUCCESS")],
    ])
    .await;
    let outcome = client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .poll_interval(5 * SECOND)
        .max_poll_interval(20 * SECOND)
        .await
        .unwrap();
    // Pauses of 5, 10, 20 and 20 s.
    assert_eq!(outcome.elapsed, 55 * SECOND);
    assert_eq!(outcome.polls, 5);
}

#[tokio::test(start_paused = true)]
async fn a_failed_sub_job_fails_the_wait_once_all_have_finished_with_its_error() {
    let server = scripted(vec![
        vec![
            failed("a", "WKS.00129901", "no capacity"),
            sub_job("b", "RUNNING"),
        ],
        vec![
            failed("a", "WKS.00129901", "no capacity"),
            sub_job("b", "SUCCESS"),
        ],
    ])
    .await;
    let error = client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .await
        .unwrap_err();
    let WaitError::Failed {
        failed, sub_jobs, ..
    } = &error
    else {
        panic!("expected a failure, got {error:?}");
    };
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].error_code.as_deref(), Some("WKS.00129901"));
    assert_eq!(failed[0].error_message.as_deref(), Some("no capacity"));
    assert_eq!(sub_jobs.len(), 2);
    assert_eq!(polls(&server).await, 2, "it waited for b to finish");
    assert_eq!(
        error.to_string(),
        "CREATE_SERVER job job-1 failed: 1 of 2 sub-jobs failed; \
         sub-job a FAILED WKS.00129901: no capacity"
    );
}

#[tokio::test(start_paused = true)]
async fn fail_fast_ends_on_the_first_failure_and_abnormal_is_a_failure() {
    let server = scripted(vec![vec![
        sub_job("a", "ABNORMAL"),
        sub_job("b", "RUNNING"),
    ]])
    .await;
    let started = Instant::now();
    let error = client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .fail_fast(true)
        .await
        .unwrap_err();
    assert!(matches!(&error, WaitError::Failed { failed, .. } if failed.len() == 1));
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(polls(&server).await, 1);
}

#[tokio::test(start_paused = true)]
async fn a_timeout_carries_the_last_seen_state_and_the_last_poll_is_at_the_deadline() {
    let server = scripted(vec![vec![sub_job("a", "RUNNING"), sub_job("b", "SUCCESS")]]).await;
    let started = Instant::now();
    let error = client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .poll_interval(5 * SECOND)
        .timeout(60 * SECOND)
        .await
        .unwrap_err();
    // Polls at 0, 5, 15, 35, then at the deadline instead of at 75.
    assert_eq!(started.elapsed(), 60 * SECOND);
    assert_eq!(polls(&server).await, 5);
    let WaitError::TimedOut {
        waited,
        polls,
        last_seen,
        last_error,
        ..
    } = &error
    else {
        panic!("expected a timeout, got {error:?}");
    };
    assert_eq!((*waited, *polls), (60 * SECOND, 5));
    assert_eq!(last_seen.len(), 2);
    assert!(last_error.is_none());
    assert_eq!(
        error.to_string(),
        "gave up waiting for CREATE_SERVER job job-1 after 1m (5 polls); \
         last seen: 1 RUNNING, 1 SUCCESS"
    );
}

#[tokio::test(start_paused = true)]
async fn an_unknown_status_is_not_finished_and_shows_as_sent() {
    let server = scripted(vec![vec![sub_job("a", "PAUSED")]]).await;
    let error = client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .timeout(30 * SECOND)
        .await
        .unwrap_err();
    assert!(matches!(error, WaitError::TimedOut { .. }), "{error:?}");
    assert!(
        error.to_string().ends_with("last seen: 1 PAUSED"),
        "{error}"
    );

    let server = scripted(vec![
        vec![sub_job("a", "PAUSED")],
        vec![sub_job("a", "SUCCESS")],
    ])
    .await;
    let outcome = client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .await
        .unwrap();
    assert_eq!(outcome.polls, 2);
}

#[tokio::test(start_paused = true)]
async fn a_job_without_sub_jobs_yet_is_pending() {
    let server = scripted(vec![vec![], vec![], vec![sub_job("a", "SUCCESS")]]).await;
    let outcome = client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .poll_interval(SECOND)
        .await
        .unwrap();
    assert_eq!((outcome.polls, outcome.elapsed), (3, 3 * SECOND));

    let server = scripted(vec![vec![]]).await;
    let error = client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .timeout(10 * SECOND)
        .await
        .unwrap_err();
    assert!(
        error.to_string().ends_with("last seen: no sub-jobs"),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn one_sub_job_can_be_waited_for_alone() {
    let server = scripted(vec![
        vec![sub_job("a", "FAILED")],
        vec![sub_job("a", "FAILED"), sub_job("b", "RUNNING")],
        vec![sub_job("a", "FAILED"), sub_job("b", "SUCCESS")],
    ])
    .await;
    let outcome = client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .sub_job("b")
        .await
        .expect("b succeeded; a does not matter");
    assert_eq!(outcome.polls, 3, "b was missing, then running, then done");
    assert_eq!(outcome.sub_jobs.len(), 1);
    assert_eq!(outcome.sub_jobs[0].id.as_deref(), Some("b"));
    assert_eq!(
        outcome.target.to_string(),
        "sub-job b of CREATE_SERVER job job-1"
    );
}

#[tokio::test(start_paused = true)]
async fn every_page_of_a_large_job_counts() {
    let server = serve(|request, _| {
        let offset = query_int(request, "offset").unwrap_or(0);
        let items: Vec<Value> = (offset..150.min(offset + 100))
            .map(|i| {
                sub_job(
                    &format!("s-{i}"),
                    if i == 149 { "RUNNING" } else { "SUCCESS" },
                )
            })
            .collect();
        ok(Some(150), items)
    })
    .await;
    let error = client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .timeout(SECOND)
        .await
        .unwrap_err();
    assert_eq!(error.sub_jobs().len(), 150);
    assert!(
        error
            .to_string()
            .ends_with("last seen: 1 RUNNING, 149 SUCCESS"),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_poll_error_that_may_pass_is_skipped_any_other_ends_the_wait() {
    let server = serve(|_, n| match n {
        0 => ResponseTemplate::new(503).set_body_json(json!({"error_code": "WKS.0503"})),
        _ => ok(Some(1), vec![sub_job("a", "SUCCESS")]),
    })
    .await;
    let outcome = client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .await
        .unwrap();
    assert_eq!(outcome.polls, 2);

    let server = serve(|_, _| {
        ResponseTemplate::new(403)
            .set_body_json(json!({"error_code": "WKS.0403", "error_msg": "denied"}))
    })
    .await;
    let started = Instant::now();
    let error = client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .await
        .unwrap_err();
    let WaitError::Api { source, .. } = &error else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(source.error_code(), Some("WKS.0403"));
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(polls(&server).await, 1);
    // Converted for callers returning the crate's error, the API error is kept as it is.
    assert_eq!(Error::from(error).error_code(), Some("WKS.0403"));

    let server =
        serve(|_, _| ResponseTemplate::new(503).set_body_json(json!({"error_msg": "busy"}))).await;
    let error = client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .timeout(20 * SECOND)
        .await
        .unwrap_err();
    let WaitError::TimedOut { last_error, .. } = &error else {
        panic!("expected a timeout, got {error:?}");
    };
    assert_eq!(
        last_error
            .as_ref()
            .and_then(Error::status)
            .map(|s| s.as_u16()),
        Some(503)
    );
    assert!(
        error.to_string().ends_with("; the last poll failed"),
        "{error}"
    );
    // The last poll's error is the timeout's source: the chain shows it once.
    let chain = DisplayErrorChain(&error).to_string();
    assert!(
        chain
            .contains("; the last poll failed: the service answered 503 Service Unavailable: busy"),
        "{chain}"
    );
    assert_eq!(chain.matches("busy").count(), 1, "{chain}");
    // Converted for callers returning the crate's error, the wait error is kept whole.
    let converted = Error::from(error);
    assert!(
        matches!(&converted, Error::Wait(wait) if matches!(**wait, WaitError::TimedOut { .. })),
        "{converted:?}"
    );
    assert_eq!(DisplayErrorChain(&converted).to_string(), chain);
}

// An outer `tokio::time::timeout` would be a timer pending during the first request, which
// paused time jumps to at once; these tests cancel on a signal instead.

#[tokio::test(start_paused = true)]
async fn dropping_the_wait_during_a_pause_stops_it() {
    let server = scripted(vec![vec![sub_job("a", "RUNNING")]]).await;
    let client = client(&server);
    let second_poll = Arc::new(Notify::new());
    let signal = Arc::clone(&second_poll);
    let wait = client
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .poll_interval(5 * SECOND)
        .on_progress(move |progress| {
            if progress.polls == 2 {
                signal.notify_one();
            }
        });
    tokio::select! {
        result = wait => panic!("the job never finishes, yet: {result:?}"),
        () = second_poll.notified() => {}
    }
    assert_eq!(polls(&server).await, 2);
    // Nothing was left running to poll again.
    tokio::time::sleep(3600 * SECOND).await;
    assert_eq!(polls(&server).await, 2);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_wait_during_a_request_abandons_it() {
    let in_flight = Arc::new(Notify::new());
    let signal = Arc::clone(&in_flight);
    let server = serve(move |_, n| {
        let running = ok(Some(1), vec![sub_job("a", "RUNNING")]);
        if n == 1 {
            // Poll 2 is answered late (in real time, on the server's own thread).
            signal.notify_one();
            return running.set_delay(Duration::from_millis(300));
        }
        running
    })
    .await;
    let client = client(&server);
    let wait = client
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .poll_interval(5 * SECOND);
    tokio::select! {
        result = wait => panic!("the job never finishes, yet: {result:?}"),
        () = in_flight.notified() => {}
    }
    tokio::time::sleep(3600 * SECOND).await;
    assert_eq!(polls(&server).await, 2, "no poll after the drop");
}

#[tokio::test(start_paused = true)]
async fn progress_is_reported_after_every_poll() {
    let server = scripted(vec![
        vec![sub_job("a", "WAITING"), sub_job("b", "RUNNING")],
        vec![sub_job("a", "SUCCESS"), sub_job("b", "RUNNING")],
        vec![sub_job("a", "SUCCESS"), sub_job("b", "SUCCESS")],
    ])
    .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    client(&server)
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .poll_interval(SECOND)
        .on_progress(move |progress| {
            let counts = StatusCounts::of(progress.sub_jobs);
            record.lock().unwrap().push((
                progress.polls,
                progress.elapsed,
                counts.to_string(),
                counts.in_phase(SubJobPhase::Succeeded),
            ));
        })
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(
        *seen,
        [
            (1, Duration::ZERO, "1 WAITING, 1 RUNNING".to_string(), 0),
            (2, SECOND, "1 RUNNING, 1 SUCCESS".to_string(), 1),
            (3, 3 * SECOND, "2 SUCCESS".to_string(), 2),
        ]
    );
}
