//! How a wait reads for people: [`WaitReport`] (the outcome, failure and timeout texts) and
//! [`error_text`], the one `code: message` join. [`JobOutcome`] and [`WaitError`] display
//! through it, and so does the CLI, which adds only its hints and its terminal escaping.

use std::fmt;
use std::time::Duration;

use super::phase::StatusCounts;
use super::target::{JobOutcome, WaitTarget};
use crate::error::WaitError;
use crate::generated::types::JobDetailInfo;

/// At most this many failed sub-jobs are named in a one-line report; the error keeps them all.
const NAMED_FAILURES: usize = 3;

/// A sub-job's error as one text: `code: message`, or whichever of the two it has; `None`
/// with neither. For a list of sub-jobs as well as for a wait's failures.
///
/// ```
/// use workspace_app_client::error_text;
///
/// assert_eq!(error_text(Some("WKS.0001"), Some("no capacity")).as_deref(), Some("WKS.0001: no capacity"));
/// assert_eq!(error_text(None, Some("no capacity")).as_deref(), Some("no capacity"));
/// assert_eq!(error_text(None, None), None);
/// ```
pub fn error_text(code: Option<&str>, message: Option<&str>) -> Option<String> {
    match (code, message) {
        (Some(code), Some(message)) => Some(format!("{code}: {message}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_string()),
        (None, None) => None,
    }
}

/// What a wait came to, for people: a [`headline`](Self::headline) and a line for each
/// failed sub-job ([`failed_sub_jobs`](Self::failed_sub_jobs)); its `Display` puts them on
/// one line, naming the first three failed sub-jobs. The text is the server's where it
/// names ids, statuses and errors: escape it before a terminal shows it.
///
/// ```
/// # fn show(error: &workspace_app_client::WaitError) {
/// let report = error.report();
/// eprintln!("error: {}", report.headline());
/// for line in report.failed_sub_jobs() {
///     eprintln!("  {line}"); // sub-job s-1 FAILED WKS.0001: no capacity
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct WaitReport<'a> {
    target: &'a WaitTarget,
    kind: Kind<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Kind<'a> {
    Succeeded {
        sub_jobs: usize,
        elapsed: Duration,
        polls: u32,
    },
    Failed {
        failed: &'a [JobDetailInfo],
        total: usize,
    },
    TimedOut {
        waited: Duration,
        polls: u32,
        last_seen: &'a [JobDetailInfo],
        last_poll_failed: bool,
    },
    TooManySubJobs {
        limit: u64,
    },
    CannotPoll,
}

impl JobOutcome {
    /// How the wait reads: `CREATE_SERVER job J: 2 sub-jobs succeeded after 12s (3 polls)`.
    pub fn report(&self) -> WaitReport<'_> {
        WaitReport {
            target: &self.target,
            kind: Kind::Succeeded {
                sub_jobs: self.sub_jobs.len(),
                elapsed: self.elapsed,
                polls: self.polls,
            },
        }
    }
}

impl WaitError {
    /// How the wait reads: what it came to, and each failed sub-job.
    pub fn report(&self) -> WaitReport<'_> {
        let (target, kind) = match self {
            WaitError::Failed {
                target,
                failed,
                sub_jobs,
            } => (
                target,
                Kind::Failed {
                    failed,
                    total: sub_jobs.len(),
                },
            ),
            WaitError::TimedOut {
                target,
                waited,
                polls,
                last_seen,
                last_error,
            } => (
                target,
                Kind::TimedOut {
                    waited: *waited,
                    polls: *polls,
                    last_seen,
                    last_poll_failed: last_error.is_some(),
                },
            ),
            WaitError::TooManySubJobs { target, limit } => {
                (target, Kind::TooManySubJobs { limit: *limit })
            }
            WaitError::Api { target, .. } => (target, Kind::CannotPoll),
        };
        WaitReport { target, kind }
    }
}

