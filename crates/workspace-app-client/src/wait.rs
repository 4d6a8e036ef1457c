//! Waiting for the sub-jobs of an asynchronous job to finish: [`JobWaiter`], and what
//! each status means for a wait: [`SubJobPhase`].

use std::collections::BTreeMap;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::time::Instant;

use crate::types::{JobDetailInfo, JobTypeFilter, SubJobStatus};
use crate::{Client, Error, Extensible, deadline};

/// How long a wait lasts unless told otherwise: 10 minutes.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(600);
/// The first pause between two polls unless told otherwise: 5 seconds.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// The longest pause between two polls unless told otherwise: 60 seconds.
pub const DEFAULT_MAX_POLL_INTERVAL: Duration = Duration::from_secs(60);
/// The shortest pause between two polls; a shorter interval is raised to it.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_millis(1);
/// How long past the deadline a poll may still take: the last poll starts at the deadline.
pub const LAST_POLL_ALLOWANCE: Duration = Duration::from_secs(1);

/// Where a sub-job stands, as far as waiting goes: which statuses end a wait, and how.
///
/// | status | phase | why |
/// |---|---|---|
/// | `SUCCESS` | [`Succeeded`](SubJobPhase::Succeeded) | finished |
/// | `FAILED` | [`Failed`](SubJobPhase::Failed) | finished with an error (`error_code`, `error_message`) |
/// | `ABNORMAL` | [`Failed`](SubJobPhase::Failed) | the service documents no way out of it, so waiting longer would only run into the timeout |
/// | `WAITING`, `RUNNING` | [`Pending`](SubJobPhase::Pending) | queued or in progress |
/// | `ROLLBACK`, `ABORTING` | [`Pending`](SubJobPhase::Pending) | being rolled back or cancelled: still moving, towards a final status |
/// | a status newer than this crate ([`Extensible::Unknown`]), or none | [`Pending`](SubJobPhase::Pending) | it may be transitional, and a wait never ends on a guess; if it stays, the timeout error shows it as the raw string the server sent |
///
/// A job whose sub-job list is empty is pending too: its sub-jobs may not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubJobPhase {
    /// Not finished yet (or a status this crate cannot judge).
    Pending,
    /// Finished: `SUCCESS`.
    Succeeded,
    /// Finished without success: `FAILED` or `ABNORMAL`.
    Failed,
}

impl SubJobPhase {
    /// The phase of a sub-job with this status.
    pub fn of(status: Option<&Extensible<SubJobStatus>>) -> SubJobPhase {
        match status.and_then(Extensible::known) {
            Some(SubJobStatus::Success) => SubJobPhase::Succeeded,
            Some(SubJobStatus::Failed | SubJobStatus::Abnormal) => SubJobPhase::Failed,
            Some(
                SubJobStatus::Waiting
                | SubJobStatus::Running
                | SubJobStatus::Rollback
                | SubJobStatus::Aborting,
            )
            | None => SubJobPhase::Pending,
        }
    }

    /// Whether the sub-job has finished, successfully or not.
    pub fn is_terminal(self) -> bool {
        self != SubJobPhase::Pending
    }
}

/// What is being waited for: every sub-job of a job, or one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitTarget {
    /// The job type the sub-jobs are listed with.
    pub job_type: JobTypeFilter,
    /// The job.
    pub job_id: String,
    /// The one sub-job waited for, if not all of them.
    pub sub_job_id: Option<String>,
}

impl fmt::Display for WaitTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(sub_job) = &self.sub_job_id {
            write!(f, "sub-job {sub_job} of ")?;
        }
        write!(f, "{} job {}", self.job_type, self.job_id)
    }
}

/// How many sub-jobs are in each status, in the spec's order of statuses, then statuses
/// newer than this crate, then sub-jobs without one. Displays as `2 RUNNING, 1 SUCCESS`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusCounts(BTreeMap<StatusKey, usize>);

