//! OpenTelemetry metrics of every call (cargo feature `metrics`), through OpenTelemetry's
//! API crate alone (`opentelemetry` with its `metrics` feature: no other dependency). The
//! instruments come from the global meter provider when the client is built: set yours
//! (`opentelemetry::global::set_meter_provider`) before building the client, or its
//! metrics go nowhere.
//!
//! | instrument | kind, unit | attributes |
//! |---|---|---|
//! | `http.client.request.duration` | histogram, `s` (OpenTelemetry's buckets) | `http.request.method`, `url.template`, `server.address`, `http.response.status_code`, `error.type`, `workspace_app.operation` |
//! | `workspace_app.client.attempts` | histogram, `{attempt}` | `workspace_app.operation` |
//! | `workspace_app.client.retries` | counter, `{retry}` | `workspace_app.operation`, `workspace_app.retry.kind` |
//! | `workspace_app.client.throttled` | counter, `{event}` | `workspace_app.operation` |
//! | `workspace_app.client.pages_in_flight` | up-down counter, `{page}` | |
//!
//! No attribute holds the URL, the project ID or the request ID.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::metrics::{Counter, Histogram, UpDownCounter};
use opentelemetry::{InstrumentationScope, KeyValue, global};

use crate::intercept::CallInfo;
use crate::retry::RetryKind;

/// OpenTelemetry's advice for `http.client.request.duration`, in seconds.
const DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The client's instruments, made once per client from the global meter provider.
#[derive(Debug)]
pub(crate) struct Instruments {
    request_duration: Histogram<f64>,
    attempts: Histogram<u64>,
    retries: Counter<u64>,
    throttled: Counter<u64>,
    pages_in_flight: UpDownCounter<i64>,
}

impl Instruments {
    pub(crate) fn new() -> Arc<Instruments> {
        let scope = InstrumentationScope::builder("workspace-app-client")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        let meter = global::meter_with_scope(scope);
        Arc::new(Instruments {
            request_duration: meter
                .f64_histogram("http.client.request.duration")
                .with_unit("s")
                .with_description(
                    "Duration of HTTP client requests, every attempt and pause included",
                )
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            attempts: meter
                .u64_histogram("workspace_app.client.attempts")
                .with_unit("{attempt}")
                .with_description("Attempts a call made")
                .with_boundaries(vec![1.0, 2.0, 3.0, 4.0, 5.0, 10.0])
                .build(),
            retries: meter
                .u64_counter("workspace_app.client.retries")
                .with_unit("{retry}")
                .with_description("Attempts made again")
                .build(),
            throttled: meter
                .u64_counter("workspace_app.client.throttled")
                .with_unit("{event}")
                .with_description("Attempts the service throttled")
                .build(),
            pages_in_flight: meter
                .i64_up_down_counter("workspace_app.client.pages_in_flight")
                .with_unit("{page}")
                .with_description("Page requests of listings in flight")
                .build(),
        })
    }

    /// A call that ended: its duration and attempts.
    pub(crate) fn call(
        &self,
        call: &CallInfo,
        server: &str,
        status: Option<u16>,
        error_type: Option<&str>,
        elapsed: Duration,
    ) {
        let mut attributes = vec![
            KeyValue::new("http.request.method", call.method),
            KeyValue::new("url.template", call.path_template),
            KeyValue::new("server.address", server.to_string()),
            KeyValue::new("workspace_app.operation", call.operation),
        ];
        if let Some(status) = status {
            attributes.push(KeyValue::new(
                "http.response.status_code",
                i64::from(status),
            ));
        }
        if let Some(kind) = error_type {
            attributes.push(KeyValue::new("error.type", kind.to_string()));
        }
        self.request_duration
            .record(elapsed.as_secs_f64(), &attributes);
        self.attempts.record(
            u64::from(call.attempt),
            &[KeyValue::new("workspace_app.operation", call.operation)],
        );
    }

    /// An attempt to be made again, for `kind`.
    pub(crate) fn retry(&self, call: &CallInfo, kind: RetryKind) {
        let kind = match kind {
            RetryKind::Throttled => "throttled",
            RetryKind::ServerError => "server_error",
            RetryKind::Transient => "transient",
        };
        self.retries.add(
            1,
            &[
                KeyValue::new("workspace_app.operation", call.operation),
                KeyValue::new("workspace_app.retry.kind", kind),
            ],
        );
        if kind == "throttled" {
            self.throttled.add(
                1,
                &[KeyValue::new("workspace_app.operation", call.operation)],
            );
        }
    }
}

/// A page request of a listing in flight, from its launch to its end or its abort (when
/// the listing is dropped).
pub(crate) struct PageInFlight(Arc<Instruments>);

impl PageInFlight {
    pub(crate) fn new(instruments: &Arc<Instruments>) -> Self {
        instruments.pages_in_flight.add(1, &[]);
        PageInFlight(instruments.clone())
    }
}

impl Drop for PageInFlight {
    fn drop(&mut self) {
        self.0.pages_in_flight.add(-1, &[]);
    }
}
