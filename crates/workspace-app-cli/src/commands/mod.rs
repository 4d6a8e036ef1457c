//! One file per command: its flags, its help after them, and how it runs. Each takes the
//! shared argument types, the client the global flags describe and the terminal writers
//! from below, and ends in `Ok` or a [`Failure`](crate::failure::Failure).

pub mod api;
pub mod completions;
#[cfg(feature = "demo")]
pub mod demo;
pub mod doctor;
pub mod list;
pub mod wait;
