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