/// Orders sub-jobs without a status last (`false` < `true`), after every status.
type StatusKey = (bool, Option<Extensible<SubJobStatus>>);

impl StatusCounts {
    /// Counts the statuses of `sub_jobs`.
    pub fn of(sub_jobs: &[JobDetailInfo]) -> StatusCounts {
        let mut counts = BTreeMap::new();
        for sub_job in sub_jobs {
            let key = (sub_job.status.is_none(), sub_job.status.clone());
            *counts.entry(key).or_insert(0) += 1;
        }
        StatusCounts(counts)
    }

    /// `(status as the server sent it, or "no status", count)` pairs, in display order.
    pub fn iter(&self) -> impl Iterator<Item = (String, usize)> + '_ {
        self.0.iter().map(|((_, status), &n)| {
            let name = status
                .as_ref()
                .map_or_else(|| "no status".to_string(), ToString::to_string);
            (name, n)
        })
    }

    /// How many sub-jobs are in this phase.
    pub fn in_phase(&self, phase: SubJobPhase) -> usize {
        self.0
            .iter()
            .filter(|((_, status), _)| SubJobPhase::of(status.as_ref()) == phase)
            .map(|(_, n)| n)
            .sum()
    }
}

impl fmt::Display for StatusCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("no sub-jobs");
        }
        for (i, (status, n)) in self.iter().enumerate() {
            let separator = if i == 0 { "" } else { ", " };
            write!(f, "{separator}{n} {status}")?;
        }
        Ok(())
    }
}

/// What one poll saw, handed to [`JobWaiter::on_progress`].
#[derive(Debug)]
#[non_exhaustive]
pub struct WaitProgress<'p> {
    /// Polls so far, this one included.
    pub polls: u32,
    /// Time since the wait started.
    pub elapsed: Duration,
    /// The sub-jobs waited for, as last seen (by this poll, or an earlier one if this one
    /// failed).
    pub sub_jobs: &'p [JobDetailInfo],
    /// The error of this poll, when it failed in a way that may pass (see
    /// [`JobWaiter`]).
    pub error: Option<&'p Error>,
}

/// A wait that ended with every sub-job waited for in `SUCCESS`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JobOutcome {
    /// What was waited for.
    pub target: WaitTarget,
    /// The sub-jobs waited for, as the last poll saw them.
    pub sub_jobs: Vec<JobDetailInfo>,
    /// Polls in all.
    pub polls: u32,
    /// Time from the start of the wait to the last poll.
    pub elapsed: Duration,
}

/// Why a wait did not end in success.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// Sub-jobs finished in `FAILED` or `ABNORMAL`.
    #[error("{target} failed: {}", describe_failures(failed, sub_jobs.len()))]
    Failed {
        /// What was waited for.
        target: WaitTarget,
        /// The failed sub-jobs, with their `error_code` and `error_message`.
        failed: Vec<JobDetailInfo>,
        /// Every sub-job waited for, as the last poll saw them.
        sub_jobs: Vec<JobDetailInfo>,
    },
    /// The timeout passed before the sub-jobs finished.
    #[error(
        "gave up waiting for {target} after {waited:?} ({polls} polls); last seen: {}{}",
        StatusCounts::of(last_seen),
        last_error.as_ref().map(|e| format!("; the last poll failed: {e}")).unwrap_or_default()
    )]
    TimedOut {
        /// What was waited for.
        target: WaitTarget,
        /// Time from the start of the wait to the end of the last poll.
        waited: Duration,
        /// Polls in all.
        polls: u32,
        /// The sub-jobs waited for, as the last successful poll saw them.
        last_seen: Vec<JobDetailInfo>,
        /// The error of the last poll, if it failed.
        last_error: Option<Error>,
    },
    /// A poll failed in a way that waiting cannot mend (bad credentials, a bad request,
    /// a missing project ID...).
    #[error("cannot poll {target}: {source}")]
    Api {
        /// What was waited for.
        target: WaitTarget,
        /// The error.
        source: Error,
    },
}

