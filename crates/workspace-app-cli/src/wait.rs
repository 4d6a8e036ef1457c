//! `workspace-app sub-jobs wait`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use workspace_app_client::{
    Client, DEFAULT_CONCURRENCY, DisplayErrorChain, StatusCounts, SubJobPhase, WaitError,
    WaitProgress,
};

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
