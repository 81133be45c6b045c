//! Hostile HTTP/1.1 requests on a TCP connection of their own, for the
//! robustness checks: bytes no HTTP client library would send (a 50 MB
//! body, a 64 KiB header, a body dribbled a byte at a time), written while
//! the answer is read, so a server that answers early and closes is seen
//! answering rather than as a broken pipe.
//!
//! Why not reqwest or hyper: both refuse to send some of these requests,
//! and neither reports "the server closed while we were still writing" as
//! an outcome of its own. The reading side is small: the status line and
//! headers, then at most [`ANSWER_CAP`] bytes of body.
//!
//! Everything is bounded: the whole exchange by the limits' timeout (plus
//! the pacing it asks for), what is read by [`ANSWER_CAP`]. Each exchange is
//! recorded, its body summarised when it is large.

use super::record::{Exchange, Recorder, WireRequest, WireResponse};
use super::{Limits, WireError};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Bytes of an answer read at most.
pub const ANSWER_CAP: usize = 256 * 1024;
/// Request bodies longer than this are recorded as a summary.
const RECORD_CAP: usize = 2048;

/// One hostile request: its head (request line and headers, without the
/// blank line), its body, and how fast to write it.
pub struct RawRequest {
    pub method: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Write the body in pieces of this many bytes with this pause between
    /// them, after the head (a slow client); `None` writes at once.
    pub dribble: Option<(usize, Duration)>,
}

/// What came back.
#[derive(Debug, Clone, Default)]
pub struct RawAnswer {
    /// The status, when a status line arrived.
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The server closed (or reset) the connection before the whole request
    /// was written.
    pub closed_early: bool,
}

impl RawAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// The JSON-RPC messages of the body: one JSON value (or array), or
    /// the `data` of each SSE event (an event stream, or a body that is no
    /// JSON); a chunked body is unframed first.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        let chunked = self.header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        let body = if chunked { unchunk(&self.body) } else { self.body.clone() };
        let sse = self.header("content-type").is_some_and(|v| v.starts_with("text/event-stream"));
        let one = |text: &str| match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Array(all)) => all,
            Ok(v) => vec![v],
            Err(_) => Vec::new(),
        };
        // Whatever the Content-Type says (that is another check's to judge):
        // a body that is no JSON is read as an event stream.
        let json = one(&String::from_utf8_lossy(&body));
        if !sse && !json.is_empty() {
            return json;
        }
        let mut parser = super::sse::SseParser::new();
        parser.feed(&body).iter().flat_map(|e| one(&e.data)).collect()
    }
    pub fn summary(&self) -> String {
        match self.status {
            Some(s) => format!(
                "HTTP {s}{}",
                if self.closed_early { " (closed before the request was sent)" } else { "" }
            ),
            None if self.closed_early => {
                "the connection closed before the request was sent, with no answer".into()
            }
            None => "no answer".into(),
        }
    }
}

