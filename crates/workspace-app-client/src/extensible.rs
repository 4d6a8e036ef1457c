//! Enums the service extends over time.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value of an enum that the service may extend: either a value this crate knows, or a
/// newer one kept as the raw string the server sent.
///
/// Responses use it for `job_type` and `status`, so a response carrying a value released
/// after this crate still parses. Requests keep strict enums, so a typo fails before any
/// network I/O.
///
/// ```
/// use workspace_app_client::{Extensible, types::SubJobStatus};
///
/// let known: Extensible<SubJobStatus> = serde_json::from_str("\"RUNNING\"").unwrap();
/// assert_eq!(known, SubJobStatus::Running);
///
/// let newer: Extensible<SubJobStatus> = serde_json::from_str("\"PAUSED\"").unwrap();
/// assert_eq!(newer, Extensible::Unknown("PAUSED".to_string()));
/// assert_eq!(newer.to_string(), "PAUSED");
/// assert_eq!(serde_json::to_string(&newer).unwrap(), "\"PAUSED\"");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Extensible<T> {
    /// A value listed in the OpenAPI document this crate was built from.
    Known(T),
    /// A value the document does not list yet, exactly as the server sent it.
    Unknown(String),
}

impl<T> Extensible<T> {
    /// The known value, if it is one.
    pub fn known(&self) -> Option<&T> {
        match self {
            Extensible::Known(value) => Some(value),
            Extensible::Unknown(_) => None,
        }
    }
}

impl<T> From<T> for Extensible<T> {
    fn from(value: T) -> Self {
        Extensible::Known(value)
    }
}

impl<T: PartialEq> PartialEq<T> for Extensible<T> {
    fn eq(&self, other: &T) -> bool {
        self.known() == Some(other)
    }
}

/// Never fails: a string that is not a known value is kept as it is.
impl<T: FromStr> FromStr for Extensible<T> {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Infallible> {
        Ok(T::from_str(s).map_or_else(|_| Extensible::Unknown(s.to_string()), Extensible::Known))
    }
}

/// The wire value: the known value's string, or the raw unknown string.
impl<T: fmt::Display> fmt::Display for Extensible<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Extensible::Known(value) => value.fmt(f),
            Extensible::Unknown(raw) => f.write_str(raw),
        }
    }
}

impl<T: fmt::Display> Serialize for Extensible<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de, T: FromStr> Deserialize<'de> for Extensible<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Ok(T::from_str(&raw).map_or(Extensible::Unknown(raw), Extensible::Known))
    }
}

/// The schema the OpenAPI document gives such values: `anyOf: [<the enum>, string]`.
#[cfg(feature = "schemars")]
impl<T: schemars::JsonSchema> schemars::JsonSchema for Extensible<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Extensible_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "anyOf": [generator.subschema_for::<T>(), { "type": "string" }]
        })
    }
}
