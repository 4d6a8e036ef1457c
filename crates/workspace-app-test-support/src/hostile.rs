//! A small HTTP server that misbehaves on purpose, for tests of a client against a server
//! it must not trust: redirects towards another host, terminal control sequences in every
//! string, a listing that never ends, a short page with a huge `count`, a body trickled one
//! byte at a time, a `Retry-After` that is nonsense.
//!
//! Unlike the emulator (`workspace_app_mock::start`), it is written on a raw
//! [`TcpListener`], so it can
//! send anything, at any pace. Each connection carries one request: it reads the request
//! head (up to 64 KiB), answers as its [`Mode`] says with `HTTP/1.1`,
//! `Content-Type: application/json`, `Connection: close` and a correct `Content-Length`,
//! then closes. Every request is counted and recorded ([`Hostile::received`]).
//!
//! ```
//! use workspace_app_test_support::hostile::{self, Mode};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let server = hostile::start(Mode::EscapeItems).await?;
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! assert_eq!(server.requests(), 0);
//! # Ok(())
//! # }
//! ```
//!
//! It listens on loopback only (`127.0.0.0/8`, `::1`); dropping the [`Hostile`] handle stops
//! it and every connection it serves.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// The terminal control sequences the escape modes put in their strings: an OSC that sets
/// the window title (`ESC ] 0 ; pwned BEL`), clear screen (`ESC [ 2 J`), red text
/// (`ESC [ 31 m`), the C1 control sequence introducer U+009B, and DEL.
pub const ESCAPES: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31m\u{9b}\u{7f}";

/// What [`Mode::Forged`] puts in every string: a line break followed by what looks like a
/// log line of the client's (which `FORGED-LINE` starts), and terminal control sequences.
/// Shown as it is, it would put a line of the server's choosing in a log or an output.
pub const FORGED: &str = "\r\nFORGED-LINE 2026-01-01T00:00:00.000000Z  INFO workspace_app_client: all sub-jobs SUCCESS\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m";

/// The `X-Request-Id` of [`Mode::Forged`]'s answers: the C1 control sequence introducer
/// U+009B (UTF-8 bytes, which HTTP allows in a header value) starting `[2J`.
pub const FORGED_REQUEST_ID: &str = "rid\u{9b}[2J";

/// The emulator's `error_code`s the answers carry (`workspace_app_mock::error_codes`).
const SERVICE_UNAVAILABLE: &str = "WKS.00129901";
const INVALID_PARAMETER: &str = "WKS.00010001";

/// The `count` of the modes that claim a listing without end: `i32::MAX`, the largest the
/// API can report.
pub const ENDLESS_COUNT: i64 = 2_147_483_647;

/// The page size of a request without `limit`.
const DEFAULT_LIMIT: usize = 10;
/// The most items one answer carries, whatever `limit` asks for.
const MAX_LIMIT: usize = 1_000;
/// The longest request head read.
const MAX_HEAD: usize = 64 * 1024;
/// How long a connection may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// The size the trickled page is padded to, roughly.
const TRICKLED_PAGE_BYTES: usize = 2048;

