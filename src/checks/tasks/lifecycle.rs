//! The checks that follow a task through its life: the create-task result,
//! `tasks/get` until the task settles, cancellation, the wire fields of both,
//! a task waiting for input, and how long a task stays readable.

use super::shapes::{ack_problem, create_problems, detailed_problems};
use super::{TERMINAL, declared, find_some, poll, settled, status_of, tasks_request, tidy};
use crate::checks::mrtr::client;
use crate::checks::{Ctx, Outcome, Verdict};
use crate::wire::jsonrpc;
use serde_json::{Map, Value, json};
use std::time::{Duration, Instant};

/// The longest TTL mcpcheck waits out (less a margin) before reading the
/// task again.
const MOST_TTL_WAITED: Duration = Duration::from_secs(3);
/// How long after a task ends mcpcheck reads it again when its TTL is
/// longer than it waits for (or unlimited).
const READ_AGAIN_AFTER: Duration = Duration::from_millis(2500);

pub(super) async fn create_result_shape(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    let found = find_some(ctx, &mut s).await?;
    tidy(&mut s, &found).await;
    let bad: Vec<String> = found
        .iter()
        .filter_map(|c| {
            let p = create_problems(&c.result);
            (!p.is_empty())
                .then(|| format!("{}: {} — {}", c.name, p.join("; "), jsonrpc::show(Some(&c.result))))
        })
        .collect();
    let names: Vec<&str> = found.iter().map(|c| c.name.as_str()).collect();
    if bad.is_empty() {
        return Ok(Verdict::pass(format!("well-formed create-task results from {}", names.join(", "))));
    }
    Ok(Verdict::violation(
        format!("{} of {} create-task results are malformed", bad.len(), found.len()),
        "resultType \"task\", taskId, status, ISO 8601 createdAt and lastUpdatedAt, ttlMs (integer or null), flat",
        jsonrpc::clip(&bad.join("; "), 1200),
    ))
}

pub(super) async fn get_detailed(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    let found = find_some(ctx, &mut s).await?;
    let mut seen = Vec::new();
    let mut problem = None;
    'tasks: for c in &found {
        let Some(id) = c.task_id() else { continue };
        for (i, answer) in poll(&mut s, id, settled).await?.iter().enumerate() {
            let p = match answer.get("result") {
                None if i == 0 => vec!["the first tasks/get after creation did not resolve".to_string()],
                None => vec!["tasks/get was refused".to_string()],
                Some(r) => detailed_problems(r, id),
            };
            if !p.is_empty() {
                problem = Some((c.name.clone(), p.join("; "), answer.clone()));
                break 'tasks;
            }
            if let Some(r) = answer.get("result") {
                seen.push(format!("{} {}", c.name, status_of(r)));
            }
        }
    }
    tidy(&mut s, &found).await;
    if let Some((name, p, answer)) = problem {
        return Ok(Verdict::violation(
            format!("{name}: {p}"),
            "resultType \"complete\" and the task; result on completed, error on failed",
            jsonrpc::show(Some(&answer)),
        ));
    }
    seen.dedup();
    Ok(Verdict::pass(format!("well-formed tasks/get answers: {}", seen.join(", "))))
}

pub(super) async fn cancel_ack(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    let found = find_some(ctx, &mut s).await?;
    let Some((name, id)) = found.first().and_then(|c| Some((c.name.clone(), c.task_id()?.to_owned()))) else {
        return Ok(Verdict::violation(
            "the create-task result has no taskId",
            "a taskId",
            jsonrpc::show(found.first().map(|c| &c.result)),
        ));
    };
    let a = tasks_request(&mut s, "tasks/cancel", json!({"taskId": id}), true).await?;
    let first = ack_problem(&a);
    let answers = poll(&mut s, &id, |r| TERMINAL.contains(&status_of(r))).await?;
    let ended =
        answers.last().and_then(|r| r.get("result")).is_some_and(|r| TERMINAL.contains(&status_of(r)));
    let again = if ended {
        ack_problem(&tasks_request(&mut s, "tasks/cancel", json!({"taskId": id}), true).await?)
    } else {
        None
    };
    tidy(&mut s, &found).await;
    let expected = "an empty result: {\"resultType\": \"complete\"} (and _meta at most)";
    if let Some(actual) = first {
        return Ok(Verdict::violation(
            "tasks/cancel of a running task was not acknowledged with an empty result",
            expected,
            actual,
        ));
    }
    if let Some(actual) = again {
        return Ok(Verdict::violation(
            "tasks/cancel of a finished task was not acknowledged with an empty result",
            expected,
            actual,
        ));
    }
    let end = answers.last().and_then(|r| r.get("result")).map_or("unknown", status_of);
    let second = if ended { "; cancelling it again once ended was acknowledged too" } else { "" };
    Ok(Verdict::pass(format!("cancelling {}'s task was acknowledged; it ended {end}{second}", name)))
}

