//! Prompts (`server/prompts`): every listed prompt can be fetched, and the
//! two errors the page names (unknown prompt, missing required argument).

use super::pagination::{self, ListMethod};
use super::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef};
use crate::wire::jsonrpc;
use crate::wire::session::Session;
use serde_json::{Map, Value, json};

/// Prompts fetched by one check at most.
pub const MAX_GETS: usize = 20;
const LIST: ListMethod = ListMethod { method: "prompts/list", key: "prompts", capability: "prompts" };
const ERRORS: SpecRef = SpecRef { page: "server/prompts", anchor: "error-handling" };

pub const CHECKS: &[Check] = &[
    Check {
        id: "prompts/get/listed",
        title: "every listed prompt can be fetched and yields messages",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: SpecRef { page: "server/prompts", anchor: "getting-a-prompt" },
        requirement: "To retrieve a specific prompt, clients send a prompts/get request. Arguments may be auto-completed through the completion API. (The result: messages, each with a role and content.)",
        run: runs!(get_listed),
    },
    Check {
        id: "prompts/get/missing-argument",
        title: "a missing required argument is error -32602",
        level: Level::Should,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: ERRORS,
        requirement: "Servers SHOULD return standard JSON-RPC errors for common failure cases: ... Missing required arguments: -32602 (Invalid params)",
        run: runs!(missing_argument),
    },
    Check {
        id: "prompts/get/unknown-prompt",
        title: "an unknown prompt name is error -32602",
        level: Level::Should,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: ERRORS,
        requirement: "Servers SHOULD return standard JSON-RPC errors for common failure cases: Invalid prompt name: -32602 (Invalid params)",
        run: runs!(unknown_prompt),
    },
];

/// The listed prompts, or a skip when the server declares none.
async fn prompts(s: &mut Session) -> Result<Vec<Value>, Verdict> {
    let caps = pagination::capabilities(s).await?;
    if !caps.get("prompts").is_some_and(Value::is_object) {
        return Err(Verdict::Skip("the server does not declare the prompts capability".into()));
    }
    Ok(pagination::list_all(s, LIST).await?.items)
}

fn required_args(prompt: &Value) -> Vec<&str> {
    let args = prompt.get("arguments").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    args.iter()
        .filter(|a| a.get("required") == Some(&Value::Bool(true)))
        .filter_map(|a| a.get("name").and_then(Value::as_str))
        .collect()
}

/// The value mcpcheck fills every required prompt argument with.
const ARG_VALUE: &str = "mcpcheck";

/// Whether an error answering `prompts/get` is about the argument values
/// mcpcheck made up (a prompt may accept only some values, and prompt
/// arguments carry no schema to learn them from) rather than about the prompt:
/// its message quotes the value. (Argument names are no evidence: "name" is
/// both a common argument and a word of "unknown prompt name".)
fn blames_arguments(error: &Value) -> bool {
    let message = error.pointer("/error/message").and_then(Value::as_str).unwrap_or_default();
    message.contains(ARG_VALUE)
}

/// Why a `prompts/get` answer is left unjudged, if it is: a refusal that
/// blames the made-up argument values; on 2026-07-28, a prompt that needs a
/// client capability mcpcheck's request did not declare ("If processing a
/// request requires a capability the client did not include in
/// `io.modelcontextprotocol/clientCapabilities`, the server **MUST** return a
/// `MissingRequiredClientCapabilityError` (`-32021`)", basic/index) or
/// that asks for input first (`resultType: "input_required"`, whose round
/// trip `mrtr/input-required/prompt-round-trip` will check).
fn unjudged(answer: &Value) -> Option<&'static str> {
    if answer.get("error").is_some() && blames_arguments(answer) {
        return Some("refused made-up argument values");
    }
    if answer.pointer("/error/code").and_then(Value::as_i64) == Some(-32021) {
        return Some("needs an undeclared client capability (-32021)");
    }
    if answer.pointer("/result/resultType").and_then(Value::as_str) == Some("input_required") {
        return Some("asks for input first (input_required)");
    }
    None
}

/// Fetches each listed prompt (at most [`MAX_GETS`]) with its required
/// arguments filled in; each must yield a `messages` array of
/// `{role: user|assistant, content: {type, ...}}`. Answers [`unjudged`]
/// names are not held against the server.
async fn get_listed(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let list = prompts(&mut s).await?;
    if list.is_empty() {
        return Ok(Verdict::Skip("the server lists no prompts".into()));
    }
    let mut not_judged = Vec::new();
    for p in list.iter().take(MAX_GETS) {
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            return Ok(Verdict::violation(
                "a listed prompt has no string name",
                "name: string",
                jsonrpc::show(Some(p)),
            ));
        };
        let args: Map<String, Value> =
            required_args(p).into_iter().map(|a| (a.into(), json!(ARG_VALUE))).collect();
        let a = s.request("prompts/get", Some(json!({"name": name, "arguments": args}))).await?;
        let r = verify::response(&a)?;
        if let Some(why) = unjudged(r) {
            not_judged.push(format!("{name} ({why})"));
            continue;
        }
        let Some(result) = r.get("result") else {
            return Ok(Verdict::violation(
                format!("the listed prompt {name:?} could not be fetched"),
                "a result with messages",
                jsonrpc::show(Some(r)),
            ));
        };
        let well_formed = result.get("messages").and_then(Value::as_array).is_some_and(|m| {
            m.iter().all(|msg| {
                matches!(msg.get("role").and_then(Value::as_str), Some("user" | "assistant"))
                    && msg.pointer("/content/type").is_some_and(Value::is_string)
            })
        });
        if !well_formed {
            return Ok(Verdict::violation(
                format!("prompt {name:?}: messages missing or malformed"),
                "messages: [{role: user|assistant, content: {type, ...}}]",
                jsonrpc::show(Some(result)),
            ));
        }
    }
    let tried = list.len().min(MAX_GETS);
    if not_judged.len() == tried {
        return Ok(Verdict::Skip(format!("no listed prompt could be judged: {}", not_judged.join(", "))));
    }
    let note = if not_judged.is_empty() {
        String::new()
    } else {
        format!("; not judged: {}", not_judged.join(", "))
    };
    Ok(Verdict::pass(format!("fetched {} of {} listed prompts{note}", tried - not_judged.len(), list.len())))
}

/// A prompt with a required argument, fetched without arguments.
async fn missing_argument(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let list = prompts(&mut s).await?;
    let Some(p) = list.iter().find(|p| !required_args(p).is_empty()) else {
        return Ok(Verdict::Skip("no listed prompt has a required argument".into()));
    };
    let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
    let a = s.request("prompts/get", Some(json!({"name": name, "arguments": {}}))).await?;
    verify::error_code(&a, -32602, "Invalid params")?;
    Ok(Verdict::pass(format!("{name:?} without {:?}: -32602", required_args(p))))
}

async fn unknown_prompt(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    prompts(&mut s).await?;
    let a = s.request("prompts/get", Some(json!({"name": "mcpcheck_no_such_prompt"}))).await?;
    verify::error_code(&a, -32602, "Invalid params")?;
    Ok(Verdict::pass("unknown prompt: -32602"))
}
