//! The jobs the emulator holds, and what each sub-job looks like at a given time.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use fastrand::Rng;
use workspace_app_client::Extensible;
use workspace_app_client::types::{JobDetailInfo, JobResourceInfo, JobType, SubJobStatus};

use crate::plan::{AddedJob, JobPlan, Outcome};
use crate::query::Filter;
use crate::seed;
use crate::times::format_time;

/// One stored sub-job; its status is worked out from the clock on every read.
#[derive(Debug, Clone)]
struct SubJob {
    id: String,
    job_id: String,
    project_id: String,
    job_type: Extensible<JobType>,
    resource: JobResourceInfo,
    created_at: SystemTime,
    phases: Vec<(SubJobStatus, Duration)>,
    outcome: Outcome,
    total: Duration,
}

/// Every sub-job, ordered by creation time and then by the order they were added. The
/// order never depends on status, so paging returns each match exactly once while
/// statuses change, and new jobs (created now) land at the end.
#[derive(Debug, Default)]
pub(crate) struct Store {
    sub_jobs: Vec<SubJob>,
    /// Positions in `sub_jobs`, in list order, of each project's sub-jobs of each job type,
    /// and of each job's: a page costs its own size, not a scan of the store.
    by_type: HashMap<(String, Extensible<JobType>), Vec<u32>>,
    by_job: HashMap<String, Vec<u32>>,
}

impl Store {
    /// Stores a job whose IDs, project and creation time are all decided.
    pub(crate) fn insert(
        &mut self,
        plan: JobPlan,
        job_id: String,
        project_id: String,
        created_at: SystemTime,
        rng: &mut Rng,
    ) -> AddedJob {
        // After every sub-job created at or before `created_at`: stable for equal times.
        let at = self
            .sub_jobs
            .partition_point(|sub_job| sub_job.created_at <= created_at);
        let new: Vec<SubJob> = plan
            .sub_jobs
            .into_iter()
            .map(|sub| SubJob {
                id: sub.id.clone().unwrap_or_else(|| seed::uuid(rng)),
                job_id: job_id.clone(),
                project_id: project_id.clone(),
                job_type: plan.job_type.clone(),
                resource: sub
                    .resource
                    .clone()
                    .unwrap_or_else(|| seed::resource(rng, &plan.job_type, created_at)),
                created_at,
                total: sub.total(),
                phases: sub.phases,
                outcome: sub.outcome,
            })
            .collect();
        let sub_job_ids = new.iter().map(|s| s.id.clone()).collect();
        let appended = at == self.sub_jobs.len();
        self.sub_jobs.splice(at..at, new);
        if appended {
            // The usual case (a job created now): the positions before it stay.
            self.index_from(at);
        } else {
            self.by_type.clear();
            self.by_job.clear();
            self.index_from(0);
        }
        AddedJob {
            job_id,
            project_id,
            sub_job_ids,
        }
    }

    /// Adds the sub-jobs from position `start` on to the indexes.
    fn index_from(&mut self, start: usize) {
        for (position, sub_job) in self.sub_jobs.iter().enumerate().skip(start) {
            // The emulator holds fewer than 4 billion sub-jobs (a position fits in u32).
            let position = u32::try_from(position).unwrap_or(u32::MAX);
            self.by_type
                .entry((sub_job.project_id.clone(), sub_job.job_type.clone()))
                .or_default()
                .push(position);
            self.by_job
                .entry(sub_job.job_id.clone())
                .or_default()
                .push(position);
        }
    }

    /// One page of the sub-jobs of `project_id` matching `filter`, and how many match.
    pub(crate) fn list(
        &self,
        project_id: &str,
        filter: &Filter,
        now: SystemTime,
        speed: f64,
    ) -> (usize, Vec<JobDetailInfo>) {
        // Parsed once, so that each sub-job is compared without allocating.
        let job_type: Extensible<JobType> = filter
            .job_type
            .to_string()
            .parse()
            .unwrap_or_else(|never| match never {});
        let (offset, limit) = (filter.offset as usize, filter.limit as usize);
        let candidates: &[u32] = match &filter.job_id {
            Some(job_id) => self.by_job.get(job_id),
            None => self
                .by_type
                .get(&(project_id.to_string(), job_type.clone())),
        }
        .map_or(&[], Vec::as_slice);
        let matches =
            |sub_job: &SubJob| sub_job.project_id == project_id && sub_job.job_type == job_type;
        // Without a status filter, the index answers directly: `count` is its length and the
        // page a slice of it.
        if filter.status.is_none() && filter.job_id.is_none() {
            let page = candidates
                .iter()
                .skip(offset)
                .take(limit)
                .map(|&position| {
                    let sub_job = &self.sub_jobs[position as usize];
                    sub_job.render(&sub_job.state(now, speed))
                })
                .collect();
            return (candidates.len(), page);
        }
        // A status depends on the clock, so it is worked out for each candidate.
        let mut count = 0;
        let mut page = Vec::new();
        for &position in candidates {
            let sub_job = &self.sub_jobs[position as usize];
            if !matches(sub_job) {
                continue;
            }
            let in_page = count >= offset && page.len() < limit;
            if filter.status.is_some() || in_page {
                let state = sub_job.state(now, speed);
                if filter.status.is_some_and(|status| status != state.status) {
                    continue;
                }
                if in_page {
                    page.push(sub_job.render(&state));
                }
            }
            count += 1;
        }
        (count, page)
    }

