//! Every sub-job matching a query, across pages, as one stream.

use std::fmt;
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::TryStreamExt;
use futures_util::stream::{self, Stream};

use crate::generated::parameter_bounds::LIST_SUB_JOBS;
use crate::types::{JobDetailInfo, JobTypeFilter, SubJobStatus};
use crate::{Client, Error};

/// Page size a [`SubJobsPaginator`] asks for unless told otherwise: the spec's maximum.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// The page sizes the spec allows for `limit` (1 to 100).
pub fn page_size_bounds() -> RangeInclusive<u32> {
    let bound = LIST_SUB_JOBS.iter().find(|b| b.name == "limit");
    let to_u32 =
        |v: Option<i64>, default| v.map_or(default, |v| u32::try_from(v).unwrap_or(default));
    let minimum = to_u32(bound.and_then(|b| b.minimum), 1).max(1);
    let maximum = to_u32(bound.and_then(|b| b.maximum), u32::MAX);
    minimum..=maximum
}

impl Client {
    /// Every sub-job of `job_type` matching the filters, across pages: see
    /// [`SubJobsPaginator`]. Requests use the configured project ID ([`Client::sub_jobs`]).
    /// The paginator holds a clone of the client (cheap: the connection pool is shared), so
    /// its stream borrows nothing.
    pub fn paginate_sub_jobs(&self, job_type: JobTypeFilter) -> SubJobsPaginator {
        SubJobsPaginator {
            client: self.clone(),
            job_type,
            status: None,
            job_id: None,
            page_size: DEFAULT_PAGE_SIZE,
            offset: 0,
            max_items: None,
        }
    }
}

/// Pages through `ListSubJobs`, driving `offset` and `limit`, and yields the sub-jobs one by
/// one.
///
/// ```no_run
/// use futures_util::TryStreamExt;
/// use workspace_app_client::{ClientBuilder, types::{JobTypeFilter, SubJobStatus}};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = ClientBuilder::from_env().region("ap-southeast-1").build()?;
/// let mut sub_jobs = client
///     .paginate_sub_jobs(JobTypeFilter::CreateServer)
///     .status(SubJobStatus::Failed)
///     .page_size(50)    // 1 to 100, default 100
///     .max_items(1_000) // stop after this many, whatever the total
///     .items();
/// while let Some(sub_job) = sub_jobs.try_next().await? {
///     println!("{:?} {:?}", sub_job.id, sub_job.error_code);
/// }
/// # Ok(())
/// # }
/// ```
///
/// How it ends:
/// - after the page on which the number of sub-jobs received reaches `count`, or after a
///   short page (fewer items than asked for, an empty one included), whichever comes
///   first. When `count` changes between pages the smallest value seen counts: a listing
///   covers at most the sub-jobs that existed when it started, so a count that keeps
///   growing cannot make it endless, and one that shrinks ends it sooner;
/// - after [`max_items`](Self::max_items) sub-jobs (the last request asks only for what
///   is still missing);
/// - after an error, which is yielded as an `Err` item after the sub-jobs received
///   before it. Each request goes through the client, so signing, retries and timeouts
///   apply to each page; a page that still fails ends the stream. A server that answers
///   two offsets with the same full page (it ignores `offset`) is an error too, rather than
///   a source of endless duplicates.
///
/// At most one page is held in memory, whatever the total. [`pages`](Self::pages) gives the
/// same listing page by page, with the `count` the service reported on each.
#[derive(Debug, Clone)]
#[must_use = "a paginator sends nothing until the stream from `items()` is polled"]
pub struct SubJobsPaginator {
    client: Client,
    job_type: JobTypeFilter,
    status: Option<SubJobStatus>,
    job_id: Option<String>,
    page_size: u32,
    offset: u64,
    max_items: Option<u64>,
}

impl SubJobsPaginator {
    /// Only sub-jobs in this status.
    pub fn status(mut self, status: SubJobStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only the sub-jobs of this job.
    pub fn job_id(mut self, job_id: impl Into<String>) -> Self {
        self.job_id = Some(job_id.into());
        self
    }

    /// Sub-jobs per request (`limit`), within [`page_size_bounds`] (1 to 100); default
    /// [`DEFAULT_PAGE_SIZE`]. A value outside the bounds makes the stream's first item an
    /// [`Error::InvalidRequest`], before any request is sent.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// Skips this many sub-jobs first (the `offset` of the first request); default 0.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = offset.into();
        self
    }

    /// Yields at most this many sub-jobs; `0` sends no request at all.
    pub fn max_items(mut self, max_items: u64) -> Self {
        self.max_items = Some(max_items);
        self
    }

    /// The sub-jobs, one by one; requests are sent as the stream is polled.
    pub fn items(self) -> SubJobsStream {
        Listing::new(
            self.pages()
                .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
                .try_flatten(),
        )
    }

