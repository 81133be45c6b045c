//! The load generator's hot path: one fixed call sent again and again on a
//! session, classified, and nothing recorded.
//!
//! Why it exists: `mcpcheck bench` sent every call through
//! [`Session::request`], which builds a header list per call, copies the body
//! into an [`Exchange`](super::record::Exchange) with redacted header
//! maps, keeps every decoded message as a `serde_json::Value`, and then the
//! bench threw all of it away. That cost the generator about four times
//! wrk's CPU per call (reports/benchmarks.md), so the load it could offer
//! was bounded by mcpcheck, not by the server under test.
//!
//! What it does not do: record anything (no exchange, no header maps, no body
//! copy for a report), keep the messages, or let a caller override headers.
//! The request body is serialised once per session ([`Session::prepare`]):
//! only the id changes, spliced between a fixed prefix and suffix; the
//! headers (session id, protocol version, 2026-07-28 routing headers,
//! `--header` values) are built once too.
//!
//! How it sends: on `http://` each session has its own HTTP/1.1 connection
//! ([`super::h1`], hyper's low-level client driven in the user's own task);
//! on `https://` the target's reqwest client, as before. Between calls,
//! off the clock, [`Prepared::settle`] lets the connection take in the end
//! of an SSE answer the call stopped reading at its response, so the next
//! call reuses it rather than connecting anew.
//!
//! What it keeps, so the numbers mean the same as on the recorded path: the
//! whole answer is read under the same [`Limits`] (timeout over the whole
//! exchange, body cap, SSE event cap); an SSE answer is read until the event
//! carrying the response to the call, so latency counts until that final
//! event; a JSON body is read to its end; the outcome is judged the same way
//! (HTTP status ≥ 400 first, then the response to the call: JSON-RPC error,
//! `isError: true`, no response at all). Messages are probed for the few
//! members that matter rather than built as values; anything the probe does
//! not take (a batch array, a malformed or odd message) is decoded in full
//! and judged as the recorded path judges it. stdio sessions take the
//! recorded path and drop the recording (a process per user is no hot path).

use super::h1::{H1, Next, Origin};
use super::http::{HttpTarget, looks_like_sse};
use super::jsonrpc;
use super::session::{SendOpts, Session};
use super::sse::{SseEvent, SseParser};
use super::{Limits, WireError};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// How a call ended, when an answer came. The bench maps it to its outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Success,
    /// An HTTP status of 400 or more.
    HttpStatus(u16),
    /// A JSON-RPC error response (code 0 when it has no integer code).
    JsonRpcError(i64),
    /// A result with `isError: true`.
    IsError,
    /// No response to the call in the answer (or not JSON at all).
    Invalid,
}

/// One call made ready for a session: body around the id, headers built,
/// and on `http://` the session's own connection ([`super::h1`]).
#[derive(Debug)]
pub struct Prepared {
    /// `{"jsonrpc":"2.0","method":…,"params":…,"id":`
    prefix: Vec<u8>,
    /// HTTP: the target, its URL parsed once, and every header the call
    /// carries; an invalid one is the error every send of the call returns
    /// (as the recorded path would).
    http: Option<HttpCall>,
}

#[derive(Debug)]
struct HttpCall {
    target: Arc<HttpTarget>,
    /// `None` when the URL does not parse: reqwest then reports it per send.
    url: Option<reqwest::Url>,
    headers: Result<HeaderMap, WireError>,
    /// `http://`: where the session's own connection goes, and the
    /// connection; `None` sends through reqwest (https).
    direct: Option<(Origin, H1)>,
}

