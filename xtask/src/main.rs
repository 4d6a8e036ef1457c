//! `cargo xtask regenerate` brings every file derived from `openapi/workspace-app.yaml` up to
//! date; `cargo xtask check` changes nothing and fails with a unified diff when any is stale.
//! The work is [`xtask::ensure_derived_files`], which the freshness test shares.

use std::process::ExitCode;

use xtask::{Mode, Scope, ensure_derived_files, workspace_root};

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

fn run(mode: Mode) -> Result<ExitCode, String> {
    let root = workspace_root()?;
    let outcome = ensure_derived_files(&root, mode, Scope::All)?;
    match mode {
        Mode::Check if outcome.stale.is_empty() => {
            println!("all {} derived files are up to date", outcome.total);
            Ok(ExitCode::SUCCESS)
        }
        Mode::Check => {
            for stale in &outcome.stale {
                print!("{}", stale.diff());
            }
            eprintln!("\n{}", outcome.stale_message());
            Ok(ExitCode::FAILURE)
        }
        Mode::Regenerate => {
            for stale in &outcome.stale {
                let verb = if stale.want.is_some() {
                    "updated"
                } else {
                    "removed"
                };
                println!("{verb} {}", stale.path.display());
            }
            println!(
                "{} of {} derived files changed",
                outcome.stale.len(),
                outcome.total
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
