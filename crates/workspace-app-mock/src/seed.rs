//! Deterministic, realistic-looking data from a seed: IDs, resource names, and a store of
//! jobs at every stage of their lives.

use std::time::{Duration, SystemTime};

use fastrand::Rng;
use time::macros::format_description;
use workspace_app_client::Extensible;
use workspace_app_client::types::{JobResourceInfo, JobType, JobTypeFilter, SubJobStatus};

use crate::plan::{JobPlan, SubJobPlan};
use crate::spec_enums::JOB_TYPES;
use crate::times::format_utc;

/// Failures the seeded sub-jobs end with. The first is the one Huawei's document shows; the
/// others are illustrative, in the same `WKS.` format.
const FAILURES: &[(&str, &str)] = &[
    (
        "WKS.00129901",
        "The service is now unavailable to process the request.",
    ),
    (
        "WKS.00010011",
        "Insufficient ECS quota in the current region.",
    ),
    ("WKS.00020003", "Failed to join the server to the domain."),
    (
        "WKS.00030007",
        "The image is not available in the current region.",
    ),
    (
        "WKS.00040002",
        "The HDA did not report a heartbeat before the timeout.",
    ),
];

/// A random UUID (version 4 layout), as the service's job and sub-job IDs look.
pub(crate) fn uuid(rng: &mut Rng) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// A resource like the document's example: a UUID and `APS-20220902093902-AYOASWQDEJ`
/// (prefix by kind of resource, creation time, ten capital letters).
pub(crate) fn resource(
    rng: &mut Rng,
    job_type: &Extensible<JobType>,
    created_at: SystemTime,
) -> JobResourceInfo {
    let prefix = match job_type.known() {
        Some(JobType::CreateServerImage) => "IMG",
        Some(
            JobType::CreateServerSnapshot
            | JobType::DeleteServerSnapshot
            | JobType::RestoreServerSnapshot,
        ) => "SNAP",
        _ => "APS",
    };
    let stamp = format_utc(
        created_at,
        format_description!("[year][month][day][hour][minute][second]"),
    );
    let letters: String = (0..10).map(|_| rng.uppercase()).collect();
    let mut resource = JobResourceInfo::default();
    resource.resource_id = Some(uuid(rng));
    resource.resource_name = Some(format!("{prefix}-{stamp}-{letters}"));
    resource
}

/// `count` jobs created before `now`, oldest first: most long finished, some in progress,
/// some just started; about one sub-job in seven fails (half of those after a rollback)
/// and a few hang in `ABNORMAL`. About one job in seven has a type the request filter
/// cannot select, as on the real service.
pub(crate) fn jobs(rng: &mut Rng, count: usize, now: SystemTime) -> Vec<JobPlan> {
    let (filterable, other): (Vec<JobType>, Vec<JobType>) = JOB_TYPES
        .iter()
        .partition(|t| t.to_string().parse::<JobTypeFilter>().is_ok());
    let mut plans: Vec<(Duration, JobPlan)> = (0..count)
        .map(|_| {
            let job_type = match rng.u8(0..100) {
                0..40 => JobType::CreateServer,
                40..86 => pick(rng, &filterable).unwrap_or(JobType::CreateServer),
                _ => pick(rng, &other).unwrap_or(JobType::CreateServer),
            };
            let age = match rng.u8(0..100) {
                0..55 => Duration::from_secs(rng.u64(3_600..7 * 86_400)),
                55..85 => Duration::from_millis(rng.u64(0..600_000)),
                _ => Duration::from_millis(rng.u64(0..30_000)),
            };
            let sub_jobs = if job_type == JobType::CreateServer {
                rng.usize(1..=5)
            } else {
                rng.usize(1..=3)
            };
            let plan = JobPlan::new(job_type)
                .sub_jobs((0..sub_jobs).map(|_| sub_job(rng, job_type)))
                .created_at(now.checked_sub(age).unwrap_or(now));
            (age, plan)
        })
        .collect();
    // Oldest first, as the store orders them.
    plans.sort_by_key(|(age, _)| std::cmp::Reverse(*age));
    plans.into_iter().map(|(_, plan)| plan).collect()
}

fn sub_job(rng: &mut Rng, job_type: JobType) -> SubJobPlan {
    let waiting = Duration::from_millis(rng.u64(0..15_000));
    let running = if job_type == JobType::CreateServer {
        Duration::from_millis(rng.u64(30_000..180_000))
    } else {
        Duration::from_millis(rng.u64(5_000..60_000))
    };
    match rng.u8(0..100) {
        0..84 => SubJobPlan::succeeds(waiting, running),
        84..98 => {
            let (code, message) = pick(rng, FAILURES).unwrap_or(FAILURES[0]);
            let plan = SubJobPlan::fails(waiting, running, code, message);
            if rng.bool() {
                plan.phase(
                    SubJobStatus::Rollback,
                    Duration::from_millis(rng.u64(5_000..20_000)),
                )
            } else {
                plan
            }
        }
        _ => SubJobPlan::succeeds(waiting, running).phase(SubJobStatus::Abnormal, Duration::MAX),
    }
}

fn pick<T: Copy>(rng: &mut Rng, values: &[T]) -> Option<T> {
    rng.choice(values.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_uuids_and_names_like_the_documents() {
        let mut rng = Rng::with_seed(7);
        let id = uuid(&mut rng);
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        let created = SystemTime::UNIX_EPOCH + Duration::from_secs(1_662_111_542);
        let resource = resource(&mut rng, &JobType::CreateServer.into(), created);
        let name = resource.resource_name.unwrap_or_default();
        assert!(name.starts_with("APS-20220902093902-"), "{name}");
        assert_eq!(name.len(), "APS-20220902093902-AYOASWQDEJ".len());
    }

    #[test]
    fn the_same_seed_makes_the_same_jobs_and_another_seed_others() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let make = |seed| jobs(&mut Rng::with_seed(seed), 50, now);
        assert_eq!(make(1), make(1));
        assert_ne!(make(1), make(2));
    }

    #[test]
    fn seeded_jobs_mix_types_outcomes_and_ages() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let plans = jobs(&mut Rng::with_seed(3), 300, now);
        let unfilterable = plans
            .iter()
            .filter(|p| p.job_type.to_string().parse::<JobTypeFilter>().is_err())
            .count();
        assert!(unfilterable > 0 && unfilterable < 100, "{unfilterable}");
        let failing = plans
            .iter()
            .flat_map(|p| &p.sub_jobs)
            .filter(|s| matches!(s.outcome, crate::plan::Outcome::Failed { .. }))
            .count();
        assert!(failing > 0, "some sub-jobs fail");
        let created: Vec<_> = plans.iter().filter_map(|p| p.created_at).collect();
        assert!(created.windows(2).all(|w| w[0] <= w[1]), "oldest first");
        assert!(created.iter().all(|t| *t <= now));
    }
}