impl WaitError {
    /// The sub-jobs as last seen, whatever the error.
    pub fn sub_jobs(&self) -> &[JobDetailInfo] {
        match self {
            WaitError::Failed { sub_jobs, .. } => sub_jobs,
            WaitError::TimedOut { last_seen, .. } => last_seen,
            WaitError::Api { .. } => &[],
        }
    }
}

/// Keeps the message (and the API error itself), for callers whose functions return
/// [`Error`].
impl From<WaitError> for Error {
    fn from(error: WaitError) -> Self {
        match error {
            WaitError::Api { source, .. } => source,
            other => Error::Other(other.to_string()),
        }
    }
}

/// At most this many failed sub-jobs are described in a message; the error keeps them all.
const DESCRIBED_FAILURES: usize = 3;

fn describe_failures(failed: &[JobDetailInfo], total: usize) -> String {
    let mut text = format!("{} of {total} sub-jobs failed", failed.len());
    for sub_job in failed.iter().take(DESCRIBED_FAILURES) {
        let id = sub_job.id.as_deref().unwrap_or("(no id)");
        let status = sub_job
            .status
            .as_ref()
            .map_or_else(|| "no status".to_string(), ToString::to_string);
        text.push_str(&format!("; {id} {status}"));
        match (&sub_job.error_code, &sub_job.error_message) {
            (Some(code), Some(message)) => text.push_str(&format!(" {code}: {message}")),
            (Some(text_part), None) | (None, Some(text_part)) => {
                text.push_str(&format!(" {text_part}"));
            }
            (None, None) => {}
        }
    }
    if failed.len() > DESCRIBED_FAILURES {
        text.push_str(&format!("; and {} more", failed.len() - DESCRIBED_FAILURES));
    }
    text
}

type ProgressFn<'a> = Box<dyn FnMut(&WaitProgress<'_>) + Send + 'a>;

impl Client {
    /// Waits until every sub-job of `job_id` has finished, or one of them with
    /// [`JobWaiter::sub_job`]: see [`JobWaiter`].
    pub fn wait_for_job(
        &self,
        job_type: JobTypeFilter,
        job_id: impl Into<String>,
    ) -> JobWaiter<'_> {
        JobWaiter {
            client: self,
            target: WaitTarget {
                job_type,
                job_id: job_id.into(),
                sub_job_id: None,
            },
            timeout: DEFAULT_WAIT_TIMEOUT,
            poll_interval: DEFAULT_POLL_INTERVAL,
            max_poll_interval: DEFAULT_MAX_POLL_INTERVAL,
            fail_fast: false,
            on_progress: None,
        }
    }
}

