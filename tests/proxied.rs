//! The proxied server: passes the conformance catalogue in front of two
//! plain servers, namespaces their tools, keeps one backend session per
//! frontend session, and reports a dead backend by name until it is back.

use axum::{body::Body, http::Request, middleware::Next, response::Response};
use mcpcheck::report::model::Status;
use mcpcheck::runner::{self, Plan, RunOptions};
use mcpcheck::spec::SpecVersion;
use mcpcheck::target::{self, TargetSpec};
use mcpcheck::wire::Limits;
use mcpcheck::wire::record::Recorder;
use mcpcheck::wire::session::Session;
use reference_servers::{CancellationToken, HttpOptions, backends_from_config, plain_router, serve_router};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

fn limits() -> Limits {
    Limits { timeout: Duration::from_secs(10), ..Limits::default() }
}

/// What the backends saw.
#[derive(Default)]
struct Seen {
    /// Sessions opened (POSTs without a session id: initialize).
    opened: AtomicUsize,
    /// Requests carrying an Authorization header.
    authorization: AtomicUsize,
    /// Requests carrying the configured X-Backend-Key.
    key: AtomicUsize,
}

/// A plain backend on `listener`, recording what it sees.
async fn backend(listener: TcpListener, seen: Arc<Seen>) -> oneshot::Sender<()> {
    let (tx, rx) = oneshot::channel::<()>();
    let count = move |req: Request<Body>, next: Next| {
        let seen = seen.clone();
        async move {
            if req.method() == "POST" && !req.headers().contains_key("mcp-session-id") {
                seen.opened.fetch_add(1, Ordering::SeqCst);
            }
            if req.headers().contains_key("authorization") {
                seen.authorization.fetch_add(1, Ordering::SeqCst);
            }
            if req.headers().get("x-backend-key").is_some_and(|v| v == "from-config") {
                seen.key.fetch_add(1, Ordering::SeqCst);
            }
            let response: Response = next.run(req).await;
            response
        }
    };
    let cancel = CancellationToken::new();
    let app = plain_router(HttpOptions::default()).layer(axum::middleware::from_fn(count));
    tokio::spawn(serve_router(listener, app, cancel, async move {
        let _ = rx.await;
    }));
    tx
}

struct Setup {
    proxy: String,
    b_addr: SocketAddr,
    seen: Arc<Seen>,
    _stops: Vec<oneshot::Sender<()>>,
    stop_b: Option<oneshot::Sender<()>>,
}

