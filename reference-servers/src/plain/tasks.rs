//! The tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663) on
//! 2026-07-28: a `tools/call` may be answered with a task handle
//! (`resultType: "task"`) that the client polls with `tasks/get`, feeds
//! input with `tasks/update` and stops with `tasks/cancel`.
//!
//! It exists so that mcpcheck's `tasks/*` checks have a correct server to
//! pass against and faults to fail against. Four tools take part, listed on
//! 2026-07-28 only and annotated read-only (they change nothing), so
//! mcpcheck calls them by default:
//!
//! - `tasked_echo` runs as a task when the request declares the extension
//!   and answers synchronously when it does not (the server alone decides);
//! - `tasked_rename` cannot run without a task: undeclared, it is refused
//!   -32021 naming the extension; as a task it asks the user to confirm
//!   (`input_required` on `tasks/get`, answered with `tasks/update`);
//! - `tasked_survey` and `tasked_greeting` ([`inputs`]) need a task too: the
//!   first asks two questions at once (a partial `tasks/update` leaves the
//!   other outstanding), the second asks a name by a multi round-trip round
//!   first and greets by it in the task it then creates.
//!
//! The extension names no tool-level field (the server decides per request),
//! so their listing says so only in the description.
//!
//! The server is otherwise stateless, so the tasks are the one state it
//! keeps: rmcp's [`TaskManager`] holds them in memory under random UUIDs
//! (unguessable, as the SEP's security section asks), and expires them by
//! their `ttlMs`. [`Tasks`] bounds them besides: at most [`MOST_RUNNING`]
//! unfinished and [`MOST_KEPT`] created within a retention window; past
//! either, `tasked_echo` answers synchronously and `tasked_rename` is
//! refused. rmcp gates `tasks/*` itself (-32021 without the extension
//! declared) and refuses any task handle for an undeclared request. Status
//! notifications go on a `subscriptions/listen` stream that asks for the
//! task's id ([`notify`]), over HTTP, where the layer can hand the handler
//! the ids rmcp's typed filter drops.
//!
//! The handler's task faults act here (each `faults.contains(Fault::…)` is
//! one entry of [`crate::faults`]); those on the wire, which rmcp's typed
//! results cannot express, live in the HTTP layer (`http/tasks_faults.rs`).

mod inputs;
pub mod notify;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, CreateTaskResult, DetailedTask,
    ErrorCode, ErrorData, GetTaskResult, InputRequest, TASKS_EXTENSION_ID, TaskPayload, Tool,
    ToolAnnotations,
};
use rmcp::task_manager::{TaskContext, TaskExit, TaskFuture, TaskManager, TaskOptions};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::faults::{Fault, FaultSet};

/// How long a task lives, from its creation.
pub const TTL_MS: u64 = 60_000;
/// The polling interval the server suggests.
pub const POLL_INTERVAL_MS: u64 = 100;
/// Unfinished tasks held at once.
pub const MOST_RUNNING: usize = 32;
/// Tasks created within [`KEPT_WINDOW`] held at once (rmcp keeps a finished
/// task for another TTL after it ends, so the window is two TTLs).
pub const MOST_KEPT: usize = 256;
const KEPT_WINDOW: Duration = Duration::from_millis(2 * TTL_MS);
/// How long after it was first seen finished `task-dropped-early` forgets a
/// task (its `ttlMs` promises a minute).
const DROPPED_AFTER: Duration = Duration::from_secs(1);
/// Finished tasks `task-dropped-early` remembers the end of, at most.
const MOST_ENDED: usize = 1024;
/// The key of `tasked_rename`'s confirmation in `inputRequests`.
pub const CONFIRM_KEY: &str = "confirm_rename";
/// The task-supporting tool, and the one that requires a task.
pub const ECHO: &str = "tasked_echo";
pub const RENAME: &str = "tasked_rename";

/// The server's tasks. Cheap to clone; clones share the tasks, so one
/// store serves every stateless request.
#[derive(Clone, Default)]
pub struct Tasks {
    manager: TaskManager,
    /// When each task still possibly held was created, oldest first.
    created: Arc<Mutex<VecDeque<Instant>>>,
    /// When each task was first seen finished (`task-dropped-early` only).
    ended: Arc<Mutex<HashMap<String, Instant>>>,
}

impl std::fmt::Debug for Tasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tasks").finish_non_exhaustive()
    }
}

