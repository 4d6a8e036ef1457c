//! `workspace-app sub-jobs wait`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use workspace_app_client::types::JobDetailInfo;
use workspace_app_client::{Client, StatusCounts, SubJobPhase, WaitError, WaitProgress};

use crate::cli::WaitArgs;
use crate::terminal::{LINE_CHARS, escape, shorten};
use crate::{Exit, Failure};

pub async fn run(client: &Client, args: WaitArgs) -> Result<(), Failure> {
    let progress = Progress::new(std::io::stderr().is_terminal());
    let report = progress.clone();
    let mut waiter = client
        .wait_for_job(args.job_type, args.job_id.as_str())
        .timeout(args.timeout)
        .poll_interval(args.interval)
        .max_poll_interval(args.max_interval)
        .fail_fast(args.fail_fast)
        .on_progress(move |seen| report.update(seen));
    if let Some(sub_job) = &args.sub_job_id {
        waiter = waiter.sub_job(sub_job.as_str());
    }
    let result = waiter.await;
    progress.finish();
    match result {
        Ok(outcome) => {
            println!(
                "{}: {} succeeded after {} ({} polls)",
                escape(&outcome.target.to_string()),
                sub_jobs(outcome.sub_jobs.len()),
                humantime::format_duration(rounded(outcome.elapsed)),
                outcome.polls
            );
            Ok(())
        }
        Err(error) => Err(failure(&args, error)),
    }
}

fn failure(args: &WaitArgs, error: WaitError) -> Failure {
    match error {
        WaitError::Failed {
            target,
            failed,
            sub_jobs: all,
            ..
        } => {
            let mut failure = Failure::new(
                Exit::JobFailed,
                format!(
                    "{target} failed: {} of {} failed",
                    failed.len(),
                    sub_jobs(all.len())
                ),
            );
            for sub_job in &failed {
                failure = failure.detail(describe(sub_job));
            }
            failure
        }
        WaitError::TimedOut {
            target,
            waited,
            polls,
            last_seen,
            last_error,
            ..
        } => {
            let mut failure = Failure::new(
                Exit::Timeout,
                format!(
                    "gave up waiting for {target} after {} ({polls} polls); last seen: {}",
                    humantime::format_duration(rounded(waited)),
                    StatusCounts::of(&last_seen)
                ),
            );
            if let Some(error) = last_error {
                failure = failure.detail(format!("the last poll failed: {error}"));
            }
            failure.detail(format!(
                "hint: wait longer with --timeout (it was {})",
                humantime::format_duration(args.timeout)
            ))
        }
        WaitError::Api { source, .. } => Failure::api(&source),
        // A kind of failure newer than this tool.
        other => Failure::new(Exit::Api, other.to_string()),
    }
}

/// `sub-job s-1 FAILED WKS.0001: no capacity`
fn describe(sub_job: &JobDetailInfo) -> String {
    let mut line = format!(
        "sub-job {} {}",
        sub_job.id.as_deref().unwrap_or("(no id)"),
        sub_job
            .status
            .as_ref()
            .map_or_else(|| "(no status)".to_string(), ToString::to_string)
    );
    for part in [&sub_job.error_code, &sub_job.error_message]
        .into_iter()
        .flatten()
    {
        line.push(' ');
        line.push_str(part);
    }
    line
}

fn sub_jobs(n: usize) -> String {
    if n == 1 {
        "1 sub-job".into()
    } else {
        format!("{n} sub-jobs")
    }
}

/// Durations for people: whole seconds from 10 s on, whole milliseconds below.
fn rounded(duration: Duration) -> Duration {
    if duration >= Duration::from_secs(10) {
        Duration::from_secs(duration.as_secs())
    } else {
        Duration::from_millis(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
    }
}

/// A bar on a terminal; a plain line per poll otherwise. Both on stderr, so that stdout
/// carries only the result.
#[derive(Clone)]
enum Progress {
    Bar(ProgressBar),
    Lines,
}

impl Progress {
    fn new(terminal: bool) -> Progress {
        if !terminal {
            return Progress::Lines;
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:24} {pos}/{len} finished  {msg}",
        ) {
            bar.set_style(style);
        }
        bar.set_message("first poll…");
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress::Bar(bar)
    }

    fn update(&self, seen: &WaitProgress<'_>) {
        // Statuses newer than this tool and error messages are the server's text.
        let counts = StatusCounts::of(seen.sub_jobs);
        let shown = escape(&counts.to_string()).into_owned();
        let problem = seen
            .error
            .map(|e| {
                format!(
                    " (poll {} failed: {})",
                    seen.polls,
                    shorten(&e.to_string(), LINE_CHARS)
                )
            })
            .unwrap_or_default();
        match self {
            Progress::Bar(bar) => {
                bar.set_length(seen.sub_jobs.len() as u64);
                let finished =
                    counts.in_phase(SubJobPhase::Succeeded) + counts.in_phase(SubJobPhase::Failed);
                bar.set_position(finished as u64);
                bar.set_message(format!("{shown}{problem}"));
            }
            Progress::Lines => eprintln!(
                "[{}] poll {}: {shown}{problem}",
                humantime::format_duration(Duration::from_secs(seen.elapsed.as_secs())),
                seen.polls
            ),
        }
    }

    fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
