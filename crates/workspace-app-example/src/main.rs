//! A downstream crate of `workspace-app-client`, showing what it can control without a fork:
//!
//! - an interceptor that adds a header to every request (signed with the rest) and counts
//!   the calls;
//! - a per-call override: one call with its own timeout, no retries and a header of its own,
//!   on the same client;
//! - a retry classifier that reads the service's throttling code;
//! - OpenTelemetry traces (the client's spans, through `tracing-opentelemetry`) and
//!   metrics, both exported to stdout.
//!
//! ```text
//! cargo run -p workspace-app-example -- http://127.0.0.1:8080 PROJECT_ID TOKEN
//! ```
//!
//! against the emulator (`cargo run -p workspace-app-mock -- --token TOKEN --project-id
//! PROJECT_ID` prints its address), or any endpoint of the service.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use workspace_app_client::intercept::{BeforeSigning, BoxError, CallEnd, Interceptor};
use workspace_app_client::types::JobTypeFilter;
use workspace_app_client::{CallSettings, ClientBuilder, Credentials, RetryDecision};

/// Tags every request with the tenant, before it is signed, and counts the calls.
struct Tenant {
    calls: Arc<AtomicU64>,
}

impl Interceptor for Tenant {
    fn name(&self) -> &'static str {
        "tenant"
    }

    fn before_signing(&self, request: &mut BeforeSigning<'_>) -> Result<(), BoxError> {
        request.insert_header("x-app-tenant", "blue")?;
        Ok(())
    }

    fn on_result(&self, call: &CallEnd<'_>) -> Result<(), BoxError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        println!(
            "call {} ended: {:?} after {} attempt(s)",
            call.call().operation,
            call.status(),
            call.call().attempt
        );
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(endpoint), Some(project), Some(token)) = (args.next(), args.next(), args.next())
    else {
        return Err("usage: workspace-app-example ENDPOINT PROJECT_ID TOKEN".into());
    };

    // OpenTelemetry to stdout: the meter provider first, so that the client's instruments
    // (made when it is built) record into it; the client's spans through tracing.
    let meters = SdkMeterProvider::builder()
        .with_periodic_exporter(opentelemetry_stdout::MetricExporter::default())
        .build();
    opentelemetry::global::set_meter_provider(meters.clone());
    let tracer = SdkTracerProvider::builder()
        .with_simple_exporter(opentelemetry_stdout::SpanExporter::default())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::INFO)
        .with(tracing_opentelemetry::layer().with_tracer(tracer.tracer("workspace-app-example")))
        .with(tracing_subscriber::fmt::layer().with_target(true));
    tracing::subscriber::set_global_default(subscriber)?;

    let calls = Arc::new(AtomicU64::new(0));
    let client = ClientBuilder::new()
        .endpoint(endpoint)
        .project_id(project)
        .credentials(Credentials::token(token))
        .interceptor(Tenant {
            calls: calls.clone(),
        })
        .retry_classifier(|attempt, default| match attempt.error_code() {
            Some(code) if code.starts_with("WKS.0503") => attempt.throttled(),
            Some("APIGW.0301") => RetryDecision::DontRetry,
            _ => default,
        })
        .build()?;

    let page = client
        .sub_jobs()
        .job_type(JobTypeFilter::CreateServer)
        .send()
        .await?;
    println!("{} sub-jobs in all", page.count.unwrap_or_default());

    // One call with settings of its own, on the same client and connection pool.
    let once = client.with(
        CallSettings::new()
            .timeout(Duration::from_secs(2))
            .max_attempts(1)
            .header("x-trace-tag", "once"),
    );
    once.sub_jobs()
        .job_type(JobTypeFilter::ReinstallOs)
        .send()
        .await?;

    println!(
        "{} calls counted by the interceptor",
        calls.load(Ordering::Relaxed)
    );
    tracer.shutdown()?;
    meters.shutdown()?;
    Ok(())
}
