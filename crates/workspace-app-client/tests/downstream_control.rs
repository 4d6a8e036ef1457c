//! Downstream crates in control: interceptors on every attempt and call, per-call settings
//! on a handle of the same client, retry classifiers over the default, and what an operator
//! sees of each call (OpenTelemetry's HTTP client fields on the span, the access log),
//! against scripted local servers.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use workspace_app_client::intercept::{
    AfterSigning, AttemptEnd, BeforeSigning, BoxError, CallEnd, Hook, Interceptor,
};
use workspace_app_client::types::JobTypeFilter;
use workspace_app_client::{
    CallSettings, Client, ClientBuilder, Credentials, Error, RetryDecision, RetryPolicy,
};
use workspace_app_test_support::logs::Captured;
use workspace_app_test_support::samples::PROJECT;
use workspace_app_test_support::stub::{Reply, Stub};

const PAGE: &str = r#"{"count": 0, "items": []}"#;
const BUSY: &str = r#"{"error_code": "WKS.0503", "error_msg": "busy"}"#;

fn builder(stub: &Stub) -> ClientBuilder {
    ClientBuilder::new()
        .endpoint(stub.url())
        .project_id(PROJECT)
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(1)),
        )
}

async fn list(client: &Client) -> Result<(), Error> {
    client
        .sub_jobs()
        .job_type(JobTypeFilter::CreateServer)
        .send()
        .await
        .map(|_| ())
        .map_err(Error::from)
}

/// Records `(name, hook, attempt)` at every point.
struct Recorder {
    name: &'static str,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn note(&self, hook: &str, attempt: u32) {
        self.seen
            .lock()
            .unwrap()
            .push(format!("{} {hook} {attempt}", self.name));
    }
}

impl Interceptor for Recorder {
    fn name(&self) -> &'static str {
        self.name
    }
    fn before_signing(&self, r: &mut BeforeSigning<'_>) -> Result<(), BoxError> {
        self.note("before", r.call().attempt);
        Ok(())
    }
    fn after_signing(&self, r: &AfterSigning<'_>) -> Result<(), BoxError> {
        self.note("signed", r.call().attempt);
        Ok(())
    }
    fn after_attempt(&self, a: &AttemptEnd<'_>) -> Result<(), BoxError> {
        self.note("attempt", a.call().attempt);
        Ok(())
    }
    fn on_result(&self, c: &CallEnd<'_>) -> Result<(), BoxError> {
        self.note("result", c.call().attempt);
        Ok(())
    }
}

#[tokio::test]
async fn hooks_run_in_order_on_every_attempt_then_once_on_the_result() {
    let stub = Stub::scripted(vec![
        Reply::json(503, BUSY),
        Reply::json(503, BUSY),
        Reply::json(200, PAGE),
    ])
    .await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = |name| Recorder {
        name,
        seen: seen.clone(),
    };
    let client = builder(&stub)
        .interceptor(recorder("a"))
        .interceptor(recorder("b"))
        .build()
        .unwrap();
    // A handle's own interceptor runs after the client's.
    let handle = client.with(CallSettings::new().interceptor(recorder("c")));
    list(&handle).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    let mut expected = Vec::new();
    for attempt in 1..=3 {
        for hook in ["before", "signed", "attempt"] {
            for name in ["a", "b", "c"] {
                expected.push(format!("{name} {hook} {attempt}"));
            }
        }
    }
    expected.extend(["a result 3", "b result 3", "c result 3"].map(String::from));
    assert_eq!(seen, expected);
    assert_eq!(stub.requests(), 3);
}

/// Adds a header before signing; remembers what it saw after signing and of each attempt.
#[derive(Default)]
struct Tenant {
    signed: Mutex<Vec<String>>,
    shown: Mutex<String>,
}

/// The interceptor, sharing what it saw with the test.
struct TenantHook(Arc<Tenant>);

