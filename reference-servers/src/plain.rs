//! The plain reference server: a small, boring, correct MCP server.
//!
//! mcpcheck needs a known-good target to run its checks against (and, with
//! faults switched on, known-bad ones). This module is only the MCP handler:
//! read-only tools (`add`, `subtract`, `echo`, `regional_echo` (whose
//! `region` is mirrored into an `Mcp-Param-Region` header), and `sample_content` and
//! `count` to exercise every content type and progress), five text resources
//! served two per page with a template, one prompt (`greeting`) with
//! completion of its argument, and logging; on 2026-07-28 also the multi
//! round-trip tools of [`mrtr`], which ask the client for input first, and
//! the tasks extension's tools of [`tasks`], which may answer with a task. The
//! transports live in [`crate::http`] and [`crate::stdio`]. [`fixture`] wraps this
//! handler with the official conformance suite's fixture (off by default).
//!
//! Feature faults (tools, resources, prompts, utilities) are committed here,
//! in the handler, where a real server would get them wrong; each
//! `self.on(Fault::…)` is one catalogue entry of [`crate::faults`].

use std::sync::Arc;
use std::time::Duration;

use rmcp::{
    ErrorData, Json, RoleServer, ServerHandler,
    handler::server::{
        prompt::PromptContext,
        router::{prompt::PromptRouter, tool::ToolRouter},
        tool::ToolCallContext,
        wrapper::Parameters,
    },
    model::{
        CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams,
        CompleteResult, ContentBlock, CustomNotification, CustomRequest, CustomResult, DiscoverResult,
        ErrorCode, GetPromptRequestParams, GetPromptResponse, Implementation, ListPromptsResult,
        ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
        ProgressNotificationParam, Prompt, PromptArgument, PromptMessage, ProtocolVersion,
        ReadResourceRequestParams, ReadResourceResponse, Resource, Role, ServerCapabilities, ServerConfig,
        ServerNotification, SubscriptionFilter, Tool,
    },
    prompt, prompt_router,
    service::{RequestContext, SubscriptionContext},
    tool, tool_handler, tool_router,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::faults::{Fault, FaultSet};
use leak::leak_one_call;
use resources::all_resources;

pub mod asking;
mod completion;
pub mod fixture;
mod leak;
pub mod mrtr;
pub mod mrtr_prompt;
pub mod request_state;
mod resources;
pub mod subscriptions;
pub mod tasks;

/// The `serverInfo.name` the plain server reports.
pub const SERVER_NAME: &str = "mcpcheck-plain";
/// URI of the server-information resource.
pub const INFO_URI: &str = "info://server";
/// Text of the `info://server` resource.
pub const INFO_TEXT: &str = "mcpcheck-plain: the plain reference server of mcpcheck";
/// Resources per `resources/list` page: small, so that pagination is exercised.
pub const PAGE_SIZE: usize = 2;
/// How many `note://N` resources there are (N = 1..=NOTES).
pub const NOTES: usize = 4;
/// Names `greeting`'s argument completes to.
pub const NAMES: &[&str] = &["Ada", "Alan", "Barbara", "Grace", "Linus", "Margaret"];
/// A 1×1 transparent PNG, for `sample_content`.
pub(crate) const PIXEL_PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
/// A WAV header with no samples, for `sample_content`.
pub(crate) const EMPTY_WAV: &str = "UklGRiQAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQAAAAA=";
const CURSOR_PREFIX: &str = "page-";

/// Arguments of `add` and `subtract`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Operands {
    /// Left operand.
    pub a: i64,
    /// Right operand.
    pub b: i64,
}

/// Structured result of `add` and `subtract`: `{"result": n}`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Outcome {
    /// The computed integer.
    pub result: i64,
}

/// Arguments of `echo`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct EchoArgs {
    /// The text to send back.
    pub message: String,
}

/// Arguments of `regional_echo`: `region` is mirrored into the
/// `Mcp-Param-Region` header on 2026-07-28 (SEP-2243), which rmcp's
/// transport checks against the body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RegionalEchoArgs {
    /// The region the message is for.
    #[schemars(extend("x-mcp-header" = REGION_HEADER))]
    pub region: String,
    /// The text to send back.
    pub message: String,
}

/// The tool whose `region` is mirrored into a header.
pub const REGIONAL_ECHO: &str = "regional_echo";
/// The `x-mcp-header` name of `regional_echo`'s `region`.
pub const REGION_HEADER: &str = "Region";