pub(super) async fn field_names(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    let found = find_some(ctx, &mut s).await?;
    let mut seen = vec![];
    for c in &found {
        seen.push((format!("{}'s create-task result", c.name), c.result.clone()));
        if let Some(id) = c.task_id() {
            let a = tasks_request(&mut s, "tasks/get", json!({"taskId": id}), true).await?;
            if let Some(r) = a.result() {
                seen.push((format!("tasks/get of {}'s task", c.name), r.clone()));
            }
        }
    }
    tidy(&mut s, &found).await;
    for (what, r) in &seen {
        let mut wrong: Vec<String> = ["ttl", "pollInterval"]
            .into_iter()
            .filter(|k| r.get(*k).is_some())
            .map(|k| format!("the v1 `{k}`"))
            .collect();
        for k in ["ttlMs", "pollIntervalMs"] {
            if r.get(k).is_some_and(|v| !v.is_null() && !v.is_u64()) {
                wrong.push(format!("a {k} that is not integer milliseconds"));
            }
        }
        if !wrong.is_empty() {
            return Ok(Verdict::violation(
                format!("{what} carries {}", wrong.join(" and ")),
                "integer ttlMs (or null) and pollIntervalMs; no ttl or pollInterval",
                jsonrpc::show(Some(r)),
            ));
        }
    }
    Ok(Verdict::pass(format!("ttlMs and pollIntervalMs only, in {} task answers", seen.len())))
}

pub(super) async fn no_request_state(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    let found = find_some(ctx, &mut s).await?;
    let mut looked = 0;
    let mut carrying = Vec::new();
    for c in &found {
        looked += 1;
        if c.result.get("requestState").is_some() {
            carrying.push((format!("{}'s create-task result", c.name), c.result.clone()));
        }
        let Some(id) = c.task_id() else { continue };
        for answer in poll(&mut s, id, settled).await? {
            looked += 1;
            if let Some(r) = answer.get("result").filter(|r| r.get("requestState").is_some()) {
                carrying.push((format!("tasks/get of {}'s task ({})", c.name, status_of(r)), r.clone()));
            }
        }
    }
    tidy(&mut s, &found).await;
    match carrying.first() {
        None => Ok(Verdict::pass(format!("no requestState in {looked} task answers"))),
        Some((what, r)) => Ok(Verdict::violation(
            format!("{what} carries requestState ({} of {looked} answers do)", carrying.len()),
            "no requestState on a task (it is multi round-trip state)",
            jsonrpc::show(Some(r)),
        )),
    }
}

