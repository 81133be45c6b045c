//! The one handler in front of rmcp: spec corrections first, then faults.
//!
//! Why a handler and not `from_fn` middleware: two behaviours (batches, and
//! the `accept-batch` fault) must call rmcp's service several times for one
//! HTTP request, so the layer owns the service instead of a one-shot `Next`.
//!
//! Corrections (always on; each names the rule and what rmcp does instead):
//! * Malformed JSON. Transports: "If the server cannot accept the input, it
//!   MUST return an HTTP error status code (e.g., 400 Bad Request)", and the
//!   body may be a JSON-RPC error without an id. rmcp answers 415 Unsupported
//!   Media Type with a plain-text body although the media type was fine. We
//!   answer 400 with a -32700 Parse error.
//! * JSON that is not a JSON-RPC message (including a batch on 2025-06-18+,
//!   which "Remove[d] support for JSON-RPC batching"): rmcp again says 415.
//!   We answer 400 with -32600 Invalid Request.
//! * Batches on 2025-03-26, where the server "MUST" accept an array of
//!   messages: rmcp rejects every array. We run each element through rmcp
//!   and answer with the JSON array of responses.
//! * `resources/subscribe` and `resources/unsubscribe` on 2026-07-28, which
//!   removed them: the transport answers a method a server does not
//!   implement with 404 and -32601, and requires `Mcp-Name` only on
//!   `tools/call`, `resources/read` and `prompts/get`. rmcp refuses them
//!   with -32020 for a missing `Mcp-Name`. We answer 404 and -32601.
//! * DELETE with an unknown session id: rmcp answers 202 as if it ended a
//!   session. The spec answers requests carrying an ended or unknown session
//!   id with 404 Not Found; we do that.
//!
//! * `subscriptions/listen` asking for task ids (SEP-2663): rmcp's typed
//!   filter drops them. We refuse them without the tasks extension
//!   declared (-32021), hand them to the handler and list them in the
//!   acknowledgement ([`super::task_listen`]).
//!
//! Bounds ([`super::limits`]): a POST body past the cap is 413, and an
//! `initialize` that would open a session past the cap is 503 with a
//! JSON-RPC error naming it (rmcp would answer its refusal as a bare 500).
//!
//! Faults (only those in the [`FaultSet`]) are documented in
//! [`crate::faults::CATALOGUE`]; each `if self.on(Fault::…)` below is one.

use std::{collections::HashMap, sync::Arc, sync::Mutex};

use axum::{
    body::{Body, Bytes, to_bytes},
    extract::State,
    http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header, request},
};
use rmcp::{ServerHandler, transport::streamable_http_server::session::SessionManager};
use serde_json::{Value, json};

use super::{
    Inner, header_faults,
    limits::{Limits, jsonrpc_refusal},
    messages::{self, PostBody, Single},
    sessions::BoundedSessions,
    stateless_faults, task_listen, tasks_faults, transport_faults,
};
use crate::{
    faults::{Fault, FaultSet},
    plain::PlainServer,
};

/// Largest buffered response body (rmcp's answers): rmcp's own request limit.
/// Requests are bounded by [`Limits::max_body`].
const MAX_RESPONSE_BODY: usize = Limits::MAX_BODY;
const SESSION_HEADER: &str = "mcp-session-id";
/// The stateless revision; its requests carry their version in `_meta`.
const STATELESS_VERSION: &str = "2026-07-28";
const VERSION_HEADER: &str = "mcp-protocol-version";
/// What `session-id-not-visible` puts in front of real session ids.
const INVISIBLE_PREFIX: &str = "s ";
/// The one revision whose Streamable HTTP transport still had batches.
const BATCH_VERSION: &str = "2025-03-26";

/// State shared by every request: rmcp's service and what we know of sessions.
pub(crate) struct Shared {
    inner: Inner,
    sessions: Arc<BoundedSessions>,
    faults: FaultSet,
    max_body: usize,
    session_idle: std::time::Duration,
    supported: Vec<String>,
    /// Every session id this server issued, with its negotiated version.
    /// Kept after DELETE so "ended" and "never issued" stay distinguishable.
    /// It grows by one short entry per session for the server's lifetime,
    /// which is fine for a test target (about 100 bytes per session).
    issued: Mutex<HashMap<String, String>>,
    /// What the transport faults remember between requests.
    transport: transport_faults::State,
}

