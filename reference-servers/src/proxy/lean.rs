//! The proxy's hot path: a stateless `tools/call` relayed without rmcp's
//! frontend server.
//!
//! Why: through rmcp, every stateless (2026-07-28) request gets a service of
//! its own (a oneshot transport, a spawned serve loop, a handler made and
//! dropped), the typed message is turned back into a `Value` to check its
//! headers, and the answer goes out as an SSE stream; that frontend hop was
//! most of the proxy's own CPU per call (reports/benchmarks.md). A proxy
//! forwards: the call needs its name routed and renamed, the backend's
//! answer its URIs renamed back, and nothing else. So the commonest call, a
//! well-formed stateless `tools/call`, is parsed once here, sent to a pooled
//! backend session ([`super::pool`]) and answered as one JSON body, with the
//! same JSON-RPC response the rmcp path gives ([`Proxy::forward_call`] is
//! shared by both).
//!
//! Narrow on purpose: anything this path is not sure to answer exactly as
//! the full path would goes to the full path untouched. That is any request
//! with a session, an `Origin`, a `Host` that is not loopback, a missing or
//! odd `Accept`, `MCP-Protocol-Version`, `Mcp-Method` or `Mcp-Name`, an
//! `Mcp-Param-*` header (or a call of a tool with `x-mcp-header`
//! parameters, whose headers may be missing), a `progressToken` or any `_meta` member beyond the
//! three the revision defines, a member the request does not define, or a
//! JSON-RPC envelope that is not exactly a request. The full path's
//! validations, errors and relays (progress, cancellation) stay where they
//! are; none of them applies to a request that reaches this one.
//!
//! Bounded as the full path: the body is read up to the router's cap (413
//! past it), and the backend request has the backend's timeout. A client
//! that goes away drops the backend request with it.

use std::sync::Arc;

use axum::{
    body::{Body, to_bytes},
    extract::State,
    http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header},
    middleware::Next,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::Proxy;

/// The revision whose requests carry everything in the body.
const STATELESS: &str = "2026-07-28";
const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
const META_CLIENT: &str = "io.modelcontextprotocol/clientInfo";

/// What the lean path needs: a handler whose backend sessions all come from
/// the pool, the endpoint path, and the body cap.
#[derive(Debug)]
pub(crate) struct Lean {
    proxy: Proxy,
    path: String,
    max_body: usize,
}

impl Lean {
    /// `proxy` is one long-lived handler: it never opens sessions of its own,
    /// since calls without a frontend context go to the pool.
    pub(crate) fn new(proxy: Proxy, path: &str, max_body: usize) -> Self {
        let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
        Self { proxy, path, max_body }
    }
}

/// axum middleware in front of the proxy's MCP route.
pub(crate) async fn relay(State(lean): State<Arc<Lean>>, req: Request<Body>, next: Next) -> Response<Body> {
    if !lean.takes(&req) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, lean.max_body).await else {
        let mut refused = Response::new(Body::from("request body too large"));
        *refused.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
        return refused;
    };
    match Call::parse(&parts.headers, &bytes) {
        // A tool with `x-mcp-header` parameters has headers to validate
        // (or missing ones to refuse): the full path's transport does that.
        Some(call) if !lean.proxy.mirrors_params(&call.name) => lean.answer(call).await,
        _ => next.run(Request::from_parts(parts, Body::from(bytes))).await,
    }
}

impl Lean {
    /// Whether the request head is one this path may answer.
    fn takes(&self, req: &Request<Body>) -> bool {
        let h = req.headers();
        req.method() == Method::POST
            && req.uri().path() == self.path
            && req.uri().query().is_none()
            && !h.contains_key("mcp-session-id")
            && !h.contains_key(header::ORIGIN)
            && one(h, header::HOST.as_str()).is_some_and(loopback_host)
            && one(h, header::CONTENT_TYPE.as_str()).is_some_and(|ct| ct == "application/json")
            && one(h, header::ACCEPT.as_str())
                .is_some_and(|a| a.contains("application/json") && a.contains("text/event-stream"))
            && one(h, "mcp-protocol-version") == Some(STATELESS)
            && one(h, "mcp-method") == Some("tools/call")
            && one(h, "mcp-name").is_some()
            && !h.keys().any(|n| n.as_str().starts_with("mcp-param-"))
            && h.get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
                .is_some_and(|n| n <= self.max_body)
    }

