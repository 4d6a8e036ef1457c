//! The waiter against a model, on inputs nobody chose: proptest draws what the server
//! answers to each request (a snapshot of the job's sub-jobs, in any of the documented
//! statuses, a status newer than the crate or none, sub-jobs appearing and vanishing
//! between polls, sometimes over 100 of them so that a poll reads two pages and the job may
//! change between the two; or an error, retryable or not, with or without `Retry-After`), a
//! timeout (0 to 60 s, or `Duration::MAX`), a poll interval and its maximum, `fail_fast`,
//! one sub-job or all, `max_sub_jobs`, and the client's attempts. A local server answers
//! from the script (the n-th request gets the n-th answer, the last one repeated); the wait
//! runs on paused tokio time, so the clock is part of the model, on a thread of its own that
//! must end within a real-time limit (a hang fails the case). 64 cases, fixed seed.
//!
//! The model is the documented behaviour (README "Wait for a job", the CLI README's status
//! table, `JobWaiter`, `SubJobPhase`): the first poll at once, then pauses from
//! `poll_interval` doubling up to `max_poll_interval`, the last poll at the deadline and its
//! result counting; `SUCCESS` for all → `Ok`; all finished and some `FAILED`/`ABNORMAL` (or
//! any of them at once with `fail_fast`) → `Failed` with those sub-jobs; `WAITING`,
//! `RUNNING`, `ROLLBACK`, `ABORTING`, an unknown status, no status and no sub-jobs yet →
//! still going; a poll reads every page (the listing's end rules); a retryable poll error
//! (after the client's retries, whose `Retry-After` pauses end before the deadline's
//! allowance) is skipped and the last seen sub-jobs stay those of the last complete poll,
//! any other error ends the wait as `Api`; more than `max_sub_jobs` read →
//! `TooManySubJobs`; still going at the deadline → `TimedOut` with the last seen sub-jobs
//! and the last poll's error.
//!
//! Checked on every case: the verdict (with its sub-jobs, failed sub-jobs, polls, elapsed
//! time, last error), the progress reported after each poll (when, what, whether it
//! failed), the number of requests, and the time the wait took all equal the model's; and,
//! whatever the model says, the wait ends by its deadline: elapsed ≤ timeout +
//! `LAST_POLL_ALLOWANCE` (polls take no virtual time here, but the client's `Retry-After`
//! pauses do).

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

mod model;
mod support;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};
use tokio::time::Instant;
use wiremock::ResponseTemplate;
use workspace_app_client::types::{JobDetailInfo, JobTypeFilter};
use workspace_app_client::{LAST_POLL_ALLOWANCE, MIN_POLL_INTERVAL, RetryPolicy, WaitError};
use workspace_app_test_support::samples::sub_job;
use workspace_app_test_support::servers::{ok, query_int, serve};

// ---------------------------------------------------------------------------------------
// The input.

#[derive(Debug, Clone)]
struct Case {
    /// The answer to request `n` is `script[n]`, the last one repeated.
    script: Vec<Answer>,
    /// `None`: `Duration::MAX`, a timeout too long to represent (then the script ends in
    /// an answer that ends the wait).
    timeout_ms: Option<u64>,
    poll_interval_ms: u64,
    max_poll_interval_ms: u64,
    fail_fast: bool,
    /// Wait for sub-job `s-<n>` only.
    sub_job: Option<u8>,
    max_sub_jobs: Option<u64>,
    /// The client's attempts per request (no backoff: only `Retry-After` pauses).
    attempts: u32,
}

#[derive(Debug, Clone)]
enum Answer {
    /// The job's sub-jobs, as they are when the request arrives.
    Snapshot(Snapshot),
    Error {
        status: u16,
        /// `Retry-After` in seconds.
        retry_after: Option<u8>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Status {
    Waiting,
    Running,
    Success,
    Failed,
    Abnormal,
    Rollback,
    Aborting,
    /// A status newer than the crate.
    Unknown,
    /// No `status` at all.
    Missing,
}

impl Status {
    fn wire(self) -> Option<&'static str> {
        Some(match self {
            Status::Waiting => "WAITING",
            Status::Running => "RUNNING",
            Status::Success => "SUCCESS",
            Status::Failed => "FAILED",
            Status::Abnormal => "ABNORMAL",
            Status::Rollback => "ROLLBACK",
            Status::Aborting => "ABORTING",
            Status::Unknown => "PAUSED",
            Status::Missing => return None,
        })
    }

    /// The CLI README's table: finished, failed, or still going.
    fn finished(self) -> bool {
        matches!(self, Status::Success | Status::Failed | Status::Abnormal)
    }

    fn failed(self) -> bool {
        matches!(self, Status::Failed | Status::Abnormal)
    }
}

/// Sub-jobs `s-0`, `s-1`...: `successes` in `SUCCESS`, then one in each status of `tail`.
/// Over 100 of them take two pages per poll, and the job may change between the two.
#[derive(Debug, Clone)]
struct Snapshot {
    successes: usize,
    tail: Vec<Status>,
}

impl Snapshot {
    fn len(&self) -> usize {
        self.successes + self.tail.len()
    }

