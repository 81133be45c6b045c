//! OpenAPI documents in YAML: the shipped items.yaml reads as the same
//! document as items.json, and `mcpcheck serve openapi --spec items.yaml`
//! serves that API's operations as working tools.

use mcpcheck::spec::SpecVersion;
use mcpcheck::target::{self, TargetSpec};
use mcpcheck::wire::Limits;
use mcpcheck::wire::record::Recorder;
use mcpcheck::wire::session::Session;
use reference_servers::FaultSet;
use reference_servers::openapi::{Format, parse_document};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::time::Duration;
use tokio::net::TcpListener;

fn doc(name: &str) -> String {
    std::fs::read_to_string(format!("{}/docs/openapi/{name}", env!("CARGO_MANIFEST_DIR"))).expect("read")
}

#[test]
fn the_yaml_and_json_documents_are_the_same() {
    let yaml = parse_document(&doc("items.yaml"), Format::Yaml).expect("YAML");
    let json = parse_document(&doc("items.json"), Format::Json).expect("JSON");
    assert_eq!(yaml, json);
}

/// Kills the child it holds when dropped (a failed assertion included).
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_openapi_takes_a_yaml_spec() {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let api = format!("http://{}", l.local_addr().expect("addr"));
    let (_stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(reference_servers::serve_mounted_http(l, FaultSet::clean(), async move {
        let _ = rx.await;
    }));
    let spec = format!("{}/docs/openapi/items.yaml", env!("CARGO_MANIFEST_DIR"));
    let mut child = Child(
        std::process::Command::new(assert_cmd::cargo::cargo_bin("mcpcheck"))
            .args(["serve", "openapi", "--port", "0", "--spec", &spec, "--base-url", &api])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn"),
    );
    let stderr = child.0.stderr.take().expect("stderr");
    // "mcpcheck openapi server on http://127.0.0.1:PORT/mcp calling ..."
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stderr).read_line(&mut line).map(|_| line)
    })
    .await
    .expect("joined")
    .expect("a line");
    let url =
        line.split_whitespace().find(|w| w.starts_with("http://")).expect("the server's URL").to_owned();

    let limits = Limits { timeout: Duration::from_secs(10), ..Limits::default() };
    let running = target::start(&TargetSpec::Url(url), vec![], limits).await.expect("target");
    let mut s =
        Session::open(&running.endpoint, SpecVersion::V2025_11_25, Recorder::new()).await.expect("session");
    let tools = s.request("tools/list", Some(json!({}))).await.expect("list");
    let names: Vec<&str> = tools
        .result()
        .and_then(|r| r["tools"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["listItems", "createItem", "getItem", "replaceItem", "deleteItem", "health"]);
    let created = s
        .request("tools/call", Some(json!({"name": "createItem", "arguments": {"body": {"name": "bolt"}}})))
        .await
        .expect("call");
    let text = created.result().and_then(|r| r.pointer("/content/0/text")).and_then(Value::as_str);
    let item: Value = serde_json::from_str(text.unwrap_or_default()).expect("a JSON item");
    assert_eq!(item, json!({"id": 1, "name": "bolt", "quantity": 0}));
    drop(child);
}
