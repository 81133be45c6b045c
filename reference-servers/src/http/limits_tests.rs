//! Each bound of [`super::Limits`] over loopback: the plain server on
//! 127.0.0.1:0 with that one bound made small, pushed just past it, and
//! answered as the module docs promise, while another client is still
//! served. Loops are bounded and everything waits under a tokio timeout, so
//! a broken bound fails a test instead of hanging the suite; no test asserts
//! how fast anything is, only that it happens within a generous deadline.

use std::{net::SocketAddr, time::Duration};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::timeout,
};

use super::{HttpOptions, Limits, serve_plain_http};

/// The most any single step may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(5);
const VERSION: &str = "2025-11-25";

/// The plain server within `limits`, running until the test's runtime ends.
async fn start(limits: Limits) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let opts = HttpOptions { limits, ..HttpOptions::default() };
    tokio::spawn(serve_plain_http(listener, opts, std::future::pending()));
    addr
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(DEADLINE).build().expect("client")
}

fn url(addr: SocketAddr) -> String {
    format!("http://{addr}/mcp")
}

/// POSTs `body` as JSON, in session `session` if given.
async fn post(addr: SocketAddr, session: Option<&str>, body: impl Into<reqwest::Body>) -> reqwest::Response {
    let mut req = client()
        .post(url(addr))
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", VERSION)
        .body(body);
    if let Some(id) = session {
        req = req.header("mcp-session-id", id);
    }
    req.send().await.expect("the server answers")
}

fn initialize_body() -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": VERSION, "capabilities": {}, "clientInfo": {"name": "limits", "version": "0"}}})
    .to_string()
}

