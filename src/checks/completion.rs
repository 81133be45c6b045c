//! Completion (`server/utilities/completion`): argument completion for
//! prompts and resource templates, promised by the `completions` capability.

use super::pagination::{self, ListMethod};
use super::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef};
use crate::wire::jsonrpc;
use crate::wire::session::Session;
use serde_json::{Value, json};

const PROMPTS: ListMethod = ListMethod { method: "prompts/list", key: "prompts", capability: "prompts" };

pub const CHECKS: &[Check] = &[
    Check {
        id: "completion/complete/matches-capability",
        title: "completion/complete is served exactly when the completions capability is declared",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: SpecRef { page: "server/utilities/completion", anchor: "capabilities" },
        requirement: "Servers that support completions MUST declare the completions capability; without it: Method not found: -32601 (Capability not supported)",
        run: runs!(matches_capability),
    },
    Check {
        id: "completion/complete/values-bounded",
        title: "a completion result has at most 100 values",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: SpecRef { page: "server/utilities/completion", anchor: "completion-results" },
        requirement: "Maximum 100 items per response",
        run: runs!(values_bounded),
    },
];

/// A `completion/complete` request for the first argument of the first
/// listed prompt, or for a made-up prompt when there is none.
async fn request_params(s: &mut Session, caps: &Value) -> Result<(Value, bool), Verdict> {
    if caps.get("prompts").is_some_and(Value::is_object) {
        let prompts = pagination::list_all(s, PROMPTS).await?.items;
        for p in &prompts {
            let name = p.get("name").and_then(Value::as_str);
            let arg = p.pointer("/arguments/0/name").and_then(Value::as_str);
            if let (Some(name), Some(arg)) = (name, arg) {
                let params = json!({"ref": {"type": "ref/prompt", "name": name},
                    "argument": {"name": arg, "value": ""}});
                return Ok((params, true));
            }
        }
    }
    let params = json!({"ref": {"type": "ref/prompt", "name": "mcpcheck_prompt"},
        "argument": {"name": "x", "value": ""}});
    Ok((params, false))
}

/// Declared: the method answers (with a result, or an error other than
/// -32601 when there is nothing real to complete). Not declared: -32601.
async fn matches_capability(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let caps = pagination::capabilities(&mut s).await?;
    let declared = caps.get("completions").is_some_and(Value::is_object);
    let (params, real) = request_params(&mut s, &caps).await?;
    let a = s.request("completion/complete", Some(params)).await?;
    let r = verify::response(&a)?;
    let code = jsonrpc::error_code(r);
    match (declared, code) {
        (false, Some(-32601)) => Ok(Verdict::pass("not declared, and answered -32601")),
        (false, _) => Ok(Verdict::violation(
            "completion/complete is served although the completions capability is not declared",
            "error -32601, or the completions capability declared",
            jsonrpc::show(Some(r)),
        )),
        (true, Some(-32601)) => Ok(Verdict::violation(
            "the completions capability is declared but completion/complete is not found",
            "a completion result",
            jsonrpc::show(Some(r)),
        )),
        (true, Some(_)) if real => Ok(Verdict::violation(
            "completing a listed prompt's argument failed",
            "a completion result",
            jsonrpc::show(Some(r)),
        )),
        (true, _) => Ok(Verdict::pass("declared and served")),
    }
}

async fn values_bounded(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let caps = pagination::capabilities(&mut s).await?;
    if !caps.get("completions").is_some_and(Value::is_object) {
        return Ok(Verdict::Skip("the server does not declare the completions capability".into()));
    }
    let (params, real) = request_params(&mut s, &caps).await?;
    if !real {
        return Ok(Verdict::Skip("no prompt argument to complete".into()));
    }
    let a = s.request("completion/complete", Some(params)).await?;
    let result = verify::result(&a)?;
    let Some(values) = result.pointer("/completion/values").and_then(Value::as_array) else {
        return Ok(Verdict::violation(
            "the result has no completion.values array",
            "completion: {values: [...]}",
            jsonrpc::show(Some(result)),
        ));
    };
    if values.len() > 100 {
        return Ok(Verdict::violation(
            format!("{} completion values in one response", values.len()),
            "at most 100 values",
            format!("{} values", values.len()),
        ));
    }
    let total = result.pointer("/completion/total").and_then(Value::as_u64);
    if total.is_some_and(|t| t < values.len() as u64) {
        return Ok(Verdict::violation(
            "completion.total is smaller than the number of values returned",
            format!("total >= {}", values.len()),
            jsonrpc::show(result.get("completion")),
        ));
    }
    Ok(Verdict::pass(format!("{} values", values.len())))
}
