//! Connection hygiene, in-process over 127.0.0.1: a slow or idle client is closed after the
//! header timeout, connections beyond the cap wait for a free slot, and a shutdown lets
//! requests in flight finish but ends within its grace period whatever clients do.
//!
//! The durations below are upper bounds on "the server closed it", never performance
//! claims: each is the configured timeout plus a few seconds of slack.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use workspace_app_mock::{Config, Emulator, Faults};

/// Slack added to a configured timeout before a test gives up waiting for the server.
const SLACK: Duration = Duration::from_secs(4);

/// The start of a request head, without the blank line that ends it.
const HALF_A_HEAD: &[u8] =
    b"GET /v1/p/app-server-sub-jobs?job_type=CREATE_SERVER HTTP/1.1\r\nHost: 127.0.0.1\r\n";

async fn start(config: Config) -> Emulator {
    workspace_app_mock::start(config)
        .await
        .expect("the emulator starts")
}

/// A client that sends half a request head and then stalls.
async fn stalled_client(emulator: &Emulator) -> TcpStream {
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    stream.write_all(HALF_A_HEAD).await.unwrap();
    stream
}

/// Reads until the server closes the connection (EOF or reset); returns what was read, or
/// `None` if the connection was still open after `bound`.
async fn read_until_closed(stream: &mut TcpStream, bound: Duration) -> Option<Vec<u8>> {
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

#[tokio::test]
async fn a_half_sent_request_head_is_closed_after_the_header_timeout() {
    let header_timeout = Duration::from_secs(1);
    let emulator = start(Config::default().header_timeout(header_timeout)).await;
    let mut stalled = stalled_client(&emulator).await;
    let closed = read_until_closed(&mut stalled, header_timeout + SLACK).await;
    assert!(
        closed.is_some(),
        "the connection was still open {:?} after half a head",
        header_timeout + SLACK
    );
    assert_eq!(
        emulator.requests_received(),
        0,
        "no request reached the API"
    );
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_header_timeout() {
    let header_timeout = Duration::from_secs(1);
    let emulator = start(Config::default().header_timeout(header_timeout)).await;
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    stream
        .write_all(
            b"GET /v1/p/app-server-sub-jobs?job_type=CREATE_SERVER HTTP/1.1\r\n\
              Host: 127.0.0.1\r\n\r\n",
        )
        .await
        .unwrap();
    // The answer comes, then the connection stays idle (kept alive) until the timeout.
    let received = read_until_closed(&mut stream, header_timeout + SLACK).await;
    let Some(received) = received else {
        panic!(
            "the idle connection was still open {:?} after its answer",
            header_timeout + SLACK
        );
    };
    let received = String::from_utf8_lossy(&received);
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
    assert_eq!(emulator.requests_received(), 1);
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    // A long header timeout, so only the cap decides here.
    let emulator = start(
        Config::default()
            .max_connections(4)
            .header_timeout(Duration::from_secs(60)),
    )
    .await;
    let mut stalled = Vec::new();
    for _ in 0..4 {
        stalled.push(stalled_client(&emulator).await);
    }
    let url = format!(
        "{}/v1/p/app-server-sub-jobs?job_type=CREATE_SERVER",
        emulator.base_url()
    );
    let client = workspace_app_client::http_client_builder()
        .unwrap()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let fifth = client.get(&url).send().await;
    assert!(
        fifth.is_err(),
        "a fifth connection was served while four were open: {fifth:?}"
    );
    assert_eq!(emulator.requests_received(), 0);

    // One stalled client goes away: its slot frees and the next connection is served.
    drop(stalled.pop());
    let client = workspace_app_client::http_client_builder()
        .unwrap()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let served = client.get(&url).send().await.unwrap();
    assert_eq!(served.status(), 200);
}

#[tokio::test]
async fn shutdown_finishes_requests_in_flight_and_drops_stalled_ones_after_the_grace() {
    let grace = Duration::from_secs(1);
    let emulator = start(
        Config::default()
            .shutdown_grace(grace)
            .header_timeout(Duration::from_secs(60))
            .faults(Faults {
                latency: Duration::from_millis(500),
                ..Faults::default()
            }),
    )
    .await;
    let addr = emulator.local_addr();
    let mut stalled = Vec::new();
    for _ in 0..20 {
        stalled.push(stalled_client(&emulator).await);
    }
    let url = format!(
        "{}/v1/p/app-server-sub-jobs?job_type=CREATE_SERVER",
        emulator.base_url()
    );
    let in_flight = tokio::spawn(async move {
        workspace_app_client::http_client_builder()
            .unwrap()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
            .get(url)
            .send()
            .await
            .map(|response| response.status().as_u16())
    });
    // Wait (bounded) until the request is inside the emulator, sleeping its latency.
    for _ in 0..200 {
        if emulator.requests_received() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(emulator.requests_received(), 1, "the request never arrived");

    let shut_down = tokio::time::timeout(grace + SLACK, emulator.shutdown()).await;
    assert!(
        shut_down.is_ok(),
        "shutdown() had not returned {:?} after it was called",
        grace + SLACK
    );
    assert_eq!(
        in_flight.await.unwrap().unwrap(),
        200,
        "the request in flight was answered"
    );
    for stream in &mut stalled {
        assert!(
            read_until_closed(stream, SLACK).await.is_some(),
            "a stalled connection outlived the shutdown"
        );
    }
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "nothing listens after the shutdown"
    );
}
