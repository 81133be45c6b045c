//! The scripted MCP server a client under test talks to: one revision, one
//! [`Scenario`], on 127.0.0.1:0, recording every HTTP request exactly as it
//! arrived and what it was answered ([`Seen`]).
//!
//! It is written by hand on axum rather than on rmcp because it must do
//! what no SDK server does on purpose: expire a session on cue, cut an SSE
//! stream after its priming event, answer `input_required`, and keep
//! answering a client that breaks the rules so the checks can see how far
//! it goes. It serves on the reference servers' bounded accept loop
//! (header, body and request-time limits), so a hostile client can slow it
//! but not hold it.

use super::Scenario;

mod tools;
use crate::spec::SpecVersion;
use crate::wire::record::{self, Exchange};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The `retry` the SSE scenario asks for, in milliseconds.
pub const SSE_RETRY_MS: u64 = 500;
/// The event id of the priming event the SSE scenario sends.
pub const PRIMING_EVENT_ID: &str = "ev-1";
/// The MCP endpoint's path.
pub const MCP_PATH: &str = "/mcp";
/// Most requests recorded; past it the client is answered 429.
const MAX_SEEN: usize = 500;
/// Most `input_required` rounds answered before the call is refused.
const MAX_ROUNDS: u32 = 4;

/// One HTTP request the server received, and its answer.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Since the server started.
    pub at: Duration,
    pub method: String,
    /// The path and query the request was sent to (`/mcp`, `/token`, ...).
    pub path: String,
    /// Lower-case names, as received (not redacted: checks compare them).
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The JSON-RPC messages of the body: one, or a batch's.
    pub messages: Vec<Value>,
    pub batch: bool,
    pub status: u16,
    /// The report's view of it (redacted).
    pub exchange: Exchange,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// The JSON-RPC method of the (first) message, if it has one.
    pub fn rpc_method(&self) -> Option<&str> {
        self.messages.first().and_then(|m| m.get("method")).and_then(Value::as_str)
    }
    /// Whether the (first) message is a request (has an id and a method).
    pub fn is_request(&self) -> bool {
        self.messages.first().is_some_and(|m| m.get("method").is_some() && m.get("id").is_some())
    }
    /// A POST to the MCP endpoint.
    pub fn is_post(&self) -> bool {
        self.method == "POST" && self.to_mcp()
    }
    /// Whether it went to the MCP endpoint (not to the authorization side).
    pub fn to_mcp(&self) -> bool {
        self.path.split('?').next() == Some(MCP_PATH)
    }
    /// The query parameters of the path, or of a form body.
    pub fn form(&self, from_body: bool) -> HashMap<String, String> {
        let raw =
            if from_body { self.body.as_str() } else { self.path.split_once('?').map_or("", |(_, q)| q) };
        url::form_urlencoded::parse(raw.as_bytes()).into_owned().collect()
    }
    /// `method` and the line that identifies this request in a verdict.
    pub fn describe(&self) -> String {
        match self.rpc_method() {
            Some(m) if self.to_mcp() => format!("{} {m}", self.method),
            _ if self.to_mcp() => self.method.clone(),
            _ => format!("{} {}", self.method, self.path.split('?').next().unwrap_or("")),
        }
    }
}

/// What one scenario run left: the traffic, in arrival order, and how the
/// client process ended.
#[derive(Debug, Clone)]
pub struct Observed {
    pub version: SpecVersion,
    pub scenario: Scenario,
    pub seen: Vec<Seen>,
    /// When the SSE scenario's stream was cut (since the server started).
    pub sse_cut_at: Option<Duration>,
    /// The `requestState` the server issued, when it did.
    pub issued_state: Option<String>,
    /// The input request keys the server asked for.
    pub asked_inputs: Vec<String>,
    pub process: super::spawn::ProcessEnd,
}

impl Observed {
    /// The POSTs whose message is a JSON-RPC request.
    pub fn requests(&self) -> impl Iterator<Item = &Seen> {
        self.seen.iter().filter(|s| s.is_post() && s.is_request())
    }
    /// The report's exchanges.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.seen.iter().map(|s| s.exchange.clone()).collect()
    }
    /// The error a check returns when the client sent none of what it grades.
    pub fn nothing(&self, what: &str) -> crate::checks::Verdict {
        crate::checks::Verdict::Error(format!(
            "the client sent no {what} in scenario {} ({} request(s) in all; the client {})",
            self.scenario,
            self.seen.len(),
            self.process
        ))
    }
}

