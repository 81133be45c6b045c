//! The bench's own HTTP/1.1 connection (src/wire/h1.rs) against raw TCP
//! servers on 127.0.0.1:0: a hostile answer still ends the call within the
//! timeout or the cap, a kept connection is reused, and one the server
//! closes or leaves mid-stream is replaced on the next call.

use mcpcheck::spec::SpecVersion;
use mcpcheck::wire::http::HttpTarget;
use mcpcheck::wire::lean::Verdict;
use mcpcheck::wire::record::Recorder;
use mcpcheck::wire::session::{Endpoint, Session};
use mcpcheck::wire::{Limits, WireError};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the raw server answers each request on a connection.
#[derive(Clone, Copy)]
enum Answer {
    /// A JSON response with Content-Length; the connection is kept.
    Json,
    /// The same, then the server closes the connection.
    JsonThenClose,
    /// The response as an SSE event, then the stream stays open.
    SseLeftOpen,
    /// The response as an SSE event; the stream's end follows a moment later.
    SseEndLater,
    /// SSE events that never carry the response, without end.
    EndlessEvents,
    /// A JSON body without end.
    EndlessBody,
    /// Reads the request, never answers.
    Silent,
}

struct Server {
    url: String,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

/// The id of the first request in `buf` (the lean path sends `"id":N}` last).
fn request_id(buf: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(buf).ok()?;
    let at = text.rfind("\"id\":")? + 5;
    text[at..].trim_end_matches('}').trim().parse().ok()
}

/// Reads one request (head and Content-Length body) from `sock`.
async fn read_request(sock: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let body = buf[end + 4..end + 4 + len].to_vec();
                buf.drain(..end + 4 + len);
                return Some(body);
            }
        }
        let mut chunk = [0u8; 4096];
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

async fn serve(answer: Answer) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
    let connections = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(AtomicUsize::new(0));
    let (c, r) = (connections.clone(), requests.clone());
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            c.fetch_add(1, Ordering::SeqCst);
            let r = r.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                while let Some(body) = read_request(&mut sock, &mut buf).await {
                    r.fetch_add(1, Ordering::SeqCst);
                    let id = request_id(&body).unwrap_or(0);
                    let msg = format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{"content":[]}}}}"#);
                    let json = |close: &str| {
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{close}\r\n{msg}",
                            msg.len()
                        )
                    };
                    let sse_head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
                    let chunk = |s: &str| format!("{:x}\r\n{s}\r\n", s.len());
                    match answer {
                        Answer::Json => {
                            if sock.write_all(json("").as_bytes()).await.is_err() {
                                return;
                            }
                        }
                        Answer::JsonThenClose => {
                            let _ = sock.write_all(json("Connection: close\r\n").as_bytes()).await;
                            return;
                        }
                        Answer::SseLeftOpen => {
                            let event = chunk(&format!("data: {msg}\n\n"));
                            let _ = sock.write_all(format!("{sse_head}{event}").as_bytes()).await;
                            tokio::time::sleep(Duration::from_secs(60)).await;
                            return;
                        }
                        Answer::SseEndLater => {
                            let event = chunk(&format!("data: {msg}\n\n"));
                            if sock.write_all(format!("{sse_head}{event}").as_bytes()).await.is_err() {
                                return;
                            }
                            tokio::time::sleep(Duration::from_millis(5)).await;
                            if sock.write_all(b"0\r\n\r\n").await.is_err() {
                                return;
                            }
                        }
                        Answer::EndlessEvents => {
                            let _ = sock.write_all(sse_head.as_bytes()).await;
                            let event = chunk("data: {\"jsonrpc\":\"2.0\",\"method\":\"x\"}\n\n");
                            while sock.write_all(event.as_bytes()).await.is_ok() {}
                            return;
                        }
                        Answer::EndlessBody => {
                            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n";
                            let _ = sock.write_all(head.as_bytes()).await;
                            let filler = vec![b'['; 8192];
                            while sock.write_all(&filler).await.is_ok() {}
                            return;
                        }
                        Answer::Silent => {
                            tokio::time::sleep(Duration::from_secs(60)).await;
                            return;
                        }
                    }
                }
            });
        }
    });
    Server { url, connections, requests }
}

fn limits() -> Limits {
    Limits { timeout: Duration::from_millis(1500), max_body_bytes: 1 << 20, max_sse_events: 100 }
}

/// A 2026-07-28 session (no handshake), so every request is the bench's call.
async fn session(url: &str, limits: Limits) -> Session {
    let target = HttpTarget::new(url, vec![("X-Extra".into(), "1".into())], limits).expect("target");
    Session::open(&Endpoint::Http(Arc::new(target)), SpecVersion::V2026_07_28, Recorder::new())
        .await
        .expect("open")
}

async fn calls(s: &Server, n: usize) -> Vec<Result<Verdict, WireError>> {
    let mut sess = session(&s.url, limits()).await;
    let mut call = sess.prepare("tools/call", Some(serde_json::json!({"name": "add", "arguments": {}})));
    let mut out = Vec::new();
    for _ in 0..n {
        // As the driver does between calls, off the clock.
        call.settle().await;
        out.push(sess.send_prepared(&mut call).await);
    }
    out
}

