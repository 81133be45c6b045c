//! The tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663) on
//! 2026-07-28: a server that declares it may answer a `tools/call` of a
//! client that declares it too with a task handle (`resultType: "task"`),
//! which the client polls with `tasks/get`, feeds input with `tasks/update`
//! and stops with `tasks/cancel`.
//!
//! Every check runs only on servers whose `server/discover` declares the
//! extension, and skips with that reason elsewhere. The rules that need no
//! tool (advertisement, gating, removed methods, unknown task ids) need
//! nothing else. The rest need a tool that answers with a task: the
//! extension names no tool-level field for that (the server alone decides,
//! per request), so mcpcheck calls the tools it may call (read-only ones, or
//! `--call-tools`), cheapest first, with the extension and every client
//! capability it can answer for declared ([`find`]), and keeps those that
//! answer with a task. Each check cancels the tasks it made before it ends.

use super::mrtr::client;
use super::{Check, Ctx, Outcome, Transports, Verdict, pagination, tools, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::WireError;
use crate::wire::jsonrpc;
use crate::wire::session::{Answered, Session};
use serde_json::{Map, Value, json};
use std::time::{Duration, Instant};

/// The extension's identifier.
pub const EXTENSION: &str = "io.modelcontextprotocol/tasks";
const CAPABILITIES_KEY: &str = "io.modelcontextprotocol/clientCapabilities";
const PAGE: &str = "seps/2663-tasks-extension";
const STATUSES: &[&str] = &["working", "input_required", "completed", "cancelled", "failed"];
const TERMINAL: &[&str] = &["completed", "cancelled", "failed"];
/// How long a task is polled for a state, at most.
const POLL_WINDOW: Duration = Duration::from_secs(5);
/// The most `tasks/get` requests one wait makes.
const MOST_POLLS: usize = 40;
/// The most tools tried for a task: twice the other checks' bound, since
/// tools that answer at once come first in the cheapest-first order.
const MOST_TRIED: usize = 2 * tools::MAX_CALLS;
/// A task id no server issued.
const PROBE_ID: &str = "mcpcheck-no-such-task-7f3a9c";

const fn check(
    id: &'static str,
    title: &'static str,
    level: Level,
    anchor: &'static str,
    requirement: &'static str,
    run: for<'a> fn(&'a Ctx) -> futures::future::BoxFuture<'a, Outcome>,
) -> Check {
    Check {
        id,
        title,
        level,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        transports: Transports::Any,
        spec: SpecRef { page: PAGE, anchor },
        requirement,
        run,
    }
}

