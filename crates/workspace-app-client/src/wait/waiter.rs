//! The polling loop: [`JobWaiter`], what it reports after each poll ([`WaitProgress`]) and
//! when it succeeds ([`JobOutcome`]).

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::time::Instant;

use super::phase::{self, SubJobPhase};
use super::target::{JobOutcome, WaitTarget};
use crate::deadline;
use crate::error::{Error, WaitError};
use crate::escaped::Escaped;
use crate::generated::Client;
use crate::generated::types::{JobDetailInfo, JobTypeFilter};
use crate::paging::DEFAULT_CONCURRENCY;

/// The most sub-jobs one wait follows unless told otherwise: a job of more is
/// [`WaitError::TooManySubJobs`], so that a server that pages without end cannot fill memory
/// before the timeout.
pub const DEFAULT_MAX_SUB_JOBS: u64 = 10_000;
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
            concurrency: DEFAULT_CONCURRENCY,
            max_sub_jobs: DEFAULT_MAX_SUB_JOBS,
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
    concurrency: usize,
    max_sub_jobs: u64,
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
            .field("concurrency", &self.concurrency)
            .field("max_sub_jobs", &self.max_sub_jobs)
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

    /// Pages of a poll requested at once, as
    /// [`SubJobsPaginator::concurrency`](crate::SubJobsPaginator::concurrency); default
    /// [`DEFAULT_CONCURRENCY`]. Only jobs of more than one page (100 sub-jobs) feel it.
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// The most sub-jobs the job may have (default [`DEFAULT_MAX_SUB_JOBS`]); a poll that
    /// finds more ends the wait with [`WaitError::TooManySubJobs`], having read one more.
    pub fn max_sub_jobs(mut self, max_sub_jobs: u64) -> Self {
        self.max_sub_jobs = max_sub_jobs;
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
            let polled = deadline::scope(
                cutoff,
                poll(
                    self.client,
                    &self.target,
                    self.concurrency,
                    self.max_sub_jobs,
                ),
            )
            .await;
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
                Ok(Polled::SubJobs(sub_jobs)) => {
                    last_seen = sub_jobs;
                    None
                }
                Ok(Polled::TooMany) => {
                    return Err(WaitError::TooManySubJobs {
                        target: self.target,
                        limit: self.max_sub_jobs,
                    });
                }
                Err(error) if error.is_retryable() => {
                    tracing::warn!(
                        error = %Escaped(&error),
                        target = %Escaped(&self.target),
                        "poll failed; waiting goes on"
                    );
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
                && let Some(verdict) = phase::judge(&last_seen, self.fail_fast)
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
                        failed: phase::failed(&last_seen),
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

/// What one poll found.
enum Polled {
    /// The sub-jobs waited for, every page of them.
    SubJobs(Vec<JobDetailInfo>),
    /// The job has more sub-jobs than the wait follows.
    TooMany,
}

/// One poll; `None` when the deadline in force passed first. It reads at most `max_sub_jobs`
/// sub-jobs and one more, so memory stays bounded whatever `count` the server claims. (A free
/// function: the waiter's callback is `Send` but not `Sync`, so the future must not hold
/// `&JobWaiter`.)
async fn poll(
    client: &Client,
    target: &WaitTarget,
    concurrency: usize,
    max_sub_jobs: u64,
) -> Option<Result<Polled, Error>> {
    let mut items = client
        .paginate_sub_jobs(target.job_type)
        .job_id(target.job_id.as_str())
        .concurrency(concurrency)
        .max_items(max_sub_jobs.saturating_add(1))
        .items();
    let mut sub_jobs = Vec::new();
    let mut read = 0u64;
    while let Some(item) = items.next().await {
        if deadline::passed() {
            return None;
        }
        let item = match item {
            Ok(item) => item,
            Err(error) if deadline::passed() => {
                tracing::debug!(error = %Escaped(&error), "poll cut short by the deadline");
                return None;
            }
            Err(error) => return Some(Err(error)),
        };
        read += 1;
        if read > max_sub_jobs {
            return Some(Ok(Polled::TooMany));
        }
        let wanted = match &target.sub_job_id {
            Some(id) => item.id.as_deref() == Some(id.as_str()),
            None => true,
        };
        if wanted {
            sub_jobs.push(item);
        }
    }
    Some(Ok(Polled::SubJobs(sub_jobs)))
}

impl<'a> IntoFuture for JobWaiter<'a> {
    type Output = Result<JobOutcome, WaitError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}
