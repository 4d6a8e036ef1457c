//! `workspace-app-mock`: runs the emulator until interrupted. The first line on stdout is
//! `listening on http://ADDR:PORT`; request logs go to stderr (`RUST_LOG` filters them).
//! Secrets can come from the environment instead of the command line (see `--help`).

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use workspace_app_client::types::JobType;
use workspace_app_mock::{Config, DEFAULT_PROJECT_ID, Faults, JobPlan, SubJobPlan};

/// A local emulator of Huawei Cloud Workspace's Querying Subtasks API
/// (GET /v1/{project_id}/app-server-sub-jobs).
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Secrets are better set in the environment (WORKSPACE_APP_MOCK_TOKEN, \
                  WORKSPACE_APP_MOCK_AK, WORKSPACE_APP_MOCK_SK, \
                  WORKSPACE_APP_MOCK_SECURITY_TOKEN) than given as options, which other \
                  users of the machine can read in the process list. A flag wins over its \
                  variable; --help never shows their values."
)]
struct Args {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Jobs to generate at start (each with 1 to 5 sub-jobs).
    #[arg(long, default_value_t = 20)]
    jobs: usize,
    /// Seed of the generated jobs, IDs and injected faults: the same seed, the same data.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Accept this IAM token in X-Auth-Token.
    #[arg(long, env = "WORKSPACE_APP_MOCK_TOKEN", hide_env_values = true, conflicts_with_all = ["ak", "sk"])]
    token: Option<String>,
    /// Accept requests signed with this access key (needs --sk).
    #[arg(
        long,
        env = "WORKSPACE_APP_MOCK_AK",
        hide_env_values = true,
        requires = "sk"
    )]
    ak: Option<String>,
    /// The secret key of --ak.
    #[arg(
        long,
        env = "WORKSPACE_APP_MOCK_SK",
        hide_env_values = true,
        requires = "ak"
    )]
    sk: Option<String>,
    /// Treat --ak/--sk as temporary credentials: signed requests must carry and sign
    /// X-Security-Token with this value.
    #[arg(
        long,
        env = "WORKSPACE_APP_MOCK_SECURITY_TOKEN",
        hide_env_values = true,
        requires = "ak"
    )]
    security_token: Option<String>,
    /// The project the generated jobs belong to.
    #[arg(long, default_value = DEFAULT_PROJECT_ID)]
    project_id: String,
    /// The region the emulator stands for: IAM (--iam) lists the project under its name.
    #[arg(long, default_value = workspace_app_mock::DEFAULT_REGION)]
    region: String,
    /// Serve IAM's signed GET /v3/projects?name=REGION, so that clients can look up the
    /// project ID.
    #[arg(long)]
    iam: bool,
    /// Serve the ECS metadata service's GET /openstack/latest/securitykey, issuing
    /// temporary credentials valid this many seconds (accepted until they expire).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    metadata_credentials: Option<Duration>,
    /// How much faster than real time sub-jobs progress.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Share of requests answered 500 (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0)]
    fail_500_rate: f64,
    /// Share of requests answered 503 (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0)]
    fail_503_rate: f64,
    /// Share of requests answered 429 (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0)]
    fail_429_rate: f64,
    /// Retry-After, in seconds, of injected 503s and 429s (429s default to 1).
    #[arg(long)]
    retry_after: Option<u64>,
    /// Milliseconds added to every request.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Up to this many more milliseconds, drawn per request.
    #[arg(long, default_value_t = 0)]
    latency_jitter_ms: u64,
    /// Also add a job of TYPE with COUNT sub-jobs that have already succeeded, e.g.
    /// `--bulk CREATE_SERVER:10000` for paging benchmarks (repeatable).
    #[arg(long, value_name = "TYPE:COUNT", value_parser = parse_bulk)]
    bulk: Vec<(JobType, usize)>,
    /// Seconds a client has to send a request's head, from connecting or from the previous
    /// answer (so also how long an idle kept-alive connection stays open).
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    header_timeout: Duration,
    /// Most connections served at once; more wait to be accepted.
    #[arg(long, default_value_t = workspace_app_mock::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Seconds requests in flight get to finish after SIGTERM or Ctrl-C; then the rest are
    /// dropped and the process exits.
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = parse_seconds)]
    shutdown_grace: Duration,
}

