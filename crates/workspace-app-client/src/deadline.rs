//! A deadline for every request made inside a scope: a wait sets one, and the transport
//! shortens each attempt and retry to fit in it, so a slow or endless server cannot hold
//! the wait past its timeout.
//!
//! Why not simply `tokio::time::timeout_at` around a poll: the transport's own clamp keeps
//! the same bound with no extra timer when the client has no per-attempt timeout, which is
//! what tests on paused tokio time rely on (paused time jumps to the next timer whenever
//! the runtime waits for I/O). The wait also checks the deadline after every page.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

tokio::task_local! {
    static DEADLINE: Instant;
}

/// Runs `future` with `deadline` in force for the requests it makes.
pub(crate) async fn scope<F: Future>(deadline: Option<Instant>, future: F) -> F::Output {
    match deadline {
        Some(deadline) => DEADLINE.scope(deadline, future).await,
        None => future.await,
    }
}

/// The deadline in force, if any.
pub(crate) fn current() -> Option<Instant> {
    DEADLINE.try_with(|deadline| *deadline).ok()
}

/// Time left before the deadline in force: `None` without one, zero once it has passed.
pub(crate) fn remaining() -> Option<Duration> {
    current().map(|deadline| deadline.saturating_duration_since(Instant::now()))
}

/// Whether the deadline in force has passed.
pub(crate) fn passed() -> bool {
    remaining().is_some_and(|left| left.is_zero())
}
