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
/// IAM endpoint for the project ID lookup (default: the region's).
pub const IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";
/// Base URL of the ECS metadata service (default `http://169.254.169.254`). Not read by
/// Huawei's SDKs, which hard-code the address; this crate's own, for tests and proxies.
pub const METADATA_ENDPOINT: &str = "HUAWEICLOUD_SDK_METADATA_ENDPOINT";
