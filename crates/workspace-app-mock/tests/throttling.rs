//! Concurrent paging against the emulator's injected throttling (`--fail-429-rate`): the
//! listing completes, every sub-job exactly once and in order, and the client backs off
//! instead of storming.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::time::Duration;

use futures_util::TryStreamExt;
use workspace_app_client::types::{JobType, JobTypeFilter};
use workspace_app_mock::{Config, Faults, JobPlan, SubJobPlan};

mod support;

use support::start;

#[tokio::test]
async fn a_listing_at_four_pages_at_once_completes_through_throttling() {
    let emulator = start(Config::default().seed(11)).await;
    let done = || SubJobPlan::succeeds(Duration::ZERO, Duration::ZERO);
    let job =
        emulator.add_job(JobPlan::new(JobType::CreateServer).sub_jobs((0..2_000).map(|_| done())));
    emulator
        .set_faults(Faults {
            throttled_rate: 0.25,
            retry_after: Some(Duration::ZERO),
            ..Faults::default()
        })
        .unwrap();
    let client = emulator.client_builder().build().unwrap();
    let ids: Vec<String> = client
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .concurrency(4)
        .items()
        .map_ok(|sub_job| sub_job.id.unwrap())
        .try_collect()
        .await
        .expect("the listing completes despite the throttling");
    assert_eq!(ids, job.sub_job_ids, "every sub-job once, in order");
    let requests = emulator.requests_received();
    println!("20 pages at a 25% throttling rate: {requests} requests");
    // 20 pages; each throttled answer costs one more request, and the share stays near
    // the injected rate rather than growing with retries on retries.
    assert!(requests > 20, "no request was throttled: {requests}");
    assert!(requests < 60, "{requests} requests for 20 pages");
}