/// Arguments of `count`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CountArgs {
    /// How many steps to count (1 to 10).
    #[schemars(range(min = 1, max = 10))]
    pub steps: u32,
}

/// Arguments of the `greeting` prompt.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GreetingArgs {
    /// Who to greet.
    pub name: String,
}

/// The plain server's handler. Cheap to clone: rmcp takes a fresh one for
/// each session, and on 2026-07-28 for every request (twice for a
/// `tools/call`), so the routers, built once, are shared rather than copied.
#[derive(Debug, Clone)]
pub struct PlainServer {
    tool_router: Arc<ToolRouter<Self>>,
    prompt_router: Arc<PromptRouter<Self>>,
    faults: FaultSet,
    /// The tasks of the tasks extension, shared by every clone.
    tasks: tasks::Tasks,
}

impl Default for PlainServer {
    fn default() -> Self {
        Self::new()
    }
}

#[tool_router]
impl PlainServer {
    /// A fresh, correct handler.
    pub fn new() -> Self {
        Self::with_faults(FaultSet::clean())
    }

    /// A handler committing `faults` (only the feature faults act here).
    pub fn with_faults(faults: FaultSet) -> Self {
        Self {
            tool_router: Arc::new(Self::tool_router()),
            prompt_router: Arc::new(Self::prompt_router()),
            faults,
            tasks: tasks::Tasks::default(),
        }
    }

    fn on(&self, fault: Fault) -> bool {
        self.faults.contains(fault)
    }

    #[tool(description = "Add two integers", annotations(read_only_hint = true))]
    fn add(&self, Parameters(Operands { a, b }): Parameters<Operands>) -> Result<Json<Outcome>, String> {
        a.checked_add(b).map(|result| Json(Outcome { result })).ok_or_else(|| "integer overflow".to_owned())
    }

    #[tool(description = "Subtract b from a", annotations(read_only_hint = true))]
    fn subtract(&self, Parameters(Operands { a, b }): Parameters<Operands>) -> Result<Json<Outcome>, String> {
        a.checked_sub(b).map(|result| Json(Outcome { result })).ok_or_else(|| "integer overflow".to_owned())
    }

    #[tool(description = "Return the message unchanged", annotations(read_only_hint = true))]
    fn echo(&self, Parameters(EchoArgs { message }): Parameters<EchoArgs>) -> String {
        message
    }

    #[tool(
        description = "Return the message prefixed with its region; the region travels in the Mcp-Param-Region header too",
        annotations(read_only_hint = true)
    )]
    fn regional_echo(
        &self,
        Parameters(RegionalEchoArgs { region, message }): Parameters<RegionalEchoArgs>,
    ) -> String {
        format!("{region}: {message}")
    }

    #[tool(
        description = "Return one content block of every kind: text, image, audio, resource link, embedded resource",
        annotations(read_only_hint = true)
    )]
    fn sample_content(&self, context: RequestContext<RoleServer>) -> CallToolResult {
        let image = if self.on(Fault::ContentNotBase64) { "not base64!" } else { PIXEL_PNG };
        let mut blocks = vec![
            ContentBlock::text("one block of every kind follows"),
            ContentBlock::image(image, "image/png"),
            ContentBlock::audio(EMPTY_WAV, "audio/wav"),
        ];
        // Resource links arrived in 2025-06-18: a 2025-03-26 client's schema
        // has no such block, so it gets none (the wire-schema check caught it).
        let old_client =
            context.peer.peer_info().is_some_and(|p| p.protocol_version == ProtocolVersion::V_2025_03_26);
        if !old_client {
            blocks.push(ContentBlock::resource_link(
                Resource::new(INFO_URI, "server-info").with_mime_type("text/plain"),
            ));
        }
        blocks.push(ContentBlock::embedded_text(INFO_URI, INFO_TEXT));
        CallToolResult::success(blocks)
    }

    #[tool(
        description = "Count to `steps`, reporting progress on the way; honours cancellation",
        annotations(read_only_hint = true)
    )]
    async fn count(
        &self,
        Parameters(CountArgs { steps }): Parameters<CountArgs>,
        context: RequestContext<RoleServer>,
    ) -> Result<String, String> {
        let steps = steps.clamp(1, 10);
        let token = context.meta.get_progress_token();
        for step in 1..=steps {
            if context.ct.is_cancelled() {
                return Err("cancelled".to_owned());
            }
            // `progress-not-increasing` reports every step twice.
            let times = if self.on(Fault::ProgressNotIncreasing) { 2 } else { 1 };
            for _ in 0..times {
                if let Some(token) = &token {
                    let mut p = ProgressNotificationParam::new(token.clone(), f64::from(step));
                    p.total = Some(f64::from(steps));
                    let _ = context.peer.notify_progress(p).await;
                }
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(50)) => {}
                () = context.ct.cancelled() => return Err("cancelled".to_owned()),
            }
        }
        Ok(format!("counted to {steps}"))
    }
}

