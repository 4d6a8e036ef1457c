//! `workspace-app api <operation>`: one command per operation of the spec (made by
//! progenitor's CLI generator at build time, see [`crate::operations`]), run like every
//! other command: the same client, credentials, global flags, `--dry-run`, `--debug`,
//! output formats, terminal safety and exit codes. What this file adds to the generated
//! command: its summary and description as short and long help, `--output`, a request
//! body's template (`--json-body-template`, printed without connecting) and its file read
//! and checked before anything is sent (`--json-body`), and the output, from the response
//! body exactly as the service sent it (an empty one, a 204's, prints nothing).

use std::io::{self, Write};
use std::path::Path;

use clap::error::ErrorKind;
use clap::{ArgMatches, Args, FromArgMatches, Subcommand};
use serde_json::Value;
use workspace_app_client::{Error, GeneratedError, with_response_body};

use crate::args::{Format, GlobalArgs, Output as OutputFormat};
use crate::connect::{connect, runtime};
use crate::failure::{Exit, Failure, quiet_broken_pipe};
use crate::operations::{self, CliCommand};
use crate::table::Table;
use crate::terminal;

/// `api`'s help after the flags.
pub const HELP: &str = "\
Each command is one request of the operation, generated from the OpenAPI document at
build time: its flags are the operation's parameters (the project ID comes from
--project-id, the environment or the IAM lookup; credentials from the credential chain).
The global flags apply as for every command: --region, --endpoint, --dry-run, --debug...

A request body: --json-body FILE (- for standard input), checked against the
operation's schema before anything is sent (a field that does not fit, or one the schema
does not have, is a usage error); --json-body-template prints one to fill in. The flags
of the body's fields, where there are any, set those fields over the file's.
Lists: a list parameter's flag is given once for each item (--names a --names b).

Output (--output):
  table   the response's list of items as columns, or key/value rows for an object
  json    the response body exactly as the service sent it
  ndjson  one item of the response's list per line

Examples:
  workspace-app --region ap-southeast-1 api list-sub-jobs --job-type CREATE_SERVER --limit 5 --output json
  workspace-app api list-sub-jobs --help
  workspace-app api <operation> --json-body-template > body.json   # then edit it, and:
  workspace-app api <operation> --json-body body.json

Exit codes: 0 success, 2 usage error (nothing was sent), 3 service or network error.";

/// `api <operation>` as parsed: which operation, and its flags.
#[derive(Debug, Clone)]
pub struct Operation {
    command: CliCommand,
    matches: ArgMatches,
}

/// Every `api` command, each built by [`command`].
pub fn commands() -> impl Iterator<Item = clap::Command> {
    CliCommand::iter().map(command)
}

/// The generated command of `operation` ([`operations::parameters_command`]), with its
/// summary as short help and `--output`.
pub fn command(operation: CliCommand) -> clap::Command {
    let mut command = operations::parameters_command(operation);
    // progenitor joins summary and description into `about`: the summary alone in the list
    // of commands, both in `--help`.
    if let Some(about) = command.get_about().map(ToString::to_string) {
        let summary = about.split("\n\n").next().unwrap_or(&about).to_string();
        command = command.about(summary).long_about(about);
    }
    Format::augment_args(command)
}