/// Polls a job's sub-jobs until they finish; `.await` it.
///
/// ```no_run
/// use std::time::Duration;
/// use workspace_app_client::{ClientBuilder, WaitError, types::JobTypeFilter};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = ClientBuilder::from_env().region("ap-southeast-1").build()?;
/// match client
///     .wait_for_job(JobTypeFilter::CreateServer, "job-id")
///     .timeout(Duration::from_secs(15 * 60))
///     .poll_interval(Duration::from_secs(5))
///     .await
/// {
///     Ok(done) => println!("{} sub-jobs succeeded", done.sub_jobs.len()),
///     Err(WaitError::Failed { failed, .. }) => {
///         for sub_job in failed {
///             eprintln!("{:?}: {:?} {:?}", sub_job.id, sub_job.error_code, sub_job.error_message);
///         }
///     }
///     Err(e) => return Err(e.into()),
/// }
/// # Ok(())
/// # }
/// ```
///
/// - **Polls** list the job's sub-jobs (`job_id` filter, every page) through the client, so
///   signing, retries and timeouts apply. The first poll is immediate; the pause before each
///   next one starts at [`poll_interval`](Self::poll_interval) and doubles up to
///   [`max_poll_interval`](Self::max_poll_interval).
/// - **Success**: every sub-job waited for is `SUCCESS` → [`JobOutcome`].
/// - **Failure**: every sub-job waited for has finished and some are `FAILED` or
///   `ABNORMAL` → [`WaitError::Failed`] with each failed sub-job's `error_code` and
///   `error_message`. With [`fail_fast`](Self::fail_fast), the first failed sub-job ends the
///   wait even while others still run. [`SubJobPhase`] says what every status means; a
///   job without sub-jobs yet is pending.
/// - **Timeout**: [`timeout`](Self::timeout) bounds the whole wait. No poll starts after
///   it has passed since the start; the pause before the last one is cut short so that it
///   happens at the deadline, and its result counts. A poll still in flight
///   [`LAST_POLL_ALLOWANCE`] after the deadline is cut short, whatever the server does: it
///   stops after the page at hand (a server that pages without end), and each request
///   attempt's timeout and each retry pause are shortened to end by then (a slow or
///   trickled body). Then →
///   [`WaitError::TimedOut`] with the sub-jobs as last seen by a completed poll. (A client
///   built with `.timeout(None)` has no per-attempt bound to shorten: a single response that
///   never ends can then hold the wait.)
/// - **Errors**: a poll whose error [is retryable](Error::is_retryable) (after the client's
///   own retries) is skipped and the wait goes on; any other error ends it with
///   [`WaitError::Api`].
/// - **Cancellation**: the wait spawns nothing. Dropping the future (e.g. in a
///   `tokio::select!` or `tokio::time::timeout`) stops it at once, a request in flight
///   included.
#[must_use = "a wait does nothing unless `.await`ed"]
pub struct JobWaiter<'a> {
    client: &'a Client,
    target: WaitTarget,
    timeout: Duration,
    poll_interval: Duration,
    max_poll_interval: Duration,
    fail_fast: bool,
    on_progress: Option<ProgressFn<'a>>,
}

impl fmt::Debug for JobWaiter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobWaiter")
            .field("target", &self.target)
            .field("timeout", &self.timeout)
            .field("poll_interval", &self.poll_interval)
            .field("max_poll_interval", &self.max_poll_interval)
            .field("fail_fast", &self.fail_fast)
            .field("on_progress", &self.on_progress.as_ref().map(|_| ".."))
            .finish_non_exhaustive()
    }
}

impl<'a> JobWaiter<'a> {
    /// Waits for this one sub-job (by `id`) instead of all of them. Until it appears in the
    /// job's list it is pending.
    pub fn sub_job(mut self, sub_job_id: impl Into<String>) -> Self {
        self.target.sub_job_id = Some(sub_job_id.into());
        self
    }

    /// The longest the wait lasts; default [`DEFAULT_WAIT_TIMEOUT`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The pause after the first poll; it doubles after each further poll, up to
    /// [`max_poll_interval`](Self::max_poll_interval). Default [`DEFAULT_POLL_INTERVAL`];
    /// at least [`MIN_POLL_INTERVAL`].
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// The longest pause between two polls; default [`DEFAULT_MAX_POLL_INTERVAL`]. Set it
    /// to the poll interval for a fixed pace; it is never below the poll interval.
    pub fn max_poll_interval(mut self, interval: Duration) -> Self {
        self.max_poll_interval = interval;
        self
    }

    /// Ends the wait as soon as a sub-job has failed, without waiting for the others.
    pub fn fail_fast(mut self, fail_fast: bool) -> Self {
        self.fail_fast = fail_fast;
        self
    }

