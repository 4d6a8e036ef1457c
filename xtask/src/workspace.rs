//! The workspace the xtask works on: where it is, where the spec and the files derived from
//! it are, the client crate the generated code names, and writing a file safely. The rest
//! of the xtask builds on this.

use std::path::{Path, PathBuf};

/// The hand-written spec, relative to the workspace root.
pub const SPEC: &str = "openapi/workspace-app.yaml";
/// The client's own copy of the spec, which its `build.rs` uses once packaged.
pub const BUNDLED_SPEC: &str = "crates/workspace-app-client/openapi/workspace-app.yaml";
/// The insta snapshots of the client, relative to the workspace root.
pub const SNAPSHOT_DIR: &str = "crates/workspace-app-client/tests/snapshots";
/// The client crate, as the generated httpmock helpers name it: the one place the xtask
/// tells the codegen which crate that is.
pub const CLIENT_CRATE: &str = "workspace_app_client";

/// The workspace this xtask belongs to.
pub fn workspace_root() -> Result<PathBuf, String> {
    // xtask/Cargo.toml sits one level below the workspace root. `cargo run` says where it is
    // now; the directory baked in at compile time is that of the tree the binary was built
    // in, which is another one when a copy of the tree shares this one's target dir (and
    // cargo, finding the sources unchanged, does not rebuild).
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| "cannot find the workspace root".to_string())
}

/// Replaces the file through a rename, so it is never left half-written.
pub(crate) fn write_or_remove(path: &Path, contents: Option<&[u8]>) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("{}: {e}", path.display());
    let Some(contents) = contents else {
        return std::fs::remove_file(path).map_err(fail);
    };
    let dir = path
        .parent()
        .ok_or_else(|| format!("{}: no parent", path.display()))?;
    std::fs::create_dir_all(dir).map_err(fail)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    std::io::Write::write_all(&mut temp, contents).map_err(fail)?;
    temp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
