//! The plain server's multi round-trip tools (2026-07-28, basic/patterns/mrtr):
//! tools that answer `resultType: "input_required"` with `inputRequests`
//! before they give a result, one for each kind of input a server may ask
//! for (a form, a URL, a sampled message, the client's roots), one asking
//! for several at once and one needing two rounds.
//!
//! They exist so that mcpcheck's `mrtr/input-required/*` checks have a
//! correct server to pass against and faults to fail against. The revisions
//! before 2026-07-28 send such requests from server to client instead:
//! there the same tools make the same requests that way ([`super::asking`]),
//! and keep their names, which come from this revision. They are annotated read-only (asking changes nothing), so mcpcheck calls
//! them by default like the plain server's other tools.
//!
//! The server keeps nothing between rounds: the round a retry answers and
//! the answers of earlier rounds travel in the sealed `requestState`
//! ([`super::request_state`]). What a retry must carry, and how it is
//! refused when it does not:
//!
//! - a `requestState` that fails verification: -32602 (Invalid params);
//! - no `requestState`: the call starts over from its first round, any
//!   `inputResponses` being unsolicited;
//! - a requested key missing from `inputResponses`: the round is asked
//!   again ("the server **SHOULD** respond with a new `InputRequiredResult`
//!   requesting the missing information again, rather than returning an
//!   error");
//! - a response that is not the requested kind of result, or whose form
//!   content does not satisfy the requested schema: -32602;
//! - keys nobody asked for: ignored.
//!
//! Input a client did not declare the capability for is never asked for:
//! the call is answered -32021 (MissingRequiredClientCapability) naming the
//! capabilities it needs.

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorCode, ErrorData,
    InputRequest, InputRequests, InputRequiredResult, Tool, ToolAnnotations,
};
use serde_json::{Map, Value, json};

use super::request_state::State;
use crate::faults::{Fault, FaultSet};

/// The URL the URL-mode elicitation sends the user to.
pub const CONSENT_URL: &str = "https://example.com/mcpcheck/consent";

/// The kind of one input request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `elicitation/create` in form mode, asking for one string `field`.
    Form { field: &'static str, message: &'static str },
    /// `elicitation/create` in URL mode.
    Url,
    /// `sampling/createMessage`.
    Sampling,
    /// `roots/list`.
    Roots,
}

/// One input request of a round: its key in `inputRequests` and its kind.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ask {
    pub(super) key: &'static str,
    pub(super) kind: Kind,
}

/// A tool that asks for input: the rounds of requests it makes before it
/// answers.
#[derive(Debug)]
pub struct Asking {
    pub name: &'static str,
    description: &'static str,
    pub(super) rounds: &'static [&'static [Ask]],
}

const NAME: Ask = Ask { key: "user_name", kind: Kind::Form { field: "name", message: "What is your name?" } };
const COLOR: Ask = Ask {
    key: "favorite_color",
    kind: Kind::Form { field: "color", message: "What is your favourite colour?" },
};
const CONSENT: Ask = Ask { key: "consent", kind: Kind::Url };
const SAMPLE: Ask = Ask { key: "capital_question", kind: Kind::Sampling };
const ROOTS: Ask = Ask { key: "client_roots", kind: Kind::Roots };

/// The tools, in the order they are listed.
pub const ASKING: &[Asking] = &[
    Asking {
        name: "mrtr_elicit_form",
        description: "Greet the user by the name a form asks for (form-mode elicitation)",
        rounds: &[&[NAME]],
    },
    Asking {
        name: "mrtr_elicit_url",
        description: "Ask the user to consent on a web page (URL-mode elicitation)",
        rounds: &[&[CONSENT]],
    },
    Asking {
        name: "mrtr_sample",
        description: "Ask the client's model a question (sampling)",
        rounds: &[&[SAMPLE]],
    },
    Asking { name: "mrtr_roots", description: "Report the client's roots (roots/list)", rounds: &[&[ROOTS]] },
    Asking {
        name: "mrtr_several",
        description: "Ask for a name, a sampled message and the roots at once",
        rounds: &[&[NAME, SAMPLE, ROOTS]],
    },
    Asking {
        name: "mrtr_two_rounds",
        description: "Ask for a name, then for a favourite colour (two rounds)",
        rounds: &[&[NAME], &[COLOR]],
    },
];

/// The multi round-trip tool called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static Asking> {
    ASKING.iter().find(|a| a.name == name)
}

