//! stdio transport: spawn the server, newline-delimited JSON-RPC on its stdin
//! and stdout, stderr kept (bounded) for the report; the child is killed when
//! the connection is dropped.

use super::record::Exchange;
use super::record::{self, Recorder};
use super::{Limits, WireError, jsonrpc};
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;

/// What arrives on stdout: a line, or why the stream stopped.
#[derive(Debug, PartialEq)]
pub(super) enum Line {
    Text(String),
    TooLong,
    Eof,
}

/// Stderr is kept up to this many bytes.
const STDERR_CAP: usize = 64 * 1024;

/// How long `until: End` waits for unsolicited output after a notification.
pub const SETTLE: Duration = Duration::from_millis(200);

pub struct StdioConn {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<Line>,
    stderr: Arc<Mutex<Vec<u8>>>,
    pub command: String,
    limits: Limits,
    closed: bool,
}

/// What came back for one message sent.
#[derive(Debug, Clone, Default)]
pub struct StdioReply {
    /// Every stdout line read, as text.
    pub lines: Vec<String>,
    pub messages: Vec<Value>,
    pub undecodable: Vec<String>,
    /// stdout reached end of file (the server exited or closed it).
    pub eof: bool,
}

impl StdioConn {
    pub fn spawn(command: &str, limits: Limits) -> Result<Self, WireError> {
        let argv = shlex::split(command)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| WireError::Process(format!("cannot parse command {command:?}")))?;
        let mut child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| WireError::Process(format!("cannot start {:?}: {e}", argv[0])))?;
        let stdout = child.stdout.take().ok_or(WireError::Process("no stdout".into()))?;
        let stderr_pipe = child.stderr.take().ok_or(WireError::Process("no stderr".into()))?;
        let (tx, rx) = mpsc::channel(256);
        tokio::spawn(read_lines(stdout, tx, limits.max_body_bytes));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        tokio::spawn(keep_stderr(stderr_pipe, stderr.clone()));
        Ok(StdioConn {
            stdin: child.stdin.take(),
            child,
            lines: rx,
            stderr,
            command: command.to_string(),
            limits,
            closed: false,
        })
    }

    /// Writes one message (a line) and reads until the response to `until_id`
    /// arrives, or, with no id, what arrives within [`SETTLE`].
    pub async fn send(
        &mut self,
        body: &str,
        until_id: Option<&Value>,
        rec: &Recorder,
    ) -> Result<StdioReply, WireError> {
        let timeout = self.limits.timeout;
        self.send_within(body, until_id, timeout, rec).await
    }

    /// [`Self::send`] waiting up to `timeout` for the response instead of
    /// the limits' timeout (a tool call, which may take longer).
    pub async fn send_within(
        &mut self,
        body: &str,
        until_id: Option<&Value>,
        timeout: Duration,
        rec: &Recorder,
    ) -> Result<StdioReply, WireError> {
        let started = Instant::now();
        let mut reply = StdioReply::default();
        let result = self.exchange(body, until_id, timeout, &mut reply).await;
        self.record(rec, body, &reply, result.as_ref().err(), started);
        result.map(|()| reply)
    }

    /// Writes one message and reads until the response to `until_id`, until
    /// `stop` accepts a message read, or until `wait` has passed, which here
    /// is no error: for checks that act while a request is in flight (cancel
    /// it) or that expect no answer and wait this long for one.
    pub async fn send_until(
        &mut self,
        body: &str,
        until_id: Option<&Value>,
        wait: Duration,
        stop: &mut (dyn FnMut(&Value) -> bool + Send),
        rec: &Recorder,
    ) -> Result<StdioReply, WireError> {
        let started = Instant::now();
        let mut reply = StdioReply::default();
        let wait = wait.min(self.limits.timeout);
        let result = match self.write_line(body).await {
            Ok(()) => self.read_into(until_id, wait, true, stop, &mut reply).await,
            Err(e) => Err(e),
        };
        self.record(rec, body, &reply, result.as_ref().err(), started);
        result.map(|()| reply)
    }

    /// Writes one request and reads until its response (bounded by
    /// `timeout`), answering every request the server sends meanwhile with
    /// the line `answer` makes of it: the handshake revisions' sampling,
    /// elicitation and roots requests arrive on stdout while a tool call is
    /// in flight. Each answer written is recorded as an exchange of its own.
    pub async fn send_answering(
        &mut self,
        body: &str,
        until_id: &Value,
        timeout: Duration,
        answer: &mut (dyn FnMut(&Value) -> Value + Send),
        rec: &Recorder,
    ) -> Result<StdioReply, WireError> {
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + timeout;
        let mut reply = StdioReply::default();
        let is_server_request = |v: &Value| jsonrpc::kind(v) == jsonrpc::Kind::Request;
        let mut result = self.write_line(body).await;
        let mut handled = 0;
        while result.is_ok() {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            result =
                self.read_into(Some(until_id), left, false, &mut |v| is_server_request(v), &mut reply).await;
            if result.is_err() || reply.messages.iter().any(|m| jsonrpc::is_response_to(m, until_id)) {
                break;
            }
            let asked: Vec<Value> =
                reply.messages[handled..].iter().filter(|m| is_server_request(m)).cloned().collect();
            handled = reply.messages.len();
            for request in asked {
                let line = answer(&request).to_string();
                let written = self.write_line(&line).await;
                self.record(rec, &line, &StdioReply::default(), written.as_ref().err(), Instant::now());
                if let Err(e) = written {
                    result = Err(e);
                    break;
                }
            }
        }
        self.record(rec, body, &reply, result.as_ref().err(), started);
        result.map(|()| reply)
    }

    /// Records one message written and every line read for it.
    fn record(
        &self,
        rec: &Recorder,
        body: &str,
        reply: &StdioReply,
        error: Option<&WireError>,
        started: Instant,
    ) {
        rec.push(Exchange {
            transport: "stdio".into(),
            request: record::request("SEND", &format!("stdio: {}", self.command), BTreeMap::new(), body),
            response: (!reply.lines.is_empty())
                .then(|| record::response(None, BTreeMap::new(), reply.lines.join("\n").as_bytes())),
            error: error.map(|e| e.to_string()),
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        });
    }

    async fn exchange(
        &mut self,
        body: &str,
        until_id: Option<&Value>,
        timeout: Duration,
        reply: &mut StdioReply,
    ) -> Result<(), WireError> {
        self.write_line(body).await?;
        let wait = match until_id {
            Some(_) => timeout,
            None => SETTLE.min(timeout),
        };
        self.read_into(until_id, wait, until_id.is_none(), &mut |_| false, reply).await
    }

    async fn write_line(&mut self, body: &str) -> Result<(), WireError> {
        let stdin = self.stdin.as_mut().ok_or(WireError::Closed)?;
        let mut line = body.replace('\n', " ");
        line.push('\n');
        let write = async {
            stdin.write_all(line.as_bytes()).await?;
            stdin.flush().await
        };
        tokio::time::timeout(self.limits.timeout, write)
            .await
            .map_err(|_| WireError::Timeout(self.limits.timeout))?
            .map_err(|e| WireError::Process(format!("writing to stdin: {e}")))
    }

    /// Reads lines into `reply` until the response to `until_id`, a message
    /// `stop` accepts, or `wait` (an error unless `elapse_ok`).
    async fn read_into(
        &mut self,
        until_id: Option<&Value>,
        wait: Duration,
        elapse_ok: bool,
        stop: &mut (dyn FnMut(&Value) -> bool + Send),
        reply: &mut StdioReply,
    ) -> Result<(), WireError> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = tokio::time::timeout_at(deadline, self.lines.recv()).await;
            let line = match next {
                Err(_) if elapse_ok => return Ok(()),
                Err(_) => return Err(WireError::Timeout(self.limits.timeout)),
                Ok(None) | Ok(Some(Line::Eof)) => {
                    reply.eof = true;
                    self.closed = true;
                    return if until_id.is_some() { Err(WireError::Closed) } else { Ok(()) };
                }
                Ok(Some(Line::TooLong)) => return Err(WireError::TooLarge(self.limits.max_body_bytes)),
                Ok(Some(Line::Text(t))) => t,
            };
            match serde_json::from_str::<Value>(&line) {
                Ok(v) => {
                    // A line holding a batch (2025-03-26) carries several messages.
                    let items = match v {
                        Value::Array(items) => items,
                        one => vec![one],
                    };
                    let mut done = false;
                    for v in items {
                        done |= until_id.is_some_and(|id| jsonrpc::is_response_to(&v, id)) || stop(&v);
                        reply.messages.push(v);
                    }
                    reply.lines.push(line);
                    if done {
                        return Ok(());
                    }
                }
                Err(e) => {
                    reply.undecodable.push(format!("stdout line {}: {e}", jsonrpc::clip(&line, 80)));
                    reply.lines.push(line);
                }
            }
            if reply.lines.len() > self.limits.max_sse_events {
                return Err(WireError::TooManyEvents(self.limits.max_sse_events));
            }
        }
    }

    /// Closes stdin and waits (bounded) for the process to exit; kills it if it
    /// does not. Returns the exit status, or `None` when it had to be killed.
    pub async fn close(&mut self, grace: Duration) -> Option<std::process::ExitStatus> {
        self.stdin = None;
        match tokio::time::timeout(grace, self.child.wait()).await {
            Ok(Ok(status)) => Some(status),
            _ => {
                let _ = self.child.kill().await;
                None
            }
        }
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

/// Reads `stdout` (the child's; any reader in tests) as lines of at most `cap`
/// bytes each, newline included, into `tx`; ends with [`Line::Eof`] or
/// [`Line::TooLong`].
pub(super) async fn read_lines(
    stdout: impl tokio::io::AsyncRead + Unpin,
    tx: mpsc::Sender<Line>,
    cap: usize,
) {
    let mut reader = BufReader::new(stdout);
    loop {
        let mut buf = Vec::new();
        // `take` bounds one line: a server that never sends a newline cannot
        // make us buffer without end.
        // A read error ends the stream like end of file does.
        let n: usize =
            (&mut reader).take(cap as u64 + 1).read_until(b'\n', &mut buf).await.unwrap_or_default();
        if n == 0 {
            let _ = tx.send(Line::Eof).await;
            return;
        }
        if buf.len() > cap {
            let _ = tx.send(Line::TooLong).await;
            return;
        }
        while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            buf.pop();
        }
        if tx.send(Line::Text(String::from_utf8_lossy(&buf).into_owned())).await.is_err() {
            return;
        }
    }
}

async fn keep_stderr(mut pipe: tokio::process::ChildStderr, store: Arc<Mutex<Vec<u8>>>) {
    let mut chunk = [0u8; 4096];
    while let Ok(n) = pipe.read(&mut chunk).await {
        if n == 0 {
            return;
        }
        if let Ok(mut s) = store.lock() {
            let room = STDERR_CAP.saturating_sub(s.len());
            s.extend_from_slice(&chunk[..n.min(room)]);
        }
    }
}
