//! Test helpers shared by the workspace's crates: one place for each. Unpublished, and it
//! depends on no crate of the workspace, so that every crate's tests can use it (the
//! client's included) without a cycle.

pub mod cli;
pub mod hostile;
pub mod logs;
pub mod samples;
pub mod scratch;
pub mod servers;
pub mod stalled;
pub mod stub;