impl Tasks {
    /// Starts `work` as a task, or `None` when the bounds leave no room.
    pub fn spawn(&self, work: impl FnOnce(TaskContext) -> TaskFuture) -> Option<CreateTaskResult> {
        if self.manager.running_task_count() >= MOST_RUNNING {
            return None;
        }
        {
            let mut created = self.created.lock().ok()?;
            while created.front().is_some_and(|t| t.elapsed() > KEPT_WINDOW) {
                created.pop_front();
            }
            if created.len() >= MOST_KEPT {
                return None;
            }
            created.push_back(Instant::now());
        }
        let options = TaskOptions::new().with_ttl_ms(TTL_MS).with_poll_interval_ms(POLL_INTERVAL_MS);
        Some(CreateTaskResult::new(self.manager.spawn(options, work)))
    }

    /// `tasks/get`: the task as it stands, its result or error inlined.
    pub fn get(&self, task_id: &str, faults: &FaultSet) -> Result<GetTaskResult, ErrorData> {
        let mut task = self.detailed(task_id, faults)?;
        // `task-result-not-inlined` bends tasks/get alone: a server whose
        // poll answer and notifications are built apart, one of them wrong.
        if let TaskPayload::Completed { result } = &mut task.payload
            && faults.contains(Fault::TaskResultNotInlined)
        {
            result.clear();
        }
        Ok(GetTaskResult::new(task))
    }

    /// The task as `tasks/get` and its status notifications show it.
    pub fn detailed(&self, task_id: &str, faults: &FaultSet) -> Result<DetailedTask, ErrorData> {
        self.forgotten(task_id, faults)?;
        let mut task = self.manager.get_task(task_id).map_err(|e| unknown(e, faults))?;
        if faults.contains(Fault::TaskDroppedEarly)
            && task.status().is_terminal()
            && let Ok(mut ended) = self.ended.lock()
        {
            if ended.len() >= MOST_ENDED {
                ended.clear();
            }
            ended.entry(task_id.to_owned()).or_insert_with(Instant::now);
        }
        if let TaskPayload::InputRequired { input_requests } = &mut task.payload
            && faults.contains(Fault::TaskInputRequestsEmpty)
        {
            input_requests.clear();
        }
        Ok(task)
    }

    /// `task-dropped-early`: a task seen finished [`DROPPED_AFTER`] ago is
    /// unknown, long before its `ttlMs` is up.
    fn forgotten(&self, task_id: &str, faults: &FaultSet) -> Result<(), ErrorData> {
        let ended = self.ended.lock().ok().and_then(|e| e.get(task_id).copied());
        if faults.contains(Fault::TaskDroppedEarly) && ended.is_some_and(|t| t.elapsed() > DROPPED_AFTER) {
            return Err(unknown(
                ErrorData::invalid_params(format!("task {task_id} not found"), None),
                faults,
            ));
        }
        Ok(())
    }

    /// `tasks/update`: hands the responses to the waiting task; keys it is
    /// not waiting for are ignored.
    pub fn update(
        &self,
        task_id: &str,
        responses: impl IntoIterator<Item = (String, Value)>,
        faults: &FaultSet,
    ) -> Result<(), ErrorData> {
        self.forgotten(task_id, faults)?;
        let mut responses: Vec<(String, Value)> = responses.into_iter().collect();
        // `task-partial-update-completes`: the requests a partial update
        // leaves unanswered are taken as declined, and the task goes on.
        if faults.contains(Fault::TaskPartialUpdateCompletes)
            && let Ok(task) = self.manager.get_task(task_id)
            && let TaskPayload::InputRequired { input_requests } = &task.payload
        {
            let rest: Vec<String> =
                input_requests.keys().filter(|k| !responses.iter().any(|(r, _)| r == *k)).cloned().collect();
            responses.extend(rest.into_iter().map(|k| (k, json!({"action": "decline"}))));
        }
        self.manager.update_task(task_id, responses).map_err(|e| unknown(e, faults))
    }

    /// `tasks/cancel`: cooperative; acknowledged also for a finished task.
    pub fn cancel(&self, task_id: &str, faults: &FaultSet) -> Result<(), ErrorData> {
        self.forgotten(task_id, faults)?;
        if faults.contains(Fault::TaskCancelFinishedRefused)
            && self.manager.get_task(task_id).is_ok_and(|t| t.status().is_terminal())
        {
            return Err(ErrorData::invalid_params(format!("task {task_id} has already finished"), None));
        }
        self.manager.cancel_task(task_id).map_err(|e| unknown(e, faults))
    }
}

