//! What the client costs, each figure next to its baseline measured in the same run:
//!
//! - a whole call (build the request, sign it, send it over loopback, parse a 100-item page)
//!   through the generated client, against the same call written by hand with `reqwest` and
//!   `serde`, both against one in-memory server;
//! - AK/SK signing of one request, and its parts (canonicalising, hashing, HMAC);
//! - parsing a 100-item page into the generated types, against a plain struct of the same
//!   shape.
//!
//! `cargo bench -p workspace-app-client --bench client` prints the ratios at the end.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a benchmark that cannot go on stops

use std::hint::black_box;
use std::path::PathBuf;
use std::time::SystemTime;

use criterion::Criterion;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use workspace_app_client::signing::{self, verify, verify::SignableRequest};
use workspace_app_client::types::{JobTypeFilter, ListSubJobsResponse, SubJobStatus};
use workspace_app_client::{
    AkSk, CallSettings, ClientBuilder, Credentials, Interceptor, RetryPolicy, Telemetry,
};

const AK: &str = "BENCHAK0123456789ABC";
const SK: &str = "bench-secret-key-0123456789abcdefghijklmn";
use workspace_app_test_support::samples::PROJECT;

/// A page of 100 sub-jobs as the service sends it.
fn page_body() -> String {
    let items: Vec<_> = (0..100)
        .map(|i| {
            serde_json::json!({
                "id": format!("8a2c9e1f-{i:04}-4b7d-9c3e-5f6a7b8c9d0e"),
                "job_type": "CREATE_SERVER",
                "job_resource_info": {
                    "resource_id": format!("a1a1245-{i:04}-1425af14"),
                    "resource_name": format!("APS-20220902093902-{i:04}")
                },
                "begin_time": "2022-03-07T10:40:43.858Z",
                "end_time": "2022-03-07T10:42:01.102Z",
                "status": if i % 10 == 0 { "FAILED" } else { "SUCCESS" },
                "error_code": if i % 10 == 0 { Some("WKS.00129901") } else { None },
                "error_message": if i % 10 == 0 { Some("The service is now unavailable.") } else { None },
                "project_id": PROJECT,
                "job_id": "2c9e1f8a-5f6a-4b7d-9c3e-7b8c9d0e1f2a"
            })
        })
        .collect();
    serde_json::json!({ "count": 100, "items": items }).to_string()
}

