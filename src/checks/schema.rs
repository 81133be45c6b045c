//! Wire schema (`schema`): every message the server sends in an ordinary
//! conversation is checked against the official schema of the revision in use.
//!
//! The schema comes from rust-mcp-schema, whose types are generated from the
//! specification's `schema.json` per revision; a message is deserialised into
//! the type its method calls for, and serde_path_to_error says where it
//! failed, which becomes the JSON pointer in the verdict. Nothing is copied
//! from the schema into mcpcheck.
//!
//! Coverage: rust-mcp-schema builds with one revision at a time (turning on
//! a second declares its `validators` module twice, and Cargo unifies the
//! features of one version), so mcpcheck depends on four semver-incompatible
//! versions, one revision each: 2.x for 2026-07-28, 1.x for 2025-11-25, 0.7
//! for 2025-06-18 and 0.6 for 2025-03-26. The older ones name the envelope
//! types `JsonrpcError`/`JsonrpcResponse`.

use super::tools::{self, Called};
use super::{Check, Ctx, Outcome, Transports, Verdict, pagination, server_requests, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc::{self, Kind};
use crate::wire::session::{Answered, Session};
use serde_json::{Value, json};

const SCHEMA_RULE: &str = "The authoritative definition of the protocol is the TypeScript schema (schema.ts) and its JSON Schema (schema.json); all messages MUST follow it";

pub const CHECKS: &[Check] = &[
    Check {
        id: "schema/messages/valid",
        title: "every message the server sends matches the revision's schema",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: SpecRef { page: "basic", anchor: "schema" },
        requirement: SCHEMA_RULE,
        run: runs!(messages_valid),
    },
    Check {
        id: "schema/server-requests/valid",
        title: "every request the server sends the client matches the revision's schema",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::Any,
        spec: SpecRef { page: "basic", anchor: "schema" },
        requirement: SCHEMA_RULE,
        run: runs!(server_requests_valid),
    },
];

/// Where a message departs from the schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// JSON pointer into the message.
    pub pointer: String,
    pub message: String,
}

impl Mismatch {
    /// The verdict on `what` (`msg`) departing from the schema of `version`.
    fn violation(&self, version: SpecVersion, what: &str, msg: &Value) -> Verdict {
        Verdict::violation(
            format!("{what} does not match the {version} schema at {}: {}", self.pointer, self.message),
            format!("a message valid against the {version} schema"),
            jsonrpc::show(Some(msg)),
        )
    }
}

fn pointer_of(prefix: &str, path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut p = prefix.to_string();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => p.push_str(&format!("/{index}")),
            Segment::Map { key } => p.push_str(&format!("/{}", key.replace('~', "~0").replace('/', "~1"))),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    p
}

fn as_type<'a, T: serde::Deserialize<'a>>(prefix: &str, v: &'a Value) -> Result<(), Mismatch> {
    serde_path_to_error::deserialize::<_, T>(v)
        .map(|_| ())
        .map_err(|e| Mismatch { pointer: pointer_of(prefix, e.path()), message: e.inner().to_string() })
}

/// Checks one message against the schema of `version`; `method` is that of
/// the request a response answers.
macro_rules! validate_with {
    ($m:path, $method:expr, $msg:expr) => {
        validate_with!($m, $method, $msg, JsonrpcErrorResponse, JsonrpcResultResponse)
    };
    ($m:path, $method:expr, $msg:expr, $error:ident, $result:ident) => {{
        use $m as s;
        let msg: &Value = $msg;
        match jsonrpc::kind(msg) {
            Kind::Response if msg.get("error").is_some() => as_type::<s::$error>("", msg),
            Kind::Response => {
                let r = msg.get("result").unwrap_or(&Value::Null);
                match $method {
                    "tools/list" => as_type::<s::ListToolsResult>("/result", r),
                    "tools/call" => as_type::<s::CallToolResult>("/result", r),
                    "resources/list" => as_type::<s::ListResourcesResult>("/result", r),
                    "resources/templates/list" => as_type::<s::ListResourceTemplatesResult>("/result", r),
                    "resources/read" => as_type::<s::ReadResourceResult>("/result", r),
                    "prompts/list" => as_type::<s::ListPromptsResult>("/result", r),
                    "prompts/get" => as_type::<s::GetPromptResult>("/result", r),
                    "completion/complete" => as_type::<s::CompleteResult>("/result", r),
                    _ => as_type::<s::$result>("", msg),
                }
            }
            Kind::Notification => match msg.get("method").and_then(Value::as_str) {
                Some("notifications/progress") => as_type::<s::ProgressNotification>("", msg),
                Some("notifications/message") => as_type::<s::LoggingMessageNotification>("", msg),
                _ => as_type::<s::JsonrpcNotification>("", msg),
            },
            _ => Ok(()),
        }
    }};
}

