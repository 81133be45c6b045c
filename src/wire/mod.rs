//! The raw client: JSON-RPC over Streamable HTTP or stdio, exactly as sent and
//! received, every exchange bounded and recorded.
//!
//! Layers: [`jsonrpc`] (message helpers) and [`sse`] (event-stream parser) are
//! pure; [`http`] and [`stdio`] move bytes under [`Limits`]; [`session`] speaks
//! one protocol revision on top of either (handshake, session id, the 2026-07-28
//! envelope); [`record`] keeps what happened for the report (its records are
//! the report's exchanges), with [`redact`]'s rules applied at the source. [`lean`] is the
//! load generator's exception: one fixed call, judged and not recorded. [`raw`]
//! writes the hostile requests of the robustness checks byte by byte.
//! [`param_headers`] mirrors `x-mcp-header` tool arguments into headers.

#[cfg(test)]
mod fuzz;
mod h1;
pub mod http;
pub mod jsonrpc;
pub mod lean;
pub mod param_headers;
pub mod raw;
pub mod record;
pub mod redact;
pub mod routing;
pub mod session;
pub mod sse;
pub mod stdio;

use std::time::Duration;

/// Bounds on every exchange, so a hostile server can slow mcpcheck, never hang it.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Whole exchange: connect, send, and read the full answer.
    pub timeout: Duration,
    /// Bytes of one HTTP body or one stdio line.
    pub max_body_bytes: usize,
    /// Events read from one SSE stream.
    pub max_sse_events: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { timeout: Duration::from_secs(10), max_body_bytes: 4 << 20, max_sse_events: 1000 }
    }
}

/// Transport-level trouble. A check that meets one reports `error` (the harness
/// could not observe the behaviour), never `pass`.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum WireError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("HTTP error: {0}")]
    Http(String),
    #[error("answer larger than the {0}-byte cap")]
    TooLarge(usize),
    #[error("more than {0} SSE events in one stream")]
    TooManyEvents(usize),
    #[error("the server process: {0}")]
    Process(String),
    #[error("the server closed the connection before answering")]
    Closed,
}
