//! The checks of tasks that ask for input in more than one piece: a
//! `tasks/update` that answers only some of a task's outstanding requests,
//! and a tool that asks by a multi round-trip round before it creates a
//! task (the two flows composed, each with its own state).

use super::shapes::ack_problem;
use super::{
    Created, MOST_TRIED, TERMINAL, capabilities, declared, find_some, poll, settled, status_of,
    tasks_request, tidy,
};
use crate::checks::mrtr::client::{self, MAX_ROUNDS};
use crate::checks::{Ctx, Outcome, Verdict, tools};
use crate::wire::WireError;
use crate::wire::jsonrpc;
use serde_json::{Map, Value, json};
use std::time::Instant;

/// What mcpcheck writes into the text fields of the forms it fills in for
/// the composition check, so that the task's result can be searched for it.
const MARK: &str = "mcpcheck-answer-5e1f";

/// The keys of `inputRequests` in a `tasks/get` result.
fn keys(r: &Value) -> Vec<String> {
    r.get("inputRequests").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

/// The first task that comes to wait for two or more inputs at once.
async fn waiting_for_several(
    s: &mut crate::wire::session::Session,
    found: &[Created],
) -> Result<Option<(String, String, Value)>, Verdict> {
    for c in found {
        let Some(id) = c.task_id() else { continue };
        let answers = poll(s, id, settled).await?;
        let last = answers.last().and_then(|a| a.get("result"));
        if let Some(r) = last.filter(|r| status_of(r) == "input_required" && keys(r).len() >= 2) {
            return Ok(Some((c.name.clone(), id.to_owned(), r.clone())));
        }
    }
    Ok(None)
}

pub(super) async fn partial_update(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    let found = find_some(ctx, &mut s).await?;
    let Some((name, id, waiting)) = waiting_for_several(&mut s, &found).await? else {
        tidy(&mut s, &found).await;
        return Ok(Verdict::Skip("no task mcpcheck made came to wait for two or more inputs at once".into()));
    };
    let all = keys(&waiting);
    let requests = waiting.get("inputRequests").and_then(Value::as_object).cloned().unwrap_or_default();
    let answerable = all.iter().find_map(|k| Some((k.clone(), client::respond(requests.get(k)?)?)));
    let Some((answered, response)) = answerable else {
        tidy(&mut s, &found).await;
        return Ok(Verdict::Skip(format!(
            "{name}'s task asks for {} and mcpcheck can answer none of them",
            all.join(", ")
        )));
    };
    let rest: Vec<&String> = all.iter().filter(|k| **k != answered).collect();
    let a = tasks_request(
        &mut s,
        "tasks/update",
        json!({"taskId": id, "inputResponses": {answered.clone(): response}}),
        true,
    )
    .await?;
    if let Some(actual) = ack_problem(&a) {
        tidy(&mut s, &found).await;
        if a.error_code().is_some() {
            return Ok(Verdict::Skip(format!(
                "{name}'s server refused a tasks/update answering {answered} alone (it MAY refuse partial sets): {actual}"
            )));
        }
        return Ok(Verdict::violation(
            format!("tasks/update answering {answered} alone was not acknowledged with an empty result"),
            "an empty result: {\"resultType\": \"complete\"}",
            actual,
        ));
    }
    // The acknowledgement is eventually consistent: wait for the answered
    // request to go, or for anything else to change.
    let after =
        poll(&mut s, &id, |r| status_of(r) != "input_required" || !keys(r).contains(&answered)).await?;
    tidy(&mut s, &found).await;
    let last = after.last().cloned().unwrap_or(Value::Null);
    let expected = format!(
        "input_required, with {} still in inputRequests",
        rest.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(" and ")
    );
    let Some(r) = last.get("result") else {
        return Ok(Verdict::violation(
            format!("tasks/get of {name}'s task was refused after a partial tasks/update"),
            expected,
            jsonrpc::show(Some(&last)),
        ));
    };
    if status_of(r) != "input_required" {
        return Ok(Verdict::violation(
            format!(
                "{name}'s task went {} after only {answered} was answered, with {} never answered",
                status_of(r),
                rest.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
            ),
            expected,
            jsonrpc::show(Some(r)),
        ));
    }
    let now = keys(r);
    let lost: Vec<&&String> = rest.iter().filter(|k| !now.contains(k)).collect();
    if !lost.is_empty() {
        return Ok(Verdict::violation(
            format!(
                "after only {answered} was answered, {name}'s task no longer lists {}, which nobody answered",
                lost.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
            ),
            expected,
            jsonrpc::show(Some(r)),
        ));
    }
    let note = if now.contains(&answered) {
        format!(
            "; {answered} was still listed when mcpcheck stopped polling (the update is eventually consistent)"
        )
    } else {
        format!("; {answered} was no longer listed")
    };
    Ok(Verdict::pass(format!(
        "{name}'s task stayed input_required with {} after a tasks/update answering {answered} alone{note}",
        now.join(", ")
    )))
}

/// The answers to a round's requests, with [`MARK`] in every text field of
/// a form whose schema still holds with it; and whether any holds it.
fn marked_answers(round: &Value) -> Result<(Value, bool), String> {
    let mut answers = client::respond_all(round)?;
    let mut marked = false;
    let requests = round.get("inputRequests").and_then(Value::as_object).cloned().unwrap_or_default();
    for (key, answer) in answers.as_object_mut().into_iter().flatten() {
        let Some(schema) = requests.get(key).and_then(|r| r.pointer("/params/requestedSchema")) else {
            continue;
        };
        let Some(content) = answer.get_mut("content").and_then(Value::as_object_mut) else { continue };
        let mut tried: Map<String, Value> = content.clone();
        for v in tried.values_mut().filter(|v| v.is_string()) {
            *v = json!(MARK);
        }
        let holds =
            jsonschema::validator_for(schema).is_ok_and(|v| v.is_valid(&Value::Object(tried.clone())));
        if holds && tried != *content {
            *content = tried;
            marked = true;
        }
    }
    Ok((answers, marked))
}

/// A tool that asked by a multi round-trip round and then made a task.
struct Composed {
    name: String,
    first: Value,
    create: Value,
    marked: bool,
}

/// Calls the tools mcpcheck may call (cheapest first, bounded as [`super::find`]
/// is, retries aside: each tool's rounds stop at [`MAX_ROUNDS`]) with the
/// extension declared; answers the rounds of those that ask, and returns
/// the first whose rounds end in a task.
async fn composed(ctx: &Ctx, s: &mut crate::wire::session::Session) -> Result<Option<Composed>, Verdict> {
    let mut list = tools::tools(s).await?;
    list.sort_by_key(tools::cost);
    let caps = capabilities(true);
    let budget = ctx.tool_timeout * tools::TOOL_BUDGET_CALLS;
    let started = Instant::now();
    for t in list.iter().filter(|t| ctx.call_tools.allows(t)).take(MOST_TRIED) {
        if started.elapsed() >= budget {
            break;
        }
        let name = tools::name_of(t).to_string();
        let schema = t.get("inputSchema").cloned().unwrap_or(json!({"type": "object"}));
        let args = tools::arguments(&schema);
        let first = match ctx.call_tool(s, client::params(&name, &args, &caps, None, None)).await {
            Ok(a) => a.result().cloned(),
            Err(WireError::Timeout(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        // A task made at once is no composition: cancelled, and on.
        if let Some(id) = first.as_ref().and_then(|r| r.get("taskId")).and_then(Value::as_str) {
            let _ = tasks_request(s, "tasks/cancel", json!({"taskId": id}), true).await;
        }
        let Some(first) = first.filter(client::asks) else { continue };
        let mut round = first.clone();
        let mut marked = false;
        for _ in 0..MAX_ROUNDS {
            let Ok((answers, m)) = marked_answers(&round) else { break };
            marked |= m;
            let state = round.get("requestState").and_then(Value::as_str).map(str::to_owned);
            let p = client::params(&name, &args, &caps, Some(answers), state.as_deref());
            let a = ctx.call_tool(s, p).await?;
            let Some(next) = a.result().cloned() else { break };
            if next.get("resultType").and_then(Value::as_str) == Some("task") {
                return Ok(Some(Composed { name, first, create: next, marked }));
            }
            if !client::asks(&next) {
                break;
            }
            round = next;
        }
    }
    Ok(None)
}

pub(super) async fn composition(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    let Some(c) = composed(ctx, &mut s).await? else {
        return Ok(Verdict::Skip(
            "no tool mcpcheck may call asked for input by a multi round-trip round and then answered with a task"
                .into(),
        ));
    };
    let id = c.create.get("taskId").and_then(Value::as_str).map(str::to_owned);
    if let Some(id) = &id {
        let _ = tasks_request(&mut s, "tasks/get", json!({"taskId": id}), true).await;
    }
    let problem = if c.first.get("taskId").is_some() {
        Some(("its input_required round carries a taskId", c.first.clone()))
    } else if c.create.get("requestState").is_some() {
        Some(("its create-task result carries the round's requestState", c.create.clone()))
    } else if c.create.get("inputRequests").is_some() {
        Some(("its create-task result carries inputRequests", c.create.clone()))
    } else if id.is_none() {
        Some(("its create-task result has no taskId", c.create.clone()))
    } else {
        None
    };
    if let Some((what, r)) = problem {
        if let Some(id) = &id {
            let _ = tasks_request(&mut s, "tasks/cancel", json!({"taskId": id}), true).await;
        }
        return Ok(Verdict::violation(
            format!("{}: {what}", c.name),
            "an input_required round without taskId, then a create-task result without requestState or inputRequests",
            jsonrpc::show(Some(&r)),
        ));
    }
    let id = id.unwrap_or_default();
    let answers = poll(&mut s, &id, |r| TERMINAL.contains(&status_of(r))).await?;
    let _ = tasks_request(&mut s, "tasks/cancel", json!({"taskId": id}), true).await;
    let last = answers.last().cloned().unwrap_or(Value::Null);
    let Some(r) = last.get("result").filter(|r| status_of(r) == "completed") else {
        return Ok(Verdict::violation(
            format!("{}'s task did not complete within mcpcheck's polling", c.name),
            "the task completed, its result inlined on tasks/get",
            jsonrpc::show(Some(&last)),
        ));
    };
    let shown = r.get("result").map(Value::to_string).unwrap_or_default();
    if !c.marked {
        return Ok(Verdict::pass(format!(
            "{}: a round without taskId, then a task without requestState that completed (mcpcheck's answers had no text field to look for in its result)",
            c.name
        )));
    }
    if !shown.contains(MARK) {
        return Ok(Verdict::violation(
            format!("{}'s task completed without the answer given in its multi round-trip round", c.name),
            format!("a result that reflects the answer, which carried {MARK:?}"),
            jsonrpc::show(Some(r)),
        ));
    }
    Ok(Verdict::pass(format!(
        "{}: a round without taskId, then a task without requestState whose result carries the answer given",
        c.name
    )))
}
