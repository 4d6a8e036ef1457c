//! `--dry-run`: the request that would be sent, on stdout, and nothing sent.
//!
//! The client prepares the request exactly as it would send it (checked, signed) and stops
//! there ([`ClientBuilder::dry_run`](workspace_app_client::ClientBuilder::dry_run)); the
//! secrets in it (the signature and access key in `Authorization`, `X-Auth-Token`,
//! `X-Security-Token`) are masked by the client before this tool sees them.

use std::io::Write;

use crate::failure::Failure;
use crate::terminal::{LINE_CHARS, shorten};

/// Writes the request a dry run ended with ([`Failure::dry_run`]) to stdout, each line
/// escaped (a header value or the URL may carry text from the command line).
pub fn print(failure: &Failure) {
    let mut stdout = std::io::stdout().lock();
    for line in failure.message.lines() {
        if writeln!(stdout, "{}", shorten(line, LINE_CHARS)).is_err() {
            return;
        }
    }
    let _ = writeln!(std::io::stderr(), "dry run: nothing was sent");
}
