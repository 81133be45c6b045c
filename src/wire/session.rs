//! One conversation with a server at one protocol revision, over either
//! transport: the handshake and session id on 2025-03-26..2025-11-25, the
//! per-request `_meta` envelope and routing headers on 2026-07-28.
//!
//! Checks drive a `Session` but can override every automatic part (omit the
//! session id, send a wrong version header, send a body that is not JSON), since
//! most checks exist to see what a server does when a client gets it wrong.

use super::http::{HttpReply, HttpRequest, HttpTarget, Until, Watch};
use super::record::Recorder;
use super::stdio::{StdioConn, StdioReply};
use super::{Limits, WireError, jsonrpc};
use crate::spec::SpecVersion;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

pub const CLIENT_NAME: &str = "mcpcheck";

/// Where the server is.
#[derive(Debug, Clone)]
pub enum Endpoint {
    Http(Arc<HttpTarget>),
    Stdio { command: String, limits: Limits },
}

impl Endpoint {
    pub fn describe(&self) -> String {
        match self {
            Endpoint::Http(t) => t.url.clone(),
            Endpoint::Stdio { command, .. } => format!("stdio: {command}"),
        }
    }
    pub fn is_http(&self) -> bool {
        matches!(self, Endpoint::Http(_))
    }
    /// The same endpoint reached over new connections (stdio: a new process
    /// per session anyway).
    pub fn fresh(&self) -> Result<Endpoint, WireError> {
        Ok(match self {
            Endpoint::Http(t) => Endpoint::Http(Arc::new(t.fresh()?)),
            other => other.clone(),
        })
    }
}

/// What to send for an automatic header.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum HeaderChoice {
    #[default]
    Auto,
    Omit,
    Value(String),
}

/// Overrides for one message.
#[derive(Debug, Clone, Default)]
pub struct SendOpts {
    pub session_id: HeaderChoice,
    pub protocol_version: HeaderChoice,
    /// Added last; replace headers of the same name.
    pub headers: Vec<(String, String)>,
    /// The bound on this exchange instead of the limits' timeout (tool calls
    /// get `--tool-timeout`).
    pub timeout: Option<Duration>,
}

/// What came back for one message, whatever the transport.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub http: Option<HttpReply>,
    pub stdio: Option<StdioReply>,
    pub messages: Vec<Value>,
    pub undecodable: Vec<String>,
}

impl Reply {
    fn from_http(r: HttpReply) -> Self {
        Reply { messages: r.messages.clone(), undecodable: r.undecodable.clone(), http: Some(r), stdio: None }
    }
    fn from_stdio(r: StdioReply) -> Self {
        Reply { messages: r.messages.clone(), undecodable: r.undecodable.clone(), http: None, stdio: Some(r) }
    }
    pub fn status(&self) -> Option<u16> {
        self.http.as_ref().map(|h| h.status)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.http.as_ref().and_then(|h| h.header(name))
    }
    pub fn response_to(&self, id: &Value) -> Option<&Value> {
        self.messages.iter().find(|m| jsonrpc::is_response_to(m, id))
    }
    /// A one-line account of the answer, for `actual` in a verdict.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(h) = &self.http {
            parts.push(format!("HTTP {}", h.status));
            if let Some(ct) = h.header("content-type") {
                parts.push(format!("Content-Type {ct}"));
            }
        }
        match self.messages.as_slice() {
            [] if self.undecodable.is_empty() => parts.push("no JSON-RPC message".into()),
            [] => {}
            [one] => parts.push(jsonrpc::clip(&one.to_string(), 300)),
            many => parts.push(format!(
                "{} messages: {}",
                many.len(),
                jsonrpc::clip(&json!(many).to_string(), 300)
            )),
        }
        if let Some(u) = self.undecodable.first() {
            parts.push(format!("not JSON: {u}"));
        }
        parts.join(", ")
    }
}

/// A request that was sent, with its id and what came back.
#[derive(Debug, Clone)]
pub struct Answered {
    pub id: Value,
    pub reply: Reply,
}

impl Answered {
    pub fn response(&self) -> Option<&Value> {
        self.reply.response_to(&self.id)
    }
    pub fn result(&self) -> Option<&Value> {
        self.response().and_then(|r| r.get("result"))
    }
    pub fn error_code(&self) -> Option<i64> {
        self.response().and_then(jsonrpc::error_code)
    }
}

