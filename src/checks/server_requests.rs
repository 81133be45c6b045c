//! The requests a server sends its client on the handshake revisions
//! (2025-03-26 to 2025-11-25): `sampling/createMessage`, `elicitation/create`
//! and `roots/list`, sent while one of the client's requests (a tool call)
//! is in flight. This is no checks file of its own: it is how the checks on
//! those requests (in [`super::schema`], [`super::elicitation`] and
//! [`super::lifecycle`]) get to see any. On 2026-07-28, where such requests
//! are forbidden on every stream, the same survey lets [`super::http_sse`]
//! and [`super::logging`] see what a tool call's stream carries.
//!
//! mcpcheck's ordinary sessions declare no client capabilities, so a
//! conforming server asks them nothing. Here a session declares the
//! capabilities a check chooses, calls every tool mcpcheck may call
//! (read-only ones, or those `--call-tools` names) and answers each request
//! as a well-behaved client would, with the same canned answers as the multi
//! round-trip checks ([`super::mrtr::client::respond`]): a form filled in
//! from its schema, consent to a URL, a fixed sampled message, one root.
//! A server that asks for nothing while any of them is called gives the
//! checks nothing to judge: they skip and say so.

use super::mrtr::client::{Input, respond};
use super::{Ctx, Verdict, tools};
use crate::spec::SpecVersion;
use crate::wire::session::Session;
use crate::wire::{WireError, jsonrpc};
use serde_json::{Value, json};

/// One tool call and what the server asked meanwhile.
#[derive(Debug, Clone)]
pub struct Call {
    pub tool: String,
    /// The server's requests, in arrival order.
    pub requests: Vec<Value>,
    /// Every message of the call's answer, its response included.
    pub messages: Vec<Value>,
}

/// Every call a survey made, and the tools it left out with the reason.
#[derive(Debug, Clone, Default)]
pub struct Survey {
    pub calls: Vec<Call>,
    pub left_out: Vec<String>,
}

impl Survey {
    /// Every request the server sent, with the tool whose call it came with.
    pub fn requests(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.calls.iter().flat_map(|c| c.requests.iter().map(move |r| (c.tool.as_str(), r)))
    }

    /// The requests of one kind of input.
    pub fn of(&self, input: Input) -> Vec<(&str, &Value)> {
        self.requests().filter(|(_, r)| Input::of(r) == Some(input)).collect()
    }

    /// "called a, b; not called: c (...)".
    pub fn note(&self) -> String {
        let names: Vec<&str> = self.calls.iter().map(|c| c.tool.as_str()).collect();
        let mut note =
            format!("called {}", if names.is_empty() { "no tool".into() } else { names.join(", ") });
        if !self.left_out.is_empty() {
            note.push_str(&format!("; not called: {}", self.left_out.join(", ")));
        }
        note
    }

    /// The skip of a check that saw no request it could judge.
    pub fn nothing_asked(&self, what: &str) -> Verdict {
        Verdict::Skip(format!("no tool mcpcheck may call sent {what} ({})", self.note()))
    }
}

/// Every client capability mcpcheck can answer for that `version` has:
/// sampling and roots throughout, elicitation from 2025-06-18 (form mode
/// only, its one mode, until 2025-11-25 adds URL mode).
pub fn every_capability(version: SpecVersion) -> Value {
    let mut caps = json!({"sampling": {}, "roots": {}});
    if version >= SpecVersion::V2025_11_25 {
        caps["elicitation"] = json!({"form": {}, "url": {}});
    } else if version >= SpecVersion::V2025_06_18 {
        caps["elicitation"] = json!({});
    }
    caps
}

/// mcpcheck's answer to one server request: a JSON-RPC response.
pub fn answer(request: &Value) -> Value {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let method = request.get("method").and_then(Value::as_str);
    match (method, respond(request)) {
        (Some("ping"), _) => json!({"jsonrpc": "2.0", "id": id, "result": {}}),
        (_, Some(result)) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        (_, None) => json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601,
            "message": format!("mcpcheck does not answer {}", jsonrpc::show(request.get("method")))}}),
    }
}