#[prompt_router]
impl PlainServer {
    #[prompt(name = "greeting", description = "Greet someone by name")]
    async fn greeting(
        &self,
        Parameters(GreetingArgs { name }): Parameters<GreetingArgs>,
    ) -> Vec<PromptMessage> {
        vec![PromptMessage::new_text(Role::User, format!("Please greet {name} warmly."))]
    }
}

impl PlainServer {
    /// `Ok` for a URI `resources/list` lists, else -32002 Resource not found.
    fn known_resource(&self, uri: &str) -> Result<(), ErrorData> {
        if all_resources(&self.faults).iter().any(|r| r.uri == uri) {
            Ok(())
        } else {
            Err(ErrorData::resource_not_found(format!("no resource at {uri}"), None))
        }
    }
}

/// Whether the request is on the stateless revision (cache hints required).
fn stateless(context: &RequestContext<RoleServer>) -> bool {
    context.protocol_version().is_some_and(|v| v >= ProtocolVersion::V_2026_07_28)
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for PlainServer {
    #[allow(deprecated)] // logging: see set_level
    fn get_info(&self) -> ServerConfig {
        let mut caps = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .enable_prompts()
            .enable_completions()
            .enable_logging()
            .build();
        if self.on(Fault::CompletionUndeclared) {
            caps.completions = None;
        }
        // `resources/subscribe` belongs to the handshake revisions; `discover`
        // (2026-07-28) leaves the flag out, see there.
        if let Some(resources) = caps.resources.as_mut()
            && !self.on(Fault::SubscribeUndeclared)
        {
            resources.subscribe = Some(true);
        }
        // The tasks extension (SEP-2663): rmcp serves tasks/* only when it is
        // declared here; tasks are created on 2026-07-28 only ([`tasks`]).
        caps.extensions
            .get_or_insert_with(Default::default)
            .insert(rmcp::model::TASKS_EXTENSION_ID.to_owned(), Default::default());
        ServerConfig::new(caps)
            .with_server_info(Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION")))
            .with_instructions("A plain reference server: add, subtract, echo.")
    }

    // The tasks extension is not defined on the handshake revisions
    // (SEP-2663 backward compatibility), so `initialize` does not offer it.
    async fn initialize(
        &self,
        request: rmcp::model::InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::InitializeResult, ErrorData> {
        context.peer.set_peer_info(request.clone());
        let mut result = self.negotiate_initialize(&request)?;
        if let Some(extensions) = result.capabilities.extensions.as_mut() {
            extensions.remove(rmcp::model::TASKS_EXTENSION_ID);
            if extensions.is_empty() {
                result.capabilities.extensions = None;
            }
        }
        Ok(result)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let mut tools = self.tool_router.list_all();
        if self.on(Fault::ToolSchemaInvalid) {
            let schema = json!({"type": "object", "properties": {"x": {"type": "integr"}}});
            let schema = schema.as_object().cloned().unwrap_or_default();
            tools.push(Tool::new("broken_schema", "Its input schema is not a JSON Schema", schema));
        }
        if self.on(Fault::ToolNameDuplicate)
            && let Some(echo) = tools.iter().find(|t| t.name == "echo").cloned()
        {
            tools.push(echo);
        }
        // Last, so that checks picking the first callable tool pick one that
        // needs no input.
        match context.protocol_version() {
            _ if stateless(&context) => {
                tools.extend(mrtr::tools());
                tools.extend(tasks::tools());
            }
            Some(v) => tools.extend(asking::tools(&v)),
            None => {}
        }
        let mut result = ListToolsResult::with_all_items(tools);
        if stateless(&context) {
            result = result.with_ttl_ms(0).with_cache_scope(CacheScope::Public);
        }
        Ok(result)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        if stateless(&context)
            && let Some(tool) = mrtr::find(&name)
        {
            let caps = context.client_capabilities().and_then(|c| serde_json::to_value(c).ok());
            return mrtr::call(tool, &request, &caps.unwrap_or(Value::Null), &self.faults);
        }
        if stateless(&context) && tasks::has_tool(&name) {
            let caps = context.client_capabilities().and_then(|c| serde_json::to_value(c).ok());
            return self.tasks.call(&request, &caps.unwrap_or(Value::Null), &self.faults);
        }
        if let Some(v) = context.protocol_version().filter(|_| !stateless(&context))
            && let Some(tool) = asking::find(&name, &v)
        {
            return asking::call(tool, &context, &v, &self.faults).await;
        }
        if !self.tool_router.has_route(&name) {
            if self.on(Fault::UnknownToolIsResult) {
                let text = format!("no tool named {name}");
                return Ok(CallToolResponse::Complete(CallToolResult::error(vec![ContentBlock::text(text)])));
            }
            return Err(ErrorData::invalid_params(format!("unknown tool {name}"), None));
        }
        if self.on(Fault::LeakPerCall) {
            leak_one_call();
        }
        if self.on(Fault::LogMessageInvalid) {
            let params = json!({"level": "loud", "data": format!("calling {name}")});
            let bad = CustomNotification::new("notifications/message", Some(params));
            let _ = context.peer.send_notification(ServerNotification::CustomNotification(bad)).await;
        }
        let tcc = ToolCallContext::new(self, request, context);
        match self.tool_router.call(tcc).await {
            // Arguments that do not fit the input schema are an input
            // validation error, which tools report in the result (2025-11-25
            // tools#error-handling); rmcp makes them a -32602 protocol error.
            Err(e)
                if e.code == ErrorData::invalid_params("", None).code
                    && !self.on(Fault::InvalidArgumentsProtocolError) =>
            {
                let text = format!("invalid arguments for {name}: {}", e.message);
                Ok(CallToolResponse::Complete(CallToolResult::error(vec![ContentBlock::text(text)])))
            }
            Ok(CallToolResponse::Complete(mut result))
                if name == "add" && self.on(Fault::StructuredContentMismatch) =>
            {
                if let Some(Value::Object(s)) = result.structured_content.as_mut()
                    && let Some(n) = s.get("result").cloned()
                {
                    s.insert("result".into(), json!(n.to_string()));
                }
                Ok(CallToolResponse::Complete(result))
            }
            // `invalid-arguments-protocol-error`: a tool's own error result
            // (rmcp reports bad arguments that way too) becomes -32602.
            Ok(CallToolResponse::Complete(result))
                if result.is_error == Some(true) && self.on(Fault::InvalidArgumentsProtocolError) =>
            {
                Err(ErrorData::invalid_params(format!("invalid arguments for {name}"), None))
            }
            other => other,
        }
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let mut prompts = self.prompt_router.list_all();
        if self.on(Fault::PromptListedUnknown) {
            let arg = PromptArgument::new("name").with_required(true);
            prompts.push(Prompt::new("farewell", Some("Say goodbye"), Some(vec![arg])));
        }
        if stateless(&context) {
            prompts.push(mrtr_prompt::prompt());
        }
        let mut result = ListPromptsResult::with_all_items(prompts);
        if stateless(&context) {
            result = result.with_ttl_ms(0).with_cache_scope(CacheScope::Public);
        }
        Ok(result)
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        if stateless(&context) && request.name == mrtr_prompt::NAME {
            let caps = context.client_capabilities().and_then(|c| serde_json::to_value(c).ok());
            return mrtr_prompt::get(&request, &caps.unwrap_or(Value::Null), &self.faults);
        }
        if !self.prompt_router.has_route(&request.name) {
            if self.on(Fault::UnknownPromptWrongCode) {
                return Err(ErrorData::internal_error(format!("no prompt {}", request.name), None));
            }
            return Err(ErrorData::invalid_params(format!("unknown prompt {}", request.name), None));
        }
        let mut arguments = request.arguments;
        if self.on(Fault::PromptMissingArgumentAccepted) {
            arguments.get_or_insert_default().entry("name").or_insert(json!("someone"));
        }
        let pc = PromptContext::new(self, request.name, arguments, context);
        self.prompt_router.get_prompt(pc).await
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        completion::complete(&request, &self.faults)
    }

    // Logging is deprecated on 2026-07-28 but part of the revisions before it,
    // which this server serves too.
    #[allow(deprecated)]
    async fn set_level(
        &self,
        _request: rmcp::model::SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        // 2026-07-28 removed the method (the level travels in each request's
        // `_meta`); rmcp would still route it here.
        if self.on(Fault::SetLevelNotServed) || stateless(&context) {
            return Err(ErrorData::new(ErrorCode::METHOD_NOT_FOUND, "logging/setLevel", None));
        }
        Ok(())
    }

    // rmcp hands requests whose params do not parse to this method as custom
    // requests, and answers them -32601 by default. A `logging/setLevel` that
    // lands here has a level that does not exist, which logging#error-handling
    // answers -32602 (Invalid params).
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, ErrorData> {
        // `tasks-list-served`: the tasks/list SEP-2663 removed is answered.
        if request.method == "tasks/list" && self.on(Fault::TasksListServed) {
            return Ok(CustomResult::new(json!({"tasks": []})));
        }
        if request.method == "logging/setLevel" && !stateless(&context) {
            if self.on(Fault::SetLevelUnchecked) {
                return Ok(CustomResult::new(json!({})));
            }
            return Err(ErrorData::invalid_params("invalid log level", request.params));
        }
        Err(ErrorData::new(ErrorCode::METHOD_NOT_FOUND, request.method, None))
    }

    // On 2026-07-28 `resources.subscribe` promises resource updates on a
    // `subscriptions/listen` stream ([`subscriptions`]); on the handshake
    // revisions, resources/subscribe.
    async fn discover(&self, _context: RequestContext<RoleServer>) -> Result<DiscoverResult, ErrorData> {
        if self.on(Fault::DiscoverUnavailable) {
            return Err(ErrorData::new(ErrorCode::METHOD_NOT_FOUND, "server/discover", None));
        }
        let info = self.get_info();
        let mut versions = self.supported_protocol_versions().into_owned();
        if self.on(Fault::DiscoverOmitsHandshake) {
            versions.retain(|v| v.as_str() == "2026-07-28");
        }
        let mut result = DiscoverResult::from_server_info(versions, info);
        if self.on(Fault::DiscoverNoServerInfo) {
            result.meta = None;
        }
        Ok(result)
    }

    async fn get_task(
        &self,
        request: rmcp::model::GetTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::GetTaskResult, ErrorData> {
        self.tasks.get(&request.task_id, &self.faults)
    }

    async fn update_task(
        &self,
        request: rmcp::model::UpdateTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.tasks.update(&request.task_id, request.input_responses, &self.faults)
    }

    async fn cancel_task(
        &self,
        request: rmcp::model::CancelTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.tasks.cancel(&request.task_id, &self.faults)
    }

    fn accepted_subscription_filter(&self, requested: &SubscriptionFilter) -> Option<SubscriptionFilter> {
        let listed: Vec<String> = all_resources(&self.faults).into_iter().map(|r| r.uri).collect();
        subscriptions::accepted(requested, &listed)
    }

    async fn listen(&self, subscription: SubscriptionContext) -> Result<(), ErrorData> {
        subscriptions::listen(subscription, &self.tasks, &self.faults).await;
        Ok(())
    }

    // Subscriptions are legacy on 2026-07-28 (subscriptions/listen replaced
    // them) but part of the revisions before it. The resources never change,
    // so a subscription is accepted and has nothing to report.
    #[allow(deprecated)]
    async fn subscribe(
        &self,
        request: rmcp::model::SubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        if self.on(Fault::SubscribeNotServed) {
            return Err(ErrorData::new(ErrorCode::METHOD_NOT_FOUND, "resources/subscribe", None));
        }
        self.known_resource(&request.uri)
    }

    #[allow(deprecated)]
    async fn unsubscribe(
        &self,
        request: rmcp::model::UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.known_resource(&request.uri)
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let cursor = request.as_ref().and_then(|r| r.cursor.as_deref());
        resources::list(cursor, &self.faults, stateless(&context))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(resources::templates(&self.faults, stateless(&context)))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        resources::read(request.uri.as_str(), &self.faults)
    }
}
