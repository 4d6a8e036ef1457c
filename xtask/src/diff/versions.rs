//! The versions a set of changes needs: the crate's (Cargo's semver rules, where `0.y` is the
//! major part) and `info.version` (the document's, by the wire verdicts).

use std::fmt;

use super::change::Bump;

/// `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(into = "String")]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl Version {
    /// Parses `1.2.3` (a pre-release or build suffix is not accepted).
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.trim().split('.').map(|p| p.parse::<u64>().ok());
        let version = Version {
            major: parts.next()??,
            minor: parts.next()??,
            patch: parts.next()??,
        };
        parts.next().is_none().then_some(version)
    }

    /// The smallest version after this one that a change of `bump` allows. Under `1.0.0`
    /// the minor part is the major one, as Cargo reads it.
    pub fn next(self, bump: Bump) -> Version {
        let Version {
            major,
            minor,
            patch,
        } = self;
        match (major, bump) {
            (0, Bump::Major) => Version::new(0, minor + 1, 0),
            (0, Bump::Minor | Bump::Patch) => Version::new(0, minor, patch + 1),
            (_, Bump::Major) => Version::new(major + 1, 0, 0),
            (_, Bump::Minor) => Version::new(major, minor + 1, 0),
            (_, Bump::Patch) => Version::new(major, minor, patch + 1),
        }
    }

    fn new(major: u64, minor: u64, patch: u64) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl From<Version> for String {
    fn from(version: Version) -> String {
        version.to_string()
    }
}

/// The version of `[workspace.package]` in a workspace's `Cargo.toml`, which every crate
/// of the workspace takes.
pub fn workspace_version(cargo_toml: &str) -> Option<Version> {
    let mut in_section = false;
    for line in cargo_toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_section = line == "[workspace.package]";
            continue;
        }
        if !in_section {
            continue;
        }
        if let Some(value) = line
            .strip_prefix("version")
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix('='))
        {
            return Version::parse(value.trim().trim_matches('"'));
        }
    }
    None
}

/// What one version needs, given the changes since the released one.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Need {
    /// The largest bump among the changes; `None` when nothing changed.
    pub bump: Option<Bump>,
    /// The released version, if it is semver.
    pub released: Option<Version>,
    /// The smallest version the changes allow.
    pub needed: Option<Version>,
    /// The version the tree has now.
    pub current: Option<Version>,
}

impl Need {
    pub fn new(bump: Option<Bump>, released: Option<Version>, current: Option<Version>) -> Need {
        let needed = match (bump, released) {
            (Some(bump), Some(released)) => Some(released.next(bump)),
            (None, released) => released,
            (Some(_), None) => None,
        };
        Need {
            bump,
            released,
            needed,
            current,
        }
    }

    /// Whether the tree's version is at least the needed one.
    pub fn met(&self) -> bool {
        match (self.needed, self.current) {
            (Some(needed), Some(current)) => current >= needed,
            _ => false,
        }
    }

    /// E.g. `0.1.0 → 0.2.0 (major)`, and whether the tree already says so.
    pub fn describe(&self) -> String {
        let shown = |v: Option<Version>| v.map_or("?".to_string(), |v| v.to_string());
        let Some(bump) = self.bump else {
            return format!("{} (no change)", shown(self.released));
        };
        let state = if self.met() {
            format!("; the tree has {}", shown(self.current))
        } else {
            format!("; the tree still has {}", shown(self.current))
        };
        format!(
            "{} → {} ({}{state})",
            shown(self.released),
            shown(self.needed),
            bump.word()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bumps_follow_cargo_s_semver_rules() {
        let v = |text| Version::parse(text).unwrap_or_else(|| panic!("{text}"));
        assert_eq!(v("0.1.0").next(Bump::Major), v("0.2.0"));
        assert_eq!(v("0.1.0").next(Bump::Minor), v("0.1.1"));
        assert_eq!(v("0.1.3").next(Bump::Patch), v("0.1.4"));
        assert_eq!(v("1.4.2").next(Bump::Major), v("2.0.0"));
        assert_eq!(v("1.4.2").next(Bump::Minor), v("1.5.0"));
        assert_eq!(v("1.4.2").next(Bump::Patch), v("1.4.3"));
        assert_eq!(Version::parse("v1"), None);
        assert_eq!(Version::parse("1.0.0.1"), None);
    }

    #[test]
    fn the_workspace_version_is_read_from_its_section() {
        let toml = "[package]\nversion = \"9.9.9\"\n[workspace.package]\nedition = \"2024\"\nversion = \"0.3.1\"\n";
        assert_eq!(workspace_version(toml), Version::parse("0.3.1"));
    }
}
