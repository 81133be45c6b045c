//! The tasks extension on the wire around a task rather than in it: the
//! `Mcp-Name` routing header of `tasks/*` requests (SEP-2663 on SEP-2243),
//! which a server must check against `params.taskId` as it checks every
//! routing header, and the v1 `task` parameter of `tools/call`, which the
//! extension removed and a server must ignore.

use super::{PROBE_ID, capabilities, declared, find, tidy, with_caps};
use crate::checks::{Ctx, Outcome, Verdict, tools, verify};
use crate::wire::WireError;
use crate::wire::jsonrpc;
use crate::wire::session::SendOpts;
use serde_json::{Value, json};

/// What a 2025-11-25 client put on a task-augmented `tools/call`.
fn v1_task_param() -> Value {
    json!({"ttl": 60000})
}

pub(super) async fn mcp_name_task_id(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    // A task of the server's own, so that a server which routes by the body
    // alone would serve the request rather than not find the task.
    let (found, _) = find(ctx, &mut s).await?;
    let real = found.iter().find_map(|c| c.task_id()).map(str::to_owned);
    let id = real.clone().unwrap_or_else(|| PROBE_ID.to_owned());
    let other = format!("{id}-other");
    for (method, params) in [
        ("tasks/get", json!({"taskId": id})),
        ("tasks/update", json!({"taskId": id, "inputResponses": {}})),
        ("tasks/cancel", json!({"taskId": id})),
    ] {
        let opts = SendOpts { headers: vec![("Mcp-Name".into(), other.clone())], ..Default::default() };
        let a = s.request_with(method, Some(with_caps(params, &capabilities(true))), &opts).await?;
        let what = format!("{method} of task {id} with Mcp-Name: {other}");
        let judged = verify::status(&a.reply, 400, "a header validation failure must be answered 400")
            .and_then(|()| verify::error_code(&a, -32020, "HeaderMismatch"));
        if let Err(v) = judged {
            tidy(&mut s, &found).await;
            return Err(super::prefixed(v, &what));
        }
    }
    tidy(&mut s, &found).await;
    let whose = if real.is_some() { "a task it made" } else { "an unknown task id (no tool made a task)" };
    Ok(Verdict::pass(format!(
        "tasks/get, tasks/update and tasks/cancel of {whose} with an Mcp-Name that is not its taskId: 400 and -32020"
    )))
}

pub(super) async fn legacy_task_param(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    let mut list = tools::tools(&mut s).await?;
    list.sort_by_key(tools::cost);
    let caps = capabilities(true);
    for t in list.iter().filter(|t| ctx.call_tools.allows(t)).take(tools::MAX_CALLS) {
        let name = tools::name_of(t).to_string();
        let schema = t.get("inputSchema").cloned().unwrap_or(json!({"type": "object"}));
        let args = tools::arguments(&schema);
        let plain = with_caps(json!({"name": name, "arguments": args}), &caps);
        let baseline = match ctx.call_tool(&mut s, plain.clone()).await {
            Ok(a) => a.result().cloned(),
            Err(WireError::Timeout(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        // A tool that answers at once, with no error, is the one to try.
        let at_once = baseline.as_ref().is_some_and(|r| {
            r.get("resultType").and_then(Value::as_str).is_none_or(|t| t == "complete")
                && r.get("isError") != Some(&Value::Bool(true))
        });
        if !at_once {
            continue;
        }
        let mut with_task = plain;
        with_task["task"] = v1_task_param();
        let a = ctx.call_tool(&mut s, with_task).await?;
        let response = verify::response(&a)?.clone();
        let expected = "the same answer as without it: a complete CallToolResult, not a task or an error";
        let Some(r) = response.get("result") else {
            return Ok(Verdict::violation(
                format!(
                    "tools/call of {name} with a v1 `task` parameter was refused; without it, it is answered at once"
                ),
                expected,
                jsonrpc::show(Some(&response)),
            ));
        };
        if r.get("resultType").and_then(Value::as_str) == Some("task") {
            if let Some(id) = r.get("taskId").and_then(Value::as_str) {
                let _ = super::tasks_request(&mut s, "tasks/cancel", json!({"taskId": id}), true).await;
            }
            return Ok(Verdict::violation(
                format!("the v1 `task` parameter turned {name}, which answers at once, into a task"),
                expected,
                jsonrpc::show(Some(&response)),
            ));
        }
        if r.get("isError") == Some(&Value::Bool(true)) {
            return Ok(Verdict::violation(
                format!("{name} answered a call with a v1 `task` parameter with a tool error"),
                expected,
                jsonrpc::show(Some(&response)),
            ));
        }
        return Ok(Verdict::pass(format!(
            "{name} answered at once with and without a v1 `task` parameter ({})",
            v1_task_param()
        )));
    }
    Ok(Verdict::Skip(
        "no tool mcpcheck may call answered at once without error, the extension declared (see --call-tools)"
            .into(),
    ))
}
