"""Huawei's four signing algorithms, as huaweicloudsdkcore implements them (imported, never
copied): which signer class signs with each, the keys its ECDSA and SM2 signers derive from
an AK/SK, and verification of a signature with those keys.

Used by batch_signer.py, make_fixtures.py and verifier.py.

SM2 and the Python SDK's ZA.  ``SM2SigningKey._za`` writes the curve's and the public key's
coordinates with ``_int_to_bytes`` (minimal length), where GB/T 32918.2 (and RustCrypto's
sm2, gmssl, and the Go SDK's SM2 through tjfoc/gmsm) write each as 32 bytes.  The two differ
only when the public key's X or Y is below 2^248 (a leading zero byte): about 1 key in 128.
For those keys the Python SDK's SM2 signatures verify only with its own ZA, and standard ones
only with the standard ZA.  ``StandardZaSM2Key`` is Huawei's SM2SigningKey with ``_za``
alone replaced by the standard rule, so that Huawei's own signing and verification code can
check standard signatures; ``sdk_za_is_standard`` tells the two kinds of keys apart.
"""

from huaweicloudsdkcore.signer.signer import P256SHA256Signer, Signer, SM2SM3Signer, SM3Signer
from huaweicloudsdkcore.signer.utils import SM2SigningKey, new_sm3_hash

SIGNERS = {
    "SDK-HMAC-SHA256": Signer,
    "SDK-HMAC-SM3": SM3Signer,
    "SDK-ECDSA-P256-SHA256": P256SHA256Signer,
    "SDK-SM2-SM3": SM2SM3Signer,
}
ASYMMETRIC = ("SDK-ECDSA-P256-SHA256", "SDK-SM2-SM3")
SM2_USER_ID = b"1234567812345678"


def signer_class(algorithm):
    try:
        return SIGNERS[algorithm]
    except KeyError:
        raise ValueError(f"unknown signing algorithm {algorithm!r}") from None


class StandardZaSM2Key(SM2SigningKey):
    """Huawei's SM2 key with the ZA of GB/T 32918.2: every coordinate as 32 bytes."""

    @classmethod
    def _za(cls, public_key, uid=SM2_USER_ID):
        entla = len(uid) * 8
        data = bytearray([(entla >> 8) & 0xFF, entla & 0xFF]) + uid
        for value in (cls.PARAM_a, cls.PARAM_b, cls.PARAM_G[0], cls.PARAM_G[1],
                      public_key[0], public_key[1]):
            data += value.to_bytes(32, "big")
        return new_sm3_hash(bytes(data)).digest()


def public_key_hex(key):
    """SEC1 uncompressed: 04 || X || Y."""
    x, y = key._public_key
    return "04" + x.to_bytes(32, "big").hex() + y.to_bytes(32, "big").hex()


def sdk_za_is_standard(key):
    """Whether the SDK's ZA of this SM2 key is the standard one (no leading zero byte)."""
    return key._z == StandardZaSM2Key._za(key._public_key)


class Keys:
    """The SDK's signing keys per (algorithm, AK, SK), derived once (a derivation and each
    signature or verification is a scalar multiplication in pure Python, tens of ms)."""

    def __init__(self):
        self._keys = {}
        self._verified = {}

    def key(self, algorithm, ak, sk):
        """The key the SDK's signer derives (``get_signing_key``)."""
        entry = (algorithm, ak, sk)
        if entry not in self._keys:
            from huaweicloudsdkcore.auth.credentials import BasicCredentials

            self._keys[entry] = signer_class(algorithm)(BasicCredentials(ak, sk)).get_signing_key()
        return self._keys[entry]

    def standard_key(self, ak, sk):
        """The SM2 key with the standard ZA."""
        entry = ("standard-za", ak, sk)
        if entry not in self._keys:
            self._keys[entry] = StandardZaSM2Key(self.key("SDK-SM2-SM3", ak, sk)._private_key)
        return self._keys[entry]

    def verify(self, algorithm, ak, sk, string_to_sign, signature_hex, standard_za=False):
        """Whether the SDK's key verifies the DER signature (hex) of the string to sign
        (SM2: with the SDK's own ZA, or with the standard one)."""
        entry = (algorithm, ak, sk, string_to_sign, signature_hex, standard_za)
        if entry not in self._verified:
            key = self.standard_key(ak, sk) if standard_za else self.key(algorithm, ak, sk)
            try:
                ok = bool(key.verify(bytes.fromhex(signature_hex), string_to_sign.encode("utf-8")))
            except Exception:  # noqa: BLE001 -- a malformed signature does not verify
                ok = False
            self._verified[entry] = ok
        return self._verified[entry]

    def describe(self, algorithm, ak, sk):
        """The derived public key and, for SM2, whether the SDK's ZA is the standard one."""
        key = self.key(algorithm, ak, sk)
        out = {"public_key": public_key_hex(key)}
        if algorithm == "SDK-SM2-SM3":
            out["sdk_za_standard"] = sdk_za_is_standard(key)
        return out
