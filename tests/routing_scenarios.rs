//! The shipped routing scenarios (scenarios/composed, composed-nested,
//! proxied, mounted, openapi) pass against the real servers, through the real binary:
//! each server runs in-process on 127.0.0.1:0 and `mcpcheck test URL
//! --scenario DIR` is pointed at it, as the files' comments tell a user to.
//! The proxy's backends come from a config generated with their ports, in
//! the shape of docs/proxied/seed.json.

use assert_cmd::Command;
use reference_servers::composed::Composed;
use reference_servers::{FaultSet, backends_from_config};
use serde_json::{Value, json};
use std::future::Future;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A server on 127.0.0.1:0 until dropped.
struct Served {
    base: String,
    _stop: oneshot::Sender<()>,
}

async fn serve<F, Fut>(start: F) -> Served
where
    F: FnOnce(TcpListener, oneshot::Receiver<()>) -> Fut,
    Fut: Future<Output = std::io::Result<()>> + Send + 'static,
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

async fn composed(c: Composed) -> Served {
    serve(|l, rx| reference_servers::serve_composed_http(l, c, "/mcp".into(), stopped(rx))).await
}

async fn plain() -> Served {
    let opts = reference_servers::HttpOptions {
        path: "/mcp".into(),
        faults: FaultSet::clean(),
        ..Default::default()
    };
    serve(|l, rx| reference_servers::serve_plain_http(l, opts, stopped(rx))).await
}

/// `mcpcheck test URL --scenario DIR` (plus `extra`), run off the async
/// runtime so the in-process servers keep serving; the JSON report.
async fn mcpcheck_test(url: &str, dir: &str, extra: &[&str]) -> Value {
    let mut args: Vec<String> =
        ["test", url, "--quiet", "--json", "-", "--scenario", dir].iter().map(|s| (*s).to_owned()).collect();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let out = tokio::task::spawn_blocking(move || {
        Command::cargo_bin("mcpcheck").expect("binary built").args(&args).output().expect("ran")
    })
    .await
    .expect("joined");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let not_passed: Vec<String> = report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| !matches!(c["status"].as_str(), Some("pass" | "skip" | "info")))
        .map(|c| {
            format!(
                "{} {}: {} (expected {}, actual {})",
                c["status"], c["id"], c["message"], c["expected"], c["actual"]
            )
        })
        .collect();
    assert_eq!(out.status.code(), Some(0), "{url} {dir}: {not_passed:#?}");
    report
}

/// Every step of the scenarios in `dir` passed, and there were at least `min`.
fn assert_steps_pass(report: &Value, dir: &str, min: usize) {
    let steps: Vec<&Value> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["id"].as_str().is_some_and(|i| i.starts_with("scenario/")))
        .collect();
    assert!(steps.len() >= min, "{dir}: {} steps", steps.len());
    let failed: Vec<&&Value> = steps.iter().filter(|c| c["status"] != "pass").collect();
    assert!(failed.is_empty(), "{dir}: {failed:#?}");
}

