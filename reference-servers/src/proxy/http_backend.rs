//! A Streamable HTTP backend: POSTs whose answers are read as they arrive,
//! and the session's GET stream for what the backend sends on its own.
//!
//! Why by hand and not rmcp's client: this crate builds rmcp without its
//! client features, and the proxy needs very little of a client while having
//! to control exactly which headers go out (the backend's own, from the
//! config, never the frontend client's) and to see every message of an SSE
//! answer before the response (progress, log messages), to relay them.
//!
//! Bounded: every POST has [`TIMEOUT`] and at most [`MAX_BODY`] bytes are
//! read from one answer; an event on the GET stream is at most [`MAX_BODY`]
//! bytes, and the stream is reopened at most once a second.

use std::time::Duration;

use reqwest::{
    StatusCode,
    header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue},
};
use serde_json::Value;

use super::backend::{BackendError, MAX_BODY, TIMEOUT};
use super::relay::Relay;

/// An open HTTP backend session: its id, and the task listening on its GET
/// stream (stopped with the session).
#[derive(Debug)]
pub(super) struct HttpSession {
    pub(super) id: Option<String>,
    pub(super) listener: Option<tokio::task::AbortHandle>,
}

impl Drop for HttpSession {
    fn drop(&mut self) {
        if let Some(l) = &self.listener {
            l.abort();
        }
    }
}

/// An HTTP backend as configured.
#[derive(Debug)]
pub(super) struct HttpBackend {
    url: String,
    /// `url` parsed once: parsing it again for the POST of every forwarded
    /// call was 9% of the proxy's instructions per call (callgrind).
    /// `None` when it does not parse: reqwest then reports that on every
    /// request, as before.
    parsed: Option<reqwest::Url>,
    /// The backend's own headers (its credentials) from the config.
    headers: HeaderMap,
    client: reqwest::Client,
    /// For the GET stream, which stays open: no overall timeout.
    stream_client: reqwest::Client,
}