/// The tools as listed on 2026-07-28: no arguments, read-only.
pub fn tools() -> Vec<Tool> {
    listed(ASKING.iter())
}

/// `tools` as listed: no arguments, read-only.
pub(super) fn listed<'a>(tools: impl Iterator<Item = &'a Asking>) -> Vec<Tool> {
    let schema = json!({"type": "object", "properties": {}});
    let schema = schema.as_object().cloned().unwrap_or_default();
    tools
        .map(|a| {
            Tool::new(a.name, a.description, schema.clone())
                .annotate(ToolAnnotations::new().read_only(true).open_world(false))
        })
        .collect()
}

/// Whether the client capabilities `caps` (as sent) allow asking `kind`.
/// An empty `elicitation` object means form mode only (client/elicitation).
pub(super) fn supports(caps: &Value, kind: Kind) -> bool {
    match kind {
        Kind::Form { .. } => {
            caps.get("elicitation").is_some_and(|e| e.get("form").is_some() || e.get("url").is_none())
        }
        Kind::Url => caps.pointer("/elicitation/url").is_some(),
        Kind::Sampling => caps.get("sampling").is_some(),
        Kind::Roots => caps.get("roots").is_some(),
    }
}

/// Adds the capability `kind` needs to `required` (a ClientCapabilities object).
fn require(required: &mut Map<String, Value>, kind: Kind) {
    let (cap, sub) = match kind {
        Kind::Form { .. } => ("elicitation", Some("form")),
        Kind::Url => ("elicitation", Some("url")),
        Kind::Sampling => ("sampling", None),
        Kind::Roots => ("roots", None),
    };
    let entry = required.entry(cap).or_insert_with(|| json!({}));
    if let (Some(sub), Some(obj)) = (sub, entry.as_object_mut()) {
        obj.insert(sub.into(), json!({}));
    }
}

/// The request asking for `ask`, on the wire.
pub(super) fn request(ask: Ask) -> Value {
    match ask.kind {
        Kind::Form { field, message } => json!({"method": "elicitation/create", "params": {
            "mode": "form", "message": message,
            "requestedSchema": {"type": "object",
                "properties": {field: {"type": "string", "description": message}}, "required": [field]}}}),
        Kind::Url => json!({"method": "elicitation/create", "params": {
            "mode": "url", "message": "Open the page to consent to mcpcheck's test", "url": CONSENT_URL,
            "elicitationId": "mcpcheck-consent"}}),
        Kind::Sampling => json!({"method": "sampling/createMessage", "params": {
            "messages": [{"role": "user", "content": {"type": "text", "text": "What is the capital of France?"}}],
            "maxTokens": 100}}),
        Kind::Roots => json!({"method": "roots/list", "params": {}}),
    }
}

/// What one valid input response said.
pub(super) enum Answer {
    Given(String),
    /// The user declined or cancelled (`action`).
    Refused(String),
}

