//! The body of a response exactly as the server sent it, for a caller that must show or
//! keep it byte for byte (the CLI's `api` commands print it; a log may archive it), beside
//! the typed value the generated client parses from it.

use std::cell::RefCell;
use std::future::Future;

use bytes::Bytes;

tokio::task_local! {
    static LAST_BODY: RefCell<Option<Bytes>>;
}

/// Runs `call` and returns its output with the body of the last response it read (within
/// the client's size limit: a body over it is an error, not a body). Only what the calls
/// inside `call` read on this task is seen: a listing's pages read ahead run as tasks of
/// their own.
///
/// ```no_run
/// use workspace_app_client::{ClientBuilder, types::JobTypeFilter, with_response_body};
///
/// # async fn run() -> Result<(), workspace_app_client::Error> {
/// let client = ClientBuilder::from_env().region("ap-southeast-1").build()?;
/// let (page, body) =
///     with_response_body(client.sub_jobs().job_type(JobTypeFilter::CreateServer).send()).await;
/// let page = page?.into_inner();
/// println!("{} items, {} bytes as sent", page.items.len(), body.map_or(0, |b| b.len()));
/// # Ok(())
/// # }
/// ```
pub async fn with_response_body<F: Future>(call: F) -> (F::Output, Option<Bytes>) {
    LAST_BODY
        .scope(RefCell::new(None), async move {
            let output = call.await;
            (output, LAST_BODY.with(RefCell::take))
        })
        .await
}

/// Keeps `body` for [`with_response_body`], when a caller asked for it (a reference count,
/// not a copy).
pub(crate) fn record(body: &Bytes) {
    let _ = LAST_BODY.try_with(|last| *last.borrow_mut() = Some(body.clone()));
}
