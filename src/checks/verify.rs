//! Shared verifiers: each turns one expectation into `Ok` or a [`Verdict`] with
//! expected and actual filled in the same way everywhere.

use super::Verdict;
use crate::wire::jsonrpc;
use crate::wire::session::{Answered, Reply};
use serde_json::Value;

/// The JSON-RPC response to the request; a violation when none came back.
pub fn response(a: &Answered) -> Result<&Value, Verdict> {
    a.response().ok_or_else(|| {
        Verdict::violation(
            format!("no JSON-RPC response with id {} came back", a.id),
            format!("a response with id {}", a.id),
            a.reply.summary(),
        )
    })
}

/// The `result` of the response; a violation for an error or no response.
pub fn result(a: &Answered) -> Result<&Value, Verdict> {
    let r = response(a)?;
    r.get("result").ok_or_else(|| {
        Verdict::violation(
            "the request was answered with an error, not a result",
            "a result",
            jsonrpc::show(Some(r)),
        )
    })
}

/// The response is an error with exactly `code`.
pub fn error_code(a: &Answered, code: i64, name: &str) -> Result<(), Verdict> {
    let r = response(a)?;
    match jsonrpc::error_code(r) {
        Some(c) if c == code => Ok(()),
        _ => Err(Verdict::violation(
            format!("expected {} error ({code})", crate::report::text::with_article(name)),
            format!("error code {code} ({name})"),
            jsonrpc::show(Some(r)),
        )),
    }
}

/// The HTTP status is `status`. On stdio (no status) this always holds.
pub fn status(reply: &Reply, status: u16, why: &str) -> Result<(), Verdict> {
    match reply.status() {
        None => Ok(()),
        Some(s) if s == status => Ok(()),
        Some(_) => Err(Verdict::violation(why, format!("HTTP {status}"), reply.summary())),
    }
}

/// The HTTP status is a client error (4xx).
pub fn client_error(reply: &Reply, why: &str) -> Result<(), Verdict> {
    match reply.status() {
        Some(s) if !(400..500).contains(&s) => {
            Err(Verdict::violation(why, "an HTTP 4xx status", reply.summary()))
        }
        _ => Ok(()),
    }
}

/// The response object is well formed JSON-RPC 2.0.
pub fn shape(r: &Value) -> Result<(), Verdict> {
    let problems = jsonrpc::response_shape_problems(r);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Verdict::violation(
            format!("malformed JSON-RPC response: {}", problems.join("; ")),
            "jsonrpc \"2.0\", the request id, exactly one of result/error",
            jsonrpc::show(Some(r)),
        ))
    }
}
