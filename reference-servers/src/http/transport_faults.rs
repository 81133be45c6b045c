//! The transport and base-protocol faults of the full catalogue, kept apart
//! from [`super::layer`] so each file stays readable: request-side rewrites
//! (before rmcp sees a request), message rewrites (on rmcp's answers) and
//! header rewrites (on the way out).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header, request};
use serde_json::{Value, json};

use super::messages::Single;
use crate::faults::{Fault, FaultSet};

const SESSION_HEADER: &str = "mcp-session-id";
const VERSION_HEADER: &str = "mcp-protocol-version";
const STATELESS_VERSION: &str = "2026-07-28";
const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
const LAST_EVENT_ID: &str = "last-event-id";
/// What `accept-exact-match` insists on, byte for byte.
const EXACT_ACCEPT: &str = "application/json, text/event-stream";

/// What these faults remember between requests.
#[derive(Default)]
pub(crate) struct State {
    /// `session-id-sequential`: real id ↔ the number shown to clients.
    sequential: Mutex<SequentialIds>,
    /// `resume-other-stream`: each session's latest tools/list SSE answer
    /// (one entry per session, for the server's lifetime: a test target).
    tools_lists: Mutex<HashMap<String, Vec<u8>>>,
    /// `session-one-request-at-a-time`: sessions with a request in flight.
    busy: Mutex<HashSet<String>>,
}

#[derive(Default)]
struct SequentialIds {
    shown: HashMap<String, String>,
    real: HashMap<String, String>,
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether a request speaks the stateless revision (by its version header).
pub(crate) fn is_stateless(headers: &HeaderMap) -> bool {
    header_str(headers, VERSION_HEADER) == Some(STATELESS_VERSION)
}

/// Request-side faults. May answer the request itself (`Some`).
pub(crate) fn on_request(
    faults: &FaultSet,
    state: &State,
    parts: &mut request::Parts,
) -> Option<Response<Body>> {
    if faults.contains(Fault::OriginNotChecked) {
        parts.headers.remove(header::ORIGIN);
    }
    if faults.contains(Fault::OriginAnyRefused) && parts.headers.contains_key(header::ORIGIN) {
        return Some(status_with(StatusCode::FORBIDDEN, "text/plain", "Forbidden: Origin not allowed"));
    }
    if faults.contains(Fault::SessionIdSequential)
        && let Some(shown) = header_str(&parts.headers, SESSION_HEADER)
        && let Ok(ids) = state.sequential.lock()
        && let Some(real) = ids.real.get(shown).and_then(|r| HeaderValue::from_str(r).ok())
    {
        parts.headers.insert(SESSION_HEADER, real);
    }
    let has_session = parts.headers.contains_key(SESSION_HEADER);
    let bodiless = parts.method == Method::GET || parts.method == Method::DELETE;
    if faults.contains(Fault::StatelessGetAllowed) && bodiless && !has_session && is_stateless(&parts.headers)
    {
        return Some(status_with(StatusCode::OK, "text/event-stream", ""));
    }
    if faults.contains(Fault::AcceptExactMatch)
        && parts.method == Method::POST
        && header_str(&parts.headers, header::ACCEPT.as_str()) != Some(EXACT_ACCEPT)
    {
        return Some(status_with(StatusCode::NOT_ACCEPTABLE, "text/plain", "Not Acceptable"));
    }
    if faults.contains(Fault::ResumeOtherStream)
        && parts.method == Method::GET
        && let Some(last) = header_str(&parts.headers, LAST_EVENT_ID)
        && let Some(session) = header_str(&parts.headers, SESSION_HEADER)
        && let Ok(answers) = state.tools_lists.lock()
        && let Some(body) = answers.get(session)
        && !String::from_utf8_lossy(body).lines().any(|l| l.strip_prefix("id:").map(str::trim) == Some(last))
    {
        let mut response = Response::new(Body::from(body.clone()));
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        return Some(response);
    }
    if faults.contains(Fault::GetJson) && parts.method == Method::GET && has_session {
        return Some(status_with(StatusCode::OK, "application/json", "{}"));
    }
    None
}

/// `resume-other-stream`: keeps the SSE answer to a session's latest
/// tools/list, to replay on a resuming GET for another stream.
pub(crate) fn remember_answer(
    faults: &FaultSet,
    state: &State,
    single: &Single,
    session: Option<&str>,
    sse_body: &[u8],
) {
    if faults.contains(Fault::ResumeOtherStream)
        && single.is_method("tools/list")
        && let Some(session) = session
        && let Ok(mut answers) = state.tools_lists.lock()
    {
        answers.insert(session.to_owned(), sse_body.to_vec());
    }
}

/// How long `session-one-request-at-a-time` holds a ping, so that requests
/// sent together certainly overlap it.
const PING_HOLD: Duration = Duration::from_millis(300);

/// A session's turn under `session-one-request-at-a-time`, given back on drop.
pub(crate) struct Turn<'a> {
    state: &'a State,
    session: String,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if let Ok(mut busy) = self.state.busy.lock() {
            busy.remove(&self.session);
        }
    }
}

