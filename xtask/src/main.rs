//! `cargo xtask`: keeps every file derived from `openapi/workspace-app.yaml` in sync and
//! judges every change of it. See `cargo xtask help`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use xtask::diff::render;
use xtask::diff::report::Report;
use xtask::{Mode, Scope, ensure_derived_files, evolution, judge_against_baseline, workspace_root};

/// Tasks on the OpenAPI document and everything derived from it.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", disable_version_flag = true)]
struct Xtask {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Bring every file derived from the spec up to date
    Regenerate,
    /// Change nothing; fail with a diff if a derived file is stale, if a change of the spec
    /// since the release breaks the wire or the Rust API without an acknowledgement, or if a
    /// crate does not read bottom-up (`layers`)
    Check,
    /// What each change of the spec breaks, on the wire and for Rust users, and the
    /// versions it needs
    #[command(after_help = DIFF_HELP)]
    Diff {
        /// Compare with the spec at this git revision (e.g. main, HEAD~1) instead of the
        /// released baseline in openapi/released/
        #[arg(long, value_name = "REV", conflicts_with = "base_file")]
        base: Option<String>,
        /// Compare with this spec file instead of the released baseline
        #[arg(long, value_name = "PATH")]
        base_file: Option<PathBuf>,
        /// The spec to judge [default: openapi/workspace-app.yaml]
        #[arg(long, value_name = "PATH")]
        spec: Option<PathBuf>,
        /// text: one line per change, then the versions needed; json: for tools;
        /// markdown: a changelog section
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Record the spec as released at the workspace's version: the new baseline in
    /// openapi/released/, the acknowledgements settled, the changelog's section dated
    Release,
    /// Check that every crate reads bottom-up: no circle of files, and (where
    /// xtask/layers.txt declares a crate's layers) no import from a lower layer into a
    /// higher one
    Layers {
        /// Also print each crate's layers and every import
        #[arg(long)]
        graph: bool,
    },
}

const DIFF_HELP: &str = "\
Each line: file:line and JSON pointer of the change, its rule (oasdiff's names where one
fits), the wire verdict (breaking or compatible) and the Rust verdict for the generated
crate (major, minor or patch), what changed, and the Rust API items it changes. The last
line: the versions the crate and info.version need.

A breaking or major change needs an acknowledgement in the spec, with its reason:
  x-acknowledged-changes:
    - rule: response-optional-property-removed
      at: /components/schemas/JobDetailInfo/properties/error_message
      reason: The service stopped sending it.

Exit codes: 0 no change, or every breaking or major change acknowledged; 1 a breaking or
major change without an acknowledgement, or an acknowledgement that matches no change;
2 a spec that cannot be read or a revision git does not know.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Markdown,
}

fn main() -> ExitCode {
    let task = Xtask::parse().task;
    let result = match task {
        Task::Regenerate => derived(Mode::Regenerate),
        Task::Check => derived(Mode::Check).and_then(|derived_ok| {
            let judged = judge_against_baseline(&workspace_root()?)?;
            if judged.passes() {
                println!(
                    "every change of the spec since the release is compatible or acknowledged"
                );
            } else {
                eprint!("{}", render::text(&judged));
            }
            let layered = layers(false)?;
            Ok(derived_ok && judged.passes() && layered)
        }),
        Task::Layers { graph } => layers(graph),
        Task::Diff {
            base,
            base_file,
            spec,
            format,
        } => {
            return match diff(base, base_file, spec, format) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(message) => {
                    eprintln!("{message}");
                    ExitCode::from(2)
                }
            };
        }
        Task::Release => workspace_root()
            .and_then(|root| evolution::release(&root))
            .map(|message| {
                println!("{message}");
                true
            }),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// `regenerate` and `check` of the derived files; `Ok(false)` when `check` found one stale.
fn derived(mode: Mode) -> Result<bool, String> {
    let root = workspace_root()?;
    let outcome = ensure_derived_files(&root, mode, Scope::All)?;
    match mode {
        Mode::Check if outcome.stale.is_empty() => {
            println!("all {} derived files are up to date", outcome.total);
            Ok(true)
        }
        Mode::Check => {
            for stale in &outcome.stale {
                print!("{}", stale.diff());
            }
            eprintln!("\n{}", outcome.stale_message());
            Ok(false)
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
            Ok(true)
        }
    }
}

/// `Ok(clean)`: whether every crate reads bottom-up.
fn layers(graph: bool) -> Result<bool, String> {
    let crates = xtask::layers::check_workspace(&workspace_root()?)?;
    for krate in &crates {
        let summary = krate.summary();
        if krate.is_clean() {
            println!("{summary}");
        } else {
            eprintln!("{summary}");
        }
        if graph {
            print!("{}{}", krate.layer_list(), krate.edge_list());
        }
    }
    Ok(crates.iter().all(xtask::layers::CrateGraph::is_clean))
}

/// `Ok(passes)`: whether every breaking or major change is acknowledged.
fn diff(
    base: Option<String>,
    base_file: Option<PathBuf>,
    spec: Option<PathBuf>,
    format: Format,
) -> Result<bool, String> {
    let started = Instant::now();
    let root = workspace_root()?;
    let base = match (base, base_file) {
        (Some(revision), _) => evolution::at_revision(&root, &revision)?,
        (None, Some(path)) => evolution::from_file(&root, &path)?,
        (None, None) => evolution::baseline(&root)?,
    };
    let head = evolution::current(&root, spec.as_deref())?;
    let report = Report::judge(&base, &head)?;
    let rendered = match format {
        Format::Text => render::text(&report),
        Format::Json => render::json(&report),
        Format::Markdown => render::markdown(&report),
    };
    print!("{rendered}");
    if format == Format::Text {
        eprintln!("judged in {:.0?}", started.elapsed());
    }
    Ok(report.passes())
}