pub const CHECKS: &[Check] = &[
    check(
        "tasks/capability/advertised",
        "the extension is advertised under capabilities.extensions, not the 2025-11-25 tasks capability",
        Level::Must,
        "backward-compatibility",
        "The `tasks.requests.*`, `tasks.cancel`, and `tasks.list` capability declarations are not part of this extension. Servers that previously advertised these MUST migrate to declaring `io.modelcontextprotocol/tasks`, and MUST NOT continue to advertise the legacy capabilities under any protocol version that includes this extension. (Capability Negotiation: No extension-specific settings are currently defined; an empty object indicates support.)",
        runs!(advertised),
    ),
    check(
        "tasks/capability/gated",
        "without the extension declared, tasks/* are refused -32021 and no tools/call is answered with a task",
        Level::Must,
        "protocol-errors",
        "Servers MUST return this error [-32021] for non-declaring clients issuing `tasks/get`, `tasks/update`, and `tasks/cancel` requests. (Capability Negotiation: A server MUST NOT return `CreateTaskResult` to a client that did not include the extension capability on its request, regardless of prior declarations.)",
        runs!(gated),
    ),
    check(
        "tasks/capability/required-task-error",
        "a tool that cannot run without a task refuses an undeclared call with -32021 naming the extension",
        Level::Must,
        "capability-negotiation",
        "If a server is unable to service a request to a client that does not declare this extension capability without returning `CreateTaskResult`, the server MUST return an error with the code `-32021` (Missing Required Client Capability), indicating the required extension in the error response.",
        runs!(required_task_error),
    ),
    check(
        "tasks/lifecycle/create-result-shape",
        "a create-task result is flat: resultType task, taskId, status, ISO 8601 timestamps, ttlMs",
        Level::Must,
        "task-creation",
        "Servers MUST set `resultType` to `\"task\"` when returning a `CreateTaskResult` [...] `type CreateTaskResult = Result & Task;` (Task: `taskId: string; status: \"working\" | \"input_required\" | \"completed\" | \"cancelled\" | \"failed\"; createdAt: string` (ISO 8601) `; lastUpdatedAt: string; ttlMs: number | null; pollIntervalMs?: number`)",
        runs!(create_result_shape),
    ),
    check(
        "tasks/lifecycle/get-detailed",
        "tasks/get resolves at once and answers the task's state, with the result or error inlined once it ends",
        Level::Must,
        "task-polling",
        "A server MUST NOT return `CreateTaskResult` until the task is durably created — that is, until a `tasks/get` for the returned `taskId` would resolve. [...] If the status is `completed`, the server MUST return a `Task` object with status `completed` and a `result` field containing the final result of the task. [...] If the status is `failed`, the server MUST return a `Task` object with status `failed` and the error that occurred during execution. [...] The `resultType` field MUST be set to `\"complete\"` on this object.",
        runs!(get_detailed),
    ),
    check(
        "tasks/lifecycle/cancel-ack",
        "tasks/cancel is acknowledged with an empty result, for a running task and for a finished one",
        Level::Must,
        "task-cancellation",
        "The server MUST acknowledge the request with an empty result. [...] The `resultType` field MUST be set to `\"complete\"` on `CancelTaskResult` as it is the standard result shape for the `tasks/cancel` request.",
        runs!(cancel_ack),
    ),
    check(
        "tasks/wire/field-names",
        "task durations are integer milliseconds named ttlMs and pollIntervalMs, not the v1 ttl and pollInterval",
        Level::Must,
        "tasks",
        "`ttlMs: number | null;` Time-to-live duration from creation in integer milliseconds, null for unlimited. [...] `pollIntervalMs?: number;` Suggested polling interval in integer milliseconds.",
        runs!(field_names),
    ),
    check(
        "tasks/wire/no-request-state",
        "neither a create-task result nor a tasks/get answer carries requestState",
        // The shapes leave it out; no sentence forbids it in words.
        Level::Should,
        "composition-with-multi-round-trip-requests",
        "`type CreateTaskResult = Result & Task;` [...] `type GetTaskResult = Result & DetailedTask;` (neither has a `requestState`, which belongs to multi round-trip requests:) The two flows maintain separate state despite sharing field names.",
        runs!(no_request_state),
    ),
    check(
        "tasks/dispatch/removed-methods",
        "the removed tasks/result and tasks/list are -32601 (Method not found)",
        Level::Must,
        "backward-compatibility",
        "`tasks/result` is removed; clients calling it MUST receive `-32601` (Method Not Found). (Motivation: there is no `tasks/list`; SEP-2663 defines only `tasks/get`, `tasks/update` and `tasks/cancel`.)",
        runs!(removed_methods),
    ),
    check(
        "tasks/dispatch/unknown-task-32602",
        "tasks/get of a task id the server never issued is -32602 (Invalid params)",
        Level::Must,
        "protocol-errors",
        "Invalid or nonexistent `taskId`: `-32602` (Invalid params). Servers MUST return this error for `tasks/get`. Servers SHOULD return this error for `tasks/update` and `tasks/cancel`.",
        runs!(unknown_task),
    ),
    check(
        "tasks/input-required/surfaced",
        "a task waiting for input shows it on tasks/get in inputRequests, and tasks/update is acknowledged",
        Level::Must,
        "task-polling",
        "If the status is `input_required`, the server MUST return a `Task` object with status `input_required` and an `inputRequests` field [...] The `inputRequests` field MUST contain all outstanding requests from the server to the client that need to be fulfilled before the task can proceed. (Task Update Requests: On success, the server MUST acknowledge the request with an empty result.)",
        runs!(input_surfaced),
    ),
];