/// Whether a tool's name or description speaks of what a server asks a
/// client for: such tools are called first, so that the bound on calls goes
/// to the ones likeliest to ask.
fn looks_like_asking(tool: &Value) -> bool {
    let text = |k: &str| tool.get(k).and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase();
    let (name, description) = (text("name"), text("description"));
    ["sampl", "elicit", "roots", "createmessage"].iter().any(|w| name.contains(w) || description.contains(w))
}

/// Opens a session declaring `capabilities` and calls every tool mcpcheck
/// may call (cheapest first, at most [`tools::MAX_CALLS`], within the
/// check's tool budget), answering what the server asks meanwhile.
pub async fn survey(ctx: &Ctx, capabilities: Value) -> Result<Survey, Verdict> {
    let mut s =
        Session::open_declaring(&ctx.endpoint, ctx.version, ctx.rec.clone(), capabilities.clone()).await?;
    let mut list = tools::tools(&mut s).await?;
    list.sort_by_key(|t| (!looks_like_asking(t), tools::cost(t)));
    let mut survey = Survey::default();
    let budget = ctx.tool_timeout * tools::TOOL_BUDGET_CALLS;
    let started = std::time::Instant::now();
    for t in &list {
        let name = tools::name_of(t).to_string();
        if !ctx.call_tools.allows(t) {
            survey.left_out.push(format!("{name} (not read-only; see --call-tools)"));
            continue;
        }
        if survey.calls.len() >= tools::MAX_CALLS || started.elapsed() >= budget {
            survey.left_out.push(format!("{name} (not tried: over the check's bound on tool calls)"));
            continue;
        }
        let schema = t.get("inputSchema").cloned().unwrap_or(json!({"type": "object"}));
        let args = tools::arguments(&schema);
        if !jsonschema::validator_for(&schema).map(|v| v.is_valid(&args)).unwrap_or(false) {
            survey.left_out.push(format!("{name} (no arguments could be generated from its inputSchema)"));
            continue;
        }
        let mut params = json!({"name": name, "arguments": args});
        // 2026-07-28 declares client capabilities per request.
        if !ctx.version.has_handshake() {
            params["_meta"] = json!({"io.modelcontextprotocol/clientCapabilities": capabilities.clone()});
        }
        match s.request_answering("tools/call", Some(params), ctx.tool_timeout, &answer).await {
            // A call with no response judged nothing about its stream's end.
            Ok(asked) if asked.answered.response().is_none() => {
                survey.left_out.push(format!("{name} (its answer ended without a response)"))
            }
            Ok(asked) => survey.calls.push(Call {
                tool: name,
                messages: asked.answered.reply.messages.clone(),
                requests: asked.requests,
            }),
            Err(WireError::Timeout(d)) => {
                survey.left_out.push(format!("{name} (no answer within the tool timeout, {d:?})"))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(survey)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_gets_a_response_to_its_id() {
        let ping = answer(&json!({"jsonrpc": "2.0", "id": 7, "method": "ping"}));
        assert_eq!(ping, json!({"jsonrpc": "2.0", "id": 7, "result": {}}));
        let roots = answer(&json!({"jsonrpc": "2.0", "id": "r", "method": "roots/list"}));
        assert_eq!(roots["id"], "r");
        assert!(roots["result"]["roots"].is_array());
        assert!(looks_like_asking(&json!({"name": "test_elicitation"})));
        assert!(looks_like_asking(&json!({"name": "x", "description": "Report the client's roots"})));
        assert!(!looks_like_asking(&json!({"name": "add", "description": "Add two numbers"})));
        let unknown = answer(&json!({"jsonrpc": "2.0", "id": 1, "method": "tasks/get"}));
        assert_eq!(unknown["error"]["code"], -32601);
    }
}
