//! Probes for the feature checks (tools, resources, prompts, pagination,
//! wire schema, completion, progress), kept apart from the transport probes.
//! Each talks the stateless 2026-07-28 way unless the check is older.

use serde_json::{Value, json};

use crate::client::{LATEST_SESSION, Server};

pub const CHECKS: &[&str] = &[
    "tools/list/schemas-valid",
    "tools/list/names",
    "tools/call/structured-content",
    "tools/call/content-well-formed",
    "tools/call/unknown-tool",
    "tools/call/invalid-arguments",
    "resources/list/shape",
    "resources/read/listed",
    "resources/templates/shape",
    "resources/read/unknown-uri-32002",
    "resources/read/unknown-uri-32602",
    "prompts/get/listed",
    "prompts/get/missing-argument",
    "prompts/get/unknown-prompt",
    "pagination/cursor/terminates",
    "pagination/cursor/invalid-is-32602",
    "schema/messages/valid",
    "completion/complete/matches-capability",
    "completion/complete/values-bounded",
    "progress/notifications/increasing",
];

fn ensure(ok: bool, why: impl Into<String>) -> Result<(), String> {
    if ok { Ok(()) } else { Err(why.into()) }
}

/// A stateless request keeping any `_meta` of `params` and mirroring a
/// resource URI into `Mcp-Name` (the shared helper does neither).
async fn stateless(s: &Server, method: &str, mut params: Value) -> crate::client::Reply {
    let version = crate::client::STATELESS;
    params["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!(version);
    params["_meta"]["io.modelcontextprotocol/clientCapabilities"] = json!({});
    let name = params.get("name").or_else(|| params.get("uri")).and_then(Value::as_str).map(str::to_owned);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let mut headers = vec![("mcp-protocol-version", version), ("mcp-method", method)];
    if let Some(name) = name.as_deref() {
        headers.push(("mcp-name", name));
    }
    s.post(&headers, body.to_string()).await
}

async fn result(s: &Server, method: &str, params: Value) -> Value {
    stateless(s, method, params).await.first()
}

async fn call(s: &Server, name: &str, args: Value) -> Value {
    result(s, "tools/call", json!({"name": name, "arguments": args})).await
}

/// Every resource, following cursors (at most 10 pages); Err on a repeat.
async fn resources(s: &Server) -> Result<Vec<Value>, String> {
    let (mut all, mut seen, mut cursor) = (Vec::new(), Vec::new(), None::<String>);
    for _ in 0..10 {
        let params = cursor.as_ref().map_or(json!({}), |c| json!({"cursor": c}));
        let r = result(s, "resources/list", params).await;
        all.extend(r["result"]["resources"].as_array().cloned().unwrap_or_default());
        match r["result"]["nextCursor"].as_str() {
            None => return Ok(all),
            Some(c) if seen.iter().any(|x| x == c) => return Err(format!("cursor {c} twice")),
            Some(c) => {
                seen.push(c.to_owned());
                cursor = Some(c.to_owned());
            }
        }
    }
    Err("more than 10 pages".into())
}

pub async fn probe(check: &str, s: &Server) -> Result<(), String> {
    match check {
        "tools/list/schemas-valid" => {
            let r = result(s, "tools/list", json!({})).await;
            let types = ["string", "integer", "number", "boolean", "object", "array", "null"];
            for t in r["result"]["tools"].as_array().cloned().unwrap_or_default() {
                for p in t["inputSchema"]["properties"].as_object().cloned().unwrap_or_default().values() {
                    let ty = p["type"].as_str().unwrap_or("string");
                    ensure(types.contains(&ty), format!("type {ty:?} in {}", t["name"]))?;
                }
            }
            Ok(())
        }
        "tools/list/names" => {
            let r = result(s, "tools/list", json!({})).await;
            let mut names: Vec<String> = r["result"]["tools"]
                .as_array()
                .map(|t| t.iter().filter_map(|t| t["name"].as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            names.sort();
            let dup = names.windows(2).find(|w| w[0] == w[1]).map(|w| w[0].clone());
            ensure(dup.is_none(), format!("{dup:?} twice"))
        }
        "tools/call/structured-content" => {
            let r = call(s, "add", json!({"a": 2, "b": 3})).await;
            let got = &r["result"]["structuredContent"]["result"];
            ensure(got.is_i64(), format!("result {got}"))
        }
        "tools/call/content-well-formed" => {
            let r = call(s, "sample_content", json!({})).await;
            let data = r["result"]["content"][1]["data"].as_str().unwrap_or_default().to_owned();
            let b64 = data.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b));
            ensure(b64 && !data.is_empty(), format!("image data {data:?} not base64"))
        }
        "tools/call/unknown-tool" => {
            let r = call(s, "nope", json!({})).await;
            ensure(r.get("error").is_some(), format!("answered with a result {r}"))
        }
        "tools/call/invalid-arguments" => {
            let r = call(s, "add", json!({})).await;
            ensure(r["result"]["isError"] == true, format!("got {r}"))
        }
        "resources/list/shape" => {
            // A repeated cursor is pagination's finding, not this check's.
            for r in resources(s).await.unwrap_or_default() {
                let uri = r["uri"].as_str().unwrap_or_default();
                ensure(uri.contains("://"), format!("uri {uri:?}"))?;
            }
            Ok(())
        }
        "resources/read/listed" => {
            for r in resources(s).await.unwrap_or_default() {
                let read = result(s, "resources/read", json!({"uri": r["uri"]})).await;
                let n = read["result"]["contents"].as_array().map_or(0, Vec::len);
                ensure(n > 0, format!("{} read with empty contents", r["uri"]))?;
            }
            Ok(())
        }
        "resources/templates/shape" => {
            let r = result(s, "resources/templates/list", json!({})).await;
            let t =
                r["result"]["resourceTemplates"][0]["uriTemplate"].as_str().unwrap_or_default().to_owned();
            ensure(t.matches('{').count() == t.matches('}').count(), format!("template {t}"))
        }
        "resources/read/unknown-uri-32002" => {
            let session = s.session(LATEST_SESSION).await;
            let body = json!({"jsonrpc": "2.0", "id": 2, "method": "resources/read",
                "params": {"uri": "nope://x"}});
            let r = session.post(body).await.first();
            ensure(r["error"]["code"] == -32002, format!("unknown uri gave {r} (contents)"))
        }
        "resources/read/unknown-uri-32602" => {
            let r = result(s, "resources/read", json!({"uri": "nope://x"})).await;
            ensure(r["error"]["code"] == -32602, format!("unknown uri gave {r} (contents)"))
        }
        "prompts/get/listed" => {
            let r = result(s, "prompts/list", json!({})).await;
            for p in r["result"]["prompts"].as_array().cloned().unwrap_or_default() {
                let got =
                    result(s, "prompts/get", json!({"name": p["name"], "arguments": {"name": "x"}})).await;
                ensure(got.get("result").is_some(), format!("{} not gettable", p["name"]))?;
            }
            Ok(())
        }
        "prompts/get/missing-argument" => {
            let r = result(s, "prompts/get", json!({"name": "greeting", "arguments": {}})).await;
            ensure(r["error"]["code"] == -32602, format!("got {r}"))
        }
        "prompts/get/unknown-prompt" => {
            let r = result(s, "prompts/get", json!({"name": "nope"})).await;
            ensure(r["error"]["code"] == -32602, format!("code {}", r["error"]["code"]))
        }
        "pagination/cursor/terminates" => resources(s).await.map(|_| ()),
        "pagination/cursor/invalid-is-32602" => {
            let r = result(s, "resources/list", json!({"cursor": "bogus"})).await;
            ensure(r["error"]["code"] == -32602, format!("got {r}"))
        }
        "schema/messages/valid" => {
            let reply = s
                .stateless(json!(1), "tools/call", json!({"name": "echo", "arguments": {"message": "m"}}))
                .await;
            let levels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];
            for m in reply.messages.iter().filter(|m| m["method"] == "notifications/message") {
                let level = m["params"]["level"].as_str().unwrap_or_default();
                ensure(levels.contains(&level), format!("level {level:?}"))?;
            }
            Ok(())
        }
        "completion/complete/matches-capability" => {
            let r = result(s, "server/discover", json!({})).await;
            ensure(r["result"]["capabilities"]["completions"].is_object(), "no completions capability")
        }
        "completion/complete/values-bounded" => {
            let params = json!({"ref": {"type": "ref/prompt", "name": "greeting"},
                "argument": {"name": "name", "value": ""}});
            let r = result(s, "completion/complete", params).await;
            let n = r["result"]["completion"]["values"].as_array().map_or(0, Vec::len);
            ensure((1..=100).contains(&n), format!("{n} values"))
        }
        "progress/notifications/increasing" => {
            let params = json!({"name": "count", "arguments": {"steps": 3}, "_meta": {"progressToken": "t"}});
            let reply = stateless(s, "tools/call", params).await;
            let values: Vec<f64> = reply
                .messages
                .iter()
                .filter(|m| m["method"] == "notifications/progress")
                .filter_map(|m| m["params"]["progress"].as_f64())
                .collect();
            ensure(!values.is_empty(), "no progress")?;
            ensure(values.windows(2).all(|w| w[0] < w[1]), format!("progress {values:?}"))
        }
        other => Err(format!("no probe for {other}")),
    }
}
