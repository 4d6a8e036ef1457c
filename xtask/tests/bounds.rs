//! What `cargo xtask diff` reads is bounded as the spec loader bounds it: a base file or a
//! spec at a git revision larger than the limit (or one that never ends) is refused with an
//! error naming the limit, and an error on a long line prints a bounded message.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use workspace_app_codegen::{Spec, SpecError};
use xtask::evolution;

const MAX_BYTES: usize = Spec::MAX_BYTES;
/// What one error may print, with room for a file name.
const ERROR_CHARS: usize = SpecError::MAX_DISPLAY_CHARS + 200;

fn live_spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/workspace-app.yaml")
}

/// `xtask diff --base-file <base>` against the live spec.
fn diff_from(base: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("diff")
        .arg("--base-file")
        .arg(base)
        .arg("--spec")
        .arg(live_spec())
        .output()
        .expect("run xtask diff")
}

/// The live spec, padded with a comment to `size` bytes.
fn padded_spec(size: usize) -> String {
    let spec = std::fs::read_to_string(live_spec()).unwrap();
    let padded = format!("{spec}#{}\n", "x".repeat(size - spec.len() - 2));
    assert_eq!(padded.len(), size);
    padded
}

fn assert_refused_as_too_large(output: &Output, name: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(output.stdout.is_empty(), "no report");
    let limit = format!("larger than {} MiB", MAX_BYTES >> 20);
    assert!(
        stderr.contains(name) && stderr.contains(&limit),
        "stderr: {stderr}"
    );
    assert!(stderr.chars().count() <= ERROR_CHARS, "stderr: {stderr}");
}

#[test]
fn a_base_file_over_the_limit_is_refused_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    // At the limit: judged (the padding is a comment: no change).
    let at_limit = dir.path().join("at-limit.yaml");
    std::fs::write(&at_limit, padded_spec(MAX_BYTES)).unwrap();
    let output = diff_from(&at_limit);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // One byte more: refused.
    let over = dir.path().join("over.yaml");
    std::fs::write(&over, padded_spec(MAX_BYTES + 1)).unwrap();
    assert_refused_as_too_large(&diff_from(&over), "over.yaml");
}

/// `--base-file /dev/zero` stops at the limit instead of filling memory.
#[cfg(unix)]
#[test]
fn a_base_file_that_never_ends_is_refused_at_the_limit() {
    assert_refused_as_too_large(&diff_from(Path::new("/dev/zero")), "/dev/zero");
}

/// `--base REV`: git's output is read within the limit too.
#[test]
fn a_spec_at_a_revision_over_the_limit_is_refused_naming_the_limit() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .current_dir(root)
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
            .args(args)
            .status()
            .expect("run git");
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "--quiet"]);
    std::fs::create_dir_all(root.join("openapi")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace.package]\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(root.join(xtask::SPEC), padded_spec(MAX_BYTES + 1)).unwrap();
    git(&["add", "."]);
    git(&["commit", "--quiet", "-m", "a spec over the limit"]);
    let error = match evolution::at_revision(root, "HEAD") {
        Ok(side) => panic!("read {} at HEAD", side.name),
        Err(error) => error,
    };
    let limit = format!("larger than {} MiB", MAX_BYTES >> 20);
    assert!(
        error.contains("HEAD:openapi/workspace-app.yaml") && error.contains(&limit),
        "{error}"
    );
    assert!(error.chars().count() <= ERROR_CHARS, "{error}");
}

/// A one-line base of a megabyte with a YAML error at its end: the error quotes the line
/// around the column, not whole.
#[test]
fn an_error_on_a_long_line_of_the_base_prints_a_bounded_message() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.json");
    let text = format!(
        r#"{{"openapi": "3.0.3", "info": {{"title": "T", "version": "1", "description": "{}"}}, "paths": @}}"#,
        "x".repeat(1 << 20)
    );
    std::fs::write(&base, text).unwrap();
    let output = diff_from(&base);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr:.2000}");
    assert!(stderr.contains("invalid YAML"), "stderr: {stderr:.2000}");
    assert!(
        stderr.chars().count() <= ERROR_CHARS,
        "{} characters: {stderr:.2000}",
        stderr.len()
    );
}
