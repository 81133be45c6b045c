//! The multi round-trip checks' client: it finds the tools that ask for
//! input, answers what they ask as a well-behaved client would, and retries.
//!
//! mcpcheck declares no client capabilities on its ordinary requests, so a
//! server may ask it for nothing. Here it declares every capability it can
//! answer for ([`all_capabilities`]) and answers with canned input: a form
//! filled in from its requested schema (the same generator as tool
//! arguments), consent to a URL, a fixed sampled message, one root. Nothing
//! it answers reaches a person or a model, so there is nothing to fake
//! beyond the shape.

use super::super::tools;
use super::super::{Ctx, Verdict};
use crate::wire::WireError;
use crate::wire::session::{Answered, Session};
use serde_json::{Map, Value, json};

/// Rounds a retry loop drives at most: a server may ask again and again
/// ("Servers **MAY** choose to return an `InputRequiredResult` on multiple
/// attempts"), mcpcheck will not follow it forever.
pub const MAX_ROUNDS: usize = 5;
/// The root mcpcheck reports for `roots/list`.
pub const ROOT_URI: &str = "file:///tmp/mcpcheck";

/// A kind of input, as far as client capabilities go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// `elicitation/create`, form mode (a request without `mode` is form mode).
    Form,
    /// `elicitation/create`, URL mode.
    Url,
    Sampling,
    Roots,
}

impl Input {
    /// The kind of one input request, if it is one mcpcheck knows.
    pub fn of(request: &Value) -> Option<Input> {
        match request.get("method").and_then(Value::as_str)? {
            "elicitation/create" => match request.pointer("/params/mode").and_then(Value::as_str) {
                Some("url") => Some(Input::Url),
                Some("form") | None => Some(Input::Form),
                Some(_) => None,
            },
            "sampling/createMessage" => Some(Input::Sampling),
            "roots/list" => Some(Input::Roots),
            _ => None,
        }
    }

