//! A raw HTTP client for the tests: start a server in-process, post bytes,
//! read JSON-RPC messages back from JSON or SSE bodies.
//!
//! Deliberately not rmcp's client: the tests must see status codes, headers
//! and bodies exactly as the server sent them, as mcpcheck does.

use reference_servers::{FaultSet, HttpOptions, serve_plain_http};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub const LATEST_SESSION: &str = "2025-11-25";
pub const STATELESS: &str = "2026-07-28";
pub const ACCEPT: &str = "application/json, text/event-stream";

/// A server on 127.0.0.1:0, stopped when dropped.
pub struct Server {
    pub url: String,
    client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
    /// JSON-RPC messages found in the body (JSON or SSE `data:`).
    pub messages: Vec<Value>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The one message answering `id`.
    pub fn answer(&self, id: &Value) -> Option<&Value> {
        self.messages.iter().find(|m| m.get("id") == Some(id))
    }

    /// The first message with a result or error.
    pub fn first(&self) -> Value {
        self.messages
            .iter()
            .find(|m| m.get("result").is_some() || m.get("error").is_some())
            .cloned()
            .unwrap_or(Value::Null)
    }
}

impl Server {
    pub async fn start(faults: FaultSet) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(serve_plain_http(listener, HttpOptions::with_faults(faults), async move {
            let _ = stopped.await;
        }));
        Server {
            url: format!("http://{addr}/mcp"),
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
            stop: Some(stop),
        }
    }

    pub async fn clean() -> Server {
        Server::start(FaultSet::default()).await
    }

    /// POSTs `body` with the usual headers plus `headers`.
    pub async fn post(&self, headers: &[(&str, &str)], body: impl Into<String>) -> Reply {
        let mut req = self
            .client
            .post(&self.url)
            .header("accept", ACCEPT)
            .header("content-type", "application/json")
            .body(body.into());
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        read(req.send().await.unwrap()).await
    }

    pub async fn delete(&self, session: &str) -> Reply {
        let req = self.client.delete(&self.url).header("mcp-session-id", session);
        read(req.send().await.unwrap()).await
    }

    /// `initialize` at `version`; returns the reply and the session id.
    pub async fn initialize(&self, version: &str) -> (Reply, Option<String>) {
        let reply = self.post(&[], initialize_body(version)).await;
        let session = reply.header("mcp-session-id").map(str::to_owned);
        (reply, session)
    }

    /// A ready session: initialize plus notifications/initialized.
    pub async fn session(&self, version: &str) -> Session<'_> {
        let (reply, id) = self.initialize(version).await;
        let id = id.expect("initialize returns a session id");
        let negotiated = reply.first()["result"]["protocolVersion"].as_str().unwrap_or(version).to_owned();
        let session = Session { server: self, id, version: negotiated };
        session.post(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        session
    }

    /// A 2026-07-28 stateless request with the `_meta` envelope and headers.
    pub async fn stateless(&self, id: Value, method: &str, mut params: Value) -> Reply {
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": STATELESS,
            "io.modelcontextprotocol/clientCapabilities": {},
        });
        let name = params.get("name").and_then(Value::as_str).map(str::to_owned);
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let mut headers = vec![("mcp-protocol-version", STATELESS), ("mcp-method", method)];
        if let Some(name) = name.as_deref() {
            headers.push(("mcp-name", name));
        }
        self.post(&headers, body.to_string()).await
    }
}

/// An initialized session.
pub struct Session<'a> {
    pub server: &'a Server,
    pub id: String,
    pub version: String,
}

impl Session<'_> {
    pub async fn post(&self, body: Value) -> Reply {
        self.post_raw(body.to_string()).await
    }

    pub async fn post_raw(&self, body: impl Into<String>) -> Reply {
        self.server.post(&[("mcp-session-id", &self.id), ("mcp-protocol-version", &self.version)], body).await
    }

    pub async fn request(&self, id: Value, method: &str) -> Reply {
        self.post(json!({"jsonrpc": "2.0", "id": id, "method": method})).await
    }
}

pub fn initialize_body(version: &str) -> String {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "tests", "version": "0"}
        }
    })
    .to_string()
}

async fn read(response: reqwest::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    let messages = parse_messages(&body);
    Reply { status, headers, body, messages }
}

/// JSON first, then SSE: independent of Content-Type on purpose, so a
/// mislabelled body is still readable.
fn parse_messages(body: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Array(items)) => return items,
        Ok(value) => return vec![value],
        Err(_) => {}
    }
    let mut messages = Vec::new();
    let mut data = Vec::new();
    for line in body.lines().chain(std::iter::once("")) {
        if line.is_empty() {
            if let Ok(value) = serde_json::from_str::<Value>(&data.join("\n")) {
                messages.push(value);
            }
            data.clear();
        } else if let Some(rest) = line.strip_prefix("data:") {
            data.push(rest.strip_prefix(' ').unwrap_or(rest));
        }
    }
    messages
}
