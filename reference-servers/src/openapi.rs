//! The OpenAPI server: an MCP server generated from an OpenAPI 3 document
//! the way FastMCP's `from_openapi` turns a
//! REST API into tools.
//!
//! Each operation becomes a tool: its name is the `operationId` (or
//! `{method}_{path}` without one), its `inputSchema` an object with one
//! property per parameter (path, query, header) and, for a JSON request
//! body, a `body` property holding the body's schema. A call becomes the
//! HTTP request; a 2xx response is the tool's text result, anything else an
//! `isError` result carrying the status and the body. `GET` and `HEAD`
//! operations are annotated `readOnlyHint`.
//!
//! Why by hand and not an OpenAPI crate: the server needs a handful of
//! fields (paths, methods, parameters, the JSON request body) and must turn
//! them back into JSON Schema anyway, which it gets by walking the
//! document's JSON directly, resolving local `$ref`s (bounded depth and expansion). The
//! document must be JSON (YAML would need another crate).
//!
//! Bounded: each upstream request has [`TIMEOUT`], at most
//! [`MAX_RESPONSE`] bytes of the response are kept, redirects are not
//! followed, no proxy is used, and nothing from the MCP client (no token,
//! no header) is passed to the REST API.

mod document;

use std::{collections::HashMap, sync::Arc, time::Duration};

use reqwest::{Method, Url};
use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
        ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
    },
    service::RequestContext,
};
use serde_json::{Map, Value, json};

use crate::composed::{Catalogue, Mountable, list_tools_of, no_cursor};
pub use document::{Format, parse_document};

/// Bound on one upstream request, connect to last byte.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Most response bytes kept for the tool result; the rest is cut off.
pub const MAX_RESPONSE: usize = 1024 * 1024;
/// Deepest `$ref` chain followed; deeper (or cyclic) refs become `{}`.
const MAX_REF_DEPTH: usize = 16;
/// Most values one document's `$ref`s may expand to, all uses together.
/// Depth alone does not bound the work: refs that fan out (a schema that
/// refers to the next one twice, sixteen deep) copy 2^16 values per use
/// from a document of a few hundred bytes. A test server's APIs stay far
/// below this; past it, schemas are cut, not the server refused.
const MAX_REF_VALUES: usize = 100_000;
/// The methods OpenAPI 3 path items may hold.
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Why a document could not become a server.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    /// The base URL does not parse or cannot carry a path.
    #[error("base URL {0:?} is not an http(s) URL")]
    BaseUrl(String),
    /// Not an OpenAPI 3 document.
    #[error("not an OpenAPI 3 document: {0}")]
    NotOpenApi(String),
    /// Two operations would be the same tool.
    #[error("two operations are named {0:?}")]
    DuplicateName(String),
    /// The document is not valid JSON or YAML.
    #[error("the document does not parse: {0}")]
    Syntax(String),
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Client(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Location {
    Path,
    Query,
    Header,
}

/// One operation, as the call needs it.
#[derive(Debug, Clone)]
struct Operation {
    method: Method,
    /// The path template, e.g. `/api/items/{id}`.
    path: String,
    params: Vec<(String, Location)>,
    /// Whether a JSON request body goes in the `body` argument.
    body: bool,
}

struct Inner {
    title: String,
    base: Url,
    client: reqwest::Client,
    tools: Vec<Tool>,
    ops: HashMap<String, Operation>,
}

/// An MCP server whose tools are a REST API's operations; cheap to clone.
#[derive(Clone)]
pub struct OpenApiServer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for OpenApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenApiServer").field("base", &self.inner.base.as_str()).finish()
    }
}

/// Follows a local `$ref` (`#/a/b`) in `doc`.
fn lookup<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// `value` with every local `$ref` replaced by what it points at. Each value
/// copied from a `$ref`'s target takes one from `budget` (the document's,
/// [`MAX_REF_VALUES`]); once it is spent, further refs become `{}`, as
/// too deep ones do.
fn resolve(doc: &Value, value: &Value, depth: usize, budget: &mut usize) -> Value {
    if depth > MAX_REF_DEPTH || (depth > 0 && *budget == 0) {
        return json!({});
    }
    if depth > 0 {
        *budget -= 1;
    }
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                return lookup(doc, r)
                    .map_or_else(|| json!({}), |target| resolve(doc, target, depth + 1, budget));
            }
            Value::Object(map.iter().map(|(k, v)| (k.clone(), resolve(doc, v, depth, budget))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| resolve(doc, v, depth, budget)).collect()),
        other => other.clone(),
    }
}

