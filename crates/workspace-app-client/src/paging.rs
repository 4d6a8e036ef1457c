//! Every sub-job matching a query, across pages, as one stream.

use std::fmt;
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;

use futures_util::TryStreamExt;
use futures_util::stream::{self, Stream};
use tokio::task::{Id, JoinError, JoinSet};
use tracing::Instrument;

use crate::deadline;
use crate::error::Error;
use crate::escaped::Escaped;
use crate::generated::Client;
use crate::generated::parameters::list_sub_jobs::LIMIT;
use crate::generated::types::{JobDetailInfo, JobTypeFilter, ListSubJobsResponse, SubJobStatus};

/// Page size a [`SubJobsPaginator`] asks for unless told otherwise: the spec's maximum of
/// `limit` (100), read from the codegen's table.
pub const DEFAULT_PAGE_SIZE: u32 = LIMIT.maximum as u32;
/// Pages a [`SubJobsPaginator`] requests at once unless told otherwise. On a real network
/// each page costs a round trip, so four at once make a long listing about four times
/// faster, while staying far below any gateway's per-user limits (and backing off on 429).
pub const DEFAULT_CONCURRENCY: usize = 4;

/// The page sizes the spec allows for `limit` (1 to 100).
pub fn page_size_bounds() -> RangeInclusive<u32> {
    // The same table as `DEFAULT_PAGE_SIZE`; a bound beyond u32 is clamped (never below 1).
    let limit = LIMIT;
    let clamp = |v: i64| u32::try_from(v.max(1)).unwrap_or(u32::MAX);
    clamp(limit.minimum)..=clamp(limit.maximum)
}

/// The most pages [`SubJobsPaginator::concurrency`] requests at once, whatever it is told:
/// each page held costs memory and a connection, and far fewer already meet throttling.
pub const MAX_CONCURRENCY: usize = 64;

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
            concurrency: DEFAULT_CONCURRENCY,
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
///   a source of endless duplicates; once in a listing, such a repeat that comes with a
///   `count` that grew is taken for sub-jobs added in front meanwhile, which moved the
///   later ones a page further: its sub-jobs are not yielded twice, and the listing goes on.
///
/// At most [`concurrency`](Self::concurrency) pages are held in memory, whatever the total. [`pages`](Self::pages) gives the
/// same listing page by page, with the `count` the service reported on each.
///
/// Each page request runs as a task of the current tokio runtime, so pages requested
/// ahead complete while the caller is busy with an earlier one (rather than time out
/// waiting to be polled); dropping the stream aborts them.
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
    concurrency: usize,
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

    /// Up to this many pages requested at once (from 1 to [`MAX_CONCURRENCY`]); default
    /// [`DEFAULT_CONCURRENCY`]. The first page is requested alone: its `count` tells which
    /// offsets follow. Pages are still yielded in offset order, and at most this many are
    /// held in memory (in flight or arrived ahead of their turn). When the service throttles
    /// (429 or 503 after the client's retries), the number halves and that page is asked
    /// for again; it grows back by one after as many pages in a row went through. `1` is
    /// strictly sequential.
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.clamp(1, MAX_CONCURRENCY);
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
        Listing::new(stream::unfold(State::new(self), State::next_page))
    }
}

