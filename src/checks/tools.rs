//! Tools (`server/tools`): the tool list, the schemas in it, and what calling
//! a tool returns.
//!
//! Calling a tool can change the world, so by default mcpcheck calls only the
//! tools the server annotates `readOnlyHint: true`; `--call-tools` widens that
//! ([`CallTools`]). Every check that calls tools names them in its message.
//! Arguments are generated from each tool's `inputSchema` ([`arguments`]) and
//! validated against it before the call, so a tool is never blamed for
//! arguments mcpcheck got wrong.

pub use super::arguments::arguments;
use super::pagination::{self, ListMethod};
use super::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::WireError;
use crate::wire::jsonrpc;
use crate::wire::session::{Answered, Session};
use base64::Engine;
use serde_json::{Value, json};

/// Tools called by one check at most.
pub const MAX_CALLS: usize = 10;
/// A check's tool calls stop being started once they have taken this many
/// tool timeouts in all; the runner's deadline for a check allows for it.
pub const TOOL_BUDGET_CALLS: u32 = 2;
const TOOLS_LIST: ListMethod = ListMethod { method: "tools/list", key: "tools", capability: "tools" };
const DATA_TYPES: SpecRef = SpecRef { page: "server/tools", anchor: "data-types" };

/// Which tools checks may call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CallTools {
    /// Only tools annotated `readOnlyHint: true`.
    #[default]
    ReadOnly,
    /// Every tool.
    All,
    /// The read-only tools and these.
    Named(Vec<String>),
}

impl CallTools {
    /// `all`, or a comma-separated list of tool names.
    pub fn parse(s: &str) -> CallTools {
        match s.trim() {
            "all" => CallTools::All,
            names => CallTools::Named(
                names.split(',').map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect(),
            ),
        }
    }

    /// Whether a tool (as listed) may be called.
    pub fn allows(&self, tool: &Value) -> bool {
        let read_only = tool.pointer("/annotations/readOnlyHint") == Some(&Value::Bool(true));
        match self {
            CallTools::All => true,
            CallTools::ReadOnly => read_only,
            CallTools::Named(names) => {
                read_only
                    || tool.get("name").and_then(Value::as_str).is_some_and(|n| names.iter().any(|x| x == n))
            }
        }
    }
}

pub const CHECKS: &[Check] = &[
    Check {
        id: "tools/list/schemas-valid",
        title: "every inputSchema and outputSchema is a valid JSON Schema of the right type",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: DATA_TYPES,
        requirement: "inputSchema: JSON Schema defining expected parameters ... MUST be a valid JSON Schema object (not null); outputSchema: Optional JSON Schema defining expected output structure (the schema types both as {\"type\": \"object\"} before 2026-07-28)",
        run: runs!(schemas_valid),
    },
    Check {
        id: "tools/list/names",
        title: "tool names are unique and follow the naming rules",
        level: Level::Should,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: SpecRef { page: "server/tools", anchor: "tool-names" },
        requirement: "Tool names SHOULD be between 1 and 128 characters in length (inclusive). ... The following SHOULD be the only allowed characters: uppercase and lowercase ASCII letters (A-Z, a-z), digits (0-9), underscore (_), hyphen (-), and dot (.) ... Tool names SHOULD be unique within a server. (2025-11-25+; before: `name`: Unique identifier for the tool)",
        run: runs!(names),
    },
    Check {
        id: "tools/list/order-stable",
        title: "tools/list gives the same tools in the same order each time",
        level: Level::Should,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        transports: Transports::Any,
        spec: SpecRef { page: "server/tools", anchor: "capabilities" },
        requirement: "Servers SHOULD return tools in a deterministic order (i.e., the same ordering across requests when the underlying set of tools has not changed).",
        run: runs!(order_stable),
    },
    Check {
        id: "tools/call/structured-content",
        title: "structuredContent conforms to the tool's outputSchema",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2025_06_18),
        transports: Transports::Any,
        spec: SpecRef { page: "server/tools", anchor: "output-schema" },
        requirement: "If an output schema is provided: Servers MUST provide structured results that conform to this schema.",
        run: runs!(structured_content),
    },
    Check {
        id: "tools/call/content-well-formed",
        title: "tool result content blocks are well formed",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: SpecRef { page: "server/tools", anchor: "tool-result" },
        requirement: "Tool results can contain multiple content items of different types (text, image, audio, resource links, embedded resources); image and audio data MUST be base64-encoded with a valid MIME type (schema: ImageContent.data \"The base64-encoded image data\", mimeType required)",
        run: runs!(content_well_formed),
    },
    Check {
        id: "tools/call/unknown-tool",
        title: "calling an unknown tool is a JSON-RPC error",
        // SHOULD, not MUST: the page sorts unknown tools under "Protocol Errors:
        // Standard JSON-RPC errors" but states no RFC 2119 keyword for it.
        level: Level::Should,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: SpecRef { page: "server/tools", anchor: "error-handling" },
        requirement: "Protocol Errors: Standard JSON-RPC errors for issues like: Unknown tools",
        run: runs!(unknown_tool),
    },
    Check {
        id: "tools/call/invalid-arguments",
        title: "arguments that fail the input schema give an isError result",
        level: Level::Should,
        revisions: Revisions::since(SpecVersion::V2025_11_25),
        transports: Transports::Any,
        spec: SpecRef { page: "server/tools", anchor: "error-handling" },
        requirement: "Tool Execution Errors: Reported in tool results with isError: true: ... Input validation errors (e.g., date in wrong format, value out of range)",
        run: runs!(invalid_arguments),
    },
];