/// What the hostile server does with every request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Mode {
    /// Answers `302 Found` with `Location: <location>` (and an empty body).
    Redirect {
        /// The `Location` header, verbatim.
        location: String,
    },
    /// Records each request and answers with a valid empty page `{"count":0,"items":[]}`:
    /// the "other host" a redirect points to.
    Recorder,
    /// A 200 page of 2 sub-jobs whose `id`, `job_id`, `job_resource_info.resource_name`,
    /// `status` (a value outside the spec), `error_code` and `error_message` carry
    /// [`ESCAPES`].
    EscapeItems,
    /// Every request answered 400 with
    /// `{"error_code": "WKS.<ESCAPES>", "error_msg": "bad<ESCAPES>"}`.
    EscapeError,
    /// Every request: a full page (as many items as `limit` asks, default 10) of fresh,
    /// never repeated ids, `count` 2147483647 — a listing that never ends. The sub-jobs
    /// are `RUNNING`.
    EndlessPages,
    /// The first request (offset 0) gets `items` sub-jobs (fewer than `limit`, or the page
    /// is not short) with `count` 2147483647; later requests get an empty page with the
    /// same count.
    ShortPage {
        /// How many sub-jobs the first page carries.
        items: usize,
    },
    /// A 200 with a `Content-Length` for a valid page of about 2 KB (`RUNNING` sub-jobs),
    /// but the body is written one byte every `interval`; writing stops when the client
    /// goes away.
    TrickledBody {
        /// The pause before each byte of the body.
        interval: Duration,
    },
    /// [`FORGED`] in every string the server sends, and [`FORGED_REQUEST_ID`] as
    /// `X-Request-Id`: with status 200 a page of 2 sub-jobs, one `FAILED` with an
    /// `error_code` and `error_message`, one in a status outside the spec (and a raw CR
    /// between two of the page's JSON tokens); with any other
    /// status a JSON error body (`error_code`, `error_msg`), and `Retry-After: 0` for 429
    /// and 503.
    Forged {
        /// The status of every answer.
        status: u16,
    },
    /// 503 with `Retry-After: <value>` verbatim and a JSON error body.
    BadRetryAfter {
        /// The `Retry-After` header, verbatim.
        value: String,
    },
}

/// One request as the server read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// `GET`, ...
    pub method: String,
    /// The request target as sent: path and query.
    pub target: String,
    /// The headers in the order sent, names lowercased, values trimmed (lossy UTF-8).
    pub headers: Vec<(String, String)>,
}

impl Received {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first value of query parameter `name`, decoded.
    pub fn query(&self, name: &str) -> Option<String> {
        let (_, query) = self.target.split_once('?')?;
        form_urlencoded::parse(query.as_bytes())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// A running hostile server; dropping it stops it, connections in progress included.
#[derive(Debug)]
pub struct Hostile {
    addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

#[derive(Debug)]
struct State {
    mode: Mode,
    requests: AtomicUsize,
    received: Mutex<Vec<Received>>,
    /// The next fresh sub-job number of [`Mode::EndlessPages`].
    next_id: AtomicU64,
}

impl Hostile {
    /// `http://127.0.0.1:PORT` (no trailing slash), the endpoint to give a client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many requests it has read the head of, since it started.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Every request it has read, in order of arrival.
    pub fn received(&self) -> Vec<Received> {
        self.state
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        // The accept task owns the connection tasks (a `JoinSet`): aborting it aborts them.
        self.task.abort();
    }
}

/// Starts a hostile server on `127.0.0.1`, on a free port.
pub async fn start(mode: Mode) -> io::Result<Hostile> {
    start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), mode).await
}

/// Starts a hostile server on `addr`, e.g. `127.0.0.2:0` for "another host". A
/// non-loopback address is refused (`InvalidInput`): this server is for tests on this
/// machine.
pub async fn start_on(addr: SocketAddr, mode: Mode) -> io::Result<Hostile> {
    if !addr.ip().is_loopback() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a hostile server listens on loopback only, not {addr}"),
        ));
    }
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(State {
        mode,
        requests: AtomicUsize::new(0),
        received: Mutex::new(Vec::new()),
        next_id: AtomicU64::new(0),
    });
    let task = tokio::spawn(accept(listener, state.clone()));
    Ok(Hostile { addr, state, task })
}