impl SubJobsPaginator {
    /// One request of the listing.
    async fn fetch(&self, slot: Slot) -> Result<ListSubJobsResponse, Error> {
        let bounds = page_size_bounds();
        if !bounds.contains(&self.page_size) {
            return Err(Error::InvalidRequest(format!(
                "page size must be from {} to {}, got {}",
                bounds.start(),
                bounds.end(),
                self.page_size
            )));
        }
        let offset = i32::try_from(slot.offset).map_err(|_| {
            Error::InvalidRequest(format!(
                "offset {} is beyond the API's 32-bit range; the listing cannot go further",
                slot.offset
            ))
        })?;
        let mut request = self
            .client
            .sub_jobs()
            .job_type(self.job_type)
            .offset(offset)
            .limit(slot.limit);
        if let Some(status) = self.status {
            request = request.status(status);
        }
        if let Some(job_id) = &self.job_id {
            request = request.job_id(job_id.as_str());
        }
        Ok(request.send().await?.into_inner())
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

/// One page request: where it starts and how many sub-jobs it asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    offset: u64,
    limit: u32,
    /// Sent while no other request was out, and none launched while it was (see
    /// `next_page`): then throttling is not this listing's doing.
    alone: bool,
    /// How many requests the listing had launched before this one.
    launch: u64,
}

type Fetched = (Slot, Result<ListSubJobsResponse, Error>);

/// The paging state: which pages are requested, which have arrived, where the listing ends.
struct State {
    query: SubJobsPaginator,
    /// Requests in flight, each its own task so it completes while the caller is busy
    /// with a page; dropping the set aborts them. Finished but not yet joined ones count.
    in_flight: JoinSet<Result<ListSubJobsResponse, Error>>,
    /// The slot of each task in flight, also for a task that panicked.
    slots: HashMap<Id, Slot>,
    /// Requests launched so far.
    launches: u64,
    /// Pages that arrived before their turn, by offset.
    arrived: BTreeMap<u64, Fetched>,
    /// Throttled pages to ask for again, before any new one.
    again: VecDeque<Slot>,
    /// Offset of the next page to yield, and of the next new page to request.
    next_yield: u64,
    next_request: u64,
    /// The smallest `count` the server reported so far; `None` until one was.
    count: Option<u64>,
    /// Whether any page has been yielded: until then, only the first request is out.
    started: bool,
    /// The [`fingerprint`] of the previous full page, to notice a repeat, and the `count`
    /// that came with it.
    previous_page: Option<u64>,
    previous_count: Option<i64>,
    /// Whether a repeated page was taken for a shift already (see [`State::accept`]).
    shifted: bool,
    /// No further page is yielded: the last one ended the listing, or failed.
    finished: bool,
    /// How many pages may be requested ahead: between 1 and `query.concurrency`, halved
    /// when the service throttles, one more after as many pages in a row went through.
    window: usize,
    successes: usize,
}

impl State {
    fn new(query: SubJobsPaginator) -> Self {
        State {
            in_flight: JoinSet::new(),
            slots: HashMap::new(),
            launches: 0,
            arrived: BTreeMap::new(),
            again: VecDeque::new(),
            next_yield: query.offset,
            next_request: query.offset,
            count: None,
            started: false,
            previous_page: None,
            previous_count: None,
            shifted: false,
            finished: false,
            window: query.concurrency.max(1),
            successes: 0,
            query,
        }
    }

    async fn next_page(mut self) -> Option<(Result<SubJobsPage, Error>, Self)> {
        loop {
            if self.finished {
                return None;
            }
            if let Some((slot, fetched)) = self.arrived.remove(&self.next_yield) {
                let page = match fetched.and_then(|page| self.accept(slot, page)) {
                    Ok(Some(page)) => Ok(page),
                    // Nothing new at this offset (a shift): on to the next page.
                    Ok(None) => continue,
                    Err(error) => Err(error),
                };
                if page.is_err() {
                    self.finish();
                }
                return Some((page, self));
            }
            self.request_more();
            let Some(joined) = self.in_flight.join_next_with_id().await else {
                // Nothing more to ask for, and nothing out: the listing is complete.
                return None;
            };
            let (id, joined) = match joined {
                Ok((id, fetched)) => (id, Ok(fetched)),
                Err(error) => (error.id(), Err(error)),
            };
            // Every task has its slot; `continue` only keeps this free of a panic.
            let Some(slot) = self.slots.remove(&id) else {
                continue;
            };
            let fetched = joined.unwrap_or_else(|error| Err(lost(slot, &error)));
            // Alone only if no other request was out at any moment of this one: none at its
            // launch, none launched since. The gateway may count the others against it.
            let alone = slot.alone && slot.launch + 1 == self.launches;
            match fetched {
                // Too many requests at once: fewer, and this page again. A request sent
                // alone has had the client's own retries: then the error stands.
                Err(error) if is_throttled(&error) && !alone => {
                    self.window = (self.window / 2).max(1);
                    self.successes = 0;
                    tracing::warn!(
                        error = %Escaped(&error),
                        window = self.window,
                        "throttled; fewer pages at once"
                    );
                    self.again.push_back(slot);
                }
                fetched => {
                    self.arrived.insert(slot.offset, (slot, fetched));
                }
            }
        }
    }

