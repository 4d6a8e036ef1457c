//! Every derived, checked-in file is what the spec derives (the rust-analyzer
//! `ensure_file_contents` idea, as an ordinary test): `cargo test` fails on a stale one and
//! names the command that fixes it. Shares [`xtask::ensure_derived_files`] with `cargo xtask`.
//!
//! The insta snapshots are left to the snapshot tests, which check them themselves (and
//! `crates/workspace-app-client/tests/snapshots.rs` also refuses orphaned ones).

use xtask::{Mode, Scope, ensure_derived_files, workspace_root};

#[test]
fn derived_files_are_up_to_date() {
    let outcome = workspace_root()
        .and_then(|root| ensure_derived_files(&root, Mode::Check, Scope::WithoutSnapshots))
        .unwrap_or_else(|e| panic!("cannot derive the files from the spec: {e}"));
    for stale in &outcome.stale {
        eprint!("{}", stale.diff());
    }
    assert!(outcome.stale.is_empty(), "{}", outcome.stale_message());
}

/// Every change of the spec since the release (`openapi/released/`) is compatible, or
/// acknowledged in the spec with its reason, and no acknowledgement is stale: the same
/// judgement as `cargo xtask check` and `cargo xtask diff`.
#[test]
fn every_change_since_the_release_is_compatible_or_acknowledged() {
    let report = workspace_root()
        .and_then(|root| xtask::judge_against_baseline(&root))
        .unwrap_or_else(|e| panic!("cannot judge the spec: {e}"));
    assert!(
        report.passes(),
        "{}run `cargo xtask diff` for the same report",
        xtask::diff::render::text(&report)
    );
}
