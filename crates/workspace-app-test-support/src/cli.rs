//! Running a binary of the workspace as a user would, with nothing of the environment of
//! whoever runs the tests: no credentials, project ID, proxy, region or colour settings,
//! and a credential chain that finds nothing. The test names the binary (it depends on no
//! workspace crate: `Run::new(env!("CARGO_BIN_EXE_workspace-app"))`) and adds what it
//! needs; every run ends within a limit, so that a regression fails instead of hanging.
//!
//! ```no_run
//! # async fn f() {
//! use workspace_app_test_support::cli::{Run, code, shown, stdout};
//!
//! let output = Run::new("target/debug/workspace-app")
//!     .args(["sub-jobs", "list", "--job-type", "CREATE_SERVER"])
//!     .env("WORKSPACE_APP_TOKEN", "t")
//!     .output()
//!     .await;
//! assert_eq!(code(&output), 0, "{}", shown(&output));
//! println!("{}", stdout(&output));
//! # }
//! ```

use std::ffi::OsStr;
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::io::AsyncWriteExt;

/// The only `PATH` a run gets.
pub const PATH: &str = "/usr/bin:/bin";

/// The credential chain finds nothing: no credentials file, and a metadata service on a
/// local port nothing listens on (never the real 169.254.169.254). A test's own values
/// for either replace these.
pub const NO_CHAIN: [(&str, &str); 2] = [
    (
        "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
        "/nonexistent/workspace-app-test/credentials",
    ),
    ("HUAWEICLOUD_SDK_METADATA_ENDPOINT", "http://127.0.0.1:9"),
];

/// How long one run may take, unless the test says otherwise ([`Run::timeout`]).
pub const RUN_LIMIT: Duration = Duration::from_secs(60);

/// One run of a program in a scrubbed environment: `PATH` ([`PATH`]), the chain that finds
/// nothing ([`NO_CHAIN`]), and the variables the test adds; standard input empty unless
/// given ([`Run::stdin`]).
#[derive(Debug)]
pub struct Run {
    command: tokio::process::Command,
    stdin: Option<Vec<u8>>,
    limit: Duration,
}

impl Run {
    /// `program` (the path of the binary under test, or a wrapper such as `script`), with
    /// no arguments yet.
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        let mut command = tokio::process::Command::new(program);
        command
            .env_clear()
            .env("PATH", PATH)
            .envs(NO_CHAIN)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        Run {
            command,
            stdin: None,
            limit: RUN_LIMIT,
        }
    }

    /// Adds `args`, after those already given.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    /// Sets the variable `key` (replacing the scrubbed environment's value, if any).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Sets every variable of `vars`, in order.
    pub fn envs<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.command.envs(vars);
        self
    }

    /// Unsets the variable `key`: one of the scrubbed environment's ([`NO_CHAIN`]), for a
    /// test of what the program does without it.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.command.env_remove(key);
        self
    }

    /// `input` as the standard input, then its end.
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// How long the run may take before the test fails ([`RUN_LIMIT`] otherwise).
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    /// Runs the program to its end, its output captured; panics when it cannot start or
    /// does not end within the limit (and kills it).
    pub async fn output(mut self) -> Output {
        let shown = format!("{:?}", self.command.as_std());
        let piped = if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        };
        self.command
            .stdin(piped)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self
            .command
            .spawn()
            .unwrap_or_else(|e| panic!("{shown} does not start: {e}"));
        if let (Some(input), Some(mut pipe)) = (self.stdin, child.stdin.take()) {
            // A program that ends without reading it all is the test's to judge, from
            // what it wrote and its exit code.
            let _ = pipe.write_all(&input).await;
        }
        tokio::time::timeout(self.limit, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("{shown} not done within {:?}", self.limit))
            .unwrap_or_else(|e| panic!("{shown}: {e}"))
    }

    /// The command as set up, for a test that spawns it itself (to read its output as it
    /// comes, or to stop it): the limit and [`Run::stdin`] are then the test's to apply.
    pub fn command(self) -> tokio::process::Command {
        self.command
    }
}

/// The standard output as text (UTF-8, or the test fails).
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone())
        .unwrap_or_else(|e| panic!("stdout is not UTF-8 ({e}): {}", shown(output)))
}

/// The standard error as text (UTF-8, or the test fails).
pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone())
        .unwrap_or_else(|e| panic!("stderr is not UTF-8 ({e}): {}", shown(output)))
}

/// The exit code (a run killed by a signal fails the test).
pub fn code(output: &Output) -> i32 {
    output
        .status
        .code()
        .unwrap_or_else(|| panic!("an exit code, not a signal: {}", shown(output)))
}

/// The whole outcome, for failure messages: the exit code, stdout and stderr.
pub fn shown(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
