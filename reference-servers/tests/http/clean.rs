//! The clean server on every revision, and the spots where the layer
//! corrects rmcp (parse errors, batches, DELETE of an unknown session).

use serde_json::json;

use crate::client::{LATEST_SESSION, Server};

#[tokio::test]
async fn session_revisions_serve_tools_resources_and_prompts() {
    let server = Server::clean().await;
    for version in ["2025-03-26", "2025-06-18", LATEST_SESSION] {
        let session = server.session(version).await;
        assert_eq!(session.version, version);
        let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "add", "arguments": {"a": 2, "b": 3}}});
        let result = session.post(call).await.first()["result"].clone();
        assert_eq!(result["structuredContent"], json!({"result": 5}), "{version}");
        assert_eq!(result["content"][0]["type"], "text");

        let call = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
            "params": {"name": "echo", "arguments": {"message": "hi"}}});
        let result = session.post(call).await.first()["result"].clone();
        assert_eq!(result["content"][0]["text"], "hi");

        let tools = session.request(json!(4), "tools/list").await.first();
        let tools = tools["result"]["tools"].as_array().cloned().unwrap_or_default();
        // The six plain tools, then the asking tools whose input the
        // revision has (sampling and roots; forms from 2025-06-18; URL mode
        // from 2025-11-25).
        let asking = match version {
            "2025-03-26" => 2,
            "2025-06-18" => 5,
            _ => 6,
        };
        assert_eq!(tools.len(), 6 + asking, "{version}");
        for tool in &tools {
            assert_eq!(tool["annotations"]["readOnlyHint"], true, "{tool}");
        }
        let read = json!({"jsonrpc": "2.0", "id": 5, "method": "resources/read",
            "params": {"uri": "info://server"}});
        let contents = session.post(read).await.first();
        assert!(contents["result"]["contents"][0]["text"].is_string());
        let prompt = json!({"jsonrpc": "2.0", "id": 6, "method": "prompts/get",
            "params": {"name": "greeting", "arguments": {"name": "Ada"}}});
        let messages = session.post(prompt).await.first();
        let text = messages["result"]["messages"][0]["content"]["text"].clone();
        assert!(text.as_str().is_some_and(|t| t.contains("Ada")), "{text}");
    }
}

#[tokio::test]
async fn stateless_2026_revision_calls_tools_and_drops_ping() {
    let server = Server::clean().await;
    let params = json!({"name": "subtract", "arguments": {"a": 2, "b": 5}});
    let reply = server.stateless(json!(1), "tools/call", params).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("mcp-session-id"), None);
    let result = reply.first()["result"].clone();
    assert_eq!(result["structuredContent"], json!({"result": -3}));
    assert_eq!(result["resultType"], "complete");
    let ping = server.stateless(json!(2), "ping", json!({})).await;
    assert_eq!(ping.first()["error"]["code"], -32601);
}

#[tokio::test]
async fn initialize_reports_the_plain_server() {
    let server = Server::clean().await;
    let (reply, _) = server.initialize(LATEST_SESSION).await;
    let result = reply.first()["result"].clone();
    assert_eq!(result["serverInfo"]["name"], "mcpcheck-plain");
    let caps = result["capabilities"].as_object().cloned().unwrap_or_default();
    let mut keys: Vec<_> = caps.keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["completions", "logging", "prompts", "resources", "tools"]);
}

#[tokio::test]
async fn malformed_json_is_400_parse_error_not_415() {
    let server = Server::clean().await;
    let session = server.session(LATEST_SESSION).await;
    let reply = session.post_raw("{\"jsonrpc\":").await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.first()["error"]["code"], -32700);
    let reply = session.post_raw("42").await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.first()["error"]["code"], -32600);
}

#[tokio::test]
async fn batches_rejected_from_2025_06_18_but_served_on_2025_03_26() {
    let server = Server::clean().await;
    let batch = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "ping"},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": "b", "method": "tools/list"},
    ]);
    let newer = server.session("2025-06-18").await;
    let reply = newer.post(batch.clone()).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.first()["error"]["code"], -32600);

    let older = server.session("2025-03-26").await;
    let reply = older.post(batch).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.messages.len(), 2, "{}", reply.body);
    assert!(reply.answer(&json!(1)).is_some() && reply.answer(&json!("b")).is_some());
}

#[tokio::test]
async fn delete_of_unknown_session_is_404() {
    let server = Server::clean().await;
    assert_eq!(server.delete("mcpcheck-unknown-session").await.status, 404);
}

#[tokio::test]
async fn shutdown_ends_the_server_even_with_an_open_sse_stream() {
    use reference_servers::{HttpOptions, serve_plain_http};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve_plain_http(listener, HttpOptions::default(), async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let init = client
        .post(&url)
        .header("accept", crate::client::ACCEPT)
        .header("content-type", "application/json")
        .body(crate::client::initialize_body(LATEST_SESSION))
        .send()
        .await
        .unwrap();
    let session = init.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let stream = client
        .get(&url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", LATEST_SESSION)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    stop.send(()).unwrap();
    // A generous guard, not a timing assertion: without it a hang would
    // stall the whole test run.
    let done = tokio::time::timeout(std::time::Duration::from_secs(30), task).await;
    assert!(matches!(done, Ok(Ok(Ok(())))), "{done:?}");
    drop(stream);
}
