//! Serving the plain server over Streamable HTTP, with faults.
//!
//! rmcp's `StreamableHttpService` does the protocol work. Around it sits one
//! axum handler ([`layer`]) that first corrects the few places where rmcp
//! departs from the specification and then, only when faults are switched
//! on, rewrites requests and responses to commit exactly those faults.
//! Every server here is served within [`Limits`] ([`limits`] says which and
//! why), so a client under attack gets refused instead of the server falling
//! over.

mod header_faults;
mod layer;
pub mod limits;
#[cfg(test)]
mod limits_tests;
mod messages;
mod robustness_faults;
mod serve;
mod sessions;
mod stateless_faults;
mod task_listen;
mod tasks_faults;
mod transport_faults;

use std::{future::Future, sync::Arc};

use axum::{
    Router,
    body::Body,
    http::{Request, Response},
    routing::any,
};
use futures::future::BoxFuture;
use rmcp::{
    ServerHandler,
    transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService},
};
use tokio_util::sync::CancellationToken;
use tower_http::limit::RequestBodyLimitLayer;

pub use self::limits::Limits;

use crate::{faults::FaultSet, plain::PlainServer};

/// How to serve the plain server over HTTP.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// The MCP endpoint path; default `/mcp`.
    pub path: String,
    /// The faults to commit; default none (the clean server).
    pub faults: FaultSet,
    /// How far a client may push the server; default [`Limits::default`]
    /// (4 MiB bodies, 10 s to send a request head, 1024 requests in flight,
    /// 10,000 sessions, each dropped after 5 minutes idle; see [`Limits`]).
    pub limits: Limits,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self { path: "/mcp".to_owned(), faults: FaultSet::default(), limits: Limits::default() }
    }
}

/// Default options at this path: `"/mcp".into()`.
impl From<&str> for HttpOptions {
    fn from(path: &str) -> Self {
        Self { path: path.to_owned(), ..Self::default() }
    }
}

/// Default options at this path.
impl From<String> for HttpOptions {
    fn from(path: String) -> Self {
        Self { path, ..Self::default() }
    }
}

impl HttpOptions {
    /// Options for `path` with these faults and the default limits.
    pub fn new(path: impl Into<String>, faults: FaultSet) -> Self {
        Self { path: path.into(), faults, limits: Limits::default() }
    }

    /// Default options with these faults.
    pub fn with_faults(faults: FaultSet) -> Self {
        Self { faults, ..Self::default() }
    }
}

/// Origins a local server accepts (any port, http and https).
const LOOPBACK_ORIGINS: [&str; 6] = [
    "http://localhost:*",
    "http://127.0.0.1:*",
    "http://[::1]:*",
    "https://localhost:*",
    "https://127.0.0.1:*",
    "https://[::1]:*",
];

/// The rmcp service the layer wraps, boxed so that any handler type fits
/// (the plain server, and the mounted, composed, OpenAPI and proxied ones).
/// Called by reference through rmcp's `handle(&self)`: its tower `call`
/// clones the whole service for every request, host and origin lists
/// included, and a boxed clonable service clones it once more.
pub(crate) type Inner = Arc<dyn Fn(Request<Body>) -> BoxFuture<'static, Response<Body>> + Send + Sync>;

/// An axum router serving the plain server at `opts.path`.
pub fn plain_router(opts: HttpOptions) -> Router {
    router_with_cancel(opts, CancellationToken::new())
}

fn router_with_cancel(opts: HttpOptions, cancel: CancellationToken) -> Router {
    let handler = PlainServer::with_faults(opts.faults.clone());
    mcp_router(move || Ok(handler.clone()), opts, cancel)
}