    /// Called after every poll, e.g. to show progress. It runs on the waiting task: keep it
    /// short.
    pub fn on_progress(mut self, callback: impl FnMut(&WaitProgress<'_>) + Send + 'a) -> Self {
        self.on_progress = Some(Box::new(callback));
        self
    }

    async fn run(mut self) -> Result<JobOutcome, WaitError> {
        let started = Instant::now();
        // A timeout too long to represent waits for ever rather than overflow.
        let deadline = started.checked_add(self.timeout);
        let first_interval = self.poll_interval.max(MIN_POLL_INTERVAL);
        let max_interval = self.max_poll_interval.max(first_interval);
        let mut interval = first_interval;
        let mut polls = 0u32;
        let mut last_seen = Vec::new();
        loop {
            polls = polls.saturating_add(1);
            // The deadline bounds a poll in flight too: a server that pages for ever, or
            // answers slowly, cannot stretch the wait.
            let cutoff = deadline.and_then(|deadline| deadline.checked_add(LAST_POLL_ALLOWANCE));
            let polled = deadline::scope(cutoff, poll(self.client, &self.target)).await;
            let Some(polled) = polled else {
                return Err(WaitError::TimedOut {
                    target: self.target,
                    waited: started.elapsed(),
                    polls,
                    last_seen,
                    last_error: None,
                });
            };
            let last_error = match polled {
                Ok(sub_jobs) => {
                    last_seen = sub_jobs;
                    None
                }
                Err(error) if error.is_retryable() => {
                    tracing::warn!(%error, target = %self.target, "poll failed; waiting goes on");
                    Some(error)
                }
                Err(source) => {
                    return Err(WaitError::Api {
                        target: self.target,
                        source,
                    });
                }
            };
            let elapsed = started.elapsed();
            if let Some(callback) = &mut self.on_progress {
                callback(&WaitProgress {
                    polls,
                    elapsed,
                    sub_jobs: &last_seen,
                    error: last_error.as_ref(),
                });
            }
            // A failed poll brings nothing new to judge.
            if last_error.is_none()
                && let Some(verdict) = judge(&last_seen, self.fail_fast)
            {
                return match verdict {
                    SubJobPhase::Succeeded => Ok(JobOutcome {
                        target: self.target,
                        sub_jobs: last_seen,
                        polls,
                        elapsed,
                    }),
                    _ => Err(WaitError::Failed {
                        target: self.target,
                        failed: last_seen
                            .iter()
                            .filter(|s| SubJobPhase::of(s.status.as_ref()) == SubJobPhase::Failed)
                            .cloned()
                            .collect(),
                        sub_jobs: last_seen,
                    }),
                };
            }
            let now = Instant::now();
            if deadline.is_some_and(|deadline| now >= deadline) {
                return Err(WaitError::TimedOut {
                    target: self.target,
                    waited: elapsed,
                    polls,
                    last_seen,
                    last_error,
                });
            }
            let next_poll = match (now.checked_add(interval), deadline) {
                (Some(next), Some(deadline)) => Some(next.min(deadline)),
                (next, None) => next,
                (None, deadline) => deadline,
            };
            match next_poll {
                Some(at) => tokio::time::sleep_until(at).await,
                // Neither the interval nor the timeout can be represented: for ever.
                None => std::future::pending().await,
            }
            interval = interval.saturating_mul(2).min(max_interval);
        }
    }
}

/// The sub-jobs waited for, every page of them; `None` when the deadline in force passed
/// first. (A free function: the waiter's callback is `Send` but not `Sync`, so the future
/// must not hold `&JobWaiter`.)
async fn poll(client: &Client, target: &WaitTarget) -> Option<Result<Vec<JobDetailInfo>, Error>> {
    let mut items = client
        .paginate_sub_jobs(target.job_type)
        .job_id(target.job_id.as_str())
        .items();
    let mut sub_jobs = Vec::new();
    while let Some(item) = items.next().await {
        if deadline::passed() {
            return None;
        }
        let item = match item {
            Ok(item) => item,
            Err(error) if deadline::passed() => {
                tracing::debug!(%error, "poll cut short by the deadline");
                return None;
            }
            Err(error) => return Some(Err(error)),
        };
        let wanted = match &target.sub_job_id {
            Some(id) => item.id.as_deref() == Some(id.as_str()),
            None => true,
        };
        if wanted {
            sub_jobs.push(item);
        }
    }
    Some(Ok(sub_jobs))
}

/// `Some(Succeeded)` or `Some(Failed)` when the wait is over, `None` while it goes on.
fn judge(sub_jobs: &[JobDetailInfo], fail_fast: bool) -> Option<SubJobPhase> {
    let phases = || sub_jobs.iter().map(|s| SubJobPhase::of(s.status.as_ref()));
    let any_failed = phases().any(|p| p == SubJobPhase::Failed);
    if fail_fast && any_failed {
        return Some(SubJobPhase::Failed);
    }
    if sub_jobs.is_empty() || !phases().all(SubJobPhase::is_terminal) {
        return None;
    }
    Some(if any_failed {
        SubJobPhase::Failed
    } else {
        SubJobPhase::Succeeded
    })
}

impl<'a> IntoFuture for JobWaiter<'a> {
    type Output = Result<JobOutcome, WaitError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub_job(id: &str, status: &str) -> JobDetailInfo {
        JobDetailInfo {
            id: Some(id.to_string()),
            status: Some(status.parse().unwrap()),
            ..JobDetailInfo::default()
        }
    }

