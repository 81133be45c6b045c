//! JSON-RPC 2.0 message helpers over plain `serde_json::Value`.
//!
//! The checker never deserialises into typed structs: a server's message may be
//! malformed in exactly the way a check is looking for, and a typed decode would
//! either reject it or quietly normalise it.

use serde_json::{Map, Value, json};

/// A request object with the given id.
pub fn request(id: Value, method: &str, params: Option<Value>) -> Value {
    let mut m = Map::new();
    m.insert("jsonrpc".into(), json!("2.0"));
    m.insert("id".into(), id);
    m.insert("method".into(), json!(method));
    if let Some(p) = params {
        m.insert("params".into(), p);
    }
    Value::Object(m)
}

/// A notification object (no id).
pub fn notification(method: &str, params: Option<Value>) -> Value {
    let mut m = Map::new();
    m.insert("jsonrpc".into(), json!("2.0"));
    m.insert("method".into(), json!(method));
    if let Some(p) = params {
        m.insert("params".into(), p);
    }
    Value::Object(m)
}

/// What kind of JSON-RPC message a value is, judged leniently (for routing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Request,
    Notification,
    Response,
    Other,
}

pub fn kind(msg: &Value) -> Kind {
    let Some(o) = msg.as_object() else { return Kind::Other };
    match (o.contains_key("method"), o.contains_key("id")) {
        (true, true) => Kind::Request,
        (true, false) => Kind::Notification,
        (false, _) if o.contains_key("result") || o.contains_key("error") => Kind::Response,
        _ => Kind::Other,
    }
}

/// Whether `msg` is a response (result or error) to the request with `id`.
pub fn is_response_to(msg: &Value, id: &Value) -> bool {
    kind(msg) == Kind::Response && msg.get("id") == Some(id)
}

/// The error code of an error response, if it is an integer.
pub fn error_code(msg: &Value) -> Option<i64> {
    msg.get("error")?.get("code")?.as_i64()
}

/// Problems with the shape of a response object, by JSON-RPC 2.0 section 5 and
/// the MCP base protocol: `jsonrpc` is "2.0", exactly one of `result`/`error`,
/// an error has an integer `code` and a string `message`. Empty when well formed.
pub fn response_shape_problems(msg: &Value) -> Vec<String> {
    let mut p = Vec::new();
    let Some(o) = msg.as_object() else {
        return vec![format!("response is not a JSON object but {}", type_name(msg))];
    };
    if o.get("jsonrpc") != Some(&json!("2.0")) {
        p.push(format!("`jsonrpc` is {} instead of \"2.0\"", show(o.get("jsonrpc"))));
    }
    match (o.get("result"), o.get("error")) {
        (Some(_), Some(_)) => p.push("both `result` and `error` present".into()),
        (None, None) => p.push("neither `result` nor `error` present".into()),
        (None, Some(e)) => {
            if !e.get("code").is_some_and(|c| c.is_i64()) {
                p.push(format!("error `code` is {} instead of an integer", show(e.get("code"))));
            }
            if !e.get("message").is_some_and(Value::is_string) {
                p.push(format!("error `message` is {} instead of a string", show(e.get("message"))));
            }
        }
        (Some(_), None) => {}
    }
    p
}

/// A short type name for messages: "an array", "null", ...
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Compact JSON for messages, cut at 300 characters.
pub fn show(v: Option<&Value>) -> String {
    match v {
        None => "absent".into(),
        Some(v) => clip(&v.to_string(), 300),
    }
}

/// Cuts text at `max` characters (on a char boundary), marking the cut.
pub fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_messages() {
        assert_eq!(kind(&request(json!(1), "ping", None)), Kind::Request);
        assert_eq!(kind(&notification("x", None)), Kind::Notification);
        assert_eq!(kind(&json!({"jsonrpc":"2.0","id":1,"result":{}})), Kind::Response);
        assert_eq!(kind(&json!([1])), Kind::Other);
    }

    #[test]
    fn shape_problems() {
        assert!(response_shape_problems(&json!({"jsonrpc":"2.0","id":1,"result":{}})).is_empty());
        let p = response_shape_problems(&json!({"jsonrpc":"1.0","id":1,"result":{},"error":{}}));
        assert_eq!(p.len(), 2, "{p:?}");
        let p = response_shape_problems(&json!({"jsonrpc":"2.0","id":1,"error":{"code":"x"}}));
        assert_eq!(p.len(), 2, "{p:?}");
    }

    #[test]
    fn clip_respects_char_boundaries() {
        assert_eq!(clip("ééé", 2), "éé…");
        assert_eq!(clip("ab", 2), "ab");
    }
}
