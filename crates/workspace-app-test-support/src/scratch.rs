//! Scratch directories that are removed when the test is done with them, whatever the
//! outcome (`tempfile`), instead of `temp_dir()` plus the process ID left behind.

/// A new empty directory, removed with everything in it when the value is dropped.
pub fn dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("workspace-app-test-")
        .tempdir()
        .unwrap_or_else(|e| panic!("a scratch directory: {e}"))
}