impl Session {
    /// Serialises `method` with `params` (enveloped for the revision) once,
    /// and builds the headers this session sends with it. Prepare again after
    /// the session is reopened (its id changes).
    pub fn prepare(&self, method: &str, params: Option<Value>) -> Prepared {
        let params = self.params(params);
        let mut prefix = br#"{"jsonrpc":"2.0","method":"#.to_vec();
        prefix.extend_from_slice(json!(method).to_string().as_bytes());
        if let Some(p) = &params {
            prefix.extend_from_slice(br#","params":"#);
            prefix.extend_from_slice(p.to_string().as_bytes());
        }
        prefix.extend_from_slice(br#","id":"#);
        let http = self.http_target().map(|t| {
            // The message only matters for the routing headers (method, name).
            let msg = jsonrpc::request(json!(0), method, params.clone());
            let url = reqwest::Url::parse(&t.url).ok();
            let origin = url.as_ref().and_then(Origin::of);
            // hyper's low-level client sends no `Host` of its own.
            let host = origin.as_ref().map(|o| o.host_header.clone());
            let headers = header_map(t, host, &self.headers_for(&msg));
            HttpCall { target: t.clone(), url, headers, direct: origin.map(|o| (o, H1::default())) }
        });
        Prepared { prefix, http }
    }

    /// Sends the prepared call with a fresh id and judges the answer;
    /// records nothing.
    pub async fn send_prepared(&mut self, call: &mut Prepared) -> Result<Verdict, WireError> {
        let id = self.next_id_number();
        let mut body = Vec::with_capacity(call.prefix.len() + 24);
        body.extend_from_slice(&call.prefix);
        body.extend_from_slice(id.to_string().as_bytes());
        body.push(b'}');
        let Some(HttpCall { target, url, headers, direct }) = &mut call.http else {
            let text = String::from_utf8_lossy(&body).into_owned();
            let reply = self.send_text(text, Some(json!(id)), None, &SendOpts::default()).await;
            drop(self.rec.take());
            let reply = reply?;
            let response = reply.messages.iter().find(|m| jsonrpc::is_response_to(m, &json!(id)));
            return Ok(judge_value(None, response));
        };
        let headers = headers.as_ref().map_err(Clone::clone)?;
        let limits = target.limits;
        let read = async {
            match direct {
                Some((origin, conn)) => {
                    let head = |r: &hyper::Response<_>| {
                        Reading::new(r.status().as_u16(), r.headers().get(CONTENT_TYPE), id, limits)
                    };
                    conn.call(origin, headers, body, head, Reading::feed).await.map(Reading::verdict)
                }
                None => exchange(target, url.as_ref(), headers.clone(), body, id).await,
            }
        };
        tokio::time::timeout(limits.timeout, read).await.unwrap_or(Err(WireError::Timeout(limits.timeout)))
    }
}

/// The longest a user waits, between calls and off the clock, for the end
/// of an answer its last call stopped reading at the response (see
/// [`super::h1`]); usually the end is already there or a moment behind.
const SETTLE: Duration = Duration::from_millis(50);

impl Prepared {
    /// Readies the call's connection for the next send: on `http://`, waits
    /// (bounded) for the end of the last answer's body, so the connection
    /// is kept rather than a new one made per call. Call it off the clock.
    pub async fn settle(&mut self) {
        if let Some(HttpCall { target, direct: Some((_, conn)), .. }) = &mut self.http {
            conn.settle(SETTLE.min(target.limits.timeout)).await;
        }
    }
}

/// The headers of every send, as the recorded path orders them: defaults,
/// then `--header` values, then the session's, a later one replacing an
/// earlier one of the same name.
fn header_map(
    t: &HttpTarget,
    host: Option<HeaderValue>,
    session: &[(String, String)],
) -> Result<HeaderMap, WireError> {
    let mut map = HeaderMap::new();
    if let Some(h) = host {
        map.insert(reqwest::header::HOST, h);
    }
    let defaults = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")];
    let all = defaults
        .iter()
        .map(|(n, v)| (*n, *v))
        .chain(t.extra_headers.iter().chain(session).map(|(n, v)| (n.as_str(), v.as_str())));
    for (n, v) in all {
        let name =
            HeaderName::from_bytes(n.as_bytes()).map_err(|e| WireError::Http(format!("header {n}: {e}")))?;
        let value =
            HeaderValue::from_bytes(v.as_bytes()).map_err(|e| WireError::Http(format!("header {n}: {e}")))?;
        map.insert(name, value);
    }
    Ok(map)
}

async fn exchange(
    t: &HttpTarget,
    url: Option<&reqwest::Url>,
    headers: HeaderMap,
    body: Vec<u8>,
    id: i64,
) -> Result<Verdict, WireError> {
    let builder = match url {
        Some(u) => t.client().post(u.clone()),
        None => t.client().post(&t.url),
    };
    let mut resp = builder.headers(headers).body(body).send().await.map_err(super::http::classify)?;
    let mut reading = Reading::new(resp.status().as_u16(), resp.headers().get(CONTENT_TYPE), id, t.limits);
    while let Some(chunk) = resp.chunk().await.map_err(super::http::classify)? {
        if let Next::Stop = reading.feed(&chunk)? {
            break;
        }
    }
    Ok(reading.verdict())
}

/// One answer as it is read, whichever client reads it.
struct Reading {
    status: u16,
    is_sse: bool,
    id: i64,
    limits: Limits,
    seen: usize,
    events: usize,
    parser: SseParser,
    /// A JSON answer, kept whole to be judged at its end.
    body: Vec<u8>,
    /// An SSE answer: the verdict of the event carrying the response.
    found: Option<Verdict>,
}

impl Reading {
    fn new(status: u16, content_type: Option<&HeaderValue>, id: i64, limits: Limits) -> Self {
        let is_sse = content_type
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim())
            .is_some_and(|m| m.eq_ignore_ascii_case("text/event-stream"));
        Reading {
            status,
            is_sse,
            id,
            limits,
            seen: 0,
            events: 0,
            parser: SseParser::new(),
            body: Vec::new(),
            found: None,
        }
    }

    /// Takes one chunk under the caps; `Stop` once the response has come on
    /// an SSE stream (a stream left open after it adds nothing).
    fn feed(&mut self, chunk: &[u8]) -> Result<Next, WireError> {
        self.seen += chunk.len();
        if self.seen > self.limits.max_body_bytes {
            return Err(WireError::TooLarge(self.limits.max_body_bytes));
        }
        if !self.is_sse {
            self.body.extend_from_slice(chunk);
            return Ok(Next::More);
        }
        for ev in self.parser.feed(chunk) {
            if self.found.is_none() {
                self.found = judge_event(&ev, self.id);
            }
            self.events += 1;
            if self.events > self.limits.max_sse_events {
                return Err(WireError::TooManyEvents(self.limits.max_sse_events));
            }
        }
        Ok(if self.found.is_some() { Next::Stop } else { Next::More })
    }

    fn verdict(self) -> Verdict {
        if self.status >= 400 {
            return Verdict::HttpStatus(self.status);
        }
        if self.is_sse {
            return self.found.unwrap_or(Verdict::Invalid);
        }
        judge_body(&self.body, self.id)
    }
}

/// The verdict an event gives, if it carries the response to `id`.
fn judge_event(ev: &SseEvent, id: i64) -> Option<Verdict> {
    if ev.data.is_empty() {
        return None; // priming or keep-alive event
    }
    match serde_json::from_str::<Probe>(&ev.data) {
        Ok(p) => p.verdict_for(id),
        Err(_) => {
            let v = serde_json::from_str::<Value>(&ev.data).ok()?;
            jsonrpc::is_response_to(&v, &json!(id)).then(|| judge_value(None, Some(&v)))
        }
    }
}

/// A whole JSON body (or an event stream under the wrong media type).
fn judge_body(body: &[u8], id: i64) -> Verdict {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{')
        && let Ok(p) = serde_json::from_slice::<Probe>(body)
    {
        return p.verdict_for(id).unwrap_or(Verdict::Invalid);
    }
    let want = json!(id);
    let messages: Vec<Value> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(items)) => items,
        Ok(v) => vec![v],
        Err(_) if looks_like_sse(body) => SseParser::new()
            .feed(body)
            .iter()
            .filter(|e| !e.data.is_empty())
            .filter_map(|e| serde_json::from_str(&e.data).ok())
            .collect(),
        Err(_) => Vec::new(),
    };
    judge_value(None, messages.iter().find(|m| jsonrpc::is_response_to(m, &want)))
}

