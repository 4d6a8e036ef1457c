//! `workspace-app sub-jobs list`: one page, or every page with `--all`, written as pages
//! arrive in any format, so memory stays at about one page whatever the total.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use clap::Args;
use futures_util::StreamExt;
use workspace_app_client::types::JobDetailInfo;
use workspace_app_client::{Client, DEFAULT_CONCURRENCY, DEFAULT_PAGE_SIZE, Error, SubJobPhase};

use crate::args::{Format, ListFilters, Output, concurrency_parser};
use crate::failure::{Failure, quiet_broken_pipe};
use crate::table::{Row, Table};
use crate::terminal::{self, escape};

// `sub-jobs list`'s flags. (No doc comment: it would become the command's about text.)
#[derive(Debug, Args)]
pub struct ListArgs {
    // The operation's own flags (--job-type, --status, --job-id, --offset, --limit): those of
    // `api list-sub-jobs`, from the spec.
    #[command(flatten)]
    pub filters: ListFilters,

    /// Every page, not just one
    #[arg(long)]
    pub all: bool,

    /// With --all: stop after this many sub-jobs
    #[arg(long, value_name = "N", requires = "all")]
    pub max_items: Option<u64>,

    /// With --all: pages requested at once, 1 to 16 (1: strictly one after another); output
    /// stays in offset order
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY as u64, value_parser = concurrency_parser())]
    pub concurrency: u64,

    #[command(flatten)]
    pub format: Format,
}

/// `sub-jobs list`'s help after the flags.
pub fn help() -> String {
    format!(
        "\
With --all, --limit is the size of each page requested [default: {DEFAULT_PAGE_SIZE}].

{LIST_HELP}"
    )
}

const LIST_HELP: &str = "\
Output (every format is written page by page, as pages arrive):
  table   aligned columns for people (coloured on a terminal)
  json    one document shaped like the API response: {\"count\": N, \"items\": [...]};
          with --all, the items of every page, and count is the service's count
  ndjson  one sub-job per line (for pipes)
After an error, what was received is on stdout; a json document is left unterminated,
so that no parser takes it for a whole listing. A listing that ends short of the
service's count says so on stderr.

Examples:
  workspace-app sub-jobs list --job-type CREATE_SERVER
  workspace-app sub-jobs list --job-type CREATE_SERVER --job-id 2c9eb2c3 --all
  workspace-app sub-jobs list --job-type REINSTALL_OS --status FAILED --all --output ndjson | jq -r .error_message

Exit codes: 0 listed, 2 usage error, 3 service or network error.";

pub async fn run(client: &Client, args: ListArgs) -> Result<(), Failure> {
    let mut out = Writer::new(args.format.output);
    let listed = if args.all {
        every_page(client, &args, &mut out).await
    } else {
        one_page(client, &args, &mut out).await
    };
    // What was received before an error is on stdout before the error is reported.
    let written = match listed {
        Ok(()) => out.finish(),
        Err(Listing::Failed(failure)) => {
            let _ = out.flush();
            return Err(failure);
        }
        Err(Listing::Write(error)) => Err(error),
    };
    written.or_else(quiet_broken_pipe)
}

/// Why a listing stopped early.
enum Listing {
    Failed(Failure),
    Write(io::Error),
}

impl From<io::Error> for Listing {
    fn from(error: io::Error) -> Self {
        Listing::Write(error)
    }
}

/// One request, as the flags say; `limit` is left to the service's default when not given.
async fn one_page(client: &Client, args: &ListArgs, out: &mut Writer) -> Result<(), Listing> {
    let mut request = client.sub_jobs().job_type(args.filters.job_type);
    if let Some(status) = args.filters.status {
        request = request.status(status);
    }
    if let Some(job_id) = &args.filters.job_id {
        request = request.job_id(job_id.as_str());
    }
    if let Some(offset) = args.filters.offset {
        request = request.offset(offset);
    }
    if let Some(limit) = args.filters.limit {
        request = request.limit(limit);
    }
    let page = request
        .send()
        .await
        .map_err(|e| Listing::Failed(Failure::api(&Error::from(e))))?
        .into_inner();
    out.page(page.count.map(i64::from), &page.items)?;
    let (offset, count) = (args.filters.offset.unwrap_or(0), page.count.unwrap_or(0));
    let end = u64::from(offset) + page.items.len() as u64;
    if args.format.output == Output::Table && u64::try_from(count).is_ok_and(|count| count > end) {
        eprintln!(
            "showing sub-jobs {} to {end} of {count}: pass --all for every page, or --offset {end}",
            u64::from(offset) + 1
        );
    }
    Ok(())
}

/// Every page, each written as it arrives.
async fn every_page(client: &Client, args: &ListArgs, out: &mut Writer) -> Result<(), Listing> {
    let start = u64::from(args.filters.offset.unwrap_or(0));
    let mut paginator = client
        .paginate_sub_jobs(args.filters.job_type)
        .page_size(args.filters.limit.unwrap_or(DEFAULT_PAGE_SIZE))
        .offset(args.filters.offset.unwrap_or(0));
    if let Some(status) = args.filters.status {
        paginator = paginator.status(status);
    }
    if let Some(job_id) = &args.filters.job_id {
        paginator = paginator.job_id(job_id.as_str());
    }
    if let Some(max_items) = args.max_items {
        paginator = paginator.max_items(max_items);
    }
    let concurrency = usize::try_from(args.concurrency).unwrap_or(DEFAULT_CONCURRENCY);
    let mut pages = paginator.concurrency(concurrency).pages();
    let mut received = 0u64;
    // The smallest count the service reported: the listing's end as far as it knows.
    let mut count: Option<i64> = None;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| Listing::Failed(Failure::api(&e)))?;
        received += page.items.len() as u64;
        count = match (count, page.count) {
            (Some(seen), Some(now)) => Some(seen.min(now)),
            (seen, now) => seen.or(now),
        };
        out.page(page.count, &page.items)?;
    }
    out.flush()?;
    let capped = args.max_items.is_some_and(|max| received >= max);
    let expected = count.map(|count| u64::try_from(count).unwrap_or(0).saturating_sub(start));
    if let Some(expected) = expected.filter(|&expected| !capped && received < expected) {
        let count = count.unwrap_or_default();
        eprintln!(
            "warning: listing ended after {received} of {} sub-jobs: the service returned a short page",
            if start == 0 {
                count.to_string()
            } else {
                format!("{expected} (from offset {start}; {count} in all)")
            }
        );
    }
    Ok(())
}

