//! Waiting for the sub-jobs of an asynchronous job to finish, one concern a file, bottom
//! up:
//!
//! - `phase`: what each status means for a wait ([`SubJobPhase`], [`StatusCounts`]);
//! - `target`: what a wait is for and what it came to ([`WaitTarget`], [`JobOutcome`]);
//! - `report`: how a wait reads for people ([`WaitReport`], [`error_text`]), the
//!   `Display` of [`WaitError`](crate::WaitError) (defined with the other errors);
//! - `waiter`: the polling loop ([`JobWaiter`]) and its defaults.

pub(crate) mod phase;
pub(crate) mod report;
pub(crate) mod target;
mod waiter;

pub use phase::{StatusCounts, SubJobPhase};
pub use report::{WaitReport, error_text};
pub use target::{JobOutcome, WaitTarget};
pub use waiter::{
    DEFAULT_MAX_POLL_INTERVAL, DEFAULT_MAX_SUB_JOBS, DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT,
    JobWaiter, LAST_POLL_ALLOWANCE, MIN_POLL_INTERVAL, WaitProgress,
};