pub(crate) async fn handle(State(shared): State<Arc<Shared>>, req: Request<Body>) -> Response<Body> {
    let is_post = req.method() == Method::POST;
    let stateless =
        transport_faults::is_stateless(req.headers()) && !req.headers().contains_key(SESSION_HEADER);
    let response = shared.dispatch(req).await;
    shared.outgoing(response, is_post, stateless)
}

impl Shared {
    pub(crate) fn new(
        inner: Inner,
        sessions: Arc<BoundedSessions>,
        faults: FaultSet,
        limits: &Limits,
    ) -> Self {
        let supported =
            PlainServer::new().supported_protocol_versions().iter().map(|v| v.as_str().to_owned()).collect();
        Self {
            inner,
            sessions,
            faults,
            max_body: limits.max_body,
            session_idle: limits.session_idle,
            supported,
            issued: Mutex::new(HashMap::new()),
            transport: transport_faults::State::default(),
        }
    }

    fn on(&self, fault: Fault) -> bool {
        self.faults.contains(fault)
    }

    fn issued_version(&self, session: &str) -> Option<String> {
        self.issued.lock().ok()?.get(session).cloned()
    }

    fn was_issued(&self, session: &str) -> bool {
        self.issued.lock().is_ok_and(|m| m.contains_key(session))
    }

    async fn dispatch(&self, req: Request<Body>) -> Response<Body> {
        let (mut parts, body) = req.into_parts();
        if self.on(Fault::SessionIdNotVisible) {
            unmask_session(&mut parts.headers);
        }
        if let Some(answer) = transport_faults::on_request(&self.faults, &self.transport, &mut parts) {
            return answer;
        }
        let session = header_str(&parts.headers, SESSION_HEADER).map(str::to_owned);
        if self.on(Fault::VersionHeaderRequired)
            && parts.method == Method::POST
            && !parts.headers.contains_key(VERSION_HEADER)
            && session
                .as_deref()
                .and_then(|s| self.issued_version(s))
                // Revision dates compare as strings; 2025-06-18 brought the header.
                .is_some_and(|v| v.as_str() >= "2025-06-18")
        {
            return text(StatusCode::BAD_REQUEST, "Bad Request: MCP-Protocol-Version header required");
        }
        if self.on(Fault::VersionHeaderIgnored) {
            self.force_supported_version(&mut parts.headers, session.as_deref());
        }
        match parts.method {
            Method::DELETE => self.delete(parts, body, session).await,
            Method::POST => self.post(parts, body, session).await,
            _ => self.call(Request::from_parts(parts, body)).await,
        }
    }

    /// `version-header-ignored`: an unsupported MCP-Protocol-Version becomes
    /// the session's own before rmcp can reject it; with no session (the
    /// stateless 2026-07-28 revision) the one the `_meta` envelope carries,
    /// which is what a server that reads only the body would go by.
    fn force_supported_version(&self, headers: &mut HeaderMap, session: Option<&str>) {
        let Some(version) = header_str(headers, VERSION_HEADER) else {
            return;
        };
        if self.supported.iter().any(|v| v == version) {
            return;
        }
        let own = match session {
            Some(s) => self.issued_version(s),
            None => Some(STATELESS_VERSION.to_string()),
        };
        match own.and_then(|v| HeaderValue::from_str(&v).ok()) {
            Some(own) => headers.insert(VERSION_HEADER, own),
            None => headers.remove(VERSION_HEADER),
        };
    }

    async fn delete(&self, parts: request::Parts, body: Body, session: Option<String>) -> Response<Body> {
        if self.on(Fault::DeleteIgnored) {
            return empty(StatusCode::OK);
        }
        if let Some(id) = &session {
            let known = self.sessions.has_session(&Arc::from(id.as_str())).await;
            if matches!(known, Ok(false)) {
                return self.unknown_session(id);
            }
        }
        self.call(Request::from_parts(parts, body)).await
    }

    /// 404 for a session that does not exist (or, with `unknown-session-400`,
    /// 400 for one this server never issued).
    fn unknown_session(&self, id: &str) -> Response<Body> {
        if self.on(Fault::UnknownSession400) && !self.was_issued(id) {
            return text(StatusCode::BAD_REQUEST, "Bad Request: unknown session");
        }
        text(StatusCode::NOT_FOUND, "Not Found: Session not found")
    }