/// All listed tools (every page).
pub(super) async fn tools(s: &mut Session) -> Result<Vec<Value>, Verdict> {
    Ok(pagination::list_all(s, TOOLS_LIST).await?.items)
}

pub(super) fn name_of(tool: &Value) -> &str {
    tool.get("name").and_then(Value::as_str).unwrap_or("(unnamed)")
}

/// What is wrong with one schema, if anything. `object_only`: the revision
/// types it as `{"type": "object"}`.
fn schema_problem(schema: Option<&Value>, object_only: bool) -> Option<String> {
    let Some(schema) = schema else { return Some("missing".into()) };
    if !schema.is_object() {
        return Some(format!("{} instead of a JSON object", jsonrpc::type_name(schema)));
    }
    if object_only && schema.get("type") != Some(&json!("object")) {
        return Some(format!("type is {} instead of \"object\"", jsonrpc::show(schema.get("type"))));
    }
    jsonschema::meta::validate(schema)
        .err()
        .map(|e| format!("not a valid JSON Schema: {e} (at {})", e.instance_path()))
}

/// Every `inputSchema` must be an object schema and valid against its
/// meta-schema (2020-12 unless `$schema` says otherwise); so must every
/// `outputSchema`, except that 2026-07-28 allows any JSON Schema there.
async fn schemas_valid(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let list = tools(&mut s).await?;
    let output_object_only = ctx.version < SpecVersion::V2026_07_28;
    let mut problems = Vec::new();
    for t in &list {
        if let Some(p) = schema_problem(t.get("inputSchema"), true) {
            problems.push(format!("{}: inputSchema {p}", name_of(t)));
        }
        if t.get("outputSchema").is_some()
            && let Some(p) = schema_problem(t.get("outputSchema"), output_object_only)
        {
            problems.push(format!("{}: outputSchema {p}", name_of(t)));
        }
    }
    if problems.is_empty() {
        Ok(Verdict::pass(format!("{} tools, all schemas valid", list.len())))
    } else {
        Ok(Verdict::violation(
            problems.join("; "),
            "inputSchema (and outputSchema) valid JSON Schemas of type object",
            jsonrpc::clip(&problems.join("; "), 600),
        ))
    }
}

