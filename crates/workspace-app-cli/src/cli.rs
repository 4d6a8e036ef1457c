//! The command line: every flag, its checks and its help.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::api::{self, CliCommand};
use crate::duration::{duration, positive_duration};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::{ArgMatches, Args, FromArgMatches, Parser, Subcommand, ValueEnum};
use workspace_app_client::spec::parameters::{Integer, StringEnum, list_sub_jobs};
use workspace_app_client::types::{JobTypeFilter, SubJobStatus};
use workspace_app_client::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT, DEFAULT_PAGE_SIZE, env,
};

/// The exit codes, as a literal so that `concat!` can put them into help texts.
macro_rules! exit_codes {
    () => {
        "\
Exit codes:
  0  success (for `wait`: every sub-job waited for is SUCCESS)
  1  the job failed: a sub-job waited for ended FAILED or ABNORMAL
  2  usage error: a bad flag or value, a missing project ID or endpoint; nothing was sent
  3  the service answered with an error, or could not be reached (`doctor`: a check failed)
  4  `wait` timed out before the sub-jobs finished"
    };
}

const ROOT_HELP: &str = concat!(
    "\
Credentials:
  AK/SK signing with HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (and
  HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary keys), or an IAM token from
  WORKSPACE_APP_TOKEN, --token-file PATH (- for stdin) or --token (visible in `ps`).

Security:
  Redirects are never followed: credentials go to the endpoint and nowhere else.
  Credentials never go over plain http to another machine unless --allow-insecure-http
  is given; http://127.0.0.1, http://[::1] and http://localhost are always allowed.
  Text from the service is shown with control characters escaped (e.g. \u{1b}) in
  tables, progress and errors; --output json and ndjson keep it exact.

Examples:
  workspace-app demo      # no account needed: a local emulator, listed and waited on
  workspace-app --region ap-southeast-1 sub-jobs list --job-type CREATE_SERVER --all
  workspace-app --region ap-southeast-1 sub-jobs list --job-type CREATE_SERVER --output json | jq '.items[].status'
  workspace-app --region ap-southeast-1 sub-jobs wait --job-type CREATE_SERVER --job-id 2c9eb2c3 --timeout 15m
  workspace-app --region ap-southeast-1 doctor   # what is wrong, step by step
  workspace-app --region ap-southeast-1 --dry-run sub-jobs list --job-type CREATE_SERVER
  workspace-app --region ap-southeast-1 api list-sub-jobs --job-type CREATE_SERVER --output json
  workspace-app api --help   # every operation of the API, one command each
  workspace-app completions bash > ~/.local/share/bash-completion/completions/workspace-app

",
    exit_codes!()
);

const API_HELP: &str = "\
Each command is one request of the operation, generated from the OpenAPI document at
build time: its flags are the operation's parameters (the project ID comes from
--project-id, the environment or the IAM lookup; credentials from the credential chain).
The global flags apply as for every command: --region, --endpoint, --dry-run, --debug...

Output (--output):
  table   the response's list of items as columns, or key/value rows for an object
  json    the response body exactly as the service sent it
  ndjson  one item of the response's list per line

Examples:
  workspace-app --region ap-southeast-1 api list-sub-jobs --job-type CREATE_SERVER --limit 5 --output json
  workspace-app api list-sub-jobs --help

Exit codes: 0 success, 2 usage error (nothing was sent), 3 service or network error.";

const DOCTOR_HELP: &str = "\
Checks, in order, each on a line with what to do when it fails:
  credentials  which source was found: --token, WORKSPACE_APP_TOKEN, --token-file,
               or HUAWEICLOUD_SDK_AK/_SK (with _SECURITY_TOKEN: temporary keys)
  project      the project ID (--project-id or HUAWEICLOUD_SDK_PROJECT_ID)
  dns          the endpoint's host resolves
  tcp          a connection opens within 5 s
  tls          the TLS handshake succeeds (https endpoints)
  clock        the offset of the service's Date from this machine's clock (the gateway
               refuses signatures more than 15 minutes off: APIGW.0301)
  request      one signed request (a page of one CREATE_SERVER sub-job)

Examples:
  workspace-app --region ap-southeast-1 --project-id 0605767a doctor
  workspace-app --endpoint http://127.0.0.1:8080 --project-id p doctor

Exit codes: 0 every check passed, 3 a check failed.";

/// `sub-jobs list`'s help after the flags.
fn list_help() -> String {
    format!(
        "\
With --all, --limit is the size of each page requested [default: {DEFAULT_PAGE_SIZE}].

{LIST_HELP}"
    )
}

