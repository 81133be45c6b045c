//! The proxied server: one MCP endpoint fronting several backend MCP
//! servers, configured in the common
//! `{"mcpServers": {NAME: {"url": URL, "headers": {..}}}}` format.
//!
//! * Namespacing: backend `NAME`'s tool `t` is offered as `NAME_t` (backend
//!   names are letters, digits and `-`, so the first `_` ends the name).
//! * Sessions: each frontend session gets its own backend sessions, opened
//!   on first use and reused for every later call, never one per call
//!   (FastMCP's proxy opens a new backend session per call). Stateless
//!   frontend requests (2026-07-28), which have no session to keep anything
//!   in, share a bounded pool of backend sessions the proxy owns ([`pool`]:
//!   why, and its bound), so a warm call costs one backend request there too.
//! * A dead backend: a call to it is a JSON-RPC error (-32603) naming it;
//!   its session is dropped, so the next call reconnects. `tools/list`
//!   keeps listing its tools from the last list it gave (which is what a
//!   client saw), and has none for a backend never reached.
//! * Credentials: nothing of the frontend request (no Authorization, no
//!   header at all) goes to a backend; a backend's own headers come from
//!   the config.
//!
//! Forwarded, client to backend: tools, prompts (`NAME_prompt`), resources
//! and templates (`scheme://NAME/path`, as in [`crate::composed`]),
//! completion, `logging/setLevel` (to every backend, and again to a backend
//! session opened later), a request's `progressToken`, and
//! `notifications/cancelled` for a request in flight (to the backend request
//! it became). Backend to client ([`relay`]): progress, log messages (logger
//! `NAME/...`), list changes and resource updates, from a request's stream,
//! the backend session's GET stream, or a stdio backend's output.
//! Cancellation the other way would be for requests a backend sends its
//! client; the proxy offers its backends none, so there is nothing to cancel.
//!
//! Backends are Streamable HTTP (`url`) or stdio (`command`, one process per
//! backend session); one may be offered without a prefix ([`config`]).

mod backend;
mod config;
mod handler;
mod http_backend;
mod lean;
mod pool;
mod relay;
mod stdio_backend;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use rmcp::{ErrorData, RoleServer, model::ErrorCode, service::RequestContext};
use serde_json::{Value, json};

pub use backend::{Backend, BackendError, BackendSession, RpcError};
pub use config::{ProxyConfigError, backends_from_config, check_unprefixed};
pub use pool::POOL_SIZE;
pub use relay::Relay;

use crate::composed::{namespace_uri, split_uri, stateless};

/// Most `tools/list` pages read from one backend.
pub(crate) const MAX_PAGES: usize = 100;

/// What every frontend session shares.
#[derive(Debug)]
struct Shared {
    backends: Vec<Arc<Backend>>,
    /// Each backend's last list per method (un-namespaced), for when it is down.
    last: Mutex<HashMap<(String, &'static str), Vec<Value>>>,
    /// Backend sessions for stateless frontend requests.
    pool: pool::Pool,
}

/// The proxy handler; one per frontend session, holding that session's
/// backend sessions.
#[derive(Debug, Clone)]
pub struct Proxy {
    shared: Arc<Shared>,
    /// One slot per backend, each locked on its own so that a slow backend
    /// being (re)opened does not hold up calls to the others.
    sessions: Arc<HashMap<String, Slot>>,
    /// The revision the frontend client negotiated, once it has.
    frontend_version: Arc<std::sync::OnceLock<String>>,
    /// The log level the frontend client set, for backend sessions opened later.
    level: Arc<Mutex<Option<Value>>>,
}

type Slot = tokio::sync::Mutex<Option<Arc<BackendSession>>>;

/// Makes a [`Proxy`] per frontend session over the same backends.
#[derive(Debug, Clone)]
pub struct ProxyFactory {
    shared: Arc<Shared>,
}

impl ProxyFactory {
    /// A factory over `backends`.
    pub fn new(backends: Vec<Backend>) -> Self {
        let backends = backends.into_iter().map(Arc::new).collect();
        let shared = Shared { backends, last: Mutex::new(HashMap::new()), pool: pool::Pool::default() };
        Self { shared: Arc::new(shared) }
    }

    /// The start-up check of the unprefixed backend ([`check_unprefixed`]).
    pub async fn check(&self) -> Result<(), ProxyConfigError> {
        check_unprefixed(&self.shared.backends).await
    }

