//! One backend of the proxy, over either transport: a raw JSON-RPC client
//! that opens a session (`initialize`, `notifications/initialized`), sends
//! requests and notifications in it, and relays what the backend sends on
//! its own to the frontend session ([`Relay`]).
//!
//! The transports are [`super::http_backend`] (Streamable HTTP: POSTs, and
//! the session's GET stream) and [`super::stdio_backend`] (a child process
//! per session).

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use super::http_backend::{HttpBackend, HttpSession};
use super::relay::Relay;
use super::stdio_backend::{StdioBackend, StdioSession};

/// Bound on one backend exchange.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Most bytes read from one backend answer (or stdio line): the same cap as
/// on the bodies the reference servers accept.
pub const MAX_BODY: usize = crate::http::Limits::MAX_BODY;
/// The revision the proxy speaks to its backends when its frontend client
/// has not negotiated one with a handshake (2026-07-28 is stateless).
pub const BACKEND_VERSION: &str = "2025-11-25";

/// Why an exchange with a backend failed (not a JSON-RPC error: those are
/// answers).
#[derive(Debug, Clone, thiserror::Error)]
pub enum BackendError {
    /// Unreachable, timed out, broke off, or (stdio) the process exited.
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
    /// Whether its names are offered as they are, without `NAME_` (at most
    /// one backend; see [`super::config`]).
    pub unprefixed: bool,
    transport: Transport,
}

#[derive(Debug)]
enum Transport {
    Http(HttpBackend),
    Stdio(StdioBackend),
}

/// One open session with a backend.
#[derive(Debug)]
pub struct BackendSession {
    /// The revision this session negotiated, sent as MCP-Protocol-Version.
    version: String,
    next_id: AtomicI64,
    conn: Conn,
}

#[derive(Debug)]
enum Conn {
    Http(HttpSession),
    Stdio(StdioSession),
}

/// A JSON-RPC error the backend answered with.
#[derive(Debug, Clone)]
pub struct RpcError {
    pub code: i32,
    pub message: String,
    pub data: Option<Value>,
}

impl BackendSession {
    /// A fresh request id in this session.
    pub fn next_id(&self) -> i64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Whether this session can no longer answer (a stdio backend's process
    /// exited); an HTTP session is known dead only when a request fails.
    pub fn is_dead(&self) -> bool {
        match &self.conn {
            Conn::Http(_) => false,
            Conn::Stdio(s) => s.is_dead(),
        }
    }
}

impl Backend {
    /// A Streamable HTTP backend at `url`, sending `headers` (name, value) on
    /// every request.
    pub fn new(name: String, url: String, headers: &[(String, String)]) -> Result<Self, String> {
        Ok(Self { name, unprefixed: false, transport: Transport::Http(HttpBackend::new(url, headers)?) })
    }

    /// A stdio backend: `command` with `args` (and `env` added to the
    /// proxy's environment), one process per session.
    pub fn stdio(name: String, command: String, args: Vec<String>, env: Vec<(String, String)>) -> Self {
        Self { name, unprefixed: false, transport: Transport::Stdio(StdioBackend { command, args, env }) }
    }

    /// This backend, its names offered without `NAME_`.
    pub fn without_prefix(mut self) -> Self {
        self.unprefixed = true;
        self
    }

    /// Opens a session at `version`: `initialize`, then
    /// `notifications/initialized`. The proxy asks for its frontend client's
    /// revision, so that a backend never sends what that client's revision
    /// cannot carry (a resource link to a 2025-03-26 client, say). What the
    /// backend sends on its own in this session goes to `relay`.
    pub async fn open(&self, version: &str, relay: Option<Relay>) -> Result<BackendSession, BackendError> {
        let params = json!({
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "mcpcheck-proxy", "version": env!("CARGO_PKG_VERSION")},
        });
        let msg = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params});
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let negotiated = |answer: &Value| -> Result<String, BackendError> {
            if answer.get("result").is_none() {
                return Err(BackendError::Protocol(format!("initialize refused: {answer}")));
            }
            let v = answer.pointer("/result/protocolVersion").and_then(Value::as_str).unwrap_or(version);
            Ok(v.to_owned())
        };
        match &self.transport {
            Transport::Http(http) => {
                let (headers, answer) = http.post(None, version, &msg, None).await?;
                let answer =
                    answer.ok_or_else(|| BackendError::Protocol("initialize was not answered".into()))?;
                let version = negotiated(&answer)?;
                let id = headers.get("mcp-session-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
                http.post(id.as_deref(), &version, &note, None).await?;
                let listener = match (&id, relay) {
                    (Some(id), Some(relay)) => Some(http.listen(id.clone(), version.clone(), relay)),
                    _ => None,
                };
                let conn = Conn::Http(HttpSession { id, listener });
                Ok(BackendSession { version, next_id: AtomicI64::new(1), conn })
            }
            Transport::Stdio(stdio) => {
                let session = stdio.spawn(relay)?;
                let answer = session.request(0, &msg, None).await?;
                let version = negotiated(&answer)?;
                session.send(&note).await?;
                Ok(BackendSession { version, next_id: AtomicI64::new(1), conn: Conn::Stdio(session) })
            }
        }
    }

    /// Sends `method` in `session` with a fresh id.
    pub async fn request(
        &self,
        session: &BackendSession,
        method: &str,
        params: Value,
        relay: Option<&Relay>,
    ) -> Result<Result<Value, RpcError>, BackendError> {
        self.request_with_id(session, session.next_id(), method, params, relay).await
    }

    /// Sends request `id` (from [`BackendSession::next_id`]) in `session`:
    /// the result, or the backend's JSON-RPC error. Messages that come with
    /// the answer (HTTP) go to `relay`.
    pub async fn request_with_id(
        &self,
        session: &BackendSession,
        id: i64,
        method: &str,
        params: Value,
        relay: Option<&Relay>,
    ) -> Result<Result<Value, RpcError>, BackendError> {
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let answer = match (&self.transport, &session.conn) {
            (Transport::Http(http), Conn::Http(s)) => {
                let (_, answer) = http.post(s.id.as_deref(), &session.version, &msg, relay).await?;
                answer.ok_or_else(|| BackendError::Protocol(format!("{method} was not answered")))?
            }
            (Transport::Stdio(_), Conn::Stdio(s)) => s.request(id, &msg, relay).await?,
            _ => return Err(BackendError::Protocol("session of another transport".into())),
        };
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

    /// Sends the notification `method` in `session`.
    pub async fn notify(
        &self,
        session: &BackendSession,
        method: &str,
        params: Value,
    ) -> Result<(), BackendError> {
        let msg = json!({"jsonrpc": "2.0", "method": method, "params": params});
        match (&self.transport, &session.conn) {
            (Transport::Http(http), Conn::Http(s)) => {
                http.post(s.id.as_deref(), &session.version, &msg, None).await.map(|_| ())
            }
            (Transport::Stdio(_), Conn::Stdio(s)) => s.send(&msg).await,
            _ => Err(BackendError::Protocol("session of another transport".into())),
        }
    }

    /// Ends `session` (best effort: the backend forgets it either way; a
    /// stdio backend's process is killed when the session is dropped).
    pub async fn close(&self, session: &BackendSession) {
        if let (Transport::Http(http), Conn::Http(HttpSession { id: Some(id), .. })) =
            (&self.transport, &session.conn)
        {
            http.delete(id).await;
        }
    }
}