    /// Every stored sub-job as the API would show it now, in list order; only those of
    /// `job_id` when given.
    pub(crate) fn snapshot(
        &self,
        job_id: Option<&str>,
        now: SystemTime,
        speed: f64,
    ) -> Vec<JobDetailInfo> {
        self.sub_jobs
            .iter()
            .filter(|sub_job| job_id.is_none_or(|id| id == sub_job.job_id))
            .map(|sub_job| sub_job.render(&sub_job.state(now, speed)))
            .collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.sub_jobs.len()
    }
}

/// Where a sub-job is in its life at some moment.
struct State {
    status: SubJobStatus,
    ended_at: Option<SystemTime>,
}

impl SubJob {
    /// The status at `now`: the phase whose (speed-scaled) window contains `now`, or the
    /// outcome once every phase is over.
    fn state(&self, now: SystemTime, speed: f64) -> State {
        let elapsed = now.duration_since(self.created_at).unwrap_or_default();
        let mut phase_end = Duration::ZERO;
        for (status, duration) in &self.phases {
            phase_end = phase_end.saturating_add(*duration);
            if elapsed < real_time(phase_end, speed) {
                return State {
                    status: *status,
                    ended_at: None,
                };
            }
        }
        let status = match self.outcome {
            Outcome::Success => SubJobStatus::Success,
            Outcome::Failed { .. } => SubJobStatus::Failed,
        };
        State {
            status,
            ended_at: self.created_at.checked_add(real_time(self.total, speed)),
        }
    }

    fn render(&self, state: &State) -> JobDetailInfo {
        let (error_code, error_message) = match (&self.outcome, state.status) {
            (
                Outcome::Failed {
                    error_code,
                    error_message,
                },
                SubJobStatus::Failed,
            ) => (Some(error_code.clone()), Some(error_message.clone())),
            _ => (None, None),
        };
        let mut item = JobDetailInfo::default();
        item.id = Some(self.id.clone());
        item.job_type = Some(self.job_type.clone());
        item.job_resource_info = Some(self.resource.clone());
        item.begin_time = Some(format_time(self.created_at));
        item.end_time = state.ended_at.map(format_time);
        item.status = Some(state.status.into());
        item.error_code = error_code;
        item.error_message = error_message;
        item.project_id = Some(self.project_id.clone());
        item.job_id = Some(self.job_id.clone());
        item
    }
}

