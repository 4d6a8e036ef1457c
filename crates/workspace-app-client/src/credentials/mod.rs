//! Who the client is and where that comes from: the credentials themselves ([`keys`]) and
//! the names of their sources ([`source`]) at the bottom, then the sources: the
//! credentials file, the ECS metadata service, the ID token exchanged at IAM (IdP
//! federation) or STS (OIDC), the provider that refreshes temporary credentials, and the
//! [`CredentialsChain`] that tries them in Huawei's order.

pub mod env;
mod keys;
mod source;

pub(crate) mod file;
mod id_token;
pub(crate) mod metadata;

mod exchange;
mod federation;
mod oidc;

mod chain;
mod provider;

pub use chain::CredentialsChain;
pub(crate) use chain::{ExchangeContext, Found};
pub(crate) use exchange::ExchangeHttp;
pub use keys::{AkSk, Credentials};
pub use metadata::{DEFAULT_METADATA_ENDPOINT, DEFAULT_METADATA_TIMEOUT};
pub(crate) use provider::Provider;
pub use provider::REFRESH_BEFORE_EXPIRY;
pub use source::{CredentialSource, CredentialsError, FederationSource, OidcSource, TokenRefusal};