impl Interceptor for TenantHook {
    fn name(&self) -> &'static str {
        "tenant"
    }
    fn before_signing(&self, r: &mut BeforeSigning<'_>) -> Result<(), BoxError> {
        r.insert_header("x-app-tenant", "blue")?;
        r.append_query("trace", "t-1");
        self.0
            .shown
            .lock()
            .unwrap()
            .push_str(&format!("{:?}", r.headers()));
        Ok(())
    }
    fn after_signing(&self, r: &AfterSigning<'_>) -> Result<(), BoxError> {
        *self.0.signed.lock().unwrap() = r.signed_headers();
        self.0
            .shown
            .lock()
            .unwrap()
            .push_str(&format!("{} {:?}", r.prepared(), r));
        Ok(())
    }
    fn after_attempt(&self, a: &AttemptEnd<'_>) -> Result<(), BoxError> {
        self.0
            .shown
            .lock()
            .unwrap()
            .push_str(&format!("{:?} {:?}", a.headers(), a));
        Ok(())
    }
    fn on_result(&self, c: &CallEnd<'_>) -> Result<(), BoxError> {
        self.0.shown.lock().unwrap().push_str(&format!("{c:?}"));
        Ok(())
    }
}

#[tokio::test]
async fn what_is_added_before_signing_is_signed_and_no_secret_reaches_a_hook() {
    let stub = Stub::scripted(vec![
        Reply::json(200, PAGE)
            .header("set-cookie", "session=COOKIE-SECRET")
            .header("x-subject-token", "SUBJECT-SECRET"),
    ])
    .await;
    let tenant = Arc::new(Tenant::default());
    let client = builder(&stub)
        .credentials(Credentials::temporary(
            "AK-SECRET",
            "SK-SECRET",
            "ST-SECRET",
        ))
        .interceptor(TenantHook(tenant.clone()))
        .build()
        .unwrap();
    list(&client).await.unwrap();
    let signed = tenant.signed.lock().unwrap().clone();
    assert!(signed.contains(&"x-app-tenant".to_string()), "{signed:?}");
    let received = &stub.received()[0];
    assert!(
        received.head.contains("x-app-tenant: blue"),
        "{}",
        received.head
    );
    assert!(received.head.contains("trace=t-1"), "{}", received.head);
    let shown = tenant.shown.lock().unwrap().clone();
    for secret in [
        "AK-SECRET",
        "SK-SECRET",
        "ST-SECRET",
        "COOKIE-SECRET",
        "SUBJECT-SECRET",
    ] {
        assert!(!shown.contains(secret), "{secret} reached a hook: {shown}");
    }
    // The signature is masked too: only `Signature=****` is shown.
    assert!(shown.contains("Signature=****"), "{shown}");
}

/// Fails at one hook.
struct Deny(Hook);

impl Interceptor for Deny {
    fn name(&self) -> &'static str {
        "deny"
    }
    fn before_signing(&self, _: &mut BeforeSigning<'_>) -> Result<(), BoxError> {
        self.fail(Hook::BeforeSigning)
    }
    fn after_attempt(&self, _: &AttemptEnd<'_>) -> Result<(), BoxError> {
        self.fail(Hook::AfterAttempt)
    }
    fn on_result(&self, _: &CallEnd<'_>) -> Result<(), BoxError> {
        self.fail(Hook::OnResult)
    }
}

impl Deny {
    fn fail(&self, hook: Hook) -> Result<(), BoxError> {
        if hook == self.0 {
            Err("not today".into())
        } else {
            Ok(())
        }
    }
}

#[tokio::test]
async fn a_hook_error_is_typed_names_the_interceptor_and_stops_the_call() {
    for (hook, reply, requests) in [
        (Hook::BeforeSigning, Reply::json(200, PAGE), 0),
        // A 503 would be retried; the hook stops it after the first attempt.
        (Hook::AfterAttempt, Reply::json(503, BUSY), 1),
        // Even a success fails.
        (Hook::OnResult, Reply::json(200, PAGE), 1),
    ] {
        let stub = Stub::scripted(vec![reply]).await;
        let client = builder(&stub).interceptor(Deny(hook)).build().unwrap();
        let error = list(&client).await.unwrap_err();
        let Error::Interceptor { name, hook: at, .. } = &error else {
            panic!("{hook:?}: {error:?}");
        };
        assert_eq!((*name, *at), ("deny", hook));
        let chain = workspace_app_client::DisplayErrorChain(&error).to_string();
        assert!(
            chain.contains("interceptor `deny` stopped the call"),
            "{chain}"
        );
        assert!(chain.ends_with("not today"), "{chain}");
        assert_eq!(stub.requests(), requests, "{hook:?}");
    }
}

