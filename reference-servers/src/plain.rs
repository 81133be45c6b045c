//! The plain reference server: a small, boring, correct MCP server.
//!
//! mcpcheck needs a known-good target to run its checks against (and, with
//! faults switched on in [`crate::http`], known-bad ones). This module is
//! only the MCP handler: three read-only tools (`add`, `subtract`, `echo`),
//! one text resource (`info://server`) and one prompt (`greeting`). The
//! transports live in [`crate::http`] and [`crate::stdio`].

use rmcp::{
    ErrorData, Json, RoleServer, ServerHandler,
    handler::server::{
        router::{prompt::PromptRouter, tool::ToolRouter},
        wrapper::Parameters,
    },
    model::{
        Implementation, ListResourcesResult, PaginatedRequestParams, PromptMessage,
        ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource, ResourceContents,
        Role, ServerCapabilities, ServerConfig,
    },
    prompt, prompt_handler, prompt_router,
    service::RequestContext,
    tool, tool_handler, tool_router,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `serverInfo.name` the plain server reports.
pub const SERVER_NAME: &str = "mcpcheck-plain";
/// URI of the one resource the plain server serves.
pub const INFO_URI: &str = "info://server";
/// Text of the `info://server` resource.
pub const INFO_TEXT: &str = "mcpcheck-plain: the plain reference server of mcpcheck";

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

/// Arguments of the `greeting` prompt.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GreetingArgs {
    /// Who to greet.
    pub name: String,
}

/// The plain server's handler. Cheap to clone; one per session.
#[derive(Debug, Clone)]
pub struct PlainServer {
    tool_router: ToolRouter<Self>,
    prompt_router: PromptRouter<Self>,
}

impl Default for PlainServer {
    fn default() -> Self {
        Self::new()
    }
}

#[tool_router]
impl PlainServer {
    /// A fresh handler.
    pub fn new() -> Self {
        Self { tool_router: Self::tool_router(), prompt_router: Self::prompt_router() }
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

#[tool_handler(router = self.tool_router)]
#[prompt_handler(router = self.prompt_router)]
impl ServerHandler for PlainServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder().enable_tools().enable_resources().enable_prompts().build(),
        )
        .with_server_info(Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION")))
        .with_instructions("A plain reference server: add, subtract, echo.")
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(vec![
            Resource::new(INFO_URI, "server-info").with_mime_type("text/plain"),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        if request.uri == INFO_URI {
            Ok(ReadResourceResult::new(vec![ResourceContents::text(INFO_TEXT, INFO_URI)]).into())
        } else {
            Err(ErrorData::resource_not_found(format!("no resource at {}", request.uri), None))
        }
    }
}
