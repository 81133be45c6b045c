//! The plain server's two tasks that ask the client for more than one
//! confirmation, so that mcpcheck can judge what SEP-2663 says of them:
//!
//! - `tasked_survey` asks two questions at once in its task, so a
//!   `tasks/update` may answer one and leave the other outstanding (the
//!   SEP: a server "MAY accept a partial set of responses");
//! - `tasked_greeting` asks the user's name by a multi round-trip round on
//!   `tools/call` first, and only then creates the task that greets them,
//!   the composition the SEP's "Composition with Multi Round-Trip
//!   Requests" describes (input gathered synchronously, then the task).
//!
//! Both run only as tasks and ask by form elicitation, so a request that
//! declares neither is refused as `tasked_rename` is (-32021).

use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData, InputRequest,
    InputRequests, InputRequiredResult, Tool, ToolAnnotations,
};
use rmcp::task_manager::{TaskContext, TaskExit};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Tasks, args, busy, created_fault, refusal};
use crate::faults::{Fault, FaultSet};

pub const SURVEY: &str = "tasked_survey";
pub const GREETING: &str = "tasked_greeting";
/// The keys of the survey's two questions.
pub const RATING_KEY: &str = "survey_rating";
pub const COMMENT_KEY: &str = "survey_comment";
/// The key of the greeting's multi round-trip question.
pub const NAME_KEY: &str = "user_name";

/// Whether `name` is one of these tools.
pub(super) fn has_tool(name: &str) -> bool {
    name == SURVEY || name == GREETING
}

/// The tools as listed. Two inputs each, like the other tasked tools.
pub(super) fn tools() -> Vec<Tool> {
    let survey = json!({"type": "object", "properties": {
        "subject": {"type": "string", "description": "What the survey is about"},
        "audience": {"type": "string", "description": "Who is asked"}},
        "required": ["subject", "audience"]});
    let greeting = json!({"type": "object", "properties": {
        "greeting": {"type": "string", "description": "The word to greet with, such as Hello"},
        "delay_ms": {"type": "integer", "minimum": 300, "maximum": 2000,
            "description": "How long the task works before it greets"}},
        "required": ["greeting", "delay_ms"]});
    let read_only = ToolAnnotations::new().read_only(true);
    [
        (
            SURVEY,
            "Ask a rating and a comment about `subject` at once, in a task (requires one; records nothing)",
            survey,
        ),
        (
            GREETING,
            "Ask the user's name first (multi round-trip), then greet them in a task (requires one)",
            greeting,
        ),
    ]
    .into_iter()
    .map(|(name, description, schema)| {
        Tool::new(name, description, schema.as_object().cloned().unwrap_or_default())
            .annotate(read_only.clone())
    })
    .collect()
}

#[derive(Deserialize)]
struct SurveyArgs {
    subject: String,
    audience: String,
}

#[derive(Deserialize)]
struct GreetingArgs {
    greeting: String,
    delay_ms: u64,
}

/// `tools/call` of one of these tools; `caps` as the request sent them.
pub(super) fn call(
    tasks: &Tasks,
    request: &CallToolRequestParams,
    caps: &Value,
    faults: &FaultSet,
) -> Result<CallToolResponse, ErrorData> {
    if request.name == SURVEY {
        let SurveyArgs { subject, audience } = match args(request) {
            Ok(a) => a,
            Err(answer) => return Ok(CallToolResponse::Complete(answer)),
        };
        if let Some(refused) = refusal(caps, faults) {
            return Err(refused);
        }
        return tasks
            .spawn(|ctx| Box::pin(survey(ctx, subject, audience)))
            .map(|created| CallToolResponse::Task(created_fault(created, faults)))
            .ok_or_else(busy);
    }
    let GreetingArgs { greeting, delay_ms } = match args(request) {
        Ok(a) => a,
        Err(answer) => return Ok(CallToolResponse::Complete(answer)),
    };
    if let Some(refused) = refusal(caps, faults) {
        return Err(refused);
    }
    let answer = request.input_responses.as_ref().and_then(|r| r.get(NAME_KEY));
    let name = answer
        .filter(|a| a.get("action").and_then(Value::as_str) == Some("accept"))
        .and_then(|a| a.pointer("/content/name"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let Some(name) = name else {
        // The multi round-trip round: no task yet, and no state to keep
        // (the retry's answer is all the task needs).
        let mut requests = InputRequests::new();
        requests.insert(NAME_KEY.into(), ask_name()?);
        return Ok(CallToolResponse::InputRequired(InputRequiredResult::new(Some(requests), None)));
    };
    // `task-composition-answer-lost`: the task forgets the name it was given.
    let name = if faults.contains(Fault::TaskCompositionAnswerLost) { "stranger".into() } else { name };
    tasks
        .spawn(|ctx| Box::pin(greet(ctx, greeting, name, delay_ms)))
        .map(|created| CallToolResponse::Task(created_fault(created, faults)))
        .ok_or_else(busy)
}

fn form(message: &str, properties: Value) -> Result<InputRequest, ErrorData> {
    let required: Vec<&String> = properties.as_object().map(|p| p.keys().collect()).unwrap_or_default();
    let request = json!({"method": "elicitation/create", "params": {"mode": "form", "message": message,
        "requestedSchema": {"type": "object", "properties": properties, "required": required}}});
    serde_json::from_value(request)
        .map_err(|e| ErrorData::internal_error(format!("input request: {e}"), None))
}

fn ask_name() -> Result<InputRequest, ErrorData> {
    form("What is your name?", json!({"name": {"type": "string", "description": "Your name"}}))
}

fn text(t: String) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(t)])
}

/// Both questions are outstanding at once; each answer is taken as it
/// comes, and the task ends once both have come.
async fn survey(ctx: TaskContext, subject: String, audience: String) -> Result<CallToolResult, TaskExit> {
    let rating = form(
        &format!("How would {audience} rate {subject}, 1 to 5?"),
        json!({"rating": {"type": "integer", "minimum": 1, "maximum": 5}}),
    )
    .map_err(TaskExit::Error)?;
    let comment = form(&format!("Any comment on {subject}?"), json!({"comment": {"type": "string"}}))
        .map_err(TaskExit::Error)?;
    let (rating, comment) =
        tokio::join!(ctx.request_input(RATING_KEY, rating), ctx.request_input(COMMENT_KEY, comment));
    let (rating, comment) = (rating?, comment?);
    let accepted = |a: &Value, field: &str| {
        (a.get("action").and_then(Value::as_str) == Some("accept"))
            .then(|| a.pointer(&format!("/content/{field}")).map(Value::to_string))
            .flatten()
    };
    let rated = accepted(&rating, "rating").unwrap_or_else(|| "no rating".into());
    let said = accepted(&comment, "comment").unwrap_or_else(|| "no comment".into());
    Ok(text(format!("{subject}: {rated} from {audience}, and {said} (nothing was recorded)")))
}

async fn greet(
    ctx: TaskContext,
    greeting: String,
    name: String,
    delay_ms: u64,
) -> Result<CallToolResult, TaskExit> {
    let delay = Duration::from_millis(delay_ms.clamp(300, 2000));
    tokio::select! {
        () = tokio::time::sleep(delay) => Ok(text(format!("{greeting}, {name}!"))),
        () = ctx.cancelled() => Err(TaskExit::Cancelled),
    }
}
