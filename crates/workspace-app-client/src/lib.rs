//! Typed async client for Huawei Cloud Workspace's **Querying Subtasks** API
//! (`GET /v1/{project_id}/app-server-sub-jobs`, operation `ListSubJobs`).
//!
//! The operations and types are generated at build time by [progenitor] from the
//! hand-written OpenAPI document `openapi/workspace-app.yaml`; the modules beside them are
//! hand-written.
//!
//! ```no_run
//! use workspace_app_client::{Client, ClientConfig, types::{JobTypeFilter, SubJobStatus}};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(
//!     "https://workspace.ap-southeast-1.myhuaweicloud.com",
//!     ClientConfig::default(),
//! );
//! let page = client
//!     .list_sub_jobs()
//!     .project_id("0123456789abcdef0123456789abcdef")
//!     .job_type(JobTypeFilter::CreateServer)
//!     .status(SubJobStatus::Running)
//!     .limit(50)
//!     .x_auth_token("an IAM token")
//!     .send()
//!     .await?
//!     .into_inner();
//! println!("{} sub-jobs in all", page.count.unwrap_or_default());
//! for job in &page.items {
//!     // `status` and `job_type` keep values newer than this crate as raw strings.
//!     println!("{:?} {:?}", job.id, job.status.as_ref().map(ToString::to_string));
//! }
//! # Ok(())
//! # }
//! ```
//!
//! A request parameter outside the spec (`limit(0)`, `limit(101)`, an empty `project_id`)
//! fails with [`Error::InvalidRequest`] before any network I/O; a documented error status
//! becomes [`Error::ErrorResponse`] holding the service's `error_code` and `error_msg`.
//!
//! [progenitor]: https://github.com/oxidecomputer/progenitor

mod config;
mod extensible;
mod generated;
mod hooks;

pub use config::ClientConfig;
pub use extensible::Extensible;
pub use generated::{
    ByteStream, Client, ClientInfo, Error, ResponseValue, builder, parameter_bounds, prelude, types,
};
