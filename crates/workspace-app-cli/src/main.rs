//! `workspace-app`: list the sub-jobs of Huawei Cloud Workspace jobs and wait for them to
//! finish, over the `workspace-app-client` crate. See `workspace-app --help`.

mod api;
mod cli;
mod debug;
#[cfg(feature = "demo")]
mod demo;
mod doctor;
mod dry_run;
mod duration;
mod list;
mod table;
mod terminal;
mod wait;

use std::io::Write;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use clap::{CommandFactory, Parser};
use workspace_app_client::{
    BuildError, Client, ClientBuilder, Credentials, CredentialsChain, CredentialsError,
    DisplayErrorChain, Error, ProjectLookupError, RetryPolicy, env,
};

use crate::cli::{Cli, Command, GlobalArgs, SubJobsCommand};

/// The documented exit codes (see `workspace-app --help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    JobFailed = 1,
    /// clap uses 2 for its own usage errors too.
    Usage = 2,
    Api = 3,
    Timeout = 4,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// Why a command did not succeed: the exit code, what went wrong, and what to do about it.
#[derive(Debug, Clone)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    /// Extra lines after the message (details, a hint), each shown on its own.
    pub details: Vec<String>,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
            details: Vec::new(),
        }
    }

    pub fn detail(mut self, line: impl Into<String>) -> Self {
        self.details.push(line.into());
        self
    }

    /// A failed call, with a hint at the usual cause of its status. A request refused
    /// before sending is a usage error.
    pub fn api(error: &Error) -> Self {
        // Refused before sending, by the spec's checks or by the HTTP library (a URL too
        // long to send, say): nothing reached the network.
        // The error and its causes on one line (`Display` alone shows only the first).
        if let Error::DryRun(prepared) = error {
            return dry_run::shown(prepared);
        }
        let message = DisplayErrorChain(error).to_string();
        if matches!(error, Error::InvalidRequest(_))
            || matches!(error, Error::Transport(e) if e.is_builder())
        {
            return Failure::new(Exit::Usage, message);
        }
        let failure = Failure::new(Exit::Api, message);
        // The service's error code says more than the status: a 401 for a bad clock and
        // one for a bad key are both APIGW.0301, a 404 for a wrong endpoint is APIGW.0101.
        let hint = match error.error_code().and_then(hint_for_code) {
            Some(hint) => Some(hint),
            None => hint_for_status(error),
        };
        match hint {
            Some(hint) => failure.detail(hint),
            None => failure,
        }
    }
}

/// What to do about an error, from the service's `error_code`.
pub fn hint_for_code(code: &str) -> Option<String> {
    let hint = match code {
        "APIGW.0301" => format!(
            "hint: the gateway refused the credentials (APIGW.0301): check the AK/SK ({} and {}) or the token (--token, --token-file), and this machine's clock (signatures more than 15 minutes off are refused; `workspace-app doctor` shows the offset)",
            env::AK,
            env::SK
        ),
        "APIGW.0302" | "APIGW.0303" => format!(
            "hint: the gateway refused the caller ({code}): check that the IAM user or token may call this API"
        ),
        "APIGW.0101" => format!(
            "hint: no such API at this endpoint ({code}): check --endpoint or --region, and --project-id"
        ),
        "APIGW.0308" => format!(
            "hint: throttled by the gateway ({code}): wait and try again, or lower --concurrency"
        ),
        _ => return None,
    };
    Some(hint)
}

/// What to do about an error without a known `error_code`, from its HTTP status or kind.
fn hint_for_status(error: &Error) -> Option<String> {
    {
        match error.status().map(|s| s.as_u16()) {
            _ if matches!(error, Error::Redirect { .. }) => Some(
                "hint: the endpoint moved or is not the API; check --endpoint or --region (the redirect was not followed)"
                    .to_string(),
            ),
            Some(401) => Some(format!(
                "hint: check the credentials: --token, or {} and {}",
                env::AK,
                env::SK
            )),
            Some(403) => {
                Some("hint: the IAM user needs the action workspace:jobs:listSubJobs".to_string())
            }
            Some(404) => Some("hint: check --project-id and the endpoint or region".to_string()),
            _ if matches!(error, Error::Transport(_)) => Some(
                "hint: check --endpoint or --region, and the network (`workspace-app doctor` checks each step)"
                    .to_string(),
            ),
            _ => None,
        }
    }
}