#[derive(Default)]
struct Live {
    /// Session id → whether `notifications/initialized` arrived.
    sessions: HashMap<String, bool>,
    next_session: u32,
    expired_once: bool,
    /// The SSE scenario's response, held for the GET that resumes.
    pending: Option<Value>,
    sse_cut_at: Option<Duration>,
    issued_state: Option<String>,
    asked_inputs: Vec<String>,
    rounds: u32,
    auth: super::scripted_auth::AuthState,
    /// The elicitation scenario's held tool call: its id, and the stream's
    /// tail, sent once the client answers.
    elicit: Option<(Value, tokio::sync::oneshot::Sender<String>)>,
    /// The request-metadata scenario has refused one request's version.
    version_refused: bool,
    seen: Vec<Seen>,
}

struct Shared {
    version: SpecVersion,
    scenario: Scenario,
    auth: Option<super::scenarios::AuthScript>,
    started: Instant,
    /// `http://127.0.0.1:PORT`.
    origin: String,
    /// The MCP endpoint: the origin and [`MCP_PATH`].
    url: String,
    live: Mutex<Live>,
}

/// A running scripted server.
pub struct Scripted {
    shared: Arc<Shared>,
    cancel: reference_servers::CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Scripted {
    pub async fn start(version: SpecVersion, scenario: Scenario) -> std::io::Result<Scripted> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let origin = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            version,
            scenario,
            auth: scenario.auth(),
            started: Instant::now(),
            url: format!("{origin}{MCP_PATH}"),
            origin,
            live: Mutex::default(),
        });
        let app = axum::Router::new().fallback(handle).with_state(shared.clone());
        let cancel = reference_servers::CancellationToken::new();
        let limits = reference_servers::Limits {
            max_body: 1024 * 1024,
            request_timeout: Duration::from_secs(10),
            ..reference_servers::Limits::default()
        };
        let stop = cancel.clone();
        let task = tokio::spawn(async move {
            let token = reference_servers::CancellationToken::new();
            let _ = reference_servers::serve_router_with(listener, app, token, &limits, async move {
                stop.cancelled().await
            })
            .await;
        });
        Ok(Scripted { shared, cancel, task })
    }

    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// Stops the server and hands over what it saw.
    pub async fn finish(self, process: super::spawn::ProcessEnd) -> Observed {
        self.cancel.cancel();
        // A connection the client left open must not hold the run.
        if tokio::time::timeout(Duration::from_secs(2), &mut { self.task }).await.is_err() {
            // The task is dropped with the runtime; nothing to wait for.
        }
        let mut live = self.shared.live.lock().unwrap_or_else(|e| e.into_inner());
        Observed {
            version: self.shared.version,
            scenario: self.shared.scenario,
            seen: std::mem::take(&mut live.seen),
            sse_cut_at: live.sse_cut_at,
            issued_state: live.issued_state.take(),
            asked_inputs: std::mem::take(&mut live.asked_inputs),
            process,
        }
    }
}