async fn accept(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        // Reap finished connections so the set stays small.
        while connections.try_join_next().is_some() {}
        match listener.accept().await {
            Ok((stream, _)) => {
                connections.spawn(serve(stream, state.clone()));
            }
            Err(error) => {
                tracing::debug!(%error, "hostile server: accept failed");
                // Out of file descriptors and the like: do not spin.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// The parts of a request head the modes need.
struct Request {
    target: String,
    project_id: Option<String>,
    offset: Option<u64>,
    limit: Option<usize>,
    job_id: Option<String>,
}

async fn serve(mut stream: TcpStream, state: Arc<State>) {
    let _ = stream.set_nodelay(true);
    let head = match tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)).await {
        Ok(Some(head)) => head,
        Ok(None) | Err(_) => return,
    };
    let Some((received, request)) = parse_head(&head) else {
        let _ = respond(&mut stream, 400, &[], error_body("bad request head")).await;
        return;
    };
    state
        .received
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(received);
    state.requests.fetch_add(1, Ordering::SeqCst);

    let result = match &state.mode {
        Mode::Redirect { location } => {
            respond(
                &mut stream,
                302,
                &[("Location", location.as_str())],
                Vec::new(),
            )
            .await
        }
        Mode::Recorder => respond(&mut stream, 200, &[], page(0, Vec::new())).await,
        Mode::EscapeItems => {
            let items = (1..=2).map(|n| escaped_sub_job(&request, n)).collect();
            respond(&mut stream, 200, &[], page(2, items)).await
        }
        Mode::EscapeError => {
            let body = json!({
                "error_code": format!("WKS.{ESCAPES}"),
                "error_msg": format!("bad{ESCAPES}"),
            });
            respond(&mut stream, 400, &[], body.to_string().into_bytes()).await
        }
        Mode::EndlessPages => {
            let limit = request.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
            let first = state.next_id.fetch_add(limit as u64, Ordering::SeqCst);
            let items = (first..first + limit as u64)
                .map(|n| sub_job(&request, &format!("endless-{n}"), "RUNNING"))
                .collect();
            respond(&mut stream, 200, &[], page(ENDLESS_COUNT, items)).await
        }
        Mode::ShortPage { items } => {
            let items = if request.offset.unwrap_or(0) == 0 {
                (0..(*items).min(MAX_LIMIT))
                    .map(|n| sub_job(&request, &format!("short-{n}"), "RUNNING"))
                    .collect()
            } else {
                Vec::new()
            };
            respond(&mut stream, 200, &[], page(ENDLESS_COUNT, items)).await
        }
        Mode::TrickledBody { interval } => trickle(&mut stream, &request, *interval).await,
        Mode::Forged { status: 200 } => {
            let items = vec![
                forged_sub_job(&request, "FAILED"),
                forged_sub_job(&request, &format!("PWNED{FORGED}")),
            ];
            // A raw CR between two tokens is valid JSON whitespace, and moves the cursor.
            let body = String::from_utf8_lossy(&page(2, items)).replacen(',', ",\r", 1);
            respond(
                &mut stream,
                200,
                &[("X-Request-Id", FORGED_REQUEST_ID)],
                body.into_bytes(),
            )
            .await
        }
        Mode::Forged { status } => {
            let body = json!({
                "error_code": format!("WKS.0503{FORGED}"),
                "error_msg": format!("busy{FORGED}"),
            });
            let mut headers = vec![("X-Request-Id", FORGED_REQUEST_ID)];
            if matches!(status, 429 | 503) {
                headers.push(("Retry-After", "0"));
            }
            respond(
                &mut stream,
                *status,
                &headers,
                body.to_string().into_bytes(),
            )
            .await
        }
        Mode::BadRetryAfter { value } => {
            let body = json!({
                "error_code": SERVICE_UNAVAILABLE,
                "error_msg": "Service unavailable.",
            });
            respond(
                &mut stream,
                503,
                &[("Retry-After", value.as_str())],
                body.to_string().into_bytes(),
            )
            .await
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, target = request.target, "hostile server: answer not sent");
    }
}

/// Reads up to the end of the request head; `None` when the client closes first or the
/// head is longer than [`MAX_HEAD`]. Bytes after the head (a body) are ignored.
async fn read_head(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    // Each read brings at least one byte, so this loop ends.
    while head.len() < MAX_HEAD {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        // Only the new bytes and the 3 before them can complete the terminator.
        let from = head.len().saturating_sub(3);
        head.extend_from_slice(&chunk[..n]);
        if let Some(end) = find(&head[from..], b"\r\n\r\n") {
            head.truncate(from + end);
            return Some(head);
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &[u8]) -> Option<(Received, Request)> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next().filter(|m| !m.is_empty())?.to_string();
    let target = request_line.next().filter(|t| !t.is_empty())?.to_string();
    let headers = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_ascii_lowercase(), value.trim().to_string()))
        })
        .collect();

    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    let segments: Vec<&str> = path.split('/').collect();
    let project_id = match segments.as_slice() {
        ["", "v1", project, ..] if !project.is_empty() => Some((*project).to_string()),
        _ => None,
    };
    let mut request = Request {
        target: target.clone(),
        project_id,
        offset: None,
        limit: None,
        job_id: None,
    };
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "offset" => request.offset = value.parse().ok(),
            "limit" => request.limit = value.parse().ok(),
            "job_id" => request.job_id = Some(value.into_owned()),
            _ => {}
        }
    }
    let received = Received {
        method,
        target,
        headers,
    };
    Some((received, request))
}

