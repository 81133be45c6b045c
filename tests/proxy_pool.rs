//! What one frontend `tools/call` costs at the backend, once the proxy is
//! warm: exactly one backend request, on the stateless revision (2026-07-28,
//! where every frontend request gets its own handler) as on a handshake
//! revision; and over stdio, one process for many stateless calls, not one
//! per call (issue #7: one backend session per frontend session, or a pool).

mod common;
use axum::{body::Body, http::Request, middleware::Next, response::Response};
use common::proxy;
use mcpcheck::spec::SpecVersion;
use mcpcheck::target::{self, TargetSpec};
use mcpcheck::wire::Limits;
use mcpcheck::wire::record::Recorder;
use mcpcheck::wire::session::Session;
use reference_servers::proxy::POOL_SIZE;
use reference_servers::{CancellationToken, HttpOptions, plain_router, serve_router};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Calls measured after the warm-up.
const CALLS: usize = 10;

fn limits() -> Limits {
    Limits { timeout: Duration::from_secs(10), ..Limits::default() }
}

/// A plain backend counting every HTTP request it gets (POST, GET, DELETE).
async fn counting_backend(requests: Arc<AtomicUsize>, stops: &mut Vec<oneshot::Sender<()>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_counting(listener, requests, stops).await
}

/// The same on `listener`; its URL.
async fn serve_counting(
    listener: TcpListener,
    requests: Arc<AtomicUsize>,
    stops: &mut Vec<oneshot::Sender<()>>,
) -> String {
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let count = move |req: Request<Body>, next: Next| {
        let requests = requests.clone();
        async move {
            requests.fetch_add(1, Ordering::SeqCst);
            let response: Response = next.run(req).await;
            response
        }
    };
    let app = plain_router(HttpOptions::default()).layer(axum::middleware::from_fn(count));
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(serve_router(listener, app, CancellationToken::new(), async move {
        let _ = rx.await;
    }));
    stops.push(tx);
    url
}

async fn frontend(url: &str, version: SpecVersion) -> Session {
    let running = target::start(&TargetSpec::Url(url.to_owned()), vec![], limits()).await.unwrap();
    Session::open(&running.endpoint, version, Recorder::new()).await.unwrap()
}

async fn echo(session: &mut Session, tool: &str, i: usize) {
    let call = json!({"name": tool, "arguments": {"message": format!("hi {i}")}});
    let answer = session.request("tools/call", Some(call)).await.unwrap();
    let text = answer.result().and_then(|r| r.pointer("/content/0/text")).cloned();
    assert_eq!(text, Some(json!(format!("hi {i}"))), "{:?}", answer.response());
}

/// Backend requests per frontend call on `version`, after one warm-up call.
async fn per_call(version: SpecVersion) -> f64 {
    let requests = Arc::new(AtomicUsize::new(0));
    let mut stops = Vec::new();
    let backend = counting_backend(requests.clone(), &mut stops).await;
    let url = proxy(json!({"mcpServers": {"a": {"url": backend}}}), &mut stops).await;
    let mut session = frontend(&url, version).await;
    echo(&mut session, "a_echo", 0).await;
    // Let a backend session's GET stream (if any) settle before counting.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = requests.load(Ordering::SeqCst);
    for i in 1..=CALLS {
        echo(&mut session, "a_echo", i).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let spent = requests.load(Ordering::SeqCst) - before;
    spent as f64 / CALLS as f64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stateless_call_costs_one_backend_request() {
    let cost = per_call(SpecVersion::V2026_07_28).await;
    eprintln!("2026-07-28: {cost} backend requests per tools/call");
    assert_eq!(cost, 1.0, "backend requests per frontend tools/call on 2026-07-28");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handshake_call_costs_one_backend_request() {
    let cost = per_call(SpecVersion::V2025_11_25).await;
    eprintln!("2025-11-25: {cost} backend requests per tools/call");
    assert_eq!(cost, 1.0, "backend requests per frontend tools/call on 2025-11-25");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stateless_calls_to_a_stdio_backend_share_a_process() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pids = dir.path().join("pids");
    let bin = assert_cmd::cargo::cargo_bin("mcpcheck").display().to_string();
    // Each process the proxy starts appends its pid.
    let script = format!("echo $$ >> '{}'; exec '{bin}' serve plain --stdio", pids.display());
    let mut stops = Vec::new();
    let url =
        proxy(json!({"mcpServers": {"s": {"command": "sh", "args": ["-c", script]}}}), &mut stops).await;
    let mut session = frontend(&url, SpecVersion::V2026_07_28).await;
    for i in 0..=CALLS {
        echo(&mut session, "s_echo", i).await;
    }
    let started = std::fs::read_to_string(&pids).expect("pids").lines().count();
    eprintln!("2026-07-28 over stdio: {started} processes for {} calls", CALLS + 1);
    assert_eq!(started, 1, "processes started for {} stateless calls", CALLS + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_stateless_calls_stay_within_the_pool_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pids = dir.path().join("pids");
    let bin = assert_cmd::cargo::cargo_bin("mcpcheck").display().to_string();
    let script = format!("echo $$ >> '{}'; exec '{bin}' serve plain --stdio", pids.display());
    let mut stops = Vec::new();
    let url =
        proxy(json!({"mcpServers": {"s": {"command": "sh", "args": ["-c", script]}}}), &mut stops).await;
    let clients = 3 * POOL_SIZE;
    let mut sessions = Vec::new();
    for _ in 0..clients {
        sessions.push(frontend(&url, SpecVersion::V2026_07_28).await);
    }
    // Every client calls at once, twice over.
    for round in 0..2 {
        let calls = sessions.iter_mut().enumerate().map(|(i, s)| echo(s, "s_echo", round * clients + i));
        futures::future::join_all(calls).await;
    }
    let started = std::fs::read_to_string(&pids).expect("pids").lines().count();
    eprintln!("{clients} concurrent stateless clients: {started} processes");
    assert!((1..=POOL_SIZE).contains(&started), "{started} processes, bound {POOL_SIZE}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pooled_backend_that_dies_is_named_then_reconnected() {
    let requests = Arc::new(AtomicUsize::new(0));
    let mut stops = Vec::new();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut backend_stops = Vec::new();
    let backend = serve_counting(listener, requests.clone(), &mut backend_stops).await;
    let url = proxy(json!({"mcpServers": {"a": {"url": backend}}}), &mut stops).await;
    let mut session = frontend(&url, SpecVersion::V2026_07_28).await;
    echo(&mut session, "a_echo", 0).await;

    // The backend dies: the call is a JSON-RPC error naming it.
    let _ = backend_stops.pop().map(|tx| tx.send(()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let call = json!({"name": "a_echo", "arguments": {"message": "hi"}});
    let dead = session.request("tools/call", Some(call)).await.unwrap();
    let response = dead.response().cloned().unwrap_or_default();
    assert_eq!(response.pointer("/error/code"), Some(&json!(-32603)), "{response}");
    let message = response.pointer("/error/message").and_then(Value::as_str).unwrap_or_default();
    assert!(message.contains("backend a"), "{message}");

    // It comes back on the same address (knowing no session): the pool opens a new one.
    let listener = TcpListener::bind(addr).await.expect("rebind");
    serve_counting(listener, requests, &mut stops).await;
    echo(&mut session, "a_echo", 1).await;
    echo(&mut session, "a_echo", 2).await;
}