    /// A handler for a new frontend session, with no backend session yet.
    pub fn session(&self) -> Proxy {
        let slots = self.shared.backends.iter().map(|b| (b.name.clone(), Slot::default())).collect();
        Proxy {
            shared: self.shared.clone(),
            sessions: Arc::new(slots),
            frontend_version: Arc::new(std::sync::OnceLock::new()),
            level: Arc::default(),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        // The last clone of a frontend session's handler ends its backend
        // sessions (in the background: drop cannot wait).
        if Arc::strong_count(&self.sessions) != 1 {
            return;
        }
        let sessions = self.sessions.clone();
        let shared = self.shared.clone();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                for backend in &shared.backends {
                    let open = match sessions.get(&backend.name) {
                        Some(slot) => slot.lock().await.take(),
                        None => None,
                    };
                    if let Some(session) = open {
                        backend.close(&session).await;
                    }
                }
            });
        }
    }
}

fn unavailable(name: &str, e: &BackendError) -> ErrorData {
    ErrorData::internal_error(format!("backend {name} is unavailable: {e}"), Some(json!({"backend": name})))
}

fn answered(name: &str, e: RpcError) -> ErrorData {
    ErrorData::new(ErrorCode(e.code), format!("{name}: {}", e.message), e.data)
}

type Cx = RequestContext<RoleServer>;

impl Proxy {
    /// The backend a tool or prompt name goes to, and its own name there:
    /// `NAME_rest` to backend `NAME`, anything else to the unprefixed one.
    fn route_name(&self, name: &str) -> Option<(Arc<Backend>, String)> {
        let backends = &self.shared.backends;
        if let Some((prefix, rest)) = name.split_once('_')
            && let Some(b) = backends.iter().find(|b| !b.unprefixed && b.name == prefix)
        {
            return Some((b.clone(), rest.to_owned()));
        }
        backends.iter().find(|b| b.unprefixed).map(|b| (b.clone(), name.to_owned()))
    }

    /// A tool as this proxy last listed it (under its frontend name), from
    /// its backend's last `tools/list`: what rmcp's transport validates the
    /// call's `Mcp-Param-*` headers (SEP-2243) against. `None` before the
    /// backend's tools were ever listed through this proxy.
    pub(crate) fn listed_tool(&self, name: &str) -> Option<rmcp::model::Tool> {
        let (backend, own) = self.route_name(name)?;
        let last = self.shared.last.lock().ok()?;
        let item =
            last.get(&(backend.name.clone(), "tools/list"))?.iter().find(|t| t["name"] == own.as_str())?;
        let mut tool: rmcp::model::Tool = serde_json::from_value(item.clone()).ok()?;
        tool.name = name.to_owned().into();
        Some(tool)
    }

    /// Whether the tool's listed input schema marks a parameter with
    /// `x-mcp-header`, so that a call of it carries headers to validate.
    pub(crate) fn mirrors_params(&self, name: &str) -> bool {
        self.listed_tool(name).is_some_and(|t| {
            let schema = Value::Object(t.input_schema.as_ref().clone());
            schema_mirrors(&schema, 0)
        })
    }

    /// The same for a resource URI: `scheme://NAME/path` to backend `NAME`.
    fn route_uri(&self, uri: &str) -> Option<(Arc<Backend>, String)> {
        let backends = &self.shared.backends;
        if let Some((ns, rest)) = split_uri(uri)
            && let Some(b) = backends.iter().find(|b| !b.unprefixed && b.name == ns)
        {
            return Some((b.clone(), rest));
        }
        backends.iter().find(|b| b.unprefixed).map(|b| (b.clone(), uri.to_owned()))
    }

    /// Whether this frontend session has a session with backend `name` open.
    async fn has_session(&self, name: &str) -> bool {
        match self.sessions.get(name) {
            Some(slot) => slot.lock().await.is_some(),
            None => false,
        }
    }

    /// This frontend session's session with `backend`, opened if need be
    /// (with the log level the client set, if it set one); for a stateless
    /// frontend request (or one relayed without rmcp's context, [`lean`]),
    /// one from the proxy's pool.
    async fn session(&self, backend: &Backend, cx: Option<&Cx>) -> Result<Arc<BackendSession>, BackendError> {
        if cx.is_none_or(stateless) {
            return self.shared.pool.checkout(backend, backend::BACKEND_VERSION).await;
        }
        let slot =
            self.sessions.get(&backend.name).ok_or_else(|| BackendError::Protocol("no slot".into()))?;
        let mut slot = slot.lock().await;
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        let version = self.frontend_version.get().map(String::as_str).unwrap_or(backend::BACKEND_VERSION);
        let relay = cx.map(|cx| Relay { backend: backend.name.clone(), peer: cx.peer.clone() });
        let s = Arc::new(backend.open(version, relay).await?);
        let level = self.level.lock().ok().and_then(|l| l.clone());
        if let Some(level) = level {
            // A backend without logging answers -32601: it sends no logs anyway.
            backend.request(&s, "logging/setLevel", json!({"level": level}), None).await?.ok();
        }
        *slot = Some(s.clone());
        Ok(s)
    }

