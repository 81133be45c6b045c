//! The composed server: several MCP servers combined into one at code level
//! each mounted under a namespace.
//!
//! Mounting renames what a child offers so that children cannot collide:
//! tools and prompts become `{namespace}_{name}`, resource URIs
//! `{scheme}://{path}` become `{scheme}://{namespace}/{path}`, and resource
//! templates are renamed the same way. A [`Composed`] server is itself
//! [`Mountable`], so mounts nest (`outer_inner_add`,
//! `calc://outer/inner/about`). Two mounts that would offer the same name,
//! URI or template, or share a namespace, are an error from
//! [`ComposedBuilder::build`], at start-up, never a silent overwrite.
//!
//! Why a catalogue and not live listing: the clash check has to run before
//! any client connects, and rmcp's list methods need a live session
//! ([`RequestContext`] cannot be built outside one). So a child describes
//! what it offers up front ([`Mountable::catalogue`]); calls, reads, prompt
//! gets and completions are delegated live, with the caller's context, so
//! progress, cancellation and logging reach the right session.

mod arithmetic;
pub mod uris;

use std::{collections::HashMap, sync::Arc};

use futures::future::BoxFuture;
use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams,
        CompleteResult, ContentBlock, GetPromptRequestParams, GetPromptResponse, Implementation,
        ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
        PaginatedRequestParams, Prompt, ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse,
        Reference, Resource, ResourceContents, ResourceTemplate, ServerCapabilities, ServerConfig, Tool,
    },
    service::RequestContext,
};

pub use arithmetic::Arithmetic;

/// What a server offers, known before any session: what mounting renames and
/// checks for clashes.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    /// Tools, as `tools/list` gives them.
    pub tools: Vec<Tool>,
    /// Prompts, as `prompts/list` gives them.
    pub prompts: Vec<Prompt>,
    /// Concrete resources, as `resources/list` gives them.
    pub resources: Vec<Resource>,
    /// Resource templates, as `resources/templates/list` gives them.
    pub templates: Vec<ResourceTemplate>,
}

/// A server that can be mounted: an rmcp handler that can say what it
/// offers without a session.
pub trait Mountable: ServerHandler + Clone {
    /// Everything the server lists; it must not change while mounted.
    fn catalogue(&self) -> Catalogue;
}

/// Why a composition was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ComposeError {
    /// Namespaces are non-empty ASCII letters, digits, `-` and `_`.
    #[error("namespace {0:?} is not letters, digits, '-' and '_'")]
    BadNamespace(String),
    /// Two mounts under one namespace.
    #[error("namespace {0:?} is mounted twice")]
    NamespaceTaken(String),
    /// A resource URI or template without `scheme://` cannot be namespaced.
    #[error("{0:?} (in namespace {1:?}) has no scheme:// to put the namespace after")]
    NoScheme(String, String),
    /// Two mounts would offer the same thing under one name.
    #[error("{kind} {name:?} is offered by both {first:?} and {second:?}")]
    Clash {
        /// `tool`, `prompt`, `resource` or `resource template`.
        kind: &'static str,
        /// The clashing name after namespacing.
        name: String,
        /// The namespace that claimed it first.
        first: String,
        /// The namespace that tried to claim it again.
        second: String,
    },
}

/// The object-safe face of a mounted child: what the composed server
/// delegates to it (rmcp's handler methods return `impl Future`, which a
/// trait object cannot).
trait Child: Send + Sync {
    fn capabilities(&self) -> ServerCapabilities;
    fn call_tool(
        &self,
        p: CallToolRequestParams,
        cx: RequestContext<RoleServer>,
    ) -> BoxFuture<'_, Result<CallToolResponse, ErrorData>>;
    fn get_prompt(
        &self,
        p: GetPromptRequestParams,
        cx: RequestContext<RoleServer>,
    ) -> BoxFuture<'_, Result<GetPromptResponse, ErrorData>>;
    fn read_resource(
        &self,
        p: ReadResourceRequestParams,
        cx: RequestContext<RoleServer>,
    ) -> BoxFuture<'_, Result<ReadResourceResponse, ErrorData>>;
    fn complete(
        &self,
        p: CompleteRequestParams,
        cx: RequestContext<RoleServer>,
    ) -> BoxFuture<'_, Result<CompleteResult, ErrorData>>;
}