#[tokio::test]
async fn a_header_the_client_sets_cannot_be_set_by_a_hook_or_a_handle() {
    let stub = Stub::scripted(vec![Reply::json(200, PAGE)]).await;
    let client = builder(&stub).build().unwrap();
    for (name, value) in [
        ("authorization", "x"),
        ("x-auth-token", "t"),
        ("x-sdk-date", "20240101T000000Z"),
        ("x_underscored", "x"),
        ("x-padded", " x"),
    ] {
        let handle = client.with(CallSettings::new().header(name, value));
        let error = list(&handle).await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::Interceptor {
                    hook: Hook::BeforeSigning,
                    ..
                }
            ),
            "{name}: {error:?}"
        );
    }
    assert_eq!(stub.requests(), 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_call_settings_do_not_leak_into_concurrent_calls() {
    // Every request is answered 503: a plain call tries 3 times, a handle's once.
    let stub = Stub::scripted(vec![Reply::json(503, BUSY)]).await;
    let client = builder(&stub).build().unwrap();
    let counted = Arc::new(AtomicU64::new(0));
    struct Count(Arc<AtomicU64>);
    impl Interceptor for Count {
        fn name(&self) -> &'static str {
            "count"
        }
        fn on_result(&self, _: &CallEnd<'_>) -> Result<(), BoxError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }
    let mut tasks = Vec::new();
    for i in 0..32 {
        let client = client.clone();
        let counted = counted.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                let handle = client.with(
                    CallSettings::new()
                        .max_attempts(1)
                        .header("x-variant", format!("v{i}"))
                        .interceptor(Count(counted)),
                );
                list(&handle).await
            } else {
                list(&client).await
            }
        }));
    }
    for task in tasks {
        assert!(task.await.unwrap().is_err());
    }
    // Handles: 16 calls of 1 attempt each; plain calls: 16 calls of 3 attempts.
    assert_eq!(stub.requests(), 16 + 16 * 3);
    assert_eq!(
        counted.load(Ordering::SeqCst),
        16,
        "only the handles' calls"
    );
    let received = stub.received();
    let tagged: Vec<&str> = received
        .iter()
        .filter_map(|r| {
            r.head
                .lines()
                .find_map(|line| line.strip_prefix("x-variant: "))
        })
        .collect();
    assert_eq!(tagged.len(), 16, "each handle's request, once");
    let mut variants: Vec<&str> = tagged.clone();
    variants.sort_unstable();
    variants.dedup();
    assert_eq!(variants.len(), 16, "each its own task's header: {tagged:?}");
}

#[tokio::test]
async fn per_call_settings_reach_the_pages_of_a_listing() {
    let stub = Stub::scripted(vec![Reply::json(
        200,
        r#"{"count": 3, "items": [{"id": "a"}]}"#,
    )])
    .await;
    let client = builder(&stub).build().unwrap();
    let handle = client.with(CallSettings::new().header("x-listing", "yes"));
    use futures_util::TryStreamExt;
    let _: Vec<_> = handle
        .paginate_sub_jobs(JobTypeFilter::CreateServer)
        .page_size(1)
        .concurrency(1)
        .items()
        .try_collect()
        .await
        .unwrap_or_default();
    let received = stub.received();
    assert!(received.len() >= 2, "{} pages", received.len());
    assert!(received.iter().all(|r| r.head.contains("x-listing: yes")));
}