/// The same shape as the generated types, with plain strings: the hand-written baseline.
#[derive(Deserialize)]
#[allow(dead_code)] // fields are parsed, not read
struct PlainPage {
    count: Option<i64>,
    #[serde(default)]
    items: Vec<PlainItem>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainItem {
    id: Option<String>,
    job_type: Option<String>,
    job_resource_info: Option<PlainResource>,
    begin_time: Option<String>,
    end_time: Option<String>,
    status: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
    project_id: Option<String>,
    job_id: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainResource {
    resource_id: Option<String>,
    resource_name: Option<String>,
}

/// Serves `body` to every request, from memory, on a thread of its own.
fn start_server(body: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let body = bytes::Bytes::from(body);
            let app = axum::Router::new().fallback(move || {
                let body = body.clone();
                async move { ([("content-type", "application/json")], body) }
            });
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{address}")
}

/// The two ways to make the same call, against the same server, and the generated client
/// with downstream controls installed that do nothing.
struct Callers {
    runtime: tokio::runtime::Runtime,
    generated: workspace_app_client::Client,
    /// Three interceptors that override no hook.
    empty_chain: workspace_app_client::Client,
    /// No access log.
    telemetry_off: workspace_app_client::Client,
    http: reqwest::Client,
    endpoint: reqwest::Url,
    keys: AkSk,
}

impl Callers {
    fn new() -> Self {
        let url = start_server(page_body());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let generated = ClientBuilder::new()
            .endpoint(&url)
            .credentials(Credentials::ak_sk(AK, SK))
            .project_id(PROJECT)
            .retry(RetryPolicy::disabled())
            .build()
            .unwrap();
        let endpoint =
            reqwest::Url::parse(&format!("{url}/v1/{PROJECT}/app-server-sub-jobs")).unwrap();
        let same = || {
            ClientBuilder::new()
                .endpoint(&url)
                .credentials(Credentials::ak_sk(AK, SK))
                .project_id(PROJECT)
                .retry(RetryPolicy::disabled())
        };
        let empty_chain = same()
            .interceptor(Idle)
            .interceptor(Idle)
            .interceptor(Idle)
            .build()
            .unwrap();
        let telemetry_off = same()
            .telemetry(Telemetry::default().access_log(false))
            .build()
            .unwrap();
        Callers {
            runtime,
            generated,
            empty_chain,
            telemetry_off,
            http: workspace_app_client::http_client_builder()
                .unwrap()
                .build()
                .unwrap(),
            endpoint,
            keys: AkSk::new(AK, SK),
        }
    }

    async fn generated(&self) -> ListSubJobsResponse {
        Self::call(&self.generated).await
    }

    async fn call(client: &workspace_app_client::Client) -> ListSubJobsResponse {
        let page = client
            .sub_jobs()
            .job_type(JobTypeFilter::CreateServer)
            .status(SubJobStatus::Success)
            .limit(100)
            .send()
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.items.len(), 100);
        page
    }

    async fn hand_written(&self) -> PlainPage {
        let mut request = self
            .http
            .get(self.endpoint.clone())
            .query(&[
                ("job_type", "CREATE_SERVER"),
                ("status", "SUCCESS"),
                ("limit", "100"),
            ])
            .header("accept", "application/json")
            .header("x-project-id", PROJECT)
            .build()
            .unwrap();
        // What a hand-written caller does to sign: the same function the client calls.
        signing::sign(&mut request, &self.keys, SystemTime::now()).unwrap();
        let response = self.http.execute(request).await.unwrap();
        assert!(response.status().is_success());
        let body = response.bytes().await.unwrap();
        let page: PlainPage = serde_json::from_slice(&body).unwrap();
        assert_eq!(page.items.len(), 100);
        page
    }

    /// Alternates rounds of both calls so that load from elsewhere on a shared machine
    /// hits both alike; returns the median time per call of each, in nanoseconds.
    fn paired_medians(&self, rounds: usize, calls_per_round: u32) -> (f64, f64) {
        let mut generated = Vec::with_capacity(rounds);
        let mut hand_written = Vec::with_capacity(rounds);
        self.runtime.block_on(async {
            for _ in 0..rounds {
                let started = std::time::Instant::now();
                for _ in 0..calls_per_round {
                    black_box(self.generated().await);
                }
                generated.push(started.elapsed().as_nanos() as f64 / f64::from(calls_per_round));
                let started = std::time::Instant::now();
                for _ in 0..calls_per_round {
                    black_box(self.hand_written().await);
                }
                hand_written.push(started.elapsed().as_nanos() as f64 / f64::from(calls_per_round));
            }
        });
        (median(&mut generated), median(&mut hand_written))
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn whole_call(c: &mut Criterion, callers: &Callers) {
    let mut group = c.benchmark_group("call");
    group.bench_function("generated", |b| {
        b.to_async(&callers.runtime)
            .iter(|| async { black_box(callers.generated().await) });
    });
    group.bench_function("hand_written", |b| {
        b.to_async(&callers.runtime)
            .iter(|| async { black_box(callers.hand_written().await) });
    });
    group.finish();
}

fn signing(c: &mut Criterion) {
    let url = format!(
        "https://workspace.ap-southeast-1.myhuaweicloud.com/v1/{PROJECT}/app-server-sub-jobs\
         ?job_id=2c9e1f8a-5f6a-4b7d&job_type=CREATE_SERVER&limit=100&offset=200&status=RUNNING"
    );
    let unsigned = workspace_app_client::http_client_builder()
        .unwrap()
        .build()
        .unwrap()
        .get(url)
        .header("accept", "application/json")
        .header("api-version", "v1")
        .header("x-project-id", PROJECT)
        .build()
        .unwrap();
    let keys = AkSk::new(AK, SK);
    let now = SystemTime::now();

    // The parts, over the headers `sign` signs.
    let mut signed_request = unsigned.try_clone().unwrap();
    signing::sign(&mut signed_request, &keys, now).unwrap();
    let mut headers: HeaderMap = signed_request.headers().clone();
    headers.remove("authorization");
    let sdk_date = headers["x-sdk-date"].to_str().unwrap().to_string();
    let request = SignableRequest {
        method: "GET",
        path: unsigned.url().path(),
        query: unsigned.url().query(),
        headers: &headers,
        body_sha256: verify::EMPTY_BODY_SHA256,
    };
    let signed = verify::signed_header_names(&headers);
    let canonical = verify::canonical_request(&request, &signed);
    let to_sign = verify::string_to_sign(&sdk_date, &canonical);

    let mut group = c.benchmark_group("sign");
    group.bench_function("whole", |b| {
        b.iter_batched_ref(
            || unsigned.try_clone().unwrap(),
            |request| signing::sign(black_box(request), &keys, now).unwrap(),
            criterion::BatchSize::SmallInput,
        );
    });
    group.bench_function("canonical_request", |b| {
        b.iter(|| black_box(verify::canonical_request(black_box(&request), &signed)));
    });
    group.bench_function("sha256_of_canonical", |b| {
        b.iter(|| black_box(verify::string_to_sign(&sdk_date, black_box(&canonical))));
    });
    group.bench_function("hmac", |b| {
        b.iter(|| black_box(verify::signature(SK.as_bytes(), black_box(&to_sign))));
    });
    group.finish();
}

fn parsing(c: &mut Criterion) {
    let body = page_body();
    let mut group = c.benchmark_group("parse");
    group.throughput(criterion::Throughput::Bytes(body.len() as u64));
    group.bench_function("generated", |b| {
        b.iter(|| {
            let page: ListSubJobsResponse = serde_json::from_str(black_box(&body)).unwrap();
            black_box(page)
        });
    });
    group.bench_function("plain_struct", |b| {
        b.iter(|| {
            let page: PlainPage = serde_json::from_str(black_box(&body)).unwrap();
            black_box(page)
        });
    });
    group.finish();
}

/// Median of a finished benchmark, in nanoseconds, from criterion's own report.
fn median_ns(group: &str, bench: &str) -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let path = target.join(format!("criterion/{group}/{bench}/new/estimates.json"));
    let estimates: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    estimates.pointer("/median/point_estimate")?.as_f64()
}

impl Callers {
    /// The generated call with each downstream control that does nothing, in rounds
    /// alternating with the plain generated call: the median time per call of each, in
    /// nanoseconds, plain first.
    fn controls_medians(&self, rounds: usize, calls_per_round: u32) -> Vec<(&'static str, f64)> {
        let handle_settings = || CallSettings::new().max_attempts(1);
        let mut times: Vec<(&'static str, Vec<f64>)> = [
            "plain",
            "empty interceptor chain (3)",
            "access log off",
            "client.with(..) per call",
        ]
        .into_iter()
        .map(|name| (name, Vec::with_capacity(rounds)))
        .collect();
        self.runtime.block_on(async {
            for _ in 0..rounds {
                for (variant, (_, samples)) in times.iter_mut().enumerate() {
                    let started = std::time::Instant::now();
                    for _ in 0..calls_per_round {
                        match variant {
                            0 => black_box(Self::call(&self.generated).await),
                            1 => black_box(Self::call(&self.empty_chain).await),
                            2 => black_box(Self::call(&self.telemetry_off).await),
                            _ => {
                                black_box(Self::call(&self.generated.with(handle_settings())).await)
                            }
                        };
                    }
                    samples.push(started.elapsed().as_nanos() as f64 / f64::from(calls_per_round));
                }
            }
        });
        times
            .into_iter()
            .map(|(name, mut samples)| (name, median(&mut samples)))
            .collect()
    }
}

/// An interceptor that overrides no hook: what an installed chain costs by itself.
struct Idle;

impl Interceptor for Idle {
    fn name(&self) -> &'static str {
        "idle"
    }
}

fn print_ratios(callers: &Callers) {
    println!("\n== ratios (medians of this run) ==");
    let (generated, hand_written) = callers.paired_medians(41, 20);
    println!(
        "whole call, generated / hand-written, paired rounds: {:.3}x  ({:.1} µs vs {:.1} µs; target <= 1.10x)",
        generated / hand_written,
        generated / 1e3,
        hand_written / 1e3
    );
    let pairs = [
        (
            "call",
            "generated",
            "hand_written",
            "whole call, generated / hand-written, criterion",
        ),
        (
            "parse",
            "generated",
            "plain_struct",
            "parse 100 items, generated / plain struct",
        ),
    ];
    for (group, subject, baseline, label) in pairs {
        if let (Some(a), Some(b)) = (median_ns(group, subject), median_ns(group, baseline)) {
            println!(
                "{label}: {:.3}x  ({:.1} µs vs {:.1} µs)",
                a / b,
                a / 1e3,
                b / 1e3
            );
        }
    }
    let controls = callers.controls_medians(41, 20);
    let plain = controls[0].1;
    for (name, ns) in &controls[1..] {
        println!(
            "downstream controls, {name} / plain, paired rounds: {:.3}x  ({:.1} µs vs {:.1} µs)",
            ns / plain,
            ns / 1e3,
            plain / 1e3
        );
    }
    if let Some(whole) = median_ns("sign", "whole") {
        println!("sign one request: {:.2} µs (target < 5 µs)", whole / 1e3);
        for part in ["canonical_request", "sha256_of_canonical", "hmac"] {
            if let Some(ns) = median_ns("sign", part) {
                println!("  {part}: {:.2} µs ({:.0}%)", ns / 1e3, 100.0 * ns / whole);
            }
        }
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let callers = Callers::new();
    whole_call(&mut criterion, &callers);
    signing(&mut criterion);
    parsing(&mut criterion);
    criterion.final_summary();
    print_ratios(&callers);
}