impl<H: Mountable> Child for H {
    fn capabilities(&self) -> ServerCapabilities {
        self.get_info().capabilities
    }
    fn call_tool(
        &self,
        p: CallToolRequestParams,
        cx: RequestContext<RoleServer>,
    ) -> BoxFuture<'_, Result<CallToolResponse, ErrorData>> {
        Box::pin(ServerHandler::call_tool(self, p, cx))
    }
    fn get_prompt(
        &self,
        p: GetPromptRequestParams,
        cx: RequestContext<RoleServer>,
    ) -> BoxFuture<'_, Result<GetPromptResponse, ErrorData>> {
        Box::pin(ServerHandler::get_prompt(self, p, cx))
    }
    fn read_resource(
        &self,
        p: ReadResourceRequestParams,
        cx: RequestContext<RoleServer>,
    ) -> BoxFuture<'_, Result<ReadResourceResponse, ErrorData>> {
        Box::pin(ServerHandler::read_resource(self, p, cx))
    }
    fn complete(
        &self,
        p: CompleteRequestParams,
        cx: RequestContext<RoleServer>,
    ) -> BoxFuture<'_, Result<CompleteResult, ErrorData>> {
        Box::pin(ServerHandler::complete(self, p, cx))
    }
}

/// `scheme://path` → `scheme://{ns}/path`; `None` without `://`.
pub fn namespace_uri(uri: &str, ns: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    Some(format!("{scheme}://{ns}/{rest}"))
}

/// `scheme://{ns}/path` → (`ns`, `scheme://path`).
pub(crate) fn split_uri(uri: &str) -> Option<(&str, String)> {
    let (scheme, rest) = uri.split_once("://")?;
    let (ns, path) = rest.split_once('/')?;
    Some((ns, format!("{scheme}://{path}")))
}

