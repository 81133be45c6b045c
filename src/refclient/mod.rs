//! The reference MCP client: what `mcpcheck client` tests when given no
//! command, and an example to copy. It does what every client scenario asks
//! (connect, list the tools, call the first one with `{"a": 2, "b": 3}`,
//! close) the way the specification says, on mcpcheck's own wire layer
//! ([`crate::wire::http`]), so that every header and body it sends is one
//! it chose. Each rule it keeps has a [`faults::ClientFault`] that breaks it.
//!
//! On the handshake revisions: initialize, `notifications/initialized`, the
//! session id and protocol version on every later request, a new session
//! after 404, an interrupted SSE stream resumed after `retry` with
//! `Last-Event-ID`, DELETE at the end. On 2026-07-28: `_meta` on every
//! request, `Mcp-Method`/`Mcp-Name`/`Mcp-Param-*` headers, and multi
//! round-trip retries that echo `requestState` and answer every input.
//! Server requests on a handshake POST's stream (elicitation, sampling,
//! roots) are answered while the stream is read. [`oauth`] is its
//! authorization side, [`tools`] what it reads in a listing and how it
//! answers input requests.

pub mod faults;
pub mod oauth;
pub mod tools;

use tools::network_refs;
pub use tools::{answer_input, param_headers, valid_header_annotations};

use crate::spec::SpecVersion;
use crate::wire::http::{HttpReply, HttpRequest, HttpTarget, Until, Watch};
use crate::wire::record::Recorder;
use crate::wire::{Limits, jsonrpc};
use faults::ClientFault;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// Most `input_required` rounds followed before giving up.
const MAX_ROUNDS: usize = 3;
/// Most times one request is resent after authorizing (401) or stepping up (403).
const MAX_AUTH_TRIES: usize = 2;
/// The longest `retry` honoured; a server asking for more is waited on this long.
const MAX_RETRY: Duration = Duration::from_secs(10);

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub url: String,
    pub version: SpecVersion,
    pub faults: Vec<ClientFault>,
    /// `MCP_CONFORMANCE_CONTEXT`: credentials handed to the client.
    pub context: Option<String>,
}

/// Runs the scenario's client steps against `opts.url`.
pub async fn run(opts: &Options) -> Result<(), String> {
    let http = HttpTarget::new(&opts.url, vec![], Limits::default()).map_err(|e| e.to_string())?;
    let handed = opts.context.as_deref().and_then(oauth::Credentials::from_context);
    let auth = oauth::Authorizer::new(&opts.url, opts.version, opts.faults.clone(), handed);
    let mut c = Conn {
        http,
        opts: opts.clone(),
        session: None,
        negotiated: None,
        next_id: 0,
        auth,
        bearer_sent: false,
        version_retried: false,
    };
    if opts.version.has_handshake() { c.with_handshake().await } else { c.stateless().await }
}

/// Why a request got no result.
enum Failed {
    /// 404 to a request that carried a session id: the session is gone.
    SessionGone,
    Other(String),
}

impl From<crate::wire::WireError> for Failed {
    fn from(e: crate::wire::WireError) -> Self {
        Failed::Other(e.to_string())
    }
}

struct Conn {
    http: HttpTarget,
    opts: Options,
    session: Option<String>,
    negotiated: Option<String>,
    next_id: i64,
    auth: oauth::Authorizer,
    /// Whether a request has carried the token yet.
    bearer_sent: bool,
    /// Whether a request was sent again after UnsupportedProtocolVersionError.
    version_retried: bool,
}

impl Conn {
    fn on(&self, f: ClientFault) -> bool {
        self.opts.faults.contains(&f)
    }

    fn id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    async fn with_handshake(&mut self) -> Result<(), String> {
        if self.on(ClientFault::ListBeforeInitialize) {
            let _ = self.request("tools/list", json!({})).await;
        }
        self.handshake().await?;
        let tool = self.first_tool().await?;
        match self.call(&tool).await {
            Err(Failed::SessionGone) if !self.on(ClientFault::Ignore404) => {
                // The session expired: a new one, and the call again.
                self.session = None;
                self.negotiated = None;
                self.handshake().await?;
                self.call(&tool).await.map_err(explain)?;
            }
            Err(Failed::SessionGone) => {}
            other => {
                other.map_err(explain)?;
            }
        }
        if !self.on(ClientFault::NoDelete) && self.session.is_some() {
            let req = HttpRequest {
                method: Method::DELETE,
                headers: self.headers(None),
                body: None,
                until: Until::End,
            };
            let _ = self.http.send(req, &Recorder::new()).await;
        }
        Ok(())
    }

