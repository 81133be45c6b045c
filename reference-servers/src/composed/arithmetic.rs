//! The children of the default composition: a one-operation arithmetic
//! server, as `add` or `subtract`.
//!
//! Each offers one tool (named after its operation), one prompt
//! (`explain`), one resource (`calc://about`) and one template
//! (`calc://result/{a}/{b}`), so that mounting two of them shows every
//! renaming rule: `add_add`, `add_explain`, `calc://add/about`,
//! `calc://add/result/{a}/{b}`. A tool result embeds the result's resource
//! (`calc://result/{a}/{b}`), so that mounting shows URIs inside results
//! renamed too.

use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    handler::server::common::{schema_for_output, schema_for_type},
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, GetPromptRequestParams,
        GetPromptResponse, GetPromptResult, Implementation, ListPromptsResult, ListResourceTemplatesResult,
        ListResourcesResult, ListToolsResult, PaginatedRequestParams, Prompt, PromptMessage,
        ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource, ResourceContents,
        ResourceTemplate, Role, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
    },
    service::RequestContext,
};
use serde_json::{Value, json};

use super::{Catalogue, Mountable, list_prompts_of, list_resources_of, list_templates_of, list_tools_of};
use crate::plain::{Operands, Outcome};

const ABOUT_URI: &str = "calc://about";
const RESULT_PREFIX: &str = "calc://result/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Subtract,
}

/// A server with one arithmetic tool.
#[derive(Debug, Clone)]
pub struct Arithmetic {
    op: Op,
}

impl Arithmetic {
    /// The add server: tool `add`.
    pub fn add() -> Self {
        Self { op: Op::Add }
    }

    /// The subtract server: tool `subtract`.
    pub fn subtract() -> Self {
        Self { op: Op::Subtract }
    }

    fn name(&self) -> &'static str {
        match self.op {
            Op::Add => "add",
            Op::Subtract => "subtract",
        }
    }

    fn apply(&self, a: i64, b: i64) -> Option<i64> {
        match self.op {
            Op::Add => a.checked_add(b),
            Op::Subtract => a.checked_sub(b),
        }
    }
}

impl Mountable for Arithmetic {
    fn catalogue(&self) -> Catalogue {
        let description = match self.op {
            Op::Add => "Add two integers",
            Op::Subtract => "Subtract b from a",
        };
        let tool = Tool::new(self.name(), description, schema_for_type::<Operands>())
            .with_raw_output_schema(schema_for_output::<Outcome>())
            .with_annotations(ToolAnnotations::new().read_only(true));
        let prompt = Prompt::new("explain", Some(format!("Explain how {} works", self.name())), None);
        Catalogue {
            tools: vec![tool],
            prompts: vec![prompt],
            resources: vec![Resource::new(ABOUT_URI, "about").with_mime_type("text/plain")],
            templates: vec![
                ResourceTemplate::new(format!("{RESULT_PREFIX}{{a}}/{{b}}"), "result")
                    .with_mime_type("text/plain"),
            ],
        }
    }
}

impl ServerHandler for Arithmetic {
    fn get_info(&self) -> ServerConfig {
        let caps = ServerCapabilities::builder().enable_tools().enable_prompts().enable_resources().build();
        ServerConfig::new(caps).with_server_info(Implementation::new(
            format!("mcpcheck-{}", self.name()),
            env!("CARGO_PKG_VERSION"),
        ))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(list_tools_of(&self.catalogue(), &context))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        if request.name != self.name() {
            return Err(ErrorData::invalid_params(format!("unknown tool {}", request.name), None));
        }
        let args = Value::Object(request.arguments.unwrap_or_default());
        let result = match serde_json::from_value::<Operands>(args) {
            Err(e) => CallToolResult::error(vec![ContentBlock::text(format!("invalid arguments: {e}"))]),
            Ok(Operands { a, b }) => match self.apply(a, b) {
                Some(result) => {
                    let mut r = CallToolResult::structured(json!(Outcome { result }));
                    // The result is a resource too: embedded under the URI
                    // it can be read at again (renamed when mounted).
                    r.content.push(ContentBlock::embedded_text(
                        format!("{RESULT_PREFIX}{a}/{b}"),
                        result.to_string(),
                    ));
                    r
                }
                None => CallToolResult::error(vec![ContentBlock::text("integer overflow")]),
            },
        };
        Ok(result.into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(list_prompts_of(&self.catalogue(), &context))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        if request.name != "explain" {
            return Err(ErrorData::invalid_params(format!("unknown prompt {}", request.name), None));
        }
        let text = format!("Explain, with one example, how to {} two integers.", self.name());
        Ok(GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)]).into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(list_resources_of(&self.catalogue(), &context))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(list_templates_of(&self.catalogue(), &context))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri;
        let text = if uri == ABOUT_URI {
            Some(format!("the {} server of mcpcheck's composed example", self.name()))
        } else {
            uri.strip_prefix(RESULT_PREFIX)
                .and_then(|rest| rest.split_once('/'))
                .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?)))
                .and_then(|(a, b)| self.apply(a, b))
                .map(|n| n.to_string())
        };
        match text {
            Some(text) => Ok(ReadResourceResult::new(vec![ResourceContents::text(text, uri)]).into()),
            None => {
                Err(ErrorData::resource_not_found(format!("no resource at {uri}"), Some(json!({"uri": uri}))))
            }
        }
    }
}
