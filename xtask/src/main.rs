//! `cargo xtask regenerate` brings every file derived from `openapi/workspace-app.yaml` up to
//! date; `cargo xtask check` changes nothing and fails with a unified diff when any is stale.
//!
//! Both first derive every file into memory (or a scratch directory), so a broken spec or a
//! failing generator stops before anything in the tree is touched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use workspace_app_codegen::Spec;

const SPEC: &str = "openapi/workspace-app.yaml";
/// The client's own copy of the spec, which its `build.rs` uses once packaged.
const BUNDLED_SPEC: &str = "crates/workspace-app-client/openapi/workspace-app.yaml";
const SNAPSHOT_DIR: &str = "crates/workspace-app-client/tests/snapshots";
const SNAPSHOT_TEST: (&str, &str) = ("workspace-app-client", "snapshots");

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  regenerate   bring every file derived from the OpenAPI spec up to date
  check        fail with a diff if any derived file is stale; changes nothing";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["regenerate"] => Mode::Regenerate,
        ["check"] => Mode::Check,
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(mode) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Regenerate,
    Check,
}

/// Path (relative to the workspace root) → what the file must contain; `None` means the
/// file must not exist.
type Derived = BTreeMap<PathBuf, Option<Vec<u8>>>;

fn run(mode: Mode) -> Result<ExitCode, String> {
    let root = workspace_root()?;
    let derived = derive_all(&root)?;
    let stale: Vec<_> = derived
        .iter()
        .filter(|(path, want)| read_if_exists(&root.join(path)) != **want)
        .collect();

    match mode {
        Mode::Check if stale.is_empty() => {
            println!("all {} derived files are up to date", derived.len());
            Ok(ExitCode::SUCCESS)
        }
        Mode::Check => {
            for (path, want) in &stale {
                print_diff(path, read_if_exists(&root.join(path)), want.as_deref());
            }
            eprintln!(
                "\n{} derived file(s) are stale: {}\nrun `cargo xtask regenerate` and review the diff",
                stale.len(),
                stale
                    .iter()
                    .map(|(p, _)| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(ExitCode::FAILURE)
        }
        Mode::Regenerate => {
            for (path, want) in &stale {
                write_or_remove(&root.join(path), want.as_deref())?;
                let verb = if want.is_some() { "updated" } else { "removed" };
                println!("{verb} {}", path.display());
            }
            println!("{} of {} derived files changed", stale.len(), derived.len());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Every derived file, computed without touching the tree.
fn derive_all(root: &Path) -> Result<Derived, String> {
    let spec_path = root.join(SPEC);
    let spec = Spec::load(&spec_path).map_err(|e| format!("error: {e}"))?;
    workspace_app_codegen::lint(&spec).map_err(|e| e.to_string())?;
    // Fail on a spec progenitor cannot handle before spending a build on it.
    workspace_app_codegen::generate_client(&spec).map_err(|e| e.to_string())?;

    let mut derived = Derived::new();
    let spec_bytes = std::fs::read(&spec_path).map_err(|e| format!("{SPEC}: {e}"))?;
    derived.insert(BUNDLED_SPEC.into(), Some(spec_bytes));
    let httpmock = workspace_app_codegen::generate_httpmock(&spec).map_err(|e| e.to_string())?;
    derived.insert(
        workspace_app_codegen::HTTPMOCK_FILE.into(),
        Some(httpmock.into_bytes()),
    );
    derived.extend(fresh_snapshots(root)?);
    Ok(derived)
}

/// Runs the snapshot tests with insta writing into a scratch workspace root, then reads
/// what it wrote. Existing snapshots the tests no longer produce are marked for removal.
fn fresh_snapshots(root: &Path) -> Result<Derived, String> {
    let scratch = tempfile::tempdir().map_err(|e| format!("cannot create a scratch dir: {e}"))?;
    let (package, test) = SNAPSHOT_TEST;
    eprintln!("running the snapshot tests of {package} to derive its snapshots...");
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(root)
        .args(["test", "--quiet", "--package", package, "--test", test])
        .env("INSTA_WORKSPACE_ROOT", scratch.path())
        .env("INSTA_UPDATE", "always")
        .env("INSTA_FORCE_PASS", "1")
        .env("INSTA_OUTPUT", "none")
        .env_remove("CI")
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the snapshot tests of {package} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        ));
    }

    let mut derived = Derived::new();
    for path in snapshot_files(&root.join(SNAPSHOT_DIR))? {
        derived.insert(relative(root, &path), None);
    }
    for path in snapshot_files(&scratch.path().join(SNAPSHOT_DIR))? {
        let contents = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        derived.insert(relative(scratch.path(), &path), Some(contents));
    }
    Ok(derived)
}

fn snapshot_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.extension().is_some_and(|ext| ext == "snap") {
            files.push(path);
        }
    }
    Ok(files)
}

fn relative(base: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(base).unwrap_or(path).to_path_buf()
}

fn workspace_root() -> Result<PathBuf, String> {
    // xtask/Cargo.toml sits one level below the workspace root.
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| "cannot find the workspace root".to_string())
}

fn read_if_exists(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

/// Replaces the file through a rename, so it is never left half-written.
fn write_or_remove(path: &Path, contents: Option<&[u8]>) -> Result<(), String> {
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

fn print_diff(path: &Path, have: Option<Vec<u8>>, want: Option<&[u8]>) {
    let text =
        |bytes: Option<&[u8]>| String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned();
    let (old, new) = (text(have.as_deref()), text(want));
    let name = path.display();
    let diff = similar::TextDiff::from_lines(&old, &new);
    print!(
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
    );
}
