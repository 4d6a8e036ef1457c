//! The command line as clap parses it: the tree of commands, with the root's help (the
//! credentials, the security rules, examples, the exit codes). Each command's flags and
//! help are in its file under `commands/`, the flags they share in `args`.

use clap::{Parser, Subcommand};

use crate::args::GlobalArgs;
use crate::commands::list::{self, ListArgs};
use crate::commands::wait::{self, WaitArgs};
use crate::commands::{api, completions, doctor};

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
  With no keys on disk: an OIDC ID token exchanged for temporary keys
  (HUAWEICLOUD_SDK_IDP_ID and HUAWEICLOUD_SDK_ID_TOKEN_FILE, or HUAWEICLOUD_OIDC_*);
  then ~/.huaweicloud/credentials and ECS metadata, as in Huawei's SDKs.

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sub-jobs (subtasks) of asynchronous jobs
    #[command(subcommand)]
    SubJobs(SubJobsCommand),
    /// Call any operation of the API: one command per operation of the spec, with a flag
    /// per parameter (e.g. `api list-sub-jobs --job-type CREATE_SERVER --limit 5`)
    #[command(subcommand, after_help = api::HELP)]
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
    #[command(after_help = doctor::HELP)]
    Doctor,
    /// Print a shell completion script to stdout
    #[command(after_help = completions::HELP)]
    Completions {
        /// The shell to complete in
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum SubJobsCommand {
    /// List sub-jobs: one page, or every page with --all
    #[command(after_help = list::help())]
    List(ListArgs),
    /// Wait until the sub-jobs of a job finish; the exit code says how
    #[command(after_help = wait::HELP)]
    Wait(WaitArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use workspace_app_client::DEFAULT_PAGE_SIZE;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
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

    #[test]
    fn demo_is_a_subcommand_only_with_the_demo_feature() {
        let parsed = Cli::try_parse_from(["workspace-app", "demo", "--seed", "3"]);
        assert_eq!(parsed.is_ok(), cfg!(feature = "demo"), "{parsed:?}");
    }
}
