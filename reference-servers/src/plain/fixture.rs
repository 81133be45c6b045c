//! The conformance fixture: the plain server plus the tools, resources and
//! prompts that the official MCP conformance suite's server scenarios call
//! by name (`test_simple_text`, `test://static-text`, `test_simple_prompt`,
//! `test_input_required_result_elicitation`, ...).
//!
//! Why it exists: the suite (npm `@modelcontextprotocol/conformance`) is an
//! independent referee of the plain reference server, but most of its
//! scenarios can only judge a server that offers its fixture under its
//! names. With `mcpcheck serve plain --conformance-fixture` the plain server
//! offers them beside its own, so `scripts/official-suite.sh` can run both
//! frozen requirement sets against it. It is off by default: the plain
//! server that mcpcheck's own checks and tests see stays exactly as it is.
//!
//! [`FixtureServer`] wraps a [`PlainServer`] and hands it every request that
//! is not about a fixture name, so the two never disagree about anything
//! else (capabilities, versions, errors, faults). What it adds:
//!
//! - [`content`]: tools, resources, templates, prompts and completions that
//!   need nothing from the client (every revision);
//! - [`handshake`]: tools that send the client a request on the handshake
//!   revisions (sampling, elicitation), on the request's own SSE stream;
//! - [`input`]: the 2026-07-28 multi round-trip fixtures (tools and one
//!   prompt answering `input_required`) and the stateless diagnostics;
//! - [`tasks`]: the 2026-07-28 tasks-extension tools of the suite's `tasks-*`
//!   scenarios, on the plain server's task store.
//!
//! Left out, and why (reports/interop/official-suite.md says more): the
//! list-change triggers of `server-stateless` (the plain server declares no
//! `listChanged`, so the suite skips them); `test_reconnection`, which would
//! close its SSE stream mid-call (rmcp does that only through its session
//! manager, out of a handler's reach). All of these are in scenarios the
//! frozen sets do not score. The SEP-2243 `x-mcp-header` tool that
//! `http-custom-header-server-validation` looks for is the plain server's
//! own `regional_echo` (the scenario takes the first listed tool with such
//! a parameter, whatever its name).

// Logging is deprecated on 2026-07-28 and part of the revisions before it.
#[allow(deprecated)]
mod content;
mod handshake;
mod input;
mod tasks;

use std::sync::{Arc, Mutex};

use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult, CustomRequest,
        CustomResult, DiscoverResult, GetPromptRequestParams, GetPromptResponse, ListPromptsResult,
        ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
        ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse, ServerConfig, Tool,
    },
    service::RequestContext,
};

use super::PlainServer;
use crate::faults::FaultSet;

/// The plain server with the conformance suite's fixture beside it. One per
/// session (clones share the session's log level).
#[derive(Debug, Clone)]
pub struct FixtureServer {
    plain: PlainServer,
    /// The level `logging/setLevel` chose on this session, as its rank
    /// (debug 0 to emergency 7); `None` until a client sets one.
    log_level: Arc<Mutex<Option<u8>>>,
}

impl Default for FixtureServer {
    fn default() -> Self {
        Self::new()
    }
}

impl FixtureServer {
    /// The clean plain server with the fixture.
    pub fn new() -> Self {
        Self::with_faults(FaultSet::clean())
    }

    /// The plain server committing `faults`, with the fixture (which commits
    /// none of its own).
    pub fn with_faults(faults: FaultSet) -> Self {
        Self::around(PlainServer::with_faults(faults))
    }

    /// The fixture around `plain`, sharing its tasks: one plain server for
    /// every session keeps a task readable from any later request.
    pub fn around(plain: PlainServer) -> Self {
        Self { plain, log_level: Arc::default() }
    }
}

/// The revisions a request can be on, as far as the fixture cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// 2025-03-26 to 2025-11-25: `initialize`, sessions, server-to-client requests.
    Handshake,
    /// 2026-07-28: stateless, multi round-trip requests instead.
    Stateless,
}

fn era(context: &RequestContext<RoleServer>) -> Era {
    if context.protocol_version().is_some_and(|v| v >= ProtocolVersion::V_2026_07_28) {
        Era::Stateless
    } else {
        Era::Handshake
    }
}

/// Every fixture tool offered on `era`, in listing order.
pub fn tools(era: Era) -> Vec<Tool> {
    let mut all = content::tools();
    match era {
        Era::Handshake => all.extend(handshake::tools()),
        Era::Stateless => {
            all.extend(input::tools());
            all.extend(tasks::tools());
        }
    }
    all
}

impl ServerHandler for FixtureServer {
    fn get_info(&self) -> ServerConfig {
        self.plain.get_info()
    }

