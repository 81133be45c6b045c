//! The proxied server: one MCP endpoint fronting several backend MCP
//! servers (seed example 12), configured in the common
//! `{"mcpServers": {NAME: {"url": URL, "headers": {..}}}}` format.
//!
//! * Namespacing: backend `NAME`'s tool `t` is offered as `NAME_t` (backend
//!   names are letters, digits and `-`, so the first `_` ends the name).
//! * Sessions: each frontend session gets its own backend sessions, opened
//!   on first use and reused for every later call, never one per call
//!   (FastMCP's proxy opens a new backend session per call).
//! * A dead backend: a call to it is a JSON-RPC error (-32603) naming it;
//!   its session is dropped, so the next call reconnects. `tools/list`
//!   keeps listing its tools from the last list it gave (which is what a
//!   client saw), and has none for a backend never reached.
//! * Credentials: nothing of the frontend request (no Authorization, no
//!   header at all) goes to a backend; a backend's own headers come from
//!   the config.
//!
//! Only tools are forwarded; resources, prompts, completion, logging,
//! progress and cancellation are not (yet).

mod backend;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ErrorCode, Implementation,
        ListToolsResult, PaginatedRequestParams, ResultType, ServerCapabilities, ServerConfig, Tool,
    },
    service::RequestContext,
};
use serde_json::{Value, json};

pub use backend::{Backend, BackendError, BackendSession};

use crate::composed::{no_cursor, stateless};

/// Most `tools/list` pages read from one backend.
const MAX_PAGES: usize = 100;

/// Why a config was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProxyConfigError {
    /// Not `{"mcpServers": {...}}`.
    #[error("the config is not {{\"mcpServers\": {{NAME: {{\"url\": ...}}}}}}: {0}")]
    Shape(String),
    /// A backend name that cannot be a namespace.
    #[error("backend name {0:?} is not letters, digits and '-'")]
    BadName(String),
    /// A backend this proxy cannot reach.
    #[error("backend {0:?}: {1}")]
    Backend(String, String),
}

/// The backends, from a parsed config document.
pub fn backends_from_config(config: &Value) -> Result<Vec<Backend>, ProxyConfigError> {
    let servers = config
        .get("mcpServers")
        .and_then(Value::as_object)
        .ok_or_else(|| ProxyConfigError::Shape("no \"mcpServers\" object".into()))?;
    let mut backends = Vec::new();
    for (name, entry) in servers {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(ProxyConfigError::BadName(name.clone()));
        }
        if entry.get("command").is_some() {
            let why = "stdio backends (\"command\") are not supported yet; give a \"url\"";
            return Err(ProxyConfigError::Backend(name.clone(), why.into()));
        }
        let url = entry
            .get("url")
            .and_then(Value::as_str)
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            .ok_or_else(|| ProxyConfigError::Backend(name.clone(), "no http(s) \"url\"".into()))?;
        let headers: Vec<(String, String)> = entry
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect();
        let backend = Backend::new(name.clone(), url.to_owned(), &headers)
            .map_err(|e| ProxyConfigError::Backend(name.clone(), e))?;
        backends.push(backend);
    }
    Ok(backends)
}

/// What every frontend session shares.
#[derive(Debug)]
struct Shared {
    backends: Vec<Arc<Backend>>,
    /// Each backend's last tool list (un-namespaced), for when it is down.
    last_tools: Mutex<HashMap<String, Vec<Tool>>>,
}

/// The proxy handler; one per frontend session, holding that session's
/// backend sessions.
#[derive(Debug, Clone)]
pub struct Proxy {
    shared: Arc<Shared>,
    sessions: Arc<tokio::sync::Mutex<HashMap<String, Arc<BackendSession>>>>,
}

/// Makes a [`Proxy`] per frontend session over the same backends.
#[derive(Debug, Clone)]
pub struct ProxyFactory {
    shared: Arc<Shared>,
}

impl ProxyFactory {
    /// A factory over `backends`.
    pub fn new(backends: Vec<Backend>) -> Self {
        let backends = backends.into_iter().map(Arc::new).collect();
        Self { shared: Arc::new(Shared { backends, last_tools: Mutex::new(HashMap::new()) }) }
    }