/// An unknown task id is -32602 (SEP-2663 error handling);
/// `task-unknown-id-internal-error` makes it -32603.
fn unknown(e: ErrorData, faults: &FaultSet) -> ErrorData {
    if faults.contains(Fault::TaskUnknownIdInternalError) {
        return ErrorData::internal_error(e.message, None);
    }
    e
}

/// Whether the client capabilities `caps` (as sent) declare the extension.
pub fn declared(caps: &Value) -> bool {
    caps.pointer("/extensions").and_then(Value::as_object).is_some_and(|e| e.contains_key(TASKS_EXTENSION_ID))
}

/// The tools as listed (2026-07-28 only). Two inputs each, so that checks
/// which call the cheapest tools first try them after the plain ones.
pub fn tools() -> Vec<Tool> {
    let echo = json!({"type": "object", "properties": {
        "message": {"type": "string", "description": "The text to send back"},
        "delay_ms": {"type": "integer", "minimum": 300, "maximum": 2000,
            "description": "How long the task works before it completes"}},
        "required": ["message", "delay_ms"]});
    let rename = json!({"type": "object", "properties": {
        "from": {"type": "string", "description": "The name now"},
        "to": {"type": "string", "description": "The name wanted"}},
        "required": ["from", "to"]});
    let read_only = ToolAnnotations::new().read_only(true);
    [
        (ECHO, "Echo the message after delay_ms; runs as a task when the client declares the tasks extension, else at once", echo),
        (RENAME, "Say what renaming `from` to `to` would do once the user confirms (changes nothing); runs only as a task, and asks for the confirmation in it", rename),
    ]
    .into_iter()
    .map(|(name, description, schema)| {
        Tool::new(name, description, schema.as_object().cloned().unwrap_or_default()).annotate(read_only.clone())
    })
    .chain(inputs::tools())
    .collect()
}

/// Whether `name` is one of this module's tools.
pub fn has_tool(name: &str) -> bool {
    name == ECHO || name == RENAME || inputs::has_tool(name)
}

#[derive(Deserialize)]
struct EchoArgs {
    message: String,
    delay_ms: u64,
}

#[derive(Deserialize)]
struct RenameArgs {
    from: String,
    to: String,
}

/// The call's arguments, or the tool error (an input validation error is
/// reported in the result, as the plain server's other tools do).
fn args<T: serde::de::DeserializeOwned>(request: &CallToolRequestParams) -> Result<T, CallToolResult> {
    let v = Value::Object(request.arguments.clone().unwrap_or_default());
    serde_json::from_value(v).map_err(|e| {
        let text = format!("invalid arguments for {}: {e}", request.name);
        CallToolResult::error(vec![ContentBlock::text(text)])
    })
}

impl Tasks {
    /// `tools/call` of one of this module's tools; `caps` are the request's
    /// client capabilities as sent.
    pub fn call(
        &self,
        request: &CallToolRequestParams,
        caps: &Value,
        faults: &FaultSet,
    ) -> Result<CallToolResponse, ErrorData> {
        let with_tasks = declared(caps);
        if request.name == ECHO {
            let EchoArgs { message, delay_ms } = match args(request) {
                Ok(a) => a,
                Err(answer) => return Ok(CallToolResponse::Complete(answer)),
            };
            let task = with_tasks
                .then(|| self.spawn(|ctx| Box::pin(echo(ctx, message.clone(), delay_ms))))
                .flatten();
            return Ok(match task {
                Some(created) => CallToolResponse::Task(created_fault(created, faults)),
                None => CallToolResponse::Complete(echoed(message)),
            });
        }
        if inputs::has_tool(&request.name) {
            return inputs::call(self, request, caps, faults);
        }
        let RenameArgs { from, to } = match args(request) {
            Ok(a) => a,
            Err(answer) => return Ok(CallToolResponse::Complete(answer)),
        };
        if let Some(refused) = refusal(caps, faults) {
            return Err(refused);
        }
        self.spawn(|ctx| Box::pin(rename(ctx, from, to)))
            .map(|created| CallToolResponse::Task(created_fault(created, faults)))
            .ok_or_else(busy)
    }
}

