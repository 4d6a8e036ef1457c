//! The Rust examples of the workspace's README and guide (`docs/`), compiled as doctests
//! (only when testing in the workspace: neither is part of the packaged crate).

/// `README.md`.
#[doc = include_str!("../../../README.md")]
pub struct Readme;

/// `docs/workflows.md`.
#[doc = include_str!("../../../docs/workflows.md")]
pub struct Workflows;

/// `docs/credentials-and-networks.md`.
#[doc = include_str!("../../../docs/credentials-and-networks.md")]
pub struct CredentialsAndNetworks;

/// `docs/downstream-control.md`.
#[doc = include_str!("../../../docs/downstream-control.md")]
pub struct DownstreamControl;