    async fn post(&self, mut parts: request::Parts, body: Body, session: Option<String>) -> Response<Body> {
        let Ok(mut bytes) = to_bytes(body, self.max_body).await else {
            return text(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
        };
        if let Some(edited) = transport_faults::on_request_body(&self.faults, &mut parts.headers, &bytes) {
            bytes = Bytes::from(edited);
        }
        if let Some(edited) = stateless_faults::on_request_body(&self.faults, &parts.headers, &bytes) {
            bytes = Bytes::from(edited);
        }
        header_faults::on_request(&self.faults, &mut parts.headers, &bytes);
        tasks_faults::on_request_headers(&self.faults, &mut parts.headers, &bytes);
        if let Some(edited) = tasks_faults::on_request_body(&self.faults, &bytes) {
            bytes = Bytes::from(edited);
        }
        if !is_json(&parts.headers) {
            // Wrong media type: rmcp's 415 is the right answer.
            return self.call(Request::from_parts(parts, Body::from(bytes))).await;
        }
        match messages::classify(&bytes) {
            PostBody::Malformed if self.on(Fault::ParseError200) => {
                json_response(StatusCode::OK, messages::error_body(Value::Null, -32603, "internal error"))
            }
            PostBody::Malformed => json_response(
                StatusCode::BAD_REQUEST,
                messages::error_body(Value::Null, -32700, "Parse error: body is not valid JSON"),
            ),
            PostBody::Batch(items) => {
                let batches_allowed = session
                    .as_deref()
                    .and_then(|s| self.issued_version(s))
                    .is_some_and(|v| v == BATCH_VERSION);
                if self.on(Fault::BatchRefused) {
                    invalid_request("Invalid Request: JSON-RPC batches are not supported")
                } else if self.on(Fault::AcceptBatch) || batches_allowed {
                    self.batch(&parts, items).await
                } else {
                    invalid_request("Invalid Request: JSON-RPC batches are not supported")
                }
            }
            PostBody::Single(single) => self.single(parts, bytes, single, session).await,
        }
    }

    async fn single(
        &self,
        mut parts: request::Parts,
        bytes: Bytes,
        single: Single,
        session: Option<String>,
    ) -> Response<Body> {
        if let Some(refused) = transport_faults::refuses_cold_call(&self.faults, &single, &parts.headers) {
            return refused;
        }
        if let Some(answer) = stateless_faults::answers(&self.faults, &single, &parts.headers) {
            return answer;
        }
        if let Some(answer) = tasks_faults::answers(&self.faults, &single) {
            return answer;
        }
        if single.is_stateless()
            && let Some(id) = &single.id
            && matches!(single.method.as_deref(), Some("resources/subscribe" | "resources/unsubscribe"))
        {
            let code = if self.on(Fault::MethodNotFoundCode) { -32600 } else { -32601 };
            let body = messages::error_body(id.clone(), code, "Method not found: removed in 2026-07-28");
            return json_response(StatusCode::NOT_FOUND, body);
        }
        let _turn =
            match transport_faults::take_turn(&self.faults, &self.transport, &single, session.as_deref())
                .await
            {
                Ok(turn) => turn,
                Err(refused) => return refused,
            };
        let opens_session = single.is_method("initialize") && session.is_none() && !single.is_stateless();
        if opens_session && self.sessions.is_full().await {
            return self.sessions_full(&single);
        }
        let cancellation = single.is_method("notifications/cancelled");
        if cancellation && self.on(Fault::CancelIgnored) {
            return empty(StatusCode::ACCEPTED);
        }
        let task_ids = match task_listen::prepare(&single, &mut parts) {
            Ok(ids) => ids,
            Err(refused) => return *refused,
        };
        let response = self.call(Request::from_parts(parts, Body::from(bytes))).await;
        let response = task_listen::acknowledging(response, task_ids);
        let response = stateless_faults::on_listen_response(&self.faults, &single, response);
        if cancellation && self.on(Fault::CancelRejected) {
            let body = messages::error_body(Value::Null, -32602, "Invalid params: no such request");
            return json_response(StatusCode::BAD_REQUEST, body);
        }
        let status = response.status();
        // Another initialize took the last place between the check above and
        // rmcp's create_session, which refused; rmcp says 500.
        if opens_session && status == StatusCode::INTERNAL_SERVER_ERROR && self.sessions.is_full().await {
            return self.sessions_full(&single);
        }
        if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            // JSON, but not a JSON-RPC message rmcp recognises.
            if self.on(Fault::InvalidRequestAccepted) {
                let id = single.id.clone().unwrap_or(Value::Null);
                let body = json!({"jsonrpc": "2.0", "id": id, "result": {}});
                return json_response(StatusCode::OK, body.to_string().into_bytes());
            }
            return invalid_request("Invalid Request: not a JSON-RPC message");
        }
        if status == StatusCode::NOT_FOUND
            && let Some(id) = &session
            && self.on(Fault::UnknownSession400)
            && !self.was_issued(id)
        {
            return self.unknown_session(id);
        }
        if status == StatusCode::BAD_REQUEST
            && session.is_none()
            && self.on(Fault::MissingSessionNot400)
            && !single.is_method("initialize")
            && !single.is_stateless()
        {
            return text(StatusCode::NOT_FOUND, "Not Found: no session");
        }
        if status == StatusCode::ACCEPTED && single.is_response() && self.on(Fault::Response200) {
            return json_response(StatusCode::OK, b"{}".to_vec());
        }
        if status == StatusCode::ACCEPTED && single.is_notification() && self.on(Fault::Notification200) {
            return json_response(StatusCode::OK, b"{}".to_vec());
        }
        let wants_body = single.is_method("initialize")
            || self.on(Fault::MethodNotFoundCode)
            || (self.on(Fault::PingNonEmpty) && single.is_method("ping"))
            || (self.on(Fault::StringIdRewritten) && single.has_string_id())
            || (self.on(Fault::DiscoverNoVersions) && single.is_method("server/discover"))
            || transport_faults::wants_rewrite(&self.faults, &single)
            || stateless_faults::wants_rewrite(&self.faults)
            || tasks_faults::wants_rewrite(&self.faults);
        // A listen stream stays open until the client leaves: buffering it
        // to rewrite would hold back every message, the acknowledgement too.
        if !wants_body || single.is_method("subscriptions/listen") {
            return response;
        }
        self.rewrite_response(response, &single, session.as_deref()).await
    }