    async fn answer(&self, call: Call) -> Response<Body> {
        let outcome = self.proxy.forward_call(&call.name, call.arguments.as_ref(), None).await;
        let message = match outcome {
            Ok(result) => match serde_json::to_value(&result) {
                Ok(result) => json!({"jsonrpc": "2.0", "id": call.id, "result": result}),
                Err(e) => error(call.id, -32603, &format!("result not serialisable: {e}"), None),
            },
            Err(e) => error(call.id, e.code.0, &e.message, e.data),
        };
        let mut response = Response::new(Body::from(message.to_string()));
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

fn error(id: Value, code: i32, message: &str, data: Option<Value>) -> Value {
    let mut error = json!({"code": code, "message": message});
    if let Some(data) = data {
        error["data"] = data;
    }
    json!({"jsonrpc": "2.0", "id": id, "error": error})
}

/// The header's one value, as text; `None` when absent, repeated or not text.
fn one<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut all = headers.get_all(name).iter();
    let first = all.next()?;
    if all.next().is_some() {
        return None;
    }
    first.to_str().ok()
}

/// `localhost`, `127.0.0.1` or `[::1]`, with or without a port: the hosts
/// rmcp's DNS-rebinding protection lets through by default.
fn loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or(host, |(inside, _)| inside),
        None => host.split(':').next().unwrap_or(host),
    };
    matches!(name, "localhost" | "127.0.0.1" | "::1")
}

/// A stateless `tools/call`, as far as this path reads it.
#[derive(Debug)]
struct Call {
    id: Value,
    name: String,
    arguments: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    jsonrpc: String,
    id: Value,
    method: String,
    params: Params,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    name: String,
    #[serde(default)]
    arguments: Option<Map<String, Value>>,
    #[serde(rename = "_meta")]
    meta: Map<String, Value>,
}

impl Call {
    /// The call, if the body is exactly a stateless `tools/call` request
    /// whose `Mcp-Name` header names its tool.
    fn parse(headers: &HeaderMap, body: &[u8]) -> Option<Self> {
        let e: Envelope = serde_json::from_slice(body).ok()?;
        let meta = &e.params.meta;
        let id_ok = matches!(&e.id, Value::String(_)) || e.id.as_i64().is_some();
        let meta_ok = meta.get(META_VERSION).and_then(Value::as_str) == Some(STATELESS)
            && meta.get(META_CAPABILITIES).is_some_and(Value::is_object)
            && meta.get(META_CLIENT).is_none_or(Value::is_object)
            && meta.keys().all(|k| [META_VERSION, META_CAPABILITIES, META_CLIENT].contains(&k.as_str()));
        let ok = e.jsonrpc == "2.0"
            && id_ok
            && e.method == "tools/call"
            && meta_ok
            && one(headers, "mcp-name") == Some(e.params.name.as_str());
        ok.then_some(Self { id: e.id, name: e.params.name, arguments: e.params.arguments })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("mcp-name", HeaderValue::from_str(name).unwrap());
        h
    }

    fn body(params: Value) -> Vec<u8> {
        json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": params}).to_string().into_bytes()
    }

    fn meta() -> Value {
        json!({META_VERSION: STATELESS, META_CAPABILITIES: {}, META_CLIENT: {"name": "t", "version": "1"}})
    }

    #[test]
    fn a_plain_stateless_call_is_taken() {
        let call = Call::parse(
            &headers("a_add"),
            &body(json!({"name": "a_add", "arguments": {"a": 1}, "_meta": meta()})),
        );
        let call = call.expect("taken");
        assert_eq!((call.id, call.name.as_str()), (json!(7), "a_add"));
        assert_eq!(call.arguments.map(Value::Object), Some(json!({"a": 1})));
    }

    #[test]
    fn anything_the_full_path_must_see_is_left_to_it() {
        let mut progress = meta();
        progress["progressToken"] = json!(1);
        let cases = [
            // A progress token: the full path relays progress.
            body(json!({"name": "a_add", "_meta": progress})),
            // No client capabilities: the full path answers 400.
            body(json!({"name": "a_add", "_meta": {META_VERSION: STATELESS}})),
            // Another revision in the envelope.
            body(json!({"name": "a_add", "_meta": {META_VERSION: "2025-11-25", META_CAPABILITIES: {}}})),
            // A member tools/call does not define.
            body(json!({"name": "a_add", "_meta": meta(), "task": {}})),
            // Mcp-Name naming another tool.
            body(json!({"name": "b_add", "_meta": meta()})),
            // Not a request.
            json!({"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "a_add", "_meta": meta()}})
                .to_string()
                .into_bytes(),
            b"[]".to_vec(),
            b"{".to_vec(),
        ];
        for case in cases {
            assert!(Call::parse(&headers("a_add"), &case).is_none(), "{}", String::from_utf8_lossy(&case));
        }
    }

    #[test]
    fn only_loopback_hosts_are_taken() {
        for host in ["localhost", "127.0.0.1:8080", "[::1]:9", "localhost:1"] {
            assert!(loopback_host(host), "{host}");
        }
        for host in ["example.com", "127.0.0.2", "localhost.evil", "[::2]"] {
            assert!(!loopback_host(host), "{host}");
        }
    }
}