    async fn handshake(&mut self) -> Result<(), String> {
        let asked =
            if self.on(ClientFault::UnknownVersion) { "2099-01-01" } else { self.opts.version.as_str() };
        let mut params = crate::wire::session::initialize_params(asked);
        params["capabilities"] = json!({"elicitation": {}});
        if self.on(ClientFault::NoClientInfo) {
            params.as_object_mut().map(|p| p.remove("clientInfo"));
        }
        let id = self.id();
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": params});
        let reply = self.post(&msg, None).await.map_err(explain)?;
        self.session = reply.header("mcp-session-id").map(str::to_string);
        let response = reply.response_to(&json!(id)).cloned().ok_or("initialize got no response")?;
        let version = response.pointer("/result/protocolVersion").and_then(Value::as_str);
        self.negotiated = Some(version.ok_or("initialize got no protocolVersion")?.to_string());
        if !self.on(ClientFault::NoInitialized) {
            let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
            let body = if self.on(ClientFault::BatchInitialized) { json!([note]) } else { note };
            let _ = self.post(&body, None).await;
        }
        Ok(())
    }

    /// The first tool listed that may be used: on 2026-07-28 a tool whose
    /// `x-mcp-header` annotations break the transport's rules is left out.
    async fn first_tool(&mut self) -> Result<Value, String> {
        let list = self.request("tools/list", json!({})).await.map_err(explain)?;
        let tools = list.get("tools").and_then(Value::as_array).cloned().unwrap_or_default();
        if self.on(ClientFault::DerefSchemas) {
            for t in &tools {
                for url in network_refs(t.get("inputSchema").unwrap_or(&Value::Null), 0) {
                    if let Ok(target) = HttpTarget::new(&url, vec![], Limits::default()) {
                        let req = HttpRequest {
                            method: Method::GET,
                            headers: vec![],
                            body: None,
                            until: Until::End,
                        };
                        let _ = target.send(req, &Recorder::new()).await;
                    }
                }
            }
        }
        let checked = !self.opts.version.has_handshake() && !self.on(ClientFault::KeepInvalidTools);
        tools
            .into_iter()
            .find(|t| !checked || valid_header_annotations(t.get("inputSchema").unwrap_or(&Value::Null)))
            .ok_or_else(|| "the server lists no usable tool".to_string())
    }

    /// Calls `tool` with `{"a": 2, "b": 3}`; on 2026-07-28, follows
    /// `input_required` answers for a few rounds.
    async fn call(&mut self, tool: &Value) -> Result<Value, Failed> {
        let name = tool.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        let args = json!({"a": 2, "b": 3});
        let extra = if self.opts.version.has_handshake() || self.on(ClientFault::NoParamHeaders) {
            vec![]
        } else {
            param_headers(tool, &args)
        };
        let mut params = json!({"name": name, "arguments": args});
        let mut id = self.id();
        for _ in 0..MAX_ROUNDS {
            let result = self.request_as(id, "tools/call", params.clone(), &extra).await?;
            if result.get("resultType").and_then(Value::as_str) != Some("input_required") {
                return Ok(result);
            }
            params = json!({"name": name, "arguments": args});
            if let Some(state) = result.get("requestState").and_then(Value::as_str) {
                let state = if self.on(ClientFault::AlteredRequestState) {
                    format!("{state}x")
                } else {
                    state.into()
                };
                params["requestState"] = json!(state);
            }
            if let Some(asked) = result.get("inputRequests").and_then(Value::as_object)
                && !self.on(ClientFault::NoInputResponses)
            {
                let answers: serde_json::Map<String, Value> =
                    asked.iter().map(|(k, r)| (k.clone(), answer_input(r))).collect();
                params["inputResponses"] = Value::Object(answers);
            }
            if !self.on(ClientFault::ReuseRequestId) {
                id = self.id();
            }
        }
        Err(Failed::Other(format!("still input_required after {MAX_ROUNDS} rounds")))
    }

    async fn stateless(&mut self) -> Result<(), String> {
        // Learning the server's versions first is what a dual-era client does.
        let _ = self.request("server/discover", json!({})).await;
        let tool = self.first_tool().await?;
        self.call(&tool).await.map_err(explain)?;
        Ok(())
    }