#[tokio::test]
async fn a_kept_connection_carries_every_call() {
    let s = serve(Answer::Json).await;
    let got = calls(&s, 20).await;
    assert!(got.iter().all(|v| matches!(v, Ok(Verdict::Success))), "{got:?}");
    assert_eq!(s.connections.load(Ordering::SeqCst), 1);
    assert_eq!(s.requests.load(Ordering::SeqCst), 20);
}

#[tokio::test]
async fn a_connection_the_server_closes_is_replaced() {
    let s = serve(Answer::JsonThenClose).await;
    let got = calls(&s, 5).await;
    assert!(got.iter().all(|v| matches!(v, Ok(Verdict::Success))), "{got:?}");
    assert_eq!(s.connections.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn a_stream_left_open_after_the_response_ends_the_call_at_the_response() {
    let s = serve(Answer::SseLeftOpen).await;
    let started = Instant::now();
    let got = calls(&s, 3).await;
    assert!(got.iter().all(|v| matches!(v, Ok(Verdict::Success))), "{got:?}");
    // Each call ended at its event, on a new connection each time.
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(s.connections.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn an_sse_answer_ending_after_its_response_keeps_the_connection() {
    let s = serve(Answer::SseEndLater).await;
    let got = calls(&s, 10).await;
    assert!(got.iter().all(|v| matches!(v, Ok(Verdict::Success))), "{got:?}");
    assert_eq!(s.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn endless_events_end_at_the_event_cap() {
    let s = serve(Answer::EndlessEvents).await;
    let got = calls(&s, 2).await;
    assert!(got.iter().all(|v| matches!(v, Err(WireError::TooManyEvents(100)))), "{got:?}");
}

#[tokio::test]
async fn an_endless_body_ends_at_the_size_cap() {
    let s = serve(Answer::EndlessBody).await;
    let got = calls(&s, 2).await;
    assert!(got.iter().all(|v| matches!(v, Err(WireError::TooLarge(_)))), "{got:?}");
}

#[tokio::test]
async fn a_silent_server_ends_the_call_at_the_timeout() {
    let s = serve(Answer::Silent).await;
    let started = Instant::now();
    let got = calls(&s, 2).await;
    assert!(got.iter().all(|v| matches!(v, Err(WireError::Timeout(_)))), "{got:?}");
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(3000) && took < Duration::from_secs(6), "{took:?}");
}

#[tokio::test]
async fn a_slow_endless_stream_ends_at_the_timeout() {
    // Events slower than the cap can catch: only the timeout ends the call.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let _ = read_request(&mut sock, &mut buf).await;
                let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
                let _ = sock.write_all(head.as_bytes()).await;
                loop {
                    if sock.write_all(b"3\r\n:\n\n\r\n").await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            });
        }
    });
    let mut sess = session(&url, limits()).await;
    let mut call = sess.prepare("tools/call", None);
    let started = Instant::now();
    let got = sess.send_prepared(&mut call).await;
    assert!(matches!(got, Err(WireError::Timeout(_))), "{got:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[tokio::test]
async fn nothing_listening_is_a_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
    drop(listener);
    let target = HttpTarget::new(&url, Vec::new(), limits()).expect("target");
    let mut sess =
        Session::connect(&Endpoint::Http(Arc::new(target)), SpecVersion::V2026_07_28, Recorder::new())
            .expect("session");
    let mut call = sess.prepare("tools/call", None);
    let got = sess.send_prepared(&mut call).await;
    assert!(matches!(got, Err(WireError::Connect(_))), "{got:?}");
}

#[tokio::test]
async fn the_call_carries_host_extra_and_envelope() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let url = format!("http://{addr}/mcp?x=1");
    let (tx, rx) = tokio::sync::oneshot::channel::<(String, Vec<u8>)>();
    tokio::spawn(async move {
        if let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut head = String::new();
            let mut chunk = [0u8; 4096];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match sock.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                head = String::from_utf8_lossy(&buf[..end]).into_owned();
                buf.drain(..end + 4);
            }
            let body = read_rest(&mut sock, &head, buf).await;
            let id = request_id(&body).unwrap_or(0);
            let msg = format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{{}}}}"#);
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{msg}",
                msg.len()
            );
            let _ = sock.write_all(resp.as_bytes()).await;
            let _ = tx.send((head, body));
        }
    });
    let mut sess = session(&url, limits()).await;
    let mut call = sess.prepare("tools/call", Some(serde_json::json!({"name": "add", "arguments": {}})));
    let got = sess.send_prepared(&mut call).await;
    assert!(matches!(got, Ok(Verdict::Success)), "{got:?}");
    let (head, body) = rx.await.expect("request seen");
    let lower = head.to_ascii_lowercase();
    assert!(lower.starts_with("post /mcp?x=1 http/1.1"), "{head}");
    assert!(lower.contains(&format!("host: {addr}")), "{head}");
    assert!(lower.contains("x-extra: 1"), "{head}");
    assert!(lower.contains("content-type: application/json"), "{head}");
    assert!(lower.contains("accept: application/json, text/event-stream"), "{head}");
    // 2026-07-28: the envelope in the body and the routing headers.
    assert!(lower.contains("mcp-method: tools/call"), "{head}");
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("io.modelcontextprotocol/protocolVersion"), "{text}");
}

async fn read_rest(sock: &mut TcpStream, head: &str, mut buf: Vec<u8>) -> Vec<u8> {
    let len = head
        .to_ascii_lowercase()
        .lines()
        .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
        .unwrap_or(0);
    let mut chunk = [0u8; 4096];
    while buf.len() < len {
        match sock.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    buf
}
