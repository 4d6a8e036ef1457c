//! [`WaitError`]: why a wait did not end in success.

use std::time::Duration;

use super::WaitTarget;
use crate::Error;
use crate::types::JobDetailInfo;

/// Why a wait did not end in success. `Display` is the [`report`](Self::report) on one line;
/// `source()` is the error of the last poll (a timeout after a failed poll) or the poll's
/// error (a wait that could not poll).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// Sub-jobs finished in `FAILED` or `ABNORMAL`.
    #[error("{}", self.report())]
    Failed {
        /// What was waited for.
        target: WaitTarget,
        /// The failed sub-jobs, with their `error_code` and `error_message`.
        failed: Vec<JobDetailInfo>,
        /// Every sub-job waited for, as the last poll saw them.
        sub_jobs: Vec<JobDetailInfo>,
    },
    /// The timeout passed before the sub-jobs finished.
    #[error("{}", self.report())]
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
        #[source]
        last_error: Option<Error>,
    },
    /// The job has more sub-jobs than the wait follows ([`JobWaiter::max_sub_jobs`](crate::JobWaiter::max_sub_jobs)).
    #[error("{}", self.report())]
    TooManySubJobs {
        /// What was waited for.
        target: WaitTarget,
        /// The limit it went past.
        limit: u64,
    },
    /// A poll failed in a way that waiting cannot mend (bad credentials, a bad request,
    /// a missing project ID...).
    #[error("{}", self.report())]
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
            WaitError::TooManySubJobs { .. } | WaitError::Api { .. } => &[],
        }
    }
}

/// For callers whose functions return [`Error`]: a wait that could not poll gives the poll's
/// own error (an API error stays one), any other the wait error itself, as
/// [`Error::Wait`].
impl From<WaitError> for Error {
    fn from(error: WaitError) -> Self {
        match error {
            WaitError::Api { source, .. } => source,
            other => Error::Wait(Box::new(other)),
        }
    }
}
