//! `workspace-app completions SHELL`: the shell's completion script, on stdout.

use std::io::Write;

use clap_complete::Shell;

use crate::failure::{Failure, quiet_broken_pipe};

/// `completions`' help after the flags.
pub const HELP: &str = "\
Examples:
  workspace-app completions bash > ~/.local/share/bash-completion/completions/workspace-app
  workspace-app completions zsh > \"${fpath[1]}/_workspace-app\"
  workspace-app completions fish > ~/.config/fish/completions/workspace-app.fish";

/// Writes the completion script of `shell` for `command`, the whole command line (the
/// clap tree, which stands above the commands: the caller hands it down).
pub fn run(shell: Shell, mut command: clap::Command) -> Result<(), Failure> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "workspace-app", &mut script);
    if shell == Shell::Bash {
        // clap_complete 4.6 names the states of a subcommand after the program name with
        // its `-` escaped (`workspace__subcmd__app__subcmd__api`), but tracks the current one
        // without (`workspace__app__subcmd__api`), so no subcommand's words ever completed
        // (clap-rs/clap#6421): one spelling, the one it tracks.
        script = String::from_utf8_lossy(&script)
            .replace("workspace__subcmd__app", "workspace__app")
            .into_bytes();
    }
    std::io::stdout()
        .write_all(&script)
        .or_else(quiet_broken_pipe)
}
