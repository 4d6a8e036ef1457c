//! Who the client is: an IAM token, or an AK/SK pair (permanent or temporary). Every
//! secret is redacted from `Debug`.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use super::env;

/// How requests are authenticated. Every secret (AK, SK, token) is redacted from `Debug`.
///
/// ```
/// use workspace_app_client::Credentials;
///
/// let credentials = Credentials::ak_sk("MY-AK", "MY-SK");
/// let shown = format!("{credentials:?}");
/// assert!(!shown.contains("MY-AK") && !shown.contains("MY-SK"));
/// ```
#[derive(Clone)]
pub enum Credentials {
    /// An IAM user token, sent as `X-Auth-Token`.
    Token(SecretString),
    /// AK/SK request signing (`SDK-HMAC-SHA256`).
    AkSk(AkSk),
}

/// An access key pair, with the session token of temporary credentials.
#[derive(Clone)]
pub struct AkSk {
    pub(crate) ak: SecretString,
    pub(crate) sk: SecretString,
    pub(crate) security_token: Option<SecretString>,
}

impl Credentials {
    /// An IAM user token.
    pub fn token(token: impl Into<String>) -> Self {
        Credentials::Token(SecretString::from(token.into()))
    }

    /// Permanent AK/SK credentials.
    pub fn ak_sk(ak: impl Into<String>, sk: impl Into<String>) -> Self {
        Credentials::AkSk(AkSk::new(ak, sk))
    }

    /// Temporary AK/SK credentials: requests also carry `X-Security-Token`.
    pub fn temporary(
        ak: impl Into<String>,
        sk: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Self {
        Credentials::AkSk(AkSk::temporary(ak, sk, security_token))
    }

    /// AK/SK credentials from `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK`, temporary when
    /// `HUAWEICLOUD_SDK_SECURITY_TOKEN` is set too. `None` when AK or SK is unset or empty.
    pub fn from_env() -> Option<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let get = |name| lookup(name).filter(|v| !v.is_empty());
        let (ak, sk) = (get(env::AK)?, get(env::SK)?);
        Some(match get(env::SECURITY_TOKEN) {
            Some(token) => Credentials::temporary(ak, sk, token),
            None => Credentials::ak_sk(ak, sk),
        })
    }

    /// Checks that every value can be sent in an HTTP header, without saying what it is.
    pub(crate) fn validate(&self) -> Result<(), &'static str> {
        let header_safe = |s: &SecretString| {
            let s = s.expose_secret();
            !s.is_empty() && s.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
        };
        // A whole header value travels exactly as given only without spaces or tabs around
        // it, which HTTP drops. (The AK sits inside `Authorization`, never at its edges.)
        let value_safe = |s: &SecretString| {
            header_safe(s) && s.expose_secret().trim_matches([' ', '\t']) == s.expose_secret()
        };
        match self {
            Credentials::Token(token) if !value_safe(token) => {
                Err("the token is empty, has characters a header cannot carry, or spaces around it")
            }
            Credentials::AkSk(keys) if !header_safe(&keys.ak) => {
                Err("the AK is empty or has characters a header cannot carry")
            }
            // The SK only keys the HMAC; it is never sent, so any bytes will do.
            Credentials::AkSk(keys) if keys.sk.expose_secret().is_empty() => Err("the SK is empty"),
            Credentials::AkSk(AkSk {
                security_token: Some(token),
                ..
            }) if !value_safe(token) => Err(
                "the security token is empty, has characters a header cannot carry, or spaces around it",
            ),
            _ => Ok(()),
        }
    }
}

impl AkSk {
    /// A permanent key pair, e.g. for [`signing::sign`](crate::signing::sign).
    pub fn new(ak: impl Into<String>, sk: impl Into<String>) -> Self {
        AkSk {
            ak: SecretString::from(ak.into()),
            sk: SecretString::from(sk.into()),
            security_token: None,
        }
    }

    /// A temporary key pair with its session token, sent as `X-Security-Token`.
    pub fn temporary(
        ak: impl Into<String>,
        sk: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Self {
        AkSk {
            security_token: Some(SecretString::from(security_token.into())),
            ..AkSk::new(ak, sk)
        }
    }
}

impl From<AkSk> for Credentials {
    fn from(keys: AkSk) -> Self {
        Credentials::AkSk(keys)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Token(_) => f.write_str("Credentials::Token(<redacted>)"),
            Credentials::AkSk(keys) => f.debug_tuple("Credentials::AkSk").field(keys).finish(),
        }
    }
}

impl fmt::Debug for AkSk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AkSk")
            .field("ak", &"<redacted>")
            .field("sk", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::lookup;

    #[test]
    fn reads_permanent_and_temporary_keys_from_the_official_variables() {
        let permanent = Credentials::from_lookup(lookup(&[(env::AK, "ak"), (env::SK, "sk")]));
        assert!(matches!(
            permanent,
            Some(Credentials::AkSk(AkSk {
                security_token: None,
                ..
            }))
        ));
        let temporary = Credentials::from_lookup(lookup(&[
            (env::AK, "ak"),
            (env::SK, "sk"),
            (env::SECURITY_TOKEN, "st"),
        ]));
        assert!(matches!(
            temporary,
            Some(Credentials::AkSk(AkSk {
                security_token: Some(_),
                ..
            }))
        ));
        assert!(Credentials::from_lookup(lookup(&[(env::AK, "ak")])).is_none());
        assert!(Credentials::from_lookup(lookup(&[(env::AK, "ak"), (env::SK, "")])).is_none());
    }

    #[test]
    fn debug_never_shows_a_secret() {
        for credentials in [
            Credentials::token("TOKEN-SECRET"),
            Credentials::ak_sk("AK-SECRET", "SK-SECRET"),
            Credentials::temporary("AK-SECRET", "SK-SECRET", "ST-SECRET"),
        ] {
            let shown = format!("{credentials:?} {credentials:#?}");
            assert!(!shown.contains("SECRET"), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
        }
    }

    #[test]
    fn values_a_header_cannot_carry_are_refused_without_echoing_them() {
        let error = Credentials::ak_sk("AK\nSECRET", "sk")
            .validate()
            .unwrap_err();
        assert!(!error.contains("SECRET"));
        assert!(Credentials::token("").validate().is_err());
        assert!(Credentials::ak_sk("ak", "").validate().is_err());
        assert!(
            Credentials::ak_sk("ak", "s\u{e9}cret/+=")
                .validate()
                .is_ok()
        );
        assert!(
            Credentials::temporary("ak", "sk", "t\u{e9}")
                .validate()
                .is_err()
        );
        assert!(
            Credentials::temporary("ak", "sk", "token")
                .validate()
                .is_ok()
        );
    }
}
