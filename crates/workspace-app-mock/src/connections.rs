//! The accept loop and each connection's limits, so that no client, however slow or
//! however many, holds the emulator open or keeps others out:
//!
//! - a request's head must arrive within the header timeout, counted from the moment the
//!   emulator starts waiting for it (the connection opened, or the previous answer went
//!   out), so a kept-alive connection idle that long is closed too;
//! - at most `max_connections` connections are served at once; more wait in the listen
//!   backlog until one ends;
//! - a failed `accept` (out of file descriptors, say) is retried after a short pause, never
//!   in a tight loop and never ending the loop;
//! - a shutdown stops accepting, lets requests in flight finish for the grace period, then
//!   drops every connection still open.

use std::io;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;

/// How long to pause after an `accept` error that is not about one connection.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The limits of [`serve`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) header_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) shutdown_grace: Duration,
}

/// Serves `app` on `listener` until `shutdown` fires (or its sender is dropped), then stops
/// within `limits.shutdown_grace`.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut shutdown: oneshot::Receiver<()>,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let (closing, closing_signal) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut failing_since_last_accept = false;

    loop {
        tokio::select! {
            biased;
            // Sent or dropped: either way, stop.
            _ = &mut shutdown => break,
            // Reap ended connections first, so their slots are free for the next accept.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept(), if connections.len() < limits.max_connections => {
                match accepted {
                    Ok((stream, _)) => {
                        failing_since_last_accept = false;
                        // Small answers go out at once rather than wait for Nagle's algorithm.
                        let _ = stream.set_nodelay(true);
                        let connection = builder.serve_connection(
                            TokioIo::new(stream),
                            TowerToHyperService::new(app.clone()),
                        );
                        connections.spawn(drive(connection, closing_signal.clone()));
                    }
                    Err(e) if is_about_one_connection(&e) => {}
                    Err(e) => {
                        // EMFILE and the like: connections wait in the backlog while the
                        // header timeout frees descriptors. Say so once per streak.
                        if !failing_since_last_accept {
                            tracing::warn!("cannot accept connections for now: {e}");
                            failing_since_last_accept = true;
                        }
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                }
            }
        }
    }

    // Refuse new connections, then ask the open ones to finish their request and close.
    drop(listener);
    let _ = closing.send(true);
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = connections.len(),
            "dropping the connections still open after the shutdown grace period"
        );
    }
    // Aborts whatever is left and waits for the tasks to go, which closes their sockets.
    connections.shutdown().await;
}

type Connection = http1::Connection<TokioIo<TcpStream>, TowerToHyperService<Router>>;

/// Serves one connection to its end, closing it gracefully (after the request in flight,
/// if any) once `closing` turns true.
async fn drive(connection: Connection, mut closing: watch::Receiver<bool>) {
    tokio::pin!(connection);
    let ended = tokio::select! {
        ended = connection.as_mut() => ended,
        // (The guard `wait_for` returns is dropped inside, before the await below.)
        () = async { drop(closing.wait_for(|closing| *closing).await) } => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = ended {
        // A client that went away or was too slow: nothing anyone needs to act on.
        tracing::debug!("connection ended: {e}");
    }
}

/// Errors of `accept` that concern only the connection being accepted.
fn is_about_one_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}
