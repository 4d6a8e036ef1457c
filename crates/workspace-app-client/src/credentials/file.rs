//! The credentials file of Huawei's SDKs: INI at `~/.huaweicloud/credentials` (path from
//! `HUAWEICLOUD_SDK_CREDENTIALS_FILE`), section `basic`, keys `ak`, `sk`, `security_token`,
//! `project_id`, `iam_endpoint`, and `idp_id` with `id_token_file` (IdP federation, which wins
//! over `ak` and `sk`, as in Huawei's `ProfileCredentialProvider`).
//!
//! Parsed here in a few lines rather than with an INI crate: the file is a handful of
//! `key = value` lines, and Python's `configparser` (what Huawei's SDK reads it with) has
//! rules no crate copies exactly. What is kept of them: `=` or `:` between key and value,
//! keys case-insensitive, whitespace around both trimmed, whole-line comments with `#` or
//! `;`, a later key overriding an earlier one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::env;
use super::keys::Credentials;
use crate::settings_file::{read_small_file, settings_file};

/// Sections read, in order: `basic` (what Huawei's SDKs read for project-scoped services
/// like this one), then `global` (what they read for global services: same keys, so a file
/// with only that section still has usable keys).
pub(crate) const SECTIONS: [&str; 2] = ["basic", "global"];

/// What the file holds for this client.
pub(crate) struct Profile {
    pub(crate) auth: ProfileAuth,
    pub(crate) project_id: Option<String>,
    pub(crate) iam_endpoint: Option<String>,
}

/// How the file's client authenticates.
pub(crate) enum ProfileAuth {
    /// `ak`, `sk` (and `security_token`).
    Keys(Credentials),
    /// `idp_id` and `id_token_file`: IdP federation.
    Federation { idp_id: String, token_file: PathBuf },
}

/// Why the file gave no credentials: `Skip` lets the chain go on (no file, no keys in it),
/// `Broken` stops it (a file the user meant to be read that cannot be).
pub(crate) enum Miss {
    Skip(String),
    Broken(String),
}

/// `~/.huaweicloud/credentials`, or the variable's path.
pub(crate) fn default_path(lookup: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    settings_file(lookup, env::CREDENTIALS_FILE, "credentials")
}

pub(crate) fn read(path: &Path) -> Result<Profile, Miss> {
    let text = match read_small_file(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Miss::Skip("no such file".into()));
        }
        Err(e) => return Err(Miss::Broken(format!("cannot read it: {e}"))),
    };
    from_text(&text)
}

/// The profile a credentials file's text gives.
pub(crate) fn from_text(text: &str) -> Result<Profile, Miss> {
    profile(&parse(text))
}

/// The profile of the first section that has one.
fn profile(sections: &HashMap<String, HashMap<String, String>>) -> Result<Profile, Miss> {
    let Some((name, section)) = SECTIONS
        .iter()
        .find_map(|name| sections.get(*name).map(|s| (*name, s)))
    else {
        return Err(Miss::Skip("no [basic] or [global] section".into()));
    };
    let get = |key: &str| section.get(key).filter(|v| !v.is_empty()).cloned();
    let federation = match (get("idp_id"), get("id_token_file")) {
        (Some(idp_id), Some(token_file)) => Some(ProfileAuth::Federation {
            idp_id,
            token_file: PathBuf::from(token_file),
        }),
        (None, None) => None,
        // Huawei's SDK goes on to `ak` and `sk`; half of a federation is a mistake worth
        // saying, as half a key pair is.
        (Some(_), None) => {
            return Err(Miss::Broken(format!(
                "[{name}] has idp_id but no id_token_file"
            )));
        }
        (None, Some(_)) => {
            return Err(Miss::Broken(format!(
                "[{name}] has id_token_file but no idp_id"
            )));
        }
    };
    if let Some(auth) = federation {
        return Ok(Profile {
            auth,
            project_id: get("project_id"),
            iam_endpoint: get("iam_endpoint"),
        });
    }
    let credentials = match (get("ak"), get("sk")) {
        (Some(ak), Some(sk)) => match get("security_token") {
            Some(token) => Credentials::temporary(ak, sk, token),
            None => Credentials::ak_sk(ak, sk),
        },
        (None, None) => {
            return Err(Miss::Skip(format!(
                "no ak and sk (nor idp_id and id_token_file) in [{name}]"
            )));
        }
        // Huawei's SDK goes on to the next source; a half-written file is a mistake worth
        // saying, rather than credentials found elsewhere.
        (Some(_), None) => return Err(Miss::Broken(format!("[{name}] has ak but no sk"))),
        (None, Some(_)) => return Err(Miss::Broken(format!("[{name}] has sk but no ak"))),
    };
    credentials
        .validate()
        .map_err(|reason| Miss::Broken(format!("[{name}]: {reason}")))?;
    Ok(Profile {
        auth: ProfileAuth::Keys(credentials),
        project_id: get("project_id"),
        iam_endpoint: get("iam_endpoint"),
    })
}

