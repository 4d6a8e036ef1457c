//! A local emulator of Huawei Cloud Workspace's **Querying Subtasks** API
//! (`GET /v1/{project_id}/app-server-sub-jobs`, operation `ListSubJobs`), so that code calling
//! it can be tested, and the whole thing seen working, without a cloud account.
//!
//! It behaves as the real service does, as far as the spec and Huawei's SDKs tell:
//!
//! - an in-memory store of jobs and their sub-jobs, each going `WAITING` → `RUNNING` →
//!   `SUCCESS` or `FAILED` (with `error_code`/`error_message`) over time, at a configurable
//!   [speed](Config::speed) and on an injectable [`Clock`];
//! - the `job_type`, `status` and `job_id` filters and `offset`/`limit` paging with a
//!   correct `count`, in an order that never depends on status (oldest first), so paging
//!   returns every sub-job once while statuses change;
//! - every request is scoped to the project in its path;
//! - authentication with a configured IAM token (`X-Auth-Token`), or AK/SK signatures
//!   verified with the client crate's own `SDK-HMAC-SHA256` functions (the signature must
//!   cover `host` and `x-sdk-date`, and `x-project-id` when the request has it, dated within
//!   [15 minutes](MAX_CLOCK_SKEW) of the emulator's clock), or
//!   [temporary](Config::temporary) AK/SK credentials, whose requests must also carry and
//!   sign their `X-Security-Token`;
//! - the services that hand out temporary keys, which the API then accepts until they
//!   expire on the emulator's clock: the ECS metadata endpoint
//!   ([`Config::metadata_credentials`]), IAM's IdP federation ([`Config::federation`]: an
//!   OIDC ID token for an unscoped token, that token for keys) and STS's
//!   `assume-with-oidc` ([`Config::oidc`]), the ID tokens they take configured
//!   ([`Config::id_token`]) and rotated ([`Emulator::accept_id_token`]);
//! - every answer carries `X-Request-Id`, and a `Date` read from the emulator's [`Clock`]
//!   (so a test that sets a [`ManualClock`] hours ahead shows a client a skewed server);
//! - [fault injection](Faults): 500, 503 and 429 at seeded rates, added latency, and
//!   scripted failures of the next requests, to exercise retry code;
//! - connections that no client can hold open: a request's head must arrive within the
//!   [header timeout](Config::header_timeout) (which also closes idle kept-alive
//!   connections), at most [`max_connections`](Config::max_connections) are served at once,
//!   and a [shutdown](Emulator::shutdown) ends within its
//!   [grace period](Config::shutdown_grace) whatever clients are doing.
//!
//! Responses are serialized with the client's generated types, so they match the spec, and
//! validation follows the tables the codegen derives from it
//! ([`workspace_app_client::spec`]).
//!
//! Any other operation of the spec works here before the emulator learns its behaviour, as
//! [Prism](https://stoplight.io/open-source/prism) answers it, whatever its shape (every
//! method, JSON bodies, path parameters beyond the project's, headers, lists in the query):
//!
//! - it is routed by its path template: each `{name}` stands for one character or more of a
//!   segment, and the most literal template wins for its method; a path no template fits
//!   gets 404, a method the spec does not have at the path 405;
//! - it is authenticated as `ListSubJobs` is (a token, or a signature, which covers the
//!   body's hash);
//! - it is checked as far as the spec declares it: its required query parameters and header
//!   parameters are present; a single-valued query parameter is given at most once; a list
//!   is read in its declared style (`style: form`, `explode: true`: `a=x&a=y`;
//!   `explode: false`: one `a=x,y`, its items' own commas encoded, given once); a required
//!   body is present, and a body is JSON where the operation documents JSON
//!   (`application/json`, `…+json`). It does not check values against their schemas, a
//!   body's fields, the `Content-Type`, or the parts of a `multipart` body;
//! - it is answered with its documented success response (the lowest `2xx` status the
//!   spec documents, else `2XX` or `default`, both as 200): with the response's example when
//!   the response documents content, with no body when it documents none (a `204`, or a
//!   `200` without `content`).
//!
//! ```
//! use std::time::Duration;
//! use workspace_app_client::types::{JobType, JobTypeFilter, SubJobStatus};
//! use workspace_app_mock::{Config, JobPlan, SubJobPlan};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = workspace_app_mock::start(Config::default().token("local-token")).await?;
//! let secs = Duration::from_secs;
//! let job = emulator.add_job(
//!     JobPlan::new(JobType::CreateServer)
//!         .sub_job(SubJobPlan::succeeds(secs(1), secs(2)))
//!         .sub_job(SubJobPlan::fails(secs(1), secs(3), "WKS.00129901", "Service unavailable.")),
//! );
//!
//! // A client configured for the emulator: its URL, project and credentials.
//! let client = emulator.client_builder().build()?;
//! let page = client
//!     .sub_jobs()
//!     .job_type(JobTypeFilter::CreateServer)
//!     .job_id(&job.job_id)
//!     .send()
//!     .await?;
//! assert_eq!(page.count, Some(2));
//! assert!(page.items.iter().all(|item| item.status == Some(SubJobStatus::Waiting.into())));
//! # Ok(())
//! # }
//! ```
//!
//! # Errors it answers with
//!
//! Gateway errors carry Huawei API Gateway codes, service errors `WKS.` codes (see
//! [`error_codes`]); every body is `{"error_code": "...", "error_msg": "..."}`:
//!
//! | status | `error_code` | when |
//! |---|---|---|
//! | 400 | `WKS.00010001` | `job_type` missing; a value not in the spec's enum; `offset`/`limit` not an integer in the spec's range (`limit` 1–100, `offset` 0–2147483647, the `int32` maximum); a parameter given twice; a request body over 64 KiB, or one that has not arrived within the [header timeout](Config::header_timeout) of its head; for another operation, what it is checked for (above): a required query parameter or header missing, a single value or an unexploded list given twice, a required body missing, a body that is not JSON where JSON is documented |
//! | 401 | `APIGW.0301` | authentication failed, for one of the causes below |
//! | 404 | `APIGW.0101` | a path that is not in the spec |
//! | 405 | `WKS.00010002` | a method the spec does not have at the path, with `Allow` naming those it has (`GET` at `ListSubJobs`'s) |
//! | 501 | `WKS.00000001` | an operation of the spec the emulator has no behaviour for whose success response documents content but no example, or that documents no success response |
//! | 429 | `APIGW.0308` | injected throttling, with `Retry-After` |
//! | 500 | `WKS.00000001` | injected |
//! | 503 | `WKS.00129901` | injected, with `Retry-After` when configured |
//!
//! Requests for a project with no jobs get an empty page, as the service gives.
//!
//! ## Why a request gets 401
//!
//! With a token or keys configured (with neither, every request is let in), a request is
//! refused when any of these holds; `error_msg` says which, after "Incorrect IAM
//! authentication information: ", and never contains a secret.
//!
//! | cause | `error_msg` says |
//! |---|---|
//! | no `X-Auth-Token` and no `Authorization` | `neither an X-Auth-Token header nor an SDK-HMAC-SHA256 Authorization header` |
//! | a token other than the configured one | `the X-Auth-Token is not valid` |
//! | a token where only keys are configured | `this emulator accepts AK/SK signatures only` |
//! | an `Authorization` that is not `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…` | `the Authorization header is not …` |
//! | an AK other than the configured one (or none configured) | `the access key (AK) is unknown` |
//! | `host` or `x-sdk-date` not in `SignedHeaders` | `the signature must cover the host and x-sdk-date headers` |
//! | [temporary keys](Config::temporary) and no `X-Security-Token` | `the request has no X-Security-Token` |
//! | temporary keys and `x-security-token` not in `SignedHeaders` | `x-security-token must be among the signed headers` |
//! | temporary keys and another security token | `the X-Security-Token is not valid` |
//! | an `X-Project-Id` not in `SignedHeaders` | `x-project-id must be among the signed headers` |
//! | `X-Sdk-Date` missing or malformed | `the X-Sdk-Date header is missing or not of the form YYYYMMDDTHHMMSSZ` |
//! | `X-Sdk-Date` more than [15 minutes](MAX_CLOCK_SKEW) from the emulator's clock | `the X-Sdk-Date is more than 15 minutes away` |
//! | temporary keys from the [metadata endpoint](Config::metadata_credentials), [IAM](Config::federation) or [STS](Config::oidc), past their expiry | `the temporary credentials have expired` |
//! | any other mismatch: wrong SK, the request changed after signing | `verify aksk signature fail` |
//!
//! Every credential a request presents must hold: a valid token next to a bad
//! `Authorization` is refused.

mod api;
mod auth;
mod clock;
mod config;
mod connections;
mod emulator;
pub mod error_codes;
mod faults;
mod gate;
mod iam;
mod issuer;
mod lock;
mod metadata;
mod plan;
mod query;
mod seed;
mod server;
mod spec_enums;
mod state;
mod store;
mod sts;
mod times;
mod workload;

pub use auth::MAX_CLOCK_SKEW;
pub use axum::http::StatusCode;
pub use clock::{Clock, ManualClock};
pub use config::{
    Config, DEFAULT_HEADER_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_PROJECT_ID, DEFAULT_REGION,
    DEFAULT_SHUTDOWN_GRACE, Error,
};
pub use emulator::{Emulator, start};
pub use faults::Faults;
pub use plan::{AddedJob, JobPlan, Outcome, SubJobPlan};
