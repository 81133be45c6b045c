//! The mounted, composed and OpenAPI reference servers: each passes the
//! conformance catalogue on every revision with no failure, and does what
//! its README section promises (REST routes beside MCP, namespacing, a clash
//! refused at start-up, REST operations as tools).

use mcpcheck::report::model::{Report, Status};
use mcpcheck::runner::{self, Plan, RunOptions};
use mcpcheck::spec::SpecVersion;
use mcpcheck::target::{self, TargetSpec};
use mcpcheck::wire::Limits;
use mcpcheck::wire::record::Recorder;
use mcpcheck::wire::session::Session;
use reference_servers::composed::{Arithmetic, ComposeError, Composed};
use reference_servers::{FaultSet, OpenApiServer};
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
    runner::run(&running.endpoint, &Plan::forced(&[version]), &RunOptions::default()).await
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

async fn composed(server: Composed) -> Served {
    serve(|l, rx| reference_servers::serve_composed_http(l, server, "/mcp".into(), stopped(rx))).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn composed_server_passes_the_catalogue() {
    let s = composed(Composed::example().expect("composes")).await;
    assert_conformant("composed", &format!("{}/mcp", s.base)).await;
}

/// A session on `url` at 2025-11-25 and its answer to `method`.
async fn ask(url: &str, method: &str, params: Value) -> Value {
    let running = target::start(&TargetSpec::Url(url.to_owned()), vec![], limits()).await.expect("target");
    let mut session =
        Session::open(&running.endpoint, SpecVersion::V2025_11_25, Recorder::new()).await.expect("session");
    let answered = session.request(method, Some(params)).await.expect("answer");
    answered.response().cloned().unwrap_or(Value::Null)
}

fn names(list: &Value, key: &str, field: &str) -> Vec<String> {
    let items =
        list.pointer(&format!("/result/{key}")).and_then(Value::as_array).cloned().unwrap_or_default();
    items.iter().filter_map(|i| i.get(field).and_then(Value::as_str).map(str::to_owned)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn composition_namespaces_names_and_uris_and_nests() {
    let inner = Composed::builder("inner")
        .mount("add", Arithmetic::add())
        .mount("subtract", Arithmetic::subtract())
        .build()
        .expect("inner composes");
    let outer = Composed::builder("outer")
        .mount("math", inner)
        .mount("plus", Arithmetic::add())
        .build()
        .expect("outer composes");
    let s = composed(outer).await;
    let url = format!("{}/mcp", s.base);
    let tools = ask(&url, "tools/list", json!({})).await;
    assert_eq!(names(&tools, "tools", "name"), ["math_add_add", "math_subtract_subtract", "plus_add"]);
    let prompts = ask(&url, "prompts/list", json!({})).await;
    assert_eq!(
        names(&prompts, "prompts", "name"),
        ["math_add_explain", "math_subtract_explain", "plus_explain"]
    );
    let resources = ask(&url, "resources/list", json!({})).await;
    assert_eq!(
        names(&resources, "resources", "uri"),
        ["calc://math/add/about", "calc://math/subtract/about", "calc://plus/about"]
    );
    let templates = ask(&url, "resources/templates/list", json!({})).await;
    assert_eq!(names(&templates, "resourceTemplates", "uriTemplate")[0], "calc://math/add/result/{a}/{b}");

    let call =
        ask(&url, "tools/call", json!({"name": "math_subtract_subtract", "arguments": {"a": 5, "b": 7}}))
            .await;
    assert_eq!(call.pointer("/result/structuredContent"), Some(&json!({"result": -2})), "{call}");
    let call = ask(&url, "tools/call", json!({"name": "plus_add", "arguments": {"a": 5, "b": 7}})).await;
    assert_eq!(call.pointer("/result/structuredContent"), Some(&json!({"result": 12})), "{call}");
    // The un-namespaced name is not offered.
    let call = ask(&url, "tools/call", json!({"name": "add", "arguments": {"a": 1, "b": 2}})).await;
    assert_eq!(call.pointer("/error/code"), Some(&json!(-32602)), "{call}");

    let read = ask(&url, "resources/read", json!({"uri": "calc://math/subtract/result/10/4"})).await;
    assert_eq!(read.pointer("/result/contents/0/text"), Some(&json!("6")), "{read}");
    assert_eq!(read.pointer("/result/contents/0/uri"), Some(&json!("calc://math/subtract/result/10/4")));
    let read = ask(&url, "resources/read", json!({"uri": "calc://nowhere/about"})).await;
    assert!(read.get("error").is_some(), "{read}");

    let prompt = ask(&url, "prompts/get", json!({"name": "plus_explain"})).await;
    let text = prompt.pointer("/result/messages/0/content/text").and_then(Value::as_str).unwrap_or_default();
    assert!(text.contains("add two integers"), "{prompt}");
}

#[test]
fn a_clash_is_an_error_at_start_up() {
    // `a` + (`b` + tool `add`) and `a_b` + tool `add` both offer `a_b_add`.
    let inner = Composed::builder("inner").mount("b", Arithmetic::add()).build().expect("composes");
    let err = Composed::builder("outer").mount("a", inner).mount("a_b", Arithmetic::add()).build().err();
    assert_eq!(
        err,
        Some(ComposeError::Clash {
            kind: "tool",
            name: "a_b_add".into(),
            first: "a".into(),
            second: "a_b".into()
        })
    );
    let twice =
        Composed::builder("c").mount("n", Arithmetic::add()).mount("n", Arithmetic::subtract()).build();
    assert_eq!(twice.err(), Some(ComposeError::NamespaceTaken("n".into())));
    let slash = Composed::builder("b").mount("a/b", Arithmetic::add()).build();
    assert_eq!(slash.err(), Some(ComposeError::BadNamespace("a/b".into())));
}

/// The shipped items API document.
fn items_spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi/items.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("items.json")).expect("JSON")
}

/// The mounted server's REST API and an OpenAPI server in front of it.
async fn openapi_over_mounted() -> (Served, Served) {
    let api = mounted().await;
    let server = OpenApiServer::from_spec(&items_spec(), &api.base).expect("spec loads");
    let mcp =
        serve(|l, rx| reference_servers::serve_openapi_http(l, server, "/mcp".into(), stopped(rx))).await;
    (api, mcp)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_server_passes_the_catalogue() {
    let (_api, mcp) = openapi_over_mounted().await;
    assert_conformant("openapi", &format!("{}/mcp", mcp.base)).await;
}

fn text_of(call: &Value) -> String {
    call.pointer("/result/content/0/text").and_then(Value::as_str).unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_operations_are_working_tools() {
    let (_api, mcp) = openapi_over_mounted().await;
    let url = format!("{}/mcp", mcp.base);
    let tools = ask(&url, "tools/list", json!({})).await;
    assert_eq!(
        names(&tools, "tools", "name"),
        ["listItems", "createItem", "getItem", "replaceItem", "deleteItem", "health"]
    );
    let create = tools.pointer("/result/tools/1").cloned().unwrap_or_default();
    assert_eq!(create.pointer("/inputSchema/required"), Some(&json!(["body"])), "{create}");
    assert_eq!(create.pointer("/inputSchema/properties/body/required"), Some(&json!(["name"])), "{create}");
    let get = tools.pointer("/result/tools/2").cloned().unwrap_or_default();
    assert_eq!(get.pointer("/inputSchema/properties/id/type"), Some(&json!("integer")), "{get}");
    assert_eq!(get.pointer("/annotations/readOnlyHint"), Some(&json!(true)), "{get}");

    let call = |name: &str, arguments: Value| {
        let url = url.clone();
        let params = json!({"name": name, "arguments": arguments});
        async move { ask(&url, "tools/call", params).await }
    };
    let created = call("createItem", json!({"body": {"name": "bolt", "quantity": 3}})).await;
    assert_eq!(created.pointer("/result/isError"), Some(&json!(false)), "{created}");
    let item: Value = serde_json::from_str(&text_of(&created)).expect("JSON item");
    assert_eq!(item, json!({"id": 1, "name": "bolt", "quantity": 3}));
    let got = call("getItem", json!({"id": 1})).await;
    assert_eq!(serde_json::from_str::<Value>(&text_of(&got)).ok(), Some(item));
    let listed = call("listItems", json!({})).await;
    assert_eq!(
        serde_json::from_str::<Value>(&text_of(&listed)).ok().and_then(|v| v.as_array().map(Vec::len)),
        Some(1)
    );
    let replaced = call("replaceItem", json!({"id": 1, "body": {"name": "nut", "quantity": 9}})).await;
    assert!(text_of(&replaced).contains("\"nut\""), "{replaced}");
    let deleted = call("deleteItem", json!({"id": 1})).await;
    assert_eq!(deleted.pointer("/result/isError"), Some(&json!(false)), "{deleted}");

    // Non-2xx: an isError result with the status and the body.
    let missing = call("getItem", json!({"id": 1})).await;
    assert_eq!(missing.pointer("/result/isError"), Some(&json!(true)), "{missing}");
    let text = text_of(&missing);
    assert!(text.starts_with("HTTP 404") && text.contains("no item 1"), "{text}");
    let invalid = call("createItem", json!({"body": {"name": ""}})).await;
    assert!(text_of(&invalid).starts_with("HTTP 422"), "{invalid}");
    // A missing path parameter never reaches the API.
    let no_id = call("getItem", json!({})).await;
    assert_eq!(no_id.pointer("/result/isError"), Some(&json!(true)), "{no_id}");
}

#[test]
fn openapi_refuses_what_it_cannot_serve() {
    assert!(OpenApiServer::from_spec(&json!({"swagger": "2.0", "paths": {}}), "http://127.0.0.1:1").is_err());
    assert!(OpenApiServer::from_spec(&items_spec(), "not a url").is_err());
    let twice = json!({"openapi": "3.0.3", "paths": {
        "/a": {"get": {"operationId": "same"}}, "/b": {"get": {"operationId": "same"}}}});
    assert!(OpenApiServer::from_spec(&twice, "http://127.0.0.1:1").is_err());
}
