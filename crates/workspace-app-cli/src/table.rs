//! Aligned columns for people, written page by page: `sub-jobs list`'s table and the `api`
//! commands' tables are this one.

use std::io::{self, Write};

use anstyle::Style;
use tabwriter::TabWriter;
use unicode_width::UnicodeWidthChar;

/// A table written a page at a time: each page is aligned by its own [`TabWriter`] and
/// written out at the end of the page, so memory stays at one page; the header comes once,
/// before the first row.
#[derive(Debug)]
pub struct Table {
    headers: Vec<String>,
    /// The widest cell of each column so far, in terminal columns. A page's first line is
    /// padded to these, so that a column never narrows from one page to the next (it can
    /// widen, when a later page has a wider cell).
    widths: Vec<usize>,
    header_written: bool,
}

/// One row: its cells, already escaped (they are the server's text), and their styles.
pub type Row = (Vec<String>, Vec<Style>);

impl Table {
    pub fn new(headers: Vec<String>) -> Self {
        Table {
            widths: headers.iter().map(|h| display_width(h)).collect(),
            headers,
            header_written: false,
        }
    }

    /// A row of unstyled cells.
    pub fn plain(cells: Vec<String>) -> Row {
        let styles = vec![Style::new(); cells.len()];
        (cells, styles)
    }

    pub fn page(&mut self, out: &mut dyn Write, rows: Vec<Row>) -> io::Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let columns = self.headers.len();
        let last = columns.saturating_sub(1);
        // Two spaces between columns; colour codes count for nothing (`ansi`), and cells
        // are measured in terminal columns, so wide characters line up too.
        let mut aligned = TabWriter::new(out).padding(2).minwidth(0).ansi(true);
        let header = (!self.header_written)
            .then(|| (self.headers.clone(), vec![Style::new().bold(); columns]));
        let before = self.widths.clone();
        for (line, (cells, styles)) in header.into_iter().chain(rows).enumerate() {
            for (column, (widest, was)) in self.widths.iter_mut().zip(&before).enumerate() {
                let cell = cells.get(column).map_or("", String::as_str);
                let style = styles.get(column).copied().unwrap_or_default();
                let width = display_width(cell);
                *widest = (*widest).max(width);
                // Cells end with a tab, lines with a newline: no cell can hold either,
                // since every cell is escaped. The padding is outside the colour codes.
                let (padding, end) = match column {
                    _ if column == last => (0, '\n'),
                    _ if line == 0 => (was.saturating_sub(width), '\t'),
                    _ => (0, '\t'),
                };
                write!(aligned, "{style}{cell}{style:#}{:padding$}{end}", "")?;
            }
        }
        self.header_written = true;
        aligned.flush()
    }
}

/// How many terminal columns `text` takes, as [`TabWriter`] counts them.
pub fn display_width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}