/// The naming rules of 2025-11-25 (length, characters) and uniqueness, which
/// every revision asks for.
async fn names(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let list = tools(&mut s).await?;
    let rules = ctx.version >= SpecVersion::V2025_11_25;
    let mut seen = std::collections::HashSet::new();
    let mut problems = Vec::new();
    for t in &list {
        let Some(name) = t.get("name").and_then(Value::as_str) else {
            problems.push(format!("a tool without a string name: {}", jsonrpc::show(Some(t))));
            continue;
        };
        if !seen.insert(name) {
            problems.push(format!("{name:?} listed more than once"));
        }
        if rules && !(1..=128).contains(&name.chars().count()) {
            problems.push(format!("{name:?} is {} characters long", name.chars().count()));
        }
        if rules && !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) {
            problems.push(format!("{name:?} has characters outside A-Z a-z 0-9 _ - ."));
        }
    }
    if problems.is_empty() {
        Ok(Verdict::pass(format!("{} tool names, unique and well formed", list.len())))
    } else {
        Ok(Verdict::violation(
            problems.join("; "),
            "unique names of 1-128 characters from A-Z a-z 0-9 _ - .",
            format!("names: {:?}", list.iter().map(name_of).collect::<Vec<_>>()),
        ))
    }
}

/// Lists the tools three times in a row; the same set in another order is
/// the violation (a set that changes is `base/stateless/lists-stable`'s).
async fn order_stable(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let mut lists: Vec<Vec<String>> = Vec::new();
    for _ in 0..3 {
        lists.push(tools(&mut s).await?.iter().map(|t| name_of(t).to_string()).collect());
    }
    let sorted = |l: &Vec<String>| {
        let mut l = l.clone();
        l.sort();
        l
    };
    if lists.iter().any(|l| sorted(l) != sorted(&lists[0])) {
        return Ok(Verdict::Skip(
            "the set of tools changed between the lists, so their order says nothing".into(),
        ));
    }
    if let Some(other) = lists.iter().find(|l| **l != lists[0]) {
        return Ok(Verdict::violation(
            "the same tools came back in another order",
            format!("every list in the order {:?}", lists[0]),
            format!("{other:?}"),
        ));
    }
    Ok(Verdict::pass(format!("{} tools, in one order across three lists", lists[0].len())))
}

/// One tool call mcpcheck made, or why it did not make it.
pub struct Called {
    pub tool: Value,
    pub args: Value,
    pub answer: Answered,
}

/// How costly a tool looks, cheapest first: read-only before the rest,
/// closed-world before open-world (`openWorldHint`: it reaches out), then by
/// how many inputs its schema has. Tools are tried in this order, so a
/// check's tool budget goes to the quick ones first.
pub(super) fn cost(tool: &Value) -> (bool, bool, usize) {
    let hint = |name: &str| tool.pointer(&format!("/annotations/{name}")).and_then(Value::as_bool);
    let inputs = tool.pointer("/inputSchema/properties").and_then(Value::as_object).map_or(0, |p| p.len());
    (hint("readOnlyHint") != Some(true), hint("openWorldHint") != Some(false), inputs)
}

/// Calls the tools the user allows (at most [`MAX_CALLS`]) that `want`
/// selects, cheapest first, with generated arguments, each bounded by the
/// tool timeout. A tool that does not answer in time is left out with that
/// reason rather than failing the check, and once the calls have taken
/// [`TOOL_BUDGET_CALLS`] tool timeouts in all, the rest are not tried.
/// Returns the calls and a note of the tools left out and why.
pub async fn call_allowed(
    ctx: &Ctx,
    s: &mut Session,
    want: impl Fn(&Value) -> bool,
) -> Result<(Vec<Called>, Vec<String>), Verdict> {
    let mut list = tools(s).await?;
    list.sort_by_key(cost);
    let mut calls = Vec::new();
    let mut left_out = Vec::new();
    let budget = ctx.tool_timeout * TOOL_BUDGET_CALLS;
    let started = std::time::Instant::now();
    for t in list.into_iter().filter(|t| want(t)) {
        if !ctx.call_tools.allows(&t) {
            left_out.push(format!("{} (not read-only; see --call-tools)", name_of(&t)));
            continue;
        }
        if calls.len() >= MAX_CALLS {
            left_out.push(format!("{} (over the {MAX_CALLS}-call bound)", name_of(&t)));
            continue;
        }
        let schema = t.get("inputSchema").cloned().unwrap_or(json!({"type": "object"}));
        let args = arguments(&schema);
        let fits = jsonschema::validator_for(&schema).map(|v| v.is_valid(&args)).unwrap_or(false);
        if !fits {
            left_out.push(format!("{} (no arguments could be generated from its inputSchema)", name_of(&t)));
            continue;
        }
        if started.elapsed() >= budget {
            left_out.push(format!("{} (not tried: the check's tool calls took {budget:?})", name_of(&t)));
            continue;
        }
        let params = json!({"name": name_of(&t), "arguments": args});
        match ctx.call_tool(s, params).await {
            // A tool that asks for input first (2026-07-28's multi round-trip
            // requests) gave no final result to hold to the tool rules.
            Ok(answer)
                if ctx.version == SpecVersion::V2026_07_28
                    && answer.response().is_some_and(super::schema::input_required) =>
            {
                left_out.push(format!("{} (asked for input first: a multi round-trip request)", name_of(&t)))
            }
            // One that needs a client capability mcpcheck declared none of
            // (-32021; mcpcheck declares none on its ordinary requests) gave
            // no result either.
            Ok(answer)
                if ctx.version == SpecVersion::V2026_07_28
                    && answer.error_code() == Some(super::mrtr::MISSING_CAPABILITY) =>
            {
                left_out.push(format!("{} (needs a client capability mcpcheck did not declare)", name_of(&t)))
            }
            Ok(answer) => calls.push(Called { tool: t, args, answer }),
            Err(WireError::Timeout(d)) => left_out.push(format!(
                "{} (no answer within the tool timeout, {d:?}; see --tool-timeout)",
                name_of(&t)
            )),
            Err(e) => return Err(e.into()),
        }
    }
    Ok((calls, left_out))
}