    /// `method` on `backend` in this session; an expired session is reopened
    /// once, and a failed one forgotten so that the next call reconnects.
    /// With the frontend request's context `cx`: its progress token goes
    /// along, what the backend sends meanwhile is relayed, and a cancellation
    /// of the frontend request cancels the backend request. Without one (a
    /// stateless call relayed by [`lean`]), a pooled session carries it and
    /// the frontend client going away drops the backend request with it.
    async fn request(
        &self,
        backend: &Backend,
        method: &str,
        mut params: Value,
        cx: Option<&Cx>,
    ) -> Result<Result<Value, RpcError>, BackendError> {
        if let (Some(token), Some(p)) =
            (cx.and_then(|cx| cx.meta.get_progress_token()), params.as_object_mut())
        {
            p.insert("_meta".into(), json!({"progressToken": token}));
        }
        let relay = cx.map(|cx| Relay { backend: backend.name.clone(), peer: cx.peer.clone() });
        for attempt in 0..2 {
            let session = self.session(backend, cx).await?;
            let id = session.next_id();
            let call = backend.request_with_id(&session, id, method, params.clone(), relay.as_ref());
            let outcome = match cx {
                None => call.await,
                Some(cx) => tokio::select! {
                    outcome = call => outcome,
                    () = cx.ct.cancelled() => {
                        let reason = "cancelled by the proxy's client";
                        let note = json!({"requestId": id, "reason": reason});
                        let _ = backend.notify(&session, "notifications/cancelled", note).await;
                        return Ok(Err(RpcError { code: -32603, message: reason.into(), data: None }));
                    }
                },
            };
            match outcome {
                Err(e) => {
                    if cx.is_none_or(stateless) {
                        self.shared.pool.drop_session(backend, &session);
                    } else if let Some(slot) = self.sessions.get(&backend.name) {
                        let mut slot = slot.lock().await;
                        // Forget it unless another call has already replaced it.
                        if slot.as_ref().is_some_and(|s| Arc::ptr_eq(s, &session)) {
                            *slot = None;
                        }
                    }
                    if !matches!(e, BackendError::SessionGone) || attempt == 1 {
                        return Err(e);
                    }
                }
                ok => return ok,
            }
        }
        Err(BackendError::SessionGone)
    }

