//! The signing algorithms Huawei's signers know (`SigningAlgorithm` of `huaweicloudsdkcore`):
//! their names, their hash, and what each needs compiled in.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use sm3::Sm3;

/// How a request is signed: one of the algorithms of Huawei's SDKs (their
/// `SigningAlgorithm`), chosen per client with
/// [`ClientBuilder::signing_algorithm`](crate::ClientBuilder::signing_algorithm).
///
/// All four sign the same canonical request; they differ in the hash (of the body and of the
/// canonical request), the first line of the string to sign, the header that stands for an
/// unsigned body, and the signature:
///
/// | algorithm | hash | signature | cargo feature |
/// |---|---|---|---|
/// | [`HmacSha256`](Self::HmacSha256) `SDK-HMAC-SHA256` (the default) | SHA-256 | HMAC-SHA256 keyed with the SK | none |
/// | [`HmacSm3`](Self::HmacSm3) `SDK-HMAC-SM3` | SM3 | HMAC-SM3 keyed with the SK | none |
/// | `EcdsaP256Sha256` `SDK-ECDSA-P256-SHA256` | SHA-256 | ECDSA P-256, DER | `ecdsa` |
/// | `Sm2Sm3` `SDK-SM2-SM3` | SM3 | SM2 (GB/T 32918), DER | `sm2` |
///
/// The ECDSA and SM2 keys are derived from the AK and SK as Huawei's signers derive them
/// (NIST SP 800-108 counter mode, HMAC of the algorithm's hash), so the gateway, which knows
/// the SK, can verify. A variant whose cargo feature is off does not exist: naming it is a
/// build error, and parsing its name ([`FromStr`]) says which feature it needs.
///
/// ```
/// use workspace_app_client::signing::SigningAlgorithm;
///
/// let algorithm: SigningAlgorithm = "SDK-HMAC-SM3".parse()?;
/// assert_eq!(algorithm, SigningAlgorithm::HmacSm3);
/// assert_eq!(algorithm.to_string(), "SDK-HMAC-SM3");
/// assert_eq!(SigningAlgorithm::default(), SigningAlgorithm::HmacSha256);
/// # Ok::<(), workspace_app_client::signing::ParseSigningAlgorithmError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SigningAlgorithm {
    /// `SDK-HMAC-SHA256`: HMAC-SHA256 keyed with the SK. Huawei's default.
    #[default]
    HmacSha256,
    /// `SDK-HMAC-SM3`: HMAC-SM3 keyed with the SK, SM3 for the hashes.
    HmacSm3,
    /// `SDK-ECDSA-P256-SHA256`: ECDSA on P-256 over SHA-256, with a key derived from the AK
    /// and SK (cargo feature `ecdsa`).
    #[cfg(feature = "ecdsa")]
    EcdsaP256Sha256,
    /// `SDK-SM2-SM3`: SM2 signatures (user ID `1234567812345678`) over SM3, with a key
    /// derived from the AK and SK (cargo feature `sm2`).
    #[cfg(feature = "sm2")]
    Sm2Sm3,
}

/// Every algorithm's name, the cargo feature it needs (`None`: always built), in Huawei's
/// order.
const NAMES: [(&str, Option<&str>); 4] = [
    ("SDK-HMAC-SHA256", None),
    ("SDK-HMAC-SM3", None),
    ("SDK-ECDSA-P256-SHA256", Some("ecdsa")),
    ("SDK-SM2-SM3", Some("sm2")),
];

/// The hash an algorithm uses for the body, the canonical request and its HMAC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HashFunction {
    Sha256,
    Sm3,
}

impl SigningAlgorithm {
    /// The algorithms this build has, the default first.
    pub const AVAILABLE: &'static [SigningAlgorithm] = &[
        SigningAlgorithm::HmacSha256,
        SigningAlgorithm::HmacSm3,
        #[cfg(feature = "ecdsa")]
        SigningAlgorithm::EcdsaP256Sha256,
        #[cfg(feature = "sm2")]
        SigningAlgorithm::Sm2Sm3,
    ];

    /// Huawei's name, first in `Authorization` and in the string to sign:
    /// `SDK-HMAC-SHA256`, `SDK-HMAC-SM3`, `SDK-ECDSA-P256-SHA256`, `SDK-SM2-SM3`.
    pub const fn name(self) -> &'static str {
        match self {
            SigningAlgorithm::HmacSha256 => NAMES[0].0,
            SigningAlgorithm::HmacSm3 => NAMES[1].0,
            #[cfg(feature = "ecdsa")]
            SigningAlgorithm::EcdsaP256Sha256 => NAMES[2].0,
            #[cfg(feature = "sm2")]
            SigningAlgorithm::Sm2Sm3 => NAMES[3].0,
        }
    }

    /// The header that, on a request with a body, stands for the body's hash (Huawei's
    /// signer sets it to `UNSIGNED-PAYLOAD` for a body that is neither JSON nor BSON):
    /// `x-sdk-content-sha256` or `x-sdk-content-sm3`.
    pub const fn content_header(self) -> &'static str {
        match self.hash_function() {
            HashFunction::Sha256 => "x-sdk-content-sha256",
            HashFunction::Sm3 => "x-sdk-content-sm3",
        }
    }

    /// HEX(HASH("")): the payload hash of a request without a body.
    pub const fn empty_body_hash(self) -> &'static str {
        match self.hash_function() {
            HashFunction::Sha256 => {
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            }
            HashFunction::Sm3 => "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b",
        }
    }

    pub(crate) const fn hash_function(self) -> HashFunction {
        match self {
            SigningAlgorithm::HmacSha256 => HashFunction::Sha256,
            SigningAlgorithm::HmacSm3 => HashFunction::Sm3,
            #[cfg(feature = "ecdsa")]
            SigningAlgorithm::EcdsaP256Sha256 => HashFunction::Sha256,
            #[cfg(feature = "sm2")]
            SigningAlgorithm::Sm2Sm3 => HashFunction::Sm3,
        }
    }

    /// Whether the signature is an HMAC keyed with the SK (else a signature with a key
    /// derived from the AK and SK).
    pub(crate) const fn is_hmac(self) -> bool {
        matches!(
            self,
            SigningAlgorithm::HmacSha256 | SigningAlgorithm::HmacSm3
        )
    }
}