/// An answer before it is recorded.
struct Answer {
    status: StatusCode,
    headers: Vec<(&'static str, String)>,
    body: String,
    /// More of the body, sent when it arrives (within a bound).
    tail: Option<tokio::sync::oneshot::Receiver<String>>,
}

impl Answer {
    fn new(status: StatusCode, headers: Vec<(&'static str, String)>, body: String) -> Answer {
        Answer { status, headers, body, tail: None }
    }
    fn json(status: StatusCode, v: &Value) -> Answer {
        Answer::new(status, vec![("content-type", "application/json".into())], v.to_string())
    }
    fn empty(status: StatusCode) -> Answer {
        Answer::new(status, vec![], String::new())
    }
    fn sse(body: String) -> Answer {
        Answer::new(StatusCode::OK, vec![("content-type", "text/event-stream".into())], body)
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string());
    let at = shared.started.elapsed();
    let heads: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let text = String::from_utf8_lossy(&body).into_owned();
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let (messages, batch) = match &parsed {
        Some(Value::Array(items)) => (items.clone(), true),
        Some(v) => (vec![v.clone()], false),
        None => (vec![], false),
    };
    let mut live = shared.live.lock().unwrap_or_else(|e| e.into_inner());
    let answer = if live.seen.len() >= MAX_SEEN {
        Answer::json(StatusCode::TOO_MANY_REQUESTS, &error(None, -32000, "too many requests in one scenario"))
    } else {
        let req = Incoming {
            method: &method,
            path: &path,
            headers: &heads,
            body: &text,
            messages: &messages,
            batch,
            parsed: parsed.is_some(),
        };
        shared.answer(&mut live, &req, at)
    };
    let exchange = Exchange {
        transport: "http".into(),
        request: record::request(
            method.as_str(),
            &format!("{}{path}", shared.origin),
            record::headers(heads.iter().map(|(n, v)| (n.as_str(), v.clone()))),
            &text,
        ),
        response: Some(record::response(
            Some(answer.status.as_u16()),
            record::headers(answer.headers.iter().map(|(n, v)| (*n, v.clone()))),
            answer.body.as_bytes(),
        )),
        error: None,
        duration_ms: 0.0,
    };
    if live.seen.len() < MAX_SEEN {
        live.seen.push(Seen {
            at,
            method: method.as_str().to_string(),
            path,
            headers: heads,
            body: text,
            messages,
            batch,
            status: answer.status.as_u16(),
            exchange,
        });
    }
    drop(live);
    let body = match answer.tail {
        Some(tail) => {
            use futures::StreamExt;
            let first = futures::stream::once(std::future::ready(Ok::<_, std::io::Error>(answer.body)));
            let rest = futures::stream::once(async move {
                let hold = super::scripted_elicitation::HOLD;
                Ok(tokio::time::timeout(hold, tail).await.ok().and_then(Result::ok).unwrap_or_default())
            });
            axum::body::Body::from_stream(first.chain(rest))
        }
        None => axum::body::Body::from(answer.body),
    };
    let mut resp = (answer.status, body).into_response();
    for (n, v) in answer.headers {
        if let Ok(v) = v.parse() {
            resp.headers_mut().insert(n, v);
        }
    }
    resp
}

/// A request as the script reads it.
struct Incoming<'a> {
    method: &'a Method,
    path: &'a str,
    headers: &'a [(String, String)],
    body: &'a str,
    messages: &'a [Value],
    batch: bool,
    parsed: bool,
}

impl Incoming<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

impl Shared {
    fn answer(&self, live: &mut Live, req: &Incoming, at: Duration) -> Answer {
        let (path, query) = req.path.split_once('?').unwrap_or((req.path, ""));
        if let Some(script) = &self.auth {
            let a = if path == MCP_PATH {
                let method = req.messages.first().and_then(method_of);
                super::scripted_auth::gate(
                    &mut live.auth,
                    script,
                    &self.origin,
                    req.header("authorization"),
                    method,
                )
            } else {
                Some(super::scripted_auth::answer(
                    &mut live.auth,
                    script,
                    &self.origin,
                    req.method.as_str(),
                    path,
                    query,
                    req.body,
                ))
            };
            if let Some(a) = a {
                let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return Answer::new(status, a.headers, a.body);
            }
        }
        if path == REMOTE_SCHEMA_PATH && self.scenario == Scenario::SchemaRefNoDeref {
            // Served, so a client that does dereference gets an answer and
            // is seen doing so, rather than failing on a 404.
            return Answer::json(StatusCode::OK, &json!({"type": "number"}));
        }
        if path != MCP_PATH {
            return Answer::empty(StatusCode::NOT_FOUND);
        }
        match *req.method {
            Method::POST => self.post(live, req, at),
            Method::GET => self.get(live, req),
            Method::DELETE => match req.header("mcp-session-id") {
                Some(id) if live.sessions.remove(id).is_some() => Answer::empty(StatusCode::OK),
                Some(_) => Answer::empty(StatusCode::NOT_FOUND),
                None => Answer::empty(StatusCode::BAD_REQUEST),
            },
            _ => Answer::empty(StatusCode::METHOD_NOT_ALLOWED),
        }
    }

