//! JSON-RPC messages inside HTTP bodies: classify a POST, rewrite answers.
//!
//! The layer around rmcp must know what a POST asked for (method, id, a
//! notification, a batch, or not JSON at all) and must edit the JSON-RPC
//! messages rmcp answers with, whether they come as one JSON document or as
//! the `data:` lines of an SSE stream. Everything here is pure and never
//! panics on input from the network.

use serde_json::{Value, json};

/// What a POST body holds.
#[derive(Debug)]
pub(crate) enum PostBody {
    /// Not valid JSON.
    Malformed,
    /// A JSON array: a JSON-RPC batch.
    Batch(Vec<Value>),
    /// One JSON value, normally a JSON-RPC message object.
    Single(Single),
}

/// One JSON value posted by the client, with its JSON-RPC fields pulled out.
#[derive(Debug)]
pub(crate) struct Single {
    /// `method`, if a string.
    pub method: Option<String>,
    /// `id`, if present and not null.
    pub id: Option<Value>,
    /// The whole value.
    pub value: Value,
}

impl Single {
    /// Whether this is the JSON-RPC request or notification `method`.
    pub fn is_method(&self, method: &str) -> bool {
        self.method.as_deref() == Some(method)
    }

    /// A notification: a method and no id.
    pub fn is_notification(&self) -> bool {
        self.method.is_some() && self.id.is_none()
    }

    /// A response: no method, and a result or an error.
    pub fn is_response(&self) -> bool {
        self.method.is_none() && (self.value.get("result").is_some() || self.value.get("error").is_some())
    }

    /// Whether the id is a JSON string.
    pub fn has_string_id(&self) -> bool {
        matches!(self.id, Some(Value::String(_)))
    }

    /// `params.protocolVersion` (what an initialize asks for).
    pub fn requested_version(&self) -> Option<&str> {
        self.value.get("params")?.get("protocolVersion")?.as_str()
    }

    /// Whether the request carries the 2026-07-28 per-request `_meta`
    /// protocol version (a stateless request, which needs no session).
    pub fn is_stateless(&self) -> bool {
        self.value
            .get("params")
            .and_then(|p| p.get("_meta"))
            .and_then(|m| m.get("io.modelcontextprotocol/protocolVersion"))
            .is_some()
    }

    /// Whether `message` answers this request (same id).
    pub fn answered_by(&self, message: &Value) -> bool {
        match (&self.id, message.get("id")) {
            (Some(id), Some(other)) => id == other,
            _ => false,
        }
    }
}

/// Classifies a POST body.
pub(crate) fn classify(body: &[u8]) -> PostBody {
    match serde_json::from_slice::<Value>(body) {
        Err(_) => PostBody::Malformed,
        Ok(Value::Array(items)) => PostBody::Batch(items),
        Ok(value) => PostBody::Single(Single {
            method: value.get("method").and_then(Value::as_str).map(str::to_owned),
            id: value.get("id").filter(|id| !id.is_null()).cloned(),
            value,
        }),
    }
}

/// A JSON-RPC error response body.
pub(crate) fn error_body(id: Value, code: i64, message: &str) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}).to_string().into_bytes()
}

/// Rewrites a JSON body in place; `None` if it is not JSON.
pub(crate) fn rewrite_json(body: &[u8], rewrite: &mut dyn FnMut(&mut Value)) -> Option<Vec<u8>> {
    let mut value = serde_json::from_slice::<Value>(body).ok()?;
    match &mut value {
        Value::Array(items) => items.iter_mut().for_each(&mut *rewrite),
        single => rewrite(single),
    }
    Some(value.to_string().into_bytes())
}

/// The JSON-RPC messages in a JSON body (one value or an array of them).
pub(crate) fn json_messages(body: &[u8]) -> Vec<Value> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(items)) => items,
        Ok(value) => vec![value],
        Err(_) => Vec::new(),
    }
}

/// Rewrites every JSON message carried in an SSE body's `data:` fields.
/// Events whose data is not JSON (rmcp's priming event) stay as they are.
pub(crate) fn rewrite_sse(body: &[u8], rewrite: &mut dyn FnMut(&mut Value)) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(body) else {
        return body.to_vec();
    };
    let mut out = String::with_capacity(text.len() + 64);
    for_each_event(text, |lines, terminated| {
        match event_json(lines) {
            Some(mut value) => {
                rewrite(&mut value);
                let mut data_written = false;
                for line in lines {
                    if data_value(line).is_some() {
                        if !data_written {
                            out.push_str("data: ");
                            out.push_str(&value.to_string());
                            out.push('\n');
                            data_written = true;
                        }
                    } else {
                        out.push_str(line);
                        out.push('\n');
                    }
                }
            }
            None => lines.iter().for_each(|line| {
                out.push_str(line);
                out.push('\n');
            }),
        }
        if terminated {
            out.push('\n');
        }
    });
    out.into_bytes()
}

/// The JSON messages carried in an SSE body.
pub(crate) fn sse_messages(body: &[u8]) -> Vec<Value> {
    let Ok(text) = std::str::from_utf8(body) else {
        return Vec::new();
    };
    let mut messages = Vec::new();
    for_each_event(text, |lines, _| messages.extend(event_json(lines)));
    messages
}

/// Calls `f` with the lines of each event and whether a blank line ended it.
fn for_each_event<'a>(text: &'a str, mut f: impl FnMut(&[&'a str], bool)) {
    let mut event: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            f(&event, true);
            event.clear();
        } else {
            event.push(line);
        }
    }
    if !event.is_empty() {
        f(&event, false);
    }
}

/// The value of a `data` field line, without the one optional leading space.
fn data_value(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("data")?;
    if rest.is_empty() {
        return Some("");
    }
    let rest = rest.strip_prefix(':')?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// The JSON value of an event's data, if it has data and the data is JSON.
fn event_json(lines: &[&str]) -> Option<Value> {
    let data: Vec<&str> = lines.iter().filter_map(|l| data_value(l)).collect();
    if data.is_empty() {
        return None;
    }
    serde_json::from_str(&data.join("\n")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SSE: &str =
        "data: \nid: 0\nretry: 3000\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\nid: 1/0\n\n";

    #[test]
    fn sse_rewrite_touches_only_json_events() {
        let out = rewrite_sse(SSE.as_bytes(), &mut |v| v["result"]["status"] = json!("ok"));
        let text = String::from_utf8(out).unwrap_or_default();
        assert!(text.starts_with("data: \nid: 0\nretry: 3000\n\n"));
        assert!(text.contains(r#""status":"ok""#));
        assert!(text.ends_with("id: 1/0\n\n"));
        assert_eq!(sse_messages(text.as_bytes()).len(), 1);
    }

    #[test]
    fn classify_distinguishes_bodies() {
        assert!(matches!(classify(b"{\"jsonrpc\":"), PostBody::Malformed));
        assert!(matches!(classify(b"[{},{}]"), PostBody::Batch(v) if v.len() == 2));
        let PostBody::Single(s) = classify(br#"{"jsonrpc":"2.0","method":"ping","id":"a"}"#) else {
            panic!("not a single message");
        };
        assert!(s.is_method("ping") && s.has_string_id() && !s.is_notification());
    }
}