/// An axum router serving, at `opts.path`, a fresh handler from `factory` for
/// each session, behind the same corrections (and `opts.faults`) as the plain
/// server. `cancel` ends rmcp's sessions and streams: pass the token given to
/// [`serve_router`] so one shutdown stops everything. Request bodies, live
/// sessions and session idle time are bounded by `opts.limits`; the
/// connection limits are [`serve_router_with`]'s.
pub fn mcp_router<H>(
    factory: impl Fn() -> std::io::Result<H> + Send + Sync + 'static,
    opts: HttpOptions,
    cancel: CancellationToken,
) -> Router
where
    H: ServerHandler + Send + 'static,
{
    // Defaults keep rmcp's loopback-only Host validation (DNS rebinding
    // protection); legacy sessions serve 2025-03-26..2025-11-25, and
    // 2026-07-28 requests are always served statelessly.
    // Origin validation ("Servers MUST validate the Origin header on all
    // incoming connections"): rmcp checks none unless given a list; browsers on
    // this machine's loopback names are the only legitimate origins.
    // JSON answers: a 2026-07-28 request whose handler sends nothing before
    // its response is answered with one JSON object ("either ...
    // text/event-stream ... or application/json", both allowed), which rmcp
    // writes with a Content-Length in one piece; a handler that notifies or
    // asks first still gets an SSE stream. The handshake revisions' sessions
    // always answer on SSE (rmcp applies this only to stateless requests).
    // Faults that bend SSE bodies keep 2026-07-28 answers on SSE.
    let json_answers = !transport_faults::bends_sse_bodies(&opts.faults);
    let config = StreamableHttpServerConfig::default()
        .with_json_response(json_answers)
        .with_legacy_session_mode(true)
        .with_allowed_origins(LOOPBACK_ORIGINS)
        .with_cancellation_token(cancel);
    let sessions = Arc::new(sessions::BoundedSessions::new(&opts.limits));
    let service = Arc::new(StreamableHttpService::new(factory, sessions.clone(), config));
    let inner: Inner = Arc::new(move |req| {
        let service = service.clone();
        Box::pin(async move { service.handle(req).await.map(Body::new) })
    });
    let robustness =
        robustness_faults::any(&opts.faults).then(|| robustness_faults::Robustness::new(opts.faults.clone()));
    let state = Arc::new(layer::Shared::new(inner, sessions, opts.faults, &opts.limits));
    // axum panics on a route without a leading slash; accept "mcp" too.
    let path = if opts.path.starts_with('/') { opts.path } else { format!("/{}", opts.path) };
    // 413 for a declared Content-Length past the cap before a byte is read;
    // the layer's own buffering of POST bodies stops at the same cap.
    let router = Router::new()
        .route(&path, any(layer::handle))
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(opts.limits.max_body));
    // The robustness faults sit outside everything, the body cap included.
    match robustness {
        Some(r) => router.layer(axum::middleware::from_fn_with_state(r, robustness_faults::layer)),
        None => router,
    }
}

/// Serves the plain server on an already-bound listener until `shutdown`
/// resolves, within `opts.limits`. Sets TCP_NODELAY on every accepted socket.
pub async fn serve_plain_http(
    listener: tokio::net::TcpListener,
    opts: HttpOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let cancel = CancellationToken::new();
    let limits = opts.limits.clone();
    let faults = opts.faults.clone();
    let app = router_with_cancel(opts, cancel.clone());
    serve_router_faulty(listener, app, cancel, &limits, &faults, shutdown).await
}

/// Serves the handlers `factory` makes over Streamable HTTP at `opts.path`,
/// behind the plain server's corrections, within `opts.limits`, until
/// `shutdown` resolves: what the composed, OpenAPI and proxied servers share.
/// `"/mcp".into()` is the path with no faults and the default limits.
pub async fn serve_handler_http<H>(
    listener: tokio::net::TcpListener,
    factory: impl Fn() -> H + Send + Sync + 'static,
    opts: HttpOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    H: ServerHandler + Send + 'static,
{
    let cancel = CancellationToken::new();
    let limits = opts.limits.clone();
    let app = mcp_router(move || Ok(factory()), opts, cancel.clone());
    serve_router_with(listener, app, cancel, &limits, shutdown).await
}

/// Serves `app` on an already-bound listener until `shutdown` resolves, then
/// cancels `cancel` (the token the app's MCP routers were built with) and
/// drains. Sets TCP_NODELAY on every accepted socket: MCP exchanges are small
/// request/response pairs that Nagle's algorithm would delay. Connections
/// and in-flight requests are bounded by the default [`Limits`].
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    app: Router,
    cancel: CancellationToken,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router_with(listener, app, cancel, &Limits::default(), shutdown).await
}

/// [`serve_router`] with these limits on connections (request head size and
/// read timeout) and requests (in flight at once, deadline). The body and
/// session limits belong to the routers: see [`mcp_router`].
pub async fn serve_router_with(
    listener: tokio::net::TcpListener,
    app: Router,
    cancel: CancellationToken,
    limits: &Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router_faulty(listener, app, cancel, limits, &FaultSet::clean(), shutdown).await
}

/// [`serve_router_with`], committing the faults that act on a connection's
/// bytes (see [`header_faults::Respelled`]).
async fn serve_router_faulty(
    listener: tokio::net::TcpListener,
    app: Router,
    cancel: CancellationToken,
    limits: &Limits,
    faults: &FaultSet,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Cancelling rmcp's token ends open SSE streams and sessions, so the
    // graceful shutdown does not wait forever on a client's GET stream.
    let on_shutdown = {
        let cancel = cancel.clone();
        async move {
            shutdown.await;
            cancel.cancel();
        }
    };
    let result = serve::serve(listener, app, limits, faults, on_shutdown).await;
    cancel.cancel();
    result
}