/// The refusal of a tool that runs only as a task and asks the user (form
/// elicitation) in it, when `caps` lack either.
fn refusal(caps: &Value, faults: &FaultSet) -> Option<ErrorData> {
    let with_tasks = declared(caps);
    let form = caps.get("elicitation").is_some_and(|e| e.get("form").is_some() || e.get("url").is_none());
    if with_tasks && form {
        return None;
    }
    let mut required = Map::new();
    if !form {
        required.insert("elicitation".into(), json!({"form": {}}));
    }
    // `task-required-unnamed`: the refusal leaves the extension out.
    if !with_tasks && !faults.contains(Fault::TaskRequiredUnnamed) {
        required.insert("extensions".into(), json!({TASKS_EXTENSION_ID: {}}));
    }
    let data = json!({"requiredCapabilities": required});
    Some(ErrorData::new(
        ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
        "Missing required client capability",
        Some(data),
    ))
}

fn busy() -> ErrorData {
    ErrorData::internal_error("too many tasks held; try again later", None)
}

/// `task-created-at-not-iso`: the create result's timestamps are not ISO 8601.
fn created_fault(mut created: CreateTaskResult, faults: &FaultSet) -> CreateTaskResult {
    if faults.contains(Fault::TaskCreatedAtNotIso) {
        created.task.created_at = "just now".into();
    }
    created
}

fn echoed(message: String) -> CallToolResult {
    if message.is_empty() {
        return CallToolResult::error(vec![ContentBlock::text("nothing to echo: the message is empty")]);
    }
    CallToolResult::success(vec![ContentBlock::text(message)])
}

async fn echo(ctx: TaskContext, message: String, delay_ms: u64) -> Result<CallToolResult, TaskExit> {
    let delay = Duration::from_millis(delay_ms.clamp(300, 2000));
    tokio::select! {
        () = tokio::time::sleep(delay) => Ok(echoed(message)),
        () = ctx.cancelled() => Err(TaskExit::Cancelled),
    }
}

/// The confirmation `tasked_rename` asks for.
fn confirmation(from: &str, to: &str) -> Result<InputRequest, TaskExit> {
    let message = format!("Rename {from} to {to}?");
    let request = json!({"method": "elicitation/create", "params": {"mode": "form", "message": message,
        "requestedSchema": {"type": "object", "properties": {
            "confirm": {"type": "boolean", "description": "Whether to go ahead"}}, "required": ["confirm"]}}});
    serde_json::from_value(request)
        .map_err(|e| TaskExit::Error(ErrorData::internal_error(format!("confirmation request: {e}"), None)))
}

async fn rename(ctx: TaskContext, from: String, to: String) -> Result<CallToolResult, TaskExit> {
    let answer = ctx.request_input(CONFIRM_KEY, confirmation(&from, &to)?).await?;
    let action = answer.get("action").and_then(Value::as_str);
    let confirmed = answer.pointer("/content/confirm").and_then(Value::as_bool);
    let text = match (action, confirmed) {
        (Some("accept"), Some(true)) => format!("{from} would now be called {to} (nothing was changed)"),
        (Some("accept"), Some(false)) | (Some("decline" | "cancel"), _) => format!("{from} keeps its name"),
        _ => {
            let why = format!(
                "{CONFIRM_KEY} was answered with {answer}, not an ElicitResult with a boolean confirm"
            );
            return Err(TaskExit::Error(ErrorData::invalid_params(why, None)));
        }
    };
    Ok(CallToolResult::success(vec![ContentBlock::text(text)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_reads_the_extensions_object() {
        assert!(declared(&json!({"extensions": {TASKS_EXTENSION_ID: {}}})));
        assert!(!declared(&json!({"extensions": {}})));
        assert!(!declared(&json!({"tasks": {}})));
        assert!(confirmation("a", "b").is_ok());
    }

    #[tokio::test]
    async fn an_echo_task_completes_and_is_bounded() {
        let tasks = Tasks::default();
        let faults = FaultSet::clean();
        let created = tasks.spawn(|ctx| Box::pin(echo(ctx, "hi".into(), 300))).map(|c| c.task.task_id);
        let id = created.unwrap_or_default();
        assert!(tasks.get(&id, &faults).is_ok());
        assert_eq!(tasks.get("nope", &faults).map_err(|e| e.code), Err(ErrorCode::INVALID_PARAMS));
        tokio::time::sleep(Duration::from_millis(450)).await;
        let done = tasks.get(&id, &faults).map(|t| serde_json::to_value(t).unwrap_or_default());
        assert_eq!(done.as_ref().ok().and_then(|t| t.pointer("/result/content/0/text")), Some(&json!("hi")));
        for _ in 0..MOST_RUNNING {
            tasks.spawn(|ctx| Box::pin(echo(ctx, "x".into(), 2000)));
        }
        assert!(tasks.spawn(|ctx| Box::pin(echo(ctx, "x".into(), 2000))).is_none());
    }
}