/// The recorded path's judgement, on a decoded response.
pub fn judge_value(status: Option<u16>, response: Option<&Value>) -> Verdict {
    if let Some(s) = status.filter(|s| *s >= 400) {
        return Verdict::HttpStatus(s);
    }
    let Some(resp) = response else { return Verdict::Invalid };
    if resp.get("error").is_some() {
        return Verdict::JsonRpcError(jsonrpc::error_code(resp).unwrap_or(0));
    }
    match resp.get("result") {
        Some(r) if r.get("isError").and_then(Value::as_bool) == Some(true) => Verdict::IsError,
        Some(_) => Verdict::Success,
        None => Verdict::Invalid,
    }
}

/// The members of one message that decide a verdict; the rest is skipped
/// unbuilt. A member present as `null` counts as present, as it does for
/// [`jsonrpc::kind`].
#[derive(Deserialize)]
struct Probe {
    #[serde(default, deserialize_with = "present")]
    method: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    error: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    result: Option<ResultProbe>,
}

impl Probe {
    fn verdict_for(&self, id: i64) -> Option<Verdict> {
        let response = self.method.is_none() && (self.error.is_some() || self.result.is_some());
        if !response || self.id.as_ref().and_then(Value::as_i64) != Some(id) || !self.id_is_integer() {
            return None;
        }
        Some(match (&self.error, &self.result) {
            (Some(e), _) => Verdict::JsonRpcError(e.get("code").and_then(Value::as_i64).unwrap_or(0)),
            (None, Some(ResultProbe { is_error: true })) => Verdict::IsError,
            _ => Verdict::Success,
        })
    }

