//! Base protocol (`basic/index`): JSON-RPC 2.0 message rules every revision
//! shares: ids echoed, standard error codes, and batches (allowed in
//! 2025-03-26, removed from 2025-06-18 on).

use super::{Check, Ctx, Outcome, Transports, Verdict, verify};
use crate::runs;
use crate::spec::{Level, Revisions, SpecRef, SpecVersion};
use crate::wire::jsonrpc::{self, Kind};
use crate::wire::session::SendOpts;
use serde_json::{Value, json};

const RESPONSES: SpecRef = SpecRef { page: "basic/index", anchor: "responses" };

pub const CHECKS: &[Check] = &[
    Check {
        id: "base/jsonrpc/response-shape",
        title: "responses are well-formed JSON-RPC 2.0",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: RESPONSES,
        requirement: "All messages between MCP clients and servers MUST follow the JSON-RPC 2.0 specification. Result responses MUST include a `result` field. Error responses MUST include an `error` field with a `code` and `message`. Error codes MUST be integers.",
        run: runs!(response_shape),
    },
    Check {
        id: "base/jsonrpc/invalid-request",
        title: "a message without a method is rejected as an invalid request",
        level: Level::Must,
        revisions: Revisions::HANDSHAKE,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "sending-messages-to-the-server" },
        requirement: "If the server cannot accept the input, it MUST return an HTTP error status code (e.g., 400 Bad Request). (JSON-RPC 2.0: a message that is not a valid Request object is a -32600 Invalid Request.)",
        run: runs!(invalid_request),
    },
    Check {
        id: "base/jsonrpc/batch-accepted",
        title: "a JSON-RPC batch is answered with a response to each request (2025-03-26)",
        level: Level::Must,
        revisions: Revisions::between(SpecVersion::V2025_03_26, SpecVersion::V2025_03_26),
        transports: Transports::Any,
        spec: SpecRef { page: "basic/index", anchor: "batching" },
        requirement: "MCP implementations MAY support sending JSON-RPC batches, but MUST support receiving JSON-RPC batches.",
        run: runs!(batch_accepted),
    },
    Check {
        id: "base/jsonrpc/id-echoed",
        title: "responses carry the id of their request, string or integer",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: RESPONSES,
        requirement: "Result responses MUST include the same ID as the request they correspond to.",
        run: runs!(id_echoed),
    },
    Check {
        id: "base/jsonrpc/method-not-found",
        title: "an unknown method is answered with -32601",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::Any,
        spec: RESPONSES,
        requirement: "Error responses MUST include an `error` field with a `code` and `message`. (JSON-RPC 2.0: -32601 Method not found; 2026-07-28 Streamable HTTP: \"If the server does not implement the requested RPC method, it MUST respond with `404 Not Found` and a JSON-RPC error with code `-32601`\")",
        run: runs!(method_not_found),
    },
    Check {
        id: "base/jsonrpc/parse-error",
        title: "malformed JSON is rejected with a 4xx status and -32700",
        level: Level::Must,
        revisions: Revisions::ALL,
        transports: Transports::HttpOnly,
        spec: SpecRef { page: "basic/transports", anchor: "sending-messages-to-the-server" },
        requirement: "If the server cannot accept the input, it MUST return an HTTP error status code (e.g., 400 Bad Request). (JSON-RPC 2.0: invalid JSON is a -32700 Parse error.)",
        run: runs!(parse_error),
    },
    Check {
        id: "base/jsonrpc/batch-rejected",
        title: "a JSON-RPC batch is rejected",
        // SHOULD, not MUST: 2025-06-18 removed batching, and the sentence that
        // enforces it binds the client; no sentence tells a server what to do
        // with a batch it receives. Still processing one keeps alive what the
        // revision took out, so it is graded as a missed SHOULD.
        level: Level::Should,
        revisions: Revisions::since(SpecVersion::V2025_06_18),
        transports: Transports::Any,
        spec: SpecRef { page: "basic/transports", anchor: "sending-messages-to-the-server" },
        requirement: "The body of the POST request MUST be a single JSON-RPC request, notification, or response. (2025-06-18 changelog: \"Remove support for JSON-RPC batching\")",
        run: runs!(batch_rejected),
    },
];

/// Three answers of different kinds (two results, one error), each checked
/// for the JSON-RPC 2.0 response shape.
async fn response_shape(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    for method in ["tools/list", "prompts/list", "mcpcheck/no-such-method"] {
        let a = s.request(method, None).await?;
        verify::shape(verify::response(&a)?)
            .map_err(|v| with_context(v, &format!("the answer to {method}")))?;
    }
    Ok(Verdict::pass("results and errors are well-formed JSON-RPC 2.0"))
}

fn with_context(v: Verdict, what: &str) -> Verdict {
    match v {
        Verdict::Violation { message, expected, actual } => {
            Verdict::Violation { message: format!("{what}: {message}"), expected, actual }
        }
        other => other,
    }
}