    /// 503 for an initialize past the session bound, saying the bound.
    fn sessions_full(&self, single: &Single) -> Response<Body> {
        let message = format!(
            "Server busy: {} live sessions, the most this server holds; end one with DELETE or retry \
             after an idle one expires ({} s without a message)",
            self.sessions.max(),
            self.session_idle.as_secs()
        );
        let id = single.id.clone().unwrap_or(Value::Null);
        jsonrpc_refusal(StatusCode::SERVICE_UNAVAILABLE, id, &message)
    }

    /// Buffers rmcp's answer to `single` and edits each JSON-RPC message.
    async fn rewrite_response(
        &self,
        response: Response<Body>,
        single: &Single,
        session: Option<&str>,
    ) -> Response<Body> {
        let (mut parts, body) = response.into_parts();
        let kind = body_kind(&parts.headers);
        if kind == BodyKind::Other {
            return Response::from_parts(parts, body);
        }
        let Ok(bytes) = to_bytes(body, MAX_RESPONSE_BODY).await else {
            return text(StatusCode::INTERNAL_SERVER_ERROR, "response too large");
        };
        let mut negotiated = None;
        let mut rewrite = |message: &mut Value| {
            if !single.answered_by(message) {
                return;
            }
            if single.is_method("initialize") {
                negotiated =
                    message.pointer("/result/protocolVersion").and_then(Value::as_str).map(str::to_owned);
            }
            self.fault_message(message, single);
            transport_faults::on_message(&self.faults, message, single);
            stateless_faults::on_message(&self.faults, message);
            tasks_faults::on_message(&self.faults, message, single);
        };
        let new_body = match kind {
            BodyKind::Sse => {
                let body = transport_faults::on_sse_body(
                    &self.faults,
                    single,
                    messages::rewrite_sse(&bytes, &mut rewrite),
                );
                transport_faults::remember_answer(&self.faults, &self.transport, single, session, &body);
                body
            }
            _ => messages::rewrite_json(&bytes, &mut rewrite).unwrap_or_else(|| bytes.to_vec()),
        };
        if let (Some(version), Some(id)) = (negotiated, header_str(&parts.headers, SESSION_HEADER))
            && let Ok(mut issued) = self.issued.lock()
        {
            issued.insert(id.to_owned(), version);
        }
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.remove(header::TRANSFER_ENCODING);
        Response::from_parts(parts, Body::from(new_body))
    }

