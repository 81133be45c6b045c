//! The tasks extension's wire faults (SEP-2663, 2026-07-28): what rmcp's
//! typed task results cannot express wrongly, done to the bytes instead —
//! a request made to look declared, a legacy capability, legacy field
//! names, a `requestState` on a task. The handler's task faults are in
//! [`crate::plain::tasks`].

use serde_json::{Value, json};

use super::messages::Single;
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