/// `session-one-request-at-a-time`: a request (not a notification or a
/// response) on a session that already has one in flight is refused with 409
/// Conflict; otherwise it takes the session's turn (`Ok(Some)`), which a
/// ping holds for [`PING_HOLD`]. `Ok(None)`: the fault does not apply.
pub(crate) async fn take_turn<'a>(
    faults: &FaultSet,
    state: &'a State,
    single: &Single,
    session: Option<&str>,
) -> Result<Option<Turn<'a>>, Response<Body>> {
    if single.method.is_none() || single.id.is_none() {
        return Ok(None);
    }
    // `stateless-one-request-at-a-time`: sessionless server/discover calls
    // with string ids (mcpcheck's concurrency check; its other checks use
    // integer ids) take one turn shared by all, held the same time.
    let stateless_turn = faults.contains(Fault::StatelessOneRequestAtATime)
        && session.is_none()
        && single.is_stateless()
        && single.is_method("server/discover")
        && single.id.as_ref().is_some_and(Value::is_string);
    let (key, hold) = match session {
        Some(s) if faults.contains(Fault::SessionOneRequestAtATime) => {
            (s.to_owned(), single.is_method("ping"))
        }
        None if stateless_turn => ("(stateless)".to_owned(), true),
        _ => return Ok(None),
    };
    let fresh = state.busy.lock().map(|mut busy| busy.insert(key.clone())).unwrap_or(true);
    if !fresh {
        return Err(status_with(StatusCode::CONFLICT, "text/plain", "Conflict: a request is in flight"));
    }
    let turn = Turn { state, session: key };
    if hold {
        tokio::time::sleep(PING_HOLD).await;
    }
    Ok(Some(turn))
}

/// `cold-call-refused`: a stateless tools/call with id 1 (a client's first
/// request, as mcpcheck numbers them) is refused as an unknown tool.
pub(crate) fn refuses_cold_call(
    faults: &FaultSet,
    single: &Single,
    headers: &HeaderMap,
) -> Option<Response<Body>> {
    if !(faults.contains(Fault::ColdCallRefused)
        && single.is_method("tools/call")
        && single.id == Some(json!(1))
        && is_stateless(headers))
    {
        return None;
    }
    let body = super::messages::error_body(json!(1), -32602, "Unknown tool: list the tools first");
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Some(response)
}

/// Request-body faults on a POST, before rmcp validates it: `_meta` fields
/// filled in, routing headers made to agree with the body.
pub(crate) fn on_request_body(faults: &FaultSet, headers: &mut HeaderMap, body: &[u8]) -> Option<Vec<u8>> {
    let fill_meta = faults.contains(Fault::MetaFieldsOptional) && is_stateless(headers);
    let fix_routing = faults.contains(Fault::RoutingHeadersIgnored) && is_stateless(headers);
    if !fill_meta && !fix_routing {
        return None;
    }
    let mut msg: Value = serde_json::from_slice(body).ok()?;
    if fix_routing {
        if let Some(method) =
            msg.get("method").and_then(Value::as_str).and_then(|m| HeaderValue::from_str(m).ok())
        {
            headers.insert("mcp-method", method);
        }
        let params = msg.get("params");
        let name = params.and_then(|p| p.get("name").or_else(|| p.get("uri"))).and_then(Value::as_str);
        if let Some(name) = name.and_then(|n| HeaderValue::from_str(n).ok()) {
            headers.insert("mcp-name", name);
        }
    }
    if !fill_meta {
        return None;
    }
    let meta = msg.as_object_mut()?.entry("params").or_insert_with(|| json!({})).as_object_mut()?;
    let meta = meta.entry("_meta").or_insert_with(|| json!({})).as_object_mut()?;
    meta.entry(META_VERSION).or_insert_with(|| json!(STATELESS_VERSION));
    meta.entry(META_CAPABILITIES).or_insert_with(|| json!({}));
    serde_json::to_vec(&msg).ok()
}