impl HashFunction {
    /// HEX(HASH(bytes)), lowercase.
    pub(crate) fn hex(self, bytes: &[u8]) -> String {
        match self {
            HashFunction::Sha256 => hex::encode(Sha256::digest(bytes)),
            HashFunction::Sm3 => hex::encode(Sm3::digest(bytes)),
        }
    }

    /// HMAC(key, data) with this hash.
    pub(crate) fn hmac(self, key: &[u8], data: &[u8]) -> [u8; 32] {
        match self {
            HashFunction::Sha256 => hmac_of::<Hmac<Sha256>>(key, data),
            HashFunction::Sm3 => hmac_of::<Hmac<Sm3>>(key, data),
        }
    }

    /// Whether `given` is HMAC(key, data), compared in constant time.
    #[cfg_attr(not(feature = "verify"), allow(dead_code))]
    pub(crate) fn hmac_matches(self, key: &[u8], data: &[u8], given: &[u8]) -> bool {
        match self {
            HashFunction::Sha256 => mac::<Hmac<Sha256>>(key, data).verify_slice(given).is_ok(),
            HashFunction::Sm3 => mac::<Hmac<Sm3>>(key, data).verify_slice(given).is_ok(),
        }
    }
}

fn mac<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> M {
    // HMAC takes keys of any length (longer ones are hashed, shorter ones padded), so this
    // cannot fail.
    let mut mac = <M as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac
}

fn hmac_of<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let tag = mac::<M>(key, data).finalize().into_bytes();
    out.copy_from_slice(&tag[..32]);
    out
}

impl fmt::Display for SigningAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses Huawei's name of an algorithm (`SDK-HMAC-SM3`), in any letter case.
impl FromStr for SigningAlgorithm {
    type Err = ParseSigningAlgorithmError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Some(found) = SigningAlgorithm::AVAILABLE
            .iter()
            .find(|algorithm| algorithm.name().eq_ignore_ascii_case(text))
        {
            return Ok(*found);
        }
        let needs_feature = NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(text))
            .and_then(|(name, feature)| feature.map(|feature| (*name, feature)));
        Err(ParseSigningAlgorithmError {
            given: text.chars().take(64).collect(),
            needs_feature,
        })
    }
}

/// A name that is not one of this build's signing algorithms: unknown, or known but needing
/// a cargo feature this build does not have (the message names it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseSigningAlgorithmError {
    given: String,
    needs_feature: Option<(&'static str, &'static str)>,
}

impl ParseSigningAlgorithmError {
    /// The cargo feature of `workspace-app-client` that would make this name parse, if any.
    pub fn needs_feature(&self) -> Option<&'static str> {
        self.needs_feature.map(|(_, feature)| feature)
    }
}

impl fmt::Display for ParseSigningAlgorithmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.needs_feature {
            Some((name, feature)) => write!(
                f,
                "the signing algorithm {name} needs the `{feature}` cargo feature of \
                 workspace-app-client, which this build does not have"
            ),
            None => {
                let known: Vec<&str> = SigningAlgorithm::AVAILABLE
                    .iter()
                    .map(|algorithm| algorithm.name())
                    .collect();
                write!(
                    f,
                    "unknown signing algorithm {:?}: expected one of {}",
                    self.given,
                    known.join(", ")
                )
            }
        }
    }
}

impl std::error::Error for ParseSigningAlgorithmError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for algorithm in SigningAlgorithm::AVAILABLE {
            assert_eq!(algorithm.name().parse::<SigningAlgorithm>(), Ok(*algorithm));
            assert_eq!(
                algorithm
                    .name()
                    .to_ascii_lowercase()
                    .parse::<SigningAlgorithm>(),
                Ok(*algorithm)
            );
        }
        let error = "SDK-HMAC-MD5".parse::<SigningAlgorithm>().unwrap_err();
        assert_eq!(error.needs_feature(), None);
        assert!(error.to_string().contains("SDK-HMAC-SHA256"), "{error}");
        assert!(error.to_string().contains("\"SDK-HMAC-MD5\""), "{error}");
    }

    #[test]
    fn a_name_whose_feature_is_off_says_which_feature() {
        for (name, feature) in NAMES {
            let parsed = name.parse::<SigningAlgorithm>();
            match (feature, parsed) {
                (_, Ok(algorithm)) => assert_eq!(algorithm.name(), name),
                (Some(feature), Err(error)) => {
                    assert_eq!(error.needs_feature(), Some(feature));
                    assert!(
                        error.to_string().contains(&format!("`{feature}`")),
                        "{error}"
                    );
                }
                (None, Err(error)) => panic!("{name}: {error}"),
            }
        }
    }

    #[test]
    fn the_empty_body_hashes_are_the_hashes_of_nothing() {
        for algorithm in SigningAlgorithm::AVAILABLE {
            assert_eq!(
                algorithm.hash_function().hex(b""),
                algorithm.empty_body_hash()
            );
        }
        // GB/T 32905's example: SM3("abc").
        assert_eq!(
            HashFunction::Sm3.hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }
}
