//! The `error_code` of each error the emulator answers with.

/// 400: a parameter is missing, not an allowed value, or out of range; a body is missing or
/// not JSON where the spec documents JSON.
pub const INVALID_PARAMETER: &str = "WKS.00010001";
/// 405: a method the spec does not have at the path.
pub const METHOD_NOT_ALLOWED: &str = "WKS.00010002";
/// 401: authentication failed (API Gateway's "Incorrect IAM authentication information").
pub const UNAUTHORIZED: &str = "APIGW.0301";
/// 404: no API at this path (API Gateway's "The API does not exist").
pub const NOT_FOUND: &str = "APIGW.0101";
/// 429: throttled (API Gateway's "The throttling threshold has been reached").
pub const THROTTLED: &str = "APIGW.0308";
/// 500: an internal error (and 501: an operation the emulator cannot answer).
pub const INTERNAL_ERROR: &str = "WKS.00000001";
/// 503: the service is unavailable (the code Huawei's document shows).
pub const SERVICE_UNAVAILABLE: &str = "WKS.00129901";
