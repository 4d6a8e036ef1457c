//! Every error of the crate, and how it reads. [`ApiError`] and the reading of the service's
//! error bodies are at the bottom ([`api`]); the types that hold each other are in
//! [`taxonomy`]; [`DisplayErrorChain`] shows any error with its causes.

mod api;
mod chain;
mod taxonomy;

pub use api::{ApiError, BODY_SNIPPET_LIMIT, REQUEST_ID_HEADER};
pub(crate) use api::{is_documented_error, request_id, snippet};
pub use chain::DisplayErrorChain;
pub use taxonomy::{
    BuildError, EndpointFailure, Error, GeneratedError, ProjectLookupError, WaitError,
};
