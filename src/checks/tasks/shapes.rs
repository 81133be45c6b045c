//! What a task answer must look like, as pure predicates over the JSON the
//! server sent (no I/O), so each reads and is unit-tested on its own.

use super::{STATUSES, status_of};
use crate::wire::jsonrpc;
use crate::wire::session::Answered;
use serde_json::Value;

/// Whether `s` starts with an ISO 8601 date and time (`YYYY-MM-DDThh:mm:ss`).
pub(super) fn iso_8601(s: &str) -> bool {
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
pub(super) fn task_problems(r: &Value) -> Vec<String> {
    let mut p = Vec::new();
    if r.get("taskId").and_then(Value::as_str).is_none_or(str::is_empty) {
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
pub(super) fn create_problems(r: &Value) -> Vec<String> {
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
pub(super) fn detailed_problems(r: &Value, id: &str) -> Vec<String> {
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
pub(super) fn ack_problem(a: &Answered) -> Option<String> {
    let Some(r) = a.response() else { return Some(a.reply.summary()) };
    let Some(result) = r.get("result").and_then(Value::as_object) else {
        return Some(jsonrpc::show(Some(r)));
    };
    let extra: Vec<&String> =
        result.keys().filter(|k| !matches!(k.as_str(), "resultType" | "_meta")).collect();
    let complete = result.get("resultType").and_then(Value::as_str) == Some("complete");
    (!complete || !extra.is_empty()).then(|| jsonrpc::show(Some(r)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