impl<'a> WaitReport<'a> {
    /// What the wait came to, on one line: `CREATE_SERVER job J failed: 1 of 2 sub-jobs
    /// failed`, `gave up waiting for CREATE_SERVER job J after 10m (14 polls); last seen: 1
    /// RUNNING, 1 SUCCESS`, `CREATE_SERVER job J: 2 sub-jobs succeeded after 12s (3 polls)`
    /// or `cannot poll CREATE_SERVER job J`.
    pub fn headline(&self) -> impl fmt::Display + 'a {
        Headline(*self)
    }

    /// One line for each failed sub-job, all of them: `sub-job s-1 FAILED WKS.0001: no
    /// capacity`. None unless sub-jobs failed.
    pub fn failed_sub_jobs(&self) -> impl ExactSizeIterator<Item = impl fmt::Display + 'a> + 'a {
        let failed: &'a [JobDetailInfo] = match self.kind {
            Kind::Failed { failed, .. } => failed,
            _ => &[],
        };
        failed.iter().map(SubJobLine)
    }
}

impl fmt::Display for WaitReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Headline(*self))?;
        match self.kind {
            Kind::Failed { failed, .. } => {
                for sub_job in failed.iter().take(NAMED_FAILURES) {
                    write!(f, "; {}", SubJobLine(sub_job))?;
                }
                if failed.len() > NAMED_FAILURES {
                    write!(f, "; and {} more", failed.len() - NAMED_FAILURES)?;
                }
            }
            // The error itself is the wait error's `source()`.
            Kind::TimedOut {
                last_poll_failed: true,
                ..
            } => f.write_str("; the last poll failed")?,
            _ => {}
        }
        Ok(())
    }
}

struct Headline<'a>(WaitReport<'a>);

impl fmt::Display for Headline<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = self.0.target;
        match self.0.kind {
            Kind::Succeeded {
                sub_jobs,
                elapsed,
                polls,
            } => write!(
                f,
                "{target}: {} succeeded after {} ({})",
                Count(sub_jobs, "sub-job"),
                Human(elapsed),
                Count(polls as usize, "poll")
            ),
            Kind::Failed { failed, total } => write!(
                f,
                "{target} failed: {} of {} failed",
                failed.len(),
                Count(total, "sub-job")
            ),
            Kind::TimedOut {
                waited,
                polls,
                last_seen,
                ..
            } => write!(
                f,
                "gave up waiting for {target} after {} ({}); last seen: {}",
                Human(waited),
                Count(polls as usize, "poll"),
                StatusCounts::of(last_seen)
            ),
            Kind::TooManySubJobs { limit } => write!(
                f,
                "not waiting for {target}: it has more than {} (the most a wait follows)",
                Count(usize::try_from(limit).unwrap_or(usize::MAX), "sub-job")
            ),
            Kind::CannotPoll => write!(f, "cannot poll {target}"),
        }
    }
}

/// The [`report`](WaitError::report) on one line.
impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.report(), f)
    }
}

impl fmt::Display for WaitTarget {
    /// `CREATE_SERVER job J`, or `sub-job S of CREATE_SERVER job J`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(sub_job) = &self.sub_job_id {
            write!(f, "sub-job {sub_job} of ")?;
        }
        write!(f, "{} job {}", self.job_type, self.job_id)
    }
}

/// `sub-job s-1 FAILED WKS.0001: no capacity`
struct SubJobLine<'a>(&'a JobDetailInfo);

impl fmt::Display for SubJobLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sub_job = self.0;
        write!(f, "sub-job {} ", sub_job.id.as_deref().unwrap_or("(no id)"))?;
        match &sub_job.status {
            Some(status) => write!(f, "{status}")?,
            None => f.write_str("(no status)")?,
        }
        let error = error_text(
            sub_job.error_code.as_deref(),
            sub_job.error_message.as_deref(),
        );
        if let Some(error) = error {
            write!(f, " {error}")?;
        }
        Ok(())
    }
}

/// `1 sub-job`, `2 sub-jobs`.
struct Count(usize, &'static str);

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Count(n, noun) = *self;
        write!(f, "{n} {noun}{}", if n == 1 { "" } else { "s" })
    }
}

/// A duration for people: whole seconds from 10 s on, whole milliseconds below, written
/// `1day 2h 3m 4s`, `2s 500ms`.
struct Human(Duration);

