//! A stdio backend: a child process per backend session, JSON-RPC as one
//! message per line on its stdin and stdout (the MCP stdio transport).
//!
//! A stdio server has exactly one session, the life of its process, so each
//! frontend session that reaches this backend starts its own process, as it
//! opens its own session with an HTTP backend; stateless frontend requests
//! share the processes of the proxy's bounded pool ([`super::pool`]). A reader task owns stdout:
//! responses go to the request waiting for their id, notifications to the
//! frontend session ([`Relay`]), and requests from the backend are answered
//! (`ping` with an empty result, anything else -32601: the proxy declares no
//! client capabilities). When the process exits, every waiting request fails
//! and the session is forgotten, so the next call starts a new process.
//!
//! Bounded: lines of at most [`MAX_BODY`] bytes (a longer one ends the
//! session), [`TIMEOUT`] per request; the process is killed when the session
//! is dropped. Its stderr is discarded.

use std::{
    collections::HashMap,
    process::Stdio,
    sync::{Arc, Mutex},
};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    process::{Child, ChildStdin, Command},
    sync::oneshot,
};

use super::backend::{BackendError, MAX_BODY, TIMEOUT};
use super::relay::Relay;

/// A stdio backend as configured: the command that starts it.
#[derive(Debug, Clone)]
pub(super) struct StdioBackend {
    pub(super) command: String,
    pub(super) args: Vec<String>,
    pub(super) env: Vec<(String, String)>,
}

/// Requests waiting for their response; `None` once the process's output
/// has ended, so that no request waits for a response that cannot come.
type Pending = Arc<Mutex<Option<HashMap<i64, oneshot::Sender<Value>>>>>;

/// Where the notifications a process writes go: its session's relay (a
/// frontend session's), or, for a process the proxy's pool shares among
/// stateless requests ([`super::pool`]), the relay of the request in flight
/// they belong to. A progress notification belongs to the request that sent
/// its token; anything else to the one request in flight, if there is just
/// one (it cannot be told apart otherwise). Two requests in flight with the
/// same token (from different frontend clients) are not told apart either.
#[derive(Debug, Default)]
struct Routes {
    session: Option<Relay>,
    /// Requests in flight: their progress token and their relay.
    in_flight: Mutex<HashMap<i64, (Option<Value>, Relay)>>,
}

impl Routes {
    fn pick(&self, msg: &Value) -> Option<Relay> {
        let in_flight = self.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(token) = msg.pointer("/params/progressToken")
            && let Some((_, relay)) = in_flight.values().find(|(t, _)| t.as_ref() == Some(token))
        {
            return Some(relay.clone());
        }
        if let Some(relay) = &self.session {
            return Some(relay.clone());
        }
        let mut all = in_flight.values();
        match (all.next(), all.next()) {
            (Some((_, relay)), None) => Some(relay.clone()),
            _ => None,
        }
    }
}

/// Removes a request from [`Routes::in_flight`] when it ends, however it ends.
struct InFlight<'a>(&'a Routes, i64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&self.1);
    }
}

/// One running backend process.
#[derive(Debug)]
pub(super) struct StdioSession {
    stdin: Arc<tokio::sync::Mutex<ChildStdin>>,
    pending: Pending,
    routes: Arc<Routes>,
    reader: tokio::task::AbortHandle,
    _child: Child,
}

impl Drop for StdioSession {
    fn drop(&mut self) {
        // `_child` is killed on drop (kill_on_drop).
        self.reader.abort();
    }
}

impl StdioBackend {
    /// Starts the process; messages that are not responses go to `relay`.
    pub(super) fn spawn(&self, relay: Option<Relay>) -> Result<StdioSession, BackendError> {
        let mut child = Command::new(&self.command)
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| BackendError::Transport(format!("cannot start {:?}: {e}", self.command)))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(BackendError::Transport("no pipes to the backend process".into()));
        };
        let stdin = Arc::new(tokio::sync::Mutex::new(stdin));
        let pending: Pending = Arc::new(Mutex::new(Some(HashMap::new())));
        let routes = Arc::new(Routes { session: relay, in_flight: Mutex::default() });
        let reader = tokio::spawn(read_lines(stdout, pending.clone(), stdin.clone(), routes.clone()));
        Ok(StdioSession { stdin, pending, routes, reader: reader.abort_handle(), _child: child })
    }
}