/// Checks one server message against the schema of `version`.
pub fn validate(version: SpecVersion, method: &str, msg: &Value) -> Result<(), Mismatch> {
    match version {
        SpecVersion::V2026_07_28 => match method {
            "server/discover" if msg.get("result").is_some() => {
                as_type::<mcp_schema_2026::DiscoverResult>("/result", &msg["result"])
            }
            // A multi round-trip request's first answer ("Servers MAY respond
            // to any supported client request with an InputRequiredResult",
            // basic/patterns/mrtr) is not the request's final result type.
            "tools/call" | "prompts/get" | "resources/read" if input_required(msg) => {
                as_type::<mcp_schema_2026::InputRequiredResult>("/result", &msg["result"])
            }
            _ => validate_with!(mcp_schema_2026, method, msg),
        },
        SpecVersion::V2025_11_25 => match method {
            "initialize" if msg.get("result").is_some() => {
                as_type::<mcp_schema_2025::InitializeResult>("/result", &msg["result"])
            }
            _ => validate_with!(mcp_schema_2025, method, msg),
        },
        SpecVersion::V2025_06_18 => match method {
            "initialize" if msg.get("result").is_some() => {
                as_type::<mcp_schema_2025_06::InitializeResult>("/result", &msg["result"])
            }
            _ => validate_with!(mcp_schema_2025_06, method, msg, JsonrpcError, JsonrpcResponse),
        },
        SpecVersion::V2025_03_26 => match method {
            "initialize" if msg.get("result").is_some() => {
                as_type::<mcp_schema_2025_03::InitializeResult>("/result", &msg["result"])
            }
            _ => validate_with!(mcp_schema_2025_03, method, msg, JsonrpcError, JsonrpcResponse),
        },
    }
}

/// Checks one request the server sent the client (the handshake
/// revisions: sampling, elicitation, roots, ping) against the schema of
/// `version`. The older crates' request types lack the envelope, which is
/// held to `JSONRPCRequest` first.
pub fn server_request(version: SpecVersion, msg: &Value) -> Result<(), Mismatch> {
    macro_rules! by_method {
        ($m:path, $($method:literal => $ty:ident),*) => {{
            use $m as s;
            as_type::<s::JsonrpcRequest>("", msg)?;
            match msg.get("method").and_then(Value::as_str) {
                $(Some($method) => as_type::<s::$ty>("", msg),)*
                other => Err(Mismatch {
                    pointer: "/method".into(),
                    message: format!(
                        "{} is not a request a server sends on {version}",
                        jsonrpc::show(other.map(|m| json!(m)).as_ref())
                    ),
                }),
            }
        }};
    }
    match version {
        SpecVersion::V2026_07_28 => input_request(msg),
        SpecVersion::V2025_11_25 => by_method!(mcp_schema_2025,
            "elicitation/create" => ElicitRequest, "sampling/createMessage" => CreateMessageRequest,
            "roots/list" => ListRootsRequest, "ping" => PingRequest),
        SpecVersion::V2025_06_18 => by_method!(mcp_schema_2025_06,
            "elicitation/create" => ElicitRequest, "sampling/createMessage" => CreateMessageRequest,
            "roots/list" => ListRootsRequest, "ping" => PingRequest),
        SpecVersion::V2025_03_26 => by_method!(mcp_schema_2025_03,
            "sampling/createMessage" => CreateMessageRequest, "roots/list" => ListRootsRequest,
            "ping" => PingRequest),
    }
}

/// Where one value of an `InputRequiredResult`'s `inputRequests` departs
/// from the 2026-07-28 schema: it must be an `ElicitRequest`, a
/// `CreateMessageRequest` or a `ListRootsRequest` (the pointer is relative
/// to the request).
pub fn input_request(request: &Value) -> Result<(), Mismatch> {
    use mcp_schema_2026 as s;
    match request.get("method").and_then(Value::as_str) {
        Some("elicitation/create") => as_type::<s::ElicitRequest>("", request),
        Some("sampling/createMessage") => as_type::<s::CreateMessageRequest>("", request),
        Some("roots/list") => as_type::<s::ListRootsRequest>("", request),
        other => Err(Mismatch {
            pointer: "/method".into(),
            message: format!(
                "method {} is none of elicitation/create, sampling/createMessage, roots/list",
                jsonrpc::show(other.map(|m| json!(m)).as_ref())
            ),
        }),
    }
}

/// Whether a response's result says it needs input first (2026-07-28's
/// `resultType: "input_required"`).
pub fn input_required(msg: &Value) -> bool {
    msg.pointer("/result/resultType").and_then(Value::as_str) == Some("input_required")
}

/// Every request the conversation made, with what came back.
struct Transcript(Vec<(String, Answered)>);

impl Transcript {
    async fn ask(&mut self, s: &mut Session, method: &str, params: Option<Value>) -> Result<Value, Verdict> {
        let a = s.request(method, params).await?;
        let result = a.result().cloned().unwrap_or(Value::Null);
        self.0.push((method.to_string(), a));
        Ok(result)
    }
}

