//! `--debug`: the client's tracing, to stderr.

/// Sends the client's `tracing` events and spans (calls, attempts, retries, statuses, request
/// IDs, clock-skew corrections) to stderr. The client never puts a secret in them: its
/// tests, and this tool's, check every line.
pub fn init() {
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "workspace_app_client=trace,workspace_app=trace",
        ))
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .finish();
    // Only fails when a subscriber is already set, which then keeps logging.
    let _ = tracing::subscriber::set_global_default(subscriber);
}
