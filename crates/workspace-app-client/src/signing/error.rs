//! Why a request could not be signed.

/// Why a request could not be signed. The messages never contain a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigningError {
    /// The request URL has no host, so there is no `Host` header to sign.
    #[error("the request URL has no host to sign")]
    NoHost,
    /// The request body is a stream: it cannot be hashed without consuming it (a body that
    /// is neither JSON nor BSON, signed as `UNSIGNED-PAYLOAD`, may be a stream).
    #[error("the request body is a stream, which cannot be hashed for the signature")]
    StreamingBody,
    /// A value (the AK in `Authorization`, the security token) has characters an HTTP header
    /// cannot carry.
    #[error("the {header} header cannot carry the value: it has characters a header cannot carry")]
    InvalidHeaderValue {
        /// The header, lowercase.
        header: &'static str,
    },
    /// The signing time cannot be written as `X-Sdk-Date` (before year 1 or after 9999).
    #[error("the signing time is outside the years X-Sdk-Date can express")]
    TimeOutOfRange,
    /// A header to sign is on the request more than once: the signature would cover the
    /// first value only, and a server may read the values joined.
    #[error("the {header} header is given more than once, so it cannot be signed as it is sent")]
    RepeatedHeader {
        /// The header, lowercase.
        header: String,
    },
    /// A header to sign has a value that is not UTF-8: the signature would cover other text
    /// (U+FFFD) than the bytes sent.
    #[error("the {header} header's value is not UTF-8, so it cannot be signed as it is sent")]
    HeaderValueNotUtf8 {
        /// The header, lowercase.
        header: String,
    },
    /// No ECDSA or SM2 key could be derived from the AK and SK (Huawei's derivation gives up
    /// after 255 candidates, which happens about once in 2⁸¹⁶⁰ key pairs), or the signature
    /// could not be made.
    #[error("no signing key could be derived from the AK and SK for this algorithm")]
    KeyDerivation,
}