fn first_str<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// An ordinary conversation: discovery, every declared list, a read, a
/// prompt, a completion and the allowed tool calls; then every message the
/// server sent is validated.
async fn messages_valid(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let mut t = Transcript(Vec::new());
    let mut checked = Vec::new();
    if let Some(init) = s.initialize.clone() {
        checked.push(("initialize".to_string(), init));
    } else {
        t.ask(&mut s, "server/discover", None).await?;
    }
    let caps = pagination::capabilities(&mut s).await?;
    for m in pagination::declared(&caps) {
        let first = t.ask(&mut s, m.method, None).await?;
        match m.method {
            "resources/list" => {
                if let Some(uri) = first_str(&first, "/resources/0/uri") {
                    t.ask(&mut s, "resources/read", Some(json!({"uri": uri}))).await?;
                }
            }
            "prompts/list" => {
                if let Some(name) = first_str(&first, "/prompts/0/name") {
                    let prompt = first.pointer("/prompts/0").cloned().unwrap_or_default();
                    let args: serde_json::Map<String, Value> = prompt
                        .get("arguments")
                        .and_then(Value::as_array)
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|a| a.get("name").and_then(Value::as_str))
                        .map(|a| (a.to_string(), json!("mcpcheck")))
                        .collect();
                    t.ask(&mut s, "prompts/get", Some(json!({"name": name, "arguments": args}))).await?;
                    if caps.get("completions").is_some()
                        && let Some(arg) = first_str(&prompt, "/arguments/0/name")
                    {
                        let params = json!({"ref": {"type": "ref/prompt", "name": name},
                            "argument": {"name": arg, "value": ""}});
                        t.ask(&mut s, "completion/complete", Some(params)).await?;
                    }
                }
            }
            _ => {}
        }
    }
    let mut calls: Vec<Called> = Vec::new();
    if caps.get("tools").is_some() {
        calls = tools::call_allowed(ctx, &mut s, |_| true).await?.0;
    }
    let mut all = t.0;
    all.extend(calls.into_iter().map(|c| ("tools/call".to_string(), c.answer)));
    for (method, a) in &all {
        verify::response(a)?;
        for msg in &a.reply.messages {
            checked.push((method.clone(), msg.clone()));
        }
    }
    for (method, msg) in &checked {
        if let Err(m) = validate(ctx.version, method, msg) {
            return Ok(m.violation(ctx.version, &format!("a message answering {method}"), msg));
        }
    }
    Ok(Verdict::pass(format!("{} messages valid against the {} schema", checked.len(), ctx.version)))
}

/// Calls the tools mcpcheck may call with every client capability of the
/// revision declared, answers what the server asks, and validates each
/// request it sent ([`server_request`]).
async fn server_requests_valid(ctx: &Ctx) -> Outcome {
    let survey = server_requests::survey(ctx, server_requests::every_capability(ctx.version)).await?;
    let mut checked = 0;
    for (tool, request) in survey.requests() {
        if let Err(m) = server_request(ctx.version, request) {
            return Ok(m.violation(ctx.version, &format!("a request sent during a call of {tool}"), request));
        }
        checked += 1;
    }
    if checked == 0 {
        return Ok(survey.nothing_asked("any request"));
    }
    Ok(Verdict::pass(format!(
        "{checked} server requests valid against the {} schema ({})",
        ctx.version,
        survey.note()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(result: Value) -> Value {
        json!({"jsonrpc": "2.0", "id": 3, "result": result})
    }

    #[test]
    fn an_input_required_answer_is_held_to_its_own_type_not_the_final_one() {
        let asks = response(json!({
            "resultType": "input_required",
            "inputRequests": {"who": {"method": "elicitation/create", "params": {
                "mode": "form", "message": "Your name?",
                "requestedSchema": {"type": "object", "properties": {"n": {"type": "string"}}}}}},
            "requestState": "opaque"
        }));
        assert!(input_required(&asks));
        for method in ["tools/call", "prompts/get", "resources/read"] {
            assert_eq!(validate(SpecVersion::V2026_07_28, method, &asks), Ok(()), "{method}");
        }
        // An inputRequests entry that is not a request is still a mismatch.
        let bad = response(json!({"resultType": "input_required", "inputRequests": {"x": 5}}));
        assert!(validate(SpecVersion::V2026_07_28, "tools/call", &bad).is_err());
        // A final tools/call result is still a CallToolResult.
        let done = response(json!({"resultType": "complete", "content": [{"type": "text", "text": "4"}]}));
        assert_eq!(validate(SpecVersion::V2026_07_28, "tools/call", &done), Ok(()));
        let not_done = response(json!({"resultType": "complete"}));
        assert!(validate(SpecVersion::V2026_07_28, "tools/call", &not_done).is_err());
    }
}
