//! The scripted server's elicitation side, for the handshake revisions: a
//! tool call answered on an SSE stream that first carries an
//! `elicitation/create` request whose every field is optional with a
//! default (SEP-1034), and then, once the client has POSTed its answer, the
//! call's result on the same stream. The stream is held open between the two
//! by a channel ([`super::scripted`]'s answer tail), bounded by
//! [`HOLD`]: a client that never answers gets a stream that ends.

use serde_json::{Value, json};
use std::time::Duration;

/// The id of the server's elicitation request.
pub const ELICIT_ID: &str = "mcpcheck-elicit-1";
/// How long the tool call's stream waits for the client's answer.
pub const HOLD: Duration = Duration::from_secs(10);

/// The requested schema: every property optional, each with a default.
pub fn requested_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "User name", "default": "Ada Lovelace"},
            "age": {"type": "integer", "description": "User age", "default": 36},
            "score": {"type": "number", "description": "User score", "default": 97.5},
            "status": {"type": "string", "description": "User status",
                "enum": ["active", "inactive", "pending"], "default": "pending"},
            "verified": {"type": "boolean", "description": "Verification status", "default": true}
        },
        "required": []
    })
}

/// The first part of the tool call's stream: the elicitation request.
pub fn request_event() -> String {
    let request = json!({"jsonrpc": "2.0", "id": ELICIT_ID, "method": "elicitation/create", "params": {
        "message": "Accept with the defaults, please",
        "requestedSchema": requested_schema()}});
    format!("id: elicit-1\ndata: {request}\n\n")
}

/// Whether `m` is the client's answer to the elicitation request.
pub fn is_answer(m: &Value) -> bool {
    m.get("method").is_none() && m.get("id") == Some(&json!(ELICIT_ID))
}

/// The rest of the stream: the tool call's result, naming what came back.
pub fn result_event(call_id: &Value, answer: &Value) -> String {
    let got = answer.get("result").cloned().unwrap_or(Value::Null);
    let text = format!("elicitation answered: {got}");
    let response = json!({"jsonrpc": "2.0", "id": call_id,
        "result": {"content": [{"type": "text", "text": text}]}});
    format!("id: elicit-2\ndata: {response}\n\n")
}

/// Whether the session's `initialize` declared the elicitation capability.
pub fn declared(initialize: Option<&Value>) -> bool {
    initialize.and_then(|m| m.pointer("/params/capabilities/elicitation")).is_some()
}
