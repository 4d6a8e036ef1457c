//! `--debug`'s log format (the CLI's `debug.rs`, compiled as it is) on fields of any text:
//! every event is one line, whatever its fields hold, and no character of it can drive a
//! terminal; the client's [`Escaped`] on its own never lets one through either.
//!
//! Properties: for an event whose message, `%display`, `?debug` and string fields are
//! arbitrary text, the formatter writes exactly one line (one `\n`, at the end), with no
//! control character (no `\t` either: the escape writes it as `\u{9}`) and no
//! bidirectional override, and the line starts with the level the formatter writes.
#![no_main]

#[path = "../../crates/workspace-app-cli/src/debug.rs"]
#[allow(dead_code)]
mod debug;

use std::io::Write;
use std::sync::{Arc, Mutex};

use libfuzzer_sys::fuzz_target;
use workspace_app_client::Escaped;
use workspace_app_client::escaped::is_unsafe;

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fuzz_target!(|fields: (&str, &str, &str)| {
    let (message, display, debug_text) = fields;
    let escaped = Escaped(message).to_string();
    assert!(!escaped.chars().any(is_unsafe), "{escaped:?}");

    let sink = Sink::default();
    let writer = {
        let sink = sink.clone();
        move || sink.clone()
    };
    let subscriber = tracing_subscriber::fmt()
        .fmt_fields(debug::EscapedFields)
        .with_writer(writer)
        .with_ansi(false)
        .without_time()
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let error = std::io::Error::other(display.to_string());
        tracing::warn!(%error, detail = ?debug_text, text = message, "{message}");
    });
    let bytes = sink.0.lock().unwrap().clone();
    let text = String::from_utf8(bytes).expect("UTF-8");
    let body = text.strip_suffix('\n').expect("the line ends");
    assert!(!body.chars().any(is_unsafe), "{text:?}");
    assert!(body.trim_start().starts_with("WARN "), "{text:?}");
});
