//! What each status means for a wait: [`SubJobPhase`], [`StatusCounts`], and whether a set
//! of sub-jobs has finished.

use std::collections::BTreeMap;
use std::fmt;

use crate::extensible::Extensible;
use crate::generated::types::{JobDetailInfo, SubJobStatus};

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

/// `Some(Succeeded)` or `Some(Failed)` when the wait is over, `None` while it goes on.
pub(super) fn judge(sub_jobs: &[JobDetailInfo], fail_fast: bool) -> Option<SubJobPhase> {
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

/// The sub-jobs of `sub_jobs` that failed.
pub(super) fn failed(sub_jobs: &[JobDetailInfo]) -> Vec<JobDetailInfo> {
    sub_jobs
        .iter()
        .filter(|s| SubJobPhase::of(s.status.as_ref()) == SubJobPhase::Failed)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::sub_job;

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
}
