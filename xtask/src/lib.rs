//! The work behind `cargo xtask regenerate` and `cargo xtask check`, and behind the
//! freshness test (`tests/freshness.rs`): [`ensure_derived_files`] derives every file from
//! `openapi/workspace-app.yaml` and either writes the stale ones or reports them (the
//! rust-analyzer `ensure_file_contents` idea: one function both regenerates and checks).
//!
//! It first derives every file into memory (or a scratch directory), so a broken spec or a
//! failing generator stops before anything in the tree is touched.

pub mod diff;
pub mod evolution;
pub mod layers;
mod workspace;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use workspace_app_codegen::Spec;

use crate::diff::report::Report;
use crate::workspace::write_or_remove;
pub use crate::workspace::{BUNDLED_SPEC, CLIENT_CRATE, SNAPSHOT_DIR, SPEC, workspace_root};

/// The command that brings every derived file up to date, for messages.
pub const FIX: &str = "cargo xtask regenerate";

const SNAPSHOT_TEST: (&str, &str) = ("workspace-app-client", "snapshots");

/// What [`ensure_derived_files`] does with a stale file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write it (or remove it, if nothing derives it any more).
    Regenerate,
    /// Change nothing; report it.
    Check,
}

/// Which derived files [`ensure_derived_files`] looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every one, the insta snapshots included (derived by running the snapshot tests in a
    /// nested `cargo test`).
    All,
    /// All but the insta snapshots, which the snapshot tests check themselves: for a test,
    /// which should not run cargo.
    WithoutSnapshots,
}

/// A derived file whose contents in the tree are not what the spec derives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// Relative to the workspace root.
    pub path: PathBuf,
    /// What the tree holds (`None`: no such file).
    pub have: Option<Vec<u8>>,
    /// What it must hold (`None`: the file must not exist).
    pub want: Option<Vec<u8>>,
}

impl Stale {
    /// A unified diff from what the tree holds to what it must hold.
    pub fn diff(&self) -> String {
        let text =
            |bytes: Option<&[u8]>| String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned();
        let (old, new) = (text(self.have.as_deref()), text(self.want.as_deref()));
        let name = self.path.display();
        similar::TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string()
    }
}

/// What [`ensure_derived_files`] found (and, with [`Mode::Regenerate`], fixed).
#[derive(Debug)]
pub struct Outcome {
    /// How many derived files were compared.
    pub total: usize,
    /// The ones that were stale.
    pub stale: Vec<Stale>,
}

