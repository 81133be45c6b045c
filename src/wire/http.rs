//! Streamable HTTP exchanges: one HTTP request, the whole answer read under the
//! limits (JSON body or SSE stream), decoded into JSON-RPC messages, recorded.

use super::jsonrpc;
use super::record::Exchange;
use super::record::{self, Recorder};
use super::sse::{SseEvent, SseParser};
use super::{Limits, WireError};
use reqwest::Method;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The endpoint and everything sent with every request to it.
#[derive(Debug, Clone)]
pub struct HttpTarget {
    client: reqwest::Client,
    pub url: String,
    /// `--header` values, sent on every request (tokens, gateway keys).
    pub extra_headers: Vec<(String, String)>,
    pub limits: Limits,
}

/// When to stop reading an SSE answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Until {
    /// Read to the end of the body (bounded by the limits).
    End,
    /// Stop once the response to this request id has arrived: a server may keep
    /// the stream open after it, and waiting for the close would only add delay.
    ResponseTo(Value),
    /// Stop after the status line and headers (a GET stream that stays open).
    Headers,
}

#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: Method,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub until: Until,
}

impl HttpRequest {
    pub fn post(body: String, until: Until) -> Self {
        HttpRequest { method: Method::POST, headers: Vec::new(), body: Some(body), until }
    }
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// A read that watches a request's answer while it arrives: every decoded
/// message is also passed to `tap` (so a check can act while the request is
/// in flight, e.g. cancel it), and the read ends at the response, at the end
/// of the stream, or once `window` has passed, which here is no error: a check
/// that expects no response waits this long for one.
#[derive(Debug, Clone)]
pub struct Watch {
    pub tap: mpsc::UnboundedSender<Value>,
    pub window: Duration,
}

/// Everything that came back.
#[derive(Debug, Clone, Default)]
pub struct HttpReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Events, when the answer was `text/event-stream`.
    pub events: Option<Vec<SseEvent>>,
    /// JSON-RPC messages decoded from the body or the events.
    pub messages: Vec<Value>,
    /// Pieces that should have been JSON but were not, with the parse error.
    pub undecodable: Vec<String>,
    pub elapsed: Duration,
    /// The server ended the body (rather than the read stopping at the
    /// response, the head, a watch window or a cap): only then does a
    /// partial event at the end of a stream mean something was lost.
    pub ended: bool,
}