/// Sends `req` to the `http://` URL `url` and reads the answer.
pub async fn send(
    url: &str,
    req: RawRequest,
    limits: Limits,
    rec: &Recorder,
) -> Result<RawAnswer, WireError> {
    let u = url::Url::parse(url).map_err(|e| WireError::Http(format!("{url}: {e}")))?;
    if u.scheme() != "http" {
        return Err(WireError::Http("raw requests go to http:// targets only".into()));
    }
    let host = u.host_str().unwrap_or("127.0.0.1").to_string();
    let port = u.port_or_known_default().unwrap_or(80);
    let path = match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    };
    let mut head = format!("{} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n", req.method);
    for (n, v) in &req.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", req.body.len()));
    let pacing =
        req.dribble.map(|(n, pause)| pause * (req.body.len().div_ceil(n.max(1))) as u32).unwrap_or_default();
    let started = Instant::now();
    let bound = limits.timeout + pacing;
    let exchange = async {
        let stream = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| WireError::Connect(format!("{host}:{port}: {e}")))?;
        let (mut rd, mut wr) = stream.into_split();
        let head_bytes = head.clone().into_bytes();
        let body = req.body.clone();
        let dribble = req.dribble;
        let writer = async move {
            wr.write_all(&head_bytes).await?;
            match dribble {
                Some((n, pause)) => {
                    for piece in body.chunks(n.max(1)) {
                        wr.write_all(piece).await?;
                        tokio::time::sleep(pause).await;
                    }
                }
                None => {
                    for piece in body.chunks(64 * 1024) {
                        wr.write_all(piece).await?;
                    }
                }
            }
            wr.flush().await?;
            // Keep the write half open: shutting it would end the request
            // for a server still reading it.
            Ok::<_, std::io::Error>(wr)
        };
        let reader = async move {
            let mut got = Vec::new();
            let mut buf = [0u8; 8192];
            loop {
                match rd.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        got.extend_from_slice(&buf[..n.min(ANSWER_CAP.saturating_sub(got.len()))]);
                        if got.len() >= ANSWER_CAP || complete(&got) {
                            break;
                        }
                    }
                }
            }
            got
        };
        tokio::pin!(writer);
        tokio::pin!(reader);
        // Read while writing: an early answer is an answer.
        let (written, got) = tokio::select! {
            w = &mut writer => (Some(w), reader.await),
            got = &mut reader => (None, got),
        };
        let closed_early = matches!(written, Some(Err(_)));
        Ok::<_, WireError>((got, closed_early))
    };
    let outcome = tokio::time::timeout(bound, exchange).await;
    let request = WireRequest {
        method: req.method.into(),
        url: url.into(),
        headers: req
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), summarise(v.as_bytes())))
            .collect::<BTreeMap<_, _>>(),
        body: summarise(&req.body),
    };
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (got, closed_early) = match outcome {
        Err(_) => {
            rec.push(Exchange {
                transport: "http".into(),
                request,
                response: None,
                error: Some(format!("no complete answer within {bound:?}")),
                duration_ms,
            });
            return Err(WireError::Timeout(bound));
        }
        Ok(Err(e)) => {
            rec.push(Exchange {
                transport: "http".into(),
                request,
                response: None,
                error: Some(e.to_string()),
                duration_ms,
            });
            return Err(e);
        }
        Ok(Ok(v)) => v,
    };
    let answer = parse(&got, closed_early);
    rec.push(Exchange {
        transport: "http".into(),
        request,
        response: answer.status.map(|s| WireResponse {
            status: Some(s),
            headers: answer.headers.iter().cloned().collect(),
            body: String::from_utf8_lossy(&answer.body).into_owned(),
            truncated: got.len() >= ANSWER_CAP,
        }),
        error: answer.status.is_none().then(|| answer.summary()),
        duration_ms,
    });
    Ok(answer)
}

/// Whether `got` holds a whole answer: the head, and the body its
/// Content-Length announces.
fn complete(got: &[u8]) -> bool {
    let Some(end) = find(got, b"\r\n\r\n") else { return false };
    let a = parse(got, false);
    match a.header("content-length").and_then(|v| v.trim().parse::<usize>().ok()) {
        Some(n) => got.len() >= end + 4 + n,
        None => false,
    }
}

/// The body of a chunked transfer coding, as far as it is well framed
/// (what is read is bounded by [`ANSWER_CAP`] already).
fn unchunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = find(rest, b"\r\n") {
        let size = String::from_utf8_lossy(&rest[..eol]);
        let Ok(n) = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16) else { break };
        let start = eol + 2;
        if n == 0 || rest.len() < start + n {
            break;
        }
        out.extend_from_slice(&rest[start..start + n]);
        rest = rest.get(start + n + 2..).unwrap_or_default();
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse(got: &[u8], closed_early: bool) -> RawAnswer {
    let end = find(got, b"\r\n\r\n");
    let head = String::from_utf8_lossy(&got[..end.unwrap_or(got.len())]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .filter(|l| l.starts_with("HTTP/"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok());
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let body = end.map(|e| got[e + 4..].to_vec()).unwrap_or_default();
    RawAnswer { status, headers, body, closed_early }
}

/// A recorded rendering of what was sent: whole when short, else its start
/// and its length.
fn summarise(bytes: &[u8]) -> String {
    if bytes.len() <= RECORD_CAP {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    format!("{}… ({} bytes in all)", String::from_utf8_lossy(&bytes[..256]), bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_complete_once_its_announced_body_is_in() {
        assert!(!complete(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab"));
        assert!(complete(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd"));
        let a = parse(b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/plain\r\n\r\nbig", true);
        assert_eq!(a.status, Some(413));
        assert_eq!(a.header("content-type"), Some("text/plain"));
        assert_eq!(a.body, b"big");
        assert_eq!(parse(b"garbage", false).status, None);
    }

    #[test]
    fn a_chunked_event_stream_gives_its_messages() {
        let a = parse(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n\
              6\r\ndata: \r\na\r\n{\"id\":1}\n\n\r\n0\r\n\r\n",
            false,
        );
        assert_eq!(a.messages(), vec![serde_json::json!({"id": 1})]);
    }
}
