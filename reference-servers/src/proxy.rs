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
//! Forwarded: tools, prompts (`NAME_prompt`), resources and templates
//! (`scheme://NAME/path`, as in [`crate::composed`]) and completion, client
//! to backend. Not forwarded (yet): logging, progress, cancellation and
//! anything the backend sends on its own (notifications, server requests).

mod backend;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams,
        CompleteResult, ErrorCode, GetPromptRequestParams, GetPromptResponse, GetPromptResult,
        Implementation, InitializeRequestParams, InitializeResult, ListPromptsResult,
        ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams, Prompt,
        ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Reference, Resource,
        ResourceContents, ResourceTemplate, ResultType, ServerCapabilities, ServerConfig, Tool,
    },
    service::RequestContext,
};
use serde_json::{Value, json};

pub use backend::{Backend, BackendError, BackendSession};

use crate::composed::{namespace_uri, no_cursor, split_uri, stateless};

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
    /// Each backend's last list per method (un-namespaced), for when it is down.
    last: Mutex<HashMap<(String, &'static str), Vec<Value>>>,
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
        Self { shared: Arc::new(Shared { backends, last: Mutex::new(HashMap::new()) }) }
    }

    /// A handler for a new frontend session, with no backend session yet.
    pub fn session(&self) -> Proxy {
        let slots = self.shared.backends.iter().map(|b| (b.name.clone(), Slot::default())).collect();
        Proxy {
            shared: self.shared.clone(),
            sessions: Arc::new(slots),
            frontend_version: Arc::new(std::sync::OnceLock::new()),
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

impl Proxy {
    fn backend(&self, name: &str) -> Option<&Arc<Backend>> {
        self.shared.backends.iter().find(|b| b.name == name)
    }

    /// This frontend session's session with `backend`, opened if need be.
    async fn session(&self, backend: &Backend) -> Result<Arc<BackendSession>, BackendError> {
        let slot =
            self.sessions.get(&backend.name).ok_or_else(|| BackendError::Protocol("no slot".into()))?;
        let mut slot = slot.lock().await;
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        let version = self.frontend_version.get().map(String::as_str).unwrap_or(backend::BACKEND_VERSION);
        let s = Arc::new(backend.open(version).await?);
        *slot = Some(s.clone());
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
                    if let Some(slot) = self.sessions.get(&backend.name) {
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
    async fn list_all(&self, backend: &Backend, method: &'static str, key: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let params = cursor.as_ref().map_or_else(|| json!({}), |c| json!({"cursor": c}));
            let page = match self.request(backend, method, params).await {
                Ok(Ok(page)) => page,
                // The backend answered: it has no such list.
                Ok(Err(_)) => return Vec::new(),
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

    /// Every backend's `method` list, each item renamed by `rename`.
    async fn merged<T: serde::de::DeserializeOwned>(
        &self,
        method: &'static str,
        key: &str,
        rename: impl Fn(&str, &mut T) -> bool,
    ) -> Vec<T> {
        let lists =
            futures::future::join_all(self.shared.backends.iter().map(|b| self.list_all(b, method, key)))
                .await;
        let mut all = Vec::new();
        for (backend, list) in self.shared.backends.iter().zip(lists) {
            for item in list {
                if let Ok(mut item) = serde_json::from_value::<T>(item)
                    && rename(&backend.name, &mut item)
                {
                    all.push(item);
                }
            }
        }
        all
    }

    /// Forwards `method` to the backend `name`; the result as `T`.
    async fn forward<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
        method: &str,
        params: Value,
    ) -> Result<T, ErrorData> {
        let backend = self
            .backend(name)
            .ok_or_else(|| ErrorData::invalid_params(format!("no backend {name}"), None))?;
        let backend = backend.clone();
        match self.request(&backend, method, params).await {
            Err(e) => Err(unavailable(name, &e)),
            Ok(Err(e)) => Err(ErrorData::new(ErrorCode(e.code), format!("{name}: {}", e.message), e.data)),
            Ok(Ok(result)) => serde_json::from_value::<T>(result)
                .map_err(|e| unavailable(name, &BackendError::Protocol(e.to_string()))),
        }
    }
}

fn cached<T>(result: T, context: &RequestContext<RoleServer>, hint: impl FnOnce(T) -> T) -> T {
    if stateless(context) { hint(result) } else { result }
}

impl ServerHandler for Proxy {
    /// rmcp's own negotiation, remembering the result: backend sessions are
    /// opened at the frontend's revision.
    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, ErrorData> {
        context.peer.set_peer_info(request.clone());
        let result = self.negotiate_initialize(&request)?;
        let _ = self.frontend_version.set(result.protocol_version.to_string());
        Ok(result)
    }

    fn get_info(&self) -> ServerConfig {
        let names: Vec<&str> = self.shared.backends.iter().map(|b| b.name.as_str()).collect();
        let caps = ServerCapabilities::builder()
            .enable_tools()
            .enable_prompts()
            .enable_resources()
            .enable_completions()
            .build();
        ServerConfig::new(caps)
            .with_server_info(Implementation::new("mcpcheck-proxied", env!("CARGO_PKG_VERSION")))
            .with_instructions(format!("A proxy; tools are NAME_TOOL for the backends {}.", names.join(", ")))
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        no_cursor(request.as_ref())?;
        let tools = self
            .merged("tools/list", "tools", |ns, tool: &mut Tool| {
                tool.name = format!("{ns}_{}", tool.name).into();
                true
            })
            .await;
        let result = ListToolsResult::with_all_items(tools);
        Ok(cached(result, &context, |r| r.with_ttl_ms(0).with_cache_scope(CacheScope::Public)))
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

    async fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        no_cursor(request.as_ref())?;
        let prompts = self
            .merged("prompts/list", "prompts", |ns, p: &mut Prompt| {
                p.name = format!("{ns}_{}", p.name);
                true
            })
            .await;
        let result = ListPromptsResult::with_all_items(prompts);
        Ok(cached(result, &context, |r| r.with_ttl_ms(0).with_cache_scope(CacheScope::Public)))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let unknown = || ErrorData::invalid_params(format!("unknown prompt {}", request.name), None);
        let (name, prompt) = request.name.split_once('_').ok_or_else(unknown)?;
        self.backend(name).ok_or_else(unknown)?;
        let mut params = json!({"name": prompt});
        if let Some(arguments) = &request.arguments {
            params["arguments"] = Value::Object(arguments.clone());
        }
        let mut result: GetPromptResult = self.forward(name, "prompts/get", params).await?;
        result.result_type.get_or_insert(ResultType::COMPLETE);
        Ok(result.into())
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        no_cursor(request.as_ref())?;
        let resources = self
            .merged("resources/list", "resources", |ns, r: &mut Resource| {
                namespace_uri(&r.uri, ns).map(|uri| r.uri = uri).is_some()
            })
            .await;
        let result = ListResourcesResult::with_all_items(resources);
        Ok(cached(result, &context, |r| r.with_ttl_ms(0).with_cache_scope(CacheScope::Public)))
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        no_cursor(request.as_ref())?;
        let templates = self
            .merged("resources/templates/list", "resourceTemplates", |ns, t: &mut ResourceTemplate| {
                namespace_uri(&t.uri_template, ns).map(|uri| t.uri_template = uri).is_some()
            })
            .await;
        let result = ListResourceTemplatesResult::with_all_items(templates);
        Ok(cached(result, &context, |r| r.with_ttl_ms(0).with_cache_scope(CacheScope::Public)))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let not_found = || ErrorData::resource_not_found(format!("no resource at {}", request.uri), None);
        let (name, uri) = split_uri(&request.uri).ok_or_else(not_found)?;
        self.backend(name).ok_or_else(not_found)?;
        let mut result: ReadResourceResult =
            self.forward(name, "resources/read", json!({"uri": uri})).await?;
        result.result_type.get_or_insert(ResultType::COMPLETE);
        for contents in &mut result.contents {
            let uri = match contents {
                ResourceContents::TextResourceContents { uri, .. }
                | ResourceContents::BlobResourceContents { uri, .. } => uri,
                _ => continue,
            };
            if let Some(namespaced) = namespace_uri(uri, name) {
                *uri = namespaced;
            }
        }
        Ok(result.into())
    }

    async fn complete(
        &self,
        mut request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        let unknown = || ErrorData::invalid_params("nothing to complete for this reference", None);
        let name = match &mut request.r#ref {
            Reference::Prompt(p) => {
                let (name, own) = p.name.split_once('_').ok_or_else(unknown)?;
                let name = name.to_owned();
                p.name = own.to_owned();
                name
            }
            Reference::Resource(r) => {
                let (name, own) = split_uri(&r.uri).ok_or_else(unknown)?;
                let name = name.to_owned();
                r.uri = own;
                name
            }
            _ => return Err(unknown()),
        };
        self.backend(&name).ok_or_else(unknown)?;
        let params =
            serde_json::to_value(&request).map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        let mut result: CompleteResult = self.forward(&name, "completion/complete", params).await?;
        result.result_type.get_or_insert(ResultType::COMPLETE);
        Ok(result)
    }
}

/// Serves a proxy over `backends` at `path` until `shutdown` resolves.
pub async fn serve_proxied_http(
    listener: tokio::net::TcpListener,
    backends: Vec<Backend>,
    path: String,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let factory = ProxyFactory::new(backends);
    crate::http::serve_handler_http(listener, move || factory.session(), path, shutdown).await
}