async fn setup() -> Setup {
    let seen = Arc::new(Seen::default());
    let la = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let lb = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (a_addr, b_addr) = (la.local_addr().unwrap(), lb.local_addr().unwrap());
    let stop_a = backend(la, seen.clone()).await;
    let stop_b = backend(lb, seen.clone()).await;
    let config = json!({"mcpServers": {
        "a": {"url": format!("http://{a_addr}/mcp")},
        "b": {"url": format!("http://{b_addr}/mcp"), "headers": {"X-Backend-Key": "from-config"}},
    }});
    let backends = backends_from_config(&config).expect("config");
    let lp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = format!("http://{}/mcp", lp.local_addr().unwrap());
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(reference_servers::serve_proxied_http(lp, backends, "/mcp".into(), async move {
        let _ = rx.await;
    }));
    Setup { proxy, b_addr, seen, _stops: vec![stop_a, tx], stop_b: Some(stop_b) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxied_server_passes_the_catalogue() {
    let s = setup().await;
    let mut problems = Vec::new();
    for version in SpecVersion::ALL {
        let running = target::start(&TargetSpec::Url(s.proxy.clone()), vec![], limits()).await.unwrap();
        let report = runner::run(&running.endpoint, &Plan::forced(&[version]), &RunOptions::default()).await;
        for r in &report.checks {
            if !matches!(r.status, Status::Pass | Status::Skip | Status::Info) {
                problems.push(format!(
                    "proxied on {version}: {} {}: {} (expected {:?}, actual {:?})",
                    r.status, r.id, r.message, r.expected, r.actual
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tools_are_namespaced_sessions_reused_and_a_dead_backend_named() {
    let mut s = setup().await;
    // The frontend's token must not reach a backend.
    let token = vec![("Authorization".to_owned(), "Bearer frontend-secret".to_owned())];
    let running = target::start(&TargetSpec::Url(s.proxy.clone()), token, limits()).await.unwrap();
    let mut session =
        Session::open(&running.endpoint, SpecVersion::V2025_11_25, Recorder::new()).await.unwrap();
    let list = session.request("tools/list", Some(json!({}))).await.unwrap();
    let names: Vec<String> = list
        .result()
        .and_then(|r| r.get("tools"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect();
    assert!(names.contains(&"a_add".to_owned()) && names.contains(&"b_echo".to_owned()), "{names:?}");
    for i in 0..5 {
        let call = session
            .request("tools/call", Some(json!({"name": "a_add", "arguments": {"a": i, "b": 1}})))
            .await;
        let result = call.unwrap().result().cloned().unwrap_or_default();
        assert_eq!(result.pointer("/structuredContent/result"), Some(&json!(i + 1)), "{result}");
    }
    // Prompts, resources and completion are namespaced and forwarded too.
    let prompts = session.request("prompts/list", Some(json!({}))).await.unwrap();
    assert!(prompts.result().is_some_and(|r| r.to_string().contains("\"a_greeting\"")), "{prompts:?}");
    let resources = session.request("resources/list", Some(json!({}))).await.unwrap();
    let uris = resources.result().map(|r| r.to_string()).unwrap_or_default();
    assert!(uris.contains("\"info://a/server\"") && uris.contains("\"note://b/4\""), "{uris}");
    let read = session.request("resources/read", Some(json!({"uri": "note://b/1"}))).await.unwrap();
    let contents = read.result().and_then(|r| r.pointer("/contents/0")).cloned().unwrap_or_default();
    assert_eq!(contents.get("uri"), Some(&json!("note://b/1")), "{contents}");
    assert_eq!(contents.get("text"), Some(&json!("note 1")), "{contents}");
    let complete = json!({"ref": {"type": "ref/prompt", "name": "a_greeting"}, "argument": {"name": "name", "value": "Al"}});
    let completed = session.request("completion/complete", Some(complete)).await.unwrap();
    let values = completed.result().and_then(|r| r.pointer("/completion/values")).cloned();
    assert_eq!(values, Some(json!(["Alan"])), "{completed:?}");

    // One session with each backend for this frontend session, not one per call.
    assert_eq!(s.seen.opened.load(Ordering::SeqCst), 2);
    assert_eq!(s.seen.authorization.load(Ordering::SeqCst), 0, "a token was passed through");
    assert!(s.seen.key.load(Ordering::SeqCst) > 0, "b's configured header was not sent");

    // Backend b dies: its calls are a JSON-RPC error naming it; a keeps working.
    let _ = s.stop_b.take().map(|tx| tx.send(()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let dead =
        session.request("tools/call", Some(json!({"name": "b_echo", "arguments": {"message": "hi"}}))).await;
    let response = dead.unwrap().response().cloned().unwrap_or_default();
    assert_eq!(response.pointer("/error/code"), Some(&json!(-32603)), "{response}");
    let message = response.pointer("/error/message").and_then(Value::as_str).unwrap_or_default();
    assert!(message.contains("backend b"), "{message}");
    let list = session.request("tools/list", Some(json!({}))).await.unwrap();
    assert!(list.result().is_some_and(|r| r.to_string().contains("b_echo")), "b's tools stay listed");

    // b comes back on the same address: the next call reconnects.
    let lb = TcpListener::bind(s.b_addr).await.expect("rebind b");
    s._stops.push(backend(lb, s.seen.clone()).await);
    let back =
        session.request("tools/call", Some(json!({"name": "b_echo", "arguments": {"message": "hi"}}))).await;
    let result = back.unwrap().result().cloned().unwrap_or_default();
    assert_eq!(result.pointer("/content/0/text"), Some(&json!("hi")), "{result}");
}

#[test]
fn configs_it_cannot_serve_are_refused() {
    assert!(backends_from_config(&json!({"servers": {}})).is_err());
    assert!(
        backends_from_config(&json!({"mcpServers": {"a_b": {"url": "http://127.0.0.1:1/mcp"}}})).is_err()
    );
    assert!(backends_from_config(&json!({"mcpServers": {"a": {"command": 5}}})).is_err());
    assert!(backends_from_config(&json!({"mcpServers": {"a": {"command": "s", "args": "x"}}})).is_err());
    assert!(backends_from_config(&json!({"mcpServers": {"a": {"url": "ftp://h/"}}})).is_err());
    assert!(backends_from_config(&json!({"mcpServers": {"a": {"command": "s", "args": ["x"]}}})).is_ok());
}
