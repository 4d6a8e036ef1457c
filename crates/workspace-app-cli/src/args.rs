//! The argument types and value parsers the commands share: the global flags
//! ([`GlobalArgs`]), the output format ([`Format`]), `sub-jobs list`'s filters (those of
//! the generated `api list-sub-jobs`), and the parsers of the spec's enums, regions and
//! page concurrency.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::{ArgAction, ArgMatches, Args, FromArgMatches, ValueEnum};
use workspace_app_client::signing::SigningAlgorithm;
use workspace_app_client::spec::parameters::StringEnum;
use workspace_app_client::types::{JobTypeFilter, SubJobStatus};
use workspace_app_client::{DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, env};

use crate::duration::positive_duration;
use crate::operations::{self, CliCommand};

const CONNECTION: &str = "Connection (before or after the subcommand)";

/// Where requests go and who sends them; accepted before or after the subcommand.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Base URL of the service, instead of a region's (e.g. http://127.0.0.1:8080 for a
    /// local emulator); with --region, that region is served there, known or not. Repeat it
    /// for several, in order: a request that cannot connect to one (refused, not found, TLS
    /// handshake failed) goes to the next, as in Huawei's SDKs
    #[arg(long, global = true, value_name = "URL", action = ArgAction::Append, help_heading = CONNECTION)]
    pub endpoint: Vec<String>,

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

    /// How AK/SK requests are signed, by Huawei's name: SDK-HMAC-SHA256 (the default),
    /// SDK-HMAC-SM3, SDK-ECDSA-P256-SHA256 or SDK-SM2-SM3
    #[arg(long, global = true, value_name = "NAME", value_parser = SigningAlgorithm::from_str, help_heading = CONNECTION)]
    pub signing_algorithm: Option<SigningAlgorithm>,

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
        let job_type = operations::raw_value(matches, "job-type")?.ok_or_else(|| {
            clap::Error::raw(
                ErrorKind::MissingRequiredArgument,
                "--job-type is required\n",
            )
        })?;
        Ok(ListFilters {
            job_type,
            status: operations::raw_value(matches, "status")?,
            job_id: operations::raw_value(matches, "job-id")?,
            offset: operations::raw_value(matches, "offset")?,
            limit: operations::raw_value(matches, "limit")?,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = ListFilters::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for ListFilters {
    fn augment_args(command: clap::Command) -> clap::Command {
        let operation = operations::parameters_command(CliCommand::ListSubJobs);
        command.args(operation.get_arguments().cloned())
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        ListFilters::augment_args(command)
    }
}

/// A parser accepting exactly the values the spec lists for the parameter (from the
/// codegen's table); clap lists them on a bad value.
pub fn spec_enum<T>(parameter: &'static StringEnum) -> impl TypedValueParser<Value = T>
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

/// Pages at once: more than 16 would only run into the gateway's throttling.
pub fn concurrency_parser() -> impl TypedValueParser<Value = u64> {
    clap::value_parser!(u64).range(1..=16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use workspace_app_client::spec::parameters::list_sub_jobs;

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
}
