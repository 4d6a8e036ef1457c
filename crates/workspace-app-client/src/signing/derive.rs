//! The ECDSA and SM2 keys of `SDK-ECDSA-P256-SHA256` and `SDK-SM2-SM3`, derived from the AK
//! and SK as Huawei's signers derive them (`P256SHA256Signer._derive_key` of
//! `huaweicloudsdkcore`, `derivePrivateInt` of the Go SDK): NIST SP 800-108 in counter mode,
//! one block, HMAC of the algorithm's hash keyed with the SK, and rejection sampling:
//!
//! ```text
//! for counter in 0..=254:
//!     c = HMAC(SK, 00000001 ‖ ALGORITHM ‖ 00 ‖ AK ‖ counter ‖ 00000100)   (big-endian)
//!     if c <= n - 2: d = c + 1                                            (d in [1, n-1])
//! ```
//!
//! with `n` the curve's order. A signature needs the public key too (SM2's `ZA` hashes it),
//! a scalar multiplication: [`KeyCache`] keeps the last derived key of a signer, so a client
//! derives once per credentials, not once per request.

use std::sync::{Arc, Mutex, PoisonError};

use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};

use super::algorithm::SigningAlgorithm;
use super::error::SigningError;
use crate::credentials::AkSk;

/// SM2's default user ID (`1234567812345678`, GB/T 35276), as Huawei's signers use it.
#[cfg(feature = "sm2")]
pub(crate) const SM2_USER_ID: &str = "1234567812345678";

/// A key derived from an AK/SK.
pub(crate) enum DerivedKey {
    #[cfg(feature = "ecdsa")]
    P256(p256::ecdsa::SigningKey),
    #[cfg(feature = "sm2")]
    Sm2(Box<sm2::dsa::SigningKey>),
}

/// The candidate scalars, in order: `c + 1` for each counter, big-endian; `None` when
/// `c + 1` overflows 256 bits (then `c > n - 2` for either curve).
fn candidates(
    algorithm: SigningAlgorithm,
    ak: &[u8],
    sk: &[u8],
) -> impl Iterator<Item = Option<Zeroizing<[u8; 32]>>> {
    let hash = algorithm.hash_function();
    let label = algorithm.name().as_bytes();
    let ak = ak.to_vec();
    let sk = Zeroizing::new(sk.to_vec());
    (0u8..0xff).map(move |counter| {
        let mut data = Vec::with_capacity(4 + label.len() + 1 + ak.len() + 1 + 4);
        data.extend_from_slice(&[0, 0, 0, 1]);
        data.extend_from_slice(label);
        data.push(0);
        data.extend_from_slice(&ak);
        data.push(counter);
        data.extend_from_slice(&[0, 0, 1, 0]);
        let mut candidate = Zeroizing::new(hash.hmac(&sk, &data));
        // + 1, big-endian, with carry.
        for byte in candidate.iter_mut().rev() {
            let (sum, carry) = byte.overflowing_add(1);
            *byte = sum;
            if !carry {
                return Some(candidate);
            }
        }
        None
    })
}

impl DerivedKey {
    /// The key Huawei's signer derives for `algorithm` from `ak` and `sk`; `None` for an
    /// HMAC algorithm, or when no counter gives a scalar below the order (about 2⁻⁸¹⁶⁰).
    pub(crate) fn derive(algorithm: SigningAlgorithm, ak: &[u8], sk: &[u8]) -> Option<Self> {
        if algorithm.is_hmac() {
            return None;
        }
        // A candidate `d = c + 1` is taken when `c <= n - 2`, i.e. when `d` is a valid secret
        // scalar (`1 <= d < n`), which is what the curve crates check.
        candidates(algorithm, ak, sk).find_map(|d| {
            let d = d?;
            match algorithm {
                SigningAlgorithm::HmacSha256 | SigningAlgorithm::HmacSm3 => None,
                #[cfg(feature = "ecdsa")]
                SigningAlgorithm::EcdsaP256Sha256 => p256::ecdsa::SigningKey::from_slice(&d[..])
                    .ok()
                    .map(DerivedKey::P256),
                #[cfg(feature = "sm2")]
                SigningAlgorithm::Sm2Sm3 => sm2::dsa::SigningKey::from_slice(SM2_USER_ID, &d[..])
                    .ok()
                    .map(|key| DerivedKey::Sm2(Box::new(key))),
            }
        })
    }

    /// The signature of `string_to_sign`, DER, as lowercase hex. ECDSA hashes with SHA-256;
    /// SM2 hashes `ZA ‖ string_to_sign` with SM3, `ZA` the standard one (GB/T 32918.2: the
    /// curve's and the public key's coordinates as 32 bytes each). Both pick `k` by
    /// RFC 6979, so a signature is a function of the key and the text.
    pub(crate) fn sign(&self, string_to_sign: &str) -> Result<String, SigningError> {
        let message = string_to_sign.as_bytes();
        match self {
            #[cfg(feature = "ecdsa")]
            DerivedKey::P256(key) => {
                use p256::ecdsa::signature::Signer as _;
                let signature: p256::ecdsa::Signature = key
                    .try_sign(message)
                    .map_err(|_| SigningError::KeyDerivation)?;
                Ok(hex::encode(signature.to_der().as_bytes()))
            }
            #[cfg(feature = "sm2")]
            DerivedKey::Sm2(key) => {
                use sm2::dsa::signature::Signer as _;
                let signature: sm2::dsa::Signature = key
                    .try_sign(message)
                    .map_err(|_| SigningError::KeyDerivation)?;
                Ok(hex::encode(signature.to_der().as_bytes()))
            }
        }
    }

