//! The mounted, composed and OpenAPI reference servers: each passes the
//! conformance catalogue on every revision with no failure, and does what
//! its README section promises (REST routes beside MCP, namespacing, a clash
//! refused at start-up, REST operations as tools).

use mcpcheck::report::model::{Report, Status};
use mcpcheck::runner::{self, Revision, RunOptions};
use mcpcheck::spec::SpecVersion;
use mcpcheck::target::{self, TargetSpec};
use mcpcheck::wire::Limits;
use reference_servers::FaultSet;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

fn limits() -> Limits {
    Limits { timeout: Duration::from_secs(10), ..Limits::default() }
}

/// A server running on 127.0.0.1:0 until dropped.
struct Served {
    base: String,
    _stop: oneshot::Sender<()>,
}

async fn serve<F, Fut>(start: F) -> Served
where
    F: FnOnce(TcpListener, oneshot::Receiver<()>) -> Fut,
    Fut: std::future::Future<Output = std::io::Result<()>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel();
    let fut = start(listener, rx);
    tokio::spawn(async move {
        if let Err(e) = fut.await {
            eprintln!("server stopped: {e}");
        }
    });
    Served { base: format!("http://{addr}"), _stop: tx }
}

async fn stopped(rx: oneshot::Receiver<()>) {
    let _ = rx.await;
}

async fn mounted() -> Served {
    serve(|l, rx| reference_servers::serve_mounted_http(l, FaultSet::clean(), stopped(rx))).await
}

async fn run(url: &str, version: SpecVersion) -> Report {
    let running = target::start(&TargetSpec::Url(url.to_owned()), vec![], limits()).await.expect("target");
    runner::run(&running.endpoint, Revision { version, forced: true }, &RunOptions::default()).await
}

/// Every check passes or skips on every revision: no fail, warn or error.
async fn assert_conformant(name: &str, url: &str) {
    let mut problems = Vec::new();
    for version in SpecVersion::ALL {
        let report = run(url, version).await;
        for r in &report.checks {
            if !matches!(r.status, Status::Pass | Status::Skip | Status::Info) {
                problems.push(format!(
                    "{name} on {version}: {} {}: {} (expected {:?}, actual {:?})",
                    r.status, r.id, r.message, r.expected, r.actual
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mounted_server_passes_the_catalogue() {
    let s = mounted().await;
    assert_conformant("mounted", &format!("{}/mcpserver/mcp", s.base)).await;
}

/// Sends `body` (if any) as JSON; answers the status and the parsed body
/// (`null` when empty).
async fn rest(method: reqwest::Method, url: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, url);
    if let Some(body) = body {
        req = req.header("content-type", "application/json").body(body.to_string());
    }
    let response = req.send().await.expect("send");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("JSON body") })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mounted_server_serves_rest_beside_mcp() {
    use reqwest::Method;
    let s = mounted().await;
    assert_eq!(rest(Method::GET, &format!("{}/health", s.base), None).await, (200, json!({"status": "ok"})));
    let items = format!("{}/api/items", s.base);
    let created = rest(Method::POST, &items, Some(json!({"name": "bolt", "quantity": 3}))).await;
    assert_eq!(created, (201, json!({"id": 1, "name": "bolt", "quantity": 3})));
    let replaced = rest(Method::PUT, &format!("{items}/1"), Some(json!({"name": "nut"}))).await;
    assert_eq!(replaced, (200, json!({"id": 1, "name": "nut", "quantity": 0})));
    assert_eq!(
        rest(Method::GET, &items, None).await,
        (200, json!([{"id": 1, "name": "nut", "quantity": 0}]))
    );
    assert_eq!(rest(Method::DELETE, &format!("{items}/1"), None).await.0, 204);
    assert_eq!(rest(Method::GET, &format!("{items}/1"), None).await.0, 404);
    assert_eq!(rest(Method::POST, &items, Some(json!({"name": ""}))).await.0, 422);
    // The MCP endpoint is only at /mcpserver/mcp.
    assert_eq!(rest(Method::POST, &format!("{}/mcp", s.base), Some(json!({}))).await.0, 404);
}