    fn post(&self, live: &mut Live, req: &Incoming, at: Duration) -> Answer {
        if !req.parsed {
            return Answer::json(StatusCode::BAD_REQUEST, &error(None, -32700, "parse error"));
        }
        if req.messages.is_empty() {
            return Answer::json(StatusCode::BAD_REQUEST, &error(None, -32600, "empty batch"));
        }
        if req.batch && self.version > SpecVersion::V2025_03_26 {
            return Answer::json(StatusCode::BAD_REQUEST, &error(None, -32600, "batches are not accepted"));
        }
        if self.version.has_handshake() {
            self.post_handshake(live, req, at)
        } else {
            self.post_stateless(live, req)
        }
    }

    fn post_handshake(&self, live: &mut Live, req: &Incoming, at: Duration) -> Answer {
        let first = &req.messages[0];
        if method_of(first) == Some("initialize") {
            live.next_session += 1;
            let sid = format!("scripted-session-{}", live.next_session);
            live.sessions.insert(sid.clone(), false);
            let result = json!({
                "protocolVersion": self.version.as_str(),
                "capabilities": {"tools": {"listChanged": false}},
                "serverInfo": {"name": "mcpcheck-scripted", "version": env!("CARGO_PKG_VERSION")}
            });
            let mut a = Answer::json(StatusCode::OK, &ok(first.get("id"), result));
            a.headers.push(("mcp-session-id", sid));
            return a;
        }
        let Some(sid) = req.header("mcp-session-id") else {
            return Answer::json(
                StatusCode::BAD_REQUEST,
                &error(first.get("id"), -32600, "missing Mcp-Session-Id"),
            );
        };
        let Some(initialized) = live.sessions.get_mut(sid) else {
            return Answer::json(StatusCode::NOT_FOUND, &error(first.get("id"), -32001, "session not found"));
        };
        let mut answers = Vec::new();
        for m in req.messages {
            if method_of(m) == Some("notifications/initialized") {
                *initialized = true;
            }
            if super::scripted_elicitation::is_answer(m)
                && let Some((call, tail)) = live.elicit.take()
            {
                let _ = tail.send(super::scripted_elicitation::result_event(&call, m));
            }
            let Some(id) = m.get("id").filter(|_| m.get("method").is_some()) else { continue };
            let method = method_of(m).unwrap_or_default();
            if method == "tools/call" && self.scenario == Scenario::SessionExpiry && !live.expired_once {
                live.expired_once = true;
                live.sessions.remove(sid);
                return Answer::json(StatusCode::NOT_FOUND, &error(Some(id), -32001, "session expired"));
            }
            if method == "tools/call"
                && self.scenario == Scenario::ElicitationDefaults
                && live.elicit.is_none()
            {
                let init = live
                    .seen
                    .iter()
                    .rev()
                    .flat_map(|s| &s.messages)
                    .find(|m| method_of(m) == Some("initialize"));
                if super::scripted_elicitation::declared(init) {
                    let (tx, rx) = tokio::sync::oneshot::channel();
                    live.elicit = Some((id.clone(), tx));
                    let mut a = Answer::sse(super::scripted_elicitation::request_event());
                    a.tail = Some(rx);
                    return a;
                }
            }
            let answer = self.result_of(method, m, id);
            if method == "tools/call" && self.scenario == Scenario::SseRetry && live.pending.is_none() {
                live.pending = Some(answer);
                live.sse_cut_at = Some(at);
                return Answer::sse(format!("id: {PRIMING_EVENT_ID}\nretry: {SSE_RETRY_MS}\ndata: \n\n"));
            }
            answers.push(answer);
        }
        match (answers.len(), req.batch) {
            (0, _) => Answer::empty(StatusCode::ACCEPTED),
            (_, true) => Answer::json(StatusCode::OK, &Value::Array(answers)),
            _ => Answer::json(StatusCode::OK, &answers.remove(0)),
        }
    }

    /// The SSE scenario's resumption: the held response on a GET that names
    /// the priming event; any other GET is refused (no standalone stream).
    fn get(&self, live: &mut Live, req: &Incoming) -> Answer {
        let resumes = req.header("last-event-id") == Some(PRIMING_EVENT_ID);
        match (resumes, live.pending.take()) {
            (true, Some(response)) => Answer::sse(format!("id: ev-2\ndata: {response}\n\n")),
            (_, pending) => {
                live.pending = pending;
                Answer::empty(StatusCode::METHOD_NOT_ALLOWED)
            }
        }
    }