    /// Whether `der` is a valid signature of `message` by this key (a high `s` is accepted,
    /// as Huawei's signer does not normalize it).
    #[cfg(feature = "verify")]
    pub(crate) fn verifies(&self, message: &[u8], der: &[u8]) -> bool {
        match self {
            #[cfg(feature = "ecdsa")]
            DerivedKey::P256(key) => {
                use p256::ecdsa::signature::Verifier as _;
                p256::ecdsa::Signature::from_der(der)
                    .is_ok_and(|signature| key.verifying_key().verify(message, &signature).is_ok())
            }
            #[cfg(feature = "sm2")]
            DerivedKey::Sm2(key) => {
                use sm2::dsa::signature::Verifier as _;
                sm2::dsa::Signature::from_der(der)
                    .is_ok_and(|signature| key.verifying_key().verify(message, &signature).is_ok())
            }
        }
    }

    /// The public key, SEC1 uncompressed (`04 ‖ X ‖ Y`, 65 bytes).
    #[cfg(feature = "verify")]
    pub(crate) fn public_key(&self) -> Vec<u8> {
        match self {
            #[cfg(feature = "ecdsa")]
            DerivedKey::P256(key) => key.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            #[cfg(feature = "sm2")]
            DerivedKey::Sm2(key) => {
                use sm2::elliptic_curve::sec1::ToSec1Point as _;
                key.verifying_key().to_sec1_point(false).as_bytes().to_vec()
            }
        }
    }
}

/// The last key a signer derived, and the credentials and algorithm it is for. Clones share
/// it (a client's clones sign with the same keys).
#[derive(Clone, Default)]
pub(crate) struct KeyCache(Arc<Mutex<Option<Cached>>>);

struct Cached {
    algorithm: SigningAlgorithm,
    ak: SecretString,
    sk: SecretString,
    key: Arc<DerivedKey>,
}

impl KeyCache {
    /// The key of `algorithm` for `keys`: the cached one when it is for the same AK and SK,
    /// else derived (and kept in place of the previous one: temporary credentials replace
    /// each other).
    pub(crate) fn key(
        &self,
        algorithm: SigningAlgorithm,
        keys: &AkSk,
    ) -> Result<Arc<DerivedKey>, SigningError> {
        let (ak, sk) = (keys.ak.expose_secret(), keys.sk.expose_secret());
        let mut cached = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(cached) = cached.as_ref()
            && cached.algorithm == algorithm
            && cached.ak.expose_secret() == ak
            && cached.sk.expose_secret() == sk
        {
            return Ok(cached.key.clone());
        }
        let key = Arc::new(
            DerivedKey::derive(algorithm, ak.as_bytes(), sk.as_bytes())
                .ok_or(SigningError::KeyDerivation)?,
        );
        *cached = Some(Cached {
            algorithm,
            ak: keys.ak.clone(),
            sk: keys.sk.clone(),
            key: key.clone(),
        });
        Ok(key)
    }

    /// Whether a key is cached (for tests).
    #[cfg(test)]
    pub(crate) fn holds(&self, keys: &AkSk) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|cached| {
                cached.ak.expose_secret() == keys.ak.expose_secret()
                    && cached.sk.expose_secret() == keys.sk.expose_secret()
            })
    }
}

/// The scalar of an HMAC for tests: `c + 1` of the first counter.
#[cfg(test)]
pub(crate) fn first_candidate(
    algorithm: SigningAlgorithm,
    ak: &str,
    sk: &str,
) -> Option<Zeroizing<[u8; 32]>> {
    candidates(algorithm, ak.as_bytes(), sk.as_bytes())
        .next()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The derived scalars of the research vectors (Huawei's Python signer,
    /// `P256SHA256Signer._derive_key`, for `AccessKey`/`SecretKey`).
    #[test]
    fn the_scalars_are_huaweis() {
        #[cfg(feature = "ecdsa")]
        assert_eq!(
            hex::encode(
                &first_candidate(SigningAlgorithm::EcdsaP256Sha256, "AccessKey", "SecretKey")
                    .unwrap()[..]
            ),
            "ba662ea95135c3914cc5d09e1015cb55c9218856723d0fae988c05502b983e33"
        );
        #[cfg(feature = "sm2")]
        assert_eq!(
            hex::encode(
                &first_candidate(SigningAlgorithm::Sm2Sm3, "AccessKey", "SecretKey").unwrap()[..]
            ),
            "16b922bc93996e38c6f88a60d9e9454b0fca65fe72f3ef9630a231aa23e9be06"
        );
    }

    #[test]
    fn hmac_algorithms_derive_nothing() {
        assert!(DerivedKey::derive(SigningAlgorithm::HmacSha256, b"ak", b"sk").is_none());
        assert!(DerivedKey::derive(SigningAlgorithm::HmacSm3, b"ak", b"sk").is_none());
    }

    #[cfg(any(feature = "ecdsa", feature = "sm2"))]
    #[test]
    fn the_cache_keeps_one_key_per_credentials() {
        let algorithm = SigningAlgorithm::AVAILABLE[2];
        let cache = KeyCache::default();
        let first = AkSk::new("AK1", "SK1");
        let a = cache.key(algorithm, &first).unwrap();
        let b = cache.clone().key(algorithm, &first).unwrap();
        assert!(Arc::ptr_eq(&a, &b), "the same key, not derived again");
        let second = AkSk::new("AK1", "SK2");
        let c = cache.key(algorithm, &second).unwrap();
        assert!(!Arc::ptr_eq(&a, &c), "other credentials, another key");
        assert!(cache.holds(&second) && !cache.holds(&first));
    }
}