fn valid_namespace(ns: &str) -> bool {
    !ns.is_empty() && ns.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Builds a [`Composed`] server: [`mount`](Self::mount) children, then
/// [`build`](Self::build), which refuses clashes.
pub struct ComposedBuilder {
    name: String,
    mounts: Vec<(String, Arc<dyn Child>, Catalogue)>,
}

impl ComposedBuilder {
    /// Mounts `server` under `namespace`.
    pub fn mount<H: Mountable>(mut self, namespace: impl Into<String>, server: H) -> Self {
        let catalogue = server.catalogue();
        self.mounts.push((namespace.into(), Arc::new(server), catalogue));
        self
    }

    /// The composed server, or the first clash (or bad namespace) found.
    pub fn build(self) -> Result<Composed, ComposeError> {
        let mut index = Index::default();
        let mut owners: HashMap<(&'static str, String), String> = HashMap::new();
        let mut claim = |kind: &'static str, name: &str, ns: &str| match owners.get(&(kind, name.to_owned()))
        {
            Some(first) => Err(ComposeError::Clash {
                kind,
                name: name.to_owned(),
                first: first.clone(),
                second: ns.to_owned(),
            }),
            None => {
                owners.insert((kind, name.to_owned()), ns.to_owned());
                Ok(())
            }
        };
        let mut mounts = Vec::new();
        for (m, (ns, child, catalogue)) in self.mounts.into_iter().enumerate() {
            index.schemes.push(uris::schemes_of(&catalogue));
            if !valid_namespace(&ns) {
                return Err(ComposeError::BadNamespace(ns));
            }
            if index.namespaces.insert(ns.clone(), m).is_some() {
                return Err(ComposeError::NamespaceTaken(ns));
            }
            for mut tool in catalogue.tools {
                let name = format!("{ns}_{}", tool.name);
                claim("tool", &name, &ns)?;
                index.tools.insert(name.clone(), (m, tool.name.to_string()));
                tool.name = name.into();
                index.catalogue.tools.push(tool);
            }
            for mut prompt in catalogue.prompts {
                let name = format!("{ns}_{}", prompt.name);
                claim("prompt", &name, &ns)?;
                index.prompts.insert(name.clone(), (m, prompt.name.clone()));
                prompt.name = name;
                index.catalogue.prompts.push(prompt);
            }
            for mut resource in catalogue.resources {
                let uri = namespace_uri(&resource.uri, &ns)
                    .ok_or_else(|| ComposeError::NoScheme(resource.uri.clone(), ns.clone()))?;
                claim("resource", &uri, &ns)?;
                resource.uri = uri;
                index.catalogue.resources.push(resource);
            }
            for mut template in catalogue.templates {
                let uri = namespace_uri(&template.uri_template, &ns)
                    .ok_or_else(|| ComposeError::NoScheme(template.uri_template.clone(), ns.clone()))?;
                claim("resource template", &uri, &ns)?;
                template.uri_template = uri;
                index.catalogue.templates.push(template);
            }
            mounts.push((ns, child));
        }
        Ok(Composed { inner: Arc::new(Inner { name: self.name, mounts, index }) })
    }
}

/// Where each namespaced name goes.
#[derive(Default)]
struct Index {
    catalogue: Catalogue,
    namespaces: HashMap<String, usize>,
    /// Namespaced tool name → (mount, the child's own name).
    tools: HashMap<String, (usize, String)>,
    /// Namespaced prompt name → (mount, the child's own name).
    prompts: HashMap<String, (usize, String)>,
    /// Per mount, the URI schemes of its resources (see [`uris`]).
    schemes: Vec<std::collections::BTreeSet<String>>,
}

struct Inner {
    name: String,
    mounts: Vec<(String, Arc<dyn Child>)>,
    index: Index,
}

/// Several servers mounted into one; cheap to clone (one per session).
#[derive(Clone)]
pub struct Composed {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Composed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let namespaces: Vec<&str> = self.inner.mounts.iter().map(|(ns, _)| ns.as_str()).collect();
        f.debug_struct("Composed").field("name", &self.inner.name).field("mounts", &namespaces).finish()
    }
}

impl Composed {
    /// An empty composition reporting `name` as its `serverInfo.name`.
    pub fn builder(name: impl Into<String>) -> ComposedBuilder {
        ComposedBuilder { name: name.into(), mounts: Vec::new() }
    }

    /// The seed's example: an add server and a subtract server mounted as
    /// `add` and `subtract` (tools `add_add` and `subtract_subtract`).
    pub fn example() -> Result<Composed, ComposeError> {
        Composed::builder("mcpcheck-composed")
            .mount("add", Arithmetic::add())
            .mount("subtract", Arithmetic::subtract())
            .build()
    }

    /// Mounts nested: the seed's example mounted as `math`, beside an add
    /// server mounted as `plus` (tools `math_add_add`,
    /// `math_subtract_subtract`, `plus_add`; resources
    /// `calc://math/add/about`, `calc://plus/about`, ...).
    pub fn nested_example() -> Result<Composed, ComposeError> {
        Composed::builder("mcpcheck-composed-nested")
            .mount("math", Composed::example()?)
            .mount("plus", Arithmetic::add())
            .build()
    }

    fn mount_of(&self, ns: &str) -> Option<(usize, &Arc<dyn Child>)> {
        let m = *self.inner.index.namespaces.get(ns)?;
        self.inner.mounts.get(m).map(|(_, child)| (m, child))
    }

    fn child(&self, m: usize) -> Result<&Arc<dyn Child>, ErrorData> {
        self.inner.mounts.get(m).map(|(_, c)| c).ok_or_else(|| ErrorData::internal_error("lost mount", None))
    }

    /// Mount `m`'s resource URIs in `blocks` put under its namespace.
    fn namespace_blocks(&self, m: usize, blocks: &mut [ContentBlock]) {
        if let (Some((ns, _)), Some(schemes)) = (self.inner.mounts.get(m), self.inner.index.schemes.get(m)) {
            uris::namespace_blocks(blocks.iter_mut(), ns, schemes);
        }
    }

    /// The child and its own URI for a namespaced `uri`.
    fn route_uri(&self, uri: &str) -> Option<(&str, &Arc<dyn Child>, String)> {
        let (ns, child_uri) = split_uri(uri)?;
        let (m, child) = self.mount_of(ns)?;
        Some((self.inner.mounts[m].0.as_str(), child, child_uri))
    }
}

impl Mountable for Composed {
    fn catalogue(&self) -> Catalogue {
        self.inner.index.catalogue.clone()
    }
}

/// Whether the request is on the stateless revision (cache hints required).
pub(crate) fn stateless(context: &RequestContext<RoleServer>) -> bool {
    context.protocol_version().is_some_and(|v| v >= ProtocolVersion::V_2026_07_28)
}

/// Lists come in one page; a cursor is one this server never issued.
pub(crate) fn no_cursor(request: Option<&PaginatedRequestParams>) -> Result<(), ErrorData> {
    match request.and_then(|r| r.cursor.as_deref()) {
        Some(_) => Err(ErrorData::invalid_params("invalid cursor", None)),
        None => Ok(()),
    }
}

/// The catalogue's lists, with the cache hints 2026-07-28 requires. Shared
/// by every server in this crate that lists from a [`Catalogue`].
pub(crate) fn list_tools_of(c: &Catalogue, cx: &RequestContext<RoleServer>) -> ListToolsResult {
    let result = ListToolsResult::with_all_items(c.tools.clone());
    if stateless(cx) { result.with_ttl_ms(0).with_cache_scope(CacheScope::Public) } else { result }
}

pub(crate) fn list_prompts_of(c: &Catalogue, cx: &RequestContext<RoleServer>) -> ListPromptsResult {
    let result = ListPromptsResult::with_all_items(c.prompts.clone());
    if stateless(cx) { result.with_ttl_ms(0).with_cache_scope(CacheScope::Public) } else { result }
}

pub(crate) fn list_resources_of(c: &Catalogue, cx: &RequestContext<RoleServer>) -> ListResourcesResult {
    let result = ListResourcesResult::with_all_items(c.resources.clone());
    if stateless(cx) { result.with_ttl_ms(0).with_cache_scope(CacheScope::Public) } else { result }
}

pub(crate) fn list_templates_of(
    c: &Catalogue,
    cx: &RequestContext<RoleServer>,
) -> ListResourceTemplatesResult {
    let result = ListResourceTemplatesResult::with_all_items(c.templates.clone());
    if stateless(cx) { result.with_ttl_ms(0).with_cache_scope(CacheScope::Public) } else { result }
}

impl ServerHandler for Composed {
    fn get_info(&self) -> ServerConfig {
        let c = &self.inner.index.catalogue;
        let completions =
            self.inner.mounts.iter().any(|(_, child)| child.capabilities().completions.is_some());
        let mut caps = ServerCapabilities::default();
        if !c.tools.is_empty() {
            caps.tools = Some(Default::default());
        }
        if !c.prompts.is_empty() {
            caps.prompts = Some(Default::default());
        }
        if !c.resources.is_empty() || !c.templates.is_empty() {
            caps.resources = Some(Default::default());
        }
        if completions {
            caps.completions = Some(Default::default());
        }
        let namespaces: Vec<&str> = self.inner.mounts.iter().map(|(ns, _)| ns.as_str()).collect();
        ServerConfig::new(caps)
            .with_server_info(Implementation::new(self.inner.name.clone(), env!("CARGO_PKG_VERSION")))
            .with_instructions(format!("Servers mounted under the namespaces {}.", namespaces.join(", ")))
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        no_cursor(request.as_ref())?;
        Ok(list_tools_of(&self.inner.index.catalogue, &context))
    }

    async fn call_tool(
        &self,
        mut request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some((m, own)) = self.inner.index.tools.get(request.name.as_ref()) else {
            return Err(ErrorData::invalid_params(format!("unknown tool {}", request.name), None));
        };
        let name = request.name.to_string();
        request.name = own.clone().into();
        let mut response = self.child(*m)?.call_tool(request, context).await;
        // Links to and embedded copies of the child's resources, readable
        // back through this server.
        if let Ok(CallToolResponse::Complete(result)) = &mut response {
            self.namespace_blocks(*m, &mut result.content);
        }
        match response {
            // Arguments that do not fit the schema are a tool error, as in
            // the plain server (tools#error-handling).
            Err(e) if e.code == ErrorData::invalid_params("", None).code => {
                let text = format!("invalid arguments for {name}: {}", e.message);
                Ok(CallToolResult::error(vec![ContentBlock::text(text)]).into())
            }
            other => other,
        }
    }

    async fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        no_cursor(request.as_ref())?;
        Ok(list_prompts_of(&self.inner.index.catalogue, &context))
    }

    async fn get_prompt(
        &self,
        mut request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let Some((m, own)) = self.inner.index.prompts.get(&request.name) else {
            return Err(ErrorData::invalid_params(format!("unknown prompt {}", request.name), None));
        };
        request.name = own.clone();
        let mut response = self.child(*m)?.get_prompt(request, context).await?;
        if let GetPromptResponse::Complete(result) = &mut response
            && let (Some((ns, _)), Some(schemes)) =
                (self.inner.mounts.get(*m), self.inner.index.schemes.get(*m))
        {
            uris::namespace_messages(&mut result.messages, ns, schemes);
        }
        Ok(response)
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        no_cursor(request.as_ref())?;
        Ok(list_resources_of(&self.inner.index.catalogue, &context))
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        no_cursor(request.as_ref())?;
        Ok(list_templates_of(&self.inner.index.catalogue, &context))
    }

    async fn read_resource(
        &self,
        mut request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let Some((ns, child, own)) = self.route_uri(&request.uri) else {
            let data = serde_json::json!({"uri": request.uri});
            return Err(ErrorData::resource_not_found(format!("no resource at {}", request.uri), Some(data)));
        };
        let ns = ns.to_owned();
        request.uri = own;
        let mut response = child.read_resource(request, context).await?;
        // The contents name the URI the client asked for, not the child's.
        if let ReadResourceResponse::Complete(result) = &mut response {
            for contents in &mut result.contents {
                let uri = match contents {
                    ResourceContents::TextResourceContents { uri, .. }
                    | ResourceContents::BlobResourceContents { uri, .. } => uri,
                    // A kind of contents newer than this server: left as is.
                    _ => continue,
                };
                if let Some(namespaced) = namespace_uri(uri, &ns) {
                    *uri = namespaced;
                }
            }
        }
        Ok(response)
    }

    async fn complete(
        &self,
        mut request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        if self.get_info().capabilities.completions.is_none() {
            // No child completes anything: the method is not offered.
            return Err(ErrorData::method_not_found::<rmcp::model::CompleteRequestMethod>());
        }
        let unknown = || ErrorData::invalid_params("nothing to complete for this reference", None);
        let child = match &mut request.r#ref {
            Reference::Prompt(p) => {
                let (m, own) = self.inner.index.prompts.get(&p.name).ok_or_else(unknown)?;
                p.name = own.clone();
                self.child(*m)?.clone()
            }
            Reference::Resource(r) => {
                let (_, child, own) = self.route_uri(&r.uri).ok_or_else(unknown)?;
                let child = child.clone();
                r.uri = own;
                child
            }
            _ => return Err(unknown()),
        };
        child.complete(request, context).await
    }
}

/// Serves `composed` over Streamable HTTP at `opts.path`, within
/// `opts.limits`, until `shutdown` resolves, behind the same corrections as
/// the plain server.
pub async fn serve_composed_http(
    listener: tokio::net::TcpListener,
    composed: Composed,
    opts: crate::http::HttpOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    crate::http::serve_handler_http(listener, move || composed.clone(), opts, shutdown).await
}