    /// Requests pages ahead as far as the window, the known end and `max_items` allow.
    fn request_more(&mut self) {
        // A throttled page past a `count` that has since shrunk would never be yielded.
        if let Some(end) = self.end() {
            self.again.retain(|slot| slot.offset < end);
        }
        // Throttled pages first, as soon as fewer than `window` requests are out: one of
        // them is the next to yield. They were counted as held when first requested.
        while self.in_flight.len() < self.window
            && let Some(slot) = self.again.pop_front()
        {
            self.launch(slot);
        }
        // New pages only while fewer than `window` pages are held (in flight, arrived
        // ahead of their turn, or waiting to be asked for again).
        while self.in_flight.len() + self.arrived.len() + self.again.len() < self.window {
            // Until a page tells `count`, only one request at a time: nothing says where
            // the listing ends.
            let known_end = self.started && self.count.is_some();
            if !known_end && (!self.in_flight.is_empty() || !self.arrived.is_empty()) {
                return;
            }
            if self.started && !known_end && self.next_request != self.next_yield {
                return;
            }
            let end = self.end();
            if end.is_some_and(|end| self.next_request >= end) {
                return;
            }
            // Only `max_items` trims a request (the last one asks only for what is still
            // missing); near `count`, a full page is asked for, as the service may have more.
            let page_size = u64::from(self.query.page_size);
            let limit = self.max_end().map_or(page_size, |max_end| {
                page_size.min(max_end - self.next_request)
            });
            let slot = Slot {
                offset: self.next_request,
                limit: u32::try_from(limit).unwrap_or(self.query.page_size),
                alone: false,
                launch: 0,
            };
            self.next_request += u64::from(slot.limit);
            self.launch(slot);
        }
    }

    fn launch(&mut self, slot: Slot) {
        let slot = Slot {
            alone: self.in_flight.is_empty(),
            launch: self.launches,
            ..slot
        };
        self.launches += 1;
        let query = self.query.clone();
        #[cfg(feature = "metrics")]
        let in_flight = crate::metrics::PageInFlight::new(&query.client.inner.instruments);
        // The task leaves the caller's task: the wait's deadline and the span go with it.
        let fetch = deadline::scope(deadline::current(), async move {
            #[cfg(feature = "metrics")]
            let _in_flight = in_flight;
            query.fetch(slot).await
        });
        self.spawn(slot, fetch.instrument(tracing::Span::current()));
    }

    fn spawn(
        &mut self,
        slot: Slot,
        fetch: impl Future<Output = Result<ListSubJobsResponse, Error>> + Send + 'static,
    ) {
        let id = self.in_flight.spawn(fetch).id();
        self.slots.insert(id, slot);
    }

    /// Checks a page that arrived in its turn and decides whether it is the last; `None`
    /// when it holds nothing new.
    ///
    /// A full page that repeats the previous one is a server that ignores `offset`, which
    /// would repeat sub-jobs without end: an error. Once in a listing, a repeat that came
    /// with a `count` that grew is taken for what it is, sub-jobs added in front between
    /// the two requests, which moved every later one a page further: its sub-jobs were
    /// yielded with the previous page, and the listing's end moves a page further too.
    fn accept(
        &mut self,
        slot: Slot,
        page: ListSubJobsResponse,
    ) -> Result<Option<SubJobsPage>, Error> {
        self.started = true;
        let mut items = page.items;
        let received = items.len();
        let full_page = received >= slot.limit as usize;
        if full_page {
            let fingerprint = fingerprint(&items);
            if fingerprint.is_some() && fingerprint == self.previous_page {
                let grew = page
                    .count
                    .map(i64::from)
                    .zip(self.previous_count)
                    .is_some_and(|(now, before)| now > before);
                if !grew || self.shifted {
                    return Err(Error::RepeatedPage {
                        offset: slot.offset,
                    });
                }
                self.shifted = true;
                self.previous_count = page.count.map(i64::from);
                let shift = u64::from(slot.limit);
                self.count = self.count.map(|count| count.saturating_add(shift));
                self.next_yield = slot.offset + shift;
                return Ok(None);
            }
            self.previous_page = fingerprint;
        }
        self.previous_count = page.count.map(i64::from);
        if let Some(count) = page.count {
            // A negative count is nonsense; read it as "nothing more".
            let count = u64::try_from(count).unwrap_or(0);
            self.count = Some(self.count.map_or(count, |seen| seen.min(count)));
        }
        // A server that sends more than asked for cannot push a listing past its cap.
        items.truncate(slot.limit as usize);
        self.next_yield = slot.offset + items.len() as u64;
        if !full_page || self.end().is_some_and(|end| self.next_yield >= end) {
            self.finish();
        } else {
            self.successes += 1;
            if self.successes >= self.window && self.window < self.query.concurrency {
                self.window += 1;
                self.successes = 0;
            }
        }
        Ok(Some(SubJobsPage {
            offset: slot.offset,
            count: page.count.map(i64::from),
            items,
        }))
    }