/// A tool name the spec allows (letters, digits, `_`, `-`, `.`; 1–128).
fn tool_name(method: &str, path: &str, operation_id: Option<&str>) -> String {
    let raw = operation_id.map_or_else(|| format!("{method}_{path}"), str::to_owned);
    let mut name: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '_' })
        .collect();
    name = name.trim_matches('_').to_owned();
    name.truncate(128);
    if name.is_empty() { method.to_owned() } else { name }
}

/// One tool and its operation from `op` (an operation object) at `path`.
fn operation(
    doc: &Value,
    path: &str,
    method: &str,
    item: &Value,
    op: &Value,
    budget: &mut usize,
) -> (Tool, Operation) {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut params = Vec::new();
    // Path-item parameters apply to every operation; the operation's own
    // parameters come second and win.
    let declared = item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(op.get("parameters").and_then(Value::as_array).into_iter().flatten());
    for param in declared {
        let param = resolve(doc, param, 0, budget);
        let (Some(name), Some(location)) = (param.get("name").and_then(Value::as_str), param.get("in"))
        else {
            continue;
        };
        let location = match location.as_str() {
            Some("path") => Location::Path,
            Some("query") => Location::Query,
            Some("header") => Location::Header,
            _ => continue,
        };
        let mut schema = param.get("schema").cloned().unwrap_or_else(|| json!({}));
        if let (Some(d), Value::Object(s)) = (param.get("description"), &mut schema) {
            s.insert("description".into(), d.clone());
        }
        properties.insert(name.to_owned(), schema);
        let is_required = location == Location::Path || param.get("required") == Some(&json!(true));
        if is_required && !required.contains(&json!(name)) {
            required.push(json!(name));
        }
        params.retain(|(n, _)| n != name);
        params.push((name.to_owned(), location));
    }
    let body_schema = op.get("requestBody").map(|b| resolve(doc, b, 0, budget)).and_then(|b| {
        Some((b.pointer("/content/application~1json/schema")?.clone(), b.get("required").cloned()))
    });
    let body = body_schema.is_some();
    if let Some((schema, body_required)) = body_schema {
        properties.insert("body".into(), schema);
        if body_required == Some(json!(true)) {
            required.push(json!("body"));
        }
    }
    let mut input = Map::new();
    input.insert("type".into(), json!("object"));
    input.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        input.insert("required".into(), Value::Array(required));
    }
    let name = tool_name(method, path, op.get("operationId").and_then(Value::as_str));
    let description = ["summary", "description"]
        .iter()
        .find_map(|k| op.get(*k).and_then(Value::as_str))
        .map_or_else(|| format!("{} {path}", method.to_uppercase()), str::to_owned);
    let read_only = matches!(method, "get" | "head");
    let tool = Tool::new(name, description, Arc::new(input))
        .with_annotations(ToolAnnotations::new().read_only(read_only));
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap_or(Method::GET);
    (tool, Operation { method, path: path.to_owned(), params, body })
}

