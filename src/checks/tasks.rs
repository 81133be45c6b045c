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
//!
//! This file holds the catalogue, the shared client (finding, polling,
//! tidying) and the checks about capabilities and dispatch; [`lifecycle`]
//! the checks that follow a task, [`input`] those of tasks that ask for
//! input, [`notifications`] the status notifications on a listen stream,
//! [`wire`] the routing header and the v1 `task` parameter, [`shapes`] the
//! predicates they judge answers by (one page, six files).

mod input;
mod lifecycle;
mod notifications;
mod shapes;
mod wire;

use super::mrtr::client;
use super::{Check, Ctx, Outcome, Transports, Verdict, pagination, tools, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::WireError;
use crate::wire::jsonrpc;
use crate::wire::session::{Answered, Session};
use serde_json::{Value, json};
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
        runs!(lifecycle::create_result_shape),
    ),
    check(
        "tasks/lifecycle/get-detailed",
        "tasks/get resolves at once and answers the task's state, with the result or error inlined once it ends",
        Level::Must,
        "task-polling",
        "A server MUST NOT return `CreateTaskResult` until the task is durably created — that is, until a `tasks/get` for the returned `taskId` would resolve. [...] If the status is `completed`, the server MUST return a `Task` object with status `completed` and a `result` field containing the final result of the task. [...] If the status is `failed`, the server MUST return a `Task` object with status `failed` and the error that occurred during execution. [...] The `resultType` field MUST be set to `\"complete\"` on this object.",
        runs!(lifecycle::get_detailed),
    ),
    check(
        "tasks/lifecycle/cancel-ack",
        "tasks/cancel is acknowledged with an empty result, for a running task and for a finished one",
        Level::Must,
        "task-cancellation",
        "The server MUST acknowledge the request with an empty result. [...] The `resultType` field MUST be set to `\"complete\"` on `CancelTaskResult` as it is the standard result shape for the `tasks/cancel` request.",
        runs!(lifecycle::cancel_ack),
    ),
    check(
        "tasks/wire/field-names",
        "task durations are integer milliseconds named ttlMs and pollIntervalMs, not the v1 ttl and pollInterval",
        Level::Must,
        "tasks",
        "`ttlMs: number | null;` Time-to-live duration from creation in integer milliseconds, null for unlimited. [...] `pollIntervalMs?: number;` Suggested polling interval in integer milliseconds.",
        runs!(lifecycle::field_names),
    ),
    check(
        "tasks/wire/no-request-state",
        "neither a create-task result nor a tasks/get answer carries requestState",
        // The shapes leave it out; no sentence forbids it in words.
        Level::Should,
        "composition-with-multi-round-trip-requests",
        "`type CreateTaskResult = Result & Task;` [...] `type GetTaskResult = Result & DetailedTask;` (neither has a `requestState`, which belongs to multi round-trip requests:) The two flows maintain separate state despite sharing field names.",
        runs!(lifecycle::no_request_state),
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
        runs!(lifecycle::input_surfaced),
    ),
    check(
        "tasks/notifications/status-shape",
        "task status notifications on a listen stream carry the task: taskId, a valid status, timestamps, ttlMs",
        Level::Must,
        "task-status-notifications",
        "Servers MAY push status updates via `notifications/tasks` notifications in addition to servicing client polls: `type TaskStatusNotificationParams = NotificationParams & Task;` [...] Each notification carries a complete `DetailedTask` for the current status, identical to what `tasks/get` would have returned at that moment. (Task: `taskId: string; status: \"working\" | \"input_required\" | \"completed\" | \"cancelled\" | \"failed\"; createdAt: string; lastUpdatedAt: string; ttlMs: number | null`)",
        runs!(notifications::status_shape),
    ),
    check(
        "tasks/lifecycle/ttl-honored",
        "a task stays readable with tasks/get for its ttlMs (waited out when short, else read again after a while)",
        // The TTL says when a server may let a task go; no sentence says
        // in words that it must keep it until then.
        Level::Should,
        "tasks",
        "`ttlMs: number | null;` Time-to-live duration from creation in integer milliseconds, null for unlimited. The server may discard the task after the TTL elapses. (Task Polling: servers MAY mark a task as `failed` at any point after the TTL elapses, and subsequently delete it at any time.)",
        runs!(lifecycle::ttl_honored),
    ),
    check(
        "tasks/input-required/partial-update",
        "a tasks/update answering some of several input requests leaves the task input_required with the rest",
        Level::Must,
        "task-update-requests",
        "A server MAY accept a partial set of responses (a strict subset of currently-outstanding keys); (Task Polling: The `inputRequests` field MUST contain all outstanding requests from the server to the client that need to be fulfilled before the task can proceed.)",
        runs!(input::partial_update),
    ),
    Check {
        transports: Transports::HttpOnly,
        ..check(
            "tasks/headers/mcp-name-task-id",
            "tasks/get, tasks/update and tasks/cancel whose Mcp-Name is not params.taskId are rejected 400 with -32020",
            Level::Must,
            "streamable-http-routing-headers",
            "When `tasks/get`, `tasks/update`, or `tasks/cancel` is sent over the Streamable HTTP transport, the client MUST set the `Mcp-Name` header (defined by SEP-2243) to the value of `params.taskId`. (basic/transports, Server Validation: Servers that process the request body MUST reject requests where the values specified in the headers do not match the corresponding values in the request body. [...] servers MUST return HTTP status 400 Bad Request and MUST include a JSON-RPC error response (HeaderMismatch, -32020).)",
            runs!(wire::mcp_name_task_id),
        )
    },
    check(
        "tasks/dispatch/legacy-task-param",
        "a v1 `task` parameter on tools/call is ignored: a tool that answers at once still does, not a task or an error",
        Level::Must,
        "backward-compatibility",
        "The `task` parameter on `CallToolRequest` is removed; servers MUST ignore it (treat the field as unknown) rather than using it as an opt-in.",
        runs!(wire::legacy_task_param),
    ),
    check(
        "tasks/input-required/composition",
        "a multi round-trip round (no taskId), then a create-task result (no requestState) whose result reflects the answer",
        // The composition sentence is a SHOULD.
        Level::Should,
        "composition-with-multi-round-trip-requests",
        "Server implementations that use multi round-trip requests in conjunction with task creation (for example, a tool that requires elicitation over `InputRequiredResult` before creating a task) SHOULD resolve all MRTR exchanges synchronously before responding with a `CreateTaskResult`. [...] The two flows maintain separate state despite sharing field names. The MRTR phase ends when the server returns any non-\"input_required\" `resultType` [...] The task phase begins with `CreateTaskResult`.",
        runs!(input::composition),
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
    /// When the call that made it was sent (the task is no older).
    called_at: Instant,
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
        let called_at = Instant::now();
        match ctx.call_tool(s, params).await {
            Ok(a) => {
                if let Some(r) =
                    a.result().filter(|r| r.get("resultType").and_then(Value::as_str) == Some("task"))
                {
                    found.push(Created { name, args, result: r.clone(), called_at });
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
