//! The plain server over newline-delimited JSON-RPC (the stdio transport),
//! driven through in-memory pipes: handshake, a tool call, and a clean exit
//! when the input closes.

use reference_servers::serve_plain_io;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[tokio::test]
async fn stdio_handshake_and_tool_call() {
    let (mut client_write, server_read) = tokio::io::duplex(64 * 1024);
    let (server_write, client_read) = tokio::io::duplex(64 * 1024);
    let server = tokio::spawn(serve_plain_io(server_read, server_write));
    let mut lines = BufReader::new(client_read).lines();

    let send = |v: Value| format!("{v}\n");
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "tests", "version": "0"}}});
    client_write.write_all(send(init).as_bytes()).await.unwrap();
    let reply: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(reply["result"]["serverInfo"]["name"], "mcpcheck-plain");
    assert_eq!(reply["result"]["protocolVersion"], "2025-11-25");

    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    client_write.write_all(send(initialized).as_bytes()).await.unwrap();
    let call = json!({"jsonrpc": "2.0", "id": "c", "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 40, "b": 2}}});
    client_write.write_all(send(call).as_bytes()).await.unwrap();
    let reply: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(reply["id"], "c");
    assert_eq!(reply["result"]["structuredContent"], json!({"result": 42}));

    drop(client_write);
    server.await.unwrap().unwrap();
}