    /// A handler for a new frontend session, with no backend session yet.
    pub fn session(&self) -> Proxy {
        Proxy { shared: self.shared.clone(), sessions: Arc::default() }
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
                let open: Vec<(String, Arc<BackendSession>)> = sessions.lock().await.drain().collect();
                for (name, session) in open {
                    if let Some(backend) = shared.backends.iter().find(|b| b.name == name) {
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

impl Proxy {
    fn backend(&self, name: &str) -> Option<&Arc<Backend>> {
        self.shared.backends.iter().find(|b| b.name == name)
    }

    /// This frontend session's session with `backend`, opened if need be.
    async fn session(&self, backend: &Backend) -> Result<Arc<BackendSession>, BackendError> {
        let mut sessions = self.sessions.lock().await;
        if let Some(s) = sessions.get(&backend.name) {
            return Ok(s.clone());
        }
        let s = Arc::new(backend.open().await?);
        sessions.insert(backend.name.clone(), s.clone());
        Ok(s)
    }

    /// `method` on `backend` in this session; an expired session is reopened
    /// once, and a failed one forgotten so that the next call reconnects.
    async fn request(
        &self,
        backend: &Backend,
        method: &str,
        params: Value,
    ) -> Result<Result<Value, backend::RpcError>, BackendError> {
        for attempt in 0..2 {
            let session = self.session(backend).await?;
            match backend.request(&session, method, params.clone()).await {
                Err(e) => {
                    self.sessions.lock().await.remove(&backend.name);
                    if !matches!(e, BackendError::SessionGone) || attempt == 1 {
                        return Err(e);
                    }
                }
                ok => return ok,
            }
        }
        Err(BackendError::SessionGone)
    }

    /// `backend`'s tools, every page; the last known list if it is down.
    async fn tools_of(&self, backend: &Backend) -> Vec<Tool> {
        let mut tools = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let params = cursor.as_ref().map_or_else(|| json!({}), |c| json!({"cursor": c}));
            let Ok(Ok(page)) = self.request(backend, "tools/list", params).await else {
                return self
                    .shared
                    .last_tools
                    .lock()
                    .ok()
                    .and_then(|m| m.get(&backend.name).cloned())
                    .unwrap_or_default();
            };
            let items = page.get("tools").and_then(Value::as_array).cloned().unwrap_or_default();
            tools.extend(items.into_iter().filter_map(|t| serde_json::from_value::<Tool>(t).ok()));
            cursor = page.get("nextCursor").and_then(Value::as_str).map(str::to_owned);
            if cursor.is_none() {
                break;
            }
        }
        if let Ok(mut last) = self.shared.last_tools.lock() {
            last.insert(backend.name.clone(), tools.clone());
        }
        tools
    }
}

impl ServerHandler for Proxy {
    fn get_info(&self) -> ServerConfig {
        let names: Vec<&str> = self.shared.backends.iter().map(|b| b.name.as_str()).collect();
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("mcpcheck-proxied", env!("CARGO_PKG_VERSION")))
            .with_instructions(format!("A proxy; tools are NAME_TOOL for the backends {}.", names.join(", ")))
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        no_cursor(request.as_ref())?;
        let lists = futures::future::join_all(self.shared.backends.iter().map(|b| self.tools_of(b))).await;
        let mut tools = Vec::new();
        for (backend, list) in self.shared.backends.iter().zip(lists) {
            for mut tool in list {
                tool.name = format!("{}_{}", backend.name, tool.name).into();
                tools.push(tool);
            }
        }
        let result = ListToolsResult::with_all_items(tools);
        Ok(if stateless(&context) {
            result.with_ttl_ms(0).with_cache_scope(CacheScope::Public)
        } else {
            result
        })
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let unknown = || ErrorData::invalid_params(format!("unknown tool {}", request.name), None);
        let (name, tool) = request.name.split_once('_').ok_or_else(unknown)?;
        let backend = self.backend(name).ok_or_else(unknown)?.clone();
        let mut params = json!({"name": tool});
        if let Some(arguments) = &request.arguments {
            params["arguments"] = Value::Object(arguments.clone());
        }
        match self.request(&backend, "tools/call", params).await {
            Err(e) => Err(unavailable(name, &e)),
            Ok(Err(e)) => Err(ErrorData::new(ErrorCode(e.code), format!("{name}: {}", e.message), e.data)),
            Ok(Ok(result)) => {
                let mut result = serde_json::from_value::<CallToolResult>(result)
                    .map_err(|e| unavailable(name, &BackendError::Protocol(e.to_string())))?;
                // The backend speaks 2025-11-25, which has no resultType; rmcp
                // drops it again for frontend sessions on older revisions.
                result.result_type.get_or_insert(ResultType::COMPLETE);
                Ok(result.into())
            }
        }
    }
}

/// Serves a proxy over `backends` at `path` until `shutdown` resolves.
pub async fn serve_proxied_http(
    listener: tokio::net::TcpListener,
    backends: Vec<Backend>,
    path: String,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let cancel = tokio_util::sync::CancellationToken::new();
    let opts = crate::http::HttpOptions { path, faults: crate::faults::FaultSet::clean() };
    let factory = ProxyFactory::new(backends);
    let app = crate::http::mcp_router(move || Ok(factory.session()), opts, cancel.clone());
    crate::http::serve_router(listener, app, cancel, shutdown).await
}