fn parse_seconds(value: &str) -> Result<Duration, String> {
    value
        .parse::<f64>()
        .ok()
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .ok_or_else(|| format!("expected a number of seconds, e.g. 10 or 0.5, got {value:?}"))
}

fn parse_bulk(value: &str) -> Result<(JobType, usize), String> {
    let (job_type, count) = value
        .split_once(':')
        .ok_or_else(|| format!("expected TYPE:COUNT, e.g. CREATE_SERVER:10000, got {value:?}"))?;
    let job_type = job_type
        .parse::<JobType>()
        .map_err(|_| format!("unknown job type {job_type:?}"))?;
    let count = count
        .parse::<usize>()
        .map_err(|_| format!("COUNT must be a whole number, got {count:?}"))?;
    Ok((job_type, count))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let auth = match (&args.token, &args.ak, &args.security_token) {
        (Some(_), _, _) => "X-Auth-Token",
        (None, Some(_), None) => "AK/SK signatures",
        (None, Some(_), Some(_)) => "temporary AK/SK signatures, with X-Security-Token",
        _ if args.metadata_credentials.is_some() => {
            "temporary AK/SK signatures, with keys from the metadata endpoint"
        }
        _ => "none (every request is let in)",
    };
    let mut config = Config::default()
        .listen(args.listen)
        .jobs(args.jobs)
        .seed(args.seed)
        .project_id(args.project_id)
        .region(args.region)
        .speed(args.speed)
        .header_timeout(args.header_timeout)
        .max_connections(args.max_connections)
        .shutdown_grace(args.shutdown_grace)
        .faults(Faults {
            internal_error_rate: args.fail_500_rate,
            unavailable_rate: args.fail_503_rate,
            throttled_rate: args.fail_429_rate,
            retry_after: args.retry_after.map(Duration::from_secs),
            latency: Duration::from_millis(args.latency_ms),
            latency_jitter: Duration::from_millis(args.latency_jitter_ms),
        });
    if let Some(token) = args.token {
        config = config.token(token);
    }
    if args.iam {
        config = config.iam();
    }
    if let Some(lifetime) = args.metadata_credentials {
        config = config.metadata_credentials(lifetime);
    }
    match (args.ak, args.sk, args.security_token) {
        (Some(ak), Some(sk), Some(security_token)) => {
            config = config.temporary(ak, sk, security_token);
        }
        (Some(ak), Some(sk), None) => config = config.ak_sk(ak, sk),
        _ => {}
    }

    let mut signals = Signals::install();
    let emulator = match workspace_app_mock::start(config).await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for (job_type, count) in args.bulk {
        let done = || SubJobPlan::succeeds(Duration::ZERO, Duration::ZERO);
        emulator.add_job(JobPlan::new(job_type).sub_jobs((0..count).map(|_| done())));
    }
    // Scripts wait for this line to learn the port, so it goes first and is flushed.
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "listening on {}", emulator.base_url())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    tracing::info!(
        project_id = emulator.project_id(),
        sub_jobs = emulator.sub_job_count(),
        auth,
        "serving GET /v1/{{project_id}}/app-server-sub-jobs"
    );

    signals.recv().await;
    tracing::info!(
        grace_secs = args.shutdown_grace.as_secs_f64(),
        "shutting down: requests in flight may finish within the grace period"
    );
    tokio::select! {
        () = emulator.shutdown() => {}
        () = signals.recv() => tracing::warn!("a second signal: exiting at once"),
    }
    ExitCode::SUCCESS
}

/// Ctrl-C, and SIGTERM where there is one (how scripts and CI stop a background process),
/// caught from the moment of [`Signals::install`] on.
struct Signals {
    #[cfg(unix)]
    unix: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    /// Installs the handlers. Until then the default action applies: the process dies
    /// at once, so this comes before the `listening on` line that scripts wait for.
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let unix = signal(SignalKind::interrupt())
                .and_then(|interrupt| Ok((interrupt, signal(SignalKind::terminate())?)))
                .ok();
            Signals { unix }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The next signal.
    async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some((interrupt, terminate)) = &mut self.unix {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
