//! The accept loop: axum's, with the connection limits it does not expose.
//!
//! `axum::serve` builds each hyper connection with defaults and no timer, so
//! hyper's header read timeout never runs: a client that opens a connection
//! and sends nothing, or dribbles its headers a byte at a time, holds it for
//! ever. axum offers no hook for hyper's builder (its docs send such servers
//! to hyper-util), so this loop is hand-written, small, and made of
//! hyper-util's parts: the same shape as axum's (one task per connection,
//! TCP_NODELAY, graceful shutdown that stops accepting and drains), with
//! hyper's HTTP/1 builder set from [`Limits`] and the in-flight cap and the
//! request deadline wrapped around the whole app. HTTP/1 only, as axum is
//! built in this workspace.

use std::future::Future;

use axum::{
    Router,
    body::Body,
    http::Request,
    serve::{Listener, ListenerExt},
};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tower::{ServiceBuilder, ServiceExt};

use super::limits::{self, Limits};

/// Serves `app` on `listener` within `limits` until `shutdown` resolves, then
/// stops accepting and waits for open connections to finish (each is told to
/// close once its current response is written).
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: &Limits,
    faults: &crate::faults::FaultSet,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    // Outermost first: refusals answer what the cap sheds and what the
    // deadline cuts; the cap sheds (never queues) past max_in_flight.
    let service = ServiceBuilder::new()
        .layer(limits::refusals(limits))
        .load_shed()
        .concurrency_limit(limits.max_in_flight)
        .timeout(limits.request_timeout)
        .service(app)
        .map_request(|req: Request<Incoming>| req.map(Body::new));
    let service = TowerToHyperService::new(service);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes)
        .max_headers(limits.max_headers);
    let mut listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::warn!(%error, "could not set TCP_NODELAY");
        }
    });
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // axum's Listener::accept retries (and backs off on) accept errors
        // such as running out of file descriptors, so it never fails.
        let (io, _peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let io = super::header_faults::Respelled::new(io, faults);
        let connection = graceful.watch(http.serve_connection(TokioIo::new(io), service.clone()));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