/// "called add, echo; not called: x (not read-only ...)".
pub fn called_note(calls: &[Called], left_out: &[String]) -> String {
    let names: Vec<&str> = calls.iter().map(|c| name_of(&c.tool)).collect();
    let mut note = format!("called {}", if names.is_empty() { "no tool".into() } else { names.join(", ") });
    if !left_out.is_empty() {
        note.push_str(&format!("; not called: {}", left_out.join(", ")));
    }
    note
}

/// Calls every allowed tool that declares an `outputSchema` and validates its
/// `structuredContent` against it (results with `isError` are left aside).
async fn structured_content(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let (calls, left_out) = call_allowed(ctx, &mut s, |t| t.get("outputSchema").is_some()).await?;
    let note = called_note(&calls, &left_out);
    let mut checked = 0;
    for c in &calls {
        let result = verify::result(&c.answer)?;
        if result.get("isError") == Some(&Value::Bool(true)) {
            continue;
        }
        let name = name_of(&c.tool);
        let schema = c.tool.get("outputSchema").cloned().unwrap_or(Value::Null);
        let Some(structured) = result.get("structuredContent") else {
            return Ok(Verdict::violation(
                format!("{name} declares an outputSchema but returned no structuredContent ({note})"),
                "structuredContent conforming to the outputSchema",
                jsonrpc::show(Some(result)),
            ));
        };
        let validator = jsonschema::validator_for(&schema).map_err(|e| {
            Verdict::violation(
                format!("{name}'s outputSchema cannot be compiled: {e}"),
                "a valid outputSchema",
                jsonrpc::show(Some(&schema)),
            )
        })?;
        if let Err(e) = validator.validate(structured) {
            return Ok(Verdict::violation(
                format!(
                    "{name}: structuredContent does not conform to its outputSchema at {}: {e} ({note})",
                    e.instance_path()
                ),
                format!("conforming to {}", jsonrpc::show(Some(&schema))),
                jsonrpc::show(Some(structured)),
            ));
        }
        checked += 1;
    }
    if checked == 0 {
        return Ok(Verdict::Skip(format!("no successful call of a tool with an outputSchema ({note})")));
    }
    Ok(Verdict::pass(format!("{checked} structured results conform ({note})")))
}