/// Client capabilities: everything mcpcheck can answer for, and the
/// extension when `with_tasks`.
fn capabilities(with_tasks: bool) -> Value {
    let mut caps = client::all_capabilities();
    if with_tasks {
        caps["extensions"] = json!({EXTENSION: {}});
    }
    caps
}

/// Params with `caps` as the request's client capabilities.
fn with_caps(mut params: Value, caps: &Value) -> Value {
    params["_meta"] = json!({CAPABILITIES_KEY: caps});
    params
}

/// A `tasks/*` request (the extension declared when `with_tasks`).
async fn tasks_request(
    s: &mut Session,
    method: &str,
    params: Value,
    with_tasks: bool,
) -> Result<Answered, Verdict> {
    Ok(s.request(method, Some(with_caps(params, &capabilities(with_tasks)))).await?)
}

/// The server's discover capabilities, or a skip when they do not declare
/// the extension.
async fn declared(s: &mut Session) -> Result<Value, Verdict> {
    let caps = pagination::capabilities(s).await?;
    if caps.pointer("/extensions").and_then(Value::as_object).is_some_and(|e| e.contains_key(EXTENSION)) {
        return Ok(caps);
    }
    Err(Verdict::Skip(format!("the server does not declare {EXTENSION} under capabilities.extensions")))
}

/// A tool call answered with a task.
struct Created {
    name: String,
    args: Value,
    /// The create-task result.
    result: Value,
}

impl Created {
    fn task_id(&self) -> Option<&str> {
        self.result.get("taskId").and_then(Value::as_str)
    }
}

/// Calls the tools mcpcheck may call, cheapest first, with the extension
/// declared, and keeps those answered with a task; with a note of the
/// tools left out and why.
async fn find(ctx: &Ctx, s: &mut Session) -> Result<(Vec<Created>, Vec<String>), Verdict> {
    let mut list = tools::tools(s).await?;
    list.sort_by_key(tools::cost);
    let (mut found, mut notes, mut calls) = (Vec::new(), Vec::new(), 0);
    let budget = ctx.tool_timeout * tools::TOOL_BUDGET_CALLS;
    let started = Instant::now();
    for t in &list {
        let name = tools::name_of(t).to_string();
        if !ctx.call_tools.allows(t) {
            notes.push(format!("{name} (not read-only; see --call-tools)"));
            continue;
        }
        if calls >= MOST_TRIED || started.elapsed() >= budget {
            notes.push(format!("{name} (not tried: over the check's bound on tool calls)"));
            continue;
        }
        let schema = t.get("inputSchema").cloned().unwrap_or(json!({"type": "object"}));
        let args = tools::arguments(&schema);
        calls += 1;
        let params = with_caps(json!({"name": name, "arguments": args}), &capabilities(true));
        match ctx.call_tool(s, params).await {
            Ok(a) => {
                if let Some(r) =
                    a.result().filter(|r| r.get("resultType").and_then(Value::as_str) == Some("task"))
                {
                    found.push(Created { name, args, result: r.clone() });
                }
            }
            Err(WireError::Timeout(d)) => {
                notes.push(format!("{name} (no answer within the tool timeout, {d:?})"))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok((found, notes))
}

/// [`find`], or the skip of a check that needs a task when no tool made one.
async fn find_some(ctx: &Ctx, s: &mut Session) -> Result<Vec<Created>, Verdict> {
    let (found, notes) = find(ctx, s).await?;
    if found.is_empty() {
        let mut why = "no tool mcpcheck may call answered with a task, the extension declared".to_string();
        if !notes.is_empty() {
            why.push_str(&format!(" (not called: {})", notes.join(", ")));
        }
        return Err(Verdict::Skip(why));
    }
    Ok(found)
}

/// Cancels what a check made (best effort: a task is the server's state).
async fn tidy(s: &mut Session, created: &[Created]) {
    for id in created.iter().filter_map(Created::task_id) {
        let _ = tasks_request(s, "tasks/cancel", json!({"taskId": id}), true).await;
    }
}

/// Polls `tasks/get` until `done` accepts a result, an error comes, or the
/// bound is reached; returns every answer, in order.
async fn poll(s: &mut Session, task_id: &str, done: impl Fn(&Value) -> bool) -> Result<Vec<Value>, Verdict> {
    let started = Instant::now();
    let mut answers = Vec::new();
    for _ in 0..MOST_POLLS {
        let a = tasks_request(s, "tasks/get", json!({"taskId": task_id}), true).await?;
        let response = verify::response(&a)?.clone();
        let interval = response.pointer("/result/pollIntervalMs").and_then(Value::as_u64).unwrap_or(100);
        let stop = response.get("result").is_none_or(&done);
        answers.push(response);
        if stop || started.elapsed() >= POLL_WINDOW {
            break;
        }
        tokio::time::sleep(Duration::from_millis(interval.clamp(50, 500))).await;
    }
    Ok(answers)
}

fn status_of(result: &Value) -> &str {
    result.get("status").and_then(Value::as_str).unwrap_or_default()
}

fn settled(result: &Value) -> bool {
    TERMINAL.contains(&status_of(result)) || status_of(result) == "input_required"
}

/// Whether `s` starts with an ISO 8601 date and time (`YYYY-MM-DDThh:mm:ss`).
fn iso_8601(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b't'))
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19)
}