/// Writes a listing page by page in the chosen format.
struct Writer {
    format: Output,
    out: Box<dyn Write>,
    /// Pages written so far.
    pages: u64,
    /// Items written so far.
    items: u64,
    /// Table: what carries over from one page to the next.
    table: Table,
}

impl Writer {
    fn new(format: Output) -> Self {
        // Only the table has colours, which anstream drops unless stdout is a terminal
        // (and NO_COLOR is unset); json and ndjson are written exactly as serialized.
        let out: Box<dyn Write> = match format {
            Output::Table => Box::new(io::BufWriter::new(anstream::AutoStream::auto(io::stdout()))),
            _ => Box::new(io::BufWriter::new(io::stdout())),
        };
        Writer {
            format,
            out,
            pages: 0,
            items: 0,
            table: sub_jobs_table(),
        }
    }

    /// Writes one page; `count` is the service's, from the page (json uses the first one).
    fn page(&mut self, count: Option<i64>, items: &[JobDetailInfo]) -> io::Result<()> {
        let first = self.pages == 0;
        self.pages += 1;
        match self.format {
            Output::Json => {
                if first {
                    let count = serde_json::to_string(&count)?;
                    write!(self.out, "{{\n  \"count\": {count},\n  \"items\": [")?;
                }
                for item in items {
                    let separator = if self.items == 0 { "\n" } else { ",\n" };
                    let pretty = terminal::json(serde_json::to_string_pretty(item)?);
                    write!(
                        self.out,
                        "{separator}    {}",
                        pretty.replace('\n', "\n    ")
                    )?;
                    self.items += 1;
                }
            }
            Output::Ndjson => {
                for item in items {
                    writeln!(self.out, "{}", terminal::json(serde_json::to_string(item)?))?;
                }
                self.items += items.len() as u64;
            }
            Output::Table => {
                let rows = items.iter().map(styled_row).collect();
                self.table.page(&mut self.out, rows)?;
                self.items += items.len() as u64;
            }
        }
        // Each page reaches the reader as soon as it is here.
        self.out.flush()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Ends the document: closes json, says so when a table has no rows.
    fn finish(mut self) -> io::Result<()> {
        match self.format {
            Output::Json => {
                if self.pages == 0 {
                    write!(self.out, "{{\n  \"count\": null,\n  \"items\": [")?;
                }
                let end = if self.items == 0 {
                    "]\n}\n"
                } else {
                    "\n  ]\n}\n"
                };
                self.out.write_all(end.as_bytes())?;
            }
            Output::Table if self.items == 0 => eprintln!("no sub-jobs match"),
            _ => {}
        }
        self.out.flush()
    }
}

const HEADERS: [&str; 8] = [
    "ID", "STATUS", "TYPE", "JOB ID", "RESOURCE", "BEGIN", "END", "ERROR",
];
const STATUS_COLUMN: usize = 1;

/// The table of sub-jobs: the shared [`Table`] with these columns, the status coloured.
fn sub_jobs_table() -> Table {
    Table::new(HEADERS.map(String::from).to_vec())
}

/// One sub-job's row.
fn styled_row(item: &JobDetailInfo) -> Row {
    let mut styles = vec![Style::new(); HEADERS.len()];
    styles[STATUS_COLUMN] = status_style(item);
    (row(item).to_vec(), styles)
}

/// The cells of one sub-job, every one escaped: they are the server's text.
fn row(item: &JobDetailInfo) -> [String; HEADERS.len()] {
    let text = |value: Option<String>| match value {
        Some(value) => escape(&value).into_owned(),
        None => "-".to_string(),
    };
    let resource = item
        .job_resource_info
        .as_ref()
        .and_then(|r| r.resource_name.clone().or_else(|| r.resource_id.clone()));
    let error = match (&item.error_code, &item.error_message) {
        (Some(code), Some(message)) => Some(format!("{code}: {message}")),
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (None, None) => None,
    };
    [
        text(item.id.clone()),
        text(item.status.as_ref().map(ToString::to_string)),
        text(item.job_type.as_ref().map(ToString::to_string)),
        text(item.job_id.clone()),
        text(resource),
        text(item.begin_time.clone()),
        text(item.end_time.clone()),
        text(error),
    ]
}

fn status_style(item: &JobDetailInfo) -> Style {
    let colour = match (
        item.status.as_ref().and_then(|s| s.known()),
        SubJobPhase::of(item.status.as_ref()),
    ) {
        (None, _) => return Style::new(),
        (_, SubJobPhase::Succeeded) => AnsiColor::Green,
        (_, SubJobPhase::Failed) => AnsiColor::Red,
        (_, SubJobPhase::Pending) => AnsiColor::Yellow,
    };
    Style::new().fg_color(Some(colour.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::display_width;

    fn item(id: &str, status: &str, error: Option<(&str, &str)>) -> JobDetailInfo {
        let mut item = JobDetailInfo::default();
        item.id = Some(id.into());
        item.status = Some(status.parse().unwrap());
        item.error_code = error.map(|(code, _)| code.into());
        item.error_message = error.map(|(_, message)| message.into());
        item
    }

    /// The table of `pages`, written page by page.
    fn pages(pages: &[&[JobDetailInfo]]) -> String {
        let mut table = sub_jobs_table();
        let mut out = Vec::new();
        for page in pages {
            table
                .page(&mut out, page.iter().map(styled_row).collect())
                .unwrap();
        }
        String::from_utf8(out).unwrap()
    }

    fn table(items: &[JobDetailInfo]) -> String {
        pages(&[items])
    }

    #[test]
    fn server_text_in_cells_is_escaped() {
        let mut hostile = item("id\u{1b}[2J", "RUNNING", Some(("C\u{9b}", "m\u{7}")));
        hostile.job_id = Some("\u{1b}]0;t\u{7}".into());
        let text = table(&[hostile]);
        let plain = anstream::adapter::strip_str(&text).to_string();
        assert!(plain.contains("id\\u{1b}[2J"), "{plain}");
        assert!(plain.contains("\\u{1b}]0;t\\u{7}"), "{plain}");
        assert!(plain.contains("C\\u{9b}: m\\u{7}"), "{plain}");
        // The only escape sequences are the table's own: bold headers (8 cells, on and
        // off) and the status colour.
        assert_eq!(text.matches('\u{1b}').count(), 8 * 2 + 2, "{text:?}");
    }

    #[test]
    fn columns_line_up_whatever_the_cell_widths() {
        let items = [
            item("a", "RUNNING", None),
            item("a-much-longer-id", "FAILED", Some(("WKS.1", "no capacity"))),
        ];
        let text = table(&items);
        let plain = anstream::adapter::strip_str(&text).to_string();
        let lines: Vec<&str> = plain.lines().collect();
        assert_eq!(lines.len(), 3);
        let status_at = lines[0].find("STATUS").unwrap();
        assert_eq!(lines[1].find("RUNNING"), Some(status_at));
        assert_eq!(lines[2].find("FAILED"), Some(status_at));
        let error_at = lines[0].find("ERROR").unwrap();
        assert_eq!(lines[2].find("WKS.1: no capacity"), Some(error_at));
        assert!(lines.iter().all(|l| !l.ends_with(' ')), "{plain}");
        // The colour codes wrap the status and nothing else.
        assert!(text.contains("\u{1b}[31mFAILED\u{1b}[0m"), "{text:?}");
    }

    /// Where `needle` starts in `line`, in terminal columns.
    fn column_of(line: &str, needle: &str) -> Option<usize> {
        line.find(needle).map(|at| display_width(&line[..at]))
    }

    #[test]
    fn the_header_comes_once_and_columns_never_narrow_from_page_to_page() {
        let mut wide = item(
            "a-much-longer-id",
            "ROLLBACK",
            Some(("WKS.1", "no capacity")),
        );
        wide.job_id = Some("a-long-job-id".into());
        let mut narrow = item("b", "FAILED", None);
        narrow.job_id = Some("j".into());
        let text = pages(&[&[wide], &[], &[narrow.clone()], &[narrow]]);
        let plain = anstream::adapter::strip_str(&text).to_string();
        let lines: Vec<&str> = plain.lines().collect();
        assert_eq!(lines.len(), 4, "{plain}");
        assert_eq!(plain.matches("STATUS").count(), 1, "{plain}");
        // The later pages' cells are narrower, yet they sit under the first page's header.
        for line in &lines[2..] {
            assert_eq!(
                column_of(line, "FAILED"),
                column_of(lines[0], "STATUS"),
                "{plain}"
            );
            assert_eq!(
                column_of(line, " j ").map(|at| at + 1),
                column_of(lines[0], "JOB ID"),
                "{plain}"
            );
            assert_eq!(
                Some(display_width(line) - 1),
                column_of(lines[0], "ERROR"),
                "{plain}"
            );
        }
        assert!(lines.iter().all(|l| !l.ends_with(' ')), "{plain:?}");
    }

    #[test]
    fn wide_characters_line_up_by_terminal_columns() {
        let mut cjk = item("中文标识", "RUNNING", None);
        cjk.job_id = Some("作业".into());
        let items = [cjk, item("plain-id", "SUCCESS", None)];
        let text = table(&items);
        let plain = anstream::adapter::strip_str(&text).to_string();
        let lines: Vec<&str> = plain.lines().collect();
        let status_at = column_of(lines[0], "STATUS");
        assert_eq!(column_of(lines[1], "RUNNING"), status_at, "{plain}");
        assert_eq!(column_of(lines[2], "SUCCESS"), status_at, "{plain}");
        assert_eq!(
            column_of(lines[1], "作业"),
            column_of(lines[0], "JOB ID"),
            "{plain}"
        );
    }

    #[test]
    fn unknown_statuses_are_shown_as_sent_without_colour() {
        let items = [item("a", "PAUSED", None)];
        let text = table(&items);
        assert!(text.contains("PAUSED"));
        assert!(!text.contains("\u{1b}[33mPAUSED"), "{text:?}");
    }
}