    /// The offset the listing ends at as far as known: `max_items` or the smallest count.
    fn end(&self) -> Option<u64> {
        match (self.max_end(), self.count) {
            (Some(max_end), Some(count)) => Some(max_end.min(count)),
            (max_end, count) => max_end.or(count),
        }
    }

    fn max_end(&self) -> Option<u64> {
        self.query
            .max_items
            .map(|max| self.query.offset.saturating_add(max))
    }

    /// Ends the listing; requests still in flight are cancelled.
    fn finish(&mut self) {
        self.finished = true;
        self.in_flight = JoinSet::new();
        self.slots.clear();
        self.arrived.clear();
        self.again.clear();
    }
}

/// Whether the service asked for fewer requests (429, or 503 as its gateway also says).
fn is_throttled(error: &Error) -> bool {
    error
        .status()
        .is_some_and(|status| matches!(status.as_u16(), 429 | 503))
}

/// The error for a page request whose task panicked or was cancelled.
fn lost(slot: Slot, error: &JoinError) -> Error {
    Error::PageLost {
        offset: slot.offset,
        reason: error.to_string(),
    }
}

/// A hash of a page's items, every field of each: two pages with the same fingerprint are
/// the same page. (Every field of a sub-job is optional: a page of items without `id` must
/// be recognised too.) `None` for an empty page.
fn fingerprint(items: &[JobDetailInfo]) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    if items.is_empty() {
        return None;
    }
    let mut hasher = std::hash::DefaultHasher::new();
    serde_json::to_vec(items).ok()?.hash(&mut hasher);
    Some(hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_come_from_the_spec() {
        assert_eq!(page_size_bounds(), 1..=100);
        assert!(page_size_bounds().contains(&DEFAULT_PAGE_SIZE));
    }

    fn paginator() -> SubJobsPaginator {
        // Never sends: the tests below only build paginators or join tasks they spawn.
        let client = crate::ClientBuilder::new()
            .endpoint("http://127.0.0.1:9")
            .project_id("p")
            .build()
            .unwrap_or_else(|error| panic!("{error}"));
        client.paginate_sub_jobs(JobTypeFilter::CreateServer)
    }

    #[test]
    fn concurrency_is_kept_between_1_and_the_maximum() {
        assert_eq!(paginator().concurrency, DEFAULT_CONCURRENCY);
        assert_eq!(paginator().concurrency(0).concurrency, 1);
        assert_eq!(paginator().concurrency(16).concurrency, 16);
        let most = paginator().concurrency(usize::MAX).concurrency;
        assert_eq!(most, MAX_CONCURRENCY);
    }

    #[tokio::test]
    async fn a_throttled_page_past_a_count_that_shrank_is_not_asked_for_again() {
        let mut state = State::new(paginator().page_size(10).concurrency(4));
        state.started = true;
        state.next_yield = 10;
        state.next_request = 40;
        state.count = Some(20);
        for offset in [10, 30] {
            let slot = Slot {
                offset,
                limit: 10,
                alone: false,
                launch: 0,
            };
            state.again.push_back(slot);
        }
        state.request_more();
        // Only the page at 10 is still inside the listing; nothing is sent for 30.
        assert!(state.again.is_empty());
        let offsets: Vec<u64> = state.slots.values().map(|slot| slot.offset).collect();
        assert_eq!(offsets, [10]);
    }

    #[tokio::test]
    async fn a_page_request_that_panics_ends_the_listing_with_an_error() {
        let mut state = State::new(paginator().page_size(10).max_items(10));
        // As if the first page had been launched, and its task panicked.
        let slot = Slot {
            offset: 0,
            limit: 10,
            alone: true,
            launch: 0,
        };
        state.launches = 1;
        state.next_request = 10;
        state.spawn(slot, async { panic!("a bug in a page request") });
        let Some((page, state)) = state.next_page().await else {
            panic!("the listing ended without its error");
        };
        let error = page.err().unwrap_or_else(|| panic!("a page from a panic"));
        assert!(
            matches!(error, Error::PageLost { offset: 0, .. }),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("a bug in a page request"),
            "{error}"
        );
        assert!(state.next_page().await.is_none());
    }
}
