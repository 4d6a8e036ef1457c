//! The sample values every crate's tests share: one place for the project ID, and the
//! sub-jobs as the service sends them.

use serde_json::{Value, json};

/// The project ID as a literal, for `concat!`.
macro_rules! project {
    () => {
        "0605767a3300d5762fb7c0186d9e1779"
    };
}

/// The project of every test (32 hex digits, as Huawei's project IDs are).
pub const PROJECT: &str = project!();

/// `ListSubJobs`'s path for [`PROJECT`].
pub const PATH: &str = concat!("/v1/", project!(), "/app-server-sub-jobs");

/// One sub-job as the service sends it, of job `job-1` in [`PROJECT`].
pub fn sub_job(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "job_type": "CREATE_SERVER",
        "status": status,
        "job_id": "job-1",
        "project_id": PROJECT,
        "begin_time": "2022-03-07T10:40:43.858Z",
    })
}

/// A `FAILED` sub-job with the service's `error_code` and `error_message`.
pub fn failed(id: &str, code: &str, message: &str) -> Value {
    let mut job = sub_job(id, "FAILED");
    job["error_code"] = json!(code);
    job["error_message"] = json!(message);
    job
}

/// A `ListSubJobs` body: `count` (when known) and the items.
pub fn page(count: Option<i64>, items: Vec<Value>) -> Value {
    match count {
        Some(count) => json!({ "count": count, "items": items }),
        None => json!({ "items": items }),
    }
}