/// Whether the answer to `single` needs buffering for these faults.
pub(crate) fn wants_rewrite(faults: &FaultSet, single: &Single) -> bool {
    (faults.contains(Fault::JsonrpcMemberMissing) && single.is_method("tools/list"))
        || (faults.contains(Fault::CapabilityUndeclared)
            && (single.is_method("initialize") || single.is_method("server/discover")))
        || faults.contains(Fault::UnsupportedVersionCode)
        || (faults.contains(Fault::ResultTypeMissing) && single.is_method("prompts/list"))
        || (faults.contains(Fault::ListsVary) && single.is_method("tools/list"))
        || (faults.contains(Fault::CacheScopeMissing) && single.is_method("resources/read"))
        || (faults.contains(Fault::StatelessServerRequest) && single.is_method("tools/call"))
        || (faults.contains(Fault::ToolsOrderUnstable) && single.is_method("tools/list"))
        || (faults.contains(Fault::CacheScopeVaries) && single.is_method("resources/list"))
        || faults.contains(Fault::EventIdConstant)
        || (faults.contains(Fault::SseDataNotJson) && single.is_method("tools/list"))
        || (faults.contains(Fault::ResumeOtherStream) && single.is_method("tools/list"))
        || (faults.contains(Fault::InputRequiredOnList) && single.is_method("resources/templates/list"))
        || (faults.contains(Fault::MalformedInputRequests) && single.is_method("tools/call"))
}

/// Message faults on one JSON-RPC message answering `single`.
pub(crate) fn on_message(faults: &FaultSet, message: &mut Value, single: &Single) {
    let Some(obj) = message.as_object_mut() else { return };
    if faults.contains(Fault::JsonrpcMemberMissing) && single.is_method("tools/list") {
        obj.remove("jsonrpc");
    }
    if faults.contains(Fault::UnsupportedVersionCode)
        && let Some(error) = obj.get_mut("error").and_then(Value::as_object_mut)
        && error.get("code").and_then(Value::as_i64) == Some(-32022)
    {
        error.insert("code".into(), json!(-32602));
        error.remove("data");
    }
    let Some(result) = obj.get_mut("result").and_then(Value::as_object_mut) else { return };
    if faults.contains(Fault::CapabilityUndeclared)
        && let Some(caps) = result.get_mut("capabilities").and_then(Value::as_object_mut)
    {
        caps.remove("prompts");
    }
    if faults.contains(Fault::ResultTypeMissing) && single.is_method("prompts/list") {
        result.remove("resultType");
    }
    // Only where results carry resultType (2026-07-28): the list stays, so
    // only the multi round-trip rule sees the difference.
    if faults.contains(Fault::InputRequiredOnList)
        && single.is_method("resources/templates/list")
        && result.contains_key("resultType")
    {
        result.insert("resultType".into(), json!("input_required"));
        result.insert("requestState".into(), json!("mcpcheck-fault"));
    }
    // The typed handler cannot build a request that is no input request, so
    // the answer is bent on the way out.
    if faults.contains(Fault::MalformedInputRequests)
        && single.is_method("tools/call")
        && single.value().pointer("/params/name").and_then(Value::as_str) == Some("mrtr_several")
        && let Some(sampling) = result.get_mut("inputRequests").and_then(|r| r.get_mut("capital_question"))
    {
        *sampling = json!({"method": "ping"});
    }
    if faults.contains(Fault::CacheScopeMissing) && single.is_method("resources/read") {
        result.remove("cacheScope");
    }
    if faults.contains(Fault::CacheScopeVaries)
        && single.is_method("resources/list")
        && single.value().pointer("/params/cursor").is_some()
        && let Some(scope) = result.get("cacheScope").and_then(Value::as_str)
    {
        let other = if scope == "public" { "private" } else { "public" };
        result.insert("cacheScope".into(), json!(other));
    }
    if faults.contains(Fault::ToolsOrderUnstable)
        && single.is_method("tools/list")
        && result.contains_key("resultType")
        && single.id.as_ref().and_then(Value::as_i64).is_some_and(|id| id % 2 == 1)
        && let Some(tools) = result.get_mut("tools").and_then(Value::as_array_mut)
        && tools.len() >= 2
    {
        // The last two change places: the first tool, which other checks
        // pick, stays where it is.
        let n = tools.len();
        tools.swap(n - 2, n - 1);
    }
    if faults.contains(Fault::ListsVary)
        && single.is_method("tools/list")
        // Keyed on the request id, not on a count of calls: concurrent
        // checks' own tools/list calls would shift a count's parity.
        && single.id.as_ref().and_then(Value::as_i64).is_some_and(|id| id % 2 == 0)
        && let Some(tools) = result.get_mut("tools").and_then(Value::as_array_mut)
    {
        tools.pop();
    }
}

