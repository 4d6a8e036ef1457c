//! `workspace-app sub-jobs list`.

use std::io::{self, BufWriter, Write};

use anstyle::{AnsiColor, Style};
use futures_util::StreamExt;
use serde_json::json;
use workspace_app_client::types::JobDetailInfo;
use workspace_app_client::{Client, DEFAULT_PAGE_SIZE, Error, SubJobPhase};

use crate::cli::{ListArgs, Output};
use crate::{Exit, Failure};

pub async fn run(client: &Client, args: ListArgs) -> Result<(), Failure> {
    let written = if args.all {
        every_page(client, &args).await?
    } else {
        one_page(client, &args).await?
    };
    written.or_else(quiet_broken_pipe)
}

/// One request, as the flags say; `limit` is left to the service's default when not given.
async fn one_page(client: &Client, args: &ListArgs) -> Result<io::Result<()>, Failure> {
    let mut request = client.sub_jobs().job_type(args.job_type);
    if let Some(status) = args.status {
        request = request.status(status);
    }
    if let Some(job_id) = &args.job_id {
        request = request.job_id(job_id.as_str());
    }
    if let Some(offset) = args.offset {
        request = request.offset(offset);
    }
    if let Some(limit) = args.limit {
        request = request.limit(limit);
    }
    let page = request
        .send()
        .await
        .map_err(|e| Failure::api(&Error::from(e)))?
        .into_inner();
    Ok(match args.output {
        Output::Json => write_json(page.count.map(i64::from), &page.items),
        Output::Ndjson => write_ndjson(&page.items),
        Output::Table => {
            let shown = write_table(&page.items);
            let (offset, count) = (args.offset.unwrap_or(0), page.count.unwrap_or(0));
            let end = u64::from(offset) + page.items.len() as u64;
            if u64::try_from(count).is_ok_and(|count| count > end) {
                eprintln!(
                    "showing sub-jobs {} to {end} of {count}: pass --all for every page, or --offset {end}",
                    u64::from(offset) + 1
                );
            }
            shown
        }
    })
}

/// Every page. Only ndjson streams; json and table need every item before they print.
async fn every_page(client: &Client, args: &ListArgs) -> Result<io::Result<()>, Failure> {
    let mut paginator = client
        .paginate_sub_jobs(args.job_type)
        .page_size(args.limit.unwrap_or(DEFAULT_PAGE_SIZE))
        .offset(args.offset.unwrap_or(0));
    if let Some(status) = args.status {
        paginator = paginator.status(status);
    }
    if let Some(job_id) = &args.job_id {
        paginator = paginator.job_id(job_id.as_str());
    }
    let mut items = paginator.items();

    if args.output == Output::Ndjson {
        let mut out = BufWriter::new(io::stdout().lock());
        while let Some(item) = items.next().await {
            // What was received before an error is written out before the error is reported.
            let item = item.map_err(|e| {
                let _ = out.flush();
                Failure::api(&e)
            })?;
            if let Err(e) = write_line(&mut out, &item) {
                return Ok(Err(e));
            }
        }
        return Ok(out.flush());
    }

    let mut all = Vec::new();
    while let Some(item) = items.next().await {
        all.push(item.map_err(|e| Failure::api(&e))?);
    }
    Ok(match args.output {
        Output::Json => write_json(Some(all.len() as i64), &all),
        _ => write_table(&all),
    })
}

/// A reader that went away (`| head`) is not an error.
fn quiet_broken_pipe(error: io::Error) -> Result<(), Failure> {
    if error.kind() == io::ErrorKind::BrokenPipe {
        return Ok(());
    }
    Err(Failure::new(
        Exit::Api,
        format!("cannot write the output: {error}"),
    ))
}

/// `{"count": N, "items": [...]}`, like the API's response; `items` is there even when
/// empty.
fn write_json(count: Option<i64>, items: &[JobDetailInfo]) -> io::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, &json!({ "count": count, "items": items }))?;
    writeln!(out)?;
    out.flush()
}

fn write_ndjson(items: &[JobDetailInfo]) -> io::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    for item in items {
        write_line(&mut out, item)?;
    }
    out.flush()
}

fn write_line(out: &mut impl Write, item: &JobDetailInfo) -> io::Result<()> {
    serde_json::to_writer(&mut *out, item)?;
    writeln!(out)
}

const HEADERS: [&str; 8] = [
    "ID", "STATUS", "TYPE", "JOB ID", "RESOURCE", "BEGIN", "END", "ERROR",
];
const STATUS_COLUMN: usize = 1;

fn write_table(items: &[JobDetailInfo]) -> io::Result<()> {
    if items.is_empty() {
        eprintln!("no sub-jobs match");
        return Ok(());
    }
    // anstream drops the colours unless stdout is a terminal (and NO_COLOR is unset).
    let mut out = anstream::AutoStream::auto(io::stdout().lock());
    write_rows(&mut out, items)?;
    out.flush()
}

fn write_rows(out: &mut impl Write, items: &[JobDetailInfo]) -> io::Result<()> {
    let rows: Vec<[String; 8]> = items.iter().map(row).collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let bold = Style::new().bold();
    write_row(out, &HEADERS.map(String::from), &widths, |_| bold)?;
    for (row, item) in rows.iter().zip(items) {
        let status = status_style(item);
        write_row(out, row, &widths, |column| {
            if column == STATUS_COLUMN {
                status
            } else {
                Style::new()
            }
        })?;
    }
    Ok(())
}

fn write_row(
    out: &mut impl Write,
    cells: &[String; 8],
    widths: &[usize; 8],
    style: impl Fn(usize) -> Style,
) -> io::Result<()> {
    let last = cells.len() - 1;
    for (column, (cell, width)) in cells.iter().zip(widths).enumerate() {
        let style = style(column);
        write!(out, "{style}{cell}{style:#}")?;
        if column < last {
            // Padding outside the colour codes, so they do not count towards the width.
            let padding = width - cell.chars().count() + 2;
            write!(out, "{:padding$}", "")?;
        }
    }
    writeln!(out)
}

fn row(item: &JobDetailInfo) -> [String; 8] {
    let text = |value: Option<String>| value.unwrap_or_else(|| "-".to_string());
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

    fn item(id: &str, status: &str, error: Option<(&str, &str)>) -> JobDetailInfo {
        JobDetailInfo {
            id: Some(id.into()),
            status: Some(status.parse().unwrap()),
            error_code: error.map(|(code, _)| code.into()),
            error_message: error.map(|(_, message)| message.into()),
            ..JobDetailInfo::default()
        }
    }

    #[test]
    fn columns_line_up_whatever_the_cell_widths() {
        let items = [
            item("a", "RUNNING", None),
            item("a-much-longer-id", "FAILED", Some(("WKS.1", "no capacity"))),
        ];
        let mut out = Vec::new();
        write_rows(&mut out, &items).unwrap();
        let text = String::from_utf8(out).unwrap();
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

    #[test]
    fn unknown_statuses_are_shown_as_sent_without_colour() {
        let items = [item("a", "PAUSED", None)];
        let mut out = Vec::new();
        write_rows(&mut out, &items).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("PAUSED"));
        assert!(!text.contains("\u{1b}[33mPAUSED"), "{text:?}");
    }
}
