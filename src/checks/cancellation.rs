//! Cancellation (`basic/utilities/cancellation`): a request the client
//! cancels with `notifications/cancelled` gets no response, and a
//! cancellation of a request that was never sent is ignored.
//!
//! Only the handshake revisions: on 2026-07-28 (`basic/patterns/cancellation`)
//! a Streamable HTTP client cancels by closing the request's SSE stream ("No
//! `notifications/cancelled` message is required or expected"), so there is no
//! response left to watch for; only stdio keeps the notification.
//!
//! To cancel something that is really in flight, mcpcheck calls the allowed
//! tools (see [`super::tools::CallTools`]) with a progress token and the
//! largest numbers their input schemas allow (the longest run), and cancels a
//! call at its first progress notification that does not report it finished.
//! Over Streamable HTTP the cancellation is a POST of its own while the
//! request's SSE stream stays open.

use super::pagination::{self, ListMethod};
use super::{Check, Ctx, Outcome, Transports, Verdict, tools};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef};
use crate::wire::jsonrpc::{self, Kind};
use crate::wire::session::Cancelled;
use serde_json::{Value, json};
use std::time::Duration;

const TOOLS_LIST: ListMethod = ListMethod { method: "tools/list", key: "tools", capability: "tools" };
/// How long a cancelled request is watched for a response that should not come.
const WINDOW: Duration = Duration::from_secs(2);
/// How often a response after a cancellation is retried before it counts: a
/// response may cross the cancellation on the wire, which the spec allows.
const ATTEMPTS: usize = 2;
/// A requestId mcpcheck never uses.
const NEVER_SENT: &str = "mcpcheck-never-sent-7f3a";

pub const CHECKS: &[Check] = &[
    Check {
        id: "cancellation/request/not-answered",
        title: "a request cancelled with notifications/cancelled gets no response",
        level: Level::Should,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::Any,
        spec: SpecRef { page: "basic/utilities/cancellation", anchor: "behavior-requirements" },
        requirement: "Receivers of cancellation notifications SHOULD: Stop processing the cancelled request; Free associated resources; Not send a response for the cancelled request",
        run: runs!(not_answered),
    },
    Check {
        id: "cancellation/unknown/ignored",
        title: "a cancellation of a request never sent is ignored",
        level: Level::Should,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::Any,
        spec: SpecRef { page: "basic/utilities/cancellation", anchor: "error-handling" },
        requirement: "Invalid cancellation notifications SHOULD be ignored: Unknown request IDs; Already completed requests; Malformed notifications",
        run: runs!(unknown_ignored),
    },
];

/// A progress notification of work still under way (progress below total,
/// where a total is given): the moment to cancel.
fn in_progress(m: &Value) -> bool {
    if jsonrpc::kind(m) != Kind::Notification
        || m.get("method").and_then(Value::as_str) != Some("notifications/progress")
    {
        return false;
    }
    let progress = m.pointer("/params/progress").and_then(Value::as_f64);
    let total = m.pointer("/params/total").and_then(Value::as_f64);
    match (progress, total) {
        (Some(p), Some(t)) => p < t,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Arguments for the longest run the schema allows: the generated arguments,
/// with every top-level number that has a `maximum` set to it.
fn longest_run(schema: &Value) -> Value {
    let mut args = tools::arguments(schema);
    if let (Some(props), Some(m)) =
        (schema.get("properties").and_then(Value::as_object), args.as_object_mut())
    {
        for (name, value) in m.iter_mut() {
            let sub = props.get(name);
            let ty = sub.and_then(|s| s.get("type")).and_then(Value::as_str);
            if let Some(max) = sub.and_then(|s| s.get("maximum")).and_then(Value::as_f64) {
                match ty {
                    Some("integer") => *value = json!(max.floor() as i64),
                    Some("number") => *value = json!(max),
                    _ => {}
                }
            }
        }
    }
    let valid = jsonschema::validator_for(schema).map(|v| v.is_valid(&args)).unwrap_or(false);
    if valid { args } else { tools::arguments(schema) }
}

async fn not_answered(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let caps = pagination::capabilities(&mut s).await?;
    if !caps.get("tools").is_some_and(Value::is_object) {
        return Ok(Verdict::Skip("the server declares no tools".into()));
    }
    let list = pagination::list_all(&mut s, TOOLS_LIST).await?.items;
    let mut called = Vec::new();
    for (i, t) in list.iter().filter(|t| ctx.call_tools.allows(t)).take(tools::MAX_CALLS).enumerate() {
        let name = t.get("name").and_then(Value::as_str).unwrap_or_default();
        let schema = t.get("inputSchema").cloned().unwrap_or(json!({"type": "object"}));
        let args = longest_run(&schema);
        if !jsonschema::validator_for(&schema).map(|v| v.is_valid(&args)).unwrap_or(false) {
            continue;
        }
        called.push(name.to_string());
        let mut answered: Option<Cancelled> = None;
        for attempt in 0..ATTEMPTS {
            let token = format!("mcpcheck-cancel-{i}-{attempt}");
            let params = json!({"name": name, "arguments": args, "_meta": {"progressToken": token}});
            let c = s.request_cancelled("tools/call", Some(params), WINDOW, in_progress).await?;
            if !c.cancel_sent {
                // It finished (or reported no progress) before there was
                // anything to cancel: try the next tool.
                answered = None;
                break;
            }
            if c.reply.response_to(&c.id).is_none() {
                return Ok(Verdict::pass(format!(
                    "{name} cancelled at its first progress notification; no response within {WINDOW:?}"
                )));
            }
            answered = Some(c);
        }
        if let Some(c) = answered {
            return Ok(Verdict::violation(
                format!(
                    "{name} was answered after it was cancelled mid-way, {ATTEMPTS} times out of {ATTEMPTS}"
                ),
                "no response to the cancelled request",
                jsonrpc::show(c.reply.response_to(&c.id)),
            ));
        }
    }
    Ok(Verdict::Skip(format!(
        "no tool reported progress before finishing, so none could be cancelled in flight (called {})",
        if called.is_empty() { "none".to_string() } else { called.join(", ") }
    )))
}

/// `notifications/cancelled` for an id never used: nothing may answer it
/// (over HTTP: 202 with no body, as for any notification), and the session
/// still works afterwards.
async fn unknown_ignored(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let params = json!({"requestId": NEVER_SENT, "reason": "mcpcheck: cancelling a request never sent"});
    let reply = s.notify("notifications/cancelled", Some(params)).await?;
    let not_ignored = reply.messages.iter().find(|m| jsonrpc::kind(m) == Kind::Response);
    if not_ignored.is_some() || reply.status().is_some_and(|st| st >= 300) {
        return Ok(Verdict::violation(
            "the cancellation of an unknown request was answered, not ignored",
            "no answer (HTTP 202 Accepted, no body)",
            reply.summary(),
        ));
    }
    let a = s.request("ping", None).await?;
    if a.result().is_none() {
        return Ok(Verdict::violation(
            "after a cancellation of an unknown request, the session no longer answers ping",
            "a result to ping",
            a.reply.summary(),
        ));
    }
    Ok(Verdict::pass(format!("ignored ({}); ping still answered", reply.summary())))
}