/// Whether the faults edit SSE bodies: the server then answers 2026-07-28
/// requests on SSE streams as it did before JSON answers, so those faults
/// have a stream to bend on every revision.
pub(crate) fn bends_sse_bodies(faults: &FaultSet) -> bool {
    [Fault::SseDataNotJson, Fault::StatelessServerRequest, Fault::EventIdConstant]
        .into_iter()
        .any(|f| faults.contains(f))
}

/// `sse-data-not-json`: an event of plain text before the rest (tools/list);
/// `event-id-constant`: every `id:` line of an SSE body becomes `id: 1`.
pub(crate) fn on_sse_body(faults: &FaultSet, single: &Single, mut body: Vec<u8>) -> Vec<u8> {
    if faults.contains(Fault::SseDataNotJson) && single.is_method("tools/list") {
        body.splice(0..0, b"data: pong\n\n".iter().copied());
    }
    let stateless =
        single.value().pointer("/params/_meta/io.modelcontextprotocol~1protocolVersion").is_some();
    if faults.contains(Fault::StatelessServerRequest)
        && stateless
        && single.value().pointer("/params/name").and_then(Value::as_str) == Some("mrtr_roots")
    {
        let request = b"data: {\"jsonrpc\":\"2.0\",\"id\":\"mcpcheck-fault\",\"method\":\"roots/list\"}\n\n";
        body.splice(0..0, request.iter().copied());
    }
    if !faults.contains(Fault::EventIdConstant) {
        return body;
    }
    let text = String::from_utf8_lossy(&body);
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.starts_with("id:") {
            out.push_str("id: 1\n");
        } else {
            out.push_str(line);
        }
    }
    out.into_bytes()
}

/// Header faults on the way out.
pub(crate) fn on_response(faults: &FaultSet, state: &State, response: &mut Response<Body>, stateless: bool) {
    if faults.contains(Fault::SessionIdSequential)
        && let Some(real) = header_str(response.headers(), SESSION_HEADER).map(str::to_owned)
        && let Ok(mut ids) = state.sequential.lock()
    {
        let next = ids.shown.len() + 1;
        let shown = ids.shown.entry(real.clone()).or_insert_with(|| next.to_string()).clone();
        ids.real.insert(shown.clone(), real);
        if let Ok(v) = HeaderValue::from_str(&shown) {
            response.headers_mut().insert(SESSION_HEADER, v);
        }
    }
    if faults.contains(Fault::StatelessSessionMinted) && stateless {
        response.headers_mut().insert(SESSION_HEADER, HeaderValue::from_static("stateless-session-1"));
    }
}

fn status_with(status: StatusCode, content_type: &'static str, body: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