    fn post_stateless(&self, live: &mut Live, req: &Incoming) -> Answer {
        let m = &req.messages[0];
        let Some(id) = m.get("id").filter(|_| m.get("method").is_some()) else {
            return Answer::empty(StatusCode::ACCEPTED);
        };
        let method = method_of(m).unwrap_or_default();
        // The body's version decides, not the header: a header that
        // disagrees is graded by the checks, and answering anyway lets them
        // see the rest of what the client does.
        let requested = m
            .pointer("/params/_meta/io.modelcontextprotocol~1protocolVersion")
            .and_then(Value::as_str)
            .or_else(|| req.header("mcp-protocol-version"))
            .map(str::to_string);
        if method == "initialize" || requested.as_deref().is_some_and(|v| v != self.version.as_str()) {
            let asked = requested
                .or_else(|| m.pointer("/params/protocolVersion").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_default();
            let e = json!({"jsonrpc": "2.0", "id": id, "error": {
                "code": -32022, "message": "Unsupported protocol version",
                "data": {"supported": [self.version.as_str()], "requested": asked}}});
            return Answer::json(StatusCode::BAD_REQUEST, &e);
        }
        // The request-metadata scenario refuses its first request (after
        // any server/discover) once, as a server that does not take the
        // client's first choice would, listing the version it plays.
        if self.scenario == Scenario::RequestMetadata && method != "server/discover" && !live.version_refused
        {
            live.version_refused = true;
            let e = json!({"jsonrpc": "2.0", "id": id, "error": {
                "code": super::meta::VERSION_REFUSED, "message": "Unsupported protocol version",
                "data": {"supported": [self.version.as_str()], "requested": requested.unwrap_or_default()}}});
            return Answer::json(StatusCode::BAD_REQUEST, &e);
        }
        if method == "tools/call" && self.scenario == Scenario::RequestState {
            return self.input_required(live, m, id);
        }
        let answer = self.result_of(method, m, id);
        let status = if answer.get("error").is_some() { StatusCode::NOT_FOUND } else { StatusCode::OK };
        Answer::json(status, &answer)
    }

    /// The request-state scenario: the first call is answered
    /// `input_required`; a retry that echoes the state is answered.
    fn input_required(&self, live: &mut Live, m: &Value, id: &Value) -> Answer {
        let params = m.get("params");
        let echoed = params.and_then(|p| p.get("requestState")).and_then(Value::as_str);
        match (&live.issued_state, echoed) {
            (Some(issued), Some(echoed)) if issued == echoed => {
                return Answer::json(StatusCode::OK, &self.result_of("tools/call", m, id));
            }
            _ if live.rounds >= MAX_ROUNDS => {
                return Answer::json(StatusCode::BAD_REQUEST, &error(Some(id), -32602, "too many rounds"));
            }
            _ => {}
        }
        live.rounds += 1;
        let state = format!("opaque.{}.{:x}", live.rounds, self.started.elapsed().as_nanos() % 0xffff_ffff);
        live.issued_state = Some(state.clone());
        let declared =
            m.pointer("/params/_meta/io.modelcontextprotocol~1clientCapabilities/elicitation").is_some();
        let mut result = json!({"resultType": "input_required", "requestState": state});
        if declared {
            live.asked_inputs = vec!["confirm".into()];
            result["inputRequests"] = json!({"confirm": {
                "method": "elicitation/create",
                "params": {"mode": "form", "message": "Add these numbers?",
                    "requestedSchema": {"type": "object",
                        "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}}}});
        }
        Answer::json(StatusCode::OK, &ok(Some(id), result))
    }
}

pub use tools::{CUSTOM_HEADER, INVALID_TOOL, REMOTE_SCHEMA_PATH};

fn method_of(m: &Value) -> Option<&str> {
    m.get("method").and_then(Value::as_str)
}

fn ok(id: Option<&Value>, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id.cloned().unwrap_or(Value::Null), "result": result})
}

fn error(id: Option<&Value>, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id.cloned().unwrap_or(Value::Null), "error": {"code": code, "message": message}})
}