fn main() -> ExitCode {
    // Usage errors exit with 2 here, before anything is sent.
    let cli = Cli::parse();
    if cli.global.debug {
        debug::init();
    }
    let result = match cli.command {
        Command::Doctor => doctor::run(&cli.global),
        Command::Completions { shell } => completions(shell),
        Command::SubJobs(command) => run(&cli.global, command),
        Command::Api(operation) => api::run(&cli.global, operation),
        #[cfg(feature = "demo")]
        Command::Demo { seed } => runtime().and_then(|runtime| runtime.block_on(demo::run(seed))),
    };
    match result {
        Ok(()) => Exit::Success.into(),
        // A dry run's request, on stdout.
        Err(failure) if failure.exit == Exit::Success => {
            dry_run::print(&failure);
            Exit::Success.into()
        }
        Err(failure) => {
            report(&failure);
            failure.exit.into()
        }
    }
}

fn run(global: &GlobalArgs, command: SubJobsCommand) -> Result<(), Failure> {
    runtime()?.block_on(async {
        let client = connect(global).await?;
        match command {
            SubJobsCommand::List(args) => list::run(&client, args).await,
            SubJobsCommand::Wait(args) => wait::run(&client, args).await,
        }
    })
}

/// The shell's completion script, on stdout.
fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "workspace-app", &mut script);
    if shell == clap_complete::Shell::Bash {
        // clap_complete 4.6 names the states of a subcommand after the program name with
        // its `-` escaped (`workspace__subcmd__app__subcmd__api`), but tracks the current one
        // without (`workspace__app__subcmd__api`), so no subcommand's words ever completed
        // (clap-rs/clap#6421): one spelling, the one it tracks.
        script = String::from_utf8_lossy(&script)
            .replace("workspace__subcmd__app", "workspace__app")
            .into_bytes();
    }
    std::io::stdout()
        .write_all(&script)
        .or_else(list::quiet_broken_pipe)
}

/// The main task runs on this thread and writes stdout with blocking writes; the page
/// requests the paginator runs ahead of it are tasks on a worker, so they complete while a
/// slow reader (`| less`) holds the writes up, instead of timing out unpolled.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| Failure::new(Exit::Api, format!("cannot start the async runtime: {e}")))
}

/// The client the global flags describe; what is missing or wrong is a usage error.
///
/// Credentials: a token (flag, variable or file), else the chain of Huawei's SDKs (the
/// environment, `~/.huaweicloud/credentials`, the ECS metadata service); when it finds
/// none, requests go unsigned, as before the chain. With AK/SK and no `--project-id`, the
/// project ID is looked up in IAM for `--region`.
pub(crate) async fn connect(global: &GlobalArgs) -> Result<Client, Failure> {
    connect_with(global, token(global)?).await
}

/// [`connect`] with the IAM token already read ([`token`]).
pub(crate) async fn connect_with(
    global: &GlobalArgs,
    token: Option<String>,
) -> Result<Client, Failure> {
    let usage = |message: String| Failure::new(Exit::Usage, message);
    let Some(mut builder) = target(global) else {
        return Err(usage(
            "no endpoint: pass --region REGION (e.g. ap-southeast-1) or --endpoint URL".into(),
        ));
    };
    if let Some(project_id) = &global.project_id {
        builder = builder.project_id(project_id);
    }
    if global.allow_insecure_http {
        builder = builder.allow_insecure_http();
    }
    builder = network(builder, global);
    if global.dry_run {
        builder = builder.dry_run();
    }
    // A token (flag, variable or file) wins over the chain.
    let built = match token {
        Some(_) if global.project_id.is_none() => {
            return Err(usage(format!(
                "no project ID: pass --project-id ID or set {} (only AK/SK credentials look it up)",
                env::PROJECT_ID
            )));
        }
        Some(token) => {
            builder
                .credentials(Credentials::token(token))
                .build_async()
                .await
        }
        None => match builder
            .clone()
            .credentials_chain(CredentialsChain::default())
            .build_async()
            .await
        {
            // No credentials anywhere: unsigned requests (an open emulator), or a 401. Said
            // on stderr, with why each source had none (a metadata service that failed).
            Err(BuildError::Credentials(not_found @ CredentialsError::NotFound { .. })) => {
                if global.project_id.is_none() {
                    return Err(usage(format!(
                        "no project ID: pass --project-id ID or set {}",
                        env::PROJECT_ID
                    )));
                }
                warn(&format!("{not_found}; sending requests unsigned"));
                builder.build()
            }
            other => other,
        },
    };
    built.map_err(|error| match error {
        // The messages say what to fix, in the library's words; say it in flags here.
        BuildError::InvalidCredentials(reason) => usage(format!(
            "{reason}: check --token, or {} and {}",
            env::AK,
            env::SK
        )),
        BuildError::InvalidEndpoint { endpoint, reason } => usage(format!(
            "invalid --endpoint {endpoint:?}: {reason}; write e.g. https://host or http://127.0.0.1:8080"
        )),
        BuildError::InsecureHttp { host } => usage(format!(
            "refusing to send credentials over plain http to {host}, which is not this machine: use https://, or pass --allow-insecure-http if the network is trusted"
        )),
        BuildError::UnknownRegion(unknown) => usage(format!(
            "{unknown}; for another region pass --endpoint URL with it, or set {} or a regions file",
            workspace_app_client::region_endpoint_env(&unknown.0)
        )),
        // IAM could not be asked, or refused: not a usage error.
        BuildError::ProjectLookup(lookup @ ProjectLookupError::Request { .. }) => {
            Failure::new(Exit::Api, DisplayErrorChain(&lookup).to_string())
                .detail("hint: pass --project-id ID to skip the lookup")
        }
        other => usage(DisplayErrorChain(&other).to_string()),
    })
}

