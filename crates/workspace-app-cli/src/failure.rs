//! How a command ends when it does not succeed: the documented exit codes, the failure with
//! what to do about it (hints from the service's error code or the HTTP status), and the
//! lines written to stderr for it, every one escaped and bounded.

use std::io::{self, Write};
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use workspace_app_client::dry_run::PreparedRequest;
use workspace_app_client::{DisplayErrorChain, Error, env};

use crate::terminal;

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

    /// The "failure" a dry run ends the command with: exit 0, the request as its message
    /// (written to stdout by [`crate::dry_run::print`]).
    pub fn dry_run(prepared: &PreparedRequest) -> Self {
        Failure::new(Exit::Success, prepared.to_string())
    }

    /// A failed call, with a hint at the usual cause of its status. A request refused
    /// before sending is a usage error.
    pub fn api(error: &Error) -> Self {
        // Refused before sending, by the spec's checks or by the HTTP library (a URL too
        // long to send, say): nothing reached the network.
        // The error and its causes on one line (`Display` alone shows only the first).
        if let Error::DryRun(prepared) = error {
            return Failure::dry_run(prepared);
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
            _ if matches!(error, Error::Transport(_) | Error::Unreachable { .. }) => Some(
                "hint: check --endpoint or --region, and the network (`workspace-app doctor` checks each step)"
                    .to_string(),
            ),
            _ => None,
        }
    }
}

/// A reader that went away (`| head`) is not an error.
pub fn quiet_broken_pipe(error: io::Error) -> Result<(), Failure> {
    if error.kind() == io::ErrorKind::BrokenPipe {
        return Ok(());
    }
    Err(Failure::new(
        Exit::Api,
        format!("cannot write the output: {error}"),
    ))
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