/// What is wrong with the `Task` fields of a result, if anything.
fn task_problems(r: &Value) -> Vec<String> {
    let mut p = Vec::new();
    if !r.get("taskId").and_then(Value::as_str).is_some_and(|id| !id.is_empty()) {
        p.push(format!("taskId is {}, not a non-empty string", jsonrpc::show(r.get("taskId"))));
    }
    if !STATUSES.contains(&status_of(r)) {
        p.push(format!("status {} is none of {}", jsonrpc::show(r.get("status")), STATUSES.join(", ")));
    }
    for field in ["createdAt", "lastUpdatedAt"] {
        if !r.get(field).and_then(Value::as_str).is_some_and(iso_8601) {
            p.push(format!("{field} is {}, not an ISO 8601 timestamp", jsonrpc::show(r.get(field))));
        }
    }
    match r.get("ttlMs") {
        Some(Value::Null) => {}
        Some(v) if v.is_u64() => {}
        other => p.push(format!("ttlMs is {}, not integer milliseconds or null", jsonrpc::show(other))),
    }
    if let Some(v) = r.get("pollIntervalMs").filter(|v| !v.is_u64()) {
        p.push(format!("pollIntervalMs is {v}, not integer milliseconds"));
    }
    p
}

/// What is wrong with a create-task result, if anything.
fn create_problems(r: &Value) -> Vec<String> {
    let mut p = task_problems(r);
    if r.get("task").is_some_and(Value::is_object) {
        p.push("the task is nested under `task` (the 2025-11-25 shape), not flat".into());
    }
    for field in ["result", "error", "inputRequests"] {
        if r.get(field).is_some() {
            p.push(format!("it carries `{field}`, which only tasks/get inlines"));
        }
    }
    p
}

/// What is wrong with one `tasks/get` result for task `id`, if anything.
fn detailed_problems(r: &Value, id: &str) -> Vec<String> {
    let mut p = task_problems(r);
    if r.get("resultType").and_then(Value::as_str) != Some("complete") {
        p.push(format!("resultType is {}, not \"complete\"", jsonrpc::show(r.get("resultType"))));
    }
    if r.get("taskId").and_then(Value::as_str).is_some_and(|t| t != id) {
        p.push(format!("taskId {} is not the task asked for", jsonrpc::show(r.get("taskId"))));
    }
    match status_of(r) {
        "completed" if !r.pointer("/result/content").is_some_and(Value::is_array) => p.push(format!(
            "completed, but result is {}, not the CallToolResult (with content) of the call",
            jsonrpc::show(r.get("result"))
        )),
        "failed"
            if !(r.pointer("/error/code").is_some_and(Value::is_i64)
                && r.pointer("/error/message").is_some_and(Value::is_string)) =>
        {
            p.push(format!("failed, but error is {}, not a JSON-RPC error", jsonrpc::show(r.get("error"))))
        }
        "failed" if r.get("result").is_some() => p.push("failed, yet it carries a result".into()),
        "working" | "cancelled" if r.get("result").is_some() || r.get("error").is_some() => {
            p.push(format!("{} with a result or error inlined", status_of(r)))
        }
        _ => {}
    }
    p
}