impl FromArgMatches for Operation {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let (name, matches) = matches.subcommand().ok_or_else(|| {
            clap::Error::raw(
                ErrorKind::MissingSubcommand,
                "name an operation: `workspace-app api --help` lists them\n",
            )
        })?;
        let command = operations::named(name).ok_or_else(|| {
            clap::Error::raw(
                ErrorKind::InvalidSubcommand,
                format!("no operation {name}\n"),
            )
        })?;
        Ok(Operation {
            command,
            matches: matches.clone(),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Operation::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Subcommand for Operation {
    fn augment_subcommands(command: clap::Command) -> clap::Command {
        command.subcommands(commands()).subcommand_required(true)
    }

    fn augment_subcommands_for_update(command: clap::Command) -> clap::Command {
        Operation::augment_subcommands(command)
    }

    fn has_subcommand(name: &str) -> bool {
        operations::named(name).is_some()
    }
}

/// Runs the operation with the client the global flags describe and writes the response;
/// or, with `--json-body-template`, prints the template of its request body.
pub fn run(global: &GlobalArgs, operation: Operation) -> Result<(), Failure> {
    let (command, matches) = (operation.command, &operation.matches);
    if let Some(template) = operations::json_body_template(command, matches) {
        return print_template(template).or_else(quiet_broken_pipe);
    }
    let format = Format::from_arg_matches(matches)
        .map_err(|e| Failure::new(Exit::Usage, e.to_string()))?
        .output;
    let stdin = Path::new("-");
    if operations::json_body_path(matches) == Some(stdin)
        && global.token_file.as_deref() == Some(stdin)
    {
        return Err(Failure::new(
            Exit::Usage,
            "--json-body - and --token-file - both read standard input: give one of them a file",
        ));
    }
    // Read and checked before connecting: a body that does not fit sends nothing, not even
    // the IAM lookup of the project.
    let json_body = operations::read_json_body(command, matches, io::stdin().lock())
        .map_err(|message| Failure::new(Exit::Usage, message))?;
    runtime()?.block_on(async {
        let client = connect(global).await?;
        let (result, body) =
            with_response_body(operations::execute(client, command, matches, json_body)).await;
        match result {
            Ok(()) => write(format, body.as_deref().unwrap_or_default()).or_else(quiet_broken_pipe),
            Err(error) => Err(failure(error)),
        }
    })
}

/// `--json-body-template`'s output: the template, as JSON.
fn print_template(template: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{}", terminal::json(template.to_string()))?;
    out.flush()
}

/// The failure the call ended with, as for every command (a hint for the status or the
/// service's `error_code`, the request ID, exit 3; a dry run's request).
fn failure(error: anyhow::Error) -> Failure {
    match error.downcast::<GeneratedError>() {
        Ok(error) => Failure::api(&Error::from(error)),
        Err(other) => Failure::new(Exit::Api, format!("{other:#}")),
    }
}

/// Writes the response body in `format`: json exactly as the service sent it (only what
/// would drive a terminal is spelt as a JSON escape: the values are the same), ndjson one
/// item of its list per line, table its list as columns, or key/value rows for an object.
fn write(format: OutputFormat, body: &[u8]) -> io::Result<()> {
    if body.is_empty() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(body);
    match format {
        OutputFormat::Json => {
            let mut out = io::stdout().lock();
            out.write_all(terminal::json(text.into_owned()).as_bytes())?;
            if !body.ends_with(b"\n") {
                out.write_all(b"\n")?;
            }
            out.flush()
        }
        OutputFormat::Ndjson => {
            let value: Value = serde_json::from_str(&text)?;
            let mut out = io::BufWriter::new(io::stdout().lock());
            for item in items(&value).unwrap_or(std::slice::from_ref(&value)) {
                writeln!(out, "{}", terminal::json(serde_json::to_string(item)?))?;
            }
            out.flush()
        }
        OutputFormat::Table => {
            let value: Value = serde_json::from_str(&text)?;
            let mut out = io::BufWriter::new(anstream::AutoStream::auto(io::stdout()));
            table(&mut out, &value)?;
            out.flush()
        }
    }
}

/// The response's item list: the one array among an object's values.
fn items(value: &Value) -> Option<&[Value]> {
    let mut arrays = value.as_object()?.values().filter_map(Value::as_array);
    let list = arrays.next()?;
    arrays.next().is_none().then_some(list.as_slice())
}

fn table(out: &mut dyn Write, value: &Value) -> io::Result<()> {
    if let Some(list) = items(value) {
        // Columns: every key of the items, in the order they first appear.
        let mut columns: Vec<&str> = Vec::new();
        for item in list {
            for key in item.as_object().into_iter().flat_map(|o| o.keys()) {
                if !columns.contains(&key.as_str()) {
                    columns.push(key);
                }
            }
        }
        if columns.is_empty() {
            columns.push("value");
        }
        let rows = list
            .iter()
            .map(|item| {
                let cells = columns.iter().map(|key| match item.as_object() {
                    Some(object) => cell(object.get(*key)),
                    None => cell(Some(item)),
                });
                Table::plain(cells.collect())
            })
            .collect();
        let headers = columns
            .iter()
            .map(|key| terminal::shorten(&key.to_uppercase(), terminal::LINE_CHARS).into_owned())
            .collect();
        Table::new(headers).page(out, rows)?;
        // The object's other members (`count`), after the list.
        for (key, member) in value.as_object().into_iter().flatten() {
            if !member.is_array() {
                writeln!(
                    out,
                    "{}: {}",
                    terminal::shorten(key, terminal::LINE_CHARS),
                    cell(Some(member))
                )?;
            }
        }
        if list.is_empty() {
            eprintln!("the list is empty");
        }
        return Ok(());
    }
    let rows = match value.as_object() {
        Some(object) => object
            .iter()
            .map(|(key, member)| {
                Table::plain(vec![
                    terminal::shorten(key, terminal::LINE_CHARS).into_owned(),
                    cell(Some(member)),
                ])
            })
            .collect(),
        None => vec![Table::plain(vec!["value".to_string(), cell(Some(value))])],
    };
    Table::new(vec!["KEY".to_string(), "VALUE".to_string()]).page(out, rows)
}

/// A value as one cell: text as it is, nested values as compact JSON; escaped and bounded.
fn cell(value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => return "-".to_string(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    terminal::shorten(&text, terminal::LINE_CHARS).into_owned()
}
