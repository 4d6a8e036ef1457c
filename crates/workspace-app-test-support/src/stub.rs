//! A raw HTTP/1.1 server on 127.0.0.1 that answers from a script, for tests that need what
//! a framework would not send: any status and header, a connection reset after the request
//! was read. Each connection serves one request (`Connection: close`).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// This status, these headers and this body.
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Reads the whole request, then closes the connection without a byte of answer: the
    /// client cannot tell whether the service acted on it.
    Reset,
}

impl Reply {
    /// `status` with a JSON body.
    pub fn json(status: u16, body: &str) -> Self {
        Reply::Answer {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    /// The reply with one more header.
    pub fn header(self, name: &str, value: &str) -> Self {
        match self {
            Reply::Answer {
                status,
                mut headers,
                body,
            } => {
                headers.push((name.into(), value.into()));
                Reply::Answer {
                    status,
                    headers,
                    body,
                }
            }
            Reply::Reset => Reply::Reset,
        }
    }
}

/// A request as it arrived: its head (request line and headers, as text) and body.
#[derive(Debug, Clone)]
pub struct Received {
    pub head: String,
    pub body: Vec<u8>,
}

/// The server; dropping it stops it.
#[derive(Debug)]
pub struct Stub {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    served: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Stub {
    /// Answers the `n`-th request (from 0) with `replies[n]`, and every one after the
    /// script with its last reply.
    pub async fn scripted(replies: Vec<Reply>) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("binding 127.0.0.1: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("the stub's address: {e}"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let served = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn({
            let (received, served) = (received.clone(), served.clone());
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let n = served.fetch_add(1, Ordering::SeqCst);
                    let reply = replies
                        .get(n)
                        .or(replies.last())
                        .cloned()
                        .unwrap_or(Reply::Reset);
                    let received = received.clone();
                    tokio::spawn(async move { serve(stream, reply, &received).await });
                }
            }
        });
        Stub {
            addr,
            received,
            served,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Connections accepted so far (one request each).
    pub fn requests(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }

    /// Every request read whole so far, in the order they were read.
    pub fn received(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, reply: Reply, received: &Mutex<Vec<Received>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    received
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(request);
    let Reply::Answer {
        status,
        headers,
        body,
    } = reply
    else {
        return; // dropped: the connection closes with no answer
    };
    let mut answer = format!("HTTP/1.1 {status} Stub\r\nconnection: close\r\n");
    for (name, value) in headers {
        answer.push_str(&format!("{name}: {value}\r\n"));
    }
    answer.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Reads one request: its head, and a body of its `Content-Length`.
async fn read_request(stream: &mut TcpStream) -> Option<Received> {
    const MAX: usize = 1 << 20;
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 || bytes.len() > MAX {
            return None;
        }
        bytes.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX);
    while bytes.len() < head_end + length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..read]);
    }
    Some(Received {
        head,
        body: bytes[head_end..].to_vec(),
    })
}