/// Sections and their keys (lower-cased), values trimmed.
fn parse(text: &str) -> HashMap<String, HashMap<String, String>> {
    let mut sections: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_string();
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        let (Some(section), Some(at)) = (&current, line.find(['=', ':'])) else {
            continue;
        };
        let (key, value) = (line[..at].trim(), line[at + 1..].trim());
        sections
            .entry(section.clone())
            .or_default()
            .insert(key.to_ascii_lowercase(), value.to_string());
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AkSk;

    fn read_str(text: &str) -> Result<Profile, Miss> {
        from_text(text)
    }

    /// `/dev/zero` has a size of 0 and no end: the read stops at the limit.
    #[cfg(unix)]
    #[test]
    fn a_file_without_end_is_refused_at_the_limit() {
        match read(Path::new("/dev/zero")) {
            Err(Miss::Broken(reason)) => assert!(reason.contains("over 1048576 bytes"), "{reason}"),
            Err(Miss::Skip(reason)) => panic!("expected a broken file, got a skip: {reason}"),
            Ok(_) => panic!("expected a broken file, got a profile"),
        }
    }

    #[test]
    fn reads_the_basic_section_like_configparser() {
        let profile = read_str(
            "# comment\n[global]\nak = other\nsk = other\n\n[basic]\nAK = my-ak\nsk: my-sk\n; note\nproject_id=p1\nsecurity_token = st\niam_endpoint = https://iam.example\n",
        )
        .ok()
        .unwrap();
        let ProfileAuth::Keys(Credentials::AkSk(keys)) = &profile.auth else {
            panic!()
        };
        assert!(matches!(
            keys,
            AkSk {
                security_token: Some(_),
                ..
            }
        ));
        use secrecy::ExposeSecret;
        assert_eq!(keys.ak.expose_secret(), "my-ak");
        assert_eq!(keys.sk.expose_secret(), "my-sk");
        assert_eq!(profile.project_id.as_deref(), Some("p1"));
        assert_eq!(profile.iam_endpoint.as_deref(), Some("https://iam.example"));
    }

    #[test]
    fn global_is_read_when_there_is_no_basic() {
        let profile = read_str("[global]\nak=a\nsk=s\ndomain_id=d\n")
            .ok()
            .unwrap();
        assert!(profile.project_id.is_none());
    }

    #[test]
    fn what_is_missing_is_said_and_secrets_are_not() {
        let reason = |text: &str| match read_str(text) {
            Ok(_) => panic!("read"),
            Err(Miss::Skip(r)) => format!("skip: {r}"),
            Err(Miss::Broken(r)) => format!("broken: {r}"),
        };
        assert_eq!(
            reason("[other]\nak=a\n"),
            "skip: no [basic] or [global] section"
        );
        assert_eq!(
            reason("[basic]\nproject_id=p\n"),
            "skip: no ak and sk (nor idp_id and id_token_file) in [basic]"
        );
        assert_eq!(
            reason("[basic]\nak=SECRET\n"),
            "broken: [basic] has ak but no sk"
        );
        let shown = reason("[basic]\nak=SECRET\u{7}\nsk=SECRET\n");
        assert!(
            shown.starts_with("broken") && !shown.contains("SECRET"),
            "{shown}"
        );
    }

    #[test]
    fn federation_wins_over_keys_and_half_of_it_is_said() {
        let profile = read_str(
            "[basic]\nak=a\nsk=s\nidp_id=my-idp\nid_token_file=/var/run/token\nproject_id=p\n",
        )
        .ok()
        .unwrap();
        let ProfileAuth::Federation { idp_id, token_file } = &profile.auth else {
            panic!("keys won")
        };
        assert_eq!(idp_id, "my-idp");
        assert_eq!(token_file, Path::new("/var/run/token"));
        assert_eq!(profile.project_id.as_deref(), Some("p"));
        for (text, said) in [
            (
                "[basic]\nak=a\nsk=s\nidp_id=i\n",
                "has idp_id but no id_token_file",
            ),
            (
                "[basic]\nid_token_file=/t\n",
                "has id_token_file but no idp_id",
            ),
        ] {
            match read_str(text) {
                Err(Miss::Broken(reason)) => assert!(reason.contains(said), "{reason}"),
                _ => panic!("{text}: not refused"),
            }
        }
    }

    #[test]
    fn a_missing_file_is_skipped() {
        let path = std::env::temp_dir().join("workspace-app-no-such-credentials-file");
        assert!(matches!(read(&path), Err(Miss::Skip(_))));
    }
}