/// What is wrong with one content block, if anything.
fn content_problem(block: &Value) -> Option<String> {
    let str_of = |k: &str| block.get(k).and_then(Value::as_str);
    let b64 = |data: Option<&str>| {
        data.is_some_and(|d| base64::engine::general_purpose::STANDARD.decode(d.trim()).is_ok())
    };
    match str_of("type") {
        Some("text") if str_of("text").is_none() => Some("text block without a string `text`".into()),
        Some("text") => None,
        Some(kind @ ("image" | "audio")) => {
            if !b64(str_of("data")) {
                Some(format!("{kind} block whose data is not base64"))
            } else if !str_of("mimeType").is_some_and(|m| m.contains('/')) {
                Some(format!("{kind} block without a MIME type"))
            } else {
                None
            }
        }
        Some("resource_link") if str_of("uri").is_none() || str_of("name").is_none() => {
            Some("resource_link without uri and name".into())
        }
        Some("resource_link") => None,
        Some("resource") => {
            let r = block.get("resource");
            let s = |k: &str| r.and_then(|r| r.get(k)).and_then(Value::as_str);
            if s("uri").is_none() {
                Some("embedded resource without a uri".into())
            } else if s("text").is_none() && !b64(s("blob")) {
                Some("embedded resource with neither text nor base64 blob".into())
            } else {
                None
            }
        }
        other => Some(format!("unknown content type {other:?}")),
    }
}

/// Calls the allowed tools and checks every content block of every result.
async fn content_well_formed(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let (calls, left_out) = call_allowed(ctx, &mut s, |_| true).await?;
    let note = called_note(&calls, &left_out);
    if calls.is_empty() {
        return Ok(Verdict::Skip(format!("no tool could be called ({note})")));
    }
    let mut blocks = 0;
    for c in &calls {
        let result = verify::result(&c.answer)?;
        let Some(content) = result.get("content").and_then(Value::as_array) else {
            return Ok(Verdict::violation(
                format!("{}: result has no content array ({note})", name_of(&c.tool)),
                "a content array",
                jsonrpc::show(Some(result)),
            ));
        };
        for (i, block) in content.iter().enumerate() {
            if let Some(p) = content_problem(block) {
                return Ok(Verdict::violation(
                    format!("{}: content[{i}]: {p} ({note})", name_of(&c.tool)),
                    "text, image/audio (base64 data, mimeType), resource_link or resource blocks",
                    jsonrpc::show(Some(block)),
                ));
            }
            blocks += 1;
        }
    }
    Ok(Verdict::pass(format!("{blocks} content blocks well formed ({note})")))
}

/// A tool name nobody uses must be answered with a JSON-RPC error, not a
/// result (not even one with `isError`).
async fn unknown_tool(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let params = json!({"name": "mcpcheck_no_such_tool", "arguments": {}});
    let a = s.request("tools/call", Some(params)).await?;
    let r = verify::response(&a)?;
    if r.get("error").is_some() {
        return Ok(Verdict::pass(format!("error {}", jsonrpc::show(r.pointer("/error/code")))));
    }
    Ok(Verdict::violation(
        "a call to an unknown tool was answered with a result",
        "a JSON-RPC error",
        jsonrpc::show(Some(r)),
    ))
}

/// From 2025-11-25 on, input validation errors are tool execution errors:
/// an allowed tool with required properties, called with `{}`, should answer
/// with `isError: true`, not a protocol error.
async fn invalid_arguments(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let list = tools(&mut s).await?;
    let has_required = |t: &Value| {
        t.pointer("/inputSchema/required").and_then(Value::as_array).is_some_and(|r| !r.is_empty())
    };
    let Some(t) = list.iter().find(|t| ctx.call_tools.allows(t) && has_required(t)) else {
        return Ok(Verdict::Skip("no callable tool has required arguments".into()));
    };
    let name = name_of(t);
    let a = s.request("tools/call", Some(json!({"name": name, "arguments": {}}))).await?;
    let r = verify::response(&a)?;
    let is_error = r.pointer("/result/isError") == Some(&Value::Bool(true));
    if is_error {
        return Ok(Verdict::pass(format!("called {name} without its required arguments: isError result")));
    }
    Ok(Verdict::violation(
        format!("called {name} without its required arguments: not an isError result"),
        "a result with isError: true",
        jsonrpc::show(Some(r)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_tools_allows_read_only_unless_widened() {
        let ro = json!({"name": "a", "annotations": {"readOnlyHint": true}});
        let rw = json!({"name": "b"});
        assert!(CallTools::ReadOnly.allows(&ro) && !CallTools::ReadOnly.allows(&rw));
        assert!(CallTools::parse("all").allows(&rw));
        assert!(CallTools::parse("x, b").allows(&rw) && !CallTools::parse("x").allows(&rw));
    }
}
