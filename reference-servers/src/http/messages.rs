//! JSON-RPC messages inside HTTP bodies: classify a POST, rewrite answers.
//!
//! The layer around rmcp must know what a POST asked for (method, id, a
//! notification, a batch, or not JSON at all) and must edit the JSON-RPC
//! messages rmcp answers with, whether they come as one JSON document or as
//! the `data:` lines of an SSE stream. Everything here is pure and never
//! panics on input from the network.

use std::borrow::Cow;
use std::sync::OnceLock;

use axum::body::Bytes;
use serde::{Deserialize, de::IgnoredAny};
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
///
/// Every POST is classified, and most of the layer needs only the method,
/// the id and two facts about `params`, so those are probed without building
/// the whole message as a [`Value`], a tree of allocations the size of the
/// body (6% of the plain server's work per call; reports/benchmarks.md,
/// section (e)). The faults that read further parse it on demand
/// ([`Single::value`]).
#[derive(Debug)]
pub(crate) struct Single {
    /// `method`, if a string.
    pub method: Option<String>,
    /// `id`, if present and not null.
    pub id: Option<Value>,
    /// A `result` or `error` member, of any value.
    answer: bool,
    /// `params.protocolVersion`, if a string.
    requested_version: Option<String>,
    /// `params._meta` holds the 2026-07-28 protocol version key.
    stateless: bool,
    body: Bytes,
    full: OnceLock<Value>,
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
        self.method.is_none() && self.answer
    }

    /// Whether the id is a JSON string.
    pub fn has_string_id(&self) -> bool {
        matches!(self.id, Some(Value::String(_)))
    }

    /// `params.protocolVersion` (what an initialize asks for).
    pub fn requested_version(&self) -> Option<&str> {
        self.requested_version.as_deref()
    }

    /// Whether the request carries the 2026-07-28 per-request `_meta`
    /// protocol version (a stateless request, which needs no session).
    pub fn is_stateless(&self) -> bool {
        self.stateless
    }

    /// The whole message, parsed the first time it is asked for.
    pub fn value(&self) -> &Value {
        self.full.get_or_init(|| serde_json::from_slice(&self.body).unwrap_or(Value::Null))
    }

    /// Whether `message` answers this request (same id).
    pub fn answered_by(&self, message: &Value) -> bool {
        match (&self.id, message.get("id")) {
            (Some(id), Some(other)) => id == other,
            _ => false,
        }
    }
}

/// The members of a JSON-RPC message object [`Single`] needs. A body this
/// does not take (not an object, a member of another type than expected, a
/// duplicate member) is parsed in full instead, so both ways agree.
#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(borrow, default)]
    params: Option<ProbeParams<'a>>,
    #[serde(default, deserialize_with = "present")]
    result: bool,
    #[serde(default, deserialize_with = "present")]
    error: bool,
}

#[derive(Deserialize)]
struct ProbeParams<'a> {
    #[serde(rename = "protocolVersion", borrow, default)]
    protocol_version: Option<Cow<'a, str>>,
    #[serde(rename = "_meta", default)]
    meta: Option<ProbeMeta>,
}

#[derive(Deserialize)]
struct ProbeMeta {
    #[serde(rename = "io.modelcontextprotocol/protocolVersion", default, deserialize_with = "present")]
    version: bool,
}

/// A member that is there, whatever its value (`null` included).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

/// Classifies a POST body.
pub(crate) fn classify(body: &Bytes) -> PostBody {
    match probe(body) {
        Some(single) => PostBody::Single(single),
        None => classify_in_full(body),
    }
}

/// The members [`Single`] needs, read by [`Probe`]; `None` for a body the
/// probe does not take.
fn probe(body: &Bytes) -> Option<Single> {
    let probe = serde_json::from_slice::<Probe>(body).ok()?;
    let params = probe.params;
    Some(Single {
        method: probe.method.map(Cow::into_owned),
        id: probe.id,
        answer: probe.result || probe.error,
        requested_version: params.as_ref().and_then(|p| p.protocol_version.clone()).map(Cow::into_owned),
        stateless: params.and_then(|p| p.meta).is_some_and(|m| m.version),
        body: body.clone(),
        full: OnceLock::new(),
    })
}