/// A request cancelled while in flight (see [`Session::request_cancelled`]).
#[derive(Debug, Clone)]
pub struct Cancelled {
    pub id: Value,
    /// What came back for the request: its HTTP answer (stream), or on stdio
    /// every line read from the request until the end of the wait.
    pub reply: Reply,
    /// Whether `notifications/cancelled` was sent (a message of the answer
    /// was accepted by the trigger before the response came).
    pub cancel_sent: bool,
    /// The HTTP answer to the cancellation's own POST.
    pub cancel_reply: Option<Reply>,
}

/// Why a session could not be opened.
#[derive(Debug, Clone, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error("initialize was not answered with a result: {0}")]
    Rejected(String),
}

enum Conn {
    Http(Arc<HttpTarget>),
    Stdio(Box<StdioConn>),
}

pub struct Session {
    conn: Conn,
    pub version: SpecVersion,
    pub session_id: Option<String>,
    /// The initialize response, once the handshake has been made.
    pub initialize: Option<Value>,
    next_id: i64,
    pub rec: Recorder,
}

impl Session {
    /// A connection with no handshake made (stdio: the process is started).
    pub fn connect(endpoint: &Endpoint, version: SpecVersion, rec: Recorder) -> Result<Session, WireError> {
        let conn = match endpoint {
            Endpoint::Http(t) => Conn::Http(t.clone()),
            Endpoint::Stdio { command, limits } => Conn::Stdio(Box::new(StdioConn::spawn(command, *limits)?)),
        };
        Ok(Session { conn, version, session_id: None, initialize: None, next_id: 1, rec })
    }

    /// A ready session: on handshake revisions `initialize` (at `version`) and
    /// `notifications/initialized` are sent; on 2026-07-28 there is nothing to do.
    pub async fn open(
        endpoint: &Endpoint,
        version: SpecVersion,
        rec: Recorder,
    ) -> Result<Session, OpenError> {
        let mut s = Session::connect(endpoint, version, rec)?;
        if version.has_handshake() {
            let init = s.initialize(version.as_str()).await?;
            if init.result().is_none() {
                return Err(OpenError::Rejected(init.reply.summary()));
            }
            s.notify("notifications/initialized", None).await?;
        }
        Ok(s)
    }

    /// Sends `initialize` asking for `requested`; keeps the session id and the
    /// response. Does not send `notifications/initialized`.
    pub async fn initialize(&mut self, requested: &str) -> Result<Answered, WireError> {
        let answered = self.request("initialize", Some(initialize_params(requested))).await?;
        if let Some(id) = answered.reply.header("mcp-session-id") {
            self.session_id = Some(id.to_string());
        }
        if let Some(r) = answered.response().filter(|r| r.get("result").is_some()) {
            self.initialize = Some(r.clone());
        }
        Ok(answered)
    }

    pub fn is_http(&self) -> bool {
        matches!(self.conn, Conn::Http(_))
    }

    /// Another handle on this HTTP session (same target, session id, version
    /// and recorder), to send requests concurrently with this one: each send
    /// takes its own connection. `None` on stdio, where one process carries
    /// one stream. Its ids count from `first_id`: give each twin its own
    /// range, as requests in flight together on a session need distinct ids.
    pub fn http_twin(&self, first_id: i64) -> Option<Session> {
        let Conn::Http(t) = &self.conn else { return None };
        Some(Session {
            conn: Conn::Http(t.clone()),
            version: self.version,
            session_id: self.session_id.clone(),
            initialize: self.initialize.clone(),
            next_id: first_id,
            rec: self.rec.clone(),
        })
    }

    /// The HTTP URL of the target, when the session speaks HTTP.
    pub fn http_url(&self) -> Option<&str> {
        self.http_target().map(|t| t.url.as_str())
    }

    /// A fresh integer id.
    pub fn next_id(&mut self) -> Value {
        json!(self.next_id_number())
    }

