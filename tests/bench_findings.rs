//! Findings named by `mcpcheck bench`, each provoked by a server that has
//! the problem: a tiny loopback HTTP server built here, because the
//! problems are in the TCP socket or in capacity, which the reference
//! servers (TCP_NODELAY set, no limits) are built not to have.
//!
//! The server speaks just enough MCP over HTTP/1.1 keep-alive: `initialize`
//! (optionally refused past N sessions), notifications (202), and any other
//! request answered with an empty result (optionally 503 past N calls in
//! flight). Runs are bounded by --requests; the only timing assumption is
//! the one under test (Linux's 40 ms delayed-ACK floor).

use assert_cmd::Command;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

#[derive(Clone, Copy, Default)]
struct Behaviour {
    /// Leave Nagle's algorithm on and write the head and the body apart.
    nagle: bool,
    /// Refuse initialize once this many sessions exist.
    max_sessions: Option<usize>,
    /// Answer 503 while more than this many calls are in flight.
    max_in_flight: Option<usize>,
}

struct State {
    b: Behaviour,
    sessions: AtomicUsize,
    in_flight: AtomicUsize,
}

/// Starts the server on 127.0.0.1:0; it lives as long as the test process.
fn serve(b: Behaviour) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}/mcp", listener.local_addr().expect("addr"));
    let state = Arc::new(State { b, sessions: AtomicUsize::new(0), in_flight: AtomicUsize::new(0) });
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let state = state.clone();
            std::thread::spawn(move || {
                let _ = connection(conn, &state);
            });
        }
    });
    url
}

fn connection(conn: TcpStream, st: &State) -> std::io::Result<()> {
    conn.set_nodelay(!st.b.nagle)?;
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut out = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            if h.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = h.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length.min(1 << 20)];
        reader.read_exact(&mut body)?;
        let msg: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let (status, extra, reply) = answer(&msg, st);
        let text = reply.map(|r| r.to_string()).unwrap_or_default();
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{extra}\r\n",
            text.len()
        );
        // Two writes: with Nagle on, the second waits for the client's ACK.
        out.write_all(head.as_bytes())?;
        out.write_all(text.as_bytes())?;
    }
}

fn answer(msg: &Value, st: &State) -> (&'static str, String, Option<Value>) {
    let Some(id) = msg.get("id").cloned() else { return ("202 Accepted", String::new(), None) };
    let method = msg.get("method").and_then(Value::as_str).unwrap_or("");
    if method == "initialize" {
        let n = st.sessions.fetch_add(1, Ordering::SeqCst);
        if st.b.max_sessions.is_some_and(|max| n >= max) {
            let e = json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32000, "message": "too many sessions"}});
            return ("503 Service Unavailable", String::new(), Some(e));
        }
        let version = msg.pointer("/params/protocolVersion").cloned().unwrap_or(json!("2025-06-18"));
        let result = json!({"protocolVersion": version, "capabilities": {"tools": {}},
                            "serverInfo": {"name": "tiny", "version": "0"}});
        return (
            "200 OK",
            format!("mcp-session-id: s{n}\r\n"),
            Some(json!({"jsonrpc": "2.0", "id": id, "result": result})),
        );
    }
    let now = st.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    // A little work, so that calls of several users overlap.
    std::thread::sleep(Duration::from_millis(if st.b.max_in_flight.is_some() { 5 } else { 0 }));
    st.in_flight.fetch_sub(1, Ordering::SeqCst);
    if st.b.max_in_flight.is_some_and(|max| now > max) {
        let e = json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32000, "message": "busy"}});
        return ("503 Service Unavailable", String::new(), Some(e));
    }
    ("200 OK", String::new(), Some(json!({"jsonrpc": "2.0", "id": id, "result": {"tools": []}})))
}

fn bench_json(url: &str, args: &[&str]) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.json");
    let out = Command::cargo_bin("mcpcheck")
        .expect("binary built")
        .timeout(Duration::from_secs(60))
        .args(["bench", url, "--spec", "2025-06-18", "--quiet", "--json"])
        .arg(&path)
        .args(args)
        .output()
        .expect("runs");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("no JSON ({e}); stderr: {}", String::from_utf8_lossy(&out.stderr)));
    serde_json::from_str(&text).expect("valid JSON")
}

fn ids(j: &Value) -> Vec<String> {
    j["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["id"].as_str().map(String::from))
        .collect()
}

#[test]
fn a_server_without_tcp_nodelay_shows_the_40_ms_floor() {
    let url = serve(Behaviour { nagle: true, ..Default::default() });
    // About 40 ms a call: 2 users × 12 calls take about a quarter second.
    let j = bench_json(&url, &["--users", "2", "--requests", "24"]);
    assert_eq!(j["failures"]["total"], 0, "{j:#}");
    assert_eq!(ids(&j), ["nagle-delayed-ack"], "{j:#}");
    // The same server with TCP_NODELAY set: no finding.
    let url = serve(Behaviour::default());
    let j = bench_json(&url, &["--users", "2", "--requests", "24"]);
    assert!(ids(&j).is_empty(), "{j:#}");
}

#[test]
fn refused_sessions_are_named_a_session_limit() {
    let url = serve(Behaviour { max_sessions: Some(2), ..Default::default() });
    let j = bench_json(&url, &["--users", "4", "--requests", "20"]);
    assert_eq!(j["sessions"], 2, "{j:#}");
    assert!(j["session_failures"].as_u64().is_some_and(|n| n >= 2), "{j:#}");
    assert_eq!(ids(&j), ["session-limit"], "{j:#}");
    assert_eq!(j["findings"][0]["title"], "2 of 4 sessions refused: a limit near 2");
    assert!(j["findings"][0]["detail"].as_str().is_some_and(|d| d.contains("too many sessions")), "{j:#}");
}

#[test]
fn a_sweep_names_where_errors_begin() {
    let url = serve(Behaviour { max_in_flight: Some(1), ..Default::default() });
    let j = bench_json(&url, &["--users", "1,6", "--requests", "60"]);
    assert_eq!(j["kind"], "sweep");
    let steps = j["sweep"].as_array().expect("steps");
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["failures"]["total"], 0, "{j:#}");
    assert!(steps[1]["failures"]["http_status"].as_u64().is_some_and(|n| n > 0), "{j:#}");
    let found = ids(&j);
    assert!(found.contains(&"errors-past-concurrency".to_string()), "{j:#}");
    let f = j["findings"].as_array().and_then(|a| a.iter().find(|f| f["id"] == "errors-past-concurrency"));
    assert_eq!(f.map(|f| f["title"].clone()), Some(json!("errors begin between 1 and 6 users")));
}