/// The whole run (built-in checks and scenario) on the negotiated revision,
/// and the scenario alone on the stateless one.
async fn assert_dir_passes(url: &str, dir: &str, min: usize) {
    let report = mcpcheck_test(url, dir, &[]).await;
    assert_steps_pass(&report, dir, min);
    let report = mcpcheck_test(url, dir, &["--spec", "2026-07-28", "--only", "scenario/"]).await;
    assert_steps_pass(&report, dir, min);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn composed_scenarios_pass() {
    let s = composed(Composed::example().expect("composes")).await;
    assert_dir_passes(&format!("{}/mcp", s.base), "scenarios/composed", 12).await;
    let s = composed(Composed::nested_example().expect("composes")).await;
    assert_dir_passes(&format!("{}/mcp", s.base), "scenarios/composed-nested", 10).await;
}

/// The exit code of `mcpcheck test URL --only scenario/ --scenario DIR`.
async fn scenario_exit_code(url: &str, dir: &str) -> Option<i32> {
    let args: Vec<String> = ["test", url, "--quiet", "--only", "scenario/", "--scenario", dir]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let out = tokio::task::spawn_blocking(move || {
        Command::cargo_bin("mcpcheck").expect("binary").args(&args).output().expect("ran")
    })
    .await
    .expect("joined");
    out.status.code()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn composed_scenario_fails_against_the_wrong_composition() {
    // The nested server is not the seed's: its tools are math_add_add, so the
    // seed's scenario must fail there (the scenario can fail).
    let s = composed(Composed::nested_example().expect("composes")).await;
    assert_eq!(scenario_exit_code(&format!("{}/mcp", s.base), "scenarios/composed").await, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mounted_scenarios_pass_at_the_mounted_endpoint_beside_rest() {
    let s = serve(|l, rx| reference_servers::serve_mounted_http(l, FaultSet::clean(), stopped(rx))).await;
    let url = format!("{}{}", s.base, reference_servers::mounted::MCP_PATH);
    assert_dir_passes(&url, "scenarios/mounted", 5).await;
    // The same listener serves /health and the REST API.
    let client = reqwest::Client::new();
    let health = client.get(format!("{}/health", s.base)).send().await.expect("health");
    assert_eq!(health.status(), 200);
    let items = client.get(format!("{}/api/items", s.base)).send().await.expect("items");
    assert_eq!(items.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_scenarios_pass_over_the_mounted_api() {
    let api = serve(|l, rx| reference_servers::serve_mounted_http(l, FaultSet::clean(), stopped(rx))).await;
    let text = std::fs::read_to_string("docs/openapi/items.yaml").expect("items.yaml");
    let doc = reference_servers::openapi::parse_document(&text, reference_servers::openapi::Format::Yaml)
        .expect("YAML");
    let server = reference_servers::OpenApiServer::from_spec(&doc, &api.base).expect("spec loads");
    let mcp =
        serve(|l, rx| reference_servers::serve_openapi_http(l, server, "/mcp".into(), stopped(rx))).await;
    assert_dir_passes(&format!("{}/mcp", mcp.base), "scenarios/openapi", 8).await;
}

/// The seed's layout with free ports: `one` the plain server, `two` the
/// composed one (docs/proxied/seed.json names 9001 and 9002).
async fn seed_proxy() -> (Served, Vec<Served>) {
    let one = plain().await;
    let two = composed(Composed::example().expect("composes")).await;
    let seed: Value = serde_json::from_str(
        &std::fs::read_to_string("docs/proxied/seed.json").expect("docs/proxied/seed.json"),
    )
    .expect("JSON");
    let mut config = seed.clone();
    config["mcpServers"]["one"]["url"] = json!(format!("{}/mcp", one.base));
    config["mcpServers"]["two"]["url"] = json!(format!("{}/mcp", two.base));
    let backends = backends_from_config(&config).expect("config");
    let proxy =
        serve(|l, rx| reference_servers::serve_proxied_http(l, backends, "/mcp".into(), stopped(rx))).await;
    (proxy, vec![one, two])
}

#[test]
fn the_shipped_seed_config_is_the_seed_s_layout() {
    let seed: Value = serde_json::from_str(&std::fs::read_to_string("docs/proxied/seed.json").expect("read"))
        .expect("JSON");
    assert_eq!(seed["mcpServers"]["one"]["url"], "http://127.0.0.1:9001/mcp");
    assert_eq!(seed["mcpServers"]["two"]["url"], "http://127.0.0.1:9002/mcp");
    assert_eq!(backends_from_config(&seed).expect("valid").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxied_scenarios_pass_with_both_backends() {
    let (proxy, _backends) = seed_proxy().await;
    assert_dir_passes(&format!("{}/mcp", proxy.base), "scenarios/proxied", 15).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxied_scenario_fails_with_the_backends_swapped() {
    let one = composed(Composed::example().expect("composes")).await;
    let two = plain().await;
    let config = json!({"mcpServers": {
        "one": {"url": format!("{}/mcp", one.base)},
        "two": {"url": format!("{}/mcp", two.base)},
    }});
    let backends = backends_from_config(&config).expect("config");
    let proxy =
        serve(|l, rx| reference_servers::serve_proxied_http(l, backends, "/mcp".into(), stopped(rx))).await;
    assert_eq!(scenario_exit_code(&format!("{}/mcp", proxy.base), "scenarios/proxied").await, Some(1));
}

#[test]
fn routing_scenarios_are_valid_files() {
    Command::cargo_bin("mcpcheck")
        .expect("binary")
        .args([
            "scenario",
            "check",
            "scenarios/composed",
            "scenarios/composed-nested",
            "scenarios/proxied",
            "scenarios/mounted",
            "scenarios/openapi",
        ])
        .assert()
        .success();
}