/// An empty acknowledgement: `resultType: "complete"` and nothing but `_meta`.
fn ack_problem(a: &Answered) -> Option<String> {
    let Some(r) = a.response() else { return Some(a.reply.summary()) };
    let Some(result) = r.get("result").and_then(Value::as_object) else {
        return Some(jsonrpc::show(Some(r)));
    };
    let extra: Vec<&String> =
        result.keys().filter(|k| !matches!(k.as_str(), "resultType" | "_meta")).collect();
    let complete = result.get("resultType").and_then(Value::as_str) == Some("complete");
    (!complete || !extra.is_empty()).then(|| jsonrpc::show(Some(r)))
}

async fn advertised(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let caps = pagination::capabilities(&mut s).await?;
    let ext = caps.pointer("/extensions").and_then(|e| e.get(EXTENSION));
    if let Some(legacy) = caps.get("tasks") {
        return Ok(Verdict::violation(
            "server/discover advertises the 2025-11-25 `tasks` capability",
            format!("capabilities.extensions[\"{EXTENSION}\"] only"),
            format!(
                "capabilities.tasks = {}; the extension {}",
                jsonrpc::clip(&legacy.to_string(), 300),
                if ext.is_some() { "declared too" } else { "not declared" }
            ),
        ));
    }
    match ext {
        None => Ok(Verdict::Skip(format!(
            "the server does not declare {EXTENSION} under capabilities.extensions"
        ))),
        Some(v) if v.is_object() => {
            Ok(Verdict::pass(format!("capabilities.extensions[\"{EXTENSION}\"] = {v}")))
        }
        Some(v) => Ok(Verdict::violation(
            "the extension's settings are not an object",
            "an object (empty: no settings are defined)",
            v.to_string(),
        )),
    }
}

async fn gated(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    for (method, params) in [
        ("tasks/get", json!({"taskId": PROBE_ID})),
        ("tasks/update", json!({"taskId": PROBE_ID, "inputResponses": {}})),
        ("tasks/cancel", json!({"taskId": PROBE_ID})),
    ] {
        let a = tasks_request(&mut s, method, params, false).await?;
        verify::error_code(&a, super::mrtr::MISSING_CAPABILITY, "MissingRequiredClientCapability")
            .map_err(|v| prefixed(v, &format!("{method} without the extension declared")))?;
    }
    let (found, _) = find(ctx, &mut s).await?;
    let mut seen = Vec::new();
    for c in &found {
        let params = with_caps(json!({"name": c.name, "arguments": c.args}), &capabilities(false));
        let a = ctx.call_tool(&mut s, params).await?;
        let response = verify::response(&a)?;
        if response.pointer("/result/resultType").and_then(Value::as_str) == Some("task") {
            tidy(&mut s, &found).await;
            return Ok(Verdict::violation(
                format!("{} answered a call without the extension declared with a task", c.name),
                "a CallToolResult, or -32021 naming the extension",
                jsonrpc::show(Some(response)),
            ));
        }
        seen.push(c.name.clone());
    }
    tidy(&mut s, &found).await;
    let tools = if seen.is_empty() {
        String::new()
    } else {
        format!("; undeclared calls of {} got no task", seen.join(", "))
    };
    Ok(Verdict::pass(format!(
        "tasks/get, tasks/update and tasks/cancel without the extension: -32021{tools}"
    )))
}

/// A verdict's message with what was being done in front.
fn prefixed(v: Verdict, what: &str) -> Verdict {
    match v {
        Verdict::Violation { message, expected, actual } => {
            Verdict::Violation { message: format!("{what}: {message}"), expected, actual }
        }
        other => other,
    }
}