    /// The sub-jobs from `offset`, at most `limit`.
    fn page(&self, offset: usize, limit: usize) -> Vec<(usize, Status)> {
        (offset..self.len().min(offset + limit))
            .map(|i| {
                let status = match i.checked_sub(self.successes) {
                    Some(t) => self.tail[t],
                    None => Status::Success,
                };
                (i, status)
            })
            .collect()
    }
}

impl Case {
    fn answer(&self, request: usize) -> &Answer {
        &self.script[request.min(self.script.len() - 1)]
    }

    fn timeout(&self) -> Option<Duration> {
        self.timeout_ms.map(Duration::from_millis)
    }
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        4 => Just(Status::Success),
        2 => Just(Status::Running),
        1 => Just(Status::Waiting),
        1 => Just(Status::Failed),
        1 => Just(Status::Abnormal),
        1 => Just(Status::Rollback),
        1 => Just(Status::Aborting),
        1 => Just(Status::Unknown),
        1 => Just(Status::Missing),
    ]
}

fn answer() -> impl Strategy<Value = Answer> {
    let error_status = prop_oneof![
        3 => Just(503u16),
        2 => Just(429u16),
        2 => Just(500u16),
        1 => Just(502u16),
        1 => Just(504u16),
        1 => Just(403u16),
        1 => Just(404u16),
        1 => Just(400u16),
    ];
    let retry_after = prop_oneof![2 => Just(None), 1 => (0u8..=3).prop_map(Some)];
    prop_oneof![
        5 => (prop_oneof![6 => Just(0usize), 1 => 96usize..=150], vec(status(), 0..=4))
            .prop_map(|(successes, tail)| Answer::Snapshot(Snapshot { successes, tail })),
        1 => (error_status, retry_after)
            .prop_map(|(status, retry_after)| Answer::Error { status, retry_after }),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let timeout_ms = prop_oneof![
        2 => Just(Some(0u64)),
        4 => (0u64..=60).prop_map(|s| Some(s * 1000)),
        4 => (0u64..=60_000).prop_map(Some),
        1 => Just(None),
    ];
    let poll_interval_ms = prop_oneof![(1u64..=10).prop_map(|s| s * 1000), 0u64..=10_000,];
    let max_poll_interval_ms = prop_oneof![(1u64..=30).prop_map(|s| s * 1000), 1_000u64..=30_000,];
    (
        vec(answer(), 1..=8),
        timeout_ms,
        poll_interval_ms,
        max_poll_interval_ms,
        any::<bool>(),
        prop_oneof![3 => Just(None), 1 => (0u8..4).prop_map(Some)],
        prop_oneof![6 => Just(None), 2 => (1u64..=4).prop_map(Some), 1 => (99u64..=160).prop_map(Some)],
        1u32..=3,
    )
        .prop_map(
            |(
                script,
                timeout_ms,
                poll_interval_ms,
                max_poll_interval_ms,
                fail_fast,
                sub_job,
                max_sub_jobs,
                attempts,
            )| Case {
                // A wait without a deadline needs an answer that ends it.
                script: match timeout_ms {
                    Some(_) => script,
                    None => {
                        let mut script = script;
                        script.push(Answer::Snapshot(Snapshot {
                            successes: 4,
                            tail: Vec::new(),
                        }));
                        script
                    }
                },
                timeout_ms,
                poll_interval_ms,
                max_poll_interval_ms,
                fail_fast,
                sub_job,
                max_sub_jobs,
                attempts,
            },
        )
}

// ---------------------------------------------------------------------------------------
// The model.

/// How a wait ended; sub-jobs as `"s-0 RUNNING"` (`-` for no status).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Succeeded {
        sub_jobs: Vec<String>,
        polls: u32,
        elapsed: Duration,
    },
    Failed {
        failed: Vec<String>,
        sub_jobs: Vec<String>,
    },
    TimedOut {
        waited: Duration,
        polls: u32,
        last_seen: Vec<String>,
        last_error: Option<u16>,
    },
    TooManySubJobs {
        limit: u64,
    },
    Api {
        status: Option<u16>,
    },
    Other(String),
}