    async fn request(&mut self, method: &str, params: Value) -> Result<Value, Failed> {
        let id = self.id();
        self.request_as(id, method, params, &[]).await
    }

    async fn request_as(
        &mut self,
        id: i64,
        method: &str,
        mut params: Value,
        extra: &[(String, String)],
    ) -> Result<Value, Failed> {
        if !self.opts.version.has_handshake() {
            params["_meta"] = self.meta();
        }
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params.clone()});
        let had_session = self.session.is_some() && !self.on(ClientFault::DropSessionId);
        let reply = self.post(&msg, Some(extra)).await?;
        if reply.status == 404 && had_session {
            return Err(Failed::SessionGone);
        }
        let response = match reply.response_to(&json!(id)) {
            Some(r) => r.clone(),
            None => self.resume(&reply, id).await?,
        };
        // UnsupportedProtocolVersionError: sent again, once, with a version
        // from `supported` that this client speaks (it speaks one).
        let ours = json!(self.opts.version.as_str());
        let listed = response
            .pointer("/error/data/supported")
            .and_then(Value::as_array)
            .is_some_and(|s| s.contains(&ours));
        if jsonrpc::error_code(&response) == Some(-32022)
            && listed
            && !self.version_retried
            && !self.on(ClientFault::NoVersionRetry)
        {
            self.version_retried = true;
            let id = self.id();
            return Box::pin(self.request_as(id, method, params, extra)).await;
        }
        match response.get("result") {
            Some(r) => Ok(r.clone()),
            None => Err(Failed::Other(format!("{method}: {}", jsonrpc::show(response.get("error"))))),
        }
    }

    /// An SSE answer that ended before the response: wait the server's
    /// `retry`, then GET with `Last-Event-ID` for the rest.
    async fn resume(&mut self, reply: &HttpReply, id: i64) -> Result<Value, Failed> {
        let events = reply.events.as_deref().unwrap_or_default();
        let Some(last) = events.iter().rev().find_map(|e| e.id.clone()) else {
            return Err(Failed::Other(format!(
                "HTTP {} with no response and no event id to resume from",
                reply.status
            )));
        };
        let retry = events.iter().rev().find_map(|e| e.retry).map(Duration::from_millis);
        if !self.on(ClientFault::ReconnectAtOnce) {
            tokio::time::sleep(retry.unwrap_or(Duration::from_secs(1)).min(MAX_RETRY)).await;
        }
        let mut headers = self.headers(None);
        if !self.on(ClientFault::NoLastEventId) {
            headers.push(("Last-Event-ID".into(), last));
        }
        let req =
            HttpRequest { method: Method::GET, headers, body: None, until: Until::ResponseTo(json!(id)) };
        let again = self.http.send(req, &Recorder::new()).await?;
        again.response_to(&json!(id)).cloned().ok_or_else(|| {
            Failed::Other(format!("the resumed stream (HTTP {}) had no response", again.status))
        })
    }

    /// POSTs `msg`; a 401 is answered by authorizing and a 403
    /// `insufficient_scope` by stepping up, each then sent again.
    async fn post(&mut self, msg: &Value, extra: Option<&[(String, String)]>) -> Result<HttpReply, Failed> {
        let until = match msg.get("id") {
            Some(id) => Until::ResponseTo(id.clone()),
            None => Until::End,
        };
        let mut tries = 0;
        loop {
            let mut headers = self.headers(Some(msg));
            headers.extend(extra.unwrap_or_default().iter().cloned());
            let req = HttpRequest {
                method: Method::POST,
                headers,
                body: Some(msg.to_string()),
                until: until.clone(),
            };
            let reply = self.send(req).await?;
            let challenge = reply.header("www-authenticate").map(str::to_string);
            let limit = if self.on(ClientFault::NoRetryLimit) { 10 } else { MAX_AUTH_TRIES };
            if tries >= limit {
                return Ok(reply);
            }
            tries += 1;
            match reply.status {
                401 => self.auth.unauthorized(challenge.as_deref()).await.map_err(Failed::Other)?,
                403 if self.auth.forbidden(challenge.as_deref()).await.map_err(Failed::Other)? => {}
                _ => return Ok(reply),
            }
        }
    }

    /// Sends to the endpoint, with the token in the query string too under
    /// that fault.
    async fn send(&mut self, req: HttpRequest) -> Result<HttpReply, crate::wire::WireError> {
        match self.auth.token.clone().filter(|_| self.on(ClientFault::TokenInQuery)) {
            Some(t) => {
                let url = format!("{}?access_token={t}", self.opts.url);
                HttpTarget::new(&url, vec![], Limits::default())?.send(req, &Recorder::new()).await
            }
            None if self.opts.version.has_handshake() && req.method == Method::POST => {
                self.send_answering(req).await
            }
            None => self.http.send(req, &Recorder::new()).await,
        }
    }

    /// Sends a POST whose stream may carry server requests (the handshake
    /// revisions: elicitation, sampling, roots), answering each with a POST
    /// of its own while the stream is still read.
    async fn send_answering(&mut self, req: HttpRequest) -> Result<HttpReply, crate::wire::WireError> {
        let (tap, mut arrived) = tokio::sync::mpsc::unbounded_channel();
        let watch = Watch { tap, window: Limits::default().timeout };
        let headers = self.headers(None);
        let leave_defaults = self.on(ClientFault::NoElicitationDefaults);
        let http = &self.http;
        let answering = async {
            // The tap closes when the stream has been read.
            while let Some(m) = arrived.recv().await {
                let (Some(id), Some(_)) = (m.get("id"), m.get("method")) else { continue };
                let mut result = answer_input(&m);
                if leave_defaults
                    && let Some(content) = result.get_mut("content").and_then(Value::as_object_mut)
                {
                    content.clear();
                }
                let answer = json!({"jsonrpc": "2.0", "id": id, "result": result});
                let mut post = HttpRequest::post(answer.to_string(), Until::End);
                post.headers = headers.clone();
                let _ = http.send(post, &Recorder::new()).await;
            }
        };
        let rec = Recorder::new();
        let (reply, ()) = tokio::join!(http.send_watched(req, watch, &rec), answering);
        reply
    }

    /// The headers of a request (`msg`: the POST body, if it is one).
    fn headers(&mut self, msg: Option<&Value>) -> Vec<(String, String)> {
        let mut h = Vec::new();
        if let Some(t) = &self.auth.token
            && !(self.bearer_sent && self.on(ClientFault::NoBearerAfterFirst))
        {
            h.push(("Authorization".into(), format!("Bearer {t}")));
            self.bearer_sent = true;
        }
        if self.on(ClientFault::AcceptJsonOnly) {
            h.push(("Accept".into(), "application/json".into()));
        }
        if let Some(sid) = &self.session
            && !self.on(ClientFault::DropSessionId)
        {
            h.push(("Mcp-Session-Id".into(), sid.clone()));
        }
        let is_initialize = msg.and_then(|m| m.get("method")).and_then(Value::as_str) == Some("initialize");
        let version = if self.opts.version.has_handshake() {
            self.negotiated.clone().filter(|_| self.opts.version.has_version_header() && !is_initialize)
        } else if self.on(ClientFault::MismatchedVersionHeader) {
            Some(SpecVersion::NEWEST_HANDSHAKE.to_string())
        } else {
            Some(self.opts.version.to_string())
        };
        if let Some(v) = version.filter(|_| !self.on(ClientFault::NoVersionHeader)) {
            h.push(("MCP-Protocol-Version".into(), v));
        }
        if !self.opts.version.has_handshake()
            && let Some(m) = msg
        {
            for (n, v) in crate::wire::session::routing_headers(m) {
                let dropped = (n == "Mcp-Method" && self.on(ClientFault::NoMethodHeader))
                    || (n == "Mcp-Name" && self.on(ClientFault::NoNameHeader));
                if !dropped {
                    h.push((n, v));
                }
            }
        }
        h
    }

    /// The 2026-07-28 request envelope.
    fn meta(&self) -> Value {
        let mut meta = json!({"io.modelcontextprotocol/protocolVersion": self.opts.version.as_str()});
        if !self.on(ClientFault::NoClientInfo) {
            meta["io.modelcontextprotocol/clientInfo"] =
                json!({"name": "mcpcheck-reference-client", "version": env!("CARGO_PKG_VERSION")});
        }
        if !self.on(ClientFault::NoMetaCapabilities) {
            meta["io.modelcontextprotocol/clientCapabilities"] = json!({"elicitation": {"form": {}}});
        }
        meta
    }
}

fn explain(f: Failed) -> String {
    match f {
        Failed::SessionGone => "the session was gone (HTTP 404)".into(),
        Failed::Other(e) => e,
    }
}
