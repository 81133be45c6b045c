//! The proxy's MCP face: each frontend request renamed, routed to its
//! backend ([`Proxy::route_name`], [`Proxy::route_uri`]) and its answer
//! renamed back; lists merged from every backend.

#[allow(deprecated)] // logging: see get_info
use rmcp::model::SetLevelRequestParams;
use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams,
        CompleteResult, CustomRequest, CustomResult, ErrorCode, GetPromptRequestParams, GetPromptResponse,
        GetPromptResult, Implementation, InitializeRequestParams, InitializeResult, ListPromptsResult,
        ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams, Prompt,
        ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Reference, Resource,
        ResourceContents, ResourceTemplate, ResultType, ServerCapabilities, ServerConfig, Tool,
    },
    service::RequestContext,
};
use serde_json::{Value, json};

use super::{BackendError, Proxy, answered, cached, list_name, list_uri, unavailable};
use crate::composed::{namespace_uri, no_cursor, stateless, uris};

type Cx = RequestContext<RoleServer>;

impl ServerHandler for Proxy {
    /// rmcp's own negotiation, remembering the result: backend sessions are
    /// opened at the frontend's revision.
    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: Cx,
    ) -> Result<InitializeResult, ErrorData> {
        context.peer.set_peer_info(request.clone());
        let result = self.negotiate_initialize(&request)?;
        let _ = self.frontend_version.set(result.protocol_version.to_string());
        Ok(result)
    }

    #[allow(deprecated)] // logging: deprecated on 2026-07-28, part of the revisions before it
    fn get_info(&self) -> ServerConfig {
        let names: Vec<&str> = self.shared.backends.iter().map(|b| b.name.as_str()).collect();
        let caps = ServerCapabilities::builder()
            .enable_tools()
            .enable_prompts()
            .enable_resources()
            .enable_completions()
            .enable_logging()
            .build();
        ServerConfig::new(caps)
            .with_server_info(Implementation::new("mcpcheck-proxied", env!("CARGO_PKG_VERSION")))
            .with_instructions(format!("A proxy; tools are NAME_TOOL for the backends {}.", names.join(", ")))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.listed_tool(name)
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: Cx,
    ) -> Result<ListToolsResult, ErrorData> {
        no_cursor(request.as_ref())?;
        let backends = &self.shared.backends;
        let tools = self
            .merged("tools/list", "tools", &context, |ns, tool: &mut Tool| {
                list_name(backends, ns, &tool.name).map(|name| tool.name = name.into()).is_some()
            })
            .await;
        let result = ListToolsResult::with_all_items(tools);
        Ok(cached(result, &context, |r| r.with_ttl_ms(0).with_cache_scope(CacheScope::Public)))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: Cx,
    ) -> Result<CallToolResponse, ErrorData> {
        let result = self.forward_call(&request.name, request.arguments.as_ref(), Some(&context)).await?;
        Ok(result.into())
    }

    async fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: Cx,
    ) -> Result<ListPromptsResult, ErrorData> {
        no_cursor(request.as_ref())?;
        let backends = &self.shared.backends;
        let prompts = self
            .merged("prompts/list", "prompts", &context, |ns, p: &mut Prompt| {
                list_name(backends, ns, &p.name).map(|name| p.name = name).is_some()
            })
            .await;
        let result = ListPromptsResult::with_all_items(prompts);
        Ok(cached(result, &context, |r| r.with_ttl_ms(0).with_cache_scope(CacheScope::Public)))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: Cx,
    ) -> Result<GetPromptResponse, ErrorData> {
        let unknown = || ErrorData::invalid_params(format!("unknown prompt {}", request.name), None);
        let (backend, prompt) = self.route_name(&request.name).ok_or_else(unknown)?;
        let mut params = json!({"name": prompt});
        if let Some(arguments) = &request.arguments {
            params["arguments"] = Value::Object(arguments.clone());
        }
        let mut result: GetPromptResult = self.forward(&backend, "prompts/get", params, &context).await?;
        result.result_type.get_or_insert(ResultType::COMPLETE);
        if !backend.unprefixed {
            let schemes = self.schemes_of(&backend, Some(&context)).await;
            uris::namespace_messages(&mut result.messages, &backend.name, &schemes);
        }
        Ok(result.into())
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: Cx,
    ) -> Result<ListResourcesResult, ErrorData> {
        no_cursor(request.as_ref())?;
        let backends = &self.shared.backends;
        let resources = self
            .merged("resources/list", "resources", &context, |ns, r: &mut Resource| {
                list_uri(backends, ns, &r.uri).map(|uri| r.uri = uri).is_some()
            })
            .await;
        let result = ListResourcesResult::with_all_items(resources);
        Ok(cached(result, &context, |r| r.with_ttl_ms(0).with_cache_scope(CacheScope::Public)))
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: Cx,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        no_cursor(request.as_ref())?;
        let backends = &self.shared.backends;
        let templates = self
            .merged(
                "resources/templates/list",
                "resourceTemplates",
                &context,
                |ns, t: &mut ResourceTemplate| {
                    list_uri(backends, ns, &t.uri_template).map(|uri| t.uri_template = uri).is_some()
                },
            )
            .await;
        let result = ListResourceTemplatesResult::with_all_items(templates);
        Ok(cached(result, &context, |r| r.with_ttl_ms(0).with_cache_scope(CacheScope::Public)))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: Cx,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let not_found = || {
            let data = json!({"uri": request.uri});
            ErrorData::resource_not_found(format!("no resource at {}", request.uri), Some(data))
        };
        let (backend, uri) = self.route_uri(&request.uri).ok_or_else(not_found)?;
        let mut result: ReadResourceResult =
            self.forward(&backend, "resources/read", json!({"uri": uri}), &context).await?;
        result.result_type.get_or_insert(ResultType::COMPLETE);
        if !backend.unprefixed {
            for contents in &mut result.contents {
                let uri = match contents {
                    ResourceContents::TextResourceContents { uri, .. }
                    | ResourceContents::BlobResourceContents { uri, .. } => uri,
                    _ => continue,
                };
                if let Some(namespaced) = namespace_uri(uri, &backend.name) {
                    *uri = namespaced;
                }
            }
        }
        Ok(result.into())
    }

    async fn complete(
        &self,
        mut request: CompleteRequestParams,
        context: Cx,
    ) -> Result<CompleteResult, ErrorData> {
        let unknown = || ErrorData::invalid_params("nothing to complete for this reference", None);
        let backend = match &mut request.r#ref {
            Reference::Prompt(p) => {
                let (backend, own) = self.route_name(&p.name).ok_or_else(unknown)?;
                p.name = own;
                backend
            }
            Reference::Resource(r) => {
                let (backend, own) = self.route_uri(&r.uri).ok_or_else(unknown)?;
                r.uri = own;
                backend
            }
            _ => return Err(unknown()),
        };
        let params =
            serde_json::to_value(&request).map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        let mut result: CompleteResult =
            self.forward(&backend, "completion/complete", params, &context).await?;
        result.result_type.get_or_insert(ResultType::COMPLETE);
        Ok(result)
    }

    /// Remembered for backend sessions opened later (each gets it as it
    /// opens), and sent now to those already open. A backend that is down
    /// gets it when it is reached again;
    /// one without logging refuses it and sends no logs anyway: neither
    /// fails the request.
    #[allow(deprecated)] // logging: see get_info
    async fn set_level(&self, request: SetLevelRequestParams, context: Cx) -> Result<(), ErrorData> {
        // 2026-07-28 removed the method; rmcp still routes it here.
        if stateless(&context) {
            return Err(ErrorData::new(ErrorCode::METHOD_NOT_FOUND, "logging/setLevel", None));
        }
        let level = serde_json::to_value(request.level)
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        if let Ok(mut l) = self.level.lock() {
            *l = Some(level.clone());
        }
        let params = json!({"level": level});
        let sends = self.shared.backends.iter().map(|b| async {
            // A backend session opened from now on gets the level as it opens.
            if self.has_session(&b.name).await {
                let _ = self.request(b, "logging/setLevel", params.clone(), Some(&context)).await;
            }
        });
        futures::future::join_all(sends).await;
        Ok(())
    }

    // rmcp hands requests whose params do not parse to this method: a
    // `logging/setLevel` here has a level that does not exist, which
    // logging#error-handling answers -32602 (as the plain server does).
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        context: Cx,
    ) -> Result<CustomResult, ErrorData> {
        if request.method == "logging/setLevel" && !stateless(&context) {
            return Err(ErrorData::invalid_params("invalid log level", request.params));
        }
        Err(ErrorData::new(ErrorCode::METHOD_NOT_FOUND, request.method, None))
    }
}

