//! Huawei's SDKs' settings files (`~/.huaweicloud/credentials`, `regions.yaml`): where
//! they are, and reading one whole, bounded.

use std::path::{Path, PathBuf};

/// The file is a few lines; anything much larger is not it.
pub(crate) const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// A settings file of Huawei's SDKs: the path in `variable`, else `~/.huaweicloud/<name>`
/// (`None` without a home directory: never a path relative to the current one).
pub(crate) fn settings_file(
    lookup: &dyn Fn(&str) -> Option<String>,
    variable: &str,
    name: &str,
) -> Option<PathBuf> {
    if let Some(path) = lookup(variable).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let home = lookup("HOME")
        .or_else(|| lookup("USERPROFILE"))
        .filter(|h| !h.is_empty())?;
    Some(Path::new(&home).join(".huaweicloud").join(name))
}

/// A settings file (credentials, regions), read whole up to [`MAX_FILE_BYTES`]; a larger
/// one is an error. Read through a limit rather than checked by its size first: a FIFO or
/// `/dev/zero` reports a size of 0.
pub(crate) fn read_small_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read as _;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("it is over {MAX_FILE_BYTES} bytes, not a settings file"),
        ));
    }
    Ok(text)
}