    /// A fresh integer id, as a number.
    pub fn next_id_number(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The HTTP target, when the session speaks HTTP (for [`super::lean`]).
    pub(super) fn http_target(&self) -> Option<&Arc<HttpTarget>> {
        match &self.conn {
            Conn::Http(t) => Some(t),
            Conn::Stdio(_) => None,
        }
    }

    /// The headers sent with `msg` when nothing is overridden.
    pub(super) fn headers_for(&self, msg: &Value) -> Vec<(String, String)> {
        self.auto_headers(Some(msg), &SendOpts::default())
    }

    /// The params of a request as this revision sends them: on 2026-07-28 with
    /// the `_meta` envelope (protocol version, client info, client capabilities).
    pub fn params(&self, params: Option<Value>) -> Option<Value> {
        if self.version.has_handshake() {
            return params;
        }
        let mut p = match params {
            Some(Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        let meta = p.entry("_meta").or_insert_with(|| json!({}));
        if let Some(m) = meta.as_object_mut() {
            m.insert("io.modelcontextprotocol/protocolVersion".into(), json!(self.version.as_str()));
            m.insert(
                "io.modelcontextprotocol/clientInfo".into(),
                json!({"name": CLIENT_NAME, "version": env!("CARGO_PKG_VERSION")}),
            );
            m.entry("io.modelcontextprotocol/clientCapabilities").or_insert_with(|| json!({}));
        }
        Some(Value::Object(p))
    }

    /// Sends a request (enveloped for the revision) and reads its response.
    pub async fn request(&mut self, method: &str, params: Option<Value>) -> Result<Answered, WireError> {
        self.request_with(method, params, &SendOpts::default()).await
    }

    pub async fn request_with(
        &mut self,
        method: &str,
        params: Option<Value>,
        opts: &SendOpts,
    ) -> Result<Answered, WireError> {
        let id = self.next_id();
        self.request_with_id(id, method, params, opts).await
    }

    pub async fn request_with_id(
        &mut self,
        id: Value,
        method: &str,
        params: Option<Value>,
        opts: &SendOpts,
    ) -> Result<Answered, WireError> {
        let msg = jsonrpc::request(id.clone(), method, self.params(params));
        let reply = self.send_value(&msg, opts).await?;
        Ok(Answered { id, reply })
    }

    /// Sends a request and, as soon as `trigger` accepts a message of its
    /// answer (a progress notification, say), `notifications/cancelled` for it
    /// (over HTTP as a POST of its own while the request's stream stays open);
    /// then waits up to `window` for a response to the request. A trigger
    /// later than `window` after the request cancels nothing (so the wait
    /// after a cancellation is never shorter than `window`).
    pub async fn request_cancelled(
        &mut self,
        method: &str,
        params: Option<Value>,
        window: Duration,
        trigger: fn(&Value) -> bool,
    ) -> Result<Cancelled, WireError> {
        let id = self.next_id();
        let msg = jsonrpc::request(id.clone(), method, self.params(params));
        let cancel = jsonrpc::notification(
            "notifications/cancelled",
            self.params(Some(json!({"requestId": id, "reason": "mcpcheck: cancellation check"}))),
        );
        let rec = self.rec.clone();
        let opts = SendOpts::default();
        let (req_headers, cancel_headers) =
            (self.auto_headers(Some(&msg), &opts), self.auto_headers(Some(&cancel), &opts));
        match &mut self.conn {
            Conn::Http(t) => {
                let t = t.clone();
                let mut req = HttpRequest::post(msg.to_string(), Until::ResponseTo(id.clone()));
                req.headers = req_headers;
                let mut creq = HttpRequest::post(cancel.to_string(), Until::End);
                creq.headers = cancel_headers;
                let (tap, mut seen) = tokio::sync::mpsc::unbounded_channel();
                let started = tokio::time::Instant::now();
                let read = t.send_watched(req, Watch { tap, window: window * 2 }, &rec);
                let cancelling = async {
                    while let Some(m) = seen.recv().await {
                        if !trigger(&m) {
                            continue;
                        }
                        if started.elapsed() > window {
                            return None;
                        }
                        // Messages read in the same chunk are queued already: a
                        // response among them means there is nothing to cancel.
                        while let Ok(next) = seen.try_recv() {
                            if jsonrpc::is_response_to(&next, &id) {
                                return None;
                            }
                        }
                        return Some(t.send(creq, &rec).await);
                    }
                    None
                };
                let (read, cancelled) = tokio::join!(read, cancelling);
                let cancel_reply = cancelled.transpose()?.map(Reply::from_http);
                Ok(Cancelled {
                    reply: Reply::from_http(read?),
                    cancel_sent: cancel_reply.is_some(),
                    cancel_reply,
                    id,
                })
            }
            Conn::Stdio(c) => {
                // Until the trigger, the response, or `window`.
                let mut stop = |m: &Value| trigger(m);
                let first = c.send_until(&msg.to_string(), Some(&id), window, &mut stop, &rec).await?;
                let mut all = first.clone();
                let answered = first.messages.iter().any(|m| jsonrpc::is_response_to(m, &id));
                let cancel_sent = !answered && first.messages.last().is_some_and(trigger);
                if cancel_sent {
                    let then =
                        c.send_until(&cancel.to_string(), Some(&id), window, &mut |_| false, &rec).await?;
                    all.lines.extend(then.lines);
                    all.messages.extend(then.messages);
                    all.undecodable.extend(then.undecodable);
                    all.eof = then.eof;
                }
                Ok(Cancelled { id, reply: Reply::from_stdio(all), cancel_sent, cancel_reply: None })
            }
        }
    }

    pub async fn notify(&mut self, method: &str, params: Option<Value>) -> Result<Reply, WireError> {
        let msg = jsonrpc::notification(method, self.params(params));
        self.send_value(&msg, &SendOpts::default()).await
    }

    /// Sends any JSON value as the body; headers are derived from it.
    pub async fn send_value(&mut self, msg: &Value, opts: &SendOpts) -> Result<Reply, WireError> {
        let until = match jsonrpc::kind(msg) {
            jsonrpc::Kind::Request => msg.get("id").cloned(),
            _ => None,
        };
        self.send_text(msg.to_string(), until, Some(msg), opts).await
    }

    /// Sends `body` as is. `until`: the request id whose response ends the read.
    /// `msg`: the message the body carries, to derive 2026-07-28 routing headers.
    pub async fn send_text(
        &mut self,
        body: String,
        until: Option<Value>,
        msg: Option<&Value>,
        opts: &SendOpts,
    ) -> Result<Reply, WireError> {
        match &mut self.conn {
            Conn::Stdio(c) => {
                let reply = match opts.timeout {
                    Some(t) => c.send_within(&body, until.as_ref(), t, &self.rec).await?,
                    None => c.send(&body, until.as_ref(), &self.rec).await?,
                };
                Ok(Reply::from_stdio(reply))
            }
            Conn::Http(t) => {
                let t = t.clone();
                let until = until.map(Until::ResponseTo).unwrap_or(Until::End);
                let mut req = HttpRequest::post(body, until);
                req.headers = self.auto_headers(msg, opts);
                let reply = match opts.timeout {
                    Some(within) => t.send_within(req, within, &self.rec).await?,
                    None => t.send(req, &self.rec).await?,
                };
                Ok(Reply::from_http(reply))
            }
        }
    }

    /// A bodiless HTTP request (GET or DELETE) on the endpoint, with this
    /// session's headers. `Err(Process)` on stdio, where it has no meaning.
    pub async fn http_bodiless(&mut self, method: Method, opts: &SendOpts) -> Result<Reply, WireError> {
        let Conn::Http(t) = &self.conn else {
            return Err(WireError::Process("HTTP methods do not apply to stdio".into()));
        };
        let t = t.clone();
        // A GET may open a stream that never ends: only its head is read.
        let until = if method == Method::GET { Until::Headers } else { Until::End };
        let req = HttpRequest { method, headers: self.auto_headers(None, opts), body: None, until };
        Ok(Reply::from_http(t.send(req, &self.rec).await?))
    }

    /// A POST of `msg` or, with no `msg`, a GET on the endpoint (with this
    /// session's headers), read until the server ends the body or `window`
    /// has passed, which is no error here: a GET stream may stay open for
    /// good, and a POST stream may linger after its response. For checks that
    /// look at a whole stream (SSE framing, resumption). `Err(Process)` on stdio.
    pub async fn http_read_window(
        &mut self,
        msg: Option<&Value>,
        opts: &SendOpts,
        window: Duration,
    ) -> Result<Reply, WireError> {
        let Conn::Http(t) = &self.conn else {
            return Err(WireError::Process("HTTP methods do not apply to stdio".into()));
        };
        let t = t.clone();
        let mut req = match msg {
            Some(m) => HttpRequest::post(m.to_string(), Until::End),
            None => HttpRequest { method: Method::GET, headers: Vec::new(), body: None, until: Until::End },
        };
        req.headers = self.auto_headers(msg, opts);
        // Nobody listens to the tap: the whole answer is looked at afterwards.
        let (tap, _unheard) = tokio::sync::mpsc::unbounded_channel();
        Ok(Reply::from_http(t.send_watched(req, Watch { tap, window }, &self.rec).await?))
    }

    /// Sends `msg` (as is) and reads what comes back until the response to it,
    /// the end of the answer, or `window`, which is no error here: a stream
    /// that stays open by design (`subscriptions/listen`'s) is read this
    /// long. Both transports: over HTTP the POST's answer, over stdio every
    /// line read meanwhile.
    pub async fn request_window(&mut self, msg: &Value, window: Duration) -> Result<Reply, WireError> {
        if self.is_http() {
            return self.http_read_window(Some(msg), &SendOpts::default(), window).await;
        }
        let rec = self.rec.clone();
        let Conn::Stdio(c) = &mut self.conn else {
            return Err(WireError::Process("no transport".into()));
        };
        let id = msg.get("id").cloned();
        let read = c.send_until(&msg.to_string(), id.as_ref(), window, &mut |_| false, &rec).await?;
        Ok(Reply::from_stdio(read))
    }

    /// Access to the stdio process, for transport checks.
    pub fn stdio(&mut self) -> Option<&mut StdioConn> {
        match &mut self.conn {
            Conn::Stdio(c) => Some(c),
            Conn::Http(_) => None,
        }
    }

    fn auto_headers(&self, msg: Option<&Value>, opts: &SendOpts) -> Vec<(String, String)> {
        let mut h = Vec::new();
        let session = match &opts.session_id {
            HeaderChoice::Auto => self.session_id.clone(),
            HeaderChoice::Omit => None,
            HeaderChoice::Value(v) => Some(v.clone()),
        };
        if let Some(s) = session {
            h.push(("Mcp-Session-Id".to_string(), s));
        }
        // The header exists from 2025-06-18 on; it is sent once the version is
        // known: after initialize, or always on 2026-07-28.
        let auto_version = self.version.has_version_header()
            && (self.initialize.is_some() || !self.version.has_handshake())
            && !is_initialize(msg);
        let version = match &opts.protocol_version {
            HeaderChoice::Auto => auto_version.then(|| self.version.as_str().to_string()),
            HeaderChoice::Omit => None,
            HeaderChoice::Value(v) => Some(v.clone()),
        };
        if let Some(v) = version {
            h.push(("MCP-Protocol-Version".to_string(), v));
        }
        if !self.version.has_handshake()
            && let Some(m) = msg
        {
            h.extend(routing_headers(m));
        }
        h.extend(opts.headers.iter().cloned());
        h
    }
}

/// The params of mcpcheck's `initialize` request.
pub fn initialize_params(requested: &str) -> Value {
    json!({
        "protocolVersion": requested,
        "capabilities": {},
        "clientInfo": {"name": CLIENT_NAME, "version": env!("CARGO_PKG_VERSION")}
    })
}

fn is_initialize(msg: Option<&Value>) -> bool {
    msg.and_then(|m| m.get("method")).and_then(Value::as_str) == Some("initialize")
}

/// 2026-07-28 `Mcp-Method` and `Mcp-Name` headers mirrored from the body.
pub fn routing_headers(msg: &Value) -> Vec<(String, String)> {
    let mut h = Vec::new();
    let Some(method) = msg.get("method").and_then(Value::as_str) else { return h };
    h.push(("Mcp-Method".to_string(), method.to_string()));
    let key = match method {
        "tools/call" | "prompts/get" => "name",
        "resources/read" => "uri",
        // SEP-2663: task requests are routed by their task id.
        "tasks/get" | "tasks/update" | "tasks/cancel" => "taskId",
        _ => return h,
    };
    if let Some(name) = msg.get("params").and_then(|p| p.get(key)).and_then(Value::as_str) {
        h.push(("Mcp-Name".to_string(), header_safe(name)));
    }
    h
}

/// Plain visible ASCII goes as is; anything else in the Base64 sentinel form
/// the 2026-07-28 transport defines (`=?base64?…?=`).
pub fn header_safe(value: &str) -> String {
    let plain = value.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !value.starts_with(' ')
        && !value.ends_with(' ')
        && !value.starts_with("=?base64?");
    if plain {
        value.to_string()
    } else {
        use base64::Engine;
        format!("=?base64?{}?=", base64::engine::general_purpose::STANDARD.encode(value))
    }
}