    #[test]
    fn every_status_has_a_phase() {
        use SubJobPhase::*;
        let cases = [
            ("WAITING", Pending),
            ("RUNNING", Pending),
            ("ROLLBACK", Pending),
            ("ABORTING", Pending),
            ("SUCCESS", Succeeded),
            ("FAILED", Failed),
            ("ABNORMAL", Failed),
            ("PAUSED", Pending),
        ];
        for (status, phase) in cases {
            let status: Extensible<SubJobStatus> = status.parse().unwrap();
            assert_eq!(SubJobPhase::of(Some(&status)), phase, "{status}");
        }
        assert_eq!(SubJobPhase::of(None), Pending);
    }

    #[test]
    fn a_wait_ends_when_all_have_finished_or_on_the_first_failure_if_asked() {
        let done = [sub_job("a", "SUCCESS"), sub_job("b", "SUCCESS")];
        assert_eq!(judge(&done, false), Some(SubJobPhase::Succeeded));
        let mixed = [sub_job("a", "FAILED"), sub_job("b", "RUNNING")];
        assert_eq!(judge(&mixed, false), None);
        assert_eq!(judge(&mixed, true), Some(SubJobPhase::Failed));
        let finished = [sub_job("a", "ABNORMAL"), sub_job("b", "SUCCESS")];
        assert_eq!(judge(&finished, false), Some(SubJobPhase::Failed));
        assert_eq!(judge(&[], false), None);
        assert_eq!(judge(&[sub_job("a", "PAUSED")], false), None);
    }

    #[test]
    fn counts_read_in_the_spec_order_then_unknown_then_missing() {
        let mut sub_jobs = vec![
            sub_job("a", "SUCCESS"),
            sub_job("b", "PAUSED"),
            sub_job("c", "RUNNING"),
            sub_job("d", "SUCCESS"),
        ];
        sub_jobs.push(JobDetailInfo::default());
        let counts = StatusCounts::of(&sub_jobs);
        assert_eq!(
            counts.to_string(),
            "1 RUNNING, 2 SUCCESS, 1 PAUSED, 1 no status"
        );
        assert_eq!(counts.in_phase(SubJobPhase::Pending), 3);
        assert_eq!(StatusCounts::of(&[]).to_string(), "no sub-jobs");
    }

    #[test]
    fn a_failure_message_names_each_sub_job_and_its_error() {
        let mut failed = sub_job("s-1", "FAILED");
        failed.error_code = Some("WKS.0001".into());
        failed.error_message = Some("no capacity".into());
        let others: Vec<_> = (2..=5)
            .map(|i| sub_job(&format!("s-{i}"), "ABNORMAL"))
            .collect();
        let mut all = vec![failed];
        all.extend(others);
        let text = describe_failures(&all, 7);
        assert_eq!(
            text,
            "5 of 7 sub-jobs failed; s-1 FAILED WKS.0001: no capacity; s-2 ABNORMAL; s-3 ABNORMAL; and 2 more"
        );
    }
}
