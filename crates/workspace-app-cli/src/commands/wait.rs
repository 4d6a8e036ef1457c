//! `workspace-app sub-jobs wait`.

use std::io::IsTerminal;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use workspace_app_client::spec::parameters::list_sub_jobs;
use workspace_app_client::types::JobTypeFilter;
use workspace_app_client::{
    Client, DEFAULT_CONCURRENCY, DisplayErrorChain, StatusCounts, SubJobPhase, WaitError,
    WaitProgress,
};

use crate::args::{concurrency_parser, spec_enum};
use crate::duration::{duration, positive_duration};
use crate::failure::{Exit, Failure};
use crate::terminal::{LINE_CHARS, escape, shorten};

// `sub-jobs wait`'s flags. (No doc comment: it would become the command's about text.)
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Job type of the job
    #[arg(long, value_name = "TYPE", value_parser = spec_enum::<JobTypeFilter>(&list_sub_jobs::JOB_TYPE))]
    pub job_type: JobTypeFilter,

    /// The job whose sub-jobs to wait for
    #[arg(long, value_name = "ID")]
    pub job_id: String,

    /// Wait for this one sub-job only
    #[arg(long, value_name = "ID")]
    pub sub_job_id: Option<String>,

    /// Give up after this long (e.g. 90s, 10m, 1h)
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = duration)]
    pub timeout: Duration,

    /// Pause after the first poll (e.g. 500ms, 5s); it doubles up to --max-interval
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = positive_duration)]
    pub interval: Duration,

    /// Longest pause between two polls
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = positive_duration)]
    pub max_interval: Duration,

    /// Stop at the first failed sub-job instead of waiting for all to finish
    #[arg(long)]
    pub fail_fast: bool,

    /// Pages of each poll requested at once, 1 to 16 (1: strictly one after another)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY as u64, value_parser = concurrency_parser())]
    pub concurrency: u64,
}

/// `sub-jobs wait`'s help after the flags.
pub const HELP: &str = "\
Statuses:
  SUCCESS                                finished
  FAILED, ABNORMAL                       failed: exit code 1, with each error_code and error_message
  WAITING, RUNNING, ROLLBACK, ABORTING   still going: keep waiting
  a status newer than this tool          keep waiting; a timeout shows it as sent
A job without sub-jobs yet is polled on: they may not exist yet.
The pause between polls starts at --interval and doubles up to --max-interval.
Progress goes to stderr: a bar on a terminal, a line per poll otherwise.

Examples:
  workspace-app sub-jobs wait --job-type CREATE_SERVER --job-id 2c9eb2c3
  workspace-app sub-jobs wait --job-type CREATE_SERVER --job-id 2c9eb2c3 --sub-job-id 7f1c --timeout 30m
  workspace-app sub-jobs wait --job-type DELETE_SERVER --job-id 2c9eb2c3 --fail-fast && echo deleted

Exit codes: 0 succeeded, 1 failed, 2 usage error, 3 service or network error, 4 timed out.";

pub async fn run(client: &Client, args: WaitArgs) -> Result<(), Failure> {
    let progress = Progress::new(std::io::stderr().is_terminal());
    let report = progress.clone();
    let mut waiter = client
        .wait_for_job(args.job_type, args.job_id.as_str())
        .timeout(args.timeout)
        .poll_interval(args.interval)
        .max_poll_interval(args.max_interval)
        .fail_fast(args.fail_fast)
        .concurrency(usize::try_from(args.concurrency).unwrap_or(DEFAULT_CONCURRENCY))
        .on_progress(move |seen| report.update(seen));
    if let Some(sub_job) = &args.sub_job_id {
        waiter = waiter.sub_job(sub_job.as_str());
    }
    let result = waiter.await;
    progress.finish();
    match result {
        Ok(outcome) => {
            // The library's words; the target and the count are the server's text.
            println!("{}", escape(&outcome.report().to_string()));
            Ok(())
        }
        Err(error) => Err(failure(&args, error)),
    }
}

/// The failure a wait ended in, in the library's words ([`WaitError::report`]), with this
/// tool's hints. `report` escapes every line.
fn failure(args: &WaitArgs, error: WaitError) -> Failure {
    let exit = match &error {
        WaitError::Failed { .. } => Exit::JobFailed,
        WaitError::TimedOut { .. } => Exit::Timeout,
        WaitError::Api { source, .. } => return Failure::api(source),
        // A kind of failure newer than this tool.
        _ => Exit::Api,
    };
    let report = error.report();
    let mut failure = Failure::new(exit, report.headline().to_string());
    for line in report.failed_sub_jobs() {
        failure = failure.detail(line.to_string());
    }
    if let WaitError::TimedOut { last_error, .. } = &error {
        if let Some(last_error) = last_error {
            failure = failure.detail(format!(
                "the last poll failed: {}",
                DisplayErrorChain(last_error)
            ));
        }
        failure = failure.detail(format!(
            "hint: wait longer with --timeout (it was {})",
            humantime::format_duration(args.timeout)
        ));
    }
    failure
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
        // Each status the server made up counts apart: the line is bounded too.
        let shown = shorten(&counts.to_string(), LINE_CHARS).into_owned();
        let problem = seen
            .error
            .map(|e| {
                format!(
                    " (poll {} failed: {})",
                    seen.polls,
                    shorten(&DisplayErrorChain(e).to_string(), LINE_CHARS)
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