    /// `1.0` is not the id `1`: the recorded path compares values exactly.
    fn id_is_integer(&self) -> bool {
        self.id.as_ref().is_some_and(|v| v.is_i64() || v.is_u64())
    }
}

fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Whether a result is an object with `isError: true`; nothing else kept.
#[derive(Default)]
struct ResultProbe {
    is_error: bool,
}

impl<'de> Deserialize<'de> for ResultProbe {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = ResultProbe;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<ResultProbe, A::Error> {
                let mut out = ResultProbe::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "isError" {
                        // The last one wins, as in a decoded object.
                        out.is_error = map.next_value::<Value>()?.as_bool() == Some(true);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(out)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<ResultProbe, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ResultProbe::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<ResultProbe, E> {
                Ok(ResultProbe::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<ResultProbe, E> {
                Ok(ResultProbe::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<ResultProbe, E> {
                Ok(ResultProbe::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<ResultProbe, E> {
                Ok(ResultProbe::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<ResultProbe, E> {
                Ok(ResultProbe::default())
            }
            fn visit_unit<E>(self) -> Result<ResultProbe, E> {
                Ok(ResultProbe::default())
            }
        }
        d.deserialize_any(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(body: &str, id: i64) -> (Verdict, Verdict) {
        let v: Option<Value> = serde_json::from_str(body).ok();
        let recorded = judge_value(None, v.as_ref().filter(|m| jsonrpc::is_response_to(m, &json!(id))));
        (judge_body(body.as_bytes(), id), recorded)
    }

    #[test]
    fn probe_judges_as_the_recorded_path() {
        for body in [
            r#"{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"3"}]}}"#,
            r#"{"jsonrpc":"2.0","id":7,"result":{"content":[],"isError":true}}"#,
            r#"{"jsonrpc":"2.0","id":7,"result":{"isError":"yes"}}"#,
            r#"{"jsonrpc":"2.0","id":7,"result":null}"#,
            r#"{"jsonrpc":"2.0","id":7,"result":[1,2]}"#,
            r#"{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"bad"}}"#,
            r#"{"jsonrpc":"2.0","id":7,"error":"odd"}"#,
            r#"{"jsonrpc":"2.0","id":7,"error":null}"#,
            r#"{"jsonrpc":"2.0","id":8,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":"7","result":{}}"#,
            r#"{"jsonrpc":"2.0","id":7.0,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":7,"method":"x","result":{}}"#,
            r#"{"jsonrpc":"2.0","id":7}"#,
            r#"{"jsonrpc":"2.0","id":7,"result":{},"result":{"isError":true}}"#,
            "not json",
            "",
        ] {
            let (lean, recorded) = both(body, 7);
            assert_eq!(lean, recorded, "{body}");
        }
    }

    #[test]
    fn batches_and_streams_under_a_json_type_are_read() {
        let batch = r#"[{"jsonrpc":"2.0","id":1,"result":{}},{"jsonrpc":"2.0","id":2,"error":{"code":5}}]"#;
        assert_eq!(judge_body(batch.as_bytes(), 2), Verdict::JsonRpcError(5));
        let sse = "data: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"isError\":true}}\n\n";
        assert_eq!(judge_body(sse.as_bytes(), 3), Verdict::IsError);
    }

    #[test]
    fn events_name_only_the_response_to_the_call() {
        let ev = |data: &str| SseEvent { data: data.into(), ..SseEvent::default() };
        assert_eq!(judge_event(&ev(""), 1), None);
        assert_eq!(judge_event(&ev(r#"{"jsonrpc":"2.0","method":"notifications/progress"}"#), 1), None);
        assert_eq!(judge_event(&ev(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#), 1), Some(Verdict::Success));
    }
}
