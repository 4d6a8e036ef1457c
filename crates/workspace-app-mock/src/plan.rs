//! How a test describes a job and its sub-jobs ([`JobPlan`], [`SubJobPlan`], [`Outcome`]),
//! and what adding one created ([`AddedJob`]). The store keeps them; the seed generates them.

use std::time::{Duration, SystemTime};

use workspace_app_client::Extensible;
use workspace_app_client::types::{JobResourceInfo, JobType, SubJobStatus};

/// How a sub-job ends once its phases are over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `SUCCESS`.
    Success,
    /// `FAILED`, with the `error_code` and `error_message` the service reports.
    Failed {
        /// E.g. `WKS.00129901`.
        error_code: String,
        /// E.g. `The service is now unavailable to process the request.`
        error_message: String,
    },
}

/// The life of one sub-job: a status for a while, then the next, then its [`Outcome`].
///
/// Durations are nominal; the emulator's speed divides them (see
/// [`Config::speed`](crate::config::Config::speed)).
///
/// ```
/// use std::time::Duration;
/// use workspace_app_client::types::SubJobStatus;
/// use workspace_app_mock::SubJobPlan;
///
/// let secs = Duration::from_secs;
/// // WAITING 2 s, RUNNING 5 s, then SUCCESS.
/// let ok = SubJobPlan::succeeds(secs(2), secs(5));
/// // WAITING 1 s, RUNNING 3 s, ROLLBACK 2 s, then FAILED with an error.
/// let rolled_back = SubJobPlan::fails(secs(1), secs(3), "WKS.00129901", "Service unavailable.")
///     .phase(SubJobStatus::Rollback, secs(2));
/// # let _ = (ok, rolled_back);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SubJobPlan {
    pub(crate) id: Option<String>,
    pub(crate) phases: Vec<(SubJobStatus, Duration)>,
    pub(crate) outcome: Outcome,
    pub(crate) resource: Option<JobResourceInfo>,
}

impl SubJobPlan {
    /// A sub-job with no phases yet that ends with `outcome`.
    pub fn new(outcome: Outcome) -> Self {
        SubJobPlan {
            id: None,
            phases: Vec::new(),
            outcome,
            resource: None,
        }
    }

    /// `WAITING` for `waiting`, `RUNNING` for `running`, then `SUCCESS`.
    pub fn succeeds(waiting: Duration, running: Duration) -> Self {
        SubJobPlan::new(Outcome::Success)
            .phase(SubJobStatus::Waiting, waiting)
            .phase(SubJobStatus::Running, running)
    }

    /// `WAITING` for `waiting`, `RUNNING` for `running`, then `FAILED` with this error.
    pub fn fails(
        waiting: Duration,
        running: Duration,
        error_code: impl Into<String>,
        error_message: impl Into<String>,
    ) -> Self {
        SubJobPlan::new(Outcome::Failed {
            error_code: error_code.into(),
            error_message: error_message.into(),
        })
        .phase(SubJobStatus::Waiting, waiting)
        .phase(SubJobStatus::Running, running)
    }

    /// Adds a phase: the sub-job reports `status` for `duration` after the phases before.
    /// `Duration::MAX` keeps it there for good (e.g. an `ABNORMAL` sub-job).
    pub fn phase(mut self, status: SubJobStatus, duration: Duration) -> Self {
        self.phases.push((status, duration));
        self
    }

    /// The sub-job's ID (default: a random UUID from the emulator's seeded generator).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The resource the sub-job works on (default: a server with a generated ID and name).
    pub fn resource(mut self, resource_id: impl Into<String>, name: impl Into<String>) -> Self {
        // Generated types are `#[non_exhaustive]`: built from `Default`, field by field.
        let mut resource = JobResourceInfo::default();
        resource.resource_id = Some(resource_id.into());
        resource.resource_name = Some(name.into());
        self.resource = Some(resource);
        self
    }

    /// Time from creation to the outcome, in nominal time.
    pub(crate) fn total(&self) -> Duration {
        self.phases
            .iter()
            .fold(Duration::ZERO, |sum, (_, d)| sum.saturating_add(*d))
    }
}

/// A job to add to the emulator: its type, its project and its sub-jobs.
///
/// ```
/// use std::time::Duration;
/// use workspace_app_client::types::JobType;
/// use workspace_app_mock::{JobPlan, SubJobPlan};
///
/// let secs = Duration::from_secs;
/// let plan = JobPlan::new(JobType::CreateServer)
///     .sub_job(SubJobPlan::succeeds(secs(1), secs(4)))
///     .sub_job(SubJobPlan::fails(secs(1), secs(2), "WKS.00129901", "Service unavailable."));
/// # let _ = plan;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct JobPlan {
    pub(crate) job_type: Extensible<JobType>,
    pub(crate) job_id: Option<String>,
    pub(crate) project_id: Option<String>,
    pub(crate) created_at: Option<SystemTime>,
    pub(crate) sub_jobs: Vec<SubJobPlan>,
}

impl JobPlan {
    /// A job of this type with no sub-jobs yet. A type the spec does not list
    /// (`Extensible::Unknown("RESIZE_SERVER".into())`) is served as it is, to test how
    /// clients cope with new types.
    pub fn new(job_type: impl Into<Extensible<JobType>>) -> Self {
        JobPlan {
            job_type: job_type.into(),
            job_id: None,
            project_id: None,
            created_at: None,
            sub_jobs: Vec::new(),
        }
    }

    /// Adds a sub-job.
    pub fn sub_job(mut self, sub_job: SubJobPlan) -> Self {
        self.sub_jobs.push(sub_job);
        self
    }

    /// Adds sub-jobs.
    pub fn sub_jobs(mut self, sub_jobs: impl IntoIterator<Item = SubJobPlan>) -> Self {
        self.sub_jobs.extend(sub_jobs);
        self
    }

    /// The job's ID (default: a random UUID from the emulator's seeded generator).
    pub fn job_id(mut self, job_id: impl Into<String>) -> Self {
        self.job_id = Some(job_id.into());
        self
    }

    /// The project the job belongs to (default: the emulator's project).
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// When the job was created (default: the emulator clock's now). A time in the past
    /// puts the job that far into its lifecycle.
    pub fn created_at(mut self, time: SystemTime) -> Self {
        self.created_at = Some(time);
        self
    }
}

/// What [`Emulator::add_job`](crate::emulator::Emulator::add_job) created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedJob {
    /// The job's ID, for the `job_id` filter.
    pub job_id: String,
    /// The project it belongs to.
    pub project_id: String,
    /// Its sub-jobs' IDs, in the order given.
    pub sub_job_ids: Vec<String>,
}
