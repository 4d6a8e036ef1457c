//! Waiting for the sub-jobs of an asynchronous job to finish, one concern a file:
//!
//! - `phase`: what each status means for a wait ([`SubJobPhase`], [`StatusCounts`]);
//! - `report`: how a wait reads for people ([`WaitReport`], [`error_text`]);
//! - `error`: [`WaitError`];
//! - `waiter`: the polling loop ([`JobWaiter`]).

mod error;
mod phase;
mod report;
mod waiter;

use std::time::Duration;

pub use error::WaitError;
pub use phase::{StatusCounts, SubJobPhase};
pub use report::{WaitReport, error_text};
pub use waiter::{JobOutcome, JobWaiter, WaitProgress, WaitTarget};

/// The most sub-jobs one wait follows unless told otherwise: a job of more is
/// [`WaitError::TooManySubJobs`], so that a server that pages without end cannot fill memory
/// before the timeout.
pub const DEFAULT_MAX_SUB_JOBS: u64 = 10_000;
/// How long a wait lasts unless told otherwise: 10 minutes.
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(600);
/// The first pause between two polls unless told otherwise: 5 seconds.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// The longest pause between two polls unless told otherwise: 60 seconds.
pub const DEFAULT_MAX_POLL_INTERVAL: Duration = Duration::from_secs(60);
/// The shortest pause between two polls; a shorter interval is raised to it.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_millis(1);
/// How long past the deadline a poll may still take: the last poll starts at the deadline.
pub const LAST_POLL_ALLOWANCE: Duration = Duration::from_secs(1);