    async fn initialize(
        &self,
        request: rmcp::model::InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::InitializeResult, ErrorData> {
        self.plain.initialize(request, context).await
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.plain.get_tool(name)
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let era = era(&context);
        // SEP-1034's defaults and SEP-1330's enums are 2025-11-25's: an
        // older client's schema has neither.
        let older = context.protocol_version().is_some_and(|v| v < ProtocolVersion::V_2025_11_25);
        let mut result = self.plain.list_tools(request, context).await?;
        result.tools.extend(tools(era));
        if older {
            result.tools.retain(|t| !t.name.starts_with("test_elicitation_sep"));
        }
        Ok(result)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        match era(&context) {
            _ if content::has_tool(&name) => content::call(&name, &request, context).await,
            Era::Handshake if handshake::has_tool(&name) => {
                let level = self.log_level.lock().ok().and_then(|l| *l);
                handshake::call(&name, &request, context, level).await
            }
            Era::Stateless if input::has_tool(&name) => input::call_tool(&name, &request, &context).await,
            Era::Stateless if tasks::has_tool(&name) => {
                let caps = context.client_capabilities().and_then(|c| serde_json::to_value(c).ok());
                tasks::call_tool(&self.plain.tasks, &request, &caps.unwrap_or_default()).await
            }
            _ => self.plain.call_tool(request, context).await,
        }
    }

    async fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let era = era(&context);
        let mut result = self.plain.list_prompts(request, context).await?;
        result.prompts.extend(content::prompts(era));
        Ok(result)
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        match era(&context) {
            Era::Stateless if input::has_prompt(&request.name) => input::get_prompt(&request, &context),
            _ if content::has_prompt(&request.name) => content::get_prompt(&request),
            _ => self.plain.get_prompt(request, context).await,
        }
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        match content::complete(&request) {
            Some(result) => Ok(result),
            None => self.plain.complete(request, context).await,
        }
    }

    #[allow(deprecated)] // logging: part of the handshake revisions
    async fn set_level(
        &self,
        request: rmcp::model::SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        let level = request.level as u8;
        self.plain.set_level(request, context).await?;
        if let Ok(mut chosen) = self.log_level.lock() {
            *chosen = Some(level);
        }
        Ok(())
    }

    async fn on_custom_request(
        &self,
        request: CustomRequest,
        context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, ErrorData> {
        self.plain.on_custom_request(request, context).await
    }

    async fn discover(&self, context: RequestContext<RoleServer>) -> Result<DiscoverResult, ErrorData> {
        self.plain.discover(context).await
    }

    async fn get_task(
        &self,
        request: rmcp::model::GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::GetTaskResult, ErrorData> {
        self.plain.get_task(request, context).await
    }

    async fn update_task(
        &self,
        request: rmcp::model::UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.plain.update_task(request, context).await
    }

    async fn cancel_task(
        &self,
        request: rmcp::model::CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.plain.cancel_task(request, context).await
    }

    // `subscriptions/listen` (2026-07-28) as the plain server serves it, with
    // the fixture's resources subscribable too.
    fn accepted_subscription_filter(
        &self,
        requested: &rmcp::model::SubscriptionFilter,
    ) -> Option<rmcp::model::SubscriptionFilter> {
        let listed: Vec<String> = content::resources()
            .into_iter()
            .map(|r| r.uri.clone())
            .chain(super::all_resources(&self.plain.faults).into_iter().map(|r| r.uri))
            .collect();
        super::subscriptions::accepted(requested, &listed)
    }

    async fn listen(&self, subscription: rmcp::service::SubscriptionContext) -> Result<(), ErrorData> {
        self.plain.listen(subscription).await
    }

    #[allow(deprecated)] // subscriptions: part of the handshake revisions
    async fn subscribe(
        &self,
        request: rmcp::model::SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        if content::has_resource(&request.uri) {
            return Ok(());
        }
        self.plain.subscribe(request, context).await
    }

    #[allow(deprecated)]
    async fn unsubscribe(
        &self,
        request: rmcp::model::UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        if content::has_resource(&request.uri) {
            return Ok(());
        }
        self.plain.unsubscribe(request, context).await
    }

    // The fixture's resources head the first page; the plain server's pages
    // and cursors follow unchanged.
    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let first = request.as_ref().and_then(|r| r.cursor.as_ref()).is_none();
        let mut result = self.plain.list_resources(request, context).await?;
        if first {
            let mut all = content::resources();
            all.append(&mut result.resources);
            result.resources = all;
        }
        Ok(result)
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let mut result = self.plain.list_resource_templates(request, context).await?;
        result.resource_templates.extend(content::templates());
        Ok(result)
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        match content::read(&request.uri, era(&context)) {
            Some(result) => result,
            None => self.plain.read_resource(request, context).await,
        }
    }
}

/// Builds an rmcp result type from its wire JSON: the fixture's results are
/// written as the suite's scenarios describe them, on the wire.
pub(crate) fn from_wire<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ErrorData> {
    serde_json::from_value(value).map_err(|e| ErrorData::internal_error(format!("fixture result: {e}"), None))
}

/// Serves the plain server with the fixture over Streamable HTTP, as
/// [`crate::serve_plain_http`] serves it without: same corrections, faults
/// and limits, until `shutdown` resolves.
pub async fn serve_fixture_http(
    listener: tokio::net::TcpListener,
    opts: crate::HttpOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let plain = PlainServer::with_faults(opts.faults.clone());
    crate::http::serve_handler_http(listener, move || FixtureServer::around(plain.clone()), opts, shutdown)
        .await
}