/// One `on_progress` call: polls so far, elapsed, whether the poll failed, the sub-jobs.
type Progress = (u32, Duration, bool, Vec<String>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Run {
    verdict: Verdict,
    progress: Vec<Progress>,
    requests: usize,
    elapsed: Duration,
}

fn describe(index: usize, status: Status) -> String {
    format!("s-{index} {}", status.wire().unwrap_or("-"))
}

/// Statuses 429 and 5xx may pass (`Error::is_retryable`).
fn retryable(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// What the model went through, for the coverage report: retries, and time paused in them.
#[derive(Debug, Default)]
struct Notes {
    retries: usize,
    paused: Duration,
    /// Polls that went on to a second page.
    second_pages: usize,
}

fn predict(case: &Case, notes: &mut Notes) -> Run {
    let ms = Duration::from_millis;
    let timeout = case.timeout();
    let cutoff = timeout.map(|timeout| timeout + LAST_POLL_ALLOWANCE);
    let mut interval = ms(case.poll_interval_ms).max(MIN_POLL_INTERVAL);
    let max_interval = ms(case.max_poll_interval_ms).max(interval);
    let max_sub_jobs = case.max_sub_jobs.unwrap_or(10_000);
    let mut clock = Clock {
        now: Duration::ZERO,
        requests: 0,
    };
    let mut polls = 0;
    let mut last_seen: Vec<(usize, Status)> = Vec::new();
    let mut progress = Vec::new();
    let names = |sub_jobs: &[(usize, Status)]| -> Vec<String> {
        sub_jobs.iter().map(|&(i, s)| describe(i, s)).collect()
    };
    let end = |verdict, progress, clock: Clock| Run {
        verdict,
        progress,
        requests: clock.requests,
        elapsed: clock.now,
    };
    loop {
        polls += 1;
        let error = match poll(case, max_sub_jobs, cutoff, &mut clock, notes) {
            Ok(read) => {
                // "as soon as a poll reads one more"
                if read.len() as u64 > max_sub_jobs {
                    let verdict = Verdict::TooManySubJobs {
                        limit: max_sub_jobs,
                    };
                    return end(verdict, progress, clock);
                }
                last_seen = read
                    .into_iter()
                    .filter(|&(i, _)| case.sub_job.is_none_or(|j| usize::from(j) == i))
                    .collect();
                None
            }
            // A poll that may pass is skipped: the last seen sub-jobs stay as they were.
            Err(status) if retryable(status) => Some(status),
            Err(status) => {
                let verdict = Verdict::Api {
                    status: Some(status),
                };
                return end(verdict, progress, clock);
            }
        };
        let now = clock.now;
        progress.push((polls, now, error.is_some(), names(&last_seen)));
        if error.is_none() {
            let any_failed = last_seen.iter().any(|(_, s)| s.failed());
            let all_finished = !last_seen.is_empty() && last_seen.iter().all(|(_, s)| s.finished());
            if any_failed && (all_finished || case.fail_fast) {
                let failed: Vec<_> = last_seen
                    .iter()
                    .copied()
                    .filter(|(_, s)| s.failed())
                    .collect();
                let verdict = Verdict::Failed {
                    failed: names(&failed),
                    sub_jobs: names(&last_seen),
                };
                return end(verdict, progress, clock);
            }
            if all_finished {
                let verdict = Verdict::Succeeded {
                    sub_jobs: names(&last_seen),
                    polls,
                    elapsed: now,
                };
                return end(verdict, progress, clock);
            }
        }
        if let Some(timeout) = timeout
            && now >= timeout
        {
            let verdict = Verdict::TimedOut {
                waited: now,
                polls,
                last_seen: names(&last_seen),
                last_error: error,
            };
            return end(verdict, progress, clock);
        }
        // The pause before the last poll is cut short: that poll is at the deadline.
        clock.now = timeout.map_or(now + interval, |timeout| (now + interval).min(timeout));
        interval = (interval * 2).min(max_interval);
    }
}

/// The virtual time, and the requests sent so far (the server answers by number).
#[derive(Debug, Clone, Copy)]
struct Clock {
    now: Duration,
    requests: usize,
}

/// One poll: every page of the job's sub-jobs, at most `max_sub_jobs` and one more, ending
/// on `count` or a short page (the listing's rules); the sub-jobs read, or the status of the
/// request that failed.
fn poll(
    case: &Case,
    max_sub_jobs: u64,
    cutoff: Option<Duration>,
    clock: &mut Clock,
    notes: &mut Notes,
) -> Result<Vec<(usize, Status)>, u16> {
    let max_end = usize::try_from(max_sub_jobs.saturating_add(1)).unwrap_or(usize::MAX);
    let mut read = Vec::new();
    let mut smallest_count = usize::MAX;
    loop {
        let offset = read.len();
        let limit = 100.min(max_end - offset);
        let snapshot = call(case, cutoff, clock, notes)?;
        let page = snapshot.page(offset, limit);
        let full = page.len() >= limit;
        smallest_count = smallest_count.min(snapshot.len());
        read.extend(page);
        if !full || read.len() >= max_end.min(smallest_count) {
            return Ok(read);
        }
        notes.second_pages += 1;
    }
}

/// One request and the client's retries: up to `attempts` on a status that may pass,
/// each after its `Retry-After` (no backoff here) if that pause ends within the retry budget
/// (30 s) and before the deadline in force (the wait's, plus the allowance).
fn call<'c>(
    case: &'c Case,
    cutoff: Option<Duration>,
    clock: &mut Clock,
    notes: &mut Notes,
) -> Result<&'c Snapshot, u16> {
    let started = clock.now;
    let mut sent = 0;
    loop {
        let answer = case.answer(clock.requests);
        clock.requests += 1;
        sent += 1;
        match answer {
            Answer::Snapshot(snapshot) => return Ok(snapshot),
            &Answer::Error {
                status,
                retry_after,
            } => {
                let pause = Duration::from_secs(retry_after.unwrap_or(0).into());
                let stop = !retryable(status)
                    || sent >= case.attempts
                    || (clock.now - started) + pause > Duration::from_secs(30)
                    || cutoff.is_some_and(|cutoff| pause >= cutoff.saturating_sub(clock.now));
                if stop {
                    return Err(status);
                }
                clock.now += pause;
                notes.retries += 1;
                notes.paused += pause;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The server and one run.

fn respond(case: &Case, request: &wiremock::Request, n: usize) -> ResponseTemplate {
    match case.answer(n) {
        Answer::Snapshot(snapshot) => {
            let offset = query_int(request, "offset").unwrap_or(0);
            let limit = query_int(request, "limit").unwrap_or(10);
            let items: Vec<Value> = snapshot
                .page(offset, limit)
                .into_iter()
                .map(|(i, status)| {
                    let id = format!("s-{i}");
                    let mut job = sub_job(&id, status.wire().unwrap_or(""));
                    match status.wire() {
                        None => {
                            job.as_object_mut().unwrap().remove("status");
                        }
                        Some(_) if status.failed() => {
                            job["error_code"] = json!(format!("WKS.{i}"));
                            job["error_message"] = json!(format!("sub-job {i} broke"));
                        }
                        Some(_) => {}
                    }
                    job
                })
                .collect();
            ok(Some(snapshot.len() as i64), items)
        }
        Answer::Error {
            status,
            retry_after,
        } => {
            let body = json!({"error_code": format!("WKS.{status}"), "error_msg": "scripted"});
            let response = ResponseTemplate::new(*status).set_body_json(body);
            match retry_after {
                Some(seconds) => response.insert_header("retry-after", seconds.to_string()),
                None => response,
            }
        }
    }
}

fn names(sub_jobs: &[JobDetailInfo]) -> Vec<String> {
    sub_jobs
        .iter()
        .map(|job| {
            let status = job
                .status
                .as_ref()
                .map_or("-".to_string(), ToString::to_string);
            format!("{} {status}", job.id.as_deref().unwrap_or("?"))
        })
        .collect()
}

async fn wait(case: Case) -> Run {
    let script = case.clone();
    let server = serve(move |request, n| respond(&script, request, n)).await;
    let retry = RetryPolicy::default()
        .max_attempts(case.attempts)
        .initial_backoff(Duration::ZERO)
        .max_backoff(Duration::ZERO);
    let client = support::paused_time_builder(&server.uri())
        .retry(retry)
        .build()
        .unwrap();
    let progress = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&progress);
    let ms = Duration::from_millis;
    let mut waiter = client
        .wait_for_job(JobTypeFilter::CreateServer, "job-1")
        .timeout(case.timeout().unwrap_or(Duration::MAX))
        .poll_interval(ms(case.poll_interval_ms))
        .max_poll_interval(ms(case.max_poll_interval_ms))
        .fail_fast(case.fail_fast)
        .on_progress(move |p| {
            let seen: Progress = (p.polls, p.elapsed, p.error.is_some(), names(p.sub_jobs));
            record.lock().unwrap().push(seen);
        });
    if let Some(j) = case.sub_job {
        waiter = waiter.sub_job(format!("s-{j}"));
    }
    if let Some(max) = case.max_sub_jobs {
        waiter = waiter.max_sub_jobs(max);
    }
    let started = Instant::now();
    let result = waiter.await;
    let elapsed = started.elapsed();
    let verdict = match result {
        Ok(outcome) => Verdict::Succeeded {
            sub_jobs: names(&outcome.sub_jobs),
            polls: outcome.polls,
            elapsed: outcome.elapsed,
        },
        Err(WaitError::Failed {
            failed, sub_jobs, ..
        }) => Verdict::Failed {
            failed: names(&failed),
            sub_jobs: names(&sub_jobs),
        },
        Err(WaitError::TimedOut {
            waited,
            polls,
            last_seen,
            last_error,
            ..
        }) => Verdict::TimedOut {
            waited,
            polls,
            last_seen: names(&last_seen),
            last_error: last_error.and_then(|e| e.status()).map(|s| s.as_u16()),
        },
        Err(WaitError::TooManySubJobs { limit, .. }) => Verdict::TooManySubJobs { limit },
        Err(WaitError::Api { source, .. }) => Verdict::Api {
            status: source.status().map(|s| s.as_u16()),
        },
        Err(other) => Verdict::Other(format!("{other:?}")),
    };
    let requests = server.received_requests().await.unwrap().len();
    let progress = progress.lock().unwrap().clone();
    Run {
        verdict,
        progress,
        requests,
        elapsed,
    }
}

/// Runs the wait on paused time, on a thread of its own, within a real-time limit.
fn run(case: &Case) -> Result<Run, TestCaseError> {
    let (sender, receiver) = mpsc::channel();
    let case = case.clone();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        let _ = sender.send(runtime.block_on(wait(case)));
    });
    match receiver.recv_timeout(model::HANG_AFTER) {
        Ok(run) => {
            thread.join().unwrap();
            Ok(run)
        }
        Err(mpsc::RecvTimeoutError::Timeout) => Err(TestCaseError::fail(format!(
            "the wait did not end within {:?} of real time",
            model::HANG_AFTER
        ))),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let panic = thread.join().err().map(|payload| {
                payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(ToString::to_string))
                    .unwrap_or_default()
            });
            Err(TestCaseError::fail(format!("the wait panicked: {panic:?}")))
        }
    }
}

