//! Logging (`server/utilities/logging`): `logging/setLevel`, which a server
//! that declares the `logging` capability answers with an empty result, and
//! with -32602 for a level that is not one of the eight syslog levels.
//!
//! `logging/setLevel` is the handshake revisions': 2026-07-28 removed it (the
//! level travels per request in `_meta` as `io.modelcontextprotocol/logLevel`),
//! and a request without that field gets no log messages at all.

use super::{Check, Ctx, Outcome, Transports, Verdict, pagination, server_requests, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc;
use crate::wire::session::Session;
use serde_json::{Value, json};

/// A level no revision defines.
const BAD_LEVEL: &str = "loud";

pub const CHECKS: &[Check] = &[
    Check {
        id: "logging/set-level/accepted",
        title: "logging/setLevel with a valid level is answered with an empty result",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::Any,
        spec: SpecRef { page: "server/utilities/logging", anchor: "setting-log-level" },
        requirement: "To configure the minimum log level, clients MAY send a `logging/setLevel` request ... Server-->>Client: Empty Result (the schema's SetLevelRequest is answered with an EmptyResult)",
        run: runs!(accepted),
    },
    Check {
        id: "logging/set-level/invalid-32602",
        title: "logging/setLevel with a level that does not exist is error -32602",
        level: Level::Should,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::Any,
        spec: SpecRef { page: "server/utilities/logging", anchor: "error-handling" },
        requirement: "Servers SHOULD return standard JSON-RPC errors for common failure cases: Invalid log level: -32602 (Invalid params)",
        run: runs!(invalid_level),
    },
    Check {
        id: "logging/meta/no-level-no-messages",
        title: "a request without a log level in _meta gets no log messages",
        level: Level::Must,
        revisions: Revisions::since(SpecVersion::V2026_07_28),
        transports: Transports::Any,
        spec: SpecRef { page: "server/utilities/logging", anchor: "per-request-log-level" },
        requirement: "To receive log messages for a specific request, include io.modelcontextprotocol/logLevel in the request's _meta. The server MUST NOT emit notifications/message for a request that does not include this field.",
        run: runs!(no_level_no_messages),
    },
];

/// A session with a server that declares `logging`, or a skip.
async fn logging_session(ctx: &Ctx) -> Result<Session, Verdict> {
    let mut s = ctx.session().await?;
    let caps = pagination::capabilities(&mut s).await?;
    if !caps.get("logging").is_some_and(Value::is_object) {
        return Err(Verdict::Skip("the server does not declare the logging capability".into()));
    }
    Ok(s)
}

async fn accepted(ctx: &Ctx) -> Outcome {
    let mut s = logging_session(ctx).await?;
    for level in ["info", "debug", "emergency"] {
        let a = s.request("logging/setLevel", Some(json!({"level": level}))).await?;
        let result = verify::result(&a)?;
        // An empty result: `_meta` is the one member every result may carry.
        let extra: Vec<&String> =
            result.as_object().map(|o| o.keys().filter(|k| *k != "_meta").collect()).unwrap_or_default();
        if !result.is_object() || !extra.is_empty() {
            return Ok(Verdict::violation(
                format!("logging/setLevel {level:?} was not answered with an empty result"),
                "result: {}",
                jsonrpc::show(Some(result)),
            ));
        }
    }
    Ok(Verdict::pass("info, debug and emergency each answered with an empty result"))
}

async fn invalid_level(ctx: &Ctx) -> Outcome {
    let mut s = logging_session(ctx).await?;
    let a = s.request("logging/setLevel", Some(json!({"level": BAD_LEVEL}))).await?;
    verify::error_code(&a, -32602, "Invalid params")?;
    Ok(Verdict::pass(format!("level {BAD_LEVEL:?} answered -32602")))
}

/// Calls the tools mcpcheck may call, never with a log level, and looks for
/// `notifications/message` on their streams.
async fn no_level_no_messages(ctx: &Ctx) -> Outcome {
    let survey = server_requests::survey(ctx, server_requests::every_capability(ctx.version)).await?;
    if survey.calls.is_empty() {
        return Ok(Verdict::Skip(format!("no tool was called ({})", survey.note())));
    }
    for call in &survey.calls {
        let logged = call
            .messages
            .iter()
            .find(|m| m.get("method").and_then(Value::as_str) == Some("notifications/message"));
        if let Some(m) = logged {
            return Ok(Verdict::violation(
                format!("a call of {} without io.modelcontextprotocol/logLevel got a log message", call.tool),
                "no notifications/message for a request whose _meta has no log level",
                jsonrpc::show(Some(m)),
            ));
        }
    }
    Ok(Verdict::pass(format!("no log message on any call without a log level ({})", survey.note())))
}
