//! The robustness faults: a server that fails, hangs or lets one client
//! block the others on hostile input, each the fault of one `robustness/`
//! check in mcpcheck. Middleware in front of everything else, installed only
//! when one of these faults is on, so the clean server's path is untouched.
//!
//! Each fault is narrow on purpose: it misbehaves on the hostile input its
//! check sends and on nothing an ordinary request carries, so the fault
//! matrix sees exactly that check fail.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::faults::{Fault, FaultSet};

/// Bodies larger than this are passed on unread (the layer behind refuses
/// them); smaller ones are read so the faults can look at them.
const READ_CAP: usize = 8 * 1024 * 1024;
/// Unknown methods one session may send before `robustness-unknown-burst-500`
/// starts failing them.
const UNKNOWN_BURST: usize = 300;
/// MCP's methods; anything else is unknown to this server.
const KNOWN: &[&str] = &[
    "initialize",
    "ping",
    "server/discover",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
    "subscriptions/listen",
];

/// The robustness faults.
const FAULTS: &[Fault] = &[
    Fault::RobustnessOversized500,
    Fault::RobustnessNestingHang,
    Fault::RobustnessUtf8Fails,
    Fault::RobustnessHeader500,
    Fault::RobustnessSlowBodyBlocks,
    Fault::RobustnessUnknownBurst500,
    Fault::RobustnessLongId500,
    Fault::RobustnessEchoesHtml,
    Fault::RobustnessSessionCap500,
];

/// Sessions `robustness-session-cap-500` lets be made, ever.
const SESSION_CAP: usize = 150;

/// Whether any robustness fault is on (only then is the middleware installed).
pub(crate) fn any(faults: &FaultSet) -> bool {
    FAULTS.iter().any(|f| faults.contains(*f))
}

/// What the faults remember between requests.
pub(crate) struct Robustness {
    faults: FaultSet,
    /// `robustness-slow-body-blocks`: one body read at a time, server-wide.
    reading: tokio::sync::Mutex<()>,
    /// `robustness-unknown-burst-500`: unknown methods per session.
    unknown: Mutex<HashMap<String, usize>>,
    /// `robustness-session-cap-500`: initializes served, never forgotten.
    initialized: std::sync::atomic::AtomicUsize,
}

impl Robustness {
    pub(crate) fn new(faults: FaultSet) -> Arc<Self> {
        Arc::new(Robustness {
            faults,
            reading: tokio::sync::Mutex::new(()),
            unknown: Mutex::default(),
            initialized: std::sync::atomic::AtomicUsize::new(0),
        })
    }
    fn on(&self, f: Fault) -> bool {
        self.faults.contains(f)
    }
}

fn fail() -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, "internal server error").into_response()
}

/// The longest run of `[` or `{` in a body: its nesting depth, near enough.
fn nesting(bytes: &[u8]) -> usize {
    let (mut run, mut best) = (0usize, 0usize);
    for b in bytes {
        run = if matches!(b, b'[' | b'{') { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

pub(crate) async fn layer(State(r): State<Arc<Robustness>>, req: Request, next: Next) -> Response {
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    if r.on(Fault::RobustnessOversized500) && length > 1024 * 1024 {
        return fail();
    }
    if r.on(Fault::RobustnessHeader500) && req.headers().values().any(|v| v.len() > 8 * 1024) {
        return fail();
    }
    if length > READ_CAP || req.method() != axum::http::Method::POST {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = {
        let _one_at_a_time = match r.on(Fault::RobustnessSlowBodyBlocks) {
            true => Some(r.reading.lock().await),
            false => None,
        };
        match to_bytes(body, READ_CAP).await {
            Ok(b) => b,
            Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response(),
        }
    };
    if r.on(Fault::RobustnessNestingHang) && nesting(&bytes) > 10_000 {
        // A parser that never comes back: the request is never answered
        // within any client's bound.
        tokio::time::sleep(Duration::from_secs(120)).await;
        return fail();
    }
    if r.on(Fault::RobustnessUtf8Fails) && std::str::from_utf8(&bytes).is_err() {
        return fail();
    }
    let msg: Option<Value> = serde_json::from_slice(&bytes).ok();
    let method = msg.as_ref().and_then(|m| m.get("method")).and_then(Value::as_str).unwrap_or_default();
    if r.on(Fault::RobustnessLongId500)
        && msg.as_ref().and_then(|m| m.get("id")).and_then(Value::as_str).is_some_and(|id| id.len() > 1024)
    {
        return fail();
    }
    if r.on(Fault::RobustnessSessionCap500) && method == "initialize" {
        // A session table that never shrinks, and fails once it is full.
        let n = r.initialized.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n >= SESSION_CAP {
            return fail();
        }
    }
    if r.on(Fault::RobustnessEchoesHtml) && method.contains('<') {
        let page = format!("<html><body><p>unknown method {method}</p></body></html>");
        return (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "text/html")], page).into_response();
    }
    // Counted per session only: a count across sessionless (2026-07-28)
    // requests would fail other clients' unknown methods too.
    let session = parts.headers.get("mcp-session-id").and_then(|v| v.to_str().ok());
    if let Some(session) = session.filter(|_| r.on(Fault::RobustnessUnknownBurst500))
        && !method.is_empty()
        && !KNOWN.contains(&method)
    {
        let mut counts = r.unknown.lock().unwrap_or_else(|p| p.into_inner());
        let n = counts.entry(session.to_string()).or_default();
        *n += 1;
        if *n > UNKNOWN_BURST {
            return fail();
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn nesting_is_the_longest_run_of_openers() {
        assert_eq!(super::nesting(br#"{"a":[[[1]]]}"#), 3);
        assert_eq!(super::nesting(b"plain"), 0);
    }
}
