//! Task status notifications (`notifications/tasks`): a server MAY push
//! them on a `subscriptions/listen` stream whose request lists the task's
//! id. mcpcheck makes tasks, opens such a stream for their ids (the
//! extension declared), reads it for a while, and judges every status
//! notification by what `tasks/get` would answer: the `Task` fields, and
//! the payload its status calls for. A server that sends none is within
//! its rights, so the check then skips and says so.

use super::shapes::detailed_problems;
use super::{capabilities, declared, find_some, tidy, with_caps};
use crate::checks::{Ctx, Outcome, Verdict};
use crate::wire::jsonrpc;
use serde_json::{Value, json};
use std::time::Duration;

const METHOD: &str = "notifications/tasks";
/// How long the stream is read: long enough for a quick task to end.
const WINDOW: Duration = Duration::from_millis(2500);
/// The most tasks listened for on one stream.
const MOST_LISTENED: usize = 4;
/// The most notifications judged.
const MOST_JUDGED: usize = 100;

pub(super) async fn status_shape(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    let found = find_some(ctx, &mut s).await?;
    let ids: Vec<String> =
        found.iter().filter_map(|c| c.task_id()).take(MOST_LISTENED).map(str::to_owned).collect();
    let id = s.next_id();
    let params = with_caps(json!({"notifications": {"taskIds": ids}}), &capabilities(true));
    let msg = jsonrpc::request(id.clone(), "subscriptions/listen", s.params(Some(params)));
    let reply = s.request_window(&msg, WINDOW).await?;
    tidy(&mut s, &found).await;
    if let Some(r) = reply.response_to(&id).filter(|r| r.get("error").is_some()) {
        return Ok(Verdict::Skip(format!(
            "subscriptions/listen for task ids was refused, so the server sends no task status notifications: {}",
            jsonrpc::show(Some(r))
        )));
    }
    let statuses: Vec<&Value> = reply
        .messages
        .iter()
        .filter(|m| m.get("method").and_then(Value::as_str) == Some(METHOD))
        .take(MOST_JUDGED)
        .collect();
    if statuses.is_empty() {
        let acked = reply
            .messages
            .iter()
            .find_map(|m| m.pointer("/params/notifications/taskIds"))
            .map_or("no task ids".to_string(), |t| t.to_string());
        return Ok(Verdict::Skip(format!(
            "no {METHOD} came within {WINDOW:?} on a listen stream for {} (acknowledged: {acked}); servers MAY send them",
            ids.join(", ")
        )));
    }
    for n in &statuses {
        let Some(p) = n.get("params").filter(|p| p.is_object()) else {
            return Ok(Verdict::violation(
                format!("a {METHOD} has no params object"),
                "params: the task's DetailedTask",
                jsonrpc::show(Some(n)),
            ));
        };
        let task_id = p.get("taskId").and_then(Value::as_str).unwrap_or_default();
        // The notification is the DetailedTask alone: no resultType to judge.
        let mut as_get = p.clone();
        as_get["resultType"] = json!("complete");
        let mut problems = detailed_problems(&as_get, task_id);
        if !task_id.is_empty() && !ids.iter().any(|i| i == task_id) {
            problems.push(format!("taskId {task_id} is none of those listened for"));
        }
        if !problems.is_empty() {
            return Ok(Verdict::violation(
                format!("a {METHOD} is malformed: {}", problems.join("; ")),
                "taskId (one listened for), a status of working, input_required, completed, cancelled or failed, ISO 8601 createdAt and lastUpdatedAt, ttlMs, and the status's payload",
                jsonrpc::show(Some(n)),
            ));
        }
    }
    let seen: Vec<String> = statuses
        .iter()
        .filter_map(|n| n.pointer("/params/status").and_then(Value::as_str).map(str::to_owned))
        .collect();
    Ok(Verdict::pass(format!("{} well-formed {METHOD} ({})", statuses.len(), seen.join(", "))))
}