const LIST_HELP: &str = "\
Output (every format is written page by page, as pages arrive):
  table   aligned columns for people (coloured on a terminal)
  json    one document shaped like the API response: {\"count\": N, \"items\": [...]};
          with --all, the items of every page, and count is the service's count
  ndjson  one sub-job per line (for pipes)
After an error, what was received is on stdout; a json document is left unterminated,
so that no parser takes it for a whole listing. A listing that ends short of the
service's count says so on stderr.

Examples:
  workspace-app sub-jobs list --job-type CREATE_SERVER
  workspace-app sub-jobs list --job-type CREATE_SERVER --job-id 2c9eb2c3 --all
  workspace-app sub-jobs list --job-type REINSTALL_OS --status FAILED --all --output ndjson | jq -r .error_message

Exit codes: 0 listed, 2 usage error, 3 service or network error.";

const WAIT_HELP: &str = "\
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

/// List the sub-jobs of Huawei Cloud Workspace jobs and wait for them to finish.
///
/// A thin command line over the `workspace-app-client` crate and the Querying Subtasks API
/// (GET /v1/{project_id}/app-server-sub-jobs).
#[derive(Debug, Parser)]
#[command(name = "workspace-app", version, after_help = ROOT_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

const CONNECTION: &str = "Connection (before or after the subcommand)";

/// Where requests go and who sends them; accepted before or after the subcommand.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Base URL of the service, instead of a region's (e.g. http://127.0.0.1:8080 for a
    /// local emulator); with --region, that region is served there, known or not
    #[arg(long, global = true, value_name = "URL", help_heading = CONNECTION)]
    pub endpoint: Option<String>,

    /// Huawei Cloud region whose endpoint to use, e.g. ap-southeast-1 or cn-north-4. Its
    /// endpoint may be overridden as in Huawei's SDKs: the variable
    /// HUAWEICLOUD_SDK_REGION_WORKSPACEAPP_{REGION} (e.g. ..._AP_SOUTHEAST_1), then the
    /// regions file (HUAWEICLOUD_SDK_REGIONS_FILE, default ~/.huaweicloud/regions.yaml)
    #[arg(long, global = true, value_name = "REGION", value_parser = RegionParser, hide_possible_values = true, help_heading = CONNECTION)]
    pub region: Option<String>,

    /// Project the sub-jobs belong to; with AK/SK credentials and --region, looked up in
    /// IAM when not given (as Huawei's SDKs do)
    #[arg(long, global = true, value_name = "ID", env = env::PROJECT_ID, help_heading = CONNECTION)]
    pub project_id: Option<String>,

    /// IAM user token, sent as X-Auth-Token; without it, requests are signed with
    /// HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK when they are set. Prefer the
    /// environment variable or --token-file: a flag shows in `ps` and in shell history
    #[arg(
        long,
        global = true,
        value_name = "TOKEN",
        env = TOKEN_ENV,
        hide_env_values = true,
        help_heading = CONNECTION
    )]
    pub token: Option<String>,

    /// Read the IAM token from this file (`-`: standard input); trailing whitespace is
    /// ignored
    #[arg(long, global = true, value_name = "PATH", conflicts_with = "token", help_heading = CONNECTION)]
    pub token_file: Option<PathBuf>,

    /// Allow credentials over plain http:// to a host other than this machine (anyone on
    /// the path can read them); loopback addresses never need it
    #[arg(long, global = true, help_heading = CONNECTION)]
    pub allow_insecure_http: bool,

    /// Send requests through this proxy, e.g. http://proxy:3128 or
    /// http://user:password@proxy:3128 (this tool never prints the password, but `ps`
    /// shows a flag: put a password in HTTPS_PROXY instead). Without it, HTTPS_PROXY,
    /// HTTP_PROXY, ALL_PROXY and NO_PROXY apply; NO_PROXY applies with it too
    #[arg(long, global = true, value_name = "URL", help_heading = NETWORK)]
    pub proxy: Option<String>,

    /// Also trust the CA certificates in this PEM file (a TLS-intercepting proxy, a private
    /// cloud); certificates are always verified
    #[arg(long, global = true, value_name = "PATH", help_heading = NETWORK)]
    pub ca_file: Option<PathBuf>,

    /// Time to establish a connection, e.g. 5s [default: 10s]
    #[arg(long, global = true, value_name = "DURATION", value_parser = positive_duration, help_heading = NETWORK)]
    pub connect_timeout: Option<Duration>,

    /// Time one attempt (one request, its body included) may take, e.g. 20s [default:
    /// 30s]; each retry gets it afresh. (`wait --timeout` bounds the whole wait.)
    #[arg(long, global = true, value_name = "DURATION", value_parser = positive_duration, help_heading = NETWORK)]
    pub request_timeout: Option<Duration>,

    /// Attempts per request in all, the first included; 1 turns retries off [default: 3]
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=20), help_heading = NETWORK)]
    pub max_attempts: Option<u32>,

    /// Name appended to the User-Agent header (e.g. nightly-report/1.2), so that operators
    /// can tell callers apart in gateway logs
    #[arg(long, global = true, value_name = "NAME", env = APP_NAME_ENV, help_heading = NETWORK)]
    pub app_name: Option<String>,

    /// Log the client's calls to stderr: each call and attempt, retries, statuses, request
    /// IDs, clock-skew corrections. Secrets never appear. Only this tool's and the client's
    /// logs: RUST_LOG is not read, since other crates' logs are not checked for secrets
    #[arg(long, global = true, help_heading = SHOW_WORK)]
    pub debug: bool,

    /// Print the request that would be sent (method, URL, headers; signature, tokens and
    /// security token masked) to stdout and send nothing
    #[arg(long, global = true, help_heading = SHOW_WORK)]
    pub dry_run: bool,
}

