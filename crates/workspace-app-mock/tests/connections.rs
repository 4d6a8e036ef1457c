//! Connection hygiene, in-process over 127.0.0.1: a slow or idle client is closed after the
//! header timeout, connections beyond the cap wait for a free slot, and a shutdown lets
//! requests in flight finish but ends within its grace period whatever clients do.
//!
//! The durations below are upper bounds on "the server closed it", never performance
//! claims: each is the configured timeout plus a few seconds of slack.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use workspace_app_mock::{Config, Faults};
use workspace_app_test_support::stalled::{read_until_closed, stalled_client, stalled_clients};

mod support;

use support::{http_timing_out, list_url, start};

/// Slack added to a configured timeout before a test gives up waiting for the server.
const SLACK: Duration = Duration::from_secs(4);

#[tokio::test]
async fn a_half_sent_request_head_is_closed_after_the_header_timeout() {
    let header_timeout = Duration::from_secs(1);
    let emulator = start(Config::default().header_timeout(header_timeout)).await;
    let mut stalled = stalled_client(emulator.local_addr()).await;
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
    let mut stalled = stalled_clients(emulator.local_addr(), 4).await;
    let url = format!(
        "{}?job_type=CREATE_SERVER",
        list_url(emulator.base_url(), "p")
    );
    let fifth = http_timing_out(Duration::from_secs(1))
        .get(&url)
        .send()
        .await;
    assert!(
        fifth.is_err(),
        "a fifth connection was served while four were open: {fifth:?}"
    );
    assert_eq!(emulator.requests_received(), 0);

    // One stalled client goes away: its slot frees and the next connection is served.
    drop(stalled.pop());
    let served = http_timing_out(Duration::from_secs(10))
        .get(&url)
        .send()
        .await
        .unwrap();
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
    let mut stalled = stalled_clients(addr, 20).await;
    let url = format!(
        "{}?job_type=CREATE_SERVER",
        list_url(emulator.base_url(), "p")
    );
    let in_flight = tokio::spawn(async move {
        http_timing_out(Duration::from_secs(10))
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