    /// The pages as they arrive, each with the `count` the service reported on it: for
    /// callers that show progress, or that need `count` before the first item. The same
    /// requests and end rules as [`items`](Self::items).
    pub fn pages(self) -> SubJobPagesStream {
        let state = State {
            remaining: self.max_items,
            next_offset: self.offset,
            count: None,
            previous_page: None,
            finished: false,
            query: self,
        };
        Listing::new(stream::unfold(state, State::next_page))
    }
}

/// One page of a listing, as [`SubJobsPaginator::pages`] yields it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SubJobsPage {
    /// The `offset` the page was requested at.
    pub offset: u64,
    /// The `count` the service reported with this page: how many sub-jobs match the query
    /// in all, as far as it knows now.
    pub count: Option<i64>,
    /// The sub-jobs of the page (never more than asked for).
    pub items: Vec<JobDetailInfo>,
}

/// A listing's stream, `'static`, `Unpin` and `Send`, so it can be stored, returned, moved
/// to another task and polled with `StreamExt::next` directly.
#[must_use = "streams do nothing unless polled"]
pub struct Listing<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T, Error>> + Send>>,
}

/// The stream of [`SubJobsPaginator::items`].
pub type SubJobsStream = Listing<JobDetailInfo>;
/// The stream of [`SubJobsPaginator::pages`].
pub type SubJobPagesStream = Listing<SubJobsPage>;

impl<T> Listing<T> {
    fn new(stream: impl Stream<Item = Result<T, Error>> + Send + 'static) -> Self {
        Listing {
            inner: Box::pin(stream),
        }
    }
}

impl<T> Stream for Listing<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T> fmt::Debug for Listing<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listing").finish_non_exhaustive()
    }
}

struct State {
    query: SubJobsPaginator,
    /// What is left of `max_items`.
    remaining: Option<u64>,
    next_offset: u64,
    /// The smallest `count` the server reported so far.
    count: Option<u64>,
    /// Ids of the first and last items of the previous full page, to notice a repeat.
    previous_page: Option<(String, String)>,
    /// No further page is requested: the last one ended the listing, or failed.
    finished: bool,
}

impl State {
    async fn next_page(mut self) -> Option<(Result<SubJobsPage, Error>, Self)> {
        if self.finished || self.remaining == Some(0) {
            return None;
        }
        let page = self.fetch_page().await;
        if page.is_err() {
            self.finished = true;
        }
        Some((page, self))
    }

    /// Requests the next page and decides whether it is the last.
    async fn fetch_page(&mut self) -> Result<SubJobsPage, Error> {
        let query = &self.query;
        let bounds = page_size_bounds();
        if !bounds.contains(&query.page_size) {
            return Err(Error::InvalidRequest(format!(
                "page size must be from {} to {}, got {}",
                bounds.start(),
                bounds.end(),
                query.page_size
            )));
        }
        // The last request of a capped listing asks only for what is still missing.
        let limit = match self.remaining {
            Some(remaining) => {
                u32::try_from(remaining).map_or(query.page_size, |r| r.min(query.page_size))
            }
            None => query.page_size,
        };
        let offset = i32::try_from(self.next_offset).map_err(|_| {
            Error::InvalidRequest(format!(
                "offset {} is beyond the API's 32-bit range; the listing cannot go further",
                self.next_offset
            ))
        })?;

        let mut request = query
            .client
            .sub_jobs()
            .job_type(query.job_type)
            .offset(offset)
            .limit(limit);
        if let Some(status) = query.status {
            request = request.status(status);
        }
        if let Some(job_id) = &query.job_id {
            request = request.job_id(job_id.as_str());
        }
        let page = request.send().await?.into_inner();

        let mut items = page.items;
        let received = items.len();
        let full_page = received >= limit as usize;
        if full_page {
            let ends = page_ends(&items);
            if ends.is_some() && ends == self.previous_page {
                return Err(Error::RepeatedPage {
                    offset: self.next_offset,
                });
            }
            self.previous_page = ends;
        }
        let page_offset = self.next_offset;
        self.next_offset = self.next_offset.saturating_add(received as u64);
        if let Some(count) = page.count {
            // A negative count is nonsense; read it as "nothing more".
            let count = u64::try_from(count).unwrap_or(0);
            self.count = Some(self.count.map_or(count, |seen| seen.min(count)));
        }
        let count_reached = self.count.is_some_and(|count| self.next_offset >= count);
        self.finished = !full_page || count_reached;
        // A server that sends more than asked for cannot push a capped listing past its cap.
        items.truncate(limit as usize);
        if let Some(remaining) = &mut self.remaining {
            *remaining = remaining.saturating_sub(items.len() as u64);
        }
        Ok(SubJobsPage {
            offset: page_offset,
            count: page.count.map(i64::from),
            items,
        })
    }
}

/// The ids of a page's first and last items, when both have one.
fn page_ends(items: &[JobDetailInfo]) -> Option<(String, String)> {
    let first = items.first()?.id.clone()?;
    let last = items.last()?.id.clone()?;
    Some((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_come_from_the_spec() {
        assert_eq!(page_size_bounds(), 1..=100);
        assert!(page_size_bounds().contains(&DEFAULT_PAGE_SIZE));
    }
}