/// Classifies a body by parsing it whole.
fn classify_in_full(body: &Bytes) -> PostBody {
    match serde_json::from_slice::<Value>(body) {
        Err(_) => PostBody::Malformed,
        Ok(Value::Array(items)) => PostBody::Batch(items),
        Ok(value) => {
            let params = value.get("params");
            PostBody::Single(Single {
                method: value.get("method").and_then(Value::as_str).map(str::to_owned),
                id: value.get("id").filter(|id| !id.is_null()).cloned(),
                answer: value.get("result").is_some() || value.get("error").is_some(),
                requested_version: params
                    .and_then(|p| p.get("protocolVersion"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                stateless: params
                    .and_then(|p| p.get("_meta"))
                    .and_then(|m| m.get("io.modelcontextprotocol/protocolVersion"))
                    .is_some(),
                body: body.clone(),
                full: OnceLock::from(value),
            })
        }
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

    fn bytes(text: &str) -> Bytes {
        Bytes::copy_from_slice(text.as_bytes())
    }

    #[test]
    fn classify_distinguishes_bodies() {
        assert!(matches!(classify(&bytes("{\"jsonrpc\":")), PostBody::Malformed));
        assert!(matches!(classify(&bytes("[{},{}]")), PostBody::Batch(v) if v.len() == 2));
        let PostBody::Single(s) = classify(&bytes(r#"{"jsonrpc":"2.0","method":"ping","id":"a"}"#)) else {
            panic!("not a single message");
        };
        assert!(s.is_method("ping") && s.has_string_id() && !s.is_notification());
    }

    /// The probe and the whole parse agree on every body the probe takes,
    /// and the probe refuses the odd ones, which the whole parse then reads.
    #[test]
    fn probe_agrees_with_the_whole_parse() {
        let taken = [
            r#"{"jsonrpc":"2.0","method":"tools/call","id":7,"params":{"name":"add","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#,
            r#"{"jsonrpc":"2.0","method":"initialize","id":"x","params":{"protocolVersion":"2025-11-25","capabilities":{}}}"#,
            r#"{"jsonrpc":"2.0","id":1,"result":null}"#,
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#"{"jsonrpc":"2.0","method":"a\u002fb","id":1,"params":{"_meta":{"io.modelcontextprotocol/protocolVersion":null}}}"#,
            r#"{"method":"x","params":{"_meta":{"other":1}}}"#,
            r#"{}"#,
        ];
        for text in taken {
            let (Some(probed), PostBody::Single(full)) =
                (probe(&bytes(text)), classify_in_full(&bytes(text)))
            else {
                panic!("the probe did not take {text}");
            };
            assert_eq!(probed.method, full.method, "{text}");
            assert_eq!(probed.id, full.id, "{text}");
            assert_eq!(probed.answer, full.answer, "{text}");
            assert_eq!(probed.requested_version, full.requested_version, "{text}");
            assert_eq!(probed.stateless, full.stateless, "{text}");
            assert_eq!(probed.value(), full.value(), "{text}");
        }
        let refused = [
            r#"42"#,
            r#""text""#,
            r#"{"method":7,"id":1}"#,
            r#"{"method":"a","method":"b"}"#,
            r#"{"method":"x","params":[1,2]}"#,
            r#"{"method":"x","params":{"protocolVersion":5}}"#,
            r#"{"method":"x","params":{"_meta":"text"}}"#,
        ];
        for text in refused {
            assert!(probe(&bytes(text)).is_none(), "the probe took {text}");
            assert!(matches!(classify(&bytes(text)), PostBody::Single(_)), "{text}");
        }
    }
}