impl fmt::Display for Human {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let duration = self.0;
        let millis = if duration >= Duration::from_secs(10) {
            0
        } else {
            duration.subsec_millis()
        };
        let secs = duration.as_secs();
        let days = secs / 86_400;
        let parts = [
            (secs / 3_600 % 24, "h"),
            (secs / 60 % 60, "m"),
            (secs % 60, "s"),
            (u64::from(millis), "ms"),
        ];
        let mut first = true;
        let mut separator = |f: &mut fmt::Formatter<'_>| {
            let space = if first { "" } else { " " };
            first = false;
            f.write_str(space)
        };
        if days > 0 {
            separator(f)?;
            write!(f, "{days}day{}", if days == 1 { "" } else { "s" })?;
        }
        for (value, unit) in parts {
            if value > 0 {
                separator(f)?;
                write!(f, "{value}{unit}")?;
            }
        }
        if first {
            f.write_str("0s")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::sub_job;
    use crate::types::JobTypeFilter;

    fn target() -> WaitTarget {
        WaitTarget {
            job_type: JobTypeFilter::CreateServer,
            job_id: "J".into(),
            sub_job_id: None,
        }
    }

    #[test]
    fn a_failure_names_each_sub_job_and_its_error() {
        let mut failed = sub_job("s-1", "FAILED");
        failed.error_code = Some("WKS.0001".into());
        failed.error_message = Some("no capacity".into());
        let mut all = vec![failed];
        all.extend((2..=5).map(|i| sub_job(&format!("s-{i}"), "ABNORMAL")));
        let mut sub_jobs = all.clone();
        sub_jobs.extend([sub_job("s-6", "SUCCESS"), sub_job("s-7", "SUCCESS")]);
        let error = WaitError::Failed {
            target: target(),
            failed: all,
            sub_jobs,
        };
        assert_eq!(
            error.to_string(),
            "CREATE_SERVER job J failed: 5 of 7 sub-jobs failed; \
             sub-job s-1 FAILED WKS.0001: no capacity; sub-job s-2 ABNORMAL; \
             sub-job s-3 ABNORMAL; and 2 more"
        );
        let report = error.report();
        assert_eq!(
            report.headline().to_string(),
            "CREATE_SERVER job J failed: 5 of 7 sub-jobs failed"
        );
        let lines: Vec<String> = report.failed_sub_jobs().map(|l| l.to_string()).collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(lines[0], "sub-job s-1 FAILED WKS.0001: no capacity");
        assert_eq!(lines[4], "sub-job s-5 ABNORMAL");
    }

    #[test]
    fn a_sub_job_without_id_status_or_code_still_reads() {
        let mut bare = JobDetailInfo::default();
        assert_eq!(SubJobLine(&bare).to_string(), "sub-job (no id) (no status)");
        bare.error_message = Some("quota".into());
        assert_eq!(
            SubJobLine(&bare).to_string(),
            "sub-job (no id) (no status) quota"
        );
    }

    #[test]
    fn a_timeout_reads_with_the_last_seen_state() {
        let error = WaitError::TimedOut {
            target: WaitTarget {
                sub_job_id: Some("S".into()),
                ..target()
            },
            waited: Duration::from_millis(600_400),
            polls: 1,
            last_seen: vec![sub_job("S", "RUNNING")],
            last_error: Some(crate::Error::RepeatedPage { offset: 0 }),
        };
        assert_eq!(
            error.report().headline().to_string(),
            "gave up waiting for sub-job S of CREATE_SERVER job J after 10m (1 poll); \
             last seen: 1 RUNNING"
        );
        assert!(
            error.to_string().ends_with("; the last poll failed"),
            "{error}"
        );
        assert_eq!(error.report().failed_sub_jobs().len(), 0);
    }

    #[test]
    fn an_outcome_reads_as_success() {
        let outcome = JobOutcome {
            target: target(),
            sub_jobs: vec![sub_job("a", "SUCCESS")],
            polls: 3,
            elapsed: Duration::from_millis(2_500),
        };
        assert_eq!(
            outcome.report().to_string(),
            "CREATE_SERVER job J: 1 sub-job succeeded after 2s 500ms (3 polls)"
        );
    }

    #[test]
    fn durations_read_like_humantime_rounded() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_micros(1_500), "1ms"),
            (Duration::from_millis(150), "150ms"),
            (Duration::from_millis(9_999), "9s 999ms"),
            (Duration::from_millis(10_999), "10s"),
            (Duration::from_secs(60), "1m"),
            (Duration::from_secs(3_725), "1h 2m 5s"),
            (Duration::from_secs(86_400), "1day"),
            (Duration::from_secs(2 * 86_400 + 1), "2days 1s"),
        ];
        for (duration, shown) in cases {
            assert_eq!(Human(duration).to_string(), shown, "{duration:?}");
        }
    }
}