    /// Whether `caps` (a ClientCapabilities object) declares this kind. An
    /// empty `elicitation` object is form mode only (client/elicitation).
    pub fn declared_in(self, caps: &Value) -> bool {
        match self {
            Input::Form => {
                caps.get("elicitation").is_some_and(|e| e.get("form").is_some() || e.get("url").is_none())
            }
            Input::Url => caps.pointer("/elicitation/url").is_some(),
            Input::Sampling => caps.get("sampling").is_some(),
            Input::Roots => caps.get("roots").is_some(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Input::Form => "form-mode elicitation",
            Input::Url => "URL-mode elicitation",
            Input::Sampling => "sampling",
            Input::Roots => "roots",
        }
    }
}

/// Every client capability mcpcheck can answer for.
pub fn all_capabilities() -> Value {
    json!({"elicitation": {"form": {}, "url": {}}, "sampling": {}, "roots": {}})
}

/// [`all_capabilities`] without the one `input` needs.
pub fn all_but(input: Input) -> Value {
    let mut caps = all_capabilities();
    if let Some(c) = caps.as_object_mut() {
        match input {
            Input::Form => {
                c.insert("elicitation".into(), json!({"url": {}}));
            }
            Input::Url => {
                c.insert("elicitation".into(), json!({"form": {}}));
            }
            Input::Sampling => {
                c.remove("sampling");
            }
            Input::Roots => {
                c.remove("roots");
            }
        }
    }
    caps
}

/// A tool that answered its first call with an `InputRequiredResult`.
#[derive(Debug, Clone)]
pub struct Asker {
    pub name: String,
    pub args: Value,
    /// The `result` of the first answer.
    pub first: Value,
}

impl Asker {
    /// The first answer's `requestState`, when it is a string.
    pub fn state(&self) -> Option<&str> {
        self.first.get("requestState").and_then(Value::as_str)
    }
    /// The first answer's `inputRequests`, when it is an object.
    pub fn requests(&self) -> Option<&Map<String, Value>> {
        self.first.get("inputRequests").and_then(Value::as_object)
    }
    /// The kinds of input the first answer asked for.
    pub fn inputs(&self) -> Vec<Input> {
        let mut kinds: Vec<Input> =
            self.requests().into_iter().flatten().filter_map(|(_, r)| Input::of(r)).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

/// The params of a call of `name`: the client capabilities in `_meta`, and
/// on a retry the responses and the state.
pub fn params(
    name: &str,
    args: &Value,
    caps: &Value,
    responses: Option<Value>,
    state: Option<&str>,
) -> Value {
    let mut p = json!({"name": name, "arguments": args,
        "_meta": {"io.modelcontextprotocol/clientCapabilities": caps}});
    if let Some(r) = responses {
        p["inputResponses"] = r;
    }
    if let Some(s) = state {
        p["requestState"] = json!(s);
    }
    p
}

/// Whether a `result` is an `InputRequiredResult`.
pub fn asks(result: &Value) -> bool {
    result.get("resultType").and_then(Value::as_str) == Some("input_required")
}

/// Calls every tool mcpcheck may call (cheapest first, at most
/// [`tools::MAX_CALLS`], within the check's tool budget) with every
/// capability declared, and keeps those whose answer asks for input.
/// Returns them and a note of the tools left out and why.
pub async fn askers(ctx: &Ctx, s: &mut Session) -> Result<(Vec<Asker>, Vec<String>), Verdict> {
    let mut list = tools::tools(s).await?;
    list.sort_by_key(tools::cost);
    let mut found = Vec::new();
    let mut notes = Vec::new();
    let budget = ctx.tool_timeout * tools::TOOL_BUDGET_CALLS;
    let started = std::time::Instant::now();
    let mut calls = 0;
    for t in &list {
        let name = tools::name_of(t).to_string();
        if !ctx.call_tools.allows(t) {
            notes.push(format!("{name} (not read-only; see --call-tools)"));
            continue;
        }
        if calls >= tools::MAX_CALLS || started.elapsed() >= budget {
            notes.push(format!("{name} (not tried: over the check's bound on tool calls)"));
            continue;
        }
        let schema = t.get("inputSchema").cloned().unwrap_or(json!({"type": "object"}));
        let args = tools::arguments(&schema);
        if !jsonschema::validator_for(&schema).map(|v| v.is_valid(&args)).unwrap_or(false) {
            notes.push(format!("{name} (no arguments could be generated from its inputSchema)"));
            continue;
        }
        calls += 1;
        let a = match ctx.call_tool(s, params(&name, &args, &all_capabilities(), None, None)).await {
            Ok(a) => a,
            Err(WireError::Timeout(d)) => {
                notes.push(format!("{name} (no answer within the tool timeout, {d:?})"));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(first) = a.result().filter(|r| asks(r)) {
            found.push(Asker { name, args, first: first.clone() });
        }
    }
    Ok((found, notes))
}

/// The skip of a check that found no tool asking for input.
pub fn none_asks(notes: &[String]) -> Verdict {
    let mut why = "no tool mcpcheck may call answered input_required".to_string();
    if !notes.is_empty() {
        why.push_str(&format!(" (not called: {})", notes.join(", ")));
    }
    Verdict::Skip(why)
}

/// What a well-behaved client answers to one input request: a form filled
/// in from its schema, consent to a URL, a canned sampled message, one
/// root. `None` for a request mcpcheck cannot answer.
pub fn respond(request: &Value) -> Option<Value> {
    Some(match Input::of(request)? {
        Input::Form => {
            let schema = request.pointer("/params/requestedSchema")?;
            json!({"action": "accept", "content": tools::arguments(schema)})
        }
        Input::Url => json!({"action": "accept"}),
        Input::Sampling => json!({"role": "assistant",
            "content": {"type": "text", "text": "Paris, as far as mcpcheck's canned model knows."},
            "model": "mcpcheck-canned", "stopReason": "endTurn"}),
        Input::Roots => json!({"roots": [{"uri": ROOT_URI, "name": "mcpcheck"}]}),
    })
}

/// The answers to every request of an `InputRequiredResult`, or the key of
/// the first one mcpcheck cannot answer.
pub fn respond_all(result: &Value) -> Result<Value, String> {
    let mut out = Map::new();
    for (key, request) in result.get("inputRequests").and_then(Value::as_object).into_iter().flatten() {
        out.insert(key.clone(), respond(request).ok_or_else(|| key.clone())?);
    }
    Ok(Value::Object(out))
}

/// Retries `asker` once with `responses` and `state` (every capability
/// declared), bounded by the tool timeout.
pub async fn retry(
    ctx: &Ctx,
    s: &mut Session,
    asker: &Asker,
    responses: Option<Value>,
    state: Option<&str>,
) -> Result<Answered, Verdict> {
    let p = params(&asker.name, &asker.args, &all_capabilities(), responses, state);
    Ok(ctx.call_tool(s, p).await?)
}

/// How driving a tool's rounds ended.
#[derive(Debug, Clone)]
pub enum Driven {
    /// A final result after this many retries.
    Complete { retries: usize, result: Value },
    /// A JSON-RPC error (the response) on this retry.
    Refused { retry: usize, response: Value },
    /// Still asking after [`MAX_ROUNDS`] retries.
    StillAsking,
    /// A request mcpcheck cannot answer (its key) on this retry.
    Unanswerable { retry: usize, key: String },
}

/// Answers every round of `asker` and retries, echoing each round's state,
/// until a final result, an error, a request mcpcheck cannot answer, or
/// [`MAX_ROUNDS`] retries.
pub async fn drive(ctx: &Ctx, s: &mut Session, asker: &Asker) -> Result<Driven, Verdict> {
    let mut current = asker.first.clone();
    for retry_no in 1..=MAX_ROUNDS {
        let responses = match respond_all(&current) {
            Ok(r) => r,
            Err(key) => return Ok(Driven::Unanswerable { retry: retry_no, key }),
        };
        let state = current.get("requestState").and_then(Value::as_str).map(String::from);
        let a = retry(ctx, s, asker, Some(responses), state.as_deref()).await?;
        let response = super::super::verify::response(&a)?.clone();
        match response.get("result") {
            Some(r) if asks(r) => current = r.clone(),
            Some(r) => return Ok(Driven::Complete { retries: retry_no, result: r.clone() }),
            None => return Ok(Driven::Refused { retry: retry_no, response }),
        }
    }
    Ok(Driven::StillAsking)
}

/// The first asker whose first answer carries a `requestState` and asks
/// only for what mcpcheck can answer, with those answers.
pub fn with_state(askers: &[Asker]) -> Option<(&Asker, Value)> {
    askers.iter().filter(|a| a.state().is_some()).find_map(|a| respond_all(&a.first).ok().map(|r| (a, r)))
}

/// `state` with one character changed, in the middle: a client altering
/// what it echoes.
pub fn tampered(state: &str) -> String {
    let mut chars: Vec<char> = state.chars().collect();
    if chars.is_empty() {
        return "mcpcheck-tampered".into();
    }
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_fit_what_was_asked() {
        let form = json!({"method": "elicitation/create", "params": {"message": "?",
            "requestedSchema": {"type": "object", "properties": {"n": {"type": "string"}}, "required": ["n"]}}});
        assert_eq!(respond(&form), Some(json!({"action": "accept", "content": {"n": "mcpcheck"}})));
        assert_eq!(Input::of(&form), Some(Input::Form));
        assert_eq!(respond(&json!({"method": "ping"})), None);
        assert!(Input::Form.declared_in(&json!({"elicitation": {}})));
        assert!(!Input::Url.declared_in(&json!({"elicitation": {}})));
        assert!(!Input::Form.declared_in(&all_but(Input::Form)));
        assert!(Input::Url.declared_in(&all_but(Input::Form)));
    }

    #[test]
    fn tampering_changes_one_character() {
        let t = tampered("abcAef");
        assert_ne!(t, "abcAef");
        assert_eq!(t.len(), 6);
        assert_eq!(tampered(""), "mcpcheck-tampered");
    }
}