async fn required_task_error(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    let found = find_some(ctx, &mut s).await?;
    let mut refused = Vec::new();
    for c in &found {
        let params = with_caps(json!({"name": c.name, "arguments": c.args}), &capabilities(false));
        let a = ctx.call_tool(&mut s, params).await?;
        let response = verify::response(&a)?.clone();
        let Some(code) = jsonrpc::error_code(&response) else { continue };
        let named = response
            .pointer("/error/data/requiredCapabilities/extensions")
            .and_then(|e| e.get(EXTENSION))
            .is_some();
        if code != super::mrtr::MISSING_CAPABILITY || !named {
            tidy(&mut s, &found).await;
            return Ok(Verdict::violation(
                format!(
                    "{} makes a task when the extension is declared and refuses the call without it, but not with -32021 naming the extension",
                    c.name
                ),
                format!("error -32021 with data.requiredCapabilities.extensions[\"{EXTENSION}\"]"),
                jsonrpc::show(Some(&response)),
            ));
        }
        refused.push(c.name.clone());
    }
    tidy(&mut s, &found).await;
    if refused.is_empty() {
        let names: Vec<&str> = found.iter().map(|c| c.name.as_str()).collect();
        return Ok(Verdict::Skip(format!(
            "every tool that made a task ({}) also answers without the extension",
            names.join(", ")
        )));
    }
    Ok(Verdict::pass(format!("{} refused without the extension: -32021 naming it", refused.join(", "))))
}

async fn create_result_shape(ctx: &Ctx) -> Outcome {
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

async fn get_detailed(ctx: &Ctx) -> Outcome {
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

async fn cancel_ack(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    let found = find_some(ctx, &mut s).await?;
    let Some(id) = found.first().and_then(Created::task_id).map(str::to_owned) else {
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
    Ok(Verdict::pass(format!("cancelling {}'s task was acknowledged; it ended {end}{second}", found[0].name)))
}

async fn field_names(ctx: &Ctx) -> Outcome {
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

async fn no_request_state(ctx: &Ctx) -> Outcome {
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

async fn removed_methods(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    for (method, params) in [("tasks/result", json!({"taskId": PROBE_ID})), ("tasks/list", json!({}))] {
        let a = tasks_request(&mut s, method, params, true).await?;
        verify::error_code(&a, -32601, "Method not found").map_err(|v| prefixed(v, method))?;
    }
    Ok(Verdict::pass("tasks/result and tasks/list: -32601, the extension declared"))
}

async fn unknown_task(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    declared(&mut s).await?;
    let a = tasks_request(&mut s, "tasks/get", json!({"taskId": PROBE_ID}), true).await?;
    verify::error_code(&a, -32602, "Invalid params")
        .map_err(|v| prefixed(v, "tasks/get of an unknown task"))?;
    let mut others = Vec::new();
    for (method, params) in [
        ("tasks/update", json!({"taskId": PROBE_ID, "inputResponses": {}})),
        ("tasks/cancel", json!({"taskId": PROBE_ID})),
    ] {
        let a = tasks_request(&mut s, method, params, true).await?;
        let got = a.error_code().map_or("a result".to_string(), |c| format!("error {c}"));
        others.push(format!("{method}: {got}"));
    }
    Ok(Verdict::pass(format!(
        "tasks/get of an unknown task: -32602 ({}; both SHOULD be -32602)",
        others.join(", ")
    )))
}

async fn input_surfaced(ctx: &Ctx) -> Outcome {
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
            super::schema::input_request(v)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_shapes_are_judged() {
        assert!(iso_8601("2025-11-25T10:30:00Z"));
        assert!(iso_8601("2025-11-25T10:30:00.123+00:00"));
        assert!(!iso_8601("just now"));
        let good = json!({"resultType": "task", "taskId": "t", "status": "working",
            "createdAt": "2025-11-25T10:30:00Z", "lastUpdatedAt": "2025-11-25T10:30:00Z", "ttlMs": 60000, "pollIntervalMs": 100});
        assert!(create_problems(&good).is_empty(), "{:?}", create_problems(&good));
        let mut nested = good.clone();
        nested["task"] = json!({"taskId": "t"});
        nested["ttlMs"] = json!(1.5);
        assert_eq!(create_problems(&nested).len(), 2, "{:?}", create_problems(&nested));
        let mut done = good.clone();
        done["resultType"] = json!("complete");
        done["status"] = json!("completed");
        assert_eq!(detailed_problems(&done, "t").len(), 1);
        done["result"] = json!({"content": []});
        assert!(detailed_problems(&done, "t").is_empty());
        assert_eq!(detailed_problems(&done, "other").len(), 1);
    }
}