/// Reads the response to `ask`; `Err` says why it is not a valid one.
pub(super) fn answer(ask: Ask, v: &Value) -> Result<Answer, String> {
    let obj = v.as_object().ok_or_else(|| format!("{} is not a result object", type_name(v)))?;
    let str_of = |k: &str| obj.get(k).and_then(Value::as_str);
    match ask.kind {
        Kind::Form { .. } | Kind::Url => {
            let action = str_of("action").ok_or("an ElicitResult needs an action")?;
            match action {
                "accept" => {}
                "decline" | "cancel" => return Ok(Answer::Refused(action.to_owned())),
                other => return Err(format!("action {other:?} is none of accept, decline, cancel")),
            }
            let Kind::Form { field, .. } = ask.kind else { return Ok(Answer::Given("accepted".into())) };
            let content =
                obj.get("content").and_then(Value::as_object).ok_or("accepted form without content")?;
            match content.get(field) {
                Some(Value::String(s)) => Ok(Answer::Given(s.clone())),
                Some(other) => {
                    Err(format!("content.{field} is {}, the schema asks for a string", type_name(other)))
                }
                None => Err(format!("content lacks {field}, which the schema requires")),
            }
        }
        Kind::Sampling => {
            if !matches!(str_of("role"), Some("assistant" | "user")) || str_of("model").is_none() {
                return Err("a CreateMessageResult needs a role and a model".into());
            }
            match obj.get("content") {
                Some(c) if c.get("type").and_then(Value::as_str) == Some("text") => c
                    .get("text")
                    .and_then(Value::as_str)
                    .map(|t| Answer::Given(t.to_owned()))
                    .ok_or_else(|| "a text block without text".to_owned()),
                Some(c) if c.get("type").and_then(Value::as_str).is_some() => {
                    Ok(Answer::Given("(a non-text block)".into()))
                }
                _ => Err("a CreateMessageResult needs a content block".into()),
            }
        }
        Kind::Roots => {
            let roots = obj.get("roots").and_then(Value::as_array).ok_or("a ListRootsResult needs roots")?;
            let uris: Option<Vec<&str>> =
                roots.iter().map(|r| r.get("uri").and_then(Value::as_str)).collect();
            match uris {
                Some(uris) if uris.iter().all(|u| u.starts_with("file://")) => {
                    Ok(Answer::Given(format!("{} roots ({})", uris.len(), uris.join(", "))))
                }
                _ => Err("every root needs a file:// uri".into()),
            }
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn invalid(message: String) -> ErrorData {
    ErrorData::invalid_params(message, None)
}

/// Serves a call of `tool`; `caps` are the client capabilities of the request.
pub fn call(
    tool: &Asking,
    request: &CallToolRequestParams,
    caps: &Value,
    faults: &FaultSet,
) -> Result<CallToolResponse, ErrorData> {
    let responses = request.input_responses.clone().unwrap_or_default();
    let state = match request.request_state.as_deref() {
        Some(sealed) if faults.contains(Fault::TamperedStateAccepted) => {
            State::open_unverified(sealed, tool.name)
        }
        Some(sealed) => State::open(sealed, tool.name).map_err(|e| invalid(e.to_string()))?,
        // `request-state-optional`: answers without the state are taken as
        // answers to the first round.
        None if faults.contains(Fault::RequestStateOptional) && !responses.is_empty() => {
            State::new(tool.name, 0, Vec::new())
        }
        None => return ask(tool, State::new(tool.name, 0, Vec::new()), caps, faults),
    };
    if faults.contains(Fault::AbsentResponsesComplete) && request.input_responses.is_none() {
        let text = format!("{}: completed without its input", tool.name);
        return Ok(CallToolResponse::Complete(CallToolResult::success(vec![ContentBlock::text(text)])));
    }
    let Some(round) = tool.rounds.get(state.round) else {
        return Err(invalid(format!(
            "requestState names round {}, which {} has not",
            state.round, tool.name
        )));
    };
    if faults.contains(Fault::ExtraInputRefused)
        && let Some(extra) = responses.keys().find(|k| !round.iter().any(|a| a.key == k.as_str()))
    {
        return Err(invalid(format!("inputResponses has {extra:?}, which was not asked for")));
    }
    let mut answers = state.answers.clone();
    for a in round.iter() {
        let Some(v) = responses.get(a.key) else {
            if faults.contains(Fault::MissingInputError) {
                return Err(invalid(format!("inputResponses lacks {:?}", a.key)));
            }
            return ask(tool, state, caps, faults);
        };
        match answer(*a, v) {
            Ok(Answer::Given(text)) => answers.push(format!("{} = {text}", a.key)),
            Ok(Answer::Refused(action)) => {
                let text = format!("{}: the user chose {action} for {}", tool.name, a.key);
                return Ok(CallToolResponse::Complete(CallToolResult::error(vec![ContentBlock::text(text)])));
            }
            Err(_) if faults.contains(Fault::InvalidInputAccepted) => {
                answers.push(format!("{} = {}", a.key, v));
            }
            Err(why) => return Err(invalid(format!("inputResponses.{}: {why}", a.key))),
        }
    }
    let forever = faults.contains(Fault::InputAskedForever)
        && state.round + 1 == tool.rounds.len()
        && tool.rounds.len() > 1;
    if forever {
        return ask(tool, state, caps, faults);
    }
    if state.round + 1 < tool.rounds.len() {
        return ask(tool, State::new(tool.name, state.round + 1, answers), caps, faults);
    }
    let text = format!("{}: {}", tool.name, answers.join("; "));
    Ok(CallToolResponse::Complete(CallToolResult::success(vec![ContentBlock::text(text)])))
}

/// An `InputRequiredResult` asking for `state`'s round, sealed in a fresh
/// state; -32021 if the client lacks a capability the round needs.
fn ask(tool: &Asking, state: State, caps: &Value, faults: &FaultSet) -> Result<CallToolResponse, ErrorData> {
    let round = tool.rounds.get(state.round).copied().unwrap_or_default();
    let mut missing = Map::new();
    for a in round.iter().filter(|a| !supports(caps, a.kind)) {
        require(&mut missing, a.kind);
    }
    if !missing.is_empty() && !faults.contains(Fault::InputAsksUndeclared) {
        return Err(ErrorData::new(
            ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
            format!("{} needs client capabilities the request did not declare", tool.name),
            Some(json!({"requiredCapabilities": missing})),
        ));
    }
    let mut requests = InputRequests::new();
    for a in round.iter() {
        let r: InputRequest = serde_json::from_value(request(*a))
            .map_err(|e| ErrorData::internal_error(format!("input request {}: {e}", a.key), None))?;
        requests.insert(a.key.to_owned(), r);
    }
    let sealed = State::new(tool.name, state.round, state.answers)
        .seal()
        .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
    Ok(CallToolResponse::InputRequired(InputRequiredResult::new(Some(requests), Some(sealed))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps_all() -> Value {
        json!({"elicitation": {"form": {}, "url": {}}, "sampling": {}, "roots": {}})
    }

    fn call_with(tool: &str, responses: Option<Value>, state: Option<String>, caps: &Value) -> Value {
        let mut params = CallToolRequestParams::new(tool.to_owned());
        params.input_responses = responses.and_then(|r| serde_json::from_value(r).ok());
        params.request_state = state;
        let tool = find(tool).expect("a multi round-trip tool");
        match call(tool, &params, caps, &FaultSet::clean()) {
            Ok(r) => serde_json::to_value(rmcp::model::ServerResult::from(r)).expect("serialises"),
            Err(e) => json!({"error": e.code.0}),
        }
    }

    #[test]
    fn every_request_is_an_input_request_rmcp_accepts() {
        for tool in ASKING {
            for round in tool.rounds {
                for a in round.iter() {
                    assert!(serde_json::from_value::<InputRequest>(request(*a)).is_ok(), "{}", a.key);
                }
            }
        }
    }

    #[test]
    fn two_rounds_then_a_result() {
        let r1 = call_with("mrtr_two_rounds", None, None, &caps_all());
        assert_eq!(r1["resultType"], "input_required", "{r1}");
        let s1 = r1["requestState"].as_str().map(String::from);
        let name = json!({"user_name": {"action": "accept", "content": {"name": "Ada"}}});
        let r2 = call_with("mrtr_two_rounds", Some(name), s1, &caps_all());
        assert!(r2["inputRequests"]["favorite_color"].is_object(), "{r2}");
        let s2 = r2["requestState"].as_str().map(String::from);
        let color = json!({"favorite_color": {"action": "accept", "content": {"color": "blue"}}});
        let r3 = call_with("mrtr_two_rounds", Some(color), s2, &caps_all());
        assert_eq!(
            r3["content"][0]["text"], "mrtr_two_rounds: user_name = Ada; favorite_color = blue",
            "{r3}"
        );
    }

    #[test]
    fn undeclared_capabilities_are_not_asked_for() {
        let r = call_with("mrtr_elicit_url", None, None, &json!({"elicitation": {}}));
        assert_eq!(r["error"], -32021, "{r}");
        let r = call_with("mrtr_elicit_form", None, None, &json!({}));
        assert_eq!(r["error"], -32021, "{r}");
        let r = call_with("mrtr_elicit_form", None, None, &json!({"elicitation": {}}));
        assert_eq!(r["resultType"], "input_required", "{r}");
    }

    #[test]
    fn bad_retries_are_refused_or_asked_again() {
        let r1 = call_with("mrtr_elicit_form", None, None, &caps_all());
        let state = r1["requestState"].as_str().map(String::from);
        let bad = json!({"user_name": {"action": "accept", "content": {"name": 5}}});
        assert_eq!(call_with("mrtr_elicit_form", Some(bad), state.clone(), &caps_all())["error"], -32602);
        let wrong_key = json!({"someone": {"action": "accept", "content": {"name": "Ada"}}});
        let again = call_with("mrtr_elicit_form", Some(wrong_key), state, &caps_all());
        assert_eq!(again["resultType"], "input_required");
        let forged = json!({"user_name": {"action": "accept", "content": {"name": "Ada"}}});
        let r = call_with("mrtr_elicit_form", Some(forged), Some("e30.AAAA".into()), &caps_all());
        assert_eq!(r["error"], -32602);
    }
}