#[tokio::test]
async fn a_classifier_retries_a_service_throttling_code_and_never_a_credentials_refusal() {
    // WKS.0503 in a 400: not retried by default, retried as throttling by the classifier.
    let stub = Stub::scripted(vec![
        Reply::json(400, BUSY),
        Reply::json(400, BUSY),
        Reply::json(200, PAGE),
    ])
    .await;
    let classify =
        |attempt: &workspace_app_client::RetryContext<'_>, default| match attempt.error_code() {
            Some(code) if code.starts_with("WKS.0503") => attempt.throttled(),
            Some("APIGW.0301") => RetryDecision::DontRetry,
            _ => default,
        };
    let client = builder(&stub).retry_classifier(classify).build().unwrap();
    list(&client).await.unwrap();
    assert_eq!(stub.requests(), 3);
    let without = builder(&stub).build().unwrap();
    let before = stub.requests();
    assert!(
        list(&without).await.is_ok(),
        "the script's last answer repeats"
    );
    assert_eq!(stub.requests() - before, 1);

    // APIGW.0301 in a 503: retried by default, never by the classifier.
    let refused = r#"{"error_code": "APIGW.0301", "error_msg": "bad credentials"}"#;
    let stub = Stub::scripted(vec![Reply::json(503, refused)]).await;
    let client = builder(&stub).retry_classifier(classify).build().unwrap();
    assert!(list(&client).await.is_err());
    assert_eq!(stub.requests(), 1);
    let default = builder(&stub).build().unwrap();
    assert!(list(&default).await.is_err());
    assert_eq!(stub.requests(), 1 + 3);
}

#[tokio::test]
async fn the_span_follows_opentelemetry_and_the_access_log_is_one_escaped_line() {
    let stub = Stub::scripted(vec![
        Reply::json(503, BUSY),
        Reply::json(200, PAGE).header("x-request-id", "rid\u{9b}[2J"),
    ])
    .await;
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let client = builder(&stub).build().unwrap();
    list(&client).await.unwrap();
    let text = logs.text();
    for field in [
        "otel.name=GET /v1/{project_id}/app-server-sub-jobs ",
        "otel.kind=\"client\"",
        "http.request.method=\"GET\"",
        "url.template=\"/v1/{project_id}/app-server-sub-jobs\"",
        "server.address=\"127.0.0.1\"",
        "http.response.status_code=200",
        "http.request.resend_count=1",
    ] {
        assert!(text.contains(field), "{field} missing: {text}");
    }
    assert!(
        !text.contains(PROJECT),
        "the project ID is in the telemetry: {text}"
    );
    let access: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("workspace_app_client::access"))
        .collect();
    assert_eq!(access.len(), 1, "{text}");
    assert!(
        access[0].contains("\"GET /v1/{project_id}/app-server-sub-jobs\" 200 ")
            && access[0].contains("attempts=2 ListSubJobs request_id=rid\\u{9b}[2J"),
        "{}",
        access[0]
    );
    // With the full URL asked for, it is there; with the access log off, no line.
    let logs = Captured::default();
    let _guard = tracing::subscriber::set_default(logs.subscriber(tracing::Level::INFO));
    let client = builder(&stub)
        .telemetry(
            workspace_app_client::Telemetry::default()
                .record_full_url(true)
                .access_log(false),
        )
        .build()
        .unwrap();
    tracing::info_span!("outer").in_scope(|| ());
    list(&client).await.unwrap();
    assert!(
        !logs.text().contains("workspace_app_client::access"),
        "{}",
        logs.text()
    );
}

#[tokio::test]
async fn the_full_url_is_recorded_only_when_asked_for() {
    let stub = Stub::scripted(vec![Reply::json(200, PAGE)]).await;
    for (asked, shown) in [(false, false), (true, true)] {
        let logs = Captured::default();
        let _guard = tracing::subscriber::set_default(logs.subscriber(tracing::Level::INFO));
        let client = builder(&stub)
            .telemetry(workspace_app_client::Telemetry::default().record_full_url(asked))
            .build()
            .unwrap();
        list(&client).await.unwrap();
        let text = logs.text();
        assert_eq!(
            text.contains(&format!("url.full=\"{}", stub.url())),
            shown,
            "{text}"
        );
        assert_eq!(text.contains(PROJECT), shown, "{text}");
    }
}
