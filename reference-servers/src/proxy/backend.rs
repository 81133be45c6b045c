//! One backend of the proxy: a raw Streamable HTTP JSON-RPC client.
//!
//! Why by hand and not rmcp's client: this crate builds rmcp without its
//! client features, and the proxy needs very little of a client (initialize,
//! requests, reading a JSON or SSE answer, the session id) while having to
//! control exactly which headers go out: the backend's own, from the
//! config, never the frontend client's.
//!
//! Bounded: every request has [`TIMEOUT`]; at most [`MAX_BODY`] bytes of an
//! answer are read.

use std::{
    sync::atomic::{AtomicI64, Ordering},
    time::Duration,
};

use reqwest::{
    StatusCode,
    header::{HeaderMap, HeaderName, HeaderValue},
};
use serde_json::{Value, json};

/// Bound on one backend exchange.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Most bytes read from one backend answer.
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// The revision the proxy speaks to its backends when its frontend client
/// has not negotiated one with a handshake (2026-07-28 is stateless).
pub const BACKEND_VERSION: &str = "2025-11-25";

/// Why an exchange with a backend failed (not a JSON-RPC error: those are
/// answers).
#[derive(Debug, Clone, thiserror::Error)]
pub enum BackendError {
    /// Unreachable, timed out, or broke off.
    #[error("{0}")]
    Transport(String),
    /// The backend no longer knows the session (HTTP 404).
    #[error("session expired")]
    SessionGone,
    /// An answer that is not what MCP promises.
    #[error("bad answer: {0}")]
    Protocol(String),
}

/// A backend as configured.
#[derive(Debug)]
pub struct Backend {
    /// The namespace and the name errors carry.
    pub name: String,
    url: String,
    /// The backend's own headers (its credentials) from the config.
    headers: HeaderMap,
    client: reqwest::Client,
}

/// One open session with a backend.
#[derive(Debug)]
pub struct BackendSession {
    id: Option<String>,
    /// The revision this session negotiated, sent as MCP-Protocol-Version.
    version: String,
    next_id: AtomicI64,
}

/// A JSON-RPC error the backend answered with.
#[derive(Debug, Clone)]
pub struct RpcError {
    pub code: i32,
    pub message: String,
    pub data: Option<Value>,
}

impl Backend {
    /// A backend at `url`, sending `headers` (name, value) on every request.
    pub fn new(name: String, url: String, headers: &[(String, String)]) -> Result<Self, String> {
        let mut map = HeaderMap::new();
        for (n, v) in headers {
            let n = HeaderName::from_bytes(n.as_bytes()).map_err(|e| format!("header {n:?}: {e}"))?;
            let v = HeaderValue::from_str(v).map_err(|e| format!("header {n}: {e}"))?;
            map.insert(n, v);
        }
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .tcp_nodelay(true)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { name, url, headers: map, client })
    }

    /// Opens a session at `version`: `initialize`, then
    /// `notifications/initialized`. The proxy asks for its frontend client's
    /// revision, so that a backend never sends what that client's revision
    /// cannot carry (a resource link to a 2025-03-26 client, say).
    pub async fn open(&self, version: &str) -> Result<BackendSession, BackendError> {
        let params = json!({
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "mcpcheck-proxy", "version": env!("CARGO_PKG_VERSION")},
        });
        let msg = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params});
        let (headers, answer) = self.post(None, version, &msg).await?;
        let answer = answer.ok_or_else(|| BackendError::Protocol("initialize was not answered".into()))?;
        if answer.get("result").is_none() {
            return Err(BackendError::Protocol(format!("initialize refused: {answer}")));
        }
        let id = headers.get("mcp-session-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let negotiated = answer.pointer("/result/protocolVersion").and_then(Value::as_str).unwrap_or(version);
        let session = BackendSession { id, version: negotiated.to_owned(), next_id: AtomicI64::new(1) };
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        self.post(session.id.as_deref(), &session.version, &note).await?;
        Ok(session)
    }

    /// Sends `method` in `session`: the result, or the backend's JSON-RPC error.
    pub async fn request(
        &self,
        session: &BackendSession,
        method: &str,
        params: Value,
    ) -> Result<Result<Value, RpcError>, BackendError> {
        let id = session.next_id.fetch_add(1, Ordering::Relaxed);
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let (_, answer) = self.post(session.id.as_deref(), &session.version, &msg).await?;
        let answer = answer.ok_or_else(|| BackendError::Protocol(format!("{method} was not answered")))?;
        if let Some(result) = answer.get("result") {
            return Ok(Ok(result.clone()));
        }
        let error = answer.get("error").ok_or_else(|| BackendError::Protocol(answer.to_string()))?;
        Ok(Err(RpcError {
            code: error
                .get("code")
                .and_then(Value::as_i64)
                .and_then(|c| i32::try_from(c).ok())
                .unwrap_or(-32603),
            message: error.get("message").and_then(Value::as_str).unwrap_or("error").to_owned(),
            data: error.get("data").cloned(),
        }))
    }

    /// Ends `session` (best effort: the backend forgets it either way).
    pub async fn close(&self, session: &BackendSession) {
        if let Some(id) = &session.id {
            let _ = self
                .client
                .delete(&self.url)
                .headers(self.headers.clone())
                .header("mcp-session-id", id)
                .send()
                .await;
        }
    }

    /// POSTs `msg`; the response headers and the JSON-RPC response to it
    /// (`None` for a notification's 202).
    async fn post(
        &self,
        session: Option<&str>,
        version: &str,
        msg: &Value,
    ) -> Result<(HeaderMap, Option<Value>), BackendError> {
        let mut req = self
            .client
            .post(&self.url)
            .headers(self.headers.clone())
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(msg.to_string());
        if let Some(id) = session {
            req = req.header("mcp-session-id", id).header("mcp-protocol-version", version);
        }
        let mut response = req.send().await.map_err(|e| BackendError::Transport(e.to_string()))?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND && session.is_some() {
            return Err(BackendError::SessionGone);
        }
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| BackendError::Transport(e.to_string()))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(BackendError::Protocol(format!("answer larger than {MAX_BODY} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        if status == StatusCode::ACCEPTED {
            return Ok((headers, None));
        }
        if !status.is_success() && body.is_empty() {
            return Err(BackendError::Protocol(format!("HTTP {status}")));
        }
        let id = msg.get("id");
        let is_sse = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/event-stream"));
        let candidates: Vec<Value> = if is_sse {
            sse_data(&body).filter_map(|d| serde_json::from_str(&d).ok()).collect()
        } else {
            serde_json::from_slice(&body).ok().into_iter().collect()
        };
        let answer = candidates
            .into_iter()
            .find(|m| m.get("id") == id && (m.get("result").is_some() || m.get("error").is_some()));
        match answer {
            Some(a) => Ok((headers, Some(a))),
            None if id.is_none() => Ok((headers, None)),
            None => Err(BackendError::Protocol(format!("HTTP {status} without a response"))),
        }
    }
}

/// The `data` of each event in an SSE body (multi-line data joined by `\n`).
fn sse_data(body: &[u8]) -> impl Iterator<Item = String> + '_ {
    let text = String::from_utf8_lossy(body).replace("\r\n", "\n");
    let events: Vec<String> = text
        .split("\n\n")
        .filter_map(|event| {
            let data: Vec<&str> = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect();
            (!data.is_empty()).then(|| data.join("\n"))
        })
        .collect();
    events.into_iter()
}