    /// Every page of `method`'s `key` items from `backend`; the last known
    /// list if it is down (none if it never answered, or lacks the method).
    async fn list_all(
        &self,
        backend: &Backend,
        method: &'static str,
        key: &str,
        cx: Option<&Cx>,
    ) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let params = cursor.as_ref().map_or_else(|| json!({}), |c| json!({"cursor": c}));
            let page = match self.request(backend, method, params, cx).await {
                Ok(Ok(page)) => page,
                // The backend answered: it has no such list.
                Ok(Err(_)) => {
                    items.clear();
                    break;
                }
                Err(_) => {
                    let last = self.shared.last.lock().ok();
                    return last
                        .and_then(|m| m.get(&(backend.name.clone(), method)).cloned())
                        .unwrap_or_default();
                }
            };
            items.extend(page.get(key).and_then(Value::as_array).cloned().unwrap_or_default());
            cursor = page.get("nextCursor").and_then(Value::as_str).map(str::to_owned);
            if cursor.is_none() {
                break;
            }
        }
        if let Ok(mut last) = self.shared.last.lock() {
            last.insert((backend.name.clone(), method), items.clone());
        }
        items
    }

    /// The URI schemes `backend` serves resources under, from its last
    /// lists (fetched if this proxy has none yet), for renaming URIs inside
    /// results ([`crate::composed::uris`]).
    async fn schemes_of(&self, backend: &Backend, cx: Option<&Cx>) -> std::collections::BTreeSet<String> {
        let known = |method: &'static str| {
            self.shared.last.lock().ok().and_then(|l| l.get(&(backend.name.clone(), method)).cloned())
        };
        let resources = match known("resources/list") {
            Some(r) => r,
            None => self.list_all(backend, "resources/list", "resources", cx).await,
        };
        let templates = match known("resources/templates/list") {
            Some(t) => t,
            None => self.list_all(backend, "resources/templates/list", "resourceTemplates", cx).await,
        };
        let uris = resources
            .iter()
            .filter_map(|r| r.get("uri"))
            .chain(templates.iter().filter_map(|t| t.get("uriTemplate")))
            .filter_map(Value::as_str);
        uris.filter_map(|u| u.split_once("://").map(|(s, _)| s.to_owned())).collect()
    }

    /// Every backend's `method` list, each item renamed by `rename` (given
    /// the namespace, `None` for the unprefixed backend) or left out.
    async fn merged<T: serde::de::DeserializeOwned>(
        &self,
        method: &'static str,
        key: &str,
        cx: &Cx,
        rename: impl Fn(Option<&str>, &mut T) -> bool,
    ) -> Vec<T> {
        let backends = &self.shared.backends;
        let lists =
            futures::future::join_all(backends.iter().map(|b| self.list_all(b, method, key, Some(cx)))).await;
        let mut all = Vec::new();
        for (backend, list) in backends.iter().zip(lists) {
            let ns = (!backend.unprefixed).then_some(backend.name.as_str());
            for item in list {
                if let Ok(mut item) = serde_json::from_value::<T>(item)
                    && rename(ns, &mut item)
                {
                    all.push(item);
                }
            }
        }
        all
    }

    /// Forwards `method` to `backend`; the result as `T`.
    async fn forward<T: serde::de::DeserializeOwned>(
        &self,
        backend: &Backend,
        method: &str,
        params: Value,
        cx: &Cx,
    ) -> Result<T, ErrorData> {
        let name = &backend.name;
        match self.request(backend, method, params, Some(cx)).await {
            Err(e) => Err(unavailable(name, &e)),
            Ok(Err(e)) => Err(answered(name, e)),
            Ok(Ok(result)) => serde_json::from_value::<T>(result)
                .map_err(|e| unavailable(name, &BackendError::Protocol(e.to_string()))),
        }
    }
}

fn cached<T>(result: T, context: &Cx, hint: impl FnOnce(T) -> T) -> T {
    if stateless(context) { hint(result) } else { result }
}

/// A tool or prompt name in the frontend's lists: `NAME_name`, or as it is
/// for the unprefixed backend unless another backend's prefix shadows it.
fn list_name(backends: &[Arc<Backend>], ns: Option<&str>, name: &str) -> Option<String> {
    match ns {
        Some(ns) => Some(format!("{ns}_{name}")),
        None => config::shadowing_name(backends, name).is_none().then(|| name.to_owned()),
    }
}

/// The same for a resource URI or template.
fn list_uri(backends: &[Arc<Backend>], ns: Option<&str>, uri: &str) -> Option<String> {
    match ns {
        Some(ns) => namespace_uri(uri, ns),
        None => config::shadowing_uri(backends, uri).is_none().then(|| uri.to_owned()),
    }
}

/// Serves a proxy over `backends` at `opts.path`, within `opts.limits`,
/// until `shutdown` resolves. The unprefixed backend, if any, is checked for
/// clashes first: a clash is an `InvalidInput` error before anything is
/// served. Stateless `tools/call` requests take the lean path ([`lean`])
/// unless faults are on (they are committed by the full path's layer).
pub async fn serve_proxied_http(
    listener: tokio::net::TcpListener,
    backends: Vec<Backend>,
    opts: crate::http::HttpOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let factory = ProxyFactory::new(backends);
    factory
        .check()
        .await
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
    let cancel = tokio_util::sync::CancellationToken::new();
    let limits = opts.limits.clone();
    let lean =
        opts.faults.is_empty().then(|| lean::Lean::new(factory.session(), &opts.path, limits.max_body));
    let app = crate::http::mcp_router(move || Ok(factory.session()), opts, cancel.clone());
    let app = match lean {
        Some(lean) => app.layer(axum::middleware::from_fn_with_state(Arc::new(lean), lean::relay)),
        None => app,
    };
    crate::http::serve_router_with(listener, app, cancel, &limits, shutdown).await
}

/// Whether an `x-mcp-header` sits on a property reached through
/// `properties` chains (at most 8 deep).
fn schema_mirrors(schema: &Value, depth: usize) -> bool {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else { return false };
    depth < 8 && props.values().any(|p| p.get("x-mcp-header").is_some() || schema_mirrors(p, depth + 1))
}