/// A JSON object with an id but no method is no JSON-RPC message: an HTTP
/// error status, and -32600 where the body carries an error.
async fn invalid_request(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let id = s.next_id();
    let body = json!({"jsonrpc": "2.0", "id": id}).to_string();
    let reply = s.send_text(body, Some(id), None, &SendOpts::default()).await?;
    if reply.messages.iter().any(|m| m.get("result").is_some()) {
        return Ok(Verdict::violation(
            "a message without a method was answered with a result",
            "an HTTP error status (-32600 Invalid Request)",
            reply.summary(),
        ));
    }
    verify::client_error(&reply, "a message that is not a request cannot be accepted")?;
    if let Some(code) = reply.messages.iter().filter_map(jsonrpc::error_code).find(|c| *c != -32600) {
        return Ok(Verdict::violation(
            format!("the error in the body has code {code}"),
            "-32600 Invalid Request (or no body)",
            reply.summary(),
        ));
    }
    Ok(Verdict::pass(format!("HTTP {}", reply.status().unwrap_or(0))))
}

/// On 2025-03-26 a batch of two requests gets a response to each.
async fn batch_accepted(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let ids = [s.next_id(), s.next_id()];
    let batch: Vec<Value> = ids.iter().map(|id| jsonrpc::request(id.clone(), "tools/list", None)).collect();
    let reply = s.send_text(json!(batch).to_string(), None, None, &SendOpts::default()).await?;
    let missing: Vec<String> =
        ids.iter().filter(|id| reply.response_to(id).is_none()).map(|id| id.to_string()).collect();
    if missing.is_empty() {
        Ok(Verdict::pass("both requests of the batch answered"))
    } else {
        Ok(Verdict::violation(
            format!("no response to batch member(s) {}", missing.join(", ")),
            "a response to each request in the batch",
            reply.summary(),
        ))
    }
}

/// Both id types of JSON-RPC must come back unchanged: a string id and an
/// integer id, each on its own `tools/list` request (the method is answered on
/// every revision, with a result or an error, and both must echo the id).
async fn id_echoed(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    for id in [json!("mcpcheck-id-echo"), json!(424242)] {
        let a = s.request_with_id(id.clone(), "tools/list", None, &SendOpts::default()).await?;
        if a.response().is_none() {
            let ids: Vec<String> = a
                .reply
                .messages
                .iter()
                .filter(|m| jsonrpc::kind(m) == Kind::Response)
                .map(|m| jsonrpc::show(m.get("id")))
                .collect();
            return Ok(Verdict::violation(
                format!("no response carried the request id {id}"),
                format!("a response with id {id}"),
                if ids.is_empty() { a.reply.summary() } else { format!("response id(s) {}", ids.join(", ")) },
            ));
        }
    }
    Ok(Verdict::pass("string and integer ids echoed"))
}

async fn method_not_found(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let a = s.request("mcpcheck/no-such-method", Some(json!({}))).await?;
    verify::error_code(&a, -32601, "Method not found")?;
    if ctx.version >= SpecVersion::V2026_07_28 {
        verify::status(&a.reply, 404, "2026-07-28 answers an unknown method with 404 Not Found")?;
    }
    Ok(Verdict::pass("-32601 Method not found"))
}

/// A truncated JSON text must be refused with an HTTP error status; a JSON-RPC
/// error in the body, where the server sends one, must be -32700.
async fn parse_error(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let body = r#"{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"#.to_string();
    let reply = s.send_text(body, None, None, &SendOpts::default()).await?;
    verify::client_error(&reply, "a body that is not JSON cannot be accepted")?;
    let codes: Vec<i64> = reply.messages.iter().filter_map(jsonrpc::error_code).collect();
    if let Some(code) = codes.iter().find(|c| **c != -32700) {
        return Ok(Verdict::violation(
            format!("the error in the body has code {code}"),
            "-32700 Parse error (or no body)",
            reply.summary(),
        ));
    }
    Ok(Verdict::pass(format!(
        "HTTP {}{}",
        reply.status().unwrap_or(0),
        if codes.is_empty() { "" } else { " with -32700" }
    )))
}

/// Batches were removed in 2025-06-18. A rejection must be visible: an HTTP
/// error status, or a JSON-RPC error and no result. A 200 with results (or
/// with nothing an error could be read from) is not one.
async fn batch_rejected(ctx: &Ctx) -> Outcome {
    let mut s = ctx.session().await?;
    let batch: Vec<Value> = (0..2)
        .map(|_| {
            let id = s.next_id();
            jsonrpc::request(id, "tools/list", s.params(None))
        })
        .collect();
    let reply = s.send_text(json!(batch).to_string(), None, batch.first(), &SendOpts::default()).await?;
    let results = reply.messages.iter().filter(|m| m.get("result").is_some()).count();
    let errors = reply.messages.iter().filter(|m| m.get("error").is_some()).count();
    let http_error = reply.status().is_some_and(|s| s >= 400);
    if results == 0 && (http_error || errors > 0) {
        return Ok(Verdict::pass(format!("batch rejected: {}", reply.summary())));
    }
    Ok(Verdict::violation(
        if results > 0 {
            "the server processed a JSON-RPC batch"
        } else {
            "the batch was neither refused nor answered with an error"
        },
        "an HTTP error status, or a JSON-RPC error",
        reply.summary(),
    ))
}
