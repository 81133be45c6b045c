//! Bounds that keep an HTTP reference server up under abuse.
//!
//! Users copy these servers, and mcpcheck points load and fault traffic at
//! them, so a client that floods, dribbles or piles up sessions must get a
//! clear refusal instead of growing the server's memory or starving other
//! clients. Each bound is one field of [`Limits`], with its default beside it:
//!
//! * request bodies: at most [`Limits::max_body`] bytes, else 413 (tower-http's
//!   `RequestBodyLimit`, which refuses a too-large `Content-Length` before
//!   reading a byte; the layer's own buffering uses the same cap);
//! * JSON nesting: serde_json refuses input nested deeper than 128 levels
//!   (its recursion limit, on unless the `unbounded_depth` feature is, which
//!   nothing in this workspace turns on), so a body of 100,000 `[` is a 400
//!   Parse error at the 129th, never a deep recursion;
//! * request heads: at most [`Limits::max_header_bytes`] bytes and
//!   [`Limits::max_headers`] fields, else hyper answers 431;
//! * slow or silent connections: hyper closes a connection that has not sent
//!   a complete request head within [`Limits::header_read_timeout`] of
//!   starting to wait for one (on a fresh connection and between keep-alive
//!   requests alike, not while a response such as an SSE stream is being
//!   written), and a request that has no response head within
//!   [`Limits::request_timeout`] (a body dribbled byte by byte) gets 408;
//! * in-flight requests: past [`Limits::max_in_flight`] a request is shed at
//!   once with 503 rather than queued (a permit is held until the response
//!   head, so open SSE streams do not count);
//! * MCP sessions: a session idle for [`Limits::session_idle`] is dropped
//!   (rmcp's session keep-alive), and past [`Limits::max_sessions`] live ones
//!   an `initialize` gets 503 with a JSON-RPC error naming the bound
//!   (`sessions.rs`).

use std::time::Duration;

use axum::{
    BoxError,
    body::Body,
    error_handling::HandleErrorLayer,
    http::{HeaderValue, Response, StatusCode, header},
};
use serde_json::{Value, json};

/// The JSON-RPC error code of a refusal for load: the implementation-defined
/// server error range (-32000 to -32099) of JSON-RPC 2.0.
pub const BUSY_CODE: i64 = -32000;

/// How far a client may push an HTTP reference server; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body, in bytes; default [`Limits::MAX_BODY`] (4 MiB,
    /// rmcp's own limit).
    pub max_body: usize,
    /// Largest request head (request line and header fields), in bytes;
    /// default [`Limits::MAX_HEADER_BYTES`] (128 KiB: well above the
    /// authorized server's 16 KiB token limit, so an oversized token up to
    /// that size still gets its 401 `invalid_token` saying why, rather than a
    /// bare 431; hyper's own cap without this is about 400 KiB).
    pub max_header_bytes: usize,
    /// Most header fields in one request; default [`Limits::MAX_HEADERS`] (100,
    /// hyper's own).
    pub max_headers: usize,
    /// Longest wait for a complete request head; default
    /// [`Limits::HEADER_READ_TIMEOUT`] (10 s).
    pub header_read_timeout: Duration,
    /// Longest time from a request's arrival to its response head; default
    /// [`Limits::REQUEST_TIMEOUT`] (60 s, above the proxy's 10 s backend
    /// timeout and any tool of the reference servers).
    pub request_timeout: Duration,
    /// Most requests handled at once; default [`Limits::MAX_IN_FLIGHT`]
    /// (1024: the project's benchmarks run hundreds of users).
    pub max_in_flight: usize,
    /// Most live MCP sessions; default [`Limits::MAX_SESSIONS`] (10,000).
    pub max_sessions: usize,
    /// How long a session may go without a message before it is dropped;
    /// default [`Limits::SESSION_IDLE`] (5 minutes, rmcp's own default).
    pub session_idle: Duration,
}

impl Limits {
    pub const MAX_BODY: usize = 4 * 1024 * 1024;
    pub const MAX_HEADER_BYTES: usize = 128 * 1024;
    pub const MAX_HEADERS: usize = 100;
    pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
    pub const MAX_IN_FLIGHT: usize = 1024;
    pub const MAX_SESSIONS: usize = 10_000;
    pub const SESSION_IDLE: Duration = Duration::from_secs(300);
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body: Self::MAX_BODY,
            max_header_bytes: Self::MAX_HEADER_BYTES,
            max_headers: Self::MAX_HEADERS,
            header_read_timeout: Self::HEADER_READ_TIMEOUT,
            request_timeout: Self::REQUEST_TIMEOUT,
            max_in_flight: Self::MAX_IN_FLIGHT,
            max_sessions: Self::MAX_SESSIONS,
            session_idle: Self::SESSION_IDLE,
        }
    }
}

/// A JSON-RPC error response with `status`, for refusals that happen before
/// any handler has read the request (so the id is unknown: null).
pub(crate) fn jsonrpc_refusal(status: StatusCode, id: Value, message: &str) -> Response<Body> {
    let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": BUSY_CODE, "message": message}});
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The layer that turns the in-flight cap's and the deadline's errors into
/// answers: 503 when shed, 408 when the request took too long.
pub(crate) fn refusals(
    limits: &Limits,
) -> HandleErrorLayer<impl Fn(BoxError) -> Refusal + Clone + use<>, ()> {
    let (in_flight, deadline) = (limits.max_in_flight, limits.request_timeout);
    HandleErrorLayer::new(move |error: BoxError| {
        let response = if error.is::<tower::load_shed::error::Overloaded>() {
            let message = format!(
                "Server busy: {in_flight} requests in flight, the most this server handles at once; retry shortly"
            );
            jsonrpc_refusal(StatusCode::SERVICE_UNAVAILABLE, Value::Null, &message)
        } else if error.is::<tower::timeout::error::Elapsed>() {
            let message = format!("Request timeout: no answer within {} s", deadline.as_secs_f64());
            jsonrpc_refusal(StatusCode::REQUEST_TIMEOUT, Value::Null, &message)
        } else {
            jsonrpc_refusal(StatusCode::INTERNAL_SERVER_ERROR, Value::Null, "internal error")
        };
        std::future::ready(response)
    })
}

/// What [`refusals`] answers with.
pub(crate) type Refusal = std::future::Ready<Response<Body>>;