const NETWORK: &str = "Network (before or after the subcommand)";

/// The environment variable `--app-name` is read from when the flag is absent.
pub const APP_NAME_ENV: &str = "WORKSPACE_APP_NAME";

// The defaults the help texts name.
const _: () = assert!(DEFAULT_CONNECT_TIMEOUT.as_secs() == 10);
const _: () = assert!(DEFAULT_ATTEMPT_TIMEOUT.as_secs() == 30);

const SHOW_WORK: &str = "Showing the work (before or after the subcommand)";

/// The environment variable `--token` is read from when the flag is absent.
pub const TOKEN_ENV: &str = "WORKSPACE_APP_TOKEN";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sub-jobs (subtasks) of asynchronous jobs
    #[command(subcommand)]
    SubJobs(SubJobsCommand),
    /// Call any operation of the API: one command per operation of the spec, with a flag
    /// per parameter (e.g. `api list-sub-jobs --job-type CREATE_SERVER --limit 5`)
    #[command(subcommand, after_help = API_HELP)]
    Api(api::Operation),
    /// See it all work with no Huawei account: list and wait on jobs of a local emulator
    /// started in this process
    #[cfg(feature = "demo")]
    Demo {
        /// Seed of the emulator's generated IDs
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Check the setup step by step: credentials, project ID, the endpoint's DNS, TCP and
    /// TLS, the clock offset, one signed request
    #[command(after_help = DOCTOR_HELP)]
    Doctor,
    /// Print a shell completion script to stdout
    #[command(after_help = "\
Examples:
  workspace-app completions bash > ~/.local/share/bash-completion/completions/workspace-app
  workspace-app completions zsh > \"${fpath[1]}/_workspace-app\"
  workspace-app completions fish > ~/.config/fish/completions/workspace-app.fish")]
    Completions {
        /// The shell to complete in
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum SubJobsCommand {
    /// List sub-jobs: one page, or every page with --all
    #[command(after_help = list_help())]
    List(ListArgs),
    /// Wait until the sub-jobs of a job finish; the exit code says how
    #[command(after_help = WAIT_HELP)]
    Wait(WaitArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    // The operation's own flags (--job-type, --status, --job-id, --offset, --limit): those of
    // `api list-sub-jobs`, from the spec.
    #[command(flatten)]
    pub filters: ListFilters,

    /// Every page, not just one
    #[arg(long)]
    pub all: bool,

    /// With --all: stop after this many sub-jobs
    #[arg(long, value_name = "N", requires = "all")]
    pub max_items: Option<u64>,

    /// With --all: pages requested at once, 1 to 16 (1: strictly one after another); output
    /// stays in offset order
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY as u64, value_parser = concurrency_parser())]
    pub concurrency: u64,

    #[command(flatten)]
    pub format: Format,
}

// The output format flag, for `sub-jobs list` and every `api` command. (No doc comment: it
// would become the about text of the commands it is added to.)
#[derive(Debug, Clone, Copy, Args)]
pub struct Format {
    /// Output format
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Output::Table)]
    pub output: Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned columns for people
    Table,
    /// The response body (`sub-jobs list`: one document like it, every page's items)
    Json,
    /// One JSON item per line
    Ndjson,
}

/// `sub-jobs list`'s filters: the flags of the generated `api list-sub-jobs` command (names,
/// help, values, bounds from the spec), read into the types the listing needs.
#[derive(Debug, Clone)]
pub struct ListFilters {
    pub job_type: JobTypeFilter,
    pub status: Option<SubJobStatus>,
    pub job_id: Option<String>,
    pub offset: Option<u32>,
    pub limit: Option<u32>,
}

