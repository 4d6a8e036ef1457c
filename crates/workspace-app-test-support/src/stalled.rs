//! Clients that open a connection, send half a request head and stall: for tests of a
//! server's limits (a header timeout, a cap on connections, a shutdown's grace period), the
//! emulator's and its binary's.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, ToSocketAddrs};

/// The start of a request head, without the blank line that ends it.
pub const HALF_A_HEAD: &[u8] =
    b"GET /v1/p/app-server-sub-jobs?job_type=CREATE_SERVER HTTP/1.1\r\nHost: 127.0.0.1\r\n";

/// A client of `addr` (`127.0.0.1:PORT`) that has sent [`HALF_A_HEAD`] and stalls.
pub async fn stalled_client(addr: impl ToSocketAddrs) -> TcpStream {
    let mut stream = TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("a connection: {e}"));
    stream
        .write_all(HALF_A_HEAD)
        .await
        .unwrap_or_else(|e| panic!("half a request head sent: {e}"));
    stream
}

/// `count` clients of `addr` that have each sent [`HALF_A_HEAD`] and stall.
pub async fn stalled_clients(addr: impl ToSocketAddrs + Copy, count: usize) -> Vec<TcpStream> {
    let mut clients = Vec::with_capacity(count);
    for _ in 0..count {
        clients.push(stalled_client(addr).await);
    }
    clients
}

/// Reads until the server closes the connection (EOF or reset); returns what was read, or
/// `None` if the connection was still open after `bound`.
pub async fn read_until_closed(stream: &mut TcpStream, bound: Duration) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    let read_all = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(bound, read_all).await.ok()?;
    Some(received)
}
