//! The OIDC ID token that workload identity exchanges for temporary credentials: read from
//! a file at every exchange (Kubernetes and CI platforms rotate it in place), or given once
//! as a value. A secret: never in `Debug`, errors or logs.

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use secrecy::SecretString;

/// Most bytes of an ID token file: STS takes tokens of up to 20,000 characters.
const MAX_TOKEN_BYTES: u64 = 64 * 1024;

/// Where an ID token comes from.
#[derive(Clone)]
pub(crate) enum IdToken {
    /// Read, trimmed, at every exchange.
    File(PathBuf),
    /// Given once (`HUAWEICLOUD_OIDC_ID_TOKEN`).
    Value(SecretString),
}

impl IdToken {
    /// The token now: the file's current content, trimmed, or the value. The error names
    /// the file and never holds any of its content.
    pub(crate) fn read(&self) -> Result<SecretString, String> {
        match self {
            IdToken::Value(token) => Ok(token.clone()),
            IdToken::File(path) => read_file(path)
                .map(SecretString::from)
                .map_err(|reason| format!("the ID token file {}: {reason}", path.display())),
        }
    }

    /// The file, when the token is read from one.
    pub(crate) fn file(&self) -> Option<&Path> {
        match self {
            IdToken::File(path) => Some(path),
            IdToken::Value(_) => None,
        }
    }
}

fn read_file(path: &Path) -> Result<String, String> {
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_TOKEN_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            // `read_to_string`'s message for bytes that are not UTF-8 quotes none of them.
            _ => format!("cannot read it: {e}"),
        })?;
    if text.len() as u64 > MAX_TOKEN_BYTES {
        return Err(format!(
            "it is over {MAX_TOKEN_BYTES} bytes, not an ID token"
        ));
    }
    let token = text.trim();
    if token.is_empty() {
        return Err("it is empty".into());
    }
    Ok(token.to_string())
}

impl fmt::Debug for IdToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdToken::File(path) => f.debug_tuple("IdToken::File").field(path).finish(),
            IdToken::Value(_) => f.write_str("IdToken::Value(<redacted>)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn a_file_is_read_again_each_time_and_its_errors_quote_nothing() {
        let dir =
            std::env::temp_dir().join(format!("workspace-app-id-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("token");
        let token = IdToken::File(path.clone());
        assert!(token.read().unwrap_err().contains("no such file"));
        std::fs::write(&path, "  TOKEN-ONE\n").unwrap();
        assert_eq!(token.read().unwrap().expose_secret(), "TOKEN-ONE");
        std::fs::write(&path, "TOKEN-TWO").unwrap();
        assert_eq!(token.read().unwrap().expose_secret(), "TOKEN-TWO");
        std::fs::write(&path, " \n").unwrap();
        let error = token.read().unwrap_err();
        assert!(error.contains("empty") && error.contains(&path.display().to_string()));
        std::fs::write(&path, [b'S', b'E', b'C', 0xff, b'R']).unwrap();
        let error = token.read().unwrap_err();
        assert!(!error.contains("SEC"), "{error}");
        std::fs::write(&path, "x".repeat(70_000)).unwrap();
        assert!(token.read().unwrap_err().contains("over"));
        let shown = format!("{:?}", IdToken::Value(SecretString::from("SECRET")));
        assert!(!shown.contains("SECRET"), "{shown}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