impl FromArgMatches for ListFilters {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let job_type = api::raw_value(matches, "job-type")?.ok_or_else(|| {
            clap::Error::raw(
                ErrorKind::MissingRequiredArgument,
                "--job-type is required\n",
            )
        })?;
        Ok(ListFilters {
            job_type,
            status: api::raw_value(matches, "status")?,
            job_id: api::raw_value(matches, "job-id")?,
            offset: api::raw_value(matches, "offset")?,
            limit: api::raw_value(matches, "limit")?,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = ListFilters::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for ListFilters {
    fn augment_args(command: clap::Command) -> clap::Command {
        let operation = api::parameters_command(CliCommand::ListSubJobs);
        command.args(operation.get_arguments().cloned())
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        ListFilters::augment_args(command)
    }
}

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

/// A parser accepting exactly the values the spec lists for the parameter (from the
/// codegen's table); clap lists them on a bad value.
fn spec_enum<T>(parameter: &'static StringEnum) -> impl TypedValueParser<Value = T>
where
    T: FromStr + Clone + Send + Sync + 'static,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    PossibleValuesParser::new(parameter.values.iter().copied()).try_map(|value| value.parse::<T>())
}

/// Any region id (one the build does not know is named with --endpoint, or found in the
/// region overrides), with the spec's regions offered to shell completion.
#[derive(Clone)]
struct RegionParser;

impl TypedValueParser for RegionParser {
    type Value = String;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::NonEmptyStringValueParser::new().parse_ref(command, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let regions = workspace_app_client::spec::regions::ENDPOINTS.iter();
        Some(Box::new(
            regions.map(|(id, _)| clap::builder::PossibleValue::new(*id)),
        ))
    }
}

/// An integer parameter within the spec's range (its `minimum`/`maximum`, else its
/// format's, e.g. `offset` is an `int32` of at least 0): the one check of every integer
/// flag that comes from the spec.
pub(crate) fn integer_parser(parameter: &Integer) -> impl TypedValueParser<Value = i64> {
    clap::value_parser!(i64).range(parameter.range())
}

/// The bounds and the default of an integer parameter, for its help.
pub(crate) fn integer_help(parameter: &Integer) -> String {
    let default = match parameter.default {
        Some(default) => format!("; the service's default: {default}"),
        None => String::new(),
    };
    format!("[{} to {}{default}]", parameter.minimum, parameter.maximum)
}

/// Pages at once: more than 16 would only run into the gateway's throttling.
fn concurrency_parser() -> impl TypedValueParser<Value = u64> {
    clap::value_parser!(u64).range(1..=16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn enum_values_parse_back_into_their_type() {
        let job_types = list_sub_jobs::JOB_TYPE.values;
        assert!(!job_types.is_empty());
        for value in job_types {
            assert_eq!(value.parse::<JobTypeFilter>().unwrap().to_string(), *value);
        }
        let statuses = list_sub_jobs::STATUS.values;
        assert!(!statuses.is_empty());
        for value in statuses {
            assert_eq!(value.parse::<SubJobStatus>().unwrap().to_string(), *value);
        }
    }

    #[test]
    fn offset_and_limit_help_shows_the_spec_bounds() {
        let mut command = Cli::command();
        let list = command
            .find_subcommand_mut("sub-jobs")
            .and_then(|c| c.find_subcommand_mut("list"))
            .expect("sub-jobs list exists");
        let help = list.render_long_help().to_string();
        // The bounds as the spec itself writes them, not the tables the help is made from.
        let spec = workspace_app_codegen::Spec::load(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../openapi/workspace-app.yaml"
            )
            .as_ref(),
        )
        .unwrap();
        let schema = |name: &str| {
            spec.document["paths"]["/v1/{project_id}/app-server-sub-jobs"]["get"]["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name)
                .map(|p| p["schema"].clone())
                .unwrap()
        };
        let (limit, offset) = (schema("limit"), schema("offset"));
        let limit_help = format!(
            "[{} to {}; the service's default: {}]",
            limit["minimum"], limit["maximum"], limit["default"]
        );
        assert!(help.contains(&limit_help), "{limit_help:?} in {help}");
        let page_help = format!(
            "With --all, --limit is the size of each page requested [default: {DEFAULT_PAGE_SIZE}]"
        );
        assert!(help.contains(&page_help), "{page_help:?} in {help}");
        assert_eq!(offset["format"], "int32");
        let offset_help = format!(
            "[{} to {}; the service's default: {}]",
            offset["minimum"],
            i32::MAX,
            offset["default"]
        );
        assert!(help.contains(&offset_help), "{offset_help:?} in {help}");
    }

    #[test]
    fn help_documents_every_exit_code_and_the_credentials() {
        let help = Cli::command().render_long_help().to_string();
        for line in exit_codes!().lines() {
            assert!(help.contains(line), "{line:?} missing from --help");
        }
        assert!(help.contains("HUAWEICLOUD_SDK_AK"), "{help}");
        let mut root = Cli::command();
        let wait = root
            .find_subcommand_mut("sub-jobs")
            .and_then(|c| c.find_subcommand_mut("wait"))
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(
            wait.contains("4 timed out") && wait.contains("ABNORMAL"),
            "{wait}"
        );
    }
}
