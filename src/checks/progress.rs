//! Progress (`basic/utilities/progress`): notifications for a request that
//! carried a `progressToken`.
//!
//! mcpcheck calls the allowed tools (see [`super::tools::CallTools`]) with a
//! progress token until one reports progress, and checks what it reported.

use super::pagination::{self, ListMethod};
use super::{Check, Ctx, Outcome, Transports, Verdict, tools, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef};
use crate::wire::jsonrpc::{self, Kind};
use serde_json::{Value, json};

const TOOLS_LIST: ListMethod = ListMethod { method: "tools/list", key: "tools", capability: "tools" };

pub const CHECKS: &[Check] = &[Check {
    id: "progress/notifications/increasing",
    title: "progress notifications carry the request's token, increase, and stop at the response",
    level: Level::Must,
    revisions: Revisions::ALL,
    transports: Transports::Any,
    spec: SpecRef { page: "basic/utilities/progress", anchor: "behavior-requirements" },
    requirement: "Progress notifications MUST only reference tokens that: Were provided in an active request; Are associated with an in-progress operation. ... The progress value MUST increase with each notification, even if the total is unknown.",
    run: runs!(increasing),
}];

async fn increasing(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let caps = pagination::capabilities(&mut s).await?;
    if !caps.get("tools").is_some_and(Value::is_object) {
        return Ok(Verdict::Skip("the server declares no tools".into()));
    }
    let list = pagination::list_all(&mut s, TOOLS_LIST).await?.items;
    let mut called = Vec::new();
    let started = std::time::Instant::now();
    for (i, t) in list.iter().filter(|t| ctx.call_tools.allows(t)).take(tools::MAX_CALLS).enumerate() {
        if started.elapsed() >= ctx.tool_timeout * tools::TOOL_BUDGET_CALLS {
            break;
        }
        let name = t.get("name").and_then(Value::as_str).unwrap_or_default();
        let schema = t.get("inputSchema").cloned().unwrap_or(json!({"type": "object"}));
        let args = tools::arguments(&schema);
        if !jsonschema::validator_for(&schema).map(|v| v.is_valid(&args)).unwrap_or(false) {
            continue;
        }
        called.push(name.to_string());
        let token = format!("mcpcheck-progress-{i}");
        let params = json!({"name": name, "arguments": args, "_meta": {"progressToken": token}});
        let a = match ctx.call_tool(&mut s, params).await {
            Ok(a) => a,
            // A slow tool is not the server's fault; try the next one.
            Err(crate::wire::WireError::Timeout(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        verify::response(&a)?;
        let mut last: Option<f64> = None;
        let mut answered = false;
        let mut seen = 0;
        for msg in &a.reply.messages {
            if jsonrpc::is_response_to(msg, &a.id) {
                answered = true;
                continue;
            }
            if jsonrpc::kind(msg) != Kind::Notification
                || msg.get("method").and_then(Value::as_str) != Some("notifications/progress")
            {
                continue;
            }
            let fail = |why: String| {
                Ok(Verdict::violation(
                    format!("{name}: {why}"),
                    "progress notifications with the request's token, each value higher than the one before, none after the response",
                    jsonrpc::show(Some(msg)),
                ))
            };
            if answered {
                return fail("a progress notification came after the response".into());
            }
            if msg.pointer("/params/progressToken") != Some(&json!(token)) {
                return fail(format!("a progress notification does not carry the token {token:?}"));
            }
            let Some(p) = msg.pointer("/params/progress").and_then(Value::as_f64) else {
                return fail("progress is not a number".into());
            };
            if last.is_some_and(|l| p <= l) {
                return fail(format!("progress went from {} to {p}", last.unwrap_or_default()));
            }
            last = Some(p);
            seen += 1;
        }
        if seen > 0 {
            return Ok(Verdict::pass(format!(
                "{name} reported {seen} increasing steps (called {})",
                called.join(", ")
            )));
        }
    }
    Ok(Verdict::Skip(format!("no tool reported progress (called {})", called.join(", "))))
}