    /// The message-level faults, applied to the response to `single`.
    fn fault_message(&self, message: &mut Value, single: &Single) {
        if let Some(result) = message.get_mut("result").and_then(Value::as_object_mut) {
            if single.is_method("initialize") {
                if self.on(Fault::InitNoServerInfo) {
                    result.remove("serverInfo");
                }
                if self.on(Fault::InitVersionDowngrade) {
                    result.insert("protocolVersion".into(), json!("2025-03-26"));
                }
                if self.on(Fault::InitEchoUnsupported)
                    && let Some(requested) = single.requested_version()
                {
                    result.insert("protocolVersion".into(), json!(requested));
                }
            }
            if self.on(Fault::PingNonEmpty) && single.is_method("ping") {
                result.insert("status".into(), json!("ok"));
            }
            if self.on(Fault::DiscoverNoVersions) && single.is_method("server/discover") {
                result.remove("supportedVersions");
            }
        }
        if self.on(Fault::MethodNotFoundCode)
            && let Some(code) = message.pointer_mut("/error/code")
            && code.as_i64() == Some(-32601)
        {
            *code = json!(-32600);
        }
        if self.on(Fault::StringIdRewritten)
            && let Some(Value::String(id)) = message.get_mut("id")
        {
            id.push_str("-x");
        }
    }

    /// Runs each element of a batch through rmcp; answers with the array of
    /// responses (or 202 if there were only notifications).
    async fn batch(&self, parts: &request::Parts, items: Vec<Value>) -> Response<Body> {
        if items.is_empty() {
            return invalid_request("Invalid Request: empty batch");
        }
        let mut answers = Vec::new();
        for item in items {
            let mut req = Request::new(Body::from(item.to_string()));
            *req.method_mut() = Method::POST;
            *req.uri_mut() = parts.uri.clone();
            *req.headers_mut() = parts.headers.clone();
            let response = self.call(req).await;
            let status = response.status();
            let (head, body) = response.into_parts();
            let kind = body_kind(&head.headers);
            if kind == BodyKind::Other && !status.is_success() {
                // A transport-level refusal (e.g. unknown session) ends the batch.
                return Response::from_parts(head, body);
            }
            let Ok(bytes) = to_bytes(body, MAX_RESPONSE_BODY).await else {
                return text(StatusCode::INTERNAL_SERVER_ERROR, "response too large");
            };
            let found = match kind {
                BodyKind::Sse => messages::sse_messages(&bytes),
                BodyKind::Json => messages::json_messages(&bytes),
                BodyKind::Other => Vec::new(),
            };
            answers
                .extend(found.into_iter().filter(|m| m.get("result").is_some() || m.get("error").is_some()));
        }
        if answers.is_empty() {
            return empty(StatusCode::ACCEPTED);
        }
        json_response(StatusCode::OK, Value::Array(answers).to_string().into_bytes())
    }

    async fn call(&self, req: Request<Body>) -> Response<Body> {
        (self.inner)(req).await
    }

    /// Header-level faults on every response.
    fn outgoing(&self, mut response: Response<Body>, is_post: bool, stateless: bool) -> Response<Body> {
        transport_faults::on_response(&self.faults, &self.transport, &mut response, stateless);
        if self.on(Fault::SessionIdNotVisible)
            && let Some(id) = header_str(response.headers(), SESSION_HEADER)
            && let Ok(masked) = HeaderValue::from_str(&format!("{INVISIBLE_PREFIX}{id}"))
        {
            response.headers_mut().insert(SESSION_HEADER, masked);
        }
        if self.on(Fault::ContentTypeTextPlain)
            && is_post
            && response.headers().contains_key(header::CONTENT_TYPE)
        {
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        }
        response
    }
}

/// `session-id-not-visible`: map the masked id clients send back to the real one.
fn unmask_session(headers: &mut HeaderMap) {
    let real = header_str(headers, SESSION_HEADER)
        .and_then(|id| id.strip_prefix(INVISIBLE_PREFIX))
        .and_then(|id| HeaderValue::from_str(id).ok());
    if let Some(real) = real {
        headers.insert(SESSION_HEADER, real);
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn is_json(headers: &HeaderMap) -> bool {
    header_str(headers, header::CONTENT_TYPE.as_str()).is_some_and(|ct| {
        ct.split(';').next().is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Sse,
    Json,
    Other,
}

fn body_kind(headers: &HeaderMap) -> BodyKind {
    match header_str(headers, header::CONTENT_TYPE.as_str()) {
        Some(ct) if ct.starts_with("text/event-stream") => BodyKind::Sse,
        Some(ct) if ct.starts_with("application/json") => BodyKind::Json,
        _ => BodyKind::Other,
    }
}

fn invalid_request(message: &str) -> Response<Body> {
    json_response(StatusCode::BAD_REQUEST, messages::error_body(Value::Null, -32600, message))
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn text(status: StatusCode, message: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(message));
    *response.status_mut() = status;
    response
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}