impl Proxy {
    /// `tools/call` of frontend tool `name`: routed, forwarded, its content's
    /// URIs renamed back. With `cx` as [`Proxy::request`] takes it: `None`
    /// for a stateless call relayed without rmcp ([`super::lean`]).
    pub(super) async fn forward_call(
        &self,
        name: &str,
        arguments: Option<&serde_json::Map<String, Value>>,
        cx: Option<&Cx>,
    ) -> Result<CallToolResult, ErrorData> {
        let unknown = || ErrorData::invalid_params(format!("unknown tool {name}"), None);
        let (backend, tool) = self.route_name(name).ok_or_else(unknown)?;
        let mut params = json!({"name": tool});
        if let Some(arguments) = arguments {
            params["arguments"] = Value::Object(arguments.clone());
        }
        let name = &backend.name;
        match self.request(&backend, "tools/call", params, cx).await {
            Err(e) => Err(unavailable(name, &e)),
            Ok(Err(e)) => Err(answered(name, e)),
            Ok(Ok(result)) => {
                let mut result = serde_json::from_value::<CallToolResult>(result)
                    .map_err(|e| unavailable(name, &BackendError::Protocol(e.to_string())))?;
                // The backend speaks 2025-11-25, which has no resultType; rmcp
                // drops it again for frontend sessions on older revisions.
                result.result_type.get_or_insert(ResultType::COMPLETE);
                if !backend.unprefixed {
                    let schemes = self.schemes_of(&backend, cx).await;
                    uris::namespace_blocks(result.content.iter_mut(), name, &schemes);
                }
                Ok(result)
            }
        }
    }
}
