//! Environment variable names used by Huawei's official SDKs.

/// Access key ID.
pub const AK: &str = "HUAWEICLOUD_SDK_AK";
/// Secret access key.
pub const SK: &str = "HUAWEICLOUD_SDK_SK";
/// Session token of temporary AK/SK credentials.
pub const SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// Project ID.
pub const PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// Path of the credentials file (default `~/.huaweicloud/credentials`).
pub const CREDENTIALS_FILE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
/// IAM endpoint for the project ID lookup and IdP federation (default: the region's).
pub const IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";
/// Base URL of the ECS metadata service (default `http://169.254.169.254`). Not read by
/// Huawei's SDKs, which hard-code the address; this crate's own, for tests and proxies.
pub const METADATA_ENDPOINT: &str = "HUAWEICLOUD_SDK_METADATA_ENDPOINT";
/// IdP federation's identity provider ID, with [`ID_TOKEN_FILE`]: both set, the environment
/// exchanges the file's ID token at IAM for temporary credentials, whatever AK/SK it has.
pub const IDP_ID: &str = "HUAWEICLOUD_SDK_IDP_ID";
/// IdP federation's ID token file, re-read at every exchange (the platform rotates it).
pub const ID_TOKEN_FILE: &str = "HUAWEICLOUD_SDK_ID_TOKEN_FILE";
/// STS's base URL for OIDC (default `https://sts.cn-north-4.myhuaweicloud.com`, as Huawei's
/// SDKs: whatever the client's region).
pub const STS_ENDPOINT: &str = "HUAWEICLOUD_SDK_STS_ENDPOINT";
/// OIDC: the URN of the identity provider registered in IAM (required).
pub const OIDC_PROVIDER_URN: &str = "HUAWEICLOUD_OIDC_PROVIDER_URN";
/// OIDC: the URN of the agency to assume (required).
pub const OIDC_AGENCY_URN: &str = "HUAWEICLOUD_OIDC_AGENCY_URN";
/// OIDC: the ID token itself; wins over [`OIDC_TOKEN_FILE`].
pub const OIDC_ID_TOKEN: &str = "HUAWEICLOUD_OIDC_ID_TOKEN";
/// OIDC: the file holding the ID token, re-read at every exchange.
pub const OIDC_TOKEN_FILE: &str = "HUAWEICLOUD_OIDC_TOKEN_FILE";
/// OIDC: the session's name (default `oidc-sts-session`).
pub const OIDC_SESSION_NAME: &str = "HUAWEICLOUD_OIDC_SESSION_NAME";
/// OIDC: how long the credentials are asked for, in seconds (default 3600).
pub const OIDC_DURATION_SECONDS: &str = "HUAWEICLOUD_OIDC_DURATION_SECONDS";
/// OIDC: a session policy (a JSON document, sent as a string) narrowing the agency's rights.
pub const OIDC_POLICY: &str = "HUAWEICLOUD_OIDC_POLICY";
/// OIDC: IDs of identity policies narrowing the agency's rights, comma-separated.
pub const OIDC_POLICY_IDS: &str = "HUAWEICLOUD_OIDC_POLICY_IDS";