fn page(count: i64, items: Vec<Value>) -> Vec<u8> {
    json!({ "count": count, "items": items })
        .to_string()
        .into_bytes()
}

fn error_body(message: &str) -> Vec<u8> {
    json!({ "error_code": INVALID_PARAMETER, "error_msg": message })
        .to_string()
        .into_bytes()
}

/// A sub-job as the spec describes it, of the requested job (`job_id` filter) and project.
fn sub_job(request: &Request, id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "job_type": "CREATE_SERVER",
        "job_resource_info": {
            "resource_id": format!("resource-{id}"),
            "resource_name": format!("server-{id}"),
        },
        "begin_time": "2024-01-01T00:00:00.000Z",
        "status": status,
        "project_id": request.project_id.as_deref().unwrap_or("hostile-project"),
        "job_id": request.job_id.as_deref().unwrap_or("hostile-job"),
    })
}

fn forged_sub_job(request: &Request, status: &str) -> Value {
    let mut item = sub_job(request, &format!("sub{FORGED}"), status);
    item["job_id"] = json!(format!("job{FORGED}"));
    item["job_resource_info"]["resource_name"] = json!(format!("name{FORGED}"));
    item["error_code"] = json!(format!("WKS.{FORGED}"));
    item["error_message"] = json!(format!("failed{FORGED}"));
    item
}

fn escaped_sub_job(request: &Request, n: usize) -> Value {
    let mut item = sub_job(
        request,
        &format!("sub-{n}{ESCAPES}"),
        &format!("PWNED{ESCAPES}"),
    );
    item["job_id"] = json!(format!("job{ESCAPES}"));
    item["job_resource_info"]["resource_name"] = json!(format!("name{ESCAPES}"));
    item["error_code"] = json!(format!("WKS.{ESCAPES}"));
    item["error_message"] = json!(format!("failed{ESCAPES}"));
    item
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

fn head(status: u16, headers: &[(&str, &str)], length: usize) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\nConnection: close\r\n",
        reason(status)
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

async fn respond(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> io::Result<()> {
    let mut response = head(status, headers, body.len());
    response.extend_from_slice(&body);
    stream.write_all(&response).await?;
    stream.flush().await?;
    stream.shutdown().await
}

/// The head at once, then the body one byte every `interval`, until it is all sent or the
/// client goes away.
async fn trickle(stream: &mut TcpStream, request: &Request, interval: Duration) -> io::Result<()> {
    let mut items = Vec::new();
    let mut body = page(0, Vec::new());
    // Each item adds a few hundred bytes: a few rounds reach the size.
    while body.len() < TRICKLED_PAGE_BYTES && items.len() < MAX_LIMIT {
        items.push(sub_job(
            request,
            &format!("trickled-{}", items.len()),
            "RUNNING",
        ));
        body = page(items.len() as i64, items.clone());
    }
    stream.write_all(&head(200, &[], body.len())).await?;
    stream.flush().await?;
    let mut scratch = [0u8; 512];
    for byte in body {
        let pause = tokio::time::sleep(interval);
        tokio::pin!(pause);
        // Ends when the pause does, or when the client goes away.
        loop {
            tokio::select! {
                () = &mut pause => break,
                read = stream.read(&mut scratch) => {
                    // End of stream or an error: the client is gone. Anything else it
                    // sends is ignored.
                    if matches!(read, Ok(0) | Err(_)) {
                        return Ok(());
                    }
                }
            }
        }
        stream.write_all(&[byte]).await?;
        stream.flush().await?;
    }
    stream.shutdown().await
}
