//! `workspace-app`: list the sub-jobs of Huawei Cloud Workspace jobs and wait for them to
//! finish, over the `workspace-app-client` crate. See `workspace-app --help`.
//!
//! The crate reads bottom-up (`xtask/layers.txt`): the terminal's text, tables and
//! durations; how a command fails; the generated operations and the shared arguments; the
//! client the global flags describe; one file per command (`commands/`); the clap tree
//! (`cli`); and this file, which only parses, dispatches and exits.

mod args;
mod cli;
mod commands;
mod connect;
mod debug;
mod dry_run;
mod duration;
mod failure;
mod operations;
mod table;
mod terminal;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::args::GlobalArgs;
use crate::cli::{Cli, Command, SubJobsCommand};
#[cfg(feature = "demo")]
use crate::commands::demo;
use crate::commands::{api, completions, doctor, list, wait};
use crate::connect::{connect, runtime};
use crate::failure::{Exit, Failure, report};

fn main() -> ExitCode {
    // Usage errors exit with 2 here, before anything is sent.
    let cli = Cli::parse();
    if cli.global.debug {
        debug::init();
    }
    let result = match cli.command {
        Command::Doctor => doctor::run(&cli.global),
        Command::Completions { shell } => completions::run(shell, Cli::command()),
        Command::SubJobs(command) => sub_jobs(&cli.global, command),
        Command::Api(operation) => api::run(&cli.global, operation),
        #[cfg(feature = "demo")]
        Command::Demo { seed } => runtime().and_then(|runtime| runtime.block_on(demo::run(seed))),
    };
    match result {
        Ok(()) => Exit::Success.into(),
        // A dry run's request, on stdout.
        Err(failure) if failure.exit == Exit::Success => {
            dry_run::print(&failure);
            Exit::Success.into()
        }
        Err(failure) => {
            report(&failure);
            failure.exit.into()
        }
    }
}

/// `sub-jobs list` and `sub-jobs wait`, with the client the global flags describe.
fn sub_jobs(global: &GlobalArgs, command: SubJobsCommand) -> Result<(), Failure> {
    runtime()?.block_on(async {
        let client = connect(global).await?;
        match command {
            SubJobsCommand::List(args) => list::run(&client, args).await,
            SubJobsCommand::Wait(args) => wait::run(&client, args).await,
        }
    })
}