/// The network flags: proxy, extra CA, timeouts, attempts, user agent.
fn network(mut builder: ClientBuilder, global: &GlobalArgs) -> ClientBuilder {
    if let Some(proxy) = &global.proxy {
        builder = builder.proxy(proxy);
    }
    if let Some(path) = &global.ca_file {
        builder = builder.ca_file(path);
    }
    if let Some(timeout) = global.connect_timeout {
        builder = builder.connect_timeout(timeout);
    }
    if let Some(timeout) = global.request_timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(attempts) = global.max_attempts {
        builder = builder.retry(RetryPolicy::default().max_attempts(attempts));
    }
    if let Some(name) = &global.app_name {
        builder = builder.app_name(name);
    }
    builder
}

/// A builder aimed where `--region` and `--endpoint` say; `None` without either.
pub(crate) fn target(global: &GlobalArgs) -> Option<ClientBuilder> {
    if global.region.is_none() && global.endpoint.is_none() {
        return None;
    }
    let mut builder = ClientBuilder::new();
    // The region first: an endpoint given too overrides where requests go, and the region
    // still names the project to look up.
    if let Some(region) = &global.region {
        builder = builder.region(region);
    }
    if let Some(endpoint) = &global.endpoint {
        builder = builder.endpoint(endpoint);
    }
    Some(builder)
}

/// The IAM token from `--token`, `WORKSPACE_APP_TOKEN` or `--token-file`, if any.
pub(crate) fn token(global: &GlobalArgs) -> Result<Option<String>, Failure> {
    if let Some(token) = &global.token {
        return Ok(Some(token.clone()));
    }
    let Some(path) = &global.token_file else {
        return Ok(None);
    };
    let (read, from) = if path.as_os_str() == "-" {
        (
            std::io::read_to_string(std::io::stdin().lock()).map_err(|e| e.to_string()),
            "standard input".to_string(),
        )
    } else {
        (
            std::fs::read_to_string(path).map_err(|e| e.to_string()),
            format!("{}", path.display()),
        )
    };
    // The error names the file, never its content.
    let token = read
        .map_err(|e| Failure::new(Exit::Usage, format!("cannot read --token-file {from}: {e}")))?;
    let token = token.trim_end();
    if token.is_empty() {
        return Err(Failure::new(
            Exit::Usage,
            format!("--token-file {from} is empty"),
        ));
    }
    Ok(Some(token.to_string()))
}

/// Writes a warning line to stderr, escaped and bounded ([`terminal::shorten`]).
pub fn warn(line: &str) {
    let yellow = Style::new().bold().fg_color(Some(AnsiColor::Yellow.into()));
    let mut stderr = anstream::stderr().lock();
    let shown = terminal::shorten(line, terminal::LINE_CHARS);
    let _ = writeln!(stderr, "{yellow}warning:{yellow:#} {shown}");
}

/// Writes the failure to stderr, every line escaped and bounded ([`terminal::shorten`]):
/// messages carry text from the server and from the command line.
pub fn report(failure: &Failure) {
    let red = Style::new().bold().fg_color(Some(AnsiColor::Red.into()));
    // anstream strips the colour when stderr is not a terminal (or NO_COLOR is set).
    let mut stderr = anstream::stderr().lock();
    let shown = |line: &str| terminal::shorten(line, terminal::LINE_CHARS).into_owned();
    let _ = writeln!(stderr, "{red}error:{red:#} {}", shown(&failure.message));
    for line in &failure.details {
        let _ = writeln!(stderr, "  {}", shown(line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_a_subcommand_only_with_the_demo_feature() {
        let parsed = Cli::try_parse_from(["workspace-app", "demo", "--seed", "3"]);
        assert_eq!(parsed.is_ok(), cfg!(feature = "demo"), "{parsed:?}");
    }
}
