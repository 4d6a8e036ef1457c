//! Generates the client from the OpenAPI document into `OUT_DIR`.

use std::path::{Path, PathBuf};

// The one spec-to-Rust implementation, shared with the `workspace-app-codegen` crate.
#[path = "codegen/mod.rs"]
mod codegen;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    // In the workspace, the hand-written spec at the top is the source of truth, so an edit
    // shows up on the next build; a packaged crate carries its own copy of it.
    let workspace_spec = manifest_dir.join("../../openapi/workspace-app.yaml");
    let spec_path = match workspace_spec.canonicalize() {
        Ok(path) => path,
        Err(_) => manifest_dir.join("openapi/workspace-app.yaml"),
    };
    println!("cargo::rerun-if-changed={}", spec_path.display());
    println!("cargo::rerun-if-changed=codegen");

    let generated = codegen::Spec::load(&spec_path)
        .map_err(codegen::SpecErrors::from)
        .and_then(|spec| codegen::generate_client(&spec));
    let code = match generated {
        Ok(code) => code,
        Err(errors) => fail(&errors.to_string()),
    };
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let out = out_dir.join(codegen::GENERATED_FILE_NAME);
    if let Err(e) = write_if_changed(&out, &code) {
        fail(&format!("cannot write {}: {e}", out.display()));
    }
}

/// Leaves the file (and its mtime) alone when nothing changed, to spare downstream rebuilds.
fn write_if_changed(path: &Path, contents: &str) -> std::io::Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    std::fs::write(path, contents)
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(1);
}