impl HttpBackend {
    pub(super) fn new(url: String, headers: &[(String, String)]) -> Result<Self, String> {
        let mut map = HeaderMap::new();
        for (n, v) in headers {
            let n = HeaderName::from_bytes(n.as_bytes()).map_err(|e| format!("header {n:?}: {e}"))?;
            let v = HeaderValue::from_str(v).map_err(|e| format!("header {n}: {e}"))?;
            map.insert(n, v);
        }
        let builder = || {
            reqwest::Client::builder()
                .connect_timeout(TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .tcp_nodelay(true)
        };
        let client = builder().timeout(TIMEOUT).build().map_err(|e| e.to_string())?;
        let stream_client = builder().build().map_err(|e| e.to_string())?;
        let parsed = reqwest::Url::parse(&url).ok();
        Ok(Self { url, parsed, headers: map, client, stream_client })
    }

    /// POSTs `msg`; the response headers and the JSON-RPC response to it
    /// (`None` for a notification's 202). Messages of an SSE answer before the
    /// response go to `relay`.
    pub(super) async fn post(
        &self,
        session: Option<&str>,
        version: &str,
        msg: &Value,
        relay: Option<&Relay>,
    ) -> Result<(HeaderMap, Option<Value>), BackendError> {
        let req = match &self.parsed {
            Some(url) => self.client.post(url.clone()),
            None => self.client.post(&self.url),
        };
        let mut req = req
            .headers(self.headers.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(ACCEPT, HeaderValue::from_static("application/json, text/event-stream"))
            .body(msg.to_string());
        if let Some(id) = session {
            req = req.header("mcp-session-id", id).header("mcp-protocol-version", version);
        }
        let mut response = req.send().await.map_err(|e| BackendError::Transport(e.to_string()))?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND && session.is_some() {
            return Err(BackendError::SessionGone);
        }
        let headers = response.headers().clone();
        let id = msg.get("id");
        let is_sse = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/event-stream"));
        if is_sse && status.is_success() {
            let mut events = SseEvents::default();
            let mut total = 0;
            while let Some(chunk) = next_chunk(&mut response).await? {
                total += chunk.len();
                if total > MAX_BODY {
                    return Err(BackendError::Protocol(format!("answer larger than {MAX_BODY} bytes")));
                }
                for data in events.push(&chunk) {
                    let Ok(m) = serde_json::from_str::<Value>(&data) else { continue };
                    if is_response(&m, id) {
                        // The stream may stay open after it; nothing more is needed.
                        return Ok((headers, Some(m)));
                    }
                    if let Some(relay) = relay {
                        relay.forward(&m).await;
                    }
                }
            }
            return match id {
                None => Ok((headers, None)),
                Some(_) => Err(BackendError::Protocol("the stream ended without a response".into())),
            };
        }
        let mut body = Vec::new();
        while let Some(chunk) = next_chunk(&mut response).await? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(BackendError::Protocol(format!("answer larger than {MAX_BODY} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        if status == StatusCode::ACCEPTED {
            return Ok((headers, None));
        }
        if !status.is_success() && body.is_empty() {
            return Err(BackendError::Protocol(format!("HTTP {status}")));
        }
        let answer = serde_json::from_slice::<Value>(&body).ok().filter(|m| is_response(m, id));
        match answer {
            Some(a) => Ok((headers, Some(a))),
            None if id.is_none() => Ok((headers, None)),
            None => Err(BackendError::Protocol(format!("HTTP {status} without a response"))),
        }
    }

    /// Ends session `id` (best effort: the backend forgets it either way).
    pub(super) async fn delete(&self, id: &str) {
        let _ = self
            .client
            .delete(&self.url)
            .headers(self.headers.clone())
            .header("mcp-session-id", id)
            .send()
            .await;
    }

    /// Listens on session `id`'s GET stream until aborted, relaying every
    /// message; reopened when it ends (at most once a second), and given up
    /// on a 4xx answer: the backend offers none (405), has forgotten the
    /// session (404), or refuses it.
    pub(super) fn listen(&self, id: String, version: String, relay: Relay) -> tokio::task::AbortHandle {
        let client = self.stream_client.clone();
        let (url, headers) = (self.url.clone(), self.headers.clone());
        let task = tokio::spawn(async move {
            loop {
                let opened = client
                    .get(&url)
                    .headers(headers.clone())
                    .header("accept", "text/event-stream")
                    .header("mcp-session-id", &id)
                    .header("mcp-protocol-version", &version)
                    .send()
                    .await;
                if let Ok(mut response) = opened {
                    let status = response.status();
                    // 405: no GET stream offered; 404: the session is gone;
                    // any other 4xx will not change by asking again.
                    if status.is_client_error() {
                        return;
                    }
                    let mut events = SseEvents::default();
                    while let Ok(Some(chunk)) = next_chunk(&mut response).await {
                        if events.pending() > MAX_BODY {
                            break;
                        }
                        for data in events.push(&chunk) {
                            if let Ok(m) = serde_json::from_str::<Value>(&data) {
                                relay.forward(&m).await;
                            }
                        }
                    }
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        task.abort_handle()
    }
}

async fn next_chunk(response: &mut reqwest::Response) -> Result<Option<axum::body::Bytes>, BackendError> {
    response.chunk().await.map_err(|e| BackendError::Transport(e.to_string()))
}

/// A JSON-RPC response (result or error) to `id`.
fn is_response(m: &Value, id: Option<&Value>) -> bool {
    id.is_some() && m.get("id") == id && (m.get("result").is_some() || m.get("error").is_some())
}

/// An SSE body read in chunks: complete events' `data` (multi-line data
/// joined by `\n`) as they arrive. Carriage returns are dropped, so CRLF
/// line ends read as LF.
#[derive(Debug, Default)]
struct SseEvents {
    buf: Vec<u8>,
}

impl SseEvents {
    /// Bytes of an event not complete yet.
    fn pending(&self) -> usize {
        self.buf.len()
    }

    fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        self.buf.extend(chunk.iter().copied().filter(|b| *b != b'\r'));
        let mut out = Vec::new();
        while let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = self.buf.drain(..end + 2).collect();
            let text = String::from_utf8_lossy(&event);
            let data: Vec<&str> = text
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(|d| d.strip_prefix(' ').unwrap_or(d))
                .collect();
            if !data.is_empty() {
                out.push(data.join("\n"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::SseEvents;

    #[test]
    fn events_split_across_chunks_are_joined() {
        let mut e = SseEvents::default();
        assert!(e.push(b"id: 1\r\ndata: {\"a\":").is_empty());
        assert_eq!(e.push(b"1}\r\n\r\ndata: x\ndata: y\n\n: comment\n\n"), ["{\"a\":1}", "x\ny"]);
        assert_eq!(e.pending(), 0);
    }
}