pub(super) async fn input_surfaced(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    let found = find_some(ctx, &mut s).await?;
    let mut waiting = None;
    for c in &found {
        let Some(id) = c.task_id() else { continue };
        let answers = poll(&mut s, id, settled).await?;
        if let Some(r) =
            answers.last().and_then(|a| a.get("result")).filter(|r| status_of(r) == "input_required")
        {
            waiting = Some((c.name.clone(), id.to_owned(), r.clone()));
            break;
        }
    }
    let Some((name, id, r)) = waiting else {
        tidy(&mut s, &found).await;
        return Ok(Verdict::Skip("no task mcpcheck made came to wait for input (input_required)".into()));
    };
    let requests = r.get("inputRequests").and_then(Value::as_object).filter(|m| !m.is_empty());
    let bad: Option<String> = match requests {
        None => Some(format!(
            "inputRequests is {}, not a non-empty object",
            jsonrpc::show(r.get("inputRequests"))
        )),
        Some(m) => m.iter().find_map(|(k, v)| {
            crate::checks::schema::input_request(v)
                .err()
                .map(|e| format!("inputRequests.{k}{}: {}", e.pointer, e.message))
        }),
    };
    if let Some(bad) = bad {
        tidy(&mut s, &found).await;
        return Ok(Verdict::violation(
            format!("{name}'s task is input_required, but {bad}"),
            "inputRequests: every outstanding request (elicitation/create, sampling/createMessage, roots/list)",
            jsonrpc::show(Some(&r)),
        ));
    }
    let note = match client::respond_all(&r) {
        Err(key) => format!("; {key} is not something mcpcheck can answer, so no tasks/update was sent"),
        Ok(responses) => {
            let keys: Map<String, Value> = responses.as_object().cloned().unwrap_or_default();
            let a = tasks_request(
                &mut s,
                "tasks/update",
                json!({"taskId": id, "inputResponses": responses}),
                true,
            )
            .await?;
            if let Some(actual) = ack_problem(&a) {
                tidy(&mut s, &found).await;
                return Ok(Verdict::violation(
                    format!(
                        "tasks/update answering {name}'s input requests was not acknowledged with an empty result"
                    ),
                    "an empty result: {\"resultType\": \"complete\"}",
                    actual,
                ));
            }
            let after = poll(&mut s, &id, |r| TERMINAL.contains(&status_of(r))).await?;
            let end = after.last().and_then(|a| a.get("result")).map_or("unknown", status_of).to_owned();
            format!(
                "; tasks/update answering {} was acknowledged, then the task was {end}",
                keys.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        }
    };
    tidy(&mut s, &found).await;
    Ok(Verdict::pass(format!("{name}'s task surfaced its input requests on tasks/get{note}")))
}

/// How long before its TTL is up a task is read: a tenth of the TTL, from
/// 100 ms to 500 ms, for the clocks and the network between.
fn ttl_margin(ttl: Duration) -> Duration {
    (ttl / 10).clamp(Duration::from_millis(100), Duration::from_millis(500))
}

pub(super) async fn ttl_honored(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    let found = find_some(ctx, &mut s).await?;
    let Some((c, id)) = found.iter().find_map(|c| Some((c, c.task_id()?.to_owned()))) else {
        return Ok(Verdict::violation(
            "the create-task result has no taskId",
            "a taskId",
            jsonrpc::show(found.first().map(|c| &c.result)),
        ));
    };
    // A task that waits for input is ended by cancelling it: the TTL runs
    // from creation whatever the task does, and a finished task is what
    // a server that lets tasks go too soon drops first.
    let mut answers = poll(&mut s, &id, settled).await?;
    if answers.last().and_then(|a| a.get("result")).is_some_and(|r| status_of(r) == "input_required") {
        tasks_request(&mut s, "tasks/cancel", json!({"taskId": id}), true).await?;
        answers = poll(&mut s, &id, |r| TERMINAL.contains(&status_of(r))).await?;
    }
    let end = answers.last().and_then(|a| a.get("result")).map_or("unknown", status_of).to_owned();
    let ttl = c.result.get("ttlMs").and_then(Value::as_u64).map(Duration::from_millis);
    let waited = match ttl {
        Some(ttl) if ttl <= MOST_TTL_WAITED + READ_AGAIN_AFTER => {
            let Some(until) = (c.called_at + ttl).checked_sub(ttl_margin(ttl)) else {
                tidy(&mut s, &found).await;
                return Ok(Verdict::Skip(format!(
                    "{}'s ttlMs ({ttl:?}) is too short to read within",
                    c.name
                )));
            };
            if until <= Instant::now() {
                tidy(&mut s, &found).await;
                return Ok(Verdict::Skip(format!(
                    "{}'s ttlMs ({ttl:?}) was over before its task could be read again",
                    c.name
                )));
            }
            tokio::time::sleep_until(until.into()).await;
            format!("just before its ttlMs ({ttl:?}) was up")
        }
        _ => {
            tokio::time::sleep(READ_AGAIN_AFTER).await;
            let ttl = ttl.map_or("unlimited".to_string(), |t| format!("{t:?}"));
            format!(
                "{READ_AGAIN_AFTER:?} after it was seen {end} (its ttlMs, {ttl}, is longer than mcpcheck waits)"
            )
        }
    };
    let elapsed = c.called_at.elapsed();
    let a = tasks_request(&mut s, "tasks/get", json!({"taskId": id}), true).await?;
    tidy(&mut s, &found).await;
    let response = crate::checks::verify::response(&a)?;
    if response.get("result").is_none() {
        let ttl = ttl.map_or("null (unlimited)".to_string(), |t| format!("{} ms", t.as_millis()));
        return Ok(Verdict::violation(
            format!(
                "{}'s task, {end}, could no longer be read {} ms after it was created, though its ttlMs is {ttl}",
                c.name,
                elapsed.as_millis()
            ),
            "tasks/get resolves until createdAt + ttlMs has passed",
            jsonrpc::show(Some(response)),
        ));
    }
    Ok(Verdict::pass(format!("{}'s task was still readable {waited}", c.name)))
}