impl OpenApiServer {
    /// The server for `doc` (an OpenAPI 3 document as JSON), calling the API
    /// at `base_url` (operation paths are appended to its path).
    pub fn from_spec(doc: &Value, base_url: &str) -> Result<Self, OpenApiError> {
        let base = Url::parse(base_url).map_err(|_| OpenApiError::BaseUrl(base_url.to_owned()))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(OpenApiError::BaseUrl(base_url.to_owned()));
        }
        let version = doc.get("openapi").and_then(Value::as_str).unwrap_or_default();
        if !version.starts_with("3.") {
            return Err(OpenApiError::NotOpenApi(format!("\"openapi\" is {version:?}, not 3.x")));
        }
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| OpenApiError::NotOpenApi("no \"paths\" object".into()))?;
        let mut tools = Vec::new();
        let mut ops = HashMap::new();
        let mut budget = MAX_REF_VALUES;
        for (path, item) in paths {
            let item = resolve(doc, item, 0, &mut budget);
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let (tool, operation) = operation(doc, path, method, &item, op, &mut budget);
                if ops.insert(tool.name.to_string(), operation).is_some() {
                    return Err(OpenApiError::DuplicateName(tool.name.to_string()));
                }
                tools.push(tool);
            }
        }
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|e| OpenApiError::Client(e.to_string()))?;
        let title = doc.pointer("/info/title").and_then(Value::as_str).unwrap_or("openapi").to_owned();
        Ok(Self { inner: Arc::new(Inner { title, base, client, tools, ops }) })
    }

    /// The URL for `op` with `args` filled in, or what argument is missing.
    fn url(&self, op: &Operation, args: &Map<String, Value>) -> Result<Url, String> {
        let mut url = self.inner.base.clone();
        {
            let mut segments = url.path_segments_mut().map_err(|()| "base URL cannot carry a path")?;
            segments.pop_if_empty();
            for segment in op.path.split('/').filter(|s| !s.is_empty()) {
                match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => {
                        let value = args.get(name).ok_or_else(|| format!("missing path parameter {name}"))?;
                        segments.push(&plain(value));
                    }
                    None => {
                        segments.push(segment);
                    }
                }
            }
        }
        let query: Vec<(&str, String)> = op
            .params
            .iter()
            .filter(|(_, l)| *l == Location::Query)
            .filter_map(|(n, _)| args.get(n).map(|v| (n.as_str(), plain(v))))
            .collect();
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    /// Makes the request for `op`; the tool result it becomes.
    async fn call(&self, name: &str, op: &Operation, args: Map<String, Value>) -> CallToolResult {
        let url = match self.url(op, &args) {
            Ok(url) => url,
            Err(e) => return error_result(format!("invalid arguments for {name}: {e}")),
        };
        let mut request = self.inner.client.request(op.method.clone(), url);
        for (param, _) in op.params.iter().filter(|(_, l)| *l == Location::Header) {
            if let Some(value) = args.get(param) {
                request = request.header(param.as_str(), plain(value));
            }
        }
        if op.body
            && let Some(body) = args.get("body")
        {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        let mut response = match request.send().await {
            Ok(r) => r,
            Err(e) => return error_result(format!("request to the API failed: {e}")),
        };
        let status = response.status();
        let mut body = Vec::new();
        let mut truncated = false;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = MAX_RESPONSE - body.len();
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if chunk.len() > room {
                        truncated = true;
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => return error_result(format!("reading the API's response failed: {e}")),
            }
        }
        let mut text = String::from_utf8_lossy(&body).into_owned();
        if truncated {
            text.push_str(&format!("\n[cut off after {MAX_RESPONSE} bytes]"));
        }
        if status.is_success() {
            let text = if text.is_empty() { format!("HTTP {status}") } else { text };
            CallToolResult::success(vec![ContentBlock::text(text)])
        } else {
            error_result(format!("HTTP {status}: {text}"))
        }
    }
}

/// A parameter value as it goes into a URL or header: strings as they are,
/// anything else as JSON.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn error_result(text: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text)])
}

impl Mountable for OpenApiServer {
    fn catalogue(&self) -> Catalogue {
        Catalogue { tools: self.inner.tools.clone(), ..Catalogue::default() }
    }
}

impl ServerHandler for OpenApiServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("mcpcheck-openapi", env!("CARGO_PKG_VERSION")))
            .with_instructions(format!(
                "Tools calling the REST API {:?} at {}.",
                self.inner.title, self.inner.base
            ))
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        no_cursor(request.as_ref())?;
        Ok(list_tools_of(&self.catalogue(), &context))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(op) = self.inner.ops.get(request.name.as_ref()) else {
            return Err(ErrorData::invalid_params(format!("unknown tool {}", request.name), None));
        };
        Ok(self.call(&request.name, op, request.arguments.unwrap_or_default()).await.into())
    }
}

/// Serves `server` over Streamable HTTP at `opts.path`, within
/// `opts.limits`, until `shutdown` resolves.
pub async fn serve_openapi_http(
    listener: tokio::net::TcpListener,
    server: OpenApiServer,
    opts: crate::http::HttpOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    crate::http::serve_handler_http(listener, move || server.clone(), opts, shutdown).await
}
