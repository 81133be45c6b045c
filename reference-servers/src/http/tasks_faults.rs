//! The tasks extension's wire faults (SEP-2663, 2026-07-28): what rmcp's
//! typed task results cannot express wrongly, done to the bytes instead —
//! a request made to look declared, a legacy capability, legacy field
//! names, a `requestState` on a task, an `Mcp-Name` left unchecked, a v1
//! `task` parameter refused. The handler's task faults are in
//! [`crate::plain::tasks`].

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use serde_json::{Value, json};

use super::messages::{self, Single};
use crate::faults::{Fault, FaultSet};

const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
const TASKS_EXTENSION: &str = "io.modelcontextprotocol/tasks";

/// `tasks-ungated`: every `tasks/*` request is given the extension in its
/// client capabilities before rmcp gates it.
pub(crate) fn on_request_body(faults: &FaultSet, body: &[u8]) -> Option<Vec<u8>> {
    if !faults.contains(Fault::TasksUngated) {
        return None;
    }
    let mut msg: Value = serde_json::from_slice(body).ok()?;
    if !msg.get("method").and_then(Value::as_str).is_some_and(|m| m.starts_with("tasks/")) {
        return None;
    }
    let meta = msg.get_mut("params")?.get_mut("_meta")?.as_object_mut()?;
    let caps = meta.entry(META_CAPABILITIES).or_insert_with(|| json!({})).as_object_mut()?;
    let extensions = caps.entry("extensions").or_insert_with(|| json!({})).as_object_mut()?;
    extensions.insert(TASKS_EXTENSION.into(), json!({}));
    serde_json::to_vec(&msg).ok()
}

/// Whether a response must be buffered for [`on_message`].
pub(crate) fn wants_rewrite(faults: &FaultSet) -> bool {
    faults.contains(Fault::TasksLegacyCapability)
        || faults.contains(Fault::TaskV1FieldNames)
        || faults.contains(Fault::TaskRequestState)
}

/// `tasks-legacy-capability` adds the 2025-11-25 `tasks` capability to
/// server/discover; `task-v1-field-names` adds `ttl` and `pollInterval`
/// beside the new names on task results; `task-request-state` gives the
/// create-task result a `requestState`.
pub(crate) fn on_message(faults: &FaultSet, message: &mut Value, single: &Single) {
    let Some(result) = message.get_mut("result").and_then(Value::as_object_mut) else { return };
    if faults.contains(Fault::TasksLegacyCapability)
        && single.is_method("server/discover")
        && let Some(caps) = result.get_mut("capabilities").and_then(Value::as_object_mut)
    {
        caps.insert("tasks".into(), json!({"requests": {"tools": {"call": {}}}, "cancel": {}, "list": {}}));
    }
    let created = result.get("resultType").and_then(Value::as_str) == Some("task");
    let task = created || (single.is_method("tasks/get") && result.contains_key("taskId"));
    if faults.contains(Fault::TaskV1FieldNames) && task {
        for (new, old) in [("ttlMs", "ttl"), ("pollIntervalMs", "pollInterval")] {
            if let Some(v) = result.get(new).cloned() {
                result.insert(old.into(), v);
            }
        }
    }
    if faults.contains(Fault::TaskRequestState) && created {
        result.insert("requestState".into(), json!("mcpcheck-fault-task-state"));
    }
}

/// `task-name-header-unchecked`: the `Mcp-Name` of a `tasks/*` request is
/// made to agree with its `params.taskId` before rmcp validates it, as a
/// server that routes tasks by the body alone would take it.
pub(crate) fn on_request_headers(faults: &FaultSet, headers: &mut HeaderMap, body: &[u8]) {
    if !faults.contains(Fault::TaskNameHeaderUnchecked) {
        return;
    }
    let Ok(msg) = serde_json::from_slice::<Value>(body) else { return };
    let method = msg.get("method").and_then(Value::as_str).unwrap_or_default();
    if !matches!(method, "tasks/get" | "tasks/update" | "tasks/cancel") {
        return;
    }
    let task_id = msg.pointer("/params/taskId").and_then(Value::as_str);
    if let Some(v) = task_id.and_then(|t| HeaderValue::from_str(t).ok()) {
        headers.insert("mcp-name", v);
    }
}

/// `task-param-refused`: a 2026-07-28 `tools/call` carrying the v1 `task`
/// parameter, which the extension removed and servers must ignore, is
/// refused with -32602.
pub(crate) fn answers(faults: &FaultSet, single: &Single) -> Option<Response<Body>> {
    if !(faults.contains(Fault::TaskParamRefused) && single.is_method("tools/call")) {
        return None;
    }
    single.value().pointer("/params/task")?;
    let id = single.id.clone()?;
    let body = messages::error_body(id, -32602, "Invalid params: task augmentation is not supported");
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Some(response)
}
