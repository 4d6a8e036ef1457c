//! `--debug`: the client's tracing, to stderr, one event a line.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::Writer;
use workspace_app_client::Escaped;

/// Sends the client's `tracing` events and spans (calls, attempts, retries, statuses, request
/// IDs, clock-skew corrections) to stderr. The client never puts a secret in them: its
/// tests, and this tool's, check every line. Every field is written through
/// [`EscapedFields`], so that no text from the server can start a line or drive the
/// terminal, whatever the client's events hold.
pub fn init() {
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "workspace_app_client=trace,workspace_app=trace",
        ))
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .fmt_fields(EscapedFields)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .finish();
    // Only fails when a subscriber is already set, which then keeps logging.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The fields of an event or span as `tracing_subscriber`'s default format writes them
/// (the message, then `name=value` pairs), each value escaped ([`Escaped`]): the stock
/// formatter writes a `%value` as its `Display` gives it, newlines and ESC included.
#[derive(Debug, Clone, Copy)]
pub struct EscapedFields;

impl<'writer> FormatFields<'writer> for EscapedFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut visitor = FieldWriter {
            writer: &mut writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct FieldWriter<'a, 'writer> {
    writer: &'a mut Writer<'writer>,
    first: bool,
    result: fmt::Result,
}

impl Visit for FieldWriter<'_, '_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_err() {
            return;
        }
        let separator = if std::mem::take(&mut self.first) {
            ""
        } else {
            " "
        };
        // `Debug` of a `%value` is its `Display`; of a message, its text.
        let value = Escaped(format_args!("{value:?}"));
        self.result = match field.name() {
            "message" => write!(self.writer, "{separator}{value}"),
            name => write!(self.writer, "{separator}{name}={value}"),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::{Arc, Mutex};

    /// What the `--debug` format writes for the events `emit` makes.
    fn logged(emit: impl FnOnce()) -> String {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = {
            let buffer = buffer.clone();
            move || Sink(buffer.clone())
        };
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(EscapedFields)
            .with_writer(writer)
            .with_ansi(false)
            .without_time()
            .finish();
        tracing::subscriber::with_default(subscriber, emit);
        let bytes = buffer.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn server_text_in_any_field_stays_on_its_line_and_drives_nothing() {
        let hostile = "busy\n2026-01-01T00:00:00.000000Z  INFO workspace_app_client: FORGED\u{1b}]0;pwned\u{7}\u{1b}[2J\r\u{9b}";
        let error = std::io::Error::other(hostile);
        let text = logged(|| {
            tracing::warn!(%error, id = hostile, "poll failed; {}", hostile);
            let span = tracing::info_span!("call", request_id = tracing::field::Empty);
            span.record("request_id", format_args!("{hostile}"));
            span.in_scope(|| tracing::info!("inside"));
        });
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.ends_with('\n'));
        for line in text.lines() {
            let level = line.trim_start();
            assert!(
                level.starts_with("WARN ") || level.starts_with("INFO "),
                "{line}"
            );
            let raw: Vec<char> = line.chars().filter(|c| c.is_control()).collect();
            assert!(raw.is_empty(), "raw {raw:?} in {line}");
        }
        assert!(
            text.contains("error=busy\\u{a}2026-01-01T00:00:00.000000Z  INFO"),
            "{text}"
        );
        assert!(
            text.contains("\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{d}\\u{9b}"),
            "{text}"
        );
    }
}