impl Outcome {
    /// `N derived file(s) are stale: a, b` and the command that fixes them.
    pub fn stale_message(&self) -> String {
        format!(
            "{} derived file(s) are stale: {}\nrun `{FIX}` and review the diff",
            self.stale.len(),
            self.stale
                .iter()
                .map(|stale| stale.path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Path (relative to the workspace root) → what the file must contain; `None` means the
/// file must not exist.
type Derived = BTreeMap<PathBuf, Option<Vec<u8>>>;

/// Derives every file in `scope` from the spec under `root` and compares it with the tree;
/// with [`Mode::Regenerate`], writes (or removes) each stale one. Nothing is written when
/// the spec is broken or a generator fails.
pub fn ensure_derived_files(root: &Path, mode: Mode, scope: Scope) -> Result<Outcome, String> {
    let derived = derive_all(root, scope)?;
    let total = derived.len();
    let stale: Vec<Stale> = derived
        .into_iter()
        .filter_map(|(path, want)| {
            let have = read_if_exists(&root.join(&path));
            (have != want).then_some(Stale { path, have, want })
        })
        .collect();
    if mode == Mode::Regenerate {
        for stale in &stale {
            write_or_remove(&root.join(&stale.path), stale.want.as_deref())?;
        }
    }
    Ok(Outcome { total, stale })
}

/// Every derived file, computed without touching the tree.
fn derive_all(root: &Path, scope: Scope) -> Result<Derived, String> {
    let spec_path = root.join(SPEC);
    let spec = Spec::load(&spec_path).map_err(|e| format!("error: {e}"))?;
    workspace_app_codegen::lint(&spec).map_err(|e| e.to_string())?;
    // Fail on a spec progenitor cannot handle before spending a build on it.
    workspace_app_codegen::generate_client(&spec).map_err(|e| e.to_string())?;

    let mut derived = Derived::new();
    // The bytes the spec was parsed from: read once, within the loader's bound.
    derived.insert(BUNDLED_SPEC.into(), Some(spec.text().as_bytes().to_vec()));
    let httpmock =
        workspace_app_codegen::generate_httpmock(&spec, CLIENT_CRATE).map_err(|e| e.to_string())?;
    derived.insert(
        workspace_app_codegen::HTTPMOCK_FILE.into(),
        Some(httpmock.into_bytes()),
    );
    let changelog = evolution::derived_changelog(root)?;
    derived.insert(evolution::CHANGELOG.into(), Some(changelog.into_bytes()));
    if scope == Scope::All {
        derived.extend(fresh_snapshots(root)?);
    }
    Ok(derived)
}

/// Runs the snapshot tests with insta writing into a scratch workspace root, then reads
/// what it wrote. Existing snapshots the tests no longer produce are marked for removal.
fn fresh_snapshots(root: &Path) -> Result<Derived, String> {
    let scratch = tempfile::tempdir().map_err(|e| format!("cannot create a scratch dir: {e}"))?;
    let (package, test) = SNAPSHOT_TEST;
    eprintln!("running the snapshot tests of {package} to derive its snapshots...");
    let executable = workspace_test_executable(root, package, test)?;
    let package_dir = root.join("crates").join(package);
    // As `cargo test` runs it: in its package, which the variable names.
    let output = Command::new(&executable)
        .current_dir(&package_dir)
        .env("CARGO_MANIFEST_DIR", &package_dir)
        .env("INSTA_WORKSPACE_ROOT", scratch.path())
        .env("INSTA_UPDATE", "always")
        .env("INSTA_FORCE_PASS", "1")
        .env("INSTA_OUTPUT", "none")
        .env_remove("CI")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", executable.display()))?;
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

/// The executable of `package`'s test `test` as `cargo test --workspace` builds it. Built
/// with the workspace's test features, not `--package`'s: cargo unifies features over what
/// it builds, so `cargo test --package .. --test ..` would compile the client and many of
/// its dependencies a second time, with other features (and the client on every spec edit).
fn workspace_test_executable(root: &Path, package: &str, test: &str) -> Result<PathBuf, String> {
    let output = cargo()
        .current_dir(root)
        .args([
            "test",
            "--quiet",
            "--workspace",
            "--no-run",
            "--message-format",
            "json-render-diagnostics",
        ])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo test --workspace --no-run failed ({})",
            output.status
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|message| {
            let target = &message["target"];
            message["reason"] == "compiler-artifact"
                && target["name"] == test
                && target["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "test"))
                && message["manifest_path"]
                    .as_str()
                    .is_some_and(|m| Path::new(m).parent().is_some_and(|d| d.ends_with(package)))
        })
        .and_then(|message| message["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| {
            format!("cargo test --workspace --no-run built no test `{test}` of {package}")
        })
}

/// cargo as the user's shell runs it: without the variables `cargo run` set for this
/// process (`CARGO_PKG_NAME`, `CARGO_MANIFEST_DIR`, ...). A dependency's build script may
/// watch them (ring's does), and cargo would then rebuild it and everything above it (the
/// TLS stack, the client) each time a build of the user's follows one of the xtask's.
fn cargo() -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for (name, _) in std::env::vars_os() {
        let set_by_cargo_run = name.to_str().is_some_and(|name| {
            name.starts_with("CARGO_PKG_")
                || name.starts_with("CARGO_MANIFEST_")
                || matches!(
                    name,
                    "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE"
                )
        });
        if set_by_cargo_run {
            command.env_remove(name);
        }
    }
    command
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

fn read_if_exists(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

/// The spec judged against the released baseline: what `cargo xtask check` (and the
/// freshness test) require to pass, every break acknowledged and no acknowledgement stale.
pub fn judge_against_baseline(root: &Path) -> Result<Report, String> {
    Report::judge(
        &evolution::baseline(root)?,
        &evolution::current(root, None)?,
    )
}