impl StdioSession {
    /// Whether the process's output has ended (it exited): no request can
    /// be answered in this session any more.
    pub(super) fn is_dead(&self) -> bool {
        self.pending.lock().map_or(true, |p| p.is_none())
    }

    /// Sends request `id` and waits for its response; notifications that
    /// belong to it meanwhile go to `relay` ([`Routes`]).
    pub(super) async fn request(
        &self,
        id: i64,
        msg: &Value,
        relay: Option<&Relay>,
    ) -> Result<Value, BackendError> {
        let _in_flight = relay.map(|relay| {
            let token = msg.pointer("/params/_meta/progressToken").cloned();
            let mut in_flight =
                self.routes.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            in_flight.insert(id, (token, relay.clone()));
            InFlight(&self.routes, id)
        });
        let (tx, rx) = oneshot::channel();
        match self.pending.lock().ok().as_deref_mut().and_then(Option::as_mut) {
            Some(pending) => pending.insert(id, tx),
            None => return Err(BackendError::Transport("the backend process exited".into())),
        };
        let sent = self.send(msg).await;
        let answer = match sent {
            Ok(()) => tokio::time::timeout(TIMEOUT, rx).await,
            Err(e) => {
                self.forget(id);
                return Err(e);
            }
        };
        match answer {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(_)) => Err(BackendError::Transport("the backend process exited".into())),
            Err(_) => {
                self.forget(id);
                Err(BackendError::Transport(format!("no answer within {TIMEOUT:?}")))
            }
        }
    }

    fn forget(&self, id: i64) {
        if let Ok(mut pending) = self.pending.lock()
            && let Some(pending) = pending.as_mut()
        {
            pending.remove(&id);
        }
    }

    /// Writes one message line.
    pub(super) async fn send(&self, msg: &Value) -> Result<(), BackendError> {
        write_line(&self.stdin, msg).await
    }
}

async fn write_line(stdin: &tokio::sync::Mutex<ChildStdin>, msg: &Value) -> Result<(), BackendError> {
    let mut line = msg.to_string();
    line.push('\n');
    let mut stdin = stdin.lock().await;
    let write = async {
        stdin.write_all(line.as_bytes()).await?;
        stdin.flush().await
    };
    match tokio::time::timeout(TIMEOUT, write).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(BackendError::Transport(format!("the backend process: {e}"))),
        Err(_) => Err(BackendError::Transport("the backend process does not read its input".into())),
    }
}

/// The reader task: until end of output (or a line over the bound).
async fn read_lines(
    stdout: tokio::process::ChildStdout,
    pending: Pending,
    stdin: Arc<tokio::sync::Mutex<ChildStdin>>,
    routes: Arc<Routes>,
) {
    let mut reader = BufReader::new(stdout);
    let mut line = Vec::new();
    loop {
        line.clear();
        let limit = (MAX_BODY + 1) as u64;
        match (&mut reader).take(limit).read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) if line.last() != Some(&b'\n') && line.len() > MAX_BODY => break,
            Ok(_) => {}
        }
        let Ok(msg) = serde_json::from_slice::<Value>(&line) else { continue };
        let id = msg.get("id").cloned();
        match (msg.get("method"), id) {
            // A response: to the request waiting for it.
            (None, Some(id)) => {
                let waiter = id.as_i64().and_then(|id| pending.lock().ok()?.as_mut()?.remove(&id));
                if let Some(tx) = waiter {
                    let _ = tx.send(msg);
                }
            }
            // A request from the backend.
            (Some(method), Some(id)) => {
                let answer = if method == "ping" {
                    json!({"jsonrpc": "2.0", "id": id, "result": {}})
                } else {
                    json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "the proxy offers no client features"}})
                };
                let _ = write_line(&stdin, &answer).await;
            }
            (Some(_), None) => {
                if let Some(relay) = routes.pick(&msg) {
                    relay.forward(&msg).await;
                }
            }
            (None, None) => {}
        }
    }
    // Waiting requests see their sender dropped, and later ones are refused:
    // the process is gone.
    if let Ok(mut pending) = pending.lock() {
        *pending = None;
    }
}
