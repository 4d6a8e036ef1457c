//! `workspace-app demo`: the whole tool at work with no Huawei account, against a local
//! emulator of the service started in this process.

use std::time::Duration;

use workspace_app_client::types::{JobType, JobTypeFilter};
use workspace_app_client::{ClientBuilder, CredentialsChain, DisplayErrorChain, env};
use workspace_app_mock::{Config, JobPlan, SubJobPlan};

use crate::args::{Format, ListFilters, Output};
use crate::commands::list::{self, ListArgs};
use crate::commands::wait::{self, WaitArgs};
use crate::failure::{Exit, Failure, report};

/// How long the temporary credentials of the emulator's metadata service live: the
/// client refreshes them when less than 5 minutes are left.
const DEMO_CREDENTIALS_LIFETIME: Duration = Duration::from_secs(60 * 60);

pub async fn run(seed: u64) -> Result<(), Failure> {
    // Requests are really signed (SDK-HMAC-SHA256) with temporary credentials from the
    // emulator's ECS metadata service, and verified; the project ID comes from its IAM.
    let emulator = workspace_app_mock::start(
        Config::default()
            .seed(seed)
            .metadata_credentials(DEMO_CREDENTIALS_LIFETIME)
            .iam(),
    )
    .await
    .map_err(|e| Failure::new(Exit::Api, format!("cannot start the local emulator: {e}")))?;
    let secs = Duration::from_secs_f64;
    // Six servers being created, each queued a moment and then built for a few seconds.
    let creating = emulator.add_job(JobPlan::new(JobType::CreateServer).sub_jobs((0..6).map(
        |i| {
            SubJobPlan::succeeds(
                secs(0.5 + 0.4 * f64::from(i)),
                secs(2.0 + 0.5 * f64::from(i)),
            )
        },
    )));
    // Three OS reinstalls, still going once the servers are built; one of them fails.
    let reinstalling = emulator.add_job(
        JobPlan::new(JobType::ReinstallOs)
            .sub_job(SubJobPlan::succeeds(secs(2.0), secs(8.0)))
            .sub_job(SubJobPlan::fails(
                secs(3.0),
                secs(7.0),
                "WKS.00129901",
                "The service is now unavailable to process the request.",
            ))
            .sub_job(SubJobPlan::succeeds(secs(4.0), secs(5.0))),
    );
    let url = emulator.base_url();
    println!(
        "A local emulator of the Workspace sub-jobs API listens on {url}, with the ECS metadata\n\
         service and IAM it needs. No Huawei account is involved."
    );
    // The default chain, but for the environment and ~/.huaweicloud/credentials: real keys
    // must not go to the emulator. An ECS instance's metadata service is the emulator's.
    show(&format!(
        "export {}={url} {}={url}",
        env::METADATA_ENDPOINT,
        env::IAM_ENDPOINT
    ));
    let client = ClientBuilder::new()
        .credentials_chain(CredentialsChain::empty().metadata_endpoint(url))
        .region(emulator.region())
        .endpoint(url)
        .iam_endpoint(url)
        .build_async()
        .await
        .map_err(|e| Failure::new(Exit::Api, DisplayErrorChain(&e).to_string()))?;
    if let Some(source) = client.credential_source() {
        println!(
            "credentials: none given, so the default chain looked (skipping the environment and\n  \
             ~/.huaweicloud/credentials here, so that no real keys reach the emulator) and found\n  \
             temporary keys in {source}, refreshed before they expire"
        );
    }
    println!(
        "project ID: none given, so looked up in IAM (signed GET /v3/projects?name={}): {}",
        emulator.region(),
        client.project_id().unwrap_or("?")
    );
    let prefix = format!(
        "workspace-app --region {} --endpoint {url}",
        emulator.region()
    );

    show(&format!(
        "{prefix} sub-jobs list --job-type CREATE_SERVER --all"
    ));
    list::run(&client, list_args(JobTypeFilter::CreateServer)).await?;

    show(&format!(
        "{prefix} sub-jobs wait --job-type CREATE_SERVER --job-id {} --interval 1s",
        creating.job_id
    ));
    wait::run(
        &client,
        wait_args(JobTypeFilter::CreateServer, &creating.job_id),
    )
    .await?;

    show(&format!(
        "{prefix} sub-jobs wait --job-type REINSTALL_OS --job-id {} --interval 1s",
        reinstalling.job_id
    ));
    match wait::run(
        &client,
        wait_args(JobTypeFilter::ReinstallOs, &reinstalling.job_id),
    )
    .await
    {
        Err(failure) if failure.exit == Exit::JobFailed => {
            report(&failure);
            println!("(exit code 1: one sub-job failed, as this demo arranged)");
        }
        Ok(()) => {
            return Err(Failure::new(
                Exit::Api,
                "the demo's failing job did not fail",
            ));
        }
        Err(other) => return Err(other),
    }

    show(&format!(
        "{prefix} sub-jobs list --job-type REINSTALL_OS --all"
    ));
    list::run(&client, list_args(JobTypeFilter::ReinstallOs)).await?;

    emulator.shutdown().await;
    println!(
        "\nDone. Point the same commands at --region REGION with real credentials to use the service."
    );
    Ok(())
}

fn show(command: &str) {
    println!("\n$ {command}");
}

fn list_args(job_type: JobTypeFilter) -> ListArgs {
    ListArgs {
        filters: ListFilters {
            job_type,
            status: None,
            job_id: None,
            offset: None,
            limit: None,
        },
        all: true,
        max_items: None,
        concurrency: workspace_app_client::DEFAULT_CONCURRENCY as u64,
        format: Format {
            output: Output::Table,
        },
    }
}

fn wait_args(job_type: JobTypeFilter, job_id: &str) -> WaitArgs {
    WaitArgs {
        job_type,
        job_id: job_id.to_string(),
        sub_job_id: None,
        timeout: Duration::from_secs(60),
        interval: Duration::from_secs(1),
        max_interval: Duration::from_secs(2),
        fail_fast: false,
        concurrency: workspace_app_client::DEFAULT_CONCURRENCY as u64,
    }
}
