//! What a wait is for, and what it came to when it succeeded.

use std::time::Duration;

use crate::generated::types::{JobDetailInfo, JobTypeFilter};

/// What is being waited for: every sub-job of a job, or one of them. Displays as
/// `CREATE_SERVER job J` or `sub-job S of CREATE_SERVER job J`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitTarget {
    /// The job type the sub-jobs are listed with.
    pub job_type: JobTypeFilter,
    /// The job.
    pub job_id: String,
    /// The one sub-job waited for, if not all of them.
    pub sub_job_id: Option<String>,
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
