//! The client's build script, in one call: load the spec, generate, write into `OUT_DIR`.

use std::fmt;
use std::path::{Path, PathBuf};

#[cfg(feature = "cli")]
use crate::cli::{CLI_FILE_NAME, CliPaths, generate_cli};
use crate::error::SpecErrors;
use crate::generate::generate;
use crate::load::Spec;

/// Why [`build_script`] failed.
pub enum BuildError {
    /// The spec cannot be read, does not pass the structural checks, or progenitor refuses it.
    Spec(SpecErrors),
    /// Cargo did not set `OUT_DIR`: not running as a build script.
    NoOutDir,
    /// A generated file cannot be written.
    Write {
        /// The file.
        path: PathBuf,
        /// Why not.
        source: std::io::Error,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Spec(errors) => errors.fmt(f),
            BuildError::NoOutDir => f.write_str("OUT_DIR is not set: run this from a build script"),
            BuildError::Write { path, .. } => write!(f, "cannot write {}", path.display()),
        }
    }
}

/// The message and its causes, so that `fn main() -> Result<(), BuildError>` reports well.
impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")?;
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            write!(f, "\n\nCaused by:\n    {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Write { source, .. } => Some(source),
            BuildError::Spec(_) | BuildError::NoOutDir => None,
        }
    }
}

impl From<SpecErrors> for BuildError {
    fn from(errors: SpecErrors) -> Self {
        BuildError::Spec(errors)
    }
}

/// For the client's `build.rs`: loads the spec at `spec_path`, runs the structural checks,
/// and writes every [`generate`]d file into `OUT_DIR` (a file is rewritten only when its
/// contents changed, to spare downstream rebuilds). Tells cargo to re-run when the spec
/// changes.
pub fn build_script(spec_path: &Path) -> Result<(), BuildError> {
    let spec = load(spec_path)?;
    warn_of_skipped_operations(&spec);
    let generated = generate(&spec)?;
    write_out_dir(&generated.files())
}

/// For the CLI's `build.rs`: like [`build_script`], with the CLI's per-operation commands
/// ([`generate_cli`]) in [`CLI_FILE_NAME`], naming what is outside them by `paths`.
#[cfg(feature = "cli")]
pub fn cli_build_script(spec_path: &Path, paths: &CliPaths<'_>) -> Result<(), BuildError> {
    let spec = load(spec_path)?;
    let commands = generate_cli(&spec, paths)?;
    write_out_dir(&[(CLI_FILE_NAME, &commands)])
}

/// A build warning for each operation the client leaves out, naming it and why.
fn warn_of_skipped_operations(spec: &Spec) {
    for (_, id, why) in crate::generate::skipped_operations(&spec.document) {
        println!("cargo::warning=operation {id} is not generated: {why}");
    }
}

/// Loads the spec, and tells cargo to run the build script again when it changes, by the
/// path as given: a path relative to the package's root (a build script's working
/// directory) is looked up by cargo in whichever copy of the tree it builds, where an
/// absolute one would keep pointing at the first copy built in a shared target dir. Errors
/// name the file by its absolute path.
fn load(spec_path: &Path) -> Result<Spec, BuildError> {
    println!("cargo::rerun-if-changed={}", spec_path.display());
    let absolute = std::path::absolute(spec_path).unwrap_or_else(|_| spec_path.to_path_buf());
    Ok(Spec::load(&absolute).map_err(SpecErrors::from)?)
}

fn write_out_dir(files: &[(&str, &str)]) -> Result<(), BuildError> {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or(BuildError::NoOutDir)?);
    for (name, contents) in files {
        let path = out_dir.join(name);
        write_if_changed(&path, contents).map_err(|source| BuildError::Write { path, source })?;
    }
    Ok(())
}

/// Writes `contents` to `path` unless it already holds exactly that, leaving its mtime alone.
fn write_if_changed(path: &Path, contents: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    std::fs::write(path, contents)
}