/// How long `nominal` lasts at `speed` (> 0); too long to represent means forever.
fn real_time(nominal: Duration, speed: f64) -> Duration {
    Duration::try_from_secs_f64(nominal.as_secs_f64() / speed).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use workspace_app_client::types::JobTypeFilter;

    use super::*;
    use crate::plan::SubJobPlan;

    const START: Duration = Duration::from_secs(1_646_649_643);

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn stored(plan: SubJobPlan) -> SubJob {
        let mut store = Store::default();
        store.insert(
            JobPlan::new(JobType::CreateServer).sub_job(plan),
            "job".into(),
            "p".into(),
            SystemTime::UNIX_EPOCH + START,
            &mut Rng::with_seed(0),
        );
        store.sub_jobs.remove(0)
    }

    #[test]
    fn status_follows_the_phases_then_the_outcome() {
        let sub = stored(SubJobPlan::fails(secs(2), secs(3), "E.1", "boom"));
        let at = |s: u64| sub.state(SystemTime::UNIX_EPOCH + START + secs(s), 1.0);
        assert_eq!(at(0).status, SubJobStatus::Waiting);
        assert_eq!(at(1).status, SubJobStatus::Waiting);
        assert_eq!(at(2).status, SubJobStatus::Running);
        assert_eq!(at(4).status, SubJobStatus::Running);
        assert!(at(4).ended_at.is_none());
        let done = at(5);
        assert_eq!(done.status, SubJobStatus::Failed);
        assert_eq!(
            done.ended_at,
            Some(SystemTime::UNIX_EPOCH + START + secs(5))
        );
        let shown = sub.render(&done);
        assert_eq!(shown.error_code.as_deref(), Some("E.1"));
        assert_eq!(shown.error_message.as_deref(), Some("boom"));
        // Before it fails, no error is shown.
        assert_eq!(sub.render(&at(3)).error_code, None);
    }

    #[test]
    fn the_indexes_page_exactly_as_a_scan_of_the_store_would() {
        let mut store = Store::default();
        let mut rng = Rng::with_seed(3);
        let at = |s: u64| SystemTime::UNIX_EPOCH + START + secs(s);
        // Jobs added out of creation order (the second lands before the first), in two
        // projects and two types, so both index paths (append, rebuild) are taken.
        for (job, project, job_type, created, count) in [
            ("j1", "p", JobType::CreateServer, 10, 7),
            ("j2", "p", JobType::CreateServer, 5, 4),
            ("j3", "q", JobType::CreateServer, 20, 3),
            ("j4", "p", JobType::DeleteServer, 30, 5),
            ("j5", "p", JobType::CreateServer, 40, 6),
        ] {
            let plan = JobPlan::new(job_type)
                .sub_jobs((0..count).map(|i| SubJobPlan::succeeds(secs(i), secs(i))));
            store.insert(plan, job.into(), project.into(), at(created), &mut rng);
        }
        let now = at(45);
        for job_id in [None, Some("j1"), Some("j5"), Some("nope")] {
            for status in [
                None,
                Some(SubJobStatus::Success),
                Some(SubJobStatus::Running),
            ] {
                let everything: Vec<_> = store
                    .sub_jobs
                    .iter()
                    .filter(|s| s.project_id == "p" && s.job_type == JobType::CreateServer)
                    .filter(|s| job_id.is_none_or(|id| s.job_id == id))
                    .map(|s| s.render(&s.state(now, 1.0)))
                    .filter(|s| status.is_none_or(|status| s.status == Some(status.into())))
                    .collect();
                for (offset, limit) in [(0, 100), (0, 3), (3, 4), (15, 10), (100, 1)] {
                    let filter = Filter {
                        job_type: JobTypeFilter::CreateServer,
                        status,
                        job_id: job_id.map(String::from),
                        offset,
                        limit,
                    };
                    let (count, page) = store.list("p", &filter, now, 1.0);
                    assert_eq!(count, everything.len(), "{filter:?}");
                    let expected: Vec<_> = everything
                        .iter()
                        .skip(offset as usize)
                        .take(limit as usize)
                        .cloned()
                        .collect();
                    assert_eq!(page, expected, "{filter:?}");
                }
            }
        }
    }

    #[test]
    fn speed_scales_every_phase() {
        let sub = stored(SubJobPlan::succeeds(secs(10), secs(10)));
        let at = |ms: u64| {
            sub.state(
                SystemTime::UNIX_EPOCH + START + Duration::from_millis(ms),
                10.0,
            )
        };
        assert_eq!(at(999).status, SubJobStatus::Waiting);
        assert_eq!(at(1000).status, SubJobStatus::Running);
        assert_eq!(at(2000).status, SubJobStatus::Success);
    }

    #[test]
    fn a_phase_of_duration_max_lasts_for_good() {
        let sub =
            stored(SubJobPlan::new(Outcome::Success).phase(SubJobStatus::Abnormal, Duration::MAX));
        let state = sub.state(SystemTime::UNIX_EPOCH + START + secs(1_000_000_000), 0.001);
        assert_eq!(state.status, SubJobStatus::Abnormal);
    }

    #[test]
    fn jobs_keep_creation_order_and_equal_times_keep_insertion_order() {
        let mut store = Store::default();
        let t = |s: u64| SystemTime::UNIX_EPOCH + START + secs(s);
        let mut add = |name: &str, at: SystemTime| {
            store.insert(
                JobPlan::new(JobType::CreateServer)
                    .sub_job(SubJobPlan::succeeds(secs(1), secs(1)).id(name)),
                "job".into(),
                "p".into(),
                at,
                &mut Rng::with_seed(0),
            );
        };
        add("b", t(10));
        add("c", t(10));
        add("a", t(5));
        add("d", t(20));
        let order: Vec<_> = store.sub_jobs.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(order, ["a", "b", "c", "d"]);
    }
}
