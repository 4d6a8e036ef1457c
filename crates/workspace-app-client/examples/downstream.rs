//! A downstream crate's use of the client, written the documented way, so that it keeps
//! building after every additive edit of the spec (`scripts/additive-edits.sh` checks it
//! after each): values of the generated types come from `Default` or `builder()`, never
//! struct literals; enums are matched with a `_` arm; responses are read field by field.
//! Those are exactly what `#[non_exhaustive]` on the generated types allows, so a new
//! property or enum value is a minor change.
//!
//! `cargo run -p workspace-app-client --example downstream` prints a few lines; it sends
//! nothing (a dry run).

use workspace_app_client::types::{
    JobDetailInfo, JobResourceInfo, JobType, JobTypeFilter, ListSubJobsResponse, SubJobStatus,
};
use workspace_app_client::{ClientBuilder, Credentials, Error, Extensible};

/// Test data, built from `Default` and field assignments.
fn sub_job(id: &str, status: SubJobStatus) -> JobDetailInfo {
    let mut resource = JobResourceInfo::default();
    resource.resource_id = Some(format!("server-{id}"));
    let mut sub_job = JobDetailInfo::default();
    sub_job.id = Some(id.to_string());
    sub_job.job_type = Some(JobType::CreateServer.into());
    sub_job.status = Some(status.into());
    sub_job.job_resource_info = Some(resource);
    sub_job
}

/// A page, built with the generated builder.
fn page(items: Vec<JobDetailInfo>) -> ListSubJobsResponse {
    let count = i32::try_from(items.len()).unwrap_or(i32::MAX);
    ListSubJobsResponse::builder()
        .count(Some(count))
        .items(items)
        .try_into()
        .unwrap_or_default()
}

/// A request enum, matched with a `_` arm: the spec may accept new values.
fn describe(job_type: &JobTypeFilter) -> &'static str {
    match job_type {
        JobTypeFilter::CreateServer => "creating a server",
        JobTypeFilter::DeleteServer => "deleting a server",
        _ => "another job",
    }
}

/// A response status: known, newer than this build (kept as its text), or absent.
fn finished(sub_job: &JobDetailInfo) -> Option<bool> {
    match sub_job.status.as_ref()? {
        Extensible::Known(SubJobStatus::Success | SubJobStatus::Failed) => Some(true),
        Extensible::Known(_) => Some(false),
        Extensible::Unknown(_) => None,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let listed = page(vec![
        sub_job("a", SubJobStatus::Success),
        sub_job("b", SubJobStatus::Running),
    ]);
    for item in &listed.items {
        println!("{:?}: finished {:?}", item.id, finished(item));
    }
    println!("{}", describe(&JobTypeFilter::CreateServer));

    // A request as the README shows it, prepared and not sent.
    let client = ClientBuilder::new()
        .endpoint("http://127.0.0.1:9")
        .credentials(Credentials::token("downstream-example"))
        .project_id("0605767a3300d5762fb7c0186d9e1779")
        .dry_run()
        .build()?;
    match client
        .sub_jobs()
        .job_type(JobTypeFilter::CreateServer)
        .limit(10)
        .send()
        .await
    {
        Err(error) => println!("{}", Error::from(error)),
        Ok(page) => println!("{} sub-jobs", page.items.len()),
    }
    Ok(())
}
