//! The HTTP set-up every client of ours shares: the base client (no redirects, our
//! `User-Agent`), TLS by cargo feature, proxies and extra CAs, what an endpoint may be,
//! several endpoints and the move between them, bounded body reads, and the region endpoints
//! Huawei's SDKs let users override.

pub(crate) mod base;
pub(crate) mod body;
pub(crate) mod endpoint;
pub(crate) mod failover;
pub(crate) mod network;
pub(crate) mod query;
pub(crate) mod region_overrides;
pub(crate) mod tls;