// ---------------------------------------------------------------------------------------
// The properties.

fn check_case(case: &Case, got: &Run) -> Result<(), TestCaseError> {
    // Whatever the server does, the wait ends by its deadline and the allowance.
    if let Some(timeout) = case.timeout() {
        prop_assert!(
            got.elapsed <= timeout + LAST_POLL_ALLOWANCE,
            "the wait took {:?}, timeout {timeout:?} + allowance {LAST_POLL_ALLOWANCE:?}",
            got.elapsed
        );
    }
    let mut notes = Notes::default();
    let expected = predict(case, &mut notes);
    prop_assert_eq!(&got.verdict, &expected.verdict, "the verdict");
    prop_assert_eq!(
        &got.progress,
        &expected.progress,
        "the progress after each poll"
    );
    prop_assert_eq!(got.requests, expected.requests, "the requests");
    prop_assert_eq!(got.elapsed, expected.elapsed, "the time the wait took");

    let kind = match &got.verdict {
        Verdict::Succeeded { .. } => "succeeded",
        Verdict::Failed { .. } if case.fail_fast => "failed (fail_fast)",
        Verdict::Failed { .. } => "failed",
        Verdict::TimedOut {
            last_error: Some(_),
            ..
        } => "timed out after a failed poll",
        Verdict::TimedOut { .. } => "timed out",
        Verdict::TooManySubJobs { .. } => "too many sub-jobs",
        Verdict::Api { .. } => "api error",
        Verdict::Other(_) => "other",
    };
    model::note(kind);
    if got.progress.len() > 1 {
        model::note("more than one poll");
    }
    if let Some(timeout) = case.timeout() {
        if got.progress.iter().any(|p| p.1 == timeout) && got.progress.len() > 1 {
            model::note("a poll at the deadline");
        }
        if got.elapsed > timeout {
            model::note("ended in the allowance");
        }
    } else {
        model::note("no deadline (Duration::MAX)");
    }
    if notes.second_pages > 0 {
        model::note("polls of two pages");
    }
    if notes.retries > 0 {
        model::note("client retries");
    }
    if notes.paused > Duration::ZERO {
        model::note("Retry-After pauses");
    }
    Ok(())
}

#[test]
fn the_waiter_reaches_the_documented_verdict_by_its_deadline() {
    model::check("wait model", 0x5EED_0002, case(), |case| {
        let got = run(&case)?;
        check_case(&case, &got)
    });
}
