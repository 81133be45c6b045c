//! The proxy's lean path (a stateless `tools/call` relayed without rmcp's
//! frontend server) answers exactly as the full path does. The same calls go
//! both ways: without an `Origin` header the lean path takes them; with a
//! loopback `Origin` (which it leaves to the full path, whose DNS-rebinding
//! guard judges origins) they go through rmcp. The two JSON-RPC responses
//! must be equal, and their bytes show each path was taken: both answer
//! one JSON object, but the lean path writes it from a `serde_json::Value`
//! (members in name order: `error` or `id` first) and rmcp from its typed
//! message (`jsonrpc` first).

mod common;
use common::proxy;
use serde_json::{Value, json};

/// Every JSON-RPC message in a JSON or SSE body.
fn messages(content_type: &str, body: &str) -> Vec<Value> {
    if content_type.starts_with("text/event-stream") {
        body.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str(d.trim()).ok())
            .collect()
    } else {
        serde_json::from_str(body).into_iter().collect()
    }
}

/// POSTs one stateless `tools/call`; the media type, the body as sent and
/// the response.
async fn call(url: &str, name: &str, arguments: Value, origin: Option<&str>) -> (String, String, Value) {
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
    "name": name, "arguments": arguments,
    "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "lean-equivalence", "version": "1"}
    }}});
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", name)
        .body(body.to_string());
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    let resp = req.send().await.expect("proxy reachable");
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = resp.text().await.expect("body");
    let response = messages(&ct, &text)
        .into_iter()
        .find(|m| m.get("id") == Some(&json!(7)))
        .unwrap_or_else(|| panic!("no response to the call in {ct} {text}"));
    (ct, text, response)
}

#[tokio::test]
async fn lean_and_full_paths_answer_every_call_alike() {
    let mut stops = Vec::new();
    let backend = reference_servers::plain_router(reference_servers::HttpOptions::default());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend_url = format!("http://{}/mcp", l.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(reference_servers::serve_router(
        l,
        backend,
        reference_servers::CancellationToken::new(),
        async move {
            let _ = rx.await;
        },
    ));
    stops.push(tx);
    let url = proxy(json!({"mcpServers": {"a": {"url": backend_url}}}), &mut stops).await;
    let origin = url.trim_end_matches("/mcp").to_string();
    let calls = [
        ("a_echo", json!({"message": "hi"})),
        ("a_add", json!({"a": 2, "b": 3})),
        // A tool error, a bad argument, a tool no backend has, a name
        // without the backend's prefix.
        ("a_add", json!({"a": "two", "b": 3})),
        ("a_echo", json!({})),
        ("a_missing", json!({})),
        ("echo", json!({"message": "hi"})),
    ];
    for (name, args) in calls {
        let (lean_ct, lean_text, lean) = call(&url, name, args.clone(), None).await;
        let (full_ct, full_text, full) = call(&url, name, args.clone(), Some(&origin)).await;
        assert_eq!(lean, full, "{name} {args}: lean ({lean_ct}) and full ({full_ct}) answers differ");
        assert!(lean_ct.starts_with("application/json"), "{name}: the lean path answered {lean_ct}");
        assert!(
            !lean_text.starts_with(r#"{"jsonrpc""#),
            "{name}: the lean path did not answer (rmcp's member order): {lean_text}"
        );
        assert!(
            full_text.contains(r#"{"jsonrpc":"2.0","id":7"#),
            "{name}: the full path did not answer (rmcp's member order, {full_ct}): {full_text}"
        );
    }
}