impl HttpReply {
    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// The media type of `Content-Type`, lower-cased, parameters dropped.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type").map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
    }
    pub fn response_to(&self, id: &Value) -> Option<&Value> {
        self.messages.iter().find(|m| jsonrpc::is_response_to(m, id))
    }
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The single message of a plain JSON body, if the body is one JSON value.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl HttpTarget {
    pub fn new(url: &str, extra_headers: Vec<(String, String)>, limits: Limits) -> Result<Self, WireError> {
        let client = reqwest::Client::builder()
            // Raw wire: a redirect is an answer to look at, not to follow.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .tcp_nodelay(true)
            .connect_timeout(limits.timeout)
            .build()
            .map_err(|e| WireError::Http(e.to_string()))?;
        Ok(HttpTarget { client, url: url.to_string(), extra_headers, limits })
    }

    /// The connection pool (one per target, shared by every session made
    /// from it), for the bench's hot path in [`super::lean`] on https.
    pub(super) fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The same target on a connection pool of its own, for checks that must
    /// reach the server over a fresh connection.
    pub fn fresh(&self) -> Result<HttpTarget, WireError> {
        HttpTarget::new(&self.url, self.extra_headers.clone(), self.limits)
    }

    /// Sends one request and reads the whole answer; records the exchange.
    pub async fn send(&self, req: HttpRequest, rec: &Recorder) -> Result<HttpReply, WireError> {
        self.send_inner(req, rec, None, self.limits.timeout).await
    }

    /// [`Self::send`] with a bound of its own instead of the limits' timeout
    /// (a tool call, which may take longer than a protocol exchange).
    pub async fn send_within(
        &self,
        req: HttpRequest,
        timeout: Duration,
        rec: &Recorder,
    ) -> Result<HttpReply, WireError> {
        self.send_inner(req, rec, None, timeout).await
    }

    /// Sends one request and reads its answer under `watch` (bounded by the
    /// limits' timeout too); records the exchange.
    pub async fn send_watched(
        &self,
        req: HttpRequest,
        watch: Watch,
        rec: &Recorder,
    ) -> Result<HttpReply, WireError> {
        self.send_inner(req, rec, Some(&watch), self.limits.timeout).await
    }

    async fn send_inner(
        &self,
        req: HttpRequest,
        rec: &Recorder,
        watch: Option<&Watch>,
        timeout: Duration,
    ) -> Result<HttpReply, WireError> {
        let started = Instant::now();
        let mut sent_headers: Vec<(String, String)> = Vec::new();
        if req.method == Method::POST {
            sent_headers.push(("Content-Type".into(), "application/json".into()));
        }
        sent_headers.push(("Accept".into(), "application/json, text/event-stream".into()));
        // Per-request headers replace defaults of the same name (a check may
        // deliberately send a wrong Accept or Content-Type).
        for (n, v) in self.extra_headers.iter().chain(req.headers.iter()) {
            sent_headers.retain(|(old, _)| !old.eq_ignore_ascii_case(n));
            sent_headers.push((n.clone(), v.clone()));
        }
        let mut reply = HttpReply::default();
        let limit = watch.map_or(timeout, |w| w.window.min(timeout));
        let tap = watch.map(|w| &w.tap);
        let result = tokio::time::timeout(limit, self.exchange(&req, &sent_headers, &mut reply, tap))
            .await
            .unwrap_or(if watch.is_some() { Ok(()) } else { Err(WireError::Timeout(limit)) });
        reply.elapsed = started.elapsed();
        rec.push(Exchange {
            transport: "http".into(),
            request: record::request(
                req.method.as_str(),
                &self.url,
                record::headers(sent_headers.iter().map(|(n, v)| (n.as_str(), v.clone()))),
                req.body.as_deref().unwrap_or(""),
            ),
            response: (reply.status != 0).then(|| {
                record::response(
                    Some(reply.status),
                    record::headers(reply.headers.iter().map(|(n, v)| (n.as_str(), v.clone()))),
                    &reply.body,
                )
            }),
            error: result.as_ref().err().map(|e| e.to_string()),
            duration_ms: reply.elapsed.as_secs_f64() * 1000.0,
        });
        result.map(|()| reply)
    }

    async fn exchange(
        &self,
        req: &HttpRequest,
        headers: &[(String, String)],
        reply: &mut HttpReply,
        tap: Option<&mpsc::UnboundedSender<Value>>,
    ) -> Result<(), WireError> {
        let mut builder = self.client.request(req.method.clone(), &self.url);
        for (n, v) in headers {
            let value = reqwest::header::HeaderValue::from_bytes(v.as_bytes())
                .map_err(|e| WireError::Http(format!("header {n}: {e}")))?;
            builder = builder.header(n.as_str(), value);
        }
        if let Some(body) = &req.body {
            builder = builder.body(body.clone());
        }
        let mut resp = builder.send().await.map_err(classify)?;
        reply.status = resp.status().as_u16();
        reply.headers = resp
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        if req.until == Until::Headers {
            return Ok(());
        }
        let is_sse = reply.media_type().as_deref() == Some("text/event-stream");
        let mut parser = SseParser::new();
        // Events go straight into the reply, so that a read cut short by a
        // watch window keeps the ones that arrived.
        if is_sse {
            reply.events = Some(Vec::new());
        }
        loop {
            let Some(chunk) = resp.chunk().await.map_err(classify)? else {
                reply.ended = true;
                break;
            };
            if reply.body.len() + chunk.len() > self.limits.max_body_bytes {
                return Err(WireError::TooLarge(self.limits.max_body_bytes));
            }
            reply.body.extend_from_slice(&chunk);
            if !is_sse {
                continue;
            }
            for ev in parser.feed(&chunk) {
                let before = reply.messages.len();
                decode_event(&ev, reply);
                if let Some(tap) = tap {
                    for m in &reply.messages[before..] {
                        // The watcher may have stopped listening; that is fine.
                        let _ = tap.send(m.clone());
                    }
                }
                let events = reply.events.get_or_insert_with(Vec::new);
                events.push(ev);
                if events.len() > self.limits.max_sse_events {
                    return Err(WireError::TooManyEvents(self.limits.max_sse_events));
                }
            }
            if let Until::ResponseTo(id) = &req.until
                && reply.response_to(id).is_some()
            {
                break;
            }
        }
        if !is_sse && !reply.body.is_empty() {
            match serde_json::from_slice::<Value>(&reply.body) {
                Ok(Value::Array(items)) => reply.messages.extend(items),
                Ok(v) => reply.messages.push(v),
                // An event stream under the wrong media type: read it anyway, so
                // the check about media types can fail while others still run.
                Err(_) if looks_like_sse(&reply.body) => {
                    let mut parser = SseParser::new();
                    let events = parser.feed(&reply.body);
                    // The same cap as on a stream read as one.
                    if events.len() > self.limits.max_sse_events {
                        return Err(WireError::TooManyEvents(self.limits.max_sse_events));
                    }
                    for ev in &events {
                        decode_event(ev, reply);
                    }
                    reply.events = Some(events);
                }
                // Not JSON: fine for error pages, recorded for checks that care.
                Err(e) => reply.undecodable.push(format!("body: {e}")),
            }
        }
        Ok(())
    }
}

pub(super) fn looks_like_sse(body: &[u8]) -> bool {
    [&b"data:"[..], b"event:", b"id:", b"retry:", b":"].iter().any(|p| body.starts_with(p))
}

fn decode_event(ev: &SseEvent, reply: &mut HttpReply) {
    if ev.data.is_empty() {
        return; // priming or keep-alive event
    }
    match serde_json::from_str::<Value>(&ev.data) {
        Ok(v) => reply.messages.push(v),
        Err(e) => reply.undecodable.push(format!("SSE event data {}: {e}", jsonrpc::clip(&ev.data, 80))),
    }
}

pub(super) fn classify(e: reqwest::Error) -> WireError {
    if e.is_connect() {
        // The innermost source names the real cause ("Connection refused").
        let mut cause: &dyn std::error::Error = &e;
        while let Some(next) = cause.source() {
            cause = next;
        }
        WireError::Connect(cause.to_string())
    } else if e.is_timeout() {
        WireError::Timeout(Duration::ZERO)
    } else if e.is_body() || e.is_decode() {
        WireError::Closed
    } else {
        WireError::Http(e.to_string())
    }
}