/// Initializes a session; its id, or the refusal.
async fn initialize(addr: SocketAddr) -> Result<String, reqwest::Response> {
    let resp = post(addr, None, initialize_body()).await;
    let id = resp.headers().get("mcp-session-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
    match (resp.status(), id) {
        (StatusCode::OK, Some(id)) => {
            let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
            let ack = post(addr, Some(&id), initialized.to_string()).await;
            assert_eq!(ack.status(), StatusCode::ACCEPTED);
            Ok(id)
        }
        _ => Err(resp),
    }
}

async fn ping(addr: SocketAddr, session: &str) -> StatusCode {
    post(addr, Some(session), json!({"jsonrpc": "2.0", "id": 9, "method": "ping"}).to_string()).await.status()
}

/// The JSON-RPC error of a refusal: its code and message.
async fn jsonrpc_error(resp: reqwest::Response) -> (i64, String) {
    let bytes = resp.bytes().await.expect("a body");
    let body: Value = serde_json::from_slice(&bytes).expect("a JSON body");
    let code = body.pointer("/error/code").and_then(Value::as_i64).expect("an error code");
    let message = body.pointer("/error/message").and_then(Value::as_str).expect("a message");
    (code, message.to_owned())
}

/// Writes `bytes` on a fresh connection and reads until the server closes
/// it or `DEADLINE`; what it answered.
async fn raw(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    // The server may answer (and close) before taking all of an oversized head.
    let _ = timeout(DEADLINE, tcp.write_all(bytes)).await;
    let mut answer = Vec::new();
    let _ = timeout(DEADLINE, tcp.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// Whether the server closes `tcp` within `DEADLINE` (reads end, or fail).
async fn closed_by_server(tcp: &mut TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    let read = async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    timeout(DEADLINE, read).await.is_ok()
}

fn head(addr: SocketAddr, extra: &str, content_length: usize) -> String {
    format!(
        "POST /mcp HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         accept: application/json, text/event-stream\r\ncontent-length: {content_length}\r\n{extra}\r\n"
    )
}

#[tokio::test]
async fn bodies_past_the_cap_are_413_declared_or_streamed() {
    let limits = Limits { max_body: 64 * 1024, ..Limits::default() };
    let addr = start(limits).await;
    let over = vec![b' '; 64 * 1024 + 1];
    // Declared: refused from Content-Length, before the body is read.
    assert_eq!(post(addr, None, over.clone()).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Chunked, so no length to go by: refused once the cap is crossed.
    let chunks = over.chunks(8 * 1024).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect::<Vec<_>>();
    let streamed = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    assert_eq!(post(addr, None, streamed).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // At the cap exactly: read and answered (an initialize padded with spaces).
    let mut padded = initialize_body().into_bytes();
    padded.resize(64 * 1024, b' ');
    assert_eq!(post(addr, None, padded).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn deep_nesting_is_a_parse_error_not_a_crash() {
    let addr = start(Limits::default()).await;
    let brackets = "[".repeat(100_000);
    let inside = format!(r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"x":{brackets}}}}}"#);
    let objects = r#"{"a":"#.repeat(100_000);
    for body in [brackets.clone(), inside, objects] {
        let resp = timeout(DEADLINE, post(addr, None, body)).await.expect("answered in time");
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        assert_eq!(jsonrpc_error(resp).await.0, -32700);
    }
    // Still up, and still serving.
    assert!(initialize(addr).await.is_ok());
}

#[tokio::test]
async fn oversized_or_too_many_headers_are_431() {
    let limits = Limits { max_header_bytes: 8 * 1024, max_headers: 20, ..Limits::default() };
    let addr = start(limits).await;
    let big = head(addr, &format!("x-pad: {}\r\n", "a".repeat(16 * 1024)), 0);
    assert!(raw(addr, big.as_bytes()).await.starts_with("HTTP/1.1 431"), "a 16 KiB header");
    let many: String = (0..30).map(|i| format!("x-h{i}: v\r\n")).collect();
    assert!(raw(addr, head(addr, &many, 0).as_bytes()).await.starts_with("HTTP/1.1 431"), "30 headers");
    // Within both: served.
    let body = initialize_body();
    let fine = head(addr, "connection: close\r\n", body.len()) + &body;
    assert!(raw(addr, fine.as_bytes()).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn slowloris_connections_are_closed_and_starve_no_one() {
    let limits = Limits { header_read_timeout: Duration::from_millis(300), ..Limits::default() };
    let addr = start(limits).await;
    // One connection that never sends, one that dribbles a head a byte at a
    // time (never finishing it), and, meanwhile, an ordinary client.
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    let mut dribbler = TcpStream::connect(addr).await.expect("connect");
    let partial = head(addr, "", 0);
    let partial = &partial.as_bytes()[..partial.len() - 2];
    let (mut reader, mut writer) = dribbler.split();
    let dribble = async {
        for byte in partial {
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let watch = async {
        let mut buf = [0u8; 256];
        timeout(DEADLINE, async { while !matches!(reader.read(&mut buf).await, Ok(0) | Err(_)) {} })
            .await
            .is_ok()
    };
    let (session, (dribbler_closed, ())) =
        tokio::join!(initialize(addr), async { tokio::join!(watch, dribble) });
    assert!(session.is_ok(), "an ordinary client is served meanwhile");
    assert!(dribbler_closed, "the dribbling connection is closed");
    assert!(closed_by_server(&mut silent).await, "the silent connection is closed");
}

#[tokio::test]
async fn an_sse_stream_outlives_the_header_read_timeout() {
    let limits = Limits { header_read_timeout: Duration::from_millis(200), ..Limits::default() };
    let addr = start(limits).await;
    let session = initialize(addr).await.expect("a session");
    let mut stream = client()
        .get(url(addr))
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", VERSION)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("the GET stream opens");
    assert_eq!(stream.status(), StatusCode::OK);
    // For 3× the header timeout the stream stays open (events or silence).
    let until = tokio::time::Instant::now() + Duration::from_millis(600);
    while let Ok(chunk) = tokio::time::timeout_at(until, stream.chunk()).await {
        assert!(matches!(chunk, Ok(Some(_))), "the stream ended early: {chunk:?}");
    }
}

#[tokio::test]
async fn a_body_dribbled_past_the_request_timeout_is_408() {
    let limits = Limits { request_timeout: Duration::from_millis(300), ..Limits::default() };
    let addr = start(limits).await;
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    // Promise 100 bytes, send 1.
    let start = head(addr, "", 100) + "{";
    tcp.write_all(start.as_bytes()).await.expect("write");
    let mut answer = vec![0u8; 512];
    let n = timeout(DEADLINE, tcp.read(&mut answer)).await.expect("answered in time").expect("read");
    assert!(String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 408"));
}

#[tokio::test]
async fn requests_past_the_in_flight_cap_are_503_at_once() {
    let limits = Limits { max_in_flight: 2, ..Limits::default() };
    let addr = start(limits).await;
    // Two requests held in flight: their heads are in, their bodies never come.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut tcp = TcpStream::connect(addr).await.expect("connect");
        tcp.write_all(head(addr, "", 100).as_bytes()).await.expect("write");
        held.push(tcp);
    }
    // The server takes them in an order of its own: poll until it has both.
    let mut refused = None;
    for _ in 0..50 {
        let resp = post(addr, None, initialize_body()).await;
        if resp.status() == StatusCode::SERVICE_UNAVAILABLE {
            refused = Some(resp);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (code, message) = jsonrpc_error(refused.expect("a 503 past the cap")).await;
    assert_eq!(code, super::limits::BUSY_CODE);
    assert!(message.contains("2 requests in flight"), "{message}");
    // Once they go, the places are free again.
    drop(held);
    let mut served = false;
    for _ in 0..50 {
        if post(addr, None, initialize_body()).await.status() == StatusCode::OK {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(served, "served once the held requests are gone");
}

#[tokio::test]
async fn sessions_past_the_cap_are_503_until_one_ends() {
    let limits = Limits { max_sessions: 2, ..Limits::default() };
    let addr = start(limits).await;
    let first = initialize(addr).await.expect("first session");
    initialize(addr).await.expect("second session");
    let refused = initialize(addr).await.expect_err("a third is refused");
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let (code, message) = jsonrpc_error(refused).await;
    assert_eq!(code, super::limits::BUSY_CODE);
    assert!(message.contains("2 live sessions"), "{message}");
    // The live ones are still served; ending one frees its place.
    assert_eq!(ping(addr, &first).await, StatusCode::OK);
    let ended = client().delete(url(addr)).header("mcp-session-id", &first).send().await.expect("DELETE");
    assert!(ended.status().is_success());
    assert!(initialize(addr).await.is_ok(), "a place was freed");
}

#[tokio::test]
async fn idle_sessions_expire_and_free_their_place() {
    let limits = Limits { max_sessions: 1, session_idle: Duration::from_millis(300), ..Limits::default() };
    let addr = start(limits).await;
    let idle = initialize(addr).await.expect("a session");
    assert!(initialize(addr).await.is_err(), "full");
    // Bounded wait for the idle session to be dropped. A ping is a message
    // and restarts its idle time, so each look waits longer than that.
    let mut expired = false;
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        if ping(addr, &idle).await == StatusCode::NOT_FOUND {
            expired = true;
            break;
        }
    }
    assert!(expired, "the idle session is dropped");
    assert!(initialize(addr).await.is_ok(), "its place is free");
}

#[test]
fn the_defaults_are_the_documented_ones() {
    let d = Limits::default();
    assert_eq!(d.max_body, 4 * 1024 * 1024);
    assert_eq!(d.header_read_timeout, Duration::from_secs(10));
    assert_eq!(d.request_timeout, Duration::from_secs(60));
    assert_eq!(d.max_in_flight, 1024);
    assert_eq!(d.max_sessions, 10_000);
    assert_eq!(d.session_idle, Duration::from_secs(300));
    assert_eq!(HttpOptions::default().limits, d);
}
